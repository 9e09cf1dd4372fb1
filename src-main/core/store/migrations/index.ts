import * as m001 from './001_init';
import * as m002 from './002_subscriptions';
import * as m003 from './003_recon_settings';
import type { Migration } from './types';

export type { Migration } from './types';

/** Every migration the code knows, in order. Append only; never edit a shipped one. */
export const MIGRATIONS: readonly Migration[] = [m001, m002, m003];

export const LATEST_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
