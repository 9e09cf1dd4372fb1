/**
 * The permission matrix: what each dataset needs, as the dataset registry (core/datasets)
 * describes it. The sync uses it to skip a dataset with a reason, the demo tenant
 * uses `accepted` to authorise requests, and the consent scripts and checks derive from it.
 *
 * Least privilege follows Microsoft's "Permissions" section of each API page
 * (learn.microsoft.com/graph/api/...). Directory.Read.All is never requested.
 */
import { DATASETS, datasetById, DATASET_IDS, type Dataset, type DatasetId, type DatasetPermission } from '../datasets';

export { DATASET_IDS, type DatasetId, type DatasetPermission };

/** Each dataset's permissions, by id: a view of the dataset registry (core/datasets). */
export const DATASET_PERMISSIONS: Readonly<Record<DatasetId, DatasetPermission>> = Object.fromEntries(
  DATASETS.map((d) => [d.id, d.permission]),
) as Record<DatasetId, DatasetPermission>;

/**
 * The least-privileged permission of `kind` still missing for the dataset (its own, or one
 * of a dataset it also requires, looked up in `lookup`), or undefined when granted.
 */
export function missingPermission(
  dataset: Dataset,
  granted: Iterable<string>,
  kind: 'application' | 'delegated',
  lookup: (id: DatasetId) => Dataset = datasetById,
): string | undefined {
  const have = new Set(granted);
  for (const d of [dataset, ...(dataset.permission.alsoRequires ?? []).map(lookup)]) {
    const p = d.permission;
    const accepted = kind === 'application' ? p.accepted : p.delegatedAccepted;
    if (!accepted.some((a) => have.has(a))) return kind === 'application' ? p.application : p.delegated;
  }
  return undefined;
}

/**
 * The least-privileged application permission still missing for the dataset
 * (its own, or one of a dataset it also requires), or undefined when granted.
 */
export function missingApplicationPermission(dataset: DatasetId, granted: Iterable<string>): string | undefined {
  return missingPermission(datasetById(dataset), granted, 'application');
}

/** True when `granted` satisfies the dataset (and every dataset it also requires). */
export function grants(dataset: DatasetId, granted: Iterable<string>): boolean {
  return missingApplicationPermission(dataset, granted) === undefined;
}

/** The least-privileged delegated scope still missing for the dataset, or undefined. */
export function missingDelegatedScope(dataset: DatasetId, scopes: Iterable<string>): string | undefined {
  return missingPermission(datasetById(dataset), scopes, 'delegated');
}

/** True when a delegated token's scopes (and the user's roles) satisfy the dataset. */
export function grantsDelegated(dataset: DatasetId, scopes: Iterable<string>, userRoles: Iterable<string>): boolean {
  const p = DATASET_PERMISSIONS[dataset];
  if (missingDelegatedScope(dataset, scopes) !== undefined) return false;
  if (p.delegatedRoles.length === 0) return true;
  const roles = new Set(userRoles);
  return p.delegatedRoles.some((r) => roles.has(r));
}

/** The least-privileged delegated scopes the product asks for, deduplicated. */
export function requiredDelegatedScopes(): string[] {
  return [...new Set(DATASETS.map((d) => d.permission.delegated))];
}

/** The least-privileged application permissions the product asks for, deduplicated. */
export function requiredApplicationPermissions(): string[] {
  return [...new Set(DATASETS.map((d) => d.permission.application))];
}
