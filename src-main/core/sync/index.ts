export { runSync, datasetPaths, USER_SELECT, type SyncOptions, type SyncResult, type SyncProgress, type DatasetResult, type ReportPeriod } from './engine';
