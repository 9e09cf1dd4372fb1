/**
 * The demo tenant against an independent, certified OpenID Connect client: openid-client v6
 * (on oauth4webapi), not MSAL. It keeps the demo tenant honest for clients other than MSAL Node:
 * - discovery: OpenID Connect Discovery 1.0 §4 (the issuer in the metadata equals the URL it was
 *   fetched under);
 * - client credentials (RFC 6749 §4.4) with client_secret_post and client_secret_basic (§2.3.1), and
 *   private_key_jwt (RFC 7523; "Microsoft identity platform application authentication certificate
 *   credentials", learn.microsoft.com/entra/identity-platform/certificate-credentials) without nbf,
 *   as MSAL Python and the Azure CLI send it;
 * - Entra ID's error shape ("Microsoft identity platform and the OAuth 2.0 client credentials flow",
 *   Error response; learn.microsoft.com/entra/identity-platform/reference-error-codes): error,
 *   error_description starting with AADSTS<code>, error_codes, timestamp, trace_id, correlation_id.
 * The client trusts exactly the demo tenant's CA through its customFetch (undici with that CA).
 */
import { importPKCS8, decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startDemoTenant, type DemoTenant } from '../../src-main/core/demo-tenant/index';

let tenant: DemoTenant;
let agent: Agent;
/** Client assertions as sent, decoded, to check what the client put in them. */
const assertions: Record<string, unknown>[] = [];

const caFetch: oidc.CustomFetch = async (url, options) => {
  if (options.body instanceof URLSearchParams) {
    const a = options.body.get('client_assertion');
    if (a) assertions.push(decodeJwt(a));
  }
  const res = await undiciFetch(url, { method: options.method, headers: options.headers, body: options.body, redirect: options.redirect, signal: options.signal, dispatcher: agent });
  return res as unknown as Response;
};

beforeAll(async () => {
  tenant = await startDemoTenant({ users: 20, seed: 'oidc-conformance' });
  agent = new Agent({ connect: { ca: tenant.caPem } });
});

afterAll(async () => {
  await agent?.close();
  await tenant?.close();
});

function issuer(): URL {
  return new URL(`${tenant.loginUrl}/${tenant.tenantId}/v2.0`);
}

function discover(clientId: string, auth: oidc.ClientAuth): Promise<oidc.Configuration> {
  return oidc.discovery(issuer(), clientId, undefined, auth, { [oidc.customFetch]: caFetch });
}

const GRAPH_SCOPE = (): string => `${tenant.graphUrl}/.default`;

async function grantRoles(config: oidc.Configuration): Promise<string[]> {
  const tokens = await oidc.clientCredentialsGrant(config, { scope: GRAPH_SCOPE() });
  expect(tokens.token_type.toLowerCase()).toBe('bearer');
  expect(tokens.expires_in).toBeGreaterThan(0);
  return decodeJwt(tokens.access_token)['roles'] as string[];
}

describe('discovery', () => {
  it('validates the metadata: issuer, endpoints and the advertised client authentication methods', async () => {
    const config = await discover(tenant.apps.reader.clientId, oidc.ClientSecretPost(tenant.apps.reader.secret));
    const md = config.serverMetadata();
    expect(md.issuer).toBe(issuer().href);
    expect(md.token_endpoint).toBe(`${tenant.loginUrl}/${tenant.tenantId}/oauth2/v2.0/token`);
    expect(md.jwks_uri).toBe(`${tenant.loginUrl}/${tenant.tenantId}/discovery/v2.0/keys`);
    expect(md.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_post', 'client_secret_basic', 'private_key_jwt']));
  });
});

describe('client credentials', () => {
  it('client_secret_post', async () => {
    const app = tenant.apps.reader;
    expect((await grantRoles(await discover(app.clientId, oidc.ClientSecretPost(app.secret)))).sort()).toEqual([...app.roles].sort());
  });

  it('client_secret_basic (RFC 6749 §2.3.1)', async () => {
    const app = tenant.apps.reader;
    tenant.clearRequestLog();
    expect((await grantRoles(await discover(app.clientId, oidc.ClientSecretBasic(app.secret)))).sort()).toEqual([...app.roles].sort());
    // The request log never keeps the Authorization header's value, only that it was there.
    const token = tenant.requestLog().filter((e) => e.listener === 'login' && e.method === 'POST');
    expect(token.map((e) => [e.hadAuthorization, e.status])).toEqual([[true, 200]]);
  });

  it('private_key_jwt without nbf (x5t#S256 names the registered certificate)', async () => {
    const app = tenant.apps.reader;
    const key = await importPKCS8(app.privateKeyPem, 'PS256');
    const auth = oidc.PrivateKeyJwt(key, {
      [oidc.modifyAssertion]: (header, payload) => {
        header['x5t#S256'] = Buffer.from(app.thumbprintSha256, 'hex').toString('base64url');
        delete payload['nbf'];
      },
    });
    assertions.length = 0;
    const roles = await grantRoles(await discover(app.clientId, auth));
    expect(roles.sort()).toEqual([...app.roles].sort());
    expect(assertions).toHaveLength(1);
    expect(assertions[0]).not.toHaveProperty('nbf');
    expect(assertions[0]).toMatchObject({ iss: app.clientId, sub: app.clientId, aud: issuer().href });
  });
});

describe("Entra ID's error shape", () => {
  const stsError = z.object({
    error: z.string(),
    error_description: z.string(),
    error_codes: z.array(z.number().int()).min(1),
    timestamp: z.string().regex(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/),
    trace_id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
    correlation_id: z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
  });

  async function failure(p: Promise<unknown>): Promise<{ status: number; body: z.infer<typeof stsError> }> {
    const e: unknown = await p.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(oidc.ResponseBodyError);
    const r = e as oidc.ResponseBodyError;
    return { status: r.status, body: stsError.parse(r.cause) };
  }

  it.each([
    ['client_secret_post', (s: string) => oidc.ClientSecretPost(s)],
    ['client_secret_basic', (s: string) => oidc.ClientSecretBasic(s)],
  ] as const)('a wrong secret (%s) is 401 invalid_client AADSTS7000215', async (_m, auth) => {
    const config = await discover(tenant.apps.reader.clientId, auth('not-the-secret'));
    const { status, body } = await failure(oidc.clientCredentialsGrant(config, { scope: GRAPH_SCOPE() }));
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
    expect(body.error_codes).toEqual([7000215]);
    expect(body.error_description).toMatch(/^AADSTS7000215: /);
    expect(body.error_description).toContain(`Trace ID: ${body.trace_id}`);
    expect(body.error_description).toContain(`Correlation ID: ${body.correlation_id}`);
    expect(body.error_description).toContain(`Timestamp: ${body.timestamp}`);
  });

  it('a scope without /.default is 400 invalid_scope AADSTS1002012', async () => {
    const config = await discover(tenant.apps.reader.clientId, oidc.ClientSecretPost(tenant.apps.reader.secret));
    const { status, body } = await failure(oidc.clientCredentialsGrant(config, { scope: 'User.Read.All' }));
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_scope');
    expect(body.error_codes).toEqual([1002012]);
    expect(body.error_description).toMatch(/^AADSTS1002012: The provided value for scope User\.Read\.All is not valid\./);
  });

  it('an app without admin consent is 400 invalid_grant AADSTS65001', async () => {
    const app = tenant.apps['no-consent'];
    const config = await discover(app.clientId, oidc.ClientSecretBasic(app.secret));
    const { status, body } = await failure(oidc.clientCredentialsGrant(config, { scope: GRAPH_SCOPE() }));
    expect(status).toBe(400);
    expect(body.error).toBe('invalid_grant');
    expect(body.error_codes).toEqual([65001]);
  });
});
