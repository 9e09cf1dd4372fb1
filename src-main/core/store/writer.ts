import { OperatorError } from '../errors/operator-error';
import type { DatasetId } from '../permissions/matrix';
import type { Db } from './db';
import type {
  ActivationsUserDetailRow,
  ActiveUserDetailRow,
  DatasetRunRow,
  GroupRow,
  M365AppUserDetailRow,
  MailboxUsageDetailRow,
  ReportSettingsRow,
  SignInActivityRow,
  SkuRow,
  SnapshotBeginMeta,
  SnapshotFinalMeta,
  UserRow,
} from './types';

function bool(v: boolean | null): number | null {
  return v === null ? null : v ? 1 : 0;
}

/** JSON text of a string list; the common empty list skips the serialiser. */
function jsonList(v: readonly string[]): string {
  return v.length === 0 ? '[]' : JSON.stringify(v);
}

/** A cell of a packed row: what SQLite binds. */
export type Cell = string | number | null;

/** Columns per user in UserPage.users: id, upn, displayName, mail, accountEnabled, userType, createdAt, department, jobTitle, usageLocation. */
export const USER_PAGE_COLS = 10;
/** Columns per licence in UserPage.licenses: userId, skuId, source, groupId, state, error, disabledPlans (JSON), lastUpdated. */
export const LICENSE_PAGE_COLS = 8;

/**
 * A page of users packed into two flat lists of primitives (no per-user objects), so it
 * is cheap to build, to hand to the writer thread (structured clone) and to collect.
 */
export interface UserPage {
  users: Cell[];
  licenses: Cell[];
}

export function emptyUserPage(): UserPage {
  return { users: [], licenses: [] };
}

/** Append one user (and its licences) to a page. */
export function packUser(page: UserPage, u: UserRow): void {
  page.users.push(u.id, u.upn, u.displayName, u.mail, bool(u.accountEnabled), u.userType, u.createdAt, u.department, u.jobTitle, u.usageLocation);
  for (const l of u.licenses) page.licenses.push(u.id, l.skuId, l.source, l.groupId, l.state, l.error, jsonList(l.disabledPlans), l.lastUpdated);
}

/**
 * Page cache of the writer connection while a snapshot is open, in KiB (SQLite's
 * negative cache_size). A snapshot inserts users in Graph's order, which is random
 * for the primary key and the UPN/user indexes; with SQLite's default 2 MiB those
 * B-trees thrash and dirty pages spill mid-transaction. The cache is a hard bound,
 * kept modest so a 1,000,000-user sync stays within its memory budget, and restored
 * when the snapshot ends.
 */
export const SNAPSHOT_CACHE_KIB = 16 * 1024;

/** Tables written by each dataset, so a dataset skipped midway can be discarded. */
const DATASET_TABLES: Record<DatasetId, readonly string[]> = {
  subscribedSkus: ['sku_service_plans', 'skus'],
  users: ['user_licenses', 'users'],
  signInActivity: ['sign_in_activity'],
  groups: ['group_licenses', 'groups'],
  reportSettings: ['report_settings'],
  'report.activeUserDetail': ['report_active_user_detail'],
  'report.m365AppUserDetail': ['report_m365_app_user_detail'],
  'report.activationsUserDetail': ['report_activations_user_detail'],
  'report.mailboxUsageDetail': ['report_mailbox_usage_detail'],
};

/**
 * Writes one snapshot inside ONE transaction held open on the writer connection
 * (BEGIN IMMEDIATE ... COMMIT/ROLLBACK), across the whole asynchronous sync.
 * The snapshot row itself is inserted inside that transaction, so a failed,
 * cancelled or killed sync leaves nothing behind and the previous snapshot stays current.
 *
 * Insert methods are synchronous and take a page of rows at a time; statements are
 * prepared once and reused. While a snapshot is open, nothing else may use this
 * connection for writes (readers should use their own connection).
 */
export class SnapshotWriter {
  readonly #db: Db;
  #snapshotId: number | null = null;
  #stmts: ReturnType<typeof prepare> | null = null;
  /** cache_size to restore when the open snapshot ends. */
  #savedCacheSize: number | null = null;

  readonly #cacheKib: number;

  /** `cacheKib`: page cache while a snapshot is open (default SNAPSHOT_CACHE_KIB). */
  constructor(db: Db, opts: { cacheKib?: number } = {}) {
    this.#db = db;
    this.#cacheKib = Math.max(1, Math.trunc(opts.cacheKib ?? SNAPSHOT_CACHE_KIB));
  }

  /** Id of the open snapshot, or null when none is open. */
  get snapshotId(): number | null {
    return this.#snapshotId;
  }

  get active(): boolean {
    return this.#snapshotId !== null;
  }

  begin(meta: SnapshotBeginMeta): number {
    if (this.#snapshotId !== null) throw new OperatorError('internal', 'A snapshot is already open on this writer.', { hint: 'Commit or roll back the open snapshot first.' });
    if (this.#db.inTransaction) {
      throw new OperatorError('store', 'Another sync is already writing to this database.', { hint: 'Wait for the running sync to finish, then try again.' });
    }
    this.#stmts ??= prepare(this.#db);
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      this.#savedCacheSize = this.#db.pragma('cache_size', { simple: true }) as number;
      this.#db.pragma(`cache_size = ${-this.#cacheKib}`);
    } catch (e) {
      this.#restoreCache();
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw new OperatorError('store', `Cannot start writing the snapshot: ${(e as Error).message}`, {
        hint: 'Another process may be writing to the same data folder; close it and try again.',
        cause: e,
      });
    }
    try {
      const info = this.#stmts.snapshot.run(
        meta.profileName,
        meta.tenantId,
        meta.graphBaseUrl ?? null,
        meta.startedAt,
        JSON.stringify([...meta.tokenRoles]),
      );
      this.#snapshotId = Number(info.lastInsertRowid);
      return this.#snapshotId;
    } catch (e) {
      this.#db.exec('ROLLBACK');
      this.#restoreCache();
      throw e;
    }
  }

  #restoreCache(): void {
    const saved = this.#savedCacheSize;
    this.#savedCacheSize = null;
    if (saved !== null && this.#db.open) this.#db.pragma(`cache_size = ${Math.trunc(saved)}`);
  }

  #open(): { id: number; s: ReturnType<typeof prepare> } {
    if (this.#snapshotId === null || this.#stmts === null || !this.#db.inTransaction) {
      throw new OperatorError('internal', 'No snapshot is open for writing.', { hint: 'This is a bug in the tool; please report it.' });
    }
    return { id: this.#snapshotId, s: this.#stmts };
  }

  insertSkus(rows: readonly SkuRow[]): void {
    const { id, s } = this.#open();
    for (const r of rows) {
      s.sku.run(id, r.skuId, r.skuPartNumber, r.capabilityStatus, r.appliesTo, r.consumedUnits, r.enabled, r.warning, r.suspended, r.lockedOut, JSON.stringify(r.subscriptionIds));
      for (const p of r.servicePlans) s.plan.run(id, r.skuId, p.servicePlanId, p.servicePlanName, p.provisioningStatus, p.appliesTo);
    }
  }

  insertUsers(rows: readonly UserRow[]): void {
    const { id, s } = this.#open();
    for (const u of rows) writeUser(s, id, u);
  }

  /**
   * Write a packed page (see packUser): its users, then its licences (user_licenses has no
   * foreign key to users, so only the rows stored matter, not their order).
   */
  insertUserPage(page: UserPage): void {
    const { id, s } = this.#open();
    const u = page.users;
    if (u.length % USER_PAGE_COLS !== 0 || page.licenses.length % LICENSE_PAGE_COLS !== 0) {
      throw new OperatorError('internal', 'A packed user page has a partial row.', { hint: 'This is a bug in the tool; please report it.' });
    }
    for (let i = 0; i < u.length; i += USER_PAGE_COLS) {
      s.user.run(id, u[i], u[i + 1], u[i + 2], u[i + 3], u[i + 4], u[i + 5], u[i + 6], u[i + 7], u[i + 8], u[i + 9]);
    }
    const l = page.licenses;
    for (let i = 0; i < l.length; i += LICENSE_PAGE_COLS) {
      s.userLicense.run(id, l[i], l[i + 1], l[i + 2], l[i + 3], l[i + 4], l[i + 5], l[i + 6], l[i + 7]);
    }
  }

  insertGroups(rows: readonly GroupRow[]): void {
    const { id, s } = this.#open();
    for (const g of rows) {
      s.group.run(id, g.id, g.displayName);
      for (const l of g.licenses) s.groupLicense.run(id, g.id, l.skuId, JSON.stringify(l.disabledPlans));
    }
  }

  insertSignInActivity(rows: readonly SignInActivityRow[]): void {
    const { id, s } = this.#open();
    for (const r of rows) s.signIn.run(id, r.userId, r.lastSignIn, r.lastNonInteractive, r.lastSuccessful);
  }

  insertActiveUserDetail(rows: readonly ActiveUserDetailRow[]): void {
    const { id, s } = this.#open();
    for (const r of rows) {
      s.activeUser.run(
        id, r.upn, r.displayName, bool(r.isDeleted),
        bool(r.hasExchangeLicense), bool(r.hasOneDriveLicense), bool(r.hasSharePointLicense), bool(r.hasTeamsLicense), bool(r.hasYammerLicense), bool(r.hasSkypeLicense),
        r.exchangeLastActivity, r.oneDriveLastActivity, r.sharePointLastActivity, r.teamsLastActivity, r.yammerLastActivity, r.skypeLastActivity,
        r.assignedProducts, r.reportRefreshDate, JSON.stringify(r.raw),
      );
    }
  }

  insertM365AppUserDetail(rows: readonly M365AppUserDetailRow[]): void {
    const { id, s } = this.#open();
    for (const r of rows) {
      s.appUser.run(id, r.upn, r.lastActivationDate, r.lastActivityDate, bool(r.windows), bool(r.mac), bool(r.mobile), bool(r.web), r.reportRefreshDate, JSON.stringify(r.raw));
    }
  }

  insertActivationsUserDetail(rows: readonly ActivationsUserDetailRow[]): void {
    const { id, s } = this.#open();
    for (const r of rows) {
      s.activation.run(
        id, r.upn, r.displayName, r.productType, r.lastActivatedDate,
        r.windows, r.mac, r.windows10Mobile, r.ios, r.android, bool(r.sharedComputer), r.reportRefreshDate, JSON.stringify(r.raw),
      );
    }
  }

  insertMailboxUsageDetail(rows: readonly MailboxUsageDetailRow[]): void {
    const { id, s } = this.#open();
    for (const r of rows) {
      s.mailbox.run(
        id, r.upn, r.displayName, bool(r.isDeleted), r.createdDate, r.lastActivityDate, r.itemCount,
        r.storageUsedBytes, r.prohibitSendReceiveBytes, bool(r.hasArchive), r.recipientType, r.reportRefreshDate, JSON.stringify(r.raw),
      );
    }
  }

  setReportSettings(row: ReportSettingsRow): void {
    const { id, s } = this.#open();
    s.reportSettings.run(id, row.displayConcealedNames ? 1 : 0);
  }

  /** Record (or replace) how a dataset went in this snapshot. */
  datasetRun(row: DatasetRunRow): void {
    const { id, s } = this.#open();
    s.datasetRun.run(
      id, row.dataset, row.status, row.reason ?? null, row.missingPermission ?? null,
      row.items, row.expected ?? null, row.startedAt ?? null, row.finishedAt ?? null,
    );
  }

  /** Remove the rows a dataset wrote so far (it was skipped after some pages). */
  discardDataset(dataset: DatasetId): void {
    const { id } = this.#open();
    for (const table of DATASET_TABLES[dataset]) this.#db.prepare(`DELETE FROM ${table} WHERE snapshot_id = ?`).run(id);
  }

  /** Mark the snapshot complete and COMMIT. Returns its id. */
  commit(meta: SnapshotFinalMeta): number {
    const { id, s } = this.#open();
    try {
      s.finish.run(meta.finishedAt, JSON.stringify([...meta.warnings]), meta.userCount, id);
      this.#db.exec('COMMIT');
      this.#restoreCache();
    } catch (e) {
      this.rollback();
      throw new OperatorError('store', `Cannot save the snapshot: ${(e as Error).message}`, {
        hint: 'Check the free disk space and the data folder permissions, then sync again. The previous snapshot is unchanged.',
        cause: e,
      });
    }
    this.#snapshotId = null;
    return id;
  }

  /** Discard everything written since begin(). Safe to call more than once. */
  rollback(): void {
    this.#snapshotId = null;
    if (this.#db.open && this.#db.inTransaction) this.#db.exec('ROLLBACK');
    this.#restoreCache();
  }
}

function writeUser(s: ReturnType<typeof prepare>, id: number, u: UserRow): void {
  s.user.run(id, u.id, u.upn, u.displayName, u.mail, bool(u.accountEnabled), u.userType, u.createdAt, u.department, u.jobTitle, u.usageLocation);
  for (const l of u.licenses) {
    s.userLicense.run(id, u.id, l.skuId, l.source, l.groupId, l.state, l.error, jsonList(l.disabledPlans), l.lastUpdated);
  }
}

function prepare(db: Db) {
  return {
    snapshot: db.prepare(
      `INSERT INTO snapshots (profile_name, tenant_id, graph_base_url, started_at, status, token_roles) VALUES (?, ?, ?, ?, 'running', ?)`,
    ),
    finish: db.prepare(`UPDATE snapshots SET status = 'complete', finished_at = ?, warnings = ?, user_count = ? WHERE id = ?`),
    datasetRun: db.prepare(
      `INSERT OR REPLACE INTO dataset_runs (snapshot_id, dataset, status, reason, missing_permission, items, expected, started_at, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    sku: db.prepare(
      `INSERT INTO skus (snapshot_id, sku_id, sku_part_number, capability_status, applies_to, consumed_units, enabled, warning, suspended, locked_out, subscription_ids)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    plan: db.prepare(
      `INSERT OR IGNORE INTO sku_service_plans (snapshot_id, sku_id, service_plan_id, service_plan_name, provisioning_status, applies_to) VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    user: db.prepare(
      `INSERT INTO users (snapshot_id, id, upn, display_name, mail, account_enabled, user_type, created_at, department, job_title, usage_location)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    userLicense: db.prepare(
      `INSERT INTO user_licenses (snapshot_id, user_id, sku_id, source, group_id, state, error, disabled_plans, last_updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    group: db.prepare(`INSERT INTO groups (snapshot_id, id, display_name) VALUES (?, ?, ?)`),
    groupLicense: db.prepare(`INSERT OR REPLACE INTO group_licenses (snapshot_id, group_id, sku_id, disabled_plans) VALUES (?, ?, ?, ?)`),
    signIn: db.prepare(
      `INSERT OR REPLACE INTO sign_in_activity (snapshot_id, user_id, last_sign_in, last_non_interactive, last_successful) VALUES (?, ?, ?, ?, ?)`,
    ),
    activeUser: db.prepare(
      `INSERT INTO report_active_user_detail (snapshot_id, upn, display_name, is_deleted,
         has_exchange_license, has_onedrive_license, has_sharepoint_license, has_teams_license, has_yammer_license, has_skype_license,
         exchange_last_activity, onedrive_last_activity, sharepoint_last_activity, teams_last_activity, yammer_last_activity, skype_last_activity,
         assigned_products, report_refresh_date, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    appUser: db.prepare(
      `INSERT INTO report_m365_app_user_detail (snapshot_id, upn, last_activation_date, last_activity_date, windows, mac, mobile, web, report_refresh_date, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    activation: db.prepare(
      `INSERT INTO report_activations_user_detail (snapshot_id, upn, display_name, product_type, last_activated_date,
         windows, mac, windows10_mobile, ios, android, shared_computer, report_refresh_date, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    mailbox: db.prepare(
      `INSERT INTO report_mailbox_usage_detail (snapshot_id, upn, display_name, is_deleted, created_date, last_activity_date, item_count,
         storage_used_bytes, prohibit_send_receive_bytes, has_archive, recipient_type, report_refresh_date, raw)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    reportSettings: db.prepare(`INSERT OR REPLACE INTO report_settings (snapshot_id, display_concealed_names) VALUES (?, ?)`),
  };
}
