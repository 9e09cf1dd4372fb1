import { app, safeStorage } from 'electron';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { OperatorError } from '../core/errors/operator-error';
import { writePrivateFileAtomic } from '../core/fs/atomic-write';
import { withFileLock } from '../core/fs/file-lock';
import { safeStoragePolicy, type SafeStorageDecision } from '../core/secrets/safe-storage-policy';
import { MemorySecretStore } from '../core/secrets/memory-store';
import type { SecretStore } from '../core/secrets/secret-store';

/**
 * The desktop app's SecretStore: every value is encrypted with Electron's safeStorage
 * (OS keychain / DPAPI / Linux keyring) and the ciphertexts live in one JSON file in
 * userData. Where safeStorage cannot protect anything (Linux `basic_text`, or no
 * encryption available) the store refuses to persist; a caller that opts in gets a
 * memory-only store instead, and the reason to show the operator.
 *
 * The folder is kept at mode 0700 and the file at 0600; writes go to a new temporary
 * file ('wx', removed on failure) renamed over the old one, under a lock file shared
 * with other processes. A keychain that refuses to encrypt or decrypt (e.g. locked)
 * is reported as an OperatorError with what to do, never as a raw exception.
 */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

const fileSchema = z.object({
  version: z.literal(1),
  /** key -> base64 of safeStorage.encryptString(base64 of the value) */
  entries: z.record(z.string().max(256), z.string().max(4 * 1024 * 1024)),
});
type StoreFile = z.infer<typeof fileSchema>;

export class SafeStorageSecretStore implements SecretStore {
  readonly persistent = true;
  readonly description: string;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly safe: SafeStorageLike,
    private readonly file: string,
    private readonly backend: string,
  ) {
    this.description = `safeStorage (${backend}) file ${file}`;
  }

  private async load(): Promise<StoreFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, entries: {} };
      throw new OperatorError('store', `The secret store file could not be read (${this.file}).`, { hint: 'Check the file permissions of the app data folder.', cause: e });
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (cause) {
      throw corrupt(this.file, cause);
    }
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) throw corrupt(this.file, parsed.error);
    return parsed.data;
  }

  private async save(data: StoreFile): Promise<void> {
    await writePrivateFileAtomic(this.file, JSON.stringify(data), 'secret store file');
  }

  /** The data folder, created private (0700) and tightened if it already exists. */
  private async ensureFolder(): Promise<void> {
    const dir = dirname(this.file);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    if (process.platform !== 'win32') await chmod(dir, 0o700);
  }

  /** Serialises read-modify-write cycles: queued in this process, locked across processes, re-read under the lock. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const locked = async (): Promise<T> => {
      await this.ensureFolder();
      return withFileLock(this.file, fn, { what: 'The secret store file' });
    };
    const next = this.queue.then(locked, locked);
    this.queue = next.catch(() => undefined);
    return next;
  }

  async get(key: string): Promise<Buffer | undefined> {
    const data = await this.load();
    const sealed = data.entries[key];
    if (sealed === undefined) return undefined;
    let plain: string;
    try {
      plain = this.safe.decryptString(Buffer.from(sealed, 'base64'));
    } catch (cause) {
      throw new OperatorError('store', `A stored secret could not be decrypted with this account's keychain (${this.backend}).`, {
        hint: `${UNLOCK_HINT} If the keychain or OS account changed since it was stored, sign in again (and re-import certificates kept in the app).`,
        cause,
      });
    }
    return Buffer.from(plain, 'base64');
  }

  set(key: string, value: Buffer): Promise<void> {
    return this.exclusive(async () => {
      let sealed: Buffer;
      try {
        sealed = this.safe.encryptString(value.toString('base64'));
      } catch (cause) {
        throw new OperatorError('store', `A secret could not be encrypted with this account's keychain (${this.backend}); nothing was stored.`, {
          hint: `${UNLOCK_HINT} Then try again.`,
          cause,
        });
      }
      const data = await this.load();
      data.entries[key] = sealed.toString('base64');
      await this.save(data);
    });
  }

  delete(key: string): Promise<void> {
    return this.exclusive(async () => {
      const data = await this.load();
      if (!(key in data.entries)) return;
      delete data.entries[key];
      await this.save(data);
    });
  }

  async keys(): Promise<string[]> {
    return Object.keys((await this.load()).entries).sort();
  }
}

const UNLOCK_HINT =
  'The operating system keychain may be locked or unavailable: unlock it (macOS: Keychain Access, login keychain; Linux: the login keyring in GNOME Keyring/Seahorse or KWallet; Windows: sign in to the same user account).';

function corrupt(file: string, cause: unknown): OperatorError {
  return new OperatorError('store', `The secret store file is damaged (${file}).`, {
    hint: 'Move the file aside and sign in again; certificates kept in the app must be imported again.',
    cause,
  });
}

/** A memory store that says why nothing is persisted. */
class NotPersistedStore implements SecretStore {
  readonly persistent = false;
  readonly description: string;
  private readonly inner = new MemorySecretStore();
  constructor(reason: string) {
    this.description = `memory (not persisted: ${reason})`;
  }
  get(key: string): Promise<Buffer | undefined> {
    return this.inner.get(key);
  }
  set(key: string, value: Buffer): Promise<void> {
    return this.inner.set(key, value);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  keys(): Promise<string[]> {
    return this.inner.keys();
  }
}

export interface ElectronSecretStoreOptions {
  /** Accept a memory-only store when safeStorage cannot protect secrets (default false: throw). */
  allowMemoryFallback?: boolean;
  /** Defaults to <userData>/secrets.json */
  file?: string;
  safeStorage?: SafeStorageLike;
  platform?: NodeJS.Platform;
}

export interface ElectronSecretStore {
  store: SecretStore;
  decision: SafeStorageDecision;
}

/** Call after `app.whenReady()`: the Linux backend is only known then. */
export function createElectronSecretStore(opts: ElectronSecretStoreOptions = {}): ElectronSecretStore {
  const safe = opts.safeStorage ?? safeStorage;
  const platform = opts.platform ?? process.platform;
  const decision = safeStoragePolicy({
    platform,
    encryptionAvailable: safe.isEncryptionAvailable(),
    ...(platform === 'linux' && safe.getSelectedStorageBackend ? { linuxBackend: safe.getSelectedStorageBackend() } : {}),
  });
  if (!decision.persist) {
    if (!opts.allowMemoryFallback) throw new OperatorError('store', `Secrets are not stored: ${decision.reason}`, { hint: decision.hint });
    return { store: new NotPersistedStore(decision.reason), decision };
  }
  const file = opts.file ?? join(app.getPath('userData'), 'secrets.json');
  return { store: new SafeStorageSecretStore(safe, file, decision.backend), decision };
}
