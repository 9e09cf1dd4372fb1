import fc from 'fast-check';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_DELIMITERS, csvOptions, neutraliseCell, neutraliseText, writeCsv, type Cell } from '../../src-main/core/export/csv';
import { csvText } from '../helpers/csv-gen';
import { tempDir } from '../helpers/fs';
import { CaseCounter, fuzzParams } from '../helpers/fuzz';

/**
 * The CSV writer renders records itself, for speed; csv-stringify with the export's
 * options (csvOptions: BOM, CRLF, every text quoted, quotes doubled, numbers bare) is the
 * oracle. For hostile cells (quotes, CR/LF, both separators, TAB, formula triggers and
 * their full-width forms, spaces and zero-width characters before them, numbers of every
 * kind, null and undefined, any Unicode) the file must be byte for byte what csv-stringify
 * writes for the neutralised cells. And the neutralisation itself, which now skips inert
 * text with one regular expression, must give what the character-by-character rule gives.
 */
const counter = new CaseCounter('CSV writer vs csv-stringify');
const dir = tempDir('fuzz-csv-oracle-');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  console.log(counter.report());
});

const LEADS = ['', ' ', '  ', '\u00A0', '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u180E', '\u00AD', '\u3000', '\t', '\r', '\n'];
const TRIGGERS = ['=', '+', '-', '@', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20', '=1+1', '-2', '@SUM(A1)', '=HYPERLINK("http://x")', "'=1"];
const BREAKERS = [',', ';', '\t', '\r', '\n', '\r\n', '"', '""', '"a,b"'];
const hostileText = fc
  .array(fc.oneof(fc.constantFrom(...LEADS), fc.constantFrom(...TRIGGERS), fc.constantFrom(...BREAKERS), csvText(8), fc.string({ unit: 'grapheme', maxLength: 6 })), { maxLength: 7 })
  .map((parts) => parts.join(''));
const text = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  // Lone surrogates included: both sides write them as U+FFFD.
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('', 'Active', 'alice@contoso.example', 'Microsoft Teams; Exchange Online (Plan 2)') },
);
const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -0, -1, -7, 0.5, -1e21, 1e21, 5e-324, Number.MAX_SAFE_INTEGER, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
);
const cell: fc.Arbitrary<Cell> = fc.oneof({ weight: 5, arbitrary: text }, { weight: 2, arbitrary: number }, { weight: 1, arbitrary: fc.constantFrom(null, undefined) });

/** What csv-stringify writes for these cells, as the bytes of a file. */
function oracle(header: readonly string[], rows: readonly (readonly Cell[])[], delimiter: (typeof CSV_DELIMITERS)[number]): Buffer {
  const records = [header, ...rows].map((r) => r.map(neutraliseCell));
  return Buffer.from(stringify(records, { ...csvOptions(delimiter) }), 'utf8');
}

/** The neutralisation rule as first written, one character at a time (the reference). */
function referenceNeutralise(value: string): string {
  const triggers = new Set(['=', '+', '-', '@', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);
  const splitters = new Set([',', ';', '\t', '\r', '\n']);
  const invisible = (ch: string): boolean => (ch !== '\t' && ch !== '\r' && ch !== '\n' && /\s/u.test(ch)) || /[\u200B-\u200D\u2060\uFEFF\u180E\u00AD]/u.test(ch);
  const startsFormula = (start: number): boolean => {
    let i = start;
    while (i < value.length && invisible(value.charAt(i))) i += 1;
    return i < value.length && triggers.has(value.charAt(i));
  };
  let out = '';
  let segmentStart = 0;
  for (let i = 0; i <= value.length; i++) {
    if (i === segmentStart && (startsFormula(i) || (i === 0 && (value.startsWith('\t') || value.startsWith('\r'))))) out += "'";
    if (i === value.length) break;
    const ch = value.charAt(i);
    out += ch;
    if (splitters.has(ch)) segmentStart = i + 1;
  }
  return out;
}

let files = 0;
async function written(header: readonly string[], rows: Iterable<readonly Cell[]> | AsyncIterable<readonly Cell[]>, delimiter: (typeof CSV_DELIMITERS)[number]): Promise<Buffer> {
  const path = join(dir, `oracle-${++files}.csv`);
  await writeCsv(path, header, rows, { delimiter });
  const bytes = readFileSync(path);
  rmSync(path);
  return bytes;
}

async function* slowly(rows: readonly (readonly Cell[])[]): AsyncGenerator<readonly Cell[]> {
  for (const r of rows) {
    await Promise.resolve();
    yield r;
  }
}

describe('CSV writer: byte for byte what csv-stringify writes', () => {
  it('hostile cells, both separators, rows from an array and from an async iterable', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(text, { maxLength: 4 }),
        fc.array(fc.array(cell, { maxLength: 6 }), { maxLength: 8 }),
        fc.constantFrom(...CSV_DELIMITERS),
        counter.count('files match csv-stringify', async (header: string[], rows: Cell[][], delimiter) => {
          const expected = oracle(header, rows, delimiter);
          expect((await written(header, rows, delimiter)).equals(expected)).toBe(true);
          expect((await written(header, slowly(rows), delimiter)).equals(expected)).toBe(true);
        }),
      ),
      fuzzParams(),
    );
  });

  it('repeated cells (the writer remembers each column) and rows of different lengths', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(cell, { minLength: 1, maxLength: 4 }),
        fc.array(fc.tuple(fc.nat(3), fc.array(cell, { maxLength: 5 })), { maxLength: 12 }),
        fc.constantFrom(...CSV_DELIMITERS),
        counter.count('repeated cells match csv-stringify', async (base: Cell[], edits, delimiter) => {
          // Each row is the previous one with a few cells changed: most cells repeat.
          const rows: Cell[][] = [];
          let row = base;
          for (const [at, replacement] of edits) {
            row = [...row.slice(0, at), ...replacement, ...row.slice(at + replacement.length)];
            rows.push(row);
          }
          expect((await written(['A', 'B'], rows, delimiter)).equals(oracle(['A', 'B'], rows, delimiter))).toBe(true);
        }),
      ),
      fuzzParams(),
    );
  });

  it('neutraliseText gives what the character-by-character rule gives', () => {
    fc.assert(
      fc.property(
        fc.oneof(hostileText, fc.string({ unit: 'binary', maxLength: 30 })),
        counter.count('neutralisation matches the reference', (value: string) => {
          expect(neutraliseText(value)).toBe(referenceNeutralise(value));
        }),
      ),
      fuzzParams(4),
    );
  });

  it('many rows crossing block boundaries, and cells longer than a block', async () => {
    const huge = `=${'x,'.repeat(400_000)}"end"`;
    const rows: Cell[][] = [];
    for (let i = 0; i < 15_000; i++) rows.push([`user${i}@contoso.example`, i % 7 === 0 ? `-${i}` : 'Zoë Ångström, "Jr."', -i, i % 5000 === 0 ? huge : null]);
    for (const delimiter of CSV_DELIMITERS) {
      const expected = oracle(['UPN', 'Name', 'N', 'Note'], rows, delimiter);
      expect(expected.length).toBeGreaterThan(3 * 2 ** 20);
      expect((await written(['UPN', 'Name', 'N', 'Note'], rows, delimiter)).equals(expected)).toBe(true);
      expect((await written(['UPN', 'Name', 'N', 'Note'], slowly(rows), delimiter)).equals(expected)).toBe(true);
    }
  });
});
