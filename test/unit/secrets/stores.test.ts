import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EncryptedFileSecretStore, SECRET_STORE_FORMAT } from '../../../src-main/core/secrets/encrypted-file-store';
import { MemorySecretStore } from '../../../src-main/core/secrets/memory-store';
import { createCliSecretStore, SECRETS_PASSPHRASE_ENV, secretsFilePath } from '../../../src-main/core/secrets/cli-store';
import { SECRET_KEYS, type SecretStore } from '../../../src-main/core/secrets/secret-store';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { tempDir } from '../../helpers/fs';
import { failure } from '../../helpers/operator-error';

const PASS = 'correct horse battery staple';
const KEY = SECRET_KEYS.certificateKey('contoso');
const VALUE = Buffer.from('-----BEGIN PRIVATE KEY-----\nMIIEvQ-very-secret-value-1234567890\n-----END PRIVATE KEY-----\n');

/** logN 15 (the oldest accepted cost) keeps these tests fast; the default is tested on its own. */
function fileStore(dir: string, passphrase = PASS): EncryptedFileSecretStore {
  return new EncryptedFileSecretStore({ path: join(dir, 'secrets.enc'), passphrase, passphraseSource: 'TEST_PASSPHRASE', logN: 15 });
}

/** Flips one bit of byte `i` of a base64 value. */
function flip(b64: string, i: number): string {
  const b = Buffer.from(b64, 'base64');
  b[i] = (b[i] ?? 0) ^ 1;
  return b.toString('base64');
}

async function roundTrip(store: SecretStore): Promise<void> {
  expect(await store.get(KEY)).toBeUndefined();
  expect(await store.keys()).toEqual([]);
  await store.set(KEY, VALUE);
  await store.set(SECRET_KEYS.tokenCache('contoso'), Buffer.from('{"cache":1}'));
  expect((await store.get(KEY))?.equals(VALUE)).toBe(true);
  expect(await store.keys()).toEqual([SECRET_KEYS.certificateKey('contoso'), SECRET_KEYS.tokenCache('contoso')].sort());
  await store.delete(KEY);
  expect(await store.get(KEY)).toBeUndefined();
  expect(await store.keys()).toEqual([SECRET_KEYS.tokenCache('contoso')]);
  await store.delete('never-there');
}

describe('MemorySecretStore', () => {
  it('round trip, not persistent', async () => {
    const s = new MemorySecretStore();
    expect(s.persistent).toBe(false);
    await roundTrip(s);
  });

  it('hands out copies: callers cannot change what is stored', async () => {
    const s = new MemorySecretStore();
    const v = Buffer.from('abcdef');
    await s.set('k', v);
    v.fill(0);
    const out = (await s.get('k'))!;
    out.fill(1);
    expect((await s.get('k'))!.toString()).toBe('abcdef');
  });
});

describe('EncryptedFileSecretStore', () => {
  it('round trip, persisted across instances, file mode 0600', async () => {
    const dir = tempDir();
    await roundTrip(fileStore(dir));
    const again = fileStore(dir);
    expect(again.persistent).toBe(true);
    expect((await again.get(SECRET_KEYS.tokenCache('contoso')))?.toString()).toBe('{"cache":1}');
    if (process.platform !== 'win32') expect(statSync(join(dir, 'secrets.enc')).mode & 0o777).toBe(0o600);
    const json = JSON.parse(readFileSync(join(dir, 'secrets.enc'), 'utf8')) as { format: string; version: number; kdf: { N: number } };
    expect(json.format).toBe(SECRET_STORE_FORMAT);
    expect(json.version).toBe(1);
    expect(json.kdf.N).toBeGreaterThanOrEqual(2 ** 15);
  });

  it('new files use scrypt N = 2^17 by default; files with N = 2^15 still open; lower costs are refused', async () => {
    const dir = tempDir();
    const path = join(dir, 'secrets.enc');
    await new EncryptedFileSecretStore({ path, passphrase: PASS }).set(KEY, VALUE);
    const kdf = (JSON.parse(readFileSync(path, 'utf8')) as { kdf: { N: number; r: number; p: number } }).kdf;
    expect(kdf).toMatchObject({ N: 2 ** 17, r: 8, p: 1 });
    // A later write keeps the file's own parameters, whatever the instance's default.
    await fileStore(dir).set('second', Buffer.from('x'));
    expect((JSON.parse(readFileSync(path, 'utf8')) as { kdf: { N: number } }).kdf.N).toBe(2 ** 17);

    const older = tempDir();
    await fileStore(older).set(KEY, VALUE);
    expect((JSON.parse(readFileSync(join(older, 'secrets.enc'), 'utf8')) as { kdf: { N: number } }).kdf.N).toBe(2 ** 15);
    expect((await new EncryptedFileSecretStore({ path: join(older, 'secrets.enc'), passphrase: PASS }).get(KEY))?.equals(VALUE)).toBe(true);

    for (const logN of [10, 14, 21, 15.5]) expect(() => new EncryptedFileSecretStore({ path, passphrase: PASS, logN })).toThrow(RangeError);
  });

  it('file bytes never contain a stored value (raw, base64, hex)', async () => {
    const dir = tempDir();
    const s = fileStore(dir);
    await s.set(KEY, VALUE);
    const bytes = readFileSync(join(dir, 'secrets.enc'));
    for (const needle of [VALUE, Buffer.from(VALUE.toString('base64')), Buffer.from(VALUE.toString('hex')), Buffer.from('very-secret-value'), Buffer.from(PASS)]) {
      expect(bytes.includes(needle)).toBe(false);
    }
  });

  it('a wrong passphrase is refused, and nothing is overwritten', async () => {
    const dir = tempDir();
    await fileStore(dir).set(KEY, VALUE);
    const before = readFileSync(join(dir, 'secrets.enc'));
    const wrong = fileStore(dir, 'not the right passphrase');
    const e = await failure(wrong.get(KEY));
    expect(e.code).toBe('secret-missing');
    expect(e.message).toMatch(/TEST_PASSPHRASE does not open the secret store/);
    expect(e.message).not.toContain('not the right passphrase');
    expect((await failure(wrong.set('other', Buffer.from('x')))).code).toBe('secret-missing');
    expect((await failure(wrong.delete(KEY))).code).toBe('secret-missing');
    expect(readFileSync(join(dir, 'secrets.enc')).equals(before)).toBe(true);
    expect((await fileStore(dir).get(KEY))?.equals(VALUE)).toBe(true);
  });

  type Sealed = { iv: string; tag: string; data: string };
  type StoreJson = { entries: Record<string, Sealed> };
  const entry = (f: StoreJson): Sealed => f.entries[KEY]!;
  const tamperings: [string, (f: StoreJson) => void][] = [
    ['GCM tag of an entry', (f) => { entry(f).tag = flip(entry(f).tag, 0); }],
    ['ciphertext of an entry', (f) => { entry(f).data = flip(entry(f).data, 3); }],
    ['entry moved to another key name', (f) => { f.entries['profile/evil/certificate-private-key'] = entry(f); delete f.entries[KEY]; }],
    ['nonce of an entry', (f) => { entry(f).iv = flip(entry(f).iv, 0); }],
  ];
  it.each(tamperings)('tampered file (%s) is refused as damaged and left untouched', async (_name, tamper) => {
    const dir = tempDir();
    await fileStore(dir).set(KEY, VALUE);
    const path = join(dir, 'secrets.enc');
    const f = JSON.parse(readFileSync(path, 'utf8')) as StoreJson;
    tamper(f);
    writeFileSync(path, JSON.stringify(f));
    const before = readFileSync(path);
    const s = fileStore(dir);
    const e = await failure(s.get(KEY));
    expect(e.code).toBe('bad-input');
    expect(e.message).toMatch(/is damaged/);
    expect(e.hint).toMatch(/left untouched/);
    await failure(s.set('another', Buffer.from('value')));
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  const hostile: [string, string][] = [
    ['not JSON', '{"format": "m365lr-secret-store", '],
    ['wrong format', JSON.stringify({ format: 'other', version: 1 })],
    ['future version', JSON.stringify({ format: SECRET_STORE_FORMAT, version: 2 })],
    ['KDF downgrade to N = 2^14', JSON.stringify({ format: SECRET_STORE_FORMAT, version: 1, kdf: { name: 'scrypt', N: 16384, r: 8, p: 1, salt: 'AAAAAAAAAAAAAAAAAAAAAA==' }, check: { iv: 'AAAAAAAAAAAAAAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA==', data: '' }, entries: {} })],
    ['weak KDF downgrade', JSON.stringify({ format: SECRET_STORE_FORMAT, version: 1, kdf: { name: 'scrypt', N: 1024, r: 8, p: 1, salt: 'AAAAAAAAAAAAAAAAAAAAAA==' }, check: { iv: 'AAAAAAAAAAAAAAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA==', data: '' }, entries: {} })],
    ['extra fields', JSON.stringify({ format: SECRET_STORE_FORMAT, version: 1, kdf: { name: 'scrypt', N: 32768, r: 8, p: 1, salt: 'AAAAAAAAAAAAAAAAAAAAAA==' }, check: { iv: 'AAAAAAAAAAAAAAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA==', data: '' }, entries: {}, plaintext: 'x' })],
    ['empty file', ''],
  ];
  it.each(hostile)('a damaged file (%s) is reported, never overwritten', async (_name, content) => {
    const dir = tempDir();
    const path = join(dir, 'secrets.enc');
    writeFileSync(path, content);
    const s = fileStore(dir);
    const e = await failure(s.set(KEY, VALUE));
    expect(e.code).toBe('bad-input');
    expect(e.message).toMatch(/damaged/);
    expect(readFileSync(path, 'utf8')).toBe(content);
  });

  it('refuses a short passphrase without echoing it', () => {
    let err: unknown;
    try {
      fileStore(tempDir(), 'short123');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OperatorError);
    expect((err as OperatorError).message).not.toContain('short123');
  });

  it('concurrent writes in one process all land', async () => {
    const dir = tempDir();
    const s = fileStore(dir);
    await Promise.all(['a', 'b', 'c', 'd'].map((k) => s.set(k, Buffer.from(`v-${k}`))));
    expect(await fileStore(dir).keys()).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('createCliSecretStore', () => {
  it('memory unless the passphrase variable is set', async () => {
    const dir = tempDir();
    const mem = createCliSecretStore({ dataDir: dir, env: {} });
    expect(mem.persistent).toBe(false);
    const file = createCliSecretStore({ dataDir: dir, env: { [SECRETS_PASSPHRASE_ENV]: PASS } });
    expect(file.persistent).toBe(true);
    expect(file.description).toContain(secretsFilePath(dir));
    await file.set(KEY, VALUE);
    expect(statSync(secretsFilePath(dir)).isFile()).toBe(true);
  });

  it('an empty passphrase variable is an error, not a silent memory store', () => {
    mkdirSync(tempDir(), { recursive: true });
    expect(() => createCliSecretStore({ dataDir: tempDir(), env: { [SECRETS_PASSPHRASE_ENV]: '  ' } })).toThrow(OperatorError);
  });
});
