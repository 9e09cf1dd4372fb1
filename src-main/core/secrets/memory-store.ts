import type { SecretStore } from './secret-store';

/**
 * Keeps values in process memory only: the CLI's default (nothing persisted
 * unless the operator opts in to the encrypted file) and the tests' store.
 * Values are copied in and out so a caller cannot mutate what is stored.
 */
export class MemorySecretStore implements SecretStore {
  readonly description = 'memory (not persisted)';
  readonly persistent = false;
  private readonly values = new Map<string, Buffer>();

  get(key: string): Promise<Buffer | undefined> {
    const v = this.values.get(key);
    return Promise.resolve(v === undefined ? undefined : Buffer.from(v));
  }

  set(key: string, value: Buffer): Promise<void> {
    this.values.set(key, Buffer.from(value));
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    const v = this.values.get(key);
    v?.fill(0);
    this.values.delete(key);
    return Promise.resolve();
  }

  keys(): Promise<string[]> {
    return Promise.resolve([...this.values.keys()].sort());
  }
}
