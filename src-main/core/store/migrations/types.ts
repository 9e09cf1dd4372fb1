/** One numbered schema step. `up` is plain SQL run inside a transaction. */
export interface Migration {
  /** 1, 2, 3 ... stored in PRAGMA user_version once applied. */
  version: number;
  name: string;
  up: string;
}
