import { z } from 'zod';
import { childTable, defineDataset, jsonList, table } from './types';
import { assignedLicenseSchema } from './users';

/**
 * Groups that assign licences (group-based licensing).
 * learn.microsoft.com/graph/api/group-list, .../resources/group
 */

export const groupSchema = z.looseObject({
  id: z.string().min(1),
  displayName: z.string().nullish(),
  assignedLicenses: z.array(assignedLicenseSchema).nullish(),
});
export type GraphGroup = z.infer<typeof groupSchema>;

export interface GroupLicenseRow {
  skuId: string;
  disabledPlans: readonly string[];
}

export interface GroupRow {
  id: string;
  displayName: string | null;
  licenses: readonly GroupLicenseRow[];
}

export function groupRow(g: GraphGroup): GroupRow {
  return {
    id: g.id,
    displayName: g.displayName ?? null,
    licenses: (g.assignedLicenses ?? []).map((l) => ({ skuId: l.skuId, disabledPlans: l.disabledPlans ?? [] })),
  };
}

const READ_DIRECTORY_FALLBACKS = ['Directory.Read.All', 'Directory.ReadWrite.All'] as const;
const ACCEPTED = ['GroupMember.Read.All', 'Group.Read.All', 'Group.ReadWrite.All', ...READ_DIRECTORY_FALLBACKS];

export const groups = defineDataset({
  id: 'groups',
  label: 'Groups with licences',
  tier: 'enrichment',
  permission: { application: 'GroupMember.Read.All', accepted: ACCEPTED, delegated: 'GroupMember.Read.All', delegatedAccepted: ACCEPTED, delegatedRoles: [] },
  fetch: 'collection',
  request: () => ({
    path: '/groups?$select=id,displayName,assignedLicenses&$filter=assignedLicenses/$count%20ne%200&$count=true',
    headers: { ConsistencyLevel: 'eventual' },
  }),
  probe: '/groups?$top=1&$select=id',
  item: { schema: groupSchema, name: 'group' },
  toRow: groupRow,
  tables: [
    table<GroupRow>('groups', { id: (g) => g.id, display_name: (g) => g.displayName }),
    childTable<GroupRow, GroupLicenseRow>(
      'group_licenses',
      (g) => g.licenses,
      { group_id: (_l, g) => g.id, sku_id: (l) => l.skuId, disabled_plans: (l) => jsonList(l.disabledPlans) },
      { onConflict: 'replace' },
    ),
  ],
});

