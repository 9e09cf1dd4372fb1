import type { Profile } from '../profile/schema';
import { requiredApplicationPermissions, requiredDelegatedScopes } from '../permissions/matrix';
import { roleGuidance, type RoleGuidance } from './guidance';
import { profileNameToAdd } from './profile-name';
import { adminConsentUrl, DEFAULT_CONSENT_REDIRECT_URI } from './urls';

/**
 * The consent walkthrough: ordered steps the desktop app shows (and `consent guide`
 * prints). Each step says what to do, which command does it, and who may do it.
 */
export interface WalkthroughStep {
  id: 'review' | 'certificate' | 'register' | 'consent' | 'profile' | 'verify';
  title: string;
  text: string[];
  /** A CLI command that performs or prepares the step. */
  command?: string;
  /** A URL to open (the admin-consent URL). */
  url?: string;
  /** Who may perform the step. */
  who?: string;
}

export interface Walkthrough {
  profileName: string;
  kind: 'application' | 'delegated';
  permissions: string[];
  steps: WalkthroughStep[];
  guidance: RoleGuidance;
}

export function consentWalkthrough(profile: Profile, opts: { redirectUri?: string } = {}): Walkthrough {
  const kind = profile.credential.kind === 'delegated' ? 'delegated' : 'application';
  const permissions = kind === 'application' ? requiredApplicationPermissions() : requiredDelegatedScopes();
  const guidance = roleGuidance(kind);
  const n = profile.name;
  const hasCertificate = profile.credential.kind === 'certificate';
  const registerWhat =
    kind === 'delegated'
      ? `, a public client with the ${DEFAULT_CONSENT_REDIRECT_URI} redirect`
      : `, the ${DEFAULT_CONSENT_REDIRECT_URI} web redirect URI the admin-consent URL returns to` +
        (hasCertificate ? ', uploads the public certificate (embedded in the script)' : ' (no certificate: this profile uses a client secret, which you add in the portal)');
  const consentWho = kind === 'application' ? 'Privileged Role Administrator or Global Administrator' : 'Cloud Application Administrator, Application Administrator, Privileged Role Administrator or Global Administrator';
  const steps: WalkthroughStep[] = [
    {
      id: 'review',
      title: 'Review what the app will be allowed to read',
      text: [
        `The app asks for ${kind === 'application' ? 'these Microsoft Graph application permissions' : 'these Microsoft Graph delegated permissions'}, all read-only: ${permissions.join(', ')}.`,
        'It never asks for Directory.Read.All or any write permission, and it never sends anything but GET requests to Microsoft Graph.',
        ...guidance.text,
      ],
    },
  ];
  if (kind === 'application') {
    steps.push({
      id: 'certificate',
      title: 'Create a certificate (recommended instead of a client secret)',
      text: ['A certificate cannot be copied from a screen like a secret, and its private key stays encrypted on this machine. Export only the public part for the app registration.'],
      command: `m365-reconciler cert create --profile ${n}`,
      who: 'The operator (no directory role needed).',
    });
  }
  steps.push(
    {
      id: 'register',
      title: 'Create the app registration',
      text: [
        'Run the generated script (Microsoft Graph PowerShell or Azure CLI). It creates a single-tenant app with exactly these permissions and its service principal' +
          registerWhat +
          ', and grants admin consent.',
        'The script finds an app it created before by its display name (or the app id set at its top) and creates nothing twice, so the person who can consent can run it again to finish.',
        kind === 'application'
          ? 'An Application Administrator or Cloud Application Administrator can run the first steps; the consent step needs a Privileged Role Administrator or Global Administrator.'
          : 'A Cloud Application Administrator or Application Administrator can run the whole script.',
      ],
      command: `m365-reconciler consent script --profile ${n} --shell powershell --out register-${n}.ps1   (or --shell azcli)`,
      who: kind === 'application' ? 'Application Administrator or Cloud Application Administrator (registration); Privileged Role Administrator or Global Administrator (consent)' : consentWho,
    },
    {
      id: 'consent',
      title: 'Grant admin consent (if the script did not)',
      text: [
        'Send this URL to the person who can consent. They sign in, review the permissions and accept; Entra ID then redirects to the given redirect URI.',
        kind === 'application'
          ? 'Cloud Application Administrator and Application Administrator CANNOT grant Microsoft Graph application permissions: the page will refuse them.'
          : 'Admin consent makes the delegated scopes work for every user without a consent prompt.',
      ],
      url: adminConsentUrl(profile, opts.redirectUri !== undefined ? { redirectUri: opts.redirectUri } : {}),
      command: `m365-reconciler consent url --profile ${n}`,
      who: consentWho,
    },
    {
      id: 'profile',
      title: 'Put the client ID into the profile',
      text: ['The script prints the Application (client) ID. Save it in the profile together with the credential source.'],
      command: `m365-reconciler profile add --name ${profileNameToAdd(n)} --tenant ${profile.tenantId} --client-id <client id> --cloud ${profile.cloud} ...`,
      who: 'The operator.',
    },
    {
      id: 'verify',
      title: 'Verify',
      text: ['Checks every feature with one read request each and lists anything missing (permission, role or licence), any excess privilege, and when the credential expires.'],
      command: `m365-reconciler verify --profile ${n}`,
      who: 'The operator.',
    },
  );
  return { profileName: n, kind, permissions, steps, guidance };
}
