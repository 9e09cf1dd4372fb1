export { neutraliseCell, writeCsv, CSV_OPTIONS, type Cell } from './csv';
export { exportSnapshot, lastSignInCell, SKU_SUMMARY_FILE, USER_LICENSES_FILE, SKU_SUMMARY_HEADER, USER_LICENSES_HEADER, type ExportResult, type SkuSummaryRow } from './exports';
