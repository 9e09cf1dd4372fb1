import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import { OperatorError } from '../errors/operator-error';
import type { AccessToken, GetTokenOptions } from '../auth/token-provider';
import { mayCarryBearer, describeHost } from '../net/host-policy';
import type { Network } from '../net/network';
import { fromNetworkFailure, cancelledError } from '../net/net-errors';
import { isRetryableStatus, retryDelayMs, throttleSignal, type ResolvedRetryOptions } from './retry-policy';
import type { ThrottleGate } from './throttle-gate';
import { nextLinkFromHead } from './page-head';

/**
 * The Graph client's middleware chain (Microsoft Graph JS client v3):
 *   ReadOnlyGuard -> Retry -> BearerAuth -> UndiciFetchHandler
 * Each request carries a RequestState (a MiddlewareOptions instance) with its
 * AbortSignal; the first middleware records the OperatorError that ended the
 * request there, because the Graph client rewraps thrown errors as GraphError.
 */

export interface RetryEvent {
  attempt: number;
  /** HTTP status, or 'network' for a reset connection / truncated body. */
  reason: number | 'network';
  delayMs: number;
  /** Scheme and host only. */
  host: string;
}

export class RequestState implements MiddlewareOptions {
  error: OperatorError | undefined;
  /** The parsed JSON body of the final response (when it was JSON). */
  json: unknown;
  /** The raw body text of the final response, for error translation. */
  text: string | undefined;
  /** Attempts the retry middleware made. */
  attempts = 0;
  /**
   * Called with the @odata.nextLink of a successful JSON page as soon as its head has arrived,
   * before the rest of the body (graph/page-head.ts); possibly once per attempt. A hint only.
   */
  onNextLink: ((link: string) => void) | undefined;
  /** Goes before other requests at the throttle gate (the page chain that sets a sync's pace). */
  priority = false;
  constructor(
    readonly signal: AbortSignal | undefined,
    /** For a report request: do not read a redirect body. */
    readonly expectRedirect = false,
  ) {}
}

function stateOf(context: Context): RequestState {
  const s = context.middlewareControl?.getMiddlewareOptions(RequestState);
  if (!(s instanceof RequestState)) {
    throw new OperatorError('internal', 'Graph request sent without request state.', { hint: 'This is a bug in the reconciler; please report it.', remedy: { action: 'report-bug' } });
  }
  return s;
}

function urlOf(context: Context): string {
  const r: unknown = context.request;
  if (typeof r === 'string') return r;
  if (typeof r === 'object' && r !== null && 'url' in r && typeof (r as { url: unknown }).url === 'string') return (r as { url: string }).url;
  throw new OperatorError('internal', 'Graph request without a URL.', { hint: 'This is a bug in the reconciler; please report it.', remedy: { action: 'report-bug' } });
}

function headerRecord(h: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  if (typeof (h as Headers).forEach === 'function' && typeof (h as Headers).get === 'function') {
    (h as Headers).forEach((v, k) => {
      out[k] = v;
    });
    return out;
  }
  if (Array.isArray(h)) {
    for (const pair of h as unknown[]) {
      if (Array.isArray(pair) && typeof pair[0] === 'string' && typeof pair[1] === 'string') out[pair[0]] = pair[1];
    }
    return out;
  }
  for (const [k, v] of Object.entries(h as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  return out;
}

function hasHeader(h: Record<string, string>, name: string): boolean {
  return Object.keys(h).some((k) => k.toLowerCase() === name.toLowerCase());
}

abstract class Link implements Middleware {
  protected next: Middleware | undefined;
  setNext(m: Middleware): void {
    this.next = m;
  }
  protected async forward(context: Context): Promise<void> {
    if (!this.next) throw new OperatorError('internal', 'Graph middleware chain is incomplete.', { hint: 'This is a bug in the reconciler; please report it.', remedy: { action: 'report-bug' } });
    await this.next.execute(context);
  }
  abstract execute(context: Context): Promise<void>;
}

/** Refuses every method but GET: the product is read-only by construction. Records the error that ends a request. */
export class ReadOnlyGuard extends Link {
  async execute(context: Context): Promise<void> {
    const state = stateOf(context);
    try {
      const method = (context.options?.method ?? 'GET').toUpperCase();
      if (method !== 'GET') {
        throw new OperatorError('internal', `read-only: refused ${method}`, {
          hint: 'The reconciler only reads from Microsoft Graph; a write was attempted, which is a bug. Please report it.',
          remedy: { action: 'report-bug' },
        });
      }
      if (/\/\$batch(?:[/?#]|$)/i.test(new URL(urlOf(context)).pathname)) {
        throw new OperatorError('internal', 'read-only: refused $batch', { hint: 'JSON batching is not used by the reconciler; this is a bug.', remedy: { action: 'report-bug' } });
      }
      await this.forward(context);
    } catch (e) {
      const err = e instanceof OperatorError ? e : fromNetworkFailure(e, urlOf(context), state.signal);
      state.error = err;
      throw err;
    }
  }
}

/**
 * Retries 429/503/504 and transport failures with bounded attempts, honouring Retry-After.
 * With a gate (graph/throttle-gate.ts) every attempt waits for it and holds a slot while on the
 * wire; a Retry-After closes the gate for every request of the session, and the response's
 * x-ms-throttle-limit-percentage narrows it.
 */
export class RetryMiddleware extends Link {
  constructor(
    private readonly policy: ResolvedRetryOptions,
    private readonly onRetry?: (e: RetryEvent) => void,
    private readonly gate?: ThrottleGate,
  ) {
    super();
  }

  async execute(context: Context): Promise<void> {
    const state = stateOf(context);
    const host = describeHost(urlOf(context));
    for (let attempt = 1; ; attempt++) {
      state.attempts = attempt;
      if (state.signal?.aborted) throw cancelledError(state.signal.reason);
      let reason: number | 'network';
      let retryAfter: string | null = null;
      try {
        const release = this.gate ? await this.gate.acquire(state.signal, state.priority) : undefined;
        try {
          await this.forward(context);
        } finally {
          release?.();
        }
        const status = context.response?.status ?? 0;
        const headers = context.response?.headers;
        if (this.gate && headers) {
          const signal = throttleSignal(headers, this.policy.now());
          this.gate.observe(signal.limitPercentage);
          if (isRetryableStatus(status) && signal.retryAfterMs !== undefined && signal.retryAfterMs <= this.policy.maxRetryAfterMs) this.gate.hold(signal.retryAfterMs);
        }
        if (!isRetryableStatus(status)) return;
        reason = status;
        retryAfter = headers?.get('retry-after') ?? null;
      } catch (e) {
        if (!(e instanceof OperatorError) || e.code !== 'network') throw e;
        if (attempt >= this.policy.maxAttempts) throw e;
        reason = 'network';
      }
      if (attempt >= this.policy.maxAttempts) return; // the caller translates the final 429/503/504
      const delayMs = retryDelayMs(attempt, retryAfter, this.policy);
      this.onRetry?.({ attempt, reason, delayMs, host });
      context.response = undefined;
      await this.policy.sleep(delayMs, state.signal);
    }
  }
}

export type TokenSource = (opts: GetTokenOptions) => Promise<AccessToken>;

/**
 * Adds the bearer token, but only for the Graph origin. On 401 (expired or
 * revoked token) it forces one refresh and retries once.
 */
export class BearerAuth extends Link {
  constructor(
    private readonly graphOrigin: string,
    private readonly getToken: TokenSource,
  ) {
    super();
  }

  async execute(context: Context): Promise<void> {
    const state = stateOf(context);
    const url = urlOf(context);
    if (!mayCarryBearer(url, this.graphOrigin)) {
      throw new OperatorError('host-refused', `Refused to send the access token to ${describeHost(url)}.`, {
        hint: 'Only the profile\'s Microsoft Graph endpoint receives the token. Check the profile\'s cloud and any proxy rewriting links.',
      });
    }
    const headers = headerRecord(context.options?.headers);
    if (hasHeader(headers, 'authorization')) {
      throw new OperatorError('internal', 'An Authorization header was supplied by the caller.', { hint: 'This is a bug in the reconciler; please report it.', remedy: { action: 'report-bug' } });
    }
    try {
      for (let round = 0; round < 2; round++) {
        const token = await this.getToken({ signal: state.signal, forceRefresh: round > 0 });
        context.options = { ...context.options, headers: { ...headers, Authorization: `Bearer ${token.accessToken}` } };
        await this.forward(context);
        if (context.response?.status !== 401 || round > 0) break;
        context.response = undefined;
      }
    } finally {
      // The token must not outlive the attempt in shared objects (a retry starts from the caller's headers).
      context.options = { ...context.options, headers };
    }
  }
}

/**
 * The terminal handler: undici fetch with redirect 'manual'. JSON bodies are
 * read and parsed completely here (once: the text is decoded once and parsed once)
 * so a reset or truncated body surfaces as a retryable 'network' error inside the chain.
 */
export class UndiciFetchHandler implements Middleware {
  constructor(private readonly network: Network) {}

  async execute(context: Context): Promise<void> {
    const state = stateOf(context);
    const url = urlOf(context);
    const headers = headerRecord(context.options?.headers);
    let res: Awaited<ReturnType<Network['fetch']>>;
    let bytes: Buffer | undefined;
    try {
      res = await this.network.fetch(url, { method: 'GET', headers, redirect: 'manual', signal: state.signal });
      if (state.expectRedirect && res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
      } else if (state.onNextLink && res.ok && res.body && /json/i.test(res.headers.get('content-type') ?? '')) {
        bytes = await readWithHead(res.body, state.onNextLink);
        // The next page's request, started from the head, is written only in the event loop's
        // check phase (undici first checks a reused idle connection for stray bytes); decoding
        // and parsing this page now would hold it back by the whole parse, on every hop.
        await nextTurn();
      } else {
        bytes = Buffer.from(await res.arrayBuffer());
      }
    } catch (e) {
      throw fromNetworkFailure(e, url, state.signal);
    }
    state.json = undefined;
    state.text = undefined;
    if (bytes) {
      const declared = res.headers.get('content-length');
      if (declared !== null && /^\d+$/.test(declared) && Number(declared) !== bytes.length && !res.headers.get('content-encoding')) {
        throw truncated(url, `${bytes.length} of ${declared} bytes`);
      }
      const text = bytes.toString('utf8');
      state.text = text;
      const type = res.headers.get('content-type') ?? '';
      if (/json/i.test(type) || (res.ok && text.trimStart().startsWith('{'))) {
        try {
          state.json = text === '' ? undefined : JSON.parse(text);
        } catch (cause) {
          if (res.ok) throw truncated(url, 'invalid JSON', cause);
        }
      }
    }
    // The body has been consumed into RequestState (json/text), which is what callers read;
    // the Response handed back to the Graph client carries status and headers only, so a
    // page is not copied a second time.
    context.response = new Response(null, { status: res.status, statusText: res.statusText, headers: res.headers });
  }
}

/** Bytes of a body searched for its nextLink before giving up (the annotations are short). */
const HEAD_LIMIT = 64 * 1024;

/** Reads a whole body, handing its nextLink over as soon as the head holds it. */
async function readWithHead(body: AsyncIterable<Uint8Array>, onNextLink: (link: string) => void): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let scanning = true;
  for await (const c of body) {
    const b = Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    chunks.push(b);
    size += b.length;
    if (!scanning) continue;
    const head = nextLinkFromHead(Buffer.concat(chunks, size).toString('utf8'));
    if (head.done) {
      scanning = false;
      if (head.link !== undefined) {
        try {
          onNextLink(head.link);
        } catch {
          // A hint only: the page's full parse decides.
        }
      }
    } else if (size >= HEAD_LIMIT) {
      scanning = false;
    }
  }
  return Buffer.concat(chunks, size);
}

function truncated(url: string, what: string, cause?: unknown): OperatorError {
  return new OperatorError('network', `The response from ${describeHost(url)} was cut off (${what}).`, {
    hint: 'The connection dropped mid-response; it is retried automatically. If this persists, check the proxy or network.',
    remedy: { action: 'check-network' },
    cause,
  });
}
