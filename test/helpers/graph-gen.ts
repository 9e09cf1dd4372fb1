import fc from 'fast-check';
import { boolCellText, csvText, dateCellText, intCellText } from './csv-gen';

/**
 * fast-check generators of Microsoft Graph v1.0 items as the sync reads them
 * (subscribedSku, user, user with signInActivity, group, adminReportSettings), and of
 * near misses: one field removed, one field replaced by an arbitrary JSON value, or the
 * whole item replaced. Shapes follow learn.microsoft.com/graph/api/resources/subscribedsku,
 * .../resources/user, .../resources/signinactivity and .../resources/group.
 */

const nullish = <T>(a: fc.Arbitrary<T>): fc.Arbitrary<T | null | undefined> =>
  fc.oneof({ weight: 6, arbitrary: a }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constant(undefined) });
const text = fc.string({ maxLength: 20 });
const isoDate = fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString());

const servicePlan = fc.record({ servicePlanId: fc.uuid(), servicePlanName: nullish(text), provisioningStatus: nullish(fc.constantFrom('Success', 'Disabled', 'PendingInput')), appliesTo: nullish(fc.constantFrom('User', 'Company')) }, { requiredKeys: ['servicePlanId'] });
const units = fc.record({ enabled: nullish(fc.nat()), suspended: nullish(fc.nat()), warning: nullish(fc.nat()), lockedOut: nullish(fc.nat()) });

export const graphSku = fc.record(
  {
    skuId: fc.uuid(),
    skuPartNumber: text,
    capabilityStatus: nullish(fc.constantFrom('Enabled', 'Warning', 'Suspended', 'Deleted', 'LockedOut')),
    appliesTo: nullish(fc.constantFrom('User', 'Company')),
    consumedUnits: nullish(fc.nat()),
    prepaidUnits: nullish(units),
    subscriptionIds: nullish(fc.array(fc.uuid(), { maxLength: 2 })),
    servicePlans: nullish(fc.array(servicePlan, { maxLength: 3 })),
  },
  { requiredKeys: ['skuId', 'skuPartNumber'] },
);

const assignedLicense = fc.record({ skuId: fc.uuid(), disabledPlans: nullish(fc.array(fc.uuid(), { maxLength: 2 })) }, { requiredKeys: ['skuId'] });
const licenseState = fc.record(
  {
    skuId: fc.uuid(),
    assignedByGroup: nullish(fc.oneof(fc.uuid(), fc.constant(''))),
    disabledPlans: nullish(fc.array(fc.uuid(), { maxLength: 2 })),
    error: nullish(fc.constantFrom('None', 'CountViolation', 'MutuallyExclusiveViolation', 'DependencyViolation')),
    lastUpdatedDateTime: nullish(isoDate),
    state: nullish(fc.constantFrom('Active', 'ActiveWithError', 'Disabled', 'Error')),
  },
  { requiredKeys: ['skuId'] },
);

/** A user; `id` is drawn from `ids` when given (so a page can hold the same user twice). */
export function graphUser(ids: fc.Arbitrary<string> = fc.uuid()): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    {
      id: ids,
      userPrincipalName: nullish(text),
      displayName: nullish(text),
      mail: nullish(text),
      accountEnabled: nullish(fc.boolean()),
      userType: nullish(fc.constantFrom('Member', 'Guest')),
      createdDateTime: nullish(isoDate),
      department: nullish(text),
      jobTitle: nullish(text),
      usageLocation: nullish(fc.constantFrom('GB', 'DE', 'US', '')),
      assignedLicenses: nullish(fc.array(assignedLicense, { maxLength: 3 })),
      licenseAssignmentStates: nullish(fc.array(licenseState, { maxLength: 3 })),
      unknownFutureField: fc.jsonValue({ maxDepth: 2 }),
    },
    { requiredKeys: ['id'] },
  );
}

export const graphSignIn = fc.record(
  {
    id: fc.uuid(),
    signInActivity: nullish(fc.record({ lastSignInDateTime: nullish(isoDate), lastNonInteractiveSignInDateTime: nullish(isoDate), lastSuccessfulSignInDateTime: nullish(isoDate) })),
  },
  { requiredKeys: ['id'] },
);

export const graphGroup = fc.record({ id: fc.uuid(), displayName: nullish(text), assignedLicenses: nullish(fc.array(assignedLicense, { maxLength: 2 })) }, { requiredKeys: ['id'] });

export const graphReportSettings = fc.record({ id: text, displayConcealedNames: fc.boolean() });

/** A companySubscription (learn.microsoft.com/graph/api/resources/companysubscription). */
export const graphSubscription = fc.record(
  {
    id: fc.uuid(),
    commerceSubscriptionId: nullish(fc.uuid()),
    skuId: nullish(fc.uuid()),
    skuPartNumber: nullish(text),
    status: nullish(fc.constantFrom('Enabled', 'Warning', 'Suspended', 'Deleted', 'LockedOut')),
    isTrial: nullish(fc.boolean()),
    totalLicenses: nullish(fc.nat()),
    createdDateTime: nullish(isoDate),
    nextLifecycleDateTime: nullish(isoDate),
  },
  { requiredKeys: ['id'] },
);

/** Columns of the usage reports the sync reads, and the kind of text each holds. */
const REPORT_COLUMNS: Record<string, Record<string, 'text' | 'bool' | 'int' | 'date' | 'upn'>> = {
  'report.activeUserDetail': {
    'Report Refresh Date': 'date', 'User Principal Name': 'upn', 'Display Name': 'text', 'Is Deleted': 'bool', 'Has Exchange License': 'bool', 'Has OneDrive License': 'bool',
    'Has SharePoint License': 'bool', 'Has Teams License': 'bool', 'Exchange Last Activity Date': 'date', 'Teams Last Activity Date': 'date', 'Assigned Products': 'text',
  },
  'report.m365AppUserDetail': { 'Report Refresh Date': 'date', 'User Principal Name': 'upn', 'Last Activity Date': 'date', Windows: 'bool', Mac: 'bool', Mobile: 'bool', Web: 'bool' },
  'report.activationsUserDetail': {
    'Report Refresh Date': 'date', 'User Principal Name': 'upn', 'Product Type': 'text', Windows: 'int', Mac: 'int', 'Windows 10 Mobile': 'int', iOS: 'int', Android: 'int', 'Activated On Shared Computer': 'bool',
  },
  'report.mailboxUsageDetail': {
    'Report Refresh Date': 'date', 'User Principal Name': 'upn', 'Display Name': 'text', 'Is Deleted': 'bool', 'Item Count': 'int', 'Storage Used (Byte)': 'int', 'Has Archive': 'bool', 'Recipient Type': 'text',
  },
};

/** One usage report row as the CSV reader hands it over (text keyed by column), cells plausible or near misses. */
export function reportRecord(dataset: string): fc.Arbitrary<Record<string, string>> {
  const columns = REPORT_COLUMNS[dataset] ?? {};
  const cellOf = (kind: string): fc.Arbitrary<string> =>
    kind === 'bool' ? boolCellText : kind === 'int' ? intCellText : kind === 'date' ? dateCellText : kind === 'upn' ? fc.oneof({ weight: 4, arbitrary: fc.emailAddress() }, { weight: 1, arbitrary: csvText(20) }) : csvText();
  return fc.record(Object.fromEntries(Object.entries(columns).map(([c, kind]) => [c, cellOf(kind)])), { requiredKeys: ['User Principal Name'] });
}

/** Every path to a value inside `v` (object keys and array indexes), the root excluded. */
function pathsOf(v: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  const entries: [string | number, unknown][] = Array.isArray(v) ? v.map((x, i) => [i, x]) : v !== null && typeof v === 'object' ? Object.entries(v) : [];
  for (const [k, x] of entries) {
    out.push([...prefix, k]);
    pathsOf(x, [...prefix, k], out);
  }
  return out;
}

function mutateAt(v: unknown, path: readonly (string | number)[], replace: { remove: true } | { value: unknown }): unknown {
  if (path.length === 0) return 'value' in replace ? replace.value : undefined;
  const [head, ...rest] = path;
  if (Array.isArray(v)) {
    const copy = [...v];
    if (rest.length === 0 && 'remove' in replace) copy.splice(Number(head), 1);
    else copy[Number(head)] = mutateAt(copy[Number(head)], rest, replace);
    return copy;
  }
  const copy = { ...(v as Record<string, unknown>) };
  if (rest.length === 0 && 'remove' in replace) delete copy[String(head)];
  else copy[String(head)] = mutateAt(copy[String(head)], rest, replace);
  return copy;
}

/**
 * Near misses of a valid item: one value somewhere inside it removed, or replaced by an
 * arbitrary JSON value (a number for a string, an object for an array, a huge string...).
 */
export function nearMiss<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  const odd = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom(null, '', 0, -1, 1.5, true, [], {}, 'x'.repeat(10_000), Number.MAX_SAFE_INTEGER + 2, '\u0000', '__proto__'),
  );
  return valid.chain((item) => {
    const paths = pathsOf(item);
    if (paths.length === 0) return fc.constant<unknown>(item);
    return fc.tuple(fc.constantFrom(...paths), fc.boolean(), odd).map(([path, remove, value]) => mutateAt(item, path, remove ? { remove: true } : { value }));
  });
}

/** Anything a page may carry instead of an item: arbitrary JSON, odd primitives, a near miss of a valid item. */
export function graphItemInput<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 3, arbitrary: valid.map((v) => v as unknown) }, { weight: 4, arbitrary: nearMiss(valid) }, { weight: 2, arbitrary: fc.anything({ maxDepth: 2 }) });
}
