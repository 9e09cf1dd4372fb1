import { z } from 'zod';
import { FINDING_KINDS, type FindingKind } from './recon';

export const snapshotInfoSchema = z.object({
  id: z.number().int().positive(),
  profileName: z.string(),
  tenantId: z.string(),
  startedAt: z.string(),
  finishedAt: z.string(),
  userCount: z.number().int().nonnegative().nullable(),
  warnings: z.array(z.string()),
  tokenRoles: z.array(z.string()),
  contentHash: z.string().nullable(),
  prevHash: z.string().nullable(),
});
export type SnapshotInfoDto = z.infer<typeof snapshotInfoSchema>;

/** Seat position of one SKU (prepaidUnits: enabled and warning seats are usable). */
export const skuSummaryRowSchema = z.object({
  skuId: z.string(),
  partNumber: z.string(),
  product: z.string(),
  capabilityStatus: z.string().nullable(),
  appliesTo: z.string().nullable(),
  enabled: z.number().int(),
  warning: z.number().int(),
  suspended: z.number().int(),
  lockedOut: z.number().int(),
  /** enabled + warning: seats in the grace period are still usable. */
  usable: z.number().int(),
  consumed: z.number().int(),
  /** usable − consumed, never negative (see overAssigned). */
  available: z.number().int(),
  /** consumed − usable when more seats are assigned than usable ("over by N"), else 0. */
  overAssigned: z.number().int(),
  directAssignments: z.number().int(),
  groupAssignments: z.number().int(),
});
export type SkuSummaryRowDto = z.infer<typeof skuSummaryRowSchema>;

/** One file id per finding (finding-<kind>.csv, with findings-summary.csv). */
export const FINDING_EXPORT_IDS = FINDING_KINDS.map((k): `finding-${FindingKind}` => `finding-${k}`);
export const EXPORT_FILE_IDS = ['sku-summary', 'user-licenses', ...FINDING_EXPORT_IDS] as const;
export const exportFileIdSchema = z.enum(EXPORT_FILE_IDS);

export const exportResultSchema = z.object({
  snapshotId: z.number().int().positive(),
  /** The snapshot's content hash, when the snapshot has one. */
  contentHash: z.string().nullable(),
  files: z.array(z.string()),
  skuSummary: z.array(skuSummaryRowSchema),
});
export type ExportResultDto = z.infer<typeof exportResultSchema>;

export const exportProgressEventSchema = z.object({ file: z.string(), rows: z.number().int().nonnegative(), done: z.boolean() });
