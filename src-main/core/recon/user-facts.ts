/**
 * What the findings judge a user on from the sign-in and usage-report tables, read once per
 * table in an order an index gives for free (sign-ins by user id, the reports by UPN beside
 * users_by_upn), a chunk of rows at a time, into typed arrays indexed by the user's rowid. No
 * text is kept per user: the dates an item shows are read back by key when the item is kept,
 * so memory stays flat however many users a tenant has.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db';
import { CHUNK, ChunkReader } from './chunk-reader';
import { lastSuccessfulSignIn } from './sign-in';

const SHARED = /shared/i;

// A user's sign-in row, read once: none, never signed in, or the kind of its last sign-in time,
// plus SIGN_IN_BEFORE_CUTOFF when that time is before the inactivity cutoff.
export const SIGN_IN_NONE = 0;
export const SIGN_IN_NEVER = 1;
export const SIGN_IN_SUCCESSFUL = 2;
export const SIGN_IN_ATTEMPT = 3;
export const SIGN_IN_KIND = 3;
export const SIGN_IN_BEFORE_CUTOFF = 4;
// A user's usage report facts, read once, as bits.
/** In the activity report. */
export const REPORT_IN = 1;
/** Exchange activity in the period. */
export const REPORT_EXCHANGE = 4;
/** OneDrive, SharePoint, Teams, Microsoft 365 Apps or activation in the period. */
export const REPORT_OTHER = 8;
/** The mailbox report's recipient type says shared. */
export const REPORT_SHARED = 16;

/** A user's report dates for the items: Exchange, OneDrive, SharePoint, Teams, Microsoft 365 Apps, activation. */
export type ReportDates = [string | null, string | null, string | null, string | null, string | null, string | null];

export interface UserFactsQuery {
  snapshotId: number;
  /** The snapshot's users by rowid: a user's facts are at rowid - lo, in arrays of span. */
  lo: number;
  span: number;
  /** The inactivity cutoff (epoch ms). */
  cutoff: number;
  /** The usage period's first day, exclusive (YYYY-MM-DD), or null without a report refresh date. */
  usageFrom: string | null;
  /** Items are kept: their dates must be readable. */
  keepText: boolean;
  /** Which tables hold complete data for the snapshot. */
  signIns: boolean;
  usage: boolean;
  apps: boolean;
  activations: boolean;
  /** Mark users whose mailbox report rows say shared (REPORT_SHARED). */
  sharedMailboxes: boolean;
}

export interface UserFacts {
  /** SIGN_IN_* per user. */
  signInKind: Uint8Array;
  /** REPORT_* bits per user. */
  report: Uint8Array;
  /** Without sign-ins: the day (epoch ms) of a user's newest activity date in the reports, NaN for none. */
  newestAt: Float64Array | null;
  /** A user's sign-in dates as Graph sent them (last, non-interactive, successful). */
  signInTextOf(userId: string): [si: string | null, sn: string | null, ss: string | null];
  /** A user's report dates, from the activity report row the pass judged and the newest Apps and activation dates. */
  datesOf(off: number, upn: string | null): ReportDates;
}

export function readUserFacts(db: Db, q: UserFactsQuery): UserFacts {
  const { snapshotId, lo, span, cutoff, usageFrom, keepText } = q;
  const signInsOk = q.signIns;
  const usageOk = q.usage;
  const appsOk = q.apps;
  const activationsOk = q.activations;
  const inPeriod = (d: string | null): boolean => !!d && usageFrom !== null && d.slice(0, 10) > usageFrom;
  const maxRowid = (table: string): number => (db.prepare(`SELECT max(rowid) FROM ${table}`).pluck().get() as number | null) ?? 0;


  // 1. Sign-ins: the kind of the last successful sign-in and its time, per user.
  const signInKind = new Uint8Array(span);
  // The dates as Graph sent them are read again for each kept item only (a lookup by key), so
  // the pass holds no text per user and its memory stays flat however many users are candidates.
  let signInLookup: Statement | null = null;
  const signInTextOf = (userId: string): [si: string | null, sn: string | null, ss: string | null] => {
    signInLookup ??= db.prepare('SELECT last_sign_in, last_non_interactive, last_successful FROM sign_in_activity WHERE snapshot_id = ? AND user_id = ?').raw(true);
    return (signInLookup.get(snapshotId, userId) as [string | null, string | null, string | null] | undefined) ?? [null, null, null];
  };
  if (signInsOk && span > 0) {
    // In user id order, a chunk at a time (keyset on the id, from the last chunk's last id on).
    const inner = `SELECT a.user_id AS k, u.rowid AS rid, a.last_sign_in AS si, a.last_non_interactive AS sn, a.last_successful AS ss
      FROM sign_in_activity a JOIN users u ON u.snapshot_id = :snapshot AND u.id = a.user_id
      WHERE a.snapshot_id = :snapshot AND a.user_id >= :after ORDER BY a.user_id LIMIT :size`;
    const chunks = new ChunkReader(db, inner, ['rid', 'si', 'sn', 'ss'], ', max(k)');
    for (let after = ''; ; ) {
      const { rows, extra } = chunks.read({ snapshot: snapshotId, after, size: CHUNK });
      for (const [rid, si, sn, ss] of rows as [string, string | null, string | null, string | null][]) {
        const off = Number(rid) - lo;
        if (signInKind[off] !== SIGN_IN_NONE) continue; // the last chunk's last row, read again
        const fact = lastSuccessfulSignIn({ lastSignIn: si, lastNonInteractive: sn, lastSuccessful: ss });
        signInKind[off] = fact.kind === 'never' ? SIGN_IN_NEVER : (fact.kind === 'successful' ? SIGN_IN_SUCCESSFUL : SIGN_IN_ATTEMPT) | (fact.at < cutoff ? SIGN_IN_BEFORE_CUTOFF : 0);
      }
      if (rows.length < CHUNK) break;
      after = extra[0] as string;
    }
  }

  // 2. Usage reports, joined to users by UPN as SQLite compares them (NOCASE, the reports' UPN
  // indexes), each report read once in UPN order beside users_by_upn. The activity report gives
  // a user's four dates; the Microsoft 365 Apps and activation reports the newest date of each
  // UPN (a user's max, as before); the mailbox report, only when it carries recipient types at
  // all, the recipient type. The period tests run in SQL (substr(d, 1, 10) > :from is
  // inPeriod(d): for d's first ten characters SQLite and JS compare alike), so the dates
  // themselves are read only when items are kept or, without sign-ins, the newest is needed.
  const report = new Uint8Array(span);
  /** The rowid of the activity report row that counts for a user, to read its dates for the items. */
  const reportRow = keepText ? (maxRowid('report_active_user_detail') < 2 ** 32 ? new Uint32Array(span) : new Float64Array(span)) : null;
  /** Without sign-ins: the day (epoch ms) of a user's newest activity date in the reports, NaN for none. */
  const newestAt = signInsOk ? null : new Float64Array(span).fill(Number.NaN);
  const newer = (off: number, d: string | null): void => {
    const at = dayMs(d);
    if (newestAt && !Number.isNaN(at) && !(at <= (newestAt[off] ?? Number.NaN))) newestAt[off] = at;
  };
  const hasRecipientTypes =
    q.sharedMailboxes && db.prepare('SELECT 1 FROM report_mailbox_usage_detail WHERE snapshot_id = ? AND recipient_type IS NOT NULL LIMIT 1').get(snapshotId) !== undefined;
  const inPer = (c: string) => (usageFrom === null ? '0' : `(${c} <> '' AND substr(${c}, 1, 10) > :from)`);
  const dayParams: Record<string, string> = usageFrom === null ? {} : { from: usageFrom };
  if (usageOk && span > 0) {
    // A chunk at a time: keyset on the UPN, from the last chunk's last UPN on (so a run of equal
    // UPNs is never cut; the users already read are skipped).
    const inner = `SELECT r.upn COLLATE NOCASE AS k, u.rowid AS rid, r.rowid AS rr, r.exchange_last_activity AS exo, r.onedrive_last_activity AS od,
        r.sharepoint_last_activity AS sp, r.teams_last_activity AS tm
      FROM report_active_user_detail r JOIN users u ON u.snapshot_id = :snapshot AND u.upn = r.upn COLLATE NOCASE
      WHERE r.snapshot_id = :snapshot AND r.upn >= :after COLLATE NOCASE ORDER BY r.upn COLLATE NOCASE LIMIT :size`;
    const bits = `${REPORT_IN} | (CASE WHEN ${inPer('exo')} THEN ${REPORT_EXCHANGE} ELSE 0 END) | (CASE WHEN ${['od', 'sp', 'tm'].map(inPer).join(' OR ')} THEN ${REPORT_OTHER} ELSE 0 END)`;
    const chunks = new ChunkReader(db, inner, ['rid', bits, 'rr', ...(newestAt ? ['exo', 'od', 'sp', 'tm'] : [])], ', max(k), max(k) = :after COLLATE NOCASE');
    for (let after = '', size = CHUNK; ; ) {
      const { rows, extra } = chunks.read({ snapshot: snapshotId, after, size, ...dayParams });
      if (rows.length === size && extra[1] === 1) {
        size *= 2; // one UPN fills the chunk: read a larger one
        continue;
      }
      for (const row of rows) {
        const off = Number(row[0]) - lo;
        // A UPN the report holds twice (a deleted and a new account): the first row counts.
        if ((report[off] ?? 0) & REPORT_IN) continue;
        report[off] = (report[off] ?? 0) | Number(row[1]);
        if (reportRow) reportRow[off] = Number(row[2]);
        if (newestAt) for (let i = 3; i < 7; i++) newer(off, row[i] ?? null);
      }
      if (rows.length < size) break;
      after = extra[0] as string;
    }
  }
  /**
   * Users whose newest date in a report is in the period (or all of its users, with their dates,
   * when needed). CROSS JOIN keeps the grouped report rows outside, so users are looked up in
   * UPN order.
   */
  const newestOf = (table: string, col: string, needDates: boolean): void => {
    const rows = db
      .prepare(
        `SELECT u.rowid, g.d FROM (SELECT upn, max(${col}) AS d FROM ${table} WHERE snapshot_id = :snapshot GROUP BY upn COLLATE NOCASE ${needDates ? '' : `HAVING ${inPer(`max(${col})`)}`}) g
         CROSS JOIN users u ON u.snapshot_id = :snapshot AND u.upn = g.upn COLLATE NOCASE`,
      )
      .raw(true)
      .iterate({ snapshot: snapshotId, ...(needDates ? {} : dayParams) }) as IterableIterator<[number, string | null]>;
    for (const [rowid, d] of rows) {
      const off = rowid - lo;
      if (inPeriod(d)) report[off] = (report[off] ?? 0) | REPORT_OTHER;
      if (needDates) newer(off, d);
    }
  };
  if (usageOk && appsOk && span > 0) newestOf('report_m365_app_user_detail', 'last_activity_date', newestAt !== null);
  if (usageOk && activationsOk && span > 0) newestOf('report_activations_user_detail', 'last_activated_date', false);
  if (hasRecipientTypes && span > 0) {
    // The report's rows in stored order, narrowed in SQL to those whose type can say shared
    // (lower(t) LIKE '%hared%' holds whenever /shared/i does); for each, the type of its UPN as
    // before (the max over the UPN's rows), which /shared/i then decides.
    const mb = db.prepare('SELECT min(rowid) AS lo, max(rowid) AS hi FROM report_mailbox_usage_detail WHERE snapshot_id = ?').get(snapshotId) as { lo: number | null; hi: number | null };
    const rows = db
      .prepare(
        `SELECT u.rowid, (SELECT max(m.recipient_type) FROM report_mailbox_usage_detail m WHERE m.snapshot_id = :snapshot AND m.upn = s.upn COLLATE NOCASE)
         FROM (SELECT upn FROM report_mailbox_usage_detail WHERE rowid BETWEEN :lo AND :hi AND +snapshot_id = :snapshot AND lower(recipient_type) LIKE '%hared%') s
         CROSS JOIN users u ON u.snapshot_id = :snapshot AND u.upn = s.upn COLLATE NOCASE`,
      )
      .raw(true)
      .iterate({ snapshot: snapshotId, lo: mb.lo ?? 0, hi: mb.hi ?? -1 }) as IterableIterator<[number, string | null]>;
    for (const [rowid, t] of rows) if (t !== null && SHARED.test(t)) report[rowid - lo] = (report[rowid - lo] ?? 0) | REPORT_SHARED;
  }
  /** A user's six report dates, for the items. */
  const lookups = new Map<string, Statement>();
  const lookup = (sql: string, ...args: (string | number | null)[]): (string | null)[] | undefined => {
    let st = lookups.get(sql);
    if (!st) lookups.set(sql, (st = db.prepare(sql).raw(true)));
    return st.get(...args) as (string | null)[] | undefined;
  };
  const newestIn = (table: string, col: string, upn: string | null): string | null =>
    upn === null ? null : (lookup(`SELECT max(${col}) FROM ${table} WHERE snapshot_id = ? AND upn = ? COLLATE NOCASE`, snapshotId, upn)?.[0] ?? null);
  const datesOf = (off: number, upn: string | null): ReportDates => {
    const rr = reportRow?.[off] ?? 0;
    const [exo = null, od = null, sp = null, tm = null] =
      usageOk && rr > 0 ? (lookup('SELECT exchange_last_activity, onedrive_last_activity, sharepoint_last_activity, teams_last_activity FROM report_active_user_detail WHERE rowid = ?', rr) ?? []) : [];
    return [
      exo, od, sp, tm,
      usageOk && appsOk ? newestIn('report_m365_app_user_detail', 'last_activity_date', upn) : null,
      usageOk && activationsOk ? newestIn('report_activations_user_detail', 'last_activated_date', upn) : null,
    ];
  };

  return { signInKind, report, newestAt, signInTextOf, datesOf };
}

/** A report date's day as epoch ms; NaN for none, or for text that is not a date. */
function dayMs(d: string | null): number {
  return d ? Date.parse(`${d.slice(0, 10)}T00:00:00Z`) : Number.NaN;
}

/** The newest of a user's activity dates in the usage reports (text that is not a date is not activity). */
export function newestActivity(...dates: (string | null)[]): string | null {
  let newest: string | null = null;
  let at = Number.NaN;
  for (const d of dates) {
    const ms = dayMs(d);
    if (ms > at || (Number.isNaN(at) && !Number.isNaN(ms)) || (ms === at && d !== null && newest !== null && d > newest)) {
      newest = d;
      at = ms;
    }
  }
  return newest;
}
