import { setFlagsFromString } from 'node:v8';

/**
 * How far V8 lets the old generation grow past what survived the last full collection while a
 * snapshot is being written, in per cent (V8's `--heap-growing-percent`: limit = live x (1 + p/100)).
 *
 * A sync's live heap is small and flat (about 30 MB), but every page it reads leaves its body
 * text, its parsed objects and its network buffers behind as garbage. V8 picks the growing factor
 * from the heap limit and the allocation rate; on a machine with 16 GB or more the limit is 4 GB
 * and the factor up to 4, so the old generation filled with dead pages to about 80 MB, large
 * objects (page texts) to 25 MB and the network buffers they kept alive to 30 MB before a full
 * collection: about 100 MB of a 100,000-user sync's 310 MB peak RSS was garbage.
 *
 * Measured on a 100,000-user demo tenant (peak RSS of a full sync; CPU time of a users-only sync,
 * 2 to 3 runs): V8's default 305-314 MB, 3.0-3.3 s; 200 %: 287 MB, 3.2-3.3 s; 150 %: 262 MB,
 * 3.2-3.3 s; 100 %: 238 MB, 3.3-3.6 s; 50 %: 223 MB, 3.6-3.8 s.
 *
 * 100 % rather than 150 %: a 1,000,000-user sync runs its users, sign-in and report datasets side by
 * side for minutes, long enough for the old generation to reach whatever the factor allows. Peak RSS
 * of a full sync at 150 %: 100,000 users 228-234 MB and 1,000,000 users 259-269 MB (3 runs each), so
 * the large tenant needed up to 1.18x the small one's memory; at 100 %: 215-218 MB and 241-242 MB
 * (2 runs each), 1.11-1.13x. The price is CPU: a users-only sync of 100,000 users needed 2-5 % more
 * (5 interleaved runs each, medians 51.2 and 54.0 us per user on a slower machine; two whole
 * benchmark runs hours apart on that machine gave 51.0 and 55.3). A sync waits on Graph's round
 * trips, not on the CPU, so its wall time hardly follows; its memory does. The heap limit is
 * unchanged, so a sync cannot run out of memory sooner; only full collections come sooner.
 */
export const SYNC_HEAP_GROWING_PERCENT = 100;

/** Sets V8 flags (v8.setFlagsFromString; replaceable in tests). */
export type FlagSetter = (flags: string) => void;

/**
 * Holds the old generation's growing factor at `percent` while at least one hold is open, and
 * gives V8 its own heuristics back when the last one is released. V8's flags are per process, so
 * two syncs at once share one hold; other work in the process meanwhile only sees full
 * collections a little sooner. When the process was started with --heap-growing-percent, the
 * operator's value is kept and holds do nothing.
 */
export class HeapGrowthLimit {
  readonly #percent: number;
  readonly #set: FlagSetter;
  readonly #disabled: boolean;
  #holds = 0;

  constructor(opts: { percent?: number; set?: FlagSetter; execArgv?: readonly string[] } = {}) {
    this.#percent = Math.max(1, Math.trunc(opts.percent ?? SYNC_HEAP_GROWING_PERCENT));
    this.#set = opts.set ?? setFlagsFromString;
    this.#disabled = (opts.execArgv ?? process.execArgv).some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a));
  }

  /** Open holds (diagnostics, tests). */
  get holds(): number {
    return this.#holds;
  }

  /** Limit the growth until the returned function is called (calling it again does nothing). */
  hold(): () => void {
    if (this.#disabled) return () => undefined;
    if (this.#holds === 0) this.#set(`--heap-growing-percent=${this.#percent}`);
    this.#holds += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds -= 1;
      // 0 is V8's default: the factor follows its own heuristics again.
      if (this.#holds === 0) this.#set('--heap-growing-percent=0');
    };
  }
}

/** The process's one limit, held by every sync while its snapshot sink is open. */
export const syncHeapGrowth = new HeapGrowthLimit();
