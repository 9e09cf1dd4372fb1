// Runs the demo tenant in its own process for the benchmark, so the tenant's CPU
// does not count against the sync being measured (as with the real, remote Graph).
// Connection details, including the app secret, travel over the IPC channel only.
import { startDemoTenant } from '../../src-main/core/demo-tenant/index';

const users = Number(process.argv[2] ?? '100000');
const tenant = await startDemoTenant({ users, seed: 'bench' });
const message: TenantInfo = {
  loginUrl: tenant.loginUrl,
  graphUrl: tenant.graphUrl,
  tenantId: tenant.tenantId,
  caPem: tenant.caPem,
  clientId: tenant.apps.reader.clientId,
  secret: tenant.apps.reader.secret,
  userCount: tenant.userCount,
};
process.send?.(message);
process.on('message', () => {
  void tenant.close().then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));

export interface TenantInfo {
  loginUrl: string;
  graphUrl: string;
  tenantId: string;
  caPem: string;
  clientId: string;
  secret: string;
  userCount: number;
}
