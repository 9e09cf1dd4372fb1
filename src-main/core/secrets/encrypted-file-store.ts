import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCb, type ScryptOptions } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { OperatorError } from '../errors/operator-error';
import { writePrivateFileAtomic } from '../fs/atomic-write';
import { withFileLock } from '../fs/file-lock';
import { redactor } from '../log/redact';
import type { SecretStore } from './secret-store';

/**
 * A secret store in one file, protected by a passphrase.
 *
 * - Key: scrypt(passphrase, per-file random salt), r = 8, p = 1; new files use
 *   N = 2^17 (OWASP's minimum for scrypt). Files with N from 2^15 (older files) are
 *   still opened; weaker parameters are refused, so an altered file cannot downgrade
 *   the key derivation.
 * - Every value: AES-256-GCM with its own random 96-bit nonce; the additional data
 *   binds the ciphertext to the file's salt and to its key name, so entries cannot be
 *   swapped or moved between files.
 * - A check value encrypted the same way tells a wrong passphrase from a damaged file.
 * - The file is JSON, versioned and validated with zod when read. Key names are
 *   visible (they name profiles, never secrets); values never are.
 * - Writes go to a temporary file (mode 0600) renamed over the old one, under a lock
 *   file (src-main/core/fs/file-lock.ts) taken around re-read, change and rename, so
 *   two processes writing at once never lose each other's entries. A file that does
 *   not parse or authenticate is reported and never overwritten.
 */
export const SECRET_STORE_FORMAT = 'm365lr-secret-store';
const VERSION = 1;
/** Oldest files accepted. */
const MIN_LOG_N = 15;
/** New files: N = 2^17, OWASP Password Storage Cheat Sheet's minimum for scrypt. */
export const DEFAULT_LOG_N = 17;
const MAX_LOG_N = 20;
const MAX_FILE_BYTES = 16 * 1024 * 1024;
const CHECK_PLAINTEXT = Buffer.from('m365lr secret store check v1', 'utf8');
export const MIN_PASSPHRASE_LENGTH = 12;

const b64 = (min: number, max: number) =>
  z
    .string()
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, { message: 'not base64' })
    .refine((s) => {
      const n = Buffer.from(s, 'base64').length;
      return n >= min && n <= max;
    }, { message: `must decode to ${min}-${max} bytes` });

const sealedSchema = z.object({ iv: b64(12, 12), tag: b64(16, 16), data: b64(0, MAX_FILE_BYTES) }).strict();

const fileSchema = z
  .object({
    format: z.literal(SECRET_STORE_FORMAT),
    version: z.literal(VERSION),
    kdf: z
      .object({
        name: z.literal('scrypt'),
        N: z
          .number()
          .int()
          .refine((n) => Number.isInteger(Math.log2(n)) && Math.log2(n) >= MIN_LOG_N && Math.log2(n) <= MAX_LOG_N, {
            message: `must be a power of two from 2^${MIN_LOG_N} to 2^${MAX_LOG_N}`,
          }),
        r: z.number().int().min(8).max(32),
        p: z.number().int().min(1).max(16),
        salt: b64(16, 64),
      })
      .strict(),
    check: sealedSchema,
    entries: z.record(z.string().min(1).max(512), sealedSchema),
  })
  .strict();

type StoreFile = z.infer<typeof fileSchema>;
type Sealed = z.infer<typeof sealedSchema>;
type Kdf = StoreFile['kdf'];

export interface EncryptedFileSecretStoreOptions {
  path: string;
  passphrase: string;
  /** Where the passphrase came from, for messages (e.g. "M365LR_SECRETS_PASSPHRASE"). Never the value. */
  passphraseSource?: string;
  /** scrypt cost for new files, as log2(N) (default 17; 15 at least, e.g. for fast tests). */
  logN?: number;
}

function scrypt(passphrase: string, salt: Buffer, kdf: Kdf): Promise<Buffer> {
  const opts: ScryptOptions = { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 128 * kdf.N * kdf.r * 2 + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(passphrase, salt, 32, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

function aad(salt: string, key: string | null): Buffer {
  return Buffer.from(`${SECRET_STORE_FORMAT}/v${VERSION}\u0000${salt}\u0000${key === null ? '\u0000check' : `entry\u0000${key}`}`, 'utf8');
}

function seal(dek: Buffer, plaintext: Buffer, additional: Buffer): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', dek, iv);
  cipher.setAAD(additional);
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
}

/** Decrypts and authenticates, or returns undefined when the tag does not verify. */
function open(dek: Buffer, sealed: Sealed, additional: Buffer): Buffer | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', dek, Buffer.from(sealed.iv, 'base64'), { authTagLength: 16 });
    decipher.setAAD(additional);
    decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
  } catch {
    return undefined;
  }
}

export class EncryptedFileSecretStore implements SecretStore {
  readonly persistent = true;
  readonly description: string;
  private readonly path: string;
  private readonly passphrase: string;
  private readonly source: string;
  private readonly logN: number;
  /** Derived keys by salt, so each file costs one scrypt per process. */
  private readonly keysBySalt = new Map<string, Promise<Buffer>>();
  /** Serialises read-modify-write cycles within this process (the lock file serialises processes). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: EncryptedFileSecretStoreOptions) {
    this.source = opts.passphraseSource ?? 'the passphrase given';
    if (opts.passphrase.length < MIN_PASSPHRASE_LENGTH) {
      throw new OperatorError('bad-input', `The secret store passphrase from ${this.source} is shorter than ${MIN_PASSPHRASE_LENGTH} characters.`, {
        hint: `Use a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters (a few random words work well).`,
      });
    }
    const logN = opts.logN ?? DEFAULT_LOG_N;
    if (!Number.isInteger(logN) || logN < MIN_LOG_N || logN > MAX_LOG_N) throw new RangeError(`logN must be ${MIN_LOG_N}-${MAX_LOG_N}`);
    this.path = opts.path;
    this.passphrase = opts.passphrase;
    this.logN = logN;
    this.description = `encrypted file ${opts.path}`;
    redactor.add(opts.passphrase);
  }

  async get(key: string): Promise<Buffer | undefined> {
    const loaded = await this.load();
    return loaded?.values.get(key);
  }

  async keys(): Promise<string[]> {
    const loaded = await this.load();
    return loaded ? [...loaded.values.keys()].sort() : [];
  }

  set(key: string, value: Buffer): Promise<void> {
    assertKey(key);
    return this.exclusive(async () => {
      const loaded = await this.load();
      const values = loaded?.values ?? new Map<string, Buffer>();
      values.set(key, Buffer.from(value));
      await this.write(values, loaded?.kdf);
    });
  }

  delete(key: string): Promise<void> {
    return this.exclusive(async () => {
      const loaded = await this.load();
      if (!loaded || !loaded.values.has(key)) return;
      loaded.values.delete(key);
      await this.write(loaded.values, loaded.kdf);
    });
  }

  /** One read-modify-write at a time: queued within this process, locked across processes; the file is re-read under the lock. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const locked = async (): Promise<T> => {
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
      return withFileLock(this.path, fn, { what: 'The secret store' });
    };
    const run = this.queue.then(locked, locked);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private deriveKey(kdf: Kdf): Promise<Buffer> {
    const id = `${kdf.salt}:${kdf.N}:${kdf.r}:${kdf.p}`;
    let p = this.keysBySalt.get(id);
    if (!p) {
      p = scrypt(this.passphrase, Buffer.from(kdf.salt, 'base64'), kdf);
      this.keysBySalt.set(id, p);
      p.catch(() => this.keysBySalt.delete(id));
    }
    return p;
  }

  /** Reads, validates and decrypts the whole file; undefined when there is no file yet. */
  private async load(): Promise<{ kdf: Kdf; values: Map<string, Buffer> } | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new OperatorError('store', `The secret store ${this.path} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`, {
        hint: 'Check that the file is readable by this user.',
        cause: e,
      });
    }
    if (bytes.length > MAX_FILE_BYTES) throw this.damaged('it is larger than any secret store this app writes');
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw this.damaged('it is not valid JSON');
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw this.damaged(`${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unexpected content'}`);
    }
    const file = parsed.data;
    const dek = await this.deriveKey(file.kdf);
    const check = open(dek, file.check, aad(file.kdf.salt, null));
    if (!check || !check.equals(CHECK_PLAINTEXT)) {
      throw new OperatorError('secret-missing', `The passphrase from ${this.source} does not open the secret store ${this.path}.`, {
        hint: `Set ${this.source} to the passphrase the store was created with. The store was left untouched; nothing was overwritten.`,
      });
    }
    const values = new Map<string, Buffer>();
    for (const [key, sealed] of Object.entries(file.entries)) {
      const v = open(dek, sealed, aad(file.kdf.salt, key));
      if (!v) throw this.damaged(`the entry "${key}" fails its integrity check`);
      values.set(key, v);
    }
    return { kdf: file.kdf, values };
  }

  private async write(values: Map<string, Buffer>, existing: Kdf | undefined): Promise<void> {
    const kdf: Kdf = existing ?? { name: 'scrypt', N: 2 ** this.logN, r: 8, p: 1, salt: randomBytes(32).toString('base64') };
    const dek = await this.deriveKey(kdf);
    const entries: Record<string, Sealed> = {};
    for (const [key, value] of [...values.entries()].sort(([a], [b]) => a.localeCompare(b))) entries[key] = seal(dek, value, aad(kdf.salt, key));
    const file: StoreFile = { format: SECRET_STORE_FORMAT, version: VERSION, kdf, check: seal(dek, CHECK_PLAINTEXT, aad(kdf.salt, null)), entries };
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    await writePrivateFileAtomic(this.path, JSON.stringify(file, null, 2) + '\n', 'secret store');
  }

  private damaged(why: string): OperatorError {
    return new OperatorError('bad-input', `The secret store ${this.path} is damaged: ${why}.`, {
      hint: 'It was left untouched. Restore it from a backup, or move it away to start an empty store (its keys are then lost: re-import or re-create the certificates).',
    });
  }
}

function assertKey(key: string): void {
  if (key.length === 0 || key.length > 512) throw new RangeError('secret store keys are 1-512 characters');
}
