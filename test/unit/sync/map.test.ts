import { describe, expect, it } from 'vitest';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { parseItem } from '../../../src-main/core/datasets/parse';
import { boolCell, intCell } from '../../../src-main/core/datasets/report-cells';
import { activeUserDetailRow, activeUserDetailRowSchema } from '../../../src-main/core/datasets/report-active-user-detail';
import { subscribedSkuSchema } from '../../../src-main/core/datasets/subscribed-skus';
import { userLicenses, userSchema } from '../../../src-main/core/datasets/users';

const S = 'sku-a';
const G = 'group-1';

describe('userLicenses', () => {
  it.each([
    ['states win over assignedLicenses', { assignedLicenses: [{ skuId: S }], licenseAssignmentStates: [{ skuId: S, assignedByGroup: G, state: 'Active', error: 'None' }] }, [{ skuId: S, source: 'group', groupId: G, state: 'Active', error: 'None' }]],
    ['direct and group for the same SKU are two rows', { licenseAssignmentStates: [{ skuId: S, assignedByGroup: null }, { skuId: S, assignedByGroup: G }] }, [{ source: 'direct', groupId: null }, { source: 'group', groupId: G }]],
    ['absent states fall back to assignedLicenses as direct', { assignedLicenses: [{ skuId: S, disabledPlans: ['p'] }] }, [{ skuId: S, source: 'direct', groupId: null, state: null, error: null, disabledPlans: ['p'] }]],
    ['null states fall back too', { assignedLicenses: [{ skuId: S }], licenseAssignmentStates: null }, [{ skuId: S, source: 'direct', disabledPlans: [] }]],
    ['empty states with assigned licences fall back', { assignedLicenses: [{ skuId: S }], licenseAssignmentStates: [] }, [{ skuId: S, source: 'direct' }]],
    ['no licences at all', { assignedLicenses: [], licenseAssignmentStates: [] }, []],
    ['empty-string group id means direct', { licenseAssignmentStates: [{ skuId: S, assignedByGroup: '' }] }, [{ source: 'direct', groupId: null }]],
  ])('%s', (_label, input, expected) => {
    const user = parseItem(userSchema, { id: 'u', ...input }, 'user', 't');
    const rows = userLicenses(user);
    expect(rows).toHaveLength(expected.length);
    rows.forEach((r, i) => expect(r).toMatchObject(expected[i] as object));
  });
});

describe('parseItem', () => {
  it.each([
    ['missing id', userSchema, { displayName: 'x' }, 'id'],
    ['wrong type', userSchema, { id: 'u', accountEnabled: 'true' }, 'accountEnabled'],
    ['nested licence field', userSchema, { id: 'u', assignedLicenses: [{ disabledPlans: [] }] }, 'assignedLicenses.0.skuId'],
    ['sku units', subscribedSkuSchema, { skuId: 's', skuPartNumber: 'P', prepaidUnits: { enabled: '5' } }, 'prepaidUnits.enabled'],
    ['not an object', userSchema, 'hello', '(item)'],
    ['report without UPN', activeUserDetailRowSchema, { 'Display Name': 'x' }, 'User Principal Name'],
  ])('%s names the field', (_label, schema, value, field) => {
    let err: unknown;
    try {
      parseItem(schema, value, 'thing', 'page 1, item 1');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OperatorError);
    expect((err as OperatorError).code).toBe('graph-error');
    expect((err as OperatorError).message).toContain(`field "${field}"`);
  });

  it('accepts unknown extra fields (Graph adds properties), leaving them out of the parsed user', () => {
    const u = parseItem(userSchema, { id: 'u', displayName: 'A', brandNewGraphField: 1, assignedLicenses: [{ skuId: 's', newField: true }] }, 'user', 'x');
    expect(u).toEqual({ id: 'u', displayName: 'A', assignedLicenses: [{ skuId: 's' }] });
  });
});

describe('report cells', () => {
  it.each([
    ['True', true], ['false', false], ['Yes', true], ['No', false], ['1', true], ['0', false], ['', null], [undefined, null],
  ])('boolCell(%j)', (v, expected) => {
    expect(boolCell({ c: v }, 'c')).toBe(expected);
  });
  it.each([['42', 42], ['-1', -1], ['', null], [' 7 ', 7]])('intCell(%j)', (v, expected) => {
    expect(intCell({ c: v }, 'c')).toBe(expected);
  });
  it.each([['maybe'], ['2'], ['-1']])('boolCell rejects %j naming the column', (v) => {
    expect(() => boolCell({ 'Has Archive': v }, 'Has Archive')).toThrow(/"Has Archive"/);
  });
  it.each([['1.5'], ['12abc'], ['99999999999999999999']])('intCell rejects %j', (v) => {
    expect(() => intCell({ 'Item Count': v }, 'Item Count')).toThrow(/"Item Count"/);
  });
  it('maps the active user report by Microsoft column names; a column it does not know is left out', () => {
    const raw = { 'User Principal Name': 'a@b.c', 'Has Exchange License': 'True', 'Exchange Last Activity Date': '2024-01-02', 'Teams Last Activity Date': '', Extra: 'not stored' };
    const row = activeUserDetailRow(parseItem(activeUserDetailRowSchema, raw, 'row', '1'));
    expect(row).toMatchObject({ upn: 'a@b.c', hasExchangeLicense: true, exchangeLastActivity: '2024-01-02', teamsLastActivity: null, hasTeamsLicense: null });
    expect(JSON.stringify(row)).not.toContain('not stored');
  });
});
