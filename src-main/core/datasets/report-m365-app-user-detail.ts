import { z } from 'zod';
import { REPORT_PERMISSION, boolCell, cell, textCell, upnCell } from './report-cells';
import { bool, defineDataset, table, type ReportPeriod } from './types';

/** learn.microsoft.com/graph/api/reportroot-getm365appuserdetail */

export const m365AppUserDetailRowSchema = z.object({
  'Report Refresh Date': cell,
  'User Principal Name': upnCell,
  'Last Activation Date': cell,
  'Last Activity Date': cell,
  Windows: cell,
  Mac: cell,
  Mobile: cell,
  Web: cell,
});

export interface M365AppUserDetailRow {
  upn: string;
  lastActivationDate: string | null;
  lastActivityDate: string | null;
  windows: boolean | null;
  mac: boolean | null;
  mobile: boolean | null;
  web: boolean | null;
  reportRefreshDate: string | null;
}

export function m365AppUserDetailRow(r: z.infer<typeof m365AppUserDetailRowSchema>): M365AppUserDetailRow {
  return {
    upn: r['User Principal Name'],
    lastActivationDate: textCell(r['Last Activation Date']),
    lastActivityDate: textCell(r['Last Activity Date']),
    windows: boolCell(r, 'Windows'),
    mac: boolCell(r, 'Mac'),
    mobile: boolCell(r, 'Mobile'),
    web: boolCell(r, 'Web'),
    reportRefreshDate: textCell(r['Report Refresh Date']),
  };
}

const path = (period: ReportPeriod) => `/reports/getM365AppUserDetail(period='${period}')?$format=text/csv`;

export const m365AppUserDetail = defineDataset({
  id: 'report.m365AppUserDetail',
  label: 'Microsoft 365 Apps usage report',
  tier: 'enrichment',
  permission: REPORT_PERMISSION,
  fetch: 'reportRows',
  request: (period) => ({ path: path(period) }),
  probe: path('D7'),
  item: { schema: m365AppUserDetailRowSchema, name: 'Microsoft 365 Apps usage report row' },
  toRow: m365AppUserDetailRow,
  tables: [
    table<M365AppUserDetailRow>('report_m365_app_user_detail', {
      upn: (r) => r.upn,
      last_activation_date: (r) => r.lastActivationDate,
      last_activity_date: (r) => r.lastActivityDate,
      windows: (r) => bool(r.windows),
      mac: (r) => bool(r.mac),
      mobile: (r) => bool(r.mobile),
      web: (r) => bool(r.web),
      report_refresh_date: (r) => r.reportRefreshDate,
    }),
  ],
});
