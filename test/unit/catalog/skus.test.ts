/**
 * The name lookups the store and the exports use, over the catalogue (built-in by default,
 * or a loaded one so an import takes effect).
 */
import { describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../../src-main/core/catalog/builtin';
import { Catalog } from '../../../src-main/core/catalog/catalog';
import {
  SERVICE_PLANS,
  servicePlanFriendlyName,
  skuById,
  skuByPartNumber,
  skuFriendlyName,
} from '../../../src-main/core/catalog/skus';

describe('SKU and plan names', () => {
  it.each([
    ['6fd2c87f-b296-42f0-b197-1e91e994b900', 'ENTERPRISEPACK', 'Office 365 E3'],
    ['6FD2C87F-B296-42F0-B197-1E91E994B900', 'whatever', 'Office 365 E3'],
    ['c7df2760-2c81-4ef7-b578-5b5392b571df', 'ENTERPRISEPREMIUM', 'Office 365 E5'],
    ['06ebc4ee-1bb5-47dd-8120-11324bc54e06', 'SPE_E5', 'Microsoft 365 E5'],
    ['18181a46-0d4e-45cd-891e-60aabd171b4e', 'STANDARDPACK', 'Office 365 E1'],
    ['66b55226-6b4f-492c-910c-a3b7a3c9d993', 'SPE_F1', 'Microsoft 365 F3'],
    ['a403ebcc-fae0-4ca2-8c8c-7a907fd6c235', 'POWER_BI_STANDARD', 'Microsoft Fabric (Free)'],
    ['00000000-0000-0000-0000-000000000000', 'visioclient', 'Visio Plan 2'],
    ['00000000-0000-0000-0000-000000000000', 'CONTOSO_CUSTOM_SKU', 'CONTOSO_CUSTOM_SKU'],
    ['', '', ''],
    ['__proto__', '__proto__', '__proto__'],
    ['constructor', 'toString', 'toString'],
    ['<script>', '"; DROP TABLE skus; --', '"; DROP TABLE skus; --'],
  ])('skuFriendlyName(%j, %j) = %j', (id, part, expected) => {
    expect(skuFriendlyName(id, part)).toBe(expected);
  });

  it.each([
    [SERVICE_PLANS.EXCHANGE_S_ENTERPRISE.servicePlanId, 'EXCHANGE_S_ENTERPRISE', 'Exchange Online (Plan 2)'],
    [SERVICE_PLANS.EXCHANGE_S_STANDARD.servicePlanId.toUpperCase(), 'x', 'Exchange Online (Plan 1)'],
    [SERVICE_PLANS.TEAMS1.servicePlanId, 'TEAMS1', 'Microsoft Teams'],
    ['11111111-1111-1111-1111-111111111111', 'SOME_NEW_PLAN', 'SOME_NEW_PLAN'],
    ['__proto__', 'hasOwnProperty', 'hasOwnProperty'],
  ])('servicePlanFriendlyName(%j, %j) = %j', (id, name, expected) => {
    expect(servicePlanFriendlyName(id, name)).toBe(expected);
  });

  it('uses the catalogue it is given, so an imported table takes effect', () => {
    const imported = new Catalog(builtinCatalog().skus, [
      {
        skuId: '6fd2c87f-b296-42f0-b197-1e91e994b900',
        skuPartNumber: 'ENTERPRISEPACK',
        displayName: 'Office 365 E3 (imported)',
        retired: false,
        servicePlans: [{ servicePlanId: '57ff2da0-773e-42df-b2af-ffb7a2317929', servicePlanName: 'TEAMS1', friendlyName: 'Teams (imported)', retired: false }],
      },
    ]);
    expect(skuFriendlyName('6fd2c87f-b296-42f0-b197-1e91e994b900', 'ENTERPRISEPACK', imported)).toBe('Office 365 E3 (imported)');
    expect(skuByPartNumber('enterprisepack', imported)?.friendlyName).toBe('Office 365 E3 (imported)');
    // The plan is named as most products name it; the imported product is one of many.
    expect(servicePlanFriendlyName('57ff2da0-773e-42df-b2af-ffb7a2317929', 'TEAMS1', imported)).toBe('Microsoft Teams');
    expect(skuFriendlyName('6fd2c87f-b296-42f0-b197-1e91e994b900', 'ENTERPRISEPACK')).toBe('Office 365 E3');
  });

  it('looks up by id and part number regardless of case, and misses cleanly', () => {
    expect(skuById('05E9A617-0261-4CEE-BB44-138D3EF5D965')?.skuPartNumber).toBe('SPE_E3');
    expect(skuByPartNumber('spe_e3')?.skuId).toBe('05e9a617-0261-4cee-bb44-138d3ef5d965');
    expect(skuById('not-a-guid')).toBeUndefined();
    expect(skuByPartNumber('')).toBeUndefined();
  });

  it('names only plans the catalogue has, under the catalogue\'s names', () => {
    for (const [key, p] of Object.entries(SERVICE_PLANS)) {
      const found = builtinCatalog().lookupPlan(p.servicePlanId);
      expect(found.known, key).toBe(true);
      expect(found.servicePlanName, key).toBe(key);
    }
  });
});
