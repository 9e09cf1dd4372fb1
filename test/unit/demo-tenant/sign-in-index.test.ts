// The sign-in index answers every documented signInActivity filter exactly as a scan of the
// generated users does ("user resource type", learn.microsoft.com/graph/api/resources/user:
// signInActivity supports $filter eq, ne, not, ge, le), including users without a value and the
// 0001-01-01 sentinel, and whether it is used before, during or after its background build.
import { describe, expect, it } from 'vitest';
import { createDemoData } from '../../../src-main/core/demo-tenant/data';
import { matchesSignInFilter, parseSignInFilter, SIGN_IN_DATE_PROPERTIES, type SignInFilter } from '../../../src-main/core/demo-tenant/graph/sign-in-filter';
import { createSignInIndex } from '../../../src-main/core/demo-tenant/graph/sign-in-index';
import { signInPartitionFilters } from '../../../src-main/core/datasets/sign-in-activity';

const data = createDemoData({ seed: 'sign-in-index', users: 5000, tenantId: '6a0c1f9e-2b3d-4e5f-8a7b-9c0d1e2f3a4b', domain: 'contoso-index.onmicrosoft.com' });

function filter(raw: string): SignInFilter {
  const p = parseSignInFilter(raw);
  if (p.ok !== true) throw new Error(`not a supported filter: ${raw}`);
  return p.filter;
}

const sample = data.user(17).signInActivity;
const filters = [
  ...signInPartitionFilters(new Date(data.reportDate)).filters,
  ...SIGN_IN_DATE_PROPERTIES.flatMap((p) => [
    `signInActivity/${p} ge 2026-09-01T00:00:00Z`,
    `signInActivity/${p} le 2026-06-01T12:30:00Z`,
    `not(signInActivity/${p} le 2026-06-01T12:30:00Z)`,
    `signInActivity/${p} eq 0001-01-01T00:00:00Z`,
    `signInActivity/${p} ne 0001-01-01T00:00:00Z`,
  ]),
  `signInActivity/lastSignInDateTime eq ${sample.lastSignInDateTime ?? '2026-10-01T00:00:00Z'}`,
  `signInActivity/lastSuccessfulSignInDateTime ne ${sample.lastSuccessfulSignInDateTime ?? '2026-10-01T00:00:00Z'}`,
].map((raw) => ({ raw, f: filter(raw) }));

const scan = (f: SignInFilter): number[] => {
  const out: number[] = [];
  for (let i = 0; i < data.userCount; i++) if (matchesSignInFilter(f, data.user(i).signInActivity)) out.push(i);
  return out;
};

const walk = (index: ReturnType<typeof createSignInIndex>, f: SignInFilter): number[] => {
  const out: number[] = [];
  for (let i = index.nextMatch(f, 0); i < data.userCount; i = index.nextMatch(f, i + 1)) out.push(i);
  return out;
};

describe('sign-in index', () => {
  it('matches, walks and counts exactly as a scan of the users does', () => {
    const index = createSignInIndex(data, { background: false });
    let nonEmpty = 0;
    for (const { raw, f } of filters) {
      const want = scan(f);
      if (want.length > 0 && want.length < data.userCount) nonEmpty += 1;
      expect(walk(index, f), raw).toEqual(want);
      expect(index.count(f), raw).toBe(want.length);
      for (const i of [0, 1, 17, 2500, data.userCount - 1]) expect(index.matches(f, i), `${raw} #${i}`).toBe(want.includes(i));
    }
    // The cases are not vacuous: most filters select some users and leave out others.
    expect(nonEmpty).toBeGreaterThan(filters.length / 2);
  });

  it('gives the same answers while its background build is under way', async () => {
    const index = createSignInIndex(data);
    const { f } = filters[3] as { f: SignInFilter };
    // Let a slice or two of the build run, then ask before it has finished.
    await new Promise((r) => setTimeout(r, 0));
    expect(walk(index, f)).toEqual(scan(f));
  });

  it('the date partitions cover every user exactly once apart from their shared boundaries', () => {
    const index = createSignInIndex(data, { background: false });
    const seen = new Map<number, number>();
    for (const raw of signInPartitionFilters(new Date(data.reportDate)).filters) for (const i of walk(index, filter(raw))) seen.set(i, (seen.get(i) ?? 0) + 1);
    expect(seen.size).toBe(data.userCount);
  });
});
