import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServices } from '../../src-main/core/services/index';
import { EncryptedFileSecretStore } from '../../src-main/core/secrets/encrypted-file-store';
import { nullLogger } from '../../src-main/core/log/logger';
import { syntheticSnapshot } from '../bench/synthetic';
import { tempDir } from '../helpers/cli';

// An export reads its rows across awaits (the files are written as they stream). While it
// runs, the operator may still use the rest of the app: every other operation must work, and
// the export must finish whole.
describe('an export in progress', () => {
  const dataDir = tempDir();
  syntheticSnapshot(30_000, dataDir, 'reconciler.db');
  const services = createServices({
    dataDir,
    secretStore: new EncryptedFileSecretStore({ path: join(dataDir, 'secrets.enc'), passphrase: 'a passphrase for the export test', logN: 15 }),
    logger: nullLogger,
    env: {},
    openBrowser: () => Promise.reject(new Error('no browser in this test')),
  });
  afterAll(() => services.close());

  it('leaves the database free for every other operation, writes included', async () => {
    const outDir = join(dataDir, 'out');
    let done = false;
    const exported = services.dispatch('exports.write', { profile: 'bench', outDir }).finally(() => {
      done = true;
    });
    const others: { op: string; ok: boolean; error?: string }[] = [];
    while (!done) {
      await new Promise((r) => setImmediate(r));
      if (done) break;
      const rates = await services.dispatch('prices.setRates', { profile: 'bench', rates: { base: 'EUR', rates: { USD: 0.9 + others.length / 1e6 } } });
      others.push({ op: 'prices.setRates', ok: rates.ok, ...(rates.ok ? {} : { error: rates.error.message }) });
      const list = await services.dispatch('snapshots.list', { profile: 'bench' });
      others.push({ op: 'snapshots.list', ok: list.ok, ...(list.ok ? {} : { error: list.error.message }) });
    }
    const r = await exported;
    if (!r.ok) throw new Error(`exports.write failed: ${r.error.message}`);
    const files = (r.value as { files: string[] }).files;
    expect(files.map((f) => f.slice(outDir.length + 1))).toContain('reconciliation.xlsx');
    for (const f of files) expect(existsSync(f)).toBe(true);
    // The export yielded many times, and every operation in between succeeded.
    expect(others.length).toBeGreaterThan(10);
    expect(others.filter((o) => !o.ok)).toEqual([]);
  }, 120_000);
});
