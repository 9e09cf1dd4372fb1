/**
 * Catalogue lookups, and importing Microsoft's CSV into a data folder: an import extends or
 * overrides the built-in table, is validated whole before anything is stored, and is kept
 * as a private file.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../../src-main/core/catalog/builtin';
import { Catalog } from '../../../src-main/core/catalog/catalog';
import { MICROSOFT_CATALOG_COLUMNS } from '../../../src-main/core/catalog/microsoft-csv';
import { importCatalog, importedCatalogPath, loadCatalog } from '../../../src-main/core/catalog/store';
import { isOperatorError, type OperatorError } from '../../../src-main/core/errors/operator-error';

const HEADER = MICROSOFT_CATALOG_COLUMNS.join(',');
const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const CUSTOM = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';

/** A small file in Microsoft's format: Office 365 E3 renamed with one plan, and a product the built-in table lacks. */
const IMPORT =
  '\uFEFF' +
  [
    HEADER,
    `Office 365 E3 (renamed),ENTERPRISEPACK,${E3},EXCHANGE_S_ENTERPRISE,efb87545-963c-4e0d-99df-69c6916d9eb0,Exchange Online (Plan 2)`,
    `"Contoso Add-on, Premium",CONTOSO_ADDON,${CUSTOM},CONTOSO_PLAN,1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d,Contoso Plan`,
    `"Contoso Add-on, Premium",CONTOSO_ADDON,${CUSTOM},EXCHANGE_S_FOUNDATION,113feb6c-3fe4-4440-bddc-54d774bf0318,RETIRED - Exchange Foundation`,
    `RETIRED - Contoso Legacy,CONTOSO_LEGACY,2b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9,CONTOSO_PLAN,1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d,Contoso Plan`,
  ].join('\r\n') +
  '\r\n';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'm365lr-catalog-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejects(p: Promise<unknown>): Promise<OperatorError> {
  try {
    await p;
  } catch (e) {
    if (isOperatorError(e)) return e;
    throw e;
  }
  throw new Error('resolved');
}

describe('catalogue lookups', () => {
  const c = builtinCatalog();

  it('finds a SKU by GUID or part number, in any case, with its plans', () => {
    for (const key of [E3, E3.toUpperCase(), 'ENTERPRISEPACK', 'enterprisepack', ' ENTERPRISEPACK ']) {
      const s = c.findSku(key);
      expect(s, key).toMatchObject({ known: true, skuId: E3, skuPartNumber: 'ENTERPRISEPACK', displayName: 'Office 365 E3', retired: false });
      expect(s.servicePlans.length).toBe(36);
    }
    expect(c.lookupSku(E3).servicePlans[5]).toEqual({
      servicePlanId: 'efb87545-963c-4e0d-99df-69c6916d9eb0',
      servicePlanName: 'EXCHANGE_S_ENTERPRISE',
      friendlyName: 'Exchange Online (Plan 2)',
      retired: false,
    });
  });

  it('falls back from an unknown GUID to the part number', () => {
    expect(c.lookupSku('00000000-0000-0000-0000-000000000000', 'visioclient')).toMatchObject({ known: true, displayName: 'Visio Plan 2' });
  });

  it.each([
    ['00000000-0000-0000-0000-000000000000', 'CONTOSO_CUSTOM_SKU', 'CONTOSO_CUSTOM_SKU'],
    ['00000000-0000-0000-0000-000000000001', '', '00000000-0000-0000-0000-000000000001'],
    ['__proto__', '__proto__', '__proto__'],
    ['constructor', 'toString', 'toString'],
  ])('keeps an unknown SKU (%j, %j), showing %j and flagged unknown', (id, part, shown) => {
    const s = c.lookupSku(id, part);
    expect(s).toEqual({ known: false, skuId: id, skuPartNumber: part, displayName: shown, unknownSku: true, retired: false, imported: false, servicePlans: [] });
  });

  it('looks a service plan up by id, and keeps the given name for an unknown plan', () => {
    expect(c.lookupPlan('57FF2DA0-773E-42DF-B2AF-FFB7A2317929')).toEqual({
      known: true, servicePlanId: '57ff2da0-773e-42df-b2af-ffb7a2317929', servicePlanName: 'TEAMS1', friendlyName: 'Microsoft Teams', retired: false,
    });
    expect(c.lookupPlan('11111111-1111-1111-1111-111111111111', 'SOME_NEW_PLAN')).toEqual({
      known: false, servicePlanId: '11111111-1111-1111-1111-111111111111', servicePlanName: 'SOME_NEW_PLAN', friendlyName: 'SOME_NEW_PLAN', retired: false,
    });
  });

  it('names a plan as most products in the reference do', () => {
    // EXCHANGE_S_FOUNDATION is spelt "Exchange Foundation" in most products, "EXCHANGE FOUNDATION" in a few.
    expect(c.lookupPlan('113feb6c-3fe4-4440-bddc-54d774bf0318').friendlyName).toBe('Exchange Foundation');
  });
});

describe('importing a catalogue', () => {
  it('extends and overrides the built-in table, and says by how much', async () => {
    const summary = await importCatalog({ csvText: IMPORT, name: 'Product names.csv' }, dir);
    expect(summary).toEqual({
      storedAt: importedCatalogPath(dir),
      skus: 3,
      added: 2,
      overridden: 1,
      plans: 3,
      retiredSkus: 1,
      retiredPlans: 1,
      rows: 4,
      duplicateRows: 0,
    });
    const c = await loadCatalog(dir);
    expect(c.size).toBe(builtinCatalog().size + 2);
    expect(c.lookupSku(E3)).toMatchObject({ known: true, displayName: 'Office 365 E3 (renamed)', imported: true });
    expect(c.lookupSku(E3).servicePlans.map((p) => p.servicePlanName)).toEqual(['EXCHANGE_S_ENTERPRISE']);
    expect(c.findSku('contoso_addon')).toMatchObject({ known: true, skuId: CUSTOM, displayName: 'Contoso Add-on, Premium', imported: true });
    expect(c.findSku('CONTOSO_LEGACY')).toMatchObject({ known: true, displayName: 'Contoso Legacy', retired: true });
    // Untouched built-in SKUs stay, marked as built-in.
    expect(c.findSku('SPE_E5')).toMatchObject({ known: true, displayName: 'Microsoft 365 E5', imported: false });
    expect(c.lookupPlan('1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d').friendlyName).toBe('Contoso Plan');
  });

  it('reads the file from a path, and stores it privately in the data folder', async () => {
    const src = join(dir, 'download.csv');
    await writeFile(src, IMPORT, 'utf8');
    const data = join(dir, 'data');
    const summary = await importCatalog({ path: src }, data);
    expect(summary.skus).toBe(3);
    const st = await stat(importedCatalogPath(data));
    if (process.platform !== 'win32') expect(st.mode & 0o777).toBe(0o600);
    expect((await readFile(importedCatalogPath(data), 'utf8')).startsWith('\uFEFF' + HEADER)).toBe(true);
  });

  it('replaces the previous import whole', async () => {
    await importCatalog({ csvText: IMPORT }, dir);
    await importCatalog({ csvText: `${HEADER}\nOnly,ONLY_SKU,3b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9,P,4b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9,P\n` }, dir);
    const c = await loadCatalog(dir);
    expect(c.findSku('ONLY_SKU').known).toBe(true);
    expect(c.findSku('CONTOSO_ADDON').known).toBe(false);
    expect(c.lookupSku(E3).displayName).toBe('Office 365 E3');
  });

  it('stores nothing from a bad file and leaves the previous import as it was', async () => {
    await importCatalog({ csvText: IMPORT }, dir);
    const before = await readFile(importedCatalogPath(dir));
    // Good rows first, a bad GUID near the end: nothing of it may be stored.
    const bad = IMPORT + `Broken,BROKEN,not-a-guid,P,4b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9,P\r\n`;
    const e = await rejects(importCatalog({ csvText: bad, name: 'bad.csv' }, dir));
    expect(e.code).toBe('bad-input');
    expect(e.message).toBe('bad.csv, row 6, column GUID: "not-a-guid" is not a GUID.');
    expect(await readFile(importedCatalogPath(dir))).toEqual(before);
    expect(await readdir(dir)).toEqual(['sku-catalog.csv']);
  });

  it("refuses a file that is not Microsoft's format, saying what it expected, and stores nothing", async () => {
    const e = await rejects(importCatalog({ csvText: 'skuPartNumber,quantity\nENTERPRISEPACK,5\n', name: 'entitlements.csv' }, dir));
    expect(e.code).toBe('bad-input');
    expect(e.message).toContain('expected the columns Product_Display_Name, String_Id, GUID, Service_Plan_Name, Service_Plan_Id, Service_Plans_Included_Friendly_Names');
    expect(e.message).toContain('found skuPartNumber, quantity');
    expect(`${e.message} ${e.hint}`).not.toMatch(/--[a-z]|`/);
    expect(await readdir(dir)).toEqual([]);
    expect((await loadCatalog(dir)).size).toBe(builtinCatalog().size);
  });

  it('says which file could not be read', async () => {
    const e = await rejects(importCatalog({ path: join(dir, 'missing.csv') }, dir));
    expect(e.code).toBe('bad-input');
    expect(e.message).toContain('missing.csv');
    expect(e.message).toContain('ENOENT');
  });

  it('loads the built-in table alone when nothing was imported', async () => {
    const c = await loadCatalog(join(dir, 'never-created'));
    expect(c.size).toBe(builtinCatalog().size);
    expect(c.lookupSku(E3).imported).toBe(false);
  });

  it('reports a damaged stored table instead of silently dropping it', async () => {
    await writeFile(importedCatalogPath(dir), 'garbage,here\n1,2\n', 'utf8');
    const e = await rejects(loadCatalog(dir));
    expect(e.code).toBe('store');
    expect(e.message).toContain(importedCatalogPath(dir));
    expect(e.hint).toMatch(/Import Microsoft's catalogue CSV again/);
  });
});

describe('a catalogue built from tables', () => {
  it('lets an imported SKU take a part number another GUID had', () => {
    const base = [{ skuId: 'aaaaaaaa-0000-0000-0000-000000000001', skuPartNumber: 'DUP', displayName: 'Old', retired: false, servicePlans: [] }];
    const imp = [{ skuId: 'aaaaaaaa-0000-0000-0000-000000000002', skuPartNumber: 'DUP', displayName: 'New', retired: false, servicePlans: [] }];
    const c = new Catalog(base, imp);
    expect(c.findSku('DUP').displayName).toBe('New');
    expect(c.findSku('aaaaaaaa-0000-0000-0000-000000000001').displayName).toBe('Old');
    expect(new Catalog(base).findSku('DUP').displayName).toBe('Old');
  });
});
