import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { OperatorError } from '../errors/operator-error';
import { Catalog } from './catalog';
import { parseMicrosoftCatalogCsv, type CatalogSku } from './microsoft-csv';

/**
 * The built-in catalogue ships as resources/catalog/licensing-service-plans.csv, in
 * Microsoft's own format (read by the same parser as an imported file; a comment line
 * would not be), with its provenance in the sidecar licensing-service-plans.source.json:
 * the Microsoft CSV it was converted from and its date, the reference page (entra-docs
 * commit and ms.date) it was checked against with the differences found, and the SHA-256
 * of the shipped CSV.
 *
 * The folder is found by walking up from this module: the package root holds resources/
 * when running from the sources (tsx, vitest), from the CLI bundle (out/cli) and from the
 * Electron main bundle (out/main, inside app.asar once packaged).
 */
export const BUILTIN_CATALOG_FILE = 'licensing-service-plans.csv';
export const BUILTIN_CATALOG_SOURCE_FILE = 'licensing-service-plans.source.json';

export const catalogSourceSchema = z.object({
  title: z.string(),
  url: z.string().url(),
  /** The Microsoft CSV the table was converted from. */
  csv: z.object({
    downloadUrl: z.string().url(),
    /** The date of the copy converted (the CSV itself carries no date). */
    retrieved: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    /** Where that copy was taken from. */
    copy: z.string(),
  }),
  /** The reference page the table was checked against. */
  referencePage: z.object({
    repository: z.string().url(),
    path: z.string(),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    /** The page's ms.date ("This information was last updated on ..."). */
    msDate: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  }),
  /** Products compared in full with the page, and where the page and the CSV differ. */
  checkedProducts: z.array(z.string()),
  knownDifferences: z.array(z.string()),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  skus: z.number().int().nonnegative(),
  servicePlans: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
});
export type CatalogSource = z.infer<typeof catalogSourceSchema>;

const BUG_HINT = 'The installation is incomplete or damaged; reinstall the application.';

/** This module's folder: from import.meta.url, or __dirname in a CommonJS bundle that leaves import.meta empty. */
function moduleDir(): string {
  const url: unknown = import.meta.url;
  if (typeof url === 'string' && url !== '') return dirname(fileURLToPath(url));
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}

/** resources/catalog next to the package root, found by walking up from this module. */
export function builtinCatalogDir(start: string = moduleDir()): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'resources', 'catalog');
    if (existsSync(join(candidate, BUILTIN_CATALOG_FILE))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new OperatorError('internal', `The built-in SKU catalogue (resources/catalog/${BUILTIN_CATALOG_FILE}) was not found.`, { hint: BUG_HINT });
    }
    dir = parent;
  }
}

let cached: { skus: readonly CatalogSku[]; catalog: Catalog } | undefined;

/** The built-in SKUs, parsed once. */
export function builtinSkus(): readonly CatalogSku[] {
  if (!cached) {
    const file = join(builtinCatalogDir(), BUILTIN_CATALOG_FILE);
    const skus = parseMicrosoftCatalogCsv(readFileSync(file, 'utf8'), file).skus;
    cached = { skus, catalog: new Catalog(skus) };
  }
  return cached.skus;
}

/** The built-in catalogue alone (no imported table), built once. */
export function builtinCatalog(): Catalog {
  builtinSkus();
  // builtinSkus() has filled the cache.
  return (cached as { catalog: Catalog }).catalog;
}

/** Where the built-in table comes from (reference page, date, commit, checksum). */
export function builtinCatalogSource(): CatalogSource {
  const file = join(builtinCatalogDir(), BUILTIN_CATALOG_SOURCE_FILE);
  const parsed = catalogSourceSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new OperatorError('internal', `${file} is not a valid catalogue source record.`, { hint: BUG_HINT });
  return parsed.data;
}
