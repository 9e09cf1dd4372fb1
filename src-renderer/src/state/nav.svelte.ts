/**
 * Where the operator is: the screen and the profile it is about. The screens are a
 * registry (data), so later screens (reconciliation findings) are one more entry.
 */
export type ScreenId = 'profiles' | 'consent' | 'sync' | 'export';

export interface ScreenDef {
  id: ScreenId;
  label: string;
  /** Shown under the label in the navigation. */
  description: string;
  /** The screen is about one profile; without one selected it shows how to pick one. */
  needsProfile: boolean;
}

export const SCREENS: readonly ScreenDef[] = [
  { id: 'profiles', label: 'Profiles', description: 'Tenants and sign-in', needsProfile: false },
  { id: 'consent', label: 'Consent and verify', description: 'App registration, consent, self-check', needsProfile: true },
  { id: 'sync', label: 'Sync', description: 'Take a snapshot of the tenant', needsProfile: true },
  { id: 'export', label: 'Export', description: 'CSV files of a snapshot', needsProfile: true },
];

export const nav = $state<{ screen: ScreenId; profile: string | undefined }>({ screen: 'profiles', profile: undefined });

export function go(screen: ScreenId, profile?: string): void {
  if (profile !== undefined) nav.profile = profile;
  nav.screen = screen;
}

export function selectProfile(profile: string | undefined): void {
  nav.profile = profile;
}
