import type { z } from 'zod';
import type { Remedy } from '../../shared/errors';
import { OperatorError, isOperatorError, remedyFor } from '../errors/operator-error';
import type { GraphSession } from '../graph/session';
import { DATASET_IDS, DATASET_PERMISSIONS, missingApplicationPermission, missingDelegatedScope, type DatasetId } from '../permissions/matrix';
import { excessWarning } from '../permissions/excess';
import type { Db } from '../store/db';
import { openSnapshotSink } from '../store/snapshot-sink';
import { emptyUserPage, packUser, type UserPage } from '../store/writer';
import { readAhead } from './read-ahead';
import {
  activationsUserDetailRowSchema,
  activeUserDetailRowSchema,
  groupSchema,
  m365AppUserDetailRowSchema,
  mailboxUsageDetailRowSchema,
  parseItem,
  reportSettingsSchema,
  subscribedSkuSchema,
  userSchema,
  userSignInSchema,
} from './graph-schemas';
import {
  activationsUserDetailRow,
  activeUserDetailRow,
  groupRow,
  m365AppUserDetailRow,
  mailboxUsageDetailRow,
  signInRow,
  skuRow,
  userRow,
} from './map';

export type ReportPeriod = 'D7' | 'D30' | 'D90' | 'D180';

export interface SyncProgress {
  type: 'dataset-start' | 'dataset-progress' | 'dataset-done' | 'dataset-skipped';
  dataset: DatasetId;
  items: number;
  expected?: number;
  reason?: string;
}

export interface SyncOptions {
  session: GraphSession;
  /** Writer connection; holds one transaction for the whole sync. */
  db: Db;
  profileName: string;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Source of time (tests). */
  clock?: () => Date;
  /** Datasets fetched at the same time (default 2). */
  concurrency?: number;
  /** Only these datasets (default: all of DATASET_IDS); the others are recorded as skipped. */
  datasets?: readonly DatasetId[];
  /** Usage report period (default D30). */
  reportPeriod?: ReportPeriod;
  /**
   * Write the snapshot on a worker thread with its own connection (default true; only
   * for database files). Inserts then overlap with fetching and validating the next page.
   */
  writerThread?: boolean;
}

export interface DatasetResult {
  dataset: DatasetId;
  label: string;
  status: 'ok' | 'skipped';
  items: number;
  expected?: number;
  reason?: string;
  /** Least-privileged permission that would let the dataset sync, when that is why it was skipped. */
  missingPermission?: string;
  /** What the operator can do about a skipped dataset. */
  remedy?: Remedy;
  durationMs: number;
}

export interface SyncResult {
  snapshotId: number;
  profileName: string;
  tenantId: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** Application permissions of the token used. */
  roles: string[];
  warnings: string[];
  /** One entry per dataset, in DATASET_IDS order. */
  datasets: DatasetResult[];
  /** Users written, or null when the users dataset was skipped. */
  userCount: number | null;
}

/** $select lists: only what the store keeps. */
export const USER_SELECT = [
  'id', 'userPrincipalName', 'displayName', 'mail', 'accountEnabled', 'userType', 'createdDateTime',
  'department', 'jobTitle', 'usageLocation', 'assignedLicenses', 'licenseAssignmentStates',
].join(',');

export function datasetPaths(period: ReportPeriod): Record<DatasetId, string> {
  return {
    subscribedSkus: '/subscribedSkus',
    // $count (an advanced query, hence ConsistencyLevel: eventual) gives progress a total.
    users: `/users?$select=${USER_SELECT}&$top=999&$count=true`,
    signInActivity: '/users?$select=id,signInActivity&$top=120',
    groups: '/groups?$select=id,displayName,assignedLicenses&$filter=assignedLicenses/$count%20ne%200&$count=true',
    reportSettings: '/admin/reportSettings',
    'report.activeUserDetail': `/reports/getOffice365ActiveUserDetail(period='${period}')`,
    'report.m365AppUserDetail': `/reports/getM365AppUserDetail(period='${period}')?$format=text/csv`,
    'report.activationsUserDetail': '/reports/getOffice365ActivationsUserDetail',
    'report.mailboxUsageDetail': `/reports/getMailboxUsageDetail(period='${period}')`,
  };
}

const PROGRESS_INTERVAL_MS = 100;
/** Collection pages requested ahead of the page being validated and written (bounds memory to a few pages). */
export const PAGE_READ_AHEAD = 2;
const REPORT_BATCH = 1000;

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
function skipReason(dataset: DatasetId, e: unknown, delegated: boolean, profile: string): { reason: string; missingPermission?: string; remedy?: Remedy } | undefined {
  if (!isOperatorError(e)) return undefined;
  const perm = DATASET_PERMISSIONS[dataset];
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
      ? { reason: `tenant has no Microsoft Entra ID P1 (or P2), which ${perm.label.toLowerCase()} requires` }
      : { reason: e.message };
  }
  return undefined;
}

/**
 * Sync every dataset of the permission matrix into ONE new snapshot.
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
  const paths = datasetPaths(opts.reportPeriod ?? 'D30');
  const selected = new Set<DatasetId>(opts.datasets ?? DATASET_IDS);
  const concurrency = Math.max(1, Math.trunc(opts.concurrency ?? 2));

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
    await writer.begin({ profileName: opts.profileName, tenantId: token.tenantId, startedAt, tokenRoles: roles, graphBaseUrl: opts.session.graphBaseUrl });
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
  let firstError: unknown;
  let concealedNames = false;

  const emit = (p: SyncProgress) => opts.onProgress?.(p);
  const requestOpts = (headers?: Record<string, string>) => ({ signal: ac.signal, ...(headers ? { headers } : {}) });
  const checkAbort = () => {
    if (ac.signal.aborted) throw cancelledError();
  };

  /** Fetch and write one dataset; returns items and expected count. */
  const fetchDataset = async (dataset: DatasetId, progress: (items: number, expected?: number) => void): Promise<{ items: number; expected?: number }> => {
    const path = paths[dataset];
    let items = 0;
    let expected: number | undefined;
    let pageNo = 0;
    const eachPage = async <T>(parse: (v: unknown, pos: () => string) => T, write: (rows: T[]) => Promise<void>, headers?: Record<string, string>) => {
      for await (const page of readAhead(opts.session.pages(path, requestOpts(headers)), PAGE_READ_AHEAD)) {
        checkAbort();
        pageNo += 1;
        if (page.count !== undefined) expected = page.count;
        const p = pageNo;
        const rows = page.value.map((v, i) => parse(v, () => `page ${p}, item ${i + 1}`));
        await write(rows);
        items += rows.length;
        progress(items, expected);
      }
    };
    /** Users: each item is packed as soon as it is validated (no per-user row objects kept), one packed batch per page. */
    const eachUserPage = async (pack: (into: UserPage, v: unknown, pos: () => string) => void, headers?: Record<string, string>) => {
      for await (const page of readAhead(opts.session.pages(path, requestOpts(headers)), PAGE_READ_AHEAD)) {
        checkAbort();
        pageNo += 1;
        if (page.count !== undefined) expected = page.count;
        const p = pageNo;
        const value = page.value;
        const batch = emptyUserPage();
        for (let i = 0; i < value.length; i++) pack(batch, value[i], () => `page ${p}, item ${i + 1}`);
        await writer.insertUserPage(batch);
        items += value.length;
        progress(items, expected);
      }
    };
    const eachReportRow = async <S extends z.ZodType, R>(schema: S, map: (r: z.infer<S>) => R, write: (rows: R[]) => Promise<void>) => {
      let batch: R[] = [];
      for await (const row of opts.session.reportRows(path, requestOpts())) {
        checkAbort();
        batch.push(map(parseItem(schema, row, `${DATASET_PERMISSIONS[dataset].label} row`, `row ${items + batch.length + 1}`)));
        if (batch.length >= REPORT_BATCH) {
          await write(batch);
          items += batch.length;
          batch = [];
          progress(items);
        }
      }
      await write(batch);
      items += batch.length;
    };

    switch (dataset) {
      case 'subscribedSkus':
        await eachPage((v, pos) => skuRow(parseItem(subscribedSkuSchema, v, 'subscribedSku', pos)), (r) => writer.insertSkus(r));
        break;
      case 'users':
        await eachUserPage((into, v, pos) => packUser(into, userRow(parseItem(userSchema, v, 'user', pos))), { ConsistencyLevel: 'eventual' });
        break;
      case 'signInActivity':
        await eachPage((v, pos) => signInRow(parseItem(userSignInSchema, v, 'user signInActivity', pos)), (r) =>
          writer.insertSignInActivity(r),
        );
        break;
      case 'groups':
        await eachPage((v, pos) => groupRow(parseItem(groupSchema, v, 'group', pos)), (r) => writer.insertGroups(r), {
          ConsistencyLevel: 'eventual',
        });
        break;
      case 'reportSettings': {
        const body = await opts.session.getJson(path, requestOpts());
        checkAbort();
        const s = parseItem(reportSettingsSchema, body, 'adminReportSettings', 'response');
        await writer.setReportSettings({ displayConcealedNames: s.displayConcealedNames });
        concealedNames = s.displayConcealedNames;
        items = 1;
        break;
      }
      case 'report.activeUserDetail':
        await eachReportRow(activeUserDetailRowSchema, activeUserDetailRow, (r) => writer.insertActiveUserDetail(r));
        break;
      case 'report.m365AppUserDetail':
        await eachReportRow(m365AppUserDetailRowSchema, m365AppUserDetailRow, (r) => writer.insertM365AppUserDetail(r));
        break;
      case 'report.activationsUserDetail':
        await eachReportRow(activationsUserDetailRowSchema, activationsUserDetailRow, (r) => writer.insertActivationsUserDetail(r));
        break;
      case 'report.mailboxUsageDetail':
        await eachReportRow(mailboxUsageDetailRowSchema, mailboxUsageDetailRow, (r) => writer.insertMailboxUsageDetail(r));
        break;
    }
    return expected === undefined ? { items } : { items, expected };
  };

  const runDataset = async (dataset: DatasetId): Promise<void> => {
    const perm = DATASET_PERMISSIONS[dataset];
    const t0 = clock();
    const skip = (reason: string, missingPermission?: string, remedy?: Remedy) => {
      const t1 = clock();
      results.set(dataset, {
        dataset, label: perm.label, status: 'skipped', items: 0, reason,
        ...(missingPermission ? { missingPermission } : {}),
        ...(remedy ? { remedy } : {}),
        durationMs: t1.getTime() - t0.getTime(), startedAt: t0.toISOString(), finishedAt: t1.toISOString(),
      });
      emit({ type: 'dataset-skipped', dataset, items: 0, reason });
    };
    if (!selected.has(dataset)) return skip('not selected for this sync');
    const missing = delegated ? missingDelegatedScope(dataset, scopes) : missingApplicationPermission(dataset, roles);
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
      const { items, expected } = await fetchDataset(dataset, progress);
      checkAbort();
      const t1 = clock();
      results.set(dataset, {
        dataset, label: perm.label, status: 'ok', items, ...(expected !== undefined ? { expected } : {}),
        durationMs: t1.getTime() - t0.getTime(), startedAt: t0.toISOString(), finishedAt: t1.toISOString(),
      });
      emit({ type: 'dataset-done', dataset, items, ...(expected !== undefined ? { expected } : {}) });
    } catch (e) {
      const why = ac.signal.aborted ? undefined : skipReason(dataset, e, delegated, opts.profileName);
      if (!why) throw e;
      await writer.discardDataset(dataset);
      skip(why.reason, why.missingPermission, why.remedy);
    }
  };

  const queue = [...DATASET_IDS];
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

    if (concealedNames) {
      warnings.push(
        'Usage reports conceal user names (Microsoft 365 admin center > Settings > Org settings > Reports); activity cannot be matched to users until an admin turns that off.',
      );
    }
    // Excess privilege stays visible on every sync summary until the permission is removed.
    const excess = excessWarning({ roles, scopes: token.scopes });
    if (excess) warnings.push(excess);
    const datasets = DATASET_IDS.map((d) => {
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
    const users = results.get('users');
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
