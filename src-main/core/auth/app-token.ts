import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import { cloudEndpoints } from '../clouds/clouds';
import { OperatorError } from '../errors/operator-error';
import type { Profile } from '../profile/schema';
import type { Network } from '../net/network';
import { MsalNetworkModule } from '../net/msal-network';
import type { AppCredential } from './credentials';
import { fromMsalFailure, msalBaseConfiguration, signInContextOf, untilAborted, type AuthLog } from './msal-common';

/**
 * App-only (client credentials) tokens for Microsoft Graph through MSAL Node.
 *
 * Configuration choices (MSAL Node 7):
 * - authority, knownAuthorities, network client and PII-free logging as in
 *   msal-common.ts (shared with the delegated client); the OpenID configuration is
 *   read from the authority itself;
 * - scope `<graphUrl>/.default` (application permissions granted with admin consent);
 * - MSAL's in-memory cache reuses a token until shortly before expiry;
 *   `forceRefresh` skips it (after Graph answers 401 InvalidAuthenticationToken).
 */
import type { AccessToken, GetTokenOptions, TokenProvider } from './token-provider';

export type { AccessToken, GetTokenOptions };

export interface AppTokenProvider extends TokenProvider {
  /** Scope requested, e.g. https://graph.microsoft.com/.default */
  readonly scope: string;
}

export interface AppTokenProviderOptions {
  profile: Profile;
  credential: AppCredential;
  network: Network;
  /** Receives MSAL's log lines (PII never enabled; JWT-like strings redacted). */
  log?: AuthLog;
  /** Timeout for each sign-in request in ms (default 30 s). */
  timeoutMs?: number;
}

/** The confidential client's configuration: the shared base plus the app credential. */
export function buildMsalConfiguration(opts: AppTokenProviderOptions, networkClient: MsalNetworkModule): Configuration {
  const { auth, system } = msalBaseConfiguration(opts.profile, networkClient, opts.log);
  const { credential } = opts;
  if (credential.kind === 'secret') auth.clientSecret = credential.secret;
  else auth.clientCertificate = { thumbprintSha256: credential.thumbprintSha256, privateKey: credential.privateKeyPem };
  return { auth, system };
}

export function createAppTokenProvider(opts: AppTokenProviderOptions): AppTokenProvider {
  const endpoints = cloudEndpoints(opts.profile.cloud, opts.profile.customEndpoints);
  const scope = `${endpoints.graphUrl.replace(/\/+$/, "")}/.default`;
  const networkClient = new MsalNetworkModule(opts.network, { timeoutMs: opts.timeoutMs, loginOrigin: new URL(endpoints.loginUrl).origin });
  const app = new ConfidentialClientApplication(buildMsalConfiguration(opts, networkClient));

  async function acquire(forceRefresh: boolean): Promise<AccessToken> {
    let result;
    try {
      result = await app.acquireTokenByClientCredential({ scopes: [scope], skipCache: forceRefresh });
    } catch (e) {
      throw fromMsalFailure(e, networkClient, signInContextOf(opts.profile));
    }
    if (!result?.accessToken) {
      throw new OperatorError('auth-failed', 'Entra ID returned no access token.', {
        hint: 'Check the profile\'s tenant and client ID, and retry.',
      });
    }
    const expiresOn = result.expiresOn ?? new Date(Date.now() + 5 * 60_000);
    return { accessToken: result.accessToken, expiresOn };
  }

  return {
    scope,
    getToken: (o: GetTokenOptions = {}) => untilAborted(() => acquire(o.forceRefresh === true), o.signal),
  };
}
