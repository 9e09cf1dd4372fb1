export { Catalog, type PlanLookup, type SkuLookup } from './catalog';
export {
  BUILTIN_CATALOG_FILE,
  BUILTIN_CATALOG_SOURCE_FILE,
  builtinCatalog,
  builtinCatalogDir,
  builtinCatalogSource,
  builtinSkus,
  type CatalogSource,
} from './builtin';
export {
  MICROSOFT_CATALOG_COLUMNS,
  parseMicrosoftCatalogCsv,
  toMicrosoftCatalogCsv,
  type CatalogPlan,
  type CatalogSku,
  type ParsedCatalog,
} from './microsoft-csv';
export {
  IMPORTED_CATALOG_FILE,
  importCatalog,
  importedCatalogPath,
  loadCatalog,
  type CatalogImportInput,
  type CatalogImportSummary,
} from './store';
export { SERVICE_PLANS, servicePlanFriendlyName, skuById, skuByPartNumber, skuFriendlyName, type SkuInfo } from './skus';
