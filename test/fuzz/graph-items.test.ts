import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DATASETS, emptyBatch, type DatasetId } from '../../src-main/core/datasets';
import { CaseCounter, fuzzParams, parsesOrClearError } from '../helpers/fuzz';
import { graphGroup, graphItemInput, graphReportSettings, graphSignIn, graphSku, graphSubscription, graphUser, reportRecord } from '../helpers/graph-gen';

/**
 * Graph items as the sync sees them, for every dataset of the registry: each value a page
 * (or a report row, or an object response) may carry either validates, maps and packs into
 * storable cells, or fails with OperatorError('graph-error') naming the item and the field.
 * Nothing else escapes, whatever the item (arbitrary JSON, near misses of valid items).
 * A dataset added to the registry is fuzzed with arbitrary JSON until it gets a generator below.
 */
const counter = new CaseCounter('Graph items');
afterAll(() => console.log(counter.report()));

/** Valid items per dataset (shapes from the resources each dataset's file cites). */
const VALID: Partial<Record<DatasetId, fc.Arbitrary<unknown>>> = {
  subscribedSkus: graphSku,
  users: graphUser(),
  signInActivity: graphSignIn,
  groups: graphGroup,
  subscriptions: graphSubscription,
  reportSettings: graphReportSettings,
  'report.activeUserDetail': reportRecord('report.activeUserDetail'),
  'report.m365AppUserDetail': reportRecord('report.m365AppUserDetail'),
  'report.activationsUserDetail': reportRecord('report.activationsUserDetail'),
  'report.mailboxUsageDetail': reportRecord('report.mailboxUsageDetail'),
};

/** Store cells are text, finite numbers or null. */
function storable(batch: unknown[][]): boolean {
  return batch.every((cells) => cells.every((c) => c === null || typeof c === 'string' || (typeof c === 'number' && Number.isFinite(c))));
}

describe('Graph items: parse, map and pack, or a clear graph-error', () => {
  for (const d of DATASETS) {
    const valid = VALID[d.id];
    if (valid) {
      it(`${d.id}: valid items pack into storable cells`, () => {
        fc.assert(
          fc.property(
            valid,
            counter.count(`${d.id} (valid)`, (item: unknown) => {
              const batch = emptyBatch(d);
              const r = parsesOrClearError(() => d.pack(batch, item, 'page 1, item 1'), ['graph-error']);
              // Report cells with values outside True/False or whole numbers are refused even in "valid" rows.
              if (d.fetch !== 'reportRows') expect(r.ok).toBe(true);
              if (r.ok) expect(storable(batch)).toBe(true);
            }),
          ),
          fuzzParams(),
        );
      });
    }

    it(`${d.id}: arbitrary JSON and near misses pack or fail with graph-error`, () => {
      fc.assert(
        fc.property(
          valid ? graphItemInput(valid) : fc.anything({ maxDepth: 3 }),
          counter.count(`${d.id} (arbitrary and near misses)`, (item: unknown) => {
            const batch = emptyBatch(d);
            const r = parsesOrClearError(() => d.pack(batch, item, 'page 1, item 1'), ['graph-error']);
            if (r.ok) expect(storable(batch)).toBe(true);
            else if (r.error.message.startsWith('Microsoft Graph returned')) {
              expect(r.error.message).toContain(`invalid ${d.itemName} (page 1, item 1)`);
              // Field values are personal data and are never echoed: only the field's path is named.
              expect(r.error.message).toMatch(/field "[^"]*"/);
            } else expect(r.error.message).toMatch(/^A usage report row has an invalid "[^"]+" value/);
          }),
        ),
        fuzzParams(2),
      );
    });
  }
});
