/**
 * When the app credential of a profile stops working, and whether to warn now.
 * A warning starts 30 days before expiry and stays (as "expired") afterwards.
 * Used by `cert show`, `verify` and the sync summary.
 */
import { X509Certificate } from 'node:crypto';
import type { Profile } from '../profile/schema';

export const EXPIRY_WARNING_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;

export type CredentialExpiryStatus = 'ok' | 'expiring' | 'expired' | 'unknown';

export interface CredentialExpiry {
  kind: 'certificate' | 'secret' | 'delegated';
  expiresOn?: Date;
  status: CredentialExpiryStatus;
  /** One sentence for the operator, with what to do when action is needed. */
  message: string;
}

export interface CredentialExpiryOptions {
  now: Date;
  /** PEM of the profile's certificate (the caller reads profile.credential.certificatePath). */
  certificatePem?: string;
}

export function credentialExpiry(profile: Profile, opts: CredentialExpiryOptions): CredentialExpiry {
  const c = profile.credential;
  if (c.kind === 'delegated') {
    return {
      kind: 'delegated',
      status: 'ok',
      message: 'Delegated sign-in: no app credential to expire; sessions renew through silent refresh or a new sign-in.',
    };
  }
  if (c.kind === 'secret') {
    if (!c.expiresOn) {
      return {
        kind: 'secret',
        status: 'unknown',
        message: `The client secret's expiry date is not recorded. Look it up in the Entra admin center (App registrations > Certificates & secrets) and record it for the profile "${profile.name}".`,
      };
    }
    // A date without a time: the secret is treated as expiring at the start of that day (UTC), so warnings never come late.
    const expiresOn = new Date(`${c.expiresOn}T00:00:00Z`);
    return judge('secret', expiresOn, opts.now, profile.name);
  }
  if (opts.certificatePem === undefined) {
    return { kind: 'certificate', status: 'unknown', message: `The certificate ${c.certificatePath} was not read, so its expiry is unknown.` };
  }
  let notAfter: Date;
  try {
    notAfter = new Date(new X509Certificate(opts.certificatePem).validTo);
  } catch {
    return { kind: 'certificate', status: 'unknown', message: `The certificate ${c.certificatePath} cannot be parsed, so its expiry is unknown.` };
  }
  if (Number.isNaN(notAfter.getTime())) {
    return { kind: 'certificate', status: 'unknown', message: `The certificate ${c.certificatePath} has no readable expiry date.` };
  }
  return judge('certificate', notAfter, opts.now, profile.name);
}

function judge(kind: 'certificate' | 'secret', expiresOn: Date, now: Date, profile: string): CredentialExpiry {
  const what = kind === 'certificate' ? 'certificate' : 'client secret';
  const renew =
    kind === 'certificate'
      ? `replace the certificate of the profile "${profile}" with a new one (the current one is kept until the new one works), upload it to the app registration, then remove the old one`
      : `add a new secret to the app registration, point the profile "${profile}" at it, then record its expiry date`;
  const day = expiresOn.toISOString().slice(0, 10);
  const msLeft = expiresOn.getTime() - now.getTime();
  if (msLeft <= 0) {
    const ago = Math.floor(-msLeft / DAY_MS);
    return {
      kind,
      expiresOn,
      status: 'expired',
      message: `The ${what} expired on ${day}${ago > 0 ? ` (${ago} day${ago === 1 ? '' : 's'} ago)` : ''}: sign-in fails until it is renewed. To renew, ${renew}.`,
    };
  }
  const left = Math.floor(msLeft / DAY_MS);
  if (msLeft <= EXPIRY_WARNING_DAYS * DAY_MS) {
    return {
      kind,
      expiresOn,
      status: 'expiring',
      message: `The ${what} expires on ${day} (${left === 0 ? 'today' : `in ${left} day${left === 1 ? '' : 's'}`}). To renew, ${renew}.`,
    };
  }
  return { kind, expiresOn, status: 'ok', message: `The ${what} is valid until ${day} (${left} days).` };
}

/** Reads the profile's certificate (if any) with `readFile` and judges its expiry; read failures give "unknown". */
export async function loadCredentialExpiry(profile: Profile, opts: { now: Date; readFile(path: string): Promise<string> }): Promise<CredentialExpiry> {
  const c = profile.credential;
  if (c.kind !== 'certificate') return credentialExpiry(profile, { now: opts.now });
  let pem: string;
  try {
    pem = await opts.readFile(c.certificatePath);
  } catch {
    return { kind: 'certificate', status: 'unknown', message: `The certificate ${c.certificatePath} cannot be read, so its expiry is unknown.` };
  }
  return credentialExpiry(profile, { now: opts.now, certificatePem: pem });
}
