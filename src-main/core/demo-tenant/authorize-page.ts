/**
 * HTML of the demo tenant's sign-in pages: sign-in form, MFA step (a stand-in for an
 * authenticator app: the page shows the code to type), device code entry and
 * confirmation, error pages, and the form_post response page. Pure functions: text
 * in, HTML and its Content-Security-Policy out. No external assets, no script
 * except the one-line auto-submit of form_post, allowed by its hash.
 */
import { createHash } from 'node:crypto';

export interface Page {
  html: string;
  csp: string;
}

/**
 * Default policy of every page: nothing but inline style; forms post back to this host only;
 * no <base> element may redirect relative URLs, and no other page may frame this one
 * (default-src covers neither base-uri, form-action nor frame-ancestors).
 */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The policy of a page whose form's POST is answered with a 302 to the request's redirect URI
 * (sign-in and MFA of the authorize flow with response_mode=query, and of admin consent).
 * Browsers apply form-action to the redirects after a form submission too (CSP Level 3,
 * "form-action"; Chrome blocks the 302 otherwise), so that redirect URI's origin, and only
 * that one, is allowed besides 'self'.
 */
export function pageCsp(redirectUri?: string): string {
  if (redirectUri === undefined) return PAGE_CSP;
  let origin: string;
  try {
    origin = new URL(redirectUri).origin;
  } catch {
    return PAGE_CSP;
  }
  // An opaque origin ("null", e.g. a custom scheme) cannot be named as a source: keep the default.
  if (!/^https?:\/\/[A-Za-z0-9.[\]:-]+$/.test(origin)) return PAGE_CSP;
  return PAGE_CSP.replace("form-action 'self'", `form-action 'self' ${origin}`);
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f2f2f2;margin:0}
main{max-width:440px;margin:48px auto;background:#fff;padding:32px 40px;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.4em;font-weight:600;margin:0 0 16px}label{display:block;margin:12px 0 4px}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:6px;font-size:1em}
button{margin-top:20px;padding:8px 24px;font-size:1em}.error{color:#a80000;margin:12px 0}
.code{font-size:2em;letter-spacing:.2em;font-family:monospace;margin:12px 0}.small{color:#555;font-size:.85em}`;

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main><p class="small">Demo tenant sign-in (simulated Microsoft Entra ID)</p>
${body}
</main></body></html>`;
}

export interface PageError {
  code: number;
  message: string;
}

function errorLine(e: PageError | undefined): string {
  return e ? `<p class="error" role="alert">AADSTS${e.code}: ${escapeHtml(e.message)}</p>` : '';
}

export function signInPage(o: { action: string; session: string; appName: string; scopes: readonly string[]; loginHint?: string; error?: PageError; redirectUri?: string }): Page {
  const scopes = o.scopes.length > 0 ? `<p class="small">Requested permissions: ${o.scopes.map(escapeHtml).join(', ')}</p>` : '';
  const body = `<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(o.appName)}</strong></p>
${errorLine(o.error)}
<form method="post" action="${escapeHtml(o.action)}">
<input type="hidden" name="session" value="${escapeHtml(o.session)}">
<label for="username">Email or username</label>
<input type="text" id="username" name="username" autocomplete="username" value="${escapeHtml(o.loginHint ?? '')}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password">
<button type="submit">Sign in</button>
</form>
${scopes}`;
  return { html: layout('Sign in to your account', body), csp: pageCsp(o.redirectUri) };
}

export function mfaPage(o: { action: string; session: string; upn: string; code: string; error?: PageError; redirectUri?: string }): Page {
  const body = `<h1>Verify your identity</h1>
<p>${escapeHtml(o.upn)}</p>
<p>Your authenticator shows this code (demo stand-in for the Microsoft Authenticator app):</p>
<p class="code" id="mfa-code">${escapeHtml(o.code)}</p>
${errorLine(o.error)}
<form method="post" action="${escapeHtml(o.action)}">
<input type="hidden" name="session" value="${escapeHtml(o.session)}">
<label for="otc">Enter code</label>
<input type="text" id="otc" name="otc" inputmode="numeric" autocomplete="one-time-code">
<button type="submit">Verify</button>
</form>`;
  return { html: layout('Verify your identity', body), csp: pageCsp(o.redirectUri) };
}

export function deviceCodePage(o: { action: string; error?: PageError }): Page {
  const body = `<h1>Enter code</h1>
<p>Enter the code displayed on your app or device.</p>
${errorLine(o.error)}
<form method="post" action="${escapeHtml(o.action)}">
<label for="otc">Code</label>
<input type="text" id="otc" name="otc" autocomplete="off">
<button type="submit">Next</button>
</form>`;
  return { html: layout('Enter code', body), csp: PAGE_CSP };
}

export function deviceConfirmPage(o: { action: string; session: string; appName: string; upn: string }): Page {
  const body = `<h1>Are you trying to sign in to ${escapeHtml(o.appName)}?</h1>
<p>${escapeHtml(o.upn)}</p>
<p>Only continue if you started this sign-in from a device or app you trust.</p>
<form method="post" action="${escapeHtml(o.action)}">
<input type="hidden" name="session" value="${escapeHtml(o.session)}">
<button type="submit" name="decision" value="continue">Continue</button>
<button type="submit" name="decision" value="cancel">Cancel</button>
</form>`;
  return { html: layout('Confirm sign-in', body), csp: PAGE_CSP };
}

export function messagePage(title: string, text: string): Page {
  return { html: layout(title, `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(text)}</p>`), csp: PAGE_CSP };
}

export function errorPage(e: PageError & { correlationId: string; timestamp: string }): Page {
  const body = `<h1>Sorry, but we're having trouble signing you in.</h1>
${errorLine(e)}
<p class="small">Correlation ID: ${escapeHtml(e.correlationId)}<br>Timestamp: ${escapeHtml(e.timestamp)}</p>`;
  return { html: layout('Sign in error', body), csp: PAGE_CSP };
}

const AUTO_SUBMIT = 'document.forms[0].submit();';
const AUTO_SUBMIT_HASH = `sha256-${createHash('sha256').update(AUTO_SUBMIT).digest('base64')}`;

/**
 * response_mode=form_post: a page whose form posts the response to the redirect URI
 * (what Entra ID sends; learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow).
 * The policy allows exactly the auto-submit script and a post to that redirect URI.
 */
export function formPostPage(action: string, fields: Record<string, string>): Page {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join('\n');
  const html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><title>Working...</title></head>
<body><form method="POST" name="hiddenform" action="${escapeHtml(action)}">
${inputs}
<noscript><p>Script is disabled. Click Submit to continue.</p><input type="submit" value="Submit"></noscript>
</form><script>${AUTO_SUBMIT}</script></body></html>`;
  const origin = new URL(action).origin;
  return { html, csp: `default-src 'none'; script-src '${AUTO_SUBMIT_HASH}'; form-action ${origin}; base-uri 'none'; frame-ancestors 'none'` };
}
