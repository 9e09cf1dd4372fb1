import { z } from 'zod';
import { REPORT_PERMISSION, boolCell, cell, intCell, textCell, upnCell } from './report-cells';
import { bool, defineDataset, table, type ReportPeriod } from './types';

/** learn.microsoft.com/graph/api/reportroot-getmailboxusagedetail */

export const mailboxUsageDetailRowSchema = z.object({
  'Report Refresh Date': cell,
  'User Principal Name': upnCell,
  'Display Name': cell,
  'Is Deleted': cell,
  'Created Date': cell,
  'Last Activity Date': cell,
  'Item Count': cell,
  'Storage Used (Byte)': cell,
  'Prohibit Send/Receive Quota (Byte)': cell,
  'Has Archive': cell,
  'Recipient Type': cell,
});

export interface MailboxUsageDetailRow {
  upn: string;
  displayName: string | null;
  isDeleted: boolean | null;
  createdDate: string | null;
  lastActivityDate: string | null;
  itemCount: number | null;
  storageUsedBytes: number | null;
  prohibitSendReceiveBytes: number | null;
  hasArchive: boolean | null;
  recipientType: string | null;
  reportRefreshDate: string | null;
}

export function mailboxUsageDetailRow(r: z.infer<typeof mailboxUsageDetailRowSchema>): MailboxUsageDetailRow {
  return {
    upn: r['User Principal Name'],
    displayName: textCell(r['Display Name']),
    isDeleted: boolCell(r, 'Is Deleted'),
    createdDate: textCell(r['Created Date']),
    lastActivityDate: textCell(r['Last Activity Date']),
    itemCount: intCell(r, 'Item Count'),
    storageUsedBytes: intCell(r, 'Storage Used (Byte)'),
    prohibitSendReceiveBytes: intCell(r, 'Prohibit Send/Receive Quota (Byte)'),
    hasArchive: boolCell(r, 'Has Archive'),
    recipientType: textCell(r['Recipient Type']),
    reportRefreshDate: textCell(r['Report Refresh Date']),
  };
}

const path = (period: ReportPeriod) => `/reports/getMailboxUsageDetail(period='${period}')`;

export const mailboxUsageDetail = defineDataset({
  id: 'report.mailboxUsageDetail',
  label: 'Mailbox usage report',
  tier: 'enrichment',
  permission: REPORT_PERMISSION,
  fetch: 'reportRows',
  request: (period) => ({ path: path(period) }),
  probe: path('D7'),
  item: { schema: mailboxUsageDetailRowSchema, name: 'Mailbox usage report row' },
  toRow: mailboxUsageDetailRow,
  tables: [
    table<MailboxUsageDetailRow>('report_mailbox_usage_detail', {
      upn: (r) => r.upn,
      display_name: (r) => r.displayName,
      is_deleted: (r) => bool(r.isDeleted),
      created_date: (r) => r.createdDate,
      last_activity_date: (r) => r.lastActivityDate,
      item_count: (r) => r.itemCount,
      storage_used_bytes: (r) => r.storageUsedBytes,
      prohibit_send_receive_bytes: (r) => r.prohibitSendReceiveBytes,
      has_archive: (r) => bool(r.hasArchive),
      recipient_type: (r) => r.recipientType,
      report_refresh_date: (r) => r.reportRefreshDate,
    }),
  ],
});
