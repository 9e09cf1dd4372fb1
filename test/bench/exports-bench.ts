// The user-licence CSV export vs Debian's sqlite3 shell dumping the same rows as CSV
// (issue: at most 1.5x), measured in one run: one warm-up of each, then the best of three
// of each, interleaved, so both see the same machine load and page cache.
// Usage: npx tsx test/bench/exports-bench.ts [db-file]
// Without a db file, a synthetic snapshot of BENCH_CSV_USERS (1M) users is built first.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportSnapshot, USER_LICENSES_FILE } from '../../src-main/core/export/exports';
import { openDatabase } from '../../src-main/core/store/db';
import { USER_ASSIGNMENTS_SQL } from '../../src-main/core/store/queries';
import { syntheticSnapshot } from './synthetic';

const SQLITE3 = '/usr/bin/sqlite3';

export interface CsvVsShell {
  /** User-licence rows in the snapshot (records in either file, header aside). */
  rows: number;
  /** Best of three. */
  shellSeconds: number;
  exportSeconds: number;
  /** exportSeconds / shellSeconds. */
  ratio: number;
  shellRuns: number[];
  exportRuns: number[];
}

/**
 * The newest complete snapshot of `dbPath`: (a) `sqlite3 -csv` runs the export's own
 * SELECT (USER_ASSIGNMENTS_SQL, the same columns) into a file in `outDir`; (b) the
 * product writes user-licenses.csv into `outDir`.
 */
export async function csvVsShell(dbPath: string, outDir: string): Promise<CsvVsShell> {
  const db = openDatabase(dbPath, { readonly: true });
  try {
    const row = db.prepare("SELECT max(id) AS id FROM snapshots WHERE status = 'complete'").get() as { id: number | null };
    if (row.id === null) throw new Error(`${dbPath} holds no complete snapshot`);
    const snapshotId = row.id;
    if (USER_ASSIGNMENTS_SQL.split('?').length !== 2) throw new Error('expected one parameter in the user-licence SELECT');
    const sql = `${USER_ASSIGNMENTS_SQL.replace('?', String(snapshotId))};`;
    const rows = (db.prepare(`SELECT count(*) AS n FROM (${USER_ASSIGNMENTS_SQL})`).get(snapshotId) as { n: number }).n;
    mkdirSync(outDir, { recursive: true });
    const shellFile = join(outDir, 'sqlite3-shell.csv');

    const shell = (): number => {
      const started = performance.now();
      const fd = openSync(shellFile, 'w');
      try {
        const r = spawnSync(SQLITE3, ['-bail', '-csv', dbPath, sql], { stdio: ['ignore', fd, 'pipe'] });
        if (r.status !== 0) throw new Error(`sqlite3 exited with ${r.status}: ${r.stderr.toString()}`);
      } finally {
        closeSync(fd);
      }
      return (performance.now() - started) / 1000;
    };
    const product = async (): Promise<number> => {
      const started = performance.now();
      await exportSnapshot(db, snapshotId, outDir, { only: ['user-licenses'] });
      return (performance.now() - started) / 1000;
    };

    shell();
    await product();
    const shellRuns: number[] = [];
    const exportRuns: number[] = [];
    for (let i = 0; i < 3; i++) {
      shellRuns.push(shell());
      exportRuns.push(await product());
    }
    const shellSeconds = Math.min(...shellRuns);
    const exportSeconds = Math.min(...exportRuns);
    return { rows, shellSeconds, exportSeconds, ratio: exportSeconds / shellSeconds, shellRuns, exportRuns };
  } finally {
    db.close();
  }
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(resolve(entry)).href) {
  const given = process.argv[2];
  const work = mkdtempSync(join(tmpdir(), 'm365lr-csv-bench-'));
  try {
    const users = Number(process.env['BENCH_CSV_USERS'] ?? 1_000_000);
    const dbPath = given ?? syntheticSnapshot(users, work);
    const outDir = join(work, 'out');
    const r = await csvVsShell(dbPath, outDir);
    const mb = (f: string): string => (statSync(join(outDir, f)).size / 1e6).toFixed(1);
    const runs = (xs: number[]): string => xs.map((x) => x.toFixed(2)).join(', ');
    console.log(`${dbPath}: ${r.rows} user-licence rows`);
    console.log(`  sqlite3 -csv, same SELECT: ${r.shellSeconds.toFixed(2)} s (runs ${runs(r.shellRuns)}; ${mb('sqlite3-shell.csv')} MB)`);
    console.log(`  user-licence export:       ${r.exportSeconds.toFixed(2)} s (runs ${runs(r.exportRuns)}; ${mb(USER_LICENSES_FILE)} MB)`);
    console.log(`  ratio: ${r.ratio.toFixed(2)}x (goal <= 1.5x)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
