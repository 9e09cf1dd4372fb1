/**
 * Snapshot history: a SHA-256 hash chain over the snapshots of a profile, its verification,
 * and the diff of any two snapshots.
 *
 * The content hash of a snapshot is SHA-256 over: the previous snapshot's hash (or the
 * empty string for the first), the snapshot's own row (profile, tenant, times, user count,
 * token roles, warnings) and every row of every table keyed by `snapshot_id`, table by
 * table in name order, rows in primary-key order (all columns where there is none), each
 * row as a JSON array. Tables are found from the schema, so a new dataset's table is
 * covered without a change here.
 *
 * A snapshot removed by retention (store/retention.ts) leaves its id, time and hashes in
 * `pruned_snapshots`: the chain still runs through it, and verification checks its link
 * (its recorded previous hash is the hash before it, and the next snapshot links to its
 * hash) without its content, which is gone.
 */
import { createHash, type Hash } from 'node:crypto';
import type { DiffReport, HistoryVerify } from '../../shared/reconcile';
import type { FindingsReport } from '../../shared/recon';
import type { Db } from '../store/db';
import { getSnapshot } from '../store/queries';
import { OperatorError } from '../errors/operator-error';
import { isAssignmentError } from './engine';

interface SnapRow {
  id: number;
  profile_name: string;
  tenant_id: string;
  graph_base_url: string | null;
  started_at: string;
  finished_at: string | null;
  token_roles: string;
  warnings: string;
  user_count: number | null;
  content_hash: string | null;
  prev_hash: string | null;
}

/** The tables holding snapshot data, with the ORDER BY that makes their rows canonical. */
export function snapshotTables(db: Db): { table: string; columns: string[]; orderBy: string }[] {
  const tables = (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'snapshots' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[]).map((t) => t.name);
  const out: { table: string; columns: string[]; orderBy: string }[] = [];
  for (const table of tables) {
    const info = db.prepare(`SELECT name, pk FROM pragma_table_info(?)`).all(table) as { name: string; pk: number }[];
    if (!info.some((c) => c.name === 'snapshot_id')) continue;
    const columns = info.map((c) => c.name).filter((c) => c !== 'snapshot_id');
    const pk = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name).filter((c) => c !== 'snapshot_id');
    const order = pk.length > 0 ? pk : columns;
    out.push({ table, columns, orderBy: order.map((c) => `"${c}"`).join(', ') });
  }
  return out;
}

function hashSnapshot(db: Db, snap: SnapRow, prevHash: string | null, tables = snapshotTables(db)): string {
  const h: Hash = createHash('sha256');
  h.update(`m365lr-snapshot-v1\n${prevHash ?? ''}\n`);
  h.update(
    `${JSON.stringify([snap.profile_name, snap.tenant_id, snap.graph_base_url, snap.started_at, snap.finished_at, snap.user_count, snap.token_roles, snap.warnings])}\n`,
  );
  for (const t of tables) {
    h.update(`#${t.table}\n`);
    const stmt = db.prepare(`SELECT ${t.columns.map((c) => `"${c}"`).join(', ')} FROM "${t.table}" WHERE snapshot_id = ? ORDER BY ${t.orderBy}`).raw(true);
    for (const row of stmt.iterate(snap.id) as IterableIterator<unknown[]>) h.update(`${JSON.stringify(row, bigintSafe)}\n`);
  }
  return h.digest('hex');
}

function bigintSafe(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (Buffer.isBuffer(v)) return v.toString('base64');
  return v;
}

const snapCols = 'id, profile_name, tenant_id, graph_base_url, started_at, finished_at, token_roles, warnings, user_count, content_hash, prev_hash';

/** A link of a profile's chain: a kept snapshot, or the hashes of a pruned one. */
type ChainLink = { kind: 'kept'; snap: SnapRow } | { kind: 'pruned'; id: number; finished_at: string; content_hash: string; prev_hash: string | null };

/** The profile's chain in id order, kept and pruned snapshots merged, up to `maxId`. */
function chainOf(db: Db, profile: string, maxId = Number.MAX_SAFE_INTEGER): ChainLink[] {
  const kept = (db.prepare(`SELECT ${snapCols} FROM snapshots WHERE profile_name = ? AND status = 'complete' AND id <= ? ORDER BY id`).all(profile, maxId) as SnapRow[]).map(
    (snap): ChainLink => ({ kind: 'kept', snap }),
  );
  // The table arrives with schema 5; a database opened with fewer migrations has no pruned snapshots.
  const hasPruned = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'pruned_snapshots'`).get() !== undefined;
  type PrunedRow = { id: number; finished_at: string; content_hash: string; prev_hash: string | null };
  const prunedRows = hasPruned
    ? (db.prepare('SELECT id, finished_at, content_hash, prev_hash FROM pruned_snapshots WHERE profile_name = ? AND id <= ? ORDER BY id').all(profile, maxId) as PrunedRow[])
    : [];
  const pruned = prunedRows.map((p): ChainLink => ({ kind: 'pruned', ...p }));
  const id = (l: ChainLink): number => (l.kind === 'kept' ? l.snap.id : l.id);
  return [...kept, ...pruned].sort((a, b) => id(a) - id(b));
}

/**
 * Seal a committed snapshot into its profile's chain: content hash and the previous
 * snapshot's hash. Earlier snapshots of the profile that are not sealed yet (taken before
 * the chain existed) are sealed first, oldest first. A sealed snapshot is never resealed.
 * Called by the services once a sync has committed (services/sync-jobs.ts).
 */
export function sealSnapshot(db: Db, snapshotId: number): { contentHash: string; prevHash: string | null } {
  const target = db.prepare(`SELECT ${snapCols} FROM snapshots WHERE id = ? AND status = 'complete'`).get(snapshotId) as SnapRow | undefined;
  if (!target) throw new OperatorError('bad-input', `Snapshot ${snapshotId} does not exist.`, { hint: "Pick one of the profile's snapshots." });
  if (target.content_hash) return { contentHash: target.content_hash, prevHash: target.prev_hash };
  const chain = chainOf(db, target.profile_name, snapshotId);
  const tables = snapshotTables(db);
  const update = db.prepare('UPDATE snapshots SET content_hash = ?, prev_hash = ? WHERE id = ? AND content_hash IS NULL');
  let prev: string | null = null;
  let result = { contentHash: '', prevHash: null as string | null };
  for (const link of chain) {
    if (link.kind === 'pruned') {
      prev = link.content_hash;
      continue;
    }
    const s = link.snap;
    if (s.content_hash) {
      prev = s.content_hash;
      continue;
    }
    const hash = hashSnapshot(db, s, prev, tables);
    update.run(hash, prev, s.id);
    result = { contentHash: hash, prevHash: prev };
    prev = hash;
  }
  return result;
}

/**
 * Recompute every kept snapshot's hash of a profile and check every link, pruned snapshots'
 * included (by their recorded hashes: their content is gone); names the first bad snapshot.
 */
export function verifyHistory(db: Db, profile: string): HistoryVerify {
  const chain = chainOf(db, profile);
  const tables = snapshotTables(db);
  const snapshots: HistoryVerify['snapshots'] = [];
  let prev: string | null = null;
  let firstBad: number | null = null;
  let why = '';
  const sealed = chain.filter((l) => l.kind === 'pruned' || l.snap.content_hash !== null);
  const lastSealedLink = sealed[sealed.length - 1];
  const lastSealed = lastSealedLink ? (lastSealedLink.kind === 'kept' ? lastSealedLink.snap.id : lastSealedLink.id) : 0;
  for (const link of chain) {
    const row =
      link.kind === 'kept'
        ? { id: link.snap.id, finishedAt: link.snap.finished_at ?? link.snap.started_at, contentHash: link.snap.content_hash, prevHash: link.snap.prev_hash }
        : { id: link.id, finishedAt: link.finished_at, contentHash: link.content_hash, prevHash: link.prev_hash };
    let status: HistoryVerify['snapshots'][number]['status'] = link.kind === 'pruned' ? 'pruned' : 'ok';
    if (row.contentHash === null) {
      // Snapshots after the last sealed one may simply await sealing; a gap before it is tampering.
      status = row.id < lastSealed ? 'chain-broken' : 'unsealed';
    } else if ((row.prevHash ?? null) !== prev) status = 'chain-broken';
    else if (link.kind === 'kept' && hashSnapshot(db, link.snap, prev, tables) !== row.contentHash) status = 'content-mismatch';
    if (status === 'content-mismatch' || status === 'chain-broken') {
      if (firstBad === null) {
        firstBad = row.id;
        why =
          status === 'content-mismatch'
            ? `Snapshot ${row.id} (${row.finishedAt}) does not match its recorded hash: its data was changed or damaged after it was taken.`
            : `Snapshot ${row.id} (${row.finishedAt}) does not link to the snapshot before it: a snapshot was removed, or a hash was edited.`;
      }
    }
    snapshots.push({ snapshotId: row.id, finishedAt: row.finishedAt, status, contentHash: row.contentHash, prevHash: row.prevHash });
    prev = row.contentHash ?? prev;
  }
  const unsealed = snapshots.filter((s) => s.status === 'unsealed').length;
  const pruned = snapshots.filter((s) => s.status === 'pruned').length;
  const message =
    firstBad !== null
      ? why
      : `${snapshots.length - unsealed} snapshots verified${pruned > 0 ? ` (${pruned} pruned, checked by their links)` : ''}; the chain is intact.${unsealed > 0 ? ` ${unsealed} newer snapshots are not sealed yet.` : ''}`;
  return { ok: firstBad === null, checked: snapshots.length, firstBad, snapshots, message };
}

/** Key of a finding item, stable across snapshots. */
function itemKey(kind: string, i: { userId: string | null; skuId: string | null; upn: string | null; facts: Record<string, unknown> }): string {
  const issue = typeof i.facts['issue'] === 'string' ? i.facts['issue'] : '';
  return `${i.upn ?? i.userId ?? ''} ${i.skuId ?? ''}${issue ? ` ${issue}` : ''}`.trim() || kind;
}

/**
 * Diff two snapshots of a profile: users gained or lost per SKU, seat counts before and
 * after, and findings new or resolved (judged with the same settings). `limit` caps the
 * users listed per SKU and items per finding; the counts stay complete.
 */
export function diffSnapshots(db: Db, fromId: number, toId: number, findings: { from: FindingsReport; to: FindingsReport }, limit = 1000): Omit<DiffReport, 'files'> {
  const a = getSnapshot(db, fromId);
  const b = getSnapshot(db, toId);
  if (!a || !b) throw new OperatorError('bad-input', `Snapshot ${!a ? fromId : toId} does not exist.`, { hint: "Pick two of the profile's snapshots." });
  if (a.profileName !== b.profileName) {
    throw new OperatorError('bad-input', `Snapshots ${fromId} and ${toId} belong to different profiles.`, { hint: 'Compare two snapshots of the same profile.' });
  }
  const held = (snap: number) =>
    db.prepare(`SELECT DISTINCT user_id, sku_id, error, state FROM user_licenses WHERE snapshot_id = ?`).all(snap) as { user_id: string; sku_id: string; error: string | null; state: string | null }[];
  const pairs = (snap: number): Set<string> => {
    const s = new Set<string>();
    for (const r of held(snap)) if (!isAssignmentError(r.error) && (r.state ?? '').toLowerCase() !== 'error') s.add(`${r.sku_id}\u0000${r.user_id}`);
    return s;
  };
  const before = pairs(fromId);
  const after = pairs(toId);
  const upnOf = (snap: number) => {
    const stmt = db.prepare('SELECT upn FROM users WHERE snapshot_id = ? AND id = ?');
    return (id: string): string | null => (stmt.get(snap, id) as { upn: string | null } | undefined)?.upn ?? null;
  };
  const upnA = upnOf(fromId);
  const upnB = upnOf(toId);
  type Row = DiffReport['skus'][number];
  const rows = new Map<string, Row>();
  const seats = (snap: number) =>
    new Map(
      (db.prepare('SELECT sku_id AS skuId, sku_part_number AS part, enabled + warning AS usable, consumed_units AS consumed FROM skus WHERE snapshot_id = ?').all(snap) as {
        skuId: string;
        part: string;
        usable: number;
        consumed: number;
      }[]).map((r) => [r.skuId, r]),
    );
  const sa = seats(fromId);
  const sb = seats(toId);
  const row = (skuId: string): Row => {
    let r = rows.get(skuId);
    if (!r) {
      r = {
        skuId,
        partNumber: sb.get(skuId)?.part ?? sa.get(skuId)?.part ?? skuId,
        usersGained: 0,
        usersLost: 0,
        gained: [],
        lost: [],
        usableBefore: sa.get(skuId)?.usable ?? null,
        usableAfter: sb.get(skuId)?.usable ?? null,
        consumedBefore: sa.get(skuId)?.consumed ?? null,
        consumedAfter: sb.get(skuId)?.consumed ?? null,
      };
      rows.set(skuId, r);
    }
    return r;
  };
  for (const k of after) {
    if (before.has(k)) continue;
    const [skuId = '', userId = ''] = k.split('\u0000');
    const r = row(skuId);
    r.usersGained += 1;
    if (r.gained.length < limit) r.gained.push({ userId, upn: upnB(userId) });
  }
  for (const k of before) {
    if (after.has(k)) continue;
    const [skuId = '', userId = ''] = k.split('\u0000');
    const r = row(skuId);
    r.usersLost += 1;
    if (r.lost.length < limit) r.lost.push({ userId, upn: upnA(userId) });
  }
  for (const id of new Set([...sa.keys(), ...sb.keys()])) {
    const x = sa.get(id);
    const y = sb.get(id);
    if (!x || !y || x.usable !== y.usable || x.consumed !== y.consumed) row(id);
  }
  const findingRows: DiffReport['findings'] = [];
  for (const fb of findings.to.findings) {
    const fa = findings.from.findings.find((f) => f.kind === fb.kind);
    const ka = new Set((fa?.items ?? []).map((i) => itemKey(fb.kind, i)));
    const kb = new Set(fb.items.map((i) => itemKey(fb.kind, i)));
    const added = [...kb].filter((k) => !ka.has(k));
    const resolved = [...ka].filter((k) => !kb.has(k));
    findingRows.push({ kind: fb.kind, new: added.length, resolved: resolved.length, newItems: added.slice(0, limit), resolvedItems: resolved.slice(0, limit) });
  }
  return {
    from: { snapshotId: a.id, finishedAt: a.finishedAt, contentHash: a.contentHash },
    to: { snapshotId: b.id, finishedAt: b.finishedAt, contentHash: b.contentHash },
    skus: [...rows.values()].sort((x, y) => x.partNumber.localeCompare(y.partNumber)),
    findings: findingRows,
  };
}
