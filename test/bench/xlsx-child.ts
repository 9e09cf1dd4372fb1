// Writes one export of a prepared snapshot in a fresh process and reports its own peak RSS:
// "csv" = the user-licence CSV export, "xlsx" = the reconciliation workbook (findings,
// reconciliation and every sheet, the user-licence one included).
import { join } from 'node:path';
import { exportSnapshot } from '../../src-main/core/export/exports';
import { builtinCatalog } from '../../src-main/core/catalog/builtin';
import { reconcile } from '../../src-main/core/recon/cost';
import { computeFindingsSpooled } from '../../src-main/core/recon/engine';
import { defaultSettings } from '../../src-main/core/recon/settings';
import { writeWorkbook } from '../../src-main/core/recon/workbook';
import { openDatabase } from '../../src-main/core/store/db';

export interface XlsxChildReport {
  mode: string;
  maxRssMb: number;
  seconds: number;
}

const [dbPath = '', mode = 'csv', outDir = ''] = process.argv.slice(2);
void (async () => {
  const db = openDatabase(dbPath);
  const snapshotId = (db.prepare('SELECT max(id) AS id FROM snapshots').get() as { id: number }).id;
  const started = performance.now();
  if (mode === 'csv') await exportSnapshot(db, snapshotId, outDir);
  else {
    const settings = defaultSettings();
    const catalog = builtinCatalog();
    // As the exports service does: every finding item in the spool, none in memory.
    const { report: findings, items } = computeFindingsSpooled(db, snapshotId, { settings, catalog });
    const report = reconcile(db, { profile: 'bench', snapshotId, settings, findings, catalog, items });
    await writeWorkbook(db, join(outDir, 'bench.xlsx'), report, findings, { tenant: 'bench', items });
    items.dispose();
  }
  const report: XlsxChildReport = { mode, maxRssMb: process.resourceUsage().maxRSS / 1024, seconds: (performance.now() - started) / 1000 };
  db.close();
  process.send?.(report, () => process.exit(0));
})().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
