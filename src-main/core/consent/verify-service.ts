import type { AppCredential } from '../auth/credentials';
import { openGraphForProfile, type GraphForProfileOptions } from '../graph/for-profile';
import { verifyProfile, type CredentialExpiryInput, type VerifyReport } from './verify';

/**
 * Verify one profile end to end: open the Graph session the sync uses
 * (graph-for-profile.ts), run the permission self-check, close.
 * Shared by the CLI ("verify") and, later, the desktop app.
 */
export interface VerifyServiceOptions extends GraphForProfileOptions {
  signal?: AbortSignal;
  now?: () => Date;
}

/** What the expiry check needs from the loaded credential: the certificate itself (secrets: the profile's date). */
export function expiryOf(credential: AppCredential | undefined): CredentialExpiryInput | undefined {
  return credential?.kind === 'certificate' ? { certificatePem: credential.certificatePem } : undefined;
}

export async function verifyWithProfile(opts: VerifyServiceOptions): Promise<VerifyReport> {
  const { session, credential, close } = await openGraphForProfile(opts);
  try {
    const expiry = expiryOf(credential);
    return await verifyProfile({
      session,
      profile: opts.profile,
      ...(expiry ? { credentialExpiry: expiry } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    });
  } finally {
    await close();
  }
}
