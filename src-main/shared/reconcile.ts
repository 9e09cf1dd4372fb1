import { z } from 'zod';
import { findingKindSchema } from './recon';
import { skuSummaryRowSchema } from './snapshots';

/**
 * Renewals, entitlements, cost, right-sizing and history: the DTOs of the reconcile.*,
 * history.*, entitlements.* and prices.* operations. Every money figure carries its source.
 */

export const priceSourceSchema = z.enum(['entitlement', 'price list', 'none']);
export type PriceSource = z.infer<typeof priceSourceSchema>;

/** A price per seat per month in the reporting currency, and where it came from. */
export const seatPriceSchema = z.object({
  monthly: z.number().nullable(),
  currency: z.string().nullable(),
  source: priceSourceSchema,
  /** The price as written, before conversion to monthly and to the reporting currency. */
  original: z.string().nullable(),
});
export type SeatPrice = z.infer<typeof seatPriceSchema>;

/** The seat figures are the SKU summary's own (snapshots.ts), with the buffer, the exclusion and the price. */
export const positionRowSchema = skuSummaryRowSchema
  .pick({ skuId: true, partNumber: true, product: true, capabilityStatus: true, enabled: true, warning: true, suspended: true, lockedOut: true, usable: true, consumed: true, available: true })
  .extend({
    unknownSku: z.boolean(),
    /** consumed - usable when over-assigned, else 0 (the summary's overAssigned). */
    overBy: z.number().int(),
    buffer: z.number().int(),
    excluded: z.boolean(),
    price: seatPriceSchema,
    /** consumed x monthly price. */
    monthlyCost: z.number().nullable(),
  });
export type PositionRow = z.infer<typeof positionRowSchema>;

export const entitlementRowSchema = z.object({
  skuId: z.string().nullable(),
  partNumber: z.string(),
  product: z.string(),
  unknownSku: z.boolean(),
  entitled: z.number().int(),
  usable: z.number().int(),
  assigned: z.number().int(),
  /** entitled - usable: purchases the tenant does not show (positive) or seats beyond them (negative). */
  difference: z.number().int(),
  termEnd: z.string().nullable(),
  price: seatPriceSchema,
});
export type EntitlementRow = z.infer<typeof entitlementRowSchema>;

export const rightSizingRowSchema = z.object({
  skuId: z.string(),
  partNumber: z.string(),
  product: z.string(),
  unassignedBeyondBuffer: z.number().int(),
  disabledSeats: z.number().int(),
  inactiveSeats: z.number().int(),
  /** N in "reduce by N seats before DATE". */
  reduceBy: z.number().int(),
  before: z.string().nullable(),
  /** Where DATE came from. */
  dateSource: z.enum(['subscriptions', 'entitlements', 'none']),
  trial: z.boolean(),
  advice: z.string(),
  price: seatPriceSchema,
  monthlySavings: z.number().nullable(),
  annualSavings: z.number().nullable(),
});
export type RightSizingRow = z.infer<typeof rightSizingRowSchema>;

export const costGroupRowSchema = z.object({ key: z.string(), users: z.number().int(), seats: z.number().int(), pricedSeats: z.number().int(), monthlyCost: z.number() });
export type CostGroupRow = z.infer<typeof costGroupRowSchema>;

export const savingsSchema = z.object({
  currency: z.string().nullable(),
  /** Seats reclaimable from the findings: each user counted once per SKU, plus unassigned seats beyond the buffers. */
  reclaimableSeats: z.number().int(),
  pricedSeats: z.number().int(),
  /** pricedSeats / reclaimableSeats, 0..1 (1 when nothing is reclaimable). */
  coverage: z.number(),
  coverageNote: z.string(),
  monthly: z.number(),
  annual: z.number(),
  /** Mailbox-only users on a suite SKU, priced as the difference between the two SKUs. */
  downgradeMonthly: z.number(),
  downgradeSeats: z.number().int(),
  sources: z.array(z.string()),
});
export type SavingsDto = z.infer<typeof savingsSchema>;

export const reconcileReportSchema = z.object({
  snapshotId: z.number().int().positive(),
  snapshotTime: z.string(),
  contentHash: z.string().nullable(),
  currency: z.string().nullable(),
  renewalSource: z.enum(['subscriptions', 'entitlements', 'none']),
  renewalNote: z.string(),
  position: z.array(positionRowSchema),
  entitlements: z.array(entitlementRowSchema),
  rightSizing: z.array(rightSizingRowSchema),
  costByDepartment: z.array(costGroupRowSchema),
  costByCountry: z.array(costGroupRowSchema),
  savings: savingsSchema,
  notes: z.array(z.string()),
});
export type ReconcileReport = z.infer<typeof reconcileReportSchema>;

export const importKindSchema = z.enum(['entitlements', 'prices']);
export const importResultSchema = z.object({
  kind: importKindSchema,
  file: z.string(),
  rows: z.number().int(),
  /** SKUs the catalogue does not know: imported under the name given, and listed here. */
  unknownSkus: z.array(z.string()),
  currencies: z.array(z.string()),
});
export type ImportResult = z.infer<typeof importResultSchema>;

export const currencyCodeSchema = z.string().regex(/^[A-Z]{3}$/, 'a three-letter ISO 4217 code such as EUR');
export const exchangeRatesSchema = z.object({
  base: currencyCodeSchema.nullable(),
  /** 1 unit of the currency = rate units of the base. */
  rates: z.record(currencyCodeSchema, z.number().positive().finite()),
});
export type ExchangeRates = z.infer<typeof exchangeRatesSchema>;

const changeSchema = z.object({ userId: z.string(), upn: z.string().nullable() });
export const diffSkuRowSchema = z.object({
  skuId: z.string(),
  partNumber: z.string(),
  usersGained: z.number().int(),
  usersLost: z.number().int(),
  gained: z.array(changeSchema),
  lost: z.array(changeSchema),
  usableBefore: z.number().int().nullable(),
  usableAfter: z.number().int().nullable(),
  consumedBefore: z.number().int().nullable(),
  consumedAfter: z.number().int().nullable(),
});
export const diffFindingRowSchema = z.object({ kind: findingKindSchema, new: z.number().int(), resolved: z.number().int(), newItems: z.array(z.string()), resolvedItems: z.array(z.string()) });
export const diffReportSchema = z.object({
  from: z.object({ snapshotId: z.number().int(), finishedAt: z.string(), contentHash: z.string().nullable() }),
  to: z.object({ snapshotId: z.number().int(), finishedAt: z.string(), contentHash: z.string().nullable() }),
  skus: z.array(diffSkuRowSchema),
  findings: z.array(diffFindingRowSchema),
  files: z.array(z.string()),
});
export type DiffReport = z.infer<typeof diffReportSchema>;

export const verifyStatusSchema = z.enum(['ok', 'content-mismatch', 'chain-broken', 'unsealed', 'pruned']);
export const historyVerifySchema = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  /** The first snapshot whose hash or link does not hold, or null. */
  firstBad: z.number().int().nullable(),
  snapshots: z.array(z.object({ snapshotId: z.number().int(), finishedAt: z.string(), status: verifyStatusSchema, contentHash: z.string().nullable(), prevHash: z.string().nullable() })),
  message: z.string(),
});
export type HistoryVerify = z.infer<typeof historyVerifySchema>;
