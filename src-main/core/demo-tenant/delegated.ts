/**
 * Delegated sign-in of the demo tenant, in the shapes of the Microsoft identity
 * platform v2.0 endpoints:
 * - authorization code flow with PKCE for public clients
 *   (learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow; RFC 7636, RFC 8252):
 *   GET /{tenant}/oauth2/v2.0/authorize renders a sign-in page, POST /{tenant}/login checks
 *   the password, POST /{tenant}/mfa the MFA code the page showed, then a 302 (query) or
 *   a form_post page hands `code` and `state` to the loopback redirect URI;
 * - token grants authorization_code (PKCE S256, single-use 10-minute codes), refresh_token
 *   (rotation: every refresh returns a new refresh token and retires the old one) and
 *   device_code (v2-oauth2-device-code; the user enters the code at /common/oauth2/deviceauth);
 * - id_token and client_info, which MSAL needs to build the account;
 * - tenant-wide admin consent (v2-admin-consent): GET /{tenant}/v2.0/adminconsent shows the
 *   sign-in page, lets a Global or Privileged Role Administrator consent for a registered app
 *   (confidential: its app roles; public: the delegated read scopes) and redirects to the
 *   registered redirect URI with admin_consent=True, or with access_denied (AADSTS90094) for
 *   anyone else.
 *
 * MFA required (AADSTS50076) comes from a policy change: setUserMfa(user, true) makes the
 * user's next sign-in show the MFA step and refuses refresh tokens of sessions that did
 * not do MFA, as Conditional Access does after an administrator requires MFA.
 * setUserMfa(user, 'register') requires MFA of a user with no method registered
 * (AADSTS50079): refresh tokens of sessions without MFA are refused with invalid_grant
 * 50079, and a sign-in ends after the password with interaction_required 50079 where
 * Entra ID would interrupt with its registration pages (not simulated here).
 *
 * State (sessions, codes, refresh tokens, device codes) lives in memory and is pruned
 * as it expires. Refresh tokens are kept by their SHA-256 only.
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import {
  deviceCodePage,
  deviceConfirmPage,
  errorPage,
  formPostPage,
  messagePage,
  mfaPage,
  signInPage,
  type Page,
  type PageError,
} from './authorize-page';
import { sts, GUID_RE, StsError, stsErrorParts } from './sts-error';
import { templateIdsForRoles, type SignInAccount } from './users';
import type { LoginRequest, LoginResponse, TokenForm } from './identity';
import type { DemoMfaRequirement, DemoPublicApp, DemoUserName } from './types';

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;
const CODE_TTL_MS = 10 * 60_000;
const SESSION_TTL_MS = 15 * 60_000;
const DEVICE_CODE_TTL_S = 900;
/** Entra ID's refresh tokens live 90 days (inactive). */
const REFRESH_TTL_MS = 90 * 86_400_000;
const MAX_ENTRIES = 10_000;
const MAX_MFA_ATTEMPTS = 5;
const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

// ---------------------------------------------------------------------------
// Pure helpers (exported for unit tests)

/** Path of a redirect URI for matching: no path and `/` are the same (Entra ID returns both as `/`). */
function redirectPath(u: URL): string {
  return u.pathname === '' ? '/' : u.pathname;
}

/**
 * Whether `given` is a loopback redirect URI covered by a registered `http://localhost[/path]`:
 * RFC 8252 §7.3 lets the port vary, and Entra ID ignores the port of a localhost redirect
 * URI but matches its path (learn.microsoft.com/entra/identity-platform/reply-url,
 * "Localhost exceptions"); it also accepts 127.0.0.1 for a registered localhost. Any other
 * scheme, host, userinfo, a query or a fragment is refused.
 */
export function loopbackRedirectMatches(given: string, registered: readonly string[]): boolean {
  if (given.length > 2048 || /[\s\\]/.test(given)) return false;
  let u: URL;
  try {
    u = new URL(given);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' || u.username !== '' || u.password !== '' || u.hash !== '' || given.includes('#')) return false;
  if (u.hostname !== 'localhost' && u.hostname !== '127.0.0.1') return false;
  // The URL parser normalises; the raw text must name the same host (no tricks like "localhost.").
  const rawHost = /^http:\/\/([^/?#]+)/i.exec(given)?.[1]?.toLowerCase() ?? '';
  if (rawHost.replace(/:\d+$/, '') !== u.hostname) return false;
  if (u.search !== '') return false;
  return registered.some((r) => {
    const reg = new URL(r);
    return reg.protocol === 'http:' && reg.hostname === 'localhost' && redirectPath(reg) === redirectPath(u);
  });
}

/** A redirect URI of a registration: loopback rules for localhost, an exact match otherwise. */
export function redirectUriMatches(given: string, registered: readonly string[]): boolean {
  if (loopbackRedirectMatches(given, registered)) return true;
  return registered.some((r) => !/^http:\/\/localhost([:/]|$)/i.test(r) && r === given);
}

/** base64url(SHA-256(verifier)) = challenge (RFC 7636 §4.6), in constant time. */
export function pkceS256Matches(verifier: string, challenge: string): boolean {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

export type ParsedScopes =
  | { ok: true; oidc: string[]; graph: string[]; defaultScope: boolean }
  | { ok: false; kind: 'invalid'; scope: string }
  | { ok: false; kind: 'unknown-resource'; resource: string };

const SCOPE_NAME_RE = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)*$/;

/**
 * Parses a delegated `scope` parameter. Graph scopes may be bare (`User.Read.All`),
 * qualified with the Graph origin or Graph's app id, or `/.default`; a scope of another
 * resource names a resource principal the tenant does not have (AADSTS500011).
 */
export function parseDelegatedScopes(raw: string, graphOrigin: string): ParsedScopes {
  const oidc: string[] = [];
  const graph: string[] = [];
  let defaultScope = false;
  // "<graph>//.default" (Graph's identifier with its trailing slash, as az derives it) first: the longest prefix wins.
  const graphPrefixes = [`${graphOrigin.toLowerCase()}//`, `${graphOrigin.toLowerCase()}/`, `${GRAPH_APP_ID}/`];
  for (const s of raw.trim().split(/\s+/).filter(Boolean)) {
    const lower = s.toLowerCase();
    if ((OIDC_SCOPES as readonly string[]).includes(lower)) {
      if (!oidc.includes(lower)) oidc.push(lower);
      continue;
    }
    const prefix = graphPrefixes.find((p) => lower.startsWith(p));
    const name = prefix ? s.slice(prefix.length) : s;
    if (prefix && name === '.default') {
      defaultScope = true;
      continue;
    }
    if (!prefix && s.includes('/')) {
      const resource = s.slice(0, s.lastIndexOf('/'));
      if (/^(https?:\/\/|api:\/\/)[^\s/]+/i.test(resource) || GUID_RE.test(resource)) return { ok: false, kind: 'unknown-resource', resource };
      return { ok: false, kind: 'invalid', scope: s };
    }
    if (!SCOPE_NAME_RE.test(name) || name.length > 100) return { ok: false, kind: 'invalid', scope: s };
    if (!graph.includes(name)) graph.push(name);
  }
  if (defaultScope && graph.length > 0) return { ok: false, kind: 'invalid', scope: `${graphOrigin}/.default` };
  return { ok: true, oidc, graph, defaultScope };
}

// ---------------------------------------------------------------------------

export interface PublicRegistration extends DemoPublicApp {
  displayName: string;
}

export interface DelegatedContext {
  tenantId: string;
  domain: string;
  loginOrigin: string;
  graphOrigin: string;
  /** Issuer of access tokens (https://sts.windows.net/<tid>/). */
  accessTokenIssuer: string;
  now: () => number;
  tokenLifetimeSeconds: () => number;
  deviceCodeIntervalSeconds: number;
  publicApps: ReadonlyMap<string, PublicRegistration>;
  /** Whether a client id belongs to a confidential (app-only) registration. */
  isConfidentialClient: (clientId: string) => boolean;
  users: Readonly<Record<DemoUserName, SignInAccount>>;
  /** The registration the admin-consent endpoint consents for (confidential or public), by client id. */
  consentTarget: (clientId: string) => ConsentTarget | undefined;
  sign: (claims: Record<string, unknown>, o: { audience: string; issuer: string; lifetimeSeconds: number }) => Promise<string>;
}

/** What the admin-consent endpoint may consent for. */
export interface ConsentTarget {
  clientId: string;
  displayName: string;
  /** Registered redirect URIs (web for confidential apps, public client for public ones). */
  redirectUris: readonly string[];
  /** Application permissions (app roles) need a Global or Privileged Role Administrator. */
  permissionType: 'application' | 'delegated';
  /** Records tenant-wide admin consent. */
  grant(): void;
}

/**
 * Roles that may grant tenant-wide admin consent (learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent):
 * Microsoft Graph app roles need a Privileged Role Administrator (or Global Administrator);
 * delegated permissions also a Cloud Application Administrator or Application Administrator.
 */
export const CONSENT_ROLES: Readonly<Record<ConsentTarget['permissionType'], readonly string[]>> = {
  application: ['Global Administrator', 'Privileged Role Administrator'],
  delegated: ['Global Administrator', 'Privileged Role Administrator', 'Cloud Application Administrator', 'Application Administrator'],
};

export interface DelegatedRoute {
  method: string;
  pattern: RegExp;
  tenant: boolean;
  run(req: LoginRequest, segment: string, kind: 'tenant' | 'multi'): Promise<LoginResponse> | LoginResponse;
}

export type DelegatedGrant = (form: TokenForm, segment: string, kind: 'tenant' | 'multi') => Promise<LoginResponse>;

export interface DelegatedFlows {
  routes: DelegatedRoute[];
  grants: Record<string, DelegatedGrant>;
  setUserMfa(user: DemoUserName, required: DemoMfaRequirement): void;
}

/** What a completed sign-in grants: the base of codes, refresh tokens and device codes. */
interface GrantBase {
  app: PublicRegistration;
  user: SignInAccount;
  /** Granted Graph scopes (bare names). */
  scopes: string[];
  oidc: string[];
  mfa: boolean;
  authTime: number;
  sid: string;
  nonce?: string;
}

interface AuthorizeParams {
  redirectUri: string;
  state?: string;
  challenge: string;
  nonce?: string;
  responseMode: 'query' | 'form_post';
  clientInfo: boolean;
}

interface AdminConsentParams {
  target: ConsentTarget;
  redirectUri: string;
  scope: string;
  state?: string;
}

interface Session {
  id: string;
  flow: 'authorize' | 'device' | 'adminconsent';
  expiresAt: number;
  /** The app the page names. */
  app: { clientId: string; displayName: string };
  /** The public client that receives tokens (authorize and device flows). */
  publicApp?: PublicRegistration;
  adminConsent?: AdminConsentParams;
  parsed: { oidc: string[]; graph: string[]; defaultScope: boolean };
  authorize?: AuthorizeParams;
  deviceCode?: string;
  loginHint?: string;
  user?: SignInAccount;
  mfaCode?: string;
  mfaAttempts: number;
  mfaDone: boolean;
  grant?: GrantBase;
}

interface CodeGrant extends GrantBase {
  redirectUri: string;
  challenge: string;
  expiresAt: number;
  redeemed: boolean;
}

interface RefreshGrant extends GrantBase {
  expiresAt: number;
  retired: boolean;
}

interface DeviceGrant {
  app: PublicRegistration;
  parsed: { oidc: string[]; graph: string[]; defaultScope: boolean };
  userCode: string;
  expiresAt: number;
  status: 'pending' | 'approved' | 'declined' | 'failed' | 'redeemed';
  failure?: StsError;
  grant?: GrantBase;
}

const authorizeQuerySchema = z.object({
  client_id: z.string().max(100).optional(),
  response_type: z.string().max(100).optional(),
  redirect_uri: z.string().max(2048).optional(),
  scope: z.string().max(4096).optional(),
  state: z.string().max(4096).optional(),
  code_challenge: z.string().max(256).optional(),
  code_challenge_method: z.string().max(20).optional(),
  response_mode: z.string().max(20).optional(),
  prompt: z.enum(['login', 'none', 'consent', 'select_account', 'create']).optional(),
  login_hint: z.string().max(256).optional(),
  nonce: z.string().max(512).optional(),
  client_info: z.string().max(10).optional(),
});

const formText = z.string().max(4096).optional();
const loginFormSchema = z.object({ session: z.string().max(128), username: formText, password: formText });
const mfaFormSchema = z.object({ session: z.string().max(128), otc: formText });
const deviceEntrySchema = z.object({ otc: formText });
const adminConsentQuerySchema = z.object({
  client_id: z.string().max(100).optional(),
  redirect_uri: z.string().max(2048).optional(),
  scope: z.string().max(4096).optional(),
  state: z.string().max(4096).optional(),
});
const deviceConfirmSchema = z.object({ session: z.string().max(128), decision: z.enum(['continue', 'cancel']) });

function firstValues(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of params) if (!(k in out)) out[k] = v;
  return out;
}

function isForm(req: LoginRequest): boolean {
  return (req.contentType ?? '').split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

function hashToken(t: string): string {
  return createHash('sha256').update(t).digest('hex');
}

function prune<V extends { expiresAt: number }>(m: Map<string, V>, now: number, graceMs = 0): void {
  for (const [k, v] of m) if (v.expiresAt + graceMs < now) m.delete(k);
  while (m.size > MAX_ENTRIES) {
    const first = m.keys().next();
    if (first.done) break;
    m.delete(first.value);
  }
}

function page(p: Page, status = 200): LoginResponse {
  return { status, body: null, html: p.html, csp: p.csp };
}

export function createDelegatedFlows(ctx: DelegatedContext): DelegatedFlows {
  const sessions = new Map<string, Session>();
  const codes = new Map<string, CodeGrant>();
  const refreshTokens = new Map<string, RefreshGrant>();
  const devices = new Map<string, DeviceGrant>();
  const userCodes = new Map<string, string>();
  const mfaRequired = new Map<DemoUserName, DemoMfaRequirement>(Object.values(ctx.users).map((u) => [u.name, u.mfa]));
  const tenantName = ctx.domain;

  function housekeeping(): void {
    const now = ctx.now();
    prune(sessions, now);
    prune(codes, now, CODE_TTL_MS);
    prune(refreshTokens, now);
    prune(devices, now, 60_000);
    for (const [uc, dc] of userCodes) if (!devices.has(dc)) userCodes.delete(uc);
  }

  function errorHtml(e: StsError, status = 400): LoginResponse {
    const p = stsErrorParts(e, undefined, new Date(ctx.now()));
    return page(errorPage({ code: e.code, message: e.description, correlationId: p.correlationId, timestamp: p.timestamp }), status);
  }

  function pageError(e: StsError): PageError {
    return { code: e.code, message: e.description };
  }

  /** Sends an OAuth response (success or error) to the redirect URI in the requested response mode. */
  function respond(a: AuthorizeParams, fields: Record<string, string>): LoginResponse {
    const all = { ...fields, ...(a.state !== undefined ? { state: a.state } : {}) };
    if (a.responseMode === 'form_post') return page(formPostPage(a.redirectUri, all));
    const u = new URL(a.redirectUri);
    for (const [k, v] of Object.entries(all)) u.searchParams.set(k, v);
    return { status: 302, body: null, location: u.toString() };
  }

  function redirectError(a: AuthorizeParams, e: StsError): LoginResponse {
    const p = stsErrorParts(e, undefined, new Date(ctx.now()));
    // On a redirect, consent and MFA problems use the OIDC error names (the token endpoint says invalid_grant).
    const error = e.code === 65001 ? 'consent_required' : e.code === 50076 || e.code === 50079 ? 'interaction_required' : e.error;
    return respond(a, { error, error_description: p.description, error_uri: `${ctx.loginOrigin}/error?code=${e.code}` });
  }

  function clientInfo(user: SignInAccount): string {
    const utid = user.outsider ? '00000000-0000-0000-0000-000000000000' : ctx.tenantId;
    return Buffer.from(JSON.stringify({ uid: user.objectId, utid })).toString('base64url');
  }

  function findApp(clientId: string | undefined): PublicRegistration | StsError {
    const id = clientId?.trim();
    if (!id) return sts.missingParameter('client_id');
    if (!GUID_RE.test(id)) return sts.invalidClientId();
    const app = ctx.publicApps.get(id.toLowerCase());
    if (app) return app;
    if (ctx.isConfidentialClient(id)) return sts.confidentialClient();
    return sts.appNotFound(id, ctx.tenantId);
  }

  function scopesOrError(raw: string | undefined): ParsedScopes | StsError {
    if (raw === undefined || raw.trim() === '') return sts.missingParameter('scope');
    const p = parseDelegatedScopes(raw, ctx.graphOrigin);
    if (!p.ok) return p.kind === 'invalid' ? sts.invalidScope(p.scope) : sts.resourceNotFound(p.resource, tenantName);
    return p;
  }

  /** The Graph scopes granted for a request: the admin-consented ones it asks for (all of them for /.default). */
  function grantedScopes(app: PublicRegistration, parsed: { graph: string[]; defaultScope: boolean }): string[] | StsError {
    if (app.delegatedScopes.length === 0) return sts.consentRequired(app.clientId, app.displayName);
    if (parsed.defaultScope || parsed.graph.length === 0) return [...app.delegatedScopes];
    const granted = app.delegatedScopes.filter((s) => parsed.graph.some((g) => g.toLowerCase() === s.toLowerCase()));
    if (granted.length === 0) return sts.consentRequired(app.clientId, app.displayName);
    return granted;
  }

  function requestedList(parsed: { oidc: string[]; graph: string[]; defaultScope: boolean }): string[] {
    return [...(parsed.defaultScope ? ['.default'] : parsed.graph), ...parsed.oidc];
  }

  function newSession(s: Omit<Session, 'id' | 'expiresAt' | 'mfaAttempts' | 'mfaDone'>): Session {
    housekeeping();
    const session: Session = { ...s, id: randomBytes(24).toString('base64url'), expiresAt: ctx.now() + SESSION_TTL_MS, mfaAttempts: 0, mfaDone: false };
    sessions.set(session.id, session);
    return session;
  }

  function liveSession(id: string): Session | undefined {
    const s = sessions.get(id);
    if (!s || s.expiresAt < ctx.now()) return undefined;
    return s;
  }

  function signInPageFor(s: Session, segment: string, error?: StsError, username?: string): LoginResponse {
    return page(
      signInPage({
        action: `/${segment}/login`,
        session: s.id,
        appName: s.app.displayName,
        scopes: requestedList(s.parsed),
        ...(username ?? s.loginHint ? { loginHint: username ?? s.loginHint } : {}),
        ...(error ? { error: pageError(error) } : {}),
        ...redirectTarget(s),
      }),
    );
  }

  /** The redirect URI a page's form POST may end in with a 302 (its origin goes into form-action). */
  function redirectTarget(s: Session): { redirectUri?: string } {
    if (s.adminConsent) return { redirectUri: s.adminConsent.redirectUri };
    if (s.authorize && s.authorize.responseMode === 'query') return { redirectUri: s.authorize.redirectUri };
    return {};
  }

  /** Ends a sign-in with an error: a redirect for the authorize flow, a failed device code otherwise. */
  function fail(s: Session, e: StsError): LoginResponse {
    sessions.delete(s.id);
    if (s.flow === 'authorize' && s.authorize) return redirectError(s.authorize, e);
    if (s.flow === 'adminconsent' && s.adminConsent) return adminConsentRefused(s.adminConsent, e);
    const d = s.deviceCode ? devices.get(s.deviceCode) : undefined;
    if (d && d.status === 'pending') {
      d.status = 'failed';
      d.failure = e;
    }
    return errorHtml(e);
  }

  /** After password (and MFA): check consent, then hand out the code or ask to confirm the device. */
  function complete(s: Session): LoginResponse {
    const user = s.user;
    if (!user) return errorHtml(sts.sessionExpired());
    if (s.flow === 'adminconsent') return completeAdminConsent(s, user);
    const app = s.publicApp;
    if (!app) return errorHtml(sts.sessionExpired());
    const granted = grantedScopes(app, s.parsed);
    if (granted instanceof StsError) return fail(s, granted);
    const grant: GrantBase = {
      app,
      user,
      scopes: granted,
      oidc: s.parsed.oidc,
      mfa: s.mfaDone,
      authTime: Math.floor(ctx.now() / 1000),
      sid: randomBytes(16).toString('hex'),
      ...(s.authorize?.nonce !== undefined ? { nonce: s.authorize.nonce } : {}),
    };
    if (s.flow === 'device') {
      s.grant = grant;
      return page(deviceConfirmPage({ action: '/common/oauth2/deviceauth/confirm', session: s.id, appName: s.app.displayName, upn: user.upn }));
    }
    const a = s.authorize;
    if (!a) return errorHtml(sts.sessionExpired());
    sessions.delete(s.id);
    const code = `1.${randomBytes(64).toString('base64url')}`;
    codes.set(code, { ...grant, redirectUri: a.redirectUri, challenge: a.challenge, expiresAt: ctx.now() + CODE_TTL_MS, redeemed: false });
    return respond(a, { code, ...(a.clientInfo ? { client_info: clientInfo(user) } : {}) });
  }

  // -------------------------------------------------------------------------
  // Pages

  function authorize(req: LoginRequest, segment: string, kind: 'tenant' | 'multi'): LoginResponse {
    const parsedQuery = authorizeQuerySchema.safeParse(firstValues(req.url.searchParams));
    if (!parsedQuery.success) {
      const issue = parsedQuery.error.issues[0];
      return errorHtml(sts.invalidParameter(String(issue?.path[0] ?? 'query'), 'The value is not valid.'));
    }
    const q = parsedQuery.data;
    const app = findApp(q.client_id);
    if (app instanceof StsError) return errorHtml(app);
    if (kind === 'multi') {
      return errorHtml(
        new StsError(400, 'invalid_request', 50194, `Application '${app.clientId}'(${app.displayName}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`),
      );
    }
    if (q.redirect_uri === undefined) return errorHtml(sts.missingParameter('redirect_uri'));
    if (!redirectUriMatches(q.redirect_uri, app.redirectUris)) return errorHtml(sts.redirectMismatch(q.redirect_uri, app.clientId));
    const mode = q.response_mode ?? 'query';
    const a: AuthorizeParams = {
      redirectUri: q.redirect_uri,
      ...(q.state !== undefined ? { state: q.state } : {}),
      challenge: q.code_challenge ?? '',
      ...(q.nonce !== undefined ? { nonce: q.nonce } : {}),
      responseMode: mode === 'form_post' ? 'form_post' : 'query',
      clientInfo: q.client_info === '1',
    };
    if (mode !== 'query' && mode !== 'form_post') return redirectError(a, sts.responseMode(mode));
    if (q.response_type === undefined) return redirectError(a, sts.missingParameter('response_type'));
    if (q.response_type !== 'code') return redirectError(a, sts.unsupportedResponseType(q.response_type));
    const scopes = scopesOrError(q.scope);
    if (scopes instanceof StsError) return redirectError(a, scopes);
    if (!scopes.ok) return redirectError(a, sts.invalidScope(q.scope ?? ''));
    if (q.code_challenge === undefined) return redirectError(a, sts.pkceRequired());
    const method = q.code_challenge_method ?? 'plain';
    if (method !== 'S256') return redirectError(a, sts.pkceMethod(method));
    if (!/^[A-Za-z0-9_-]{43}$/.test(q.code_challenge)) return redirectError(a, sts.pkceChallengeSize());
    // No browser session is kept: a silent request always needs a sign-in.
    if (q.prompt === 'none') return redirectError(a, sts.loginRequired());
    const s = newSession({
      flow: 'authorize',
      app,
      publicApp: app,
      parsed: { oidc: scopes.oidc, graph: scopes.graph, defaultScope: scopes.defaultScope },
      authorize: a,
      ...(q.login_hint !== undefined ? { loginHint: q.login_hint } : {}),
    });
    return signInPageFor(s, segment);
  }

  function login(req: LoginRequest, segment: string): LoginResponse {
    if (req.method !== 'POST' || !isForm(req)) return errorHtml(sts.sessionExpired());
    const f = loginFormSchema.safeParse(firstValues(new URLSearchParams(req.body)));
    if (!f.success) return errorHtml(sts.sessionExpired());
    const s = liveSession(f.data.session);
    if (!s) return errorHtml(sts.sessionExpired());
    const username = (f.data.username ?? '').trim();
    const password = f.data.password ?? '';
    if (username === '') return signInPageFor(s, segment, sts.missingParameter('username'));
    const user = Object.values(ctx.users).find((u) => u.upn.toLowerCase() === username.toLowerCase());
    if (!user) {
      const domain = username.split('@')[1]?.toLowerCase();
      if (domain && domain !== ctx.domain) {
        return fail(s, sts.userFromOtherTenant(username, `https://sts.windows.net/${'0'.repeat(8)}-0000-0000-0000-000000000000/`, tenantName, s.app.clientId, s.app.displayName));
      }
      return signInPageFor(s, segment, sts.noSuchUser(username, tenantName), username);
    }
    const a = Buffer.from(createHash('sha256').update(password).digest());
    const b = Buffer.from(createHash('sha256').update(user.password).digest());
    if (!timingSafeEqual(a, b)) return signInPageFor(s, segment, sts.badPassword(), username);
    if (user.outsider) {
      const otherTenant = `https://sts.windows.net/${createHash('sha256').update(user.upn).digest('hex').slice(0, 8)}-0000-4000-8000-000000000000/`;
      return fail(s, sts.userFromOtherTenant(user.upn, otherTenant, tenantName, s.app.clientId, s.app.displayName));
    }
    if (user.blocked) return fail(s, sts.conditionalAccess());
    s.user = user;
    const mfaNeed = mfaRequired.get(user.name);
    if (mfaNeed === 'register') return fail(s, sts.mfaRegistrationRequired(GRAPH_APP_ID));
    if (mfaNeed) {
      s.mfaCode = String(randomInt(0, 1_000_000)).padStart(6, '0');
      return page(mfaPage({ action: `/${segment}/mfa`, session: s.id, upn: user.upn, code: s.mfaCode, ...redirectTarget(s) }));
    }
    return complete(s);
  }

  function mfa(req: LoginRequest, segment: string): LoginResponse {
    if (!isForm(req)) return errorHtml(sts.sessionExpired());
    const f = mfaFormSchema.safeParse(firstValues(new URLSearchParams(req.body)));
    if (!f.success) return errorHtml(sts.sessionExpired());
    const s = liveSession(f.data.session);
    if (!s || !s.user || s.mfaCode === undefined) return errorHtml(sts.sessionExpired());
    const given = (f.data.otc ?? '').trim();
    if (given !== s.mfaCode) {
      s.mfaAttempts++;
      if (s.mfaAttempts >= MAX_MFA_ATTEMPTS) return fail(s, new StsError(400, 'access_denied', 500121, 'Authentication failed during strong authentication request.'));
      return page(mfaPage({ action: `/${segment}/mfa`, session: s.id, upn: s.user.upn, code: s.mfaCode, error: pageError(sts.badMfaCode()), ...redirectTarget(s) }));
    }
    s.mfaDone = true;
    s.mfaCode = undefined;
    return complete(s);
  }

  function deviceEntry(req: LoginRequest): LoginResponse {
    const action = '/common/oauth2/deviceauth';
    if (req.method === 'GET') return page(deviceCodePage({ action }));
    if (!isForm(req)) return page(deviceCodePage({ action, error: pageError(sts.badUserCode()) }));
    const f = deviceEntrySchema.safeParse(firstValues(new URLSearchParams(req.body)));
    const code = f.success ? (f.data.otc ?? '').trim().toUpperCase() : '';
    const dc = userCodes.get(code);
    const d = dc ? devices.get(dc) : undefined;
    if (!dc || !d || d.status !== 'pending') return page(deviceCodePage({ action, error: pageError(sts.badUserCode()) }));
    if (d.expiresAt < ctx.now()) return page(deviceCodePage({ action, error: pageError(sts.deviceCodeExpired()) }));
    const s = newSession({ flow: 'device', app: d.app, publicApp: d.app, parsed: d.parsed, deviceCode: dc });
    return signInPageFor(s, ctx.tenantId);
  }

  function deviceConfirm(req: LoginRequest): LoginResponse {
    if (!isForm(req)) return errorHtml(sts.sessionExpired());
    const f = deviceConfirmSchema.safeParse(firstValues(new URLSearchParams(req.body)));
    if (!f.success) return errorHtml(sts.sessionExpired());
    const s = liveSession(f.data.session);
    const d = s?.deviceCode ? devices.get(s.deviceCode) : undefined;
    if (!s || !s.grant || !d || d.status !== 'pending') return errorHtml(sts.sessionExpired());
    sessions.delete(s.id);
    if (f.data.decision === 'cancel') {
      d.status = 'declined';
      return page(messagePage('Sign-in cancelled', `You did not sign in to ${d.app.displayName} on your device.`));
    }
    d.status = 'approved';
    d.grant = s.grant;
    return page(messagePage(d.app.displayName, `You have signed in to the ${d.app.displayName} application on your device. You may now close this window.`));
  }

  // -------------------------------------------------------------------------
  // Admin consent (learn.microsoft.com/entra/identity-platform/v2-admin-consent)

  function adminConsentRedirect(a: AdminConsentParams, fields: Record<string, string>): LoginResponse {
    const u = new URL(a.redirectUri);
    for (const [k, v] of Object.entries({ ...fields, ...(a.state !== undefined ? { state: a.state } : {}) })) u.searchParams.set(k, v);
    return { status: 302, body: null, location: u.toString() };
  }

  function adminConsentRefused(a: AdminConsentParams, e: StsError): LoginResponse {
    const p = stsErrorParts(e, undefined, new Date(ctx.now()));
    return adminConsentRedirect(a, { error: 'access_denied', error_description: p.description });
  }

  /**
   * GET /{tenant}/v2.0/adminconsent: the sign-in page, then (for a Global Administrator or
   * Privileged Role Administrator; for delegated permissions also a Cloud Application or
   * Application Administrator) tenant-wide consent for every permission the app registered,
   * and a redirect with admin_consent=True. Anyone else is sent back with access_denied.
   */
  function adminConsent(req: LoginRequest, segment: string): LoginResponse {
    const parsed = adminConsentQuerySchema.safeParse(firstValues(req.url.searchParams));
    if (!parsed.success) return errorHtml(sts.invalidParameter(String(parsed.error.issues[0]?.path[0] ?? 'query'), 'The value is not valid.'));
    const q = parsed.data;
    const id = q.client_id?.trim();
    if (!id) return errorHtml(sts.missingParameter('client_id'));
    if (!GUID_RE.test(id)) return errorHtml(sts.invalidClientId());
    const target = ctx.consentTarget(id);
    if (!target) return errorHtml(sts.appNotFound(id, ctx.tenantId));
    if (q.redirect_uri === undefined) return errorHtml(sts.missingParameter('redirect_uri'));
    // Entra ID shows an error page (never redirects) when the redirect URI is not registered.
    if (!redirectUriMatches(q.redirect_uri, target.redirectUris)) return errorHtml(sts.redirectMismatch(q.redirect_uri, target.clientId));
    const a: AdminConsentParams = { target, redirectUri: q.redirect_uri, scope: q.scope ?? '', ...(q.state !== undefined ? { state: q.state } : {}) };
    const scopes = scopesOrError(q.scope);
    if (scopes instanceof StsError) return adminConsentRefused(a, scopes);
    if (!scopes.ok) return adminConsentRefused(a, sts.invalidScope(q.scope ?? ''));
    const s = newSession({
      flow: 'adminconsent',
      app: { clientId: target.clientId, displayName: target.displayName },
      parsed: { oidc: scopes.oidc, graph: scopes.graph, defaultScope: scopes.defaultScope },
      adminConsent: a,
    });
    return signInPageFor(s, segment);
  }

  function completeAdminConsent(s: Session, user: SignInAccount): LoginResponse {
    const a = s.adminConsent;
    if (!a) return errorHtml(sts.sessionExpired());
    sessions.delete(s.id);
    const allowed = CONSENT_ROLES[a.target.permissionType];
    if (!user.roles.some((r) => allowed.includes(r))) return adminConsentRefused(a, sts.adminPermissionRequired());
    a.target.grant();
    return adminConsentRedirect(a, { admin_consent: 'True', tenant: ctx.tenantId, ...(a.scope !== '' ? { scope: a.scope } : {}) });
  }

  // -------------------------------------------------------------------------
  // Tokens

  async function issueTokens(g: GrantBase, o: { clientInfo: boolean }): Promise<LoginResponse> {
    const lifetime = Math.max(1, Math.floor(ctx.tokenLifetimeSeconds()));
    const u = g.user;
    const amr = g.mfa ? ['pwd', 'mfa'] : ['pwd'];
    const oidcInScp = g.oidc.filter((s) => s !== 'offline_access');
    const access = await ctx.sign(
      {
        acct: 0,
        acr: '1',
        aio: randomBytes(24).toString('base64url'),
        amr,
        app_displayname: g.app.displayName,
        appid: g.app.clientId,
        appidacr: '0',
        family_name: u.surname ?? undefined,
        given_name: u.givenName ?? undefined,
        idtyp: 'user',
        ipaddr: '127.0.0.1',
        name: u.displayName,
        oid: u.objectId,
        platf: '3',
        rh: randomBytes(12).toString('base64url'),
        scp: [...g.scopes, ...oidcInScp].join(' '),
        sid: g.sid,
        sub: createHash('sha256').update(`${u.objectId}:${g.app.clientId}`).digest('base64url').slice(0, 43),
        tenant_region_scope: 'EU',
        tid: ctx.tenantId,
        unique_name: u.upn,
        upn: u.upn,
        uti: randomBytes(16).toString('base64url'),
        ver: '1.0',
        wids: templateIdsForRoles(u.roles),
        xms_tcdt: g.authTime,
      },
      { audience: ctx.graphOrigin, issuer: ctx.accessTokenIssuer, lifetimeSeconds: lifetime },
    );
    const body: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: [...g.scopes.map((s) => `${ctx.graphOrigin}/${s}`), ...g.oidc].join(' '),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: access,
    };
    if (g.oidc.includes('offline_access')) {
      const rt = `1.${randomBytes(96).toString('base64url')}`;
      refreshTokens.set(hashToken(rt), { ...g, expiresAt: ctx.now() + REFRESH_TTL_MS, retired: false });
      body['refresh_token'] = rt;
      body['refresh_token_expires_in'] = Math.floor(REFRESH_TTL_MS / 1000);
    }
    if (g.oidc.includes('openid')) {
      body['id_token'] = await ctx.sign(
        {
          aud: g.app.clientId,
          name: u.displayName,
          ...(g.nonce !== undefined ? { nonce: g.nonce } : {}),
          oid: u.objectId,
          preferred_username: u.upn,
          rh: randomBytes(12).toString('base64url'),
          sid: g.sid,
          sub: createHash('sha256').update(`id:${u.objectId}:${g.app.clientId}`).digest('base64url').slice(0, 43),
          tid: ctx.tenantId,
          uti: randomBytes(16).toString('base64url'),
          ver: '2.0',
        },
        { audience: g.app.clientId, issuer: `${ctx.loginOrigin}/${ctx.tenantId}/v2.0`, lifetimeSeconds: 3600 },
      );
    }
    if (o.clientInfo) body['client_info'] = clientInfo(u);
    return { status: 200, body };
  }

  function publicClient(form: TokenForm, kind: 'tenant' | 'multi'): PublicRegistration {
    const app = findApp(form.client_id);
    if (app instanceof StsError) throw app;
    if (kind === 'multi') throw sts.grantOtherClient();
    if (form.client_secret !== undefined || form.client_assertion !== undefined) throw sts.publicClientSecret();
    return app;
  }

  /** A refresh or code redemption may narrow the scopes; another resource is refused. */
  function checkTokenScope(raw: string | undefined): void {
    if (raw === undefined || raw.trim() === '') return;
    const p = scopesOrError(raw);
    if (p instanceof StsError) throw p;
  }

  const authorizationCode: DelegatedGrant = async (form, _segment, kind) => {
    const app = publicClient(form, kind);
    const code = form.code ?? '';
    if (code === '') throw sts.missingParameter('code');
    housekeeping();
    const c = codes.get(code);
    if (!c) throw sts.malformedGrant();
    if (c.app.clientId !== app.clientId) throw sts.grantOtherClient();
    if (c.redeemed) throw sts.codeRedeemed();
    // One attempt per code: a failed redemption burns it too.
    c.redeemed = true;
    if (c.expiresAt < ctx.now()) throw sts.grantExpired();
    if (form.redirect_uri === undefined) throw sts.missingParameter('redirect_uri');
    if (form.redirect_uri !== c.redirectUri) throw sts.replyMismatch(form.redirect_uri, c.redirectUri);
    if (form.code_verifier === undefined || form.code_verifier === '') throw sts.missingParameter('code_verifier');
    if (!pkceS256Matches(form.code_verifier, c.challenge)) throw sts.verifierMismatch();
    checkTokenScope(form.scope);
    return issueTokens(c, { clientInfo: form.client_info === '1' });
  };

  const refreshToken: DelegatedGrant = async (form, _segment, kind) => {
    const app = publicClient(form, kind);
    const rt = form.refresh_token ?? '';
    if (rt === '') throw sts.missingParameter('refresh_token');
    housekeeping();
    const key = hashToken(rt);
    const g = refreshTokens.get(key);
    if (!g) throw sts.malformedGrant();
    if (g.app.clientId !== app.clientId) throw sts.grantOtherClient();
    if (g.retired || g.expiresAt < ctx.now()) throw sts.grantExpired();
    const p = form.scope !== undefined && form.scope.trim() !== '' ? scopesOrError(form.scope) : undefined;
    if (p instanceof StsError) throw p;
    if (g.user.blocked) throw sts.conditionalAccess();
    const mfaNeed = mfaRequired.get(g.user.name);
    if (mfaNeed && !g.mfa) throw mfaNeed === 'register' ? sts.mfaRegistrationRequired(GRAPH_APP_ID) : sts.mfaRequired(GRAPH_APP_ID);
    g.retired = true;
    let scopes = g.scopes;
    if (p?.ok && !p.defaultScope && p.graph.length > 0) {
      const beyond = p.graph.filter((s) => !g.scopes.some((x) => x.toLowerCase() === s.toLowerCase()));
      if (beyond.length > 0 && !beyond.every((s) => g.app.delegatedScopes.includes(s))) throw sts.consentRequired(g.app.clientId, g.app.displayName);
      scopes = g.app.delegatedScopes.filter((s) => p.graph.some((x) => x.toLowerCase() === s.toLowerCase()));
    }
    // A refresh keeps offline_access so the new refresh token replaces the old one.
    const oidc = g.oidc.includes('offline_access') ? g.oidc : [...g.oidc, 'offline_access'];
    // The nonce belonged to the original sign-in; a refreshed id_token carries none.
    const { app: gApp, user, mfa, authTime, sid } = g;
    return issueTokens({ app: gApp, user, scopes, oidc, mfa, authTime, sid }, { clientInfo: form.client_info === '1' });
  };

  const deviceCode: DelegatedGrant = async (form, _segment, kind) => {
    const app = publicClient(form, kind);
    const dc = form.device_code ?? form.code ?? '';
    if (dc === '') throw sts.missingParameter('device_code');
    const d = devices.get(dc);
    if (!d) throw sts.malformedGrant();
    if (d.app.clientId !== app.clientId) throw sts.grantOtherClient();
    if (d.status === 'redeemed') throw sts.codeRedeemed();
    if (d.status === 'declined') throw sts.authorizationDeclined();
    if (d.status === 'failed' && d.failure) throw d.failure;
    if (d.expiresAt < ctx.now()) throw sts.deviceCodeExpired();
    if (d.status !== 'approved' || !d.grant) throw sts.authorizationPending();
    d.status = 'redeemed';
    return issueTokens(d.grant, { clientInfo: form.client_info === '1' });
  };

  async function deviceAuthorization(req: LoginRequest, _segment: string, kind: 'tenant' | 'multi'): Promise<LoginResponse> {
    if (!isForm(req)) throw new StsError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'client_id'.");
    const form = z
      .object({ client_id: z.string().max(100).optional(), scope: z.string().max(4096).optional() })
      .safeParse(firstValues(new URLSearchParams(req.body)));
    if (!form.success) throw sts.invalidParameter('scope', 'The value is too long.');
    const app = findApp(form.data.client_id);
    if (app instanceof StsError) throw app;
    if (kind === 'multi') throw sts.grantOtherClient();
    const scopes = scopesOrError(form.data.scope);
    if (scopes instanceof StsError) throw scopes;
    if (!scopes.ok) throw sts.invalidScope(form.data.scope ?? '');
    housekeeping();
    const device = randomBytes(48).toString('base64url');
    let userCode = '';
    do {
      userCode = Array.from({ length: 9 }, () => USER_CODE_ALPHABET[randomInt(0, USER_CODE_ALPHABET.length)]).join('');
    } while (userCodes.has(userCode));
    devices.set(device, {
      app,
      parsed: { oidc: scopes.oidc, graph: scopes.graph, defaultScope: scopes.defaultScope },
      userCode,
      expiresAt: ctx.now() + DEVICE_CODE_TTL_S * 1000,
      status: 'pending',
    });
    userCodes.set(userCode, device);
    const verificationUri = `${ctx.loginOrigin}/common/oauth2/deviceauth`;
    return {
      status: 200,
      body: {
        user_code: userCode,
        device_code: device,
        verification_uri: verificationUri,
        expires_in: DEVICE_CODE_TTL_S,
        interval: ctx.deviceCodeIntervalSeconds,
        message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${userCode} to authenticate.`,
      },
    };
  }

  const routes: DelegatedRoute[] = [
    { method: 'GET', pattern: /^\/([^/]+)\/oauth2\/v2\.0\/authorize$/, tenant: true, run: (req, segment, kind) => authorize(req, segment, kind) },
    { method: 'GET', pattern: /^\/([^/]+)\/v2\.0\/adminconsent$/, tenant: true, run: (req, segment) => adminConsent(req, segment) },
    { method: 'POST', pattern: /^\/([^/]+)\/login$/, tenant: true, run: (req, segment) => login(req, segment) },
    { method: 'POST', pattern: /^\/([^/]+)\/mfa$/, tenant: true, run: (req, segment) => mfa(req, segment) },
    { method: 'POST', pattern: /^\/([^/]+)\/oauth2\/v2\.0\/devicecode$/, tenant: true, run: deviceAuthorization },
    { method: 'GET', pattern: /^\/common\/oauth2\/deviceauth$/, tenant: false, run: (req) => deviceEntry(req) },
    { method: 'POST', pattern: /^\/common\/oauth2\/deviceauth$/, tenant: false, run: (req) => deviceEntry(req) },
    { method: 'POST', pattern: /^\/common\/oauth2\/deviceauth\/confirm$/, tenant: false, run: (req) => deviceConfirm(req) },
  ];

  return {
    routes,
    grants: {
      authorization_code: authorizationCode,
      refresh_token: refreshToken,
      'urn:ietf:params:oauth:grant-type:device_code': deviceCode,
      // MSAL sends the short name; Entra ID accepts both.
      device_code: deviceCode,
    },
    setUserMfa(user: DemoUserName, required: DemoMfaRequirement): void {
      if (!(user in ctx.users)) throw new Error(`unknown demo user ${user}`);
      mfaRequired.set(user, required);
    },
  };
}
