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

// The layering of src-main (eslint/layers.js): each rule is proven to fail on a planted import.
describe('layering', () => {
  const eslint = new ESLint();
  const rules = async (code: string, filePath: string) => {
    const [result] = await eslint.lintText(code, { filePath });
    return (result?.messages ?? []).filter((m) => m.ruleId === 'layers/direction').map((m) => m.message);
  };
  const use = (spec: string) => `import * as m from '${spec}';\nexport const x = m;\n`;

  it.each([
    ['src-main/cli/probe.ts', '../core/store/db', /thin front end/],
    ['src-main/cli/commands/probe.ts', '../../core/sync/engine', /thin front end/],
    ['src-main/cli/probe.ts', '../core/auth/app-token', /thin front end/],
  ])('the CLI may not import core internals: %s -> %s', async (file, spec, why) => {
    expect(await rules(use(spec), file)).toEqual([expect.stringMatching(why)]);
  });

  it('the CLI may import the services and the contract', async () => {
    expect(await rules(use('../core/services/index'), 'src-main/cli/probe.ts')).toEqual([]);
    expect(await rules(use('../shared/contract'), 'src-main/cli/probe.ts')).toEqual([]);
  });

  it.each([
    ['src-main/core/services/probe.ts', '../demo-tenant/index'],
    ['src-main/core/sync/probe.ts', '../demo-tenant/types'],
    ['src-main/cli/probe.ts', '../core/demo-tenant/index'],
    ['src-main/electron/probe.ts', '../core/demo-tenant/index'],
  ])('production code may not import the demo tenant: %s -> %s', async (file, spec) => {
    expect(await rules(use(spec), file)).toEqual([expect.stringMatching(/never imports the demo tenant/)]);
  });

  it('the demo wiring and the standalone demo tenant runner may', async () => {
    expect(await rules(use('../demo-tenant/index'), 'src-main/core/demo/probe.ts')).toEqual([]);
    expect(await rules(use('../core/demo-tenant/index'), 'src-main/cli/demo-tenant.ts')).toEqual([]);
  });

  it.each([
    ['src-main/core/net/probe.ts', '../auth/app-token'],
    ['src-main/core/auth/probe.ts', '../graph/session'],
    ['src-main/core/graph/probe.ts', '../sync/engine'],
    ['src-main/core/sync/probe.ts', '../services/index'],
    ['src-main/core/errors/probe.ts', '../net/network'],
  ])('a backwards import between core layers fails: %s -> %s', async (file, spec) => {
    expect(await rules(use(spec), file)).toEqual([expect.stringMatching(/never back/)]);
  });

  it.each([
    ['src-main/core/auth/probe.ts', '../net/network'],
    ['src-main/core/graph/probe.ts', '../auth/token-provider'],
    ['src-main/core/services/probe.ts', '../sync/engine'],
  ])('a forward import is fine: %s -> %s', async (file, spec) => {
    expect(await rules(use(spec), file)).toEqual([]);
  });

  it.each([
    ['node:fs', /imports only zod/],
    ['commander', /imports only zod/],
    ['../core/errors/operator-error', /imports only zod/],
  ])('src-main/shared imports only zod: not %s', async (spec, why) => {
    expect(await rules(use(spec), 'src-main/shared/probe.ts')).toEqual([expect.stringMatching(why)]);
  });

  it('src-main/shared may import zod and itself', async () => {
    expect(await rules(use('zod'), 'src-main/shared/probe.ts')).toEqual([]);
    expect(await rules(use('./errors'), 'src-main/shared/probe.ts')).toEqual([]);
  });

  it('the whole tree follows the layering', async () => {
    const results = await eslint.lintFiles(['src-main']);
    const broken = results.flatMap((r) => r.messages.filter((m) => m.ruleId === 'layers/direction').map((m) => `${r.filePath}: ${m.message}`));
    expect(broken).toEqual([]);
  });
});
