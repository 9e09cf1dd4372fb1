import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { EVENTS, type EventName } from '../../../src-main/shared/contract';
import { createServices } from '../../../src-main/core/services/index';
import { nodeServicesDeps } from '../../../src-main/core/services/node-host';
import type { Services } from '../../../src-main/core/services/types';
import { buildRenderer, rendererIsStale } from '../../../src-main/web/build-renderer';
import { startWebServer, type WebServer } from '../../../src-main/web/server';

/**
 * Browser mode as an operator gets it (npm run web): the real services with a memory-only
 * secret store, the HTTP/SSE bridge and the built renderer, driven in Debian's Chromium.
 * Everything crossing the bridge is recorded: API responses (from the page) and events (at
 * the services), so a test can check what a secret never reaches.
 */
export const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'test', 'e2e', 'screenshots');
export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-gpu'];

export interface BrowserModeApp {
  dataDir: string;
  exportsDir: string;
  services: Services;
  server: WebServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Bodies of every /api response the page received. */
  apiBodies: string[];
  /** Every event payload the services emitted, as sent on the stream. */
  events: { name: EventName; json: string }[];
  /** Console errors of the page (CSP violations included). */
  consoleErrors: string[];
  shot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startBrowserModeApp(): Promise<BrowserModeApp> {
  const outDir = join(ROOT, 'out', 'renderer');
  if (await rendererIsStale(ROOT, outDir)) await buildRenderer(ROOT, outDir);
  const dataDir = await mkdtemp(join(tmpdir(), 'm365lr-e2e-'));
  const exportsDir = join(dataDir, 'exports');
  mkdirSync(exportsDir, { recursive: true });
  mkdirSync(SCREENSHOTS, { recursive: true });
  // What `npm run web` builds, in a data folder of its own, without opening a real browser window.
  const deps = { ...nodeServicesDeps({ dataDir, env: {}, secrets: 'memory' }), openBrowser: () => Promise.resolve() };
  const secretStore = deps.secretStore;
  const services = createServices(deps);
  const events: BrowserModeApp['events'] = [];
  for (const name of Object.keys(EVENTS) as EventName[]) services.subscribe(name, (p) => events.push({ name, json: JSON.stringify(p) }));
  const server = await startWebServer({
    dispatch: services.dispatch,
    subscribe: services.subscribe,
    staticDir: outDir,
    session: { secretsPersistent: secretStore.persistent, secretStore: secretStore.description, exportsDir },
  });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1024, height: 700 }, acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${server.port}` });
  const page = await context.newPage();
  const apiBodies: string[] = [];
  const consoleErrors: string[] = [];
  page.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/api/')) void res.text().then((t) => apiBodies.push(t), () => undefined);
  });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  return {
    dataDir,
    exportsDir,
    services,
    server,
    browser,
    context,
    page,
    apiBodies,
    events,
    consoleErrors,
    shot: async (name) => {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await browser.close();
      await server.close();
      await services.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

let axeSource: string | undefined;

/** axe-core's serious and critical violations on the page as it is now (its source is evaluated, not injected as a tag, so the CSP stays as strict). */
export async function axeViolations(page: Page): Promise<string[]> {
  axeSource ??= await readFile(join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  const hasAxe = await page.evaluate(() => 'axe' in globalThis);
  if (!hasAxe) await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    type AxeRun = (ctx: unknown, opts: object) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[] }[]; help: string }[] }>;
    const g = globalThis as unknown as { axe: { run: AxeRun }; document: unknown };
    const r = await g.axe.run(g.document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.targets.join(', ')}`);
}
