/**
 * Graph handlers of the demo tenant, called directly (no HTTP). Behaviour follows
 * Microsoft Graph v1.0: learn.microsoft.com/graph/api/user-list (paging, $select,
 * signInActivity), /graph/paging, /graph/aad-advanced-queries ($count with
 * ConsistencyLevel), /graph/api/subscribedsku-list and the reportRoot report pages.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { DATASET_PERMISSIONS, type DatasetId } from '../../../../src-main/core/permissions/matrix';
import { createGraphApi, type DemoGraphApi, type HandlerResult } from '../../../../src-main/core/demo-tenant/graph';

const TENANT = '3f2c9a1e-7b4d-4c8e-9a61-0d5e2b7f4c10';
const DOMAIN = 'contoso-demo.onmicrosoft.com';
const GRAPH = 'https://127.0.0.1:4431';
const LINKS = 'https://127.0.0.1:4431';
const DOWNLOAD = 'https://127.0.0.1:4432';
const READER = ['User.Read.All', 'AuditLog.Read.All', 'GroupMember.Read.All', 'LicenseAssignment.Read.All', 'ReportSettings.Read.All', 'Reports.Read.All'];

function api(over: Partial<{ users: number; p1: boolean; concealNames: boolean; seed: string }> = {}, now?: () => number): DemoGraphApi {
  return createGraphApi(
    { seed: over.seed ?? 'demo', users: over.users ?? 500, p1: over.p1 ?? true, concealNames: over.concealNames ?? false, tenantId: TENANT, domain: DOMAIN },
    now ? { now } : {},
  );
}

function get(a: DemoGraphApi, pathOrUrl: string, roles: readonly string[] = READER, headers?: Record<string, string>, method = 'GET'): HandlerResult {
  return a.handle({ method, url: new URL(pathOrUrl, GRAPH), roles: new Set(roles), linkOrigin: LINKS, downloadOrigin: DOWNLOAD, ...(headers ? { headers } : {}) });
}

interface Page {
  value: Record<string, unknown>[];
  '@odata.nextLink'?: string;
  '@odata.count'?: number;
  '@odata.context': string;
}

function ok(r: HandlerResult): Page {
  if (r.kind !== 'json' || r.status !== 200) throw new Error(`expected 200 JSON, got ${JSON.stringify(r)}`);
  return r.body as Page;
}

function errorOf(r: HandlerResult): { status: number; code: string; message: string } {
  if (r.kind !== 'json') throw new Error(`expected JSON error, got ${r.kind}`);
  const body = r.body as { error: { code: string; message: string } };
  return { status: r.status, code: body.error.code, message: body.error.message };
}

function walk(a: DemoGraphApi, first: string, roles: readonly string[] = READER, headers?: Record<string, string>): Page[] {
  const pages: Page[] = [];
  let next: string | undefined = first;
  while (next) {
    const p = ok(get(a, next, roles, headers));
    pages.push(p);
    next = p['@odata.nextLink'];
    if (pages.length > 10_000) throw new Error('runaway paging');
  }
  return pages;
}

function download(a: DemoGraphApi, path: string, roles: readonly string[] = READER): { text: string; filename: string; chunks: number } {
  const r = get(a, path, roles);
  if (r.kind !== 'redirect') throw new Error(`expected redirect, got ${JSON.stringify(r)}`);
  expect(r.status).toBe(302);
  expect(r.location.startsWith(`${DOWNLOAD}/`)).toBe(true);
  const d = a.handleDownload(new URL(r.location));
  if (d.kind !== 'csv') throw new Error(`expected csv, got ${JSON.stringify(d)}`);
  let text = '';
  let chunks = 0;
  for (const c of d.chunks) {
    text += c;
    chunks++;
  }
  return { text, filename: d.filename, chunks };
}

function tamper(token: string): string[] {
  const [body = '', sig = ''] = token.split('.');
  const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
  return [flip(body, 3), `${body}.${flip(sig, 5)}`, body, `${body}.`, `${token}x`, '', 'not-a-token', `${body}.${sig}.${sig}`];
}

describe('GET /v1.0/users', () => {
  const a = api();

  it('answers Graph default properties plus id when $select is absent, 100 per page', () => {
    const p = ok(get(a, '/v1.0/users'));
    expect(p.value).toHaveLength(100);
    expect(Object.keys(p.value[0] ?? {}).sort()).toEqual(
      ['businessPhones', 'displayName', 'givenName', 'id', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation', 'preferredLanguage', 'surname', 'userPrincipalName'].sort(),
    );
    expect(p['@odata.context']).toBe(`${GRAPH}/v1.0/$metadata#users`);
  });

  it('walks every user exactly once with $select and $top, nextLinks on linkOrigin', () => {
    const pages = walk(a, '/v1.0/users?$select=id,userPrincipalName,assignedLicenses&$top=37');
    const ids = pages.flatMap((p) => p.value.map((u) => u['id']));
    expect(ids).toHaveLength(500);
    expect(new Set(ids).size).toBe(500);
    expect(ids).toEqual(Array.from({ length: 500 }, (_, i) => a.data.user(i).id));
    expect(pages).toHaveLength(Math.ceil(500 / 37));
    for (const p of pages) {
      for (const u of p.value) expect(Object.keys(u).sort()).toEqual(['assignedLicenses', 'id', 'userPrincipalName']);
      const next = p['@odata.nextLink'];
      if (next) {
        expect(next.startsWith(`${LINKS}/v1.0/users?`)).toBe(true);
        expect(new URL(next).searchParams.get('$skiptoken')).toBeTruthy();
      }
    }
    expect(pages[pages.length - 1]?.['@odata.nextLink']).toBeUndefined();
  });

  it.each(['0', '1000', '-1', 'abc', '10.5', ''])('rejects $top=%j with Graph\'s page size error', (top) => {
    const e = errorOf(get(a, `/v1.0/users?$top=${top}`));
    expect(e).toMatchObject({ status: 400, code: 'Request_UnsupportedQuery' });
    expect(e.message).toBe(`Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`);
  });

  it.each(['1', '999'])('accepts $top=%s', (top) => {
    expect(ok(get(a, `/v1.0/users?$top=${top}&$select=id`)).value).toHaveLength(Number(top) > 500 ? 500 : Number(top));
  });

  it('rejects an unknown $select property', () => {
    expect(errorOf(get(a, '/v1.0/users?$select=id,passwordProfile')).status).toBe(400);
  });

  // "Advanced query capabilities on Microsoft Entra ID objects" (learn.microsoft.com/graph/aad-advanced-queries):
  // without ConsistencyLevel: eventual Graph silently ignores ?$count=true (200, no @odata.count).
  it('$count=true reports @odata.count with ConsistencyLevel: eventual and is ignored without it', () => {
    const plain = ok(get(a, '/v1.0/users?$count=true&$top=5'));
    expect(plain.value).toHaveLength(5);
    expect(plain['@odata.count']).toBeUndefined();
    const p = ok(get(a, '/v1.0/users?$count=true&$top=5&$select=id', READER, { ConsistencyLevel: 'eventual' }));
    expect(p['@odata.count']).toBe(500);
  });

  it('rejects a tampered or foreign $skiptoken with 400', () => {
    const next = ok(get(a, '/v1.0/users?$top=10&$select=id'))['@odata.nextLink'] ?? '';
    const token = new URL(next).searchParams.get('$skiptoken') ?? '';
    for (const bad of tamper(token)) {
      const e = errorOf(get(a, `/v1.0/users?$skiptoken=${encodeURIComponent(bad)}`));
      expect(e.status, bad).toBe(400);
    }
    const other = api();
    expect(errorOf(get(other, next)).status).toBe(400);
    const groupsToken = ok(get(a, '/v1.0/groups?$top=2'))['@odata.nextLink'] ?? '';
    const st = new URL(groupsToken).searchParams.get('$skiptoken') ?? '';
    expect(errorOf(get(a, `/v1.0/users?$skiptoken=${st}`)).status).toBe(400);
  });

  it('is deterministic through the handlers: same seed, same pages', () => {
    const b = api();
    expect(ok(get(b, '/v1.0/users?$top=50&$select=id,displayName,licenseAssignmentStates')).value).toEqual(
      ok(get(a, '/v1.0/users?$top=50&$select=id,displayName,licenseAssignmentStates')).value,
    );
    const c = api({ seed: 'other' });
    expect(ok(get(c, '/v1.0/users?$top=5&$select=id')).value).not.toEqual(ok(get(a, '/v1.0/users?$top=5&$select=id')).value);
  });
});

describe('signInActivity', () => {
  it('needs AuditLog.Read.All (403 Authorization_RequestDenied)', () => {
    const e = errorOf(get(api(), '/v1.0/users?$select=id,signInActivity', ['User.Read.All']));
    expect(e).toEqual({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
  });

  it('needs Entra ID P1 (403 premium error)', () => {
    const e = errorOf(get(api({ p1: false }), '/v1.0/users?$select=id,signInActivity'));
    expect(e).toEqual({
      status: 403,
      code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
      message: "Neither tenant is B2C or tenant doesn't have premium license",
    });
    expect(ok(get(api({ p1: false }), '/v1.0/users?$select=id,displayName')).value.length).toBe(100);
  });

  // "List users" (learn.microsoft.com/graph/api/user-list): with $select=signInActivity the
  // maximum page size is 500 (it was 120 in earlier revisions of the page).
  it('caps pages at 500 users and still walks everyone once', () => {
    const a = api({ users: 1200 });
    const pages = walk(a, '/v1.0/users?$select=id,signInActivity&$top=999');
    expect(pages.map((p) => p.value.length)).toEqual([500, 500, 200]);
    const ids = pages.flatMap((p) => p.value.map((u) => u['id']));
    expect(new Set(ids).size).toBe(1200);
    expect(ids).toHaveLength(1200);
    const never = pages.flatMap((p) => p.value).filter((u) => (u['signInActivity'] as { lastSignInDateTime: string | null }).lastSignInDateTime === null);
    expect(never.length).toBeGreaterThan(0);
  });

  it('keeps smaller pages as asked', () => {
    expect(ok(get(api(), '/v1.0/users?$select=id,signInActivity&$top=50')).value).toHaveLength(50);
  });
});

describe('GET /v1.0/groups', () => {
  const a = api();
  const licensed = a.data.groups.filter((g) => g.assignedLicenses.length > 0).length;

  it('pages groups with $select', () => {
    const pages = walk(a, '/v1.0/groups?$select=displayName,groupTypes&$top=3');
    const all = pages.flatMap((p) => p.value);
    expect(all).toHaveLength(a.data.groups.length);
    // $select returns exactly what was selected; Graph adds no id.
    for (const g of all) expect(Object.keys(g).sort()).toEqual(['displayName', 'groupTypes']);
  });

  it('filters licensed groups only with $count=true and ConsistencyLevel: eventual', () => {
    const path = `/v1.0/groups?$filter=${encodeURIComponent('assignedLicenses/$count ne 0')}&$count=true&$select=id,displayName,assignedLicenses&$top=2`;
    const pages = walk(a, path, READER, { consistencylevel: 'eventual' });
    const all = pages.flatMap((p) => p.value);
    expect(all).toHaveLength(licensed);
    expect(pages[0]?.['@odata.count']).toBe(licensed);
    for (const g of all) expect((g['assignedLicenses'] as unknown[]).length).toBeGreaterThan(0);
  });

  it.each([
    '/v1.0/groups?$filter=assignedLicenses/$count ne 0',
    '/v1.0/groups?$filter=assignedLicenses/$count ne 0&$count=true',
  ])('answers the advanced-query 400 without ConsistencyLevel: %s', (path) => {
    expect(errorOf(get(a, path))).toMatchObject({ status: 400, code: 'Request_UnsupportedQuery' });
  });
});

describe('permissions per endpoint', () => {
  const a = api();
  const cases: [string, DatasetId][] = [
    ['/v1.0/subscribedSkus', 'subscribedSkus'],
    ['/v1.0/users?$select=id', 'users'],
    ['/v1.0/groups', 'groups'],
    ['/v1.0/directory/subscriptions', 'subscriptions'],
    ['/v1.0/admin/reportSettings', 'reportSettings'],
    ["/v1.0/reports/getOffice365ActiveUserDetail(period='D30')", 'report.activeUserDetail'],
    ["/v1.0/reports/getM365AppUserDetail(period='D7')", 'report.m365AppUserDetail'],
    ['/v1.0/reports/getOffice365ActivationsUserDetail', 'report.activationsUserDetail'],
    ["/v1.0/reports/getMailboxUsageDetail(period='D90')", 'report.mailboxUsageDetail'],
  ];

  it.each(cases)('%s answers 403 without its permission', (path, dataset) => {
    const accepted = new Set(DATASET_PERMISSIONS[dataset].accepted);
    const others = [...READER, 'Directory.Read.All', 'Mail.Read'].filter((r) => !accepted.has(r));
    expect(errorOf(get(a, path, others))).toEqual({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
    expect(errorOf(get(a, path, []))).toMatchObject({ status: 403 });
  });

  it.each(cases)('%s succeeds with the broadest accepted permission alone', (path, dataset) => {
    const accepted = DATASET_PERMISSIONS[dataset].accepted;
    const broad = accepted.includes('Directory.Read.All') ? 'Directory.Read.All' : (accepted[accepted.length - 1] ?? '');
    const r = get(a, path, [broad]);
    expect(r.kind === 'redirect' || (r.kind === 'json' && r.status === 200)).toBe(true);
  });

  it('directory/subscriptions lists one companySubscription per SKU, with renewal dates and one trial', () => {
    // learn.microsoft.com/graph/api/directory-list-subscriptions and .../resources/companysubscription
    const p = ok(get(a, '/v1.0/directory/subscriptions', ['Organization.Read.All']));
    expect(p['@odata.context']).toBe(`${GRAPH}/v1.0/$metadata#directory/subscriptions`);
    expect(p.value.map((s) => s['skuId'])).toEqual(a.data.skus.map((s) => s.skuId));
    const trials = p.value.filter((s) => s['isTrial'] === true);
    expect(trials.map((s) => s['skuPartNumber'])).toEqual(['POWER_BI_PRO']);
    for (const s of p.value) {
      expect(Date.parse(String(s['nextLifecycleDateTime']))).toBeGreaterThan(Date.parse(String(s['createdDateTime'])));
      expect(['Enabled', 'Deleted', 'Suspended', 'Warning', 'LockedOut']).toContain(s['status']);
    }
    const sku = a.data.skus[0];
    const sub = p.value[0];
    if (!sku || !sub) throw new Error('no SKUs');
    const u = sku.prepaidUnits;
    expect(sub['totalLicenses']).toBe(u.enabled + u.warning + u.suspended + u.lockedOut);
    expect(sub['id']).toBe(sku.subscriptionIds[0]);
  });

  it('subscribedSkus answers Graph\'s collection shape', () => {
    const p = ok(get(a, '/v1.0/subscribedSkus', ['LicenseAssignment.Read.All']));
    expect(p['@odata.context']).toBe(`${GRAPH}/v1.0/$metadata#subscribedSkus`);
    expect(p.value.length).toBe(a.data.skus.length);
    expect(Object.keys(p.value[0] ?? {}).sort()).toEqual(
      ['accountId', 'accountName', 'appliesTo', 'capabilityStatus', 'consumedUnits', 'id', 'prepaidUnits', 'servicePlans', 'skuId', 'skuPartNumber', 'subscriptionIds'].sort(),
    );
  });

  it.each([
    ['/v1.0/nothingHere', 404],
    ['/beta/users', 404],
    ['/v1.0/users/extra/segments', 404],
    ["/v1.0/reports/getTeamsUserActivityUserDetail(period='D7')", 404],
  ])('unknown path %s answers %i', (path, status) => {
    expect(errorOf(get(a, path)).status).toBe(status);
  });

  // Graph refuses a write the token does not allow with 403 Authorization_RequestDenied
  // (learn.microsoft.com/graph/api/user-post-users: User.ReadWrite.All); a method the resource
  // does not have at all is 405.
  it.each(['POST'])('%s /users without a write permission answers 403 Authorization_RequestDenied', (method) => {
    expect(errorOf(get(a, '/v1.0/users', READER, undefined, method))).toEqual({ status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
  });

  it.each(['PATCH', 'DELETE', 'PUT'])('%s on the /users collection answers 405', (method) => {
    expect(errorOf(get(a, '/v1.0/users', READER, undefined, method))).toMatchObject({ status: 405, code: 'Request_BadRequest' });
  });
});

describe('reports', () => {
  const HEADERS: Record<string, string> = {
    // https://learn.microsoft.com/graph/api/reportroot-getoffice365activeuserdetail
    "getOffice365ActiveUserDetail(period='D30')":
      'Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Has Exchange License,Has OneDrive License,Has SharePoint License,Has Skype For Business License,Has Yammer License,Has Teams License,Exchange Last Activity Date,OneDrive Last Activity Date,SharePoint Last Activity Date,Skype For Business Last Activity Date,Yammer Last Activity Date,Teams Last Activity Date,Exchange License Assign Date,OneDrive License Assign Date,SharePoint License Assign Date,Skype For Business License Assign Date,Yammer License Assign Date,Teams License Assign Date,Assigned Products',
    // https://learn.microsoft.com/graph/api/reportroot-getm365appuserdetail
    "getM365AppUserDetail(period='D7')?$format=text/csv":
      'Report Refresh Date,User Principal Name,Last Activation Date,Last Activity Date,Report Period,Windows,Mac,Mobile,Web,Outlook,Word,Excel,PowerPoint,OneNote,Teams,Outlook (Windows),Word (Windows),Excel (Windows),PowerPoint (Windows),OneNote (Windows),Teams (Windows),Outlook (Mac),Word (Mac),Excel (Mac),PowerPoint (Mac),OneNote (Mac),Teams (Mac),Outlook (Mobile),Word (Mobile),Excel (Mobile),PowerPoint (Mobile),OneNote (Mobile),Teams (Mobile),Outlook (Web),Word (Web),Excel (Web),PowerPoint (Web),OneNote (Web),Teams (Web)',
    // https://learn.microsoft.com/graph/api/reportroot-getoffice365activationsuserdetail
    getOffice365ActivationsUserDetail:
      'Report Refresh Date,User Principal Name,Display Name,Product Type,Last Activated Date,Windows,Mac,Windows 10 Mobile,iOS,Android,Activated On Shared Computer',
    // https://learn.microsoft.com/graph/api/reportroot-getmailboxusagedetail, with the Recipient type
    // column of the admin center's Mailbox usage report (learn.microsoft.com/microsoft-365/admin/activity-reports/mailbox-usage)
    "getMailboxUsageDetail(period='D180')":
      'Report Refresh Date,User Principal Name,Display Name,Is Deleted,Deleted Date,Created Date,Last Activity Date,Item Count,Storage Used (Byte),Issue Warning Quota (Byte),Prohibit Send Quota (Byte),Prohibit Send/Receive Quota (Byte),Deleted Item Count,Deleted Item Size (Byte),Deleted Item Quota (Byte),Has Archive,Recipient Type,Report Period',
  };

  it.each(Object.entries(HEADERS))('%s redirects to a CSV with Microsoft\'s header, a BOM and RFC 4180 rows', (fn, header) => {
    const a = api();
    const { text, filename, chunks } = download(a, `/v1.0/reports/${fn}`);
    expect(filename).toMatch(/\.csv$/);
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text.slice(1).split('\r\n')[0]).toBe(header);
    const rows = parse(text.slice(1), { columns: false, relax_column_count: false }) as string[][];
    expect(rows[0]?.join(',')).toBe(header);
    expect(rows.length).toBeGreaterThan(10);
    expect(chunks).toBeGreaterThan(1);
    const cols = header.split(',');
    for (const row of rows.slice(1)) {
      expect(row).toHaveLength(cols.length);
      expect(row[0]).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      cols.forEach((c, k) => {
        if (/Date$/.test(c) && row[k] !== '') expect(row[k], c).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      });
    }
  });

  it('quotes fields holding commas (RFC 4180) and round-trips them', () => {
    const a = api();
    const { text } = download(a, "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')");
    const rows = parse(text.slice(1)) as string[][];
    const withComma = rows.filter((r) => (r[2] ?? '').includes(','));
    expect(withComma.length).toBeGreaterThan(0);
    expect(text).toContain(`"${withComma[0]?.[2]}"`);
    expect(rows.slice(1).map((r) => r[1])).toContain(a.data.user(0).userPrincipalName);
  });

  it.each(["period='D1'", "period='D365'", "period=''", "period=D7", "days='D7'"])('rejects %s with 400', (arg) => {
    expect(errorOf(get(api(), `/v1.0/reports/getOffice365ActiveUserDetail(${arg})`)).status).toBe(400);
  });

  it('hides UPNs and display names behind stable 32-hex hashes when names are concealed', () => {
    const a = api();
    expect(ok(get(a, '/v1.0/admin/reportSettings')) as unknown).toMatchObject({ displayConcealedNames: false });
    a.setConcealNames(true);
    expect(ok(get(a, '/v1.0/admin/reportSettings')) as unknown).toMatchObject({ displayConcealedNames: true });
    const first = download(a, "/v1.0/reports/getOffice365ActiveUserDetail(period='D30')").text;
    const second = download(a, "/v1.0/reports/getOffice365ActiveUserDetail(period='D30')").text;
    expect(second).toBe(first);
    const rows = (parse(first.slice(1)) as string[][]).slice(1);
    for (const r of rows) {
      expect(r[1]).toMatch(/^[0-9A-F]{32}$/);
      expect(r[2]).toMatch(/^[0-9A-F]{32}$/);
    }
    expect(first).not.toContain(`@${DOMAIN}`);
    expect(first).not.toContain(a.data.user(0).displayName);
    const mailbox = download(a, "/v1.0/reports/getMailboxUsageDetail(period='D7')").text;
    expect(mailbox).not.toContain(`@${DOMAIN}`);
    a.setConcealNames(false);
    expect(download(a, "/v1.0/reports/getOffice365ActiveUserDetail(period='D30')").text).toContain(`@${DOMAIN}`);
  });

  it('rejects tampered, foreign and expired download tokens', () => {
    let clock = 1_000_000;
    const a = api({}, () => clock);
    const r = get(a, "/v1.0/reports/getMailboxUsageDetail(period='D7')");
    if (r.kind !== 'redirect') throw new Error('no redirect');
    const url = new URL(r.location);
    const token = url.pathname.split('/').pop() ?? '';
    for (const bad of tamper(token)) {
      const d = a.handleDownload(new URL(`/data/download/${bad}`, DOWNLOAD));
      expect(d.kind, bad).toBe('json');
      expect(d.kind === 'json' && [403, 404].includes(d.status)).toBe(true);
    }
    expect(api().handleDownload(url)).toMatchObject({ kind: 'json', status: 403 });
    expect(a.handleDownload(new URL('/somewhere/else', DOWNLOAD))).toMatchObject({ kind: 'json', status: 404 });
    expect(a.handleDownload(url).kind).toBe('csv');
    clock += 11 * 60_000;
    expect(a.handleDownload(url)).toMatchObject({ kind: 'json', status: 403 });
  });

  it('streams lazily: chunks are produced on demand', () => {
    const a = api({ users: 100_000 });
    const r = get(a, "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')");
    if (r.kind !== 'redirect') throw new Error('no redirect');
    const d = a.handleDownload(new URL(r.location));
    if (d.kind !== 'csv') throw new Error('no csv');
    const t0 = performance.now();
    const it = d.chunks[Symbol.iterator]();
    const header = it.next();
    const firstRows = it.next();
    expect(header.done).toBe(false);
    expect(firstRows.done).toBe(false);
    expect((firstRows.value as string).split('\r\n').length).toBeLessThan(1000);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});
