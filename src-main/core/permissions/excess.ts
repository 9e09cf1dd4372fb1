import { requiredApplicationPermissions, requiredDelegatedScopes } from './matrix';

/**
 * Excess privilege: any permission a token carries beyond what the permission
 * matrix needs. The reconciler still only reads, but a leaked token or secret of
 * an over-granted app can change the tenant, so every verify and every sync
 * summary shows the warning until the permission is removed.
 */
export type ExcessRisk = 'write' | 'broad-read';

export interface ExcessPermission {
  permission: string;
  risk: ExcessRisk;
  advice: string;
}

/** Scopes the identity platform adds to delegated tokens for sign-in itself; not data access. */
const SIGN_IN_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access', 'User.Read']);

/**
 * Can the permission change data? Microsoft Graph names follow resource.operation.constraint
 * (learn.microsoft.com/graph/permissions-overview); write-capable operations are ReadWrite,
 * Write, Manage, Send, Create, Delete, Invite, FullControl, Export, Migrate, Activate, and
 * every *.AccessAsUser.All (full access as the signed-in user). RoleManagement.* other than
 * Read is role assignment and always treated as write.
 */
export function isWritePermission(permission: string): boolean {
  const [resource = '', ...operations] = permission.trim().split('.');
  if (/^RoleManagement$/i.test(resource) && !/^Read$/i.test(operations[0] ?? '')) return true;
  return operations.some((op) => WRITE_OPERATION.test(op));
}

const WRITE_OPERATION = /^(ReadWrite\w*|Write\w*|Manage|Send|Create|Delete|Invite|FullControl|Export|Migrate|Activate|Edit|PrivilegedOperations|AccessAsUser|AssignLicenses)$/i;

const WRITE_ADVICE = (p: string): string =>
  `Remove ${p}: the reconciler never writes. In the Entra admin center open Enterprise applications > this app > Permissions and revoke it, then delete it from App registrations > API permissions. ` +
  'A Privileged Role Administrator or Global Administrator can revoke Microsoft Graph application permissions; an Application Administrator, Cloud Application Administrator or app owner can remove it from the registration and revoke delegated grants.';

const READ_ADVICE = (p: string): string =>
  `Remove ${p}: it reads more than the reconciler needs (the least-privileged permissions are enough). Revoke it under Enterprise applications > this app > Permissions and delete it from App registrations > API permissions. ` +
  'A Privileged Role Administrator or Global Administrator can revoke Microsoft Graph application permissions; an Application Administrator, Cloud Application Administrator or app owner can remove it from the registration.';

/**
 * Permissions beyond the matrix: for an app-only token its `roles`, for a delegated
 * token its `scp` scopes (sign-in scopes are ignored). Sorted: write risks first, then by name.
 */
export function detectExcess(granted: { roles: readonly string[]; scopes: readonly string[] }): ExcessPermission[] {
  const needed = new Set<string>([...requiredApplicationPermissions(), ...requiredDelegatedScopes()]);
  const seen = new Set<string>();
  const out: ExcessPermission[] = [];
  for (const raw of [...granted.roles, ...granted.scopes]) {
    const p = raw.trim();
    if (p === '' || needed.has(p) || SIGN_IN_SCOPES.has(p) || seen.has(p)) continue;
    seen.add(p);
    const write = isWritePermission(p);
    out.push({ permission: p, risk: write ? 'write' : 'broad-read', advice: write ? WRITE_ADVICE(p) : READ_ADVICE(p) });
  }
  return out.sort((a, b) => (a.risk === b.risk ? a.permission.localeCompare(b.permission) : a.risk === 'write' ? -1 : 1));
}

/** One line for a sync summary's warnings, or undefined when nothing is excess. */
export function excessWarning(granted: { roles: readonly string[]; scopes: readonly string[] }): string | undefined {
  const excess = detectExcess(granted);
  if (excess.length === 0) return undefined;
  const list = excess.map((e) => `${e.permission} (${e.risk === 'write' ? 'write' : 'broad read'})`).join(', ');
  const write = excess.some((e) => e.risk === 'write');
  return (
    `Excess privilege: the token also carries ${list}. The reconciler only reads and never uses them, ` +
    `but ${write ? 'anyone holding this app\'s credential could change the tenant' : 'they expose more data than needed'}. ` +
    'Remove them (the permission check of the profile says who can and how).'
  );
}
