import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { z } from 'zod';
import type { CommandDeps } from '../command-deps';
import { demoOptions, type DemoFlags } from '../demo-options';
import { zodArg } from '../options';
import { withProfile } from './profile-or-demo';
import { OperatorError } from '../../core/errors/operator-error';
import type { Profile } from '../../core/profile/schema';
import type { DemoContext } from '../../core/demo/session';
import { registrationScript, type ScriptShell } from '../../core/consent/scripts';
import { adminConsentUrl } from '../../core/consent/urls';
import { consentWalkthrough } from '../../core/consent/walkthrough';

const shellArg = zodArg(z.enum(['powershell', 'azcli']), 'expected powershell or azcli');

async function readCertificate(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new OperatorError('bad-input', `Cannot read the certificate file ${path}.`, {
      hint: 'Give the public certificate with --certificate <file> (the .pem that "cert create" exported).',
      cause: e,
    });
  }
}

/**
 * The public certificate the script embeds: --certificate, else the profile's certificate
 * (the demo tenant's lives in memory), else none (secret and delegated profiles).
 */
async function scriptCertificate(flag: string | undefined, profile: Profile, demo: DemoContext | undefined): Promise<string | Buffer | null> {
  if (flag !== undefined) return readCertificate(resolve(flag));
  if (profile.credential.kind !== 'certificate') return null;
  if (demo) return Object.values(demo.tenant.apps).find((a) => a.clientId === profile.clientId)?.certificatePem ?? null;
  return readCertificate(profile.credential.certificatePath);
}

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
    await withProfile(deps, flags.profile, flags, async (profile, demo) => {
      const script = registrationScript(profile, {
        shell: flags.shell,
        certificate: await scriptCertificate(flags.certificate, profile, demo),
        ...(flags.appId !== undefined ? { appId: flags.appId } : {}),
      });
      if (flags.out === undefined) {
        io.stdout.write(script.content);
        return;
      }
      const out = resolve(flags.out);
      await writeFile(out, script.content, { encoding: 'utf8', mode: flags.shell === 'azcli' ? 0o700 : 0o600 });
      io.stdout.write(`${out}\n`);
      io.stderr.write(`Script written. Read it, then have the right administrator run it (see the header, or "consent guide --profile ${flags.profile}").\n`);
    });
  });

  demoOptions(
    consent
      .command('url')
      .description("print the admin-consent URL for the profile's tenant and cloud")
      .requiredOption('--profile <name>', 'profile')
      .option('--redirect-uri <url>', 'where Entra ID sends the administrator afterwards (default http://localhost)'),
  ).action(async (flags: DemoFlags & { profile: string; redirectUri?: string }) => {
    await withProfile(deps, flags.profile, flags, async (profile) => {
      io.stdout.write(`${adminConsentUrl(profile, flags.redirectUri !== undefined ? { redirectUri: flags.redirectUri } : {})}\n`);
      const kind = profile.credential.kind === 'delegated' ? 'delegated' : 'application';
      io.stderr.write(
        kind === 'application'
          ? 'Open as a Privileged Role Administrator or Global Administrator (Cloud Application Administrator and Application Administrator cannot grant Microsoft Graph application permissions).\n'
          : 'Open as a Cloud Application Administrator, Application Administrator, Privileged Role Administrator or Global Administrator.\n',
      );
    });
  });

  demoOptions(
    consent
      .command('guide')
      .description('print the consent walkthrough: steps, commands, URL and who may do each step')
      .requiredOption('--profile <name>', 'profile')
      .option('--redirect-uri <url>', 'redirect URI for the admin-consent URL'),
  ).action(async (flags: DemoFlags & { profile: string; redirectUri?: string }) => {
    await withProfile(deps, flags.profile, flags, async (profile) => {
      const w = consentWalkthrough(profile, flags.redirectUri !== undefined ? { redirectUri: flags.redirectUri } : {});
      io.stdout.write(`Consent walkthrough for profile "${w.profileName}" (${w.kind} permissions: ${w.permissions.join(', ')})\n`);
      w.steps.forEach((step, i) => {
        io.stdout.write(`\n${i + 1}. ${step.title}\n`);
        for (const t of step.text) io.stdout.write(`   ${t}\n`);
        if (step.command) io.stdout.write(`   command: ${step.command}\n`);
        if (step.url) io.stdout.write(`   url: ${step.url}\n`);
        if (step.who) io.stdout.write(`   who: ${step.who}\n`);
      });
    });
  });
}
