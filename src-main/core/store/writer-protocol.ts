import type { DatasetId } from '../permissions/matrix';
import type {
  ActivationsUserDetailRow,
  ActiveUserDetailRow,
  DatasetRunRow,
  GroupRow,
  M365AppUserDetailRow,
  MailboxUsageDetailRow,
  ReportSettingsRow,
  SignInActivityRow,
  SkuRow,
  SnapshotBeginMeta,
  SnapshotFinalMeta,
} from './types';
import type { UserPage } from './writer';

/** Messages between the sync (main thread) and the snapshot writer thread. */

/** Arguments of each SnapshotWriter call the writer thread performs. */
export interface WriterCalls {
  begin: [SnapshotBeginMeta];
  insertSkus: [SkuRow[]];
  insertUserPage: [UserPage];
  insertGroups: [GroupRow[]];
  insertSignInActivity: [SignInActivityRow[]];
  insertActiveUserDetail: [ActiveUserDetailRow[]];
  insertM365AppUserDetail: [M365AppUserDetailRow[]];
  insertActivationsUserDetail: [ActivationsUserDetailRow[]];
  insertMailboxUsageDetail: [MailboxUsageDetailRow[]];
  setReportSettings: [ReportSettingsRow];
  datasetRun: [DatasetRunRow];
  discardDataset: [DatasetId];
  commit: [SnapshotFinalMeta];
  rollback: [];
  /** Nothing: answered once every earlier request is done. */
  flush: [];
  /** Close the connection and let the thread end. */
  close: [];
}

export type WriterOp = keyof WriterCalls;

export type WriterRequest = { [K in WriterOp]: { seq: number; op: K; args: WriterCalls[K] } }[WriterOp];

/** An error as it crosses the thread boundary (Error subclasses do not survive structured clone). */
export interface WireError {
  name: string;
  message: string;
  /** OperatorError code, or the SQLite error code (SQLITE_...). */
  code?: string;
  hint?: string;
  operator: boolean;
}

export type WriterReply = { seq: number; ok: true; value: number | null } | { seq: number; ok: false; error: WireError };

export interface WriterThreadData {
  path: string;
  cacheKib?: number;
  busyTimeoutMs?: number;
}
