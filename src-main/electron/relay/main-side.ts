import type { ChildProcess } from 'node:child_process';
import type { SubscribeFn } from '../../shared/contract';
import type { ErrorDto, Result } from '../../shared/errors';
import { EventBus, toErrorDto, type Dispatch } from '../../core/services/dispatch';
import type { SecretStore } from '../../core/secrets/secret-store';
import { EVENT_NAMES, isEventName } from '../channels';
import { hostToMainSchema, type InitMessage, type MainToHost, type PrivateRequest } from './protocol';

/**
 * The main process's side of the services host: the contract's dispatch and events,
 * relayed to a child process (the utility process in the app, a forked Node child in
 * tests), plus the private channel through which the child reaches main-only
 * capabilities. Plain Node: it talks to a generic channel, never to Electron.
 *
 * Every call resolves: with the child's result, or with an error as data when the child
 * stops, fails to start or the relay is closed. Nothing waits forever on a dead child.
 */
export interface HostChannel {
  send(msg: MainToHost): void;
  onMessage(listener: (msg: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

/** What main alone can do for the services. */
export interface PrivateHandlers {
  /** Where secrets really live (safeStorage in the app). */
  secrets: SecretStore;
  /** The system browser, behind the allow-list. */
  openExternal(url: string): Promise<void>;
}

export interface Relay {
  readonly dispatch: Dispatch;
  readonly subscribe: SubscribeFn;
  /** Resolves once the host has created its services; rejects (as data) if it could not. */
  readonly ready: Promise<Result<null>>;
  /** True until the child exits or the relay is closed. */
  alive(): boolean;
  /** Asks the host to shut down, then kills it if it has not gone within the grace period. */
  close(graceMs?: number): Promise<void>;
  onExit(listener: (code: number | null) => void): void;
}

export function hostStoppedError(code: number | null): ErrorDto {
  return {
    code: 'internal',
    message: `The app's background service stopped unexpectedly${code === null ? '' : ` (exit code ${code})`}; the operation did not finish.`,
    hint: 'Try again: the background service starts again with the next action. A sync that was running must be started again; the previous snapshot is still current. If this repeats, report it with the log file.',
    remedy: { action: 'retry-later' },
  };
}

const CLOSED: ErrorDto = { code: 'cancelled', message: 'The app is closing; the operation was not run.', hint: 'Start the app again.', remedy: { action: 'retry-later' } };

const MALFORMED: ErrorDto = {
  code: 'internal',
  message: 'The app\'s background service gave an answer the app could not read.',
  hint: 'Try again; if it persists, report it with the log file.',
  remedy: { action: 'report-bug' },
};

function answerId(raw: unknown): number | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { t, id } = raw as { t?: unknown; id?: unknown };
  return t === 'result' && typeof id === 'number' ? id : undefined;
}

export function createRelay(channel: HostChannel, init: InitMessage, handlers: PrivateHandlers, opts: { log?: (msg: string) => void } = {}): Relay {
  const bus = new EventBus();
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const exitListeners: Array<(code: number | null) => void> = [];
  let nextId = 1;
  let alive = true;
  let closing = false;
  let failure: ErrorDto | undefined;
  let settleReady: (r: Result<null>) => void = () => undefined;
  const ready = new Promise<Result<null>>((r) => (settleReady = r));

  const send = (msg: MainToHost): boolean => {
    if (!alive) return false;
    try {
      channel.send(msg);
      return true;
    } catch {
      return false;
    }
  };

  const finishAll = (error: ErrorDto): void => {
    failure ??= error;
    settleReady({ ok: false, error });
    for (const [id, resolve] of [...pending]) {
      pending.delete(id);
      resolve({ ok: false, error });
    }
  };

  const answerPrivate = async (id: number, request: PrivateRequest): Promise<void> => {
    let result: Result<unknown>;
    try {
      result = { ok: true, value: await runPrivate(request, handlers) };
    } catch (e) {
      result = { ok: false, error: toErrorDto(e) };
    }
    send({ t: 'private-reply', id, result });
  };

  channel.onMessage((raw) => {
    const parsed = hostToMainSchema.safeParse(raw);
    if (!parsed.success) {
      opts.log?.('services host sent a message that is not part of the protocol; ignored');
      // A malformed answer still ends its call, so nothing waits for an answer that was already sent.
      const id = answerId(raw);
      const resolve = id === undefined ? undefined : pending.get(id);
      if (id !== undefined && resolve) {
        pending.delete(id);
        resolve({ ok: false, error: MALFORMED });
      }
      return;
    }
    const msg = parsed.data;
    switch (msg.t) {
      case 'ready':
        settleReady({ ok: true, value: null });
        return;
      case 'fatal':
        finishAll(msg.error);
        return;
      case 'result': {
        const resolve = pending.get(msg.id);
        if (!resolve) return;
        pending.delete(msg.id);
        resolve(msg.result as Result<unknown>);
        return;
      }
      case 'event':
        if (isEventName(msg.event)) bus.emit(msg.event, msg.payload);
        return;
      case 'private':
        void answerPrivate(msg.id, msg.request);
        return;
    }
  });

  channel.onExit((code) => {
    alive = false;
    finishAll(closing ? CLOSED : hostStoppedError(code));
    for (const l of exitListeners) l(code);
  });

  send(init);

  const dispatch: Dispatch = (op, rawArgs) => {
    if (failure) return Promise.resolve({ ok: false, error: failure });
    const id = nextId++;
    return new Promise<Result<unknown>>((resolve) => {
      pending.set(id, resolve);
      if (!send({ t: 'call', id, op, args: rawArgs ?? {} })) {
        pending.delete(id);
        resolve({ ok: false, error: failure ?? hostStoppedError(null) });
      }
    });
  };

  const subscribe: SubscribeFn = (event, listener) => bus.on(event, listener as (p: unknown) => void);

  return {
    dispatch,
    subscribe,
    ready,
    alive: () => alive,
    onExit: (l) => void exitListeners.push(l),
    async close(graceMs = 3000) {
      if (!alive) return;
      closing = true;
      const exited = new Promise<void>((r) => exitListeners.push(() => r()));
      send({ t: 'shutdown' });
      const timer = setTimeout(() => channel.kill(), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function runPrivate(request: PrivateRequest, handlers: PrivateHandlers): Promise<unknown> {
  switch (request.kind) {
    case 'secret.get': {
      const v = await handlers.secrets.get(request.key);
      return v === undefined ? null : v.toString('base64');
    }
    case 'secret.set':
      await handlers.secrets.set(request.key, Buffer.from(request.value, 'base64'));
      return null;
    case 'secret.delete':
      await handlers.secrets.delete(request.key);
      return null;
    case 'secret.keys':
      return handlers.secrets.keys();
    case 'open-external':
      await handlers.openExternal(request.url);
      return null;
  }
}

/**
 * Keeps one services host running: starts it on first use and again on the next call
 * after it stopped, so a crash costs the operation that was running, not the app.
 * Events of every generation reach the same subscribers.
 */
export function createSupervisedRelay(start: () => Relay): Relay & { generation(): number } {
  const bus = new EventBus();
  const exitListeners: Array<(code: number | null) => void> = [];
  let current: Relay | undefined;
  let generation = 0;
  let closed = false;

  const ensure = (): Relay => {
    if (current && current.alive()) return current;
    const relay = start();
    generation++;
    current = relay;
    for (const event of EVENT_NAMES) relay.subscribe(event, (p) => bus.emit(event, p));
    relay.onExit((code) => {
      for (const l of exitListeners) l(code);
    });
    return relay;
  };

  return {
    dispatch: (op, args) => (closed ? Promise.resolve({ ok: false, error: CLOSED }) : ensure().dispatch(op, args)),
    subscribe: (event, listener) => bus.on(event, listener as (p: unknown) => void),
    get ready() {
      return ensure().ready;
    },
    alive: () => !closed && (current?.alive() ?? false),
    onExit: (l) => void exitListeners.push(l),
    generation: () => generation,
    async close(graceMs) {
      closed = true;
      await current?.close(graceMs);
    },
  };
}

/** A forked Node child as the host channel (tests, and any Node-only host). */
export function childProcessChannel(child: ChildProcess): HostChannel {
  return {
    send: (msg) => void child.send(msg),
    onMessage: (l) => void child.on('message', l),
    onExit: (l) => void child.on('exit', (code) => l(code)),
    kill: () => void child.kill(),
  };
}

/** The part of Electron's UtilityProcess the channel uses. */
export interface UtilityProcessLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

/** An Electron utility process as the host channel. */
export function utilityProcessChannel(child: UtilityProcessLike): HostChannel {
  return {
    send: (msg) => child.postMessage(msg),
    onMessage: (l) => void child.on('message', l),
    onExit: (l) => void child.on('exit', (code: number) => l(code)),
    kill: () => void child.kill(),
  };
}
