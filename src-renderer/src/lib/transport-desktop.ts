import type { EventName, OpName, RemoteApi, SubscribeFn } from '../../../src-main/shared/contract';
import type { Result } from '../../../src-main/shared/errors';
import type { Platform, Transport } from './transport';

/** What the desktop preload exposes as window.reconciler: the contract's methods, results as data, and subscriptions. */
export type DesktopBridge = RemoteApi & {
  subscribe: SubscribeFn;
  platform?: () => Promise<Omit<Platform, 'kind'>>;
};

export function desktopBridge(): DesktopBridge | undefined {
  return (window as unknown as { reconciler?: DesktopBridge }).reconciler;
}

export function createDesktopTransport(bridge: DesktopBridge): Transport {
  return {
    call(op: OpName, args: unknown): Promise<Result<unknown>> {
      const fn = bridge[op] as unknown as (a: unknown) => Promise<Result<unknown>>;
      return fn(args);
    },
    subscribe(event: EventName, listener: (payload: unknown) => void): () => void {
      return bridge.subscribe(event, listener);
    },
    async platform(): Promise<Platform> {
      const p = bridge.platform ? await bridge.platform() : { secretsPersistent: true, secretStore: 'the operating system\'s protected storage' };
      return { kind: 'desktop', ...p };
    },
    readExport(): Promise<Blob> {
      return Promise.reject(new Error('The desktop app writes exports to the folder you chose.'));
    },
  };
}
