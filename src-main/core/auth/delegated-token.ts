import http from 'node:http';
import {
  AuthError,
  InteractionRequiredAuthError,
  PublicClientApplication,
  type AccountInfo,
  type AuthenticationResult,
  type Configuration,
  type DeviceCodeRequest,
} from '@azure/msal-node';
import { z } from 'zod';
import { cloudEndpoints } from '../clouds/clouds';
import { OperatorError, remedyFor } from '../errors/operator-error';
import { AADSTS_TABLE, SIGN_IN_AGAIN, aadstsNumber, fromMsalError } from '../errors/translate';
import { MsalNetworkModule } from '../net/msal-network';
import type { Network } from '../net/network';
import { cancelledError } from '../net/net-errors';
import { requiredDelegatedScopes } from '../permissions/matrix';
import type { Profile } from '../profile/schema';
import { SECRET_KEYS, type SecretStore } from '../secrets/secret-store';
import type { AccessToken, GetTokenOptions } from './app-token';
import { errorPage, successPage } from './delegated-pages';
import { fromMsalFailure, msalBaseConfiguration, signInContextOf, untilAborted, type AuthLog } from './msal-common';
import { createTokenCachePlugin } from './token-cache';

/**
 * Delegated sign-in for a user who holds a reader role: authorization code with
 * PKCE in the system browser (RFC 8252, RFC 7636), or the device code flow, through
 * MSAL Node's PublicClientApplication; silent refresh afterwards.
 *
 * What MSAL Node 7 does (read in node_modules/@azure/msal-node/src, v7.2.3):
 * - acquireTokenInteractive generates the PKCE pair with CryptoProvider.generatePkceCodes
 *   (a random verifier from the RFC 7636 unreserved characters, base64url-encoded;
 *   challenge = base64url(SHA-256(verifier))) and always sends code_challenge_method=S256;
 * - it starts its own LoopbackClient on 127.0.0.1 with port 0 (any free port) and uses
 *   redirect_uri http://localhost:<port>, response_mode=form_post;
 * - the loopback answers a POST whose `state` is not exactly the pending request's
 *   state with 400 and keeps waiting (an unrelated or forged callback cannot settle the
 *   sign-in), rejects OAuth responses in the query string, and MSAL then compares the
 *   state again (validateState) before redeeming the code;
 * - the loopback server is closed in a `finally` once the flow settles. MSAL 7 has no
 *   way to inject a loopback client or abort the wait, so cancellation and timeout end
 *   the wait by delivering an OAuth error response (with the right state) to the
 *   loopback ourselves: MSAL settles, closes the port, and we report 'cancelled'.
 *
 * Scopes: the delegated read scopes of the permission matrix, as <graphUrl>/<scope>;
 * MSAL adds openid, profile and offline_access. The token cache lives in the
 * SecretStore (token-cache.ts). Tokens never reach a log or an error message.
 */
export interface DeviceCodeInfo {
  /** The text Entra ID asks to show ("To sign in, use a web browser to open ... and enter the code ..."). */
  message: string;
  userCode: string;
  verificationUri: string;
  expiresInSeconds: number;
}

export interface DelegatedLoginOptions {
  signal?: AbortSignal;
  /** Default: the profile's credential.flow. */
  flow?: 'interactive' | 'device-code';
  /** Receives the device code prompt (device-code flow). */
  onDeviceCode?(info: DeviceCodeInfo): void;
  /** Overrides the provider's wait timeout for this sign-in. */
  timeoutMs?: number;
}

export interface DelegatedAccount {
  username: string;
  tenantId: string;
  homeAccountId: string;
}

export interface DelegatedLoginResult {
  account: DelegatedAccount;
  /** Scopes Entra ID granted (as returned in the token response). */
  scopes: string[];
  expiresOn: Date;
}

export interface DelegatedTokenProvider {
  /** Scopes requested, e.g. https://graph.microsoft.com/User.Read.All */
  readonly scopes: readonly string[];
  getToken(opts?: GetTokenOptions): Promise<AccessToken>;
  login(opts?: DelegatedLoginOptions): Promise<DelegatedLoginResult>;
  /** Removes every account of this profile from the token cache (and so from the secret store). */
  logout(): Promise<void>;
  /** The signed-in account, if the cache holds one. */
  account(): Promise<DelegatedAccount | undefined>;
}

export type OpenBrowser = (url: string) => Promise<void>;

export interface DelegatedTokenProviderOptions {
  profile: Profile;
  network: Network;
  secretStore: SecretStore;
  /** Opens the sign-in URL in the system browser (default: the `open` package). Never an embedded webview. */
  openBrowser?: OpenBrowser;
  log?: AuthLog;
  /** How long the sign-in may wait for the browser or the device code, in ms (default 5 minutes). */
  timeoutMs?: number;
  /** Timeout of each request to the sign-in endpoint, in ms (default 30 s). */
  requestTimeoutMs?: number;
}

export const DEFAULT_SIGN_IN_TIMEOUT_MS = 5 * 60_000;

/** The access token entries of MSAL's serialized cache, read for their scopes (`target`) only. */
const cachedAccessTokensSchema = z
  .object({
    AccessToken: z.record(z.string(), z.object({ home_account_id: z.string(), target: z.string().max(10_000) }).loose()).optional(),
  })
  .loose();

/**
 * The requested scopes the cached sign-in of `homeAccountId` was granted, or undefined when
 * the cache holds no access token for it. A silent refresh asks for these only: asking
 * again for a scope the app has no consent for (an app registration without
 * AuditLog.Read.All, say) would turn every refresh into AADSTS65001.
 */
export function grantedOfRequested(serializedCache: string, homeAccountId: string, requested: readonly string[]): string[] | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(serializedCache);
  } catch {
    return undefined;
  }
  const parsed = cachedAccessTokensSchema.safeParse(raw);
  if (!parsed.success) return undefined;
  const granted = new Set<string>();
  for (const at of Object.values(parsed.data.AccessToken ?? {})) {
    if (at.home_account_id !== homeAccountId) continue;
    for (const s of at.target.split(' ')) if (s !== '') granted.add(s.toLowerCase());
  }
  const subset = requested.filter((s) => granted.has(s.toLowerCase()));
  return subset.length > 0 ? subset : undefined;
}

/** How long a cancelled sign-in waits for MSAL to close its loopback server before returning anyway. */
const SETTLE_AFTER_STOP_MS = 5_000;

/** The delegated scopes requested for a Graph base URL. */
export function delegatedScopes(graphUrl: string): string[] {
  const base = graphUrl.replace(/\/+$/, '');
  return requiredDelegatedScopes().map((s) => `${base}/${s}`);
}

async function defaultOpenBrowser(url: string): Promise<void> {
  const { default: open } = await import('open');
  const child = await open(url, { wait: false });
  // Errors of the spawned opener (no desktop, no xdg-open) would otherwise be unhandled.
  child.on('error', () => undefined);
  child.unref();
}

function loginHint(profile: Profile): string | undefined {
  return profile.credential.kind === 'delegated' ? profile.credential.loginHint : undefined;
}

function toAccount(a: AccountInfo): DelegatedAccount {
  return { username: a.username, tenantId: a.tenantId, homeAccountId: a.homeAccountId };
}

function relogin(profile: string, why: string, cause?: unknown): OperatorError {
  return new OperatorError('auth-failed', `The delegated sign-in of profile "${profile}" is no longer usable: ${why}.`, {
    hint: 'Sign in again for this profile.',
    remedy: remedyFor('sign-in', profile),
    ...(cause !== undefined ? { cause } : {}),
  });
}

/**
 * A refused silent refresh (invalid_grant / interaction_required). An AADSTS code the error
 * table knows (MFA required or not registered, Conditional Access, consent revoked) keeps its
 * code, hint and who, worded for a delegated sign-in, and ends with the re-login step; any
 * other refusal (expired, revoked or rotated-away refresh token) asks to sign in again.
 */
export function refreshRefused(profile: Profile, e: { errorCode: string; errorMessage: string; errorNo?: unknown }): OperatorError {
  const aadsts = aadstsNumber(e.errorNo, e.errorMessage);
  if (aadsts === undefined || AADSTS_TABLE[aadsts] === undefined) {
    return relogin(profile.name, `Entra ID refused the refresh token (${e.errorCode}${aadsts !== undefined ? `, AADSTS${aadsts}` : ''})`, e);
  }
  const t = fromMsalError(e, signInContextOf(profile));
  return new OperatorError(t.code, `The delegated sign-in of profile "${profile.name}" can no longer be refreshed silently: ${t.message}`, {
    hint: t.hint.toLowerCase().includes(SIGN_IN_AGAIN) ? t.hint : `${t.hint} Then ${SIGN_IN_AGAIN}.`,
    remedy: t.remedy ?? remedyFor('sign-in', profile.name),
    ...(t.who ? { who: t.who } : {}),
    aadsts,
    ...(t.status !== undefined ? { status: t.status } : {}),
    ...(t.requestId !== undefined ? { requestId: t.requestId } : {}),
    cause: e,
  });
}

/** Sends an OAuth error response to MSAL's loopback so its pending wait settles and the port closes. */
function releaseLoopback(redirectUri: string, state: string): Promise<void> {
  let port: number;
  try {
    const u = new URL(redirectUri);
    if (u.protocol !== 'http:' || (u.hostname !== 'localhost' && u.hostname !== '127.0.0.1')) return Promise.resolve();
    port = Number(u.port);
  } catch {
    return Promise.resolve();
  }
  if (!Number.isInteger(port) || port <= 0) return Promise.resolve();
  const body = new URLSearchParams({ error: 'access_denied', error_description: 'The sign-in was cancelled by the app.', state }).toString();
  return new Promise((resolve) => {
    const req = http.request(
      { host: '127.0.0.1', port, path: '/', method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) }, timeout: 2_000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
        res.on('error', () => resolve());
      },
    );
    req.on('error', () => resolve());
    req.on('timeout', () => {
      req.destroy();
      resolve();
    });
    req.end(body);
  });
}

type StopReason = { kind: 'cancelled'; reason: unknown } | { kind: 'timeout'; ms: number } | { kind: 'browser'; error: unknown };

function stopError(profile: string, stop: StopReason): unknown {
  switch (stop.kind) {
    case 'cancelled':
      return cancelledError(stop.reason);
    case 'timeout': {
      const minutes = Math.max(1, Math.round(stop.ms / 60_000));
      return new OperatorError('cancelled', `The sign-in was not completed within ${stop.ms < 60_000 ? `${Math.ceil(stop.ms / 1000)} seconds` : `${minutes} minute${minutes === 1 ? '' : 's'}`}.`, {
        hint: 'Sign in again for this profile and finish the sign-in in the browser in time (or use the device code flow where no browser is available).',
        remedy: remedyFor('sign-in', profile),
      });
    }
    case 'browser':
      return stop.error instanceof OperatorError
        ? stop.error
        : new OperatorError('auth-failed', 'The system browser could not be opened for the sign-in.', {
            hint: 'Open a desktop session with a default browser, or sign in with the device code flow.',
            remedy: remedyFor('sign-in', profile),
            cause: stop.error,
          });
  }
}

export function createDelegatedTokenProvider(opts: DelegatedTokenProviderOptions): DelegatedTokenProvider {
  const { profile } = opts;
  if (profile.credential.kind !== 'delegated') {
    throw new OperatorError('bad-input', `Profile "${profile.name}" does not use delegated sign-in.`, {
      hint: 'Delegated sign-in needs a profile whose credential kind is "delegated".',
      remedy: remedyFor('edit-profile', profile.name),
    });
  }
  const endpoints = cloudEndpoints(profile.cloud, profile.customEndpoints);
  const scopes = delegatedScopes(endpoints.graphUrl);
  const networkClient = new MsalNetworkModule(opts.network, opts.requestTimeoutMs !== undefined ? { timeoutMs: opts.requestTimeoutMs } : {});
  const config: Configuration = {
    ...msalBaseConfiguration(profile, networkClient, opts.log),
    cache: { cachePlugin: createTokenCachePlugin({ store: opts.secretStore, profile: profile.name }) },
  };
  const app = new PublicClientApplication(config);
  const openBrowser = opts.openBrowser ?? defaultOpenBrowser;
  const defaultTimeout = opts.timeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS;
  const pageContext = { profile: profile.name, tenant: profile.tenantId };
  let currentAccountId: string | undefined;

  function translate(e: unknown): OperatorError {
    return fromMsalFailure(e, networkClient, signInContextOf(profile));
  }

  async function accounts(): Promise<AccountInfo[]> {
    return app.getTokenCache().getAllAccounts();
  }

  async function pickAccount(): Promise<AccountInfo | undefined> {
    const all = await accounts();
    if (currentAccountId) {
      const cur = all.find((a) => a.homeAccountId === currentAccountId);
      if (cur) return cur;
    }
    const hint = loginHint(profile)?.toLowerCase();
    if (hint) {
      const match = all.find((a) => a.username.toLowerCase() === hint);
      if (match) return match;
    }
    return all[0];
  }

  /** Keeps only `keep` in the cache: one profile, one signed-in user. */
  async function pruneAccounts(keep: AccountInfo): Promise<void> {
    const cache = app.getTokenCache();
    for (const a of await cache.getAllAccounts()) {
      if (a.homeAccountId !== keep.homeAccountId) await cache.removeAccount(a);
    }
  }

  async function finishLogin(result: AuthenticationResult | null): Promise<DelegatedLoginResult> {
    if (!result?.accessToken || !result.account) {
      throw new OperatorError('auth-failed', 'Entra ID completed the sign-in but returned no access token or account.', {
        hint: 'Check the profile\'s tenant and client ID (a public client app registration), then sign in again for this profile.',
        remedy: remedyFor('edit-profile', profile.name),
      });
    }
    currentAccountId = result.account.homeAccountId;
    await pruneAccounts(result.account);
    return {
      account: toAccount(result.account),
      scopes: [...result.scopes],
      expiresOn: result.expiresOn ?? new Date(Date.now() + 5 * 60_000),
    };
  }

  /**
   * Runs `flow` until it settles or `stop` fires; on stop, `release` ends MSAL's wait and the
   * stop error is returned (for the interactive flow once MSAL has settled and closed its
   * loopback server, bounded by SETTLE_AFTER_STOP_MS).
   */
  async function withStop<T>(
    signal: AbortSignal | undefined,
    timeoutMs: number,
    run: (stopped: () => StopReason | undefined, stop: (s: StopReason) => void) => Promise<T>,
    release: () => Promise<void>,
    waitForSettle: boolean,
  ): Promise<T> {
    if (signal?.aborted) throw cancelledError(signal.reason);
    let stopReason: StopReason | undefined;
    let onStop: (() => void) | undefined;
    const stopped = new Promise<void>((resolve) => {
      onStop = resolve;
    });
    const stop = (s: StopReason): void => {
      if (stopReason) return;
      stopReason = s;
      onStop?.();
    };
    const onAbort = (): void => stop({ kind: 'cancelled', reason: signal?.reason });
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => stop({ kind: 'timeout', ms: timeoutMs }), timeoutMs);
    const flow = run(() => stopReason, stop);
    // Settles as soon as the flow does; never rejects.
    const settled = flow.then(
      () => undefined,
      () => undefined,
    );
    try {
      const outcome = await Promise.race([
        flow.then(
          (v) => ({ ok: true as const, v }),
          (e: unknown) => ({ ok: false as const, e }),
        ),
        stopped.then(() => undefined),
      ]);
      if (outcome?.ok) return outcome.v;
      if (outcome && !stopReason) throw outcome.e;
      // Stopped first (or the flow failed because it was stopped): end MSAL's wait and
      // give it a moment to close its loopback server before reporting.
      await release();
      if (waitForSettle) {
        let settleTimer: NodeJS.Timeout | undefined;
        await Promise.race([settled, new Promise((r) => (settleTimer = setTimeout(r, SETTLE_AFTER_STOP_MS)))]);
        clearTimeout(settleTimer);
      }
      throw stopError(profile.name, stopReason ?? { kind: 'cancelled', reason: undefined });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async function loginInteractive(signal: AbortSignal | undefined, timeoutMs: number): Promise<DelegatedLoginResult> {
    let pending: { redirectUri: string; state: string } | undefined;
    const release = async (): Promise<void> => {
      if (pending) await releaseLoopback(pending.redirectUri, pending.state);
    };
    const result = await withStop(
      signal,
      timeoutMs,
      async (stopped, stop) => {
        const hint = loginHint(profile);
        try {
          return await app.acquireTokenInteractive({
            scopes,
            successTemplate: successPage(pageContext),
            errorTemplate: errorPage(pageContext),
            ...(hint ? { loginHint: hint } : {}),
            openBrowser: async (url: string) => {
              const u = new URL(url);
              pending = { redirectUri: u.searchParams.get('redirect_uri') ?? '', state: u.searchParams.get('state') ?? '' };
              // Stopped before the loopback was known: release it now instead of opening the browser.
              if (stopped()) {
                void release();
                return;
              }
              // The opener is not awaited by MSAL's wait: a failing opener stops the sign-in.
              openBrowser(url).catch((error: unknown) => {
                stop({ kind: 'browser', error });
              });
            },
          });
        } catch (e) {
          const why = stopped();
          throw why ? stopError(profile.name, why) : translate(e);
        }
      },
      release,
      true,
    );
    return finishLogin(result);
  }

  async function loginDeviceCode(signal: AbortSignal | undefined, timeoutMs: number, onDeviceCode: DelegatedLoginOptions['onDeviceCode']): Promise<DelegatedLoginResult> {
    const hint = loginHint(profile);
    const request: DeviceCodeRequest = {
      scopes,
      // Backstop only: our own timer (withStop) reports the timeout first and cancels the polling.
      timeout: Math.ceil(timeoutMs / 1000) + 10,
      deviceCodeCallback: (r) => {
        onDeviceCode?.({ message: r.message, userCode: r.userCode, verificationUri: r.verificationUri, expiresInSeconds: r.expiresIn });
      },
      ...(hint ? { loginHint: hint } : {}),
    };
    const result = await withStop(
      signal,
      timeoutMs,
      async (stopped) => {
        try {
          return await app.acquireTokenByDeviceCode(request);
        } catch (e) {
          const why = stopped();
          throw why ? stopError(profile.name, why) : translate(e);
        }
      },
      async () => {
        // MSAL checks `cancel` before each poll of the token endpoint; nothing listens meanwhile.
        request.cancel = true;
      },
      false,
    );
    return finishLogin(result);
  }

  async function silent(forceRefresh: boolean): Promise<AccessToken> {
    const account = await pickAccount();
    if (!account) {
      throw new OperatorError('auth-failed', `Profile "${profile.name}" is not signed in (no delegated sign-in in ${opts.secretStore.description}).`, {
        hint: opts.secretStore.persistent
          ? 'Sign in for this profile first.'
          : 'Sign in for this profile first; this secret store keeps a sign-in only for the process that made it, so use a persistent (encrypted) secret store to sign in once and sync later.',
        remedy: remedyFor('sign-in', profile.name),
      });
    }
    let result: AuthenticationResult;
    try {
      const granted = grantedOfRequested(app.getTokenCache().serialize(), account.homeAccountId, scopes) ?? scopes;
      result = await app.acquireTokenSilent({ account, scopes: granted, forceRefresh });
    } catch (e) {
      // Interaction required, or the refresh token itself refused (invalid_grant: expired,
      // revoked, rotated away, or MFA / Conditional Access now demanded): sign in again.
      if (e instanceof InteractionRequiredAuthError || (e instanceof AuthError && e.errorCode === 'invalid_grant')) {
        throw refreshRefused(profile, e);
      }
      throw translate(e);
    }
    if (!result.accessToken) throw relogin(profile.name, 'Entra ID returned no access token');
    return { accessToken: result.accessToken, expiresOn: result.expiresOn ?? new Date(Date.now() + 5 * 60_000) };
  }

  return {
    scopes,
    getToken: (o: GetTokenOptions = {}) => untilAborted(() => silent(o.forceRefresh === true), o.signal),
    async login(o: DelegatedLoginOptions = {}): Promise<DelegatedLoginResult> {
      const flow = o.flow ?? (profile.credential.kind === 'delegated' ? profile.credential.flow : 'interactive');
      const timeoutMs = o.timeoutMs ?? defaultTimeout;
      return flow === 'device-code' ? loginDeviceCode(o.signal, timeoutMs, o.onDeviceCode) : loginInteractive(o.signal, timeoutMs);
    },
    async logout(): Promise<void> {
      const cache = app.getTokenCache();
      for (const a of await cache.getAllAccounts()) await cache.removeAccount(a);
      currentAccountId = undefined;
      await opts.secretStore.delete(SECRET_KEYS.tokenCache(profile.name));
    },
    async account(): Promise<DelegatedAccount | undefined> {
      const a = await pickAccount();
      return a ? toAccount(a) : undefined;
    },
  };
}
