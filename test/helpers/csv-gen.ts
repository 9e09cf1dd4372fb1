import fc from 'fast-check';

/**
 * fast-check generators of CSV files as operators and services actually produce them:
 * odd quoting, byte order marks, CRLF/LF/CR line ends, embedded newlines, short and long
 * rows, blank lines, trailing separators. Used by the fuzz tests of every CSV reader
 * (usage reports, the SKU catalogue) and meant for the purchase-record imports
 * (entitlements, prices) through purchaseRecordCsv below.
 */

/** Characters that break naive CSV handling, mixed into otherwise ordinary text. */
const AWKWARD = ['"', ',', ';', '\t', '\r', '\n', '\r\n', '\uFEFF', ' ', '\u00A0', '\u200B', '=', '+', '-', '@', "'", '\\', '\u0000', 'é', '€', '😀'];

/** Text that is mostly ordinary, often awkward. */
export function csvText(maxLength = 24): fc.Arbitrary<string> {
  return fc
    .array(fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 6 }) }, { weight: 3, arbitrary: fc.constantFrom(...AWKWARD) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 3 }) }), {
      maxLength: 6,
    })
    .map((parts) => parts.join('').slice(0, maxLength));
}

/** How one field is written: RFC 4180 quoted, bare, or quoted wrongly (as broken exports do). */
export type FieldStyle = 'quoted' | 'bare' | 'unbalanced' | 'spaced';

export function writeField(value: string, style: FieldStyle): string {
  switch (style) {
    case 'quoted':
      return `"${value.replace(/"/g, '""')}"`;
    case 'bare':
      return value;
    case 'unbalanced':
      return `"${value}`;
    case 'spaced':
      return ` "${value.replace(/"/g, '""')}" `;
  }
}

export interface CsvLayout {
  bom: boolean;
  eol: '\r\n' | '\n' | '\r';
  trailingEol: boolean;
  /** Blank lines inserted after these row indexes. */
  blankAfter: number[];
}

export const csvLayout: fc.Arbitrary<CsvLayout> = fc.record({
  bom: fc.boolean(),
  eol: fc.constantFrom('\r\n' as const, '\n' as const, '\r' as const),
  trailingEol: fc.boolean(),
  blankAfter: fc.array(fc.nat({ max: 10 }), { maxLength: 2 }),
});

/** Join rows of already-written fields into a file with the given layout and delimiter. */
export function joinCsv(rows: readonly (readonly string[])[], layout: CsvLayout, delimiter = ','): string {
  const lines: string[] = [];
  rows.forEach((r, i) => {
    lines.push(r.join(delimiter));
    if (layout.blankAfter.includes(i)) lines.push('');
  });
  return (layout.bom ? '\uFEFF' : '') + lines.join(layout.eol) + (layout.trailingEol && lines.length > 0 ? layout.eol : '');
}

/** A field value and how it is written; mostly well quoted, sometimes not. */
const fieldStyle: fc.Arbitrary<FieldStyle> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<FieldStyle>('quoted') },
  { weight: 6, arbitrary: fc.constant<FieldStyle>('bare') },
  { weight: 1, arbitrary: fc.constant<FieldStyle>('unbalanced') },
  { weight: 1, arbitrary: fc.constant<FieldStyle>('spaced') },
);

/**
 * A CSV file with `header` (sometimes damaged: a column dropped, renamed or repeated) and
 * rows whose cells come from `cell(column)`; rows are sometimes short or long.
 */
export function csvFile(header: readonly string[], cell: (column: string) => fc.Arbitrary<string>, opts: { maxRows?: number } = {}): fc.Arbitrary<string> {
  const headerArb = fc.oneof(
    { weight: 8, arbitrary: fc.constant([...header]) },
    { weight: 1, arbitrary: fc.nat({ max: Math.max(0, header.length - 1) }).map((i) => header.filter((_, k) => k !== i)) },
    { weight: 1, arbitrary: fc.tuple(fc.nat({ max: Math.max(0, header.length - 1) }), csvText(12)).map(([i, t]) => header.map((h, k) => (k === i ? t : h))) },
    { weight: 1, arbitrary: fc.constant([...header, header[0] ?? 'x']) },
  );
  const lengthShift = fc.oneof({ weight: 8, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1) });
  const row = fc.tuple(fc.tuple(...header.map((h) => fc.tuple(cell(h), fieldStyle))), lengthShift).map(([cells, shift]) => {
    const written = cells.map(([v, s]) => writeField(v, s));
    if (shift < 0) return written.slice(0, Math.max(1, written.length - 1));
    if (shift > 0) return [...written, 'extra'];
    return written;
  });
  return fc
    .tuple(headerArb, fc.array(row, { maxLength: opts.maxRows ?? 6 }), csvLayout, fc.boolean())
    .map(([h, rows, layout, quoteHeader]) => joinCsv([h.map((c) => writeField(c, quoteHeader ? 'quoted' : 'bare')), ...rows], layout));
}

/** Files that are not CSV tables at all: empty, whitespace, a BOM alone, binary, a header only. */
export function degenerateCsv(header: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('', '\uFEFF', '\r\n', '\n\n\n', ' ', ',,,', '"', '""', '"\n', '\uFEFF\r\n'),
    fc.constant(header.join(',')),
    fc.constant(`\uFEFF${header.join(',')}\r\n`),
    fc.string({ unit: 'binary', maxLength: 64 }),
    fc.string({ unit: 'grapheme', maxLength: 64 }),
  );
}

/* Cells shaped like the values of Microsoft's files, with near misses. */

export const guidCell: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.uuid() },
  { weight: 1, arbitrary: fc.uuid().map((u) => u.toUpperCase()) },
  { weight: 1, arbitrary: fc.uuid().map((u) => ` ${u} `) },
  { weight: 1, arbitrary: fc.uuid().map((u) => u.slice(1)) },
  { weight: 1, arbitrary: fc.uuid().map((u) => `{${u}}`) },
  { weight: 1, arbitrary: csvText(40) },
);

export const boolCellText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('True', 'False', 'Yes', 'No', 'true', 'FALSE', 'yes', '0', '1', '') },
  { weight: 1, arbitrary: fc.constantFrom(' True ', 'TRUE\u00A0', 'Y', 'N', '2', '-1', 'null', 'Nope') },
  { weight: 1, arbitrary: csvText(8) },
);

export const intCellText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.oneof(fc.nat().map(String), fc.constant('')) },
  { weight: 1, arbitrary: fc.constantFrom('1,234', '1.5', '-0', '+3', '1e3', '9007199254740993', '99999999999999999999', ' 12 ', '0x10', 'NaN', 'Infinity', '٣') },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String) },
  { weight: 1, arbitrary: csvText(8) },
);

export const dateCellText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)) },
  { weight: 1, arbitrary: fc.constantFrom('', '2024-02-30', '31/12/2024', '12/31/2024', '2024-13-01', '0000-00-00', 'yesterday') },
  { weight: 1, arbitrary: csvText(12) },
);

/* Purchase records: what the entitlements and price imports read (order exports, price lists). */

/** Columns of a purchase-record export, as a reseller or the Microsoft 365 admin center's billing pages word them. */
export const PURCHASE_RECORD_COLUMNS = ['Product', 'SKU Id', 'Part Number', 'Quantity', 'Unit Price', 'Currency', 'Billing Frequency', 'Term Start', 'Term End', 'Subscription Id'] as const;

/** Money as it appears in exported sheets: plain, with thousands separators, decimal commas, symbols, negatives. */
export const moneyCellText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 10_000_000 }).map((c) => (c / 100).toFixed(2)) },
  { weight: 1, arbitrary: fc.constantFrom('1,234.50', '1.234,50', '€36.00', '$ 12', '-5.00', '(5.00)', '12,5', '0', '', 'free', '1e2', '12.345') },
  { weight: 1, arbitrary: csvText(10) },
);

export const purchaseCell = (column: string): fc.Arbitrary<string> => {
  switch (column) {
    case 'SKU Id':
    case 'Subscription Id':
      return guidCell;
    case 'Quantity':
      return intCellText;
    case 'Unit Price':
      return moneyCellText;
    case 'Currency':
      return fc.oneof(fc.constantFrom('EUR', 'USD', 'GBP', 'CHF', 'eur', '€', ''), csvText(4));
    case 'Billing Frequency':
      return fc.oneof(fc.constantFrom('Monthly', 'Annual', 'Triennial', 'monthly', 'P1M', 'P1Y', ''), csvText(8));
    case 'Term Start':
    case 'Term End':
      return dateCellText;
    case 'Part Number':
      return fc.oneof(fc.constantFrom('ENTERPRISEPACK', 'SPE_E5', 'O365_BUSINESS_PREMIUM', 'ENTERPRISEPACK '), csvText(16));
    default:
      return csvText(40);
  }
};

/**
 * A purchase-record CSV: the header of PURCHASE_RECORD_COLUMNS (or `columns`), rows of
 * plausible and near-miss values, written with `,` or `;` (a European export), with the
 * layouts of csvFile. For the fuzz tests of the entitlements and price imports.
 */
export function purchaseRecordCsv(columns: readonly string[] = PURCHASE_RECORD_COLUMNS, opts: { maxRows?: number } = {}): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: csvFile(columns, purchaseCell, opts) },
    { weight: 2, arbitrary: csvFile(columns, purchaseCell, opts).map((t) => t.replace(/,/g, ';')) },
    { weight: 1, arbitrary: degenerateCsv(columns) },
  );
}
