import { z } from 'zod';
import { REPORT_PERMISSION, boolCell, cell, intCell, textCell, upnCell } from './report-cells';
import { bool, defineDataset, table } from './types';

/** learn.microsoft.com/graph/api/reportroot-getoffice365activationsuserdetail (no period) */

export const activationsUserDetailRowSchema = z.object({
  'Report Refresh Date': cell,
  'User Principal Name': upnCell,
  'Display Name': cell,
  'Product Type': cell,
  'Last Activated Date': cell,
  Windows: cell,
  Mac: cell,
  'Windows 10 Mobile': cell,
  iOS: cell,
  Android: cell,
  'Activated On Shared Computer': cell,
});

export interface ActivationsUserDetailRow {
  upn: string;
  displayName: string | null;
  productType: string | null;
  lastActivatedDate: string | null;
  windows: number | null;
  mac: number | null;
  windows10Mobile: number | null;
  ios: number | null;
  android: number | null;
  sharedComputer: boolean | null;
  reportRefreshDate: string | null;
}

export function activationsUserDetailRow(r: z.infer<typeof activationsUserDetailRowSchema>): ActivationsUserDetailRow {
  return {
    upn: r['User Principal Name'],
    displayName: textCell(r['Display Name']),
    productType: textCell(r['Product Type']),
    lastActivatedDate: textCell(r['Last Activated Date']),
    windows: intCell(r, 'Windows'),
    mac: intCell(r, 'Mac'),
    windows10Mobile: intCell(r, 'Windows 10 Mobile'),
    ios: intCell(r, 'iOS'),
    android: intCell(r, 'Android'),
    sharedComputer: boolCell(r, 'Activated On Shared Computer'),
    reportRefreshDate: textCell(r['Report Refresh Date']),
  };
}

const PATH = '/reports/getOffice365ActivationsUserDetail';

export const activationsUserDetail = defineDataset({
  id: 'report.activationsUserDetail',
  label: 'Office activations report',
  tier: 'enrichment',
  permission: REPORT_PERMISSION,
  fetch: 'reportRows',
  request: () => ({ path: PATH }),
  probe: PATH,
  item: { schema: activationsUserDetailRowSchema, name: 'Office activations report row' },
  toRow: activationsUserDetailRow,
  tables: [
    table<ActivationsUserDetailRow>('report_activations_user_detail', {
      upn: (r) => r.upn,
      display_name: (r) => r.displayName,
      product_type: (r) => r.productType,
      last_activated_date: (r) => r.lastActivatedDate,
      windows: (r) => r.windows,
      mac: (r) => r.mac,
      windows10_mobile: (r) => r.windows10Mobile,
      ios: (r) => r.ios,
      android: (r) => r.android,
      shared_computer: (r) => bool(r.sharedComputer),
      report_refresh_date: (r) => r.reportRefreshDate,
    }),
  ],
});
