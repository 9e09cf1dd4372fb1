import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createNetwork, parsePemBundle, readCaBundle } from '../../../src-main/core/net/network';
import { fromNetworkFailure } from '../../../src-main/core/net/net-errors';
import { redactLogLine } from '../../../src-main/core/auth/msal-common';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { makeSelfSignedCert } from '../../helpers/cert-fixture';
import { generateTlsMaterial, type TlsMaterial } from '../../../src-main/core/demo-tenant/ca';

let certPem = '';
const dir = mkdtempSync(join(tmpdir(), 'recon-net-'));
beforeAll(async () => {
  ({ certificatePem: certPem } = await makeSelfSignedCert('ca'));
});

describe('CA bundle', () => {
  it('splits a bundle into certificates', () => {
    expect(parsePemBundle(`junk\n${certPem}\n${certPem}`, 'x')).toHaveLength(2);
  });
  it.each([
    ['missing file', () => readCaBundle(join(dir, 'nope.pem')), /cannot be read/],
    ['not PEM', () => (writeFileSync(join(dir, 'a.pem'), 'hello'), readCaBundle(join(dir, 'a.pem'))), /contains no PEM certificate/],
    [
      'broken certificate',
      () => (writeFileSync(join(dir, 'b.pem'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n'), readCaBundle(join(dir, 'b.pem'))),
      /cannot be parsed/,
    ],
    ['createNetwork with a missing caBundlePath', () => createNetwork({ caBundlePath: join(dir, 'missing.pem'), env: {} }), /caBundlePath|cannot be read/],
  ])('%s -> bad-input', (_l, f, msg) => {
    try {
      f();
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(OperatorError);
      expect((e as OperatorError).code).toBe('bad-input');
      expect(`${(e as OperatorError).message} ${(e as OperatorError).hint}`).toMatch(msg);
    }
  });
  it('accepts a valid bundle file', async () => {
    writeFileSync(join(dir, 'ok.pem'), certPem);
    const n = createNetwork({ caBundlePath: join(dir, 'ok.pem'), env: {} });
    await n.close();
  });
});

describe('TLS', () => {
  let material: TlsMaterial;
  let server: Server;
  let url = '';
  beforeAll(async () => {
    material = await generateTlsMaterial();
    // Every answer closes its connection, so each request needs a new TLS connection.
    server = createServer({ cert: material.certPem, key: material.keyPem }, (_req, res) => res.writeHead(200, { connection: 'close' }).end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('builds one secure context up front; the connections reuse it instead of loading the CA list each time', async () => {
    const n = createNetwork({ extraCaPem: [material.caPem], env: {} });
    const spy = vi.spyOn(tls, 'createSecureContext');
    try {
      for (let i = 0; i < 3; i++) expect(await (await n.fetch(url)).text()).toBe('ok');
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
      await n.close();
    }
  });

  it('still refuses a server whose certificate does not chain to a trusted CA', async () => {
    const other = await generateTlsMaterial();
    for (const extraCaPem of [[], [other.caPem]]) {
      const n = createNetwork({ extraCaPem, env: {} });
      try {
        const err: unknown = await n.fetch(url).then(() => undefined, (e: unknown) => e);
        expect(fromNetworkFailure(err, url).code).toBe('tls');
      } finally {
        await n.close();
      }
    }
  });
});

describe('proxy settings come from the given env only', () => {
  const nets: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    await Promise.all(nets.map((n) => n.close()));
  });
  it.each<[NodeJS.ProcessEnv, { https?: string; http?: string; noProxy?: string }]>([
    [{}, {}],
    [{ HTTPS_PROXY: 'http://proxy:3128' }, { https: 'http://proxy:3128/' }],
    [{ https_proxy: 'http://p2:8080', NO_PROXY: '127.0.0.1,.corp' }, { https: 'http://p2:8080/', noProxy: '127.0.0.1,.corp' }],
    [{ HTTP_PROXY: 'http://user:pw@proxy:3128' }, { http: 'http://***@proxy:3128/' }],
    [{ HTTPS_PROXY: '   ' }, {}],
  ])('%j', (env, expected) => {
    const n = createNetwork({ env });
    nets.push(n);
    expect(n.proxy).toEqual(expected);
  });
});

describe('fromNetworkFailure', () => {
  const withCause = (code: string, message = 'fetch failed') => Object.assign(new TypeError(message), { cause: Object.assign(new Error(code), { code }) });
  it.each<[unknown, string, RegExp]>([
    [withCause('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), 'tls', /caBundlePath/],
    [withCause('SELF_SIGNED_CERT_IN_CHAIN'), 'tls', /caBundlePath/],
    [withCause('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls', /caBundlePath/],
    [withCause('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls', /caBundlePath/],
    [withCause('CERT_HAS_EXPIRED'), 'tls', /clock/],
    [withCause('ECONNREFUSED'), 'network', /HTTPS_PROXY/],
    [withCause('ECONNRESET'), 'network', /HTTPS_PROXY/],
    [withCause('UND_ERR_SOCKET'), 'network', /HTTPS_PROXY/],
    [Object.assign(new Error('aborted'), { name: 'AbortError' }), 'cancelled', /again/],
    ['weird', 'network', /HTTPS_PROXY/],
  ])('%s -> %s', (e, code, hint) => {
    const op = fromNetworkFailure(e, 'https://graph.microsoft.com/v1.0/users?$skiptoken=SECRETISH');
    expect(op.code).toBe(code);
    expect(op.hint).toMatch(hint);
    expect(op.message).not.toContain('SECRETISH');
  });
  it('an aborted signal wins', () => {
    const ac = new AbortController();
    ac.abort();
    expect(fromNetworkFailure(new Error('x'), 'https://a.example/', ac.signal).code).toBe('cancelled');
  });
});

describe('redactLogLine', () => {
  it.each([
    ['token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl end', 'token [redacted-jwt] end'],
    ['client_secret=abc~123&scope=x', 'client_secret=[redacted]&scope=x'],
    ['client_assertion=eyJxxxxxx.yyyyyy.zzz&x=1', 'client_assertion=[redacted]&x=1'],
    ['plain line', 'plain line'],
  ])('%s', (i, o) => expect(redactLogLine(i)).toBe(o));
});
