import { describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseWebArgs } from '../../../src-main/web/args';
import { desktopAvailable } from '../../../src-main/web/desktop-available';
import { tempDir } from '../../helpers/fs';

describe('npm run web options', () => {
  it('defaults to a free port, opening the browser, the default data folder', () => {
    expect(parseWebArgs([])).toEqual({ port: 0, open: true, dataDir: undefined });
  });
  it('reads --port, --no-open and --data-dir', () => {
    expect(parseWebArgs(['--port', '8123', '--no-open', '--data-dir', 'd'])).toEqual({ port: 8123, open: false, dataDir: resolve('d') });
  });
  it.each([[['--port']], [['--port', 'x']], [['--port', '70000']], [['--data-dir']], [['--token', 'abc']]])('refuses %j', (argv) => {
    expect(() => parseWebArgs(argv)).toThrow();
  });
});

describe('npm start', () => {
  it('opens browser mode, saying why, where the Electron runtime is not installed', () => {
    const root = tempDir();
    expect(desktopAvailable(root)).toEqual({ ok: false, why: 'the Electron runtime is not installed on this machine' });
    mkdirSync(join(root, 'node_modules', 'electron', 'dist'), { recursive: true });
    expect(desktopAvailable(root).ok).toBe(false);
    writeFileSync(join(root, 'node_modules', 'electron', 'path.txt'), 'electron');
    expect(desktopAvailable(root)).toEqual({ ok: true });
  });
});
