import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../../src-main/core/log/logger';
import { cli, tempDir } from '../../helpers/cli';

function sink(): { write(s: string): void; text: string } {
  const out = { text: '', write: (s: string) => void (out.text += s) };
  return out;
}

describe('an unwritable log file never stops the product', () => {
  it('the log file is a folder: one notice, then warnings and errors on the fallback stream', () => {
    const dir = tempDir();
    const file = join(dir, 'reconciler.log');
    mkdirSync(file);
    const out = sink();
    const log = createLogger({ file, fallback: out });
    log.info('quiet');
    log.warn('first warning', { client_secret: 'abc' });
    log.error('an error');
    expect(out.text.match(/notice: the log file/g)).toHaveLength(1);
    expect(out.text).toContain(file);
    expect(out.text).toContain('EISDIR');
    expect(out.text).toContain('[warn] first warning');
    expect(out.text).toContain('[error] an error');
    expect(out.text).not.toContain('quiet');
    expect(out.text).not.toContain('abc');
  });

  it('the log folder cannot be created: one notice', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'logs'), 'a file where the folder should be');
    const out = sink();
    const log = createLogger({ file: join(dir, 'logs', 'reconciler.log'), fallback: out });
    log.error('x');
    log.error('y');
    expect(out.text.match(/notice: the log file/g)).toHaveLength(1);
    expect(out.text).toMatch(/ENOTDIR|EEXIST/);
  });

  it('the CLI runs a command with an unwritable log file, and says so once', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'logs', 'reconciler.log'), { recursive: true });
    expect((await cli(['--data-dir', dir, 'profile', 'list'])).code).toBe(0);
    // A failed command logs its failure: that must not turn a usage error into a crash.
    const r = await cli(['--data-dir', dir, 'profile', 'show', 'nosuch']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nosuch/);
    expect(r.stderr).not.toMatch(/at .*\(.*\.ts:\d+/);
    expect(r.stderr.match(/notice: the log file/g)).toHaveLength(1);
  });
});
