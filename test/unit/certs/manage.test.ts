import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createProfileCertificate,
  describeProfileCertificate,
  exportProfileKey,
  importProfileCertificate,
  rollbackProfileCertificate,
  type CertDeps,
} from '../../../src-main/core/certs/manage';
import { generateCertificate, type GeneratedCertificate } from '../../../src-main/core/certs/generate';
import { loadAppCredential } from '../../../src-main/core/auth/credentials';
import { EncryptedFileSecretStore } from '../../../src-main/core/secrets/encrypted-file-store';
import { MemorySecretStore } from '../../../src-main/core/secrets/memory-store';
import { SECRET_KEYS, type SecretStore } from '../../../src-main/core/secrets/secret-store';
import { ProfileStore } from '../../../src-main/core/profile/store';
import type { Profile } from '../../../src-main/core/profile/schema';
import { cli, tempDir } from '../../helpers/cli';
import { failure } from '../../helpers/operator-error';

const PASS = 'unit test passphrase';
const base: Profile = { name: 'contoso', tenantId: 'contoso.onmicrosoft.com', clientId: '11111111-2222-4333-8444-555555555555', cloud: 'global', credential: { kind: 'secret', secretEnv: 'S' } };

function setup(secrets?: SecretStore): { dir: string; profiles: ProfileStore; deps: CertDeps } {
  const dir = tempDir();
  const profiles = new ProfileStore(join(dir, 'profiles.json'));
  return { dir, profiles, deps: { profiles, secrets: secrets ?? new EncryptedFileSecretStore({ path: join(dir, 'secrets.enc'), passphrase: PASS, logN: 15 }), dataDir: dir, env: {} } };
}

let other: GeneratedCertificate;
beforeAll(async () => {
  other = await generateCertificate({ commonName: 'imported' });
});

describe('createProfileCertificate', () => {
  it('refuses a memory-only store unless a key file is asked for, naming the passphrase variable', async () => {
    const { deps, dir } = setup(new MemorySecretStore());
    const e = await failure(createProfileCertificate(base, {}, deps));
    expect(e.hint).toMatch(/M365LR_SECRETS_PASSPHRASE/);
    expect(existsSync(join(dir, 'certificates'))).toBe(false);

    const keyPath = join(dir, 'key.pem');
    const w = await createProfileCertificate(base, { exportKeyPath: keyPath }, deps);
    expect(w.profile.credential).toEqual({ kind: 'certificate', certificatePath: w.pemPath, privateKeyPath: keyPath });
    if (process.platform !== 'win32') expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    const cred = await loadAppCredential(w.profile, { env: {}, readFile: (p) => readFile(p, 'utf8') });
    expect(cred.kind === 'certificate' && cred.thumbprintSha256).toBe(w.info.thumbprintSha256);
  });

  it('puts the key only in the store, writes .cer (DER) and .pem, updates the profile; --replace guards a second key', async () => {
    const { deps, dir, profiles } = setup();
    await profiles.upsert(base);
    const w = await createProfileCertificate(base, { days: 10 }, deps);
    expect(new X509Certificate(readFileSync(w.cerPath)).raw.equals(new X509Certificate(readFileSync(w.pemPath)).raw)).toBe(true);
    expect((await profiles.get('contoso')).credential).toEqual({ kind: 'certificate', certificatePath: w.pemPath, privateKeyInStore: true });
    expect(await deps.secrets.keys()).toEqual([SECRET_KEYS.certificateKey('contoso')]);
    expect(readFileSync(w.pemPath, 'utf8')).not.toMatch(/PRIVATE KEY/);
    expect(w.pemPath.startsWith(join(dir, 'certificates', 'contoso'))).toBe(true);

    const again = await failure(createProfileCertificate(base, {}, deps));
    expect(again.hint).toMatch(/Replace the certificate/);
    expect(again.hint).toMatch(/rolling back restores it/);
    expect(again.remedy).toEqual({ action: 'renew-certificate', profile: 'contoso' });
    const replaced = await createProfileCertificate(w.profile, { replace: true }, deps);
    expect(replaced.replacedKey).toBe(true);
    expect(replaced.info.thumbprintSha1).not.toBe(w.info.thumbprintSha1);
  });

  it('refuses P-256 for app sign-in, explaining MSAL signs PS256/RS256', async () => {
    const e = await failure(createProfileCertificate(base, { keyType: 'p256' }, setup().deps));
    expect(e.hint).toMatch(/PS256\/RS256/);
  });
});

describe('renewal: --replace keeps the working certificate, rollback restores it', () => {
  const thumbprintOf = async (profile: Profile, secrets: SecretStore) => {
    const cred = await loadAppCredential(profile, { env: {}, readFile: (p) => readFile(p, 'utf8'), secretStore: secrets });
    return cred.kind === 'certificate' ? cred.thumbprintSha256 : undefined;
  };

  it('replace keeps the old pair; rollback switches back (and forth); the old key is never lost', async () => {
    const { deps, profiles } = setup();
    await profiles.upsert(base);
    const first = await createProfileCertificate(base, {}, deps);
    expect(first.previousCertificatePath).toBeUndefined();

    const second = await createProfileCertificate(await profiles.get('contoso'), { replace: true }, deps);
    expect(second.previousCertificatePath).toBe(first.pemPath);
    const stored = await profiles.get('contoso');
    expect(stored.credential).toEqual({ kind: 'certificate', certificatePath: second.pemPath, privateKeyInStore: true, previousCertificatePath: first.pemPath });
    expect(await deps.secrets.keys()).toEqual([SECRET_KEYS.certificateKey('contoso'), SECRET_KEYS.previousCertificateKey('contoso')]);
    // The new one is active at once (sync uses it), the old key waits in the store.
    expect(await thumbprintOf(stored, deps.secrets)).toBe(second.info.thumbprintSha256);
    const shown = await describeProfileCertificate(stored, deps);
    expect(shown.previous).toEqual({ certificatePath: first.pemPath, keyPresent: true });

    const back = await rollbackProfileCertificate(stored, deps);
    expect(back.info.thumbprintSha256).toBe(first.info.thumbprintSha256);
    expect(back.previousCertificatePath).toBe(second.pemPath);
    const rolled = await profiles.get('contoso');
    expect(rolled.credential).toEqual({ kind: 'certificate', certificatePath: first.pemPath, privateKeyInStore: true, previousCertificatePath: second.pemPath });
    expect(await thumbprintOf(rolled, deps.secrets)).toBe(first.info.thumbprintSha256);

    const forth = await rollbackProfileCertificate(rolled, deps);
    expect(forth.info.thumbprintSha256).toBe(second.info.thumbprintSha256);
    expect(await thumbprintOf(await profiles.get('contoso'), deps.secrets)).toBe(second.info.thumbprintSha256);
  });

  it('a second replacement while a previous is kept needs --discard-previous; then the current becomes the previous', async () => {
    const { deps, profiles } = setup();
    await profiles.upsert(base);
    const first = await createProfileCertificate(base, {}, deps);
    const second = await createProfileCertificate(await profiles.get('contoso'), { replace: true }, deps);
    const before = await deps.secrets.get(SECRET_KEYS.previousCertificateKey('contoso'));
    const refused = await failure(createProfileCertificate(await profiles.get('contoso'), { replace: true }, deps));
    expect(refused.message).toContain(first.pemPath);
    expect(refused.hint).toMatch(/discard the kept previous one/);
    expect(refused.hint).toMatch(/roll back to the previous one/);
    expect(refused.remedy).toEqual({ action: 'rollback-certificate', profile: 'contoso' });
    // Nothing changed by the refusal.
    expect((await deps.secrets.get(SECRET_KEYS.previousCertificateKey('contoso')))?.equals(before!)).toBe(true);
    expect((await profiles.get('contoso')).credential).toMatchObject({ certificatePath: second.pemPath, previousCertificatePath: first.pemPath });

    const third = await createProfileCertificate(await profiles.get('contoso'), { replace: true, discardPrevious: true }, deps);
    expect(third.previousCertificatePath).toBe(second.pemPath);
    const back = await rollbackProfileCertificate(await profiles.get('contoso'), deps);
    expect(back.info.thumbprintSha256).toBe(second.info.thumbprintSha256);
  });

  it('rollback refuses when nothing is kept, when the kept key is missing, and when the kept pair does not match', async () => {
    const { deps, profiles } = setup();
    await profiles.upsert(base);
    expect((await failure(rollbackProfileCertificate(base, deps))).message).toMatch(/keeps no previous certificate/);
    const first = await createProfileCertificate(base, {}, deps);
    expect((await failure(rollbackProfileCertificate(first.profile, deps))).message).toMatch(/keeps no previous certificate/);
    await createProfileCertificate(first.profile, { replace: true }, deps);
    const replaced = await profiles.get('contoso');

    const mem = new MemorySecretStore();
    await mem.set(SECRET_KEYS.certificateKey('contoso'), (await deps.secrets.get(SECRET_KEYS.certificateKey('contoso')))!);
    expect((await failure(rollbackProfileCertificate(replaced, { ...deps, secrets: mem }))).code).toBe('secret-missing');

    await mem.set(SECRET_KEYS.previousCertificateKey('contoso'), Buffer.from(other.privateKeyPem));
    const mismatch = await failure(rollbackProfileCertificate(replaced, { ...deps, secrets: mem }));
    expect(mismatch.message).toMatch(/^The previous private key in memory \(not persisted\) does not belong to the previous certificate file /);
    // Checked before anything changed.
    expect((await mem.get(SECRET_KEYS.previousCertificateKey('contoso')))?.toString()).toBe(other.privateKeyPem);
    expect((await profiles.get('contoso')).credential).toEqual(replaced.credential);
  });

  it('CLI: create --replace, sync-ready profile, cert show names the kept one, cert rollback restores it', async () => {
    const dir = tempDir();
    const env = { M365LR_DATA_DIR: dir, M365LR_SECRETS_PASSPHRASE: PASS };
    expect((await cli(['profile', 'add', '--name', 'p', '--tenant', 'contoso.onmicrosoft.com', '--client-id', base.clientId, '--secret-env', 'S'], env)).code).toBe(0);
    const first = await cli(['cert', 'create', '--profile', 'p'], env);
    expect(first.code).toBe(0);
    const replaced = await cli(['cert', 'create', '--profile', 'p', '--replace'], env);
    expect(replaced.code).toBe(0);
    expect(replaced.stderr).toMatch(/are kept.*\n.*cert rollback --profile p/);
    const shown = await cli(['cert', 'show', '--profile', 'p'], env);
    expect(shown.stdout).toMatch(/Previous certificate: .*kept: "cert rollback --profile p" restores it/);
    const firstThumb = /Thumbprint \(SHA-256\):\s+(\S+)/.exec(first.stdout)?.[1];
    expect(firstThumb).toBeDefined();
    const rolled = await cli(['cert', 'rollback', '--profile', 'p'], env);
    expect(rolled.code).toBe(0);
    expect(rolled.stdout).toContain(firstThumb!);
    expect((await cli(['cert', 'show', '--profile', 'p'], env)).stdout).toContain(firstThumb!);
    const help = await cli(['cert', 'create', '--help'], env);
    expect(help.stdout).toMatch(/cert rollback --profile <name>/);
  });

  it('CLI: --key offers RSA only (P-256 cannot sign an MSAL client assertion) and the help says why', async () => {
    const dir = tempDir();
    const env = { M365LR_DATA_DIR: dir, M365LR_SECRETS_PASSPHRASE: PASS };
    const help = (await cli(['cert', 'create', '--help'], env)).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/choices: "rsa2048", "rsa3072", "rsa4096", default/);
    expect(help).not.toMatch(/p256/);
    expect(help).toMatch(/PS256\/RS256, which need an RSA key/);
    const refused = await cli(['cert', 'create', '--profile', 'p', '--key', 'p256'], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/p256.*invalid|invalid.*p256|Allowed choices/is);
  });
});

describe('show and export-key', () => {
  it('reports the key location, and exports it once to a new 0600 file', async () => {
    const { deps, dir } = setup();
    const w = await createProfileCertificate(base, {}, deps);
    const report = await describeProfileCertificate(w.profile, deps);
    expect(report.key).toMatchObject({ where: 'store', present: true });
    expect(report.expiry.status).toBe('ok');
    expect(report.info.thumbprintSha256).toBe(w.info.thumbprintSha256);
    expect((await describeProfileCertificate(w.profile, { secrets: new MemorySecretStore() })).key.present).toBe(false);

    const out = join(dir, 'exported.pem');
    expect(await exportProfileKey(w.profile, out, deps)).toBe(out);
    if (process.platform !== 'win32') expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(createPrivateKey(readFileSync(out, 'utf8')).asymmetricKeyType).toBe('rsa');
    expect(readFileSync(out).equals((await deps.secrets.get(SECRET_KEYS.certificateKey('contoso')))!)).toBe(true);
    const twice = await failure(exportProfileKey(w.profile, out, deps));
    expect(twice.message).toMatch(/never overwritten/);
    expect((await failure(exportProfileKey(base, join(dir, 'x.pem'), deps))).code).toBe('bad-input');
  });
});

describe('importProfileCertificate', () => {
  it('PFX with the password from an env variable; missing variable refused', async () => {
    const { deps, dir } = setup();
    const pfxPath = join(dir, 'app.pfx');
    const asn = forge.pkcs12.toPkcs12Asn1(forge.pki.privateKeyFromPem(other.privateKeyPem), [forge.pki.certificateFromPem(other.certificatePem)], 'Pfx!Secret#2026', { algorithm: 'aes256' });
    writeFileSync(pfxPath, Buffer.from(forge.asn1.toDer(asn).getBytes(), 'binary'));
    const missing = await failure(importProfileCertificate(base, { kind: 'pfx', pfxPath, passwordEnv: 'PFX_PW' }, {}, deps));
    expect(missing.code).toBe('secret-missing');
    const w = await importProfileCertificate(base, { kind: 'pfx', pfxPath, passwordEnv: 'PFX_PW' }, {}, { ...deps, env: { PFX_PW: 'Pfx!Secret#2026' } });
    expect(w.info.thumbprintSha256).toBe(other.info.thumbprintSha256);
    const cred = await loadAppCredential(w.profile, { env: {}, readFile: (p) => readFile(p, 'utf8'), secretStore: deps.secrets });
    expect(cred.kind).toBe('certificate');
  });

  it('CLI: PEM pair with a mismatched key refused; a matching pair imported; bad option combinations are usage errors', async () => {
    const dir = tempDir();
    const env = { M365LR_DATA_DIR: dir, M365LR_SECRETS_PASSPHRASE: PASS };
    expect((await cli(['profile', 'add', '--name', 'p', '--tenant', 'contoso.onmicrosoft.com', '--client-id', base.clientId, '--secret-env', 'S'], env)).code).toBe(0);
    const mine = await generateCertificate({ commonName: 'mine' });
    writeFileSync(join(dir, 'c.pem'), mine.certificatePem);
    writeFileSync(join(dir, 'wrong.key'), other.privateKeyPem);
    writeFileSync(join(dir, 'right.key'), mine.privateKeyPem);
    const bad = await cli(['cert', 'import', '--profile', 'p', '--pem', join(dir, 'c.pem'), '--key', join(dir, 'wrong.key')], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/does not belong to the certificate/);
    expect((await cli(['cert', 'import', '--profile', 'p', '--pem', join(dir, 'c.pem')], env)).code).toBe(2);
    expect((await cli(['cert', 'import', '--profile', 'p', '--pfx', join(dir, 'x.pfx')], env)).stderr).toMatch(/--pfx-password-env/);
    const ok = await cli(['cert', 'import', '--profile', 'p', '--pem', join(dir, 'c.pem'), '--key', join(dir, 'right.key')], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(mine.info.thumbprintSha1);
    expect(ok.stdout + ok.stderr).not.toContain(mine.privateKeyPem.split('\n')[1]!);
    const shown = await cli(['cert', 'show', '--profile', 'p'], env);
    expect(shown.stdout).toContain(mine.info.thumbprintSha256);
  });

  it('CLI: profile set-secret-expiry records the date and warns', async () => {
    const dir = tempDir();
    const env = { M365LR_DATA_DIR: dir };
    await cli(['profile', 'add', '--name', 's', '--tenant', 'contoso.onmicrosoft.com', '--client-id', base.clientId, '--secret-env', 'S'], env);
    const before = await cli(['cert', 'show', '--profile', 's'], env);
    expect(before.stdout).toMatch(/UNKNOWN: .*set-secret-expiry/);
    const past = await cli(['profile', 'set-secret-expiry', '--profile', 's', '--date', '2020-01-31'], env);
    expect(past.code).toBe(0);
    expect(past.stdout).toMatch(/EXPIRED: The client secret expired on 2020-01-31/);
    expect(JSON.parse(readFileSync(join(dir, 'profiles.json'), 'utf8')).profiles[0].credential.expiresOn).toBe('2020-01-31');
    expect((await cli(['profile', 'set-secret-expiry', '--profile', 's', '--date', '31/01/2020'], env)).code).toBe(2);
  });
});
