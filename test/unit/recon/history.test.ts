import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../src-main/core/recon/settings';
import { computeFindings } from '../../../src-main/core/recon/engine';
import { diffSnapshots, sealSnapshot, verifyHistory } from '../../../src-main/core/recon/history';
import { E3, EXO1, insertSnapshot, tempDb, type FixtureSnapshot } from './fixture';

const first: FixtureSnapshot = {
  finishedAt: '2025-05-01T00:00:00.000Z',
  skus: [{ ...E3, enabled: 10, consumed: 3 }, { ...EXO1, enabled: 5, consumed: 1 }],
  users: [
    { id: 'alice', skus: [E3.id] },
    { id: 'bob', skus: [E3.id, EXO1.id] },
    { id: 'carol', skus: [E3.id], enabled: false },
  ],
};
const second: FixtureSnapshot = {
  finishedAt: '2025-06-01T00:00:00.000Z',
  skus: [{ ...E3, enabled: 12, consumed: 3 }, { ...EXO1, enabled: 5, consumed: 1 }],
  users: [
    { id: 'alice', skus: [E3.id] },
    { id: 'bob', skus: [EXO1.id] },
    { id: 'carol', skus: [E3.id] },
    { id: 'dave', skus: [E3.id] },
  ],
};

function chain() {
  const { db } = tempDb();
  const ids = [insertSnapshot(db, first), insertSnapshot(db, second), insertSnapshot(db, { ...second, finishedAt: '2025-07-01T00:00:00.000Z' })];
  for (const id of ids) sealSnapshot(db, id);
  return { db, ids };
}

describe('the snapshot hash chain', () => {
  it('links each snapshot to the one before, and verifies an untouched history', () => {
    const { db, ids } = chain();
    const rows = db.prepare('SELECT id, content_hash AS h, prev_hash AS p FROM snapshots ORDER BY id').all() as { id: number; h: string; p: string | null }[];
    expect(rows.map((r) => r.h)).toEqual(rows.map(() => expect.stringMatching(/^[0-9a-f]{64}$/)));
    expect(rows[0]?.p).toBeNull();
    expect(rows[1]?.p).toBe(rows[0]?.h);
    expect(rows[2]?.p).toBe(rows[1]?.h);
    // The same content after a different predecessor hashes differently.
    expect(rows[2]?.h).not.toBe(rows[1]?.h);
    const v = verifyHistory(db, 'contoso');
    expect(v).toMatchObject({ ok: true, checked: 3, firstBad: null });
    expect(v.snapshots.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
    expect(ids).toHaveLength(3);
  });

  it('seals earlier unsealed snapshots first, and never reseals', () => {
    const { db } = tempDb();
    const a = insertSnapshot(db, first);
    const b = insertSnapshot(db, second);
    const sealedB = sealSnapshot(db, b);
    const hashA = (db.prepare('SELECT content_hash AS h FROM snapshots WHERE id = ?').get(a) as { h: string }).h;
    expect(sealedB.prevHash).toBe(hashA);
    expect(sealSnapshot(db, b)).toEqual(sealedB);
  });

  it('names the first snapshot whose rows were edited in SQLite', () => {
    const { db, ids } = chain();
    db.prepare(`UPDATE users SET account_enabled = 1 WHERE snapshot_id = ? AND id = 'carol'`).run(ids[0]);
    const v = verifyHistory(db, 'contoso');
    expect(v).toMatchObject({ ok: false, firstBad: ids[0] });
    expect(v.snapshots[0]?.status).toBe('content-mismatch');
    expect(v.message).toMatch(new RegExp(`Snapshot ${ids[0]} .* does not match its recorded hash`));
  });

  it('detects a changed seat count, a removed snapshot and an edited hash', () => {
    let { db, ids } = chain();
    db.prepare(`UPDATE skus SET enabled = 11 WHERE snapshot_id = ? AND sku_id = ?`).run(ids[1], E3.id);
    expect(verifyHistory(db, 'contoso')).toMatchObject({ ok: false, firstBad: ids[1] });

    ({ db, ids } = chain());
    db.prepare('DELETE FROM snapshots WHERE id = ?').run(ids[1]);
    const removed = verifyHistory(db, 'contoso');
    expect(removed).toMatchObject({ ok: false, firstBad: ids[2] });
    expect(removed.message).toMatch(/does not link to the snapshot before it/);

    ({ db, ids } = chain());
    db.prepare(`UPDATE snapshots SET content_hash = ? WHERE id = ?`).run('0'.repeat(64), ids[0]);
    expect(verifyHistory(db, 'contoso').firstBad).toBe(ids[0]);

    ({ db, ids } = chain());
    db.prepare(`UPDATE snapshots SET content_hash = NULL, prev_hash = NULL WHERE id = ?`).run(ids[1]);
    expect(verifyHistory(db, 'contoso')).toMatchObject({ ok: false, firstBad: ids[1] });
  });
});

describe('the diff of two snapshots', () => {
  it('lists users gained and lost per SKU, seat changes, and findings new or resolved', () => {
    const { db, ids } = chain();
    const [a = 0, b = 0] = ids;
    const settings = defaultSettings();
    const asOf = new Date('2025-06-01T00:00:00Z');
    const f = { from: computeFindings(db, a, { settings, asOf }), to: computeFindings(db, b, { settings, asOf }) };
    const d = diffSnapshots(db, a, b, f);
    const e3 = d.skus.find((s) => s.partNumber === 'ENTERPRISEPACK');
    expect(e3).toMatchObject({ usersGained: 1, usersLost: 1, usableBefore: 10, usableAfter: 12, consumedBefore: 3, consumedAfter: 3 });
    expect(e3?.gained.map((u) => u.upn)).toEqual(['dave@contoso.example']);
    expect(e3?.lost.map((u) => u.upn)).toEqual(['bob@contoso.example']);
    // bob kept EXCHANGESTANDARD; nothing changed there.
    expect(d.skus.find((s) => s.partNumber === 'EXCHANGESTANDARD')).toBeUndefined();
    // carol was disabled and is enabled again: her disabled-accounts item is resolved.
    const disabled = d.findings.find((x) => x.kind === 'disabled-accounts');
    expect(disabled).toMatchObject({ new: 0, resolved: 1 });
    expect(disabled?.resolvedItems[0]).toMatch(/^carol@contoso.example /);
    expect(diffSnapshots(db, b, b, { from: f.to, to: f.to }).skus).toEqual([]);
  });
});
