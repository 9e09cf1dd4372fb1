/**
 * Admin consent end to end against the demo tenant over real HTTPS: the product's
 * admin-consent URL (consent/urls.ts) driven through the demo sign-in pages, then the
 * real MSAL app-token flow and the permission self-check. Follows "Admin consent on the
 * Microsoft identity platform" (learn.microsoft.com/entra/identity-platform/v2-admin-consent):
 * redirect_uri must match a registered redirect URI, success answers admin_consent=True
 * with tenant and state, and only a Global or Privileged Role Administrator can grant
 * Microsoft Graph application permissions (a Reports Reader is refused, AADSTS90094).
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminConsentUrl, DEFAULT_CONSENT_REDIRECT_URI } from '../../src-main/core/consent/urls';
import { verifyWithProfile } from '../../src-main/core/consent/verify-service';
import { startDemoTenant, type DemoTenant, type DemoUserName } from '../../src-main/core/demo-tenant/index';
import { DATASET_IDS } from '../../src-main/core/permissions/matrix';
import { demoCredential, demoProfile } from '../../src-main/core/demo/session';
import { cli, tempDir } from '../helpers/cli';
import { caFetch, type CaFetch } from '../helpers/demo-fetch';
import { signInAtAuthorize, type SignInOutcome } from '../helpers/sign-in-pages';

let tenant: DemoTenant;
let http: CaFetch;

beforeAll(async () => {
  tenant = await startDemoTenant({ users: 40, seed: 'admin-consent-it' });
  http = caFetch(tenant.caPem);
});

afterAll(async () => {
  await http?.close();
  await tenant?.close();
});

const profile = () => demoProfile(tenant, 'no-consent', 'secret');
const verify = () => verifyWithProfile({ profile: profile(), credential: demoCredential(tenant, 'no-consent', 'secret'), extraCaPem: [tenant.caPem], env: {} });

function creds(user: DemoUserName): { username: string; password: string } {
  return { username: tenant.signInUsers[user].upn, password: tenant.signInUsers[user].password };
}

function redirected(o: SignInOutcome): URL {
  if (o.kind !== 'redirect') throw new Error(`expected a redirect, got ${o.kind}${o.kind === 'page' ? `: ${o.html.slice(0, 300)}` : ''}`);
  return o.location;
}

describe('admin consent for the no-consent app through the product URL', () => {
  it('before consent: the token request fails with AADSTS65001', async () => {
    const r = await verify();
    expect(r.signIn.ok).toBe(false);
    if (r.signIn.ok) return;
    expect(r.signIn.error.aadsts).toBe(65001);
    expect(r.allEnabled).toBe(false);
  });

  it('the URL names the demo login host, the app and the default redirect URI the app registered', () => {
    const u = new URL(adminConsentUrl(profile(), { state: 'st-1' }));
    expect(`${u.origin}${u.pathname}`).toBe(`${tenant.loginUrl}/${tenant.tenantId}/v2.0/adminconsent`);
    expect(u.searchParams.get('client_id')).toBe(tenant.apps['no-consent'].clientId);
    expect(u.searchParams.get('redirect_uri')).toBe(DEFAULT_CONSENT_REDIRECT_URI);
    expect(tenant.apps['no-consent'].redirectUris).toContain(DEFAULT_CONSENT_REDIRECT_URI);
  });

  it('a Reports Reader is refused (access_denied, AADSTS90094) and nothing is granted', async () => {
    const loc = redirected(await signInAtAuthorize(http.fetch, adminConsentUrl(profile(), { state: 'refused-1' }), creds('reports-reader')));
    expect(`${loc.origin}${loc.pathname}`).toBe('http://localhost/');
    expect(loc.searchParams.get('error')).toBe('access_denied');
    expect(loc.searchParams.get('error_description') ?? '').toMatch(/^AADSTS90094: /);
    expect(loc.searchParams.get('state')).toBe('refused-1');
    expect(loc.searchParams.get('admin_consent')).toBeNull();
    const r = await verify();
    expect(r.signIn.ok).toBe(false);
    if (!r.signIn.ok) expect(r.signIn.error.aadsts).toBe(65001);
  });

  it('a redirect URI the app did not register gets an error page (AADSTS50011), no redirect', async () => {
    const res = await http.fetch(adminConsentUrl(profile(), { redirectUri: 'https://admin.contoso.example/done' }));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('AADSTS50011');
  });

  it('a Global Administrator consents; then the token works and verify shows every feature enabled', async () => {
    const loc = redirected(await signInAtAuthorize(http.fetch, adminConsentUrl(profile(), { state: 'ok-1' }), creds('global-admin')));
    expect(`${loc.origin}${loc.pathname}`).toBe('http://localhost/');
    expect(loc.searchParams.get('admin_consent')).toBe('True');
    expect(loc.searchParams.get('tenant')).toBe(tenant.tenantId);
    expect(loc.searchParams.get('state')).toBe('ok-1');
    expect(loc.searchParams.get('error')).toBeNull();
    const r = await verify();
    expect(r.signIn).toEqual({ ok: true });
    expect(r.rows.map((x) => [x.dataset, x.status])).toEqual(DATASET_IDS.map((d) => [d, 'enabled']));
    // Least privilege: exactly what the reader app holds, nothing in excess.
    expect([...r.granted].sort()).toEqual([...tenant.apps.reader.roles].sort());
    expect(r.excess).toEqual([]);
    expect(r.allEnabled).toBe(true);
  });
});

describe('consent script from the CLI', () => {
  it('demo certificate profile: the public certificate is embedded, the web redirect URI registered, the reserved name not suggested', async () => {
    const r = await cli(['consent', 'script', '--profile', 'demo', '--shell', 'powershell', '--credential', 'certificate', '--users', '10']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\$CertBase64 = 'MII[A-Za-z0-9+/=]+'/);
    expect(r.stdout).toContain("$RedirectUri = 'http://localhost'");
    expect(r.stdout).toContain('Web = @{ RedirectUris = @($RedirectUri) }');
    expect(r.stdout).toContain('profile add --name <profile name>');
    expect(r.stdout).not.toMatch(/PRIVATE KEY/);
  });

  it('refuses a --certificate file that holds a private key, and one that does not exist', async () => {
    const dir = tempDir('consent-script-');
    const key = join(dir, 'key.pem');
    writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nMIIEvQ==\n-----END PRIVATE KEY-----\n');
    const r = await cli(['consent', 'script', '--profile', 'demo', '--shell', 'azcli', '--certificate', key, '--users', '10']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/private key/);
    expect(r.stdout).toBe('');
    const missing = await cli(['consent', 'script', '--profile', 'demo', '--shell', 'azcli', '--certificate', join(dir, 'nope.pem'), '--users', '10']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/Cannot read the certificate file/);
    rmSync(dir, { recursive: true, force: true });
  });
});
