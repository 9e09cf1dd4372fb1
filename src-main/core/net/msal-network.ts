import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { OperatorError } from '../errors/operator-error';
import type { Network } from './network';
import { fromNetworkFailure } from './net-errors';
import { describeHost } from './host-policy';

/**
 * MSAL Node's network client over the shared undici fetch, so token requests
 * use the same proxy and CA trust as Graph. Bodies are parsed as JSON because
 * MSAL expects an object (error responses from Entra ID are JSON too).
 */
export interface MsalNetworkOptions {
  /** Per-request timeout in ms when MSAL does not pass one (default 30 s). */
  timeoutMs?: number;
}

export class MsalNetworkModule implements INetworkModule {
  /** The last transport failure, so the token provider can report it as tls/network instead of MSAL's wrapper. */
  lastFailure: OperatorError | undefined;

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
    return { headers, body: body as T, status: response.status };
  }
}
