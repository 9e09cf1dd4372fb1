import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { resolveFunction } from 'app-builder-lib/out/util/resolve.js';
import { DebugLogger } from 'builder-util';
import type { Configuration } from 'app-builder-lib';
import afterPack, { NATIVE_BINARY, prebuildArgs, unpackedModuleDir } from '../../../src-main/electron/packaging/native-modules.mjs';
import { tempDir } from '../../helpers/fs';

// The configuration is read and validated by electron-builder's own loader and schema,
// so a misspelled key fails here rather than at packaging time on another machine.
const projectDir = resolve(import.meta.dirname, '../../..');
const config: Configuration = await getConfig(projectDir, 'electron-builder.yml', null);
const pkg = JSON.parse(readFileSync(join(projectDir, 'package.json'), 'utf8')) as { main: string; scripts: Record<string, string> };

function targets(t: unknown): string[] {
  return (Array.isArray(t) ? t : [t]).map((x) => (typeof x === 'string' ? x : (x as { target: string }).target));
}

describe('electron-builder configuration', () => {
  it('passes electron-builder\'s own schema, which rejects a misspelled fuse', async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
    const typo = { ...config, electronFuses: { ...config.electronFuses, runAsNod: false } } as unknown as Configuration;
    await expect(validateConfiguration(typo, new DebugLogger(false))).rejects.toThrow(/configuration\.electronFuses/);
  });

  it('flips the fuses: no run-as-node, no NODE_OPTIONS, no inspector, only the integrity-checked asar, encrypted cookies', () => {
    // electronjs.org/docs/latest/tutorial/fuses; electron.build/tutorials/adding-electron-fuses
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
      enableCookieEncryption: true,
      grantFileProtocolExtraPrivileges: false,
    });
    // Integrity validation is meaningless without an asar whose hash is embedded.
    expect(config.asar).toBe(true);
    expect((config as { disableAsarIntegrity?: boolean }).disableAsarIntegrity).toBeUndefined();
  });

  it('unpacks better-sqlite3 and the writer thread entry, and never rebuilds the project\'s node_modules', () => {
    expect(config.asarUnpack).toEqual(['node_modules/better-sqlite3/**', 'out/main/writer-worker.cjs']);
    expect(config.npmRebuild).toBe(false);
    expect(config.buildDependenciesFromSource).toBe(false);
    expect(config.beforeBuild).toBeUndefined();
    expect(config.afterPack).toBe('./src-main/electron/packaging/native-modules.mjs');
  });

  it('includes the built app (main, services host, preload, renderer) and the CLI, not the sources', () => {
    // electron-builder's loader turns the list into one file set.
    expect(config.files).toEqual([{ filter: ['out/**', 'bin/**', 'resources/**', '!resources/build/**', '!out/**/*.map', '!out/electron-native/**', 'package.json'] }]);
    expect(pkg.main).toBe('out/main/index.cjs');
    expect(config.directories).toEqual({ output: 'dist', buildResources: 'resources/build' });
  });

  it('builds NSIS and portable for Windows, a dmg for macOS, AppImage and deb for Linux', () => {
    expect(targets(config.win?.target)).toEqual(['nsis', 'portable']);
    expect(targets(config.mac?.target)).toEqual(['dmg']);
    expect(targets(config.linux?.target)).toEqual(['AppImage', 'deb']);
    expect(config.mac?.hardenedRuntime).toBe(true);
  });

  it('npm run dist builds first, then packages', () => {
    expect(pkg.scripts['dist']).toMatch(/^npm run build && electron-builder/);
  });
});

describe('the packaging-time Electron build of better-sqlite3 (afterPack)', () => {
  const root = tempDir('m365lr-pack-');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  function packContext(appOutDir: string, platform = 'linux', arch = 1) {
    return { appOutDir, electronPlatformName: platform, arch, packager: { appInfo: { productFilename: 'M365 License Reconciler' }, info: { projectDir, framework: { version: '40.10.2' } } } };
  }

  function unpacked(appOutDir: string, platform = 'linux'): string {
    const dir = unpackedModuleDir({ appOutDir, electronPlatformName: platform }, 'M365 License Reconciler');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{"name":"better-sqlite3"}');
    return dir;
  }

  it('is what electron-builder loads as the afterPack hook', async () => {
    // Loaded the way electron-builder loads it (outside vitest's module graph, so compared by behaviour).
    const hook = (await resolveFunction('module', config.afterPack as string, 'afterPack', projectDir)) as unknown as typeof afterPack;
    expect(typeof hook).toBe('function');
    expect(hook.name).toBe('afterPack');
    await expect(hook(packContext(join(root, 'loaded-not-unpacked')), async () => undefined)).rejects.toThrow(/asarUnpack/);
  });

  it('installs the prebuilt binary for the target Electron, platform and architecture into the packaged copy only', async () => {
    const out = join(root, 'linux-unpacked');
    const dir = unpacked(out);
    expect(dir).toBe(join(out, 'resources', 'app.asar.unpacked', 'node_modules', 'better-sqlite3'));
    const runs: Array<[string, string[]]> = [];
    await afterPack(packContext(out), async (cwd, args) => {
      runs.push([cwd, args]);
      mkdirSync(join(cwd, 'build', 'Release'), { recursive: true });
      writeFileSync(join(cwd, NATIVE_BINARY), 'electron abi binary');
    });
    expect(runs).toEqual([[dir, ['--runtime=electron', '--target=40.10.2', '--platform=linux', '--arch=x64', '--force', '--verbose']]]);
  });

  it('finds the copy inside the macOS bundle, and maps each architecture', () => {
    expect(unpackedModuleDir({ appOutDir: '/o/mac-arm64', electronPlatformName: 'darwin' }, 'M365 License Reconciler')).toBe(
      join('/o/mac-arm64', 'M365 License Reconciler.app', 'Contents', 'Resources', 'app.asar.unpacked', 'node_modules', 'better-sqlite3'),
    );
    expect(prebuildArgs({ electronVersion: '40.10.2', platform: 'win32', arch: 0 })).toContain('--arch=ia32');
    expect(prebuildArgs({ electronVersion: '40.10.2', platform: 'darwin', arch: 3 })).toContain('--arch=arm64');
    expect(prebuildArgs({ electronVersion: '40.10.2', platform: 'mas', arch: 'arm64' })).toContain('--platform=darwin');
    expect(() => prebuildArgs({ electronVersion: '40.10.2', platform: 'darwin', arch: 4 })).toThrow(/universal/);
    expect(() => prebuildArgs({ electronVersion: 'latest', platform: 'linux', arch: 1 })).toThrow(/Electron version/);
  });

  it('fails the packaging when the binary is still the project\'s Node build, missing, or not unpacked', async () => {
    const projectBinary = join(projectDir, 'node_modules', 'better-sqlite3', NATIVE_BINARY);
    const out = join(root, 'still-node');
    unpacked(out);
    await expect(
      afterPack(packContext(out), async (cwd) => {
        mkdirSync(join(cwd, 'build', 'Release'), { recursive: true });
        writeFileSync(join(cwd, NATIVE_BINARY), readFileSync(projectBinary));
      }),
    ).rejects.toThrow(/still the project's Node build/);

    const out2 = join(root, 'nothing');
    unpacked(out2);
    await expect(afterPack(packContext(out2), async () => undefined)).rejects.toThrow(/missing after/);

    await expect(afterPack(packContext(join(root, 'not-unpacked')), async () => undefined)).rejects.toThrow(/asarUnpack/);
  });

  it('never touches the project\'s own node_modules', async () => {
    const inside = join(projectDir, 'node_modules', '.m365lr-never-here');
    let ran = false;
    await expect(afterPack(packContext(inside), async () => void (ran = true))).rejects.toThrow(/refusing/);
    expect(ran).toBe(false);
  });
});
