/**
 * The reconciliation engine: every finding of a snapshot, with its evidence.
 *
 * Cost: about one scan. Each per-user table is read once, in an order an index gives for free
 * (sign-ins by user id, usage reports by UPN, users and licences in stored order), a chunk of
 * rows at a time, plus a few small queries (SKUs, plans, groups, samples of the reports). No
 * per-user query is made, no lookup lands far from the previous one, and no temporary b-tree
 * is built; the memory kept per user is a few bytes, plus the dates of candidate users when
 * items are kept.
 */
import type { Finding, FindingItem, FindingKind, FindingsReport, ReconSettings } from '../../shared/recon';
import { builtinCatalog } from '../catalog/builtin';
import type { Catalog } from '../catalog/catalog';
import type { Db } from '../store/db';
import { datasetRuns, getSnapshot, type DatasetRunInfo } from '../store/queries';
import { OperatorError } from '../errors/operator-error';
import { hasWorkload, isSuite, mailboxDowngrade, overlapTable, type SkuPlans } from './plans';
import { lastSuccessfulSignIn, MAY_INCLUDE_FAILED, signInTime } from './sign-in';
import { upnMatcher } from './settings';
import { asText, ChunkReader, RangeCursor } from './chunk-reader';
import { FindingItemSpool } from './item-spool';
import { newestActivity, readUserFacts, REPORT_EXCHANGE, REPORT_IN, REPORT_OTHER, REPORT_SHARED, SIGN_IN_ATTEMPT, SIGN_IN_BEFORE_CUTOFF, SIGN_IN_KIND, SIGN_IN_NEVER, SIGN_IN_NONE, SIGN_IN_SUCCESSFUL } from './user-facts';
import { withPassCache } from './pass-cache';

const DAY = 86_400_000;

export interface FindingsOptions {
  settings: ReconSettings;
  /** The date the rules judge against (default: when the snapshot finished). */
  asOf?: Date;
  /** Keep at most this many items per finding in memory (counts stay complete). */
  itemLimit?: number;
  catalog?: Catalog;
  /** Also write every item here (for exports of any size: memory stays flat). */
  spool?: FindingItemSpool;
}

interface SkuInfoRow {
  skuId: string;
  partNumber: string;
  capabilityStatus: string | null;
  enabled: number;
  warning: number;
  suspended: number;
  lockedOut: number;
  consumed: number;
}

/** A user as the pass reads it (text, as ChunkReader gives it). */
type UserRow = [rowid: string, id: string, upn: string | null, displayName: string | null, accountEnabled: string | null, userType: string | null, created: string | null];

/** A user's dates in the usage reports: Exchange, OneDrive, SharePoint, Teams, Microsoft 365 Apps, activation. */

/** A user_licenses row as the pass reads it: source 'group' as '1', disabled plans only when some. */
type LicenceRow = [userId: string, skuId: string, group: string, groupId: string | null, error: string | null, state: string | null, disabledPlans: string | null];

interface Licence {
  skuId: string;
  source: 'direct' | 'group';
  groupId: string | null;
  ok: boolean;
  error: string | null;
  state: string | null;
  disabledPlans: string;
}

/** What the findings ask of a SKU, worked out once per SKU rather than once per holder. */
interface SkuFacts {
  excluded: boolean;
  /** Carries a plan whose use the activity reports show. */
  workload: boolean;
  /** The mailbox-only SKU to move to when the SKU is a suite, else null. */
  downgradeTo: string | null;
}

const HEX32 = /^[0-9a-f]{32}$/i;
/** Treat both null and "None" (and empty) as success (licenseAssignmentState.error). */
export function isAssignmentError(error: string | null | undefined): boolean {
  return error !== null && error !== undefined && error !== '' && error !== 'None' && error.toLowerCase() !== 'none';
}

class FindingBuilder {
  count = 0;
  excluded = 0;
  /** Distinct users: the pass visits each user once, so counting changes of user is enough. */
  users = 0;
  private lastUser: string | null = null;
  readonly items: FindingItem[] = [];
  readonly notes: string[] = [];
  reduced = false;
  constructor(
    readonly kind: FindingKind,
    readonly limit: number,
    private readonly spool: FindingItemSpool | null,
  ) {}
  /** Counts one item (of a user, or of none); true while the item limit or the spool wants the item built. */
  hit(userId: string | null): boolean {
    this.count += 1;
    if (userId !== null && userId !== this.lastUser) {
      this.lastUser = userId;
      this.users += 1;
    }
    return this.spool !== null || this.items.length < this.limit;
  }
  /** Keeps a built item: in the spool (every item), and in memory while the limit allows. */
  keep(item: FindingItem): void {
    this.spool?.put(this.kind, item);
    if (this.items.length < this.limit) this.items.push(item);
  }
  /** Counts an item that is about no single user, and keeps it while the limit allows. */
  add(item: FindingItem): void {
    if (this.hit(null)) this.keep(item);
  }
}

/**
 * The findings with every item in a spool (memory stays flat for exports of any size) and none
 * in the report. The pass reads in one transaction, so every table is read as of one moment.
 * The caller disposes of the spool.
 */
export function computeFindingsSpooled(db: Db, snapshotId: number, opts: Omit<FindingsOptions, 'spool' | 'itemLimit'>): { report: FindingsReport; items: FindingItemSpool } {
  const items = new FindingItemSpool(db);
  try {
    const report = withPassCache(db, () => db.transaction(() => computeFindings(db, snapshotId, { ...opts, spool: items, itemLimit: 0 }))());
    return { report, items };
  } catch (e) {
    items.dispose();
    throw e;
  }
}

export function computeFindings(db: Db, snapshotId: number, opts: FindingsOptions): FindingsReport {
  const snapshot = getSnapshot(db, snapshotId);
  if (!snapshot) throw new OperatorError('bad-input', `Snapshot ${snapshotId} does not exist.`, { hint: 'Pick one of the profile\'s snapshots.' });
  const settings = opts.settings;
  const catalog = opts.catalog ?? builtinCatalog();
  const spool = opts.spool ?? null;
  const limit = opts.itemLimit ?? (spool ? 0 : Number.MAX_SAFE_INTEGER);
  const asOfMs = opts.asOf ? opts.asOf.getTime() : Date.parse(snapshot.finishedAt);
  const asOf = new Date(asOfMs).toISOString();
  const runs = new Map<string, DatasetRunInfo>(datasetRuns(db, snapshotId).map((r) => [r.dataset, r]));
  const ok = (d: string): boolean => runs.get(d)?.status === 'ok';
  const runNote = (d: string, what: string): string => {
    const r = runs.get(d);
    const why = r ? (r.missingPermission ? `missing permission ${r.missingPermission}` : (r.reason ?? r.status)) : 'not synced';
    return `${what} unavailable (${d}: ${why}).`;
  };
  const globalNotes: string[] = [];

  // --- SKUs and their user-assignable plans -------------------------------------------
  const skuRows = db
    .prepare(
      `SELECT sku_id AS skuId, sku_part_number AS partNumber, capability_status AS capabilityStatus, enabled, warning, suspended,
              locked_out AS lockedOut, consumed_units AS consumed FROM skus WHERE snapshot_id = ? ORDER BY sku_part_number`,
    )
    .all(snapshotId) as SkuInfoRow[];
  const planRows = db
    .prepare(`SELECT sku_id AS skuId, service_plan_id AS id, service_plan_name AS name, applies_to AS appliesTo FROM sku_service_plans WHERE snapshot_id = ?`)
    .all(snapshotId) as { skuId: string; id: string; name: string | null; appliesTo: string | null }[];
  const partOf = new Map<string, string>(skuRows.map((s) => [s.skuId, s.partNumber]));
  const plans = new Map<string, SkuPlans>();
  for (const s of skuRows) plans.set(s.skuId, { skuId: s.skuId, partNumber: s.partNumber, userPlans: new Map() });
  for (const p of planRows) {
    if (p.appliesTo !== null && p.appliesTo.toLowerCase() === 'company') continue;
    (plans.get(p.skuId)?.userPlans as Map<string, string> | undefined)?.set(p.id, p.name ?? p.id);
  }
  /** Plans of a SKU the snapshot does not describe: the catalogue's (appliesTo unknown there). */
  const plansOf = (skuId: string): SkuPlans | undefined => {
    let p = plans.get(skuId);
    if (!p) {
      const c = catalog.skuById(skuId);
      if (!c) return undefined;
      p = { skuId, partNumber: c.skuPartNumber, userPlans: new Map(c.servicePlans.map((x) => [x.servicePlanId, x.servicePlanName])) };
      plans.set(skuId, p);
      partOf.set(skuId, c.skuPartNumber);
    }
    return p;
  };
  const names = new Map<string, { part: string | null; product: string | null }>();
  const nameOf = (skuId: string): { part: string | null; product: string | null } => {
    let n = names.get(skuId);
    if (!n) {
      const part = partOf.get(skuId) ?? catalog.skuById(skuId)?.skuPartNumber ?? null;
      const l = catalog.lookupSku(skuId, part ?? '');
      n = { part, product: l.known ? l.displayName : part };
      names.set(skuId, n);
    }
    return n;
  };
  const partNumber = (skuId: string): string | null => nameOf(skuId).part;
  const product = (skuId: string): string | null => nameOf(skuId).product;
  const overlaps = overlapTable([...plans.values()]);

  // Exclusions and buffers match part numbers or ids, case-insensitively.
  const refs = (list: readonly string[]): Set<string> => new Set(list.map((x) => x.toLowerCase()));
  const excludedRefs = refs(settings.excludedSkus);
  const excludedCache = new Map<string, boolean>();
  const skuExcluded = (skuId: string): boolean => {
    let v = excludedCache.get(skuId);
    if (v === undefined) {
      v = excludedRefs.has(skuId.toLowerCase()) || excludedRefs.has((partNumber(skuId) ?? '').toLowerCase());
      excludedCache.set(skuId, v);
    }
    return v;
  };
  const bufferOf = (skuId: string): number => {
    for (const [k, v] of Object.entries(settings.seatBuffers)) {
      if (k.toLowerCase() === skuId.toLowerCase() || k.toLowerCase() === (partNumber(skuId) ?? '').toLowerCase()) return v;
    }
    return 0;
  };

  // --- Groups --------------------------------------------------------------------------
  const groupNames = new Map<string, string | null>(
    (db.prepare('SELECT id, display_name AS name FROM groups WHERE snapshot_id = ?').all(snapshotId) as { id: string; name: string | null }[]).map((g) => [g.id, g.name]),
  );
  const excludedGroupRefs = refs(settings.excludedGroups);
  const groupExcluded = (groupId: string | null): boolean =>
    groupId !== null && (excludedGroupRefs.has(groupId.toLowerCase()) || excludedGroupRefs.has((groupNames.get(groupId) ?? '').toLowerCase()));
  const upnExcluded = upnMatcher(settings.excludedUpnPatterns);

  // --- Reports: available, refresh dates, concealed names ----------------------------------
  const reportTables = {
    'report.activeUserDetail': 'report_active_user_detail',
    'report.m365AppUserDetail': 'report_m365_app_user_detail',
    'report.activationsUserDetail': 'report_activations_user_detail',
    'report.mailboxUsageDetail': 'report_mailbox_usage_detail',
  } as const;
  const refresh = new Map<string, string | null>();
  let concealedInReport = false;
  for (const [dataset, table] of Object.entries(reportTables)) {
    if (!ok(dataset)) continue;
    const r = db.prepare(`SELECT max(report_refresh_date) AS d FROM (SELECT report_refresh_date FROM ${table} WHERE snapshot_id = ? LIMIT 1000)`).get(snapshotId) as { d: string | null };
    refresh.set(dataset, r.d);
    // Concealed names are 32-hex hashes, and then almost no report UPN matches a user.
    const sample = db
      .prepare(
        `SELECT r.upn, EXISTS (SELECT 1 FROM users u WHERE u.snapshot_id = r.snapshot_id AND u.upn = r.upn COLLATE NOCASE) AS matched
         FROM ${table} r WHERE r.snapshot_id = ? LIMIT 500`,
      )
      .all(snapshotId) as { upn: string; matched: number }[];
    if (sample.length >= 5) {
      const hex = sample.filter((x) => HEX32.test(x.upn)).length;
      const matched = sample.filter((x) => x.matched === 1).length;
      if (hex / sample.length >= 0.9 && matched / sample.length <= 0.05) concealedInReport = true;
    }
  }
  const settingRow = ok('reportSettings')
    ? (db.prepare('SELECT display_concealed_names AS c FROM report_settings WHERE snapshot_id = ?').get(snapshotId) as { c: number } | undefined)
    : undefined;
  const concealedBySetting = settingRow?.c === 1;
  const concealed = concealedBySetting || concealedInReport;
  const usageOk = ok('report.activeUserDetail') && !concealed;
  const appsOk = ok('report.m365AppUserDetail') && !concealed;
  const activationsOk = ok('report.activationsUserDetail') && !concealed;
  const mailboxOk = ok('report.mailboxUsageDetail') && !concealed;
  const signInsOk = ok('signInActivity');
  const usersOk = ok('users');
  if (!usersOk) globalNotes.push(runNote('users', 'Users and their licences'));

  // --- Builders ------------------------------------------------------------------------------
  const kinds = ['seat-position', 'disabled-accounts', 'inactive-users', 'never-signed-in', 'no-use', 'mailbox-only', 'overlap', 'duplicate-assignment', 'guests', 'assignment-errors', 'concealed-names', 'disabled-plans'] as const;
  const newBuilders = (): Record<FindingKind, FindingBuilder> => Object.fromEntries(kinds.map((k) => [k, new FindingBuilder(k, limit, spool)])) as Record<FindingKind, FindingBuilder>;
  let b = newBuilders();

  // --- The pass over licensed users --------------------------------------------------------------
  // Three reads, each in an order an index gives for free, so that every lookup lands next to the
  // previous one (no random seeks, no temporary b-tree):
  //  1. sign-ins in user id order (the users' primary key beside sign_in_activity's);
  //  2. the usage reports in UPN order (users_by_upn beside the reports' UPN indexes);
  //  3. users and their licences in stored order, where every finding is judged.
  // 1 and 2 (user-facts.ts) leave what the judging needs in arrays indexed by the user's rowid.
  const cutoff = asOfMs - settings.inactiveDays * DAY;
  const refreshDate = refresh.get('report.activeUserDetail') ?? null;
  const usageFrom = refreshDate ? dayMinus(refreshDate, settings.usageDays) : null;
  const keepText = limit > 0 || spool !== null;
  let attemptBased = 0;
  let reportBased = 0;
  let errorGroups = new Map<string, number>();

  const skuFacts = new Map<string, SkuFacts>();
  const factsOf = (skuId: string): SkuFacts => {
    let f = skuFacts.get(skuId);
    if (!f) {
      const p = plansOf(skuId);
      f = { excluded: skuExcluded(skuId), workload: p !== undefined && hasWorkload(p), downgradeTo: p !== undefined && isSuite(p) ? mailboxDowngrade(p) : null };
      skuFacts.set(skuId, f);
    }
    return f;
  };

  const range = db.prepare('SELECT min(rowid) AS lo, max(rowid) AS hi FROM users WHERE snapshot_id = ?').get(snapshotId) as { lo: number | null; hi: number | null };
  const lo = range.lo ?? 0;
  const span = range.hi === null ? 0 : range.hi - lo + 1;
  const { signInKind, report, newestAt, signInTextOf, datesOf } = readUserFacts(db, {
    snapshotId, lo, span, cutoff, usageFrom, keepText,
    signIns: signInsOk, usage: usageOk, apps: appsOk, activations: activationsOk,
    sharedMailboxes: mailboxOk && settings.excludeSharedMailboxes,
  });

  const item = (u: UserRow, skuId: string, reclaimable: boolean, facts: FindingItem['facts']): FindingItem => ({
    userId: u[1],
    upn: u[2],
    displayName: u[3],
    skuId,
    partNumber: partNumber(skuId),
    product: product(skuId),
    reclaimable,
    facts,
  });
  /** One item per paid SKU of the user, or the user counted as excluded; facts are built only for kept items. */
  const perSku = (kind: FindingKind, u: UserRow, paid: readonly Licence[], accountExcluded: boolean, reclaimable: boolean, facts: () => FindingItem['facts']): void => {
    if (paid.length === 0) return;
    const f = b[kind];
    if (accountExcluded) {
      f.excluded += paid.length;
      return;
    }
    let shared: FindingItem['facts'] | undefined;
    for (const l of paid) if (f.hit(u[1])) f.keep(item(u, l.skuId, reclaimable, (shared ??= facts())));
  };

  /** Every user finding of one licensed user. */
  const visit = (u: UserRow, lic: readonly Licence[]): void => {
    const id = u[1];
    const off = Number(u[0]) - lo;
    const rep = report[off] ?? 0;
    const held: Licence[] = [];
    for (const l of lic) {
      if (l.ok && !held.some((h) => h.skuId === l.skuId)) held.push(l);
    }
    const accountExcluded = upnExcluded(u[2]) || (excludedGroupRefs.size > 0 && lic.some((l) => groupExcluded(l.groupId))) || (rep & REPORT_SHARED) !== 0;
    const paid = held.filter((l) => !factsOf(l.skuId).excluded);

    // 7. Assignment errors (failed assignments are not seats).
    for (const l of lic) {
      if (l.ok) continue;
      if (accountExcluded || skuExcluded(l.skuId)) {
        b['assignment-errors'].excluded += 1;
        continue;
      }
      const group = l.groupId ? (groupNames.get(l.groupId) ?? l.groupId) : null;
      if (l.groupId) errorGroups.set(`${group}\u0000${l.error}`, (errorGroups.get(`${group}\u0000${l.error}`) ?? 0) + 1);
      if (b['assignment-errors'].hit(id)) b['assignment-errors'].keep(item(u, l.skuId, false, { error: l.error, state: l.state, source: l.source, groupId: l.groupId, group }));
    }
    if (paid.length === 0 && held.length > 0) {
      // Only free, device or service SKUs: left out of every user finding.
      return;
    }

    // 2. Disabled accounts (blocked sign-in is accountEnabled false).
    const enabled = u[4] !== '0';
    if (!enabled) perSku('disabled-accounts', u, paid, accountExcluded, true, () => ({ accountEnabled: false }));

    // 3. Inactive and never signed in (enabled accounts; new accounts get their grace period).
    const createdMs = signInTime(u[6]);
    const recent = createdMs !== null && createdMs > cutoff;
    const inReport = usageOk && (rep & REPORT_IN) !== 0;
    if (enabled && !recent) {
      const kind = (signInKind[off] ?? SIGN_IN_NONE) & SIGN_IN_KIND;
      if (signInsOk && kind !== SIGN_IN_NONE) {
        const text = (): [string | null, string | null, string | null] => signInTextOf(id);
        if (kind === SIGN_IN_NEVER) {
          perSku('never-signed-in', u, paid, accountExcluded, true, () => {
            const [si, , ss] = text();
            return { createdDateTime: u[6], lastSignInDateTime: si, lastSuccessfulSignInDateTime: ss };
          });
        } else {
          if (((signInKind[off] ?? 0) & SIGN_IN_BEFORE_CUTOFF) !== 0) {
            if (kind === SIGN_IN_ATTEMPT && !accountExcluded) attemptBased += 1;
            perSku('inactive-users', u, paid, accountExcluded, true, () => {
              const [si, sn, ss] = text();
              const fact = lastSuccessfulSignIn({ lastSignIn: si, lastNonInteractive: sn, lastSuccessful: ss });
              const at = fact.kind === 'never' ? asOfMs : fact.at;
              return {
                lastSuccessfulSignIn: fact.kind === 'never' ? null : fact.iso,
                basis: kind === SIGN_IN_SUCCESSFUL ? 'lastSuccessfulSignInDateTime' : `newest attempt (${MAY_INCLUDE_FAILED})`,
                lastSignInDateTime: si,
                lastNonInteractiveSignInDateTime: sn,
                daysSince: Math.floor((asOfMs - at) / DAY),
              };
            });
          }
        }
      } else if (!signInsOk && inReport) {
        const at = newestAt?.[off] ?? Number.NaN;
        if (Number.isNaN(at) || at < cutoff) {
          if (!accountExcluded) reportBased += 1;
          perSku('inactive-users', u, paid, accountExcluded, true, () => ({ lastActivity: newestActivity(...datesOf(off, u[2]).slice(0, 5)), basis: 'newest activity date in the usage reports' }));
        }
      }
    }

    // 4. No use of what the SKU is for; mailbox-only users on a suite SKU.
    if (enabled && !recent && inReport && (rep & REPORT_OTHER) === 0) {
      const facts = (): FindingItem['facts'] => {
        const [exchange, oneDrive, sharePoint, teams, apps, activation] = datesOf(off, u[2]);
        return { exchange, oneDrive, sharePoint, teams, apps, activation };
      };
      if ((rep & REPORT_EXCHANGE) === 0) {
        const f = b['no-use'];
        for (const l of paid) {
          if (!factsOf(l.skuId).workload) continue;
          if (accountExcluded) f.excluded += 1;
          else if (f.hit(id)) f.keep(item(u, l.skuId, true, facts()));
        }
      } else {
        const f = b['mailbox-only'];
        for (const l of paid) {
          const downgradeTo = factsOf(l.skuId).downgradeTo;
          if (downgradeTo === null) continue;
          if (accountExcluded) f.excluded += 1;
          else if (f.hit(id)) f.keep(item(u, l.skuId, false, { ...facts(), downgradeTo }));
        }
      }
    }

    // 5. Overlap (one SKU's user plans inside another's) and duplicates (direct and group).
    if (paid.length > 1) {
      for (const l of paid) {
        const over = overlaps.get(l.skuId);
        if (!over) continue;
        const by = paid.find((o) => o.skuId !== l.skuId && over.has(o.skuId));
        if (!by) continue;
        if (accountExcluded) b.overlap.excluded += 1;
        else if (b.overlap.hit(id)) b.overlap.keep(item(u, l.skuId, true, { coveredBy: partNumber(by.skuId) ?? by.skuId, coveredBySkuId: by.skuId }));
      }
    }
    if (lic.length > 1) {
      for (const l of paid) {
        const direct = lic.some((x) => x.ok && x.skuId === l.skuId && x.source === 'direct');
        const groups = lic.filter((x) => x.ok && x.skuId === l.skuId && x.source === 'group');
        if (!direct || groups.length === 0) continue;
        const f = b['duplicate-assignment'];
        if (accountExcluded) f.excluded += 1;
        else if (f.hit(id)) f.keep(item(u, l.skuId, false, { groups: groups.map((g) => (g.groupId ? (groupNames.get(g.groupId) ?? g.groupId) : '')).join('; ') }));
      }
    }

    // 6. Licensed guests and external users.
    const upn = u[2];
    if (u[5]?.toLowerCase() === 'guest' || (upn !== null && upn.includes('#') && upn.toUpperCase().includes('#EXT#'))) {
      perSku('guests', u, paid, accountExcluded, false, () => ({ userType: u[5] }));
    }

    // 9. Disabled service plans on a paid SKU.
    if (lic.some((x) => x.disabledPlans !== '[]')) {
      for (const l of paid) {
        const disabled = new Set<string>();
        for (const x of lic) if (x.ok && x.skuId === l.skuId) for (const p of parsePlans(x.disabledPlans)) disabled.add(p);
        if (disabled.size === 0) continue;
        const f = b['disabled-plans'];
        if (accountExcluded) {
          f.excluded += 1;
          continue;
        }
        if (!f.hit(id)) continue;
        const planNames = plansOf(l.skuId)?.userPlans;
        f.keep(item(u, l.skuId, false, { disabledPlans: [...disabled].map((p) => planNames?.get(p) ?? catalog.lookupPlan(p).servicePlanName ?? p).join('; '), count: disabled.size }));
      }
    }
  };

  // 3. Users and licences. Users come in stored order (a range of rowids read in sequence); the
  // licence rows too, matched in step (the sync stores a user's licences with the user, in the
  // users' order), so no per-user query is made. A licence row left over at the end is either a
  // licence stored out of step, and then the pass runs again with a per-user lookup, or a row of a
  // user the snapshot does not hold, which the findings ignore.
  const userRows = new ChunkReader(
    db,
    `SELECT u.rowid AS rid, u.id AS id, u.upn AS upn, ${keepText ? 'u.display_name' : 'NULL'} AS dn, u.account_enabled AS en, u.user_type AS ut, u.created_at AS created
     FROM users u WHERE u.rowid BETWEEN :a AND :b AND +u.snapshot_id = :snapshot ORDER BY u.rowid`,
    ['rid', 'id', 'upn', 'dn', 'en', 'ut', 'created'],
  );
  // A licence as the pass reads it: source as 1 for group, and no disabled plans as NULL.
  const LICENCE_COLS = ['user_id', 'sku_id', "source = 'group'", 'group_id', 'error', 'state', "NULLIF(disabled_plans, '[]')"];
  /** Returns false when the licences were out of step. */
  const runPass = (streaming: boolean): boolean => {
    b = newBuilders();
    spool?.clear();
    attemptBased = 0;
    reportBased = 0;
    errorGroups = new Map();
    const users = new RangeCursor(userRows, { snapshot: snapshotId }, lo, lo + span - 1);
    if (!streaming) {
      const licencesOf = db.prepare(`SELECT ${LICENCE_COLS.join(', ')} FROM user_licenses WHERE snapshot_id = ? AND user_id = ? ORDER BY rowid`).raw(true);
      for (let u = users.peek() as UserRow | undefined; u !== undefined; users.advance(), u = users.peek() as UserRow | undefined) {
        const rows = licencesOf.all(snapshotId, u[1]) as unknown[][];
        if (rows.length > 0) visit(u, rows.map((r) => toLicence(r.map(asText) as LicenceRow)));
      }
      return true;
    }
    const licRange = db.prepare('SELECT min(rowid) AS lo, max(rowid) AS hi FROM user_licenses WHERE snapshot_id = ?').get(snapshotId) as { lo: number | null; hi: number | null };
    const licReader = new ChunkReader(
      db,
      'SELECT user_id, sku_id, source, group_id, error, state, disabled_plans FROM user_licenses WHERE rowid BETWEEN :a AND :b AND +snapshot_id = :snapshot ORDER BY rowid',
      LICENCE_COLS,
    );
    const licences = new RangeCursor(licReader, { snapshot: snapshotId }, licRange.lo ?? 0, licRange.hi ?? -1);
    for (let u = users.peek() as UserRow | undefined; u !== undefined; users.advance(), u = users.peek() as UserRow | undefined) {
      let l = licences.peek() as LicenceRow | undefined;
      if (l === undefined || l[0] !== u[1]) continue; // unlicensed (or out of step)
      const lic: Licence[] = [];
      do {
        lic.push(toLicence(l));
        licences.advance();
        l = licences.peek() as LicenceRow | undefined;
      } while (l !== undefined && l[0] === u[1]);
      visit(u, lic);
    }
    const known = db.prepare('SELECT 1 FROM users WHERE snapshot_id = ? AND id = ?').pluck();
    for (let l = licences.peek(); l !== undefined; licences.advance(), l = licences.peek()) if (known.get(snapshotId, l[0]) !== undefined) return false;
    return true;
  };
  if (!runPass(true)) runPass(false);

  // --- 1. Seat position per SKU ----------------------------------------------------------------
  for (const s of skuRows) {
    const usable = s.enabled + s.warning;
    const available = usable - s.consumed;
    const base = { userId: null, upn: null, displayName: null, skuId: s.skuId, partNumber: s.partNumber, product: product(s.skuId) };
    const facts = { capabilityStatus: s.capabilityStatus, enabled: s.enabled, warning: s.warning, suspended: s.suspended, lockedOut: s.lockedOut, consumed: s.consumed, usable };
    if (s.consumed > usable) b['seat-position'].add({ ...base, reclaimable: false, facts: { ...facts, issue: 'over-assigned', overBy: s.consumed - usable } });
    if (s.suspended > 0 || s.lockedOut > 0 || s.capabilityStatus === 'Suspended' || s.capabilityStatus === 'LockedOut') {
      b['seat-position'].add({ ...base, reclaimable: false, facts: { ...facts, issue: 'suspended' } });
    }
    if (s.warning > 0 || s.capabilityStatus === 'Warning') b['seat-position'].add({ ...base, reclaimable: false, facts: { ...facts, issue: 'warning', graceSeats: s.warning } });
    if (available > 0) {
      const buffer = bufferOf(s.skuId);
      if (skuExcluded(s.skuId)) b['seat-position'].excluded += 1;
      else if (available > buffer) b['seat-position'].add({ ...base, reclaimable: true, facts: { ...facts, issue: 'unassigned', available, buffer, beyondBuffer: available - buffer } });
    }
  }

  // --- Notes and evidence ------------------------------------------------------------------------
  const snapshotTime = snapshot.finishedAt;
  const src = (dataset: string, fields: string[]): Finding['evidence']['sources'][number] => ({
    dataset,
    fields,
    status: runs.get(dataset)?.status ?? 'absent',
    reportRefreshDate: refresh.get(dataset) ?? null,
  });
  const usersSrc = src('users', ['accountEnabled', 'userType', 'createdDateTime', 'licenseAssignmentStates']);
  const concealNote =
    'Usage reports show concealed names (32-character hashes), so their rows cannot be matched to users and are never joined. ' +
    'The setting is "Display concealed user, group, and site names in all reports" in the Microsoft 365 admin center, ' +
    'Settings > Org settings > Services > Reports; a Global Administrator (or Reports Administrator) can change it.';
  if (concealed) {
    b['concealed-names'].add({ userId: null, upn: null, displayName: null, skuId: null, partNumber: null, product: null, reclaimable: false, facts: { reportSettings: settingRow ? settingRow.c === 1 : null, detectedInReport: concealedInReport } });
    b['concealed-names'].notes.push(concealNote);
    if (!settingRow) b['concealed-names'].notes.push(`Detected from the report itself: the report privacy setting could not be read (${runNote('reportSettings', 'reportSettings').replace(/\.$/, '')}).`);
    for (const k of ['no-use', 'mailbox-only'] as const) {
      b[k].reduced = true;
      b[k].notes.push('Reduced confidence: concealed report names; report rows were not matched to users.');
    }
    globalNotes.push('Concealed report names: usage findings are reduced-confidence.');
  } else if (!settingRow && ok('report.activeUserDetail')) {
    b['concealed-names'].notes.push('The report privacy setting could not be read; the report itself shows real names.');
  }
  if (!ok('report.activeUserDetail')) {
    for (const k of ['no-use', 'mailbox-only'] as const) {
      b[k].reduced = true;
      b[k].notes.push(runNote('report.activeUserDetail', 'Usage reports'));
    }
  }
  if (!signInsOk) {
    for (const k of ['inactive-users', 'never-signed-in'] as const) {
      b[k].reduced = true;
      b[k].notes.push(runNote('signInActivity', 'Sign-in data'));
    }
    b['inactive-users'].notes.push(
      usageOk ? `Judged from the newest activity date in the usage reports instead (${reportBased} users).` : 'Without sign-ins or usage reports, inactivity cannot be judged.',
    );
  }
  if (attemptBased > 0) b['inactive-users'].notes.push(`${attemptBased} users have no lastSuccessfulSignInDateTime; their dates are sign-in attempts and ${MAY_INCLUDE_FAILED}.`);
  if (!ok('groups')) b['assignment-errors'].notes.push(runNote('groups', 'Group names'));
  for (const [k, n] of [...errorGroups].sort((x, y) => y[1] - x[1])) {
    const [group, error] = k.split('\u0000');
    b['assignment-errors'].notes.push(`Group "${group}": ${n} members in ${error}.`);
  }
  if (!ok('subscribedSkus')) {
    b['seat-position'].reduced = true;
    b['seat-position'].notes.push(runNote('subscribedSkus', 'Subscriptions'));
  }
  if (!usersOk) for (const k of Object.keys(b) as FindingKind[]) if (k !== 'seat-position' && k !== 'concealed-names') (b[k].reduced = true);

  const spec: Record<FindingKind, { title: string; rule: string; threshold: string | null; sources: Finding['evidence']['sources'] }> = {
    'seat-position': {
      title: 'Seat position per SKU',
      rule: 'Usable = enabled + warning; over-assigned when consumed > usable; suspended or locked-out seats; warning (grace period); unassigned = usable - consumed beyond the buffer',
      threshold: 'buffer per SKU (default 0)',
      sources: [src('subscribedSkus', ['prepaidUnits.enabled', 'prepaidUnits.warning', 'prepaidUnits.suspended', 'prepaidUnits.lockedOut', 'consumedUnits', 'capabilityStatus'])],
    },
    'disabled-accounts': { title: 'Licences held by disabled accounts', rule: 'accountEnabled is false (includes blocked sign-in)', threshold: null, sources: [usersSrc] },
    'inactive-users': {
      title: 'Inactive licensed users',
      rule: 'Last successful sign-in older than the threshold; users created more recently are never inactive',
      threshold: `${settings.inactiveDays} days before ${asOf.slice(0, 10)}`,
      sources: [usersSrc, src('signInActivity', ['lastSuccessfulSignInDateTime', 'lastSignInDateTime', 'lastNonInteractiveSignInDateTime'])],
    },
    'never-signed-in': {
      title: 'Licensed users who never signed in',
      rule: 'No sign-in recorded (empty or 0001-01-01T00:00:00Z), created before the threshold',
      threshold: `${settings.inactiveDays} days`,
      sources: [usersSrc, src('signInActivity', ['lastSuccessfulSignInDateTime', 'lastSignInDateTime', 'lastNonInteractiveSignInDateTime'])],
    },
    'no-use': {
      title: 'No use of what the SKU is for',
      rule: 'No Exchange, OneDrive, SharePoint or Teams activity and no Microsoft 365 Apps use or activation in the period',
      threshold: `${settings.usageDays} days before the report refresh date`,
      sources: [usersSrc, src('report.activeUserDetail', ['Exchange/OneDrive/SharePoint/Teams Last Activity Date']), src('report.m365AppUserDetail', ['Last Activity Date']), src('report.activationsUserDetail', ['Last Activated Date'])],
    },
    'mailbox-only': {
      title: 'Mailbox-only users on a suite SKU (downgrade candidates)',
      rule: 'Exchange activity only, on a SKU with Exchange, SharePoint and the Microsoft 365 Apps',
      threshold: `${settings.usageDays} days before the report refresh date`,
      sources: [usersSrc, src('report.activeUserDetail', ['Exchange/OneDrive/SharePoint/Teams Last Activity Date']), src('report.m365AppUserDetail', ['Last Activity Date'])],
    },
    overlap: {
      title: 'Overlapping SKUs',
      rule: "A held SKU's user-assignable service plans are all within another held SKU's (plans that apply to the company are left out)",
      threshold: null,
      sources: [usersSrc, src('subscribedSkus', ['servicePlans.servicePlanId', 'servicePlans.appliesTo'])],
    },
    'duplicate-assignment': { title: 'The same SKU direct and through a group', rule: 'licenseAssignmentStates holds the SKU with and without assignedByGroup', threshold: null, sources: [usersSrc, src('groups', ['displayName'])] },
    guests: { title: 'Licensed guests and external users', rule: 'userType Guest or #EXT# in the user principal name', threshold: null, sources: [usersSrc] },
    'assignment-errors': {
      title: 'Licence assignment errors',
      rule: 'licenseAssignmentStates.error other than null or "None"',
      threshold: null,
      sources: [usersSrc, src('groups', ['displayName'])],
    },
    'concealed-names': {
      title: 'Concealed names in usage reports',
      rule: 'reportSettings.displayConcealedNames, or report UPNs that are 32-character hex hashes matching almost no user',
      threshold: '90% hashed and at most 5% matching in a sample',
      sources: [src('reportSettings', ['displayConcealedNames']), src('report.activeUserDetail', ['User Principal Name'])],
    },
    'disabled-plans': { title: 'Disabled service plans on paid SKUs', rule: 'licenseAssignmentStates.disabledPlans is not empty', threshold: null, sources: [usersSrc, src('subscribedSkus', ['servicePlans.servicePlanName'])] },
  };

  const findings: Finding[] = (Object.keys(b) as FindingKind[]).map((kind) => {
    const f = b[kind];
    const s = spec[kind];
    if (f.excluded > 0) f.notes.push(`${f.excluded} rows left out by the exclusions.`);
    return {
      id: `${kind}@${snapshotId}`,
      kind,
      title: s.title,
      rule: s.rule,
      threshold: s.threshold,
      evidence: { snapshotId, snapshotTime, asOf, sources: s.sources },
      confidence: f.reduced ? 'reduced' : 'full',
      notes: f.notes,
      count: f.count,
      users: f.users,
      excluded: f.excluded,
      items: f.items,
      truncated: f.items.length < f.count,
    };
  });
  return { snapshotId, snapshotTime, asOf, settings, notes: globalNotes, findings };
}

function toLicence(r: LicenceRow): Licence {
  const error = r[4] || null;
  const state = r[5] || null;
  return {
    skuId: r[1],
    source: r[2] === '1' ? 'group' : 'direct',
    groupId: r[3] || null,
    ok: !isAssignmentError(error) && (state === null || state === 'Active' || state.toLowerCase() !== 'error'),
    error,
    state,
    disabledPlans: r[6] ?? '[]',
  };
}

function parsePlans(json: string): string[] {
  if (json === '[]' || json === '') return [];
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** YYYY-MM-DD of a date minus n days. */
function dayMinus(date: string, n: number): string {
  const ms = Date.parse(`${date.slice(0, 10)}T00:00:00Z`);
  return new Date(ms - n * DAY).toISOString().slice(0, 10);
}
