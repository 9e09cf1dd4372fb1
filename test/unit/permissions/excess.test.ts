import { describe, expect, it } from 'vitest';
import { detectExcess, excessWarning, isWritePermission } from '../../../src-main/core/permissions/excess';
import { requiredApplicationPermissions, requiredDelegatedScopes } from '../../../src-main/core/permissions/matrix';

describe('isWritePermission', () => {
  it.each([
    ['Directory.ReadWrite.All', true],
    ['User.ReadWrite.All', true],
    ['Directory.AccessAsUser.All', true],
    ['RoleManagement.ReadWrite.Directory', true],
    ['RoleManagement.Read.Directory', false],
    ['Mail.Send', true],
    ['Group.Create', true],
    ['User.Export.All', true],
    ['Bookings.Manage.All', true],
    ['Files.ReadWrite.AppFolder', true],
    ['Directory.Write.Restricted', true],
    ['DeviceManagementManagedDevices.PrivilegedOperations.All', true],
    ['EWS.AccessAsUser.All', true],
    ['Directory.Read.All', false],
    ['ManagedTenants.Read.All', false],
    ['DeviceManagementApps.Read.All', false],
    ['Reports.Read.All', false],
    ['Sites.Selected', false],
    ['', false],
  ])('%s -> %s', (p, write) => {
    expect(isWritePermission(p)).toBe(write);
  });
});

describe('detectExcess', () => {
  const reader = requiredApplicationPermissions();
  it.each<[string, { roles: string[]; scopes: string[] }, Array<[string, 'write' | 'broad-read']>]>([
    ['least privilege', { roles: reader, scopes: [] }, []],
    ['over-granted Directory.ReadWrite.All', { roles: [...reader, 'Directory.ReadWrite.All'], scopes: [] }, [['Directory.ReadWrite.All', 'write']]],
    ['broad read', { roles: [...reader, 'Directory.Read.All'], scopes: [] }, [['Directory.Read.All', 'broad-read']]],
    [
      'write sorted before read',
      { roles: ['Directory.Read.All', 'User.ReadWrite.All', 'RoleManagement.ReadWrite.Directory'], scopes: [] },
      [
        ['RoleManagement.ReadWrite.Directory', 'write'],
        ['User.ReadWrite.All', 'write'],
        ['Directory.Read.All', 'broad-read'],
      ],
    ],
    ['delegated least privilege with sign-in scopes', { roles: [], scopes: [...requiredDelegatedScopes(), 'openid', 'profile', 'email', 'offline_access', 'User.Read'] }, []],
    ['delegated AccessAsUser', { roles: [], scopes: ['User.Read.All', 'Directory.AccessAsUser.All'] }, [['Directory.AccessAsUser.All', 'write']]],
    ['duplicates and blanks', { roles: ['Mail.Send', 'Mail.Send', '  ', ''], scopes: ['Mail.Send'] }, [['Mail.Send', 'write']]],
  ])('%s', (_name, granted, expected) => {
    const out = detectExcess(granted);
    expect(out.map((e) => [e.permission, e.risk])).toEqual(expected);
    for (const e of out) {
      expect(e.advice).toContain(`Remove ${e.permission}`);
      expect(e.advice).toMatch(/Privileged Role Administrator or Global Administrator/);
    }
  });

  it('warning line for a sync summary only when something is excess', () => {
    expect(excessWarning({ roles: requiredApplicationPermissions(), scopes: [] })).toBeUndefined();
    const w = excessWarning({ roles: [...requiredApplicationPermissions(), 'Directory.ReadWrite.All'], scopes: [] });
    expect(w).toMatch(/Excess privilege: .*Directory\.ReadWrite\.All \(write\)/);
    expect(w).toMatch(/only reads/);
  });
});
