#!/usr/bin/env node
// Installed entry point. Runs the bundled CLI (`npm run build:cli`); in a checkout
// without a build it runs the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../out/cli/index.js', import.meta.url));
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src-main/cli/index.ts', import.meta.url).href);
}
