/**
 * The generated Azure CLI registration script, run UNCHANGED but for its sign-in line by the
 * real Azure CLI (Debian's azure-cli, installed by .ci/run) against the standalone demo tenant
 * (`npm run demo-tenant`), which plays Entra ID and Microsoft Graph for the administrator:
 *
 * 1. as an Application Administrator: the app registration, its service principal and the
 *    certificate are created, and the consent step is refused with the script's message
 *    (Graph answers 403 Authorization_RequestDenied: "Grant tenant-wide admin consent",
 *    learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent);
 * 2. as a Privileged Role Administrator: the same script reuses all of it and grants the six
 *    Microsoft Graph app roles (learn.microsoft.com/graph/api/serviceprincipal-post-approleassignments);
 * 3. again: nothing is created or granted twice;
 * 4. the product's `verify` with the new app's certificate: every feature enabled, no excess
 *    privilege; then `sync`.
 *
 * Sign-in is `az login --use-device-code` (a flow the Azure CLI offers), with the device code
 * pages driven by this test. The only help the client gets is a test-only sitecustomize
 * (fixtures/az-sitecustomize) that turns off MSAL's instance discovery, which would call
 * login.microsoftonline.com; it is documented there. The demo CA is trusted through
 * REQUESTS_CA_BUNDLE, a copy of the system bundle with the demo tenant's ca.pem appended.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { generateCertificate } from '../../src-main/core/certs/generate';
import { CONSENT_REFUSED_MESSAGE } from '../../src-main/core/consent/scripts';
import { requiredApplicationPermissions } from '../../src-main/core/permissions/matrix';
import { DATASET_IDS } from '../../src-main/shared/datasets';
import { cli, tempDir } from '../helpers/cli';
import { caFetch, type CaFetch } from '../helpers/demo-fetch';
import { signInWithDeviceCode, type PageFetch } from '../helpers/sign-in-pages';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
// tsx's command line (its package exports "./cli"), as `npm run demo-tenant` runs it.
const TSX_CLI = createRequire(import.meta.url).resolve('tsx/cli');
const SITECUSTOMIZE = fileURLToPath(new URL('./fixtures/az-sitecustomize', import.meta.url));
const SIGN_IN_LINE = 'az login --tenant "$TENANT_ID" --allow-no-subscriptions --only-show-errors >/dev/null';
// The one line the test changes: the device code flow instead of a browser on this machine.
const DEVICE_CODE_LINE = 'az login --use-device-code --tenant "$TENANT_ID" --allow-no-subscriptions --only-show-errors >/dev/null';

/** What the standalone runner writes to --port-file (src-main/cli/demo-tenant.ts). */
const PortFileSchema = z.object({
  loginUrl: z.url(),
  graphUrl: z.url(),
  tenantId: z.string(),
  caFile: z.string(),
  users: z.record(z.string(), z.object({ upn: z.string(), passwordFile: z.string() })),
});

interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir = '';
let tenantProcess: ChildProcess | undefined;
let info: z.infer<typeof PortFileSchema>;
let web: CaFetch;
let azEnv: NodeJS.ProcessEnv;
let adminConfigDir = '';
const transcript: string[] = [];

function requireAzureCli(): string {
  const r = spawnSync('az', ['version', '--output', 'tsv', '--query', '"azure-cli"'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error('The Azure CLI (`az`) is required by this test and was not found. Install Debian\'s azure-cli (apt-get install -y azure-cli), as .ci/run does.');
  }
  return r.stdout.trim();
}

async function waitForFile(path: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!existsSync(path)) {
    if (Date.now() > end) throw new Error(`the standalone demo tenant did not write ${path} within ${ms} ms`);
    if (tenantProcess?.exitCode !== null && tenantProcess?.exitCode !== undefined) throw new Error(`the standalone demo tenant exited with ${tenantProcess.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the script with bash; signs in as `user` on the device code pages when az shows the code. */
function runScript(script: string, user: string, label: string): Promise<ScriptRun> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [script], { env: azEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signIn: Promise<unknown> | undefined;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      const m = /open the page (\S+) and enter the code (\S+) to authenticate/.exec(stderr);
      if (m && !signIn) {
        const u = info.users[user];
        if (!u) return reject(new Error(`no demo user ${user}`));
        signIn = signInWithDeviceCode(web.fetch as unknown as PageFetch, m[1] ?? '', m[2] ?? '', { username: u.upn, password: readFileSync(u.passwordFile, 'utf8') });
        signIn.catch(reject);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      transcript.push(`===== ${label}: bash register-lab.sh (exit ${String(code)}, ${((Date.now() - started) / 1000).toFixed(1)} s) =====`, '--- stdout ---', stdout.trimEnd(), '--- stderr ---', stderr.trimEnd());
      resolvePromise({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  const version = requireAzureCli();
  transcript.push(`Azure CLI ${version}`);
  dir = tempDir('m365lr-az-');
  const portFile = join(dir, 'tenant.json');
  tenantProcess = spawn(process.execPath, [TSX_CLI, join(ROOT, 'src-main/cli/demo-tenant.ts'), '--users', '60', '--seed', 'az-e2e', '--dir', join(dir, 'tenant'), '--port-file', portFile, '--device-code-interval', '1'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitForFile(portFile, 60_000);
  info = PortFileSchema.parse(JSON.parse(readFileSync(portFile, 'utf8')));
  const caPem = readFileSync(info.caFile, 'utf8');
  web = caFetch(caPem);

  // The CA bundle az trusts: the system's, with the demo CA appended (ca.pem ends with a newline).
  expect(caPem.endsWith('\n')).toBe(true);
  const system = ['/etc/ssl/certs/ca-certificates.crt'].filter(existsSync).map((f) => readFileSync(f, 'utf8'));
  const bundle = join(dir, 'ca-bundle.pem');
  writeFileSync(bundle, [...system, caPem].join(''));
  adminConfigDir = join(dir, 'admin-azure-config');
  mkdirSync(adminConfigDir);
  azEnv = {
    PATH: process.env['PATH'],
    HOME: join(dir, 'home'),
    // The administrator's own Azure CLI folder: the script must leave it alone.
    AZURE_CONFIG_DIR: adminConfigDir,
    AZURE_CORE_COLLECT_TELEMETRY: 'false',
    REQUESTS_CA_BUNDLE: bundle,
    PYTHONPATH: SITECUSTOMIZE,
    // No __pycache__ next to the sitecustomize in the source tree.
    PYTHONDONTWRITEBYTECODE: '1',
  };
  mkdirSync(join(dir, 'home'));
}, 90_000);

afterAll(async () => {
  tenantProcess?.kill('SIGTERM');
  await web?.close();
  // The closing note of the registration issue quotes this transcript.
  if (transcript.length > 0) process.stdout.write(`${transcript.join('\n')}\n`);
});

describe('the Azure CLI registration script against the demo tenant', () => {
  it('Application Administrator, then Privileged Role Administrator, then a re-run; verify and sync with the new app', async () => {
    const data = join(dir, 'data');
    const env = { M365LR_DATA_DIR: data };
    const cert = await generateCertificate({ commonName: 'M365 Licence Reconciler az e2e', days: 365 });
    const certFile = join(dir, 'reconciler.pem');
    const keyFile = join(dir, 'reconciler.key');
    writeFileSync(certFile, cert.certificatePem);
    writeFileSync(keyFile, cert.privateKeyPem, { mode: 0o600 });
    const profileArgs = (clientId: string): string[] => [
      'profile', 'add', '--name', 'lab', '--tenant', info.tenantId, '--client-id', clientId, '--cloud', 'custom',
      '--login-url', info.loginUrl, '--graph-url', info.graphUrl, '--certificate', certFile, '--private-key', keyFile, '--ca-bundle', info.caFile,
    ];
    // Before the app exists, the profile names a placeholder client id (the script finds the app by name).
    expect((await cli(profileArgs('00000000-0000-4000-8000-000000000000'), env)).code).toBe(0);
    const scriptFile = join(dir, 'register-lab.sh');
    const generated = await cli(['consent', 'script', '--profile', 'lab', '--shell', 'azcli', '--out', scriptFile], env);
    expect(generated.stderr).not.toMatch(/error/i);
    expect(generated.code).toBe(0);
    const original = readFileSync(scriptFile, 'utf8');
    expect(original.split(SIGN_IN_LINE)).toHaveLength(2);
    const runnable = join(dir, 'register-lab-device-code.sh');
    writeFileSync(runnable, original.replace(SIGN_IN_LINE, DEVICE_CODE_LINE));
    // Unchanged but for that line.
    expect(readFileSync(runnable, 'utf8').split('\n').filter((l, i) => l !== original.split('\n')[i])).toEqual([DEVICE_CODE_LINE]);

    // 1. Application Administrator: steps 1-3 done, the consent refused with the script's message.
    const appAdmin = await runScript(runnable, 'app-admin', 'Application Administrator');
    expect(appAdmin.code).toBe(3);
    const appId = /Created app registration ([0-9a-f-]{36})\./.exec(appAdmin.stdout)?.[1];
    expect(appId).toBeDefined();
    expect(appAdmin.stdout).toMatch(/Created service principal [0-9a-f-]{36}\./);
    expect(appAdmin.stdout).toContain('Certificate uploaded, thumbprint');
    expect(appAdmin.stdout).toContain('(0 other key(s) kept)');
    // Graph's refusal as az prints it, then the script's message.
    expect(appAdmin.stderr).toMatch(/Forbidden\(.*Authorization_RequestDenied.*Insufficient privileges to complete the operation\./);
    expect(appAdmin.stderr).toContain(CONSENT_REFUSED_MESSAGE);
    expect(appAdmin.stdout).not.toContain('Granted app role');
    expect(appAdmin.stdout).not.toContain('Done.');

    // 2. Privileged Role Administrator: the same script finishes.
    const pra = await runScript(runnable, 'privileged-role-admin', 'Privileged Role Administrator');
    expect(pra.stderr.replace(/To sign in, use a web browser[^\n]*\n/, '')).toBe('');
    expect(pra.code).toBe(0);
    expect(pra.stdout).toContain(`Reusing app registration ${appId}.`);
    expect(pra.stdout).not.toContain('Created');
    expect(pra.stdout).toContain('is already registered.');
    expect(pra.stdout.match(/Granted app role /g)).toHaveLength(requiredApplicationPermissions().length);
    expect(pra.stdout).toContain(`Done. Application (client) ID: ${appId}  Tenant: ${info.tenantId}`);

    // 3. Again: nothing is created or granted twice.
    const again = await runScript(runnable, 'privileged-role-admin', 'Privileged Role Administrator, second run');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain(`Reusing app registration ${appId}.`);
    expect(again.stdout).toContain('is already registered.');
    expect(again.stdout).not.toMatch(/Created|Granted|uploaded/);

    // The administrator's own Azure CLI folder was never touched; the script's own is gone.
    expect(readdirSync(adminConfigDir)).toEqual([]);

    // 4. The product, with the new app's certificate: every feature enabled, no excess privilege.
    expect((await cli(profileArgs(appId ?? ''), env)).code).toBe(0);
    const verify = await cli(['verify', '--profile', 'lab'], env);
    transcript.push('===== m365-reconciler verify --profile lab =====', verify.stdout.trimEnd(), verify.stderr.trimEnd());
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
    const rows = verify.stdout.split('\n').filter((l) => / (enabled|missing) /.test(l));
    expect(rows).toHaveLength(DATASET_IDS.length);
    for (const row of rows) expect(row).toMatch(/ enabled +ok \(HTTP (200|302)\)$/);
    expect(verify.stdout).toContain('Excess privilege:\n  none: the token carries no permission beyond what the reconciler needs.');
    expect(verify.stdout).not.toContain('WARNING');
    expect(verify.stdout).toMatch(/Credential: ok/);
    const sync = await cli(['sync', '--profile', 'lab'], env);
    transcript.push('===== m365-reconciler sync --profile lab =====', sync.stdout.trimEnd(), sync.stderr.trimEnd());
    expect(sync.stderr).not.toMatch(/error/i);
    expect(sync.code).toBe(0);
    // Three script runs with about 45 Azure CLI calls in all: well under three minutes on an idle machine;
    // the timeout leaves room for a loaded CI runner.
  }, 300_000);
});
