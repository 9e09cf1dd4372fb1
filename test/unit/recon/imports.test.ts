import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../../src-main/core/catalog/builtin';
import { importFile } from '../../../src-main/core/recon/imports';
import { PriceBook, readExchangeRates, writeExchangeRates } from '../../../src-main/core/recon/cost';
import { tempDb } from './fixture';

const catalog = builtinCatalog();
const now = new Date('2025-06-01T00:00:00Z');
const count = (db: ReturnType<typeof tempDb>['db'], table: string): number => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

describe('entitlement and price imports', () => {
  it('imports a CSV with a BOM by part number or product name, and lists unknown SKUs without dropping them', async () => {
    const { db, dir } = tempDb();
    const file = join(dir, 'purchases.csv');
    writeFileSync(file, '\uFEFFSKU,Quantity,Unit price,Currency,Billing period,Term end\r\nENTERPRISEPACK,100,"276.00",EUR,annual,2025-09-30\r\nOffice 365 E3,20,23,EUR,monthly,2025-12-31\r\nCONTOSO_CUSTOM,5,1,EUR,monthly,\r\n');
    const r = await importFile(db, 'contoso', 'entitlements', file, catalog, now);
    expect(r).toMatchObject({ kind: 'entitlements', rows: 3, unknownSkus: ['CONTOSO_CUSTOM'], currencies: ['EUR'] });
    const rows = db.prepare('SELECT sku_part_number AS part, sku_id AS id, quantity, billing_period AS period, term_end AS termEnd FROM entitlements ORDER BY row_number').all();
    expect(rows).toEqual([
      { part: 'ENTERPRISEPACK', id: '6fd2c87f-b296-42f0-b197-1e91e994b900', quantity: 100, period: 'annual', termEnd: '2025-09-30' },
      { part: 'ENTERPRISEPACK', id: '6fd2c87f-b296-42f0-b197-1e91e994b900', quantity: 20, period: 'monthly', termEnd: '2025-12-31' },
      { part: 'CONTOSO_CUSTOM', id: null, quantity: 5, period: 'monthly', termEnd: null },
    ]);
  });

  it('imports an XLSX price list from its first sheet', async () => {
    const { db, dir } = tempDb();
    const file = join(dir, 'prices.xlsx');
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Prices');
    ws.addRow(['Part number', 'Unit price', 'Currency', 'Billing period']);
    ws.addRow(['SPE_E5', 57, 'usd', 'Monthly']);
    ws.addRow(['EXCHANGESTANDARD', 48, 'USD', 'annual']);
    await wb.xlsx.writeFile(file);
    const r = await importFile(db, 'contoso', 'prices', file, catalog, now);
    expect(r).toMatchObject({ rows: 2, unknownSkus: [], currencies: ['USD'] });
    const book = new PriceBook([], db.prepare(`SELECT sku_id AS skuId, sku_part_number AS part, unit_price AS unitPrice, currency, billing_period AS period FROM price_list`).all() as never[], readExchangeRates(db, 'contoso'), { entitlements: null, prices: 'prices.xlsx' });
    expect(book.price(null, 'EXCHANGESTANDARD')).toMatchObject({ monthly: 4, currency: 'USD', source: 'price list', original: '48 USD annual' });
  });

  it('names the row and the column of every bad cell, and imports nothing (the previous import stays)', async () => {
    const { db, dir } = tempDb();
    const good = join(dir, 'good.csv');
    writeFileSync(good, 'SKU,Quantity\r\nENTERPRISEPACK,10\r\n');
    await importFile(db, 'contoso', 'entitlements', good, catalog, now);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'SKU,Quantity,Unit price,Currency,Billing period,Term end\r\nENTERPRISEPACK,50,10,EUR,monthly,2025-01-31\r\nSPE_E5,ten,10,EUR,monthly,2025-01-31\r\nSPE_E3,5,-3,EURO,weekly,31/01/2025\r\n');
    const e = (await importFile(db, 'contoso', 'entitlements', bad, catalog, now).then(
      () => new Error('imported'),
      (x: unknown) => x as Error,
    )) as Error & { code?: string };
    expect(e).toMatchObject({ code: 'bad-input' });
    expect(e.message).toMatch(/nothing was imported/);
    expect(e.message).toContain('row 3, column "Quantity": "ten" is not a whole number of seats');
    expect(e.message).toContain('row 4, column "Unit price"');
    expect(e.message).toContain('row 4, column "Currency": "EURO" is not a three-letter currency code');
    expect(e.message).toContain('row 4, column "Billing period": "weekly"');
    expect(e.message).toContain('row 4, column "Term end": "31/01/2025" is not a date (YYYY-MM-DD)');
    expect(db.prepare('SELECT sku_part_number AS part, quantity FROM entitlements').all()).toEqual([{ part: 'ENTERPRISEPACK', quantity: 10 }]);
  });

  it('says which column is missing, and refuses an empty file or a file of another type', async () => {
    const { db, dir } = tempDb();
    const f = join(dir, 'p.csv');
    writeFileSync(f, 'SKU,Cost\r\nSPE_E3,3\r\n');
    await expect(importFile(db, 'contoso', 'prices', f, catalog, now)).rejects.toThrow(/no "Unit price", "Currency", "Billing period" column/);
    writeFileSync(f, '');
    await expect(importFile(db, 'contoso', 'prices', f, catalog, now)).rejects.toThrow(/is empty/);
    const pdf = join(dir, 'p.pdf');
    writeFileSync(pdf, '%PDF');
    await expect(importFile(db, 'contoso', 'prices', pdf, catalog, now)).rejects.toThrow(/neither CSV nor XLSX/);
    expect(count(db, 'price_list')).toBe(0);
  });

  it('refuses mixed currencies until the operator sets a rate, then converts', () => {
    const { db } = tempDb();
    const rows = [
      { skuId: null, part: 'SPE_E3', unitPrice: 36, currency: 'USD', period: 'monthly' },
      { skuId: null, part: 'SPE_E5', unitPrice: 50, currency: 'EUR', period: 'monthly' },
    ];
    expect(() => new PriceBook([], rows, readExchangeRates(db, 'contoso'), { entitlements: null, prices: 'p.csv' })).toThrow(/several currencies \(EUR, USD\)/);
    writeExchangeRates(db, 'contoso', { base: 'EUR', rates: { USD: 0.5 } }, now);
    const book = new PriceBook([], rows, readExchangeRates(db, 'contoso'), { entitlements: null, prices: 'p.csv' });
    expect(book.currency).toBe('EUR');
    expect(book.price(null, 'SPE_E3')).toMatchObject({ monthly: 18, currency: 'EUR', original: '36 USD monthly' });
    expect(book.price(null, 'SPE_E5').monthly).toBe(50);
  });
});
