import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProfileStore } from '../../../src-main/core/profile/store';
import { profileSchema, type Profile } from '../../../src-main/core/profile/schema';
import { cloudEndpoints } from '../../../src-main/core/clouds/clouds';
import { defaultDataDir } from '../../../src-main/core/paths';
import { tempDir } from '../../helpers/fs';

const base: Profile = {
  name: 'contoso',
  tenantId: 'contoso.onmicrosoft.com',
  clientId: '11111111-2222-3333-4444-555555555555',
  cloud: 'global',
  credential: { kind: 'secret', secretEnv: 'M365LR_CLIENT_SECRET' },
};

describe('profile schema', () => {
  it('accepts a secret profile and a certificate profile', () => {
    expect(profileSchema.safeParse(base).success).toBe(true);
    expect(profileSchema.safeParse({ ...base, credential: { kind: 'certificate', certificatePath: 'a.pem', privateKeyPath: 'k.pem' } }).success).toBe(true);
  });
  it.each([
    ['bad tenant', { ...base, tenantId: 'not a tenant' }, 'tenantId'],
    ['bad client id', { ...base, clientId: 'abc' }, 'clientId'],
    ['custom cloud without endpoints', { ...base, cloud: 'custom' }, 'customEndpoints'],
    ['http endpoints', { ...base, cloud: 'custom', customEndpoints: { loginUrl: 'http://x.test', graphUrl: 'https://g.test' } }, 'customEndpoints'],
    ['both secret sources', { ...base, credential: { kind: 'secret', secretEnv: 'A', secretFile: 'b' } }, 'credential'],
    ['no secret source', { ...base, credential: { kind: 'secret' } }, 'credential'],
    ['name with slash', { ...base, name: '../x' }, 'name'],
  ])('rejects %s', (_label, value, path) => {
    const r = profileSchema.safeParse(value);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.')).join(' ')).toContain(path);
  });
});

describe('clouds', () => {
  it.each([
    ['global', 'https://login.microsoftonline.com', 'https://graph.microsoft.com'],
    ['gcch', 'https://login.microsoftonline.us', 'https://graph.microsoft.us'],
    ['dod', 'https://login.microsoftonline.us', 'https://dod-graph.microsoft.us'],
    ['china', 'https://login.chinacloudapi.cn', 'https://microsoftgraph.chinacloudapi.cn'],
  ] as const)('%s uses its real hosts', (cloud, login, graph) => {
    expect(cloudEndpoints(cloud)).toMatchObject({ loginUrl: login, graphUrl: graph });
  });
});

describe('ProfileStore', () => {
  it('round-trips, replaces by name and removes', async () => {
    const store = new ProfileStore(join(tempDir(), 'profiles.json'));
    expect(await store.list()).toEqual([]);
    await store.upsert(base);
    await store.upsert({ ...base, name: 'fabrikam' });
    await store.upsert({ ...base, cloud: 'gcch' });
    expect((await store.list()).map((p) => `${p.name}:${p.cloud}`)).toEqual(['contoso:gcch', 'fabrikam:global']);
    expect(await store.remove('fabrikam')).toBe(true);
    expect(await store.remove('fabrikam')).toBe(false);
    await expect(store.get('fabrikam')).rejects.toMatchObject({ code: 'profile-not-found' });
  });

  it('reports a damaged file and never overwrites it', async () => {
    const path = join(tempDir(), 'profiles.json');
    writeFileSync(path, '{"version":1,"profiles":[{"name":"x"}]}');
    const store = new ProfileStore(path);
    await expect(store.upsert(base)).rejects.toMatchObject({ code: 'bad-input' });
    expect(readFileSync(path, 'utf8')).toBe('{"version":1,"profiles":[{"name":"x"}]}');
  });
});

describe('data folder', () => {
  it('follows the platform convention and the override', () => {
    expect(defaultDataDir({ M365LR_DATA_DIR: '/x' }, 'linux')).toBe('/x');
    expect(defaultDataDir({ XDG_DATA_HOME: '/xdg' }, 'linux')).toBe('/xdg/m365-license-reconciler');
    expect(defaultDataDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32')).toMatch(/Roaming.m365-license-reconciler$/);
  });
});
