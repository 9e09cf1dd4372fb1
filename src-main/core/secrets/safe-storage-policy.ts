/**
 * Whether Electron's safeStorage may hold the app's secrets at rest. Pure, so it is
 * tested without Electron (src-main/electron/secret-store.ts feeds it the facts).
 *
 * Electron's safeStorage encrypts with the OS keychain (macOS Keychain, Windows
 * DPAPI) or, on Linux, with a key from the Secret Service (gnome-libsecret) or
 * KWallet. When Linux has neither, Chromium falls back to the `basic_text` backend:
 * a hard-coded key, i.e. no protection at all. `getSelectedStorageBackend()` only
 * answers after the app is ready; before that it says `unknown`.
 * (electronjs.org/docs/latest/api/safe-storage)
 */
export interface SafeStorageFacts {
  platform: NodeJS.Platform | string;
  /** safeStorage.isEncryptionAvailable() */
  encryptionAvailable: boolean;
  /** safeStorage.getSelectedStorageBackend() (Linux only; ignored elsewhere). */
  linuxBackend?: string;
}

export type SafeStorageDecision =
  | { persist: true; backend: string }
  | { persist: false; reason: string; hint: string };

/** Linux backends that keep the key in a real keyring. */
const LINUX_KEYRING_BACKENDS = new Set(['gnome_libsecret', 'kwallet', 'kwallet5', 'kwallet6']);

const KEYRING_HINT =
  'Install and unlock a keyring (GNOME Keyring / Secret Service, or KWallet) for this desktop session, then restart the app. Until then the sign-in lasts for this session only.';

export function safeStoragePolicy(f: SafeStorageFacts): SafeStorageDecision {
  if (f.platform === 'linux') {
    const backend = f.linuxBackend ?? 'unknown';
    if (backend === 'basic_text') {
      return {
        persist: false,
        reason: 'Linux offers only the "basic_text" safeStorage backend, which encrypts with a fixed, publicly known key: secrets would effectively be stored in clear text.',
        hint: KEYRING_HINT,
      };
    }
    if (!LINUX_KEYRING_BACKENDS.has(backend)) {
      return {
        persist: false,
        reason: `The safeStorage backend is "${backend.slice(0, 40)}", not a known keyring, so secrets cannot be protected at rest.`,
        hint: backend === 'unknown' ? 'The backend is only known once the app is ready; this is a bug if it persists. ' + KEYRING_HINT : KEYRING_HINT,
      };
    }
    if (!f.encryptionAvailable) {
      return { persist: false, reason: `The "${backend}" keyring is not available (locked or not running).`, hint: KEYRING_HINT };
    }
    return { persist: true, backend };
  }
  if (!f.encryptionAvailable) {
    return {
      persist: false,
      reason: f.platform === 'darwin' ? 'The macOS Keychain is not available to the app.' : f.platform === 'win32' ? 'Windows DPAPI is not available to the app.' : `safeStorage encryption is not available on ${String(f.platform).slice(0, 20)}.`,
      hint: 'Sign in to a normal desktop session of your own account and restart the app. Until then the sign-in lasts for this session only.',
    };
  }
  return { persist: true, backend: f.platform === 'darwin' ? 'keychain' : f.platform === 'win32' ? 'dpapi' : String(f.platform).slice(0, 20) };
}
