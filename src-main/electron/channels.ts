import { EVENTS, type EventName, type OpName } from '../shared/contract';

/**
 * IPC channel names, derived from the contract table: an operation's channel is its
 * name under one prefix, so no channel is ever written out by hand. Shared by the main
 * side (ipc.ts) and the preload; imports nothing from Electron.
 */
const PREFIX = 'm365lr';

export function opChannel(op: OpName): string {
  return `${PREFIX}:op:${op}`;
}

/** The renderer asks main to forward one event to it, or to stop. */
export const SUBSCRIBE_CHANNEL = `${PREFIX}:events:subscribe`;
export const UNSUBSCRIBE_CHANNEL = `${PREFIX}:events:unsubscribe`;
/** Main sends event payloads on this channel: (eventName, payload). */
export const EVENT_CHANNEL = `${PREFIX}:events`;

/** Desktop-only: the native folder picker (browser mode downloads instead). */
export const CHOOSE_FOLDER_CHANNEL = `${PREFIX}:desktop:chooseFolder`;

export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(EVENTS, name);
}
