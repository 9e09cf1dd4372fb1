import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetwork } from '../../../src-main/core/net/network';
import { MsalNetworkModule, foreignEndpoint } from '../../../src-main/core/net/msal-network';
import { failure } from '../../helpers/operator-error';

let hits = 0;
let server: http.Server;
let origin = '';
beforeAll(async () => {
  server = http.createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('credential POSTs stay on the sign-in origin', () => {
  it('a POST to another origin is refused before it is sent', async () => {
    const net = createNetwork({ env: {} });
    const m = new MsalNetworkModule(net, { loginOrigin: 'https://login.microsoftonline.com' });
    const before = hits;
    const e = await failure(m.sendPostRequestAsync(`${origin}/tenant/oauth2/v2.0/token`, { body: 'client_secret=abc' }));
    expect(e.code).toBe('host-refused');
    expect(e.message).not.toContain('abc');
    expect(hits).toBe(before);
    expect(m.lastFailure).toBe(e);
    await net.close();
  });

  it('a POST to the sign-in origin goes out', async () => {
    const net = createNetwork({ env: {} });
    const m = new MsalNetworkModule(net, { loginOrigin: origin });
    const r = await m.sendPostRequestAsync(`${origin}/tenant/oauth2/v2.0/token`, { body: 'x=1' });
    expect(r.status).toBe(200);
    await net.close();
  });

  it.each([
    [{ token_endpoint: 'https://evil.example/t/oauth2/v2.0/token' }, 'token_endpoint'],
    [{ token_endpoint: 'https://login.microsoftonline.com/t/token', device_authorization_endpoint: 'https://login.microsoftonline.com.evil.example/d' }, 'device_authorization_endpoint'],
    [{ authorization_endpoint: 'http://login.microsoftonline.com/t/authorize' }, 'authorization_endpoint'],
    [{ token_endpoint: 'not a url' }, 'token_endpoint'],
  ])('metadata %j names a foreign %s', (doc, field) => {
    expect(foreignEndpoint(doc, 'https://login.microsoftonline.com')?.field).toBe(field);
  });

  it('metadata on the sign-in origin (userinfo on Graph is fine) passes', () => {
    const o = 'https://login.microsoftonline.com';
    expect(foreignEndpoint({ token_endpoint: `${o}/t/oauth2/v2.0/token`, authorization_endpoint: `${o}/t/oauth2/v2.0/authorize`, userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo' }, o)).toBeUndefined();
  });
});
