/**
 * Every item of a findings run, kept out of the JavaScript heap: a temporary table on the
 * database's connection. It lives in SQLite's temp store (a file of its own, never the snapshot
 * database) and goes with `dispose` or the connection. Exports and savings read it back a row at
 * a time, so their memory stays flat however many items a tenant has.
 */
import type { Statement } from 'better-sqlite3';
import type { FindingItem, FindingKind, FindingsReport } from '../../shared/recon';
import type { Db } from '../store/db';

let tables = 0;

/** Per-SKU seat counts the savings and right-sizing need; SKUs keyed in lower case. */
export interface SavingsCounts {
  /** Unassigned seats beyond the buffer, from the seat-position items. */
  unassigned: Map<string, number>;
  /** Distinct users with a reclaimable item on the SKU (a user once per SKU). */
  reclaim: Map<string, number>;
  /** Distinct disabled accounts with a reclaimable item on the SKU. */
  disabled: Map<string, number>;
  /** Distinct inactive or never-signed-in users on the SKU who are not also counted as disabled. */
  inactive: Map<string, number>;
  /** Mailbox-only users per SKU and downgrade target, not already reclaimable on that SKU. */
  downgrades: { sku: string; to: string; users: number }[];
}

export class FindingItemSpool {
  readonly #db: Db;
  readonly #table: string;
  readonly #insert: Statement;
  #indexed = false;
  /** False when it was filled from a report whose items were cut short. */
  complete = true;

  constructor(db: Db) {
    this.#db = db;
    this.#table = `finding_items_${++tables}`;
    db.exec(
      `CREATE TABLE temp.${this.#table} (kind TEXT NOT NULL, user_id TEXT, sku_key TEXT, sku_id TEXT, reclaimable INTEGER NOT NULL,
         issue TEXT, beyond_buffer INTEGER, downgrade_to TEXT, item TEXT NOT NULL)`,
    );
    this.#insert = db.prepare(`INSERT INTO temp.${this.#table} VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  }

  /** A spool holding a report's items (all it has: `complete` says whether that is every item). */
  static fromReport(db: Db, report: FindingsReport): FindingItemSpool {
    const spool = new FindingItemSpool(db);
    db.transaction(() => {
      for (const f of report.findings) for (const i of f.items) spool.put(f.kind, i);
    })();
    spool.complete = !report.findings.some((f) => f.truncated);
    return spool;
  }

  put(kind: FindingKind, item: FindingItem): void {
    const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
    const beyond = item.facts['beyondBuffer'];
    this.#insert.run(
      kind,
      item.userId,
      item.skuId?.toLowerCase() ?? null,
      item.skuId,
      item.reclaimable ? 1 : 0,
      text(item.facts['issue']),
      typeof beyond === 'number' ? beyond : null,
      text(item.facts['downgradeTo']),
      JSON.stringify(item),
    );
    this.#indexed = false;
  }

  /** Forget every item (a findings pass that starts again). */
  clear(): void {
    this.#db.exec(`DELETE FROM temp.${this.#table}`);
  }

  count(kind?: FindingKind): number {
    const where = kind === undefined ? '' : ' WHERE kind = ?';
    return this.#db.prepare(`SELECT count(*) FROM temp.${this.#table}${where}`).pluck().get(...(kind === undefined ? [] : [kind])) as number;
  }

  /**
   * The items in the order they were found, of one finding or of all. The connection is busy
   * while the iteration is open: run no other statement on it until the loop ends.
   */
  *items(kind?: FindingKind): Generator<{ kind: FindingKind; item: FindingItem }> {
    const where = kind === undefined ? '' : ' WHERE kind = ?';
    const rows = this.#db.prepare(`SELECT kind, item FROM temp.${this.#table}${where} ORDER BY rowid`).raw(true).iterate(...(kind === undefined ? [] : [kind]));
    // The items were written by put() above: JSON of FindingItem, not outside input.
    for (const [k, json] of rows as IterableIterator<[FindingKind, string]>) yield { kind: k, item: JSON.parse(json) as FindingItem };
  }

  /** The seat counts of the savings, each user once per SKU, counted in SQL. */
  savingsCounts(): SavingsCounts {
    const t = `temp.${this.#table}`;
    if (!this.#indexed) {
      this.#db.exec(`CREATE INDEX IF NOT EXISTS ${t}_sku_user ON ${this.#table} (sku_key, user_id, reclaimable, kind)`);
      this.#indexed = true;
    }
    const perSku = (where: string): Map<string, number> =>
      new Map(
        (this.#db.prepare(`SELECT sku_key, count(DISTINCT user_id) FROM ${t} a WHERE user_id IS NOT NULL AND sku_key IS NOT NULL AND ${where} GROUP BY sku_key`).raw(true).all() as [string, number][]).map(
          ([k, n]) => [k, n],
        ),
      );
    const reclaimable = `reclaimable = 1 AND kind <> 'seat-position'`;
    const alsoIn = (what: string) => `EXISTS (SELECT 1 FROM ${t} b WHERE b.sku_key = a.sku_key AND b.user_id = a.user_id AND b.${what})`;
    const unassigned = new Map<string, number>();
    for (const [k, n] of this.#db.prepare(`SELECT sku_key, beyond_buffer FROM ${t} WHERE kind = 'seat-position' AND issue = 'unassigned' AND sku_key IS NOT NULL AND beyond_buffer IS NOT NULL ORDER BY rowid`).raw(true).all() as [string, number][]) {
      unassigned.set(k, n);
    }
    const downgrades = (
      this.#db
        .prepare(
          `SELECT min(sku_id), downgrade_to, count(DISTINCT user_id) FROM ${t} a
           WHERE kind = 'mailbox-only' AND downgrade_to IS NOT NULL AND user_id IS NOT NULL AND sku_key IS NOT NULL
             AND NOT ${alsoIn(`reclaimable = 1 AND b.kind <> 'seat-position'`)}
           GROUP BY sku_key, downgrade_to ORDER BY min(rowid)`,
        )
        .raw(true)
        .all() as [string, string, number][]
    ).map(([sku, to, users]) => ({ sku, to, users }));
    return {
      unassigned,
      reclaim: perSku(reclaimable),
      disabled: perSku(`reclaimable = 1 AND kind = 'disabled-accounts'`),
      inactive: perSku(`reclaimable = 1 AND kind IN ('inactive-users', 'never-signed-in') AND NOT ${alsoIn(`reclaimable = 1 AND b.kind = 'disabled-accounts'`)}`),
      downgrades,
    };
  }

  dispose(): void {
    this.#db.exec(`DROP TABLE IF EXISTS temp.${this.#table}`);
  }
}
