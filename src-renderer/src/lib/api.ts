import type { EventName, OpArgs, OpName, OpResult } from '../../../src-main/shared/contract';
import type { EVENTS } from '../../../src-main/shared/contract';
import type { Result } from '../../../src-main/shared/errors';
import type { z } from 'zod';
import type { Platform, Transport } from './transport';
import { createDesktopTransport, desktopBridge } from './transport-desktop';
import { createWebTransport } from './transport-web';

/**
 * The renderer's only way to the services: the contract's operations, results as data
 * (never thrown), and its events. The transport is the Electron preload where it exists,
 * browser mode's HTTP bridge otherwise; nothing else in the renderer knows which.
 */
const bridge = desktopBridge();
const transport: Transport = bridge ? createDesktopTransport(bridge) : createWebTransport();

export function call<O extends OpName>(op: O, args: OpArgs<O>): Promise<Result<OpResult<O>>> {
  return transport.call(op, args) as Promise<Result<OpResult<O>>>;
}

export function on<E extends EventName>(event: E, listener: (payload: z.output<(typeof EVENTS)[E]>) => void): () => void {
  return transport.subscribe(event, listener as (p: unknown) => void);
}

export function platform(): Promise<Platform> {
  return transport.platform();
}

export function readExport(path: string): Promise<Blob> {
  return transport.readExport(path);
}

/** The native folder picker where the desktop app offers one (undefined in browser mode). */
export const chooseFolder: Transport['chooseFolder'] = transport.chooseFolder;

export type { Platform };
