// Syncs a demo tenant in a fresh process and reports its own peak RSS, so the figure
// covers exactly one sync (the tenant runs in another process).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TenantInfo } from './tenant-child';
import { benchProfile } from './child';
import { syncProfile } from '../../src-main/core/services/sync-service';
import { openDatabase } from '../../src-main/core/store/db';
import { nullLogger } from '../../src-main/core/log/logger';

export interface SyncChildReport {
  maxRssMb: number;
  seconds: number;
  datasets: { dataset: string; status: string; items: number }[];
}

process.once('message', (t: TenantInfo) => {
  void (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'm365lr-bench-'));
    const db = openDatabase(join(dir, 'bench.db'));
    const started = performance.now();
    const result = await syncProfile({
      profile: benchProfile(t),
      db,
      logger: nullLogger,
      credential: { kind: 'secret', secret: t.secret },
      extraCaPem: [t.caPem],
      env: {},
    });
    const report: SyncChildReport = {
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      seconds: (performance.now() - started) / 1000,
      datasets: result.datasets.map((d) => ({ dataset: d.dataset, status: d.status, items: d.items })),
    };
    db.close();
    rmSync(dir, { recursive: true, force: true });
    process.send?.(report, () => process.exit(0));
  })().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
});
process.send?.('ready');
