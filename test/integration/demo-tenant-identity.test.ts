/**
 * The real @azure/msal-node ConfidentialClientApplication against the demo tenant's
 * login listener over real HTTPS: proves MSAL accepts the tenant's OpenID metadata,
 * token responses and error shapes, and pins what MSAL sends in a client assertion
 * (RFC 7523; learn.microsoft.com/entra/identity-platform/certificate-credentials).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfidentialClientApplication } from '@azure/msal-node';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { startDemoTenant, type DemoTenant } from '../../src-main/core/demo-tenant/index';
import { caFetch, msalNetworkClient, type CaFetch } from '../helpers/demo-fetch';

let tenant: DemoTenant;
let http: CaFetch;
/** Form bodies MSAL posted, to inspect what it sends (the test's own network client records them). */
const posted: { url: string; body: URLSearchParams }[] = [];

/** Records what MSAL posts (origin + path; MSAL appends ?client-request-id=...). */
function recordPost(url: string, body: string): void {
  const u = new URL(url);
  posted.push({ url: `${u.origin}${u.pathname}`, body: new URLSearchParams(body) });
}

type CertificateCredential = { thumbprintSha256: string; privateKey: string } | { thumbprint: string; privateKey: string };

function appFor(auth: { clientId: string; authorityTenant: string; clientSecret?: string; clientCertificate?: CertificateCredential }): ConfidentialClientApplication {
  return new ConfidentialClientApplication({
    auth: {
      clientId: auth.clientId,
      authority: `${tenant.loginUrl}/${auth.authorityTenant}`,
      knownAuthorities: [new URL(tenant.loginUrl).host],
      ...(auth.clientSecret !== undefined ? { clientSecret: auth.clientSecret } : {}),
      ...(auth.clientCertificate !== undefined ? { clientCertificate: auth.clientCertificate } : {}),
    },
    system: { networkClient: msalNetworkClient(http, recordPost) },
  });
}

async function verifyAccessToken(token: string): Promise<Record<string, unknown>> {
  const res = await http.fetch(`${tenant.loginUrl}/${tenant.tenantId}/discovery/v2.0/keys`);
  const jwks = createLocalJWKSet((await res.json()) as Parameters<typeof createLocalJWKSet>[0]);
  const { payload } = await jwtVerify(token, jwks, { audience: tenant.graphUrl, issuer: `https://sts.windows.net/${tenant.tenantId}/` });
  return payload;
}

beforeAll(async () => {
  tenant = await startDemoTenant({ users: 10, seed: 'msal-it' });
  http = caFetch(tenant.caPem);
});

afterAll(async () => {
  await http?.close();
  await tenant?.close();
});

describe('MSAL Node against the demo tenant', () => {
  it('acquires a token with the client secret', async () => {
    const reader = tenant.apps.reader;
    const result = await appFor({ clientId: reader.clientId, authorityTenant: tenant.tenantId, clientSecret: reader.secret }).acquireTokenByClientCredential({
      scopes: [`${tenant.graphUrl}/.default`],
    });
    expect(result?.accessToken).toBeTruthy();
    expect(result?.tenantId === '' || result?.tenantId === tenant.tenantId).toBe(true);
    const claims = await verifyAccessToken(result!.accessToken);
    expect(claims['appid']).toBe(reader.clientId);
    expect(claims['tid']).toBe(tenant.tenantId);
    expect([...(claims['roles'] as string[])].sort()).toEqual([...reader.roles].sort());
    // The token opens the real Graph handlers behind the graph listener.
    const graph = await http.fetch(`${tenant.graphUrl}/v1.0/users?$top=3&$select=id,displayName`, {
      headers: { authorization: `Bearer ${result!.accessToken}` },
    });
    expect(graph.status).toBe(200);
    expect(((await graph.json()) as { value: unknown[] }).value).toHaveLength(3);
    // MSAL sends exactly the Graph .default scope for client credentials.
    const body = posted.at(-1)!.body;
    expect(body.get('grant_type')).toBe('client_credentials');
    expect(body.get('scope')).toBe(`${tenant.graphUrl}/.default`);
  });

  it('acquires a token with the certificate (client_assertion), authority given by domain', async () => {
    const reader = tenant.apps.reader;
    posted.length = 0;
    const result = await appFor({
      clientId: reader.clientId,
      authorityTenant: tenant.domain,
      clientCertificate: { thumbprintSha256: reader.thumbprintSha256, privateKey: reader.privateKeyPem },
    }).acquireTokenByClientCredential({ scopes: [`${tenant.graphUrl}/.default`] });
    const claims = await verifyAccessToken(result!.accessToken);
    expect(claims['appidacr']).toBe('2');
    expect(claims['azp']).toBe(reader.clientId);

    // What MSAL Node 7 puts in the assertion: PS256 with x5t#S256, and aud = the URL it posts
    // to, which keeps the authority's tenant segment (here the domain, although the metadata's
    // token_endpoint names the tenant GUID).
    const post = posted.find((p) => p.body.has('client_assertion'))!;
    const body = post.body;
    expect(post.url).toBe(`${tenant.loginUrl}/${tenant.domain}/oauth2/v2.0/token`);
    expect(body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const assertion = body.get('client_assertion')!;
    const header = decodeProtectedHeader(assertion);
    expect(header.alg).toBe('PS256');
    expect(Buffer.from(String(header['x5t#S256']), 'base64url').toString('hex')).toBe(reader.thumbprintSha256);
    const payload = decodeJwt(assertion);
    expect(payload.aud).toBe(post.url);
    expect(payload.iss).toBe(reader.clientId);
    expect(payload.sub).toBe(reader.clientId);
  });

  it('uses a SHA-1 thumbprint (x5t, RS256) for the expired-secret app, whose certificate still works', async () => {
    const app = tenant.apps['expired-secret'];
    posted.length = 0;
    const result = await appFor({ clientId: app.clientId, authorityTenant: tenant.tenantId, clientCertificate: { thumbprint: app.thumbprintSha1, privateKey: app.privateKeyPem } }).acquireTokenByClientCredential({
      scopes: [`${tenant.graphUrl}/.default`],
    });
    expect((await verifyAccessToken(result!.accessToken))['appid']).toBe(app.clientId);
    const header = decodeProtectedHeader(posted.find((p) => p.body.has('client_assertion'))!.body.get('client_assertion')!);
    expect(header.alg).toBe('RS256');
    expect(Buffer.from(String(header.x5t), 'base64url').toString('hex')).toBe(app.thumbprintSha1);
  });

  it('surfaces AADSTS700027 for a certificate that is not registered on the app', async () => {
    const reader = tenant.apps.reader;
    const other = tenant.apps.minimal;
    const err = await appFor({
      clientId: reader.clientId,
      authorityTenant: tenant.tenantId,
      clientCertificate: { thumbprintSha256: other.thumbprintSha256, privateKey: other.privateKeyPem },
    })
      .acquireTokenByClientCredential({ scopes: [`${tenant.graphUrl}/.default`] })
      .then(
        () => undefined,
        (e: unknown) => e as { errorCode?: string; errorMessage?: string },
      );
    expect(err?.errorCode).toBe('invalid_client');
    expect(err?.errorMessage).toMatch(/Description: AADSTS700027: Client assertion failed signature validation/);
  });

  it('surfaces the AADSTS error for a wrong secret', async () => {
    const reader = tenant.apps.reader;
    const err = await appFor({ clientId: reader.clientId, authorityTenant: tenant.tenantId, clientSecret: 'wrong-secret-value' })
      .acquireTokenByClientCredential({ scopes: [`${tenant.graphUrl}/.default`] })
      .then(
        () => undefined,
        (e: unknown) => e as { errorCode?: string; errorMessage?: string },
      );
    expect(err?.errorCode).toBe('invalid_client');
    expect(err?.errorMessage).toMatch(/Description: AADSTS7000215: Invalid client secret provided\./);
  });

  it('surfaces AADSTS65001 for an app without admin consent', async () => {
    const app65001 = tenant.apps['no-consent'];
    const err = await appFor({ clientId: app65001.clientId, authorityTenant: tenant.tenantId, clientSecret: app65001.secret })
      .acquireTokenByClientCredential({ scopes: [`${tenant.graphUrl}/.default`] })
      .then(
        () => undefined,
        (e: unknown) => e as { errorCode?: string; errorMessage?: string },
      );
    expect(err?.errorCode).toBe('invalid_grant');
    expect(err?.errorMessage).toMatch(/Description: AADSTS65001: The user or administrator has not consented/);
  });
});
