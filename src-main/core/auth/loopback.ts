import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The loopback redirect listener of the interactive sign-in (RFC 8252 section 7.3), in
 * place of MSAL Node's default LoopbackClient, which serves its pages with no Content-Type
 * and answers a rejected callback with a bare 400 the app never hears of.
 *
 * - Listens on 127.0.0.1, any free port; the redirect URI is http://localhost:<port>.
 * - The response comes as a form post (response_mode=form_post) to `/`, with exactly the
 *   pending request's `state`. A post with another state, several states or none is refused
 *   with a page that says why, and reported at once through `onRejected`; the listener keeps
 *   waiting, so the genuine response can still finish the sign-in.
 * - A response in the query string (a GET with code or error) is refused: codes in URLs
 *   leak through history and logs. With the right state it ends the wait (the genuine
 *   response came back the wrong way and will not come again); otherwise it is a rejected
 *   callback like any other.
 * - Every page is `text/html; charset=utf-8` with a strict CSP (no script, no fetch, no
 *   form, no framing), `nosniff`, no referrer and no caching.
 * - The page answering the genuine response is held until the sign-in has finished, so
 *   the browser shows the outcome (signed in, or the error and what to do).
 */
export const LOOPBACK_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': LOOPBACK_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
};

/** The OAuth parameters of an authorization response (RFC 6749 section 4.1.2), as received. */
export interface AuthorizationResponse {
  code?: string;
  error?: string;
  error_description?: string;
  suberror?: string;
  client_info?: string;
  state: string;
}

export type RejectionReason = 'state-mismatch' | 'state-missing' | 'state-repeated' | 'not-form-post' | 'query-response';

export interface RejectedCallback {
  reason: RejectionReason;
  /** One sentence for the operator: what was refused and why. */
  message: string;
}

/** The genuine response, and the page to answer it with once the sign-in has finished. */
export interface LoopbackResult {
  response: AuthorizationResponse;
  /** Answers the browser; resolves once the page has been handed to the socket (or the socket is gone). */
  reply(html: string, status?: number): Promise<void>;
}

export interface LoopbackPages {
  /** The page for a refused callback (status 400). */
  rejected(r: RejectedCallback): string;
  /** A page for a GET of `/` or any other path with no OAuth parameters. */
  idle(): string;
}

export interface LoopbackServer {
  readonly redirectUri: string;
  /** Resolves with the genuine response; rejects with a `QueryResponseError` for a genuine response in the query string. */
  readonly result: Promise<LoopbackResult>;
  close(): void;
}

/** The genuine response came back in the query string, not as a form post. */
export class QueryResponseError extends Error {
  override readonly name = 'QueryResponseError';
}

const MAX_BODY = 64 * 1024;

function send(res: http.ServerResponse, status: number, html: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...PAGE_HEADERS, 'Content-Length': Buffer.byteLength(html) });
  res.end(html);
}

function rejection(reason: RejectionReason): RejectedCallback {
  const why: Record<RejectionReason, string> = {
    'state-mismatch': 'its state does not match the sign-in in progress (a stale tab, another sign-in, or a forged response)',
    'state-missing': 'it carries no state',
    'state-repeated': 'it carries more than one state',
    'not-form-post': 'it is not a form post',
    'query-response': 'it came in the address (query string) instead of a form post',
  };
  return { reason, message: `A sign-in response reached this app and was refused: ${why[reason]}. The sign-in in progress can still finish in the browser.` };
}

/** Starts the listener; `expectedState` is the state sent in the authorization request. */
export async function startLoopback(expectedState: string, pages: LoopbackPages, onRejected: (r: RejectedCallback) => void): Promise<LoopbackServer> {
  if (expectedState.length < 16) throw new Error('loopback: the expected state is too short');
  let settle: { resolve: (r: LoopbackResult) => void; reject: (e: Error) => void } | undefined;
  const result = new Promise<LoopbackResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Never an unhandled rejection when nobody awaits it any more (cancel, timeout).
  result.catch(() => undefined);
  let done = false;

  const refuse = (res: http.ServerResponse, reason: RejectionReason): void => {
    const r = rejection(reason);
    send(res, 400, pages.rejected(r));
    onRejected(r);
  };

  const checkState = (params: URLSearchParams): RejectionReason | undefined => {
    const states = params.getAll('state');
    if (states.length === 0) return 'state-missing';
    if (states.length > 1) return 'state-repeated';
    return states[0] === expectedState ? undefined : 'state-mismatch';
  };

  const server = http.createServer((req, res) => {
    const method = (req.method ?? '').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (method === 'GET') {
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204, { 'Cache-Control': 'no-store' });
        res.end();
        return;
      }
      if (!url.searchParams.has('code') && !url.searchParams.has('error')) {
        send(res, 200, pages.idle());
        return;
      }
      const bad = checkState(url.searchParams);
      if (bad) {
        refuse(res, bad);
        return;
      }
      refuse(res, 'query-response');
      if (!done) {
        done = true;
        settle?.reject(new QueryResponseError('The sign-in response came back in the query string.'));
      }
      return;
    }
    if (method !== 'POST') {
      res.writeHead(405, { Allow: 'GET, POST', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('Method Not Allowed');
      return;
    }
    const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded' || url.pathname !== '/') {
      req.resume();
      refuse(res, 'not-form-post');
      return;
    }
    let body = '';
    let tooBig = false;
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      if (tooBig) return;
      body += chunk;
      if (body.length > MAX_BODY) tooBig = true;
    });
    req.on('error', () => send(res, 400, pages.rejected(rejection('not-form-post'))));
    req.on('end', () => {
      if (tooBig) {
        refuse(res, 'not-form-post');
        return;
      }
      const params = new URLSearchParams(body);
      if (!params.has('code') && !params.has('error')) {
        send(res, 200, pages.idle());
        return;
      }
      const bad = checkState(params);
      if (bad) {
        refuse(res, bad);
        return;
      }
      if (done) {
        // A second genuine post (a reload): the first one is being redeemed or was.
        send(res, 200, pages.idle());
        return;
      }
      done = true;
      const pick = (k: string) => params.get(k) ?? undefined;
      const response: AuthorizationResponse = { state: expectedState };
      for (const k of ['code', 'error', 'error_description', 'suberror', 'client_info'] as const) {
        const v = pick(k);
        if (v !== undefined) response[k] = v;
      }
      let replied: Promise<void> | undefined;
      settle?.resolve({
        response,
        reply: (html, status = 200) => {
          replied ??= new Promise<void>((resolve) => {
            res.once('finish', resolve);
            res.once('close', resolve);
            send(res, status, html);
          });
          return replied;
        },
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    redirectUri: `http://localhost:${port}`,
    result,
    close: () => {
      if (!done) {
        done = true;
        settle?.reject(new Error('loopback closed'));
      }
      // Stops listening at once; a page being answered gets a moment to reach the browser.
      server.close();
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 1_000).unref();
    },
  };
}
