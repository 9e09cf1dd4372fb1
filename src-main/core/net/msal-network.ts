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
        status: response.status,
        cause,
      });
      this.lastFailure = failure;
      throw failure;
    }
    if (method === 'POST' && response.status >= 400) {
      const parsed = oauthErrorBodySchema.safeParse(body);
      if (parsed.success) this.lastErrorResponse = { status: response.status, body: parsed.data };
    }
    return { headers, body: body as T, status: response.status };
  }
}
