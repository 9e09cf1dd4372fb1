import { randomUUID } from 'node:crypto';
import type { OpArgs, OpResult } from '../../shared/contract';
import type { ErrorDto } from '../../shared/errors';
import type { SyncJob, SyncProgress } from '../../shared/sync';
import { OperatorError, isOperatorError } from '../errors/operator-error';
import type { RetryEvent } from '../graph/create-session';
import type { SyncResult } from '../sync/engine';
import type { ServiceContext } from './context';
import { toErrorDto } from './dispatch';
import { syncProfile } from './sync-service';
import { checkDatabaseIntegrity } from '../store/db';
import { sealCommittedSnapshot } from './reconcile';
import { applyRetention } from './retention-after-sync';

interface JobRecord {
  job: SyncJob;
  controller: AbortController;
  /** Settles when the job ends, never rejects. */
  done: Promise<void>;
  /** The error as thrown, for callers in this process (exit codes, who, AADSTS). */
  thrown?: unknown;
  result?: SyncResult;
}

const RETRY_REASON = (r: RetryEvent['reason']): string =>
  r === 'network' ? 'connection reset or truncated response' : r === 429 ? 'throttled (429)' : r === 503 ? 'service unavailable (503)' : r === 504 ? 'gateway timeout (504)' : `HTTP ${r}`;

/** Finished jobs kept for status and wait; the oldest are forgotten first. */
const KEEP_FINISHED = 50;

/**
 * Sync as a job: start returns an id at once; progress, retry waits and the end arrive as
 * events; the result or error stays readable by id afterwards. One sync per profile at a
 * time in this process (the database's write lock refuses a second process as well).
 */
export function syncService(ctx: ServiceContext, prepare: (r: Awaited<ReturnType<ServiceContext['source']['resolve']>>, signal: AbortSignal) => Promise<void>) {
  const jobs = new Map<string, JobRecord>();

  const forget = () => {
    const finished = [...jobs.values()].filter((j) => j.job.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) jobs.delete(j.job.jobId);
  };

  const get = (jobId: string): JobRecord => {
    const j = jobs.get(jobId);
    if (!j) throw new OperatorError('bad-input', `No sync job ${jobId.slice(0, 64)}.`, { hint: 'It may have finished long ago; start a new sync.' });
    return j;
  };

  const start = async (args: OpArgs<'sync.start'>): Promise<OpResult<'sync.start'>> => {
    const running = [...jobs.values()].find((j) => j.job.profile === args.profile && j.job.state === 'running');
    if (running) {
      throw new OperatorError('busy', `A sync of profile "${args.profile}" is already running.`, {
        hint: 'Wait for it to finish, or cancel it, then start again.',
        remedy: { action: 'retry-later' },
      });
    }
    // Resolve first, so an unknown profile fails the start itself.
    const resolved = await ctx.source.resolve(args.profile);
    const jobId = randomUUID();
    const controller = new AbortController();
    const stop = () => controller.abort();
    ctx.deps.signal?.addEventListener('abort', stop, { once: true });
    if (ctx.deps.signal?.aborted) controller.abort();
    const latest = new Map<string, SyncProgress>();
    const job: SyncJob = { jobId, profile: args.profile, state: 'running', startedAt: ctx.clock().toISOString(), progress: [] };
    const record: JobRecord = { job, controller, done: Promise.resolve() };
    jobs.set(jobId, record);

    const onProgress = (p: SyncProgress) => {
      latest.set(p.dataset, p);
      job.progress = [...latest.values()];
      ctx.events.emit('sync.progress', { jobId, profile: args.profile, progress: p });
    };
    const onRetry = (e: RetryEvent) =>
      ctx.events.emit('sync.retrying', { jobId, profile: args.profile, attempt: e.attempt, reason: RETRY_REASON(e.reason), delayMs: e.delayMs, host: e.host });

    record.done = (async () => {
      try {
        await prepare(resolved, controller.signal);
        // Never write a new snapshot onto a damaged file: the check names it and leaves it untouched.
        checkDatabaseIntegrity(ctx.database());
        const result = await syncProfile({
          profile: resolved.profile,
          ...(resolved.credential ? { credential: resolved.credential } : {}),
          extraCaPem: resolved.extraCaPem,
          secretStore: resolved.secretStore,
          env: resolved.demo ? {} : ctx.env,
          db: ctx.database(),
          logger: ctx.logger,
          signal: controller.signal,
          onProgress,
          onRetry,
          now: ctx.clock,
          ...(args.datasets ? { datasets: args.datasets } : {}),
          ...(args.strict ? { strict: true } : {}),
          ...(args.acceptIncompleteUsers ? { acceptIncompleteUsers: true } : {}),
        });
        sealCommittedSnapshot(ctx, result.snapshotId);
        const retained = applyRetention(ctx, resolved.profile.name);
        if (retained) result.warnings.push(retained);
        record.result = result;
        job.result = result;
        job.state = 'succeeded';
      } catch (e) {
        record.thrown = e;
        const dto: ErrorDto = toErrorDto(e);
        job.error = dto;
        job.state = isOperatorError(e) && e.code === 'cancelled' ? 'cancelled' : 'failed';
      } finally {
        ctx.deps.signal?.removeEventListener('abort', stop);
        job.finishedAt = ctx.clock().toISOString();
        ctx.events.emit('sync.finished', job);
        forget();
      }
    })();
    return { jobId };
  };

  const api = {
    start,
    cancel: async (args: OpArgs<'sync.cancel'>): Promise<SyncJob> => {
      const j = get(args.jobId);
      j.controller.abort();
      await j.done;
      return j.job;
    },
    status: async (args: OpArgs<'sync.status'>): Promise<SyncJob> => get(args.jobId).job,
    wait: async (args: OpArgs<'sync.wait'>): Promise<SyncResult> => {
      const j = get(args.jobId);
      await j.done;
      if (j.result) return j.result;
      throw j.thrown ?? new OperatorError('internal', 'The sync ended without a result.', { hint: 'This is a bug in the app; please report it.', remedy: { action: 'report-bug' } });
    },
  };

  /** Cancel every running job and wait for them (closing the services). */
  const close = async (): Promise<void> => {
    const running = [...jobs.values()].filter((j) => j.job.state === 'running');
    for (const j of running) j.controller.abort();
    await Promise.all(running.map((j) => j.done));
  };

  return { api, close };
}
