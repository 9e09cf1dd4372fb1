import type { EventName, OpName } from '../../../src-main/shared/contract';
import type { Result } from '../../../src-main/shared/errors';
import type { Platform, Transport } from './transport';

/**
 * Browser mode: the contract over HTTP on 127.0.0.1. The session token arrives in the URL
 * fragment (#token=...), which the browser never sends to a server; it is moved out of the
 * address bar at once and sent back in a header on every request. Events come on one
 * Server-Sent Events stream per page, read with fetch so that it carries the header too.
 */
const TOKEN_HEADER = 'x-session-token';
const TOKEN_KEY = 'm365lr.session-token';

function takeToken(): string {
  const m = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (m?.[1]) {
    sessionStorage.setItem(TOKEN_KEY, m[1]);
    history.replaceState(null, '', location.pathname);
    return m[1];
  }
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

const failure = (message: string, hint: string): Result<never> => ({ ok: false, error: { code: 'network', message, hint, remedy: { action: 'retry-later' } } });

export function createWebTransport(): Transport {
  const token = takeToken();
  const headers = { [TOKEN_HEADER]: token, 'content-type': 'application/json' };
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let streaming = false;

  async function stream(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await fetch('/events', { headers: { [TOKEN_HEADER]: token }, cache: 'no-store' });
        if (!res.ok || !res.body) throw new Error(String(res.status));
        attempt = 0;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buf += value;
          let end: number;
          while ((end = buf.indexOf('\n\n')) !== -1) {
            deliver(buf.slice(0, end));
            buf = buf.slice(end + 2);
          }
        }
      } catch {
        // The server stopped or the network blinked: retry with a growing pause.
      }
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)));
    }
  }

  function deliver(block: string): void {
    let event = '';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (!event || !data) return;
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    for (const l of [...(listeners.get(event) ?? [])]) l(payload);
  }

  return {
    async call(op: OpName, args: unknown): Promise<Result<unknown>> {
      let res: Response;
      try {
        res = await fetch(`/api/${op}`, { method: 'POST', headers, body: JSON.stringify(args ?? {}), cache: 'no-store' });
      } catch {
        return failure('The app process does not answer.', 'Check that the browser-mode process still runs (npm run web), then reload the page.');
      }
      if (res.status === 401) return failure('This page is not signed in to the app process.', 'Open the address the app printed when it started; it carries the session key.');
      if (!res.ok) return failure(`The app process refused the request (${res.status}).`, 'Reload the page from the address the app printed.');
      return (await res.json()) as Result<unknown>;
    },
    subscribe(event: EventName, listener: (payload: unknown) => void): () => void {
      if (!streaming) {
        streaming = true;
        void stream();
      }
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const entry = (p: unknown): void => listener(p);
      set.add(entry);
      return () => {
        set.delete(entry);
      };
    },
    async platform(): Promise<Platform> {
      const res = await fetch('/session', { headers: { [TOKEN_HEADER]: token }, cache: 'no-store' });
      if (!res.ok) throw new Error('This page is not signed in to the app process. Open the address the app printed when it started.');
      const s = (await res.json()) as { secretsPersistent: boolean; secretStore: string; exportsDir: string };
      return { kind: 'browser', secretsPersistent: s.secretsPersistent, secretStore: s.secretStore, exportsDir: s.exportsDir };
    },
    async readExport(path: string): Promise<Blob> {
      const res = await fetch('/download', { method: 'POST', headers, body: JSON.stringify({ path }), cache: 'no-store' });
      if (!res.ok) throw new Error(`The file could not be downloaded (${res.status}).`);
      return res.blob();
    },
  };
}
