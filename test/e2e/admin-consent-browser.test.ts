/**
 * The admin-consent link, exactly as the consent walkthrough gives it (consent/walkthrough.ts,
 * consent/urls.ts), followed in Debian's Chromium (playwright-core). The demo tenant's sign-in
 * page carries a strict Content-Security-Policy; browsers apply `form-action` to the redirects
 * that follow a form submission too (CSP Level 3, w3.org/TR/CSP3/#directive-form-action), so the
 * page must allow the request's redirect URI, or Chrome stays on the sign-in page although the
 * consent was recorded. The same holds for the authorize flow with response_mode=query.
 *
 * The browser trusts nothing special: the demo CA is not installed in Chromium, so the context
 * ignores certificate errors for the demo tenant's 127.0.0.1 listeners. The redirect URI
 * (http://localhost, what the registration scripts register) is answered by the test through
 * Playwright's request routing, so nothing needs to listen on port 80.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consentWalkthrough } from '../../src-main/core/consent/walkthrough';
import { startDemoTenant } from '../../src-main/core/demo-tenant/index';
import type { DemoTenant, DemoUserName } from '../../src-main/core/demo-tenant/types';
import type { Profile } from '../../src-main/core/profile/schema';
import { caFetch, form, type CaFetch } from '../helpers/demo-fetch';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu'];

let tenant: DemoTenant;
let browser: Browser;
let web: CaFetch;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is required by this test and was not found at ${CHROMIUM}. Install Debian's chromium (apt-get install -y chromium), as .ci/run does.`);
  tenant = await startDemoTenant({ users: 30, seed: 'consent-browser' });
  web = caFetch(tenant.caPem);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await web?.close();
  await tenant?.close();
});

/** A browser context whose http://localhost answers with a plain page, recording each request it received. */
async function contextWithLoopback(): Promise<{ context: BrowserContext; page: Page; arrivals: URL[] }> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const arrivals: URL[] = [];
  await context.route(/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?\//, async (route) => {
    arrivals.push(new URL(route.request().url()));
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<!DOCTYPE html><title>Back at the redirect URI</title><p>returned</p>' });
  });
  return { context, page: await context.newPage(), arrivals };
}

async function signIn(page: Page, user: DemoUserName): Promise<void> {
  const u = tenant.signInUsers[user];
  await page.fill('#username', u.upn);
  await page.fill('#password', u.password);
  await page.click('button[type=submit]');
}

function labProfile(): Profile {
  return {
    name: 'lab',
    tenantId: tenant.tenantId,
    clientId: tenant.apps['no-consent'].clientId,
    cloud: 'custom',
    customEndpoints: { loginUrl: tenant.loginUrl, graphUrl: tenant.graphUrl },
    credential: { kind: 'certificate', certificatePath: '/unused.pem', privateKeyInStore: true },
  };
}

async function clientCredentials(clientId: string, secret: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await web.fetch(`${tenant.loginUrl}/${tenant.tenantId}/oauth2/v2.0/token`, form({ grant_type: 'client_credentials', client_id: clientId, client_secret: secret, scope: `${tenant.graphUrl}/.default` }));
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

describe('admin consent link in Chromium', () => {
  it('an Application Administrator is sent back with access_denied; a Privileged Role Administrator consents and lands on the redirect URI', async () => {
    const url = consentWalkthrough(labProfile()).steps.find((s) => s.id === 'consent')?.url;
    expect(url).toBeDefined();
    const app = tenant.apps['no-consent'];
    expect((await clientCredentials(app.clientId, app.secret)).body['error_codes']).toEqual([65001]);

    const first = await contextWithLoopback();
    try {
      await first.page.goto(url ?? '');
      await signIn(first.page, 'app-admin');
      await first.page.waitForURL(/^http:\/\/localhost\//, { timeout: 15_000 });
      const back = first.arrivals[0];
      expect(back?.searchParams.get('error')).toBe('access_denied');
      expect(back?.searchParams.get('error_description')).toMatch(/^AADSTS90094/);
      expect(await first.page.textContent('p')).toBe('returned');
    } finally {
      await first.context.close();
    }
    expect((await clientCredentials(app.clientId, app.secret)).status).toBe(400);

    const second = await contextWithLoopback();
    try {
      await second.page.goto(url ?? '');
      const csp = (await second.page.request.get(url ?? '')).headers()['content-security-policy'];
      // The redirect URI's origin, and only that, besides 'self'.
      expect(csp).toContain("form-action 'self' http://localhost;");
      await signIn(second.page, 'privileged-role-admin');
      await second.page.waitForURL(/^http:\/\/localhost\//, { timeout: 15_000 });
      expect(second.arrivals).toHaveLength(1);
      const back = second.arrivals[0];
      expect(back?.searchParams.get('admin_consent')).toBe('True');
      expect(back?.searchParams.get('tenant')).toBe(tenant.tenantId);
    } finally {
      await second.context.close();
    }
    // The consent is real: the app now gets a token with its roles.
    const token = await clientCredentials(app.clientId, app.secret);
    expect(token.status).toBe(200);
  }, 60_000);

  it('the authorize flow with response_mode=query lands on the loopback redirect URI with a code', async () => {
    const pub = tenant.publicApps['delegated'];
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const authorize = new URL(`${tenant.loginUrl}/${tenant.tenantId}/oauth2/v2.0/authorize`);
    const redirect = 'http://localhost:53117/';
    for (const [k, v] of Object.entries({
      client_id: pub.clientId,
      response_type: 'code',
      redirect_uri: redirect,
      scope: `${tenant.graphUrl}/.default openid offline_access`,
      state: 'browser-state',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      response_mode: 'query',
    })) {
      authorize.searchParams.set(k, v);
    }
    const { context, page, arrivals } = await contextWithLoopback();
    try {
      await page.goto(authorize.toString());
      await signIn(page, 'reports-reader');
      await page.waitForURL(/^http:\/\/localhost:53117\//, { timeout: 15_000 });
      expect(arrivals[0]?.searchParams.get('state')).toBe('browser-state');
      const code = arrivals[0]?.searchParams.get('code') ?? '';
      const r = await web.fetch(
        `${tenant.loginUrl}/${tenant.tenantId}/oauth2/v2.0/token`,
        form({ grant_type: 'authorization_code', client_id: pub.clientId, code, redirect_uri: redirect, code_verifier: verifier }),
      );
      expect(r.status).toBe(200);
    } finally {
      await context.close();
    }
  }, 60_000);
});
