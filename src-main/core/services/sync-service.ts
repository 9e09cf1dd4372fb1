import { readFile } from 'node:fs/promises';
import { openGraphForProfile, type GraphForProfileOptions } from '../graph/for-profile';
import type { AppCredential } from '../auth/credentials';
import { loadCredentialExpiry } from '../certs/expiry';
import type { Profile } from '../profile/schema';
import { runSync, type SyncResult, type SyncProgress } from '../sync/engine';
import type { Db } from '../store/db';
import type { Logger } from '../log/logger';
import type { DatasetId } from '../permissions/matrix';

export interface SyncProfileOptions extends GraphForProfileOptions {
  db: Db;
  logger: Logger;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Only these datasets (default: all). */
  datasets?: readonly DatasetId[];
  /** All or nothing: an enrichment dataset that fails fails the sync (default false). */
  strict?: boolean;
  /** Commit an incomplete user list (with a warning) instead of failing. */
  acceptIncompleteUsers?: boolean;
  /** Clock for the credential expiry warning (default: now). */
  now?: () => Date;
}

/**
 * One sync of one profile: the profile's Graph session (graph-for-profile.ts), then a
 * snapshot. Shared by the CLI and (later) the desktop app's IPC handlers. After a
 * successful sync, a certificate or client secret that expires within 30 days (or has
 * expired) adds a warning to the result, so every sync summary repeats it.
 */
export async function syncProfile(opts: SyncProfileOptions): Promise<SyncResult> {
  const { session, credential, close } = await openGraphForProfile(opts);
  opts.logger.info('sync started', { profile: opts.profile.name, cloud: opts.profile.cloud });
  try {
    const result = await runSync({
      session,
      db: opts.db,
      profileName: opts.profile.name,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.datasets ? { datasets: opts.datasets } : {}),
      ...(opts.strict ? { strict: true } : {}),
      ...(opts.acceptIncompleteUsers ? { acceptIncompleteUsers: true } : {}),
    });
    opts.logger.info('sync finished', { profile: opts.profile.name, snapshotId: result.snapshotId });
    const expiry = await expiryWarning(opts.profile, credential, opts.now?.() ?? new Date());
    if (!expiry) return result;
    opts.logger.warn('credential expiry', { profile: opts.profile.name, warning: expiry });
    return { ...result, warnings: [...result.warnings, expiry] };
  } catch (e) {
    opts.logger.error('sync failed', { profile: opts.profile.name, error: e instanceof Error ? e.message : String(e) });
    throw e;
  } finally {
    await close();
  }
}

/**
 * The expiry warning for the credential this sync signed in with: the certificate actually
 * loaded (or the one the profile names), or the client secret's recorded expiry date.
 * Nothing when it is fine, unknown, or a delegated sign-in.
 */
async function expiryWarning(profile: Profile, credential: AppCredential | undefined, now: Date): Promise<string | undefined> {
  const expiry = await loadCredentialExpiry(profile, {
    now,
    readFile: (path) => (credential?.kind === 'certificate' ? Promise.resolve(credential.certificatePem) : readFile(path, 'utf8')),
  });
  return expiry.status === 'expiring' || expiry.status === 'expired' ? expiry.message : undefined;
}
