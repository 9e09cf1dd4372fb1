/**
 * Where the demo tenant's Graph must behave like Microsoft Graph, each case names the page it follows:
 * - $select, $count, paging: learn.microsoft.com/graph/api/user-list, /graph/query-parameters,
 *   /graph/aad-advanced-queries ("Error handling for advanced queries"), /graph/paging;
 * - signInActivity filters: learn.microsoft.com/graph/api/resources/user (signInActivity: "Supports
 *   $filter (eq, ne, not, ge, le) but not with any other filterable properties") and "List users"
 *   (maximum page size 500 with $select=signInActivity or $filter=signInActivity);
 * - writes: 403 Authorization_RequestDenied without a write permission (learn.microsoft.com/graph/errors);
 * - error bodies and headers: learn.microsoft.com/graph/errors (innerError request-id, client-request-id),
 *   /graph/throttling (Retry-After, fractional in its example, and x-ms-throttle-limit-percentage).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createGraphApi, type DemoGraphApi, type HandlerResult } from '../../../src-main/core/demo-tenant/graph';
import { parseSignInFilter } from '../../../src-main/core/demo-tenant/graph/sign-in-filter';
import { startDemoTenant, type DemoTenant } from '../../../src-main/core/demo-tenant/index';
import { loggedPath } from '../../../src-main/core/demo-tenant/server';
import { caFetch, form, type CaFetch } from '../../helpers/demo-fetch';

const GRAPH = 'https://127.0.0.1:4431';
const READER = ['User.Read.All', 'AuditLog.Read.All', 'GroupMember.Read.All', 'LicenseAssignment.Read.All', 'ReportSettings.Read.All', 'Reports.Read.All'];

function api(users = 700): DemoGraphApi {
  return createGraphApi({ seed: 'fidelity', users, p1: true, concealNames: false, tenantId: '3f2c9a1e-7b4d-4c8e-9a61-0d5e2b7f4c10', domain: 'contoso-fidelity.onmicrosoft.com' });
}

function get(a: DemoGraphApi, path: string, opts: { roles?: readonly string[]; headers?: Record<string, string>; method?: string } = {}): HandlerResult {
  return a.handle({
    method: opts.method ?? 'GET',
    url: new URL(path, GRAPH),
    roles: new Set(opts.roles ?? READER),
    linkOrigin: GRAPH,
    downloadOrigin: 'https://127.0.0.1:4432',
    ...(opts.headers ? { headers: opts.headers } : {}),
  });
}

interface Page {
  value: Record<string, unknown>[];
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
}

function ok(r: HandlerResult): Page {
  if (r.kind !== 'json' || r.status !== 200) throw new Error(`expected 200 JSON, got ${JSON.stringify(r)}`);
  return r.body as Page;
}

function errorOf(r: HandlerResult): { status: number; code: string; message: string } {
  if (r.kind !== 'json') throw new Error(`expected JSON, got ${r.kind}`);
  const b = r.body as { error: { code: string; message: string } };
  return { status: r.status, code: b.error.code, message: b.error.message };
}

function walk(a: DemoGraphApi, first: string, headers?: Record<string, string>): Page[] {
  const pages: Page[] = [];
  let next: string | undefined = first;
  while (next) {
    const p = ok(get(a, next, headers ? { headers } : {}));
    pages.push(p);
    next = p['@odata.nextLink'];
    if (pages.length > 1000) throw new Error('runaway paging');
  }
  return pages;
}

const EVENTUAL = { ConsistencyLevel: 'eventual' };

describe('$select and $count', () => {
  const a = api();

  it('$select returns exactly the selected properties: no id unless asked', () => {
    const p = ok(get(a, '/v1.0/users?$select=userPrincipalName,displayName&$top=3'));
    for (const u of p.value) expect(Object.keys(u).sort()).toEqual(['displayName', 'userPrincipalName']);
    const g = ok(get(a, '/v1.0/groups?$select=displayName&$top=3'));
    for (const x of g.value) expect(Object.keys(x)).toEqual(['displayName']);
  });

  it('@odata.count is on the first page only, and the nextLinks keep $count=true', () => {
    const pages = walk(a, '/v1.0/users?$select=id&$top=300&$count=true', EVENTUAL);
    expect(pages.map((p) => p['@odata.count'])).toEqual([700, undefined, undefined]);
    expect(new URL(pages[0]?.['@odata.nextLink'] ?? '').searchParams.get('$count')).toBe('true');
    expect(pages.flatMap((p) => p.value)).toHaveLength(700);
  });

  it('$count=true without ConsistencyLevel is ignored silently: 200, every page, no count', () => {
    const pages = walk(a, '/v1.0/users?$select=id&$top=300&$count=true');
    expect(pages.map((p) => p['@odata.count'])).toEqual([undefined, undefined, undefined]);
    expect(pages.flatMap((p) => p.value)).toHaveLength(700);
  });

  it('the licensed-groups filter is an advanced query: it needs the header and $count=true', () => {
    const f = encodeURIComponent('assignedLicenses/$count ne 0');
    expect(errorOf(get(a, `/v1.0/groups?$filter=${f}`, { headers: EVENTUAL }))).toMatchObject({ status: 400, code: 'Request_UnsupportedQuery' });
    expect(errorOf(get(a, `/v1.0/groups?$filter=${f}&$count=true`))).toMatchObject({ status: 400, code: 'Request_UnsupportedQuery' });
    const pages = walk(a, `/v1.0/groups?$filter=${f}&$count=true&$top=1&$select=id`, EVENTUAL);
    const licensed = a.data.groups.filter((g) => g.assignedLicenses.length > 0).length;
    expect(pages.flatMap((p) => p.value)).toHaveLength(licensed);
    expect(pages[0]?.['@odata.count']).toBe(licensed);
    expect(pages.slice(1).every((p) => p['@odata.count'] === undefined)).toBe(true);
  });
});

describe('writes', () => {
  const a = api(20);
  const WRITER = [...READER, 'Directory.ReadWrite.All'];
  const someId = (): string => a.data.user(3).id;

  it.each([
    ['POST', '/v1.0/users'],
    ['PATCH', '/v1.0/users/{id}'],
    ['DELETE', '/v1.0/users/{id}'],
    ['POST', '/v1.0/groups'],
    ['PATCH', '/v1.0/admin/reportSettings'],
  ])('%s %s without a write permission answers 403 Authorization_RequestDenied', (method, path) => {
    expect(errorOf(get(a, path.replace('{id}', someId()), { method }))).toEqual({
      status: 403,
      code: 'Authorization_RequestDenied',
      message: 'Insufficient privileges to complete the operation.',
    });
  });

  it.each([
    ['POST', '/v1.0/subscribedSkus'],
    ['DELETE', '/v1.0/subscribedSkus'],
    ['PUT', '/v1.0/users/{id}'],
    ['POST', "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')"],
  ])('%s %s, which Graph does not have, answers 405', (method, path) => {
    expect(errorOf(get(a, path.replace('{id}', someId()), { method, roles: WRITER }))).toMatchObject({ status: 405, code: 'Request_BadRequest' });
  });

  it('a write the token allows is not pretended: 501, and nothing changes', () => {
    const before = ok(get(a, '/v1.0/users?$select=id,accountEnabled&$top=20'));
    expect(errorOf(get(a, `/v1.0/users/${someId()}`, { method: 'PATCH', roles: WRITER }))).toMatchObject({ status: 501, code: 'NotImplemented' });
    expect(ok(get(a, '/v1.0/users?$select=id,accountEnabled&$top=20'))).toEqual(before);
  });

  it('GET /users/{id} answers the user with $select, and 404 for an unknown id', () => {
    const u = a.data.user(3);
    const r = get(a, `/v1.0/users/${u.id}?$select=id,userPrincipalName`);
    if (r.kind !== 'json') throw new Error('expected JSON');
    expect(r.body).toMatchObject({ id: u.id, userPrincipalName: u.userPrincipalName });
    expect(errorOf(get(a, '/v1.0/users/00000000-0000-0000-0000-000000000001'))).toMatchObject({ status: 404, code: 'Request_ResourceNotFound' });
  });
});

describe('signInActivity $filter', () => {
  const a = api(1300);
  const all = Array.from({ length: a.data.userCount }, (_, i) => a.data.user(i));
  const dated = all.filter((u) => u.signInActivity.lastSignInDateTime !== null);
  const times = dated.map((u) => Date.parse(u.signInActivity.lastSignInDateTime ?? '')).sort((x, y) => x - y);
  const mid = new Date(times[Math.floor(times.length / 2)] ?? 0).toISOString().replace(/\.000Z$/, 'Z');
  const q = (f: string, extra = '$select=id,signInActivity&$top=999'): string => `/v1.0/users?$filter=${encodeURIComponent(f)}&${extra}`;
  const idsOf = (pages: Page[]): string[] => pages.flatMap((p) => p.value.map((u) => String(u['id'])));

  it('has users with and without sign-in dates to test against', () => {
    expect(dated.length).toBeGreaterThan(100);
    expect(dated.length).toBeLessThan(all.length);
  });

  it.each(['lastSignInDateTime', 'lastNonInteractiveSignInDateTime', 'lastSuccessfulSignInDateTime'] as const)(
    'ge and le on %s split the users with a value; the boundary user is in both; nobody else is missing',
    (prop) => {
      const ge = idsOf(walk(a, q(`signInActivity/${prop} ge ${mid}`)));
      const le = idsOf(walk(a, q(`signInActivity/${prop} le ${mid}`)));
      const withValue = all.filter((u) => u.signInActivity[prop] !== null).map((u) => u.id);
      const expectedGe = all.filter((u) => u.signInActivity[prop] !== null && Date.parse(u.signInActivity[prop] ?? '') >= Date.parse(mid)).map((u) => u.id);
      expect(ge).toEqual(expectedGe);
      expect(new Set([...ge, ...le])).toEqual(new Set(withValue));
      for (const id of [...ge, ...le]) expect(withValue).toContain(id);
    },
  );

  it('eq, ne and not(...) follow OData: a user without a value matches ne and not(ge), never eq/ge/le', () => {
    const user = dated[0]!;
    const at = user.signInActivity.lastSignInDateTime ?? '';
    const eq = idsOf(walk(a, q(`signInActivity/lastSignInDateTime eq ${at}`)));
    expect(eq).toContain(user.id);
    const ne = idsOf(walk(a, q(`signInActivity/lastSignInDateTime ne ${at}`)));
    expect(ne).not.toContain(user.id);
    expect(ne.length + eq.length).toBe(all.length);
    const notGe = idsOf(walk(a, q(`not(signInActivity/lastSignInDateTime ge ${mid})`)));
    const ge = idsOf(walk(a, q(`signInActivity/lastSignInDateTime ge ${mid}`)));
    expect(notGe.length + ge.length).toBe(all.length);
  });

  it('a range is two clauses joined by and, and pages carry the filter', () => {
    const lo = new Date(times[10] ?? 0).toISOString();
    const pages = walk(a, q(`signInActivity/lastSignInDateTime ge ${lo} and signInActivity/lastSignInDateTime le ${mid}`, '$select=id&$top=50'));
    expect(pages.length).toBeGreaterThan(1);
    for (const p of pages.slice(0, -1)) expect(new URL(p['@odata.nextLink'] ?? '').searchParams.get('$filter')).toContain('signInActivity/lastSignInDateTime ge');
    const expected = all
      .filter((u) => {
        const v = u.signInActivity.lastSignInDateTime;
        return v !== null && Date.parse(v) >= Date.parse(lo) && Date.parse(v) <= Date.parse(mid);
      })
      .map((u) => u.id);
    expect(idsOf(pages)).toEqual(expected);
  });

  it('a filter alone caps pages at 500 and needs AuditLog.Read.All', () => {
    const pages = walk(a, q(`signInActivity/lastSignInDateTime le 2999-01-01T00:00:00Z`, '$select=id&$top=999'));
    expect(pages.every((p) => p.value.length <= 500)).toBe(true);
    expect(pages[0]?.value).toHaveLength(500);
    expect(errorOf(get(a, q(`signInActivity/lastSignInDateTime le ${mid}`, '$select=id'), { roles: ['User.Read.All'] })).status).toBe(403);
  });

  it.each([
    [`signInActivity/lastSignInDateTime gt ${'2024-01-01T00:00:00Z'}`, 'gt is not documented'],
    [`signInActivity/lastSignInDateTime lt 2024-01-01T00:00:00Z`, 'lt is not documented'],
    [`signInActivity/lastSignInDateTime ge 2024-01-01T00:00:00Z and accountEnabled eq true`, 'combined with another property'],
    [`accountEnabled eq true and signInActivity/lastSignInDateTime ge 2024-01-01T00:00:00Z`, 'another property first'],
    [`signInActivity/lastSignInDateTime ge 2024-01-01T00:00:00Z or signInActivity/lastSignInDateTime le 2023-01-01T00:00:00Z`, 'or'],
    [`signInActivity/lastSignInDateTime eq null`, 'null literal'],
    [`signInActivity/lastSignInDateTime ge '2024-01-01'`, 'a string literal'],
    [`signInActivity/lastSignInRequestId eq 'abc'`, 'a non-date property'],
    [`startsWith(signInActivity/lastSignInDateTime,'2024')`, 'a function'],
    [`signInActivity/lastSignInDateTime ge 2024-01-01T00:00:00Z)`, 'unbalanced'],
  ])('rejects %s (%s) with 400 Request_UnsupportedQuery', (f) => {
    expect(errorOf(get(a, q(f)))).toMatchObject({ status: 400, code: 'Request_UnsupportedQuery' });
  });

  it('parses case-insensitively and leaves filters without signInActivity to the caller', () => {
    expect(parseSignInFilter('SIGNINACTIVITY/LASTSIGNINDATETIME GE 2024-01-01T00:00:00Z').ok).toBe(true);
    expect(parseSignInFilter('accountEnabled eq true').ok).toBe('other');
  });
});

describe('request log paths', () => {
  it.each([
    ['graph', '/v1.0/users?$top=5&$skiptoken=abc', '/v1.0/users?$top=5&$skiptoken=abc'],
    ['download', '/data/download/eyJhbGciOi.sig', '/data/download/[redacted]'],
    ['login', '/common/oauth2/v2.0/authorize?client_id=x&code=SplxlOBeZQQYbYS6WxSbIA&state=s', '/common/oauth2/v2.0/authorize?client_id=x&code=[redacted]&state=s'],
    ['login', '/t/oauth2/v2.0/token?client_secret=abc~def&refresh%5Ftoken=r', '/t/oauth2/v2.0/token?client_secret=[redacted]&refresh%5Ftoken=[redacted]'],
    ['foreign', '/x?access_token=eyJ', '/x?access_token=[redacted]'],
  ] as const)('%s %s is logged as %s', (listener, raw, logged) => {
    expect(loggedPath(listener, raw)).toBe(logged);
  });
});

describe('over HTTPS: headers and error bodies', () => {
  let t: DemoTenant;
  let http: CaFetch;
  let token: string;

  beforeAll(async () => {
    t = await startDemoTenant({ users: 30, seed: 'fidelity-http' });
    http = caFetch(t.caPem);
    const r = await http.fetch(
      `${t.loginUrl}/${t.tenantId}/oauth2/v2.0/token`,
      form({ grant_type: 'client_credentials', client_id: t.apps.reader.clientId, client_secret: t.apps.reader.secret, scope: `${t.graphUrl}/.default` }),
    );
    token = z.object({ access_token: z.string() }).parse(await r.json()).access_token;
  });

  afterAll(async () => {
    await http?.close();
    await t?.close();
  });

  const errorSchema = z.object({
    error: z.object({ code: z.string(), message: z.string(), innerError: z.object({ date: z.string(), 'request-id': z.string(), 'client-request-id': z.string() }) }),
  });

  it('a 4xx body carries the response request-id, and the caller client-request-id when sent', async () => {
    const mine = 'a5c2f1e0-1111-4222-8333-944445555666';
    const res = await http.fetch(`${t.graphUrl}/v1.0/users?$select=nope`, { headers: { authorization: `Bearer ${token}`, 'client-request-id': mine } });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/charset=utf-8/);
    expect(res.headers.get('odata-version')).toBe('4.0');
    const body = errorSchema.parse(await res.json());
    expect(body.error.innerError['request-id']).toBe(res.headers.get('request-id'));
    expect(body.error.innerError['request-id']).not.toBe('00000000-0000-0000-0000-000000000000');
    expect(body.error.innerError['client-request-id']).toBe(mine);
    expect(res.headers.get('client-request-id')).toBe(mine);
    expect(body.error.innerError.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it('without a client-request-id, the 403 of a write names its own request-id twice', async () => {
    const res = await http.fetch(`${t.graphUrl}/v1.0/users`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(403);
    const body = errorSchema.parse(await res.json());
    expect(body.error.code).toBe('Authorization_RequestDenied');
    expect(body.error.innerError['request-id']).toBe(res.headers.get('request-id'));
    expect(body.error.innerError['client-request-id']).toBe(res.headers.get('client-request-id'));
    expect(t.requestLog().some((e) => e.method === 'POST' && e.status === 403 && e.listener === 'graph')).toBe(true);
  });

  it('401 bodies carry the request-id too', async () => {
    const res = await http.fetch(`${t.graphUrl}/v1.0/users`, { headers: { authorization: 'Bearer x.y.z' } });
    expect(res.status).toBe(401);
    expect(errorSchema.parse(await res.json()).error.innerError['request-id']).toBe(res.headers.get('request-id'));
  });

  it("throttles with a fractional Retry-After (Microsoft's example: 2.128) and reports x-ms-throttle-limit-percentage", async () => {
    t.setFaults({ throttle: { everyNth: 2, status: 429, retryAfterSeconds: 2.128, limitPercentage: 0.92 } });
    try {
      const first = await http.fetch(`${t.graphUrl}/v1.0/users?$select=id&$top=1`, { headers: { authorization: `Bearer ${token}` } });
      expect(first.status).toBe(200);
      expect(first.headers.get('x-ms-throttle-limit-percentage')).toBe('0.92');
      await first.arrayBuffer();
      const second = await http.fetch(`${t.graphUrl}/v1.0/users?$select=id&$top=1`, { headers: { authorization: `Bearer ${token}` } });
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toBe('2.128');
      const body = errorSchema.parse(await second.json());
      expect(body.error.code).toBe('TooManyRequests');
      expect(body.error.innerError['request-id']).toBe(second.headers.get('request-id'));
    } finally {
      t.setFaults({});
    }
  });

  it("the request log keeps no download link's token: a pre-authenticated URL is a credential", async () => {
    t.clearRequestLog();
    const res = await http.fetch(`${t.graphUrl}/v1.0/reports/getOffice365ActiveUserDetail(period='D7')`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(302);
    const location = res.headers.get('location') ?? '';
    const linkToken = location.split('/').pop() ?? '';
    expect(linkToken.length).toBeGreaterThan(20);
    await (await http.fetch(location)).arrayBuffer();
    const download = t.requestLog().filter((e) => e.listener === 'download');
    expect(download.map((e) => [e.method, e.path, e.status])).toEqual([['GET', '/data/download/[redacted]', 200]]);
    expect(JSON.stringify(t.requestLog())).not.toContain(linkToken);
  });

  it('the request log holds method, path and status, never a token or a body', async () => {
    t.clearRequestLog();
    await (await http.fetch(`${t.graphUrl}/v1.0/users/${'x'}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}` }, body: '{"secret":"s3cr3t"}' })).arrayBuffer();
    const log = t.requestLog();
    expect(log.map((e) => [e.listener, e.method, e.path, e.status])).toEqual([['graph', 'PATCH', '/v1.0/users/x', 403]]);
    const text = JSON.stringify(log);
    expect(text).not.toContain(token);
    expect(text).not.toContain('s3cr3t');
  });
});
