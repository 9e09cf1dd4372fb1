import { prepareDataDir } from '../fs/data-dir';
import { dataPaths, type DataPaths } from '../paths';
import { ProfileStore } from '../profile/store';
import { openDatabase, type Db } from '../store/db';
import { closeDatabase } from '../store/snapshot-sink';
import { DemoManager } from '../demo/manager';
import { EventBus } from './dispatch';
import { ProfileSource } from './profile-source';
import type { ServicesDeps } from './types';

/** What every service group shares in one process: paths, stores, the database, the demo, events. */
export class ServiceContext {
  readonly paths: DataPaths;
  readonly profiles: ProfileStore;
  readonly demo: DemoManager;
  readonly source: ProfileSource;
  readonly events = new EventBus();
  readonly clock: () => Date;
  #db: Db | undefined;

  constructor(readonly deps: ServicesDeps) {
    this.paths = dataPaths(deps.dataDir);
    // The data folder holds UPNs and sign-in data: private, whatever the umask; said once when tightened.
    for (const notice of prepareDataDir(this.paths.root).notices) {
      deps.logger.warn(notice);
      deps.notify?.(notice);
    }
    this.profiles = new ProfileStore(this.paths.profiles);
    this.clock = deps.clock ?? (() => new Date());
    this.demo = new DemoManager({ ...(deps.demoAutoStart ? { autoStart: deps.demoAutoStart } : {}), ...(deps.notify ? { notify: deps.notify } : {}) });
    this.source = new ProfileSource(this.profiles, this.demo, deps.secretStore, deps.extraCaPem ?? []);
  }

  get logger(): ServicesDeps['logger'] {
    return this.deps.logger;
  }

  get env(): NodeJS.ProcessEnv {
    return this.deps.env;
  }

  notify(text: string): void {
    this.deps.notify?.(text);
  }

  /** The writer connection, opened on first use. */
  database(): Db {
    // The integrity check runs before a snapshot is written (sync), not on every open: at
    // 1,000,000 users it reads the whole file.
    this.#db ??= openDatabase(this.paths.database, { integrityCheck: false });
    return this.#db;
  }

  /**
   * A read-only connection of its own for the length of `use`. An export reads its rows
   * across awaits while its files stream, and a connection is busy for as long as a read is
   * open on it: on the shared connection every write of every other operation would fail
   * meanwhile. Its own connection also reads one state of the file while the export runs.
   */
  async withReader<T>(use: (db: Db) => Promise<T>): Promise<T> {
    this.database(); // the file exists and its schema is current
    const db = openDatabase(this.paths.database, { readonly: true });
    try {
      return await use(db);
    } finally {
      db.close();
    }
  }

  async close(): Promise<void> {
    await this.demo.stop();
    const db = this.#db;
    this.#db = undefined;
    if (db) await closeDatabase(db);
  }
}
