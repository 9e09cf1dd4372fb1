/**
 * The demo tenant's sign-in users: accounts an operator (or a test) signs in with on
 * the authorize page, each with the directory roles a scenario needs.
 *
 * Where the synthetic directory holds a matching user (same roles, enabled member),
 * the sign-in user IS that user: same object id and UPN as /users serves, so
 * /users and subscribedSkus stay exactly as data/ computes them. Small tenants may
 * lack one (e.g. no Reports Reader among 10 users); that sign-in user is then a
 * dedicated account `<name>@<domain>` that /users does not list. The outsider always
 * lives in another tenant.
 */
import { randomBytes } from 'node:crypto';
import type { DemoSignInUser, DemoUserName } from './types';

import { DEMO_USER_NAMES } from '../../shared/demo';
export { DEMO_USER_NAMES };

/**
 * Directory role template ids (the `wids` claim), as Microsoft publishes them in
 * "Microsoft Entra built-in roles" (learn.microsoft.com/entra/identity/role-based-access-control/permissions-reference).
 */
export const ROLE_TEMPLATE_IDS: Readonly<Record<string, string>> = {
  'Global Administrator': '62e90394-69f5-4237-9190-012177145e10',
  'Global Reader': 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
  'Reports Reader': '4a5d8f65-41da-4de4-8968-e035b65339cf',
  'Directory Readers': '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
  'Security Reader': '5d6b6bb7-de71-4623-b4af-96380a352509',
  'Security Administrator': '194ae4cb-b126-40b2-bd5b-6091b380977d',
  'Privileged Role Administrator': 'e8611ab8-c189-46e8-94e1-60213ab1f814',
  'Cloud Application Administrator': '158c047a-c907-4556-b7ef-446551a6b5f7',
  'Application Administrator': '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
};

/** Template id every member user carries in `wids` ("User"); it names no admin role. */
export const MEMBER_ROLE_TEMPLATE_ID = 'b79fbf4d-3ef9-4689-8143-76b194e85509';

const ROLE_BY_TEMPLATE = new Map(Object.entries(ROLE_TEMPLATE_IDS).map(([name, id]) => [id, name]));

/** Role display names for a token's `wids` (unknown ids and the member id are dropped). */
export function rolesFromTemplateIds(wids: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of wids) {
    const name = ROLE_BY_TEMPLATE.get(w.toLowerCase());
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

export function templateIdsForRoles(roles: readonly string[]): string[] {
  const ids = roles.map((r) => ROLE_TEMPLATE_IDS[r]).filter((x): x is string => x !== undefined);
  return [...ids, MEMBER_ROLE_TEMPLATE_ID];
}

/** The slice of a directory user the selection reads. */
export interface DirectoryUserView {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  roles: readonly string[];
}

export interface DirectoryLookup {
  readonly userCount: number;
  user(index: number): DirectoryUserView;
}

/** Sign-in user plus internals the identity side needs (never exposed on the handle). */
export interface SignInAccount extends DemoSignInUser {
  name: DemoUserName;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  /** Sign-in blocked by a Conditional Access policy (AADSTS53003). */
  blocked: boolean;
  /** Home tenant differs from the demo tenant (AADSTS50020). */
  outsider: boolean;
  /** Index in /users, or null for a dedicated account. */
  directoryIndex: number | null;
}

interface Want {
  name: DemoUserName;
  roles: readonly string[];
  mfa: boolean;
  blocked: boolean;
  label: string;
}

const WANTS: readonly Want[] = [
  { name: 'global-admin', roles: ['Global Administrator'], mfa: false, blocked: false, label: 'Global Admin' },
  { name: 'privileged-role-admin', roles: ['Privileged Role Administrator'], mfa: false, blocked: false, label: 'Privileged Role Admin' },
  { name: 'app-admin', roles: ['Application Administrator'], mfa: false, blocked: false, label: 'Application Admin' },
  // The operator the consent guide describes: Reports Reader for usage reports and sign-ins,
  // Directory Readers for the organisation's subscriptions (renewal dates).
  { name: 'reports-reader', roles: ['Reports Reader', 'Directory Readers'], mfa: false, blocked: false, label: 'Reports Reader' },
  { name: 'mfa-reader', roles: ['Reports Reader', 'Directory Readers'], mfa: true, blocked: false, label: 'MFA Reader' },
  { name: 'global-reader', roles: ['Global Reader'], mfa: false, blocked: false, label: 'Global Reader' },
  { name: 'no-role', roles: [], mfa: false, blocked: false, label: 'No Role' },
  { name: 'blocked', roles: [], mfa: false, blocked: true, label: 'Blocked User' },
];

/** How many directory users the selection looks at (keeps start cheap on a 1,000,000-user tenant). */
const SCAN_LIMIT = 20_000;

function sameRoles(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((r) => b.includes(r));
}

/** Domain of the tenant the outsider belongs to. */
export function outsiderDomain(domain: string): string {
  return `fabrikam-${domain.split('.')[0]?.replace(/^contoso-/, '') ?? 'other'}.onmicrosoft.com`;
}

export function selectSignInUsers(opts: {
  domain: string;
  directory: DirectoryLookup | undefined;
  guid: (label: string) => string;
  /** Password generator (random per start). */
  password?: () => string;
}): Record<DemoUserName, SignInAccount> {
  const password = opts.password ?? (() => `Demo-${randomBytes(12).toString('base64url')}`);
  const taken = new Set<number>();
  const out = {} as Record<DemoUserName, SignInAccount>;
  const dir = opts.directory;
  const limit = dir ? Math.min(dir.userCount, SCAN_LIMIT) : 0;
  for (const w of WANTS) {
    let found: { index: number; u: DirectoryUserView } | undefined;
    for (let i = 0; i < limit && dir; i++) {
      if (taken.has(i)) continue;
      const u = dir.user(i);
      // Members only (rooms have no given name), enabled, with exactly the wanted roles.
      if (u.userType !== 'Member' || !u.accountEnabled || u.givenName === null) continue;
      if (!sameRoles(u.roles, w.roles)) continue;
      found = { index: i, u };
      break;
    }
    if (found) taken.add(found.index);
    out[w.name] = {
      name: w.name,
      upn: found ? found.u.userPrincipalName : `${w.name}@${opts.domain}`,
      password: password(),
      roles: [...w.roles],
      mfa: w.mfa,
      objectId: found ? found.u.id : opts.guid(`signin-user:${w.name}`),
      displayName: found ? found.u.displayName : `Demo ${w.label}`,
      givenName: found ? found.u.givenName : 'Demo',
      surname: found ? found.u.surname : w.label,
      blocked: w.blocked,
      outsider: false,
      directoryIndex: found ? found.index : null,
    };
  }
  out.outsider = {
    name: 'outsider',
    upn: `outsider@${outsiderDomain(opts.domain)}`,
    password: password(),
    roles: [],
    mfa: false,
    objectId: opts.guid('signin-user:outsider'),
    displayName: 'Outside User',
    givenName: 'Outside',
    surname: 'User',
    blocked: false,
    outsider: true,
    directoryIndex: null,
  };
  return out;
}
