import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { datasetTables } from '../datasets';
import { OperatorError } from '../errors/operator-error';
import type { Db } from './db';
import { syncHeapGrowth, type HeapGrowthLimit } from './heap-growth';
import type { DatasetRunRow, SnapshotBeginMeta, SnapshotFinalMeta } from './types';
import { SnapshotWriter, type PackedRows, type TableSpec } from './writer';
import type { SinkOp, WireError, WriterCalls, WriterOp, WriterReply, WriterRequest, WriterThreadData } from './writer-protocol';

/**
 * Where a sync writes its snapshot: SnapshotWriter's calls, asynchronous so the writes
 * can happen on another thread. Same guarantees as SnapshotWriter: one transaction per
 * snapshot; nothing of a failed or rolled-back snapshot remains.
 *
 * Insert calls resolve once the batch is queued (they wait only when too many batches are
 * queued); a failed insert surfaces on a later call and always on commit(), which then
 * saves nothing. begin/discardRows/commit/rollback resolve when done.
 */
export type SnapshotSink = {
  [K in SinkOp]: (...args: Parameters<SnapshotWriter[K]>) => Promise<ReturnType<SnapshotWriter[K]>>;
} & {
  /** Resolves once every queued batch is written; throws the first failure of one. */
  flush(): Promise<void>;
  /** Release the sink (and its thread). Rolls back a snapshot still open. */
  close(): Promise<void>;
};

/** SnapshotWriter on the calling thread (in-memory databases, which another thread cannot open). */
export class LocalSnapshotSink implements SnapshotSink {
  readonly #w: SnapshotWriter;
  /** First failed write of the open snapshot: commit then refuses, as on the writer thread. */
  #failure: unknown = null;

  constructor(db: Db, opts: { cacheKib?: number } = {}) {
    this.#w = new SnapshotWriter(db, opts);
  }

  #write(fn: () => void): Promise<void> {
    if (this.#failure !== null) return Promise.reject(this.#failure);
    try {
      fn();
      return Promise.resolve();
    } catch (e) {
      this.#failure = e;
      return Promise.reject(e);
    }
  }

  async begin(meta: SnapshotBeginMeta, tables?: readonly TableSpec[]): Promise<number> {
    this.#failure = null;
    return this.#w.begin(meta, tables);
  }
  insertPage(page: readonly PackedRows[]): Promise<void> { return this.#write(() => this.#w.insertPage(page)); }
  datasetRun(row: DatasetRunRow): Promise<void> { return this.#write(() => this.#w.datasetRun(row)); }
  discardRows(tables: readonly string[]): Promise<void> { return this.#write(() => this.#w.discardRows(tables)); }
  async flush(): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
  }
  async commit(meta: SnapshotFinalMeta): Promise<number> {
    if (this.#failure !== null) {
      this.#w.rollback();
      throw this.#failure;
    }
    return this.#w.commit(meta);
  }
  // Only a snapshot this sink began is rolled back: the connection may be in another writer's transaction.
  async rollback(): Promise<void> {
    this.#failure = null;
    if (this.#w.active) this.#w.rollback();
  }
  async close(): Promise<void> {
    await this.rollback();
  }
}

/** Batches queued for the writer thread before an insert call waits (bounds memory to a few pages). */
export const WRITER_QUEUE_DEPTH = 4;

/**
 * The writer thread's V8 heap. Everything it allocates is one batch's cells, dead once inserted, so
 * a small young generation holds a batch (a page of 999 users is about 1.5 MB of strings) and is
 * collected cheaply; V8's default lets it grow to 16 MB, which a sync's peak RSS then carries.
 * Measured over a 100,000-user sync: 22 MB of heap by default, 14 MB with 8 MB (no measurable CPU
 * cost), 10 MB with 4 MB (a few per cent more CPU); at 2 MB batches reached the old generation.
 */
const WRITER_RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 8 } as const;

const BUG_HINT = 'This is a bug in the tool; please report it.';

function fromWire(e: WireError): Error {
  if (e.operator) {
    return new OperatorError((e.code ?? 'internal') as OperatorError['code'], e.message, { hint: e.hint ?? BUG_HINT });
  }
  const err = new Error(e.message);
  err.name = e.name;
  if (e.code !== undefined) Object.assign(err, { code: e.code });
  return err;
}

/**
 * The writer thread's entry: next to the bundle once built (writer-worker.js from the CLI's
 * esbuild, writer-worker.cjs from electron-vite's main build), the TypeScript source when
 * running from the sources (tsx, vitest).
 */
export function writerWorkerEntry(): { url: URL; typescript: boolean } {
  for (const name of ['./writer-worker.js', './writer-worker.cjs']) {
    const url = new URL(name, import.meta.url);
    if (existsSync(fileURLToPath(url))) return { url, typescript: false };
  }
  return { url: new URL('./writer-worker.ts', import.meta.url), typescript: true };
}

/** URL of tsx's ESM API as seen from this module (its exports map, when import.meta.resolve is not offered). */
function tsxEsmApi(): string {
  if (typeof import.meta.resolve === 'function') return import.meta.resolve('tsx/esm/api');
  const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { exports?: Record<string, { import?: { default?: string } }> };
  const rel = pkg.exports?.['./esm/api']?.import?.default;
  if (!rel) throw new OperatorError('internal', 'Cannot locate the TypeScript loader for the writer thread.', { hint: BUG_HINT });
  return new URL(rel, pathToFileURL(pkgPath)).href;
}

/** Worker source that imports a TypeScript entry through tsx (resolved from this module, not the cwd). */
function tsBootstrap(entry: URL): string {
  const api = tsxEsmApi();
  return `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(entry.href)}, ${JSON.stringify(entry.href)}));`;
}

/** Connections with a snapshot being written by a writer thread. */
const writing = new WeakSet<Db>();

/**
 * The last writer thread of each connection, until it has ended: after a commit it goes on to
 * checkpoint the snapshot into the database file (writer-worker.ts) while the sync returns.
 */
const settling = new WeakMap<Db, Promise<void>>();

/**
 * Resolves once the last writer thread of `db` has ended, its checkpoint done: for a caller that
 * needs the database file complete (a copy of the file), or the whole cost of a sync measured.
 */
export function snapshotWriterSettled(db: Db): Promise<void> {
  return settling.get(db) ?? Promise.resolve();
}

/**
 * Closes `db` once its last writer thread has ended. Closing at once is safe (the thread has
 * its own connection), but the files would go on changing after the caller is done with them:
 * the WAL is checkpointed and removed by the thread's connection, the last one to close.
 */
export async function closeDatabase(db: Db): Promise<void> {
  await snapshotWriterSettled(db);
  if (db.open) db.close();
}

interface Pending {
  resolve: (v: number | null) => void;
  reject: (e: Error) => void;
  batch: boolean;
}

/**
 * SnapshotWriter on a dedicated worker thread with its own connection to the same file:
 * the sync's thread fetches, parses and validates the next page while this one inserts.
 * Requests travel in order over one port, so the thread performs them in the order made.
 */
export class ThreadSnapshotSink implements SnapshotSink {
  readonly #db: Db;
  readonly #worker: Worker;
  readonly #depth: number;
  readonly #exited: Promise<void>;
  /** The previous writer thread of this connection, maybe still checkpointing its snapshot. */
  readonly #previous: Promise<void>;
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  #queued = 0;
  #waiters: (() => void)[] = [];
  /** First failure of a queued batch (or of the thread itself); sticky until rollback. */
  #failure: Error | null = null;
  #dead: Error | null = null;
  #closed = false;
  /** This sink no longer holds its connection in `writing`. */
  #released = false;

  constructor(db: Db, opts: { cacheKib?: number; queueDepth?: number; entry?: { url: URL; typescript: boolean } } = {}) {
    if (db.memory || db.name === '' || db.readonly) {
      throw new OperatorError('internal', 'The writer thread needs a database file opened for writing.', { hint: BUG_HINT });
    }
    if (db.inTransaction || writing.has(db)) {
      throw new OperatorError('store', 'Another sync is already writing to this database.', { hint: 'Wait for the running sync to finish, then try again.' });
    }
    this.#db = db;
    this.#previous = snapshotWriterSettled(db);
    this.#depth = Math.max(1, Math.trunc(opts.queueDepth ?? WRITER_QUEUE_DEPTH));
    const entry = opts.entry ?? writerWorkerEntry();
    const data: WriterThreadData = { path: db.name, ...(opts.cacheKib !== undefined ? { cacheKib: opts.cacheKib } : {}) };
    this.#worker = entry.typescript
      ? // From the sources: Node 20 does not carry tsx's loader hooks into a worker, so the
        // thread starts with a bootstrap that loads the entry through tsx.
        new Worker(tsBootstrap(entry.url), { eval: true, workerData: data, resourceLimits: WRITER_RESOURCE_LIMITS })
      : new Worker(entry.url, { workerData: data, resourceLimits: WRITER_RESOURCE_LIMITS });
    writing.add(db);
    this.#worker.on('message', (m: WriterReply) => this.#onReply(m));
    this.#exited = new Promise<void>((resolve) => {
      this.#worker.once('error', (e) => this.#die(e));
      this.#worker.once('exit', (code) => {
        this.#die(new Error(`exit code ${code}`));
        this.#release();
        resolve();
      });
    });
    const previous = this.#previous;
    settling.set(db, this.#exited.then(() => previous));
  }

  /** The connection is free for another sink (once: a later sink's entry is not this one's). */
  #release(): void {
    if (this.#released) return;
    this.#released = true;
    writing.delete(this.#db);
  }

  #die(e: Error): void {
    if (this.#dead) return;
    const err = this.#closed
      ? new OperatorError('internal', 'The snapshot writer is closed.', { hint: BUG_HINT })
      : new OperatorError('store', `The snapshot writer stopped unexpectedly: ${e.message}`, {
          hint: 'Check the free disk space and the data folder, then sync again. The previous snapshot is unchanged.',
          cause: e,
        });
    this.#dead = err;
    this.#failure ??= err;
    for (const p of this.#pending.values()) p.reject(err);
    this.#pending.clear();
    this.#queued = 0;
    this.#wake();
  }

  #wake(): void {
    const ws = this.#waiters;
    this.#waiters = [];
    for (const w of ws) w();
  }

  #onReply(m: WriterReply): void {
    const p = this.#pending.get(m.seq);
    if (!p) return;
    this.#pending.delete(m.seq);
    if (p.batch) {
      this.#queued -= 1;
      if (!m.ok) this.#failure ??= fromWire(m.error);
      if (this.#queued < this.#depth || this.#failure) this.#wake();
      p.resolve(null);
      return;
    }
    if (m.ok) p.resolve(m.value);
    else p.reject(fromWire(m.error));
  }

  #post<K extends WriterOp>(op: K, args: WriterCalls[K], batch: boolean): Promise<number | null> {
    if (this.#dead) return Promise.reject(this.#dead);
    const seq = ++this.#seq;
    const done = new Promise<number | null>((resolve, reject) => this.#pending.set(seq, { resolve, reject, batch }));
    this.#worker.postMessage({ seq, op, args } as WriterRequest);
    return done;
  }

  /** A call whose result the sync needs before going on. */
  async #call<K extends WriterOp>(op: K, args: WriterCalls[K]): Promise<number | null> {
    return this.#post(op, args, false);
  }

  /** Queue a batch; waits while the queue is full; throws the first failure of an earlier batch. */
  async #batch<K extends WriterOp>(op: K, args: WriterCalls[K]): Promise<void> {
    if (this.#failure) throw this.#failure;
    // Failures of a batch are recorded by #onReply; the per-batch promise only settles the count.
    this.#post(op, args, true).catch(() => undefined);
    this.#queued += 1;
    while (this.#queued >= this.#depth && !this.#failure) await new Promise<void>((r) => this.#waiters.push(r));
    if (this.#failure) throw this.#failure;
  }

  /** Number of batches sent and not yet written (tests, diagnostics). */
  get queued(): number {
    return this.#queued;
  }

  async begin(meta: SnapshotBeginMeta, tables?: readonly TableSpec[]): Promise<number> {
    this.#failure = null;
    // One checkpoint at a time: the previous sync's thread ends first (it never fails).
    await this.#previous;
    // The thread's writer does not load the dataset registry: the default tables are resolved here.
    const id = await this.#call('begin', [meta, tables ?? datasetTables()]);
    if (id === null) throw new OperatorError('internal', 'The snapshot writer did not return a snapshot id.', { hint: BUG_HINT });
    return id;
  }
  insertPage(page: readonly PackedRows[]): Promise<void> { return this.#batch('insertPage', [page]); }
  datasetRun(row: DatasetRunRow): Promise<void> { return this.#batch('datasetRun', [row]); }

  async discardRows(tables: readonly string[]): Promise<void> {
    if (this.#failure) throw this.#failure;
    await this.#call('discardRows', [tables]);
  }

  async commit(meta: SnapshotFinalMeta): Promise<number> {
    if (this.#failure) throw this.#failure;
    let id: number | null;
    try {
      id = await this.#call('commit', [meta]);
    } catch (e) {
      // The thread refuses to commit after a failed batch and reports that batch's error.
      throw this.#failure ?? e;
    }
    if (id === null) throw new OperatorError('internal', 'The snapshot writer did not return a snapshot id.', { hint: BUG_HINT });
    return id;
  }

  async flush(): Promise<void> {
    if (this.#failure) throw this.#failure;
    await this.#call('flush', []);
    if (this.#failure) throw this.#failure;
  }

  async rollback(): Promise<void> {
    if (!this.#dead) await this.#call('rollback', []).catch(() => undefined);
    this.#failure = null;
  }

  /**
   * Release the thread and the connection, at once: the thread ends on its own, after a commit's
   * checkpoint (snapshotWriterSettled waits for it; so does the next sink's begin).
   */
  async close(): Promise<void> {
    if (!this.#dead && !this.#closed) {
      this.#closed = true;
      this.#worker.postMessage({ seq: ++this.#seq, op: 'close', args: [] } satisfies WriterRequest);
    }
    this.#release();
  }
}

/** Options for openSnapshotSink. */
export interface SnapshotSinkOptions {
  /** Write on a worker thread when the database is a file (default true). */
  thread?: boolean;
  /** Held from open to close (default: the process's syncHeapGrowth; null: none). */
  heapGrowth?: HeapGrowthLimit | null;
}

/**
 * The sink a sync writes through: a writer thread for database files, the calling thread otherwise.
 * From open to close it holds the sync's heap growth limit (heap-growth.ts), so V8 collects a
 * sync's dead pages before they pile up in the peak RSS.
 */
export function openSnapshotSink(db: Db, opts: SnapshotSinkOptions = {}): SnapshotSink {
  const threaded = (opts.thread ?? true) && !db.memory && db.name !== '' && !db.readonly;
  const sink = threaded ? new ThreadSnapshotSink(db) : new LocalSnapshotSink(db);
  // Taken once the sink exists: a sink that cannot open holds nothing.
  const release = (opts.heapGrowth === undefined ? syncHeapGrowth : opts.heapGrowth)?.hold() ?? (() => undefined);
  const close = sink.close.bind(sink);
  return Object.assign(sink, {
    close: async (): Promise<void> => {
      try {
        await close();
      } finally {
        release();
      }
    },
  });
}
