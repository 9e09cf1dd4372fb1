import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { computeFindings } from '../../../src-main/core/recon/engine';
import { defaultSettings } from '../../../src-main/core/recon/settings';
import type { Db } from '../../../src-main/core/store/db';
import { E3, EXO1, insertSnapshot, tempDb } from './fixture';

// The findings pass reads users and licences in stored order and matches them in step; these
// cases store them otherwise and expect exactly the same findings.
const asOf = new Date('2025-06-01T00:00:00Z');
const settings = defaultSettings();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function snapshot(): { db: Db; id: number } {
  const { db, dir } = tempDb();
  dirs.push(dir);
  const id = insertSnapshot(db, {
    skus: [{ ...E3, enabled: 10, consumed: 8, plans: ['p-exchange', 'p-sharepoint', 'p-apps'] }, { ...EXO1, enabled: 3, consumed: 3, plans: ['p-exchange'] }],
    users: [
      { id: 'alice', skus: [E3.id] },
      { id: 'carol', skus: [E3.id, EXO1.id], enabled: false },
      { id: 'dan', skus: [E3.id, EXO1.id], lastSuccessful: '2024-01-01T00:00:00Z' },
      { id: 'erin', skus: [E3.id], lastSuccessful: null },
      { id: 'fay', skus: [EXO1.id, E3.id] },
      { id: 'gus', skus: [] },
      { id: 'hal', skus: [E3.id], lastSuccessful: '0001-01-01T00:00:00Z' },
    ],
  });
  return { db, id };
}

const findings = (db: Db, id: number) => computeFindings(db, id, { settings, asOf });

describe('the findings pass', () => {
  it('finds the same when licences are stored out of step with the users', () => {
    const a = snapshot();
    const b = snapshot();
    b.db.exec(`CREATE TEMP TABLE l AS SELECT * FROM user_licenses ORDER BY user_id DESC, rowid; DELETE FROM user_licenses; INSERT INTO user_licenses SELECT * FROM l;`);
    const expected = findings(a.db, a.id);
    expect(expected.findings.find((f) => f.kind === 'inactive-users')?.users).toBe(1);
    expect(findings(b.db, b.id).findings).toEqual(expected.findings);
  });

  it('ignores licence rows of users the snapshot does not hold, wherever they are stored', () => {
    const a = snapshot();
    const b = snapshot();
    const orphan = `INSERT INTO user_licenses (snapshot_id, user_id, sku_id, source, state, error) VALUES (${b.id}, 'ghost', '${E3.id}', 'direct', 'Active', 'None')`;
    b.db.exec(`${orphan}; CREATE TEMP TABLE l AS SELECT * FROM user_licenses ORDER BY user_id = 'ghost' DESC, rowid; DELETE FROM user_licenses; INSERT INTO user_licenses SELECT * FROM l; ${orphan}`);
    expect(findings(b.db, b.id).findings).toEqual(findings(a.db, a.id).findings);
  });

  it('reads values that hold its own separators intact', () => {
    const { db, id } = snapshot();
    const name = 'Carol \u001f\u001e Sep\u0015';
    db.prepare("UPDATE users SET display_name = ? WHERE id = 'carol'").run(name);
    const disabled = findings(db, id).findings.find((f) => f.kind === 'disabled-accounts');
    expect(disabled?.items.map((i) => i.displayName)).toEqual([name, name]);
  });

  it('counts the same with no items kept', () => {
    const { db, id } = snapshot();
    const all = findings(db, id);
    const counts = computeFindings(db, id, { settings, asOf, itemLimit: 0 });
    expect(counts.findings.map((f) => [f.kind, f.count, f.users, f.excluded, f.items.length])).toEqual(all.findings.map((f) => [f.kind, f.count, f.users, f.excluded, 0]));
    expect(all.findings.find((f) => f.kind === 'never-signed-in')?.items.map((i) => i.userId).sort()).toEqual(['erin', 'hal']);
  });
});
