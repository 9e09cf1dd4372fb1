/**
 * The snapshot writer without the dataset registry: what the writer thread loads (writer-worker.ts),
 * so the thread starts without zod and the datasets' schemas. SnapshotWriter (writer.ts) adds the
 * registry's tables as the default of begin().
 */
import type Database from 'better-sqlite3';
import type { Cell, TableSpec } from '../datasets/types';
import { OperatorError } from '../errors/operator-error';
import type { Db } from './db';
import type { DatasetRunRow, SnapshotBeginMeta, SnapshotFinalMeta } from './types';

export type { Cell, TableSpec };

/** One table's packed rows of a page (see insertRows). */
export interface PackedRows {
  table: string;
  cells: readonly Cell[];
}

const BUG_HINT = 'This is a bug in the tool; please report it.';

/** An SQL identifier from a table description (never from outside data): letters, digits, underscores. */
function identifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new OperatorError('internal', `"${name}" is not a valid table or column name.`, { hint: BUG_HINT });
  return name;
}

/** A table's prepared insert, and one reused argument list (snapshot id, then the row's cells). */
interface TableInsert {
  spec: TableSpec;
  key: string;
  stmt: Database.Statement<Cell[]>;
  args: Cell[];
}

function specKey(t: TableSpec): string {
  return `${t.onConflict ?? ''}|${t.name}|${t.columns.join(',')}`;
}

function prepareInsert(db: Db, t: TableSpec): TableInsert {
  const cols = ['snapshot_id', ...t.columns].map(identifier);
  const verb = t.onConflict === 'ignore' ? 'INSERT OR IGNORE' : t.onConflict === 'replace' ? 'INSERT OR REPLACE' : 'INSERT';
  const stmt = db.prepare<Cell[]>(`${verb} INTO ${identifier(t.name)} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`);
  return { spec: t, key: specKey(t), stmt, args: new Array<Cell>(cols.length).fill(null) };
}

/**
 * Page cache of the writer connection while a snapshot is open, in KiB (SQLite's
 * negative cache_size). A snapshot inserts users in Graph's order, which is random
 * for the primary key and the UPN/user indexes; with SQLite's default 2 MiB those
 * B-trees thrash and dirty pages spill mid-transaction. The cache is a hard bound,
 * kept modest so a 1,000,000-user sync stays within its memory budget, and restored
 * when the snapshot ends.
 */
export const SNAPSHOT_CACHE_KIB = 16 * 1024;

/**
 * Writes one snapshot inside ONE transaction held open on the writer connection
 * (BEGIN IMMEDIATE ... COMMIT/ROLLBACK), across the whole asynchronous sync.
 * The snapshot row itself is inserted inside that transaction, so a failed,
 * cancelled or killed sync leaves nothing behind and the previous snapshot stays current.
 *
 * Rows arrive packed: insertRows takes a table (described once, by its dataset) and a flat
 * list of cells, row after row, so a page crosses to a writer thread as one list of
 * primitives. Inserts are prepared once per table and reused. While a snapshot is open, nothing else may use this
 * connection for writes (readers should use their own connection).
 */
export class SnapshotWriterCore {
  readonly #db: Db;
  #snapshotId: number | null = null;
  #stmts: ReturnType<typeof prepare> | null = null;
  /** Inserts of the tables the open snapshot may write, by table name. */
  readonly #tables = new Map<string, TableInsert>();
  /** cache_size to restore when the open snapshot ends. */
  #savedCacheSize: number | null = null;

  readonly #cacheKib: number;

  /** `cacheKib`: page cache while a snapshot is open (default SNAPSHOT_CACHE_KIB). */
  constructor(db: Db, opts: { cacheKib?: number } = {}) {
    this.#db = db;
    this.#cacheKib = Math.max(1, Math.trunc(opts.cacheKib ?? SNAPSHOT_CACHE_KIB));
  }

  /** Id of the open snapshot, or null when none is open. */
  get snapshotId(): number | null {
    return this.#snapshotId;
  }

  get active(): boolean {
    return this.#snapshotId !== null;
  }

  /** Open a snapshot. `tables`: what its datasets write; insertRows and discardRows accept only these. */
  begin(meta: SnapshotBeginMeta, tables: readonly TableSpec[]): number {
    if (this.#snapshotId !== null) throw new OperatorError('internal', 'A snapshot is already open on this writer.', { hint: 'Commit or roll back the open snapshot first.' });
    if (this.#db.inTransaction) {
      throw new OperatorError('store', 'Another sync is already writing to this database.', { hint: 'Wait for the running sync to finish, then try again.' });
    }
    this.#stmts ??= prepare(this.#db);
    this.#prepareTables(tables);
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      this.#savedCacheSize = this.#db.pragma('cache_size', { simple: true }) as number;
      this.#db.pragma(`cache_size = ${-this.#cacheKib}`);
    } catch (e) {
      this.#restoreCache();
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw new OperatorError('store', `Cannot start writing the snapshot: ${(e as Error).message}`, {
        hint: 'Another process may be writing to the same data folder; close it and try again.',
        cause: e,
      });
    }
    try {
      const info = this.#stmts.snapshot.run(
        meta.profileName,
        meta.tenantId,
        meta.graphBaseUrl ?? null,
        meta.startedAt,
        JSON.stringify([...meta.tokenRoles]),
      );
      this.#snapshotId = Number(info.lastInsertRowid);
      return this.#snapshotId;
    } catch (e) {
      this.#db.exec('ROLLBACK');
      this.#restoreCache();
      throw e;
    }
  }

  #restoreCache(): void {
    const saved = this.#savedCacheSize;
    this.#savedCacheSize = null;
    if (saved !== null && this.#db.open) this.#db.pragma(`cache_size = ${Math.trunc(saved)}`);
  }

  #open(): { id: number; s: ReturnType<typeof prepare> } {
    if (this.#snapshotId === null || this.#stmts === null || !this.#db.inTransaction) {
      throw new OperatorError('internal', 'No snapshot is open for writing.', { hint: 'This is a bug in the tool; please report it.' });
    }
    return { id: this.#snapshotId, s: this.#stmts };
  }

  #prepareTables(tables: readonly TableSpec[]): void {
    const wanted = new Set<string>();
    for (const t of tables) {
      if (wanted.has(t.name)) throw new OperatorError('internal', `Table ${t.name} is described twice.`, { hint: BUG_HINT });
      wanted.add(t.name);
      const have = this.#tables.get(t.name);
      if (have?.key !== specKey(t)) this.#tables.set(t.name, prepareInsert(this.#db, t));
    }
    for (const name of [...this.#tables.keys()]) if (!wanted.has(name)) this.#tables.delete(name);
  }

  #table(name: string): TableInsert {
    const t = this.#tables.get(name);
    if (!t) throw new OperatorError('internal', `Table ${name} is not one this snapshot writes.`, { hint: BUG_HINT });
    return t;
  }

  /**
   * Insert packed rows: `cells` holds whole rows one after another, each in the table's
   * column order (snapshot_id excluded; the open snapshot's id is bound first).
   */
  insertRows(table: string, cells: readonly Cell[]): void {
    const { id } = this.#open();
    const t = this.#table(table);
    const n = t.spec.columns.length;
    if (n === 0 || cells.length % n !== 0) {
      throw new OperatorError('internal', `A packed page for table ${table} has a partial row.`, { hint: BUG_HINT });
    }
    // One reused argument list, spread as positional parameters (better-sqlite3 binds those faster than an array).
    const { stmt, args } = t;
    args[0] = id;
    for (let i = 0; i < cells.length; i += n) {
      for (let c = 0; c < n; c++) args[c + 1] = cells[i + c] as Cell;
      stmt.run(...args);
    }
  }

  /** Record (or replace) how a dataset went in this snapshot. */
  datasetRun(row: DatasetRunRow): void {
    const { id, s } = this.#open();
    s.datasetRun.run(
      id, row.dataset, row.status, row.reason ?? null, row.missingPermission ?? null,
      row.items, row.expected ?? null, row.startedAt ?? null, row.finishedAt ?? null,
    );
  }

  /** A page of a dataset: packed rows for each of its tables, inserted in the order given. */
  insertPage(page: readonly PackedRows[]): void {
    for (const { table, cells } of page) if (cells.length > 0) this.insertRows(table, cells);
  }

  /** Remove the rows the open snapshot wrote to these tables (a dataset skipped after some pages). */
  discardRows(tables: readonly string[]): void {
    const { id } = this.#open();
    for (const name of tables) this.#db.prepare(`DELETE FROM ${identifier(this.#table(name).spec.name)} WHERE snapshot_id = ?`).run(id);
  }

  /** Mark the snapshot complete and COMMIT. Returns its id. */
  commit(meta: SnapshotFinalMeta): number {
    const { id, s } = this.#open();
    try {
      s.finish.run(meta.finishedAt, JSON.stringify([...meta.warnings]), meta.userCount, id);
      this.#db.exec('COMMIT');
      this.#restoreCache();
    } catch (e) {
      this.rollback();
      throw new OperatorError('store', `Cannot save the snapshot: ${(e as Error).message}`, {
        hint: 'Check the free disk space and the data folder permissions, then sync again. The previous snapshot is unchanged.',
        cause: e,
      });
    }
    this.#snapshotId = null;
    return id;
  }

  /** Discard everything written since begin(). Safe to call more than once. */
  rollback(): void {
    this.#snapshotId = null;
    if (this.#db.open && this.#db.inTransaction) this.#db.exec('ROLLBACK');
    this.#restoreCache();
  }
}

function prepare(db: Db) {
  return {
    snapshot: db.prepare(
      `INSERT INTO snapshots (profile_name, tenant_id, graph_base_url, started_at, status, token_roles) VALUES (?, ?, ?, ?, 'running', ?)`,
    ),
    finish: db.prepare(`UPDATE snapshots SET status = 'complete', finished_at = ?, warnings = ?, user_count = ? WHERE id = ?`),
    datasetRun: db.prepare(
      `INSERT OR REPLACE INTO dataset_runs (snapshot_id, dataset, status, reason, missing_permission, items, expected, started_at, finished_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
  };
}
