import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src-main/core/store/db';

/**
 * A snapshot of `users` licensed users written straight into SQLite (recursive CTEs): three
 * SKUs, one or two licences per user, a sign-in row each, departments and countries. Ids are
 * scattered (a multiplicative hash leads them), so id order is not UPN order, as in a synced tenant.
 */
export function syntheticSnapshot(users: number, dir: string = mkdtempSync(join(tmpdir(), 'm365lr-bench-')), file = 'xlsx.db'): string {
  const path = join(dir, file);
  const db = openDatabase(path);
  db.transaction(() => {
    db.prepare(`INSERT INTO snapshots (id, profile_name, tenant_id, started_at, finished_at, status, user_count) VALUES (1, 'bench', 't', '2025-06-01T00:00:00Z', '2025-06-01T00:10:00Z', 'complete', ?)`).run(users);
    db.exec(`INSERT INTO skus (snapshot_id, sku_id, sku_part_number, capability_status, consumed_units, enabled) VALUES
      (1, '6fd2c87f-b296-42f0-b197-1e91e994b900', 'ENTERPRISEPACK', 'Enabled', ${users}, ${users + 100}),
      (1, '4b9405b0-7788-4568-add1-99614e613b69', 'EXCHANGESTANDARD', 'Enabled', ${Math.floor(users / 4)}, ${Math.floor(users / 4) + 10}),
      (1, 'c5928f49-12ba-48f7-ada3-0d743a3601d5', 'VISIOCLIENT', 'Enabled', ${Math.floor(users / 10)}, ${Math.floor(users / 10)})`);
    const seq = `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${users - 1})`;
    db.exec(`${seq} INSERT INTO users (snapshot_id, id, upn, display_name, account_enabled, user_type, created_at, department, usage_location)
      SELECT 1, printf('%08x-0000-4000-8000-%012d', (i * 2654435761) % 4294967296, i), printf('user%07d@bench.example', i), printf('Bench User %d', i), 1, 'Member', '2020-01-01T00:00:00Z',
             'Dept ' || (i % 40), CASE i % 3 WHEN 0 THEN 'GB' WHEN 1 THEN 'FR' ELSE 'US' END FROM n`);
    db.exec(`${seq} INSERT INTO user_licenses (snapshot_id, user_id, sku_id, source, state, error) SELECT 1, printf('%08x-0000-4000-8000-%012d', (i * 2654435761) % 4294967296, i), '6fd2c87f-b296-42f0-b197-1e91e994b900', 'direct', 'Active', 'None' FROM n`);
    db.exec(`${seq} INSERT INTO user_licenses (snapshot_id, user_id, sku_id, source, state, error) SELECT 1, printf('%08x-0000-4000-8000-%012d', (i * 2654435761) % 4294967296, i), 'c5928f49-12ba-48f7-ada3-0d743a3601d5', 'direct', 'Active', 'None' FROM n WHERE i % 10 = 0`);
    db.exec(`${seq} INSERT INTO sign_in_activity (snapshot_id, user_id, last_sign_in, last_successful) SELECT 1, printf('%08x-0000-4000-8000-%012d', (i * 2654435761) % 4294967296, i), '2025-05-30T08:00:00Z', '2025-05-30T08:00:00Z' FROM n`);
    for (const d of ['subscribedSkus', 'users', 'signInActivity']) db.prepare(`INSERT INTO dataset_runs (snapshot_id, dataset, status, items) VALUES (1, ?, 'ok', ?)`).run(d, users);
  })();
  db.close();
  return path;
}
