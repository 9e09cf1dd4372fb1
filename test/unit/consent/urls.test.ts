/** Admin-consent URL per cloud: learn.microsoft.com/entra/identity-platform/v2-admin-consent */
import { describe, expect, it } from 'vitest';
import { adminConsentUrl } from '../../../src-main/core/consent/urls';
import { OperatorError } from '../../../src-main/core/errors/operator-error';

const base = { tenantId: 'contoso.onmicrosoft.com', clientId: '11111111-2222-4333-8444-555555555555' };

describe('adminConsentUrl', () => {
  it.each([
    ['global', 'https://login.microsoftonline.com', 'https%3A%2F%2Fgraph.microsoft.com%2F.default'],
    ['gcch', 'https://login.microsoftonline.us', 'https%3A%2F%2Fgraph.microsoft.us%2F.default'],
    ['dod', 'https://login.microsoftonline.us', 'https%3A%2F%2Fdod-graph.microsoft.us%2F.default'],
    ['china', 'https://login.chinacloudapi.cn', 'https%3A%2F%2Fmicrosoftgraph.chinacloudapi.cn%2F.default'],
  ] as const)('%s', (cloud, login, scope) => {
    expect(adminConsentUrl({ ...base, cloud })).toBe(
      `${login}/contoso.onmicrosoft.com/v2.0/adminconsent?client_id=11111111-2222-4333-8444-555555555555&scope=${scope}&redirect_uri=http%3A%2F%2Flocalhost`,
    );
  });

  it('custom endpoints and an operator-given redirect URI', () => {
    const url = adminConsentUrl(
      { ...base, cloud: 'custom', customEndpoints: { loginUrl: 'https://127.0.0.1:4443', graphUrl: 'https://127.0.0.1:4444' } },
      { redirectUri: 'https://admin.contoso.com/done?x=1&y=2', state: 'abc' },
    );
    const u = new URL(url);
    expect(u.origin + u.pathname).toBe('https://127.0.0.1:4443/contoso.onmicrosoft.com/v2.0/adminconsent');
    expect(u.searchParams.get('scope')).toBe('https://127.0.0.1:4444/.default');
    expect(u.searchParams.get('redirect_uri')).toBe('https://admin.contoso.com/done?x=1&y=2');
    expect(url).toContain('redirect_uri=https%3A%2F%2Fadmin.contoso.com%2Fdone%3Fx%3D1%26y%3D2');
    expect(u.searchParams.get('state')).toBe('abc');
  });

  it.each([
    ['http://evil.example/cb'],
    ['javascript:alert(1)'],
    ['not a url'],
    ['https://user:pw@contoso.com/cb'],
    ['https://contoso.com/cb#frag'],
    ['file:///etc/passwd'],
  ])('refuses redirect URI %j', (redirectUri) => {
    expect(() => adminConsentUrl({ ...base, cloud: 'global' }, { redirectUri })).toThrow(OperatorError);
  });

  it.each([['http://localhost:8400/x'], ['http://127.0.0.1/'], ['https://contoso.com/consented']])('accepts redirect URI %j', (redirectUri) => {
    expect(new URL(adminConsentUrl({ ...base, cloud: 'global' }, { redirectUri })).searchParams.get('redirect_uri')).toBe(redirectUri);
  });
});
