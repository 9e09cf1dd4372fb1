/**
 * The read-only guarantee, end to end against the demo tenant over real HTTPS:
 * - a full sync of every dataset (and a verify) sends only GET requests to the Graph
 *   listener and never uses JSON batching ($batch), as the demo tenant's request log shows;
 * - the Graph client createGraphSession builds (captured as it is built, not a copy of its
 *   middleware chain) refuses POST/PATCH/PUT/DELETE and $batch before anything leaves the
 *   process, as the demo tenant's request log shows: not one request reaches it;
 * - the app never asks for a write scope: the app-only scope is `<graph>/.default` (the
 *   admin-consented read permissions) and the delegated scopes are the matrix's read scopes.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, ResponseType } from '@microsoft/microsoft-graph-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAppTokenProvider } from '../../src-main/core/auth/app-token';
import { delegatedScopes } from '../../src-main/core/auth/delegated-token';
import { verifyWithProfile } from '../../src-main/core/consent/verify-service';
import { startDemoTenant, type DemoTenant } from '../../src-main/core/demo-tenant/index';
import { createGraphSession } from '../../src-main/core/graph/create-session';
import { RequestState } from '../../src-main/core/graph/middleware';
import { createNetwork } from '../../src-main/core/net/network';
import { DATASET_IDS, DATASET_PERMISSIONS, requiredApplicationPermissions, requiredDelegatedScopes } from '../../src-main/core/permissions/matrix';
import { demoCredential, demoProfile } from '../../src-main/core/demo/session';
import { openDatabase, type Db } from '../../src-main/core/store/db';
import { closeDatabase } from '../../src-main/core/store/snapshot-sink';
import { runSync } from '../../src-main/core/sync/engine';

let tenant: DemoTenant;
let db: Db;
const dir = mkdtempSync(join(tmpdir(), 'read-only-it-'));
const WRITE = /ReadWrite|AccessAsUser|\.Write|Manage|Send|Create|Delete/i;

beforeAll(async () => {
  tenant = await startDemoTenant({ users: 1100, seed: 'read-only-it' });
  db = openDatabase(join(dir, 'store.db'));
});

afterAll(async () => {
  if (db) await closeDatabase(db);
  await tenant?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('only GET reaches Microsoft Graph', () => {
  it('a full sync of every dataset plus a verify: every graph request is a GET, none is $batch', async () => {
    tenant.clearRequestLog();
    const profile = demoProfile(tenant, 'reader', 'secret');
    const network = createNetwork({ extraCaPem: [tenant.caPem], env: {} });
    const tokenProvider = createAppTokenProvider({ profile, credential: demoCredential(tenant, 'reader', 'secret'), network });
    const session = createGraphSession({ profile, tokenProvider, network });
    try {
      const result = await runSync({ session, db, profileName: 'read-only' });
      expect(result.datasets.map((d) => [d.dataset, d.status])).toEqual(DATASET_IDS.map((d) => [d, 'ok']));
    } finally {
      await session.close();
    }
    const report = await verifyWithProfile({ profile, credential: demoCredential(tenant, 'reader', 'secret'), extraCaPem: [tenant.caPem], env: {} });
    expect(report.allEnabled).toBe(true);

    const log = tenant.requestLog();
    const graph = log.filter((e) => e.listener === 'graph');
    // users (2 pages of 999) + signInActivity (10 pages) + the other datasets + 9 verify probes
    expect(graph.length).toBeGreaterThan(20);
    expect(graph.filter((e) => e.method !== 'GET')).toEqual([]);
    expect(graph.filter((e) => /\$batch/i.test(decodeURIComponent(e.path)))).toEqual([]);
    // Every dataset's path was read.
    for (const fragment of ['/subscribedSkus', '/users', '/groups', '/admin/reportSettings', '/reports/getOffice365ActiveUserDetail', '/reports/getM365AppUserDetail', '/reports/getOffice365ActivationsUserDetail', '/reports/getMailboxUsageDetail']) {
      expect(graph.some((e) => e.path.includes(fragment))).toBe(true);
    }
    // Report downloads are GETs without the bearer token; the only POSTs go to the token endpoint.
    expect(log.filter((e) => e.listener === 'download').every((e) => e.method === 'GET' && !e.hadAuthorization)).toBe(true);
    const nonGet = log.filter((e) => e.method !== 'GET');
    expect(nonGet.length).toBeGreaterThan(0);
    expect(nonGet.filter((e) => !(e.listener === 'login' && /\/oauth2\/v2\.0\/token(\?|$)/.test(e.path))).map((e) => [e.listener, e.method, e.path])).toEqual([]);
  });

  it('the session exposes reads only', async () => {
    const profile = demoProfile(tenant, 'reader', 'secret');
    const network = createNetwork({ extraCaPem: [tenant.caPem], env: {} });
    const session = createGraphSession({ profile, tokenProvider: createAppTokenProvider({ profile, credential: demoCredential(tenant, 'reader', 'secret'), network }), network });
    try {
      expect(Object.keys(session).sort()).toEqual(['close', 'getJson', 'graphBaseUrl', 'pages', 'probeReport', 'reportRows', 'tokenInfo']);
    } finally {
      await session.close();
    }
  });

  /**
   * The Graph client exactly as createGraphSession builds it: Client.initWithMiddleware is observed
   * (and called through) while the session is created, so the middleware chain under test is the
   * session's own. Were the read-only guard dropped from create-session.ts, the writes below would
   * reach the demo tenant (the over-granted app holds Directory.ReadWrite.All) and its request log
   * would show them.
   */
  function sessionClient(app: 'over-granted'): { client: Client; close: () => Promise<void> } {
    const profile = demoProfile(tenant, app, 'secret');
    const network = createNetwork({ extraCaPem: [tenant.caPem], env: {} });
    const tokenProvider = createAppTokenProvider({ profile, credential: demoCredential(tenant, app, 'secret'), network });
    const spy = vi.spyOn(Client, 'initWithMiddleware');
    try {
      const session = createGraphSession({ profile, tokenProvider, network, retry: { maxAttempts: 1 } });
      expect(spy).toHaveBeenCalledTimes(1);
      const client = spy.mock.results[0]?.value as Client | undefined;
      if (!(client instanceof Client)) throw new Error('createGraphSession built no Graph client');
      return { client, close: () => session.close() };
    } finally {
      spy.mockRestore();
    }
  }

  it.each(['post', 'patch', 'put', 'delete'] as const)("the session's own Graph client refuses %s: nothing reaches the tenant", async (verb) => {
    const { client, close } = sessionClient('over-granted');
    tenant.clearRequestLog();
    try {
      const state = new RequestState(undefined);
      const req = client.api(`${tenant.graphUrl}/v1.0/users/${randomUUID()}`).responseType(ResponseType.RAW).middlewareOptions([state]);
      const sent = verb === 'delete' ? req.delete() : req[verb]({ accountEnabled: false });
      await expect(sent).rejects.toBeDefined();
      expect(state.error?.message).toBe(`read-only: refused ${verb.toUpperCase()}`);
    } finally {
      await close();
    }
    // Not one request reached the demo tenant, whatever its answer would have been: no write, not even a token request.
    expect(tenant.requestLog().filter((e) => e.method !== 'GET')).toEqual([]);
    expect(tenant.requestLog()).toEqual([]);
  });

  it("the session's own Graph client refuses JSON batching, even as a GET", async () => {
    const { client, close } = sessionClient('over-granted');
    tenant.clearRequestLog();
    try {
      const state = new RequestState(undefined);
      await expect(client.api(`${tenant.graphUrl}/v1.0/$batch`).responseType(ResponseType.RAW).middlewareOptions([state]).get()).rejects.toBeDefined();
      expect(state.error?.message).toBe('read-only: refused $batch');
    } finally {
      await close();
    }
    expect(tenant.requestLog()).toEqual([]);
  });
});

describe('no write scope is ever requested', () => {
  it('the permission matrix holds no write or AccessAsUser permission in any list the app requests', () => {
    for (const p of [...requiredApplicationPermissions(), ...requiredDelegatedScopes()]) expect(p).not.toMatch(WRITE);
    for (const d of DATASET_IDS) {
      const p = DATASET_PERMISSIONS[d];
      expect(p.application).not.toMatch(WRITE);
      expect(p.delegated).not.toMatch(WRITE);
    }
  });

  it('app-only sign-in asks for <graph>/.default; delegated sign-in for the read scopes only', () => {
    const profile = demoProfile(tenant, 'reader', 'secret');
    const network = createNetwork({ extraCaPem: [tenant.caPem], env: {} });
    const provider = createAppTokenProvider({ profile, credential: demoCredential(tenant, 'reader', 'secret'), network });
    expect(provider.scope).toBe(`${tenant.graphUrl}/.default`);
    const scopes = delegatedScopes(tenant.graphUrl);
    expect(scopes).toEqual(requiredDelegatedScopes().map((s) => `${tenant.graphUrl}/${s}`));
    for (const s of scopes) expect(s).not.toMatch(WRITE);
    return network.close();
  });
});
