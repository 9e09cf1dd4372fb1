import { describe, expect, it, vi } from 'vitest';
import { OP_NAMES, type EventName, type ServicesApi } from '../../../src-main/shared/contract';
import type { Result } from '../../../src-main/shared/errors';
import { EventBus, createDispatcher, type Dispatch } from '../../../src-main/core/services/dispatch';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { CHOOSE_FOLDER_CHANNEL, EVENT_CHANNEL, SUBSCRIBE_CHANNEL, UNSUBSCRIBE_CHANNEL, opChannel } from '../../../src-main/electron/channels';
import { SENDER_REFUSED, registerContractIpc, type InvokeEvent, type IpcMainLike, type SenderContents } from '../../../src-main/electron/ipc';
import { createBridgeApi, type IpcRendererLike } from '../../../src-main/preload/bridge';
import type { ReconcilerApi } from '../../../src-main/preload/api';

// The wrapper's sender check lives in security.ts, which imports Electron; nothing of Electron's runtime is used here.
vi.mock('electron', () => ({}));

/** ipcMain as a table of handlers, called the way Electron calls them. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, (event: InvokeEvent, ...args: unknown[]) => unknown>();
  handle(channel: string, listener: (event: InvokeEvent, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(event: InvokeEvent, channel: string, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel);
    if (!h) return Promise.reject(new Error(`No handler registered for '${channel}'`));
    return Promise.resolve(h(event, ...args));
  }
}

class FakeContents implements SenderContents {
  readonly sent: Array<[string, ...unknown[]]> = [];
  destroyed = false;
  private onDestroyed: Array<() => void> = [];
  constructor(readonly id: number) {}
  send(channel: string, ...args: unknown[]): void {
    this.sent.push([channel, ...args]);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  once(_event: 'destroyed', listener: () => void): void {
    this.onDestroyed.push(listener);
  }
  destroy(): void {
    this.destroyed = true;
    for (const l of this.onDestroyed) l();
  }
}

const topFrame = (contents: SenderContents, url = 'app://renderer/index.html'): InvokeEvent => ({ sender: contents, senderFrame: { url, parent: null } });

/** Grouped services whose every method answers with its own operation name and arguments. */
function echoServices(overrides: Record<string, (args: unknown) => Promise<unknown>> = {}): ServicesApi {
  const api: Record<string, Record<string, (args: unknown) => Promise<unknown>>> = {};
  for (const op of OP_NAMES) {
    const [g, m] = op.split('.') as [string, string];
    (api[g] ??= {})[m] = overrides[op] ?? (async (args: unknown) => ({ op, args }));
  }
  return api as unknown as ServicesApi;
}

function setup(dispatch?: Dispatch) {
  const ipcMain = new FakeIpcMain();
  const bus = new EventBus();
  const calls: Array<[string, unknown]> = [];
  const inner = dispatch ?? createDispatcher(echoServices());
  const spy: Dispatch = (op, args) => {
    calls.push([op, args]);
    return inner(op, args);
  };
  const ipc = registerContractIpc({ ipcMain, dispatch: spy, subscribe: (e, l) => bus.on(e, l as (p: unknown) => void) });
  return { ipcMain, bus, calls, ipc };
}

describe('the IPC wrapper', () => {
  it('registers one handler per contract operation, on the channel derived from its name, and the two event channels', () => {
    const { ipcMain, ipc } = setup();
    for (const op of OP_NAMES) expect(ipcMain.handlers.has(opChannel(op)), op).toBe(true);
    expect(ipcMain.handlers.size).toBe(OP_NAMES.length + 2);
    expect(new Set(ipc.channels).size).toBe(ipc.channels.length);
    expect(ipc.channels).toEqual([...OP_NAMES.map(opChannel), SUBSCRIBE_CHANNEL, UNSUBSCRIBE_CHANNEL]);
    ipc.dispose();
    expect(ipcMain.handlers.size).toBe(0);
  });

  it('hands every operation and its arguments to the dispatcher and returns the result as data', async () => {
    const { ipcMain, calls } = setup();
    const contents = new FakeContents(1);
    for (const op of OP_NAMES) {
      const r = (await ipcMain.invoke(topFrame(contents), opChannel(op), { profile: 'contoso' })) as Result<unknown>;
      expect(calls.at(-1)).toEqual([op, { profile: 'contoso' }]);
      // The dispatcher parsed the arguments with the contract's schema: valid ones reach the service, invalid ones come back as bad-input.
      if (r.ok) expect((r.value as { op: string }).op).toBe(op);
      else expect(r.error.code, op).toBe('bad-input');
    }
    const list = (await ipcMain.invoke(topFrame(contents), opChannel('profiles.list'), {})) as Result<unknown>;
    expect(list).toEqual({ ok: true, value: { op: 'profiles.list', args: {} } });
  });

  it('returns invalid arguments and service errors as data, never as a thrown error', async () => {
    const failing = createDispatcher(
      echoServices({
        'verify.run': async () => {
          throw new OperatorError('consent-missing', 'Admin consent has not been granted.', { hint: 'Ask a Privileged Role Administrator to grant consent.' });
        },
        'snapshots.list': async () => {
          throw new Error('disk on fire /home/op/.secret');
        },
      }),
    );
    const { ipcMain } = setup(failing);
    const c = new FakeContents(1);
    const bad = (await ipcMain.invoke(topFrame(c), opChannel('sync.start'), { profile: 42 })) as Result<unknown>;
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.code).toBe('bad-input');
    expect(!bad.ok && bad.error.message).toMatch(/sync\.start.*profile/);
    const notAnObject = (await ipcMain.invoke(topFrame(c), opChannel('profiles.get'), 'contoso')) as Result<unknown>;
    expect(!notAnObject.ok && notAnObject.error.code).toBe('bad-input');

    expect(await ipcMain.invoke(topFrame(c), opChannel('verify.run'), { profile: 'contoso' })).toEqual({
      ok: false,
      error: { code: 'consent-missing', message: 'Admin consent has not been granted.', hint: 'Ask a Privileged Role Administrator to grant consent.' },
    });
    const internal = (await ipcMain.invoke(topFrame(c), opChannel('snapshots.list'), { profile: 'contoso' })) as Result<unknown>;
    expect(internal).toMatchObject({ ok: false, error: { code: 'internal', remedy: { action: 'report-bug' } } });
    expect(JSON.stringify(internal)).not.toContain('disk on fire');

    // Even a dispatcher that breaks its promise not to throw yields data.
    const { ipcMain: broken } = setup(() => Promise.reject(new Error('boom')));
    expect(await broken.invoke(topFrame(c), opChannel('demo.status'), {})).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('refuses subframes, foreign origins and file: pages before anything is dispatched', async () => {
    const { ipcMain, calls } = setup();
    const c = new FakeContents(1);
    const events: Array<[string, InvokeEvent]> = [
      ['subframe', { sender: c, senderFrame: { url: 'app://renderer/index.html', parent: {} } }],
      ['foreign origin', { sender: c, senderFrame: { url: 'https://evil.example/', parent: null } }],
      ['file origin', { sender: c, senderFrame: { url: 'file:///opt/app/out/renderer/index.html', parent: null } }],
      ['no frame', { sender: c, senderFrame: null }],
    ];
    for (const [what, event] of events) {
      for (const op of ['profiles.list', 'credentials.setSecret'] as const) {
        expect(await ipcMain.invoke(event, opChannel(op), {}), what).toEqual({ ok: false, error: SENDER_REFUSED });
      }
      expect(await ipcMain.invoke(event, SUBSCRIBE_CHANNEL, 'sync.progress'), what).toEqual({ ok: false, error: SENDER_REFUSED });
    }
    expect(calls).toEqual([]);
  });

  it('forwards a subscribed event to that window only, until it unsubscribes or goes away', async () => {
    const { ipcMain, bus, ipc } = setup();
    const a = new FakeContents(1);
    const b = new FakeContents(2);
    expect(await ipcMain.invoke(topFrame(a), SUBSCRIBE_CHANNEL, 'sync.progress')).toEqual({ ok: true, value: null });
    expect(await ipcMain.invoke(topFrame(a), SUBSCRIBE_CHANNEL, 'sync.progress')).toEqual({ ok: true, value: null });
    await ipcMain.invoke(topFrame(a), SUBSCRIBE_CHANNEL, 'sync.finished');
    await ipcMain.invoke(topFrame(b), SUBSCRIBE_CHANNEL, 'sync.finished');
    expect(bus.listenerCount('sync.progress')).toBe(1);
    expect(ipc.subscriptionsOf(1).sort()).toEqual(['sync.finished', 'sync.progress']);

    bus.emit('sync.progress', { jobId: 'j1', n: 1 });
    expect(a.sent).toEqual([[EVENT_CHANNEL, 'sync.progress', { jobId: 'j1', n: 1 }]]);
    expect(b.sent).toEqual([]);

    expect(await ipcMain.invoke(topFrame(a), SUBSCRIBE_CHANNEL, 'no.such.event')).toMatchObject({ ok: false, error: { code: 'bad-input' } });
    expect(await ipcMain.invoke(topFrame(a), SUBSCRIBE_CHANNEL, '__proto__')).toMatchObject({ ok: false, error: { code: 'bad-input' } });

    await ipcMain.invoke(topFrame(a), UNSUBSCRIBE_CHANNEL, 'sync.progress');
    bus.emit('sync.progress', { jobId: 'j1', n: 2 });
    expect(a.sent).toHaveLength(1);
    expect(bus.listenerCount('sync.progress')).toBe(0);

    a.destroy();
    expect(bus.listenerCount('sync.finished')).toBe(1);
    bus.emit('sync.finished', { jobId: 'j1' });
    expect(b.sent).toEqual([[EVENT_CHANNEL, 'sync.finished', { jobId: 'j1' }]]);
    expect(a.sent).toHaveLength(1);
    ipc.dispose();
    expect(bus.listenerCount('sync.finished')).toBe(0);
  });
});

describe('the desktop folder picker', () => {
  it('answers the app\'s own window with the chosen folder, or null when cancelled, and refuses others', async () => {
    const ipcMain = new FakeIpcMain();
    const asked: Array<[number, string]> = [];
    let answer: string | undefined = '/home/op/exports';
    registerContractIpc({
      ipcMain,
      dispatch: async () => ({ ok: true, value: null }),
      subscribe: () => () => undefined,
      chooseFolder: async (contents, purpose) => {
        asked.push([contents.id, purpose]);
        return answer;
      },
    });
    const c = new FakeContents(3);
    expect(await ipcMain.invoke(topFrame(c), CHOOSE_FOLDER_CHANNEL, 'exports')).toEqual({ ok: true, value: { path: '/home/op/exports' } });
    answer = undefined;
    expect(await ipcMain.invoke(topFrame(c), CHOOSE_FOLDER_CHANNEL, 'exports')).toEqual({ ok: true, value: null });
    expect(await ipcMain.invoke(topFrame(c), CHOOSE_FOLDER_CHANNEL, '/etc')).toMatchObject({ ok: false, error: { code: 'bad-input' } });
    expect(await ipcMain.invoke({ sender: c, senderFrame: { url: 'https://evil.example/', parent: null } }, CHOOSE_FOLDER_CHANNEL, 'exports')).toEqual({ ok: false, error: SENDER_REFUSED });
    expect(await ipcMain.invoke({ sender: c, senderFrame: { url: 'app://renderer/index.html', parent: {} } }, CHOOSE_FOLDER_CHANNEL, 'exports')).toEqual({ ok: false, error: SENDER_REFUSED });
    expect(asked).toEqual([
      [3, 'exports'],
      [3, 'exports'],
    ]);
  });

  it('is not registered where no picker exists', () => {
    const { ipcMain } = setup();
    expect(ipcMain.handlers.has(CHOOSE_FOLDER_CHANNEL)).toBe(false);
  });
});

/** The preload's bridge wired to the wrapper through fake ipcRenderer/ipcMain, as in the app. */
function wired() {
  const { ipcMain, bus, ipc, calls } = setup();
  const contents = new FakeContents(7);
  const rendererListeners = new Map<string, Array<(event: unknown, ...args: unknown[]) => void>>();
  const ipcRenderer: IpcRendererLike = {
    invoke: (channel, ...args) => ipcMain.invoke(topFrame(contents), channel, ...args),
    on: (channel, listener) => rendererListeners.set(channel, [...(rendererListeners.get(channel) ?? []), listener]),
  };
  // main -> renderer: what contents.send delivers to the preload's ipcRenderer.on listeners.
  contents.send = (channel: string, ...args: unknown[]) => {
    for (const l of rendererListeners.get(channel) ?? []) l({}, ...args);
  };
  const api = createBridgeApi(ipcRenderer);
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { api, bus, ipc, calls, contents, rendererListeners, settle };
}

describe('the preload API', () => {
  it('has one method per contract operation plus subscribe, and nothing raw', () => {
    const { api, rendererListeners } = wired();
    expect(Object.keys(api).sort()).toEqual([...OP_NAMES, 'desktop', 'subscribe'].sort());
    for (const k of [...OP_NAMES, 'subscribe']) expect(typeof (api as unknown as Record<string, unknown>)[k], k).toBe('function');
    expect(Object.keys(api.desktop!)).toEqual(['chooseFolder']);
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.isFrozen(api.desktop)).toBe(true);
    for (const raw of ['invoke', 'send', 'on', 'ipcRenderer', 'removeListener', 'sendSync']) expect(api).not.toHaveProperty(raw);
    // One listener on the event channel, registered once.
    expect([...rendererListeners.keys()]).toEqual([EVENT_CHANNEL]);
  });

  it('calls reach the dispatcher and come back as results', async () => {
    const { api, calls } = wired();
    const typed: ReconcilerApi = api;
    expect(await typed['profiles.list']({})).toEqual({ ok: true, value: { op: 'profiles.list', args: {} } });
    expect(await typed['demo.status']({})).toMatchObject({ ok: true });
    expect(calls.map(([op]) => op)).toEqual(['profiles.list', 'demo.status']);
    const bad = await typed['sync.status']({ jobId: 5 as unknown as string });
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-input' } });
  });

  it('each unsubscribe removes exactly its own listener, even for the same function subscribed twice', async () => {
    const { api, bus, ipc, contents, settle } = wired();
    const seen: unknown[] = [];
    const listener = (p: unknown) => void seen.push(p);
    const event: EventName = 'sync.progress';
    const off1 = api.subscribe(event, listener);
    const off2 = api.subscribe(event, listener);
    await settle();
    expect(ipc.subscriptionsOf(contents.id)).toEqual([event]);

    bus.emit(event, { n: 1 });
    expect(seen).toEqual([{ n: 1 }, { n: 1 }]);

    off1();
    bus.emit(event, { n: 2 });
    expect(seen).toEqual([{ n: 1 }, { n: 1 }, { n: 2 }]);

    // A second call of the same unsubscribe must not remove the other subscription.
    off1();
    bus.emit(event, { n: 3 });
    expect(seen.at(-1)).toEqual({ n: 3 });
    expect(seen).toHaveLength(4);
    await settle();
    expect(ipc.subscriptionsOf(contents.id)).toEqual([event]);

    off2();
    await settle();
    bus.emit(event, { n: 4 });
    expect(seen).toHaveLength(4);
    // The last listener gone, main stops forwarding the event.
    expect(ipc.subscriptionsOf(contents.id)).toEqual([]);
    expect(bus.listenerCount(event)).toBe(0);
  });

  it('a throwing listener does not stop the others, and listeners of other events are not called', async () => {
    const { api, bus, settle } = wired();
    const got = vi.fn();
    const other = vi.fn();
    api.subscribe('sync.finished', () => {
      throw new Error('listener bug');
    });
    api.subscribe('sync.finished', got);
    api.subscribe('auth.state', other);
    await settle();
    bus.emit('sync.finished', { jobId: 'x' });
    expect(got).toHaveBeenCalledExactlyOnceWith({ jobId: 'x' });
    expect(other).not.toHaveBeenCalled();
    expect(() => api.subscribe('no.such' as EventName, got)).toThrow(TypeError);
  });
});
