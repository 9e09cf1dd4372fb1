import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { EVENTS, type EventName, type SubscribeFn } from '../shared/contract';
import type { Dispatch } from '../core/services/dispatch';
import {
  MAX_BODY_BYTES,
  SECURITY_HEADERS,
  apiBodySchema,
  bodyLengthAllowed,
  contentTypeFor,
  decide,
  downloadAllowed,
  downloadBodySchema,
  newSessionToken,
  parseJsonBody,
  staticFileFor,
} from './security';

/**
 * Browser mode's HTTP bridge: the built renderer and the same contract the desktop app
 * speaks over IPC, from one Node process holding the services. Every request is decided by
 * security.ts first; this file only carries out the decision.
 *
 * - POST /api/<op>  JSON args -> the dispatcher's Result as JSON (the routes come from OP_NAMES).
 * - GET /events     one Server-Sent Events stream per page: every contract event, by name.
 * - GET /session    what the page needs to know about this process (memory-only secrets, export folder).
 * - POST /download  a file an export of this process wrote, by its path.
 */

/** What /session returns: the renderer's transport reads it once. */
export const sessionInfoSchema = z.object({
  mode: z.literal('browser'),
  /** Secrets typed here live in this process's memory only. */
  secretsPersistent: z.boolean(),
  secretStore: z.string(),
  /** Where exports.write puts the files served back through /download. */
  exportsDir: z.string(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

export interface WebServerOptions {
  dispatch: Dispatch;
  subscribe: SubscribeFn;
  /** The built renderer (out/renderer). */
  staticDir: string;
  session: Omit<SessionInfo, 'mode'>;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Fixed token (tests); a random one otherwise. */
  token?: string;
  bodyCap?: number;
}

export interface WebServer {
  readonly port: number;
  readonly token: string;
  /** The URL to open, the token in its fragment. */
  readonly url: string;
  close(): Promise<void>;
}

async function listFiles(dir: string): Promise<Set<string>> {
  const out = new Set<string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath, e.name);
    out.add(relative(dir, full).split(sep).join('/'));
  }
  return out;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/** Reads the body up to the cap; past it, the request is answered 413 and the rest is not read. */
function readBody(req: IncomingMessage, cap: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > cap) {
        resolve('too-large');
        req.pause();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const token = opts.token ?? newSessionToken();
  const cap = opts.bodyCap ?? MAX_BODY_BYTES;
  const files = await listFiles(opts.staticDir);
  const written = new Set<string>();
  const streams = new Set<ServerResponse>();
  let port = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const decision = decide({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers }, { port, token });
    if (!decision.ok) {
      send(res, decision.status, 'text/plain; charset=utf-8', decision.reason);
      req.resume();
      return;
    }
    const route = decision.route;
    if (route.kind === 'static') {
      const file = staticFileFor(route.path, files);
      if (!file) return send(res, 404, 'text/plain; charset=utf-8', 'not found');
      const body = await readFile(join(opts.staticDir, file));
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': contentTypeFor(file), 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    if (route.kind === 'session') return sendJson(res, 200, { mode: 'browser', ...opts.session } satisfies SessionInfo);
    if (route.kind === 'events') return openEventStream(res);

    if (!bodyLengthAllowed(req.headers['content-length'], cap)) {
      req.resume();
      return send(res, 413, 'text/plain; charset=utf-8', 'body too large');
    }
    const raw = await readBody(req, cap);
    if (raw === 'too-large') return send(res, 413, 'text/plain; charset=utf-8', 'body too large');

    if (route.kind === 'download') {
      const body = parseJsonBody(raw, downloadBodySchema, cap);
      if (!body.ok) return send(res, 400, 'text/plain; charset=utf-8', body.reason);
      if (!downloadAllowed(body.value.path, written)) return send(res, 404, 'text/plain; charset=utf-8', 'not an export of this session');
      res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'application/octet-stream' });
      createReadStream(body.value.path).pipe(res);
      return;
    }
    const body = parseJsonBody(raw, apiBodySchema, cap);
    if (!body.ok) return send(res, 400, 'text/plain; charset=utf-8', body.reason);
    const result = await opts.dispatch(route.op, body.value);
    if (route.op === 'exports.write' && result.ok) {
      for (const f of (result.value as { files: string[] }).files) written.add(f);
    }
    sendJson(res, 200, result);
  };

  const openEventStream = (res: ServerResponse): void => {
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    res.write(': connected\n\n');
    const offs = (Object.keys(EVENTS) as EventName[]).map((name) =>
      opts.subscribe(name, (payload) => {
        res.write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
      }),
    );
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    streams.add(res);
    res.on('close', () => {
      clearInterval(keepAlive);
      for (const off of offs) off();
      streams.delete(res);
    });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/#token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of streams) s.end();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
