import { randomBytes } from 'node:crypto';
import {
  AuthError,
  CryptoProvider,
  InteractionRequiredAuthError,
  ResponseMode,
  PublicClientApplication,
  type AccountInfo,
  type AuthenticationResult,
  type Configuration,
  type DeviceCodeRequest,
} from '@azure/msal-node';
import { z } from 'zod';
import { cloudEndpoints } from '../clouds/clouds';
import { OperatorError, remedyFor } from '../errors/operator-error';
import { AADSTS_TABLE, SIGN_IN_AGAIN, aadstsNumber, fromAuthorizeRedirect, fromMsalError, fromTokenEndpointError } from '../errors/translate';
import { MsalNetworkModule } from '../net/msal-network';
import type { Network } from '../net/network';
import { cancelledError } from '../net/net-errors';
import { requiredDelegatedScopes } from '../permissions/matrix';
import type { Profile } from '../profile/schema';
import { SECRET_KEYS, type SecretStore } from '../secrets/secret-store';
import type { AccessToken, GetTokenOptions } from './app-token';
import { errorPage, idlePage, rejectedPage, successPage } from './delegated-pages';
import { QueryResponseError, startLoopback, type LoopbackResult, type LoopbackServer } from './loopback';
import { fromMsalFailure, msalBaseConfiguration, signInContextOf, untilAborted, type AuthLog } from './msal-common';
import { createTokenCachePlugin } from './token-cache';

/**
 * Delegated sign-in for a user who holds a reader role: authorization code with
 * PKCE in the system browser (RFC 8252, RFC 7636), or the device code flow, through
 * MSAL Node's PublicClientApplication; silent refresh afterwards.
 *
 * The interactive flow drives MSAL Node's public pieces itself (read in
 * node_modules/@azure/msal-node/src, v7.2.3), because MSAL's acquireTokenInteractive
 * always starts its own LoopbackClient (pages with no Content-Type, a bare 400 for a
 * rejected callback, no way to stop its wait):
 * - PKCE from MSAL's CryptoProvider.generatePkceCodes (RFC 7636 S256) and a random state;
 * - our loopback listener (loopback.ts) on 127.0.0.1, any free port, redirect URI
 *   http://localhost:<port>, response_mode=form_post; it refuses any response whose state
 *   is not exactly ours and says so at once (onNotice), while the sign-in goes on;
 * - getAuthCodeUrl for the authorize URL, acquireTokenByCode to redeem the code with the
 *   verifier; the browser's page is answered once that has finished, with the outcome;
 * - cancellation and timeout close the listener, which ends the wait at once.
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
  /** Receives what the operator should hear at once while the sign-in goes on (a refused callback, and why). */
  onNotice?(text: string): void;
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

/** A genuine response that came back in the query string: refused, since codes in URLs leak through history and logs. */
function queryResponseRefused(profile: string, cause: unknown): OperatorError {
  return new OperatorError('auth-failed', 'The sign-in response came back in the address (query string) instead of a form post, and was refused: a code in a URL can leak through browser history and logs.', {
    hint: 'Check that the app registration lists http://localhost as a redirect URI of a mobile and desktop application, and that nothing between the browser and this computer rewrites the sign-in response; then sign in again.',
    remedy: { action: 'sign-in', profile },
    cause,
  });
}

type StopReason = { kind: 'cancelled'; reason: unknown } | { kind: 'timeout'; ms: number } | { kind: 'browser'; error: unknown };

function stopError(profile: string, stop: StopReason): unknown {
  switch (stop.kind) {
    case 'cancelled':
      return cancelledError(stop.reason);
    case 'timeout': {
      const minutes = Math.max(1, Math.round(stop.ms / 60_000));
      return new OperatorError('timeout', `The sign-in was not completed within ${stop.ms < 60_000 ? `${Math.ceil(stop.ms / 1000)} seconds` : `${minutes} minute${minutes === 1 ? '' : 's'}`}.`, {
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
  const networkClient = new MsalNetworkModule(opts.network, {
    loginOrigin: new URL(endpoints.loginUrl).origin,
    ...(opts.requestTimeoutMs !== undefined ? { timeoutMs: opts.requestTimeoutMs } : {}),
  });
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

  /**
   * MSAL's device code poll throws `post_request_failed` with only the OAuth error name
   * (authorization_declined, access_denied, ...): the AADSTS code, which says why (Conditional
   * Access, missing consent), is in the token endpoint's answer, which the network module kept.
   */
  function translateDeviceCode(e: unknown): OperatorError {
    const answer = networkClient.lastErrorResponse;
    if (e instanceof AuthError && e.errorCode === 'post_request_failed' && answer && answer.body.error !== 'authorization_pending') {
      // RFC 8628 section 3.5: the user declined, or the code expired before it was entered.
      if (answer.body.error === 'authorization_declined') {
        return new OperatorError('cancelled', 'The sign-in was cancelled on the device code page (authorization_declined).', {
          hint: 'Sign in again when ready, and choose to continue on the verification page.',
          remedy: { action: 'sign-in', profile: profile.name },
          cause: e,
        });
      }
      if (answer.body.error === 'expired_token') {
        return new OperatorError('timeout', 'The device code expired before the sign-in was completed (expired_token).', {
          hint: 'Sign in again and enter the new code on the verification page before it expires.',
          remedy: { action: 'sign-in', profile: profile.name },
          cause: e,
        });
      }
      return fromTokenEndpointError(answer.status, answer.body, signInContextOf(profile));
    }
    return translate(e);
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

  async function loginInteractive(signal: AbortSignal | undefined, timeoutMs: number, onNotice: DelegatedLoginOptions['onNotice']): Promise<DelegatedLoginResult> {
    let loopback: LoopbackServer | undefined;
    const release = async (): Promise<void> => loopback?.close();
    try {
      const result = await withStop(
        signal,
        timeoutMs,
        async (stopped, stop) => {
          const hint = loginHint(profile);
          const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
          // RFC 6749 section 10.12: an unguessable state binds the response to this request.
          const state = randomBytes(32).toString('base64url');
          loopback = await startLoopback(
            state,
            { rejected: (r) => rejectedPage(pageContext, r.message), idle: () => idlePage(pageContext) },
            (r) => onNotice?.(r.message),
          );
          const redirectUri = loopback.redirectUri;
          const halt = (): never => {
            throw stopError(profile.name, stopped() ?? { kind: 'cancelled', reason: undefined });
          };
          if (stopped()) halt();
          let url: string;
          try {
            url = await app.getAuthCodeUrl({
              scopes,
              redirectUri,
              responseMode: ResponseMode.FORM_POST,
              codeChallenge: challenge,
              codeChallengeMethod: 'S256',
              state,
              ...(hint ? { loginHint: hint } : {}),
            });
          } catch (e) {
            throw stopped() ? stopError(profile.name, stopped() ?? { kind: 'cancelled', reason: undefined }) : translate(e);
          }
          if (stopped()) halt();
          // The opener is not awaited: a failing opener stops the sign-in.
          openBrowser(url).catch((error: unknown) => {
            stop({ kind: 'browser', error });
          });
          let got: LoopbackResult;
          try {
            got = await loopback.result;
          } catch (e) {
            if (stopped()) halt();
            throw e instanceof QueryResponseError ? queryResponseRefused(profile.name, e) : e;
          }
          try {
            const refused = got.response.error !== undefined ? authorizeError(got.response) : undefined;
            if (refused) throw refused;
            if (!got.response.code) {
              throw new OperatorError('auth-failed', 'The sign-in response carried neither a code nor an error.', {
                hint: 'Sign in again; if it happens again, check that nothing between the browser and this computer rewrites the sign-in response.',
                remedy: { action: 'sign-in', profile: profile.name },
              });
            }
            const tokens = await app.acquireTokenByCode({
              code: got.response.code,
              codeVerifier: verifier,
              redirectUri,
              scopes,
              ...(got.response.client_info ? { clientInfo: got.response.client_info } : {}),
            });
            await got.reply(successPage(pageContext));
            return tokens;
          } catch (e) {
            const why = stopped();
            const failure = why ? stopError(profile.name, why) : translate(e);
            await got.reply(errorPage(pageContext, failure instanceof OperatorError ? { message: failure.message, hint: failure.hint, ...(failure.who ? { who: failure.who } : {}) } : undefined));
            throw failure;
          }
        },
        release,
        true,
      );
      return await finishLogin(result);
    } finally {
      loopback?.close();
    }
  }

  /** The error an authorization response carries (AADSTS code in its description), translated as Entra ID's other errors are. */
  function authorizeError(r: { error?: string; error_description?: string }): OperatorError | undefined {
    const u = new URL('http://localhost/');
    if (r.error !== undefined) u.searchParams.set('error', r.error);
    if (r.error_description !== undefined) u.searchParams.set('error_description', r.error_description);
    return fromAuthorizeRedirect(u, signInContextOf(profile));
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
          throw why ? stopError(profile.name, why) : translateDeviceCode(e);
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
      return flow === 'device-code' ? loginDeviceCode(o.signal, timeoutMs, o.onDeviceCode) : loginInteractive(o.signal, timeoutMs, o.onNotice);
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
