import type { DatasetId } from '../permissions/matrix';

/** Rows the snapshot writer accepts: already validated and mapped from Graph (sync/map.ts). */

export interface SnapshotBeginMeta {
  profileName: string;
  tenantId: string;
  /** ISO-8601 UTC. */
  startedAt: string;
  /** Application permissions of the token used (roles claim). Never the token itself. */
  tokenRoles: readonly string[];
  graphBaseUrl?: string;
}

export interface SnapshotFinalMeta {
  finishedAt: string;
  warnings: readonly string[];
  /** Users written, or null when the users dataset was skipped. */
  userCount: number | null;
}

export type DatasetRunStatus = 'ok' | 'skipped' | 'failed';

export interface DatasetRunRow {
  dataset: DatasetId;
  status: DatasetRunStatus;
  reason?: string | null;
  missingPermission?: string | null;
  items: number;
  expected?: number | null;
  startedAt?: string | null;
  finishedAt?: string | null;
}

export interface ServicePlanRow {
  servicePlanId: string;
  servicePlanName: string | null;
  provisioningStatus: string | null;
  appliesTo: string | null;
}

export interface SkuRow {
  skuId: string;
  skuPartNumber: string;
  capabilityStatus: string | null;
  appliesTo: string | null;
  consumedUnits: number;
  enabled: number;
  warning: number;
  suspended: number;
  lockedOut: number;
  subscriptionIds: readonly string[];
  servicePlans: readonly ServicePlanRow[];
}

export type LicenseSource = 'direct' | 'group';

export interface UserLicenseRow {
  skuId: string;
  source: LicenseSource;
  /** Set exactly when source is 'group'. */
  groupId: string | null;
  state: string | null;
  error: string | null;
  disabledPlans: readonly string[];
  lastUpdated: string | null;
}

export interface UserRow {
  id: string;
  upn: string | null;
  displayName: string | null;
  mail: string | null;
  accountEnabled: boolean | null;
  userType: string | null;
  createdAt: string | null;
  department: string | null;
  jobTitle: string | null;
  usageLocation: string | null;
  licenses: readonly UserLicenseRow[];
}

export interface GroupLicenseRow {
  skuId: string;
  disabledPlans: readonly string[];
}

export interface GroupRow {
  id: string;
  displayName: string | null;
  licenses: readonly GroupLicenseRow[];
}

export interface SignInActivityRow {
  userId: string;
  lastSignIn: string | null;
  lastNonInteractive: string | null;
  lastSuccessful: string | null;
}

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
  raw: Readonly<Record<string, string>>;
}

export interface M365AppUserDetailRow {
  upn: string;
  lastActivationDate: string | null;
  lastActivityDate: string | null;
  windows: boolean | null;
  mac: boolean | null;
  mobile: boolean | null;
  web: boolean | null;
  reportRefreshDate: string | null;
  raw: Readonly<Record<string, string>>;
}

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
  raw: Readonly<Record<string, string>>;
}

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
  raw: Readonly<Record<string, string>>;
}

export interface ReportSettingsRow {
  displayConcealedNames: boolean;
}
