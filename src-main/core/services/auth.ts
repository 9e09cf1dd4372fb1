import type { OpArgs, OpResult } from '../../shared/contract';
import { createDelegatedTokenProvider, DEFAULT_SIGN_IN_TIMEOUT_MS, type DelegatedLoginResult } from '../auth/delegated-token';
import { OperatorError } from '../errors/operator-error';
import { createNetwork } from '../net/network';
import type { ServiceContext } from './context';
import type { ResolvedProfile } from './profile-source';

type SignInResult = OpResult<'auth.signIn'>;

function requireDelegated(r: ResolvedProfile): void {
  const c = r.profile.credential;
  if (c.kind !== 'delegated') {
    throw new OperatorError('bad-input', `Profile "${r.profile.name}" signs in with an app ${c.kind}, not as a user.`, {
      hint: 'Sign-in is for delegated profiles (a public client app registration and a user with a reader role); app-credential profiles need no sign-in.',
    });
  }
}

function toResult(r: ResolvedProfile, login: DelegatedLoginResult): SignInResult {
  return {
    profile: r.profile.name,
    username: login.account.username,
    tenantId: login.account.tenantId,
    scopes: [...login.scopes].sort(),
    expiresOn: login.expiresOn.toISOString(),
    store: r.secretStore.description,
    persistent: r.secretStore.persistent,
  };
}

/** Delegated sign-in: the system browser (auth code + PKCE on a loopback), or the device code. */
export function authService(ctx: ServiceContext) {
  const signIn = async (r: ResolvedProfile, opts: { flow?: 'interactive' | 'device-code'; timeoutSeconds?: number; signal?: AbortSignal }): Promise<SignInResult> => {
    requireDelegated(r);
    const profile = r.profile;
    const network = createNetwork({ ...(profile.caBundlePath ? { caBundlePath: profile.caBundlePath } : {}), extraCaPem: r.extraCaPem, env: r.demo ? {} : ctx.env });
    try {
      // The demo tenant has no person at a browser: its scripted browser plays the demo user.
      const scripted = r.demo?.browser(network);
      if (r.demo && !scripted) {
        throw new OperatorError('bad-input', 'The demo tenant runs inside this process, so nobody can sign in to it from another browser.', {
          hint: 'Start the demo tenant with a demo user; the app then signs in on the demo page itself.',
        });
      }
      const timeoutMs = (opts.timeoutSeconds ?? DEFAULT_SIGN_IN_TIMEOUT_MS / 1000) * 1000;
      const openBrowser =
        scripted?.openBrowser ??
        (async (url: string) => {
          ctx.events.emit('auth.state', { profile: profile.name, state: 'browser-opened', url });
          await ctx.deps.openBrowser(url);
        });
      const provider = createDelegatedTokenProvider({
        profile,
        network,
        secretStore: r.secretStore,
        openBrowser,
        timeoutMs,
        log: (level, message) => {
          if (level === 'error' || level === 'warning') ctx.logger.warn('msal', { message });
        },
      });
      const flow = opts.flow ?? (profile.credential.kind === 'delegated' ? profile.credential.flow : 'interactive');
      if (r.demo) ctx.notify(`Demo automation: signing in to the demo tenant as "${r.demo.options.demoUser}" ${flow === 'device-code' ? 'with the device code flow' : 'in the scripted demo browser'}.`);
      ctx.events.emit('auth.state', { profile: profile.name, state: 'waiting' });
      let deviceDone: Promise<void> | undefined;
      try {
        const login = await provider.login({
          ...(opts.signal ? { signal: opts.signal } : {}),
          flow,
          timeoutMs,
          onNotice: (text) => ctx.notify(text),
          onDeviceCode: (info) => {
            ctx.events.emit('auth.deviceCode', { profile: profile.name, ...info });
            if (scripted) {
              deviceDone = scripted.completeDeviceCode(info);
              // The outcome is reported by the token poll; a page failure shows there as a timeout, so keep it visible.
              deviceDone.catch((e: unknown) => ctx.notify(`Demo automation could not complete the device code: ${e instanceof Error ? e.message : String(e)}`));
            }
          },
        });
        if (deviceDone) await deviceDone.catch(() => undefined);
        const result = toResult(r, login);
        ctx.events.emit('auth.state', { profile: profile.name, state: 'signed-in', result });
        return result;
      } catch (e) {
        ctx.events.emit('auth.state', { profile: profile.name, state: 'failed' });
        throw e;
      }
    } finally {
      await network.close();
    }
  };

  /**
   * Before a session of a delegated demo profile: sign the demo user in once (the demo
   * keeps sign-ins in memory for the session). Real profiles use the cached sign-in.
   */
  const prepare = async (r: ResolvedProfile, signal?: AbortSignal): Promise<void> => {
    if (!r.demo || r.profile.credential.kind !== 'delegated') return;
    if ((await r.secretStore.keys()).length > 0) return;
    if (!r.demo.options.demoUser) {
      throw new OperatorError('bad-input', 'A delegated demo run needs a demo user to sign in as.', {
        hint: 'Start the demo tenant with a demo user; the app then signs in on the demo page itself.',
      });
    }
    const s = signal ?? ctx.deps.signal;
    await signIn(r, { ...(s ? { signal: s } : {}) });
  };

  const api = {
    signIn: async (args: OpArgs<'auth.signIn'>) => {
      const r = await ctx.source.resolve(args.profile);
      return signIn(r, {
        ...(args.flow ? { flow: args.flow } : {}),
        ...(args.timeoutSeconds ? { timeoutSeconds: args.timeoutSeconds } : {}),
        ...(ctx.deps.signal ? { signal: ctx.deps.signal } : {}),
      });
    },
    signOut: async (args: OpArgs<'auth.signOut'>): Promise<OpResult<'auth.signOut'>> => {
      const r = await ctx.source.resolve(args.profile);
      requireDelegated(r);
      const network = createNetwork({ env: ctx.env });
      try {
        const provider = createDelegatedTokenProvider({ profile: r.profile, network, secretStore: r.secretStore });
        const account = await provider.account();
        await provider.logout();
        ctx.events.emit('auth.state', { profile: r.profile.name, state: 'signed-out' });
        return { profile: r.profile.name, ...(account ? { username: account.username } : {}), store: r.secretStore.description };
      } finally {
        await network.close();
      }
    },
  };
  return { api, signIn, prepare };
}
