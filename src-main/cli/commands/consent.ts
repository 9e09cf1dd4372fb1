import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import type { CommandDeps } from '../command-deps';
import { demoOptions, type DemoFlags } from '../demo-options';
import { zodArg } from '../options';
import { SCRIPT_SHELLS } from '../../shared/consent';

type ScriptShell = (typeof SCRIPT_SHELLS)[number];
const shellArg = zodArg(z.enum(SCRIPT_SHELLS), 'expected powershell or azcli');

/**
 * consent script | url | guide: the consent walkthrough on the command line.
 * Nothing here talks to Microsoft: the script and URL are handed to an administrator.
 */
export function registerConsentCommands(program: Command, deps: CommandDeps): void {
  const { io } = deps;
  const consent = program.command('consent').description('set up the app registration and admin consent (script, URL, guide)');

  demoOptions(
    consent
      .command('script')
      .description("print (or save) the script that registers the app with exactly the reconciler's read permissions and grants admin consent")
      .requiredOption('--profile <name>', 'profile (its tenant, cloud and credential kind shape the script)')
      .addOption(new Option('--shell <shell>', 'powershell (Microsoft Graph PowerShell) or azcli (Azure CLI)').argParser(shellArg).makeOptionMandatory())
      .option('--certificate <pem>', "public certificate to embed and upload (default: the profile's certificate)")
      .option('--app-id <guid>', 'complete this existing app registration instead of finding it by display name')
      .option('--out <file>', 'write the script to this file instead of stdout'),
  ).action(async (flags: DemoFlags & { profile: string; shell: ScriptShell; certificate?: string; appId?: string; out?: string }) => {
    {
      const script = await deps.host().api.consent.script({
        profile: flags.profile,
        shell: flags.shell,
        ...(flags.certificate !== undefined ? { certificatePath: resolve(flags.certificate) } : {}),
        ...(flags.appId !== undefined ? { appId: flags.appId } : {}),
        ...(flags.out !== undefined ? { outPath: resolve(flags.out) } : {}),
      });
      if (script.savedTo === undefined) {
        io.stdout.write(script.content);
        return;
      }
      io.stdout.write(`${script.savedTo}\n`);
      io.stderr.write(`Script written. Read it, then have the right administrator run it (see the header, or "consent guide --profile ${flags.profile}").\n`);
    }
  });

  demoOptions(
    consent
      .command('url')
      .description("print the admin-consent URL for the profile's tenant and cloud")
      .requiredOption('--profile <name>', 'profile')
      .option('--redirect-uri <url>', 'where Entra ID sends the administrator afterwards (default http://localhost)'),
  ).action(async (flags: DemoFlags & { profile: string; redirectUri?: string }) => {
    const consent = await deps.host().api.consent.url({ profile: flags.profile, ...(flags.redirectUri !== undefined ? { redirectUri: flags.redirectUri } : {}) });
    io.stdout.write(`${consent.url}\n`);
    io.stderr.write(
      consent.kind === 'application'
        ? 'Open as a Privileged Role Administrator or Global Administrator (Cloud Application Administrator and Application Administrator cannot grant Microsoft Graph application permissions).\n'
        : 'Open as a Cloud Application Administrator, Application Administrator, Privileged Role Administrator or Global Administrator.\n',
    );
  });

  demoOptions(
    consent
      .command('guide')
      .description('print the consent walkthrough: steps, commands, URL and who may do each step')
      .requiredOption('--profile <name>', 'profile')
      .option('--redirect-uri <url>', 'redirect URI for the admin-consent URL'),
  ).action(async (flags: DemoFlags & { profile: string; redirectUri?: string }) => {
    {
      const w = await deps.host().api.consent.guide({ profile: flags.profile, ...(flags.redirectUri !== undefined ? { redirectUri: flags.redirectUri } : {}) });
      io.stdout.write(`Consent walkthrough for profile "${w.profileName}" (${w.kind} permissions: ${w.permissions.join(', ')})\n`);
      w.steps.forEach((step, i) => {
        io.stdout.write(`\n${i + 1}. ${step.title}\n`);
        for (const t of step.text) io.stdout.write(`   ${t}\n`);
        if (step.command) io.stdout.write(`   command: ${step.command}\n`);
        if (step.url) io.stdout.write(`   url: ${step.url}\n`);
        if (step.who) io.stdout.write(`   who: ${step.who}\n`);
      });
    }
  });
}
