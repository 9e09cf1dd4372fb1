import { readSettings } from '../recon/settings';
import { verifyHistory } from '../recon/history';
import { planPrune, pruneSnapshots } from '../store/retention';
import type { ServiceContext } from './context';

/**
 * The profile's retention setting, applied after a successful sync: prunes what the policy
 * lets go, only when the history verifies (pruning must never remove the evidence of an
 * altered snapshot). Returns a warning for the sync summary when it pruned or declined.
 */
export function applyRetention(ctx: ServiceContext, profile: string): string | undefined {
  const db = ctx.database();
  const { retention } = readSettings(db, profile);
  if (retention.keep === undefined && retention.maxAgeDays === undefined) return undefined;
  const verified = verifyHistory(db, profile);
  if (!verified.ok) return `No snapshot was pruned: the snapshot history does not verify (${verified.message}).`;
  const now = ctx.clock();
  const plan = planPrune(db, profile, retention, now);
  if (plan.prune.length === 0) return undefined;
  const n = pruneSnapshots(db, profile, plan.prune.map((p) => p.id), now);
  ctx.logger.info('snapshots pruned', { profile, pruned: n });
  return `Retention: ${n} older snapshot${n === 1 ? '' : 's'} pruned (their hashes stay in the history).`;
}
