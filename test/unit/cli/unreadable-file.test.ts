import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/fs';
import { spawnWithFileModes } from '../../helpers/file-modes';

const CLI = fileURLToPath(new URL('../../../src-main/cli/index.ts', import.meta.url));

/** Runs the real CLI in a child process to which the file's permissions apply (root included). */
function cliAsOther(args: string[]): { code: number | null; stderr: string } {
  const r = spawnWithFileModes(process.execPath, ['--import', 'tsx', CLI, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: process.env['PATH'] ?? '' },
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
  });
  return { code: r.status, stderr: r.stderr };
}

describe('an unreadable CA bundle is named as unreadable, not as missing', () => {
  it('a bundle in a folder this user may not enter: permission denied, exit 2', () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const locked = join(dir, 'locked');
    mkdirSync(locked, { mode: 0o700 });
    writeFileSync(join(locked, 'ca.pem'), 'x');
    chmodSync(locked, 0o000);
    const data = join(dir, 'data');
    mkdirSync(data, { mode: 0o777 });
    chmodSync(data, 0o777);
    const r = cliAsOther(['--data-dir', data, 'profile', 'add', '--name', 'x', '--tenant', 'contoso.onmicrosoft.com', '--client-id', '11111111-2222-3333-4444-555555555555', '--secret-env', 'S', '--ca-bundle', join(locked, 'ca.pem')]);
    expect(r.stderr).toMatch(/--ca-bundle .*ca\.pem: permission denied/);
    expect(r.stderr).not.toMatch(/no such file/);
    expect(r.code).toBe(2);
  });
});
