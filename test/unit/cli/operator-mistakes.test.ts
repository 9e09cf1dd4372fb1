import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../../helpers/cli';
import { makeSelfSignedCert } from '../../helpers/cert-fixture';

const TENANT = ['--tenant', 'contoso.onmicrosoft.com', '--client-id', '11111111-2222-3333-4444-555555555555'];

describe('snapshots of a profile that does not exist', () => {
  it('says there is no such profile and exits 2', async () => {
    const r = await cli(['--data-dir', tempDir(), 'snapshots', '--profile', 'nosuch']);
    expect(r.stderr).toMatch(/No profile named "nosuch"/);
    expect(r.code).toBe(2);
  });

  it('an existing profile with no snapshot still lists nothing, exit 0', async () => {
    const data = tempDir();
    expect((await cli(['--data-dir', data, 'profile', 'add', '--name', 'x', ...TENANT, '--secret-env', 'S'])).code).toBe(0);
    const r = await cli(['--data-dir', data, 'snapshots', '--profile', 'x']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/No snapshots yet/);
  });
});

describe('profile add refuses files that cannot work, when added', () => {
  it('a private key that does not belong to the certificate', async () => {
    const dir = tempDir();
    const a = await makeSelfSignedCert('a');
    const b = await makeSelfSignedCert('b');
    writeFileSync(join(dir, 'a.pem'), a.certificatePem);
    writeFileSync(join(dir, 'b.key'), b.privateKeyPem);
    const r = await cli(['--data-dir', join(dir, 'data'), 'profile', 'add', '--name', 'x', ...TENANT, '--certificate', join(dir, 'a.pem'), '--private-key', join(dir, 'b.key')]);
    expect(r.stderr).toMatch(/does not belong to/);
    expect(r.code).toBe(2);
    expect((await cli(['--data-dir', join(dir, 'data'), 'profile', 'show', 'x'])).code).toBe(2);
  });

  it('the matching key is accepted', async () => {
    const dir = tempDir();
    const a = await makeSelfSignedCert('a');
    writeFileSync(join(dir, 'a.pem'), a.certificatePem);
    writeFileSync(join(dir, 'a.key'), a.privateKeyPem);
    const r = await cli(['--data-dir', join(dir, 'data'), 'profile', 'add', '--name', 'x', ...TENANT, '--certificate', join(dir, 'a.pem'), '--private-key', join(dir, 'a.key')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('a CA bundle that is not a PEM', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'ca.pem'), 'this is not a certificate\n');
    const r = await cli(['--data-dir', join(dir, 'data'), 'profile', 'add', '--name', 'x', ...TENANT, '--secret-env', 'S', '--ca-bundle', join(dir, 'ca.pem')]);
    expect(r.stderr).toMatch(/contains no PEM certificate/);
    expect(r.code).toBe(2);
  });

  it('a CA bundle that is a folder is named as such, not "no such file"', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'ca.pem'));
    const r = await cli(['--data-dir', join(dir, 'data'), 'profile', 'add', '--name', 'x', ...TENANT, '--secret-env', 'S', '--ca-bundle', join(dir, 'ca.pem')]);
    expect(r.stderr).toMatch(/folder, not a file/);
    expect(r.stderr).not.toMatch(/no such file/);
    expect(r.code).toBe(2);
  });
});
