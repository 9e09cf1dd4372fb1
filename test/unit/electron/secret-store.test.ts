import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { tempDir } from '../../helpers/fs';

// The store runs in Electron's main process; here Electron is replaced by a stand-in
// whose safeStorage really encrypts (AES-256-GCM with a per-run key), like the OS keychain would.
vi.mock('electron', () => ({ app: { getPath: () => '/nonexistent' }, safeStorage: {} }));
// Lets one test make the final rename fail (a full disk or a file system error), as root cannot be denied by permissions.
const failRename = { on: false };
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    rename: (from: string, to: string) => (failRename.on ? Promise.reject(Object.assign(new Error('simulated'), { code: 'EIO' })) : actual.rename(from, to)),
  };
});
const { createElectronSecretStore } = await import('../../../src-main/electron/secret-store');

const key = randomBytes(32);
function fakeSafeStorage(backend: string, available = true) {
  return {
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (s: string) => {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(s, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString: (b: Buffer) => {
      const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(12, 28));
      return Buffer.concat([d.update(b.subarray(28)), d.final()]).toString('utf8');
    },
  };
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('Electron safeStorage secret store', () => {
  it('round-trips values through a JSON file that holds only ciphertext', async () => {
    const dir = tempDir('m365lr-ss-');
    dirs.push(dir);
    const file = join(dir, 'secrets.json');
    const { store, decision } = createElectronSecretStore({ safeStorage: fakeSafeStorage('gnome_libsecret'), platform: 'linux', file });
    expect(decision.persist).toBe(true);
    expect(store.persistent).toBe(true);
    const secret = Buffer.from('{"RefreshToken":{"x":{"secret":"0.AAAA-refresh-token-value"}}}');
    await store.set('profile/p/msal-token-cache', secret);
    await store.set('profile/p/certificate-private-key', Buffer.from('-----BEGIN PRIVATE KEY-----'));
    expect(await store.get('profile/p/msal-token-cache')).toEqual(secret);
    expect(await store.keys()).toEqual(['profile/p/certificate-private-key', 'profile/p/msal-token-cache']);
    const bytes = readFileSync(file);
    for (const needle of ['refresh-token-value', 'PRIVATE KEY', secret.toString('base64')]) expect(bytes.includes(Buffer.from(needle))).toBe(false);
    await store.delete('profile/p/msal-token-cache');
    expect(await store.get('profile/p/msal-token-cache')).toBeUndefined();
  });

  it('refuses to persist on Linux basic_text, saying why', () => {
    let e: unknown;
    try {
      createElectronSecretStore({ safeStorage: fakeSafeStorage('basic_text'), platform: 'linux', file: '/nonexistent/x.json' });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(OperatorError);
    expect((e as OperatorError).code).toBe('store');
    expect((e as OperatorError).message).toMatch(/basic_text/);
    expect((e as OperatorError).hint).toMatch(/keyring/i);
  });

  it('falls back to memory when the caller opts in, and says so', async () => {
    const { store, decision } = createElectronSecretStore({ safeStorage: fakeSafeStorage('basic_text'), platform: 'linux', allowMemoryFallback: true, file: '/nonexistent/x.json' });
    expect(decision.persist).toBe(false);
    expect(store.persistent).toBe(false);
    expect(store.description).toMatch(/not persisted: .*basic_text/);
    await store.set('k', Buffer.from('v'));
    expect((await store.get('k'))?.toString()).toBe('v');
  });

  it('creates its folder private (0700), tightens an existing one, and writes the file 0600', async () => {
    if (process.platform === 'win32') return;
    const root = tempDir('m365lr-ss-');
    dirs.push(root);
    const file = join(root, 'user-data', 'nested', 'secrets.json');
    const { store } = createElectronSecretStore({ safeStorage: fakeSafeStorage('gnome_libsecret'), platform: 'linux', file });
    await store.set('k', Buffer.from('v'));
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const open = join(root, 'open');
    mkdirSync(open, { mode: 0o755 });
    chmodSync(open, 0o755);
    const again = createElectronSecretStore({ safeStorage: fakeSafeStorage('gnome_libsecret'), platform: 'linux', file: join(open, 'secrets.json') }).store;
    await again.set('k', Buffer.from('v'));
    expect(statSync(open).mode & 0o777).toBe(0o700);
  });

  it('a failed write leaves no temporary file and the previous store intact', async () => {
    const dir = tempDir('m365lr-ss-');
    dirs.push(dir);
    const file = join(dir, 'secrets.json');
    const { store } = createElectronSecretStore({ safeStorage: fakeSafeStorage('kwallet5'), platform: 'linux', file });
    await store.set('kept', Buffer.from('old'));
    const before = readFileSync(file);
    failRename.on = true;
    try {
      const e = await store.set('new', Buffer.from('value')).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(OperatorError);
      expect((e as OperatorError).code).toBe('store');
      expect((e as OperatorError).message).toMatch(/could not be written .*EIO/);
    } finally {
      failRename.on = false;
    }
    expect(readdirSync(dir).sort()).toEqual(['secrets.json']);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect((await store.get('kept'))?.toString()).toBe('old');
  });

  it('a locked keychain (encryptString/decryptString throw) is an OperatorError that says to unlock it', async () => {
    const dir = tempDir('m365lr-ss-');
    dirs.push(dir);
    const file = join(dir, 'secrets.json');
    const locked = {
      ...fakeSafeStorage('gnome_libsecret'),
      encryptString: (): Buffer => {
        throw new Error('Error while encrypting the text provided to safeStorage.encryptString.');
      },
      decryptString: (): string => {
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      },
    };
    const lockedStore = createElectronSecretStore({ safeStorage: locked, platform: 'linux', file }).store;
    const enc = await lockedStore.set('profile/p/msal-token-cache', Buffer.from('refresh-token-value')).then(() => undefined, (x: unknown) => x);
    expect(enc).toBeInstanceOf(OperatorError);
    expect((enc as OperatorError).code).toBe('store');
    expect((enc as OperatorError).message).toMatch(/could not be encrypted .*gnome_libsecret.*nothing was stored/);
    expect((enc as OperatorError).hint).toMatch(/unlock it/);
    expect((enc as OperatorError).message + (enc as OperatorError).hint).not.toContain('refresh-token-value');
    expect(existsSync(file)).toBe(false);

    await createElectronSecretStore({ safeStorage: fakeSafeStorage('gnome_libsecret'), platform: 'linux', file }).store.set('k', Buffer.from('v'));
    const dec = await lockedStore.get('k').then(() => undefined, (x: unknown) => x);
    expect(dec).toBeInstanceOf(OperatorError);
    expect((dec as OperatorError).code).toBe('store');
    expect((dec as OperatorError).hint).toMatch(/unlock it/);
  });

  it('a damaged file is reported, not silently replaced', async () => {
    const dir = tempDir('m365lr-ss-');
    dirs.push(dir);
    const file = join(dir, 'secrets.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, '{"version":2}');
    const { store } = createElectronSecretStore({ safeStorage: fakeSafeStorage('kwallet5'), platform: 'linux', file });
    await expect(store.get('k')).rejects.toMatchObject({ code: 'store' });
  });
});
