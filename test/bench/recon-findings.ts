// All findings over a synced snapshot vs one full pass of Debian's sqlite3 shell over users
// joined to user licences and sign-ins on the same database (issue: at most 1.5x), measured
// in one run. Usage: BENCH_RECON_USERS=100000 npx tsx test/bench/recon-findings.ts [db-file]
// With a db file that already holds a snapshot, the sync is skipped. findingsVsShell() is the
// measurement alone, for a file that already holds a complete snapshot.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchProfile, startTenantProcess, stopChild } from './child';
import { syncProfile } from '../../src-main/core/services/sync-service';
import { openDatabase } from '../../src-main/core/store/db';
import { nullLogger } from '../../src-main/core/log/logger';
import { computeFindings } from '../../src-main/core/recon/engine';
import { defaultSettings } from '../../src-main/core/recon/settings';

export interface FindingsVsShell {
  users: number;
  licences: number;
  /** Finding rows counted (items are not kept). */
  findingRows: number;
  /** Best of the runs, seconds. */
  shellSeconds: number;
  engineSeconds: number;
  /** engineSeconds / shellSeconds (goal <= 1.5). */
  ratio: number;
  shellRuns: number[];
  engineRuns: number[];
}

/** The shell's full pass: users joined to user licences and sign-ins, output to /dev/null. */
export function shellJoinSql(snapshotId: number): string {
  return (
    'SELECT u.id, u.upn, u.account_enabled, u.user_type, u.created_at, l.sku_id, l.source, l.group_id, l.error, l.state, l.disabled_plans, ' +
    'a.last_sign_in, a.last_non_interactive, a.last_successful FROM users u ' +
    'JOIN user_licenses l ON l.snapshot_id = u.snapshot_id AND l.user_id = u.id ' +
    `LEFT JOIN sign_in_activity a ON a.snapshot_id = u.snapshot_id AND a.user_id = u.id WHERE u.snapshot_id = ${snapshotId};`
  );
}

/**
 * All findings (computeFindings, default settings, no items kept) over the newest complete
 * snapshot of `dbPath` vs /usr/bin/sqlite3's one pass over the same rows: the page cache is
 * warmed once, then three runs of each, interleaved, and the best of each counts.
 */
export async function findingsVsShell(dbPath: string, runs = 3): Promise<FindingsVsShell> {
  const db = openDatabase(dbPath);
  try {
    const snapshotId = (db.prepare("SELECT max(id) AS id FROM snapshots WHERE status = 'complete'").get() as { id: number | null }).id;
    if (snapshotId === null) throw new Error(`${dbPath} holds no complete snapshot`);
    const counts = db
      .prepare('SELECT (SELECT count(*) FROM users WHERE snapshot_id = ?) AS users, (SELECT count(*) FROM user_licenses WHERE snapshot_id = ?) AS licences')
      .get(snapshotId, snapshotId) as { users: number; licences: number };
    const sql = shellJoinSql(snapshotId);
    const shell = (): number => {
      const t = performance.now();
      const r = spawnSync('/usr/bin/sqlite3', [dbPath, sql], { stdio: ['ignore', 'ignore', 'inherit'] });
      if (r.status !== 0) throw new Error(`sqlite3 exited with ${r.status}`);
      return (performance.now() - t) / 1000;
    };
    const engine = (): { seconds: number; rows: number } => {
      const t = performance.now();
      const report = computeFindings(db, snapshotId, { settings: defaultSettings(), itemLimit: 0 });
      return { seconds: (performance.now() - t) / 1000, rows: report.findings.reduce((n, f) => n + f.count, 0) };
    };
    shell();
    const shellRuns: number[] = [];
    const engineRuns: number[] = [];
    let findingRows = 0;
    for (let i = 0; i < runs; i++) {
      shellRuns.push(shell());
      const r = engine();
      engineRuns.push(r.seconds);
      findingRows = r.rows;
    }
    const shellSeconds = Math.min(...shellRuns);
    const engineSeconds = Math.min(...engineRuns);
    return { ...counts, findingRows, shellSeconds, engineSeconds, ratio: engineSeconds / shellSeconds, shellRuns, engineRuns };
  } finally {
    db.close();
  }
}

/** Sync a demo tenant of `users` users into a new database file. */
async function syncDemo(file: string, users: number): Promise<void> {
  const tenant = await startTenantProcess(users);
  try {
    const db = openDatabase(file);
    const t0 = performance.now();
    await syncProfile({ profile: benchProfile(tenant.info), db, logger: nullLogger, credential: { kind: 'secret', secret: tenant.info.secret }, extraCaPem: [tenant.info.caPem], env: {} });
    console.log(`synced ${users} users in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    db.close();
  } finally {
    await stopChild(tenant);
  }
}

async function main(): Promise<void> {
  const users = Number(process.env['BENCH_RECON_USERS'] ?? 1_000_000);
  const given = process.argv[2];
  const dir = given ? undefined : mkdtempSync(join(tmpdir(), 'm365lr-recon-bench-'));
  const file = given ?? join(dir ?? '.', 'recon.db');
  try {
    if (!existsSync(file)) await syncDemo(file, users);
    const r = await findingsVsShell(file);
    const runs = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
    console.log(`${r.users} users, ${r.licences} licence rows; ${r.findingRows} finding rows`);
    console.log(`  sqlite3 shell, users x licences x sign-ins: ${r.shellSeconds.toFixed(2)} s (runs ${runs(r.shellRuns)})`);
    console.log(`  all findings: ${r.engineSeconds.toFixed(2)} s (runs ${runs(r.engineRuns)})`);
    console.log(`  ratio: ${r.ratio.toFixed(2)}x (goal <= 1.5x)`);
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
