/**
 * The fault suite's rig: the demo tenant (in-process, its files written as the standalone
 * runner writes them), a stored profile that signs in with the tenant's client secret file
 * and trusts its CA, the REAL services over a data folder (createServices: sync.start /
 * sync.wait, the path every front end takes), the tenant's truth computed from its
 * generator, and the verdict of one faulted run: either the new snapshot is complete and
 * equal to the truth, or the previous snapshot is intact and current and the error names
 * the cause. Nothing else counts as survived; anything else that changed stored data
 * counts as data lost.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { createServices, type Services } from '../../src-main/core/services/index';
import { MemorySecretStore } from '../../src-main/core/secrets/memory-store';
import { nullLogger } from '../../src-main/core/log/logger';
import { createDemoData } from '../../src-main/core/demo-tenant/data';
import { startDemoTenant, type DemoTenant, type DemoTenantOptions } from '../../src-main/core/demo-tenant/index';
import { writeTenantFiles } from '../../src-main/cli/demo-tenant';
import { isOperatorError } from '../../src-main/core/errors/operator-error';
import type { Profile } from '../../src-main/core/profile/schema';
import type { SyncResult } from '../../src-main/shared/sync';
import { tempDir } from './fs';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

// ---------------------------------------------------------------------------
// Seeds

/** A small deterministic PRNG (mulberry32) from a string seed: runs are reproducible from their seed. */
export function seeded(seed: string): () => number {
  let a = 0;
  for (const ch of seed) a = (Math.imul(a ^ ch.charCodeAt(0), 2654435761) + 0x9e3779b9) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [lo, hi] from a PRNG. */
export function between(rnd: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rnd() * (hi - lo + 1));
}

/** Runs per scenario: FAULT_RUNS (npm run test:faults sets it), 1 inside npm test. */
export function faultRuns(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env['FAULT_RUNS'] ?? '1');
  return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : 1;
}

// ---------------------------------------------------------------------------
// Truth and fingerprints

/** Counts and a content hash of a snapshot's (or the tenant's) users, licences and SKUs. */
export interface Fingerprint {
  users: number;
  licences: number;
  skus: number;
  hash: string;
}

function digest(lines: string[]): string {
  lines.sort();
  const h = createHash('sha256');
  for (const l of lines) h.update(l).update('\n');
  return h.digest('hex');
}

function userLine(id: string, upn: string | null, displayName: string | null, enabled: boolean | null): string {
  return JSON.stringify(['u', id, upn, displayName, enabled]);
}

function licenceLine(userId: string, skuId: string, groupId: string | null, state: string | null, error: string | null, disabled: readonly string[]): string {
  return JSON.stringify(['l', userId, skuId, groupId, state, error, [...disabled].sort()]);
}

function skuLine(skuId: string, part: string, consumed: number, enabled: number): string {
  return JSON.stringify(['s', skuId, part, consumed, enabled]);
}

/** The tenant's truth, from the demo tenant's generator (the data it serves), not from the product. */
export function tenantTruth(tenant: Pick<DemoTenant, 'tenantId' | 'domain'>, seed: string, users: number): Fingerprint {
  const data = createDemoData({ seed, users, tenantId: tenant.tenantId, domain: tenant.domain, p1: true });
  const lines: string[] = [];
  let licences = 0;
  for (let i = 0; i < data.userCount; i++) {
    const u = data.user(i);
    lines.push(userLine(u.id, u.userPrincipalName, u.displayName, u.accountEnabled));
    for (const s of u.licenseAssignmentStates) {
      lines.push(licenceLine(u.id, s.skuId, s.assignedByGroup, s.state, s.error, s.disabledPlans));
      licences++;
    }
  }
  for (const s of data.skus) lines.push(skuLine(s.skuId, s.skuPartNumber, s.consumedUnits, s.prepaidUnits.enabled));
  return { users: data.userCount, licences, skus: data.skus.length, hash: digest(lines) };
}

/** What the database holds for a profile, read over a connection of its own. */
export interface StoreState {
  /** PRAGMA integrity_check's verdict ('ok' when sound). */
  integrity: string;
  /** Complete snapshots of the profile, oldest first. */
  snapshotIds: number[];
  /** Snapshot rows left 'running' (a committed database never holds one). */
  running: number;
  latest: number | null;
  fingerprint: Fingerprint | null;
  /** dataset_runs of the latest snapshot: dataset -> [status, reason]. */
  runs: Record<string, [string, string | null]>;
}

export function snapshotFingerprint(db: Database.Database, snapshotId: number): Fingerprint {
  const lines: string[] = [];
  const users = db.prepare('SELECT id, upn, display_name, account_enabled FROM users WHERE snapshot_id = ?').all(snapshotId) as {
    id: string; upn: string | null; display_name: string | null; account_enabled: number | null;
  }[];
  for (const u of users) lines.push(userLine(u.id, u.upn, u.display_name, u.account_enabled === null ? null : u.account_enabled === 1));
  const lic = db.prepare('SELECT user_id, sku_id, group_id, state, error, disabled_plans FROM user_licenses WHERE snapshot_id = ?').all(snapshotId) as {
    user_id: string; sku_id: string; group_id: string | null; state: string | null; error: string | null; disabled_plans: string;
  }[];
  for (const l of lic) lines.push(licenceLine(l.user_id, l.sku_id, l.group_id, l.state, l.error, JSON.parse(l.disabled_plans) as string[]));
  const skus = db.prepare('SELECT sku_id, sku_part_number, consumed_units, enabled FROM skus WHERE snapshot_id = ?').all(snapshotId) as {
    sku_id: string; sku_part_number: string; consumed_units: number; enabled: number;
  }[];
  for (const s of skus) lines.push(skuLine(s.sku_id, s.sku_part_number, s.consumed_units, s.enabled));
  return { users: users.length, licences: lic.length, skus: skus.length, hash: digest(lines) };
}

/** Fingerprints of given snapshots (a snapshot absent from the file gives null). */
export function fingerprintsOf(dataDir: string, ids: readonly number[]): (Fingerprint | null)[] {
  const db = new Database(join(dataDir, 'reconciler.db'), { readonly: true, fileMustExist: true });
  try {
    return ids.map((id) => (db.prepare("SELECT 1 FROM snapshots WHERE id = ? AND status = 'complete'").get(id) ? snapshotFingerprint(db, id) : null));
  } finally {
    db.close();
  }
}

/** Reads the store of a data folder (read-only; the file must exist). */
export function readStore(dataDir: string, profile: string): StoreState {
  const db = new Database(join(dataDir, 'reconciler.db'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    const integrity = (db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check).join('; ');
    const ids = (db.prepare("SELECT id FROM snapshots WHERE profile_name = ? AND status = 'complete' ORDER BY id").all(profile) as { id: number }[]).map((r) => r.id);
    const running = (db.prepare("SELECT count(*) AS n FROM snapshots WHERE status <> 'complete'").get() as { n: number }).n;
    const latest = ids.length > 0 ? (ids[ids.length - 1] ?? null) : null;
    const runs: StoreState['runs'] = {};
    if (latest !== null) {
      for (const r of db.prepare('SELECT dataset, status, reason FROM dataset_runs WHERE snapshot_id = ?').all(latest) as { dataset: string; status: string; reason: string | null }[]) {
        runs[r.dataset] = [r.status, r.reason];
      }
    }
    return { integrity, snapshotIds: ids, running, latest, fingerprint: latest === null ? null : snapshotFingerprint(db, latest), runs };
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------------------
// Verdicts and the table

export interface Verdict {
  survived: boolean;
  dataLost: boolean;
  outcome: 'committed' | 'kept previous' | 'broken';
  detail: string;
}

export const sameFingerprint = (a: Fingerprint | null, b: Fingerprint | null): boolean =>
  a !== null && b !== null && a.users === b.users && a.licences === b.licences && a.skus === b.skus && a.hash === b.hash;

/** The text of an error as an operator sees it: message and hint. */
export function errorText(e: unknown): string {
  if (isOperatorError(e)) return `${e.code}: ${e.message} ${e.hint ?? ''}`;
  return e instanceof Error ? e.message : String(e);
}

export interface Judgement {
  truth: Fingerprint;
  before: StoreState;
  after: StoreState;
  /** The sync's result, or undefined when it failed (only its snapshot id matters here). */
  result?: Pick<SyncResult, 'snapshotId'>;
  /** The error when it failed. */
  error?: unknown;
  /** What the error must say (the cause) when the previous snapshot is kept. */
  cause: RegExp;
  /** Datasets that must be 'ok' in a committed snapshot (default: the core ones). */
  mustBeOk?: readonly string[];
  /** Extra acceptance of a committed snapshot (e.g. a failed enrichment dataset naming the row). */
  committedCheck?: (after: StoreState) => string | undefined;
}

/**
 * Survived: a new complete snapshot equal to the truth, or the previous one current and intact
 * with an error that names the cause. Data lost: the store lost or changed a committed snapshot,
 * kept a half-written one, failed its integrity check, or committed a snapshot unequal to the truth.
 */
export function judge(j: Judgement): Verdict {
  const { before, after, truth } = j;
  const problems: string[] = [];
  if (after.integrity !== 'ok') problems.push(`integrity_check: ${after.integrity}`);
  if (after.running > 0) problems.push(`${after.running} snapshot(s) left running`);
  const lostOld = before.snapshotIds.filter((id) => !after.snapshotIds.includes(id));
  if (lostOld.length > 0) problems.push(`snapshots ${lostOld.join(', ')} disappeared`);
  const isNew = after.latest !== null && after.latest !== before.latest && !before.snapshotIds.includes(after.latest);
  if (isNew && !sameFingerprint(after.fingerprint, truth)) problems.push(`new snapshot ${after.latest} differs from the tenant: ${JSON.stringify(after.fingerprint)} vs ${JSON.stringify(truth)}`);
  if (!isNew && before.latest !== null && (after.latest !== before.latest || !sameFingerprint(after.fingerprint, before.fingerprint))) {
    problems.push(`the previous snapshot ${before.latest} is not current and intact`);
  }
  if (problems.length > 0) return { survived: false, dataLost: true, outcome: 'broken', detail: problems.join('; ') };

  if (j.error === undefined) {
    if (!isNew || j.result?.snapshotId !== after.latest) return { survived: false, dataLost: false, outcome: 'broken', detail: 'the sync succeeded without a new snapshot' };
    const notOk = (j.mustBeOk ?? ['users', 'subscribedSkus']).filter((d) => after.runs[d]?.[0] !== 'ok');
    if (notOk.length > 0) return { survived: false, dataLost: false, outcome: 'committed', detail: `committed without ${notOk.join(', ')}` };
    const extra = j.committedCheck?.(after);
    if (extra) return { survived: false, dataLost: false, outcome: 'committed', detail: extra };
    return { survived: true, dataLost: false, outcome: 'committed', detail: `snapshot ${after.latest}` };
  }
  if (isNew) return { survived: false, dataLost: false, outcome: 'broken', detail: `the sync failed (${errorText(j.error)}) yet snapshot ${after.latest} was committed` };
  const text = errorText(j.error);
  if (!j.cause.test(text)) return { survived: false, dataLost: false, outcome: 'kept previous', detail: `the error does not name the cause ${j.cause}: ${text}` };
  return { survived: true, dataLost: false, outcome: 'kept previous', detail: text.slice(0, 200) };
}

interface Row {
  runs: number;
  survived: number;
  lost: number;
  committed: number;
  kept: number;
  failures: string[];
  /** The error each kept-previous run ended with, as named to the operator. */
  causes: string[];
}

/** The fault table: scenario, runs, survived, data lost; printed and written to a file at the end. */
export class FaultTable {
  readonly #rows = new Map<string, Row>();

  record(scenario: string, v: Verdict, seed: string): void {
    const r = this.#rows.get(scenario) ?? { runs: 0, survived: 0, lost: 0, committed: 0, kept: 0, failures: [], causes: [] };
    r.runs++;
    if (v.survived) r.survived++;
    if (v.dataLost) r.lost++;
    if (v.outcome === 'committed') r.committed++;
    if (v.outcome === 'kept previous') r.kept++;
    if (!v.survived) r.failures.push(`${seed}: ${v.detail}`);
    else if (v.outcome === 'kept previous' && !r.causes.includes(v.detail)) r.causes.push(v.detail);
    this.#rows.set(scenario, r);
  }

  render(): string {
    const head = ['scenario', 'runs', 'survived', 'data lost', 'committed', 'kept previous'];
    const rows = [...this.#rows.entries()].map(([name, r]) => [name, String(r.runs), String(r.survived), String(r.lost), String(r.committed), String(r.kept)]);
    const total = [...this.#rows.values()].reduce((a, r) => ({ runs: a.runs + r.runs, survived: a.survived + r.survived, lost: a.lost + r.lost, committed: a.committed + r.committed, kept: a.kept + r.kept }), { runs: 0, survived: 0, lost: 0, committed: 0, kept: 0 });
    rows.push(['TOTAL', String(total.runs), String(total.survived), String(total.lost), String(total.committed), String(total.kept)]);
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
    const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(0, -1).map(line), widths.map((w) => '-'.repeat(w)).join('  '), line(rows[rows.length - 1] ?? [])];
    const failures = [...this.#rows.entries()].flatMap(([name, r]) => r.failures.map((f) => `  ${name} ${f}`));
    const causes = [...this.#rows.entries()].flatMap(([name, r]) => r.causes.slice(0, 3).map((c) => `  ${name}: ${c.replace(/\s+/g, ' ').slice(0, 160)}`));
    if (causes.length > 0) out.push('', 'Errors named when the previous snapshot was kept:', ...causes);
    if (failures.length > 0) out.push('', 'Runs that did not survive:', ...failures);
    return out.join('\n');
  }

  /** Print the table on stdout and write it to `<dir>/fault-table.txt`; returns the file's path. */
  publish(dir: string): string {
    const text = `Fault suite (FAULT_RUNS=${faultRuns()}):\n${this.render()}\n`;
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'fault-table.txt');
    writeFileSync(file, text);
    process.stdout.write(`\n${text}Written to ${file}\n`);
    return file;
  }
}

// ---------------------------------------------------------------------------
// Tenant, profile and services

export interface FaultTenant {
  tenant: DemoTenant;
  seed: string;
  users: number;
  truth: Fingerprint;
  /** A stored profile for the tenant's reader app: client secret file, the tenant's CA bundle. */
  profile(name: string): Profile;
  close(): Promise<void>;
}

/** Start the demo tenant and write its CA and credentials as the standalone runner does. */
export async function startFaultTenant(opts: DemoTenantOptions & { seed: string; users: number }): Promise<FaultTenant> {
  const tenant = await startDemoTenant(opts);
  const files = await writeTenantFiles(tenant, tempDir('m365lr-fault-tenant-'));
  const reader = files.apps.reader;
  return {
    tenant,
    seed: opts.seed,
    users: opts.users,
    truth: tenantTruth(tenant, opts.seed, opts.users),
    profile: (name) => ({
      name,
      tenantId: tenant.tenantId,
      clientId: reader.clientId,
      cloud: 'custom',
      customEndpoints: { loginUrl: tenant.loginUrl, graphUrl: tenant.graphUrl },
      credential: { kind: 'secret', secretFile: reader.secretFile },
      caBundlePath: files.caFile,
    }),
    close: () => tenant.close(),
  };
}

export function newServices(dataDir: string): Services {
  return createServices({ dataDir, secretStore: new MemorySecretStore(), logger: nullLogger, env: {}, openBrowser: () => Promise.reject(new Error('no browser in the fault suite')) });
}

/** Save the profile in the data folder through the services. */
export async function saveProfile(dataDir: string, profile: Profile): Promise<void> {
  const s = newServices(dataDir);
  try {
    await s.api.profiles.save({ profile, replace: false });
  } finally {
    await s.close();
  }
}

/** One sync through the services: start, then wait (optionally cancelled from `during`). */
export async function syncOnce(services: Services, profile: string, during?: (jobId: string) => Promise<void>): Promise<{ result?: SyncResult; error?: unknown }> {
  try {
    const { jobId } = await services.api.sync.start({ profile });
    const waiting = services.api.sync.wait({ jobId });
    if (during) await during(jobId);
    return { result: await waiting };
  } catch (error) {
    return { error };
  }
}

// ---------------------------------------------------------------------------
// Child processes: the CLI, run as an operator would

export interface CliChild {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `m365-reconciler <args> --data-dir <dir>` from the sources, in a process of its own. */
export function spawnCli(args: string[], dataDir: string, prefix: readonly string[] = []): CliChild {
  const node = [process.execPath, '--import', 'tsx', join(REPO_ROOT, 'src-main', 'cli', 'index.ts'), '--data-dir', dataDir, ...args];
  const [cmd, ...rest] = [...prefix, ...node] as [string, ...string[]];
  const child = spawn(cmd, rest, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env['PATH'] ?? '', HOME: dataDir },
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Resolves once `pred` holds, polling every 10 ms; rejects after `timeoutMs`. */
export async function until(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
