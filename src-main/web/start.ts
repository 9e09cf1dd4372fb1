import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { desktopAvailable } from './desktop-available';

/** `npm start`: the desktop app where the Electron runtime is installed, browser mode otherwise (saying why in one line). */

const root = fileURLToPath(new URL('../..', import.meta.url));
const desktop = desktopAvailable(root);
const [cmd, args] = desktop.ok
  ? ['npx', ['electron-vite', 'preview']] // builds the desktop app, then opens it
  : ['npx', ['tsx', join(root, 'src-main', 'web', 'main.ts'), ...process.argv.slice(2)]];
if (!desktop.ok) process.stdout.write(`Opening browser mode: ${desktop.why}.\n`);
const child = spawn(cmd, args, { stdio: 'inherit', cwd: root, shell: process.platform === 'win32' });
child.on('exit', (code) => process.exit(code ?? 0));
