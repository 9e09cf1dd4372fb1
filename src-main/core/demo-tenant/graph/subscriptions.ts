import { REPORT_DATE, guidFrom, hashString, isoSeconds, type DemoData } from '../data';

/**
 * The demo tenant's commercial subscriptions (GET /directory/subscriptions), one per
 * subscribed SKU, in the shape of Microsoft's companySubscription
 * (learn.microsoft.com/graph/api/resources/companysubscription): status follows the SKU's
 * capability status, totalLicenses its prepaid seats, nextLifecycleDateTime the renewal
 * (or expiry) date relative to the demo's report date, and one SKU is a trial.
 */

const DAY = 86_400_000;

/** The part number subscribed as a free trial (a 30-day trial, 25 days from its end). */
export const TRIAL_SKU_PART_NUMBER = 'POWER_BI_PRO';

export interface DemoCompanySubscription {
  id: string;
  commerceSubscriptionId: string;
  createdDateTime: string;
  isTrial: boolean;
  nextLifecycleDateTime: string;
  ownerId: null;
  ownerTenantId: null;
  ownerType: null;
  skuId: string;
  skuPartNumber: string;
  status: string;
  totalLicenses: number;
  serviceStatus: { servicePlanId: string; servicePlanName: string; provisioningStatus: string; appliesTo: string }[];
}

export function demoSubscriptions(data: DemoData): DemoCompanySubscription[] {
  const key = hashString(`${data.tenantId}:subscriptions`);
  const trialIndex = Math.max(0, data.skus.findIndex((s) => s.skuPartNumber === TRIAL_SKU_PART_NUMBER));
  return data.skus.map((s, i) => {
    const trial = i === trialIndex;
    const created = trial ? REPORT_DATE - 5 * DAY : REPORT_DATE - (200 + ((i * 53) % 400)) * DAY;
    // Annual terms renew on their anniversary; a trial ends 30 days after it started.
    const next = trial ? created + 30 * DAY : created + Math.ceil((REPORT_DATE - created) / (365 * DAY)) * 365 * DAY;
    const p = s.prepaidUnits;
    return {
      id: s.subscriptionIds[0] ?? guidFrom(key, i, 0x5b5c),
      commerceSubscriptionId: guidFrom(key, i, 0xc0cc),
      createdDateTime: isoSeconds(created),
      isTrial: trial,
      nextLifecycleDateTime: isoSeconds(next),
      ownerId: null,
      ownerTenantId: null,
      ownerType: null,
      skuId: s.skuId,
      skuPartNumber: s.skuPartNumber,
      status: s.capabilityStatus,
      totalLicenses: p.enabled + p.warning + p.suspended + p.lockedOut,
      serviceStatus: s.servicePlans.map((x) => ({ ...x })),
    };
  });
}
