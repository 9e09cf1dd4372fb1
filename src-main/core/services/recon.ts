import type { OpArgs, OpResult } from '../../shared/contract';
import { OperatorError } from '../errors/operator-error';
import { loadCatalog } from '../catalog/store';
import { computeFindings } from '../recon/engine';
import { readSettings, writeSettings } from '../recon/settings';
import { currentSnapshot, getSnapshot, type SnapshotInfo } from '../store/queries';
import type { ServiceContext } from './context';

/** Findings of a snapshot, and the operator's reconciliation settings per profile. */
export function reconServices(ctx: ServiceContext) {
  const pick = (profile: string, snapshotId: number | undefined): SnapshotInfo => {
    const db = ctx.database();
    const snapshot = snapshotId !== undefined ? getSnapshot(db, snapshotId) : currentSnapshot(db, profile);
    if (!snapshot || snapshot.profileName !== profile) {
      throw new OperatorError('bad-input', `Profile "${profile}" has no snapshot${snapshotId !== undefined ? ` ${snapshotId}` : ''}.`, {
        hint: snapshotId !== undefined ? "Pick one of the profile's snapshots." : 'Sync the profile first.',
        remedy: snapshotId !== undefined ? { action: 'list-snapshots', profile } : { action: 'run-sync', profile },
      });
    }
    return snapshot;
  };

  const findings = {
    list: async (args: OpArgs<'findings.list'>): Promise<OpResult<'findings.list'>> => {
      const snapshot = pick(args.profile, args.snapshotId);
      const db = ctx.database();
      // The profile's catalogue, as the exports and the reconciliation use it: the same names everywhere.
      const report = computeFindings(db, snapshot.id, {
        settings: readSettings(db, args.profile),
        catalog: await loadCatalog(ctx.deps.dataDir),
        ...(args.itemLimit !== undefined ? { itemLimit: args.itemLimit } : {}),
      });
      return args.kinds ? { ...report, findings: report.findings.filter((f) => args.kinds?.includes(f.kind)) } : report;
    },
  };

  const settings = {
    get: async (args: OpArgs<'settings.get'>): Promise<OpResult<'settings.get'>> => readSettings(ctx.database(), args.profile),
    set: async (args: OpArgs<'settings.set'>): Promise<OpResult<'settings.set'>> => writeSettings(ctx.database(), args.profile, args.settings, ctx.clock()),
  };
  return { findings, settings };
}
