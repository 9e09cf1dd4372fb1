/**
 * Regenerates the built-in SKU catalogue (resources/catalog) from Microsoft's
 * "Product names and service plan identifiers for licensing" CSV.
 *
 *   npx tsx scripts/build-catalog.ts <Microsoft's CSV> <reference ms.date YYYY-MM-DD> <entra-docs commit> <where the CSV came from>
 *
 * The CSV goes through the application's own parser (so the shipped file is known to load),
 * then is written back in Microsoft's format: same columns, BOM, CRLF, duplicates dropped,
 * stray spaces trimmed. The sidecar JSON records the reference page, its date, the
 * entra-docs commit of the page, the CSV's origin, counts and the SHA-256 of the CSV.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Catalog } from '../src-main/core/catalog/catalog';
import { BUILTIN_CATALOG_FILE, BUILTIN_CATALOG_SOURCE_FILE, type CatalogSource } from '../src-main/core/catalog/builtin';
import { parseMicrosoftCatalogCsv, toMicrosoftCatalogCsv } from '../src-main/core/catalog/microsoft-csv';

const [input, referenceDate, referenceCommit, convertedFrom] = process.argv.slice(2);
if (!input || !referenceDate || !referenceCommit || !convertedFrom) {
  console.error('usage: tsx scripts/build-catalog.ts <csv> <reference ms.date YYYY-MM-DD> <entra-docs commit> <origin of the csv>');
  process.exit(2);
}

const outDir = fileURLToPath(new URL('../resources/catalog/', import.meta.url));
const parsed = parseMicrosoftCatalogCsv(readFileSync(input, 'utf8'), input);
const csv = toMicrosoftCatalogCsv(parsed.skus);
const catalog = new Catalog(parsed.skus);
const source: CatalogSource = {
  title: 'Product names and service plan identifiers for licensing',
  url: 'https://learn.microsoft.com/entra/identity/users/licensing-service-plan-reference',
  referenceDate,
  referenceRepository: 'https://github.com/MicrosoftDocs/entra-docs',
  referencePath: 'docs/identity/users/licensing-service-plan-reference.md',
  referenceCommit,
  csvDownloadUrl:
    'https://download.microsoft.com/download/e/3/e/e3e9faf2-f28b-490a-9ada-c6089a1fc5b0/Product%20names%20and%20service%20plan%20identifiers%20for%20licensing.csv',
  convertedFrom,
  sha256: createHash('sha256').update(csv, 'utf8').digest('hex'),
  skus: catalog.size,
  servicePlans: catalog.planCount,
  rows: parsed.rows - parsed.duplicateRows,
};
writeFileSync(join(outDir, BUILTIN_CATALOG_FILE), csv, 'utf8');
writeFileSync(join(outDir, BUILTIN_CATALOG_SOURCE_FILE), JSON.stringify(source, null, 2) + '\n', 'utf8');
console.log(`${source.skus} SKUs, ${source.servicePlans} service plans, ${source.rows} rows (${parsed.duplicateRows} duplicate rows dropped).`);
