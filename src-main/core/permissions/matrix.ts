/**
 * The permission matrix: one typed table, the single source of truth for what each
 * dataset needs. The sync uses it to skip a dataset with a reason, the demo tenant
 * uses `accepted` to authorise requests, and the consent walkthrough (later) builds
 * scripts and checks from it.
 *
 * Least privilege follows Microsoft's "Permissions" section of each API page
 * (learn.microsoft.com/graph/api/...). Directory.Read.All is never requested.
 */
import { DATASET_IDS, type DatasetId } from '../../shared/datasets';

export { DATASET_IDS, type DatasetId };

export interface DatasetPermission {
  label: string;
  /** Least-privileged application permission. */
  application: string;
  /** Every application permission Graph accepts for the call (least privileged first). */
  accepted: readonly string[];
  /** Least-privileged delegated scope. */
  delegated: string;
  /** Every delegated scope Graph accepts for the call (least privileged first). */
  delegatedAccepted: readonly string[];
  /**
   * Directory roles that let a signed-in user read this data with a delegated token
   * (least privileged first); empty when any member user may read it.
   */
  delegatedRoles: readonly string[];
  /** The tenant must hold Microsoft Entra ID P1 (or higher) for the data to exist. */
  requiresP1?: boolean;
  /**
   * Datasets whose permission this one needs as well: listing users with
   * signInActivity needs the user-list permission AND AuditLog.Read.All.
   */
  alsoRequires?: readonly DatasetId[];
}

/** Roles that may read per-user usage report detail (Global Reader sees tenant-level data only). */
const REPORT_DETAIL_ROLES = ['Reports Reader', 'Global Administrator'] as const;

const READ_DIRECTORY_FALLBACKS = ['Directory.Read.All', 'Directory.ReadWrite.All'] as const;
const REPORTS = ['Reports.Read.All'] as const;
const REPORT_DELEGATED = { delegated: 'Reports.Read.All', delegatedAccepted: REPORTS, delegatedRoles: REPORT_DETAIL_ROLES } as const;

export const DATASET_PERMISSIONS: Record<DatasetId, DatasetPermission> = {
  subscribedSkus: {
    label: 'Subscribed SKUs',
    application: 'LicenseAssignment.Read.All',
    accepted: ['LicenseAssignment.Read.All', 'Organization.Read.All', 'LicenseAssignment.ReadWrite.All', 'Organization.ReadWrite.All', ...READ_DIRECTORY_FALLBACKS],
    delegated: 'LicenseAssignment.Read.All',
    delegatedAccepted: ['LicenseAssignment.Read.All', 'Organization.Read.All', 'LicenseAssignment.ReadWrite.All', 'Organization.ReadWrite.All', ...READ_DIRECTORY_FALLBACKS],
    delegatedRoles: [],
  },
  users: {
    label: 'Users and licences',
    application: 'User.Read.All',
    accepted: ['User.Read.All', 'User.ReadWrite.All', ...READ_DIRECTORY_FALLBACKS],
    delegated: 'User.Read.All',
    delegatedAccepted: ['User.Read.All', 'User.ReadWrite.All', ...READ_DIRECTORY_FALLBACKS],
    delegatedRoles: [],
  },
  signInActivity: {
    label: 'Sign-in activity',
    application: 'AuditLog.Read.All',
    accepted: ['AuditLog.Read.All'],
    delegated: 'AuditLog.Read.All',
    delegatedAccepted: ['AuditLog.Read.All'],
    delegatedRoles: ['Reports Reader', 'Security Reader', 'Global Reader', 'Security Administrator', 'Global Administrator'],
    requiresP1: true,
    alsoRequires: ['users'],
  },
  groups: {
    label: 'Groups with licences',
    application: 'GroupMember.Read.All',
    accepted: ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', ...READ_DIRECTORY_FALLBACKS],
    delegated: 'GroupMember.Read.All',
    delegatedAccepted: ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', ...READ_DIRECTORY_FALLBACKS],
    delegatedRoles: [],
  },
  reportSettings: {
    label: 'Report privacy setting',
    application: 'ReportSettings.Read.All',
    accepted: ['ReportSettings.Read.All', 'ReportSettings.ReadWrite.All'],
    delegated: 'ReportSettings.Read.All',
    delegatedAccepted: ['ReportSettings.Read.All', 'ReportSettings.ReadWrite.All'],
    delegatedRoles: ['Reports Reader', 'Global Reader', 'Global Administrator'],
  },
  'report.activeUserDetail': { label: 'Office 365 active users report', application: 'Reports.Read.All', accepted: REPORTS, ...REPORT_DELEGATED },
  'report.m365AppUserDetail': { label: 'Microsoft 365 Apps usage report', application: 'Reports.Read.All', accepted: REPORTS, ...REPORT_DELEGATED },
  'report.activationsUserDetail': { label: 'Office activations report', application: 'Reports.Read.All', accepted: REPORTS, ...REPORT_DELEGATED },
  'report.mailboxUsageDetail': { label: 'Mailbox usage report', application: 'Reports.Read.All', accepted: REPORTS, ...REPORT_DELEGATED },
};

/**
 * The least-privileged application permission still missing for the dataset
 * (its own, or one of a dataset it also requires), or undefined when granted.
 */
export function missingApplicationPermission(dataset: DatasetId, granted: Iterable<string>): string | undefined {
  const have = new Set(granted);
  for (const d of [dataset, ...(DATASET_PERMISSIONS[dataset].alsoRequires ?? [])]) {
    const p = DATASET_PERMISSIONS[d];
    if (!p.accepted.some((a) => have.has(a))) return p.application;
  }
  return undefined;
}

/** True when `granted` satisfies the dataset (and every dataset it also requires). */
export function grants(dataset: DatasetId, granted: Iterable<string>): boolean {
  return missingApplicationPermission(dataset, granted) === undefined;
}

/** The least-privileged delegated scope still missing for the dataset, or undefined. */
export function missingDelegatedScope(dataset: DatasetId, scopes: Iterable<string>): string | undefined {
  const have = new Set(scopes);
  for (const d of [dataset, ...(DATASET_PERMISSIONS[dataset].alsoRequires ?? [])]) {
    const p = DATASET_PERMISSIONS[d];
    if (!p.delegatedAccepted.some((a) => have.has(a))) return p.delegated;
  }
  return undefined;
}

/** True when a delegated token's scopes (and the user's roles) satisfy the dataset. */
export function grantsDelegated(dataset: DatasetId, scopes: Iterable<string>, userRoles: Iterable<string>): boolean {
  const p = DATASET_PERMISSIONS[dataset];
  if (missingDelegatedScope(dataset, scopes) !== undefined) return false;
  if (p.delegatedRoles.length === 0) return true;
  const roles = new Set(userRoles);
  return p.delegatedRoles.some((r) => roles.has(r));
}

/** The least-privileged delegated scopes the product asks for, deduplicated. */
export function requiredDelegatedScopes(): string[] {
  return [...new Set(DATASET_IDS.map((d) => DATASET_PERMISSIONS[d].delegated))];
}

/** The least-privileged application permissions the product asks for, deduplicated. */
export function requiredApplicationPermissions(): string[] {
  return [...new Set(DATASET_IDS.map((d) => DATASET_PERMISSIONS[d].application))];
}
