import { cloudEndpoints } from '../clouds/clouds';
import { OperatorError } from '../errors/operator-error';
import type { Profile } from '../profile/schema';

/**
 * The tenant-wide admin consent URL of the Microsoft identity platform (v2.0):
 *   https://<login host>/{tenant}/v2.0/adminconsent?client_id=…&scope=https://<graph host>/.default&redirect_uri=…
 * (learn.microsoft.com/entra/identity-platform/v2-admin-consent). `.default` asks for
 * every permission configured on the app registration, which the registration script
 * sets to exactly the matrix's permissions.
 */
export const DEFAULT_CONSENT_REDIRECT_URI = 'http://localhost';

export interface ConsentUrlOptions {
  /** Where Entra ID sends the administrator afterwards; must be a reply URL of the app (default http://localhost). */
  redirectUri?: string;
  /** Echoed back on the redirect. */
  state?: string;
}

function checkRedirectUri(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new OperatorError('bad-input', 'The redirect URI is not a valid absolute URL.', {
      hint: 'Give an https:// URL registered on the app, or http://localhost.',
    });
  }
  const loopback = u.protocol === 'http:' && (u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]');
  if (u.protocol !== 'https:' && !loopback) {
    throw new OperatorError('bad-input', `The redirect URI must use https (or http on localhost), not ${u.protocol.replace(':', '')}.`, {
      hint: 'Entra ID only accepts https reply URLs, except for http://localhost.',
    });
  }
  if (u.username || u.password || u.hash) {
    throw new OperatorError('bad-input', 'The redirect URI must not contain credentials or a fragment.', { hint: 'Remove user:password@ and #fragment.' });
  }
  return value;
}

export function adminConsentUrl(profile: Pick<Profile, 'tenantId' | 'clientId' | 'cloud' | 'customEndpoints'>, opts: ConsentUrlOptions = {}): string {
  const endpoints = cloudEndpoints(profile.cloud, profile.customEndpoints);
  const redirect = checkRedirectUri(opts.redirectUri ?? DEFAULT_CONSENT_REDIRECT_URI);
  const url = new URL(`${endpoints.loginUrl}/${encodeURIComponent(profile.tenantId)}/v2.0/adminconsent`);
  url.searchParams.set('client_id', profile.clientId);
  url.searchParams.set('scope', `${endpoints.graphUrl}/.default`);
  url.searchParams.set('redirect_uri', redirect);
  if (opts.state !== undefined) url.searchParams.set('state', opts.state);
  return url.toString();
}
