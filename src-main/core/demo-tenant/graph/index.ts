/**
 * Graph v1.0 and report-download handlers of the demo tenant, over the synthetic
 * data in ../data. Behaviour follows Microsoft Graph where the product depends on
 * it: permission checks per endpoint (from the permission matrix), $select (exactly
 * the selected properties), $top (1-999), opaque signed $skiptoken nextLinks, $count
 * only with ConsistencyLevel: eventual (ignored without it) and on the first page,
 * signInActivity gating (AuditLog.Read.All + Entra ID P1, 500 users per page, its
 * documented $filters), report 302 redirects to pre-authenticated CSV downloads, and
 * writes answered as Graph does: 403 without a write permission, 405 where Graph has none.
 *
 * Routes are a table (ROUTES in createGraphApi): a resource is one entry naming its
 * read handler, its dataset and the writes Graph supports on it with their permissions.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { DATASET_PERMISSIONS, grants, grantsDelegated, type DatasetId } from '../../permissions/matrix';
import { ACTIVE_USER_COUNTS_FUNCTION, activeUserCountsCsv } from '../data/report-counts';
import {
  createDemoData,
  REPORT_FUNCTIONS,
  REPORT_KINDS,
  REPORT_PERIODS,
  reportChunks,
  type DemoData,
  type DemoGroup,
  type DemoUser,
  type ReportKind,
  type ReportPeriod,
} from '../data';
import { graphError, type GraphApi, type GraphApiOptions, type GraphRequest, type HandlerResult } from './contract';
import { TokenSigner } from './signed-token';
import { parseSignInFilter, type SignInFilter } from './sign-in-filter';
import { createSignInIndex } from './sign-in-index';
import { createAppRegistrations } from './app-registrations';
import { demoSubscriptions, type DemoCompanySubscription } from './subscriptions';

export type { GraphApi, GraphApiOptions, GraphRequest, HandlerResult } from './contract';

export interface GraphApiDeps {
  /** Clock for download-link expiry (default Date.now). */
  now?: () => number;
  /** Lifetime of report download links, in ms (default 10 minutes). */
  downloadTtlMs?: number;
}

/** The GraphApi plus the data behind it (for the server and later features such as directory roles). */
export interface DemoGraphApi extends GraphApi {
  readonly data: DemoData;
  readonly concealNames: boolean;
}

const DEFAULT_TOP = 100;
const MAX_TOP = 999;
/**
 * "List users" (learn.microsoft.com/graph/api/user-list, Optional query parameters): the
 * maximum page size is 999, "except when using $select=signInActivity or
 * $filter=signInActivity, the maximum page size is 500". A larger $top gives pages of 500.
 */
export const SIGN_IN_PAGE_CAP = 500;

/** Graph's default user properties when $select is absent. */
export const USER_DEFAULT_PROPERTIES = [
  'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation',
  'preferredLanguage', 'surname', 'userPrincipalName', 'id',
] as const;

const USER_PROPERTIES: readonly (keyof DemoUser)[] = [
  'id', 'userPrincipalName', 'displayName', 'givenName', 'surname', 'mail', 'accountEnabled', 'userType',
  'createdDateTime', 'department', 'jobTitle', 'usageLocation', 'businessPhones', 'mobilePhone', 'officeLocation',
  'preferredLanguage', 'assignedLicenses', 'licenseAssignmentStates', 'signInActivity',
];

const GROUP_PROPERTIES: readonly (keyof DemoGroup)[] = [
  'id', 'displayName', 'description', 'mail', 'mailEnabled', 'mailNickname', 'securityEnabled', 'groupTypes',
  'createdDateTime', 'assignedLicenses',
];

const LICENSED_GROUPS_FILTER = 'assignedlicenses/$count ne 0';

const PageTokenSchema = z.object({
  r: z.enum(['users', 'groups']),
  o: z.number().int().min(0),
  t: z.number().int().min(1).max(MAX_TOP),
  s: z.array(z.string().max(64)).max(64).nullable(),
  /** Report @odata.count (on the first page only, so never set in a nextLink's token). */
  c: z.boolean(),
  /** The $filter as sent (re-parsed on every page). */
  f: z.string().max(1024).nullable(),
});
type PageToken = z.infer<typeof PageTokenSchema>;

/** Report kinds a download link may name: the per-user detail reports and the tenant-level counts. */
const DOWNLOAD_KINDS = [...REPORT_KINDS, 'activeUserCounts'] as const;

const DownloadTokenSchema = z.object({
  k: z.enum(DOWNLOAD_KINDS),
  p: z.enum(REPORT_PERIODS),
  e: z.number().int(),
  c: z.boolean(),
});

const REPORT_FILE_NAMES: Record<ReportKind, string> = {
  activeUserDetail: 'Office365ActiveUserDetail',
  m365AppUserDetail: 'M365AppUserDetail',
  activationsUserDetail: 'Office365ActivationsUserDetail',
  mailboxUsageDetail: 'MailboxUsageDetail',
};

const REPORT_DATASET: Record<ReportKind, DatasetId> = {
  activeUserDetail: 'report.activeUserDetail',
  m365AppUserDetail: 'report.m365AppUserDetail',
  activationsUserDetail: 'report.activationsUserDetail',
  mailboxUsageDetail: 'report.mailboxUsageDetail',
};

/**
 * Whether the caller may read a dataset: an app needs an application permission; a
 * signed-in user needs a delegated scope AND a directory role the matrix names (so a
 * Global Reader, who sees tenant-level report data only, is refused per-user detail).
 */
export function authorised(req: GraphRequest, dataset: DatasetId): boolean {
  const p = req.principal;
  if (p?.kind === 'user') return grantsDelegated(dataset, p.scopes, p.directoryRoles);
  return grants(dataset, p?.kind === 'app' ? p.roles : req.roles);
}

/**
 * Roles that may read TENANT-LEVEL usage reports with a delegated token ("Authorization for
 * APIs to read Microsoft 365 usage reports", learn.microsoft.com/graph/reportroot-authorization):
 * the roles that see per-user detail, plus Global Reader and Usage Summary Reports Reader,
 * which see tenant-level data only.
 */
export const TENANT_REPORT_ROLES: readonly string[] = [
  ...DATASET_PERMISSIONS['report.activeUserDetail'].delegatedRoles,
  'Global Reader',
  'Usage Summary Reports Reader',
];

/** Whether the caller may read a tenant-level usage report (Reports.Read.All; a user also one of TENANT_REPORT_ROLES). */
export function authorisedTenantReport(req: GraphRequest): boolean {
  const p = req.principal;
  if (p?.kind === 'user') return p.scopes.has('Reports.Read.All') && TENANT_REPORT_ROLES.some((r) => p.directoryRoles.has(r));
  return (p?.kind === 'app' ? p.roles : req.roles).has('Reports.Read.All');
}

function denied(): HandlerResult {
  return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
}

/** Whether the caller holds one of the permissions (app roles, or a user's delegated scopes). */
function holdsAny(req: GraphRequest, permissions: readonly string[]): boolean {
  const p = req.principal;
  const held = p?.kind === 'user' ? p.scopes : p?.kind === 'app' ? p.roles : req.roles;
  return permissions.some((x) => held.has(x));
}

export type WriteMethod = 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/** A write Graph supports on a resource: the permissions that allow it and, when the demo tenant carries it out, its handler. */
export interface GraphWrite {
  /** Application permissions (or delegated scopes) any one of which allows the write. */
  permissions: readonly string[];
  run?: (req: GraphRequest) => HandlerResult;
}

/** A pattern over the decoded request path, and the route it names (null: no such resource). */
export interface GraphRouteEntry {
  pattern: RegExp;
  route: (m: RegExpExecArray) => GraphRoute | null;
}

/** One resource of the demo tenant's Graph: its read handler, dataset gate and supported writes. */
export interface GraphRoute {
  /** Dataset the caller must be allowed to read before `get` runs (null: `get` checks itself). */
  dataset: DatasetId | null;
  get: (req: GraphRequest) => HandlerResult;
  writes?: Partial<Record<WriteMethod, GraphWrite>>;
}

function header(req: GraphRequest, name: string): string | undefined {
  if (!req.headers) return undefined;
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(req.headers)) if (k.toLowerCase() === want) return v;
  return undefined;
}

function json(body: unknown, status = 200): HandlerResult {
  return { kind: 'json', status, body };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Resolves requested property names case-insensitively, as Graph does; null means an unknown name. */
function resolveSelect<K extends string>(raw: string, known: readonly K[]): { props: K[] } | { unknown: string } {
  const byLower = new Map(known.map((k) => [k.toLowerCase(), k]));
  const props: K[] = [];
  for (const part of raw.split(',')) {
    const name = part.trim();
    if (!name) continue;
    const k = byLower.get(name.toLowerCase());
    if (!k) return { unknown: name };
    if (!props.includes(k)) props.push(k);
  }
  return { props };
}

function project<T extends object, K extends keyof T & string>(obj: T, props: readonly K[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of props) out[p] = obj[p];
  return out;
}

function parseTop(raw: string | null): number | HandlerResult {
  if (raw === null) return DEFAULT_TOP;
  const n = /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_TOP) {
    return graphError(400, 'Request_UnsupportedQuery', `Invalid page size specified: '${raw}'. Must be between 1 and ${MAX_TOP} inclusive.`);
  }
  return n;
}

function isResult(v: unknown): v is HandlerResult {
  return typeof v === 'object' && v !== null && 'kind' in v;
}

export function createGraphApi(opts: GraphApiOptions, deps: GraphApiDeps = {}): DemoGraphApi {
  const data = createDemoData({ seed: opts.seed, users: opts.users, tenantId: opts.tenantId, domain: opts.domain, p1: opts.p1 });
  const now = deps.now ?? Date.now;
  const ttl = deps.downloadTtlMs ?? 10 * 60_000;
  const signer = new TokenSigner();
  const concealKey = createHash('sha256').update(`conceal:${opts.seed}:${opts.tenantId}`).digest();
  let conceal = opts.concealNames;
  const registrations = createAppRegistrations({ tenantId: opts.tenantId, seed: opts.seed, now });
  const signIns = createSignInIndex(data);

  function nextLink(req: GraphRequest, resource: 'users' | 'groups', state: PageToken): string {
    const q: string[] = [];
    if (state.s) q.push(`$select=${state.s.map(encodeURIComponent).join(',')}`);
    if (state.f !== null) q.push(`$filter=${encodeURIComponent(state.f)}`);
    // The query keeps $count=true as sent; the count itself is on the first page only.
    if (req.url.searchParams.get('$count') === 'true') q.push('$count=true');
    q.push(`$top=${state.t}`);
    q.push(`$skiptoken=${signer.sign(state)}`);
    return `${req.linkOrigin}/v1.0/${resource}?${q.join('&')}`;
  }

  /** Reads paging state from the query, or from a verified $skiptoken. */
  function pageState(req: GraphRequest, resource: 'users' | 'groups', known: readonly string[]): PageToken | HandlerResult {
    const q = req.url.searchParams;
    const skip = q.get('$skiptoken');
    if (skip !== null) {
      const st = signer.verify(skip, PageTokenSchema);
      if (!st || st.r !== resource) return graphError(400, 'Request_BadRequest', 'The specified page token value has expired or is invalid.');
      return st;
    }
    const top = parseTop(q.get('$top'));
    if (isResult(top)) return top;
    const rawSelect = q.get('$select');
    let s: string[] | null = null;
    if (rawSelect !== null) {
      const r = resolveSelect(rawSelect, known);
      if ('unknown' in r) {
        return graphError(400, 'BadRequest', `Could not find a property named '${r.unknown}' on type 'microsoft.graph.${resource === 'users' ? 'user' : 'group'}'.`);
      }
      s = r.props;
    }
    const countRaw = q.get('$count');
    if (countRaw !== null && countRaw !== 'true' && countRaw !== 'false') {
      return graphError(400, 'BadRequest', `Invalid value '${countRaw}' for $count.`);
    }
    const eventual = header(req, 'ConsistencyLevel')?.trim().toLowerCase() === 'eventual';
    // "Advanced query capabilities on Microsoft Entra ID objects" (learn.microsoft.com/graph/aad-advanced-queries),
    // Error handling: without ConsistencyLevel: eventual, Graph "silently ignores the $count query
    // parameter (?$count=true)": 200 and no @odata.count.
    const c = countRaw === 'true' && eventual;
    const filterRaw = q.get('$filter');
    if (filterRaw !== null) {
      const normal = filterRaw.trim().replace(/\s+/g, ' ').toLowerCase();
      if (resource === 'groups' && normal === LICENSED_GROUPS_FILTER) {
        // $count in a $filter is an advanced query: it needs the header AND $count=true (same page).
        if (!eventual || countRaw !== 'true') {
          return graphError(
            400,
            'Request_UnsupportedQuery',
            "Operator 'ne' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
          );
        }
      } else if (resource !== 'users' || parseSignInFilter(filterRaw).ok !== true) {
        const parsed = resource === 'users' ? parseSignInFilter(filterRaw) : undefined;
        return graphError(400, 'Request_UnsupportedQuery', parsed && parsed.ok === false ? parsed.message : 'Unsupported Query.');
      }
    }
    return { r: resource, o: 0, t: top, s, c, f: filterRaw };
  }

  function contextUrl(req: GraphRequest, resource: string, select: readonly string[] | null): string {
    return `${req.url.origin}/v1.0/$metadata#${resource}${select ? `(${select.join(',')})` : ''}`;
  }

  /** Users matching a signInActivity filter (for @odata.count only). */
  function countUsers(filter: SignInFilter | null): number {
    return filter ? signIns.count(filter) : data.userCount;
  }

  function handleUsers(req: GraphRequest): HandlerResult {
    if (!authorised(req, 'users')) return denied();
    const st = pageState(req, 'users', USER_PROPERTIES);
    if (isResult(st)) return st;
    const parsed = st.f === null ? null : parseSignInFilter(st.f);
    if (parsed && parsed.ok !== true) return graphError(400, 'Request_UnsupportedQuery', 'Unsupported Query.');
    const filter = parsed?.filter ?? null;
    let top = st.t;
    if (st.s?.includes('signInActivity') || filter) {
      if (!authorised(req, 'signInActivity')) return denied();
      if (!opts.p1) {
        return graphError(403, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license");
      }
      top = Math.min(top, SIGN_IN_PAGE_CAP);
    }
    // $select returns exactly the selected properties (id only when selected), as Graph does.
    const props: readonly (keyof DemoUser)[] = st.s ? (st.s as (keyof DemoUser)[]) : (USER_DEFAULT_PROPERTIES as readonly (keyof DemoUser)[]);
    const value: Record<string, unknown>[] = [];
    // A filtered page reads the sign-in index and generates only the users it serves.
    let i = filter ? signIns.nextMatch(filter, st.o) : st.o;
    for (; i < data.userCount && value.length < top; i = filter ? signIns.nextMatch(filter, i + 1) : i + 1) {
      value.push(project(data.user(i), props));
    }
    const body: Record<string, unknown> = { '@odata.context': contextUrl(req, 'users', st.s) };
    if (st.c) body['@odata.count'] = countUsers(filter);
    if (i < data.userCount) body['@odata.nextLink'] = nextLink(req, 'users', { ...st, o: i, t: top, c: false });
    body['value'] = value;
    return json(body);
  }

  /** GET /users/{id}: one user with the same $select rules (a linear lookup; the product does not use it). */
  function handleUser(req: GraphRequest, id: string): HandlerResult {
    if (!authorised(req, 'users')) return denied();
    const rawSelect = req.url.searchParams.get('$select');
    let props: readonly (keyof DemoUser)[] = USER_DEFAULT_PROPERTIES as readonly (keyof DemoUser)[];
    if (rawSelect !== null) {
      const r = resolveSelect(rawSelect, USER_PROPERTIES);
      if ('unknown' in r) return graphError(400, 'BadRequest', `Could not find a property named '${r.unknown}' on type 'microsoft.graph.user'.`);
      props = r.props;
    }
    if (props.includes('signInActivity') && !authorised(req, 'signInActivity')) return denied();
    const want = id.toLowerCase();
    for (let i = 0; i < data.userCount; i++) {
      const u = data.user(i);
      if (u.id === want || u.userPrincipalName.toLowerCase() === want) {
        return json({ '@odata.context': `${req.url.origin}/v1.0/$metadata#users${rawSelect === null ? '' : `(${props.join(',')})`}/$entity`, ...project(u, props) });
      }
    }
    return graphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
  }

  function handleGroups(req: GraphRequest): HandlerResult {
    if (!authorised(req, 'groups')) return denied();
    const st = pageState(req, 'groups', GROUP_PROPERTIES);
    if (isResult(st)) return st;
    const all = st.f !== null ? data.groups.filter((g) => g.assignedLicenses.length > 0) : data.groups;
    const props: readonly (keyof DemoGroup)[] = st.s ? (st.s as (keyof DemoGroup)[]) : GROUP_PROPERTIES;
    const end = Math.min(st.o + st.t, all.length);
    const value = all.slice(st.o, end).map((g) => project(g, props));
    const body: Record<string, unknown> = { '@odata.context': contextUrl(req, 'groups', st.s) };
    if (st.c) body['@odata.count'] = all.length;
    if (end < all.length) body['@odata.nextLink'] = nextLink(req, 'groups', { ...st, o: end, c: false });
    body['value'] = value;
    return json(body);
  }

  function handleReport(req: GraphRequest, kind: ReportKind | 'activeUserCounts', period: string | null): HandlerResult {
    if (kind === 'activeUserCounts' ? !authorisedTenantReport(req) : !authorised(req, REPORT_DATASET[kind])) return denied();
    const format = req.url.searchParams.get('$format');
    if (format !== null && format !== 'text/csv') {
      return graphError(400, 'BadRequest', `The $format value '${format}' is not supported; use text/csv.`);
    }
    let p: ReportPeriod = 'D7';
    if (period !== null) {
      const found = REPORT_PERIODS.find((x) => x === period.toUpperCase());
      if (!found) return graphError(400, 'BadRequest', `Invalid period '${period}'. Supported values are D7, D30, D90 and D180.`);
      p = found;
    }
    const token = signer.sign({ k: kind, p, e: now() + ttl, c: conceal });
    return { kind: 'redirect', status: 302, location: `${req.downloadOrigin}/data/download/${token}` };
  }

  let subscriptions: DemoCompanySubscription[] | undefined;

  // Application permissions that allow each write, from the Graph API pages ("Create user",
  // "Update user", "Delete user", "Create group", "Update adminReportSettings"). The demo tenant
  // carries out none of these yet: a caller holding one gets 501 instead of a pretend write.
  const USER_WRITE = ['User.ReadWrite.All', 'Directory.ReadWrite.All'] as const;
  const GROUP_CREATE = ['Group.Create', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'] as const;

  /** The resource table: a new resource (or a write on one) is one entry here. */
  const ROUTES: readonly GraphRouteEntry[] = [
    {
      pattern: /^\/v1\.0\/subscribedskus$/i,
      route: () => ({
        dataset: 'subscribedSkus',
        get: (req) => json({ '@odata.context': `${req.url.origin}/v1.0/$metadata#subscribedSkus`, value: data.skus }),
      }),
    },
    {
      pattern: /^\/v1\.0\/directory\/subscriptions$/i,
      route: () => ({
        dataset: 'subscriptions',
        get: (req) => {
          subscriptions ??= demoSubscriptions(data);
          return json({ '@odata.context': `${req.url.origin}/v1.0/$metadata#directory/subscriptions`, value: subscriptions });
        },
      }),
    },
    { pattern: /^\/v1\.0\/users$/i, route: () => ({ dataset: null, get: handleUsers, writes: { POST: { permissions: USER_WRITE } } }) },
    {
      pattern: /^\/v1\.0\/users\/([^/]+)$/i,
      route: (m) => ({
        dataset: null,
        get: (req) => handleUser(req, m[1] ?? ''),
        writes: { PATCH: { permissions: USER_WRITE }, DELETE: { permissions: USER_WRITE } },
      }),
    },
    { pattern: /^\/v1\.0\/groups$/i, route: () => ({ dataset: null, get: handleGroups, writes: { POST: { permissions: GROUP_CREATE } } }) },
    {
      pattern: /^\/v1\.0\/admin\/reportsettings$/i,
      route: () => ({
        dataset: 'reportSettings',
        get: (req) => json({ '@odata.context': `${req.url.origin}/v1.0/$metadata#admin/reportSettings/$entity`, displayConcealedNames: conceal }),
        writes: { PATCH: { permissions: ['ReportSettings.ReadWrite.All'] } },
      }),
    },
    { pattern: /^\/v1\.0\/reports\/([a-z0-9]+)(?:\((.*)\))?(\/content)?$/i, route: reportRoute },
  ];

  function reportRoute(m: RegExpExecArray): GraphRoute | null {
    const fn = (m[1] ?? '').toLowerCase();
    const kind: ReportKind | 'activeUserCounts' | undefined =
      fn === ACTIVE_USER_COUNTS_FUNCTION.toLowerCase() ? 'activeUserCounts' : REPORT_KINDS.find((k) => REPORT_FUNCTIONS[k].toLowerCase() === fn);
    if (!kind) return null;
    const args = m[2];
    if (kind === 'activationsUserDetail') {
      if (args !== undefined && args.trim() !== '') return null;
      return { dataset: null, get: (req) => handleReport(req, kind, null) };
    }
    const pm = args === undefined ? null : /^\s*period\s*=\s*'([^']*)'\s*$/i.exec(args);
    if (!pm) return { dataset: null, get: () => graphError(400, 'BadRequest', "The parameter 'period' is missing or malformed.") };
    const period = pm[1] ?? '';
    return { dataset: null, get: (req) => handleReport(req, kind, period) };
  }

  function route(path: string): GraphRoute | null {
    for (const r of ROUTES) {
      const m = r.pattern.exec(path);
      if (m) return r.route(m);
    }
    return null;
  }

  function handle(req: GraphRequest): HandlerResult {
    const registration = registrations.handle(req);
    if (registration) return registration;
    let path = safeDecode(req.url.pathname);
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const r = route(path);
    if (!r) {
      const seg = path.split('/').filter(Boolean).pop() ?? '';
      return graphError(404, 'Request_ResourceNotFound', `Resource not found for the segment '${seg}'.`);
    }
    const method = req.method.toUpperCase();
    if (method !== 'GET') {
      const write = r.writes?.[method as WriteMethod];
      if (!write) return graphError(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');
      // Graph refuses a write the token does not allow before anything else: 403 Authorization_RequestDenied.
      if (!holdsAny(req, write.permissions)) return denied();
      if (write.run) return write.run(req);
      return graphError(501, 'NotImplemented', `The demo tenant does not carry out ${method} on this resource.`);
    }
    if (r.dataset && !authorised(req, r.dataset)) return denied();
    return r.get(req);
  }

  function handleDownload(url: URL): HandlerResult {
    const m = /^\/data\/download\/([A-Za-z0-9_.-]+)$/.exec(url.pathname);
    if (!m) return { kind: 'json', status: 404, body: { error: { code: 'NotFound', message: 'The requested report was not found.' } } };
    const tok = signer.verify(m[1] ?? '', DownloadTokenSchema);
    if (!tok) return { kind: 'json', status: 403, body: { error: { code: 'AccessDenied', message: 'The download link is invalid.' } } };
    if (now() > tok.e) return { kind: 'json', status: 403, body: { error: { code: 'AccessDenied', message: 'The download link has expired.' } } };
    const refresh = new Date(data.reportDate - 2 * 86_400_000).toISOString().slice(0, 10);
    if (tok.k === 'activeUserCounts') {
      return { kind: 'csv', status: 200, chunks: [activeUserCountsCsv(data, tok.p)], filename: `Office365ActiveUserCounts_${tok.p}_${refresh}.csv` };
    }
    const kind: ReportKind = tok.k;
    const suffix = kind === 'activationsUserDetail' ? '' : `_${tok.p}`;
    return {
      kind: 'csv',
      status: 200,
      chunks: { [Symbol.iterator]: () => reportChunks({ data, kind, period: tok.p, conceal: tok.c, concealKey }) },
      filename: `${REPORT_FILE_NAMES[kind]}${suffix}_${refresh}.csv`,
    };
  }

  return {
    tenantId: opts.tenantId,
    domain: data.domain,
    userCount: data.userCount,
    data,
    get concealNames() {
      return conceal;
    },
    handle,
    handleDownload,
    directoryUser(index: number) {
      const r = data.userRecord(index);
      const u = r.user;
      return {
        id: u.id,
        userPrincipalName: u.userPrincipalName,
        displayName: u.displayName,
        givenName: u.givenName,
        surname: u.surname,
        accountEnabled: u.accountEnabled,
        userType: u.userType,
        roles: r.roles,
      };
    },
    setConcealNames(on: boolean) {
      conceal = on;
    },
    registrations,
  };
}
