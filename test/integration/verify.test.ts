/**
 * verify against the demo tenant over real HTTPS, through the real MSAL app-token flow
 * and the Microsoft Graph JS client: least privilege, a missing permission, an excess
 * write permission, no consent, and the excess warning on a sync summary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWithProfile } from '../../src-main/core/consent/verify-service';
import { startDemoTenant, type DemoAppName, type DemoTenant } from '../../src-main/core/demo-tenant/index';
import { DATASET_IDS } from '../../src-main/core/permissions/matrix';
import { demoCredential, demoProfile } from '../../src-main/core/demo/session';
import { syncProfile } from '../../src-main/core/services/sync-service';
import { createLogger } from '../../src-main/core/log/logger';
import { openDatabase, type Db } from '../../src-main/core/store/db';
import { closeDatabase } from '../../src-main/core/store/snapshot-sink';
import { cli } from '../helpers/cli';

let tenant: DemoTenant;
let noP1: DemoTenant;
let db: Db;
const dir = mkdtempSync(join(tmpdir(), 'verify-it-'));

function verify(t: DemoTenant, app: DemoAppName) {
  return verifyWithProfile({ profile: demoProfile(t, app, 'secret'), credential: demoCredential(t, app, 'secret'), extraCaPem: [t.caPem], env: {} });
}

beforeAll(async () => {
  [tenant, noP1] = await Promise.all([startDemoTenant({ users: 60, seed: 'verify-it' }), startDemoTenant({ users: 20, seed: 'verify-it-nop1', p1: false })]);
  db = openDatabase(join(dir, 'store.db'));
});

afterAll(async () => {
  if (db) await closeDatabase(db);
  await Promise.all([tenant?.close(), noP1?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('verify against the demo tenant', () => {
  it('reader: every feature enabled by its probe, no excess', async () => {
    tenant.clearRequestLog();
    const r = await verify(tenant, 'reader');
    expect(r.signIn).toEqual({ ok: true });
    expect(r.tenantId).toBe(tenant.tenantId);
    expect(r.rows.map((x) => [x.dataset, x.status])).toEqual(DATASET_IDS.map((d) => [d, 'enabled']));
    for (const row of r.rows) expect(row.probe).toEqual({ ok: true, httpStatus: row.dataset.startsWith('report.') ? 302 : 200 });
    expect(r.excess).toEqual([]);
    expect(r.allEnabled).toBe(true);
    expect(r.credential.status).toBe('unknown'); // a secret whose expiry the profile does not record
    // One probe per dataset; reports stop at the 302 (nothing fetched from the download host).
    const graph = tenant.requestLog().filter((e) => e.listener === 'graph');
    expect(graph).toHaveLength(DATASET_IDS.length);
    expect(tenant.requestLog().filter((e) => e.listener === 'download')).toEqual([]);
  });

  it('no-auditlog: sign-in activity missing, naming AuditLog.Read.All', async () => {
    const r = await verify(tenant, 'no-auditlog');
    const missing = r.rows.filter((x) => x.status === 'missing');
    expect(missing.map((x) => x.dataset)).toEqual(['signInActivity']);
    expect(missing[0]?.missing).toEqual({ permission: 'AuditLog.Read.All' });
    expect(missing[0]?.probe).toMatchObject({ ok: false, httpStatus: 403 });
    expect(r.excess).toEqual([]);
    expect(r.allEnabled).toBe(false);
  });

  it('over-granted: everything enabled, Directory.ReadWrite.All flagged as write', async () => {
    const r = await verify(tenant, 'over-granted');
    expect(r.allEnabled).toBe(true);
    expect(r.excess.map((e) => [e.permission, e.risk])).toEqual([['Directory.ReadWrite.All', 'write']]);
    expect(r.excess[0]?.advice).toMatch(/Privileged Role Administrator or Global Administrator/);
  });

  it('minimal: every dataset but users names its least-privileged permission', async () => {
    const r = await verify(tenant, 'minimal');
    const missing = Object.fromEntries(r.rows.filter((x) => x.status === 'missing').map((x) => [x.dataset, x.missing?.permission]));
    expect(missing).toEqual({
      subscribedSkus: 'LicenseAssignment.Read.All',
      signInActivity: 'AuditLog.Read.All',
      groups: 'GroupMember.Read.All',
      subscriptions: 'Organization.Read.All',
      reportSettings: 'ReportSettings.Read.All',
      'report.activeUserDetail': 'Reports.Read.All',
      'report.m365AppUserDetail': 'Reports.Read.All',
      'report.activationsUserDetail': 'Reports.Read.All',
      'report.mailboxUsageDetail': 'Reports.Read.All',
    });
  });

  it('no-consent: the real AADSTS65001 with who can grant consent', async () => {
    const r = await verify(tenant, 'no-consent');
    expect(r.signIn.ok).toBe(false);
    if (r.signIn.ok) return;
    expect(r.signIn.error).toMatchObject({ code: 'consent-missing', aadsts: 65001 });
    expect(r.signIn.error.who).toMatch(/Privileged Role Administrator or Global Administrator/);
    expect(r.rows.every((x) => x.status === 'missing' && x.probe.ok === false)).toBe(true);
  });

  it('tenant without Entra ID P1: sign-in activity needs the licence, not a permission', async () => {
    const r = await verify(noP1, 'reader');
    const row = r.rows.find((x) => x.dataset === 'signInActivity');
    expect(row).toMatchObject({ status: 'missing', missing: { licence: 'Microsoft Entra ID P1' }, probe: { ok: false, httpStatus: 403 } });
  });

  it('a sync with the over-granted app carries the excess warning; the reader sync does not', async () => {
    const logger = createLogger({ file: join(dir, 'log.txt'), level: 'info' });
    const over = await syncProfile({ profile: demoProfile(tenant, 'over-granted', 'secret'), credential: demoCredential(tenant, 'over-granted', 'secret'), extraCaPem: [tenant.caPem], db, logger, env: {} });
    expect(over.warnings.some((w) => /Excess privilege: .*Directory\.ReadWrite\.All \(write\)/.test(w))).toBe(true);
    expect(over.datasets.every((d) => d.status === 'ok')).toBe(true);
    const reader = await syncProfile({ profile: demoProfile(tenant, 'reader', 'secret'), credential: demoCredential(tenant, 'reader', 'secret'), extraCaPem: [tenant.caPem], db, logger, env: {} });
    expect(reader.warnings.some((w) => /Excess privilege/.test(w))).toBe(false);
  });
});

describe('verify CLI against the in-process demo tenant', () => {
  const env = () => ({ M365LR_DATA_DIR: join(dir, 'cli') });

  it('reader: table, no excess, credential line, exit 0', async () => {
    const r = await cli(['verify', '--profile', 'demo', '--app', 'reader', '--users', '30'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Feature\s+Status\s+Missing \/ what to add\s+Probe/);
    expect(r.stdout).toMatch(/Sign-in activity\s+enabled\s+ok \(HTTP 200\)/);
    expect(r.stdout).toMatch(/Mailbox usage report\s+enabled\s+ok \(HTTP 302\)/);
    expect(r.stdout).toMatch(/Excess privilege:\n {2}none/);
    expect(r.stdout).toMatch(/\nCredential: ok: The certificate .*valid until \d{4}-\d{2}-\d{2}/);
  });

  it('no-auditlog: exit 4 and the permission to add', async () => {
    const r = await cli(['verify', '--profile', 'demo', '--app', 'no-auditlog', '--users', '30'], env());
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/Sign-in activity\s+missing\s+add application permission AuditLog\.Read\.All \+ admin consent\s+failed \(HTTP 403\)/);
    expect(r.stderr).toMatch(/1 of 10 features are not enabled: Sign-in activity/);
  });

  it('over-granted: exit 0 with the warning printed', async () => {
    const r = await cli(['verify', '--profile', 'demo', '--app', 'over-granted', '--users', '30'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/WARNING Directory\.ReadWrite\.All \(write\)/);
  });

  it('no-consent: exit 4 with the AADSTS65001 guidance', async () => {
    const r = await cli(['verify', '--profile', 'demo', '--app', 'no-consent', '--users', '30'], env());
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/AADSTS65001/);
    expect(r.stderr).toMatch(/who can do it: a Privileged Role Administrator or Global Administrator/);
  });

  it('delegated, Global Reader: per-user reports need Reports Reader (Global Reader sees tenant-level data only)', async () => {
    const r = await cli(['verify', '--profile', 'demo', '--credential', 'delegated', '--demo-user', 'global-reader', '--users', '30'], env());
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/delegated sign-in/);
    expect(r.stdout).toMatch(/Token grants \(scp\): .*AuditLog\.Read\.All/);
    expect(r.stdout).toMatch(/Sign-in activity\s+enabled/);
    expect(r.stdout).toMatch(/Mailbox usage report\s+missing\s+assign the signed-in user the Reports Reader role\s+failed \(HTTP 403\)/);
    expect(r.stdout).toMatch(/Credential: not-applicable/);
  });

  it('delegated, Reports Reader: everything enabled, exit 0', async () => {
    const r = await cli(['verify', '--profile', 'demo', '--credential', 'delegated', '--demo-user', 'reports-reader', '--users', '30'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/missing/);
  });

  it('sync summary prints the excess warning', async () => {
    const r = await cli(['sync', '--profile', 'demo', '--app', 'over-granted', '--users', '30'], env());
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/warning: Excess privilege: the token also carries Directory\.ReadWrite\.All \(write\)/);
  });
});
