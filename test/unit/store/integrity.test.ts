import { chmodSync, closeSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { exportSnapshot } from '../../../src-main/core/export/exports';
import { openDatabase, type Db } from '../../../src-main/core/store/db';
import { SnapshotWriter } from '../../../src-main/core/store/writer';
import { tempDir } from '../../helpers/fs';
import { spawnWithFileModes } from '../../helpers/file-modes';
import { failureSync as catchSync } from '../../helpers/operator-error';
import { insertSkus, insertUsers, user } from '../../helpers/store';

const CHILD = fileURLToPath(new URL('./fixtures/read-only-journal-child.ts', import.meta.url));

function child(step: string, path: string): string {
  const r = spawnWithFileModes(process.execPath, ['--import', 'tsx', CHILD, step, path], { encoding: 'utf8', env: { ...process.env, HOME: tempDir('home-') } });
  if (r.status !== 0) throw new Error(`${step} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}


describe('database files left read-only', () => {
  it('a -shm/-wal left 0444 by a run against a read-only database is named, with the fix, not "another process"', () => {
    const dir = tempDir('ro-journal-');
    const path = join(dir, 'reconciler.db');
    child('create', path);
    child('leave', path);
    expect(statSync(`${path}-shm`).mode & 0o222).toBe(0); // no write permission for anyone

    const r = JSON.parse(child('write', path)) as { ok: boolean; operatorError?: boolean; code?: string; message?: string; hint?: string };
    expect(r.ok).toBe(false);
    expect(r.operatorError).toBe(true);
    expect(r.code).toBe('store');
    expect(r.message).toContain(`${path}-shm`);
    expect(r.message).toMatch(/read-only/);
    expect(r.hint).toMatch(/write permission/);
    expect(r.hint).not.toMatch(/another process/i);
    // Front-end neutral: no CLI command or flag in a core hint.
    expect(r.hint).not.toMatch(/--|`/);

    // The fix the hint gives works.
    chmodSync(`${path}-shm`, 0o600);
    chmodSync(`${path}-wal`, 0o600);
    expect(JSON.parse(child('write', path))).toEqual({ ok: true });
  });
});

/** A store with enough users that its tables span many pages, closed and checkpointed. */
function bigStore(path: string): void {
  const db = openDatabase(path);
  const w = new SnapshotWriter(db);
  w.begin({ profileName: 'p', tenantId: 't', startedAt: '2025-01-01T00:00:00.000Z', tokenRoles: ['User.Read.All'] });
  insertSkus(w, [
    { skuId: 'sku-1', skuPartNumber: 'ENTERPRISEPACK', capabilityStatus: 'Enabled', appliesTo: 'User', consumedUnits: 1, enabled: 10, warning: 0, suspended: 0, lockedOut: 0, subscriptionIds: [], servicePlans: [] },
  ]);
  insertUsers(
    w,
    Array.from({ length: 20_000 }, (_, i) =>
      user(`u${String(i).padStart(6, '0')}`, { licenses: [{ skuId: 'sku-1', source: 'direct', groupId: null, state: 'Active', error: 'None', disabledPlans: [], lastUpdated: null }] }),
    ),
  );
  w.datasetRun({ dataset: 'users', status: 'ok', items: 20_000 });
  w.commit({ finishedAt: '2025-01-01T00:01:00.000Z', warnings: [], userCount: 20_000 });
  db.close();
}

/** Overwrite pages in the middle of the file (not the header) with garbage. */
function damageMiddle(path: string): void {
  const size = statSync(path).size;
  const fd = openSync(path, 'r+');
  for (const at of [0.4, 0.5, 0.6, 0.7, 0.8]) writeSync(fd, Buffer.alloc(4096 * 4, 0xa5), 0, 4096 * 4, Math.floor((size * at) / 4096) * 4096);
  closeSync(fd);
}

describe('a database damaged in the middle of the file', () => {
  it('is refused before anything is written, naming the file and what to do, and is left untouched', () => {
    const dir = tempDir('corrupt-');
    const path = join(dir, 'reconciler.db');
    bigStore(path);
    damageMiddle(path);
    const before = readFileSync(path);
    const e = catchSync(() => openDatabase(path));
    expect(e.code).toBe('store');
    expect(e.message).toContain(path);
    expect(e.message).toMatch(/damaged/);
    expect(e.hint).toMatch(/backup/);
    expect(e.hint).toMatch(/move it .*aside/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('an export of a damaged snapshot says the file is damaged and leaves no file behind', async () => {
    const dir = tempDir('corrupt-');
    const path = join(dir, 'reconciler.db');
    bigStore(path);
    damageMiddle(path);
    // A connection opened without the check (as one opened before the damage happened).
    let db: Db;
    try {
      db = openDatabase(path, { integrityCheck: false });
    } catch (e) {
      throw new Error(`the damage should not be visible at open: ${(e as Error).message}`);
    }
    const out = join(dir, 'exports');
    const err = await exportSnapshot(db, 1, out).then(
      () => undefined,
      (e: unknown) => e,
    );
    db.close();
    expect(err).toBeInstanceOf(OperatorError);
    expect((err as OperatorError).code).toBe('store');
    expect((err as OperatorError).message).toMatch(/damaged/);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});
