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
 * - powershell: Microsoft Graph PowerShell SDK 2.0+ (Windows PowerShell 5.1 or PowerShell 7;
 *   Connect-MgGraph -Environment <Global|USGov|USGovDoD|China> -NoWelcome, New-MgApplication,
 *   New-MgServicePrincipal, New-MgServicePrincipalAppRoleAssignment, Update-MgApplication -KeyCredentials).
 * - azcli: Azure CLI (az cloud set --name <AzureCloud|AzureUSGovernment|AzureChinaCloud>, or a
 *   custom cloud registered with --cloud-config) with every Graph call made by `az rest` against
 *   the profile's Graph host and `--resource` set to it, so DoD (AzureUSGovernment sign-in,
 *   dod-graph.microsoft.us) works the same way. It runs in an Azure CLI configuration folder of
 *   its own (AZURE_CONFIG_DIR in a temporary folder), so the administrator's own sign-in and
 *   active cloud stay as they were, and it checks every result: a failure names the step and
 *   what to do.
 *
 * Both add a certificate to the app's keys (the others are kept, sent back by keyId), skip it
 * when the same certificate is there, and retry with bounded backoff while Graph has not
 * replicated a new app registration or service principal yet.
 *
 * National cloud names: learn.microsoft.com/graph/deployments (Connect-MgGraph -Environment)
 * and learn.microsoft.com/cli/azure/manage-clouds-azure-cli (az cloud list).
 */
export type ScriptShell = 'powershell' | 'azcli';

export const DEFAULT_APP_DISPLAY_NAME = 'M365 Licence Reconciler (read-only)';

interface CloudNames {
  mgEnvironment: string;
  azCloud: string;
}

const CLOUD_NAMES: Record<Exclude<CloudId, 'custom'>, CloudNames> = {
  global: { mgEnvironment: 'Global', azCloud: 'AzureCloud' },
  gcch: { mgEnvironment: 'USGov', azCloud: 'AzureUSGovernment' },
  dod: { mgEnvironment: 'USGovDoD', azCloud: 'AzureUSGovernment' },
  china: { mgEnvironment: 'China', azCloud: 'AzureChinaCloud' },
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
      hint: 'Give the public certificate (the .pem written when the certificate was created, or a .cer), never the key.',
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
      hint: 'Leave out the certificate, or use a profile whose credential is a certificate.',
    });
  }
  const permissions =
    kind === 'application'
      ? requiredApplicationPermissions().map((name) => ({ name, id: appRoleId(name) }))
      : requiredDelegatedScopes().map((name) => ({ name, id: scopeId(name) }));
  for (const url of [endpoints.loginUrl, endpoints.graphUrl]) {
    // The URLs reach shell, PowerShell and JSON strings: an https origin with a plain path only.
    if (!/^https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[A-Za-z0-9._~/-]*)?$/.test(url)) {
      throw new OperatorError('bad-input', `The endpoint ${JSON.stringify(url.slice(0, 200))} is not a plain https URL.`, { hint: 'Give the sign-in and Graph URLs as https://host[:port][/path], without query or special characters.' });
    }
  }
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

/**
 * Microsoft Graph's messages while a new application or service principal is not yet
 * replicated to every directory replica ("Object replication", learn.microsoft.com/graph/errors
 * and the app-role assignment samples): the call is retried with bounded backoff.
 */
export const REPLICATION_ERRORS = [
  'does not reference a valid application object',
  'Not a valid reference update',
  'does not exist or one of its queried reference-property objects are not present',
] as const;

/** Attempts (and so the bound of the backoff: 2+4+8+16+32 s) before a replication wait gives up. */
export const REPLICATION_ATTEMPTS = 6;

/**
 * Minimum Microsoft Graph PowerShell SDK: Connect-MgGraph -NoWelcome first shipped in 2.4.0
 * (microsoftgraph/msgraph-sdk-powershell pull request 2241, release 2.4.0; 2.2.0 refuses the
 * parameter, as maester365/maester issue 618 found).
 */
export const MG_SDK_MIN_VERSION = '2.4.0';

/** What the consent step prints when the person running it may not grant Microsoft Graph app roles. */
export const CONSENT_REFUSED_MESSAGE =
  `Step 4 (admin consent) was refused: only a ${PRIVILEGED_ROLE_ADMIN} or ${GLOBAL_ADMIN} can grant Microsoft Graph application permissions. ` +
  'Steps 1-3 are done. Hand this same script (or the admin-consent URL) to a Privileged Role Administrator, who runs it again to finish.';

function psModules(p: Plan): string {
  const names = ['Microsoft.Graph.Authentication', 'Microsoft.Graph.Applications', ...(p.kind === 'delegated' ? ['Microsoft.Graph.Identity.SignIns'] : [])];
  return names.map((n) => `@{ ModuleName = '${n}'; ModuleVersion = '${MG_SDK_MIN_VERSION}' }`).join(', ');
}

function powershell(p: Plan): string {
  const envSetup =
    p.names === undefined
      ? [
          '# Custom endpoints: register them as a Microsoft Graph PowerShell environment first (an earlier',
          '# registration of that name is replaced, so a re-run with new endpoints uses them).',
          `if (@(Get-MgEnvironment | Where-Object { $_.Name -eq ${ps(CUSTOM_ENVIRONMENT)} }).Count -gt 0) { Remove-MgEnvironment -Name ${ps(CUSTOM_ENVIRONMENT)} | Out-Null }`,
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
  const certVar = p.certificate
    ? `\n${certificateComment(p.certificate, '#')}\n$CertBase64 = ${ps(p.certificate.base64)}\n$CertThumbprint = ${ps(p.certificate.thumbprint)}`
    : '';
  const cert =
    p.kind === 'application' && p.certificate
      ? [
          '',
          '# 3. Upload the PUBLIC certificate (never the private key) as a key credential, unless the app has it.',
          '#    The app\'s other keys stay: they are sent back by keyId (as "az ad app credential reset --append"',
          '#    does), so a certificate kept for "cert rollback" survives a re-run.',
          '$certBytes = [Convert]::FromBase64String($CertBase64)',
          '$cert = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($certBytes)',
          "$keys = @((Invoke-AfterReplication 'the new app registration' { Get-MgApplication -ApplicationId $app.Id -Property keyCredentials }).KeyCredentials | Where-Object { $_ })",
          '$same = @($keys | Where-Object {',
          '    ($_.Key -and [Convert]::ToBase64String($_.Key) -eq $CertBase64) -or',
          "    ($_.CustomKeyIdentifier -and ([BitConverter]::ToString($_.CustomKeyIdentifier) -replace '-', '') -eq $CertThumbprint)",
          '})',
          'if ($same.Count -eq 0) {',
          '    $newKeys = @($keys | ForEach-Object { @{ KeyId = $_.KeyId } }) + @(@{ Type = \'AsymmetricX509Cert\'; Usage = \'Verify\'; Key = $certBytes; DisplayName = $cert.Subject })',
          "    Invoke-AfterReplication 'the new app registration' { Update-MgApplication -ApplicationId $app.Id -KeyCredentials $newKeys }",
          '    Write-Output "Certificate uploaded, thumbprint $CertThumbprint ($($keys.Count) other key(s) kept)."',
          '} else {',
          '    Write-Output "Certificate $CertThumbprint is already registered."',
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
          '    try {',
          "        Invoke-AfterReplication 'the new service principal' { New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -PrincipalId $sp.Id -ResourceId $graphSp.Id -AppRoleId $access.Id | Out-Null }",
          '    } catch {',
          `        if ("$($_.Exception.Message)" -match 'Authorization_RequestDenied|Insufficient privileges') { throw ${ps(CONSENT_REFUSED_MESSAGE)} }`,
          '        throw',
          '    }',
          '}',
        ].join('\n')
      : [
          '# 4. Admin consent for the delegated scopes, for all users of the tenant (one grant, updated on a re-run).',
          `$Scopes = ${ps(p.permissions.map((x) => x.name).join(' '))}`,
          '$grant = Get-MgOauth2PermissionGrant -Filter "clientId eq \'$($sp.Id)\' and consentType eq \'AllPrincipals\' and resourceId eq \'$($graphSp.Id)\'" | Select-Object -First 1',
          'if ($grant) {',
          '    Update-MgOauth2PermissionGrant -OAuth2PermissionGrantId $grant.Id -Scope $Scopes',
          '} else {',
          "    Invoke-AfterReplication 'the new service principal' { New-MgOauth2PermissionGrant -BodyParameter @{ ClientId = $sp.Id; ConsentType = 'AllPrincipals'; ResourceId = $graphSp.Id; Scope = $Scopes } | Out-Null }",
          '}',
        ].join('\n');
  const next = profileNameToAdd(p.profileName);
  return `#Requires -Modules ${psModules(p)}
${header(p, '#')}
#
${datasetsNote('#')}
#
# Runs in Windows PowerShell 5.1 and PowerShell 7. Needs the Microsoft Graph PowerShell SDK ${MG_SDK_MIN_VERSION} or
# later (Connect-MgGraph -NoWelcome): Install-Module Microsoft.Graph -MinimumVersion ${MG_SDK_MIN_VERSION} -Scope CurrentUser

$ErrorActionPreference = 'Stop'
$TenantId = ${ps(p.tenantId)}
$AppName = ${ps(p.displayName)}
# Application (client) ID of an app registration created before (for example by a run that
# stopped before the consent step). Empty: the script looks the app up by $AppName.
$AppId = ${ps(p.appId)}
$RedirectUri = ${ps(DEFAULT_CONSENT_REDIRECT_URI)}
$GraphAppId = '${MICROSOFT_GRAPH_APP_ID}'${certVar}

# Microsoft Graph replicates a new app registration or service principal with a delay; a call
# that names it too early fails with one of these messages and is tried again, at most ${REPLICATION_ATTEMPTS} times.
$ReplicationErrors = ${ps(REPLICATION_ERRORS.join('|'))}
function Invoke-AfterReplication([string]$WaitingFor, [scriptblock]$Action) {
    $delay = 2
    for ($attempt = 1; ; $attempt++) {
        try {
            return (& $Action)
        } catch {
            if ($attempt -ge ${REPLICATION_ATTEMPTS} -or "$($_.Exception.Message)" -notmatch $ReplicationErrors) { throw }
            Write-Host "Waiting $delay s for Microsoft Graph to replicate $WaitingFor (attempt $attempt of ${REPLICATION_ATTEMPTS})..."
            Start-Sleep -Seconds $delay
            $delay = $delay * 2
        }
    }
}

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
if (-not $sp) { $sp = Invoke-AfterReplication 'the new app registration' { New-MgServicePrincipal -AppId $app.AppId } }
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
          '# Custom endpoints: register them as an Azure CLI cloud (updated when a cloud of that name exists).',
          '# az needs a resource-manager endpoint, where sign-in lists subscriptions (none is fine); the profile',
          '# names none, so the Graph endpoint stands in: set RESOURCE_MANAGER to your cloud\'s if it has one.',
          `LOGIN=${sh(p.loginUrl)}`,
          'RESOURCE_MANAGER="$GRAPH/"',
          `CLOUD_NAME=${CUSTOM_ENVIRONMENT}`,
          '# "az cloud register --cloud-config" (learn.microsoft.com/cli/azure/manage-clouds-azure-cli): az requires',
          '# resourceManager, activeDirectory, activeDirectoryResourceId and activeDirectoryGraphResourceId; the',
          '# resource ids end with a slash as in az\'s own clouds, so sign-in asks for "<graph>//.default".',
          'printf \'{"endpoints":{"activeDirectory":"%s","activeDirectoryResourceId":"%s/","activeDirectoryGraphResourceId":"%s/","microsoftGraphResourceId":"%s/","resourceManager":"%s"}}\' "$LOGIN" "$GRAPH" "$GRAPH" "$GRAPH" "$RESOURCE_MANAGER" > "$BODY"',
          'step "Registering the custom cloud with the Azure CLI" "Check the login and Graph URLs at the top of this script."',
          'if ! az cloud register --name "$CLOUD_NAME" --cloud-config "@$BODY" --only-show-errors >/dev/null 2>"$ERRORS"; then',
          '  grep -q "is already registered" "$ERRORS"',
          '  az cloud update --name "$CLOUD_NAME" --cloud-config "@$BODY" --only-show-errors >/dev/null 2>"$ERRORS"',
          'fi',
          'az cloud set --name "$CLOUD_NAME" --only-show-errors >/dev/null',
        ].join('\n')
      : [
          'step "Selecting the cloud" "Update the Azure CLI (2.40 or later)."',
          `az cloud set --name ${azCloud} --only-show-errors >/dev/null`,
        ].join('\n');
  const type = p.kind === 'application' ? 'Role' : 'Scope';
  const access = p.permissions.map((perm) => `        { "id": "${perm.id}", "type": "${type}" }`).join(',\n');
  // Application profiles: the admin-consent URL's redirect_uri must be a registered web redirect URI.
  const redirect =
    p.kind === 'delegated'
      ? `\n  "isFallbackPublicClient": true,\n  "publicClient": { "redirectUris": ["$REDIRECT_URI"] },`
      : `\n  "web": { "redirectUris": ["$REDIRECT_URI"] },`;
  const thumbB64 = p.certificate ? Buffer.from(p.certificate.thumbprint, 'hex').toString('base64') : '';
  const certVar = p.certificate
    ? `\n${certificateComment(p.certificate, '#')}\nCERT_B64=${sh(p.certificate.base64)}\nCERT_THUMBPRINT=${sh(p.certificate.thumbprint)}\nCERT_THUMBPRINT_B64=${sh(thumbB64)}`
    : '';
  const certStep =
    p.kind === 'application' && p.certificate
      ? [
          '# 3. Upload the PUBLIC certificate (never the private key), unless the app has it already.',
          '#    The app\'s other keys stay: they are sent back by keyId (as "az ad app credential reset --append"',
          '#    does), so a certificate kept for "cert rollback" survives a re-run.',
          'step "Step 3: reading the app\'s certificates" "Check that you may read the app registration."',
          '# One line per key: its keyId, and whether it is this certificate (same key, or its thumbprint).',
          'KEYS=$(retry "the new app registration" graph GET "/applications/$APP_OBJECT_ID" --url-parameters \'$select=keyCredentials\' --query "keyCredentials[].join(\' \', [keyId, to_string(key==\'$CERT_B64\' || customKeyIdentifier==\'$CERT_THUMBPRINT_B64\' || customKeyIdentifier==\'$CERT_THUMBPRINT\')])" -o tsv)',
          'if ! printf \'%s\\n\' "$KEYS" | grep -q \' true$\'; then',
          '  step "Step 3: uploading the certificate" "An Application Administrator, a Cloud Application Administrator or an owner of the app can upload it."',
          '  KEPT=""',
          '  for KEY_ID in $(printf \'%s\\n\' "$KEYS" | cut -d\' \' -f1); do KEPT="$KEPT{\\"keyId\\":\\"$KEY_ID\\"},"; done',
          '  printf \'{"keyCredentials":[%s{"type":"AsymmetricX509Cert","usage":"Verify","key":"%s","displayName":"%s"}]}\' "$KEPT" "$CERT_B64" "$APP_NAME" > "$BODY"',
          '  retry "the new app registration" graph PATCH "/applications/$APP_OBJECT_ID" --body "@$BODY" >/dev/null',
          '  echo "Certificate uploaded, thumbprint $CERT_THUMBPRINT ($(printf \'%s\' "$KEYS" | grep -c . || true) other key(s) kept)."',
          'else',
          '  echo "Certificate $CERT_THUMBPRINT is already registered."',
          'fi',
        ].join('\n')
      : '# 3. No certificate given: upload one later (cert create, then consent script --certificate).';
  const consent =
    p.kind === 'application'
      ? [
          '# 4. Admin consent: one app role assignment per application permission not granted yet.',
          '#    Needs a Privileged Role Administrator or Global Administrator.',
          'step "Step 4: reading the granted permissions" "Check that you may read the service principal."',
          'GRANTED=$(retry "the new service principal" graph GET "/servicePrincipals/$SP_ID/appRoleAssignments" --query "value[?resourceId==\'$GRAPH_SP_ID\'].appRoleId" -o tsv)',
          'step "Step 4: admin consent" "Hand this same script to a Privileged Role Administrator or Global Administrator."',
          `for ROLE_ID in ${p.permissions.map((x) => x.id).join(' ')}; do`,
          '  case "$GRANTED" in *"$ROLE_ID"*) continue ;; esac',
          '  printf \'{"principalId":"%s","resourceId":"%s","appRoleId":"%s"}\' "$SP_ID" "$GRAPH_SP_ID" "$ROLE_ID" > "$BODY"',
          '  if ! retry "the new service principal" graph POST "/servicePrincipals/$SP_ID/appRoleAssignments" --body "@$BODY" >/dev/null; then',
          '    if grep -qE \'Authorization_RequestDenied|Insufficient privileges\' "$ERRORS"; then',
          '      cat "$ERRORS" >&2',
          `      echo ${sh(CONSENT_REFUSED_MESSAGE)} >&2`,
          '      STEP=""',
          '      exit 3',
          '    fi',
          '    false',
          '  fi',
          '  echo "Granted app role $ROLE_ID."',
          'done',
        ].join('\n')
      : [
          '# 4. Admin consent for the delegated scopes, for all users of the tenant (one grant, updated on a re-run).',
          `SCOPES=${sh(p.permissions.map((x) => x.name).join(' '))}`,
          'step "Step 4: admin consent" "Ask a Cloud Application Administrator, Application Administrator, Privileged Role Administrator or Global Administrator to run this script."',
          'GRANT_ID=$(retry "the new service principal" graph GET /oauth2PermissionGrants --url-parameters "\\$filter=clientId eq \'$SP_ID\' and consentType eq \'AllPrincipals\' and resourceId eq \'$GRAPH_SP_ID\'" --query \'value[0].id\' -o tsv)',
          'if [ -n "$GRANT_ID" ]; then',
          '  printf \'{"scope":"%s"}\' "$SCOPES" > "$BODY"',
          '  graph PATCH "/oauth2PermissionGrants/$GRANT_ID" --body "@$BODY" >/dev/null',
          'else',
          '  printf \'{"clientId":"%s","consentType":"AllPrincipals","resourceId":"%s","scope":"%s"}\' "$SP_ID" "$GRAPH_SP_ID" "$SCOPES" > "$BODY"',
          '  retry "the new service principal" graph POST "/oauth2PermissionGrants" --body "@$BODY" >/dev/null',
          'fi',
        ].join('\n');
  const next = profileNameToAdd(p.profileName);
  return `#!/usr/bin/env bash
${header(p, '#')}
#
${datasetsNote('#')}
#
# Needs Azure CLI 2.40+ and bash. Every Microsoft Graph call goes to GRAPH below.
# Your own Azure CLI sign-in and clouds stay as they are: the script signs in within a
# configuration folder of its own (AZURE_CONFIG_DIR), deleted when it ends.

set -euo pipefail
TENANT_ID=${sh(p.tenantId)}
APP_NAME=${sh(p.displayName)}
# Application (client) ID of an app registration created before (for example by a run that
# stopped before the consent step). Empty: the script looks the app up by APP_NAME.
APP_ID=${sh(p.appId)}
REDIRECT_URI=${sh(DEFAULT_CONSENT_REDIRECT_URI)}
GRAPH=${sh(p.graphUrl)}
GRAPH_APP_ID='${MICROSOFT_GRAPH_APP_ID}'${certVar}

WORK=$(mktemp -d)
BODY="$WORK/body.json"
ERRORS="$WORK/errors.txt"
export AZURE_CONFIG_DIR="$WORK/azure"
STEP=""
HINT=""
on_exit() {
  local status=$?
  if [ "$status" -ne 0 ] && [ -n "$STEP" ]; then
    [ -s "$ERRORS" ] && cat "$ERRORS" >&2
    echo "FAILED: $STEP. $HINT" >&2
  fi
  rm -rf "$WORK"
  exit "$status"
}
trap on_exit EXIT
# step NAME WHAT-TO-DO: names the step a failure is reported against.
step() { STEP=$1; HINT=$2; : > "$ERRORS"; }

graph() { # graph METHOD PATH [az rest args...]: az's error text goes to $ERRORS
  local method=$1 path=$2; shift 2
  az rest --only-show-errors --method "$method" --url "$GRAPH/v1.0$path" --resource "$GRAPH" --headers 'Content-Type=application/json' "$@" 2>"$ERRORS"
}

# Microsoft Graph replicates a new app registration or service principal with a delay; a call
# that names it too early fails with one of these messages and is tried again, at most ${REPLICATION_ATTEMPTS} times.
REPLICATION_ERRORS=${sh(REPLICATION_ERRORS.join('|'))}
retry() { # retry WAITING-FOR command...
  local what=$1 attempt=1 delay=2; shift
  until "$@"; do
    if [ "$attempt" -ge ${REPLICATION_ATTEMPTS} ] || ! grep -qE "$REPLICATION_ERRORS" "$ERRORS"; then return 1; fi
    echo "Waiting \${delay}s for Microsoft Graph to replicate $what (attempt $attempt of ${REPLICATION_ATTEMPTS})..." >&2
    sleep "$delay"
    attempt=$((attempt + 1))
    delay=$((delay * 2))
  done
}

${cloudSetup}
step "Signing in" "Sign in with an account of tenant $TENANT_ID (see WHO MUST RUN THIS SCRIPT above)."
az login --tenant "$TENANT_ID" --allow-no-subscriptions --only-show-errors >/dev/null

# 1. Single-tenant app registration with exactly these permissions: reuse it when it exists.
if [ -z "$APP_ID" ]; then
  step "Step 1: looking up the app registration" "Check that you may read app registrations (Application Administrator or Cloud Application Administrator)."
  FOUND=$(graph GET /applications --url-parameters "\\$filter=displayName eq '$APP_NAME'" '$select=appId' --query 'value[].appId' -o tsv)
  COUNT=$(printf '%s' "$FOUND" | grep -c . || true)
  if [ "$COUNT" -gt 1 ]; then
    STEP=""
    echo "$COUNT app registrations are named '$APP_NAME'. Set APP_ID at the top of this script to the one to use." >&2
    exit 1
  fi
  APP_ID=$FOUND
fi
if [ -n "$APP_ID" ]; then
  # Reused as it is (a Privileged Role Administrator finishing the consent need not edit it).
  step "Step 1: reading app registration $APP_ID" "Check APP_ID at the top of this script."
  READ=$(graph GET "/applications(appId='$APP_ID')" --query "join(' ', [id, to_string(contains(to_array(${p.kind === 'application' ? 'web' : 'publicClient'}.redirectUris), '$REDIRECT_URI'))])" -o tsv)
  read -r APP_OBJECT_ID HAS_REDIRECT <<<"$READ" || true
  if [ -z "\${APP_OBJECT_ID:-}" ]; then false; fi
  echo "Reusing app registration $APP_ID."
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
  step "Step 1: creating the app registration" "An Application Administrator or Cloud Application Administrator can create it."
  CREATED=$(graph POST /applications --body "@$BODY" --query "join(' ', [id, appId])" -o tsv)
  read -r APP_OBJECT_ID APP_ID <<<"$CREATED" || true
  if [ -z "\${APP_ID:-}" ] || [ -z "\${APP_OBJECT_ID:-}" ]; then false; fi
  echo "Created app registration $APP_ID."
fi

# 2. Its service principal in this tenant (created once), and Microsoft Graph's.
step "Step 2: looking up the service principal" "Check that you may read service principals."
SP_ID=$(graph GET /servicePrincipals --url-parameters "\\$filter=appId eq '$APP_ID'" --query 'value[0].id' -o tsv)
if [ -z "$SP_ID" ]; then
  step "Step 2: creating the service principal" "An Application Administrator or Cloud Application Administrator can create it."
  printf '{"appId":"%s"}' "$APP_ID" > "$BODY"
  SP_ID=$(retry "the new app registration" graph POST /servicePrincipals --body "@$BODY" --query id -o tsv)
  if [ -z "$SP_ID" ]; then false; fi
  echo "Created service principal $SP_ID."
fi
step "Step 2: looking up Microsoft Graph's service principal" "Check the GRAPH URL at the top of this script."
GRAPH_SP_ID=$(graph GET "/servicePrincipals(appId='$GRAPH_APP_ID')" --query id -o tsv)
if [ -z "$GRAPH_SP_ID" ]; then false; fi

${certStep}

${consent}

STEP=""
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
