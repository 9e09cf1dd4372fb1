import { z } from 'zod';
import { bool, defineDataset, table } from './types';

/**
 * The organisation's commercial subscriptions: renewal (next lifecycle) dates, trials,
 * status and seat totals per subscription, next to the per-SKU totals of subscribedSkus.
 * "List subscriptions", learn.microsoft.com/graph/api/directory-list-subscriptions, and
 * the companySubscription resource, learn.microsoft.com/graph/api/resources/companysubscription.
 */

const optStr = z.string().nullish();

export const companySubscriptionSchema = z.looseObject({
  id: z.string().min(1),
  commerceSubscriptionId: optStr,
  skuId: optStr,
  skuPartNumber: optStr,
  status: optStr,
  isTrial: z.boolean().nullish(),
  totalLicenses: z.number().int().nullish(),
  createdDateTime: optStr,
  nextLifecycleDateTime: optStr,
});
export type GraphCompanySubscription = z.infer<typeof companySubscriptionSchema>;

export interface SubscriptionRow {
  id: string;
  commerceSubscriptionId: string | null;
  skuId: string | null;
  skuPartNumber: string | null;
  status: string | null;
  isTrial: boolean | null;
  totalLicenses: number | null;
  createdAt: string | null;
  nextLifecycleAt: string | null;
}

export function subscriptionRow(s: GraphCompanySubscription): SubscriptionRow {
  return {
    id: s.id,
    commerceSubscriptionId: s.commerceSubscriptionId ?? null,
    skuId: s.skuId ?? null,
    skuPartNumber: s.skuPartNumber ?? null,
    status: s.status ?? null,
    isTrial: s.isTrial ?? null,
    totalLicenses: s.totalLicenses ?? null,
    createdAt: s.createdDateTime ?? null,
    nextLifecycleAt: s.nextLifecycleDateTime ?? null,
  };
}

export const subscriptions = defineDataset({
  id: 'subscriptions',
  label: 'Subscriptions and renewal dates',
  tier: 'enrichment',
  // Least privileged: Organization.Read.All (application and delegated); higher: Directory.Read.All,
  // and Organization.ReadWrite.All for applications. A signed-in user also needs one of the
  // roles the page lists (Directory Readers is the least privileged).
  permission: {
    application: 'Organization.Read.All',
    accepted: ['Organization.Read.All', 'Directory.Read.All', 'Organization.ReadWrite.All'],
    delegated: 'Organization.Read.All',
    delegatedAccepted: ['Organization.Read.All', 'Directory.Read.All'],
    delegatedRoles: ['Directory Readers', 'Global Reader', 'Global Administrator'],
  },
  fetch: 'collection',
  request: () => ({ path: '/directory/subscriptions' }),
  probe: '/directory/subscriptions',
  item: { schema: companySubscriptionSchema, name: 'companySubscription' },
  toRow: subscriptionRow,
  tables: [
    table<SubscriptionRow>('subscriptions', {
      id: (s) => s.id,
      commerce_subscription_id: (s) => s.commerceSubscriptionId,
      sku_id: (s) => s.skuId,
      sku_part_number: (s) => s.skuPartNumber,
      status: (s) => s.status,
      is_trial: (s) => bool(s.isTrial),
      total_licenses: (s) => s.totalLicenses,
      created_at: (s) => s.createdAt,
      next_lifecycle_at: (s) => s.nextLifecycleAt,
    }),
  ],
});
