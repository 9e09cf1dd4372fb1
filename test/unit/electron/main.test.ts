import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OP_NAMES } from '../../../src-main/shared/contract';
import { CHOOSE_FOLDER_CHANNEL, opChannel } from '../../../src-main/electron/channels';

/**
 * main.ts against a stand-in Electron that records, in order, what the shell asks of it.
 * The runtime is not available to unit tests; what is checked is the wiring: one instance,
 * app:// registered before ready, permissions denied, the hardened window on app://, the
 * services in a utility process, and every contract operation handled.
 */
function fakeElectron(opts: { lock: boolean }) {
  const log: string[] = [];
  const appEvents = new EventEmitter();
  let ready!: () => void;
  const whenReady = new Promise<void>((r) => (ready = r));
  const handled: string[] = [];
  const children: Array<EventEmitter & { posted: unknown[]; modulePath: string; options: unknown }> = [];
  const windows: Array<{ options: unknown; loaded: string[] }> = [];
  const permission: { request?: (wc: unknown, p: string, cb: (b: boolean) => void) => void; check?: () => boolean } = {};

  class BrowserWindow extends EventEmitter {
    readonly loaded: string[] = [];
    readonly webContents = { setWindowOpenHandler: () => undefined, on: () => undefined };
    constructor(readonly options: unknown) {
      super();
      log.push('new BrowserWindow');
      windows.push(this);
    }
    loadURL(url: string) {
      this.loaded.push(url);
      return Promise.resolve();
    }
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
    show() {}
  }

  const electron = {
    app: {
      isPackaged: true,
      requestSingleInstanceLock: () => {
        log.push('requestSingleInstanceLock');
        return opts.lock;
      },
      quit: () => log.push('quit'),
      enableSandbox: () => log.push('enableSandbox'),
      on: (e: string, l: (...a: unknown[]) => void) => {
        log.push(`app.on ${e}`);
        appEvents.on(e, l);
      },
      whenReady: () => whenReady,
      getPath: () => '/nonexistent/user-data',
      getAppPath: () => '/nonexistent/app',
    },
    BrowserWindow,
    ipcMain: { handle: (c: string) => void handled.push(c), removeHandler: () => undefined },
    protocol: { registerSchemesAsPrivileged: (s: unknown) => log.push(`registerSchemesAsPrivileged ${JSON.stringify(s)}`) },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: typeof permission.request) => ((permission.request = h), log.push('setPermissionRequestHandler')),
        setPermissionCheckHandler: (h: typeof permission.check) => ((permission.check = h), log.push('setPermissionCheckHandler')),
        setDevicePermissionHandler: () => log.push('setDevicePermissionHandler'),
        protocol: { handle: (scheme: string) => log.push(`protocol.handle ${scheme}`) },
      },
    },
    shell: { openExternal: vi.fn(async () => undefined) },
    safeStorage: { isEncryptionAvailable: () => false, getSelectedStorageBackend: () => 'basic_text', encryptString: () => Buffer.alloc(0), decryptString: () => '' },
    utilityProcess: {
      fork: (modulePath: string, _args: string[], options: unknown) => {
        log.push('utilityProcess.fork');
        const child = Object.assign(new EventEmitter(), {
          posted: [] as unknown[],
          modulePath,
          options,
          postMessage: (m: unknown) => void child.posted.push(m),
          kill: () => true,
        });
        children.push(child);
        return child;
      },
    },
  };
  return { electron, log, appEvents, ready: () => ready(), handled, children, windows, permission };
}

afterEach(() => {
  vi.resetModules();
  vi.doUnmock('electron');
});

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('the desktop shell (main.ts)', () => {
  it('takes the single-instance lock and registers app:// before ready, then wires window, permissions, services and IPC', async () => {
    const f = fakeElectron({ lock: true });
    vi.doMock('electron', () => f.electron);
    await import('../../../src-main/electron/main');
    expect(f.log.slice(0, 3)).toEqual(['requestSingleInstanceLock', 'app.on second-instance', 'enableSandbox']);
    expect(f.log[3]).toMatch(/^registerSchemesAsPrivileged .*"scheme":"app".*"standard":true.*"secure":true/);
    expect(f.log).not.toContain('new BrowserWindow');

    f.ready();
    await tick();
    // Permissions are denied before any window exists, and the renderer is served over app://.
    const at = (s: string) => f.log.indexOf(s);
    expect(at('setPermissionRequestHandler')).toBeGreaterThan(-1);
    expect(at('setPermissionCheckHandler')).toBeLessThan(at('new BrowserWindow'));
    expect(at('protocol.handle app')).toBeLessThan(at('new BrowserWindow'));
    expect(await new Promise((r) => f.permission.request!({}, 'media', r))).toBe(false);
    expect(f.permission.check!()).toBe(false);

    // The hardened window, on the app's own origin, never file://.
    expect(f.windows).toHaveLength(1);
    expect((f.windows[0]!.options as { webPreferences: Record<string, unknown> }).webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, webSecurity: true, devTools: false });
    expect(f.windows[0]!.loaded).toEqual(['app://renderer/index.html']);

    // The services run in a utility process, told where the data lives and what the secret store is.
    await tick();
    expect(f.children).toHaveLength(1);
    const host = f.children[0]!;
    expect(host.modulePath).toMatch(/services-host\.cjs$/);
    expect(host.posted[0]).toMatchObject({ t: 'init', secretStore: { persistent: false } });
    // Where safeStorage cannot protect secrets (here: no encryption, and Linux's basic_text) they stay in memory, and the services are told so.
    expect((host.posted[0] as { secretStore: { description: string } }).secretStore.description).toMatch(/^memory \(not persisted: /);
    expect(host.posted[0]).not.toHaveProperty('sqliteNativeBinding');

    // Every contract operation has a handler, and the desktop's folder picker is offered.
    for (const op of OP_NAMES) expect(f.handled, op).toContain(opChannel(op));
    expect(f.handled).toContain(CHOOSE_FOLDER_CHANNEL);
  });

  it('a second instance quits at once and builds nothing', async () => {
    const f = fakeElectron({ lock: false });
    vi.doMock('electron', () => f.electron);
    await import('../../../src-main/electron/main');
    f.ready();
    await tick();
    expect(f.log).toEqual(['requestSingleInstanceLock', 'quit']);
    expect(f.windows).toEqual([]);
    expect(f.children).toEqual([]);
    expect(f.handled).toEqual([]);
  });
});
