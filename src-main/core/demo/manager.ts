import { DEMO_PROFILE_NAME, demoStartSchema, type DemoStartOptions, type DemoStatusDto } from '../../shared/demo';
import type { AppCredential } from '../auth/credentials';
import type { DeviceCodeInfo, OpenBrowser } from '../auth/delegated-token';
import { OperatorError } from '../errors/operator-error';
import type { Network } from '../net/network';
import type { Profile } from '../profile/schema';
import { MemorySecretStore } from '../secrets/memory-store';
import type { SecretStore } from '../secrets/secret-store';
import type { DemoTenant } from '../demo-tenant/types';

/**
 * The built-in demo tenant as the services see it: one running session at a time, whose
 * profile answers to the reserved name. Everything demo-specific a service may need is a
 * capability of the session (its in-memory credential, its CA, its memory secret store,
 * the scripted sign-in browser), so no service or front end branches on the name.
 *
 * The demo tenant's code (CA generation, HTTPS servers) is imported only when a session
 * starts, so production paths never load it.
 */
export interface DemoSession {
  readonly tenant: DemoTenant;
  readonly profile: Profile;
  readonly options: Required<Omit<DemoStartOptions, 'demoUser'>> & { demoUser?: DemoStartOptions['demoUser'] };
  /** The app credential, handed over in memory; absent for a delegated profile. */
  readonly credential: AppCredential | undefined;
  /** The demo tenant's CA, trusted like an enterprise proxy's. */
  readonly extraCaPem: string[];
  /** Sign-ins and keys of this session only (the demo profile is never persisted). */
  readonly secretStore: SecretStore;
  /** The scripted browser playing the demo user at the demo sign-in page; undefined without a demo user. */
  browser(network: Network): { openBrowser: OpenBrowser; completeDeviceCode(info: DeviceCodeInfo): Promise<void> } | undefined;
  /** One line saying who signs in to what. */
  readonly description: string;
}

export interface DemoManagerOptions {
  /** Start the demo tenant with these options the first time its profile is resolved (the CLI's --profile demo). */
  autoStart?: DemoStartOptions;
  notify?: (text: string) => void;
}

export class DemoManager {
  #session: DemoSession | undefined;
  #starting: Promise<DemoSession> | undefined;
  readonly #opts: DemoManagerOptions;

  constructor(opts: DemoManagerOptions = {}) {
    this.#opts = opts;
  }

  /** The reserved profile name: never a stored profile. */
  isReserved(name: string): boolean {
    return name === DEMO_PROFILE_NAME;
  }

  get profileName(): string {
    return DEMO_PROFILE_NAME;
  }

  current(): DemoSession | undefined {
    return this.#session;
  }

  /** The running session for a profile name, auto-started when configured; undefined for other names. */
  async sessionFor(name: string): Promise<DemoSession | undefined> {
    if (!this.isReserved(name)) return undefined;
    if (this.#session) return this.#session;
    if (this.#starting) return this.#starting;
    if (this.#opts.autoStart) return this.start(this.#opts.autoStart);
    throw new OperatorError('profile-not-found', `The demo tenant is not running, so there is no "${DEMO_PROFILE_NAME}" profile.`, {
      hint: 'Start the demo tenant first.',
    });
  }

  async start(raw: DemoStartOptions): Promise<DemoSession> {
    if (this.#session || this.#starting) {
      throw new OperatorError('busy', 'The demo tenant is already running.', { hint: 'Stop it first to start it with other options.' });
    }
    const options = demoStartSchema.parse(raw);
    this.#starting = (async () => {
      const { startDemoSession } = await import('./session');
      const s = await startDemoSession(options);
      this.#session = s;
      this.#opts.notify?.(`Demo tenant ${s.tenant.domain}: ${s.tenant.userCount} users, ${s.description}.`);
      return s;
    })();
    try {
      return await this.#starting;
    } finally {
      this.#starting = undefined;
    }
  }

  async stop(): Promise<void> {
    const s = this.#session ?? (await this.#starting?.catch(() => undefined));
    this.#session = undefined;
    await s?.tenant.close();
  }

  status(): DemoStatusDto {
    const s = this.#session;
    return s
      ? { running: true, profile: DEMO_PROFILE_NAME, domain: s.tenant.domain, tenantId: s.tenant.tenantId, userCount: s.tenant.userCount, signIn: s.description }
      : { running: false, profile: DEMO_PROFILE_NAME };
  }
}

export function demoSecretStore(): SecretStore {
  return new MemorySecretStore();
}
