import type { OpArgs, OpResult } from '../../shared/contract';
import { OperatorError } from '../errors/operator-error';
import { sealSnapshot, verifyHistory } from '../recon/history';
import { currentSnapshot } from '../store/queries';
import { planPrune, pruneSnapshots } from '../store/retention';
import type { ServiceContext } from './context';

/**
 * Snapshot retention: snapshots.prune. The profile's chain is sealed and verified first:
 * pruning removes content, so it must not remove the evidence of a snapshot that was
 * changed after it was taken.
 */
export function retentionServices(ctx: ServiceContext) {
  return {
    prune: async (args: OpArgs<'snapshots.prune'>): Promise<OpResult<'snapshots.prune'>> => {
      const db = ctx.database();
      const current = currentSnapshot(db, args.profile);
      if (!current) {
        throw new OperatorError('bad-input', `Profile "${args.profile}" has no snapshot to prune.`, {
          hint: 'Sync the profile first.',
          remedy: { action: 'run-sync', profile: args.profile },
        });
      }
      sealSnapshot(db, current.id);
      const verified = verifyHistory(db, args.profile);
      if (!verified.ok) {
        throw new OperatorError('store', `The snapshot history of profile "${args.profile}" does not verify, so no snapshot was pruned. ${verified.message}`, {
          hint: 'Keep the snapshots as evidence; restore the data folder from a backup taken before the bad snapshot, or sync again for a fresh snapshot.',
        });
      }
      const policy = { ...(args.keep !== undefined ? { keep: args.keep } : {}), ...(args.maxAgeDays !== undefined ? { maxAgeDays: args.maxAgeDays } : {}) };
      const now = ctx.clock();
      const plan = planPrune(db, args.profile, policy, now);
      const dryRun = args.dryRun ?? false;
      const n = dryRun ? plan.prune.length : pruneSnapshots(db, args.profile, plan.prune.map((p) => p.id), now);
      const pruned = plan.prune.slice(0, n).map((p) => ({ snapshotId: p.id, finishedAt: p.finishedAt }));
      const kept = plan.kept + plan.prune.length - n;
      const message =
        n === 0
          ? `Nothing to prune: the ${kept} snapshots of profile "${args.profile}" are all kept.`
          : `${dryRun ? 'Would prune' : 'Pruned'} ${n} snapshots of profile "${args.profile}"; ${kept} kept. ${dryRun ? 'Their' : 'Their data is deleted; their'} hashes stay in the chain, which still verifies.`;
      return { profile: args.profile, dryRun, pruned, kept, message };
    },
  };
}
