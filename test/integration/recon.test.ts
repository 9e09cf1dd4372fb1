/**
 * Golden tests of the reconciliation engine: the demo tenant plants every case and records
 * its ground truth (demo-tenant/data/planted.ts); the engine, run on a snapshot synced over
 * real HTTPS through MSAL and the Graph client, must find exactly the planted items.
 *
 * Microsoft's documentation followed:
 * - learn.microsoft.com/graph/api/resources/signinactivity (attempt dates include failures;
 *   lastSuccessfulSignInDateTime is the last success);
 * - learn.microsoft.com/graph/api/resources/licenseassignmentstate (error "None" or null on success);
 * - learn.microsoft.com/graph/api/resources/serviceplaninfo (appliesTo User or Company);
 * - learn.microsoft.com/graph/api/resources/adminreportsettings (displayConcealedNames).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppTokenProvider } from '../../src-main/core/auth/app-token';
import { startDemoTenant, type DemoAppName, type DemoTenant } from '../../src-main/core/demo-tenant/index';
import { createDemoData, plantedCases, REPORT_DATE, type DemoData, type PlantedCases, type PlantedKind } from '../../src-main/core/demo-tenant/data/index';
import { createGraphSession } from '../../src-main/core/graph/create-session';
import type { GraphSession } from '../../src-main/core/graph/session';
import { createNetwork } from '../../src-main/core/net/network';
import { demoTenantProfile } from '../../src-main/core/demo/session';
import { openDatabase, type Db } from '../../src-main/core/store/db';
import { closeDatabase } from '../../src-main/core/store/snapshot-sink';
import { runSync } from '../../src-main/core/sync/engine';
import { DATASET_IDS } from '../../src-main/core/permissions/matrix';
import { computeFindings, computeFindingsSpooled } from '../../src-main/core/recon/engine';
import { reconcile } from '../../src-main/core/recon/cost';
import { builtinCatalog } from '../../src-main/core/catalog/builtin';
import { defaultSettings } from '../../src-main/core/recon/settings';
import type { Finding, FindingKind, FindingsReport } from '../../src-main/shared/recon';

const USERS = 1500;
/** A tenant that sends error: null on success and Yes/No in its reports (the concealed one sends "None" and True/False). */
const GOLDEN_SEED = 'recon-golden-2';
const CONCEALED_SEED = 'recon-it-concealed';
const dir = mkdtempSync(join(tmpdir(), 'recon-it-'));
let db: Db;
let tenant: DemoTenant;
let concealed: DemoTenant;
let noP1: DemoTenant;
const sessions: GraphSession[] = [];

function sessionFor(t: DemoTenant, app: DemoAppName): GraphSession {
  const profile = demoTenantProfile(t, t.apps[app].clientId, { kind: 'secret', secretEnv: 'IT_CLIENT_SECRET' }, 'it');
  const network = createNetwork({ extraCaPem: [t.caPem], env: {} });
  const tokenProvider = createAppTokenProvider({ profile, credential: { kind: 'secret', secret: t.apps[app].secret }, network });
  const session = createGraphSession({ profile, tokenProvider, network });
  sessions.push(session);
  return session;
}

function dataOf(t: DemoTenant, seed: string, p1 = true): DemoData {
  return createDemoData({ seed, users: t.userCount, tenantId: t.tenantId, domain: t.domain, p1 });
}

const asOf = new Date(REPORT_DATE);
const byKind = (r: FindingsReport, kind: FindingKind): Finding => {
  const f = r.findings.find((x) => x.kind === kind);
  if (!f) throw new Error(`no ${kind} finding`);
  return f;
};
const keys = (f: Finding): string[] => f.items.map((i) => `${i.userId} ${i.partNumber}`).sort();

let report: FindingsReport;
let truth: PlantedCases;
let data: DemoData;

beforeAll(async () => {
  [tenant, concealed, noP1] = await Promise.all([
    startDemoTenant({ users: USERS, seed: GOLDEN_SEED }),
    startDemoTenant({ users: 300, seed: CONCEALED_SEED, concealNames: true }),
    startDemoTenant({ users: 300, seed: 'recon-it-nop1', p1: false }),
  ]);
  db = openDatabase(join(dir, 'store.db'));
  const sync = await runSync({ session: sessionFor(tenant, 'reader'), db, profileName: 'golden' });
  expect(sync.datasets.every((d) => d.status === 'ok')).toBe(true);
  report = computeFindings(db, sync.snapshotId, { settings: defaultSettings(), asOf });
  data = dataOf(tenant, GOLDEN_SEED);
  truth = plantedCases(data);
}, 120_000);

afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  if (db) await closeDatabase(db);
  await Promise.all([tenant?.close(), concealed?.close(), noP1?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('golden: the engine finds exactly the planted cases', () => {
  const kinds: PlantedKind[] = ['disabled-accounts', 'inactive-users', 'never-signed-in', 'no-use', 'mailbox-only', 'overlap', 'duplicate-assignment', 'guests', 'assignment-errors', 'disabled-plans'];
  it.each(kinds)('%s', (kind) => {
    const f = byKind(report, kind);
    const expected = [...truth.items[kind]].sort();
    expect(expected.length, `the demo tenant plants ${kind}`).toBeGreaterThan(0);
    expect(keys(f)).toEqual(expected);
    expect(f.count).toBe(expected.length);
    expect(f.confidence).toBe('full');
  });

  it('judges inactivity by the last SUCCESSFUL sign-in: password-spray victims are inactive', () => {
    expect(truth.failedAttempts.size).toBeGreaterThan(0);
    const inactive = new Set(byKind(report, 'inactive-users').items.map((i) => i.userId));
    const victims = [...truth.failedAttempts].filter((id) => [...truth.items['inactive-users']].some((k) => k.startsWith(`${id} `)));
    expect(victims.length).toBeGreaterThan(0);
    for (const id of victims) expect(inactive.has(id)).toBe(true);
    // Their latest attempt is recent: the newest of all three dates would call them active.
    const item = byKind(report, 'inactive-users').items.find((i) => i.userId === victims[0]);
    expect(Date.parse(String(item?.facts['lastSignInDateTime']))).toBeGreaterThan(REPORT_DATE - 10 * 86_400_000);
  });

  it('marks users without lastSuccessfulSignInDateTime as judged on attempts that may include failures', () => {
    const attempts = byKind(report, 'inactive-users').items.filter((i) => String(i.facts['basis']).includes('may include failed attempts'));
    for (const i of attempts) expect(truth.successMissing.has(i.userId ?? '')).toBe(true);
    if (attempts.length > 0) expect(byKind(report, 'inactive-users').notes.join(' ')).toMatch(/may include failed attempts/);
  });

  it('reads the 0001-01-01 sentinel as never', () => {
    const never = new Set(byKind(report, 'never-signed-in').items.map((i) => i.userId));
    const sentinelNever = [...truth.sentinel].filter((id) => never.has(id));
    expect(sentinelNever.length).toBeGreaterThan(0);
  });

  it('lists the groups whose members are in error, for every error kind', () => {
    const f = byKind(report, 'assignment-errors');
    const errors = new Set(f.items.map((i) => i.facts['error']));
    expect([...errors].sort()).toEqual([...truth.errorGroups.keys()].sort());
    expect(errors.size).toBe(6);
    for (const [error, groups] of truth.errorGroups) {
      for (const g of groups) expect(f.notes.join('\n')).toMatch(new RegExp(`Group "${g}": \\d+ members in ${error}`));
    }
  });

  it('reports the seat position with usable = enabled + warning, and over-assigned as "over by"', () => {
    const f = byKind(report, 'seat-position');
    const issue = (part: string, what: string) => f.items.find((i) => i.partNumber === part && i.facts['issue'] === what);
    expect(issue('VISIOCLIENT', 'over-assigned')?.facts['overBy']).toBeGreaterThan(0);
    expect(issue('AAD_PREMIUM', 'warning')).toBeDefined();
    expect(issue('AAD_PREMIUM', 'over-assigned')).toBeUndefined(); // 0 enabled + grace seats cover it
    expect(issue('Microsoft_Teams_Rooms_Pro', 'suspended')).toBeDefined();
    // Free SKUs with huge prepaid counts are excluded from unassigned seats by default.
    expect(issue('POWER_BI_STANDARD', 'unassigned')).toBeUndefined();
    expect(issue('ENTERPRISEPACK', 'unassigned')?.reclaimable).toBe(true);
  });

  it('has no concealed-names finding when the report shows real names', () => {
    expect(byKind(report, 'concealed-names').count).toBe(0);
  });
});

describe('the item spool (exports of any size)', () => {
  it('holds exactly the items the in-memory report has, in the same order, and the report keeps only the counts', () => {
    const { report: spooled, items } = computeFindingsSpooled(db, report.snapshotId, { settings: defaultSettings(), asOf });
    try {
      for (const f of report.findings) {
        const s = byKind(spooled, f.kind);
        expect([s.count, s.users, s.excluded, s.confidence]).toEqual([f.count, f.users, f.excluded, f.confidence]);
        expect(s.items).toEqual([]);
        expect([...items.items(f.kind)].map((x) => x.item)).toEqual(f.items);
        expect(items.count(f.kind)).toBe(f.count);
      }
      expect(items.count()).toBeGreaterThan(100);
    } finally {
      items.dispose();
    }
  });

  it("gives the same savings and right-sizing as the report's own items (each user once per SKU)", () => {
    const settings = defaultSettings();
    const catalog = builtinCatalog();
    const input = { profile: 'golden', snapshotId: report.snapshotId, settings, catalog };
    const { report: spooled, items } = computeFindingsSpooled(db, report.snapshotId, { settings, asOf, catalog });
    try {
      const fromSpool = reconcile(db, { ...input, findings: spooled, items });
      const fromReport = reconcile(db, { ...input, findings: report });
      expect(fromSpool.rightSizing).toEqual(fromReport.rightSizing);
      expect(fromSpool.savings).toEqual(fromReport.savings);
      expect(fromSpool.savings.reclaimableSeats).toBeGreaterThan(0);
      // A user in several reclaimable findings of one SKU is one seat: fewer seats than items.
      const reclaimableItems = report.findings.filter((f) => f.kind !== 'seat-position').flatMap((f) => f.items.filter((i) => i.reclaimable));
      const unassigned = fromSpool.rightSizing.reduce((n, r) => n + r.unassignedBeyondBuffer, 0);
      expect(fromSpool.savings.reclaimableSeats - unassigned).toBe(new Set(reclaimableItems.map((i) => `${i.userId} ${i.skuId?.toLowerCase()}`)).size);
      expect(new Set(reclaimableItems.map((i) => `${i.userId} ${i.skuId}`)).size).toBeLessThan(reclaimableItems.length);
    } finally {
      items.dispose();
    }
  });
});

describe('exclusions are honoured in every count', () => {
  it('service accounts and shared mailboxes appear only when their exclusions are removed', () => {
    expect(truth.excludedAccounts.size).toBeGreaterThan(0);
    const ids = (r: FindingsReport, k: FindingKind) => new Set(byKind(r, k).items.map((i) => i.userId));
    for (const id of truth.excludedAccounts) {
      expect(ids(report, 'never-signed-in').has(id)).toBe(false);
      expect(ids(report, 'disabled-accounts').has(id)).toBe(false);
    }
    expect(byKind(report, 'never-signed-in').excluded + byKind(report, 'disabled-accounts').excluded).toBeGreaterThan(0);
    const open = computeFindings(db, report.snapshotId, { settings: { ...defaultSettings(), excludedUpnPatterns: [], excludeSharedMailboxes: false }, asOf });
    const surfaced = [...truth.excludedAccounts].filter((id) => ids(open, 'never-signed-in').has(id) || ids(open, 'disabled-accounts').has(id));
    // Shared mailboxes are disabled; service accounts never sign in (after their grace period as new accounts).
    const records = Array.from({ length: data.userCount }, (_, i) => data.userRecord(i));
    const expected = records.filter((r) => truth.excludedAccounts.has(r.user.id) && (!r.user.accountEnabled || !r.truth.recentlyCreated)).map((r) => r.user.id);
    expect(expected.length).toBeGreaterThan(0);
    expect(surfaced.sort()).toEqual(expected.sort());
    expect(byKind(open, 'disabled-accounts').count).toBeGreaterThan(byKind(report, 'disabled-accounts').count);
  });

  it("shared mailboxes named like people are left out by the mailbox report's Recipient Type, and the UPN patterns still work", () => {
    // The admin center's Mailbox usage report: Recipient type is "Either Shared or User"
    // (learn.microsoft.com/microsoft-365/admin/activity-reports/mailbox-usage).
    const ids = (r: FindingsReport, k: FindingKind) => new Set(byKind(r, k).items.map((i) => i.userId));
    const records = Array.from({ length: data.userCount }, (_, i) => data.userRecord(i));
    const enabledOld = records.filter((r) => truth.sharedByRecipientType.has(r.user.id) && r.user.accountEnabled && !r.truth.recentlyCreated).map((r) => r.user.id).sort();
    expect(enabledOld.length, 'the demo tenant plants enabled shared mailboxes with plain names').toBeGreaterThan(0);
    const kinds = ['inactive-users', 'never-signed-in', 'no-use', 'disabled-accounts', 'mailbox-only'] as const;
    for (const id of truth.sharedByRecipientType) for (const k of kinds) expect(ids(report, k).has(id), `${id} in ${k}`).toBe(false);

    // Without the recipient type, nothing else knows them: they read as people who never signed in.
    const untyped = computeFindings(db, report.snapshotId, { settings: { ...defaultSettings(), excludeSharedMailboxes: false }, asOf });
    expect([...ids(untyped, 'never-signed-in')].filter((id): id is string => id !== null && truth.sharedByRecipientType.has(id)).sort()).toEqual(enabledOld);
    // Each holds one paid SKU (Exchange Online Plan 1): counted as excluded by default, not otherwise.
    expect(byKind(report, 'never-signed-in').excluded - byKind(untyped, 'never-signed-in').excluded).toBe(enabledOld.length);
    expect(byKind(report, 'never-signed-in').count).toBe(byKind(untyped, 'never-signed-in').count - enabledOld.length);

    // The UPN patterns alone still leave out the shared.* mailboxes and the service accounts.
    const byUpn = [...truth.excludedAccounts].filter((id) => !truth.sharedByRecipientType.has(id));
    expect(byUpn.length).toBeGreaterThan(0);
    for (const id of byUpn) for (const k of kinds) expect(ids(untyped, k).has(id), `${id} in ${k}`).toBe(false);
  });

  it('a seat buffer per SKU and excluded SKUs change the counts', () => {
    const unassigned = (r: FindingsReport, part: string) => byKind(r, 'seat-position').items.find((i) => i.partNumber === part && i.facts['issue'] === 'unassigned');
    const before = unassigned(report, 'ENTERPRISEPACK');
    const spare = Number(before?.facts['available']);
    const buffered = computeFindings(db, report.snapshotId, { settings: { ...defaultSettings(), seatBuffers: { enterprisepack: spare - 1 } }, asOf });
    expect(unassigned(buffered, 'ENTERPRISEPACK')?.facts['beyondBuffer']).toBe(1);
    const full = computeFindings(db, report.snapshotId, { settings: { ...defaultSettings(), seatBuffers: { ENTERPRISEPACK: spare } }, asOf });
    expect(unassigned(full, 'ENTERPRISEPACK')).toBeUndefined();
    const noVisio = computeFindings(db, report.snapshotId, { settings: { ...defaultSettings(), excludedSkus: [...defaultSettings().excludedSkus, 'VISIOCLIENT'] }, asOf });
    for (const k of ['inactive-users', 'disabled-accounts', 'never-signed-in'] as const) {
      expect(byKind(noVisio, k).items.some((i) => i.partNumber === 'VISIOCLIENT')).toBe(false);
    }
    expect(byKind(report, 'inactive-users').items.some((i) => i.partNumber === 'VISIOCLIENT')).toBe(true);
  });

  it('accounts excluded by licensing group leave every user finding', () => {
    const group = data.groups.find((g) => g.displayName === 'SG-LIC-Frontline-F3');
    const r = computeFindings(db, report.snapshotId, { settings: { ...defaultSettings(), excludedGroups: ['SG-LIC-Frontline-F3'] }, asOf });
    const members = new Set(
      Array.from({ length: data.userCount }, (_, i) => data.user(i)).filter((u) => u.licenseAssignmentStates.some((s) => s.assignedByGroup === group?.id)).map((u) => u.id),
    );
    expect(members.size).toBeGreaterThan(0);
    for (const k of ['inactive-users', 'disabled-accounts', 'never-signed-in', 'overlap', 'assignment-errors'] as const) {
      for (const i of byKind(r, k).items) expect(members.has(i.userId ?? '')).toBe(false);
    }
  });
});

describe('concealed report names', () => {
  it('are detected from reportSettings and never joined; usage findings are reduced-confidence', async () => {
    const sync = await runSync({ session: sessionFor(concealed, 'reader'), db, profileName: 'concealed' });
    const r = computeFindings(db, sync.snapshotId, { settings: defaultSettings(), asOf });
    const f = byKind(r, 'concealed-names');
    expect(f.count).toBe(1);
    expect(f.items[0]?.facts).toMatchObject({ reportSettings: true, detectedInReport: true });
    expect(f.notes.join(' ')).toMatch(/Org settings/);
    for (const k of ['no-use', 'mailbox-only'] as const) {
      expect(byKind(r, k).count).toBe(0);
      expect(byKind(r, k).confidence).toBe('reduced');
    }
    // This tenant writes "None" on success (the golden one null): both are success.
    const d = dataOf(concealed, CONCEALED_SEED);
    expect([d.successError, data.successError].sort()).toEqual(['None', 'null']);
    expect(d.yesNoReports).not.toBe(data.yesNoReports);
    const t = plantedCases(d);
    for (const k of ['assignment-errors', 'disabled-accounts', 'inactive-users', 'never-signed-in', 'duplicate-assignment', 'overlap'] as const) {
      expect(keys(byKind(r, k)), k).toEqual([...t.items[k]].sort());
    }
  }, 60_000);

  it('are detected from the report itself without the report settings', async () => {
    const datasets = DATASET_IDS.filter((d) => d !== 'reportSettings');
    const sync = await runSync({ session: sessionFor(concealed, 'reader'), db, profileName: 'concealed-nosettings', datasets });
    const r = computeFindings(db, sync.snapshotId, { settings: defaultSettings(), asOf });
    const f = byKind(r, 'concealed-names');
    expect(f.count).toBe(1);
    expect(f.items[0]?.facts).toMatchObject({ reportSettings: null, detectedInReport: true });
    expect(f.notes.join(' ')).toMatch(/could not be read/);
    expect(byKind(r, 'no-use').confidence).toBe('reduced');
  }, 60_000);
});

describe('without sign-in data (no Entra ID P1)', () => {
  it('judges inactivity from the usage reports and says so', async () => {
    const sync = await runSync({ session: sessionFor(noP1, 'reader'), db, profileName: 'nop1' });
    expect(sync.datasets.find((d) => d.dataset === 'signInActivity')?.status).toBe('skipped');
    const r = computeFindings(db, sync.snapshotId, { settings: defaultSettings(), asOf });
    const f = byKind(r, 'inactive-users');
    expect(f.confidence).toBe('reduced');
    expect(f.notes.join(' ')).toMatch(/Sign-in data unavailable/);
    expect(f.notes.join(' ')).toMatch(/usage reports/);
    expect(f.count).toBeGreaterThan(0);
    for (const i of f.items) expect(i.facts['basis']).toBe('newest activity date in the usage reports');
    expect(byKind(r, 'never-signed-in').count).toBe(0);
  }, 60_000);
});
