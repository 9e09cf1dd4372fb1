// The session's page chain: the next page is requested once the current page's head names its
// nextLink, before the rest of that body has arrived ("Paging Microsoft Graph data in your app",
// learn.microsoft.com/graph/paging: annotations precede `value`); the full parse decides.
import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import type { Network } from '../../../src-main/core/net/network';
import { sessionOver } from '../../helpers/fake-network';

const GRAPH = 'https://graph.microsoft.com/v1.0';

interface Seen {
  url: string;
  signal: AbortSignal | undefined;
}

/** A Network whose answers the test writes, chunk by chunk; every request is recorded. */
function network(respond: (url: string, n: number) => Response): { net: Network; seen: Seen[] } {
  const seen: Seen[] = [];
  const dispatcher = new Agent();
  const fetch = (async (input: string | URL, init?: { signal?: AbortSignal }) => {
    seen.push({ url: String(input), signal: init?.signal ?? undefined });
    return respond(String(input), seen.length - 1);
  }) as unknown as Network['fetch'];
  return { net: { dispatcher, fetch, proxy: {}, close: () => dispatcher.close() }, seen };
}

const json = (body: ReadableStream<Uint8Array> | string) => new Response(body, { status: 200, headers: { 'content-type': 'application/json; charset=utf-8' } });
const enc = (s: string) => new TextEncoder().encode(s);

async function collect(it: AsyncIterable<{ value: unknown[] }>): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const p of it) out.push(...p.value);
  return out;
}

describe('page chain', () => {
  it('requests page 2 while page 1 is still arriving', async () => {
    const events: string[] = [];
    let releaseRest: () => void = () => undefined;
    const rest = new Promise<void>((r) => {
      releaseRest = r;
      // Without an early request the test still ends, and fails on the order below.
      setTimeout(r, 2000).unref();
    });
    const { net, seen } = network((url, n) => {
      if (n === 0) {
        return json(new ReadableStream<Uint8Array>({
          async start(c) {
            c.enqueue(enc(`{"@odata.context":"x","@odata.nextLink":"${GRAPH}/users?$skiptoken=2","value":[`));
            await rest;
            events.push('page 1 complete');
            c.enqueue(enc('{"id":"a"},{"id":"b"}]}'));
            c.close();
          },
        }));
      }
      events.push(`request ${n + 1}`);
      releaseRest();
      return json(n === 1 ? `{"@odata.nextLink":"${GRAPH}/users?$skiptoken=3","value":[{"id":"c"}]}` : '{"value":[{"id":"d"}]}');
    });
    const session = sessionOver(net);
    expect(await collect(session.pages('/users?$top=2'))).toEqual([{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd' }]);
    expect(events.slice(0, 2)).toEqual(['request 2', 'page 1 complete']);
    expect(seen.map((s) => s.url)).toEqual([`${GRAPH}/users?$top=2`, `${GRAPH}/users?$skiptoken=2`, `${GRAPH}/users?$skiptoken=3`]);
    await session.close();
  });

  it('drops a request started from a head the parsed page does not confirm, and follows the parsed link', async () => {
    // A duplicated name: the head reads the first, JSON.parse keeps the last.
    const { net, seen } = network((url, n) =>
      n === 0
        ? json(`{"@odata.nextLink":"${GRAPH}/users?$skiptoken=head","@odata.nextLink":"${GRAPH}/users?$skiptoken=parsed","value":[{"id":"a"}]}`)
        : json(url.endsWith('parsed') ? '{"value":[{"id":"p"}]}' : '{"value":[{"id":"h"}]}'),
    );
    const session = sessionOver(net);
    expect(await collect(session.pages('/users'))).toEqual([{ id: 'a' }, { id: 'p' }]);
    const early = seen.find((s) => s.url.endsWith('head'));
    expect(early?.signal?.aborted).toBe(true);
    expect(seen.filter((s) => s.url.endsWith('parsed'))).toHaveLength(1);
    await session.close();
  });

  it('never sends a request to a foreign host named in a head', async () => {
    const { net, seen } = network(() => json('{"@odata.nextLink":"https://graph.evil.example/v1.0/users?$skiptoken=2","value":[{"id":"a"}]}'));
    const session = sessionOver(net);
    await expect(collect(session.pages('/users'))).rejects.toMatchObject({ code: 'host-refused' });
    expect(seen.map((s) => new URL(s.url).host)).toEqual(['graph.microsoft.com']);
    await session.close();
  });

  it('aborts the request started ahead when the consumer stops', async () => {
    const { net, seen } = network((url, n) => json(`{"@odata.nextLink":"${GRAPH}/users?$skiptoken=${n + 2}","value":[{"id":"${n}"}]}`));
    const session = sessionOver(net);
    for await (const p of session.pages('/users')) {
      expect(p.value).toEqual([{ id: '0' }]);
      break;
    }
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(seen.slice(1).every((s) => s.signal?.aborted)).toBe(true);
    await session.close();
  });
});
