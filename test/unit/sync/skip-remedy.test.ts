import { describe, expect, it } from 'vitest';
import type { TokenInfo } from '../../../src-main/core/graph/session';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { DATASET_IDS, DATASET_PERMISSIONS } from '../../../src-main/core/permissions/matrix';
import { openDatabase } from '../../../src-main/core/store/db';
import { runSync } from '../../../src-main/core/sync/engine';
import { datasetResultSchema } from '../../../src-main/shared/sync';
import { ALL_ROLES, FakeSession, sampleData } from '../../helpers/fake-session';

/**
 * A skipped dataset says what the operator can do, as data: an app lacking an application
 * permission -> add it (with admin consent); a signed-in user lacking a directory role ->
 * assign it; a tenant without Entra ID P1 -> nothing to click (the reason says so).
 */
const PROFILE = 'contoso';

/** A delegated sign-in: every delegated scope granted, no application roles. */
class DelegatedSession extends FakeSession {
  override async tokenInfo(): Promise<TokenInfo> {
    const scopes = [...new Set(DATASET_IDS.flatMap((d) => DATASET_PERMISSIONS[d].delegatedAccepted))];
    return { tenantId: this.tenantId, roles: [], scopes, expiresOn: new Date(Date.now() + 3600_000) };
  }
}

describe('skipped datasets carry a remedy', () => {
  it('a permission missing from the token: add-permission for the profile', async () => {
    const db = openDatabase(':memory:');
    const result = await runSync({ session: new FakeSession(['Directory.Read.All'], sampleData()), db, profileName: PROFILE });
    const skipped = result.datasets.find((d) => d.dataset === 'reportSettings');
    expect(skipped).toMatchObject({ status: 'skipped', missingPermission: 'ReportSettings.Read.All' });
    expect(skipped?.remedy).toEqual({ action: 'add-permission', profile: PROFILE, permission: 'ReportSettings.Read.All' });
    expect(result.datasets.find((d) => d.dataset === 'users')?.remedy).toBeUndefined();
    // What crosses the contract validates against the shared schema.
    for (const d of result.datasets) expect(datasetResultSchema.safeParse(d).success, d.dataset).toBe(true);
  });

  it('a 403 while reading with an application token: add-permission naming the permission', async () => {
    const session = new FakeSession(ALL_ROLES, sampleData(3, 2), {
      beforePage: (d, i) => {
        if (d === 'users' && i === 2) throw new OperatorError('permission-denied', 'Forbidden', { hint: 'x', status: 403, permission: 'User.Read.All' });
      },
    });
    const result = await runSync({ session, db: openDatabase(':memory:'), profileName: PROFILE });
    expect(result.datasets.find((d) => d.dataset === 'users')?.remedy).toEqual({ action: 'add-permission', profile: PROFILE, permission: 'User.Read.All' });
  });

  it('a 403 with a delegated token: assign-role with the least-privileged role, or add the delegated permission', async () => {
    const session = new DelegatedSession([], sampleData(), {
      beforePage: (d) => {
        if (d === 'signInActivity' || d === 'users') throw new OperatorError('permission-denied', 'Forbidden', { hint: 'x', status: 403 });
      },
    });
    const result = await runSync({ session, db: openDatabase(':memory:'), profileName: PROFILE });
    const role = DATASET_PERMISSIONS.signInActivity.delegatedRoles[0];
    expect(role).toBe('Reports Reader');
    const sign = result.datasets.find((d) => d.dataset === 'signInActivity');
    expect(sign).toMatchObject({ status: 'skipped', missingPermission: role });
    expect(sign?.remedy).toEqual({ action: 'assign-role', profile: PROFILE, role });
    // Any member may read users: the missing piece is the app's delegated permission.
    expect(DATASET_PERMISSIONS.users.delegatedRoles).toEqual([]);
    const users = result.datasets.find((d) => d.dataset === 'users');
    expect(users).toMatchObject({ status: 'skipped', missingPermission: DATASET_PERMISSIONS.users.delegated });
    expect(users?.remedy).toEqual({ action: 'add-permission', profile: PROFILE, permission: DATASET_PERMISSIONS.users.delegated });
  });

  it('no Entra ID P1: skipped without a remedy', async () => {
    const session = new FakeSession(ALL_ROLES, sampleData(), {
      beforePage: (d) => {
        if (d === 'signInActivity') throw new OperatorError('license-required', 'Tenant lacks a premium licence', { hint: 'x', status: 403 });
      },
    });
    const result = await runSync({ session, db: openDatabase(':memory:'), profileName: PROFILE });
    const sign = result.datasets.find((d) => d.dataset === 'signInActivity');
    expect(sign?.status).toBe('skipped');
    expect(sign?.remedy).toBeUndefined();
  });

  it('an invalid profile name is never carried into a remedy', async () => {
    const result = await runSync({ session: new FakeSession(['Directory.Read.All'], sampleData()), db: openDatabase(':memory:'), profileName: 'x" --evil' });
    expect(result.datasets.find((d) => d.dataset === 'reportSettings')?.remedy).toEqual({ action: 'add-permission', permission: 'ReportSettings.Read.All' });
  });
});
