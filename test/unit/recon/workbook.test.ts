import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../../src-main/core/catalog/builtin';
import { reconcile } from '../../../src-main/core/recon/cost';
import { computeFindings } from '../../../src-main/core/recon/engine';
import { sealSnapshot } from '../../../src-main/core/recon/history';
import { importFile } from '../../../src-main/core/recon/imports';
import { defaultSettings } from '../../../src-main/core/recon/settings';
import { FMT, sheetsFor, writeWorkbook } from '../../../src-main/core/recon/workbook';
import { writeReconCsvs } from '../../../src-main/core/recon/csv-exports';
import { E3, EXO1, insertSnapshot, tempDb } from './fixture';

const catalog = builtinCatalog();

async function build(maxRows?: number) {
  const { db, dir } = tempDb();
  const users = Array.from({ length: 9 }, (_, i) => ({ id: `u${i}`, skus: i < 2 ? [E3.id, EXO1.id] : [E3.id], enabled: i !== 3, department: i % 2 ? 'Sales' : 'IT', country: 'GB' }));
  const id = insertSnapshot(db, { skus: [{ ...E3, enabled: 12, consumed: 9 }, { ...EXO1, enabled: 2, consumed: 2 }], users });
  const seal = sealSnapshot(db, id);
  writeFileSync(join(dir, 'e.csv'), 'SKU,Quantity,Unit price,Currency,Billing period,Term end\r\nENTERPRISEPACK,12,30,GBP,monthly,2025-10-31\r\n');
  await importFile(db, 'contoso', 'entitlements', join(dir, 'e.csv'), catalog, new Date('2025-06-01T00:00:00Z'));
  const settings = defaultSettings();
  const findings = computeFindings(db, id, { settings, catalog, asOf: new Date('2025-06-01T00:00:00Z') });
  const report = reconcile(db, { profile: 'contoso', snapshotId: id, settings, findings, catalog });
  const path = join(dir, 'out.xlsx');
  const written = await writeWorkbook(db, path, report, findings, { tenant: 'contoso.onmicrosoft.com', ...(maxRows ? { maxRows } : {}) });
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(path);
  return { db, dir, id, seal, report, written, wb, path };
}

const sheet = (wb: ExcelJS.Workbook, name: string): ExcelJS.Worksheet => {
  const ws = wb.getWorksheet(name);
  if (!ws) throw new Error(`no sheet ${name}`);
  return ws;
};
const summaryValue = (ws: ExcelJS.Worksheet, key: string): ExcelJS.Cell => {
  for (let r = 2; r <= ws.rowCount; r += 1) if (ws.getCell(r, 1).value === key) return ws.getCell(r, 2);
  throw new Error(`no Summary row ${key}`);
};

describe('the XLSX workbook', () => {
  it('has a Summary and one sheet per table, with frozen, filtered headers', async () => {
    const { wb, written, seal } = await build();
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Summary', 'SKU position', 'Entitlements', 'Right-sizing', 'Cost by department', 'Cost by country', 'Findings', 'User licences']);
    expect(written.sheets).toEqual(wb.worksheets.map((w) => w.name));
    for (const ws of wb.worksheets) {
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      expect(ws.getRow(1).font?.bold).toBe(true);
      if (ws.name !== 'Summary') expect(ws.autoFilter).toBeTruthy();
    }
    const users = sheet(wb, 'User licences');
    expect(users.autoFilter).toBe('A1:K1');
    expect(users.rowCount).toBe(1 + 11);
    expect(users.getCell(2, 1).value).toBe('u0@contoso.example');
    expect(users.getCell(2, 5).value).toBe('Office 365 E3');
    expect(users.getCell(2, 11).value).toBeInstanceOf(Date);
    expect(users.getCell(2, 11).numFmt).toBe(FMT.dateTime);

    const s = sheet(wb, 'Summary');
    expect(s.getCell(1, 1).value).toBe('Item');
    expect(summaryValue(s, 'Tenant').value).toBe('contoso.onmicrosoft.com');
    expect(summaryValue(s, 'Snapshot hash (SHA-256)').value).toBe(seal.contentHash);
    const date = summaryValue(s, 'Snapshot date');
    expect(date.value).toEqual(new Date('2025-06-01T00:00:00.000Z'));
    expect(date.numFmt).toBe(FMT.dateTime);
    expect(summaryValue(s, 'Currency').value).toBe('GBP');
    // E3: 3 unassigned seats (12 usable, 9 assigned) and the disabled u3: 4 seats at 30 GBP.
    const savings = summaryValue(s, 'Savings per month');
    expect(savings.numFmt).toBe('#,##0.00 "GBP"');
    expect(savings.value).toBe(120);
    expect(summaryValue(s, 'Savings per year').value).toBe(1440);
    expect(summaryValue(s, 'Price coverage').numFmt).toBe('0%');
    expect(summaryValue(s, 'Permissions in effect').value).toBe('User.Read.All, AuditLog.Read.All');
    expect(String(summaryValue(s, 'Prices from').value)).toBe('entitlement (e.csv)');

    const pos = sheet(wb, 'SKU position');
    expect(pos.getRow(1).values).toEqual([undefined, 'Product', 'Part number', 'Unknown SKU', 'Status', 'Enabled', 'Warning', 'Suspended', 'Locked out', 'Usable', 'Assigned', 'Available', 'Over by', 'Buffer', 'Excluded', 'Monthly price per seat', 'Price source', 'Price as given', 'Monthly cost']);
    const e3 = pos.getRow(2);
    expect(e3.getCell(2).value).toBe('ENTERPRISEPACK');
    expect(e3.getCell(9).value).toBe(12);
    expect(e3.getCell(9).numFmt).toBe(FMT.count);
    expect(e3.getCell(15).value).toBe(30);
    expect(e3.getCell(15).numFmt).toBe('#,##0.00 "GBP"');
    expect(e3.getCell(16).value).toBe('entitlement');
    expect(e3.getCell(18).value).toBe(270);
    const rs = sheet(wb, 'Right-sizing').getRow(2);
    expect(rs.getCell(3).value).toBe('reduce by 4 seats before 2025-10-31');
    expect(rs.getCell(5).value).toEqual(new Date('2025-10-31T00:00:00Z'));
    expect(rs.getCell(5).numFmt).toBe(FMT.date);
  });

  it('continues a table longer than a sheet on a numbered sheet, and the Summary says so', async () => {
    const { wb } = await build(5);
    expect(sheetsFor(11, 5)).toBe(3);
    const names = wb.worksheets.map((w) => w.name);
    expect(names.slice(-3)).toEqual(['User licences', 'User licences (2)', 'User licences (3)']);
    expect(names.filter((n) => n.startsWith('User licences')).map((n) => sheet(wb, n).rowCount)).toEqual([5, 5, 4]);
    expect(sheet(wb, 'User licences (3)').getCell(1, 1).value).toBe('User principal name');
    expect(sheet(wb, 'User licences (3)').views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(summaryValue(sheet(wb, 'Summary'), 'Continued sheets').value).toBe('User licences has 11 rows; it continues on "User licences (2)", "User licences (3)".');
  });

  it('writes atomically and the CSVs name the snapshot and its hash', async () => {
    const { dir, report, seal } = await build();
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const files = await writeReconCsvs(report, dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['sku-position.csv', 'entitlements-reconciliation.csv', 'right-sizing.csv']);
    const text = readFileSync(join(dir, 'right-sizing.csv'), 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    const [header, first] = parse(text.slice(1)) as string[][];
    expect(header?.slice(-2)).toEqual(['Snapshot', 'Snapshot hash']);
    expect(first?.slice(-2)).toEqual([String(report.snapshotId), seal.contentHash]);
  });
});
