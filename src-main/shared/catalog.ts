import { z } from 'zod';

/** What importing Microsoft's product and service-plan CSV did to the SKU catalogue. */
export const catalogImportSummarySchema = z.object({
  storedAt: z.string(),
  skus: z.number().int().nonnegative(),
  added: z.number().int().nonnegative(),
  overridden: z.number().int().nonnegative(),
  plans: z.number().int().nonnegative(),
  retiredSkus: z.number().int().nonnegative(),
  retiredPlans: z.number().int().nonnegative(),
  rows: z.number().int().nonnegative(),
  duplicateRows: z.number().int().nonnegative(),
});
export type CatalogImportSummaryDto = z.infer<typeof catalogImportSummarySchema>;
