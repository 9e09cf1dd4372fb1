/**
 * The session-wide throttle gate (graph/throttle-gate.ts). Asserted as orderings of monotonic
 * clock readings, never absolute durations: after a hold, no waiting request starts before the
 * gate reopens, whichever partition it belongs to.
 * "Microsoft Graph throttling guidance" (learn.microsoft.com/graph/throttling): Retry-After may be
 * fractional (`2.128`); x-ms-throttle-limit-percentage is sent from 0.8 of the limit on.
 */
import { describe, expect, it } from 'vitest';
import { createThrottleGate } from '../../../src-main/core/graph/throttle-gate';
import { parseRetryAfter, resolveRetryOptions } from '../../../src-main/core/graph/retry-policy';
import { RetryMiddleware, RequestState } from '../../../src-main/core/graph/middleware';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

describe('throttle gate', () => {
  const settled = async (p: Promise<unknown>): Promise<boolean> => {
    let done = false;
    void p.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    return done;
  };

  it('other requests leave slots free for the priority chain', async () => {
    const gate = createThrottleGate({ maxInFlight: 4 });
    await gate.acquire();
    await gate.acquire();
    const third = gate.acquire();
    expect(await settled(third)).toBe(false);
    // The users chain's current and next page both start at once.
    expect(await settled(gate.acquire(undefined, true))).toBe(true);
    expect(await settled(gate.acquire(undefined, true))).toBe(true);
  });

  it('a freed slot goes to a waiting priority request before earlier other ones', async () => {
    const gate = createThrottleGate({ maxInFlight: 3 });
    const held = [await gate.acquire(undefined, true), await gate.acquire(undefined, true), await gate.acquire(undefined, true)];
    const other = gate.acquire();
    const chain = gate.acquire(undefined, true);
    expect(await settled(other)).toBe(false);
    held[0]?.();
    expect(await settled(chain)).toBe(true);
    expect(await settled(other)).toBe(false);
    held[1]?.();
    held[2]?.();
    // The others may fill all but PRIORITY_SLOTS (2) of the 3: only once the chain is done.
    expect(await settled(other)).toBe(false);
    (await chain)();
    expect(await settled(other)).toBe(true);
  });

  it('a fractional Retry-After closes the gate for every partition until it reopens', async () => {
    const gate = createThrottleGate({ maxInFlight: 8 });
    const ms = parseRetryAfter('0.137');
    expect(ms).toBe(137);
    gate.hold(ms ?? 0);
    const reopens = gate.closedUntil;
    const starts = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const release = await gate.acquire();
        const t = performance.now();
        release();
        return t;
      }),
    );
    for (const t of starts) expect(t).toBeGreaterThanOrEqual(reopens);
  });

  it('a hold set while requests wait for a slot is waited out by them too', async () => {
    const gate = createThrottleGate({ maxInFlight: 1 });
    const first = await gate.acquire();
    const waiting = Array.from({ length: 3 }, async () => {
      const release = await gate.acquire();
      const t = performance.now();
      release();
      return t;
    });
    gate.hold(60);
    const reopens = gate.closedUntil;
    first();
    for (const t of await Promise.all(waiting)) expect(t).toBeGreaterThanOrEqual(reopens);
  });

  it('bounds the requests in flight, and narrows as x-ms-throttle-limit-percentage rises', async () => {
    const gate = createThrottleGate({ maxInFlight: 10 });
    expect(gate.limit).toBe(10);
    gate.observe(0.9);
    expect(gate.limit).toBe(5);
    gate.observe(1.2);
    expect(gate.limit).toBe(1);
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        const release = await gate.acquire();
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= 1;
        release();
      }),
    );
    expect(peak).toBe(1);
    // A response without the header: the app is under 0.8 again.
    gate.observe(undefined);
    expect(gate.limit).toBe(10);
  });

  it('the retry middleware holds the whole gate on a 429 with a fractional Retry-After', async () => {
    const gate = createThrottleGate({ maxInFlight: 4 });
    const starts: number[] = [];
    let calls = 0;
    const terminal: Middleware = {
      async execute(context: Context) {
        calls += 1;
        starts.push(performance.now());
        await new Promise((r) => setTimeout(r, 2));
        context.response = calls === 1 ? new Response(null, { status: 429, headers: { 'Retry-After': '0.08' } }) : new Response('{}', { status: 200 });
      },
    };
    const mw = new RetryMiddleware(resolveRetryOptions({ baseDelayMs: 0 }), undefined, gate);
    mw.setNext(terminal);
    const run = () => {
      const state = new RequestState(undefined);
      const context = { request: 'https://graph.example.test/v1.0/users', options: { method: 'GET' }, middlewareControl: { getMiddlewareOptions: () => state } } as unknown as Context;
      return mw.execute(context);
    };
    const first = run();
    // Other partitions' requests arrive once the 429 has been seen.
    while (gate.closedUntil === 0) await new Promise((r) => setImmediate(r));
    const reopens = gate.closedUntil;
    const seenAt = performance.now();
    expect(reopens).toBeGreaterThan(seenAt);
    await Promise.all([first, run(), run(), run()]);
    // The throttled request's retry and the three others all started after the gate reopened.
    const after = starts.slice(1);
    expect(after).toHaveLength(4);
    for (const t of after) expect(t).toBeGreaterThanOrEqual(reopens);
  });
});
