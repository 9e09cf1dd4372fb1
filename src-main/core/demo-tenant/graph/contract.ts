/**
 * Contract between the demo tenant's HTTPS server (server.ts, identity.ts) and its
 * Graph/report handlers (graph/*.ts, data/*.ts). The server authenticates the
 * bearer token, then hands the parsed request to `GraphApi.handle` with the
 * token's roles; it writes whatever the handler returns.
 */
import type { DirectoryUserView } from '../users';
import type { AppRegistrationDirectory } from './app-registrations';

export interface GraphRequest {
  method: string;
  /** Full request URL, e.g. https://127.0.0.1:4431/v1.0/users?$top=10 */
  url: URL;
  /** Application permissions carried by the validated token (empty for a user's token). */
  roles: ReadonlySet<string>;
  /** Who calls: an app (roles) or a signed-in user (scopes + directory roles). Absent means an app holding `roles`. */
  principal?: GraphPrincipal;
  /** Origin that absolute @odata.nextLink URLs must use (graph, or foreign when that fault is on). */
  linkOrigin: string;
  /** Origin of the download listener, for report redirects. */
  downloadOrigin: string;
  /** Request headers (names in any case; e.g. ConsistencyLevel for $count). Optional: absent means none. */
  headers?: Record<string, string>;
  /** Request body (UTF-8) of a POST or PATCH; absent for GET. */
  body?: string;
}

/** The caller a validated token describes. */
export type GraphPrincipal =
  | { kind: 'app'; roles: ReadonlySet<string> }
  | {
      kind: 'user';
      /** Delegated scopes (`scp`). */
      scopes: ReadonlySet<string>;
      /** Directory role display names (from `wids`). */
      directoryRoles: ReadonlySet<string>;
      objectId: string;
    };

export type HandlerResult =
  | { kind: 'json'; status: number; body: unknown; headers?: Record<string, string> }
  | { kind: 'redirect'; status: 302; location: string }
  /** A streamed CSV body: chunks are written in order with back-pressure. */
  | { kind: 'csv'; status: 200; chunks: Iterable<string>; filename: string };

export interface GraphApiOptions {
  seed: string;
  users: number;
  p1: boolean;
  concealNames: boolean;
  /** Tenant id (GUID) the data belongs to. */
  tenantId: string;
  domain: string;
}

export interface GraphApi {
  readonly tenantId: string;
  readonly domain: string;
  readonly userCount: number;
  /** Handle a request on the graph listener. */
  handle(req: GraphRequest): HandlerResult;
  /** Handle a request on the download listener (pre-authenticated URL, no bearer token). */
  handleDownload(url: URL): HandlerResult;
  /** The directory user at an index with its roles, for choosing sign-in users (optional). */
  directoryUser?(index: number): DirectoryUserView;
  /** Toggle the report privacy setting (concealed names) at run time. */
  setConcealNames(on: boolean): void;
  /** App registrations created at run time (graph/app-registrations.ts), which identity.ts issues tokens to. */
  readonly registrations?: AppRegistrationDirectory;
}

/**
 * Graph's error body shape: https://learn.microsoft.com/graph/errors. The server replaces
 * innerError's request-id and client-request-id with the response's own (server.ts).
 */
export function graphError(
  status: number,
  code: string,
  message: string,
  requestId = '00000000-0000-0000-0000-000000000000',
): HandlerResult {
  return {
    kind: 'json',
    status,
    body: {
      error: {
        code,
        message,
        innerError: { date: new Date().toISOString().slice(0, 19), 'request-id': requestId, 'client-request-id': requestId },
      },
    },
  };
}
