import { defaultDataDir, dataPaths, type DataPaths } from '../core/paths';
import { prepareDataDir } from '../core/fs/data-dir';
import { createLogger, type Logger } from '../core/log/logger';
import { ProfileStore } from '../core/profile/store';
import { openDatabase, type Db } from '../core/store/db';
import { createCliSecretStore } from '../core/secrets/cli-store';
import type { SecretStore } from '../core/secrets/secret-store';
import type { Out } from './output';

export interface GlobalOptions {
  dataDir?: string;
  verbose?: boolean;
}

/** Everything a command needs, created once per invocation. */
export class CliContext {
  readonly paths: DataPaths;
  readonly logger: Logger;
  readonly profiles: ProfileStore;
  private db: Db | undefined;
  private secrets: SecretStore | undefined;

  constructor(
    opts: GlobalOptions,
    readonly stdout: Out,
    readonly stderr: Out,
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.paths = dataPaths(opts.dataDir ?? defaultDataDir(env));
    const { notices } = prepareDataDir(this.paths.root);
    this.logger = createLogger({ file: this.paths.logFile, level: opts.verbose ? 'debug' : 'info', ...(opts.verbose ? { echo: stderr } : {}) });
    for (const n of notices) this.logger.warn(n);
    this.profiles = new ProfileStore(this.paths.profiles);
  }

  database(): Db {
    this.db ??= openDatabase(this.paths.database);
    return this.db;
  }

  /** Memory, or the encrypted file when M365LR_SECRETS_PASSPHRASE is set; created once per invocation. */
  secretStore(): SecretStore {
    this.secrets ??= createCliSecretStore({ dataDir: this.paths.root, env: this.env });
    return this.secrets;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}
