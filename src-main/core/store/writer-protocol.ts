import type { SnapshotWriterCore } from './writer-core';

/** Messages between the sync (main thread) and the snapshot writer thread. */

/** The SnapshotWriterCore calls a sink forwards (the writer thread performs them in order). */
export type SinkOp = 'begin' | 'insertPage' | 'datasetRun' | 'discardRows' | 'commit' | 'rollback';

/** Arguments of each request to the writer thread: SnapshotWriterCore's own, plus flush and close. */
export type WriterCalls = { [K in SinkOp]: Parameters<SnapshotWriterCore[K]> } & {
  /** Nothing: answered once every earlier request is done. */
  flush: [];
  /** Close the connection and let the thread end. */
  close: [];
};

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
