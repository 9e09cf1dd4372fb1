/**
 * For `cert create --profile demo`: shows what uploading a certificate achieves, against
 * the in-process demo tenant. The certificate is registered with the demo tenant's
 * least-privilege app (as an operator would upload it in the portal), and a token is
 * acquired through MSAL with a client assertion signed by the new key, read back from
 * the secret store it was put in.
 */
import { readFile } from 'node:fs/promises';
import { startDemoTenant } from '../demo-tenant/index';
import type { DemoAppName, DemoTenant } from '../demo-tenant/types';
import { loadAppCredential } from '../auth/credentials';
import { createAppTokenProvider } from '../auth/app-token';
import { tokenInfoFromJwt } from '../auth/token-claims';
import { createNetwork } from '../net/network';
import { demoTenantProfile } from './session';
import type { SecretStore } from '../secrets/secret-store';

export interface DemoProof {
  tenantDomain: string;
  app: DemoAppName;
  clientId: string;
  roles: string[];
  tokenExpiresOn: Date;
}

export async function proveWithDemoTenant(opts: { certificatePath: string; secrets: SecretStore; profileName: string; app?: DemoAppName; tenant?: DemoTenant }): Promise<DemoProof> {
  const app = opts.app ?? 'reader';
  const own = opts.tenant === undefined;
  const tenant = opts.tenant ?? (await startDemoTenant({ users: 10, seed: 'demo' }));
  const network = createNetwork({ extraCaPem: [tenant.caPem], env: {} });
  try {
    tenant.registerCertificate(app, await readFile(opts.certificatePath, 'utf8'));
    const profile = demoTenantProfile(tenant, tenant.apps[app].clientId, { kind: 'certificate', certificatePath: opts.certificatePath, privateKeyInStore: true }, opts.profileName);
    const credential = await loadAppCredential(profile, { env: {}, readFile: (p) => readFile(p, 'utf8'), secretStore: opts.secrets });
    const token = await createAppTokenProvider({ profile, credential, network }).getToken();
    const info = tokenInfoFromJwt(token.accessToken);
    return { tenantDomain: tenant.domain, app, clientId: profile.clientId, roles: info.roles, tokenExpiresOn: token.expiresOn };
  } finally {
    await network.close();
    if (own) await tenant.close();
  }
}
