/**
 * Throttling end to end: the demo tenant's 429 with a fractional Retry-After ("Microsoft Graph
 * throttling guidance", learn.microsoft.com/graph/throttling, shows `Retry-After: 2.128`) through the
 * real MSAL Node token provider and the real Graph client the session builds, over HTTPS.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppTokenProvider } from '../../src-main/core/auth/app-token';
import { startDemoTenant, type DemoTenant } from '../../src-main/core/demo-tenant/index';
import { createGraphSession, type RetryEvent } from '../../src-main/core/graph/create-session';
import { createNetwork } from '../../src-main/core/net/network';
import { demoCredential, demoProfile } from '../../src-main/core/demo/session';

let tenant: DemoTenant;

beforeAll(async () => {
  tenant = await startDemoTenant({ users: 40, seed: 'throttling-it' });
});

afterAll(async () => {
  await tenant?.close();
});

describe('a fractional Retry-After from the demo tenant', () => {
  it('is waited out in full before the retry, and the retry succeeds', async () => {
    const profile = demoProfile(tenant, 'reader', 'secret');
    const network = createNetwork({ extraCaPem: [tenant.caPem], env: {} });
    const tokenProvider = createAppTokenProvider({ profile, credential: demoCredential(tenant, 'reader', 'secret'), network });
    const events: RetryEvent[] = [];
    const session = createGraphSession({ profile, tokenProvider, network, onRetry: (e) => events.push(e) });
    try {
      // Every 2nd Graph request is throttled: the first passes (and warms the token), the next is a 429.
      tenant.setFaults({ throttle: { everyNth: 2, status: 429, retryAfterSeconds: 0.35 } });
      await session.getJson('/users?$top=1&$select=id');
      expect(events).toEqual([]);
      tenant.clearRequestLog();
      const started = performance.now();
      const page = (await session.getJson('/users?$top=5&$select=id')) as { value: unknown[] };
      const elapsed = performance.now() - started;
      expect(page.value).toHaveLength(5);
      expect(events.map((e) => [e.reason, e.delayMs])).toEqual([[429, 350]]);
      // The retry did not fire early: at least the 350 ms asked for passed between the two requests.
      expect(elapsed).toBeGreaterThanOrEqual(350);
      expect(tenant.requestLog().filter((e) => e.listener === 'graph').map((e) => [e.method, e.status])).toEqual([
        ['GET', 429],
        ['GET', 200],
      ]);
    } finally {
      tenant.setFaults({});
      await session.close();
    }
  });
});
