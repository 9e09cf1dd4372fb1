import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { CommandDeps } from '../command-deps';
import { zodArg } from '../options';
import type { Out } from '../output';
import { DEFAULT_CERT_DAYS, OperatorError, SECRETS_HELP, SECRETS_PASSPHRASE_ENV } from '../../core/services/index';
import { CERT_KEY_TYPES, MAX_CERT_DAYS, type WrittenCertificateDto } from '../../shared/credentials';
import type { OpResult } from '../../shared/contract';
import { DEMO_PROFILE_NAME } from '../../shared/demo';

const daysArg = zodArg(z.coerce.number().int().min(1).max(MAX_CERT_DAYS), `expected a whole number of days from 1 to ${MAX_CERT_DAYS}`);
const envNameArg = zodArg(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'must be an environment variable NAME' }), 'expected the name of an environment variable');

const UPLOAD_STEPS = (cer: string) =>
  `Upload ${cer} to the app registration: Microsoft Entra admin center > App registrations > (your app) > Certificates & secrets > Certificates > Upload certificate.\n` +
  'Or let "consent script --profile <name>" upload it with the other registration steps.';

type Info = WrittenCertificateDto['info'];
type Expiry = OpResult<'certificates.show'>['expiry'];

function printInfo(out: Out, info: Info): void {
  const rows: [string, string][] = [
    ['Subject', info.subject],
    ['Issuer', info.issuer],
    ['Serial number', info.serialNumber],
    ['Valid from', info.notBefore],
    ['Valid until', info.notAfter],
    ['Key', info.keyDescription],
    ['Thumbprint (SHA-1)', `${info.thumbprintSha1}   (the Entra admin center shows this)`],
    ['Thumbprint (SHA-256)', info.thumbprintSha256],
  ];
  for (const [k, v] of rows) out.write(`  ${`${k}:`.padEnd(23)}${v}\n`);
}

export function printExpiry(out: Out, e: Pick<Expiry, 'status' | 'message'>): void {
  const mark = e.status === 'ok' ? 'OK' : e.status === 'expiring' ? 'WARNING' : e.status === 'expired' ? 'EXPIRED' : 'UNKNOWN';
  out.write(`  ${'Expiry:'.padEnd(23)}${mark}: ${e.message}\n`);
}

function printWritten(out: Out, err: Out, w: WrittenCertificateDto, action: string): void {
  out.write(`${action} for profile "${w.profile}".\n`);
  printInfo(out, w.info);
  out.write(`  ${'Public certificate:'.padEnd(23)}${w.cerPath} (DER)\n  ${''.padEnd(23)}${w.pemPath} (PEM, named by the profile)\n`);
  out.write(`  ${'Private key:'.padEnd(23)}${w.keyLocation}\n`);
  if (w.previousCertificatePath) {
    err.write(
      `Note: the certificate this replaced (${w.previousCertificatePath}) and its key are kept. Until the new one is uploaded, sync fails;\n` +
        `"cert rollback --profile ${w.profile}" switches back to the previous one at any time.\n`,
    );
  } else if (w.replacedKey) {
    err.write('Note: the previous certificate key of this profile was replaced.\n');
  }
  if (w.exportedKeyPath) err.write(`WARNING: the private key was also written to ${w.exportedKeyPath} (mode 0600). Anyone who reads it can sign in as the app; keep it safe or delete it.\n`);
  out.write(`\nNext: ${UPLOAD_STEPS(w.cerPath)}\n`);
}

/** `cert create --profile demo`: the certificate, and the demo tenant's proof that it signs in. */
function printDemoProof(out: Out, err: Out, w: WrittenCertificateDto, proof: NonNullable<WrittenCertificateDto['demoProof']>): void {
  out.write('Certificate created for the demo tenant.\n');
  printInfo(out, w.info);
  out.write(`  ${'Public certificate:'.padEnd(23)}${w.cerPath} (DER)\n  ${''.padEnd(23)}${w.pemPath} (PEM)\n`);
  out.write(`  ${'Private key:'.padEnd(23)}memory only: the "${w.profile}" profile is not persisted, so the key is discarded when this command exits\n`);
  if (w.exportedKeyPath) err.write(`WARNING: the private key was also written to ${w.exportedKeyPath} (mode 0600). Anyone who reads it can sign in as the app; delete it when done.\n`);
  out.write(
    `\nThe demo tenant ${proof.tenantDomain} accepted it: app "${proof.app}" (${proof.clientId}) signed in with a client assertion\n` +
      `made from this key and received an app-only token for Microsoft Graph (roles: ${proof.roles.join(', ') || 'none'}).\n\n` +
      'With a real tenant the steps are the same, done by you:\n' +
      `  1. cert create --profile <name>   (with ${SECRETS_PASSPHRASE_ENV} set, so the key is kept encrypted in the data folder)\n` +
      `  2. ${UPLOAD_STEPS('the .cer file').replace(/\n/g, '\n     ')}\n` +
      '  3. sync --profile <name>   (the key is read from the secret store; its thumbprint must match the uploaded certificate)\n',
  );
}

function usage(message: string): OperatorError {
  return new OperatorError('bad-input', message, { hint: 'See "cert import --help". Passwords and passphrases are read from environment variables, never from the command line.' });
}

export function registerCertCommands(program: Command, deps: CommandDeps): void {
  const { io } = deps;
  program.addHelpText('after', `\n${SECRETS_HELP}`);
  const cert = program
    .command('cert')
    .description('certificates for app sign-in instead of client secrets: create, import, show, roll back, export the key')
    .addHelpText('after', `\n${SECRETS_HELP}\nThe private key is kept only in the secret store; "cert export-key" writes it out on request.\n${RENEWAL_HELP}`);

  cert
    .command('create')
    .description('generate a self-signed certificate for app-only sign-in and switch the profile to it')
    .requiredOption('--profile <name>', `profile to create it for ("${DEMO_PROFILE_NAME}": try it against the built-in demo tenant)`)
    .addOption(new Option('--key <type>', 'RSA key size (RSA only: MSAL Node signs the client assertion with PS256/RS256)').choices([...CERT_KEY_TYPES]).default('rsa2048'))
    .addOption(new Option('--days <n>', `validity in days (at most ${MAX_CERT_DAYS})`).argParser(daysArg).default(DEFAULT_CERT_DAYS))
    .option('--out <dir>', 'folder for the public .cer/.pem (default: <data-dir>/certificates/<profile>)')
    .option('--export-key <path>', 'also write the private key (PKCS#8 PEM, mode 0600) to this new file')
    .option('--replace', "switch the profile to a new certificate; the current one is kept for \"cert rollback\"")
    .option('--discard-previous', 'with --replace: drop the certificate kept from an earlier replacement')
    .addHelpText(
      'after',
      `\nThe private key goes only into the secret store, so ${SECRETS_PASSPHRASE_ENV} must be set (or --export-key given).\nValidity: ${DEFAULT_CERT_DAYS} days by default, at most ${MAX_CERT_DAYS}.\nKey: RSA only (2048, 3072 or 4096 bits). MSAL Node signs the client assertion with PS256/RS256, which need an RSA key, so an ECDSA (P-256) certificate could not sign in.\n${RENEWAL_HELP}`,
    )
    .action(async (f: { profile: string; key: (typeof CERT_KEY_TYPES)[number]; days: number; out?: string; exportKey?: string; replace?: boolean; discardPrevious?: boolean }) => {
      const host = deps.host();
      // The demo profile's certificate is proven against a demo tenant of its own.
      host.useDemo({ users: 10, seed: 'demo', credential: 'certificate' });
      const written = await host.api.certificates.create({
        profile: f.profile,
        keyType: f.key,
        days: f.days,
        ...(f.out ? { outDir: resolve(f.out) } : {}),
        ...(f.exportKey ? { exportKeyPath: resolve(f.exportKey) } : {}),
        replace: Boolean(f.replace),
        discardPrevious: Boolean(f.discardPrevious),
      });
      if (written.demoProof) printDemoProof(io.stdout, io.stderr, written, written.demoProof);
      else printWritten(io.stdout, io.stderr, written, 'Certificate created');
    });

  cert
    .command('import')
    .description('import an existing certificate and private key (PEM pair or PFX) into the secret store')
    .requiredOption('--profile <name>', 'profile to switch to this certificate')
    .option('--pem <file>', 'certificate (PEM)')
    .option('--key <file>', 'private key (PEM: PKCS#8, PKCS#1 or SEC1; may be encrypted)')
    .addOption(new Option('--key-passphrase-env <var>', 'environment variable holding the key passphrase').argParser(envNameArg))
    .option('--pfx <file>', 'PFX / PKCS#12 file with certificate and key')
    .addOption(new Option('--pfx-password-env <var>', 'environment variable holding the PFX password').argParser(envNameArg))
    .option('--out <dir>', 'folder for the certificate .pem/.cer (default: <data-dir>/certificates/<profile>)')
    .option('--replace', "switch the profile to this certificate; the current one is kept for \"cert rollback\"")
    .option('--discard-previous', 'with --replace: drop the certificate kept from an earlier replacement')
    .addHelpText('after', `\n${RENEWAL_HELP}`)
    .action(async (f: { profile: string; pem?: string; key?: string; keyPassphraseEnv?: string; pfx?: string; pfxPasswordEnv?: string; out?: string; replace?: boolean; discardPrevious?: boolean }) => {
      let source: { kind: 'pfx'; pfxPath: string; passwordEnv: string } | { kind: 'pem'; certificatePath: string; keyPath: string; keyPassphraseEnv?: string };
      if (f.pfx !== undefined && f.pem === undefined && f.key === undefined) {
        if (!f.pfxPasswordEnv) throw usage('--pfx needs --pfx-password-env <VAR> naming the variable that holds the PFX password.');
        source = { kind: 'pfx', pfxPath: resolve(f.pfx), passwordEnv: f.pfxPasswordEnv };
      } else if (f.pem !== undefined && f.key !== undefined && f.pfx === undefined) {
        source = { kind: 'pem', certificatePath: resolve(f.pem), keyPath: resolve(f.key), ...(f.keyPassphraseEnv ? { keyPassphraseEnv: f.keyPassphraseEnv } : {}) };
      } else {
        throw usage('Give either --pem CERT --key KEY [--key-passphrase-env VAR], or --pfx FILE --pfx-password-env VAR.');
      }
      const written = await deps.host().api.certificates.import({
        profile: f.profile,
        source,
        ...(f.out ? { outDir: resolve(f.out) } : {}),
        replace: Boolean(f.replace),
        discardPrevious: Boolean(f.discardPrevious),
      });
      printWritten(io.stdout, io.stderr, written, 'Certificate imported');
    });

  cert
    .command('show')
    .description("show a profile's certificate: thumbprints, validity, key, expiry warning, where the key is")
    .requiredOption('--profile <name>', 'profile')
    .action(async (f: { profile: string }) => {
      const report = await deps.host().api.certificates.show({ profile: f.profile });
      const c = report.certificate;
      if (!c) {
        io.stdout.write(`Profile "${report.profile}" signs in with ${report.credentialKind === 'secret' ? 'a client secret' : 'a user account (delegated)'}.\n`);
        const record = report.credentialKind === 'secret' && report.expiry.status === 'unknown' ? ` Run: m365-reconciler profile set-secret-expiry --profile ${report.profile} --date YYYY-MM-DD` : '';
        printExpiry(io.stdout, { ...report.expiry, message: `${report.expiry.message}${record}` });
        return;
      }
      io.stdout.write(`Certificate of profile "${report.profile}" (${c.certificatePath}):\n`);
      printInfo(io.stdout, c.info);
      io.stdout.write(`  ${'Private key:'.padEnd(23)}${c.key.description}\n`);
      printExpiry(io.stdout, report.expiry);
      if (c.previous) {
        io.stdout.write(
          `  ${'Previous certificate:'.padEnd(23)}${c.previous.certificatePath} (${c.previous.keyPresent ? `kept: "cert rollback --profile ${report.profile}" restores it` : 'its key is NOT in this secret store'})\n`,
        );
      }
      if (!c.key.present) {
        io.stderr.write(`The private key is not in this secret store: set ${SECRETS_PASSPHRASE_ENV} to the passphrase it was created with, or re-import it.\n`);
      }
    });

  cert
    .command('rollback')
    .description('switch the profile back to the certificate its last --replace replaced (kept until the next replacement)')
    .requiredOption('--profile <name>', 'profile')
    .addHelpText('after', `\n${RENEWAL_HELP}`)
    .action(async (f: { profile: string }) => {
      const done = await deps.host().api.certificates.rollback({ profile: f.profile });
      io.stdout.write(`Profile "${f.profile}" uses its previous certificate again (${done.certificatePath}).\n`);
      printInfo(io.stdout, done.info);
      if (done.previousCertificatePath) {
        io.stdout.write(`The certificate it rolled back from (${done.previousCertificatePath}) is kept as the previous one: "cert rollback --profile ${f.profile}" switches to it again.\n`);
      }
    });

  cert
    .command('export-key')
    .description("write the profile's private key from the secret store to a new PKCS#8 PEM file (mode 0600)")
    .requiredOption('--profile <name>', 'profile')
    .requiredOption('--out <path>', 'new file to write (never overwritten)')
    .action(async (f: { profile: string; out: string }) => {
      const { path } = await deps.host().api.certificates.exportKey({ profile: f.profile, outPath: f.out });
      io.stderr.write(`WARNING: ${path} now holds the private key in clear text (mode 0600). Anyone who reads it can sign in as the app; delete it when done.\n`);
      io.stdout.write(`${path}\n`);
    });
}

const RENEWAL_HELP =
  'Renewal without downtime: "cert create|import --replace" switches the profile to the new certificate and keeps the current one\n' +
  '(its key stays in the secret store). Upload the new .cer to the app registration; until then sync fails, and\n' +
  '"cert rollback --profile <name>" switches back to the kept certificate (run it again to return to the new one).\n' +
  'One previous certificate is kept: replacing again while one is kept needs --discard-previous.';
