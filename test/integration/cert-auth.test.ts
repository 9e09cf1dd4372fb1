import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoTenant } from '../../src-main/core/demo-tenant/index';
import type { DemoTenant } from '../../src-main/core/demo-tenant/types';
import { createNetwork, type Network } from '../../src-main/core/net/network';
import { createAppTokenProvider } from '../../src-main/core/auth/app-token';
import { certificateCredential, loadAppCredential } from '../../src-main/core/auth/credentials';
import { tokenInfoFromJwt } from '../../src-main/core/auth/token-claims';
import { generateCertificate } from '../../src-main/core/certs/generate';
import { createProfileCertificate } from '../../src-main/core/certs/manage';
import { EncryptedFileSecretStore } from '../../src-main/core/secrets/encrypted-file-store';
import { MemorySecretStore } from '../../src-main/core/secrets/memory-store';
import { SECRET_KEYS } from '../../src-main/core/secrets/secret-store';
import { ProfileStore } from '../../src-main/core/profile/store';
import type { Profile } from '../../src-main/core/profile/schema';
import { demoTenantProfile } from '../../src-main/core/demo/session';
import { syncProfile } from '../../src-main/core/services/sync-service';
import { openDatabase } from '../../src-main/core/store/db';
import { closeDatabase } from '../../src-main/core/store/snapshot-sink';
import { createLogger } from '../../src-main/core/log/logger';
import { cli, filesContaining, filesUnder, tempDir } from '../helpers/cli';
import { failure } from '../helpers/operator-error';

/**
 * A certificate this app generated signs in with client_assertion (private_key_jwt,
 * learn.microsoft.com/entra/identity-platform/certificate-credentials) through real
 * MSAL Node against the demo tenant over HTTPS, with its key read from the encrypted
 * secret store, once the certificate is uploaded to the app registration; before the
 * upload the same assertion gets AADSTS700027 (key not found).
 */
const PASS = 'integration test passphrase';
let t: DemoTenant;
let net: Network;

beforeAll(async () => {
  t = await startDemoTenant({ users: 30, seed: 'cert-auth' });
  net = createNetwork({ extraCaPem: [t.caPem], env: {} });
});
afterAll(async () => {
  await net?.close();
  await t?.close();
});

function baseProfile(name: string): Profile {
  return demoTenantProfile(t, t.apps.reader.clientId, { kind: 'secret', secretEnv: 'UNUSED_SECRET' }, name);
}

const readText = (p: string) => readFile(p, 'utf8');

describe('certificate sign-in with a generated certificate', () => {
  it('key in the encrypted store: AADSTS700027 before upload, a token and a full sync after', async () => {
    const dir = tempDir();
    const profiles = new ProfileStore(join(dir, 'profiles.json'));
    await profiles.upsert(baseProfile('contoso'));
    const storePath = join(dir, 'secrets.enc');
    const written = await createProfileCertificate(baseProfile('contoso'), { days: 90 }, {
      profiles,
      secrets: new EncryptedFileSecretStore({ path: storePath, passphrase: PASS }),
      dataDir: dir,
      env: {},
    });
    const profile = await profiles.get('contoso');
    expect(profile.credential).toEqual({ kind: 'certificate', certificatePath: written.pemPath, privateKeyInStore: true });

    // A new store object over the same file, as a later CLI run would open it.
    const store = new EncryptedFileSecretStore({ path: storePath, passphrase: PASS });
    const keyPem = (await store.get(SECRET_KEYS.certificateKey('contoso')))!.toString('utf8');
    const keyBody = keyPem.split('\n')[1]!;
    expect(filesContaining(dir, keyBody)).toEqual([]);

    const credential = await loadAppCredential(profile, { env: {}, readFile: readText, secretStore: store });
    expect(credential.kind === 'certificate' && credential.thumbprintSha256).toBe(written.info.thumbprintSha256);

    // Not uploaded yet: Entra ID does not know the key.
    const before = await failure(createAppTokenProvider({ profile, credential, network: net }).getToken());
    expect(before.aadsts).toBe(700027);

    // Upload (what the operator does in the portal), then sign in and sync.
    expect(new X509Certificate(readFileSync(written.cerPath)).fingerprint256).toBe(new X509Certificate(readFileSync(written.pemPath)).fingerprint256);
    t.registerCertificate('reader', readFileSync(written.pemPath, 'utf8'));
    const token = await createAppTokenProvider({ profile, credential, network: net }).getToken();
    expect(tokenInfoFromJwt(token.accessToken).roles).toEqual([...t.apps.reader.roles].sort());
    // Uploaded to one app only: another app registration still does not know the key.
    const elsewhere = await failure(createAppTokenProvider({ profile: { ...profile, clientId: t.apps['no-auditlog'].clientId }, credential, network: net }).getToken());
    expect(elsewhere.aadsts).toBe(700027);

    const db = openDatabase(join(dir, 'reconciler.db'));
    try {
      const result = await syncProfile({ profile, db, logger: createLogger({ file: join(dir, 'log.jsonl') }), env: {}, extraCaPem: [t.caPem], secretStore: store });
      expect(result.userCount).toBe(30);
      expect(result.roles).toEqual([...t.apps.reader.roles].sort());
    } finally {
      // Once the writer thread has checkpointed and removed the WAL: the files are final.
      await closeDatabase(db);
    }
    expect(filesContaining(dir, keyBody)).toEqual([]);
  });

  it('every sync warns about a certificate 10 days from expiry (and not about one with months left)', async () => {
    const dir = tempDir();
    const soon = await generateCertificate({ commonName: 'expires soon', days: 10 });
    const later = await generateCertificate({ commonName: 'expires later', days: 200 });
    const db = openDatabase(join(dir, 'reconciler.db'));
    try {
      const warningsFor = async (g: typeof soon, name: string) => {
        const pemPath = join(dir, `${name}.pem`);
        writeFileSync(pemPath, g.certificatePem);
        const store = new MemorySecretStore();
        await store.set(SECRET_KEYS.certificateKey(name), Buffer.from(g.privateKeyPem));
        t.registerCertificate('reader', g.certificatePem);
        const profile: Profile = { ...baseProfile(name), credential: { kind: 'certificate', certificatePath: pemPath, privateKeyInStore: true } };
        const result = await syncProfile({ profile, db, logger: createLogger({}), env: {}, extraCaPem: [t.caPem], secretStore: store, datasets: ['subscribedSkus'] });
        return result.warnings;
      };
      const soonWarnings = await warningsFor(soon, 'soon');
      const day = soon.info.notAfter.toISOString().slice(0, 10);
      expect(soonWarnings).toContainEqual(expect.stringMatching(new RegExp(`^The certificate expires on ${day} \\(in (9|10) days\\)\\. To renew, replace the certificate of the profile "soon" with a new one`)));
      expect((await warningsFor(later, 'later')).filter((w) => /certificate/.test(w))).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('CLI: the sync summary prints the expiry warning of a client secret recorded as expired', async () => {
    const dir = tempDir();
    const caFile = join(dir, 'demo-ca.pem');
    writeFileSync(caFile, t.caPem);
    const env = { M365LR_DATA_DIR: dir, READER_SECRET: t.apps.reader.secret };
    const add = await cli(
      ['profile', 'add', '--name', 'lab', '--tenant', t.tenantId, '--client-id', t.apps.reader.clientId, '--cloud', 'custom', '--login-url', t.loginUrl, '--graph-url', t.graphUrl, '--secret-env', 'READER_SECRET', '--ca-bundle', caFile, '--secret-expires', '2020-01-31'],
      env,
    );
    expect(add.code).toBe(0);
    const synced = await cli(['sync', '--profile', 'lab'], env);
    expect(synced.code).toBe(0);
    expect(synced.stdout + synced.stderr).toMatch(/warning: The client secret expired on 2020-01-31 \(\d+ days ago\): sign-in fails until it is renewed/);
  });

  it('an unregistered generated certificate gives AADSTS700027 with upload advice', async () => {
    const g = await generateCertificate({ commonName: 'never uploaded' });
    const e = await failure(createAppTokenProvider({ profile: baseProfile('x'), credential: certificateCredential(g.certificatePem, g.privateKeyPem), network: net }).getToken());
    expect(e.aadsts).toBe(700027);
    expect(e.code).toBe('auth-failed');
    expect(e.hint).toMatch(/Upload the public certificate/);
  });

  it('a key the store does not hold, or a store the passphrase does not open, stops before any sign-in', async () => {
    const dir = tempDir();
    const g = await generateCertificate({ commonName: 'elsewhere' });
    const pemPath = join(dir, 'c.pem');
    writeFileSync(pemPath, g.certificatePem);
    const profile: Profile = { ...baseProfile('elsewhere'), credential: { kind: 'certificate', certificatePath: pemPath, privateKeyInStore: true } };
    const missing = await failure(loadAppCredential(profile, { env: {}, readFile: readText, secretStore: new MemorySecretStore() }));
    expect(missing.code).toBe('secret-missing');
    expect(missing.message).toMatch(/not in this secret store \(memory/);
    expect(missing.hint).toMatch(/M365LR_SECRETS_PASSPHRASE/);

    const storePath = join(dir, 'secrets.enc');
    await new EncryptedFileSecretStore({ path: storePath, passphrase: PASS }).set(SECRET_KEYS.certificateKey('elsewhere'), Buffer.from(g.privateKeyPem));
    const wrong = await failure(loadAppCredential(profile, { env: {}, readFile: readText, secretStore: new EncryptedFileSecretStore({ path: storePath, passphrase: 'some other passphrase' }) }));
    expect(wrong.code).toBe('secret-missing');
    expect(wrong.message).toMatch(/does not open the secret store/);
    // A key that is not the certificate's is refused too.
    const other = await generateCertificate({ commonName: 'other' });
    await new EncryptedFileSecretStore({ path: storePath, passphrase: PASS }).set(SECRET_KEYS.certificateKey('elsewhere'), Buffer.from(other.privateKeyPem));
    const mismatch = await failure(loadAppCredential(profile, { env: {}, readFile: readText, secretStore: new EncryptedFileSecretStore({ path: storePath, passphrase: PASS }) }));
    expect(mismatch.message).toMatch(/does not belong to the certificate/);
  });

  it('CLI: profile add, cert create (key in the encrypted store), upload, cert show, sync', async () => {
    const dir = tempDir();
    const caFile = join(dir, 'demo-ca.pem');
    writeFileSync(caFile, t.caPem);
    const env = { M365LR_DATA_DIR: dir };
    const add = await cli(
      ['profile', 'add', '--name', 'lab', '--tenant', t.tenantId, '--client-id', t.apps.reader.clientId, '--cloud', 'custom', '--login-url', t.loginUrl, '--graph-url', t.graphUrl, '--secret-env', 'UNUSED', '--ca-bundle', caFile],
      env,
    );
    expect(add.code).toBe(0);

    const refused = await cli(['cert', 'create', '--profile', 'lab'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/M365LR_SECRETS_PASSPHRASE/);

    const withStore = { ...env, M365LR_SECRETS_PASSPHRASE: PASS };
    const created = await cli(['cert', 'create', '--profile', 'lab', '--days', '45'], withStore);
    expect(created.code).toBe(0);
    const pemPath = /(\S+\.pem) \(PEM/.exec(created.stdout)?.[1];
    expect(pemPath).toBeDefined();
    t.registerCertificate('reader', readFileSync(pemPath!, 'utf8'));

    const shown = await cli(['cert', 'show', '--profile', 'lab'], withStore);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/Key: +RSA 2048/);
    expect(shown.stdout).toMatch(/Private key: +in encrypted file/);
    expect(shown.stdout).toMatch(/Expiry: +OK: The certificate is valid until .* \(4[45] days\)/);

    const noStore = await cli(['sync', '--profile', 'lab'], env);
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toMatch(/not in this secret store/);

    const synced = await cli(['sync', '--profile', 'lab'], withStore);
    expect(synced.stderr + synced.stdout).not.toMatch(/error:/);
    expect(synced.code).toBe(0);
    expect(filesContaining(dir, PASS)).toEqual([]);
  });

  it('CLI: cert create --profile demo proves the certificate against the in-process demo tenant and keeps no key', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    const r = await cli(['cert', 'create', '--profile', 'demo', '--out', out], { M365LR_DATA_DIR: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/The demo tenant contoso-demo\.onmicrosoft\.com accepted it: app "reader"/);
    expect(r.stdout).toMatch(/roles: .*User\.Read\.All/);
    expect(r.stdout).toMatch(/memory only/);
    const files = filesUnder(out);
    expect(files.filter((f) => f.endsWith('.cer')).length).toBe(1);
    expect(files.filter((f) => f.endsWith('.pem')).length).toBe(1);
    expect(filesContaining(dir, 'PRIVATE KEY')).toEqual([]);
    expect(existsSync(join(dir, 'profiles.json'))).toBe(false);
  });
});
