import fc from 'fast-check';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MICROSOFT_CATALOG_COLUMNS, parseMicrosoftCatalogCsv, toMicrosoftCatalogCsv } from '../../src-main/core/catalog/microsoft-csv';
import { importCatalog, importedCatalogPath, loadCatalog } from '../../src-main/core/catalog/store';
import { csvFile, csvText, degenerateCsv } from '../helpers/csv-gen';
import { tempDir } from '../helpers/fs';
import { CaseCounter, fuzzParams, parsesOrClearError, settlesOrClearError } from '../helpers/fuzz';

/**
 * The SKU catalogue import (Microsoft's "Product names and service plan identifiers for
 * licensing" CSV, learn.microsoft.com/entra/identity/users/licensing-service-plan-reference):
 * any file either imports, or fails with bad-input and leaves the stored table exactly as it
 * was. An imported table reads back as what was imported.
 */
const counter = new CaseCounter('SKU catalogue import');
const dir = tempDir('fuzz-catalog-');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  console.log(counter.report());
});

const SKU_IDS = ['6fd2c87f-b296-42f0-b197-1e91e994b900', 'C7DF2760-2C81-4EF7-B578-5B5392B571DF', '00000000-0000-0000-0000-0000000000aa'];
const PLAN_IDS = ['efb87545-963c-4e0d-99df-69c6916d9eb0', '57ff2da0-773e-42df-b2af-ffb7a2317929', '00000000-0000-0000-0000-0000000000bb'];

const name = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('Office 365 E3', 'Microsoft 365 E5 (no Teams)', 'Exchange Online, Plan 1', 'Teams') },
  { weight: 1, arbitrary: fc.constantFrom('RETIRED - Skype', 'retired-Yammer', ' RETIRED - ', 'RETIRED - RETIRED - X', 'Retired') },
  { weight: 2, arbitrary: csvText(30) },
);
const id = (pool: string[]) => fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...pool) }, { weight: 1, arbitrary: fc.constantFrom(...pool).map((g) => ` ${g.toUpperCase()} `) }, { weight: 1, arbitrary: csvText(40) });

function cell(column: string): fc.Arbitrary<string> {
  switch (column) {
    case 'GUID':
      return id(SKU_IDS);
    case 'Service_Plan_Id':
      return id(PLAN_IDS);
    case 'String_Id':
    case 'Service_Plan_Name':
      return fc.oneof(fc.constantFrom('ENTERPRISEPACK', 'SPE_E5', 'MCOCAP_FACULTY ', 'EXCHANGE_S_ENTERPRISE'), csvText(20));
    default:
      return name;
  }
}

const catalogFile = fc.oneof(
  { weight: 6, arbitrary: csvFile(MICROSOFT_CATALOG_COLUMNS, cell, { maxRows: 8 }) },
  { weight: 1, arbitrary: degenerateCsv(MICROSOFT_CATALOG_COLUMNS) },
);

describe('SKU catalogue CSV: parse, or bad-input', () => {
  it('parses or fails with bad-input; what parses writes back and reads the same', () => {
    fc.assert(
      fc.property(
        catalogFile,
        counter.count('parse and write back', (text: string) => {
          const r = parsesOrClearError(() => parseMicrosoftCatalogCsv(text, 'the file'), ['bad-input']);
          if (!r.ok) {
            expect(r.error.message).toMatch(/the file/);
            return;
          }
          expect(r.value.skus.length).toBeGreaterThan(0);
          for (const s of r.value.skus) expect(s.skuId).toMatch(/^[0-9a-f-]{36}$/);
          expect(parseMicrosoftCatalogCsv(toMicrosoftCatalogCsv(r.value.skus), 'again').skus).toEqual(r.value.skus);
        }),
      ),
      fuzzParams(2),
    );
  });

  // Shrunk counterexample: a quoted field kept its stray space ("MCOCAP_FACULTY "), so the
  // stored table (written unquoted) read back differently from what was imported.
  it('a quoted field with stray spaces is trimmed like an unquoted one', () => {
    const text = `${MICROSOFT_CATALOG_COLUMNS.join(',')}\r\n"Office 365 E3","MCOCAP_FACULTY ",6fd2c87f-b296-42f0-b197-1e91e994b900,"""",efb87545-963c-4e0d-99df-69c6916d9eb0,\r\n`;
    const parsed = parseMicrosoftCatalogCsv(text, 'the file');
    expect(parsed.skus[0]?.skuPartNumber).toBe('MCOCAP_FACULTY');
    expect(parseMicrosoftCatalogCsv(toMicrosoftCatalogCsv(parsed.skus), 'again').skus).toEqual(parsed.skus);
    const quotedGuid = text.replace('6fd2c87f-b296-42f0-b197-1e91e994b900', '" 6fd2c87f-b296-42f0-b197-1e91e994b900 "');
    expect(parseMicrosoftCatalogCsv(quotedGuid, 'quoted').skus[0]?.skuId).toBe('6fd2c87f-b296-42f0-b197-1e91e994b900');
  });

  it('importCatalog stores a good file whole; a bad file leaves the stored table untouched', async () => {
    const data = join(dir, 'import');
    const good = toMicrosoftCatalogCsv([
      { skuId: SKU_IDS[0]!, skuPartNumber: 'ENTERPRISEPACK', displayName: 'Office 365 E3', retired: false, servicePlans: [{ servicePlanId: PLAN_IDS[0]!, servicePlanName: 'EXCHANGE_S_ENTERPRISE', friendlyName: 'Exchange', retired: false }] },
    ]);
    await importCatalog({ csvText: good }, data);
    await fc.assert(
      fc.asyncProperty(
        catalogFile,
        fc.boolean(),
        counter.count('importCatalog from text or a file', async (text: string, fromFile: boolean) => {
          const stored = readFileSync(importedCatalogPath(data), 'utf8');
          let input: { csvText: string } | { path: string } = { csvText: text };
          if (fromFile) {
            const path = join(dir, 'input.csv');
            writeFileSync(path, text);
            input = { path };
          }
          const r = await settlesOrClearError(() => importCatalog(input, data), ['bad-input']);
          if (r.ok) {
            // The stored table is the file's products, and the catalogue in effect loads.
            expect(parseMicrosoftCatalogCsv(readFileSync(importedCatalogPath(data), 'utf8'), 'stored').skus).toHaveLength(r.value.skus);
            expect((await loadCatalog(data)).skuById(parseMicrosoftCatalogCsv(text, 'x').skus[0]!.skuId)).toBeDefined();
            // Back to the good table for the next case.
            await importCatalog({ csvText: good }, data);
          } else {
            expect(readFileSync(importedCatalogPath(data), 'utf8')).toBe(stored);
          }
        }),
      ),
      fuzzParams(0.5),
    );
  });
});
