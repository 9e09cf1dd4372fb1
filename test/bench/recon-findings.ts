// All findings over a synced snapshot vs one full pass of Debian's sqlite3 shell over users
// joined to user licences and sign-ins on the same database (issue: at most 1.5x), measured
// in one run. Usage: BENCH_RECON_USERS=100000 npx tsx test/bench/recon-findings.ts [db-file]
// With a db file that already holds a snapshot, the sync is skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchProfile, startTenantProcess, stopChild } from './child';
import { syncProfile } from '../../src-main/core/services/sync-service';
import { openDatabase } from '../../src-main/core/store/db';
import { nullLogger } from '../../src-main/core/log/logger';
import { computeFindings } from '../../src-main/core/recon/engine';
import { defaultSettings } from '../../src-main/core/recon/settings';

const USERS = Number(process.env['BENCH_RECON_USERS'] ?? 1_000_000);
const given = process.argv[2];
const dir = given ? undefined : mkdtempSync(join(tmpdir(), 'm365lr-recon-bench-'));
const file = given ?? join(dir ?? '.', 'recon.db');

try {
  if (!existsSync(file) || !given) {
    const tenant = await startTenantProcess(USERS);
    try {
      const db = openDatabase(file);
      const t0 = performance.now();
      await syncProfile({ profile: benchProfile(tenant.info), db, logger: nullLogger, credential: { kind: 'secret', secret: tenant.info.secret }, extraCaPem: [tenant.info.caPem], env: {} });
      console.log(`synced ${USERS} users in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      db.close();
    } finally {
      await stopChild(tenant);
    }
  }
  const db = openDatabase(file);
  const snapshotId = (db.prepare("SELECT max(id) AS id FROM snapshots WHERE status = 'complete'").get() as { id: number }).id;
  const counts = db.prepare('SELECT (SELECT count(*) FROM users WHERE snapshot_id = ?) AS users, (SELECT count(*) FROM user_licenses WHERE snapshot_id = ?) AS licences').get(snapshotId, snapshotId) as { users: number; licences: number };
  const sql =
    'SELECT u.id, u.upn, u.account_enabled, u.user_type, u.created_at, l.sku_id, l.source, l.group_id, l.error, l.state, l.disabled_plans, ' +
    'a.last_sign_in, a.last_non_interactive, a.last_successful FROM users u ' +
    'JOIN user_licenses l ON l.snapshot_id = u.snapshot_id AND l.user_id = u.id ' +
    `LEFT JOIN sign_in_activity a ON a.snapshot_id = u.snapshot_id AND a.user_id = u.id WHERE u.snapshot_id = ${snapshotId};`;
  const shell = (): number => {
    const t = performance.now();
    const r = spawnSync('/usr/bin/sqlite3', [file, sql], { stdio: ['ignore', 'ignore', 'inherit'] });
    if (r.status !== 0) throw new Error(`sqlite3 exited with ${r.status}`);
    return (performance.now() - t) / 1000;
  };
  const engine = (): { seconds: number; findings: number } => {
    const t = performance.now();
    const report = computeFindings(db, snapshotId, { settings: defaultSettings(), itemLimit: 0 });
    return { seconds: (performance.now() - t) / 1000, findings: report.findings.reduce((n, f) => n + f.count, 0) };
  };
  // Warm the page cache once, then the best of three of each, interleaved.
  shell();
  const s: number[] = [];
  const e: number[] = [];
  let rows = 0;
  for (let i = 0; i < 3; i++) {
    s.push(shell());
    const r = engine();
    e.push(r.seconds);
    rows = r.findings;
  }
  const bestShell = Math.min(...s);
  const bestEngine = Math.min(...e);
  console.log(`snapshot ${snapshotId}: ${counts.users} users, ${counts.licences} licence rows; ${rows} finding rows`);
  console.log(`  sqlite3 shell, users x licences x sign-ins: ${bestShell.toFixed(2)} s (runs ${s.map((x) => x.toFixed(2)).join(', ')})`);
  console.log(`  all findings: ${bestEngine.toFixed(2)} s (runs ${e.map((x) => x.toFixed(2)).join(', ')})`);
  console.log(`  ratio: ${(bestEngine / bestShell).toFixed(2)}x (goal <= 1.5x)`);
  db.close();
} finally {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
