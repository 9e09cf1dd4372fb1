import type { SyncResult } from '../../shared/sync';
import type { SkuSummaryRowDto as SkuSummaryRow } from '../../shared/snapshots';
import { formatTable, type Out } from '../output';

/** The end-of-job summary: per SKU purchased / assigned / available, then what was skipped and why. */
export function printSyncSummary(out: Out, result: SyncResult, skus: readonly SkuSummaryRow[]): void {
  out.write(`\nSnapshot ${result.snapshotId}\n\n`);
  const rows = skus.map((s) => [
    s.product,
    s.partNumber,
    s.enabled,
    s.warning,
    s.suspended,
    s.consumed,
    s.available,
    s.warning > 0 ? 'expired, in grace period' : s.suspended > 0 ? 'suspended' : s.available < 0 ? 'over-assigned' : '',
  ]);
  out.write(formatTable(['Product', 'Part number', 'Purchased', 'Warning', 'Suspended', 'Assigned', 'Available', 'Note'], rows, new Set([2, 3, 4, 5, 6])));
  out.write('Purchased = enabled seats; Available = purchased - assigned (negative: more assigned than purchased).\n');
  const skipped = result.datasets.filter((d) => d.status !== 'ok');
  if (skipped.length > 0) {
    out.write('\nNot synced:\n');
    for (const d of skipped) out.write(`  ${d.dataset}: ${d.reason ?? d.status}\n`);
  }
  for (const w of result.warnings) out.write(`\nwarning: ${w}\n`);
}
