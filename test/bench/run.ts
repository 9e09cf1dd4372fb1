// npm run bench: the figures the foundation issue asks for, measured in one run.
//  1. users/s from Graph pages into SQLite (100k-user demo tenant) vs raw better-sqlite3
//     inserts of the same rows, as a ratio;
//  2. peak RSS of a full sync of a 1,000,000-user demo tenant;
//  3. peak RSS of the XLSX workbook over a 1,000,000-user snapshot vs the user-licence CSV export.
// Sizes can be lowered for a quick look: BENCH_USERS=20000 BENCH_BIG_USERS=100000 npm run bench
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchProfile, forkTs, startTenantProcess, stopChild } from './child';
import type { SyncChildReport } from './sync-child';
import type { XlsxChildReport } from './xlsx-child';
import type { TenantInfo } from './tenant-child';
import { syncProfile } from '../../src-main/core/services/sync-service';
import { openDatabase, type Db } from '../../src-main/core/store/db';
import { nullLogger } from '../../src-main/core/log/logger';

const USERS = Number(process.env['BENCH_USERS'] ?? 100_000);
const XLSX_USERS = Number(process.env['BENCH_XLSX_USERS'] ?? 1_000_000);
/** Run only these parts (comma-separated: throughput, rss, xlsx); all by default. */
const ONLY = new Set((process.env['BENCH_ONLY'] ?? 'throughput,rss,xlsx').split(','));
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

/**
 * A snapshot of `users` licensed users written straight into SQLite (recursive CTEs): three
 * SKUs, one or two licences per user, a sign-in row each, departments and countries.
 */
function syntheticSnapshot(users: number): string {
  const path = join(tmp(), 'xlsx.db');
  const db = openDatabase(path);
  db.transaction(() => {
    db.prepare(`INSERT INTO snapshots (id, profile_name, tenant_id, started_at, finished_at, status, user_count) VALUES (1, 'bench', 't', '2025-06-01T00:00:00Z', '2025-06-01T00:10:00Z', 'complete', ?)`).run(users);
    db.exec(`INSERT INTO skus (snapshot_id, sku_id, sku_part_number, capability_status, consumed_units, enabled) VALUES
      (1, '6fd2c87f-b296-42f0-b197-1e91e994b900', 'ENTERPRISEPACK', 'Enabled', ${users}, ${users + 100}),
      (1, '4b9405b0-7788-4568-add1-99614e613b69', 'EXCHANGESTANDARD', 'Enabled', ${Math.floor(users / 4)}, ${Math.floor(users / 4) + 10}),
      (1, 'c5928f49-12ba-48f7-ada3-0d743a3601d5', 'VISIOCLIENT', 'Enabled', ${Math.floor(users / 10)}, ${Math.floor(users / 10)})`);
    const seq = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${users - 1})`;
    db.exec(`${seq} INSERT INTO users (snapshot_id, id, upn, display_name, account_enabled, user_type, created_at, department, usage_location)
      SELECT 1, printf('%08d-0000-4000-8000-%012d', i, i), printf('user%07d@bench.example', i), printf('Bench User %d', i), 1, 'Member', '2020-01-01T00:00:00Z',
             'Dept ' || (i % 40), CASE i % 3 WHEN 0 THEN 'GB' WHEN 1 THEN 'FR' ELSE 'US' END FROM n`);
    db.exec(`${seq} INSERT INTO user_licenses (snapshot_id, user_id, sku_id, source, state, error) SELECT 1, printf('%08d-0000-4000-8000-%012d', i, i), '6fd2c87f-b296-42f0-b197-1e91e994b900', 'direct', 'Active', 'None' FROM n`);
    db.exec(`${seq} INSERT INTO user_licenses (snapshot_id, user_id, sku_id, source, state, error) SELECT 1, printf('%08d-0000-4000-8000-%012d', i, i), 'c5928f49-12ba-48f7-ada3-0d743a3601d5', 'direct', 'Active', 'None' FROM n WHERE i % 10 = 0`);
    db.exec(`${seq} INSERT INTO sign_in_activity (snapshot_id, user_id, last_sign_in, last_successful) SELECT 1, printf('%08d-0000-4000-8000-%012d', i, i), '2025-05-30T08:00:00Z', '2025-05-30T08:00:00Z' FROM n`);
    for (const d of ['subscribedSkus', 'users', 'signInActivity']) db.prepare(`INSERT INTO dataset_runs (snapshot_id, dataset, status, items) VALUES (1, ?, 'ok', ?)`).run(d, users);
  })();
  db.close();
  return path;
}

async function xlsxMemory(): Promise<void> {
  const dbPath = syntheticSnapshot(XLSX_USERS);
  const run = async (mode: 'csv' | 'xlsx'): Promise<XlsxChildReport> => (await forkTs<XlsxChildReport>('./xlsx-child.ts', [dbPath, mode, tmp()])).info;
  const csv = await run('csv');
  const xlsx = await run('xlsx');
  console.log(`exports of a ${XLSX_USERS}-user snapshot (${Math.round(XLSX_USERS * 1.1)} licence rows)`);
  console.log(`  user-licence CSV: ${csv.seconds.toFixed(1)} s, peak RSS ${Math.round(csv.maxRssMb)} MB`);
  console.log(`  XLSX workbook (findings, reconciliation, every sheet): ${xlsx.seconds.toFixed(1)} s, peak RSS ${Math.round(xlsx.maxRssMb)} MB`);
  console.log(`  ratio: ${(xlsx.maxRssMb / csv.maxRssMb).toFixed(2)}x the CSV's peak RSS (goal <= 1.2x)`);
}

try {
  if (ONLY.has('throughput')) await throughput();
  if (ONLY.has('rss')) await peakRss();
  if (ONLY.has('xlsx')) await xlsxMemory();
} finally {
  cleanUp();
}
