import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { servicePlanFriendlyName, skuFriendlyName } from '../catalog/skus';
import { OperatorError } from '../errors/operator-error';
import type { PendingFile } from '../fs/atomic-write';
import { damagedDatabaseError, type Db } from '../store/db';
import { datasetRuns, getSnapshot, servicePlanNames, skuSummary, userAssignments, type SkuSummaryRow, type UserAssignmentRow } from '../store/queries';
import { writeCsvPending, type Cell, type CsvDelimiter } from './csv';
import { SKU_SUMMARY_HEADER, skuCells } from '../../shared/sku-columns';

export type { SkuSummaryRow } from '../store/queries';

export const SKU_SUMMARY_FILE = 'sku-summary.csv';
export const USER_LICENSES_FILE = 'user-licenses.csv';

export { SKU_SUMMARY_HEADER } from '../../shared/sku-columns';
export const USER_LICENSES_HEADER = [
  'User principal name', 'Display name', 'Account enabled', 'User type', 'SKU', 'Part number', 'Source',
  'Assignment state', 'Error', 'Disabled plans', 'Last sign-in',
] as const;

export interface ExportResult {
  /** Absolute paths of the files written. */
  files: string[];
  /** Per-SKU seat figures, for the end-of-job summary. */
  skuSummary: SkuSummaryRow[];
}

function yesNo(v: boolean | null): string {
  return v === null ? '' : v ? 'Yes' : 'No';
}

/**
 * "Last sign-in": the most recent of the interactive, non-interactive and successful
 * sign-in dates (ISO strings compare chronologically). "Never" when the sign-in dataset
 * was synced and the user has none; empty when it was not synced (or the user appeared
 * after it was read).
 */
export function lastSignInCell(r: Pick<UserAssignmentRow, 'lastSignIn' | 'lastNonInteractiveSignIn' | 'lastSuccessfulSignIn' | 'hasSignInRow'>, signInSynced: boolean): string {
  if (!signInSynced || !r.hasSignInRow) return '';
  const dates = [r.lastSignIn, r.lastNonInteractiveSignIn, r.lastSuccessfulSignIn].filter((d): d is string => Boolean(d));
  if (dates.length === 0) return 'Never';
  return dates.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));
}

export interface ExportOptions {
  /** Field separator: `,` (default) or `;` (the profile's csvDelimiter). */
  delimiter?: CsvDelimiter;
}

/**
 * Write the snapshot's CSV exports into `outDir` (created if needed). All or nothing:
 * every file is first written under a random temporary name, and only when all are
 * complete are they renamed into place; on failure the temporary files are removed and
 * the previous exports stay as they were. A damaged database is reported as such.
 */
export async function exportSnapshot(db: Db, snapshotId: number, outDir: string, opts: ExportOptions = {}): Promise<ExportResult> {
  const snapshot = readOrExplain(db, () => getSnapshot(db, snapshotId));
  if (!snapshot) {
    throw new OperatorError('bad-input', `Snapshot ${snapshotId} does not exist.`, { hint: 'List the snapshots of the profile and pick an existing id.', remedy: { action: 'list-snapshots' } });
  }
  const dir = resolve(outDir);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw new OperatorError('bad-input', `Cannot create the export folder "${dir}": ${(e as Error).message}`, {
      hint: 'Choose a folder you can write to.',
      cause: e,
    });
  }

  const pending: PendingFile[] = [];
  try {
    const skus = skuSummary(db, snapshotId);
    const skuFile = join(dir, SKU_SUMMARY_FILE);
    pending.push((await writeCsvPending(skuFile, SKU_SUMMARY_HEADER, skus.map(skuCells), opts)).pending);
    const userFile = join(dir, USER_LICENSES_FILE);
    pending.push((await writeCsvPending(userFile, USER_LICENSES_HEADER, userRows(db, snapshotId, skus), opts)).pending);
    for (const p of pending) await p.commit();
    return { files: [skuFile, userFile], skuSummary: skus };
  } catch (e) {
    await Promise.all(pending.map((p) => p.abort()));
    throw damagedDatabaseError(e, db.name) ?? e;
  }
}

function readOrExplain<T>(db: Db, read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw damagedDatabaseError(e, db.name) ?? e;
  }
}

function* userRows(db: Db, snapshotId: number, skus: readonly SkuSummaryRow[]): Generator<Cell[]> {
  const signInSynced = datasetRuns(db, snapshotId).some((r) => r.dataset === 'signInActivity' && r.status === 'ok');
  const planNames = servicePlanNames(db, snapshotId);
  const friendlySku = new Map(skus.map((s) => [s.skuId, s.product]));
  // SKUs missing from subscribedSkus (dataset skipped, or a retired SKU) still get a catalog name.
  const skuName = (skuId: string, partNumber: string | null): string => {
    let name = friendlySku.get(skuId);
    if (name === undefined) {
      name = skuFriendlyName(skuId, partNumber ?? skuId);
      friendlySku.set(skuId, name);
    }
    return name;
  };
  const planName = (id: string): string => servicePlanFriendlyName(id, planNames.get(id) ?? id);
  for (const r of userAssignments(db, snapshotId)) {
    yield [
      r.upn,
      r.displayName,
      yesNo(r.accountEnabled),
      r.userType,
      skuName(r.skuId, r.skuPartNumber),
      r.skuPartNumber,
      r.source === 'group' ? `Group: ${r.groupName ?? r.groupId ?? ''}` : 'Direct',
      r.state,
      r.error && r.error !== 'None' ? r.error : '',
      r.disabledPlans.map(planName).join('; '),
      lastSignInCell(r, signInSynced),
    ];
  }
}
