// Syncs a demo tenant in a fresh process and reports its own figures, so they cover exactly
// one sync (the tenant runs in another process): peak RSS, wall time, and CPU time of the whole
// process (process.cpuUsage counts every thread, the writer thread included). With `raw`, it then
// copies the snapshot's rows with plain better-sqlite3 prepared inserts in one transaction and
// reports that CPU and wall time too: the same rows, measured in the same process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TenantInfo } from './tenant-child';
import { benchProfile } from './child';
import { syncProfile } from '../../src-main/core/services/sync-service';
import { openDatabase, type Db } from '../../src-main/core/store/db';
import { nullLogger } from '../../src-main/core/log/logger';
import type { DatasetId } from '../../src-main/shared/datasets';

export interface SyncChildRequest {
  tenant: TenantInfo;
  datasets?: DatasetId[];
  raw?: boolean;
}

export interface SyncChildReport {
  maxRssMb: number;
  seconds: number;
  cpuSeconds: number;
  userCount: number;
  datasets: { dataset: string; status: string; items: number; durationMs: number }[];
  raw?: { seconds: number; cpuSeconds: number; rows: number };
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

function rawInsert(from: Db, snapshotId: number, tables: string[], dir: string): { seconds: number; cpuSeconds: number; rows: number } {
  const to = openDatabase(join(dir, 'raw.db'));
  const data = tables.map((t) => ({ t, rows: from.prepare(`SELECT * FROM ${t} WHERE snapshot_id = ?`).raw().all(snapshotId) as unknown[][] }));
  // The raw copy needs its snapshot row for the foreign keys.
  const snap = from.prepare('SELECT * FROM snapshots WHERE id = ?').raw().get(snapshotId) as unknown[];
  const snapCols = (from.prepare('PRAGMA table_info(snapshots)').all() as { name: string }[]).map((c) => c.name);
  to.prepare(`INSERT INTO snapshots (${snapCols.join(',')}) VALUES (${snapCols.map(() => '?').join(',')})`).run(...snap);
  let rows = 0;
  const cpu0 = process.cpuUsage();
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
  const cpu = cpuSeconds(process.cpuUsage(cpu0));
  to.close();
  return { seconds, cpuSeconds: cpu, rows };
}

process.once('message', (req: SyncChildRequest) => {
  void (async () => {
    const t = req.tenant;
    const dir = mkdtempSync(join(tmpdir(), 'm365lr-bench-'));
    const options = {
      profile: benchProfile(t),
      logger: nullLogger,
      credential: { kind: 'secret', secret: t.secret } as const,
      extraCaPem: [t.caPem],
      env: {},
    };
    if (req.raw) {
      // Warm-up: a one-dataset sync loads (and, under tsx, compiles) the modules first, so the
      // measured CPU is the sync's, not the module loader's.
      const warm = openDatabase(join(dir, 'warm.db'));
      await syncProfile({ ...options, db: warm, datasets: ['subscribedSkus'] });
      warm.close();
    }
    const db = openDatabase(join(dir, 'bench.db'));
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    const result = await syncProfile({ ...options, db, ...(req.datasets ? { datasets: req.datasets } : {}) });
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSeconds(process.cpuUsage(cpu0));
    const report: SyncChildReport = {
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      seconds,
      cpuSeconds: cpu,
      userCount: result.userCount ?? 0,
      datasets: result.datasets.map((d) => ({ dataset: d.dataset, status: d.status, items: d.items, durationMs: d.durationMs })),
      ...(req.raw ? { raw: rawInsert(db, result.snapshotId, ['users', 'user_licenses'], dir) } : {}),
    };
    db.close();
    rmSync(dir, { recursive: true, force: true });
    process.send?.(report, () => process.exit(0));
  })().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
});
process.send?.('ready');
