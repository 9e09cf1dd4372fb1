/**
 * Where the app keeps what must stay secret at rest: the MSAL token cache of a
 * delegated sign-in and the private key of a certificate the app generated.
 * Values are opaque bytes; every implementation encrypts them or keeps them in
 * memory only, and none of them writes a value in clear text anywhere.
 *
 * One interface, one implementation per runtime:
 * - Electron: safeStorage (src-main/electron), refusing to persist on Linux's basic_text backend;
 * - CLI: memory, or an encrypted file protected by a passphrase from the environment (opt-in);
 * - tests: memory.
 */
export interface SecretStore {
  /** Short description for messages, e.g. "memory (not persisted)" or "encrypted file ~/.../secrets.enc". */
  readonly description: string;
  /** True when values survive the process. */
  readonly persistent: boolean;
  get(key: string): Promise<Buffer | undefined>;
  set(key: string, value: Buffer): Promise<void>;
  delete(key: string): Promise<void>;
  /** Keys present (never values), for housekeeping and tests. */
  keys(): Promise<string[]>;
}

/** Keys used by the core, so implementations and callers never spell them twice. */
export const SECRET_KEYS = {
  tokenCache: (profile: string) => `profile/${profile}/msal-token-cache`,
  certificateKey: (profile: string) => `profile/${profile}/certificate-private-key`,
  /** A client secret entered in the app (profiles with secretInStore). */
  clientSecret: (profile: string) => `profile/${profile}/client-secret`,
  /** The key a `cert create|import --replace` replaced, until `cert rollback` or the next replacement. */
  previousCertificateKey: (profile: string) => `profile/${profile}/certificate-private-key.previous`,
} as const;
