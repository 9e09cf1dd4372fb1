import { z } from 'zod';
import { childTable, defineDataset, jsonList, table } from './types';

/**
 * The tenant's SKUs with seat counts and service plans.
 * learn.microsoft.com/graph/api/subscribedsku-list, .../resources/subscribedsku
 */

const optStr = z.string().nullish();
const guid = z.string().min(1);

export const servicePlanInfoSchema = z.looseObject({
  servicePlanId: guid,
  servicePlanName: optStr,
  provisioningStatus: optStr,
  appliesTo: optStr,
});

export const licenseUnitsDetailSchema = z.looseObject({
  enabled: z.number().int().nullish(),
  suspended: z.number().int().nullish(),
  warning: z.number().int().nullish(),
  lockedOut: z.number().int().nullish(),
});

export const subscribedSkuSchema = z.looseObject({
  skuId: guid,
  skuPartNumber: z.string(),
  capabilityStatus: optStr,
  appliesTo: optStr,
  consumedUnits: z.number().int().nullish(),
  prepaidUnits: licenseUnitsDetailSchema.nullish(),
  subscriptionIds: z.array(z.string()).nullish(),
  servicePlans: z.array(servicePlanInfoSchema).nullish(),
});
export type GraphSubscribedSku = z.infer<typeof subscribedSkuSchema>;

export interface ServicePlanRow {
  servicePlanId: string;
  servicePlanName: string | null;
  provisioningStatus: string | null;
  appliesTo: string | null;
}

export interface SkuRow {
  skuId: string;
  skuPartNumber: string;
  capabilityStatus: string | null;
  appliesTo: string | null;
  consumedUnits: number;
  enabled: number;
  warning: number;
  suspended: number;
  lockedOut: number;
  subscriptionIds: readonly string[];
  servicePlans: readonly ServicePlanRow[];
}

export function skuRow(s: GraphSubscribedSku): SkuRow {
  return {
    skuId: s.skuId,
    skuPartNumber: s.skuPartNumber,
    capabilityStatus: s.capabilityStatus ?? null,
    appliesTo: s.appliesTo ?? null,
    consumedUnits: s.consumedUnits ?? 0,
    enabled: s.prepaidUnits?.enabled ?? 0,
    warning: s.prepaidUnits?.warning ?? 0,
    suspended: s.prepaidUnits?.suspended ?? 0,
    lockedOut: s.prepaidUnits?.lockedOut ?? 0,
    subscriptionIds: s.subscriptionIds ?? [],
    servicePlans: (s.servicePlans ?? []).map((p) => ({
      servicePlanId: p.servicePlanId,
      servicePlanName: p.servicePlanName ?? null,
      provisioningStatus: p.provisioningStatus ?? null,
      appliesTo: p.appliesTo ?? null,
    })),
  };
}

const READ_DIRECTORY_FALLBACKS = ['Directory.Read.All', 'Directory.ReadWrite.All'] as const;
const ACCEPTED = ['LicenseAssignment.Read.All', 'Organization.Read.All', 'LicenseAssignment.ReadWrite.All', 'Organization.ReadWrite.All', ...READ_DIRECTORY_FALLBACKS];

export const subscribedSkus = defineDataset({
  id: 'subscribedSkus',
  label: 'Subscribed SKUs',
  tier: 'core',
  permission: {
    application: 'LicenseAssignment.Read.All',
    accepted: ACCEPTED,
    delegated: 'LicenseAssignment.Read.All',
    delegatedAccepted: ACCEPTED,
    delegatedRoles: [],
  },
  fetch: 'collection',
  request: () => ({ path: '/subscribedSkus' }),
  probe: '/subscribedSkus',
  item: { schema: subscribedSkuSchema, name: 'subscribedSku' },
  toRow: skuRow,
  tables: [
    table<SkuRow>('skus', {
      sku_id: (r) => r.skuId,
      sku_part_number: (r) => r.skuPartNumber,
      capability_status: (r) => r.capabilityStatus,
      applies_to: (r) => r.appliesTo,
      consumed_units: (r) => r.consumedUnits,
      enabled: (r) => r.enabled,
      warning: (r) => r.warning,
      suspended: (r) => r.suspended,
      locked_out: (r) => r.lockedOut,
      subscription_ids: (r) => jsonList(r.subscriptionIds),
    }),
    childTable<SkuRow, ServicePlanRow>(
      'sku_service_plans',
      (r) => r.servicePlans,
      {
        sku_id: (_p, r) => r.skuId,
        service_plan_id: (p) => p.servicePlanId,
        service_plan_name: (p) => p.servicePlanName,
        provisioning_status: (p) => p.provisioningStatus,
        applies_to: (p) => p.appliesTo,
      },
      { onConflict: 'ignore' },
    ),
  ],
});
