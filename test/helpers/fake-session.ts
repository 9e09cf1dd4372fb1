import type { GraphPage, GraphSession, RequestOptions, TokenInfo } from '../../src-main/core/graph/session';
import { datasetPaths } from '../../src-main/core/sync/engine';
import { DATASET_IDS, type DatasetId } from '../../src-main/core/permissions/matrix';

/**
 * An in-memory GraphSession for unit tests of the sync engine: serves pages, JSON and
 * report rows per dataset, can fail or hang a dataset, and records what was requested.
 */
export interface FakeData {
  skus: unknown[][];
  users: unknown[][];
  signIns: unknown[][];
  groups: unknown[][];
  subscriptions: unknown[][];
  reportSettings: unknown;
  reports: Partial<Record<DatasetId, Record<string, string>[]>>;
  /** Collections of datasets a test registers itself (registry injection), by request path. */
  collections?: { dataset: DatasetId; path: string; pages: unknown[][] }[];
}

export interface FakeHooks {
  /** Called before page `index` (0-based) of a dataset is produced. May throw. */
  beforePage?: (dataset: DatasetId, index: number, signal: AbortSignal | undefined) => void | Promise<void>;
  /** Called before a JSON or report request is served. May throw. */
  beforeRequest?: (dataset: DatasetId, signal: AbortSignal | undefined) => void | Promise<void>;
}

export class FakeSession implements GraphSession {
  readonly graphBaseUrl = 'https://graph.example.test/v1.0';
  readonly requested: { dataset: DatasetId; path: string; headers?: Record<string, string> }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly #byPath: Map<string, DatasetId>;

  constructor(
    readonly roles: string[],
    readonly data: FakeData,
    readonly hooks: FakeHooks = {},
    readonly tenantId = '11111111-2222-3333-4444-555555555555',
  ) {
    const paths = datasetPaths('D30');
    this.#byPath = new Map(DATASET_IDS.map((d) => [paths[d], d]));
    for (const c of data.collections ?? []) this.#byPath.set(c.path, c.dataset);
  }

  #dataset(path: string): DatasetId {
    const d = this.#byPath.get(path) ?? (this.#isSignInPartition(path) ? 'signInActivity' : undefined);
    if (!d) throw new Error(`fake session: unexpected path ${path}`);
    return d;
  }

  /** A partition of the sign-in stream (a $filter on signInActivity, datasets/sign-in-activity.ts). */
  #isSignInPartition(path: string): boolean {
    return path.startsWith('/users?$select=id,signInActivity&') && new URL(path, 'https://x.test').searchParams.has('$filter');
  }

  #enter(): void {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
  }

  async tokenInfo(): Promise<TokenInfo> {
    return { tenantId: this.tenantId, roles: [...this.roles], scopes: [], expiresOn: new Date(Date.now() + 3600_000) };
  }

  async getJson(path: string, opts?: RequestOptions): Promise<unknown> {
    const dataset = this.#dataset(path);
    this.requested.push({ dataset, path });
    this.#enter();
    try {
      await Promise.resolve();
      await this.hooks.beforeRequest?.(dataset, opts?.signal);
      if (dataset === 'reportSettings') return this.data.reportSettings;
      throw new Error(`fake session: no JSON for ${dataset}`);
    } finally {
      this.inFlight -= 1;
    }
  }

  async *pages(path: string, opts?: RequestOptions): AsyncIterable<GraphPage> {
    const dataset = this.#dataset(path);
    this.requested.push({ dataset, path, ...(opts?.headers ? { headers: opts.headers } : {}) });
    const extra = this.data.collections?.find((c) => c.path === path)?.pages;
    // The fake does not evaluate filters: the first partition (never signed in, or before the
    // oldest boundary) serves every sign-in page, the other partitions are empty.
    const partition = this.#isSignInPartition(path) && !new URL(path, 'https://x.test').searchParams.get('$filter')?.startsWith('not(') ? [] : undefined;
    const source = extra ?? partition ??
      (dataset === 'subscribedSkus' ? this.data.skus : dataset === 'users' ? this.data.users : dataset === 'signInActivity' ? this.data.signIns : dataset === 'groups' ? this.data.groups : dataset === 'subscriptions' ? this.data.subscriptions : undefined);
    if (!source) throw new Error(`fake session: ${dataset} is not a collection`);
    this.#enter();
    try {
      for (let i = 0; i < source.length; i++) {
        await new Promise((r) => setImmediate(r));
        if (opts?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
        await this.hooks.beforePage?.(dataset, i, opts?.signal);
        yield { value: source[i] ?? [], ...(dataset === 'groups' ? { count: source.flat().length } : {}) };
      }
    } finally {
      this.inFlight -= 1;
    }
  }

  async *reportRows(path: string, opts?: RequestOptions): AsyncIterable<Record<string, string>> {
    const dataset = this.#dataset(path);
    this.requested.push({ dataset, path });
    this.#enter();
    try {
      await new Promise((r) => setImmediate(r));
      await this.hooks.beforeRequest?.(dataset, opts?.signal);
      for (const row of this.data.reports[dataset] ?? []) {
        if (opts?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
        yield row;
      }
    } finally {
      this.inFlight -= 1;
    }
  }

  async close(): Promise<void> {}
}

export const SKU_E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
export const SKU_E5 = 'c7df2760-2c81-4ef7-b578-5b5392b571df';
export const PLAN_EXCHANGE = 'efb87545-963c-4e0d-99df-69c6916d9eb0';
export const PLAN_TEAMS = '57ff2da0-773e-42df-b2af-ffb7a2317929';
export const GROUP_ID = 'aaaaaaaa-0000-0000-0000-000000000001';

export const ALL_ROLES = ['LicenseAssignment.Read.All', 'User.Read.All', 'AuditLog.Read.All', 'GroupMember.Read.All', 'Organization.Read.All', 'ReportSettings.Read.All', 'Reports.Read.All'];

export function userId(i: number): string {
  return `00000000-0000-0000-0000-${String(i).padStart(12, '0')}`;
}

/** A small tenant: 2 SKUs, `pages` pages of `perPage` users, one licensed group, report rows. */
export function sampleData(pages = 3, perPage = 2): FakeData {
  const users: unknown[][] = [];
  const signIns: unknown[][] = [];
  let n = 0;
  for (let p = 0; p < pages; p++) {
    const page: unknown[] = [];
    const sPage: unknown[] = [];
    for (let k = 0; k < perPage; k++, n++) {
      const id = userId(n);
      page.push({
        id,
        userPrincipalName: `user${n}@contoso.example`,
        displayName: `User ${n}`,
        mail: null,
        accountEnabled: n % 3 !== 0,
        userType: n === 1 ? 'Guest' : 'Member',
        createdDateTime: '2024-01-02T03:04:05Z',
        department: n % 2 ? '=HYPERLINK("http://evil")' : 'Sales',
        jobTitle: null,
        usageLocation: 'GB',
        assignedLicenses: [{ skuId: SKU_E3, disabledPlans: [] }],
        licenseAssignmentStates: [
          { skuId: SKU_E3, assignedByGroup: null, disabledPlans: n === 0 ? [PLAN_TEAMS] : [], error: 'None', state: 'Active', lastUpdatedDateTime: '2024-02-01T00:00:00Z' },
          ...(n % 2 === 0
            ? [{ skuId: SKU_E5, assignedByGroup: GROUP_ID, disabledPlans: [], error: n === 2 ? 'CountViolation' : 'None', state: n === 2 ? 'Error' : 'Active', lastUpdatedDateTime: null }]
            : []),
        ],
        unknownFutureField: { nested: true },
      });
      sPage.push({ id, signInActivity: n === 0 ? null : { lastSignInDateTime: '2024-03-01T10:00:00Z', lastNonInteractiveSignInDateTime: n === 1 ? '2024-03-05T10:00:00Z' : null, lastSuccessfulSignInDateTime: null } });
    }
    users.push(page);
    signIns.push(sPage);
  }
  return {
    skus: [
      [
        {
          skuId: SKU_E3, skuPartNumber: 'ENTERPRISEPACK', capabilityStatus: 'Enabled', appliesTo: 'User', consumedUnits: 6,
          prepaidUnits: { enabled: 5, suspended: 0, warning: 1, lockedOut: 0 }, subscriptionIds: ['sub-1'],
          servicePlans: [
            { servicePlanId: PLAN_EXCHANGE, servicePlanName: 'EXCHANGE_S_ENTERPRISE', provisioningStatus: 'Success', appliesTo: 'User' },
            { servicePlanId: PLAN_TEAMS, servicePlanName: 'TEAMS1', provisioningStatus: 'Success', appliesTo: 'User' },
          ],
        },
        {
          skuId: SKU_E5, skuPartNumber: 'ENTERPRISEPREMIUM', capabilityStatus: 'Enabled', appliesTo: 'User', consumedUnits: 2,
          prepaidUnits: { enabled: 10, suspended: 0, warning: 0, lockedOut: 0 }, subscriptionIds: [], servicePlans: [],
        },
      ],
    ],
    users,
    signIns,
    groups: [[{ id: GROUP_ID, displayName: 'E5 licensed staff', assignedLicenses: [{ skuId: SKU_E5, disabledPlans: [] }] }]],
    subscriptions: [
      [
        { id: 'sub-1', commerceSubscriptionId: 'c-1', skuId: SKU_E3, skuPartNumber: 'ENTERPRISEPACK', status: 'Enabled', isTrial: false, totalLicenses: 6, createdDateTime: '2023-05-01T00:00:00Z', nextLifecycleDateTime: '2025-05-01T00:00:00Z' },
        { id: 'sub-2', skuId: SKU_E5, skuPartNumber: 'ENTERPRISEPREMIUM', status: 'Warning', isTrial: true, totalLicenses: 10, createdDateTime: '2024-03-01T00:00:00Z', nextLifecycleDateTime: '2024-03-31T00:00:00Z' },
      ],
    ],
    reportSettings: { id: 'x', displayConcealedNames: false },
    reports: {
      'report.activeUserDetail': [
        { 'Report Refresh Date': '2024-03-10', 'User Principal Name': 'user0@contoso.example', 'Display Name': 'User 0', 'Is Deleted': 'False', 'Has Exchange License': 'True', 'Has Teams License': 'False', 'Exchange Last Activity Date': '2024-03-09', 'Teams Last Activity Date': '', 'Assigned Products': 'OFFICE 365 E3' },
      ],
      'report.m365AppUserDetail': [{ 'User Principal Name': 'user0@contoso.example', 'Last Activity Date': '2024-03-08', Windows: 'Yes', Mac: 'No', Mobile: '', Web: 'Yes' }],
      'report.activationsUserDetail': [{ 'User Principal Name': 'user0@contoso.example', 'Product Type': 'MICROSOFT 365 APPS FOR ENTERPRISE', Windows: '2', Mac: '0', iOS: '1', Android: '0', 'Windows 10 Mobile': '0', 'Activated On Shared Computer': 'False' }],
      'report.mailboxUsageDetail': [{ 'User Principal Name': 'user0@contoso.example', 'Storage Used (Byte)': '123456789', 'Item Count': '42', 'Has Archive': 'False', 'Last Activity Date': '2024-03-09', 'Recipient Type': 'User' }],
    },
  };
}
