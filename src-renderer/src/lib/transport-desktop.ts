import type { EventName, OpName } from '../../../src-main/shared/contract';
import { API_GLOBAL, type ReconcilerApi } from '../../../src-main/preload/api';
import type { Result } from '../../../src-main/shared/errors';
import type { Platform, Transport } from './transport';

/** What the desktop preload exposes as window.reconciler: the contract's methods, results as data, and subscriptions. */
export type DesktopBridge = ReconcilerApi;

export function desktopBridge(): DesktopBridge | undefined {
  return (window as unknown as Record<string, DesktopBridge | undefined>)[API_GLOBAL];
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
    platform(): Promise<Platform> {
      return Promise.resolve({ kind: 'desktop', secretsPersistent: true, secretStore: "the operating system's protected storage" });
    },
    readExport(): Promise<Blob> {
      return Promise.reject(new Error('The desktop app writes exports to the folder you chose.'));
    },
    ...(bridge.desktop ? { chooseFolder: () => bridge.desktop!.chooseFolder('exports') } : {}),
  };
}
