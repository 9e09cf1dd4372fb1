import type { z } from 'zod';
import type { Result } from './errors';

/**
 * The machinery of the one contract table (contract.ts): every operation's argument
 * schema, result schema and the events it emits. The CLI, the Electron IPC layer, the
 * preload and the browser-mode bridge all derive from the table, so an operation or
 * channel name is written exactly once.
 */
export interface OpSpec<A extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType, E extends string = string> {
  /** Schema of the single argument object; parsed at every trust boundary. */
  readonly args: A;
  /** Schema of the value the operation resolves to. */
  readonly result: R;
  /** Events the operation may emit while it runs (names of the events table). */
  readonly events: readonly E[];
  /** One line for help texts and the closing documentation. */
  readonly summary: string;
}

export function op<A extends z.ZodType, R extends z.ZodType, E extends string = never>(
  args: A,
  result: R,
  summary: string,
  events: readonly E[] = [],
): OpSpec<A, R, E> {
  return { args, result, summary, events };
}

export type ContractTable = Record<string, OpSpec>;
export type EventTable = Record<string, z.ZodType>;

/** `group.method` -> the services object's group and method. */
export type SplitOp<O extends string> = O extends `${infer G}.${infer M}` ? [G, M] : never;

/** The API a front end calls: one method per operation, named as in the table. */
export type ApiOf<C extends ContractTable> = {
  [O in keyof C & string]: (args: z.input<C[O]['args']>) => Promise<z.output<C[O]['result']>>;
};

/** Services grouped as `services.group.method(args)`, derived from the table's names. */
export type GroupedApiOf<C extends ContractTable> = {
  [G in keyof C & string as SplitOp<G>[0]]: {
    [O in keyof C & string as SplitOp<O>[0] extends SplitOp<G>[0] ? SplitOp<O>[1] : never]: (
      args: z.output<C[O]['args']>,
    ) => Promise<z.input<C[O]['result']>>;
  };
};

/** What crosses IPC or HTTP: every call resolves to a Result, never a thrown error. */
export type RemoteApiOf<C extends ContractTable> = {
  [O in keyof C & string]: (args: z.input<C[O]['args']>) => Promise<Result<z.output<C[O]['result']>>>;
};

export type EventPayload<T extends EventTable, E extends keyof T> = z.output<T[E]>;

/** Subscribing returns the function that removes exactly that listener. */
export type Subscribe<T extends EventTable> = <E extends keyof T & string>(event: E, listener: (payload: z.output<T[E]>) => void) => () => void;
