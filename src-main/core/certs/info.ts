import { X509Certificate } from 'node:crypto';

/** What an operator needs to match a certificate with the one uploaded to the app registration. */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  /** Upper-case hex, as the Entra admin center and certificate viewers show it. */
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  /** SHA-1 of the DER certificate, upper-case hex: the "Thumbprint" column of the Entra admin center. */
  thumbprintSha1: string;
  /** SHA-256 of the DER certificate, lower-case hex (what MSAL sends as x5t#S256, base64url-encoded). */
  thumbprintSha256: string;
  /** The JWT header values a client assertion carries (base64url of the thumbprints). */
  x5t: string;
  x5tS256: string;
  keyType: 'RSA' | 'EC' | 'other';
  /** Modulus length for RSA; 256/384/521 for EC curves. */
  keySize: number | undefined;
  curve: string | undefined;
  /** "RSA 2048", "EC P-256". */
  keyDescription: string;
}

const CURVE_BITS: Record<string, { bits: number; name: string }> = {
  prime256v1: { bits: 256, name: 'P-256' },
  secp384r1: { bits: 384, name: 'P-384' },
  secp521r1: { bits: 521, name: 'P-521' },
};

export function certificateInfo(cert: X509Certificate | string): CertificateInfo {
  const c = typeof cert === 'string' ? new X509Certificate(cert) : cert;
  const sha1 = c.fingerprint.replace(/:/g, '').toUpperCase();
  const sha256 = c.fingerprint256.replace(/:/g, '').toLowerCase();
  const key = c.publicKey;
  const details = key.asymmetricKeyDetails ?? {};
  let keyType: CertificateInfo['keyType'] = 'other';
  let keySize: number | undefined;
  let curve: string | undefined;
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    keyType = 'RSA';
    keySize = details.modulusLength;
  } else if (key.asymmetricKeyType === 'ec') {
    keyType = 'EC';
    const known = details.namedCurve ? CURVE_BITS[details.namedCurve] : undefined;
    curve = known?.name ?? details.namedCurve;
    keySize = known?.bits;
  }
  return {
    subject: oneLine(c.subject),
    issuer: oneLine(c.issuer),
    serialNumber: c.serialNumber.toUpperCase(),
    notBefore: new Date(c.validFrom),
    notAfter: new Date(c.validTo),
    thumbprintSha1: sha1,
    thumbprintSha256: sha256,
    x5t: Buffer.from(sha1, 'hex').toString('base64url'),
    x5tS256: Buffer.from(sha256, 'hex').toString('base64url'),
    keyType,
    keySize,
    curve,
    keyDescription: keyType === 'RSA' ? `RSA ${keySize ?? '?'}` : keyType === 'EC' ? `EC ${curve ?? '?'}` : (key.asymmetricKeyType ?? 'unknown'),
  };
}

/** Node prints distinguished names one attribute per line; messages want "CN=a, O=b". */
function oneLine(dn: string): string {
  return dn
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(', ');
}
