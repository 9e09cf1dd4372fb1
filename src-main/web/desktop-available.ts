import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** Whether `npm start` can open the desktop app: Electron's runtime was downloaded (its install writes path.txt and dist/). */
export function desktopAvailable(root: string): { ok: true } | { ok: false; why: string } {
  const electron = join(root, 'node_modules', 'electron');
  if (!existsSync(join(electron, 'path.txt')) || !existsSync(join(electron, 'dist'))) {
    return { ok: false, why: 'the Electron runtime is not installed on this machine' };
  }
  return { ok: true };
}
