/**
 * The demo tenant's delegated side over real HTTPS: the authorize page driven like a
 * browser, the token endpoint's authorization_code (PKCE, RFC 7636), refresh_token
 * (rotation) and device_code grants (RFC 8628), the AADSTS errors in the v2.0 shapes
 * (learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow,
 * .../v2-oauth2-device-code, .../reference-error-codes), and Graph's delegated
 * authorisation (scope AND directory role; Global Reader gets no per-user report detail).
 * Pure helpers are tested with tables, hostile cases included.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { startDemoTenant, type DemoTenant, type DemoUserName } from '../../../src-main/core/demo-tenant/index';
import type { DemoPublicAppName } from '../../../src-main/core/demo-tenant/types';
import { loopbackRedirectMatches, parseDelegatedScopes, pkceS256Matches, redirectUriMatches } from '../../../src-main/core/demo-tenant/delegated';
import { escapeHtml, formPostPage, PAGE_CSP } from '../../../src-main/core/demo-tenant/authorize-page';
import { rolesFromTemplateIds, templateIdsForRoles } from '../../../src-main/core/demo-tenant/users';
import { createIdentity, generateIdentityMaterial, type Identity, type LoginResponse } from '../../../src-main/core/demo-tenant/identity';
import { requiredDelegatedScopes } from '../../../src-main/core/permissions/matrix';
import { DEFAULT_CONSENT_REDIRECT_URI } from '../../../src-main/core/consent/urls';
import { signInAtAuthorize, signInWithDeviceCode, type SignInOutcome } from '../../helpers/sign-in-pages';
import { caFetch, form } from '../../helpers/demo-fetch';

// ---------------------------------------------------------------------------
// Pure helpers

describe('loopbackRedirectMatches (RFC 8252 §7.3: any port on a registered http://localhost)', () => {
  const registered = ['http://localhost'];
  const cases: [string, boolean][] = [
    ['http://localhost', true],
    ['http://localhost:53123', true],
    ['http://localhost:53123/', true],
    // Entra ID ignores a localhost redirect URI's port but matches its path.
    ['http://localhost:8400/callback', false],
    ['http://localhost:8400/?x=1', false],
    ['http://127.0.0.1:51000', true],
    ['http://LOCALHOST:1234', true],
    ['https://localhost:1234', false],
    ['http://localhost.evil.example:1234', false],
    ['http://evil.example/localhost', false],
    ['http://user:pass@localhost:1234', false],
    ['http://localhost@evil.example', false],
    ['http://localhost:1234/#frag', false],
    ['http://[::1]:1234', false],
    ['http://127.0.0.2:1234', false],
    ['http://0x7f000001:1234', false],
    ['http://localhost:1234\\@evil.example', false],
    ['javascript:alert(1)', false],
    ['ms-app://localhost', false],
    ['not a url', false],
    ['', false],
  ];
  it.each(cases)('%s -> %s', (uri, ok) => {
    expect(loopbackRedirectMatches(uri, registered)).toBe(ok);
  });
  it('matches the registered path on any port', () => {
    const withPath = ['http://localhost/consented'];
    expect(loopbackRedirectMatches('http://localhost:8400/consented', withPath)).toBe(true);
    expect(loopbackRedirectMatches('http://127.0.0.1/consented', withPath)).toBe(true);
    expect(loopbackRedirectMatches('http://localhost:8400/', withPath)).toBe(false);
    expect(loopbackRedirectMatches('http://localhost:8400/consented/more', withPath)).toBe(false);
    expect(loopbackRedirectMatches('http://localhost:8400/Consented', withPath)).toBe(false);
  });
  it('redirectUriMatches: loopback rules for localhost, exact match for https', () => {
    const reg = ['http://localhost', 'https://admin.contoso.com/done'];
    expect(redirectUriMatches('http://localhost:1234', reg)).toBe(true);
    expect(redirectUriMatches('https://admin.contoso.com/done', reg)).toBe(true);
    expect(redirectUriMatches('https://admin.contoso.com/done/', reg)).toBe(false);
    expect(redirectUriMatches('https://admin.contoso.com:444/done', reg)).toBe(false);
    expect(redirectUriMatches('https://evil.example/done', reg)).toBe(false);
    expect(redirectUriMatches('http://localhost:1234/x', reg)).toBe(false);
  });
  it('accepts nothing when no loopback URI is registered', () => {
    expect(loopbackRedirectMatches('http://localhost:1234', ['https://app.example/cb'])).toBe(false);
  });
});

describe('pkceS256Matches (RFC 7636)', () => {
  // RFC 7636 Appendix B.
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
  const cases: [string, string, string, boolean][] = [
    ['the RFC example', verifier, challenge, true],
    ['another verifier', `${verifier.slice(0, -1)}l`, challenge, false],
    ['the challenge itself as verifier (plain)', challenge, challenge, false],
    ['a verifier shorter than 43', verifier.slice(0, 42), createHash('sha256').update(verifier.slice(0, 42)).digest('base64url'), false],
    ['a verifier with illegal characters', `${verifier.slice(0, 42)}+`, createHash('sha256').update(`${verifier.slice(0, 42)}+`).digest('base64url'), false],
    ['an empty challenge', verifier, '', false],
    ['a padded base64 challenge', verifier, `${createHash('sha256').update(verifier).digest('base64')}`, false],
  ];
  it.each(cases)('%s', (_label, v, c, ok) => {
    expect(pkceS256Matches(v, c)).toBe(ok);
  });
});

describe('parseDelegatedScopes', () => {
  const g = 'https://127.0.0.1:4431';
  it('accepts bare, qualified and app-id-qualified Graph scopes plus OIDC scopes', () => {
    expect(parseDelegatedScopes(`User.Read.All ${g}/AuditLog.Read.All 00000003-0000-0000-c000-000000000000/Reports.Read.All openid profile offline_access`, g)).toEqual({
      ok: true,
      oidc: ['openid', 'profile', 'offline_access'],
      graph: ['User.Read.All', 'AuditLog.Read.All', 'Reports.Read.All'],
      defaultScope: false,
    });
  });
  it('accepts /.default', () => {
    expect(parseDelegatedScopes(`${g}/.default offline_access`, g)).toEqual({ ok: true, oidc: ['offline_access'], graph: [], defaultScope: true });
  });
  const bad: [string, string, 'invalid' | 'unknown-resource'][] = [
    ['another https resource', 'https://unknown.example/.default', 'unknown-resource'],
    ['another resource scope', 'https://unknown.example/Files.Read', 'unknown-resource'],
    ['an api:// resource', 'api://contoso/access', 'unknown-resource'],
    ['a GUID resource', '11111111-2222-3333-4444-555555555555/.default', 'unknown-resource'],
    ['.default mixed with a scope', `${g}/.default ${g}/User.Read.All`, 'invalid'],
    ['markup', '<script>', 'invalid'],
    ['a relative path', '/v1.0/users', 'invalid'],
    ['a scope with a dangling dot', 'User.Read.', 'invalid'],
  ];
  it.each(bad)('refuses %s', (_label, raw, kind) => {
    const p = parseDelegatedScopes(raw, g);
    expect(p.ok).toBe(false);
    if (!p.ok) expect(p.kind).toBe(kind);
  });
});

describe('page helpers', () => {
  it('escapes HTML', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
  it('form_post pages allow exactly one script (by hash) and a post to the redirect origin only', () => {
    const p = formPostPage('http://localhost:5000/cb', { code: 'a"b', state: '<s>' });
    expect(p.csp).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; form-action http:\/\/localhost:5000; base-uri 'none'; frame-ancestors 'none'$/);
    expect(p.html).toContain('value="a&quot;b"');
    expect(p.html).toContain('value="&lt;s&gt;"');
    expect(PAGE_CSP).toBe("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
  });
  it('maps role names to template ids and back', () => {
    const ids = templateIdsForRoles(['Reports Reader', 'Global Reader']);
    expect(ids).toEqual(['4a5d8f65-41da-4de4-8968-e035b65339cf', 'f2ef992c-3afb-46b9-b7cf-a126ee74c451', 'b79fbf4d-3ef9-4689-8143-76b194e85509']);
    expect(rolesFromTemplateIds(ids)).toEqual(['Reports Reader', 'Global Reader']);
    expect(rolesFromTemplateIds(['62E90394-69F5-4237-9190-012177145E10', 'not-a-role'])).toEqual(['Global Administrator']);
  });
});

// ---------------------------------------------------------------------------
// Over HTTPS

let t: DemoTenant;
let http: ReturnType<typeof caFetch>;

beforeAll(async () => {
  t = await startDemoTenant({ users: 500, seed: 'delegated-unit', deviceCodeIntervalSeconds: 1 });
  http = caFetch(t.caPem);
});

afterAll(async () => {
  await http?.close();
  await t?.close();
});

const REDIRECT = 'http://localhost:49152/';

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function graphScopes(): string {
  return requiredDelegatedScopes()
    .map((s) => `${t.graphUrl}/${s}`)
    .join(' ');
}

function authorizeUrl(o: { app?: DemoPublicAppName; params?: Record<string, string | undefined>; challenge: string; tenantSegment?: string }): string {
  const params: Record<string, string | undefined> = {
    client_id: t.publicApps[o.app ?? 'delegated'].clientId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope: `${graphScopes()} openid profile offline_access`,
    state: 'st-123',
    code_challenge: o.challenge,
    code_challenge_method: 'S256',
    client_info: '1',
    ...o.params,
  };
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return `${t.loginUrl}/${o.tenantSegment ?? t.tenantId}/oauth2/v2.0/authorize?${q.toString()}`;
}

function creds(user: DemoUserName): { username: string; password: string } {
  return { username: t.signInUsers[user].upn, password: t.signInUsers[user].password };
}

function expectRedirect(o: SignInOutcome): URL {
  if (o.kind !== 'redirect') throw new Error(`expected a redirect, got ${o.kind}${o.kind === 'page' ? `: ${o.html.slice(0, 400)}` : ''}`);
  return o.location;
}

async function postForm(path: string, fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await http.fetch(`${t.loginUrl}${path}`, form(fields));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function tokenPost(fields: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  return postForm(`/${t.tenantId}/oauth2/v2.0/token`, fields);
}

function expectStsJson(r: { status: number; body: Record<string, unknown> }, status: number, error: string, code: number): string {
  expect(r.status).toBe(status);
  expect(r.body['error']).toBe(error);
  expect(r.body['error_codes']).toEqual([code]);
  const d = String(r.body['error_description']);
  expect(d.startsWith(`AADSTS${code}: `)).toBe(true);
  expect(d).toMatch(/Trace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  return d;
}

function expectRedirectError(loc: URL, error: string, code: number, state = 'st-123'): string {
  expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT.replace(/\/$/, '') + '/');
  expect(loc.searchParams.get('error')).toBe(error);
  expect(loc.searchParams.get('code')).toBeNull();
  expect(loc.searchParams.get('state')).toBe(state);
  const d = loc.searchParams.get('error_description') ?? '';
  expect(d.startsWith(`AADSTS${code}: `)).toBe(true);
  return d;
}

/** Sign in through the pages and redeem the code: the whole browser + token endpoint flow. */
async function signInTokens(user: DemoUserName, o: { app?: 'delegated' | 'delegated-no-auditlog' | 'delegated-over-granted'; scope?: string } = {}): Promise<Record<string, unknown>> {
  const { verifier, challenge } = pkcePair();
  const loc = expectRedirect(
    await signInAtAuthorize(http.fetch, authorizeUrl({ challenge, ...(o.app ? { app: o.app } : {}), params: o.scope ? { scope: o.scope } : {} }), creds(user)),
  );
  const code = loc.searchParams.get('code') ?? '';
  const r = await tokenPost({
    grant_type: 'authorization_code',
    client_id: t.publicApps[o.app ?? 'delegated'].clientId,
    code,
    redirect_uri: REDIRECT,
    code_verifier: verifier,
    scope: `${graphScopes()} openid profile offline_access`,
    client_info: '1',
  });
  expect(r.status).toBe(200);
  return r.body;
}

async function graphGet(token: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await http.fetch(`${t.graphUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

describe('sign-in users and public clients', () => {
  it('exposes the users with their roles; tenant users are /users entries', async () => {
    const u = t.signInUsers;
    expect(u['reports-reader'].roles).toEqual(['Reports Reader', 'Directory Readers']);
    expect(u['mfa-reader']).toMatchObject({ roles: ['Reports Reader', 'Directory Readers'], mfa: true });
    expect(u['global-reader'].roles).toEqual(['Global Reader']);
    expect(u['global-admin'].roles).toEqual(['Global Administrator']);
    expect(u['privileged-role-admin'].roles).toEqual(['Privileged Role Administrator']);
    expect(u['app-admin'].roles).toEqual(['Application Administrator']);
    expect(u['no-role'].roles).toEqual([]);
    for (const name of ['reports-reader', 'global-reader', 'no-role', 'mfa-reader', 'global-admin', 'privileged-role-admin', 'blocked'] as const) {
      expect(u[name].upn.endsWith(`@${t.domain}`)).toBe(true);
    }
    expect(u.outsider.upn.endsWith(`@${t.domain}`)).toBe(false);
    expect(new Set(Object.values(u).map((x) => x.password)).size).toBe(9);
    // Read /users with the reader app and find the chosen users there.
    const tok = await tokenPost({ grant_type: 'client_credentials', client_id: t.apps.reader.clientId, client_secret: t.apps.reader.secret, scope: `${t.graphUrl}/.default` });
    const ids = new Map<string, string>();
    let next: string | undefined = '/v1.0/users?$top=999&$select=id,userPrincipalName';
    while (next) {
      const page = (await graphGet(String(tok.body['access_token']), next)).body as { value: { id: string; userPrincipalName: string }[]; '@odata.nextLink'?: string };
      for (const x of page.value) ids.set(x.id, x.userPrincipalName);
      next = page['@odata.nextLink']?.slice(t.graphUrl.length);
    }
    // Each tenant user is either the /users entry with that id, or (when the synthetic
    // directory holds no user with those roles) a dedicated <name>@<domain> account.
    let listed = 0;
    for (const name of ['reports-reader', 'global-reader', 'no-role', 'mfa-reader', 'global-admin', 'blocked'] as const) {
      if (ids.has(u[name].objectId)) {
        expect(ids.get(u[name].objectId)).toBe(u[name].upn);
        listed++;
      } else {
        expect(u[name].upn).toBe(`${name}@${t.domain}`);
      }
    }
    expect(listed).toBeGreaterThanOrEqual(4);
    expect(ids.get(u['global-admin'].objectId)).toBe(u['global-admin'].upn);
    expect(ids.has(u.outsider.objectId)).toBe(false);
  });

  it('registers public clients with the matrix delegated scopes', () => {
    expect(t.publicApps.delegated.delegatedScopes).toEqual(requiredDelegatedScopes());
    expect(t.publicApps['delegated-no-auditlog'].delegatedScopes).toEqual(requiredDelegatedScopes().filter((s) => s !== 'AuditLog.Read.All'));
    expect(t.publicApps['delegated-no-consent'].delegatedScopes).toEqual([]);
    expect(t.publicApps.delegated.redirectUris).toEqual(['http://localhost']);
    // Confidential apps register the admin-consent URL's default redirect URI as a web redirect URI.
    expect(t.apps['no-consent'].redirectUris).toEqual([DEFAULT_CONSENT_REDIRECT_URI]);
  });

  it('refuses an authorize request whose loopback redirect URI has another path (AADSTS50011)', async () => {
    const { challenge } = pkcePair();
    const res = await http.fetch(authorizeUrl({ challenge, params: { redirect_uri: 'http://localhost:49152/elsewhere' } }));
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('AADSTS50011');
  });
});

describe('authorize page', () => {
  it('renders a minimal sign-in form under a strict CSP, with login_hint filled in', async () => {
    const { challenge } = pkcePair();
    const res = await http.fetch(authorizeUrl({ challenge, params: { login_hint: 'someone@example.com' } }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    // form-action also governs the 302 the form's POST ends in (CSP Level 3): the request's redirect URI origin, and only that, is allowed.
    expect(res.headers.get('content-security-policy')).toBe(
      `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${new URL(REDIRECT).origin}; base-uri 'none'; frame-ancestors 'none'`,
    );
    expect(res.headers.get('cache-control')).toContain('no-store');
    const html = await res.text();
    expect(html).toContain(`action="/${t.tenantId}/login"`);
    expect(html).toContain('value="someone@example.com"');
    expect(html).toMatch(/<input type="hidden" name="session" value="[A-Za-z0-9_-]{32}">/);
    expect(html).not.toMatch(/<script|https?:\/\/(?!127)/);
  });

  it('signs in a Reports Reader and redirects code + state to the loopback (302)', async () => {
    const { challenge } = pkcePair();
    const loc = expectRedirect(await signInAtAuthorize(http.fetch, authorizeUrl({ challenge }), creds('reports-reader')));
    expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT);
    expect(loc.searchParams.get('state')).toBe('st-123');
    expect(loc.searchParams.get('code')).toMatch(/^1\.[A-Za-z0-9_-]{60,}$/);
    const info = JSON.parse(Buffer.from(loc.searchParams.get('client_info') ?? '', 'base64url').toString()) as Record<string, unknown>;
    expect(info).toEqual({ uid: t.signInUsers['reports-reader'].objectId, utid: t.tenantId });
  });

  it('answers response_mode=form_post with a page that posts code and state to the redirect URI', async () => {
    const { challenge } = pkcePair();
    const o = await signInAtAuthorize(http.fetch, authorizeUrl({ challenge, params: { response_mode: 'form_post', redirect_uri: 'http://localhost:50111' } }), creds('global-reader'));
    if (o.kind !== 'form_post') throw new Error(`expected form_post, got ${o.kind}`);
    expect(o.action).toBe('http://localhost:50111');
    expect(o.fields['state']).toBe('st-123');
    expect(o.fields['code']).toMatch(/^1\./);
    expect(o.csp).toMatch(/form-action http:\/\/localhost:50111; base-uri 'none'; frame-ancestors 'none'$/);
  });

  it('shows the MFA step for mfa users; a wrong code is refused on the page, the shown code passes', async () => {
    const { challenge } = pkcePair();
    const seen: string[] = [];
    const wrong = await signInAtAuthorize(http.fetch, authorizeUrl({ challenge }), creds('mfa-reader'), { mfa: 'wrong', seen });
    expect(seen).toEqual(['sign-in', 'mfa', 'mfa']);
    if (wrong.kind !== 'page') throw new Error('expected the MFA page again');
    expect(wrong.html).toContain('AADSTS500121');
    const seen2: string[] = [];
    const ok = await signInAtAuthorize(http.fetch, authorizeUrl({ challenge }), creds('mfa-reader'), { seen: seen2 });
    expect(seen2).toEqual(['sign-in', 'mfa']);
    expect(expectRedirect(ok).searchParams.get('code')).toMatch(/^1\./);
  });

  it('shows AADSTS50126 on the page for a wrong password, and AADSTS50034 for an unknown user', async () => {
    const { challenge } = pkcePair();
    const bad = await signInAtAuthorize(http.fetch, authorizeUrl({ challenge }), { username: t.signInUsers['no-role'].upn, password: 'wrong' });
    if (bad.kind !== 'page') throw new Error('expected the sign-in page again');
    expect(bad.status).toBe(200);
    expect(bad.html).toContain('AADSTS50126: Error validating credentials due to invalid username or password.');
    expect(bad.html).not.toContain(t.signInUsers['no-role'].password);
    const unknown = await signInAtAuthorize(http.fetch, authorizeUrl({ challenge }), { username: `nobody@${t.domain}`, password: 'x' });
    if (unknown.kind !== 'page') throw new Error('expected the sign-in page again');
    expect(unknown.html).toContain('AADSTS50034');
  });

  it('redirects AADSTS53003 for a user blocked by Conditional Access', async () => {
    const { challenge } = pkcePair();
    const d = expectRedirectError(expectRedirect(await signInAtAuthorize(http.fetch, authorizeUrl({ challenge }), creds('blocked'))), 'access_denied', 53003);
    expect(d).toContain('Access has been blocked by Conditional Access policies.');
  });

  it('redirects AADSTS50020 for a user from another tenant', async () => {
    const { challenge } = pkcePair();
    const d = expectRedirectError(expectRedirect(await signInAtAuthorize(http.fetch, authorizeUrl({ challenge }), creds('outsider'))), 'invalid_request', 50020);
    expect(d).toContain(`User account '${t.signInUsers.outsider.upn}' from identity provider`);
    expect(d).toContain(`does not exist in tenant '${t.domain}'`);
  });

  it('redirects consent_required AADSTS65001 for an app without consent', async () => {
    const { challenge } = pkcePair();
    const d = expectRedirectError(
      expectRedirect(await signInAtAuthorize(http.fetch, authorizeUrl({ challenge, app: 'delegated-no-consent' }), creds('reports-reader'))),
      'consent_required',
      65001,
    );
    expect(d).toContain(`'${t.publicApps['delegated-no-consent'].clientId}'`);
  });

  it('redirects invalid_resource AADSTS500011 for a scope of an unknown resource (before sign-in)', async () => {
    const { challenge } = pkcePair();
    const res = await http.fetch(authorizeUrl({ challenge, params: { scope: 'https://unknown.example/.default offline_access' } }));
    expect(res.status).toBe(302);
    const d = expectRedirectError(new URL(res.headers.get('location') ?? ''), 'invalid_resource', 500011);
    expect(d).toContain('The resource principal named https://unknown.example was not found in the tenant');
  });

  const redirectErrors: [string, Record<string, string | undefined>, string, number][] = [
    ['a missing code_challenge', { code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request', 900144],
    ['code_challenge_method=plain', { code_challenge_method: 'plain' }, 'invalid_request', 900144],
    ['a missing code_challenge_method (plain by default)', { code_challenge_method: undefined }, 'invalid_request', 900144],
    ['a code_challenge of the wrong size', { code_challenge: 'abc' }, 'invalid_request', 501491],
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type', 700054],
    ['prompt=none (no session)', { prompt: 'none' }, 'login_required', 50058],
    ['a missing scope', { scope: undefined }, 'invalid_request', 900144],
    ['an invalid scope', { scope: 'User.Read. openid' }, 'invalid_scope', 70011],
  ];
  it.each(redirectErrors)('redirects an error for %s', async (_label, params, error, code) => {
    const { challenge } = pkcePair();
    const res = await http.fetch(authorizeUrl({ challenge, params }));
    expect(res.status).toBe(302);
    expectRedirectError(new URL(res.headers.get('location') ?? ''), error, code);
  });

  const pageErrors: [string, () => Record<string, string | undefined>, number][] = [
    ['an unknown client_id', () => ({ client_id: '11111111-2222-4333-8444-555555555555' }), 700016],
    ['a redirect URI that is not loopback (50011)', () => ({ redirect_uri: 'https://evil.example/cb' }), 50011],
    ['an https localhost redirect URI (50011)', () => ({ redirect_uri: 'https://localhost:5000' }), 50011],
    ['a confidential app (no redirect URI registered)', () => ({ client_id: t.apps.reader.clientId }), 7000218],
    ['a missing redirect_uri', () => ({ redirect_uri: undefined }), 900144],
  ];
  it.each(pageErrors)('renders an error page (no redirect) for %s', async (_label, params, code) => {
    const { challenge } = pkcePair();
    const res = await http.fetch(authorizeUrl({ challenge, params: params() }));
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await res.text()).toContain(`AADSTS${code}:`);
  });

  it('echoes the mismatched redirect URI in AADSTS50011 escaped, never as markup', async () => {
    const { challenge } = pkcePair();
    const res = await http.fetch(authorizeUrl({ challenge, params: { redirect_uri: 'https://x.example/"><script>alert(1)</script>' } }));
    const html = await res.text();
    expect(html).toContain('AADSTS50011');
    expect(html).not.toContain('<script>');
  });
});

describe('token endpoint: authorization_code', () => {
  it('issues access, id and refresh tokens plus client_info for the right verifier', async () => {
    const body = await signInTokens('reports-reader');
    const u = t.signInUsers['reports-reader'];
    expect(body['token_type']).toBe('Bearer');
    expect(String(body['scope']).split(' ')).toEqual(expect.arrayContaining([`${t.graphUrl}/User.Read.All`, 'openid', 'offline_access']));
    const at = decodeJwt(String(body['access_token']));
    expect(at).toMatchObject({ aud: t.graphUrl, iss: `https://sts.windows.net/${t.tenantId}/`, idtyp: 'user', oid: u.objectId, upn: u.upn, tid: t.tenantId, appid: t.publicApps.delegated.clientId });
    expect(String(at['scp']).split(' ')).toEqual(expect.arrayContaining(requiredDelegatedScopes()));
    expect(at['wids']).toEqual(expect.arrayContaining(['4a5d8f65-41da-4de4-8968-e035b65339cf']));
    expect(at['amr']).toEqual(['pwd']);
    expect(at['roles']).toBeUndefined();
    const id = decodeJwt(String(body['id_token']));
    expect(id).toMatchObject({ aud: t.publicApps.delegated.clientId, iss: `${t.loginUrl}/${t.tenantId}/v2.0`, oid: u.objectId, tid: t.tenantId, preferred_username: u.upn, ver: '2.0' });
    expect(JSON.parse(Buffer.from(String(body['client_info']), 'base64url').toString())).toEqual({ uid: u.objectId, utid: t.tenantId });
    expect(String(body['refresh_token'])).toMatch(/^1\./);
  });

  it('carries the nonce into the id_token', async () => {
    const { verifier, challenge } = pkcePair();
    const loc = expectRedirect(await signInAtAuthorize(http.fetch, authorizeUrl({ challenge, params: { nonce: 'n-0S6_WzA2Mj' } }), creds('no-role')));
    const r = await tokenPost({ grant_type: 'authorization_code', client_id: t.publicApps.delegated.clientId, code: loc.searchParams.get('code') ?? '', redirect_uri: REDIRECT, code_verifier: verifier });
    expect(decodeJwt(String(r.body['id_token']))['nonce']).toBe('n-0S6_WzA2Mj');
  });

  it('refuses a wrong code_verifier with AADSTS501481, and the code is burnt', async () => {
    const { verifier, challenge } = pkcePair();
    const loc = expectRedirect(await signInAtAuthorize(http.fetch, authorizeUrl({ challenge }), creds('no-role')));
    const fields = { grant_type: 'authorization_code', client_id: t.publicApps.delegated.clientId, code: loc.searchParams.get('code') ?? '', redirect_uri: REDIRECT };
    const d = expectStsJson(await tokenPost({ ...fields, code_verifier: pkcePair().verifier }), 400, 'invalid_grant', 501481);
    expect(d).toContain('The Code_Verifier does not match the code_challenge supplied in the authorization request.');
    expectStsJson(await tokenPost({ ...fields, code_verifier: verifier }), 400, 'invalid_grant', 54005);
  });

  it('refuses a replayed code with AADSTS54005', async () => {
    const { verifier, challenge } = pkcePair();
    const loc = expectRedirect(await signInAtAuthorize(http.fetch, authorizeUrl({ challenge }), creds('no-role')));
    const fields = { grant_type: 'authorization_code', client_id: t.publicApps.delegated.clientId, code: loc.searchParams.get('code') ?? '', redirect_uri: REDIRECT, code_verifier: verifier };
    expect((await tokenPost(fields)).status).toBe(200);
    const d = expectStsJson(await tokenPost(fields), 400, 'invalid_grant', 54005);
    expect(d).toContain('OAuth2 Authorization code was already redeemed');
  });

  it('refuses another redirect_uri (500112), another client (70000), a secret from a public client (700025) and an unknown code (9002313)', async () => {
    const mk = async (): Promise<{ verifier: string; code: string }> => {
      const { verifier, challenge } = pkcePair();
      const loc = expectRedirect(await signInAtAuthorize(http.fetch, authorizeUrl({ challenge }), creds('no-role')));
      return { verifier, code: loc.searchParams.get('code') ?? '' };
    };
    const a = await mk();
    expectStsJson(await tokenPost({ grant_type: 'authorization_code', client_id: t.publicApps.delegated.clientId, code: a.code, redirect_uri: 'http://localhost:1/', code_verifier: a.verifier }), 400, 'invalid_grant', 500112);
    const b = await mk();
    expectStsJson(await tokenPost({ grant_type: 'authorization_code', client_id: t.publicApps['delegated-no-auditlog'].clientId, code: b.code, redirect_uri: REDIRECT, code_verifier: b.verifier }), 400, 'invalid_grant', 70000);
    const c = await mk();
    expectStsJson(await tokenPost({ grant_type: 'authorization_code', client_id: t.publicApps.delegated.clientId, client_secret: 'x', code: c.code, redirect_uri: REDIRECT, code_verifier: c.verifier }), 400, 'invalid_request', 700025);
    expectStsJson(await tokenPost({ grant_type: 'authorization_code', client_id: t.publicApps.delegated.clientId, code: 'made-up', redirect_uri: REDIRECT, code_verifier: c.verifier }), 400, 'invalid_grant', 9002313);
  });

  it('answers AADSTS500011 (invalid_resource) for client credentials asking for an unknown resource', async () => {
    const d = expectStsJson(
      await tokenPost({ grant_type: 'client_credentials', client_id: t.apps.reader.clientId, client_secret: t.apps.reader.secret, scope: 'https://unknown.example/.default' }),
      400,
      'invalid_resource',
      500011,
    );
    expect(d).toContain('The resource principal named https://unknown.example was not found');
  });
});

describe('token endpoint: refresh_token', () => {
  it('rotates: each refresh returns a new refresh token and the old one is refused (AADSTS70008)', async () => {
    const first = await signInTokens('reports-reader');
    const client_id = t.publicApps.delegated.clientId;
    const rt1 = String(first['refresh_token']);
    const r2 = await tokenPost({ grant_type: 'refresh_token', client_id, refresh_token: rt1, scope: `${graphScopes()} openid profile offline_access`, client_info: '1' });
    expect(r2.status).toBe(200);
    const rt2 = String(r2.body['refresh_token']);
    expect(rt2).not.toBe(rt1);
    expect(decodeJwt(String(r2.body['access_token']))['oid']).toBe(t.signInUsers['reports-reader'].objectId);
    const d = expectStsJson(await tokenPost({ grant_type: 'refresh_token', client_id, refresh_token: rt1 }), 400, 'invalid_grant', 70008);
    expect(d).toContain('The provided authorization code or refresh token has expired due to inactivity.');
    const r3 = await tokenPost({ grant_type: 'refresh_token', client_id, refresh_token: rt2 });
    expect(r3.status).toBe(200);
    expectStsJson(await tokenPost({ grant_type: 'refresh_token', client_id, refresh_token: rt1 }), 400, 'invalid_grant', 70008);
  });

  it('refreshes after the access token expired; Graph takes the new token', async () => {
    t.setFaults({ tokenLifetimeSeconds: 1 });
    try {
      const first = await signInTokens('reports-reader');
      expect(first['expires_in']).toBe(1);
      await new Promise((r) => setTimeout(r, 2100));
      const expired = await graphGet(String(first['access_token']), '/v1.0/users?$top=1');
      expect(expired.status).toBe(401);
      t.setFaults({});
      const r = await tokenPost({ grant_type: 'refresh_token', client_id: t.publicApps.delegated.clientId, refresh_token: String(first['refresh_token']) });
      expect(r.status).toBe(200);
      expect((await graphGet(String(r.body['access_token']), '/v1.0/users?$top=1')).status).toBe(200);
    } finally {
      t.setFaults({});
    }
  });

  it('answers AADSTS50076 when MFA became required after the session signed in without it', async () => {
    const first = await signInTokens('global-admin');
    t.setUserMfa('global-admin', true);
    try {
      const r = await tokenPost({ grant_type: 'refresh_token', client_id: t.publicApps.delegated.clientId, refresh_token: String(first['refresh_token']) });
      const d = expectStsJson(r, 400, 'invalid_grant', 50076);
      expect(r.body['suberror']).toBe('basic_action');
      expect(d).toContain('you must use multi-factor authentication to access');
      // A new sign-in now shows the MFA step and its tokens refresh.
      const seen: string[] = [];
      const { challenge } = pkcePair();
      expectRedirect(await signInAtAuthorize(http.fetch, authorizeUrl({ challenge }), creds('global-admin'), { seen }));
      expect(seen).toEqual(['sign-in', 'mfa']);
    } finally {
      t.setUserMfa('global-admin', false);
    }
  });

  it('answers AADSTS50079 when MFA is required of a user with no method registered', async () => {
    const first = await signInTokens('global-admin');
    t.setUserMfa('global-admin', 'register');
    try {
      const r = await tokenPost({ grant_type: 'refresh_token', client_id: t.publicApps.delegated.clientId, refresh_token: String(first['refresh_token']) });
      const d = expectStsJson(r, 400, 'invalid_grant', 50079);
      expect(r.body['suberror']).toBe('basic_action');
      expect(d).toContain('you must enroll in multi-factor authentication to access');
      // A new sign-in ends after the password, without an MFA step or a code.
      const seen: string[] = [];
      const { challenge } = pkcePair();
      const back = expectRedirect(await signInAtAuthorize(http.fetch, authorizeUrl({ challenge }), creds('global-admin'), { seen }));
      expect(seen).toEqual(['sign-in']);
      expect(expectRedirectError(back, 'interaction_required', 50079)).toContain('you must enroll in multi-factor authentication');
    } finally {
      t.setUserMfa('global-admin', false);
    }
  });

  it('narrows to a subset on request and refuses a scope of another resource (500011)', async () => {
    const first = await signInTokens('reports-reader');
    const client_id = t.publicApps.delegated.clientId;
    const r = await tokenPost({ grant_type: 'refresh_token', client_id, refresh_token: String(first['refresh_token']), scope: `${t.graphUrl}/User.Read.All offline_access` });
    expect(r.status).toBe(200);
    const scp = String(decodeJwt(String(r.body['access_token']))['scp']).split(' ');
    expect(scp).toContain('User.Read.All');
    expect(scp).not.toContain('Reports.Read.All');
    expectStsJson(await tokenPost({ grant_type: 'refresh_token', client_id, refresh_token: String(r.body['refresh_token']), scope: 'https://unknown.example/.default' }), 400, 'invalid_resource', 500011);
  });
});

describe('device code flow', () => {
  async function start(app: 'delegated' | 'delegated-no-consent' = 'delegated', scope = `${graphScopes()} openid profile offline_access`): Promise<Record<string, unknown>> {
    const r = await postForm(`/${t.tenantId}/oauth2/v2.0/devicecode`, { client_id: t.publicApps[app].clientId, scope });
    expect(r.status).toBe(200);
    return r.body;
  }
  const poll = (app: 'delegated' | 'delegated-no-consent', deviceCode: string): Promise<{ status: number; body: Record<string, unknown> }> =>
    tokenPost({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: t.publicApps[app].clientId, device_code: deviceCode, client_info: '1' });

  it('is pending until the user signs in on the deviceauth page, then issues tokens once', async () => {
    const dc = await start();
    expect(dc['verification_uri']).toBe(`${t.loginUrl}/common/oauth2/deviceauth`);
    expect(dc['user_code']).toMatch(/^[A-Z2-9]{9}$/);
    expect(dc['interval']).toBe(1);
    expect(dc['expires_in']).toBe(900);
    expect(String(dc['message'])).toContain(String(dc['user_code']));
    const pending = await poll('delegated', String(dc['device_code']));
    expect(expectStsJson(pending, 400, 'authorization_pending', 70016)).toContain('Authorization is pending');
    const seen: string[] = [];
    const done = await signInWithDeviceCode(http.fetch, String(dc['verification_uri']), String(dc['user_code']), creds('mfa-reader'), { seen });
    expect(seen).toEqual(['sign-in', 'mfa', 'confirm']);
    if (done.kind !== 'page') throw new Error('expected the final page');
    expect(done.html).toContain('You may now close this window');
    const ok = await poll('delegated', String(dc['device_code']));
    expect(ok.status).toBe(200);
    const at = decodeJwt(String(ok.body['access_token']));
    expect(at).toMatchObject({ oid: t.signInUsers['mfa-reader'].objectId, amr: ['pwd', 'mfa'] });
    expect(ok.body['refresh_token']).toBeDefined();
    expectStsJson(await poll('delegated', String(dc['device_code'])), 400, 'invalid_grant', 54005);
  });

  it('answers authorization_declined when the user cancels', async () => {
    const dc = await start();
    await signInWithDeviceCode(http.fetch, String(dc['verification_uri']), String(dc['user_code']), creds('no-role'), { decision: 'cancel' });
    expectStsJson(await poll('delegated', String(dc['device_code'])), 400, 'authorization_declined', 70000);
  });

  it('refuses a wrong user code on the page (AADSTS70018)', async () => {
    const out = await signInWithDeviceCode(http.fetch, `${t.loginUrl}/common/oauth2/deviceauth`, 'ZZZZZZZZZ', creds('no-role'));
    if (out.kind !== 'page') throw new Error('expected the code page again');
    expect(out.html).toContain('AADSTS70018');
  });

  it('reports Conditional Access (53003) and missing consent (65001) to the polling client', async () => {
    const blocked = await start();
    await signInWithDeviceCode(http.fetch, String(blocked['verification_uri']), String(blocked['user_code']), creds('blocked'));
    expectStsJson(await poll('delegated', String(blocked['device_code'])), 400, 'access_denied', 53003);
    const noConsent = await start('delegated-no-consent');
    await signInWithDeviceCode(http.fetch, String(noConsent['verification_uri']), String(noConsent['user_code']), creds('reports-reader'));
    expectStsJson(await poll('delegated-no-consent', String(noConsent['device_code'])), 400, 'invalid_grant', 65001);
  });

  it('refuses an unknown resource (500011) and a confidential client (7000218) at the devicecode endpoint', async () => {
    expectStsJson(await postForm(`/${t.tenantId}/oauth2/v2.0/devicecode`, { client_id: t.publicApps.delegated.clientId, scope: 'https://unknown.example/.default' }), 400, 'invalid_resource', 500011);
    expectStsJson(await postForm(`/${t.tenantId}/oauth2/v2.0/devicecode`, { client_id: t.apps.reader.clientId, scope: `${t.graphUrl}/.default` }), 401, 'invalid_client', 7000218);
  });
});

describe('expiry on a moved clock (identity without HTTP)', () => {
  let clock = Date.now();
  let id: Identity;
  const login = 'https://127.0.0.1:1';
  const graph = 'https://127.0.0.1:2';
  beforeAll(async () => {
    id = createIdentity(await generateIdentityMaterial(), { seed: 'clock', loginOrigin: login, graphOrigin: graph, tokenLifetimeSeconds: () => 3600, now: () => clock });
  });
  const req = (method: string, path: string, body = ''): Parameters<Identity['handle']>[0] => ({
    method,
    url: new URL(`${login}${path}`),
    contentType: 'application/x-www-form-urlencoded',
    clientRequestId: undefined,
    body,
  });
  const json = (r: LoginResponse): Record<string, unknown> => r.body as Record<string, unknown>;

  it('expires authorization codes after 10 minutes (AADSTS70008) and device codes after 15 (expired_token, AADSTS70019)', async () => {
    const { verifier, challenge } = pkcePair();
    const app = id.publicApps.delegated.clientId;
    const q = new URLSearchParams({ client_id: app, response_type: 'code', redirect_uri: REDIRECT, scope: `${graph}/.default offline_access`, state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
    const page = await id.handle(req('GET', `/${id.tenantId}/oauth2/v2.0/authorize?${q.toString()}`));
    const session = /name="session" value="([^"]+)"/.exec(page.html ?? '')?.[1] ?? '';
    const u = id.signInUsers['reports-reader'];
    const done = await id.handle(req('POST', `/${id.tenantId}/login`, new URLSearchParams({ session, username: u.upn, password: u.password }).toString()));
    const code = new URL(done.location ?? '').searchParams.get('code') ?? '';
    clock += 11 * 60_000;
    const r = await id.handle(req('POST', `/${id.tenantId}/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'authorization_code', client_id: app, code, redirect_uri: REDIRECT, code_verifier: verifier }).toString()));
    expect(r.status).toBe(400);
    expect(json(r)['error_codes']).toEqual([70008]);

    const dc = json(await id.handle(req('POST', `/${id.tenantId}/oauth2/v2.0/devicecode`, new URLSearchParams({ client_id: app, scope: 'offline_access' }).toString())));
    clock += 16 * 60_000;
    const p = await id.handle(req('POST', `/${id.tenantId}/oauth2/v2.0/token`, new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: app, device_code: String(dc['device_code']) }).toString()));
    expect(json(p)['error']).toBe('expired_token');
    expect(json(p)['error_codes']).toEqual([70019]);
  });
});

describe('Graph with delegated tokens', () => {
  const REPORT = "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')";
  const SIGN_INS = '/v1.0/users?$select=id,signInActivity&$top=5';
  const COUNTS = "/v1.0/reports/getOffice365ActiveUserCounts(period='D7')";
  let tokens: Record<'reports-reader' | 'global-reader' | 'no-role' | 'global-admin', string>;
  beforeAll(async () => {
    const [rr, gr, nr, ga] = await Promise.all(
      (['reports-reader', 'global-reader', 'no-role', 'global-admin'] as const).map(async (u) => String((await signInTokens(u))['access_token'])),
    );
    tokens = { 'reports-reader': rr!, 'global-reader': gr!, 'no-role': nr!, 'global-admin': ga! };
  });

  const cases: [keyof typeof tokens, string, number][] = [
    ['reports-reader', REPORT, 302],
    ['reports-reader', SIGN_INS, 200],
    ['reports-reader', '/v1.0/admin/reportSettings', 200],
    ['global-reader', REPORT, 403],
    ['global-reader', "/v1.0/reports/getMailboxUsageDetail(period='D30')", 403],
    ['global-reader', '/v1.0/users?$top=5', 200],
    ['global-reader', SIGN_INS, 200],
    ['global-reader', '/v1.0/admin/reportSettings', 200],
    ['global-reader', '/v1.0/subscribedSkus', 200],
    ['no-role', '/v1.0/users?$top=5', 200],
    ['no-role', '/v1.0/groups', 200],
    ['no-role', '/v1.0/subscribedSkus', 200],
    ['no-role', SIGN_INS, 403],
    ['no-role', REPORT, 403],
    ['no-role', '/v1.0/admin/reportSettings', 403],
    ['global-admin', REPORT, 302],
    // Tenant-level counts: Global Reader may read them (and Reports Reader), a user without a role may not.
    ['global-reader', COUNTS, 302],
    ['reports-reader', COUNTS, 302],
    ['global-admin', COUNTS, 302],
    ['no-role', COUNTS, 403],
  ];
  it.each(cases)('%s GET %s -> %i', async (user, path, status) => {
    const r = await graphGet(tokens[user], path);
    expect(r.status).toBe(status);
    if (status === 403) {
      expect(r.body).toMatchObject({ error: { code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' } });
    }
  });

  it('refuses sign-ins to a Reports Reader whose app lacks AuditLog.Read.All, but serves users', async () => {
    const body = await signInTokens('reports-reader', { app: 'delegated-no-auditlog' });
    const tok = String(body['access_token']);
    expect(String(decodeJwt(tok)['scp']).split(' ')).not.toContain('AuditLog.Read.All');
    expect((await graphGet(tok, SIGN_INS)).status).toBe(403);
    expect((await graphGet(tok, '/v1.0/users?$top=1')).status).toBe(200);
  });

  it('serves a Global Reader the tenant-level counts CSV (Microsoft column headers, one row per day, no UPNs)', async () => {
    const res = await http.fetch(`${t.graphUrl}${COUNTS}`, { headers: { authorization: `Bearer ${tokens['global-reader']}` }, redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = res.headers.get('location') ?? '';
    expect(location.startsWith(`${t.downloadUrl}/data/download/`)).toBe(true);
    const dl = await http.fetch(location);
    expect(dl.status).toBe(200);
    const csv = (await dl.text()).replace(/^\uFEFF/, '');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toBe('Report Refresh Date,Office 365,Exchange,OneDrive,SharePoint,Skype For Business,Yammer,Teams,Report Date,Report Period');
    expect(lines).toHaveLength(1 + 7);
    const rows = lines.slice(1).map((l) => l.split(','));
    for (const r of rows) {
      expect(r).toHaveLength(10);
      expect(r[9]).toBe('7');
      const [office, ...products] = r.slice(1, 8).map(Number);
      // Office 365 counts a user once per day however many products they used.
      expect(office).toBeLessThanOrEqual(products.reduce((a, b) => a + b, 0));
      expect(office).toBeGreaterThanOrEqual(Math.max(...products));
    }
    expect(rows.reduce((a, r) => a + Number(r[1]), 0)).toBeGreaterThan(0);
    expect(csv).not.toContain(t.domain);
    // The same user still gets no per-user detail.
    expect((await graphGet(tokens['global-reader'], REPORT)).status).toBe(403);
  });

  it('delegated-over-granted: the token carries Directory.AccessAsUser.All besides the read scopes', async () => {
    expect(t.publicApps['delegated-over-granted'].delegatedScopes).toEqual([...requiredDelegatedScopes(), 'Directory.AccessAsUser.All']);
    const body = await signInTokens('reports-reader', { app: 'delegated-over-granted', scope: `${t.graphUrl}/.default openid profile offline_access` });
    const scp = String(decodeJwt(String(body['access_token']))['scp']).split(' ');
    expect(scp).toContain('Directory.AccessAsUser.All');
    for (const s of requiredDelegatedScopes()) expect(scp).toContain(s);
  });

  it('grants only the scopes asked for: a User.Read.All-only token reads users, not reports', async () => {
    const body = await signInTokens('reports-reader', { scope: `${t.graphUrl}/User.Read.All openid profile offline_access` });
    const tok = String(body['access_token']);
    expect((await graphGet(tok, '/v1.0/users?$top=1')).status).toBe(200);
    expect((await graphGet(tok, REPORT)).status).toBe(403);
  });
});
