/**
 * Registration scripts per cloud and shell. Cloud names: Connect-MgGraph -Environment
 * (Global, USGov, USGovDoD, China; learn.microsoft.com/graph/deployments) and az cloud
 * (AzureCloud, AzureUSGovernment, AzureChinaCloud). The snapshots pin the whole text;
 * the assertions below say what matters in each.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { embeddedCertificate, registrationScript } from '../../../src-main/core/consent/scripts';
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
    expect(s.content).toContain("if (-not $sp) { $sp = New-MgServicePrincipal -AppId $app.AppId }");
    expect(s.content).toContain('if ($granted -contains $access.Id) { continue }');
    expect(s.content).toContain("Update-MgApplication -ApplicationId $app.Id -KeyCredentials @(@{ Type = 'AsymmetricX509Cert'; Usage = 'Verify'");
    expect(s.content).toMatch(/Privileged Role Administrator\n# {1,3}or Global Administrator/);
    expect(s.content).toContain('CANNOT grant Microsoft Graph');
    expect(s.content).toMatchSnapshot();
  });

  it('azcli, certificate profile', () => {
    const s = registrationScript(profile(cloud), { shell: 'azcli', certificate: CERT_PEM });
    expect(s.fileName).toBe('register-contoso.sh');
    expect(s.content).toContain(`az cloud set --name ${azCloud}\n`);
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
    if (cloud === 'dod') {
      // az's AzureUSGovernment cloud talks to graph.microsoft.us; DoD needs dod-graph, so the key goes through az rest.
      expect(s.content).toContain('graph PATCH "/applications/$APP_OBJECT_ID"');
      expect(s.content).not.toContain('az ad app credential reset');
    } else {
      expect(s.content).toContain('az ad app credential reset --id "$APP_ID" --cert "@$CERT_FILE" --append');
      expect(s.content).toContain('fold -w 64');
    }
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

  it('custom endpoints register an environment first', () => {
    const p: Profile = { ...profile('custom'), customEndpoints: { loginUrl: 'https://127.0.0.1:4443', graphUrl: 'https://127.0.0.1:4444' } };
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
