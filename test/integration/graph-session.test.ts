import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoTenant } from '../../src-main/core/demo-tenant/index';
import type { DemoAppName, DemoTenant, RequestLogEntry } from '../../src-main/core/demo-tenant/types';
import { createNetwork, type Network } from '../../src-main/core/net/network';
import { createAppTokenProvider, type AppTokenProvider } from '../../src-main/core/auth/app-token';
import { certificateCredential } from '../../src-main/core/auth/credentials';
import { createGraphSession, type RetryEvent } from '../../src-main/core/graph/create-session';
import type { GraphSession } from '../../src-main/core/graph/session';
import { OperatorError } from '../../src-main/core/errors/operator-error';
import type { Profile } from '../../src-main/core/profile/schema';

/**
 * The Graph session (Microsoft Graph JS client + our middleware + undici) against
 * the demo tenant over real HTTPS, with the tenant's fault injection.
 */
const USERS = 250;
let t: DemoTenant;
let network: Network;
const sessions: GraphSession[] = [];

beforeAll(async () => {
  t = await startDemoTenant({ users: USERS, seed: 'graph-session', requestLogLimit: 100_000 });
  network = createNetwork({ extraCaPem: [t.caPem], env: {} });
});
afterAll(async () => {
  await Promise.all(sessions.map((s) => s.close()));
  await network?.close();
  await t?.close();
});

function profileFor(app: DemoAppName, tenant: DemoTenant = t): Profile {
  return {
    name: 'demo',
    tenantId: tenant.tenantId,
    clientId: tenant.apps[app].clientId,
    cloud: 'custom',
    customEndpoints: { loginUrl: tenant.loginUrl, graphUrl: tenant.graphUrl },
    credential: { kind: 'secret', secretEnv: 'UNUSED' },
  };
}

function tokens(app: DemoAppName, nw: Network = network, tenant: DemoTenant = t): AppTokenProvider {
  return createAppTokenProvider({ profile: profileFor(app, tenant), credential: { kind: 'secret', secret: tenant.apps[app].secret }, network: nw });
}

function session(app: DemoAppName, o: { nw?: Network; tokenProvider?: Pick<AppTokenProvider, 'getToken'>; onRetry?: (e: RetryEvent) => void; tenant?: DemoTenant } = {}): GraphSession {
  const tenant = o.tenant ?? t;
  const s = createGraphSession({
    profile: profileFor(app, tenant),
    tokenProvider: o.tokenProvider ?? tokens(app, o.nw ?? network, tenant),
    network: o.nw ?? network,
    retry: { baseDelayMs: 20, maxDelayMs: 2000 },
    onRetry: o.onRetry,
    ownsNetwork: false,
  });
  sessions.push(s);
  return s;
}

/** Log entries added while `f` runs. */
async function logged<T>(f: () => Promise<T>): Promise<{ result: T; log: RequestLogEntry[] }> {
  const before = t.requestLog().length;
  const result = await f();
  return { result, log: t.requestLog().slice(before) };
}

async function allUsers(s: GraphSession, path = '/users?$top=100&$select=id,userPrincipalName'): Promise<Array<{ id: string }>> {
  const out: Array<{ id: string }> = [];
  for await (const page of s.pages(path)) out.push(...(page.value as Array<{ id: string }>));
  return out;
}

async function failure(p: Promise<unknown>): Promise<OperatorError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(OperatorError);
    return e as OperatorError;
  }
  throw new Error('expected a failure');
}

describe('paging', () => {
  it('walks every user through @odata.nextLink', async () => {
    const s = session('reader');
    expect(s.graphBaseUrl).toBe(`${t.graphUrl}/v1.0`);
    const { result: users, log } = await logged(() => allUsers(s));
    expect(users).toHaveLength(USERS);
    expect(new Set(users.map((u) => u.id)).size).toBe(USERS);
    const graph = log.filter((e) => e.listener === 'graph');
    expect(graph).toHaveLength(Math.ceil(USERS / 100));
    expect(graph.every((e) => e.hadAuthorization && e.status === 200)).toBe(true);
  });

  it('an OData $filter with spaces and a ConsistencyLevel header reaches Graph encoded; @odata.count is reported', async () => {
    const s = session('reader');
    const pages = [];
    for await (const p of s.pages('/groups?$filter=assignedLicenses/$count ne 0&$count=true&$top=100&$select=id', { headers: { ConsistencyLevel: 'eventual' } })) pages.push(p);
    expect(pages.length).toBeGreaterThan(0);
    expect(typeof pages[0]?.count).toBe('number');
    const total = pages.reduce((n, p) => n + p.value.length, 0);
    expect(total).toBe(pages[0]?.count);
  });

  it('refuses caller-supplied Authorization headers', async () => {
    const e = await failure(session('reader').getJson('/users?$top=1', { headers: { Authorization: 'Bearer x' } }));
    expect(e.code).toBe('internal');
  });

  it('tokenInfo reports the app roles', async () => {
    const info = await session('minimal').tokenInfo();
    expect(info.roles).toEqual(['User.Read.All']);
    expect(info.tenantId).toBe(t.tenantId);
  });

  it('signInActivity without AuditLog.Read.All -> permission-denied naming it and who grants it', async () => {
    const e = await failure(allUsers(session('no-auditlog'), '/users?$select=id,signInActivity&$top=100'));
    expect(e.code).toBe('permission-denied');
    expect(e.status).toBe(403);
    expect(e.graphCode).toBe('Authorization_RequestDenied');
    expect(e.permission).toBe('AuditLog.Read.All');
    expect(e.who).toBe('a Privileged Role Administrator or Global Administrator grants AuditLog.Read.All as an application permission with admin consent');
  });

  it('a foreign @odata.nextLink is refused and the token never reaches the foreign host', async () => {
    t.setFaults({ foreignNextLink: true });
    try {
      const { result: e, log } = await logged(() => failure(allUsers(session('reader'))));
      expect(e.code).toBe('host-refused');
      expect(log.filter((x) => x.listener === 'foreign')).toEqual([]);
    } finally {
      t.setFaults({});
    }
    expect(t.requestLog().filter((x) => x.listener === 'foreign' && x.hadAuthorization)).toEqual([]);
  });

  it('an absolute URL on another origin is refused before any request', async () => {
    const s = session('reader');
    const { result: e, log } = await logged(() => failure(s.getJson(`${t.foreignUrl}/v1.0/users`)));
    expect(e.code).toBe('host-refused');
    expect(log).toEqual([]);
  });

  it('a 400 carries the Graph message', async () => {
    const e = await failure(session('reader').getJson('/users?$top=5000'));
    expect(e.code).toBe('graph-error');
    expect(e.status).toBe(400);
  });
});

describe('faults', () => {
  it('429 with Retry-After every 3rd request: completes, waits as told, and the log shows the retries', async () => {
    const events: RetryEvent[] = [];
    t.setFaults({ throttle: { everyNth: 3, status: 429, retryAfterSeconds: 1 } });
    try {
      const started = Date.now();
      const { result: users, log } = await logged(() => allUsers(session('reader', { onRetry: (e) => events.push(e) })));
      expect(users).toHaveLength(USERS);
      const statuses = log.filter((e) => e.listener === 'graph').map((e) => e.status);
      expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(1);
      expect(statuses.at(-1)).toBe(200);
      expect(events.length).toBe(statuses.filter((s) => s === 429).length);
      expect(events.every((e) => e.reason === 429 && e.delayMs === 1000)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000 * events.length - 50);
    } finally {
      t.setFaults({});
    }
  });

  it('503 on every request -> throttled after the bounded attempts', async () => {
    t.setFaults({ throttle: { everyNth: 1, status: 503, retryAfterSeconds: 0 } });
    try {
      const s = createGraphSession({ profile: profileFor('reader'), tokenProvider: tokens('reader'), network, retry: { maxAttempts: 3, baseDelayMs: 1 }, ownsNetwork: false });
      const { result: e, log } = await logged(() => failure(s.getJson('/users?$top=1')));
      expect(e.code).toBe('throttled');
      expect(log.filter((x) => x.listener === 'graph')).toHaveLength(3);
    } finally {
      t.setFaults({});
    }
  });

  it.each([
    ['reset connections', { resetEveryNth: 2 }],
    ['truncated bodies', { truncateEveryNth: 2 }],
  ])('%s are retried and the walk completes', async (_l, faults) => {
    const events: RetryEvent[] = [];
    t.setFaults(faults);
    try {
      const users = await allUsers(session('reader', { onRetry: (e) => events.push(e) }));
      expect(users).toHaveLength(USERS);
      expect(new Set(users.map((u) => u.id)).size).toBe(USERS);
      expect(events.length).toBeGreaterThanOrEqual(1);
      expect(events.every((e) => e.reason === 'network')).toBe(true);
    } finally {
      t.setFaults({});
    }
  });

  it('short-lived tokens (2 s) with latency: paging keeps going on fresh tokens', async () => {
    t.setFaults({ tokenLifetimeSeconds: 2, latencyMs: 300 });
    try {
      const { result: users, log } = await logged(() => allUsers(session('reader'), '/users?$top=50&$select=id'));
      expect(users).toHaveLength(USERS);
      expect(log.filter((e) => e.listener === 'login' && e.method === 'POST').length).toBeGreaterThanOrEqual(2);
    } finally {
      t.setFaults({});
    }
  });

  it('a token that expires mid-paging is refreshed after the 401 and the request retried', async () => {
    // A provider that keeps handing out its first token until told to refresh, as a
    // cache with clock skew would; real MSAL underneath.
    const real = tokens('reader');
    let current: ReturnType<AppTokenProvider['getToken']> | undefined;
    const sticky: Pick<AppTokenProvider, 'getToken'> = {
      getToken: (o) => (o?.forceRefresh || !current ? (current = real.getToken({ ...o, forceRefresh: o?.forceRefresh })) : current),
    };
    t.setFaults({ tokenLifetimeSeconds: 2, latencyMs: 600 });
    try {
      const { result: users, log } = await logged(() => allUsers(session('reader', { tokenProvider: sticky }), '/users?$top=50&$select=id'));
      expect(users).toHaveLength(USERS);
      const graph = log.filter((e) => e.listener === 'graph');
      const i401 = graph.findIndex((e) => e.status === 401);
      expect(i401).toBeGreaterThanOrEqual(0);
      expect(graph[i401 + 1]?.status).toBe(200);
    } finally {
      t.setFaults({});
    }
  });

  it('an abort ends a slow walk promptly with cancelled', async () => {
    t.setFaults({ latencyMs: 3000 });
    try {
      const ac = new AbortController();
      const s = session('reader');
      await s.tokenInfo();
      const started = Date.now();
      setTimeout(() => ac.abort(), 150);
      const it = s.pages('/users?$top=10', { signal: ac.signal });
      const e = await failure((async () => {
        for await (const _ of it) void _;
      })());
      expect(e.code).toBe('cancelled');
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      t.setFaults({});
    }
  });
});

describe('report download', () => {
  it('streams the CSV from the pre-authenticated URL without Authorization', async () => {
    const s = session('reader');
    const { result: rows, log } = await logged(async () => {
      const out: Array<Record<string, string>> = [];
      for await (const r of s.reportRows("/reports/getOffice365ActiveUserDetail(period='D30')")) out.push(r);
      return out;
    });
    expect(rows.length).toBeGreaterThan(0);
    expect(Object.keys(rows[0] ?? {})).toContain('User Principal Name');
    expect(Object.keys(rows[0] ?? {}).some((k) => k.startsWith('\ufeff'))).toBe(false);
    const graph = log.filter((e) => e.listener === 'graph');
    const download = log.filter((e) => e.listener === 'download');
    expect(graph).toMatchObject([{ status: 302, hadAuthorization: true }]);
    expect(download.length).toBe(1);
    expect(download.every((e) => e.hadAuthorization === false && e.status === 200)).toBe(true);
  });

  const REPORT = "/reports/getOffice365ActiveUserDetail(period='D30')";
  async function reportRows(s: GraphSession, path = REPORT): Promise<Array<Record<string, string>>> {
    const out: Array<Record<string, string>> = [];
    for await (const r of s.reportRows(path)) out.push(r);
    return out;
  }

  it('a 503 on the authenticated report request is retried before the redirect is followed', async () => {
    const events: RetryEvent[] = [];
    t.setFaults({ failPath: { pattern: /getOffice365ActiveUserDetail/i, status: 503, times: 2 } });
    try {
      const { result: rows, log } = await logged(() => reportRows(session('reader', { onRetry: (e) => events.push(e) })));
      expect(rows.length).toBeGreaterThan(0);
      expect(log.filter((e) => e.listener === 'graph').map((e) => e.status)).toEqual([503, 503, 302]);
      expect(events.map((e) => e.reason)).toEqual([503, 503]);
      const download = log.filter((e) => e.listener === 'download');
      expect(download).toMatchObject([{ status: 200, hadAuthorization: false }]);
    } finally {
      t.setFaults({});
    }
  });

  it('a throttled download is retried after Retry-After, still without Authorization', async () => {
    const events: RetryEvent[] = [];
    // Every 2nd download answers 429: the first report downloads at once, the second after one retry.
    t.setFaults({ downloadThrottle: { everyNth: 2, status: 429, retryAfterSeconds: 1 } });
    try {
      const s = session('reader', { onRetry: (e) => events.push(e) });
      const { result, log } = await logged(async () => {
        const first = await reportRows(s);
        const started = Date.now();
        const second = await reportRows(s, "/reports/getMailboxUsageDetail(period='D7')");
        return { first, second, waited: Date.now() - started };
      });
      expect(result.first.length).toBeGreaterThan(0);
      expect(result.second.length).toBeGreaterThan(0);
      expect(Object.keys(result.second[0] ?? {})).toContain('Storage Used (Byte)');
      const download = log.filter((e) => e.listener === 'download');
      expect(download.map((e) => e.status)).toEqual([200, 429, 200]);
      expect(download.every((e) => !e.hadAuthorization)).toBe(true);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ attempt: 1, reason: 429, delayMs: 1000 });
      expect(events[0]?.host).not.toContain('/data/download');
      expect(result.waited).toBeGreaterThanOrEqual(950);
    } finally {
      t.setFaults({});
    }
  });

  it('a download that keeps answering 503 fails as throttled after the bounded attempts', async () => {
    t.setFaults({ downloadThrottle: { everyNth: 1, status: 503, retryAfterSeconds: 0 } });
    try {
      const s = createGraphSession({ profile: profileFor('reader'), tokenProvider: tokens('reader'), network, retry: { maxAttempts: 3, baseDelayMs: 1 }, ownsNetwork: false });
      sessions.push(s);
      const { result: e, log } = await logged(() => failure(reportRows(s)));
      expect(e.code).toBe('throttled');
      expect(e.status).toBe(503);
      expect(log.filter((x) => x.listener === 'graph').map((x) => x.status)).toEqual([302]);
      expect(log.filter((x) => x.listener === 'download').map((x) => x.status)).toEqual([503, 503, 503]);
    } finally {
      t.setFaults({});
    }
  });

  it('an app without Reports.Read.All -> permission-denied naming it', async () => {
    const e = await failure((async () => {
      for await (const _ of session('minimal').reportRows("/reports/getOffice365ActiveUserDetail(period='D30')")) void _;
    })());
    expect(e.code).toBe('permission-denied');
    expect(e.permission).toBe('Reports.Read.All');
  });
});

describe('licence gating', () => {
  it('signInActivity in a tenant without Entra ID P1 -> license-required', async () => {
    const noP1 = await startDemoTenant({ users: 5, seed: 'no-p1', p1: false });
    const nw = createNetwork({ extraCaPem: [noP1.caPem], env: {} });
    try {
      const e = await failure(allUsers(session('reader', { nw, tenant: noP1 }), '/users?$select=id,signInActivity'));
      expect(e.code).toBe('license-required');
      expect(e.message).toMatch(/Microsoft Entra ID P1/);
    } finally {
      await nw.close();
      await noP1.close();
    }
  });
});

/** A minimal HTTP CONNECT proxy that records tunnel targets. */
async function startConnectProxy(): Promise<{ url: string; targets: string[]; close(): Promise<void> }> {
  const targets: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    targets.push(req.url ?? '');
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host ?? '', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => s.destroy());
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    targets,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe('proxy', () => {
  let proxy: Awaited<ReturnType<typeof startConnectProxy>>;
  beforeAll(async () => {
    proxy = await startConnectProxy();
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it('HTTPS_PROXY tunnels sign-in, Graph and the report download through CONNECT (extra CA trusted through the tunnel)', async () => {
    const nw = createNetwork({ extraCaPem: [t.caPem], env: { HTTPS_PROXY: proxy.url } });
    try {
      const s = session('reader', { nw });
      expect(await allUsers(s)).toHaveLength(USERS);
      for await (const _ of s.reportRows("/reports/getOffice365ActiveUserDetail(period='D7')")) void _;
      const hostPort = (u: string) => new URL(u).host;
      expect(proxy.targets).toEqual(expect.arrayContaining([hostPort(t.loginUrl), hostPort(t.graphUrl), hostPort(t.downloadUrl)]));
    } finally {
      await nw.close();
    }
  });

  it('NO_PROXY=127.0.0.1 bypasses the proxy', async () => {
    proxy.targets.length = 0;
    const nw = createNetwork({ extraCaPem: [t.caPem], env: { https_proxy: proxy.url, NO_PROXY: '127.0.0.1' } });
    try {
      expect(await allUsers(session('reader', { nw }))).toHaveLength(USERS);
      expect(proxy.targets).toEqual([]);
    } finally {
      await nw.close();
    }
  });

  it('a certificate-based session also works through the proxy', async () => {
    proxy.targets.length = 0;
    const nw = createNetwork({ extraCaPem: [t.caPem], env: { HTTPS_PROXY: proxy.url } });
    try {
      const tp = createAppTokenProvider({
        profile: profileFor('reader'),
        credential: certificateCredential(t.apps.reader.certificatePem, t.apps.reader.privateKeyPem),
        network: nw,
      });
      const info = await session('reader', { nw, tokenProvider: tp }).tokenInfo();
      expect(info.roles).toContain('Reports.Read.All');
      expect(proxy.targets).toContain(new URL(t.loginUrl).host);
    } finally {
      await nw.close();
    }
  });
});

describe('read-only', () => {
  it('every request that reached the Graph listener during these tests was a GET', () => {
    const graph = t.requestLog().filter((e) => e.listener === 'graph');
    expect(graph.length).toBeGreaterThan(20);
    expect(graph.filter((e) => e.method !== 'GET')).toEqual([]);
  });
});
