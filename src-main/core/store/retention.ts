/**
 * Snapshot retention. Pruning a snapshot deletes its row and, by cascade, every data row
 * keyed by it, and records its id, time and hashes in `pruned_snapshots` in the same
 * transaction, so the profile's hash chain still runs through it (recon/history.ts checks
 * its links). Only sealed snapshots are pruned, and never the profile's current snapshot.
 */
import type { Db } from './db';

export interface RetentionPolicy {
  /** Keep the newest N snapshots. */
  keep?: number;
  /** Keep the snapshots that finished less than D days ago. */
  maxAgeDays?: number;
}

export interface PruneCandidate {
  id: number;
  finishedAt: string;
}

const DAY_MS = 86_400_000;

/**
 * The sealed snapshots of a profile that the policy does not keep, oldest first, and how
 * many snapshots stay. A snapshot is kept when either rule given keeps it; the newest
 * snapshot (the current one) and unsealed snapshots are always kept.
 */
export function planPrune(db: Db, profile: string, policy: RetentionPolicy, now: Date): { prune: PruneCandidate[]; kept: number } {
  const rows = db
    .prepare(`SELECT id, COALESCE(finished_at, started_at) AS finishedAt, content_hash IS NOT NULL AS sealed FROM snapshots WHERE profile_name = ? AND status = 'complete' ORDER BY id DESC`)
    .all(profile) as { id: number; finishedAt: string; sealed: number }[];
  const cutoff = policy.maxAgeDays !== undefined ? now.getTime() - policy.maxAgeDays * DAY_MS : undefined;
  const prune: PruneCandidate[] = [];
  rows.forEach((r, i) => {
    if (i === 0 || r.sealed !== 1) return;
    const byCount = policy.keep !== undefined && i < policy.keep;
    const t = Date.parse(r.finishedAt);
    const byAge = cutoff !== undefined && !(t < cutoff);
    if (!byCount && !byAge) prune.push({ id: r.id, finishedAt: r.finishedAt });
  });
  return { prune: prune.reverse(), kept: rows.length - prune.length };
}

/** Prune the given sealed snapshots of a profile in one transaction; returns how many went. */
export function pruneSnapshots(db: Db, profile: string, ids: readonly number[], now: Date): number {
  const record = db.prepare(
    `INSERT INTO pruned_snapshots (id, profile_name, finished_at, content_hash, prev_hash, pruned_at)
     SELECT id, profile_name, COALESCE(finished_at, started_at), content_hash, prev_hash, ?
     FROM snapshots WHERE id = ? AND profile_name = ? AND status = 'complete' AND content_hash IS NOT NULL`,
  );
  const drop = db.prepare('DELETE FROM snapshots WHERE id = ?');
  const run = db.transaction((list: readonly number[]) => {
    let n = 0;
    for (const id of list) {
      if (record.run(now.toISOString(), id, profile).changes !== 1) continue;
      drop.run(id);
      n += 1;
    }
    return n;
  });
  return run(ids);
}
