/**
 * Entry of the snapshot writer thread: owns the write connection and the snapshot's one
 * transaction, and performs the SnapshotWriterCore calls the sync posts, in order. Every
 * request gets a reply, so the sync can bound how many batches are queued.
 *
 * After a failed call the snapshot is poisoned: later writes are ignored and commit
 * rolls back and reports the first failure, so a snapshot never commits with a hole.
 */
import Database from 'better-sqlite3';
import { nativeBinding } from './db';
import { parentPort, workerData } from 'node:worker_threads';
import { isOperatorError } from '../errors/operator-error';
import type { WireError, WriterCalls, WriterReply, WriterRequest, WriterThreadData } from './writer-protocol';
import { SnapshotWriterCore } from './writer-core';

const port = parentPort;
if (!port) throw new Error('writer-worker must run as a worker thread');
const data = workerData as WriterThreadData;

function wire(e: unknown): WireError {
  if (isOperatorError(e)) return { name: e.name, message: e.message, code: e.code, hint: e.hint, operator: true };
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: unknown }).code;
  return { name: err.name, message: err.message, ...(typeof code === 'string' ? { code } : {}), operator: false };
}

// The main thread opened (and migrated) the file already; this is a second connection
// to it with the same pragmas, and no migrations.
const db = new Database(data.path, { fileMustExist: true, ...nativeBinding() });
db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(data.busyTimeoutMs ?? 5000))}`);
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
// A snapshot's commit does not copy the write-ahead log into the database file itself (about
// 0.4 s for 100,000 users, seconds for 1,000,000): checkpoint() does, once the sync has its answer.
db.pragma('wal_autocheckpoint = 0');
const writer = new SnapshotWriterCore(db, data.cacheKib === undefined ? {} : { cacheKib: data.cacheKib });

type Handlers = { [K in keyof WriterCalls]: (...args: WriterCalls[K]) => number | void };
const handlers: Handlers = {
  begin: (meta, tables) => writer.begin(meta, tables),
  insertPage: (page) => writer.insertPage(page),
  datasetRun: (row) => writer.datasetRun(row),
  discardRows: (tables) => writer.discardRows(tables),
  commit: (meta) => writer.commit(meta),
  rollback: () => writer.rollback(),
  flush: () => undefined,
  close: () => {
    writer.rollback();
    db.close();
    port.close();
  },
};

let failure: WireError | null = null;

function handle(m: WriterRequest): WriterReply {
  if (m.op === 'begin' || m.op === 'rollback' || m.op === 'close') failure = null;
  else if (failure) {
    // Poisoned: nothing more is written; commit gives up the snapshot.
    if (m.op === 'commit') writer.rollback();
    return m.op === 'commit' ? { seq: m.seq, ok: false, error: failure } : { seq: m.seq, ok: true, value: null };
  }
  try {
    const fn = handlers[m.op] as (...args: unknown[]) => number | void;
    const value = fn(...m.args);
    return { seq: m.seq, ok: true, value: typeof value === 'number' ? value : null };
  } catch (e) {
    const error = wire(e);
    if (m.op !== 'rollback' && m.op !== 'close') failure = error;
    return { seq: m.seq, ok: false, error };
  }
}

/**
 * Copy the committed snapshot from the write-ahead log into the database file, after the commit's
 * reply is on its way: the sync returns while this runs, and the thread ends only after it. PASSIVE
 * never waits for readers or writers; whatever it cannot copy, SQLite's automatic checkpoint on
 * another connection's next commit, or closing the last connection, copies later. A failure loses
 * nothing (the snapshot is committed in the log), so it is left to those.
 */
function checkpoint(): void {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Housekeeping only: see above.
  }
}

port.on('message', (m: WriterRequest) => {
  const reply = handle(m);
  if (m.op !== 'close' || !reply.ok) port.postMessage(reply);
  if (m.op === 'commit' && reply.ok) checkpoint();
});
