import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { tempDir } from '../../helpers/fs';

// Electron's runtime is not available to unit tests: a stand-in records what the window
// factory and the scheme registration hand to it.
const electron = vi.hoisted(() => {
  class FakeContents {
    readonly handlers = new Map<string, Array<(...a: unknown[]) => void>>();
    windowOpen: ((d: { url: string }) => { action: string }) | undefined;
    setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
      this.windowOpen = h;
    }
    on(name: string, l: (...a: unknown[]) => void) {
      this.handlers.set(name, [...(this.handlers.get(name) ?? []), l]);
      return this;
    }
  }
  const windows: Array<{ options: unknown; webContents: FakeContents }> = [];
  class BrowserWindow {
    readonly webContents = new FakeContents();
    constructor(readonly options: unknown) {
      windows.push(this);
    }
    once() {
      return this;
    }
    show() {}
  }
  return {
    windows,
    FakeContents,
    BrowserWindow,
    protocol: { registerSchemesAsPrivileged: vi.fn() },
    shell: { openExternal: vi.fn(async () => undefined) },
  };
});
vi.mock('electron', () => ({ BrowserWindow: electron.BrowserWindow, protocol: electron.protocol, shell: electron.shell }));

const sec = await import('../../../src-main/electron/security');
const { CONTENT_SECURITY_POLICY, securityHeaders } = await import('../../../src-main/electron/csp');

const HOSTS = sec.defaultExternalHosts();

/** Hostile or foreign URLs: none may be opened, navigated to, redirected to or opened in a window. */
const HOSTILE: string[] = [
  'javascript:alert(1)',
  'JAVASCRIPT:alert(1)',
  'JaVaScRiPt:alert(document.domain)',
  ' javascript:alert(1)',
  'vbscript:msgbox(1)',
  'data:text/html,<script>alert(1)</script>',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'file:///etc/passwd',
  'file:///C:/Windows/System32/calc.exe',
  'file://server/share/evil.exe',
  'FILE:///etc/passwd',
  'about:blank',
  'chrome://settings',
  'devtools://devtools/bundled/inspector.html',
  'ms-settings:privacy',
  'mailto:someone@example.com',
  'smb://evil.example/share',
  // http: downgrades of allowed hosts
  'http://login.microsoftonline.com/common/oauth2/v2.0/authorize',
  'http://learn.microsoft.com/entra/',
  'HTTP://learn.microsoft.com/',
  // upper-case scheme (the app writes its URLs in lower case)
  'HTTPS://learn.microsoft.com/',
  'Https://login.microsoftonline.com/',
  // look-alike hosts
  'https://login.microsoftonline.com.evil.example/',
  'https://loginmicrosoftonline.com/',
  'https://login-microsoftonline.com/',
  'https://login.microsoftonline.co/',
  'https://learn.microsoft.com.evil.example/',
  'https://evilmicrosoft.com/',
  'https://microsoft.com.evil.example/',
  'https://portal.azure.com.cn/',
  'https://learn.microsoft.com%2eevil.example/',
  'https://login.microsoftonline.com./',
  // userinfo tricks
  'https://login.microsoftonline.com@evil.example/',
  'https://login.microsoftonline.com:443@evil.example/',
  'https://user:password@login.microsoftonline.com/',
  'https://evil.example@login.microsoftonline.com/',
  // IDN homographs: Cyrillic letters, and their punycode
  'https://lоgin.microsoftonline.com/', // Cyrillic о (U+043E)
  'https://lеarn.microsoft.com/', // Cyrillic е (U+0435)
  'https://entrа.microsoft.com/', // Cyrillic а (U+0430)
  'https://xn--lgin-microsoftonline-5of.com/',
  'https://xn--lgin-7ve.microsoftonline.com/',
  'https://xn--larn-5ve.microsoft.com/',
  // ports
  'https://login.microsoftonline.com:8443/',
  'https://learn.microsoft.com:80/',
  'https://learn.microsoft.com:0/',
  // backslashes, whitespace and control characters
  'https://login.microsoftonline.com\\@evil.example/',
  'https:\\\\evil.example\\',
  'https://evil.example\\login.microsoftonline.com/',
  'https://learn.microsoft.com/\nhttps://evil.example/',
  'https://learn.microsoft.com/\u0000',
  'https://learn.microsoft.com /',
  '\thttps://learn.microsoft.com/',
  // scheme-relative and scheme-only forms
  '//learn.microsoft.com/',
  'https:learn.microsoft.com/',
  'https:/learn.microsoft.com/',
  // a Microsoft URL only in the query or fragment
  'https://evil.example/?next=https://login.microsoftonline.com/',
  'https://evil.example/#https://learn.microsoft.com/',
  // hosts that are not on the list at all
  'https://evil.example/',
  'https://127.0.0.1/',
  'https://[::1]/',
  'https://graph.microsoft.com/v1.0/users',
  '',
  'not a url',
];

describe('the hardened window', () => {
  beforeEach(() => {
    electron.windows.length = 0;
    electron.shell.openExternal.mockClear();
  });

  it('has exactly these webPreferences: isolated, sandboxed, no Node, web security on, nothing experimental', () => {
    expect(sec.hardenedWebPreferences('/app/out/preload/index.cjs', false)).toStrictEqual({
      preload: '/app/out/preload/index.cjs',
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
      devTools: false,
    });
    const prefs = sec.hardenedWebPreferences('/p', true) as Record<string, unknown>;
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs).not.toHaveProperty('disableBlinkFeatures');
    expect(prefs).not.toHaveProperty('additionalArguments');
  });

  it('the window factory hands exactly those options to BrowserWindow and hardens its contents', async () => {
    const opened: string[] = [];
    const opener = sec.createExternalOpener(HOSTS, async (u) => void opened.push(u));
    const win = sec.createHardenedWindow({ preload: '/p.cjs', devTools: false, policy: { openExternal: opener } });
    expect(electron.windows).toHaveLength(1);
    expect((win as unknown as { options: unknown }).options).toStrictEqual({
      width: 1280,
      height: 820,
      minWidth: 1024,
      minHeight: 700,
      show: false,
      title: 'M365 licence reconciler',
      autoHideMenuBar: true,
      webPreferences: sec.hardenedWebPreferences('/p.cjs', false),
    });

    const wc = electron.windows[0]!.webContents;
    const fire = (name: string, url: string): boolean => {
      let prevented = false;
      for (const l of wc.handlers.get(name) ?? []) l({ url, preventDefault: () => (prevented = true) });
      return prevented;
    };
    // Every hostile URL is blocked for navigation, frame navigation and redirects, and never opened.
    for (const url of HOSTILE) {
      expect(fire('will-navigate', url), url).toBe(true);
      expect(fire('will-frame-navigate', url), url).toBe(true);
      expect(fire('will-redirect', url), url).toBe(true);
      expect(wc.windowOpen!({ url })).toEqual({ action: 'deny' });
    }
    await Promise.resolve();
    expect(opened).toEqual([]);

    // The app's own pages navigate; an allowed link is denied in-window and goes to the system browser.
    expect(fire('will-navigate', 'app://renderer/index.html#/sync')).toBe(false);
    expect(fire('will-redirect', 'app://renderer/index.html')).toBe(false);
    expect(fire('will-navigate', 'https://learn.microsoft.com/entra/identity/')).toBe(true);
    expect(wc.windowOpen!({ url: 'https://entra.microsoft.com/#home' })).toEqual({ action: 'deny' });
    expect(fire('will-redirect', 'https://learn.microsoft.com/')).toBe(true);
    await new Promise((r) => setTimeout(r, 0));
    expect(opened).toEqual(['https://learn.microsoft.com/entra/identity/', 'https://entra.microsoft.com/#home']);

    // <webview> is never attached, whatever it points at.
    expect(fire('will-attach-webview', 'app://renderer/index.html')).toBe(true);
  });

  it('hardens a web contents once, however often it is handed over', () => {
    const wc = new electron.FakeContents();
    const policy = { openExternal: sec.createExternalOpener(HOSTS, async () => undefined) };
    sec.hardenWebContents(wc as never, policy);
    sec.hardenWebContents(wc as never, policy);
    expect(wc.handlers.get('will-navigate')).toHaveLength(1);
  });
});

describe('the Content Security Policy', () => {
  it('is exactly this header', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-src 'none'; frame-ancestors 'none'",
    );
  });

  it('allows no inline or evaluated script and no remote origin anywhere', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|unsafe-hashes|strict-dynamic|https?:|\*|blob:/);
    for (const [name, sources] of directives) if (name !== 'style-src-attr') expect(sources, name).not.toContain("'unsafe-inline'");
    expect(directives.get('connect-src')).toEqual(["'self'"]);
    for (const d of ['object-src', 'base-uri', 'frame-ancestors']) expect(directives.get(d)).toEqual(["'none'"]);
    expect(securityHeaders()['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY);
  });
});

describe('navigation, redirect and window-open rules', () => {
  it('the app origin is exactly app://renderer, with no user info, port or other host', () => {
    for (const ok of ['app://renderer/index.html', 'app://renderer/', 'app://renderer/assets/index-abc.js', 'app://renderer/index.html#/profiles']) {
      expect(sec.isAppUrl(ok), ok).toBe(true);
      expect(sec.decideNavigation(ok, undefined, HOSTS), ok).toEqual({ action: 'allow' });
      expect(sec.decideRedirect(ok, undefined), ok).toEqual({ action: 'allow' });
      // Even the app's own pages never open a second window.
      expect(sec.decideWindowOpen(ok, HOSTS), ok).toEqual({ action: 'deny' });
    }
    for (const bad of ['app://evil/index.html', 'app://renderer.evil/', 'app://renderer@evil/', 'app://evil@renderer/', 'app://renderer:8080/', 'APP://renderer/', 'app:renderer/index.html', 'app:///index.html', 'app://renderer\\..\\x']) {
      expect(sec.isAppUrl(bad), bad).toBe(false);
      expect(sec.decideNavigation(bad, undefined, HOSTS), bad).toEqual({ action: 'deny' });
    }
  });

  it.each(HOSTILE)('refuses %j everywhere', (url) => {
    expect(sec.isAppUrl(url)).toBe(false);
    expect(sec.allowedExternalUrl(url, HOSTS)).toBeUndefined();
    expect(sec.decideNavigation(url, undefined, HOSTS)).toEqual({ action: 'deny' });
    expect(sec.decideRedirect(url, undefined)).toEqual({ action: 'deny' });
    expect(sec.decideWindowOpen(url, HOSTS)).toEqual({ action: 'deny' });
  });

  it('the dev server origin counts only in an unpackaged run, and only on loopback http', () => {
    expect(sec.devServerOrigin('http://localhost:5173/', false)).toBe('http://localhost:5173');
    expect(sec.devServerOrigin('http://127.0.0.1:5173', false)).toBe('http://127.0.0.1:5173');
    expect(sec.devServerOrigin('http://localhost:5173/', true)).toBeUndefined();
    for (const bad of ['http://evil.example:5173/', 'https://localhost:5173/', 'http://user@localhost:5173/', 'file:///x', 'nonsense', undefined]) {
      expect(sec.devServerOrigin(bad, false), String(bad)).toBeUndefined();
    }
    const dev = 'http://localhost:5173';
    expect(sec.isAppUrl('http://localhost:5173/index.html', dev)).toBe(true);
    expect(sec.isAppUrl('http://localhost:5173/index.html')).toBe(false);
    expect(sec.isAppUrl('http://localhost:5174/index.html', dev)).toBe(false);
    expect(sec.isAppUrl('http://localhost:5173@evil.example/', dev)).toBe(false);
    expect(sec.isAppUrl('http://localhost:51730/', dev)).toBe(false);
  });
});

describe('opening URLs in the system browser', () => {
  it('opens only https URLs on the allow-list, in canonical form', () => {
    const allowed: Array<[string, string]> = [
      ['https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize?client_id=1&redirect_uri=http%3A%2F%2Flocalhost%3A3000', 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize?client_id=1&redirect_uri=http%3A%2F%2Flocalhost%3A3000'],
      ['https://login.microsoftonline.com/organizations/v2.0/adminconsent?client_id=x', 'https://login.microsoftonline.com/organizations/v2.0/adminconsent?client_id=x'],
      ['https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud', 'https://learn.microsoft.com/entra/identity-platform/authentication-national-cloud'],
      ['https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps', 'https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps'],
      ['https://portal.azure.com/', 'https://portal.azure.com/'],
      ['https://admin.microsoft.com/Adminportal/Home', 'https://admin.microsoft.com/Adminportal/Home'],
      ['https://login.microsoftonline.us/x', 'https://login.microsoftonline.us/x'],
      ['https://portal.azure.us/', 'https://portal.azure.us/'],
      ['https://login.chinacloudapi.cn/x', 'https://login.chinacloudapi.cn/x'],
      ['https://login.partner.microsoftonline.cn/x', 'https://login.partner.microsoftonline.cn/x'],
      ['https://portal.azure.cn/', 'https://portal.azure.cn/'],
      // host case and the default port are normalised away
      ['https://Learn.Microsoft.COM/x', 'https://learn.microsoft.com/x'],
      ['https://learn.microsoft.com:443/x', 'https://learn.microsoft.com/x'],
    ];
    for (const [raw, canonical] of allowed) expect(sec.allowedExternalUrl(raw, HOSTS), raw).toBe(canonical);
  });

  it('the hosts of a profile\'s cloud: its sign-in host, its portals and the documentation host', () => {
    expect(sec.externalHostsForCloud('global')).toEqual(['login.microsoftonline.com', 'entra.microsoft.com', 'portal.azure.com', 'admin.microsoft.com', 'learn.microsoft.com']);
    expect(sec.externalHostsForCloud('gcch')).toEqual(['login.microsoftonline.us', 'entra.microsoft.us', 'portal.azure.us', 'portal.office365.us', 'learn.microsoft.com']);
    expect(sec.externalHostsForCloud('dod')).toEqual(['login.microsoftonline.us', 'entra.microsoft.us', 'portal.azure.us', 'portal.apps.mil', 'learn.microsoft.com']);
    expect(sec.externalHostsForCloud('china')).toEqual(['login.chinacloudapi.cn', 'login.partner.microsoftonline.cn', 'entra.microsoftonline.cn', 'portal.azure.cn', 'portal.partner.microsoftonline.cn', 'learn.microsoft.com']);
    // A custom cloud: its sign-in host, port included, and nothing else of it.
    const custom = sec.externalHostsForCloud('custom', { loginUrl: 'https://127.0.0.1:8443', graphUrl: 'https://127.0.0.1:8444' });
    expect(custom).toEqual(['127.0.0.1:8443', 'learn.microsoft.com']);
    const hosts = new Set(custom);
    expect(sec.allowedExternalUrl('https://127.0.0.1:8443/tenant/oauth2/v2.0/authorize', hosts)).toBe('https://127.0.0.1:8443/tenant/oauth2/v2.0/authorize');
    expect(sec.allowedExternalUrl('https://127.0.0.1:8444/', hosts)).toBeUndefined();
    expect(sec.allowedExternalUrl('https://127.0.0.1/', hosts)).toBeUndefined();
    expect(sec.allowedExternalUrl('https://login.microsoftonline.com/', hosts)).toBeUndefined();
  });

  it('the opener refuses before the OS sees anything, with an error that says why', async () => {
    const open = vi.fn(async () => undefined);
    const opener = sec.createExternalOpener(HOSTS, open);
    for (const url of HOSTILE) {
      const e = await opener(url).then(() => undefined, (x: unknown) => x);
      expect(e, url).toBeInstanceOf(OperatorError);
      expect((e as OperatorError).code).toBe('host-refused');
    }
    expect(open).not.toHaveBeenCalled();
    await opener('https://learn.microsoft.com:443/x');
    expect(open).toHaveBeenCalledExactlyOnceWith('https://learn.microsoft.com/x');
    // By default it goes to Electron's shell.
    await sec.createExternalOpener(HOSTS)('https://portal.azure.com/');
    expect(electron.shell.openExternal).toHaveBeenCalledExactlyOnceWith('https://portal.azure.com/');
  });
});

describe('IPC sender validation', () => {
  it('accepts the top frame of the app origin only', () => {
    expect(sec.isTrustedSender({ url: 'app://renderer/index.html', parent: null })).toBe(true);
    expect(sec.isTrustedSender({ url: 'app://renderer/index.html#/sync', parent: null })).toBe(true);
    const cases: Array<[string, Parameters<typeof sec.isTrustedSender>[0]]> = [
      ['a subframe of the app', { url: 'app://renderer/index.html', parent: { url: 'app://renderer/index.html' } }],
      ['a foreign origin', { url: 'https://evil.example/', parent: null }],
      ['a Microsoft origin', { url: 'https://login.microsoftonline.com/', parent: null }],
      ['a file origin', { url: 'file:///opt/app/resources/app.asar/out/renderer/index.html', parent: null }],
      ['another app:// host', { url: 'app://evil/index.html', parent: null }],
      ['userinfo on app://', { url: 'app://renderer@evil/index.html', parent: null }],
      ['data:', { url: 'data:text/html,x', parent: null }],
      ['about:blank', { url: 'about:blank', parent: null }],
      ['an empty URL', { url: '', parent: null }],
      ['the dev server when none is configured', { url: 'http://localhost:5173/', parent: null }],
      ['no frame (disposed)', null],
      ['undefined parent (not a top frame)', { url: 'app://renderer/index.html', parent: undefined }],
    ];
    for (const [what, frame] of cases) expect(sec.isTrustedSender(frame), what).toBe(false);
    expect(sec.isTrustedSender({ url: 'http://localhost:5173/', parent: null }, 'http://localhost:5173')).toBe(true);
  });
});

describe('the app:// protocol', () => {
  const root = tempDir('m365lr-app-');
  const renderer = join(root, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(renderer, 'assets', 'index-abc.js'), 'console.log(1)');
  writeFileSync(join(renderer, 'assets', 'index-abc.css'), 'body{}');
  writeFileSync(join(root, 'secret.txt'), 'SECRET-OUTSIDE');
  symlinkSync(join(root, 'secret.txt'), join(renderer, 'assets', 'link.txt'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const get = (url: string, method = 'GET') => sec.serveAppRequest(renderer, { url, method });

  it('registers app:// as a standard, secure scheme without bypassing CSP', () => {
    sec.registerAppScheme();
    expect(electron.protocol.registerSchemesAsPrivileged).toHaveBeenCalledExactlyOnceWith([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
    ]);
  });

  it('serves the renderer folder with the CSP and a content type', async () => {
    for (const [url, type, body] of [
      ['app://renderer/', 'text/html; charset=utf-8', '<!doctype html><title>app</title>'],
      ['app://renderer/index.html', 'text/html; charset=utf-8', '<!doctype html><title>app</title>'],
      ['app://renderer/assets/index-abc.js', 'text/javascript; charset=utf-8', 'console.log(1)'],
      ['app://renderer/assets/index-abc.css?v=1#x', 'text/css; charset=utf-8', 'body{}'],
    ] as const) {
      const res = await get(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toBe(body);
    }
  });

  it.each([
    ['app://renderer/../secret.txt'],
    ['app://renderer/%2e%2e/secret.txt'],
    ['app://renderer/..%2fsecret.txt'],
    ['app://renderer/..%5csecret.txt'],
    ['app://renderer/assets/..%2f..%2fsecret.txt'],
    ['app://renderer/assets/%2e%2e%2f%2e%2e%2fsecret.txt'],
    ['app://renderer/..\\secret.txt'],
    ['app://renderer/assets/link.txt'],
    ['app://renderer/%00index.html'],
    ['app://renderer/%E0%A4%A'],
    ['app://evil/index.html'],
    ['app://renderer@evil/index.html'],
    ['app://renderer:8080/index.html'],
    ['file:///etc/passwd'],
    ['https://renderer/index.html'],
    ['app://renderer/assets'],
    ['app://renderer/missing.js'],
  ])('refuses %s without leaking anything outside the folder', async (url) => {
    const res = await get(url);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await res.text()).not.toContain('SECRET-OUTSIDE');
    expect(res.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
  });

  it('answers only GET and HEAD', async () => {
    expect((await get('app://renderer/index.html', 'POST')).status).toBe(405);
    const head = await get('app://renderer/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('path resolution refuses traversal before touching the disk', () => {
    expect(sec.resolveAppPath('/srv/r', 'app://renderer/a/b.js')).toEqual({ ok: true, path: '/srv/r/a/b.js' });
    expect(sec.resolveAppPath('/srv/r', 'app://renderer/')).toEqual({ ok: true, path: '/srv/r/index.html' });
    expect(sec.resolveAppPath('/srv/r', 'app://renderer/a/..%2f..%2fetc/passwd')).toEqual({ ok: false, status: 400 });
    expect(sec.resolveAppPath('/srv/r', 'app://other/x')).toEqual({ ok: false, status: 403 });
  });
});

describe('permissions and the single-instance lock', () => {
  it('denies every permission request and check', async () => {
    let request: ((wc: unknown, permission: string, cb: (granted: boolean) => void) => void) | undefined;
    let check: ((...a: unknown[]) => boolean) | undefined;
    let device: ((...a: unknown[]) => boolean) | undefined;
    const session = {
      setPermissionRequestHandler: (h: typeof request) => (request = h),
      setPermissionCheckHandler: (h: typeof check) => (check = h),
      setDevicePermissionHandler: (h: typeof device) => (device = h),
    };
    sec.denyAllPermissions(session as never);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'clipboard-sanitized-write', 'openExternal', 'fullscreen', 'pointerLock', 'unknown']) {
      const granted = await new Promise<boolean>((r) => request!({}, permission, r));
      expect(granted, permission).toBe(false);
      expect(check!({}, permission, 'app://renderer', {})).toBe(false);
    }
    expect(device!({ deviceType: 'usb', origin: 'app://renderer' })).toBe(false);
  });

  it('a second instance quits and the first one is told', () => {
    const on = vi.fn();
    const quit = vi.fn();
    const onSecond = vi.fn();
    expect(sec.acquireSingleInstance({ requestSingleInstanceLock: () => true, quit, on }, onSecond)).toBe(true);
    expect(quit).not.toHaveBeenCalled();
    expect(on).toHaveBeenCalledExactlyOnceWith('second-instance', onSecond);

    const on2 = vi.fn();
    const quit2 = vi.fn();
    expect(sec.acquireSingleInstance({ requestSingleInstanceLock: () => false, quit: quit2, on: on2 }, onSecond)).toBe(false);
    expect(quit2).toHaveBeenCalledOnce();
    expect(on2).not.toHaveBeenCalled();
  });
});
