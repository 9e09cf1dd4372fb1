/**
 * The XLSX workbook: a Summary sheet and one sheet per table, written with exceljs's
 * streaming writer through the atomic file writer, so memory stays flat however many
 * users the snapshot holds. Header rows are frozen and filtered; counts, money and dates
 * carry number formats. A table longer than Excel's 1,048,576 rows continues on a numbered
 * sheet ("User licences (2)"), and the Summary says so.
 */
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import ExcelJS from 'exceljs';
import type { FindingsReport } from '../../shared/recon';
import type { ReconcileReport } from '../../shared/reconcile';
import { PendingFile } from '../fs/atomic-write';
import type { Db } from '../store/db';
import { datasetRuns, getSnapshot, servicePlanNames, userAssignments } from '../store/queries';
import { servicePlanFriendlyName, skuFriendlyName } from '../catalog/skus';
import { lastSuccessfulSignIn } from './sign-in';
import type { FindingItemSpool } from './item-spool';

/** Rows per sheet Excel allows, header included. */
export const EXCEL_MAX_ROWS = 1_048_576;
export const WORKBOOK_FILE = 'reconciliation.xlsx';

export const FMT = {
  count: '#,##0',
  date: 'yyyy-mm-dd',
  dateTime: 'yyyy-mm-dd hh:mm:ss',
  percent: '0%',
  money: (currency: string | null): string => (currency ? `#,##0.00 "${currency}"` : '#,##0.00'),
} as const;

type CellValue = string | number | boolean | Date | null;
interface Column {
  header: string;
  width?: number;
  numFmt?: string;
}

export interface WorkbookOptions {
  tenant: string;
  /** Rows per sheet, header included (tests lower it to exercise continuation sheets). */
  maxRows?: number;
  /** Every finding item (computeFindings' spool); without it, the report's own items are written. */
  items?: FindingItemSpool;
}

const USER_COLUMNS = (): Column[] => [
  { header: 'User principal name', width: 36 },
  { header: 'Display name', width: 24 },
  { header: 'Account enabled', width: 10 },
  { header: 'User type', width: 10 },
  { header: 'SKU', width: 32 },
  { header: 'Part number', width: 22 },
  { header: 'Source', width: 24 },
  { header: 'Assignment state', width: 14 },
  { header: 'Error', width: 16 },
  { header: 'Disabled plans', width: 30 },
  { header: 'Last successful sign-in', width: 20, numFmt: FMT.dateTime },
];

/** A date cell from ISO text; text that is not a date stays text. */
function dateCell(iso: string | null | undefined): CellValue {
  if (!iso) return null;
  const ms = Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(ms) ? iso : new Date(ms);
}

/**
 * exceljs's streaming writer never pushes back: a sheet's rows pile up in its buffer (64 KiB
 * blocks) whenever compression or the disk is slower than the rows come. Wait until that
 * buffer and the file's write queue are small again, so memory stays flat at any size.
 */
async function drained(ws: ExcelJS.Worksheet, out: Writable): Promise<void> {
  type Queue = { _writableState?: { length?: number }; _readableState?: { length?: number } };
  const stream = (ws as unknown as { stream?: { buffers?: unknown[]; pipes?: Queue[] } }).stream;
  // Rows wait in the sheet's own buffer, or in the zip's input once the zip reads the sheet.
  const backlog = (): number => (stream?.buffers?.length ?? 0) * 65_536 + (stream?.pipes ?? []).reduce((n, p) => n + (p._writableState?.length ?? 0) + (p._readableState?.length ?? 0), 0);
  while (backlog() > 1_048_576 || out.writableNeedDrain) {
    if (out.writableNeedDrain) await new Promise<void>((r) => out.once('drain', () => r()));
    else await sleep(1);
  }
}

/** How many sheets a table of `rows` data rows needs. */
export function sheetsFor(rows: number, maxRows = EXCEL_MAX_ROWS): number {
  return Math.max(1, Math.ceil(rows / (maxRows - 1)));
}
export const continuationName = (name: string, n: number): string => (n === 1 ? name : `${name} (${n})`);

/** Write the workbook to `path` atomically. Returns the sheet names, in order. */
export async function writeWorkbook(db: Db, path: string, report: ReconcileReport, findings: FindingsReport, opts: WorkbookOptions): Promise<{ path: string; sheets: string[] }> {
  const maxRows = opts.maxRows ?? EXCEL_MAX_ROWS;
  const snapshot = getSnapshot(db, report.snapshotId);
  if (!snapshot) throw new Error(`snapshot ${report.snapshotId} vanished`);
  const pending = await PendingFile.create(path, { mode: 0o600 });
  const sheets: string[] = [];
  try {
    const out = pending.writable();
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    wb.creator = 'M365 licence reconciler';
    wb.created = new Date(Date.parse(snapshot.finishedAt));
    const money = FMT.money(report.currency);

    /** Stream rows into one sheet, or several when the table is longer than a sheet. */
    const table = async (name: string, columns: Column[], rows: Iterable<CellValue[]>): Promise<void> => {
      let part = 0;
      let ws: ExcelJS.Worksheet | null = null;
      let n = 0;
      const open = (): ExcelJS.Worksheet => {
        part += 1;
        const sheetName = continuationName(name, part);
        sheets.push(sheetName);
        const w = wb.addWorksheet(sheetName, { views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }] });
        w.columns = columns.map((c, i) => ({ header: c.header, key: `c${i}`, width: c.width ?? 16, ...(c.numFmt ? { style: { numFmt: c.numFmt } } : {}) }));
        w.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: columns.length } };
        const header = w.getRow(1);
        header.font = { bold: true };
        header.commit();
        n = 0;
        return w;
      };
      ws = open();
      let since = 0;
      for (const values of rows) {
        if (n >= maxRows - 1) {
          ws.commit();
          ws = open();
        }
        ws.addRow(values).commit();
        n += 1;
        if (++since >= 2000) {
          since = 0;
          await drained(ws, out);
        }
      }
      ws.commit();
    };

    // --- Summary (first; the user-licence sheet count is known beforehand) ---
    const userRows = (db.prepare('SELECT count(*) AS n FROM users u JOIN user_licenses l ON l.snapshot_id = u.snapshot_id AND l.user_id = u.id WHERE u.snapshot_id = ?').get(report.snapshotId) as { n: number }).n;
    const userSheets = sheetsFor(userRows, maxRows);
    const runs = datasetRuns(db, report.snapshotId);
    const totals = report.position.reduce((a, p) => ({ usable: a.usable + p.usable, consumed: a.consumed + p.consumed, cost: a.cost + (p.monthlyCost ?? 0) }), { usable: 0, consumed: 0, cost: 0 });
    const summary: [string, CellValue, string?][] = [
      ['Tenant', opts.tenant],
      ['Profile', snapshot.profileName],
      ['Snapshot', snapshot.id, FMT.count],
      ['Snapshot date', dateCell(snapshot.finishedAt), FMT.dateTime],
      ['Snapshot hash (SHA-256)', snapshot.contentHash ?? 'not sealed'],
      ['Previous snapshot hash', snapshot.prevHash ?? ''],
      ['Currency', report.currency ?? 'no prices imported'],
      ['SKUs', report.position.length, FMT.count],
      ['Usable seats', totals.usable, FMT.count],
      ['Assigned seats', totals.consumed, FMT.count],
      ['Monthly cost of assigned seats', report.currency ? totals.cost : null, money],
      ['Reclaimable seats', report.savings.reclaimableSeats, FMT.count],
      ['Savings per month', report.savings.monthly, money],
      ['Savings per year', report.savings.annual, money],
      ['Downgrade savings per month', report.savings.downgradeMonthly, money],
      ['Price coverage', report.savings.coverage, FMT.percent],
      ['Price coverage note', report.savings.coverageNote],
      ['Prices from', report.savings.sources.join('; ') || 'none'],
      ['Renewal dates', report.renewalNote],
    ];
    const findingRows = opts.items ? opts.items.count() : findings.findings.reduce((n, f) => n + f.items.length, 0);
    for (const [name, rows, count] of [['Findings', findingRows, sheetsFor(findingRows, maxRows)], ['User licences', userRows, userSheets]] as const) {
      if (count > 1) summary.push(['Continued sheets', `${name} has ${rows} rows; it continues on ${Array.from({ length: count - 1 }, (_, i) => `"${continuationName(name, i + 2)}"`).join(', ')}.`]);
    }
    for (const f of findings.findings) if (f.count > 0 || f.confidence === 'reduced') summary.push([`Finding: ${f.title}`, `${f.count} items, ${f.users} users${f.confidence === 'reduced' ? ' (reduced confidence)' : ''}`]);
    for (const note of [...findings.notes, ...report.notes]) summary.push(['Data-quality note', note]);
    for (const r of runs) if (r.status !== 'ok') summary.push(['Data-quality note', `${r.dataset} ${r.status}: ${r.missingPermission ? `missing permission ${r.missingPermission}` : (r.reason ?? '')}`]);
    summary.push(['Permissions in effect', snapshot.tokenRoles.join(', ') || 'none recorded']);
    for (const w of snapshot.warnings) summary.push(['Warning', w]);
    const ws = wb.addWorksheet('Summary', { views: [{ state: 'frozen', ySplit: 1, xSplit: 0 }] });
    sheets.push('Summary');
    ws.columns = [
      { header: 'Item', key: 'k', width: 34 },
      { header: 'Value', key: 'v', width: 80 },
    ];
    ws.getRow(1).font = { bold: true };
    ws.getRow(1).commit();
    for (const [k, v, fmt] of summary) {
      const row = ws.addRow([k, v]);
      if (fmt) row.getCell(2).numFmt = fmt;
      row.commit();
    }
    ws.commit();

    // --- Tables ---
    const priceCols = (): Column[] => [
      { header: 'Monthly price per seat', numFmt: money },
      { header: 'Price source', width: 14 },
      { header: 'Price as given', width: 24 },
    ];
    await table(
      'SKU position',
      [
        { header: 'Product', width: 36 }, { header: 'Part number', width: 22 }, { header: 'Unknown SKU' }, { header: 'Status' },
        { header: 'Enabled', numFmt: FMT.count }, { header: 'Warning', numFmt: FMT.count }, { header: 'Suspended', numFmt: FMT.count }, { header: 'Locked out', numFmt: FMT.count },
        { header: 'Usable', numFmt: FMT.count }, { header: 'Assigned', numFmt: FMT.count }, { header: 'Available', numFmt: FMT.count }, { header: 'Over by', numFmt: FMT.count },
        { header: 'Buffer', numFmt: FMT.count }, { header: 'Excluded' }, ...priceCols(), { header: 'Monthly cost', numFmt: money },
      ],
      report.position.map((p) => [p.product, p.partNumber, p.unknownSku, p.capabilityStatus, p.enabled, p.warning, p.suspended, p.lockedOut, p.usable, p.consumed, p.available, p.overBy, p.buffer, p.excluded, p.price.monthly, p.price.source, p.price.original, p.monthlyCost]),
    );
    if (report.entitlements.length > 0) {
      await table(
        'Entitlements',
        [
          { header: 'Product', width: 36 }, { header: 'Part number', width: 22 }, { header: 'Unknown SKU' }, { header: 'Entitled', numFmt: FMT.count }, { header: 'Usable', numFmt: FMT.count },
          { header: 'Assigned', numFmt: FMT.count }, { header: 'Difference', numFmt: FMT.count }, { header: 'Term end', numFmt: FMT.date }, ...priceCols(),
        ],
        report.entitlements.map((e) => [e.product, e.partNumber, e.unknownSku, e.entitled, e.usable, e.assigned, e.difference, dateCell(e.termEnd), e.price.monthly, e.price.source, e.price.original]),
      );
    }
    await table(
      'Right-sizing',
      [
        { header: 'Product', width: 36 }, { header: 'Part number', width: 22 }, { header: 'Advice', width: 40 }, { header: 'Reduce by', numFmt: FMT.count }, { header: 'Before', numFmt: FMT.date },
        { header: 'Date from' }, { header: 'Trial' }, { header: 'Unassigned beyond buffer', numFmt: FMT.count }, { header: 'Disabled users', numFmt: FMT.count }, { header: 'Inactive users', numFmt: FMT.count },
        ...priceCols(), { header: 'Savings per month', numFmt: money }, { header: 'Savings per year', numFmt: money },
      ],
      report.rightSizing.map((r) => [r.product, r.partNumber, r.advice, r.reduceBy, dateCell(r.before), r.dateSource, r.trial, r.unassignedBeyondBuffer, r.disabledSeats, r.inactiveSeats, r.price.monthly, r.price.source, r.price.original, r.monthlySavings, r.annualSavings]),
    );
    const costCols = (key: string): Column[] => [{ header: key, width: 28 }, { header: 'Users', numFmt: FMT.count }, { header: 'Seats', numFmt: FMT.count }, { header: 'Priced seats', numFmt: FMT.count }, { header: 'Monthly cost', numFmt: money }];
    await table('Cost by department', costCols('Department'), report.costByDepartment.map((c) => [c.key, c.users, c.seats, c.pricedSeats, c.monthlyCost]));
    await table('Cost by country', costCols('Usage location'), report.costByCountry.map((c) => [c.key, c.users, c.seats, c.pricedSeats, c.monthlyCost]));
    await table(
      'Findings',
      [{ header: 'Finding', width: 20 }, { header: 'User principal name', width: 36 }, { header: 'Display name', width: 24 }, { header: 'Product', width: 32 }, { header: 'Part number', width: 22 }, { header: 'Reclaimable seat' }, { header: 'Evidence', width: 60 }],
      (function* () {
        const all = opts.items?.items() ?? findings.findings.flatMap((f) => f.items.map((item) => ({ kind: f.kind, item })));
        for (const { kind, item: i } of all) yield [kind, i.upn, i.displayName, i.product, i.partNumber, i.reclaimable, Object.entries(i.facts).filter(([, v]) => v !== null && v !== undefined).map(([k, v]) => `${k}: ${String(v)}`).join('; ')];
      })(),
    );

    const signInSynced = runs.some((r) => r.dataset === 'signInActivity' && r.status === 'ok');
    const planNames = servicePlanNames(db, report.snapshotId);
    const product = new Map(report.position.map((p) => [p.skuId, p.product]));
    await table(
      'User licences',
      USER_COLUMNS(),
      (function* () {
        for (const r of userAssignments(db, report.snapshotId)) {
          let last: CellValue = null;
          if (signInSynced && r.hasSignInRow) {
            const fact = lastSuccessfulSignIn({ lastSignIn: r.lastSignIn, lastNonInteractive: r.lastNonInteractiveSignIn, lastSuccessful: r.lastSuccessfulSignIn });
            last = fact.kind === 'never' ? 'Never' : new Date(fact.at);
          }
          yield [
            r.upn, r.displayName, r.accountEnabled, r.userType,
            product.get(r.skuId) ?? skuFriendlyName(r.skuId, r.skuPartNumber ?? r.skuId), r.skuPartNumber,
            r.source === 'group' ? `Group: ${r.groupName ?? r.groupId ?? ''}` : 'Direct',
            r.state, r.error && r.error !== 'None' ? r.error : null,
            r.disabledPlans.map((id) => servicePlanFriendlyName(id, planNames.get(id) ?? id)).join('; '),
            last,
          ];
        }
      })(),
    );
    await wb.commit();
    await pending.commit();
  } catch (e) {
    await pending.abort();
    throw e;
  }
  return { path, sheets };
}
