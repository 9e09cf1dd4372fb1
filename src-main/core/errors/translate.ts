import { z } from 'zod';
import { OperatorError, type OperatorErrorCode } from './operator-error';

/**
 * Turns Entra ID (AADSTS) and Microsoft Graph failures into OperatorErrors that
 * say what happened, what to do and who can do it.
 *
 * Sources: https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 * and https://learn.microsoft.com/graph/errors. Admin consent for application
 * permissions of Microsoft Graph needs a Privileged Role Administrator or Global
 * Administrator (https://learn.microsoft.com/entra/identity/enterprise-apps/grant-admin-consent).
 */
export interface AadstsEntry {
  code: OperatorErrorCode;
  message: string;
  hint: string;
  who?: string;
}

const APP_ADMIN = 'an Application Administrator, a Cloud Application Administrator or an owner of the app registration';
const CONSENT_ADMIN =
  'a Privileged Role Administrator or Global Administrator (Cloud Application Administrator and Application Administrator cannot grant Microsoft Graph application permissions)';
const CA_ADMIN = 'a Conditional Access Administrator or Security Administrator';

export const AADSTS_TABLE: Readonly<Record<number, AadstsEntry>> = {
  7000215: {
    code: 'auth-failed',
    message: 'Entra ID rejected the client secret (AADSTS7000215: invalid client secret).',
    hint: 'Use the secret VALUE, not the secret ID; the value is shown only once when the secret is created. If it is lost, create a new client secret and update the profile\'s secret source.',
    who: `${APP_ADMIN} can create a new client secret`,
  },
  7000222: {
    code: 'auth-failed',
    message: 'The client secret has expired (AADSTS7000222).',
    hint: 'Create a new client secret (or switch the profile to a certificate) and update the profile\'s secret source.',
    who: `${APP_ADMIN} can create a new client secret or upload a certificate`,
  },
  700016: {
    code: 'auth-failed',
    message: 'The application was not found in this tenant (AADSTS700016).',
    hint: 'Check the profile\'s client ID and tenant ID. The app may be registered in another tenant, or (for a multi-tenant app) not yet added to this one: admin consent creates it here.',
    who: `${CONSENT_ADMIN} can consent to a multi-tenant app; ${APP_ADMIN} can confirm the client ID`,
  },
  700027: {
    code: 'auth-failed',
    message: 'Entra ID rejected the client certificate (AADSTS700027): it is not registered for this app or the thumbprint does not match.',
    hint: 'Upload the public certificate (.cer/.pem, never the private key) to the app registration under Certificates & secrets, and make sure the profile points at the matching private key.',
    who: `${APP_ADMIN} can upload the certificate`,
  },
  7000218: {
    code: 'auth-failed',
    message: 'The token request carried no client credential (AADSTS7000218).',
    hint: 'The profile must name a client secret or a certificate; check that the secret source is not empty.',
  },
  65001: {
    code: 'consent-missing',
    message: 'The application has no admin consent for the requested permissions (AADSTS65001).',
    hint: 'Grant admin consent for the app\'s Microsoft Graph application permissions (Entra admin center > App registrations > API permissions > Grant admin consent).',
    who: CONSENT_ADMIN,
  },
  50076: {
    code: 'auth-failed',
    message: 'Multi-factor authentication is required (AADSTS50076).',
    hint: 'App-only sign-in cannot perform MFA. A Conditional Access policy seems to target this service principal as if it were a user; exclude the app or use a workload identity policy.',
    who: CA_ADMIN,
  },
  50079: {
    code: 'auth-failed',
    message: 'Multi-factor authentication registration is required (AADSTS50079).',
    hint: 'App-only sign-in cannot register MFA. Review the Conditional Access or security defaults settings that target this app.',
    who: CA_ADMIN,
  },
  53003: {
    code: 'auth-failed',
    message: 'Access was blocked by Conditional Access (AADSTS53003).',
    hint: 'A Conditional Access policy for workload identities blocks this app (for example by location). Review the sign-in logs for the policy name and adjust it or run from an allowed network.',
    who: CA_ADMIN,
  },
  90002: {
    code: 'auth-failed',
    message: 'The tenant was not found (AADSTS90002).',
    hint: 'Check the profile\'s tenant ID or domain and that the profile uses the right cloud (global, GCC High, DoD, China).',
  },
  500011: {
    code: 'auth-failed',
    message: 'The resource principal (Microsoft Graph) was not found in the tenant (AADSTS500011).',
    hint: 'Check the profile\'s cloud: the Graph endpoint must belong to the same cloud as the sign-in endpoint. In an unusual tenant, Microsoft Graph may need to be added first.',
    who: 'a Global Administrator',
  },
  50020: {
    code: 'auth-failed',
    message: 'The identity is not allowed in this tenant (AADSTS50020).',
    hint: 'Use a tenant-specific profile (tenant ID, not "common"), with an app registered in or consented to that tenant.',
  },
  70011: {
    code: 'auth-failed',
    message: 'The requested scope is invalid (AADSTS70011).',
    hint: 'App-only tokens need the "<graph URL>/.default" scope; check the profile\'s cloud and custom Graph URL.',
  },
  50034: {
    code: 'auth-failed',
    message: 'The user account does not exist (AADSTS50034).',
    hint: 'This tool signs in as an application, not a user; check the tenant ID and client ID in the profile.',
  },
  50126: {
    code: 'auth-failed',
    message: 'Invalid user name or password (AADSTS50126).',
    hint: 'This tool signs in as an application, not a user; check the tenant ID and client ID in the profile.',
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

/** An Entra ID token failure as an OperatorError. Unknown codes keep their AADSTS number. */
export function fromAadFailure(f: AadFailure): OperatorError {
  const entry = f.aadsts === undefined ? undefined : AADSTS_TABLE[f.aadsts];
  const base = {
    aadsts: f.aadsts,
    status: f.status,
    requestId: f.correlationId,
    cause: f.cause,
  };
  if (entry) {
    return new OperatorError(entry.code, entry.message, { ...base, hint: entry.hint, ...(entry.who ? { who: entry.who } : {}) });
  }
  const first = firstLine(f.description);
  const label = f.aadsts !== undefined ? `AADSTS${f.aadsts}` : (f.error ?? 'unknown error');
  return new OperatorError('auth-failed', `Entra ID refused the token request (${label})${first ? `: ${first}` : '.'}`, {
    ...base,
    hint:
      f.aadsts !== undefined
        ? `Look up AADSTS${f.aadsts} at https://login.microsoftonline.com/error?code=${f.aadsts} and check the profile's tenant, client ID and credential.`
        : 'Check the profile\'s tenant, client ID and credential, and the network path to the sign-in endpoint.',
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
  if (status === 403) {
    const perm = ctx.permission;
    return new OperatorError(
      'permission-denied',
      `${what}Microsoft Graph denied access (${code ?? 'Forbidden'})${perm ? `; the app needs ${perm}` : ''}.`,
      {
        ...base,
        hint: perm
          ? `Add the Microsoft Graph application permission ${perm} to the app registration and grant admin consent.`
          : 'The app lacks a Microsoft Graph application permission for this call; check API permissions and admin consent on the app registration.',
        who: `a Privileged Role Administrator or Global Administrator grants ${perm ?? 'the permission'} as an application permission with admin consent`,
      },
    );
  }
  if (status === 401) {
    return new OperatorError('auth-failed', `${what}Microsoft Graph did not accept the access token (${code ?? 'Unauthorized'}).`, {
      ...base,
      hint: 'The token expired or was issued for another cloud or resource. Retry; if it persists, check that the profile\'s sign-in and Graph endpoints belong to the same cloud and that the clock is correct.',
    });
  }
  if (status === 429 || status === 503 || status === 504) {
    return new OperatorError('throttled', `${what}Microsoft Graph is throttling or unavailable (HTTP ${status})${ctx.afterRetries ? ` after ${ctx.afterRetries} attempts` : ''}.`, {
      ...base,
      hint: 'Wait a few minutes and run the sync again; avoid running several syncs against the same tenant at once.',
    });
  }
  if (status === 404) {
    return new OperatorError('graph-error', `${what}Microsoft Graph answered 404 Not Found (${code ?? 'NotFound'}).${serviceMessage}`, {
      ...base,
      hint: 'The resource does not exist in this tenant or cloud; check the profile\'s cloud.',
    });
  }
  if (status >= 500) {
    return new OperatorError('graph-error', `${what}Microsoft Graph failed with HTTP ${status} (${code ?? 'server error'}).${serviceMessage}`, {
      ...base,
      hint: 'A service-side failure; retry later. Quote the request id when contacting Microsoft support.',
    });
  }
  return new OperatorError('graph-error', `${what}Microsoft Graph rejected the request with HTTP ${status} (${code ?? 'error'}).${serviceMessage}`, {
    ...base,
    hint: 'The request was not valid for this tenant; quote the request id when reporting it.',
  });
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
export function fromMsalError(e: unknown): OperatorError {
  if (e instanceof OperatorError) return e;
  const parsed = msalErrorSchema.safeParse(e);
  const m = parsed.success ? parsed.data : {};
  const message = e instanceof Error ? e.message : undefined;
  const aadsts = aadstsNumber(m.errorNo, m.errorCodes, m.errorMessage, message);
  if (aadsts !== undefined) {
    return fromAadFailure({ aadsts, error: m.errorCode, description: m.errorMessage, correlationId: m.correlationId, status: m.status, cause: e });
  }
  const code = m.errorCode ?? '';
  if (code === 'network_error' || code === 'endpoints_resolution_error' || /network/i.test(code)) {
    return new OperatorError('network', 'Could not reach the Entra ID sign-in endpoint.', {
      hint: 'Check the network path to the sign-in endpoint (proxy settings HTTPS_PROXY/NO_PROXY, firewall) and the profile\'s cloud.',
      cause: e,
    });
  }
  if (code === 'untrusted_authority' || code === 'invalid_authority' || code === 'url_parse_error' || code === 'issuer_validation_failed') {
    return new OperatorError('bad-input', `The sign-in authority was rejected (${code}).`, {
      hint: 'Check the profile\'s cloud, custom login URL and tenant ID.',
      cause: e,
    });
  }
  if (code === 'invalid_client' || code === 'unauthorized_client') {
    return fromAadFailure({ error: code, description: m.errorMessage, correlationId: m.correlationId, cause: e });
  }
  return new OperatorError('auth-failed', `Token acquisition failed (${code || 'unknown MSAL error'}).`, {
    hint: 'Check the profile\'s tenant, client ID and credential; run again with the sign-in endpoint reachable.',
    cause: e,
  });
}
