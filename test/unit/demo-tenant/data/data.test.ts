/**
 * Synthetic data of the demo tenant: determinism, scale, consumedUnits and the
 * reconciliation cases the product must find. Dates are relative to REPORT_DATE
 * (2026-11-01T00:00:00Z).
 */
import { describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../../../src-main/core/catalog/builtin';
import { SERVICE_PLANS, skuByPartNumber } from '../../../../src-main/core/catalog/skus';
import { createDemoData, DEMO_SKUS, isoSeconds, REPORT_DATE, ymd, type DemoUser } from '../../../../src-main/core/demo-tenant/data';
import { createGraphApi } from '../../../../src-main/core/demo-tenant/graph';

const TENANT = '3f2c9a1e-7b4d-4c8e-9a61-0d5e2b7f4c10';
const DOMAIN = 'contoso-demo.onmicrosoft.com';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const sku = (part: string): string => {
  const s = skuByPartNumber(part);
  if (!s) throw new Error(part);
  return s.skuId;
};

describe('subscribed SKUs', () => {
  const d = createDemoData({ seed: 'skus', users: 300, tenantId: TENANT, domain: DOMAIN });
  const by = (part: string) => {
    const s = d.skus.find((x) => x.skuPartNumber === part);
    if (!s) throw new Error(`not subscribed: ${part}`);
    return s;
  };

  it('include the products the reconciler reasons about, Microsoft 365 E5 and Office 365 E1 among them', () => {
    expect(d.skus.map((s) => s.skuPartNumber).sort()).toEqual([
      'AAD_PREMIUM', 'ENTERPRISEPACK', 'ENTERPRISEPREMIUM', 'EXCHANGESTANDARD', 'FLOW_FREE', 'Microsoft_Teams_Rooms_Pro',
      'POWER_BI_PRO', 'POWER_BI_STANDARD', 'PROJECTPROFESSIONAL', 'SPE_E3', 'SPE_E5', 'SPE_F1', 'STANDARDPACK',
      'TEAMS_EXPLORATORY', 'VISIOCLIENT',
    ]);
    expect(by('SPE_E5').skuId).toBe('06ebc4ee-1bb5-47dd-8120-11324bc54e06');
    expect(by('STANDARDPACK').skuId).toBe('18181a46-0d4e-45cd-891e-60aabd171b4e');
    for (const s of d.skus) {
      expect(s.skuId).toMatch(GUID);
      expect(s.consumedUnits, s.skuPartNumber).toBeGreaterThanOrEqual(0);
    }
  });

  it('carry the full service-plan list of the catalogue, in its order', () => {
    for (const s of d.skus) {
      const ref = builtinCatalog().skuById(s.skuId);
      expect(ref, s.skuPartNumber).toBeDefined();
      expect(s.servicePlans.map((p) => [p.servicePlanId, p.servicePlanName]), s.skuPartNumber).toEqual(
        ref?.servicePlans.map((p) => [p.servicePlanId, p.servicePlanName]),
      );
    }
    expect(by('SPE_E5').servicePlans.length).toBeGreaterThan(80);
    expect(by('ENTERPRISEPACK').servicePlans.length).toBeGreaterThan(30);
  });

  // learn.microsoft.com/graph/api/resources/serviceplaninfo: appliesTo is "User" (assignable to
  // individual users) or "Company" (the entire tenant); provisioningStatus PendingActivation is
  // "provisioned but requires explicit activation by an administrator (for example, Intune_O365
  // service plan)". learn.microsoft.com/graph/api/resources/subscribedsku: servicePlans is a
  // collection of servicePlanInfo.
  it('report plans that apply to the company as well as to users, and Intune for Office 365 pending activation', () => {
    const all = d.skus.flatMap((s) => s.servicePlans.map((p) => ({ sku: s, p })));
    expect(new Set(all.map((x) => x.p.appliesTo))).toEqual(new Set(['User', 'Company']));
    const foundation = all.filter((x) => x.p.servicePlanId === SERVICE_PLANS.EXCHANGE_S_FOUNDATION.servicePlanId);
    expect(foundation.length).toBeGreaterThanOrEqual(5);
    for (const x of foundation) expect(x.p.appliesTo).toBe('Company');
    for (const x of all.filter((y) => y.p.servicePlanId === SERVICE_PLANS.EXCHANGE_S_ENTERPRISE.servicePlanId)) expect(x.p.appliesTo).toBe('User');
    const intune = all.filter((x) => x.p.servicePlanId === SERVICE_PLANS.INTUNE_O365.servicePlanId && x.sku.capabilityStatus !== 'Suspended');
    expect(intune.length).toBeGreaterThan(0);
    for (const x of intune) expect(x.p.provisioningStatus).toBe('PendingActivation');
    for (const s of d.skus.filter((x) => x.capabilityStatus === 'Suspended')) {
      for (const p of s.servicePlans) expect(p.provisioningStatus).toBe('Disabled');
    }
  });

  it('are the same objects the Graph user licences point at (DEMO_SKUS order)', () => {
    expect(DEMO_SKUS.map((s) => s.skuPartNumber)).toContain('SPE_E5');
    const subscribed = new Set(d.skus.map((s) => s.skuId));
    for (const s of DEMO_SKUS) expect(subscribed.has(s.skuId)).toBe(true);
  });
});

describe('UTC formatting', () => {
  it.each([
    0, 951_782_400_000 /* 2000-02-29 */, 1_709_164_799_999, 4_107_542_400_000 /* 2100-03-01 */, REPORT_DATE, REPORT_DATE - 1,
    -86_400_000, 253_402_300_799_000 /* 9999-12-31T23:59:59Z */, 1_234_567_890_123,
  ])('matches Date#toISOString for %i', (ms) => {
    const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString();
    expect(isoSeconds(ms)).toBe(iso.replace('.000Z', 'Z'));
    expect(ymd(ms)).toBe(iso.slice(0, 10));
  });
});

describe('synthetic users', () => {
  it('are deterministic per seed and differ across seeds', () => {
    const a = createDemoData({ seed: 'alpha', users: 2000, tenantId: TENANT, domain: DOMAIN });
    const b = createDemoData({ seed: 'alpha', users: 2000, tenantId: TENANT, domain: DOMAIN });
    const c = createDemoData({ seed: 'beta', users: 2000, tenantId: TENANT, domain: DOMAIN });
    for (const i of [0, 1, 17, 999, 1999]) expect(b.user(i)).toEqual(a.user(i));
    expect(b.skus).toEqual(a.skus);
    expect(b.groups).toEqual(a.groups);
    let differing = 0;
    for (let i = 0; i < 50; i++) if (JSON.stringify(a.user(i)) !== JSON.stringify(c.user(i))) differing++;
    expect(differing).toBe(50);
    expect(c.user(5).id).not.toBe(a.user(5).id);
  });

  it('computes user i on its own: order of access does not matter', () => {
    const a = createDemoData({ seed: 'order', users: 100, tenantId: TENANT, domain: DOMAIN });
    const forward = Array.from({ length: 100 }, (_, i) => a.user(i));
    for (let i = 99; i >= 0; i--) expect(a.user(i)).toEqual(forward[i]);
  });

  it('have the Graph v1.0 shape, GUID ids, unique UPNs and #EXT# guests', () => {
    const d = createDemoData({ seed: 'shape', users: 500, tenantId: TENANT, domain: DOMAIN });
    const upns = new Set<string>();
    const ids = new Set<string>();
    for (let i = 0; i < d.userCount; i++) {
      const u = d.user(i);
      expect(u.id).toMatch(GUID);
      ids.add(u.id);
      upns.add(u.userPrincipalName.toLowerCase());
      expect(u.userPrincipalName.endsWith(`@${DOMAIN}`)).toBe(true);
      if (u.userType === 'Guest') expect(u.userPrincipalName).toContain('#EXT#@');
      else expect(u.userPrincipalName).not.toContain('#EXT#');
      expect(Object.keys(u.signInActivity).sort()).toEqual([
        'lastNonInteractiveSignInDateTime', 'lastNonInteractiveSignInRequestId', 'lastSignInDateTime',
        'lastSignInRequestId', 'lastSuccessfulSignInDateTime', 'lastSuccessfulSignInRequestId',
      ]);
      expect(Date.parse(u.createdDateTime)).toBeLessThanOrEqual(REPORT_DATE);
      for (const s of u.licenseAssignmentStates) {
        expect(['Active', 'ActiveWithError', 'Disabled', 'Error']).toContain(s.state);
        expect(s.assignedByGroup === null || GUID.test(s.assignedByGroup)).toBe(true);
      }
    }
    expect(ids.size).toBe(500);
    expect(upns.size).toBe(500);
  });

  it('consumedUnits equals the number of users holding each SKU in assignedLicenses (2000 users)', () => {
    const d = createDemoData({ seed: 'count', users: 2000, tenantId: TENANT, domain: DOMAIN });
    const counted = new Map<string, number>();
    for (let i = 0; i < d.userCount; i++) {
      for (const a of new Set(d.user(i).assignedLicenses.map((l) => l.skuId))) counted.set(a, (counted.get(a) ?? 0) + 1);
    }
    for (const s of d.skus) expect(s.consumedUnits, s.skuPartNumber).toBe(counted.get(s.skuId) ?? 0);
    expect(d.skus.some((s) => s.consumedUnits > 0)).toBe(true);
  });

  it.each([true, false])('keeps group, SKU and user data consistent (p1=%s)', (p1) => {
    const d = createDemoData({ seed: 'consistency', users: 1500, tenantId: TENANT, domain: DOMAIN, p1 });
    const subscribed = new Set(d.skus.map((s) => s.skuId));
    const groupSkus = new Map(d.groups.map((g) => [g.id, new Set(g.assignedLicenses.map((l) => l.skuId))]));
    for (const g of d.groups) for (const l of g.assignedLicenses) expect(subscribed.has(l.skuId)).toBe(true);
    const counted = new Map<string, number>();
    for (let i = 0; i < d.userCount; i++) {
      const u = d.user(i);
      for (const l of u.assignedLicenses) {
        expect(subscribed.has(l.skuId)).toBe(true);
        counted.set(l.skuId, (counted.get(l.skuId) ?? 0) + 1);
      }
      for (const st of u.licenseAssignmentStates) {
        if (st.assignedByGroup) expect(groupSkus.get(st.assignedByGroup)?.has(st.skuId)).toBe(true);
      }
    }
    for (const s of d.skus) expect(s.consumedUnits).toBe(counted.get(s.skuId) ?? 0);
    const hasP1Plan = d.skus.some((s) => s.servicePlans.some((pl) => pl.servicePlanName === 'AAD_PREMIUM'));
    expect(hasP1Plan).toBe(p1);
  });

  it('creates a 1,000,000-user tenant fast and without holding users in memory', () => {
    const before = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const api = createGraphApi({ seed: 'big', users: 1_000_000, p1: true, concealNames: false, tenantId: TENANT, domain: DOMAIN });
    const created = performance.now() - t0;
    const sample = [0, 500_000, 999_999].map((i) => api.data.user(i));
    const grown = process.memoryUsage().heapUsed - before;
    expect(api.userCount).toBe(1_000_000);
    expect(created).toBeLessThan(3000);
    expect(grown).toBeLessThan(150 * 1024 * 1024);
    expect(sample[2]?.userPrincipalName).toContain('999999@');
    const total = api.data.skus.reduce((n, s) => n + s.consumedUnits, 0);
    expect(total).toBeGreaterThan(1_000_000);
  });
});

describe('reconciliation cases at 500 users (seed "demo")', () => {
  const d = createDemoData({ seed: 'demo', users: 500, tenantId: TENANT, domain: DOMAIN });
  const users: DemoUser[] = Array.from({ length: d.userCount }, (_, i) => d.user(i));
  const has = (u: DemoUser, id: string) => u.assignedLicenses.some((a) => a.skuId === id);
  const count = (pred: (u: DemoUser) => boolean) => users.filter(pred).length;
  const NINETY_DAYS = 90 * 86_400_000;

  it.each<[string, (u: DemoUser) => boolean]>([
    ['disabled accounts holding licences', (u) => !u.accountEnabled && u.assignedLicenses.length > 0],
    ['users who never signed in', (u) => u.signInActivity.lastSignInDateTime === null],
    [
      'users inactive 90+ days',
      (u) => u.signInActivity.lastSignInDateTime !== null && REPORT_DATE - Date.parse(u.signInActivity.lastSignInDateTime) > NINETY_DAYS,
    ],
    ['Office 365 E3 + Microsoft 365 E3 overlap', (u) => has(u, sku('ENTERPRISEPACK')) && has(u, sku('SPE_E3'))],
    ['Office 365 E5 + Exchange Online (Plan 1) overlap', (u) => has(u, sku('ENTERPRISEPREMIUM')) && has(u, sku('EXCHANGESTANDARD'))],
    ['Office 365 E1 + Exchange Online (Plan 1) overlap', (u) => has(u, sku('STANDARDPACK')) && has(u, sku('EXCHANGESTANDARD'))],
    ['Microsoft 365 E5 holders', (u) => has(u, sku('SPE_E5'))],
    ['Office 365 E1 holders', (u) => has(u, sku('STANDARDPACK'))],
    ['licensed guests', (u) => u.userType === 'Guest' && u.assignedLicenses.length > 0],
    ['group-based assignments', (u) => u.licenseAssignmentStates.some((s) => s.assignedByGroup !== null && s.state === 'Active')],
    [
      'same SKU directly and by group',
      (u) =>
        u.licenseAssignmentStates.some(
          (s) => s.assignedByGroup === null && u.licenseAssignmentStates.some((g) => g.skuId === s.skuId && g.assignedByGroup !== null && g.state === 'Active'),
        ),
    ],
    ['disabledPlans on an assignment', (u) => u.assignedLicenses.some((a) => a.disabledPlans.length > 0)],
    ['CountViolation', (u) => u.licenseAssignmentStates.some((s) => s.state === 'Error' && s.error === 'CountViolation')],
    ['MutuallyExclusiveViolation', (u) => u.licenseAssignmentStates.some((s) => s.state === 'Error' && s.error === 'MutuallyExclusiveViolation')],
  ])('%s: at least a handful', (_label, pred) => {
    expect(count(pred)).toBeGreaterThanOrEqual(3);
  });

  it('keeps failed assignments out of assignedLicenses', () => {
    for (const u of users) {
      for (const s of u.licenseAssignmentStates.filter((x) => x.state === 'Error')) {
        const okElsewhere = u.licenseAssignmentStates.some((x) => x.skuId === s.skuId && x.state === 'Active');
        expect(has(u, s.skuId)).toBe(okElsewhere);
      }
    }
  });

  it('has an over-assigned, a suspended and a warning subscription, and huge free SKUs', () => {
    const by = (part: string) => d.skus.find((s) => s.skuPartNumber === part);
    expect(d.skus.some((s) => s.consumedUnits > s.prepaidUnits.enabled && s.prepaidUnits.enabled > 0)).toBe(true);
    expect(d.skus.some((s) => s.prepaidUnits.suspended > 0 && s.capabilityStatus === 'Suspended')).toBe(true);
    expect(d.skus.some((s) => s.prepaidUnits.warning > 0 && s.capabilityStatus === 'Warning')).toBe(true);
    expect(by('POWER_BI_STANDARD')?.prepaidUnits.enabled).toBe(1_000_000);
    expect(by('FLOW_FREE')?.prepaidUnits.enabled).toBe(10_000);
    for (const s of d.skus) {
      expect(s.id).toBe(`${TENANT}_${s.skuId}`);
      expect(s.accountId).toBe(TENANT);
    }
  });

  it('has several licensed groups and some unlicensed ones', () => {
    expect(d.groups.filter((g) => g.assignedLicenses.length > 0).length).toBeGreaterThanOrEqual(3);
    expect(d.groups.some((g) => g.assignedLicenses.length === 0)).toBe(true);
    const groupIds = new Set(d.groups.map((g) => g.id));
    for (const u of users) for (const s of u.licenseAssignmentStates) if (s.assignedByGroup) expect(groupIds.has(s.assignedByGroup)).toBe(true);
  });

  it('gives a few users directory roles, kept out of the Graph user object', () => {
    const roles = Array.from({ length: d.userCount }, (_, i) => d.userRecord(i).roles).flat();
    expect(roles.filter((r) => r === 'Global Administrator').length).toBeGreaterThanOrEqual(1);
    expect(roles.filter((r) => r === 'Global Reader').length).toBeGreaterThanOrEqual(1);
    expect(roles.filter((r) => r === 'Reports Reader').length).toBeGreaterThanOrEqual(1);
    expect(Object.keys(d.user(0))).not.toContain('roles');
  });
});
