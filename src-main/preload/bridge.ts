import { OP_NAMES, type EventName, type RemoteApi, type SubscribeFn } from '../shared/contract';
import { CHOOSE_FOLDER_CHANNEL, EVENT_CHANNEL, SUBSCRIBE_CHANNEL, UNSUBSCRIBE_CHANNEL, isEventName, opChannel } from '../electron/channels';
import type { DesktopApi, ReconcilerApi } from './api';

/** The part of Electron's ipcRenderer the bridge uses; the renderer never sees it. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/**
 * Builds the one API object the preload exposes: a method per operation of the contract
 * table, and `subscribe`. Listeners live here, one entry per subscription (a function
 * subscribed twice is two entries), so each unsubscribe removes exactly its own; main is
 * asked to forward an event while at least one listener for it exists.
 */
export function createBridgeApi(ipc: IpcRendererLike): ReconcilerApi {
  const ops: Record<string, (args?: unknown) => Promise<unknown>> = {};
  for (const op of OP_NAMES) ops[op] = (args?: unknown) => ipc.invoke(opChannel(op), args ?? {});

  const listeners = new Map<EventName, Set<{ fn: (payload: never) => void }>>();
  ipc.on(EVENT_CHANNEL, (_event, name, payload) => {
    if (!isEventName(name)) return;
    for (const entry of [...(listeners.get(name) ?? [])]) {
      try {
        entry.fn(payload as never);
      } catch {
        // One failing listener never stops the others.
      }
    }
  });

  const subscribe: SubscribeFn = (event, listener) => {
    if (!isEventName(event)) throw new TypeError(`Unknown event "${String(event).slice(0, 64)}".`);
    if (typeof listener !== 'function') throw new TypeError('A listener must be a function.');
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    const entry = { fn: listener as (payload: never) => void };
    if (set.size === 0) void ipc.invoke(SUBSCRIBE_CHANNEL, event).catch(() => undefined);
    set.add(entry);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      set.delete(entry);
      if (set.size === 0) void ipc.invoke(UNSUBSCRIBE_CHANNEL, event).catch(() => undefined);
    };
  };

  const desktop: DesktopApi = Object.freeze({
    chooseFolder: (purpose: 'exports') => ipc.invoke(CHOOSE_FOLDER_CHANNEL, purpose) as ReturnType<DesktopApi['chooseFolder']>,
  });

  return Object.freeze({ ...(ops as unknown as RemoteApi), subscribe, desktop }) satisfies ReconcilerApi;
}
