import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { scriptedNetwork, sessionOver } from '../helpers/fake-network';
import { CaseCounter, fuzzParams, settlesOrClearError } from '../helpers/fuzz';
import { graphItemInput, graphUser } from '../helpers/graph-gen';

/**
 * Graph collection pages as the session reads them (GraphSession.pages: the JSON body,
 * its "value" array, "@odata.nextLink" and "@odata.count"): whatever a response body holds,
 * paging either yields pages or fails with a clear error (a page without "value", a
 * nextLink off the Graph host, a body that is not JSON: 'network', as a response cut off
 * in transit, which the retry policy retries). Shape of a page:
 * learn.microsoft.com/graph/paging.
 */
const counter = new CaseCounter('Graph pages');
afterAll(() => console.log(counter.report()));

const GRAPH = 'https://graph.microsoft.com/v1.0';
const nextLink = fc.oneof(
  { weight: 3, arbitrary: fc.constant(`${GRAPH}/users?$skiptoken=abc`) },
  { weight: 1, arbitrary: fc.constantFrom('https://evil.example/v1.0/users?$skiptoken=x', 'http://graph.microsoft.com/v1.0/users', `${GRAPH}/../beta/users`, '/users?$skiptoken=x', '', 'javascript:alert(1)', 'https://graph.microsoft.com@evil.example/') },
  { weight: 1, arbitrary: fc.webUrl() },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);
const page = fc.record(
  { value: fc.oneof({ weight: 4, arbitrary: fc.array(graphItemInput(graphUser()), { maxLength: 3 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }), '@odata.nextLink': nextLink, '@odata.count': fc.oneof(fc.nat(), fc.jsonValue({ maxDepth: 0 })) },
  { requiredKeys: [] },
);
/** A response body: a page, any JSON, a page cut short, or bytes that are not JSON. */
const body = fc.oneof(
  { weight: 4, arbitrary: page.map((p) => JSON.stringify(p)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: page.chain((p) => fc.nat().map((cut) => JSON.stringify(p).slice(0, cut % (JSON.stringify(p).length + 1)))) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);
const contentType = fc.constantFrom('application/json; odata.metadata=minimal; charset=utf-8', 'application/json', 'text/plain', 'text/html');

describe('Graph pages: pages, or a clear error', () => {
  it('paging over arbitrary response bodies', async () => {
    const outcomes = { pages: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(body, contentType), { minLength: 1, maxLength: 3 }),
        counter.count('response bodies', async (responses: [string, string][]) => {
          const requested: URL[] = [];
          const session = sessionOver(
            scriptedNetwork((url, n) => {
              requested.push(url);
              const [text, type] = responses[n] ?? ['{"value":[]}', 'application/json'];
              return new Response(text, { status: 200, headers: { 'content-type': type } });
            }),
          );
          try {
            const r = await settlesOrClearError(async () => {
              const got: unknown[][] = [];
              for await (const p of session.pages('/users')) got.push(p.value);
              return got;
              // A 2xx body that is not JSON is read as a response cut off in transit ('network', retried).
            }, ['graph-error', 'host-refused', 'network']);
            outcomes[r.ok ? 'pages' : 'refused'] += 1;
            if (r.ok) for (const v of r.value) expect(Array.isArray(v)).toBe(true);
            // No request ever left the Graph host.
            for (const u of requested) expect(u.origin).toBe('https://graph.microsoft.com');
          } finally {
            await session.close();
          }
        }),
      ),
      fuzzParams(0.5),
    );
    expect(outcomes.pages).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
