/**
 * The demo tenant's Entra ID side over real HTTPS: OpenID metadata, JWKS and the v2.0
 * token endpoint's client-credentials grant with secrets and client assertions.
 * Shapes follow learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 * and .../reference-error-codes.
 */
import { X509Certificate, generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, createLocalJWKSet, decodeJwt, importPKCS8, jwtVerify, type JSONWebKeySet } from 'jose';
import { z } from 'zod';
import { startDemoTenantWith } from '../../../src-main/core/demo-tenant/server';
import { deterministicGuid, domainFor, generateClientSecret, tenantIdFor } from '../../../src-main/core/demo-tenant/identity';
import { requiredApplicationPermissions } from '../../../src-main/core/permissions/matrix';
import type { DemoApp, DemoTenant } from '../../../src-main/core/demo-tenant/types';
import { caFetch, form } from '../../helpers/demo-fetch';
import { graphApiDouble } from '../../helpers/demo-tenant';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('identifiers (pure)', () => {
  it.each([['demo'], [''], ['ünïcødé'], ['a'.repeat(500)], ['../../etc/passwd'], ["'; DROP TABLE users;--"]])('seed %j gives stable GUIDs and a safe domain', (seed) => {
    expect(tenantIdFor(seed)).toMatch(GUID);
    expect(tenantIdFor(seed)).toBe(tenantIdFor(seed));
    expect(deterministicGuid(seed, 'app:reader')).not.toBe(deterministicGuid(seed, 'app:minimal'));
    expect(domainFor(seed)).toMatch(/^contoso-[a-z0-9]{1,20}\.onmicrosoft\.com$/);
  });

  it('different seeds give different tenants', () => {
    expect(tenantIdFor('a')).not.toBe(tenantIdFor('b'));
    expect(domainFor('demo')).toBe('contoso-demo.onmicrosoft.com');
  });

  it('client secrets look like portal secrets and differ each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const s = generateClientSecret();
      expect(s).toMatch(/^[A-Za-z0-9_-]{3}[0-9]Q~[A-Za-z0-9_-]{34}$/);
      seen.add(s);
    }
    expect(seen.size).toBe(50);
  });
});

const stsErrorSchema = z.object({
  error: z.string(),
  error_description: z.string(),
  error_codes: z.array(z.number()),
  timestamp: z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
  trace_id: z.string().regex(/^[0-9a-f-]{36}$/),
  correlation_id: z.string().regex(/^[0-9a-f-]{36}$/),
  error_uri: z.string(),
});
const tokenSchema = z.object({ token_type: z.literal('Bearer'), expires_in: z.number(), ext_expires_in: z.number(), access_token: z.string() });

let t: DemoTenant;
let http: ReturnType<typeof caFetch>;
let tokenUrl: string;

beforeAll(async () => {
  t = await startDemoTenantWith({ seed: 'identity-unit', users: 5 }, graphApiDouble);
  http = caFetch(t.caPem);
  tokenUrl = `${t.loginUrl}/${t.tenantId}/oauth2/v2.0/token`;
});

afterAll(async () => {
  await http?.close();
  await t?.close();
});

async function postToken(fields: Record<string, string>, url = tokenUrl): Promise<{ status: number; body: unknown }> {
  const res = await http.fetch(url, form(fields));
  return { status: res.status, body: await res.json() };
}

function secretForm(app: DemoApp, overrides: Record<string, string> = {}): Record<string, string> {
  return { grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.secret, scope: `${t.graphUrl}/.default`, ...overrides };
}

async function expectSts(p: Promise<{ status: number; body: unknown }>, status: number, error: string, code: number): Promise<string> {
  const r = await p;
  expect(r.status).toBe(status);
  const body = stsErrorSchema.parse(r.body);
  expect(body.error).toBe(error);
  expect(body.error_codes).toEqual([code]);
  expect(body.error_description.startsWith(`AADSTS${code}: `)).toBe(true);
  expect(body.error_description).toMatch(/\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  return body.error_description;
}

async function jwks(): Promise<ReturnType<typeof createLocalJWKSet>> {
  const res = await http.fetch(`${t.loginUrl}/${t.tenantId}/discovery/v2.0/keys`);
  expect(res.status).toBe(200);
  return createLocalJWKSet((await res.json()) as JSONWebKeySet);
}

async function assertion(
  app: DemoApp,
  opts: { key?: string; x5tS256?: string; x5t?: string; aud?: string; iss?: string; exp?: number; nbf?: number | null; alg?: 'RS256' | 'PS256' } = {},
): Promise<string> {
  const alg = opts.alg ?? 'PS256';
  const key = await importPKCS8(opts.key ?? app.privateKeyPem, alg);
  const now = Math.floor(Date.now() / 1000);
  const header: Record<string, string> = { alg, typ: 'JWT' };
  if (opts.x5t !== undefined) header['x5t'] = opts.x5t;
  else header['x5t#S256'] = opts.x5tS256 ?? Buffer.from(app.thumbprintSha256, 'hex').toString('base64url');
  const jwt = new SignJWT({ jti: randomUUID() })
    .setProtectedHeader(header as { alg: string })
    .setAudience(opts.aud ?? tokenUrl)
    .setIssuer(opts.iss ?? app.clientId)
    .setSubject(opts.iss ?? app.clientId)
    .setExpirationTime(opts.exp ?? now + 600);
  // null: no nbf at all, as MSAL Python (and so the Azure CLI) sends it.
  if (opts.nbf !== null) jwt.setNotBefore(opts.nbf ?? now);
  return jwt.sign(key);
}

function assertionForm(app: DemoApp, jwt: string): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    client_id: app.clientId,
    scope: `${t.graphUrl}/.default`,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: jwt,
  };
}

describe('OpenID metadata', () => {
  it.each(['tenantId', 'domain', 'organizations', 'common'] as const)('answers for %s with MSAL-required fields', async (which) => {
    const segment = which === 'tenantId' ? t.tenantId : which === 'domain' ? t.domain.toUpperCase() : which;
    const res = await http.fetch(`${t.loginUrl}/${segment}/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const body = z
      .object({ token_endpoint: z.string(), authorization_endpoint: z.string(), issuer: z.string(), jwks_uri: z.string() })
      .parse(await res.json());
    if (which === 'tenantId' || which === 'domain') {
      expect(body.token_endpoint).toBe(tokenUrl);
      expect(body.issuer).toBe(`${t.loginUrl}/${t.tenantId}/v2.0`);
    } else {
      expect(body.token_endpoint).toBe(`${t.loginUrl}/${which}/oauth2/v2.0/token`);
      expect(body.issuer).toBe(`${t.loginUrl}/{tenantid}/v2.0`);
    }
  });

  it.each(['11111111-2222-3333-4444-555555555555', 'fabrikam.onmicrosoft.com', 'common%2Fx', '%E0%A4%A', 'x'.repeat(300)])('unknown tenant %s answers AADSTS90002', async (segment) => {
    const res = await http.fetch(`${t.loginUrl}/${segment}/v2.0/.well-known/openid-configuration`);
    await expectSts(Promise.resolve({ status: res.status, body: await res.json() }), 400, 'invalid_request', 90002);
  });

  // Entra ID's JWKS (e.g. login.microsoftonline.com/common/discovery/v2.0/keys) gives each key its
  // certificate chain (x5c, RFC 7517 §4.7), x5t = kid = the certificate's base64url SHA-1 thumbprint,
  // and `issuer` with the {tenantid} placeholder ("Access tokens in the Microsoft identity platform",
  // learn.microsoft.com/entra/identity-platform/access-tokens, validating the signature and issuer).
  it('publishes signing keys with x5c, x5t and issuer, as Entra ID does', async () => {
    const res = await http.fetch(`${t.loginUrl}/${t.tenantId}/discovery/v2.0/keys`);
    const body = z
      .object({ keys: z.array(z.object({ kty: z.literal('RSA'), use: z.literal('sig'), kid: z.string(), x5t: z.string(), n: z.string(), e: z.string(), x5c: z.array(z.string()).min(1), issuer: z.string() })) })
      .parse(await res.json());
    for (const k of body.keys) {
      expect(k.x5c[0]).toMatch(/^[A-Za-z0-9+/]+=*$/);
      const cert = new X509Certificate(Buffer.from(k.x5c[0]!, 'base64'));
      const pub = cert.publicKey.export({ format: 'jwk' });
      expect([pub.n, pub.e]).toEqual([k.n, k.e]);
      expect(k.x5t).toBe(Buffer.from(cert.fingerprint.replace(/:/g, ''), 'hex').toString('base64url'));
      expect(k.kid).toBe(k.x5t);
      expect(k.issuer).toBe(`${t.loginUrl}/{tenantid}/v2.0`);
    }
  });

  it('answers instance discovery in the real shape', async () => {
    const ae = encodeURIComponent(`${t.loginUrl}/${t.tenantId}/oauth2/v2.0/authorize`);
    const res = await http.fetch(`${t.loginUrl}/common/discovery/instance?api-version=1.1&authorization_endpoint=${ae}`);
    const body = z
      .object({ tenant_discovery_endpoint: z.string(), metadata: z.array(z.object({ preferred_network: z.string(), aliases: z.array(z.string()) })) })
      .parse(await res.json());
    expect(body.tenant_discovery_endpoint).toBe(`${t.loginUrl}/${t.tenantId}/v2.0/.well-known/openid-configuration`);
    expect(body.metadata[0]?.aliases).toEqual([new URL(t.loginUrl).host]);
  });
});

describe('token endpoint: client secret', () => {
  it('issues an RS256 access token that verifies against the JWKS with the app roles', async () => {
    const before = Math.floor(Date.now() / 1000);
    const r = await postToken(secretForm(t.apps.reader));
    expect(r.status).toBe(200);
    const tok = tokenSchema.parse(r.body);
    expect(tok.expires_in).toBe(3600);
    const { payload, protectedHeader } = await jwtVerify(tok.access_token, await jwks(), {
      audience: t.graphUrl,
      issuer: `https://sts.windows.net/${t.tenantId}/`,
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.tid).toBe(t.tenantId);
    expect(payload.appid).toBe(t.apps.reader.clientId);
    expect(payload.azp).toBe(t.apps.reader.clientId);
    expect(payload.idtyp).toBe('app');
    expect(payload.ver).toBe('1.0');
    expect(payload.sub).toBe(payload.oid);
    expect(typeof payload.uti).toBe('string');
    expect([...(payload.roles as string[])].sort()).toEqual(requiredApplicationPermissions().sort());
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload.iat!).toBeGreaterThanOrEqual(before - 1);
  });

  it.each([
    ['no-auditlog', (r: string[]) => !r.includes('AuditLog.Read.All') && r.includes('User.Read.All')],
    ['over-granted', (r: string[]) => r.includes('Directory.ReadWrite.All') && r.includes('AuditLog.Read.All')],
    ['minimal', (r: string[]) => r.length === 1 && r[0] === 'User.Read.All'],
  ] as const)('app %s carries its roles', async (name, check) => {
    const tok = tokenSchema.parse((await postToken(secretForm(t.apps[name]))).body);
    const roles = decodeJwt(tok.access_token).roles as string[];
    expect(check(roles)).toBe(true);
    expect([...roles].sort()).toEqual([...t.apps[name].roles].sort());
  });

  // client_secret_basic is advertised in the metadata: RFC 6749 §2.3.1 (id and secret form-urlencoded,
  // then base64 in an HTTP Basic Authorization header).
  const basic = (id: string, secret: string): string =>
    `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  async function postBasic(fields: Record<string, string>, authorization: string): Promise<{ status: number; body: unknown }> {
    const init = form(fields);
    const res = await http.fetch(tokenUrl, { ...init, headers: { ...(init.headers as Record<string, string>), authorization } });
    return { status: res.status, body: await res.json() };
  }

  it('accepts client_secret_basic, with the secret form-urlencoded (a portal secret holds "~")', async () => {
    const app = t.apps.reader;
    expect(app.secret).toContain('~');
    const r = await postBasic({ grant_type: 'client_credentials', scope: `${t.graphUrl}/.default` }, basic(app.clientId, app.secret));
    expect(r.status).toBe(200);
    expect(decodeJwt(tokenSchema.parse(r.body).access_token).appid).toBe(app.clientId);
    // client_id may also be in the body when it names the same client.
    expect((await postBasic({ grant_type: 'client_credentials', client_id: app.clientId, scope: `${t.graphUrl}/.default` }, basic(app.clientId, app.secret))).status).toBe(200);
  });

  it('refuses client_secret_basic with a wrong secret, a second method or another client_id', async () => {
    const app = t.apps.reader;
    const scope = `${t.graphUrl}/.default`;
    await expectSts(postBasic({ grant_type: 'client_credentials', scope }, basic(app.clientId, 'wrong')), 401, 'invalid_client', 7000215);
    // RFC 6749 §2.3: a client MUST NOT use more than one authentication method in a request.
    await expectSts(postBasic({ grant_type: 'client_credentials', scope, client_secret: app.secret }, basic(app.clientId, app.secret)), 400, 'invalid_request', 900144);
    await expectSts(postBasic({ grant_type: 'client_credentials', scope, client_id: t.apps.minimal.clientId }, basic(app.clientId, app.secret)), 400, 'invalid_request', 90014);
    await expectSts(postBasic({ grant_type: 'client_credentials', scope }, 'Basic !!!'), 400, 'invalid_request', 90014);
    await expectSts(postBasic({ grant_type: 'client_credentials', scope }, `Basic ${Buffer.from('no-colon').toString('base64')}`), 400, 'invalid_request', 90014);
  });

  it('accepts the Graph app id form of the .default scope', async () => {
    expect((await postToken(secretForm(t.apps.reader, { scope: '00000003-0000-0000-c000-000000000000/.default' }))).status).toBe(200);
  });

  it('honours the token lifetime fault', async () => {
    t.setFaults({ tokenLifetimeSeconds: 5 });
    try {
      const tok = tokenSchema.parse((await postToken(secretForm(t.apps.reader))).body);
      expect(tok.expires_in).toBe(5);
      const p = decodeJwt(tok.access_token);
      expect(p.exp! - p.iat!).toBe(5);
    } finally {
      t.setFaults({});
    }
  });

  it('rejects a wrong secret with AADSTS7000215', async () => {
    await expectSts(postToken(secretForm(t.apps.reader, { client_secret: t.apps.minimal.secret })), 401, 'invalid_client', 7000215);
    await expectSts(postToken(secretForm(t.apps.reader, { client_secret: '' })), 401, 'invalid_client', 7000215);
  });

  it('rejects an expired secret with AADSTS7000222 (the certificate still works)', async () => {
    const app = t.apps['expired-secret'];
    const d = await expectSts(postToken(secretForm(app)), 401, 'invalid_client', 7000222);
    expect(d).toContain(`app '${app.clientId}' are expired`);
    expect((await postToken(assertionForm(app, await assertion(app)))).status).toBe(200);
  });

  it('rejects an unknown app with AADSTS700016', async () => {
    const id = randomUUID();
    const d = await expectSts(postToken(secretForm(t.apps.reader, { client_id: id })), 400, 'unauthorized_client', 700016);
    expect(d).toContain(`Application with identifier '${id}' was not found in the directory`);
  });

  it('does not echo a client_id that is not a GUID (AADSTS700038)', async () => {
    const d = await expectSts(postToken(secretForm(t.apps.reader, { client_id: t.apps.reader.secret })), 400, 'unauthorized_client', 700038);
    expect(d).not.toContain(t.apps.reader.secret);
  });

  it('rejects an app without admin consent with AADSTS65001', async () => {
    const app = t.apps['no-consent'];
    const d = await expectSts(postToken(secretForm(app)), 400, 'invalid_grant', 65001);
    expect(d).toContain(`has not consented to use the application with ID '${app.clientId}'`);
  });

  const badScopes: [string, () => string][] = [
    // Another resource's /.default is AADSTS500011 (resource principal not found): delegated.test.ts.
    ['a bare path', () => '/v1.0'],
    ['a delegated-style scope', () => 'User.Read.All'],
    ['OIDC scopes', () => 'openid profile'],
    ['.default plus another scope', () => `${t.graphUrl}/.default ${t.graphUrl}/User.Read.All`],
    ['graph origin without /.default', () => t.graphUrl],
  ];
  // Entra ID answers a client-credentials scope that is not `<resource>/.default` with AADSTS1002012
  // ("Microsoft Entra authentication and authorization error codes",
  // learn.microsoft.com/entra/identity-platform/reference-error-codes); AADSTS70011 belongs to the delegated flows.
  it.each(badScopes)('rejects %s as scope with AADSTS1002012', async (_label, scope) => {
    const d = await expectSts(postToken(secretForm(t.apps.reader, { scope: scope() })), 400, 'invalid_scope', 1002012);
    expect(d).toContain(`AADSTS1002012: The provided value for scope ${scope()} is not valid. Client credential flows must have a scope value with /.default suffixed`);
  });

  it('rejects other grant types with AADSTS70003 unsupported_grant_type', async () => {
    // authorization_code, refresh_token and device_code exist for public clients (delegated.test.ts).
    for (const g of ['password', 'implicit', 'urn:ietf:params:oauth:grant-type:saml1_1-bearer']) {
      await expectSts(postToken(secretForm(t.apps.reader, { grant_type: g })), 400, 'unsupported_grant_type', 70003);
    }
  });

  it('rejects an unknown tenant on the token endpoint with AADSTS90002', async () => {
    await expectSts(postToken(secretForm(t.apps.reader), `${t.loginUrl}/${randomUUID()}/oauth2/v2.0/token`), 400, 'invalid_request', 90002);
  });

  it('refuses client credentials on /organizations and /common for a single-tenant app (AADSTS50194)', async () => {
    for (const seg of ['organizations', 'common']) {
      await expectSts(postToken(secretForm(t.apps.reader), `${t.loginUrl}/${seg}/oauth2/v2.0/token`), 400, 'invalid_request', 50194);
    }
  });

  it('accepts the domain in the token URL', async () => {
    expect((await postToken(secretForm(t.apps.reader), `${t.loginUrl}/${t.domain}/oauth2/v2.0/token`)).status).toBe(200);
  });

  it('rejects missing parameters and a non-form body with AADSTS900144', async () => {
    const f = secretForm(t.apps.reader);
    delete f['client_id'];
    await expectSts(postToken(f), 400, 'invalid_request', 900144);
    const res = await http.fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(secretForm(t.apps.reader)) });
    await expectSts(Promise.resolve({ status: res.status, body: await res.json() }), 400, 'invalid_request', 900144);
  });

  it('never echoes the secret in an error', async () => {
    const r = await postToken(secretForm(t.apps.reader, { client_secret: 'hunter2-is-not-the-secret' }));
    expect(JSON.stringify(r.body)).not.toContain('hunter2');
    expect(JSON.stringify(r.body)).not.toContain(t.apps.reader.secret);
  });
});

describe('token endpoint: client assertion', () => {
  it('accepts a PS256 assertion with x5t#S256 and an RS256 one with x5t (SHA-1)', async () => {
    const app = t.apps.reader;
    const r1 = await postToken(assertionForm(app, await assertion(app)));
    expect(r1.status).toBe(200);
    expect(decodeJwt(tokenSchema.parse(r1.body).access_token).appidacr).toBe('2');
    const sha1 = Buffer.from(app.thumbprintSha1, 'hex').toString('base64url');
    const r2 = await postToken(assertionForm(app, await assertion(app, { alg: 'RS256', x5t: sha1 })));
    expect(r2.status).toBe(200);
  });

  it.each(['issuer', 'login'] as const)('accepts the %s URL as the assertion audience', async (form_) => {
    const aud = form_ === 'issuer' ? `${t.loginUrl}/${t.tenantId}/v2.0` : `${t.loginUrl}/${t.tenantId}/`;
    expect((await postToken(assertionForm(t.apps.reader, await assertion(t.apps.reader, { aud })))).status).toBe(200);
  });

  it('rejects an assertion signed by an unregistered key with AADSTS700027', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const bogus = Buffer.alloc(32, 7).toString('base64url');
    const d = await expectSts(postToken(assertionForm(t.apps.reader, await assertion(t.apps.reader, { key: pem, x5tS256: bogus }))), 401, 'invalid_client', 700027);
    expect(d).toContain('The key was not found');
    // Registered thumbprint, wrong key: signature validation fails.
    await expectSts(postToken(assertionForm(t.apps.reader, await assertion(t.apps.reader, { key: pem }))), 401, 'invalid_client', 700027);
    // Another app's certificate is not registered on this app.
    const other = Buffer.from(t.apps.minimal.thumbprintSha256, 'hex').toString('base64url');
    await expectSts(postToken(assertionForm(t.apps.reader, await assertion(t.apps.reader, { x5tS256: other }))), 401, 'invalid_client', 700027);
  });

  // "Microsoft identity platform application authentication certificate credentials"
  // (learn.microsoft.com/entra/identity-platform/certificate-credentials): Entra ID accepts an
  // assertion without nbf; MSAL Python and the Azure CLI send none. A present nbf still counts.
  it('accepts an assertion without nbf, and still refuses one whose nbf lies ahead (AADSTS700024)', async () => {
    const app = t.apps.reader;
    const jwt = await assertion(app, { nbf: null });
    expect(decodeJwt(jwt).nbf).toBeUndefined();
    const r = await postToken(assertionForm(app, jwt));
    expect(r.status).toBe(200);
    expect(decodeJwt(tokenSchema.parse(r.body).access_token).appidacr).toBe('2');
    const now = Math.floor(Date.now() / 1000);
    await expectSts(postToken(assertionForm(app, await assertion(app, { nbf: now + 3600, exp: now + 7200 }))), 401, 'invalid_client', 700024);
  });

  it('rejects an expired assertion (AADSTS700024)', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectSts(postToken(assertionForm(t.apps.reader, await assertion(t.apps.reader, { nbf: now - 3600, exp: now - 1200 }))), 401, 'invalid_client', 700024);
  });

  it('rejects a wrong audience, a wrong issuer and a malformed assertion', async () => {
    const app = t.apps.reader;
    await expectSts(postToken(assertionForm(app, await assertion(app, { aud: 'https://login.microsoftonline.com/x/oauth2/v2.0/token' }))), 401, 'invalid_client', 50027);
    await expectSts(postToken(assertionForm(app, await assertion(app, { iss: t.apps.minimal.clientId }))), 401, 'invalid_client', 700021);
    await expectSts(postToken(assertionForm(app, 'not-a-jwt')), 400, 'invalid_request', 50027);
    await expectSts(postToken({ ...assertionForm(app, await assertion(app)), client_assertion_type: 'password' }), 400, 'invalid_request', 50027);
  });
});
