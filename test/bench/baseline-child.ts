// The naive baseline the latency line compares against, as typical scripts read a tenant: the
// Microsoft Graph JS client's PageIterator at the default page size (no $top: Graph's default
// for /users is 100), users selected together with signInActivity in one stream, and the datasets
// fetched one after another. Usage reports: the authenticated GET, then the download.
// Runs in its own process with NODE_EXTRA_CA_CERTS naming the demo tenant's CA (global fetch).
import { Client, PageIterator, type PageCollection } from '@microsoft/microsoft-graph-client';
import type { TenantInfo } from './tenant-child';
import { benchProfile } from './child';
import { createAppTokenProvider } from '../../src-main/core/auth/app-token';
import { createNetwork } from '../../src-main/core/net/network';
import { DATASETS } from '../../src-main/core/datasets';
import { USER_SELECT } from '../../src-main/core/datasets/users';

export interface BaselineReport {
  seconds: number;
  users: number;
  requests: number;
}

/** The request path without $top (the default page size), as a script that does not set one. */
function withoutTop(path: string): string {
  const u = new URL(path, 'https://x.test');
  u.searchParams.delete('$top');
  const q = u.searchParams.toString();
  return `${u.pathname}${q ? `?${decodeURIComponent(q)}` : ''}`;
}

process.once('message', (t: TenantInfo) => {
  void (async () => {
    const profile = benchProfile(t);
    const network = createNetwork({ extraCaPem: [t.caPem], env: {} });
    const tokens = createAppTokenProvider({ profile, credential: { kind: 'secret', secret: t.secret }, network });
    const started = performance.now();
    let requests = 0;
    const token = async () => (await tokens.getToken({})).accessToken;
    const client = Client.init({
      baseUrl: `${t.graphUrl}/`,
      customHosts: new Set([new URL(t.graphUrl).hostname]),
      authProvider: (done) => {
        token().then((a) => done(null, a), (e: unknown) => done(e, null));
      },
    });
    const get = async (path: string, headers: Record<string, string> = {}): Promise<unknown> => {
      requests += 1;
      return client.api(path).headers(headers).get() as Promise<unknown>;
    };
    const iterate = async (path: string, headers: Record<string, string> = {}): Promise<number> => {
      let n = 0;
      const first = (await get(path, headers)) as PageCollection;
      const it = new PageIterator(client, first, () => {
        n += 1;
        return true;
      }, { headers });
      await it.iterate();
      // Each further page was one more request.
      requests += Math.max(0, Math.ceil(n / Math.max(1, first.value.length)) - 1);
      return n;
    };
    let users = 0;
    for (const d of DATASETS) {
      if (d.id === 'signInActivity') continue;
      const { path, headers: h } = d.request('D30');
      const headers = { ...(h ?? {}) };
      if (d.id === 'users') {
        users = await iterate(`/users?$select=${USER_SELECT},signInActivity`);
      } else if (d.fetch === 'collection') {
        await iterate(withoutTop(path), headers);
      } else if (d.fetch === 'object') {
        await get(path, headers);
      } else {
        requests += 2;
        const res = await fetch(`${t.graphUrl}/v1.0${path}`, { headers: { Authorization: `Bearer ${await token()}` }, redirect: 'manual' });
        const location = res.headers.get('location');
        await res.body?.cancel();
        if (location) await (await fetch(location)).text();
      }
    }
    const report: BaselineReport = { seconds: (performance.now() - started) / 1000, users, requests };
    await network.close();
    process.send?.(report, () => process.exit(0));
  })().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
});
process.send?.('ready');
