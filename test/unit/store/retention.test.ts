import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/core/store/db';
import { MIGRATIONS } from '../../../src-main/core/store/migrations';
import { planPrune, pruneSnapshots } from '../../../src-main/core/store/retention';
import { sealSnapshot, verifyHistory } from '../../../src-main/core/recon/history';
import { snapshotsPruneArgsSchema } from '../../../src-main/shared/retention';
import { E3, insertSnapshot, tempDb } from '../recon/fixture';

const NOW = new Date('2025-07-10T00:00:00.000Z');
const months = ['2025-02-01', '2025-03-01', '2025-04-01', '2025-05-01', '2025-06-01', '2025-07-01'];

function history(profile = 'contoso') {
  const { db } = tempDb();
  const ids = months.map((m, i) =>
    insertSnapshot(db, {
      profile,
      finishedAt: `${m}T00:00:00.000Z`,
      skus: [{ ...E3, enabled: 10 + i, consumed: 2 }],
      users: [{ id: 'alice', skus: [E3.id] }, { id: `user${i}`, skus: [E3.id] }],
    }),
  );
  sealSnapshot(db, ids[ids.length - 1]!);
  return { db, ids };
}
const rowsOf = (db: ReturnType<typeof tempDb>['db'], id: number) =>
  (db.prepare('SELECT (SELECT count(*) FROM users WHERE snapshot_id = ?) + (SELECT count(*) FROM user_licenses WHERE snapshot_id = ?) + (SELECT count(*) FROM skus WHERE snapshot_id = ?) AS n').get(id, id, id) as { n: number }).n;

describe('snapshot retention', () => {
  it('keeps the newest N, deletes the others\' data, and the chain still verifies', () => {
    const { db, ids } = history();
    const plan = planPrune(db, 'contoso', { keep: 2 }, NOW);
    expect(plan.prune.map((p) => p.id)).toEqual(ids.slice(0, 4));
    expect(plan.kept).toBe(2);
    expect(pruneSnapshots(db, 'contoso', plan.prune.map((p) => p.id), NOW)).toBe(4);
    for (const id of ids.slice(0, 4)) expect(rowsOf(db, id)).toBe(0);
    for (const id of ids.slice(4)) expect(rowsOf(db, id)).toBeGreaterThan(0);
    const v = verifyHistory(db, 'contoso');
    expect(v).toMatchObject({ ok: true, checked: 6, firstBad: null });
    expect(v.snapshots.map((s) => s.status)).toEqual(['pruned', 'pruned', 'pruned', 'pruned', 'ok', 'ok']);
    expect(v.message).toMatch(/4 pruned/);
    // A later snapshot seals onto the kept chain.
    const next = insertSnapshot(db, { finishedAt: '2025-07-09T00:00:00.000Z', skus: [{ ...E3, enabled: 1, consumed: 1 }], users: [] });
    expect(sealSnapshot(db, next).prevHash).toBe(v.snapshots[5]?.contentHash);
    expect(verifyHistory(db, 'contoso')).toMatchObject({ ok: true, checked: 7 });
  });

  it('keeps the snapshots younger than D days, or what either rule keeps', () => {
    const { db, ids } = history();
    // 2025-07-10 minus 45 days is 2025-05-26: June and July stay.
    expect(planPrune(db, 'contoso', { maxAgeDays: 45 }, NOW).prune.map((p) => p.id)).toEqual(ids.slice(0, 4));
    expect(planPrune(db, 'contoso', { maxAgeDays: 45, keep: 3 }, NOW).prune.map((p) => p.id)).toEqual(ids.slice(0, 3));
    expect(planPrune(db, 'contoso', { maxAgeDays: 1000 }, NOW).prune).toEqual([]);
  });

  it('never prunes the current snapshot, even when every rule would', () => {
    const { db, ids } = history();
    const plan = planPrune(db, 'contoso', { keep: 1, maxAgeDays: 1 }, new Date('2030-01-01T00:00:00.000Z'));
    expect(plan.prune.map((p) => p.id)).toEqual(ids.slice(0, 5));
    // Even when asked for by id, the store prunes only what is sealed and complete; then the
    // current snapshot is still there with its data.
    pruneSnapshots(db, 'contoso', plan.prune.map((p) => p.id), NOW);
    expect(rowsOf(db, ids[5]!)).toBeGreaterThan(0);
    expect(verifyHistory(db, 'contoso').ok).toBe(true);
  });

  it('prunes only sealed snapshots of the profile it is given', () => {
    const { db, ids } = history();
    const unsealed = insertSnapshot(db, { finishedAt: '2025-07-09T00:00:00.000Z', skus: [], users: [] });
    const newest = insertSnapshot(db, { finishedAt: '2025-07-09T12:00:00.000Z', skus: [], users: [] });
    expect(planPrune(db, 'contoso', { keep: 1 }, NOW).prune.map((p) => p.id)).toEqual(ids);
    expect(pruneSnapshots(db, 'other', [ids[0]!], NOW)).toBe(0);
    expect(pruneSnapshots(db, 'contoso', [unsealed], NOW)).toBe(0);
    expect(rowsOf(db, ids[0]!)).toBeGreaterThan(0);
    expect(newest).toBeGreaterThan(unsealed);
  });

  it('names a kept snapshot whose data was changed after pruning', () => {
    const { db, ids } = history();
    pruneSnapshots(db, 'contoso', planPrune(db, 'contoso', { keep: 2 }, NOW).prune.map((p) => p.id), NOW);
    db.prepare('UPDATE skus SET enabled = 99 WHERE snapshot_id = ?').run(ids[4]);
    const v = verifyHistory(db, 'contoso');
    expect(v).toMatchObject({ ok: false, firstBad: ids[4] });
    expect(v.snapshots[4]?.status).toBe('content-mismatch');
    expect(v.message).toMatch(new RegExp(`Snapshot ${ids[4]} .* does not match its recorded hash`));
  });

  it('names a pruned snapshot whose recorded hash was edited, and the removal of one', () => {
    let { db, ids } = history();
    pruneSnapshots(db, 'contoso', planPrune(db, 'contoso', { keep: 2 }, NOW).prune.map((p) => p.id), NOW);
    db.prepare(`UPDATE pruned_snapshots SET content_hash = ? WHERE id = ?`).run('0'.repeat(64), ids[1]);
    expect(verifyHistory(db, 'contoso')).toMatchObject({ ok: false, firstBad: ids[2] });

    ({ db, ids } = history());
    pruneSnapshots(db, 'contoso', planPrune(db, 'contoso', { keep: 2 }, NOW).prune.map((p) => p.id), NOW);
    db.prepare('DELETE FROM pruned_snapshots WHERE id = ?').run(ids[2]);
    const v = verifyHistory(db, 'contoso');
    expect(v).toMatchObject({ ok: false, firstBad: ids[3] });
    expect(v.message).toMatch(/does not link to the snapshot before it/);
  });

  it('validates the retention arguments', () => {
    expect(snapshotsPruneArgsSchema.safeParse({ profile: 'contoso' }).success).toBe(false);
    expect(snapshotsPruneArgsSchema.safeParse({ profile: 'contoso', keep: 0 }).success).toBe(false);
    expect(snapshotsPruneArgsSchema.safeParse({ profile: 'contoso', maxAgeDays: 1.5 }).success).toBe(false);
    expect(snapshotsPruneArgsSchema.safeParse({ profile: 'contoso', keep: 3 }).success).toBe(true);
    expect(snapshotsPruneArgsSchema.safeParse({ profile: 'contoso', maxAgeDays: 30, keep: 2 }).success).toBe(true);
  });
});

describe('schema 5 (no raw JSON copy in usage report rows)', () => {
  it('keeps the hashes of snapshots sealed under schema 4 verifiable, and stores new rows without the copy', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'store-v5-')), 'm365.db');
    const old = openDatabase(path, { migrations: MIGRATIONS.slice(0, 4) });
    const id = insertSnapshot(old, { skus: [{ ...E3, enabled: 1, consumed: 1 }], users: [{ id: 'alice', skus: [E3.id] }] });
    old
      .prepare(`INSERT INTO report_active_user_detail (snapshot_id, upn, teams_last_activity, raw) VALUES (?, 'alice@contoso.com', '2025-05-30', ?)`)
      .run(id, JSON.stringify({ 'User Principal Name': 'alice@contoso.com', 'Teams Last Activity Date': '2025-05-30' }));
    const sealed = sealSnapshot(old, id).contentHash;
    old.close();

    const db = openDatabase(path);
    expect(db.pragma('user_version', { simple: true })).toBe(5);
    expect(verifyHistory(db, 'contoso')).toMatchObject({ ok: true, checked: 1 });
    expect((db.prepare('SELECT raw FROM report_active_user_detail WHERE snapshot_id = ?').get(id) as { raw: string }).raw).toMatch(/Teams Last Activity Date/);
    const later = insertSnapshot(db, { skus: [], users: [] });
    db.prepare(`INSERT INTO report_active_user_detail (snapshot_id, upn, teams_last_activity) VALUES (?, 'alice@contoso.com', '2025-06-30')`).run(later);
    expect(sealSnapshot(db, later).prevHash).toBe(sealed);
    expect(verifyHistory(db, 'contoso')).toMatchObject({ ok: true, checked: 2 });
    // Editing the row of the new snapshot is still caught.
    db.prepare(`UPDATE report_active_user_detail SET teams_last_activity = '2025-07-01' WHERE snapshot_id = ?`).run(later);
    expect(verifyHistory(db, 'contoso')).toMatchObject({ ok: false, firstBad: later });
    const indexes = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name LIKE 'report_%' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
    expect(indexes).toEqual([
      'report_activations_user_detail_activity',
      'report_active_user_detail_activity',
      'report_m365_app_user_detail_activity',
      'report_mailbox_usage_detail_by_upn',
    ]);
    db.close();
  });
});
