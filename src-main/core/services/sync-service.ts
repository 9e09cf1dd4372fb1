import { readFile } from 'node:fs/promises';
import type { Profile } from '../profile/schema';
import { createNetwork } from '../net/network';
import { loadAppCredential, type AppCredential } from '../auth/credentials';
import { createAppTokenProvider } from '../auth/app-token';
import { createDelegatedTokenProvider } from '../auth/delegated-token';
import type { SecretStore } from '../secrets/secret-store';
import { MemorySecretStore } from '../secrets/memory-store';
import { OperatorError } from '../errors/operator-error';
import { createGraphSession } from '../graph/create-session';
import { runSync, type SyncResult, type SyncProgress } from '../sync/engine';
import type { Db } from '../store/db';
import { redactor } from '../log/redact';
import type { Logger } from '../log/logger';
import type { DatasetId } from '../permissions/matrix';

export interface SyncProfileOptions {
  profile: Profile;
  db: Db;
  logger: Logger;
  /** Already-loaded credential (the in-process demo tenant); otherwise loaded from the profile's source. */
  credential?: AppCredential;
  /** Extra CA certificates (PEM) trusted in addition to the profile's caBundlePath. */
  extraCaPem?: string[];
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Only these datasets (default: all). */
  datasets?: readonly DatasetId[];
  /** Where a delegated profile's token cache lives (the sign-in of "login"); required for delegated profiles. */
  secretStore?: SecretStore;
}

/**
 * One sync of one profile: network layer, app-credential token, Graph session,
 * snapshot. Shared by the CLI and (later) the desktop app's IPC handlers.
 */
export async function syncProfile(opts: SyncProfileOptions): Promise<SyncResult> {
  const env = opts.env ?? process.env;
  const delegated = opts.profile.credential.kind === 'delegated';
  const secretStore = opts.secretStore;
  if (delegated && !secretStore) {
    throw new OperatorError('auth-failed', `Profile "${opts.profile.name}" uses delegated sign-in, but no secret store holds its sign-in.`, {
      hint: `Run "login --profile ${opts.profile.name}" first (with the same secret store).`,
    });
  }
  const credential = delegated ? undefined : (opts.credential ?? (await loadAppCredential(opts.profile, { env, readFile: (p) => readFile(p, 'utf8'), ...(secretStore ? { secretStore } : {}) })));
  if (credential?.kind === 'secret') redactor.add(credential.secret);
  const network = createNetwork({
    ...(opts.extraCaPem ? { extraCaPem: opts.extraCaPem } : {}),
    ...(opts.profile.caBundlePath ? { caBundlePath: opts.profile.caBundlePath } : {}),
    env,
  });
  // Delegated: silent refresh from the cached sign-in; app kinds: client credentials.
  const tokenProvider =
    credential === undefined
      ? createDelegatedTokenProvider({ profile: opts.profile, network, secretStore: secretStore ?? new MemorySecretStore() })
      : createAppTokenProvider({ profile: opts.profile, credential, network });
  const session = createGraphSession({ profile: opts.profile, tokenProvider, network, ownsNetwork: false });
  opts.logger.info('sync started', { profile: opts.profile.name, cloud: opts.profile.cloud });
  try {
    const result = await runSync({
      session,
      db: opts.db,
      profileName: opts.profile.name,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.datasets ? { datasets: opts.datasets } : {}),
    });
    opts.logger.info('sync finished', { profile: opts.profile.name, snapshotId: result.snapshotId });
    return result;
  } catch (e) {
    opts.logger.error('sync failed', { profile: opts.profile.name, error: e instanceof Error ? e.message : String(e) });
    throw e;
  } finally {
    await session.close();
    await network.close();
  }
}
