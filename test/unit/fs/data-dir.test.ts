import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createServices, nodeServicesDeps } from '../../../src-main/core/services/index';
import { prepareDataDir } from '../../../src-main/core/fs/data-dir';
import { dataPaths } from '../../../src-main/core/paths';
import { openDatabase } from '../../../src-main/core/store/db';
import { modeOf, tempDir, umaskScope } from '../../helpers/fs';
import { failureSync as failure } from '../../helpers/operator-error';



const umask = umaskScope();
const withUmask = (mask: number): void => umask.set(mask);
afterEach(() => umask.restore());

describe('prepareDataDir', () => {
  it('creates the data folder and its logs and certificates subfolders 0700, whatever the umask', () => {
    withUmask(0o000);
    const root = join(tempDir('data-dir-'), 'nested', 'data');
    expect(prepareDataDir(root).notices).toEqual([]);
    for (const p of [root, join(root, 'logs'), join(root, 'certificates')]) expect(modeOf(p)).toBe(0o700);
  });

  it('tightens an existing world-readable folder, its database files and logs, and says so once', () => {
    withUmask(0o022);
    const root = tempDir('data-dir-');
    chmodSync(root, 0o755);
    mkdirSync(join(root, 'logs'), { mode: 0o755 });
    mkdirSync(join(root, 'certificates', 'p1'), { recursive: true, mode: 0o755 });
    const files = ['reconciler.db', 'reconciler.db-wal', 'reconciler.db-shm', 'profiles.json', join('logs', 'reconciler.log'), join('certificates', 'p1', 'p1-abcd.pem')];
    for (const f of files) writeFileSync(join(root, f), 'x', { mode: 0o644 });
    // A read-only file stays read-only: group and other access is removed, none is added.
    chmodSync(join(root, 'profiles.json'), 0o444);

    const first = prepareDataDir(root);
    expect(first.notices).toHaveLength(1);
    expect(first.notices[0]).toContain(root);
    expect(first.notices[0]).toContain('reconciler.db-shm (0644)');
    for (const d of [root, join(root, 'logs'), join(root, 'certificates'), join(root, 'certificates', 'p1')]) expect(modeOf(d)).toBe(0o700);
    for (const f of files.filter((f) => f !== 'profiles.json')) expect(modeOf(join(root, f))).toBe(0o600);
    expect(modeOf(join(root, 'profiles.json'))).toBe(0o400);

    expect(prepareDataDir(root).notices).toEqual([]);
  });

  it('never follows a symlink inside the data folder', () => {
    const root = tempDir('data-dir-');
    const elsewhere = tempDir('elsewhere-');
    const shared = join(elsewhere, 'shared.txt');
    writeFileSync(shared, 'x', { mode: 0o644 });
    chmodSync(shared, 0o644);
    symlinkSync(shared, join(root, 'link.txt'));
    prepareDataDir(root);
    expect(modeOf(shared)).toBe(0o644);
  });

  it('refuses a data folder that is a file, or no folder at all, as an operator error', () => {
    const file = join(tempDir('data-dir-'), 'file');
    writeFileSync(file, 'x');
    expect(failure(() => prepareDataDir(file))).toMatchObject({ code: 'bad-input' });
    expect(failure(() => prepareDataDir(''))).toMatchObject({ code: 'bad-input' });
  });
});

describe('the data folder as the CLI opens it', () => {
  it('is private, with a private database and journal files, whatever the umask', async () => {
    withUmask(0o000);
    const root = join(tempDir('data-dir-'), 'data');
    const services = createServices(nodeServicesDeps({ dataDir: root, env: {}, secrets: 'memory' }));
    // Opens the database (and then refuses the unknown profile).
    await expect(services.api.snapshots.list({ profile: 'p' })).rejects.toThrow(/No profile named "p"/);
    await services.close();
    const db = openDatabase(dataPaths(root).database);
    db.prepare(`INSERT INTO snapshots (profile_name, tenant_id, started_at, status) VALUES ('p', 't', 'x', 'complete')`).run();
    const paths = dataPaths(root);
    expect(modeOf(root)).toBe(0o700);
    expect(modeOf(join(root, 'logs'))).toBe(0o700);
    expect(modeOf(join(root, 'certificates'))).toBe(0o700);
    for (const f of [paths.database, `${paths.database}-wal`, `${paths.database}-shm`]) expect(modeOf(f)).toBe(0o600);
    db.close();
  });

  it('an existing database opened under a loose umask keeps its journal files private', () => {
    withUmask(0o022);
    const root = tempDir('data-dir-');
    const path = dataPaths(root).database;
    openDatabase(path).close();
    chmodSync(path, 0o644);
    withUmask(0o000);
    const db = openDatabase(path);
    db.prepare(`INSERT INTO snapshots (profile_name, tenant_id, started_at, status) VALUES ('p', 't', 'x', 'complete')`).run();
    for (const f of [path, `${path}-wal`, `${path}-shm`]) expect(modeOf(f)).toBe(0o600);
    db.close();
  });
});
