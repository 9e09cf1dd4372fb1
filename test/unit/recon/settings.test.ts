import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src-main/core/store/db';
import { defaultSettings, readSettings, upnMatcher, writeSettings } from '../../../src-main/core/recon/settings';
import { OperatorError } from '../../../src-main/core/errors/operator-error';

describe('reconciliation settings', () => {
  const now = new Date('2026-11-01T00:00:00Z');

  it('start from sensible defaults: 90 days, free and device SKUs and service accounts excluded, no buffers', () => {
    const d = defaultSettings();
    expect(d.inactiveDays).toBe(90);
    expect(d.excludedSkus).toEqual(expect.arrayContaining(['FLOW_FREE', 'POWER_BI_STANDARD', 'Microsoft_Teams_Rooms_Pro']));
    expect(d.excludedUpnPatterns).toContain('svc-*');
    expect(d.seatBuffers).toEqual({});
  });

  it('are stored per profile and read back', () => {
    const db = openDatabase(':memory:');
    expect(readSettings(db, 'a')).toEqual(defaultSettings());
    writeSettings(db, 'a', { inactiveDays: 45, seatBuffers: { SPE_E3: 5 } }, now);
    expect(readSettings(db, 'a')).toMatchObject({ inactiveDays: 45, seatBuffers: { SPE_E3: 5 } });
    expect(readSettings(db, 'b').inactiveDays).toBe(90);
  });

  it.each([
    [{ inactiveDays: 0 }, /inactiveDays/],
    [{ inactiveDays: 12.5 }, /inactiveDays/],
    [{ seatBuffers: { SPE_E3: -1 } }, /seatBuffers/],
    [{ excludedSkus: [''] }, /excludedSkus/],
    [{ excludedUpnPatterns: ['svc *'] }, /excludedUpnPatterns/],
    [{ unknownSetting: true }, /unknownSetting|Unrecognized/],
  ])('refuse %j with a message naming the field, and keep what is stored', (input, message) => {
    const db = openDatabase(':memory:');
    writeSettings(db, 'p', { inactiveDays: 30 }, now);
    let err: unknown;
    try {
      writeSettings(db, 'p', input, now);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OperatorError);
    expect((err as OperatorError).message).toMatch(message);
    expect(readSettings(db, 'p').inactiveDays).toBe(30);
  });

  it('match UPN patterns over the whole UPN, case-insensitively, with * only', () => {
    const m = upnMatcher(['svc-*', 'scanner.*@contoso.com']);
    expect(m('SVC-backup@contoso.com')).toBe(true);
    expect(m('scanner.floor2@contoso.com')).toBe(true);
    expect(m('scannerXfloor2@contoso.com')).toBe(false); // "." is literal
    expect(m('alice.svc-x@contoso.com')).toBe(false);
    expect(m(null)).toBe(false);
    expect(upnMatcher([])('svc-a@x')).toBe(false);
  });
});
