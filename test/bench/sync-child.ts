// Syncs a demo tenant in a fresh process and reports its own figures, so they cover exactly
// one sync (the tenant runs in another process): peak RSS, wall time, and CPU time of the whole
// process (process.cpuUsage counts every thread, the writer thread included). With `raw`, it then
// copies the snapshot's rows with plain better-sqlite3 prepared inserts in one transaction and
// reports that CPU and wall time too: the same rows, in the order the sync received them (Graph's
// order, which is random for the keys), measured in the same process. For reference it also copies
// them in key order, which B-trees take much more cheaply and a sync can never get from Graph.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TenantInfo } from './tenant-child';
import { benchProfile } from './child';
import { syncProfile } from '../../src-main/core/services/sync-service';
import { openDatabase, type Db } from '../../src-main/core/store/db';
import { snapshotWriterSettled } from '../../src-main/core/store/snapshot-sink';
import { nullLogger } from '../../src-main/core/log/logger';
import type { DatasetId } from '../../src-main/shared/datasets';
import { users as usersDataset } from '../../src-main/core/datasets/users';
import { request } from 'undici';
import { createNetwork } from '../../src-main/core/net/network';
import { createAppTokenProvider } from '../../src-main/core/auth/app-token';

export interface SyncChildRequest {
  tenant: TenantInfo;
  datasets?: DatasetId[];
  raw?: boolean;
  /** Write the snapshot to this database file and keep it (for the findings and export lines). */
  keepAt?: string;
}

export interface SyncChildReport {
  maxRssMb: number;
  seconds: number;
  cpuSeconds: number;
  /** The main thread's share of cpuSeconds (Linux only). */
  mainThreadCpuSeconds?: number;
  userCount: number;
  datasets: { dataset: string; status: string; items: number; durationMs: number }[];
  raw?: RawInsertReport & { keyOrder: RawInsertReport };
  bare?: BareClientReport;
}

/** What receiving the users pages costs a client that does nothing else (see bareClient). */
export interface BareClientReport {
  cpuSeconds: number;
  seconds: number;
  users: number;
  bytes: number;
}

export interface RawInsertReport {
  seconds: number;
  cpuSeconds: number;
  rows: number;
}

const cpuSeconds = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1e6;

/** CPU seconds of the main thread alone (Linux /proc; undefined elsewhere): the rest is the writer thread, GC and libuv. */
function mainThreadCpu(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * `order`: 'arrival' reads the rows back in rowid order, the order the sync inserted them as Graph
 * sent them; 'key' lets SQLite return them by the table's key index (sorted by user id).
 */
function rawInsert(from: Db, snapshotId: number, tables: string[], dir: string, order: 'arrival' | 'key'): RawInsertReport {
  const to = openDatabase(join(dir, `raw-${order}.db`));
  const orderBy = order === 'arrival' ? ' ORDER BY rowid' : '';
  const data = tables.map((t) => ({ t, rows: from.prepare(`SELECT * FROM ${t} WHERE snapshot_id = ?${orderBy}`).raw().all(snapshotId) as unknown[][] }));
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

/**
 * The least any client pays to receive the users dataset, measured in the same process: the sync's
 * own request (same $select, page size and headers) paged with undici's plain request() (cheaper
 * than fetch), each body decoded and JSON.parse'd, nothing validated, mapped or stored. With the
 * raw inserts added, it bounds from below the ingest CPU of any sync that stores what Graph sends.
 */
async function bareClient(t: TenantInfo): Promise<BareClientReport> {
  // The product's connection pool and token provider (as baseline-child.ts), outside the measurement.
  const network = createNetwork({ extraCaPem: [t.caPem], env: {} });
  try {
    const { accessToken } = await createAppTokenProvider({ profile: benchProfile(t), credential: { kind: 'secret', secret: t.secret }, network }).getToken({});
    const first = usersDataset.request('D30'); // the users request takes no report period
    let url: string | undefined = `${t.graphUrl}/v1.0${first.path}`;
    let users = 0;
    let bytes = 0;
    const cpu0 = process.cpuUsage();
    const started = performance.now();
    while (url) {
      const res = await request(url, { dispatcher: network.dispatcher, headers: { ...first.headers, authorization: `Bearer ${accessToken}` } });
      const body = Buffer.from(await res.body.arrayBuffer());
      if (res.statusCode !== 200) throw new Error(`users page answered ${res.statusCode}`);
      const page = JSON.parse(body.toString('utf8')) as { value: unknown[]; '@odata.nextLink'?: string };
      users += page.value.length;
      bytes += body.length;
      url = page['@odata.nextLink'];
    }
    return { cpuSeconds: cpuSeconds(process.cpuUsage(cpu0)), seconds: (performance.now() - started) / 1000, users, bytes };
  } finally {
    await network.close();
  }
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
    const db = openDatabase(req.keepAt ?? join(dir, 'bench.db'));
    const cpu0 = process.cpuUsage();
    const main0 = mainThreadCpu();
    const started = performance.now();
    const result = await syncProfile({ ...options, db, ...(req.datasets ? { datasets: req.datasets } : {}) });
    const seconds = (performance.now() - started) / 1000;
    // The wall time ends with the committed snapshot; the CPU time also covers what the writer
    // thread does after it (its checkpoint into the database file), as the raw inserts' commit does.
    await snapshotWriterSettled(db);
    const cpu = cpuSeconds(process.cpuUsage(cpu0));
    const main1 = mainThreadCpu();
    const report: SyncChildReport = {
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      seconds,
      cpuSeconds: cpu,
      ...(main0 !== undefined && main1 !== undefined ? { mainThreadCpuSeconds: main1 - main0 } : {}),
      userCount: result.userCount ?? 0,
      datasets: result.datasets.map((d) => ({ dataset: d.dataset, status: d.status, items: d.items, durationMs: d.durationMs })),
      ...(req.raw
        ? {
            raw: {
              ...rawInsert(db, result.snapshotId, ['users', 'user_licenses'], dir, 'arrival'),
              keyOrder: rawInsert(db, result.snapshotId, ['users', 'user_licenses'], dir, 'key'),
            },
          }
        : {}),
    };
    // After the raw inserts, so neither the sync's nor their figures include it.
    if (req.raw) report.bare = await bareClient(t);
    db.close();
    rmSync(dir, { recursive: true, force: true });
    process.send?.(report, () => process.exit(0));
  })().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
});
process.send?.('ready');
