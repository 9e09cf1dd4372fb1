import type { ErrorCode, ErrorDto, Remedy, RemedyAction } from '../../shared/errors';

/**
 * The one error type that crosses module boundaries. Every failure an operator
 * can act on (AADSTS codes, Graph 403s, bad input, network trouble) is turned
 * into an OperatorError that says what happened, what to do, and who can do it.
 */
/** The codes are the shared contract's: they cross process boundaries in an ErrorDto. */
export type OperatorErrorCode = ErrorCode;

export interface OperatorErrorDetails {
  /** What the operator must do next, in one or two sentences, for any front end (no CLI command or flag). */
  hint: string;
  /** The same as structured data: the CLI prints it as a command, a screen as a button. */
  remedy?: Remedy;
  /** Which role or person can perform the fix, when it is not the operator. */
  who?: string;
  /** Numeric AADSTS code, when the error came from Entra ID. */
  aadsts?: number;
  /** HTTP status, when the error came from an HTTP response. */
  status?: number;
  /** Graph error code (e.g. Authorization_RequestDenied), when present. */
  graphCode?: string;
  /** Permission that would make the failing call succeed, when known. */
  permission?: string;
  /** Correlation / request id from the service, for support tickets. */
  requestId?: string;
  cause?: unknown;
}

export class OperatorError extends Error {
  override readonly name = 'OperatorError';
  readonly code: OperatorErrorCode;
  readonly hint: string;
  readonly remedy: Remedy | undefined;
  readonly who: string | undefined;
  readonly aadsts: number | undefined;
  readonly status: number | undefined;
  readonly graphCode: string | undefined;
  readonly permission: string | undefined;
  readonly requestId: string | undefined;

  constructor(code: OperatorErrorCode, message: string, details: OperatorErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.hint = details.hint;
    this.remedy = details.remedy;
    this.who = details.who;
    this.aadsts = details.aadsts;
    this.status = details.status;
    this.graphCode = details.graphCode;
    this.permission = details.permission;
    this.requestId = details.requestId;
  }

  /** Plain data for IPC and JSON logs; never includes the cause chain. */
  toJSON(): { code: OperatorErrorCode; message: string; hint: string; who?: string; remedy?: Remedy } {
    return { code: this.code, message: this.message, hint: this.hint, ...(this.who ? { who: this.who } : {}), ...(this.remedy ? { remedy: { ...this.remedy } } : {}) };
  }

  /** The error as it crosses a process boundary (IPC, HTTP): no cause chain, no stack. */
  toDto(): ErrorDto {
    const dto: ErrorDto = { code: this.code, message: this.message, hint: this.hint };
    if (this.remedy) dto.remedy = { ...this.remedy };
    if (this.who) dto.who = this.who;
    if (this.aadsts !== undefined) dto.aadsts = this.aadsts;
    if (this.status !== undefined) dto.status = this.status;
    if (this.requestId) dto.requestId = this.requestId;
    return dto;
  }
}

const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * A remedy for a profile. A name that is not a valid profile name is never carried (it
 * would end up on a command line or a button).
 */
export function remedyFor(action: RemedyAction, profile?: string, extra: Omit<Remedy, 'action' | 'profile'> = {}): Remedy {
  return { action, ...(profile !== undefined && PROFILE_NAME.test(profile) ? { profile } : {}), ...extra };
}

export function isOperatorError(e: unknown): e is OperatorError {
  return e instanceof OperatorError;
}
