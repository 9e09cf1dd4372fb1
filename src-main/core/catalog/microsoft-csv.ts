import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { OperatorError } from '../errors/operator-error';

/**
 * Microsoft's "Product names and service plan identifiers for licensing" CSV
 * (learn.microsoft.com/entra/identity/users/licensing-service-plan-reference, the
 * "download a CSV version of this table" link): one row per product and service plan,
 * UTF-8 with a byte order mark, CRLF, RFC 4180 quoting (product names hold commas).
 *
 * The file as Microsoft publishes it has quirks this parser absorbs:
 * - stray spaces around part numbers and GUIDs ("MCOCAP_FACULTY "): fields are trimmed;
 * - the same row twice: duplicates are dropped and counted;
 * - blank lines, and lines of empty fields: skipped;
 * - "RETIRED - " (any case) in front of a product or a plan's friendly name: the prefix is
 *   removed and the product or plan is flagged retired;
 * - one part number with two GUIDs (MCOPSTN5): both products are kept, keyed by GUID.
 */
export const MICROSOFT_CATALOG_COLUMNS = [
  'Product_Display_Name',
  'String_Id',
  'GUID',
  'Service_Plan_Name',
  'Service_Plan_Id',
  'Service_Plans_Included_Friendly_Names',
] as const;

export interface CatalogPlan {
  readonly servicePlanId: string;
  readonly servicePlanName: string;
  readonly friendlyName: string;
  /** The friendly name carried "RETIRED - " in the reference. */
  readonly retired: boolean;
}

export interface CatalogSku {
  /** The subscribedSku skuId (lower-case GUID). */
  readonly skuId: string;
  /** The subscribedSku skuPartNumber (Microsoft's String_Id). */
  readonly skuPartNumber: string;
  /** Microsoft's product name, without a "RETIRED - " prefix. */
  readonly displayName: string;
  /** The product name carried "RETIRED - " in the reference. */
  readonly retired: boolean;
  /** Every service plan of the product, in the reference's order. */
  readonly servicePlans: readonly CatalogPlan[];
}

export interface ParsedCatalog {
  readonly skus: readonly CatalogSku[];
  /** Data rows read (blank lines excluded). */
  readonly rows: number;
  /** Rows that repeated an earlier product and plan and were dropped. */
  readonly duplicateRows: number;
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const RETIRED = /^\s*retired\s*-\s*/i;

const rowSchema = z.object({
  Product_Display_Name: z.string().min(1, 'is empty'),
  String_Id: z.string().min(1, 'is empty'),
  GUID: z.string().regex(GUID, 'is not a GUID'),
  Service_Plan_Name: z.string().min(1, 'is empty'),
  Service_Plan_Id: z.string().regex(GUID, 'is not a GUID'),
  Service_Plans_Included_Friendly_Names: z.string(),
});

const BAD_FILE_HINT =
  'Use the CSV Microsoft links from its "Product names and service plan identifiers for licensing" page, unchanged.';

function stripRetired(name: string): { name: string; retired: boolean } {
  return RETIRED.test(name) ? { name: name.replace(RETIRED, '').trim(), retired: true } : { name, retired: false };
}

function badInput(message: string, cause?: unknown): OperatorError {
  return new OperatorError('bad-input', message, { hint: BAD_FILE_HINT, cause });
}

/**
 * Parses Microsoft's CSV. The whole text is validated before anything is returned: a file
 * that is not in Microsoft's format fails naming the columns expected and found, a bad row
 * fails naming its line and column. `source` names the file in messages.
 */
export function parseMicrosoftCatalogCsv(text: string, source: string): ParsedCatalog {
  let records: string[][];
  try {
    // csv-parse's trim leaves the inside of quotes alone; a quoted "MCOCAP_FACULTY " is trimmed too.
    records = (parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: true }) as string[][]).map((r) => r.map((f) => f.trim()));
  } catch (e) {
    throw badInput(`${source} is not a readable CSV file (${e instanceof Error ? e.message : String(e)}).`, e);
  }
  const header = records[0] ?? [];
  const expected: readonly string[] = MICROSOFT_CATALOG_COLUMNS;
  const sameHeader = header.length === expected.length && header.every((h, i) => h.toLowerCase() === expected[i]?.toLowerCase());
  if (!sameHeader) {
    const found = header.length === 0 ? 'no header at all' : header.map((h) => (h === '' ? '(blank)' : h)).join(', ');
    throw badInput(
      `${source} is not Microsoft's "Product names and service plan identifiers for licensing" CSV: ` +
        `expected the columns ${expected.join(', ')}; found ${found}.`,
    );
  }

  const bySku = new Map<string, { sku: Omit<CatalogSku, 'servicePlans'>; plans: CatalogPlan[]; planIds: Set<string> }>();
  let rows = 0;
  let duplicateRows = 0;
  for (let r = 1; r < records.length; r++) {
    const fields = records[r] ?? [];
    if (fields.every((f) => f === '')) continue;
    rows++;
    const line = r + 1;
    if (fields.length !== expected.length) {
      throw badInput(`${source}, row ${line}: expected ${expected.length} fields, found ${fields.length}.`);
    }
    const parsed = rowSchema.safeParse(Object.fromEntries(expected.map((c, i) => [c, fields[i] ?? ''])));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const column = String(issue?.path[0] ?? 'row');
      throw badInput(`${source}, row ${line}, column ${column}: ${JSON.stringify(fields[expected.indexOf(column)] ?? '')} ${issue?.message ?? 'is invalid'}.`);
    }
    const row = parsed.data;
    const skuId = row.GUID.toLowerCase();
    const product = stripRetired(row.Product_Display_Name);
    let entry = bySku.get(skuId);
    if (!entry) {
      entry = { sku: { skuId, skuPartNumber: row.String_Id, displayName: product.name, retired: product.retired }, plans: [], planIds: new Set() };
      bySku.set(skuId, entry);
    }
    const planId = row.Service_Plan_Id.toLowerCase();
    if (entry.planIds.has(planId)) {
      duplicateRows++;
      continue;
    }
    entry.planIds.add(planId);
    const friendly = stripRetired(row.Service_Plans_Included_Friendly_Names);
    entry.plans.push({
      servicePlanId: planId,
      servicePlanName: row.Service_Plan_Name,
      friendlyName: friendly.name === '' ? row.Service_Plan_Name : friendly.name,
      retired: friendly.retired,
    });
  }
  if (bySku.size === 0) throw badInput(`${source} has the right columns but no products.`);
  return { skus: [...bySku.values()].map((e) => ({ ...e.sku, servicePlans: e.plans })), rows, duplicateRows };
}

/**
 * Writes SKUs back in Microsoft's format (BOM, CRLF, one row per product and plan,
 * "RETIRED - " restored), so a stored table is read by the same parser as Microsoft's file.
 */
export function toMicrosoftCatalogCsv(skus: readonly CatalogSku[]): string {
  const rows: string[][] = [[...MICROSOFT_CATALOG_COLUMNS]];
  for (const s of skus) {
    const product = s.retired ? `RETIRED - ${s.displayName}` : s.displayName;
    for (const p of s.servicePlans) {
      rows.push([product, s.skuPartNumber, s.skuId, p.servicePlanName, p.servicePlanId, p.retired ? `RETIRED - ${p.friendlyName}` : p.friendlyName]);
    }
  }
  return '\uFEFF' + stringify(rows, { record_delimiter: '\r\n' });
}
