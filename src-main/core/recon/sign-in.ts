/**
 * Sign-in facts, defined once for every finding and export.
 *
 * learn.microsoft.com/graph/api/resources/signinactivity: lastSignInDateTime and
 * lastNonInteractiveSignInDateTime record sign-in ATTEMPTS, successful or not;
 * lastSuccessfulSignInDateTime is the last successful one (available since December 2023,
 * not backfilled). So:
 * - the last successful sign-in is lastSuccessfulSignInDateTime when present;
 * - otherwise the newer of the two attempt dates, marked "may include failed attempts";
 * - the sentinel 0001-01-01T00:00:00Z and empty strings mean "never".
 */

/** The date Graph sends for "never". */
export const NEVER_SENTINEL = '0001-01-01T00:00:00Z';

export interface SignInDates {
  lastSignIn: string | null;
  lastNonInteractive: string | null;
  lastSuccessful: string | null;
}

export type SignInFact =
  /** A successful sign-in at `at` (epoch ms); `iso` is the date as Graph sent it. */
  | { kind: 'successful'; at: number; iso: string }
  /** No successful date recorded; `at` is the newest attempt, which may have failed. */
  | { kind: 'attempt'; at: number; iso: string }
  /** No sign-in recorded at all. */
  | { kind: 'never' };

export const MAY_INCLUDE_FAILED = 'may include failed attempts';

/** Epoch ms of a sign-in date, or null for empty, the sentinel, year-1 dates and garbage. */
export function signInTime(v: string | null | undefined): number | null {
  if (v === null || v === undefined) return null;
  const t = v.trim();
  if (t === '' || t.startsWith('0001-01-01')) return null;
  const ms = canonicalUtcMs(t) ?? Date.parse(t);
  // Anything before 1970 is a placeholder, not a sign-in.
  return Number.isFinite(ms) && ms > 0 ? ms : null;
}

const digits = (s: string, i: number, n: number): number => {
  let v = 0;
  for (let k = i; k < i + n; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
};

/**
 * Epoch ms of `YYYY-MM-DDTHH:MM:SSZ` (the shape Graph sends), read without Date.parse, or
 * undefined for any other shape or a field Date.parse might read differently (years before
 * 1970, hour 24, days past the 28th), which then go to Date.parse. Findings read several dates
 * per user, so this is on the hot path; the unit tests hold it equal to Date.parse.
 */
export function canonicalUtcMs(s: string): number | undefined {
  if (s.length !== 20 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58 || s.charCodeAt(19) !== 90) {
    return undefined;
  }
  const y = digits(s, 0, 4);
  const mo = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  const h = digits(s, 11, 2);
  const mi = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 28 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, sec);
}

/** The last successful sign-in of a user's signInActivity (see the module comment). */
export function lastSuccessfulSignIn(d: SignInDates): SignInFact {
  const ok = signInTime(d.lastSuccessful);
  if (ok !== null) return { kind: 'successful', at: ok, iso: (d.lastSuccessful ?? '').trim() };
  const a = signInTime(d.lastSignIn);
  const b = signInTime(d.lastNonInteractive);
  if (a === null && b === null) return { kind: 'never' };
  // The newer attempt, as Graph wrote it.
  if (b === null || (a !== null && a >= b)) return { kind: 'attempt', at: a ?? 0, iso: (d.lastSignIn ?? '').trim() };
  return { kind: 'attempt', at: b, iso: (d.lastNonInteractive ?? '').trim() };
}
