/**
 * Regenerates the built-in SKU catalogue (resources/catalog) from Microsoft's
 * "Product names and service plan identifiers for licensing" CSV.
 *
 *   npx tsx scripts/build-catalog.ts <Microsoft's CSV> [provenance.json]
 *
 * The CSV goes through the application's own parser (so the shipped file is known to load),
 * then is written back in Microsoft's format: same columns, BOM, CRLF, repeated rows dropped,
 * stray spaces trimmed. The sidecar licensing-service-plans.source.json takes its provenance
 * fields (csv, referencePage, checkedProducts, knownDifferences) from provenance.json, or
 * from the current sidecar when none is given, and gets fresh counts and the SHA-256.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Catalog } from '../src-main/core/catalog/catalog';
import { BUILTIN_CATALOG_FILE, BUILTIN_CATALOG_SOURCE_FILE, catalogSourceSchema, type CatalogSource } from '../src-main/core/catalog/builtin';
import { parseMicrosoftCatalogCsv, toMicrosoftCatalogCsv } from '../src-main/core/catalog/microsoft-csv';

const [input, provenancePath] = process.argv.slice(2);
if (!input) {
  console.error('usage: tsx scripts/build-catalog.ts <csv> [provenance.json]');
  process.exit(2);
}

const outDir = fileURLToPath(new URL('../resources/catalog/', import.meta.url));
const sidecar = join(outDir, BUILTIN_CATALOG_SOURCE_FILE);
const provenance = catalogSourceSchema
  .pick({ csv: true, referencePage: true, checkedProducts: true, knownDifferences: true })
  .parse(JSON.parse(readFileSync(provenancePath ?? sidecar, 'utf8')));

const parsed = parseMicrosoftCatalogCsv(readFileSync(input, 'utf8'), input);
const csv = toMicrosoftCatalogCsv(parsed.skus);
const catalog = new Catalog(parsed.skus);
const source: CatalogSource = {
  title: 'Product names and service plan identifiers for licensing',
  url: 'https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference',
  ...provenance,
  sha256: createHash('sha256').update(csv, 'utf8').digest('hex'),
  skus: catalog.size,
  servicePlans: catalog.planCount,
  rows: parsed.rows - parsed.duplicateRows,
};
writeFileSync(join(outDir, BUILTIN_CATALOG_FILE), csv, 'utf8');
writeFileSync(sidecar, JSON.stringify(catalogSourceSchema.parse(source), null, 2) + '\n', 'utf8');
console.log(`${source.skus} SKUs, ${source.servicePlans} service plans, ${source.rows} rows (${parsed.duplicateRows} repeated rows dropped).`);
