/**
 * The sign-in stream's partitions (datasets/sign-in-activity.ts): filters Microsoft documents for
 * signInActivity ("user resource type", learn.microsoft.com/graph/api/resources/user: `$filter`
 * with eq, ne, not, ge, le, not with other properties), covering every date once, and the engine's
 * fallback to the single stream when Graph refuses a partition's filter.
 */
import { describe, expect, it } from 'vitest';
import { signInPartitionFilters, signInPartitions, SIGN_IN_PAGE_SIZE } from '../../../src-main/core/datasets/sign-in-activity';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { openDatabase } from '../../../src-main/core/store/db';
import { snapshotCounts } from '../../../src-main/core/store/queries';
import { runSync } from '../../../src-main/core/sync/engine';
import { ALL_ROLES, FakeSession, sampleData } from '../../helpers/fake-session';

const START = new Date('2026-12-01T04:51:25.678Z');

describe('sign-in partitions', () => {
  it('cover every date exactly once but on shared boundaries, and the users with no date', () => {
    const { filters, boundaries } = signInPartitionFilters(START);
    expect(filters[0]).toBe(`not(signInActivity/lastSignInDateTime ge ${boundaries[0]})`);
    expect(filters.at(-1)).toBe(`signInActivity/lastSignInDateTime ge ${boundaries.at(-1)}`);
    // Whole-second OData literals, oldest first, the last one a day before the start.
    for (const b of boundaries) expect(b).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect([...boundaries].sort()).toEqual(boundaries);
    expect(boundaries.at(-1)).toBe('2026-11-30T04:51:25Z');
    // Only signInActivity/lastSignInDateTime, only documented operators.
    for (const f of filters) {
      expect(f.replace(/signInActivity\/lastSignInDateTime (ge|le) \S+/g, '').replace(/\s*(and|not\(|\))\s*/g, '')).toBe('');
    }
    // Evaluate the filters on dates around every boundary: each date in one range, or two on a shared boundary.
    const inRange = (f: string, ms: number | null): boolean => {
      const ge = [...f.matchAll(/ge (\S+?)\)?(?:\s|$)/g)].map((m) => Date.parse(m[1] as string));
      const le = [...f.matchAll(/le (\S+?)\)?(?:\s|$)/g)].map((m) => Date.parse(m[1] as string));
      if (f.startsWith('not(')) return ms === null || ms < (ge[0] as number);
      return ms !== null && ge.every((g) => ms >= g) && le.every((l) => ms <= l);
    };
    const { boundaryKey } = signInPartitions(START);
    for (const b of boundaries.map((x) => Date.parse(x))) {
      for (const ms of [b - 1000, b, b + 1000]) {
        const hits = filters.filter((f) => inRange(f, ms)).length;
        const shared = boundaryKey?.({ id: 'u', signInActivity: { lastSignInDateTime: new Date(ms).toISOString() } }) !== undefined;
        expect(hits).toBe(shared ? 2 : 1);
      }
    }
    expect(filters.filter((f) => inRange(f, null))).toHaveLength(1);
    expect(signInPartitions(START).requests.every((r) => r.path.includes(`$top=${SIGN_IN_PAGE_SIZE}`))).toBe(true);
  });

  it('a 400 on a partition falls back to the single stream: every sign-in once, none of the partial rows', async () => {
    let refused = 0;
    const session = new FakeSession(ALL_ROLES, sampleData(), {
      beforePage: (d, i) => {
        if (d === 'signInActivity' && i === 0 && refused === 0) {
          refused += 1;
          throw new OperatorError('graph-error', 'Unsupported Query.', { hint: 'x', status: 400 });
        }
      },
    });
    const db = openDatabase(':memory:');
    const r = await runSync({ session, db, profileName: 'p', writerThread: false });
    const sign = r.datasets.find((d) => d.dataset === 'signInActivity');
    expect(sign).toMatchObject({ status: 'ok', items: r.userCount });
    expect(snapshotCounts(db, r.snapshotId).sign_in_activity).toBe(r.userCount);
    // The single stream (no $filter) was requested after the partitions.
    const last = session.requested.filter((q) => q.dataset === 'signInActivity').at(-1);
    expect(last?.path).not.toContain('$filter');
    expect(refused).toBe(1);
  });
});
