import { z } from 'zod';
import { profileNameSchema } from './profile';

/**
 * Snapshot retention for a profile: keep the newest `keep` snapshots, the snapshots younger
 * than `maxAgeDays` days, or (both given) every snapshot either rule keeps. The current
 * snapshot is always kept. `dryRun` lists what would go without removing anything.
 */
export const snapshotsPruneArgsSchema = z
  .object({
    profile: profileNameSchema,
    keep: z.number().int().min(1).max(100_000).optional(),
    maxAgeDays: z.number().int().min(1).max(36_500).optional(),
    dryRun: z.boolean().optional(),
  })
  .refine((a) => a.keep !== undefined || a.maxAgeDays !== undefined, {
    message: 'say how many snapshots to keep, or how many days of snapshots to keep',
    path: ['keep'],
  });
export type SnapshotsPruneArgs = z.infer<typeof snapshotsPruneArgsSchema>;

export const snapshotsPruneResultSchema = z.object({
  profile: z.string(),
  dryRun: z.boolean(),
  /** Snapshots removed (or, in a dry run, that would be): their data is deleted, their hashes stay in the chain. */
  pruned: z.array(z.object({ snapshotId: z.number().int(), finishedAt: z.string() })),
  /** Snapshots left with their data, the current one among them. */
  kept: z.number().int().nonnegative(),
  message: z.string(),
});
export type SnapshotsPruneResult = z.infer<typeof snapshotsPruneResultSchema>;
