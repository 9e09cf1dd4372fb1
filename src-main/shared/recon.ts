import { z } from 'zod';

/**
 * Reconciliation DTOs: the operator's settings (thresholds, exclusions, seat buffers) and
 * the findings with their evidence. Runtime-neutral (zod only).
 */

/** SKUs never assigned to people: device, room, service and free SKUs (part numbers). */
export const DEFAULT_EXCLUDED_SKUS = [
  'Microsoft_Teams_Rooms_Pro',
  'Microsoft_Teams_Rooms_Basic',
  'MEETING_ROOM',
  'MCOCAP',
  'PHONESYSTEM_VIRTUALUSER',
  'INTUNE_A_D',
  'WINDOWS_STORE',
  'POWER_BI_STANDARD',
  'FLOW_FREE',
  'POWERAPPS_VIRAL',
  'POWERAPPS_DEV',
  'TEAMS_EXPLORATORY',
  'STREAM',
  'CCIBOTS_PRIVPREV_VIRAL',
  'RIGHTSMANAGEMENT_ADHOC',
  'MICROSOFT_BUSINESS_CENTER',
] as const;

/**
 * Accounts that are not people, by UPN pattern (`*` matches any run of characters,
 * case-insensitive, over the whole UPN): service accounts, scanners, shared and room mailboxes.
 */
export const DEFAULT_ACCOUNT_PATTERNS = ['svc-*', 'svc_*', 'svc.*', 'scan*', 'noreply*', 'no-reply*', 'shared.*', 'shared-*', 'room.*', 'room-*'] as const;

const skuRef = z.string().trim().min(1, 'a SKU part number or id').max(120);
const upnPattern = z
  .string()
  .trim()
  .min(1, 'a UPN pattern such as svc-*')
  .max(256)
  .regex(/^[^\s]+$/, 'a UPN pattern has no spaces');

export const reconSettingsSchema = z
  .object({
    /** A user is inactive when the last successful sign-in is older than this many days. */
    inactiveDays: z.number().int().min(1).max(3650).default(90),
    /** Usage reports: activity within this many days before the report's refresh date counts as use. */
    usageDays: z.number().int().min(7).max(180).default(30),
    /** SKUs never assigned to people (part numbers or SKU ids). */
    excludedSkus: z.array(skuRef).max(500).default([...DEFAULT_EXCLUDED_SKUS]),
    /** Accounts that are not people, by UPN pattern. */
    excludedUpnPatterns: z.array(upnPattern).max(500).default([...DEFAULT_ACCOUNT_PATTERNS]),
    /** Accounts that receive a licence through one of these groups (ids or display names). */
    excludedGroups: z.array(z.string().trim().min(1).max(256)).max(500).default([]),
    /** Leave out mailboxes the mailbox usage report marks as shared (where it says so). */
    excludeSharedMailboxes: z.boolean().default(true),
    /** Per SKU (part number or id): spare seats the operator keeps on purpose. */
    seatBuffers: z.record(skuRef, z.number().int().min(0).max(1_000_000)).default({}),
  })
  .strict();
export type ReconSettings = z.output<typeof reconSettingsSchema>;
export type ReconSettingsInput = z.input<typeof reconSettingsSchema>;

export const FINDING_KINDS = [
  'seat-position',
  'disabled-accounts',
  'inactive-users',
  'never-signed-in',
  'no-use',
  'mailbox-only',
  'overlap',
  'duplicate-assignment',
  'guests',
  'assignment-errors',
  'concealed-names',
  'disabled-plans',
] as const;
export const findingKindSchema = z.enum(FINDING_KINDS);
export type FindingKind = z.infer<typeof findingKindSchema>;

const fact = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** One row of a finding: a user and one SKU (or a SKU alone, for the seat position). */
export const findingItemSchema = z.object({
  userId: z.string().nullable(),
  upn: z.string().nullable(),
  displayName: z.string().nullable(),
  skuId: z.string().nullable(),
  partNumber: z.string().nullable(),
  product: z.string().nullable(),
  /**
   * The seat could be taken back (or the SKU downgraded): savings count each user at most
   * once per SKU, whatever findings they appear in.
   */
  reclaimable: z.boolean(),
  /** The values the rule read, by name (dates as ISO text, counts as numbers). */
  facts: z.record(z.string(), fact),
});
export type FindingItem = z.infer<typeof findingItemSchema>;

export const evidenceSourceSchema = z.object({
  dataset: z.string(),
  fields: z.array(z.string()),
  status: z.enum(['ok', 'skipped', 'failed', 'absent']),
  /** Report Refresh Date of report data. */
  reportRefreshDate: z.string().nullable(),
});

export const findingSchema = z.object({
  id: z.string(),
  kind: findingKindSchema,
  title: z.string(),
  /** The rule that fired, in words, with its threshold. */
  rule: z.string(),
  threshold: z.string().nullable(),
  evidence: z.object({ snapshotId: z.number().int(), snapshotTime: z.string(), asOf: z.string(), sources: z.array(evidenceSourceSchema) }),
  /** 'reduced' when data was partial (no sign-ins, concealed names, a dataset skipped). */
  confidence: z.enum(['full', 'reduced']),
  notes: z.array(z.string()),
  /** Rows, or users, the finding concerns (before any item limit). */
  count: z.number().int().nonnegative(),
  /** Distinct users concerned. */
  users: z.number().int().nonnegative(),
  /** Items left out by the operator's exclusions. */
  excluded: z.number().int().nonnegative(),
  items: z.array(findingItemSchema),
  truncated: z.boolean(),
});
export type Finding = z.infer<typeof findingSchema>;

export const findingsReportSchema = z.object({
  snapshotId: z.number().int().positive(),
  snapshotTime: z.string(),
  asOf: z.string(),
  settings: reconSettingsSchema,
  /** Data-quality notes that apply to the whole run. */
  notes: z.array(z.string()),
  findings: z.array(findingSchema),
});
export type FindingsReport = z.infer<typeof findingsReportSchema>;
