/**
 * Reading a large query into JavaScript a chunk of rows at a time, for the findings pass
 * (engine.ts): better-sqlite3 costs far more per row handed over than per value.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';

/** A row as ChunkReader gives it: every value as text, NULL as null. */
export type Cells = (string | null)[];

/** Rows per chunk. */
export const CHUNK = 1024;
const US = '\u001f';
const RS = '\u001e';
const NUL = '\u0015';

/**
 * Reads a query's rows a chunk at a time as one text value (group_concat of each row's fields
 * joined by U+001F, rows by U+001E, NULL as U+0015): better-sqlite3 costs far more per row than
 * per value, so one value per chunk instead of an array per row roughly halves the cost of
 * reading. A chunk whose values themselves hold a separator is read again as plain rows. (A
 * value that is exactly U+0015 reads as null; no stored field of these tables is.)
 */
export class ChunkReader {
  private readonly packed: Statement;
  private readonly plain: Statement;
  constructor(
    db: Db,
    inner: string,
    private readonly cols: readonly string[],
    extra = '',
  ) {
    const fields = cols.map((c) => `ifnull(${c}, char(21))`).join(' || char(31) || ');
    this.packed = db.prepare(`SELECT group_concat(${fields}, char(30)), count(*)${extra} FROM (${inner})`).raw(true);
    this.plain = db.prepare(`SELECT ${cols.join(', ')} FROM (${inner})`).raw(true);
  }
  read(params: Record<string, string | number>): { rows: Cells[]; extra: unknown[] } {
    const [text, count, ...extra] = this.packed.get(params) as unknown[];
    const rows = unpack(text, this.cols.length, count) ?? (this.plain.all(params) as unknown[][]).map((r) => r.map(asText));
    return { rows, extra };
  }
}

export const asText = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function unpack(text: unknown, n: number, count: unknown): Cells[] | null {
  if (text === null) return count === 0 ? [] : null;
  if (typeof text !== 'string') return null;
  const lines = text.split(RS);
  if (lines.length !== count) return null;
  const rows: Cells[] = [];
  for (const line of lines) {
    const f: Cells = line.split(US);
    if (f.length !== n) return null;
    for (let i = 0; i < n; i++) if (f[i] === NUL) f[i] = null;
    rows.push(f);
  }
  return rows;
}

/** The rows of a ChunkReader over a rowid range (its query takes :a and :b), in order, a chunk at a time. */
export class RangeCursor {
  private rows: Cells[] = [];
  private i = 0;
  private next: number;
  constructor(
    private readonly reader: ChunkReader,
    private readonly params: Record<string, string | number>,
    from: number,
    private readonly to: number,
  ) {
    this.next = from;
  }
  /** The current row, or undefined past the last. */
  peek(): Cells | undefined {
    while (this.i >= this.rows.length) {
      if (this.next > this.to) return undefined;
      this.rows = this.reader.read({ ...this.params, a: this.next, b: Math.min(this.to, this.next + CHUNK - 1) }).rows;
      this.i = 0;
      this.next += CHUNK;
    }
    return this.rows[this.i];
  }
  advance(): void {
    this.i += 1;
  }
}
