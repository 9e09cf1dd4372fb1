import type { ServicesApi, SubscribeFn } from '../../shared/contract';
import type { OpArgs, OpResult } from '../../shared/contract';
import { resolve } from 'node:path';
import { importCatalog } from '../catalog/store';
import { authService } from './auth';
import { certificateServices } from './certificates';
import { consentServices } from './consent';
import { ServiceContext } from './context';
import { createDispatcher } from './dispatch';
import { profileServices } from './profiles';
import { reconServices } from './recon';
import { snapshotServices } from './snapshots';
import { syncService } from './sync-jobs';
import type { Services, ServicesDeps } from './types';

export type { Services, ServicesDeps, BrowserOpener } from './types';
export { createDispatcher, toErrorDto, EventBus, type Dispatch } from './dispatch';

/**
 * One API over the core, for every front end: the CLI, the Electron utility process and
 * the browser-mode server each create the services with their own deps (data folder,
 * secret store, logger, browser opener) and call them through the contract table.
 * Arguments and results are plain data; errors are OperatorErrors in this process and
 * ErrorDtos across a process boundary (dispatch.ts).
 */
export function createServices(deps: ServicesDeps): Services {
  const ctx = new ServiceContext(deps);
  const auth = authService(ctx);
  const { profiles, credentials } = profileServices(ctx);
  const { consent, verify } = consentServices(ctx, (r) => auth.prepare(r));
  const { snapshots, exports } = snapshotServices(ctx);
  const sync = syncService(ctx, (r, signal) => auth.prepare(r, signal));

  const demo = {
    start: async (args: OpArgs<'demo.start'>): Promise<OpResult<'demo.start'>> => {
      await ctx.demo.start(args);
      return ctx.demo.status();
    },
    stop: async (): Promise<OpResult<'demo.stop'>> => {
      await sync.close();
      await ctx.demo.stop();
      return ctx.demo.status();
    },
    status: async (): Promise<OpResult<'demo.status'>> => ctx.demo.status(),
  };

  const catalog = {
    import: async (args: OpArgs<'catalog.import'>): Promise<OpResult<'catalog.import'>> => ({ ...(await importCatalog({ path: resolve(args.path) }, ctx.paths.root)) }),
  };

  const api = {
    catalog,
    profiles,
    credentials,
    certificates: certificateServices(ctx),
    consent,
    verify,
    auth: auth.api,
    sync: sync.api,
    snapshots,
    exports,
    ...reconServices(ctx),
    demo,
  } satisfies ServicesApi;

  const subscribe: SubscribeFn = (event, listener) => ctx.events.on(event, listener as (p: unknown) => void);

  return {
    api,
    subscribe,
    dispatch: createDispatcher(api),
    async close() {
      await sync.close();
      await ctx.close();
    },
  };
}
export * from './front-end';
