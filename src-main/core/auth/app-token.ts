import { ConfidentialClientApplication, LogLevel, type Configuration } from '@azure/msal-node';
import { cloudEndpoints } from '../clouds/clouds';
import { OperatorError } from '../errors/operator-error';
import { fromMsalError } from '../errors/translate';
import type { Profile } from '../profile/schema';
import type { Network } from '../net/network';
import { MsalNetworkModule } from '../net/msal-network';
import { cancelledError } from '../net/net-errors';
import type { AppCredential } from './credentials';

/**
 * App-only (client credentials) tokens for Microsoft Graph through MSAL Node.
 *
 * Configuration choices (MSAL Node 7):
 * - authority `<loginUrl>/<tenantId>`: always tenant-specific, never /common;
 * - `knownAuthorities: [<login host[:port]>]` for every cloud, so MSAL builds the
 *   cloud discovery metadata from the configured host and never calls the global
 *   instance discovery endpoint (login.microsoftonline.com/common/discovery/instance),
 *   which a national cloud or an air-gapped proxy may not reach. The OpenID
 *   configuration is then read from the authority itself;
 * - `system.networkClient`: the shared undici network (proxy + extra CA);
 * - logging: PII off, and a redacting callback that never receives tokens;
 * - scope `<graphUrl>/.default` (application permissions granted with admin consent);
 * - MSAL's in-memory cache reuses a token until shortly before expiry;
 *   `forceRefresh` skips it (after Graph answers 401 InvalidAuthenticationToken).
 */
export interface AccessToken {
  accessToken: string;
  expiresOn: Date;
}

export interface GetTokenOptions {
  signal?: AbortSignal;
  forceRefresh?: boolean;
}

export interface AppTokenProvider {
  /** Scope requested, e.g. https://graph.microsoft.com/.default */
  readonly scope: string;
  getToken(opts?: GetTokenOptions): Promise<AccessToken>;
}

export type AuthLog = (level: 'error' | 'warning' | 'info' | 'verbose', message: string) => void;

export interface AppTokenProviderOptions {
  profile: Profile;
  credential: AppCredential;
  network: Network;
  /** Receives MSAL's log lines (PII never enabled; JWT-like strings redacted). */
  log?: AuthLog;
  /** Timeout for each sign-in request in ms (default 30 s). */
  timeoutMs?: number;
}

const JWT_LIKE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

/** Removes anything that looks like a token or a credential parameter from a log line. */
export function redactLogLine(line: string): string {
  return line
    .replace(JWT_LIKE, '[redacted-jwt]')
    .replace(/(client_secret|client_assertion|assertion|access_token|refresh_token)=([^&\s]+)/gi, '$1=[redacted]');
}

export function buildMsalConfiguration(opts: AppTokenProviderOptions, networkClient: MsalNetworkModule): Configuration {
  const { profile, credential } = opts;
  const endpoints = cloudEndpoints(profile.cloud, profile.customEndpoints);
  const login = new URL(endpoints.loginUrl);
  const auth: Configuration['auth'] = {
    clientId: profile.clientId,
    authority: `${login.origin}/${profile.tenantId}`,
    knownAuthorities: [login.host],
  };
  if (credential.kind === 'secret') auth.clientSecret = credential.secret;
  else auth.clientCertificate = { thumbprintSha256: credential.thumbprintSha256, privateKey: credential.privateKeyPem };
  const log = opts.log;
  return {
    auth,
    system: {
      networkClient,
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: log ? LogLevel.Info : LogLevel.Warning,
        loggerCallback: (level, message, containsPii) => {
          if (containsPii || !log) return;
          const lvl = level === LogLevel.Error ? 'error' : level === LogLevel.Warning ? 'warning' : level === LogLevel.Info ? 'info' : 'verbose';
          log(lvl, redactLogLine(message));
        },
      },
    },
  };
}

export function createAppTokenProvider(opts: AppTokenProviderOptions): AppTokenProvider {
  const endpoints = cloudEndpoints(opts.profile.cloud, opts.profile.customEndpoints);
  const scope = `${endpoints.graphUrl.replace(/\/+$/, "")}/.default`;
  const networkClient = new MsalNetworkModule(opts.network, { timeoutMs: opts.timeoutMs });
  const app = new ConfidentialClientApplication(buildMsalConfiguration(opts, networkClient));

  async function acquire(forceRefresh: boolean): Promise<AccessToken> {
    let result;
    try {
      result = await app.acquireTokenByClientCredential({ scopes: [scope], skipCache: forceRefresh });
    } catch (e) {
      // A transport failure reaches MSAL wrapped; report the original (tls/network) instead.
      const transport = networkClient.lastFailure;
      if (transport && !(hasAadsts(e))) throw transport;
      throw fromMsalError(e);
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
    async getToken(o: GetTokenOptions = {}): Promise<AccessToken> {
      const { signal } = o;
      if (signal?.aborted) throw cancelledError(signal.reason);
      const p = acquire(o.forceRefresh === true);
      if (!signal) return p;
      return new Promise<AccessToken>((resolve, reject) => {
        const onAbort = (): void => reject(cancelledError(signal.reason));
        signal.addEventListener('abort', onAbort, { once: true });
        p.then(
          (v) => {
            signal.removeEventListener('abort', onAbort);
            resolve(v);
          },
          (e: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(e instanceof Error ? e : new Error(String(e)));
          },
        );
      });
    },
  };
}

function hasAadsts(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const rec = e as { errorNo?: unknown; errorMessage?: unknown; message?: unknown };
  return rec.errorNo !== undefined || /AADSTS\d+/.test(String(rec.errorMessage ?? '')) || /AADSTS\d+/.test(String(rec.message ?? ''));
}
