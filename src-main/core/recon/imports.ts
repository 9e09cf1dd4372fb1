/**
 * Importing purchase records (entitlements) and price lists from CSV or XLSX. The whole
 * file is validated first; any bad cell fails the import with errors naming the row and
 * the column, and nothing is written. A valid file replaces the profile's previous rows of
 * that kind in one transaction. SKUs are matched by part number, GUID or product name
 * through the catalogue; those it does not know are imported under the name given and listed.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { ImportResult } from '../../shared/reconcile';
import type { Catalog } from '../catalog/catalog';
import { OperatorError } from '../errors/operator-error';
import type { Db } from '../store/db';

export type ImportKind = 'entitlements' | 'prices';

/** Accepted header spellings (case, spaces, underscores and hyphens ignored). */
const COLUMNS = {
  sku: ['sku', 'skupartnumber', 'partnumber', 'stringid', 'product', 'productname', 'skuname', 'productdisplayname'],
  quantity: ['quantity', 'qty', 'seats', 'licenses', 'licences'],
  unitPrice: ['unitprice', 'price', 'priceperseat', 'unitcost'],
  currency: ['currency', 'currencycode'],
  billingPeriod: ['billingperiod', 'billingfrequency', 'period', 'billing'],
  termEnd: ['termend', 'termenddate', 'enddate', 'renewaldate', 'expires', 'expiry'],
} as const;
type Field = keyof typeof COLUMNS;

const REQUIRED: Record<ImportKind, Field[]> = {
  entitlements: ['sku', 'quantity'],
  prices: ['sku', 'unitPrice', 'currency', 'billingPeriod'],
};
const LABEL: Record<Field, string> = {
  sku: 'SKU part number or name',
  quantity: 'Quantity',
  unitPrice: 'Unit price',
  currency: 'Currency',
  billingPeriod: 'Billing period',
  termEnd: 'Term end',
};

/** Months one billing period covers; prices are normalised to a month. */
const PERIODS: Record<string, { name: string; months: number }> = {
  monthly: { name: 'monthly', months: 1 },
  month: { name: 'monthly', months: 1 },
  p1m: { name: 'monthly', months: 1 },
  annual: { name: 'annual', months: 12 },
  annually: { name: 'annual', months: 12 },
  yearly: { name: 'annual', months: 12 },
  year: { name: 'annual', months: 12 },
  p1y: { name: 'annual', months: 12 },
  triennial: { name: 'triennial', months: 36 },
  p3y: { name: 'triennial', months: 36 },
};
export function periodMonths(period: string | null): number | null {
  return period ? (PERIODS[period.toLowerCase()]?.months ?? null) : null;
}

export interface ImportedRow {
  rowNumber: number;
  skuRef: string;
  skuId: string | null;
  partNumber: string;
  quantity: number | null;
  unitPrice: number | null;
  currency: string | null;
  billingPeriod: string | null;
  termEnd: string | null;
}

export interface CellError {
  row: number;
  column: string;
  message: string;
}

const norm = (h: string): string => h.replace(/^\uFEFF/, '').toLowerCase().replace(/[\s_\-()]/g, '');

/** The rows of a CSV or XLSX file as text cells, header first. */
export async function readTable(path: string): Promise<string[][]> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (e) {
    throw new OperatorError('bad-input', `The file "${path}" could not be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, { hint: 'Check the path and that this user may read it.', cause: e });
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.xlsx') {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(data as unknown as ArrayBuffer);
    } catch (e) {
      throw new OperatorError('bad-input', `"${basename(path)}" is not a readable XLSX workbook: ${(e as Error).message}.`, { hint: 'Save it from Excel as .xlsx, or export it as CSV.', cause: e });
    }
    const ws = wb.worksheets[0];
    if (!ws) throw new OperatorError('bad-input', `"${basename(path)}" has no worksheet.`, { hint: 'Put the records on the first sheet, with a header row.' });
    const rows: string[][] = [];
    ws.eachRow({ includeEmpty: true }, (row, n) => {
      const cells: string[] = [];
      for (let c = 1; c <= ws.columnCount; c += 1) cells.push(cellText(row.getCell(c).value));
      rows[n - 1] = cells;
    });
    return Array.from({ length: rows.length }, (_, i) => rows[i] ?? []);
  }
  if (ext !== '.csv' && ext !== '.txt') {
    throw new OperatorError('bad-input', `"${basename(path)}" is neither CSV nor XLSX.`, { hint: 'Give a .csv or .xlsx file with a header row.' });
  }
  const text = data.toString('utf8');
  const delimiter = (text.split(/\r?\n/, 1)[0] ?? '').includes(';') && !(text.split(/\r?\n/, 1)[0] ?? '').includes(',') ? ';' : ',';
  try {
    return parse(text, { bom: true, delimiter, relax_column_count: true, skip_empty_lines: false }) as string[][];
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new OperatorError('bad-input', `"${basename(path)}" is not valid CSV${err.lines ? ` at row ${err.lines}` : ''}: ${err.message}.`, { hint: 'Check the quoting around that row.', cause: e });
  }
}

function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('text' in v) return String(v.text);
    return '';
  }
  return String(v);
}

/** Validate a table; throws an OperatorError listing every bad cell by row and column. */
export function validateRows(kind: ImportKind, table: string[][], catalog: Catalog, file: string): { rows: ImportedRow[]; unknownSkus: string[] } {
  const header = table[0];
  if (!header || header.every((h) => h.trim() === '')) {
    throw new OperatorError('bad-input', `"${file}" is empty.`, { hint: `Give a header row with ${REQUIRED[kind].map((f) => LABEL[f]).join(', ')}.` });
  }
  const index = new Map<Field, number>();
  header.forEach((h, i) => {
    const n = norm(h);
    for (const [field, names] of Object.entries(COLUMNS) as [Field, readonly string[]][]) if (names.includes(n) && !index.has(field)) index.set(field, i);
  });
  const missing = REQUIRED[kind].filter((f) => !index.has(f));
  if (missing.length > 0) {
    throw new OperatorError('bad-input', `"${file}" has no ${missing.map((f) => `"${LABEL[f]}"`).join(', ')} column (row 1 is the header: ${header.map((h) => `"${h}"`).join(', ')}).`, {
      hint: `An ${kind === 'prices' ? 'price list' : 'entitlements file'} needs the columns ${REQUIRED[kind].map((f) => LABEL[f]).join(', ')}${kind === 'entitlements' ? ', and may add Unit price, Currency, Billing period and Term end' : ''}.`,
    });
  }
  const errors: CellError[] = [];
  const rows: ImportedRow[] = [];
  const unknown = new Set<string>();
  const byName = new Map(catalog.skus.map((s) => [s.displayName.toLowerCase(), s]));
  for (let r = 1; r < table.length; r += 1) {
    const cells = table[r] ?? [];
    if (cells.every((c) => c.trim() === '')) continue;
    const rowNumber = r + 1;
    const get = (f: Field): string => {
      const i = index.get(f);
      return i === undefined ? '' : (cells[i] ?? '').trim();
    };
    const bad = (f: Field, message: string): void => {
      errors.push({ row: rowNumber, column: header[index.get(f) ?? 0] ?? LABEL[f], message });
    };
    const skuRef = get('sku');
    let skuId: string | null = null;
    let partNumber = skuRef;
    if (!skuRef) bad('sku', 'empty; give the SKU part number (for example SPE_E3) or the product name');
    else {
      const hit = catalog.findSku(skuRef);
      const named = hit.known ? undefined : byName.get(skuRef.toLowerCase());
      if (hit.known) {
        skuId = hit.skuId;
        partNumber = hit.skuPartNumber;
      } else if (named) {
        skuId = named.skuId;
        partNumber = named.skuPartNumber;
      } else unknown.add(skuRef);
    }
    let quantity: number | null = null;
    if (index.has('quantity')) {
      const q = get('quantity');
      if (!/^\d{1,9}$/.test(q.replace(/[,\s]/g, ''))) bad('quantity', `"${q}" is not a whole number of seats`);
      else quantity = Number(q.replace(/[,\s]/g, ''));
    }
    let unitPrice: number | null = null;
    const p = get('unitPrice');
    if (p !== '') {
      const v = Number(p.replace(/[\s,]/g, ''));
      if (!Number.isFinite(v) || v < 0) bad('unitPrice', `"${p}" is not a price (a number from 0, decimal point ".")`);
      else unitPrice = v;
    } else if (kind === 'prices') bad('unitPrice', 'empty');
    let currency: string | null = get('currency').toUpperCase() || null;
    if (currency !== null && !/^[A-Z]{3}$/.test(currency)) {
      bad('currency', `"${get('currency')}" is not a three-letter currency code such as EUR or USD`);
      currency = null;
    }
    if (currency === null && unitPrice !== null && !errors.some((e) => e.row === rowNumber && e.column === (header[index.get('currency') ?? -1] ?? ''))) bad('currency', 'empty, but the row has a price');
    let billingPeriod: string | null = get('billingPeriod') || null;
    if (billingPeriod !== null) {
      const known = PERIODS[billingPeriod.toLowerCase()];
      if (!known) bad('billingPeriod', `"${billingPeriod}" is not a billing period (monthly, annual or triennial)`);
      else billingPeriod = known.name;
    } else if (unitPrice !== null) bad('billingPeriod', 'empty, but the row has a price (monthly, annual or triennial)');
    let termEnd: string | null = get('termEnd') || null;
    if (termEnd !== null) {
      const iso = /^\d{4}-\d{2}-\d{2}/.test(termEnd) ? termEnd.slice(0, 10) : null;
      if (!iso || Number.isNaN(Date.parse(`${iso}T00:00:00Z`)) || new Date(`${iso}T00:00:00Z`).toISOString().slice(0, 10) !== iso) {
        bad('termEnd', `"${termEnd}" is not a date (YYYY-MM-DD)`);
        termEnd = null;
      } else termEnd = iso;
    }
    rows.push({ rowNumber, skuRef, skuId, partNumber, quantity, unitPrice, currency, billingPeriod, termEnd });
  }
  if (errors.length > 0) {
    const shown = errors.slice(0, 20).map((e) => `row ${e.row}, column "${e.column}": ${e.message}`);
    throw new OperatorError('bad-input', `"${file}" has ${errors.length} invalid cell${errors.length === 1 ? '' : 's'}; nothing was imported.\n${shown.join('\n')}${errors.length > 20 ? `\n... and ${errors.length - 20} more` : ''}`, {
      hint: 'Correct those cells and import the file again.',
    });
  }
  if (rows.length === 0) throw new OperatorError('bad-input', `"${file}" has a header but no records; nothing was imported.`, { hint: 'Add one row per purchase or price.' });
  return { rows, unknownSkus: [...unknown].sort() };
}

/** Read, validate and store a file; replaces the profile's previous rows of that kind. */
export async function importFile(db: Db, profile: string, kind: ImportKind, path: string, catalog: Catalog, now: Date): Promise<ImportResult> {
  const file = basename(path);
  const { rows, unknownSkus } = validateRows(kind, await readTable(path), catalog, file);
  const currencies = [...new Set(rows.map((r) => r.currency).filter((c): c is string => c !== null))].sort();
  const at = now.toISOString();
  db.transaction(() => {
    if (kind === 'entitlements') {
      db.prepare('DELETE FROM entitlements WHERE profile_name = ?').run(profile);
      const ins = db.prepare(
        `INSERT INTO entitlements (profile_name, row_number, sku_ref, sku_id, sku_part_number, quantity, unit_price, currency, billing_period, term_end, source_file, imported_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const r of rows) ins.run(profile, r.rowNumber, r.skuRef, r.skuId, r.partNumber, r.quantity ?? 0, r.unitPrice, r.currency, r.billingPeriod, r.termEnd, file, at);
    } else {
      db.prepare('DELETE FROM price_list WHERE profile_name = ?').run(profile);
      const ins = db.prepare(
        `INSERT INTO price_list (profile_name, row_number, sku_ref, sku_id, sku_part_number, unit_price, currency, billing_period, source_file, imported_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const r of rows) ins.run(profile, r.rowNumber, r.skuRef, r.skuId, r.partNumber, r.unitPrice, r.currency, r.billingPeriod, file, at);
    }
  })();
  return { kind, file, rows: rows.length, unknownSkus, currencies };
}
