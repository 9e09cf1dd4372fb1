import { Agent } from 'undici';
import { createGraphSession } from '../../src-main/core/graph/create-session';
import type { GraphSession } from '../../src-main/core/graph/session';
import type { Network } from '../../src-main/core/net/network';
import type { Profile } from '../../src-main/core/profile/schema';

/**
 * An in-process Network for unit and fuzz tests of what the Graph session does with a
 * response body (page JSON, report CSV): `respond` answers the n-th request. Not for
 * integration tests, which go through the demo tenant over HTTPS.
 */
export function scriptedNetwork(respond: (url: URL, n: number) => Response): Network {
  const dispatcher = new Agent();
  let n = 0;
  const fetch = (async (input: string | URL) => respond(new URL(String(input)), n++)) as unknown as Network['fetch'];
  return { dispatcher, fetch, proxy: {}, close: () => dispatcher.close() };
}

export const FUZZ_PROFILE: Profile = {
  name: 'fuzz',
  tenantId: 'contoso.onmicrosoft.com',
  clientId: '00000000-0000-0000-0000-000000000001',
  cloud: 'global',
  credential: { kind: 'secret', secretEnv: 'FUZZ_SECRET' },
};

/** A Graph session for the global cloud over `network`, with a fixed token and no retries. */
export function sessionOver(network: Network): GraphSession {
  return createGraphSession({
    profile: FUZZ_PROFILE,
    tokenProvider: { getToken: async () => ({ accessToken: 'header.payload.signature', expiresOn: new Date(Date.now() + 3600_000) }) },
    network,
    retry: { maxAttempts: 1 },
  });
}
