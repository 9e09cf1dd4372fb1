import { Option, type Command } from 'commander';
import { credentialKindArg, demoAppArg, seedArg, usersArg } from './options';
import type { CredentialKind, DemoSetup } from '../core/services/demo';
import type { DemoAppName, DemoUserName } from '../core/demo-tenant/types';
import { demoUserOption } from './commands/login';

/** Options every command accepts for the built-in demo tenant (profile "demo"). */
export interface DemoFlags {
  users: number;
  seed: string;
  app: DemoAppName;
  credential: CredentialKind;
  p1: boolean;
  concealNames?: boolean;
  /** With --credential delegated: the demo user the command signs in as (demo automation). */
  demoUser?: DemoUserName;
}

export function demoOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--users <n>', 'demo tenant: number of users').argParser(usersArg).default(500))
    .addOption(new Option('--seed <seed>', 'demo tenant: seed for deterministic data').argParser(seedArg).default('demo'))
    .addOption(new Option('--app <name>', 'demo tenant: app registration to sign in as').argParser(demoAppArg).default('reader'))
    .addOption(new Option('--credential <kind>', 'demo tenant: secret, certificate, or delegated (a user signs in; needs --demo-user)').argParser(credentialKindArg).default('certificate'))
    .addOption(demoUserOption())
    .option('--no-p1', 'demo tenant: without Microsoft Entra ID P1 (no sign-in activity)')
    .option('--conceal-names', 'demo tenant: report privacy setting on (concealed names in usage reports)');
}

export function demoSetup(f: DemoFlags): DemoSetup {
  return { users: f.users, seed: f.seed, app: f.app, credentialKind: f.credential, p1: f.p1, concealNames: Boolean(f.concealNames) };
}
