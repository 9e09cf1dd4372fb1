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
import { chmodSync, closeSync, existsSync, openSync, readFileSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { FaultPlan } from '../../src-main/core/demo-tenant/index';
import type { Services } from '../../src-main/core/services/index';
import { tempDir } from '../helpers/fs';
import {
  between,
  errorText,
  faultRuns,
  fingerprintsOf,
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
/** Two pages of users at 999, three of sign-in activity at 500, reports of ~1,000 rows. */
const USERS = 1100;
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

/** Verdicts of the scenario running now: every run is recorded in the table before the scenario is asserted. */
let verdicts: { seed: string; v: Verdict }[] = [];

function record(name: string, seed: string, v: Verdict): void {
  table.record(name, v, seed);
  verdicts.push({ seed, v });
}

/** After a scenario's runs: no data lost in any run, and every run survived. */
function settle(): void {
  const done = verdicts;
  verdicts = [];
  expect(done.filter(({ v }) => v.dataLost).map(({ seed, v }) => `${seed}: ${v.detail}`)).toEqual([]);
  expect(done.filter(({ v }) => !v.survived).map(({ seed, v }) => `${seed}: ${v.detail}`)).toEqual([]);
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
  settle();
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
        // "report CSV", the report's name, or the row; a host name alone (https://report-download) is not a cause.
        cause: /report CSV|malformed|row \d|line \d|activ|usage|mailbox|activation/i,
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
        const first401 = log.findIndex((e) => e.listener === 'graph' && e.status === 401);
        expect(first401).toBeGreaterThanOrEqual(0);
        // The token was acquired again after the 401, and Graph answered the new one.
        const reacquired = log.findIndex((e, i) => i > first401 && e.listener === 'login' && e.method === 'POST' && /\/oauth2\/v2\.0\/token(?:\?|$)/.test(e.path) && e.status === 200);
        expect(reacquired).toBeGreaterThan(first401);
        expect(log.slice(reacquired).some((e) => e.listener === 'graph' && e.status === 200)).toBe(true);
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

// ---------------------------------------------------------------------------
// The process, the disk and the database file

/** A data folder with the profile and one complete snapshot (the one that must survive). */
async function dataDirWithSnapshot(dir?: string): Promise<string> {
  const d = dir ?? tempDir('m365lr-faults-data-');
  await saveProfile(d, ft.profile(PROFILE));
  const s = newServices(d);
  try {
    const out = await syncOnce(s, PROFILE);
    if (out.error !== undefined) throw new Error(`the baseline sync failed: ${errorText(out.error)}`);
  } finally {
    await s.close();
  }
  return d;
}

/** After a fault: the next start finds the database consistent, and a new sync is complete and equal to the truth. */
async function recovers(dir: string): Promise<void> {
  const s = newServices(dir);
  try {
    const out = await syncOnce(s, PROFILE);
    expect(out.error === undefined ? '' : errorText(out.error)).toBe('');
  } finally {
    await s.close();
  }
  const after = readStore(dir, PROFILE);
  expect(after.integrity).toBe('ok');
  expect(sameFingerprint(after.fingerprint, ft.truth)).toBe(true);
}

/** A small tmpfs at a new mount point (root; CI runs as root), or undefined where none can be mounted. */
function mountTmpfs(sizeBytes: number): string | undefined {
  // FAULT_NO_MOUNT=1 takes the fallbacks (a file size limit, file modes) where a tmpfs could be mounted.
  if (process.env['FAULT_NO_MOUNT'] === '1') return undefined;
  const dir = tempDir('m365lr-faults-tmpfs-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0700`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

function unmount(dir: string): void {
  try {
    execFileSync('mount', ['-o', 'remount,rw', dir], { stdio: 'ignore' });
  } catch {
    // already writable, or gone
  }
  execFileSync('umount', [dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

/** Fill the file system holding `dir` until `leave` bytes are free (a filler file), returns its path. */
function fillDisk(dir: string, leave: number): string {
  const filler = join(dir, 'filler.bin');
  const fd = openSync(filler, 'w');
  try {
    const chunk = Buffer.alloc(64 * 1024, 0xa5);
    for (;;) {
      const st = statfsSync(dir);
      const free = st.bavail * st.bsize;
      if (free <= leave) break;
      writeSync(fd, chunk, 0, Math.min(chunk.length, free - leave));
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('process, disk and database faults', () => {
  it('a sync process killed mid-sync (SIGKILL) leaves the database consistent and the last snapshot intact', async () => {
    const name = 'process killed mid-sync (SIGKILL)';
    const dir = await dataDirWithSnapshot();
    for (const seed of seedsFor(name)) {
      const rnd = seeded(seed);
      const afterRequests = between(rnd, 1, 14);
      const before = readStore(dir, PROFILE);
      ft.tenant.clearRequestLog();
      ft.tenant.setFaults({ latencyMs: 15 });
      const c = spawnCli(['sync', '--profile', PROFILE], dir);
      let exited: number | null | undefined;
      void c.exited.then((code) => (exited = code));
      try {
        await until(() => graphLog().length >= afterRequests || exited !== undefined, 90_000, 'the child sync to make its requests');
        c.child.kill('SIGKILL');
        await c.exited;
      } finally {
        ft.tenant.setFaults({});
      }
      const after = readStore(dir, PROFILE);
      // A run that finished before the kill is judged as any committed sync.
      const v = judge({
        truth: ft.truth, before, after, cause: /SIGKILL/,
        ...(exited === 0 && after.latest !== null ? { result: { snapshotId: after.latest } } : { error: new Error(`killed by SIGKILL after ${afterRequests} Graph requests (${c.stderr().slice(-200)})`) }),
      });
      record(name, seed, v);
      expect(after.integrity).toBe('ok');
    }
    settle();
    await recovers(dir);
  });

  it('two syncs of the same profile at once, from two processes: the second is refused or queued, never interleaved', async () => {
    const name = 'two processes sync one profile';
    const dir = await dataDirWithSnapshot();
    for (const seed of seedsFor(name)) {
      const rnd = seeded(seed);
      const before = readStore(dir, PROFILE);
      ft.tenant.setFaults({ latencyMs: between(rnd, 0, 10) });
      let codes: (number | null)[];
      const children = [spawnCli(['sync', '--profile', PROFILE], dir), spawnCli(['sync', '--profile', PROFILE], dir)];
      try {
        codes = await Promise.all(children.map((c) => c.exited));
      } finally {
        ft.tenant.setFaults({});
      }
      const after = readStore(dir, PROFILE);
      const problems: string[] = [];
      let lost = false;
      if (after.integrity !== 'ok' || after.running > 0) {
        problems.push(`integrity ${after.integrity}, ${after.running} running`);
        lost = true;
      }
      const [previous] = fingerprintsOf(dir, before.latest === null ? [] : [before.latest]);
      if (before.latest !== null && !sameFingerprint(previous ?? null, before.fingerprint)) {
        problems.push('the previous snapshot changed');
        lost = true;
      }
      const fresh = after.snapshotIds.filter((id) => !before.snapshotIds.includes(id));
      const successes = codes.filter((c) => c === 0).length;
      if (fresh.length !== successes) problems.push(`${successes} sync(s) succeeded but ${fresh.length} snapshot(s) were added`);
      // Interleaved writes would show as a snapshot with rows of both (or half of each).
      fingerprintsOf(dir, fresh).forEach((f, i) => {
        if (!sameFingerprint(f, ft.truth)) {
          problems.push(`snapshot ${fresh[i]} differs from the tenant`);
          lost = true;
        }
      });
      children.forEach((c, i) => {
        if (codes[i] !== 0 && !/another|locked|busy|already/i.test(c.stderr())) problems.push(`process ${i + 1} failed without naming the other sync: ${c.stderr().slice(-300)}`);
      });
      if (successes === 0) problems.push('neither sync succeeded');
      record(name, seed, {
        survived: problems.length === 0,
        dataLost: lost,
        outcome: successes === 2 ? 'committed' : 'kept previous',
        detail: problems.join('; ') || `exit codes ${codes.join(', ')}`,
      });
    }
    settle();
  });

  it('disk full at commit: the error says so and the previous snapshot stays current', async () => {
    const name = 'disk full at commit';
    const mnt = mountTmpfs(48 * 1024 * 1024);
    try {
      const dir = await dataDirWithSnapshot(mnt ? join(mnt, 'data') : undefined);
      for (const seed of seedsFor(name)) {
        const rnd = seeded(seed);
        const before = readStore(dir, PROFILE);
        let out: { error?: unknown; result?: { snapshotId: number } };
        if (mnt) {
          // Too little room for the new snapshot's pages, enough for SQLite's shared-memory index.
          const filler = fillDisk(mnt, between(rnd, 160, 600) * 1024);
          const s = newServices(dir);
          try {
            out = await syncOnce(s, PROFILE);
          } finally {
            await s.close();
            rmSync(filler, { force: true });
          }
        } else {
          // No tmpfs here: a size-limited file instead (RLIMIT_FSIZE on the sync process).
          // The new snapshot's pages (about the size of the last one) cannot all reach the WAL file.
          const limit = Math.floor((readFileSync(join(dir, 'reconciler.db')).length * between(rnd, 25, 60)) / 100);
          const c = spawnCli(['sync', '--profile', PROFILE], dir, ['prlimit', `--fsize=${limit}`, '--']);
          const code = await c.exited;
          // The CLI's error comes after its progress lines.
          const lines = c.stderr().trim().split('\n');
          out = code === 0 ? { result: { snapshotId: readStore(dir, PROFILE).latest ?? -1 } } : { error: new Error(lines.slice(lines.findIndex((l) => /error|failed|cannot/i.test(l))).join(' ')) };
        }
        const after = readStore(dir, PROFILE);
        record(name, seed, judge({ truth: ft.truth, before, after, cause: /disk is full|disk space|full|I\/O/i, ...out }));
        if (mnt) expect(out.error === undefined ? '' : errorText(out.error)).toMatch(/full/i);
      }
      settle();
      await recovers(dir);
    } finally {
      if (mnt) unmount(mnt);
    }
  });

  it('the database read-only when the snapshot is written: the error says so and the previous snapshot stays current', async () => {
    const name = 'database read-only';
    const mnt = mountTmpfs(48 * 1024 * 1024);
    // Without a tmpfs, file modes make the database read-only, which binds every user but root.
    const root = process.getuid?.() === 0;
    expect(mnt !== undefined || !root, 'root needs a tmpfs it can remount read-only (CI runs as root and may mount one)').toBe(true);
    const files = (dir: string) => ['reconciler.db', 'reconciler.db-wal', 'reconciler.db-shm'].map((f) => join(dir, f)).filter((f) => existsSync(f));
    const readOnly = (dir: string, on: boolean) => {
      if (mnt) execFileSync('mount', ['-o', `remount,${on ? 'ro' : 'rw'}`, mnt], { stdio: 'ignore' });
      else for (const f of files(dir)) chmodSync(f, on ? 0o400 : 0o600);
    };
    try {
      const dir = await dataDirWithSnapshot(mnt ? join(mnt, 'data') : undefined);
      for (const seed of seedsFor(name)) {
        const before = readStore(dir, PROFILE);
        readOnly(dir, true);
        const s = newServices(dir);
        let out: Awaited<ReturnType<typeof syncOnce>>;
        try {
          out = await syncOnce(s, PROFILE);
        } finally {
          await s.close();
          readOnly(dir, false);
        }
        const after = readStore(dir, PROFILE);
        record(name, seed, judge({ truth: ft.truth, before, after, cause: /read-?only/i, ...out }));
      }
      settle();
      await recovers(dir);
    } finally {
      if (mnt) unmount(mnt);
    }
  });

  it('a corrupted database file: a clear error naming the file and what to do, and nothing overwritten', async () => {
    const name = 'corrupted database file';
    for (const seed of seedsFor(name)) {
      const rnd = seeded(seed);
      const dir = await dataDirWithSnapshot();
      const path = join(dir, 'reconciler.db');
      // Damage one page of a table the snapshot lives in (dbstat names the pages of each b-tree).
      const probe = new Database(path, { readonly: true });
      const pageSize = probe.pragma('page_size', { simple: true }) as number;
      const tables = ['users', 'user_licenses', 'skus', 'snapshots'];
      const target = tables[between(rnd, 0, tables.length - 1)] ?? 'users';
      const pages = (probe.prepare('SELECT pageno FROM dbstat WHERE name = ?').all(target) as { pageno: number }[]).map((r) => r.pageno);
      probe.close();
      const page = pages[between(rnd, 0, pages.length - 1)] ?? 2;
      const garbage = Buffer.alloc(pageSize);
      for (let i = 0; i < pageSize; i++) garbage[i] = Math.floor(rnd() * 256);
      const fd = openSync(path, 'r+');
      writeSync(fd, garbage, 0, pageSize, (page - 1) * pageSize);
      closeSync(fd);
      const hash = sha256(path);

      const s = newServices(dir);
      let out: Awaited<ReturnType<typeof syncOnce>>;
      try {
        out = await syncOnce(s, PROFILE);
      } finally {
        await s.close();
      }
      const text = out.error === undefined ? '' : errorText(out.error);
      const problems: string[] = [];
      if (out.error === undefined) problems.push(`the sync wrote snapshot ${out.result?.snapshotId} onto a damaged file (page ${page} of ${target})`);
      else {
        if (!text.includes(path)) problems.push(`the error does not name the file: ${text}`);
        if (!/damaged|corrupt/i.test(text) || !/backup|move it/i.test(text)) problems.push(`the error does not say what happened and what to do: ${text}`);
      }
      const overwritten = sha256(path) !== hash || existsSync(`${path}-wal`) && readFileSync(`${path}-wal`).length > 0;
      if (overwritten) problems.push('the damaged file was written to');
      record(name, seed, { survived: problems.length === 0, dataLost: overwritten, outcome: out.error === undefined ? 'committed' : 'kept previous', detail: problems.join('; ') || text.slice(0, 200) });
    }
    settle();
  });
});
