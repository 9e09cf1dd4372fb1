/**
 * fetch over undici that trusts exactly the demo tenant's CA, for tests that talk to
 * the tenant's listeners directly (not through the product's network layer), and an
 * MSAL network client on top of it for tests that drive MSAL themselves.
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';

export interface CaFetch {
  /** Redirects are not followed unless `init.redirect` says so. */
  fetch(url: string, init?: UndiciRequestInit): ReturnType<typeof undiciFetch>;
  close(): Promise<void>;
}

/** fetch over undici that trusts exactly the given CA (no redirects followed). */
export function caFetch(caPem: string): CaFetch {
  const agent = new Agent({ connect: { ca: caPem } });
  return {
    fetch: (url, init) => undiciFetch(url, { redirect: 'manual', ...init, dispatcher: agent }),
    close: () => agent.close(),
  };
}

export function form(fields: Record<string, string>): UndiciRequestInit {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

/** A minimal MSAL network client over `http`; `onPost` sees each form body MSAL posts. */
export function msalNetworkClient(http: CaFetch, onPost?: (url: string, body: string) => void): INetworkModule {
  async function send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    if (method === 'POST' && options?.body !== undefined) onPost?.(url, options.body);
    const res = await http.fetch(url, { method, headers: options?.headers, body: options?.body });
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    return { status: res.status, headers, body: (await res.json()) as T };
  }
  return {
    sendGetRequestAsync: (url, options) => send('GET', url, options),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}
