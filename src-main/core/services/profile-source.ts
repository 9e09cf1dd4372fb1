import type { AppCredential } from '../auth/credentials';
import type { DemoManager, DemoSession } from '../demo/manager';
import type { Profile } from '../profile/schema';
import type { ProfileStore } from '../profile/store';
import type { SecretStore } from '../secrets/secret-store';

/** Everything a Graph session needs for one profile, real or demo. */
export interface ResolvedProfile {
  profile: Profile;
  /** An app credential handed over in memory (the demo's); otherwise loaded from the profile's source. */
  credential: AppCredential | undefined;
  /** CA certificates trusted besides the profile's own bundle. */
  extraCaPem: string[];
  /** Where the profile's keys, client secret and sign-in live. */
  secretStore: SecretStore;
  /** False for a profile that is never written to the profiles file (the demo's). */
  persisted: boolean;
  /** The demo session behind the profile, for its capabilities (scripted browser, certificate proof). */
  demo: DemoSession | undefined;
}

/**
 * Resolves any profile name, real or demo, to what a session needs. This is the one
 * place that knows the demo tenant answers to a reserved name.
 */
export class ProfileSource {
  constructor(
    private readonly store: ProfileStore,
    readonly demo: DemoManager,
    private readonly secretStore: SecretStore,
    private readonly extraCaPem: string[],
  ) {}

  isReserved(name: string): boolean {
    return this.demo.isReserved(name);
  }

  async resolve(name: string): Promise<ResolvedProfile> {
    const session = await this.demo.sessionFor(name);
    if (session) {
      return {
        profile: session.profile,
        credential: session.credential,
        extraCaPem: [...this.extraCaPem, ...session.extraCaPem],
        secretStore: session.secretStore,
        persisted: false,
        demo: session,
      };
    }
    return { profile: await this.store.get(name), credential: undefined, extraCaPem: this.extraCaPem, secretStore: this.secretStore, persisted: true, demo: undefined };
  }

  /** Stored profiles, plus the demo's while it runs. */
  async list(): Promise<{ profile: Profile; demo: boolean }[]> {
    const stored = (await this.store.list()).map((profile) => ({ profile, demo: false }));
    const running = this.demo.current();
    return running ? [{ profile: running.profile, demo: true }, ...stored] : stored;
  }
}
