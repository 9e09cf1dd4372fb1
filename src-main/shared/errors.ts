import { z } from 'zod';

/**
 * Errors as data: what crosses a process boundary (IPC, HTTP, the CLI's renderer) is an
 * ErrorDto, never a thrown Error. The message says what happened, the hint what to do in
 * words any front end can show, and the remedy the same as structured data, so the CLI
 * prints a command and a screen shows a button. Core text never names a CLI command or flag.
 */
export const ERROR_CODES = [
  'bad-input',
  'profile-not-found',
  'secret-missing',
  'auth-failed',
  'consent-missing',
  'permission-denied',
  'license-required',
  'throttled',
  'network',
  'tls',
  'host-refused',
  'graph-error',
  'cancelled',
  /** A wait ran out (a sign-in not completed in time); distinct from a cancel. */
  'timeout',
  'busy',
  'store',
  'internal',
] as const;
export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/**
 * What the operator can do about an error. Each action names one thing a front end can
 * offer (a command, a button, a link); the optional fields say for which profile,
 * permission or role.
 */
export const REMEDY_ACTIONS = [
  /** Sign in again interactively (delegated profiles). */
  'sign-in',
  /** An administrator grants admin consent (the admin-consent URL). */
  'grant-consent',
  /** Add a permission to the app registration, then grant consent. */
  'add-permission',
  /** Assign a directory role to the signed-in user. */
  'assign-role',
  /** Upload the profile's public certificate to the app registration. */
  'upload-certificate',
  /** Create a certificate for a profile that has none (or none usable). */
  'create-certificate',
  /** Replace the profile's certificate with a new one (the current one is kept for a rollback). */
  'renew-certificate',
  /** Import an existing certificate with its private key (PFX, or PEM certificate and key). */
  'import-certificate',
  /** Go back to the certificate the last replacement replaced. */
  'rollback-certificate',
  /** Set or replace the profile's client secret. */
  'set-secret',
  /** Correct the profile (tenant, client id, cloud, credential source). */
  'edit-profile',
  /** Create a profile. */
  'add-profile',
  /** Run a sync of the profile first. */
  'run-sync',
  /** Pick an existing snapshot. */
  'list-snapshots',
  /** Check the network path, proxy or CA bundle. */
  'check-network',
  /** Wait and try again. */
  'retry-later',
  /** Check free disk space and the data folder. */
  'check-storage',
  /** Check the permission self-check of the profile. */
  'verify',
  /** Fix the value that was given (bad input). */
  'fix-input',
  /** Nothing the operator can do: report the log. */
  'report-bug',
] as const;
export const remedyActionSchema = z.enum(REMEDY_ACTIONS);
export type RemedyAction = z.infer<typeof remedyActionSchema>;

export const remedySchema = z.object({
  action: remedyActionSchema,
  profile: z.string().optional(),
  permission: z.string().optional(),
  role: z.string().optional(),
  /** A URL to open (admin-consent link, documentation), when the action has one. */
  url: z.string().optional(),
});
export type Remedy = z.infer<typeof remedySchema>;

export const errorDtoSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  hint: z.string(),
  remedy: remedySchema.optional(),
  /** Who can perform the fix, when it is not the operator. */
  who: z.string().optional(),
  aadsts: z.number().int().optional(),
  status: z.number().int().optional(),
  requestId: z.string().optional(),
});
export type ErrorDto = z.infer<typeof errorDtoSchema>;

/** The result of every contract operation as it crosses a process boundary. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorDto };
