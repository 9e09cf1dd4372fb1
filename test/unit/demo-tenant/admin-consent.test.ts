/**
 * The demo tenant's admin-consent endpoint over real HTTPS, driven like a browser
 * (learn.microsoft.com/entra/identity-platform/v2-admin-consent; roles per
 * learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent): request
 * validation (error pages, never a redirect to an unregistered URI), who may consent
 * to application and to delegated permissions, and the redirect shapes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoTenant, type DemoTenant, type DemoUserName } from '../../../src-main/core/demo-tenant/index';
import { CONSENT_ROLES } from '../../../src-main/core/demo-tenant/delegated';
import { caFetch, form, type CaFetch } from '../../helpers/demo-fetch';
import { signInAtAuthorize, type SignInOutcome } from '../../helpers/sign-in-pages';

let t: DemoTenant;
let http: CaFetch;

beforeAll(async () => {
  t = await startDemoTenant({ users: 12, seed: 'admin-consent-unit' });
  http = caFetch(t.caPem);
});

afterAll(async () => {
  await http?.close();
  await t?.close();
});

function consentUrl(params: Record<string, string | undefined>, segment?: string): string {
  const q = new URLSearchParams();
  const all: Record<string, string | undefined> = {
    client_id: t.apps['no-consent'].clientId,
    scope: `${t.graphUrl}/.default`,
    redirect_uri: 'http://localhost',
    state: 's-1',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) q.set(k, v);
  return `${t.loginUrl}/${segment ?? t.tenantId}/v2.0/adminconsent?${q.toString()}`;
}

function creds(user: DemoUserName): { username: string; password: string } {
  return { username: t.signInUsers[user].upn, password: t.signInUsers[user].password };
}

function redirected(o: SignInOutcome): URL {
  if (o.kind !== 'redirect') throw new Error(`expected a redirect, got ${o.kind}${o.kind === 'page' ? `: ${o.html.slice(0, 300)}` : ''}`);
  return o.location;
}

describe('request validation: an error page, never a redirect', () => {
  it.each([
    ['unknown client id', { client_id: '0b5c1a9e-1111-4222-8333-444455556666' }, 700016],
    ['client id that is no GUID', { client_id: 'not-a-guid<script>' }, 700038],
    ['missing client id', { client_id: undefined }, 900144],
    ['missing redirect URI', { redirect_uri: undefined }, 900144],
    ['unregistered https redirect URI', { redirect_uri: 'https://evil.example/cb' }, 50011],
    ['loopback redirect URI with another path', { redirect_uri: 'http://localhost:8400/elsewhere' }, 50011],
    ['loopback redirect URI with a query', { redirect_uri: 'http://localhost/?next=https://evil.example' }, 50011],
    ['http on another host', { redirect_uri: 'http://localhost.evil.example/' }, 50011],
    ['javascript: redirect URI', { redirect_uri: 'javascript:alert(1)' }, 50011],
  ] as const)('%s -> AADSTS%i', async (_n, params, code) => {
    const res = await http.fetch(consentUrl(params));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const html = await res.text();
    expect(html).toContain(`AADSTS${code}`);
    expect(html).not.toContain('<script');
  });

  it('shows the sign-in page, naming the app, for a valid request (any loopback port)', async () => {
    const res = await http.fetch(consentUrl({ redirect_uri: 'http://localhost:51234' }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Licence Reconciler (no admin consent)');
    expect(html).toContain(`action="/${t.tenantId}/login"`);
  });

  it('sends a scope of another resource back as access_denied with AADSTS500011', async () => {
    const loc = redirected(await signInAtAuthorize(http.fetch, consentUrl({ scope: 'https://other.example/.default' }), creds('global-admin')));
    expect(loc.searchParams.get('error')).toBe('access_denied');
    expect(loc.searchParams.get('error_description') ?? '').toMatch(/^AADSTS500011: /);
  });
});

describe('who may consent', () => {
  it('only Global and Privileged Role Administrators grant application permissions', () => {
    expect(CONSENT_ROLES.application).toEqual(['Global Administrator', 'Privileged Role Administrator']);
    expect(CONSENT_ROLES.delegated).toEqual(expect.arrayContaining(['Cloud Application Administrator', 'Application Administrator']));
  });

  it.each([
    ['global-reader', 90094],
    ['no-role', 90094],
    ['blocked', 53003],
    ['outsider', 50020],
  ] as const)('%s is refused (AADSTS%i), state echoed', async (user, code) => {
    const loc = redirected(await signInAtAuthorize(http.fetch, consentUrl({ state: `refused-${user}` }), creds(user)));
    expect(`${loc.origin}${loc.pathname}`).toBe('http://localhost/');
    expect(loc.searchParams.get('error')).toBe('access_denied');
    expect(loc.searchParams.get('error_description') ?? '').toMatch(new RegExp(`^AADSTS${code}: `));
    expect(loc.searchParams.get('state')).toBe(`refused-${user}`);
    const tok = await http.fetch(
      `${t.loginUrl}/${t.tenantId}/oauth2/v2.0/token`,
      form({ grant_type: 'client_credentials', client_id: t.apps['no-consent'].clientId, client_secret: t.apps['no-consent'].secret, scope: `${t.graphUrl}/.default` }),
    );
    expect(((await tok.json()) as { error_codes?: number[] }).error_codes).toEqual([65001]);
  });

  it('a wrong password keeps the sign-in page; nothing is granted', async () => {
    const o = await signInAtAuthorize(http.fetch, consentUrl({}), { username: t.signInUsers['global-admin'].upn, password: 'wrong' });
    expect(o.kind).toBe('page');
    if (o.kind === 'page') expect(o.html).toContain('AADSTS50126');
  });

  it('a Privileged Role Administrator consents for the delegated public client; its users then get the read scopes', async () => {
    const app = t.publicApps['delegated-no-consent'];
    const loc = redirected(
      await signInAtAuthorize(http.fetch, consentUrl({ client_id: app.clientId, redirect_uri: 'http://localhost:40000', state: undefined }, 'organizations'), creds('privileged-role-admin')),
    );
    expect(`${loc.origin}${loc.pathname}`).toBe('http://localhost:40000/');
    expect(loc.searchParams.get('admin_consent')).toBe('True');
    expect(loc.searchParams.get('tenant')).toBe(t.tenantId);
    expect(loc.searchParams.has('state')).toBe(false);
    // The authorize flow for that app now hands out a code instead of consent_required.
    const authorize = new URL(`${t.loginUrl}/${t.tenantId}/oauth2/v2.0/authorize`);
    for (const [k, v] of Object.entries({
      client_id: app.clientId,
      response_type: 'code',
      redirect_uri: 'http://localhost:40001',
      scope: `${t.graphUrl}/.default openid offline_access`,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })) {
      authorize.searchParams.set(k, v);
    }
    const after = redirected(await signInAtAuthorize(http.fetch, authorize.toString(), creds('reports-reader')));
    expect(after.searchParams.get('error')).toBeNull();
    expect(after.searchParams.get('code')).toMatch(/^1\./);
  });
});
