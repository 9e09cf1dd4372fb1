import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Result } from '../../../src-main/shared/errors';
import { MemorySecretStore } from '../../../src-main/core/secrets/memory-store';
import { childProcessChannel, createRelay, createSupervisedRelay, type PrivateHandlers, type Relay } from '../../../src-main/electron/relay/main-side';
import type { InitMessage } from '../../../src-main/electron/relay/protocol';
import { registerContractIpc } from '../../../src-main/electron/ipc';
import { SUBSCRIBE_CHANNEL, UNSUBSCRIBE_CHANNEL, opChannel } from '../../../src-main/electron/channels';
import { OP_NAMES } from '../../../src-main/shared/contract';

// The relay's sender-independent parts never touch Electron; ipc.ts imports security.ts, which does.
vi.mock('electron', () => ({}));

const FIXTURE = fileURLToPath(new URL('./fixtures/services-host.fixture.ts', import.meta.url));
const children: ChildProcess[] = [];

/** A forked Node child running the real host loop over a fake dispatch: the stand-in for the utility process. */
function spawnHost(): ChildProcess {
  const child = fork(FIXTURE, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  return child;
}

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function init(dataDir = '/data', secretStore = { persistent: true, description: 'safeStorage (gnome_libsecret) file /x/secrets.json' }): InitMessage {
  return { t: 'init', dataDir, secretStore };
}

function start(opts: { dataDir?: string; handlers?: Partial<PrivateHandlers> } = {}): { relay: Relay; child: ChildProcess; secrets: MemorySecretStore; opened: string[] } {
  const secrets = new MemorySecretStore();
  const opened: string[] = [];
  const child = spawnHost();
  const relay = createRelay(childProcessChannel(child), init(opts.dataDir), {
    secrets,
    openExternal: async (url) => void opened.push(url),
    ...opts.handlers,
  });
  return { relay, child, secrets, opened };
}

const ok = <T>(r: Result<unknown>): T => {
  if (!r.ok) throw new Error(`expected ok, got ${JSON.stringify(r.error)}`);
  return r.value as T;
};

describe('the relay to the services host (a forked child standing in for the utility process)', () => {
  it('starts the host and correlates concurrent answers with their requests', async () => {
    const { relay } = start();
    expect(await relay.ready).toEqual({ ok: true, value: null });
    // Answers arrive out of order (the slow one last); each call still gets its own.
    const delays = [120, 5, 60, 0, 30];
    const results = await Promise.all(delays.map((delayMs, i) => relay.dispatch('demo.status', { delayMs, i })));
    results.forEach((r, i) => expect(ok<{ op: string; args: { i: number } }>(r)).toMatchObject({ op: 'demo.status', args: { i, delayMs: delays[i] } }));
    await relay.close();
  });

  it('relays events to subscribers, in order, before the result of the call that emitted them', async () => {
    const { relay } = start();
    const seen: unknown[] = [];
    const other = vi.fn();
    relay.subscribe('sync.progress', (p) => void seen.push(p));
    relay.subscribe('sync.finished', other);
    const r = await relay.dispatch('sync.start', { profile: 'contoso' });
    expect(ok(r)).toEqual({ jobId: 'job-1' });
    expect(seen).toEqual([1, 2, 3].map((n) => ({ jobId: 'job-1', n })));
    expect(other).not.toHaveBeenCalled();
    await relay.close();
  });

  it('returns errors as data, and ignores messages outside the protocol', async () => {
    const { relay } = start();
    expect(await relay.dispatch('verify.run', { profile: 'contoso' })).toEqual({
      ok: false,
      error: { code: 'consent-missing', message: 'Admin consent has not been granted.', hint: 'Ask a Privileged Role Administrator to grant admin consent.' },
    });
    expect(ok(await relay.dispatch('test.garbage', {}))).toBe('after garbage');
    expect(await relay.dispatch('test.malformed', {})).toMatchObject({ ok: false, error: { code: 'internal', remedy: { action: 'report-bug' } } });
    expect(relay.alive()).toBe(true);
    await relay.close();
  });

  it('reports a crashed host as an error with a remedy, to the running call and every later one, without hanging', async () => {
    const { relay } = start();
    await relay.ready;
    const exited = new Promise<number | null>((r) => relay.onExit(r));
    const t0 = Date.now();
    const r = await relay.dispatch('test.crash', {});
    expect(r).toMatchObject({ ok: false, error: { code: 'internal', remedy: { action: 'retry-later' } } });
    expect(!r.ok && r.error.message).toMatch(/stopped unexpectedly \(exit code 3\)/);
    expect(!r.ok && r.error.hint).toMatch(/previous snapshot is still current/);
    expect(await exited).toBe(3);
    expect(relay.alive()).toBe(false);
    expect(await relay.dispatch('profiles.list', {})).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a host whose services cannot start says why, and calls get that error instead of waiting', async () => {
    const { relay } = start({ dataDir: '/fail' });
    const ready = await relay.ready;
    expect(ready).toMatchObject({ ok: false, error: { code: 'store', message: 'The data folder could not be opened.' } });
    expect(await relay.dispatch('profiles.list', {})).toMatchObject({ ok: false, error: { code: 'store' } });
  });

  it('closing ends pending calls as data, and kills a host that ignores the shutdown', async () => {
    const { relay, child } = start({ dataDir: '/stubborn' });
    await relay.ready;
    const hanging = relay.dispatch('test.hang', {});
    const t0 = Date.now();
    await relay.close(300);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(await hanging).toMatchObject({ ok: false, error: { code: 'cancelled' } });
    expect(child.signalCode).toBe('SIGTERM');
  });

  it('a supervised relay starts a new host on the next call after a crash, and keeps its subscribers', async () => {
    const supervised = createSupervisedRelay(() => start().relay);
    const seen: unknown[] = [];
    supervised.subscribe('sync.progress', (p) => void seen.push(p));
    const first = ok<{ pid: number }>(await supervised.dispatch('demo.status', {}));
    expect(supervised.generation()).toBe(1);
    expect(await supervised.dispatch('test.crash', {})).toMatchObject({ ok: false, error: { remedy: { action: 'retry-later' } } });
    const second = ok<{ pid: number }>(await supervised.dispatch('demo.status', {}));
    expect(supervised.generation()).toBe(2);
    expect(second.pid).not.toBe(first.pid);
    await supervised.dispatch('sync.start', { profile: 'p' });
    expect(seen).toHaveLength(3);
    await supervised.close();
    expect(await supervised.dispatch('demo.status', {})).toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });
});

describe('the private channel to main', () => {
  it('the host\'s secret store forwards to main\'s store: values land there, and come back', async () => {
    const { relay, secrets } = start();
    const v = ok<{ roundTrip: string; missing: boolean; keys: string[]; persistent: boolean; description: string }>(
      await relay.dispatch('credentials.setSecret', { profile: 'contoso', secret: 's3cret~value' }),
    );
    expect(v).toEqual({
      roundTrip: 's3cret~value',
      missing: true,
      keys: ['profile/contoso/client-secret'],
      persistent: true,
      description: 'safeStorage (gnome_libsecret) file /x/secrets.json',
    });
    expect((await secrets.get('profile/contoso/client-secret'))?.toString('utf8')).toBe('s3cret~value');
    await relay.dispatch('credentials.setSecret', { profile: 'contoso', secret: 'other', delete: true });
    expect(await secrets.keys()).toEqual([]);
    await relay.close();
  });

  it('a refusal in main (a locked keychain) reaches the service as an error it can report', async () => {
    const locked = new MemorySecretStore();
    locked.set = async () => {
      const { OperatorError } = await import('../../../src-main/core/errors/operator-error');
      throw new OperatorError('store', 'A secret could not be encrypted with this account\'s keychain (gnome_libsecret); nothing was stored.', { hint: 'Unlock the keychain, then try again.' });
    };
    const { relay } = start({ handlers: { secrets: locked } });
    expect(await relay.dispatch('credentials.setSecret', { profile: 'contoso', secret: 'x' })).toEqual({
      ok: false,
      error: { code: 'store', message: 'A secret could not be encrypted with this account\'s keychain (gnome_libsecret); nothing was stored.', hint: 'Unlock the keychain, then try again.' },
    });
    await relay.close();
  });

  it('the system browser opens through main\'s allow-list only', async () => {
    const { createExternalOpener, defaultExternalHosts } = await import('../../../src-main/electron/security');
    const opened: string[] = [];
    const gate = createExternalOpener(defaultExternalHosts(), async (u) => void opened.push(u));
    const { relay } = start({ handlers: { openExternal: gate } });
    expect(ok(await relay.dispatch('auth.signIn', { url: 'https://login.microsoftonline.com/contoso/oauth2/v2.0/authorize?x=1' }))).toEqual({ opened: true });
    expect(await relay.dispatch('auth.signIn', { url: 'https://login.microsoftonline.com@evil.example/' })).toMatchObject({ ok: false, error: { code: 'host-refused' } });
    expect(await relay.dispatch('auth.signIn', { url: 'file:///etc/passwd' })).toMatchObject({ ok: false, error: { code: 'host-refused' } });
    expect(opened).toEqual(['https://login.microsoftonline.com/contoso/oauth2/v2.0/authorize?x=1']);
    await relay.close();
  });

  it('is not an IPC channel: the window-facing channels are the contract\'s operations and the two event channels only', () => {
    const handled: string[] = [];
    const ipc = registerContractIpc({
      ipcMain: { handle: (c) => void handled.push(c), removeHandler: () => undefined },
      dispatch: async () => ({ ok: true, value: null }),
      subscribe: () => () => undefined,
    });
    expect(handled).toEqual([...ipc.channels]);
    expect(handled).toEqual([...OP_NAMES.map(opChannel), SUBSCRIBE_CHANNEL, UNSUBSCRIBE_CHANNEL]);
    // None of them carries the private requests: those have no channel name at all, only the host's port.
    for (const kind of ['secret.get', 'secret.set', 'secret.delete', 'secret.keys', 'open-external', 'private']) expect(handled.some((c) => c.endsWith(kind))).toBe(false);
  });
});

describe('the host port', () => {
  it('uses Electron\'s parentPort in a utility process (messages arrive as events with data)', async () => {
    const { processHostPort } = await import('../../../src-main/electron/relay/host-side');
    const posted: unknown[] = [];
    let deliver: (e: { data: unknown }) => void = () => undefined;
    const fakeProcess = {
      parentPort: { postMessage: (m: unknown) => void posted.push(m), on: (_e: 'message', l: (e: { data: unknown }) => void) => void (deliver = l) },
    } as unknown as NodeJS.Process;
    const port = processHostPort(fakeProcess);
    const got: unknown[] = [];
    port.onMessage((m) => void got.push(m));
    deliver({ data: { t: 'shutdown' } });
    port.post({ t: 'ready' });
    expect(got).toEqual([{ t: 'shutdown' }]);
    expect(posted).toEqual([{ t: 'ready' }]);
    expect(() => processHostPort({} as NodeJS.Process)).toThrow(/utility process or a forked child/);
  });
});
