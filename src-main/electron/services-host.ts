import { createServices } from '../core/services/index';
import { createLogger } from '../core/log/logger';
import { dataPaths } from '../core/paths';
import { processHostPort, serveServicesHost } from './relay/host-side';

/**
 * Entry of the services host: an Electron utility process (plain Node, the same core the
 * CLI runs). Syncs, verifies and exports run here, so neither the main process nor the
 * window ever blocks on them. Main relays the contract to it (relay/main-side.ts).
 */
serveServicesHost(
  processHostPort(),
  ({ init, secretStore, openBrowser }) =>
    createServices({
      dataDir: init.dataDir,
      secretStore,
      logger: createLogger({ file: dataPaths(init.dataDir).logFile }),
      env: process.env,
      openBrowser,
    }),
  (code) => process.exit(code),
);
