import { z } from 'zod';
import { REPORT_PERMISSION, boolCell, cell, textCell, upnCell } from './report-cells';
import { bool, defineDataset, table, type ReportPeriod } from './types';

/** learn.microsoft.com/graph/api/reportroot-getoffice365activeuserdetail */

export const activeUserDetailRowSchema = z.object({
  'Report Refresh Date': cell,
  'User Principal Name': upnCell,
  'Display Name': cell,
  'Is Deleted': cell,
  'Has Exchange License': cell,
  'Has OneDrive License': cell,
  'Has SharePoint License': cell,
  'Has Skype For Business License': cell,
  'Has Yammer License': cell,
  'Has Teams License': cell,
  'Exchange Last Activity Date': cell,
  'OneDrive Last Activity Date': cell,
  'SharePoint Last Activity Date': cell,
  'Skype For Business Last Activity Date': cell,
  'Yammer Last Activity Date': cell,
  'Teams Last Activity Date': cell,
  'Assigned Products': cell,
});

export interface ActiveUserDetailRow {
  upn: string;
  displayName: string | null;
  isDeleted: boolean | null;
  hasExchangeLicense: boolean | null;
  hasOneDriveLicense: boolean | null;
  hasSharePointLicense: boolean | null;
  hasTeamsLicense: boolean | null;
  hasYammerLicense: boolean | null;
  hasSkypeLicense: boolean | null;
  exchangeLastActivity: string | null;
  oneDriveLastActivity: string | null;
  sharePointLastActivity: string | null;
  teamsLastActivity: string | null;
  yammerLastActivity: string | null;
  skypeLastActivity: string | null;
  assignedProducts: string | null;
  reportRefreshDate: string | null;
}

export function activeUserDetailRow(r: z.infer<typeof activeUserDetailRowSchema>): ActiveUserDetailRow {
  return {
    upn: r['User Principal Name'],
    displayName: textCell(r['Display Name']),
    isDeleted: boolCell(r, 'Is Deleted'),
    hasExchangeLicense: boolCell(r, 'Has Exchange License'),
    hasOneDriveLicense: boolCell(r, 'Has OneDrive License'),
    hasSharePointLicense: boolCell(r, 'Has SharePoint License'),
    hasTeamsLicense: boolCell(r, 'Has Teams License'),
    hasYammerLicense: boolCell(r, 'Has Yammer License'),
    hasSkypeLicense: boolCell(r, 'Has Skype For Business License'),
    exchangeLastActivity: textCell(r['Exchange Last Activity Date']),
    oneDriveLastActivity: textCell(r['OneDrive Last Activity Date']),
    sharePointLastActivity: textCell(r['SharePoint Last Activity Date']),
    teamsLastActivity: textCell(r['Teams Last Activity Date']),
    yammerLastActivity: textCell(r['Yammer Last Activity Date']),
    skypeLastActivity: textCell(r['Skype For Business Last Activity Date']),
    assignedProducts: textCell(r['Assigned Products']),
    reportRefreshDate: textCell(r['Report Refresh Date']),
  };
}

const path = (period: ReportPeriod) => `/reports/getOffice365ActiveUserDetail(period='${period}')`;

export const activeUserDetail = defineDataset({
  id: 'report.activeUserDetail',
  label: 'Office 365 active users report',
  tier: 'enrichment',
  permission: REPORT_PERMISSION,
  fetch: 'reportRows',
  request: (period) => ({ path: path(period) }),
  probe: path('D7'),
  item: { schema: activeUserDetailRowSchema, name: 'Office 365 active users report row' },
  toRow: activeUserDetailRow,
  tables: [
    table<ActiveUserDetailRow>('report_active_user_detail', {
      upn: (r) => r.upn,
      display_name: (r) => r.displayName,
      is_deleted: (r) => bool(r.isDeleted),
      has_exchange_license: (r) => bool(r.hasExchangeLicense),
      has_onedrive_license: (r) => bool(r.hasOneDriveLicense),
      has_sharepoint_license: (r) => bool(r.hasSharePointLicense),
      has_teams_license: (r) => bool(r.hasTeamsLicense),
      has_yammer_license: (r) => bool(r.hasYammerLicense),
      has_skype_license: (r) => bool(r.hasSkypeLicense),
      exchange_last_activity: (r) => r.exchangeLastActivity,
      onedrive_last_activity: (r) => r.oneDriveLastActivity,
      sharepoint_last_activity: (r) => r.sharePointLastActivity,
      teams_last_activity: (r) => r.teamsLastActivity,
      yammer_last_activity: (r) => r.yammerLastActivity,
      skype_last_activity: (r) => r.skypeLastActivity,
      assigned_products: (r) => r.assignedProducts,
      report_refresh_date: (r) => r.reportRefreshDate,
    }),
  ],
});
