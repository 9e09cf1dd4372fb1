/**
 * Bytes per user per snapshot: the demo tenant with N users (default 20000) synced twice into a
 * fresh data folder through the services, the database's pages summed with SQLite's dbstat
 * after each sync. Prints the largest tables and indexes and the second sync's growth per user.
 *
 *   npx tsx test/bench/storage-size.mts [users]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { createServices, nodeServicesDeps } from '../../src-main/core/services/index';

const users = Number(process.argv[2] ?? 20000);
const dataDir = mkdtempSync(join(tmpdir(), 'storage-size-'));
const services = createServices(nodeServicesDeps({ dataDir, env: {}, secrets: 'memory' }));
const ok = async (op: Parameters<typeof services.dispatch>[0], args: unknown = {}): Promise<Record<string, unknown>> => {
  const r = await services.dispatch(op, args);
  if (!r.ok) throw new Error(`${op}: ${r.error.code}: ${r.error.message}`);
  return r.value as Record<string, unknown>;
};
const pages = (): { name: string; bytes: number }[] => {
  const db = new Database(join(dataDir, 'reconciler.db'), { readonly: true });
  try {
    return db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC').all() as { name: string; bytes: number }[];
  } finally {
    db.close();
  }
};
const total = (rows: { bytes: number }[]): number => rows.reduce((n, r) => n + r.bytes, 0);
const sync = async (): Promise<void> => {
  const { jobId } = await ok('sync.start', { profile: 'demo' });
  await ok('sync.wait', { jobId });
};

try {
  await ok('demo.start', { users });
  await sync();
  const first = pages();
  for (const r of first.slice(0, 20)) console.log(`${r.name.padEnd(45)}${String(r.bytes).padStart(12)}${(r.bytes / users).toFixed(0).padStart(8)} B/user`);
  await sync();
  const second = pages();
  console.log(`one snapshot: ${total(first)} bytes, ${(total(first) / users).toFixed(0)} B/user`);
  console.log(`second snapshot adds: ${total(second) - total(first)} bytes, ${((total(second) - total(first)) / users).toFixed(0)} B/user`);
} finally {
  await services.close();
  rmSync(dataDir, { recursive: true, force: true });
}
