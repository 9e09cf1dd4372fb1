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

const SECRET_FLAGS = /^--(secret|client-secret|password|passphrase|private-key-pem|token|access-token)(=|$)/i;

/**
 * Secrets never travel in argv (shell history, process lists). Checked before
 * parsing, so the refused value is never echoed back in an error message.
 */
export function secretFlagIn(argv: readonly string[]): string | undefined {
  for (const a of argv) {
    const m = SECRET_FLAGS.exec(a);
    if (m) return `--${m[1]}`;
  }
  return undefined;
}
