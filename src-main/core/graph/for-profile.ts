import { readFile } from 'node:fs/promises';
import { createAppTokenProvider } from '../auth/app-token';
import { loadAppCredential, type AppCredential } from '../auth/credentials';
import { createDelegatedTokenProvider } from '../auth/delegated-token';
import { OperatorError, remedyFor } from '../errors/operator-error';
import { createGraphSession, type RetryEvent } from './create-session';
import type { GraphSession } from './session';
import { redactor } from '../log/redact';
import { createNetwork } from '../net/network';
import type { Profile } from '../profile/schema';
import type { SecretStore } from '../secrets/secret-store';

export interface GraphForProfileOptions {
  profile: Profile;
  /** Already-loaded app credential (the in-process demo tenant); otherwise loaded from the profile's source. */
  credential?: AppCredential;
  /** Extra CA certificates (PEM) trusted in addition to the profile's caBundlePath, e.g. the demo tenant's CA. */
  extraCaPem?: string[];
  env?: NodeJS.ProcessEnv;
  /** Holds a delegated profile's sign-in (required for delegated profiles) and keys of certificates kept in the store. */
  secretStore?: SecretStore;
  /** Called before each retry wait (throttling, 5xx, reset connections). */
  onRetry?: (e: RetryEvent) => void;
}

export interface GraphForProfile {
  session: GraphSession;
  /** The loaded app credential; undefined for a delegated profile (the user's sign-in is used). */
  credential: AppCredential | undefined;
  /** Closes the session and the network it runs on. */
  close(): Promise<void>;
}

/**
 * The Graph session a profile reads with: its credential (loaded from its source unless
 * given), the network layer (profile CA bundle + extra CAs, proxy from env), a token
 * provider (client credentials for app kinds, silent refresh of the cached sign-in for
 * delegated) and the session on top. Shared by sync and verify so both sign in alike.
 */
export async function openGraphForProfile(opts: GraphForProfileOptions): Promise<GraphForProfile> {
  const { profile } = opts;
  const env = opts.env ?? process.env;
  const signIn = await signInOf(opts, env);
  const credential = signIn.kind === 'app' ? signIn.credential : undefined;
  const network = createNetwork({
    ...(opts.extraCaPem ? { extraCaPem: opts.extraCaPem } : {}),
    ...(profile.caBundlePath ? { caBundlePath: profile.caBundlePath } : {}),
    env,
  });
  const tokenProvider =
    signIn.kind === 'app'
      ? createAppTokenProvider({ profile, credential: signIn.credential, network })
      : createDelegatedTokenProvider({ profile, network, secretStore: signIn.secretStore });
  const session = createGraphSession({ profile, tokenProvider, network, ownsNetwork: false, ...(opts.onRetry ? { onRetry: opts.onRetry } : {}) });
  return {
    session,
    credential,
    async close() {
      try {
        await session.close();
      } finally {
        await network.close();
      }
    },
  };
}

type SignIn = { kind: 'app'; credential: AppCredential } | { kind: 'delegated'; secretStore: SecretStore };

/** Delegated: the cached sign-in in the secret store; app kinds: the credential, loaded unless given. */
async function signInOf(opts: GraphForProfileOptions, env: NodeJS.ProcessEnv): Promise<SignIn> {
  const { profile, secretStore } = opts;
  if (profile.credential.kind === 'delegated') {
    if (!secretStore) {
      throw new OperatorError('auth-failed', `Profile "${profile.name}" uses delegated sign-in, but no secret store holds its sign-in.`, {
        hint: 'Sign in for this profile first (with the same secret store).',
        remedy: remedyFor('sign-in', profile.name),
      });
    }
    return { kind: 'delegated', secretStore };
  }
  const credential = opts.credential ?? (await loadAppCredential(profile, { env, readFile: (p) => readFile(p, 'utf8'), ...(secretStore ? { secretStore } : {}) }));
  if (credential.kind === 'secret') redactor.add(credential.secret);
  return { kind: 'app', credential };
}
