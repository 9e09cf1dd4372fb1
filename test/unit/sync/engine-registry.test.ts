import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { afterAll, describe, expect, it } from 'vitest';
import { childTable, defineDataset, table, type DatasetId } from '../../../src-main/core/datasets';
import { subscribedSkus } from '../../../src-main/core/datasets/subscribed-skus';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { openDatabase, type Db } from '../../../src-main/core/store/db';
import { MIGRATIONS } from '../../../src-main/core/store/migrations';
import { datasetRuns, snapshotCounts } from '../../../src-main/core/store/queries';
import { runSync } from '../../../src-main/core/sync/engine';
import { ALL_ROLES, FakeSession, sampleData } from '../../helpers/fake-session';

/**
 * A dataset the engine has never heard of: one descriptor and one migration, nothing else.
 * It reads a made-up collection of "widgets" with parts, needing a made-up permission.
 */
const WIDGETS_ID = 'widgets' as DatasetId; // an id the shared list does not hold yet, as a new dataset's has not
const WIDGETS_PATH = '/widgets?$select=id,name,parts';

const widgetSchema = z.looseObject({ id: z.string().min(1), name: z.string().nullish(), parts: z.array(z.string()).nullish() });
interface WidgetRow {
  id: string;
  name: string | null;
  parts: readonly string[];
}

const widgets = defineDataset({
  id: WIDGETS_ID,
  label: 'Widgets',
  tier: 'enrichment',
  permission: { application: 'Widget.Read.All', accepted: ['Widget.Read.All'], delegated: 'Widget.Read.All', delegatedAccepted: ['Widget.Read.All'], delegatedRoles: [] },
  fetch: 'collection',
  request: () => ({ path: WIDGETS_PATH, headers: { ConsistencyLevel: 'eventual' } }),
  probe: '/widgets?$top=1',
  item: { schema: widgetSchema, name: 'widget' },
  toRow: (w): WidgetRow => ({ id: w.id, name: w.name ?? null, parts: w.parts ?? [] }),
  tables: [
    table<WidgetRow>('widgets', { id: (w) => w.id, name: (w) => w.name }),
    childTable<WidgetRow, string>('widget_parts', (w) => w.parts, { widget_id: (_p, w) => w.id, part: (p) => p }),
  ],
});

const WIDGETS_MIGRATION = {
  version: MIGRATIONS.length + 1,
  name: 'widgets',
  up: `
CREATE TABLE widgets (snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE, id TEXT NOT NULL, name TEXT, PRIMARY KEY (snapshot_id, id));
CREATE TABLE widget_parts (snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE, widget_id TEXT NOT NULL, part TEXT NOT NULL);
`,
};

const PAGES = [
  [{ id: 'w1', name: 'Sprocket', parts: ['a', 'b'] }, { id: 'w2', name: null }],
  [{ id: 'w3', name: 'Gear', parts: ['c'], extraField: true }],
];

const dir = mkdtempSync(join(tmpdir(), 'engine-registry-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const WRITERS: [string, () => Db][] = [
  ['calling thread', () => openDatabase(':memory:', { migrations: [...MIGRATIONS, WIDGETS_MIGRATION] })],
  ['writer thread', () => openDatabase(join(dir, `r-${++files}.db`), { migrations: [...MIGRATIONS, WIDGETS_MIGRATION] })],
];

function session(roles: string[], hooks: ConstructorParameters<typeof FakeSession>[2] = {}): FakeSession {
  return new FakeSession(roles, { ...sampleData(), collections: [{ dataset: WIDGETS_ID, path: WIDGETS_PATH, pages: PAGES }] }, hooks);
}

describe.each(WRITERS)('a dataset added to the registry, written on the %s', (_mode, freshDb) => {
  it('is fetched, validated, mapped and written by the unchanged engine', async () => {
    const db = freshDb();
    const s = session([...ALL_ROLES, 'Widget.Read.All']);
    const result = await runSync({ session: s, db, profileName: 'p', registry: [subscribedSkus, widgets] });
    expect(result.datasets.map((d) => [d.dataset, d.status, d.items])).toEqual([
      ['subscribedSkus', 'ok', 2],
      [WIDGETS_ID, 'ok', 3],
    ]);
    expect(result.datasets[1]?.label).toBe('Widgets');
    // No 'userPages' dataset in this registry: the snapshot has no user count.
    expect(result.userCount).toBeNull();
    expect(s.requested.find((r) => r.dataset === WIDGETS_ID)).toEqual({ dataset: WIDGETS_ID, path: WIDGETS_PATH, headers: { ConsistencyLevel: 'eventual' } });
    const id = result.snapshotId;
    expect(db.prepare('SELECT id, name FROM widgets WHERE snapshot_id = ? ORDER BY id').all(id)).toEqual([
      { id: 'w1', name: 'Sprocket' },
      { id: 'w2', name: null },
      { id: 'w3', name: 'Gear' },
    ]);
    expect(db.prepare('SELECT widget_id, part FROM widget_parts WHERE snapshot_id = ? ORDER BY part').all(id)).toEqual([
      { widget_id: 'w1', part: 'a' },
      { widget_id: 'w1', part: 'b' },
      { widget_id: 'w3', part: 'c' },
    ]);
    expect(datasetRuns(db, id).map((r) => [r.dataset, r.status, r.items])).toEqual([
      ['subscribedSkus', 'ok', 2],
      [WIDGETS_ID, 'ok', 3],
    ]);
    // Datasets outside the injected registry were neither requested nor recorded.
    expect(new Set(s.requested.map((r) => r.dataset))).toEqual(new Set(['subscribedSkus', WIDGETS_ID]));
    expect(snapshotCounts(db, id).users).toBe(0);
  });

  it('is skipped with its own least-privileged permission when the token lacks it, without a request', async () => {
    const db = freshDb();
    const s = session(ALL_ROLES);
    const result = await runSync({ session: s, db, profileName: 'p', registry: [subscribedSkus, widgets] });
    expect(result.datasets[1]).toMatchObject({ dataset: WIDGETS_ID, status: 'skipped', reason: 'missing application permission Widget.Read.All', missingPermission: 'Widget.Read.All' });
    expect(s.requested.some((r) => r.dataset === WIDGETS_ID)).toBe(false);
  });

  it('a 403 after its first page discards the rows it wrote from both of its tables', async () => {
    const db = freshDb();
    const s = session([...ALL_ROLES, 'Widget.Read.All'], {
      beforePage: (d, i) => {
        if (d === WIDGETS_ID && i === 1) throw new OperatorError('permission-denied', 'Forbidden', { hint: 'x', status: 403 });
      },
    });
    const result = await runSync({ session: s, db, profileName: 'p', registry: [subscribedSkus, widgets], concurrency: 1 });
    expect(result.datasets[1]).toMatchObject({ status: 'skipped', missingPermission: 'Widget.Read.All' });
    expect(db.prepare('SELECT count(*) AS n FROM widgets').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM widget_parts').get()).toEqual({ n: 0 });
    expect(snapshotCounts(db, result.snapshotId).skus).toBe(2);
  });

  it('an invalid item of an enrichment dataset fails it alone: recorded as failed with the item and field, its rows discarded, the snapshot committed', async () => {
    const db = freshDb();
    const bad = new FakeSession([...ALL_ROLES, 'Widget.Read.All'], {
      ...sampleData(),
      collections: [{ dataset: WIDGETS_ID, path: WIDGETS_PATH, pages: [[{ id: 'w0', name: 'ok', parts: ['x'] }], [{ id: 'w1', parts: 'not-a-list' }]] }],
    });
    const result = await runSync({ session: bad, db, profileName: 'p', registry: [subscribedSkus, widgets] });
    expect(result.datasets[1]).toMatchObject({ dataset: WIDGETS_ID, status: 'failed', items: 0 });
    expect(result.datasets[1]?.reason).toContain('invalid widget (page 2, item 1): field "parts"');
    expect(datasetRuns(db, result.snapshotId).map((r) => [r.dataset, r.status])).toEqual([['subscribedSkus', 'ok'], [WIDGETS_ID, 'failed']]);
    expect(datasetRuns(db, result.snapshotId)[1]?.reason).toContain('page 2, item 1');
    expect(db.prepare('SELECT count(*) AS n FROM widgets').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM widget_parts').get()).toEqual({ n: 0 });
    expect(snapshotCounts(db, result.snapshotId).skus).toBe(2);
  });

  it('with strict, an invalid item fails the sync naming the dataset\'s own item noun and field', async () => {
    const db = freshDb();
    const bad = new FakeSession([...ALL_ROLES, 'Widget.Read.All'], {
      ...sampleData(),
      collections: [{ dataset: WIDGETS_ID, path: WIDGETS_PATH, pages: [[{ id: 'w1', parts: 'not-a-list' }]] }],
    });
    const e = await runSync({ session: bad, db, profileName: 'p', registry: [widgets], strict: true }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(OperatorError);
    expect((e as OperatorError).message).toContain('invalid widget (page 1, item 1): field "parts"');
  });
});
