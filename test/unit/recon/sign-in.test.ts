import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalUtcMs, lastSuccessfulSignIn, NEVER_SENTINEL, signInTime } from '../../../src-main/core/recon/sign-in';
import { lastSignInCell } from '../../../src-main/core/export/exports';

// learn.microsoft.com/graph/api/resources/signinactivity: lastSignInDateTime and
// lastNonInteractiveSignInDateTime are attempts, successful or not; lastSuccessfulSignInDateTime
// is the last successful sign-in (since December 2023, not backfilled).
describe('sign-in facts', () => {
  const none = { lastSignIn: null, lastNonInteractive: null, lastSuccessful: null };

  it('uses lastSuccessfulSignInDateTime when present, even when an attempt is newer (a failed attempt)', () => {
    const f = lastSuccessfulSignIn({ lastSignIn: '2026-10-30T08:00:00Z', lastNonInteractive: '2026-10-31T08:00:00Z', lastSuccessful: '2026-03-01T10:00:00Z' });
    expect(f).toEqual({ kind: 'successful', at: Date.parse('2026-03-01T10:00:00Z'), iso: '2026-03-01T10:00:00Z' });
  });

  it('falls back to the newer attempt date, marked as an attempt', () => {
    expect(lastSuccessfulSignIn({ ...none, lastSignIn: '2026-01-01T00:00:00Z', lastNonInteractive: '2026-02-01T00:00:00Z' })).toMatchObject({ kind: 'attempt', iso: '2026-02-01T00:00:00Z' });
    expect(lastSuccessfulSignIn({ ...none, lastSignIn: '2026-03-01T00:00:00Z', lastNonInteractive: '2026-02-01T00:00:00Z' })).toMatchObject({ kind: 'attempt', iso: '2026-03-01T00:00:00Z' });
    expect(lastSuccessfulSignIn({ ...none, lastNonInteractive: '2026-02-01T00:00:00Z', lastSuccessful: NEVER_SENTINEL })).toMatchObject({ kind: 'attempt' });
  });

  it.each([
    ['nulls', none],
    ['the sentinel', { lastSignIn: NEVER_SENTINEL, lastNonInteractive: NEVER_SENTINEL, lastSuccessful: NEVER_SENTINEL }],
    ['empty strings', { lastSignIn: '', lastNonInteractive: ' ', lastSuccessful: '' }],
    ['the sentinel with fractions', { ...none, lastSignIn: '0001-01-01T00:00:00.0000000Z' }],
  ])('reads %s as never', (_l, d) => {
    expect(lastSuccessfulSignIn(d)).toEqual({ kind: 'never' });
  });

  it('ignores garbage and pre-1970 placeholders', () => {
    expect(signInTime('not a date')).toBeNull();
    expect(signInTime('1601-01-01T00:00:00Z')).toBeNull();
    expect(signInTime('2026-01-01T00:00:00Z')).toBe(Date.parse('2026-01-01T00:00:00Z'));
  });
});

describe('reading Graph dates without Date.parse', () => {
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  it('agrees with Date.parse on every YYYY-MM-DDTHH:MM:SSZ date it reads, and leaves the doubtful ones to it', () => {
    const date = fc
      .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.integer({ min: 0, max: 61 }))
      .map(([y, mo, d, h, mi, s]) => `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}T${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}Z`);
    fc.assert(
      fc.property(date, (s) => {
        const fast = canonicalUtcMs(s);
        if (fast !== undefined) expect(fast).toBe(Date.parse(s));
        expect(signInTime(s)).toBe(((ms) => (Number.isFinite(ms) && ms > 0 ? ms : null))(Date.parse(s)));
      }),
      { seed: 7, numRuns: 5000 },
    );
    expect(canonicalUtcMs('2026-10-27T08:00:00Z')).toBe(Date.parse('2026-10-27T08:00:00Z'));
    for (const other of ['2026-10-31T08:00:00.123Z', '2026-10-31T08:00:00+02:00', '2026-10-31', '2026-02-30T00:00:00Z', '1969-12-31T23:59:59Z', '2026-1O-31T08:00:00Z']) {
      expect(canonicalUtcMs(other)).toBeUndefined();
    }
  });
});

describe("the user-licence export's Last sign-in", () => {
  const row = { lastSignIn: null, lastNonInteractiveSignIn: null, lastSuccessfulSignIn: null, hasSignInRow: true };
  it('shows the last successful sign-in, not a newer failed attempt (a password-spray victim does not look active)', () => {
    expect(lastSignInCell({ ...row, lastSignIn: '2026-10-31T00:00:00Z', lastNonInteractiveSignIn: '2026-10-30T00:00:00Z', lastSuccessfulSignIn: '2026-01-05T00:00:00Z' }, true)).toBe('2026-01-05T00:00:00Z');
  });
  it('shows Never for the sentinel', () => {
    expect(lastSignInCell({ ...row, lastSignIn: NEVER_SENTINEL, lastNonInteractiveSignIn: NEVER_SENTINEL, lastSuccessfulSignIn: NEVER_SENTINEL }, true)).toBe('Never');
  });
});
