import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoTenant } from '../../src-main/core/demo-tenant/index';
import { generateTlsMaterial } from '../../src-main/core/demo-tenant/ca';
import type { DemoTenant } from '../../src-main/core/demo-tenant/types';
import { createNetwork, type Network } from '../../src-main/core/net/network';
import { createAppTokenProvider } from '../../src-main/core/auth/app-token';
import { createDelegatedTokenProvider } from '../../src-main/core/auth/delegated-token';
import { demoCredential, demoProfile } from '../../src-main/core/demo/session';
import { MemorySecretStore } from '../../src-main/core/secrets/memory-store';
import type { Profile } from '../../src-main/core/profile/schema';
import { failure } from '../helpers/operator-error';

/**
 * A custom cloud whose sign-in host serves a hostile OpenID metadata document: every
 * request is passed to the demo tenant's sign-in listener unchanged, except the
 * metadata, whose token_endpoint (or device_authorization_endpoint) now names the demo
 * tenant's "foreign" origin. MSAL Node would post the client secret, the client assertion
 * or the device code there ("OpenID Connect Discovery 1.0", section 3: the metadata names
 * the endpoints the client uses). No request may reach the foreign origin.
 */
let t: DemoTenant;
let net: Network;
let front: https.Server;
let frontOrigin = '';
let hostileField: 'token_endpoint' | 'device_authorization_endpoint' | 'end_session_endpoint' | undefined = 'token_endpoint';

beforeAll(async () => {
  t = await startDemoTenant({ users: 20, seed: 'hostile-metadata' });
  const tls = await generateTlsMaterial();
  net = createNetwork({ extraCaPem: [t.caPem, tls.caPem], env: {} });
  front = https.createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const upstream = await net.fetch(`${t.loginUrl}${req.url ?? '/'}`, {
          method: req.method ?? 'GET',
          headers: req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {},
          ...(req.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
          redirect: 'manual',
        });
        let text = await upstream.text();
        if ((req.url ?? '').endsWith('/.well-known/openid-configuration')) {
          const doc = JSON.parse(text.split(t.loginUrl).join(frontOrigin)) as Record<string, string>;
          if (hostileField) doc[hostileField] = `${t.foreignUrl}${new URL(doc[hostileField] ?? '').pathname}`;
          text = JSON.stringify(doc);
        } else {
          text = text.split(t.loginUrl).join(frontOrigin);
        }
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
        res.end(text);
      })().catch(() => {
        res.writeHead(502);
        res.end();
      });
    });
  });
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  frontOrigin = `https://127.0.0.1:${(front.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => front?.close(r));
  await net?.close();
  await t?.close();
});

function viaFront(p: Profile): Profile {
  return { ...p, cloud: 'custom', customEndpoints: { loginUrl: frontOrigin, graphUrl: t.graphUrl } };
}

function foreignRequests(): number {
  return t.requestLog().filter((e) => e.listener === 'foreign').length;
}

describe('a metadata document whose endpoints leave the sign-in origin is refused', () => {
  it.each(['secret', 'certificate'] as const)('client credentials with a %s: host-refused, nothing reaches the foreign origin', async (kind) => {
    hostileField = 'token_endpoint';
    t.clearRequestLog();
    const profile = viaFront(demoProfile(t, 'reader', kind));
    const provider = createAppTokenProvider({ profile, credential: demoCredential(t, 'reader', kind), network: net });
    const e = await failure(provider.getToken());
    expect(e.code).toBe('host-refused');
    expect(e.message).toMatch(/token_endpoint on another host/);
    expect(foreignRequests()).toBe(0);
    // The sign-in host itself was asked for the metadata: the refusal is the metadata's, not a network failure.
    expect(t.requestLog().some((r) => r.listener === 'login' && r.path.endsWith('/openid-configuration'))).toBe(true);
  });

  it('the device code flow: host-refused, nothing reaches the foreign origin', async () => {
    hostileField = 'device_authorization_endpoint';
    t.clearRequestLog();
    const profile = viaFront(demoProfile(t, 'reader', 'delegated'));
    const provider = createDelegatedTokenProvider({ profile, network: net, secretStore: new MemorySecretStore(), timeoutMs: 10_000 });
    const e = await failure(provider.login({ flow: 'device-code' }));
    expect(e.code).toBe('host-refused');
    expect(foreignRequests()).toBe(0);
  });

  it('a foreign end_session_endpoint is refused too', async () => {
    hostileField = 'end_session_endpoint';
    t.clearRequestLog();
    const provider = createAppTokenProvider({ profile: viaFront(demoProfile(t, 'reader', 'secret')), credential: demoCredential(t, 'reader', 'secret'), network: net });
    expect((await failure(provider.getToken())).code).toBe('host-refused');
    expect(foreignRequests()).toBe(0);
  });

  it('the honest metadata document through the same front signs in (the refusals are the check, not the front)', async () => {
    hostileField = undefined;
    const provider = createAppTokenProvider({ profile: viaFront(demoProfile(t, 'reader', 'secret')), credential: demoCredential(t, 'reader', 'secret'), network: net });
    expect((await provider.getToken()).accessToken.length).toBeGreaterThan(20);
  });
});
