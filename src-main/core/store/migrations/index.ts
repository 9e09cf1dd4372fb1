import * as m001 from './001_init';
import * as m002 from './002_subscriptions';
import * as m003 from './003_recon_settings';
import * as m004 from './004_entitlements';
import * as m005 from './005_storage_growth';
import type { Migration } from './types';

export type { Migration } from './types';

/** Every migration the code knows, in order. Append only; never edit a shipped one. */
export const MIGRATIONS: readonly Migration[] = [m001, m002, m003, m004, m005];

export const LATEST_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
