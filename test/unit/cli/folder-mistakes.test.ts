import { beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cli, tempDir } from '../../helpers/cli';

/** /sys is a kernel file system: even root may not create a file there, the way a read-only folder refuses. */
const UNWRITABLE = '/sys/m365lr-test-folder';

describe('a data folder the operator got wrong is named, with a meaningful exit code', () => {
  it.each([
    ['a file', (dir: string) => (writeFileSync(join(dir, 'f'), 'x'), join(dir, 'f')), 2, /is a file, not a folder/],
    ['an empty string', () => '', 2, /empty path/],
    ['a path through a file', (dir: string) => (writeFileSync(join(dir, 'f'), 'x'), join(dir, 'f', 'data')), 2, /a part of the path is a file/],
    ['an unwritable path', () => UNWRITABLE, 7, /cannot be created \((permission denied|the file system is read-only)\)/],
  ] as const)('%s', async (_what, path, code, said) => {
    const r = await cli(['--data-dir', path(tempDir()), 'snapshots', '--profile', 'demo']);
    expect(r.stderr).toMatch(said);
    expect(r.stderr).toMatch(/data folder/);
    expect(r.stderr).not.toMatch(/unexpected failure/);
    expect(r.code).toBe(code);
  });
});

describe('an export folder the operator got wrong is named, with a meaningful exit code', () => {
  let data: string;
  beforeAll(async () => {
    data = join(tempDir(), 'data');
    expect((await cli(['--data-dir', data, 'sync', '--profile', 'demo', '--users', '20'])).code).toBe(0);
  }, 60_000);

  it.each([
    ['a file', (dir: string) => (writeFileSync(join(dir, 'f'), 'x'), join(dir, 'f')), 2, /is a file, not a folder/],
    ['an unwritable folder', () => UNWRITABLE, 7, /cannot be created \((permission denied|the file system is read-only)\)/],
    ['a read-only existing folder', () => '/sys', 7, /cannot be written to \((permission denied|the file system is read-only)\)/],
  ] as const)('%s', async (_what, path, code, said) => {
    const r = await cli(['--data-dir', data, 'export', '--profile', 'demo', '--out', path(tempDir())]);
    expect(r.stderr).toMatch(said);
    expect(r.stderr).toMatch(/export folder/);
    expect(r.stderr).not.toMatch(/unexpected failure/);
    expect(r.code).toBe(code);
  });
});
