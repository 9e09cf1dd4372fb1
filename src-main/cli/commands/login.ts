import { Option, type Command } from 'commander';
import { z } from 'zod';
import type { CommandDeps } from '../command-deps';
import { zodArg, seedArg, usersArg } from '../options';
import { demoPublicAppOption, demoUserOption, type DemoFlags } from '../demo-options';
import type { Out } from '../output';
import { DEFAULT_SIGN_IN_TIMEOUT_MS, OperatorError, SECRETS_PASSPHRASE_ENV } from '../../core/services/index';
import type { SignInResultDto } from '../../shared/credentials';
import { DEMO_PROFILE_NAME, DEMO_USER_NAMES } from '../../shared/demo';

/**
 * `login` / `logout`: delegated sign-in of a profile (auth code + PKCE in the system
 * browser, or device code). For the reserved demo profile the demo tenant runs inside
 * the command, and `--demo-user` lets the command fill in the demo sign-in page itself.
 */
const timeoutArg = zodArg(z.coerce.number().int().min(5).max(3600), 'expected a number of seconds from 5 to 3600');

export { DEMO_USER_HELP, demoUserArg, demoUserOption } from '../demo-options';

/** Printed before a real sign-in starts when the CLI secret store keeps it in memory only. */
export const MEMORY_ONLY_WARNING =
  `Warning: this sign-in lasts for this process only: the CLI keeps it in memory. To keep it (encrypted) for later commands, press Ctrl+C and set ${SECRETS_PASSPHRASE_ENV} to a passphrase of at least 12 characters first.`;

export const CONDITIONAL_ACCESS_NOTE =
  'Note: Conditional Access policies may block the device code flow (many tenants do); if the sign-in is refused with AADSTS53003, use the browser sign-in instead.';

export function printLoginResult(out: Out, r: SignInResultDto): void {
  out.write(`Signed in to profile "${r.profile}" as ${r.username} (tenant ${r.tenantId}).\n`);
  out.write(`Granted scopes: ${r.scopes.join(' ') || '(none)'}\n`);
  out.write(`Access token expires: ${r.expiresOn} (renewed silently with the refresh token).\n`);
  out.write(`Sign-in cache: ${r.store}.\n`);
}

interface LoginFlags {
  profile: string;
  deviceCode?: boolean;
  timeout?: number;
  demoUser?: DemoFlags['demoUser'];
  demoApp: NonNullable<DemoFlags['demoApp']>;
  users: number;
  seed: string;
}

export function registerLoginCommands(program: Command, deps: CommandDeps): void {
  const { io } = deps;
  program
    .command('login')
    .description(`sign in as a user for a delegated profile: the system browser opens the Microsoft sign-in page (auth code + PKCE), or --device-code (profile "${DEMO_PROFILE_NAME}" starts the demo tenant in-process)`)
    .requiredOption('--profile <name>', 'profile to sign in')
    .option('--device-code', `use the device code flow (for a workstation without a usable browser). ${CONDITIONAL_ACCESS_NOTE}`)
    .addOption(new Option('--timeout <seconds>', `how long to wait for the sign-in (default ${DEFAULT_SIGN_IN_TIMEOUT_MS / 1000})`).argParser(timeoutArg))
    .addOption(demoUserOption())
    .addOption(demoPublicAppOption().default('delegated'))
    .addOption(new Option('--users <n>', 'demo tenant: number of users').argParser(usersArg).default(500))
    .addOption(new Option('--seed <seed>', 'demo tenant: seed for deterministic data').argParser(seedArg).default('demo'))
    .addHelpText(
      'after',
      `\nThe sign-in asks only for the read scopes of the permission matrix; tokens are never printed.\n` +
        `The sign-in is kept in the CLI secret store: memory only (this process) unless ${SECRETS_PASSPHRASE_ENV} is set, then an encrypted file.\n` +
        `--demo-user is DEMO AUTOMATION for the built-in demo tenant only: the command plays the person at the browser.`,
    )
    .action(async (flags: LoginFlags) => {
      const host = deps.host();
      if (flags.profile === DEMO_PROFILE_NAME) {
        if (!flags.demoUser) {
          throw new OperatorError('bad-input', 'The demo tenant runs inside this command, so nobody can sign in to it from another browser.', {
            hint: `Add --demo-user <name> (one of ${DEMO_USER_NAMES.join(', ')}) to let the command sign in on the demo page.`,
          });
        }
        host.useDemo({ users: flags.users, seed: flags.seed, credential: 'delegated', publicApp: flags.demoApp, demoUser: flags.demoUser });
      } else if (flags.demoUser) {
        throw new OperatorError('bad-input', '--demo-user works only with the demo profile.', { hint: 'Sign in to a real tenant in the browser yourself.' });
      }
      const svc = host.services;
      const profile = await svc.api.profiles.get({ profile: flags.profile });
      const status = await svc.api.demo.status({});
      const demoRun = status.running && profile.name === status.profile;
      const deviceCode = flags.deviceCode ?? (profile.credential.kind === 'delegated' && profile.credential.flow === 'device-code');
      const timeoutSeconds = flags.timeout ?? DEFAULT_SIGN_IN_TIMEOUT_MS / 1000;
      const unsubscribe = [
        svc.subscribe('auth.deviceCode', (info) => {
          io.stderr.write(`${info.message}\n`);
          io.stderr.write(`(The code expires in ${Math.round(info.expiresInSeconds / 60)} minutes.) ${CONDITIONAL_ACCESS_NOTE}\n`);
        }),
        svc.subscribe('auth.state', (e) => {
          if (e.state === 'browser-opened' && e.url) io.stderr.write(`Opening the system browser for the sign-in. If it does not open, open this address yourself:\n  ${e.url}\n`);
        }),
      ];
      try {
        if (!demoRun && profile.credential.kind === 'delegated') {
          const credential = await svc.api.credentials.status({ profile: profile.name });
          // Said before the browser opens, so nobody signs in only to learn the sign-in is not kept.
          if (credential.source.startsWith('memory')) io.stderr.write(`${MEMORY_ONLY_WARNING}\n`);
          if (!deviceCode) io.stderr.write(`Waiting up to ${Math.round(timeoutSeconds)} s for the sign-in to finish in the browser (Ctrl+C cancels).\n`);
        }
        const result = await svc.api.auth.signIn({ profile: flags.profile, flow: deviceCode ? 'device-code' : 'interactive', timeoutSeconds });
        printLoginResult(io.stdout, result);
        if (demoRun) io.stdout.write('The demo tenant stops with this command; use "sync --profile demo --credential delegated --demo-user <name>" to sign in and sync in one run.\n');
      } finally {
        for (const u of unsubscribe) u();
      }
    });

  program
    .command('logout')
    .description('forget the delegated sign-in of a profile (removes its token cache from the secret store)')
    .requiredOption('--profile <name>', 'profile to sign out')
    .action(async (flags: { profile: string }) => {
      if (flags.profile === DEMO_PROFILE_NAME) {
        io.stdout.write('The demo profile keeps no sign-in between commands; nothing to remove.\n');
        return;
      }
      const r = await deps.host().api.auth.signOut({ profile: flags.profile });
      io.stdout.write(`Signed out${r.username ? ` ${r.username}` : ''}: the sign-in cache of profile "${r.profile}" was removed from ${r.store}.\n`);
    });
}
