import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinCatalog } from '../../../src-main/core/catalog/builtin';
import { reconcile } from '../../../src-main/core/recon/cost';
import { computeFindings } from '../../../src-main/core/recon/engine';
import { importFile } from '../../../src-main/core/recon/imports';
import { defaultSettings } from '../../../src-main/core/recon/settings';
import type { FindingsReport } from '../../../src-main/shared/recon';
import { E3, EXO1, insertSnapshot, tempDb } from './fixture';

const catalog = builtinCatalog();
const now = new Date('2025-06-01T00:00:00Z');
const asOf = now;

/**
 * E3: 10 usable, 7 assigned, buffer 1 -> 2 unassigned beyond the buffer.
 * EXO1: 3 usable, 3 assigned, its plans within E3's. carol is disabled (E3 + EXO1); dan is
 * inactive (E3 + EXO1); fay holds EXO1 next to E3 (overlap); erin never signed in. Every
 * reclaimable (user, SKU) pair counts once, however many findings name it.
 */
function fixture() {
  const { db, dir } = tempDb();
  const old = '2024-01-01T00:00:00Z';
  const id = insertSnapshot(db, {
    skus: [{ ...E3, enabled: 10, consumed: 7, plans: ['p-exchange', 'p-sharepoint', 'p-apps'] }, { ...EXO1, enabled: 3, consumed: 3, plans: ['p-exchange'] }],
    users: [
      { id: 'alice', skus: [E3.id], department: 'Sales', country: 'GB' },
      { id: 'bob', skus: [E3.id], department: 'Sales', country: 'GB' },
      { id: 'carol', skus: [E3.id, EXO1.id], enabled: false, department: 'Finance', country: 'FR' },
      { id: 'dan', skus: [E3.id, EXO1.id], lastSuccessful: old, department: 'Finance', country: 'FR' },
      { id: 'erin', skus: [E3.id], lastSuccessful: null, department: null, country: 'FR' },
      { id: 'fay', skus: [E3.id, EXO1.id], department: 'Sales', country: 'GB' },
      { id: 'gus', skus: [E3.id], department: 'Sales', country: 'GB' },
    ],
  });
  return { db, dir, id };
}

const settings = { ...defaultSettings(), seatBuffers: { ENTERPRISEPACK: 1 } };

describe('cost, savings and right-sizing', () => {
  it('counts a user once per SKU however many findings name them, and prices seats from the entitlements', async () => {
    const { db, dir, id } = fixture();
    writeFileSync(join(dir, 'e.csv'), 'SKU,Quantity,Unit price,Currency,Billing period,Term end\r\nENTERPRISEPACK,10,240,EUR,annual,2025-09-30\r\nEXCHANGESTANDARD,3,4,EUR,monthly,2025-08-31\r\n');
    await importFile(db, 'contoso', 'entitlements', join(dir, 'e.csv'), catalog, now);
    const findings = computeFindings(db, id, { settings, asOf, catalog });
    // dan's EXO1 is in two findings (inactive-users and overlap), carol's too (disabled-accounts and overlap).
    const exoItems = findings.findings.flatMap((f) => f.items.filter((i) => i.reclaimable && i.skuId === EXO1.id).map((i) => `${f.kind}:${i.userId}`));
    expect(exoItems.sort()).toEqual(['disabled-accounts:carol', 'inactive-users:dan', 'overlap:carol', 'overlap:dan', 'overlap:fay']);
    const r = reconcile(db, { profile: 'contoso', snapshotId: id, settings, findings, catalog });
    // E3: carol, dan, erin + 2 unassigned beyond the buffer = 5; EXO1: carol, dan, fay = 3 (not 5).
    expect(r.savings).toMatchObject({ currency: 'EUR', reclaimableSeats: 8, pricedSeats: 8, coverage: 1, monthly: 5 * 20 + 3 * 4, annual: (5 * 20 + 3 * 4) * 12 });
    expect(r.savings.coverageNote).toBe('Savings cover 100% of reclaimable seats (8 of 8 priced).');
    expect(r.savings.sources).toEqual(['entitlement (e.csv)']);
    const e3 = r.rightSizing.find((x) => x.partNumber === 'ENTERPRISEPACK');
    expect(e3).toMatchObject({ unassignedBeyondBuffer: 2, disabledSeats: 1, inactiveSeats: 2, reduceBy: 5, before: '2025-09-30', dateSource: 'entitlements', trial: false, monthlySavings: 100, annualSavings: 1200 });
    expect(e3?.advice).toBe('reduce by 5 seats before 2025-09-30');
    expect(e3?.price).toMatchObject({ monthly: 20, source: 'entitlement', original: '240 EUR annual' });
    expect(r.renewalSource).toBe('entitlements');
    expect(r.renewalNote).toMatch(/term end of the imported entitlements \(the subscriptions dataset was not synced\)/);
    expect(r.entitlements.find((x) => x.partNumber === 'ENTERPRISEPACK')).toMatchObject({ entitled: 10, usable: 10, assigned: 7, difference: 0, termEnd: '2025-09-30' });
    const pos = r.position.find((x) => x.partNumber === 'ENTERPRISEPACK');
    expect(pos).toMatchObject({ usable: 10, consumed: 7, available: 3, overBy: 0, buffer: 1, monthlyCost: 140 });
    // Cost per department and country: a user's seats at their SKU prices.
    expect(r.costByDepartment).toContainEqual({ key: 'Sales', users: 4, seats: 5, pricedSeats: 5, monthlyCost: 4 * 20 + 4 });
    expect(r.costByDepartment).toContainEqual({ key: '(none)', users: 1, seats: 1, pricedSeats: 1, monthlyCost: 20 });
    expect(r.costByCountry).toContainEqual({ key: 'FR', users: 3, seats: 5, pricedSeats: 5, monthlyCost: 3 * 20 + 2 * 4 });
  });

  it('reports the price coverage when only some SKUs are priced, and never invents a price', async () => {
    const { db, dir, id } = fixture();
    writeFileSync(join(dir, 'p.csv'), 'SKU,Unit price,Currency,Billing period\r\nEXCHANGESTANDARD,4,USD,monthly\r\n');
    await importFile(db, 'contoso', 'prices', join(dir, 'p.csv'), catalog, now);
    const findings = computeFindings(db, id, { settings, asOf, catalog });
    const r = reconcile(db, { profile: 'contoso', snapshotId: id, settings, findings, catalog });
    expect(r.savings).toMatchObject({ reclaimableSeats: 8, pricedSeats: 3, monthly: 12, currency: 'USD' });
    expect(r.savings.coverageNote).toBe('Savings cover 38% of reclaimable seats (3 of 8 priced).');
    expect(r.position.find((x) => x.partNumber === 'ENTERPRISEPACK')?.price).toEqual({ monthly: null, currency: 'USD', source: 'none', original: null });
    expect(r.position.find((x) => x.partNumber === 'EXCHANGESTANDARD')?.price.source).toBe('price list');
    expect(r.rightSizing.find((x) => x.partNumber === 'ENTERPRISEPACK')?.advice).toBe('reduce by 5 seats (no renewal date known)');
  });

  it('takes renewal dates and trials from the subscriptions dataset when the snapshot has it', () => {
    const { db, id } = fixture();
    db.prepare(`INSERT INTO subscriptions (snapshot_id, id, sku_id, status, is_trial, total_licenses, created_at, next_lifecycle_at) VALUES (?, 's1', ?, 'Enabled', 0, 8, NULL, '2025-11-30T00:00:00Z'), (?, 's2', ?, 'Enabled', 0, 2, NULL, '2025-10-15T00:00:00Z'), (?, 's3', ?, 'Enabled', 1, 4, NULL, '2025-06-30T00:00:00Z')`).run(id, E3.id, id, E3.id, id, EXO1.id);
    db.prepare(`INSERT INTO dataset_runs (snapshot_id, dataset, status, items) VALUES (?, 'subscriptions', 'ok', 3)`).run(id);
    const findings = computeFindings(db, id, { settings, asOf, catalog });
    const r = reconcile(db, { profile: 'contoso', snapshotId: id, settings, findings, catalog });
    expect(r.renewalSource).toBe('subscriptions');
    expect(r.rightSizing.find((x) => x.partNumber === 'ENTERPRISEPACK')).toMatchObject({ before: '2025-10-15', dateSource: 'subscriptions', trial: false });
    const exo = r.rightSizing.find((x) => x.partNumber === 'EXCHANGESTANDARD');
    // Right-sizing counts disabled and inactive holders (not overlap): carol and dan.
    expect(exo).toMatchObject({ trial: true, reduceBy: 2, before: '2025-06-30' });
    expect(exo?.advice).toBe('[trial] reduce by 2 seats before 2025-06-30');
  });

  it('counts savings from hand-made findings that repeat a user under one SKU', () => {
    const { db, id } = fixture();
    const base = computeFindings(db, id, { settings, asOf, catalog, itemLimit: 0 });
    const item = { userId: 'u1', upn: 'u1@x', displayName: null, skuId: E3.id, partNumber: E3.part, product: null, reclaimable: true, facts: {} };
    const findings: FindingsReport = {
      ...base,
      findings: base.findings.map((f) => (['disabled-accounts', 'inactive-users', 'no-use', 'overlap'].includes(f.kind) ? { ...f, items: [item, item] } : { ...f, items: [] })),
    };
    const r = reconcile(db, { profile: 'contoso', snapshotId: id, settings, findings, catalog });
    expect(r.savings.reclaimableSeats).toBe(1);
    expect(r.rightSizing.find((x) => x.partNumber === 'ENTERPRISEPACK')).toMatchObject({ disabledSeats: 1, inactiveSeats: 0, reduceBy: 1 });
  });

  it('prices mailbox-only downgrades as the difference between the SKUs, once per user, and not for seats already reclaimable', async () => {
    const { db, dir, id } = fixture();
    writeFileSync(join(dir, 'e.csv'), 'SKU,Quantity,Unit price,Currency,Billing period,Term end\r\nENTERPRISEPACK,10,240,EUR,annual,2025-09-30\r\nEXCHANGESTANDARD,3,4,EUR,monthly,2025-08-31\r\n');
    await importFile(db, 'contoso', 'entitlements', join(dir, 'e.csv'), catalog, now);
    const base = computeFindings(db, id, { settings, asOf, catalog, itemLimit: 0 });
    const user = (userId: string, reclaimable: boolean, facts: Record<string, string>) => ({ userId, upn: `${userId}@x`, displayName: null, skuId: E3.id, partNumber: E3.part, product: null, reclaimable, facts });
    const mailboxOnly = [user('u1', false, { downgradeTo: EXO1.part }), user('u1', false, { downgradeTo: EXO1.part }), user('u2', false, { downgradeTo: EXO1.part }), user('u3', false, { downgradeTo: EXO1.part })];
    const findings: FindingsReport = {
      ...base,
      // u3 is also disabled: its seat is reclaimed whole, so it is no downgrade too.
      findings: base.findings.map((f) => ({ ...f, items: f.kind === 'mailbox-only' ? mailboxOnly : f.kind === 'disabled-accounts' ? [user('u3', true, {})] : [], truncated: false })),
    };
    const r = reconcile(db, { profile: 'contoso', snapshotId: id, settings, findings, catalog });
    expect(r.savings).toMatchObject({ downgradeSeats: 2, downgradeMonthly: 2 * (20 - 4), reclaimableSeats: 1 });
  });
});
