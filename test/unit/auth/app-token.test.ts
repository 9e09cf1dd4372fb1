import { afterAll, describe, expect, it } from 'vitest';
import { buildMsalConfiguration, createAppTokenProvider } from '../../../src-main/core/auth/app-token';
import { MsalNetworkModule } from '../../../src-main/core/net/msal-network';
import { createNetwork } from '../../../src-main/core/net/network';
import type { Profile } from '../../../src-main/core/profile/schema';
import type { CloudId } from '../../../src-main/core/clouds/clouds';

const network = createNetwork({ env: {} });
afterAll(() => network.close());

function profile(cloud: CloudId): Profile {
  return {
    name: 'p',
    tenantId: 'contoso.onmicrosoft.com',
    clientId: '11111111-2222-3333-4444-555555555555',
    cloud,
    ...(cloud === 'custom' ? { customEndpoints: { loginUrl: 'https://127.0.0.1:4430', graphUrl: 'https://127.0.0.1:4431' } } : {}),
    credential: { kind: 'secret', secretEnv: 'S' },
  };
}

// MSAL Node configuration: https://learn.microsoft.com/entra/identity-platform/msal-node-migration and
// national clouds: https://learn.microsoft.com/graph/deployments
describe('MSAL configuration per cloud', () => {
  it.each<[CloudId, string, string, string]>([
    ['global', 'https://login.microsoftonline.com/contoso.onmicrosoft.com', 'login.microsoftonline.com', 'https://graph.microsoft.com/.default'],
    ['gcch', 'https://login.microsoftonline.us/contoso.onmicrosoft.com', 'login.microsoftonline.us', 'https://graph.microsoft.us/.default'],
    ['dod', 'https://login.microsoftonline.us/contoso.onmicrosoft.com', 'login.microsoftonline.us', 'https://dod-graph.microsoft.us/.default'],
    ['china', 'https://login.chinacloudapi.cn/contoso.onmicrosoft.com', 'login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn/.default'],
    ['custom', 'https://127.0.0.1:4430/contoso.onmicrosoft.com', '127.0.0.1:4430', 'https://127.0.0.1:4431/.default'],
  ])('%s', (cloud, authority, known, scope) => {
    const opts = { profile: profile(cloud), credential: { kind: 'secret' as const, secret: 's3cr3t' }, network };
    const cfg = buildMsalConfiguration(opts, new MsalNetworkModule(network));
    expect(cfg.auth.authority).toBe(authority);
    expect(cfg.auth.knownAuthorities).toEqual([known]);
    expect(cfg.auth.clientSecret).toBe('s3cr3t');
    expect(cfg.auth.clientCertificate).toBeUndefined();
    expect(cfg.system?.loggerOptions?.piiLoggingEnabled).toBe(false);
    expect(cfg.system?.networkClient).toBeInstanceOf(MsalNetworkModule);
    expect(createAppTokenProvider(opts).scope).toBe(scope);
  });

  it('certificate credentials use the SHA-256 thumbprint', () => {
    const cfg = buildMsalConfiguration(
      {
        profile: profile('global'),
        credential: { kind: 'certificate', privateKeyPem: 'KEY', certificatePem: 'CERT', thumbprintSha256: 'ab'.repeat(32), notAfter: new Date() },
        network,
      },
      new MsalNetworkModule(network),
    );
    expect(cfg.auth.clientCertificate).toEqual({ thumbprintSha256: 'ab'.repeat(32), privateKey: 'KEY' });
    expect(cfg.auth.clientSecret).toBeUndefined();
  });

  it('the logger drops PII lines and redacts tokens', () => {
    const lines: string[] = [];
    const cfg = buildMsalConfiguration(
      { profile: profile('global'), credential: { kind: 'secret', secret: 'x' }, network, log: (_l, m) => lines.push(m) },
      new MsalNetworkModule(network),
    );
    const cb = cfg.system?.loggerOptions?.loggerCallback;
    if (!cb) throw new Error('no logger');
    cb(2, 'pii line with user@contoso.com', true);
    cb(2, 'got eyJhbGciOiJSUzI1NiJ9.eyJ0aWQiOiJ4In0.c2lnbmF0dXJl', false);
    expect(lines).toEqual(['got [redacted-jwt]']);
  });
});
