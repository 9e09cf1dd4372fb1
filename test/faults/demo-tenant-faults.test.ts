/**
 * The demo tenant's fault options the fault suite relies on, seen on the wire (HTTPS to the
 * tenant's listeners, no product code in between): each fault does exactly what it says, so a
 * scenario that survives survived the fault it names.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startDemoTenant, type DemoTenant } from '../../src-main/core/demo-tenant/index';
import { withMalformedRow } from '../../src-main/core/demo-tenant/server';
import { parseArgs, faultsFromArgs } from '../../src-main/cli/demo-tenant';
import { caFetch, form } from '../helpers/demo-fetch';

let t: DemoTenant;
let http: ReturnType<typeof caFetch>;

async function getToken(): Promise<string> {
  const res = await http.fetch(
    `${t.loginUrl}/${t.tenantId}/oauth2/v2.0/token`,
    form({ grant_type: 'client_credentials', client_id: t.apps.reader.clientId, client_secret: t.apps.reader.secret, scope: `${t.graphUrl}/.default` }),
  );
  return z.object({ access_token: z.string() }).parse(await res.json()).access_token;
}

const get = (path: string, token: string) => http.fetch(`${t.graphUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
const REPORT = "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')";

beforeAll(async () => {
  t = await startDemoTenant({ users: 30, seed: 'fault-options' });
  http = caFetch(t.caPem);
});

afterAll(async () => {
  t.setFaults({});
  await http?.close();
  await t?.close();
});

describe('the demo tenant fault options', () => {
  it('failPath lets `skip` requests through, then answers `times` errors with a fractional Retry-After', async () => {
    const token = await getToken();
    t.setFaults({ failPath: { pattern: /\/users$/i, status: 429, times: 2, skip: 1, retryAfterSeconds: 0.35 } });
    const statuses: [number, string | null][] = [];
    for (let i = 0; i < 4; i++) {
      const res = await get('/v1.0/users?$top=1&$select=id', token);
      await res.arrayBuffer();
      statuses.push([res.status, res.headers.get('retry-after')]);
    }
    expect(statuses).toEqual([[200, null], [429, '0.35'], [429, '0.35'], [200, null]]);
  });

  it('invalidJsonEveryNth sends a complete body that is not JSON', async () => {
    const token = await getToken();
    t.setFaults({ invalidJsonEveryNth: 2 });
    const first = await get('/v1.0/subscribedSkus', token);
    const firstText = Buffer.from(await first.arrayBuffer()).toString('utf8');
    expect(() => JSON.parse(firstText) as unknown).not.toThrow();
    const second = await get('/v1.0/subscribedSkus', token);
    const body = Buffer.from(await second.arrayBuffer());
    expect(second.status).toBe(200);
    expect(Number(second.headers.get('content-length'))).toBe(body.length);
    expect(() => JSON.parse(body.toString('utf8')) as unknown).toThrow(SyntaxError);
  });

  it('expireTokenAfterUses refuses a token as expired after N requests; a new token is served again', async () => {
    t.setFaults({ expireTokenAfterUses: 2 });
    const token = await getToken();
    const statuses: number[] = [];
    let message = '';
    for (let i = 0; i < 3; i++) {
      const res = await get('/v1.0/subscribedSkus', token);
      statuses.push(res.status);
      const text = await res.text();
      if (res.status === 401) message = text;
    }
    expect(statuses).toEqual([200, 200, 401]);
    expect(message).toMatch(/token is expired/);
    const fresh = await get('/v1.0/subscribedSkus', await getToken());
    await fresh.arrayBuffer();
    expect(fresh.status).toBe(200);
  });

  it('downloadFail answers 404 or 403 after the report redirect, `times` times', async () => {
    const token = await getToken();
    t.setFaults({ downloadFail: { status: 404, times: 1 } });
    const download = async (): Promise<number> => {
      const redirect = await get(REPORT, token);
      await redirect.arrayBuffer();
      expect(redirect.status).toBe(302);
      const res = await http.fetch(redirect.headers.get('location') ?? '');
      await res.arrayBuffer();
      return res.status;
    };
    expect([await download(), await download()]).toEqual([404, 200]);
    t.setFaults({ downloadFail: { status: 403 } });
    expect([await download(), await download()]).toEqual([403, 403]);
  });

  it('malformedReportRow puts one malformed line after the given data row of the matching report', async () => {
    const token = await getToken();
    t.setFaults({ malformedReportRow: { row: 3, file: /^Office365ActiveUserDetail_/, kind: 'short' } });
    const redirect = await get(REPORT, token);
    await redirect.arrayBuffer();
    const csv = await (await http.fetch(redirect.headers.get('location') ?? '')).text();
    const lines = csv.split('\r\n');
    expect(lines[4]).toBe('malformed-row-with-one-field');
    expect(lines.filter((l) => l.startsWith('malformed')).length).toBe(1);
    // Every other line has the header's number of fields.
    const fields = (lines[0] ?? '').split(',').length;
    expect(lines.filter((l, i) => i !== 4 && l !== '').every((l) => l.split(',').length === fields)).toBe(true);
  });

  it('withMalformedRow counts rows across chunks and ends a short report with the line', () => {
    const chunks = ['H1,H2\r\n', 'a,1\r\nb,2\r\n', 'c,3\r\n'];
    expect([...withMalformedRow(chunks, 2, 'quote')].join('')).toBe('H1,H2\r\na,1\r\nb,2\r\nmalformed"row,with a stray quote\r\nc,3\r\n');
    expect([...withMalformedRow(chunks, 3)].join('')).toBe('H1,H2\r\na,1\r\nb,2\r\nc,3\r\nmalformed-row-with-one-field\r\n');
    expect([...withMalformedRow(chunks, 9)].join('')).toBe('H1,H2\r\na,1\r\nb,2\r\nc,3\r\nmalformed-row-with-one-field\r\n');
  });

  it('the standalone runner takes the new faults as options', () => {
    const args = parseArgs(['node', 'demo-tenant', '--invalid-json-every', '5', '--expire-token-after', '7', '--download-fail', '404', '--malformed-report-row', '12']);
    expect(faultsFromArgs(args)).toEqual({ invalidJsonEveryNth: 5, expireTokenAfterUses: 7, downloadFail: { status: 404 }, malformedReportRow: { row: 12 } });
    expect(() => parseArgs(['node', 'demo-tenant', '--download-fail', '500'])).toThrow(/download/i);
  });
});
