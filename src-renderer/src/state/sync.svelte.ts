import { call, on } from '../lib/api';
import type { DatasetId } from '../../../src-main/shared/datasets';
import type { SyncJob, SyncProgress } from '../../../src-main/shared/sync';
import type { SkuSummaryRowDto, SnapshotInfoDto } from '../../../src-main/shared/snapshots';
import type { ErrorDto } from '../../../src-main/shared/errors';
import { Loadable } from './async.svelte';

export interface DatasetProgress {
  dataset: DatasetId;
  state: 'running' | 'done' | 'skipped';
  items: number;
  expected?: number;
  reason?: string;
}

/** Graph throttled or failed a request; the sync waits before its next attempt. */
export interface RetryWait {
  reason: string;
  attempt: number;
  delayMs: number;
  until: number;
}

/**
 * The sync of the selected profile: the job, its progress per dataset (from sync.progress
 * events, applied at most once per frame so a 100k-user sync never floods the page), the
 * outcome, the snapshots and the seat position of the current one.
 */
class SyncState {
  profile = $state<string | undefined>(undefined);
  jobId = $state<string | undefined>(undefined);
  state = $state<'idle' | 'starting' | SyncJob['state']>('idle');
  datasets = $state<DatasetProgress[]>([]);
  job = $state<SyncJob | undefined>(undefined);
  error = $state<ErrorDto | undefined>(undefined);
  cancelling = $state(false);
  retry = $state<RetryWait | undefined>(undefined);
  snapshots = new Loadable<SnapshotInfoDto[]>();
  skus = new Loadable<SkuSummaryRowDto[]>();

  #pending = new Map<DatasetId, DatasetProgress>();
  #frame = 0;
  #subscribed = false;

  #subscribe(): void {
    if (this.#subscribed) return;
    this.#subscribed = true;
    on('sync.progress', (e) => {
      if (e.jobId !== this.jobId) return;
      this.#pending.set(e.progress.dataset, toRow(e.progress, this.#pending.get(e.progress.dataset) ?? this.datasets.find((d) => d.dataset === e.progress.dataset)));
      if (!this.#frame) this.#frame = requestAnimationFrame(() => this.#flush());
    });
    on('sync.retrying', (e) => {
      if (e.jobId !== this.jobId) return;
      this.retry = { reason: e.reason, attempt: e.attempt, delayMs: e.delayMs, until: Date.now() + e.delayMs };
    });
    on('sync.finished', (job) => {
      if (job.jobId !== this.jobId) return;
      this.#flush();
      void this.#finish(job);
    });
  }

  #flush(): void {
    this.#frame = 0;
    if (this.#pending.size === 0) return;
    if (this.retry && Date.now() >= this.retry.until) this.retry = undefined;
    const next = [...this.datasets];
    for (const row of this.#pending.values()) {
      const i = next.findIndex((d) => d.dataset === row.dataset);
      if (i === -1) next.push(row);
      else next[i] = row;
    }
    this.#pending.clear();
    this.datasets = next;
  }

  async open(profile: string): Promise<void> {
    this.#subscribe();
    if (this.profile !== profile) {
      this.profile = profile;
      this.jobId = undefined;
      this.job = undefined;
      this.state = 'idle';
      this.datasets = [];
      this.error = undefined;
      this.skus.reset();
    }
    await this.loadSnapshots();
  }

  async loadSnapshots(): Promise<void> {
    const profile = this.profile;
    if (!profile) return;
    const list = await this.snapshots.run(() => call('snapshots.list', { profile }));
    const current = list?.[0];
    if (current) await this.skus.run(() => call('snapshots.skuSummary', { snapshotId: current.id }));
  }

  async start(): Promise<void> {
    const profile = this.profile;
    if (!profile || this.state === 'running' || this.state === 'starting') return;
    this.#subscribe();
    this.state = 'starting';
    this.error = undefined;
    this.job = undefined;
    this.datasets = [];
    this.retry = undefined;
    this.#pending.clear();
    const r = await call('sync.start', { profile });
    if (!r.ok) {
      this.state = 'failed';
      this.error = r.error;
      return;
    }
    this.jobId = r.value.jobId;
    this.state = 'running';
    // A job that ended before the subscription saw it: read its state once.
    const s = await call('sync.status', { jobId: r.value.jobId });
    if (s.ok && s.value.state !== 'running' && this.state === 'running') await this.#finish(s.value);
  }

  async cancel(): Promise<void> {
    if (!this.jobId || this.state !== 'running') return;
    this.cancelling = true;
    const r = await call('sync.cancel', { jobId: this.jobId });
    this.cancelling = false;
    if (r.ok && r.value.state !== 'running') await this.#finish(r.value);
    else if (!r.ok) this.error = r.error;
  }

  async #finish(job: SyncJob): Promise<void> {
    if (this.job?.jobId === job.jobId && this.state !== 'running') return;
    this.job = job;
    this.state = job.state;
    this.retry = undefined;
    this.error = job.error;
    await this.loadSnapshots();
  }
}

function toRow(p: SyncProgress, prev: DatasetProgress | undefined): DatasetProgress {
  const state = p.type === 'dataset-done' ? 'done' : p.type === 'dataset-skipped' ? 'skipped' : 'running';
  const expected = p.expected ?? prev?.expected;
  return { dataset: p.dataset, state, items: p.items, ...(expected !== undefined ? { expected } : {}), ...(p.reason ? { reason: p.reason } : {}) };
}

export const sync = new SyncState();
