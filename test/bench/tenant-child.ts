// Runs the demo tenant in its own process for the benchmark, so the tenant's CPU
// does not count against the sync being measured (as with the real, remote Graph).
// Connection details, including the app secret, travel over the IPC channel only.
// argv: users [latencyMs [jitterMs]]. With a latency, each Graph and download response is
// delayed by latencyMs +- jitterMs (uniform; the fault plan's latency is redrawn every few ms).
import { startDemoTenant } from '../../src-main/core/demo-tenant/index';

const users = Number(process.argv[2] ?? '100000');
const latencyMs = Number(process.argv[3] ?? '0');
const jitterMs = Number(process.argv[4] ?? '0');
const tenant = await startDemoTenant({ users, seed: 'bench', requestLogLimit: 200_000, ...(latencyMs > 0 ? { faults: { latencyMs } } : {}) });
if (latencyMs > 0 && jitterMs > 0) {
  const redraw = setInterval(() => tenant.setFaults({ latencyMs: Math.max(0, Math.round(latencyMs - jitterMs + Math.random() * 2 * jitterMs)) }), 3);
  redraw.unref();
}
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
process.on('message', (m) => {
  if (m === 'log') {
    const graph = tenant.requestLog().filter((e) => e.listener === 'graph' || e.listener === 'download');
    process.send?.({ requests: graph.length, paths: graph.map((e) => e.path) });
    return;
  }
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
