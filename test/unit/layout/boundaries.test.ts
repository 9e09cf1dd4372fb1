import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

// The folder says which runtime a file may use: the lint config enforces it.
describe('runtime boundaries', () => {
  const eslint = new ESLint();
  const lint = async (code: string, filePath: string) => {
    const [result] = await eslint.lintText(code, { filePath });
    return (result?.messages ?? []).map((m) => m.ruleId);
  };

  it.each([
    ["import { app } from 'electron';\nexport const a = app;\n", 'no-restricted-imports'],
    ["import { ipcRenderer } from 'electron/renderer';\nexport const a = ipcRenderer;\n", 'no-restricted-imports'],
    ["import x from '../../src-renderer/src/main';\nexport const a = x;\n", 'no-restricted-imports'],
    ['export const w = window.location.href;\n', 'no-restricted-globals'],
    ['export const d = document.title;\n', 'no-restricted-globals'],
  ])('src-main/core refuses %j', async (code, rule) => {
    expect(await lint(code, 'src-main/core/probe.ts')).toContain(rule);
  });

  it('src-main/core may use Node built-ins', async () => {
    expect(await lint("import { readFile } from 'node:fs/promises';\nexport const r = readFile;\n", 'src-main/core/probe.ts')).toEqual([]);
  });

  it('src-main/electron may import electron', async () => {
    expect(await lint("import { app } from 'electron';\nexport const a = app;\n", 'src-main/electron/probe.ts')).toEqual([]);
  });

  it('the renderer may not reach into the core or Node', async () => {
    expect(await lint("import { readFile } from 'node:fs';\nexport const r = readFile;\n", 'src-renderer/src/probe.ts')).toContain('no-restricted-imports');
  });
});
