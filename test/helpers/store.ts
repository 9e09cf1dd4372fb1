import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { packRows } from '../../src-main/core/datasets';
import { subscribedSkus } from '../../src-main/core/datasets/subscribed-skus';
import { users as usersDataset } from '../../src-main/core/datasets/users';
import type { SnapshotSink } from '../../src-main/core/store/snapshot-sink';
import type { SnapshotWriter } from '../../src-main/core/store/writer';
import type { SkuRow, UserRow } from '../../src-main/core/store/types';

export function user(id: string, extra: Partial<UserRow> = {}): UserRow {
  return {
    id, upn: `${id}@contoso.example`, displayName: `User ${id}`, mail: null, accountEnabled: true, userType: 'Member',
    createdAt: '2024-01-01T00:00:00Z', department: null, jobTitle: null, usageLocation: 'GB', licenses: [], ...extra,
  };
}

/** Write users (already mapped) the way a sync does: packed by the users dataset, inserted per table. */
export function insertUsers(w: SnapshotWriter, rows: readonly UserRow[]): void {
  for (const { table, cells } of packRows(usersDataset, rows)) if (cells.length > 0) w.insertRows(table, cells);
}

/** The same through a snapshot sink (calling thread or writer thread). */
export async function sinkUsers(sink: SnapshotSink, rows: readonly UserRow[]): Promise<void> {
  await sink.insertPage(packRows(usersDataset, rows));
}

export function insertSkus(w: SnapshotWriter, rows: readonly SkuRow[]): void {
  for (const { table, cells } of packRows(subscribedSkus, rows)) if (cells.length > 0) w.insertRows(table, cells);
}

/** Write a small complete snapshot and return its id. */
export function writeSnapshot(w: SnapshotWriter, profileName: string, users: number): number {
  w.begin({ profileName, tenantId: 'tenant-1', startedAt: '2025-01-01T00:00:00.000Z', tokenRoles: ['User.Read.All'] });
  insertSkus(w, [
    {
      skuId: 'sku-1', skuPartNumber: 'ENTERPRISEPACK', capabilityStatus: 'Enabled', appliesTo: 'User', consumedUnits: users, enabled: 10,
      warning: 0, suspended: 0, lockedOut: 0, subscriptionIds: [], servicePlans: [{ servicePlanId: 'plan-1', servicePlanName: 'TEAMS1', provisioningStatus: 'Success', appliesTo: 'User' }],
    },
  ]);
  insertUsers(
    w,
    Array.from({ length: users }, (_, i) =>
      user(`u${i}`, { licenses: [{ skuId: 'sku-1', source: 'direct', groupId: null, state: 'Active', error: 'None', disabledPlans: [], lastUpdated: null }] }),
    ),
  );
  w.datasetRun({ dataset: 'users', status: 'ok', items: users });
  return w.commit({ finishedAt: '2025-01-01T00:01:00.000Z', warnings: [], userCount: users });
}

/**
 * Run a fixture that opens a snapshot and writes until its uncommitted rows reach the
 * WAL file (it prints "ready"), then SIGKILL it mid-snapshot.
 */
export async function killMidSnapshot(fixture: URL, dbPath: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(fixture), dbPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      if (c.toString().includes('ready')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
  });
  // The uncommitted rows outgrew the page cache and reached the WAL file on disk.
  if (statSync(`${dbPath}-wal`).size <= 1_000_000) throw new Error('the fixture did not spill uncommitted rows to the WAL');
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}
