/**
 * Standalone demo tenant: `npm run demo-tenant -- --users 500 --seed demo`.
 * Starts the simulated Entra ID + Graph on 127.0.0.1, writes the CA and each app's
 * credentials into files (secrets and keys mode 0600), and prints where they are:
 * never the secrets themselves. Ctrl-C closes the listeners.
 */
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { z } from 'zod';
import {
  startDemoTenant,
  DEMO_APP_NAMES,
  DEMO_PUBLIC_APP_NAMES,
  DEMO_USER_NAMES,
  type DemoTenant,
  type DemoAppName,
  type DemoPublicAppName,
  type DemoUserName,
  type FaultPlan,
} from '../core/demo-tenant/index';

const argsSchema = z.object({
  users: z.coerce.number().int().min(1).max(1_000_000),
  seed: z.string().min(1).max(200),
  dir: z.string().min(1),
  portFile: z.string().min(1).optional(),
  p1: z.boolean(),
  concealNames: z.boolean(),
  tokenLifetime: z.coerce.number().int().min(1).max(86_400).optional(),
  latencyMs: z.coerce.number().int().min(0).max(60_000).optional(),
  throttleEvery: z.coerce.number().int().min(1).optional(),
  throttleStatus: z.coerce.number().pipe(z.union([z.literal(429), z.literal(503), z.literal(504)])).default(429),
  retryAfter: z.coerce.number().min(0).max(3600).default(1),
  resetEvery: z.coerce.number().int().min(1).optional(),
  truncateEvery: z.coerce.number().int().min(1).optional(),
  invalidJsonEvery: z.coerce.number().int().min(1).optional(),
  expireTokenAfter: z.coerce.number().int().min(1).optional(),
  downloadFail: z.coerce.number().pipe(z.union([z.literal(403), z.literal(404)])).optional(),
  malformedReportRow: z.coerce.number().int().min(1).optional(),
  deviceCodeInterval: z.coerce.number().int().min(1).max(60).default(5),
});
type Args = z.infer<typeof argsSchema>;

export interface AppFiles {
  clientId: string;
  secretFile: string;
  privateKeyFile: string;
  certificateFile: string;
  thumbprintSha256: string;
  roles: string[];
}

export interface PublicAppInfo {
  clientId: string;
  redirectUris: string[];
  delegatedScopes: string[];
}

export interface SignInUserFiles {
  upn: string;
  roles: string[];
  mfa: boolean;
  /** The user's password (random per start), mode 0600. */
  passwordFile: string;
}

export interface WrittenFiles {
  caFile: string;
  apps: Record<DemoAppName, AppFiles>;
  publicApps: Record<DemoPublicAppName, PublicAppInfo>;
  users: Record<DemoUserName, SignInUserFiles>;
}

async function writePrivate(path: string, content: string): Promise<void> {
  await writeFile(path, content, { mode: 0o600 });
  // writeFile keeps the mode of an existing file: set it explicitly.
  await chmod(path, 0o600);
}

/** Write the CA and every app's credentials under `dir`. */
export async function writeTenantFiles(tenant: DemoTenant, dir: string): Promise<WrittenFiles> {
  const root = resolve(dir);
  await mkdir(root, { recursive: true, mode: 0o700 });
  const caFile = join(root, 'ca.pem');
  // Ends with a newline, so the file can be appended to a CA bundle (REQUESTS_CA_BUNDLE, NODE_EXTRA_CA_CERTS).
  await writeFile(caFile, tenant.caPem.endsWith('\n') ? tenant.caPem : `${tenant.caPem}\n`, { mode: 0o644 });
  const apps = {} as Record<DemoAppName, AppFiles>;
  for (const name of DEMO_APP_NAMES) {
    const app = tenant.apps[name];
    const appDir = join(root, 'apps', name);
    await mkdir(appDir, { recursive: true, mode: 0o700 });
    const files: AppFiles = {
      clientId: app.clientId,
      secretFile: join(appDir, 'client-secret.txt'),
      privateKeyFile: join(appDir, 'private-key.pem'),
      certificateFile: join(appDir, 'certificate.pem'),
      thumbprintSha256: app.thumbprintSha256,
      roles: [...app.roles],
    };
    await writePrivate(files.secretFile, app.secret);
    await writePrivate(files.privateKeyFile, app.privateKeyPem);
    await writeFile(files.certificateFile, app.certificatePem, { mode: 0o644 });
    apps[name] = files;
  }
  const publicApps = {} as Record<DemoPublicAppName, PublicAppInfo>;
  for (const name of DEMO_PUBLIC_APP_NAMES) {
    const a = tenant.publicApps[name];
    publicApps[name] = { clientId: a.clientId, redirectUris: [...a.redirectUris], delegatedScopes: [...a.delegatedScopes] };
  }
  const users = {} as Record<DemoUserName, SignInUserFiles>;
  for (const name of DEMO_USER_NAMES) {
    const u = tenant.signInUsers[name];
    const userDir = join(root, 'users', name);
    await mkdir(userDir, { recursive: true, mode: 0o700 });
    const passwordFile = join(userDir, 'password.txt');
    await writePrivate(passwordFile, u.password);
    users[name] = { upn: u.upn, roles: [...u.roles], mfa: u.mfa, passwordFile };
  }
  return { caFile, apps, publicApps, users };
}

/** What the runner prints: URLs, ids and file paths; never a secret or a key. */
export function describeTenant(tenant: DemoTenant, files: WrittenFiles): string {
  const lines = [
    'Demo tenant is running (Ctrl-C to stop).',
    `  Login URL:    ${tenant.loginUrl}`,
    `  Graph URL:    ${tenant.graphUrl}`,
    `  Download URL: ${tenant.downloadUrl}`,
    `  Tenant id:    ${tenant.tenantId}`,
    `  Domain:       ${tenant.domain}`,
    `  Users:        ${tenant.userCount}`,
    `  CA bundle:    ${files.caFile}`,
    '',
    'App registrations:',
  ];
  for (const name of DEMO_APP_NAMES) {
    const a = files.apps[name];
    lines.push(
      `  ${name}`,
      `    client id:    ${a.clientId}`,
      `    secret file:  ${a.secretFile}`,
      `    key file:     ${a.privateKeyFile}`,
      `    cert file:    ${a.certificateFile} (SHA-256 thumbprint ${a.thumbprintSha256})`,
      `    permissions:  ${a.roles.join(', ') || '(none)'}`,
    );
  }
  lines.push('', 'Public clients (delegated sign-in, no secret, redirect URI http://localhost on any port):');
  for (const name of DEMO_PUBLIC_APP_NAMES) {
    const a = files.publicApps[name];
    lines.push(`  ${name}`, `    client id:    ${a.clientId}`, `    scopes:       ${a.delegatedScopes.join(', ') || '(no consent)'}`);
  }
  lines.push('', 'Sign-in users (passwords are in the files, new at every start):');
  for (const name of DEMO_USER_NAMES) {
    const u = files.users[name];
    const notes = [u.roles.length > 0 ? u.roles.join(', ') : 'no directory role', ...(u.mfa ? ['MFA'] : [])];
    if (name === 'blocked') notes.push('blocked by Conditional Access');
    if (name === 'outsider') notes.push('account of another tenant');
    lines.push(`  ${name}: ${u.upn} (${notes.join('; ')})`, `    password file: ${u.passwordFile}`);
  }
  const reader = files.apps.reader;
  const profile = {
    name: 'demo',
    tenantId: tenant.tenantId,
    clientId: reader.clientId,
    cloud: 'custom',
    customEndpoints: { loginUrl: tenant.loginUrl, graphUrl: tenant.graphUrl },
    credential: { kind: 'secret', secretFile: reader.secretFile },
    caBundlePath: files.caFile,
  };
  lines.push(
    '',
    'Trust the CA: profiles take it as caBundlePath, for example:',
    `  ${JSON.stringify(profile)}`,
    'Other Node tools can trust it with:',
    `  NODE_EXTRA_CA_CERTS=${files.caFile}`,
    'Secrets and keys are new at every start; the files are readable by you only (0600).',
  );
  return lines.join('\n');
}

/** The fault plan the standalone runner's options ask for. */
export function faultsFromArgs(args: Args): FaultPlan {
  return {
    ...(args.tokenLifetime !== undefined ? { tokenLifetimeSeconds: args.tokenLifetime } : {}),
    ...(args.latencyMs !== undefined ? { latencyMs: args.latencyMs } : {}),
    ...(args.throttleEvery !== undefined ? { throttle: { everyNth: args.throttleEvery, status: args.throttleStatus, retryAfterSeconds: args.retryAfter } } : {}),
    ...(args.resetEvery !== undefined ? { resetEveryNth: args.resetEvery } : {}),
    ...(args.truncateEvery !== undefined ? { truncateEveryNth: args.truncateEvery } : {}),
    ...(args.invalidJsonEvery !== undefined ? { invalidJsonEveryNth: args.invalidJsonEvery } : {}),
    ...(args.expireTokenAfter !== undefined ? { expireTokenAfterUses: args.expireTokenAfter } : {}),
    ...(args.downloadFail !== undefined ? { downloadFail: { status: args.downloadFail } } : {}),
    ...(args.malformedReportRow !== undefined ? { malformedReportRow: { row: args.malformedReportRow } } : {}),
  };
}

export function parseArgs(argv: readonly string[]): Args {
  const program = new Command()
    .name('demo-tenant')
    .description('Run the simulated Entra ID + Microsoft Graph tenant on 127.0.0.1 over HTTPS.')
    .option('--users <n>', 'number of synthetic users', '500')
    .option('--seed <seed>', 'seed for deterministic data and ids', 'demo')
    .option('--dir <path>', 'folder for the CA and app credential files', join('.data', 'demo-tenant'))
    .option('--port-file <path>', 'write the URLs, ids and file paths (no secrets) as JSON here')
    .option('--no-p1', 'tenant without Entra ID P1 (signInActivity answers 403)')
    .option('--conceal-names', 'report privacy setting: concealed names on', false)
    .option('--token-lifetime <seconds>', 'access token lifetime in seconds')
    .option('--latency-ms <ms>', 'added delay before every Graph response')
    .option('--throttle-every <n>', 'fault: every Nth Graph request is throttled')
    .option('--throttle-status <code>', 'fault: 429, 503 or 504 for throttled requests', '429')
    .option('--retry-after <seconds>', 'fault: Retry-After sent with throttled requests (fractional seconds allowed, e.g. 2.128)', '1')
    .option('--reset-every <n>', 'fault: every Nth Graph request has its connection reset')
    .option('--truncate-every <n>', 'fault: every Nth Graph JSON response is cut off halfway')
    .option('--invalid-json-every <n>', 'fault: every Nth Graph JSON response has a body that is not valid JSON')
    .option('--expire-token-after <n>', 'fault: an access token is refused as expired (401) after this many Graph requests')
    .option('--download-fail <code>', 'fault: report downloads answer 403 or 404 after the redirect')
    .option('--malformed-report-row <n>', 'fault: report CSVs carry a malformed line after data row n')
    .option('--device-code-interval <seconds>', 'polling interval the device code endpoint announces (Entra ID: 5)', '5')
    .exitOverride();
  program.parse([...argv]);
  const parsed = argsSchema.safeParse(program.opts());
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'bad value'}`);
  }
  return parsed.data;
}

export async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv);
  const tenant = await startDemoTenant({
    users: args.users,
    seed: args.seed,
    p1: args.p1,
    concealNames: args.concealNames,
    faults: faultsFromArgs(args),
    deviceCodeIntervalSeconds: args.deviceCodeInterval,
  });
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nStopping the demo tenant...\n');
    void (async () => {
      await tenant.close();
      if (args.portFile) await rm(resolve(args.portFile), { force: true });
      process.exit(0);
    })();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const files = await writeTenantFiles(tenant, args.dir);
  if (args.portFile) {
    const info = {
      loginUrl: tenant.loginUrl,
      graphUrl: tenant.graphUrl,
      downloadUrl: tenant.downloadUrl,
      foreignUrl: tenant.foreignUrl,
      tenantId: tenant.tenantId,
      domain: tenant.domain,
      caFile: files.caFile,
      apps: files.apps,
      publicApps: files.publicApps,
      users: files.users,
    };
    await writeFile(resolve(args.portFile), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o644 });
  }
  process.stdout.write(`${describeTenant(tenant, files)}\n`);
}

const entry = process.argv[1];
if (entry && import.meta.url === pathToFileURL(resolve(entry)).href) {
  main(process.argv).catch((e: unknown) => {
    const code = (e as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') process.exit(0);
    process.stderr.write(`demo-tenant: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  });
}
