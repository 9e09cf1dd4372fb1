import { CommanderError, type Command } from 'commander';
import { buildProgram, type CliIo } from './program';
import { EXIT, exitCodeFor } from './exit-codes';
import { formatError } from './output';
import { secretFlagIn, withoutOptionValues } from './options';
import { isOperatorError } from '../core/services/index';

/** Run the CLI with the given argv (without node and script) and return the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const secretFlag = secretFlagIn(argv);
  if (secretFlag) {
    io.stderr.write(
      `error: ${secretFlag} is refused: secrets are never taken from the command line.\n` +
        '  what to do: name an environment variable (--secret-env) or a file (--secret-file), or use a certificate.\n',
    );
    return EXIT.usage;
  }
  const { program, host } = buildProgram(io);
  hideOptionValues(program, argv);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed its message (help, version, or a usage error).
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    io.stderr.write(formatError(e));
    host()?.logFailure(e);
    return isOperatorError(e) ? exitCodeFor(e.code) : EXIT.internal;
  } finally {
    await host()?.close();
  }
}

/** Every command prints its usage errors without the values of options (a mistyped secret flag, say). */
function hideOptionValues(cmd: Command, argv: readonly string[]): void {
  const outputError = cmd.configureOutput().outputError;
  cmd.configureOutput({ outputError: (str, write) => (outputError ?? ((s: string, w: (s: string) => void) => w(s)))(withoutOptionValues(str, argv), write) });
  for (const sub of cmd.commands) hideOptionValues(sub, argv);
}
