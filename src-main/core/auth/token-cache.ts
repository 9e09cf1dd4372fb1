import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';
import { OperatorError } from '../errors/operator-error';
import { SECRET_KEYS, type SecretStore } from '../secrets/secret-store';

/**
 * MSAL's token cache of a delegated sign-in, kept in a SecretStore (encrypted or
 * memory-only; never clear text on disk). MSAL calls `beforeCacheAccess` before
 * it reads or writes the cache and `afterCacheAccess` after; the serialized cache
 * (which holds the refresh token) goes straight from MSAL to the store.
 *
 * Reads happen before every access so two token providers of the same profile
 * (the CLI's login, then its sync) see each other's writes.
 */
export interface TokenCachePluginOptions {
  store: SecretStore;
  /** Profile name; the store key is SECRET_KEYS.tokenCache(profile). */
  profile: string;
}

export function createTokenCachePlugin(opts: TokenCachePluginOptions): ICachePlugin {
  const key = SECRET_KEYS.tokenCache(opts.profile);
  return {
    async beforeCacheAccess(ctx: TokenCacheContext): Promise<void> {
      let stored: Buffer | undefined;
      try {
        stored = await opts.store.get(key);
      } catch (cause) {
        throw storeError(opts.store, 'read', cause);
      }
      // An empty or missing entry leaves MSAL's in-memory cache as it is (a fresh start).
      if (stored && stored.length > 0) ctx.tokenCache.deserialize(stored.toString('utf8'));
    },
    async afterCacheAccess(ctx: TokenCacheContext): Promise<void> {
      if (!ctx.cacheHasChanged) return;
      try {
        await opts.store.set(key, Buffer.from(ctx.tokenCache.serialize(), 'utf8'));
      } catch (cause) {
        throw storeError(opts.store, 'write', cause);
      }
    },
  };
}

function storeError(store: SecretStore, op: 'read' | 'write', cause: unknown): OperatorError {
  if (cause instanceof OperatorError) return cause;
  return new OperatorError('store', `The sign-in cache could not be ${op === 'read' ? 'read from' : 'written to'} the secret store (${store.description}).`, {
    hint: 'Check the secret store (its passphrase and file permissions), or sign out and sign in again to start a fresh sign-in cache.',
    cause,
  });
}
