import type { z } from 'zod';
import type { DatasetId } from '../../shared/datasets';
import { acceptsOf } from './accept';
import { parseItem } from './parse';

/**
 * What a Graph dataset is, described once: the sync engine, the store's write path, verify's
 * probes, permission-for-path, the permission matrix and the consent scripts all read it.
 */

/** A cell of a packed row: what SQLite binds. */
export type Cell = string | number | null;

/** Usage report period. */
export type ReportPeriod = 'D7' | 'D30' | 'D90' | 'D180';

export interface DatasetPermission {
  label: string;
  /** Least-privileged application permission. */
  application: string;
  /** Every application permission Graph accepts for the call (least privileged first). */
  accepted: readonly string[];
  /** Least-privileged delegated scope. */
  delegated: string;
  /** Every delegated scope Graph accepts for the call (least privileged first). */
  delegatedAccepted: readonly string[];
  /**
   * Directory roles that let a signed-in user read this data with a delegated token
   * (least privileged first); empty when any member user may read it.
   */
  delegatedRoles: readonly string[];
  /** The tenant must hold Microsoft Entra ID P1 (or higher) for the data to exist. */
  requiresP1?: boolean;
  /**
   * Datasets whose permission this one needs as well: listing users with
   * signInActivity needs the user-list permission AND AuditLog.Read.All.
   */
  alsoRequires?: readonly DatasetId[];
}

/**
 * How the engine reads a dataset:
 * - `collection`: Graph collection pages (nextLink), validated and written page by page;
 * - `userPages`: the same for the users collection, whose item count is the snapshot's user count;
 * - `reportRows`: a usage report's CSV rows (302 to a download), written in batches;
 * - `object`: one JSON object.
 */
export type FetchKind = 'collection' | 'userPages' | 'reportRows' | 'object';

/**
 * `core` datasets are what a snapshot is about (SKUs, users); `enrichment` datasets add
 * evidence to it and may one day fail alone without failing the sync.
 */
export type DatasetTier = 'core' | 'enrichment';

export interface DatasetRequest {
  path: string;
  headers?: Readonly<Record<string, string>>;
}

/**
 * A collection read as several requests, each paged on its own and all run at once (bounded by
 * the session's throttle gate); together they are the dataset.
 */
export interface DatasetPartitions {
  requests: readonly DatasetRequest[];
  /**
   * For an item that may be in two requests (it lies on a boundary they share): a key; the engine
   * keeps the first item with a key and drops the others. Undefined for every other item.
   */
  boundaryKey?: (value: unknown) => string | undefined;
}

/** A store table a dataset writes: its name and columns (snapshot_id is implied and comes first). */
export interface TableSpec {
  readonly name: string;
  readonly columns: readonly string[];
  /** SQLite conflict clause: a duplicate key is ignored or replaces the earlier row (default: it fails). */
  readonly onConflict?: 'ignore' | 'replace';
}

/** A table and how one mapped row of the dataset becomes cells of it (in `spec.columns` order). */
export interface TableWrite<Row> {
  readonly spec: TableSpec;
  /** Append the cells of the row(s) `row` gives this table. */
  pack(into: Cell[], row: Row): void;
}

type Columns<T> = Readonly<Record<string, (v: T) => Cell>>;

/** A table with one row per mapped item; `columns` maps each column (in order) to its cell. */
export function table<Row>(name: string, columns: Columns<Row>, opts: { onConflict?: 'ignore' | 'replace' } = {}): TableWrite<Row> {
  const getters = Object.values(columns);
  const n = getters.length;
  return {
    spec: { name, columns: Object.keys(columns), ...(opts.onConflict ? { onConflict: opts.onConflict } : {}) },
    pack(into, row) {
      for (let i = 0; i < n; i++) into.push((getters[i] as (v: Row) => Cell)(row));
    },
  };
}

/** A table with any number of rows per mapped item (`rows`), e.g. one per licence of a user. */
export function childTable<Row, Sub>(
  name: string,
  rows: (row: Row) => Iterable<Sub>,
  columns: Readonly<Record<string, (sub: Sub, row: Row) => Cell>>,
  opts: { onConflict?: 'ignore' | 'replace' } = {},
): TableWrite<Row> {
  const getters = Object.values(columns);
  const n = getters.length;
  return {
    spec: { name, columns: Object.keys(columns), ...(opts.onConflict ? { onConflict: opts.onConflict } : {}) },
    pack(into, row) {
      for (const sub of rows(row)) for (let i = 0; i < n; i++) into.push((getters[i] as (s: Sub, r: Row) => Cell)(sub, row));
    },
  };
}

/** 0/1 for SQLite, null stays null. */
export function bool(v: boolean | null): number | null {
  return v === null ? null : v ? 1 : 0;
}

/** JSON text of a string list; the common empty list skips the serialiser. */
export function jsonList(v: readonly string[]): string {
  return v.length === 0 ? '[]' : JSON.stringify(v);
}

/** One dataset, as its own file writes it. */
export interface DatasetSpec<Id extends DatasetId, Item, Row> {
  id: Id;
  label: string;
  tier: DatasetTier;
  /** Permissions for application and delegated use (label comes from `label`). */
  permission: Omit<DatasetPermission, 'label'>;
  fetch: FetchKind;
  /** The request the sync makes (and the path it is known by); reports take the period. */
  request: (period: ReportPeriod) => DatasetRequest;
  /** Instead of `request`: concurrent partitions of a collection, from the sync's start time. */
  partitions?: (syncStart: Date) => DatasetPartitions;
  /** One cheap GET that shows whether the data can be read (verify). */
  probe: string;
  /**
   * Text (lower case) a request's query must contain to be attributed to this dataset when
   * another dataset reads the same path (sign-in activity is /users with signInActivity).
   */
  matchQuery?: string;
  /** zod schema of one item, and the noun error messages use for it. */
  item: { schema: z.ZodType<Item>; name: string };
  /** Pure mapping of a validated item to the row the tables are packed from. */
  toRow: (item: Item) => Row;
  tables: readonly TableWrite<Row>[];
  /**
   * For a dataset with very many items (users): append a validated item's cells straight away,
   * without building its row object; it must append exactly what `tables` append for
   * `toRow(item)`, which the dataset's tests check.
   */
  packItem?: (into: readonly Cell[][], item: Item) => void;
  /** A warning the snapshot should carry because of this item (e.g. concealed report names). */
  warning?: (row: Row) => string | undefined;
}

/** The registry's view of a dataset: everything except its item and row types. */
export interface Dataset<Id extends DatasetId = DatasetId> {
  readonly id: Id;
  readonly label: string;
  readonly tier: DatasetTier;
  readonly permission: DatasetPermission;
  readonly fetch: FetchKind;
  request(period: ReportPeriod): DatasetRequest;
  partitions?(syncStart: Date): DatasetPartitions;
  readonly probe: string;
  readonly matchQuery?: string;
  readonly itemName: string;
  readonly tables: readonly TableSpec[];
  /**
   * Validate one Graph item (OperatorError('graph-error') naming the field when invalid), map it
   * and append its cells to `into` (one list per table, in `tables` order). Returns the warning
   * the item calls for, if any.
   */
  pack(into: readonly Cell[][], value: unknown, position: string | (() => string)): string | undefined;
}

/** A dataset with its row type still known (tests and helpers pack rows directly). */
export interface DefinedDataset<Id extends DatasetId, Row> extends Dataset<Id> {
  /** Append one mapped row's cells (no validation). */
  packRow(into: readonly Cell[][], row: Row): void;
}

export function defineDataset<Id extends DatasetId, Item, Row>(spec: DatasetSpec<Id, Item, Row>): DefinedDataset<Id, Row> {
  const writes = spec.tables;
  const packRow = (into: readonly Cell[][], row: Row): void => {
    for (let t = 0; t < writes.length; t++) (writes[t] as TableWrite<Row>).pack(into[t] as Cell[], row);
  };
  const warn = spec.warning;
  // An item the schema accepts as it is is mapped as it came; any other goes through zod (accept.ts).
  const accepts = acceptsOf(spec.item.schema);
  const schema = spec.item.schema;
  const name = spec.item.name;
  const { toRow, packItem } = spec;
  return {
    id: spec.id,
    label: spec.label,
    tier: spec.tier,
    permission: { label: spec.label, ...spec.permission },
    fetch: spec.fetch,
    request: spec.request,
    ...(spec.partitions !== undefined ? { partitions: spec.partitions } : {}),
    probe: spec.probe,
    ...(spec.matchQuery !== undefined ? { matchQuery: spec.matchQuery } : {}),
    itemName: spec.item.name,
    tables: writes.map((w) => w.spec),
    packRow,
    pack(into, value, position) {
      const item = accepts?.(value) ? (value as Item) : parseItem(schema, value, name, position);
      if (packItem) {
        packItem(into, item);
        return warn?.(toRow(item));
      }
      const row = toRow(item);
      packRow(into, row);
      return warn?.(row);
    },
  };
}

/** Empty cell lists, one per table of the dataset. */
export function emptyBatch(dataset: Dataset): Cell[][] {
  return dataset.tables.map(() => []);
}

/** Rows already mapped, packed per table: what a store test writes through insertRows. */
export function packRows<Row>(dataset: DefinedDataset<DatasetId, Row>, rows: Iterable<Row>): { table: string; cells: Cell[] }[] {
  const batch = emptyBatch(dataset);
  for (const r of rows) dataset.packRow(batch, r);
  return dataset.tables.map((t, i) => ({ table: t.name, cells: batch[i] ?? [] }));
}
