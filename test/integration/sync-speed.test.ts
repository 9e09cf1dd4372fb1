/**
 * The sync's request plan against the demo tenant, over real HTTPS through MSAL Node and the
 * Microsoft Graph JS client: the sign-in partitions together are exactly the user set, page sizes
 * are the largest each endpoint allows, each report is requested once, and an enrichment dataset
 * that fails does so alone (strict restores all or nothing).
 *
 * "List users" (learn.microsoft.com/graph/api/user-list): $top up to 999, "except when using
 * $select=signInActivity or $filter=signInActivity, the maximum page size is 500".
 * "user resource type" (learn.microsoft.com/graph/api/resources/user): signInActivity supports
 * "$filter (eq, ne, not, ge, le) but not with any other filterable properties".
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppTokenProvider } from '../../src-main/core/auth/app-token';
import { signInPartitions, SIGN_IN_PAGE_SIZE } from '../../src-main/core/datasets/sign-in-activity';
import { startDemoTenant, type DemoTenant } from '../../src-main/core/demo-tenant/index';
import { demoTenantProfile } from '../../src-main/core/demo/session';
import { createGraphSession } from '../../src-main/core/graph/create-session';
import type { GraphSession } from '../../src-main/core/graph/session';
import { createNetwork } from '../../src-main/core/net/network';
import { openDatabase, type Db } from '../../src-main/core/store/db';
import { closeDatabase } from '../../src-main/core/store/snapshot-sink';
import { currentSnapshot, datasetRuns, listSnapshots, snapshotCounts } from '../../src-main/core/store/queries';
import { runSync, type SyncResult } from '../../src-main/core/sync/engine';
import { failure } from '../helpers/operator-error';

const USERS = 2600;

let tenant: DemoTenant;
const dir = mkdtempSync(join(tmpdir(), 'sync-speed-it-'));
let db: Db;
const sessions: GraphSession[] = [];

function session(): GraphSession {
  const profile = demoTenantProfile(tenant, tenant.apps.reader.clientId, { kind: 'secret', secretEnv: 'IT_CLIENT_SECRET' }, 'it');
  const network = createNetwork({ extraCaPem: [tenant.caPem], env: {} });
  const tokenProvider = createAppTokenProvider({ profile, credential: { kind: 'secret', secret: tenant.apps.reader.secret }, network });
  const s = createGraphSession({ profile, tokenProvider, network });
  sessions.push(s);
  return s;
}

beforeAll(async () => {
  tenant = await startDemoTenant({ users: USERS, seed: 'sync-speed-it', requestLogLimit: 100_000 });
  db = openDatabase(join(dir, 'store.db'));
});

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  if (db) await closeDatabase(db);
  await tenant?.close();
  rmSync(dir, { recursive: true, force: true });
});

const graphGets = () => tenant.requestLog().filter((e) => e.listener === 'graph');
const query = (path: string) => new URL(path, 'https://x.test').searchParams;

describe('the sync request plan against the demo tenant', () => {
  let full: SyncResult;
  const partitionSizes: number[] = [];

  it('the sign-in partitions, read on their own, are exactly the user set: no user missing, none twice', async () => {
    const s = session();
    const all = new Set<string>();
    for await (const page of s.pages('/users?$select=id&$top=999')) for (const u of page.value as { id: string }[]) all.add(u.id);
    expect(all.size).toBe(tenant.userCount);

    const { requests, boundaryKey } = signInPartitions(new Date());
    expect(requests.length).toBeGreaterThan(4);
    const seen = new Map<string, number>();
    let onBoundary = 0;
    for (const r of requests) {
      let n = 0;
      for await (const page of s.pages(r.path)) {
        for (const u of page.value) {
          const id = (u as { id: string }).id;
          n += 1;
          if (boundaryKey?.(u) !== undefined) onBoundary += 1;
          seen.set(id, (seen.get(id) ?? 0) + 1);
        }
      }
      partitionSizes.push(n);
    }
    // Every user is in some partition, and only a user dated exactly on a shared boundary in two.
    expect(new Set(seen.keys())).toEqual(all);
    const twice = [...seen.values()].filter((c) => c > 1).length;
    expect(twice * 2).toBeLessThanOrEqual(onBoundary);
    expect([...seen.values()].every((c) => c <= 2)).toBe(true);
    // The partitions split the stream: none holds most of the users.
    expect(Math.max(...partitionSizes)).toBeLessThan(tenant.userCount / 2);
  });

  it('a full sync joins one sign-in row to each user, with the largest pages, each report once, only GETs', async () => {
    const before = graphGets().length;
    const downloadsBefore = tenant.requestLog().filter((e) => e.listener === 'download').length;
    full = await runSync({ session: session(), db, profileName: 'speed' });
    expect(full.datasets.every((d) => d.status === 'ok')).toBe(true);
    expect(full.userCount).toBe(tenant.userCount);
    expect(full.datasets.find((d) => d.dataset === 'signInActivity')?.items).toBe(tenant.userCount);

    // The join in SQLite: exactly one sign-in row per user, none for a user not in the snapshot.
    const joined = db
      .prepare(
        `SELECT (SELECT count(*) FROM users u WHERE u.snapshot_id = @id AND NOT EXISTS (SELECT 1 FROM sign_in_activity a WHERE a.snapshot_id = @id AND a.user_id = u.id)) AS missing,
                (SELECT count(*) FROM sign_in_activity a WHERE a.snapshot_id = @id AND NOT EXISTS (SELECT 1 FROM users u WHERE u.snapshot_id = @id AND u.id = a.user_id)) AS stray,
                (SELECT count(*) FROM sign_in_activity a WHERE a.snapshot_id = @id) AS rows`,
      )
      .get({ id: full.snapshotId });
    expect(joined).toEqual({ missing: 0, stray: 0, rows: tenant.userCount });

    const log = graphGets().slice(before);
    expect(log.every((e) => e.method === 'GET' && (e.status === 200 || e.status === 302))).toBe(true);
    const users = log.filter((e) => e.path.startsWith('/v1.0/users?') && !/signinactivity/i.test(decodeURIComponent(e.path)));
    const signIns = log.filter((e) => e.path.startsWith('/v1.0/users?') && /signinactivity/i.test(decodeURIComponent(e.path)));
    // Users: 999 per page, so ceil(N / 999) requests.
    expect(users.length).toBe(Math.ceil(tenant.userCount / 999));
    for (const e of users) expect(query(e.path).get('$top')).toBe('999');
    // Sign-ins: 500 per page in every partition, so each partition takes ceil(size / 500) requests (at least one).
    for (const e of signIns) expect(query(e.path).get('$top')).toBe(String(SIGN_IN_PAGE_SIZE));
    expect(signIns.length).toBe(partitionSizes.reduce((sum, n) => sum + Math.max(1, Math.ceil(n / SIGN_IN_PAGE_SIZE)), 0));
    // Each usage report once per sync: one authenticated request and one download each.
    const reports = log.filter((e) => /^\/v1\.0\/reports\/get/i.test(e.path));
    const names = reports.map((e) => /^\/v1\.0\/reports\/(\w+)/.exec(e.path)?.[1]);
    expect(new Set(names).size).toBe(names.length);
    expect(reports.length).toBe(4);
    expect(tenant.requestLog().filter((e) => e.listener === 'download').length - downloadsBefore).toBe(4);
  });

  it('a usage report that keeps failing fails alone: recorded as failed, the snapshot commits with users intact', async () => {
    tenant.setFaults({ failPath: { pattern: /getMailboxUsageDetail/i, status: 400 } });
    let r: SyncResult;
    try {
      r = await runSync({ session: session(), db, profileName: 'speed' });
    } finally {
      tenant.setFaults({});
    }
    const mailbox = r.datasets.find((d) => d.dataset === 'report.mailboxUsageDetail');
    expect(mailbox?.status).toBe('failed');
    expect(mailbox?.reason).toBeTruthy();
    expect(r.datasets.filter((d) => d.status !== 'ok').map((d) => d.dataset)).toEqual(['report.mailboxUsageDetail']);
    expect(currentSnapshot(db, 'speed')?.id).toBe(r.snapshotId);
    const counts = snapshotCounts(db, r.snapshotId);
    expect(counts.users).toBe(tenant.userCount);
    expect(counts.report_mailbox_usage_detail).toBe(0);
    expect(datasetRuns(db, r.snapshotId).find((x) => x.dataset === 'report.mailboxUsageDetail')?.status).toBe('failed');
  });

  it('with strict the same failure fails the sync, and the previous snapshot stays current', async () => {
    const current = currentSnapshot(db, 'speed')?.id;
    const n = listSnapshots(db).length;
    tenant.setFaults({ failPath: { pattern: /getMailboxUsageDetail/i, status: 400 } });
    try {
      const e = await failure(runSync({ session: session(), db, profileName: 'speed', strict: true }));
      expect(e.status).toBe(400);
    } finally {
      tenant.setFaults({});
    }
    expect(currentSnapshot(db, 'speed')?.id).toBe(current);
    expect(listSnapshots(db)).toHaveLength(n);
  });
});
