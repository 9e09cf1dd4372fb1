import type { Db } from '../store/db';
import { join, resolve } from 'node:path';
import type { OpArgs, OpResult } from '../../shared/contract';
import { loadCatalog } from '../catalog/store';
import type { WriteCsvOptions } from '../export/csv';
import { exportFindings } from '../export/exports';
import type { FindingKind } from '../../shared/recon';
import { OperatorError } from '../errors/operator-error';
import { computeFindings, computeFindingsSpooled } from '../recon/engine';
import { reconcile, readExchangeRates, writeExchangeRates } from '../recon/cost';
import { writeReconCsvs, writeDiffCsv, type ReconCsv } from '../recon/csv-exports';
import { diffSnapshots, sealSnapshot, verifyHistory } from '../recon/history';
import { importFile } from '../recon/imports';
import { readSettings } from '../recon/settings';
import { WORKBOOK_FILE, writeWorkbook } from '../recon/workbook';
import { currentSnapshot, getSnapshot, type SnapshotInfo } from '../store/queries';
import type { ServiceContext } from './context';

function pickSnapshot(ctx: ServiceContext, profile: string, snapshotId: number | undefined): SnapshotInfo {
  const snapshot = snapshotId !== undefined ? getSnapshot(ctx.database(), snapshotId) : currentSnapshot(ctx.database(), profile);
  if (!snapshot || snapshot.profileName !== profile) {
    throw new OperatorError('bad-input', `Profile "${profile}" has no snapshot${snapshotId !== undefined ? ` ${snapshotId}` : ''}.`, {
      hint: snapshotId !== undefined ? "Pick one of the profile's snapshots." : 'Sync the profile first.',
      remedy: snapshotId !== undefined ? { action: 'list-snapshots', profile } : { action: 'run-sync', profile },
    });
  }
  return snapshot;
}

/** The findings of a snapshot with every item spooled (the caller disposes of `items`), judged with the profile's settings and catalogue. */
async function spooledFindings(ctx: ServiceContext, profile: string, snapshotId: number, db: Db) {
  const settings = readSettings(db, profile);
  const catalog = await loadCatalog(ctx.deps.dataDir);
  return { settings, catalog, ...computeFindingsSpooled(db, snapshotId, { settings, catalog }) };
}

/** The reconciliation of a snapshot, and its findings with every item spooled (the caller disposes of `items`). */
async function buildReport(ctx: ServiceContext, profile: string, snapshotId: number, db: Db = ctx.database()) {
  const { settings, catalog, report: findings, items } = await spooledFindings(ctx, profile, snapshotId, db);
  try {
    return { findings, items, report: reconcile(db, { profile, snapshotId, settings, findings, catalog, items }) };
  } catch (e) {
    items.dispose();
    throw e;
  }
}

/** Renewals, entitlements, cost and right-sizing; imports; the snapshot history. */
export function reconcileServices(ctx: ServiceContext) {
  const reconcileOps = {
    run: async (args: OpArgs<'reconcile.run'>): Promise<OpResult<'reconcile.run'>> => {
      const { items, report } = await buildReport(ctx, args.profile, pickSnapshot(ctx, args.profile, args.snapshotId).id);
      items.dispose();
      return report;
    },
  };
  const importer = (kind: 'entitlements' | 'prices') => async (args: { profile: string; path: string }) =>
    importFile(ctx.database(), args.profile, kind, resolve(args.path), await loadCatalog(ctx.deps.dataDir), ctx.clock());
  const entitlements = { import: async (args: OpArgs<'entitlements.import'>): Promise<OpResult<'entitlements.import'>> => importer('entitlements')(args) };
  const prices = {
    import: async (args: OpArgs<'prices.import'>): Promise<OpResult<'prices.import'>> => importer('prices')(args),
    getRates: async (args: OpArgs<'prices.getRates'>): Promise<OpResult<'prices.getRates'>> => readExchangeRates(ctx.database(), args.profile),
    setRates: async (args: OpArgs<'prices.setRates'>): Promise<OpResult<'prices.setRates'>> => writeExchangeRates(ctx.database(), args.profile, args.rates, ctx.clock()),
  };
  const history = {
    diff: async (args: OpArgs<'history.diff'>): Promise<OpResult<'history.diff'>> => {
      const from = pickSnapshot(ctx, args.profile, args.from);
      const to = pickSnapshot(ctx, args.profile, args.to);
      const db = ctx.database();
      const settings = readSettings(db, args.profile);
      const catalog = await loadCatalog(ctx.deps.dataDir);
      const diff = diffSnapshots(db, from.id, to.id, { from: computeFindings(db, from.id, { settings, catalog }), to: computeFindings(db, to.id, { settings, catalog }) }, args.limit);
      const delimiter = await ctx.source.resolve(args.profile).then((r) => r.profile.csvDelimiter, () => undefined);
      const files = args.outDir ? [await writeDiffCsv(diff, args.outDir, delimiter ? { delimiter } : {})] : [];
      return { ...diff, files };
    },
    verify: async (args: OpArgs<'history.verify'>): Promise<OpResult<'history.verify'>> => verifyHistory(ctx.database(), args.profile),
  };
  return { reconcile: reconcileOps, entitlements, prices, history };
}

/**
 * Seal a snapshot the sync just committed into its profile's hash chain (called by
 * sync-jobs.ts after a sync succeeds). Returns the content hash.
 */
export function sealCommittedSnapshot(ctx: ServiceContext, snapshotId: number): string {
  return sealSnapshot(ctx.database(), snapshotId).contentHash;
}

const CSV_IDS: Record<string, ReconCsv> = { 'sku-position': 'position', 'entitlements-reconciliation': 'entitlements', 'right-sizing': 'right-sizing' };

/**
 * The finding and reconciliation files of exports.write: one CSV per finding, the position,
 * entitlements and right-sizing CSVs and the XLSX workbook (all of them, or those whose ids are
 * asked for; a finding's id is `finding-<kind>`). One findings pass serves them all, and the
 * reconciliation runs only when one of its files is asked for.
 */
export async function writeFindingAndReconExports(
  ctx: ServiceContext,
  db: Db,
  profile: string,
  snapshotId: number,
  outDir: string,
  files?: readonly string[],
  opts: WriteCsvOptions = {},
): Promise<string[]> {
  const kinds = files?.filter((f) => f.startsWith('finding-')).map((f) => f.slice('finding-'.length) as FindingKind);
  const findingCsvs = !kinds || kinds.length > 0;
  const csvs = Object.entries(CSV_IDS).filter(([id]) => !files || files.includes(id)).map(([, k]) => k);
  const workbook = !files || files.includes('workbook');
  if (!findingCsvs && csvs.length === 0 && !workbook) return [];
  const { settings, catalog, report: findings, items } = await spooledFindings(ctx, profile, snapshotId, db);
  try {
    const written = findingCsvs ? await exportFindings(findings, outDir, kinds, { ...opts, items }) : [];
    if (csvs.length === 0 && !workbook) return written;
    const report = reconcile(db, { profile, snapshotId, settings, findings, catalog, items });
    written.push(...(await writeReconCsvs(report, outDir, csvs, opts)));
    if (workbook) {
      const snapshot = getSnapshot(db, report.snapshotId);
      written.push((await writeWorkbook(db, join(resolve(outDir), WORKBOOK_FILE), report, findings, { tenant: snapshot?.tenantId ?? '', items })).path);
    }
    return written;
  } finally {
    items.dispose();
  }
}
