#!/usr/bin/env node
// Installs the project's dependencies on Windows, macOS and Linux alike.
//
// The Electron runtime is downloaded by electron's own install script. On
// locked-down workstations that only reach the npm registry that download fails,
// so dependencies are installed with the download deferred, then the runtime is
// fetched on its own; only when that fails does setup continue without it
// (the CLI, the demo tenant and the tests do not need it).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`setup: Node.js ${process.versions.node} is too old; install Node.js 20.19 or newer.`);
  process.exit(1);
}

function npm(args, env) {
  // npm_execpath is set when run through `npm run`; otherwise use the npm next to node.
  const npmCli = process.env.npm_execpath;
  const r = npmCli && npmCli.endsWith('.js')
    ? spawnSync(process.execPath, [npmCli, ...args], { cwd: root, stdio: 'inherit', env })
    : spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { cwd: root, stdio: 'inherit', env, shell: process.platform === 'win32' });
  return r.status ?? 1;
}

const userSkips = process.env.ELECTRON_SKIP_BINARY_DOWNLOAD === '1';
const lock = existsSync(join(root, 'package-lock.json'));
const status = npm([lock ? 'ci' : 'install', '--no-audit', '--no-fund'], { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
if (status !== 0) {
  console.error('setup: installing dependencies failed (see npm output above).');
  process.exit(status);
}

if (userSkips) {
  console.log('setup: ELECTRON_SKIP_BINARY_DOWNLOAD=1 is set; the Electron runtime was not downloaded.');
} else {
  const installer = join(root, 'node_modules', 'electron', 'install.js');
  const r = spawnSync(process.execPath, [installer], { cwd: join(root, 'node_modules', 'electron'), stdio: ['ignore', 'ignore', 'pipe'], timeout: 600_000 });
  if (r.status === 0) {
    console.log('setup: Electron runtime installed.');
  } else {
    const reason = String(r.stderr ?? '').split('\n').find((l) => l.trim()) ?? 'download failed';
    console.log(`setup: notice: the Electron runtime could not be downloaded (${reason.trim().slice(0, 120)}); continuing with ELECTRON_SKIP_BINARY_DOWNLOAD=1 - the CLI, demo tenant and tests work, the desktop window needs the runtime.`);
  }
}
console.log('setup: done.');
