/**
 * What the sync needs from Microsoft Graph. The implementation (graph/create-session.ts)
 * goes through MSAL Node for tokens and the Microsoft Graph JS client for requests,
 * on the shared network layer (extra CA, HTTPS_PROXY/NO_PROXY).
 *
 * Rules every implementation keeps:
 * - only GET requests are sent to Graph (read-only guarantee);
 * - the bearer token is sent only to the profile's Graph origin; an @odata.nextLink
 *   to any other origin is refused with OperatorError('host-refused');
 * - 429/503/504 are retried with bounded attempts, honouring Retry-After;
 * - report downloads follow the 302 to the pre-authenticated URL WITHOUT Authorization;
 * - failures surface as OperatorError (permission-denied carries `permission`).
 */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Extra request headers (e.g. ConsistencyLevel). Authorization is never accepted here. */
  headers?: Record<string, string>;
  /** Permission that would make this call succeed, named in a permission-denied error (inferred from the path when absent). */
  permission?: string;
  /** Dataset label for error messages. */
  dataset?: string;
  /**
   * Pass the session's throttle gate before other requests, with slots kept free for it (the
   * chain of pages that sets a sync's pace; graph/throttle-gate.ts). Retry-After holds it as well.
   */
  priority?: boolean;
}

export interface GraphPage {
  value: unknown[];
  /** @odata.count when the service returned it. */
  count?: number;
}

import type { TokenInfo } from '../auth/token-provider';

export type { TokenInfo };

export interface GraphSession {
  /** e.g. https://graph.microsoft.com/v1.0 */
  readonly graphBaseUrl: string;
  /** Acquire (or reuse) a token and report what it grants. */
  tokenInfo(opts?: RequestOptions): Promise<TokenInfo>;
  /** GET a path relative to graphBaseUrl ("/users?$top=999") or an absolute Graph URL. */
  getJson(pathOrUrl: string, opts?: RequestOptions): Promise<unknown>;
  /** Iterate the pages of a collection, following @odata.nextLink on the Graph origin only. */
  pages(path: string, opts?: RequestOptions): AsyncIterable<GraphPage>;
  /**
   * A usage report: GET with auth, expect 302, then fetch the Location without
   * Authorization and stream the CSV rows (header row becomes the keys; BOM stripped).
   */
  reportRows(path: string, opts?: RequestOptions): AsyncIterable<Record<string, string>>;
  /**
   * Check that a usage report is readable without downloading it: the authenticated GET
   * only (302 to the download URL, or 200 where a cloud answers the CSV directly).
   * Failures throw like reportRows. Optional: permission checks (verify) use it.
   */
  probeReport?(path: string, opts?: RequestOptions): Promise<{ status: number }>;
  /** Release sockets. */
  close(): Promise<void>;
}
