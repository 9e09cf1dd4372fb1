/**
 * The demo tenant: a simulated Entra ID + Microsoft Graph v1.0 over HTTPS on 127.0.0.1.
 * `startDemoTenant` generates a CA, starts the four listeners and wires the Graph/report
 * handlers (graph/index.ts) behind token validation and fault injection (server.ts).
 */
import { createGraphApi } from './graph/index';
import { startDemoTenantWith } from './server';
import type { DemoTenant, DemoTenantOptions } from './types';

export type {
  DemoApp,
  DemoAppName,
  DemoMfaRequirement,
  DemoPublicApp,
  DemoPublicAppName,
  DemoSignInUser,
  DemoTenant,
  DemoTenantOptions,
  DemoUserName,
  FaultPlan,
  RequestLogEntry,
} from './types';
export { DEMO_APP_NAMES, DEMO_PUBLIC_APP_NAMES } from './identity';
export { DEMO_USER_NAMES } from './users';

export function startDemoTenant(opts?: DemoTenantOptions): Promise<DemoTenant> {
  return startDemoTenantWith(opts, (o) => createGraphApi(o));
}
