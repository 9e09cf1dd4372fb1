/**
 * Entry of the services host: an Electron utility process (plain Node, the same core the
 * CLI runs). Syncs, verifies and exports run here, so neither the main process nor the
 * window ever blocks on them. Main relays the contract to it (relay/main-side.ts).
 */
import { createServices } from '../core/services/index';
import { createLogger } from '../core/log/logger';
import { dataPaths } from '../core/paths';
import { processHostPort, serveServicesHost } from './relay/host-side';

/** Read by the store when it opens better-sqlite3 (this thread and the writer thread). */
const SQLITE_BINDING_ENV = 'M365LR_SQLITE_BINDING';
// Only main decides which native binary is loaded, never the inherited environment.
delete process.env[SQLITE_BINDING_ENV];

serveServicesHost(
  processHostPort(),
  ({ init, secretStore, openBrowser }) => {
    if (init.sqliteNativeBinding) process.env[SQLITE_BINDING_ENV] = init.sqliteNativeBinding;
    return createServices({
      dataDir: init.dataDir,
      secretStore,
      logger: createLogger({ file: dataPaths(init.dataDir).logFile }),
      env: process.env,
      openBrowser,
    });
  },
  (code) => process.exit(code),
);
