/**
 * SKU and service plan names for the rest of the core, backed by the catalogue
 * (catalog.ts): the built-in table from Microsoft's "Product names and service plan
 * identifiers for licensing" reference (resources/catalog), or a catalogue loaded with
 * loadCatalog(dataDir) so an imported table takes effect. Every lookup takes that
 * catalogue as an optional last argument and defaults to the built-in one.
 */
import { builtinCatalog } from './builtin';
import type { Catalog } from './catalog';
import type { CatalogSku } from './microsoft-csv';

/** A catalogue SKU with its product name under the name older callers use. */
export interface SkuInfo extends CatalogSku {
  readonly friendlyName: string;
}

function info(s: CatalogSku | undefined): SkuInfo | undefined {
  return s ? { ...s, friendlyName: s.displayName } : undefined;
}

export function skuByPartNumber(partNumber: string, catalog: Catalog = builtinCatalog()): SkuInfo | undefined {
  return info(catalog.skuByPartNumber(partNumber));
}

export function skuById(skuId: string, catalog: Catalog = builtinCatalog()): SkuInfo | undefined {
  return info(catalog.skuById(skuId));
}

/** Microsoft's product name for a SKU; unknown SKUs fall back to their part number. */
export function skuFriendlyName(skuId: string, skuPartNumber: string, catalog: Catalog = builtinCatalog()): string {
  const s = catalog.lookupSku(skuId, skuPartNumber);
  return s.known ? s.displayName : skuPartNumber;
}

/** Microsoft's friendly name for a service plan; unknown plans fall back to their plan name. */
export function servicePlanFriendlyName(servicePlanId: string, servicePlanName: string, catalog: Catalog = builtinCatalog()): string {
  const p = catalog.lookupPlan(servicePlanId, servicePlanName);
  return p.known ? p.friendlyName : servicePlanName;
}

/**
 * Service plans the code reasons about by name (workloads in usage reports, overlaps),
 * with Microsoft's ids. The catalogue holds their friendly names; tests check every id
 * here against it.
 */
export const SERVICE_PLANS = {
  EXCHANGE_S_ENTERPRISE: { servicePlanName: 'EXCHANGE_S_ENTERPRISE', servicePlanId: 'efb87545-963c-4e0d-99df-69c6916d9eb0' },
  EXCHANGE_S_STANDARD: { servicePlanName: 'EXCHANGE_S_STANDARD', servicePlanId: '9aaf7827-d63c-4b61-89c3-182f06f82e5c' },
  EXCHANGE_S_DESKLESS: { servicePlanName: 'EXCHANGE_S_DESKLESS', servicePlanId: '4a82b400-a79f-41a4-b4e2-e94f5787b113' },
  EXCHANGE_S_FOUNDATION: { servicePlanName: 'EXCHANGE_S_FOUNDATION', servicePlanId: '113feb6c-3fe4-4440-bddc-54d774bf0318' },
  SHAREPOINTENTERPRISE: { servicePlanName: 'SHAREPOINTENTERPRISE', servicePlanId: '5dbe027f-2339-4123-9542-606e4d348a72' },
  SHAREPOINTSTANDARD: { servicePlanName: 'SHAREPOINTSTANDARD', servicePlanId: 'c7699d2e-19aa-44de-8edf-1736da088ca1' },
  SHAREPOINTDESKLESS: { servicePlanName: 'SHAREPOINTDESKLESS', servicePlanId: '902b47e5-dcb2-4fdc-858b-c63a90a2bdb9' },
  OFFICESUBSCRIPTION: { servicePlanName: 'OFFICESUBSCRIPTION', servicePlanId: '43de0ff5-c92c-492b-9116-175376d08c38' },
  TEAMS1: { servicePlanName: 'TEAMS1', servicePlanId: '57ff2da0-773e-42df-b2af-ffb7a2317929' },
  MCOSTANDARD: { servicePlanName: 'MCOSTANDARD', servicePlanId: '0feaeb32-d00e-4d66-bd5a-43b5b83db82c' },
  MCOIMP: { servicePlanName: 'MCOIMP', servicePlanId: 'afc06cb0-b4f4-4473-8286-d644f70d8faf' },
  YAMMER_ENTERPRISE: { servicePlanName: 'YAMMER_ENTERPRISE', servicePlanId: '7547a3fe-08ee-4ccb-b430-5077c5041653' },
  SWAY: { servicePlanName: 'SWAY', servicePlanId: 'a23b959c-7ce8-4e57-9140-b90eb88a9e97' },
  INTUNE_O365: { servicePlanName: 'INTUNE_O365', servicePlanId: '882e1d05-acd1-4ccb-8708-6ee03664b117' },
  AAD_PREMIUM: { servicePlanName: 'AAD_PREMIUM', servicePlanId: '41781fb2-bc02-4b7c-bd55-b576c07bb09d' },
} as const;
