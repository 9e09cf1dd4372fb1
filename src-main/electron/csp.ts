/**
 * The renderer's Content Security Policy, as one header value. Plain data (no Electron
 * import), so any front end that serves the renderer can send the same policy.
 *
 * - Scripts only from the app itself: no inline script, no eval, no remote script.
 * - Styles: Svelte's build emits its CSS as files ('self'). Inline `style="…"` attributes
 *   in compiled templates need `style-src-attr 'unsafe-inline'`; `<style>` elements and
 *   remote stylesheets stay refused. Scripted styles (element.style, adoptedStyleSheets,
 *   as Fluent web components use) are not governed by CSP.
 * - Fonts and images from the app only (no CDN, no remote fonts); `data:` images for
 *   inline icons.
 * - The renderer talks to the core over IPC, so `connect-src` is the app's own origin.
 * - No plugins, no <base> rewriting, no forms posting away, never framed, no frames.
 * (MDN, Content-Security-Policy; Electron security checklist item 7, "Define a Content Security Policy")
 */
export const CSP_DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['style-src-attr', "'unsafe-inline'"],
  ['img-src', "'self' data:"],
  ['font-src', "'self'"],
  ['connect-src', "'self'"],
  ['worker-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  ['frame-src', "'none'"],
  ['frame-ancestors', "'none'"],
];

export const CONTENT_SECURITY_POLICY: string = CSP_DIRECTIVES.map(([k, v]) => `${k} ${v}`).join('; ');

/** Headers sent with every document and asset the app serves to its renderer. */
export function securityHeaders(): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}
