import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src-main/core/store/db';
import { cli, tempDir } from '../helpers/cli';

/** The CLI's prune-snapshots over three demo syncs (real HTTPS, MSAL and the Graph client), then verify-history. */
describe('CLI: prune-snapshots', () => {
  it('keeps the newest snapshots, the history still verifies, and a kept snapshot edited afterwards is named', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    for (let i = 0; i < 3; i++) expect((await cli(['--data-dir', data, 'demo', '--users', '60', '--out', join(dir, `out${i}`)])).code).toBe(0);
    const ids = () => {
      const db = openDatabase(join(data, 'reconciler.db'));
      const r = (db.prepare(`SELECT id FROM snapshots WHERE profile_name = 'demo' ORDER BY id`).all() as { id: number }[]).map((x) => x.id);
      db.close();
      return r;
    };
    const all = ids();
    expect(all).toHaveLength(3);

    const none = await cli(['--data-dir', data, 'prune-snapshots', '--profile', 'demo']);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toMatch(/--keep N .*--max-age-days D/);
    const zero = await cli(['--data-dir', data, 'prune-snapshots', '--profile', 'demo', '--keep', '0']);
    expect(zero.code).not.toBe(0);
    expect(zero.stderr).toMatch(/expected a whole number of snapshots, at least 1/);

    const dry = await cli(['--data-dir', data, 'prune-snapshots', '--profile', 'demo', '--keep', '2', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`${all[0]} .* would be pruned`));
    expect(ids()).toEqual(all);

    const pruned = await cli(['--data-dir', data, 'prune-snapshots', '--profile', 'demo', '--keep', '2']);
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toMatch(/Pruned 1 snapshots of profile "demo"; 2 kept/);
    expect(ids()).toEqual(all.slice(1));

    const verified = await cli(['--data-dir', data, 'verify-history', '--profile', 'demo']);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/3 snapshots verified \(1 pruned, checked by their links\); the chain is intact/);

    const tamper = openDatabase(join(data, 'reconciler.db'));
    tamper.prepare(`UPDATE skus SET consumed_units = consumed_units + 1 WHERE snapshot_id = ?`).run(all[1]);
    tamper.close();
    const bad = await cli(['--data-dir', data, 'verify-history', '--profile', 'demo']);
    expect(bad.code).toBe(7);
    expect(bad.stderr).toMatch(new RegExp(`the first bad snapshot is ${all[1]}`));
    // Pruning refuses to remove the evidence.
    const refused = await cli(['--data-dir', data, 'prune-snapshots', '--profile', 'demo', '--keep', '1']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/does not verify, so no snapshot was pruned/);
    expect(ids()).toEqual(all.slice(1));
  });
});

describe('CLI: the retention setting', () => {
  it('prunes after each sync as the profile says, keeps the history verifiable, and can be switched off', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    const set = await cli(['--data-dir', data, 'settings', '--profile', 'demo', '--keep-snapshots', '2']);
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/Snapshot retention: +keep the newest 2; older ones pruned after each sync/);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await cli(['--data-dir', data, 'sync', '--profile', 'demo', '--users', '40']));
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(runs[1]!.stdout).not.toMatch(/Retention:/);
    expect(runs[2]!.stdout).toMatch(/Retention: 1 older snapshot pruned/);
    const kept = await cli(['--data-dir', data, 'snapshots', '--profile', 'demo']);
    expect(kept.stdout.trim().split('\n').slice(2)).toHaveLength(2);
    expect((await cli(['--data-dir', data, 'verify-history', '--profile', 'demo'])).code).toBe(0);

    expect((await cli(['--data-dir', data, 'settings', '--profile', 'demo', '--keep-snapshots', '0'])).stdout).toMatch(/Snapshot retention: +every snapshot is kept/);
    expect((await cli(['--data-dir', data, 'sync', '--profile', 'demo', '--users', '40'])).stdout).not.toMatch(/Retention:/);
    expect((await cli(['--data-dir', data, 'snapshots', '--profile', 'demo'])).stdout.trim().split('\n').slice(2)).toHaveLength(3);
  });
});
