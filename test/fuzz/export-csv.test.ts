import fc from 'fast-check';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_DELIMITERS, neutraliseText, writeCsv, type Cell } from '../../src-main/core/export/csv';
import { csvText } from '../helpers/csv-gen';
import { tempDir } from '../helpers/fs';
import { CaseCounter, fuzzParams } from '../helpers/fuzz';
import { calcCells, naiveCells, readsAsFormula } from '../helpers/spreadsheet-import';

/**
 * The CSV export's neutralisation (OWASP "CSV Injection",
 * https://owasp.org/www-community/attacks/CSV_Injection): for arbitrary text, the written
 * file, cut into cells as LibreOffice Calc does by default (`,` `;` TAB at once, quotes
 * honoured), never yields a text cell that starts a formula (= + - @ or their full-width
 * forms, after leading spaces or zero-width characters); nor does a split that ignores
 * quotes. Numbers stay numbers.
 */
const counter = new CaseCounter('CSV export');
const dir = tempDir('fuzz-export-');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  console.log(counter.report());
});

const LEADS = ['', ' ', '  ', '\u00A0', '\u200B', '\uFEFF', '\u2060', '\u3000', '\t', '\r', '\n'];
const TRIGGER_TEXT = ['=', '+', '-', '@', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20', '=cmd|\' /C calc\'!A0', '=HYPERLINK("http://x")', '@SUM(A1)', '-2+3', '+1'];
const hostile = fc
  .array(fc.oneof(fc.constantFrom(...LEADS), fc.constantFrom(...TRIGGER_TEXT), fc.constantFrom(',', ';', '\t', '\r\n', '"', '""'), csvText(8)), { maxLength: 6 })
  .map((parts) => parts.join(''));
const text = fc.oneof({ weight: 3, arbitrary: hostile }, { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) });
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-0, -1, 0.5, -1e21, Number.MAX_SAFE_INTEGER));
const cell: fc.Arbitrary<{ kind: 'text'; value: string } | { kind: 'number'; value: number }> = fc.oneof(
  { weight: 4, arbitrary: text.map((value) => ({ kind: 'text' as const, value })) },
  { weight: 1, arbitrary: number.map((value) => ({ kind: 'number' as const, value })) },
);

let files = 0;
/** What the file holds for a text: neutralised, and as UTF-8 (a lone surrogate becomes U+FFFD). */
const asWritten = (s: string): string => Buffer.from(neutraliseText(s), 'utf8').toString('utf8');

describe('CSV export: no formula in any cell a spreadsheet can cut out', () => {
  it('arbitrary rows, both separators', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(text, { minLength: 1, maxLength: 3 }),
        fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { maxLength: 4 }),
        fc.constantFrom(...CSV_DELIMITERS),
        counter.count('rows written and read back as Calc does', async (header: string[], rows, delimiter) => {
          const width = header.length;
          const table = rows.map((r) => Array.from({ length: width }, (_, i) => r[i % r.length]!));
          const path = join(dir, `export-${++files}.csv`);
          await writeCsv(path, header, table.map((r) => r.map((c): Cell => c.value)), { delimiter });
          const written = readFileSync(path, 'utf8');
          rmSync(path);

          const read = calcCells(written);
          // Quotes honoured: one row per record, one cell per column, exactly as written.
          expect(read).toHaveLength(table.length + 1);
          expect(read[0]).toEqual(header.map(asWritten));
          table.forEach((r, k) => {
            const got = read[k + 1]!;
            expect(got).toHaveLength(width);
            r.forEach((c, i) => {
              if (c.kind === 'number') {
                if (Number.isFinite(c.value)) expect(Number(got[i]) === c.value || (Object.is(c.value, -0) && got[i] === '0')).toBe(true);
              } else {
                expect(got[i]).toBe(asWritten(c.value));
                expect(readsAsFormula(got[i]!)).toBe(false);
              }
            });
          });
          for (const h of read[0]!) expect(readsAsFormula(h)).toBe(false);

          // Quotes ignored: every fragment that is not a number written as a number stays inert.
          const numbers = new Set(table.flat().filter((c) => c.kind === 'number').map((c) => String(c.value)));
          for (const fragment of naiveCells(written)) {
            const unquoted = fragment.startsWith('"') ? fragment.slice(1) : fragment;
            if (numbers.has(fragment)) continue;
            expect(readsAsFormula(unquoted), JSON.stringify(fragment)).toBe(false);
          }
        }),
      ),
      fuzzParams(),
    );
  });

  it('neutraliseText changes nothing in text that cannot start a formula', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 30 }).filter((s) => !/[=+\-@\uFF1D\uFF0B\uFF0D\uFF20\t\r]/.test(s)),
        counter.count('inert text is kept as is', (s: string) => {
          expect(neutraliseText(s)).toBe(s);
        }),
      ),
      fuzzParams(),
    );
  });
});
