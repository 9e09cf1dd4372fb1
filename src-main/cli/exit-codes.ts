import type { ErrorCode as OperatorErrorCode } from '../shared/errors';

/** Exit codes the CLI documents in its help and the README. */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  auth: 3,
  permission: 4,
  network: 5,
  throttled: 6,
  store: 7,
  timeout: 8,
  cancelled: 130,
} as const;

export function exitCodeFor(code: OperatorErrorCode): number {
  switch (code) {
    case 'bad-input':
    case 'profile-not-found':
    case 'secret-missing':
      return EXIT.usage;
    case 'auth-failed':
      return EXIT.auth;
    case 'consent-missing':
    case 'permission-denied':
    case 'license-required':
      return EXIT.permission;
    case 'network':
    case 'tls':
    case 'host-refused':
      return EXIT.network;
    case 'throttled':
      return EXIT.throttled;
    case 'store':
    case 'busy':
      return EXIT.store;
    case 'cancelled':
      return EXIT.cancelled;
    case 'timeout':
      return EXIT.timeout;
    case 'graph-error':
    case 'internal':
      return EXIT.internal;
  }
}

export const EXIT_HELP = `Exit codes:
  0    success
  1    unexpected error
  2    bad input: options, profile, secret source
  3    sign-in failed (AADSTS error)
  4    missing consent, permission or licence
  5    network, TLS or refused host
  6    throttled after retries
  7    local database problem
  8    timed out: the sign-in was not completed in time
  130  cancelled (Ctrl+C)`;
