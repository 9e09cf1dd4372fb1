import { DATASETS } from '../datasets';

/**
 * Who can grant consent, as stated in "Grant tenant-wide admin consent to an application"
 * (learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent) and "Least
 * privileged roles by task" (learn.microsoft.com/entra/identity/role-based-access-control/delegate-by-task):
 * - Privileged Role Administrator: consent for any permission of any API, including
 *   Microsoft Graph app roles (application permissions). Global Administrator can too.
 * - Cloud Application Administrator / Application Administrator: consent for any permission
 *   of any API EXCEPT Microsoft Graph app roles. They can grant delegated permissions
 *   (also those that require admin consent) and application permissions of other APIs.
 */
export interface RoleGuidance {
  /** Roles that can grant the Microsoft Graph application permissions this app needs. */
  canGrantApplication: readonly string[];
  /** Roles that can grant the delegated permissions (delegated profiles). */
  canGrantDelegated: readonly string[];
  /** Roles that can NOT grant Microsoft Graph application permissions. */
  cannotGrantApplication: readonly string[];
  /** Plain-language paragraphs, shown as-is. */
  text: string[];
}

export const PRIVILEGED_ROLE_ADMIN = 'Privileged Role Administrator';
export const GLOBAL_ADMIN = 'Global Administrator';
export const CLOUD_APP_ADMIN = 'Cloud Application Administrator';
export const APP_ADMIN = 'Application Administrator';

function delegatedRoleLines(): string[] {
  const lines: string[] = [];
  for (const { permission: p } of DATASETS) {
    if (p.delegatedRoles.length === 0) continue;
    lines.push(`${p.label}: the signed-in user needs ${p.delegatedRoles[0]} (least privileged)${p.delegatedRoles.length > 1 ? `, or ${p.delegatedRoles.slice(1).join(', ')}` : ''}.`);
  }
  return lines;
}

export function roleGuidance(kind: 'application' | 'delegated'): RoleGuidance {
  const text: string[] = [];
  if (kind === 'application') {
    text.push(
      `Granting admin consent for Microsoft Graph application permissions needs a ${PRIVILEGED_ROLE_ADMIN} (or a ${GLOBAL_ADMIN}).`,
      `A ${CLOUD_APP_ADMIN} or an ${APP_ADMIN} CANNOT grant Microsoft Graph application permissions. They can create the app registration, upload its certificate and grant delegated permissions, but the consent step itself must be done by a ${PRIVILEGED_ROLE_ADMIN} or ${GLOBAL_ADMIN}.`,
      'The reconciler needs no directory role at run time: it signs in as the app with read-only application permissions. Nobody has to keep an administrator account signed in, and MFA stays on for every person.',
    );
  } else {
    text.push(
      `Granting admin consent for the delegated read scopes can be done by a ${CLOUD_APP_ADMIN} or an ${APP_ADMIN} (or a ${PRIVILEGED_ROLE_ADMIN} or ${GLOBAL_ADMIN}).`,
      `Those roles CANNOT grant Microsoft Graph application permissions; a delegated profile does not need any.`,
      'The person who runs the reconciler signs in with MFA as usual and only needs a reader role:',
      ...delegatedRoleLines(),
      'Global Reader sees usage reports at tenant level only (no per-user detail), as Microsoft documents; Reports Reader sees per-user detail.',
    );
  }
  return {
    canGrantApplication: [PRIVILEGED_ROLE_ADMIN, GLOBAL_ADMIN],
    canGrantDelegated: [CLOUD_APP_ADMIN, APP_ADMIN, PRIVILEGED_ROLE_ADMIN, GLOBAL_ADMIN],
    cannotGrantApplication: [CLOUD_APP_ADMIN, APP_ADMIN],
    text,
  };
}
