import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src-main/cli/run';
import { startDemoTenant } from '../../src-main/core/demo-tenant/index';
import type { DemoTenant, DemoPublicAppName, DemoUserName } from '../../src-main/core/demo-tenant/types';
import { tempDir } from '../helpers/fs';

/**
 * The delegated sign-in in a real browser: Debian's Chromium driven by playwright-core.
 * The CLI runs in-process against the demo tenant (a custom-cloud profile, as a real
 * tenant would be set up) and opens the system browser through the `open` package; its
 * xdg-open honours the BROWSER variable, which here names a script that hands the URL
 * over to the test, and the test opens it in Chromium (RFC 8252: the system browser, never
 * an embedded view). Every page of the sign-in (the demo tenant's sign-in, MFA, device
 * and form_post pages, the app's loopback pages) must load with no console error and no
 * CSP violation; each error path shows its page and ends with its exit code.
 *
 * Chromium trusts the demo tenant's generated CA through ignoreHTTPSErrors (the demo CA
 * is made at start and not in the system store); the product itself trusts it through
 * the profile's CA bundle.
 */
const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu'];

let t: DemoTenant;
let browser: Browser;
let dir: string;
let handover: string;
let caFile: string;
const savedBrowserVar = process.env['BROWSER'];

beforeAll(async () => {
  t = await startDemoTenant({ users: 20, seed: 'signin-browser', deviceCodeIntervalSeconds: 1 });
  dir = tempDir('m365lr-e2e-signin-');
  handover = join(dir, 'opened.txt');
  caFile = join(dir, 'demo-ca.pem');
  writeFileSync(caFile, t.caPem);
  const script = join(dir, 'browser.sh');
  writeFileSync(script, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${handover}'\n`);
  chmodSync(script, 0o755);
  // The system-browser opener (open -> xdg-open) runs $BROWSER with the URL.
  process.env['BROWSER'] = script;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}, 120_000);

afterAll(async () => {
  if (savedBrowserVar === undefined) delete process.env['BROWSER'];
  else process.env['BROWSER'] = savedBrowserVar;
  await browser?.close();
  await t?.close();
});

interface Run {
  done: Promise<number>;
  stderr: () => string;
  stdout: () => string;
}

function startCli(argv: string[]): Run {
  let stderr = '';
  let stdout = '';
  const done = runCli(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    env: { PATH: process.env['PATH'] },
    signal: new AbortController().signal,
  });
  return { done, stderr: () => stderr, stdout: () => stdout };
}

async function until<T>(what: string, probe: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A fresh data folder with a delegated profile for the demo tenant's public client `app`. */
async function profileFor(app: DemoPublicAppName, flow: 'interactive' | 'device-code' = 'interactive'): Promise<string> {
  const data = tempDir('m365lr-e2e-data-');
  const add = startCli([
    '--data-dir', data, 'profile', 'add', '--name', 'lab', '--tenant', t.tenantId, '--client-id', t.publicApps[app].clientId,
    '--cloud', 'custom', '--login-url', t.loginUrl, '--graph-url', t.graphUrl, '--ca-bundle', caFile, '--delegated',
    ...(flow === 'device-code' ? ['--device-code-flow'] : []),
  ]);
  expect(await add.done).toBe(0);
  return data;
}

interface Watched {
  page: Page;
  context: BrowserContext;
  problems: string[];
  /** Content-Type of each document the loopback (http://localhost) served. */
  loopbackTypes: string[];
  /** Documents answered with an HTTP error status (Chromium's "Failed to load resource" lines). */
  statuses: string[];
}

async function watchedPage(): Promise<Watched> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  // CSP violations surface as console errors too; the event says which directive.
  await context.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
  });
  const page = await context.newPage();
  const problems: string[] = [];
  const loopbackTypes: string[] = [];
  const statuses: string[] = [];
  page.on('console', (m) => {
    // Chromium logs a document answered with an HTTP error status as a console error; that is
    // the page's status (asserted where a page is expected to carry one), not a fault of the page.
    if (/^Failed to load resource: the server responded with a status of \d+/.test(m.text())) statuses.push(m.text());
    else if (m.type() === 'error' || /Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    const u = new URL(r.url());
    if (u.hostname === 'localhost' && r.request().resourceType() === 'document') loopbackTypes.push(r.headers()['content-type'] ?? '(none)');
  });
  return { page, context, problems, loopbackTypes, statuses };
}

function openedUrls(): string[] {
  return existsSync(handover) ? readFileSync(handover, 'utf8').split('\n').filter((l) => l !== '') : [];
}

async function signInOnPage(page: Page, user: DemoUserName): Promise<void> {
  const u = t.signInUsers[user];
  await page.locator('input[name=username]').fill(u.upn);
  await page.locator('input[name=password]').fill(u.password);
  await page.locator('button[type=submit]').first().click();
}

/** Interactive login of `user` through Chromium; returns the exit code, the last page's text and what went wrong in the browser. */
async function interactive(app: DemoPublicAppName, user: DemoUserName): Promise<{ code: number; text: string; w: Watched; stderr: string }> {
  const data = await profileFor(app);
  const before = openedUrls().length;
  const run = startCli(['--data-dir', data, 'login', '--profile', 'lab', '--timeout', '60']);
  const url = await until('the URL handed over through BROWSER', () => openedUrls()[before]);
  expect(new URL(url).origin).toBe(t.loginUrl);
  const w = await watchedPage();
  await w.page.goto(url);
  await signInOnPage(w.page, user);
  // The form_post page submits itself to the loopback, which answers once the sign-in has finished.
  await w.page.waitForURL(/^http:\/\/localhost:\d+\/$/, { timeout: 30_000 });
  await w.page.waitForLoadState('load');
  const code = await run.done;
  const text = await w.page.locator('body').innerText();
  await w.context.close();
  return { code, text, w, stderr: run.stderr() };
}

describe('the browser watcher', () => {
  it('sees a CSP violation (so an empty list means there was none)', async () => {
    const w = await watchedPage();
    await w.page.setContent(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'"><img src="https://127.0.0.1:9/x.png">`);
    await until('the violation report', () => (w.problems.length > 0 ? true : undefined), 10_000);
    expect(w.problems.join('\n')).toMatch(/CSP violation: img-src|Content Security Policy/);
    await w.context.close();
  });
});

describe('interactive sign-in in Chromium (auth code + PKCE, loopback)', () => {
  it('signs in: the success page, text/html; charset=utf-8, no console error, no CSP violation, exit 0', async () => {
    const r = await interactive('delegated', 'reports-reader');
    expect(r.text).toContain('Signed in');
    expect(r.w.loopbackTypes).toEqual(['text/html; charset=utf-8']);
    expect(r.w.problems).toEqual([]);
    expect(r.w.statuses).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('Conditional Access (AADSTS53003): the error page names the code, exit 3', async () => {
    const r = await interactive('delegated', 'blocked');
    expect(r.text).toContain('Sign-in did not complete');
    expect(r.text).toContain('AADSTS53003');
    expect(r.w.loopbackTypes).toEqual(['text/html; charset=utf-8']);
    expect(r.w.problems).toEqual([]);
    expect(r.stderr).toMatch(/AADSTS53003/);
    expect(r.code).toBe(3);
  });

  it('missing consent (AADSTS65001): the error page names the code, exit 4', async () => {
    const r = await interactive('delegated-no-consent', 'reports-reader');
    expect(r.text).toContain('AADSTS65001');
    expect(r.w.problems).toEqual([]);
    expect(r.code).toBe(4);
  });

  it('a forged callback is reported at once on stderr, and the genuine sign-in still finishes', async () => {
    const data = await profileFor('delegated');
    const before = openedUrls().length;
    const run = startCli(['--data-dir', data, 'login', '--profile', 'lab', '--timeout', '60']);
    const url = await until('the URL handed over through BROWSER', () => openedUrls()[before]);
    const loopback = new URL(url).searchParams.get('redirect_uri') ?? '';
    const w = await watchedPage();
    // A forged response, as another page could post it: the loopback refuses it with its page ...
    await w.page.setContent(`<form method="post" action="${loopback}/"><input name="code" value="forged"><input name="state" value="forged-state"></form>`);
    await w.page.locator('form').evaluate((f: { submit(): void }) => f.submit());
    await w.page.waitForURL(/^http:\/\/localhost:\d+\/$/);
    expect(await w.page.locator('body').innerText()).toMatch(/This sign-in response was refused/);
    // ... and the terminal says so at once, long before any timeout.
    await until('the notice on stderr', () => (/was refused: its state does not match/.test(run.stderr()) ? true : undefined), 5_000);
    await w.page.goto(url);
    await signInOnPage(w.page, 'reports-reader');
    await w.page.waitForURL(/^http:\/\/localhost:\d+\/$/, { timeout: 30_000 });
    expect(await run.done).toBe(0);
    expect(await w.page.locator('body').innerText()).toContain('Signed in');
    expect(w.problems).toEqual([]);
    await w.context.close();
  });

  it('nobody signs in: the sign-in times out with exit 8, not 130', async () => {
    const data = await profileFor('delegated');
    const before = openedUrls().length;
    const run = startCli(['--data-dir', data, 'login', '--profile', 'lab', '--timeout', '5']);
    const url = await until('the URL handed over through BROWSER', () => openedUrls()[before]);
    const w = await watchedPage();
    await w.page.goto(url);
    expect(await run.done).toBe(8);
    expect(run.stderr()).toMatch(/not completed within 5 seconds/);
    expect(w.problems).toEqual([]);
    await w.context.close();
  });
});

describe('device code in Chromium', () => {
  async function deviceCode(user: DemoUserName, decision: 'continue' | 'cancel'): Promise<{ code: number; text: string; w: Watched; stderr: string }> {
    const data = await profileFor('delegated', 'device-code');
    const run = startCli(['--data-dir', data, 'login', '--profile', 'lab', '--timeout', '60']);
    const prompt = await until('the device code prompt', () => /open the page (\S+) and enter the code (\S+)/.exec(run.stderr()) ?? undefined);
    const [, verificationUri, userCode] = prompt;
    const w = await watchedPage();
    await w.page.goto(verificationUri ?? '');
    await w.page.locator('input[name=otc]').fill(userCode ?? '');
    await w.page.locator('button[type=submit]').first().click();
    await signInOnPage(w.page, user);
    if (user !== 'blocked') await w.page.locator(`button[name=decision][value=${decision}]`).click();
    await w.page.waitForLoadState('load');
    const code = await run.done;
    const text = await w.page.locator('body').innerText();
    await w.context.close();
    return { code, text, w, stderr: run.stderr() };
  }

  it('signs in with the code: no console error, no CSP violation, exit 0', async () => {
    const r = await deviceCode('reports-reader', 'continue');
    expect(r.text).toMatch(/You have signed in/);
    expect(r.w.problems).toEqual([]);
    expect(r.w.statuses).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('the user cancels on the confirmation page: the page says so, exit 130', async () => {
    const r = await deviceCode('reports-reader', 'cancel');
    expect(r.text).toMatch(/cancelled/i);
    expect(r.w.problems).toEqual([]);
    expect(r.stderr).toMatch(/cancelled on the device code page/);
    expect(r.code).toBe(130);
  });

  it('Conditional Access (AADSTS53003): the page shows the refusal, exit 3', async () => {
    const r = await deviceCode('blocked', 'continue');
    expect(r.text).toMatch(/53003/);
    expect(r.w.problems).toEqual([]);
    // The sign-in service's own error page is the one document with an error status.
    expect(r.w.statuses).toHaveLength(1);
    expect(r.stderr).not.toMatch(/post_request_failed/);
    expect(r.stderr).toMatch(/error: [^\n]*53003/);
    expect(r.code).toBe(3);
  });
});
