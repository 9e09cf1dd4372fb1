import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

/**
 * The writer thread starts once per sync, in its own V8 isolate: what its entry loads is paid in
 * CPU time and memory on every sync. It needs better-sqlite3 and the store, not the dataset
 * registry (whose zod schemas the sync's own thread validates with), so the bundle the CLI ships
 * for it (npm run build:cli) must not pull those in.
 */
describe('writer thread bundle', () => {
  it('loads neither zod nor the dataset registry', async () => {
    const entry = fileURLToPath(new URL('../../../src-main/core/store/writer-worker.ts', import.meta.url));
    const out = await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(out.metafile.inputs);
    const imports = Object.values(out.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(inputs.some((f) => f.endsWith('store/writer-core.ts'))).toBe(true);
    expect(inputs.filter((f) => f.includes('core/datasets/'))).toEqual([]);
    expect(imports).toContain('better-sqlite3');
    expect(imports.filter((p) => p === 'zod' || p.startsWith('zod/'))).toEqual([]);
  });
});
