/**
 * The Azure CLI as a client of the demo tenant, so that an administrator's registration script
 * (consent/scripts.ts, azcli variant) runs against it with the real `az`.
 *
 * Azure CLI signs in as Microsoft's first-party public client "Microsoft Azure CLI"
 * (04b07795-8ddb-461a-bbee-02f9e1bf7b46, learn.microsoft.com/troubleshoot/entra/entra-id/governance/verify-first-party-apps-sign-in),
 * which is pre-authorized in every tenant: a user's token carries the delegated scopes below,
 * and what the user may actually do is decided by the user's directory roles (`wids`), which
 * graph/app-registrations.ts checks as Entra ID does.
 */
import type { PublicRegistration } from './delegated';

export const AZURE_CLI_APP_ID = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

/** Delegated Microsoft Graph scopes of the Azure CLI's tokens (the subset the registration script relies on). */
export const AZURE_CLI_SCOPES: readonly string[] = [
  'Application.ReadWrite.All',
  'AppRoleAssignment.ReadWrite.All',
  'DelegatedPermissionGrant.ReadWrite.All',
  'Directory.AccessAsUser.All',
  'User.Read',
];

export function azureCliRegistration(): PublicRegistration {
  return {
    // Not one of the demo's own public clients; the name only labels it.
    name: 'delegated',
    clientId: AZURE_CLI_APP_ID,
    displayName: 'Microsoft Azure CLI',
    // az's interactive sign-in uses a loopback redirect URI; the device code flow needs none.
    redirectUris: ['http://localhost'],
    delegatedScopes: [...AZURE_CLI_SCOPES],
  };
}
