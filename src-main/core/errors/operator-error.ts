/**
 * The one error type that crosses module boundaries. Every failure an operator
 * can act on (AADSTS codes, Graph 403s, bad input, network trouble) is turned
 * into an OperatorError that says what happened, what to do, and who can do it.
 */
import type { ErrorCode, Remedy } from '../../shared/errors';

export type OperatorErrorCode = ErrorCode;

export interface OperatorErrorDetails {
  /** What the operator must do next, in one or two sentences. */
  hint: string;
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
  /** What the operator can do, as data: the CLI prints a command, a screen shows a button. */
  remedy?: Remedy;
  cause?: unknown;
}

export class OperatorError extends Error {
  override readonly name = 'OperatorError';
  readonly code: OperatorErrorCode;
  readonly hint: string;
  readonly who: string | undefined;
  readonly aadsts: number | undefined;
  readonly status: number | undefined;
  readonly graphCode: string | undefined;
  readonly permission: string | undefined;
  readonly requestId: string | undefined;
  readonly remedy: Remedy | undefined;

  constructor(code: OperatorErrorCode, message: string, details: OperatorErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.hint = details.hint;
    this.who = details.who;
    this.aadsts = details.aadsts;
    this.status = details.status;
    this.graphCode = details.graphCode;
    this.permission = details.permission;
    this.requestId = details.requestId;
    this.remedy = details.remedy;
  }

  /** Plain data for IPC and JSON logs; never includes the cause chain. */
  toJSON(): { code: OperatorErrorCode; message: string; hint: string; who?: string } {
    return { code: this.code, message: this.message, hint: this.hint, ...(this.who ? { who: this.who } : {}) };
  }
}

export function isOperatorError(e: unknown): e is OperatorError {
  return e instanceof OperatorError;
}
