import { BrowserWindow, protocol, shell, type BrowserWindowConstructorOptions, type Session, type WebContents, type WebPreferences } from 'electron';
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { KNOWN_CLOUDS, type CloudId, type CustomEndpoints } from '../core/clouds/clouds';
import { OperatorError } from '../core/errors/operator-error';
import { CONTENT_SECURITY_POLICY, securityHeaders } from './csp';

/**
 * All of the desktop window's hardening, in one place: pure functions (tested against
 * tables of hostile URLs) plus the one window factory that applies them. Follows
 * Electron's security checklist (electronjs.org/docs/latest/tutorial/security).
 */

export { CONTENT_SECURITY_POLICY };

// ---------------------------------------------------------------------------------------
// The app:// origin: the renderer is served from a custom, privileged scheme, never file://.

export const APP_SCHEME = 'app';
export const APP_HOST = 'renderer';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Privileges of app://. `standard` gives it real origins (so CSP 'self', same-origin and
 * relative URLs behave as on https), `secure` makes it a secure context, and module
 * scripts and fetch of the app's own assets need `supportFetchAPI` and `corsEnabled`.
 * No bypassCSP, no service workers, no streaming.
 */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } as const;

/** Must run before the app is ready (Electron's rule for privileged schemes). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
}

/** The dev server's origin, accepted only in an unpackaged run and only on loopback http. */
export function devServerOrigin(raw: string | undefined, packaged: boolean): string | undefined {
  if (packaged || !raw) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' || (u.hostname !== 'localhost' && u.hostname !== '127.0.0.1') || u.username || u.password) return undefined;
  return u.origin;
}

/** Backslashes, whitespace and control characters: no URL of ours contains them, and parsers disagree about them. */
function suspicious(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x5c || (c >= 0x80 && /\s/u.test(raw[i]!))) return true;
  }
  return false;
}

function parse(raw: string): URL | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 8192 || suspicious(raw)) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/**
 * True for a URL of the app itself: exactly app://renderer/… (no user info, no port),
 * or, in an unpackaged run, the dev server's origin. The scheme must be written in
 * lower case as the app writes it; anything else is foreign.
 */
export function isAppUrl(raw: string, devOrigin?: string): boolean {
  const u = parse(raw);
  if (!u) return false;
  if (raw.startsWith(`${APP_SCHEME}://`) && u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && !u.username && !u.password && !u.port) return true;
  return devOrigin !== undefined && raw.startsWith(`${devOrigin}/`) && u.origin === devOrigin && !u.username && !u.password;
}

// ---------------------------------------------------------------------------------------
// The window.

/** The exact webPreferences of every window: isolated, sandboxed, no Node, web security on. */
export function hardenedWebPreferences(preload: string, devTools: boolean): WebPreferences {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools,
  };
}

/** The main window's options; the minimum size is the smallest layout the screens support. */
export function mainWindowOptions(preload: string, devTools: boolean): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    title: 'M365 licence reconciler',
    autoHideMenuBar: true,
    webPreferences: hardenedWebPreferences(preload, devTools),
  };
}

export interface NavigationPolicy {
  /** The dev server origin of an unpackaged run, if any. */
  devOrigin?: string;
  /** Opens an allowed external URL in the system browser; refuses everything else. */
  openExternal: ExternalOpener;
}

/** What happens to a navigation or window-open request: stay in the app, hand to the browser, or nothing. */
export type NavigationDecision = { action: 'allow' } | { action: 'external'; url: string } | { action: 'deny' };

/** In-window navigation: only to the app itself. An allowed external URL goes to the system browser instead. */
export function decideNavigation(raw: string, devOrigin: string | undefined, externalHosts: ReadonlySet<string>): NavigationDecision {
  if (isAppUrl(raw, devOrigin)) return { action: 'allow' };
  const ext = allowedExternalUrl(raw, externalHosts);
  return ext ? { action: 'external', url: ext } : { action: 'deny' };
}

/** New windows are never created; an allowed external link opens in the system browser. */
export function decideWindowOpen(raw: string, externalHosts: ReadonlySet<string>): NavigationDecision {
  const ext = allowedExternalUrl(raw, externalHosts);
  return ext ? { action: 'external', url: ext } : { action: 'deny' };
}

/** Redirects are followed only within the app. */
export function decideRedirect(raw: string, devOrigin: string | undefined): NavigationDecision {
  return isAppUrl(raw, devOrigin) ? { action: 'allow' } : { action: 'deny' };
}

const hardened = new WeakSet<WebContents>();

/** Applies the navigation, redirect, window-open and webview rules to one web contents (once). */
export function hardenWebContents(contents: WebContents, policy: NavigationPolicy): void {
  if (hardened.has(contents)) return;
  hardened.add(contents);
  const hosts = policy.openExternal.hosts;
  const external = (url: string): void => {
    policy.openExternal(url).catch(() => undefined);
  };
  contents.setWindowOpenHandler(({ url }) => {
    const d = decideWindowOpen(url, hosts);
    if (d.action === 'external') external(d.url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (event) => {
    const d = decideNavigation(event.url, policy.devOrigin, hosts);
    if (d.action === 'allow') return;
    event.preventDefault();
    if (d.action === 'external') external(d.url);
  });
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url, policy.devOrigin)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => {
    if (decideRedirect(event.url, policy.devOrigin).action !== 'allow') event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
}

/** Permission requests (camera, notifications, clipboard, …) and checks are refused, all of them. */
export function denyAllPermissions(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/** The one window factory: hardened options, hardened contents, shown once ready. */
export function createHardenedWindow(opts: { preload: string; devTools: boolean; policy: NavigationPolicy }): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions(opts.preload, opts.devTools));
  hardenWebContents(win.webContents, opts.policy);
  win.once('ready-to-show', () => win.show());
  return win;
}

// ---------------------------------------------------------------------------------------
// IPC sender validation: the top frame of the app's own origin, nothing else.

export interface SenderFrame {
  readonly url: string;
  readonly parent: unknown;
}

export function isTrustedSender(frame: SenderFrame | null | undefined, devOrigin?: string): boolean {
  if (!frame || frame.parent !== null) return false;
  return isAppUrl(frame.url, devOrigin);
}

// ---------------------------------------------------------------------------------------
// The system browser: https only, exact hosts on an allow-list.

/** Microsoft's documentation host. */
export const DOCS_HOSTS = ['learn.microsoft.com'] as const;

/**
 * Portal hosts per cloud: the Microsoft Entra admin center, the Azure portal and the
 * Microsoft 365 admin center. (learn.microsoft.com/entra/identity-platform/authentication-national-cloud,
 * "App registration endpoints"; learn.microsoft.com/office365/servicedescriptions/office-365-platform-service-description/office-365-us-government,
 * and the 21Vianet admin center at portal.partner.microsoftonline.cn.)
 */
export const PORTAL_HOSTS: Record<Exclude<CloudId, 'custom'>, readonly string[]> = {
  global: ['entra.microsoft.com', 'portal.azure.com', 'admin.microsoft.com'],
  gcch: ['entra.microsoft.us', 'portal.azure.us', 'portal.office365.us'],
  dod: ['entra.microsoft.us', 'portal.azure.us', 'portal.apps.mil'],
  china: ['entra.microsoftonline.cn', 'portal.azure.cn', 'portal.partner.microsoftonline.cn'],
};

/**
 * Sign-in hosts beyond the one the profile's cloud uses for tokens: the 21Vianet cloud's
 * current authority (learn.microsoft.com/entra/identity-platform/authentication-national-cloud,
 * "Microsoft Entra authentication endpoints").
 */
const EXTRA_SIGN_IN_HOSTS: Partial<Record<Exclude<CloudId, 'custom'>, readonly string[]>> = {
  china: ['login.partner.microsoftonline.cn'],
};

function hostOf(url: string): string {
  return new URL(url).host;
}

/** The hosts the system browser may open for a profile of this cloud: sign-in, portals, documentation. */
export function externalHostsForCloud(cloud: CloudId, custom?: CustomEndpoints): string[] {
  if (cloud === 'custom') {
    if (!custom) return [...DOCS_HOSTS];
    return [hostOf(custom.loginUrl), ...DOCS_HOSTS];
  }
  return [hostOf(KNOWN_CLOUDS[cloud].loginUrl), ...(EXTRA_SIGN_IN_HOSTS[cloud] ?? []), ...PORTAL_HOSTS[cloud], ...DOCS_HOSTS];
}

/** Every known cloud's sign-in and portal hosts plus the documentation host. */
export function defaultExternalHosts(extra: Iterable<string> = []): ReadonlySet<string> {
  const hosts = new Set<string>();
  for (const cloud of Object.keys(KNOWN_CLOUDS) as Array<Exclude<CloudId, 'custom'>>) for (const h of externalHostsForCloud(cloud)) hosts.add(h);
  for (const h of extra) hosts.add(h.toLowerCase());
  return hosts;
}

/**
 * The URL to hand to the system browser, or undefined when it is refused. Only
 * `https://` written as such, no user info, no port other than an allow-listed
 * host:port, and a host that is exactly on the list (IDN hosts arrive as punycode and
 * so never match a Microsoft host). The canonical serialisation is what gets opened.
 */
export function allowedExternalUrl(raw: string, hosts: ReadonlySet<string>): string | undefined {
  const u = parse(raw);
  if (!u || !raw.startsWith('https://')) return undefined;
  if (u.protocol !== 'https:' || u.username || u.password) return undefined;
  if (!hosts.has(u.host)) return undefined;
  return u.href;
}

export type ExternalOpener = ((url: string) => Promise<void>) & { readonly hosts: ReadonlySet<string> };

/**
 * The only way the app opens a URL outside itself (sign-in, admin consent, portal and
 * documentation links). Refused URLs never reach the OS.
 */
export function createExternalOpener(hosts: ReadonlySet<string>, open: (url: string) => Promise<void> = (u) => shell.openExternal(u)): ExternalOpener {
  const fn = async (url: string): Promise<void> => {
    const ok = allowedExternalUrl(url, hosts);
    if (!ok) {
      throw new OperatorError('host-refused', 'The app refused to open a link outside Microsoft\'s sign-in, portal and documentation sites.', {
        hint: 'Open the address yourself only if you trust it; the app opens only https links to Microsoft sign-in, admin portals and learn.microsoft.com.',
      });
    }
    await open(ok);
  };
  return Object.assign(fn, { hosts });
}

// ---------------------------------------------------------------------------------------
// Serving the renderer over app://.

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
};

export type AppPathResolution = { ok: true; path: string } | { ok: false; status: 400 | 403 | 404 };

/**
 * Maps an app:// URL to a file under the renderer folder. Refuses other hosts, user
 * info and ports, encoded separators, NUL, backslashes and `..` segments, and any path
 * that would leave the folder.
 */
export function resolveAppPath(root: string, rawUrl: string): AppPathResolution {
  const u = parse(rawUrl);
  if (!u || u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST || u.username || u.password || u.port) return { ok: false, status: 403 };
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return { ok: false, status: 400 };
  }
  if (pathname.includes('\\') || pathname.includes(String.fromCharCode(0)) || /%2f|%5c/iu.test(u.pathname)) return { ok: false, status: 400 };
  const segments = pathname.split('/').filter((s) => s.length > 0);
  if (segments.some((s) => s === '..' || s === '.')) return { ok: false, status: 403 };
  const rel = segments.length === 0 ? 'index.html' : segments.join('/');
  const base = resolve(root);
  const full = resolve(base, rel);
  const r = relative(base, full);
  if (r === '' || r.startsWith('..') || isAbsolute(r)) return { ok: false, status: 403 };
  return { ok: true, path: full };
}

function refusal(status: number): Response {
  return new Response(null, { status, headers: securityHeaders() });
}

/** Answers one app:// request from the renderer folder, with the CSP and the other security headers. */
export async function serveAppRequest(root: string, request: { url: string; method: string }): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return refusal(405);
  const r = resolveAppPath(root, request.url);
  if (!r.ok) return refusal(r.status);
  try {
    // Symbolic links inside the folder may not lead out of it.
    const [base, real] = await Promise.all([realpath(resolve(root)), realpath(r.path)]);
    const rel = relative(base, real);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return refusal(403);
    if (!(await stat(real)).isFile()) return refusal(404);
    const body = request.method === 'HEAD' ? null : await readFile(real);
    const type = MIME[extname(real).toLowerCase()] ?? 'application/octet-stream';
    return new Response(body, { status: 200, headers: { ...securityHeaders(), 'Content-Type': type, 'Cache-Control': 'no-cache' } });
  } catch {
    return refusal(404);
  }
}

/** Serves the renderer folder on app:// for this session (call once the app is ready). */
export function handleAppProtocol(session: Session, root: string): void {
  session.protocol.handle(APP_SCHEME, (request) => serveAppRequest(root, request));
}

// ---------------------------------------------------------------------------------------
// One instance at a time: a second launch focuses the first window and exits.

export interface SingleInstanceApp {
  requestSingleInstanceLock(): boolean;
  quit(): void;
  on(event: 'second-instance', listener: () => void): unknown;
}

/** False when another instance holds the lock (this one then quits). */
export function acquireSingleInstance(app: SingleInstanceApp, onSecondInstance: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', onSecondInstance);
  return true;
}
