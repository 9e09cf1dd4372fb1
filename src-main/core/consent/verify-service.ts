import { readFile } from 'node:fs/promises';
import { createAppTokenProvider } from '../auth/app-token';
import { loadAppCredential, type AppCredential } from '../auth/credentials';
import { createDelegatedTokenProvider } from '../auth/delegated-token';
import { OperatorError } from '../errors/operator-error';
import { createGraphSession } from '../graph/create-session';
import { redactor } from '../log/redact';
import { createNetwork } from '../net/network';
import type { Profile } from '../profile/schema';
import type { SecretStore } from '../secrets/secret-store';
import { verifyProfile, type CredentialExpiryInput, type VerifyReport } from './verify';

/**
 * Verify one profile end to end: load its credential, build the network, token
 * provider and Graph session the sync uses, run the permission self-check, close.
 * Shared by the CLI ("verify") and, later, the desktop app.
 */
export interface VerifyServiceOptions {
  profile: Profile;
  /** Already-loaded app credential (the in-process demo tenant); otherwise loaded from the profile. */
  credential?: AppCredential;
  /** Extra CA certificates (PEM), e.g. the demo tenant's CA. */
  extraCaPem?: string[];
  env?: NodeJS.ProcessEnv;
  /** Holds a delegated profile's sign-in (required for delegated profiles) and keys of certificates kept in the store. */
  secretStore?: SecretStore;
  signal?: AbortSignal;
  now?: () => Date;
}

/** What the expiry check needs from the loaded credential: the certificate itself (secrets: the profile's date). */
export function expiryOf(credential: AppCredential | undefined): CredentialExpiryInput | undefined {
  return credential?.kind === 'certificate' ? { certificatePem: credential.certificatePem } : undefined;
}

export async function verifyWithProfile(opts: VerifyServiceOptions): Promise<VerifyReport> {
  const env = opts.env ?? process.env;
  const delegated = opts.profile.credential.kind === 'delegated';
  if (delegated && !opts.secretStore) {
    throw new OperatorError('auth-failed', `Profile "${opts.profile.name}" uses delegated sign-in, but no secret store holds its sign-in.`, {
      hint: `Run "login --profile ${opts.profile.name}" first.`,
    });
  }
  const credential = delegated ? undefined : (opts.credential ?? (await loadAppCredential(opts.profile, { env, readFile: (p) => readFile(p, 'utf8'), ...(opts.secretStore ? { secretStore: opts.secretStore } : {}) })));
  if (credential?.kind === 'secret') redactor.add(credential.secret);
  const network = createNetwork({
    ...(opts.extraCaPem ? { extraCaPem: opts.extraCaPem } : {}),
    ...(opts.profile.caBundlePath ? { caBundlePath: opts.profile.caBundlePath } : {}),
    env,
  });
  const tokenProvider =
    credential === undefined
      ? createDelegatedTokenProvider({ profile: opts.profile, network, secretStore: opts.secretStore as SecretStore })
      : createAppTokenProvider({ profile: opts.profile, credential, network });
  const session = createGraphSession({ profile: opts.profile, tokenProvider, network, ownsNetwork: false });
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
    await session.close();
    await network.close();
  }
}
