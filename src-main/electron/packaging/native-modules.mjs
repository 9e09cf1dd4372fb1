// @ts-check
/**
 * better-sqlite3 for Electron, at packaging time only.
 *
 * The project's node_modules stay built for Node's ABI, so `npm test` and the CLI keep
 * running in Node. electron-builder's own `npmRebuild` would rebuild node_modules IN PLACE
 * (its @electron/rebuild runs with buildPath = the project folder when there is one
 * package.json), which is why electron-builder.yml sets `npmRebuild: false`. Instead, this
 * afterPack hook replaces the native binary inside the packaged app's copy
 * (resources/app.asar.unpacked/node_modules/better-sqlite3) with the prebuilt binary for
 * the target Electron version, platform and architecture, which better-sqlite3 publishes
 * and its own installer (prebuild-install) downloads. afterPack runs after the files are
 * copied and the asar integrity is computed (unpacked files are outside the archive) and
 * before the fuses are flipped and the app is signed.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, relative, resolve } from 'node:path';

export const NATIVE_MODULE = 'better-sqlite3';
export const NATIVE_BINARY = join('build', 'Release', 'better_sqlite3.node');

/** builder-util's Arch enum, by value. */
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

/**
 * @param {{ appOutDir: string, electronPlatformName: string }} context
 * @param {string} productFilename
 */
export function unpackedModuleDir(context, productFilename) {
  const mac = context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas';
  const resources = mac ? join(context.appOutDir, `${productFilename}.app`, 'Contents', 'Resources') : join(context.appOutDir, 'resources');
  return join(resources, 'app.asar.unpacked', 'node_modules', NATIVE_MODULE);
}

/**
 * The prebuild-install arguments for one target.
 * @param {{ electronVersion: string, platform: string, arch: number | string }} target
 */
export function prebuildArgs(target) {
  const arch = typeof target.arch === 'number' ? ARCH_NAMES[target.arch] : target.arch;
  if (!arch || arch === 'universal') {
    throw new Error(`${NATIVE_MODULE}: build one architecture at a time (x64 or arm64); a universal build needs both binaries merged, which this hook does not do.`);
  }
  if (!/^\d+\.\d+\.\d+/.test(target.electronVersion)) throw new Error(`${NATIVE_MODULE}: unknown Electron version "${target.electronVersion}".`);
  const platform = target.platform === 'mas' ? 'darwin' : target.platform;
  return ['--runtime=electron', `--target=${target.electronVersion}`, `--platform=${platform}`, `--arch=${arch}`, '--force', '--verbose'];
}

/**
 * Runs prebuild-install in `cwd`.
 * @param {string} cwd
 * @param {string[]} args
 * @returns {Promise<void>}
 */
export function runPrebuildInstall(cwd, args) {
  const bin = createRequire(join(cwd, 'package.json')).resolve('prebuild-install/bin.js', { paths: [cwd, process.cwd()] });
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: 'inherit' });
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0
        ? done()
        : fail(new Error(`${NATIVE_MODULE}: no prebuilt binary could be installed for Electron (${args.join(' ')}); exit code ${code}. Check the network path to github.com, or build on the target platform with a C++ toolchain.`)),
    );
  });
}

/**
 * @param {string} parent
 * @param {string} child
 */
function inside(parent, child) {
  const r = relative(resolve(parent), resolve(child));
  return r !== '' && !r.startsWith('..') && !isAbsolute(r);
}

/**
 * electron-builder's afterPack hook.
 * @param {{ appOutDir: string, electronPlatformName: string, arch: number, packager: { projectDir?: string, appInfo: { productFilename: string }, info: { projectDir: string, framework: { version: string } } } }} context
 * @param {(cwd: string, args: string[]) => Promise<void>} [run]
 */
export default async function afterPack(context, run = runPrebuildInstall) {
  const projectDir = context.packager.info.projectDir;
  const dir = unpackedModuleDir(context, context.packager.appInfo.productFilename);
  // Never the project's own node_modules: only the copy inside the packaged app.
  if (!inside(context.appOutDir, dir) || inside(join(projectDir, 'node_modules'), dir)) {
    throw new Error(`${NATIVE_MODULE}: refusing to replace a binary outside the packaged app (${dir}).`);
  }
  if (!existsSync(join(dir, 'package.json'))) {
    throw new Error(`${NATIVE_MODULE} is not unpacked at ${dir}; keep "node_modules/${NATIVE_MODULE}/**" in asarUnpack.`);
  }
  const args = prebuildArgs({ electronVersion: context.packager.info.framework.version, platform: context.electronPlatformName, arch: context.arch });
  await run(dir, args);
  const packaged = join(dir, NATIVE_BINARY);
  if (!existsSync(packaged)) throw new Error(`${NATIVE_MODULE}: ${packaged} is missing after the Electron build was installed.`);
  const projectBinary = join(projectDir, 'node_modules', NATIVE_MODULE, NATIVE_BINARY);
  if (existsSync(projectBinary) && readFileSync(projectBinary).equals(readFileSync(packaged))) {
    throw new Error(`${NATIVE_MODULE}: the packaged binary is still the project's Node build; the Electron build was not installed.`);
  }
}
