import { z } from 'zod';

/** National clouds (their hosts are in core/clouds), and the custom endpoints of a sovereign or test cloud. */
export const CLOUD_IDS = ['global', 'gcch', 'dod', 'china', 'custom'] as const;
export const cloudIdSchema = z.enum(CLOUD_IDS);
export type CloudId = z.infer<typeof cloudIdSchema>;

export const customEndpointsSchema = z.object({
  loginUrl: z.url({ protocol: /^https$/ }).transform((u) => u.replace(/\/+$/, '')),
  graphUrl: z.url({ protocol: /^https$/ }).transform((u) => u.replace(/\/+$/, '')),
});
export type CustomEndpoints = z.infer<typeof customEndpointsSchema>;
