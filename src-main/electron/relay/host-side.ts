import type { ErrorDto, Result } from '../../shared/errors';
import { OperatorError } from '../../core/errors/operator-error';
import { toErrorDto, type Dispatch } from '../../core/services/dispatch';
import type { SecretStore } from '../../core/secrets/secret-store';
import type { SubscribeFn } from '../../shared/contract';
import { EVENT_NAMES } from '../channels';
import { mainToHostSchema, type HostToMain, type InitMessage, type PrivateRequest } from './protocol';

/**
 * The services host's side of the relay: plain Node, no Electron import. It waits for
 * main's `init`, creates the services, answers `call`s through their dispatcher, and
 * forwards every event. What only main can do (safeStorage, the system browser) it
 * asks for on the private channel of the same port.
 */
export interface HostPort {
  post(msg: HostToMain): void;
  onMessage(listener: (msg: unknown) => void): void;
}

/** What the host needs from the services it creates. */
export interface HostedServices {
  readonly dispatch: Dispatch;
  readonly subscribe: SubscribeFn;
  close(): Promise<void>;
}

/** Sends private requests to main and matches the replies. */
export class PrivateClient {
  private nextId = 1;
  private readonly pending = new Map<number, (r: Result<unknown>) => void>();

  constructor(private readonly port: HostPort) {}

  request(request: PrivateRequest): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (r) => (r.ok ? resolve(r.value) : reject(fromDto(r.error))));
      this.port.post({ t: 'private', id, request });
    });
  }

  /** Called by the host loop for each `private-reply`. */
  settle(id: number, result: Result<unknown>): void {
    const fn = this.pending.get(id);
    if (!fn) return;
    this.pending.delete(id);
    fn(result);
  }
}

/** An error main returned on the private channel, thrown again in the services with its remedy. */
function fromDto(e: ErrorDto): OperatorError {
  return new OperatorError(e.code, e.message, { hint: e.hint, ...(e.who ? { who: e.who } : {}), ...(e.remedy ? { remedy: e.remedy } : {}) });
}

/**
 * The services' SecretStore in the host: every operation is forwarded to main, where the
 * safeStorage store (and its refusal of Linux's plain-text backend) lives. Values cross
 * only this private channel, never an IPC channel a window can reach.
 */
export class RemoteSecretStore implements SecretStore {
  constructor(
    private readonly client: PrivateClient,
    readonly persistent: boolean,
    readonly description: string,
  ) {}

  async get(key: string): Promise<Buffer | undefined> {
    const v = await this.client.request({ kind: 'secret.get', key });
    return typeof v === 'string' ? Buffer.from(v, 'base64') : undefined;
  }

  async set(key: string, value: Buffer): Promise<void> {
    await this.client.request({ kind: 'secret.set', key, value: value.toString('base64') });
  }

  async delete(key: string): Promise<void> {
    await this.client.request({ kind: 'secret.delete', key });
  }

  async keys(): Promise<string[]> {
    const v = await this.client.request({ kind: 'secret.keys' });
    return Array.isArray(v) ? v.filter((k): k is string => typeof k === 'string') : [];
  }
}

export interface HostContext {
  init: InitMessage;
  secretStore: SecretStore;
  /** Opens a URL in the system browser, through main's allow-list. */
  openBrowser(url: string): Promise<void>;
}

/**
 * Runs the host loop on a port. `create` builds the services once `init` arrives;
 * `exit` ends the process after a `shutdown` (or when the services could not start).
 */
export function serveServicesHost(port: HostPort, create: (ctx: HostContext) => Promise<HostedServices> | HostedServices, exit: (code: number) => void): void {
  const client = new PrivateClient(port);
  let services: Promise<HostedServices> | undefined;

  port.onMessage((raw) => {
    const parsed = mainToHostSchema.safeParse(raw);
    if (!parsed.success) {
      // A malformed reply to a private request still ends that request.
      const { t, id } = (typeof raw === 'object' && raw !== null ? raw : {}) as { t?: unknown; id?: unknown };
      if (t === 'private-reply' && typeof id === 'number') {
        client.settle(id, { ok: false, error: { code: 'internal', message: 'The app gave the background service an answer it could not read.', hint: 'Try again; if it persists, report it with the log file.' } });
      }
      return;
    }
    const msg = parsed.data;
    switch (msg.t) {
      case 'init': {
        if (services) return;
        const ctx: HostContext = {
          init: msg,
          secretStore: new RemoteSecretStore(client, msg.secretStore.persistent, msg.secretStore.description),
          openBrowser: async (url) => {
            await client.request({ kind: 'open-external', url });
          },
        };
        services = Promise.resolve().then(() => create(ctx));
        services.then(
          (s) => {
            for (const event of EVENT_NAMES) s.subscribe(event, (payload) => port.post({ t: 'event', event, payload }));
            port.post({ t: 'ready' });
          },
          (e: unknown) => {
            port.post({ t: 'fatal', error: toErrorDto(e) });
            exit(1);
          },
        );
        return;
      }
      case 'call': {
        const { id, op, args } = msg;
        const pending = services ?? Promise.reject(new OperatorError('internal', 'The background service was not started.', { hint: 'Restart the app.' }));
        pending
          .then((s) => s.dispatch(op, args))
          .then(
            (result) => port.post({ t: 'result', id, result }),
            (e: unknown) => port.post({ t: 'result', id, result: { ok: false, error: toErrorDto(e) } }),
          );
        return;
      }
      case 'private-reply':
        client.settle(msg.id, msg.result as Result<unknown>);
        return;
      case 'shutdown':
        void (services ?? Promise.resolve(undefined))
          .then((s) => s?.close())
          .catch(() => undefined)
          .finally(() => exit(0));
        return;
    }
  });
}

/** The Electron utility process's parentPort, or a forked Node child's IPC, as a HostPort. */
export function processHostPort(proc: NodeJS.Process = process): HostPort {
  const parentPort = (proc as NodeJS.Process & { parentPort?: ElectronParentPort }).parentPort;
  if (parentPort) {
    return {
      post: (msg) => parentPort.postMessage(msg),
      onMessage: (l) => void parentPort.on('message', (e) => l(e.data)),
    };
  }
  if (typeof proc.send !== 'function') throw new Error('The services host must run as a utility process or a forked child.');
  return {
    post: (msg) => void proc.send!(msg),
    onMessage: (l) => void proc.on('message', l),
  };
}

/** Electron's `process.parentPort` in a utility process (typed here, as core code never imports Electron). */
interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
}
