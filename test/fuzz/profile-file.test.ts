import fc from 'fast-check';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ProfileStore } from '../../src-main/core/profile/store';
import type { Profile } from '../../src-main/core/profile/schema';
import { tempDir } from '../helpers/fs';
import { CaseCounter, fuzzParams, settlesOrClearError } from '../helpers/fuzz';
import { nearMiss } from '../helpers/graph-gen';

/**
 * The profiles file (profiles.json in the data folder): whatever it holds, reading it gives
 * the profiles or a bad-input error naming the file, and a change to a damaged file is
 * refused without touching it ("a damaged file is reported, never overwritten").
 */
const counter = new CaseCounter('profiles file');
const dir = tempDir('fuzz-profiles-');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  console.log(counter.report());
});

const profileName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,20}$/);
const credential = fc.oneof(
  fc.record({ kind: fc.constant('secret'), secretEnv: fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,10}$/) }),
  fc.record({ kind: fc.constant('secret'), secretInStore: fc.constant(true), expiresOn: fc.constantFrom('2027-01-31', '2026-12-01') }),
  fc.record({ kind: fc.constant('certificate'), certificatePath: fc.constantFrom('/etc/app/cert.pem', 'C:\\certs\\app.cer'), privateKeyInStore: fc.constant(true) }),
  fc.record({ kind: fc.constant('delegated'), flow: fc.constantFrom('interactive', 'device-code') }),
);
const profile = fc.record({
  name: profileName,
  tenantId: fc.oneof(fc.uuid(), fc.constantFrom('contoso.onmicrosoft.com', 'fabrikam.example')),
  clientId: fc.uuid(),
  cloud: fc.constantFrom('global', 'usgov', 'china'),
  credential,
});
const validFile = fc.uniqueArray(profile, { selector: (p) => p.name, maxLength: 3 }).map((profiles) => ({ version: 1, profiles }));

/** What a profiles file may hold: a valid file, a near miss of one, any JSON, broken text. */
const fileText = fc.oneof(
  { weight: 2, arbitrary: validFile.map((f) => JSON.stringify(f, null, 2)) },
  { weight: 4, arbitrary: nearMiss(validFile).map((f) => JSON.stringify(f) ?? '') },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? '') },
  { weight: 2, arbitrary: validFile.chain((f) => fc.nat().map((cut) => JSON.stringify(f).slice(0, cut % (JSON.stringify(f).length + 1)))) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 80 }) },
  { weight: 1, arbitrary: fc.constantFrom('', '\uFEFF{"version":1,"profiles":[]}', '{"version":1,"profiles":[]}\u0000', 'null', '{"version":2,"profiles":[]}', '{"__proto__":{"version":1},"profiles":[]}') },
);

const extra: Profile = { name: 'added-by-test', tenantId: 'contoso.onmicrosoft.com', clientId: '00000000-0000-0000-0000-000000000001', cloud: 'global', credential: { kind: 'secret', secretEnv: 'SECRET' } };

describe('profiles file: read, or bad-input; a damaged file is never overwritten', () => {
  it('list, upsert and remove over any file content', async () => {
    let n = 0;
    const outcomes = { read: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fileText,
        counter.count('profiles.json contents', async (text: string) => {
          const path = join(dir, `profiles-${++n}.json`);
          writeFileSync(path, text);
          const store = new ProfileStore(path);
          const listed = await settlesOrClearError(() => store.list(), ['bad-input']);
          outcomes[listed.ok ? 'read' : 'refused'] += 1;
          if (!listed.ok) {
            expect(listed.error.message).toContain(path);
            // Changes are refused, and the file keeps every byte.
            const upsert = await settlesOrClearError(() => store.upsert(extra), ['bad-input']);
            const removed = await settlesOrClearError(() => store.remove('anything'), ['bad-input']);
            expect(upsert.ok || removed.ok).toBe(false);
            expect(readFileSync(path, 'utf8')).toBe(text);
          } else {
            // A readable file stays readable through a change, and keeps its profiles.
            await store.upsert(extra);
            const after = await store.list();
            expect(after.map((p) => p.name).sort()).toEqual([...new Set([...listed.value.map((p) => p.name), extra.name])].sort());
          }
          rmSync(path, { force: true });
        }),
      ),
      fuzzParams(),
    );
    expect(outcomes.read).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
