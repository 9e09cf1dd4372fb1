import { z } from 'zod';
import { datasetIdSchema } from './datasets';
import { errorDtoSchema, remedySchema } from './errors';

/** Progress of one sync, as it is emitted while the job runs. */
export const syncProgressSchema = z.object({
  type: z.enum(['dataset-start', 'dataset-progress', 'dataset-done', 'dataset-skipped', 'dataset-failed']),
  dataset: datasetIdSchema,
  items: z.number().int().nonnegative(),
  expected: z.number().int().nonnegative().optional(),
  reason: z.string().optional(),
});
export type SyncProgress = z.infer<typeof syncProgressSchema>;

export const datasetResultSchema = z.object({
  dataset: datasetIdSchema,
  label: z.string(),
  /**
   * ok; skipped (not readable: a missing permission or licence); failed (an enrichment dataset that
   * failed after its retries or sent a malformed item: the snapshot holds none of its rows, and the
   * reason names the item).
   */
  status: z.enum(['ok', 'skipped', 'failed']),
  items: z.number().int().nonnegative(),
  expected: z.number().int().nonnegative().optional(),
  reason: z.string().optional(),
  /** Least-privileged permission that would let the dataset sync, when that is why it was skipped. */
  missingPermission: z.string().optional(),
  /** What the operator can do about a skipped dataset. */
  remedy: remedySchema.optional(),
  durationMs: z.number().nonnegative(),
});
export type DatasetResult = z.infer<typeof datasetResultSchema>;

export const syncResultSchema = z.object({
  snapshotId: z.number().int().positive(),
  profileName: z.string(),
  tenantId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number().nonnegative(),
  /** Application permissions of the token used. */
  roles: z.array(z.string()),
  warnings: z.array(z.string()),
  datasets: z.array(datasetResultSchema),
  /** Users written, or null when the users dataset was skipped. */
  userCount: z.number().int().nonnegative().nullable(),
});
export type SyncResult = z.infer<typeof syncResultSchema>;

export const syncJobStateSchema = z.enum(['running', 'succeeded', 'failed', 'cancelled']);
export type SyncJobState = z.infer<typeof syncJobStateSchema>;

/** A sync job: started by id, observed through events, its outcome kept afterwards. */
export const syncJobSchema = z.object({
  jobId: z.string(),
  profile: z.string(),
  state: syncJobStateSchema,
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  /** The latest progress per dataset, so a screen opened mid-sync can catch up. */
  progress: z.array(syncProgressSchema),
  result: syncResultSchema.optional(),
  error: errorDtoSchema.optional(),
});
export type SyncJob = z.infer<typeof syncJobSchema>;

/** The sync.progress event: one job's progress. */
export const syncProgressEventSchema = z.object({ jobId: z.string(), profile: z.string(), progress: syncProgressSchema });
/** The sync.retrying event: Graph throttled or failed a request, and the sync waits before trying again. */
export const syncRetryingEventSchema = z.object({
  jobId: z.string(),
  profile: z.string(),
  attempt: z.number().int().positive(),
  /** Why: "throttled (429)", "service unavailable (503)", "connection reset". */
  reason: z.string(),
  delayMs: z.number().nonnegative(),
  host: z.string(),
});

/** The sync.finished event: the job's final state, with its result or error. */
export const syncFinishedEventSchema = syncJobSchema;
