import { skuFriendlyName } from '../catalog/skus';
import type { DatasetId } from '../../shared/datasets';
import type { Db } from './db';
import type { DatasetRunStatus, LicenseSource } from './types';

/**
 * Read side of the store. Only 'complete' snapshots are visible. Run these on their
 * own connection, or on the writer connection when no snapshot is being written.
 * Large results are returned as iterators (stmt.iterate()) so exports stream; while
 * one is being iterated, the connection cannot run other statements.
 */

export interface SnapshotInfo {
  id: number;
  profileName: string;
  tenantId: string;
  graphBaseUrl: string | null;
  startedAt: string;
  finishedAt: string;
  tokenRoles: string[];
  warnings: string[];
  userCount: number | null;
  contentHash: string | null;
  prevHash: string | null;
}

interface SnapshotDbRow {
  id: number;
  profile_name: string;
  tenant_id: string;
  graph_base_url: string | null;
  started_at: string;
  finished_at: string;
  token_roles: string;
  warnings: string;
  user_count: number | null;
  content_hash: string | null;
  prev_hash: string | null;
}

function jsonStrings(text: string): string[] {
  const v: unknown = JSON.parse(text);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function toSnapshot(r: SnapshotDbRow): SnapshotInfo {
  return {
    id: r.id,
    profileName: r.profile_name,
    tenantId: r.tenant_id,
    graphBaseUrl: r.graph_base_url,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    tokenRoles: jsonStrings(r.token_roles),
    warnings: jsonStrings(r.warnings),
    userCount: r.user_count,
    contentHash: r.content_hash,
    prevHash: r.prev_hash,
  };
}

const SNAPSHOT_COLUMNS = 'id, profile_name, tenant_id, graph_base_url, started_at, finished_at, token_roles, warnings, user_count, content_hash, prev_hash';

/** The latest complete snapshot of a profile, or null. */
export function currentSnapshot(db: Db, profileName: string): SnapshotInfo | null {
  const row = db
    .prepare(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE profile_name = ? AND status = 'complete' ORDER BY id DESC LIMIT 1`)
    .get(profileName) as SnapshotDbRow | undefined;
  return row ? toSnapshot(row) : null;
}

/** Complete snapshots, newest first; all profiles unless one is named. */
export function listSnapshots(db: Db, profileName?: string, opts: { limit?: number } = {}): SnapshotInfo[] {
  const limit = Math.max(1, Math.trunc(opts.limit ?? 1000));
  const rows = (
    profileName === undefined
      ? db.prepare(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE status = 'complete' ORDER BY id DESC LIMIT ?`).all(limit)
      : db
          .prepare(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE profile_name = ? AND status = 'complete' ORDER BY id DESC LIMIT ?`)
          .all(profileName, limit)
  ) as SnapshotDbRow[];
  return rows.map(toSnapshot);
}

/** One complete snapshot by id, or null. */
export function getSnapshot(db: Db, snapshotId: number): SnapshotInfo | null {
  const row = db.prepare(`SELECT ${SNAPSHOT_COLUMNS} FROM snapshots WHERE id = ? AND status = 'complete'`).get(snapshotId) as
    | SnapshotDbRow
    | undefined;
  return row ? toSnapshot(row) : null;
}

export interface DatasetRunInfo {
  dataset: DatasetId;
  status: DatasetRunStatus;
  reason: string | null;
  missingPermission: string | null;
  items: number;
  expected: number | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export function datasetRuns(db: Db, snapshotId: number): DatasetRunInfo[] {
  const rows = db
    .prepare(
      `SELECT dataset, status, reason, missing_permission AS missingPermission, items, expected, started_at AS startedAt, finished_at AS finishedAt
       FROM dataset_runs WHERE snapshot_id = ? ORDER BY rowid`,
    )
    .all(snapshotId) as DatasetRunInfo[];
  return rows;
}

export interface SkuSummaryRow {
  skuId: string;
  /** Friendly product name from the catalog (falls back to the part number). */
  product: string;
  partNumber: string;
  capabilityStatus: string | null;
  appliesTo: string | null;
  /** Active seats (prepaidUnits.enabled). */
  enabled: number;
  /** Seats in the grace period (prepaidUnits.warning): still usable, but expiring. */
  warning: number;
  /** Not usable. */
  suspended: number;
  /** Not usable. */
  lockedOut: number;
  /** enabled + warning: the seats that can be assigned today. */
  usable: number;
  /** Seats assigned (consumedUnits). */
  consumed: number;
  /** usable − consumed, never negative (see overAssigned). */
  available: number;
  /** consumed − usable when more seats are assigned than usable ("over by N"), else 0. */
  overAssigned: number;
  /** user_licenses rows of this SKU in the snapshot, by source. */
  directAssignments: number;
  groupAssignments: number;
}

type SkuSummaryDbRow = Omit<SkuSummaryRow, 'product'>;

/**
 * Per-SKU seat figures, ordered by part number. Defined once, from subscribedSkus'
 * prepaidUnits: usable = enabled + warning, available = usable − consumed, and a SKU with
 * more seats consumed than usable is over-assigned by the difference (available is then 0,
 * never negative). A tenant holds at most
 * a few hundred SKUs, so this returns an array; large tables stream (userAssignments).
 */
export function skuSummary(db: Db, snapshotId: number): SkuSummaryRow[] {
  const rows = db
    .prepare(
      `SELECT s.sku_id AS skuId, s.sku_part_number AS partNumber, s.capability_status AS capabilityStatus, s.applies_to AS appliesTo,
              s.enabled, s.warning, s.suspended, s.locked_out AS lockedOut, s.enabled + s.warning AS usable, s.consumed_units AS consumed,
              max(0, s.enabled + s.warning - s.consumed_units) AS available,
              max(0, s.consumed_units - s.enabled - s.warning) AS overAssigned,
              (SELECT count(*) FROM user_licenses l WHERE l.snapshot_id = s.snapshot_id AND l.sku_id = s.sku_id AND l.source = 'direct') AS directAssignments,
              (SELECT count(*) FROM user_licenses l WHERE l.snapshot_id = s.snapshot_id AND l.sku_id = s.sku_id AND l.source = 'group') AS groupAssignments
       FROM skus s WHERE s.snapshot_id = ? ORDER BY s.sku_part_number, s.sku_id`,
    )
    .all(snapshotId) as SkuSummaryDbRow[];
  return rows.map((r) => ({ ...r, product: skuFriendlyName(r.skuId, r.partNumber) }));
}

export interface UserAssignmentRow {
  upn: string | null;
  displayName: string | null;
  accountEnabled: boolean | null;
  userType: string | null;
  skuId: string;
  /** Null when the SKU is not in the snapshot's subscribedSkus (or that dataset was skipped). */
  skuPartNumber: string | null;
  source: LicenseSource;
  groupId: string | null;
  /** Null when the groups dataset was skipped or the group has no licences any more. */
  groupName: string | null;
  state: string | null;
  error: string | null;
  /** Disabled service plan ids. Rows with the same list share one frozen array. */
  disabledPlans: readonly string[];
  /** Null when no sign-in row exists for the user. */
  lastSignIn: string | null;
  lastNonInteractiveSignIn: string | null;
  lastSuccessfulSignIn: string | null;
  /** True when the sign-in dataset has a row for this user (null dates then mean "never"). */
  hasSignInRow: boolean;
}

/**
 * The user-licence rows, in the order of the export. SQLite reads the licences in user id
 * order (user_licenses_by_user), which follows the users' and sign-ins' keys, and sorts
 * once. Reading users in UPN order through users_by_upn instead would avoid the sort, but
 * a synced tenant's UPNs are unrelated to its ids, so every row would then be a random
 * page read: two to three times slower at 1M users. The columns are exactly what the export
 * and the workbook need: each column a row carries costs a conversion per row. The source
 * is not read: the table's CHECK makes it 'group' exactly when group_id is set.
 */
export const USER_ASSIGNMENTS_SQL = `SELECT u.upn, u.display_name, u.account_enabled, u.user_type,
       l.sku_id, s.sku_part_number, l.group_id, g.display_name,
       l.state, l.error, l.disabled_plans,
       a.last_sign_in, a.last_non_interactive, a.last_successful, a.user_id IS NOT NULL
FROM users u
JOIN user_licenses l ON l.snapshot_id = u.snapshot_id AND l.user_id = u.id
LEFT JOIN skus s ON s.snapshot_id = l.snapshot_id AND s.sku_id = l.sku_id
LEFT JOIN groups g ON g.snapshot_id = l.snapshot_id AND g.id = l.group_id
LEFT JOIN sign_in_activity a ON a.snapshot_id = u.snapshot_id AND a.user_id = u.id
WHERE u.snapshot_id = ?
ORDER BY u.upn COLLATE NOCASE, u.id, s.sku_part_number, l.sku_id, l.source, l.group_id`;

type UserAssignmentDbRow = [
  upn: string | null, displayName: string | null, accountEnabled: number | null, userType: string | null,
  skuId: string, skuPartNumber: string | null, groupId: string | null, groupName: string | null,
  state: string | null, error: string | null, disabledPlans: string,
  lastSignIn: string | null, lastNonInteractive: string | null, lastSuccessful: string | null, hasSignInRow: number,
];

const NO_PLANS: readonly string[] = Object.freeze([]);
/** Distinct disabled-plan lists remembered per query; a tenant has a handful, a hostile file may have one per row. */
const PLAN_LISTS_KEPT = 1_000;

/** Every licence assignment with its user, SKU, group and sign-in, ordered by UPN. Streams. */
export function* userAssignments(db: Db, snapshotId: number): Generator<UserAssignmentRow, void, undefined> {
  const it = db.prepare(USER_ASSIGNMENTS_SQL).raw(true).iterate(snapshotId) as IterableIterator<UserAssignmentDbRow>;
  const planLists = new Map<string, readonly string[]>();
  const plans = (json: string): readonly string[] => {
    if (json === '[]') return NO_PLANS;
    let list = planLists.get(json);
    if (list === undefined) {
      list = Object.freeze(jsonStrings(json));
      if (planLists.size < PLAN_LISTS_KEPT) planLists.set(json, list);
    }
    return list;
  };
  for (const r of it) {
    yield {
      upn: r[0],
      displayName: r[1],
      accountEnabled: r[2] === null ? null : r[2] === 1,
      userType: r[3],
      skuId: r[4],
      skuPartNumber: r[5],
      source: r[6] === null ? 'direct' : 'group',
      groupId: r[6],
      groupName: r[7],
      state: r[8],
      error: r[9],
      disabledPlans: plans(r[10]),
      lastSignIn: r[11],
      lastNonInteractiveSignIn: r[12],
      lastSuccessfulSignIn: r[13],
      hasSignInRow: r[14] === 1,
    };
  }
}

/** service_plan_id → service_plan_name across the snapshot's SKUs. */
export function servicePlanNames(db: Db, snapshotId: number): Map<string, string | null> {
  const rows = db
    .prepare(`SELECT service_plan_id AS id, max(service_plan_name) AS name FROM sku_service_plans WHERE snapshot_id = ? GROUP BY service_plan_id`)
    .all(snapshotId) as { id: string; name: string | null }[];
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Row counts of a snapshot's tables (diagnostics and tests). */
export function snapshotCounts(db: Db, snapshotId: number): Record<string, number> {
  const tables = [
    'skus', 'sku_service_plans', 'users', 'user_licenses', 'groups', 'group_licenses', 'sign_in_activity',
    'report_active_user_detail', 'report_m365_app_user_detail', 'report_activations_user_detail', 'report_mailbox_usage_detail', 'report_settings',
  ];
  const out: Record<string, number> = {};
  for (const t of tables) {
    out[t] = (db.prepare(`SELECT count(*) AS n FROM ${t} WHERE snapshot_id = ?`).get(snapshotId) as { n: number }).n;
  }
  return out;
}
