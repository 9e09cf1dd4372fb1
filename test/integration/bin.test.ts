import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../helpers/fs';

// The `bin` entry as an operator runs it: a separate process, real exit codes.
const bin = fileURLToPath(new URL('../../bin/m365-reconciler.mjs', import.meta.url));
const run = (args: string[]) => spawnSync(process.execPath, [bin, '--data-dir', tempDir(), ...args], { encoding: 'utf8', timeout: 60_000 });

describe('bin entry', () => {
  it('prints help with the exit codes and exits 0', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Exit codes:/);
  });

  it('exits 2 on bad input and 4 when admin consent is missing', () => {
    expect(run(['demo', '--users', '0']).status).toBe(2);
    const r = run(['sync', '--profile', 'demo', '--users', '10', '--app', 'no-consent', '--credential', 'secret']);
    expect(r.status).toBe(4);
    expect(r.stderr).toMatch(/AADSTS65001|65001/);
  });
});
