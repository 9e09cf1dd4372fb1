import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { servicePlanFriendlyName, skuFriendlyName } from '../catalog/skus';
import { OperatorError } from '../errors/operator-error';
import type { Db } from '../store/db';
import { datasetRuns, getSnapshot, servicePlanNames, skuSummary, userAssignments, type SkuSummaryRow, type UserAssignmentRow } from '../store/queries';
import type { Finding, FindingKind, FindingsReport } from '../../shared/recon';
import { lastSuccessfulSignIn } from '../recon/sign-in';
import { writeCsv, type Cell } from './csv';

export type { SkuSummaryRow } from '../store/queries';

export const SKU_SUMMARY_FILE = 'sku-summary.csv';
export const USER_LICENSES_FILE = 'user-licenses.csv';

export const SKU_SUMMARY_HEADER = ['Product', 'Part number', 'Enabled', 'Warning', 'Suspended', 'Consumed', 'Available'] as const;
export const USER_LICENSES_HEADER = [
  'User principal name', 'Display name', 'Account enabled', 'User type', 'SKU', 'Part number', 'Source',
  'Assignment state', 'Error', 'Disabled plans', 'Last sign-in',
] as const;

export interface ExportResult {
  /** Absolute paths of the files written. */
  files: string[];
  /** Per-SKU purchased / assigned / available, for the end-of-job summary. */
  skuSummary: SkuSummaryRow[];
}

function yesNo(v: boolean | null): string {
  return v === null ? '' : v ? 'Yes' : 'No';
}

/**
 * "Last sign-in": the last SUCCESSFUL sign-in (recon/sign-in.ts): lastSuccessfulSignInDateTime
 * when present, else the newer of the two attempt dates (which may include failed attempts).
 * "Never" when the sign-in dataset was synced and the user has none (empty or the
 * 0001-01-01 sentinel); empty when it was not synced (or the user appeared after it was read).
 */
export function lastSignInCell(r: Pick<UserAssignmentRow, 'lastSignIn' | 'lastNonInteractiveSignIn' | 'lastSuccessfulSignIn' | 'hasSignInRow'>, signInSynced: boolean): string {
  if (!signInSynced || !r.hasSignInRow) return '';
  const fact = lastSuccessfulSignIn({ lastSignIn: r.lastSignIn, lastNonInteractive: r.lastNonInteractiveSignIn, lastSuccessful: r.lastSuccessfulSignIn });
  return fact.kind === 'never' ? 'Never' : fact.iso;
}

/** Write the snapshot's CSV exports into `outDir` (created if needed). */
export async function exportSnapshot(db: Db, snapshotId: number, outDir: string): Promise<ExportResult> {
  const snapshot = getSnapshot(db, snapshotId);
  if (!snapshot) {
    throw new OperatorError('bad-input', `Snapshot ${snapshotId} does not exist.`, { hint: 'List the snapshots of the profile and pick an existing id.' });
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

  const skus = skuSummary(db, snapshotId);
  const skuFile = join(dir, SKU_SUMMARY_FILE);
  await writeCsv(
    skuFile,
    SKU_SUMMARY_HEADER,
    skus.map((s): Cell[] => [s.product, s.partNumber, s.enabled, s.warning, s.suspended, s.consumed, s.available]),
  );

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

  function* userRows(): Generator<Cell[]> {
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
  const userFile = join(dir, USER_LICENSES_FILE);
  await writeCsv(userFile, USER_LICENSES_HEADER, userRows());
  return { files: [skuFile, userFile], skuSummary: skus };
}

export const FINDINGS_SUMMARY_FILE = 'findings-summary.csv';
export const findingFileName = (kind: FindingKind): string => `finding-${kind}.csv`;
export const FINDINGS_SUMMARY_HEADER = [
  'Finding', 'Title', 'Items', 'Users', 'Excluded', 'Confidence', 'Rule', 'Threshold', 'Notes', 'Sources', 'Snapshot', 'Snapshot time', 'As of',
] as const;
const FINDING_BASE_HEADER = ['User principal name', 'Display name', 'Product', 'Part number', 'Reclaimable seat'] as const;

function factCell(v: string | number | boolean | null | undefined): Cell {
  return typeof v === 'boolean' ? yesNo(v) : v;
}

/**
 * One CSV per finding (its items, with the facts the rule read as columns; numbers stay
 * numbers), plus a summary with each finding's evidence, confidence and notes.
 */
export async function exportFindings(report: FindingsReport, outDir: string, kinds?: readonly FindingKind[]): Promise<string[]> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const chosen = report.findings.filter((f) => !kinds || kinds.includes(f.kind));
  const files: string[] = [];
  const summary = join(dir, FINDINGS_SUMMARY_FILE);
  await writeCsv(
    summary,
    FINDINGS_SUMMARY_HEADER,
    chosen.map((f): Cell[] => [
      f.kind, f.title, f.count, f.users, f.excluded, f.confidence, f.rule, f.threshold, f.notes.join(' '),
      f.evidence.sources.map((x) => `${x.dataset} (${x.status}${x.reportRefreshDate ? `, refreshed ${x.reportRefreshDate}` : ''}): ${x.fields.join(', ')}`).join('; '),
      f.evidence.snapshotId, f.evidence.snapshotTime, f.evidence.asOf,
    ]),
  );
  files.push(summary);
  for (const f of chosen) files.push(await writeFinding(f, dir));
  return files;
}

async function writeFinding(f: Finding, dir: string): Promise<string> {
  const factKeys: string[] = [];
  const seen = new Set<string>();
  for (const item of f.items) {
    for (const k of Object.keys(item.facts)) {
      if (seen.has(k)) continue;
      seen.add(k);
      factKeys.push(k);
    }
  }
  const file = join(dir, findingFileName(f.kind));
  await writeCsv(
    file,
    [...FINDING_BASE_HEADER, ...factKeys],
    f.items.map((i): Cell[] => [i.upn, i.displayName, i.product, i.partNumber, yesNo(i.reclaimable), ...factKeys.map((k) => factCell(i.facts[k]))]),
  );
  return file;
}
