import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServices } from '../core/services/index';
import { nodeServicesDeps } from '../core/services/node-host';
import { buildRenderer, rendererIsStale } from './build-renderer';
import { startWebServer } from './server';
import { parseWebArgs } from './args';

/**
 * `npm run web`: the app in the system browser, for operators without the desktop build.
 * One Node process holds the services and serves the renderer plus the contract on
 * 127.0.0.1. Secrets typed here go to a memory-only store: they are gone when it stops.
 *
 *   --port N      listen on N (default: a free port)
 *   --no-open     print the URL without opening the browser
 *   --data-dir D  the data folder (default: the app's per-user folder, or M365LR_DATA_DIR)
 */
async function main(): Promise<void> {
  const args = parseWebArgs(process.argv.slice(2));
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const outDir = join(root, 'out', 'renderer');
  if (await rendererIsStale(root, outDir)) {
    process.stdout.write('Building the app for the browser...\n');
    await buildRenderer(root, outDir);
  }
  // Secrets live in this process's memory only: the page says so, and they are gone when it stops.
  const deps = nodeServicesDeps({ env: process.env, secrets: 'memory', ...(args.dataDir ? { dataDir: args.dataDir } : {}) });
  const exportsDir = join(deps.dataDir, 'exports');
  mkdirSync(exportsDir, { recursive: true });
  const services = createServices(deps);
  const secretStore = deps.secretStore;
  const server = await startWebServer({
    dispatch: services.dispatch,
    subscribe: services.subscribe,
    staticDir: outDir,
    port: args.port,
    session: { secretsPersistent: secretStore.persistent, secretStore: secretStore.description, exportsDir },
  });
  process.stdout.write(`M365 licence reconciler (browser mode) at ${server.url}\n`);
  process.stdout.write("Secrets entered in the browser stay in this process's memory and are gone when it stops. Ctrl+C stops it.\n");
  if (args.open) await deps.openBrowser(server.url).catch(() => process.stdout.write('Could not open a browser; open the address above.\n'));

  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    void server
      .close()
      .then(() => services.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
