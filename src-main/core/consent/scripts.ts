import { X509Certificate, createHash } from 'node:crypto';
import { cloudEndpoints, type CloudId } from '../clouds/clouds';
import { OperatorError } from '../errors/operator-error';
import { DATASETS } from '../datasets';
import { requiredApplicationPermissions, requiredDelegatedScopes } from '../permissions/matrix';
import { MICROSOFT_GRAPH_APP_ID, appRoleId, scopeId } from '../permissions/graph-ids';
import type { Profile } from '../profile/schema';
import { DEFAULT_CONSENT_REDIRECT_URI } from './urls';
import { CLOUD_APP_ADMIN, APP_ADMIN, GLOBAL_ADMIN, PRIVILEGED_ROLE_ADMIN } from './guidance';
import { profileNameToAdd } from './profile-name';

/**
 * Registration scripts: create a single-tenant app registration (signInAudience
 * AzureADMyOrg) with exactly the permission matrix's permissions, its service principal,
 * and the admin consent; optionally upload the public certificate. Application profiles get
 * the admin-consent URL's default redirect URI (urls.ts) as a web redirect URI, since
 * Entra ID requires redirect_uri to match a registered one exactly; delegated profiles get
 * it as a public client redirect URI.
 *
 * A script runs on any machine and any number of times: the public certificate is embedded
 * (base64 DER; it is public), the app is found by display name (or an app id set at the top)
 * and reused, and only missing pieces (service principal, certificate, app role assignments,
 * the delegated grant) are added. So an Application Administrator can run it up to the
 * consent step and a Privileged Role Administrator can run the same script to finish.
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
  /**
   * The public certificate to embed in the script (PEM text or DER bytes), read by the caller
   * (by default from the profile's certificatePath). Absent or null: no certificate step.
   * It is public: the script carries it so it runs unchanged on another machine.
   */
  certificate?: string | Uint8Array | null;
  /** Display name of the app registration (also how a re-run finds it). */
  displayName?: string;
  /** Application (client) ID of an existing app registration to complete instead of finding one by display name. */
  appId?: string;
}

export interface GeneratedScript {
  shell: ScriptShell;
  /** Suggested file name. */
  fileName: string;
  content: string;
}

/** The public certificate as the script embeds it. */
export interface EmbeddedCertificate {
  /** DER, base64 (one line): Graph's keyCredential.key. */
  base64: string;
  /** SHA-1 thumbprint, upper-case hex (what the portal shows). */
  thumbprint: string;
  /** notAfter, ISO 8601. */
  validTo: string;
}

interface Plan {
  kind: 'application' | 'delegated';
  tenantId: string;
  cloud: CloudId;
  loginUrl: string;
  graphUrl: string;
  names: CloudNames | undefined;
  displayName: string;
  appId: string;
  certificate: EmbeddedCertificate | undefined;
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

/** The display name lands inside JSON, OData filters and shell strings: letters, digits, space and a few marks only. */
function displayName(value: string): string {
  if (!/^[\p{L}\p{N} ._()-]{1,120}$/u.test(value)) {
    throw new OperatorError('bad-input', 'The app display name may only contain letters, digits, spaces and . _ ( ) -.', { hint: 'Pick a simpler name.' });
  }
  return value;
}

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function appIdOption(value: string | undefined): string {
  if (value === undefined || value === '') return '';
  if (!GUID_RE.test(value)) {
    throw new OperatorError('bad-input', 'The app id must be the Application (client) ID, a GUID.', { hint: 'Copy it from the app registration\'s overview page.' });
  }
  return value.toLowerCase();
}

/**
 * Parses the public certificate to embed. Refuses anything holding a private key (it
 * must never travel in a script) and anything that is not one X.509 certificate.
 */
export function embeddedCertificate(input: string | Uint8Array): EmbeddedCertificate {
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
  if (/PRIVATE KEY/.test(text)) {
    throw new OperatorError('bad-input', 'The certificate file holds a private key; the registration script takes the PUBLIC certificate only.', {
      hint: 'Give the public certificate (the .pem that "cert create" exported, or a .cer), never the key.',
    });
  }
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(typeof input === 'string' ? input : Buffer.from(input));
  } catch {
    throw new OperatorError('bad-input', 'The certificate file is not an X.509 certificate in PEM or DER form.', {
      hint: 'Give the public certificate ("-----BEGIN CERTIFICATE-----" or a DER .cer file).',
    });
  }
  return {
    base64: cert.raw.toString('base64'),
    thumbprint: createHash('sha1').update(cert.raw).digest('hex').toUpperCase(),
    validTo: new Date(cert.validTo).toISOString(),
  };
}

const ps = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const sh = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function plan(profile: Profile, opts: ScriptOptions): Plan {
  const endpoints = cloudEndpoints(profile.cloud, profile.customEndpoints);
  const kind = profile.credential.kind === 'delegated' ? 'delegated' : 'application';
  if (kind === 'delegated' && opts.certificate !== undefined && opts.certificate !== null) {
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
    appId: appIdOption(opts.appId),
    certificate: opts.certificate === undefined || opts.certificate === null ? undefined : embeddedCertificate(opts.certificate),
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
      c(`  Steps 1-3 (app registration, service principal${p.certificate ? ', certificate' : ''}): an ${APP_ADMIN} or ${CLOUD_APP_ADMIN}.`),
      c(`  Step 4 (admin consent for Microsoft Graph APPLICATION permissions): a ${PRIVILEGED_ROLE_ADMIN}`),
      c(`  or ${GLOBAL_ADMIN}. ${CLOUD_APP_ADMIN} and ${APP_ADMIN} CANNOT grant Microsoft Graph`),
      c('  application permissions; if you hold only those roles, step 4 fails: hand this same script'),
      c('  (or the admin-consent URL, "consent url") to a Privileged Role Administrator.'),
    );
  } else {
    lines.push(
      c(`  All steps, including admin consent for the DELEGATED read scopes: a ${CLOUD_APP_ADMIN},`),
      c(`  ${APP_ADMIN}, ${PRIVILEGED_ROLE_ADMIN} or ${GLOBAL_ADMIN}.`),
      c('  The people who later sign in need only a reader role (see "consent guide").'),
    );
  }
  lines.push(
    c(),
    c('RE-RUNNING: the script finds the app by its display name (or by the app id set below),'),
    c('reuses it unchanged and creates nothing twice; it only adds what is missing (service'),
    c('principal, certificate, consent). It runs on any machine: nothing here refers to local files.'),
  );
  lines.push(c(), c(`The app gets exactly these Microsoft Graph ${p.kind === 'application' ? 'application permissions (type Role)' : 'delegated permissions (type Scope)'}, all read-only:`));
  for (const perm of p.permissions) lines.push(c(`  ${perm.name.padEnd(27)} ${perm.id}`));
  lines.push(c('Directory.Read.All and every write permission are deliberately NOT requested.'));
  return lines.join('\n');
}

function datasetsNote(comment: string): string {
  const uses = DATASETS.map((d) => `${comment}   ${d.label}`);
  return [`${comment} Datasets read with these permissions:`, ...uses].join('\n');
}

function certificateComment(c: EmbeddedCertificate, comment: string): string {
  return `${comment} Public certificate (DER, base64; public, safe to share): SHA-1 thumbprint ${c.thumbprint}, valid until ${c.validTo}.`;
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
  const redirect =
    p.kind === 'application'
      ? '# The admin-consent URL returns to this web redirect URI; it must be registered on the app.\n$appSettings = @{ Web = @{ RedirectUris = @($RedirectUri) }; RequiredResourceAccess = $requiredResourceAccess }'
      : '# Public client: the reconciler signs users in through the loopback redirect.\n$appSettings = @{ IsFallbackPublicClient = $true; PublicClient = @{ RedirectUris = @($RedirectUri) }; RequiredResourceAccess = $requiredResourceAccess }';
  const certVar = p.certificate ? `\n${certificateComment(p.certificate, '#')}\n$CertBase64 = ${ps(p.certificate.base64)}` : '';
  const cert =
    p.kind === 'application' && p.certificate
      ? [
          '',
          '# 3. Upload the PUBLIC certificate (never the private key) as a key credential, unless the app has it.',
          '#    Note: this sets the app\'s certificate list to this one certificate.',
          '$certBytes = [Convert]::FromBase64String($CertBase64)',
          '$cert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($certBytes)',
          '$keys = (Get-MgApplication -ApplicationId $app.Id -Property keyCredentials).KeyCredentials',
          'if (@($keys | Where-Object { $_.Key -and [Convert]::ToBase64String($_.Key) -eq $CertBase64 }).Count -eq 0) {',
          "    Update-MgApplication -ApplicationId $app.Id -KeyCredentials @(@{ Type = 'AsymmetricX509Cert'; Usage = 'Verify'; Key = $certBytes; DisplayName = $cert.Subject })",
          '    Write-Output "Certificate uploaded, thumbprint $($cert.Thumbprint)."',
          '} else {',
          '    Write-Output "Certificate $($cert.Thumbprint) is already registered."',
          '}',
        ].join('\n')
      : ['', '# 3. No certificate given: upload one later (cert create, then consent script --certificate).'].join('\n');
  const consent =
    p.kind === 'application'
      ? [
          '# 4. Admin consent: one app role assignment per application permission not granted yet.',
          '#    Needs a Privileged Role Administrator or Global Administrator.',
          '$granted = @(Get-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -All | Where-Object { $_.ResourceId -eq $graphSp.Id } | ForEach-Object { $_.AppRoleId })',
          'foreach ($access in $requiredResourceAccess[0].ResourceAccess) {',
          '    if ($granted -contains $access.Id) { continue }',
          '    New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -PrincipalId $sp.Id -ResourceId $graphSp.Id -AppRoleId $access.Id | Out-Null',
          '}',
        ].join('\n')
      : [
          '# 4. Admin consent for the delegated scopes, for all users of the tenant (one grant, updated on a re-run).',
          `$Scopes = ${ps(p.permissions.map((x) => x.name).join(' '))}`,
          '$grant = Get-MgOauth2PermissionGrant -Filter "clientId eq \'$($sp.Id)\' and consentType eq \'AllPrincipals\' and resourceId eq \'$($graphSp.Id)\'" | Select-Object -First 1',
          'if ($grant) {',
          '    Update-MgOauth2PermissionGrant -OAuth2PermissionGrantId $grant.Id -Scope $Scopes',
          '} else {',
          "    New-MgOauth2PermissionGrant -BodyParameter @{ ClientId = $sp.Id; ConsentType = 'AllPrincipals'; ResourceId = $graphSp.Id; Scope = $Scopes } | Out-Null",
          '}',
        ].join('\n');
  const next = profileNameToAdd(p.profileName);
  return `#Requires -Version 7.2
#Requires -Modules Microsoft.Graph.Authentication, Microsoft.Graph.Applications${p.kind === 'delegated' ? ', Microsoft.Graph.Identity.SignIns' : ''}
${header(p, '#')}
#
${datasetsNote('#')}

$ErrorActionPreference = 'Stop'
$TenantId = ${ps(p.tenantId)}
$AppName = ${ps(p.displayName)}
# Application (client) ID of an app registration created before (for example by a run that
# stopped before the consent step). Empty: the script looks the app up by $AppName.
$AppId = ${ps(p.appId)}
$RedirectUri = ${ps(DEFAULT_CONSENT_REDIRECT_URI)}
$GraphAppId = '${MICROSOFT_GRAPH_APP_ID}'${certVar}

${envSetup}Connect-MgGraph -Environment ${ps(environment)} -TenantId $TenantId -Scopes ${connectScopes} -NoWelcome

$requiredResourceAccess = @(@{
  ResourceAppId = $GraphAppId
  ResourceAccess = @(
${access}
  )
})
${redirect}

# 1. Single-tenant app registration with exactly these permissions: reuse it when it exists.
if ($AppId) {
    $app = Get-MgApplication -Filter "appId eq '$AppId'"
    if (-not $app) { throw "No app registration with application (client) ID $AppId in tenant $TenantId." }
} else {
    $found = @(Get-MgApplication -Filter "displayName eq '$AppName'" -All)
    if ($found.Count -gt 1) { throw "$($found.Count) app registrations are named '$AppName'. Set \`$AppId at the top of this script to the one to use." }
    $app = $found | Select-Object -First 1
}
if ($app) {
    # Reused as it is (a Privileged Role Administrator finishing the consent need not edit it).
    Write-Output "Reusing app registration $($app.AppId)."
    if (${p.kind === 'application' ? '$app.Web.RedirectUris' : '$app.PublicClient.RedirectUris'} -notcontains $RedirectUri) {
        Write-Warning "The app does not list $RedirectUri as a ${p.kind === 'application' ? 'web' : 'public client'} redirect URI; add it (Authentication blade) or the admin-consent URL fails with AADSTS50011."
    }
} else {
    $app = New-MgApplication -DisplayName $AppName -SignInAudience 'AzureADMyOrg' @appSettings
    Write-Output "Created app registration $($app.AppId)."
}

# 2. Its service principal in this tenant (created once), and Microsoft Graph's.
$sp = Get-MgServicePrincipal -Filter "appId eq '$($app.AppId)'"
if (-not $sp) { $sp = New-MgServicePrincipal -AppId $app.AppId }
$graphSp = Get-MgServicePrincipal -Filter "appId eq '$GraphAppId'"
${cert}

${consent}

Write-Output "Done. Application (client) ID: $($app.AppId)  Tenant: $TenantId"
Write-Output "Next: m365-reconciler profile add --name ${next} --tenant $TenantId --client-id $($app.AppId) --cloud ${p.cloud} ..."
Write-Output "Then: m365-reconciler verify --profile ${next}"
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
  // Application profiles: the admin-consent URL's redirect_uri must be a registered web redirect URI.
  const redirect =
    p.kind === 'delegated'
      ? `\n  "isFallbackPublicClient": true,\n  "publicClient": { "redirectUris": ["$REDIRECT_URI"] },`
      : `\n  "web": { "redirectUris": ["$REDIRECT_URI"] },`;
  const certVar = p.certificate ? `\n${certificateComment(p.certificate, '#')}\nCERT_B64=${sh(p.certificate.base64)}` : '';
  const certUpload = p.names?.azGraphMatches
    ? [
        '  CERT_FILE=$(mktemp)',
        "  { echo '-----BEGIN CERTIFICATE-----'; printf '%s' \"$CERT_B64\" | fold -w 64; echo; echo '-----END CERTIFICATE-----'; } > \"$CERT_FILE\"",
        '  az ad app credential reset --id "$APP_ID" --cert "@$CERT_FILE" --append --only-show-errors >/dev/null',
        '  rm -f "$CERT_FILE"',
      ]
    : [
        '  # az\'s own Graph endpoint differs from this cloud\'s: PATCH the key credential (this sets the list to this one certificate).',
        '  printf \'{"keyCredentials":[{"type":"AsymmetricX509Cert","usage":"Verify","key":"%s"}]}\' "$CERT_B64" > "$BODY"',
        '  graph PATCH "/applications/$APP_OBJECT_ID" --body "@$BODY" >/dev/null',
      ];
  const certStep =
    p.kind === 'application' && p.certificate
      ? [
          '# 3. Upload the PUBLIC certificate (never the private key), unless the app has it already.',
          'HAS_CERT=$(graph GET "/applications/$APP_OBJECT_ID" --url-parameters \'$select=keyCredentials\' --query "length(keyCredentials[?key==\'$CERT_B64\'])" -o tsv)',
          'if [ "$HAS_CERT" = "0" ]; then',
          ...certUpload,
          '  echo "Certificate uploaded."',
          'else',
          '  echo "Certificate already registered."',
          'fi',
        ].join('\n')
      : '# 3. No certificate given: upload one later (cert create, then consent script --certificate).';
  const consent =
    p.kind === 'application'
      ? [
          '# 4. Admin consent: one app role assignment per application permission not granted yet.',
          '#    Needs a Privileged Role Administrator or Global Administrator.',
          'GRANTED=$(graph GET "/servicePrincipals/$SP_ID/appRoleAssignments" --query "value[?resourceId==\'$GRAPH_SP_ID\'].appRoleId" -o tsv)',
          `for ROLE_ID in ${p.permissions.map((x) => x.id).join(' ')}; do`,
          '  case "$GRANTED" in *"$ROLE_ID"*) continue ;; esac',
          '  printf \'{"principalId":"%s","resourceId":"%s","appRoleId":"%s"}\' "$SP_ID" "$GRAPH_SP_ID" "$ROLE_ID" > "$BODY"',
          '  graph POST "/servicePrincipals/$SP_ID/appRoleAssignments" --body "@$BODY" >/dev/null',
          'done',
        ].join('\n')
      : [
          '# 4. Admin consent for the delegated scopes, for all users of the tenant (one grant, updated on a re-run).',
          `SCOPES=${sh(p.permissions.map((x) => x.name).join(' '))}`,
          'GRANT_ID=$(graph GET /oauth2PermissionGrants --url-parameters "\\$filter=clientId eq \'$SP_ID\' and consentType eq \'AllPrincipals\' and resourceId eq \'$GRAPH_SP_ID\'" --query \'value[0].id\' -o tsv)',
          'if [ -n "$GRANT_ID" ]; then',
          '  printf \'{"scope":"%s"}\' "$SCOPES" > "$BODY"',
          '  graph PATCH "/oauth2PermissionGrants/$GRANT_ID" --body "@$BODY" >/dev/null',
          'else',
          '  printf \'{"clientId":"%s","consentType":"AllPrincipals","resourceId":"%s","scope":"%s"}\' "$SP_ID" "$GRAPH_SP_ID" "$SCOPES" > "$BODY"',
          '  graph POST "/oauth2PermissionGrants" --body "@$BODY" >/dev/null',
          'fi',
        ].join('\n');
  const next = profileNameToAdd(p.profileName);
  return `#!/usr/bin/env bash
${header(p, '#')}
#
${datasetsNote('#')}
#
# Needs Azure CLI 2.40+ and bash. Every Microsoft Graph call goes to GRAPH below.

set -euo pipefail
TENANT_ID=${sh(p.tenantId)}
APP_NAME=${sh(p.displayName)}
# Application (client) ID of an app registration created before (for example by a run that
# stopped before the consent step). Empty: the script looks the app up by APP_NAME.
APP_ID=${sh(p.appId)}
REDIRECT_URI=${sh(DEFAULT_CONSENT_REDIRECT_URI)}
GRAPH=${sh(p.graphUrl)}
GRAPH_APP_ID='${MICROSOFT_GRAPH_APP_ID}'${certVar}
BODY=$(mktemp)
trap 'rm -f "$BODY"' EXIT

graph() { # graph METHOD PATH [az rest args...]
  local method=$1 path=$2; shift 2
  az rest --only-show-errors --method "$method" --url "$GRAPH/v1.0$path" --resource "$GRAPH" --headers 'Content-Type=application/json' "$@"
}

${cloudSetup}
az login --tenant "$TENANT_ID" --allow-no-subscriptions --only-show-errors >/dev/null

# 1. Single-tenant app registration with exactly these permissions: reuse it when it exists.
if [ -z "$APP_ID" ]; then
  FOUND=$(graph GET /applications --url-parameters "\\$filter=displayName eq '$APP_NAME'" '$select=appId' --query 'value[].appId' -o tsv)
  COUNT=$(printf '%s' "$FOUND" | grep -c . || true)
  if [ "$COUNT" -gt 1 ]; then
    echo "$COUNT app registrations are named '$APP_NAME'. Set APP_ID at the top of this script to the one to use." >&2
    exit 1
  fi
  APP_ID=$FOUND
fi
if [ -n "$APP_ID" ]; then
  # Reused as it is (a Privileged Role Administrator finishing the consent need not edit it).
  APP_OBJECT_ID=$(graph GET "/applications(appId='$APP_ID')" --query id -o tsv)
  echo "Reusing app registration $APP_ID."
  HAS_REDIRECT=$(graph GET "/applications/$APP_OBJECT_ID" --query "contains(to_array(${p.kind === 'application' ? 'web' : 'publicClient'}.redirectUris), '$REDIRECT_URI')" -o tsv)
  if [ "$HAS_REDIRECT" != "true" ]; then
    echo "Warning: the app does not list $REDIRECT_URI as a ${p.kind === 'application' ? 'web' : 'public client'} redirect URI; add it (Authentication blade) or the admin-consent URL fails with AADSTS50011." >&2
  fi
else
  cat > "$BODY" <<JSON
{
  "displayName": "$APP_NAME",
  "signInAudience": "AzureADMyOrg",${redirect}
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
  echo "Created app registration $APP_ID."
fi

# 2. Its service principal in this tenant (created once), and Microsoft Graph's.
SP_ID=$(graph GET /servicePrincipals --url-parameters "\\$filter=appId eq '$APP_ID'" --query 'value[0].id' -o tsv)
if [ -z "$SP_ID" ]; then
  printf '{"appId":"%s"}' "$APP_ID" > "$BODY"
  SP_ID=$(graph POST /servicePrincipals --body "@$BODY" --query id -o tsv)
fi
GRAPH_SP_ID=$(graph GET "/servicePrincipals(appId='$GRAPH_APP_ID')" --query id -o tsv)

${certStep}

${consent}

echo "Done. Application (client) ID: $APP_ID  Tenant: $TENANT_ID"
echo "Next: m365-reconciler profile add --name ${next} --tenant $TENANT_ID --client-id $APP_ID --cloud ${p.cloud} ..."
echo "Then: m365-reconciler verify --profile ${next}"
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
