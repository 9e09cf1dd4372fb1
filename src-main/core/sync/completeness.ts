import { OperatorError } from '../errors/operator-error';

/**
 * Whether a collection arrived whole. Graph announces the size of a collection with
 * `@odata.count` when the request asks `$count=true` (an advanced query, sent with
 * `ConsistencyLevel: eventual`). The count comes from an index that lags the directory a
 * little ("Advanced query capabilities on Microsoft Entra ID objects", Microsoft Learn:
 * advanced queries are eventually consistent), so objects created or deleted during the
 * sync may make it differ from the items paged through by a few. A larger gap means pages
 * went missing: a collection that ended early, a nextLink lost.
 *
 * Pure: the engine calls it where it builds a dataset's result.
 */
export interface CountGap {
  /** Items received and items announced. */
  items: number;
  expected: number;
  /** For the dataset's stored result. */
  reason: string;
  /** For the snapshot's warnings: names both numbers. */
  warning: string;
}

/** How far items may drift from the announced count and still count as complete: 1 %, at least 10. */
export function countTolerance(expected: number): number {
  return Math.max(10, Math.ceil(expected * 0.01));
}

/** The gap between the items received and the announced count, or undefined when they agree (within the tolerance) or no count was announced. */
export function countGap(label: string, items: number, expected: number | undefined): CountGap | undefined {
  if (expected === undefined || !Number.isFinite(expected) || expected < 0) return undefined;
  if (Math.abs(items - expected) <= countTolerance(expected)) return undefined;
  const fewer = items < expected;
  return {
    items,
    expected,
    reason: `incomplete: ${items} received, ${expected} announced by @odata.count`,
    warning: `${label}: ${items} received but Microsoft Graph announced ${expected} (${fewer ? `${expected - items} missing` : `${items - expected} more than announced`}); the dataset is marked incomplete.`,
  };
}

/**
 * The failure of a sync whose user list is incomplete: the users are what every finding
 * rests on, so the sync fails unless the operator accepts an incomplete list.
 */
export function incompleteUsersError(gap: CountGap): OperatorError {
  return new OperatorError('graph-error', `The user list is incomplete: ${gap.items} users received, but Microsoft Graph announced ${gap.expected}. Nothing was saved.`, {
    hint: 'Sync again in a few minutes. If the numbers still differ, the sync can be told to accept an incomplete user list; the snapshot then carries a warning.',
    remedy: { action: 'retry-later' },
  });
}
