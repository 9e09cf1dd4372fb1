/**
 * The standalone runner's file output and banner: secrets and keys land in 0600 files,
 * the banner names their paths but never their contents.
 */
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTenant, writeTenantFiles } from '../../../src-main/cli/demo-tenant';
import { DEMO_APP_NAMES, DEMO_PUBLIC_APP_NAMES } from '../../../src-main/core/demo-tenant/identity';
import { DEMO_USER_NAMES } from '../../../src-main/core/demo-tenant/users';
import { startDemoTenantWith } from '../../../src-main/core/demo-tenant/server';
import type { DemoTenant } from '../../../src-main/core/demo-tenant/types';
import { graphApiDouble } from '../../helpers/demo-tenant';

let t: DemoTenant;
let dir: string;

beforeAll(async () => {
  t = await startDemoTenantWith({ seed: 'cli-unit' }, graphApiDouble);
  dir = await mkdtemp(join(tmpdir(), 'demo-tenant-cli-'));
});

afterAll(async () => {
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('demo-tenant runner files', () => {
  it('writes the CA and each app credential, secrets and keys readable by the owner only', async () => {
    const files = await writeTenantFiles(t, join(dir, 'out'));
    // Ends with a newline so it can be appended to a CA bundle.
    expect(await readFile(files.caFile, 'utf8')).toBe(t.caPem.endsWith('\n') ? t.caPem : `${t.caPem}\n`);
    for (const name of DEMO_APP_NAMES) {
      const f = files.apps[name];
      expect(await readFile(f.secretFile, 'utf8')).toBe(t.apps[name].secret);
      expect(await readFile(f.privateKeyFile, 'utf8')).toBe(t.apps[name].privateKeyPem);
      expect(await readFile(f.certificateFile, 'utf8')).toBe(t.apps[name].certificatePem);
      if (process.platform !== 'win32') {
        expect((await stat(f.secretFile)).mode & 0o777).toBe(0o600);
        expect((await stat(f.privateKeyFile)).mode & 0o777).toBe(0o600);
      }
    }
    for (const name of DEMO_USER_NAMES) {
      const f = files.users[name];
      expect(f.upn).toBe(t.signInUsers[name].upn);
      expect(await readFile(f.passwordFile, 'utf8')).toBe(t.signInUsers[name].password);
      if (process.platform !== 'win32') expect((await stat(f.passwordFile)).mode & 0o777).toBe(0o600);
    }
    expect(files.publicApps.delegated.clientId).toBe(t.publicApps.delegated.clientId);
    // A second run over existing files keeps them private.
    const again = await writeTenantFiles(t, join(dir, 'out'));
    if (process.platform !== 'win32') expect((await stat(again.apps.reader.secretFile)).mode & 0o777).toBe(0o600);
  });

  it('prints URLs, ids and paths but no secret or key', async () => {
    const files = await writeTenantFiles(t, join(dir, 'banner'));
    const text = describeTenant(t, files);
    expect(text).toContain(t.loginUrl);
    expect(text).toContain(t.graphUrl);
    expect(text).toContain(t.tenantId);
    expect(text).toContain(files.caFile);
    expect(text).toContain('"caBundlePath"');
    for (const name of DEMO_APP_NAMES) {
      expect(text).toContain(t.apps[name].clientId);
      expect(text).toContain(files.apps[name].secretFile);
      expect(text).not.toContain(t.apps[name].secret);
    }
    for (const name of DEMO_PUBLIC_APP_NAMES) expect(text).toContain(t.publicApps[name].clientId);
    for (const name of DEMO_USER_NAMES) {
      expect(text).toContain(t.signInUsers[name].upn);
      expect(text).toContain(files.users[name].passwordFile);
      expect(text).not.toContain(t.signInUsers[name].password);
    }
    expect(text).not.toMatch(/PRIVATE KEY/);
  });
});

describe('standalone runner faults', () => {
  it('turns the fault options into a fault plan', async () => {
    const { parseArgs, faultsFromArgs } = await import('../../../src-main/cli/demo-tenant');
    expect(faultsFromArgs(parseArgs(['node', 'demo-tenant', '--throttle-every', '3', '--throttle-status', '503', '--retry-after', '2', '--reset-every', '7', '--truncate-every', '5', '--latency-ms', '10']))).toEqual({
      latencyMs: 10,
      throttle: { everyNth: 3, status: 503, retryAfterSeconds: 2 },
      resetEveryNth: 7,
      truncateEveryNth: 5,
    });
    expect(faultsFromArgs(parseArgs(['node', 'demo-tenant']))).toEqual({});
    expect(() => parseArgs(['node', 'demo-tenant', '--throttle-status', '500'])).toThrow(/throttleStatus/);
    expect(() => parseArgs(['node', 'demo-tenant', '--users', '0'])).toThrow(/users/);
  });
});
