import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm start`: the desktop app where the Electron runtime is installed and built,
 * browser mode otherwise, saying why in one line.
 */
export function desktopAvailable(root: string): { ok: true } | { ok: false; why: string } {
  const electron = join(root, 'node_modules', 'electron');
  if (!existsSync(join(electron, 'path.txt')) || !existsSync(join(electron, 'dist'))) {
    return { ok: false, why: 'the Electron runtime is not installed on this machine' };
  }
  return { ok: true };
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const desktop = desktopAvailable(root);
const [cmd, args] = desktop.ok
  ? ['npx', ['electron-vite', 'preview']] // builds the desktop app, then opens it
  : ['npx', ['tsx', join(root, 'src-main', 'web', 'main.ts'), ...process.argv.slice(2)]];
if (!desktop.ok) process.stdout.write(`Opening browser mode: ${desktop.why}.\n`);
const child = spawn(cmd, args, { stdio: 'inherit', cwd: root, shell: process.platform === 'win32' });
child.on('exit', (code) => process.exit(code ?? 0));
