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
/** The reconciliation files: SKU position, entitlements reconciliation, right-sizing, and the XLSX workbook of them all. */
export const RECON_EXPORT_IDS = ['sku-position', 'entitlements-reconciliation', 'right-sizing', 'workbook'] as const;
export const EXPORT_FILE_IDS = ['sku-summary', 'user-licenses', ...FINDING_EXPORT_IDS, ...RECON_EXPORT_IDS] as const;
export type ExportFileId = (typeof EXPORT_FILE_IDS)[number];

const FINDING_LABELS: Record<FindingKind, string> = {
  'seat-position': 'Seat position per SKU',
  'disabled-accounts': 'Licences of disabled accounts',
  'inactive-users': 'Inactive licensed users',
  'never-signed-in': 'Never signed in',
  'no-use': 'No use of the SKU',
  'mailbox-only': 'Mailbox only on a suite SKU',
  overlap: 'Overlapping SKUs',
  'duplicate-assignment': 'Direct and group assignment of one SKU',
  guests: 'Licensed guests',
  'assignment-errors': 'Assignment errors',
  'concealed-names': 'Concealed report names',
  'disabled-plans': 'Disabled service plans',
};

/** What each export file is, for a file picker; every id has one (a new id without a label does not compile). */
export const EXPORT_FILE_LABELS: Record<ExportFileId, { label: string; description: string }> = {
  'sku-summary': { label: 'SKU summary', description: 'Per product: enabled, warning, usable, consumed and available seats' },
  'user-licenses': { label: 'User licences', description: 'Per user and licence: how it is assigned, last successful sign-in' },
  ...(Object.fromEntries(FINDING_KINDS.map((k) => [`finding-${k}`, { label: `Finding: ${FINDING_LABELS[k]}`, description: 'users and SKUs, with evidence' }])) as Record<`finding-${FindingKind}`, { label: string; description: string }>),
  'sku-position': { label: 'SKU position and cost', description: 'Seats, buffer, price and monthly cost per product' },
  'entitlements-reconciliation': { label: 'Entitlements reconciliation', description: 'Purchased against usable and assigned, per product' },
  'right-sizing': { label: 'Right-sizing', description: 'Reduce by N seats before the renewal date' },
  workbook: { label: 'Excel workbook (XLSX)', description: 'Every table on its own sheet, with a Summary; no list-separator question' },
};
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
