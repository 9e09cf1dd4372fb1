import type { ErrorDto, Result } from '../../../src-main/shared/errors';

/** One value loaded from the services: loading, loaded, or failed with its error. */
export class Loadable<T> {
  value = $state<T | undefined>(undefined);
  loading = $state(false);
  error = $state<ErrorDto | undefined>(undefined);

  async run(fn: () => Promise<Result<T>>): Promise<T | undefined> {
    this.loading = true;
    this.error = undefined;
    try {
      const r = await fn();
      if (r.ok) {
        this.value = r.value;
        return r.value;
      }
      this.error = r.error;
      return undefined;
    } finally {
      this.loading = false;
    }
  }

  reset(): void {
    this.value = undefined;
    this.error = undefined;
    this.loading = false;
  }
}
