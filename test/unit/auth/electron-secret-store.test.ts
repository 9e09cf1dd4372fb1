import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { tempDir } from '../../helpers/fs';

// The store runs in Electron's main process; here Electron is replaced by a stand-in
// whose safeStorage really encrypts (AES-256-GCM with a per-run key), like the OS keychain would.
vi.mock('electron', () => ({ app: { getPath: () => '/nonexistent' }, safeStorage: {} }));
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
