import { z } from 'zod';

/**
 * The Graph datasets a sync reads, by id. What each one needs and how it is fetched and
 * stored is described once, in core/datasets (the registry); front ends only need the ids.
 */
export const DATASET_IDS = [
  'subscribedSkus',
  'users',
  'signInActivity',
  'groups',
  'subscriptions',
  'reportSettings',
  'report.activeUserDetail',
  'report.m365AppUserDetail',
  'report.activationsUserDetail',
  'report.mailboxUsageDetail',
] as const;
export const datasetIdSchema = z.enum(DATASET_IDS);
export type DatasetId = z.infer<typeof datasetIdSchema>;
