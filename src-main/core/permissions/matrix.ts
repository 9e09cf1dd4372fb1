/**
 * The permission matrix: one typed table, the single source of truth for what each
 * dataset needs. The sync uses it to skip a dataset with a reason, the demo tenant
 * uses `accepted` to authorise requests, and the consent walkthrough (later) builds
 * scripts and checks from it.
 *
 * Least privilege follows Microsoft's "Permissions" section of each API page
 * (learn.microsoft.com/graph/api/...). Directory.Read.All is never requested.
 */
export const DATASET_IDS = [
  'subscribedSkus',
  'users',
  'signInActivity',
  'groups',
  'reportSettings',
  'report.activeUserDetail',
  'report.m365AppUserDetail',
  'report.activationsUserDetail',
  'report.mailboxUsageDetail',
] as const;
export type DatasetId = (typeof DATASET_IDS)[number];

export interface DatasetPermission {
  label: string;
  /** Least-privileged application permission. */
  application: string;
  /** Every application permission Graph accepts for the call (least privileged first). */
  accepted: readonly string[];
  /** The tenant must hold Microsoft Entra ID P1 (or higher) for the data to exist. */
  requiresP1?: boolean;
}

const READ_DIRECTORY_FALLBACKS = ['Directory.Read.All', 'Directory.ReadWrite.All'] as const;
const REPORTS = ['Reports.Read.All'] as const;

export const DATASET_PERMISSIONS: Record<DatasetId, DatasetPermission> = {
  subscribedSkus: {
    label: 'Subscribed SKUs',
    application: 'LicenseAssignment.Read.All',
    accepted: ['LicenseAssignment.Read.All', 'Organization.Read.All', 'LicenseAssignment.ReadWrite.All', 'Organization.ReadWrite.All', ...READ_DIRECTORY_FALLBACKS],
  },
  users: {
    label: 'Users and licences',
    application: 'User.Read.All',
    accepted: ['User.Read.All', 'User.ReadWrite.All', ...READ_DIRECTORY_FALLBACKS],
  },
  signInActivity: {
    label: 'Sign-in activity',
    application: 'AuditLog.Read.All',
    accepted: ['AuditLog.Read.All'],
    requiresP1: true,
  },
  groups: {
    label: 'Groups with licences',
    application: 'GroupMember.Read.All',
    accepted: ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', ...READ_DIRECTORY_FALLBACKS],
  },
  reportSettings: {
    label: 'Report privacy setting',
    application: 'ReportSettings.Read.All',
    accepted: ['ReportSettings.Read.All', 'ReportSettings.ReadWrite.All'],
  },
  'report.activeUserDetail': { label: 'Office 365 active users report', application: 'Reports.Read.All', accepted: REPORTS },
  'report.m365AppUserDetail': { label: 'Microsoft 365 Apps usage report', application: 'Reports.Read.All', accepted: REPORTS },
  'report.activationsUserDetail': { label: 'Office activations report', application: 'Reports.Read.All', accepted: REPORTS },
  'report.mailboxUsageDetail': { label: 'Mailbox usage report', application: 'Reports.Read.All', accepted: REPORTS },
};

/** True when any of `granted` satisfies the dataset. */
export function grants(dataset: DatasetId, granted: Iterable<string>): boolean {
  const accepted = new Set(DATASET_PERMISSIONS[dataset].accepted);
  for (const g of granted) if (accepted.has(g)) return true;
  return false;
}

/** The least-privileged application permissions the product asks for, deduplicated. */
export function requiredApplicationPermissions(): string[] {
  return [...new Set(DATASET_IDS.map((d) => DATASET_PERMISSIONS[d].application))];
}
