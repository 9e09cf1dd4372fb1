import { describe, expect, it } from 'vitest';
import { readAhead } from '../../../src-main/core/sync/read-ahead';

/** A source of `n` numbers that records how many items were requested, and fails at `failAt`. */
function counting(n: number, failAt?: number) {
  const log = { requested: 0, closed: false };
  async function* gen(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < n; i++) {
        log.requested = i + 1;
        await Promise.resolve();
        if (i === failAt) throw new Error(`item ${i} failed`);
        yield i;
      }
    } finally {
      log.closed = true;
    }
  }
  return { log, source: gen() };
}

describe('readAhead', () => {
  it.each([0, 1, 2, 3])('yields every item in order and never requests more than %i ahead of the consumer', async (depth) => {
    const { log, source } = counting(8);
    const got: number[] = [];
    for await (const v of readAhead(source, depth)) {
      // Items requested so far: the one held, plus at most `depth` more.
      expect(log.requested).toBeLessThanOrEqual(v + 1 + depth);
      got.push(v);
      // While the consumer works, the requests ahead complete (up to the end of the source).
      await new Promise((r) => setTimeout(r, 5));
      expect(log.requested).toBe(Math.min(8, v + 1 + depth));
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('surfaces a source error only when the consumer reaches that item', async () => {
    const { source } = counting(8, 3);
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const v of readAhead(source, 2)) got.push(v);
      })(),
    ).rejects.toThrow('item 3 failed');
    expect(got).toEqual([0, 1, 2]);
  });

  it('an early stop closes the source and leaves no unhandled rejection from items read ahead', async () => {
    const { log, source } = counting(8, 2);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(
        (async () => {
          for await (const v of readAhead(source, 2)) {
            if (v === 0) throw new Error('consumer failed');
          }
        })(),
      ).rejects.toThrow('consumer failed');
      await new Promise((r) => setTimeout(r, 30));
      expect(log.closed).toBe(true);
      expect(log.requested).toBeLessThanOrEqual(3);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
