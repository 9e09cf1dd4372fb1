/**
 * The demo tenant's HTTPS side: four listeners on 127.0.0.1 (login, graph, download,
 * foreign), each its own origin, sharing one leaf certificate signed by a CA made at
 * start. Routes login requests to identity.ts (JSON from the token endpoint; HTML sign-in
 * pages under a strict Content-Security-Policy and 302 redirects from the authorize flow),
 * authenticates graph requests with the tenant's own access tokens and hands them, with
 * the caller (app roles, or a user's scopes and directory roles), to the GraphApi (graph/contract.ts),
 * injects faults, and keeps a bounded request log that never holds header values.
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { generateTlsMaterial, type TlsMaterial } from './ca';
import { createIdentity, generateIdentityMaterial, tenantIdFor, domainFor, GRAPH_APP_ID, type AccessTokenCheck, type Identity, type LoginResponse } from './identity';
import { graphError, type GraphApi, type GraphApiOptions, type HandlerResult } from './graph/contract';
import type { DemoTenant, DemoTenantOptions, FaultPlan, RequestLogEntry } from './types';

export type GraphApiFactory = (opts: GraphApiOptions) => GraphApi;
type ListenerName = RequestLogEntry['listener'];

const MAX_LOGIN_BODY = 64 * 1024;
/** What Microsoft Graph sends for JSON (with the charset), and OData-Version: 4.0 beside it. */
const JSON_CONTENT_TYPE = 'application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8';
const ODATA_VERSION = '4.0';

// ---------------------------------------------------------------------------
// Options (validated: they may come from the CLI)

const faultPlanSchema = z.object({
  latencyMs: z.number().int().min(0).max(60_000).optional(),
  throttle: z
    .object({
      everyNth: z.number().int().min(1),
      status: z.union([z.literal(429), z.literal(503), z.literal(504)]),
      // Fractional seconds are allowed: "Microsoft Graph throttling guidance" shows `Retry-After: 2.128`.
      retryAfterSeconds: z.number().min(0).max(3600).optional(),
      limitPercentage: z.number().min(0.8).max(1.8).optional(),
    })
    .optional(),
  resetEveryNth: z.number().int().min(1).optional(),
  truncateEveryNth: z.number().int().min(1).optional(),
  tokenLifetimeSeconds: z.number().int().min(1).max(86_400).optional(),
  failPath: z
    .object({
      pattern: z.instanceof(RegExp),
      status: z.number().int().min(400).max(599),
      times: z.number().int().min(1).optional(),
      skip: z.number().int().min(0).optional(),
      retryAfterSeconds: z.number().min(0).max(3600).optional(),
    })
    .optional(),
  invalidJsonEveryNth: z.number().int().min(1).optional(),
  malformedReportRow: z
    .object({
      row: z.number().int().min(1),
      file: z.instanceof(RegExp).optional(),
      kind: z.enum(['short', 'quote']).optional(),
    })
    .optional(),
  downloadFail: z
    .object({
      status: z.union([z.literal(403), z.literal(404)]),
      times: z.number().int().min(1).optional(),
    })
    .optional(),
  expireTokenAfterUses: z.number().int().min(1).optional(),
  foreignNextLink: z.boolean().optional(),
  downloadThrottle: z
    .object({
      everyNth: z.number().int().min(1),
      status: z.union([z.literal(429), z.literal(503), z.literal(504)]),
      retryAfterSeconds: z.number().min(0).max(3600).optional(),
    })
    .optional(),
});

const optionsSchema = z.object({
  users: z.number().int().min(0).max(10_000_000).default(500),
  seed: z.string().min(1).max(200).default('demo'),
  p1: z.boolean().default(true),
  concealNames: z.boolean().default(false),
  faults: faultPlanSchema.default({}),
  requestLogLimit: z.number().int().min(1).max(10_000_000).default(10_000),
  deviceCodeIntervalSeconds: z.number().int().min(1).max(60).default(5),
});

// ---------------------------------------------------------------------------
// Request log: a ring buffer

class RequestLog {
  private readonly buf: (RequestLogEntry | undefined)[] = [];
  private next = 0;
  private size = 0;
  constructor(private readonly limit: number) {}

  add(entry: RequestLogEntry): void {
    this.buf[this.next] = entry;
    this.next = (this.next + 1) % this.limit;
    this.size = Math.min(this.size + 1, this.limit);
  }

  entries(): RequestLogEntry[] {
    const out: RequestLogEntry[] = [];
    const start = (this.next - this.size + this.limit) % this.limit;
    for (let i = 0; i < this.size; i++) {
      const e = this.buf[(start + i) % this.limit];
      if (e) out.push({ ...e });
    }
    return out;
  }

  clear(): void {
    this.buf.length = 0;
    this.next = 0;
    this.size = 0;
  }
}

/** Query parameters whose values are credentials or one-time codes: the log keeps their names only. */
const SECRET_PARAMS = /^(?:code|client_secret|client_assertion|refresh_token|access_token|id_token|device_code|user_code|password|tempauth|token)$/i;

/**
 * The path and query as logged: a pre-authenticated download link's token (a credential, like
 * reports.office.com's) and the values of credential-like query parameters are replaced.
 */
export function loggedPath(listener: ListenerName, raw: string): string {
  const q = raw.indexOf('?');
  let path = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q + 1);
  if (listener === 'download') path = path.replace(/^(\/data\/download\/).+$/, '$1[redacted]');
  if (!query) return path;
  const parts = query.split('&').map((kv) => {
    const eq = kv.indexOf('=');
    if (eq < 0) return kv;
    let name = kv.slice(0, eq);
    try {
      name = decodeURIComponent(name);
    } catch {
      // keep the raw name
    }
    return SECRET_PARAMS.test(name) ? `${kv.slice(0, eq)}=[redacted]` : kv;
  });
  return `${path}?${parts.join('&')}`;
}

// ---------------------------------------------------------------------------
// Faults

interface FaultState {
  plan: FaultPlan;
  graphRequests: number;
  graphJsonResponses: number;
  downloadRequests: number;
  failPathRemaining: number;
  failPathSkip: number;
  failPattern: RegExp | undefined;
  downloadFailRemaining: number;
  /** Graph requests served per access token (by its hash), for expireTokenAfterUses. */
  tokenUses: Map<string, number>;
}

function faultState(plan: FaultPlan): FaultState {
  const fp = plan.failPath;
  return {
    plan,
    graphRequests: 0,
    graphJsonResponses: 0,
    downloadRequests: 0,
    failPathRemaining: fp?.times ?? Number.POSITIVE_INFINITY,
    failPathSkip: fp?.skip ?? 0,
    downloadFailRemaining: plan.downloadFail?.times ?? Number.POSITIVE_INFINITY,
    tokenUses: new Map(),
    // A stateless copy: /g or /y would make test() depend on the previous call.
    failPattern: fp ? new RegExp(fp.pattern.source, fp.pattern.flags.replace(/[gy]/g, '')) : undefined,
  };
}

const GRAPH_CODES: Record<number, string> = {
  400: 'BadRequest',
  401: 'InvalidAuthenticationToken',
  403: 'Authorization_RequestDenied',
  404: 'Request_ResourceNotFound',
  409: 'Conflict',
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

const GRAPH_MESSAGES: Record<number, string> = {
  429: 'Too many requests. Please retry after the time given in the Retry-After header.',
  503: 'The service is temporarily unavailable. Please retry later.',
  504: 'The gateway timed out while waiting for the service.',
};

// ---------------------------------------------------------------------------
// HTTP helpers

/** Request URL resolved against the listener's own origin (never the Host header). */
function requestUrl(origin: string, req: IncomingMessage): URL | undefined {
  const raw = req.url ?? '';
  if (!raw.startsWith('/')) return undefined;
  try {
    const u = new URL(origin + raw);
    return u.origin === origin ? u : undefined;
  } catch {
    return undefined;
  }
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Request headers for the Graph handlers, without credentials (the handlers get roles, not tokens). */
function handlerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || k === 'authorization' || k === 'cookie' || k === 'proxy-authorization') continue;
    out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function waitDrainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}

function safeFilename(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120);
  return cleaned.length > 0 ? cleaned : 'report.csv';
}

interface WriteContext {
  entry: RequestLogEntry;
  requestId: string;
  clientRequestId: string;
  /** Cut this JSON response off halfway (truncate fault). */
  truncate?: boolean;
  /** Send a body that is not valid JSON (invalidJson fault). */
  invalidJson?: boolean;
  /** The JSON body already encoded (worked out while the added latency ran). */
  encoded?: Buffer;
}

/** What the invalidJson fault sends: JSON-like, but a parser must refuse it (a trailing comma and an unquoted name). */
const INVALID_JSON_BODY = '{"value": [{"id": "00000000-0000-0000-0000-000000000000",}], nextLink: }';

/**
 * A Graph error body carries the response's own ids ("Microsoft Graph error responses and resource
 * types", learn.microsoft.com/graph/errors): innerError.request-id is the request-id header and
 * client-request-id echoes the caller's header, so an operator can quote them to Microsoft support.
 */
function stampInnerError(body: unknown, ctx: WriteContext): unknown {
  if (typeof body !== 'object' || body === null || !('error' in body)) return body;
  const error: unknown = (body as { error: unknown }).error;
  if (typeof error !== 'object' || error === null || !('innerError' in error)) return body;
  const inner: unknown = (error as { innerError: unknown }).innerError;
  if (typeof inner !== 'object' || inner === null) return body;
  return { ...body, error: { ...error, innerError: { ...inner, 'request-id': ctx.requestId, 'client-request-id': ctx.clientRequestId } } };
}

function encodeJson(ctx: WriteContext, body: unknown): Buffer {
  return Buffer.from(ctx.invalidJson ? INVALID_JSON_BODY : JSON.stringify(stampInnerError(body, ctx)), 'utf8');
}

function writeJson(res: ServerResponse, ctx: WriteContext, status: number, body: unknown, extra: Record<string, string> = {}, contentType = JSON_CONTENT_TYPE): void {
  if (status === 204) {
    // No Content (a PATCH): no body and no Content-Type.
    ctx.entry.status = status;
    res.writeHead(204, { ...extra, 'request-id': ctx.requestId, 'client-request-id': ctx.clientRequestId });
    res.end();
    return;
  }
  const buf = ctx.encoded ?? encodeJson(ctx, body);
  ctx.entry.status = status;
  res.writeHead(status, {
    ...extra,
    ...(ctx.entry.listener === 'graph' ? { 'OData-Version': ODATA_VERSION } : {}),
    'Content-Type': contentType,
    'Content-Length': String(buf.length),
    'request-id': ctx.requestId,
    'client-request-id': ctx.clientRequestId,
  });
  if (ctx.truncate) {
    res.write(buf.subarray(0, Math.floor(buf.length / 2)), () => res.destroy());
    return;
  }
  res.end(buf);
}

/** The malformedReportRow fault's line: a single field, or a stray quote inside an unquoted field. */
function malformedLine(kind: 'short' | 'quote' | undefined): string {
  return kind === 'quote' ? 'malformed"row,with a stray quote\r\n' : 'malformed-row-with-one-field\r\n';
}

/**
 * A report's chunks (the header first, then lines of rows) with one malformed line after data row `row`.
 * Lazy, as the report itself: chunks pass through until the row is reached.
 */
export function* withMalformedRow(chunks: Iterable<string>, row: number, kind?: 'short' | 'quote'): Generator<string, void, undefined> {
  let first = true;
  let seen = 0;
  let done = false;
  for (const chunk of chunks) {
    if (first || done) {
      first = false;
      yield chunk;
      continue;
    }
    let at = -1;
    let n = seen;
    for (let i = chunk.indexOf('\n'); i >= 0; i = chunk.indexOf('\n', i + 1)) {
      if (++n === row) {
        at = i + 1;
        break;
      }
    }
    if (at < 0) {
      seen = n;
      yield chunk;
      continue;
    }
    done = true;
    yield chunk.slice(0, at) + malformedLine(kind) + chunk.slice(at);
  }
  // A report shorter than `row`: the malformed line ends it.
  if (!done) yield malformedLine(kind);
}

async function writeResult(res: ServerResponse, ctx: WriteContext, result: HandlerResult): Promise<void> {
  switch (result.kind) {
    case 'json':
      writeJson(res, ctx, result.status, result.body, result.headers ?? {});
      return;
    case 'redirect':
      ctx.entry.status = result.status;
      res.writeHead(result.status, {
        Location: result.location,
        'Content-Length': '0',
        'request-id': ctx.requestId,
        'client-request-id': ctx.clientRequestId,
      });
      res.end();
      return;
    case 'csv': {
      ctx.entry.status = result.status;
      res.writeHead(result.status, {
        'Content-Type': 'application/octet-stream',
        'Content-Disposition': `attachment; filename="${safeFilename(result.filename)}"`,
        'request-id': ctx.requestId,
        'client-request-id': ctx.clientRequestId,
      });
      for (const chunk of result.chunks) {
        if (res.destroyed) return;
        if (!res.write(chunk)) await waitDrainOrClose(res);
      }
      if (!res.destroyed) res.end();
      return;
    }
  }
}

/** Retry-After as the throttle fault gives it: whole or fractional seconds (default 1). */
function retryAfterValue(seconds: number | undefined): string {
  return String(seconds ?? 1);
}

function newContext(entry: RequestLogEntry, req: IncomingMessage): WriteContext {
  const requestId = randomUUID();
  const given = headerValue(req, 'client-request-id');
  return { entry, requestId, clientRequestId: given && /^[A-Za-z0-9-]{1,64}$/.test(given) ? given : requestId };
}

function graphErrorBody(result: HandlerResult): unknown {
  return result.kind === 'json' ? result.body : {};
}

/** The downloadThrottle fault: answers this download request with 429/503/504 and Retry-After when it is due. */
function downloadThrottled(f: FaultState, res: ServerResponse, ctx: WriteContext): boolean {
  const n = ++f.downloadRequests;
  const t = f.plan.downloadThrottle;
  if (!t || n % t.everyNth !== 0) return false;
  const code = GRAPH_CODES[t.status] ?? 'TooManyRequests';
  writeJson(res, ctx, t.status, { error: { code, message: GRAPH_MESSAGES[t.status] ?? code } }, { 'Retry-After': retryAfterValue(t.retryAfterSeconds) });
  return true;
}

// ---------------------------------------------------------------------------

interface Listener {
  server: https.Server;
  origin: string;
}

async function listen(tls: TlsMaterial, handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<Listener> {
  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    handler(req, res).catch(() => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ error: { code: 'InternalServerError', message: 'The demo tenant failed to handle the request.' } }));
      } else {
        res.destroy();
      }
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
  return { server, origin: `https://127.0.0.1:${port}` };
}

function closeListener(l: Listener): Promise<void> {
  return new Promise((resolve) => {
    l.server.close(() => resolve());
    l.server.closeAllConnections();
  });
}

/**
 * Start the demo tenant with a given GraphApi factory. index.ts passes the real one;
 * unit tests of the HTTP layer may pass a small double.
 */
export async function startDemoTenantWith(options: DemoTenantOptions | undefined, graphApiFactory: GraphApiFactory): Promise<DemoTenant> {
  const opts = optionsSchema.parse(options ?? {});
  const [tls, material] = await Promise.all([generateTlsMaterial(), generateIdentityMaterial()]);

  let faults = faultState(opts.faults);
  const log = new RequestLog(opts.requestLogLimit);
  // Assigned before the first request can matter: the listeners' origins are needed to build them.
  let identity: Identity | undefined;
  let graphApi: GraphApi | undefined;
  const origins = { login: '', graph: '', download: '', foreign: '' };

  function startEntry(listener: ListenerName, req: IncomingMessage): RequestLogEntry {
    const entry: RequestLogEntry = {
      listener,
      method: req.method ?? 'GET',
      path: loggedPath(listener, req.url ?? ''),
      hadAuthorization: req.headers.authorization !== undefined,
      status: 0,
    };
    log.add(entry);
    return entry;
  }

  function notReady(res: ServerResponse, ctx: WriteContext): void {
    writeJson(res, ctx, 503, { error: { code: 'ServiceUnavailable', message: 'The demo tenant is starting.' } });
  }

  function unauthorized(res: ServerResponse, ctx: WriteContext, message: string): void {
    const body = graphErrorBody(graphError(401, 'InvalidAuthenticationToken', message, ctx.requestId));
    writeJson(res, ctx, 401, body, {
      'WWW-Authenticate': `Bearer realm="", authorization_uri="${origins.login}/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`,
    });
  }

  const AUTH_MESSAGES: Record<Exclude<AccessTokenCheck, { ok: true }>['reason'], string> = {
    malformed: 'CompactToken parsing failed with error code: 80049217',
    expired: 'Lifetime validation failed, the token is expired.',
    'not-yet-valid': 'Lifetime validation failed, the token is not yet valid.',
    'invalid-audience': 'Access token validation failure. Invalid audience.',
    'invalid-issuer': 'Access token validation failure. Invalid issuer.',
    'invalid-signature': 'Access token validation failure. Invalid signature.',
  };

  async function onLogin(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const entry = startEntry('login', req);
    const ctx = newContext(entry, req);
    const url = requestUrl(origins.login, req);
    const body = await readBody(req, MAX_LOGIN_BODY);
    if (!identity) return notReady(res, ctx);
    if (!url) return writeJson(res, ctx, 400, { error: 'invalid_request', error_description: 'Malformed request target.' }, {}, 'application/json; charset=utf-8');
    if (body === undefined) return writeJson(res, ctx, 413, { error: 'invalid_request', error_description: 'Request body too large.' }, {}, 'application/json; charset=utf-8');
    const out = await identity.handle({
      method: req.method ?? 'GET',
      url,
      contentType: headerValue(req, 'content-type'),
      clientRequestId: headerValue(req, 'client-request-id'),
      body,
      authorization: headerValue(req, 'authorization'),
    });
    if (out.location !== undefined || out.html !== undefined) return writeLoginPage(res, ctx, out);
    writeJson(res, ctx, out.status, out.body, { ...(out.headers ?? {}), 'x-ms-request-id': ctx.requestId }, 'application/json; charset=utf-8');
  }

  /** Sign-in pages and authorize redirects: HTML under a strict CSP, or a bare 302. */
  function writeLoginPage(res: ServerResponse, ctx: WriteContext, out: LoginResponse): void {
    ctx.entry.status = out.status;
    const common = {
      ...(out.headers ?? {}),
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'x-ms-request-id': ctx.requestId,
      'client-request-id': ctx.clientRequestId,
    };
    if (out.location !== undefined) {
      res.writeHead(302, { ...common, Location: out.location, 'Content-Length': '0' });
      res.end();
      return;
    }
    const buf = Buffer.from(out.html ?? '', 'utf8');
    res.writeHead(out.status, {
      ...common,
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(buf.length),
      'Content-Security-Policy': out.csp ?? "default-src 'none'",
    });
    res.end(buf);
  }

  async function onGraph(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const entry = startEntry('graph', req);
    const ctx = newContext(entry, req);
    // POST and PATCH bodies for the app-registration endpoints (graph/app-registrations.ts).
    const method = (req.method ?? 'GET').toUpperCase();
    const requestBody = method === 'POST' || method === 'PATCH' ? await readBody(req, MAX_LOGIN_BODY) : (req.resume(), undefined);
    const f = faults;
    const n = ++f.graphRequests;
    // The added latency stands for Graph's own time (network and service): the answer is worked
    // out while it runs and sent once it is over, never earlier, as a parallel service would.
    const due = performance.now() + (f.plan.latencyMs ?? 0);
    const after = async (write: () => void | Promise<void>): Promise<void> => {
      const left = due - performance.now();
      if (left > 0) await sleep(Math.ceil(left));
      await write();
    };
    if (f.plan.resetEveryNth && n % f.plan.resetEveryNth === 0) {
      return after(() => {
        req.socket.destroy();
      });
    }
    const throttle = f.plan.throttle;
    if (throttle && n % throttle.everyNth === 0) {
      const code = GRAPH_CODES[throttle.status] ?? 'TooManyRequests';
      const body = graphErrorBody(graphError(throttle.status, code, GRAPH_MESSAGES[throttle.status] ?? code, ctx.requestId));
      return after(() => writeJson(res, ctx, throttle.status, body, { 'Retry-After': retryAfterValue(throttle.retryAfterSeconds) }));
    }
    const url = requestUrl(origins.graph, req);
    if (!url) return after(() => writeJson(res, ctx, 400, graphErrorBody(graphError(400, 'BadRequest', 'Malformed request target.', ctx.requestId))));
    if (f.failPattern && f.plan.failPath && f.failPathRemaining > 0 && f.failPattern.test(url.pathname) && f.failPathSkip-- <= 0) {
      f.failPathRemaining--;
      const { status, retryAfterSeconds } = f.plan.failPath;
      const code = GRAPH_CODES[status] ?? 'UnknownError';
      const message = GRAPH_MESSAGES[status] ?? `Injected failure for ${url.pathname}.`;
      const extra: Record<string, string> = retryAfterSeconds !== undefined ? { 'Retry-After': retryAfterValue(retryAfterSeconds) } : {};
      return after(() => writeJson(res, ctx, status, graphErrorBody(graphError(status, code, message, ctx.requestId)), extra));
    }
    if (!identity || !graphApi) return after(() => notReady(res, ctx));

    const auth = headerValue(req, 'authorization');
    if (!auth || auth.trim() === '') return after(() => unauthorized(res, ctx, 'Access token is empty.'));
    const m = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(auth);
    if (!m?.[1]) return after(() => unauthorized(res, ctx, AUTH_MESSAGES.malformed));
    const check = await identity.verifyAccessToken(m[1]);
    if (!check.ok) return after(() => unauthorized(res, ctx, AUTH_MESSAGES[check.reason]));
    if (f.plan.expireTokenAfterUses !== undefined) {
      const key = createHash('sha256').update(m[1]).digest('base64url');
      const uses = (f.tokenUses.get(key) ?? 0) + 1;
      f.tokenUses.set(key, uses);
      if (uses > f.plan.expireTokenAfterUses) return after(() => unauthorized(res, ctx, AUTH_MESSAGES.expired));
    }

    const result = graphApi.handle({
      method: req.method ?? 'GET',
      url,
      roles: check.roles,
      principal: check.principal,
      linkOrigin: f.plan.foreignNextLink ? origins.foreign : origins.graph,
      downloadOrigin: origins.download,
      headers: handlerHeaders(req),
      ...(requestBody !== undefined ? { body: requestBody } : {}),
    });
    if (result.kind === 'json') {
      const j = ++f.graphJsonResponses;
      ctx.truncate = Boolean(f.plan.truncateEveryNth && j % f.plan.truncateEveryNth === 0);
      ctx.invalidJson = Boolean(f.plan.invalidJsonEveryNth && j % f.plan.invalidJsonEveryNth === 0);
    }
    // "Microsoft Graph throttling guidance", identity and access limits: a regular response carries
    // x-ms-throttle-limit-percentage (0.8 to 1.8) once the app has used more than 0.8 of its limit.
    const pct = f.plan.throttle?.limitPercentage;
    const answer: HandlerResult = pct !== undefined && result.kind === 'json' && result.status < 400 ? { ...result, headers: { ...(result.headers ?? {}), 'x-ms-throttle-limit-percentage': String(pct) } } : result;
    if (answer.kind === 'json' && answer.status !== 204) ctx.encoded = encodeJson(ctx, answer.body);
    await after(() => writeResult(res, ctx, answer));
  }

  async function onDownload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const entry = startEntry('download', req);
    const ctx = newContext(entry, req);
    req.resume();
    const f = faults;
    const latency = f.plan.latencyMs;
    if (latency) await sleep(latency);
    if (downloadThrottled(f, res, ctx)) return;
    const url = requestUrl(origins.download, req);
    if (!graphApi) return notReady(res, ctx);
    if (!url) return writeJson(res, ctx, 400, graphErrorBody(graphError(400, 'BadRequest', 'Malformed request target.', ctx.requestId)));
    const fail = f.plan.downloadFail;
    if (fail && f.downloadFailRemaining > 0) {
      f.downloadFailRemaining--;
      const body = fail.status === 404 ? { error: { code: 'NotFound', message: 'The requested report was not found.' } } : { error: { code: 'AccessDenied', message: 'The download link is invalid.' } };
      return writeJson(res, ctx, fail.status, body);
    }
    const result = graphApi.handleDownload(url);
    const bad = f.plan.malformedReportRow;
    if (bad && result.kind === 'csv' && (!bad.file || bad.file.test(result.filename))) {
      const chunks = result.chunks;
      return writeResult(res, ctx, { ...result, chunks: { [Symbol.iterator]: () => withMalformedRow(chunks, bad.row, bad.kind) } });
    }
    await writeResult(res, ctx, result);
  }

  async function onForeign(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const entry = startEntry('foreign', req);
    const ctx = newContext(entry, req);
    req.resume();
    writeJson(res, ctx, 200, { value: [] });
  }

  const listeners: Listener[] = [];
  try {
    for (const h of [onLogin, onGraph, onDownload, onForeign]) listeners.push(await listen(tls, h));
  } catch (e) {
    await Promise.all(listeners.map(closeListener));
    throw e;
  }
  const [loginL, graphL, downloadL, foreignL] = listeners as [Listener, Listener, Listener, Listener];
  origins.login = loginL.origin;
  origins.graph = graphL.origin;
  origins.download = downloadL.origin;
  origins.foreign = foreignL.origin;

  const tenantId = tenantIdFor(opts.seed);
  const domain = domainFor(opts.seed);
  try {
    // The Graph side first: its directory supplies the sign-in users (identity.ts, users.ts).
    const api = graphApiFactory({ seed: opts.seed, users: opts.users, p1: opts.p1, concealNames: opts.concealNames, tenantId, domain });
    const directoryUser = api.directoryUser?.bind(api);
    identity = createIdentity(material, {
      seed: opts.seed,
      loginOrigin: origins.login,
      graphOrigin: origins.graph,
      tokenLifetimeSeconds: () => faults.plan.tokenLifetimeSeconds ?? 3600,
      deviceCodeIntervalSeconds: opts.deviceCodeIntervalSeconds,
      ...(directoryUser ? { directory: { userCount: api.userCount, user: directoryUser } } : {}),
      ...(api.registrations ? { registrations: api.registrations } : {}),
    });
    graphApi = api;
  } catch (e) {
    await Promise.all(listeners.map(closeListener));
    throw e;
  }
  const ready = identity;
  const api = graphApi;

  let closed: Promise<void> | undefined;
  return {
    tenantId,
    domain,
    loginUrl: origins.login,
    graphUrl: origins.graph,
    downloadUrl: origins.download,
    foreignUrl: origins.foreign,
    caPem: tls.caPem,
    apps: ready.apps,
    publicApps: ready.publicApps,
    signInUsers: ready.signInUsers,
    setUserMfa: (user, required) => ready.setUserMfa(user, required),
    userCount: api.userCount,
    setFaults(plan: FaultPlan): void {
      faults = faultState(faultPlanSchema.parse(plan));
    },
    registerCertificate: (app, certificatePem) => ready.registerCertificate(app, certificatePem),
    requestLog: () => log.entries(),
    clearRequestLog: () => log.clear(),
    close(): Promise<void> {
      closed ??= Promise.all(listeners.map(closeListener)).then(() => undefined);
      return closed;
    },
  };
}
