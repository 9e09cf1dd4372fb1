import { describe, expect, it } from 'vitest';
import { countGap, countTolerance, incompleteUsersError } from '../../../src-main/core/sync/completeness';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import type { GraphPage } from '../../../src-main/core/graph/session';
import { openDatabase } from '../../../src-main/core/store/db';
import { currentSnapshot, datasetRuns } from '../../../src-main/core/store/queries';
import { runSync } from '../../../src-main/core/sync/engine';
import { ALL_ROLES, FakeSession, sampleData } from '../../helpers/fake-session';

describe('count gap', () => {
  it('a page announcing 1,000 with 10 users and no nextLink is incomplete, naming both numbers', () => {
    const gap = countGap('Users', 10, 1000);
    expect(gap).toBeDefined();
    expect(gap?.warning).toMatch(/10 received .* announced 1000 \(990 missing\)/);
    expect(gap?.reason).toMatch(/^incomplete: 10 received, 1000 announced/);
    expect(incompleteUsersError(gap!).message).toMatch(/10 users received, but Microsoft Graph announced 1000/);
  });

  it.each([
    [1000, 1000],
    [995, 1000],
    [1000, 991],
    [0, 0],
    [3, 12],
    [100_000, 99_100],
  ])('%i items of %i announced is within eventual consistency', (items, expected) => {
    expect(countGap('Users', items, expected)).toBeUndefined();
  });

  it.each([
    [500, 1000],
    [1100, 1000],
    [0, 11],
    [98_000, 100_000],
  ])('%i items of %i announced is incomplete', (items, expected) => {
    expect(countGap('Users', items, expected)).toBeDefined();
  });

  it('no announced count: nothing to compare', () => {
    expect(countGap('Users', 10, undefined)).toBeUndefined();
  });

  it('the tolerance is 1 %, at least 10', () => {
    expect(countTolerance(0)).toBe(10);
    expect(countTolerance(50_000)).toBe(500);
  });
});

/** A Graph session whose users collection announces `announced` users with @odata.count, then ends after the pages it has. */
class CountingSession extends FakeSession {
  constructor(private readonly announced: number) {
    super(ALL_ROLES, sampleData(1, 10));
  }

  override async *pages(path: string, opts?: Parameters<FakeSession['pages']>[1]): AsyncIterable<GraphPage> {
    const users = path.startsWith('/users?$select=id,userPrincipalName');
    for await (const page of super.pages(path, opts)) yield users ? { ...page, count: this.announced } : page;
  }
}

describe('runSync compares the users received with @odata.count', () => {
  it('a page saying 1,000 with 10 users and no nextLink fails the sync; nothing is committed', async () => {
    const db = openDatabase(':memory:');
    const e = await runSync({ session: new CountingSession(1000), db, profileName: 'contoso' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(OperatorError);
    expect((e as OperatorError).message).toMatch(/10 users received, but Microsoft Graph announced 1000/);
    expect(currentSnapshot(db, 'contoso') ?? undefined).toBeUndefined();
  });

  it('accepted by the operator: committed, the dataset marked incomplete, a warning naming both numbers', async () => {
    const db = openDatabase(':memory:');
    const r = await runSync({ session: new CountingSession(1000), db, profileName: 'contoso', acceptIncompleteUsers: true });
    expect(r.userCount).toBe(10);
    expect(r.warnings.some((w) => /10 received but Microsoft Graph announced 1000/.test(w))).toBe(true);
    const users = r.datasets.find((d) => d.dataset === 'users');
    expect(users).toMatchObject({ status: 'ok', items: 10, expected: 1000 });
    expect(users?.reason).toMatch(/^incomplete/);
    expect(datasetRuns(db, r.snapshotId).find((d) => d.dataset === 'users')?.reason).toMatch(/^incomplete/);
  });

  it('a count within eventual consistency commits as complete', async () => {
    const db = openDatabase(':memory:');
    const r = await runSync({ session: new CountingSession(14), db, profileName: 'contoso' });
    expect(r.userCount).toBe(10);
    expect(r.warnings.join('\n')).not.toMatch(/announced/);
    expect(r.datasets.find((d) => d.dataset === 'users')?.reason).toBeUndefined();
  });
});
