/**
 * The subscriptions dataset: "List subscriptions" (GET /directory/subscriptions),
 * learn.microsoft.com/graph/api/directory-list-subscriptions. Its "Permissions" table names
 * Organization.Read.All as least privileged for application and delegated use; Directory.Read.All
 * (and, for applications, Organization.ReadWrite.All) are the higher-privileged alternatives.
 * Ids from the Microsoft Graph permissions reference (learn.microsoft.com/graph/permissions-reference).
 */
import { describe, expect, it } from 'vitest';
import { datasetById } from '../../../src-main/core/datasets';
import { subscriptions } from '../../../src-main/core/datasets/subscriptions';
import { appRoleId, scopeId } from '../../../src-main/core/permissions/graph-ids';
import { missingApplicationPermission, missingDelegatedScope } from '../../../src-main/core/permissions/matrix';
import { datasetForPath } from '../../../src-main/core/graph/permission-for-path';

describe('subscriptions dataset', () => {
  it('is registered as an enrichment collection of /directory/subscriptions', () => {
    expect(datasetById('subscriptions')).toBe(subscriptions);
    expect(subscriptions.tier).toBe('enrichment');
    expect(subscriptions.fetch).toBe('collection');
    expect(subscriptions.request('D30')).toEqual({ path: '/directory/subscriptions' });
    expect(datasetForPath('https://graph.microsoft.com/v1.0/directory/subscriptions')).toBe('subscriptions');
  });

  it('needs Organization.Read.All, read-only, with its app role and scope ids', () => {
    expect(missingApplicationPermission('subscriptions', [])).toBe('Organization.Read.All');
    expect(missingApplicationPermission('subscriptions', ['Organization.Read.All'])).toBeUndefined();
    expect(missingApplicationPermission('subscriptions', ['Directory.Read.All'])).toBeUndefined();
    expect(missingApplicationPermission('subscriptions', ['LicenseAssignment.Read.All'])).toBe('Organization.Read.All');
    expect(missingDelegatedScope('subscriptions', ['Organization.Read.All'])).toBeUndefined();
    expect(appRoleId('Organization.Read.All')).toBe('498476ce-e0fe-48b0-b801-37ba7e2685c6');
    expect(scopeId('Organization.Read.All')).toBe('4908d5b9-3fb2-4b1e-9336-1888b7937185');
  });

  it('maps Microsoft\'s example companySubscription to one row (trial and renewal date kept)', () => {
    // Shape of the example response on the "List subscriptions" page.
    const item = {
      commerceSubscriptionId: '789a2f3c-1b5e-4e7d-8c6b-1a2b3c4d5e6f',
      createdDateTime: '2023-09-24T00:00:00Z',
      id: 'aaaa0000-bb11-2222-33cc-444444dddddd',
      isTrial: true,
      nextLifecycleDateTime: '2025-09-24T23:59:59Z',
      ownerId: null,
      ownerTenantId: null,
      ownerType: null,
      serviceStatus: [{ servicePlanId: '113feb6c-3fe4-4440-bddc-54d774bf0318', servicePlanName: 'EXCHANGE_S_FOUNDATION', provisioningStatus: 'Success', appliesTo: 'Company' }],
      skuId: '0000aaaa-11bb-cccc-dd22-eeeeee333333',
      skuPartNumber: 'POWER_BI_STANDARD',
      status: 'Enabled',
      totalLicenses: 1,
    };
    const batch: (string | number | null)[][] = [[]];
    subscriptions.pack(batch, item, 'test');
    expect(subscriptions.tables[0]?.columns).toEqual([
      'id', 'commerce_subscription_id', 'sku_id', 'sku_part_number', 'status', 'is_trial', 'total_licenses', 'created_at', 'next_lifecycle_at',
    ]);
    expect(batch).toEqual([[
      'aaaa0000-bb11-2222-33cc-444444dddddd', '789a2f3c-1b5e-4e7d-8c6b-1a2b3c4d5e6f', '0000aaaa-11bb-cccc-dd22-eeeeee333333', 'POWER_BI_STANDARD',
      'Enabled', 1, 1, '2023-09-24T00:00:00Z', '2025-09-24T23:59:59Z',
    ]]);
    expect(() => subscriptions.pack([[]], { ...item, totalLicenses: 'one' }, 'page 1, item 1')).toThrow(/invalid companySubscription \(page 1, item 1\): field "totalLicenses"/);
  });
});
