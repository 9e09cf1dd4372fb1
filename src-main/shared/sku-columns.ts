import type { SkuSummaryRowDto as SkuSummaryRow } from './snapshots';

/**
 * The per-SKU seat columns, named once for every place that shows them (sku-summary.csv,
 * the end-of-sync summary, and later the workbook). Figures follow skuSummary: usable =
 * enabled + warning, available = usable − consumed, over-assigned = consumed − usable.
 */
export interface SkuColumn {
  readonly header: string;
  /** The cell in a file: counts are numbers. */
  readonly value: (s: SkuSummaryRow) => string | number;
  /** The cell in a text table, when it reads differently from the number; counts in it as `count` writes them. */
  readonly text?: (s: SkuSummaryRow, count?: (n: number) => string) => string;
  readonly numeric: boolean;
}

export const SKU_COLUMNS: readonly SkuColumn[] = [
  { header: 'Product', value: (s) => s.product, numeric: false },
  { header: 'Part number', value: (s) => s.partNumber, numeric: false },
  { header: 'Enabled', value: (s) => s.enabled, numeric: true },
  { header: 'Warning', value: (s) => s.warning, numeric: true },
  { header: 'Suspended', value: (s) => s.suspended, numeric: true },
  { header: 'Usable', value: (s) => s.usable, numeric: true },
  { header: 'Consumed', value: (s) => s.consumed, numeric: true },
  { header: 'Available', value: (s) => s.available, numeric: true },
  { header: 'Over-assigned', value: (s) => s.overAssigned, text: (s, count = String) => (s.overAssigned > 0 ? `over by ${count(s.overAssigned)}` : ''), numeric: true },
];

export const SKU_SUMMARY_HEADER: readonly string[] = SKU_COLUMNS.map((c) => c.header);

/** One SKU as file cells (numbers stay numbers). */
export function skuCells(s: SkuSummaryRow): (string | number)[] {
  return SKU_COLUMNS.map((c) => c.value(s));
}

/** One SKU as text-table cells. */
export function skuTextCells(s: SkuSummaryRow): (string | number)[] {
  return SKU_COLUMNS.map((c) => (c.text ? c.text(s) : c.value(s)));
}

/** What the seat columns mean, for a footnote under a table. */
export const SKU_COLUMNS_FOOTNOTE = [
  'Usable = Enabled + Warning (Warning seats are in the grace period: still usable, but expiring; renew them to keep them).',
  'Available = Usable - Consumed. Over-assigned: more seats consumed than usable. Suspended seats are not usable.',
] as const;
