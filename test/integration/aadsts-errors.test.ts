/**
 * Every error mapping an operator can act on, produced for real by the demo tenant
 * over HTTPS (learn.microsoft.com/entra/identity-platform/reference-error-codes,
 * learn.microsoft.com/graph/errors):
 * - app-only sign-in errors through the real MSAL client-credentials flow;
 * - delegated-flow errors (50076, 50079, 53003, 50020) by driving the authorize page and the
 *   token endpoint over HTTPS the way a browser and MSAL would, then passing the
 *   response through the translation;
 * - Graph 403 Authorization_RequestDenied, the 403 for signInActivity without P1, and
 *   401 for an expired token.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppTokenProvider } from '../../src-main/core/auth/app-token';
import { certificateCredential, type AppCredential } from '../../src-main/core/auth/credentials';
import { startDemoTenant, type DemoTenant } from '../../src-main/core/demo-tenant/index';
import type { DemoUserName } from '../../src-main/core/demo-tenant/types';
import { OperatorError } from '../../src-main/core/errors/operator-error';
import { fromAuthorizeRedirect, fromGraphError, fromTokenEndpointError } from '../../src-main/core/errors/translate';
import { createGraphSession } from '../../src-main/core/graph/create-session';
import { createNetwork, type Network } from '../../src-main/core/net/network';
import type { Profile } from '../../src-main/core/profile/schema';
import { demoCredential, demoProfile } from '../../src-main/core/demo/session';
import { formatError } from '../../src-main/cli/output';
import { failure } from '../helpers/operator-error';

let tenant: DemoTenant;
let noP1: DemoTenant;
let network: Network;

beforeAll(async () => {
  [tenant, noP1] = await Promise.all([startDemoTenant({ users: 30, seed: 'aadsts-it' }), startDemoTenant({ users: 10, seed: 'aadsts-it-nop1', p1: false })]);
  network = createNetwork({ extraCaPem: [tenant.caPem, noP1.caPem], env: {} });
});

afterAll(async () => {
  await network?.close();
  await Promise.all([tenant?.close(), noP1?.close()]);
});

function appTokenError(profile: Profile, credential: AppCredential): Promise<OperatorError> {
  const net = createNetwork({ extraCaPem: [tenant.caPem], env: {} });
  return failure(createAppTokenProvider({ profile, credential, network: net }).getToken()).finally(() => net.close());
}

describe('app-only sign-in errors (real MSAL)', () => {
  it('AADSTS7000215: wrong secret -> use the secret VALUE; app admins create a new one', async () => {
    const e = await appTokenError(demoProfile(tenant, 'reader', 'secret'), { kind: 'secret', secret: 'not-the-secret-value~0123456789abcdef' });
    expect(e).toMatchObject({ code: 'auth-failed', aadsts: 7000215 });
    expect(e.hint).toMatch(/secret VALUE/);
    expect(e.who).toMatch(/Application Administrator/);
  });

  it('AADSTS7000222: expired secret', async () => {
    const e = await appTokenError(demoProfile(tenant, 'expired-secret', 'secret'), { kind: 'secret', secret: tenant.apps['expired-secret'].secret });
    expect(e).toMatchObject({ code: 'auth-failed', aadsts: 7000222 });
    expect(e.hint).toMatch(/new client secret/);
  });

  it('AADSTS700016: unknown application', async () => {
    const profile = { ...demoProfile(tenant, 'reader', 'secret'), clientId: '0badc0de-0000-4000-8000-000000000000' };
    const e = await appTokenError(profile, { kind: 'secret', secret: tenant.apps.reader.secret });
    expect(e).toMatchObject({ code: 'auth-failed', aadsts: 700016 });
    expect(e.hint).toMatch(/client ID and tenant ID/);
  });

  it('AADSTS700027: certificate not registered for the app', async () => {
    const other = tenant.apps['no-auditlog'];
    const e = await appTokenError(demoProfile(tenant, 'reader', 'certificate'), certificateCredential(other.certificatePem, other.privateKeyPem));
    expect(e).toMatchObject({ code: 'auth-failed', aadsts: 700027 });
    expect(e.hint).toMatch(/Upload the public certificate/);
  });

  it('AADSTS65001: no admin consent -> who may consent', async () => {
    const e = await appTokenError(demoProfile(tenant, 'no-consent', 'secret'), demoCredential(tenant, 'no-consent', 'secret'));
    expect(e).toMatchObject({ code: 'consent-missing', aadsts: 65001 });
    expect(e.who).toMatch(/Privileged Role Administrator or Global Administrator/);
    expect(e.who).toMatch(/cannot grant Microsoft Graph application permissions/);
  });

  it('AADSTS90002: tenant not found (token endpoint over HTTPS)', async () => {
    const app = tenant.apps.reader;
    const res = await network.fetch(`${tenant.loginUrl}/no-such-tenant.onmicrosoft.com/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret, scope: `${tenant.graphUrl}/.default` }).toString(),
    });
    const e = fromTokenEndpointError(res.status, await res.text());
    expect(e).toMatchObject({ code: 'auth-failed', aadsts: 90002, status: 400 });
    expect(e.hint).toMatch(/tenant ID/);
    expect(e.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('AADSTS500011: Graph of another cloud (real MSAL with a mismatched Graph URL)', async () => {
    const base = demoProfile(tenant, 'reader', 'secret');
    const profile: Profile = { ...base, customEndpoints: { loginUrl: tenant.loginUrl, graphUrl: 'https://graph.microsoft.us' } };
    const e = await appTokenError(profile, { kind: 'secret', secret: tenant.apps.reader.secret });
    expect(e).toMatchObject({ code: 'auth-failed', aadsts: 500011 });
    expect(e.hint).toMatch(/cloud/);
  });
});

// ---------------------------------------------------------------------------
// Delegated flows, driven over HTTPS like a browser (authorize page) and MSAL (token endpoint).

const REDIRECT = 'http://localhost:53682/';
const delegatedScope = (): string => `openid profile offline_access ${tenant.graphUrl}/User.Read.All`;

function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function signIn(user: DemoUserName, challenge: string): Promise<URL> {
  const app = tenant.publicApps.delegated;
  const authorize = new URL(`${tenant.loginUrl}/${tenant.tenantId}/oauth2/v2.0/authorize`);
  for (const [k, v] of Object.entries({
    client_id: app.clientId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: delegatedScope(),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st-1',
  })) authorize.searchParams.set(k, v);
  const page = await network.fetch(authorize, { redirect: 'manual' });
  expect(page.status).toBe(200);
  const html = await page.text();
  const session = /name="session" value="([^"]+)"/.exec(html)?.[1];
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  expect(session).toBeDefined();
  expect(action).toBeDefined();
  const u = tenant.signInUsers[user];
  const res = await network.fetch(new URL(action!.replace(/&amp;/g, '&'), tenant.loginUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ session: session!, username: u.upn, password: u.password }).toString(),
  });
  await res.body?.cancel();
  expect(res.status).toBe(302);
  const location = res.headers.get('location');
  expect(location).toMatch(/^http:\/\/localhost:53682\//);
  return new URL(location!);
}

function tokenRequest(form: Record<string, string>) {
  return network.fetch(`${tenant.loginUrl}/${tenant.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
}

/** Signs `user` in without MFA and redeems the code: the refresh token of that session. */
async function refreshTokenWithoutMfa(user: DemoUserName): Promise<string> {
  const { verifier, challenge } = pkce();
  const back = await signIn(user, challenge);
  expect(fromAuthorizeRedirect(back)).toBeUndefined();
  const code = back.searchParams.get('code');
  expect(code).toBeTruthy();
  const app = tenant.publicApps.delegated;
  const granted = await tokenRequest({ grant_type: 'authorization_code', client_id: app.clientId, code: code!, redirect_uri: REDIRECT, code_verifier: verifier, scope: delegatedScope() });
  expect(granted.status).toBe(200);
  const refreshToken = ((await granted.json()) as { refresh_token?: string }).refresh_token;
  expect(refreshToken).toBeTruthy();
  return refreshToken!;
}

function refresh(refreshToken: string) {
  return tokenRequest({ grant_type: 'refresh_token', client_id: tenant.publicApps.delegated.clientId, refresh_token: refreshToken, scope: delegatedScope() });
}

describe('delegated sign-in errors (authorize page and token endpoint over HTTPS)', () => {
  it('AADSTS53003: blocked by Conditional Access', async () => {
    const back = await signIn('blocked', pkce().challenge);
    const e = fromAuthorizeRedirect(back);
    expect(e).toMatchObject({ code: 'auth-failed', aadsts: 53003 });
    expect(e?.who).toMatch(/Conditional Access Administrator/);
    expect(back.searchParams.get('state')).toBe('st-1');
  });

  it('AADSTS50020: account from another tenant', async () => {
    const e = fromAuthorizeRedirect(await signIn('outsider', pkce().challenge));
    expect(e).toMatchObject({ code: 'auth-failed', aadsts: 50020 });
    expect(e?.hint).toMatch(/invite the account/);
  });

  it('AADSTS50076: MFA now required, the refresh token of a session without MFA is refused', async () => {
    const refreshToken = await refreshTokenWithoutMfa('reports-reader');
    tenant.setUserMfa('reports-reader', true);
    try {
      const refused = await refresh(refreshToken);
      const e = fromTokenEndpointError(refused.status, await refused.text());
      expect(e).toMatchObject({ code: 'auth-failed', aadsts: 50076, status: 400 });
      expect(e.hint).toMatch(/complete the MFA prompt/);
    } finally {
      tenant.setUserMfa('reports-reader', false);
    }
  });

  // AADSTS50079: MFA is now required, but the user has not registered a method yet.
  it('AADSTS50079: MFA registration required, the refresh token of a session without MFA is refused', async () => {
    const refreshToken = await refreshTokenWithoutMfa('global-reader');
    tenant.setUserMfa('global-reader', 'register');
    try {
      const refused = await refresh(refreshToken);
      expect(refused.status).toBe(400);
      const body = await refused.text();
      expect(JSON.parse(body)).toMatchObject({ error: 'invalid_grant', error_codes: [50079], suberror: 'basic_action' });
      expect(body).toMatch(/AADSTS50079: Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication/);
      const e = fromTokenEndpointError(refused.status, body);
      expect(e).toMatchObject({ code: 'auth-failed', aadsts: 50079, status: 400, message: 'Multi-factor authentication registration is required (AADSTS50079).' });
      expect(e.hint).toMatch(/must register an MFA method \(https:\/\/aka\.ms\/mfasetup\)/);
      expect(e.who).toMatch(/signed-in user registers MFA/);
      expect(e.who).toMatch(/Conditional Access Administrator/);
      // Worded for the delegated profile that met it: its name, and the user registers at aka.ms/mfasetup.
      const d = fromTokenEndpointError(refused.status, body, { kind: 'delegated', profile: 'contoso' });
      expect(formatError(d)).toMatch(/https:\/\/aka\.ms\/mfasetup[^]*login --profile contoso/);
      expect(d.who).toMatch(/^the signed-in user, at https:\/\/aka\.ms\/mfasetup/);
    } finally {
      tenant.setUserMfa('global-reader', false);
    }
  });

  it('AADSTS50079: a new sign-in of a user without an MFA method ends in interaction_required', async () => {
    tenant.setUserMfa('no-role', 'register');
    try {
      const back = await signIn('no-role', pkce().challenge);
      expect(back.searchParams.get('code')).toBeNull();
      expect(back.searchParams.get('error')).toBe('interaction_required');
      expect(back.searchParams.get('state')).toBe('st-1');
      const e = fromAuthorizeRedirect(back);
      expect(e).toMatchObject({ code: 'auth-failed', aadsts: 50079, message: 'Multi-factor authentication registration is required (AADSTS50079).' });
      expect(e?.hint).toMatch(/register an MFA method/);
      expect(e?.who).toMatch(/signed-in user registers MFA/);
    } finally {
      tenant.setUserMfa('no-role', false);
    }
    // Without the requirement the same user signs in again.
    expect(fromAuthorizeRedirect(await signIn('no-role', pkce().challenge))).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------

describe('Microsoft Graph errors', () => {
  it('403 Authorization_RequestDenied names the least-privileged permission', async () => {
    const profile = demoProfile(tenant, 'minimal', 'secret');
    const net = createNetwork({ extraCaPem: [tenant.caPem], env: {} });
    const session = createGraphSession({ profile, tokenProvider: createAppTokenProvider({ profile, credential: demoCredential(tenant, 'minimal', 'secret'), network: net }), network: net });
    try {
      const e = await failure(session.getJson('/subscribedSkus'));
      expect(e).toMatchObject({ code: 'permission-denied', status: 403, graphCode: 'Authorization_RequestDenied', permission: 'LicenseAssignment.Read.All' });
      expect(e.who).toMatch(/Privileged Role Administrator or Global Administrator grants LicenseAssignment\.Read\.All/);
      // An app-only profile: only the application permission, never the delegated wording.
      expect(e.who).not.toMatch(/delegated|directory roles/);
      expect(formatError(e)).toMatch(/verify --profile demo/);
    } finally {
      await session.close();
    }
  });

  it('403 for signInActivity without Entra ID P1 -> licence, not permission', async () => {
    const profile = demoProfile(noP1, 'reader', 'secret');
    const net = createNetwork({ extraCaPem: [noP1.caPem], env: {} });
    const session = createGraphSession({ profile, tokenProvider: createAppTokenProvider({ profile, credential: demoCredential(noP1, 'reader', 'secret'), network: net }), network: net });
    try {
      const e = await failure(session.getJson('/users?$top=1&$select=id,signInActivity'));
      expect(e).toMatchObject({ code: 'license-required', status: 403, graphCode: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant' });
      expect(e.message).toMatch(/Microsoft Entra ID P1/);
      expect(e.who).toMatch(/Billing Administrator or Global Administrator/);
    } finally {
      await session.close();
    }
  });

  it('401 for an expired token', async () => {
    tenant.setFaults({ tokenLifetimeSeconds: 1 });
    try {
      const provider = createAppTokenProvider({ profile: demoProfile(tenant, 'reader', 'secret'), credential: demoCredential(tenant, 'reader', 'secret'), network });
      const { accessToken } = await provider.getToken();
      await new Promise((r) => setTimeout(r, 2100));
      const res = await network.fetch(`${tenant.graphUrl}/v1.0/subscribedSkus`, { headers: { authorization: `Bearer ${accessToken}` } });
      expect(res.status).toBe(401);
      const e = fromGraphError(res.status, await res.text());
      expect(e).toMatchObject({ code: 'auth-failed', status: 401, graphCode: 'InvalidAuthenticationToken' });
      expect(e.message).toMatch(/it has expired/);
      expect(e.hint).toMatch(/clock/);
    } finally {
      tenant.setFaults({});
    }
  });
});
