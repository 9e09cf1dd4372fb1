import { describe, expect, it } from 'vitest';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { abortableSleep, parseRetryAfter, parseThrottleLimitPercentage, resolveRetryOptions, retryDelayMs, throttleSignal } from '../../../src-main/core/graph/retry-policy';
import { RequestState, RetryMiddleware, type RetryEvent } from '../../../src-main/core/graph/middleware';
import { OperatorError } from '../../../src-main/core/errors/operator-error';

// Retry-After: RFC 9110 §10.2.3 (delay-seconds or HTTP-date); Graph guidance: https://learn.microsoft.com/graph/throttling
describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-26T10:00:00Z');
  it.each<[string | null | undefined, number | undefined]>([
    ['0', 0],
    ['1', 1000],
    ['120', 120_000],
    [' 7 ', 7000],
    ['Thu, 26 Nov 2026 10:00:30 GMT', 30_000],
    ['Thursday, 26-Nov-26 10:00:05 GMT', 5000],
    ['Thu, 26 Nov 2026 09:00:00 GMT', 0],
    ['-1', undefined],
    // Fractional seconds, as Graph sends them ("Microsoft Graph throttling guidance" shows 2.128),
    // rounded up to the millisecond so no retry fires early.
    ['2.128', 2128],
    ['1.5', 1500],
    ['0.0001', 1],
    ['2.1281', 2129],
    ['0.29', 290],
    ['1.', undefined],
    ['.5', undefined],
    ['1e3', undefined],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
    ['2026-11-26', undefined],
    ['99999999999999999999', undefined],
  ])('%j -> %s', (v, ms) => expect(parseRetryAfter(v, now)).toBe(ms));
});

describe('retryDelayMs', () => {
  const o = resolveRetryOptions({ baseDelayMs: 100, maxDelayMs: 5000, maxRetryAfterMs: 700_000, random: () => 0.5, now: () => 0 });
  it.each<[number, string | null, number]>([
    [1, null, 75], // step 100: 50 + 0.5 * 50
    [2, null, 150],
    [3, null, 300],
    [10, null, 3750], // capped at 5000
    [1, '2', 2000], // Retry-After wins
    [1, '2.128', 2128], // fractional: honoured, not replaced by a shorter backoff
    [6, '0.25', 250],
    [1, '600', 600_000], // ...and is honoured in full, beyond the backoff cap
    [4, 'garbage', 600],
  ])('attempt %d, Retry-After %j -> %d ms', (attempt, ra, ms) => expect(retryDelayMs(attempt, ra, o)).toBe(ms));

  it('ends as throttled instead of retrying early when Retry-After exceeds what the sync waits out', () => {
    expect(() => retryDelayMs(1, '900', o)).toThrow(/wait 900 s/);
    expect(() => retryDelayMs(1, '900', o)).toThrow(expect.objectContaining({ code: 'throttled', hint: expect.stringMatching(/15 minutes/) }));
  });

  it('ends as throttled for a long fractional Retry-After too, and waits out a long one within the limit', () => {
    expect(() => retryDelayMs(1, '900.5', o)).toThrow(/wait 901 s/);
    expect(retryDelayMs(1, '599.999', o)).toBe(599_999);
  });

  it('bounds maxAttempts', () => {
    expect(resolveRetryOptions({}).maxAttempts).toBe(6);
    expect(resolveRetryOptions({ maxAttempts: 0 }).maxAttempts).toBe(1);
    expect(resolveRetryOptions({ maxAttempts: 1000 }).maxAttempts).toBe(20);
  });
});

// x-ms-throttle-limit-percentage: "Microsoft Graph throttling guidance", identity and access service
// limits: sent once an app has used more than 0.8 of its limit; values run from 0.8 to 1.8.
describe('x-ms-throttle-limit-percentage', () => {
  it.each<[string | null, number | undefined]>([
    ['0.8', 0.8],
    ['1.8', 1.8],
    [' 1.25 ', 1.25],
    ['1', 1],
    ['80%', undefined],
    ['-0.9', undefined],
    ['abc', undefined],
    ['', undefined],
    [null, undefined],
    ['1000', undefined],
  ])('%j -> %s', (v, n) => expect(parseThrottleLimitPercentage(v)).toBe(n));

  it('reads both throttling headers of a response', () => {
    expect(throttleSignal(new Headers({ 'retry-after': '2.128', 'x-ms-throttle-limit-percentage': '1.2' }))).toEqual({ retryAfterMs: 2128, limitPercentage: 1.2, atLimit: true });
    expect(throttleSignal(new Headers({ 'x-ms-throttle-limit-percentage': '0.85' }))).toEqual({ limitPercentage: 0.85, atLimit: false });
    expect(throttleSignal(new Headers())).toEqual({ atLimit: false });
  });
});

type Step = { status: number; retryAfter?: string } | { error: OperatorError };

/** A terminal middleware that answers from a script and counts calls. */
class Scripted implements Middleware {
  calls = 0;
  constructor(private readonly steps: Step[]) {}
  execute(context: Context): Promise<void> {
    const step = this.steps[Math.min(this.calls, this.steps.length - 1)];
    this.calls++;
    if (!step) throw new Error('empty script');
    if ('error' in step) return Promise.reject(step.error);
    context.response = new Response(null, { status: step.status, headers: step.retryAfter ? { 'retry-after': step.retryAfter } : {} });
    return Promise.resolve();
  }
}

function run(steps: Step[], opts: { maxAttempts?: number; signal?: AbortSignal } = {}) {
  const sleeps: number[] = [];
  const events: RetryEvent[] = [];
  const terminal = new Scripted(steps);
  const retry = new RetryMiddleware(
    resolveRetryOptions({ maxAttempts: opts.maxAttempts ?? 4, baseDelayMs: 10, random: () => 0, sleep: (ms, signal) => (sleeps.push(ms), signal?.aborted ? Promise.reject(new OperatorError('cancelled', 'c', { hint: '' })) : Promise.resolve()) }),
    (e) => events.push(e),
  );
  retry.setNext(terminal);
  const state = new RequestState(opts.signal);
  const context = {
    request: 'https://graph.microsoft.com/v1.0/users',
    options: { method: 'GET' },
    middlewareControl: { getMiddlewareOptions: () => state, setMiddlewareOptions: () => undefined },
  } as unknown as Context;
  return { promise: retry.execute(context).then(() => context.response?.status), sleeps, events, terminal, state };
}

const net = () => new OperatorError('network', 'reset', { hint: '' });

describe('RetryMiddleware', () => {
  it('waits out a fractional Retry-After in full (2.128 s is 2128 ms, not an early retry)', async () => {
    const r = run([{ status: 429, retryAfter: '2.128' }, { status: 503, retryAfter: '0.29' }, { status: 200 }]);
    await expect(r.promise).resolves.toBe(200);
    expect(r.sleeps).toEqual([2128, 290]);
    expect(r.events.map((e) => e.delayMs)).toEqual([2128, 290]);
  });

  it('retries 429/503/504 honouring Retry-After, then succeeds', async () => {
    const r = run([{ status: 429, retryAfter: '2' }, { status: 503 }, { status: 504, retryAfter: '1' }, { status: 200 }]);
    await expect(r.promise).resolves.toBe(200);
    expect(r.terminal.calls).toBe(4);
    expect(r.sleeps).toEqual([2000, 10, 1000]);
    expect(r.events.map((e) => e.reason)).toEqual([429, 503, 504]);
    expect(r.events[0]?.host).toBe('https://graph.microsoft.com');
  });

  it('stops after maxAttempts and leaves the last throttled response for translation', async () => {
    const r = run([{ status: 429, retryAfter: '1' }], { maxAttempts: 3 });
    await expect(r.promise).resolves.toBe(429);
    expect(r.terminal.calls).toBe(3);
    expect(r.sleeps).toHaveLength(2);
    expect(r.state.attempts).toBe(3);
  });

  it.each([400, 401, 403, 404, 409, 500, 501, 502])('never retries %d', async (status) => {
    const r = run([{ status }, { status: 200 }]);
    await expect(r.promise).resolves.toBe(status);
    expect(r.terminal.calls).toBe(1);
  });

  it('retries transport failures (reset, truncated body) with backoff', async () => {
    const r = run([{ error: net() }, { error: net() }, { status: 200 }]);
    await expect(r.promise).resolves.toBe(200);
    expect(r.sleeps).toEqual([5, 10]);
  });

  it('rethrows the transport failure when attempts run out', async () => {
    const r = run([{ error: net() }], { maxAttempts: 2 });
    await expect(r.promise).rejects.toMatchObject({ code: 'network' });
    expect(r.terminal.calls).toBe(2);
  });

  it.each(['tls', 'host-refused', 'auth-failed'] as const)('does not retry %s', async (code) => {
    const r = run([{ error: new OperatorError(code, 'x', { hint: '' }) }, { status: 200 }]);
    await expect(r.promise).rejects.toMatchObject({ code });
    expect(r.terminal.calls).toBe(1);
  });

  it('stops when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const r = run([{ status: 429, retryAfter: '1' }, { status: 200 }], { signal: ac.signal });
    await expect(r.promise).rejects.toMatchObject({ code: 'cancelled' });
  });
});

describe('abortableSleep', () => {
  it('rejects promptly with cancelled', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const p = abortableSleep(10_000, ac.signal);
    setTimeout(() => ac.abort(), 10);
    await expect(p).rejects.toMatchObject({ code: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(1000);
  });
  it('resolves after the delay', async () => {
    await expect(abortableSleep(5)).resolves.toBeUndefined();
  });
});
