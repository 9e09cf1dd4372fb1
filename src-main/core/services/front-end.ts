/**
 * What a front end may use of the core besides the contract: the error type (to raise
 * its own input errors the same way), redaction of what it prints, and the few constants
 * its help texts name. Front ends import the core only through the services' index.
 */
export { OperatorError, isOperatorError } from '../errors/operator-error';
export { invalid as invalidInput } from '../profile/store';
export { SECRETS_HELP, SECRETS_PASSPHRASE_ENV } from '../secrets/cli-store';
export { DEFAULT_SIGN_IN_TIMEOUT_MS } from '../auth/delegated-token';
export { DEFAULT_CERT_DAYS } from '../certs/generate';
export { nodeServicesDeps, type NodeHostOptions } from './node-host';
import { redactor } from '../log/redact';

/** Removes every secret this process knows of from a text before it is shown. */
export function redact(text: string): string {
  return redactor.redact(text);
}
