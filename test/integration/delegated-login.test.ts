import { connect } from 'node:net';
import http from 'node:http';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDemoTenant } from '../../src-main/core/demo-tenant/index';
import type { DemoTenant, DemoUserName } from '../../src-main/core/demo-tenant/types';
import { createNetwork, type Network } from '../../src-main/core/net/network';
import { createDelegatedTokenProvider, type DelegatedTokenProvider, type OpenBrowser } from '../../src-main/core/auth/delegated-token';
import { DemoBrowser } from '../../src-main/core/demo/browser';
import { tokenInfoFromJwt } from '../../src-main/core/auth/token-claims';
import { MemorySecretStore } from '../../src-main/core/secrets/memory-store';
import { EncryptedFileSecretStore } from '../../src-main/core/secrets/encrypted-file-store';
import { SECRET_KEYS, type SecretStore } from '../../src-main/core/secrets/secret-store';
import { demoProfile } from '../../src-main/core/demo/session';
import { syncProfile } from '../../src-main/core/services/sync-service';
import { createGraphSession } from '../../src-main/core/graph/create-session';
import { openDatabase } from '../../src-main/core/store/db';
import { closeDatabase } from '../../src-main/core/store/snapshot-sink';
import { createLogger } from '../../src-main/core/log/logger';
import type { Profile } from '../../src-main/core/profile/schema';
import { formatError } from '../../src-main/cli/output';
import { cli, tempDir } from '../helpers/cli';
import { failure } from '../helpers/operator-error';

/**
 * Delegated sign-in end to end: real MSAL Node (acquireTokenInteractive with its own
 * loopback server, acquireTokenSilent, acquireTokenByDeviceCode) against the demo
 * tenant's authorize page and token endpoint over HTTPS. The "browser" is the demo
 * automation driver: it GETs the sign-in page, posts the password, types the MFA code
 * the page shows, and posts the form_post response to MSAL's loopback, as a person's
 * browser would (RFC 8252 loopback redirect, RFC 7636 PKCE S256).
 */
let t: DemoTenant;
let net: Network;
let profile: Profile;
const dirs: string[] = [];

beforeAll(async () => {
  t = await startDemoTenant({ users: 60, seed: 'delegated-login', deviceCodeIntervalSeconds: 1 });
  net = createNetwork({ extraCaPem: [t.caPem], env: {} });
  profile = demoProfile(t, 'reader', 'delegated');
});
afterAll(async () => {
  await net?.close();
  await t?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function scratch(): string {
  const d = tempDir('m365lr-deleg-');
  dirs.push(d);
  return d;
}

function browserFor(user: DemoUserName, extra: Partial<ConstructorParameters<typeof DemoBrowser>[0]> = {}): DemoBrowser {
  const u = t.signInUsers[user];
  return new DemoBrowser({ network: net, user: { upn: u.upn, password: u.password }, ...extra });
}

function provider(store: SecretStore, openBrowser: OpenBrowser, opts: { timeoutMs?: number } = {}): DelegatedTokenProvider {
  return createDelegatedTokenProvider({ profile, network: net, secretStore: store, openBrowser, ...opts });
}

/** True when nothing listens on 127.0.0.1:port any more. */
function portClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

function postForm(url: string, fields: Record<string, string>): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  const body = new URLSearchParams(fields).toString();
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: Number(u.port), path: u.pathname, method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The refresh token secrets in an MSAL serialized cache. */
function refreshTokens(serialized: string): string[] {
  const json = JSON.parse(serialized) as { RefreshToken?: Record<string, { secret: string }> };
  return Object.values(json.RefreshToken ?? {}).map((r) => r.secret);
}

const GRAPH_SCOPES = ['AuditLog.Read.All', 'GroupMember.Read.All', 'LicenseAssignment.Read.All', 'Organization.Read.All', 'ReportSettings.Read.All', 'Reports.Read.All', 'User.Read.All'];

describe('interactive sign-in (auth code + PKCE, system browser, loopback)', () => {
  it('signs in through the authorize page with MFA, with PKCE S256, state and a loopback redirect on localhost', async () => {
    t.clearRequestLog();
    const store = new MemorySecretStore();
    const pages: string[] = [];
    const browser = browserFor('mfa-reader', { onRedirectResponse: (status, body) => pages.push(`${status} ${body}`) });
    let opened = '';
    const p = provider(store, async (url) => {
      opened = url;
      await browser.openBrowser(url);
    });
    const r = await p.login();
    expect(r.account.username).toBe(t.signInUsers['mfa-reader'].upn);
    expect(r.account.tenantId).toBe(t.tenantId);
    expect(r.expiresOn.getTime()).toBeGreaterThan(Date.now());
    expect(r.scopes.filter((s) => s.startsWith(t.graphUrl)).map((s) => s.slice(t.graphUrl.length + 1)).sort()).toEqual(GRAPH_SCOPES);

    // What MSAL sent to the authorize endpoint (RFC 7636 S256, RFC 8252 loopback on localhost, any port).
    const q = new URL(opened).searchParams;
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')?.length ?? 0).toBeGreaterThan(10);
    expect(q.get('response_mode')).toBe('form_post');
    expect(q.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+$/);
    const requested = (q.get('scope') ?? '').split(' ');
    expect(requested).not.toContain(`${t.graphUrl}/.default`);
    expect(requested.some((s) => /ReadWrite|AccessAsUser/.test(s))).toBe(false);

    // The success page was served by the loopback (once the code was redeemed) and the port is closed afterwards.
    await vi.waitFor(() => expect(pages).toHaveLength(1));
    expect(pages[0]).toMatch(/^200 /);
    expect(pages[0]).toContain('Signed in');
    expect(await portClosed(Number(new URL(q.get('redirect_uri') ?? '').port))).toBe(true);

    // The access token is delegated: scp, no roles.
    const token = await p.getToken();
    const info = tokenInfoFromJwt(token.accessToken);
    expect(info.roles).toEqual([]);
    expect(info.scopes.filter((s) => !['openid', 'profile', 'email', 'offline_access'].includes(s)).sort()).toEqual(GRAPH_SCOPES);
    expect(await store.keys()).toEqual([SECRET_KEYS.tokenCache('demo')]);
  });

  it('refreshes silently after the access token expires, with a rotated refresh token', async () => {
    t.setFaults({ tokenLifetimeSeconds: 1 });
    try {
      const store = new MemorySecretStore();
      const p = provider(store, browserFor('reports-reader').openBrowser);
      await p.login();
      const cached = (await store.get(SECRET_KEYS.tokenCache('demo')))?.toString('utf8') ?? '';
      const rtBefore = refreshTokens(cached);
      expect(rtBefore).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 1500));
      const first = await p.getToken();
      expect(first.expiresOn.getTime()).toBeGreaterThan(Date.now() - 1000);
      const rtAfter = refreshTokens((await store.get(SECRET_KEYS.tokenCache('demo')))?.toString('utf8') ?? '');
      expect(rtAfter).toHaveLength(1);
      expect(rtAfter[0]).not.toBe(rtBefore[0]);
      // A fresh provider on the same store (a later command) signs in silently too.
      const later = provider(store, () => Promise.reject(new Error('no browser expected')));
      const second = await later.getToken();
      expect(tokenInfoFromJwt(second.accessToken).scopes).toContain('User.Read.All');
    } finally {
      t.setFaults({});
    }
  });

  it('when the refresh token is gone or rejected, asks to run login again (never for a pasted token)', async () => {
    const store = new MemorySecretStore();
    const p = provider(store, browserFor('reports-reader').openBrowser);
    await p.login();
    // Rejected: the refresh token in the cache is replaced by one the tenant never issued.
    const key = SECRET_KEYS.tokenCache('demo');
    const cache = JSON.parse((await store.get(key))?.toString('utf8') ?? '{}') as { RefreshToken: Record<string, { secret: string }>; AccessToken: Record<string, unknown> };
    for (const rt of Object.values(cache.RefreshToken)) rt.secret = 'not-a-refresh-token-the-tenant-issued';
    cache.AccessToken = {};
    await store.set(key, Buffer.from(JSON.stringify(cache)));
    const rejected = await failure(provider(store, browserFor('reports-reader').openBrowser).getToken());
    expect(rejected.code).toBe('auth-failed');
    expect(formatError(rejected)).toContain('login --profile demo');
    // Gone: after logout nothing is cached at all.
    await p.logout();
    expect(await store.keys()).toEqual([]);
    const gone = await failure(provider(store, browserFor('reports-reader').openBrowser).getToken());
    expect(gone.code).toBe('auth-failed');
    expect(formatError(gone)).toContain('login --profile demo');
  });

  it('when MFA becomes required (Conditional Access change), the silent refresh says to sign in again with MFA', async () => {
    const store = new MemorySecretStore();
    const p = provider(store, browserFor('global-reader').openBrowser);
    await p.login();
    t.setUserMfa('global-reader', true);
    try {
      const e = await failure(p.getToken({ forceRefresh: true }));
      expect(e.code).toBe('auth-failed');
      expect(e.aadsts).toBe(50076);
      expect(e.message).toContain('AADSTS50076');
      expect(e.hint).toMatch(/sign in again for this profile and complete the MFA prompt/);
      expect(formatError(e)).toContain('login --profile demo');
      expect(e.who).toMatch(/^the signed-in user completes MFA/);
    } finally {
      t.setUserMfa('global-reader', false);
    }
  });

  // AADSTS50079 (learn.microsoft.com/entra/identity-platform/reference-error-codes): MFA is
  // required but the user has no method registered; only the user can register one.
  it('when MFA registration becomes required, the silent refresh names aka.ms/mfasetup, the user, and login again', async () => {
    const store = new MemorySecretStore();
    const p = provider(store, browserFor('reports-reader').openBrowser);
    await p.login();
    t.setUserMfa('reports-reader', 'register');
    try {
      const e = await failure(p.getToken({ forceRefresh: true }));
      expect(e.code).toBe('auth-failed');
      expect(e.aadsts).toBe(50079);
      expect(e.message).toMatch(/profile "demo" can no longer be refreshed silently: Multi-factor authentication registration is required/);
      expect(e.hint).toMatch(/register an MFA method at https:\/\/aka\.ms\/mfasetup .*then sign in again for this profile/);
      expect(formatError(e)).toContain('login --profile demo');
      expect(e.who).toMatch(/^the signed-in user, at https:\/\/aka\.ms\/mfasetup/);
    } finally {
      t.setUserMfa('reports-reader', false);
    }
  });

  it('a cancelled wait ends promptly with "cancelled" and closes the loopback port', async () => {
    const store = new MemorySecretStore();
    const ac = new AbortController();
    let redirect = '';
    const p = provider(store, async (url) => {
      redirect = new URL(url).searchParams.get('redirect_uri') ?? '';
      // A browser that opened the page; the person never signs in. Cancel shortly after.
      setTimeout(() => ac.abort(), 200);
    });
    const t0 = Date.now();
    const e = await failure(p.login({ signal: ac.signal }));
    expect(e.code).toBe('cancelled');
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(redirect).toMatch(/^http:\/\/localhost:\d+$/);
    expect(await portClosed(Number(new URL(redirect).port))).toBe(true);
    expect(await p.account()).toBeUndefined();
  });

  it('a wait that times out ends with "timeout" (not "cancelled") naming the timeout, and closes the loopback port', async () => {
    const store = new MemorySecretStore();
    let redirect = '';
    const p = provider(
      store,
      async (url) => {
        redirect = new URL(url).searchParams.get('redirect_uri') ?? '';
      },
      { timeoutMs: 1200 },
    );
    const t0 = Date.now();
    const e = await failure(p.login());
    expect(e.code).toBe('timeout');
    expect(e.message).toMatch(/not completed within 2 seconds/);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await portClosed(Number(new URL(redirect).port))).toBe(true);
  });

  it('a redirect with a forged state is refused by the loopback and does not settle the sign-in', async () => {
    const store = new MemorySecretStore();
    const answers: string[] = [];
    let genuine: Record<string, string> | undefined;
    let loopback = '';
    const browser = browserFor('reports-reader', {
      tamperRedirect: (fields) => {
        genuine = { ...fields };
        return { ...fields, state: `${fields['state'] ?? ''}x` };
      },
      onRedirectResponse: (status, body) => answers.push(`${status} ${body}`),
    });
    const p = provider(store, async (url) => {
      loopback = new URL(url).searchParams.get('redirect_uri') ?? '';
      // The forged response is refused (the demo browser reports the 400) ...
      await expect(browser.openBrowser(url)).rejects.toThrow(/loopback refused/);
      // ... and the sign-in is still waiting for the genuine one.
      const ok = await postForm(`${loopback}/`, genuine ?? {});
      answers.push(`${ok.status} ${ok.body}`);
    });
    const r = await p.login();
    // The genuine response is answered once its code is redeemed.
    await vi.waitFor(() => expect(answers).toHaveLength(2));
    expect(answers[0]).toMatch(/^400 [\s\S]*This sign-in response was refused[\s\S]*state does not match/);
    expect(answers[1]).toMatch(/^200 /);
    expect(r.account.username).toBe(t.signInUsers['reports-reader'].upn);
  });

  it('a redirect with a forged state alone never yields a token', async () => {
    const store = new MemorySecretStore();
    const browser = browserFor('reports-reader', { tamperRedirect: (f) => ({ ...f, state: 'forged-state' }) });
    const p = provider(store, browser.openBrowser, { timeoutMs: 20_000 });
    const e = await failure(p.login());
    expect(e.code).toBe('auth-failed');
    expect(e.message).toMatch(/loopback refused/);
    expect(await p.account()).toBeUndefined();
    expect(await store.keys()).toEqual([]);
  });

  // The demo tenant blocks the 'blocked' user at sign-in; it has no run-time switch to block
  // a user already signed in, so AADSTS53003 is checked on the authorize path.
  it('an AADSTS refusal on the sign-in page (Conditional Access) surfaces with its code, worded for a user sign-in', async () => {
    const store = new MemorySecretStore();
    const e = await failure(provider(store, browserFor('blocked').openBrowser, { timeoutMs: 20_000 }).login());
    expect(e.code).toBe('auth-failed');
    expect(e.aadsts).toBe(53003);
    expect(e.hint).toMatch(/Sign in again for this profile from a compliant device or an allowed network.*rather than the device code flow/);
    expect(formatError(e)).toContain('login --profile demo');
    expect(e.who).toMatch(/^a Conditional Access Administrator/);
  });

  it('an app without consent to the delegated scopes (AADSTS65001) names who consents to delegated permissions', async () => {
    const noConsent = demoProfile(t, 'reader', 'delegated', 'delegated-no-consent');
    const p = createDelegatedTokenProvider({ profile: noConsent, network: net, secretStore: new MemorySecretStore(), openBrowser: browserFor('reports-reader').openBrowser, timeoutMs: 20_000 });
    const e = await failure(p.login());
    expect(e.code).toBe('consent-missing');
    expect(e.aadsts).toBe(65001);
    expect(formatError(e)).toMatch(/consent url --profile demo/);
    expect(e.who).toMatch(/^a Cloud Application Administrator or Application Administrator grants admin consent to delegated permissions/);
  });
});

describe('device code flow', () => {
  it('signs in with the code entered on the verification page', async () => {
    const store = new MemorySecretStore();
    const browser = browserFor('reports-reader');
    const p = provider(store, () => Promise.reject(new Error('the device code flow opens no browser')));
    const shown: string[] = [];
    let entered: Promise<void> | undefined;
    const r = await p.login({
      flow: 'device-code',
      onDeviceCode: (info) => {
        shown.push(info.message);
        entered = browser.completeDeviceCode(info);
      },
    });
    await entered;
    expect(shown[0]).toMatch(/enter the code/);
    expect(r.account.username).toBe(t.signInUsers['reports-reader'].upn);
    expect(tokenInfoFromJwt((await p.getToken()).accessToken).scopes).toContain('Reports.Read.All');
  });

  it('cancelling the device code wait ends with "cancelled"', async () => {
    const ac = new AbortController();
    const p = provider(new MemorySecretStore(), () => Promise.reject(new Error('unused')));
    let t0 = 0;
    const e = await failure(
      p.login({
        flow: 'device-code',
        signal: ac.signal,
        onDeviceCode: () =>
          setTimeout(() => {
            t0 = Date.now();
            ac.abort();
          }, 100),
      }),
    );
    expect(e.code).toBe('cancelled');
    // Ends at once, not at the next poll of the token endpoint.
    expect(Date.now() - t0).toBeLessThan(500);
  });
});

describe('token cache at rest', () => {
  it('the encrypted store file never holds the refresh token (or any token) in clear text', async () => {
    const dir = tempDir('m365lr-deleg-');
    dirs.push(dir);
    const file = join(dir, 'secrets.enc');
    const store = new EncryptedFileSecretStore({ path: file, passphrase: 'correct horse battery staple', logN: 15 });
    const p = provider(store, browserFor('reports-reader').openBrowser);
    await p.login();
    const token = await p.getToken();
    const serialized = (await store.get(SECRET_KEYS.tokenCache('demo')))?.toString('utf8') ?? '';
    const [rt] = refreshTokens(serialized);
    expect(rt && rt.length).toBeGreaterThan(20);
    const bytes = readFileSync(file);
    for (const needle of [rt ?? '', token.accessToken, t.signInUsers['reports-reader'].upn]) {
      expect(bytes.includes(Buffer.from(needle, 'utf8'))).toBe(false);
      expect(bytes.includes(Buffer.from(needle, 'utf16le'))).toBe(false);
      expect(bytes.includes(Buffer.from(Buffer.from(needle).toString('base64')))).toBe(false);
    }
    // Another process with the same passphrase signs in silently from the file.
    const again = new EncryptedFileSecretStore({ path: file, passphrase: 'correct horse battery staple' });
    const later = provider(again, () => Promise.reject(new Error('no browser expected')));
    expect((await later.account())?.username).toBe(t.signInUsers['reports-reader'].upn);
    expect((await later.getToken()).accessToken).toBe(token.accessToken);
  });
});

describe('sync with a delegated token', () => {
  async function syncAs(user: DemoUserName) {
    const dir = tempDir('m365lr-deleg-sync-');
    dirs.push(dir);
    const store = new MemorySecretStore();
    await provider(store, browserFor(user).openBrowser).login();
    const db = openDatabase(join(dir, 'db.sqlite'));
    try {
      return await syncProfile({ profile, db, logger: createLogger({}), extraCaPem: [t.caPem], env: {}, secretStore: store });
    } finally {
      await closeDatabase(db);
    }
  }

  it('a Reports Reader syncs every dataset', async () => {
    const r = await syncAs('reports-reader');
    const status = Object.fromEntries(r.datasets.map((d) => [d.dataset, d.status]));
    expect(Object.values(status).every((s) => s === 'ok')).toBe(true);
    expect(r.datasets.find((d) => d.dataset === 'report.activeUserDetail')?.items).toBeGreaterThan(0);
  });

  it('a user without a directory role gets users and SKUs; sign-ins and reports are skipped naming the role', async () => {
    const r = await syncAs('no-role');
    const by = new Map(r.datasets.map((d) => [d.dataset, d]));
    expect(by.get('users')?.status).toBe('ok');
    expect(by.get('subscribedSkus')?.status).toBe('ok');
    for (const d of ['signInActivity', 'report.activeUserDetail', 'report.mailboxUsageDetail', 'reportSettings'] as const) {
      expect(by.get(d)?.status, d).toBe('skipped');
      expect(by.get(d)?.reason, d).toMatch(/Reports Reader/);
    }
  });

  it('without a sign-in in the store the sync says to run login', async () => {
    const dir = tempDir('m365lr-deleg-sync-');
    dirs.push(dir);
    const db = openDatabase(join(dir, 'db.sqlite'));
    try {
      const e = await failure(syncProfile({ profile, db, logger: createLogger({}), extraCaPem: [t.caPem], env: {}, secretStore: new MemorySecretStore() }));
      expect(e.code).toBe('auth-failed');
      expect(formatError(e)).toContain('login --profile demo');
    } finally {
      db.close();
    }
  });
});

describe('Graph errors of a delegated sign-in', () => {
  async function sessionAs(user: DemoUserName, publicApp: 'delegated' | 'delegated-no-auditlog' = 'delegated') {
    const prof = demoProfile(t, 'reader', 'delegated', publicApp);
    const tokens = createDelegatedTokenProvider({ profile: prof, network: net, secretStore: new MemorySecretStore(), openBrowser: browserFor(user).openBrowser });
    await tokens.login();
    return createGraphSession({ profile: prof, tokenProvider: tokens, network: net, ownsNetwork: false });
  }

  it('a user without a directory role: the 403 says to assign Reports Reader and who assigns roles', async () => {
    const session = await sessionAs('no-role');
    try {
      const e = await failure(session.getJson('/admin/reportSettings'));
      expect(e).toMatchObject({ code: 'permission-denied', status: 403 });
      expect(e.message).toMatch(/the signed-in user needs the directory role Reports Reader/);
      expect(e.hint).toMatch(/^Assign the signed-in user the directory role Reports Reader .*sign in again for this profile/);
      expect(e.remedy).toEqual({ action: 'assign-role', role: 'Reports Reader', profile: 'demo' });
      expect(e.who).toBe('a Privileged Role Administrator (or Global Administrator) assigns directory roles');
    } finally {
      await session.close();
    }
  });

  it('an app without AuditLog.Read.All: the 403 names the delegated permission and who consents to it', async () => {
    const session = await sessionAs('reports-reader', 'delegated-no-auditlog');
    try {
      const e = await failure(session.getJson('/users?$top=1&$select=id,signInActivity'));
      expect(e).toMatchObject({ code: 'permission-denied', status: 403, permission: 'AuditLog.Read.All' });
      expect(e.message).toMatch(/the app needs the delegated permission AuditLog\.Read\.All/);
      expect(e.who).toMatch(/^a Cloud Application Administrator or Application Administrator grants admin consent to delegated permissions/);
      expect(e.who).not.toMatch(/application permission/);
    } finally {
      await session.close();
    }
  });
});

describe('CLI', () => {
  it('login --profile demo --demo-user prints account, scopes and expiry, never a token', async () => {
    const dir = tempDir('m365lr-deleg-cli-');
    dirs.push(dir);
    const r = await cli(['--data-dir', dir, 'login', '--profile', 'demo', '--demo-user', 'mfa-reader', '--users', '30']);
    expect(r.stderr).toContain('Demo automation');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Signed in to profile "demo" as mfa-reader@/);
    expect(r.stdout).toMatch(/Granted scopes: .*Reports\.Read\.All/);
    expect(r.stdout).toMatch(/Access token expires: \d{4}-/);
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  });

  it('login --profile demo --device-code prints the device code prompt and the Conditional Access note', async () => {
    const r = await cli(['--data-dir', scratch(), 'login', '--profile', 'demo', '--demo-user', 'reports-reader', '--device-code', '--users', '20']);
    expect(r.stderr).toMatch(/enter the code [A-Z0-9]+/);
    expect(r.stderr).toMatch(/Conditional Access/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Signed in to profile "demo" as reports-reader@/);
  });

  it('sync --profile demo --credential delegated --demo-user reports-reader signs in and syncs in one run', async () => {
    const dir = tempDir('m365lr-deleg-cli-');
    dirs.push(dir);
    const r = await cli(['--data-dir', dir, 'sync', '--profile', 'demo', '--credential', 'delegated', '--demo-user', 'reports-reader', '--users', '40']);
    expect(r.stderr).toMatch(/Signed in to profile "demo" as /);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Snapshot \d+/);
    expect(r.stdout).not.toMatch(/Not synced/);
  });

  it('a real delegated profile: profile add --delegated, sync before login says to log in, logout works', async () => {
    const dir = tempDir('m365lr-deleg-cli-');
    dirs.push(dir);
    const add = await cli(['--data-dir', dir, 'profile', 'add', '--name', 'contoso', '--tenant', 'contoso.onmicrosoft.com', '--client-id', '11111111-2222-4333-8444-555555555555', '--delegated', '--login-hint', 'reader@contoso.onmicrosoft.com']);
    expect(add.code).toBe(0);
    const shown = await cli(['--data-dir', dir, 'profile', 'show', 'contoso']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ credential: { kind: 'delegated', flow: 'interactive', loginHint: 'reader@contoso.onmicrosoft.com' } });
    const sync = await cli(['--data-dir', dir, 'sync', '--profile', 'contoso']);
    expect(sync.code).not.toBe(0);
    expect(sync.stderr).toContain('login --profile contoso');
    const out = await cli(['--data-dir', dir, 'logout', '--profile', 'contoso']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/Signed out: the sign-in cache of profile "contoso" was removed from memory/);
  });

  it('login refuses an app-credential profile and --demo-user on a real profile', async () => {
    const dir = tempDir('m365lr-deleg-cli-');
    dirs.push(dir);
    await cli(['--data-dir', dir, 'profile', 'add', '--name', 'app', '--tenant', 'contoso.onmicrosoft.com', '--client-id', '11111111-2222-4333-8444-555555555555', '--secret-env', 'X']);
    const app = await cli(['--data-dir', dir, 'login', '--profile', 'app']);
    expect(app.code).not.toBe(0);
    expect(app.stderr).toMatch(/not as a user/);
    const demoUser = await cli(['--data-dir', dir, 'login', '--profile', 'app', '--demo-user', 'no-role']);
    expect(demoUser.code).not.toBe(0);
    expect(demoUser.stderr).toMatch(/only with the demo profile/);
  });

  it('sync --credential delegated without --demo-user is refused with what to add', async () => {
    const r = await cli(['--data-dir', scratch(), 'sync', '--profile', 'demo', '--credential', 'delegated', '--users', '10']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--demo-user');
  });

  it('verify --credential delegated --demo-app delegated-no-auditlog runs against that app: sign-in activity is missing AuditLog.Read.All', async () => {
    const r = await cli(['--data-dir', scratch(), 'verify', '--profile', 'demo', '--credential', 'delegated', '--demo-user', 'reports-reader', '--demo-app', 'delegated-no-auditlog', '--users', '20']);
    expect(r.stdout).toMatch(/delegated sign-in/);
    expect(r.stdout).not.toMatch(/Token grants \(scp\):.*AuditLog\.Read\.All/);
    expect(r.stdout).toMatch(/Sign-in activity +missing +add delegated permission AuditLog\.Read\.All/);
    expect(r.stdout).toMatch(/Users and licences +enabled/);
    expect(r.code).toBe(4);
  });

  it('demo options that do not apply to the credential are refused before anything runs', async () => {
    const app = await cli(['--data-dir', scratch(), 'verify', '--profile', 'demo', '--credential', 'delegated', '--demo-user', 'reports-reader', '--app', 'no-auditlog', '--users', '10']);
    expect(app.code).not.toBe(0);
    expect(app.stderr).toMatch(/--app no-auditlog .*does not apply to --credential delegated/);
    expect(app.stderr).toMatch(/--demo-app \(delegated, delegated-no-auditlog/);
    expect(app.stderr).not.toMatch(/Demo automation/);
    const demoApp = await cli(['--data-dir', scratch(), 'sync', '--profile', 'demo', '--credential', 'secret', '--demo-app', 'delegated-no-auditlog', '--users', '10']);
    expect(demoApp.code).not.toBe(0);
    expect(demoApp.stderr).toMatch(/--demo-app delegated-no-auditlog .*does not apply to --credential secret/);
    const demoUser = await cli(['--data-dir', scratch(), 'verify', '--profile', 'demo', '--demo-user', 'reports-reader', '--users', '10']);
    expect(demoUser.code).not.toBe(0);
    expect(demoUser.stderr).toMatch(/--demo-user signs a user in; it does not apply to --credential certificate/);
    const bad = await cli(['--data-dir', scratch(), 'verify', '--profile', 'demo', '--credential', 'delegated', '--demo-user', 'reports-reader', '--demo-app', 'reader', '--users', '10']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/expected one of delegated, delegated-no-auditlog, delegated-no-consent/);
  });

  it('login of a real profile with a memory-only secret store warns before the sign-in starts', async () => {
    const dir = scratch();
    const ca = join(dir, 'demo-ca.pem');
    writeFileSync(ca, t.caPem);
    const add = await cli([
      '--data-dir', dir, 'profile', 'add', '--name', 'memo', '--tenant', t.tenantId, '--client-id', t.publicApps.delegated.clientId,
      '--cloud', 'custom', '--login-url', t.loginUrl, '--graph-url', t.graphUrl, '--ca-bundle', ca, '--delegated', '--device-code-flow',
    ]);
    expect(add.code, add.stderr).toBe(0);
    // Nobody enters the code: the sign-in times out after 5 s; the warning came before the prompt.
    const r = await cli(['--data-dir', dir, 'login', '--profile', 'memo', '--timeout', '5']);
    expect(r.code).not.toBe(0);
    const warning = r.stderr.indexOf('this sign-in lasts for this process only');
    const prompt = r.stderr.indexOf('enter the code');
    expect(warning).toBeGreaterThanOrEqual(0);
    expect(prompt).toBeGreaterThan(warning);
    expect(r.stderr).toMatch(/set M365LR_SECRETS_PASSPHRASE/);
  });
});
