/**
 * Registration scripts per cloud and shell. Cloud names: Connect-MgGraph -Environment
 * (Global, USGov, USGovDoD, China; learn.microsoft.com/graph/deployments) and az cloud
 * (AzureCloud, AzureUSGovernment, AzureChinaCloud). The snapshots pin the whole text;
 * the assertions below say what matters in each.
 */
import { describe, expect, it } from 'vitest';
import { registrationScript } from '../../../src-main/core/consent/scripts';
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

const APP_ROLE_IDS = applicationResourceAccess().map((a) => a.id);
const SCOPE_IDS = delegatedResourceAccess().map((a) => a.id);

describe.each(CLOUDS)('%s', (cloud, mgEnvironment, azCloud, graph) => {
  it('powershell, certificate profile', () => {
    const s = registrationScript(profile(cloud), { shell: 'powershell' });
    expect(s.fileName).toBe('register-contoso.ps1');
    expect(s.content).toContain(`Connect-MgGraph -Environment '${mgEnvironment}' -TenantId $TenantId`);
    expect(s.content).toContain("-SignInAudience 'AzureADMyOrg'");
    for (const id of APP_ROLE_IDS) expect(s.content).toContain(`@{ Id = '${id}'; Type = 'Role' }`);
    expect(s.content).not.toContain("Type = 'Scope'");
    expect(s.content).toContain('New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -PrincipalId $sp.Id -ResourceId $graphSp.Id');
    expect(s.content).toContain("[System.Security.Cryptography.X509Certificates.X509Certificate2]::new('/srv/m365/reconciler.pem')");
    expect(s.content).toContain("Update-MgApplication -ApplicationId $app.Id -KeyCredentials @(@{ Type = 'AsymmetricX509Cert'; Usage = 'Verify'");
    expect(s.content).toMatch(/Privileged Role Administrator\n# {1,3}or Global Administrator/);
    expect(s.content).toContain('CANNOT grant Microsoft Graph');
    expect(s.content).toMatchSnapshot();
  });

  it('azcli, certificate profile', () => {
    const s = registrationScript(profile(cloud), { shell: 'azcli' });
    expect(s.fileName).toBe('register-contoso.sh');
    expect(s.content).toContain(`az cloud set --name ${azCloud}\n`);
    expect(s.content).toContain(`GRAPH='${graph}'`);
    expect(s.content).toContain('"signInAudience": "AzureADMyOrg"');
    for (const id of APP_ROLE_IDS) expect(s.content).toContain(`{ "id": "${id}", "type": "Role" }`);
    expect(s.content).toContain(`for ROLE_ID in ${APP_ROLE_IDS.join(' ')}; do`);
    expect(s.content).toContain('graph POST "/servicePrincipals/$SP_ID/appRoleAssignments"');
    if (cloud === 'dod') {
      // az's AzureUSGovernment cloud talks to graph.microsoft.us; DoD needs dod-graph, so the key goes through az rest.
      expect(s.content).toContain('graph PATCH "/applications/$APP_OBJECT_ID"');
      expect(s.content).not.toContain('az ad app credential reset');
    } else {
      expect(s.content).toContain('az ad app credential reset --id "$APP_ID" --cert "@$CERT_FILE" --append');
    }
    expect(s.content).toMatchSnapshot();
  });

  it('delegated profile: public client with http://localhost and Scope entries, no app roles', () => {
    for (const shell of ['powershell', 'azcli'] as const) {
      const s = registrationScript(profile(cloud, { kind: 'delegated', flow: 'interactive' }), { shell });
      for (const id of SCOPE_IDS) expect(s.content).toContain(id);
      for (const id of APP_ROLE_IDS) expect(s.content).not.toContain(id);
      expect(s.content).toMatch(/http:\/\/localhost/);
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

  it('--certificate overrides the profile and is quoted for each shell', () => {
    const path = "/tmp/it's here/cert.pem";
    expect(registrationScript(profile('global'), { shell: 'powershell', certificatePath: path }).content).toContain("::new('/tmp/it''s here/cert.pem')");
    expect(registrationScript(profile('global'), { shell: 'azcli', certificatePath: path }).content).toContain("CERT_FILE='/tmp/it'\\''s here/cert.pem'");
  });

  it('custom endpoints register an environment first', () => {
    const p: Profile = { ...profile('custom'), customEndpoints: { loginUrl: 'https://127.0.0.1:4443', graphUrl: 'https://127.0.0.1:4444' } };
    expect(registrationScript(p, { shell: 'powershell' }).content).toContain(
      "Add-MgEnvironment -Name 'M365ReconcilerCustom' -AzureADEndpoint 'https://127.0.0.1:4443' -GraphEndpoint 'https://127.0.0.1:4444'",
    );
    expect(registrationScript(p, { shell: 'azcli' }).content).toContain("GRAPH='https://127.0.0.1:4444'");
  });

  it.each([
    ['certificate path with a newline', { certificatePath: '/tmp/a\n$(rm -rf ~)' }],
    ['display name with a quote', { displayName: 'x"; rm -rf ~; "' }],
    ['display name with $()', { displayName: '$(id)' }],
  ])('refuses %s', (_n, extra) => {
    expect(() => registrationScript(profile('global'), { shell: 'azcli', ...extra })).toThrow(OperatorError);
  });

  it('refuses a certificate for a delegated profile', () => {
    expect(() => registrationScript(profile('global', { kind: 'delegated', flow: 'interactive' }), { shell: 'azcli', certificatePath: '/tmp/c.pem' })).toThrow(/public client/);
  });
});
