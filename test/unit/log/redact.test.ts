import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redactor } from '../../../src-main/core/log/redact';
import { createLogger } from '../../../src-main/core/log/logger';
import { tempDir } from '../../helpers/fs';

describe('Redactor', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVl';
  it.each([
    [`token ${jwt} end`, 'token [redacted jwt] end'],
    ['Authorization: Bearer abc.def-ghi', 'Authorization: Bearer [redacted]'],
    ['client_secret=abc123&scope=x', 'client_secret=[redacted]&scope=x'],
    ['{"refresh_token":"0.AAA-zzz"}', '{"refresh_token":"[redacted]"}'],
    ['-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----', '[redacted private key]'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----', '[redacted private key]'],
    ['nothing secret here', 'nothing secret here'],
  ])('%j', (input, expected) => {
    expect(new Redactor().redact(input)).toBe(expected);
  });

  it('removes registered secrets wherever they appear and ignores very short values', () => {
    const r = new Redactor();
    r.add('abc8Q~longSecretValue123');
    r.add('short');
    expect(r.redact('x abc8Q~longSecretValue123 y short')).toBe('x [redacted] y short');
  });
});

describe('logger', () => {
  it('writes JSON lines with every registered secret removed', () => {
    const r = new Redactor();
    r.add('S3cr3t-Value-For-Test');
    const file = join(tempDir(), 'logs', 'x.log');
    const log = createLogger({ file, redactor: r, clock: () => new Date('2026-01-01T00:00:00Z') });
    log.info('signing in', { detail: 'secret S3cr3t-Value-For-Test used' });
    log.debug('hidden below info');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({ t: '2026-01-01T00:00:00.000Z', level: 'info', msg: 'signing in', detail: 'secret [redacted] used' });
  });
});
