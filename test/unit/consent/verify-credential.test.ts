import { describe, expect, it } from 'vitest';
import { credentialStatus, describeMissing, probePaths } from '../../../src-main/core/consent/verify';
import type { Profile } from '../../../src-main/core/profile/schema';

const now = new Date('2026-06-01T12:00:00Z');
const base = { name: 'p', tenantId: 'contoso.onmicrosoft.com', clientId: '11111111-2222-4333-8444-555555555555', cloud: 'global' } as const;
const secret = (expiresOn?: string): Profile => ({ ...base, credential: { kind: 'secret', secretEnv: 'S', ...(expiresOn ? { expiresOn } : {}) } });

describe('credential line', () => {
  it.each([
    ['secret expired', secret('2026-05-01'), 'expired'],
    ['secret expiring in 10 days', secret('2026-06-11'), 'expiring'],
    ['secret valid for months', secret('2026-12-01'), 'ok'],
    ['secret without a recorded date', secret(), 'unknown'],
    ['delegated', { ...base, credential: { kind: 'delegated', flow: 'interactive' } } as Profile, 'not-applicable'],
    ['certificate not read', { ...base, credential: { kind: 'certificate', certificatePath: '/x.pem', privateKeyInStore: true } } as Profile, 'unknown'],
  ] as const)('%s -> %s', (_n, profile, status) => {
    const c = credentialStatus(profile, undefined, now);
    expect(c.status).toBe(status);
    expect(c.message.length).toBeGreaterThan(10);
  });

  it('a precomputed status is used as-is', () => {
    expect(credentialStatus(secret(), { status: 'expiring', message: 'renew soon', expiresOn: new Date('2026-06-05T00:00:00Z') }, now)).toEqual({
      status: 'expiring',
      message: 'renew soon',
      expiresOn: '2026-06-05T00:00:00.000Z',
    });
  });
});

describe('probes', () => {
  it('one cheap GET per dataset; reports over 7 days', () => {
    const p = probePaths();
    expect(p.users).toBe('/users?$top=1&$select=id');
    expect(p.signInActivity).toBe('/users?$top=1&$select=id,signInActivity');
    expect(p.groups).toBe('/groups?$top=1&$select=id');
    expect(p['report.activeUserDetail']).toBe("/reports/getOffice365ActiveUserDetail(period='D7')");
  });

  it.each([
    [{ permission: 'AuditLog.Read.All' }, 'application', 'add application permission AuditLog.Read.All + admin consent'],
    [{ permission: 'AuditLog.Read.All' }, 'delegated', 'add delegated permission AuditLog.Read.All + admin consent'],
    [{ role: 'Reports Reader' }, 'delegated', 'assign the signed-in user the Reports Reader role'],
    [{ licence: 'Microsoft Entra ID P1' }, 'application', 'tenant needs Microsoft Entra ID P1'],
    [{}, 'application', 'probe failed (see note)'],
  ] as const)('describeMissing %j (%s)', (missing, kind, text) => {
    expect(describeMissing({ dataset: 'users', label: 'Users', status: 'missing', missing, probe: { ok: false } }, kind)).toBe(text);
  });
});
