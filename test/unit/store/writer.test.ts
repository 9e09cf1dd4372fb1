import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { openDatabase } from '../../../src-main/core/store/db';
import { currentSnapshot, datasetRuns, getSnapshot, listSnapshots, skuSummary, snapshotCounts, userAssignments } from '../../../src-main/core/store/queries';
import { packRows } from '../../../src-main/core/datasets';
import { groups } from '../../../src-main/core/datasets/groups';
import { SnapshotWriter } from '../../../src-main/core/store/writer';
import { insertUsers, killMidSnapshot, user, writeSnapshot } from '../../helpers/store';

const dir = mkdtempSync(join(tmpdir(), 'store-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SnapshotWriter', () => {
  it('commit makes the snapshot current with its rows and metadata', () => {
    const db = openDatabase(':memory:');
    const w = new SnapshotWriter(db);
    const id = writeSnapshot(w, 'p', 3);
    const snap = currentSnapshot(db, 'p');
    expect(snap).toMatchObject({ id, profileName: 'p', tenantId: 'tenant-1', userCount: 3, tokenRoles: ['User.Read.All'], warnings: [], contentHash: null, prevHash: null });
    expect(snapshotCounts(db, id)).toMatchObject({ users: 3, user_licenses: 3, skus: 1, sku_service_plans: 1 });
    expect(datasetRuns(db, id)).toEqual([{ dataset: 'users', status: 'ok', reason: null, missingPermission: null, items: 3, expected: null, startedAt: null, finishedAt: null }]);
    const [sku] = skuSummary(db, id);
    expect(sku).toMatchObject({ partNumber: 'ENTERPRISEPACK', enabled: 10, consumed: 3, available: 7, directAssignments: 3, groupAssignments: 0 });
    expect([...userAssignments(db, id)].map((r) => r.upn)).toEqual(['u0@contoso.example', 'u1@contoso.example', 'u2@contoso.example']);
    expect(w.active).toBe(false);
  });

  it('rollback leaves the previous snapshot current and intact', () => {
    const db = openDatabase(':memory:');
    const w = new SnapshotWriter(db);
    const first = writeSnapshot(w, 'p', 2);
    const before = snapshotCounts(db, first);
    const second = w.begin({ profileName: 'p', tenantId: 'tenant-1', startedAt: '2025-02-01T00:00:00Z', tokenRoles: [] });
    insertUsers(w, [user('new-1'), user('new-2'), user('new-3')]);
    // Inside the transaction the new snapshot is 'running', never current.
    expect(currentSnapshot(db, 'p')?.id).toBe(first);
    w.rollback();
    expect(currentSnapshot(db, 'p')?.id).toBe(first);
    expect(listSnapshots(db, 'p')).toHaveLength(1);
    expect(getSnapshot(db, second)).toBeNull();
    expect(snapshotCounts(db, first)).toEqual(before);
    expect((db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n).toBe(2);
    expect(db.inTransaction).toBe(false);
    expect(() => insertUsers(w, [user('late')])).toThrow(OperatorError);
    w.rollback(); // idempotent
  });

  it('another connection never sees an uncommitted snapshot', () => {
    const path = join(dir, 'readers.db');
    const db = openDatabase(path);
    const reader = openDatabase(path, { readonly: true });
    const w = new SnapshotWriter(db);
    const first = writeSnapshot(w, 'p', 1);
    w.begin({ profileName: 'p', tenantId: 't', startedAt: 'x', tokenRoles: [] });
    insertUsers(w, [user('a')]);
    expect(currentSnapshot(reader, 'p')?.id).toBe(first);
    expect((reader.prepare('SELECT count(*) AS n FROM snapshots').get() as { n: number }).n).toBe(1);
    const second = w.commit({ finishedAt: 'y', warnings: ['w1'], userCount: 1 });
    expect(currentSnapshot(reader, 'p')).toMatchObject({ id: second, warnings: ['w1'] });
    reader.close();
    db.close();
  });

  it('refuses a second begin on the same connection and writes outside a snapshot', () => {
    const db = openDatabase(':memory:');
    const a = new SnapshotWriter(db);
    const b = new SnapshotWriter(db);
    expect(() => insertUsers(a, [user('x')])).toThrow(OperatorError);
    a.begin({ profileName: 'p', tenantId: 't', startedAt: 'x', tokenRoles: [] });
    expect(() => a.begin({ profileName: 'p', tenantId: 't', startedAt: 'x', tokenRoles: [] })).toThrow(OperatorError);
    const e = (() => {
      try {
        b.begin({ profileName: 'p', tenantId: 't', startedAt: 'x', tokenRoles: [] });
      } catch (err) {
        return err as OperatorError;
      }
      return undefined;
    })();
    expect(e?.code).toBe('store');
    a.rollback();
  });

  it('discardRows removes only the named tables\' rows of the open snapshot', () => {
    const db = openDatabase(':memory:');
    const w = new SnapshotWriter(db);
    const first = writeSnapshot(w, 'p', 2);
    const id = w.begin({ profileName: 'p', tenantId: 't', startedAt: 'x', tokenRoles: [] });
    insertUsers(w, [user('a', { licenses: [{ skuId: 's', source: 'group', groupId: 'g', state: 'Active', error: 'None', disabledPlans: ['p1'], lastUpdated: null }] })]);
    for (const { table, cells } of packRows(groups, [{ id: 'g', displayName: 'G', licenses: [{ skuId: 's', disabledPlans: [] }] }])) w.insertRows(table, cells);
    w.discardRows(['users', 'user_licenses']);
    expect(snapshotCounts(db, id)).toMatchObject({ users: 0, user_licenses: 0, groups: 1, group_licenses: 1 });
    expect(snapshotCounts(db, first).users).toBe(2);
    w.rollback();
  });

  it('insertRows refuses a partial row and a table the snapshot does not write, and binds cells in column order', () => {
    const db = openDatabase(':memory:');
    const w = new SnapshotWriter(db);
    const id = w.begin({ profileName: 'p', tenantId: 't', startedAt: 'x', tokenRoles: [] });
    expect(() => w.insertRows('sign_in_activity', ['u1', 'a', 'b'])).toThrow(/partial row/);
    expect(() => w.insertRows('no_such_table', ['x'])).toThrow(/not one this snapshot writes/);
    expect(() => w.discardRows(['no_such_table'])).toThrow(/not one this snapshot writes/);
    w.insertRows('sign_in_activity', ['u1', 'a', 'b', 'c', 'u2', null, null, 'd']);
    // INSERT OR REPLACE, as the sign-in dataset describes its table.
    w.insertRows('sign_in_activity', ['u2', 'e', null, null]);
    expect(db.prepare('SELECT snapshot_id, user_id, last_sign_in, last_non_interactive, last_successful FROM sign_in_activity ORDER BY user_id').all()).toEqual([
      { snapshot_id: id, user_id: 'u1', last_sign_in: 'a', last_non_interactive: 'b', last_successful: 'c' },
      { snapshot_id: id, user_id: 'u2', last_sign_in: 'e', last_non_interactive: null, last_successful: null },
    ]);
    w.rollback();
  });

  it('insertRows writes a page\'s rows in order (a later duplicate replaces the earlier row)', () => {
    const db = openDatabase(':memory:');
    const w = new SnapshotWriter(db);
    const id = w.begin({ profileName: 'p', tenantId: 't', startedAt: 'x', tokenRoles: [] });
    const cells: (string | null)[] = [];
    for (let i = 0; i < 70; i++) cells.push(`u${i}`, `s${i}`, null, null);
    cells.push('u3', 'late', null, null);
    w.insertRows('sign_in_activity', cells);
    expect(db.prepare('SELECT count(*) AS n FROM sign_in_activity WHERE snapshot_id = ?').get(id)).toEqual({ n: 70 });
    expect(db.prepare("SELECT last_sign_in FROM sign_in_activity WHERE user_id IN ('u0', 'u3', 'u69') ORDER BY user_id").all()).toEqual([
      { last_sign_in: 's0' },
      { last_sign_in: 'late' },
      { last_sign_in: 's69' },
    ]);
    w.rollback();
  });

  it('begin takes the tables a snapshot may write and refuses others', () => {
    const db = openDatabase(':memory:');
    const w = new SnapshotWriter(db);
    w.begin({ profileName: 'p', tenantId: 't', startedAt: 'x', tokenRoles: [] }, [{ name: 'groups', columns: ['id', 'display_name'] }]);
    w.insertRows('groups', ['g1', 'G']);
    expect(() => w.insertRows('users', ['u', null, null, null, null, null, null, null, null, null])).toThrow(/not one this snapshot writes/);
    w.rollback();
    expect(() => w.begin({ profileName: 'p', tenantId: 't', startedAt: 'x', tokenRoles: [] }, [{ name: 'groups; DROP TABLE users', columns: ['id'] }])).toThrow(/not a valid table/);
  });

  it('the schema rejects inconsistent rows (group source without group id)', () => {
    const db = openDatabase(':memory:');
    const w = new SnapshotWriter(db);
    w.begin({ profileName: 'p', tenantId: 't', startedAt: 'x', tokenRoles: [] });
    expect(() => insertUsers(w, [user('a', { licenses: [{ skuId: 's', source: 'group', groupId: null, state: null, error: null, disabledPlans: [], lastUpdated: null }] })])).toThrow(/CHECK/);
    w.rollback();
  });

  it('a process killed mid-snapshot leaves nothing behind (SQLite rolls back)', async () => {
    const path = join(dir, 'crash.db');
    const db = openDatabase(path);
    const first = writeSnapshot(new SnapshotWriter(db), 'crash', 4);
    db.close();

    await killMidSnapshot(new URL('./fixtures/crash-child.ts', import.meta.url), path);

    const after = openDatabase(path);
    expect(listSnapshots(after).map((s) => s.id)).toEqual([first]);
    expect((after.prepare('SELECT count(*) AS n FROM snapshots').get() as { n: number }).n).toBe(1);
    expect((after.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n).toBe(4);
    expect(after.pragma('integrity_check', { simple: true })).toBe('ok');
    after.close();
  });
});
