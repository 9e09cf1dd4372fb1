/**
 * Small, fast, deterministic hashing and PRNG used to derive every synthetic
 * record on its own (user i from seed + i), so a tenant of any size never has to
 * be held in memory.
 */

/** xmur3-style string hash to a uint32. */
export function hashString(str: string): number {
  let h = 1779033703 ^ str.length;
  for (let i = 0; i < str.length; i++) {
    h = Math.imul(h ^ str.charCodeAt(i), 3432918353);
    h = (h << 13) | (h >>> 19);
  }
  h = Math.imul(h ^ (h >>> 16), 2246822507);
  h = Math.imul(h ^ (h >>> 13), 3266489909);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Mixes two uint32 values into a well-distributed uint32 (murmur3 finaliser). */
export function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b + 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** mulberry32 generator; `next()` returns a float in [0, 1). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  reset(seed: number): this {
    this.state = seed >>> 0;
    return this;
  }
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  next(): number {
    return this.nextU32() / 4294967296;
  }
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    const v = items[Math.floor(this.next() * items.length)];
    if (v === undefined) throw new Error('pick from empty list');
    return v;
  }
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex32(n: number): string {
  return (HEX[(n >>> 24) & 255] ?? '') + (HEX[(n >>> 16) & 255] ?? '') + (HEX[(n >>> 8) & 255] ?? '') + (HEX[n & 255] ?? '');
}

/** A version-4-shaped GUID derived deterministically from (key, index, salt). */
export function guidFrom(key: number, index: number, salt: number): string {
  const base = mix(key ^ salt, index);
  const a = mix(base, 1);
  const b = mix(base, 2);
  const c = mix(base, 3);
  const d = mix(base, 4);
  const h2 = hex32(b);
  const h3 = hex32(c);
  return (
    hex32(a) + '-' + h2.slice(0, 4) + '-4' + h2.slice(5, 8) + '-' +
    (HEX[0x80 | ((c >>> 24) & 0x3f)] ?? '80') + h3.slice(2, 4) + '-' + h3.slice(4, 8) + hex32(d)
  );
}
