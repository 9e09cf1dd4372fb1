import { describe, expect, it } from 'vitest';
import { refreshRefused } from '../../../src-main/core/auth/delegated-token';
import type { Profile } from '../../../src-main/core/profile/schema';
import type { Remedy } from '../../../src-main/shared/errors';

/**
 * A refused silent refresh of a delegated sign-in (invalid_grant / interaction_required from
 * MSAL) goes through the AADSTS table when it carries a known code, worded for a user
 * sign-in and ending with the sign-in step; otherwise it asks to sign in again.
 * Codes: learn.microsoft.com/entra/identity-platform/reference-error-codes.
 */
const profile: Profile = {
  name: 'contoso',
  tenantId: 'contoso.onmicrosoft.com',
  clientId: '11111111-2222-4333-8444-555555555555',
  cloud: 'global',
  credential: { kind: 'delegated', flow: 'interactive' },
};

const msal = (errorCode: string, errorMessage: string, errorNo?: unknown) => Object.assign(new Error(`${errorCode}: ${errorMessage}`), { errorCode, errorMessage, ...(errorNo !== undefined ? { errorNo } : {}) });

describe('refreshRefused', () => {
  const cases: Array<[string, ReturnType<typeof msal>, string, number | undefined, RegExp, RegExp | undefined, Remedy]> = [
    // label, error, code, aadsts, hint, who, remedy
    ['MFA registration required', msal('invalid_grant', 'AADSTS50079: Due to a configuration change ... enroll in MFA.\r\nTrace ID: t', '50079'), 'auth-failed', 50079, /https:\/\/aka\.ms\/mfasetup.*sign in again for this profile/, /^the signed-in user, at https:\/\/aka\.ms\/mfasetup/, { action: 'sign-in', profile: 'contoso' }],
    ['MFA required', msal('invalid_grant', 'AADSTS50076: you must use MFA'), 'auth-failed', 50076, /complete the MFA prompt/, /signed-in user completes MFA/, { action: 'sign-in', profile: 'contoso' }],
    ['Conditional Access', msal('interaction_required', 'AADSTS53003: Access has been blocked by Conditional Access policies.'), 'auth-failed', 53003, /Conditional Access.*Sign in again for this profile/, /^a Conditional Access Administrator/, { action: 'sign-in', profile: 'contoso' }],
    ['consent revoked', msal('invalid_grant', 'AADSTS65001: The user or administrator has not consented'), 'consent-missing', 65001, /admin consent.*sign in again for this profile/, /^a Cloud Application Administrator or Application Administrator/, { action: 'grant-consent', profile: 'contoso' }],
    ['table code whose hint has no sign-in step', msal('invalid_grant', 'AADSTS90002: Tenant not found'), 'auth-failed', 90002, /tenant ID.* Then sign in again for this profile\.$/, undefined, { action: 'edit-profile', profile: 'contoso' }],
    ['refresh token expired (not in the table)', msal('invalid_grant', 'AADSTS700082: The refresh token has expired due to inactivity.'), 'auth-failed', undefined, /^Sign in again for this profile\.$/, undefined, { action: 'sign-in', profile: 'contoso' }],
    ['no AADSTS at all', msal('invalid_grant', 'Malformed grant'), 'auth-failed', undefined, /^Sign in again for this profile\.$/, undefined, { action: 'sign-in', profile: 'contoso' }],
    ['hostile errorNo', msal('invalid_grant', 'nothing', 'AADSTS<script>'), 'auth-failed', undefined, /^Sign in again for this profile\.$/, undefined, { action: 'sign-in', profile: 'contoso' }],
  ];
  it.each(cases)('%s', (_label, e, code, aadsts, hint, who, remedy) => {
    const r = refreshRefused(profile, e);
    expect(r.code).toBe(code);
    expect(r.aadsts).toBe(aadsts);
    expect(r.message).toMatch(/profile "contoso"/);
    expect(r.hint).toMatch(hint);
    if (who) expect(r.who).toMatch(who);
    else expect(r.who).toBeUndefined();
    // The sign-in step appears once.
    expect(r.hint.toLowerCase().split('sign in again for this profile').length - 1).toBe(1);
    expect(r.remedy).toEqual(remedy);
  });
});
