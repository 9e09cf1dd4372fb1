import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { OperatorError } from '../errors/operator-error';

/**
 * The one way the product writes a file an operator's data lands in (profiles, secret
 * stores, CSV exports, certificates, scripts):
 *
 * 1. a random temporary name in the target folder, so two writers never share it and
 *    nobody can plant it in advance;
 * 2. opened exclusively (O_CREAT|O_EXCL, plus O_NOFOLLOW where the platform has it), so
 *    a symlink or file planted at that name is never followed nor reused;
 * 3. written, given its mode explicitly (the mode passed to open is masked by the umask),
 *    and fsynced;
 * 4. renamed over the target, which replaces a symlink planted at the target itself
 *    rather than writing through it.
 *
 * On failure the temporary file is removed and the previous file is left as it was.
 */

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const EXCLUSIVE_CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;

export interface AtomicWriteOptions {
  /** File mode, applied whatever the umask (default 0600). Ignored on Windows. */
  mode?: number;
  /** Refuse to replace an existing file (EEXIST), atomically: the file is linked into place, not renamed. */
  noOverwrite?: boolean;
}

/** A random temporary name next to `path`, hidden, never predictable. */
export function temporaryNameFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(8).toString('hex')}.tmp`);
}

/** A file being written under a temporary name; `commit` renames it over the target. */
export class PendingFile {
  #closed = false;
  #done = false;

  private constructor(
    /** The final path. */
    readonly path: string,
    /** The temporary path being written. */
    readonly tmpPath: string,
    readonly handle: FileHandle,
    private readonly noOverwrite: boolean,
  ) {}

  /** Create the temporary file exclusively next to `path`, with `mode` set explicitly. */
  static async create(path: string, opts: AtomicWriteOptions = {}): Promise<PendingFile> {
    const mode = opts.mode ?? 0o600;
    const tmpPath = temporaryNameFor(path);
    const handle = await open(tmpPath, EXCLUSIVE_CREATE, mode);
    const pending = new PendingFile(path, tmpPath, handle, opts.noOverwrite ?? false);
    try {
      if (process.platform !== 'win32') await handle.chmod(mode);
    } catch (e) {
      await pending.abort();
      throw e;
    }
    return pending;
  }

  /**
   * Write every chunk of `source` to the temporary file, in blocks of about 64 KiB (a
   * pipeline destination).
   */
  async writeAll(source: AsyncIterable<string | Uint8Array>): Promise<void> {
    let block: Buffer[] = [];
    let size = 0;
    for await (const chunk of source) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk);
      block.push(buf);
      size += buf.length;
      if (size >= 65_536) {
        await writeFully(this.handle, Buffer.concat(block));
        block = [];
        size = 0;
      }
    }
    if (size > 0) await writeFully(this.handle, Buffer.concat(block));
  }

  /**
   * A Writable on the temporary file, for writers that want a stream (a workbook library,
   * for example). It never closes the file: call `commit` or `abort` after it finishes.
   */
  writable(): Writable {
    const handle = this.handle;
    return new Writable({
      write(chunk: Buffer, _encoding, callback) {
        writeFully(handle, chunk).then(() => callback(), callback);
      },
    });
  }

  /** Flush to disk and close the temporary file (it is not yet renamed). */
  async finish(): Promise<void> {
    if (this.#closed) return;
    await this.handle.sync();
    this.#closed = true;
    await this.handle.close();
  }

  /** Flush, close, and rename over the target. */
  async commit(): Promise<void> {
    await this.finish();
    if (this.noOverwrite) {
      // link() fails with EEXIST instead of replacing, and never follows a symlink at the target.
      await link(this.tmpPath, this.path);
      this.#done = true;
      await unlink(this.tmpPath).catch(() => undefined);
    } else {
      await rename(this.tmpPath, this.path);
      this.#done = true;
    }
    await syncFolder(dirname(this.path));
  }

  /** Close and remove the temporary file; the target is untouched. Safe to call twice. */
  async abort(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    if (!this.#closed) {
      this.#closed = true;
      await this.handle.close().catch(() => undefined);
    }
    await unlink(this.tmpPath).catch(() => undefined);
  }
}

/** Make a rename durable (POSIX); folders cannot be opened for fsync on Windows. */
async function syncFolder(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, constants.O_RDONLY);
    await fh.sync();
  } catch {
    // Best effort: some file systems refuse fsync on a folder.
  } finally {
    await fh?.close().catch(() => undefined);
  }
}

/**
 * Write `content` to `path` atomically (see above), mode 0600 unless told. Throws the
 * file system's error; the temporary file is gone and the previous file unchanged.
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array, opts: AtomicWriteOptions = {}): Promise<void> {
  const pending = await PendingFile.create(path, opts);
  try {
    await pending.handle.writeFile(content, typeof content === 'string' ? 'utf8' : undefined);
    await pending.commit();
  } catch (e) {
    await pending.abort();
    throw e;
  }
}

/**
 * Replace `path` with `text` atomically as a private (0600) file. On failure the error
 * names `what` and the path.
 */
export async function writePrivateFileAtomic(path: string, text: string, what: string): Promise<void> {
  try {
    await writeFileAtomic(path, text, { mode: 0o600 });
  } catch (e) {
    throw new OperatorError('store', `The ${what} ${path} could not be written (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, {
      hint: `Check free space and that the folder is writable by this user; the previous ${what} was left as it was.`,
      cause: e,
    });
  }
}

/**
 * Write all of `bytes` at the file's position. A write to a regular file can be cut short (a
 * file-size limit, a full disk): the rest is written again, so the next attempt raises the
 * error instead of the file ending silently early.
 */
export async function writeFully(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
