/**
 * The reconciliation CSVs (Excel-safe through export/csv.ts: BOM, CRLF, formula-escaped):
 * SKU position, entitlements reconciliation, right-sizing and the diff of two snapshots.
 * Each row names the snapshot and its hash, so a file separated from its folder still says
 * where its figures come from; money columns name their currency and price source.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DiffReport, ReconcileReport } from '../../shared/reconcile';
import { writeCsv, type Cell, type WriteCsvOptions } from '../export/csv';

export const POSITION_FILE = 'sku-position.csv';
export const ENTITLEMENTS_FILE = 'entitlements-reconciliation.csv';
export const RIGHT_SIZING_FILE = 'right-sizing.csv';
export const diffFileName = (from: number, to: number): string => `diff-${from}-${to}.csv`;

const yes = (v: boolean): string => (v ? 'Yes' : 'No');
const PRICE_HEADER = ['Monthly price per seat', 'Currency', 'Price source', 'Price as given'] as const;
const SNAPSHOT_HEADER = ['Snapshot', 'Snapshot hash'] as const;

export const POSITION_HEADER = [
  'Product', 'Part number', 'Unknown SKU', 'Status', 'Enabled', 'Warning', 'Suspended', 'Locked out', 'Usable', 'Assigned', 'Available', 'Over by', 'Buffer', 'Excluded',
  ...PRICE_HEADER, 'Monthly cost', ...SNAPSHOT_HEADER,
] as const;
export const ENTITLEMENTS_HEADER = ['Product', 'Part number', 'Unknown SKU', 'Entitled', 'Usable', 'Assigned', 'Difference', 'Term end', ...PRICE_HEADER, ...SNAPSHOT_HEADER] as const;
export const RIGHT_SIZING_HEADER = [
  'Product', 'Part number', 'Advice', 'Reduce by', 'Before', 'Date from', 'Trial', 'Unassigned beyond buffer', 'Disabled users', 'Inactive users',
  ...PRICE_HEADER, 'Savings per month', 'Savings per year', ...SNAPSHOT_HEADER,
] as const;
export const DIFF_HEADER = ['Change', 'Part number', 'Finding', 'User principal name', 'Item', 'Before', 'After', 'From snapshot', 'From hash', 'To snapshot', 'To hash'] as const;

export type ReconCsv = 'position' | 'entitlements' | 'right-sizing';

export async function writeReconCsvs(
  report: ReconcileReport,
  outDir: string,
  which: readonly ReconCsv[] = ['position', 'entitlements', 'right-sizing'],
  opts: WriteCsvOptions = {},
): Promise<string[]> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const snap: Cell[] = [report.snapshotId, report.contentHash ?? 'not sealed'];
  const files: string[] = [];
  if (which.includes('position')) {
    const f = join(dir, POSITION_FILE);
    await writeCsv(
      f,
      POSITION_HEADER,
      report.position.map((p): Cell[] => [
        p.product, p.partNumber, yes(p.unknownSku), p.capabilityStatus, p.enabled, p.warning, p.suspended, p.lockedOut, p.usable, p.consumed, p.available, p.overBy, p.buffer, yes(p.excluded),
        p.price.monthly, p.price.currency, p.price.source, p.price.original, p.monthlyCost, ...snap,
      ]),
      opts,
    );
    files.push(f);
  }
  if (which.includes('entitlements')) {
    const f = join(dir, ENTITLEMENTS_FILE);
    await writeCsv(
      f,
      ENTITLEMENTS_HEADER,
      report.entitlements.map((e): Cell[] => [e.product, e.partNumber, yes(e.unknownSku), e.entitled, e.usable, e.assigned, e.difference, e.termEnd, e.price.monthly, e.price.currency, e.price.source, e.price.original, ...snap]),
      opts,
    );
    files.push(f);
  }
  if (which.includes('right-sizing')) {
    const f = join(dir, RIGHT_SIZING_FILE);
    await writeCsv(
      f,
      RIGHT_SIZING_HEADER,
      report.rightSizing.map((r): Cell[] => [
        r.product, r.partNumber, r.advice, r.reduceBy, r.before, r.dateSource, yes(r.trial), r.unassignedBeyondBuffer, r.disabledSeats, r.inactiveSeats,
        r.price.monthly, r.price.currency, r.price.source, r.price.original, r.monthlySavings, r.annualSavings, ...snap,
      ]),
      opts,
    );
    files.push(f);
  }
  return files;
}

/** One row per change: a user gained or lost on a SKU, a seat count changed, a finding item new or resolved. */
export async function writeDiffCsv(diff: Omit<DiffReport, 'files'>, outDir: string, opts: WriteCsvOptions = {}): Promise<string> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const tail: Cell[] = [diff.from.snapshotId, diff.from.contentHash ?? 'not sealed', diff.to.snapshotId, diff.to.contentHash ?? 'not sealed'];
  function* rows(): Generator<Cell[]> {
    for (const s of diff.skus) {
      if (s.usableBefore !== s.usableAfter) yield ['seats changed', s.partNumber, null, null, 'usable seats', s.usableBefore, s.usableAfter, ...tail];
      if (s.consumedBefore !== s.consumedAfter) yield ['seats changed', s.partNumber, null, null, 'assigned seats', s.consumedBefore, s.consumedAfter, ...tail];
      for (const u of s.gained) yield ['user gained', s.partNumber, null, u.upn ?? u.userId, null, null, null, ...tail];
      for (const u of s.lost) yield ['user lost', s.partNumber, null, u.upn ?? u.userId, null, null, null, ...tail];
    }
    for (const f of diff.findings) {
      for (const k of f.newItems) yield ['finding new', null, f.kind, null, k, null, null, ...tail];
      for (const k of f.resolvedItems) yield ['finding resolved', null, f.kind, null, k, null, null, ...tail];
    }
  }
  const f = join(dir, diffFileName(diff.from.snapshotId, diff.to.snapshotId));
  await writeCsv(f, DIFF_HEADER, rows(), opts);
  return f;
}
