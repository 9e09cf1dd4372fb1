/**
 * Sync against the demo tenant over real HTTPS, through the real MSAL app-token flow
 * and the Microsoft Graph JS client (no mocks): counts, permission-based skips,
 * rollback on failure and cancel, and that no secret reaches the DB or the exports.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppTokenProvider } from '../../src-main/core/auth/app-token';
import { startDemoTenant, type DemoAppName, type DemoTenant } from '../../src-main/core/demo-tenant/index';
import { exportSnapshot } from '../../src-main/core/export/exports';
import { createGraphSession } from '../../src-main/core/graph/create-session';
import type { GraphSession } from '../../src-main/core/graph/session';
import { createNetwork } from '../../src-main/core/net/network';
import { DATASET_IDS } from '../../src-main/core/permissions/matrix';
import { demoTenantProfile } from '../../src-main/core/demo/session';
import { openDatabase, type Db } from '../../src-main/core/store/db';
import { closeDatabase } from '../../src-main/core/store/snapshot-sink';
import { currentSnapshot, datasetRuns, listSnapshots, snapshotCounts } from '../../src-main/core/store/queries';
import { runSync, type SyncProgress, type SyncResult } from '../../src-main/core/sync/engine';
import { failure } from '../helpers/operator-error';

const USERS = 1200; // two /users pages of 999, ten signInActivity pages of 120

let tenant: DemoTenant;
let noP1: DemoTenant;
const dir = mkdtempSync(join(tmpdir(), 'sync-it-'));
const dbFile = join(dir, 'store.db');
let db: Db;
const sessions: GraphSession[] = [];

function sessionFor(t: DemoTenant, app: DemoAppName): GraphSession {
  const profile = demoTenantProfile(t, t.apps[app].clientId, { kind: 'secret', secretEnv: 'IT_CLIENT_SECRET' }, 'it');
  const network = createNetwork({ extraCaPem: [t.caPem], env: {} });
  const tokenProvider = createAppTokenProvider({ profile, credential: { kind: 'secret', secret: t.apps[app].secret }, network });
  const session = createGraphSession({ profile, tokenProvider, network });
  sessions.push(session);
  return session;
}

beforeAll(async () => {
  [tenant, noP1] = await Promise.all([startDemoTenant({ users: USERS, seed: 'sync-it' }), startDemoTenant({ users: 50, p1: false, seed: 'sync-it-nop1' })]);
  db = openDatabase(dbFile);
});

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  if (db) await closeDatabase(db);
  await Promise.all([tenant?.close(), noP1?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('sync against the demo tenant', () => {
  let full: SyncResult;

  it('full sync with the least-privilege reader app matches the tenant', async () => {
    full = await runSync({ session: sessionFor(tenant, 'reader'), db, profileName: 'reader' });
    expect(full.datasets.map((d) => [d.dataset, d.status])).toEqual(DATASET_IDS.map((d) => [d, 'ok']));
    expect(full.userCount).toBe(tenant.userCount);
    expect(full.tenantId).toBe(tenant.tenantId);
    expect(full.roles).toEqual(expect.arrayContaining(tenant.apps.reader.roles));

    const counts = snapshotCounts(db, full.snapshotId);
    expect(counts.users).toBe(tenant.userCount);
    expect(counts.sign_in_activity).toBe(tenant.userCount);
    expect(counts.report_settings).toBe(1);
    expect(counts.user_licenses).toBeGreaterThan(0);
    expect(counts.groups).toBeGreaterThan(0);
    expect(counts.report_active_user_detail).toBeGreaterThan(0);
    expect(counts.report_mailbox_usage_detail).toBeGreaterThan(0);

    // SKUs match what Graph serves, read independently through another session.
    const graphSkus = (await sessionFor(tenant, 'reader').getJson('/subscribedSkus')) as {
      value: { skuId: string; skuPartNumber: string; consumedUnits: number; prepaidUnits: { enabled: number } }[];
    };
    const stored = db.prepare('SELECT sku_id, sku_part_number, consumed_units, enabled FROM skus WHERE snapshot_id = ? ORDER BY sku_id').all(full.snapshotId);
    expect(stored).toEqual(
      [...graphSkus.value]
        .sort((a, b) => a.skuId.localeCompare(b.skuId))
        .map((s) => ({ sku_id: s.skuId, sku_part_number: s.skuPartNumber, consumed_units: s.consumedUnits, enabled: s.prepaidUnits.enabled })),
    );
    // Every licence points at a SKU of the snapshot.
    const dangling = db
      .prepare('SELECT count(*) AS n FROM user_licenses l LEFT JOIN skus s ON s.snapshot_id = l.snapshot_id AND s.sku_id = l.sku_id WHERE l.snapshot_id = ? AND s.sku_id IS NULL')
      .get(full.snapshotId) as { n: number };
    expect(dangling.n).toBe(0);
    expect(currentSnapshot(db, 'reader')?.id).toBe(full.snapshotId);
    expect(tenant.requestLog().every((r) => r.method === 'GET' || r.listener === 'login')).toBe(true);
  });

  it('users progress carries the expected total from $count', async () => {
    const events: SyncProgress[] = [];
    await runSync({ session: sessionFor(tenant, 'reader'), db, profileName: 'progress', datasets: ['users'], onProgress: (p) => events.push(p) });
    const users = events.filter((e) => e.dataset === 'users' && e.type !== 'dataset-start');
    expect(users.length).toBeGreaterThan(0);
    expect(users.every((e) => e.expected === tenant.userCount)).toBe(true);
  });

  it('the no-auditlog app skips signInActivity naming AuditLog.Read.All; everything else syncs', async () => {
    const r = await runSync({ session: sessionFor(tenant, 'no-auditlog'), db, profileName: 'no-auditlog' });
    const sign = r.datasets.find((d) => d.dataset === 'signInActivity');
    expect(sign).toMatchObject({ status: 'skipped', missingPermission: 'AuditLog.Read.All' });
    expect(sign?.reason).toContain('AuditLog.Read.All');
    expect(r.datasets.filter((d) => d.status !== 'ok').map((d) => d.dataset)).toEqual(['signInActivity']);
    expect(snapshotCounts(db, r.snapshotId).users).toBe(tenant.userCount);
    expect(datasetRuns(db, r.snapshotId).find((d) => d.dataset === 'signInActivity')?.missingPermission).toBe('AuditLog.Read.All');
  });

  it('a tenant without Entra ID P1 skips signInActivity naming P1', async () => {
    const r = await runSync({ session: sessionFor(noP1, 'reader'), db, profileName: 'no-p1' });
    const sign = r.datasets.find((d) => d.dataset === 'signInActivity');
    expect(sign?.status).toBe('skipped');
    expect(sign?.reason).toMatch(/P1/);
    expect(r.datasets.filter((d) => d.status !== 'ok').map((d) => d.dataset)).toEqual(['signInActivity']);
    expect(r.userCount).toBe(noP1.userCount);
  });

  it('with strict, a Graph failure on /v1.0/groups fails the sync; the previous snapshot stays current and intact', async () => {
    const before = snapshotCounts(db, full.snapshotId);
    const snapshotsBefore = listSnapshots(db).length;
    tenant.setFaults({ failPath: { pattern: /^\/v1\.0\/groups$/, status: 500 } });
    try {
      const e = await failure(runSync({ session: sessionFor(tenant, 'reader'), db, profileName: 'reader', strict: true }));
      expect(e.code).not.toBe('cancelled');
      expect(e.status).toBe(500);
    } finally {
      tenant.setFaults({});
    }
    expect(currentSnapshot(db, 'reader')?.id).toBe(full.snapshotId);
    expect(listSnapshots(db)).toHaveLength(snapshotsBefore);
    expect(snapshotCounts(db, full.snapshotId)).toEqual(before);
    expect(db.inTransaction).toBe(false);
  });

  it('cancel after the first users page leaves no partial snapshot', async () => {
    const snapshotsBefore = listSnapshots(db).map((s) => s.id);
    const rowsBefore = (db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
    const ac = new AbortController();
    const e = await failure(
      runSync({
        session: sessionFor(tenant, 'reader'),
        db,
        profileName: 'reader',
        signal: ac.signal,
        onProgress: (p) => {
          if (p.dataset === 'users' && p.type === 'dataset-progress' && p.items > 0) ac.abort();
        },
      }),
    );
    expect(e.code).toBe('cancelled');
    expect(listSnapshots(db).map((s) => s.id)).toEqual(snapshotsBefore);
    expect(currentSnapshot(db, 'reader')?.id).toBe(full.snapshotId);
    expect((db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n).toBe(rowsBefore);
    expect((db.prepare(`SELECT count(*) AS n FROM snapshots WHERE status <> 'complete'`).get() as { n: number }).n).toBe(0);
  });

  it('no secret or token reaches the database files or the exports', async () => {
    const out = join(dir, 'exports');
    const exported = await exportSnapshot(db, full.snapshotId, out);
    expect(exported.files).toHaveLength(2);
    expect(exported.skuSummary.length).toBeGreaterThan(0);
    const userCsv = readFileSync(join(out, 'user-licenses.csv'), 'utf8');
    expect(userCsv.split('\r\n').length).toBeGreaterThan(tenant.userCount / 2);

    const secrets = [tenant.apps.reader.secret, tenant.apps['no-auditlog'].secret, noP1.apps.reader.secret];
    for (const s of secrets) expect(s.length).toBeGreaterThan(8);
    const files = [dbFile, `${dbFile}-wal`, ...exported.files].filter((f) => existsSync(f));
    expect(files).toContain(dbFile);
    for (const f of files) {
      const bytes = readFileSync(f);
      expect(bytes.length).toBeGreaterThan(0);
      for (const s of secrets) {
        expect(bytes.includes(Buffer.from(s, 'utf8')), `${f} holds a client secret`).toBe(false);
        expect(bytes.includes(Buffer.from(s, 'utf16le')), `${f} holds a client secret (UTF-16)`).toBe(false);
      }
      // A JWT access token starts with a base64url JSON header.
      expect(bytes.includes(Buffer.from('eyJ0eXAi')) || bytes.includes(Buffer.from('eyJhbGci')), `${f} holds a JWT`).toBe(false);
    }
  });
});
