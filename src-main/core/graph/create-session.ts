import { Readable } from 'node:stream';
import { Client, ResponseType } from '@microsoft/microsoft-graph-client';
import { CsvError, parse as parseCsv } from 'csv-parse';
import { z } from 'zod';
import { cloudEndpoints } from '../clouds/clouds';
import { OperatorError } from '../errors/operator-error';
import { fromGraphError, type SignInContext } from '../errors/translate';
import type { TokenProvider } from '../auth/token-provider';
import { tokenInfoFromJwt } from '../auth/token-claims';
import { assertGraphUrl, canonicalOrigin, checkReportRedirect, describeHost, hasUnsafeUrlChars, mayCarryBearer } from '../net/host-policy';
import type { Network } from '../net/network';
import { cancelledError, fromNetworkFailure } from '../net/net-errors';
import type { Profile } from '../profile/schema';
import { BearerAuth, ReadOnlyGuard, RequestState, RetryMiddleware, UndiciFetchHandler, type RetryEvent } from './middleware';
import { delegatedDenialContext, permissionForPath } from './permission-for-path';
import { isRetryableStatus, resolveRetryOptions, retryDelayMs, type RetryOptions } from './retry-policy';
import type { GraphPage, GraphSession, RequestOptions, TokenInfo } from './session';
import { createThrottleGate, type ThrottleGate } from './throttle-gate';

export interface GraphSessionOptions {
  profile: Profile;
  tokenProvider: TokenProvider;
  network: Network;
  retry?: RetryOptions;
  /** Called before each retry wait (for the sync log). */
  onRetry?: (e: RetryEvent) => void;
  /** Close the network when the session closes (default true). */
  ownsNetwork?: boolean;
  /** The gate every Graph request passes (default: one per session, graph/throttle-gate.ts). */
  gate?: ThrottleGate;
}

export type { RetryEvent };

const pageSchema = z
  .object({
    value: z.array(z.unknown()),
    '@odata.nextLink': z.string().optional(),
    '@odata.count': z.number().int().nonnegative().optional(),
  })
  .loose();

const csvRecordSchema = z.record(z.string(), z.string());

/**
 * csv-parse's records as csvRecordSchema takes them: a plain object whose own values are all text.
 * Not datasets/accept.ts's exact test for any object (hidden and symbol keys, which csv-parse never
 * makes): telling those apart costs about 3 us a row with 24 columns, twice this check.
 */
function isTextRecord(v: unknown): v is Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || Object.getPrototypeOf(v) !== Object.prototype) return false;
  for (const k of Object.keys(v)) if (typeof (v as Record<string, unknown>)[k] !== 'string') return false;
  return true;
}

const FORBIDDEN_HEADERS = new Set(['authorization', 'host', 'cookie', 'proxy-authorization']);

/** The delegated scopes (scp) of an access token; undefined when it cannot be read. */
function scopesOf(accessToken: string): string[] | undefined {
  try {
    return tokenInfoFromJwt(accessToken).scopes;
  } catch {
    return undefined;
  }
}

export function createGraphSession(opts: GraphSessionOptions): GraphSession {
  const endpoints = cloudEndpoints(opts.profile.cloud, opts.profile.customEndpoints);
  const graphOrigin = canonicalOrigin(endpoints.graphUrl);
  const graphBaseUrl = `${graphOrigin}/v1.0`;
  const graphHost = new URL(graphOrigin).hostname;
  const policy = resolveRetryOptions(opts.retry);
  const { network } = opts;
  // Errors are worded for how this profile signs in; a delegated 403 also needs the token's scopes.
  const signIn: SignInContext = { kind: opts.profile.credential.kind === 'delegated' ? 'delegated' : 'app', profile: opts.profile.name };
  let delegatedScopes: string[] | undefined;
  const getToken: typeof opts.tokenProvider.getToken = async (o) => {
    const t = await opts.tokenProvider.getToken(o);
    if (signIn.kind === 'delegated') delegatedScopes = scopesOf(t.accessToken);
    return t;
  };

  const client = Client.initWithMiddleware({
    baseUrl: `${graphOrigin}/`,
    defaultVersion: 'v1.0',
    customHosts: new Set([graphHost]),
    middleware: [
      new ReadOnlyGuard(),
      new RetryMiddleware(policy, opts.onRetry, opts.gate ?? createThrottleGate({ sleep: policy.sleep })),
      new BearerAuth(graphOrigin, getToken),
      new UndiciFetchHandler(network),
    ],
  });

  /** Absolute Graph URL for a relative path or an absolute URL on the Graph origin. */
  function resolve(pathOrUrl: string): string {
    if (/^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl) || pathOrUrl.startsWith('//')) {
      return assertGraphUrl(pathOrUrl, graphOrigin).toString();
    }
    // Spaces are allowed in a relative path (OData $filter) and percent-encoded by the URL serializer.
    if (!pathOrUrl.startsWith('/') || pathOrUrl.includes('://') || hasUnsafeUrlChars(pathOrUrl.replace(/ /g, ''))) {
      throw new OperatorError('internal', 'A Graph path must start with "/" and be relative to the version root.', {
        hint: 'This is a bug in the reconciler; please report it.',
        remedy: { action: 'report-bug' },
      });
    }
    const u = new URL(`${graphBaseUrl}${pathOrUrl}`);
    if (!mayCarryBearer(u, graphOrigin)) return assertGraphUrl(u.toString(), graphOrigin).toString();
    return u.toString();
  }

  function extraHeaders(o: RequestOptions | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(o?.headers ?? {})) {
      if (FORBIDDEN_HEADERS.has(k.toLowerCase())) {
        throw new OperatorError('internal', `The ${k} header cannot be set by callers.`, { hint: 'This is a bug in the reconciler; please report it.', remedy: { action: 'report-bug' } });
      }
      out[k] = v;
    }
    return out;
  }

  interface Sent {
    url: string;
    status: number;
    headers: Headers;
    state: RequestState;
  }

  async function send(pathOrUrl: string, o: RequestOptions | undefined, expectRedirect: boolean, onNextLink?: (link: string) => void): Promise<Sent> {
    if (o?.signal?.aborted) throw cancelledError(o.signal.reason);
    const url = resolve(pathOrUrl);
    const state = new RequestState(o?.signal, expectRedirect);
    state.onNextLink = onNextLink;
    state.priority = o?.priority === true;
    let res: unknown;
    try {
      res = await client.api(url).headers(extraHeaders(o)).responseType(ResponseType.RAW).middlewareOptions([state]).get();
    } catch (e) {
      if (state.error) throw state.error;
      if (e instanceof OperatorError) throw e;
      throw fromNetworkFailure(e, url, o?.signal);
    }
    if (!(res instanceof Response)) {
      throw new OperatorError('internal', 'The Graph client returned no response.', { hint: 'This is a bug in the reconciler; please report it.', remedy: { action: 'report-bug' } });
    }
    return { url, status: res.status, headers: res.headers, state };
  }

  function failure(sent: Sent, pathOrUrl: string, o: RequestOptions | undefined): OperatorError {
    const inferred = permissionForPath(pathOrUrl);
    return fromGraphError(sent.status, sent.state.json ?? sent.state.text, {
      permission: o?.permission ?? inferred.permission,
      dataset: o?.dataset ?? inferred.dataset,
      afterRetries: sent.state.attempts > 1 ? sent.state.attempts : undefined,
      signIn,
      ...(sent.status === 403 && signIn.kind === 'delegated' ? delegatedDenialContext(pathOrUrl, delegatedScopes) : {}),
    });
  }

  async function getJson(pathOrUrl: string, o?: RequestOptions): Promise<unknown> {
    const sent = await send(pathOrUrl, o, false);
    if (sent.status < 200 || sent.status >= 300) throw failure(sent, pathOrUrl, o);
    return sent.state.json;
  }

  /** One page of a collection, parsed; its nextLink checked against the Graph origin. */
  async function page(url: string, o: RequestOptions, onNextLink: (link: string) => void): Promise<{ page: GraphPage; link: string | undefined }> {
    const sent = await send(url, o, false, onNextLink);
    if (sent.status < 200 || sent.status >= 300) throw failure(sent, url, o);
    const parsed = pageSchema.safeParse(sent.state.json);
    if (!parsed.success) {
      throw new OperatorError('graph-error', 'Microsoft Graph returned a collection page without a "value" array.', {
        hint: 'A proxy may be rewriting responses; retry, and check HTTPS_PROXY.',
        remedy: { action: 'check-network' },
      });
    }
    const link = parsed.data['@odata.nextLink'];
    // Validated before the page is handed over, so a foreign link is refused even if the consumer stops early.
    if (link !== undefined) assertGraphUrl(link, graphOrigin);
    const out: GraphPage = { value: parsed.data.value };
    if (parsed.data['@odata.count'] !== undefined) out.count = parsed.data['@odata.count'];
    return { page: out, link };
  }

  /**
   * A page chain costs one round trip a page: the next page is requested as soon as this one's
   * head names its nextLink (graph/page-head.ts), while the rest of its body is still arriving and
   * being parsed. Only a link on the Graph origin is followed early. The full parse decides: a
   * request started from a link the parsed page does not confirm is aborted and the confirmed one
   * sent. At most the page being read and its successor are in flight.
   */
  const CONSUMED: Promise<{ page: GraphPage; link: string | undefined }> = Promise.resolve({ page: { value: [] }, link: undefined });

  async function* pages(path: string, o?: RequestOptions): AsyncIterable<GraphPage> {
    interface Fetch {
      url: string;
      ac: AbortController;
      result: Promise<{ page: GraphPage; link: string | undefined }>;
      /** The nextLink its head named, once known. */
      hint?: string;
      /** The request started from that hint. */
      next?: Fetch;
    }
    const outer = o?.signal;
    let current: Fetch | undefined;
    const startNext = (f: Fetch): void => {
      if (f.next || f.hint === undefined || f !== current) return;
      try {
        assertGraphUrl(f.hint, graphOrigin);
      } catch {
        return; // refused by the full parse, before anything is sent
      }
      f.next = start(f.hint);
    };
    const start = (url: string): Fetch => {
      const ac = new AbortController();
      const onAbort = () => ac.abort(outer?.reason);
      if (outer?.aborted) ac.abort(outer.reason);
      else outer?.addEventListener('abort', onAbort, { once: true });
      const f: Fetch = { url, ac, result: Promise.resolve({ page: { value: [] }, link: undefined }) };
      f.result = page(url, { ...o, signal: ac.signal }, (link) => {
        f.hint ??= link;
        startNext(f);
      }).finally(() => outer?.removeEventListener('abort', onAbort));
      // Handled when the page is reached; this only keeps a dropped request from leaving a rejection unhandled.
      f.result.catch(() => undefined);
      return f;
    };
    current = start(path);
    try {
      while (current) {
        const f: Fetch = current;
        const { page: got, link } = await f.result;
        let next = f.next;
        // A page read lets go of its page and of its successor, whatever still holds the request.
        f.result = CONSUMED;
        f.next = undefined;
        if (next && next.url !== link) {
          next.ac.abort();
          next = undefined;
        }
        if (link !== undefined) next ??= start(link);
        current = next;
        if (current) startNext(current);
        yield got;
      }
    } finally {
      // Stopped early (or failed): requests started ahead are not needed.
      current?.next?.ac.abort();
      current?.ac.abort();
    }
  }

  async function* reportRows(path: string, o?: RequestOptions): AsyncIterable<Record<string, string>> {
    const sent = await send(path, o, true);
    let from = sent.url;
    if (sent.status >= 200 && sent.status < 300) {
      // Some clouds answer the CSV directly; it has been read through the chain already.
      yield* parseCsvStream(Readable.from([sent.state.text ?? '']), o?.signal);
      return;
    }
    if (sent.status < 300 || sent.status >= 400) throw failure(sent, path, o);
    let location = sent.headers.get('location');
    for (let hop = 1; ; hop++) {
      const target = checkReportRedirect(location, { hop, from });
      const res = await download(target, o?.signal);
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        location = res.headers.get('location');
        from = target.toString();
        continue;
      }
      if (!res.ok || !res.body) {
        const text = await res.text().catch(() => '');
        throw new OperatorError(isRetryableStatus(res.status) ? 'throttled' : 'graph-error', `The report download from ${describeHost(target.toString())} failed with HTTP ${res.status}.`, {
          status: res.status,
          hint: 'The pre-authenticated download link may have expired; run the sync again.',
          remedy: { action: 'retry-later' },
          cause: text.slice(0, 200),
        });
      }
      yield* parseCsvStream(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), o?.signal);
      return;
    }
  }

  /**
   * GET a pre-authenticated report URL directly on the network, outside the Graph client:
   * no Authorization header, ever. 429/503/504 and transport failures before the response
   * are retried with the session's bounded policy (Retry-After honoured), like Graph
   * requests; the last retryable status is returned for the caller to translate. A body
   * cut off while rows are being streamed is not retried (rows were already handed over).
   */
  async function download(target: URL, signal: AbortSignal | undefined): Promise<Awaited<ReturnType<Network['fetch']>>> {
    const url = target.toString();
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw cancelledError(signal.reason);
      let reason: number | 'network';
      let retryAfter: string | null = null;
      try {
        const res = await network.fetch(target, { method: 'GET', redirect: 'manual', signal });
        if (!isRetryableStatus(res.status) || attempt >= policy.maxAttempts) return res;
        reason = res.status;
        retryAfter = res.headers.get('retry-after');
        await res.body?.cancel().catch(() => undefined);
      } catch (e) {
        const err = fromNetworkFailure(e, url, signal);
        if (err.code !== 'network' || attempt >= policy.maxAttempts) throw err;
        reason = 'network';
      }
      const delayMs = retryDelayMs(attempt, retryAfter, policy);
      opts.onRetry?.({ attempt, reason, delayMs, host: describeHost(url) });
      await policy.sleep(delayMs, signal);
    }
  }

  async function* parseCsvStream(source: Readable, signal: AbortSignal | undefined): AsyncIterable<Record<string, string>> {
    const parser = parseCsv({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: false });
    const onAbort = (): void => {
      source.destroy(cancelledError(signal?.reason));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    source.on('error', (e) => parser.destroy(e));
    source.pipe(parser);
    try {
      for await (const record of parser) {
        // csv-parse hands over text cells; the check spares zod's copy of every row of a large report.
        if (isTextRecord(record)) {
          yield record;
          continue;
        }
        const r = csvRecordSchema.safeParse(record);
        if (!r.success) {
          throw new OperatorError('graph-error', 'A report row could not be read as text columns.', { hint: 'Retry the sync; the report may be malformed.', remedy: { action: 'retry-later' } });
        }
        yield r.data;
      }
    } catch (e) {
      if (e instanceof OperatorError) throw e;
      if (signal?.aborted) throw cancelledError(signal.reason);
      const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
      // Not every csv-parse code starts with CSV_ (INVALID_OPENING_QUOTE does not).
      if (e instanceof CsvError || code.startsWith('CSV_')) {
        // csv-parse's error carries the line it stopped at: the row the operator can look for.
        const line = typeof e === 'object' && e !== null && 'lines' in e && typeof (e as { lines: unknown }).lines === 'number' ? (e as { lines: number }).lines : undefined;
        throw new OperatorError('graph-error', `The report CSV is malformed (${code})${line !== undefined ? ` at line ${line}` : ''}.`, { hint: 'Retry the sync; if it persists, the report service returned a broken file.', remedy: { action: 'retry-later' }, cause: e });
      }
      throw fromNetworkFailure(e, 'https://report-download', signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      source.unpipe(parser);
      source.destroy();
      parser.destroy();
    }
  }

  /** The authenticated report request alone: the redirect is not followed, no CSV is read. */
  async function probeReport(path: string, o?: RequestOptions): Promise<{ status: number }> {
    const sent = await send(path, o, true);
    if (sent.status >= 200 && sent.status < 400) return { status: sent.status };
    throw failure(sent, path, o);
  }

  return {
    graphBaseUrl,
    async tokenInfo(o?: RequestOptions): Promise<TokenInfo> {
      const t = await opts.tokenProvider.getToken({ signal: o?.signal });
      return tokenInfoFromJwt(t.accessToken);
    },
    getJson,
    pages,
    reportRows,
    probeReport,
    async close(): Promise<void> {
      if (opts.ownsNetwork !== false) await network.close();
    },
  };
}
