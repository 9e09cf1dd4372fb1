/**
 * Self-signed certificates for app-only sign-in (client_assertion): the public
 * certificate is uploaded to the app registration, the private key stays with the app.
 *
 * - keys: RSA 2048 (default), 3072, 4096, or EC P-256. Only RSA can sign in an app:
 *   MSAL Node signs the client assertion as PS256/RS256 (see assertUsableForAppAuth);
 *   P-256 is generated for completeness and refused wherever a key meets MSAL;
 * - signature SHA-256 (sha256WithRSAEncryption / ecdsa-with-SHA256);
 * - keyUsage digitalSignature (critical), extendedKeyUsage clientAuth, not a CA;
 * - validity chosen by the operator: 1 year by default, at most 2 years. Shorter-lived
 *   credentials limit what a leaked key can do, and tenants may enforce a maximum
 *   certificate lifetime through app management policies (keyCredentialConfiguration
 *   asymmetricKeyLifetime), which reject longer ones at upload.
 *
 * Uses @peculiar/x509 over Node's WebCrypto, like the demo tenant's CA.
 */
// @peculiar/x509 relies on tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { OperatorError } from '../errors/operator-error';
import { certificateInfo, type CertificateInfo } from './info';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export const CERT_KEY_TYPES = ['rsa2048', 'rsa3072', 'rsa4096', 'p256'] as const;
export type CertKeyType = (typeof CERT_KEY_TYPES)[number];
export const DEFAULT_CERT_DAYS = 365;
export const MAX_CERT_DAYS = 730;
/** Back-dating of notBefore, so clocks a few minutes apart still accept a fresh certificate. */
const BACKDATE_MS = 5 * 60 * 1000;

export interface GenerateCertificateOptions {
  /** Common name, e.g. "M365 Licence Reconciler (contoso)". */
  commonName: string;
  keyType?: CertKeyType;
  /** Validity in days from now (1-730, default 365). */
  days?: number;
  now?: Date;
}

export interface GeneratedCertificate {
  certificatePem: string;
  /** DER bytes: the `.cer` file the Entra admin center accepts. */
  certificateDer: Buffer;
  /** PKCS#8 PEM, unencrypted: callers put it in the secret store and nowhere else. */
  privateKeyPem: string;
  info: CertificateInfo;
}

type KeyPair = webcrypto.CryptoKeyPair;

function algorithms(keyType: CertKeyType): { gen: webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams; sign: webcrypto.Algorithm & { hash?: string } } {
  if (keyType === 'p256') return { gen: { name: 'ECDSA', namedCurve: 'P-256' }, sign: { name: 'ECDSA', hash: 'SHA-256' } };
  const modulusLength = keyType === 'rsa4096' ? 4096 : keyType === 'rsa3072' ? 3072 : 2048;
  return {
    gen: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength },
    sign: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  };
}

/** Removes characters that would change the meaning of a distinguished name. */
export function safeCommonName(name: string): string {
  const cleaned = [...name]
    .map((ch) => (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f || ',=+<>#;"\\'.includes(ch) ? '_' : ch))
    .join('')
    .trim()
    .slice(0, 64);
  return cleaned === '' ? 'M365 Licence Reconciler' : cleaned;
}

export function validateDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_CERT_DAYS) {
    throw new OperatorError('bad-input', `Certificate validity must be a whole number of days from 1 to ${MAX_CERT_DAYS} (got ${String(days)}).`, {
      hint: `Pick a validity of ${DEFAULT_CERT_DAYS} days (one year, the default) or less; renew before expiry rather than issuing long-lived certificates.`,
    });
  }
  return days;
}

export async function generateCertificate(opts: GenerateCertificateOptions): Promise<GeneratedCertificate> {
  const keyType = opts.keyType ?? 'rsa2048';
  if (!(CERT_KEY_TYPES as readonly string[]).includes(keyType)) {
    throw new OperatorError('bad-input', `Unknown key type "${String(keyType)}".`, { hint: `Use one of ${CERT_KEY_TYPES.join(', ')}.` });
  }
  const days = validateDays(opts.days ?? DEFAULT_CERT_DAYS);
  // X.509 times have whole seconds; start from a whole second so notAfter - now is exactly `days`.
  const nowMs = Math.floor((opts.now ?? new Date()).getTime() / 1000) * 1000;
  const alg = algorithms(keyType);
  const keys = (await webcrypto.subtle.generateKey(alg.gen, true, ['sign', 'verify'])) as KeyPair;
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: `CN=${safeCommonName(opts.commonName)}`,
    keys,
    signingAlgorithm: alg.sign,
    notBefore: new Date(nowMs - BACKDATE_MS),
    notAfter: new Date(nowMs + days * 24 * 60 * 60 * 1000),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const der = Buffer.from(cert.rawData);
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyPem = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
  pkcs8.fill(0);
  const node = new X509Certificate(der);
  return { certificatePem: node.toString(), certificateDer: der, privateKeyPem, info: certificateInfo(node) };
}
