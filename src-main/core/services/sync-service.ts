import { openGraphForProfile, type GraphForProfileOptions } from './graph-for-profile';
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
}

/**
 * One sync of one profile: the profile's Graph session (graph-for-profile.ts), then a
 * snapshot. Shared by the CLI and (later) the desktop app's IPC handlers.
 */
export async function syncProfile(opts: SyncProfileOptions): Promise<SyncResult> {
  const { session, close } = await openGraphForProfile(opts);
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
    await close();
  }
}
