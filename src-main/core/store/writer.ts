import { datasetTables, type TableSpec } from '../datasets';
import { SnapshotWriterCore } from './writer-core';
import type { SnapshotBeginMeta } from './types';

export { SNAPSHOT_CACHE_KIB, type Cell, type PackedRows, type TableSpec } from './writer-core';

/**
 * Writes one snapshot inside ONE transaction held open on the writer connection (writer-core.ts
 * says how). begin() defaults to every table of the dataset registry.
 */
export class SnapshotWriter extends SnapshotWriterCore {
  /**
   * Open a snapshot. `tables`: what its datasets write (default: every table of the dataset
   * registry); insertRows and discardRows accept only these.
   */
  override begin(meta: SnapshotBeginMeta, tables: readonly TableSpec[] = datasetTables()): number {
    return super.begin(meta, tables);
  }
}
