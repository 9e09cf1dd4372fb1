import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';

/** A CSV cell: text is neutralised against formula injection; numbers are written as numbers. */
export type Cell = string | number | null | undefined;

/**
 * Characters that make Excel, LibreOffice or Google Sheets treat a cell as a formula
 * (OWASP "CSV Injection": =, +, -, @, tab, carriage return).
 */
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\t', '\r']);

/**
 * Render one cell. Strings starting with a formula trigger get a leading single quote
 * so spreadsheet apps show them as text. Numbers are not touched (a negative count
 * stays a number); non-finite numbers and null/undefined become empty cells.
 */
export function neutraliseCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const first = value.charAt(0);
  return FORMULA_TRIGGERS.has(first) ? `'${value}` : value;
}

/** csv-stringify options for Excel: UTF-8 BOM, CRLF records, RFC 4180 quoting (also of lone CR/LF). */
export const CSV_OPTIONS = {
  bom: true,
  record_delimiter: '\r\n',
  delimiter: ',',
  quote: '"',
  escape: '"',
  // csv-stringify quotes the record delimiter but not a lone CR or LF; RFC 4180 requires both.
  quoted_match: /[\r\n]/,
} as const;

/**
 * Stream rows to `path` as Excel-friendly CSV. Writes `<path>.tmp` and renames it over
 * `path` only when every row is written, so a failed export never leaves a half file
 * nor replaces the previous one.
 */
export async function writeCsv(
  path: string,
  header: readonly string[],
  rows: Iterable<readonly Cell[]> | AsyncIterable<readonly Cell[]>,
): Promise<{ path: string; rows: number }> {
  const tmp = `${path}.tmp`;
  let count = 0;
  async function* records(): AsyncGenerator<string[]> {
    yield header.map((h) => neutraliseCell(h));
    for await (const row of rows) {
      count += 1;
      yield row.map(neutraliseCell);
    }
  }
  try {
    await pipeline(Readable.from(records()), stringify({ ...CSV_OPTIONS }), createWriteStream(tmp, { flags: 'w', mode: 0o600 }));
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { path, rows: count };
}
