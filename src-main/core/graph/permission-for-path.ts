import { datasetForPath as registryDatasetForPath } from '../datasets';
import { DATASET_PERMISSIONS, missingDelegatedScope, type DatasetId } from '../permissions/matrix';

/**
 * Which dataset (and so which least-privileged permission) a Graph path reads,
 * so a 403 can name the permission even when the caller did not say. The paths
 * come from the dataset registry (each dataset's request and probe).
 */
export function datasetForPath(pathOrUrl: string): DatasetId | undefined {
  return registryDatasetForPath(pathOrUrl)?.id;
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
