import type { DatasetId } from '../../../src-main/shared/datasets';

/**
 * Names an operator reads for the datasets while a sync runs (a finished sync carries the
 * registry's own labels). A dataset added to the registry shows by its id until named here.
 */
const LABELS: Partial<Record<DatasetId, string>> = {
  subscribedSkus: 'Licences (SKUs)',
  users: 'Users and their licences',
  signInActivity: 'Sign-in activity',
  groups: 'Groups that assign licences',
  subscriptions: 'Subscriptions',
  reportSettings: 'Report privacy setting',
  'report.activeUserDetail': 'Usage: active users',
  'report.m365AppUserDetail': 'Usage: Microsoft 365 Apps',
  'report.activationsUserDetail': 'Usage: Office activations',
  'report.mailboxUsageDetail': 'Usage: mailboxes',
};

export function datasetLabel(id: DatasetId): string {
  return LABELS[id] ?? id;
}
