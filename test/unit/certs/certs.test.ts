import { X509Certificate, createPrivateKey, createPublicKey, createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { CERT_KEY_TYPES, MAX_CERT_DAYS, generateCertificate, safeCommonName, type CertKeyType, type GeneratedCertificate } from '../../../src-main/core/certs/generate';
import { importPem, importPfx } from '../../../src-main/core/certs/import';
import { certificateInfo } from '../../../src-main/core/certs/info';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { certificateCredential, loadAppCredential } from '../../../src-main/core/auth/credentials';
import { MemorySecretStore } from '../../../src-main/core/secrets/memory-store';
import { SECRET_KEYS } from '../../../src-main/core/secrets/secret-store';
import type { Profile } from '../../../src-main/core/profile/schema';

const NOW = new Date('2026-03-01T12:00:00Z');
const DAY = 86_400_000;

function certProfile(credential: Omit<Extract<Profile['credential'], { kind: 'certificate' }>, 'kind'>): Profile {
  return { name: 'p', tenantId: 'contoso.onmicrosoft.com', clientId: '11111111-2222-4333-8444-555555555555', cloud: 'global', credential: { kind: 'certificate', ...credential } };
}

function files(content: Record<string, string>): (path: string) => Promise<string> {
  return (path) => (content[path] !== undefined ? Promise.resolve(content[path]) : Promise.reject(Object.assign(new Error('nope'), { code: 'ENOENT' })));
}

function thrown(fn: () => unknown): OperatorError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(OperatorError);
    return e as OperatorError;
  }
  throw new Error('expected an OperatorError');
}

describe('generateCertificate', () => {
  const cases: [CertKeyType, number, 'rsa' | 'ec', number | string][] = [
    ['rsa2048', 365, 'rsa', 2048],
    ['rsa3072', 30, 'rsa', 3072],
    ['rsa4096', 730, 'rsa', 4096],
    ['p256', 90, 'ec', 'prime256v1'],
  ];
  it.each(cases)('%s for %i days: key, validity, SHA-256 signature, extensions, thumbprints', async (keyType, days, kty, size) => {
    const g = await generateCertificate({ commonName: 'M365 Licence Reconciler (contoso)', keyType, days, now: NOW });
    const x = new X509Certificate(g.certificatePem);
    expect(x.publicKey.asymmetricKeyType).toBe(kty);
    if (kty === 'rsa') expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(size);
    else expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe(size);
    expect(new Date(x.validTo).getTime()).toBe(Math.floor(NOW.getTime() / 1000) * 1000 + days * DAY);
    expect(new Date(x.validFrom).getTime()).toBeLessThanOrEqual(NOW.getTime());
    expect(NOW.getTime() - new Date(x.validFrom).getTime()).toBeLessThanOrEqual(10 * 60_000);
    expect(x.subject).toBe('CN=M365 Licence Reconciler (contoso)');
    expect(x.issuer).toBe(x.subject);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.ca).toBe(false);
    // Thumbprints agree with node:crypto, in the forms the portal and MSAL use.
    expect(g.info.thumbprintSha1).toBe(x.fingerprint.replace(/:/g, ''));
    expect(g.info.thumbprintSha1).toMatch(/^[0-9A-F]{40}$/);
    expect(g.info.thumbprintSha256).toBe(x.fingerprint256.replace(/:/g, '').toLowerCase());
    expect(Buffer.from(g.info.x5tS256, 'base64url').toString('hex')).toBe(g.info.thumbprintSha256);
    expect(g.certificateDer.equals(x.raw)).toBe(true);
    // The key is the certificate's and is PKCS#8.
    expect(g.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const key = createPrivateKey(g.privateKeyPem);
    expect(createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(x.publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    // Signature algorithm SHA-256 and keyUsage digitalSignature, read with forge's ASN.1 parser.
    const asn = forge.asn1.fromDer(forge.util.createBuffer(x.raw.toString('binary')));
    const sigAlg = forge.asn1.derToOid((((asn.value as forge.asn1.Asn1[])[1]!.value as forge.asn1.Asn1[])[0]!.value as string));
    expect(sigAlg).toBe(kty === 'rsa' ? '1.2.840.113549.1.1.11' : '1.2.840.10045.4.3.2');
    const parsed = new x509.X509Certificate(x.raw);
    const ku = parsed.getExtension(x509.KeyUsagesExtension);
    expect(ku?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(ku?.critical).toBe(true);
    expect(parsed.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(g.info.keyDescription).toBe(kty === 'rsa' ? `RSA ${size}` : 'EC P-256');
  });

  it.each([0, -1, 1.5, MAX_CERT_DAYS + 1, Number.NaN])('refuses a validity of %s days', async (days) => {
    await expect(generateCertificate({ commonName: 'x', days })).rejects.toBeInstanceOf(OperatorError);
  });

  it.each([
    ['CN=evil, O=Injected', 'CN_evil_ O_Injected'],
    ['a\nb\u0000c', 'a_b_c'],
    ['', 'M365 Licence Reconciler'],
    ['x'.repeat(100), 'x'.repeat(64)],
  ])('safe common name %j', (input, out) => {
    expect(safeCommonName(input)).toBe(out);
  });

  it('offers exactly the documented key types', () => {
    expect([...CERT_KEY_TYPES]).toEqual(['rsa2048', 'rsa3072', 'rsa4096', 'p256']);
  });
});

describe('import', () => {
  let a: GeneratedCertificate;
  let b: GeneratedCertificate;
  let ec: GeneratedCertificate;
  beforeAll(async () => {
    [a, b, ec] = await Promise.all([
      generateCertificate({ commonName: 'a', now: NOW }),
      generateCertificate({ commonName: 'b', now: NOW }),
      generateCertificate({ commonName: 'ec', keyType: 'p256', now: NOW }),
    ]);
  });

  function pfx(cert: GeneratedCertificate, password: string, extraCerts: string[] = [], algorithm: '3des' | 'aes256' = 'aes256'): Buffer {
    const key = forge.pki.privateKeyFromPem(cert.privateKeyPem);
    const certs = [cert.certificatePem, ...extraCerts].map((p) => forge.pki.certificateFromPem(p));
    const asn = forge.pkcs12.toPkcs12Asn1(key, certs, password, { algorithm });
    return Buffer.from(forge.asn1.toDer(asn).getBytes(), 'binary');
  }

  it('PEM pair: the key comes back as PKCS#8 and the thumbprints match', () => {
    const r = importPem({ certificatePem: a.certificatePem, keyPem: a.privateKeyPem });
    expect(r.info.thumbprintSha256).toBe(a.info.thumbprintSha256);
    expect(createPrivateKey(r.privateKeyPem).export({ type: 'pkcs8', format: 'der' }).equals(createPrivateKey(a.privateKeyPem).export({ type: 'pkcs8', format: 'der' }))).toBe(true);
  });

  it('PEM pair with a key that belongs to another certificate is refused', () => {
    const e = thrown(() => importPem({ certificatePem: a.certificatePem, keyPem: b.privateKeyPem, keyLabel: 'the private key file key.pem', certificateLabel: 'the certificate file cert.pem' }));
    expect(e.code).toBe('bad-input');
    expect(e.message).toBe('The private key file key.pem does not belong to the certificate file cert.pem.');
  });

  // Every caller names both sides once: no "the private key the private key file ...".
  it.each<[string, () => Promise<unknown>, string]>([
    ['importPem, default labels', async () => importPem({ certificatePem: a.certificatePem, keyPem: b.privateKeyPem }), 'The private key does not belong to the certificate.'],
    ['certificateCredential (in memory)', async () => certificateCredential(a.certificatePem, b.privateKeyPem), 'The private key does not belong to the certificate.'],
    [
      'profile with a key file',
      () => loadAppCredential(certProfile({ certificatePath: '/c.pem', privateKeyPath: '/k.pem' }), { env: {}, readFile: files({ '/c.pem': a.certificatePem, '/k.pem': b.privateKeyPem }) }),
      'The private key file /k.pem does not belong to the certificate file /c.pem.',
    ],
    [
      'profile with the key in the secret store',
      async () => {
        const store = new MemorySecretStore();
        await store.set(SECRET_KEYS.certificateKey('p'), Buffer.from(b.privateKeyPem));
        return loadAppCredential(certProfile({ certificatePath: '/c.pem', privateKeyInStore: true }), { env: {}, readFile: files({ '/c.pem': a.certificatePem }), secretStore: store });
      },
      'The private key in memory (not persisted) does not belong to the certificate file /c.pem.',
    ],
  ])('key/certificate mismatch wording: %s', async (_label, run, message) => {
    let err: unknown;
    try {
      await run();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OperatorError);
    expect((err as OperatorError).message).toBe(message);
  });

  it('encrypted PEM key: right passphrase opens it, wrong one is refused without echoing it', () => {
    const enc = createPrivateKey(a.privateKeyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'key-passphrase-123' }).toString();
    expect(importPem({ certificatePem: a.certificatePem, keyPem: enc, passphrase: 'key-passphrase-123', passphraseSource: 'KEY_PASS' }).info.thumbprintSha1).toBe(a.info.thumbprintSha1);
    const wrong = thrown(() => importPem({ certificatePem: a.certificatePem, keyPem: enc, passphrase: 'nope-nope-nope', passphraseSource: 'KEY_PASS' }));
    expect(wrong.message).toMatch(/KEY_PASS/);
    expect(wrong.message).not.toContain('nope-nope-nope');
    expect(thrown(() => importPem({ certificatePem: a.certificatePem, keyPem: enc })).code).toBe('secret-missing');
  });

  it('an EC (P-256) pair is refused for app sign-in, saying why', () => {
    const e = thrown(() => importPem({ certificatePem: ec.certificatePem, keyPem: ec.privateKeyPem }));
    expect(e.message).toMatch(/EC \(prime256v1\) key, which cannot sign in an app/);
    expect(e.hint).toMatch(/PS256\/RS256/);
  });

  it.each(['aes256', '3des'] as const)('PFX (%s) with the right password', (algorithm) => {
    const r = importPfx({ pfx: pfx(a, 'pfx-pass-1', [], algorithm), password: 'pfx-pass-1', passwordSource: 'PFX_PASS' });
    expect(r.info.thumbprintSha256).toBe(a.info.thumbprintSha256);
    expect(new X509Certificate(r.certificatePem).raw.equals(a.certificateDer)).toBe(true);
    // The imported key signs what the certificate verifies.
    const sig = createSign('sha256').update('hello').sign(r.privateKeyPem);
    expect(createVerify('sha256').update('hello').verify(new X509Certificate(r.certificatePem).publicKey, sig)).toBe(true);
  });

  it('PFX carrying an extra certificate: picks the one matching the key', () => {
    const r = importPfx({ pfx: pfx(a, 'pw-123456', [b.certificatePem]), password: 'pw-123456' });
    expect(r.info.thumbprintSha1).toBe(a.info.thumbprintSha1);
  });

  it('PFX with the wrong password is refused, naming the variable, not the value', () => {
    const e = thrown(() => importPfx({ pfx: pfx(a, 'pfx-pass-1'), password: 'wrong-password', passwordSource: 'PFX_PASS' }));
    expect(e.code).toBe('bad-input');
    expect(e.message).toMatch(/password from PFX_PASS does not open/);
    expect(e.message).not.toContain('wrong-password');
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['PEM text', Buffer.from('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n')],
    ['random bytes', Buffer.from('3082ffff0102', 'hex')],
  ])('a file that is not a PFX (%s) is refused', (_n, bytes) => {
    expect(thrown(() => importPfx({ pfx: bytes, password: 'x' })).code).toBe('bad-input');
  });
});

describe('certificateInfo', () => {
  it('reads an RSA certificate made elsewhere (node:crypto key, forge certificate)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    cert.serialNumber = '0a1b2c';
    cert.validity.notBefore = new Date('2026-01-01T00:00:00Z');
    cert.validity.notAfter = new Date('2027-01-01T00:00:00Z');
    cert.setSubject([{ name: 'commonName', value: 'other' }]);
    cert.setIssuer([{ name: 'commonName', value: 'Issuer CA' }]);
    cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()), forge.md.sha256.create());
    const info = certificateInfo(forge.pki.certificateToPem(cert));
    expect(info.subject).toBe('CN=other');
    expect(info.issuer).toBe('CN=Issuer CA');
    expect(info.serialNumber).toBe('0A1B2C');
    expect(info.notAfter.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(info.keyDescription).toBe('RSA 2048');
  });
});
