import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, filesContaining, tempDir } from '../helpers/cli';
import { startRefusingProxy } from '../helpers/refusing-proxy';
import { startDemoTenant } from '../../src-main/core/demo-tenant/index';
import type { DemoTenant } from '../../src-main/core/demo-tenant/types';

const PASSWORD = 'Pr0xyPa55w0rd';

describe('CLI behind a proxy that refuses the tunnel (real MSAL, demo tenant)', () => {
  let tenant: DemoTenant;
  beforeAll(async () => {
    tenant = await startDemoTenant({ users: 20, seed: 'proxy-refused' });
  });
  afterAll(async () => {
    await tenant.close();
  });

  it.each([
    [407, /proxy requires authentication/i],
    [403, /proxy denied access/i],
  ] as const)('%i: exit 5 (network), the proxy named, never "cancelled", the password nowhere', async (status, said) => {
    const proxy = await startRefusingProxy(status);
    try {
      const dir = tempDir();
      const data = join(dir, 'data');
      const ca = join(dir, 'ca.pem');
      writeFileSync(ca, tenant.caPem);
      const add = await cli([
        '--data-dir', data, 'profile', 'add', '--name', 'lab', '--tenant', tenant.tenantId, '--client-id', tenant.apps.reader.clientId,
        '--cloud', 'custom', '--login-url', tenant.loginUrl, '--graph-url', tenant.graphUrl, '--secret-env', 'LAB_SECRET', '--ca-bundle', ca,
      ]);
      expect(add.code).toBe(0);
      const env = { LAB_SECRET: tenant.apps.reader.secret, HTTPS_PROXY: proxy.url.replace('http://', `http://user:${PASSWORD}@`) };
      const r = await cli(['--data-dir', data, 'sync', '--profile', 'lab'], env);
      expect(proxy.connects()).toBeGreaterThan(0);
      expect(r.stderr).toMatch(said);
      expect(r.stderr).toContain('HTTPS_PROXY');
      expect(r.stderr).not.toMatch(/cancelled/i);
      expect(r.code).toBe(5);
      expect(r.stdout + r.stderr).not.toContain(PASSWORD);
      expect(filesContaining(data, PASSWORD)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
