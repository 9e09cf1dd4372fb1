import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoTenant } from '../../src-main/core/demo-tenant/index';
import type { DemoTenant, DemoUserName } from '../../src-main/core/demo-tenant/types';
import { createNetwork, type Network } from '../../src-main/core/net/network';
import { createDelegatedTokenProvider, type DeviceCodeInfo } from '../../src-main/core/auth/delegated-token';
import { MemorySecretStore } from '../../src-main/core/secrets/memory-store';
import { demoProfile } from '../../src-main/core/demo/session';
import type { Profile } from '../../src-main/core/profile/schema';
import { signInWithDeviceCode, type DriveOptions, type PageFetch } from '../helpers/sign-in-pages';
import { failure } from '../helpers/operator-error';
import { cli, tempDir } from '../helpers/cli';
import { exitCodeFor } from '../../src-main/cli/exit-codes';

/**
 * Device code failures through the real MSAL Node (acquireTokenByDeviceCode) against the
 * demo tenant's token endpoint over HTTPS. MSAL's poll throws `post_request_failed` for
 * every error but authorization_pending; the AADSTS code the token endpoint answered must
 * still reach the operator, translated as the interactive flow translates it.
 * Device code errors: RFC 8628 section 3.5, and "Microsoft identity platform and the OAuth
 * 2.0 device authorization grant flow" (Microsoft Learn, v2-oauth2-device-code: expected errors).
 */
let t: DemoTenant;
let net: Network;

beforeAll(async () => {
  t = await startDemoTenant({ users: 20, seed: 'device-code-errors', deviceCodeIntervalSeconds: 1 });
  net = createNetwork({ extraCaPem: [t.caPem], env: {} });
});
afterAll(async () => {
  await net?.close();
  await t?.close();
});

const fetchPage: PageFetch = async (url, init) => {
  const r = await net.fetch(url, { ...(init ?? {}), redirect: 'manual' });
  return { status: r.status, headers: r.headers, text: () => r.text() };
};

async function deviceCodeFailure(profile: Profile, user: DemoUserName, o: DriveOptions = {}) {
  const p = createDelegatedTokenProvider({ profile, network: net, secretStore: new MemorySecretStore(), timeoutMs: 30_000 });
  const u = t.signInUsers[user];
  let pages: Promise<unknown> | undefined;
  const e = await failure(
    p.login({
      flow: 'device-code',
      onDeviceCode: (info: DeviceCodeInfo) => {
        pages = signInWithDeviceCode(fetchPage, info.verificationUri, info.userCode, { username: u.upn, password: u.password }, o).catch(() => undefined);
      },
    }),
  );
  await pages;
  return e;
}

describe('device code failures keep their AADSTS code', () => {
  it('Conditional Access (AADSTS53003): auth-failed with its code and who, not post_request_failed', async () => {
    const e = await deviceCodeFailure(demoProfile(t, 'reader', 'delegated'), 'blocked');
    expect(e.message).not.toMatch(/post_request_failed/);
    expect(e.code).toBe('auth-failed');
    expect(e.aadsts).toBe(53003);
    expect(e.who).toMatch(/Conditional Access Administrator/);
    expect(exitCodeFor(e.code)).toBe(3);
  });

  it('missing consent (AADSTS65001): consent-missing, exit 4', async () => {
    const e = await deviceCodeFailure(demoProfile(t, 'reader', 'delegated', 'delegated-no-consent'), 'reports-reader');
    expect(e.message).not.toMatch(/post_request_failed/);
    expect(e.code).toBe('consent-missing');
    expect(e.aadsts).toBe(65001);
    expect(exitCodeFor(e.code)).toBe(4);
  });

  it('the user cancels on the verification page: said as a cancel, not as a failed token request', async () => {
    const e = await deviceCodeFailure(demoProfile(t, 'reader', 'delegated'), 'reports-reader', { decision: 'cancel' });
    expect(e.message).not.toMatch(/post_request_failed/);
    expect(e.code).toBe('cancelled');
    expect(e.message).toMatch(/cancelled on the device code page/);
  });
});

describe('CLI: login --device-code of a demo user blocked by Conditional Access', () => {
  it('exits 3 naming AADSTS53003', async () => {
    const r = await cli(['--data-dir', tempDir(), 'login', '--profile', 'demo', '--device-code', '--demo-user', 'blocked']);
    expect(r.stderr).not.toMatch(/post_request_failed/);
    expect(r.stderr).toMatch(/error: [^\n]*53003/);
    expect(r.code).toBe(3);
  });
});
