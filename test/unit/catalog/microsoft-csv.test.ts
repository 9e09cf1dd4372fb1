/**
 * Microsoft's "Product names and service plan identifiers for licensing" CSV, as linked from
 * learn.microsoft.com/entra/identity/users/licensing-service-plan-reference: UTF-8 with a BOM,
 * CRLF, RFC 4180 quoting (RFC 4180 section 2: fields holding commas or quotes are quoted, a
 * quote inside is doubled), one row per product and service plan.
 */
import { describe, expect, it } from 'vitest';
import { isOperatorError, type OperatorError } from '../../../src-main/core/errors/operator-error';
import {
  MICROSOFT_CATALOG_COLUMNS,
  parseMicrosoftCatalogCsv,
  toMicrosoftCatalogCsv,
} from '../../../src-main/core/catalog/microsoft-csv';

const HEADER = MICROSOFT_CATALOG_COLUMNS.join(',');
const BOM = '\uFEFF';

function fails(text: string): OperatorError {
  try {
    parseMicrosoftCatalogCsv(text, 'catalog.csv');
  } catch (e) {
    if (isOperatorError(e)) return e;
    throw e;
  }
  throw new Error('parsed without error');
}

/** Core messages and hints name no CLI command or flag. */
function expectFrontEndNeutral(e: OperatorError): void {
  expect(`${e.message} ${e.hint}`).not.toMatch(/--[a-z]|`|\bcatalog import\b/);
}

describe("parsing Microsoft's CSV", () => {
  // Rows in the shape of Microsoft's file: quoted product name with a comma, an en dash,
  // "RETIRED - " on a plan, stray spaces around a part number and a GUID.
  const text =
    BOM +
    [
      HEADER,
      'Office 365 E3,ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,EXCHANGE_S_ENTERPRISE,efb87545-963c-4e0d-99df-69c6916d9eb0,Exchange Online (Plan 2)',
      'Office 365 E3,ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,TEAMS1,57ff2da0-773e-42df-b2af-ffb7a2317929,Microsoft Teams',
      '"Dynamics 365 Field Service, Enterprise Edition - Resource Scheduling Optimization",CRM_AUTO_ROUTING_ADDON,977464c4-bfaf-4b67-b761-a9bb735a2196,CRM_AUTO_ROUTING_ADDON,2ba394e0-6f18-4b77-b45f-a5663bbab540,RETIRED - Field Service – Automated Routing Engine Add-On',
      '"Dynamics 365 Field Service, Enterprise Edition - Resource Scheduling Optimization",CRM_AUTO_ROUTING_ADDON,977464c4-bfaf-4b67-b761-a9bb735a2196,EXCHANGE_S_FOUNDATION,113feb6c-3fe4-4440-bddc-54d774bf0318,Exchange Foundation',
      '',
      'Office 365 E3,ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,TEAMS1,57ff2da0-773e-42df-b2af-ffb7a2317929,Microsoft Teams',
      'RETIRED - Old Suite,OLD_SUITE ,11111111-2222-3333-4444-555555555555 ,"PLAN ""A""",aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee,"Plan ""A"", the first"',
      ',,,,,',
      '',
    ].join('\r\n');

  const parsed = parseMicrosoftCatalogCsv(text, 'catalog.csv');
  const by = (part: string) => parsed.skus.find((s) => s.skuPartNumber === part);

  it('reads every product once, with its plans in order, and drops the repeated row and blank lines', () => {
    expect(parsed.skus.map((s) => s.skuPartNumber)).toEqual(['ENTERPRISEPACK', 'CRM_AUTO_ROUTING_ADDON', 'OLD_SUITE']);
    expect(parsed.rows).toBe(6);
    expect(parsed.duplicateRows).toBe(1);
    expect(by('ENTERPRISEPACK')?.servicePlans.map((p) => p.servicePlanName)).toEqual(['EXCHANGE_S_ENTERPRISE', 'TEAMS1']);
  });

  it('strips the BOM, so the first column is the product name', () => {
    expect(by('ENTERPRISEPACK')?.displayName).toBe('Office 365 E3');
  });

  it('unquotes fields with commas and doubled quotes, and trims stray spaces', () => {
    const fs = by('CRM_AUTO_ROUTING_ADDON');
    expect(fs?.displayName).toBe('Dynamics 365 Field Service, Enterprise Edition - Resource Scheduling Optimization');
    const old = by('OLD_SUITE');
    expect(old?.skuId).toBe('11111111-2222-3333-4444-555555555555');
    expect(old?.servicePlans[0]).toEqual({
      servicePlanId: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      servicePlanName: 'PLAN "A"',
      friendlyName: 'Plan "A", the first',
      retired: false,
    });
  });

  it('flags "RETIRED - " products and plans and drops the prefix from their names', () => {
    expect(by('OLD_SUITE')).toMatchObject({ displayName: 'Old Suite', retired: true });
    expect(by('ENTERPRISEPACK')?.retired).toBe(false);
    const plans = by('CRM_AUTO_ROUTING_ADDON')?.servicePlans ?? [];
    expect(plans[0]).toMatchObject({ friendlyName: 'Field Service – Automated Routing Engine Add-On', retired: true });
    expect(plans[1]).toMatchObject({ friendlyName: 'Exchange Foundation', retired: false });
  });

  it('lower-cases GUIDs, so lookups match Graph whatever the case in the file', () => {
    const upper = parseMicrosoftCatalogCsv(`${HEADER}\nX,X_SKU,6FD2C87F-B296-42F0-B197-1E91E994B900,P,EFB87545-963C-4E0D-99DF-69C6916D9EB0,P\n`, 'x.csv');
    expect(upper.skus[0]?.skuId).toBe('6fd2c87f-b296-42f0-b197-1e91e994b900');
    expect(upper.skus[0]?.servicePlans[0]?.servicePlanId).toBe('efb87545-963c-4e0d-99df-69c6916d9eb0');
  });

  it('reads a file without a BOM and with LF line ends too', () => {
    const lf = parseMicrosoftCatalogCsv(text.slice(1).replace(/\r\n/g, '\n'), 'lf.csv');
    expect(lf.skus).toEqual(parsed.skus);
  });

  it('writes the same table back in the same format (BOM, CRLF, RETIRED restored)', () => {
    const out = toMicrosoftCatalogCsv(parsed.skus);
    expect(out.startsWith(BOM + HEADER + '\r\n')).toBe(true);
    expect(out).toContain('RETIRED - Old Suite');
    expect(out).toContain('"Dynamics 365 Field Service, Enterprise Edition - Resource Scheduling Optimization"');
    const again = parseMicrosoftCatalogCsv(out, 'round-trip.csv');
    expect(again.skus).toEqual(parsed.skus);
    expect(again.duplicateRows).toBe(0);
  });
});

describe('a file that is not Microsoft\'s format', () => {
  it('names the columns expected and the columns found', () => {
    const e = fails(BOM + 'SKU,Quantity,Unit price\r\nENTERPRISEPACK,10,23.00\r\n');
    expect(e.code).toBe('bad-input');
    expect(e.message).toContain('catalog.csv');
    expect(e.message).toContain(
      'expected the columns Product_Display_Name, String_Id, GUID, Service_Plan_Name, Service_Plan_Id, Service_Plans_Included_Friendly_Names',
    );
    expect(e.message).toContain('found SKU, Quantity, Unit price');
    expect(e.hint).toMatch(/Product names and service plan identifiers for licensing/);
    expectFrontEndNeutral(e);
  });

  it('refuses a header with a column missing or in another order', () => {
    const cols = [...MICROSOFT_CATALOG_COLUMNS];
    expect(fails(cols.slice(0, 5).join(',') + '\n').message).toContain('found Product_Display_Name, String_Id, GUID, Service_Plan_Name, Service_Plan_Id.');
    const swapped = [cols[1], cols[0], ...cols.slice(2)].join(',');
    expect(fails(swapped + '\n').message).toContain(`found ${swapped.replace(/,/g, ', ')}`);
  });

  it.each([
    ['an empty file', ''],
    ['only a BOM', BOM],
    ['only blank lines', '\r\n\r\n'],
  ])('refuses %s, saying no header was found', (_label, text) => {
    const e = fails(text);
    expect(e.code).toBe('bad-input');
    expect(e.message).toContain('found no header at all');
  });

  it('refuses the right header with no products', () => {
    expect(fails(BOM + HEADER + '\r\n').message).toContain('no products');
  });

  it('names the row and the column of a bad value', () => {
    const e = fails(`${HEADER}\r\nOffice 365 E3,ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,TEAMS1,57ff2da0-773e-42df-b2af-ffb7a2317929,Microsoft Teams\r\nOffice 365 E3,ENTERPRISEPACK,not-a-guid,TEAMS1,57ff2da0-773e-42df-b2af-ffb7a2317929,Microsoft Teams\r\n`);
    expect(e.code).toBe('bad-input');
    expect(e.message).toBe('catalog.csv, row 3, column GUID: "not-a-guid" is not a GUID.');
    expectFrontEndNeutral(e);
  });

  it('names the row with the wrong number of fields, and an empty part number', () => {
    expect(fails(`${HEADER}\nA,B,6fd2c87f-b296-42f0-b197-1e91e994b900\n`).message).toBe('catalog.csv, row 2: expected 6 fields, found 3.');
    expect(fails(`${HEADER}\nA,,6fd2c87f-b296-42f0-b197-1e91e994b900,P,57ff2da0-773e-42df-b2af-ffb7a2317929,P\n`).message).toBe(
      'catalog.csv, row 2, column String_Id: "" is empty.',
    );
  });

  it('refuses text that is not CSV at all (an unterminated quote)', () => {
    const e = fails(`${HEADER}\n"Office 365 E3,ENTERPRISEPACK\n`);
    expect(e.code).toBe('bad-input');
    expect(e.message).toMatch(/^catalog\.csv is not a readable CSV file/);
  });
});
