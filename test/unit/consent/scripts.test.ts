/**
 * Registration scripts per cloud and shell. Cloud names: Connect-MgGraph -Environment
 * (Global, USGov, USGovDoD, China; learn.microsoft.com/graph/deployments) and az cloud
 * (AzureCloud, AzureUSGovernment, AzureChinaCloud). The snapshots pin the whole text;
 * the assertions below say what matters in each.
 */
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONSENT_REFUSED_MESSAGE, REPLICATION_ATTEMPTS, REPLICATION_ERRORS, embeddedCertificate, registrationScript } from '../../../src-main/core/consent/scripts';
import { DEFAULT_CONSENT_REDIRECT_URI } from '../../../src-main/core/consent/urls';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { applicationResourceAccess, delegatedResourceAccess } from '../../../src-main/core/permissions/graph-ids';
import type { Profile } from '../../../src-main/core/profile/schema';

const CLOUDS = [
  ['global', 'Global', 'AzureCloud', 'https://graph.microsoft.com'],
  ['gcch', 'USGov', 'AzureUSGovernment', 'https://graph.microsoft.us'],
  ['dod', 'USGovDoD', 'AzureUSGovernment', 'https://dod-graph.microsoft.us'],
  ['china', 'China', 'AzureChinaCloud', 'https://microsoftgraph.chinacloudapi.cn'],
] as const;

function profile(cloud: Profile['cloud'], credential: Profile['credential'] = { kind: 'certificate', certificatePath: '/srv/m365/reconciler.pem', privateKeyInStore: true }): Profile {
  return { name: 'contoso', tenantId: 'b1c2d3e4-0000-4000-8000-000000000001', clientId: '11111111-2222-4333-8444-555555555555', cloud, credential };
}

/** A fixed public certificate (its key was discarded), so the snapshots stay stable. */
const CERT_PEM = readFileSync(new URL('./fixtures/public-cert.pem', import.meta.url), 'utf8');
const CERT_B64 = new X509Certificate(CERT_PEM).raw.toString('base64');

const APP_ROLE_IDS = applicationResourceAccess().map((a) => a.id);
const SCOPE_IDS = delegatedResourceAccess().map((a) => a.id);

describe.each(CLOUDS)('%s', (cloud, mgEnvironment, azCloud, graph) => {
  it('powershell, certificate profile', () => {
    const s = registrationScript(profile(cloud), { shell: 'powershell', certificate: CERT_PEM });
    expect(s.fileName).toBe('register-contoso.ps1');
    expect(s.content).toContain(`Connect-MgGraph -Environment '${mgEnvironment}' -TenantId $TenantId`);
    expect(s.content).toContain("-SignInAudience 'AzureADMyOrg'");
    for (const id of APP_ROLE_IDS) expect(s.content).toContain(`@{ Id = '${id}'; Type = 'Role' }`);
    expect(s.content).not.toContain("Type = 'Scope'");
    expect(s.content).toContain('New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -PrincipalId $sp.Id -ResourceId $graphSp.Id');
    // The public certificate travels inside the script (no local path), and a re-run does not upload it twice.
    expect(s.content).toContain(`$CertBase64 = '${CERT_B64}'`);
    expect(s.content).not.toContain('/srv/m365');
    expect(s.content).toContain('[Convert]::ToBase64String($_.Key) -eq $CertBase64');
    // The admin-consent URL's redirect URI is registered as a web redirect URI.
    expect(s.content).toContain(`$RedirectUri = '${DEFAULT_CONSENT_REDIRECT_URI}'`);
    expect(s.content).toContain('$appSettings = @{ Web = @{ RedirectUris = @($RedirectUri) }');
    // Re-runnable: found by display name (or $AppId), created only when absent.
    expect(s.content).toContain("$AppId = ''");
    expect(s.content).toContain(`Get-MgApplication -Filter "displayName eq '$AppName'" -All`);
    expect(s.content).toContain("$app = New-MgApplication -DisplayName $AppName -SignInAudience 'AzureADMyOrg' @appSettings");
    // An existing app is reused unchanged (no write needed by the Privileged Role Administrator), with a warning if the redirect URI is missing.
    expect(s.content).not.toContain('@appSettings\n    Write-Output "Reusing');
    expect(s.content).toContain('if ($app.Web.RedirectUris -notcontains $RedirectUri)');
    expect(s.content).toContain("if (-not $sp) { $sp = Invoke-AfterReplication 'the new app registration' { New-MgServicePrincipal -AppId $app.AppId } }");
    expect(s.content).toContain('if ($granted -contains $access.Id) { continue }');
    expect(s.content).toContain("@(@{ Type = 'AsymmetricX509Cert'; Usage = 'Verify'; Key = $certBytes");
    expect(s.content).toMatch(/Privileged Role Administrator\n# {1,3}or Global Administrator/);
    expect(s.content).toContain('CANNOT grant Microsoft Graph');
    expect(s.content).toMatchSnapshot();
  });

  it('azcli, certificate profile', () => {
    const s = registrationScript(profile(cloud), { shell: 'azcli', certificate: CERT_PEM });
    expect(s.fileName).toBe('register-contoso.sh');
    expect(s.content).toContain(`az cloud set --name ${azCloud} --only-show-errors >/dev/null\n`);
    expect(s.content).toContain(`GRAPH='${graph}'`);
    expect(s.content).toContain('"signInAudience": "AzureADMyOrg"');
    expect(s.content).toContain(`REDIRECT_URI='${DEFAULT_CONSENT_REDIRECT_URI}'`);
    expect(s.content).toContain('"web": { "redirectUris": ["$REDIRECT_URI"] },');
    expect(s.content).toContain(`CERT_B64='${CERT_B64}'`);
    expect(s.content).not.toContain('/srv/m365');
    expect(s.content).toContain("APP_ID=''");
    expect(s.content).toContain(`--url-parameters "\\$filter=displayName eq '$APP_NAME'"`);
    expect(s.content).toContain('case "$GRANTED" in *"$ROLE_ID"*) continue ;; esac');
    expect(s.content).toContain(`contains(to_array(web.redirectUris), '$REDIRECT_URI')`);
    expect(s.content).not.toMatch(/graph PATCH "\/applications\/\$APP_OBJECT_ID" --body "@\$BODY" >\/dev\/null\n {2}echo "Reusing/);
    for (const id of APP_ROLE_IDS) expect(s.content).toContain(`{ "id": "${id}", "type": "Role" }`);
    expect(s.content).toContain(`for ROLE_ID in ${APP_ROLE_IDS.join(' ')}; do`);
    expect(s.content).toContain('graph POST "/servicePrincipals/$SP_ID/appRoleAssignments"');
    // One upload path for every cloud: az rest against the profile's Graph host, appending the key.
    expect(s.content).toContain('graph PATCH "/applications/$APP_OBJECT_ID"');
    expect(s.content).not.toMatch(/^\s*az ad app credential reset/m);
    expect(s.content).toMatchSnapshot();
  });

  it('delegated profile: public client with http://localhost and Scope entries, no app roles', () => {
    for (const shell of ['powershell', 'azcli'] as const) {
      const s = registrationScript(profile(cloud, { kind: 'delegated', flow: 'interactive' }), { shell });
      for (const id of SCOPE_IDS) expect(s.content).toContain(id);
      for (const id of APP_ROLE_IDS) expect(s.content).not.toContain(id);
      expect(s.content).toMatch(/http:\/\/localhost/);
      expect(s.content).not.toMatch(/"web"|Web = /);
      expect(s.content).toMatch(/AllPrincipals/);
      expect(s.content).not.toMatch(/Role'|"Role"/);
      expect(s.content).toMatchSnapshot();
    }
  });
});

describe('script generation', () => {
  it('is deterministic (no timestamps or random values)', () => {
    for (const shell of ['powershell', 'azcli'] as const) {
      expect(registrationScript(profile('global'), { shell }).content).toBe(registrationScript(profile('global'), { shell }).content);
    }
  });

  it('never requests Directory.Read.All or a write permission', () => {
    for (const shell of ['powershell', 'azcli'] as const) {
      const s = registrationScript(profile('global'), { shell }).content;
      expect(s).not.toContain('7ab1d382-f21e-4acd-a863-ba3e13f7da61'); // Directory.Read.All
      expect(s).not.toContain('19dbc75e-c2e2-444c-a770-ec69d8559fc7'); // Directory.ReadWrite.All
    }
  });

  it('secret profile without --certificate: no upload step', () => {
    const s = registrationScript(profile('global', { kind: 'secret', secretEnv: 'M365_SECRET' }), { shell: 'powershell' }).content;
    expect(s).not.toContain('KeyCredentials');
    expect(s).toContain('No certificate given');
  });

  it('certificate profile without a certificate given: no upload step, but still the web redirect URI', () => {
    for (const shell of ['powershell', 'azcli'] as const) {
      const s = registrationScript(profile('global'), { shell }).content;
      expect(s).toContain('No certificate given');
      expect(s).not.toMatch(/CertBase64|CERT_B64/);
      expect(s).toContain(DEFAULT_CONSENT_REDIRECT_URI);
    }
  });

  it('embeds the certificate from PEM or DER alike (thumbprint and expiry in a comment)', () => {
    const der = new X509Certificate(CERT_PEM).raw;
    const fromPem = embeddedCertificate(CERT_PEM);
    expect(embeddedCertificate(der)).toEqual(fromPem);
    expect(fromPem.base64).toBe(CERT_B64);
    expect(fromPem.thumbprint).toBe(new X509Certificate(CERT_PEM).fingerprint.replace(/:/g, ''));
    expect(registrationScript(profile('global'), { shell: 'azcli', certificate: der }).content).toContain(`SHA-1 thumbprint ${fromPem.thumbprint}, valid until ${fromPem.validTo}`);
  });

  it.each([
    ['a private key', `-----BEGIN PRIVATE KEY-----\nMIIEvQ==\n-----END PRIVATE KEY-----\n`, /private key/],
    ['a certificate bundled with its key', `${CERT_PEM}-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n`, /private key/],
    ['garbage', 'not a certificate', /not an X\.509 certificate/],
    ['empty input', '', /not an X\.509 certificate/],
  ])('refuses to embed %s', (_n, input, message) => {
    expect(() => registrationScript(profile('global'), { shell: 'powershell', certificate: input })).toThrow(message);
  });

  it('an existing app id goes into the variable at the top; a bad one is refused', () => {
    const id = 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE';
    expect(registrationScript(profile('global'), { shell: 'powershell', appId: id }).content).toContain(`$AppId = '${id.toLowerCase()}'`);
    expect(registrationScript(profile('global'), { shell: 'azcli', appId: id }).content).toContain(`APP_ID='${id.toLowerCase()}'`);
    for (const bad of ["x'; rm -rf ~; '", '$(id)', '1234']) {
      expect(() => registrationScript(profile('global'), { shell: 'azcli', appId: bad })).toThrow(OperatorError);
    }
  });

  it('the demo profile name is reserved: the next-step commands use a placeholder', () => {
    const demo: Profile = { ...profile('global'), name: 'demo' };
    for (const shell of ['powershell', 'azcli'] as const) {
      const s = registrationScript(demo, { shell }).content;
      expect(s).toContain('profile add --name <profile name>');
      expect(s).not.toContain('--name demo');
    }
  });

  it('custom endpoints register an environment first, replacing an earlier one of that name', () => {
    const p: Profile = { ...profile('custom'), customEndpoints: { loginUrl: 'https://127.0.0.1:4443', graphUrl: 'https://127.0.0.1:4444' } };
    const ps1 = registrationScript(p, { shell: 'powershell' }).content;
    expect(ps1.indexOf("Remove-MgEnvironment -Name 'M365ReconcilerCustom'")).toBeLessThan(ps1.indexOf('Add-MgEnvironment'));
    expect(ps1.indexOf('Add-MgEnvironment')).toBeLessThan(ps1.indexOf('Connect-MgGraph -Environment'));
    expect(registrationScript(p, { shell: 'powershell' }).content).toContain(
      "Add-MgEnvironment -Name 'M365ReconcilerCustom' -AzureADEndpoint 'https://127.0.0.1:4443' -GraphEndpoint 'https://127.0.0.1:4444'",
    );
    expect(registrationScript(p, { shell: 'azcli' }).content).toContain("GRAPH='https://127.0.0.1:4444'");
  });

  it.each([
    ['display name with a quote', { displayName: 'x"; rm -rf ~; "' }],
    ['display name with $()', { displayName: '$(id)' }],
  ])('refuses %s', (_n, extra) => {
    expect(() => registrationScript(profile('global'), { shell: 'azcli', ...extra })).toThrow(OperatorError);
  });

  it('refuses a certificate for a delegated profile', () => {
    expect(() => registrationScript(profile('global', { kind: 'delegated', flow: 'interactive' }), { shell: 'azcli', certificate: CERT_PEM })).toThrow(/public client/);
  });
});

/**
 * The generated bash script run for real by bash, with a stand-in `az` (fixtures/fake-az.mjs) and
 * a `sleep` that only records: each test below pins one defect of the first review. The real
 * Azure CLI runs the same script against the demo tenant in test/e2e/azure-cli.test.ts.
 */
interface Rule {
  match: string;
  stdout?: string;
  stderr?: string;
  status?: number;
  times?: number;
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: { args: string[]; configDir: string | null; files: Record<string, string> }[];
  sleeps: string[];
}

const CUSTOM: Profile = { ...profile('custom'), customEndpoints: { loginUrl: 'https://login.example.test', graphUrl: 'https://graph.example.test' } };

function runScript(p: Profile, rules: Rule[], extraEnv: Record<string, string> = {}): Run {
  const dir = mkdtempSync(join(tmpdir(), 'register-sh-'));
  try {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(fileURLToPath(new URL('./fixtures/fake-az.mjs', import.meta.url)), join(bin, 'az'));
    writeFileSync(join(bin, 'sleep'), `#!/bin/sh\necho "$1" >> "${join(dir, 'sleeps')}"\n`, { mode: 0o755 });
    writeFileSync(join(dir, 'scenario.json'), JSON.stringify(rules));
    const script = join(dir, 'register.sh');
    writeFileSync(script, registrationScript(p, { shell: 'azcli', certificate: CERT_PEM }).content);
    const r = spawnSync('bash', [script], {
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env['PATH'] ?? ''}`, HOME: dir, FAKE_AZ_LOG: join(dir, 'calls.log'), FAKE_AZ_SCENARIO: join(dir, 'scenario.json'), ...extraEnv },
    });
    const read = (f: string): string => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), 'utf8') : '');
    return {
      status: r.status,
      stdout: r.stdout,
      stderr: r.stderr,
      calls: read('calls.log').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Run['calls'][number]),
      sleeps: read('sleeps').split('\n').filter(Boolean),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A tenant where nothing exists yet: every step succeeds. */
function freshTenant(overrides: Rule[] = []): Rule[] {
  return [
    ...overrides,
    { match: '^cloud (register|update|set)' },
    { match: '^login ' },
    { match: 'GET --url \\S+/v1\\.0/applications .*--url-parameters' },
    { match: 'POST --url \\S+/v1\\.0/applications ', stdout: 'obj-1 app-1\n' },
    { match: 'GET --url \\S+/v1\\.0/servicePrincipals .*--url-parameters' },
    { match: 'POST --url \\S+/v1\\.0/servicePrincipals ', stdout: 'sp-1\n' },
    { match: "GET --url \\S+/v1\\.0/servicePrincipals\\(appId='00000003", stdout: 'graph-sp\n' },
    { match: 'GET --url \\S+/applications/obj-1 .*keyCredentials\\[\\]\\.join', stdout: 'kept-key-1 false\nkept-key-2 false\n' },
    { match: 'PATCH --url \\S+/applications/obj-1 ' },
    { match: 'GET --url \\S+/appRoleAssignments', stdout: '' },
    { match: 'POST --url \\S+/appRoleAssignments', stdout: '{}' },
  ];
}

const restCalls = (r: Run, method: string, path: RegExp): Run['calls'] =>
  r.calls.filter((c) => c.args[0] === 'rest' && c.args[c.args.indexOf('--method') + 1] === method && path.test(c.args[c.args.indexOf('--url') + 1] ?? ''));

describe('defects of the first review, run in bash', () => {
  it('a fresh tenant: every step runs once and the script says what it created', () => {
    const r = runScript(CUSTOM, freshTenant());
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Created app registration app-1.');
    expect(r.stdout).toContain('Created service principal sp-1.');
    expect(restCalls(r, 'POST', /appRoleAssignments$/)).toHaveLength(APP_ROLE_IDS.length);
    expect(r.stdout).toContain('Done. Application (client) ID: app-1');
  });

  it('a re-run reuses everything: nothing is created, uploaded or granted twice; a missing redirect URI is reported', () => {
    const r = runScript(
      CUSTOM,
      freshTenant([
        { match: 'GET --url \\S+/v1\\.0/applications .*--url-parameters', stdout: 'app-1\n' },
        { match: "GET --url \\S+/v1\\.0/applications\\(appId='app-1'\\)", stdout: 'obj-1 false\n' },
        { match: 'GET --url \\S+/v1\\.0/servicePrincipals .*--url-parameters', stdout: 'sp-1\n' },
        { match: 'GET --url \\S+/applications/obj-1 .*keyCredentials', stdout: 'key-1 true\n' },
        { match: 'GET --url \\S+/appRoleAssignments', stdout: `${APP_ROLE_IDS.join('\n')}\n` },
      ]),
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Reusing app registration app-1.');
    expect(r.stderr).toContain('Warning: the app does not list http://localhost as a web redirect URI');
    expect(r.calls.filter((c) => c.args[0] === 'rest' && c.args[c.args.indexOf('--method') + 1] !== 'GET')).toEqual([]);
    expect(r.stdout).not.toMatch(/Created|Granted|uploaded/);
  });

  it('1. custom cloud: registered with --cloud-config holding every endpoint az requires, updated when it exists', () => {
    const fresh = runScript(CUSTOM, freshTenant());
    const register = fresh.calls.find((c) => c.args[0] === 'cloud' && c.args[1] === 'register');
    expect(register?.args).toEqual(expect.arrayContaining(['--name', 'M365ReconcilerCustom', '--cloud-config']));
    const file = register?.args[register.args.indexOf('--cloud-config') + 1] ?? '';
    const config = JSON.parse(register?.files[file] ?? '{}') as { endpoints: Record<string, string> };
    // az cloud register refuses a cloud without these four (azure-cli's _build_cloud).
    expect(config.endpoints).toEqual({
      activeDirectory: 'https://login.example.test',
      activeDirectoryResourceId: 'https://graph.example.test/',
      activeDirectoryGraphResourceId: 'https://graph.example.test/',
      microsoftGraphResourceId: 'https://graph.example.test/',
      resourceManager: 'https://graph.example.test/',
    });
    expect(fresh.calls.some((c) => c.args[1] === 'update')).toBe(false);
    const names = fresh.calls.map((c) => c.args.slice(0, 2).join(' '));
    expect(names.indexOf('cloud set')).toBeGreaterThan(names.indexOf('cloud register'));
    expect(names.indexOf('login --tenant')).toBeGreaterThan(names.indexOf('cloud set'));

    const again = runScript(CUSTOM, freshTenant([{ match: '^cloud register', status: 1, stderr: "ERROR: The cloud 'M365ReconcilerCustom' is already registered.\n" }]));
    expect(again.status).toBe(0);
    const update = again.calls.find((c) => c.args[0] === 'cloud' && c.args[1] === 'update');
    expect(update?.args).toEqual(expect.arrayContaining(['--name', 'M365ReconcilerCustom', '--cloud-config']));
    expect(JSON.parse(Object.values(update?.files ?? {})[0] ?? '{}')).toEqual(config);
    // A refused registration is no longer hidden: the script stops there.
    const refused = runScript(CUSTOM, freshTenant([{ match: '^cloud register', status: 1, stderr: 'ERROR: The following endpoints are required' }]));
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('FAILED: Registering the custom cloud with the Azure CLI.');
    expect(refused.calls.some((c) => c.args[0] === 'login')).toBe(false);
  });

  it('2. waits for replication with bounded backoff and says what it waits for; other errors are not retried', () => {
    const replicating = 'Bad Request({"error":{"code":"Request_BadRequest","message":"The appId \'app-1\' of the service principal does not reference a valid application object."}})\n';
    const r = runScript(CUSTOM, freshTenant([{ match: 'POST --url \\S+/v1\\.0/servicePrincipals ', status: 1, stderr: replicating, times: 2 }]));
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('Waiting 2s for Microsoft Graph to replicate the new app registration (attempt 1 of 6)...');
    expect(r.stderr).toContain('Waiting 4s for Microsoft Graph to replicate the new app registration (attempt 2 of 6)...');
    expect(r.sleeps).toEqual(['2', '4']);
    expect(restCalls(r, 'POST', /servicePrincipals$/)).toHaveLength(3);

    const never = runScript(CUSTOM, freshTenant([{ match: 'POST --url \\S+/appRoleAssignments', status: 1, stderr: 'Bad Request(Not a valid reference update.)\n' }]));
    expect(never.status).not.toBe(0);
    expect(never.sleeps).toEqual(['2', '4', '8', '16', '32']);
    expect(restCalls(never, 'POST', /appRoleAssignments$/)).toHaveLength(6);
    expect(never.stderr).toContain('replicate the new service principal (attempt 5 of 6)');
    expect(never.stderr).toContain('FAILED: Step 4: admin consent.');

    const denied = 'Forbidden({"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}})\n';
    const refused = runScript(CUSTOM, freshTenant([{ match: 'POST --url \\S+/appRoleAssignments', status: 1, stderr: denied }]));
    expect(refused.status).toBe(3);
    expect(refused.sleeps).toEqual([]);
    expect(restCalls(refused, 'POST', /appRoleAssignments$/)).toHaveLength(1);
    // Graph's own answer first, then what to do.
    expect(refused.stderr).toBe(`${denied}${CONSENT_REFUSED_MESSAGE}\n`);
    expect(refused.stdout).not.toContain('Done.');
  });

  it('2. PowerShell retries the same replication messages, bounded, naming what it waits for', () => {
    const s = registrationScript(profile('global'), { shell: 'powershell', certificate: CERT_PEM }).content;
    expect(s).toContain(`$ReplicationErrors = '${REPLICATION_ERRORS.join('|')}'`);
    expect(s).toContain(`if ($attempt -ge ${REPLICATION_ATTEMPTS} -or "$($_.Exception.Message)" -notmatch $ReplicationErrors) { throw }`);
    expect(s).toContain('Write-Host "Waiting $delay s for Microsoft Graph to replicate $WaitingFor (attempt $attempt of 6)..."');
    expect(s).toContain("$sp = Invoke-AfterReplication 'the new app registration' { New-MgServicePrincipal -AppId $app.AppId }");
    expect(s).toContain("Invoke-AfterReplication 'the new service principal' { New-MgServicePrincipalAppRoleAssignment");
  });

  /*
   * PowerShell cannot run here; each cmdlet and parameter the script uses is documented on Microsoft Learn:
   * - #Requires -Modules with @{ ModuleName; ModuleVersion } (a minimum): learn.microsoft.com/powershell/module/microsoft.powershell.core/about/about_requires
   * - Connect-MgGraph -Environment -TenantId -Scopes -NoWelcome: learn.microsoft.com/powershell/module/microsoft.graph.authentication/connect-mggraph
   *   (-NoWelcome since SDK 2.4.0: microsoftgraph/msgraph-sdk-powershell pull request 2241)
   * - Add-MgEnvironment -Name -AzureADEndpoint -GraphEndpoint, Get-MgEnvironment, Remove-MgEnvironment -Name:
   *   learn.microsoft.com/powershell/module/microsoft.graph.authentication/add-mgenvironment (and .../get-mgenvironment, .../remove-mgenvironment)
   * - Get-MgApplication -Filter -All -ApplicationId -Property: learn.microsoft.com/powershell/module/microsoft.graph.applications/get-mgapplication
   * - New-MgApplication -DisplayName -SignInAudience -Web -PublicClient -IsFallbackPublicClient -RequiredResourceAccess:
   *   learn.microsoft.com/powershell/module/microsoft.graph.applications/new-mgapplication
   * - Update-MgApplication -ApplicationId -KeyCredentials: learn.microsoft.com/powershell/module/microsoft.graph.applications/update-mgapplication
   *   (keyCredentials: learn.microsoft.com/graph/api/resources/keycredential; key returned only with $select on one object)
   * - Get-MgServicePrincipal -Filter, New-MgServicePrincipal -AppId: learn.microsoft.com/powershell/module/microsoft.graph.applications/get-mgserviceprincipal,
   *   .../new-mgserviceprincipal
   * - Get-MgServicePrincipalAppRoleAssignment -ServicePrincipalId -All,
   *   New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId -PrincipalId -ResourceId -AppRoleId:
   *   learn.microsoft.com/powershell/module/microsoft.graph.applications/new-mgserviceprincipalapproleassignment
   *   (Graph: learn.microsoft.com/graph/api/serviceprincipal-post-approleassignments)
   * - Get-MgOauth2PermissionGrant -Filter, Update-MgOauth2PermissionGrant -OAuth2PermissionGrantId -Scope,
   *   New-MgOauth2PermissionGrant -BodyParameter: learn.microsoft.com/powershell/module/microsoft.graph.identity.signins/new-mgoauth2permissiongrant
   * - Start-Sleep -Seconds, Write-Host, Write-Warning: learn.microsoft.com/powershell/module/microsoft.powershell.utility/start-sleep
   * - [System.Security.Cryptography.X509Certificates.X509Certificate2]::new(byte[]) (.NET Framework 4.5+, so Windows PowerShell 5.1):
   *   learn.microsoft.com/dotnet/api/system.security.cryptography.x509certificates.x509certificate2.-ctor
   */
  it('3 and 4. PowerShell: no #Requires -Version (Windows PowerShell 5.1 runs it); the SDK minimum is pinned', () => {
    for (const p of [profile('global'), profile('global', { kind: 'delegated', flow: 'interactive' })]) {
      const s = registrationScript(p, { shell: 'powershell' }).content;
      expect(s).not.toMatch(/#Requires -Version/i);
      const requires = s.split('\n')[0] ?? '';
      expect(requires).toMatch(/^#Requires -Modules /);
      expect(requires).toContain("@{ ModuleName = 'Microsoft.Graph.Authentication'; ModuleVersion = '2.4.0' }");
      expect(requires).toContain("@{ ModuleName = 'Microsoft.Graph.Applications'; ModuleVersion = '2.4.0' }");
      expect(s).toContain('-NoWelcome');
      // PowerShell 7 syntax that 5.1 lacks stays out: ternary, null-coalescing, pipeline chains.
      expect(s).not.toMatch(/ \?\? | \? .* : |&&|\|\|/);
    }
    expect(registrationScript(profile('global', { kind: 'delegated', flow: 'interactive' }), { shell: 'powershell' }).content.split('\n')[0]).toContain(
      "@{ ModuleName = 'Microsoft.Graph.Identity.SignIns'; ModuleVersion = '2.4.0' }",
    );
  });

  it('5. the certificate is appended: existing keys are sent back by keyId; the same certificate is not uploaded twice', () => {
    const r = runScript(CUSTOM, freshTenant());
    const patch = restCalls(r, 'PATCH', /\/applications\/obj-1$/)[0];
    const body = JSON.parse(Object.values(patch?.files ?? {})[0] ?? '{}') as { keyCredentials: Record<string, string>[] };
    expect(body.keyCredentials).toEqual([
      { keyId: 'kept-key-1' },
      { keyId: 'kept-key-2' },
      { type: 'AsymmetricX509Cert', usage: 'Verify', key: CERT_B64, displayName: 'M365 Licence Reconciler (read-only)' },
    ]);
    expect(r.stdout).toContain('(2 other key(s) kept)');
    const present = runScript(CUSTOM, freshTenant([{ match: 'GET --url \\S+/applications/obj-1 .*keyCredentials', stdout: 'kept-key-1 false\nsame-key true\n' }]));
    expect(present.status).toBe(0);
    expect(restCalls(present, 'PATCH', /applications/)).toHaveLength(0);
    expect(present.stdout).toContain('is already registered.');
    // The check matches the key itself or its thumbprint (customKeyIdentifier).
    const script = registrationScript(CUSTOM, { shell: 'azcli', certificate: CERT_PEM }).content;
    expect(script).toContain("to_string(key=='$CERT_B64' || customKeyIdentifier=='$CERT_THUMBPRINT_B64' || customKeyIdentifier=='$CERT_THUMBPRINT')");

    const ps1 = registrationScript(profile('global'), { shell: 'powershell', certificate: CERT_PEM }).content;
    expect(ps1).toContain('$newKeys = @($keys | ForEach-Object { @{ KeyId = $_.KeyId } }) + @(@{ Type');
    expect(ps1).toContain('Update-MgApplication -ApplicationId $app.Id -KeyCredentials $newKeys');
    expect(ps1).toContain("([BitConverter]::ToString($_.CustomKeyIdentifier) -replace '-', '') -eq $CertThumbprint");
    expect(ps1).not.toMatch(/-KeyCredentials @\(@\{/);
  });

  it('6. a failed app creation stops the script at that step, with what to do', () => {
    const denied = 'Forbidden({"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}})\n';
    const r = runScript(CUSTOM, freshTenant([{ match: 'POST --url \\S+/v1\\.0/applications ', status: 1, stderr: denied }]));
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toContain('Created app registration');
    expect(r.stderr).toContain('Insufficient privileges to complete the operation.');
    expect(r.stderr).toContain('FAILED: Step 1: creating the app registration. An Application Administrator or Cloud Application Administrator can create it.');
    expect(r.calls.some((c) => c.args.includes('POST') && (c.args.find((a) => a.includes('servicePrincipals')) ?? '') !== '')).toBe(false);

    // An answer without the ids is a failure too, not an empty app id carried on.
    const empty = runScript(CUSTOM, freshTenant([{ match: 'POST --url \\S+/v1\\.0/applications ', stdout: '\n' }]));
    expect(empty.status).not.toBe(0);
    expect(empty.stderr).toContain('FAILED: Step 1: creating the app registration.');
    const login = runScript(CUSTOM, freshTenant([{ match: '^login ', status: 1, stderr: 'ERROR: AADSTS50034' }]));
    expect(login.stderr).toContain('FAILED: Signing in.');
  });

  it('7. az runs in a configuration folder of its own, removed at the end; the caller\'s is untouched', () => {
    const own = mkdtempSync(join(tmpdir(), 'admin-az-'));
    try {
      const r = runScript(CUSTOM, freshTenant(), { AZURE_CONFIG_DIR: own });
      expect(r.status).toBe(0);
      const dirs = new Set(r.calls.map((c) => c.configDir));
      expect(dirs.size).toBe(1);
      const used = [...dirs][0] ?? '';
      expect(used).not.toBe(own);
      expect(used).toMatch(/\/azure$/);
      expect(existsSync(used)).toBe(false);
      expect(readdirSync(own)).toEqual([]);
      for (const cloud of ['global', 'dod'] as const) {
        const s = registrationScript(profile(cloud), { shell: 'azcli' }).content;
        expect(s.indexOf('export AZURE_CONFIG_DIR="$WORK/azure"')).toBeLessThan(s.indexOf('az cloud set'));
      }
    } finally {
      rmSync(own, { recursive: true, force: true });
    }
  });

  it('refuses custom endpoints that would need quoting in a script', () => {
    for (const graphUrl of ["https://graph.example.test/'$(id)'", 'https://graph.example.test/?x=1']) {
      const p: Profile = { ...profile('custom'), customEndpoints: { loginUrl: 'https://login.example.test', graphUrl } };
      expect(() => registrationScript(p, { shell: 'azcli' })).toThrow(OperatorError);
    }
  });
});
