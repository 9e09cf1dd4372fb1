import { DATASET_PERMISSIONS, missingDelegatedScope, type DatasetId } from '../permissions/matrix';

/**
 * Which dataset (and so which least-privileged permission) a Graph path reads,
 * so a 403 can name the permission even when the caller did not say.
 */
export function datasetForPath(pathOrUrl: string): DatasetId | undefined {
  let path: string;
  let query: string;
  try {
    const u = new URL(pathOrUrl, 'https://graph.invalid/v1.0/');
    path = u.pathname.replace(/^\/(v1\.0|beta)/i, '').toLowerCase();
    query = decodeURIComponent(u.search).toLowerCase();
  } catch {
    return undefined;
  }
  if (path.startsWith('/users')) return query.includes('signinactivity') ? 'signInActivity' : 'users';
  if (path.startsWith('/subscribedskus')) return 'subscribedSkus';
  if (path.startsWith('/groups')) return 'groups';
  if (path.startsWith('/admin/reportsettings')) return 'reportSettings';
  if (path.startsWith('/reports/getoffice365activeuserdetail')) return 'report.activeUserDetail';
  if (path.startsWith('/reports/getm365appuserdetail')) return 'report.m365AppUserDetail';
  if (path.startsWith('/reports/getoffice365activationsuserdetail')) return 'report.activationsUserDetail';
  if (path.startsWith('/reports/getmailboxusagedetail')) return 'report.mailboxUsageDetail';
  return undefined;
}

export function permissionForPath(pathOrUrl: string): { permission?: string; dataset?: string } {
  const id = datasetForPath(pathOrUrl);
  if (!id) return {};
  const p = DATASET_PERMISSIONS[id];
  return { permission: p.application, dataset: p.label };
}

/**
 * For a 403 to a delegated sign-in: the directory roles that may read the path's dataset
 * and, when the token's scopes are known, whether they cover it (`permission` then names
 * the missing delegated scope), so the error can tell a missing role from a missing scope.
 */
export function delegatedDenialContext(
  pathOrUrl: string,
  scopes: readonly string[] | undefined,
): { delegatedRoles?: readonly string[]; scopeGranted?: boolean; permission?: string } {
  const id = datasetForPath(pathOrUrl);
  if (!id) return {};
  const roles = DATASET_PERMISSIONS[id].delegatedRoles;
  if (!scopes) return { delegatedRoles: roles };
  const missing = missingDelegatedScope(id, scopes);
  return { delegatedRoles: roles, scopeGranted: missing === undefined, ...(missing ? { permission: missing } : {}) };
}
