import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../../src-main/core/store/db';

export const E3 = { id: '6fd2c87f-b296-42f0-b197-1e91e994b900', part: 'ENTERPRISEPACK' };
export const EXO1 = { id: '4b9405b0-7788-4568-add1-99614e613b69', part: 'EXCHANGESTANDARD' };

export interface FixtureUser {
  id: string;
  enabled?: boolean;
  department?: string | null;
  country?: string | null;
  skus: string[];
  lastSuccessful?: string | null;
}
export interface FixtureSnapshot {
  profile?: string;
  finishedAt?: string;
  skus: { id: string; part: string; enabled: number; warning?: number; consumed: number; plans?: string[] }[];
  users: FixtureUser[];
}

export function tempDb(): { db: Db; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'recon-unit-'));
  return { db: openDatabase(join(dir, 'm365.db')), dir };
}

/** Insert a complete snapshot with plain SQL (users, licences, SKUs, sign-ins, dataset runs); returns its id. */
export function insertSnapshot(db: Db, s: FixtureSnapshot): number {
  const profile = s.profile ?? 'contoso';
  const finished = s.finishedAt ?? '2025-06-01T00:00:00.000Z';
  const id = Number(
    db
      .prepare(`INSERT INTO snapshots (profile_name, tenant_id, started_at, finished_at, status, token_roles, warnings, user_count) VALUES (?, 'tenant-1', ?, ?, 'complete', '["User.Read.All","AuditLog.Read.All"]', '[]', ?)`)
      .run(profile, finished, finished, s.users.length).lastInsertRowid,
  );
  for (const k of s.skus) {
    db.prepare(`INSERT INTO skus (snapshot_id, sku_id, sku_part_number, capability_status, consumed_units, enabled, warning) VALUES (?, ?, ?, 'Enabled', ?, ?, ?)`).run(id, k.id, k.part, k.consumed, k.enabled, k.warning ?? 0);
    for (const p of k.plans ?? []) db.prepare(`INSERT INTO sku_service_plans (snapshot_id, sku_id, service_plan_id, service_plan_name, applies_to) VALUES (?, ?, ?, ?, 'User')`).run(id, k.id, p, p);
  }
  for (const u of s.users) {
    db.prepare(`INSERT INTO users (snapshot_id, id, upn, display_name, account_enabled, user_type, created_at, department, usage_location) VALUES (?, ?, ?, ?, ?, 'Member', '2020-01-01T00:00:00Z', ?, ?)`).run(
      id, u.id, `${u.id}@contoso.example`, `User ${u.id}`, u.enabled === false ? 0 : 1, u.department ?? null, u.country ?? null,
    );
    for (const sku of u.skus) db.prepare(`INSERT INTO user_licenses (snapshot_id, user_id, sku_id, source, state, error) VALUES (?, ?, ?, 'direct', 'Active', 'None')`).run(id, u.id, sku);
    db.prepare('INSERT INTO sign_in_activity (snapshot_id, user_id, last_successful) VALUES (?, ?, ?)').run(id, u.id, u.lastSuccessful === undefined ? '2025-05-30T00:00:00Z' : u.lastSuccessful);
  }
  for (const d of ['subscribedSkus', 'users', 'signInActivity']) db.prepare(`INSERT INTO dataset_runs (snapshot_id, dataset, status, items) VALUES (?, ?, 'ok', 1)`).run(id, d);
  return id;
}
