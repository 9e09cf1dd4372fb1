import { Option, type Command } from 'commander';
import { z } from 'zod';
import { credentialKindArg, demoAppArg, seedArg, usersArg, zodArg } from './options';
import { DEMO_PUBLIC_APP_NAMES, DEMO_USER_NAMES, type DemoAppName, type DemoPublicAppName, type DemoStartOptions, type DemoUserName } from '../shared/demo';
import { OperatorError } from '../core/services/index';

type CredentialKind = NonNullable<DemoStartOptions['credential']>;

/** Options every command accepts for the built-in demo tenant (profile "demo"). */
export interface DemoFlags {
  users: number;
  seed: string;
  /** The confidential app registration a secret or certificate run signs in as. */
  app: DemoAppName;
  credential: CredentialKind;
  p1: boolean;
  concealNames?: boolean;
  /** With --credential delegated: the demo user the command signs in as (demo automation). */
  demoUser?: DemoUserName;
  /** With --credential delegated: the public client app registration the user signs in to. */
  demoApp?: DemoPublicAppName;
}

export const demoUserArg = zodArg(z.enum(DEMO_USER_NAMES), `expected one of ${DEMO_USER_NAMES.join(', ')}`);
export const demoPublicAppArg = zodArg(
  z.enum(DEMO_PUBLIC_APP_NAMES),
  `expected one of ${DEMO_PUBLIC_APP_NAMES.join(', ')}`,
);

export const DEMO_USER_HELP =
  'demo tenant only: DEMO AUTOMATION - the command fills in the demo sign-in page itself as this user (password and MFA code), since no person is at a demo';

/** The `--demo-user` option, shared by login and every demo command run with a delegated credential. */
export function demoUserOption(): Option {
  return new Option('--demo-user <name>', `${DEMO_USER_HELP}: ${DEMO_USER_NAMES.join(', ')}`).argParser(demoUserArg);
}

/** The `--demo-app` option: the demo tenant's public client apps for a delegated sign-in. */
export function demoPublicAppOption(): Option {
  return new Option('--demo-app <name>', `demo tenant, delegated sign-in: public client app registration (${DEMO_PUBLIC_APP_NAMES.join(', ')}; default delegated)`).argParser(
    demoPublicAppArg,
  );
}

/** Commands that sign in to the demo tenant (and so, delegated, need a demo user). */
const SIGNS_IN = new Set(['demo', 'sync', 'verify']);

/**
 * Refuses demo options that do not apply to the chosen credential, instead of silently
 * running against another app: --app names a confidential app (secret or certificate),
 * --demo-app and --demo-user belong to a delegated sign-in.
 */
function checkDemoOptions(cmd: Command): void {
  const o = cmd.opts<Partial<DemoFlags>>();
  const given = (name: string): boolean => cmd.getOptionValueSource(name) === 'cli';
  if (o.credential === 'delegated' && given('app')) {
    throw new OperatorError('bad-input', `--app ${o.app ?? ''} names an app registration that signs in as itself (secret or certificate); it does not apply to --credential delegated.`, {
      hint: `Pick the public client app the user signs in to with --demo-app (${DEMO_PUBLIC_APP_NAMES.join(', ')}).`,
    });
  }
  if (o.credential !== 'delegated' && given('demoApp')) {
    throw new OperatorError('bad-input', `--demo-app ${o.demoApp ?? ''} is a public client app for a user sign-in; it does not apply to --credential ${o.credential ?? 'certificate'}.`, {
      hint: 'Add --credential delegated (and --demo-user) for a user sign-in, or pick the app registration with --app.',
    });
  }
  if (o.credential === 'delegated' && !o.demoUser && SIGNS_IN.has(cmd.name())) {
    throw new OperatorError('bad-input', `A delegated demo ${cmd.name()} needs a demo user to sign in as.`, {
      hint: `Add --demo-user <name> (one of ${DEMO_USER_NAMES.join(', ')}); the command then signs in on the demo page itself.`,
    });
  }
  if (o.credential !== 'delegated' && given('demoUser')) {
    throw new OperatorError('bad-input', `--demo-user signs a user in; it does not apply to --credential ${o.credential ?? 'certificate'}, which signs in as the app itself.`, {
      hint: 'Add --credential delegated for a user sign-in, or drop --demo-user.',
    });
  }
}

export function demoOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--users <n>', 'demo tenant: number of users').argParser(usersArg).default(500))
    .addOption(new Option('--seed <seed>', 'demo tenant: seed for deterministic data').argParser(seedArg).default('demo'))
    .addOption(new Option('--app <name>', 'demo tenant, secret or certificate: app registration to sign in as').argParser(demoAppArg).default('reader'))
    .addOption(new Option('--credential <kind>', 'demo tenant: secret, certificate, or delegated (a user signs in; needs --demo-user)').argParser(credentialKindArg).default('certificate'))
    .addOption(demoUserOption())
    .addOption(demoPublicAppOption())
    .option('--no-p1', 'demo tenant: without Microsoft Entra ID P1 (no sign-in activity)')
    .option('--conceal-names', 'demo tenant: report privacy setting on (concealed names in usage reports)')
    .hook('preAction', (thisCommand) => checkDemoOptions(thisCommand));
}

/** The demo tenant's start options from a command's flags. */
export function demoSetup(f: DemoFlags): DemoStartOptions {
  return {
    users: f.users,
    seed: f.seed,
    app: f.app,
    credential: f.credential,
    ...(f.demoApp ? { publicApp: f.demoApp } : {}),
    ...(f.demoUser ? { demoUser: f.demoUser } : {}),
    p1: f.p1,
    concealNames: Boolean(f.concealNames),
  };
}
