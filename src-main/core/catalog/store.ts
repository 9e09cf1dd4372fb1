import { readFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OperatorError } from '../errors/operator-error';
import { writePrivateFileAtomic } from '../fs/atomic-write';
import { builtinSkus } from './builtin';
import { Catalog } from './catalog';
import { parseMicrosoftCatalogCsv, toMicrosoftCatalogCsv } from './microsoft-csv';

/**
 * The imported catalogue lives in the data folder as one file in Microsoft's format,
 * replaced whole by each import (Microsoft's file is complete, so the newest import is
 * the one to keep). loadCatalog merges it over the built-in table: a SKU with the same
 * GUID is overridden, a new one is added.
 */
export const IMPORTED_CATALOG_FILE = 'sku-catalog.csv';

export function importedCatalogPath(dataDir: string): string {
  return join(dataDir, IMPORTED_CATALOG_FILE);
}

export type CatalogImportInput = { readonly csvText: string; readonly name?: string } | { readonly path: string };

export interface CatalogImportSummary {
  /** Where the imported table was stored. */
  readonly storedAt: string;
  /** Products in the imported file. */
  readonly skus: number;
  /** Products the built-in table lacks. */
  readonly added: number;
  /** Products (by GUID) that replace the built-in entry. */
  readonly overridden: number;
  /** Distinct service plans in the imported file. */
  readonly plans: number;
  /** Products marked "RETIRED - " in the imported file. */
  readonly retiredSkus: number;
  /** Service plans marked "RETIRED - " in at least one product of the imported file. */
  readonly retiredPlans: number;
  /** Data rows read, and rows dropped as repeats of an earlier product and plan. */
  readonly rows: number;
  readonly duplicateRows: number;
}

async function readInput(input: CatalogImportInput): Promise<{ text: string; name: string }> {
  if ('csvText' in input) return { text: input.csvText, name: input.name ?? 'The catalogue file' };
  try {
    return { text: await readFile(input.path, 'utf8'), name: input.path };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new OperatorError('bad-input', `The catalogue file ${input.path} could not be read (${code}).`, {
      hint: 'Check the file name and that this user may read it.',
      cause: e,
    });
  }
}

/**
 * Imports Microsoft's "Product names and service plan identifiers for licensing" CSV
 * (the text, or a file path) into the data folder. The whole file is validated first;
 * a file that fails leaves the stored table as it was. The table is written atomically
 * as a private file.
 */
export async function importCatalog(input: CatalogImportInput, dataDir: string): Promise<CatalogImportSummary> {
  const { text, name } = await readInput(input);
  const parsed = parseMicrosoftCatalogCsv(text, name);
  const builtIn = new Catalog(builtinSkus());
  const imported = new Catalog(parsed.skus);
  let overridden = 0;
  for (const s of parsed.skus) if (builtIn.skuById(s.skuId)) overridden++;
  const retiredPlanIds = new Set<string>();
  for (const s of parsed.skus) for (const p of s.servicePlans) if (p.retired) retiredPlanIds.add(p.servicePlanId);

  await mkdir(dataDir, { recursive: true });
  const storedAt = importedCatalogPath(dataDir);
  await writePrivateFileAtomic(storedAt, toMicrosoftCatalogCsv(parsed.skus), 'imported SKU catalogue');
  return {
    storedAt,
    skus: parsed.skus.length,
    added: parsed.skus.length - overridden,
    overridden,
    plans: imported.planCount,
    retiredSkus: parsed.skus.filter((s) => s.retired).length,
    retiredPlans: retiredPlanIds.size,
    rows: parsed.rows,
    duplicateRows: parsed.duplicateRows,
  };
}

/** The catalogue in effect for a data folder: built-in, with the imported table (if any) over it. */
export async function loadCatalog(dataDir: string): Promise<Catalog> {
  const path = importedCatalogPath(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Catalog(builtinSkus());
    throw new OperatorError('store', `The imported SKU catalogue ${path} could not be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, {
      hint: 'Check that this user may read the data folder.',
      cause: e,
    });
  }
  try {
    return new Catalog(builtinSkus(), parseMicrosoftCatalogCsv(text, path).skus);
  } catch (e) {
    throw new OperatorError('store', `The imported SKU catalogue ${path} is damaged.`, {
      hint: "Import Microsoft's catalogue CSV again to replace it, or delete that file to use the built-in catalogue.",
      cause: e,
    });
  }
}
