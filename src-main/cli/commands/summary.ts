import { SKU_COLUMNS, SKU_COLUMNS_FOOTNOTE, skuTextCells } from '../../shared/sku-columns';
import type { SyncResult } from '../../shared/sync';
import type { SkuSummaryRowDto as SkuSummaryRow } from '../../shared/snapshots';
import { formatTable, type Out } from '../output';

/** The end-of-job summary: the per-SKU seat columns of sku-summary.csv, then what was skipped and why. */
export function printSyncSummary(out: Out, result: SyncResult, skus: readonly SkuSummaryRow[]): void {
  out.write(`\nSnapshot ${result.snapshotId}\n\n`);
  const numeric = new Set(SKU_COLUMNS.flatMap((c, i) => (c.numeric && !c.text ? [i] : [])));
  out.write(formatTable(SKU_COLUMNS.map((c) => c.header), skus.map(skuTextCells), numeric));
  for (const line of SKU_COLUMNS_FOOTNOTE) out.write(`${line}\n`);
  const skipped = result.datasets.filter((d) => d.status !== 'ok');
  if (skipped.length > 0) {
    out.write('\nNot synced:\n');
    for (const d of skipped) out.write(`  ${d.dataset}: ${d.reason ?? d.status}\n`);
  }
  for (const w of result.warnings) out.write(`\nwarning: ${w}\n`);
}
