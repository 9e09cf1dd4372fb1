import { describe, expect, it } from 'vitest';
import { assertGraphUrl, canonicalOrigin, checkReportRedirect, mayCarryBearer, MAX_REPORT_REDIRECTS } from '../../../src-main/core/net/host-policy';
import { OperatorError } from '../../../src-main/core/errors/operator-error';

const GRAPH = 'https://graph.microsoft.com';
const LOCAL = 'https://127.0.0.1:4431';

// Origin comparison follows the WHATWG URL Standard (https://url.spec.whatwg.org/#origin):
// scheme, host (lower-cased, IDNA to punycode) and port (default port elided).
describe('mayCarryBearer', () => {
  const cases: Array<[string, string, boolean]> = [
    ['https://graph.microsoft.com/v1.0/users', GRAPH, true],
    ['https://GRAPH.Microsoft.COM/v1.0/users?$top=1', GRAPH, true],
    ['https://graph.microsoft.com:443/v1.0/users', GRAPH, true],
    ['https://graph.microsoft.com/v1.0/users', `${GRAPH}/`, true],
    ['https://127.0.0.1:4431/v1.0/users', LOCAL, true],
    // hostile: other scheme / port / host
    ['http://graph.microsoft.com/v1.0/users', GRAPH, false],
    ['https://graph.microsoft.com:8443/v1.0/users', GRAPH, false],
    ['https://127.0.0.1:4432/v1.0/users', LOCAL, false],
    ['https://127.0.0.1/v1.0/users', LOCAL, false],
    ['https://localhost:4431/v1.0/users', LOCAL, false],
    ['https://graph.microsoft.com.evil.com/v1.0/users', GRAPH, false],
    ['https://evil.com/graph.microsoft.com/v1.0', GRAPH, false],
    ['https://evil.com/?https://graph.microsoft.com/', GRAPH, false],
    ['https://graph.microsoft.com@evil.com/v1.0/users', GRAPH, false],
    ['https://user:pass@graph.microsoft.com/v1.0/users', GRAPH, false],
    ['https://user@graph.microsoft.com/v1.0/users', GRAPH, false],
    ['https://graph.microsoft.com./v1.0/users', GRAPH, false],
    ['https://xn--graph-microsoft-com-xyz.evil/v1.0', GRAPH, false],
    ['https://graph.microsoft.com%2eevil.com/v1.0', GRAPH, false],
    ['https://grаph.microsoft.com/v1.0/users', GRAPH, false], // Cyrillic "а"
    ['https://graph.microsoft.co/v1.0', GRAPH, false],
    ['https://sub.graph.microsoft.com/v1.0', GRAPH, false],
    ['//graph.microsoft.com/v1.0/users', GRAPH, false],
    ['/v1.0/users', GRAPH, false],
    ['https:\\\\graph.microsoft.com\\v1.0', GRAPH, false],
    [' https://graph.microsoft.com/v1.0/users', GRAPH, false],
    ['https://graph.microsoft.com\t/v1.0', GRAPH, false],
    ['javascript:alert(1)', GRAPH, false],
    ['data:text/plain,graph.microsoft.com', GRAPH, false],
    ['', GRAPH, false],
    ['not a url', GRAPH, false],
    ['https://graph.microsoft.com/v1.0/users', 'http://graph.microsoft.com', false],
  ];
  it.each(cases)('%s vs %s -> %s', (url, origin, expected) => {
    expect(mayCarryBearer(url, origin)).toBe(expected);
  });

  it('accepts URL objects', () => {
    expect(mayCarryBearer(new URL('https://graph.microsoft.com/v1.0/me'), GRAPH)).toBe(true);
    expect(mayCarryBearer(new URL('https://a@graph.microsoft.com/v1.0/me'), GRAPH)).toBe(false);
  });
});

describe('assertGraphUrl', () => {
  it('returns the parsed URL on the Graph origin', () => {
    expect(assertGraphUrl('https://graph.microsoft.com/v1.0/users?$skiptoken=abc', GRAPH).pathname).toBe('/v1.0/users');
  });
  const hostile = [
    'https://evil.example/v1.0/users?$skiptoken=x',
    'https://graph.microsoft.com.evil.com/v1.0/users',
    'https://graph.microsoft.com@evil.com/v1.0/users',
    'http://graph.microsoft.com/v1.0/users',
    'https://127.0.0.1:9999/v1.0/users',
    'ftp://graph.microsoft.com/v1.0',
    '',
  ];
  it.each(hostile)('refuses %s with host-refused and does not echo the path', (url) => {
    try {
      assertGraphUrl(url, GRAPH);
      expect.unreachable('should throw');
    } catch (e) {
      expect(e).toBeInstanceOf(OperatorError);
      const err = e as OperatorError;
      expect(err.code).toBe('host-refused');
      expect(err.message).not.toContain('skiptoken');
      expect(err.message).not.toContain('/v1.0/users');
    }
  });
});

describe('checkReportRedirect', () => {
  const from = 'https://graph.microsoft.com/v1.0/reports/getOffice365ActiveUserDetail(period=\'D30\')';
  const ok: Array<[string, number, string]> = [
    ['https://reports.office.com/data/download/JDFKdf2_eJXKS034703?sig=x', 1, 'reports.office.com'],
    ['https://127.0.0.1:4433/d/abc', 2, '127.0.0.1:4433'],
    ['/relative/on/graph', 1, 'graph.microsoft.com'],
    ['https://reports.office.com/x', MAX_REPORT_REDIRECTS, 'reports.office.com'],
  ];
  it.each(ok)('accepts %s at hop %d', (loc, hop, host) => {
    expect(checkReportRedirect(loc, { hop, from }).host).toBe(host);
  });

  const bad: Array<[string | null, number, string]> = [
    ['http://reports.office.com/data', 1, 'host-refused'],
    ['https://user:pw@reports.office.com/data', 1, 'host-refused'],
    ['https://token@reports.office.com/data', 1, 'host-refused'],
    ['javascript:alert(1)', 1, 'host-refused'],
    ['file:///etc/passwd', 1, 'host-refused'],
    ['data:text/csv,a,b', 1, 'host-refused'],
    ['https://reports.office.com/x', MAX_REPORT_REDIRECTS + 1, 'host-refused'],
    [null, 1, 'graph-error'],
    ['', 1, 'graph-error'],
    ['https://reports.office.com/\u0000x', 1, 'host-refused'],
  ];
  it.each(bad)('refuses %s at hop %d', (loc, hop, code) => {
    expect(() => checkReportRedirect(loc, { hop, from })).toThrowError(expect.objectContaining({ code }));
  });

  it('resolves a scheme-relative Location against https (no downgrade)', () => {
    expect(checkReportRedirect('//evil.example/x', { hop: 1, from }).protocol).toBe('https:');
  });
});

describe('canonicalOrigin', () => {
  it.each([
    ['https://graph.microsoft.com', 'https://graph.microsoft.com'],
    ['https://GRAPH.microsoft.com/', 'https://graph.microsoft.com'],
    ['https://127.0.0.1:4431', 'https://127.0.0.1:4431'],
  ])('%s -> %s', (i, o) => expect(canonicalOrigin(i)).toBe(o));
  it.each(['http://graph.microsoft.com', 'https://u:p@graph.microsoft.com', 'graph.microsoft.com'])('rejects %s', (i) => {
    expect(() => canonicalOrigin(i)).toThrowError(expect.objectContaining({ code: 'bad-input' }));
  });
});
