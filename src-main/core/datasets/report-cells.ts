import { z } from 'zod';
import { OperatorError } from '../errors/operator-error';

/** Usage report CSV cells: every cell is text, and empty means "no value". */

/** A report cell in a row schema. */
export const cell = z.string().optional();
/** The UPN column every per-user report is keyed by. */
export const upnCell = z.string().min(1);

function reportCellError(column: string, what: string): OperatorError {
  return new OperatorError('graph-error', `A usage report row has an invalid "${column}" value (expected ${what}).`, {
    hint: 'The report format may have changed. Try again later; if it persists, report it with the log file.',
    remedy: { action: 'retry-later' },
  });
}

export function textCell(v: string | undefined): string | null {
  const t = v?.trim();
  return t ? t : null;
}

function cellText(row: Readonly<Record<string, unknown>>, column: string): string | undefined {
  const v = row[column];
  return typeof v === 'string' ? v.trim() : undefined;
}

export function boolCell(row: Readonly<Record<string, unknown>>, column: string): boolean | null {
  const t = cellText(row, column)?.toLowerCase();
  if (!t) return null;
  // Microsoft's CSVs use True/False or Yes/No; some columns (e.g. "Activated On Shared
  // Computer") are also seen as 0/1.
  if (t === 'true' || t === 'yes' || t === '1') return true;
  if (t === 'false' || t === 'no' || t === '0') return false;
  throw reportCellError(column, 'True/False, Yes/No or 1/0');
}

export function intCell(row: Readonly<Record<string, unknown>>, column: string): number | null {
  const t = cellText(row, column);
  if (!t) return null;
  if (!/^-?\d+$/.test(t)) throw reportCellError(column, 'a whole number');
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw reportCellError(column, 'a whole number within range');
  return n;
}

/** Roles that may read per-user usage report detail (Global Reader sees tenant-level data only). */
export const REPORT_DETAIL_ROLES = ['Reports Reader', 'Global Administrator'] as const;

const REPORTS = ['Reports.Read.All'] as const;

/** Every per-user usage report needs Reports.Read.All (learn.microsoft.com/graph/reportroot-authorization). */
export const REPORT_PERMISSION = {
  application: 'Reports.Read.All',
  accepted: REPORTS,
  delegated: 'Reports.Read.All',
  delegatedAccepted: REPORTS,
  delegatedRoles: REPORT_DETAIL_ROLES,
} as const;
