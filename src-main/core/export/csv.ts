import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { CSV_DELIMITERS, type CsvDelimiter } from '../../shared/profile';
import { PendingFile } from '../fs/atomic-write';

/** A CSV cell: text is neutralised against formula injection; numbers are written as numbers. */
export type Cell = string | number | null | undefined;

export { CSV_DELIMITERS, type CsvDelimiter };
export const DEFAULT_CSV_DELIMITER: CsvDelimiter = ',';

/**
 * Characters that make Excel, LibreOffice Calc or Google Sheets read a cell as a formula,
 * and their full-width forms (Excel in East Asian locales folds them to ASCII).
 * OWASP "CSV Injection" (https://owasp.org/www-community/attacks/CSV_Injection): cells
 * starting with = + - @ TAB or CR are to be prefixed with a single quote.
 */
const FORMULA_TRIGGERS = new Set(['=', '+', '-', '@', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);

/**
 * Characters a spreadsheet splits a line into cells (or rows) on when it guesses:
 * LibreOffice Calc's default import splits on `,` `;` and TAB at once, Excel on the
 * locale's list separator (`;` in many European locales), and both on CR and LF.
 */
const SPLITTERS = new Set([',', ';', '\t', '\r', '\n']);

/**
 * Characters a spreadsheet may drop or look past before it sees `=`: spaces (a leading
 * space before `=` is still a formula in Excel), the no-break space and the zero-width
 * characters (ZWSP, ZWNJ, ZWJ, word joiner, BOM, Mongolian vowel separator).
 */
function isInvisibleLead(ch: string): boolean {
  return (ch !== '\t' && ch !== '\r' && ch !== '\n' && /\s/u.test(ch)) || /[\u200B-\u200D\u2060\uFEFF\u180E\u00AD]/u.test(ch);
}

/** Would a cell that starts at `start` of `text` be read as a formula? */
function startsFormula(text: string, start: number): boolean {
  let i = start;
  while (i < text.length && isInvisibleLead(text.charAt(i))) i += 1;
  return i < text.length && FORMULA_TRIGGERS.has(text.charAt(i));
}

/**
 * Neutralise text so that no cell a spreadsheet could cut out of it starts a formula.
 * Every place a cell could start is checked: the start of the field, and the character
 * after each `,` `;` TAB CR or LF inside it (quotes are honoured by the usual imports,
 * but a field split by an import that ignores them must stay inert too). Where a formula
 * could start, a single quote is inserted, as OWASP advises; a field starting with TAB
 * or CR is prefixed too. Other text is left exactly as it was.
 */
export function neutraliseText(text: string): string {
  let out = '';
  let segmentStart = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === segmentStart && (startsFormula(text, i) || (i === 0 && (text.startsWith('\t') || text.startsWith('\r'))))) out += "'";
    if (i === text.length) break;
    const ch = text.charAt(i);
    out += ch;
    if (SPLITTERS.has(ch)) segmentStart = i + 1;
  }
  return out;
}

/**
 * Render one cell. Text is neutralised (see neutraliseText) and stays text; finite
 * numbers stay numbers (a negative count is not a formula and gets no quote); non-finite
 * numbers, null and undefined become empty cells.
 */
export function neutraliseCell(value: Cell): string | number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return neutraliseText(value);
}

/**
 * csv-stringify options for spreadsheets: UTF-8 BOM, CRLF records, and every text field
 * quoted (RFC 4180), so that no separator inside a text splits it whatever separator the
 * spreadsheet guesses. Numbers are not quoted, so they import as numbers.
 */
export function csvOptions(delimiter: CsvDelimiter = DEFAULT_CSV_DELIMITER) {
  return {
    bom: true,
    record_delimiter: '\r\n',
    delimiter,
    quote: '"',
    escape: '"',
    quoted_string: true,
    // Belt and braces: a CR or LF in any field is quoted (csv-stringify quotes only CRLF by default).
    quoted_match: /[\r\n]/,
  } as const;
}

/** The default options (`,`). */
export const CSV_OPTIONS = csvOptions();

export interface WriteCsvOptions {
  delimiter?: CsvDelimiter;
}

/**
 * A CSV file written under a random temporary name next to `path` (see PendingFile);
 * `commit` renames it into place, `abort` removes it. Used by exports that write several
 * files and keep all or none.
 */
export async function writeCsvPending(
  path: string,
  header: readonly string[],
  rows: Iterable<readonly Cell[]> | AsyncIterable<readonly Cell[]>,
  opts: WriteCsvOptions = {},
): Promise<{ pending: PendingFile; rows: number }> {
  let count = 0;
  async function* records(): AsyncGenerator<(string | number | null)[]> {
    yield header.map((h) => neutraliseCell(h));
    for await (const row of rows) {
      count += 1;
      yield row.map(neutraliseCell);
    }
  }
  const pending = await PendingFile.create(path, { mode: 0o600 });
  try {
    await pipeline(Readable.from(records()), stringify({ ...csvOptions(opts.delimiter) }), (source: AsyncIterable<string | Buffer>) => pending.writeAll(source));
    await pending.finish();
  } catch (e) {
    await pending.abort();
    throw e;
  }
  return { pending, rows: count };
}

/**
 * Stream rows to `path` as spreadsheet-friendly CSV. The file is written under a random
 * temporary name and renamed over `path` only when every row is written, so a failed
 * export never leaves a half file nor replaces the previous one.
 */
export async function writeCsv(
  path: string,
  header: readonly string[],
  rows: Iterable<readonly Cell[]> | AsyncIterable<readonly Cell[]>,
  opts: WriteCsvOptions = {},
): Promise<{ path: string; rows: number }> {
  const { pending, rows: count } = await writeCsvPending(path, header, rows, opts);
  try {
    await pending.commit();
  } catch (e) {
    await pending.abort();
    throw e;
  }
  return { path, rows: count };
}
