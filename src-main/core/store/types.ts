import type { DatasetId } from '../../shared/datasets';

/** What the snapshot writer records about a snapshot besides the datasets' rows (core/datasets). */

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

/* Rows of each dataset: defined with the dataset's mapping in core/datasets. */
export type { ServicePlanRow, SkuRow } from '../datasets/subscribed-skus';
export type { LicenseSource, UserLicenseRow, UserRow } from '../datasets/users';
export type { GroupLicenseRow, GroupRow } from '../datasets/groups';
export type { SignInActivityRow } from '../datasets/sign-in-activity';
export type { ReportSettingsRow } from '../datasets/report-settings';
export type { ActiveUserDetailRow } from '../datasets/report-active-user-detail';
export type { M365AppUserDetailRow } from '../datasets/report-m365-app-user-detail';
export type { ActivationsUserDetailRow } from '../datasets/report-activations-user-detail';
export type { MailboxUsageDetailRow } from '../datasets/report-mailbox-usage-detail';
