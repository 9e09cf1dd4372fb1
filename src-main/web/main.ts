import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServices } from '../core/services/index';
import { nodeServicesDeps } from '../core/services/node-host';
import { buildRenderer, rendererIsStale } from './build-renderer';
import { startWebServer } from './server';

/**
 * `npm run web`: the app in the system browser, for operators without the desktop build.
 * One Node process holds the services and serves the renderer plus the contract on
 * 127.0.0.1. Secrets typed here go to a memory-only store: they are gone when it stops.
 *
 *   --port N      listen on N (default: a free port)
 *   --no-open     print the URL without opening the browser
 *   --data-dir D  the data folder (default: the app's per-user folder, or M365LR_DATA_DIR)
 */
interface WebArgs {
  port: number;
  open: boolean;
  dataDir: string | undefined;
}

export function parseWebArgs(argv: readonly string[]): WebArgs {
  const out: WebArgs = { port: 0, open: true, dataDir: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-open') out.open = false;
    else if (a === '--port') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error('--port needs a port number (0-65535).');
      out.port = n;
    } else if (a === '--data-dir') {
      const d = argv[++i];
      if (!d) throw new Error('--data-dir needs a folder.');
      out.dataDir = resolve(d);
    } else throw new Error(`Unknown option ${a}; use --port N, --no-open or --data-dir D.`);
  }
  return out;
}

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
