import { describe, expect, it } from 'vitest';
import { credentialExpiry, loadCredentialExpiry, type CredentialExpiry } from '../../../src-main/core/certs/expiry';
import { generateCertificate } from '../../../src-main/core/certs/generate';
import type { Profile } from '../../../src-main/core/profile/schema';

const NOW = new Date('2026-06-15T10:00:00Z');
const DAY = 86_400_000;

function profile(credential: Profile['credential']): Profile {
  return { name: 'contoso', tenantId: 'contoso.onmicrosoft.com', clientId: '11111111-2222-4333-8444-555555555555', cloud: 'global', credential };
}
const certProfile = profile({ kind: 'certificate', certificatePath: '/x/contoso.pem', privateKeyInStore: true });
const secretOn = (expiresOn?: string) => profile({ kind: 'secret', secretEnv: 'S', ...(expiresOn ? { expiresOn } : {}) });

describe('credentialExpiry: certificates (notAfter from a real certificate)', () => {
  // Certificates issued so that notAfter lands `daysLeft` days after NOW.
  const cases: [string, number, CredentialExpiry['status'], RegExp][] = [
    ['60 days left', 60, 'ok', /valid until 2026-08-14 \(60 days\)/],
    ['31 days left', 31, 'ok', /31 days/],
    ['exactly 30 days left', 30, 'expiring', /expires on 2026-07-15 \(in 30 days\)/],
    ['20 days left', 20, 'expiring', /in 20 days.*replace the certificate of the profile "contoso"/],
    ['1 day left', 1, 'expiring', /in 1 day\b/],
    ['expired 5 days ago', -5, 'expired', /expired on 2026-06-10 \(5 days ago\)/],
    ['expired 400 days ago', -400, 'expired', /400 days ago/],
  ];
  it.each(cases)('%s → %s', async (_name, daysLeft, status, message) => {
    // generateCertificate needs days ≥ 1: issue at NOW + daysLeft - days with `days` = 1..730.
    const days = 365;
    const issued = new Date(NOW.getTime() + (daysLeft - days) * DAY);
    const g = await generateCertificate({ commonName: 't', days, now: issued });
    const r = credentialExpiry(certProfile, { now: NOW, certificatePem: g.certificatePem });
    expect(r.kind).toBe('certificate');
    expect(r.status).toBe(status);
    expect(r.message).toMatch(message);
    expect(r.expiresOn?.getTime()).toBe(g.info.notAfter.getTime());
  });

  it.each([
    ['no PEM given', undefined],
    ['garbage', 'not a certificate'],
    ['truncated PEM', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
  ])('%s → unknown', (_n, pem) => {
    const r = credentialExpiry(certProfile, { now: NOW, ...(pem !== undefined ? { certificatePem: pem } : {}) });
    expect(r.status).toBe('unknown');
    expect(r.expiresOn).toBeUndefined();
  });

  it('loadCredentialExpiry reads the certificate file; an unreadable file is unknown', async () => {
    const g = await generateCertificate({ commonName: 't', days: 20, now: NOW });
    expect((await loadCredentialExpiry(certProfile, { now: NOW, readFile: () => Promise.resolve(g.certificatePem) })).status).toBe('expiring');
    expect((await loadCredentialExpiry(certProfile, { now: NOW, readFile: () => Promise.reject(new Error('ENOENT')) })).status).toBe('unknown');
  });
});

describe('credentialExpiry: client secrets (date entered by the operator)', () => {
  const cases: [string, string | undefined, CredentialExpiry['status'], RegExp][] = [
    ['60 days left', '2026-08-14', 'ok', /valid until 2026-08-14/],
    ['20 days left', '2026-07-05', 'expiring', /expires on 2026-07-05 \(in 19 days\)/],
    ['expires today (start of the day, UTC)', '2026-06-15', 'expired', /expired on 2026-06-15/],
    ['expired 5 days ago', '2026-06-10', 'expired', /5 days ago.*add a new secret/],
    ['no date recorded', undefined, 'unknown', /record it for the profile "contoso"/],
  ];
  it.each(cases)('%s → %s', (_name, date, status, message) => {
    const r = credentialExpiry(secretOn(date), { now: NOW });
    expect(r.kind).toBe('secret');
    expect(r.status).toBe(status);
    expect(r.message).toMatch(message);
  });
});

it('delegated sign-in has no app credential to expire', () => {
  const r = credentialExpiry(profile({ kind: 'delegated', flow: 'interactive' }), { now: NOW });
  expect(r).toMatchObject({ kind: 'delegated', status: 'ok' });
});
