/**
 * The reconciliation engine: every finding of a snapshot, with its evidence.
 *
 * Cost: one streaming SQL pass over the licensed users (each with its licences folded
 * into one column, its sign-in row and, when names are not concealed, its usage report
 * rows joined by UPN), plus a few small queries (SKUs, plans, groups, samples of the
 * reports). No per-user query is ever made.
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

const DAY = 86_400_000;

export interface FindingsOptions {
  settings: ReconSettings;
  /** The date the rules judge against (default: when the snapshot finished). */
  asOf?: Date;
  /** Keep at most this many items per finding (counts stay complete). */
  itemLimit?: number;
  catalog?: Catalog;
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

interface UserPassRow {
  id: string;
  upn: string | null;
  dn: string | null;
  en: number | null;
  ut: string | null;
  created: string | null;
  hasSi: number;
  si: string | null;
  sn: string | null;
  ss: string | null;
  lic: string | null;
  exo?: string | null;
  od?: string | null;
  sp?: string | null;
  tm?: string | null;
  inReport?: number;
  appsAct?: string | null;
  actv?: string | null;
  rtype?: string | null;
}

interface Licence {
  skuId: string;
  source: 'direct' | 'group';
  groupId: string | null;
  ok: boolean;
  error: string | null;
  state: string | null;
  disabledPlans: string;
}

const HEX32 = /^[0-9a-f]{32}$/i;

/** Treat both null and "None" (and empty) as success (licenseAssignmentState.error). */
export function isAssignmentError(error: string | null | undefined): boolean {
  return error !== null && error !== undefined && error !== '' && error.toLowerCase() !== 'none';
}

class FindingBuilder {
  count = 0;
  excluded = 0;
  readonly items: FindingItem[] = [];
  readonly users = new Set<string>();
  readonly notes: string[] = [];
  reduced = false;
  constructor(
    readonly kind: FindingKind,
    readonly limit: number,
  ) {}
  /** Counts an item; builds it only while the item limit allows. */
  add(item: FindingItem | (() => FindingItem), userId: string | null = null): void {
    this.count += 1;
    if (userId) this.users.add(userId);
    if (this.items.length < this.limit) {
      const it = typeof item === 'function' ? item() : item;
      if (!userId && it.userId) this.users.add(it.userId);
      this.items.push(it);
    }
  }
}

export function computeFindings(db: Db, snapshotId: number, opts: FindingsOptions): FindingsReport {
  const snapshot = getSnapshot(db, snapshotId);
  if (!snapshot) throw new OperatorError('bad-input', `Snapshot ${snapshotId} does not exist.`, { hint: 'Pick one of the profile\'s snapshots.' });
  const settings = opts.settings;
  const catalog = opts.catalog ?? builtinCatalog();
  const limit = opts.itemLimit ?? Number.MAX_SAFE_INTEGER;
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
  const b = Object.fromEntries(
    (['seat-position', 'disabled-accounts', 'inactive-users', 'never-signed-in', 'no-use', 'mailbox-only', 'overlap', 'duplicate-assignment', 'guests', 'assignment-errors', 'concealed-names', 'disabled-plans'] as const).map(
      (k) => [k, new FindingBuilder(k, limit)],
    ),
  ) as Record<FindingKind, FindingBuilder>;

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

  // --- The one pass over licensed users --------------------------------------------------------
  const cutoff = asOfMs - settings.inactiveDays * DAY;
  const refreshDate = refresh.get('report.activeUserDetail') ?? null;
  const usageFrom = refreshDate ? dayMinus(refreshDate, settings.usageDays) : null;
  const inPeriod = (d: string | null | undefined): boolean => !!d && usageFrom !== null && d.slice(0, 10) > usageFrom;
  let attemptBased = 0;
  let reportBased = 0;

  // The report lookups run only where they can change a finding: the Microsoft 365 Apps and
  // activation reports only for users without other activity in the period (CASE evaluates
  // lazily), unless sign-ins are missing and the newest activity date is needed; the mailbox
  // report only when it carries recipient types at all.
  const cols: string[] = [];
  const joins: string[] = [];
  const params: Record<string, string | number> = { snapshot: snapshotId };
  const upnKey = (alias: string) => `${alias}.snapshot_id = :snapshot AND ${alias}.upn = u.upn COLLATE NOCASE`;
  let otherActive = '0';
  if (usageOk) {
    cols.push('r.exchange_last_activity AS exo, r.onedrive_last_activity AS od, r.sharepoint_last_activity AS sp, r.teams_last_activity AS tm, r.upn IS NOT NULL AS inReport');
    joins.push(`LEFT JOIN report_active_user_detail r ON ${upnKey('r')}`);
    params['from'] = usageFrom ?? '9999';
    otherActive = signInsOk ? '(r.onedrive_last_activity > :from OR r.sharepoint_last_activity > :from OR r.teams_last_activity > :from)' : '0';
  }
  if (appsOk) cols.push(`CASE WHEN ${otherActive} THEN NULL ELSE (SELECT max(m.last_activity_date) FROM report_m365_app_user_detail m WHERE ${upnKey('m')}) END AS appsAct`);
  if (activationsOk) cols.push(`CASE WHEN ${otherActive} THEN NULL ELSE (SELECT max(x.last_activated_date) FROM report_activations_user_detail x WHERE ${upnKey('x')}) END AS actv`);
  const hasRecipientTypes =
    mailboxOk && settings.excludeSharedMailboxes && db.prepare('SELECT 1 FROM report_mailbox_usage_detail WHERE snapshot_id = ? AND recipient_type IS NOT NULL LIMIT 1').get(snapshotId) !== undefined;
  if (hasRecipientTypes) cols.push(`(SELECT max(mb.recipient_type) FROM report_mailbox_usage_detail mb WHERE ${upnKey('mb')}) AS rtype`);
  const errorGroups = new Map<string, number>();
  // Users in one pass: licences folded into one column, sign-ins and report activity by index.
  const sql = `
    SELECT u.id, u.upn, u.display_name AS dn, u.account_enabled AS en, u.user_type AS ut, u.created_at AS created,
           a.user_id IS NOT NULL AS hasSi, a.last_sign_in AS si, a.last_non_interactive AS sn, a.last_successful AS ss,
           (SELECT group_concat(l.sku_id || char(31) || l.source || char(31) || ifnull(l.group_id, '') || char(31) || ifnull(l.error, '') || char(31) || ifnull(l.state, '') || char(31) || l.disabled_plans, char(30))
            FROM user_licenses l WHERE l.snapshot_id = :snapshot AND l.user_id = u.id) AS lic${cols.length > 0 ? `, ${cols.join(', ')}` : ''}
    FROM users u
    LEFT JOIN sign_in_activity a ON a.snapshot_id = :snapshot AND a.user_id = u.id
    ${joins.join('\n    ')}
    WHERE u.snapshot_id = :snapshot`;

  for (const row of db.prepare(sql).iterate(params) as IterableIterator<UserPassRow>) {
    if (row.lic === null) continue; // unlicensed
    const lic = parseLicences(row.lic);
    const held: Licence[] = [];
    const seen = new Set<string>();
    for (const l of lic) {
      if (!l.ok || seen.has(l.skuId)) continue;
      seen.add(l.skuId);
      held.push(l);
    }
    const user = { userId: row.id, upn: row.upn, displayName: row.dn };
    const item = (skuId: string, reclaimable: boolean, facts: FindingItem['facts']): FindingItem => ({
      ...user,
      skuId,
      partNumber: partNumber(skuId),
      product: product(skuId),
      reclaimable,
      facts,
    });
    const accountExcluded =
      upnExcluded(row.upn) || (excludedGroupRefs.size > 0 && lic.some((l) => groupExcluded(l.groupId))) || (row.rtype !== undefined && row.rtype !== null && /shared/i.test(row.rtype));
    const paid = held.filter((l) => !skuExcluded(l.skuId));
    /** Adds one item per paid SKU, or counts the user as excluded. */
    const perSku = (kind: FindingKind, reclaimable: boolean, facts: FindingItem['facts']): void => {
      if (paid.length === 0) return;
      if (accountExcluded) {
        b[kind].excluded += paid.length;
        return;
      }
      for (const l of paid) b[kind].add(() => item(l.skuId, reclaimable, facts), row.id);
    };

    // 7. Assignment errors (failed assignments are not seats).
    for (const l of lic) {
      if (l.ok) continue;
      if (accountExcluded || skuExcluded(l.skuId)) {
        b['assignment-errors'].excluded += 1;
        continue;
      }
      const group = l.groupId ? (groupNames.get(l.groupId) ?? l.groupId) : null;
      if (l.groupId) errorGroups.set(`${group}\u0000${l.error}`, (errorGroups.get(`${group}\u0000${l.error}`) ?? 0) + 1);
      b['assignment-errors'].add(() => item(l.skuId, false, { error: l.error, state: l.state, source: l.source, groupId: l.groupId, group }), row.id);
    }
    if (paid.length === 0 && held.length > 0) {
      // Only free, device or service SKUs: left out of every user finding.
      continue;
    }

    // 2. Disabled accounts (blocked sign-in is accountEnabled false).
    const enabled = row.en !== 0;
    if (!enabled) perSku('disabled-accounts', true, { accountEnabled: false });

    // 3. Inactive and never signed in (enabled accounts; new accounts get their grace period).
    const createdMs = signInTime(row.created);
    const recent = createdMs !== null && createdMs > cutoff;
    if (enabled && !recent) {
      if (signInsOk && row.hasSi === 1) {
        const fact = lastSuccessfulSignIn({ lastSignIn: row.si, lastNonInteractive: row.sn, lastSuccessful: row.ss });
        if (fact.kind === 'never') perSku('never-signed-in', true, { createdDateTime: row.created, lastSignInDateTime: row.si, lastSuccessfulSignInDateTime: row.ss });
        else if (fact.at < cutoff) {
          if (fact.kind === 'attempt' && !accountExcluded) attemptBased += 1;
          perSku('inactive-users', true, {
            lastSuccessfulSignIn: fact.iso,
            basis: fact.kind === 'successful' ? 'lastSuccessfulSignInDateTime' : `newest attempt (${MAY_INCLUDE_FAILED})`,
            lastSignInDateTime: row.si,
            lastNonInteractiveSignInDateTime: row.sn,
            daysSince: Math.floor((asOfMs - fact.at) / DAY),
          });
        }
      } else if (!signInsOk && usageOk && row.inReport === 1) {
        const newest = [row.exo, row.od, row.sp, row.tm, row.appsAct].filter((d): d is string => !!d).sort().pop() ?? null;
        const at = newest ? Date.parse(`${newest.slice(0, 10)}T00:00:00Z`) : null;
        if (at === null || at < cutoff) {
          if (!accountExcluded) reportBased += 1;
          perSku('inactive-users', true, { lastActivity: newest, basis: 'newest activity date in the usage reports' });
        }
      }
    }

    // 4. No use of what the SKU is for; mailbox-only users on a suite SKU.
    if (enabled && !recent && usageOk && row.inReport === 1) {
      const exo = inPeriod(row.exo);
      const other = inPeriod(row.od) || inPeriod(row.sp) || inPeriod(row.tm) || inPeriod(row.appsAct) || inPeriod(row.actv);
      const workload = paid.filter((l) => {
        const p = plansOf(l.skuId);
        return p !== undefined && hasWorkload(p);
      });
      const facts = { exchange: row.exo ?? null, oneDrive: row.od ?? null, sharePoint: row.sp ?? null, teams: row.tm ?? null, apps: row.appsAct ?? null, activation: row.actv ?? null };
      if (!exo && !other && workload.length > 0) {
        if (accountExcluded) b['no-use'].excluded += workload.length;
        else for (const l of workload) b['no-use'].add(() => item(l.skuId, true, facts), row.id);
      } else if (exo && !other) {
        for (const l of paid) {
          const p = plansOf(l.skuId);
          if (!p || !isSuite(p)) continue;
          if (accountExcluded) b['mailbox-only'].excluded += 1;
          else b['mailbox-only'].add(() => item(l.skuId, false, { ...facts, downgradeTo: mailboxDowngrade(p) }), row.id);
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
        else b.overlap.add(() => item(l.skuId, true, { coveredBy: partNumber(by.skuId) ?? by.skuId, coveredBySkuId: by.skuId }), row.id);
      }
    }
    for (const l of paid) {
      const direct = lic.some((x) => x.ok && x.skuId === l.skuId && x.source === 'direct');
      const groups = lic.filter((x) => x.ok && x.skuId === l.skuId && x.source === 'group');
      if (!direct || groups.length === 0) continue;
      if (accountExcluded) b['duplicate-assignment'].excluded += 1;
      else b['duplicate-assignment'].add(() => item(l.skuId, false, { groups: groups.map((g) => (g.groupId ? (groupNames.get(g.groupId) ?? g.groupId) : '')).join('; ') }), row.id);
    }

    // 6. Licensed guests and external users.
    if (row.ut?.toLowerCase() === 'guest' || (row.upn ?? '').toUpperCase().includes('#EXT#')) perSku('guests', false, { userType: row.ut });

    // 9. Disabled service plans on a paid SKU.
    for (const l of paid) {
      const all = lic.filter((x) => x.ok && x.skuId === l.skuId);
      const disabled = new Set<string>();
      for (const x of all) for (const p of parsePlans(x.disabledPlans)) disabled.add(p);
      if (disabled.size === 0) continue;
      if (accountExcluded) {
        b['disabled-plans'].excluded += 1;
        continue;
      }
      const planNames = plansOf(l.skuId)?.userPlans;
      b['disabled-plans'].add(
        () => item(l.skuId, false, { disabledPlans: [...disabled].map((id) => planNames?.get(id) ?? catalog.lookupPlan(id).servicePlanName ?? id).join('; '), count: disabled.size }),
        row.id,
      );
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
      users: f.users.size,
      excluded: f.excluded,
      items: f.items,
      truncated: f.items.length < f.count,
    };
  });
  return { snapshotId, snapshotTime, asOf, settings, notes: globalNotes, findings };
}

function parseLicences(text: string | null): Licence[] {
  if (!text) return [];
  return text.split('\u001e').map((e) => {
    const [skuId = '', source = 'direct', groupId = '', error = '', state = '', disabledPlans = '[]'] = e.split('\u001f');
    return {
      skuId,
      source: source === 'group' ? 'group' : 'direct',
      groupId: groupId || null,
      ok: !isAssignmentError(error) && state.toLowerCase() !== 'error',
      error: error || null,
      state: state || null,
      disabledPlans,
    };
  });
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
