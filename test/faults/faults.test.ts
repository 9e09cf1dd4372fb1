/**
 * The fault suite: each scenario injects a fault into the demo tenant (or the process, the disk,
 * the database file) and runs the REAL sync (createServices(...).api.sync.start / wait, or the
 * CLI in a child process) against it, then asserts that nothing is lost: either the new snapshot
 * is complete and equal to the tenant's truth (counts and a content fingerprint of users,
 * licences and SKUs, computed from the demo tenant's generator), or the previous snapshot is
 * intact and current and the error names the cause.
 *
 * Every scenario runs FAULT_RUNS times (1 inside `npm test`; `npm run test:faults` runs more),
 * each run with its own seed, and the table of runs, survivors and data lost is printed at the end.
 *
 * Microsoft's behaviour the faults imitate:
 * - "Microsoft Graph throttling guidance" (learn.microsoft.com/graph/throttling): 429 with
 *   Retry-After, in seconds, fractional in its example (`Retry-After: 2.128`).
 * - "Microsoft Graph error responses and resource types" (learn.microsoft.com/graph/errors):
 *   503 Service Unavailable and 504 Gateway Timeout are transient; 401 for an expired token.
 * - "Paging Microsoft Graph data in your app" (learn.microsoft.com/graph/paging): follow
 *   @odata.nextLink as given, on Graph's own host.
 * - Usage reports ("reportRoot: getOffice365ActiveUserDetail", learn.microsoft.com/graph/api/
 *   reportroot-getoffice365activeuserdetail) answer 302 to a pre-authenticated download URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FaultPlan } from '../../src-main/core/demo-tenant/index';
import type { Services } from '../../src-main/core/services/index';
import { tempDir } from '../helpers/fs';
import {
  between,
  errorText,
  faultRuns,
  FaultTable,
  judge,
  newServices,
  readStore,
  sameFingerprint,
  saveProfile,
  seeded,
  spawnCli,
  startFaultTenant,
  syncOnce,
  until,
  type FaultTenant,
  type StoreState,
  type Verdict,
} from '../helpers/fault-rig';

const RUNS = faultRuns();
const PROFILE = 'faults';
/** Three pages of users at 999, five of sign-in activity at 500, reports of ~2,000 rows. */
const USERS = 2100;
const table = new FaultTable();
const outDir = tempDir('m365lr-faults-');

let ft: FaultTenant;
/** The shared data folder of the in-process network scenarios, and its services. */
let shared: { dir: string; services: Services };

async function newDataDir(): Promise<string> {
  const dir = tempDir('m365lr-faults-data-');
  await saveProfile(dir, ft.profile(PROFILE));
  return dir;
}

beforeAll(async () => {
  ft = await startFaultTenant({ seed: 'fault-suite', users: USERS });
  const dir = await newDataDir();
  shared = { dir, services: newServices(dir) };
  // The previous snapshot every network scenario must keep intact when it fails.
  const first = await syncOnce(shared.services, PROFILE);
  if (first.error !== undefined) throw new Error(`the baseline sync failed: ${errorText(first.error)}`);
  expect(sameFingerprint(readStore(dir, PROFILE).fingerprint, ft.truth)).toBe(true);
}, 120_000);

afterAll(async () => {
  await shared?.services.close();
  await ft?.close();
  table.publish(outDir);
});

const seedsFor = (name: string): string[] => Array.from({ length: RUNS }, (_, r) => `${name}#${r}`);

function record(name: string, seed: string, v: Verdict): void {
  table.record(name, v, seed);
  expect(v.dataLost, `${seed}: ${v.detail}`).toBe(false);
  expect(v.survived, `${seed}: ${v.detail}`).toBe(true);
}

interface NetworkRun {
  plan: FaultPlan;
  /** What the error must name when the previous snapshot is kept. */
  cause: RegExp;
  /** The outcome this run must have (omitted: either one that keeps data). */
  expect?: Verdict['outcome'];
  committedCheck?: (after: StoreState) => string | undefined;
  mustBeOk?: readonly string[];
  /** Runs while the sync does (a cancel). */
  during?: (services: Services, jobId: string) => Promise<void>;
  /** Checks after the run, on the tenant's request log. */
  afterRun?: () => void;
}

/** One network scenario over the shared data folder: inject, sync through the services, judge. */
async function networkScenario(name: string, make: (rnd: () => number) => NetworkRun): Promise<void> {
  for (const seed of seedsFor(name)) {
    const run = make(seeded(seed));
    const before = readStore(shared.dir, PROFILE);
    ft.tenant.clearRequestLog();
    ft.tenant.setFaults(run.plan);
    let out: Awaited<ReturnType<typeof syncOnce>>;
    try {
      out = await syncOnce(shared.services, PROFILE, run.during ? (jobId) => run.during?.(shared.services, jobId) ?? Promise.resolve() : undefined);
    } finally {
      ft.tenant.setFaults({});
    }
    const after = readStore(shared.dir, PROFILE);
    const v = judge({
      truth: ft.truth,
      before,
      after,
      cause: run.cause,
      ...(out.result ? { result: out.result } : {}),
      ...(out.error !== undefined ? { error: out.error } : {}),
      ...(run.committedCheck ? { committedCheck: run.committedCheck } : {}),
      ...(run.mustBeOk ? { mustBeOk: run.mustBeOk } : {}),
    });
    const wrong = run.expect && v.survived && v.outcome !== run.expect ? `expected "${run.expect}", got "${v.outcome}": ${v.detail}` : undefined;
    record(name, seed, wrong ? { ...v, survived: false, detail: wrong } : v);
    run.afterRun?.();
  }
}

const graphLog = () => ft.tenant.requestLog().filter((e) => e.listener === 'graph');
/** A fractional Retry-After with three decimals, as Microsoft's example (2.128), kept short. */
const fractional = (rnd: () => number): number => Math.round((0.05 + rnd() * 0.25) * 1000) / 1000;

describe('network faults, through the services', () => {
  it('429 storms with an integer Retry-After on users are waited out', async () => {
    await networkScenario('429 storm, Retry-After 1, users', (rnd) => ({
      // Consecutive 429s on one page (each retry of it throttled again), fewer than the retry budget.
      plan: { failPath: { pattern: /\/users$/i, status: 429, times: between(rnd, 1, 2), skip: between(rnd, 0, 4), retryAfterSeconds: 1 } },
      cause: /throttl|429/i,
      expect: 'committed',
      afterRun: () => expect(graphLog().some((e) => e.status === 429)).toBe(true),
    }));
  });

  it('429 storms with a fractional Retry-After on SKUs are waited out', async () => {
    await networkScenario('429 storm, fractional, SKUs', (rnd) => ({
      plan: { failPath: { pattern: /\/subscribedSkus$/i, status: 429, times: between(rnd, 1, 4), retryAfterSeconds: fractional(rnd) } },
      cause: /throttl|429/i,
      expect: 'committed',
      afterRun: () => expect(graphLog().filter((e) => e.status === 429 && /subscribedSkus/i.test(e.path)).length).toBeGreaterThan(0),
    }));
  });

  it('429 storms on reports (the report request and the download) are waited out', async () => {
    await networkScenario('429 storm, fractional, reports', (rnd) => ({
      plan: {
        failPath: { pattern: /\/reports\//i, status: 429, times: between(rnd, 1, 4), retryAfterSeconds: fractional(rnd) },
        downloadThrottle: { everyNth: between(rnd, 2, 3), status: 429, retryAfterSeconds: fractional(rnd) },
      },
      cause: /throttl|429/i,
      expect: 'committed',
      afterRun: () => expect(ft.tenant.requestLog().some((e) => e.listener === 'download' && e.status === 429)).toBe(true),
    }));
  });

  it('503 and 504 bursts are retried', async () => {
    await networkScenario('503/504 bursts', (rnd) => {
      const status = rnd() < 0.5 ? 503 : 504;
      return {
        // A burst mid-paging of users or sign-in activity; a 504 carries no Retry-After (backoff instead).
        plan: { failPath: { pattern: /\/users$/i, status, times: between(rnd, 1, 3), skip: between(rnd, 0, 6), ...(status === 503 ? { retryAfterSeconds: fractional(rnd) } : {}) } },
        cause: /50[34]|unavailable|gateway/i,
        expect: 'committed',
      };
    });
  });

  it('a connection reset mid-page is retried', async () => {
    await networkScenario('connection reset mid-page', (rnd) => ({
      plan: { resetEveryNth: between(rnd, 4, 9) },
      cause: /reset|connection|network/i,
      expect: 'committed',
    }));
  });

  it('a truncated JSON body is retried', async () => {
    await networkScenario('truncated JSON body', (rnd) => ({
      plan: { truncateEveryNth: between(rnd, 3, 8) },
      cause: /truncat|connection|network|JSON/i,
      expect: 'committed',
    }));
  });

  it('an invalid JSON body is refused or retried, never stored', async () => {
    await networkScenario('invalid JSON body', (rnd) => ({
      plan: { invalidJsonEveryNth: between(rnd, 2, 8) },
      cause: /JSON|invalid|unexpected|response/i,
    }));
  });

  it('a report CSV with a malformed row never costs the licences', async () => {
    const files = ['Office365ActiveUserDetail', 'M365AppUserDetail', 'Office365ActivationsUserDetail', 'MailboxUsageDetail'];
    await networkScenario('report CSV with a malformed row', (rnd) => {
      const file = files[between(rnd, 0, files.length - 1)] ?? 'Office365ActiveUserDetail';
      const row = between(rnd, 1, 400);
      return {
        plan: { malformedReportRow: { row, file: new RegExp(`^${file}_`), kind: rnd() < 0.5 ? 'short' : 'quote' } },
        // Today: the whole sync fails and says which report; with enrichment datasets failing alone,
        // the snapshot commits with that report recorded as failed, naming the row.
        cause: /report|row|line|CSV/i,
        committedCheck: (after) => {
          const failed = Object.entries(after.runs).filter(([d, [status]]) => d.startsWith('report.') && status === 'failed');
          if (failed.length !== 1) return `expected one report dataset recorded as failed, got ${JSON.stringify(after.runs)}`;
          const reason = failed[0]?.[1][1] ?? '';
          return /row|line/i.test(reason) ? undefined : `the failed report's reason does not name the row: ${reason}`;
        },
      };
    });
  });

  it('a token that expires mid-sync is answered with 401 and acquired again', async () => {
    await networkScenario('token expires mid-sync (401)', (rnd) => ({
      plan: { expireTokenAfterUses: between(rnd, 2, 6) },
      cause: /token|401|sign/i,
      expect: 'committed',
      afterRun: () => {
        const log = ft.tenant.requestLog();
        expect(log.some((e) => e.listener === 'graph' && e.status === 401)).toBe(true);
        // The token was acquired again after the 401.
        expect(log.filter((e) => e.listener === 'login' && e.method === 'POST' && /token/.test(e.path)).length).toBeGreaterThan(0);
      },
    }));
  });

  it('a nextLink to a foreign host is refused and nothing is sent to it', async () => {
    await networkScenario('nextLink to a foreign host', () => ({
      plan: { foreignNextLink: true },
      cause: /host|nextLink|link|foreign/i,
      expect: 'kept previous',
      afterRun: () => expect(ft.tenant.requestLog().filter((e) => e.listener === 'foreign')).toEqual([]),
    }));
  });

  it("a report download that answers 404 or 403 after the 302 never costs the licences", async () => {
    await networkScenario("report 404/403 after the 302", (rnd) => {
      const status = rnd() < 0.5 ? 404 : 403;
      return {
        plan: { downloadFail: { status, times: between(rnd, 1, 4) } },
        cause: new RegExp(`${status}|report|download`, 'i'),
        committedCheck: (after) => {
          const failed = Object.entries(after.runs).filter(([d, [s]]) => d.startsWith('report.') && s === 'failed');
          // Retried until a download succeeded: every report is in; otherwise the failed ones name the status.
          return failed.every(([, [, reason]]) => new RegExp(`${status}|download`, 'i').test(reason ?? '')) ? undefined : `a failed report does not name the cause: ${JSON.stringify(after.runs)}`;
        },
        mustBeOk: ['users', 'subscribedSkus'],
      };
    });
  });

  it('a cancel at a random point keeps the previous snapshot', async () => {
    await networkScenario('cancel at a random point', (rnd) => {
      const afterRequests = between(rnd, 0, 18);
      return {
        plan: { latencyMs: 5 },
        cause: /cancel/i,
        during: async (services, jobId) => {
          // Cancel once the seeded number of Graph requests has been made (or the sync has ended).
          while (graphLog().length < afterRequests && (await services.api.sync.status({ jobId })).state === 'running') await new Promise((r) => setTimeout(r, 5));
          await services.api.sync.cancel({ jobId });
        },
      };
    });
  });
});
