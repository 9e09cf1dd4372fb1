/**
 * The ground truth of the demo tenant's planted reconciliation cases, per finding, in the
 * generator's own terms: which users it made disabled, inactive, never signed in, guests,
 * duplicates, in error ..., and which of its products overlap (written down from
 * Microsoft's plan lists, not computed from them). Golden tests compare the engine's
 * findings with these sets, under the default settings, judged at REPORT_DATE, with the
 * D30 usage reports and real (not concealed) report names.
 */
import { DEFAULT_ACCOUNT_PATTERNS } from '../../../shared/recon';
import { upnMatcher } from '../../recon/settings';
import { Rng } from './prng';
import { ymd } from './time';
import { DEMO_SKUS, INACTIVE_DAYS, type DemoData } from './demo-data';
import { reportRow, REPORT_HEADERS, type ReportKind } from './reports';

const DAY = 86_400_000;

/** Device, room and free products of the demo tenant: never assigned to people. */
export const DEMO_FREE_OR_DEVICE_PARTS: ReadonlySet<string> = new Set(['Microsoft_Teams_Rooms_Pro', 'POWER_BI_STANDARD', 'FLOW_FREE', 'TEAMS_EXPLORATORY']);

/** Product pairs where the first product's user plans are all within the second's. */
export const DEMO_OVERLAPS: Readonly<Record<string, readonly string[]>> = {
  ENTERPRISEPACK: ['SPE_E3'],
  ENTERPRISEPREMIUM: ['SPE_E5'],
  EXCHANGESTANDARD: ['ENTERPRISEPACK', 'ENTERPRISEPREMIUM', 'SPE_E3', 'SPE_E5', 'STANDARDPACK'],
  POWER_BI_PRO: ['ENTERPRISEPREMIUM', 'SPE_E5'],
  AAD_PREMIUM: ['SPE_E3', 'SPE_F1'],
};

/** Suites: mailbox, files and the Office apps. */
export const DEMO_SUITES: ReadonlySet<string> = new Set(['ENTERPRISEPACK', 'ENTERPRISEPREMIUM', 'SPE_E3', 'SPE_E5']);
/** Products whose use the activity reports show (Exchange, SharePoint/OneDrive, Teams, Office apps). */
export const DEMO_WORKLOAD_PARTS: ReadonlySet<string> = new Set(['ENTERPRISEPACK', 'ENTERPRISEPREMIUM', 'SPE_E3', 'SPE_E5', 'SPE_F1', 'EXCHANGESTANDARD', 'PROJECTPROFESSIONAL', 'STANDARDPACK']);

export type PlantedKind =
  | 'disabled-accounts'
  | 'inactive-users'
  | 'never-signed-in'
  | 'no-use'
  | 'mailbox-only'
  | 'overlap'
  | 'duplicate-assignment'
  | 'guests'
  | 'assignment-errors'
  | 'disabled-plans';

export interface PlantedCases {
  /** Per finding: "userId skuPartNumber" of every expected item. */
  items: Record<PlantedKind, Set<string>>;
  /** Users sent with failed recent attempts (they must be inactive). */
  failedAttempts: Set<string>;
  /** Users with no lastSuccessfulSignInDateTime (judged on attempts). */
  successMissing: Set<string>;
  /** Never-signed-in users sent with the sentinel. */
  sentinel: Set<string>;
  /** Service accounts and shared mailboxes: left out by the default exclusions. */
  excludedAccounts: Set<string>;
  /**
   * Shared mailboxes whose UPN matches no default exclusion pattern: only the mailbox report's
   * Recipient Type (Shared) leaves them out.
   */
  sharedByRecipientType: Set<string>;
  /** Assignment errors: error name -> group display names. */
  errorGroups: Map<string, Set<string>>;
}

const PART_BY_ID = new Map(DEMO_SKUS.map((s) => [s.skuId, s.skuPartNumber]));

export function plantedCases(data: DemoData, usageDays = 30): PlantedCases {
  const kinds: PlantedKind[] = ['disabled-accounts', 'inactive-users', 'never-signed-in', 'no-use', 'mailbox-only', 'overlap', 'duplicate-assignment', 'guests', 'assignment-errors', 'disabled-plans'];
  const items = Object.fromEntries(kinds.map((k) => [k, new Set<string>()])) as Record<PlantedKind, Set<string>>;
  const out: PlantedCases = { items, failedAttempts: new Set(), successMissing: new Set(), sentinel: new Set(), excludedAccounts: new Set(), sharedByRecipientType: new Set(), errorGroups: new Map() };
  const groupName = new Map(data.groups.map((g) => [g.id, g.displayName]));
  const refreshMs = data.reportDate - 2 * DAY;
  const from = ymd(refreshMs - usageDays * DAY);
  const rng = new Rng(0);
  const row = (kind: ReportKind, i: number): Record<string, string> | null => {
    const r = reportRow({ data, kind, period: 'D30', conceal: false, concealKey: Buffer.alloc(0) }, i, rng);
    if (!r) return null;
    const h = REPORT_HEADERS[kind];
    return Object.fromEntries(h.map((name, k) => [name, r[k] ?? '']));
  };
  const inPeriod = (d: string | undefined): boolean => !!d && d > from;
  const byPattern = upnMatcher(DEFAULT_ACCOUNT_PATTERNS);

  for (let i = 0; i < data.userCount; i++) {
    const { user: u, truth: t } = data.userRecord(i);
    if (t.failedAttempts) out.failedAttempts.add(u.id);
    if (t.successMissing) out.successMissing.add(u.id);
    if (t.sentinel) out.sentinel.add(u.id);
    const person = t.kind === 'person' || t.kind === 'guest';
    if (t.kind === 'service' || t.kind === 'shared') out.excludedAccounts.add(u.id);
    if (t.kind === 'shared' && !byPattern(u.userPrincipalName)) out.sharedByRecipientType.add(u.id);
    const held = u.assignedLicenses.map((a) => PART_BY_ID.get(a.skuId) ?? a.skuId);
    const paid = held.filter((p) => !DEMO_FREE_OR_DEVICE_PARTS.has(p));
    const add = (k: PlantedKind, part: string): void => void items[k].add(`${u.id} ${part}`);
    if (person) {
      for (const s of u.licenseAssignmentStates) {
        if (s.state !== 'Error') continue;
        add('assignment-errors', PART_BY_ID.get(s.skuId) ?? s.skuId);
        const set = out.errorGroups.get(s.error ?? '') ?? new Set<string>();
        set.add(groupName.get(s.assignedByGroup ?? '') ?? '');
        out.errorGroups.set(s.error ?? '', set);
      }
    }
    if (!person || paid.length === 0) continue;
    const cutoffOk = !t.recentlyCreated;
    if (!u.accountEnabled) for (const p of paid) add('disabled-accounts', p);
    if (u.accountEnabled && cutoffOk && t.signIn === 'inactive') for (const p of paid) add('inactive-users', p);
    if (u.accountEnabled && cutoffOk && t.signIn === 'never') for (const p of paid) add('never-signed-in', p);
    if (t.kind === 'guest') for (const p of paid) add('guests', p);
    for (const p of paid) {
      const over = DEMO_OVERLAPS[p];
      if (over && paid.some((q) => q !== p && over.includes(q))) add('overlap', p);
      const ids = u.licenseAssignmentStates.filter((s) => s.state !== 'Error' && PART_BY_ID.get(s.skuId) === p);
      if (ids.some((s) => s.assignedByGroup === null) && ids.some((s) => s.assignedByGroup !== null)) add('duplicate-assignment', p);
      if (ids.some((s) => s.disabledPlans.length > 0)) add('disabled-plans', p);
    }
    if (u.accountEnabled && cutoffOk) {
      const a = row('activeUserDetail', i);
      if (a) {
        const apps = row('m365AppUserDetail', i);
        const act = row('activationsUserDetail', i);
        const exo = inPeriod(a['Exchange Last Activity Date']);
        const other =
          inPeriod(a['OneDrive Last Activity Date']) || inPeriod(a['SharePoint Last Activity Date']) || inPeriod(a['Teams Last Activity Date']) ||
          inPeriod(apps?.['Last Activity Date']) || inPeriod(act?.['Last Activated Date']);
        if (!exo && !other) for (const p of paid) if (DEMO_WORKLOAD_PARTS.has(p)) add('no-use', p);
        if (exo && !other) for (const p of paid) if (DEMO_SUITES.has(p)) add('mailbox-only', p);
      }
    }
  }
  return out;
}

export { INACTIVE_DAYS };
