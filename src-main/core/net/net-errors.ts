import { OperatorError } from '../errors/operator-error';
import { describeHost } from './host-policy';

/**
 * Low-level failures (undici, Node TLS, sockets, aborts) as OperatorErrors.
 * Only the scheme and host of the URL appear in messages: paths and queries
 * can carry pre-authenticated report tokens.
 */
const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

function causeChain(e: unknown): unknown[] {
  const out: unknown[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 8 && cur !== undefined && cur !== null; i++) {
    out.push(cur);
    if (typeof cur === 'object' && 'cause' in cur) cur = (cur as { cause?: unknown }).cause;
    else break;
  }
  return out;
}

function errCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') return c;
  }
  return undefined;
}

/** The status a proxy answered to CONNECT, when the failure is a refused tunnel. */
function proxyRefusal(chain: unknown[]): number | undefined {
  for (const c of chain) {
    const m = c instanceof Error ? /Proxy response \((\d{3})\)/.exec(c.message) : null;
    if (m?.[1]) return Number(m[1]);
  }
  return undefined;
}

/**
 * The proxy (HTTPS_PROXY) refused the tunnel. The proxy URL is never quoted: it may hold
 * a user name and password.
 */
export function proxyRefused(status: number, host: string, cause?: unknown): OperatorError {
  if (status === 407) {
    return new OperatorError('network', `The HTTP proxy requires authentication (407 Proxy Authentication Required) for the connection to ${host}.`, {
      hint: 'Give the proxy user and password in the proxy setting (HTTPS_PROXY as http://user:password@proxy:port), or ask the proxy administrator to allow this host without authentication.',
      status,
      remedy: { action: 'check-network' },
      cause,
    });
  }
  if (status === 403) {
    return new OperatorError('network', `The HTTP proxy denied access to ${host} (403 Forbidden).`, {
      hint: 'Ask the proxy administrator to allow CONNECT to this host, or check the proxy setting (HTTPS_PROXY, NO_PROXY).',
      status,
      remedy: { action: 'check-network' },
      cause,
    });
  }
  return new OperatorError('network', `The HTTP proxy refused the connection to ${host} (HTTP ${status}).`, {
    hint: 'Check the proxy setting (HTTPS_PROXY, NO_PROXY) and that the proxy allows CONNECT to this host.',
    status,
    remedy: { action: 'check-network' },
    cause,
  });
}

export function cancelledError(cause?: unknown): OperatorError {
  return new OperatorError('cancelled', 'The operation was cancelled.', { hint: 'Run it again when ready.', cause });
}

export function isAbortError(e: unknown): boolean {
  return causeChain(e).some((c) => c instanceof Error && (c.name === 'AbortError' || errCode(c) === 'ABORT_ERR'));
}

/** Translates a fetch/socket failure for `url`. An OperatorError passes through unchanged. */
export function fromNetworkFailure(e: unknown, url: string, signal?: AbortSignal): OperatorError {
  if (e instanceof OperatorError) return e;
  if (signal?.aborted) return cancelledError(e);
  const host = describeHost(url);
  const chain = causeChain(e);
  const codes = chain.map(errCode).filter((c): c is string => c !== undefined);
  // undici reports a refused CONNECT as an abort ("Proxy response (407) !== 200 when HTTP
  // Tunneling"): name the proxy's answer before taking an abort for a cancel.
  const proxyStatus = proxyRefusal(chain);
  if (proxyStatus !== undefined) return proxyRefused(proxyStatus, host, e);
  if (isAbortError(e)) return cancelledError(e);
  const tlsCode = codes.find((c) => TLS_CODES.has(c) || c.startsWith('ERR_TLS_') || c.startsWith('ERR_SSL_'));
  if (tlsCode) {
    return new OperatorError('tls', `The TLS certificate of ${host} is not trusted (${tlsCode}).`, {
      hint:
        'If a proxy or firewall inspects TLS, export its root CA as PEM and set the profile\'s caBundlePath to it; otherwise check the system clock and the endpoint URL.',
      remedy: { action: 'check-network' },
      cause: e,
    });
  }
  const messages = chain.map((c) => (c instanceof Error ? c.message : '')).join(' | ');
  if (/Proxy response|proxy/i.test(messages) || codes.includes('UND_ERR_PRX_TLS')) {
    return new OperatorError('network', `The HTTP proxy refused or failed the connection to ${host}.`, {
      hint: 'Check HTTPS_PROXY / NO_PROXY and that the proxy allows CONNECT to this host.',
      remedy: { action: 'check-network' },
      cause: e,
    });
  }
  const code = codes.find((c) => c.startsWith('E') || c.startsWith('UND_ERR')) ?? 'network error';
  return new OperatorError('network', `Could not complete the request to ${host} (${code}).`, {
    hint: 'Check the network path (firewall, HTTPS_PROXY / NO_PROXY) and that the profile\'s cloud endpoints are reachable.',
    remedy: { action: 'check-network' },
    cause: e,
  });
}
