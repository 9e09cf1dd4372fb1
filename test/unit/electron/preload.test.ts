import { describe, expect, it, vi } from 'vitest';
import { OP_NAMES } from '../../../src-main/shared/contract';
import { EVENT_CHANNEL, opChannel } from '../../../src-main/electron/channels';

// The sandboxed preload sees only contextBridge and ipcRenderer; both are recorded here.
const electron = vi.hoisted(() => ({
  exposed: [] as Array<[string, unknown]>,
  invoked: [] as unknown[][],
  on: [] as string[],
}));
vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => electron.exposed.push([key, value]) },
  ipcRenderer: {
    invoke: async (...args: unknown[]) => {
      electron.invoked.push(args);
      return { ok: true, value: null };
    },
    on: (channel: string) => electron.on.push(channel),
    send: () => {
      throw new Error('the preload never uses send');
    },
  },
}));

describe('the preload entry', () => {
  it('exposes exactly one object, the contract API, under window.reconciler', async () => {
    await import('../../../src-main/preload/index');
    expect(electron.exposed).toHaveLength(1);
    const [key, api] = electron.exposed[0]!;
    expect(key).toBe('reconciler');
    expect(Object.keys(api as object).sort()).toEqual([...OP_NAMES, 'desktop', 'subscribe'].sort());
    expect(electron.on).toEqual([EVENT_CHANNEL]);
    await (api as Record<string, (a?: unknown) => Promise<unknown>>)['sync.status']!({ jobId: 'j' });
    await (api as Record<string, (a?: unknown) => Promise<unknown>>)['profiles.list']!();
    expect(electron.invoked).toEqual([
      [opChannel('sync.status'), { jobId: 'j' }],
      [opChannel('profiles.list'), {}],
    ]);
  });
});
