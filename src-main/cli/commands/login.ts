import { Option, type Command } from 'commander';
import { z } from 'zod';
import type { CommandDeps, CliIo } from '../command-deps';
import { zodArg, seedArg, usersArg } from '../options';
import { demoPublicAppOption, demoUserOption } from '../demo-options';
import { createNetwork, type Network } from '../../core/net/network';
import { createDelegatedTokenProvider, DEFAULT_SIGN_IN_TIMEOUT_MS, type DelegatedLoginResult, type DelegatedTokenProvider, type DeviceCodeInfo, type OpenBrowser } from '../../core/auth/delegated-token';
import { DemoBrowser } from '../../core/demo/browser';
import { DEMO_PROFILE_NAME, withDemoTenant, type DemoContext } from '../../core/demo/session';
import { DEMO_USER_NAMES } from '../../core/demo-tenant/users';
import type { DemoPublicAppName, DemoUserName } from '../../core/demo-tenant/types';
import { MemorySecretStore } from '../../core/secrets/memory-store';
import type { SecretStore } from '../../core/secrets/secret-store';
import { SECRETS_PASSPHRASE_ENV } from '../../core/secrets/cli-store';
import { OperatorError } from '../../core/errors/operator-error';
import type { Profile } from '../../core/profile/schema';
import type { Out } from '../output';

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

export function printLoginResult(out: Out, profile: string, r: DelegatedLoginResult, store: SecretStore): void {
  out.write(`Signed in to profile "${profile}" as ${r.account.username} (tenant ${r.account.tenantId}).\n`);
  out.write(`Granted scopes: ${[...r.scopes].sort().join(' ') || '(none)'}\n`);
  out.write(`Access token expires: ${r.expiresOn.toISOString()} (renewed silently with the refresh token).\n`);
  out.write(`Sign-in cache: ${store.description}.\n`);
}

function deviceCodePrinter(err: Out): (info: DeviceCodeInfo) => void {
  return (info) => {
    err.write(`${info.message}\n`);
    err.write(`(The code expires in ${Math.round(info.expiresInSeconds / 60)} minutes.) ${CONDITIONAL_ACCESS_NOTE}\n`);
  };
}

export interface DemoSignIn {
  provider: DelegatedTokenProvider;
  result: DelegatedLoginResult;
  network: Network;
}

/**
 * Signs in to the in-process demo tenant as `user`, with the demo automation browser
 * (interactive) or by completing the device code on the demo verification page.
 * The caller closes `network`.
 */
export async function demoSignIn(
  demo: DemoContext,
  opts: { user: DemoUserName; deviceCode: boolean; timeoutMs: number; secretStore: SecretStore; io: CliIo },
): Promise<DemoSignIn> {
  const network = createNetwork({ extraCaPem: demo.extraCaPem, env: {} });
  try {
    const account = demo.tenant.signInUsers[opts.user];
    const browser = new DemoBrowser({ network, user: { upn: account.upn, password: account.password } });
    const provider = createDelegatedTokenProvider({ profile: demo.profile, network, secretStore: opts.secretStore, openBrowser: browser.openBrowser, timeoutMs: opts.timeoutMs });
    opts.io.stderr.write(`Demo automation: signing in to the demo tenant as "${opts.user}" (${account.upn}) ${opts.deviceCode ? 'with the device code flow' : 'in the scripted demo browser'}.\n`);
    let deviceDone: Promise<void> | undefined;
    const result = await provider.login({
      signal: opts.io.signal,
      flow: opts.deviceCode ? 'device-code' : 'interactive',
      onDeviceCode: (info) => {
        deviceCodePrinter(opts.io.stderr)(info);
        deviceDone = browser.completeDeviceCode(info);
        // The outcome is reported by the token poll; a page failure shows there as a timeout, so keep it visible.
        deviceDone.catch((e: unknown) => opts.io.stderr.write(`Demo automation could not complete the device code: ${e instanceof Error ? e.message : String(e)}\n`));
      },
    });
    if (deviceDone) await deviceDone.catch(() => undefined);
    return { provider, result, network };
  } catch (e) {
    await network.close();
    throw e;
  }
}

function requireDelegated(profile: Profile): void {
  if (profile.credential.kind !== 'delegated') {
    throw new OperatorError('bad-input', `Profile "${profile.name}" signs in with an app ${profile.credential.kind}, not as a user.`, {
      hint: 'login is for delegated profiles (a public client app registration and a user with a reader role); app-credential profiles need no login.',
    });
  }
}

interface LoginFlags {
  profile: string;
  deviceCode?: boolean;
  timeout?: number;
  demoUser?: DemoUserName;
  demoApp: DemoPublicAppName;
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
      const timeoutMs = (flags.timeout ?? DEFAULT_SIGN_IN_TIMEOUT_MS / 1000) * 1000;
      if (flags.profile === DEMO_PROFILE_NAME) {
        if (!flags.demoUser) {
          throw new OperatorError('bad-input', 'The demo tenant runs inside this command, so nobody can sign in to it from another browser.', {
            hint: `Add --demo-user <name> (one of ${DEMO_USER_NAMES.join(', ')}) to let the command sign in on the demo page.`,
          });
        }
        const user = flags.demoUser;
        // A short device code polling interval keeps the demo snappy (Entra ID announces 5 s).
        await withDemoTenant({ users: flags.users, seed: flags.seed, credentialKind: 'delegated', publicApp: flags.demoApp, deviceCodeIntervalSeconds: 1 }, async (demo) => {
          const store = new MemorySecretStore();
          const signIn = await demoSignIn(demo, { user, deviceCode: Boolean(flags.deviceCode), timeoutMs, secretStore: store, io });
          try {
            printLoginResult(io.stdout, DEMO_PROFILE_NAME, signIn.result, store);
            io.stdout.write('The demo tenant stops with this command; use "sync --profile demo --credential delegated --demo-user <name>" to sign in and sync in one run.\n');
          } finally {
            await signIn.network.close();
          }
        });
        return;
      }
      if (flags.demoUser) {
        throw new OperatorError('bad-input', '--demo-user works only with the demo profile.', { hint: 'Sign in to a real tenant in the browser yourself.' });
      }
      const c = deps.context();
      const profile = await c.profiles.get(flags.profile);
      requireDelegated(profile);
      const store = c.secretStore();
      const network = createNetwork({ ...(profile.caBundlePath ? { caBundlePath: profile.caBundlePath } : {}), env: io.env });
      try {
        const open = (await import('open')).default;
        const openBrowser: OpenBrowser = async (url) => {
          io.stderr.write(`Opening the system browser for the sign-in. If it does not open, open this address yourself:\n  ${url}\n`);
          const child = await open(url, { wait: false });
          child.on('error', () => undefined);
          child.unref();
        };
        const provider = createDelegatedTokenProvider({
          profile,
          network,
          secretStore: store,
          openBrowser,
          timeoutMs,
          log: (level, message) => {
            if (level === 'error' || level === 'warning') c.logger.warn('msal', { message });
          },
        });
        const deviceCode = flags.deviceCode ?? (profile.credential.kind === 'delegated' && profile.credential.flow === 'device-code');
        // Said before the browser opens, so nobody signs in only to learn the sign-in is not kept.
        if (!store.persistent) io.stderr.write(`${MEMORY_ONLY_WARNING}\n`);
        if (!deviceCode) io.stderr.write(`Waiting up to ${Math.round(timeoutMs / 1000)} s for the sign-in to finish in the browser (Ctrl+C cancels).\n`);
        const result = await provider.login({ signal: io.signal, flow: deviceCode ? 'device-code' : 'interactive', onDeviceCode: deviceCodePrinter(io.stderr), timeoutMs });
        printLoginResult(io.stdout, profile.name, result, store);
      } finally {
        await network.close();
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
      const c = deps.context();
      const profile = await c.profiles.get(flags.profile);
      requireDelegated(profile);
      const store = c.secretStore();
      const network = createNetwork({ env: io.env });
      try {
        const provider = createDelegatedTokenProvider({ profile, network, secretStore: store });
        const account = await provider.account();
        await provider.logout();
        io.stdout.write(`Signed out${account ? ` ${account.username}` : ''}: the sign-in cache of profile "${profile.name}" was removed from ${store.description}.\n`);
      } finally {
        await network.close();
      }
    });
}

/**
 * For `sync --profile demo --credential delegated --demo-user <name>` (and any other demo
 * command run with a delegated credential): signs in first, then hands the secret store
 * that holds the sign-in to `fn`, all in this one process.
 */
export async function withDemoDelegatedSession<T>(
  demo: DemoContext,
  opts: { demoUser: DemoUserName | undefined; deviceCode?: boolean; timeoutMs?: number; io: CliIo },
  fn: (secretStore: SecretStore, signIn: DelegatedLoginResult) => Promise<T>,
): Promise<T> {
  if (!opts.demoUser) {
    throw new OperatorError('bad-input', 'A delegated demo sync needs a demo user to sign in as.', {
      hint: `Add --demo-user <name> (one of ${DEMO_USER_NAMES.join(', ')}); the command then signs in on the demo page itself.`,
    });
  }
  const store = new MemorySecretStore();
  const signIn = await demoSignIn(demo, { user: opts.demoUser, deviceCode: Boolean(opts.deviceCode), timeoutMs: opts.timeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS, secretStore: store, io: opts.io });
  try {
    printLoginResult(opts.io.stderr, DEMO_PROFILE_NAME, signIn.result, store);
    return await fn(store, signIn.result);
  } finally {
    await signIn.network.close();
  }
}
