import { describe, expect, it } from 'vitest';
import { DATASET_IDS, grants, grantsDelegated, missingApplicationPermission, missingDelegatedScope } from '../../../src-main/core/permissions/matrix';
import { datasetForPath, permissionForPath } from '../../../src-main/core/graph/permission-for-path';
import { datasetPaths } from '../../../src-main/core/sync/engine';

describe('permission matrix', () => {
  it.each<[string[], string | undefined]>([
    [['AuditLog.Read.All', 'User.Read.All'], undefined],
    [['AuditLog.Read.All'], 'User.Read.All'], // listing users with signInActivity needs both
    [['User.Read.All'], 'AuditLog.Read.All'],
    [['Directory.Read.All', 'AuditLog.Read.All'], undefined],
    [[], 'AuditLog.Read.All'],
  ])('signInActivity with %j is missing %s', (roles, missing) => {
    expect(missingApplicationPermission('signInActivity', roles)).toBe(missing);
    expect(grants('signInActivity', roles)).toBe(missing === undefined);
  });

  it('delegated sign-ins need both scopes and a reader role', () => {
    expect(missingDelegatedScope('signInActivity', ['AuditLog.Read.All'])).toBe('User.Read.All');
    expect(grantsDelegated('signInActivity', ['AuditLog.Read.All', 'User.Read.All'], ['Reports Reader'])).toBe(true);
    expect(grantsDelegated('signInActivity', ['AuditLog.Read.All', 'User.Read.All'], [])).toBe(false);
    expect(grantsDelegated('report.activeUserDetail', ['Reports.Read.All'], ['Global Reader'])).toBe(false);
    expect(grantsDelegated('users', ['User.Read.All'], [])).toBe(true);
  });

  it('every path the sync requests maps back to its own dataset and permission', () => {
    const paths = datasetPaths('D30');
    for (const id of DATASET_IDS) {
      expect(datasetForPath(paths[id]), paths[id]).toBe(id);
      expect(permissionForPath(`https://graph.microsoft.com/v1.0${paths[id]}`).permission).toBeTruthy();
    }
  });
});
