import { describe, expect, it } from 'vitest';
import { safeStoragePolicy, type SafeStorageFacts } from '../../../src-main/core/secrets/safe-storage-policy';

/**
 * When Electron's safeStorage may keep secrets at rest (electronjs.org/docs/latest/api/safe-storage):
 * never on Linux's basic_text backend (a fixed key), never when encryption is unavailable.
 */
const cases: [string, SafeStorageFacts, boolean, RegExp?][] = [
  ['linux gnome-libsecret', { platform: 'linux', encryptionAvailable: true, linuxBackend: 'gnome_libsecret' }, true],
  ['linux kwallet', { platform: 'linux', encryptionAvailable: true, linuxBackend: 'kwallet' }, true],
  ['linux kwallet5', { platform: 'linux', encryptionAvailable: true, linuxBackend: 'kwallet5' }, true],
  ['linux kwallet6', { platform: 'linux', encryptionAvailable: true, linuxBackend: 'kwallet6' }, true],
  ['linux basic_text (encryption "available")', { platform: 'linux', encryptionAvailable: true, linuxBackend: 'basic_text' }, false, /basic_text/],
  ['linux basic_text, unavailable', { platform: 'linux', encryptionAvailable: false, linuxBackend: 'basic_text' }, false, /basic_text/],
  ['linux backend unknown (before app ready)', { platform: 'linux', encryptionAvailable: true, linuxBackend: 'unknown' }, false, /unknown/],
  ['linux backend not reported', { platform: 'linux', encryptionAvailable: true }, false, /unknown/],
  ['linux keyring locked', { platform: 'linux', encryptionAvailable: false, linuxBackend: 'gnome_libsecret' }, false, /not available/],
  ['linux hostile backend name', { platform: 'linux', encryptionAvailable: true, linuxBackend: 'gnome_libsecret\u0000basic_text' }, false],
  ['linux backend case variant', { platform: 'linux', encryptionAvailable: true, linuxBackend: 'BASIC_TEXT' }, false],
  ['linux very long backend name', { platform: 'linux', encryptionAvailable: true, linuxBackend: 'x'.repeat(10_000) }, false],
  ['macOS keychain', { platform: 'darwin', encryptionAvailable: true }, true],
  ['macOS keychain unavailable', { platform: 'darwin', encryptionAvailable: false }, false, /Keychain/],
  ['Windows DPAPI', { platform: 'win32', encryptionAvailable: true }, true],
  ['Windows unavailable', { platform: 'win32', encryptionAvailable: false }, false, /DPAPI/],
  ['Windows ignores a linux backend value', { platform: 'win32', encryptionAvailable: true, linuxBackend: 'basic_text' }, true],
  ['other platform unavailable', { platform: 'freebsd', encryptionAvailable: false }, false, /not available/],
];

describe('safeStoragePolicy', () => {
  it.each(cases)('%s', (_name, facts, persist, reason) => {
    const d = safeStoragePolicy(facts);
    expect(d.persist).toBe(persist);
    if (!d.persist) {
      expect(d.hint.length).toBeGreaterThan(20);
      expect(d.reason.length).toBeLessThan(400);
      if (reason) expect(d.reason).toMatch(reason);
    }
  });
});
