import type { Command } from 'commander';
import type { Services, ServicesDeps } from '../core/services/index';
import { nodeServicesDeps, createServices } from '../core/services/index';
import type { DemoStartOptions } from '../shared/demo';
import type { Out } from './output';

export interface CliIo {
  stdout: Out;
  stderr: Out;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

export interface GlobalOptions {
  dataDir?: string;
  verbose?: boolean;
}

/**
 * The services of one CLI run, created on first use with the run's data folder, the
 * environment's secret store and, for a command with demo flags, the demo tenant's
 * options (it starts when the demo profile is first used).
 */
export class CliHost {
  #services: Services | undefined;
  #demo: DemoStartOptions | undefined;

  constructor(
    readonly io: CliIo,
    readonly globals: GlobalOptions,
  ) {}

  /** The demo tenant's options of the running command. */
  useDemo(options: DemoStartOptions): void {
    this.#demo = options;
  }

  #logger: ServicesDeps['logger'] | undefined;

  get services(): Services {
    if (this.#services) return this.#services;
    const deps = nodeServicesDeps({
        ...(this.globals.dataDir !== undefined ? { dataDir: this.globals.dataDir } : {}),
        env: this.io.env,
        ...(this.globals.verbose ? { verbose: this.io.stderr } : {}),
        secrets: 'env',
        notify: (text) => this.io.stderr.write(`${text}\n`),
        ...(this.#demo ? { demoAutoStart: this.#demo } : {}),
        signal: this.io.signal,
      });
    this.#logger = deps.logger;
    this.#services = createServices(deps);
    return this.#services;
  }

  /** Logs a failed command, when the command got as far as opening the data folder. */
  logFailure(e: unknown): void {
    this.#logger?.error('command failed', { error: e instanceof Error ? e.message : String(e) });
  }

  get api(): Services['api'] {
    return this.services.api;
  }

  async close(): Promise<void> {
    await this.#services?.close();
    this.#services = undefined;
  }
}

/** What a command module receives: the I/O of this run and the host of its services. */
export interface CommandDeps {
  io: CliIo;
  host(): CliHost;
}

export type CommandRegistrar = (program: Command, deps: CommandDeps) => void;
