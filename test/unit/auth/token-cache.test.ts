import { describe, expect, it } from 'vitest';
import { PublicClientApplication, type TokenCacheContext } from '@azure/msal-node';
import { createTokenCachePlugin } from '../../../src-main/core/auth/token-cache';
import { MemorySecretStore } from '../../../src-main/core/secrets/memory-store';
import { SECRET_KEYS, type SecretStore } from '../../../src-main/core/secrets/secret-store';
import { OperatorError } from '../../../src-main/core/errors/operator-error';

/** A serialized MSAL cache with one account and one refresh token (the shape MSAL Node writes). */
function sampleCache(rt: string): string {
  const home = 'uid.utid';
  return JSON.stringify({
    Account: {
      [`${home}-login.example-utid`]: { home_account_id: home, environment: 'login.example', realm: 'utid', local_account_id: 'uid', username: 'reader@contoso.example', authority_type: 'MSSTS' },
    },
    IdToken: {},
    AccessToken: {},
    RefreshToken: {
      [`${home}-login.example-refreshtoken-client--`]: { home_account_id: home, environment: 'login.example', credential_type: 'RefreshToken', client_id: 'client', secret: rt },
    },
    AppMetadata: {},
  });
}

function context(cache: { serialize(): string; deserialize(s: string): void }, hasChanged: boolean): TokenCacheContext {
  return { cacheHasChanged: hasChanged, tokenCache: cache, cache, hasChanged } as unknown as TokenCacheContext;
}

describe('token cache plugin', () => {
  it('round trip through real MSAL caches: written by one app, read by another, via the store only', async () => {
    const store = new MemorySecretStore();
    const key = SECRET_KEYS.tokenCache('p1');
    await store.set(key, Buffer.from(sampleCache('rt-secret-1')));
    const plugin = createTokenCachePlugin({ store, profile: 'p1' });
    const a = new PublicClientApplication({ auth: { clientId: 'client' }, cache: { cachePlugin: plugin } });
    const accounts = await a.getTokenCache().getAllAccounts();
    expect(accounts.map((x) => x.homeAccountId)).toEqual(['uid.utid']);
    // Removing the account changes the cache: afterCacheAccess writes it back without the account.
    await a.getTokenCache().removeAccount(accounts[0]!);
    const after = JSON.parse((await store.get(key))?.toString('utf8') ?? '{}') as { Account: object; RefreshToken: object };
    expect(Object.keys(after.Account)).toEqual([]);
    expect(Object.keys(after.RefreshToken)).toEqual([]);
    // A second app on the same store sees the change.
    const b = new PublicClientApplication({ auth: { clientId: 'client' }, cache: { cachePlugin: createTokenCachePlugin({ store, profile: 'p1' }) } });
    expect(await b.getTokenCache().getAllAccounts()).toEqual([]);
  });

  const table: [string, Buffer | undefined, boolean, string | undefined, string | undefined][] = [
    // name, stored, hasChanged, expected deserialized input, expected stored after
    ['nothing stored, unchanged', undefined, false, undefined, undefined],
    ['nothing stored, changed', undefined, true, undefined, 'SERIALIZED'],
    ['empty entry is a fresh start', Buffer.alloc(0), false, undefined, ''],
    ['stored and unchanged: loads, does not write', Buffer.from('{"stored":1}'), false, '{"stored":1}', '{"stored":1}'],
    ['stored and changed: loads, writes', Buffer.from('{"stored":1}'), true, '{"stored":1}', 'SERIALIZED'],
  ];
  it.each(table)('%s', async (_n, stored, changed, loaded, written) => {
    const store = new MemorySecretStore();
    const key = SECRET_KEYS.tokenCache('p');
    if (stored) await store.set(key, stored);
    const seen: string[] = [];
    const cache = { serialize: () => 'SERIALIZED', deserialize: (s: string) => void seen.push(s) };
    const plugin = createTokenCachePlugin({ store, profile: 'p' });
    await plugin.beforeCacheAccess(context(cache, changed));
    await plugin.afterCacheAccess(context(cache, changed));
    expect(seen).toEqual(loaded === undefined ? [] : [loaded]);
    expect((await store.get(key))?.toString('utf8')).toBe(written);
    // Only the profile's own key is used.
    expect(await store.keys()).toEqual(written === undefined ? [] : [key]);
  });

  it('a failing store becomes an OperatorError("store") that names the store, never the cache content', async () => {
    const broken: SecretStore = {
      description: 'broken test store',
      persistent: true,
      get: () => Promise.reject(new Error('disk gone')),
      set: () => Promise.reject(new Error('disk full')),
      delete: () => Promise.resolve(),
      keys: () => Promise.resolve([]),
    };
    const plugin = createTokenCachePlugin({ store: broken, profile: 'p' });
    const cache = { serialize: () => sampleCache('rt-must-not-leak'), deserialize: () => undefined };
    for (const call of [() => plugin.beforeCacheAccess(context(cache, true)), () => plugin.afterCacheAccess(context(cache, true))]) {
      const e = await call().then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(OperatorError);
      expect((e as OperatorError).code).toBe('store');
      expect((e as OperatorError).message).toContain('broken test store');
      expect(JSON.stringify({ m: (e as OperatorError).message, h: (e as OperatorError).hint })).not.toContain('rt-must-not-leak');
    }
  });
});
