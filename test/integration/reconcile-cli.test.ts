import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/core/store/db';
import { cli, tempDir } from '../helpers/cli';

/**
 * The CLI's reconcile, entitlements, prices, diff and verify-history commands over two demo
 * syncs (real HTTPS, MSAL and the Graph client), and the workbook demo writes.
 */
describe('CLI: reconcile, imports, diff and verify-history', () => {
  const dir = tempDir();
  const data = join(dir, 'data');
  const out = join(dir, 'exports');

  it('demo writes the workbook and the reconciliation CSVs next to the other exports', async () => {
    const r = await cli(['--data-dir', data, 'demo', '--users', '200', '--out', out]);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    for (const f of ['sku-position.csv', 'entitlements-reconciliation.csv', 'right-sizing.csv', 'reconciliation.xlsx']) expect(existsSync(join(out, f))).toBe(true);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(out, 'reconciliation.xlsx'));
    expect(wb.worksheets[0]?.name).toBe('Summary');
    expect(wb.getWorksheet('User licences')?.rowCount).toBeGreaterThan(200);
  });

  it('imports entitlements and prices, refuses a bad file by row and column, and reconciles', async () => {
    const purchases = join(dir, 'purchases.csv');
    writeFileSync(purchases, 'SKU part number,Quantity,Unit price,Currency,Billing period,Term end\r\nENTERPRISEPACK,60,23,EUR,monthly,2031-01-31\r\nSPE_E5,10,57,EUR,monthly,2031-03-31\r\nMADE_UP_SKU,3,1,EUR,monthly,\r\n');
    const imported = await cli(['--data-dir', data, 'entitlements', 'import', purchases, '--profile', 'demo']);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(/Imported 3 purchase records from purchases.csv \(EUR\)/);
    expect(imported.stdout).toMatch(/Unknown SKUs \(kept under the name given\): MADE_UP_SKU/);
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'SKU,Unit price,Currency,Billing period\r\nSPE_E3,abc,EUR,monthly\r\n');
    const refused = await cli(['--data-dir', data, 'prices', 'import', bad, '--profile', 'demo']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/row 2, column "Unit price": "abc" is not a price/);

    const pos = await cli(['--data-dir', data, 'reconcile', 'position', '--profile', 'demo']);
    expect(pos.code).toBe(0);
    expect(pos.stdout).toMatch(/hash [0-9a-f]{64}/);
    expect(pos.stdout).toMatch(/23\.00 EUR\/month \(entitlement\)/);
    expect(pos.stdout).toMatch(/Savings cover \d+% of reclaimable seats/);
    const ent = await cli(['--data-dir', data, 'reconcile', 'entitlements', '--profile', 'demo', '--json']);
    const report = JSON.parse(ent.stdout) as { entitlements: { partNumber: string; entitled: number; unknownSku: boolean }[]; rightSizing: { advice: string }[] };
    expect(report.entitlements).toContainEqual(expect.objectContaining({ partNumber: 'MADE_UP_SKU', entitled: 3, unknownSku: true }));
    const rs = await cli(['--data-dir', data, 'reconcile', 'right-sizing', '--profile', 'demo']);
    expect(rs.code).toBe(0);
    expect(rs.stdout).toMatch(/Renewal dates: /);
    const rates = await cli(['--data-dir', data, 'prices', 'rates', '--profile', 'demo', '--base', 'eur', '--rate', 'USD=0.9']);
    expect(rates.stdout).toMatch(/1 USD = 0.9 EUR/);
  });

  it('diff compares two syncs, and verify-history names the snapshot edited in SQLite', async () => {
    const again = await cli(['--data-dir', data, 'demo', '--users', '200', '--out', join(dir, 'second')]);
    expect(again.code).toBe(0);
    const db = openDatabase(join(data, 'reconciler.db'));
    const ids = (db.prepare(`SELECT id FROM snapshots WHERE profile_name = 'demo' ORDER BY id`).all() as { id: number }[]).map((r) => r.id);
    db.close();
    expect(ids).toHaveLength(2);
    const diff = await cli(['--data-dir', data, 'diff', '--profile', 'demo', '--from', String(ids[0]), '--out', join(dir, 'diff')]);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toMatch(new RegExp(`From snapshot ${ids[0]} .*\\n  to snapshot ${ids[1]}`));
    const csv = readFileSync(join(dir, 'diff', `diff-${ids[0]}-${ids[1]}.csv`), 'utf8');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const [header] = parse(csv.slice(1)) as string[][];
    expect(header).toEqual(['Change', 'Part number', 'Finding', 'User principal name', 'Item', 'Before', 'After', 'From snapshot', 'From hash', 'To snapshot', 'To hash']);

    const ok = await cli(['--data-dir', data, 'verify-history', '--profile', 'demo']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/2 snapshots verified; the chain is intact/);
    const tamper = openDatabase(join(data, 'reconciler.db'));
    tamper.prepare(`UPDATE users SET display_name = 'Someone else' WHERE snapshot_id = ? AND rowid = (SELECT min(rowid) FROM users WHERE snapshot_id = ?)`).run(ids[0], ids[0]);
    tamper.close();
    const bad = await cli(['--data-dir', data, 'verify-history', '--profile', 'demo']);
    expect(bad.code).toBe(7);
    expect(bad.stderr).toMatch(new RegExp(`the first bad snapshot is ${ids[0]}`));
    expect(bad.stdout).toMatch(new RegExp(`Snapshot ${ids[0]} \\(.*\\) does not match its recorded hash`));
  });
});
