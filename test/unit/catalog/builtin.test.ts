/**
 * The shipped catalogue (resources/catalog): Microsoft's "Product names and service plan
 * identifiers for licensing" table, learn.microsoft.com/entra/identity/users/licensing-service-plan-reference.
 * Reference lists below are copied from that page in MicrosoftDocs/entra-docs,
 * docs/identity/users/licensing-service-plan-reference.md at commit
 * 067a0c7b0bb2091db6379c757c7aca0bc4f89d4a (ms.date 10/29/2025).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BUILTIN_CATALOG_FILE,
  builtinCatalog,
  builtinCatalogDir,
  builtinCatalogSource,
} from '../../../src-main/core/catalog/builtin';
import { parseMicrosoftCatalogCsv } from '../../../src-main/core/catalog/microsoft-csv';

const file = join(builtinCatalogDir(), BUILTIN_CATALOG_FILE);
const bytes = readFileSync(file);
const catalog = builtinCatalog();
const plans = (part: string) => catalog.skuByPartNumber(part)?.servicePlans.map((p) => `${p.servicePlanName} ${p.servicePlanId}`);

describe('finding the shipped catalogue', () => {
  it('walks up from a bundle folder (out/cli, out/main) to the package root', () => {
    const root = dirname(dirname(builtinCatalogDir()));
    for (const start of [join(root, 'out', 'cli'), join(root, 'out', 'main'), join(root, 'src-main', 'core', 'catalog')]) {
      expect(builtinCatalogDir(start)).toBe(join(root, 'resources', 'catalog'));
    }
  });

  it('says the installation is incomplete when there is none', () => {
    expect(() => builtinCatalogDir(tmpdir())).toThrow(/built-in SKU catalogue/);
  });
});

describe('the shipped catalogue file', () => {
  it("is in Microsoft's format: BOM, Microsoft's header, CRLF", () => {
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8');
    expect(text.slice(1, text.indexOf('\r\n'))).toBe(
      'Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names',
    );
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
  });

  it('matches its provenance record (checksum and counts) and names the reference date and commit', () => {
    const src = builtinCatalogSource();
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(src.sha256);
    const parsed = parseMicrosoftCatalogCsv(bytes.toString('utf8'), file);
    expect(src.skus).toBe(parsed.skus.length);
    expect(src.rows).toBe(parsed.rows);
    expect(parsed.duplicateRows).toBe(0);
    expect(src.servicePlans).toBe(catalog.planCount);
    expect(src.referencePage).toMatchObject({ commit: '067a0c7b0bb2091db6379c757c7aca0bc4f89d4a', msDate: '2025-10-29' });
    expect(src.csv.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const part of src.checkedProducts) expect(catalog.skuByPartNumber(part), part).toBeDefined();
  });

  it('has at least 80 SKUs, each with at least one plan, unique GUIDs', () => {
    expect(catalog.size).toBeGreaterThanOrEqual(80);
    expect(new Set(catalog.skus.map((s) => s.skuId)).size).toBe(catalog.size);
    for (const s of catalog.skus) expect(s.servicePlans.length, s.skuPartNumber).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['SPE_E3', '05e9a617-0261-4cee-bb44-138d3ef5d965', 'Microsoft 365 E3'],
    ['SPE_E5', '06ebc4ee-1bb5-47dd-8120-11324bc54e06', 'Microsoft 365 E5'],
    ['M365_F1', '44575883-256e-4a79-9da4-ebe9acabe2b2', 'Microsoft 365 F1'],
    ['SPE_F1', '66b55226-6b4f-492c-910c-a3b7a3c9d993', 'Microsoft 365 F3'],
    ['O365_BUSINESS_ESSENTIALS', '3b555118-da6a-4418-894f-7df1e2096870', 'Microsoft 365 Business Basic'],
    ['O365_BUSINESS_PREMIUM', 'f245ecc8-75af-4f8e-b61f-27d8114de5f3', 'Microsoft 365 Business Standard'],
    ['SPB', 'cbdc14ab-d96c-4c30-b9f4-6ada7cdc1d46', 'Microsoft 365 Business Premium'],
    ['STANDARDPACK', '18181a46-0d4e-45cd-891e-60aabd171b4e', 'Office 365 E1'],
    ['ENTERPRISEPACK', '6fd2c87f-b296-42f0-b197-1e91e994b900', 'Office 365 E3'],
    ['ENTERPRISEPREMIUM', 'c7df2760-2c81-4ef7-b578-5b5392b571df', 'Office 365 E5'],
    ['DESKLESSPACK', '4b585984-651b-448a-9e53-3b10f069cf7f', 'Office 365 F3'],
    ['EXCHANGESTANDARD', '4b9405b0-7788-4568-add1-99614e613b69', 'Exchange Online (Plan 1)'],
    ['EXCHANGEENTERPRISE', '19ec0d23-8335-4cbd-94ac-6050e30712fa', 'Exchange Online (Plan 2)'],
    ['EXCHANGEDESKLESS', '80b2d799-d2ba-4d2a-8842-fb0d0f3a4b82', 'Exchange Online Kiosk'],
    ['O365_BUSINESS', 'cdd28e44-67e3-425e-be4c-737fab2899d3', 'Microsoft 365 Apps for Business'],
    ['OFFICESUBSCRIPTION', 'c2273bd0-dff7-4215-9ef5-2c7bcfb06425', 'Microsoft 365 Apps for Enterprise'],
    ['Teams_Ess', 'fde42873-30b6-436b-b361-21af5a6b84ae', 'Microsoft Teams Essentials'],
    ['POWER_BI_PRO', 'f8a1db68-be16-40ed-86d5-cb42ce701560', 'Power BI Pro'],
    ['VISIOCLIENT', 'c5928f49-12ba-48f7-ada3-0d743a3601d5', 'Visio Plan 2'],
    ['VISIOONLINE_PLAN1', '4b244418-9658-4451-a2b8-b5e2b364e9bd', 'Visio Plan 1'],
    ['PROJECTPROFESSIONAL', '53818b1b-4a27-454b-8896-0dba576410e6', 'Planner and Project Plan 3'],
    ['EMS', 'efccb6f7-5641-4e0e-bd10-b4976e1bf68e', 'Enterprise Mobility + Security E3'],
    ['EMSPREMIUM', 'b05e124f-c7cc-45a0-a6aa-8cf78c946968', 'Enterprise Mobility + Security E5'],
    ['AAD_PREMIUM', '078d2b04-f1bd-4111-bbd4-b4b1b354cef4', 'Microsoft Entra ID P1'],
    ['AAD_PREMIUM_P2', '84a661c4-e949-4bd2-a560-ed7766fcaf2b', 'Microsoft Entra ID P2'],
    ['INTUNE_A', '061f9ace-7d42-4136-88ac-31dc755f143f', 'Intune'],
    ['CPC_E_2C_8GB_128GB', 'e2aebe6c-897d-480f-9d62-fff1381581f7', 'Windows 365 Enterprise 2 vCPU 8 GB 128 GB'],
    ['Microsoft_Teams_Rooms_Pro', '4cde982a-ede4-4409-9ae6-b003453c8ea6', 'Microsoft Teams Rooms Pro'],
    ['Microsoft_Teams_Rooms_Basic', '6af4b3d6-14bb-4a2a-960c-6c902aad34f3', 'Microsoft Teams Rooms Basic'],
    ['MCOEV', 'e43b5b99-8dfb-405f-9987-dc307f34bcbd', 'Microsoft Teams Phone Standard'],
    ['Microsoft_365_Copilot', '639dec6b-bb19-468b-871c-c5c441c4b0cb', 'Microsoft Copilot for Microsoft 365'],
    ['FLOW_FREE', 'f30db892-07e9-47e9-837c-80727f46fd3d', 'Microsoft Power Automate Free'],
    ['POWER_BI_STANDARD', 'a403ebcc-fae0-4ca2-8c8c-7a907fd6c235', 'Microsoft Fabric (Free)'],
    ['TEAMS_EXPLORATORY', '710779e8-3d4a-4c88-adb9-386c958d1fdf', 'Microsoft Teams Exploratory'],
    ['MCOCAP', '295a8eb0-f78d-45c7-8b5b-1eed5ed02dff', 'Microsoft Teams Shared Devices'],
  ])('has %s (%s, %s)', (part, skuId, name) => {
    const s = catalog.lookupSku(skuId);
    expect(s.known).toBe(true);
    expect(s.skuPartNumber).toBe(part);
    expect(s.displayName).toBe(name);
    expect(s.servicePlans.length).toBeGreaterThanOrEqual(1);
  });

  it("lists Office 365 E3's full plan list as the reference page does, in its order", () => {
    expect(plans('ENTERPRISEPACK')).toEqual([
      'MESH_AVATARS_FOR_TEAMS dcf9d2f4-772e-4434-b757-77a453cfbc02',
      'MESH_AVATARS_ADDITIONAL_FOR_TEAMS 3efbd4ed-8958-4824-8389-1321f8730af8',
      'RMS_S_ENTERPRISE bea4c11e-220a-4e6d-8eb8-8ea15d019f90',
      'Bing_Chat_Enterprise 0d0c0d31-fae7-41f2-b909-eaf4d7f26dba',
      'CDS_O365_P2 95b76021-6a53-4741-ab8b-1d1f3d66a95a',
      'EXCHANGE_S_ENTERPRISE efb87545-963c-4e0d-99df-69c6916d9eb0',
      'MESH_IMMERSIVE_FOR_TEAMS f0ff6ac6-297d-49cd-be34-6dfef97f0c28',
      'ContentExplorer_Standard 2b815d45-56e4-4e3a-b65c-66cb9175b560',
      'MIP_S_CLP1 5136a095-5cf0-4aff-bec3-e84448b38ea5',
      'MYANALYTICS_P2 33c4f319-9bdd-48d6-9c4d-410b750a4a5a',
      'OFFICESUBSCRIPTION 43de0ff5-c92c-492b-9116-175376d08c38',
      'M365_LIGHTHOUSE_CUSTOMER_PLAN1 6f23d6a9-adbf-481c-8538-b4c095654487',
      'MICROSOFTBOOKINGS 199a5c09-e0ca-4e37-8f7c-b05d533e1ea2',
      'FORMS_PLAN_E3 2789c901-c14e-48ab-a76a-be334d9d793a',
      'KAIZALA_O365_P3 aebd3021-9f8f-4bf8-bbe3-0ed2f4f047a1',
      'PROJECTWORKMANAGEMENT b737dad2-2f6c-4c65-90e3-ca563267e8b9',
      'MICROSOFT_SEARCH 94065c59-bc8e-4e8b-89e5-5138d471eaff',
      'Deskless 8c7d2df8-86f0-4902-b2ed-a0458298f3b3',
      'STREAM_O365_E3 9e700747-8b1d-45e5-ab8d-ef187ceec156',
      'TEAMS1 57ff2da0-773e-42df-b2af-ffb7a2317929',
      'INTUNE_O365 882e1d05-acd1-4ccb-8708-6ee03664b117',
      'Nucleus db4d623d-b514-490b-b7ef-8885eee514de',
      'SHAREPOINTWAC e95bec33-7c88-4a70-8e19-b10bd9d0c014',
      'PROJECT_O365_P2 31b4e2fc-4cd6-4e7d-9c1b-41407303bd66',
      'SHAREPOINTENTERPRISE 5dbe027f-2339-4123-9542-606e4d348a72',
      'MCOSTANDARD 0feaeb32-d00e-4d66-bd5a-43b5b83db82c',
      'SWAY a23b959c-7ce8-4e57-9140-b90eb88a9e97',
      'BPOS_S_TODO_2 c87f142c-d1e9-4363-8630-aaea9c4d9ae5',
      'VIVAENGAGE_CORE a82fbf69-b4d7-49f4-83a6-915b2cf354f4',
      'VIVA_LEARNING_SEEDED b76fb638-6ba6-402a-b9f9-83d28acb3d86',
      'WHITEBOARD_PLAN2 94a54592-cd8b-425e-87c6-97868b000b91',
      'YAMMER_ENTERPRISE 7547a3fe-08ee-4ccb-b430-5077c5041653',
      'DYN365_CDS_O365_P2 4ff01e01-1ba7-4d71-8cf8-ce96c3bbcf14',
      'POWERAPPS_O365_P2 c68f8d98-5534-41c8-bf36-22fa496fa792',
      'FLOW_O365_P2 76846ad7-7776-4c40-a281-a386362dd1b9',
      'POWER_VIRTUAL_AGENTS_O365_P2 041fe683-03e4-45b6-b1af-c0cdc516daee',
    ]);
  });

  it.each([
    ['AAD_PREMIUM', ['AAD_PREMIUM 41781fb2-bc02-4b7c-bd55-b576c07bb09d', 'ADALLOM_S_DISCOVERY 932ad362-64a8-4783-9106-97849a1a30b9', 'EXCHANGE_S_FOUNDATION 113feb6c-3fe4-4440-bddc-54d774bf0318', 'MFA_PREMIUM 8a256a2b-b617-496d-b51b-e76466e88db0']],
    ['AAD_PREMIUM_P2', ['AAD_PREMIUM 41781fb2-bc02-4b7c-bd55-b576c07bb09d', 'AAD_PREMIUM_P2 eec0eb4f-6444-4f95-aba0-50c24d67f998', 'ADALLOM_S_DISCOVERY 932ad362-64a8-4783-9106-97849a1a30b9', 'EXCHANGE_S_FOUNDATION 113feb6c-3fe4-4440-bddc-54d774bf0318', 'MFA_PREMIUM 8a256a2b-b617-496d-b51b-e76466e88db0']],
    ['CDSAICAPACITY', ['CDSAICAPACITY a7c70a41-5e02-4271-93e6-d9b4184d83f5', 'EXCHANGE_S_FOUNDATION 113feb6c-3fe4-4440-bddc-54d774bf0318']],
    ['SPZA_IW', ['SPZA 0bfc98ed-1dbc-4a97-b246-701754e48b17', 'EXCHANGE_S_FOUNDATION 113feb6c-3fe4-4440-bddc-54d774bf0318']],
    ['STANDARDWOFFPACK', [
      'BPOS_S_TODO_1 5e62787c-c316-451f-b873-1d05acd4d12c', 'Deskless 8c7d2df8-86f0-4902-b2ed-a0458298f3b3',
      'EXCHANGE_S_STANDARD 9aaf7827-d63c-4b61-89c3-182f06f82e5c', 'FLOW_O365_P1 0f9b09cb-62d1-4ff4-9129-43f4996f83f4',
      'FORMS_PLAN_E1 159f4cd6-e380-449f-a816-af1a9ef76344', 'MCOSTANDARD 0feaeb32-d00e-4d66-bd5a-43b5b83db82c',
      'POWERAPPS_O365_P1 92f7a6f3-b89b-4bbd-8c30-809e6da5ad1c', 'PROJECTWORKMANAGEMENT b737dad2-2f6c-4c65-90e3-ca563267e8b9',
      'SHAREPOINTSTANDARD c7699d2e-19aa-44de-8edf-1736da088ca1', 'SHAREPOINTWAC e95bec33-7c88-4a70-8e19-b10bd9d0c014',
      'STREAM_O365_E1 743dd19e-1ce3-4c62-a3ad-49ba8f63a2f6', 'SWAY a23b959c-7ce8-4e57-9140-b90eb88a9e97',
      'TEAMS1 57ff2da0-773e-42df-b2af-ffb7a2317929', 'YAMMER_ENTERPRISE 7547a3fe-08ee-4ccb-b430-5077c5041653',
    ]],
  ])('lists the plans of %s as the reference page does', (part, expected) => {
    expect(new Set(plans(part))).toEqual(new Set(expected));
    expect(plans(part)).toHaveLength(expected.length);
  });

  it('has the suite plans of Microsoft 365 E5 (86 plans) that the findings rely on', () => {
    const e5 = catalog.lookupSku('06ebc4ee-1bb5-47dd-8120-11324bc54e06');
    expect(e5.servicePlans).toHaveLength(86);
    const names = new Set(e5.servicePlans.map((p) => p.servicePlanName));
    for (const n of ['EXCHANGE_S_ENTERPRISE', 'SHAREPOINTENTERPRISE', 'OFFICESUBSCRIPTION', 'TEAMS1', 'AAD_PREMIUM', 'AAD_PREMIUM_P2', 'INTUNE_A', 'MCOEV', 'MCOMEETADV', 'ATP_ENTERPRISE', 'THREAT_INTELLIGENCE', 'BI_AZURE_P2']) {
      expect(names.has(n), n).toBe(true);
    }
    // Retired in the reference ("RETIRED - Microsoft Communications Compliance"), still listed.
    expect(e5.servicePlans.find((p) => p.servicePlanName === 'COMMUNICATIONS_COMPLIANCE')?.retired).toBe(true);
  });

  it('spots the overlap between Exchange Online (Plan 1) and Office 365 E1 from their plans', () => {
    const exo = new Set(catalog.skuByPartNumber('EXCHANGESTANDARD')?.servicePlans.map((p) => p.servicePlanId));
    const e1 = new Set(catalog.skuByPartNumber('STANDARDPACK')?.servicePlans.map((p) => p.servicePlanId));
    expect(exo.has('9aaf7827-d63c-4b61-89c3-182f06f82e5c')).toBe(true);
    expect(e1.has('9aaf7827-d63c-4b61-89c3-182f06f82e5c')).toBe(true);
  });
});
