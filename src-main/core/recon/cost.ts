/**
 * Renewals, entitlements, cost, savings and renewal-aware right-sizing of a snapshot.
 *
 * Prices are the operator's: from the imported entitlements first, else the imported price
 * list; none ship with the product. Each is normalised to one seat for one month and, when
 * currencies are mixed, converted with the operator's exchange rates (refused without them).
 * Savings come from the findings: a user counts once per SKU however many findings name them.
 */
import type { FindingsReport, ReconSettings } from '../../shared/recon';
import type { CostGroupRow, EntitlementRow, ExchangeRates, PositionRow, ReconcileReport, RightSizingRow, SeatPrice } from '../../shared/reconcile';
import type { Catalog } from '../catalog/catalog';
import { OperatorError } from '../errors/operator-error';
import type { Db } from '../store/db';
import { datasetRuns, getSnapshot } from '../store/queries';
import { periodMonths } from './imports';
import { FindingItemSpool, type SavingsCounts } from './item-spool';
import { withPassCache } from './pass-cache';

interface PriceRow {
  skuId: string | null;
  part: string;
  unitPrice: number | null;
  currency: string | null;
  period: string | null;
  quantity?: number;
  termEnd?: string | null;
}

const round2 = (n: number): number => Math.round(n * 100) / 100;

export function readExchangeRates(db: Db, profile: string): ExchangeRates {
  const rows = db.prepare('SELECT base, currency, rate FROM exchange_rates WHERE profile_name = ?').all(profile) as { base: string; currency: string; rate: number }[];
  return { base: rows[0]?.base ?? null, rates: Object.fromEntries(rows.map((r) => [r.currency, r.rate])) };
}

export function writeExchangeRates(db: Db, profile: string, rates: ExchangeRates, now: Date): ExchangeRates {
  db.transaction(() => {
    db.prepare('DELETE FROM exchange_rates WHERE profile_name = ?').run(profile);
    if (rates.base === null) return;
    const ins = db.prepare('INSERT INTO exchange_rates (profile_name, base, currency, rate, updated_at) VALUES (?, ?, ?, ?, ?)');
    for (const [c, r] of Object.entries(rates.rates)) if (c !== rates.base) ins.run(profile, rates.base, c, r, now.toISOString());
  })();
  return readExchangeRates(db, profile);
}

/** Looks up the monthly seat price of a SKU, by GUID or part number. */
export class PriceBook {
  readonly currency: string | null;
  private readonly byKey = new Map<string, SeatPrice>();
  readonly sources = new Set<string>();

  constructor(entitlements: readonly PriceRow[], priceList: readonly PriceRow[], rates: ExchangeRates, files: { entitlements: string | null; prices: string | null }) {
    const currencies = new Set([...entitlements, ...priceList].filter((r) => r.unitPrice !== null && r.currency).map((r) => r.currency as string));
    if (currencies.size > 1 && rates.base === null) {
      throw new OperatorError('bad-input', `The imported prices are in several currencies (${[...currencies].sort().join(', ')}); costs are not added up across currencies.`, {
        hint: 'Set an exchange rate for each currency into one reporting currency, or import prices in one currency.',
      });
    }
    const base = currencies.size > 1 ? rates.base : ([...currencies][0] ?? null);
    this.currency = base;
    const convert = (amount: number, currency: string): number | null => {
      if (currency === base) return amount;
      const rate = rates.rates[currency];
      return rate === undefined ? null : amount * rate;
    };
    const add = (rows: readonly PriceRow[], source: SeatPrice['source']) => {
      // Quantity-weighted mean when a SKU has several purchase records.
      const acc = new Map<string, { sum: number; weight: number; original: string[]; keys: string[] }>();
      for (const r of rows) {
        if (r.unitPrice === null || !r.currency) continue;
        const months = periodMonths(r.period);
        if (months === null) continue;
        const converted = convert(r.unitPrice / months, r.currency);
        if (converted === null) {
          throw new OperatorError('bad-input', `No exchange rate from ${r.currency} to ${base ?? '?'} for ${r.part}.`, { hint: `Set a rate for ${r.currency}.` });
        }
        const key = (r.skuId ?? r.part).toLowerCase();
        const e = acc.get(key) ?? { sum: 0, weight: 0, original: [], keys: [r.skuId, r.part].filter((k): k is string => !!k).map((k) => k.toLowerCase()) };
        const w = Math.max(1, r.quantity ?? 1);
        e.sum += converted * w;
        e.weight += w;
        e.original.push(`${r.unitPrice} ${r.currency} ${r.period ?? ''}`.trim());
        acc.set(key, e);
      }
      for (const e of acc.values()) {
        const price: SeatPrice = { monthly: e.sum / e.weight, currency: base, source, original: [...new Set(e.original)].join('; ') };
        for (const k of e.keys) if (!this.byKey.has(k)) this.byKey.set(k, price);
      }
    };
    add(entitlements, 'entitlement');
    add(priceList, 'price list');
    if (files.entitlements && entitlements.some((r) => r.unitPrice !== null)) this.sources.add(`entitlement (${files.entitlements})`);
    if (files.prices && priceList.length > 0) this.sources.add(`price list (${files.prices})`);
  }

  price(skuId: string | null, part: string | null): SeatPrice {
    return (skuId ? this.byKey.get(skuId.toLowerCase()) : undefined) ?? (part ? this.byKey.get(part.toLowerCase()) : undefined) ?? { monthly: null, currency: this.currency, source: 'none', original: null };
  }
}

export interface ReconcileInput {
  profile: string;
  snapshotId: number;
  settings: ReconSettings;
  findings: FindingsReport;
  catalog: Catalog;
  /** Every item of `findings` (computeFindings' spool); without it, the report's own items count. */
  items?: FindingItemSpool;
}

/** Whether the snapshot's schema and runs hold the subscriptions dataset. */
function subscriptionsAvailable(db: Db, snapshotId: number): { ok: boolean; why: string } {
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'subscriptions'`).get();
  if (!table) return { ok: false, why: 'this database has no subscriptions dataset' };
  const run = datasetRuns(db, snapshotId).find((r) => (r.dataset as string) === 'subscriptions');
  if (!run) return { ok: false, why: 'the subscriptions dataset was not synced' };
  if (run.status !== 'ok') return { ok: false, why: `subscriptions: ${run.missingPermission ? `missing permission ${run.missingPermission}` : (run.reason ?? run.status)}` };
  return { ok: true, why: '' };
}

/** The reconciliation of a snapshot: one pass over it, with the pass's small page cache. */
export function reconcile(db: Db, input: ReconcileInput): ReconcileReport {
  return withPassCache(db, () => reconcilePass(db, input));
}

function reconcilePass(db: Db, input: ReconcileInput): ReconcileReport {
  const { snapshotId, settings, findings, catalog, profile } = input;
  const snapshot = getSnapshot(db, snapshotId);
  if (!snapshot) throw new OperatorError('bad-input', `Snapshot ${snapshotId} does not exist.`, { hint: "Pick one of the profile's snapshots." });
  const notes: string[] = [];
  const ents = db
    .prepare(`SELECT sku_id AS skuId, sku_part_number AS part, quantity, unit_price AS unitPrice, currency, billing_period AS period, term_end AS termEnd, source_file AS file FROM entitlements WHERE profile_name = ? ORDER BY row_number`)
    .all(profile) as (PriceRow & { quantity: number; termEnd: string | null; file: string })[];
  const prices = db
    .prepare(`SELECT sku_id AS skuId, sku_part_number AS part, unit_price AS unitPrice, currency, billing_period AS period, source_file AS file FROM price_list WHERE profile_name = ? ORDER BY row_number`)
    .all(profile) as (PriceRow & { file: string })[];
  const book = new PriceBook(ents, prices, readExchangeRates(db, profile), { entitlements: ents[0]?.file ?? null, prices: prices[0]?.file ?? null });
  if (ents.length === 0 && prices.length === 0) notes.push('No entitlements or price list imported: money figures are not available (no prices ship with the product).');

  const refs = (list: readonly string[]) => new Set(list.map((x) => x.toLowerCase()));
  const excluded = refs(settings.excludedSkus);
  const bufferOf = (skuId: string, part: string): number => {
    for (const [k, v] of Object.entries(settings.seatBuffers)) if (k.toLowerCase() === skuId.toLowerCase() || k.toLowerCase() === part.toLowerCase()) return v;
    return 0;
  };
  const skus = db
    .prepare(`SELECT sku_id AS skuId, sku_part_number AS part, capability_status AS status, enabled, warning, suspended, locked_out AS lockedOut, consumed_units AS consumed FROM skus WHERE snapshot_id = ? ORDER BY sku_part_number`)
    .all(snapshotId) as { skuId: string; part: string; status: string | null; enabled: number; warning: number; suspended: number; lockedOut: number; consumed: number }[];
  const productOf = (skuId: string | null, part: string) => {
    const l = catalog.lookupSku(skuId ?? '', part);
    return { product: l.displayName, unknown: !l.known };
  };

  // --- Position ---
  const position: PositionRow[] = skus.map((s) => {
    const usable = s.enabled + s.warning;
    const price = book.price(s.skuId, s.part);
    const p = productOf(s.skuId, s.part);
    return {
      skuId: s.skuId,
      partNumber: s.part,
      product: p.product,
      unknownSku: p.unknown,
      capabilityStatus: s.status,
      enabled: s.enabled,
      warning: s.warning,
      suspended: s.suspended,
      lockedOut: s.lockedOut,
      usable,
      consumed: s.consumed,
      available: Math.max(0, usable - s.consumed),
      overBy: Math.max(0, s.consumed - usable),
      buffer: bufferOf(s.skuId, s.part),
      excluded: excluded.has(s.skuId.toLowerCase()) || excluded.has(s.part.toLowerCase()),
      price,
      monthlyCost: price.monthly === null ? null : round2(price.monthly * s.consumed),
    };
  });
  const posBy = new Map(position.map((p) => [p.skuId.toLowerCase(), p]));
  const posByPart = new Map(position.map((p) => [p.partNumber.toLowerCase(), p]));

  // --- Entitlements reconciliation ---
  const entBy = new Map<string, { skuId: string | null; part: string; qty: number; termEnd: string | null }>();
  for (const e of ents) {
    const pos = (e.skuId ? posBy.get(e.skuId.toLowerCase()) : undefined) ?? posByPart.get(e.part.toLowerCase());
    const key = (pos?.skuId ?? e.skuId ?? e.part).toLowerCase();
    const x = entBy.get(key) ?? { skuId: pos?.skuId ?? e.skuId, part: pos?.partNumber ?? e.part, qty: 0, termEnd: null };
    x.qty += e.quantity;
    if (e.termEnd && (x.termEnd === null || e.termEnd < x.termEnd)) x.termEnd = e.termEnd;
    entBy.set(key, x);
  }
  const entitlements: EntitlementRow[] = [];
  if (ents.length > 0) {
    const keys = new Set([...entBy.keys(), ...position.filter((p) => !p.excluded).map((p) => p.skuId.toLowerCase())]);
    for (const k of keys) {
      const e = entBy.get(k);
      const pos = posBy.get(k);
      const skuId = pos?.skuId ?? e?.skuId ?? null;
      const part = pos?.partNumber ?? e?.part ?? k;
      const p = productOf(skuId, part);
      const entitled = e?.qty ?? 0;
      const usable = pos?.usable ?? 0;
      entitlements.push({ skuId, partNumber: part, product: p.product, unknownSku: p.unknown, entitled, usable, assigned: pos?.consumed ?? 0, difference: entitled - usable, termEnd: e?.termEnd ?? null, price: book.price(skuId, part) });
    }
    entitlements.sort((a, b) => a.partNumber.localeCompare(b.partNumber));
  }

  // --- Renewal dates ---
  const subs = subscriptionsAvailable(db, snapshotId);
  const renewal = new Map<string, { date: string | null; trial: boolean }>();
  let renewalSource: ReconcileReport['renewalSource'] = 'none';
  let renewalNote: string;
  if (subs.ok) {
    renewalSource = 'subscriptions';
    renewalNote = 'Renewal dates: nextLifecycleDateTime of the subscriptions dataset (Organization.Read.All).';
    const rows = db.prepare(`SELECT sku_id AS skuId, is_trial AS trial, next_lifecycle_at AS next, status FROM subscriptions WHERE snapshot_id = ?`).all(snapshotId) as {
      skuId: string | null;
      trial: number | null;
      next: string | null;
      status: string | null;
    }[];
    for (const r of rows) {
      if (!r.skuId || (r.status ?? '').toLowerCase() === 'deleted') continue;
      const k = r.skuId.toLowerCase();
      const x = renewal.get(k) ?? { date: null, trial: false };
      if (r.next && (x.date === null || r.next < x.date)) x.date = r.next;
      x.trial ||= r.trial === 1;
      renewal.set(k, x);
    }
  } else if (ents.some((e) => e.termEnd)) {
    renewalSource = 'entitlements';
    renewalNote = `Renewal dates: term end of the imported entitlements (${subs.why}).`;
    for (const [k, e] of entBy) if (e.termEnd) renewal.set(k, { date: e.termEnd, trial: false });
  } else renewalNote = `No renewal dates: ${subs.why}, and no entitlements with a term end were imported.`;

  // --- Savings and right-sizing from the findings (a user once per SKU) ---
  // Counted in SQL over every item (the spool), so memory stays flat however many users a tenant has.
  const spool = input.items ?? FindingItemSpool.fromReport(db, findings);
  let counts: SavingsCounts;
  try {
    counts = spool.savingsCounts();
    if (!spool.complete) notes.push('Some findings were truncated; savings count only the items listed.');
  } finally {
    if (!input.items) spool.dispose();
  }
  const { reclaim, disabled, inactive, unassigned, downgrades } = counts;

  let reclaimableSeats = 0;
  let pricedSeats = 0;
  let monthly = 0;
  const skuKeys = new Set([...reclaim.keys(), ...unassigned.keys()]);
  for (const k of skuKeys) {
    const pos = posBy.get(k);
    const seats = (reclaim.get(k) ?? 0) + (unassigned.get(k) ?? 0);
    reclaimableSeats += seats;
    const price = book.price(pos?.skuId ?? k, pos?.partNumber ?? null);
    if (price.monthly !== null) {
      pricedSeats += seats;
      monthly += seats * price.monthly;
    }
  }
  let downgradeMonthly = 0;
  let downgradeSeats = 0;
  for (const d of downgrades) {
    const from = book.price(d.sku, posBy.get(d.sku.toLowerCase())?.partNumber ?? null).monthly;
    const to = book.price(catalog.findSku(d.to).known ? catalog.findSku(d.to).skuId : null, d.to).monthly;
    if (from === null || to === null || from <= to) continue;
    downgradeSeats += d.users;
    downgradeMonthly += d.users * (from - to);
  }
  const coverage = reclaimableSeats === 0 ? 1 : pricedSeats / reclaimableSeats;
  const savings: ReconcileReport['savings'] = {
    currency: book.currency,
    reclaimableSeats,
    pricedSeats,
    coverage,
    coverageNote: `Savings cover ${Math.round(coverage * 100)}% of reclaimable seats (${pricedSeats} of ${reclaimableSeats} priced).`,
    monthly: round2(monthly),
    annual: round2(monthly * 12),
    downgradeMonthly: round2(downgradeMonthly),
    downgradeSeats,
    sources: [...book.sources],
  };

  const rightSizing: RightSizingRow[] = [];
  for (const p of position) {
    if (p.excluded) continue;
    const k = p.skuId.toLowerCase();
    const un = unassigned.get(k) ?? 0;
    const dis = disabled.get(k) ?? 0;
    const ina = inactive.get(k) ?? 0;
    const n = un + dis + ina;
    const r = renewal.get(k);
    if (n === 0 && !r?.trial) continue;
    const before = r?.date ? r.date.slice(0, 10) : null;
    const trial = r?.trial ?? false;
    const price = p.price;
    const advice = `${trial ? '[trial] ' : ''}${n > 0 ? `reduce by ${n} seat${n === 1 ? '' : 's'}${before ? ` before ${before}` : ' (no renewal date known)'}` : 'no seats to reduce'}`;
    rightSizing.push({
      skuId: p.skuId,
      partNumber: p.partNumber,
      product: p.product,
      unassignedBeyondBuffer: un,
      disabledSeats: dis,
      inactiveSeats: ina,
      reduceBy: n,
      before,
      dateSource: r?.date ? renewalSource : 'none',
      trial,
      advice,
      price,
      monthlySavings: price.monthly === null ? null : round2(n * price.monthly),
      annualSavings: price.monthly === null ? null : round2(n * price.monthly * 12),
    });
  }

  // --- Cost per department and per country (successful assignments, a user once per SKU) ---
  const group = (column: 'department' | 'usage_location'): CostGroupRow[] => {
    const ok = `(l.error IS NULL OR l.error = '' OR l.error = 'None') AND ifnull(l.state, '') <> 'Error'`;
    const from = `FROM user_licenses l JOIN users u ON u.snapshot_id = l.snapshot_id AND u.id = l.user_id WHERE l.snapshot_id = ? AND ${ok}`;
    const acc = new Map<string, { users: number; seats: number; priced: number; cost: number }>();
    const seatRows = db.prepare(`SELECT ifnull(u.${column}, '') AS k, l.sku_id AS skuId, count(DISTINCT l.user_id) AS n ${from} GROUP BY k, l.sku_id`).all(snapshotId) as { k: string; skuId: string; n: number }[];
    for (const r of seatRows) {
      const part = posBy.get(r.skuId.toLowerCase())?.partNumber ?? catalog.skuById(r.skuId)?.skuPartNumber ?? '';
      if (excluded.has(r.skuId.toLowerCase()) || excluded.has(part.toLowerCase())) continue;
      const a = acc.get(r.k) ?? { users: 0, seats: 0, priced: 0, cost: 0 };
      a.seats += r.n;
      const price = book.price(r.skuId, part);
      if (price.monthly !== null) {
        a.priced += r.n;
        a.cost += r.n * price.monthly;
      }
      acc.set(r.k, a);
    }
    for (const r of db.prepare(`SELECT ifnull(u.${column}, '') AS k, count(DISTINCT l.user_id) AS n ${from} GROUP BY k`).all(snapshotId) as { k: string; n: number }[]) {
      const a = acc.get(r.k);
      if (a) a.users = r.n;
    }
    return [...acc].map(([key, a]) => ({ key: key || '(none)', users: a.users, seats: a.seats, pricedSeats: a.priced, monthlyCost: round2(a.cost) })).sort((x, y) => y.monthlyCost - x.monthlyCost || x.key.localeCompare(y.key));
  };

  return {
    snapshotId,
    snapshotTime: snapshot.finishedAt,
    contentHash: snapshot.contentHash,
    currency: book.currency,
    renewalSource,
    renewalNote,
    position,
    entitlements,
    rightSizing,
    costByDepartment: group('department'),
    costByCountry: group('usage_location'),
    savings,
    notes: [...notes, renewalNote, savings.coverageNote],
  };
}
