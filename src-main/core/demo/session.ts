import { startDemoTenant } from '../demo-tenant/index';
import type { DemoAppName, DemoPublicAppName, DemoTenant, DemoTenantOptions } from '../demo-tenant/types';
import { certificateCredential, type AppCredential } from '../auth/credentials';
import type { Profile } from '../profile/schema';
import { redactor } from '../log/redact';
import type { z } from 'zod';
import type { demoStartSchema } from '../../shared/demo';
import { MemorySecretStore } from '../secrets/memory-store';
import { DemoBrowser } from './browser';
import type { DemoSession } from './manager';

import { DEMO_PROFILE_NAME } from '../../shared/demo';

export { DEMO_PROFILE_NAME };

export type CredentialKind = 'secret' | 'certificate' | 'delegated';
export type AppCredentialKind = Exclude<CredentialKind, 'delegated'>;

export interface DemoContext {
  tenant: DemoTenant;
  profile: Profile;
  /** The app credential; absent for a delegated profile (the user signs in instead). */
  credential?: AppCredential;
  /** The demo tenant's CA, trusted by the network layer like an enterprise proxy CA. */
  extraCaPem: string[];
}

export interface DemoSetup extends DemoTenantOptions {
  app?: DemoAppName;
  credentialKind?: CredentialKind;
  /** Public client used when credentialKind is 'delegated' (default 'delegated'). */
  publicApp?: DemoPublicAppName;
}

/** A profile of the demo tenant for one of its apps: custom cloud endpoints on 127.0.0.1. */
export function demoTenantProfile(
  tenant: Pick<DemoTenant, 'tenantId' | 'loginUrl' | 'graphUrl'>,
  clientId: string,
  credential: Profile['credential'],
  name: string = DEMO_PROFILE_NAME,
): Profile {
  return {
    name,
    tenantId: tenant.tenantId,
    clientId,
    cloud: 'custom',
    customEndpoints: { loginUrl: tenant.loginUrl, graphUrl: tenant.graphUrl },
    credential,
  };
}

/** A profile for the in-process demo tenant: custom cloud endpoints on 127.0.0.1. */
export function demoProfile(tenant: DemoTenant, app: DemoAppName, kind: CredentialKind, publicApp: DemoPublicAppName = 'delegated'): Profile {
  if (kind === 'delegated') return demoTenantProfile(tenant, tenant.publicApps[publicApp].clientId, { kind: 'delegated', flow: 'interactive' });
  // The demo tenant hands its credential over in memory; these name where a
  // real deployment would keep it.
  return demoTenantProfile(
    tenant,
    tenant.apps[app].clientId,
    kind === 'secret' ? { kind: 'secret', secretEnv: 'M365LR_CLIENT_SECRET' } : { kind: 'certificate', certificatePath: '(in memory)', privateKeyPath: '(in memory)' },
  );
}

export function demoCredential(tenant: DemoTenant, app: DemoAppName, kind: AppCredentialKind): AppCredential {
  const a = tenant.apps[app];
  if (kind === 'secret') {
    redactor.add(a.secret);
    return { kind: 'secret', secret: a.secret };
  }
  redactor.add(a.privateKeyPem);
  return certificateCredential(a.certificatePem, a.privateKeyPem);
}

/** Start the demo tenant, hand a ready profile and credential to `fn`, always stop the tenant. */
export async function withDemoTenant<T>(setup: DemoSetup, fn: (ctx: DemoContext) => Promise<T>): Promise<T> {
  const { app = 'reader', credentialKind = 'secret', publicApp = 'delegated', ...tenantOptions } = setup;
  const tenant = await startDemoTenant(tenantOptions);
  try {
    return await fn({
      tenant,
      profile: demoProfile(tenant, app, credentialKind, publicApp),
      ...(credentialKind === 'delegated' ? {} : { credential: demoCredential(tenant, app, credentialKind) }),
      extraCaPem: [tenant.caPem],
    });
  } finally {
    await tenant.close();
  }
}

/** A running demo session for the services (see manager.ts); the caller stops it with `tenant.close()`. */
export async function startDemoSession(options: z.output<typeof demoStartSchema>): Promise<DemoSession> {
  const tenant = await startDemoTenant({
    users: options.users,
    seed: options.seed,
    p1: options.p1,
    concealNames: options.concealNames,
    // A short device code polling interval keeps the demo snappy (Entra ID announces 5 s).
    ...(options.credential === 'delegated' ? { deviceCodeIntervalSeconds: 1 } : {}),
  });
  const kind = options.credential;
  const credential = kind === 'delegated' ? undefined : demoCredential(tenant, options.app, kind);
  const demoUser = options.demoUser;
  const description =
    kind === 'delegated'
      ? demoUser
        ? `user "${demoUser}" signing in to app "${options.publicApp}" (delegated, auth code + PKCE)`
        : `app "${options.publicApp}" for a delegated sign-in`
      : `app "${options.app}" signing in with a ${kind}`;
  return {
    tenant,
    profile: demoProfile(tenant, options.app, kind, options.publicApp),
    options,
    credential,
    extraCaPem: [tenant.caPem],
    secretStore: new MemorySecretStore(),
    description,
    browser(network) {
      if (!demoUser) return undefined;
      const account = tenant.signInUsers[demoUser];
      const b = new DemoBrowser({ network, user: { upn: account.upn, password: account.password } });
      return { openBrowser: b.openBrowser, completeDeviceCode: (info) => b.completeDeviceCode(info) };
    },
  };
}
