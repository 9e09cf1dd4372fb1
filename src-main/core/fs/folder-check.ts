import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OperatorError } from '../errors/operator-error';

/**
 * Checks, before any work starts, that a folder the operator named (the data folder, an
 * export folder) is one this process can write: not empty, not a file, creatable, and
 * writable (tested by creating and removing a file, which also catches a read-only mount
 * that permission bits do not show). Operator mistakes become bad-input, a folder the
 * system refuses becomes a storage error; neither is an "unexpected failure".
 */
export function assertWritableFolder(path: string, what: string): void {
  if (path.trim() === '') {
    throw new OperatorError('bad-input', `The ${what} is an empty path.`, { hint: `Name the ${what} with a non-empty path.`, remedy: { action: 'fix-input' } });
  }
  let isDir: boolean | undefined;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw folderFailure(path, what, e, 'reached');
  }
  if (isDir === false) {
    throw new OperatorError('bad-input', `The ${what} ${path} is a file, not a folder.`, { hint: `Name a folder as the ${what} (a new one is created).`, remedy: { action: 'fix-input' } });
  }
  if (isDir === undefined) {
    try {
      mkdirSync(path, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw folderFailure(path, what, e, 'created');
    }
  }
  const probe = join(path, `.write-test-${randomBytes(6).toString('hex')}`);
  try {
    writeFileSync(probe, '', { flag: 'wx', mode: 0o600 });
  } catch (e) {
    throw folderFailure(path, what, e, 'written to');
  }
  try {
    unlinkSync(probe);
  } catch {
    // Written but not removable: leave it; the folder is usable.
  }
}

function folderFailure(path: string, what: string, e: unknown, verb: string): OperatorError {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  if (code === 'ENOTDIR' || code === 'EEXIST') {
    return new OperatorError('bad-input', `The ${what} ${path} cannot be ${verb}: a part of the path is a file, not a folder.`, {
      hint: `Name a folder as the ${what}.`,
      remedy: { action: 'fix-input' },
      cause: e,
    });
  }
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'EROFS'
        ? 'the file system is read-only'
        : code === 'ENOSPC' || code === 'EDQUOT'
          ? 'the disk is full'
          : code;
  return new OperatorError('store', `The ${what} ${path} cannot be ${verb} (${why}).`, {
    hint: `Pick a ${what} this user can write, or fix the folder's owner and permissions${code === 'ENOSPC' ? ' and free disk space' : ''}.`,
    remedy: { action: 'check-storage' },
    cause: e,
  });
}
