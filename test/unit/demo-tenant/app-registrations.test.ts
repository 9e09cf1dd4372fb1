/**
 * The demo tenant's app-registration endpoints (graph/app-registrations.ts), called with
 * Graph requests as the server hands them over (a validated user's scopes and directory roles).
 * Roles as Entra ID enforces them: an Application Administrator may create and manage the app
 * but not grant Microsoft Graph app roles ("Grant tenant-wide admin consent",
 * learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent); a Privileged Role
 * Administrator may. keyCredentials: learn.microsoft.com/graph/api/resources/keycredential.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AZURE_CLI_SCOPES } from '../../../src-main/core/demo-tenant/azure-cli';
import { createAppRegistrations, MICROSOFT_GRAPH_APP_ID } from '../../../src-main/core/demo-tenant/graph/app-registrations';
import type { GraphRequest, HandlerResult } from '../../../src-main/core/demo-tenant/graph/contract';
import { appRoleId } from '../../../src-main/core/permissions/graph-ids';
import { requiredApplicationPermissions } from '../../../src-main/core/permissions/matrix';

const ORIGIN = 'https://127.0.0.1:4444';
const CERT_PEM = readFileSync(new URL('../consent/fixtures/public-cert.pem', import.meta.url), 'utf8');
const CERT_B64 = new X509Certificate(CERT_PEM).raw.toString('base64');

type Who = 'app-admin' | 'cloud-app-admin' | 'pra' | 'global-admin' | 'no-role';
const ROLES: Record<Who, string[]> = {
  'app-admin': ['Application Administrator'],
  'cloud-app-admin': ['Cloud Application Administrator'],
  pra: ['Privileged Role Administrator'],
  'global-admin': ['Global Administrator'],
  'no-role': [],
};

function request(dir: ReturnType<typeof createAppRegistrations>, who: Who, method: string, path: string, body?: unknown): HandlerResult & { kind: 'json' } {
  const req: GraphRequest = {
    method,
    url: new URL(`${ORIGIN}${path}`),
    roles: new Set(),
    principal: { kind: 'user', scopes: new Set(AZURE_CLI_SCOPES), directoryRoles: new Set(ROLES[who]), objectId: `user-${who}` },
    linkOrigin: ORIGIN,
    downloadOrigin: ORIGIN,
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  };
  const r = dir.handle(req);
  if (!r || r.kind !== 'json') throw new Error(`no JSON answer for ${method} ${path}`);
  return r;
}

const bodyOf = (r: HandlerResult & { kind: 'json' }): Record<string, unknown> => r.body as Record<string, unknown>;
const errorOf = (r: HandlerResult & { kind: 'json' }): { code: string; message: string } => (r.body as { error: { code: string; message: string } }).error;

function setUp(creator: Who = 'app-admin'): { dir: ReturnType<typeof createAppRegistrations>; id: string; appId: string; spId: string; graphSpId: string } {
  const dir = createAppRegistrations({ tenantId: 't', seed: 'unit' });
  const created = request(dir, creator, 'POST', '/v1.0/applications', {
    displayName: 'M365 Licence Reconciler (read-only)',
    signInAudience: 'AzureADMyOrg',
    web: { redirectUris: ['http://localhost'] },
    requiredResourceAccess: [{ resourceAppId: MICROSOFT_GRAPH_APP_ID, resourceAccess: [{ id: appRoleId('User.Read.All'), type: 'Role' }] }],
  });
  expect(created.status).toBe(201);
  const { id, appId } = bodyOf(created) as { id: string; appId: string };
  const sp = request(dir, creator, 'POST', '/v1.0/servicePrincipals', { appId });
  expect(sp.status).toBe(201);
  const graphSp = request(dir, creator, 'GET', `/v1.0/servicePrincipals(appId='${MICROSOFT_GRAPH_APP_ID}')`);
  return { dir, id, appId, spId: String(bodyOf(sp)['id']), graphSpId: String(bodyOf(graphSp)['id']) };
}

describe('app registrations in the demo tenant', () => {
  it('finds an app by displayName or appId with $filter, projects $select, and reads it by id and by appId', () => {
    const { dir, id, appId } = setUp();
    const byName = request(dir, 'app-admin', 'GET', `/v1.0/applications?$filter=${encodeURIComponent("displayName eq 'M365 Licence Reconciler (read-only)'")}&$select=appId`);
    expect(bodyOf(byName)['value']).toEqual([{ appId }]);
    const byAppId = request(dir, 'app-admin', 'GET', `/v1.0/applications?$filter=${encodeURIComponent(`appId eq '${appId}'`)}`);
    expect((bodyOf(byAppId)['value'] as unknown[]).length).toBe(1);
    expect(bodyOf(request(dir, 'app-admin', 'GET', `/v1.0/applications?$filter=${encodeURIComponent("displayName eq 'other'")}`))['value']).toEqual([]);
    expect(bodyOf(request(dir, 'app-admin', 'GET', `/v1.0/applications(appId='${appId}')`))['id']).toBe(id);
    expect(bodyOf(request(dir, 'app-admin', 'GET', `/v1.0/applications/${id}`))['web']).toEqual({ redirectUris: ['http://localhost'] });
    const missing = request(dir, 'app-admin', 'GET', '/v1.0/applications/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(errorOf(missing).message).toMatch(/does not exist or one of its queried reference-property objects are not present/);
    expect(request(dir, 'app-admin', 'GET', `/v1.0/applications?$filter=${encodeURIComponent("startswith(displayName,'M')")}`).status).toBe(400);
  });

  it('keyCredentials: a PATCH replaces the list, an entry sent back by keyId is kept; key only on a single read with $select', () => {
    const { dir, id } = setUp();
    const first = request(dir, 'app-admin', 'PATCH', `/v1.0/applications/${id}`, { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: CERT_B64, displayName: 'first' }] });
    expect(first.status).toBe(204);
    const listed = bodyOf(request(dir, 'app-admin', 'GET', `/v1.0/applications/${id}?$select=keyCredentials`))['keyCredentials'] as Record<string, string>[];
    expect(listed).toHaveLength(1);
    expect(listed[0]?.['key']).toBe(CERT_B64);
    expect(listed[0]?.['customKeyIdentifier']).toBe(Buffer.from(new X509Certificate(CERT_PEM).fingerprint.replace(/:/g, ''), 'hex').toString('base64'));
    const keyId = listed[0]?.['keyId'] ?? '';
    // Without $select the key is not returned.
    expect((bodyOf(request(dir, 'app-admin', 'GET', `/v1.0/applications/${id}`))['keyCredentials'] as Record<string, unknown>[])[0]?.['key']).toBeNull();

    // Sent back by keyId (key null, as az does) plus a new one: both kept.
    const second = request(dir, 'app-admin', 'PATCH', `/v1.0/applications/${id}`, {
      keyCredentials: [{ keyId, key: null }, { type: 'AsymmetricX509Cert', usage: 'Verify', key: CERT_B64, displayName: 'second' }],
    });
    expect(second.status).toBe(204);
    const both = bodyOf(request(dir, 'app-admin', 'GET', `/v1.0/applications/${id}?$select=keyCredentials`))['keyCredentials'] as Record<string, string>[];
    expect(both.map((k) => k.displayName)).toEqual(['first', 'second']);
    expect(both[0]?.keyId).toBe(keyId);
    // Left out: removed (the list is replaced).
    request(dir, 'app-admin', 'PATCH', `/v1.0/applications/${id}`, { keyCredentials: [{ keyId: both[1]?.keyId }] });
    expect((bodyOf(request(dir, 'app-admin', 'GET', `/v1.0/applications/${id}?$select=keyCredentials`))['keyCredentials'] as unknown[]).length).toBe(1);
    // Not a certificate: refused.
    expect(request(dir, 'app-admin', 'PATCH', `/v1.0/applications/${id}`, { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: 'AAAA' }] }).status).toBe(400);
    expect(dir.app(String(bodyOf(request(dir, 'app-admin', 'GET', `/v1.0/applications/${id}`))['appId']))?.certificates).toHaveLength(1);
  });

  it('an Application Administrator or Cloud Application Administrator may not grant Microsoft Graph app roles: 403 Authorization_RequestDenied', () => {
    for (const who of ['app-admin', 'cloud-app-admin', 'no-role'] as const) {
      const { dir, spId, graphSpId, appId } = setUp();
      const r = request(dir, who, 'POST', `/v1.0/servicePrincipals/${spId}/appRoleAssignments`, { principalId: spId, resourceId: graphSpId, appRoleId: appRoleId('User.Read.All') });
      expect(r.status).toBe(403);
      expect(errorOf(r)).toMatchObject({ code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
      expect(dir.app(appId)?.roles).toEqual([]);
    }
  });

  it('a Privileged Role Administrator or Global Administrator grants them; they become the app token\'s roles, once each', () => {
    for (const who of ['pra', 'global-admin'] as const) {
      const { dir, spId, graphSpId, appId } = setUp();
      for (const name of requiredApplicationPermissions()) {
        const r = request(dir, who, 'POST', `/v1.0/servicePrincipals/${spId}/appRoleAssignments`, { principalId: spId, resourceId: graphSpId, appRoleId: appRoleId(name) });
        expect(r.status).toBe(201);
        expect(bodyOf(r)).toMatchObject({ principalId: spId, resourceId: graphSpId, appRoleId: appRoleId(name), resourceDisplayName: 'Microsoft Graph' });
      }
      expect(dir.app(appId)?.roles.sort()).toEqual(requiredApplicationPermissions().sort());
      const again = request(dir, who, 'POST', `/v1.0/servicePrincipals/${spId}/appRoleAssignments`, { principalId: spId, resourceId: graphSpId, appRoleId: appRoleId('User.Read.All') });
      expect(again.status).toBe(400);
      const listed = bodyOf(request(dir, who, 'GET', `/v1.0/servicePrincipals/${spId}/appRoleAssignments`))['value'] as unknown[];
      expect(listed).toHaveLength(requiredApplicationPermissions().length);
    }
  });

  it('service principals: one per app, found by appId; Microsoft Graph\'s is there with its app roles', () => {
    const { dir, appId, spId } = setUp();
    expect(request(dir, 'app-admin', 'POST', '/v1.0/servicePrincipals', { appId }).status).toBe(409);
    const found = bodyOf(request(dir, 'app-admin', 'GET', `/v1.0/servicePrincipals?$filter=${encodeURIComponent(`appId eq '${appId}'`)}`))['value'] as { id: string }[];
    expect(found.map((s) => s.id)).toEqual([spId]);
    const graph = bodyOf(request(dir, 'app-admin', 'GET', `/v1.0/servicePrincipals(appId='${MICROSOFT_GRAPH_APP_ID}')`));
    expect((graph['appRoles'] as { id: string; value: string }[]).find((r) => r.value === 'Reports.Read.All')?.id).toBe(appRoleId('Reports.Read.All'));
    const unknownApp = request(dir, 'app-admin', 'POST', '/v1.0/servicePrincipals', { appId: '00000000-0000-4000-8000-000000000001' });
    expect(unknownApp.status).toBe(400);
    expect(errorOf(unknownApp).message).toMatch(/does not reference a valid application object/);
  });

  it('only its owner or an application administrator may change an app; a member who is neither is refused', () => {
    const { dir, id, appId } = setUp('no-role');
    expect(dir.app(appId)?.servicePrincipalId).toBeDefined(); // the creator (owner) made its service principal
    const other = createAppRegistrations({ tenantId: 't', seed: 'unit' });
    expect(other.app(appId)).toBeUndefined();
    const patch = { keyCredentials: [{ type: 'AsymmetricX509Cert', usage: 'Verify', key: CERT_B64 }] };
    expect(request(dir, 'pra', 'PATCH', `/v1.0/applications/${id}`, patch).status).toBe(403);
    expect(request(dir, 'cloud-app-admin', 'PATCH', `/v1.0/applications/${id}`, patch).status).toBe(204);
  });

  it('admin consent (the admin-consent link) assigns the Graph app roles the registration asks for, once, creating the service principal if needed', () => {
    const dir = createAppRegistrations({ tenantId: 't', seed: 'unit' });
    const created = request(dir, 'app-admin', 'POST', '/v1.0/applications', {
      displayName: 'consent by link',
      requiredResourceAccess: [
        {
          resourceAppId: MICROSOFT_GRAPH_APP_ID,
          resourceAccess: [
            { id: appRoleId('User.Read.All'), type: 'Role' },
            { id: appRoleId('Reports.Read.All'), type: 'Role' },
            { id: '37f7f235-527c-4136-accd-4a02d197296e', type: 'Scope' },
          ],
        },
      ],
    });
    const appId = String(bodyOf(created)['appId']);
    expect(dir.app(appId)?.servicePrincipalId).toBeUndefined();
    dir.grantAdminConsent(appId);
    dir.grantAdminConsent(appId);
    expect(dir.app(appId)?.servicePrincipalId).toBeDefined();
    expect(dir.app(appId)?.roles.sort()).toEqual(['Reports.Read.All', 'User.Read.All']);
    const spId = dir.app(appId)?.servicePrincipalId ?? '';
    expect((bodyOf(request(dir, 'pra', 'GET', `/v1.0/servicePrincipals/${spId}/appRoleAssignments`))['value'] as unknown[]).length).toBe(2);
  });

  it('answers the resource manager\'s subscription and tenant lists empty (az login --allow-no-subscriptions)', () => {
    const dir = createAppRegistrations({ tenantId: 't', seed: 'unit' });
    for (const path of ['/subscriptions?api-version=2022-12-01', '/tenants?api-version=2022-12-01']) {
      expect(bodyOf(request(dir, 'no-role', 'GET', path))).toEqual({ value: [] });
    }
    expect(dir.handle({ method: 'GET', url: new URL(`${ORIGIN}/v1.0/users`), roles: new Set(), linkOrigin: ORIGIN, downloadOrigin: ORIGIN })).toBeNull();
  });
});

describe('the Azure CLI\'s scope form', () => {
  it('"<graph>//.default" (Graph\'s identifier with its trailing slash, as az derives it) is Graph\'s /.default', async () => {
    const { parseDelegatedScopes } = await import('../../../src-main/core/demo-tenant/delegated');
    expect(parseDelegatedScopes(`${ORIGIN}//.default offline_access openid profile`, ORIGIN)).toEqual({ ok: true, oidc: ['offline_access', 'openid', 'profile'], graph: [], defaultScope: true });
    expect(parseDelegatedScopes(`${ORIGIN}/.default`, ORIGIN)).toMatchObject({ ok: true, defaultScope: true });
    expect(parseDelegatedScopes('https://other.example//.default', ORIGIN)).toMatchObject({ ok: false, kind: 'unknown-resource' });
  });
});
