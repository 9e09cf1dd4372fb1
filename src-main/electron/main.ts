import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';

/**
 * Thin Electron shell. All logic lives in src-main/core; the screens and the
 * hardened window arrive with the desktop-app issue.
 */
function createWindow(): void {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    },
  });
  void win.loadFile(join(__dirname, '../renderer/index.html'));
}

void app.whenReady().then(createWindow);
app.on('window-all-closed', () => app.quit());
