import { OP_NAMES, type EventName, type SubscribeFn } from '../shared/contract';
import type { ErrorDto, Result } from '../shared/errors';
import type { Dispatch } from '../core/services/dispatch';
import { CHOOSE_FOLDER_CHANNEL, EVENT_CHANNEL, SUBSCRIBE_CHANNEL, UNSUBSCRIBE_CHANNEL, isEventName, opChannel } from './channels';
import { isTrustedSender, type SenderFrame } from './security';

/**
 * The one IPC wrapper. Every contract operation gets one `ipcMain.handle` on the
 * channel derived from its name; each handler checks the sender (top frame, the app's
 * own origin), hands the operation and its raw arguments to the dispatcher (which parses
 * them with the contract's zod schema and calls the service), and returns the outcome as
 * data: `{ok: true, value}` or `{ok: false, error: {code, message, hint, remedy}}`.
 * Electron would reduce a thrown error to a bare message, so nothing is thrown across.
 *
 * Events are subscriptions per web contents and event name: main forwards the payloads
 * of a subscribed event to that web contents until it unsubscribes or goes away.
 */

/** The part of Electron's WebContents the wrapper uses. */
export interface SenderContents {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

/** The part of Electron's IpcMainInvokeEvent the wrapper uses. */
export interface InvokeEvent {
  readonly senderFrame: SenderFrame | null;
  readonly sender: SenderContents;
}

/** The part of Electron's ipcMain the wrapper uses. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEvent, ...args: unknown[]) => Promise<unknown> | unknown): void;
  removeHandler(channel: string): void;
}

export interface ContractIpcOptions {
  ipcMain: IpcMainLike;
  dispatch: Dispatch;
  subscribe: SubscribeFn;
  /** The dev server's origin in an unpackaged run (see security.devServerOrigin). */
  devOrigin?: string;
  /** Desktop only: the native folder picker for this window; undefined when cancelled. */
  chooseFolder?: (contents: SenderContents, purpose: 'exports') => Promise<string | undefined>;
}

export const SENDER_REFUSED: ErrorDto = {
  code: 'host-refused',
  message: 'The request did not come from the app\'s own window and was refused.',
  hint: 'Use the app\'s own screens; restart the app if this keeps happening.',
  remedy: { action: 'report-bug' },
};

const UNEXPECTED: ErrorDto = {
  code: 'internal',
  message: 'An unexpected error occurred.',
  hint: 'Try again; if it persists, report it with the log file.',
  remedy: { action: 'report-bug' },
};

export interface ContractIpc {
  /** Every channel registered, operations first. */
  readonly channels: readonly string[];
  /** Event subscriptions currently held for one web contents (tests, diagnostics). */
  subscriptionsOf(contentsId: number): EventName[];
  /** Removes every handler and subscription. */
  dispose(): void;
}

export function registerContractIpc(opts: ContractIpcOptions): ContractIpc {
  const { ipcMain, dispatch, subscribe, devOrigin } = opts;
  const channels: string[] = [];
  const trusted = (event: InvokeEvent): boolean => isTrustedSender(event.senderFrame, devOrigin);

  for (const op of OP_NAMES) {
    const channel = opChannel(op);
    ipcMain.handle(channel, async (event, args): Promise<Result<unknown>> => {
      if (!trusted(event)) return { ok: false, error: SENDER_REFUSED };
      try {
        return await dispatch(op, args);
      } catch {
        // The dispatcher returns errors as data; this is only a backstop.
        return { ok: false, error: UNEXPECTED };
      }
    });
    channels.push(channel);
  }

  /** contents id -> event -> the unsubscribe of main's forwarding listener. */
  const subs = new Map<number, Map<EventName, () => void>>();
  const dropAll = (id: number): void => {
    const m = subs.get(id);
    if (!m) return;
    subs.delete(id);
    for (const off of m.values()) off();
  };

  ipcMain.handle(SUBSCRIBE_CHANNEL, (event, name): Result<null> => {
    if (!trusted(event)) return { ok: false, error: SENDER_REFUSED };
    if (!isEventName(name)) return { ok: false, error: { code: 'bad-input', message: 'Unknown event.', hint: 'The window and the app are out of step; restart the app.', remedy: { action: 'report-bug' } } };
    const contents = event.sender;
    let m = subs.get(contents.id);
    if (!m) {
      subs.set(contents.id, (m = new Map()));
      contents.once('destroyed', () => dropAll(contents.id));
    }
    if (!m.has(name)) {
      const off = subscribe(name, (payload) => {
        if (!contents.isDestroyed()) contents.send(EVENT_CHANNEL, name, payload);
      });
      m.set(name, off);
    }
    return { ok: true, value: null };
  });
  channels.push(SUBSCRIBE_CHANNEL);

  ipcMain.handle(UNSUBSCRIBE_CHANNEL, (event, name): Result<null> => {
    if (!trusted(event)) return { ok: false, error: SENDER_REFUSED };
    if (!isEventName(name)) return { ok: true, value: null };
    const m = subs.get(event.sender.id);
    const off = m?.get(name);
    if (off) {
      m!.delete(name);
      off();
    }
    return { ok: true, value: null };
  });
  channels.push(UNSUBSCRIBE_CHANNEL);

  const { chooseFolder } = opts;
  if (chooseFolder) {
    ipcMain.handle(CHOOSE_FOLDER_CHANNEL, async (event, purpose): Promise<Result<{ path: string } | null>> => {
      if (!trusted(event)) return { ok: false, error: SENDER_REFUSED };
      if (purpose !== 'exports') return { ok: false, error: { code: 'bad-input', message: 'Unknown folder purpose.', hint: 'The window and the app are out of step; restart the app.', remedy: { action: 'report-bug' } } };
      try {
        const path = await chooseFolder(event.sender, purpose);
        return { ok: true, value: path ? { path } : null };
      } catch {
        return { ok: false, error: UNEXPECTED };
      }
    });
    channels.push(CHOOSE_FOLDER_CHANNEL);
  }

  return {
    channels,
    subscriptionsOf: (id) => [...(subs.get(id)?.keys() ?? [])],
    dispose() {
      for (const c of channels) ipcMain.removeHandler(c);
      for (const id of [...subs.keys()]) dropAll(id);
    },
  };
}
