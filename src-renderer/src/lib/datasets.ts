import type { DatasetId } from '../../../src-main/shared/datasets';

/** Names an operator reads for each dataset; a Record, so a new dataset fails the build until it has one. */
export const DATASET_LABELS: Record<DatasetId, string> = {
  subscribedSkus: 'Licences (SKUs)',
  users: 'Users and their licences',
  signInActivity: 'Sign-in activity',
  groups: 'Groups that assign licences',
  reportSettings: 'Report privacy setting',
  'report.activeUserDetail': 'Usage: active users',
  'report.m365AppUserDetail': 'Usage: Microsoft 365 Apps',
  'report.activationsUserDetail': 'Usage: Office activations',
  'report.mailboxUsageDetail': 'Usage: mailboxes',
};
