import { describe, expect, it } from 'vitest';
import { DATASETS, DATASET_IDS, datasetForPath, datasetTables, requestPaths } from '../../../src-main/core/datasets';
import { openDatabase } from '../../../src-main/core/store/db';
import { GRAPH_PERMISSION_IDS } from '../../../src-main/core/permissions/graph-ids';

describe('dataset registry', () => {
  it('lists exactly the shared dataset ids, in their order', () => {
    expect(DATASETS.map((d) => d.id)).toEqual([...DATASET_IDS]);
  });

  it('every table a dataset writes exists in the migrated schema with exactly the described columns', () => {
    const db = openDatabase(':memory:');
    const names = new Set<string>();
    for (const t of datasetTables()) {
      expect(names.has(t.name), `${t.name} is written by two datasets`).toBe(false);
      names.add(t.name);
      const cols = (db.prepare('SELECT name FROM pragma_table_info(?)').all(t.name) as { name: string }[]).map((c) => c.name);
      expect(cols, `table ${t.name}`).toEqual(['snapshot_id', ...t.columns]);
    }
    // Every data table of the schema belongs to a dataset (nothing stored that no dataset writes);
    // besides the snapshot bookkeeping, only the operator's reconciliation settings.
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((t) => t.name);
    expect(tables.filter((t) => !names.has(t)).sort()).toEqual(['dataset_runs', 'recon_settings', 'snapshots']);
    db.close();
  });

  it('has one users collection (the snapshot\'s user count) and tiers core = SKUs and users', () => {
    expect(DATASETS.filter((d) => d.fetch === 'userPages').map((d) => d.id)).toEqual(['users']);
    expect(DATASETS.filter((d) => d.tier === 'core').map((d) => d.id)).toEqual(['subscribedSkus', 'users']);
  });

  it('every request and probe path maps back to its own dataset', () => {
    for (const period of ['D7', 'D30', 'D90', 'D180'] as const) {
      const paths = requestPaths(period);
      for (const d of DATASETS) expect(datasetForPath(paths[d.id])?.id, paths[d.id]).toBe(d.id);
    }
    for (const d of DATASETS) expect(datasetForPath(`https://graph.microsoft.com/v1.0${d.probe}`)?.id, d.probe).toBe(d.id);
    expect(datasetForPath('/me')).toBeUndefined();
  });

  it('every permission a dataset names has its Microsoft Graph ids in graph-ids', () => {
    const known = GRAPH_PERMISSION_IDS as Record<string, { application?: string; delegated?: string }>;
    for (const d of DATASETS) {
      expect(known[d.permission.application]?.application, `${d.id} application`).toBeTruthy();
      expect(known[d.permission.delegated]?.delegated, `${d.id} delegated`).toBeTruthy();
    }
  });

  it('packs an item into one cell list per table, in column order', () => {
    const users = DATASETS.find((d) => d.id === 'users');
    if (!users) throw new Error('no users dataset');
    const batch = users.tables.map(() => [] as (string | number | null)[]);
    users.pack(batch, {
      id: 'u1', userPrincipalName: 'a@x.test', accountEnabled: false,
      licenseAssignmentStates: [{ skuId: 's1', assignedByGroup: 'g1', state: 'Active', error: null, disabledPlans: ['p'] }],
    }, 'test');
    expect(batch).toEqual([
      ['u1', 'a@x.test', null, null, 0, null, null, null, null, null],
      ['u1', 's1', 'group', 'g1', 'Active', null, '["p"]', null],
    ]);
  });
});
