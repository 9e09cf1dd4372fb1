import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
// The item schemas and their mapping to rows (the dataset registry may move them; only these two imports name the files).
import {
  groupSchema,
  parseItem,
  reportSettingsSchema,
  subscribedSkuSchema,
  userSchema,
  userSignInSchema,
} from '../../src-main/core/sync/graph-schemas';
import { groupRow, signInRow, skuRow, userRow } from '../../src-main/core/sync/map';
import { CaseCounter, fuzzParams, parsesOrClearError } from '../helpers/fuzz';
import { graphGroup, graphItemInput, graphReportSettings, graphSignIn, graphSku, graphUser } from '../helpers/graph-gen';

/**
 * Graph JSON items as the sync sees them: every value a page may carry either validates
 * and maps to a store row, or fails with OperatorError('graph-error') naming the field.
 * Nothing else escapes, whatever the item (arbitrary JSON, near misses of valid items).
 */
const counter = new CaseCounter('Graph items');
afterAll(() => console.log(counter.report()));

/** Store rows hold only text, numbers, booleans, null and arrays/objects of them (what SQLite and JSON columns take). */
function storable(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(storable);
  if (typeof v === 'object') return Object.values(v as object).every(storable);
  return false;
}

const DATASETS = [
  { name: 'subscribedSku', valid: graphSku as fc.Arbitrary<unknown>, parse: (v: unknown) => skuRow(parseItem(subscribedSkuSchema, v, 'subscribedSku', 'page 1, item 1')) },
  { name: 'user', valid: graphUser() as fc.Arbitrary<unknown>, parse: (v: unknown) => userRow(parseItem(userSchema, v, 'user', 'page 1, item 1')) },
  { name: 'user signInActivity', valid: graphSignIn as fc.Arbitrary<unknown>, parse: (v: unknown) => signInRow(parseItem(userSignInSchema, v, 'user signInActivity', 'page 1, item 1')) },
  { name: 'group', valid: graphGroup as fc.Arbitrary<unknown>, parse: (v: unknown) => groupRow(parseItem(groupSchema, v, 'group', 'page 1, item 1')) },
  { name: 'adminReportSettings', valid: graphReportSettings as fc.Arbitrary<unknown>, parse: (v: unknown) => parseItem(reportSettingsSchema, v, 'adminReportSettings', 'response') },
];

describe('Graph items: parse and map, or a clear graph-error', () => {
  for (const d of DATASETS) {
    it(`${d.name}: valid items map to storable rows`, () => {
      fc.assert(
        fc.property(
          d.valid,
          counter.count(`${d.name} (valid)`, (item: unknown) => {
            const row = d.parse(item);
            expect(storable(row)).toBe(true);
          }),
        ),
        fuzzParams(),
      );
    });

    it(`${d.name}: arbitrary JSON and near misses parse or fail with graph-error`, () => {
      fc.assert(
        fc.property(
          graphItemInput(d.valid),
          counter.count(`${d.name} (arbitrary and near misses)`, (item: unknown) => {
            const r = parsesOrClearError(() => d.parse(item), ['graph-error']);
            if (r.ok) expect(storable(r.value)).toBe(true);
            else {
              expect(r.error.message).toMatch(new RegExp(`invalid ${d.name} \\(`));
              // Field values are personal data and are never echoed: only the field's path is named.
              expect(r.error.message).toMatch(/field "[^"]*"/);
            }
          }),
        ),
        fuzzParams(2),
      );
    });
  }
});
