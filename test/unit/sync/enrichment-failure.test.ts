/**
 * Enrichment datasets fail alone: a malformed usage-report row marks that report `failed` (with
 * the row's position and field), the snapshot commits without its rows and with the users intact;
 * with strict the whole sync fails and the previous snapshot stays current.
 */
import { describe, expect, it } from 'vitest';
import { OperatorError } from '../../../src-main/core/errors/operator-error';
import { openDatabase } from '../../../src-main/core/store/db';
import { currentSnapshot, datasetRuns, listSnapshots, snapshotCounts } from '../../../src-main/core/store/queries';
import { runSync } from '../../../src-main/core/sync/engine';
import { ALL_ROLES, FakeSession, sampleData } from '../../helpers/fake-session';

const PROFILE = 'p';

function withMalformedMailboxRow() {
  const data = sampleData();
  const good = data.reports['report.mailboxUsageDetail']?.[0] ?? {};
  // Row 2 has an empty User Principal Name, which the report's schema refuses.
  data.reports['report.mailboxUsageDetail'] = [good, { ...good, 'User Principal Name': '' }];
  return data;
}

describe('an enrichment dataset that sends a malformed row', () => {
  it('is recorded as failed with the row and the reason; the snapshot commits without its rows, users intact', async () => {
    const db = openDatabase(':memory:');
    const result = await runSync({ session: new FakeSession(ALL_ROLES, withMalformedMailboxRow()), db, profileName: PROFILE, writerThread: false });
    const mailbox = result.datasets.find((d) => d.dataset === 'report.mailboxUsageDetail');
    expect(mailbox).toMatchObject({ status: 'failed', items: 0 });
    expect(mailbox?.reason).toMatch(/row 2/);
    expect(mailbox?.reason).toMatch(/User Principal Name/);
    // Every other dataset is ok, and the findings engine reads the failure from dataset_runs.
    expect(result.datasets.filter((d) => d.status !== 'ok').map((d) => d.dataset)).toEqual(['report.mailboxUsageDetail']);
    const run = datasetRuns(db, result.snapshotId).find((r) => r.dataset === 'report.mailboxUsageDetail');
    expect(run).toMatchObject({ status: 'failed', items: 0 });
    expect(run?.reason).toMatch(/row 2/);
    const counts = snapshotCounts(db, result.snapshotId);
    expect(counts.report_mailbox_usage_detail).toBe(0);
    expect(counts.users).toBe(result.userCount);
    expect(counts.users).toBeGreaterThan(0);
    expect(currentSnapshot(db, PROFILE)?.id).toBe(result.snapshotId);
  });

  it('with strict, fails the sync and the previous snapshot stays current', async () => {
    const db = openDatabase(':memory:');
    const first = await runSync({ session: new FakeSession(ALL_ROLES, sampleData()), db, profileName: PROFILE, writerThread: false });
    const before = snapshotCounts(db, first.snapshotId);
    const e = await runSync({ session: new FakeSession(ALL_ROLES, withMalformedMailboxRow()), db, profileName: PROFILE, writerThread: false, strict: true }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(OperatorError);
    expect((e as OperatorError).message).toMatch(/User Principal Name/);
    expect(currentSnapshot(db, PROFILE)?.id).toBe(first.snapshotId);
    expect(listSnapshots(db)).toHaveLength(1);
    expect(snapshotCounts(db, first.snapshotId)).toEqual(before);
  });

  it('a core dataset failing fails the sync even without strict', async () => {
    const db = openDatabase(':memory:');
    const data = sampleData();
    data.users = [[{ id: '' }]];
    const e = await runSync({ session: new FakeSession(ALL_ROLES, data), db, profileName: PROFILE, writerThread: false }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(OperatorError);
    expect(listSnapshots(db)).toHaveLength(0);
  });
});
