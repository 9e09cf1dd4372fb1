import { CONTRACT, OP_NAMES, type EventName, type OpName, type ServicesApi } from '../../shared/contract';
import type { ErrorDto, Result } from '../../shared/errors';
import { OperatorError, isOperatorError } from '../errors/operator-error';

/**
 * The one path every front end's call takes into the services: look the operation up in
 * the contract table, parse the arguments with its schema, call the grouped service
 * method, and return the outcome as data. IPC handlers, the browser-mode HTTP bridge and
 * the CLI all go through here; none restates an operation or its schema.
 */
export type Dispatch = (op: string, rawArgs: unknown) => Promise<Result<unknown>>;

export function isOpName(op: string): op is OpName {
  return Object.hasOwn(CONTRACT, op);
}

/** An error as data, whatever was thrown. The cause chain and stack never leave the process. */
export function toErrorDto(e: unknown): ErrorDto {
  if (isOperatorError(e)) return e.toDto();
  return { code: 'internal', message: 'An unexpected error occurred.', hint: 'Try again; if it persists, report it with the log file.', remedy: { action: 'report-bug' } };
}

type AnyMethod = (args: unknown) => Promise<unknown>;

function methodOf(api: ServicesApi, op: OpName): AnyMethod {
  const [group, method] = op.split('.') as [string, string];
  const g = (api as unknown as Record<string, Record<string, AnyMethod> | undefined>)[group];
  const fn = g?.[method];
  if (typeof fn !== 'function') throw new OperatorError('internal', `No service implements ${op}.`, { hint: 'This is a bug in the app; please report it.', remedy: { action: 'report-bug' } });
  return fn.bind(g);
}

/** Build the dispatcher over grouped services; every operation of the table must be implemented. */
export function createDispatcher(api: ServicesApi): Dispatch {
  const methods = new Map<OpName, AnyMethod>(OP_NAMES.map((op) => [op, methodOf(api, op)]));
  return async (op, rawArgs) => {
    try {
      if (!isOpName(op)) throw new OperatorError('bad-input', `Unknown operation "${op.slice(0, 64)}".`, { hint: 'The front end and the core are out of step; restart the app.' });
      const parsed = CONTRACT[op].args.safeParse(rawArgs ?? {});
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        const where = first && first.path.length > 0 ? ` (${first.path.join('.')})` : '';
        throw new OperatorError('bad-input', `Invalid arguments for ${op}${where}: ${first?.message ?? 'not valid'}.`, { hint: 'Correct the value and try again.', remedy: { action: 'fix-input' } });
      }
      const value = await methods.get(op)!(parsed.data);
      return { ok: true, value };
    } catch (e) {
      return { ok: false, error: toErrorDto(e) };
    }
  };
}

/** Event fan-out shared by the services: typed payloads, and an unsubscribe that removes exactly its listener. */
export class EventBus {
  readonly #listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  on(event: EventName, listener: (payload: unknown) => void): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    // A wrapper per subscription, so the same function subscribed twice is removed once per call.
    const entry = (p: unknown) => listener(p);
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  emit(event: EventName, payload: unknown): void {
    for (const l of [...(this.#listeners.get(event) ?? [])]) {
      try {
        l(payload);
      } catch {
        // A failing listener never stops the job that emits.
      }
    }
  }

  listenerCount(event: EventName): number {
    return this.#listeners.get(event)?.size ?? 0;
  }
}
