import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startDemoTenant } from '../../src-main/core/demo-tenant/index';
import type { DemoTenant, DemoUserName } from '../../src-main/core/demo-tenant/types';
import { createNetwork, type Network } from '../../src-main/core/net/network';
import { createDelegatedTokenProvider, type OpenBrowser } from '../../src-main/core/auth/delegated-token';
import { DemoBrowser } from '../../src-main/core/demo/browser';
import { MemorySecretStore } from '../../src-main/core/secrets/memory-store';
import { demoProfile } from '../../src-main/core/demo/session';
import type { Profile } from '../../src-main/core/profile/schema';
import { failure } from '../helpers/operator-error';

/**
 * The loopback redirect listener of the interactive sign-in, through the real MSAL Node
 * against the demo tenant over HTTPS (RFC 8252 section 7.3 loopback redirect; OAuth 2.0
 * Form Post Response Mode). Every page carries a Content-Type and a strict CSP; a refused
 * callback is said at once while the genuine sign-in can finish; a response in the query
 * string is refused with a translated error.
 */
let t: DemoTenant;
let net: Network;
let profile: Profile;

beforeAll(async () => {
  t = await startDemoTenant({ users: 20, seed: 'loopback' });
  net = createNetwork({ extraCaPem: [t.caPem], env: {} });
  profile = demoProfile(t, 'reader', 'delegated');
});
afterAll(async () => {
  await net?.close();
  await t?.close();
});

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(url: string, method: 'GET' | 'POST', fields?: Record<string, string>): Promise<Answer> {
  const u = new URL(url);
  const body = fields ? new URLSearchParams(fields).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: Number(u.port), path: `${u.pathname}${u.search}`, method, headers: body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {} },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function browserFor(user: DemoUserName, extra: Partial<ConstructorParameters<typeof DemoBrowser>[0]> = {}): DemoBrowser {
  const u = t.signInUsers[user];
  return new DemoBrowser({ network: net, user: { upn: u.upn, password: u.password }, ...extra });
}

function expectPageHeaders(a: Answer): void {
  expect(a.headers['content-type']).toBe('text/html; charset=utf-8');
  const csp = a.headers['content-security-policy'] ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("form-action 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toMatch(/script-src|unsafe-eval/);
  expect(a.headers['x-content-type-options']).toBe('nosniff');
  expect(a.body).toMatch(/^<!doctype html>/);
  expect(a.body).not.toMatch(/<script/i);
}

function provider(p: Profile, openBrowser: OpenBrowser) {
  return createDelegatedTokenProvider({ profile: p, network: net, secretStore: new MemorySecretStore(), openBrowser, timeoutMs: 20_000 });
}

describe('a refused callback is said at once, and the genuine sign-in still finishes', () => {
  it('forged state: a 400 page saying why, a notice before the genuine response, then the success page', async () => {
    const notices: string[] = [];
    let genuine: Record<string, string> = {};
    const got: { idle?: Answer; forged?: Answer; noticesBeforeGenuine?: number; success?: Answer } = {};
    const browser = browserFor('reports-reader', {
      tamperRedirect: (fields) => {
        genuine = { ...fields };
        return { ...fields, state: `${fields['state'] ?? ''}x` };
      },
    });
    const p = provider(profile, async (url) => {
      const loopback = new URL(url).searchParams.get('redirect_uri') ?? '';
      got.idle = await request(`${loopback}/`, 'GET');
      await expect(browser.openBrowser(url)).rejects.toThrow(/loopback refused/);
      got.forged = await request(`${loopback}/`, 'POST', { ...genuine, state: 'forged-state-value' });
      got.noticesBeforeGenuine = notices.length;
      got.success = await request(`${loopback}/`, 'POST', genuine);
    });
    const r = await p.login({ onNotice: (text) => notices.push(text) });
    expect(r.account.username).toBe(t.signInUsers['reports-reader'].upn);
    await vi.waitFor(() => expect(got.success).toBeDefined());

    expect(got.idle?.status).toBe(200);
    expectPageHeaders(got.idle!);
    expect(got.forged?.status).toBe(400);
    expectPageHeaders(got.forged!);
    expect(got.forged?.body).toMatch(/state does not match the sign-in in progress/);
    expect(got.noticesBeforeGenuine).toBe(2);
    expect(notices[0]).toMatch(/A sign-in response reached this app and was refused: its state does not match .* can still finish/);
    expect(got.success?.status).toBe(200);
    expectPageHeaders(got.success!);
    expect(got.success?.body).toContain('Signed in');
  });

  it('a response in the query string is refused at once with a translated error, not MSAL\'s code', async () => {
    let answer: Answer | undefined;
    const p = provider(profile, async (url) => {
      const u = new URL(url);
      const loopback = u.searchParams.get('redirect_uri') ?? '';
      answer = await request(`${loopback}/?code=abc&state=${encodeURIComponent(u.searchParams.get('state') ?? '')}`, 'GET');
    });
    const t0 = Date.now();
    const e = await failure(p.login());
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(e.code).toBe('auth-failed');
    expect(e.message).toMatch(/query string/);
    expect(`${e.message} ${e.hint}`).not.toMatch(/loopback_server_query_response_not_supported/);
    await vi.waitFor(() => expect(answer).toBeDefined());
    expect(answer?.status).toBe(400);
    expectPageHeaders(answer!);
  });
});

describe('the error page says what failed and what to do', () => {
  it('missing consent (AADSTS65001): the page names the code and the fix, as the app does', async () => {
    let errorFields: Record<string, string> = {};
    let page: Answer | undefined;
    const browser = browserFor('reports-reader', {
      tamperRedirect: (fields) => {
        errorFields = { ...fields };
        return { ...fields, state: 'not-this-one' };
      },
    });
    const p = provider(demoProfile(t, 'reader', 'delegated', 'delegated-no-consent'), async (url) => {
      const loopback = new URL(url).searchParams.get('redirect_uri') ?? '';
      await browser.openBrowser(url).catch(() => undefined);
      page = await request(`${loopback}/`, 'POST', errorFields);
    });
    const e = await failure(p.login({ onNotice: () => undefined }));
    expect(e.code).toBe('consent-missing');
    await vi.waitFor(() => expect(page).toBeDefined());
    expectPageHeaders(page!);
    expect(page?.body).toContain('Sign-in did not complete');
    expect(page?.body).toContain('AADSTS65001');
    expect(page?.body).toMatch(/What to do:/);
  });
});
