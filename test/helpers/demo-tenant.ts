/**
 * Shared by the demo tenant's HTTP-layer unit tests: a small GraphApi double (the
 * handler behind the server, not the HTTP layer). The undici fetch that trusts the
 * tenant's CA is in test/helpers/demo-fetch.ts.
 */
import { graphError, type GraphApi, type GraphApiOptions, type GraphRequest, type HandlerResult } from '../../src-main/core/demo-tenant/graph/contract';

/** 20 MiB: more than loopback socket buffers hold, so back-pressure is observable. */
export const CSV_CHUNKS = 20_000;
/** How many CSV chunks the double has handed out (the server pulls them lazily). */
export const csvProgress = { yielded: 0 };
export const CSV_CHUNK = `${'x'.repeat(1023)}\n`;

export function graphApiDouble(opts: GraphApiOptions): GraphApi {
  let conceal = opts.concealNames;
  return {
    tenantId: opts.tenantId,
    domain: opts.domain,
    userCount: opts.users,
    handle(req: GraphRequest): HandlerResult {
      const p = req.url.pathname;
      if (req.method !== 'GET') return graphError(405, 'Request_BadRequest', `Method ${req.method} is not allowed.`);
      if (p === '/v1.0/headers') return { kind: 'json', status: 200, body: { headers: req.headers ?? {} } };
      if (p === '/v1.0/roles') return { kind: 'json', status: 200, body: { roles: [...req.roles].sort() } };
      if (p === '/v1.0/users')
        return {
          kind: 'json',
          status: 200,
          body: { value: [{ id: 'u1', displayName: conceal ? 'X' : 'Adele' }], '@odata.nextLink': `${req.linkOrigin}/v1.0/users?$skiptoken=abc` },
        };
      if (p === '/v1.0/big') return { kind: 'json', status: 200, body: { value: Array.from({ length: 2000 }, (_, i) => ({ id: `user-${i}` })) } };
      if (p === '/v1.0/reports/getOffice365ActiveUserDetail(period=\'D7\')')
        return { kind: 'redirect', status: 302, location: `${req.downloadOrigin}/dl/report.csv?sig=abc` };
      return graphError(404, 'Request_ResourceNotFound', `Resource '${p}' does not exist.`);
    },
    handleDownload(url: URL): HandlerResult {
      if (url.pathname === '/dl/report.csv') {
        return {
          kind: 'csv',
          status: 200,
          filename: 'report.csv',
          chunks: (function* () {
            for (let i = 0; i < CSV_CHUNKS; i++) {
              csvProgress.yielded++;
              yield CSV_CHUNK;
            }
          })(),
        };
      }
      return graphError(404, 'NotFound', 'No such download.');
    },
    setConcealNames(on: boolean): void {
      conceal = on;
    },
  };
}
