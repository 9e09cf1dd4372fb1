import type { DemoAppName, DemoPublicAppName, DemoUserName } from '../../shared/demo';
/**
 * Public surface of the demo tenant: a simulated Entra ID + Microsoft Graph v1.0
 * served over HTTPS on 127.0.0.1 with a CA generated at start.
 *
 * Four listeners, each its own origin (host:port), like the real service:
 * - login:    OpenID metadata + v2.0 token endpoint          (login.microsoftonline.com)
 * - graph:    /v1.0/...                                      (graph.microsoft.com)
 * - download: pre-authenticated report CSV downloads         (reports.office.com)
 * - foreign:  an unrelated host, used by tests that check a token never leaks there
 */

/** Faults the tenant injects on demand. All counters are per listener request. */
export interface FaultPlan {
  /** Added delay before every graph/download response, in ms. */
  latencyMs?: number;
  /**
   * Every Nth graph request answers `status` (429/503/504) with Retry-After: `retryAfterSeconds`,
   * whole or fractional (Microsoft's throttling guidance shows `2.128`; default 1). With
   * `limitPercentage` (0.8-1.8) every successful graph response also carries
   * x-ms-throttle-limit-percentage, as Graph does once an app uses more than 0.8 of its limit.
   */
  throttle?: { everyNth: number; status: 429 | 503 | 504; retryAfterSeconds?: number; limitPercentage?: number };
  /** Every Nth graph request has its socket destroyed before any response. */
  resetEveryNth?: number;
  /** Every Nth graph JSON response is cut off halfway (Content-Length kept). */
  truncateEveryNth?: number;
  /** Lifetime of issued access tokens, in seconds (default 3600). Short values make tokens expire mid-sync. */
  tokenLifetimeSeconds?: number;
  /**
   * Requests whose path (without query) matches answer `status` with a Graph error, `times` times (default: always),
   * after letting the first `skip` matching requests through (default 0: a storm mid-paging skips the first pages).
   * With `retryAfterSeconds` (whole or fractional) the error carries Retry-After, as a 429/503 from Graph does.
   */
  failPath?: { pattern: RegExp; status: number; times?: number; skip?: number; retryAfterSeconds?: number };
  /** Every Nth graph JSON response (200 included) has a body that is not valid JSON, Content-Length kept consistent. */
  invalidJsonEveryNth?: number;
  /**
   * Report downloads whose file name matches `file` (default: every report) carry one malformed line after data
   * row `row` (1-based): 'short' has a single field, 'quote' a stray quote inside an unquoted field.
   */
  malformedReportRow?: { row: number; file?: RegExp; kind?: 'short' | 'quote' };
  /**
   * After a report's 302, the download answers `status` (404: the file is gone; 403: the link is refused)
   * instead of the CSV, `times` times (default: always).
   */
  downloadFail?: { status: 403 | 404; times?: number };
  /**
   * An access token used for more than this many graph requests is refused with 401 "the token is expired",
   * as a token whose lifetime ends mid-sync is; a newly acquired token starts a new count.
   */
  expireTokenAfterUses?: number;
  /** /users nextLinks point at the foreign listener instead of graph. */
  foreignNextLink?: boolean;
  /** Every Nth download-listener request answers `status` (429/503/504) with Retry-After, before any CSV. */
  downloadThrottle?: { everyNth: number; status: 429 | 503 | 504; retryAfterSeconds?: number };
}

export interface RequestLogEntry {
  listener: 'login' | 'graph' | 'download' | 'foreign';
  method: string;
  /** Path and query as received, with credentials replaced by [redacted] (a download link's token, ?code=, ...). */
  path: string;
  /** Whether an Authorization header was present (its value is never kept). */
  hadAuthorization: boolean;
  status: number;
}

export type { DemoAppName } from '../../shared/demo';

export interface DemoApp {
  name: DemoAppName;
  clientId: string;
  /** Current client secret (absent for expired-secret's usable secret). */
  secret: string;
  /** PEM of the certificate registered for the app (client_assertion). */
  certificatePem: string;
  /** PEM (PKCS#8) of that certificate's private key. */
  privateKeyPem: string;
  /** Hex SHA-256 thumbprint of the certificate (x5t#S256, hex for MSAL). */
  thumbprintSha256: string;
  /** Hex SHA-1 thumbprint (x5t). */
  thumbprintSha1: string;
  /** Application permissions granted with admin consent. */
  roles: string[];
  /** Registered web redirect URIs (the admin-consent endpoint's redirect_uri must match one). */
  redirectUris?: string[];
}

export type { DemoPublicAppName } from '../../shared/demo';

export interface DemoPublicApp {
  name: DemoPublicAppName;
  clientId: string;
  /** Registered redirect URIs (loopback: any port is accepted, RFC 8252 §7.3; the path must match). */
  redirectUris: string[];
  /** Delegated scopes granted with admin consent (bare names, e.g. User.Read.All). */
  delegatedScopes: string[];
}

/** MFA for a sign-in user: not required, required (a method is registered), or required but not registered yet. */
export type DemoMfaRequirement = boolean | 'register';

export type { DemoUserName } from '../../shared/demo';

export interface DemoSignInUser {
  upn: string;
  /** Random at every start. */
  password: string;
  /** Directory role display names. */
  roles: string[];
  /** MFA required at start (setUserMfa changes it at run time). */
  mfa: boolean;
  /** Object id; the same as the /users entry when the user is one of the synthetic users. */
  objectId: string;
}

export interface DemoTenantOptions {
  /** Number of users (default 500). Scales to 1,000,000 without holding users in memory. */
  users?: number;
  /** Seed for deterministic data (default "demo"). */
  seed?: string;
  /** Tenant holds Entra ID P1 (default true). Without it signInActivity answers 403. */
  p1?: boolean;
  /** Report privacy setting: concealed names on (default false). */
  concealNames?: boolean;
  faults?: FaultPlan;
  /** Keep at most this many request log entries (default 10,000). */
  requestLogLimit?: number;
  /** Polling interval the device code endpoint announces, in seconds (default 5, as Entra ID). */
  deviceCodeIntervalSeconds?: number;
}

export interface DemoTenant {
  readonly tenantId: string;
  /** Verified domain, e.g. contoso-demo.onmicrosoft.com */
  readonly domain: string;
  /** https://127.0.0.1:<port> (no trailing slash) */
  readonly loginUrl: string;
  /** https://127.0.0.1:<port> (no trailing slash, no version) */
  readonly graphUrl: string;
  readonly downloadUrl: string;
  readonly foreignUrl: string;
  /** PEM of the CA that signed every listener's certificate. */
  readonly caPem: string;
  readonly apps: Readonly<Record<DemoAppName, DemoApp>>;
  readonly userCount: number;
  /** Public clients for delegated sign-in (authorization code + PKCE, device code). */
  readonly publicApps: Readonly<Record<DemoPublicAppName, DemoPublicApp>>;
  /** Accounts for the sign-in page, with passwords (random per start). */
  readonly signInUsers: Readonly<Record<DemoUserName, DemoSignInUser>>;
  /**
   * Require (or stop requiring) MFA for a user, as a Conditional Access policy change
   * would: new sign-ins get the MFA step, and refresh tokens from sessions without MFA
   * are refused with AADSTS50076. 'register': MFA is required but the user has no
   * method registered yet (a registration policy or security defaults): refresh tokens
   * from sessions without MFA are refused with AADSTS50079, and a new sign-in ends in
   * interaction_required AADSTS50079 after the password (the demo tenant does not
   * simulate the registration pages).
   */
  setUserMfa(user: DemoUserName, required: DemoMfaRequirement): void;
  /** Replace the fault plan at run time. */
  setFaults(plan: FaultPlan): void;
  /** Upload a certificate (PEM) to an app registration at run time, as an operator would in the portal. */
  registerCertificate(app: DemoAppName, certificatePem: string): void;
  /** Recent requests, oldest first: listener, method, path and status only (never a header value or a body). */
  requestLog(): readonly RequestLogEntry[];
  clearRequestLog(): void;
  close(): Promise<void>;
}
