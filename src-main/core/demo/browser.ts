import http from 'node:http';
import { OperatorError } from '../errors/operator-error';
import type { Network } from '../net/network';
import type { DeviceCodeInfo, OpenBrowser } from '../auth/delegated-token';

/**
 * DEMO AUTOMATION ONLY. A scripted "browser" for the built-in demo tenant's sign-in
 * pages, used where no person is at the keyboard (the `--demo-user` CLI option, the
 * tests). It does over HTTP what a person does in the system browser: GET the page,
 * submit the account's name and password, type the code the MFA page shows, confirm,
 * and deliver the form_post response to the app's loopback redirect URI.
 *
 * It only understands the demo tenant's plain HTML forms and is never used against a
 * real tenant: real sign-ins always go through the operator's own browser.
 */
export interface DemoCredentials {
  upn: string;
  password: string;
}

export interface DemoBrowserOptions {
  /** Network trusting the demo tenant's CA. */
  network: Network;
  user: DemoCredentials;
  /** Rewrites the fields posted to the loopback (tests: a forged `state`). */
  tamperRedirect?: (fields: Record<string, string>) => Record<string, string>;
  /** Sees the loopback's answer to the redirect (status and page). */
  onRedirectResponse?: (status: number, body: string) => void;
  /** Per-request timeout in ms (default 15 s). */
  timeoutMs?: number;
  /** At most this many pages per sign-in (default 12). */
  maxSteps?: number;
}

export interface HtmlForm {
  action: string;
  method: string;
  /** Inputs with a name, in document order (hidden ones included), with their values. */
  fields: Record<string, string>;
  /** Named submit buttons: name -> values. */
  buttons: Record<string, string[]>;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (m, e: string) => {
    const k = e.toLowerCase();
    if (k === 'amp') return '&';
    if (k === 'lt') return '<';
    if (k === 'gt') return '>';
    if (k === 'quot') return '"';
    if (k === 'apos' || k === '#39') return "'";
    const code = k.startsWith('#x') ? parseInt(k.slice(2), 16) : parseInt(k.slice(1), 10);
    return Number.isFinite(code) && code >= 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

function attrs(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/g)) {
    const name = m[1]!.toLowerCase();
    if (!(name in out)) out[name] = decodeEntities(m[3] ?? m[4] ?? m[5] ?? '');
  }
  return out;
}

/** The forms of a page (the demo tenant's pages are simple: no nesting, no scripts that matter). */
export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const a = attrs(m[1] ?? '');
    const fields: Record<string, string> = {};
    const buttons: Record<string, string[]> = {};
    for (const i of (m[2] ?? '').matchAll(/<(input|button)\b([^>]*)>/gi)) {
      const ia = attrs(i[2] ?? '');
      const name = ia['name'];
      if (!name) continue;
      const type = (ia['type'] ?? (i[1]!.toLowerCase() === 'button' ? 'submit' : 'text')).toLowerCase();
      if (type === 'submit') (buttons[name] ??= []).push(ia['value'] ?? '');
      else fields[name] = ia['value'] ?? '';
    }
    forms.push({ action: a['action'] ?? '', method: (a['method'] ?? 'get').toUpperCase(), fields, buttons });
  }
  return forms;
}

/** The AADSTS error a page shows, if any. */
export function pageError(html: string): { aadsts: number; message: string } | undefined {
  const m = /AADSTS(\d{4,8}):?\s*([^<]*)/.exec(html);
  return m ? { aadsts: Number(m[1]), message: decodeEntities(m[2] ?? '').trim() } : undefined;
}

function mfaCode(html: string): string | undefined {
  const m = /id="mfa-code"[^>]*>\s*([^<\s]+)\s*</.exec(html);
  return m?.[1] ? decodeEntities(m[1]) : undefined;
}

function isLoopback(url: URL): boolean {
  return url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]');
}

interface Page {
  url: URL;
  status: number;
  html: string;
}

function demoFailure(message: string, cause?: unknown): OperatorError {
  return new OperatorError('auth-failed', `Demo sign-in automation: ${message}`, {
    hint: 'This drives the built-in demo tenant only; check the demo user\'s name, or sign in by hand in a browser.',
    ...(cause !== undefined ? { cause } : {}),
  });
}

/** POSTs a form to the app's loopback redirect URI (plain HTTP on this machine, never through a proxy). */
function postLoopback(url: URL, fields: Record<string, string>, timeoutMs: number): Promise<{ status: number; body: string }> {
  const body = new URLSearchParams(fields).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: Number(url.port || 80),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('loopback did not answer')));
    req.on('error', reject);
    req.end(body);
  });
}

export class DemoBrowser {
  private readonly cookies = new Map<string, string>();
  private readonly timeoutMs: number;

  constructor(private readonly opts: DemoBrowserOptions) {
    this.timeoutMs = opts.timeoutMs ?? 15_000;
  }

  /** An OpenBrowser for the interactive flow: signs in and delivers the response to the loopback. */
  readonly openBrowser: OpenBrowser = async (url: string) => {
    await this.run(new URL(url), undefined);
  };

  /** Completes a device code sign-in: opens the verification page, enters the code, signs in, confirms. */
  async completeDeviceCode(info: DeviceCodeInfo): Promise<void> {
    await this.run(new URL(info.verificationUri), info.userCode);
  }

  private async request(method: 'GET' | 'POST', url: URL, form?: Record<string, string>): Promise<Page> {
    let current = url;
    let m = method;
    let body = form ? new URLSearchParams(form).toString() : undefined;
    for (let hop = 0; hop < 5; hop++) {
      if (current.protocol !== 'https:') throw demoFailure(`refusing to send the sign-in form to ${current.protocol}//${current.host}.`);
      const headers: Record<string, string> = {};
      const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      if (cookie) headers['Cookie'] = cookie;
      if (body !== undefined) headers['Content-Type'] = 'application/x-www-form-urlencoded';
      const res = await this.opts.network.fetch(current, {
        method: m,
        headers,
        ...(body !== undefined ? { body } : {}),
        redirect: 'manual',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair?.indexOf('=') ?? -1;
        if (pair && eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        const next = new URL(location, current);
        if (isLoopback(next)) throw demoFailure('the sign-in answered with a redirect in the URL instead of form_post.');
        current = next;
        m = 'GET';
        body = undefined;
        continue;
      }
      return { url: current, status: res.status, html: await res.text() };
    }
    throw demoFailure('too many redirects.');
  }

  private async run(start: URL, userCode: string | undefined): Promise<void> {
    let page = await this.request('GET', start);
    const maxSteps = this.opts.maxSteps ?? 12;
    for (let step = 0; step < maxSteps; step++) {
      const form = parseForms(page.html)[0];
      if (!form) {
        const err = pageError(page.html);
        if (err) {
          throw new OperatorError('auth-failed', `The demo sign-in page refused the sign-in: AADSTS${err.aadsts}: ${err.message}`, {
            hint: 'Pick another demo user.',
            aadsts: err.aadsts,
          });
        }
        if (page.status >= 400) throw demoFailure(`the sign-in page answered HTTP ${page.status}.`);
        // A page without a form: the end of a device code sign-in ("you may close this window").
        if (userCode !== undefined) return;
        throw demoFailure('the sign-in stopped on a page without a form.');
      }
      const action = new URL(form.action || page.url.href, page.url);
      if (isLoopback(action)) {
        const fields = this.opts.tamperRedirect ? this.opts.tamperRedirect({ ...form.fields }) : form.fields;
        const res = await postLoopback(action, fields, this.timeoutMs);
        this.opts.onRedirectResponse?.(res.status, res.body);
        if (res.status >= 400) throw demoFailure(`the app's loopback refused the sign-in response (HTTP ${res.status}).`);
        return;
      }
      const fields = { ...form.fields };
      const pageErr = pageError(page.html);
      if ('username' in fields && 'password' in fields) {
        if (pageErr && step > 0) throw new OperatorError('auth-failed', `The demo sign-in page refused the sign-in: AADSTS${pageErr.aadsts}: ${pageErr.message}`, { hint: 'Check the demo user\'s name.', aadsts: pageErr.aadsts });
        fields['username'] = this.opts.user.upn;
        fields['password'] = this.opts.user.password;
      } else if ('otc' in fields) {
        const shown = mfaCode(page.html);
        if (pageErr && step > 0) throw new OperatorError('auth-failed', `The demo sign-in page refused the code: AADSTS${pageErr.aadsts}: ${pageErr.message}`, { hint: 'Retry the sign-in.', aadsts: pageErr.aadsts });
        if (shown !== undefined) fields['otc'] = shown;
        else if (userCode !== undefined) fields['otc'] = userCode;
        else throw demoFailure('a code was asked for but none is known.');
      }
      const decisions = form.buttons['decision'];
      if (decisions) {
        const accept = decisions.find((v) => v === 'continue' || v === 'accept' || v === 'yes') ?? decisions[0];
        if (accept !== undefined) fields['decision'] = accept;
      } else {
        for (const [name, values] of Object.entries(form.buttons)) if (values[0] !== undefined && !(name in fields)) fields[name] = values[0];
      }
      page = form.method === 'POST' ? await this.request('POST', action, fields) : await this.request('GET', withQuery(action, fields));
    }
    throw demoFailure('the sign-in did not finish within the expected number of pages.');
  }
}

function withQuery(url: URL, fields: Record<string, string>): URL {
  const u = new URL(url);
  for (const [k, v] of Object.entries(fields)) u.searchParams.set(k, v);
  return u;
}
