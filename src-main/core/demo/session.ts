import { startDemoTenant } from '../demo-tenant/index';
import type { DemoAppName, DemoPublicAppName, DemoTenant, DemoTenantOptions } from '../demo-tenant/types';
import { certificateCredential, type AppCredential } from '../auth/credentials';
import type { Profile } from '../profile/schema';
import { redactor } from '../log/redact';

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
