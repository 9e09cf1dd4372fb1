import { cancelledError } from '../net/net-errors';
import { abortableSleep } from './retry-policy';

/**
 * One gate every Graph request of a session passes, so concurrency backs off as a whole:
 *
 * - At most `maxInFlight` requests are on the wire at once (datasets and sign-in partitions share it).
 * - At most `maxPerSecond` requests start in any one-second window. "Microsoft Graph service-specific
 *   throttling limits" (learn.microsoft.com/graph/throttling-limits), identity and access service
 *   limits: an application+tenant pair gets 3,500 resource units per 10 s in a small tenant (5,000
 *   medium, 8,000 large), and listing users costs about 2 units per request; 150 requests/s at
 *   most (1,500 per 10 s, about 3,000 units) keeps a sync under the smallest tenant's limit even
 *   when the latency is low.
 * - When any request is answered 429/503 with Retry-After (whole or fractional seconds, as
 *   "Microsoft Graph throttling guidance", learn.microsoft.com/graph/throttling, shows: `2.128`),
 *   `hold` closes the gate for that long: no request of the session starts before it reopens,
 *   whichever dataset or partition it belongs to.
 * - A request marked `priority` (the chain of pages that sets a sync's pace) is woken before the
 *   others, and the others leave PRIORITY_SLOTS of the slots free for it (while the limit allows
 *   more than that), so the pace-setting chain never queues behind the rest.
 * - x-ms-throttle-limit-percentage (same guidance: sent once the app has used more than 0.8 of
 *   its limit) narrows the gate: from 0.8 the requests in flight shrink linearly to one at 1.0
 *   and above, and each response without the header (the app is back under 0.8) widens it again.
 */
export interface ThrottleGateOptions {
  /** Requests on the wire at once (default 24: every sign-in partition, the users stream and the other datasets at once). */
  maxInFlight?: number;
  /** Requests started per second at most (default 150). */
  maxPerSecond?: number;
  /** Monotonic clock in ms (default performance.now). */
  now?: () => number;
  /** Abortable sleep (default setTimeout). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface ThrottleGate {
  /** Wait until a request may start; returns the function that must be called when it ends. */
  acquire(signal?: AbortSignal, priority?: boolean): Promise<() => void>;
  /** Nothing starts for `ms` from now (a longer earlier hold is kept). */
  hold(ms: number): void;
  /** The x-ms-throttle-limit-percentage of a response (undefined when absent). */
  observe(limitPercentage: number | undefined): void;
  /** Requests currently allowed in flight. */
  readonly limit: number;
  /** The monotonic time before which no request starts. */
  readonly closedUntil: number;
}

export const DEFAULT_MAX_IN_FLIGHT = 24;
export const DEFAULT_MAX_PER_SECOND = 150;
/** Slots other requests leave free for priority ones: a page chain's current and next page. */
export const PRIORITY_SLOTS = 2;

export function createThrottleGate(o: ThrottleGateOptions = {}): ThrottleGate {
  const maxInFlight = Math.max(1, Math.trunc(o.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT));
  const maxPerSecond = Math.max(1, Math.trunc(o.maxPerSecond ?? DEFAULT_MAX_PER_SECOND));
  const now = o.now ?? (() => performance.now());
  const sleep = o.sleep ?? abortableSleep;
  let limit = maxInFlight;
  let inFlight = 0;
  let until = 0;
  /** Start times of the requests of the last second (oldest first). */
  const starts: number[] = [];
  /** Waiters for a free slot, woken one at a time in arrival order, priority ones first. */
  const waiters: (() => void)[] = [];
  const priorityWaiters: (() => void)[] = [];
  /** Slots a request may fill: all of them for a priority one, all but PRIORITY_SLOTS for the others. */
  const cap = (priority: boolean) => (priority || limit <= PRIORITY_SLOTS ? limit : limit - PRIORITY_SLOTS);

  const wakeOne = () => {
    if (inFlight < limit && priorityWaiters.length > 0) priorityWaiters.shift()?.();
    else if (inFlight < cap(false)) waiters.shift()?.();
  };

  async function acquire(signal?: AbortSignal, priority = false): Promise<() => void> {
    const queue = priority ? priorityWaiters : waiters;
    for (;;) {
      // 1. The shared hold (Retry-After) and the rate cap: wait until both allow a start. Each hold
      // is waited out once (a later, longer hold is waited for again), so an injected sleep that
      // does not advance the clock cannot loop.
      let served = -1;
      for (;;) {
        const t = now();
        while (starts.length > 0 && (starts[0] as number) <= t - 1000) starts.shift();
        const rateWait = starts.length >= maxPerSecond ? (starts[0] as number) + 1000 - t : 0;
        const holdWait = until !== served ? until - t : 0;
        const wait = Math.max(holdWait, rateWait);
        if (wait <= 0) break;
        served = until;
        // +1 ms: Node's timers run on a millisecond loop clock and may fire up to 1 ms before the
        // monotonic deadline; a request must never start inside a Retry-After hold.
        await sleep(Math.ceil(wait) + 1, signal);
        if (holdWait <= 0 && rateWait > 0) break;
      }
      // 2. A slot in flight.
      if (inFlight < cap(priority)) break;
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          const i = queue.indexOf(wake);
          if (i >= 0) queue.splice(i, 1);
          reject(cancelledError(signal?.reason));
        };
        const wake = () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(wake);
      });
      // Woken: take the slot unless a hold was set while waiting (then wait it out first).
      if (now() >= until && inFlight < cap(priority)) break;
      if (inFlight < cap(priority)) {
        await sleep(Math.ceil(Math.max(0, until - now())) + 1, signal);
        if (inFlight < cap(priority)) break;
      }
    }
    inFlight += 1;
    starts.push(now());
    let released = false;
    return () => {
      if (released) return;
      released = true;
      inFlight -= 1;
      wakeOne();
    };
  }

  return {
    acquire,
    hold(ms: number): void {
      if (!(ms > 0)) return;
      until = Math.max(until, now() + ms);
    },
    observe(pct: number | undefined): void {
      const next = pct === undefined || pct < 0.8 ? maxInFlight : pct >= 1 ? 1 : Math.max(1, Math.round(maxInFlight * ((1 - pct) / 0.2)));
      const widened = next > limit;
      limit = next;
      if (widened) for (let i = inFlight; i < limit; i++) wakeOne();
    },
    get limit() {
      return limit;
    },
    get closedUntil() {
      return until;
    },
  };
}
