/**
 * Tenant-level usage report: getOffice365ActiveUserCounts(period='Dn'), the count of
 * daily active users per product (learn.microsoft.com/graph/api/reportroot-getoffice365activeusercounts).
 * Derived from the per-user active-user detail rows, so the two reports agree: a user
 * counts on the day of their last activity in a product, and once for "Office 365" on
 * each day they were active in any product. No user name or UPN appears in it.
 */
import type { DemoData } from './demo-data';
import { Rng } from './prng';
import { csvLine, periodDays, reportRow, type ReportPeriod } from './reports';
import { ymd } from './time';

export const ACTIVE_USER_COUNTS_FUNCTION = 'getOffice365ActiveUserCounts';

/** Column headers as Microsoft documents them. */
export const ACTIVE_USER_COUNTS_HEADERS = [
  'Report Refresh Date',
  'Office 365',
  'Exchange',
  'OneDrive',
  'SharePoint',
  'Skype For Business',
  'Yammer',
  'Teams',
  'Report Date',
  'Report Period',
] as const;

const DAY = 86_400_000;
/** Usage reports lag the directory by two days (as reports.ts). */
const REFRESH_LAG_DAYS = 2;
/** Columns of the active-user detail row holding the last activity date per product (Exchange ... Teams). */
const LAST_ACTIVITY_COLUMNS = [11, 12, 13, 14, 15, 16] as const;

/** One row per day of the period, newest first: refresh date, six product counts plus the any-product count, report date, period. */
export function activeUserCountsRows(data: DemoData, period: ReportPeriod): string[][] {
  const days = periodDays(period);
  const refreshMs = data.reportDate - REFRESH_LAG_DAYS * DAY;
  const refresh = ymd(refreshMs);
  const dates = Array.from({ length: days }, (_, i) => ymd(refreshMs - i * DAY));
  const index = new Map(dates.map((d, i) => [d, i]));
  // counts[day][0] = any product, counts[day][1..6] = Exchange, OneDrive, SharePoint, Skype, Yammer, Teams.
  const counts = dates.map(() => [0, 0, 0, 0, 0, 0, 0]);
  const ctx = { data, kind: 'activeUserDetail' as const, period, conceal: false, concealKey: Buffer.alloc(0) };
  const rng = new Rng(0);
  for (let i = 0; i < data.userCount; i++) {
    const row = reportRow(ctx, i, rng);
    if (!row) continue;
    const activeDays = new Set<number>();
    LAST_ACTIVITY_COLUMNS.forEach((col, p) => {
      const day = index.get(row[col] ?? '');
      if (day === undefined) return;
      counts[day]![p + 1]!++;
      activeDays.add(day);
    });
    for (const day of activeDays) counts[day]![0]!++;
  }
  return dates.map((date, i) => [refresh, ...counts[i]!.map(String), date, String(days)]);
}

/** The CSV (BOM + header + rows), small enough to build at once. */
export function activeUserCountsCsv(data: DemoData, period: ReportPeriod): string {
  return '\uFEFF' + csvLine(ACTIVE_USER_COUNTS_HEADERS) + activeUserCountsRows(data, period).map(csvLine).join('');
}
