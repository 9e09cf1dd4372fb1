import { join } from 'node:path';
import { OperatorError } from '../errors/operator-error';
import { EncryptedFileSecretStore } from './encrypted-file-store';
import { MemorySecretStore } from './memory-store';
import type { SecretStore } from './secret-store';

/** Environment variable that opts the CLI in to the encrypted secret file. Never an argv flag. */
export const SECRETS_PASSPHRASE_ENV = 'M365LR_SECRETS_PASSPHRASE';
/** File name of the encrypted secret store inside the data folder. */
export const SECRETS_FILE_NAME = 'secrets.enc';

export interface CliSecretStoreOptions {
  dataDir: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The CLI keeps secrets in memory (lost at exit) unless the operator sets
 * M365LR_SECRETS_PASSPHRASE; then they live in `<data>/secrets.enc`, encrypted
 * with a key derived from that passphrase.
 */
export function createCliSecretStore(opts: CliSecretStoreOptions): SecretStore {
  const passphrase = opts.env[SECRETS_PASSPHRASE_ENV];
  if (passphrase === undefined) return new MemorySecretStore();
  if (passphrase.trim() === '') {
    throw new OperatorError('bad-input', `${SECRETS_PASSPHRASE_ENV} is set but empty.`, {
      hint: `Unset ${SECRETS_PASSPHRASE_ENV} to keep secrets in memory only, or set it to the passphrase of the encrypted secret store.`,
    });
  }
  return new EncryptedFileSecretStore({ path: secretsFilePath(opts.dataDir), passphrase, passphraseSource: SECRETS_PASSPHRASE_ENV });
}

export function secretsFilePath(dataDir: string): string {
  return join(dataDir, SECRETS_FILE_NAME);
}

/** One line for help texts. */
export const SECRETS_HELP = `Secret store: secrets (certificate keys, sign-in token caches) stay in memory and are lost at exit, unless ${SECRETS_PASSPHRASE_ENV} is set; then they are kept in <data-dir>/${SECRETS_FILE_NAME}, encrypted (AES-256-GCM, scrypt) with that passphrase (at least 12 characters).`;
