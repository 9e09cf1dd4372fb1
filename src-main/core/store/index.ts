export { openDatabase, schemaVersion, type Db, type OpenDatabaseOptions } from './db';
export { SnapshotWriter } from './writer';
export * from './queries';
export type * from './types';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, type Migration } from './migrations';
