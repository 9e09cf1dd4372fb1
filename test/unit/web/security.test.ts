import { describe, expect, it } from 'vitest';
import { OP_NAMES } from '../../../src-main/shared/contract';
import {
  CSP,
  SECURITY_HEADERS,
  TOKEN_HEADER,
  apiBodySchema,
  bodyLengthAllowed,
  decide,
  downloadAllowed,
  hostAllowed,
  newSessionToken,
  opForPath,
  originAllowed,
  parseJsonBody,
  staticFileFor,
  tokenMatches,
} from '../../../src-main/web/security';

const port = 43117;
const token = 'tok_' + 'a'.repeat(40);
const session = { port, token };
const own = `http://127.0.0.1:${port}`;
const api = (headers: Record<string, string | string[] | undefined>, url = '/api/profiles.list', method = 'POST') =>
  decide({ method, url, headers: { host: `127.0.0.1:${port}`, origin: own, 'content-type': 'application/json', [TOKEN_HEADER]: token, ...headers } }, session);

describe('browser mode: Host check (DNS rebinding)', () => {
  it.each([
    [`127.0.0.1:${port}`, true],
    [`localhost:${port}`, true],
    [`127.0.0.1:${port + 1}`, false],
    ['127.0.0.1', false],
    [`evil.example:${port}`, false],
    [`127.0.0.1.nip.io:${port}`, false],
    [`localhost.evil.example:${port}`, false],
    [`[::1]:${port}`, false],
    [`0.0.0.0:${port}`, false],
    [`LOCALHOST:${port}x`, false],
    ['', false],
    [undefined, false],
  ])('host %s -> %s', (host, ok) => {
    expect(hostAllowed(host, port)).toBe(ok);
  });

  it('refuses an API call with a foreign Host even with the right token and origin', () => {
    expect(api({ host: `rebind.attacker.example:${port}` })).toMatchObject({ ok: false, status: 421 });
  });
  it('refuses the page itself under a foreign Host', () => {
    expect(decide({ method: 'GET', url: '/', headers: { host: `attacker.example:${port}` } }, session)).toMatchObject({ ok: false, status: 421 });
  });
  it('refuses a repeated Host header', () => {
    expect(api({ host: [`127.0.0.1:${port}`, `127.0.0.1:${port}`] })).toMatchObject({ ok: false });
  });
});

describe('browser mode: Origin check (cross-site requests)', () => {
  it.each([
    [own, 'POST', true],
    [`http://localhost:${port}`, 'POST', true],
    [undefined, 'POST', false],
    [undefined, 'GET', true],
    ['null', 'POST', false],
    ['null', 'GET', false],
    ['https://evil.example', 'POST', false],
    ['https://evil.example', 'GET', false],
    [`https://127.0.0.1:${port}`, 'POST', false],
    [`http://127.0.0.1:${port + 1}`, 'POST', false],
    [`http://127.0.0.1:${port}.evil.example`, 'POST', false],
  ])('origin %s with %s -> %s', (origin, method, ok) => {
    expect(originAllowed(origin, port, method)).toBe(ok);
  });

  it('refuses an API call from a foreign origin', () => {
    expect(api({ origin: 'https://evil.example' })).toMatchObject({ ok: false, status: 403 });
  });
  it('refuses a cross-site fetch by its fetch metadata', () => {
    expect(api({ 'sec-fetch-site': 'cross-site' })).toMatchObject({ ok: false, status: 403 });
    expect(api({ 'sec-fetch-site': 'same-site' })).toMatchObject({ ok: false, status: 403 });
    expect(api({ 'sec-fetch-site': 'same-origin' })).toMatchObject({ ok: true });
  });
});

describe('browser mode: session token', () => {
  it('is long and random', () => {
    const a = newSessionToken();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newSessionToken()).not.toBe(a);
  });
  it.each([
    [token, true],
    [token + 'x', false],
    [token.slice(0, -1), false],
    [token.toUpperCase(), false],
    ['', false],
    [undefined, false],
  ])('presented %s -> %s (constant-time compare of digests)', (presented, ok) => {
    expect(tokenMatches(presented, token)).toBe(ok);
  });
  it('refuses a missing token', () => {
    expect(api({ [TOKEN_HEADER]: undefined })).toMatchObject({ ok: false, status: 401 });
  });
  it('refuses a wrong token', () => {
    expect(api({ [TOKEN_HEADER]: 'wrong' })).toMatchObject({ ok: false, status: 401 });
  });
  it('refuses the token in a query string, even alongside the right header', () => {
    expect(api({ [TOKEN_HEADER]: undefined }, `/api/profiles.list?token=${token}`)).toMatchObject({ ok: false, status: 400 });
    expect(api({}, `/api/profiles.list?token=${token}`)).toMatchObject({ ok: false, status: 400 });
    expect(api({}, '/events?x=1', 'GET')).toMatchObject({ ok: false, status: 400 });
  });
  it('refuses a token sent as a cookie only', () => {
    expect(api({ [TOKEN_HEADER]: undefined, cookie: `token=${token}` })).toMatchObject({ ok: false, status: 401 });
  });
  it('guards the event stream, the session info and downloads', () => {
    for (const [url, method] of [['/events', 'GET'], ['/session', 'GET'], ['/download', 'POST']] as const) {
      expect(api({ [TOKEN_HEADER]: undefined }, url, method)).toMatchObject({ ok: false, status: 401 });
      expect(api({}, url, method)).toMatchObject({ ok: true });
    }
  });
  it('serves the page without the token (it is in the fragment, which the browser never sends)', () => {
    expect(decide({ method: 'GET', url: '/', headers: { host: `localhost:${port}` } }, session)).toEqual({ ok: true, route: { kind: 'static', path: '/' } });
  });
});

describe('browser mode: routes and bodies', () => {
  it('derives one route per contract operation', () => {
    for (const op of OP_NAMES) expect(opForPath(`/api/${op}`)).toBe(op);
    expect(api({})).toEqual({ ok: true, route: { kind: 'api', op: 'profiles.list' } });
  });
  it.each(['/api/nope', '/api/profiles', '/api/profiles.list/', '/api/__proto__', '/api/constructor', '/api/profiles.list%00'])('unknown op %s -> 404', (url) => {
    expect(api({}, url)).toMatchObject({ ok: false, status: 404 });
  });
  it('accepts only POST with a JSON body on the API', () => {
    expect(api({}, '/api/profiles.list', 'GET')).toMatchObject({ ok: false, status: 405 });
    expect(api({ 'content-type': 'text/plain' })).toMatchObject({ ok: false, status: 415 });
    expect(api({ 'content-type': 'application/x-www-form-urlencoded' })).toMatchObject({ ok: false, status: 415 });
  });
  it('refuses an oversize body by its declared length and by what arrives', () => {
    expect(bodyLengthAllowed('100', 1024)).toBe(true);
    expect(bodyLengthAllowed('1025', 1024)).toBe(false);
    expect(bodyLengthAllowed('-1', 1024)).toBe(false);
    expect(bodyLengthAllowed('1e9', 1024)).toBe(false);
    expect(parseJsonBody(Buffer.alloc(2048, 0x20), apiBodySchema, 1024)).toEqual({ ok: false, reason: 'body too large' });
  });
  it.each([
    ['{"profile":"x"}', true],
    ['', true],
    ['[1,2]', false],
    ['"str"', false],
    ['null', false],
    ['{bad json', false],
  ])('body %s -> %s', (raw, ok) => {
    expect(parseJsonBody(Buffer.from(raw), apiBodySchema).ok).toBe(ok);
  });
  it('serves only files the build wrote, never a path the client composed', () => {
    const files = new Set(['index.html', 'assets/index-abc.js']);
    expect(staticFileFor('/', files)).toBe('index.html');
    expect(staticFileFor('/assets/index-abc.js', files)).toBe('assets/index-abc.js');
    for (const p of ['/../package.json', '/assets/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets%2findex-abc.js%00', '/%E0%A4%A']) {
      expect(staticFileFor(p, files)).toBeUndefined();
    }
  });
  it('downloads only files an export of this session wrote', () => {
    const written = new Set(['/data/exports/sku-summary.csv']);
    expect(downloadAllowed('/data/exports/sku-summary.csv', written)).toBe(true);
    expect(downloadAllowed('/data/profiles.json', written)).toBe(false);
    expect(downloadAllowed('/data/exports/../profiles.json', written)).toBe(false);
  });
});

describe('browser mode: response headers', () => {
  it('carry the desktop CSP, nosniff and no-referrer, and no CORS header', () => {
    expect(CSP).toContain("default-src 'self'");
    expect(CSP).toContain("script-src 'self'");
    expect(CSP).toContain("object-src 'none'");
    expect(CSP).toContain("base-uri 'none'");
    expect(CSP).toContain("frame-ancestors 'none'");
    expect(CSP).toContain("connect-src 'self'");
    expect(CSP).not.toContain('unsafe');
    expect(SECURITY_HEADERS['X-Content-Type-Options']).toBe('nosniff');
    expect(SECURITY_HEADERS['Referrer-Policy']).toBe('no-referrer');
    expect(Object.keys(SECURITY_HEADERS).filter((h) => h.toLowerCase().startsWith('access-control'))).toEqual([]);
  });
});
