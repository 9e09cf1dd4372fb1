/**
 * The dataset registry: every Graph dataset a sync reads, in sync and report order. Each
 * entry is one file of this folder and describes its dataset once (permissions, requests,
 * verify probe, item schema, mapping, tables, fetch kind, tier); the sync engine, the
 * store's write path, verify, permission-for-path, the permission matrix and the consent
 * scripts derive from it.
 *
 * Adding a dataset: its id in src-main/shared/datasets.ts, one file here, its entry below,
 * and a numbered migration for its table(s). The compiler refuses a registry that does not
 * list exactly the shared ids, in their order.
 */
import { DATASET_IDS, type DatasetId } from '../../shared/datasets';
import { activationsUserDetail } from './report-activations-user-detail';
import { activeUserDetail } from './report-active-user-detail';
import { groups } from './groups';
import { m365AppUserDetail } from './report-m365-app-user-detail';
import { mailboxUsageDetail } from './report-mailbox-usage-detail';
import { reportSettings } from './report-settings';
import { signInActivity } from './sign-in-activity';
import { subscribedSkus } from './subscribed-skus';
import { subscriptions } from './subscriptions';
import type { Dataset, ReportPeriod, TableSpec } from './types';
import { users } from './users';

export type { Cell, Dataset, DatasetPartitions, DatasetPermission, DatasetRequest, DatasetTier, DefinedDataset, FetchKind, ReportPeriod, TableSpec } from './types';
export { defineDataset, emptyBatch, packRows, table, childTable } from './types';
export { DATASET_IDS, type DatasetId };

const REGISTRY = [
  subscribedSkus,
  users,
  signInActivity,
  groups,
  subscriptions,
  reportSettings,
  activeUserDetail,
  m365AppUserDetail,
  activationsUserDetail,
  mailboxUsageDetail,
] as const;

type Ids<T extends readonly { id: DatasetId }[]> = { -readonly [I in keyof T]: T[I]['id'] };
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Compile-time: the registry lists exactly DATASET_IDS, in the same order.
const registryMatchesSharedIds: Same<Ids<typeof REGISTRY>, [...typeof DATASET_IDS]> = true;
void registryMatchesSharedIds;

/** Every dataset, in DATASET_IDS order. */
export const DATASETS: readonly Dataset[] = REGISTRY;

const BY_ID = new Map<DatasetId, Dataset>(DATASETS.map((d) => [d.id, d]));

export function datasetById(id: DatasetId): Dataset {
  const d = BY_ID.get(id);
  if (!d) throw new Error(`Unknown dataset ${id}`);
  return d;
}

/** Every table a snapshot's datasets write (the store prepares its inserts from these). */
export function datasetTables(datasets: readonly Dataset[] = DATASETS): TableSpec[] {
  return datasets.flatMap((d) => d.tables);
}

/** The path each dataset's sync request reads, for a report period. */
export function requestPaths(period: ReportPeriod): Record<DatasetId, string> {
  return Object.fromEntries(DATASETS.map((d) => [d.id, d.request(period).path])) as Record<DatasetId, string>;
}

/** Verify's one cheap GET per dataset. */
export function probePaths(): Record<DatasetId, string> {
  return Object.fromEntries(DATASETS.map((d) => [d.id, d.probe])) as Record<DatasetId, string>;
}

/** A request path's pathname, lower case, up to a function call's arguments: "/reports/getmailboxusagedetail". */
function pathKey(path: string): string {
  const u = new URL(path, 'https://graph.invalid/v1.0/');
  return u.pathname.replace(/^\/(v1\.0|beta)/i, '').toLowerCase().replace(/\(.*$/, '');
}

const PATH_KEYS = DATASETS.map((d) => ({ d, key: pathKey(d.request('D30').path), probeKey: pathKey(d.probe) }));

/**
 * Which dataset a Graph path or URL reads, from the datasets' own request and probe paths.
 * A path several datasets share (/users) goes to the one whose matchQuery the query holds,
 * else to the one without a matchQuery.
 */
export function datasetForPath(pathOrUrl: string, datasets: readonly Dataset[] = DATASETS): Dataset | undefined {
  let path: string;
  let query: string;
  try {
    const u = new URL(pathOrUrl, 'https://graph.invalid/v1.0/');
    path = u.pathname.replace(/^\/(v1\.0|beta)/i, '').toLowerCase();
    query = decodeURIComponent(u.search).toLowerCase();
  } catch {
    return undefined;
  }
  const keys = datasets === DATASETS ? PATH_KEYS : datasets.map((d) => ({ d, key: pathKey(d.request('D30').path), probeKey: pathKey(d.probe) }));
  const candidates = keys.filter(({ key, probeKey }) => path.startsWith(key) || path.startsWith(probeKey)).map(({ d }) => d);
  return candidates.find((d) => d.matchQuery !== undefined && query.includes(d.matchQuery)) ?? candidates.find((d) => d.matchQuery === undefined);
}
