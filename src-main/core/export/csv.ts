import type { FileHandle } from 'node:fs/promises';
import { CSV_DELIMITERS, type CsvDelimiter } from '../../shared/profile';
import { PendingFile, writeFully } from '../fs/atomic-write';

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
 * Text that needs no neutralisation: no splitter anywhere, and a first character that is
 * none of the formula triggers, spaces, zero-width characters or splitters (so it cannot
 * start a formula after characters a spreadsheet looks past). Conservative: text it
 * rejects goes through the full check below, which may still leave it as it is.
 */
const INERT_TEXT = /^(?:[^\s\u200B-\u200D\u2060\uFEFF\u180E\u00AD=+\-@\uFF1D\uFF0B\uFF0D\uFF20,;][^,;\t\r\n]*)?$/;

/** Index of the first splitter at or after `from` in `text`, or -1. */
function nextSplitter(text: string, from: number): number {
  for (let i = from; i < text.length; i++) if (SPLITTERS.has(text.charAt(i))) return i;
  return -1;
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
  if (INERT_TEXT.test(text)) return text;
  let out = '';
  let copied = 0;
  let segmentStart = 0;
  for (;;) {
    if (startsFormula(text, segmentStart) || (segmentStart === 0 && (text.startsWith('\t') || text.startsWith('\r')))) {
      out += `${text.slice(copied, segmentStart)}'`;
      copied = segmentStart;
    }
    const splitter = nextSplitter(text, segmentStart);
    if (splitter < 0) break;
    segmentStart = splitter + 1;
  }
  return out + text.slice(copied);
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
 * The CSV dialect, in csv-stringify's terms: UTF-8 BOM, CRLF records, and every text
 * field quoted (RFC 4180), so that no separator inside a text splits it whatever separator
 * the spreadsheet guesses. Numbers are not quoted, so they import as numbers. The writer
 * below renders exactly this (a property test holds it byte for byte to csv-stringify
 * with these options); csv-stringify itself is not on the hot path.
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

/** Text that is written between quotes as it is: inert (see INERT_TEXT) and without a quote. */
const PLAIN_TEXT = /^(?:[^\s\u200B-\u200D\u2060\uFEFF\u180E\u00AD=+\-@\uFF1D\uFF0B\uFF0D\uFF20,;"][^,;\t\r\n"]*)?$/;

/**
 * One field as it appears in the file: text neutralised, quoted, with quotes doubled;
 * a finite number bare; anything else (null, undefined, NaN, ±Infinity) empty.
 */
export function csvField(value: Cell): string {
  if (typeof value === 'string') {
    if (PLAIN_TEXT.test(value)) return `"${value}"`;
    return `"${neutraliseText(value).replaceAll('"', '""')}"`;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  return '';
}

/** One record, CRLF included. */
export function csvRecord(row: readonly Cell[], delimiter: CsvDelimiter = DEFAULT_CSV_DELIMITER): string {
  let line = '';
  for (let i = 0; i < row.length; i++) line += i === 0 ? csvField(row[i]) : delimiter + csvField(row[i]);
  return `${line}\r\n`;
}

/**
 * Renders records, remembering each column's last value and its field: consecutive rows
 * repeat most of their cells (a user's name on each of their licences, a product name,
 * "Active"), and comparing a string is cheaper than checking and quoting it again.
 */
class RecordRenderer {
  #values: Cell[] = [];
  #fields: string[] = [];

  constructor(private readonly delimiter: CsvDelimiter) {}

  render(row: readonly Cell[]): string {
    const values = this.#values;
    const fields = this.#fields;
    let line = '';
    for (let i = 0; i < row.length; i++) {
      const value = row[i];
      let field: string;
      if (value === values[i] && i < fields.length) field = fields[i]!;
      else {
        field = csvField(value);
        values[i] = value;
        fields[i] = field;
      }
      line += i === 0 ? field : this.delimiter + field;
    }
    return `${line}\r\n`;
  }
}

/** Bytes per block handed to the file system (two blocks are in use at most). */
const BLOCK_BYTES = 1 << 20;

/**
 * Writes text to a file in blocks of about BLOCK_BYTES, encoding text into the block as it
 * comes (a string of a whole block built up by concatenation, then flattened, costs far
 * more), and filling the next block while the previous one is being written. Memory stays
 * at two blocks.
 */
class BlockWriter {
  #block = Buffer.allocUnsafe(BLOCK_BYTES);
  #spare = Buffer.allocUnsafe(BLOCK_BYTES);
  #used = 0;
  #writing: Promise<void> = Promise.resolve();
  #failure: { error: unknown } | undefined;

  constructor(private readonly handle: FileHandle) {}

  /** Whether `text` (at most 3 bytes per UTF-16 unit) fits in the current block. */
  fits(text: string): boolean {
    return this.#used + text.length * 3 <= BLOCK_BYTES;
  }

  /** Append text that fits (see `fits`). */
  put(text: string): void {
    this.#used += this.#block.write(text, this.#used, 'utf8');
  }

  /** Hand the current block to the file system and start filling the other one. */
  async flush(): Promise<void> {
    await this.#settle();
    if (this.#used === 0) return;
    const full = this.#block.subarray(0, this.#used);
    [this.#block, this.#spare] = [this.#spare, this.#block];
    this.#used = 0;
    // Caught here and rethrown at the next flush: a write can fail while rows are still being read.
    this.#writing = writeFully(this.handle, full).catch((error: unknown) => {
      this.#failure = { error };
    });
  }

  /** Write text too long for a block on its own, after what is pending. */
  async putLarge(text: string): Promise<void> {
    await this.flush();
    await this.#settle();
    await writeFully(this.handle, Buffer.from(text, 'utf8'));
  }

  /** Write everything and wait for it. */
  async end(): Promise<void> {
    await this.flush();
    await this.#settle();
  }

  async #settle(): Promise<void> {
    await this.#writing;
    if (this.#failure) throw this.#failure.error;
  }
}


export interface WriteCsvOptions {
  delimiter?: CsvDelimiter;
}

type Rows = Iterable<readonly Cell[]> | AsyncIterable<readonly Cell[]>;

function isAsync<T>(items: Iterable<T> | AsyncIterable<T>): items is AsyncIterable<T> {
  return typeof (items as Partial<AsyncIterable<T>>)[Symbol.asyncIterator] === 'function';
}

/** Records joined into one string before encoding: one copy of each record instead of a flattening per record. */
const RECORDS_PER_PIECE = 256;

/** Write the BOM, `header` and a record per item (rendered by `render`) into `out`; returns the number of items. */
async function writeRecords<T>(out: BlockWriter, header: readonly string[], delimiter: CsvDelimiter, items: Iterable<T> | AsyncIterable<T>, render: (item: T) => string): Promise<number> {
  const add = async (text: string): Promise<void> => {
    if (!out.fits(text)) {
      await out.flush();
      if (!out.fits(text)) return out.putLarge(text);
    }
    out.put(text);
  };
  await add(`\uFEFF${csvRecord(header, delimiter)}`);
  let count = 0;
  if (isAsync(items)) {
    for await (const item of items) {
      count += 1;
      await add(render(item));
    }
    return count;
  }
  // Synchronous rows (a database cursor): no await per row, only one per block.
  let piece: string[] = [];
  for (const item of items) {
    count += 1;
    piece.push(render(item));
    if (piece.length === RECORDS_PER_PIECE) {
      const text = piece.join('');
      piece = [];
      if (out.fits(text)) out.put(text);
      else await add(text);
    }
  }
  if (piece.length > 0) await add(piece.join(''));
  return count;
}

/** Create the temporary file, write into it, and close it; removed again on failure. */
async function pendingCsv(path: string, write: (out: BlockWriter) => Promise<number>): Promise<{ pending: PendingFile; rows: number }> {
  const pending = await PendingFile.create(path, { mode: 0o600 });
  let count: number;
  try {
    const out = new BlockWriter(pending.handle);
    count = await write(out);
    await out.end();
    await pending.finish();
  } catch (e) {
    await pending.abort();
    throw e;
  }
  return { pending, rows: count };
}

/**
 * A CSV file written under a random temporary name next to `path` (see PendingFile);
 * `commit` renames it into place, `abort` removes it. Used by exports that write several
 * files and keep all or none. Rows stream: memory stays flat whatever their number.
 */
export async function writeCsvPending(path: string, header: readonly string[], rows: Rows, opts: WriteCsvOptions = {}): Promise<{ pending: PendingFile; rows: number }> {
  const delimiter = opts.delimiter ?? DEFAULT_CSV_DELIMITER;
  const renderer = new RecordRenderer(delimiter);
  return pendingCsv(path, (out) => writeRecords(out, header, delimiter, rows, (row) => renderer.render(row)));
}

/**
 * As writeCsvPending, for an export that renders its own records (a hot path that knows
 * which of its fields repeat): each record is its fields rendered by csvField, joined by
 * the same `opts.delimiter`, and ended by CRLF, exactly as csvRecord renders them.
 */
export async function writeCsvRecordsPending(path: string, header: readonly string[], records: Iterable<string>, opts: WriteCsvOptions = {}): Promise<{ pending: PendingFile; rows: number }> {
  return pendingCsv(path, (out) => writeRecords(out, header, opts.delimiter ?? DEFAULT_CSV_DELIMITER, records, (record) => record));
}

/**
 * Stream rows to `path` as spreadsheet-friendly CSV. The file is written under a random
 * temporary name and renamed over `path` only when every row is written, so a failed
 * export never leaves a half file nor replaces the previous one.
 */
export async function writeCsv(path: string, header: readonly string[], rows: Rows, opts: WriteCsvOptions = {}): Promise<{ path: string; rows: number }> {
  const { pending, rows: count } = await writeCsvPending(path, header, rows, opts);
  try {
    await pending.commit();
  } catch (e) {
    await pending.abort();
    throw e;
  }
  return { path, rows: count };
}
