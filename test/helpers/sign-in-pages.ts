/**
 * Drives the demo tenant's sign-in pages the way a browser would: reads the HTML
 * form on each page and submits it (credentials, the MFA code the page shows, the
 * device confirmation), never following a redirect to the loopback. For tests of
 * the authorize endpoint, the device code page and the product's delegated flows.
 */
export type PageFetch = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; body?: string },
) => Promise<{ status: number; headers: { get(name: string): string | null }; text(): Promise<string> }>;

export interface Credentials {
  username: string;
  password: string;
}

export type SignInOutcome =
  | { kind: 'redirect'; status: number; location: URL }
  | { kind: 'form_post'; action: string; fields: Record<string, string>; csp: string | null }
  | { kind: 'page'; status: number; html: string; csp: string | null };

export interface DriveOptions {
  /** What to type on the MFA page: the shown code (default) or a wrong one. */
  mfa?: 'shown' | 'wrong';
  /** Device confirmation answer (default continue). */
  decision?: 'continue' | 'cancel';
  /** Stop when this page appears instead of submitting it. */
  stopAt?: 'mfa';
  /** Pages seen, in order (sign-in, mfa, confirm, ...). */
  seen?: string[];
}

function unescape(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export function hiddenFields(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) out[unescape(m[1] ?? '')] = unescape(m[2] ?? '');
  return out;
}

export function formAction(html: string): string | undefined {
  const m = /<form method="(?:post|POST)"[^>]*action="([^"]+)"/.exec(html);
  return m?.[1] ? unescape(m[1]) : undefined;
}

export function shownMfaCode(html: string): string | undefined {
  return /id="mfa-code">(\d{6})</.exec(html)?.[1];
}

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Follows the pages from a first response until a redirect, a form_post page or a page with no form to submit. */
export async function drivePages(
  fetch: PageFetch,
  origin: string,
  first: Awaited<ReturnType<PageFetch>>,
  creds: Credentials,
  o: DriveOptions = {},
): Promise<SignInOutcome> {
  let res = first;
  const seen = o.seen ?? [];
  for (let step = 0; step < 8; step++) {
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) return { kind: 'redirect', status: res.status, location: new URL(location) };
    const html = await res.text();
    const csp = res.headers.get('content-security-policy');
    const action = formAction(html);
    if (/name="hiddenform"/.test(html) && action) return { kind: 'form_post', action, fields: hiddenFields(html), csp };
    if (!action) return { kind: 'page', status: res.status, html, csp };
    const fields = hiddenFields(html);
    const target = new URL(action, origin).toString();
    if (/name="username"/.test(html)) {
      seen.push('sign-in');
      // The sign-in page again (wrong password, unknown user): stop and show it.
      if (seen.filter((p) => p === 'sign-in').length > 1) return { kind: 'page', status: res.status, html, csp };
      res = await fetch(target, { method: 'POST', headers: FORM, body: new URLSearchParams({ ...fields, username: creds.username, password: creds.password }).toString() });
    } else if (shownMfaCode(html)) {
      seen.push('mfa');
      if (o.stopAt === 'mfa') return { kind: 'page', status: res.status, html, csp };
      if (seen.filter((p) => p === 'mfa').length > 1) return { kind: 'page', status: res.status, html, csp };
      const code = o.mfa === 'wrong' ? String((Number(shownMfaCode(html)) + 1) % 1_000_000).padStart(6, '0') : (shownMfaCode(html) ?? '');
      res = await fetch(target, { method: 'POST', headers: FORM, body: new URLSearchParams({ ...fields, otc: code }).toString() });
    } else if (/name="decision"/.test(html)) {
      seen.push('confirm');
      res = await fetch(target, { method: 'POST', headers: FORM, body: new URLSearchParams({ ...fields, decision: o.decision ?? 'continue' }).toString() });
    } else {
      return { kind: 'page', status: res.status, html, csp };
    }
  }
  throw new Error('sign-in pages did not settle');
}

/** GET the authorize URL and sign in. */
export async function signInAtAuthorize(fetch: PageFetch, authorizeUrl: string, creds: Credentials, o: DriveOptions = {}): Promise<SignInOutcome> {
  const origin = new URL(authorizeUrl).origin;
  return drivePages(fetch, origin, await fetch(authorizeUrl), creds, o);
}

/** Enter a device code on the deviceauth page and sign in. */
export async function signInWithDeviceCode(fetch: PageFetch, verificationUri: string, userCode: string, creds: Credentials, o: DriveOptions = {}): Promise<SignInOutcome> {
  const origin = new URL(verificationUri).origin;
  const entry = await fetch(verificationUri);
  const action = formAction(await entry.text()) ?? '/common/oauth2/deviceauth';
  const res = await fetch(new URL(action, origin).toString(), { method: 'POST', headers: FORM, body: new URLSearchParams({ otc: userCode }).toString() });
  return drivePages(fetch, origin, res, creds, o);
}
