/**
 * Entra ID (STS) errors of the demo tenant in the v2.0 endpoint's JSON shape
 * (learn.microsoft.com/entra/identity-platform/reference-error-codes), shared by the
 * token endpoint (identity.ts) and the delegated flows (delegated.ts). The same
 * error becomes a JSON body at the token endpoint, `error`/`error_description`
 * query parameters on an authorize redirect, or a line on a sign-in page.
 */
import { randomUUID } from 'node:crypto';

export const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function stsTimestamp(d: Date): string {
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export class StsError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly code: number,
    readonly description: string,
    /** Extra members of the JSON body (e.g. `suberror`). */
    readonly extra: Record<string, string> = {},
  ) {
    super(`AADSTS${code}`);
  }
}

export interface StsErrorParts {
  traceId: string;
  correlationId: string;
  timestamp: string;
  /** `AADSTS<code>: <description>\r\nTrace ID: ...\r\nCorrelation ID: ...\r\nTimestamp: ...` */
  description: string;
}

export function stsErrorParts(e: StsError, clientRequestId: string | undefined, now: Date): StsErrorParts {
  const traceId = randomUUID();
  const correlationId = clientRequestId && GUID_RE.test(clientRequestId) ? clientRequestId.toLowerCase() : randomUUID();
  const timestamp = stsTimestamp(now);
  return {
    traceId,
    correlationId,
    timestamp,
    description: `AADSTS${e.code}: ${e.description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
  };
}

/** The token endpoint's JSON error body. */
export function stsErrorBody(e: StsError, loginOrigin: string, clientRequestId: string | undefined, now: Date): Record<string, unknown> {
  const p = stsErrorParts(e, clientRequestId, now);
  return {
    error: e.error,
    error_description: p.description,
    error_codes: [e.code],
    timestamp: p.timestamp,
    trace_id: p.traceId,
    correlation_id: p.correlationId,
    error_uri: `${loginOrigin}/error?code=${e.code}`,
    ...e.extra,
  };
}

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

const consentText = (id: string, name: string): string =>
  `The user or administrator has not consented to use the application with ID '${id}' named '${name}'. Send an interactive authorization request for this user and resource.`;

/** The demo tenant's Entra ID errors: token endpoint, authorize, sign-in, codes, refresh and device code. */
export const sts = {
  missingParameter: (p: string) => new StsError(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${p}'.`),
  invalidParameter: (p: string, why: string) => new StsError(400, 'invalid_request', 90014, `The request parameter '${p}' is invalid. ${why}`),
  redirectMismatch: (uri: string, appId: string) =>
    new StsError(
      400,
      'invalid_request',
      50011,
      `The redirect URI '${uri}' specified in the request does not match the redirect URIs configured for the application '${appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
    ),
  unsupportedResponseType: (t: string) => new StsError(400, 'unsupported_response_type', 700054, `response_type '${t}' is not enabled for the application.`),
  pkceRequired: () =>
    new StsError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'code_challenge'. Proof Key for Code Exchange (S256) is required."),
  pkceMethod: (m: string) =>
    new StsError(400, 'invalid_request', 900144, `The code_challenge_method '${m}' is not supported. The request must use code_challenge_method 'S256'.`),
  pkceChallengeSize: () => new StsError(400, 'invalid_request', 501491, 'Invalid size of Code_Challenge parameter.'),
  responseMode: (m: string) => new StsError(400, 'invalid_request', 90014, `The response_mode '${m}' is not supported; use 'query' or 'form_post'.`),
  loginRequired: () =>
    new StsError(400, 'login_required', 50058, 'A silent sign-in request was sent but no user is signed in. The cookies used to represent the user\'s session were not sent in the request to Azure AD.'),
  badPassword: () => new StsError(400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.'),
  noSuchUser: (upn: string, tenantName: string) =>
    new StsError(400, 'invalid_grant', 50034, `The user account ${upn} does not exist in the ${tenantName} directory. To sign into this application, the account must be added to the directory.`),
  userFromOtherTenant: (upn: string, idp: string, tenantName: string, appId: string, appName: string) =>
    new StsError(
      400,
      'invalid_request',
      50020,
      `User account '${upn}' from identity provider '${idp}' does not exist in tenant '${tenantName}' and cannot access the application '${appId}'(${appName}) in that tenant. The account needs to be added as an external user in the tenant first. Sign out and sign in again with a different Azure Active Directory user account.`,
    ),
  conditionalAccess: () =>
    new StsError(400, 'access_denied', 53003, 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.', { suberror: 'message_only' }),
  mfaRequired: (resource: string) =>
    new StsError(
      400,
      'invalid_grant',
      50076,
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resource}'.`,
      { suberror: 'basic_action' },
    ),
  mfaRegistrationRequired: (resource: string) =>
    new StsError(
      400,
      'invalid_grant',
      50079,
      `Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '${resource}'.`,
      { suberror: 'basic_action' },
    ),
  badMfaCode: () => new StsError(400, 'invalid_grant', 500121, 'Authentication failed during strong authentication request.'),
  consentRequired: (id: string, name: string) => new StsError(400, 'invalid_grant', 65001, consentText(id, name), { suberror: 'consent_required' }),
  resourceNotFound: (resource: string, tenantName: string) =>
    new StsError(
      400,
      'invalid_resource',
      500011,
      `The resource principal named ${resource} was not found in the tenant named ${tenantName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
    ),
  invalidScope: (scope: string) => new StsError(400, 'invalid_scope', 70011, `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`),
  publicClientSecret: () =>
    new StsError(400, 'invalid_request', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."),
  confidentialClient: () =>
    new StsError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  malformedGrant: () => new StsError(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.'),
  grantOtherClient: () => new StsError(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.'),
  codeRedeemed: () =>
    new StsError(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'),
  grantExpired: () =>
    new StsError(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'),
  replyMismatch: (given: string, original: string) =>
    new StsError(400, 'invalid_grant', 500112, `The reply address '${given}' does not match the reply address '${original}' provided when requesting Authorization code.`),
  verifierMismatch: () => new StsError(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'),
  authorizationPending: () => new StsError(400, 'authorization_pending', 70016, 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.'),
  deviceCodeExpired: () => new StsError(400, 'expired_token', 70019, 'Verification code expired.'),
  authorizationDeclined: () => new StsError(400, 'authorization_declined', 70000, 'The end user declined the authorization request.'),
  badUserCode: () =>
    new StsError(400, 'invalid_grant', 70018, 'Invalid verification code due to User typing in wrong user code for device code flow. Authorization is not approved.'),
  /** A user without an admin role on the admin-consent endpoint. */
  adminPermissionRequired: () => new StsError(403, 'access_denied', 90094, 'The grant requires admin permission.'),
  appNotFound: (id: string, tenant: string) =>
    new StsError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${id}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    ),
  sessionExpired: () => new StsError(400, 'invalid_request', 50132, 'The sign-in session has expired. Start the sign-in again from the application.'),
  tenantNotFound: (t: string) =>
    new StsError(
      400,
      'invalid_request',
      90002,
      `Tenant '${t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    ),
  invalidClientId: () =>
    new StsError(400, 'unauthorized_client', 700038, 'The client_id is not a valid application identifier. It must be the Application (client) ID, a GUID.'),
  unsupportedGrant: () => new StsError(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.'),
  notMultiTenant: (id: string) =>
    new StsError(
      400,
      'invalid_request',
      50194,
      `Application '${id}'(demo) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.`,
    ),
  /**
   * Client credentials with a scope that is not one resource's `/.default`. Entra ID answers
   * AADSTS1002012 naming the whole scope value (AADSTS70011 is the delegated flows' error).
   * "Microsoft Entra authentication and authorization error codes":
   * learn.microsoft.com/entra/identity-platform/reference-error-codes
   */
  invalidClientCredentialsScope: (scope: string) =>
    new StsError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    ),
  /** Client authentication with more than one method (RFC 6749 §2.3: the client MUST NOT). */
  multipleClientAuth: () =>
    new StsError(400, 'invalid_request', 900144, 'The request must use only one client authentication method: the Authorization header or the request body.'),
  missingCredential: () =>
    new StsError(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  bothCredentials: () =>
    new StsError(400, 'invalid_request', 900144, "The request body must contain only one of the following parameters: 'client_assertion' or 'client_secret'."),
  wrongSecret: (id: string) =>
    new StsError(
      401,
      'invalid_client',
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${id}'.`,
    ),
  expiredSecret: (id: string) =>
    new StsError(
      401,
      'invalid_client',
      7000222,
      `The provided client secret keys for app '${id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    ),
  assertionType: () =>
    new StsError(400, 'invalid_request', 50027, `Invalid JWT token. The client_assertion_type must be '${JWT_BEARER}'.`),
  assertionMalformed: (why: string) => new StsError(400, 'invalid_request', 50027, `JWT token is invalid or malformed. ${why}`),
  keyNotFound: (id: string, thumbprint: string) =>
    new StsError(
      401,
      'invalid_client',
      700027,
      `Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '${thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '${id}'.]`,
    ),
  badSignature: () => new StsError(401, 'invalid_client', 700027, 'Client assertion failed signature validation.'),
  assertionTime: (why: string) => new StsError(401, 'invalid_client', 700024, `Client assertion is not within its valid time range. ${why}`),
  assertionSubject: () =>
    new StsError(401, 'invalid_client', 700021, "Client assertion application identifier doesn't match 'client_id' parameter."),
  assertionAudience: (aud: string) =>
    new StsError(401, 'invalid_client', 50027, `Invalid JWT token. Token audience '${aud}' is not valid for this token endpoint.`),
  /** Client credentials without admin consent (the delegated flows add suberror consent_required). */
  noConsent: (id: string, name: string) => new StsError(400, 'invalid_grant', 65001, consentText(id, name)),
  notFound: () => new StsError(404, 'invalid_request', 900561, 'The endpoint only accepts POST requests or the path is not known.'),
  bodyType: () => new StsError(400, 'invalid_request', 900144, "The request body must contain the following parameter: 'grant_type'."),
} as const;
