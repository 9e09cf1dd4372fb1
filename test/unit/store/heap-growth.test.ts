import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/core/store/db';
import { HeapGrowthLimit, SYNC_HEAP_GROWING_PERCENT } from '../../../src-main/core/store/heap-growth';
import { openSnapshotSink } from '../../../src-main/core/store/snapshot-sink';

const dir = mkdtempSync(join(tmpdir(), 'heap-growth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A limit that records the V8 flags it would set. */
function recording(opts: { percent?: number; execArgv?: string[] } = {}): { limit: HeapGrowthLimit; flags: string[] } {
  const flags: string[] = [];
  return { limit: new HeapGrowthLimit({ execArgv: [], ...opts, set: (f) => flags.push(f) }), flags };
}

describe('HeapGrowthLimit', () => {
  it('sets the growing percent on the first hold and gives V8 its default back on the last release', () => {
    const { limit, flags } = recording({ percent: 80 });
    const a = limit.hold();
    const b = limit.hold();
    expect(flags).toEqual(['--heap-growing-percent=80']);
    a();
    a();
    expect(limit.holds).toBe(1);
    expect(flags).toEqual(['--heap-growing-percent=80']);
    b();
    expect(limit.holds).toBe(0);
    expect(flags).toEqual(['--heap-growing-percent=80', '--heap-growing-percent=0']);
    limit.hold();
    expect(flags.at(-1)).toBe('--heap-growing-percent=80');
  });

  it('keeps a growing percent the process was started with', () => {
    for (const arg of ['--heap-growing-percent=300', '--heap_growing_percent=300']) {
      const { limit, flags } = recording({ execArgv: ['--enable-source-maps', arg] });
      limit.hold()();
      expect(flags).toEqual([]);
    }
  });

  it('defaults to the sync percent, a flag this V8 has', () => {
    const { limit, flags } = recording();
    limit.hold()();
    expect(flags).toEqual([`--heap-growing-percent=${SYNC_HEAP_GROWING_PERCENT}`, '--heap-growing-percent=0']);
    // The flag exists in this Node's V8 (setFlagsFromString would ignore an unknown one).
    const v8Options = spawnSync(process.execPath, ['--v8-options'], { encoding: 'utf8' }).stdout;
    expect(v8Options).toMatch(/^\s+--heap-growing-percent \(/m);
  });
});

describe('openSnapshotSink', () => {
  it.each([
    ['writer thread', true],
    ['calling thread', false],
  ])('holds the heap growth limit from open to close on the %s, and once', async (_name, thread) => {
    const db = openDatabase(join(dir, `sink-${String(thread)}.db`));
    const { limit, flags } = recording({ percent: 50 });
    const sink = openSnapshotSink(db, { thread, heapGrowth: limit });
    expect(limit.holds).toBe(1);
    await sink.close();
    await sink.close();
    expect(limit.holds).toBe(0);
    expect(flags).toEqual(['--heap-growing-percent=50', '--heap-growing-percent=0']);
    db.close();
  });

  it('holds nothing when the sink cannot open', () => {
    const db = openDatabase(join(dir, 'busy.db'));
    const { limit } = recording();
    const first = openSnapshotSink(db, { heapGrowth: limit });
    // A second writer on the same connection is refused.
    expect(() => openSnapshotSink(db, { heapGrowth: limit })).toThrow(/already writing/);
    expect(limit.holds).toBe(1);
    return first.close().then(() => {
      expect(limit.holds).toBe(0);
      db.close();
    });
  });
});
