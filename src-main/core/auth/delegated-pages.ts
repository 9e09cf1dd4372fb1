/**
 * The pages MSAL's loopback server shows in the system browser when the sign-in
 * comes back to http://localhost:<port>. MSAL Node 7 serves them as fixed strings
 * (successTemplate / errorTemplate), built before the sign-in starts: they cannot
 * quote the AADSTS code of a failure, so the error page sends the operator to the
 * app or terminal, which names the code and the fix (errors/translate.ts).
 *
 * Every interpolated value is HTML-escaped; the pages carry no script and a CSP
 * that forbids any.
 */
export interface SignInPageContext {
  /** Profile name, as the operator knows it. */
  profile: string;
  /** Tenant id or domain of the profile. */
  tenant: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
  '=': '&#61;',
};

/** Escapes text for HTML element content and quoted attribute values; strips control characters. */
export function escapeHtml(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/[&<>"'`=]/g, (c) => ESCAPES[c] ?? c);
}

function page(title: string, heading: string, paragraphs: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="referrer" content="no-referrer">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5}h1{font-size:1.4rem}</style>',
    '</head><body>',
    `<h1>${escapeHtml(heading)}</h1>`,
    ...paragraphs.map((p) => `<p>${p}</p>`),
    '</body></html>',
  ].join('\n');
}

export function successPage(ctx: SignInPageContext): string {
  return page('Signed in - M365 licence reconciler', 'Signed in', [
    `M365 licence reconciler is signed in for profile <strong>${escapeHtml(ctx.profile)}</strong> (tenant ${escapeHtml(ctx.tenant)}), with read-only access.`,
    'You can close this tab and return to the app or terminal.',
  ]);
}

export function errorPage(ctx: SignInPageContext): string {
  return page('Sign-in failed - M365 licence reconciler', 'Sign-in did not complete', [
    `Microsoft Entra ID returned an error for profile <strong>${escapeHtml(ctx.profile)}</strong> (tenant ${escapeHtml(ctx.tenant)}).`,
    'The app or terminal where you started the sign-in now shows the error code (AADSTS&hellip;), what it means, and who can fix it.',
    'Close this tab, follow that advice, then run the sign-in again.',
  ]);
}
