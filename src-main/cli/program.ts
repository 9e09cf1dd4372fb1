import { Command } from 'commander';
import pkg from '../../package.json';
import { EXIT_HELP } from './exit-codes';
import { CliHost, type CliIo, type CommandDeps, type GlobalOptions } from './command-deps';
import { demoSetup, type DemoFlags } from './demo-options';
import { registerSyncCommands } from './commands/sync';
import { registerProfileCommands } from './commands/profile';
import { registerConsentCommands } from './commands/consent';
import { registerVerifyCommands } from './commands/verify';
import { registerLoginCommands } from './commands/login';
import { registerCertCommands } from './commands/cert';
import { registerCatalogCommands } from './commands/catalog';
import { registerFindingsCommands } from './commands/findings';

export type { CliIo } from './command-deps';

/** True when the command carries the demo tenant's flags (demoOptions). */
function hasDemoFlags(cmd: Command): boolean {
  return cmd.options.some((o) => o.attributeName() === 'users') && cmd.options.some((o) => o.attributeName() === 'credential');
}

export function buildProgram(io: CliIo): { program: Command; host: () => CliHost | undefined } {
  let host: CliHost | undefined;
  const program = new Command()
    .name('m365-reconciler')
    .description('Least-privilege, read-only Microsoft 365 licence inventory and reconciliation.')
    .version(pkg.version, '-V, --version')
    .option('--data-dir <dir>', 'folder for profiles, the database and logs (env M365LR_DATA_DIR)')
    .option('--verbose', 'print the log on stderr as well')
    .addHelpText('after', `\n${EXIT_HELP}\n\nSecrets are never read from the command line: profiles name an environment variable or a file.`)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .hook('preAction', (_this, action) => {
      host ??= new CliHost(io, action.optsWithGlobals<GlobalOptions>());
      if (hasDemoFlags(action)) host.useDemo(demoSetup(action.opts<DemoFlags>()));
    });

  const deps: CommandDeps = {
    io,
    host: () => {
      if (!host) throw new Error('the services were used before the command started');
      return host;
    },
  };
  // Command modules register here, each with one line: registerXCommands(program, deps).
  registerSyncCommands(program, deps);
  registerProfileCommands(program, deps);
  registerConsentCommands(program, deps);
  registerVerifyCommands(program, deps);
  registerLoginCommands(program, deps);
  registerCertCommands(program, deps);
  registerCatalogCommands(program, deps);
  registerFindingsCommands(program, deps);

  return { program, host: () => host };
}

