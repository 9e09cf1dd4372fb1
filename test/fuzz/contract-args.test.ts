import fc from 'fast-check';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../src-main/core/services/dispatch';
import { createServices, nodeServicesDeps, type Services } from '../../src-main/core/services/index';
import { ProfileStore } from '../../src-main/core/profile/store';
import { dataPaths } from '../../src-main/core/paths';
import { CONTRACT, OP_NAMES, type OpArgs, type OpName, type ServicesApi } from '../../src-main/shared/contract';
import { ERROR_CODES, type Result } from '../../src-main/shared/errors';
import { tempDir } from '../helpers/fs';
import { CaseCounter, fuzzParams } from '../helpers/fuzz';
import { nearMiss } from '../helpers/graph-gen';

/**
 * Contract arguments: every operation of the contract table through the services'
 * dispatcher (the one path the IPC handlers, the browser-mode bridge and the CLI take).
 * Any JSON value as arguments comes back as {ok:false, error:{code:'bad-input',...}} or a
 * typed result, never a throw; only arguments the operation's schema accepts reach a service.
 */
const counter = new CaseCounter('contract arguments');
const dir = tempDir('fuzz-contract-');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  console.log(counter.report());
});

const GUID = '00000000-0000-0000-0000-000000000001';
/** One valid argument object per operation; a new operation without one is a compile error. */
const VALID: { [O in OpName]: OpArgs<O> } = {
  'profiles.list': {},
  'profiles.get': { profile: 'contoso' },
  'profiles.save': { profile: { name: 'contoso', tenantId: 'contoso.onmicrosoft.com', clientId: GUID, cloud: 'global', credential: { kind: 'secret', secretEnv: 'CONTOSO_SECRET' } }, replace: true },
  'profiles.remove': { profile: 'fabrikam' },
  'credentials.status': { profile: 'contoso' },
  'credentials.setSecret': { profile: 'contoso', secret: 's3cret', expiresOn: '2027-01-31' },
  'credentials.setSecretExpiry': { profile: 'contoso', expiresOn: '2027-01-31' },
  'credentials.clear': { profile: 'contoso' },
  'certificates.create': { profile: 'contoso', keyType: 'rsa2048', days: 365 },
  'certificates.import': { profile: 'contoso', source: { kind: 'pfx', pfxPath: '/tmp/app.pfx', passwordEnv: 'PFX_PASSWORD' } },
  'certificates.show': { profile: 'contoso' },
  'certificates.rollback': { profile: 'contoso' },
  'certificates.exportKey': { profile: 'contoso', outPath: '/tmp/key.pem' },
  'consent.guide': { profile: 'contoso', redirectUri: 'http://localhost:8400/' },
  'consent.script': { profile: 'contoso', shell: 'powershell', appId: GUID },
  'consent.url': { profile: 'contoso' },
  'verify.run': { profile: 'contoso' },
  'auth.signIn': { profile: 'contoso', flow: 'device-code', timeoutSeconds: 60 },
  'auth.signOut': { profile: 'contoso' },
  'sync.start': { profile: 'contoso', datasets: ['users', 'subscribedSkus'] },
  'sync.cancel': { jobId: 'job-1' },
  'sync.status': { jobId: 'job-1' },
  'sync.wait': { jobId: 'job-1' },
  'snapshots.list': { profile: 'contoso' },
  'snapshots.skuSummary': { snapshotId: 1 },
  'exports.write': { profile: 'contoso', outDir: '/tmp/out', snapshotId: 1, files: ['sku-summary'] },
  'catalog.import': { path: '/tmp/catalog.csv' },
  'findings.list': { profile: 'contoso', kinds: ['inactive-users'], itemLimit: 10 },
  'settings.get': { profile: 'contoso' },
  'settings.set': { profile: 'contoso', settings: { inactiveDays: 60, excludedUpnPatterns: ['svc-*'] } },
  'demo.start': { users: 10, credential: 'secret' },
  'demo.stop': {},
  'demo.status': {},
};

/** Arguments as a front end (or a hostile page) might send them: valid, near misses, anything at all. */
function argsFor(op: OpName): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant<unknown>(VALID[op]) },
    { weight: 4, arbitrary: nearMiss(fc.constant<unknown>(VALID[op])) },
    { weight: 3, arbitrary: fc.anything({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, null, [], '', 0, { profile: '../etc/passwd' }, { profile: 'a'.repeat(65) }, { __proto__: { profile: 'contoso' } }) },
  );
}
const opAndArgs = fc.constantFrom(...OP_NAMES).chain((op) => fc.tuple(fc.constant(op), argsFor(op)));

const KNOWN = new Set<string>(ERROR_CODES);
function expectDocumentedError(r: Result<unknown>, codes?: readonly string[]): void {
  if (r.ok) return;
  expect(KNOWN.has(r.error.code)).toBe(true);
  if (codes) expect(codes).toContain(r.error.code);
  else expect(r.error.code).not.toBe('internal');
  expect(r.error.message.length).toBeGreaterThan(0);
  expect(r.error.hint.length).toBeGreaterThan(0);
}

describe('contract arguments through the dispatcher over recording stubs', () => {
  const calls: { op: OpName; args: unknown }[] = [];
  const api = Object.fromEntries(
    [...new Set(OP_NAMES.map((op) => op.split('.')[0]!))].map((group) => [
      group,
      Object.fromEntries(
        OP_NAMES.filter((op) => op.startsWith(`${group}.`)).map((op) => [
          op.split('.')[1]!,
          async (args: unknown) => {
            calls.push({ op, args });
            return { stub: op };
          },
        ]),
      ),
    ]),
  ) as unknown as ServicesApi;
  const dispatch = createDispatcher(api);

  it('only schema-valid arguments reach a service, as parsed; the rest is bad-input, as data', async () => {
    const seen = { valid: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        opAndArgs,
        counter.count('stubs: every operation, valid/near-miss/arbitrary args', async ([op, raw]) => {
          calls.length = 0;
          const expected = CONTRACT[op].args.safeParse(raw ?? {});
          const r = await dispatch(op, raw);
          if (expected.success) {
            seen.valid += 1;
            expect(r).toEqual({ ok: true, value: { stub: op } });
            expect(calls).toEqual([{ op, args: expected.data }]);
          } else {
            seen.refused += 1;
            expect(calls).toEqual([]);
            expect(r.ok).toBe(false);
            expectDocumentedError(r, ['bad-input']);
            if (!r.ok) expect(r.error.message).toContain(`Invalid arguments for ${op}`);
          }
        }),
      ),
      fuzzParams(4),
    );
    expect(seen.valid).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('unknown operation names are bad-input and reach no service', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('__proto__', 'constructor', 'profiles.__proto__', 'toString', 'hasOwnProperty', 'profiles.list ', 'PROFILES.LIST')),
        fc.anything({ maxDepth: 2 }),
        counter.count('unknown operation names', async (op: string, raw: unknown) => {
          fc.pre(!Object.hasOwn(CONTRACT, op));
          calls.length = 0;
          const r = await dispatch(op, raw);
          expect(r.ok).toBe(false);
          expectDocumentedError(r, ['bad-input']);
          expect(calls).toEqual([]);
          // The name is echoed at most in part (it may be long or hostile).
          if (!r.ok) expect(r.error.message.length).toBeLessThan(200);
        }),
      ),
      fuzzParams(),
    );
  });
});

describe('contract arguments through the real services (no network: profiles, snapshots, consent, findings, settings)', () => {
  const OFFLINE: OpName[] = [
    'profiles.list', 'profiles.get', 'profiles.save', 'profiles.remove', 'snapshots.list', 'snapshots.skuSummary', 'consent.guide', 'consent.script', 'consent.url',
    'findings.list', 'settings.get', 'settings.set',
  ];
  const root = join(dir, 'data');
  let services: Services | undefined;
  afterAll(async () => services?.close());

  it('every answer is a typed result or a documented error; the profiles file stays readable', async () => {
    services = createServices(nodeServicesDeps({ dataDir: root, env: {}, secrets: 'memory' }));
    const seeded = await services.dispatch('profiles.save', VALID['profiles.save']);
    expect(seeded.ok).toBe(true);
    const outcomes = { ok: 0, error: 0 };
    const outDir = join(dir, 'out');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...OFFLINE).chain((op) => fc.tuple(fc.constant(op), argsFor(op))),
        counter.count('real services: profiles/snapshots/consent/findings/settings', async ([op, raw]) => {
          // A path the operation would write to stays inside this test's folder.
          const args = raw !== null && typeof raw === 'object' && !Array.isArray(raw) && 'outPath' in raw ? { ...raw, outPath: join(outDir, 'script.out') } : raw;
          const r = await services!.dispatch(op, args);
          outcomes[r.ok ? 'ok' : 'error'] += 1;
          if (r.ok) expect(CONTRACT[op].result.safeParse(r.value).success).toBe(true);
          else expectDocumentedError(r);
          await new ProfileStore(dataPaths(root).profiles).list();
        }),
      ),
      fuzzParams(1),
    );
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.error).toBeGreaterThan(0);
  });
});
