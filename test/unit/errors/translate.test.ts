import { describe, expect, it } from 'vitest';
import { AADSTS_TABLE, aadstsNumber, fromAadFailure, fromGraphError, fromMsalError } from '../../../src-main/core/errors/translate';
import { OperatorError } from '../../../src-main/core/errors/operator-error';

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
    expect(e.who).toBe('a Privileged Role Administrator or Global Administrator grants AuditLog.Read.All as an application permission with admin consent');
    expect(e.message).toMatch(/^Sign-in activity: /);
  });

  it('throttled mentions the attempts made', () => {
    expect(fromGraphError(429, body('TooManyRequests'), { afterRetries: 6 }).message).toContain('after 6 attempts');
  });
});
