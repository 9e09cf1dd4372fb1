import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { DATASET_IDS } from '../../../src-main/core/permissions/matrix';
import { openDatabase, type Db } from '../../../src-main/core/store/db';
import { currentSnapshot, datasetRuns, listSnapshots, snapshotCounts } from '../../../src-main/core/store/queries';
import { PAGE_READ_AHEAD, runSync, type SyncProgress } from '../../../src-main/core/sync/engine';
import { ALL_ROLES, FakeSession, sampleData } from '../../helpers/fake-session';

const PROFILE = 'contoso';

const dir = mkdtempSync(join(tmpdir(), 'engine-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function memoryDb(): Db {
  return openDatabase(':memory:');
}

/** A database file: the sync writes it on the writer thread. */
function fileDb(): Db {
  return openDatabase(join(dir, `sync-${++files}.db`));
}

/** Every behaviour holds with the snapshot written on the sync's thread and on the writer thread. */
const WRITERS: [string, () => Db][] = [
  ['writes on the calling thread (in-memory database)', memoryDb],
  ['writes on the writer thread (database file)', fileDb],
];

/** Count every data row belonging to snapshots that are not committed (must stay 0). */
function orphanRows(db: Db): number {
  const ids = listSnapshots(db).map((s) => s.id);
  const rows = db.prepare(`SELECT count(*) AS n FROM snapshots`).get() as { n: number };
  let orphans = rows.n - ids.length;
  for (const t of ['users', 'user_licenses', 'skus', 'groups', 'sign_in_activity', 'dataset_runs', 'report_active_user_detail']) {
    const placeholders = ids.length ? ids.map(() => '?').join(',') : 'NULL';
    orphans += (db.prepare(`SELECT count(*) AS n FROM ${t} WHERE snapshot_id NOT IN (${placeholders})`).get(...ids) as { n: number }).n;
  }
  return orphans;
}

async function expectOperatorError(p: Promise<unknown>, code: string): Promise<OperatorError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OperatorError);
  expect((e as OperatorError).code).toBe(code);
  return e as OperatorError;
}

describe.each(WRITERS)('runSync with a fake Graph session: %s', (_mode, freshDb) => {
  it('syncs every dataset into one committed snapshot', async () => {
    const db = freshDb();
    const session = new FakeSession(ALL_ROLES, sampleData(3, 2));
    const result = await runSync({ session, db, profileName: PROFILE });
    expect(result.datasets.map((d) => d.dataset)).toEqual([...DATASET_IDS]);
    expect(result.datasets.every((d) => d.status === 'ok')).toBe(true);
    expect(result.userCount).toBe(6);
    expect(result.roles).toEqual(ALL_ROLES);
    expect(currentSnapshot(db, PROFILE)?.id).toBe(result.snapshotId);
    const counts = snapshotCounts(db, result.snapshotId);
    expect(counts).toMatchObject({ skus: 2, sku_service_plans: 2, users: 6, user_licenses: 9, groups: 1, group_licenses: 1, sign_in_activity: 6, report_settings: 1 });
    expect(counts.report_active_user_detail).toBe(1);
    expect(counts.report_mailbox_usage_detail).toBe(1);
    const errors = db.prepare('SELECT user_id, error FROM license_errors WHERE snapshot_id = ?').all(result.snapshotId);
    expect(errors).toEqual([{ user_id: '00000000-0000-0000-0000-000000000002', error: 'CountViolation' }]);
    const mailbox = db.prepare('SELECT storage_used_bytes, item_count, has_archive FROM report_mailbox_usage_detail').get();
    expect(mailbox).toEqual({ storage_used_bytes: 123456789, item_count: 42, has_archive: 0 });
    const groupsReq = session.requested.find((r) => r.dataset === 'groups');
    expect(groupsReq?.headers).toEqual({ ConsistencyLevel: 'eventual' });
    expect(result.datasets.find((d) => d.dataset === 'groups')?.expected).toBe(1);
    expect(db.inTransaction).toBe(false);
  });

  it('skips a dataset the token cannot read, naming the least-privileged permission, without requesting it', async () => {
    const db = freshDb();
    const roles = ALL_ROLES.filter((r) => r !== 'AuditLog.Read.All' && r !== 'Reports.Read.All');
    const session = new FakeSession(roles, sampleData());
    const result = await runSync({ session, db, profileName: PROFILE });
    const sign = result.datasets.find((d) => d.dataset === 'signInActivity');
    expect(sign).toMatchObject({ status: 'skipped', reason: 'missing application permission AuditLog.Read.All', missingPermission: 'AuditLog.Read.All', items: 0 });
    const report = result.datasets.find((d) => d.dataset === 'report.activeUserDetail');
    expect(report).toMatchObject({ status: 'skipped', reason: 'missing application permission Reports.Read.All' });
    expect(session.requested.some((r) => r.dataset === 'signInActivity' || r.dataset.startsWith('report.'))).toBe(false);
    expect(result.datasets.find((d) => d.dataset === 'users')?.status).toBe('ok');
    const runs = datasetRuns(db, result.snapshotId);
    expect(runs.find((r) => r.dataset === 'signInActivity')).toMatchObject({ status: 'skipped', missingPermission: 'AuditLog.Read.All' });
    expect(runs).toHaveLength(DATASET_IDS.length);
  });

  it('sign-in activity without User.Read.All names User.Read.All, not the AuditLog permission the token already has', async () => {
    const db = freshDb();
    const roles = ALL_ROLES.filter((r) => r !== 'User.Read.All');
    const session = new FakeSession(roles, sampleData());
    const result = await runSync({ session, db, profileName: PROFILE });
    expect(result.datasets.find((d) => d.dataset === 'signInActivity')).toMatchObject({ status: 'skipped', reason: 'missing application permission User.Read.All', missingPermission: 'User.Read.All' });
    expect(session.requested.some((r) => r.dataset === 'signInActivity' || r.dataset === 'users')).toBe(false);
  });

  it('accepts a higher permission Graph also honours (Directory.Read.All reads users)', async () => {
    const db = freshDb();
    const session = new FakeSession(['Directory.Read.All'], sampleData());
    const result = await runSync({ session, db, profileName: PROFILE });
    expect(result.datasets.find((d) => d.dataset === 'users')?.status).toBe('ok');
    expect(result.datasets.find((d) => d.dataset === 'reportSettings')).toMatchObject({ status: 'skipped', missingPermission: 'ReportSettings.Read.All' });
  });

  it('skips signInActivity on 403 license-required with a reason naming P1, and the rest commits', async () => {
    const db = freshDb();
    const session = new FakeSession(ALL_ROLES, sampleData(), {
      beforePage: (d) => {
        if (d === 'signInActivity') throw new OperatorError('license-required', 'Tenant lacks a premium licence', { hint: 'x', status: 403 });
      },
    });
    const result = await runSync({ session, db, profileName: PROFILE });
    const sign = result.datasets.find((d) => d.dataset === 'signInActivity');
    expect(sign?.status).toBe('skipped');
    expect(sign?.reason).toMatch(/Microsoft Entra ID P1/);
    expect(sign?.missingPermission).toBeUndefined();
    expect(snapshotCounts(db, result.snapshotId).sign_in_activity).toBe(0);
    expect(snapshotCounts(db, result.snapshotId).users).toBe(6);
  });

  it('a 403 permission-denied after some pages skips the dataset and discards its partial rows', async () => {
    const db = freshDb();
    const session = new FakeSession(ALL_ROLES, sampleData(3, 2), {
      beforePage: (d, i) => {
        if (d === 'users' && i === 2) throw new OperatorError('permission-denied', 'Forbidden', { hint: 'x', status: 403, permission: 'User.Read.All' });
      },
    });
    const result = await runSync({ session, db, profileName: PROFILE });
    expect(result.datasets.find((d) => d.dataset === 'users')).toMatchObject({ status: 'skipped', reason: 'missing application permission User.Read.All' });
    expect(result.userCount).toBeNull();
    const counts = snapshotCounts(db, result.snapshotId);
    expect(counts.users).toBe(0);
    expect(counts.user_licenses).toBe(0);
    expect(counts.skus).toBe(2);
  });

  it('a failure mid-users rolls back: the previous snapshot stays current and intact', async () => {
    const db = freshDb();
    const first = await runSync({ session: new FakeSession(ALL_ROLES, sampleData(3, 2)), db, profileName: PROFILE });
    const before = snapshotCounts(db, first.snapshotId);
    const failing = new FakeSession(ALL_ROLES, sampleData(3, 2), {
      beforePage: (d, i) => {
        if (d === 'users' && i === 1) throw new OperatorError('graph-error', 'Graph answered 500', { hint: 'retry', status: 500 });
      },
    });
    const e = await expectOperatorError(runSync({ session: failing, db, profileName: PROFILE }), 'graph-error');
    expect(e.message).toBe('Graph answered 500');
    expect(currentSnapshot(db, PROFILE)?.id).toBe(first.snapshotId);
    expect(listSnapshots(db, PROFILE)).toHaveLength(1);
    expect(snapshotCounts(db, first.snapshotId)).toEqual(before);
    expect(orphanRows(db)).toBe(0);
    expect(db.inTransaction).toBe(false);
  });

  it('an invalid item fails the sync with an error naming the field', async () => {
    const db = freshDb();
    const data = sampleData(2, 2);
    (data.users[1] as Record<string, unknown>[])[0] = { id: 'x-1', accountEnabled: 'yes' };
    const e = await expectOperatorError(runSync({ session: new FakeSession(ALL_ROLES, data), db, profileName: PROFILE }), 'graph-error');
    expect(e.message).toContain('"accountEnabled"');
    expect(e.message).toContain('page 2, item 1');
    expect(e.message).not.toContain('yes');
    expect(listSnapshots(db)).toHaveLength(0);
    expect(orphanRows(db)).toBe(0);
  });

  it('a constraint error while writing (the same user on two pages) fails the sync as a graph-error and saves nothing', async () => {
    const db = freshDb();
    const first = await runSync({ session: new FakeSession(ALL_ROLES, sampleData(2, 2)), db, profileName: PROFILE });
    const data = sampleData(3, 2);
    // The same user on two pages violates the users primary key: Graph's pages were inconsistent, the disk is fine.
    (data.users[2] as unknown[])[1] = (data.users[0] as unknown[])[0];
    const e = await expectOperatorError(runSync({ session: new FakeSession(ALL_ROLES, data), db, profileName: PROFILE }), 'graph-error');
    expect(e.message).toBe('Microsoft Graph listed the same item twice (UNIQUE constraint failed: users.snapshot_id, users.id).');
    expect(currentSnapshot(db, PROFILE)?.id).toBe(first.snapshotId);
    expect(listSnapshots(db)).toHaveLength(1);
    expect(orphanRows(db)).toBe(0);
    expect(db.inTransaction).toBe(false);
  });

  it('an unexpected (non-Operator) error becomes an OperatorError and rolls back', async () => {
    const db = freshDb();
    const session = new FakeSession(ALL_ROLES, sampleData(), {
      beforeRequest: (d) => {
        if (d === 'report.mailboxUsageDetail') throw new TypeError('boom');
      },
    });
    const e = await expectOperatorError(runSync({ session, db, profileName: PROFILE }), 'internal');
    expect(e.message).toContain('boom');
    expect(listSnapshots(db)).toHaveLength(0);
  });

  it('cancel after the first users page: rejects with cancelled and leaves no partial snapshot', async () => {
    const db = freshDb();
    const first = await runSync({ session: new FakeSession(ALL_ROLES, sampleData()), db, profileName: PROFILE });
    const ac = new AbortController();
    const session = new FakeSession(ALL_ROLES, sampleData(4, 2), {
      beforePage: (d, i) => {
        if (d === 'users' && i === 1) ac.abort();
      },
    });
    await expectOperatorError(runSync({ session, db, profileName: PROFILE, signal: ac.signal }), 'cancelled');
    expect(currentSnapshot(db, PROFILE)?.id).toBe(first.snapshotId);
    expect(listSnapshots(db)).toHaveLength(1);
    expect(orphanRows(db)).toBe(0);
    expect(db.inTransaction).toBe(false);
  });

  it('cancel stops promptly even while a request is hanging', async () => {
    const db = freshDb();
    const ac = new AbortController();
    const session = new FakeSession(ALL_ROLES, sampleData(), {
      beforeRequest: (d, signal) =>
        d === 'reportSettings'
          ? new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true }))
          : undefined,
    });
    const p = runSync({ session, db, profileName: PROFILE, signal: ac.signal, concurrency: 1 });
    setTimeout(() => ac.abort(), 30);
    const t0 = Date.now();
    await expectOperatorError(p, 'cancelled');
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(listSnapshots(db)).toHaveLength(0);
  });

  it('an already-aborted signal does not even ask for a token', async () => {
    const db = freshDb();
    const ac = new AbortController();
    ac.abort();
    const session = new FakeSession(ALL_ROLES, sampleData());
    await expectOperatorError(runSync({ session, db, profileName: PROFILE, signal: ac.signal }), 'cancelled');
    expect(session.requested).toHaveLength(0);
  });

  it('emits start/progress/done/skipped events, throttled per dataset', async () => {
    const run = async (stepMs: number) => {
      const db = freshDb();
      let t = Date.parse('2025-01-01T00:00:00Z');
      const clock = () => new Date((t += stepMs));
      const events: SyncProgress[] = [];
      const roles = ALL_ROLES.filter((r) => r !== 'AuditLog.Read.All');
      await runSync({ session: new FakeSession(roles, sampleData(10, 1)), db, profileName: PROFILE, clock, onProgress: (p) => events.push(p), concurrency: 1 });
      return events;
    };
    const frozen = await run(0);
    const users = frozen.filter((e) => e.dataset === 'users');
    expect(users[0]).toEqual({ type: 'dataset-start', dataset: 'users', items: 0 });
    expect(users.at(-1)).toEqual({ type: 'dataset-done', dataset: 'users', items: 10 });
    // Time does not move: only the first progress event of the dataset gets through.
    expect(users.filter((e) => e.type === 'dataset-progress')).toHaveLength(1);
    expect(frozen.find((e) => e.dataset === 'signInActivity')).toEqual({
      type: 'dataset-skipped', dataset: 'signInActivity', items: 0, reason: 'missing application permission AuditLog.Read.All',
    });
    // 250 ms between clock reads: every page is reported, with growing counts.
    const slow = await run(250);
    const progress = slow.filter((e) => e.dataset === 'users' && e.type === 'dataset-progress').map((e) => e.items);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const done = slow.filter((e) => e.type === 'dataset-done').map((e) => e.dataset);
    expect(done).toHaveLength(DATASET_IDS.length - 1);
  });

  it('runs at most `concurrency` datasets at a time', async () => {
    // The sign-in stream's partitions are one dataset's requests running together; left out here.
    const datasets = DATASET_IDS.filter((d) => d !== 'signInActivity');
    for (const concurrency of [1, 2, 3]) {
      const session = new FakeSession(ALL_ROLES, sampleData(4, 2));
      await runSync({ session, db: freshDb(), profileName: PROFILE, concurrency, datasets });
      expect(session.maxInFlight).toBe(concurrency);
    }
  });

  it('only selected datasets are fetched; the others are recorded as skipped', async () => {
    const db = freshDb();
    const session = new FakeSession(ALL_ROLES, sampleData());
    const result = await runSync({ session, db, profileName: PROFILE, datasets: ['subscribedSkus', 'users'] });
    expect(new Set(session.requested.map((r) => r.dataset))).toEqual(new Set(['subscribedSkus', 'users']));
    expect(result.datasets.filter((d) => d.status === 'ok').map((d) => d.dataset)).toEqual(['subscribedSkus', 'users']);
    expect(result.datasets.find((d) => d.dataset === 'groups')?.reason).toBe('not selected for this sync');
  });

  it('warns when usage reports conceal user names', async () => {
    const data = sampleData();
    data.reportSettings = { displayConcealedNames: true };
    const result = await runSync({ session: new FakeSession(ALL_ROLES, data), db: freshDb(), profileName: PROFILE });
    expect(result.warnings.some((w) => /conceal/i.test(w))).toBe(true);
  });

  it('refuses a second sync on the same connection while one is writing', async () => {
    const db = freshDb();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slow = new FakeSession(ALL_ROLES, sampleData(), { beforeRequest: (d) => (d === 'reportSettings' ? gate : undefined) });
    const p1 = runSync({ session: slow, db, profileName: PROFILE });
    await new Promise((r) => setTimeout(r, 20));
    await expectOperatorError(runSync({ session: new FakeSession(ALL_ROLES, sampleData()), db, profileName: PROFILE }), 'store');
    release();
    const r1 = await p1;
    expect(currentSnapshot(db, PROFILE)?.id).toBe(r1.snapshotId);
  });
});

// Rows written so far are only visible to the connection holding the transaction, so the
// bound is checked with the in-thread writer; the writer thread's own bound is in snapshot-sink.test.ts.
describe('runSync read-ahead bound', () => {
  const freshDb = memoryDb;
  it('streams users with bounded read-ahead: at most PAGE_READ_AHEAD pages are requested beyond the one being written', async () => {
    const db = freshDb();
    const pages = 10;
    const perPage = 3;
    const seen: { index: number; written: number }[] = [];
    const session = new FakeSession(ALL_ROLES, sampleData(pages, perPage), {
      beforePage: (d, i) => {
        if (d !== 'users') return;
        // Same connection, same open transaction: rows written so far are visible.
        const written = (db.prepare(`SELECT count(*) AS n FROM users u JOIN snapshots s ON s.id = u.snapshot_id WHERE s.status = 'running'`).get() as { n: number }).n;
        seen.push({ index: i, written });
      },
    });
    const result = await runSync({ session, db, profileName: PROFILE });
    expect(result.userCount).toBe(pages * perPage);
    expect(seen.map((s) => s.index)).toEqual(Array.from({ length: pages }, (_, i) => i));
    // Page i is only requested once every page before i - PAGE_READ_AHEAD is in the DB:
    // buffering pages without bound (or all of them) fails here.
    for (const s of seen) expect(s.written, `rows written when page ${s.index} was requested`).toBeGreaterThanOrEqual(Math.max(0, s.index - PAGE_READ_AHEAD) * perPage);
    // And the read-ahead is real: some page is requested before the previous one is written.
    expect(seen.some((s) => s.written < s.index * perPage)).toBe(true);
  });
});
