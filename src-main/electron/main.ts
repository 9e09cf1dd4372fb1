import { app, BrowserWindow, dialog, ipcMain, session, utilityProcess, type WebContents } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataDir } from '../core/paths';
import { registerContractIpc } from './ipc';
import { createRelay, createSupervisedRelay, utilityProcessChannel } from './relay/main-side';
import { createElectronSecretStore } from './secret-store';
import {
  APP_ENTRY_URL,
  acquireSingleInstance,
  createExternalOpener,
  createHardenedWindow,
  defaultExternalHosts,
  denyAllPermissions,
  devServerOrigin,
  handleAppProtocol,
  hardenWebContents,
  registerAppScheme,
  type NavigationPolicy,
} from './security';

/**
 * The desktop shell. Main owns the window and nothing else of substance: the services
 * run in a utility process (services-host.ts), the window talks to them only through the
 * contract's IPC wrapper, and main keeps what exists only here (safeStorage, the system
 * browser) behind the relay's private channel.
 */

// Before anything else: one instance, and the app:// scheme's privileges (only possible before ready).
let mainWindow: BrowserWindow | undefined;
const primary = acquireSingleInstance(app, () => {
  if (!mainWindow) return;
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.focus();
});

if (primary) {
  // Every renderer sandboxed, whatever its webPreferences say.
  app.enableSandbox();
  registerAppScheme();
  const devOrigin = devServerOrigin(process.env['ELECTRON_RENDERER_URL'], app.isPackaged);
  const openExternal = createExternalOpener(defaultExternalHosts());
  const policy: NavigationPolicy = { openExternal, ...(devOrigin ? { devOrigin } : {}) };

  // Every web contents, whatever creates it, gets the navigation and window-open rules.
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, policy));

  void app.whenReady().then(() => {
    denyAllPermissions(session.defaultSession);
    handleAppProtocol(session.defaultSession, join(__dirname, '../renderer'));

    // safeStorage's Linux backend is known only now; the policy refuses basic_text and then keeps secrets in memory, saying so.
    const { store } = createElectronSecretStore({ allowMemoryFallback: true });
    const dataDir = defaultDataDir(process.env);
    // npm run dev: node_modules hold Node's build of better-sqlite3; dev-native.mjs put Electron's beside the build output.
    const devBinding = app.isPackaged ? undefined : join(app.getAppPath(), 'out', 'electron-native', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    const sqliteNativeBinding = devBinding && existsSync(devBinding) ? devBinding : undefined;

    const relay = createSupervisedRelay(() => {
      const child = utilityProcess.fork(join(__dirname, 'services-host.cjs'), [], { serviceName: 'M365 licence reconciler services', stdio: 'inherit' });
      return createRelay(
        utilityProcessChannel(child),
        { t: 'init', dataDir, secretStore: { persistent: store.persistent, description: store.description }, ...(sqliteNativeBinding ? { sqliteNativeBinding } : {}) },
        // Delegated sign-in: the core's loopback flow opens the system browser, through the allow-list; never an embedded window.
        { secrets: store, openExternal },
      );
    });

    const chooseFolder = async (contents: { id: number }): Promise<string | undefined> => {
      const owner = BrowserWindow.fromWebContents(contents as WebContents);
      const options = { title: 'Choose the folder for the CSV files', properties: ['openDirectory', 'createDirectory'] as Array<'openDirectory' | 'createDirectory'> };
      const r = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
      return r.canceled ? undefined : r.filePaths[0];
    };
    const ipc = registerContractIpc({ ipcMain, dispatch: relay.dispatch, subscribe: relay.subscribe, chooseFolder, ...(devOrigin ? { devOrigin } : {}) });

    mainWindow = createHardenedWindow({ preload: join(__dirname, '../preload/index.cjs'), devTools: !app.isPackaged, policy });
    mainWindow.on('closed', () => (mainWindow = undefined));
    void mainWindow.loadURL(devOrigin ? `${devOrigin}/` : APP_ENTRY_URL);
    void relay.ready;

    let quitting = false;
    app.on('before-quit', (event) => {
      if (quitting) return;
      quitting = true;
      event.preventDefault();
      ipc.dispose();
      void relay.close().finally(() => app.quit());
    });
  });

  app.on('window-all-closed', () => app.quit());
}
