/**
 * SKU catalog: real Microsoft licensing SKUs with their skuId, part number,
 * friendly product name and service plans, as published in Microsoft Learn
 * "Product names and service plan identifiers for licensing"
 * (learn.microsoft.com/entra/identity/users/licensing-service-plan-reference,
 * updated 2025-10-29).
 *
 * Service plan lists are a faithful subset of each product's plans (the plans the
 * product reasons about: mail, SharePoint/OneDrive, Office apps, Teams, Entra ID,
 * Intune, Power platform), chosen so real overlaps between products show up,
 * e.g. EXCHANGE_S_ENTERPRISE in both Office 365 E3 and Microsoft 365 E3.
 */

export type AppliesTo = 'User' | 'Company';

export interface ServicePlanInfo {
  readonly servicePlanId: string;
  readonly servicePlanName: string;
  readonly friendlyName: string;
  readonly appliesTo: AppliesTo;
}

export interface SkuInfo {
  readonly skuId: string;
  readonly skuPartNumber: string;
  readonly friendlyName: string;
  readonly appliesTo: AppliesTo;
  /** Free or viral (self-service sign-up) product: no cost, huge prepaid counts. */
  readonly free: boolean;
  readonly servicePlans: readonly ServicePlanInfo[];
}

function plan(servicePlanName: string, servicePlanId: string, friendlyName: string): ServicePlanInfo {
  return { servicePlanId, servicePlanName, friendlyName, appliesTo: 'User' };
}

/** Service plans referenced by the catalog, keyed by servicePlanName. */
export const SERVICE_PLANS = {
  EXCHANGE_S_ENTERPRISE: plan('EXCHANGE_S_ENTERPRISE', 'efb87545-963c-4e0d-99df-69c6916d9eb0', 'Exchange Online (Plan 2)'),
  EXCHANGE_S_STANDARD: plan('EXCHANGE_S_STANDARD', '9aaf7827-d63c-4b61-89c3-182f06f82e5c', 'Exchange Online (Plan 1)'),
  EXCHANGE_S_DESKLESS: plan('EXCHANGE_S_DESKLESS', '4a82b400-a79f-41a4-b4e2-e94f5787b113', 'Exchange Online Kiosk'),
  EXCHANGE_S_FOUNDATION: plan('EXCHANGE_S_FOUNDATION', '113feb6c-3fe4-4440-bddc-54d774bf0318', 'Exchange Foundation'),
  SHAREPOINTENTERPRISE: plan('SHAREPOINTENTERPRISE', '5dbe027f-2339-4123-9542-606e4d348a72', 'SharePoint (Plan 2)'),
  SHAREPOINTDESKLESS: plan('SHAREPOINTDESKLESS', '902b47e5-dcb2-4fdc-858b-c63a90a2bdb9', 'SharePoint Kiosk'),
  SHAREPOINTWAC: plan('SHAREPOINTWAC', 'e95bec33-7c88-4a70-8e19-b10bd9d0c014', 'Office for the Web'),
  OFFICESUBSCRIPTION: plan('OFFICESUBSCRIPTION', '43de0ff5-c92c-492b-9116-175376d08c38', 'Microsoft 365 Apps for enterprise'),
  OFFICEMOBILE_SUBSCRIPTION: plan('OFFICEMOBILE_SUBSCRIPTION', 'c63d4d19-e8cb-460e-b37c-4d6c34603745', 'Office Mobile Apps for Office 365'),
  TEAMS1: plan('TEAMS1', '57ff2da0-773e-42df-b2af-ffb7a2317929', 'Microsoft Teams'),
  MCOSTANDARD: plan('MCOSTANDARD', '0feaeb32-d00e-4d66-bd5a-43b5b83db82c', 'Skype for Business Online (Plan 2)'),
  MCOIMP: plan('MCOIMP', 'afc06cb0-b4f4-4473-8286-d644f70d8faf', 'Skype for Business Online (Plan 1)'),
  MCOEV: plan('MCOEV', '4828c8ec-dc2e-4779-b502-87ac9ce28ab7', 'Microsoft 365 Phone System'),
  MCOMEETADV: plan('MCOMEETADV', '3e26ee1f-8a5f-4d52-aee2-b81ce45c8f40', 'Microsoft 365 Audio Conferencing'),
  YAMMER_ENTERPRISE: plan('YAMMER_ENTERPRISE', '7547a3fe-08ee-4ccb-b430-5077c5041653', 'Yammer Enterprise'),
  SWAY: plan('SWAY', 'a23b959c-7ce8-4e57-9140-b90eb88a9e97', 'Sway'),
  PROJECTWORKMANAGEMENT: plan('PROJECTWORKMANAGEMENT', 'b737dad2-2f6c-4c65-90e3-ca563267e8b9', 'Microsoft Planner'),
  MICROSOFT_SEARCH: plan('MICROSOFT_SEARCH', '94065c59-bc8e-4e8b-89e5-5138d471eaff', 'Microsoft Search'),
  INTUNE_O365: plan('INTUNE_O365', '882e1d05-acd1-4ccb-8708-6ee03664b117', 'Mobile Device Management for Office 365'),
  RMS_S_ENTERPRISE: plan('RMS_S_ENTERPRISE', 'bea4c11e-220a-4e6d-8eb8-8ea15d019f90', 'Azure Rights Management'),
  RMS_S_PREMIUM: plan('RMS_S_PREMIUM', '6c57d4b6-3b23-47a5-9bc9-69f17b4947b3', 'Azure Information Protection Premium P1'),
  STREAM_O365_E3: plan('STREAM_O365_E3', '9e700747-8b1d-45e5-ab8d-ef187ceec156', 'Microsoft Stream for Office 365 E3'),
  STREAM_O365_E5: plan('STREAM_O365_E5', '6c6042f5-6f01-4d67-b8c1-eb99d36eed3e', 'Microsoft Stream for Office 365 E5'),
  FORMS_PLAN_E3: plan('FORMS_PLAN_E3', '2789c901-c14e-48ab-a76a-be334d9d793a', 'Microsoft Forms (Plan E3)'),
  FORMS_PLAN_E5: plan('FORMS_PLAN_E5', 'e212cbc7-0961-4c40-9825-01117710dcb1', 'Microsoft Forms (Plan E5)'),
  FORMS_PLAN_K: plan('FORMS_PLAN_K', 'f07046bd-2a3c-4b96-b0be-dea79d7cbfb8', 'Microsoft Forms (Plan F1)'),
  BPOS_S_TODO_2: plan('BPOS_S_TODO_2', 'c87f142c-d1e9-4363-8630-aaea9c4d9ae5', 'To-Do (Plan 2)'),
  BPOS_S_TODO_3: plan('BPOS_S_TODO_3', '3fb82609-8c27-4f7b-bd51-30634711ee67', 'To-Do (Plan 3)'),
  WHITEBOARD_PLAN2: plan('WHITEBOARD_PLAN2', '94a54592-cd8b-425e-87c6-97868b000b91', 'Whiteboard (Plan 2)'),
  WHITEBOARD_PLAN3: plan('WHITEBOARD_PLAN3', '4a51bca5-1eff-43f5-878c-177680f191af', 'Whiteboard (Plan 3)'),
  POWERAPPS_O365_P2: plan('POWERAPPS_O365_P2', 'c68f8d98-5534-41c8-bf36-22fa496fa792', 'Power Apps for Office 365'),
  POWERAPPS_O365_P3: plan('POWERAPPS_O365_P3', '9c0dab89-a30c-4117-86e7-97bda240acd2', 'Power Apps for Office 365 (Plan 3)'),
  FLOW_O365_P2: plan('FLOW_O365_P2', '76846ad7-7776-4c40-a281-a386362dd1b9', 'Power Automate for Office 365'),
  FLOW_O365_P3: plan('FLOW_O365_P3', '07699545-9485-468e-95b6-2fca3738be01', 'Power Automate for Office 365'),
  FLOW_O365_S1: plan('FLOW_O365_S1', 'bd91b1a4-9f94-4ecf-b45b-3a65e5c8128a', 'Power Automate for Office 365 F3'),
  POWERAPPS_O365_S1: plan('POWERAPPS_O365_S1', 'e0287f9f-e222-4f98-9a83-f379e249159a', 'Power Apps for Office 365 F3'),
  PROJECT_O365_P2: plan('PROJECT_O365_P2', '31b4e2fc-4cd6-4e7d-9c1b-41407303bd66', 'Project for Office (Plan E3)'),
  PROJECT_O365_P3: plan('PROJECT_O365_P3', 'b21a6b06-1988-436e-a07b-51ec6d9f52ad', 'Project for Office (Plan E5)'),
  PROJECT_O365_F3: plan('PROJECT_O365_F3', '7f6f28c2-34bb-4d4b-be36-48ca2e77e1ec', 'Project for Office (Plan F)'),
  BI_AZURE_P2: plan('BI_AZURE_P2', '70d33638-9c74-4d01-bfd3-562de28bd4ba', 'Power BI Pro'),
  BI_AZURE_P0: plan('BI_AZURE_P0', '2049e525-b859-401b-b2a0-e0a31c4b1fe4', 'Power BI (free)'),
  ATP_ENTERPRISE: plan('ATP_ENTERPRISE', 'f20fedf3-f3c3-43c3-8267-2bfdd51c0939', 'Microsoft Defender for Office 365 (Plan 1)'),
  THREAT_INTELLIGENCE: plan('THREAT_INTELLIGENCE', '8e0c0a52-6a6c-4d40-8370-dd62790dcd70', 'Microsoft Defender for Office 365 (Plan 2)'),
  LOCKBOX_ENTERPRISE: plan('LOCKBOX_ENTERPRISE', '9f431833-0334-42de-a7dc-70aa40db46db', 'Customer Lockbox'),
  AAD_PREMIUM: plan('AAD_PREMIUM', '41781fb2-bc02-4b7c-bd55-b576c07bb09d', 'Microsoft Entra ID P1'),
  MFA_PREMIUM: plan('MFA_PREMIUM', '8a256a2b-b617-496d-b51b-e76466e88db0', 'Microsoft Azure Multi-Factor Authentication'),
  ADALLOM_S_DISCOVERY: plan('ADALLOM_S_DISCOVERY', '932ad362-64a8-4783-9106-97849a1a30b9', 'Microsoft Defender for Cloud Apps Discovery'),
  INTUNE_A: plan('INTUNE_A', 'c1ec4a95-1f05-45b3-a911-aa3fa01094f5', 'Microsoft Intune Plan 1'),
  WIN10_ENT_LOC_F1: plan('WIN10_ENT_LOC_F1', 'e041597c-9c7f-4ed9-99b0-2663301576f7', 'Windows 10 Enterprise E3 (Local Only)'),
  VISIO_CLIENT_SUBSCRIPTION: plan('VISIO_CLIENT_SUBSCRIPTION', '663a804f-1c30-4ff0-9915-9db84f0d1cea', 'Visio Desktop App'),
  VISIOONLINE: plan('VISIOONLINE', '2bdbaf8f-738f-4ac7-9234-3c3ee2ce7d0f', 'Visio Web App'),
  PROJECT_CLIENT_SUBSCRIPTION: plan('PROJECT_CLIENT_SUBSCRIPTION', 'fafd7243-e5c1-4a3a-9e40-495efcb1d3c3', 'Project Online Desktop Client'),
  SHAREPOINT_PROJECT: plan('SHAREPOINT_PROJECT', 'fe71d6c3-a2ea-4499-9778-da042bf08063', 'Project Online Service'),
  DYN365_CDS_VIRAL: plan('DYN365_CDS_VIRAL', '17ab22cd-a0b3-4536-910a-cb6eb12696c0', 'Common Data Service'),
  FLOW_P2_VIRAL: plan('FLOW_P2_VIRAL', '50e68c76-46c6-4674-81f9-75456511b170', 'Flow Free'),
} as const satisfies Record<string, ServicePlanInfo>;

const P = SERVICE_PLANS;

function sku(
  skuPartNumber: string,
  skuId: string,
  friendlyName: string,
  servicePlans: readonly ServicePlanInfo[],
  free = false,
): SkuInfo {
  return { skuId, skuPartNumber, friendlyName, appliesTo: 'User', free, servicePlans };
}

export const SKU_CATALOG: readonly SkuInfo[] = [
  sku('ENTERPRISEPACK', '6fd2c87f-b296-42f0-b197-1e91e994b900', 'Office 365 E3', [
    P.EXCHANGE_S_ENTERPRISE, P.SHAREPOINTENTERPRISE, P.SHAREPOINTWAC, P.OFFICESUBSCRIPTION, P.TEAMS1, P.MCOSTANDARD,
    P.YAMMER_ENTERPRISE, P.SWAY, P.PROJECTWORKMANAGEMENT, P.MICROSOFT_SEARCH, P.INTUNE_O365, P.RMS_S_ENTERPRISE,
    P.STREAM_O365_E3, P.FORMS_PLAN_E3, P.BPOS_S_TODO_2, P.WHITEBOARD_PLAN2, P.POWERAPPS_O365_P2, P.FLOW_O365_P2,
    P.PROJECT_O365_P2,
  ]),
  sku('ENTERPRISEPREMIUM', 'c7df2760-2c81-4ef7-b578-5b5392b571df', 'Office 365 E5', [
    P.EXCHANGE_S_ENTERPRISE, P.SHAREPOINTENTERPRISE, P.SHAREPOINTWAC, P.OFFICESUBSCRIPTION, P.TEAMS1, P.MCOSTANDARD,
    P.MCOEV, P.MCOMEETADV, P.YAMMER_ENTERPRISE, P.SWAY, P.PROJECTWORKMANAGEMENT, P.MICROSOFT_SEARCH, P.INTUNE_O365,
    P.RMS_S_ENTERPRISE, P.STREAM_O365_E5, P.FORMS_PLAN_E5, P.BPOS_S_TODO_3, P.WHITEBOARD_PLAN3, P.POWERAPPS_O365_P3,
    P.FLOW_O365_P3, P.PROJECT_O365_P3, P.BI_AZURE_P2, P.ATP_ENTERPRISE, P.THREAT_INTELLIGENCE, P.LOCKBOX_ENTERPRISE,
  ]),
  sku('SPE_E3', '05e9a617-0261-4cee-bb44-138d3ef5d965', 'Microsoft 365 E3', [
    P.EXCHANGE_S_ENTERPRISE, P.SHAREPOINTENTERPRISE, P.SHAREPOINTWAC, P.OFFICESUBSCRIPTION, P.TEAMS1, P.MCOSTANDARD,
    P.YAMMER_ENTERPRISE, P.SWAY, P.PROJECTWORKMANAGEMENT, P.MICROSOFT_SEARCH, P.INTUNE_O365, P.RMS_S_ENTERPRISE,
    P.STREAM_O365_E3, P.FORMS_PLAN_E3, P.BPOS_S_TODO_2, P.WHITEBOARD_PLAN2, P.POWERAPPS_O365_P2, P.FLOW_O365_P2,
    P.PROJECT_O365_P2, P.AAD_PREMIUM, P.MFA_PREMIUM, P.ADALLOM_S_DISCOVERY, P.INTUNE_A, P.RMS_S_PREMIUM,
  ]),
  sku('SPE_F1', '66b55226-6b4f-492c-910c-a3b7a3c9d993', 'Microsoft 365 F3', [
    P.EXCHANGE_S_DESKLESS, P.SHAREPOINTDESKLESS, P.SHAREPOINTWAC, P.OFFICEMOBILE_SUBSCRIPTION, P.TEAMS1, P.MCOIMP,
    P.YAMMER_ENTERPRISE, P.SWAY, P.PROJECTWORKMANAGEMENT, P.MICROSOFT_SEARCH, P.INTUNE_O365, P.RMS_S_ENTERPRISE,
    P.FORMS_PLAN_K, P.PROJECT_O365_F3, P.POWERAPPS_O365_S1, P.FLOW_O365_S1, P.WIN10_ENT_LOC_F1, P.AAD_PREMIUM,
    P.MFA_PREMIUM, P.ADALLOM_S_DISCOVERY, P.INTUNE_A, P.RMS_S_PREMIUM,
  ]),
  sku('EXCHANGESTANDARD', '4b9405b0-7788-4568-add1-99614e613b69', 'Exchange Online (Plan 1)', [
    P.EXCHANGE_S_STANDARD, P.INTUNE_O365,
  ]),
  sku('VISIOCLIENT', 'c5928f49-12ba-48f7-ada3-0d743a3601d5', 'Visio Plan 2', [
    P.EXCHANGE_S_FOUNDATION, P.VISIO_CLIENT_SUBSCRIPTION, P.VISIOONLINE,
  ]),
  sku('PROJECTPROFESSIONAL', '53818b1b-4a27-454b-8896-0dba576410e6', 'Planner and Project Plan 3', [
    P.EXCHANGE_S_FOUNDATION, P.PROJECT_CLIENT_SUBSCRIPTION, P.SHAREPOINT_PROJECT, P.PROJECTWORKMANAGEMENT,
  ]),
  sku('POWER_BI_PRO', 'f8a1db68-be16-40ed-86d5-cb42ce701560', 'Power BI Pro', [P.EXCHANGE_S_FOUNDATION, P.BI_AZURE_P2]),
  sku('Microsoft_Teams_Rooms_Pro', '4cde982a-ede4-4409-9ae6-b003453c8ea6', 'Microsoft Teams Rooms Pro', [
    P.AAD_PREMIUM, P.INTUNE_A, P.MCOEV, P.MCOMEETADV, P.MCOSTANDARD, P.TEAMS1,
  ]),
  sku('AAD_PREMIUM', '078d2b04-f1bd-4111-bbd4-b4b1b354cef4', 'Microsoft Entra ID P1', [
    P.AAD_PREMIUM, P.ADALLOM_S_DISCOVERY, P.EXCHANGE_S_FOUNDATION, P.MFA_PREMIUM,
  ]),
  sku('POWER_BI_STANDARD', 'a403ebcc-fae0-4ca2-8c8c-7a907fd6c235', 'Microsoft Fabric (Free)', [
    P.EXCHANGE_S_FOUNDATION, P.BI_AZURE_P0,
  ], true),
  sku('FLOW_FREE', 'f30db892-07e9-47e9-837c-80727f46fd3d', 'Microsoft Power Automate Free', [
    P.DYN365_CDS_VIRAL, P.EXCHANGE_S_FOUNDATION, P.FLOW_P2_VIRAL,
  ], true),
  sku('TEAMS_EXPLORATORY', '710779e8-3d4a-4c88-adb9-386c958d1fdf', 'Microsoft Teams Exploratory', [
    P.EXCHANGE_S_STANDARD, P.SHAREPOINTWAC, P.TEAMS1, P.MCOIMP, P.SWAY, P.PROJECTWORKMANAGEMENT, P.FORMS_PLAN_E3,
    P.POWERAPPS_O365_P2, P.FLOW_O365_P2,
  ], true),
];

const BY_PART = new Map(SKU_CATALOG.map((s) => [s.skuPartNumber.toUpperCase(), s]));
const BY_ID = new Map(SKU_CATALOG.map((s) => [s.skuId.toLowerCase(), s]));
const PLAN_BY_ID = new Map<string, ServicePlanInfo>(
  Object.values(SERVICE_PLANS).map((p) => [p.servicePlanId.toLowerCase(), p]),
);

export function skuByPartNumber(partNumber: string): SkuInfo | undefined {
  return BY_PART.get(partNumber.toUpperCase());
}

export function skuById(skuId: string): SkuInfo | undefined {
  return BY_ID.get(skuId.toLowerCase());
}

/** Microsoft's product name for a SKU; unknown SKUs fall back to their part number. */
export function skuFriendlyName(skuId: string, skuPartNumber: string): string {
  return skuById(skuId)?.friendlyName ?? skuByPartNumber(skuPartNumber)?.friendlyName ?? skuPartNumber;
}

/** Microsoft's friendly name for a service plan; unknown plans fall back to their plan name. */
export function servicePlanFriendlyName(servicePlanId: string, servicePlanName: string): string {
  return PLAN_BY_ID.get(servicePlanId.toLowerCase())?.friendlyName ?? servicePlanName;
}
