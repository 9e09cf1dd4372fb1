/**
 * Certificates for the demo tenant, generated fresh at every start:
 * - a CA (ECDSA P-256) and a leaf certificate for the HTTPS listeners
 *   (SAN IP 127.0.0.1 and DNS localhost, serverAuth), signed by that CA;
 * - self-signed RSA client certificates for the app registrations (client_assertion).
 *
 * Uses @peculiar/x509 over Node's WebCrypto; nothing is written to disk here.
 */
// @peculiar/x509 relies on tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type KeyPair = webcrypto.CryptoKeyPair;

const subtle = webcrypto.subtle;
const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const EC_SIGN = { name: 'ECDSA', hash: 'SHA-256' } as const;
const RSA_ALG = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 } as const;

export interface TlsMaterial {
  /** PEM of the CA certificate (what clients trust). */
  caPem: string;
  /** PEM of the listeners' leaf certificate. */
  certPem: string;
  /** PKCS#8 PEM of the leaf certificate's private key. */
  keyPem: string;
}

export interface ClientCertificate {
  certificatePem: string;
  /** PKCS#8 PEM. */
  privateKeyPem: string;
  /** Lower-case hex SHA-256 of the DER certificate. */
  thumbprintSha256: string;
  /** Lower-case hex SHA-1 of the DER certificate. */
  thumbprintSha1: string;
}

function serial(): string {
  // Positive 16-byte serial (high bit cleared).
  const b = randomBytes(16);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}

async function pkcs8Pem(key: webcrypto.CryptoKey): Promise<string> {
  const der = await subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function validity(days: number): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  // Back-date a little so clocks that differ by a few seconds still accept the certificate.
  return { notBefore: new Date(now - 60 * 60 * 1000), notAfter: new Date(now + days * 24 * 60 * 60 * 1000) };
}

/** A CA and a listener certificate for 127.0.0.1 / localhost signed by it. */
export async function generateTlsMaterial(): Promise<TlsMaterial> {
  const [caKeys, leafKeys] = await Promise.all([
    subtle.generateKey(EC_ALG, true, ['sign', 'verify']) as Promise<KeyPair>,
    subtle.generateKey(EC_ALG, true, ['sign', 'verify']) as Promise<KeyPair>,
  ]);
  const caName = `CN=M365 Reconciler Demo Tenant CA ${randomBytes(4).toString('hex')}, O=Demo Tenant`;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: caName,
    keys: caKeys,
    signingAlgorithm: EC_SIGN,
    ...validity(30),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const leafCert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: 'CN=127.0.0.1, O=Demo Tenant',
    issuer: caCert.subject,
    publicKey: leafKeys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: EC_SIGN,
    ...validity(29),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension(
        [
          { type: 'ip', value: '127.0.0.1' },
          { type: 'dns', value: 'localhost' },
        ],
        false,
      ),
      await x509.SubjectKeyIdentifierExtension.create(leafKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  return {
    caPem: caCert.toString('pem'),
    certPem: leafCert.toString('pem'),
    keyPem: await pkcs8Pem(leafKeys.privateKey),
  };
}

/** Hex thumbprints of a DER certificate, as the Azure portal shows them (lower-case here). */
export function thumbprints(der: ArrayBuffer | Uint8Array): { sha256: string; sha1: string } {
  const buf = Buffer.from(der instanceof Uint8Array ? der : new Uint8Array(der));
  return {
    sha256: createHash('sha256').update(buf).digest('hex'),
    sha1: createHash('sha1').update(buf).digest('hex'),
  };
}

/**
 * RSA 2048 key pairs, generated once per process and reused by later starts (each start
 * still issues new certificates over them). RSA key generation is the slow part of a
 * start (~150 ms per key on a small machine); the keys never leave the process except
 * through the standalone runner's files.
 */
const rsaPool: Promise<KeyPair>[] = [];
export function rsaKeyPairs(count: number): Promise<KeyPair[]> {
  while (rsaPool.length < count) rsaPool.push(subtle.generateKey(RSA_ALG, true, ['sign', 'verify']) as Promise<KeyPair>);
  return Promise.all(rsaPool.slice(0, count));
}

/** A self-signed RSA 2048 / SHA-256 certificate, as an operator would upload to an app registration. */
export async function generateClientCertificate(commonName: string, keyPair?: KeyPair): Promise<ClientCertificate> {
  const keys = keyPair ?? ((await subtle.generateKey(RSA_ALG, true, ['sign', 'verify'])) as KeyPair);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${commonName.replace(/[,=+<>#;"\\]/g, '_')}`,
    keys,
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    ...validity(365),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
    ],
  });
  const tp = thumbprints(cert.rawData);
  return {
    certificatePem: cert.toString('pem'),
    privateKeyPem: await pkcs8Pem(keys.privateKey),
    thumbprintSha256: tp.sha256,
    thumbprintSha1: tp.sha1,
  };
}
