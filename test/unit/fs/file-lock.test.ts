import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isStale, lockPathOf, withFileLock } from '../../../src-main/core/fs/file-lock';
import { EncryptedFileSecretStore } from '../../../src-main/core/secrets/encrypted-file-store';
import { ProfileStore } from '../../../src-main/core/profile/store';
import { tempDir } from '../../helpers/fs';
import { failure } from '../../helpers/operator-error';

const WRITER = fileURLToPath(new URL('./fixtures/concurrent-writer.ts', import.meta.url));
const PASS = 'cross process passphrase';

/** Starts the writers, waits until each is ready, releases them together and waits for all to exit 0. */
async function runWriters(args: string[][]): Promise<void> {
  const children = args.map((a) => spawn(process.execPath, ['--import', 'tsx', WRITER, ...a], { env: { ...process.env, TEST_STORE_PASSPHRASE: PASS }, stdio: ['pipe', 'pipe', 'pipe'] }));
  const outputs = children.map(() => ({ out: '', err: '' }));
  const ready = children.map(
    (c, i) =>
      new Promise<void>((resolve, reject) => {
        c.stdout.on('data', (d: Buffer) => {
          outputs[i]!.out += d.toString();
          if (outputs[i]!.out.includes('ready')) resolve();
        });
        c.stderr.on('data', (d: Buffer) => (outputs[i]!.err += d.toString()));
        c.on('exit', () => reject(new Error(`writer ${i} exited early: ${outputs[i]!.err}`)));
      }),
  );
  const exited = children.map((c, i) => new Promise<number | null>((resolve) => c.on('exit', (code) => resolve(code))).then((code) => ({ code, i })));
  await Promise.all(ready);
  for (const c of children) c.stdin.write('go\n');
  for (const { code, i } of await Promise.all(exited)) expect(code, `writer ${i}: ${outputs[i]!.err}`).toBe(0);
}

const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('cross-process writes', () => {
  it('two processes writing the encrypted secret store at once: every key survives', async () => {
    const file = join(tempDir(), 'data', 'secrets.enc');
    await runWriters([
      ['secrets', file, 'a', '25'],
      ['secrets', file, 'b', '25'],
    ]);
    const store = new EncryptedFileSecretStore({ path: file, passphrase: PASS });
    expect(await store.keys()).toEqual([...names('a', 25), ...names('b', 25)].sort());
    expect((await store.get('b-7'))?.toString()).toBe('value of b-7');
    expect(existsSync(lockPathOf(file))).toBe(false);
  });

  it('two processes adding profiles at once: every profile survives', async () => {
    const file = join(tempDir(), 'profiles.json');
    await runWriters([
      ['profiles', file, 'a', '30'],
      ['profiles', file, 'b', '30'],
    ]);
    const listed = (await new ProfileStore(file).list()).map((p) => p.name).sort();
    expect(listed).toEqual([...names('a', 30), ...names('b', 30)].sort());
    expect(existsSync(lockPathOf(file))).toBe(false);
  });
});

describe('withFileLock', () => {
  it('serialises holders in one process and always releases, also when the work throws', async () => {
    const file = join(tempDir(), 'f.json');
    const order: string[] = [];
    const work = (id: string) => async () => {
      order.push(`${id}:in`);
      await new Promise((r) => setTimeout(r, 20));
      order.push(`${id}:out`);
    };
    await Promise.all([withFileLock(file, work('a')), withFileLock(file, work('b')), withFileLock(file, work('c'))]);
    expect(order.filter((_, i) => i % 2 === 0).map((s) => s.split(':')[0])).toEqual(order.filter((_, i) => i % 2 === 1).map((s) => s.split(':')[0]));
    await expect(withFileLock(file, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(lockPathOf(file))).toBe(false);
  });

  it('gives up after the timeout with an actionable message when a live holder keeps it', async () => {
    const file = join(tempDir(), 'f.json');
    writeFileSync(lockPathOf(file), JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now(), token: 'someone-else' }));
    const e = await failure(withFileLock(file, () => Promise.resolve(1), { timeoutMs: 150, what: 'The test file' }));
    expect(e.code).toBe('store');
    expect(e.message).toMatch(/The test file .* is being changed by process \d+/);
    expect(e.hint).toContain(lockPathOf(file));
    // Not ours: left in place.
    expect(JSON.parse(readFileSync(lockPathOf(file), 'utf8')).token).toBe('someone-else');
  });

  it('breaks a lock left by a dead process, and one older than the stale limit', async () => {
    const dir = tempDir();
    const dead = join(dir, 'dead.json');
    // pid 2^22+ is above Linux's pid_max default, so no process has it.
    writeFileSync(lockPathOf(dead), JSON.stringify({ pid: 4_194_999, host: hostname(), at: Date.now(), token: 't' }));
    expect(await withFileLock(dead, () => Promise.resolve('ran'), { timeoutMs: 2000 })).toBe('ran');
    const old = join(dir, 'old.json');
    writeFileSync(lockPathOf(old), JSON.stringify({ pid: process.pid, host: 'another-host', at: Date.now() - 60_000, token: 't' }));
    expect(await withFileLock(old, () => Promise.resolve('ran'), { timeoutMs: 2000 })).toBe('ran');
    expect(existsSync(lockPathOf(dead)) || existsSync(lockPathOf(old))).toBe(false);
  });

  it.each<[string, Parameters<typeof isStale>[0], boolean]>([
    ['fresh, live holder on this host', { body: { pid: process.pid, host: hostname(), at: 1_000_000, token: 't' }, mtimeMs: 0 }, false],
    ['older than the limit', { body: { pid: process.pid, host: hostname(), at: 1_000_000 - 31_000, token: 't' }, mtimeMs: 0 }, true],
    ['dead pid on this host', { body: { pid: 4_194_999, host: hostname(), at: 1_000_000, token: 't' }, mtimeMs: 0 }, true],
    ['unknown pid on another host, fresh (cannot tell: wait)', { body: { pid: 4_194_999, host: 'elsewhere', at: 1_000_000, token: 't' }, mtimeMs: 0 }, false],
    ['unreadable body, fresh file (holder still writing it)', { body: undefined, mtimeMs: 1_000_000 - 10 }, false],
    ['unreadable body, old file', { body: undefined, mtimeMs: 1_000_000 - 40_000 }, true],
    ['time in the future (clock skew): not stale', { body: { pid: process.pid, host: hostname(), at: 1_000_000 + 5_000, token: 't' }, mtimeMs: 0 }, false],
  ])('isStale: %s', (_label, lock, stale) => {
    expect(isStale(lock, 30_000, 1_000_000)).toBe(stale);
  });
});
