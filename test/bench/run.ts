// npm run bench: the figures the foundation issue asks for, measured in one run.
//  1. users/s from Graph pages into SQLite (100k-user demo tenant) vs raw better-sqlite3
//     inserts of the same rows, as a ratio;
//  2. peak RSS of a full sync of a 1,000,000-user demo tenant.
// Sizes can be lowered for a quick look: BENCH_USERS=20000 BENCH_BIG_USERS=100000 npm run bench
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchProfile, forkTs, startTenantProcess, stopChild } from './child';
import type { SyncChildReport } from './sync-child';
import type { TenantInfo } from './tenant-child';
import { syncProfile } from '../../src-main/core/services/sync-service';
import { openDatabase, type Db } from '../../src-main/core/store/db';
import { nullLogger } from '../../src-main/core/log/logger';

const USERS = Number(process.env['BENCH_USERS'] ?? 100_000);
const BIG_USERS = Number(process.env['BENCH_BIG_USERS'] ?? 1_000_000);
const scratch: string[] = [];
/** A scratch folder removed when the bench ends (the databases reach several GB at 1M users). */
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'm365lr-bench-'));
  scratch.push(d);
  return d;
};
const cleanUp = () => {
  for (const d of scratch.splice(0)) rmSync(d, { recursive: true, force: true });
};

/** Copy every row of `tables` for the snapshot with plain prepared inserts in one transaction; seconds taken. */
function rawInsert(from: Db, snapshotId: number, tables: string[]): { seconds: number; rows: number } {
  const to = openDatabase(join(tmp(), 'raw.db'));
  const data = tables.map((t) => ({ t, rows: from.prepare(`SELECT * FROM ${t} WHERE snapshot_id = ?`).raw().all(snapshotId) as unknown[][] }));
  // The raw baseline needs its snapshot row for the foreign keys.
  const snap = from.prepare('SELECT * FROM snapshots WHERE id = ?').raw().get(snapshotId) as unknown[];
  const snapCols = (from.prepare('PRAGMA table_info(snapshots)').all() as { name: string }[]).map((c) => c.name);
  to.prepare(`INSERT INTO snapshots (${snapCols.join(',')}) VALUES (${snapCols.map(() => '?').join(',')})`).run(...snap);
  let rows = 0;
  const started = performance.now();
  to.transaction(() => {
    for (const { t, rows: rs } of data) {
      const cols = (from.prepare(`PRAGMA table_info(${t})`).all() as { name: string }[]).map((c) => c.name);
      const ins = to.prepare(`INSERT INTO ${t} (${cols.join(',')}) VALUES (${cols.map(() => '?').join(',')})`);
      for (const r of rs) ins.run(...r);
      rows += rs.length;
    }
  })();
  const seconds = (performance.now() - started) / 1000;
  to.close();
  return { seconds, rows };
}

async function throughput(): Promise<void> {
  const tenant = await startTenantProcess(USERS);
  try {
    const db = openDatabase(join(tmp(), 'sync.db'));
    const started = performance.now();
    const result = await syncProfile({
      profile: benchProfile(tenant.info),
      db,
      logger: nullLogger,
      credential: { kind: 'secret', secret: tenant.info.secret },
      extraCaPem: [tenant.info.caPem],
      env: {},
      datasets: ['users'],
    });
    const syncSeconds = (performance.now() - started) / 1000;
    const users = result.datasets.find((d) => d.dataset === 'users')?.items ?? 0;
    if (users !== tenant.info.userCount) throw new Error(`synced ${users} users, tenant has ${tenant.info.userCount}`);
    const raw = rawInsert(db, result.snapshotId, ['users', 'user_licenses']);
    db.close();
    const syncRate = users / syncSeconds;
    const rawRate = users / raw.seconds;
    console.log(`users dataset, ${users} users (${raw.rows} rows incl. licences)`);
    console.log(`  Graph pages -> SQLite: ${syncSeconds.toFixed(2)} s = ${Math.round(syncRate)} users/s (token, HTTPS, JSON, validation, inserts)`);
    console.log(`  raw better-sqlite3 inserts of the same rows: ${raw.seconds.toFixed(2)} s = ${Math.round(rawRate)} users/s`);
    console.log(`  ratio: ${(syncRate / rawRate).toFixed(2)}x raw (goal >= 0.5x)`);
  } finally {
    await stopChild(tenant);
  }
}

async function peakRss(): Promise<void> {
  const tenant = await startTenantProcess(BIG_USERS);
  try {
    const sync = await forkTs<string>('./sync-child.ts', []);
    const report = await new Promise<SyncChildReport>((resolve, reject) => {
      sync.proc.once('message', (m) => resolve(m as SyncChildReport));
      sync.proc.once('exit', (code) => reject(new Error(`sync child exited with ${code}`)));
      sync.proc.send(tenant.info satisfies TenantInfo);
    });
    console.log(`full sync, ${tenant.info.userCount} users: ${report.seconds.toFixed(1)} s, peak RSS ${Math.round(report.maxRssMb)} MB (goal <= 400 MB)`);
    for (const d of report.datasets) console.log(`  ${d.dataset}: ${d.status}, ${d.items} items`);
  } finally {
    await stopChild(tenant);
  }
}

try {
  await throughput();
  await peakRss();
} finally {
  cleanUp();
}
