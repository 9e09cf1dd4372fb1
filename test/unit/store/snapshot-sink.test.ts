import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { openDatabase, type Db } from '../../../src-main/core/store/db';
import { currentSnapshot, listSnapshots, snapshotCounts } from '../../../src-main/core/store/queries';
import { LocalSnapshotSink, ThreadSnapshotSink, closeDatabase, openSnapshotSink, snapshotWriterSettled, writerWorkerEntry, type SnapshotSink } from '../../../src-main/core/store/snapshot-sink';
import type { SnapshotBeginMeta, UserRow } from '../../../src-main/core/store/types';
import { killMidSnapshot, sinkUsers, user } from '../../helpers/store';

const dir = mkdtempSync(join(tmpdir(), 'snapshot-sink-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const fileDb = (): Db => openDatabase(join(dir, `sink-${++files}.db`));

const META: SnapshotBeginMeta = { profileName: 'p', tenantId: 'tenant-1', startedAt: '2025-01-01T00:00:00.000Z', tokenRoles: ['User.Read.All'] };

function licensed(id: string): UserRow {
  return user(id, { licenses: [{ skuId: 'sku-1', source: 'direct', groupId: null, state: 'Active', error: 'None', disabledPlans: ['plan-x'], lastUpdated: null }] });
}

/** Writes `batches` batches of `size` licensed users, as a sync's pages would arrive. */
async function writeUsers(sink: SnapshotSink, batches: number, size: number, prefix: string): Promise<void> {
  for (let b = 0; b < batches; b++) await sinkUsers(sink, Array.from({ length: size }, (_, i) => licensed(`${prefix}-${b}-${i}`)));
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(Error);
  return e as Error;
}

const count = (db: Db, table: string): number => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

/** The same sink contract, on the calling thread and on the writer thread. */
const SINKS: [string, (db: Db) => SnapshotSink][] = [
  ['calling thread', (db) => new LocalSnapshotSink(db)],
  ['writer thread', (db) => new ThreadSnapshotSink(db)],
];

describe.each(SINKS)('snapshot sink on the %s', (_name, open) => {
  it('commit makes the snapshot current with every row written in order', async () => {
    const db = fileDb();
    const sink = open(db);
    try {
      const id = await sink.begin(META);
      await sinkUsers(sink, [licensed('a'), user('b')]);
      await sinkUsers(sink, [licensed('c')]);
      await sink.datasetRun({ dataset: 'users', status: 'ok', items: 3 });
      expect(await sink.commit({ finishedAt: '2025-01-01T00:01:00.000Z', warnings: ['w'], userCount: 3 })).toBe(id);
      expect(currentSnapshot(db, 'p')).toMatchObject({ id, userCount: 3, warnings: ['w'] });
      expect(snapshotCounts(db, id)).toMatchObject({ users: 3, user_licenses: 2 });
      const lic = db.prepare('SELECT user_id, disabled_plans FROM user_licenses ORDER BY user_id').all();
      expect(lic).toEqual([{ user_id: 'a', disabled_plans: '["plan-x"]' }, { user_id: 'c', disabled_plans: '["plan-x"]' }]);
      const u = db.prepare('SELECT id, upn, account_enabled FROM users ORDER BY id').all();
      expect(u).toEqual([
        { id: 'a', upn: 'a@contoso.example', account_enabled: 1 },
        { id: 'b', upn: 'b@contoso.example', account_enabled: 1 },
        { id: 'c', upn: 'c@contoso.example', account_enabled: 1 },
      ]);
    } finally {
      await sink.close();
    }
  });

  it('a failed batch fails the commit with the SQLite error; nothing is saved and the previous snapshot stays current', async () => {
    const db = fileDb();
    const sink = open(db);
    try {
      const first = await sink.begin(META);
      await sinkUsers(sink, [user('a')]);
      await sink.commit({ finishedAt: 'f', warnings: [], userCount: 1 });

      await sink.begin(META);
      await sinkUsers(sink, [user('x'), user('y')]);
      // Duplicate primary key: the failure is only known once the batch is written.
      await sinkUsers(sink, [user('z'), user('x')]).catch(() => undefined);
      await sinkUsers(sink, [user('late')]).catch(() => undefined);
      const e = await failure(sink.commit({ finishedAt: 'f', warnings: [], userCount: 4 }));
      expect(e.name).toBe('SqliteError');
      expect(e.message).toMatch(/UNIQUE constraint failed: users\.snapshot_id, users\.id/);
      expect((e as { code?: string }).code).toBe('SQLITE_CONSTRAINT_PRIMARYKEY');
      await sink.rollback();
      expect(listSnapshots(db).map((s) => s.id)).toEqual([first]);
      expect(count(db, 'users')).toBe(1);
      expect(count(db, 'snapshots')).toBe(1);
      // The sink is usable again after the rollback.
      await sink.begin(META);
      await sinkUsers(sink, [user('again')]);
      const third = await sink.commit({ finishedAt: 'f', warnings: [], userCount: 1 });
      expect(currentSnapshot(db, 'p')?.id).toBe(third);
    } finally {
      await sink.close();
    }
  });

  it('rollback discards everything since begin; close rolls back an open snapshot', async () => {
    const db = fileDb();
    const sink = open(db);
    await sink.begin(META);
    await sinkUsers(sink, [user('a'), user('b')]);
    await sink.rollback();
    await sink.rollback();
    expect(count(db, 'snapshots')).toBe(0);
    await sink.begin(META);
    await sinkUsers(sink, [user('c')]);
    await sink.close();
    expect(count(db, 'snapshots')).toBe(0);
    expect(count(db, 'users')).toBe(0);
    expect(db.inTransaction).toBe(false);
  });

  it('refuses a second writer on the same connection while a snapshot is open', async () => {
    const db = fileDb();
    const sink = open(db);
    await sink.begin(META);
    const second = (async () => {
      const other = open(db);
      try {
        await other.begin(META);
      } finally {
        await other.close();
      }
    })();
    const e = await failure(second);
    expect(e).toBeInstanceOf(OperatorError);
    expect((e as OperatorError).code).toBe('store');
    expect(e.message).toBe('Another sync is already writing to this database.');
    await sinkUsers(sink, [user('a')]);
    const id = await sink.commit({ finishedAt: 'f', warnings: [], userCount: 1 });
    await sink.close();
    expect(currentSnapshot(db, 'p')?.id).toBe(id);
  });
});

describe('ThreadSnapshotSink', () => {
  it('a failed batch surfaces on the next call, before commit', async () => {
    const db = fileDb();
    const sink = new ThreadSnapshotSink(db);
    try {
      await sink.begin(META);
      await sinkUsers(sink, [user('a'), user('a')]);
      const e = await failure(sink.flush());
      expect(e.name).toBe('SqliteError');
      expect(await failure(sinkUsers(sink, [user('b')]))).toBe(e);
      expect(await failure(sink.discardRows(['users', 'user_licenses']))).toBe(e);
      expect(await failure(sink.commit({ finishedAt: 'f', warnings: [], userCount: 1 }))).toBe(e);
      await sink.rollback();
    } finally {
      await sink.close();
    }
    expect(count(db, 'snapshots')).toBe(0);
  });

  it('bounds the batches queued for the thread (back-pressure)', async () => {
    const db = fileDb();
    const depth = 2;
    const sink = new ThreadSnapshotSink(db, { queueDepth: depth });
    let maxQueued = 0;
    try {
      await sink.begin(META);
      // Packing is much faster than inserting: without back-pressure every batch would queue up.
      for (let b = 0; b < 30; b++) {
        await sinkUsers(sink, Array.from({ length: 2000 }, (_, i) => licensed(`u-${b}-${i}`)));
        maxQueued = Math.max(maxQueued, sink.queued);
      }
      await sink.commit({ finishedAt: 'f', warnings: [], userCount: 60_000 });
    } finally {
      await sink.close();
    }
    expect(maxQueued).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThan(depth);
    expect(count(db, 'users')).toBe(60_000);
    expect(count(db, 'user_licenses')).toBe(60_000);
  });

  it('a writer thread that dies fails the snapshot as a store error', async () => {
    const db = fileDb();
    const sink = new ThreadSnapshotSink(db, { entry: { url: new URL('./fixtures/writer-exits.mjs', import.meta.url), typescript: false } });
    const e = await failure(sink.begin(META));
    expect(e).toBeInstanceOf(OperatorError);
    expect((e as OperatorError).code).toBe('store');
    expect(e.message).toMatch(/^The snapshot writer stopped unexpectedly/);
    expect(await failure(sinkUsers(sink, [user('a')]))).toBeInstanceOf(OperatorError);
    await sink.rollback();
    await sink.close();
    expect(count(db, 'snapshots')).toBe(0);
    // The connection is free for the next sync.
    const next = new ThreadSnapshotSink(db);
    await next.begin(META);
    await next.commit({ finishedAt: 'f', warnings: [], userCount: 0 });
    await next.close();
    expect(count(db, 'snapshots')).toBe(1);
  });

  it('after a commit, close returns at once and the thread checkpoints the snapshot into the database file', async () => {
    const path = join(dir, 'checkpoint.db');
    const db = openDatabase(path);
    const before = statSync(path).size;
    const sink = new ThreadSnapshotSink(db);
    await sink.begin(META);
    await writeUsers(sink, 5, 2000, 'u');
    const id = await sink.commit({ finishedAt: 'f', warnings: [], userCount: 10_000 });
    let settled = false;
    const settling = snapshotWriterSettled(db).then(() => {
      settled = true;
    });
    await sink.close();
    // The thread ends only after its checkpoint: close did not wait for it.
    expect(settled).toBe(false);
    // The snapshot is committed and readable meanwhile (from the write-ahead log).
    expect(currentSnapshot(db, 'p')?.id).toBe(id);
    await settling;
    // Its pages are now in the database file itself, not only in the log.
    expect(statSync(path).size).toBeGreaterThan(before + 1_000_000);
    expect(count(db, 'users')).toBe(10_000);
  });

  it('closeDatabase right after a sync waits for the thread: the files no longer change once it returns', async () => {
    const path = join(dir, 'close.db');
    const db = openDatabase(path);
    const sink = new ThreadSnapshotSink(db);
    await sink.begin(META);
    await writeUsers(sink, 5, 2000, 'c');
    await sink.commit({ finishedAt: 'f', warnings: [], userCount: 10_000 });
    await sink.close();
    await closeDatabase(db);
    expect(db.open).toBe(false);
    // The last connection to close checkpointed the log into the file and removed it and the index.
    expect(existsSync(`${path}-wal`)).toBe(false);
    expect(existsSync(`${path}-shm`)).toBe(false);
    const reopened = openDatabase(path, { readonly: true });
    expect(count(reopened, 'users')).toBe(10_000);
    reopened.close();
    // Closing twice is harmless.
    await closeDatabase(db);
  });

  it('a sink opened while the previous thread checkpoints waits for it, then writes its own snapshot', async () => {
    const db = fileDb();
    const ids: number[] = [];
    for (let round = 0; round < 3; round++) {
      const sink = new ThreadSnapshotSink(db);
      await sink.begin(META);
      // The previous thread has ended by now; its end does not free the connection this sink holds.
      expect(() => new ThreadSnapshotSink(db)).toThrow('Another sync is already writing to this database.');
      await writeUsers(sink, 1, 3000, `r${round}`);
      ids.push(await sink.commit({ finishedAt: 'f', warnings: [], userCount: 3000 }));
      await sink.close();
    }
    await snapshotWriterSettled(db);
    expect(listSnapshots(db).map((s) => s.id).sort((a, b) => a - b)).toEqual(ids);
    expect(count(db, 'users')).toBe(9000);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('needs a database file; openSnapshotSink keeps in-memory databases on the calling thread', async () => {
    const mem = openDatabase(':memory:');
    expect(() => new ThreadSnapshotSink(mem)).toThrow(OperatorError);
    expect(openSnapshotSink(mem)).toBeInstanceOf(LocalSnapshotSink);
    const file = fileDb();
    expect(openSnapshotSink(file, { thread: false })).toBeInstanceOf(LocalSnapshotSink);
    const threaded = openSnapshotSink(file);
    expect(threaded).toBeInstanceOf(ThreadSnapshotSink);
    await threaded.close();
  });

  it('runs from the TypeScript sources when no built entry sits next to it', () => {
    const entry = writerWorkerEntry();
    expect(entry.typescript).toBe(true);
    expect(fileURLToPath(entry.url)).toMatch(/store[\\/]writer-worker\.ts$/);
  });

  it('a process killed mid-snapshot leaves nothing behind', async () => {
    const path = join(dir, 'crash-thread.db');
    const db = openDatabase(path);
    const sink = new ThreadSnapshotSink(db);
    await sink.begin(META);
    await sinkUsers(sink, [user('keep-1'), user('keep-2')]);
    const first = await sink.commit({ finishedAt: 'f', warnings: [], userCount: 2 });
    await sink.close();
    db.close();

    await killMidSnapshot(new URL('./fixtures/crash-thread-child.ts', import.meta.url), path);

    const after = openDatabase(path);
    expect(listSnapshots(after).map((s) => s.id)).toEqual([first]);
    expect(count(after, 'snapshots')).toBe(1);
    expect(count(after, 'users')).toBe(2);
    expect(after.pragma('integrity_check', { simple: true })).toBe('ok');
    after.close();
  });
});
