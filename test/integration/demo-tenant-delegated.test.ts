/**
 * The real @azure/msal-node PublicClientApplication against the demo tenant's delegated
 * side over real HTTPS: MSAL builds the authorize URL (PKCE pair from its own
 * CryptoProvider), the test signs in on the pages like a browser and reads the code
 * from the loopback redirect, then MSAL redeems it (acquireTokenByCode) and refreshes
 * silently. Proves MSAL accepts the tenant's id_token, client_info and token responses,
 * and that the Graph session reads with the delegated token under the user's roles.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CryptoProvider, PublicClientApplication } from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { startDemoTenant, type DemoTenant, type DemoUserName } from '../../src-main/core/demo-tenant/index';
import { createNetwork, type Network } from '../../src-main/core/net/network';
import { createGraphSession } from '../../src-main/core/graph/create-session';
import { profileSchema, type Profile } from '../../src-main/core/profile/schema';
import { requiredDelegatedScopes } from '../../src-main/core/permissions/matrix';
import { caFetch, msalNetworkClient, type CaFetch } from '../helpers/demo-fetch';
import { signInAtAuthorize, signInWithDeviceCode, type PageFetch } from '../helpers/sign-in-pages';

let tenant: DemoTenant;
let http: CaFetch;
let network: Network;
const REDIRECT = 'http://localhost:53682';

const pageFetch: PageFetch = (url, init) => http.fetch(url, init);

function pca(app: 'delegated' | 'delegated-no-auditlog' = 'delegated'): PublicClientApplication {
  return new PublicClientApplication({
    auth: {
      clientId: tenant.publicApps[app].clientId,
      authority: `${tenant.loginUrl}/${tenant.tenantId}`,
      knownAuthorities: [new URL(tenant.loginUrl).host],
    },
    system: { networkClient: msalNetworkClient(http) },
  });
}

function scopes(): string[] {
  return requiredDelegatedScopes().map((s) => `${tenant.graphUrl}/${s}`);
}

/** MSAL's URL, the pages, the loopback redirect, MSAL's redemption. */
async function signIn(client: PublicClientApplication, user: DemoUserName): Promise<Awaited<ReturnType<PublicClientApplication['acquireTokenByCode']>>> {
  const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
  const state = new CryptoProvider().createNewGuid();
  const url = await client.getAuthCodeUrl({
    scopes: scopes(),
    redirectUri: REDIRECT,
    codeChallenge: challenge,
    codeChallengeMethod: 'S256',
    state,
    loginHint: tenant.signInUsers[user].upn,
  });
  const u = tenant.signInUsers[user];
  const out = await signInAtAuthorize(pageFetch, url, { username: u.upn, password: u.password });
  if (out.kind !== 'redirect') throw new Error(`expected the loopback redirect, got ${out.kind}`);
  expect(out.location.origin).toBe(REDIRECT);
  expect(out.location.searchParams.get('state')).toBe(state);
  const code = out.location.searchParams.get('code');
  if (!code) throw new Error(`no code: ${out.location.searchParams.get('error_description') ?? ''}`);
  return client.acquireTokenByCode({ code, scopes: scopes(), redirectUri: REDIRECT, codeVerifier: verifier });
}

function profile(): Profile {
  return profileSchema.parse({
    name: 'delegated-it',
    tenantId: tenant.tenantId,
    clientId: tenant.publicApps.delegated.clientId,
    cloud: 'custom',
    customEndpoints: { loginUrl: tenant.loginUrl, graphUrl: tenant.graphUrl },
    credential: { kind: 'delegated', flow: 'interactive' },
  });
}

beforeAll(async () => {
  tenant = await startDemoTenant({ users: 300, seed: 'delegated-it', deviceCodeIntervalSeconds: 1 });
  http = caFetch(tenant.caPem);
  network = createNetwork({ extraCaPem: [tenant.caPem], env: {} });
});

afterAll(async () => {
  await network?.close();
  await http?.close();
  await tenant?.close();
});

describe('MSAL Node PublicClientApplication against the demo tenant', () => {
  it('redeems the code (acquireTokenByCode): MSAL builds the account from id_token and client_info', async () => {
    const client = pca();
    const r = await signIn(client, 'reports-reader');
    const u = tenant.signInUsers['reports-reader'];
    expect(r.account?.username).toBe(u.upn);
    expect(r.account?.homeAccountId).toBe(`${u.objectId}.${tenant.tenantId}`);
    expect(r.account?.tenantId).toBe(tenant.tenantId);
    expect(r.account?.localAccountId).toBe(u.objectId);
    expect(r.idTokenClaims).toMatchObject({ preferred_username: u.upn, oid: u.objectId, aud: tenant.publicApps.delegated.clientId });
    const at = decodeJwt(r.accessToken);
    expect(at).toMatchObject({ idtyp: 'user', aud: tenant.graphUrl, upn: u.upn });
    expect(String(at['scp']).split(' ')).toEqual(expect.arrayContaining(requiredDelegatedScopes()));
    expect((await client.getTokenCache().getAllAccounts()).map((a) => a.username)).toEqual([u.upn]);
  });

  it('refreshes silently with the rotated refresh token (forceRefresh), twice', async () => {
    const client = pca();
    const first = await signIn(client, 'global-reader');
    const account = first.account;
    if (!account) throw new Error('no account');
    const second = await client.acquireTokenSilent({ account, scopes: scopes(), forceRefresh: true });
    expect(second.accessToken).not.toBe(first.accessToken);
    const third = await client.acquireTokenSilent({ account, scopes: scopes(), forceRefresh: true });
    expect(third.accessToken).not.toBe(second.accessToken);
    expect(decodeJwt(third.accessToken)['oid']).toBe(tenant.signInUsers['global-reader'].objectId);
  });

  it('completes the device code flow (acquireTokenByDeviceCode) after the user signs in on the deviceauth page', async () => {
    const client = pca();
    const u = tenant.signInUsers['mfa-reader'];
    let signedIn: Promise<unknown> | undefined;
    const r = await client.acquireTokenByDeviceCode({
      scopes: scopes(),
      deviceCodeCallback: (dc) => {
        expect(dc.verificationUri).toBe(`${tenant.loginUrl}/common/oauth2/deviceauth`);
        expect(dc.message).toContain(dc.userCode);
        signedIn = signInWithDeviceCode(pageFetch, dc.verificationUri, dc.userCode, { username: u.upn, password: u.password });
      },
    });
    const page = await signedIn;
    expect(page).toMatchObject({ kind: 'page' });
    expect(r?.account?.username).toBe(u.upn);
    expect(decodeJwt(r?.accessToken ?? '')['amr']).toEqual(['pwd', 'mfa']);
  });

  it('reads Graph through the product session with the delegated token, under the user role', async () => {
    const client = pca();
    const first = await signIn(client, 'global-reader');
    const account = first.account;
    if (!account) throw new Error('no account');
    const session = createGraphSession({
      profile: profile(),
      network,
      ownsNetwork: false,
      retry: { maxAttempts: 1 },
      tokenProvider: {
        getToken: async (o) => {
          const r = await client.acquireTokenSilent({ account, scopes: scopes(), forceRefresh: o?.forceRefresh ?? false });
          return { accessToken: r.accessToken, expiresOn: r.expiresOn ?? new Date(Date.now() + 60_000) };
        },
      },
    });
    try {
      const users = (await session.getJson('/users?$top=3&$select=id,signInActivity')) as { value: unknown[] };
      expect(users.value).toHaveLength(3);
      // Global Reader: tenant-level report data only, no per-user detail.
      await expect(session.getJson("/reports/getOffice365ActiveUserDetail(period='D7')")).rejects.toMatchObject({ code: 'permission-denied' });
    } finally {
      await session.close();
    }
  });
});
