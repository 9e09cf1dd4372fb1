/**
 * The pages the loopback listener (loopback.ts) shows in the system browser when the
 * sign-in comes back to http://localhost:<port>. The answer to the genuine response is
 * sent once the sign-in has finished, so the error page can say what failed (the
 * AADSTS code, translated by errors/translate.ts) and what to do, as the app does.
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

/** What failed and what to do, as the app or terminal says it. */
export interface SignInFailure {
  message: string;
  hint: string;
  who?: string;
}

export function errorPage(ctx: SignInPageContext, failure?: SignInFailure): string {
  return page('Sign-in failed - M365 licence reconciler', 'Sign-in did not complete', [
    `Microsoft Entra ID returned an error for profile <strong>${escapeHtml(ctx.profile)}</strong> (tenant ${escapeHtml(ctx.tenant)}).`,
    ...(failure
      ? [
          `<strong>What happened:</strong> ${escapeHtml(failure.message)}`,
          `<strong>What to do:</strong> ${escapeHtml(failure.hint)}`,
          ...(failure.who ? [`<strong>Who can fix it:</strong> ${escapeHtml(failure.who)}`] : []),
          'The app or terminal where you started the sign-in shows the same. Close this tab, follow that advice, then sign in again.',
        ]
      : [
          'The app or terminal where you started the sign-in now shows the error code (AADSTS&hellip;), what it means, and who can fix it.',
          'Close this tab, follow that advice, then run the sign-in again.',
        ]),
  ]);
}

/** A callback that does not belong to the sign-in in progress (loopback.ts says why). */
export function rejectedPage(ctx: SignInPageContext, why: string): string {
  return page('Sign-in response refused - M365 licence reconciler', 'This sign-in response was refused', [
    escapeHtml(why),
    `If you are signing in for profile <strong>${escapeHtml(ctx.profile)}</strong> (tenant ${escapeHtml(ctx.tenant)}), finish the sign-in in the tab the app opened, or start the sign-in again from the app or terminal.`,
  ]);
}

/** What the loopback shows to a visit that carries no sign-in response. */
export function idlePage(ctx: SignInPageContext): string {
  return page('Signing in - M365 licence reconciler', 'Waiting for the sign-in', [
    `M365 licence reconciler is waiting for the sign-in of profile <strong>${escapeHtml(ctx.profile)}</strong> (tenant ${escapeHtml(ctx.tenant)}) to come back from Microsoft Entra ID.`,
  ]);
}
