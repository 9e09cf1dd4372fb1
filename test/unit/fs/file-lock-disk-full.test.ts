import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { tempDir } from '../../helpers/fs';
import { failure } from '../../helpers/operator-error';

/**
 * A full disk: the lock file is created (O_EXCL) but its body cannot be written. The file
 * system is real; only the write of the lock's body fails, as it does with ENOSPC.
 */
vi.mock('node:fs/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...real,
    open: async (...args: Parameters<typeof real.open>) => {
      const fh = await real.open(...args);
      if (String(args[0]).endsWith('.lock') && process.env['LOCK_TEST_DISK_FULL'] === '1') {
        fh.writeFile = () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      }
      return fh;
    },
  };
});

const { lockPathOf, withFileLock } = await import('../../../src-main/core/fs/file-lock');

describe('taking a lock on a full disk', () => {
  it('leaves no empty lock behind, says the disk is full, and the next writer gets the lock at once', async () => {
    const file = join(tempDir(), 'profiles.json');
    process.env['LOCK_TEST_DISK_FULL'] = '1';
    let e;
    try {
      e = await failure(withFileLock(file, async () => 'x', { what: 'The profiles file' }));
    } finally {
      delete process.env['LOCK_TEST_DISK_FULL'];
    }
    expect(e.code).toBe('store');
    expect(e.message).toMatch(/disk is full/);
    expect(e.hint).toMatch(/Free disk space/);
    expect(e.remedy).toEqual({ action: 'check-storage' });
    expect(existsSync(lockPathOf(file))).toBe(false);
    const t0 = Date.now();
    expect(await withFileLock(file, async () => 'taken', { timeoutMs: 2000 })).toBe('taken');
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
