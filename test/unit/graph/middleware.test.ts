import { describe, expect, it } from 'vitest';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { BearerAuth, ReadOnlyGuard, RequestState } from '../../../src-main/core/graph/middleware';
import { OperatorError } from '../../../src-main/core/errors/operator-error';

const GRAPH = 'https://graph.microsoft.com';

class Recorder implements Middleware {
  seen: Array<{ url: string; headers: Record<string, string> }> = [];
  execute(context: Context): Promise<void> {
    this.seen.push({ url: String(context.request), headers: { ...(context.options?.headers as Record<string, string>) } });
    context.response = new Response('{}', { status: 200 });
    return Promise.resolve();
  }
}

function ctx(url: string, method = 'GET', headers: Record<string, string> = {}): { context: Context; state: RequestState } {
  const state = new RequestState(undefined);
  const context = {
    request: url,
    options: { method, headers },
    middlewareControl: { getMiddlewareOptions: () => state, setMiddlewareOptions: () => undefined },
  } as unknown as Context;
  return { context, state };
}

describe('ReadOnlyGuard', () => {
  it.each(['POST', 'PATCH', 'PUT', 'DELETE', 'post', 'MERGE', 'OPTIONS'])('refuses %s before anything is sent', async (method) => {
    const rec = new Recorder();
    const guard = new ReadOnlyGuard();
    guard.setNext(rec);
    const { context, state } = ctx(`${GRAPH}/v1.0/users`, method);
    await expect(guard.execute(context)).rejects.toMatchObject({ code: 'internal', message: `read-only: refused ${method.toUpperCase()}` });
    expect(rec.seen).toHaveLength(0);
    expect(state.error?.code).toBe('internal');
  });
  it.each([`${GRAPH}/v1.0/$batch`, `${GRAPH}/v1.0/$batch?x=1`, `${GRAPH}/beta/$BATCH`])('refuses JSON batching: %s', async (url) => {
    const rec = new Recorder();
    const guard = new ReadOnlyGuard();
    guard.setNext(rec);
    await expect(guard.execute(ctx(url).context)).rejects.toMatchObject({ code: 'internal' });
    expect(rec.seen).toHaveLength(0);
  });
  it('lets GET through', async () => {
    const rec = new Recorder();
    const guard = new ReadOnlyGuard();
    guard.setNext(rec);
    await guard.execute(ctx(`${GRAPH}/v1.0/users`).context);
    expect(rec.seen).toHaveLength(1);
  });
});

describe('BearerAuth', () => {
  const TOKEN = 'eyJ0eXAiOiJKV1QifQ.eyJ0aWQiOiJ4In0.sig';
  function make() {
    const calls: Array<{ forceRefresh?: boolean }> = [];
    const auth = new BearerAuth(GRAPH, (o) => {
      calls.push({ forceRefresh: o.forceRefresh });
      return Promise.resolve({ accessToken: TOKEN, expiresOn: new Date(Date.now() + 3600_000) });
    });
    const rec = new Recorder();
    auth.setNext(rec);
    return { auth, rec, calls };
  }

  it('adds the token on the Graph origin and removes it from the shared options afterwards', async () => {
    const { auth, rec } = make();
    const { context } = ctx(`${GRAPH}/v1.0/users`);
    await auth.execute(context);
    expect(rec.seen[0]?.headers.Authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.stringify(context.options)).not.toContain(TOKEN);
  });

  it.each([
    'https://evil.example/v1.0/users',
    'https://graph.microsoft.com.evil.com/v1.0/users',
    'https://graph.microsoft.com@evil.com/v1.0/users',
    'http://graph.microsoft.com/v1.0/users',
    'https://graph.microsoft.com:444/v1.0/users',
  ])('refuses %s without asking for a token', async (url) => {
    const { auth, rec, calls } = make();
    const err = await auth.execute(ctx(url).context).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OperatorError);
    expect((err as OperatorError).code).toBe('host-refused');
    expect(calls).toHaveLength(0);
    expect(rec.seen).toHaveLength(0);
  });

  it('refuses a caller-supplied Authorization header', async () => {
    const { auth, rec } = make();
    await expect(auth.execute(ctx(`${GRAPH}/v1.0/users`, 'GET', { authorization: 'Bearer other' }).context)).rejects.toMatchObject({ code: 'internal' });
    expect(rec.seen).toHaveLength(0);
  });

  it('forces one refresh after a 401 and retries once', async () => {
    const calls: Array<boolean | undefined> = [];
    const auth = new BearerAuth(GRAPH, (o) => (calls.push(o.forceRefresh), Promise.resolve({ accessToken: TOKEN, expiresOn: new Date() })));
    let n = 0;
    auth.setNext({
      execute(context: Context) {
        n++;
        context.response = new Response('{}', { status: 401 });
        return Promise.resolve();
      },
    });
    const { context } = ctx(`${GRAPH}/v1.0/users`);
    await auth.execute(context);
    expect(n).toBe(2);
    expect(calls).toEqual([false, true]);
    expect(context.response?.status).toBe(401);
  });
});

describe('BearerAuth after a transport failure', () => {
  it('restores the caller headers so a retry can run', async () => {
    const auth = new BearerAuth(GRAPH, () => Promise.resolve({ accessToken: 'tok.en.x', expiresOn: new Date() }));
    let n = 0;
    auth.setNext({
      execute(context: Context) {
        n++;
        if (n === 1) return Promise.reject(new OperatorError('network', 'reset', { hint: '' }));
        context.response = new Response('{}', { status: 200 });
        return Promise.resolve();
      },
    });
    const { context } = ctx(`${GRAPH}/v1.0/users`);
    await expect(auth.execute(context)).rejects.toMatchObject({ code: 'network' });
    expect(JSON.stringify(context.options)).not.toContain('tok.en.x');
    await auth.execute(context);
    expect(context.response?.status).toBe(200);
  });
});
