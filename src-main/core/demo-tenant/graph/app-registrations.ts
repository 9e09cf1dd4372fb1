/**
 * App registrations, service principals and app role assignments of the demo tenant: the
 * Microsoft Graph v1.0 endpoints an administrator's registration script calls (the product's
 * own client stays read-only and never calls them). What a script creates here is real in the
 * tenant: identity.ts issues tokens to these apps, accepts the certificates uploaded to them
 * and puts their Microsoft Graph app role assignments into the token's `roles`.
 *
 * Shapes and rules follow Microsoft Graph:
 * - application (learn.microsoft.com/graph/api/resources/application), Create application,
 *   Update application: a PATCH of keyCredentials replaces the list; an entry sent back with
 *   its keyId keeps that key (how `az ad app credential reset --append` keeps the others), and
 *   `key` is returned only when a single application is read with $select=keyCredentials
 *   (learn.microsoft.com/graph/api/resources/keycredential).
 * - servicePrincipal, Create servicePrincipal, `/servicePrincipals(appId='…')`.
 * - Grant an appRoleAssignment for a service principal
 *   (learn.microsoft.com/graph/api/serviceprincipal-post-approleassignments): granting a
 *   Microsoft Graph app role needs a Privileged Role Administrator or Global Administrator;
 *   an Application Administrator or Cloud Application Administrator may create and manage
 *   the app but not grant Microsoft Graph app roles ("Grant tenant-wide admin consent",
 *   learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent). Refusals use
 *   Graph's 403 Authorization_RequestDenied.
 * - "Users can register applications" is on by default
 *   (learn.microsoft.com/entra/identity/role-based-access-control/delegate-app-roles): any
 *   member may create an app registration and becomes its owner; an owner may update it and
 *   create its service principal.
 * - Azure Resource Manager's `GET /subscriptions` and `GET /tenants` answer empty lists, for
 *   `az login --allow-no-subscriptions` with a custom cloud whose resource manager is this host.
 */
import { X509Certificate, createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { GRAPH_PERMISSION_IDS } from '../../permissions/graph-ids';
import { graphError, type GraphRequest, type HandlerResult } from './contract';

export const MICROSOFT_GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Directory roles that may manage any app registration and service principal. */
export const APP_MANAGER_ROLES: readonly string[] = ['Global Administrator', 'Application Administrator', 'Cloud Application Administrator'];
/** Directory roles that may grant Microsoft Graph app roles (application permissions). */
export const GRAPH_APP_ROLE_GRANTERS: readonly string[] = ['Global Administrator', 'Privileged Role Administrator'];

/** Delegated scopes that allow each kind of call (least privileged first). */
const READ_SCOPES = ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.AccessAsUser.All'];
const APP_WRITE_SCOPES = ['Application.ReadWrite.All', 'Directory.AccessAsUser.All'];
const ASSIGN_SCOPES = ['AppRoleAssignment.ReadWrite.All', 'Directory.AccessAsUser.All'];

const MAX_KEYS = 20;
const MAX_APPS = 10_000;

/** What identity.ts needs to know of an app registered here. */
export interface RegisteredApp {
  appId: string;
  displayName: string;
  /** Object id of its service principal, absent until one is created. */
  servicePrincipalId: string | undefined;
  /** Uploaded certificates (PEM) with their hex thumbprints. */
  certificates: { pem: string; sha256: string; sha1: string }[];
  /** Names of the Microsoft Graph app roles assigned to its service principal. */
  roles: string[];
  /** Web and public client redirect URIs. */
  redirectUris: string[];
}

export interface AppRegistrationDirectory {
  /** Handles the app-registration and resource-manager routes; null for any other path. */
  handle(req: GraphRequest): HandlerResult | null;
  /** The app registered with this client id, if any. */
  app(appId: string): RegisteredApp | undefined;
  /**
   * Tenant-wide admin consent through the admin-consent endpoint (v2-admin-consent): creates the
   * service principal when missing and assigns every Microsoft Graph app role the registration
   * asks for (requiredResourceAccess, type Role) that is not assigned yet.
   */
  grantAdminConsent(appId: string): void;
}

interface KeyCredential {
  keyId: string;
  type: 'AsymmetricX509Cert';
  usage: 'Verify';
  key: string;
  displayName: string | null;
  customKeyIdentifier: string;
  startDateTime: string;
  endDateTime: string;
  pem: string;
  sha256: string;
  sha1: string;
}

interface Application {
  id: string;
  appId: string;
  displayName: string;
  signInAudience: string;
  createdDateTime: string;
  isFallbackPublicClient: boolean | null;
  web: { redirectUris: string[] };
  publicClient: { redirectUris: string[] };
  requiredResourceAccess: { resourceAppId: string; resourceAccess: { id: string; type: 'Role' | 'Scope' }[] }[];
  keyCredentials: KeyCredential[];
  owners: Set<string>;
}

interface AppRole {
  id: string;
  value: string;
  displayName: string;
  description: string;
  allowedMemberTypes: string[];
  isEnabled: boolean;
  origin: string;
}

interface ServicePrincipal {
  id: string;
  appId: string;
  displayName: string;
  servicePrincipalType: 'Application';
  accountEnabled: boolean;
  appRoles: AppRole[];
  owners: Set<string>;
}

interface AppRoleAssignment {
  id: string;
  appRoleId: string;
  createdDateTime: string;
  principalDisplayName: string;
  principalId: string;
  principalType: 'ServicePrincipal';
  resourceDisplayName: string;
  resourceId: string;
}

const guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
const uriList = z.array(z.string().max(2048)).max(256);
const createApplicationSchema = z.object({
  displayName: z.string().min(1).max(256),
  signInAudience: z.enum(['AzureADMyOrg', 'AzureADMultipleOrgs', 'AzureADandPersonalMicrosoftAccount', 'PersonalMicrosoftAccount']).default('AzureADMyOrg'),
  isFallbackPublicClient: z.boolean().nullable().optional(),
  web: z.object({ redirectUris: uriList.default([]) }).optional(),
  publicClient: z.object({ redirectUris: uriList.default([]) }).optional(),
  requiredResourceAccess: z
    .array(z.object({ resourceAppId: guid, resourceAccess: z.array(z.object({ id: guid, type: z.enum(['Role', 'Scope']) })).max(400) }))
    .max(50)
    .default([]),
});
const keyCredentialInput = z.object({
  keyId: guid.optional(),
  type: z.string().max(64).optional().nullable(),
  usage: z.string().max(64).optional().nullable(),
  key: z.string().max(64 * 1024).optional().nullable(),
  displayName: z.string().max(256).optional().nullable(),
  customKeyIdentifier: z.string().max(256).optional().nullable(),
  startDateTime: z.string().max(64).optional().nullable(),
  endDateTime: z.string().max(64).optional().nullable(),
});
const patchApplicationSchema = z.object({ keyCredentials: z.array(keyCredentialInput).max(MAX_KEYS) }).strict();
const createServicePrincipalSchema = z.object({ appId: guid });
const createAssignmentSchema = z.object({ principalId: guid, resourceId: guid, appRoleId: guid });

function json(body: unknown, status = 200): HandlerResult {
  return { kind: 'json', status, body };
}

function denied(): HandlerResult {
  return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

function notFound(id: string): HandlerResult {
  return graphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

function badRequest(message: string, code = 'Request_BadRequest'): HandlerResult {
  return graphError(400, code, message);
}

function parseBody<T>(req: GraphRequest, schema: z.ZodType<T>): T | HandlerResult {
  let raw: unknown;
  try {
    raw = JSON.parse(req.body ?? '');
  } catch {
    return badRequest('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.', 'BadRequest');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return badRequest(`Invalid value specified for property '${issue?.path.join('.') || 'body'}' of resource.`);
  }
  return parsed.data;
}

function isResult(v: unknown): v is HandlerResult {
  return typeof v === 'object' && v !== null && 'kind' in v && typeof (v as { kind: unknown }).kind === 'string' && 'status' in v;
}

/** `displayName eq '…'` or `appId eq '…'` ('' escapes a quote, as in OData). */
function parseFilter(raw: string | null, allowed: readonly string[]): { prop: string; value: string } | null | HandlerResult {
  if (raw === null) return null;
  const m = /^\s*([A-Za-z]+)\s+eq\s+'((?:[^']|'')*)'\s*$/.exec(raw);
  const prop = m ? allowed.find((a) => a.toLowerCase() === (m[1] ?? '').toLowerCase()) : undefined;
  if (!m || !prop) return badRequest('Unsupported or invalid query filter clause specified.', 'Request_UnsupportedQuery');
  return { prop, value: (m[2] ?? '').replace(/''/g, "'") };
}

function select(obj: Record<string, unknown>, raw: string | null, known: readonly string[]): Record<string, unknown> | HandlerResult {
  if (raw === null) return obj;
  const out: Record<string, unknown> = {};
  for (const part of raw.split(',')) {
    const name = part.trim();
    if (!name) continue;
    const k = known.find((x) => x.toLowerCase() === name.toLowerCase());
    if (!k) return badRequest(`Could not find a property named '${name}' on type 'microsoft.graph.directoryObject'.`, 'BadRequest');
    out[k] = obj[k];
  }
  return out;
}

const APP_PROPERTIES = ['id', 'appId', 'displayName', 'signInAudience', 'createdDateTime', 'isFallbackPublicClient', 'web', 'publicClient', 'requiredResourceAccess', 'keyCredentials', 'passwordCredentials'] as const;
const SP_PROPERTIES = ['id', 'appId', 'displayName', 'servicePrincipalType', 'accountEnabled', 'appRoles'] as const;

/** Microsoft Graph's app roles: every application permission the permission table knows. */
function graphAppRoles(): AppRole[] {
  const roles: AppRole[] = [];
  for (const [value, ids] of Object.entries(GRAPH_PERMISSION_IDS)) {
    if (!('application' in ids)) continue;
    roles.push({ id: ids.application, value, displayName: value, description: value, allowedMemberTypes: ['Application'], isEnabled: true, origin: 'Application' });
  }
  return roles;
}

export function createAppRegistrations(opts: { tenantId: string; seed: string; now?: () => number }): AppRegistrationDirectory {
  const now = opts.now ?? Date.now;
  const applications = new Map<string, Application>();
  const byAppId = new Map<string, Application>();
  const servicePrincipals = new Map<string, ServicePrincipal>();
  const spByAppId = new Map<string, ServicePrincipal>();
  const assignments = new Map<string, AppRoleAssignment[]>();

  const graphSpId = (() => {
    const h = createHash('sha256').update(`${opts.seed}\u0000graph-sp`).digest('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  })();
  const graphSp: ServicePrincipal = {
    id: graphSpId,
    appId: MICROSOFT_GRAPH_APP_ID,
    displayName: 'Microsoft Graph',
    servicePrincipalType: 'Application',
    accountEnabled: true,
    appRoles: graphAppRoles(),
    owners: new Set(),
  };
  servicePrincipals.set(graphSp.id, graphSp);
  spByAppId.set(graphSp.appId, graphSp);

  // -------------------------------------------------------------------------
  // Who may do what

  interface Caller {
    kind: 'user' | 'app';
    objectId: string | undefined;
    scopes: ReadonlySet<string>;
    directoryRoles: ReadonlySet<string>;
    appRoles: ReadonlySet<string>;
  }

  function caller(req: GraphRequest): Caller {
    const p = req.principal;
    if (p?.kind === 'user') return { kind: 'user', objectId: p.objectId, scopes: p.scopes, directoryRoles: p.directoryRoles, appRoles: new Set() };
    return { kind: 'app', objectId: undefined, scopes: new Set(), directoryRoles: new Set(), appRoles: p?.kind === 'app' ? p.roles : req.roles };
  }

  const hasAny = (set: ReadonlySet<string>, names: readonly string[]): boolean => names.some((n) => set.has(n));

  function mayRead(c: Caller): boolean {
    return c.kind === 'user' ? hasAny(c.scopes, READ_SCOPES) : hasAny(c.appRoles, ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All']);
  }

  /** Create an app registration: any member user (default "Users can register applications"), or an app with Application.ReadWrite.All. */
  function mayCreateApp(c: Caller): boolean {
    return c.kind === 'user' ? hasAny(c.scopes, APP_WRITE_SCOPES) : c.appRoles.has('Application.ReadWrite.All');
  }

  /** Update an app or create its service principal: an app manager role, or an owner. */
  function mayManage(c: Caller, owners: ReadonlySet<string>): boolean {
    if (c.kind === 'app') return c.appRoles.has('Application.ReadWrite.All');
    if (!hasAny(c.scopes, APP_WRITE_SCOPES)) return false;
    return hasAny(c.directoryRoles, APP_MANAGER_ROLES) || (c.objectId !== undefined && owners.has(c.objectId));
  }

  /** Grant an app role of `resource`: Microsoft Graph's need a Privileged Role Administrator or Global Administrator. */
  function mayAssign(c: Caller, resource: ServicePrincipal): boolean {
    if (c.kind === 'app') return c.appRoles.has('AppRoleAssignment.ReadWrite.All');
    if (!hasAny(c.scopes, ASSIGN_SCOPES)) return false;
    if (resource.appId === MICROSOFT_GRAPH_APP_ID) return hasAny(c.directoryRoles, GRAPH_APP_ROLE_GRANTERS);
    return hasAny(c.directoryRoles, [...GRAPH_APP_ROLE_GRANTERS, ...APP_MANAGER_ROLES]) || (c.objectId !== undefined && resource.owners.has(c.objectId));
  }

  // -------------------------------------------------------------------------
  // Views

  function appView(a: Application, withKeys: boolean): Record<string, unknown> {
    return {
      id: a.id,
      appId: a.appId,
      displayName: a.displayName,
      signInAudience: a.signInAudience,
      createdDateTime: a.createdDateTime,
      isFallbackPublicClient: a.isFallbackPublicClient,
      web: { redirectUris: [...a.web.redirectUris] },
      publicClient: { redirectUris: [...a.publicClient.redirectUris] },
      requiredResourceAccess: a.requiredResourceAccess,
      keyCredentials: a.keyCredentials.map((k) => ({
        customKeyIdentifier: k.customKeyIdentifier,
        displayName: k.displayName,
        endDateTime: k.endDateTime,
        key: withKeys ? k.key : null,
        keyId: k.keyId,
        startDateTime: k.startDateTime,
        type: k.type,
        usage: k.usage,
      })),
      passwordCredentials: [],
    };
  }

  function spView(s: ServicePrincipal): Record<string, unknown> {
    return { id: s.id, appId: s.appId, displayName: s.displayName, servicePrincipalType: s.servicePrincipalType, accountEnabled: s.accountEnabled, appRoles: s.appRoles };
  }

  const context = (req: GraphRequest, what: string): string => `${req.url.origin}/v1.0/$metadata#${what}`;

  // -------------------------------------------------------------------------
  // Handlers

  function listApplications(req: GraphRequest): HandlerResult {
    const f = parseFilter(req.url.searchParams.get('$filter'), ['displayName', 'appId']);
    if (isResult(f)) return f;
    const value: Record<string, unknown>[] = [];
    for (const a of applications.values()) {
      if (f && (f.prop === 'appId' ? a.appId.toLowerCase() !== f.value.toLowerCase() : a.displayName !== f.value)) continue;
      const v = select(appView(a, false), req.url.searchParams.get('$select'), APP_PROPERTIES);
      if (isResult(v)) return v;
      value.push(v);
    }
    return json({ '@odata.context': context(req, 'applications'), value });
  }

  function getApplication(req: GraphRequest, a: Application): HandlerResult {
    const sel = req.url.searchParams.get('$select');
    // `key` only when one application is read with $select=keyCredentials.
    const withKeys = sel !== null && sel.split(',').some((p) => p.trim().toLowerCase() === 'keycredentials');
    const v = select(appView(a, withKeys), sel, APP_PROPERTIES);
    if (isResult(v)) return v;
    return json({ '@odata.context': context(req, 'applications/$entity'), ...v });
  }

  function createApplication(req: GraphRequest, c: Caller): HandlerResult {
    if (!mayCreateApp(c)) return denied();
    const body = parseBody(req, createApplicationSchema);
    if (isResult(body)) return body;
    if (applications.size >= MAX_APPS) return graphError(400, 'Directory_QuotaExceeded', 'The directory object quota limit for the Tenant has been exceeded.');
    const a: Application = {
      id: randomUUID(),
      appId: randomUUID(),
      displayName: body.displayName,
      signInAudience: body.signInAudience,
      createdDateTime: new Date(now()).toISOString(),
      isFallbackPublicClient: body.isFallbackPublicClient ?? null,
      web: { redirectUris: [...(body.web?.redirectUris ?? [])] },
      publicClient: { redirectUris: [...(body.publicClient?.redirectUris ?? [])] },
      requiredResourceAccess: body.requiredResourceAccess,
      keyCredentials: [],
      owners: new Set(c.objectId !== undefined ? [c.objectId] : []),
    };
    applications.set(a.id, a);
    byAppId.set(a.appId, a);
    return json({ '@odata.context': context(req, 'applications/$entity'), ...appView(a, false) }, 201);
  }

  function newKey(k: z.infer<typeof keyCredentialInput>): KeyCredential | HandlerResult {
    if (k.type !== 'AsymmetricX509Cert' || (k.usage ?? 'Verify') !== 'Verify' || !k.key) {
      return badRequest('Invalid value specified for property \'keyCredentials\' of resource \'Application\'.');
    }
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(Buffer.from(k.key, 'base64'));
    } catch {
      return badRequest('Key credential content should be a valid X509 certificate.', 'KeyCredentialsInvalidValue');
    }
    if (cert.toString().includes('PRIVATE KEY')) return badRequest('Key credential content should be a valid X509 certificate.', 'KeyCredentialsInvalidValue');
    const sha1 = createHash('sha1').update(cert.raw).digest();
    return {
      keyId: k.keyId ?? randomUUID(),
      type: 'AsymmetricX509Cert',
      usage: 'Verify',
      key: cert.raw.toString('base64'),
      displayName: k.displayName ?? null,
      customKeyIdentifier: k.customKeyIdentifier ?? sha1.toString('base64'),
      startDateTime: new Date(cert.validFrom).toISOString(),
      endDateTime: new Date(cert.validTo).toISOString(),
      pem: cert.toString(),
      sha256: createHash('sha256').update(cert.raw).digest('hex'),
      sha1: sha1.toString('hex'),
    };
  }

  function patchApplication(req: GraphRequest, c: Caller, a: Application): HandlerResult {
    if (!mayManage(c, a.owners)) return denied();
    const body = parseBody(req, patchApplicationSchema);
    if (isResult(body)) return body;
    const next: KeyCredential[] = [];
    for (const k of body.keyCredentials) {
      const existing = k.keyId !== undefined ? a.keyCredentials.find((x) => x.keyId.toLowerCase() === k.keyId?.toLowerCase()) : undefined;
      // An entry sent back with its keyId (and no new key) keeps that key as it is.
      if (existing && !k.key) {
        next.push(existing);
        continue;
      }
      if (!k.key && k.keyId !== undefined) return badRequest(`The key credential with keyId '${k.keyId}' was not found on the application.`);
      const made = newKey(k);
      if (isResult(made)) return made;
      if (next.some((x) => x.keyId === made.keyId)) return badRequest('Key credential keyId values must be unique.');
      next.push(made);
    }
    a.keyCredentials = next;
    return { kind: 'json', status: 204, body: null };
  }

  function listServicePrincipals(req: GraphRequest): HandlerResult {
    const f = parseFilter(req.url.searchParams.get('$filter'), ['appId', 'displayName']);
    if (isResult(f)) return f;
    const value: Record<string, unknown>[] = [];
    for (const s of servicePrincipals.values()) {
      if (f && (f.prop === 'appId' ? s.appId.toLowerCase() !== f.value.toLowerCase() : s.displayName !== f.value)) continue;
      const v = select(spView(s), req.url.searchParams.get('$select'), SP_PROPERTIES);
      if (isResult(v)) return v;
      value.push(v);
    }
    return json({ '@odata.context': context(req, 'servicePrincipals'), value });
  }

  function getServicePrincipal(req: GraphRequest, s: ServicePrincipal): HandlerResult {
    const v = select(spView(s), req.url.searchParams.get('$select'), SP_PROPERTIES);
    if (isResult(v)) return v;
    return json({ '@odata.context': context(req, 'servicePrincipals/$entity'), ...v });
  }

  function createServicePrincipal(req: GraphRequest, c: Caller): HandlerResult {
    const body = parseBody(req, createServicePrincipalSchema);
    if (isResult(body)) return body;
    const a = byAppId.get(body.appId.toLowerCase());
    if (!a) return badRequest(`The appId '${body.appId}' of the service principal does not reference a valid application object.`, 'Request_BadRequest');
    if (!mayManage(c, a.owners)) return denied();
    if (spByAppId.has(a.appId)) return graphError(409, 'Request_MultipleObjectsWithSameKeyValue', 'The service principal cannot be created, updated, or restored because the service principal name is already in use.');
    const s: ServicePrincipal = {
      id: randomUUID(),
      appId: a.appId,
      displayName: a.displayName,
      servicePrincipalType: 'Application',
      accountEnabled: true,
      appRoles: [],
      owners: new Set(a.owners),
    };
    servicePrincipals.set(s.id, s);
    spByAppId.set(s.appId, s);
    return json({ '@odata.context': context(req, 'servicePrincipals/$entity'), ...spView(s) }, 201);
  }

  function listAssignments(req: GraphRequest, s: ServicePrincipal): HandlerResult {
    return json({ '@odata.context': context(req, `servicePrincipals('${s.id}')/appRoleAssignments`), value: [...(assignments.get(s.id) ?? [])] });
  }

  function createAssignment(req: GraphRequest, c: Caller, s: ServicePrincipal): HandlerResult {
    const body = parseBody(req, createAssignmentSchema);
    if (isResult(body)) return body;
    if (body.principalId.toLowerCase() !== s.id) return badRequest('Not a valid reference update.');
    const resource = servicePrincipals.get(body.resourceId.toLowerCase());
    if (!resource) return badRequest('Not a valid reference update.');
    if (!mayAssign(c, resource)) return denied();
    const role = resource.appRoles.find((r) => r.id === body.appRoleId.toLowerCase());
    if (!role) return badRequest('Permission being assigned was not found on application');
    const list = assignments.get(s.id) ?? [];
    if (list.some((x) => x.appRoleId === role.id && x.resourceId === resource.id)) return badRequest('Permission being assigned already exists on the object');
    const made: AppRoleAssignment = {
      id: Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url'),
      appRoleId: role.id,
      createdDateTime: new Date(now()).toISOString(),
      principalDisplayName: s.displayName,
      principalId: s.id,
      principalType: 'ServicePrincipal',
      resourceDisplayName: resource.displayName,
      resourceId: resource.id,
    };
    list.push(made);
    assignments.set(s.id, list);
    return json({ '@odata.context': context(req, `servicePrincipals('${s.id}')/appRoleAssignments/$entity`), ...made }, 201);
  }

  // -------------------------------------------------------------------------
  // Routing

  const APP_BY_APPID = /^\/v1\.0\/applications\(appId='([^']*)'\)$/i;
  const APP_BY_ID = /^\/v1\.0\/applications\/([^/]+)$/i;
  const SP_BY_APPID = /^\/v1\.0\/servicePrincipals\(appId='([^']*)'\)$/i;
  const SP_BY_ID = /^\/v1\.0\/servicePrincipals\/([^/]+)$/i;
  const SP_ASSIGNMENTS = /^\/v1\.0\/servicePrincipals\/([^/]+)\/appRoleAssignments$/i;

  function methodNotAllowed(): HandlerResult {
    return graphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
  }

  function handle(req: GraphRequest): HandlerResult | null {
    let path: string;
    try {
      path = decodeURIComponent(req.url.pathname);
    } catch {
      path = req.url.pathname;
    }
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const method = req.method.toUpperCase();
    const lower = path.toLowerCase();

    // Azure Resource Manager, as far as `az login --allow-no-subscriptions` needs it.
    if (lower === '/subscriptions' || lower === '/tenants') {
      if (method !== 'GET') return methodNotAllowed();
      return json({ value: [] });
    }

    const c = caller(req);
    if (lower === '/v1.0/applications') {
      if (method === 'GET') return mayRead(c) ? listApplications(req) : denied();
      if (method === 'POST') return createApplication(req, c);
      return methodNotAllowed();
    }
    const appMatch = APP_BY_APPID.exec(path) ?? APP_BY_ID.exec(path);
    if (appMatch) {
      const key = (appMatch[1] ?? '').toLowerCase();
      const a = APP_BY_APPID.test(path) ? byAppId.get(key) : applications.get(key);
      if (!mayRead(c)) return denied();
      if (!a) return notFound(appMatch[1] ?? '');
      if (method === 'GET') return getApplication(req, a);
      if (method === 'PATCH') return patchApplication(req, c, a);
      return methodNotAllowed();
    }
    if (lower === '/v1.0/serviceprincipals') {
      if (method === 'GET') return mayRead(c) ? listServicePrincipals(req) : denied();
      if (method === 'POST') return createServicePrincipal(req, c);
      return methodNotAllowed();
    }
    const assignMatch = SP_ASSIGNMENTS.exec(path);
    if (assignMatch) {
      const s = servicePrincipals.get((assignMatch[1] ?? '').toLowerCase());
      if (!mayRead(c)) return denied();
      if (!s) return notFound(assignMatch[1] ?? '');
      if (method === 'GET') return listAssignments(req, s);
      if (method === 'POST') return createAssignment(req, c, s);
      return methodNotAllowed();
    }
    const spMatch = SP_BY_APPID.exec(path) ?? SP_BY_ID.exec(path);
    if (spMatch) {
      const key = (spMatch[1] ?? '').toLowerCase();
      const s = SP_BY_APPID.test(path) ? spByAppId.get(key) : servicePrincipals.get(key);
      if (!mayRead(c)) return denied();
      if (!s) return notFound(spMatch[1] ?? '');
      if (method === 'GET') return getServicePrincipal(req, s);
      return methodNotAllowed();
    }
    return null;
  }

  function app(appId: string): RegisteredApp | undefined {
    const a = byAppId.get(appId.toLowerCase());
    if (!a) return undefined;
    const s = spByAppId.get(a.appId);
    const roles: string[] = [];
    for (const x of s ? (assignments.get(s.id) ?? []) : []) {
      if (x.resourceId !== graphSp.id) continue;
      const r = graphSp.appRoles.find((role) => role.id === x.appRoleId);
      if (r && !roles.includes(r.value)) roles.push(r.value);
    }
    return {
      appId: a.appId,
      displayName: a.displayName,
      servicePrincipalId: s?.id,
      certificates: a.keyCredentials.map((k) => ({ pem: k.pem, sha256: k.sha256, sha1: k.sha1 })),
      roles,
      redirectUris: [...a.web.redirectUris, ...a.publicClient.redirectUris],
    };
  }

  function grantAdminConsent(appId: string): void {
    const a = byAppId.get(appId.toLowerCase());
    if (!a) return;
    let s = spByAppId.get(a.appId);
    if (!s) {
      s = { id: randomUUID(), appId: a.appId, displayName: a.displayName, servicePrincipalType: 'Application', accountEnabled: true, appRoles: [], owners: new Set(a.owners) };
      servicePrincipals.set(s.id, s);
      spByAppId.set(s.appId, s);
    }
    const list = assignments.get(s.id) ?? [];
    for (const rra of a.requiredResourceAccess) {
      if (rra.resourceAppId.toLowerCase() !== MICROSOFT_GRAPH_APP_ID) continue;
      for (const access of rra.resourceAccess) {
        if (access.type !== 'Role' || list.some((x) => x.appRoleId === access.id.toLowerCase())) continue;
        const role = graphSp.appRoles.find((r) => r.id === access.id.toLowerCase());
        if (!role) continue;
        list.push({
          id: Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64url'),
          appRoleId: role.id,
          createdDateTime: new Date(now()).toISOString(),
          principalDisplayName: s.displayName,
          principalId: s.id,
          principalType: 'ServicePrincipal',
          resourceDisplayName: graphSp.displayName,
          resourceId: graphSp.id,
        });
      }
    }
    assignments.set(s.id, list);
  }

  return { handle, app, grantAdminConsent };
}
