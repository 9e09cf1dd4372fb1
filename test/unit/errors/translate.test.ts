import { describe, expect, it } from 'vitest';
import { AADSTS_TABLE, aadstsNumber, fromAadFailure, fromAuthorizeRedirect, fromGraphError, fromMsalError, fromTokenEndpointError, type SignInContext } from '../../../src-main/core/errors/translate';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import type { Remedy } from '../../../src-main/shared/errors';

// Codes and meanings: https://learn.microsoft.com/entra/identity-platform/reference-error-codes
describe('AADSTS table', () => {
  const cases: Array<[number, string, RegExp, RegExp | undefined]> = [
    [7000215, 'auth-failed', /secret VALUE, not the secret ID/, /Application Administrator/],
    [7000222, 'auth-failed', /new client secret.*certificate/, /Application Administrator/],
    [700016, 'auth-failed', /client ID and tenant ID.*another tenant/, /Privileged Role Administrator/],
    [700027, 'auth-failed', /Upload the public certificate/, /Application Administrator/],
    [65001, 'consent-missing', /Grant admin consent/, /Privileged Role Administrator or Global Administrator.*cannot grant/],
    [50076, 'auth-failed', /MFA/, /Conditional Access Administrator/],
    [50079, 'auth-failed', /MFA/, /Conditional Access Administrator/],
    [53003, 'auth-failed', /Conditional Access/, /Conditional Access Administrator/],
    [90002, 'auth-failed', /tenant ID/, undefined],
    [500011, 'auth-failed', /cloud/, /Global Administrator/],
    [50020, 'auth-failed', /tenant-specific/, undefined],
    [70011, 'auth-failed', /\.default/, undefined],
    [1002012, 'auth-failed', /\.default/, undefined],
    [7000218, 'auth-failed', /secret or a certificate/, undefined],
    [50034, 'auth-failed', /application, not a user/, undefined],
    [50126, 'auth-failed', /application, not a user/, undefined],
  ];
  it.each(cases)('AADSTS%d -> %s', (code, opCode, hint, who) => {
    const e = fromAadFailure({ aadsts: code, description: `AADSTS${code}: something\r\nTrace ID: x` });
    expect(e).toBeInstanceOf(OperatorError);
    expect(e.code).toBe(opCode);
    expect(e.aadsts).toBe(code);
    expect(e.message).toContain(`AADSTS${code}`);
    expect(e.hint).toMatch(hint);
    if (who) expect(e.who).toMatch(who);
    else expect(e.who).toBeUndefined();
  });

  it('covers every code in the table', () => {
    expect(Object.keys(AADSTS_TABLE).map(Number).sort()).toEqual(cases.map((c) => c[0]).sort());
  });

  it('keeps an unknown AADSTS number and only the first line of the description', () => {
    const e = fromAadFailure({ aadsts: 123456, description: 'AADSTS123456: Odd thing happened.\r\nTrace ID: abc\r\nCorrelation ID: def' });
    expect(e.code).toBe('auth-failed');
    expect(e.aadsts).toBe(123456);
    expect(e.message).toContain('AADSTS123456');
    expect(e.message).toContain('Odd thing happened.');
    expect(e.message).not.toContain('Trace ID');
    expect(e.hint).toContain('123456');
  });
});

describe('aadstsNumber', () => {
  it.each<[unknown[], number | undefined]>([
    [[7000215], 7000215],
    [['7000215'], 7000215],
    [[undefined, 'AADSTS65001: The user or administrator has not consented'], 65001],
    [[[700016]], 700016],
    [[['700027']], 700027],
    [['invalid_client', 'no code here'], undefined],
    [['AADSTS12: too short'], undefined],
    [[-5, 0, 'x'], undefined],
  ])('%j -> %s', (input, expected) => expect(aadstsNumber(...input)).toBe(expected));
});

describe('fromMsalError', () => {
  it('reads errorNo from a ServerError-like object', () => {
    const e = fromMsalError(Object.assign(new Error('invalid_client: AADSTS7000215: Invalid client secret provided.'), {
      errorCode: 'invalid_client',
      errorMessage: 'AADSTS7000215: Invalid client secret provided.',
      errorNo: '7000215',
      subError: '',
    }));
    expect(e.code).toBe('auth-failed');
    expect(e.aadsts).toBe(7000215);
  });
  it('falls back to the message', () => {
    expect(fromMsalError(new Error('AADSTS65001: consent')).code).toBe('consent-missing');
  });
  it('maps transport errors to network', () => {
    expect(fromMsalError(Object.assign(new Error('x'), { errorCode: 'network_error' })).code).toBe('network');
  });
  it('maps authority errors to bad-input', () => {
    expect(fromMsalError(Object.assign(new Error('x'), { errorCode: 'untrusted_authority' })).code).toBe('bad-input');
  });
  it('passes OperatorError through', () => {
    const op = new OperatorError('tls', 'x', { hint: 'y' });
    expect(fromMsalError(op)).toBe(op);
  });
  it('never fails on odd inputs', () => {
    for (const v of [null, undefined, 42, 'str', {}, []]) expect(fromMsalError(v)).toBeInstanceOf(OperatorError);
  });
});

// Graph error bodies: https://learn.microsoft.com/graph/errors
const body = (code: string, message = 'msg') => ({ error: { code, message, innerError: { 'request-id': 'req-1', date: '2026-01-01T00:00:00' } } });

describe('fromGraphError', () => {
  const cases: Array<[number, unknown, { permission?: string; dataset?: string }, string, RegExp]> = [
    [403, body('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'), { permission: 'AuditLog.Read.All' }, 'permission-denied', /AuditLog\.Read\.All/],
    [403, body('Authentication_RequestFromNonPremiumTenantOrB2CTenant'), { permission: 'AuditLog.Read.All' }, 'license-required', /Microsoft Entra ID P1/],
    [401, body('InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.'), {}, 'auth-failed', /did not accept the access token/],
    [429, body('TooManyRequests'), {}, 'throttled', /throttling/],
    [503, body('ServiceUnavailable'), {}, 'throttled', /HTTP 503/],
    [504, body('GatewayTimeout'), {}, 'throttled', /HTTP 504/],
    [400, body('Request_BadRequest', 'Invalid filter clause'), {}, 'graph-error', /Invalid filter clause/],
    [404, body('Request_ResourceNotFound'), {}, 'graph-error', /404/],
    [500, body('InternalServerError'), {}, 'graph-error', /HTTP 500/],
    [403, '<html>blocked by proxy</html>', {}, 'permission-denied', /Forbidden/],
    [400, 'not json', {}, 'graph-error', /HTTP 400/],
  ];
  it.each(cases)('%d %j -> %s', (status, b, ctx, code, msg) => {
    const e = fromGraphError(status, b, ctx);
    expect(e).toBeInstanceOf(OperatorError);
    expect(e.code).toBe(code);
    expect(e.status).toBe(status);
    expect(e.message).toMatch(msg);
  });

  it('permission-denied names the permission and who grants it', () => {
    const e = fromGraphError(403, JSON.stringify(body('Authorization_RequestDenied')), { permission: 'AuditLog.Read.All', dataset: 'Sign-in activity' });
    expect(e.permission).toBe('AuditLog.Read.All');
    expect(e.graphCode).toBe('Authorization_RequestDenied');
    expect(e.requestId).toBe('req-1');
    expect(e.who).toMatch(/^a Privileged Role Administrator or Global Administrator grants AuditLog\.Read\.All as an application permission with admin consent; for a user sign-in profile/);
    expect(e.message).toMatch(/^Sign-in activity: /);
  });

  it('throttled mentions the attempts made', () => {
    expect(fromGraphError(429, body('TooManyRequests'), { afterRetries: 6 }).message).toContain('after 6 attempts');
  });
});

// Who fixes what (learn.microsoft.com/entra/identity/role-based-access-control/delegate-by-task,
// learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent): admin consent to
// Microsoft Graph application permissions needs a Privileged Role Administrator; consent to
// delegated permissions a Cloud Application Administrator or Application Administrator;
// directory roles are assigned by a Privileged Role Administrator.
describe('AADSTS wording by kind of sign-in', () => {
  const app: SignInContext = { kind: 'app', profile: 'contoso' };
  const delegated: SignInContext = { kind: 'delegated', profile: 'contoso' };
  const cases: Array<[number, SignInContext, RegExp, RegExp | undefined, RegExp | undefined, Remedy | undefined]> = [
    // code, context, hint, who, who must NOT match, remedy
    [65001, delegated, /admin consent.*admin-consent link of this profile.*Then sign in again for this profile\.$/, /^a Cloud Application Administrator or Application Administrator grants admin consent to delegated permissions/, /cannot grant/, { action: 'grant-consent', profile: 'contoso' }],
    [65001, app, /application permissions: send the admin-consent link of this profile/, /^a Privileged Role Administrator or Global Administrator.*cannot grant Microsoft Graph application permissions/, /delegated/, { action: 'grant-consent', profile: 'contoso' }],
    [65001, {}, /Grant admin consent: send the admin-consent link/, /Privileged Role Administrator or Global Administrator.*for delegated permissions also/, undefined, { action: 'grant-consent' }],
    [50079, delegated, /register an MFA method at https:\/\/aka\.ms\/mfasetup.*sign in again for this profile/, /^the signed-in user, at https:\/\/aka\.ms\/mfasetup/, undefined, { action: 'sign-in', profile: 'contoso' }],
    [50079, app, /App-only sign-in cannot register MFA/, /Conditional Access Administrator/, /signed-in user/, undefined],
    [50076, delegated, /sign in again for this profile and complete the MFA prompt/, /^the signed-in user completes MFA/, /app-only/, { action: 'sign-in', profile: 'contoso' }],
    [50076, app, /App-only sign-in cannot do MFA/, /Conditional Access Administrator/, /signed-in user/, undefined],
    [53003, delegated, /Sign in again for this profile from a compliant device.*rather than the device code flow/, /^a Conditional Access Administrator/, undefined, { action: 'sign-in', profile: 'contoso' }],
    [53003, app, /workload identities/, /^a Conditional Access Administrator/, undefined, undefined],
    [700016, delegated, /public client app registration/, /Cloud Application Administrator/, /cannot grant/, { action: 'edit-profile', profile: 'contoso' }],
    [700027, app, /Upload the public certificate/, /Application Administrator/, undefined, { action: 'upload-certificate', profile: 'contoso' }],
    [50126, delegated, /^Sign in again for this profile and enter the correct password/, undefined, undefined, { action: 'sign-in', profile: 'contoso' }],
    [7000215, delegated, /secret VALUE/, /Application Administrator/, undefined, { action: 'set-secret', profile: 'contoso' }],
  ];
  it.each(cases)('AADSTS%d %j', (code, ctx, hint, who, notWho, remedy) => {
    const e = fromAadFailure({ aadsts: code }, ctx);
    expect(e.aadsts).toBe(code);
    expect(e.code).toBe(AADSTS_TABLE[code]?.code);
    expect(e.hint).toMatch(hint);
    if (who) expect(e.who).toMatch(who);
    else expect(e.who).toBeUndefined();
    if (notWho) expect(e.who ?? '').not.toMatch(notWho);
    expect(e.remedy).toEqual(remedy);
    expect(e.toDto().remedy).toEqual(remedy);
  });

  it.each<[string, string]>([
    ['a name with a quote', 'x" && curl evil'],
    ['a new line', 'demo\nAADSTS0'],
    ['the empty name', ''],
    ['a leading dash', '-rf'],
    ['65 characters', 'a'.repeat(65)],
  ])('never carries an invalid profile name (%s) into the remedy', (_label, profile) => {
    const e = fromAadFailure({ aadsts: 65001 }, { kind: 'delegated', profile });
    expect(e.remedy).toEqual({ action: 'grant-consent' });
    if (profile !== '') expect(JSON.stringify(e.toDto())).not.toContain(JSON.stringify(profile).slice(1, -1));
  });

  it('passes the context through the token endpoint, authorize redirect and MSAL paths', () => {
    const ctx: SignInContext = { kind: 'delegated', profile: 'p1' };
    const body = JSON.stringify({ error: 'invalid_grant', error_description: 'AADSTS50079: enroll', error_codes: [50079] });
    const mfa = fromTokenEndpointError(400, body, ctx);
    expect(mfa.hint).toMatch(/aka\.ms\/mfasetup.*sign in again for this profile/);
    expect(mfa.remedy).toEqual({ action: 'sign-in', profile: 'p1' });
    expect(fromAuthorizeRedirect('http://localhost:1/?error=interaction_required&error_description=AADSTS53003%3A+blocked', ctx)?.remedy).toEqual({ action: 'sign-in', profile: 'p1' });
    const consent = fromMsalError(Object.assign(new Error('consent_required'), { errorCode: 'invalid_grant', errorMessage: 'AADSTS65001: no consent' }), ctx);
    expect(consent.who).toMatch(/^a Cloud Application Administrator/);
    expect(consent.remedy).toEqual({ action: 'grant-consent', profile: 'p1' });
  });
});

describe('Graph 403 wording by kind of sign-in', () => {
  const denied = body('Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
  const reportRoles = ['Reports Reader', 'Global Administrator'];
  const cases: Array<[string, Parameters<typeof fromGraphError>[2], RegExp, RegExp, RegExp, RegExp | undefined, Remedy]> = [
    // label, context, message, hint, who, who must NOT match, remedy
    [
      'app',
      { permission: 'Reports.Read.All', signIn: { kind: 'app', profile: 'contoso' } },
      /the app needs the application permission Reports\.Read\.All/,
      /application permission Reports\.Read\.All.*permission check of this profile/,
      /^a Privileged Role Administrator or Global Administrator grants Reports\.Read\.All as an application permission/,
      /Cloud Application/,
      { action: 'add-permission', profile: 'contoso', permission: 'Reports.Read.All' },
    ],
    [
      'delegated, scope granted: the role is missing',
      { permission: 'Reports.Read.All', signIn: { kind: 'delegated', profile: 'contoso' }, delegatedRoles: reportRoles, scopeGranted: true },
      /signed-in user needs the directory role Reports Reader \(or Global Administrator\)/,
      /^Assign the signed-in user the directory role Reports Reader .*sign in again for this profile/,
      /^a Privileged Role Administrator \(or Global Administrator\) assigns directory roles$/,
      /application permission/,
      { action: 'assign-role', profile: 'contoso', role: 'Reports Reader' },
    ],
    [
      'delegated, scope not granted: the scope is missing',
      { permission: 'AuditLog.Read.All', signIn: { kind: 'delegated', profile: 'contoso' }, delegatedRoles: ['Reports Reader'], scopeGranted: false },
      /the app needs the delegated permission AuditLog\.Read\.All/,
      /delegated permission AuditLog\.Read\.All .*admin consent.*sign in again for this profile/,
      /^a Cloud Application Administrator or Application Administrator grants admin consent to delegated permissions/,
      /application permission/,
      { action: 'add-permission', profile: 'contoso', permission: 'AuditLog.Read.All' },
    ],
    [
      'delegated, no role needed: the scope is missing',
      { permission: 'User.Read.All', signIn: { kind: 'delegated', profile: 'contoso' }, delegatedRoles: [] },
      /the app needs the delegated permission User\.Read\.All/,
      /delegated permission User\.Read\.All/,
      /^a Cloud Application Administrator/,
      /assigns directory roles/,
      { action: 'add-permission', profile: 'contoso', permission: 'User.Read.All' },
    ],
    [
      'delegated, scopes unknown: both',
      { permission: 'Reports.Read.All', signIn: { kind: 'delegated', profile: 'contoso' }, delegatedRoles: reportRoles },
      /delegated permission Reports\.Read\.All and the signed-in user a directory role \(Reports Reader/,
      /Assign the signed-in user the directory role Reports Reader.*delegated permission Reports\.Read\.All/,
      /assigns directory roles; a Cloud Application Administrator/,
      /application permission/,
      { action: 'assign-role', profile: 'contoso', role: 'Reports Reader' },
    ],
    [
      'delegated, invalid profile name',
      { permission: 'Reports.Read.All', signIn: { kind: 'delegated', profile: 'x"; rm -rf ~' }, delegatedRoles: reportRoles, scopeGranted: true },
      /Reports Reader/,
      /^Assign the signed-in user/,
      /assigns directory roles/,
      /rm -rf/,
      { action: 'assign-role', role: 'Reports Reader' },
    ],
  ];
  it.each(cases)('%s', (_label, ctx, message, hint, who, notWho, remedy) => {
    const e = fromGraphError(403, denied, ctx);
    expect(e.code).toBe('permission-denied');
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(hint);
    expect(e.who).toMatch(who);
    if (notWho) expect(`${e.who ?? ''} ${e.hint} ${JSON.stringify(e.remedy)}`).not.toMatch(notWho);
    expect(e.remedy).toEqual(remedy);
  });

  it('a delegated 401 with an expired token names the profile to sign in again', () => {
    const e = fromGraphError(401, body('InvalidAuthenticationToken', 'Lifetime validation failed, the token is expired.'), { signIn: { kind: 'delegated', profile: 'contoso' } });
    expect(e.hint).toMatch(/sign in again for this profile/);
    expect(e.remedy).toEqual({ action: 'sign-in', profile: 'contoso' });
  });

  it('throttling and service failures say to retry later', () => {
    expect(fromGraphError(429, body('TooManyRequests', 'slow down')).remedy).toEqual({ action: 'retry-later' });
    expect(fromGraphError(503, '').remedy).toEqual({ action: 'retry-later' });
    expect(fromGraphError(500, body('generalException', 'boom')).remedy).toEqual({ action: 'retry-later' });
  });
});
