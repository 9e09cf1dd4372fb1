import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { servicePlanFriendlyName, skuFriendlyName } from '../../../src-main/core/catalog/skus';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { CSV_DELIMITERS, csvOptions, neutraliseCell, type Cell } from '../../../src-main/core/export/csv';
import { exportSnapshot, lastSignInCell, SKU_SUMMARY_HEADER, USER_LICENSES_HEADER } from '../../../src-main/core/export/exports';
import { openDatabase } from '../../../src-main/core/store/db';
import { servicePlanNames, skuSummary, userAssignments } from '../../../src-main/core/store/queries';
import { runSync } from '../../../src-main/core/sync/engine';
import { SKU_COLUMNS } from '../../../src-main/shared/sku-columns';
import { ALL_ROLES, FakeSession, GROUP_ID, PLAN_EXCHANGE, PLAN_TEAMS, SKU_E3, sampleData } from '../../helpers/fake-session';

const dir = mkdtempSync(join(tmpdir(), 'exports-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readCsv(path: string): Record<string, string>[] {
  const bytes = readFileSync(path);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  return parse(bytes.subarray(3).toString('utf8'), { columns: true, record_delimiter: '\r\n' }) as Record<string, string>[];
}

describe('exportSnapshot', () => {
  it('writes sku-summary.csv and user-licenses.csv with friendly names, sources and sign-ins', async () => {
    const db = openDatabase(':memory:');
    const data = sampleData(3, 2);
    (data.skus[0] as unknown[]).push({
      skuId: '99999999-9999-9999-9999-999999999999', skuPartNumber: '=EVIL()', consumedUnits: 0, prepaidUnits: { enabled: 0, suspended: 3, warning: 0 },
    });
    const result = await runSync({ session: new FakeSession(ALL_ROLES, data), db, profileName: 'p' });
    const out = join(dir, 'full');
    const exported = await exportSnapshot(db, result.snapshotId, out);
    expect(exported.files).toEqual([join(out, 'sku-summary.csv'), join(out, 'user-licenses.csv')]);

    const skus = readCsv(join(out, 'sku-summary.csv'));
    expect(Object.keys(skus[0] ?? {})).toEqual([...SKU_SUMMARY_HEADER]);
    // Usable = enabled + warning; E3's 6 consumed fit its 5 enabled + 1 grace seat (not "-1 available").
    expect(skus).toEqual([
      { Product: "'=EVIL()", 'Part number': "'=EVIL()", Enabled: '0', Warning: '0', Suspended: '3', Usable: '0', Consumed: '0', Available: '0', 'Over-assigned': '0' },
      { Product: 'Office 365 E3', 'Part number': 'ENTERPRISEPACK', Enabled: '5', Warning: '1', Suspended: '0', Usable: '6', Consumed: '6', Available: '0', 'Over-assigned': '0' },
      { Product: 'Office 365 E5', 'Part number': 'ENTERPRISEPREMIUM', Enabled: '10', Warning: '0', Suspended: '0', Usable: '10', Consumed: '2', Available: '8', 'Over-assigned': '0' },
    ]);
    expect(exported.skuSummary.map((s) => [s.product, s.usable, s.available, s.overAssigned, s.directAssignments, s.groupAssignments])).toEqual([
      ['=EVIL()', 0, 0, 0, 0, 0],
      ['Office 365 E3', 6, 0, 0, 6, 0],
      ['Office 365 E5', 10, 8, 0, 0, 3],
    ]);

    const users = readCsv(join(out, 'user-licenses.csv'));
    expect(Object.keys(users[0] ?? {})).toEqual([...USER_LICENSES_HEADER]);
    expect(users).toHaveLength(9);
    const u0 = users.filter((r) => r['User principal name'] === 'user0@contoso.example');
    expect(u0).toEqual([
      {
        'User principal name': 'user0@contoso.example', 'Display name': 'User 0', 'Account enabled': 'No', 'User type': 'Member',
        SKU: 'Office 365 E3', 'Part number': 'ENTERPRISEPACK', Source: 'Direct', 'Assignment state': 'Active', Error: '',
        'Disabled plans': 'Microsoft Teams', 'Last sign-in': 'Never',
      },
      {
        'User principal name': 'user0@contoso.example', 'Display name': 'User 0', 'Account enabled': 'No', 'User type': 'Member',
        SKU: 'Office 365 E5', 'Part number': 'ENTERPRISEPREMIUM', Source: 'Group: E5 licensed staff', 'Assignment state': 'Active', Error: '',
        'Disabled plans': '', 'Last sign-in': 'Never',
      },
    ]);
    const u1 = users.find((r) => r['User principal name'] === 'user1@contoso.example');
    expect(u1).toMatchObject({ 'User type': 'Guest', 'Account enabled': 'Yes', 'Last sign-in': '2024-03-05T10:00:00Z' });
    const u2e5 = users.find((r) => r['User principal name'] === 'user2@contoso.example' && r['Part number'] === 'ENTERPRISEPREMIUM');
    expect(u2e5).toMatchObject({ Error: 'CountViolation', 'Assignment state': 'Error' });
    // Sorted by UPN (user10 would sort before user2 as text; here 0..5).
    expect([...new Set(users.map((r) => r['User principal name']))]).toEqual([0, 1, 2, 3, 4, 5].map((i) => `user${i}@contoso.example`));
  });

  it('leaves Last sign-in empty when the sign-in dataset was skipped, and shows group ids when groups were', async () => {
    const db = openDatabase(':memory:');
    const roles = ALL_ROLES.filter((r) => r !== 'AuditLog.Read.All' && r !== 'GroupMember.Read.All');
    const result = await runSync({ session: new FakeSession(roles, sampleData(1, 2)), db, profileName: 'p' });
    const out = join(dir, 'skipped');
    await exportSnapshot(db, result.snapshotId, out);
    const users = readCsv(join(out, 'user-licenses.csv'));
    expect(users.map((r) => r['Last sign-in'])).toEqual(['', '', '']);
    expect(users.find((r) => r.Source?.startsWith('Group'))?.Source).toBe('Group: aaaaaaaa-0000-0000-0000-000000000001');
  });

  it('neutralises hostile Graph values in the export', async () => {
    const db = openDatabase(':memory:');
    const data = sampleData(1, 1);
    const u = (data.users[0] as Record<string, unknown>[])[0] as Record<string, unknown>;
    u.displayName = '=cmd|\' /C calc\'!A0';
    u.userPrincipalName = '@SUM(1)@contoso.example';
    const result = await runSync({ session: new FakeSession(ALL_ROLES, data), db, profileName: 'p' });
    const out = join(dir, 'hostile');
    await exportSnapshot(db, result.snapshotId, out);
    const users = readCsv(join(out, 'user-licenses.csv'));
    expect(users[0]?.['Display name']).toBe("'=cmd|' /C calc'!A0");
    expect(users[0]?.['User principal name']).toBe("'@SUM(1)@contoso.example");
  });

  it('writes the user licences byte for byte as csv-stringify writes their cells, for hostile values and both separators', async () => {
    const db = openDatabase(':memory:');
    const data = sampleData(3, 2);
    const users = data.users.flat() as Record<string, unknown>[];
    const set = (i: number, field: string, value: unknown): void => {
      (users[i] as Record<string, unknown>)[field] = value;
    };
    set(0, 'displayName', '-1+1');
    set(1, 'displayName', 'Bob, "Jr."\r\n=1');
    set(2, 'userType', '@Member');
    set(3, 'userPrincipalName', '\u200B=x@contoso.example');
    set(4, 'displayName', 'Zoë; Ångström\t+1');
    const unknownPlan = '00000000-0000-4000-8000-00000000beef';
    const states = (users[0] as { licenseAssignmentStates: { disabledPlans: string[] }[] }).licenseAssignmentStates;
    (states[0] as { disabledPlans: string[] }).disabledPlans = [PLAN_TEAMS, unknownPlan];
    const skus = (data.skus[0] ?? []) as { skuPartNumber: string; servicePlans: unknown[] }[];
    (skus[0] as { servicePlans: unknown[] }).servicePlans.push({ servicePlanId: unknownPlan, servicePlanName: '=PLAN;X', provisioningStatus: 'Success', appliesTo: 'User' });
    (skus[1] as { skuPartNumber: string }).skuPartNumber = '+E5';
    ((data.groups[0] ?? [])[0] as { displayName: string }).displayName = '=Group;@x "y"';
    const result = await runSync({ session: new FakeSession(ALL_ROLES, data), db, profileName: 'p' });
    const id = result.snapshotId;

    // The cells as the export defines them, row by row, with no caching.
    const product = new Map(skuSummary(db, id).map((s) => [s.skuId, s.product]));
    const planNames = servicePlanNames(db, id);
    const cells: Cell[][] = [...userAssignments(db, id)].map((r) => [
      r.upn, r.displayName, r.accountEnabled === null ? '' : r.accountEnabled ? 'Yes' : 'No', r.userType,
      product.get(r.skuId) ?? skuFriendlyName(r.skuId, r.skuPartNumber ?? r.skuId), r.skuPartNumber,
      r.source === 'group' ? `Group: ${r.groupName ?? r.groupId ?? ''}` : 'Direct',
      r.state, r.error && r.error !== 'None' ? r.error : '',
      r.disabledPlans.map((p) => servicePlanFriendlyName(p, planNames.get(p) ?? p)).join('; '),
      lastSignInCell(r, true),
    ]);
    expect(cells.flat()).toEqual(expect.arrayContaining(['-1+1', '@Member', '+E5', 'Group: =Group;@x "y"', 'Microsoft Teams; =PLAN;X']));
    for (const delimiter of CSV_DELIMITERS) {
      const out = join(dir, `oracle-${delimiter === ',' ? 'comma' : 'semicolon'}`);
      await exportSnapshot(db, id, out, { delimiter, only: ['user-licenses'] });
      const expected = stringify([[...USER_LICENSES_HEADER], ...cells].map((r) => r.map(neutraliseCell)), { ...csvOptions(delimiter) });
      expect(readFileSync(join(out, 'user-licenses.csv')).toString('utf8')).toBe(expected);
    }
  });

  it('refuses an unknown snapshot', async () => {
    const db = openDatabase(':memory:');
    await expect(exportSnapshot(db, 42, join(dir, 'none'))).rejects.toBeInstanceOf(OperatorError);
  });
});

describe('lastSignInCell', () => {
  const base = { lastSignIn: null, lastNonInteractiveSignIn: null, lastSuccessfulSignIn: null, hasSignInRow: true };
  it.each([
    ['dataset not synced', { ...base, lastSignIn: '2024-01-01T00:00:00Z' }, false, ''],
    ['no row for the user', { ...base, hasSignInRow: false }, true, ''],
    ['never signed in', base, true, 'Never'],
    ['interactive only', { ...base, lastSignIn: '2024-01-01T00:00:00Z' }, true, '2024-01-01T00:00:00Z'],
    ['non-interactive is newer', { ...base, lastSignIn: '2024-01-01T00:00:00Z', lastNonInteractiveSignIn: '2024-02-01T00:00:00Z' }, true, '2024-02-01T00:00:00Z'],
    ['successful is newest', { ...base, lastSignIn: '2024-01-01T00:00:00Z', lastSuccessfulSignIn: '2024-03-01T00:00:00Z' }, true, '2024-03-01T00:00:00Z'],
  ])('%s', (_l, row, synced, expected) => {
    expect(lastSignInCell(row, synced)).toBe(expected);
  });
});

describe('exportSnapshot without subscribedSkus', () => {
  it('names SKUs from the catalog by id when the SKU dataset was skipped', async () => {
    const db = openDatabase(':memory:');
    // Organization.Read.All (for subscriptions) also reads SKUs: leave out both.
    const roles = ALL_ROLES.filter((r) => r !== 'LicenseAssignment.Read.All' && r !== 'Organization.Read.All');
    const result = await runSync({ session: new FakeSession(roles, sampleData(1, 1)), db, profileName: 'p' });
    const out = join(dir, 'no-skus');
    const exported = await exportSnapshot(db, result.snapshotId, out);
    expect(exported.skuSummary).toEqual([]);
    const users = readCsv(join(out, 'user-licenses.csv'));
    expect(users.map((r) => [r.SKU, r['Part number']])).toEqual([['Office 365 E3', ''], ['Office 365 E5', '']]);
    // Without the SKU's plan list, a disabled plan still gets its catalog name.
    expect(users[0]?.['Disabled plans']).toBe('Microsoft Teams');
  });
});

/**
 * Parse a CSV the way LibreOffice Calc does for a double-clicked .csv with its default
 * import settings: `,` `;` and TAB are all separators at once, double quotes are
 * honoured, and CR, LF and CRLF end a row.
 */
function parseLikeCalc(bytes: Buffer, honourQuotes = true): string[][] {
  return parse(bytes, {
    bom: true,
    delimiter: [',', ';', '\t'],
    record_delimiter: ['\r\n', '\n', '\r'],
    quote: honourQuotes ? '"' : false,
    relax_column_count: true,
    relax_quotes: !honourQuotes,
  }) as string[][];
}

/** Would a spreadsheet start a formula with this cell (looking past spaces and invisible characters, folding full-width forms)? */
function startsFormula(cell: string): boolean {
  const visible = cell.normalize('NFKC').replace(/^[\s\u00A0\u200B-\u200D\u2060\uFEFF\u180E\u00AD]+/u, '');
  return /^[=+\-@]/.test(visible);
}

describe('exports opened as a spreadsheet opens them', () => {
  async function hostileExport(delimiter?: ',' | ';'): Promise<{ out: string; exported: Awaited<ReturnType<typeof exportSnapshot>> }> {
    const db = openDatabase(':memory:');
    const data = sampleData(3, 2);
    const users = data.users.flat() as Record<string, unknown>[];
    Object.assign(users[0] ?? {}, { displayName: 'Bob;=1+1' });
    Object.assign(users[1] ?? {}, { displayName: '\t=2+2', userPrincipalName: '\uFF1Dcmd@contoso.example' });
    Object.assign(users[2] ?? {}, { displayName: '\u00A0@SUM(1)' });
    Object.assign(users[3] ?? {}, { displayName: 'Carol,-3+3\n+4' });
    // Two disabled plans: "Disabled plans" joins their names with "; ".
    const states = users[0]?.licenseAssignmentStates as { skuId: string; disabledPlans: string[] }[];
    for (const st of states) if (st.skuId === SKU_E3) st.disabledPlans = [PLAN_TEAMS, PLAN_EXCHANGE];
    data.groups = [[{ id: GROUP_ID, displayName: 'Staff;\u200B=HYPERLINK("http://evil")', assignedLicenses: [] }]];
    const result = await runSync({ session: new FakeSession(ALL_ROLES, data), db, profileName: 'p' });
    const out = join(dir, `calc-${delimiter ?? 'default'}`);
    const exported = await exportSnapshot(db, result.snapshotId, out, delimiter ? { delimiter } : {});
    return { out, exported };
  }

  it.each([[undefined], [';' as const]])('every row keeps its columns and no cell starts a formula (delimiter %s)', async (delimiter) => {
    const { exported } = await hostileExport(delimiter);
    for (const file of exported.files) {
      const bytes = readFileSync(file);
      const rows = parseLikeCalc(bytes);
      expect(rows.length).toBeGreaterThan(1);
      const width = rows[0]?.length;
      for (const row of rows) expect(row).toHaveLength(width ?? 0);
      for (const cell of rows.flat()) expect(startsFormula(cell), JSON.stringify(cell)).toBe(false);
      // Even an import that ignores quotes makes no cell that starts a formula.
      for (const cell of parseLikeCalc(bytes, false).flat()) expect(startsFormula(cell), JSON.stringify(cell)).toBe(false);
    }
  });

  it('keeps the text readable and the counts numeric', async () => {
    const { out } = await hostileExport();
    const users = readCsv(join(out, 'user-licenses.csv'));
    expect(users.map((u) => u['Display name'])).toContain("Bob;'=1+1");
    expect(users.find((u) => u['Display name'] === "Bob;'=1+1" && u['Part number'] === 'ENTERPRISEPACK')?.['Disabled plans']).toBe(
      'Microsoft Teams; Exchange Online (Plan 2)',
    );
    const text = readFileSync(join(out, 'sku-summary.csv'), 'utf8');
    // Numbers are written as numbers: bare, never quoted nor prefixed.
    expect(text).toContain('"Office 365 E5","ENTERPRISEPREMIUM",10,0,0,10,2,8,0\r\n');
  });

  it('uses ; when the profile asks for it', async () => {
    const { out } = await hostileExport(';');
    const text = readFileSync(join(out, 'sku-summary.csv'), 'utf8');
    expect(text.split('\r\n')[0]).toBe(`\ufeff${SKU_COLUMNS.map((c) => `"${c.header}"`).join(';')}`);
    expect(text).toContain('"Office 365 E5";"ENTERPRISEPREMIUM";10;0;0;10;2;8;0\r\n');
  });
});

describe('seat figures', () => {
  it('a SKU with more seats consumed than usable is over-assigned by the difference, never negative available', async () => {
    const db = openDatabase(':memory:');
    const data = sampleData(1, 1);
    const e3 = (data.skus[0] as Record<string, unknown>[])[0] as Record<string, unknown>;
    Object.assign(e3, { consumedUnits: 30, prepaidUnits: { enabled: 5, warning: 7, suspended: 4, lockedOut: 0 } });
    const result = await runSync({ session: new FakeSession(ALL_ROLES, data), db, profileName: 'p' });
    const out = join(dir, 'over');
    const exported = await exportSnapshot(db, result.snapshotId, out);
    const e3row = exported.skuSummary.find((s) => s.partNumber === 'ENTERPRISEPACK');
    expect(e3row).toMatchObject({ enabled: 5, warning: 7, suspended: 4, usable: 12, consumed: 30, available: 0, overAssigned: 18 });
    expect(readCsv(join(out, 'sku-summary.csv')).find((r) => r['Part number'] === 'ENTERPRISEPACK')).toMatchObject({ Usable: '12', Available: '0', 'Over-assigned': '18' });
  });
});

describe('all or nothing', () => {
  it('a failure while writing the second file leaves neither new file, and the previous exports as they were', async () => {
    const db = openDatabase(':memory:');
    const first = await runSync({ session: new FakeSession(ALL_ROLES, sampleData(1, 2)), db, profileName: 'p' });
    const changed = sampleData(1, 2);
    Object.assign((changed.skus[0] as Record<string, unknown>[])[0] as Record<string, unknown>, { consumedUnits: 3 });
    const second = await runSync({ session: new FakeSession(ALL_ROLES, changed), db, profileName: 'p' });
    const out = join(dir, 'all-or-nothing');
    await exportSnapshot(db, first.snapshotId, out);
    const before = readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')]);
    // The SKU summary can be read, the user rows cannot: the second file fails.
    db.exec('ALTER TABLE users RENAME TO users_gone');
    await expect(exportSnapshot(db, second.snapshotId, out)).rejects.toThrow();
    expect(readdirSync(out).map((f) => [f, readFileSync(join(out, f), 'utf8')])).toEqual(before);
  });
});

describe('the seat columns as text', () => {
  it('says "over by" with the count written as the front end writes counts', () => {
    const over = SKU_COLUMNS.find((c) => c.header === 'Over-assigned');
    const row = { product: 'Office 365 E3', partNumber: 'ENTERPRISEPACK', skuId: 'x', capabilityStatus: 'Enabled', appliesTo: 'User', directAssignments: 14952, groupAssignments: 0, enabled: 1000, warning: 0, suspended: 0, lockedOut: 0, usable: 1000, consumed: 14952, available: 0, overAssigned: 13952 };
    expect(over?.text?.(row)).toBe('over by 13952');
    expect(over?.text?.(row, (n) => n.toLocaleString('en-US'))).toBe('over by 13,952');
    expect(over?.text?.({ ...row, consumed: 900, available: 100, overAssigned: 0 })).toBe('');
  });
});
