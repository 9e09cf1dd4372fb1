/**
 * Pins the Microsoft Graph permission ids against the Microsoft Graph permissions
 * reference ("All permissions and IDs", learn.microsoft.com/graph/permissions-reference).
 * A changed value here means a typo, never a "fix": ids are stable across clouds.
 */
import { describe, expect, it } from 'vitest';
import {
  GRAPH_PERMISSION_IDS,
  MICROSOFT_GRAPH_APP_ID,
  appRoleId,
  applicationResourceAccess,
  delegatedResourceAccess,
  scopeId,
} from '../../../src-main/core/permissions/graph-ids';
import { DATASET_IDS, DATASET_PERMISSIONS, requiredApplicationPermissions, requiredDelegatedScopes } from '../../../src-main/core/permissions/matrix';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Microsoft Graph permission ids', () => {
  it('pins the service principal appId and every id', () => {
    expect(MICROSOFT_GRAPH_APP_ID).toBe('00000003-0000-0000-c000-000000000000');
    expect(GRAPH_PERMISSION_IDS).toEqual({
      'LicenseAssignment.Read.All': { application: 'e2f98668-2877-4f38-a2f4-8202e0717aa1', delegated: 'f395577a-0960-456b-979f-7228de0c5996' },
      'User.Read.All': { application: 'df021288-bdef-4463-88db-98f22de89214', delegated: 'a154be20-db9c-4678-8ab7-66f6cc099a59' },
      'AuditLog.Read.All': { application: 'b0afded3-3588-46d8-8b3d-9842eff778da', delegated: 'e4c9e354-4dc5-45b8-9e7c-e1393b0b1a20' },
      'GroupMember.Read.All': { application: '98830695-27a2-44f7-8c18-0c3ebc9698f6', delegated: 'bc024368-1153-4739-b217-4326f2e966d0' },
      'Reports.Read.All': { application: '230c1aed-a721-4c5d-9cb4-a90514e508ef', delegated: '02e97553-ed7b-43d0-ab3c-f8bace0d040c' },
      'ReportSettings.Read.All': { application: 'ee353f83-55ef-4b78-82da-555bfa2b4b95', delegated: '84fac5f4-33a9-4100-aa38-a20c6d29e5e7' },
      'User.Read': { delegated: 'e1fe6dd8-ba31-4d61-89e7-88639da4683d' },
      'Organization.Read.All': { application: '498476ce-e0fe-48b0-b801-37ba7e2685c6', delegated: '4908d5b9-3fb2-4b1e-9336-1888b7937185' },
      'Group.Read.All': { application: '5b567255-7703-4780-807c-7be8301ae99b', delegated: '5f8c59db-677d-491f-a6b8-5f174b11ec1d' },
      'Directory.Read.All': { application: '7ab1d382-f21e-4acd-a863-ba3e13f7da61', delegated: '06da0dbc-49e2-44d2-8312-53f166ab848a' },
      'RoleManagement.Read.Directory': { application: '483bed4a-2ad3-4361-a73b-c83ccdbdc53c', delegated: '741c54c3-0c1e-44a1-818b-3f97ab4e8c83' },
      'Directory.ReadWrite.All': { application: '19dbc75e-c2e2-444c-a770-ec69d8559fc7', delegated: 'c5366453-9fb0-48a5-a156-24f0c49a4b84' },
      'Directory.AccessAsUser.All': { delegated: '0e263e50-5827-48a4-b97c-d940288653c7' },
      'User.ReadWrite.All': { application: '741f803b-c850-494e-b5df-cde7c675a1ca', delegated: '204e0828-b5ca-4ad8-b9f3-f32a958e7cc4' },
      'Group.ReadWrite.All': { application: '62a82d76-70ea-41e2-9197-370581804d09', delegated: '4e46008b-f24c-477d-8fff-7bb4ec7aafe0' },
      'GroupMember.ReadWrite.All': { application: 'dbaae8cf-10b5-4b86-a4a1-f871c94c6695', delegated: 'f81125ac-d3b7-4573-a3b2-7099cc39df9e' },
      'LicenseAssignment.ReadWrite.All': { application: '5facf0c1-8979-4e95-abcf-ff3d079771c0', delegated: 'f55016cc-149c-447e-8f21-7cf3ec1d6350' },
      'Organization.ReadWrite.All': { application: '292d869f-3427-49a8-9dab-8c70152b74e9', delegated: '46ca0847-7e6b-426e-9775-ea810a948356' },
      'ReportSettings.ReadWrite.All': { application: '2a60023f-3219-47ad-baa4-40e17cd02a1d', delegated: 'b955410e-7715-4a88-a940-dfd551018df3' },
      'RoleManagement.ReadWrite.Directory': { application: '9e3f62cf-ca93-4989-b6ce-bf83c28f9fe8', delegated: 'd01b97e9-cbc0-49fe-810a-750afd5527a3' },
      'Application.ReadWrite.All': { application: '1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9', delegated: 'bdfbf15f-ee85-4955-8675-146e8e5296b5' },
      'AppRoleAssignment.ReadWrite.All': { application: '06b708a9-e830-4db3-a914-8e69da51d44f', delegated: '84bccea3-f856-4a8a-967b-dbe0a3d53a64' },
    });
  });

  it('every id is a lower-case GUID and no id is used twice', () => {
    const all = Object.values(GRAPH_PERMISSION_IDS).flatMap((v) => Object.values(v) as string[]);
    for (const id of all) expect(id).toMatch(GUID);
    expect(new Set(all).size).toBe(all.length);
  });

  it('knows an id for every permission the matrix requests', () => {
    for (const p of requiredApplicationPermissions()) expect(appRoleId(p)).toMatch(GUID);
    for (const p of requiredDelegatedScopes()) expect(scopeId(p)).toMatch(GUID);
    expect(applicationResourceAccess().map((a) => a.type)).toEqual(requiredApplicationPermissions().map(() => 'Role'));
    expect(delegatedResourceAccess().map((a) => a.type)).toEqual(requiredDelegatedScopes().map(() => 'Scope'));
  });

  it.each([['Directory.AccessAsUser.All'], ['Mail.Send'], [''], ['user.read.all']])('has no app role id for %j', (p) => {
    expect(() => appRoleId(p)).toThrow(/No app role id/);
  });
});

describe('the permission matrix is read-only and least privileged', () => {
  const requested = [...requiredApplicationPermissions(), ...requiredDelegatedScopes()];
  it('requests no write, AccessAsUser or Directory.* permission', () => {
    for (const p of requested) {
      expect(p).not.toMatch(/ReadWrite|AccessAsUser|Write|Directory\./);
    }
  });
  it('names each dataset\'s least privilege first in its accepted lists', () => {
    for (const d of DATASET_IDS) {
      const p = DATASET_PERMISSIONS[d];
      expect(p.accepted[0]).toBe(p.application);
      expect(p.delegatedAccepted[0]).toBe(p.delegated);
    }
  });
  it('matches Microsoft\'s documented least privilege per data set (issue table)', () => {
    expect(requiredApplicationPermissions().sort()).toEqual(
      // Organization.Read.All: least privileged for "List subscriptions" (GET /directory/subscriptions),
      // application and delegated (learn.microsoft.com/graph/api/directory-list-subscriptions, "Permissions").
      ['AuditLog.Read.All', 'GroupMember.Read.All', 'LicenseAssignment.Read.All', 'Organization.Read.All', 'ReportSettings.Read.All', 'Reports.Read.All', 'User.Read.All'].sort(),
    );
    expect(requiredApplicationPermissions()).not.toContain('Directory.Read.All');
  });
});
