/**
 * The demo tenant's HTTP layer over real HTTPS: bearer validation on the graph listener
 * (Graph error shape per learn.microsoft.com/graph/errors), fault injection, the
 * download and foreign listeners, and the request log. The Graph handlers behind the
 * server are a small double (helpers.ts); the HTTP layer is real.
 */
import https from 'node:https';
import { generateKeyPairSync } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignJWT, decodeJwt } from 'jose';
import { z } from 'zod';
import { startDemoTenantWith } from '../../../src-main/core/demo-tenant/server';
import { createIdentity, generateIdentityMaterial } from '../../../src-main/core/demo-tenant/identity';
import type { DemoTenant } from '../../../src-main/core/demo-tenant/types';
import { caFetch, form } from '../../helpers/demo-fetch';
import { CSV_CHUNK, CSV_CHUNKS, csvProgress, graphApiDouble } from '../../helpers/demo-tenant';

const graphErrorSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), innerError: z.object({ date: z.string(), 'request-id': z.string() }) }),
});

let t: DemoTenant;
let http: ReturnType<typeof caFetch>;
let token: string;

async function getToken(): Promise<string> {
  const res = await http.fetch(
    `${t.loginUrl}/${t.tenantId}/oauth2/v2.0/token`,
    form({ grant_type: 'client_credentials', client_id: t.apps.reader.clientId, client_secret: t.apps.reader.secret, scope: `${t.graphUrl}/.default` }),
  );
  expect(res.status).toBe(200);
  return z.object({ access_token: z.string() }).parse(await res.json()).access_token;
}

/** `null` sends no Authorization header. */
function graphGet(path: string, bearer: string | null = token, init: { method?: string } = {}): ReturnType<typeof http.fetch> {
  return http.fetch(`${t.graphUrl}${path}`, { method: init.method ?? 'GET', headers: bearer === null ? {} : { authorization: `Bearer ${bearer}` } });
}

beforeAll(async () => {
  t = await startDemoTenantWith({ seed: 'server-unit', users: 3 }, graphApiDouble);
  http = caFetch(t.caPem);
  token = await getToken();
});

afterAll(async () => {
  await http?.close();
  await t?.close();
});

beforeEach(() => {
  t.setFaults({});
  t.clearRequestLog();
});

describe('graph listener: bearer validation', () => {
  it('passes a valid token through with its roles and Graph headers', async () => {
    const res = await graphGet('/v1.0/roles', token);
    expect(res.status).toBe(200);
    // What Microsoft Graph sends: the OData JSON media type with charset=utf-8, and OData-Version: 4.0.
    expect(res.headers.get('content-type')).toBe('application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8');
    expect(res.headers.get('odata-version')).toBe('4.0');
    expect(res.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('client-request-id')).toBeTruthy();
    expect(((await res.json()) as { roles: string[] }).roles).toEqual([...t.apps.reader.roles].sort());
  });

  it('echoes a client-request-id', async () => {
    const res = await http.fetch(`${t.graphUrl}/v1.0/roles`, { headers: { authorization: `Bearer ${token}`, 'client-request-id': 'abc-123' } });
    expect(res.headers.get('client-request-id')).toBe('abc-123');
  });

  it('hands request headers to the handler, but never the Authorization header', async () => {
    const res = await http.fetch(`${t.graphUrl}/v1.0/headers`, { headers: { authorization: `Bearer ${token}`, ConsistencyLevel: 'eventual', cookie: 'a=b' } });
    const { headers } = (await res.json()) as { headers: Record<string, string> };
    expect(headers['consistencylevel']).toBe('eventual');
    expect(Object.keys(headers)).not.toContain('authorization');
    expect(Object.keys(headers)).not.toContain('cookie');
    expect(JSON.stringify(headers)).not.toContain(token);
  });

  it.each([
    ['no Authorization header', null, 'Access token is empty.'],
    ['a malformed token', 'not.a.jwt', 'CompactToken parsing failed'],
    ['garbage characters', '"<script>"', 'CompactToken parsing failed'],
  ] as const)('answers 401 InvalidAuthenticationToken for %s', async (_label, bearer, message) => {
    const res = await graphGet('/v1.0/roles', bearer);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="", authorization_uri="https:\/\/127\.0\.0\.1:\d+\/common\/oauth2\/authorize", client_id="00000003-0000-0000-c000-000000000000"$/);
    const body = graphErrorSchema.parse(await res.json());
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(body.error.message).toContain(message);
  });

  it('answers 401 for a non-Bearer scheme', async () => {
    const res = await http.fetch(`${t.graphUrl}/v1.0/roles`, { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } });
    expect(res.status).toBe(401);
  });

  it('answers 401 for a token signed by another key (same claims and kid)', async () => {
    const claims = decodeJwt(token);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string };
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: header.kid }).sign(privateKey);
    const res = await graphGet('/v1.0/roles', forged);
    expect(res.status).toBe(401);
    expect(graphErrorSchema.parse(await res.json()).error.message).toContain('Invalid signature');
  });

  it('answers 401 "token is expired" once a short-lived token expires', async () => {
    t.setFaults({ tokenLifetimeSeconds: 1 });
    const short = await getToken();
    const exp = decodeJwt(short).exp!;
    await sleep(Math.max(0, exp * 1000 - Date.now()) + 50);
    const res = await graphGet('/v1.0/roles', short);
    expect(res.status).toBe(401);
    const body = graphErrorSchema.parse(await res.json());
    expect(body.error.code).toBe('InvalidAuthenticationToken');
    expect(body.error.message).toBe('Lifetime validation failed, the token is expired.');
  });

  it('passes non-GET methods to the handler and logs them', async () => {
    const res = await graphGet('/v1.0/users', token, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(t.requestLog().map((e) => [e.method, e.status])).toEqual([['DELETE', 405]]);
  });
});

describe('identity: access-token validation (pure, moved clock)', () => {
  it('distinguishes expired, not-yet-valid and wrong-audience tokens', async () => {
    const material = await generateIdentityMaterial();
    let clock = Date.now();
    const base = { seed: 's', loginOrigin: 'https://127.0.0.1:1', tokenLifetimeSeconds: () => 60, now: () => clock };
    const a = createIdentity(material, { ...base, graphOrigin: 'https://127.0.0.1:2' });
    const b = createIdentity(material, { ...base, graphOrigin: 'https://127.0.0.1:3' });
    const res = await a.handle({
      method: 'POST',
      url: new URL(a.tokenEndpoint),
      contentType: 'application/x-www-form-urlencoded',
      clientRequestId: undefined,
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: a.apps.minimal.clientId, client_secret: a.apps.minimal.secret, scope: 'https://127.0.0.1:2/.default' }).toString(),
    });
    expect(res.status).toBe(200);
    const tok = (res.body as { access_token: string }).access_token;
    expect(await a.verifyAccessToken(tok)).toMatchObject({ ok: true, appId: a.apps.minimal.clientId });
    expect(await b.verifyAccessToken(tok)).toEqual({ ok: false, reason: 'invalid-audience' });
    clock += 61_000;
    expect(await a.verifyAccessToken(tok)).toEqual({ ok: false, reason: 'expired' });
    clock -= 3_600_000;
    expect(await a.verifyAccessToken(tok)).toEqual({ ok: false, reason: 'not-yet-valid' });
    expect(await a.verifyAccessToken(`${tok}x`)).toMatchObject({ ok: false });
  });
});

describe('faults', () => {
  it.each([
    [429, 'TooManyRequests'],
    [503, 'ServiceUnavailable'],
    [504, 'GatewayTimeout'],
  ] as const)('throttles every Nth request with %i %s and Retry-After', async (status, code) => {
    t.setFaults({ throttle: { everyNth: 2, status, retryAfterSeconds: 7 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await graphGet('/v1.0/roles');
      statuses.push(res.status);
      if (res.status === status) {
        expect(res.headers.get('retry-after')).toBe('7');
        expect(graphErrorSchema.parse(await res.json()).error.code).toBe(code);
      } else await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, status, 200, status]);
  });

  it('resets the connection of every Nth request', async () => {
    t.setFaults({ resetEveryNth: 2 });
    expect((await graphGet('/v1.0/roles')).status).toBe(200);
    await expect(graphGet('/v1.0/roles')).rejects.toThrow();
    expect((await graphGet('/v1.0/roles')).status).toBe(200);
    expect(t.requestLog().map((e) => e.status)).toEqual([200, 0, 200]);
  });

  it('truncates every Nth JSON body while keeping Content-Length', async () => {
    t.setFaults({ truncateEveryNth: 1 });
    const res = await graphGet('/v1.0/big');
    expect(res.status).toBe(200);
    const declared = Number(res.headers.get('content-length'));
    expect(declared).toBeGreaterThan(1000);
    await expect(res.text()).rejects.toThrow();
    t.setFaults({});
    const ok = await graphGet('/v1.0/big');
    expect((await ok.text()).length).toBe(declared);
  });

  it('fails a matching path the given number of times', async () => {
    t.setFaults({ failPath: { pattern: /^\/v1\.0\/users$/g, status: 503, times: 2 } });
    expect((await graphGet('/v1.0/users')).status).toBe(503);
    expect((await graphGet('/v1.0/roles')).status).toBe(200);
    const second = await graphGet('/v1.0/users?$top=1');
    expect(second.status).toBe(503);
    expect(graphErrorSchema.parse(await second.json()).error.code).toBe('ServiceUnavailable');
    expect((await graphGet('/v1.0/users')).status).toBe(200);
  });

  it('adds latency', async () => {
    t.setFaults({ latencyMs: 250 });
    const start = Date.now();
    expect((await graphGet('/v1.0/roles')).status).toBe(200);
    expect(Date.now() - start).toBeGreaterThanOrEqual(240);
  });

  it('works the answer out while the latency runs, and still sends nothing before it is over', async () => {
    // The added latency stands for Graph's own time: a handler's work overlaps it instead of adding to it.
    const handled: number[] = [];
    const timed = await startDemoTenantWith({ seed: 'latency-overlap', users: 3 }, (o) => {
      const api = graphApiDouble(o);
      return { ...api, handle: (req) => (handled.push(performance.now()), api.handle(req)) };
    });
    const client = caFetch(timed.caPem);
    try {
      const tokRes = await client.fetch(
        `${timed.loginUrl}/${timed.tenantId}/oauth2/v2.0/token`,
        form({ grant_type: 'client_credentials', client_id: timed.apps.reader.clientId, client_secret: timed.apps.reader.secret, scope: `${timed.graphUrl}/.default` }),
      );
      const bearer = z.object({ access_token: z.string() }).parse(await tokRes.json()).access_token;
      timed.setFaults({ latencyMs: 1500 });
      const start = performance.now();
      const res = await client.fetch(`${timed.graphUrl}/v1.0/roles`, { headers: { authorization: `Bearer ${bearer}` } });
      await res.text();
      const took = performance.now() - start;
      expect(res.status).toBe(200);
      expect(took).toBeGreaterThanOrEqual(1490);
      expect(handled).toHaveLength(1);
      expect((handled[0] as number) - start).toBeLessThan(1000);
    } finally {
      await client.close();
      await timed.close();
    }
  });

  it('points nextLinks at the foreign listener on demand', async () => {
    const normal = (await (await graphGet('/v1.0/users')).json()) as { '@odata.nextLink': string };
    expect(normal['@odata.nextLink'].startsWith(`${t.graphUrl}/`)).toBe(true);
    t.setFaults({ foreignNextLink: true });
    const foreign = (await (await graphGet('/v1.0/users')).json()) as { '@odata.nextLink': string };
    expect(foreign['@odata.nextLink'].startsWith(`${t.foreignUrl}/`)).toBe(true);
  });

  it('rejects an invalid fault plan', () => {
    expect(() => t.setFaults({ throttle: { everyNth: 0, status: 429 } })).toThrow();
  });
});

describe('download and foreign listeners', () => {
  it('redirects a report to the download origin, which needs no bearer and logs Authorization presence', async () => {
    const res = await graphGet("/v1.0/reports/getOffice365ActiveUserDetail(period='D7')");
    expect(res.status).toBe(302);
    const location = res.headers.get('location')!;
    expect(location.startsWith(`${t.downloadUrl}/`)).toBe(true);
    const dl = await http.fetch(location);
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-disposition')).toBe('attachment; filename="report.csv"');
    expect((await dl.text()).length).toBe(CSV_CHUNKS * CSV_CHUNK.length);
    await (await http.fetch(location, { headers: { authorization: 'Bearer leaked' } })).arrayBuffer();
    const downloads = t.requestLog().filter((e) => e.listener === 'download');
    expect(downloads.map((e) => e.hadAuthorization)).toEqual([false, true]);
    expect(JSON.stringify(t.requestLog())).not.toContain('leaked');
  });

  it('streams CSV with back-pressure: a paused reader stops the generator', async () => {
    csvProgress.yielded = 0;
    const location = `${t.downloadUrl}/dl/report.csv`;
    const received = await new Promise<number>((resolve, reject) => {
      const req = https.get(location, { ca: t.caPem, agent: false }, (res) => {
        res.pause();
        setTimeout(() => {
          // Paused for a while: the server must have stopped pulling chunks.
          expect(csvProgress.yielded).toBeLessThan(CSV_CHUNKS / 2);
          let n = 0;
          res.on('data', (c: Buffer) => (n += c.length));
          res.on('end', () => resolve(n));
          res.resume();
        }, 400);
      });
      req.on('error', reject);
    });
    expect(received).toBe(CSV_CHUNKS * CSV_CHUNK.length);
    expect(csvProgress.yielded).toBe(CSV_CHUNKS);
  });

  it('foreign listener answers an empty page and records whether Authorization arrived', async () => {
    const a = await http.fetch(`${t.foreignUrl}/v1.0/users?$skiptoken=x`);
    expect(await a.json()).toEqual({ value: [] });
    await (await http.fetch(`${t.foreignUrl}/v1.0/users`, { headers: { authorization: `Bearer ${token}` } })).arrayBuffer();
    const log = t.requestLog();
    expect(log.map((e) => [e.listener, e.path, e.hadAuthorization])).toEqual([
      ['foreign', '/v1.0/users?$skiptoken=x', false],
      ['foreign', '/v1.0/users', true],
    ]);
    expect(JSON.stringify(log)).not.toContain(token);
  });
});

describe('request log and lifecycle', () => {
  it('keeps only the newest entries up to the limit, oldest first', async () => {
    const small = await startDemoTenantWith({ seed: 'log-limit', requestLogLimit: 3 }, graphApiDouble);
    const f = caFetch(small.caPem);
    try {
      for (let i = 0; i < 5; i++) await (await f.fetch(`${small.foreignUrl}/p${i}`)).arrayBuffer();
      expect(small.requestLog().map((e) => e.path)).toEqual(['/p2', '/p3', '/p4']);
      small.clearRequestLog();
      expect(small.requestLog()).toEqual([]);
      await (await f.fetch(`${small.foreignUrl}/after`)).arrayBuffer();
      expect(small.requestLog().map((e) => e.path)).toEqual(['/after']);
    } finally {
      await f.close();
      await small.close();
    }
  });

  it('gives each listener its own origin and closes all of them, keep-alive sockets included', async () => {
    const other = await startDemoTenantWith({ seed: 'close' }, graphApiDouble);
    const f = caFetch(other.caPem);
    const origins = [other.loginUrl, other.graphUrl, other.downloadUrl, other.foreignUrl];
    expect(new Set(origins).size).toBe(4);
    for (const o of origins) expect(o).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    await (await f.fetch(`${other.foreignUrl}/x`)).arrayBuffer();
    const start = Date.now();
    await other.close();
    await other.close();
    expect(Date.now() - start).toBeLessThan(2000);
    await expect(f.fetch(`${other.foreignUrl}/x`)).rejects.toThrow();
    await f.close();
  });
});
