import type { ServicesApi, SubscribeFn } from '../../shared/contract';
import type { DemoStartOptions } from '../../shared/demo';
import type { Logger } from '../log/logger';
import type { SecretStore } from '../secrets/secret-store';
import type { Dispatch } from './dispatch';

/** Opens a URL in the operator's system browser (delegated sign-in, admin-consent links). */
export type BrowserOpener = (url: string) => Promise<void>;

/** What the services need from the process that hosts them; nothing else is imported. */
export interface ServicesDeps {
  /** The data folder: profiles, the database, logs, certificates. */
  dataDir: string;
  /** Where certificate keys, client secrets and sign-in caches live (safeStorage, encrypted file, memory). */
  secretStore: SecretStore;
  logger: Logger;
  /** Source of time (tests). */
  clock?: () => Date;
  /** Proxy settings (HTTPS_PROXY, NO_PROXY) and secret sources a profile names (env variables). */
  env: NodeJS.ProcessEnv;
  /** The system browser. */
  openBrowser: BrowserOpener;
  /** Extra CA certificates (PEM) every connection trusts, e.g. a TLS-inspecting proxy's. */
  extraCaPem?: string[];
  /**
   * The secret store forgets everything when the process ends, and the front end says so (browser
   * mode): certificates may then keep their key there for this session only.
   */
  sessionOnlySecrets?: boolean;
  /** Aborts every running operation of these services (the CLI's Ctrl+C, the app quitting). */
  signal?: AbortSignal;
  /** One-line notices for the operator (the CLI prints them on stderr, a screen shows them). */
  notify?: (text: string) => void;
  /**
   * Start the demo tenant with these options when its profile is first used (the CLI's
   * `--profile demo`); without it the demo runs only after demo.start.
   */
  demoAutoStart?: DemoStartOptions;
}

/** The services of one process: the grouped API, its events, and the dispatcher front ends call. */
export interface Services {
  readonly api: ServicesApi;
  readonly subscribe: SubscribeFn;
  readonly dispatch: Dispatch;
  /** Cancels running jobs, stops the demo tenant, closes the database. */
  close(): Promise<void>;
}
