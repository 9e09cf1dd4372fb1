import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServices, type Services } from '../../src-main/core/services/index';
import { EncryptedFileSecretStore } from '../../src-main/core/secrets/encrypted-file-store';
import { nullLogger } from '../../src-main/core/log/logger';
import { OP_NAMES, type OpName } from '../../src-main/shared/contract';
import { FINDING_KINDS } from '../../src-main/shared/recon';
import type { Result } from '../../src-main/shared/errors';
import { tempDir, filesContaining } from '../helpers/cli';

/**
 * Every operation of the contract table, driven through createServices and its dispatcher
 * (the path the IPC handlers and the browser-mode bridge take) against the demo tenant over
 * HTTPS, with no CLI in between.
 */
describe('the services over the contract table', () => {
  const dataDir = tempDir();
  const notices: string[] = [];
  const events: unknown[] = [];
  const called = new Set<OpName>();
  const SECRET = 'Sup3r-S3cret-Value~for-the-services-test';
  let services: Services;

  const start = (): Services => {
    services = createServices({
      dataDir,
      secretStore: new EncryptedFileSecretStore({ path: join(dataDir, 'secrets.enc'), passphrase: 'a passphrase for the services test', logN: 15 }),
      logger: nullLogger,
      env: {},
      openBrowser: () => Promise.reject(new Error('no browser in this test')),
      notify: (t) => notices.push(t),
    });
    for (const e of ['sync.progress', 'sync.retrying', 'sync.finished', 'auth.deviceCode', 'auth.state', 'exports.progress'] as const) {
      services.subscribe(e, (p) => events.push(p));
    }
    return services;
  };
  start();
  afterAll(() => services.close());

  const call = async (op: OpName, args: unknown): Promise<Result<unknown>> => {
    called.add(op);
    return services.dispatch(op, args);
  };
  const ok = async <T = Record<string, unknown>>(op: OpName, args: unknown = {}): Promise<T> => {
    const r = await call(op, args);
    if (!r.ok) throw new Error(`${op} failed: ${r.error.code}: ${r.error.message}`);
    return r.value as T;
  };
  const fails = async (op: OpName, args: unknown): Promise<{ code: string; message: string; hint: string }> => {
    const r = await call(op, args);
    if (r.ok) throw new Error(`${op} succeeded unexpectedly`);
    return r.error;
  };
  const results: unknown[] = [];
  const keep = <T>(v: T): T => (results.push(v), v);

  it('refuses unknown operations and bad arguments as data', async () => {
    const unknown = await services.dispatch('profiles.drop', {});
    expect(unknown).toMatchObject({ ok: false, error: { code: 'bad-input' } });
    const bad = await fails('sync.start', { profile: '../etc/passwd' });
    expect(bad.code).toBe('bad-input');
    expect(bad.message).toMatch(/profile/);
    expect((await fails('profiles.get', { profile: 'nosuch' })).code).toBe('profile-not-found');
  });

  it('the demo tenant: start, status, its profile, consent, verify', async () => {
    expect(await ok('demo.status')).toMatchObject({ running: false, profile: 'demo' });
    expect((await fails('profiles.get', { profile: 'demo' })).code).toBe('profile-not-found');
    const status = keep(await ok('demo.start', { users: 80, credential: 'certificate' }));
    expect(status).toMatchObject({ running: true, profile: 'demo', userCount: 80 });
    expect(notices.join('\n')).toMatch(/Demo tenant .*: 80 users, app "reader" signing in with a certificate/);
    expect((await fails('demo.start', {})).code).toBe('busy');

    const list = keep(await ok<{ name: string; demo: boolean }[]>('profiles.list'));
    expect(list).toContainEqual(expect.objectContaining({ name: 'demo', demo: true, credentialKind: 'certificate' }));
    expect(keep(await ok('profiles.get', { profile: 'demo' }))).toMatchObject({ name: 'demo', cloud: 'custom' });
    expect(keep(await ok('credentials.status', { profile: 'demo' }))).toMatchObject({ kind: 'certificate', set: true, expiry: 'ok' });

    const guide = keep(await ok<{ steps: { id: string }[]; kind: string }>('consent.guide', { profile: 'demo' }));
    expect(guide.kind).toBe('application');
    expect(guide.steps.map((s) => s.id)).toContain('consent');
    const script = keep(await ok<{ content: string; fileName: string }>('consent.script', { profile: 'demo', shell: 'azcli' }));
    expect(script.fileName).toMatch(/\.sh$/);
    expect(script.content).toContain('az ');
    const url = keep(await ok<{ url: string; who: string }>('consent.url', { profile: 'demo' }));
    expect(url.url).toMatch(/\/v2\.0\/adminconsent\?client_id=/);
    expect(url.who).toMatch(/Privileged Role Administrator/);

    const report = keep(await ok<{ allEnabled: boolean; rows: { status: string; whatToAdd: string }[]; excess: unknown[] }>('verify.run', { profile: 'demo' }));
    expect(report.allEnabled).toBe(true);
    expect(report.rows.every((r) => r.status === 'enabled' && r.whatToAdd === '')).toBe(true);
    expect(report.excess).toEqual([]);
  });

  it('sync is a job: progress events, its result by id, one per profile, cancel keeps the previous snapshot', async () => {
    const { jobId } = await ok<{ jobId: string }>('sync.start', { profile: 'demo' });
    expect((await fails('sync.start', { profile: 'demo' })).code).toBe('busy');
    const result = keep(await ok<{ snapshotId: number; userCount: number }>('sync.wait', { jobId }));
    expect(result.userCount).toBe(80);
    const job = keep(await ok<{ state: string; progress: unknown[] }>('sync.status', { jobId }));
    expect(job.state).toBe('succeeded');
    expect(job.progress.length).toBeGreaterThan(0);
    expect(events).toContainEqual(expect.objectContaining({ jobId, progress: expect.objectContaining({ dataset: 'users' }) }));
    expect(events).toContainEqual(expect.objectContaining({ jobId, state: 'succeeded' }));

    const second = await ok<{ jobId: string }>('sync.start', { profile: 'demo' });
    const cancelled = keep(await ok<{ state: string; error?: { code: string; hint: string } }>('sync.cancel', { jobId: second.jobId }));
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.error?.hint).toMatch(/previous snapshot is still current/);
    expect((await fails('sync.wait', { jobId: second.jobId })).code).toBe('cancelled');

    const snapshots = keep(await ok<{ id: number }[]>('snapshots.list', { profile: 'demo' }));
    expect(snapshots.map((s) => s.id)).toEqual([result.snapshotId]);
    const skus = keep(await ok<{ partNumber: string }[]>('snapshots.skuSummary', { snapshotId: result.snapshotId }));
    expect(skus.map((s) => s.partNumber)).toContain('ENTERPRISEPACK');

    const out = join(dataDir, 'exports');
    const exported = keep(await ok<{ files: string[]; snapshotId: number }>('exports.write', { profile: 'demo', outDir: out }));
    expect(exported.snapshotId).toBe(result.snapshotId);
    expect(exported.files.map((f) => f.slice(out.length + 1)).sort()).toEqual(
      ['sku-summary.csv', 'user-licenses.csv', 'findings-summary.csv', ...FINDING_KINDS.map((k) => `finding-${k}.csv`)].sort(),
    );
    expect(readFileSync(exported.files[0]!).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect((await fails('exports.write', { profile: 'demo', outDir: out, snapshotId: 9999 })).message).toMatch(/has no snapshot 9999/);
    const one = await ok<{ files: string[] }>('exports.write', { profile: 'demo', outDir: join(dataDir, 'one'), files: ['finding-inactive-users'] });
    expect(one.files.map((f) => f.split(/[\\/]/).pop()).sort()).toEqual(['finding-inactive-users.csv', 'findings-summary.csv', 'sku-summary.csv', 'user-licenses.csv']);

    // Findings and the settings they honour.
    expect(keep(await ok('settings.get', { profile: 'demo' }))).toMatchObject({ inactiveDays: 90, seatBuffers: {} });
    const report = keep(await ok<{ snapshotId: number; findings: { kind: string; count: number; items: unknown[]; truncated: boolean }[] }>('findings.list', { profile: 'demo', itemLimit: 2 }));
    expect(report.snapshotId).toBe(result.snapshotId);
    expect(report.findings.map((f) => f.kind)).toEqual([...FINDING_KINDS]);
    const inactive = report.findings.find((f) => f.kind === 'inactive-users');
    expect(inactive?.items.length).toBeLessThanOrEqual(2);
    const saved = keep(await ok<{ inactiveDays: number; seatBuffers: Record<string, number> }>('settings.set', { profile: 'demo', settings: { inactiveDays: 30, seatBuffers: { ENTERPRISEPACK: 3 } } }));
    expect(saved).toMatchObject({ inactiveDays: 30, seatBuffers: { ENTERPRISEPACK: 3 }, excludeSharedMailboxes: true });
    const stricter = await ok<typeof report>('findings.list', { profile: 'demo', kinds: ['inactive-users'] });
    expect(stricter.findings.map((f) => f.kind)).toEqual(['inactive-users']);
    expect(stricter.findings[0]!.count).toBeGreaterThan(inactive?.count ?? 0);
    const bad = await fails('settings.set', { profile: 'demo', settings: { inactiveDays: 0 } });
    expect(bad.code).toBe('bad-input');
    expect(bad.message).toMatch(/inactiveDays/);
    expect((await fails('settings.set', { profile: 'demo', settings: { seatBuffers: { ENTERPRISEPACK: -1 } } })).message).toMatch(/seatBuffers/);
    expect((await fails('settings.set', { profile: 'demo', settings: { inactiveDay: 30 } })).message).toMatch(/inactiveDay/);
    expect(await ok('settings.get', { profile: 'demo' })).toMatchObject({ inactiveDays: 30 }); // nothing stored is lost
    expect((await fails('findings.list', { profile: 'demo', snapshotId: 9999 })).message).toMatch(/has no snapshot 9999/);
  });

  it('a certificate for the demo profile is proven against the demo tenant, and nothing else is kept', async () => {
    const w = keep(await ok<{ demoProof?: { roles: string[] }; cerPath: string; cerBase64: string }>('certificates.create', { profile: 'demo', outDir: join(dataDir, 'democert') }));
    expect(w.demoProof?.roles).toContain('User.Read.All');
    expect(Buffer.from(w.cerBase64, 'base64')).toEqual(readFileSync(w.cerPath));
    expect((await fails('certificates.show', { profile: 'demo' })).message).toMatch(/not persisted/);
    expect((await fails('profiles.save', { profile: { name: 'demo', tenantId: 'contoso.onmicrosoft.com', clientId: '11111111-2222-3333-4444-555555555555', cloud: 'global', credential: { kind: 'secret', secretEnv: 'S' } } })).message).toMatch(/reserved/);
  });

  it('real profiles: save, secrets go in and never come out, certificates, remove', async () => {
    const base = { name: 'contoso', tenantId: 'contoso.onmicrosoft.com', clientId: '11111111-2222-3333-4444-555555555555', cloud: 'global' };
    keep(await ok('profiles.save', { profile: { ...base, credential: { kind: 'secret', secretEnv: 'CONTOSO_SECRET' } } }));
    expect(keep(await ok('credentials.status', { profile: 'contoso' }))).toMatchObject({ set: false, source: 'environment variable CONTOSO_SECRET', expiry: 'unknown' });
    const set = keep(await ok('credentials.setSecret', { profile: 'contoso', secret: SECRET, expiresOn: '2031-01-31' }));
    expect(set).toMatchObject({ set: true, kind: 'secret', expiresOn: '2031-01-31T00:00:00.000Z' });
    expect(keep(await ok('profiles.get', { profile: 'contoso' }))).toMatchObject({ credential: { kind: 'secret', secretInStore: true } });
    expect(keep(await ok('credentials.setSecretExpiry', { profile: 'contoso', expiresOn: '2030-06-30' }))).toMatchObject({ expiresOn: '2030-06-30T00:00:00.000Z' });
    expect(keep(await ok('certificates.show', { profile: 'contoso' }))).toMatchObject({ credentialKind: 'secret', expiry: { status: 'ok' } });
    expect(keep(await ok('credentials.clear', { profile: 'contoso' }))).toMatchObject({ set: false });

    // The key goes into the (encrypted) secret store; only the public files are written.
    const cert = keep(await ok<{ pemPath: string; info: { thumbprintSha1: string }; keyLocation: string }>('certificates.create', { profile: 'contoso', outDir: join(dataDir, 'certs') }));
    expect(cert.keyLocation).toMatch(/encrypted/);
    const shown = keep(await ok<{ certificate?: { info: { thumbprintSha1: string }; key: { present: boolean } } }>('certificates.show', { profile: 'contoso' }));
    expect(shown.certificate).toMatchObject({ info: { thumbprintSha1: cert.info.thumbprintSha1 }, key: { present: true } });
    expect((await fails('certificates.rollback', { profile: 'contoso' })).message).toMatch(/keeps no previous certificate/);
    const keyPath = join(dataDir, 'contoso.key');
    expect(keep(await ok('certificates.exportKey', { profile: 'contoso', outPath: keyPath }))).toEqual({ path: keyPath });
    expect(readFileSync(keyPath, 'utf8')).toMatch(/BEGIN PRIVATE KEY/);
    const second = keep(await ok<{ pemPath: string; info: { thumbprintSha1: string } }>('certificates.create', { profile: 'contoso', outDir: join(dataDir, 'certs2'), replace: true }));
    // Re-import the first pair over the second: the second is kept for a rollback.
    const imported = keep(
      await ok<{ info: { thumbprintSha1: string }; previousCertificatePath?: string }>('certificates.import', {
        profile: 'contoso',
        source: { kind: 'pem', certificatePath: cert.pemPath, keyPath },
        outDir: join(dataDir, 'certs3'),
        replace: true,
        discardPrevious: true,
      }),
    );
    expect(imported.info.thumbprintSha1).toBe(cert.info.thumbprintSha1);
    const back = keep(await ok<{ info: { thumbprintSha1: string } }>('certificates.rollback', { profile: 'contoso' }));
    expect(back.info.thumbprintSha1).toBe(second.info.thumbprintSha1);
    expect(keep(await ok('profiles.remove', { profile: 'contoso' }))).toEqual({ removed: true });
    expect((await fails('profiles.remove', { profile: 'contoso' })).code).toBe('profile-not-found');
  });

  it('delegated sign-in for a demo user, and sign-out', async () => {
    expect(keep(await ok('demo.stop'))).toMatchObject({ running: false });
    await ok('demo.start', { users: 20, credential: 'delegated', demoUser: 'reports-reader' });
    const signedIn = keep(await ok<{ username: string; scopes: string[]; persistent: boolean }>('auth.signIn', { profile: 'demo' }));
    expect(signedIn.username).toMatch(/@/);
    expect(signedIn.scopes).toContainEqual(expect.stringMatching(/User\.Read\.All$/));
    expect(signedIn.persistent).toBe(false);
    expect(events).toContainEqual(expect.objectContaining({ profile: 'demo', state: 'signed-in' }));
    const out = keep(await ok<{ username?: string }>('auth.signOut', { profile: 'demo' }));
    expect(out.username).toBe(signedIn.username);
    keep(await ok('demo.stop'));
  });

  it("imports Microsoft's catalogue CSV, and refuses a file of another format", async () => {
    const good = join(dataDir, 'catalog.csv');
    writeFileSync(
      good,
      '\ufeffProduct_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names\r\n' +
        'Contoso Suite,CONTOSO_SUITE,0f5c2b3a-1111-4222-8333-944445555666,EXCHANGE_S_STANDARD,9aaf7827-d63c-4b61-89c3-182f06f82e5c,Exchange Online (Plan 2)\r\n',
    );
    const summary = keep(await ok<{ skus: number; added: number; storedAt: string }>('catalog.import', { path: good }));
    expect(summary).toMatchObject({ skus: 1, added: 1 });
    expect(existsSync(summary.storedAt)).toBe(true);
    const bad = join(dataDir, 'not-catalog.csv');
    writeFileSync(bad, 'name,price\r\nE3,36\r\n');
    expect((await fails('catalog.import', { path: bad })).message).toMatch(/Product_Display_Name/);
  });

  it('covered every operation of the contract', () => {
    expect([...called].sort()).toEqual([...OP_NAMES].sort());
  });

  it('no secret reached a result, an event or a file in the data folder', () => {
    expect(JSON.stringify(results)).not.toContain(SECRET);
    expect(JSON.stringify(events)).not.toContain(SECRET);
    expect(filesContaining(dataDir, SECRET)).toEqual([]);
  });
});
