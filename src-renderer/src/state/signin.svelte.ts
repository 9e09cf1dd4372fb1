import { call, on } from '../lib/api';
import type { SignInResultDto } from '../../../src-main/shared/credentials';
import { Loadable } from './async.svelte';
import { profiles } from './profiles.svelte';

/** A device code to show while the operator completes it on another device. */
export interface DeviceCode {
  message: string;
  userCode: string;
  verificationUri: string;
}

/**
 * Delegated sign-in of the selected profile: the system browser (auth code + PKCE on a
 * loopback), or a device code. The page only learns who signed in, never a token.
 */
class SignInState {
  result = new Loadable<SignInResultDto>();
  signOut = new Loadable<{ profile: string; username?: string; store: string }>();
  deviceCode = $state<DeviceCode | undefined>(undefined);
  /** The sign-in address, for an operator whose browser did not open. */
  browserUrl = $state<string | undefined>(undefined);
  #profile: string | undefined;

  constructor() {
    on('auth.deviceCode', (e) => {
      if (e.profile === this.#profile) this.deviceCode = { message: e.message, userCode: e.userCode, verificationUri: e.verificationUri };
    });
    on('auth.state', (e) => {
      if (e.profile === this.#profile && e.state === 'browser-opened') this.browserUrl = e.url;
    });
  }

  async start(profile: string, flow: 'interactive' | 'device-code'): Promise<void> {
    this.#profile = profile;
    this.deviceCode = undefined;
    this.browserUrl = undefined;
    this.signOut.reset();
    await this.result.run(() => call('auth.signIn', { profile, flow }));
    this.deviceCode = undefined;
    await profiles.open(profile);
  }

  async end(profile: string): Promise<void> {
    this.result.reset();
    await this.signOut.run(() => call('auth.signOut', { profile }));
    await profiles.open(profile);
  }
}

export const signIn = new SignInState();
