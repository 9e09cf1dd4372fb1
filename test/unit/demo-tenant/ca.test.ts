import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { generateClientCertificate, generateTlsMaterial } from '../../../src-main/core/demo-tenant/ca';

describe('demo tenant CA', () => {
  it('signs a leaf for 127.0.0.1/localhost that verifies against the CA and not against another CA', async () => {
    const [tls, other] = await Promise.all([generateTlsMaterial(), generateTlsMaterial()]);
    const ca = new X509Certificate(tls.caPem);
    const leaf = new X509Certificate(tls.certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(leaf.verify(new X509Certificate(other.caPem).publicKey)).toBe(false);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkHost('example.com')).toBeUndefined();
    expect(leaf.keyUsage ?? []).toContain('1.3.6.1.5.5.7.3.1');
    // The key PEM is PKCS#8 and belongs to the leaf.
    expect(tls.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    const pub = createPublicKey(createPrivateKey(tls.keyPem)).export({ type: 'spki', format: 'der' });
    expect(Buffer.compare(pub, leaf.publicKey.export({ type: 'spki', format: 'der' }))).toBe(0);
  });

  it('serves TLS that a client trusting only this CA accepts, and one trusting another CA refuses', async () => {
    const [tls, other] = await Promise.all([generateTlsMaterial(), generateTlsMaterial()]);
    const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const get = (ca: string): Promise<string> =>
      new Promise((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port, path: '/', ca, agent: false }, (res) => {
            let s = '';
            res.on('data', (c: Buffer) => (s += c.toString()));
            res.on('end', () => resolve(s));
          })
          .on('error', reject);
      });
    try {
      await expect(get(tls.caPem)).resolves.toBe('ok');
      await expect(get(other.caPem)).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('makes RSA 2048 client certificates with SHA-256 and matching thumbprints', async () => {
    const [a, b] = await Promise.all([generateClientCertificate('demo-a'), generateClientCertificate('demo, "hostile"=x')]);
    for (const c of [a, b]) {
      const x = new X509Certificate(c.certificatePem);
      expect(x.verify(x.publicKey)).toBe(true);
      expect(x.publicKey.asymmetricKeyType).toBe('rsa');
      expect(x.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(c.thumbprintSha256).toBe(x.fingerprint256.replace(/:/g, '').toLowerCase());
      expect(c.thumbprintSha1).toBe(x.fingerprint.replace(/:/g, '').toLowerCase());
      expect(c.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      const pub = createPublicKey(createPrivateKey(c.privateKeyPem)).export({ type: 'spki', format: 'der' });
      expect(Buffer.compare(pub, x.publicKey.export({ type: 'spki', format: 'der' }))).toBe(0);
    }
    expect(a.thumbprintSha256).not.toBe(b.thumbprintSha256);
    expect(new X509Certificate(b.certificatePem).subject).not.toMatch(/"/);
  });
});
