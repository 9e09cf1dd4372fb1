import { LogLevel, type Configuration } from '@azure/msal-node';
import { cloudEndpoints } from '../clouds/clouds';
import type { OperatorError } from '../errors/operator-error';
import { fromMsalError, type SignInContext } from '../errors/translate';
import { cancelledError } from '../net/net-errors';
import type { MsalNetworkModule } from '../net/msal-network';
import type { Profile } from '../profile/schema';

/**
 * MSAL Node configuration shared by the app-only (confidential) and the delegated
 * (public) client, so both talk to Entra ID the same way:
 * - authority `<loginUrl>/<tenantId>`: always tenant-specific, never /common;
 * - `knownAuthorities: [<login host[:port]>]` for every cloud, so MSAL builds the
 *   cloud discovery metadata from the configured host and never calls the global
 *   instance discovery endpoint (login.microsoftonline.com/common/discovery/instance),
 *   which a national cloud or an air-gapped proxy may not reach;
 * - `system.networkClient`: the shared undici network (proxy + extra CA);
 * - logging: PII off, and a redacting callback that never receives tokens.
 */
export type AuthLog = (level: 'error' | 'warning' | 'info' | 'verbose', message: string) => void;

const JWT_LIKE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;

/** Removes anything that looks like a token or a credential parameter from a log line. */
export function redactLogLine(line: string): string {
  return line
    .replace(JWT_LIKE, '[redacted-jwt]')
    .replace(/(client_secret|client_assertion|assertion|access_token|refresh_token)=([^&\s]+)/gi, '$1=[redacted]');
}

export interface MsalBaseConfiguration {
  auth: Configuration['auth'];
  system: NonNullable<Configuration['system']>;
}

/** The client ID, authority, network client and PII-free logger of a profile; callers add credentials or a cache. */
export function msalBaseConfiguration(profile: Profile, networkClient: MsalNetworkModule, log?: AuthLog): MsalBaseConfiguration {
  const login = new URL(cloudEndpoints(profile.cloud, profile.customEndpoints).loginUrl);
  return {
    auth: {
      clientId: profile.clientId,
      authority: `${login.origin}/${profile.tenantId}`,
      knownAuthorities: [login.host],
    },
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

function hasAadsts(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const rec = e as { errorNo?: unknown; errorMessage?: unknown; message?: unknown };
  return rec.errorNo !== undefined || /AADSTS\d+/.test(String(rec.errorMessage ?? '')) || /AADSTS\d+/.test(String(rec.message ?? ''));
}

/** How a profile signs in, for the wording of its errors (see errors/translate.ts). */
export function signInContextOf(profile: Profile): SignInContext {
  return { kind: profile.credential.kind === 'delegated' ? 'delegated' : 'app', profile: profile.name };
}

/**
 * An MSAL failure as an OperatorError. A transport failure reaches MSAL wrapped; unless
 * Entra ID answered with an AADSTS error, the original (tls/network) failure is reported.
 * `ctx` words the AADSTS hint and who for the profile's kind of sign-in.
 */
export function fromMsalFailure(e: unknown, networkClient: MsalNetworkModule, ctx: SignInContext = {}): OperatorError {
  const transport = networkClient.lastFailure;
  if (transport && !hasAadsts(e)) return transport;
  return fromMsalError(e, ctx);
}

/** Runs `run` and settles like it, or rejects with 'cancelled' when `signal` is aborted before or meanwhile. */
export async function untilAborted<T>(run: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal?.aborted) throw cancelledError(signal.reason);
  const p = run();
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
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
}
