import { createPrivateKey, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateCredential, loadAppCredential, memoryCredentialSource, envFileCredentialSource } from '../../../src-main/core/auth/credentials';
import type { Profile } from '../../../src-main/core/profile/schema';
import { makeSelfSignedCert } from '../../helpers/cert-fixture';
import { failure } from '../../helpers/operator-error';

const SECRET = 'Abc8Q~super-secret-value-123';
const base = { name: 'p', tenantId: 'contoso.onmicrosoft.com', clientId: '11111111-2222-3333-4444-555555555555', cloud: 'global' as const };

function deps(env: Record<string, string | undefined>, files: Record<string, string>) {
  return {
    env,
    readFile: (p: string): Promise<string> =>
      p in files ? Promise.resolve(files[p] as string) : Promise.reject(Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' })),
  };
}

describe('client secret', () => {
  const fromEnv: Profile = { ...base, credential: { kind: 'secret', secretEnv: 'RECON_SECRET' } };
  const fromFile: Profile = { ...base, credential: { kind: 'secret', secretFile: '/etc/recon/secret' } };

  it('reads the secret from the named environment variable (trimmed)', async () => {
    await expect(loadAppCredential(fromEnv, deps({ RECON_SECRET: ` ${SECRET}\n` }, {}))).resolves.toEqual({ kind: 'secret', secret: SECRET });
  });
  it('reads the secret from the named file (trailing newline ignored)', async () => {
    await expect(loadAppCredential(fromFile, deps({}, { '/etc/recon/secret': `${SECRET}\n` }))).resolves.toEqual({ kind: 'secret', secret: SECRET });
  });

  const missing: Array<[string, Profile, ReturnType<typeof deps>, RegExp]> = [
    ['unset variable', fromEnv, deps({}, {}), /RECON_SECRET is not set/],
    ['empty variable', fromEnv, deps({ RECON_SECRET: '' }, {}), /RECON_SECRET is empty/],
    ['whitespace variable', fromEnv, deps({ RECON_SECRET: '  \t\n' }, {}), /RECON_SECRET is empty/],
    ['missing file', fromFile, deps({}, {}), /\/etc\/recon\/secret cannot be read \(ENOENT\)/],
    ['empty file', fromFile, deps({}, { '/etc/recon/secret': '' }), /\/etc\/recon\/secret is empty/],
    ['whitespace file', fromFile, deps({}, { '/etc/recon/secret': ' \n\n ' }), /\/etc\/recon\/secret is empty/],
  ];
  it.each(missing)('%s -> secret-missing naming the source', async (_label, profile, d, msg) => {
    const e = await failure(loadAppCredential(profile, d));
    expect(e.code).toBe('secret-missing');
    expect(e.message).toMatch(msg);
  });

  it('never echoes the value in errors', async () => {
    const e = await failure(loadAppCredential(fromFile, deps({}, { '/etc/recon/secret': `${SECRET}\nsecond-line` })));
    expect(e.code).toBe('bad-input');
    expect(`${e.message} ${e.hint} ${JSON.stringify(e)}`).not.toContain(SECRET);
  });

  it('memory source returns the given credential unchanged', async () => {
    const cred = { kind: 'secret' as const, secret: SECRET };
    await expect(memoryCredentialSource(cred).load(fromEnv)).resolves.toBe(cred);
    await expect(envFileCredentialSource(deps({ RECON_SECRET: SECRET }, {})).load(fromEnv)).resolves.toEqual(cred);
  });
});

describe('certificate', () => {
  let certPem = '';
  let keyPem = '';
  let otherKeyPem = '';
  beforeAll(async () => {
    ({ certificatePem: certPem, privateKeyPem: keyPem } = await makeSelfSignedCert('a'));
    ({ privateKeyPem: otherKeyPem } = await makeSelfSignedCert('b'));
  });
  const profile = (passphraseEnv?: string): Profile => ({
    ...base,
    credential: { kind: 'certificate', certificatePath: '/c.pem', privateKeyPath: '/k.pem', ...(passphraseEnv ? { passphraseEnv } : {}) },
  });

  it('loads cert + key and computes the SHA-256 thumbprint and expiry', async () => {
    const c = await loadAppCredential(profile(), deps({}, { '/c.pem': certPem, '/k.pem': keyPem }));
    if (c.kind !== 'certificate') throw new Error('kind');
    const x = new X509Certificate(certPem);
    expect(c.thumbprintSha256).toBe(x.fingerprint256.replace(/:/g, '').toLowerCase());
    expect(c.thumbprintSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(c.notAfter.getTime()).toBe(new Date(x.validTo).getTime());
    expect(c.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
  });

  it('decrypts an encrypted key with the passphrase variable and re-exports PKCS#8', async () => {
    const encrypted = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw-123' }).toString();
    expect(encrypted).toContain('ENCRYPTED PRIVATE KEY');
    const c = await loadAppCredential(profile('KEY_PW'), deps({ KEY_PW: 'pw-123' }, { '/c.pem': certPem, '/k.pem': encrypted }));
    if (c.kind !== 'certificate') throw new Error('kind');
    expect(c.privateKeyPem).toContain('-----BEGIN PRIVATE KEY-----');
    expect(c.privateKeyPem).not.toContain('ENCRYPTED');
  });

  it('accepts a PKCS#1 key and converts it to PKCS#8', async () => {
    const pkcs1 = createPrivateKey(keyPem).export({ type: 'pkcs1', format: 'pem' }).toString();
    const c = await loadAppCredential(profile(), deps({}, { '/c.pem': certPem, '/k.pem': pkcs1 }));
    expect(c.kind === 'certificate' && c.privateKeyPem.startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
  });

  it.each<[string, () => [Profile, ReturnType<typeof deps>], string, RegExp]>([
    ['missing certificate file', () => [profile(), deps({}, { '/k.pem': keyPem })], 'secret-missing', /\/c\.pem cannot be read/],
    ['missing key file', () => [profile(), deps({}, { '/c.pem': certPem })], 'secret-missing', /\/k\.pem cannot be read/],
    ['not a certificate', () => [profile(), deps({}, { '/c.pem': 'hello', '/k.pem': keyPem })], 'bad-input', /no PEM certificate/],
    ['not a key', () => [profile(), deps({}, { '/c.pem': certPem, '/k.pem': certPem })], 'bad-input', /no PEM private key/],
    ['key of another certificate', () => [profile(), deps({}, { '/c.pem': certPem, '/k.pem': otherKeyPem })], 'bad-input', /does not belong/],
    [
      'encrypted key without passphrase',
      () => [profile(), deps({}, { '/c.pem': certPem, '/k.pem': createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString() })],
      'secret-missing',
      /encrypted/,
    ],
    [
      'wrong passphrase',
      () => [profile('KEY_PW'), deps({ KEY_PW: 'nope' }, { '/c.pem': certPem, '/k.pem': createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' }).toString() })],
      'bad-input',
      /could not be decrypted with the passphrase from KEY_PW/,
    ],
    ['passphrase variable unset', () => [profile('KEY_PW'), deps({}, { '/c.pem': certPem, '/k.pem': keyPem })], 'secret-missing', /KEY_PW is not set/],
  ])('%s', async (_l, make, code, msg) => {
    const [p, d] = make();
    const e = await failure(loadAppCredential(p, d));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(msg);
    expect(e.message).not.toContain('PRIVATE KEY');
  });

  it('certificateCredential checks an in-memory pair', async () => {
    expect(certificateCredential(certPem, keyPem).kind).toBe('certificate');
    expect(() => certificateCredential(certPem, otherKeyPem)).toThrowError(expect.objectContaining({ code: 'bad-input' }));
  });
});
