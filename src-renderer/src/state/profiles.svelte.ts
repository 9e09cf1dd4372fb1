import type { z } from 'zod';
import { call } from '../lib/api';
import type { profileSummarySchema } from '../../../src-main/shared/contract';
import type { Profile } from '../../../src-main/shared/profile';
import type { CredentialStatusDto } from '../../../src-main/shared/credentials';
import type { DemoStartOptions, DemoStatusDto } from '../../../src-main/shared/demo';
import type { ErrorDto } from '../../../src-main/shared/errors';
import { Loadable } from './async.svelte';
import { go, nav, selectProfile } from './nav.svelte';
import { consent } from './consent.svelte';

export type ProfileSummary = z.infer<typeof profileSummarySchema>;

/** The profiles list, the selected profile's details and credential status, the demo tenant. */
class ProfilesState {
  list = new Loadable<ProfileSummary[]>();
  detail = new Loadable<Profile>();
  credential = new Loadable<CredentialStatusDto>();
  demo = new Loadable<DemoStatusDto>();
  saving = $state(false);
  saveError = $state<ErrorDto | undefined>(undefined);

  async load(): Promise<void> {
    await this.list.run(() => call('profiles.list', {}));
    if (!this.demo.loading) void this.demo.run(() => call('demo.status', {}));
    const names = (this.list.value ?? []).map((p) => p.name);
    if (nav.profile && !names.includes(nav.profile)) selectProfile(undefined);
  }

  async open(name: string): Promise<void> {
    selectProfile(name);
    await Promise.all([this.detail.run(() => call('profiles.get', { profile: name })), this.credential.run(() => call('credentials.status', { profile: name }))]);
  }

  /** "Try the demo tenant": start it, then open its profile. */
  async startDemo(): Promise<void> {
    const status = await this.demo.run(() => call('demo.start', {}));
    if (!status) return;
    await this.load();
    await this.open(status.profile);
    go('profiles');
  }

  /** Start the demo tenant again with other options (size, which of its apps signs in). */
  async restartDemo(options: DemoStartOptions): Promise<void> {
    await call('demo.stop', {});
    const status = await this.demo.run(() => call('demo.start', options));
    consent.forget();
    await this.load();
    if (status) await this.open(status.profile);
  }

  /** Save a profile; then put a typed secret into the secret store (it never comes back). */
  async save(profile: Profile, replace: boolean, secret?: { value: string; expiresOn?: string }): Promise<boolean> {
    this.saving = true;
    this.saveError = undefined;
    try {
      const saved = await call('profiles.save', { profile, replace });
      if (!saved.ok) {
        this.saveError = saved.error;
        return false;
      }
      if (secret) {
        const s = await call('credentials.setSecret', { profile: profile.name, secret: secret.value, ...(secret.expiresOn ? { expiresOn: secret.expiresOn } : {}) });
        if (!s.ok) {
          this.saveError = s.error;
          await this.load();
          return false;
        }
      }
      await this.load();
      await this.open(profile.name);
      return true;
    } finally {
      this.saving = false;
    }
  }

  async setSecret(name: string, value: string, expiresOn?: string): Promise<boolean> {
    const r = await this.credential.run(() => call('credentials.setSecret', { profile: name, secret: value, ...(expiresOn ? { expiresOn } : {}) }));
    return r !== undefined;
  }

  async remove(name: string): Promise<ErrorDto | undefined> {
    const r = await call('profiles.remove', { profile: name });
    if (!r.ok) return r.error;
    if (nav.profile === name) selectProfile(undefined);
    this.detail.reset();
    await this.load();
    return undefined;
  }
}

export const profiles = new ProfilesState();
