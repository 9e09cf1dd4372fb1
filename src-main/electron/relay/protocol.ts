import { z } from 'zod';
import { errorDtoSchema } from '../../shared/errors';

/**
 * Messages between the main process and the services host (an Electron utility
 * process; a forked Node child in tests). Both sides parse what they receive.
 *
 * main -> host: `init` (once), `call` (a contract operation), `private-reply`, `shutdown`.
 * host -> main: `ready`, `fatal`, `result`, `event`, and `private` requests: the services'
 * only way to reach what exists in main alone (safeStorage, the system browser). The
 * private requests travel on the utility process's own port, never on an ipcMain channel,
 * so no renderer can send or receive them.
 */

const resultSchema = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: errorDtoSchema }),
]);

const id = z.number().int().nonnegative();

export const initMessageSchema = z.object({
  t: z.literal('init'),
  dataDir: z.string().min(1),
  /** What the secret store in main is, so the services can say where secrets live. */
  secretStore: z.object({ persistent: z.boolean(), description: z.string() }),
  /** Unpackaged runs only: the Electron build of better-sqlite3 (out/electron-native), as node_modules holds Node's. */
  sqliteNativeBinding: z.string().min(1).optional(),
});

export const mainToHostSchema = z.discriminatedUnion('t', [
  initMessageSchema,
  z.object({ t: z.literal('call'), id, op: z.string().max(128), args: z.unknown() }),
  z.object({ t: z.literal('private-reply'), id, result: resultSchema }),
  z.object({ t: z.literal('shutdown') }),
]);
export type MainToHost = z.infer<typeof mainToHostSchema>;
export type InitMessage = z.infer<typeof initMessageSchema>;

/** What the services may ask of main, and nothing else. Values travel as base64. */
export const privateRequestSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('secret.get'), key: z.string().min(1).max(256) }),
  z.object({ kind: z.literal('secret.set'), key: z.string().min(1).max(256), value: z.base64().max(8 * 1024 * 1024) }),
  z.object({ kind: z.literal('secret.delete'), key: z.string().min(1).max(256) }),
  z.object({ kind: z.literal('secret.keys') }),
  z.object({ kind: z.literal('open-external'), url: z.string().min(1).max(8192) }),
]);
export type PrivateRequest = z.infer<typeof privateRequestSchema>;

export const hostToMainSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('ready') }),
  z.object({ t: z.literal('fatal'), error: errorDtoSchema }),
  z.object({ t: z.literal('result'), id, result: resultSchema }),
  z.object({ t: z.literal('event'), event: z.string().max(128), payload: z.unknown() }),
  z.object({ t: z.literal('private'), id, request: privateRequestSchema }),
]);
export type HostToMain = z.infer<typeof hostToMainSchema>;
