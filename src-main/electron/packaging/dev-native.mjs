// @ts-check
/**
 * `npm run dev` runs the app in the real Electron runtime, whose ABI differs from Node's.
 * The project's node_modules stay on Node's ABI (tests and the CLI run in Node), so this
 * script installs better-sqlite3's prebuilt binary for the installed Electron version into
 * a separate folder, out/electron-native/, and never touches node_modules. The main
 * process of an unpackaged run hands that path to the services host (relay init message),
 * which gives it to better-sqlite3 as its native binding.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NATIVE_BINARY, NATIVE_MODULE, prebuildArgs, runPrebuildInstall } from './native-modules.mjs';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const DEV_NATIVE_DIR = join(projectDir, 'out', 'electron-native', NATIVE_MODULE);

/** @returns {Promise<string>} the path of the Electron build of better_sqlite3.node */
export async function prepareDevNative() {
  const require = createRequire(join(projectDir, 'package.json'));
  const electronVersion = /** @type {{version: string}} */ (require('electron/package.json')).version;
  const modulePkg = require.resolve(`${NATIVE_MODULE}/package.json`);
  const moduleVersion = /** @type {{version: string}} */ (JSON.parse(readFileSync(modulePkg, 'utf8'))).version;
  const stamp = `${NATIVE_MODULE}@${moduleVersion} electron@${electronVersion} ${process.platform}-${process.arch}`;
  const binary = join(DEV_NATIVE_DIR, NATIVE_BINARY);
  const stampFile = join(DEV_NATIVE_DIR, 'built-for.txt');
  if (existsSync(binary) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return binary;
  mkdirSync(DEV_NATIVE_DIR, { recursive: true });
  // prebuild-install reads the module's name and version from package.json in its working folder.
  copyFileSync(modulePkg, join(DEV_NATIVE_DIR, 'package.json'));
  await runPrebuildInstall(DEV_NATIVE_DIR, prebuildArgs({ electronVersion, platform: process.platform, arch: process.arch }));
  if (!existsSync(binary)) throw new Error(`${NATIVE_MODULE}: ${binary} is missing after the Electron build was installed.`);
  writeFileSync(stampFile, stamp);
  return binary;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  prepareDevNative().then(
    (p) => console.log(`Electron build of ${NATIVE_MODULE}: ${p}`),
    (e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
