import { resolve } from 'node:path';
import type { OpArgs, OpResult } from '../../shared/contract';
import { OperatorError } from '../errors/operator-error';
import { assertWritableFolder } from '../fs/folder-check';
import { exportSnapshot } from '../export/exports';
import { explainStoreError } from '../store/db';
import { currentSnapshot, getSnapshot, listSnapshots, skuSummary, type SnapshotInfo } from '../store/queries';
import type { ServiceContext } from './context';
import { writeFindingAndReconExports } from './reconcile';

function snapshotDto(s: SnapshotInfo): OpResult<'snapshots.list'>[number] {
  return {
    id: s.id,
    profileName: s.profileName,
    tenantId: s.tenantId,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    userCount: s.userCount,
    warnings: s.warnings,
    tokenRoles: s.tokenRoles,
    contentHash: s.contentHash,
    prevHash: s.prevHash,
  };
}

/** Snapshots of a profile and their exports. */
export function snapshotServices(ctx: ServiceContext) {
  /** The current snapshot of a profile, or the given one when it belongs to the profile. */
  const pick = (profile: string, snapshotId: number | undefined): SnapshotInfo => {
    const db = ctx.database();
    const snapshot = snapshotId !== undefined ? getSnapshot(db, snapshotId) : currentSnapshot(db, profile);
    if (!snapshot || snapshot.profileName !== profile) {
      throw new OperatorError('bad-input', `Profile "${profile}" has no snapshot${snapshotId !== undefined ? ` ${snapshotId}` : ''}.`, {
        hint: snapshotId !== undefined ? 'Pick one of the profile\'s snapshots.' : 'Sync the profile first.',
        remedy: snapshotId !== undefined ? { action: 'list-snapshots', profile } : { action: 'run-sync', profile },
      });
    }
    return snapshot;
  };

  const snapshots = {
    list: async (args: OpArgs<'snapshots.list'>): Promise<OpResult<'snapshots.list'>> => {
      const found = listSnapshots(ctx.database(), args.profile);
      // No snapshot and no such profile is a mistyped name, not an empty list (a removed profile keeps its snapshots).
      if (found.length === 0 && !ctx.source.isReserved(args.profile)) await ctx.profiles.get(args.profile);
      return found.map(snapshotDto);
    },
    skuSummary: async (args: OpArgs<'snapshots.skuSummary'>): Promise<OpResult<'snapshots.skuSummary'>> => skuSummary(ctx.database(), args.snapshotId),
  };

  const exports = {
    write: async (args: OpArgs<'exports.write'>): Promise<OpResult<'exports.write'>> => {
      // The profile's list separator; a removed profile's snapshots still export, with the default.
      const delimiter = await ctx.source.resolve(args.profile).then((r) => r.profile.csvDelimiter, () => undefined);
      const snapshot = pick(args.profile, args.snapshotId);
      assertWritableFolder(resolve(args.outDir), 'export folder');
      const written = await ctx.withReader(async (db) => {
        let written;
        try {
          const only = args.files?.filter((f): f is 'sku-summary' | 'user-licenses' => f === 'sku-summary' || f === 'user-licenses');
          written = await exportSnapshot(db, snapshot.id, resolve(args.outDir), { ...(delimiter ? { delimiter } : {}), ...(only ? { only } : {}) });
        } catch (e) {
          throw explainStoreError(e, ctx.paths.database) ?? e;
        }
        written.files.push(...(await writeFindingAndReconExports(ctx, db, args.profile, snapshot.id, resolve(args.outDir), args.files, delimiter ? { delimiter } : {})));
        return written;
      });
      for (const file of written.files) ctx.events.emit('exports.progress', { file, rows: 0, done: true });
      return { snapshotId: snapshot.id, contentHash: snapshot.contentHash, files: written.files, skuSummary: written.skuSummary };
    },
  };
  return { snapshots, exports };
}
