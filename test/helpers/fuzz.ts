import fc from 'fast-check';
import { appendFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { OperatorError } from '../../src-main/core/errors/operator-error';
import { ERROR_CODES, type ErrorCode } from '../../src-main/shared/errors';

/**
 * Shared settings of the property-based ("fuzz") tests under test/fuzz.
 *
 * `npm test` runs each property at a small size so the suite stays fast on two cores;
 * `npm run test:fuzz` (npm names the script in npm_lifecycle_event, on every platform) runs
 * many more. FUZZ_RUNS sets the cases per property either way; FUZZ_SEED replays a failing
 * run (fast-check prints the seed and the shrunk counterexample).
 */
const envRuns = Number.parseInt(process.env.FUZZ_RUNS ?? '', 10);
const DEFAULT_RUNS = process.env.npm_lifecycle_event === 'test:fuzz' ? 2_000 : 60;
export const FUZZ_RUNS = Number.isSafeInteger(envRuns) && envRuns > 0 ? envRuns : DEFAULT_RUNS;
const envSeed = Number.parseInt(process.env.FUZZ_SEED ?? '', 10);

/** Every case is bounded: an async property that does not settle in this time fails (a hang is a defect). */
export const CASE_TIMEOUT_MS = 5_000;

/** Cases per property, scaled: `weight` < 1 for expensive properties (a whole sync into SQLite). */
export function runs(weight = 1): number {
  return Math.max(5, Math.round(FUZZ_RUNS * weight));
}

export function fuzzParams(weight = 1): fc.Parameters<unknown> {
  return { numRuns: runs(weight), timeout: CASE_TIMEOUT_MS, ...(Number.isSafeInteger(envSeed) ? { seed: envSeed } : {}) };
}

/** Counts the cases each property actually executed (generated and shrinking runs), for the printed total. */
export class CaseCounter {
  readonly #counts = new Map<string, number>();

  constructor(readonly suite: string) {}

  /** Wrap a predicate so each call is counted under `name`. */
  count<A extends unknown[], R>(name: string, predicate: (...args: A) => R): (...args: A) => R {
    return (...args: A) => {
      this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
      return predicate(...args);
    };
  }

  get total(): number {
    let n = 0;
    for (const v of this.#counts.values()) n += v;
    return n;
  }

  /**
   * One line per property and the suite's total; printed by each fuzz file's afterAll. The
   * totals of the files of one test run (one parent process) are added up in a small file
   * in the temp folder, so the last file to finish prints the run's total.
   */
  report(): string {
    const lines = [...this.#counts].map(([name, n]) => `  ${String(n).padStart(7)}  ${name}`);
    const runFile = join(tmpdir(), `m365lr-fuzz-cases-${process.ppid}.txt`);
    let runTotal = this.total;
    try {
      appendFileSync(runFile, `${this.total}\n`);
      runTotal = readFileSync(runFile, 'utf8').split('\n').reduce((a, l) => a + (Number.parseInt(l, 10) || 0), 0);
    } catch {
      // The run total is a convenience; the per-file figures above stand on their own.
    }
    return [
      `fuzz cases (${this.suite}, FUZZ_RUNS=${FUZZ_RUNS}):`,
      ...lines,
      `  ${String(this.total).padStart(7)}  total`,
      `  ${String(runTotal).padStart(7)}  all fuzz files of this run so far`,
    ].join('\n');
  }
}

const KNOWN_CODES = new Set<string>(ERROR_CODES);

/**
 * A clear error: an OperatorError with one of the documented codes (`allowed`, or any
 * documented code but 'internal'), a non-empty message and a non-empty hint.
 */
export function expectClearError(e: unknown, allowed?: readonly ErrorCode[]): OperatorError {
  if (!(e instanceof OperatorError)) {
    throw new Error(`expected an OperatorError, got ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  }
  expect(KNOWN_CODES.has(e.code)).toBe(true);
  if (allowed) expect(allowed).toContain(e.code);
  else expect(e.code).not.toBe('internal');
  expect(e.message.trim().length).toBeGreaterThan(0);
  expect(e.hint.trim().length).toBeGreaterThan(0);
  return e;
}

/** Run `fn`; it must return, or throw a clear error (see expectClearError). Returns the outcome. */
export function parsesOrClearError<T>(fn: () => T, allowed?: readonly ErrorCode[]): { ok: true; value: T } | { ok: false; error: OperatorError } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    return { ok: false, error: expectClearError(e, allowed) };
  }
}

/** The async form of parsesOrClearError. */
export async function settlesOrClearError<T>(p: () => Promise<T>, allowed?: readonly ErrorCode[]): Promise<{ ok: true; value: T } | { ok: false; error: OperatorError }> {
  try {
    return { ok: true, value: await p() };
  } catch (e) {
    return { ok: false, error: expectClearError(e, allowed) };
  }
}
