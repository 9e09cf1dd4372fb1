import { describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../../src-main/core/catalog/builtin';
import { SERVICE_PLANS } from '../../../src-main/core/catalog/skus';
import { coveredBy, isSuite, overlapTable, type SkuPlans } from '../../../src-main/core/recon/plans';

// learn.microsoft.com/graph/api/resources/serviceplaninfo: appliesTo "Company" plans apply to
// the tenant as a whole and are not assignable to users.
const COMPANY = new Set<string>([SERVICE_PLANS.EXCHANGE_S_FOUNDATION.servicePlanId, SERVICE_PLANS.INTUNE_O365.servicePlanId]);

function sku(part: string, dropCompany = true): SkuPlans {
  const s = builtinCatalog().skuByPartNumber(part);
  if (!s) throw new Error(part);
  return { skuId: s.skuId, partNumber: part, userPlans: new Map(s.servicePlans.filter((p) => !dropCompany || !COMPANY.has(p.servicePlanId)).map((p) => [p.servicePlanId, p.servicePlanName])) };
}

describe('overlap from service plans', () => {
  it('finds Exchange Online (Plan 1) inside Office 365 E3 through the Exchange plan ladder', () => {
    expect(coveredBy(sku('EXCHANGESTANDARD'), sku('ENTERPRISEPACK'))).toBe(true);
    expect(coveredBy(sku('ENTERPRISEPACK'), sku('EXCHANGESTANDARD'))).toBe(false);
  });

  it('finds Office 365 E3 inside Microsoft 365 E3, and nothing the other way', () => {
    const t = overlapTable([sku('ENTERPRISEPACK'), sku('SPE_E3')]);
    expect([...(t.get(sku('ENTERPRISEPACK').skuId) ?? [])]).toEqual([sku('SPE_E3').skuId]);
    expect(t.has(sku('SPE_E3').skuId)).toBe(false);
  });

  it('leaves out plans that apply to the company: Project Plan 3 carries EXCHANGE_S_FOUNDATION', () => {
    const project = sku('PROJECTPROFESSIONAL');
    const withFoundation = sku('PROJECTPROFESSIONAL', false);
    expect(withFoundation.userPlans.has(SERVICE_PLANS.EXCHANGE_S_FOUNDATION.servicePlanId)).toBe(true);
    // A product made of the Project user plans plus the company-wide Exchange plumbing is
    // covered by Project once the company plan is left out, and not before.
    const bundle: SkuPlans = { skuId: 'bundle', partNumber: 'BUNDLE', userPlans: new Map(withFoundation.userPlans) };
    expect(coveredBy(bundle, project)).toBe(false);
    const userOnly: SkuPlans = { ...bundle, userPlans: new Map([...bundle.userPlans].filter(([id]) => !COMPANY.has(id))) };
    expect(coveredBy(userOnly, project)).toBe(true);
  });

  it('never reports a pair twice when two SKUs carry the same plans', () => {
    const a = sku('ENTERPRISEPACK');
    const twin: SkuPlans = { ...a, skuId: 'twin', partNumber: 'ZZ_TWIN' };
    const t = overlapTable([a, twin]);
    expect(t.get('twin')).toEqual(new Set([a.skuId]));
    expect(t.has(a.skuId)).toBe(false);
  });

  it('knows suites', () => {
    expect(isSuite(sku('SPE_E5'))).toBe(true);
    expect(isSuite(sku('STANDARDPACK'))).toBe(false);
    expect(isSuite(sku('EXCHANGESTANDARD'))).toBe(false);
  });
});
