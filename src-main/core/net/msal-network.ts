import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { z } from 'zod';
import { OperatorError } from '../errors/operator-error';
import type { Network } from './network';
import { fromNetworkFailure } from './net-errors';
import { describeHost } from './host-policy';

/**
 * MSAL Node's network client over the shared undici fetch, so token requests
 * use the same proxy and CA trust as Graph. Bodies are parsed as JSON because
 * MSAL expects an object (error responses from Entra ID are JSON too).
 */
/** The fields of an OAuth error answer that say what failed; anything else is dropped. */
const oauthErrorBodySchema = z.object({
  error: z.string().max(200),
  error_description: z.string().max(4000).optional(),
  error_codes: z.array(z.number().int()).max(20).optional(),
  correlation_id: z.string().max(100).optional(),
  suberror: z.string().max(200).optional(),
});
export type OAuthErrorBody = z.infer<typeof oauthErrorBodySchema>;

export interface MsalNetworkOptions {
  /** Per-request timeout in ms when MSAL does not pass one (default 30 s). */
  timeoutMs?: number;
  /**
   * The profile's sign-in origin (https://login.microsoftonline.com, a national cloud's, or
   * the custom cloud's). MSAL posts the client secret, the client assertion, codes and
   * refresh tokens to whatever token endpoint the OpenID metadata names; with this set, no
   * POST leaves this origin, and a metadata document whose endpoints leave it is refused.
   */
  loginOrigin?: string;
}

/** The metadata fields that name where MSAL sends credentials, codes or the user. */
const CREDENTIAL_ENDPOINTS = ['token_endpoint', 'authorization_endpoint', 'device_authorization_endpoint', 'end_session_endpoint'] as const;

/** The first endpoint of an OpenID metadata document that is not on `origin`, if any. */
export function foreignEndpoint(metadata: unknown, origin: string): { field: string; url: string } | undefined {
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const m = metadata as Record<string, unknown>;
  for (const field of CREDENTIAL_ENDPOINTS) {
    const v = m[field];
    if (v === undefined) continue;
    let o: string;
    try {
      o = new URL(String(v)).origin;
    } catch {
      return { field, url: String(v).slice(0, 200) };
    }
    if (o !== origin) return { field, url: String(v) };
  }
  return undefined;
}

export class MsalNetworkModule implements INetworkModule {
  /** The last transport failure, so the token provider can report it as tls/network instead of MSAL's wrapper. */
  lastFailure: OperatorError | undefined;
  /**
   * The last OAuth error answer of a POST (the token endpoint's JSON error: error, description,
   * AADSTS codes, correlation id; never a token), for flows where MSAL drops the AADSTS code
   * from what it throws (the device code poll throws `post_request_failed`).
   */
  lastErrorResponse: { status: number; body: OAuthErrorBody } | undefined;

  constructor(
    private readonly network: Network,
    private readonly opts: MsalNetworkOptions = {},
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options, undefined);
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options: NetworkRequestOptions | undefined, timeout: number | undefined): Promise<NetworkResponse<T>> {
    this.lastFailure = undefined;
    if (method === 'POST') this.lastErrorResponse = undefined;
    const origin = this.opts.loginOrigin;
    if (origin !== undefined && method === 'POST' && originOf(url) !== origin) {
      const failure = new OperatorError('host-refused', `A sign-in request to ${describeHost(url)} was refused: credentials are only sent to the profile's sign-in host ${describeHost(origin)}.`, {
        hint: "Check the profile's cloud and sign-in URL; if they are right, the sign-in metadata was tampered with on the way (a proxy rewriting it).",
        remedy: { action: 'edit-profile' },
      });
      this.lastFailure = failure;
      throw failure;
    }
    const signal = AbortSignal.timeout(timeout ?? this.opts.timeoutMs ?? 30_000);
    let response: Awaited<ReturnType<Network['fetch']>>;
    let text: string;
    try {
      response = await this.network.fetch(url, {
        method,
        headers: options?.headers ?? {},
        ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
        redirect: 'manual',
        signal,
      });
      text = await response.text();
    } catch (e) {
      const failure = signal.aborted
        ? new OperatorError('network', `The sign-in endpoint ${describeHost(url)} did not answer in time.`, {
            hint: 'Check the network path to the sign-in endpoint (proxy, firewall) and retry.',
            remedy: { action: 'check-network' },
            cause: e,
          })
        : fromNetworkFailure(e, url);
      this.lastFailure = failure;
      throw failure;
    }
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => {
      headers[key.toLowerCase()] = value;
    });
    let body: unknown;
    try {
      body = text === '' ? {} : JSON.parse(text);
    } catch (cause) {
      const failure = new OperatorError('network', `The sign-in endpoint ${describeHost(url)} answered HTTP ${response.status} with a body that is not JSON.`, {
        hint: 'A proxy may be intercepting the request (login page, block page). Check HTTPS_PROXY / NO_PROXY.',
        remedy: { action: 'check-network' },
        status: response.status,
        cause,
      });
      this.lastFailure = failure;
      throw failure;
    }
    if (origin !== undefined && method === 'GET' && new URL(url).pathname.endsWith('/.well-known/openid-configuration')) {
      const foreign = foreignEndpoint(body, origin);
      if (foreign) {
        const failure = new OperatorError('host-refused', `The sign-in metadata of ${describeHost(url)} names ${foreign.field} on another host (${describeHost(foreign.url)}); refused, so no credential leaves the sign-in host.`, {
          hint: "Check the profile's sign-in URL (custom cloud); a genuine Entra ID keeps these endpoints on its sign-in host. A proxy may be rewriting the metadata.",
          remedy: { action: 'edit-profile' },
        });
        this.lastFailure = failure;
        throw failure;
      }
    }
    if (method === 'POST' && response.status >= 400) {
      const parsed = oauthErrorBodySchema.safeParse(body);
      if (parsed.success) this.lastErrorResponse = { status: response.status, body: parsed.data };
    }
    return { headers, body: body as T, status: response.status };
  }
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
