import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { acceptsOf } from '../../src-main/core/datasets/accept';
import { emptyBatch } from '../../src-main/core/datasets';
import type { Cell, DefinedDataset } from '../../src-main/core/datasets/types';
import type { DatasetId } from '../../src-main/shared/datasets';
import { groupSchema } from '../../src-main/core/datasets/groups';
import { signInActivity, signInRow, userSignInSchema } from '../../src-main/core/datasets/sign-in-activity';
import { subscribedSkuSchema } from '../../src-main/core/datasets/subscribed-skus';
import { userSchema, userRow, users } from '../../src-main/core/datasets/users';
import { activeUserDetail, activeUserDetailRow, activeUserDetailRowSchema } from '../../src-main/core/datasets/report-active-user-detail';
import { activationsUserDetail, activationsUserDetailRow, activationsUserDetailRowSchema } from '../../src-main/core/datasets/report-activations-user-detail';
import { m365AppUserDetail, m365AppUserDetailRow, m365AppUserDetailRowSchema } from '../../src-main/core/datasets/report-m365-app-user-detail';
import { mailboxUsageDetail, mailboxUsageDetailRow, mailboxUsageDetailRowSchema } from '../../src-main/core/datasets/report-mailbox-usage-detail';
import { CaseCounter, fuzzParams } from '../helpers/fuzz';
import { boolCellText, dateCellText, intCellText } from '../helpers/csv-gen';
import { graphItemInput, graphSignIn, graphUser } from '../helpers/graph-gen';

/**
 * The fast acceptance test a dataset's items go through (datasets/accept.ts) is derived from its
 * zod schema and must never accept what zod refuses: an item it accepts is used as it came,
 * anything else goes to zod. Checked against zod itself over valid items, near misses of them
 * and arbitrary values, for the registry's schemas and for one schema of each kind it models.
 */
const counter = new CaseCounter('Item acceptance');
afterAll(() => console.log(counter.report()));

const kinds = z.object({
  s: z.string(),
  min: z.string().min(2).max(5),
  n: z.number().int().nonnegative().nullish(),
  lt: z.number().lt(10).gt(-10).optional(),
  b: z.boolean().nullable(),
  u: z.unknown(),
  a: z.array(z.object({ x: z.string().nullish() })).nullish(),
  os: z.string().optional(),
  ns: z.string().nullable(),
  ob: z.boolean().optional(),
  nb: z.boolean().nullish(),
  nn: z.number().nullable().optional(),
});
const kindsValid = fc.record(
  {
    s: fc.string(),
    min: fc.string({ minLength: 2, maxLength: 5 }),
    n: fc.oneof(fc.nat(), fc.constant(null)),
    lt: fc.double({ min: -9.5, max: 9.5, noNaN: true }),
    b: fc.oneof(fc.boolean(), fc.constant(null)),
    u: fc.jsonValue({ maxDepth: 1 }),
    a: fc.array(fc.record({ x: fc.oneof(fc.string(), fc.constant(null)) }, { requiredKeys: [] }), { maxLength: 2 }),
    os: fc.string(),
    ns: fc.oneof(fc.string(), fc.constant(null)),
    ob: fc.boolean(),
    nb: fc.oneof(fc.boolean(), fc.constant(null)),
    nn: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)),
  },
  { requiredKeys: ['s', 'min', 'b', 'u', 'ns'] },
);

/**
 * A usage report row as csv-parse hands it over: text keyed by column, each column of the schema
 * present or not, any cell text (mapping may refuse it, which is not acceptance's business), and
 * columns the schema does not know.
 */
function reportRow(schema: z.ZodObject): fc.Arbitrary<Record<string, string>> {
  const cell = fc.oneof(boolCellText, intCellText, dateCellText, fc.string({ maxLength: 8 }));
  const known = fc.record(
    Object.fromEntries(Object.keys(schema.shape).map((k) => [k, k === 'User Principal Name' ? fc.string({ minLength: 1, maxLength: 12 }) : cell])),
    { requiredKeys: ['User Principal Name'] },
  );
  const text = (e: [string, string | undefined]): e is [string, string] => e[1] !== undefined;
  return fc
    .tuple(known, fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }))
    .map(([k, extra]) => ({ ...extra, ...Object.fromEntries(Object.entries(k).filter(text)) }));
}

interface ReportCase {
  name: string;
  schema: z.ZodObject;
  /** expectSameCells over the report's dataset, for one row. */
  sameCells: (v: unknown) => void;
}
function reportCase<S extends z.ZodObject, Row>(name: string, schema: S, dataset: DefinedDataset<DatasetId, Row>, toRow: (r: z.infer<S>) => Row): ReportCase {
  return { name, schema, sameCells: (v) => expectSameCells(dataset, v, () => toRow(schema.parse(v))) };
}

const REPORTS: ReportCase[] = [
  reportCase('active user detail report', activeUserDetailRowSchema, activeUserDetail, activeUserDetailRow),
  reportCase('activations report', activationsUserDetailRowSchema, activationsUserDetail, activationsUserDetailRow),
  reportCase('Microsoft 365 Apps report', m365AppUserDetailRowSchema, m365AppUserDetail, m365AppUserDetailRow),
  reportCase('mailbox usage report', mailboxUsageDetailRowSchema, mailboxUsageDetail, mailboxUsageDetailRow),
];

const CASES: [string, z.ZodType, fc.Arbitrary<unknown>][] = [
  ['users', userSchema, graphUser()],
  ['sign-in activity', userSignInSchema, graphSignIn],
  ...REPORTS.map(({ name, schema }): [string, z.ZodType, fc.Arbitrary<unknown>] => [name, schema, reportRow(schema)]),
  ['one of each kind', kinds, kindsValid],
];

describe('item acceptance: never more than zod accepts', () => {
  for (const [name, schema, valid] of CASES) {
    const accepts = acceptsOf(schema);
    it(`${name}: every valid item is accepted without zod`, () => {
      expect(accepts).toBeDefined();
      fc.assert(
        fc.property(valid, counter.count(`${name} (valid)`, (v: unknown) => {
          expect(schema.safeParse(v).success).toBe(true);
          expect(accepts?.(v)).toBe(true);
        })),
        fuzzParams(),
      );
    });
    it(`${name}: what it accepts, zod accepts (near misses and arbitrary values)`, () => {
      fc.assert(
        fc.property(graphItemInput(valid), counter.count(`${name} (near misses)`, (v: unknown) => {
          if (accepts?.(v)) expect(schema.safeParse(v).success).toBe(true);
        })),
        fuzzParams(2),
      );
    });
  }

  it('one of each kind: every field set to each odd value, or left out, is accepted exactly when zod accepts it', () => {
    const accepts = acceptsOf(kinds);
    const base = { s: 'x', min: 'abc', n: 1, lt: 0, b: true, u: 1, a: [{ x: 'y' }], os: 'x', ns: 'x', ob: false, nb: null, nn: 2 };
    const odd: unknown[] = [undefined, null, '', 'x', 'toolongvalue', 0, -1, 1.5, 11, 2 ** 60, Number.NaN, Infinity, true, false, [], [{ x: 1 }], [{ x: null }], {}];
    let tried = 0;
    for (const key of Object.keys(kinds.shape)) {
      const missing: Record<string, unknown> = { ...base };
      delete missing[key];
      const candidates: Record<string, unknown>[] = [missing, ...odd.map((v) => ({ ...base, [key]: v }))];
      for (const v of candidates) {
        // A present z.unknown() field holding undefined is left to zod (accept.ts asks for a value).
        if (key === 'u' && key in v && v[key] === undefined) continue;
        expect({ key, value: v[key], accepted: accepts?.(v) }).toEqual({ key, value: v[key], accepted: kinds.safeParse(v).success });
        tried += 1;
      }
    }
    expect(tried).toBeGreaterThan(200);
  });

  it('a required z.unknown() field must be there, as zod requires it', () => {
    const s = z.object({ u: z.unknown() });
    expect(s.safeParse({}).success).toBe(false);
    expect(acceptsOf(s)?.({})).toBe(false);
  });

  it('numbers: NaN, the infinities and unsafe integers are left to zod', () => {
    const accepts = acceptsOf(z.object({ n: z.number().int() }));
    for (const n of [Number.NaN, Infinity, -Infinity, 2 ** 60, 1.5]) expect(accepts?.({ n })).toBe(false);
    expect(accepts?.({ n: 3 })).toBe(true);
  });

  it.each<[string, z.ZodType]>([
    ['a loose object (its copy reorders keys)', z.looseObject({ a: z.string() })],
    ['a strict object', z.strictObject({ a: z.string() })],
    ['a transform', z.object({ a: z.string().transform((s) => s.trim()) })],
    ['a default', z.object({ a: z.string().default('x') })],
    ['a refinement', z.object({ a: z.string().refine((s) => s !== 'x') })],
    ['a format check', z.object({ a: z.string().regex(/^x/) })],
    ['an enum', z.object({ a: z.enum(['x', 'y']) })],
    ['the registry\'s loose schemas', groupSchema],
    ['the registry\'s loose schemas (SKUs)', subscribedSkuSchema],
    // A record's copy leaves out hidden keys and refuses symbol ones; telling costs more per row than it saves.
    ['a record', z.record(z.string(), z.string())],
  ])('no fast test for %s: zod decides every item', (_name, schema) => {
    expect(acceptsOf(schema)).toBeUndefined();
  });
});

/** The cells a packing appends, or the message it refuses the item with. */
function outcome(fill: (into: Cell[][]) => void, tables: number): { cells: Cell[][] } | { error: string } {
  const into: Cell[][] = Array.from({ length: tables }, () => []);
  try {
    fill(into);
    return { cells: into };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/**
 * The cells `dataset.pack` appends for `v` equal those of the row made from zod's copy of it; when
 * the mapping refuses a cell (a report's "Maybe" in a Yes/No column), both refuse it alike.
 */
function expectSameCells<Row>(dataset: DefinedDataset<DatasetId, Row>, v: unknown, viaZodRow: () => Row): void {
  const n = emptyBatch(dataset).length;
  const fast = outcome((into) => dataset.pack(into, v, 'page 1, item 1'), n);
  const viaZod = outcome((into) => dataset.packRow(into, viaZodRow()), n);
  expect(fast).toEqual(viaZod);
}

describe('sign-in activity: an accepted item packs the same cells as its zod copy', () => {
  it('the fast path and the zod path store the same rows (extra properties included)', () => {
    const withExtra = fc.tuple(graphSignIn, fc.jsonValue({ maxDepth: 1 })).map(([v, extra]) => ({ ...v, unknownFutureField: extra }));
    fc.assert(
      fc.property(fc.oneof(graphSignIn, withExtra), counter.count('sign-in activity (same cells)', (v: unknown) => {
        expect(acceptsOf(userSignInSchema)?.(v)).toBe(true);
        expectSameCells(signInActivity, v, () => signInRow(userSignInSchema.parse(v)));
      })),
      fuzzParams(),
    );
  });
});

describe('users: an accepted item packs the same cells as its zod copy', () => {
  it('the fast path and the zod path store the same rows', () => {
    fc.assert(
      fc.property(graphUser(), counter.count('users (same cells)', (v: unknown) => {
        expectSameCells(users, v, () => userRow(userSchema.parse(v)));
      })),
      fuzzParams(),
    );
  });
});

describe('usage reports: an accepted row packs the same cells as its zod copy, or both are refused alike', () => {
  for (const { name, schema, sameCells } of REPORTS) {
    it(`${name}: the fast path and the zod path agree (unknown columns included)`, () => {
      fc.assert(
        fc.property(reportRow(schema), counter.count(`${name} (same cells)`, (v: Record<string, string>) => {
          expect(acceptsOf(schema)?.(v)).toBe(true);
          sameCells(v);
        })),
        fuzzParams(),
      );
    });
  }
});
