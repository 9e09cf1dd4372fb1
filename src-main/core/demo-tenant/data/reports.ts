/**
 * Usage report rows (Microsoft 365 usage reports, CSV form) derived from the
 * synthetic users. Column headers are Microsoft's, as documented on each
 * learn.microsoft.com/graph/api/reportroot-get*detail page. Rows are produced one
 * user at a time so a report over 1,000,000 users streams in constant memory.
 */
import { createHmac } from 'node:crypto';
import { SERVICE_PLANS } from '../../catalog/skus';
import { mix, Rng } from './prng';
import { ymd } from './time';
import { DEMO_SKUS, type DemoData, type DemoUser } from './demo-data';

export const REPORT_KINDS = ['activeUserDetail', 'm365AppUserDetail', 'activationsUserDetail', 'mailboxUsageDetail'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export const REPORT_PERIODS = ['D7', 'D30', 'D90', 'D180'] as const;
export type ReportPeriod = (typeof REPORT_PERIODS)[number];

/** The Graph function name of each report. */
export const REPORT_FUNCTIONS: Record<ReportKind, string> = {
  activeUserDetail: 'getOffice365ActiveUserDetail',
  m365AppUserDetail: 'getM365AppUserDetail',
  activationsUserDetail: 'getOffice365ActivationsUserDetail',
  mailboxUsageDetail: 'getMailboxUsageDetail',
};

export const REPORT_HEADERS: Record<ReportKind, readonly string[]> = {
  activeUserDetail: [
    'Report Refresh Date', 'User Principal Name', 'Display Name', 'Is Deleted', 'Deleted Date', 'Has Exchange License',
    'Has OneDrive License', 'Has SharePoint License', 'Has Skype For Business License', 'Has Yammer License',
    'Has Teams License', 'Exchange Last Activity Date', 'OneDrive Last Activity Date', 'SharePoint Last Activity Date',
    'Skype For Business Last Activity Date', 'Yammer Last Activity Date', 'Teams Last Activity Date',
    'Exchange License Assign Date', 'OneDrive License Assign Date', 'SharePoint License Assign Date',
    'Skype For Business License Assign Date', 'Yammer License Assign Date', 'Teams License Assign Date',
    'Assigned Products',
  ],
  m365AppUserDetail: [
    'Report Refresh Date', 'User Principal Name', 'Last Activation Date', 'Last Activity Date', 'Report Period',
    'Windows', 'Mac', 'Mobile', 'Web', 'Outlook', 'Word', 'Excel', 'PowerPoint', 'OneNote', 'Teams',
    'Outlook (Windows)', 'Word (Windows)', 'Excel (Windows)', 'PowerPoint (Windows)', 'OneNote (Windows)', 'Teams (Windows)',
    'Outlook (Mac)', 'Word (Mac)', 'Excel (Mac)', 'PowerPoint (Mac)', 'OneNote (Mac)', 'Teams (Mac)',
    'Outlook (Mobile)', 'Word (Mobile)', 'Excel (Mobile)', 'PowerPoint (Mobile)', 'OneNote (Mobile)', 'Teams (Mobile)',
    'Outlook (Web)', 'Word (Web)', 'Excel (Web)', 'PowerPoint (Web)', 'OneNote (Web)', 'Teams (Web)',
  ],
  activationsUserDetail: [
    'Report Refresh Date', 'User Principal Name', 'Display Name', 'Product Type', 'Last Activated Date', 'Windows',
    'Mac', 'Windows 10 Mobile', 'iOS', 'Android', 'Activated On Shared Computer',
  ],
  // The Graph page (reportroot-getmailboxusagedetail) lists the columns up to Has Archive and
  // Report Period; the admin center's Mailbox usage report (learn.microsoft.com/microsoft-365/
  // admin/activity-reports/mailbox-usage, "Mailbox usage per mailbox table") adds Recipient
  // type, "Either Shared or User", which the export carries before Report Period.
  mailboxUsageDetail: [
    'Report Refresh Date', 'User Principal Name', 'Display Name', 'Is Deleted', 'Deleted Date', 'Created Date',
    'Last Activity Date', 'Item Count', 'Storage Used (Byte)', 'Issue Warning Quota (Byte)', 'Prohibit Send Quota (Byte)',
    'Prohibit Send/Receive Quota (Byte)', 'Deleted Item Count', 'Deleted Item Size (Byte)', 'Deleted Item Quota (Byte)',
    'Has Archive', 'Recipient Type', 'Report Period',
  ],
};

const DAY = 86_400_000;
/** Usage reports lag the directory by two days. */
const REFRESH_LAG_DAYS = 2;

export function periodDays(p: ReportPeriod): number {
  return Number(p.slice(1));
}


/** RFC 4180 field: quoted when it holds a comma, quote, CR or LF. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(fields: readonly string[]): string {
  return fields.map(csvField).join(',') + '\r\n';
}

interface Capabilities {
  exchange: 'P2' | 'P1' | 'Kiosk' | null;
  oneDrive: boolean;
  sharePoint: boolean;
  skype: boolean;
  yammer: boolean;
  teams: boolean;
  officeApps: boolean;
  products: string[];
}

const PLAN = SERVICE_PLANS;

/** The plans capabilities() looks at. */
const WORKLOAD_PLANS: ReadonlySet<string> = new Set(
  [
    PLAN.EXCHANGE_S_ENTERPRISE, PLAN.EXCHANGE_S_STANDARD, PLAN.EXCHANGE_S_DESKLESS, PLAN.SHAREPOINTENTERPRISE,
    PLAN.SHAREPOINTSTANDARD, PLAN.SHAREPOINTDESKLESS, PLAN.MCOSTANDARD, PLAN.MCOIMP, PLAN.YAMMER_ENTERPRISE, PLAN.TEAMS1,
    PLAN.OFFICESUBSCRIPTION,
  ].map((p) => p.servicePlanId),
);

/** Per demo SKU: its product name as reports print it, and the workload plans among its (full) plan list. */
const SKU_WORKLOADS = new Map(
  DEMO_SKUS.map((s) => [
    s.skuId,
    { product: s.displayName.toUpperCase(), plans: s.servicePlans.map((p) => p.servicePlanId).filter((id) => WORKLOAD_PLANS.has(id)) },
  ]),
);

function capabilities(u: DemoUser): Capabilities {
  const c: Capabilities = { exchange: null, oneDrive: false, sharePoint: false, skype: false, yammer: false, teams: false, officeApps: false, products: [] };
  for (const a of u.assignedLicenses) {
    const sku = SKU_WORKLOADS.get(a.skuId);
    if (!sku) continue;
    c.products.push(sku.product);
    for (const planId of sku.plans) {
      if (a.disabledPlans.includes(planId)) continue;
      switch (planId) {
        case PLAN.EXCHANGE_S_ENTERPRISE.servicePlanId: c.exchange = 'P2'; break;
        case PLAN.EXCHANGE_S_STANDARD.servicePlanId: if (c.exchange !== 'P2') c.exchange = 'P1'; break;
        case PLAN.EXCHANGE_S_DESKLESS.servicePlanId: if (!c.exchange) c.exchange = 'Kiosk'; break;
        case PLAN.SHAREPOINTENTERPRISE.servicePlanId:
        case PLAN.SHAREPOINTSTANDARD.servicePlanId:
        case PLAN.SHAREPOINTDESKLESS.servicePlanId: c.oneDrive = true; c.sharePoint = true; break;
        case PLAN.MCOSTANDARD.servicePlanId:
        case PLAN.MCOIMP.servicePlanId: c.skype = true; break;
        case PLAN.YAMMER_ENTERPRISE.servicePlanId: c.yammer = true; break;
        case PLAN.TEAMS1.servicePlanId: c.teams = true; break;
        case PLAN.OFFICESUBSCRIPTION.servicePlanId: c.officeApps = true; break;
        default: break;
      }
    }
  }
  return c;
}

const QUOTAS = {
  P2: ['105226698752', '106300440576', '107374182400'],
  P1: ['52613349376', '53150220288', '53687091200'],
  Kiosk: ['1980760064', '2003828736', '2147483648'],
} as const;

export interface ReportRowContext {
  data: DemoData;
  kind: ReportKind;
  period: ReportPeriod;
  /** Replace UPN and display name with opaque hashes (report privacy setting). */
  conceal: boolean;
  concealKey: Buffer;
}

function concealed(ctx: ReportRowContext, what: string, id: string): string {
  return createHmac('sha256', ctx.concealKey).update(`${what}:${id}`).digest('hex').slice(0, 32).toUpperCase();
}

/**
 * The report row for user i, or null when the user does not appear in that report
 * (no mailbox, no Microsoft 365 Apps licence).
 */
export function reportRow(ctx: ReportRowContext, i: number, rng: Rng): string[] | null {
  const { user: u, truth } = ctx.data.userRecord(i);
  const cap = capabilities(u);
  const refreshMs = ctx.data.reportDate - REFRESH_LAG_DAYS * DAY;
  const refresh = ymd(refreshMs);
  const upn = ctx.conceal ? concealed(ctx, 'upn', u.id) : u.userPrincipalName;
  const name = ctx.conceal ? concealed(ctx, 'name', u.id) : u.displayName;
  // Activity follows the last SUCCESSFUL sign-in (failed attempts leave no usage behind).
  const last = truth.activityMs;
  const days = periodDays(ctx.period);
  const usesApps = truth.usage === 'normal';
  const inPeriod = last !== null && refreshMs - last < days * DAY;
  rng.reset(mix(ctx.data.key ^ 0x7e7047, i));
  const assignDate = ymd(Date.parse(u.licenseAssignmentStates[0]?.lastUpdatedDateTime ?? u.createdDateTime));
  const lastDay = last === null ? '' : ymd(Math.min(refreshMs, last));
  /** A workload's last activity: the day of the last sign-in, when the user uses it at all. */
  const activity = (has: boolean, p: number, workload: 'exchange' | 'other'): string => {
    const draw = rng.next();
    if (!has || last === null || truth.usage === 'none') return '';
    if (truth.usage === 'mailboxOnly' && workload !== 'exchange') return '';
    return draw < p ? lastDay : '';
  };
  // Microsoft's report CSVs write booleans as True/False in some reports and tenants, Yes/No in others.
  const tf = (b: boolean): string => (ctx.data.yesNoReports ? (b ? 'Yes' : 'No') : b ? 'True' : 'False');

  switch (ctx.kind) {
    case 'activeUserDetail': {
      const exch = cap.exchange !== null;
      return [
        refresh, upn, name, tf(false), '',
        tf(exch), tf(cap.oneDrive), tf(cap.sharePoint), tf(cap.skype), tf(cap.yammer), tf(cap.teams),
        activity(exch, 1, 'exchange'), activity(cap.oneDrive, 0.7, 'other'), activity(cap.sharePoint, 0.6, 'other'),
        activity(cap.skype, 0.1, 'other'), activity(cap.yammer, 0.2, 'other'), activity(cap.teams, 1, 'other'),
        exch ? assignDate : '', cap.oneDrive ? assignDate : '', cap.sharePoint ? assignDate : '',
        cap.skype ? assignDate : '', cap.yammer ? assignDate : '', cap.teams ? assignDate : '',
        cap.products.join('+'),
      ];
    }
    case 'm365AppUserDetail': {
      if (!cap.officeApps) return null;
      const active = inPeriod && usesApps;
      const flags = Array.from({ length: 34 }, () => (active && rng.next() < 0.6 ? 'Yes' : 'No'));
      const lastAct = active ? lastDay : '';
      const activation = ymd(Date.parse(u.createdDateTime) + rng.int(1, 30) * DAY);
      return [refresh, upn, last === null || !usesApps ? '' : activation, lastAct, String(days), ...flags];
    }
    case 'activationsUserDetail': {
      if (!cap.officeApps || last === null || !usesApps) return null;
      const win = rng.int(0, 5);
      return [
        refresh, upn, name, 'MICROSOFT 365 APPS FOR ENTERPRISE', ymd(Math.min(refreshMs, Date.parse(u.createdDateTime) + rng.int(1, 60) * DAY)),
        String(win), String(rng.int(0, 1)), '0', String(rng.int(0, 2)), String(rng.int(0, 2)), String(rng.next() < 0.1 ? 1 : 0),
      ];
    }
    case 'mailboxUsageDetail': {
      if (cap.exchange === null) return null;
      const q = QUOTAS[cap.exchange];
      const items = last === null ? rng.int(0, 40) : rng.int(200, 60_000);
      const bytes = items * rng.int(20_000, 90_000);
      return [
        refresh, upn, name, tf(false), '', ymd(Date.parse(u.createdDateTime)),
        truth.usage === 'none' ? '' : lastDay, String(items), String(bytes), q[0], q[1], q[2],
        String(rng.int(0, Math.floor(items / 10))), String(rng.int(0, 50_000_000)), '32212254720',
        tf(rng.next() < 0.2), truth.kind === 'shared' ? 'Shared' : 'User', String(days),
      ];
    }
  }
}

/** Lazily yields the report: BOM + header, then rows in chunks of `batch` lines. */
export function* reportChunks(ctx: ReportRowContext, batch = 256): Generator<string, void, undefined> {
  yield '\uFEFF' + csvLine(REPORT_HEADERS[ctx.kind]);
  const rng = new Rng(0);
  let buf = '';
  let n = 0;
  for (let i = 0; i < ctx.data.userCount; i++) {
    const row = reportRow(ctx, i, rng);
    if (!row) continue;
    buf += csvLine(row);
    if (++n >= batch) {
      yield buf;
      buf = '';
      n = 0;
    }
  }
  if (buf) yield buf;
}
