/**
 * The page cache of a connection while a pass reads a whole snapshot once (the findings with
 * their item spool, the reconciliation's roll-ups). Such a pass reads each page once, so
 * SQLite's default 16 MB cache buys it nothing, and a sort's working memory follows the cache
 * size too; a small cache keeps an export of a million users near the size of a CSV export.
 */
import type { Db } from '../store/db';

/** KiB for the main database's cache during a pass (SQLite's negative cache_size). */
export const PASS_CACHE_KIB = 4096;
/** KiB for the temp store's cache: the item spool is written and read in order. */
export const PASS_TEMP_CACHE_KIB = 2048;

/** Run `pass` with the small caches, then give the connection back its own. */
export function withPassCache<T>(db: Db, pass: () => T): T {
  const main = db.pragma('main.cache_size', { simple: true }) as number;
  const temp = db.pragma('temp.cache_size', { simple: true }) as number;
  db.pragma(`main.cache_size = ${-PASS_CACHE_KIB}`);
  db.pragma(`temp.cache_size = ${-PASS_TEMP_CACHE_KIB}`);
  try {
    return pass();
  } finally {
    if (db.open) {
      db.pragma(`main.cache_size = ${Math.trunc(main)}`);
      db.pragma(`temp.cache_size = ${Math.trunc(temp)}`);
    }
  }
}
