import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_DIR_NAME = 'm365-license-reconciler';

/**
 * Per-user data folder: profiles, the SQLite database and logs.
 * Override with M365LR_DATA_DIR (or the CLI's --data-dir).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env['M365LR_DATA_DIR']) return env['M365LR_DATA_DIR'];
  if (platform === 'win32') return join(env['APPDATA'] ?? join(homedir(), 'AppData', 'Roaming'), APP_DIR_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_DIR_NAME);
  return join(env['XDG_DATA_HOME'] ?? join(homedir(), '.local', 'share'), APP_DIR_NAME);
}

export interface DataPaths {
  root: string;
  profiles: string;
  database: string;
  logFile: string;
}

export function dataPaths(root: string): DataPaths {
  return {
    root,
    profiles: join(root, 'profiles.json'),
    database: join(root, 'reconciler.db'),
    logFile: join(root, 'logs', 'reconciler.log'),
  };
}
