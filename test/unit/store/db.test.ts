import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { openDatabase, schemaVersion } from '../../../src-main/core/store/db';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from '../../../src-main/core/store/migrations';

const dir = mkdtempSync(join(tmpdir(), 'store-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const dbPath = () => join(dir, `t${++n}.db`);

function catchError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

const EXPECTED_TABLES = [
  'dataset_runs', 'group_licenses', 'groups', 'recon_settings', 'report_activations_user_detail', 'report_active_user_detail', 'report_m365_app_user_detail',
  'report_mailbox_usage_detail', 'report_settings', 'sign_in_activity', 'sku_service_plans', 'skus', 'snapshots', 'subscriptions', 'user_licenses',
  'users',
];

describe('openDatabase', () => {
  it('applies every migration to a fresh file with the expected pragmas', () => {
    const path = dbPath();
    const db = openDatabase(path);
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
    expect(tables).toEqual(EXPECTED_TABLES);
    const views = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'view'`).all();
    expect(views).toEqual([{ name: 'license_errors' }]);
    db.close();
  });

  it('is idempotent: reopening keeps the version and the data', () => {
    const path = dbPath();
    const a = openDatabase(path);
    a.prepare(`INSERT INTO snapshots (profile_name, tenant_id, started_at, status) VALUES ('p', 't', 'x', 'complete')`).run();
    a.close();
    const b = openDatabase(path);
    expect(schemaVersion(b)).toBe(LATEST_SCHEMA_VERSION);
    expect((b.prepare('SELECT count(*) AS n FROM snapshots').get() as { n: number }).n).toBe(1);
    b.close();
  });

  it('applies pending migrations in order and only those', () => {
    const path = dbPath();
    const steps: Migration[] = [
      { version: 1, name: 'a', up: 'CREATE TABLE a (x INTEGER);' },
      { version: 2, name: 'b', up: 'ALTER TABLE a ADD COLUMN y TEXT; CREATE TABLE b (z INTEGER);' },
    ];
    openDatabase(path, { migrations: steps.slice(0, 1) }).close();
    const db = openDatabase(path, { migrations: steps });
    expect(schemaVersion(db)).toBe(2);
    expect((db.prepare('PRAGMA table_info(a)').all() as { name: string }[]).map((c) => c.name)).toEqual(['x', 'y']);
    db.close();
  });

  it('a failing migration is rolled back whole and the version is unchanged', () => {
    const path = dbPath();
    const steps: Migration[] = [
      { version: 1, name: 'a', up: 'CREATE TABLE a (x INTEGER);' },
      { version: 2, name: 'broken', up: 'CREATE TABLE half (x INTEGER); THIS IS NOT SQL;' },
    ];
    const e = catchError(() => openDatabase(path, { migrations: steps }));
    expect(e).toBeInstanceOf(OperatorError);
    expect((e as OperatorError).code).toBe('store');
    const raw = new Database(path);
    expect(raw.pragma('user_version', { simple: true })).toBe(1);
    expect(raw.prepare(`SELECT name FROM sqlite_master WHERE name = 'half'`).get()).toBeUndefined();
    raw.close();
  });

  it('refuses a database written by a newer version, with a hint, leaving it untouched', () => {
    const path = dbPath();
    const raw = new Database(path);
    raw.exec('CREATE TABLE future (x INTEGER)');
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    const before = readFileSync(path);
    const e = catchError(() => openDatabase(path)) as OperatorError;
    expect(e).toBeInstanceOf(OperatorError);
    expect(e.code).toBe('store');
    expect(e.message).toContain(path);
    expect(e.message).toContain('newer version');
    expect(e.hint).toMatch(/newer version/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it.each([
    ['text file', Buffer.from('these are not the bytes you are looking for\n'.repeat(200))],
    ['random bytes', Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 256))],
    ['truncated SQLite header', Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(100, 0xff)])],
  ])('refuses a corrupt or foreign file (%s) naming the path, without deleting it', (_label, bytes) => {
    const path = dbPath();
    writeFileSync(path, bytes);
    const e = catchError(() => openDatabase(path)) as OperatorError;
    expect(e).toBeInstanceOf(OperatorError);
    expect(e.code).toBe('store');
    expect(e.message).toContain(path);
    expect(existsSync(path)).toBe(true);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('a read-only connection opens a migrated file and refuses writes', () => {
    const path = dbPath();
    openDatabase(path).close();
    const ro = openDatabase(path, { readonly: true });
    expect(() => ro.prepare(`INSERT INTO snapshots (profile_name, tenant_id, started_at, status) VALUES ('p','t','x','complete')`).run()).toThrow();
    ro.close();
  });

  it('in-memory databases work for tests', () => {
    const db = openDatabase(':memory:');
    expect(schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });
});
