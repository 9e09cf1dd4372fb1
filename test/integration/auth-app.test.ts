import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoTenant } from '../../src-main/core/demo-tenant/index';
import type { DemoAppName, DemoTenant } from '../../src-main/core/demo-tenant/types';
import { createNetwork, type Network } from '../../src-main/core/net/network';
import { createAppTokenProvider } from '../../src-main/core/auth/app-token';
import { certificateCredential, loadAppCredential, type AppCredential } from '../../src-main/core/auth/credentials';
import { tokenInfoFromJwt } from '../../src-main/core/auth/token-claims';
import type { Profile } from '../../src-main/core/profile/schema';
import { demoTenantProfile } from '../../src-main/core/demo/session';
import { makeSelfSignedCert } from '../helpers/cert-fixture';
import { failure } from '../helpers/operator-error';

/**
 * App-only sign-in through real MSAL Node against the demo tenant's Entra ID
 * simulation over HTTPS (its generated CA trusted like an enterprise CA).
 */
let t: DemoTenant;
let net: Network;
const logLines: string[] = [];

beforeAll(async () => {
  t = await startDemoTenant({ users: 20, seed: 'auth-app' });
  net = createNetwork({ extraCaPem: [t.caPem], env: {} });
});
afterAll(async () => {
  await net?.close();
  await t?.close();
});

function profile(clientId: string): Profile {
  return demoTenantProfile(t, clientId, { kind: 'secret', secretEnv: 'RECON_DEMO_SECRET' });
}

function provider(clientId: string, credential: AppCredential, network: Network = net) {
  return createAppTokenProvider({ profile: profile(clientId), credential, network, log: (_l, m) => logLines.push(m) });
}

const secretOf = (app: DemoAppName): AppCredential => ({ kind: 'secret', secret: t.apps[app].secret });
const loginRequests = () => t.requestLog().filter((e) => e.listener === 'login');

describe('app token', () => {
  it('reader with its client secret (loaded from the env variable the profile names)', async () => {
    const cred = await loadAppCredential(profile(t.apps.reader.clientId), { env: { RECON_DEMO_SECRET: t.apps.reader.secret }, readFile: () => Promise.reject(new Error('unused')) });
    const p = provider(t.apps.reader.clientId, cred);
    const tok = await p.getToken();
    const info = tokenInfoFromJwt(tok.accessToken);
    expect(info.tenantId).toBe(t.tenantId);
    expect(info.roles).toEqual([...t.apps.reader.roles].sort());
    expect(info.scopes).toEqual([]);
    expect(tok.expiresOn.getTime()).toBeGreaterThan(Date.now());
    expect(p.scope).toBe(`${t.graphUrl}/.default`);
  });

  it('reader with its certificate; MSAL reuses the cached token and forceRefresh asks again', async () => {
    const cred = certificateCredential(t.apps.reader.certificatePem, t.apps.reader.privateKeyPem);
    expect(cred.kind === 'certificate' && cred.thumbprintSha256.toLowerCase()).toBe(t.apps.reader.thumbprintSha256.toLowerCase());
    const p = provider(t.apps.reader.clientId, cred);
    const first = await p.getToken();
    const tokenPosts = () => loginRequests().filter((e) => e.method === 'POST').length;
    const before = tokenPosts();
    const again = await p.getToken();
    expect(again.accessToken).toBe(first.accessToken);
    expect(tokenPosts()).toBe(before);
    const refreshed = await p.getToken({ forceRefresh: true });
    expect(tokenPosts()).toBe(before + 1);
    expect(tokenInfoFromJwt(refreshed.accessToken).roles).toContain('User.Read.All');
  });

  it('never calls a global instance discovery endpoint: every sign-in request went to the configured login host', () => {
    const paths = loginRequests().map((e) => e.path);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.every((p) => p.startsWith(`/${t.tenantId}/`))).toBe(true);
    expect(paths.some((p) => p.includes('discovery/instance'))).toBe(false);
  });

  it('MSAL log lines never contain a token or secret', () => {
    expect(logLines.length).toBeGreaterThan(0);
    const all = logLines.join('\n');
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\./);
    expect(all).not.toContain(t.apps.reader.secret);
  });
});

describe('sign-in failures arrive as actionable OperatorErrors', () => {
  it('wrong secret -> AADSTS7000215 (secret value, not id)', async () => {
    const wrong = `${t.apps.reader.secret.slice(0, -3)}xyz`;
    const e = await failure(provider(t.apps.reader.clientId, { kind: 'secret', secret: wrong }).getToken());
    expect(e).toMatchObject({ code: 'auth-failed', aadsts: 7000215 });
    expect(e.hint).toContain('secret VALUE, not the secret ID');
    expect(e.who).toMatch(/Application Administrator/);
    expect(JSON.stringify({ m: e.message, h: e.hint, w: e.who })).not.toContain(wrong);
  });

  it('expired secret -> AADSTS7000222', async () => {
    const e = await failure(provider(t.apps['expired-secret'].clientId, secretOf('expired-secret')).getToken());
    expect(e).toMatchObject({ code: 'auth-failed', aadsts: 7000222 });
    expect(e.hint).toMatch(/new client secret.*certificate/);
  });

  it('unknown client id -> AADSTS700016', async () => {
    const e = await failure(provider(randomUUID(), secretOf('reader')).getToken());
    expect(e).toMatchObject({ code: 'auth-failed', aadsts: 700016 });
    expect(e.hint).toMatch(/client ID and tenant ID/);
  });

  it('certificate not registered -> AADSTS700027', async () => {
    const fresh = await makeSelfSignedCert('not-registered');
    const e = await failure(provider(t.apps.reader.clientId, certificateCredential(fresh.certificatePem, fresh.privateKeyPem)).getToken());
    expect(e).toMatchObject({ code: 'auth-failed', aadsts: 700027 });
    expect(e.hint).toMatch(/Upload the public certificate/);
  });

  it('no admin consent -> AADSTS65001 (consent-missing; who can grant it)', async () => {
    const e = await failure(provider(t.apps['no-consent'].clientId, secretOf('no-consent')).getToken());
    expect(e).toMatchObject({ code: 'consent-missing', aadsts: 65001 });
    expect(e.who).toMatch(/Privileged Role Administrator or Global Administrator/);
    expect(e.who).toMatch(/Cloud Application Administrator and Application Administrator cannot grant/);
  });

  it('an untrusted TLS certificate -> tls with a caBundlePath hint', async () => {
    const bare = createNetwork({ env: {} });
    try {
      const e = await failure(provider(t.apps.reader.clientId, secretOf('reader'), bare).getToken());
      expect(e.code).toBe('tls');
      expect(e.hint).toMatch(/caBundlePath/);
    } finally {
      await bare.close();
    }
  });

  it('an unreachable sign-in endpoint -> network', async () => {
    const p = createAppTokenProvider({
      profile: { ...profile(t.apps.reader.clientId), customEndpoints: { loginUrl: 'https://127.0.0.1:9', graphUrl: t.graphUrl } },
      credential: secretOf('reader'),
      network: net,
    });
    const e = await failure(p.getToken());
    expect(e.code).toBe('network');
  });

  it('an aborted signal -> cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    const e = await failure(provider(t.apps.reader.clientId, secretOf('reader')).getToken({ signal: ac.signal }));
    expect(e.code).toBe('cancelled');
  });
});
