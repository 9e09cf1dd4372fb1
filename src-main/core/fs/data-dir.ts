import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { OperatorError } from '../errors/operator-error';

/**
 * The data folder holds UPNs, departments, sign-in and mailbox data (the SQLite file),
 * profiles, logs and certificates: it is this user's alone. Folders are 0700 and files
 * 0600 whatever the umask. On Windows the per-user profile folder already restricts
 * them, and POSIX modes mean little there, so nothing is changed.
 */
export const DATA_SUBFOLDERS = ['logs', 'certificates'] as const;

export interface PreparedDataDir {
  /** What was changed on an existing folder, to be said once (empty when nothing was). */
  notices: string[];
}

function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function unusable(path: string, why: string, cause?: unknown): OperatorError {
  return new OperatorError('bad-input', `The data folder "${path}" cannot be used: ${why}.`, {
    hint: 'Choose a folder this user owns and may write, or remove what is in the way.',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Create `path` as a private folder, or check an existing one; returns whether it existed. */
function ensurePrivateFolder(path: string): boolean {
  const st = lstatOrNull(path);
  if (st === null) {
    try {
      mkdirSync(path, { recursive: true, mode: 0o700 });
      // mkdir's mode is masked by the umask; set it explicitly.
      chmodSync(path, 0o700);
    } catch (e) {
      throw unusable(path, (e as NodeJS.ErrnoException).code ?? (e as Error).message, e);
    }
    return false;
  }
  if (st.isSymbolicLink()) {
    // A symlinked data folder is the operator's choice; its target is checked below.
    return true;
  }
  if (!st.isDirectory()) throw unusable(path, 'it is not a folder');
  return true;
}

/** Remove group and other access (never adds any). Returns the old mode when it changed. */
function tighten(path: string, st: Stats): number | null {
  const old = st.mode & 0o777;
  if ((old & 0o077) === 0) return null;
  chmodSync(path, old & 0o700);
  return old;
}

/**
 * Make the data folder private: create it and its logs and certificates subfolders 0700
 * when absent; on an existing folder, remove group and other access from the folder, its
 * subfolders and the files directly in them (reconciler.db and its -wal/-shm, profiles,
 * secret store, logs, certificates). Symlinks are never followed or changed. Returns the
 * notices to say once (one per run, listing what was tightened).
 */
export function prepareDataDir(root: string, platform: NodeJS.Platform = process.platform): PreparedDataDir {
  if (root.trim() === '') throw unusable(root, 'no folder was named');
  const existed = ensurePrivateFolder(root);
  for (const sub of DATA_SUBFOLDERS) ensurePrivateFolder(join(root, sub));
  if (platform === 'win32') return { notices: [] };

  const tightened: string[] = [];
  const visit = (path: string, follow = false): void => {
    let st: Stats | null;
    try {
      st = follow ? statSync(path) : lstatOrNull(path);
    } catch {
      return;
    }
    if (st === null || st.isSymbolicLink() || !(st.isDirectory() || st.isFile())) return;
    try {
      const old = tighten(path, st);
      if (old !== null) tightened.push(`${path} (${old.toString(8).padStart(4, '0')})`);
    } catch {
      // Not ours to change (owned by another user): nothing to say that would help here.
    }
  };
  const folders = [root, ...DATA_SUBFOLDERS.map((s) => join(root, s))];
  for (const folder of folders) {
    // The data folder itself may be a symlink the operator made; what it points to is checked.
    visit(folder, folder === root);
    let names: string[] = [];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      const p = join(folder, name);
      if (folders.includes(p)) continue;
      const st = lstatOrNull(p);
      if (st?.isFile()) visit(p);
      // Per-profile certificate folders.
      else if (st?.isDirectory() && folder !== root) {
        visit(p);
        for (const inner of safeReaddir(p)) {
          const q = join(p, inner);
          if (lstatOrNull(q)?.isFile()) visit(q);
        }
      }
    }
  }
  if (!existed || tightened.length === 0) return { notices: [] };
  return {
    notices: [
      `The data folder ${root} was readable by other users; access is now limited to this user (was: ${tightened.join(', ')}).`,
    ],
  };
}

function safeReaddir(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}
