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
}

const STORE_HINT_CORRUPT =
  'The file is not a readable SQLite database (damaged, or not one of this tool\'s files). It was left untouched: move it aside or restore it from a backup, then run again.';

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
 * Open (creating when absent) the local store: WAL journal, foreign keys on,
 * busy timeout, synchronous=NORMAL, then apply pending numbered migrations in order,
 * each in its own transaction, tracked with PRAGMA user_version.
 *
 * Refuses a database written by a newer version of the tool, and reports a damaged or
 * foreign file as OperatorError('store') naming the path. The user's file is never deleted.
 */
export function openDatabase(path: string, opts: OpenDatabaseOptions = {}): Db {
  const migrations = opts.migrations ?? MIGRATIONS;
  const known = opts.migrations ? (migrations[migrations.length - 1]?.version ?? 0) : LATEST_SCHEMA_VERSION;
  let db: Db;
  try {
    db = new Database(path, { readonly: opts.readonly ?? false, fileMustExist: opts.readonly ?? false, ...nativeBinding() });
  } catch (e) {
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
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
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
    const code = sqliteCode(e);
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      throw storeError(`"${path}" is not a readable SQLite database (${code}).`, STORE_HINT_CORRUPT, e);
    }
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
