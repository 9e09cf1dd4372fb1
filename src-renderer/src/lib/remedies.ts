import type { Remedy, RemedyAction } from '../../../src-main/shared/errors';
import type { ScreenId } from '../state/nav.svelte';

/**
 * How a screen offers each remedy of the shared table: a button that takes the operator
 * to the screen where it is done, a link to open, or an instruction to copy. A Record over
 * every action, so a new action in the shared table fails the build until it is mapped here.
 */
export type RemedyView =
  | { kind: 'go'; label: string; screen: ScreenId; step?: string }
  | { kind: 'link'; label: string; url: string }
  | { kind: 'instruction'; text: string };

const sub = (r: Remedy, fallback: string, field: 'permission' | 'role') => r[field] ?? fallback;

const VIEWS: Record<RemedyAction, (r: Remedy) => RemedyView> = {
  'sign-in': () => ({ kind: 'go', label: 'Sign in again', screen: 'profiles' }),
  'grant-consent': (r) =>
    r.url ? { kind: 'link', label: 'Open the admin-consent page', url: r.url } : { kind: 'go', label: 'Get the admin-consent link', screen: 'consent', step: 'consent' },
  'add-permission': (r) => ({
    kind: 'instruction',
    text: `In the app registration, add the Microsoft Graph permission ${sub(r, 'named above', 'permission')}, then have a Privileged Role Administrator or Global Administrator grant admin consent.`,
  }),
  'assign-role': (r) => ({ kind: 'instruction', text: `Ask an administrator to assign the directory role ${sub(r, 'named above', 'role')} to the account that signs in.` }),
  'upload-certificate': () => ({ kind: 'go', label: 'Save the certificate to upload', screen: 'consent', step: 'certificate' }),
  'create-certificate': () => ({ kind: 'go', label: 'Create a certificate', screen: 'consent', step: 'certificate' }),
  'renew-certificate': () => ({ kind: 'go', label: 'Create a new certificate', screen: 'consent', step: 'certificate' }),
  'import-certificate': () => ({
    kind: 'instruction',
    text: 'Import the existing certificate with its private key (a PFX file, or the PEM certificate and key) into this profile; its key then moves into the secret store.',
  }),
  'rollback-certificate': () => ({ kind: 'go', label: 'Go back to the previous certificate', screen: 'consent', step: 'certificate' }),
  'set-secret': () => ({ kind: 'go', label: 'Set the client secret', screen: 'profiles' }),
  'edit-profile': () => ({ kind: 'go', label: 'Edit the profile', screen: 'profiles' }),
  'add-profile': () => ({ kind: 'go', label: 'Add a profile', screen: 'profiles' }),
  'run-sync': () => ({ kind: 'go', label: 'Run a sync', screen: 'sync' }),
  'list-snapshots': () => ({ kind: 'go', label: 'See the snapshots', screen: 'sync' }),
  'check-network': () => ({ kind: 'instruction', text: 'Check the network path to Microsoft: the proxy settings (HTTPS_PROXY) and, behind a TLS-inspecting proxy, its CA certificate in the profile.' }),
  'retry-later': () => ({ kind: 'instruction', text: 'Wait a few minutes, then try again.' }),
  'check-storage': () => ({ kind: 'instruction', text: 'Check the free disk space and that the data folder can be written.' }),
  verify: () => ({ kind: 'go', label: 'Run the permission self-check', screen: 'consent', step: 'verify' }),
  'fix-input': () => ({ kind: 'instruction', text: 'Correct the value named above and try again.' }),
  'report-bug': () => ({ kind: 'instruction', text: 'Report this with the log file from the data folder (logs/reconciler.log).' }),
};

export function remedyView(r: Remedy): RemedyView {
  return VIEWS[r.action](r);
}
