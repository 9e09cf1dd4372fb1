import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { PASS_CACHE_KIB, PASS_TEMP_CACHE_KIB, withPassCache } from '../../../src-main/core/recon/pass-cache';
import { tempDb } from './fixture';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the page cache of a whole-snapshot pass', () => {
  it('is small while the pass runs and the connection gets its own back, also when the pass fails', () => {
    const { db, dir } = tempDb();
    dirs.push(dir);
    db.pragma('main.cache_size = -12345');
    db.pragma('temp.cache_size = -6789');
    const sizes = () => [db.pragma('main.cache_size', { simple: true }), db.pragma('temp.cache_size', { simple: true })];
    expect(withPassCache(db, sizes)).toEqual([-PASS_CACHE_KIB, -PASS_TEMP_CACHE_KIB]);
    expect(sizes()).toEqual([-12345, -6789]);
    expect(() =>
      withPassCache(db, () => {
        throw new Error('pass failed');
      }),
    ).toThrow('pass failed');
    expect(sizes()).toEqual([-12345, -6789]);
  });
});
