/**
 * Overlap between SKUs, derived from their service plans (never from a hand-written list
 * of SKU pairs).
 *
 * Only plans a user can be given count: learn.microsoft.com/graph/api/resources/serviceplaninfo
 * documents appliesTo "User" (assignable to individual users) and "Company" (applies to the
 * tenant as a whole, e.g. EXCHANGE_S_FOUNDATION bundled into non-Exchange products), so
 * Company plans are left out before comparing.
 *
 * A SKU overlaps another when each of its user plans is in the other SKU, or is a lower
 * edition of a plan the other SKU carries (Exchange Online Kiosk < Plan 1 < Plan 2, and the
 * same ladders for SharePoint, To Do and Skype). That is how Exchange Online (Plan 1)
 * (EXCHANGE_S_STANDARD) sits inside Office 365 E3 (EXCHANGE_S_ENTERPRISE).
 */

/** Editions of one service, lowest first (Microsoft's service plan names). */
const PLAN_LADDERS: readonly (readonly string[])[] = [
  ['EXCHANGE_S_DESKLESS', 'EXCHANGE_S_STANDARD', 'EXCHANGE_S_ENTERPRISE'],
  ['SHAREPOINTDESKLESS', 'SHAREPOINTSTANDARD', 'SHAREPOINTENTERPRISE'],
  ['BPOS_S_TODO_FIRSTLINE', 'BPOS_S_TODO_1', 'BPOS_S_TODO_2', 'BPOS_S_TODO_3'],
  ['MCOIMP', 'MCOSTANDARD'],
];

const RANK = new Map<string, { ladder: number; rank: number }>();
PLAN_LADDERS.forEach((ladder, li) => ladder.forEach((name, rank) => RANK.set(name, { ladder: li, rank })));

export interface SkuPlans {
  skuId: string;
  partNumber: string;
  /** User-assignable plans: id -> plan name. */
  userPlans: ReadonlyMap<string, string>;
}

/** True when every user plan of `a` is in `b` or below one of b's plans on the same ladder. */
export function coveredBy(a: SkuPlans, b: SkuPlans): boolean {
  if (a.userPlans.size === 0 || a.skuId === b.skuId) return false;
  let bestInB: Map<number, number> | undefined;
  for (const [id, name] of a.userPlans) {
    if (b.userPlans.has(id)) continue;
    const r = RANK.get(name.toUpperCase());
    if (!r) return false;
    bestInB ??= ladderTops(b);
    const top = bestInB.get(r.ladder);
    if (top === undefined || top < r.rank) return false;
  }
  return true;
}

function ladderTops(s: SkuPlans): Map<number, number> {
  const m = new Map<number, number>();
  for (const name of s.userPlans.values()) {
    const r = RANK.get(name.toUpperCase());
    if (r && (m.get(r.ladder) ?? -1) < r.rank) m.set(r.ladder, r.rank);
  }
  return m;
}

/**
 * For every ordered pair of distinct SKUs, whether the first is covered by the second. When
 * two SKUs cover each other (the same user plans), only the one with the greater part
 * number counts as the redundant one, so a pair is never reported twice.
 */
export function overlapTable(skus: readonly SkuPlans[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const a of skus) {
    for (const b of skus) {
      if (!coveredBy(a, b)) continue;
      if (coveredBy(b, a) && a.partNumber.localeCompare(b.partNumber) < 0) continue;
      let s = out.get(a.skuId);
      if (!s) out.set(a.skuId, (s = new Set()));
      s.add(b.skuId);
    }
  }
  return out;
}

/** Plans that make a SKU a productivity suite (mailbox, files, Office apps). */
export function isSuite(s: SkuPlans): boolean {
  const names = new Set([...s.userPlans.values()].map((n) => n.toUpperCase()));
  const exchange = names.has('EXCHANGE_S_ENTERPRISE') || names.has('EXCHANGE_S_STANDARD');
  const sharepoint = names.has('SHAREPOINTENTERPRISE') || names.has('SHAREPOINTSTANDARD');
  return exchange && sharepoint && names.has('OFFICESUBSCRIPTION');
}

/** Plans whose use the activity reports show: Exchange, SharePoint/OneDrive, Teams, Microsoft 365 Apps. */
export function hasWorkload(s: SkuPlans): boolean {
  for (const n of s.userPlans.values()) {
    const u = n.toUpperCase();
    if (u.startsWith('EXCHANGE_S_') && u !== 'EXCHANGE_S_FOUNDATION') return true;
    if (u.startsWith('SHAREPOINT') && u !== 'SHAREPOINTWAC') return true;
    if (u === 'TEAMS1' || u === 'OFFICESUBSCRIPTION') return true;
  }
  return false;
}

/** The mailbox-only SKU a suite holder could move to: Plan 2 when the suite carries it. */
export function mailboxDowngrade(s: SkuPlans): string {
  const names = new Set([...s.userPlans.values()].map((n) => n.toUpperCase()));
  return names.has('EXCHANGE_S_ENTERPRISE') ? 'EXCHANGEENTERPRISE' : 'EXCHANGESTANDARD';
}
