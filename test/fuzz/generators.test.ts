import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { PURCHASE_RECORD_COLUMNS, purchaseRecordCsv } from '../helpers/csv-gen';
import { CaseCounter, runs } from '../helpers/fuzz';

/**
 * The purchase-record generator (test/helpers/csv-gen.ts) is what the fuzz tests of the
 * entitlements and price imports draw from. It must produce both files a strict reader
 * accepts, with the expected columns, and files it must refuse, in `,` and `;` flavours.
 */
const counter = new CaseCounter('generators');
afterAll(() => console.log(counter.report()));

describe('purchase-record CSV generator', () => {
  it('yields well-formed files with the purchase columns, and malformed ones', () => {
    const seen = { wellFormed: 0, malformed: 0, semicolon: 0 };
    // A fixed seed: this checks the generator itself, so its mix of shapes must not depend on luck.
    const samples = fc.sample(purchaseRecordCsv(), { numRuns: Math.max(200, runs()), seed: 20261201 });
    const check = counter.count('purchase-record files sampled', (text: string) => {
      if (text.includes(';Quantity;') || text.includes('";"Quantity";"')) seen.semicolon += 1;
      try {
        const rows = parse(text, { bom: true, columns: true, skip_empty_lines: true }) as Record<string, string>[];
        if (rows.length > 0 && Object.keys(rows[0]!).join() === PURCHASE_RECORD_COLUMNS.join()) seen.wellFormed += 1;
      } catch {
        seen.malformed += 1;
      }
    });
    samples.forEach(check);
    expect(seen.wellFormed).toBeGreaterThan(0);
    expect(seen.malformed).toBeGreaterThan(0);
    expect(seen.semicolon).toBeGreaterThan(0);
  });
});
