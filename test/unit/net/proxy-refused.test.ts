import { afterEach, describe, expect, it } from 'vitest';
import { createNetwork } from '../../../src-main/core/net/network';
import { fromNetworkFailure } from '../../../src-main/core/net/net-errors';
import { MsalNetworkModule } from '../../../src-main/core/net/msal-network';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { startRefusingProxy } from '../../helpers/refusing-proxy';

const PASSWORD = 'Pr0xyPa55w0rd';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
});

async function failureThrough(status: 407 | 403): Promise<{ fetchError: OperatorError; msalError: OperatorError; connects: number }> {
  const proxy = await startRefusingProxy(status);
  closers.push(proxy.close);
  const withCreds = proxy.url.replace('http://', `http://corp%5Cuser:${PASSWORD}@`);
  const net = createNetwork({ env: { HTTPS_PROXY: withCreds } });
  closers.push(() => net.close());
  const url = 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token';
  const fetchError = await net.fetch(url).then(
    () => {
      throw new Error('the request went through');
    },
    (e: unknown) => fromNetworkFailure(e, url),
  );
  const msal = new MsalNetworkModule(net);
  const msalError = await msal.sendPostRequestAsync(url, { body: 'grant_type=client_credentials' }).then(
    () => {
      throw new Error('the request went through');
    },
    (e: unknown) => e as OperatorError,
  );
  return { fetchError, msalError, connects: proxy.connects() };
}

describe('a proxy that refuses the tunnel is named as the cause, not as a cancel', () => {
  it('407: authentication required, HTTPS_PROXY named, the password nowhere', async () => {
    const { fetchError, msalError, connects } = await failureThrough(407);
    expect(connects).toBeGreaterThan(0);
    for (const e of [fetchError, msalError]) {
      expect(e).toBeInstanceOf(OperatorError);
      expect(e.code).toBe('network');
      expect(e.message).toMatch(/proxy requires authentication \(407/i);
      expect(e.hint).toContain('HTTPS_PROXY');
      expect(e.remedy).toEqual({ action: 'check-network' });
      expect(JSON.stringify({ m: e.message, h: e.hint })).not.toContain(PASSWORD);
    }
  });

  it('403: access denied by the proxy', async () => {
    const { fetchError, msalError } = await failureThrough(403);
    for (const e of [fetchError, msalError]) {
      expect(e.code).toBe('network');
      expect(e.message).toMatch(/proxy denied access .*403/i);
      expect(e.hint).toContain('HTTPS_PROXY');
    }
  });

  it('a real cancel is still a cancel', () => {
    const ac = new AbortController();
    ac.abort();
    expect(fromNetworkFailure(new Error('x'), 'https://graph.microsoft.com/', ac.signal).code).toBe('cancelled');
  });
});
