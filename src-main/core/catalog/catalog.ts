import type { CatalogPlan, CatalogSku } from './microsoft-csv';

/** A SKU as the rest of the core sees it: known from the catalogue, or not. */
export type SkuLookup =
  | {
      readonly known: true;
      readonly skuId: string;
      readonly skuPartNumber: string;
      readonly displayName: string;
      readonly retired: boolean;
      /** The imported table supplied this SKU (over or beside the built-in one). */
      readonly imported: boolean;
      readonly servicePlans: readonly CatalogPlan[];
    }
  | {
      readonly known: false;
      /** As given by the caller ('' when only a part number was known). */
      readonly skuId: string;
      /** As given by the caller; the name to show for a SKU the catalogue lacks. */
      readonly skuPartNumber: string;
      /** The part number (or the skuId when the part number is empty), flagged by unknownSku. */
      readonly displayName: string;
      readonly unknownSku: true;
      readonly retired: false;
      readonly imported: false;
      readonly servicePlans: readonly [];
    };

export interface PlanLookup {
  readonly known: boolean;
  readonly servicePlanId: string;
  readonly servicePlanName: string;
  readonly friendlyName: string;
  readonly retired: boolean;
}

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** The name seen most often for a plan across products (the reference spells some differently per product). */
function commonest(counts: Map<string, number>): string {
  let best = '';
  let n = -1;
  for (const [name, c] of counts) {
    if (c > n) {
      best = name;
      n = c;
    }
  }
  return best;
}

/**
 * The catalogue of SKUs and service plans: the built-in table, extended or overridden
 * by an imported one (a SKU is the same SKU when its GUID is). Lookups are by skuId or
 * part number, case-insensitive; maps only, so hostile keys ("__proto__") miss cleanly.
 */
export class Catalog {
  readonly skus: readonly CatalogSku[];
  private readonly byId = new Map<string, CatalogSku>();
  private readonly byPart = new Map<string, CatalogSku>();
  private readonly plans = new Map<string, PlanLookup>();
  private readonly importedIds: ReadonlySet<string>;

  constructor(builtIn: readonly CatalogSku[], imported: readonly CatalogSku[] = []) {
    const merged = new Map<string, CatalogSku>();
    for (const s of builtIn) merged.set(s.skuId.toLowerCase(), s);
    for (const s of imported) merged.set(s.skuId.toLowerCase(), s);
    this.skus = [...merged.values()];
    this.importedIds = new Set(imported.map((s) => s.skuId.toLowerCase()));
    // Imported SKUs win a part number shared with a built-in SKU of another GUID.
    const ordered = [...this.skus.filter((s) => this.importedIds.has(s.skuId)), ...this.skus];
    for (const s of ordered) {
      this.byId.set(s.skuId.toLowerCase(), s);
      const part = s.skuPartNumber.toUpperCase();
      if (!this.byPart.has(part)) this.byPart.set(part, s);
    }
    const names = new Map<string, { name: Map<string, number>; friendly: Map<string, number>; retired: boolean }>();
    for (const s of this.skus) {
      for (const p of s.servicePlans) {
        let e = names.get(p.servicePlanId);
        if (!e) {
          e = { name: new Map(), friendly: new Map(), retired: true };
          names.set(p.servicePlanId, e);
        }
        e.name.set(p.servicePlanName, (e.name.get(p.servicePlanName) ?? 0) + 1);
        e.friendly.set(p.friendlyName, (e.friendly.get(p.friendlyName) ?? 0) + 1);
        // A plan is retired only where every product lists it as retired.
        e.retired &&= p.retired;
      }
    }
    for (const [id, e] of names) {
      this.plans.set(id, { known: true, servicePlanId: id, servicePlanName: commonest(e.name), friendlyName: commonest(e.friendly), retired: e.retired });
    }
  }

  get size(): number {
    return this.skus.length;
  }

  /** The SKU with this GUID, if the catalogue has it. */
  skuById(skuId: string): CatalogSku | undefined {
    return this.byId.get(skuId.toLowerCase());
  }

  /** The SKU with this part number (String_Id), if the catalogue has it. */
  skuByPartNumber(partNumber: string): CatalogSku | undefined {
    return this.byPart.get(partNumber.trim().toUpperCase());
  }

  /**
   * Looks a SKU up by GUID, then by part number. A SKU the catalogue lacks comes back
   * `known: false` with its part number as its name and the unknown-SKU flag, never dropped.
   */
  lookupSku(skuId: string, skuPartNumber = ''): SkuLookup {
    const s = this.skuById(skuId) ?? (skuPartNumber ? this.skuByPartNumber(skuPartNumber) : undefined);
    if (s) return this.known(s);
    return {
      known: false,
      skuId,
      skuPartNumber,
      displayName: skuPartNumber || skuId,
      unknownSku: true,
      retired: false,
      imported: false,
      servicePlans: [],
    };
  }

  /** Looks a SKU up by either key: a GUID is taken as a skuId, anything else as a part number. */
  findSku(key: string): SkuLookup {
    const k = key.trim();
    return GUID.test(k) ? this.lookupSku(k, '') : this.lookupSku('', k);
  }

  /** A service plan by id; an unknown plan keeps the name it was given. */
  lookupPlan(servicePlanId: string, servicePlanName = ''): PlanLookup {
    return (
      this.plans.get(servicePlanId.toLowerCase()) ?? {
        known: false,
        servicePlanId,
        servicePlanName,
        friendlyName: servicePlanName || servicePlanId,
        retired: false,
      }
    );
  }

  /** Distinct service plans across every SKU. */
  get planCount(): number {
    return this.plans.size;
  }

  private known(s: CatalogSku): SkuLookup {
    return {
      known: true,
      skuId: s.skuId,
      skuPartNumber: s.skuPartNumber,
      displayName: s.displayName,
      retired: s.retired,
      imported: this.importedIds.has(s.skuId),
      servicePlans: s.servicePlans,
    };
  }
}
