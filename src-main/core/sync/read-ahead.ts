import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Iterate `source` while keeping at most `depth` items requested ahead of the one
 * the consumer holds. Collection pages are latency-bound: page N+1 is asked for as
 * soon as page N has arrived (its nextLink is known), so the network and the server
 * work while page N is validated and written. Memory stays bounded: at most `depth`
 * items beyond the current one exist at any time.
 *
 * Before handing an item over, the event loop gets one turn, so the request for the
 * next item is on the wire before the consumer's synchronous work starts.
 *
 * Errors keep their order: an item's error surfaces when the consumer reaches it.
 * When the consumer stops early (break or throw), the items already requested are
 * dropped (their failures are swallowed) and the source is asked to close without
 * waiting for them; the caller's AbortSignal is what cancels a request in flight.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth: number): AsyncGenerator<T, void, undefined> {
  const ahead = Math.max(0, Math.trunc(depth));
  const it = source[Symbol.asyncIterator]();
  const queue: Promise<IteratorResult<T>>[] = [];
  let finished = false;
  const pull = (): void => {
    const p = it.next();
    // Handled when the consumer reaches it; this only keeps an early stop from leaving a rejection unhandled.
    p.catch(() => undefined);
    queue.push(p);
  };
  try {
    for (;;) {
      if (queue.length === 0) pull();
      const head = queue.shift();
      if (!head) return;
      let r: IteratorResult<T>;
      try {
        r = await head;
      } catch (e) {
        // The source has failed; it is finished and must not be asked again.
        finished = true;
        throw e;
      }
      if (r.done) {
        finished = true;
        return;
      }
      while (queue.length < ahead) pull();
      if (ahead > 0) await nextTurn();
      yield r.value;
    }
  } finally {
    if (!finished) {
      // Not awaited: an async generator only runs return() after the request it is in.
      it.return?.()?.catch(() => undefined);
    }
  }
}
