export { neutraliseCell, neutraliseText, writeCsv, writeCsvPending, csvOptions, CSV_OPTIONS, CSV_DELIMITERS, DEFAULT_CSV_DELIMITER, type Cell, type CsvDelimiter } from './csv';
export { exportSnapshot, lastSignInCell, SKU_SUMMARY_FILE, USER_LICENSES_FILE, SKU_SUMMARY_HEADER, USER_LICENSES_HEADER, type ExportResult, type ExportOptions, type SkuSummaryRow } from './exports';
export { SKU_COLUMNS, SKU_COLUMNS_FOOTNOTE, skuCells, skuTextCells, type SkuColumn } from './sku-columns';
