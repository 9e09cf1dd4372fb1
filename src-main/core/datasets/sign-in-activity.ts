import { z } from 'zod';
import { defineDataset, table, type DatasetPartitions } from './types';

/**
 * Each user's last sign-in dates (Microsoft Entra ID P1), read as concurrent partitions by date.
 * learn.microsoft.com/graph/api/resources/signinactivity
 *
 * Why partitions: "List users" (learn.microsoft.com/graph/api/user-list) caps a page at 500 users
 * when signInActivity is selected or filtered (999 otherwise), so one stream of 1M users is 2,000
 * sequential round trips and would set a sync's pace. The "user resource type"
 * (learn.microsoft.com/graph/api/resources/user) documents signInActivity as supporting
 * "$filter (eq, ne, not, ge, le) but not with any other filterable properties". So the stream is
 * split by signInActivity/lastSignInDateTime only:
 *
 *   not(ge T0)             never signed in (no date: OData compares null as no match, not() negates)
 *                          or last signed in before T0 (a year before the sync);
 *   ge Ti and le Ti+1      one date range each (both ends inclusive);
 *   ge Tn                  the last day.
 *
 * Each range is paged on its own (500 per page) and all run at once, bounded by the session's
 * throttle gate; the rows meet the users in SQLite by user id (sign_in_activity's key). A user whose
 * date is exactly a shared boundary is in two ranges: `boundaryKey` lets the engine keep one, and
 * the table's key would replace a second row anyway. The ranges are dense near the sync's start,
 * where an active tenant's users are, so no range is much longer than the users stream itself.
 *
 * "List users" shows `ge`/`le` on these dates one clause at a time; a range joins two clauses on the
 * same property with `and`. Should Graph refuse a partition's filter (400), the engine discards the
 * partitions' rows and reads the single unfiltered stream instead: slower, never incomplete.
 *
 * What it cannot see: a user whose lastSignInDateTime changes during the sync (a sign-in while it
 * runs) moves between ranges; when it moves from a range not yet read into one already read, that
 * user has no sign-in row in this snapshot (unknown, not "never"). The next sync sees them. A
 * single unpartitioned stream has the same blind spot for users it has paged past.
 */

const optStr = z.string().nullish();

// Plain objects, as for users: a property Graph adds is accepted and nothing maps it, so an item
// the schema accepts is mapped as it came (datasets/accept.ts), without zod's copy of it.
export const signInActivitySchema = z.object({
  lastSignInDateTime: optStr,
  lastNonInteractiveSignInDateTime: optStr,
  lastSuccessfulSignInDateTime: optStr,
});

export const userSignInSchema = z.object({
  id: z.string().min(1),
  signInActivity: signInActivitySchema.nullish(),
});
export type GraphUserSignIn = z.infer<typeof userSignInSchema>;

export interface SignInActivityRow {
  userId: string;
  lastSignIn: string | null;
  lastNonInteractive: string | null;
  lastSuccessful: string | null;
}

export function signInRow(u: GraphUserSignIn): SignInActivityRow {
  const a = u.signInActivity;
  return {
    userId: u.id,
    lastSignIn: a?.lastSignInDateTime ?? null,
    lastNonInteractive: a?.lastNonInteractiveSignInDateTime ?? null,
    lastSuccessful: a?.lastSuccessfulSignInDateTime ?? null,
  };
}

/** "List users": the largest page when signInActivity is selected. */
export const SIGN_IN_PAGE_SIZE = 500;

/** Range boundaries, in days before the sync started (oldest first): dense near the start. */
export const SIGN_IN_BOUNDARY_DAYS = [365, 180, 90, 75, 60, 50, 40, 30, 21, 14, 7, 4, 2, 1] as const;

const DAY_MS = 86_400_000;
const PROPERTY = 'signInActivity/lastSignInDateTime';

/** An OData DateTimeOffset literal in whole seconds: 2026-11-30T04:51:25Z. */
function odataDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The $filter of each partition, oldest first, for a sync that started at `syncStart`. */
export function signInPartitionFilters(syncStart: Date): { filters: string[]; boundaries: string[] } {
  const boundaries = SIGN_IN_BOUNDARY_DAYS.map((d) => odataDate(syncStart.getTime() - d * DAY_MS));
  const filters = [`not(${PROPERTY} ge ${boundaries[0] as string})`];
  for (let i = 0; i + 1 < boundaries.length; i++) filters.push(`${PROPERTY} ge ${boundaries[i] as string} and ${PROPERTY} le ${boundaries[i + 1] as string}`);
  filters.push(`${PROPERTY} ge ${boundaries[boundaries.length - 1] as string}`);
  return { filters, boundaries };
}

export function signInPartitions(syncStart: Date): DatasetPartitions {
  const { filters, boundaries } = signInPartitionFilters(syncStart);
  // Every boundary but the first is shared by two ranges (not(ge T0) excludes T0 itself).
  const shared = new Set(boundaries.slice(1).map((b) => Date.parse(b)));
  return {
    requests: filters.map((f) => ({ path: `/users?$select=id,signInActivity&$top=${SIGN_IN_PAGE_SIZE}&$filter=${encodeURIComponent(f)}` })),
    boundaryKey(value) {
      if (typeof value !== 'object' || value === null) return undefined;
      const v = value as { id?: unknown; signInActivity?: { lastSignInDateTime?: unknown } | null };
      const d = v.signInActivity?.lastSignInDateTime;
      if (typeof d !== 'string' || typeof v.id !== 'string') return undefined;
      return shared.has(Date.parse(d)) ? v.id : undefined;
    },
  };
}

export const signInActivity = defineDataset({
  id: 'signInActivity',
  label: 'Sign-in activity',
  tier: 'enrichment',
  permission: {
    application: 'AuditLog.Read.All',
    accepted: ['AuditLog.Read.All'],
    delegated: 'AuditLog.Read.All',
    delegatedAccepted: ['AuditLog.Read.All'],
    delegatedRoles: ['Reports Reader', 'Security Reader', 'Global Reader', 'Security Administrator', 'Global Administrator'],
    requiresP1: true,
    alsoRequires: ['users'],
  },
  fetch: 'collection',
  request: () => ({ path: `/users?$select=id,signInActivity&$top=${SIGN_IN_PAGE_SIZE}` }),
  partitions: signInPartitions,
  probe: '/users?$top=1&$select=id,signInActivity',
  matchQuery: 'signinactivity',
  item: { schema: userSignInSchema, name: 'user signInActivity' },
  toRow: signInRow,
  tables: [
    table<SignInActivityRow>(
      'sign_in_activity',
      {
        user_id: (r) => r.userId,
        last_sign_in: (r) => r.lastSignIn,
        last_non_interactive: (r) => r.lastNonInteractive,
        last_successful: (r) => r.lastSuccessful,
      },
      { onConflict: 'replace' },
    ),
  ],
});
