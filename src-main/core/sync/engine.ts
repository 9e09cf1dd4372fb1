import { setMaxListeners } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { countGap, incompleteUsersError } from './completeness';
import type { Remedy } from '../../shared/errors';
import { OperatorError, isOperatorError, remedyFor } from '../errors/operator-error';
import type { GraphSession } from '../graph/session';
import { DATASETS, datasetTables, emptyBatch, type Cell, type Dataset, type DatasetId, type ReportPeriod } from '../datasets';
import { missingPermission } from '../permissions/matrix';
import { excessWarning } from '../permissions/excess';
import type { Db } from '../store/db';
import { openSnapshotSink } from '../store/snapshot-sink';
import type { PackedRows } from '../store/writer';
import type { DatasetResult, SyncProgress, SyncResult } from '../../shared/sync';
import { readAhead } from './read-ahead';

export type { DatasetResult, ReportPeriod, SyncProgress, SyncResult };
export { USER_SELECT } from '../datasets/users';

export interface SyncOptions {
  session: GraphSession;
  /** Writer connection; holds one transaction for the whole sync. */
  db: Db;
  profileName: string;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Source of time (tests). */
  clock?: () => Date;
  /**
   * Datasets fetched at the same time (default 4). Requests on the wire are bounded as a whole by
   * the session's throttle gate (graph/throttle-gate.ts), whatever this says.
   */
  concurrency?: number;
  /**
   * All or nothing: an enrichment dataset that fails fails the sync, as a core one does
   * (default false: it is recorded as failed and the snapshot commits without its rows).
   */
  strict?: boolean;
  /** Only these datasets (default: all of the registry); the others are recorded as skipped. */
  datasets?: readonly DatasetId[];
  /** Usage report period (default D30). */
  reportPeriod?: ReportPeriod;
  /**
   * Write the snapshot on a worker thread with its own connection (default true; only
   * for database files). Inserts then overlap with fetching and validating the next page.
   */
  writerThread?: boolean;
  /** The datasets to sync, in order (default: the dataset registry, core/datasets). */
  registry?: readonly Dataset[];
  /** Commit even when the user list is incomplete (fewer users than @odata.count announced); a warning says so. */
  acceptIncompleteUsers?: boolean;
}

/** The path each dataset's sync request reads, for a report period (from the registry). */
export function datasetPaths(period: ReportPeriod, registry: readonly Dataset[] = DATASETS): Record<DatasetId, string> {
  return Object.fromEntries(registry.map((d) => [d.id, d.request(period).path])) as Record<DatasetId, string>;
}

const PROGRESS_INTERVAL_MS = 100;
/**
 * Datasets fetched at once by default; each is one request chain, or several when partitioned.
 * Three: the users chain (the sync's pace), the sign-in partitions, and the rest one after another,
 * so the usage reports, which cost CPU rather than round trips, are not parsed two at a time while
 * the users chain waits on the same cores. Full syncs of a 100,000-user demo tenant at 150 +- 30 ms
 * a request on 2 cores, medians of 4 interleaved runs, twice: four at once 17.55 and 16.94 s,
 * three 16.97 and 16.77 s (each report then takes about half as long).
 */
export const DEFAULT_DATASET_CONCURRENCY = 3;
/** Pages requested ahead per partition (partitions run together, so each reads ahead less). */
const PARTITION_READ_AHEAD = 1;
/** Collection pages requested ahead of the page being validated and written (bounds memory to a few pages). */
export const PAGE_READ_AHEAD = 2;
const REPORT_BATCH = 1000;
/**
 * Longest run of report rows packed without giving the event loop a turn, in ms. The usage reports
 * are read while the users chain sets the sync's pace, and each of its pages sends the next request
 * from an event that waits for whatever synchronous work is running. Full syncs of a 100,000-user
 * demo tenant at 150 +- 30 ms a request on 2 cores (users chain floor 15.2 s): a turn every 200
 * rows, 21.3-22.9 s; every 2 ms, 21.7-21.9 s; every 0.5 ms, 20.3-20.9 s. A bound in time, not in
 * rows, holds on a slower machine too.
 */
const REPORT_SLICE_MS = 0.5;

function cancelledError(): OperatorError {
  return new OperatorError('cancelled', 'The sync was cancelled; nothing was saved.', {
    hint: 'The previous snapshot is still current. Run the sync again when ready.',
  });
}

function normaliseError(e: unknown): OperatorError {
  if (isOperatorError(e)) return e;
  const err = e instanceof Error ? e : new Error(String(e));
  const sqliteCode = (err as { code?: unknown }).code;
  if (err.name === 'SqliteError' && (sqliteCode === 'SQLITE_CONSTRAINT_PRIMARYKEY' || sqliteCode === 'SQLITE_CONSTRAINT_UNIQUE')) {
    // The snapshot's keys are Graph's ids: a clash means the service listed the same item twice.
    return new OperatorError('graph-error', `Microsoft Graph listed the same item twice (${err.message}).`, {
      hint: 'The service answered with inconsistent pages. Try again later; if it persists, report it with the log file. The previous snapshot is unchanged.',
      remedy: { action: 'retry-later' },
      cause: e,
    });
  }
  if (err.name === 'SqliteError') {
    return new OperatorError('store', `Writing the snapshot failed: ${err.message}`, {
      hint: 'Check the free disk space and the data folder, then sync again. The previous snapshot is unchanged.',
      remedy: { action: 'check-storage' },
      cause: e,
    });
  }
  return new OperatorError('internal', `The sync failed unexpectedly: ${err.message}`, {
    hint: 'Try again; if it persists, report it with the log file. The previous snapshot is unchanged.',
    remedy: { action: 'report-bug' },
    cause: e,
  });
}

/** Why a dataset is skipped when Graph answers 403, or undefined when the error must fail the sync. */
function skipReason(dataset: Dataset, e: unknown, delegated: boolean, profile: string): { reason: string; missingPermission?: string; remedy?: Remedy } | undefined {
  if (!isOperatorError(e)) return undefined;
  const perm = dataset.permission;
  if (e.code === 'permission-denied' && delegated) {
    // The token's scopes were checked before the request, so a 403 means the signed-in
    // user lacks a directory role (roles are not in the token by name).
    if (perm.delegatedRoles.length > 0) {
      return {
        reason: `signed-in user has no directory role that may read it (needs ${perm.delegatedRoles.join(' or ')})`,
        missingPermission: perm.delegatedRoles[0],
        remedy: remedyFor('assign-role', profile, { role: perm.delegatedRoles[0] }),
      };
    }
    return { reason: `missing delegated permission ${perm.delegated}`, missingPermission: perm.delegated, remedy: remedyFor('add-permission', profile, { permission: perm.delegated }) };
  }
  if (e.code === 'permission-denied') {
    const missing = e.permission ?? perm.application;
    return { reason: `missing application permission ${missing}`, missingPermission: missing, remedy: remedyFor('add-permission', profile, { permission: missing }) };
  }
  if (e.code === 'license-required') {
    return perm.requiresP1
      ? { reason: `tenant has no Microsoft Entra ID P1 (or P2), which ${dataset.label.toLowerCase()} requires` }
      : { reason: e.message };
  }
  return undefined;
}

/**
 * Sync every dataset of the registry into ONE new snapshot. The engine knows fetch kinds,
 * not datasets: each dataset's descriptor (core/datasets) says what to request, how to
 * validate and map an item, and which tables its rows go to.
 *
 * - Datasets the token cannot read are skipped with the least-privileged missing permission.
 * - A 403 (permission-denied / license-required) while reading skips that dataset only.
 * - Any other error, or cancellation, rolls the whole snapshot back: the previous one stays current.
 * - Users and reports stream: pages are validated and written one at a time, never all held in
 *   memory; at most PAGE_READ_AHEAD further pages are requested while one is being written.
 * - With a database file the snapshot is written on a writer thread (store/snapshot-sink.ts),
 *   so inserts overlap with fetching and validating; at most WRITER_QUEUE_DEPTH batches wait for it.
 */
export async function runSync(opts: SyncOptions): Promise<SyncResult> {
  const clock = opts.clock ?? (() => new Date());
  const external = opts.signal;
  if (external?.aborted) throw cancelledError();
  const startedAtDate = clock();
  const startedAt = startedAtDate.toISOString();
  const registry = opts.registry ?? DATASETS;
  const byId = new Map<DatasetId, Dataset>(registry.map((d) => [d.id, d]));
  const lookup = (id: DatasetId): Dataset => {
    const d = byId.get(id);
    if (!d) throw new OperatorError('internal', `Dataset ${id} is not in the registry.`, { hint: 'This is a bug in the tool; please report it.' });
    return d;
  };
  const period = opts.reportPeriod ?? 'D30';
  const selected = new Set<DatasetId>(opts.datasets ?? registry.map((d) => d.id));
  const concurrency = Math.max(1, Math.trunc(opts.concurrency ?? DEFAULT_DATASET_CONCURRENCY));

  // Opened first so the writer thread starts while the token is being acquired.
  const writer = openSnapshotSink(opts.db, { thread: opts.writerThread ?? true });
  let token;
  try {
    token = await opts.session.tokenInfo(external ? { signal: external } : {});
  } catch (e) {
    await writer.close();
    if (external?.aborted) throw cancelledError();
    throw normaliseError(e);
  }
  const roles = [...token.roles];
  // A delegated token carries scopes (scp) and no application roles.
  const delegated = roles.length === 0 && token.scopes.length > 0;
  const scopes = new Set(token.scopes);

  try {
    await writer.begin(
      { profileName: opts.profileName, tenantId: token.tenantId, startedAt, tokenRoles: roles, graphBaseUrl: opts.session.graphBaseUrl },
      datasetTables(registry),
    );
  } catch (e) {
    await writer.close();
    throw normaliseError(e);
  }

  // Internal controller: stops every running dataset on the first failure or on cancel.
  const ac = new AbortController();
  const onExternalAbort = () => ac.abort();
  external?.addEventListener('abort', onExternalAbort, { once: true });
  // Cancelled while the writer was starting: the event has fired already.
  if (external?.aborted) ac.abort();

  const results = new Map<DatasetId, DatasetResult & { startedAt: string; finishedAt: string }>();
  const warnings: string[] = [];
  /** Warnings the datasets' items called for (e.g. concealed report names), once each. */
  const itemWarnings = new Set<string>();
  let firstError: unknown;

  const emit = (p: SyncProgress) => opts.onProgress?.(p);
  const requestOpts = (headers?: Readonly<Record<string, string>>) => ({ signal: ac.signal, ...(headers ? { headers: { ...headers } } : {}) });
  const checkAbort = () => {
    if (ac.signal.aborted) throw cancelledError();
  };

  /** Write a dataset's packed cells: one batch for the writer, holding each table that has rows. */
  const writeBatch = async (dataset: Dataset, batch: Cell[][]): Promise<void> => {
    const page: PackedRows[] = [];
    for (let t = 0; t < batch.length; t++) {
      const cells = batch[t];
      const table = dataset.tables[t];
      if (table && cells && cells.length > 0) page.push({ table: table.name, cells });
    }
    if (page.length > 0) await writer.insertPage(page);
  };
  const pack = (dataset: Dataset, batch: Cell[][], value: unknown, position: string | (() => string)): void => {
    const warning = dataset.pack(batch, value, position);
    if (warning !== undefined) itemWarnings.add(warning);
  };

  /** Fetch and write one dataset, by its fetch kind; returns items and expected count. */
  const fetchDataset = async (dataset: Dataset, progress: (items: number, expected?: number) => void): Promise<{ items: number; expected?: number }> => {
    const { path, headers } = dataset.request(period);
    let items = 0;
    let expected: number | undefined;
    switch (dataset.fetch) {
      case 'collection':
      case 'userPages': {
        if (dataset.partitions) {
          // Each partition is paged on its own, all at once; the gate bounds the requests in flight.
          // The first partition to fail stops the others, and the dataset ends only when all have
          // stopped, so no partition writes after the dataset's rows are discarded.
          const { requests, boundaryKey } = dataset.partitions(startedAtDate);
          const seen = new Set<string>();
          const local = new AbortController();
          // Every request of every partition listens on this signal, and undici's fetch releases its
          // listener only when the request is garbage-collected: many, but not a leak.
          setMaxListeners(1000, local.signal);
          const onAbort = () => local.abort();
          ac.signal.addEventListener('abort', onAbort, { once: true });
          if (ac.signal.aborted) local.abort();
          let failure: unknown;
          await Promise.all(requests.map(async (req, part) => {
            try {
              let pageNo = 0;
              for await (const page of readAhead(opts.session.pages(req.path, { signal: local.signal, ...(req.headers ? { headers: { ...req.headers } } : {}) }), PARTITION_READ_AHEAD)) {
                if (local.signal.aborted) throw cancelledError();
                pageNo += 1;
                const p = pageNo;
                const value = page.value;
                const batch = emptyBatch(dataset);
                let kept = 0;
                for (let i = 0; i < value.length; i++) {
                  const key = boundaryKey?.(value[i]);
                  if (key !== undefined) {
                    if (seen.has(key)) continue;
                    seen.add(key);
                  }
                  pack(dataset, batch, value[i], () => `partition ${part + 1}, page ${p}, item ${i + 1}`);
                  kept += 1;
                }
                await writeBatch(dataset, batch);
                items += kept;
                progress(items);
              }
            } catch (e) {
              if (failure === undefined) failure = e;
              local.abort();
            }
          }));
          ac.signal.removeEventListener('abort', onAbort);
          if (failure === undefined) break;
          // Graph refused a partition's filter (400): a service that does not accept the documented
          // filters gets the single stream instead, slower but complete; the partitions' rows go.
          if (!(isOperatorError(failure) && failure.status === 400) || ac.signal.aborted) throw failure;
          await writer.discardRows(dataset.tables.map((t) => t.name));
          items = 0;
        }
        // Each item is validated, mapped and packed at once (no row objects kept); one packed batch per page.
        let pageNo = 0;
        // The users stream is the longest chain of round trips (it sets the sync's pace): its
        // requests go first at the session's throttle gate.
        const chain = { ...requestOpts(headers), ...(dataset.fetch === 'userPages' ? { priority: true } : {}) };
        for await (const page of readAhead(opts.session.pages(path, chain), PAGE_READ_AHEAD)) {
          checkAbort();
          pageNo += 1;
          if (page.count !== undefined) expected = page.count;
          const p = pageNo;
          const value = page.value;
          const batch = emptyBatch(dataset);
          for (let i = 0; i < value.length; i++) pack(dataset, batch, value[i], () => `page ${p}, item ${i + 1}`);
          await writeBatch(dataset, batch);
          items += value.length;
          progress(items, expected);
        }
        break;
      }
      case 'reportRows': {
        let batch = emptyBatch(dataset);
        let rows = 0;
        let slice = performance.now();
        for await (const row of opts.session.reportRows(path, requestOpts(headers))) {
          checkAbort();
          const n = items + rows + 1;
          pack(dataset, batch, row, () => `row ${n}`);
          rows += 1;
          // Rows already parsed are handed over in microtasks, which would keep the event loop from
          // the responses of the other datasets' page chains (each next page waits on its response).
          if (performance.now() - slice >= REPORT_SLICE_MS) {
            await nextTurn();
            slice = performance.now();
          }
          if (rows >= REPORT_BATCH) {
            await writeBatch(dataset, batch);
            items += rows;
            rows = 0;
            batch = emptyBatch(dataset);
            progress(items);
          }
        }
        await writeBatch(dataset, batch);
        items += rows;
        break;
      }
      case 'object': {
        const body = await opts.session.getJson(path, requestOpts(headers));
        checkAbort();
        const batch = emptyBatch(dataset);
        pack(dataset, batch, body, 'response');
        await writeBatch(dataset, batch);
        items = 1;
        break;
      }
    }
    return expected === undefined ? { items } : { items, expected };
  };

  const runDataset = async (ds: Dataset): Promise<void> => {
    const dataset = ds.id;
    const t0 = clock();
    const skip = (reason: string, missingPermission?: string, remedy?: Remedy) => {
      const t1 = clock();
      results.set(dataset, {
        dataset, label: ds.label, status: 'skipped', items: 0, reason,
        ...(missingPermission ? { missingPermission } : {}),
        ...(remedy ? { remedy } : {}),
        durationMs: t1.getTime() - t0.getTime(), startedAt: t0.toISOString(), finishedAt: t1.toISOString(),
      });
      emit({ type: 'dataset-skipped', dataset, items: 0, reason });
    };
    if (!selected.has(dataset)) return skip('not selected for this sync');
    const missing = missingPermission(ds, delegated ? scopes : roles, delegated ? 'delegated' : 'application', lookup);
    if (missing) return skip(`missing ${delegated ? 'delegated' : 'application'} permission ${missing}`, missing, remedyFor('add-permission', opts.profileName, { permission: missing }));

    emit({ type: 'dataset-start', dataset, items: 0 });
    let lastEmit = Number.NEGATIVE_INFINITY;
    const progress = (items: number, expected?: number) => {
      const now = clock().getTime();
      if (now - lastEmit < PROGRESS_INTERVAL_MS) return;
      lastEmit = now;
      emit({ type: 'dataset-progress', dataset, items, ...(expected !== undefined ? { expected } : {}) });
    };
    try {
      const { items, expected } = await fetchDataset(ds, progress);
      checkAbort();
      const gap = countGap(ds.label, items, expected);
      if (gap && dataset === 'users' && !opts.acceptIncompleteUsers) throw incompleteUsersError(gap);
      if (gap) warnings.push(gap.warning);
      const t1 = clock();
      results.set(dataset, {
        dataset, label: ds.label, status: 'ok', items, ...(expected !== undefined ? { expected } : {}), ...(gap ? { reason: gap.reason } : {}),
        durationMs: t1.getTime() - t0.getTime(), startedAt: t0.toISOString(), finishedAt: t1.toISOString(),
      });
      emit({ type: 'dataset-done', dataset, items, ...(expected !== undefined ? { expected } : {}) });
    } catch (e) {
      if (ac.signal.aborted) throw e;
      const why = skipReason(ds, e, delegated, opts.profileName);
      if (why) {
        await writer.discardRows(ds.tables.map((t) => t.name));
        return skip(why.reason, why.missingPermission, why.remedy);
      }
      // An enrichment dataset fails alone (unless strict): its partial rows go, the snapshot commits
      // without it, and its dataset_runs row says why (the findings that need it read that row).
      if (ds.tier !== 'enrichment' || opts.strict || !isOperatorError(e) || e.code === 'cancelled' || e.code === 'store' || e.code === 'internal') throw e;
      await writer.discardRows(ds.tables.map((t) => t.name));
      const t1 = clock();
      const reason = e.message;
      results.set(dataset, {
        dataset, label: ds.label, status: 'failed', items: 0, reason,
        ...(e.remedy ? { remedy: e.remedy } : {}),
        durationMs: t1.getTime() - t0.getTime(), startedAt: t0.toISOString(), finishedAt: t1.toISOString(),
      });
      emit({ type: 'dataset-failed', dataset, items: 0, reason });
    }
  };

  const queue = [...registry];
  const worker = async () => {
    for (let d = queue.shift(); d !== undefined; d = queue.shift()) {
      if (ac.signal.aborted) return;
      try {
        await runDataset(d);
      } catch (e) {
        firstError ??= e;
        ac.abort();
        return;
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
    if (external?.aborted) throw cancelledError();
    if (firstError !== undefined) throw normaliseError(firstError);

    warnings.push(...itemWarnings);
    // Excess privilege stays visible on every sync summary until the permission is removed.
    const excess = excessWarning({ roles, scopes: token.scopes });
    if (excess) warnings.push(excess);
    const datasets = registry.map(({ id: d }) => {
      const r = results.get(d);
      if (!r) throw new OperatorError('internal', `Dataset ${d} did not report a result.`, { hint: 'This is a bug in the tool; please report it.' });
      return r;
    });
    for (const r of datasets) {
      await writer.datasetRun({
        dataset: r.dataset, status: r.status, reason: r.reason ?? null, missingPermission: r.missingPermission ?? null,
        items: r.items, expected: r.expected ?? null, startedAt: r.startedAt, finishedAt: r.finishedAt,
      });
    }
    // The users collection ('userPages') gives the snapshot its user count.
    const usersDataset = registry.find((d) => d.fetch === 'userPages');
    const users = usersDataset ? results.get(usersDataset.id) : undefined;
    const userCount = users?.status === 'ok' ? users.items : null;
    const finished = clock();
    const snapshotId = await writer.commit({ finishedAt: finished.toISOString(), warnings, userCount });
    return {
      snapshotId,
      profileName: opts.profileName,
      tenantId: token.tenantId,
      startedAt,
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - startedAtDate.getTime(),
      roles,
      warnings,
      datasets: datasets.map(({ startedAt: _s, finishedAt: _f, ...rest }) => rest),
      userCount,
    };
  } catch (e) {
    await writer.rollback();
    if (external?.aborted) throw cancelledError();
    throw normaliseError(e);
  } finally {
    external?.removeEventListener('abort', onExternalAbort);
    await writer.close();
  }
}
