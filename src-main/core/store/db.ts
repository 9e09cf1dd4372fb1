import { accessSync, chmodSync, closeSync, constants, existsSync, lstatSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { OperatorError } from '../errors/operator-error';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, type Migration } from './migrations';

/** A better-sqlite3 connection with the project's pragmas and schema applied. */
export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /** Open without write access (a second connection for readers). No migrations are run. */
  readonly?: boolean;
  /** How long a statement waits for another connection's lock (default 5000 ms). */
  busyTimeoutMs?: number;
  /** Migrations to apply instead of the built-in list (tests). */
  migrations?: readonly Migration[];
  /**
   * Run PRAGMA quick_check on a writable file before anything is written to it (default
   * true), so a snapshot is never added to a damaged file.
   */
  integrityCheck?: boolean;
}

/** The files SQLite keeps for one database in WAL mode. */
export function databaseFiles(path: string): string[] {
  return [path, `${path}-wal`, `${path}-shm`];
}

const isFileDatabase = (path: string): boolean => path !== '' && path !== ':memory:' && !path.startsWith('file:');

const STORE_HINT_CORRUPT =
  'The file was left untouched. Restore it from a backup, or move it (with its -wal and -shm files) aside so that a new, empty database is created on the next run.';

function storeError(message: string, hint: string, cause?: unknown): OperatorError {
  return new OperatorError('store', message, { hint, cause });
}

function sqliteCode(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    return (e as { code: string }).code;
  }
  return undefined;
}

/**
 * A SQLite error that says the database file is damaged (SQLITE_CORRUPT, SQLITE_NOTADB
 * and their extended codes) as an OperatorError naming the file and what to do; other
 * errors give undefined.
 */
export function damagedDatabaseError(e: unknown, path: string): OperatorError | undefined {
  if (e instanceof OperatorError) return undefined;
  const code = sqliteCode(e);
  if (!code || !(code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB'))) return undefined;
  const what = code.startsWith('SQLITE_NOTADB') ? 'is damaged, or is not a database of this product' : 'is damaged';
  return storeError(`The database file "${path}" ${what} (${code}).`, STORE_HINT_CORRUPT, e);
}

/**
 * The files of the database this user cannot write. A run against a read-only database
 * file leaves its -wal and -shm read-only (SQLite gives them the database file's mode);
 * every later write then fails with SQLITE_READONLY, even once the database file itself
 * is writable again.
 */
export function readOnlyDatabaseFiles(path: string): string[] {
  if (!isFileDatabase(path)) return [];
  return databaseFiles(path).filter((f) => {
    if (!existsSync(f)) return false;
    try {
      accessSync(f, constants.W_OK);
      return false;
    } catch {
      return true;
    }
  });
}

function readOnlyError(files: readonly string[], path: string, cause?: unknown): OperatorError {
  const list = files.map((f) => `"${f}"`).join(', ');
  const onlyJournals = files.length > 0 && !files.includes(path);
  return storeError(
    files.length === 1 ? `The database file ${list} is read-only for this user, so nothing can be saved.` : `The database files ${list} are read-only for this user, so nothing can be saved.`,
    onlyJournals
      ? 'They were most likely left read-only by an earlier run while the database was read-only. Give this user write permission on them again (mode 0600), then try again; do not delete the -wal file, it may hold saved data.'
      : 'Give this user write permission on them again (mode 0600), or point the product at a data folder it may write, then try again.',
    cause,
  );
}

/**
 * A SQLite error explained for the operator when its cause is known: a damaged file, or
 * database files left read-only. Other errors give undefined.
 */
export function explainStoreError(e: unknown, path: string): OperatorError | undefined {
  const damaged = damagedDatabaseError(e, path);
  if (damaged) return damaged;
  const code = sqliteCode(e);
  if (code?.startsWith('SQLITE_READONLY')) {
    const files = readOnlyDatabaseFiles(path);
    return readOnlyError(files.length > 0 ? files : [path], path, e);
  }
  return undefined;
}

/**
 * Create an absent database file as this user's private file (0600 whatever the umask),
 * never following a symlink planted at its name. SQLite gives the -wal and -shm files it
 * creates the database file's mode, so they are private too.
 */
function createPrivateDatabaseFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw e;
  }
  closeSync(fd);
  if (process.platform !== 'win32') chmodSync(path, 0o600);
}

/** Remove group and other access from the database files that exist (never adds any). */
function tightenDatabaseFiles(path: string): void {
  if (process.platform === 'win32') return;
  for (const f of databaseFiles(path)) {
    try {
      const st = lstatSync(f);
      if (st.isFile() && (st.mode & 0o077) !== 0) chmodSync(f, st.mode & 0o700);
    } catch {
      // Absent, or not ours to change: SQLite reports what matters.
    }
  }
}

/**
 * PRAGMA quick_check: verifies every page and the b-tree structure, without the index
 * cross-checks of integrity_check. Throws the damaged-database error when it fails.
 */
export function checkDatabaseIntegrity(db: Db, path: string = db.name): void {
  let rows: { quick_check: string }[];
  try {
    rows = db.pragma('quick_check(10)') as { quick_check: string }[];
  } catch (e) {
    // A badly damaged page makes the check itself fail with SQLITE_CORRUPT: same answer, naming the file.
    throw damagedDatabaseError(e, path) ?? e;
  }
  const problems = rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
  if (problems.length > 0) {
    throw storeError(`The database file "${path}" is damaged (integrity check: ${problems.slice(0, 3).join('; ')}).`, STORE_HINT_CORRUPT);
  }
}

/**
 * Open (creating when absent) the local store: WAL journal, foreign keys on,
 * busy timeout, synchronous=NORMAL, then apply pending numbered migrations in order,
 * each in its own transaction, tracked with PRAGMA user_version.
 *
 * Refuses a database written by a newer version of the tool, and reports a damaged or
 * foreign file as OperatorError('store') naming the path. The user's file is never deleted.
 * A new database file is created private (0600); existing ones lose group and other
 * access. A writable open refuses database files left read-only, and checks the file's
 * integrity before anything is written to it.
 */
export function openDatabase(path: string, opts: OpenDatabaseOptions = {}): Db {
  const migrations = opts.migrations ?? MIGRATIONS;
  const known = opts.migrations ? (migrations[migrations.length - 1]?.version ?? 0) : LATEST_SCHEMA_VERSION;
  const writable = !(opts.readonly ?? false);
  const onDisk = isFileDatabase(path);
  let db: Db;
  try {
    if (writable && onDisk) {
      // A read-only database file is the operator's choice (reading still works; a write is
      // refused as SQLITE_READONLY and explained). Journal files read-only next to a
      // writable database are a leftover that would fail every write: say so now.
      const readOnly = readOnlyDatabaseFiles(path);
      if (readOnly.length > 0 && !readOnly.includes(path)) throw readOnlyError(readOnly, path);
      createPrivateDatabaseFile(path);
      tightenDatabaseFiles(path);
    }
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false, ...nativeBinding() });
  } catch (e) {
    if (e instanceof OperatorError) throw e;
    throw storeError(`Cannot open the database "${path}": ${(e as Error).message}`, 'Check that the folder exists and that you may read and write it.', e);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
    // Reading the schema version is the first access to the file: a non-SQLite file fails here.
    const current = db.pragma('user_version', { simple: true }) as number;
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    if (current > known) {
      throw storeError(
        `The database "${path}" was written by a newer version of this tool (schema ${current}; this version knows up to ${known}).`,
        'Install the newer version of the tool to read it, or point this version at another data folder.',
      );
    }
    if (writable && onDisk && (opts.integrityCheck ?? true)) checkDatabaseIntegrity(db, path);
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      if (onDisk) tightenDatabaseFiles(path);
    }
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (opts.readonly) {
      if (current < known) {
        throw storeError(
          `The database "${path}" has schema ${current}, older than this version's ${known}.`,
          'Open it once with write access (run a sync) so it is upgraded.',
        );
      }
      return db;
    }
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.transaction(() => {
        db.exec(m.up);
        db.pragma(`user_version = ${m.version}`);
      }).immediate();
    }
    return db;
  } catch (e) {
    db.close();
    if (e instanceof OperatorError) throw e;
    const explained = explainStoreError(e, path);
    if (explained) throw explained;
    const code = sqliteCode(e);
    if (code === 'SQLITE_BUSY') {
      throw storeError(`The database "${path}" is locked by another process.`, 'Close the other instance of the tool and try again.', e);
    }
    throw storeError(`Cannot prepare the database "${path}": ${(e as Error).message}`, 'Check the file and folder permissions and the free disk space.', e);
  }
}

/** Schema version stored in the file. */
export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * better-sqlite3's addon built for Electron, in an unpackaged desktop run (`npm run dev`):
 * node_modules keeps Node's build for the CLI and the tests, and the services host names the
 * Electron build here. Packaged apps and every other process use the default.
 */
export function nativeBinding(env: NodeJS.ProcessEnv = process.env): { nativeBinding?: string } {
  const path = env['M365LR_SQLITE_BINDING'];
  return path ? { nativeBinding: path } : {};
}
