import { cancelledError } from '../net/net-errors';
import { OperatorError } from '../errors/operator-error';

/**
 * Retry policy for Graph: 429/503/504 and transport failures (reset
 * connections, truncated bodies) are retried a bounded number of times.
 * Retry-After (seconds or HTTP-date, RFC 9110 §10.2.3) wins over the computed
 * backoff; otherwise exponential backoff with full jitter. Other 4xx are never
 * retried. See https://learn.microsoft.com/graph/throttling.
 */
export interface RetryOptions {
  /** Total attempts including the first (default 6). */
  maxAttempts?: number;
  /** First backoff step in ms (default 500). */
  baseDelayMs?: number;
  /** Cap for one computed backoff step (default 60 s). */
  maxDelayMs?: number;
  /**
   * Longest Retry-After the sync waits out (default 5 min). Retry-After is always
   * honoured: a longer one ends the sync as 'throttled' rather than retrying early.
   */
  maxRetryAfterMs?: number;
  /** Abortable sleep; injected by tests. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of randomness in [0, 1) for jitter; injected by tests. */
  random?: () => number;
  /** Clock for HTTP-date Retry-After; injected by tests. */
  now?: () => number;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 503, 504]);

export function resolveRetryOptions(o: RetryOptions = {}): ResolvedRetryOptions {
  const maxAttempts = Math.max(1, Math.min(20, Math.floor(o.maxAttempts ?? 6)));
  return {
    maxAttempts,
    baseDelayMs: Math.max(0, o.baseDelayMs ?? 500),
    maxDelayMs: Math.max(0, o.maxDelayMs ?? 60_000),
    maxRetryAfterMs: Math.max(0, o.maxRetryAfterMs ?? 300_000),
    sleep: o.sleep ?? abortableSleep,
    random: o.random ?? Math.random,
    now: o.now ?? Date.now,
  };
}

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

/**
 * Parses Retry-After into milliseconds: delta-seconds ("120") or an HTTP-date.
 * Returns undefined for a missing or malformed value; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  if (/^\d+$/.test(v)) {
    const seconds = Number(v);
    return Number.isSafeInteger(seconds) ? seconds * 1000 : undefined;
  }
  // HTTP-date (IMF-fixdate, or the obsolete RFC 850 / asctime forms Date.parse also accepts).
  if (!/[A-Za-z]{3}/.test(v) || !/\d{2}:\d{2}:\d{2}/.test(v)) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/** Wait before attempt `attempt + 1` (attempt is 1-based: the attempt that just failed). */
export function retryDelayMs(attempt: number, retryAfter: string | null | undefined, o: ResolvedRetryOptions): number {
  const fromHeader = parseRetryAfter(retryAfter, o.now());
  if (fromHeader !== undefined) {
    if (fromHeader > o.maxRetryAfterMs) {
      const seconds = Math.ceil(fromHeader / 1000);
      throw new OperatorError('throttled', `Microsoft Graph asked to wait ${seconds} s before the next request.`, {
        hint: `Run the sync again in ${seconds >= 120 ? `${Math.ceil(seconds / 60)} minutes` : `${seconds} seconds`}; other apps in the tenant may be using the same throttling budget.`,
        remedy: { action: 'retry-later' },
      });
    }
    return fromHeader;
  }
  const exp = o.baseDelayMs * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(exp, o.maxDelayMs);
  // Full jitter keeps parallel clients from retrying in lockstep; never below half the step.
  return Math.round(capped / 2 + (o.random() * capped) / 2);
}

/** setTimeout that rejects with OperatorError('cancelled') as soon as the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(cancelledError(signal.reason));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelledError(signal?.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
