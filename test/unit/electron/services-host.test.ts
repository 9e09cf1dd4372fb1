import { fork } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MemorySecretStore } from '../../../src-main/core/secrets/memory-store';
import { childProcessChannel, createRelay } from '../../../src-main/electron/relay/main-side';
import { tempDir } from '../../helpers/fs';

// The real services-host entry (the utility process's module), forked as a plain Node child:
// the same core the CLI runs, reached only through the relay.
const ENTRY = fileURLToPath(new URL('../../../src-main/electron/services-host.ts', import.meta.url));

describe('the services host entry', () => {
  const dataDir = tempDir('m365lr-host-');
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates the real services in a child process and answers contract operations as data', async () => {
    const child = fork(ENTRY, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const secrets = new MemorySecretStore();
    const relay = createRelay(
      childProcessChannel(child),
      { t: 'init', dataDir, secretStore: { persistent: false, description: 'memory (test)' } },
      { secrets, openExternal: async () => undefined },
    );
    try {
      expect(await relay.ready).toEqual({ ok: true, value: null });
      expect(await relay.dispatch('profiles.list', {})).toEqual({ ok: true, value: [] });
      expect(await relay.dispatch('demo.status', {})).toMatchObject({ ok: true });
      expect(await relay.dispatch('profiles.get', { profile: 'nobody' })).toMatchObject({ ok: false, error: { code: 'profile-not-found' } });
      expect(await relay.dispatch('sync.start', { profile: 42 })).toMatchObject({ ok: false, error: { code: 'bad-input' } });
      // The data folder is the one main named.
      expect(existsSync(join(dataDir, 'logs'))).toBe(true);

      // A secret typed in the app goes through the services to main's store over the private channel, and never comes back.
      const profile = { name: 'contoso', tenantId: 'contoso.onmicrosoft.com', clientId: '00000000-0000-0000-0000-000000000001', cloud: 'global', credential: { kind: 'secret', secretInStore: true } };
      expect(await relay.dispatch('profiles.save', { profile })).toMatchObject({ ok: true });
      const set = await relay.dispatch('credentials.setSecret', { profile: 'contoso', secret: 'never-echoed~secret-value' });
      expect(set).toMatchObject({ ok: true });
      expect(JSON.stringify(set)).not.toContain('never-echoed');
      const keys = await secrets.keys();
      expect(keys.length).toBe(1);
      expect((await secrets.get(keys[0]!))?.toString('utf8')).toContain('never-echoed~secret-value');
      const status = await relay.dispatch('credentials.status', { profile: 'contoso' });
      expect(JSON.stringify(status)).not.toContain('never-echoed');
    } finally {
      await relay.close(2000);
    }
    expect(relay.alive()).toBe(false);
  });
});
