import { randomBytes } from 'node:crypto';
import { chmod, rename, unlink, writeFile } from 'node:fs/promises';
import { OperatorError } from '../errors/operator-error';

/**
 * Replace `path` with `text` atomically: a private (0600) temporary file next to it,
 * renamed over it. On failure the temporary file is removed and the previous file is
 * left as it was; the error names `what` and the path.
 */
export async function writePrivateFileAtomic(path: string, text: string, what: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
    // The mode given to writeFile is masked by the umask; make sure it is private.
    await chmod(tmp, 0o600);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw new OperatorError('store', `The ${what} ${path} could not be written (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, {
      hint: `Check free space and that the folder is writable by this user; the previous ${what} was left as it was.`,
      cause: e,
    });
  }
}
