import type { CliContext } from './context';
import type { Out } from './output';

export interface CliIo {
  stdout: Out;
  stderr: Out;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

/** What a command module receives: the I/O of this run and the lazily created context. */
export interface CommandDeps {
  io: CliIo;
  /** The per-invocation context (data folder, logger, profiles, database); valid inside an action. */
  context(): CliContext;
}
