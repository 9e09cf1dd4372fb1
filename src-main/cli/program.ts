import { Command, Option } from 'commander';
import pkg from '../../package.json';
import { resolve } from 'node:path';
import { CliContext, type GlobalOptions } from './context';
import { EXIT_HELP } from './exit-codes';
import { demoOptions, demoSetup, type DemoFlags } from './demo-options';
import { snapshotIdArg } from './options';
import { progressPrinter, formatTable } from './output';
import type { CliIo, CommandDeps } from './command-deps';
import { printSyncSummary } from './commands/summary';
import { registerConsentCommands } from './commands/consent';
import { registerVerifyCommands } from './commands/verify';
import { registerLoginCommands, withDemoDelegatedSession } from './commands/login';
import { registerCertCommands } from './commands/cert';
import type { SecretStore } from '../core/secrets/secret-store';
import { DEMO_PROFILE_NAME, withDemoTenant, type DemoContext } from '../core/demo/session';
import { syncProfile } from '../core/services/sync-service';
import { exportSnapshot } from '../core/export/exports';
import { currentSnapshot, getSnapshot, listSnapshots, skuSummary } from '../core/store/queries';
import type { Profile } from '../core/profile/schema';
import { profileFromFlags, type ProfileFlags } from './profile-flags';
import { OperatorError } from '../core/errors/operator-error';
import type { SyncResult } from '../core/sync/engine';

export type { CliIo } from './command-deps';

export function buildProgram(io: CliIo): { program: Command; context: () => CliContext | undefined } {
  let ctx: CliContext | undefined;
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
      ctx ??= new CliContext(action.optsWithGlobals<GlobalOptions>(), io.stdout, io.stderr, io.env);
    });
  const context = (): CliContext => {
    if (!ctx) throw new Error('context used before preAction');
    return ctx;
  };

  const runAndSummarise = async (profile: Profile, extra: { credential?: Parameters<typeof syncProfile>[0]['credential']; extraCaPem?: string[]; secretStore?: SecretStore }): Promise<SyncResult> => {
    const c = context();
    const progress = progressPrinter(io.stderr);
    io.stderr.write(`Syncing profile "${profile.name}" (${profile.tenantId})...\n`);
    try {
      return await syncProfile({ profile, db: c.database(), logger: c.logger, env: io.env, signal: io.signal, onProgress: progress.onProgress, ...extra });
    } finally {
      progress.done();
    }
  };

  /** Sync the in-process demo tenant as an app or, with --credential delegated, as a demo user. */
  const syncDemo = (demo: DemoContext, flags: DemoFlags): Promise<SyncResult> =>
    flags.credential === 'delegated'
      ? withDemoDelegatedSession(demo, { demoUser: flags.demoUser, io }, (secretStore) => runAndSummarise(demo.profile, { extraCaPem: demo.extraCaPem, secretStore }))
      : runAndSummarise(demo.profile, { ...(demo.credential ? { credential: demo.credential } : {}), extraCaPem: demo.extraCaPem });

  demoOptions(
    program
      .command('demo')
      .description('start the built-in demo tenant in-process, sync it (app credentials by default) and write the exports')
      .option('--out <dir>', 'export folder', './exports'),
  ).action(async (flags: DemoFlags & { out: string }) => {
    const c = context();
    await withDemoTenant(demoSetup(flags), async (demo) => {
      const who =
        flags.credential === 'delegated'
          ? `user "${flags.demoUser}" signing in to app "${flags.demoApp ?? 'delegated'}" (delegated, auth code + PKCE)`
          : `app "${flags.app}" signing in with a ${flags.credential}`;
      io.stderr.write(`Demo tenant ${demo.tenant.domain}: ${demo.tenant.userCount} users, ${who}.\n`);
      const result = await syncDemo(demo, flags);
      const exported = await exportSnapshot(c.database(), result.snapshotId, resolve(flags.out));
      printSyncSummary(io.stdout, result, exported.skuSummary);
      io.stdout.write(`\nExports:\n${exported.files.map((f) => `  ${f}`).join('\n')}\n`);
    });
  });

  demoOptions(
    program
      .command('sync')
      .description(`sync a profile into a new snapshot (profile "${DEMO_PROFILE_NAME}" starts the demo tenant in-process)`)
      .requiredOption('--profile <name>', 'profile to sync'),
  ).action(async (flags: DemoFlags & { profile: string }) => {
    const c = context();
    const result =
      flags.profile === DEMO_PROFILE_NAME
        ? await withDemoTenant(demoSetup(flags), (demo) => syncDemo(demo, flags))
        : await c.profiles.get(flags.profile).then((p) => runAndSummarise(p, { secretStore: c.secretStore() }));
    printSyncSummary(io.stdout, result, skuSummary(c.database(), result.snapshotId));
  });

  program
    .command('export')
    .description("write the CSV exports of a profile's current snapshot")
    .requiredOption('--profile <name>', 'profile whose snapshot to export')
    .requiredOption('--out <dir>', 'export folder')
    .addOption(new Option('--snapshot <id>', 'a specific snapshot id instead of the current one').argParser(snapshotIdArg))
    .action(async (flags: { profile: string; out: string; snapshot?: number }) => {
      const c = context();
      const db = c.database();
      const snapshot = flags.snapshot !== undefined ? getSnapshot(db, flags.snapshot) : currentSnapshot(db, flags.profile);
      if (!snapshot || snapshot.profileName !== flags.profile) {
        throw new OperatorError('bad-input', `Profile "${flags.profile}" has no snapshot${flags.snapshot !== undefined ? ` ${flags.snapshot}` : ''}.`, {
          hint: `Run "sync --profile ${flags.profile}" first, or pick an id from "snapshots --profile ${flags.profile}".`,
        });
      }
      const snapshotId = snapshot.id;
      const exported = await exportSnapshot(db, snapshotId, resolve(flags.out));
      io.stdout.write(`${exported.files.join('\n')}\n`);
    });

  program
    .command('snapshots')
    .description('list the snapshots of a profile, newest first')
    .requiredOption('--profile <name>', 'profile')
    .action((flags: { profile: string }) => {
      const rows = listSnapshots(context().database(), flags.profile).map((s) => [s.id, s.startedAt, s.finishedAt, s.userCount ?? ""]);
      io.stdout.write(rows.length ? formatTable(['Id', 'Started', 'Finished', 'Users'], rows, new Set([0, 3])) : 'No snapshots yet.\n');
    });

  const profile = program.command('profile').description('manage tenant profiles (they name where secrets live, never the secrets)');
  profile
    .command('add')
    .description('add or replace a profile')
    .requiredOption('--name <name>', 'profile name')
    .requiredOption('--tenant <id>', 'tenant id (GUID) or verified domain')
    .requiredOption('--client-id <guid>', 'application (client) id of the app registration')
    .addOption(new Option('--cloud <cloud>', 'national cloud').choices(['global', 'gcch', 'dod', 'china', 'custom']).default('global'))
    .option('--login-url <url>', 'custom cloud: sign-in base URL (https)')
    .option('--graph-url <url>', 'custom cloud: Microsoft Graph base URL (https)')
    .option('--secret-env <var>', 'client secret: name of the environment variable holding it')
    .option('--secret-file <path>', 'client secret: file holding it')
    .option('--secret-expires <yyyy-mm-dd>', 'client secret: its expiry date, for warnings')
    .option('--certificate <pem>', 'certificate: public certificate PEM path')
    .option('--private-key <pem>', 'certificate: private key PEM path')
    .option('--passphrase-env <var>', 'certificate: environment variable holding the key passphrase')
    .option('--ca-bundle <pem>', 'extra CA bundle to trust (TLS-inspecting proxy)')
    .option('--delegated', 'delegated: a user with a reader role signs in ("login"); --client-id is a public client app')
    .option('--login-hint <upn>', 'delegated: account to pre-fill on the sign-in page')
    .option('--device-code-flow', 'delegated: sign in with the device code flow by default')
    .action(async (f: ProfileFlags) => {
      if (f['name'] === DEMO_PROFILE_NAME) {
        throw new OperatorError('bad-input', `"${DEMO_PROFILE_NAME}" is reserved for the built-in demo tenant.`, { hint: 'Pick another profile name.' });
      }
      const saved = profileFromFlags(f);
      await context().profiles.upsert(saved);
      io.stdout.write(`Profile "${saved.name}" saved.\n`);
    });
  profile
    .command('list')
    .description('list profiles')
    .action(async () => {
      const list = await context().profiles.list();
      const rows = list.map((p) => [p.name, p.tenantId, p.clientId, p.cloud, p.credential.kind]);
      io.stdout.write(rows.length ? formatTable(['Name', 'Tenant', 'Client id', 'Cloud', 'Credential'], rows) : 'No profiles yet. Add one with "profile add".\n');
    });
  profile
    .command('show <name>')
    .description('show one profile as JSON')
    .action(async (name: string) => {
      io.stdout.write(JSON.stringify(await context().profiles.get(name), null, 2) + '\n');
    });
  profile
    .command('remove <name>')
    .description('remove a profile (its snapshots stay in the database)')
    .action(async (name: string) => {
      const removed = await context().profiles.remove(name);
      if (!removed) throw new OperatorError('profile-not-found', `No profile named "${name}".`, { hint: 'List profiles with "profile list".' });
      io.stdout.write(`Profile "${name}" removed.\n`);
    });

  // Command modules register here, each with one line: registerXCommands(program, deps).
  const deps: CommandDeps = { io, context };
  registerConsentCommands(program, deps);
  registerVerifyCommands(program, deps);
  registerLoginCommands(program, deps);
  registerCertCommands(program, deps);

  return { program, context: () => ctx };
}
