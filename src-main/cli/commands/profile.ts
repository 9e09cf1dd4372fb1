import { Option, type Command } from 'commander';
import { z } from 'zod';
import type { CommandDeps } from '../command-deps';
import { zodArg } from '../options';
import { formatTable } from '../output';
import { profileFromFlags, type ProfileFlags } from '../profile-flags';
import { printExpiry } from './cert';

const isoDateArg = zodArg(z.iso.date(), 'expected a date as YYYY-MM-DD');

/** profile add | list | show | remove | set-secret-expiry. */
export function registerProfileCommands(program: Command, deps: CommandDeps): void {
  const { io } = deps;
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
      const saved = await deps.host().api.profiles.save({ profile: profileFromFlags(f), replace: true });
      io.stdout.write(`Profile "${saved.name}" saved.\n`);
    });
  profile
    .command('list')
    .description('list profiles')
    .action(async () => {
      const list = (await deps.host().api.profiles.list({})).filter((p) => !p.demo);
      const rows = list.map((p) => [p.name, p.tenantId, p.clientId, p.cloud, p.credentialKind]);
      io.stdout.write(rows.length ? formatTable(['Name', 'Tenant', 'Client id', 'Cloud', 'Credential'], rows) : 'No profiles yet. Add one with "profile add".\n');
    });
  profile
    .command('show <name>')
    .description('show one profile as JSON')
    .action(async (name: string) => {
      io.stdout.write(JSON.stringify(await deps.host().api.profiles.get({ profile: name }), null, 2) + '\n');
    });
  profile
    .command('remove <name>')
    .description('remove a profile (its snapshots stay in the database)')
    .action(async (name: string) => {
      await deps.host().api.profiles.remove({ profile: name });
      io.stdout.write(`Profile "${name}" removed.\n`);
    });
  // Client secrets have no readable expiry: the operator records it for warnings.
  profile
    .command('set-secret-expiry')
    .description("record the client secret's expiry date (from the Entra admin center) for expiry warnings")
    .requiredOption('--profile <name>', 'profile')
    .requiredOption('--date <yyyy-mm-dd>', 'expiry date of the client secret', isoDateArg)
    .action(async (f: { profile: string; date: string }) => {
      const status = await deps.host().api.credentials.setSecretExpiry({ profile: f.profile, expiresOn: f.date });
      io.stdout.write(`Profile "${f.profile}": client secret expiry recorded as ${f.date}.\n`);
      printExpiry(io.stdout, { status: status.expiry === 'not-applicable' ? 'unknown' : status.expiry, message: status.message });
    });
}
