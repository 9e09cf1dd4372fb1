/**
 * Importing an existing certificate and its private key: a PEM pair (the key possibly
 * encrypted) or a PFX / PKCS#12 file. The key must belong to the certificate and be
 * usable for app sign-in (RSA 2048+); the result is the certificate PEM and the key
 * as unencrypted PKCS#8 PEM, for the secret store only.
 */
import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { OperatorError } from '../errors/operator-error';
import { assertKeyMatches, assertUsableForAppAuth, parseCertificate, parsePrivateKey } from '../auth/credentials';
import { certificateInfo, type CertificateInfo } from './info';

export interface ImportedCertificate {
  certificatePem: string;
  /** PKCS#8 PEM, unencrypted. */
  privateKeyPem: string;
  info: CertificateInfo;
}

export interface PemImportInput {
  certificatePem: string;
  keyPem: string;
  /** Passphrase of an encrypted key. */
  passphrase?: string;
  /** Names the variable the passphrase came from, for messages. */
  passphraseSource?: string;
  /** Where the certificate came from, as a noun phrase for messages (default "the certificate"), e.g. "the certificate file /a.pem". */
  certificateLabel?: string;
  /** Where the key came from, as a noun phrase (default "the private key"), e.g. "the private key file /a.key". */
  keyLabel?: string;
}

export function importPem(input: PemImportInput): ImportedCertificate {
  const certLabel = input.certificateLabel ?? 'the certificate';
  const keyLabel = input.keyLabel ?? 'the private key';
  const cert = parseCertificate(input.certificatePem, certLabel);
  const key = parsePrivateKey(input.keyPem, keyLabel, input.passphrase, input.passphraseSource);
  return finish(cert, key, certLabel, keyLabel);
}

export interface PfxImportInput {
  pfx: Buffer;
  password: string;
  /** Names the variable the password came from, for messages. */
  passwordSource?: string;
  label?: string;
}

const MAX_PFX_BYTES = 1024 * 1024;
/** PKCS#12 bag types (RFC 7292 section 4.2). */
const KEY_BAG = '1.2.840.113549.1.12.10.1.1';
const SHROUDED_KEY_BAG = '1.2.840.113549.1.12.10.1.2';
const CERT_BAG = '1.2.840.113549.1.12.10.1.3';

export function importPfx(input: PfxImportInput): ImportedCertificate {
  const label = input.label ?? 'the PFX file';
  const source = input.passwordSource ?? 'the password given';
  if (input.pfx.length === 0 || input.pfx.length > MAX_PFX_BYTES) {
    throw new OperatorError('bad-input', `${capital(label)} is ${input.pfx.length === 0 ? 'empty' : 'too large to be a certificate file'}.`, {
      hint: 'Give the .pfx/.p12 file exported with its private key.',
    });
  }
  let asn1: forge.asn1.Asn1;
  try {
    asn1 = forge.asn1.fromDer(forge.util.createBuffer(input.pfx.toString('binary')), true);
  } catch (cause) {
    throw new OperatorError('bad-input', `${capital(label)} is not a PKCS#12 (PFX) file.`, {
      hint: 'Export the certificate with its private key as .pfx/.p12, or import the PEM certificate and its PEM key instead.',
      cause,
    });
  }
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(asn1, true, input.password);
  } catch (cause) {
    const msg = cause instanceof Error ? cause.message : '';
    if (/password|MAC could not be verified|decrypt/i.test(msg)) {
      throw new OperatorError('bad-input', `The password from ${source} does not open ${label}.`, {
        hint: `Set ${source} to the password the PFX was exported with.`,
        cause,
      });
    }
    throw new OperatorError('bad-input', `${capital(label)} cannot be read as PKCS#12 (${msg.slice(0, 120) || 'unknown format'}).`, {
      hint: 'Re-export it as .pfx with the private key (AES-256 or 3DES encryption), or import the PEM certificate and its PEM key instead.',
      cause,
    });
  }

  const keys: KeyObject[] = [];
  for (const type of [SHROUDED_KEY_BAG, KEY_BAG]) {
    for (const bag of p12.getBags({ bagType: type })[type] ?? []) {
      const info = bag.key ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key)) : bag.asn1;
      if (!info) continue;
      const der = Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary');
      try {
        keys.push(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
      } finally {
        der.fill(0);
      }
    }
  }
  const certs: X509Certificate[] = [];
  for (const bag of p12.getBags({ bagType: CERT_BAG })[CERT_BAG] ?? []) {
    const asn = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
    if (!asn) continue;
    certs.push(new X509Certificate(Buffer.from(forge.asn1.toDer(asn).getBytes(), 'binary')));
  }
  if (keys.length === 0) {
    throw new OperatorError('bad-input', `${capital(label)} holds no private key.`, {
      hint: 'Export the certificate together with its private key ("Yes, export the private key").',
    });
  }
  if (keys.length > 1) {
    throw new OperatorError('bad-input', `${capital(label)} holds ${keys.length} private keys; this app imports one certificate at a time.`, {
      hint: 'Export only the certificate used by the app registration.',
    });
  }
  const key = keys[0]!;
  // A PFX may carry the issuing chain too: the app's certificate is the one whose public key is the key's.
  const keySpki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const mine = certs.find((c) => c.publicKey.export({ type: 'spki', format: 'der' }).equals(keySpki));
  if (!mine) {
    throw new OperatorError('bad-input', `${capital(label)} holds no certificate for its private key.`, {
      hint: 'Export the certificate together with its private key into one PFX.',
    });
  }
  return finish(mine, key, `the certificate in ${label}`, `the private key in ${label}`);
}

function finish(cert: X509Certificate, key: KeyObject, certLabel: string, keyLabel: string): ImportedCertificate {
  assertKeyMatches(cert, key, certLabel, keyLabel);
  assertUsableForAppAuth(key, keyLabel);
  return { certificatePem: cert.toString(), privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(), info: certificateInfo(cert) };
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
