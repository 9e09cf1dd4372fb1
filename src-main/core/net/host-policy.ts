import { OperatorError } from '../errors/operator-error';

/**
 * Which URLs may receive the bearer token, which @odata.nextLink values the
 * session follows, and which report redirects it accepts. Pure functions, so
 * hostile URLs are tested as tables (test/unit/net/host-policy.test.ts).
 *
 * The rule is deliberately narrow: the token goes to exactly one origin
 * (scheme + host + port) written in the profile, compared after WHATWG URL
 * parsing so that case, default ports, userinfo, trailing dots and IDN
 * spellings cannot widen it.
 */

/** Redirect hops accepted for a report download before giving up. */
export const MAX_REPORT_REDIRECTS = 3;

/** True when the string holds whitespace, control characters or a backslash (the URL parser would silently "fix" them). */
export function hasUnsafeUrlChars(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}

function parse(url: string | URL): URL | undefined {
  if (url instanceof URL) return url;
  if (typeof url !== 'string') return undefined;
  // Control characters and whitespace are stripped by the URL parser; a URL that
  // needs that to parse is not one Graph produced.
  if (hasUnsafeUrlChars(url)) return undefined;
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** The canonical origin of a Graph base URL such as https://graph.microsoft.com or https://127.0.0.1:4431/ */
export function canonicalOrigin(graphUrl: string): string {
  const u = parse(graphUrl);
  if (!u || u.protocol !== 'https:' || u.username || u.password) {
    throw new OperatorError('bad-input', `Graph URL "${graphUrl}" is not an https origin`, {
      hint: 'Use an https URL without user name or password, for example https://graph.microsoft.com.',
    });
  }
  return u.origin;
}

/** True only for an https URL on exactly `graphOrigin` (host case-insensitive, same port), with no userinfo. */
export function mayCarryBearer(url: string | URL, graphOrigin: string): boolean {
  const u = parse(url);
  const g = parse(graphOrigin);
  if (!u || !g) return false;
  if (u.protocol !== 'https:' || g.protocol !== 'https:') return false;
  if (u.username !== '' || u.password !== '') return false;
  // A trailing dot names the same DNS host but a different TLS/cookie identity; refuse it.
  if (u.hostname.endsWith('.')) return false;
  // url.origin lower-cases the host, converts IDN to punycode and drops the default port.
  return u.origin === g.origin;
}

/** Throws OperatorError('host-refused') unless `url` is on the Graph origin (used for @odata.nextLink). */
export function assertGraphUrl(url: string, graphOrigin: string): URL {
  const u = parse(url);
  if (!u || !mayCarryBearer(u, graphOrigin)) {
    throw new OperatorError('host-refused', `Refused to follow a Graph link to another host (${describeHost(url)}).`, {
      hint: 'Microsoft Graph returned a paging link outside the configured Graph endpoint; the access token was not sent. Check the profile\'s cloud and any proxy that rewrites responses.',
    });
  }
  return u;
}

export interface RedirectHop {
  /** 1 for the first redirect. */
  hop: number;
  /** URL the redirect was received from (relative Locations resolve against it). */
  from: string | URL;
}

/**
 * Validates a report download redirect. Returns the absolute target. The caller
 * fetches it without Authorization: the Location is a pre-authenticated URL on
 * a different host, and credentials are never forwarded across a redirect.
 */
export function checkReportRedirect(location: string | null | undefined, hop: RedirectHop): URL {
  if (hop.hop > MAX_REPORT_REDIRECTS) {
    throw new OperatorError('host-refused', `Report download redirected more than ${MAX_REPORT_REDIRECTS} times.`, {
      hint: 'Microsoft Graph normally redirects a report once; a proxy or service fault is redirecting in a loop. Retry later.',
      remedy: { action: 'retry-later' },
    });
  }
  if (!location) {
    throw new OperatorError('graph-error', 'Report request answered a redirect without a Location.', {
      hint: 'Retry later; if this persists, the service or a proxy is returning malformed redirects.',
      remedy: { action: 'retry-later' },
    });
  }
  let target: URL | undefined;
  if (!hasUnsafeUrlChars(location)) {
    try {
      target = new URL(location, hop.from);
    } catch {
      target = undefined;
    }
  }
  if (!target || target.protocol !== 'https:' || target.username !== '' || target.password !== '') {
    throw new OperatorError('host-refused', `Refused a report download redirect to ${describeHost(location)}.`, {
      hint: 'Report downloads must go to an https URL without embedded credentials.',
    });
  }
  return target;
}

/** Host part for messages: never echoes paths, queries or userinfo (they may hold tokens). */
export function describeHost(url: string): string {
  const u = parse(url);
  if (!u) return 'an unparseable URL';
  return `${u.protocol}//${u.host}`;
}
