import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Browser mode serves the same renderer the desktop app loads (out/renderer). It is built
 * here when missing or older than its sources, with the renderer part of the desktop build's
 * configuration, so `npm run web` works from a fresh clone.
 */
async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) newest = Math.max(newest, statSync(join(e.parentPath, e.name)).mtimeMs);
  }
  return newest;
}

export async function rendererIsStale(root: string, outDir: string): Promise<boolean> {
  const index = join(outDir, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const sources = Math.max(await newestMtime(join(root, 'src-renderer')), await newestMtime(join(root, 'src-main', 'shared')));
  return sources > built;
}

export async function buildRenderer(root: string, outDir: string): Promise<void> {
  const { build } = await import('vite');
  const { svelte } = await import('@sveltejs/vite-plugin-svelte');
  await build({
    configFile: false,
    root: join(root, 'src-renderer'),
    base: './',
    logLevel: 'warn',
    plugins: [svelte({ configFile: join(root, 'svelte.config.js') })],
    build: { outDir, emptyOutDir: true, rollupOptions: {
        input: { index: join(root, 'src-renderer', 'index.html') },
        // zod's sources carry comments rollup cannot place; harmless, and noise for the operator.
        onwarn: (w, warn) => {
          if (w.code !== 'INVALID_ANNOTATION') warn(w);
        },
      },
    },
  });
}
