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
 * Parses Retry-After into milliseconds: delta-seconds ("120") or an HTTP-date (RFC 9110 §10.2.3),
 * and fractional seconds as Microsoft Graph sends them ("Microsoft Graph throttling guidance",
 * learn.microsoft.com/graph/throttling, shows `Retry-After: 2.128`), rounded up to the next
 * millisecond so a retry never fires early. Returns undefined for a missing or malformed value;
 * a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  const m = /^(\d+)(?:\.(\d+))?$/.exec(v);
  if (m) {
    // Decimal arithmetic on the digits: 2.128 * 1000 in binary floating point is not exactly 2128.
    const frac = m[2] ?? '';
    const ms = Number(m[1]) * 1000 + Number(frac.slice(0, 3).padEnd(3, '0')) + (/[1-9]/.test(frac.slice(3)) ? 1 : 0);
    return Number.isSafeInteger(ms) ? ms : undefined;
  }
  // HTTP-date (IMF-fixdate, or the obsolete RFC 850 / asctime forms Date.parse also accepts).
  if (!/[A-Za-z]{3}/.test(v) || !/\d{2}:\d{2}:\d{2}/.test(v)) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return undefined;
  return Math.max(0, t - now);
}

/**
 * x-ms-throttle-limit-percentage: how much of its throttling limit the app has used, as a fraction.
 * "Microsoft Graph throttling guidance" (identity and access service limits): returned only when
 * the app has used more than 0.8 of its limit; the value runs from 0.8 to 1.8. Returns undefined
 * for a missing or malformed value (a negative number, a percent sign, anything above 100).
 */
export function parseThrottleLimitPercentage(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (!/^\d+(?:\.\d+)?$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n <= 100 ? n : undefined;
}

/** What a Graph response says about throttling: the wait it asks for and how close the app is to its limit. */
export interface ThrottleSignal {
  /** Retry-After in ms, when present and well formed. */
  retryAfterMs?: number;
  /** x-ms-throttle-limit-percentage (a fraction, 0.8 to 1.8), when present and well formed. */
  limitPercentage?: number;
  /** True from 1.0 on: the app is at or past its limit, so slow down even before a 429. */
  atLimit: boolean;
}

/** Reads the throttling headers of a response (for the retry event and the sync's pacing). */
export function throttleSignal(headers: Pick<Headers, 'get'>, now: number = Date.now()): ThrottleSignal {
  const retryAfterMs = parseRetryAfter(headers.get('retry-after'), now);
  const limitPercentage = parseThrottleLimitPercentage(headers.get('x-ms-throttle-limit-percentage'));
  return {
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(limitPercentage !== undefined ? { limitPercentage } : {}),
    atLimit: limitPercentage !== undefined && limitPercentage >= 1,
  };
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
