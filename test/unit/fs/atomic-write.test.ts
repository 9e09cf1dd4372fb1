import { X509Certificate } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { writeKeyFile, writePublicFiles } from '../../../src-main/core/certs/manage';
import { writeCsv } from '../../../src-main/core/export/csv';
import { PendingFile, temporaryNameFor, writeFileAtomic, writePrivateFileAtomic } from '../../../src-main/core/fs/atomic-write';
import { makeSelfSignedCert } from '../../helpers/cert-fixture';
import { modeOf, tempDir, umaskScope } from '../../helpers/fs';


const umask = umaskScope();
const withUmask = (mask: number): void => umask.set(mask);
afterEach(() => umask.restore());

/** A file another local user owns and the operator must not overwrite, nor leak into. */
function victim(dir: string): string {
  const p = join(dir, 'victim.txt');
  writeFileSync(p, 'the operator must not overwrite this\n');
  return p;
}

describe('writeFileAtomic', () => {
  it('writes under a random name in the target folder, then renames; nothing else is left', async () => {
    const dir = tempDir('atomic-');
    const path = join(dir, 'out.txt');
    await writeFileAtomic(path, 'hello\n');
    expect(readFileSync(path, 'utf8')).toBe('hello\n');
    expect(readdirSync(dir)).toEqual(['out.txt']);
    const a = temporaryNameFor(path);
    const b = temporaryNameFor(path);
    expect(a).not.toBe(b);
    expect(a.startsWith(join(dir, '.out.txt.'))).toBe(true);
  });

  it('sets the mode whatever the umask', async () => {
    const dir = tempDir('atomic-');
    withUmask(0o000);
    await writeFileAtomic(join(dir, 'private'), 'x');
    await writeFileAtomic(join(dir, 'script.sh'), '#!/bin/sh\n', { mode: 0o700 });
    withUmask(0o077);
    await writeFileAtomic(join(dir, 'public.pem'), 'x', { mode: 0o644 });
    expect(modeOf(join(dir, 'private'))).toBe(0o600);
    expect(modeOf(join(dir, 'script.sh'))).toBe(0o700);
    expect(modeOf(join(dir, 'public.pem'))).toBe(0o644);
  });

  it('replaces a symlink planted at the target instead of writing through it', async () => {
    const dir = tempDir('atomic-');
    const target = victim(dir);
    const path = join(dir, 'out.txt');
    symlinkSync(target, path);
    await writeFileAtomic(path, 'export\n');
    expect(readFileSync(target, 'utf8')).toBe('the operator must not overwrite this\n');
    expect(lstatSync(path).isSymbolicLink()).toBe(false);
    expect(readFileSync(path, 'utf8')).toBe('export\n');
  });

  it('noOverwrite refuses an existing file and a planted symlink, leaving no temporary file', async () => {
    const dir = tempDir('atomic-');
    const target = victim(dir);
    const path = join(dir, 'key.pem');
    writeFileSync(path, 'old');
    await expect(writeFileAtomic(path, 'new', { noOverwrite: true })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(path, 'utf8')).toBe('old');
    {
      const link = join(dir, 'link.pem');
      symlinkSync(target, link);
      await expect(writeFileAtomic(link, 'secret', { noOverwrite: true })).rejects.toMatchObject({ code: 'EEXIST' });
      expect(readFileSync(target, 'utf8')).toBe('the operator must not overwrite this\n');
    }
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a pending file takes a stream (as a workbook writer would) and appears only on commit', async () => {
    const dir = tempDir('atomic-');
    const path = join(dir, 'workbook.xlsx');
    const pending = await PendingFile.create(path);
    await pipeline(Readable.from([Buffer.from('PK'), Buffer.from('\u0003\u0004')]), pending.writable());
    expect(existsSync(path)).toBe(false);
    await pending.commit();
    expect(readFileSync(path, 'latin1')).toBe('PK\u0003\u0004');
    expect(readdirSync(dir)).toEqual(['workbook.xlsx']);
  });

  it('a failed write leaves the previous file and no temporary file', async () => {
    const dir = tempDir('atomic-');
    await expect(writePrivateFileAtomic(join(dir, 'missing', 'x.json'), '{}', 'profiles file')).rejects.toMatchObject({ code: 'store' });
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('CSV exports never follow a planted symlink', () => {
  it('a symlink at the old fixed temporary name <file>.tmp is neither written through nor read back', async () => {
    const dir = tempDir('atomic-csv-');
    const target = victim(dir);
    const path = join(dir, 'user-licenses.csv');
    symlinkSync(target, `${path}.tmp`);
    await writeCsv(path, ['UPN'], [['alice@contoso.example']]);
    expect(readFileSync(target, 'utf8')).toBe('the operator must not overwrite this\n');
    expect(lstatSync(path).isFile()).toBe(true);
    expect(readFileSync(path, 'utf8')).toContain('alice@contoso.example');
    expect(modeOf(path)).toBe(0o600);
  });

  it('two exports into the same folder at once both succeed', async () => {
    const dir = tempDir('atomic-csv-');
    const path = join(dir, 'sku-summary.csv');
    function* rows(tag: string) {
      for (let i = 0; i < 20_000; i++) yield [`${tag}${i}`, i];
    }
    const results = await Promise.allSettled([writeCsv(path, ['A', 'N'], rows('a')), writeCsv(path, ['A', 'N'], rows('b'))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    const text = readFileSync(path, 'utf8');
    // One complete file, from one of the two writers, not a mix.
    expect(text.split('\r\n')).toHaveLength(20_002);
    expect(text.includes('"a0"') !== text.includes('"b0"')).toBe(true);
    expect(readdirSync(dir)).toEqual(['sku-summary.csv']);
  });
});

describe('certificate files never follow a planted symlink', () => {
  it('the public .pem and .cer replace a symlink at their predictable names', async () => {
    const dir = tempDir('atomic-cert-');
    const target = victim(dir);
    const { certificatePem } = await makeSelfSignedCert();
    const prefix = new X509Certificate(certificatePem).fingerprint.replace(/:/g, '').slice(0, 8).toLowerCase();
    const base = join(dir, `p1-${prefix}`);
    symlinkSync(target, `${base}.pem`);
    symlinkSync(target, `${base}.cer`);
    const { pemPath, cerPath } = await writePublicFiles(dir, 'p1', certificatePem);
    expect(readFileSync(target, 'utf8')).toBe('the operator must not overwrite this\n');
    expect(lstatSync(pemPath).isFile() && lstatSync(cerPath).isFile()).toBe(true);
    expect(readFileSync(pemPath, 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(modeOf(pemPath)).toBe(0o644);
  });

  it('a key file is written 0600 whatever the umask, and never over an existing name', async () => {
    const dir = tempDir('atomic-cert-');
    withUmask(0o000);
    const { privateKeyPem } = await makeSelfSignedCert();
    const key = await writeKeyFile(join(dir, 'key.pem'), privateKeyPem);
    expect(modeOf(key)).toBe(0o600);
    await expect(writeKeyFile(key, privateKeyPem)).rejects.toMatchObject({ code: 'bad-input' });
    expect(existsSync(key)).toBe(true);
    expect(readdirSync(dir)).toEqual(['key.pem']);
  });
});
