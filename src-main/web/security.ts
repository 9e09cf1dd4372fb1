import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { OP_NAMES, type OpName } from '../shared/contract';

/**
 * Browser mode's protection, as pure functions: the HTTP server (server.ts) only asks these
 * what to do with a request. The page is served on 127.0.0.1; what keeps other local
 * processes' pages and DNS-rebinding sites out is, together:
 * - the Host check: only `127.0.0.1:<port>` and `localhost:<port>` (a rebinding name fails it);
 * - the Origin check: a browser names the page that sent a request; only ours may call;
 * - the session token: random, delivered in the URL fragment (never sent to a server, never
 *   in a log or a Referer), and sent back in a header on every API call. Never a cookie
 *   (a cookie rides along with cross-site requests) and never a query string (logs, history).
 * No CORS header is ever sent, so no other origin can read a response.
 */

export const TOKEN_HEADER = 'x-session-token';
/** The JSON body of one API call. */
export const MAX_BODY_BYTES = 256 * 1024;

export const CSP = "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; connect-src 'self'; form-action 'none'";

/** Headers every response carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** A fresh session token: 256 random bits, URL-safe. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Compares a presented token with the session's in constant time (both are hashed to equal length first). */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || expected.length === 0) return false;
  const a = createHash('sha256').update(presented, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The hosts a page of ours is addressed by. Anything else is a rebinding name or a proxy's. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (typeof host !== 'string') return false;
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

export function allowedOrigins(port: number): string[] {
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`];
}

/**
 * The Origin check. A browser sends Origin with every POST (same-origin included), so an
 * API call must carry ours. A GET may come without one (a same-origin fetch, or the operator
 * opening the URL), but a foreign one is refused; so is a `null` origin (sandboxed frames, file:).
 */
export function originAllowed(origin: string | undefined, port: number, method: string): boolean {
  if (origin === undefined) return method === 'GET' || method === 'HEAD';
  return allowedOrigins(port).includes(origin);
}

/** Fetch metadata, where the browser sends it: only our own pages and direct navigations. */
export function fetchSiteAllowed(secFetchSite: string | undefined): boolean {
  return secFetchSite === undefined || secFetchSite === 'same-origin' || secFetchSite === 'none';
}

const ROUTES = new Map<string, OpName>(OP_NAMES.map((op) => [`/api/${op}`, op]));

/** The operation a path names, derived from the contract's names (never written here). */
export function opForPath(path: string): OpName | undefined {
  return ROUTES.get(path);
}

export type RouteKind =
  | { kind: 'api'; op: OpName }
  | { kind: 'events' }
  | { kind: 'session' }
  | { kind: 'download' }
  | { kind: 'static'; path: string };

export interface RequestFacts {
  method: string;
  /** The request target as sent (path and perhaps a query). */
  url: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export type Decision = { ok: true; route: RouteKind } | { ok: false; status: number; reason: string };

function header(h: RequestFacts['headers'], name: string): string | undefined {
  const v = h[name];
  if (Array.isArray(v)) return v.length === 1 ? v[0] : undefined; // a repeated security header is refused
  return v;
}

const refuse = (status: number, reason: string): Decision => ({ ok: false, status, reason });

/**
 * Decide one request: which route it is, or why it is refused. Static files need only the
 * Host and Origin checks (the page must load before it knows the token); everything under
 * /api, the event stream, the session info and downloads need the token as well.
 */
export function decide(req: RequestFacts, session: { port: number; token: string }): Decision {
  if (!hostAllowed(header(req.headers, 'host'), session.port)) return refuse(421, 'host not allowed');
  if (!originAllowed(header(req.headers, 'origin'), session.port, req.method)) return refuse(403, 'origin not allowed');
  if (!fetchSiteAllowed(header(req.headers, 'sec-fetch-site'))) return refuse(403, 'cross-site request');
  const q = req.url.indexOf('?');
  const path = q === -1 ? req.url : req.url.slice(0, q);
  const query = q === -1 ? '' : req.url.slice(q + 1);
  if (!path.startsWith('/')) return refuse(400, 'bad request target');

  const guarded = path.startsWith('/api/') || path === '/events' || path === '/session' || path === '/download';
  if (!guarded) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, 'method not allowed');
    return { ok: true, route: { kind: 'static', path } };
  }
  // The token travels in a header only; a query string on a guarded route is refused outright.
  if (query.length > 0) return refuse(400, 'query strings are not accepted');
  if (!tokenMatches(header(req.headers, TOKEN_HEADER), session.token)) return refuse(401, 'missing or wrong session token');

  if (path === '/events' || path === '/session') {
    if (req.method !== 'GET') return refuse(405, 'method not allowed');
    return { ok: true, route: { kind: path === '/events' ? 'events' : 'session' } };
  }
  if (req.method !== 'POST') return refuse(405, 'method not allowed');
  if (!/^application\/json(;|$)/i.test(header(req.headers, 'content-type') ?? '')) return refuse(415, 'JSON bodies only');
  if (path === '/download') return { ok: true, route: { kind: 'download' } };
  const op = opForPath(path);
  if (!op) return refuse(404, 'unknown operation');
  return { ok: true, route: { kind: 'api', op } };
}

/** Declared length over the cap is refused before reading; the reader also counts. */
export function bodyLengthAllowed(contentLength: string | undefined, cap: number = MAX_BODY_BYTES): boolean {
  if (contentLength === undefined) return true;
  if (!/^\d+$/.test(contentLength)) return false;
  return Number(contentLength) <= cap;
}

/** The body of an API call: a JSON object (the dispatcher parses its fields with the operation's schema). */
export const apiBodySchema = z.record(z.string(), z.unknown());
export const downloadBodySchema = z.object({ path: z.string().min(1).max(4096) }).strict();

export type BodyParse<T> = { ok: true; value: T } | { ok: false; reason: string };

export function parseJsonBody<T>(raw: Buffer, schema: z.ZodType<T>, cap: number = MAX_BODY_BYTES): BodyParse<T> {
  if (raw.length > cap) return { ok: false, reason: 'body too large' };
  let json: unknown;
  try {
    json = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, reason: 'body is not a JSON object of the expected shape' };
}

/**
 * Static files: a path maps to a file of the built renderer only when it is in the list of
 * files the build wrote (no path arithmetic on what the client sent). `/` is index.html.
 */
export function staticFileFor(path: string, files: ReadonlySet<string>): string | undefined {
  let p: string;
  try {
    p = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (p === '/' || p === '/index.html') return 'index.html';
  const rel = p.slice(1);
  return files.has(rel) ? rel : undefined;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export function contentTypeFor(file: string): string {
  const dot = file.lastIndexOf('.');
  return TYPES[dot === -1 ? '' : file.slice(dot)] ?? 'application/octet-stream';
}

/** A download is served only for a file an export of this process wrote. */
export function downloadAllowed(path: string, written: ReadonlySet<string>): boolean {
  return written.has(path);
}
