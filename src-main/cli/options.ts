import { InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { DEMO_APP_NAMES, DEMO_CREDENTIAL_KINDS } from '../shared/demo';

/** commander argument parsers backed by zod, so bad values fail before any work starts. */
export function zodArg<T>(schema: z.ZodType<T>, what: string): (value: string) => T {
  return (value: string) => {
    const r = schema.safeParse(value);
    if (!r.success) throw new InvalidArgumentError(`${what}: ${r.error.issues[0]?.message ?? 'invalid value'}`);
    return r.data;
  };
}

export const usersArg = zodArg(z.coerce.number().int().min(1).max(1_000_000), 'expected a whole number of users from 1 to 1000000');
export const snapshotIdArg = zodArg(z.coerce.number().int().positive(), 'expected a snapshot id (a whole number) from "snapshots --profile P"');
export const seedArg = zodArg(z.string().min(1).max(64), 'expected a seed of 1-64 characters');
export const demoAppArg = zodArg(z.enum(DEMO_APP_NAMES), `expected one of ${DEMO_APP_NAMES.join(', ')}`);
export const credentialKindArg = zodArg(z.enum(DEMO_CREDENTIAL_KINDS), `expected ${DEMO_CREDENTIAL_KINDS.slice(0, -1).join(', ')} or ${DEMO_CREDENTIAL_KINDS.at(-1)}`);

/** Options whose names look secret but whose values are not: a variable's name, a file, a date, a size. */
const NOT_SECRET = new Set(['secretenv', 'secretfile', 'secretexpires', 'passphraseenv', 'privatekey', 'exportkey', 'key', 'tokenlifetime']);
/** Names that suggest a secret value, matched on the name without dashes, underscores, dots or case. */
const SECRET_NAME = /secret|passw|passphrase|^pass$|^pwd$|token|assertion|privatekey|apikey|^sig$|^signature$/;

/** The option name of an argv word (`--client_secret=X` -> `--client_secret`, `-pX` -> `-p`), or undefined. */
export function optionName(arg: string): string | undefined {
  if (arg === '-' || arg === '--' || !arg.startsWith('-')) return undefined;
  if (arg.startsWith('--')) return arg.split('=', 1)[0];
  return arg.slice(0, 2);
}

/**
 * Secrets never travel in argv (shell history, process lists). Checked before
 * parsing, so the refused value is never echoed back in an error message. Names are
 * matched loosely (`--client_secret`, `--clientSecret`, `--pass`, `--secret-value`),
 * so a near miss of a real option is refused too. Returns the name only, never a value.
 */
export function secretFlagIn(argv: readonly string[]): string | undefined {
  for (const a of argv) {
    if (a === '--') return undefined;
    const name = optionName(a);
    if (!name?.startsWith('--')) continue;
    const key = name.slice(2).toLowerCase().replace(/[-_.]/g, '');
    if (!NOT_SECRET.has(key) && SECRET_NAME.test(key)) return name;
  }
  return undefined;
}

/**
 * A commander error message with no option value in it: an unknown option is named
 * without what follows `=` (or, for a short option, without the attached value), and
 * any `--name=value` word of argv is shown as `--name=…`. Commander echoes the whole word.
 */
export function withoutOptionValues(message: string, argv: readonly string[]): string {
  let out = message.replace(/unknown option '([^']*)'/g, (_m, flag: string) => `unknown option '${optionName(flag) ?? flag}'`);
  for (const a of argv) {
    const name = optionName(a);
    if (name && a.length > name.length && out.includes(a)) out = out.split(a).join(`${name}${a.startsWith('--') ? '=…' : '…'}`);
  }
  return out;
}
