import { dataPaths, defaultDataDir } from '../paths';
import { assertWritableFolder } from '../fs/folder-check';
import { prepareDataDir } from '../fs/data-dir';
import { createLogger } from '../log/logger';
import { createCliSecretStore } from '../secrets/cli-store';
import { MemorySecretStore } from '../secrets/memory-store';
import type { SecretStore } from '../secrets/secret-store';
import type { DemoStartOptions } from '../../shared/demo';
import type { ServicesDeps } from './types';

export interface NodeHostOptions {
  /** The data folder (default: M365LR_DATA_DIR, or the per-user folder). */
  dataDir?: string;
  env: NodeJS.ProcessEnv;
  /** Debug logging, echoed on this stream as well. */
  verbose?: { write(s: string): unknown };
  /**
   * 'env': memory, or the encrypted file when M365LR_SECRETS_PASSPHRASE is set (the CLI);
   * 'memory': memory only, gone when the process stops (browser mode).
   */
  secrets: 'env' | 'memory';
  notify?: (text: string) => void;
  demoAutoStart?: DemoStartOptions;
  signal?: AbortSignal;
}

/** Opens a URL in the system browser (the `open` package: xdg-open, open, start). */
async function openSystemBrowser(url: string): Promise<void> {
  const open = (await import('open')).default;
  const child = await open(url, { wait: false });
  child.on('error', () => undefined);
  child.unref();
}

/** Opens the secret store on first use, so a command that needs no secret never fails on its setting. */
function lazySecretStore(open: () => SecretStore): SecretStore {
  let store: SecretStore | undefined;
  const s = (): SecretStore => (store ??= open());
  return {
    get description() {
      return s().description;
    },
    get persistent() {
      return s().persistent;
    },
    get: (key) => s().get(key),
    set: (key, value) => s().set(key, value),
    delete: (key) => s().delete(key),
    keys: () => s().keys(),
  };
}

/** The services' deps for a plain Node process: the CLI and the browser-mode server. */
export function nodeServicesDeps(opts: NodeHostOptions): ServicesDeps {
  const root = opts.dataDir ?? defaultDataDir(opts.env);
  // A data folder that is a file, empty, or not writable is the operator's to fix, not an internal error.
  assertWritableFolder(root, 'data folder');
  const paths = dataPaths(root);
  // Private before anything writes there (the services check again for hosts that do not come here).
  const { notices } = prepareDataDir(root);
  const notify = opts.notify;
  const logger = createLogger({
    file: paths.logFile,
    level: opts.verbose ? 'debug' : 'info',
    ...(opts.verbose ? { echo: opts.verbose } : {}),
    ...(notify ? { fallback: { write: (s: string) => notify(s.replace(/\n$/, '')) } } : {}),
  });
  for (const notice of notices) {
    logger.warn(notice);
    opts.notify?.(notice);
  }
  const secretStore = opts.secrets === 'memory' ? new MemorySecretStore() : lazySecretStore(() => createCliSecretStore({ dataDir: root, env: opts.env }));
  return {
    dataDir: root,
    secretStore,
    logger,
    env: opts.env,
    openBrowser: openSystemBrowser,
    ...(opts.notify ? { notify: opts.notify } : {}),
    ...(opts.demoAutoStart ? { demoAutoStart: opts.demoAutoStart } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.secrets === 'memory' ? { sessionOnlySecrets: true } : {}),
  };
}
