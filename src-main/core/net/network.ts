import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { EnvHttpProxyAgent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { OperatorError } from '../errors/operator-error';

/**
 * The one network layer shared by MSAL (tokens) and the Graph session:
 * - trusts Node's root store plus extra CA certificates (an enterprise
 *   TLS-inspection CA, or the demo tenant's generated CA), both for direct
 *   connections and for TLS tunnelled through an HTTP proxy;
 * - honours HTTPS_PROXY / HTTP_PROXY / NO_PROXY (and lower-case variants),
 *   read from the given environment so callers and tests control them.
 */
export interface NetworkOptions {
  /** Extra CA certificates (PEM) to trust on top of Node's root store. */
  extraCaPem?: string[];
  /** A PEM file of extra CA certificates (profile.caBundlePath). */
  caBundlePath?: string;
  /** Environment to read proxy settings from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Connect timeout in ms (default 15 s). */
  connectTimeoutMs?: number;
}

export type Fetch = typeof undiciFetch;

export interface Network {
  readonly dispatcher: Dispatcher;
  /** undici fetch bound to the dispatcher. */
  readonly fetch: Fetch;
  /** Proxy settings in effect, for diagnostics (credentials in proxy URLs are masked). */
  readonly proxy: { https?: string; http?: string; noProxy?: string };
  close(): Promise<void>;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Splits and validates a PEM bundle; throws OperatorError('bad-input') when it holds no certificate. */
export function parsePemBundle(text: string, source: string): string[] {
  const certs = text.match(PEM_CERT) ?? [];
  if (certs.length === 0) {
    throw new OperatorError('bad-input', `The CA bundle ${source} contains no PEM certificate.`, {
      hint: 'caBundlePath must point at a PEM file with one or more "-----BEGIN CERTIFICATE-----" blocks (export the proxy\'s root CA as Base-64 encoded X.509).',
    });
  }
  for (const pem of certs) {
    try {
      new X509Certificate(pem);
    } catch (cause) {
      throw new OperatorError('bad-input', `The CA bundle ${source} contains a certificate that cannot be parsed.`, {
        hint: 'Re-export the CA certificate as Base-64 encoded X.509 (PEM).',
        cause,
      });
    }
  }
  return certs;
}

/** A file system failure in words: what is wrong with the path, not only its errno. */
export function fileProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied (the file exists but this user may not read it)';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'ENOTDIR':
      return 'a part of the path is not a folder';
    default:
      return code ?? (e instanceof Error ? e.message : 'unreadable');
  }
}

export function readCaBundle(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new OperatorError('bad-input', `The CA bundle file ${path} cannot be read: ${fileProblem(cause)}.`, {
      hint: 'Check the profile\'s CA bundle path: the file must exist and be readable by this user.',
      remedy: { action: 'edit-profile' },
      cause,
    });
  }
  return parsePemBundle(text, path);
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function maskProxy(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString();
  } catch {
    return '(invalid proxy URL)';
  }
}

/** Builds the network layer (reads caBundlePath synchronously, once). */
export function createNetwork(opts: NetworkOptions = {}): Network {
  const extra = (opts.extraCaPem ?? []).flatMap((p, i) => parsePemBundle(p, `extraCaPem[${i}]`));
  if (opts.caBundlePath) extra.push(...readCaBundle(opts.caBundlePath));
  const env = opts.env ?? process.env;
  // One secure context for every connection: handing undici the CA list instead would have Node
  // build a context, and load every root certificate into it, for each connection it opens. The
  // certificate checks are Node's defaults either way (chain to these CAs, host name).
  const secureContext = tls.createSecureContext({ ca: [...tls.rootCertificates, ...extra] });
  const tlsOptions = { secureContext, timeout: opts.connectTimeoutMs ?? 15_000 };
  const httpsProxy = envValue(env, 'https_proxy');
  const httpProxy = envValue(env, 'http_proxy');
  const noProxy = envValue(env, 'no_proxy');
  const dispatcher = new EnvHttpProxyAgent({
    // Explicit values (empty string = none) so process.env is never consulted behind the caller's back.
    httpProxy: httpProxy ?? '',
    httpsProxy: httpsProxy ?? '',
    noProxy: noProxy ?? '',
    connect: tlsOptions,
    requestTls: tlsOptions,
    proxyTls: tlsOptions,
    // Bounded waits: a stalled server must not hang a sync forever.
    headersTimeout: 60_000,
    bodyTimeout: 120_000,
  });
  const boundFetch: Fetch = (input, init) => undiciFetch(input, { ...init, dispatcher });
  return {
    dispatcher,
    fetch: boundFetch,
    proxy: { https: maskProxy(httpsProxy), http: maskProxy(httpProxy), noProxy },
    close: () => dispatcher.close(),
  };
}
