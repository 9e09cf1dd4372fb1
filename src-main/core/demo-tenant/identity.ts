/**
 * Simulated Entra ID for the demo tenant: the app registry, the OpenID metadata,
 * the JWKS and the v2.0 token endpoint, in the shapes of the Microsoft identity
 * platform (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow,
 * .../certificate-credentials, .../reference-error-codes), and validation of the
 * access tokens it issues (for the graph listener).
 *
 * Plain data in, plain data out: server.ts does the HTTP. Routes live in a table and
 * grants in a map; the delegated flows (authorize page, authorization code with PKCE,
 * refresh tokens, device code) come from delegated.ts, the sign-in users from users.ts.
 */
import { X509Certificate, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  SignJWT,
  decodeProtectedHeader,
  errors as joseErrors,
  exportJWK,
  importX509,
  jwtVerify,
  type JWK,
  type CryptoKey as JoseKey,
} from 'jose';
import { z } from 'zod';
import { DEFAULT_CONSENT_REDIRECT_URI } from '../consent/urls';
import { requiredApplicationPermissions, requiredDelegatedScopes } from '../permissions/matrix';
import { generateClientCertificate, rsaKeyPairs, thumbprints, type ClientCertificate } from './ca';
import { createDelegatedFlows, type ConsentTarget, type PublicRegistration } from './delegated';
import { azureCliRegistration } from './azure-cli';
import type { RegisteredApp } from './graph/app-registrations';
import type { GraphPrincipal } from './graph/contract';
import { GUID_RE, JWT_BEARER, StsError, stsErrorBody, sts } from './sts-error';
import { rolesFromTemplateIds, selectSignInUsers, type DirectoryLookup, type SignInAccount } from './users';
import type { DemoApp, DemoAppName, DemoPublicApp, DemoPublicAppName, DemoMfaRequirement, DemoSignInUser, DemoUserName } from './types';

import { DEMO_APP_NAMES, DEMO_PUBLIC_APP_NAMES } from '../../shared/demo';
export { DEMO_APP_NAMES, DEMO_PUBLIC_APP_NAMES };

/**
 * Web redirect URI every demo app registration has: the admin-consent URL's default
 * redirect_uri, which the registration scripts register too (consent/urls.ts).
 */
export const DEMO_REDIRECT_URIS: readonly string[] = [DEFAULT_CONSENT_REDIRECT_URI];

/** Microsoft Graph's well-known application id; `<id>/.default` is accepted like `<graph origin>/.default`. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';
/** Clock skew Entra ID allows on client assertions. */
const ASSERTION_SKEW_SECONDS = 300;
const MAX_ASSERTION_LENGTH = 16 * 1024;

// ---------------------------------------------------------------------------
// Deterministic identifiers

/** A GUID-shaped id derived from seed and label (version 4 / variant bits set, so it looks like Entra's). */
export function deterministicGuid(seed: string, label: string): string {
  const h = createHash('sha256').update(`${seed}\u0000${label}`).digest('hex');
  const variant = ((parseInt(h.charAt(16), 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function tenantIdFor(seed: string): string {
  return deterministicGuid(seed, 'tenant');
}

/** Verified domain of the demo tenant, e.g. contoso-demo.onmicrosoft.com for the default seed. */
export function domainFor(seed: string): string {
  const slug = seed.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 20);
  const label = slug.length > 0 ? slug : createHash('sha256').update(seed).digest('hex').slice(0, 8);
  return `contoso-${label}.onmicrosoft.com`;
}

/** A client secret shaped like the ones the Azure portal issues (40 chars, `xxx8Q~...`). */
export function generateClientSecret(): string {
  const body = randomBytes(48).toString('base64url');
  const digit = String(randomBytes(1)[0]! % 10);
  return `${body.slice(0, 3)}${digit}Q~${body.slice(3, 37)}`;
}

// ---------------------------------------------------------------------------
// App registry

interface AppRegistration extends DemoApp {
  displayName: string;
  /** Object id of the app's service principal in the tenant (the token's oid/sub). */
  servicePrincipalId: string;
  consented: boolean;
  /** Unix seconds after which the secret no longer works. */
  secretExpiresAt: number;
}

function rolesFor(name: DemoAppName): string[] {
  const reader = requiredApplicationPermissions();
  switch (name) {
    case 'reader':
    case 'expired-secret':
    case 'no-consent':
      return [...reader];
    case 'no-auditlog':
      return reader.filter((r) => r !== 'AuditLog.Read.All');
    case 'over-granted':
      return [...reader, 'Directory.ReadWrite.All'];
    case 'minimal':
      return ['User.Read.All'];
  }
}

const DISPLAY_NAMES: Record<DemoAppName, string> = {
  reader: 'Licence Reconciler (least privilege)',
  'no-auditlog': 'Licence Reconciler (no AuditLog)',
  'over-granted': 'Licence Reconciler (over-granted)',
  minimal: 'Licence Reconciler (User.Read.All only)',
  'no-consent': 'Licence Reconciler (no admin consent)',
  'expired-secret': 'Licence Reconciler (expired secret)',
};

/** Key material generated at each start; slow parts run concurrently. */
export interface IdentityMaterial {
  signingKey: { privateKey: JoseKey; publicKey: JoseKey; kid: string; jwk: JWK };
  appCertificates: Record<DemoAppName, ClientCertificate>;
}

export async function generateIdentityMaterial(): Promise<IdentityMaterial> {
  // Two RSA keys (pooled per process, see rsaKeyPairs): the tenant's token-signing key, and
  // one key under every app's certificate. Each app still gets its own certificate and so its
  // own thumbprints, which is what Entra ID matches a client assertion against; RSA key
  // generation is what makes a start slow, so the apps share one key pair.
  const [signing, appKey] = await rsaKeyPairs(2);
  const [signingCert, ...certs] = await Promise.all([
    generateClientCertificate('demo-token-signing', signing),
    ...DEMO_APP_NAMES.map((n) => generateClientCertificate(`demo-${n}`, appKey)),
  ]);
  const jwk = await exportJWK(signing!.publicKey);
  // Entra ID publishes each signing key with its self-signed certificate: kid and x5t are the
  // certificate's base64url SHA-1 thumbprint and x5c holds the DER certificate (base64, not url).
  const kid = Buffer.from(signingCert!.thumbprintSha1, 'hex').toString('base64url');
  const x5c = signingCert!.certificatePem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, '');
  const appCertificates = Object.fromEntries(DEMO_APP_NAMES.map((n, i) => [n, certs[i]!])) as Record<DemoAppName, ClientCertificate>;
  return {
    signingKey: { privateKey: signing!.privateKey, publicKey: signing!.publicKey, kid, jwk: { kty: jwk.kty, use: 'sig', kid, x5t: kid, n: jwk.n, e: jwk.e, x5c: [x5c] } },
    appCertificates,
  };
}

// ---------------------------------------------------------------------------
// Public types

export interface LoginRequest {
  method: string;
  /** Full request URL on the login listener. */
  url: URL;
  contentType: string | undefined;
  /** `client-request-id` header, echoed as the correlation id like Entra ID does. */
  clientRequestId: string | undefined;
  body: string;
  /** The Authorization header, for HTTP Basic client authentication at the token endpoint (never logged). */
  authorization?: string | undefined;
}

export interface LoginResponse {
  status: number;
  /** JSON body (ignored when `html` or `location` is set). */
  body: unknown;
  headers?: Record<string, string>;
  /** An HTML page (sign-in pages), served with `csp` as Content-Security-Policy. */
  html?: string;
  csp?: string;
  /** A redirect target (status 302). */
  location?: string;
}

export type AccessTokenCheck =
  | { ok: true; roles: ReadonlySet<string>; appId: string; principal: GraphPrincipal }
  | { ok: false; reason: 'malformed' | 'expired' | 'not-yet-valid' | 'invalid-audience' | 'invalid-issuer' | 'invalid-signature' };

export interface IdentityOptions {
  seed: string;
  /** https://127.0.0.1:<login port> */
  loginOrigin: string;
  /** https://127.0.0.1:<graph port>: the resource (aud) of issued tokens. */
  graphOrigin: string;
  /** Lifetime of issued access tokens, read at each issue so faults can change it. */
  tokenLifetimeSeconds: () => number;
  /** Clock in ms (tests may move it). */
  now?: () => number;
  /** The synthetic directory, so sign-in users can be /users entries (see users.ts). */
  directory?: DirectoryLookup;
  /** Polling interval announced by the device code endpoint (default 5 s). */
  deviceCodeIntervalSeconds?: number;
  /** App registrations created through Graph at run time (graph/app-registrations.ts): token requests of these apps are served too. */
  registrations?: { app(appId: string): RegisteredApp | undefined; grantAdminConsent(appId: string): void };
}

export interface Identity {
  readonly tenantId: string;
  readonly domain: string;
  readonly apps: Readonly<Record<DemoAppName, DemoApp>>;
  /** The token endpoint URL for the tenant id (what MSAL puts in client assertions' aud). */
  readonly tokenEndpoint: string;
  readonly issuer: string;
  readonly publicApps: Readonly<Record<DemoPublicAppName, DemoPublicApp>>;
  readonly signInUsers: Readonly<Record<DemoUserName, DemoSignInUser>>;
  setUserMfa(user: DemoUserName, required: DemoMfaRequirement): void;
  handle(req: LoginRequest): Promise<LoginResponse>;
  verifyAccessToken(token: string): Promise<AccessTokenCheck>;
  /** Adds a certificate (PEM) to an app's key credentials, like uploading one in the portal. */
  registerCertificate(app: DemoAppName, certificatePem: string): void;
}

// ---------------------------------------------------------------------------
// Error shape: sts-error.ts


// ---------------------------------------------------------------------------
// Form schema (zod at the trust boundary)

const formValue = z.string().max(MAX_ASSERTION_LENGTH).optional();
const tokenFormSchema = z.object({
  grant_type: formValue,
  client_id: formValue,
  scope: formValue,
  client_secret: formValue,
  client_assertion_type: formValue,
  client_assertion: formValue,
  // delegated grants
  code: formValue,
  redirect_uri: formValue,
  code_verifier: formValue,
  refresh_token: formValue,
  device_code: formValue,
  client_info: formValue,
});
export type TokenForm = z.infer<typeof tokenFormSchema>;

const accessTokenClaimsSchema = z.object({
  appid: z.string(),
  roles: z.array(z.string()).optional(),
  idtyp: z.enum(['app', 'user']).optional(),
  scp: z.string().optional(),
  wids: z.array(z.string()).optional(),
  oid: z.string().optional(),
});

const PUBLIC_DISPLAY_NAMES: Record<DemoPublicAppName, string> = {
  delegated: 'Licence Reconciler (delegated, least privilege)',
  'delegated-no-auditlog': 'Licence Reconciler (delegated, no AuditLog)',
  'delegated-no-consent': 'Licence Reconciler (delegated, no consent)',
  'delegated-over-granted': 'Licence Reconciler (delegated, over-granted)',
};

function delegatedScopesFor(name: DemoPublicAppName): string[] {
  const all = requiredDelegatedScopes();
  switch (name) {
    case 'delegated':
      return [...all];
    case 'delegated-no-auditlog':
      return all.filter((s) => s !== 'AuditLog.Read.All');
    case 'delegated-no-consent':
      return [];
    case 'delegated-over-granted':
      return [...all, 'Directory.AccessAsUser.All'];
  }
}

// ---------------------------------------------------------------------------

export function createIdentity(material: IdentityMaterial, opts: IdentityOptions): Identity {
  const now = opts.now ?? (() => Date.now());
  const tenantId = tenantIdFor(opts.seed);
  const domain = domainFor(opts.seed);
  const login = opts.loginOrigin;
  const graph = opts.graphOrigin;
  const issuer = `${login}/${tenantId}/v2.0`;
  const tokenEndpoint = `${login}/${tenantId}/oauth2/v2.0/token`;
  const accessTokenIssuer = `https://sts.windows.net/${tenantId}/`;
  const yesterday = Math.floor(now() / 1000) - 24 * 3600;

  const registry = new Map<string, AppRegistration>();
  const apps = {} as Record<DemoAppName, DemoApp>;
  for (const name of DEMO_APP_NAMES) {
    const cert = material.appCertificates[name];
    const reg: AppRegistration = {
      name,
      clientId: deterministicGuid(opts.seed, `app:${name}`),
      secret: generateClientSecret(),
      certificatePem: cert.certificatePem,
      privateKeyPem: cert.privateKeyPem,
      thumbprintSha256: cert.thumbprintSha256,
      thumbprintSha1: cert.thumbprintSha1,
      roles: rolesFor(name),
      redirectUris: [...DEMO_REDIRECT_URIS],
      displayName: DISPLAY_NAMES[name],
      servicePrincipalId: deterministicGuid(opts.seed, `sp:${name}`),
      consented: name !== 'no-consent',
      secretExpiresAt: name === 'expired-secret' ? yesterday : Number.MAX_SAFE_INTEGER,
    };
    registry.set(reg.clientId.toLowerCase(), reg);
    apps[name] = Object.freeze({
      name,
      clientId: reg.clientId,
      secret: reg.secret,
      certificatePem: reg.certificatePem,
      privateKeyPem: reg.privateKeyPem,
      thumbprintSha256: reg.thumbprintSha256,
      thumbprintSha1: reg.thumbprintSha1,
      roles: [...reg.roles],
      redirectUris: [...DEMO_REDIRECT_URIS],
    });
  }

  /** Certificates uploaded at run time (registerCertificate), per client id, besides each app's own. */
  const uploadedCerts = new Map<string, { pem: string; sha256: string; sha1: string }[]>();
  function registerCertificate(app: DemoAppName, certificatePem: string): void {
    const reg = registry.get(apps[app].clientId.toLowerCase());
    if (!reg) throw new Error(`unknown demo app ${app}`);
    const cert = new X509Certificate(certificatePem);
    const pem = cert.toString();
    const tp = thumbprints(cert.raw);
    const list = uploadedCerts.get(reg.clientId) ?? [];
    if (!list.some((c) => c.sha256 === tp.sha256)) list.push({ pem, ...tp });
    uploadedCerts.set(reg.clientId, list);
  }
  /** The registered certificate (PEM) whose thumbprint the assertion names, if any. */
  function registeredCertificate(reg: AppRegistration, tp: { hex: string; kind: 'sha256' | 'sha1' }): string | undefined {
    const hex = tp.hex.toLowerCase();
    const all = [
      { pem: reg.certificatePem, sha256: reg.thumbprintSha256, sha1: reg.thumbprintSha1 },
      ...(uploadedCerts.get(reg.clientId) ?? []),
      ...(opts.registrations?.app(reg.clientId)?.certificates ?? []),
    ];
    return all.find((c) => (tp.kind === 'sha256' ? c.sha256 : c.sha1) === hex)?.pem;
  }

  // Public clients (delegated sign-in): no secret, loopback redirect URI, admin-consented delegated scopes.
  const publicRegistry = new Map<string, PublicRegistration>();
  const publicApps = {} as Record<DemoPublicAppName, DemoPublicApp>;
  for (const name of DEMO_PUBLIC_APP_NAMES) {
    const reg: PublicRegistration = {
      name,
      clientId: deterministicGuid(opts.seed, `public-app:${name}`),
      redirectUris: [...DEMO_REDIRECT_URIS],
      delegatedScopes: delegatedScopesFor(name),
      displayName: PUBLIC_DISPLAY_NAMES[name],
    };
    publicRegistry.set(reg.clientId.toLowerCase(), reg);
    publicApps[name] = Object.freeze({ name, clientId: reg.clientId, redirectUris: [...reg.redirectUris], delegatedScopes: [...reg.delegatedScopes] });
  }
  // The Azure CLI signs administrators in for the registration script (azure-cli.ts).
  const azureCli = azureCliRegistration();
  publicRegistry.set(azureCli.clientId, azureCli);

  /**
   * An app registration created through Graph (graph/app-registrations.ts), as the token endpoint
   * sees it: its uploaded certificates are its keys and its Microsoft Graph app role assignments
   * its roles. It has no client secret (the secret below is random and never handed out), and
   * no token before its service principal exists.
   */
  function registeredApp(clientId: string): AppRegistration | undefined {
    const r = opts.registrations?.app(clientId);
    if (!r || r.servicePrincipalId === undefined) return undefined;
    return {
      // Not one of the demo's named apps; the name only satisfies the type and is never read for it.
      name: 'reader',
      clientId: r.appId,
      secret: randomBytes(32).toString('hex'),
      certificatePem: '',
      privateKeyPem: '',
      thumbprintSha256: 'none',
      thumbprintSha1: 'none',
      roles: r.roles,
      redirectUris: r.redirectUris,
      displayName: r.displayName,
      servicePrincipalId: r.servicePrincipalId,
      consented: true,
      secretExpiresAt: 0,
    };
  }

  const accounts = selectSignInUsers({ domain, directory: opts.directory, guid: (label) => deterministicGuid(opts.seed, label) });
  const signInUsers = {} as Record<DemoUserName, DemoSignInUser>;
  for (const [name, a] of Object.entries(accounts) as [DemoUserName, SignInAccount][]) {
    signInUsers[name] = Object.freeze({ upn: a.upn, password: a.password, roles: [...a.roles], mfa: a.mfa, objectId: a.objectId });
  }

  /**
   * Admin consent grants what the registration asks for: a confidential app its app roles
   * (no-consent: the least-privilege set, as reader), a public client every delegated scope
   * of the permission matrix when it has none yet.
   */
  function consentTarget(clientId: string): ConsentTarget | undefined {
    const id = clientId.toLowerCase();
    const conf = registry.get(id);
    if (conf) {
      return {
        clientId: conf.clientId,
        displayName: conf.displayName,
        redirectUris: conf.redirectUris ?? [],
        permissionType: 'application',
        grant: () => {
          conf.consented = true;
        },
      };
    }
    const pub = publicRegistry.get(id);
    if (pub) {
      return {
        clientId: pub.clientId,
        displayName: pub.displayName,
        redirectUris: pub.redirectUris,
        permissionType: 'delegated',
        grant: () => {
          if (pub.delegatedScopes.length === 0) pub.delegatedScopes.push(...requiredDelegatedScopes());
        },
      };
    }
    // An app registered through Graph (graph/app-registrations.ts): consent assigns the app roles it asks for.
    const created = opts.registrations?.app(id);
    const directory = opts.registrations;
    if (created && directory) {
      return {
        clientId: created.appId,
        displayName: created.displayName,
        redirectUris: created.redirectUris,
        permissionType: 'application',
        grant: () => directory.grantAdminConsent(created.appId),
      };
    }
    return undefined;
  }

  async function signJwt(claims: Record<string, unknown>, o: { audience: string; issuer: string; lifetimeSeconds: number }): Promise<string> {
    const iat = Math.floor(now() / 1000);
    const defined = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
    return new SignJWT(defined)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: material.signingKey.kid, x5t: material.signingKey.kid })
      .setAudience(o.audience)
      .setIssuer(o.issuer)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + o.lifetimeSeconds)
      .sign(material.signingKey.privateKey);
  }

  const delegated = createDelegatedFlows({
    tenantId,
    domain,
    loginOrigin: login,
    graphOrigin: graph,
    accessTokenIssuer,
    now,
    tokenLifetimeSeconds: opts.tokenLifetimeSeconds,
    deviceCodeIntervalSeconds: opts.deviceCodeIntervalSeconds ?? 5,
    publicApps: publicRegistry,
    isConfidentialClient: (id) => registry.has(id.toLowerCase()),
    users: accounts,
    consentTarget,
    sign: signJwt,
  });

  const certKeys = new Map<string, Promise<JoseKey>>();
  function certKey(certificatePem: string, alg: 'RS256' | 'PS256'): Promise<JoseKey> {
    const k = `${certificatePem}:${alg}`;
    let p = certKeys.get(k);
    if (!p) {
      p = importX509(certificatePem, alg);
      certKeys.set(k, p);
    }
    return p;
  }

  /** 'tenant' for this tenant (GUID or domain), 'multi' for common/organizations, undefined otherwise. */
  function resolveTenant(segment: string): 'tenant' | 'multi' | undefined {
    const t = segment.toLowerCase();
    if (t === tenantId || t === domain) return 'tenant';
    if (t === 'common' || t === 'organizations') return 'multi';
    return undefined;
  }

  function openIdConfiguration(kind: 'tenant' | 'multi', segment: string): unknown {
    // Tenant-specific metadata names the tenant GUID even when asked by domain, like Entra ID;
    // common/organizations keep the segment in endpoints and a {tenantid} placeholder in issuer.
    const t = kind === 'tenant' ? tenantId : segment.toLowerCase();
    const graphHost = new URL(graph).host;
    return {
      token_endpoint: `${login}/${t}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${login}/${t}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: kind === 'tenant' ? issuer : `${login}/{tenantid}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${graph}/oidc/userinfo`,
      authorization_endpoint: `${login}/${t}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${login}/${t}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${login}/${t}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${login}/${t}/kerberos`,
      tenant_region_scope: kind === 'tenant' ? 'EU' : null,
      cloud_instance_name: new URL(login).host,
      cloud_graph_host_name: graphHost,
      msgraph_host: graphHost,
      rbac_url: graph,
    };
  }

  function instanceDiscovery(url: URL): unknown {
    const host = new URL(login).host;
    let tenant = 'common';
    const ae = url.searchParams.get('authorization_endpoint');
    if (ae) {
      try {
        const seg = new URL(ae).pathname.split('/')[1];
        if (seg && /^[A-Za-z0-9.-]{1,256}$/.test(seg)) tenant = seg;
      } catch {
        // keep common
      }
    }
    return {
      tenant_discovery_endpoint: `${login}/${tenant}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    };
  }

  function parseForm(req: LoginRequest): TokenForm {
    const ct = (req.contentType ?? '').split(';')[0]?.trim().toLowerCase();
    if (ct !== 'application/x-www-form-urlencoded') throw sts.bodyType();
    const params = new URLSearchParams(req.body);
    const first: Record<string, string> = {};
    for (const [k, v] of params) if (!(k in first)) first[k] = v;
    const parsed = tokenFormSchema.safeParse(first);
    if (!parsed.success) throw sts.assertionMalformed('A request parameter is too long.');
    return parsed.data;
  }

  /**
   * client_secret_basic (RFC 6749 §2.3.1): client id and secret, each form-urlencoded, joined
   * by ':' and base64-encoded in an HTTP Basic Authorization header. They join the form as if
   * posted; a request may use one client authentication method only.
   */
  function withBasicAuth(form: TokenForm, authorization: string | undefined): TokenForm {
    const m = authorization === undefined ? null : /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (!m) {
      if (authorization !== undefined && /^Basic(\s|$)/i.test(authorization)) throw sts.invalidParameter('Authorization', 'The Basic credentials are not well formed.');
      return form;
    }
    const decoded = Buffer.from(m[1] ?? '', 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw sts.invalidParameter('Authorization', 'The Basic credentials are not well formed.');
    const formDecode = (v: string): string => {
      try {
        return decodeURIComponent(v.replace(/\+/g, ' '));
      } catch {
        throw sts.invalidParameter('Authorization', 'The Basic credentials are not well formed.');
      }
    };
    const id = formDecode(decoded.slice(0, colon));
    const secret = formDecode(decoded.slice(colon + 1));
    if (form.client_secret !== undefined || form.client_assertion !== undefined || form.client_assertion_type !== undefined) throw sts.multipleClientAuth();
    if (form.client_id !== undefined && form.client_id.trim().toLowerCase() !== id.trim().toLowerCase()) {
      throw sts.invalidParameter('client_id', 'It does not match the client identifier in the Authorization header.');
    }
    const parsed = tokenFormSchema.safeParse({ ...form, client_id: id, client_secret: secret });
    if (!parsed.success) throw sts.assertionMalformed('A request parameter is too long.');
    return parsed.data;
  }

  function checkScope(scope: string | undefined): void {
    if (scope === undefined || scope.trim() === '') throw sts.missingParameter('scope');
    const scopes = scope.trim().split(/\s+/);
    // Graph's identifiers include its URL with a trailing slash, so "<graph>//.default" (what az derives) names it too.
    const accepted = new Set([`${graph}/.default`, `${graph}//.default`, `${GRAPH_APP_ID}/.default`]);
    const bad = scopes.find((s) => !accepted.has(s));
    // Another resource's /.default names a resource principal this tenant does not have.
    if (scopes.length === 1 && bad !== undefined && /^(https?:\/\/[^\s/]+|api:\/\/[^\s/]+|[0-9a-f-]{36})\/\.default$/i.test(bad)) {
      throw sts.resourceNotFound(bad.slice(0, -'/.default'.length), domain);
    }
    if (bad !== undefined || scopes.length !== 1) throw sts.invalidClientCredentialsScope(scope.trim());
  }

  function secretMatches(given: string, expected: string): boolean {
    const a = createHash('sha256').update(given).digest();
    const b = createHash('sha256').update(expected).digest();
    return timingSafeEqual(a, b);
  }

  function thumbprintFromHeader(header: Record<string, unknown>): { hex: string; kind: 'sha256' | 'sha1' } | undefined {
    const s256 = header['x5t#S256'];
    if (typeof s256 === 'string' && s256.length > 0) return { hex: Buffer.from(s256, 'base64url').toString('hex'), kind: 'sha256' };
    const s1 = header['x5t'];
    if (typeof s1 === 'string' && s1.length > 0) return { hex: Buffer.from(s1, 'base64url').toString('hex'), kind: 'sha1' };
    return undefined;
  }

  /** Audiences Entra ID accepts in a client assertion for this tenant (token endpoint, v1 endpoint, issuer, login URL). */
  function acceptedAssertionAudiences(segment: string): string[] {
    const out = new Set<string>();
    for (const t of [tenantId, domain, segment.toLowerCase()]) {
      out.add(`${login}/${t}/oauth2/v2.0/token`);
      out.add(`${login}/${t}/oauth2/token`);
      out.add(`${login}/${t}/v2.0`);
      out.add(`${login}/${t}/`);
      out.add(`${login}/${t}`);
    }
    return [...out];
  }

  async function verifyAssertion(reg: AppRegistration, form: TokenForm, segment: string): Promise<void> {
    if (form.client_assertion_type !== JWT_BEARER) throw sts.assertionType();
    const assertion = form.client_assertion ?? '';
    let header: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(assertion) as Record<string, unknown>;
    } catch {
      throw sts.assertionMalformed('The client_assertion is not a compact JWS.');
    }
    const tp = thumbprintFromHeader(header);
    const registered = tp && registeredCertificate(reg, tp);
    if (!registered) throw sts.keyNotFound(reg.clientId, (tp?.hex ?? '').toUpperCase());
    const alg = header['alg'];
    if (alg !== 'RS256' && alg !== 'PS256') throw sts.badSignature();
    const key = await certKey(registered, alg);
    try {
      await jwtVerify(assertion, key, {
        algorithms: [alg],
        audience: acceptedAssertionAudiences(segment),
        issuer: reg.clientId,
        subject: reg.clientId,
        // nbf is optional: Entra ID accepts an assertion without it (MSAL Python, and so the Azure CLI,
        // send none); when present it is checked. See "Microsoft identity platform application
        // authentication certificate credentials" (learn.microsoft.com/entra/identity-platform/certificate-credentials).
        requiredClaims: ['exp', 'aud', 'iss', 'sub'],
        clockTolerance: ASSERTION_SKEW_SECONDS,
        currentDate: new Date(now()),
      });
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) throw sts.assertionTime('The assertion has expired.');
      if (e instanceof joseErrors.JWTClaimValidationFailed) {
        if (e.claim === 'nbf' || e.claim === 'iat') throw sts.assertionTime('The assertion is not yet valid.');
        if (e.claim === 'aud') throw sts.assertionAudience(typeof e.payload['aud'] === 'string' ? e.payload['aud'] : String(e.payload['aud']));
        if (e.claim === 'iss' || e.claim === 'sub') throw sts.assertionSubject();
        throw sts.assertionMalformed(`Claim '${e.claim}' is missing or invalid.`);
      }
      if (e instanceof joseErrors.JWSSignatureVerificationFailed) throw sts.badSignature();
      throw sts.assertionMalformed('The client_assertion could not be parsed.');
    }
  }

  async function issueAccessToken(reg: AppRegistration, credential: 'secret' | 'certificate'): Promise<LoginResponse> {
    const lifetime = Math.max(1, Math.floor(opts.tokenLifetimeSeconds()));
    const iat = Math.floor(now() / 1000);
    const claims: Record<string, unknown> = {
      aio: randomBytes(24).toString('base64url'),
      app_displayname: reg.displayName,
      appid: reg.clientId,
      appidacr: credential === 'secret' ? '1' : '2',
      azp: reg.clientId,
      idp: accessTokenIssuer,
      idtyp: 'app',
      oid: reg.servicePrincipalId,
      rh: randomBytes(12).toString('base64url'),
      sub: reg.servicePrincipalId,
      tenant_region_scope: 'EU',
      tid: tenantId,
      uti: randomBytes(16).toString('base64url'),
      ver: '1.0',
    };
    if (reg.roles.length > 0) claims['roles'] = [...reg.roles];
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: material.signingKey.kid, x5t: material.signingKey.kid })
      .setAudience(graph)
      .setIssuer(accessTokenIssuer)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(iat + lifetime)
      .sign(material.signingKey.privateKey);
    return {
      status: 200,
      body: { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: token },
    };
  }

  type GrantHandler = (form: TokenForm, segment: string, kind: 'tenant' | 'multi') => Promise<LoginResponse>;

  const clientCredentials: GrantHandler = async (form, segment, kind) => {
    const clientId = form.client_id?.trim();
    if (!clientId) throw sts.missingParameter('client_id');
    // Only a GUID is echoed back: a misplaced secret in client_id must not reach an error message.
    if (!GUID_RE.test(clientId)) throw sts.invalidClientId();
    const reg = registry.get(clientId.toLowerCase()) ?? registeredApp(clientId);
    if (!reg) throw sts.appNotFound(clientId, kind === 'tenant' ? tenantId : segment);
    if (kind === 'multi') throw sts.notMultiTenant(reg.clientId);
    const hasSecret = form.client_secret !== undefined;
    const hasAssertion = form.client_assertion !== undefined || form.client_assertion_type !== undefined;
    if (hasSecret && hasAssertion) throw sts.bothCredentials();
    if (!hasSecret && !hasAssertion) throw sts.missingCredential();
    if (hasSecret) {
      if (!secretMatches(form.client_secret ?? '', reg.secret)) throw sts.wrongSecret(reg.clientId);
      if (reg.secretExpiresAt * 1000 < now()) throw sts.expiredSecret(reg.clientId);
    } else {
      await verifyAssertion(reg, form, segment);
    }
    checkScope(form.scope);
    if (!reg.consented) throw sts.noConsent(reg.clientId, reg.displayName);
    return issueAccessToken(reg, hasSecret ? 'secret' : 'certificate');
  };

  /** Grants by grant_type; authorization_code and refresh_token join here with the delegated flows. */
  const grants: Record<string, GrantHandler> = { client_credentials: clientCredentials, ...delegated.grants };

  interface Route {
    method: string;
    pattern: RegExp;
    /** Whether the first capture group is a tenant segment that must resolve. */
    tenant: boolean;
    run(req: LoginRequest, segment: string, kind: 'tenant' | 'multi'): Promise<LoginResponse> | LoginResponse;
  }

  const routes: Route[] = [
    ...delegated.routes,
    {
      method: 'GET',
      pattern: /^\/common\/discovery\/instance$/,
      tenant: false,
      run: (req) => ({ status: 200, body: instanceDiscovery(req.url) }),
    },
    {
      method: 'GET',
      pattern: /^\/([^/]+)\/v2\.0\/\.well-known\/openid-configuration$/,
      tenant: true,
      run: (_req, segment, kind) => ({ status: 200, body: openIdConfiguration(kind, segment) }),
    },
    {
      method: 'GET',
      pattern: /^\/([^/]+)\/discovery\/v2\.0\/keys$/,
      tenant: true,
      // Entra ID's JWKS adds `issuer` to each key: the v2.0 issuer with a {tenantid} placeholder
      // (OpenID Connect metadata, "Validate the issuer": learn.microsoft.com/entra/identity-platform/access-tokens).
      run: () => ({ status: 200, body: { keys: [{ ...material.signingKey.jwk, issuer: `${login}/{tenantid}/v2.0` }] } }),
    },
    {
      method: 'POST',
      pattern: /^\/([^/]+)\/oauth2\/v2\.0\/token$/,
      tenant: true,
      run: async (req, segment, kind) => {
        const form = withBasicAuth(parseForm(req), req.authorization);
        const grantType = form.grant_type?.trim();
        if (!grantType) throw sts.missingParameter('grant_type');
        const grant = grants[grantType];
        if (!grant) throw sts.unsupportedGrant();
        return grant(form, segment, kind);
      },
    },
  ];

  async function handle(req: LoginRequest): Promise<LoginResponse> {
    try {
      for (const route of routes) {
        const m = route.pattern.exec(req.url.pathname);
        if (!m || route.method !== req.method) continue;
        let segment = '';
        let kind: 'tenant' | 'multi' = 'tenant';
        if (route.tenant) {
          try {
            segment = decodeURIComponent(m[1] ?? '');
          } catch {
            segment = m[1] ?? '';
          }
          const resolved = resolveTenant(segment);
          if (!resolved) throw sts.tenantNotFound(segment.length > 100 ? `${segment.slice(0, 100)}...` : segment);
          kind = resolved;
        }
        const res = await route.run(req, segment, kind);
        return { ...res, headers: { 'Cache-Control': 'no-store, no-cache', Pragma: 'no-cache', ...(res.headers ?? {}) } };
      }
      throw sts.notFound();
    } catch (e) {
      if (e instanceof StsError) return { status: e.status, body: stsErrorBody(e, login, req.clientRequestId, new Date(now())) };
      throw e;
    }
  }

  async function verifyAccessToken(token: string): Promise<AccessTokenCheck> {
    try {
      const { payload } = await jwtVerify(token, material.signingKey.publicKey, {
        algorithms: ['RS256'],
        issuer: accessTokenIssuer,
        audience: graph,
        requiredClaims: ['exp', 'nbf', 'iat'],
        currentDate: new Date(now()),
      });
      const claims = accessTokenClaimsSchema.safeParse(payload);
      if (!claims.success) return { ok: false, reason: 'malformed' };
      const c = claims.data;
      if (c.idtyp === 'user') {
        if (!publicRegistry.has(c.appid.toLowerCase()) || c.oid === undefined) return { ok: false, reason: 'malformed' };
        const principal: GraphPrincipal = {
          kind: 'user',
          scopes: new Set((c.scp ?? '').split(' ').filter(Boolean)),
          directoryRoles: new Set(rolesFromTemplateIds(c.wids ?? [])),
          objectId: c.oid,
        };
        return { ok: true, roles: new Set(), appId: c.appid, principal };
      }
      if (!registry.has(c.appid.toLowerCase()) && !registeredApp(c.appid)) return { ok: false, reason: 'malformed' };
      const roles = new Set(c.roles ?? []);
      return { ok: true, roles, appId: c.appid, principal: { kind: 'app', roles } };
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) return { ok: false, reason: 'expired' };
      if (e instanceof joseErrors.JWTClaimValidationFailed) {
        if (e.claim === 'aud') return { ok: false, reason: 'invalid-audience' };
        if (e.claim === 'iss') return { ok: false, reason: 'invalid-issuer' };
        if (e.claim === 'nbf') return { ok: false, reason: 'not-yet-valid' };
        return { ok: false, reason: 'malformed' };
      }
      if (e instanceof joseErrors.JWSSignatureVerificationFailed) return { ok: false, reason: 'invalid-signature' };
      return { ok: false, reason: 'malformed' };
    }
  }

  return {
    tenantId,
    domain,
    apps,
    publicApps,
    signInUsers,
    setUserMfa: (user, required) => delegated.setUserMfa(user, required),
    tokenEndpoint,
    issuer,
    handle,
    verifyAccessToken,
    registerCertificate,
  };
}
