import { cloudEndpoints, type CloudId } from '../clouds/clouds';
import { OperatorError } from '../errors/operator-error';
import { DATASET_IDS, DATASET_PERMISSIONS, requiredApplicationPermissions, requiredDelegatedScopes } from '../permissions/matrix';
import { MICROSOFT_GRAPH_APP_ID, appRoleId, scopeId } from '../permissions/graph-ids';
import type { Profile } from '../profile/schema';
import { DEFAULT_CONSENT_REDIRECT_URI } from './urls';
import { CLOUD_APP_ADMIN, APP_ADMIN, GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN } from './guidance';

/**
 * Registration scripts: create a single-tenant app registration (signInAudience
 * AzureADMyOrg) with exactly the permission matrix's permissions, its service principal,
 * and the admin consent; optionally upload the public certificate.
 *
 * The templates are TypeScript template literals in this module (not files under
 * resources/), so they work unchanged from tsx, the esbuild CLI bundle and the Electron
 * main bundle. Output is deterministic (no dates, no random values): snapshot tests pin it.
 *
 * Two variants:
 * - powershell: Microsoft Graph PowerShell SDK (Connect-MgGraph -Environment <Global|USGov|USGovDoD|China>,
 *   New-MgApplication, New-MgServicePrincipal, New-MgServicePrincipalAppRoleAssignment,
 *   Update-MgApplication -KeyCredentials).
 * - azcli: Azure CLI (az cloud set --name <AzureCloud|AzureUSGovernment|AzureChinaCloud>) with
 *   every Graph call made by `az rest` against the profile's Graph host and `--resource` set to
 *   it, so DoD (AzureUSGovernment sign-in, dod-graph.microsoft.us) works the same way.
 *   The certificate is uploaded with `az ad app credential reset --cert @file --append` where
 *   az's own Graph endpoint is the profile's (global, GCC High, China) and by PATCHing
 *   keyCredentials through `az rest` elsewhere (DoD, custom).
 *
 * National cloud names: learn.microsoft.com/graph/deployments (Connect-MgGraph -Environment)
 * and learn.microsoft.com/cli/azure/manage-clouds-azure-cli (az cloud list).
 */
export type ScriptShell = 'powershell' | 'azcli';

export const DEFAULT_APP_DISPLAY_NAME = 'M365 Licence Reconciler (read-only)';

interface CloudNames {
  mgEnvironment: string;
  azCloud: string;
  /** az's built-in Graph endpoint for this cloud equals the profile's. */
  azGraphMatches: boolean;
}

const CLOUD_NAMES: Record<Exclude<CloudId, 'custom'>, CloudNames> = {
  global: { mgEnvironment: 'Global', azCloud: 'AzureCloud', azGraphMatches: true },
  gcch: { mgEnvironment: 'USGov', azCloud: 'AzureUSGovernment', azGraphMatches: true },
  dod: { mgEnvironment: 'USGovDoD', azCloud: 'AzureUSGovernment', azGraphMatches: false },
  china: { mgEnvironment: 'China', azCloud: 'AzureChinaCloud', azGraphMatches: true },
};

const CUSTOM_ENVIRONMENT = 'M365ReconcilerCustom';

export interface ScriptOptions {
  shell: ScriptShell;
  /** Public certificate (PEM or DER) to upload; defaults to the profile's certificate; null: none. */
  certificatePath?: string | null;
  /** Display name of the new app registration. */
  displayName?: string;
}

export interface GeneratedScript {
  shell: ScriptShell;
  /** Suggested file name. */
  fileName: string;
  content: string;
}

interface Plan {
  kind: 'application' | 'delegated';
  tenantId: string;
  cloud: CloudId;
  loginUrl: string;
  graphUrl: string;
  names: CloudNames | undefined;
  displayName: string;
  certificatePath: string | undefined;
  permissions: { name: string; id: string }[];
  profileName: string;
}

/** Paths and names reach a shell: refuse control characters outright. */
function safeText(value: string, what: string): string {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value) || value.length > 1024) {
    throw new OperatorError('bad-input', `The ${what} contains control characters or is too long.`, { hint: `Use a plain ${what} without line breaks.` });
  }
  return value;
}

/** The display name lands inside JSON and shell strings: letters, digits, space and a few marks only. */
function displayName(value: string): string {
  if (!/^[\p{L}\p{N} ._()-]{1,120}$/u.test(value)) {
    throw new OperatorError('bad-input', 'The app display name may only contain letters, digits, spaces and . _ ( ) -.', { hint: 'Pick a simpler name.' });
  }
  return value;
}

const ps = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const sh = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function plan(profile: Profile, opts: ScriptOptions): Plan {
  const endpoints = cloudEndpoints(profile.cloud, profile.customEndpoints);
  const kind = profile.credential.kind === 'delegated' ? 'delegated' : 'application';
  const fromProfile = profile.credential.kind === 'certificate' ? profile.credential.certificatePath : undefined;
  const certificatePath = opts.certificatePath === null ? undefined : (opts.certificatePath ?? fromProfile);
  if (kind === 'delegated' && typeof opts.certificatePath === 'string') {
    throw new OperatorError('bad-input', 'A delegated profile signs in as a user: its public client app has no certificate.', {
      hint: 'Leave out --certificate, or use a profile whose credential is a certificate.',
    });
  }
  const permissions =
    kind === 'application'
      ? requiredApplicationPermissions().map((name) => ({ name, id: appRoleId(name) }))
      : requiredDelegatedScopes().map((name) => ({ name, id: scopeId(name) }));
  return {
    kind,
    tenantId: safeText(profile.tenantId, 'tenant'),
    cloud: profile.cloud,
    loginUrl: endpoints.loginUrl,
    graphUrl: endpoints.graphUrl,
    names: profile.cloud === 'custom' ? undefined : CLOUD_NAMES[profile.cloud],
    displayName: displayName(opts.displayName ?? DEFAULT_APP_DISPLAY_NAME),
    certificatePath: certificatePath === undefined ? undefined : safeText(certificatePath, 'certificate path'),
    permissions,
    profileName: profile.name,
  };
}

function header(p: Plan, comment: string): string {
  const c = (line = ''): string => (line === '' ? comment : `${comment} ${line}`);
  const lines = [
    c(`M365 licence reconciler: app registration for tenant ${p.tenantId}`),
    c(`Cloud: ${p.cloud} (sign-in ${p.loginUrl}, Microsoft Graph ${p.graphUrl})`),
    c(),
    c('WHO MUST RUN THIS SCRIPT'),
  ];
  if (p.kind === 'application') {
    lines.push(
      c(`  Steps 1-3 (app registration, service principal${p.certificatePath ? ', certificate' : ''}): an ${APP_ADMIN} or ${CLOUD_APP_ADMIN}.`),
      c(`  Step 4 (admin consent for Microsoft Graph APPLICATION permissions): a ${PRIVILEGED_ROLE_ADMIN}`),
      c(`  or ${GLOBAL_ADMIN}. ${CLOUD_APP_ADMIN} and ${APP_ADMIN} CANNOT grant Microsoft Graph`),
      c('  application permissions; if you hold only those roles, stop after step 3 and hand the'),
      c('  admin-consent URL ("consent url") to a Privileged Role Administrator.'),
    );
  } else {
    lines.push(
      c(`  All steps, including admin consent for the DELEGATED read scopes: a ${CLOUD_APP_ADMIN},`),
      c(`  ${APP_ADMIN}, ${PRIVILEGED_ROLE_ADMIN} or ${GLOBAL_ADMIN}.`),
      c('  The people who later sign in need only a reader role (see "consent guide").'),
    );
  }
  lines.push(c(), c(`The app gets exactly these Microsoft Graph ${p.kind === 'application' ? 'application permissions (type Role)' : 'delegated permissions (type Scope)'}, all read-only:`));
  for (const perm of p.permissions) lines.push(c(`  ${perm.name.padEnd(27)} ${perm.id}`));
  lines.push(c('Directory.Read.All and every write permission are deliberately NOT requested.'));
  return lines.join('\n');
}

function datasetsNote(comment: string): string {
  const uses = DATASET_IDS.map((d) => `${comment}   ${DATASET_PERMISSIONS[d].label}`);
  return [`${comment} Datasets read with these permissions:`, ...uses].join('\n');
}

function powershell(p: Plan): string {
  const envSetup =
    p.names === undefined
      ? [
          '# Custom endpoints: register them as a Microsoft Graph PowerShell environment first.',
          `Add-MgEnvironment -Name ${ps(CUSTOM_ENVIRONMENT)} -AzureADEndpoint ${ps(p.loginUrl)} -GraphEndpoint ${ps(p.graphUrl)} | Out-Null`,
        ].join('\n') + '\n'
      : '';
  const environment = p.names?.mgEnvironment ?? CUSTOM_ENVIRONMENT;
  const connectScopes = p.kind === 'application' ? "'Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All'" : "'Application.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All'";
  const type = p.kind === 'application' ? 'Role' : 'Scope';
  const access = p.permissions.map((perm) => `    @{ Id = ${ps(perm.id)}; Type = '${type}' } # ${perm.name}`).join('\n');
  const appParams =
    p.kind === 'application'
      ? `$app = New-MgApplication -DisplayName $AppName -SignInAudience 'AzureADMyOrg' -RequiredResourceAccess $requiredResourceAccess`
      : `$app = New-MgApplication -DisplayName $AppName -SignInAudience 'AzureADMyOrg' -IsFallbackPublicClient -PublicClient @{ RedirectUris = @(${ps(DEFAULT_CONSENT_REDIRECT_URI)}) } -RequiredResourceAccess $requiredResourceAccess`;
  const cert =
    p.kind === 'application' && p.certificatePath
      ? [
          '',
          '# 3. Upload the PUBLIC certificate (never the private key) as a key credential.',
          `$cert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new(${ps(p.certificatePath)})`,
          "Update-MgApplication -ApplicationId $app.Id -KeyCredentials @(@{ Type = 'AsymmetricX509Cert'; Usage = 'Verify'; Key = $cert.RawData; DisplayName = $cert.Subject })",
          'Write-Output "Certificate uploaded, thumbprint $($cert.Thumbprint)."',
        ].join('\n')
      : ['', '# 3. No certificate given: upload one later (cert create, then consent script --certificate).'].join('\n');
  const consent =
    p.kind === 'application'
      ? [
          '# 4. Admin consent: one app role assignment per application permission.',
          '#    Needs a Privileged Role Administrator or Global Administrator.',
          'foreach ($access in $requiredResourceAccess[0].ResourceAccess) {',
          '    New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -PrincipalId $sp.Id -ResourceId $graphSp.Id -AppRoleId $access.Id | Out-Null',
          '}',
        ].join('\n')
      : [
          '# 4. Admin consent for the delegated scopes, for all users of the tenant.',
          `New-MgOauth2PermissionGrant -BodyParameter @{ ClientId = $sp.Id; ConsentType = 'AllPrincipals'; ResourceId = $graphSp.Id; Scope = ${ps(p.permissions.map((x) => x.name).join(' '))} } | Out-Null`,
        ].join('\n');
  return `#Requires -Version 7.2
#Requires -Modules Microsoft.Graph.Authentication, Microsoft.Graph.Applications${p.kind === 'delegated' ? ', Microsoft.Graph.Identity.SignIns' : ''}
${header(p, '#')}
#
${datasetsNote('#')}

$ErrorActionPreference = 'Stop'
$TenantId = ${ps(p.tenantId)}
$AppName = ${ps(p.displayName)}
$GraphAppId = '${MICROSOFT_GRAPH_APP_ID}'

${envSetup}Connect-MgGraph -Environment ${ps(environment)} -TenantId $TenantId -Scopes ${connectScopes} -NoWelcome

$requiredResourceAccess = @(@{
  ResourceAppId = $GraphAppId
  ResourceAccess = @(
${access}
  )
})

# 1. Single-tenant app registration with exactly these permissions.
${appParams}

# 2. Its service principal in this tenant, and Microsoft Graph's.
$sp = New-MgServicePrincipal -AppId $app.AppId
$graphSp = Get-MgServicePrincipal -Filter "appId eq '$GraphAppId'"
${cert}

${consent}

Write-Output "Done. Application (client) ID: $($app.AppId)  Tenant: $TenantId"
Write-Output "Next: m365-reconciler profile add --name ${p.profileName} --tenant $TenantId --client-id $($app.AppId) --cloud ${p.cloud} ..."
Write-Output "Then: m365-reconciler verify --profile ${p.profileName}"
`;
}

function azcli(p: Plan): string {
  const azCloud = p.names?.azCloud;
  const cloudSetup =
    azCloud === undefined
      ? [
          '# Custom endpoints: register them as an Azure CLI cloud first.',
          `az cloud register --name ${CUSTOM_ENVIRONMENT} --endpoint-active-directory ${sh(p.loginUrl)} 2>/dev/null || true`,
          `az cloud set --name ${CUSTOM_ENVIRONMENT}`,
        ].join('\n')
      : `az cloud set --name ${azCloud}`;
  const type = p.kind === 'application' ? 'Role' : 'Scope';
  const access = p.permissions.map((perm) => `        { "id": "${perm.id}", "type": "${type}" }`).join(',\n');
  const publicClient = p.kind === 'delegated' ? `\n  "isFallbackPublicClient": true,\n  "publicClient": { "redirectUris": ["${DEFAULT_CONSENT_REDIRECT_URI}"] },` : '';
  const certStep =
    p.kind === 'application' && p.certificatePath
      ? p.names?.azGraphMatches
        ? [
            '# 3. Upload the PUBLIC certificate (never the private key).',
            `CERT_FILE=${sh(p.certificatePath)}`,
            'az ad app credential reset --id "$APP_ID" --cert "@$CERT_FILE" --append --only-show-errors >/dev/null',
            'echo "Certificate uploaded."',
          ].join('\n')
        : [
            '# 3. Upload the PUBLIC certificate (never the private key) as a key credential.',
            `CERT_FILE=${sh(p.certificatePath)}`,
            'CERT_B64=$(sed \'/-----/d\' "$CERT_FILE" | tr -d \'\\r\\n\')',
            'printf \'{"keyCredentials":[{"type":"AsymmetricX509Cert","usage":"Verify","key":"%s"}]}\' "$CERT_B64" > "$BODY"',
            'graph PATCH "/applications/$APP_OBJECT_ID" --body "@$BODY" >/dev/null',
            'echo "Certificate uploaded."',
          ].join('\n')
      : '# 3. No certificate given: upload one later (cert create, then consent script --certificate).';
  const consent =
    p.kind === 'application'
      ? [
          '# 4. Admin consent: one app role assignment per application permission.',
          '#    Needs a Privileged Role Administrator or Global Administrator.',
          `for ROLE_ID in ${p.permissions.map((x) => x.id).join(' ')}; do`,
          '  printf \'{"principalId":"%s","resourceId":"%s","appRoleId":"%s"}\' "$SP_ID" "$GRAPH_SP_ID" "$ROLE_ID" > "$BODY"',
          '  graph POST "/servicePrincipals/$SP_ID/appRoleAssignments" --body "@$BODY" >/dev/null',
          'done',
        ].join('\n')
      : [
          '# 4. Admin consent for the delegated scopes, for all users of the tenant.',
          `printf '{"clientId":"%s","consentType":"AllPrincipals","resourceId":"%s","scope":"%s"}' "$SP_ID" "$GRAPH_SP_ID" ${sh(p.permissions.map((x) => x.name).join(' '))} > "$BODY"`,
          'graph POST "/oauth2PermissionGrants" --body "@$BODY" >/dev/null',
        ].join('\n');
  return `#!/usr/bin/env bash
${header(p, '#')}
#
${datasetsNote('#')}
#
# Needs Azure CLI 2.40+ and bash. Every Microsoft Graph call goes to GRAPH below.

set -euo pipefail
TENANT_ID=${sh(p.tenantId)}
APP_NAME=${sh(p.displayName)}
GRAPH=${sh(p.graphUrl)}
GRAPH_APP_ID='${MICROSOFT_GRAPH_APP_ID}'
BODY=$(mktemp)
trap 'rm -f "$BODY"' EXIT

graph() { # graph METHOD PATH [az rest args...]
  local method=$1 path=$2; shift 2
  az rest --only-show-errors --method "$method" --url "$GRAPH/v1.0$path" --resource "$GRAPH" --headers 'Content-Type=application/json' "$@"
}

${cloudSetup}
az login --tenant "$TENANT_ID" --allow-no-subscriptions --only-show-errors >/dev/null

# 1. Single-tenant app registration with exactly these permissions.
cat > "$BODY" <<JSON
{
  "displayName": "$APP_NAME",
  "signInAudience": "AzureADMyOrg",${publicClient}
  "requiredResourceAccess": [
    {
      "resourceAppId": "$GRAPH_APP_ID",
      "resourceAccess": [
${access}
      ]
    }
  ]
}
JSON
read -r APP_OBJECT_ID APP_ID <<<"$(graph POST /applications --body "@$BODY" --query '[id, appId]' -o tsv | tr '\\n' ' ')"

# 2. Its service principal in this tenant, and Microsoft Graph's.
printf '{"appId":"%s"}' "$APP_ID" > "$BODY"
SP_ID=$(graph POST /servicePrincipals --body "@$BODY" --query id -o tsv)
GRAPH_SP_ID=$(graph GET "/servicePrincipals(appId='$GRAPH_APP_ID')" --query id -o tsv)

${certStep}

${consent}

echo "Done. Application (client) ID: $APP_ID  Tenant: $TENANT_ID"
echo "Next: m365-reconciler profile add --name ${p.profileName} --tenant $TENANT_ID --client-id $APP_ID --cloud ${p.cloud} ..."
echo "Then: m365-reconciler verify --profile ${p.profileName}"
`;
}

/** The registration script for the profile's cloud and credential kind. */
export function registrationScript(profile: Profile, opts: ScriptOptions): GeneratedScript {
  const p = plan(profile, opts);
  if (opts.shell === 'powershell') {
    return { shell: 'powershell', fileName: `register-${profile.name}.ps1`, content: powershell(p) };
  }
  return { shell: 'azcli', fileName: `register-${profile.name}.sh`, content: azcli(p) };
}
