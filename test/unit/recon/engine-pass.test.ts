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

  it("gives an item the dates of the rows its finding was judged on", () => {
    const { db, dir } = tempDb();
    dirs.push(dir);
    const id = insertSnapshot(db, {
      skus: [{ ...E3, enabled: 5, consumed: 1, plans: ['EXCHANGE_S_ENTERPRISE', 'SHAREPOINTENTERPRISE', 'OFFICESUBSCRIPTION'] }],
      users: [{ id: 'dan', skus: [E3.id], lastSuccessful: '2024-01-01T00:00:00Z' }],
    });
    // dan last signed in long ago; the report holds his UPN twice: once with only Exchange
    // activity, once with none. Whichever row counts, his items must say what it says.
    const upn = (db.prepare("SELECT upn FROM users WHERE snapshot_id = ? AND id = 'dan'").get(id) as { upn: string }).upn;
    const rep = db.prepare('INSERT INTO report_active_user_detail (snapshot_id, upn, exchange_last_activity, teams_last_activity, report_refresh_date) VALUES (?, ?, ?, ?, ?)');
    rep.run(id, upn.toUpperCase(), '2025-05-20', null, '2025-05-30');
    rep.run(id, upn, null, null, '2025-05-30');
    db.prepare("INSERT INTO dataset_runs (snapshot_id, dataset, status, items) VALUES (?, 'report.activeUserDetail', 'ok', 2)").run(id);
    const r = findings(db, id);
    const items = (k: string) => r.findings.find((f) => f.kind === k)?.items.filter((i) => i.userId === 'dan') ?? [];
    const usage = [...items('no-use'), ...items('mailbox-only')];
    expect(usage.length).toBeGreaterThan(0);
    for (const i of items('no-use')) expect(i.facts['exchange']).toBeNull();
    for (const i of items('mailbox-only')) expect(i.facts['exchange']).toBe('2025-05-20');
    const inactive = items('inactive-users');
    expect(inactive).toHaveLength(1);
    expect(inactive.map((i) => [i.facts['lastSuccessfulSignIn'], i.facts['daysSince']])).toEqual(inactive.map(() => ['2024-01-01T00:00:00Z', 517]));
  });

  it('reads sign-ins and the usage report past its chunks, and a run of one UPN longer than a chunk', () => {
    const { db, dir } = tempDb();
    dirs.push(dir);
    const n = 20_000;
    const shared = 9_000; // users 0..8999 share one UPN (in varying case), longer than a chunk of 8192
    const upnOf = (i: number) => (i < shared ? (i % 2 ? 'Team@Contoso.example' : 'team@contoso.example') : `u${i}@contoso.example`);
    const id = insertSnapshot(db, { skus: [{ ...E3, enabled: n, consumed: n, plans: ['EXCHANGE_S_ENTERPRISE', 'SHAREPOINTENTERPRISE', 'OFFICESUBSCRIPTION'] }], users: [] });
    const insert = db.transaction(() => {
      const user = db.prepare("INSERT INTO users (snapshot_id, id, upn, display_name, account_enabled, user_type, created_at) VALUES (?, ?, ?, ?, 1, 'Member', '2020-01-01T00:00:00Z')");
      const lic = db.prepare("INSERT INTO user_licenses (snapshot_id, user_id, sku_id, source, state, error) VALUES (?, ?, ?, 'direct', 'Active', 'None')");
      const sign = db.prepare('INSERT INTO sign_in_activity (snapshot_id, user_id, last_successful) VALUES (?, ?, ?)');
      const rep = db.prepare('INSERT INTO report_active_user_detail (snapshot_id, upn, exchange_last_activity, report_refresh_date) VALUES (?, ?, ?, ?)');
      for (let i = 0; i < n; i++) {
        const uid = `user-${String(i).padStart(6, '0')}`;
        user.run(id, uid, upnOf(i), `User ${i}`);
        lic.run(id, uid, E3.id);
        // Every third user last signed in long ago; the rest recently.
        sign.run(id, uid, i % 3 === 0 ? '2024-01-01T00:00:00Z' : '2025-05-30T00:00:00Z');
        // The report: one row for the shared UPN (Exchange only), and for every other user from
        // 9000 on, Exchange activity on every fourth (mailbox-only) and none on the rest (no use).
        if (i === 0) rep.run(id, 'TEAM@contoso.example', '2025-05-20', '2025-05-30');
        else if (i >= shared) rep.run(id, upnOf(i), i % 4 === 0 ? '2025-05-20' : null, '2025-05-30');
      }
      db.prepare("INSERT INTO dataset_runs (snapshot_id, dataset, status, items) VALUES (?, 'report.activeUserDetail', 'ok', 1)").run(id);
    });
    insert();
    const r = computeFindings(db, id, { settings, asOf, itemLimit: 0 });
    const count = (k: string) => r.findings.find((f) => f.kind === k)?.count;
    const others = Array.from({ length: n - shared }, (_, k) => k + shared);
    expect(count('inactive-users')).toBe(Math.ceil(n / 3));
    // Enabled users in the report without other activity: Exchange activity makes them mailbox-only, none makes them no-use.
    expect(count('mailbox-only')).toBe(shared + others.filter((i) => i % 4 === 0).length);
    expect(count('no-use')).toBe(others.filter((i) => i % 4 !== 0).length);
  });
});
