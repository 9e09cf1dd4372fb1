import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { z } from 'zod';
import { OperatorError } from '../errors/operator-error';

/**
 * A lock file that serialises read-modify-write cycles on one file across processes
 * (two CLI commands, or the CLI beside the desktop app).
 *
 * - Taking it: create `<file>.lock` with O_EXCL ('wx'), holding pid, host, time and a
 *   random token; on EEXIST retry with growing, jittered waits until the timeout.
 * - A lock is stale when its holder on this host is gone (no such pid) or it is older
 *   than `staleMs` (any host). A stale lock is renamed away first and deleted only if
 *   it is still the lock that was judged stale, so two waiters never both break it.
 * - Releasing deletes the lock only while it still holds this holder's token.
 *
 * Callers create the folder first (with the mode they want); the lock never creates it.
 */
export interface FileLockOptions {
  /** Give up after this long (default 15 s). */
  timeoutMs?: number;
  /** A lock older than this is broken whoever holds it (default 30 s). */
  staleMs?: number;
  /** What the file is, for the message when the lock cannot be taken (e.g. "The secret store"). */
  what?: string;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 15_000;
export const DEFAULT_LOCK_STALE_MS = 30_000;

const lockSchema = z.object({ pid: z.number().int().positive(), host: z.string().max(256), at: z.number(), token: z.string().max(64) });
type LockBody = z.infer<typeof lockSchema>;

export function lockPathOf(file: string): string {
  return `${file}.lock`;
}

/** Runs `fn` while holding `<file>.lock`; the lock is released however `fn` ends. */
export async function withFileLock<T>(file: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const token = await acquire(file, opts);
  try {
    return await fn();
  } finally {
    await release(file, token);
  }
}

async function acquire(file: string, opts: FileLockOptions): Promise<string> {
  const lockPath = lockPathOf(file);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const staleMs = opts.staleMs ?? DEFAULT_LOCK_STALE_MS;
  const token = randomBytes(16).toString('hex');
  const body: LockBody = { pid: process.pid, host: hostname(), at: Date.now(), token };
  const deadline = Date.now() + timeoutMs;
  let wait = 5;
  for (;;) {
    let created = false;
    try {
      const fh = await open(lockPath, 'wx', 0o600);
      created = true;
      try {
        await fh.writeFile(JSON.stringify({ ...body, at: Date.now() }));
      } finally {
        await fh.close();
      }
      return token;
    } catch (e) {
      // A lock file created but not written (disk full) would block every writer until it is stale: remove it.
      if (created) await unlink(lockPath).catch(() => undefined);
      if (created || (e as NodeJS.ErrnoException).code !== 'EEXIST') throw lockFailure(file, e, opts);
    }
    const holder = await readLock(lockPath);
    if (holder && isStale(holder, staleMs)) {
      await breakLock(lockPath, holder.raw);
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder?.body ? `process ${holder.body.pid} on ${holder.body.host}` : 'another process';
      throw new OperatorError('store', `${opts.what ?? 'The file'} ${file} is being changed by ${who}; gave up after ${Math.round(timeoutMs / 1000)} s.`, {
        hint: `Wait for the other command to finish and try again. If no other command is running, delete ${lockPath}.`,
      });
    }
    await sleep(Math.min(wait + Math.random() * wait, Math.max(1, deadline - Date.now())));
    wait = Math.min(wait * 2, 200);
  }
}

function lockFailure(file: string, e: unknown, opts: FileLockOptions): OperatorError {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  const what = `${opts.what ?? 'The file'} ${file}`;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new OperatorError('store', `${what} cannot be locked for writing: the disk is full (${code}).`, {
      hint: 'Free disk space on the drive of the data folder, then try again. Nothing was changed.',
      remedy: { action: 'check-storage' },
      cause: e,
    });
  }
  return new OperatorError('store', `${what} cannot be locked for writing (${code}).`, {
    hint: 'Check that its folder exists and is writable by this user, and that the disk has free space.',
    remedy: { action: 'check-storage' },
    cause: e,
  });
}

interface SeenLock {
  raw: string;
  /** Undefined while the holder has not finished writing it, or when it is not ours to read. */
  body: LockBody | undefined;
  mtimeMs: number;
}

async function readLock(lockPath: string): Promise<SeenLock | undefined> {
  try {
    const [raw, st] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    let body: LockBody | undefined;
    try {
      const parsed = lockSchema.safeParse(JSON.parse(raw));
      body = parsed.success ? parsed.data : undefined;
    } catch {
      body = undefined;
    }
    return { raw, body, mtimeMs: st.mtimeMs };
  } catch {
    // Released between our attempt and this read: simply try again.
    return undefined;
  }
}

export function isStale(lock: { body: LockBody | undefined; mtimeMs: number }, staleMs: number, now = Date.now(), host = hostname()): boolean {
  const at = lock.body?.at ?? lock.mtimeMs;
  if (now - at > staleMs) return true;
  if (lock.body && lock.body.host === host && lock.body.pid !== process.pid) return !processAlive(lock.body.pid);
  return false;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Moves the stale lock aside; deletes it if it is the one judged stale, otherwise puts the newer lock back. */
async function breakLock(lockPath: string, staleRaw: string): Promise<void> {
  const aside = `${lockPath}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(lockPath, aside);
  } catch {
    return;
  }
  let raw: string | undefined;
  try {
    raw = await readFile(aside, 'utf8');
  } catch {
    raw = undefined;
  }
  if (raw !== staleRaw) {
    // Someone else broke it and took a fresh lock in between: restore theirs unless another exists now.
    await link(aside, lockPath).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}

async function release(file: string, token: string): Promise<void> {
  const lockPath = lockPathOf(file);
  const held = await readLock(lockPath);
  if (held?.body?.token !== token) return;
  await unlink(lockPath).catch(() => undefined);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
