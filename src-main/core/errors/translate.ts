import { z } from 'zod';
import type { Remedy, RemedyAction } from '../../shared/errors';
import { OperatorError, remedyFor, type OperatorErrorCode } from './operator-error';

/**
 * Turns Entra ID (AADSTS) and Microsoft Graph failures into OperatorErrors that
 * say what happened, what to do and who can do it.
 *
 * Sources: https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 * and https://learn.microsoft.com/graph/errors. Admin consent for application
 * permissions of Microsoft Graph needs a Privileged Role Administrator or Global
 * Administrator (https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent).
 *
 * Hints are worded for any front end: they never name a CLI command or flag. What the
 * operator can do about it is the structured remedy next to the hint (the CLI prints it as a
 * command, a screen as a button); the profile it applies to is filled in from the context.
 */
export interface AadstsWording {
  hint: string;
  who?: string;
  /** What the operator can do, when there is one action for it. */
  remedy?: RemedyAction;
}

export interface AadstsEntry extends AadstsWording {
  code: OperatorErrorCode;
  message: string;
  /** Wording when the profile signs in as the app itself (client secret or certificate). */
  app?: AadstsWording;
  /** Wording when a user signs in (delegated). */
  delegated?: AadstsWording;
}

/**
 * Who met the failure: how the profile signs in and its name, so the hint names the
 * administrator who can fix it for that kind of sign-in and the remedy the profile it
 * applies to. Without a kind the wording covers both.
 */
export interface SignInContext {
  /** 'app': the app signs in as itself (secret or certificate); 'delegated': a user signs in. */
  kind?: 'app' | 'delegated';
  /** The profile's name, for the remedy. */
  profile?: string;
}

/** Words a hint uses for signing in again; a refused silent refresh ends with them. */
export const SIGN_IN_AGAIN = 'sign in again for this profile';

const APP_ADMIN = 'an Application Administrator, a Cloud Application Administrator or an owner of the app registration';
const CONSENT_ADMIN =
  'a Privileged Role Administrator or Global Administrator (Cloud Application Administrator and Application Administrator cannot grant Microsoft Graph application permissions)';
const CA_ADMIN = 'a Conditional Access Administrator or Security Administrator';
const DELEGATED_CONSENT_ADMIN = 'a Cloud Application Administrator, Application Administrator, Privileged Role Administrator or Global Administrator';
/**
 * Admin consent to delegated permissions (any API, Microsoft Graph included) needs a
 * Cloud Application Administrator or Application Administrator; only application
 * permissions of Microsoft Graph need a Privileged Role Administrator
 * (learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent,
 * learn.microsoft.com/entra/identity/role-based-access-control/delegate-by-task).
 */
const DELEGATED_CONSENT_WHO =
  'a Cloud Application Administrator or Application Administrator grants admin consent to delegated permissions (a Privileged Role Administrator or Global Administrator can as well)';
/** Assigning directory roles: Privileged Role Administrator (delegate-by-task, "Roles and administrators"). */
const ROLE_ADMIN = 'a Privileged Role Administrator (or Global Administrator) assigns directory roles';
const GUEST_INVITER = 'a User Administrator or Guest Inviter (to invite the account as a guest)';

export const AADSTS_TABLE: Readonly<Record<number, AadstsEntry>> = {
  7000215: {
    code: 'auth-failed',
    message: 'Entra ID rejected the client secret (AADSTS7000215: invalid client secret).',
    hint: 'Use the secret VALUE, not the secret ID; the value is shown only once when the secret is created. If it is lost, create a new client secret and update the profile\'s secret source.',
    who: `${APP_ADMIN} can create a new client secret`,
    remedy: 'set-secret',
  },
  7000222: {
    code: 'auth-failed',
    message: 'The client secret has expired (AADSTS7000222).',
    hint: 'Create a new client secret (or switch the profile to a certificate) and update the profile\'s secret source.',
    who: `${APP_ADMIN} can create a new client secret or upload a certificate`,
    remedy: 'set-secret',
  },
  700016: {
    code: 'auth-failed',
    message: 'The application was not found in this tenant (AADSTS700016).',
    hint: 'Check the profile\'s client ID and tenant ID. The app may be registered in another tenant, or (for a multi-tenant app) not yet added to this one: admin consent creates it here.',
    who: `${CONSENT_ADMIN} can consent to a multi-tenant app; ${APP_ADMIN} can confirm the client ID`,
    remedy: 'edit-profile',
    delegated: {
      hint: 'Check the profile\'s client ID (a public client app registration) and tenant ID. The app may be registered in another tenant, or (for a multi-tenant app) not yet added to this one: admin consent to its delegated permissions creates it here.',
      who: `${DELEGATED_CONSENT_ADMIN} can consent to a multi-tenant app; ${APP_ADMIN} can confirm the client ID`,
      remedy: 'edit-profile',
    },
  },
  700027: {
    code: 'auth-failed',
    message: 'Entra ID rejected the client certificate (AADSTS700027): it is not registered for this app or the thumbprint does not match.',
    hint: 'Upload the public certificate (.cer/.pem, never the private key) to the app registration under Certificates & secrets, and make sure the profile points at the matching private key.',
    who: `${APP_ADMIN} can upload the certificate`,
    remedy: 'upload-certificate',
  },
  7000218: {
    code: 'auth-failed',
    message: 'The token request carried no client credential (AADSTS7000218).',
    hint: 'The profile must name a client secret or a certificate; check that the secret source is not empty.',
    remedy: 'set-secret',
  },
  65001: {
    code: 'consent-missing',
    message: 'The application has no admin consent for the requested permissions (AADSTS65001).',
    hint: 'Grant admin consent: send the admin-consent link of this profile to an administrator, or use Entra admin center > App registrations > API permissions > Grant admin consent. For a delegated (user sign-in) profile, consent to the delegated read scopes is enough.',
    who: `${CONSENT_ADMIN} for application permissions; for delegated permissions also ${DELEGATED_CONSENT_ADMIN}`,
    remedy: 'grant-consent',
    app: {
      hint: 'Grant admin consent to the application permissions: send the admin-consent link of this profile to an administrator, or use Entra admin center > App registrations > API permissions > Grant admin consent.',
      who: CONSENT_ADMIN,
      remedy: 'grant-consent',
    },
    delegated: {
      hint: `The app has no consent (or it was revoked) for the delegated read scopes, and users cannot consent to them: an administrator grants admin consent (send the admin-consent link of this profile, or Entra admin center > App registrations > API permissions > Grant admin consent). Then ${SIGN_IN_AGAIN}.`,
      who: DELEGATED_CONSENT_WHO,
      remedy: 'grant-consent',
    },
  },
  50076: {
    code: 'auth-failed',
    message: 'Multi-factor authentication is required (AADSTS50076).',
    hint: 'Sign in again interactively and complete the MFA prompt in the browser; the saved session was issued without MFA and can no longer be refreshed silently. (App-only sign-in cannot do MFA: if this appears for a certificate or secret profile, a Conditional Access policy targets the app as if it were a user.)',
    who: `the signed-in user completes MFA; for app-only profiles ${CA_ADMIN} adjusts the policy`,
    remedy: 'sign-in',
    app: {
      hint: 'App-only sign-in cannot do MFA: a Conditional Access policy targets this app as if it were a user. Exclude the app from that policy (use a Conditional Access policy for workload identities instead).',
      who: `${CA_ADMIN} adjusts the policy`,
    },
    delegated: {
      hint: `The saved sign-in was made without MFA and can no longer be refreshed silently: ${SIGN_IN_AGAIN} and complete the MFA prompt in the browser.`,
      who: 'the signed-in user completes MFA when signing in again',
      remedy: 'sign-in',
    },
  },
  50079: {
    code: 'auth-failed',
    message: 'Multi-factor authentication registration is required (AADSTS50079).',
    hint: 'The signed-in user must register an MFA method (https://aka.ms/mfasetup) and then sign in again. App-only sign-in cannot register MFA; review the Conditional Access or security defaults settings that target the app.',
    who: `the signed-in user registers MFA; ${CA_ADMIN} can review the policy`,
    app: {
      hint: 'App-only sign-in cannot register MFA: a Conditional Access policy or the security defaults target this app as if it were a user. Review that setting.',
      who: CA_ADMIN,
    },
    delegated: {
      hint: `The signed-in user must first register an MFA method at https://aka.ms/mfasetup (Security info), then ${SIGN_IN_AGAIN}.`,
      who: `the signed-in user, at https://aka.ms/mfasetup (${CA_ADMIN} can review the policy that requires it)`,
      remedy: 'sign-in',
    },
  },
  53003: {
    code: 'auth-failed',
    message: 'Access was blocked by Conditional Access (AADSTS53003).',
    hint: 'A Conditional Access policy blocks this sign-in (for example by location, device or the device-code flow). Sign in interactively from a compliant device or an allowed network; an administrator can find the policy name in the sign-in logs.',
    who: CA_ADMIN,
    remedy: 'sign-in',
    app: {
      hint: 'A Conditional Access policy for workload identities blocks this app (for example by location). Run from an allowed network, or have the policy reviewed; the service principal sign-in logs name it.',
      who: CA_ADMIN,
    },
    delegated: {
      hint: `A Conditional Access policy blocks this sign-in (for example by location, device or the device code flow). Sign in again for this profile from a compliant device or an allowed network, with the browser sign-in rather than the device code flow; an administrator finds the policy name in the sign-in logs.`,
      who: `${CA_ADMIN} can review the policy`,
      remedy: 'sign-in',
    },
  },
  90002: {
    code: 'auth-failed',
    message: 'The tenant was not found (AADSTS90002).',
    hint: 'Check the profile\'s tenant ID or domain and that the profile uses the right cloud (global, GCC High, DoD, China).',
    remedy: 'edit-profile',
  },
  500011: {
    code: 'auth-failed',
    message: 'The resource principal (Microsoft Graph) was not found in the tenant (AADSTS500011).',
    hint: 'The token was requested for a resource this tenant does not know: check the profile\'s cloud (the Graph endpoint must belong to the same national cloud as the sign-in endpoint, e.g. GCC High uses graph.microsoft.us) and any custom Graph URL.',
    who: 'the operator fixes the profile\'s cloud; a Global Administrator if Microsoft Graph itself is missing from the tenant',
    remedy: 'edit-profile',
  },
  50020: {
    code: 'auth-failed',
    message: 'The signed-in account belongs to another tenant and is not a guest in this one (AADSTS50020).',
    hint: `Sign in with an account of the profile's tenant (check the login hint), or have ${GUEST_INVITER} invite the account and give it a reader role. Use a tenant-specific profile (tenant ID or domain, not "common") naming the right tenant.`,
    remedy: 'sign-in',
  },
  70011: {
    code: 'auth-failed',
    message: 'The requested scope is invalid (AADSTS70011).',
    hint: 'App-only tokens need the "<graph URL>/.default" scope; check the profile\'s cloud and custom Graph URL.',
    remedy: 'edit-profile',
    delegated: { hint: 'The delegated read scopes ("<graph URL>/<permission>") were refused: check the profile\'s cloud and custom Graph URL.', remedy: 'edit-profile' },
  },
  // Client credentials with a scope that is not "<resource>/.default": Entra ID answers AADSTS1002012
  // ("Microsoft identity platform and the OAuth 2.0 client credentials flow", learn.microsoft.com).
  1002012: {
    code: 'auth-failed',
    message: 'The requested scope is invalid for an app-only token (AADSTS1002012).',
    hint: 'App-only tokens need the "<graph URL>/.default" scope; check the profile\'s cloud and custom Graph URL.',
    remedy: 'edit-profile',
  },
  50034: {
    code: 'auth-failed',
    message: 'The user account does not exist in this tenant (AADSTS50034).',
    hint: 'Check the account name (login hint) and the profile\'s tenant. Certificate and secret profiles sign in as an application, not a user.',
    remedy: 'edit-profile',
    delegated: { hint: `Check the account name (the profile's login hint) and the profile's tenant, then ${SIGN_IN_AGAIN}.`, remedy: 'sign-in' },
  },
  50126: {
    code: 'auth-failed',
    message: 'Invalid user name or password (AADSTS50126).',
    hint: 'Sign in again with the correct password. Certificate and secret profiles sign in as an application, not a user.',
    remedy: 'sign-in',
    delegated: { hint: `Sign in again for this profile and enter the correct password.`, remedy: 'sign-in' },
  },
};

/** Extracts the AADSTS number from an error code number or a message such as "AADSTS7000215: ...". */
export function aadstsNumber(...candidates: unknown[]): number | undefined {
  for (const c of candidates) {
    if (typeof c === 'number' && Number.isInteger(c) && c > 0) return c;
    if (typeof c === 'string') {
      if (/^\d{5,7}$/.test(c.trim())) return Number(c.trim());
      const m = /AADSTS(\d{5,7})/.exec(c);
      if (m?.[1]) return Number(m[1]);
    }
    if (Array.isArray(c)) {
      for (const v of c) {
        const n = aadstsNumber(v);
        if (n !== undefined) return n;
      }
    }
  }
  return undefined;
}

export interface AadFailure {
  aadsts?: number;
  /** OAuth error, e.g. invalid_client. */
  error?: string;
  /** The service's description; only its first line (no trace/correlation lines) is kept. */
  description?: string;
  correlationId?: string;
  status?: number;
  cause?: unknown;
}

/** The wording of a table entry for a kind of sign-in, and its remedy for the context's profile. */
export function aadstsWording(entry: AadstsEntry, ctx: SignInContext = {}): { hint: string; who?: string; remedy?: Remedy } {
  const w = (ctx.kind === 'app' ? entry.app : ctx.kind === 'delegated' ? entry.delegated : undefined) ?? entry;
  return { hint: w.hint, ...(w.who ? { who: w.who } : {}), ...(w.remedy ? { remedy: remedyFor(w.remedy, ctx.profile) } : {}) };
}

/** An Entra ID token failure as an OperatorError. Unknown codes keep their AADSTS number. */
export function fromAadFailure(f: AadFailure, ctx: SignInContext = {}): OperatorError {
  const entry = f.aadsts === undefined ? undefined : AADSTS_TABLE[f.aadsts];
  const base = {
    aadsts: f.aadsts,
    status: f.status,
    requestId: f.correlationId,
    cause: f.cause,
  };
  if (entry) {
    const w = aadstsWording(entry, ctx);
    return new OperatorError(entry.code, entry.message, { ...base, ...w });
  }
  const first = firstLine(f.description);
  const label = f.aadsts !== undefined ? `AADSTS${f.aadsts}` : (f.error ?? 'unknown error');
  return new OperatorError('auth-failed', `Entra ID refused the token request (${label})${first ? `: ${first}` : '.'}`, {
    ...base,
    hint:
      f.aadsts !== undefined
        ? `Look up AADSTS${f.aadsts} at https://login.microsoftonline.com/error?code=${f.aadsts} and check the profile's tenant, client ID and credential.`
        : 'Check the profile\'s tenant, client ID and credential, and the network path to the sign-in endpoint.',
    remedy: remedyFor('edit-profile', ctx.profile),
  });
}

function firstLine(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const line = s.split(/\r?\n/)[0]?.trim();
  if (!line) return undefined;
  // Drop the AADSTS prefix (already in the message) and cap the length.
  return line.replace(/^AADSTS\d+:\s*/, '').slice(0, 300);
}

const graphErrorBodySchema = z.object({
  error: z.object({
    code: z.string().optional(),
    message: z.string().optional(),
    innerError: z.object({ 'request-id': z.string().optional() }).loose().optional(),
  }).loose(),
}).loose();

export interface GraphErrorContext {
  /** Permission that would make this call succeed (from permissions/matrix.ts). */
  permission?: string;
  /** Dataset label, for messages. */
  dataset?: string;
  /** The call failed after the retry budget was spent. */
  afterRetries?: number;
  /** How the profile signs in and its name; without it a 403 is worded for both kinds. */
  signIn?: SignInContext;
  /**
   * Delegated sign-in: the directory roles that let the signed-in user read this (least
   * privileged first); empty when any member user may.
   */
  delegatedRoles?: readonly string[];
  /**
   * Delegated sign-in: whether the token carries a delegated scope the call accepts
   * (`permission` then names the missing one when false); unknown when absent.
   */
  scopeGranted?: boolean;
}

/** Parses Graph's error body ({ error: { code, message } }); tolerant of non-JSON bodies. */
export function parseGraphErrorBody(body: unknown): { code?: string; message?: string; requestId?: string } {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return {};
    }
  }
  const parsed = graphErrorBodySchema.safeParse(value);
  if (!parsed.success) return {};
  const e = parsed.data.error;
  return { code: e.code, message: e.message, requestId: e.innerError?.['request-id'] };
}

/** A failed Graph response as an OperatorError. */
export function fromGraphError(status: number, body: unknown, ctx: GraphErrorContext = {}): OperatorError {
  const { code, message, requestId } = parseGraphErrorBody(body);
  const what = ctx.dataset ? `${ctx.dataset}: ` : '';
  const serviceMessage = message ? ` Graph said: ${message.slice(0, 300)}` : '';
  const base = { status, graphCode: code, requestId, permission: ctx.permission };

  if (status === 403 && code === 'Authentication_RequestFromNonPremiumTenantOrB2CTenant') {
    return new OperatorError('license-required', `${what}this data needs Microsoft Entra ID P1 in the tenant.`, {
      ...base,
      hint: 'Sign-in activity is only available in tenants with Microsoft Entra ID P1 or P2 (included in Microsoft 365 E3/E5 and Business Premium). Without it, this dataset is skipped.',
      who: 'a Billing Administrator or Global Administrator can buy Microsoft Entra ID P1',
    });
  }
  if (status === 403) return forbidden(what, code, base, ctx);
  if (status === 401 && message !== undefined && /expired/i.test(message)) {
    return new OperatorError('auth-failed', `${what}Microsoft Graph did not accept the access token: it has expired (${code ?? 'Unauthorized'}).`, {
      ...base,
      hint: `A refresh was attempted and the token was still expired: check that this computer's clock is correct (time sync), then try again.${
        ctx.signIn?.kind === 'app' ? '' : ctx.signIn?.kind === 'delegated' ? ` If it persists, ${SIGN_IN_AGAIN}.` : ' A delegated profile may need to sign in again.'
      }`,
      who: 'the operator (or whoever manages the computer\'s time synchronisation)',
      ...(ctx.signIn?.kind === 'delegated' ? { remedy: remedyFor('sign-in', ctx.signIn.profile) } : {}),
    });
  }
  if (status === 401) {
    return new OperatorError('auth-failed', `${what}Microsoft Graph did not accept the access token (${code ?? 'Unauthorized'}).`, {
      ...base,
      hint: 'The token expired or was issued for another cloud or resource. Retry; if it persists, check that the profile\'s sign-in and Graph endpoints belong to the same cloud and that the clock is correct.',
      remedy: remedyFor('retry-later', undefined),
    });
  }
  if (status === 429 || status === 503 || status === 504) {
    return new OperatorError('throttled', `${what}Microsoft Graph is throttling or unavailable (HTTP ${status})${ctx.afterRetries ? ` after ${ctx.afterRetries} attempts` : ''}.`, {
      ...base,
      hint: 'Wait a few minutes and sync again; avoid running several syncs against the same tenant at once.',
      remedy: remedyFor('retry-later', undefined),
    });
  }
  if (status === 404) {
    return new OperatorError('graph-error', `${what}Microsoft Graph answered 404 Not Found (${code ?? 'NotFound'}).${serviceMessage}`, {
      ...base,
      hint: 'The resource does not exist in this tenant or cloud; check the profile\'s cloud.',
      remedy: remedyFor('edit-profile', ctx.signIn?.profile),
    });
  }
  if (status >= 500) {
    return new OperatorError('graph-error', `${what}Microsoft Graph failed with HTTP ${status} (${code ?? 'server error'}).${serviceMessage}`, {
      ...base,
      hint: 'A service-side failure; retry later. Quote the request id when contacting Microsoft support.',
      remedy: remedyFor('retry-later', undefined),
    });
  }
  return new OperatorError('graph-error', `${what}Microsoft Graph rejected the request with HTTP ${status} (${code ?? 'error'}).${serviceMessage}`, {
    ...base,
    hint: 'The request was not valid for this tenant; quote the request id when reporting it.',
    remedy: remedyFor('report-bug', undefined),
  });
}

type GraphErrorBase = { status: number; graphCode: string | undefined; requestId: string | undefined; permission: string | undefined };

/**
 * A 403 worded for the kind of sign-in: an app lacks an application permission (admin
 * consent by a Privileged Role Administrator); a signed-in user lacks a directory role
 * (assigned by a Privileged Role Administrator) or the app lacks a delegated scope
 * (admin consent by a Cloud Application Administrator or Application Administrator).
 */
function forbidden(what: string, code: string | undefined, base: GraphErrorBase, ctx: GraphErrorContext): OperatorError {
  const perm = ctx.permission;
  const denied = `${what}Microsoft Graph denied access (${code ?? 'Forbidden'})`;
  const profile = ctx.signIn?.profile;
  const verify = 'run the permission check of this profile to see every missing permission at once';
  const kind = ctx.signIn?.kind;
  const err = (message: string, hint: string, who: string, remedy: Remedy): OperatorError =>
    new OperatorError('permission-denied', message, { ...base, hint, who, remedy });
  const addPermission = (p: string): Remedy => remedyFor('add-permission', profile, { permission: p });

  if (kind === 'app') {
    return err(
      `${denied}${perm ? `; the app needs the application permission ${perm}` : ''}.`,
      perm
        ? `Add the Microsoft Graph application permission ${perm} to the app registration and grant admin consent, then ${verify}.`
        : `The app lacks a Microsoft Graph application permission for this call: check API permissions and admin consent on the app registration, and ${verify}.`,
      `a Privileged Role Administrator or Global Administrator grants ${perm ?? 'the permission'} as an application permission with admin consent`,
      perm ? addPermission(perm) : remedyFor('verify', profile),
    );
  }

  if (kind === 'delegated') {
    const roles = ctx.delegatedRoles ?? [];
    const roleText = roles.length > 0 ? `${roles[0]}${roles.length > 1 ? ` (or ${roles.slice(1).join(', ')})` : ''}` : '';
    const relogin = `${SIGN_IN_AGAIN} so the new token carries it`;
    const scopeMissing = perm !== undefined && (ctx.scopeGranted === false || (ctx.scopeGranted === undefined && roles.length === 0));
    const roleMissing = roles.length > 0 && (ctx.scopeGranted === true || perm === undefined);
    const assignRole = (role: string): Remedy => remedyFor('assign-role', profile, { role });
    if (roleMissing && roles[0] !== undefined) {
      return err(
        `${denied}; the signed-in user needs the directory role ${roleText}.`,
        `Assign the signed-in user the directory role ${roles[0]} (the least privileged that may read this) in Entra admin center > Roles and administrators, then ${relogin}; or ${verify}.`,
        ROLE_ADMIN,
        assignRole(roles[0]),
      );
    }
    if (scopeMissing) {
      return err(
        `${denied}; the app needs the delegated permission ${perm}.`,
        `Add the Microsoft Graph delegated permission ${perm} to the app registration and grant admin consent, then ${relogin}; or ${verify}.`,
        DELEGATED_CONSENT_WHO,
        addPermission(perm),
      );
    }
    return err(
      `${denied}${perm ? `; the app needs the delegated permission ${perm}` : ''}${roleText ? ` and the signed-in user a directory role (${roleText})` : ''}.`,
      `${roleText ? `Assign the signed-in user the directory role ${roles[0]} (Entra admin center > Roles and administrators)` : 'Check the signed-in user\'s directory roles'} and ${
        perm ? `make sure the app has the delegated permission ${perm} with admin consent` : 'the app\'s delegated permissions and admin consent'
      }, then ${relogin}; ${verify}.`,
      `${ROLE_ADMIN}; ${DELEGATED_CONSENT_WHO}`,
      roles[0] !== undefined ? assignRole(roles[0]) : perm ? addPermission(perm) : remedyFor('verify', profile),
    );
  }

  return err(
    `${denied}${perm ? `; the app needs ${perm}` : ''}.`,
    perm
      ? `Add the Microsoft Graph application permission ${perm} to the app registration and grant admin consent (or, for a user sign-in profile, the delegated permission ${perm} plus the directory role the permission check names). Run the permission check of this profile to see every missing permission at once.`
      : 'The app lacks a Microsoft Graph permission for this call (or the signed-in user lacks the directory role); check API permissions and admin consent on the app registration, and run the permission check of this profile.',
    `a Privileged Role Administrator or Global Administrator grants ${perm ?? 'the permission'} as an application permission with admin consent; for a user sign-in profile, a Cloud Application Administrator or Application Administrator grants admin consent to the delegated permission and ${ROLE_ADMIN}`,
    perm ? addPermission(perm) : remedyFor('verify', profile),
  );
}

/** MSAL error shape (AuthError / ServerError from @azure/msal-common), read structurally. */
const msalErrorSchema = z
  .object({
    errorCode: z.string().optional(),
    errorMessage: z.string().optional(),
    subError: z.string().optional(),
    errorNo: z.union([z.string(), z.number()]).optional(),
    errorCodes: z.array(z.union([z.string(), z.number()])).optional(),
    correlationId: z.string().optional(),
    status: z.number().optional(),
  })
  .loose();

/**
 * An MSAL error as an OperatorError. Server errors carry the AADSTS number in
 * `errorNo` / `errorCodes` or at the start of the message.
 */
export function fromMsalError(e: unknown, ctx: SignInContext = {}): OperatorError {
  if (e instanceof OperatorError) return e;
  const parsed = msalErrorSchema.safeParse(e);
  const m = parsed.success ? parsed.data : {};
  const message = e instanceof Error ? e.message : undefined;
  const aadsts = aadstsNumber(m.errorNo, m.errorCodes, m.errorMessage, message);
  if (aadsts !== undefined) {
    return fromAadFailure({ aadsts, error: m.errorCode, description: m.errorMessage, correlationId: m.correlationId, status: m.status, cause: e }, ctx);
  }
  const code = m.errorCode ?? '';
  if (code === 'network_error' || code === 'endpoints_resolution_error' || /network/i.test(code)) {
    return new OperatorError('network', 'Could not reach the Entra ID sign-in endpoint.', {
      hint: 'Check the network path to the sign-in endpoint (proxy settings HTTPS_PROXY/NO_PROXY, firewall) and the profile\'s cloud.',
      remedy: remedyFor('check-network', ctx.profile),
      cause: e,
    });
  }
  if (code === 'untrusted_authority' || code === 'invalid_authority' || code === 'url_parse_error' || code === 'issuer_validation_failed') {
    return new OperatorError('bad-input', `The sign-in authority was rejected (${code}).`, {
      hint: 'Check the profile\'s cloud, custom login URL and tenant ID.',
      remedy: remedyFor('edit-profile', ctx.profile),
      cause: e,
    });
  }
  if (code === 'invalid_client' || code === 'unauthorized_client') {
    return fromAadFailure({ error: code, description: m.errorMessage, correlationId: m.correlationId, cause: e }, ctx);
  }
  return new OperatorError('auth-failed', `Token acquisition failed (${code || 'unknown MSAL error'}).`, {
    hint: 'Check the profile\'s tenant, client ID and credential; try again with the sign-in endpoint reachable.',
    remedy: remedyFor('edit-profile', ctx.profile),
    cause: e,
  });
}

/** The token endpoint's JSON error body (v2.0), read at the trust boundary. */
const tokenErrorBodySchema = z
  .object({
    error: z.string().max(200).optional(),
    error_description: z.string().max(4000).optional(),
    error_codes: z.array(z.number().int()).max(20).optional(),
    correlation_id: z.string().max(100).optional(),
  })
  .loose();

/**
 * A failed token endpoint response (for flows driven outside MSAL, e.g. a refresh
 * token request or the demo tenant's endpoints in tests) as an OperatorError.
 */
export function fromTokenEndpointError(status: number, body: unknown, ctx: SignInContext = {}): OperatorError {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      value = {};
    }
  }
  const parsed = tokenErrorBodySchema.safeParse(value);
  const b = parsed.success ? parsed.data : {};
  const aadsts = aadstsNumber(b.error_codes, b.error_description);
  return fromAadFailure({
    ...(aadsts !== undefined ? { aadsts } : {}),
    ...(b.error ? { error: b.error } : {}),
    ...(b.error_description ? { description: b.error_description } : {}),
    ...(b.correlation_id ? { correlationId: b.correlation_id } : {}),
    status,
  }, ctx);
}

/**
 * The error an authorize request hands back on the redirect URI
 * (`?error=…&error_description=AADSTS…`), as an OperatorError; undefined when the
 * redirect carries no error.
 */
export function fromAuthorizeRedirect(redirect: string | URL, ctx: SignInContext = {}): OperatorError | undefined {
  let u: URL;
  try {
    u = new URL(redirect);
  } catch {
    return undefined;
  }
  const error = u.searchParams.get('error');
  if (error === null) return undefined;
  const description = u.searchParams.get('error_description') ?? undefined;
  const aadsts = aadstsNumber(description);
  return fromAadFailure({ ...(aadsts !== undefined ? { aadsts } : {}), error: error.slice(0, 200), ...(description ? { description: description.slice(0, 4000) } : {}) }, ctx);
}
