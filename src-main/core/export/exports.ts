import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { servicePlanFriendlyName, skuFriendlyName } from '../catalog/skus';
import { OperatorError } from '../errors/operator-error';
import type { PendingFile } from '../fs/atomic-write';
import { damagedDatabaseError, type Db } from '../store/db';
import { datasetRuns, getSnapshot, servicePlanNames, skuSummary, userAssignments, type SkuSummaryRow, type UserAssignmentRow } from '../store/queries';
import type { Finding, FindingItem, FindingKind, FindingsReport } from '../../shared/recon';
import type { FindingItemSpool } from '../recon/item-spool';
import { lastSuccessfulSignIn } from '../recon/sign-in';
import { csvField, DEFAULT_CSV_DELIMITER, writeCsv, writeCsvPending, writeCsvRecordsPending, type Cell, type CsvDelimiter } from './csv';
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

export interface ExportOptions {
  /** Field separator: `,` (default) or `;` (the profile's csvDelimiter). */
  delimiter?: CsvDelimiter;
  /** Which of the two files to write (default both). */
  only?: readonly ('sku-summary' | 'user-licenses')[];
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
    const wanted = new Set(opts.only ?? ['sku-summary', 'user-licenses']);
    const files: string[] = [];
    if (wanted.has('sku-summary')) {
      const skuFile = join(dir, SKU_SUMMARY_FILE);
      pending.push((await writeCsvPending(skuFile, SKU_SUMMARY_HEADER, skus.map(skuCells), opts)).pending);
      files.push(skuFile);
    }
    if (wanted.has('user-licenses')) {
      const userFile = join(dir, USER_LICENSES_FILE);
      pending.push((await writeCsvRecordsPending(userFile, USER_LICENSES_HEADER, userRecords(db, snapshotId, skus, opts.delimiter ?? DEFAULT_CSV_DELIMITER), opts)).pending);
      files.push(userFile);
    }
    for (const p of pending) await p.commit();
    return { files, skuSummary: skus };
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

/**
 * The user-licence records, rendered here rather than as cells: this file has a row per
 * licence of every user, and most of a row repeats. Names are looked up and fields
 * rendered (csvField) once per SKU, group, state, error and plan list, and once per user
 * for the user's four fields and the sign-in (a user's licences are consecutive rows).
 */
function* userRecords(db: Db, snapshotId: number, skus: readonly SkuSummaryRow[], delimiter: CsvDelimiter): Generator<string> {
  const d = delimiter;
  const signInSynced = datasetRuns(db, snapshotId).some((r) => r.dataset === 'signInActivity' && r.status === 'ok');
  const planNames = servicePlanNames(db, snapshotId);
  const friendlySku = new Map(skus.map((s) => [s.skuId, s.product]));
  // The part number comes from the snapshot's skus row of the SKU, so it is one per SKU.
  // SKUs missing from subscribedSkus (dataset skipped, or a retired SKU) still get a catalog name.
  const skuFields = cached((r: UserAssignmentRow) => {
    const name = friendlySku.get(r.skuId) ?? skuFriendlyName(r.skuId, r.skuPartNumber ?? r.skuId);
    return `${csvField(name)}${d}${csvField(r.skuPartNumber)}`;
  }, (r) => r.skuId);
  const planName = cached((id: string) => servicePlanFriendlyName(id, planNames.get(id) ?? id));
  // userAssignments hands out one array per distinct list, so a list is named once.
  const planField = cached((ids: readonly string[]) => csvField(ids.map(planName).join('; ')));
  const sourceField = cached((group: string | null) => csvField(group === null ? 'Direct' : `Group: ${group}`));
  const stateField = cached((state: string | null) => csvField(state));
  const errorField = cached((error: string | null) => csvField(error && error !== 'None' ? error : ''));
  let user: UserAssignmentRow | undefined;
  let userFields = '';
  let signIn: UserAssignmentRow | undefined;
  let signInField = '';
  for (const r of userAssignments(db, snapshotId)) {
    if (user === undefined || !sameUser(user, r)) {
      user = r;
      userFields = `${csvField(r.upn)}${d}${csvField(r.displayName)}${d}${csvField(yesNo(r.accountEnabled))}${d}${csvField(r.userType)}`;
    }
    if (signIn === undefined || !sameSignIn(signIn, r)) {
      signIn = r;
      signInField = csvField(lastSignInCell(r, signInSynced));
    }
    const source = sourceField(r.source === 'group' ? (r.groupName ?? r.groupId ?? '') : null);
    const plans = r.disabledPlans.length === 0 ? '""' : planField(r.disabledPlans);
    yield `${userFields}${d}${skuFields(r)}${d}${source}${d}${stateField(r.state)}${d}${errorField(r.error)}${d}${plans}${d}${signInField}\r\n`;
  }
}

function sameUser(a: UserAssignmentRow, b: UserAssignmentRow): boolean {
  return a.upn === b.upn && a.displayName === b.displayName && a.accountEnabled === b.accountEnabled && a.userType === b.userType;
}

function sameSignIn(a: UserAssignmentRow, b: UserAssignmentRow): boolean {
  return a.hasSignInRow === b.hasSignInRow && a.lastSuccessfulSignIn === b.lastSuccessfulSignIn && a.lastSignIn === b.lastSignIn && a.lastNonInteractiveSignIn === b.lastNonInteractiveSignIn;
}

/** Distinct keys a lookup cache keeps; beyond that, values are computed again. */
const CACHE_LIMIT = 1_000;

/** `f` with its results kept for up to CACHE_LIMIT keys (the argument itself, or `keyOf` it). */
function cached<A, V, K = A>(f: (arg: A) => V, keyOf: (arg: A) => K = (arg) => arg as unknown as K): (arg: A) => V {
  const seen = new Map<K, V>();
  return (arg) => {
    const key = keyOf(arg);
    let v = seen.get(key);
    if (v === undefined) {
      v = f(arg);
      if (seen.size < CACHE_LIMIT) seen.set(key, v);
    }
    return v;
  };
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
export async function exportFindings(
  report: FindingsReport,
  outDir: string,
  kinds?: readonly FindingKind[],
  opts: { delimiter?: CsvDelimiter; items?: FindingItemSpool } = {},
): Promise<string[]> {
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
    opts,
  );
  files.push(summary);
  const csvOpts = opts.delimiter ? { delimiter: opts.delimiter } : {};
  for (const f of chosen) files.push(await writeFinding(f, dir, csvOpts, opts.items));
  return files;
}

/** One finding's CSV; its items come from the spool when given (read twice: fact names, then rows). */
async function writeFinding(f: Finding, dir: string, opts: { delimiter?: CsvDelimiter }, spool?: FindingItemSpool): Promise<string> {
  const items = (): Iterable<FindingItem> => (spool ? (function* () {
    for (const x of spool.items(f.kind)) yield x.item;
  })() : f.items);
  const factKeys: string[] = [];
  const seen = new Set<string>();
  for (const item of items()) {
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
    (function* () {
      for (const i of items()) yield [i.upn, i.displayName, i.product, i.partNumber, yesNo(i.reclaimable), ...factKeys.map((k) => factCell(i.facts[k]))] as Cell[];
    })(),
    opts,
  );
  return file;
}
