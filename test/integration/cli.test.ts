import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, filesContaining, tempDir } from '../helpers/cli';
import { startDemoTenant } from '../../src-main/core/demo-tenant/index';
import type { DemoTenant } from '../../src-main/core/demo-tenant/types';

describe('CLI main job: demo', () => {
  it('syncs the demo tenant, writes both exports and prints a per-SKU summary', async () => {
    const dir = tempDir();
    const out = join(dir, 'exports');
    const r = await cli(['--data-dir', join(dir, 'data'), 'demo', '--users', '120', '--out', out]);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    // The summary and sku-summary.csv name the seat columns alike.
    expect(r.stdout).toMatch(/Product\s+Part number\s+Enabled\s+Warning\s+Suspended\s+Usable\s+Consumed\s+Available\s+Over-assigned/);
    expect(r.stdout).toContain('Usable = Enabled + Warning');
    expect(r.stdout).not.toMatch(/Purchased|Assigned /);
    expect(r.stdout).toContain('ENTERPRISEPACK');
    expect(existsSync(join(out, 'sku-summary.csv'))).toBe(true);
    expect(existsSync(join(out, 'user-licenses.csv'))).toBe(true);
    const skuCsv = readFileSync(join(out, 'sku-summary.csv'));
    expect(skuCsv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const csvHeader = skuCsv.subarray(3).toString('utf8').split('\r\n')[0]?.split(',').map((h) => h.replace(/^"|"$/g, ''));
    const tableHeader = r.stdout.split('\n').find((l) => l.startsWith('Product'))?.trim().split(/\s{2,}/);
    expect(tableHeader).toEqual(csvHeader);
  });

  it('a second sync adds a snapshot and export picks the current one', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    expect((await cli(['--data-dir', data, 'sync', '--profile', 'demo', '--users', '40'])).code).toBe(0);
    expect((await cli(['--data-dir', data, 'sync', '--profile', 'demo', '--users', '40'])).code).toBe(0);
    const list = await cli(['--data-dir', data, 'snapshots', '--profile', 'demo']);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n')).toHaveLength(4); // header, rule, two snapshots
    const ex = await cli(['--data-dir', data, 'export', '--profile', 'demo', '--out', join(dir, 'x')]);
    expect(ex.code).toBe(0);
    expect(existsSync(join(dir, 'x', 'user-licenses.csv'))).toBe(true);
  });
});

describe('CLI bad input', () => {
  it.each([
    [['demo', '--users', '0'], /users/],
    [['demo', '--users', 'many'], /users/],
    [['demo', '--app', 'root'], /reader/],
    [['sync'], /--profile/],
  ])('%j exits 2 with a usage message', async (argv, msg) => {
    const r = await cli(['--data-dir', tempDir(), ...argv]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
  });

  it('refuses a secret on the command line without echoing it', async () => {
    const r = await cli(['--data-dir', tempDir(), 'profile', 'add', '--name', 'x', '--tenant', 'contoso.onmicrosoft.com', '--client-id', '11111111-2222-3333-4444-555555555555', '--secret', 'Sup3rS3cretValue!!']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/never taken from the command line/);
    expect(r.stderr + r.stdout).not.toContain('Sup3rS3cretValue');
  });

  it('rejects an invalid profile with the field named', async () => {
    const r = await cli(['--data-dir', tempDir(), 'profile', 'add', '--name', 'x', '--tenant', 'not a tenant', '--client-id', 'nope', '--secret-env', 'S']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/tenantId/);
    expect(r.stderr).toMatch(/clientId/);
  });

  it('export without a snapshot tells the operator to sync first', async () => {
    const r = await cli(['--data-dir', tempDir(), 'export', '--profile', 'demo', '--out', tempDir()]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sync --profile demo/);
  });

  it('an unknown profile names the fix', async () => {
    const r = await cli(['--data-dir', tempDir(), 'sync', '--profile', 'nobody']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/profile add/);
  });

  it('a damaged profiles file is reported and left untouched', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'profiles.json'), '{ not json');
    const r = await cli(['--data-dir', dir, 'profile', 'add', '--name', 'x', '--tenant', 'contoso.onmicrosoft.com', '--client-id', '11111111-2222-3333-4444-555555555555', '--secret-env', 'S']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not valid JSON/);
    expect(readFileSync(join(dir, 'profiles.json'), 'utf8')).toBe('{ not json');
  });
});

describe('CLI errors from Entra ID name the fix', () => {
  it('no admin consent: exit 4, names who can grant consent', async () => {
    const r = await cli(['--data-dir', tempDir(), 'sync', '--profile', 'demo', '--users', '20', '--app', 'no-consent', '--credential', 'secret']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/65001/);
    expect(r.stderr).toMatch(/Privileged Role Administrator/);
  });

  it('expired secret: exit 3 with AADSTS7000222 and what to do', async () => {
    const r = await cli(['--data-dir', tempDir(), 'sync', '--profile', 'demo', '--users', '20', '--app', 'expired-secret', '--credential', 'secret']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/7000222/);
    expect(r.stderr).toMatch(/what to do: .*(new secret|certificate)/i);
  });
});

describe('CLI with a real-style profile (secret from env, CA bundle file)', () => {
  let tenant: DemoTenant;
  beforeAll(async () => {
    tenant = await startDemoTenant({ users: 60, seed: 'cli-profile' });
  });
  afterAll(async () => {
    await tenant.close();
  });

  it('syncs with the secret from an environment variable; the secret reaches no file, log or output', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, tenant.caPem);
    const add = await cli([
      '--data-dir', data, 'profile', 'add', '--name', 'lab', '--tenant', tenant.tenantId, '--client-id', tenant.apps.reader.clientId,
      '--cloud', 'custom', '--login-url', tenant.loginUrl, '--graph-url', tenant.graphUrl, '--secret-env', 'LAB_SECRET', '--ca-bundle', ca,
    ]);
    expect(add.code).toBe(0);
    const secret = tenant.apps.reader.secret;
    const env = { LAB_SECRET: secret };
    const sync = await cli(['--data-dir', data, '--verbose', 'sync', '--profile', 'lab'], env);
    expect(sync.stderr).not.toMatch(/error:/);
    expect(sync.code).toBe(0);
    const ex = await cli(['--data-dir', data, 'export', '--profile', 'lab', '--out', join(dir, 'exports')], env);
    expect(ex.code).toBe(0);
    expect(filesContaining(dir, secret)).toEqual([]);
    expect(sync.stdout + sync.stderr + ex.stdout + ex.stderr).not.toContain(secret);
  });

  it('a missing secret variable exits 2 and names the variable', async () => {
    const dir = tempDir();
    await cli(['--data-dir', dir, 'profile', 'add', '--name', 'lab', '--tenant', tenant.tenantId, '--client-id', tenant.apps.reader.clientId,
      '--cloud', 'custom', '--login-url', tenant.loginUrl, '--graph-url', tenant.graphUrl, '--secret-env', 'LAB_SECRET_UNSET']);
    const r = await cli(['--data-dir', dir, 'sync', '--profile', 'lab']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/LAB_SECRET_UNSET/);
  });

  it('without the CA bundle the TLS failure says how to trust the CA', async () => {
    const dir = tempDir();
    await cli(['--data-dir', dir, 'profile', 'add', '--name', 'lab', '--tenant', tenant.tenantId, '--client-id', tenant.apps.reader.clientId,
      '--cloud', 'custom', '--login-url', tenant.loginUrl, '--graph-url', tenant.graphUrl, '--secret-env', 'LAB_SECRET_TLS']);
    const r = await cli(['--data-dir', dir, 'sync', '--profile', 'lab'], { LAB_SECRET_TLS: tenant.apps.reader.secret });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/ca-bundle|caBundlePath|CA/);
  });
});

describe('CLI refuses secrets in argv in every spelling', () => {
  it.each([['--secret=Sup3rS3cretValue!!'], ['--client-secret', 'Sup3rS3cretValue!!'], ['--password=Sup3rS3cretValue!!']])('%j', async (...flag) => {
    const r = await cli(['--data-dir', tempDir(), 'sync', '--profile', 'demo', ...flag]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/never taken from the command line/);
    expect(r.stderr + r.stdout).not.toContain('Sup3rS3cretValue');
  });
});

describe('CLI main job as a delegated demo user', () => {
  it('demo --credential delegated signs in through the authorize page and syncs', async () => {
    const dir = tempDir();
    const r = await cli(['--data-dir', join(dir, 'data'), 'demo', '--users', '60', '--out', join(dir, 'out'), '--credential', 'delegated', '--demo-user', 'reports-reader']);
    expect(r.stderr).not.toMatch(/error:/);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('user "reports-reader"');
    expect(existsSync(join(dir, 'out', 'user-licenses.csv'))).toBe(true);
  });
});

describe('CLI profile flags are checked as typed', () => {
  const base = ['profile', 'add', '--name', 'x', '--tenant', 'contoso.onmicrosoft.com', '--client-id', '11111111-2222-3333-4444-555555555555'];
  it.each([
    [['--secret-env', 'S', '--certificate', 'c.pem', '--private-key', 'k.pem'], /cannot be combined: --secret-env, --certificate, --private-key/],
    [['--secret-env', 'S', '--delegated'], /cannot be combined/],
    [['--secret-env', 'S', '--login-url', 'https://login.example', '--graph-url', 'https://graph.example'], /only used with --cloud custom/],
    [['--secret-env', 'S', '--cloud', 'custom', '--login-url', 'https://login.example'], /needs both --login-url and --graph-url/],
    [['--certificate', 'c.pem'], /--certificate and --private-key go together/],
    [['--secret-file', '/nonexistent/secret.txt'], /--secret-file \/nonexistent\/secret.txt: no such file/],
    [[], /No credential given/],
  ])('%j is refused', async (flags, msg) => {
    const dir = tempDir();
    const r = await cli(['--data-dir', dir, ...base, ...flags]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(existsSync(join(dir, 'profiles.json'))).toBe(false);
  });
});

describe('CLI export only exports the named profile', () => {
  it('refuses a snapshot id that belongs to another profile', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    expect((await cli(['--data-dir', data, 'sync', '--profile', 'demo', '--users', '30'])).code).toBe(0);
    expect((await cli(['--data-dir', data, 'profile', 'add', '--name', 'other', '--tenant', 'contoso.onmicrosoft.com', '--client-id', '11111111-2222-3333-4444-555555555555', '--secret-env', 'S'])).code).toBe(0);
    const r = await cli(['--data-dir', data, 'export', '--profile', 'other', '--snapshot', '1', '--out', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Profile "other" has no snapshot 1/);
    expect(existsSync(join(dir, 'x'))).toBe(false);
    const ok = await cli(['--data-dir', data, 'export', '--profile', 'demo', '--snapshot', '1', '--out', join(dir, 'y')]);
    expect(ok.code).toBe(0);
    expect((await cli(['--data-dir', data, 'export', '--profile', 'demo', '--snapshot', '1.5', '--out', join(dir, 'z')])).stderr).toMatch(/whole number/);
  });
});
