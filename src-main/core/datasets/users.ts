import { z } from 'zod';
import { bool, childTable, defineDataset, jsonList, table, type Cell } from './types';

/**
 * Users with their licences.
 * learn.microsoft.com/graph/api/user-list, .../resources/user, .../resources/licenseassignmentstate
 */

const optStr = z.string().nullish();
const guid = z.string().min(1);

// Plain objects, not loose ones: a property Graph adds is accepted and left out of the parsed copy
// (nothing maps it), which spares copying it for every user of a large tenant.
export const assignedLicenseSchema = z.object({
  skuId: guid,
  disabledPlans: z.array(z.string()).nullish(),
});

export const licenseAssignmentStateSchema = z.object({
  skuId: guid,
  assignedByGroup: optStr,
  disabledPlans: z.array(z.string()).nullish(),
  error: optStr,
  lastUpdatedDateTime: optStr,
  state: optStr,
});

export const userSchema = z.object({
  id: guid,
  userPrincipalName: optStr,
  displayName: optStr,
  mail: optStr,
  accountEnabled: z.boolean().nullish(),
  userType: optStr,
  createdDateTime: optStr,
  department: optStr,
  jobTitle: optStr,
  usageLocation: optStr,
  assignedLicenses: z.array(assignedLicenseSchema).nullish(),
  licenseAssignmentStates: z.array(licenseAssignmentStateSchema).nullish(),
});
export type GraphUser = z.infer<typeof userSchema>;

export type LicenseSource = 'direct' | 'group';

export interface UserLicenseRow {
  skuId: string;
  source: LicenseSource;
  /** Set exactly when source is 'group'. */
  groupId: string | null;
  state: string | null;
  error: string | null;
  disabledPlans: readonly string[];
  lastUpdated: string | null;
}

export interface UserRow {
  id: string;
  upn: string | null;
  displayName: string | null;
  mail: string | null;
  accountEnabled: boolean | null;
  userType: string | null;
  createdAt: string | null;
  department: string | null;
  jobTitle: string | null;
  usageLocation: string | null;
  licenses: readonly UserLicenseRow[];
}

/**
 * One licence row per licenseAssignmentStates entry (direct and each group that
 * assigns the SKU are separate entries). When the states are absent, fall back to
 * assignedLicenses as direct assignments with unknown state.
 */
export function userLicenses(u: GraphUser): UserLicenseRow[] {
  const states = u.licenseAssignmentStates;
  const assigned = u.assignedLicenses ?? [];
  if (states && (states.length > 0 || assigned.length === 0)) {
    return states.map((s) => {
      const groupId = s.assignedByGroup ? s.assignedByGroup : null;
      return {
        skuId: s.skuId,
        source: groupId ? 'group' : 'direct',
        groupId,
        state: s.state ?? null,
        error: s.error ?? null,
        disabledPlans: s.disabledPlans ?? [],
        lastUpdated: s.lastUpdatedDateTime ?? null,
      };
    });
  }
  return assigned.map((a) => ({
    skuId: a.skuId,
    source: 'direct',
    groupId: null,
    state: null,
    error: null,
    disabledPlans: a.disabledPlans ?? [],
    lastUpdated: null,
  }));
}

export function userRow(u: GraphUser): UserRow {
  return {
    id: u.id,
    upn: u.userPrincipalName ?? null,
    displayName: u.displayName ?? null,
    mail: u.mail ?? null,
    accountEnabled: u.accountEnabled ?? null,
    userType: u.userType ?? null,
    createdAt: u.createdDateTime ?? null,
    department: u.department ?? null,
    jobTitle: u.jobTitle ?? null,
    usageLocation: u.usageLocation ?? null,
    licenses: userLicenses(u),
  };
}

/**
 * A user's cells straight from the validated item, for the users and user_licenses tables in
 * their column order: what the tables below append for userRow(u), without the row objects
 * (a large tenant has a million users; the fuzz tests compare the two).
 */
export function packUser(into: readonly Cell[][], u: GraphUser): void {
  const id = u.id;
  const enabled = u.accountEnabled;
  (into[0] as Cell[]).push(
    id, u.userPrincipalName ?? null, u.displayName ?? null, u.mail ?? null, enabled === true ? 1 : enabled === false ? 0 : null,
    u.userType ?? null, u.createdDateTime ?? null, u.department ?? null, u.jobTitle ?? null, u.usageLocation ?? null,
  );
  const licences = into[1] as Cell[];
  const states = u.licenseAssignmentStates;
  const assigned = u.assignedLicenses;
  // The same choice as userLicenses: the states when there are any (or nothing else), else assignedLicenses.
  if (states && (states.length > 0 || !assigned || assigned.length === 0)) {
    for (let i = 0; i < states.length; i++) {
      const s = states[i] as (typeof states)[number];
      const groupId = s.assignedByGroup ? s.assignedByGroup : null;
      licences.push(id, s.skuId, groupId ? 'group' : 'direct', groupId, s.state ?? null, s.error ?? null, jsonList(s.disabledPlans ?? []), s.lastUpdatedDateTime ?? null);
    }
  } else if (assigned) {
    for (let i = 0; i < assigned.length; i++) {
      const a = assigned[i] as (typeof assigned)[number];
      licences.push(id, a.skuId, 'direct', null, null, null, jsonList(a.disabledPlans ?? []), null);
    }
  }
}

/** $select list: only what the store keeps. */
export const USER_SELECT = [
  'id', 'userPrincipalName', 'displayName', 'mail', 'accountEnabled', 'userType', 'createdDateTime',
  'department', 'jobTitle', 'usageLocation', 'assignedLicenses', 'licenseAssignmentStates',
].join(',');

const READ_DIRECTORY_FALLBACKS = ['Directory.Read.All', 'Directory.ReadWrite.All'] as const;
const ACCEPTED = ['User.Read.All', 'User.ReadWrite.All', ...READ_DIRECTORY_FALLBACKS];

export const users = defineDataset({
  id: 'users',
  label: 'Users and licences',
  tier: 'core',
  permission: { application: 'User.Read.All', accepted: ACCEPTED, delegated: 'User.Read.All', delegatedAccepted: ACCEPTED, delegatedRoles: [] },
  fetch: 'userPages',
  // $count (an advanced query, hence ConsistencyLevel: eventual) gives progress a total.
  request: () => ({ path: `/users?$select=${USER_SELECT}&$top=999&$count=true`, headers: { ConsistencyLevel: 'eventual' } }),
  probe: '/users?$top=1&$select=id',
  item: { schema: userSchema, name: 'user' },
  toRow: userRow,
  packItem: packUser,
  tables: [
    table<UserRow>('users', {
      id: (u) => u.id,
      upn: (u) => u.upn,
      display_name: (u) => u.displayName,
      mail: (u) => u.mail,
      account_enabled: (u) => bool(u.accountEnabled),
      user_type: (u) => u.userType,
      created_at: (u) => u.createdAt,
      department: (u) => u.department,
      job_title: (u) => u.jobTitle,
      usage_location: (u) => u.usageLocation,
    }),
    // user_licenses has no foreign key to users: only the rows stored matter, not their order.
    childTable<UserRow, UserLicenseRow>('user_licenses', (u) => u.licenses, {
      user_id: (_l, u) => u.id,
      sku_id: (l) => l.skuId,
      source: (l) => l.source,
      group_id: (l) => l.groupId,
      state: (l) => l.state,
      error: (l) => l.error,
      disabled_plans: (l) => jsonList(l.disabledPlans),
      last_updated: (l) => l.lastUpdated,
    }),
  ],
});
