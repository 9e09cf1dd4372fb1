import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { createServices, nodeServicesDeps } from '../../src-main/core/services/index';
const users = Number(process.argv[2] ?? 20000);
const dataDir = mkdtempSync(join(tmpdir(), 'stor-'));
const s = createServices(nodeServicesDeps({ dataDir, env: {}, secrets: 'memory' } as never));
const ok = async (op: string, a: unknown = {}) => { const r = await s.dispatch(op as never, a); if (!r.ok) throw new Error(op + JSON.stringify(r.error)); return r.value as any; };
await ok('demo.start', { users });
const { jobId } = await ok('sync.start', { profile: 'demo' });
const res = await ok('sync.wait', { jobId });
s.close();
const db = new Database(join(dataDir, process.env.DBNAME ?? 'reconciler.db'));
const rows = db.prepare(`SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC`).all() as { name: string; bytes: number }[];
let total = 0;
for (const r of rows) { total += r.bytes; }
for (const r of rows.slice(0, 25)) console.log(r.name.padEnd(45), String(r.bytes).padStart(12), (r.bytes / res.userCount).toFixed(0));
console.log('TOTAL', total, 'users', res.userCount, 'bytes/user', (total / res.userCount).toFixed(0), dataDir);
