import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../src-main/shared/errors';
import { EXIT, EXIT_HELP, exitCodeFor } from '../../../src-main/cli/exit-codes';

describe('exit codes', () => {
  it('a timeout has its own exit code, documented, and 130 stays for a cancel', () => {
    expect(exitCodeFor('timeout')).toBe(EXIT.timeout);
    expect(exitCodeFor('timeout')).not.toBe(EXIT.cancelled);
    expect(exitCodeFor('cancelled')).toBe(130);
    expect(EXIT_HELP).toMatch(new RegExp(`\\n  ${EXIT.timeout} +timed out`));
  });

  it('every error code maps to a documented exit code', () => {
    for (const code of ERROR_CODES) expect(EXIT_HELP).toMatch(new RegExp(`\\n  ${exitCodeFor(code)} `));
  });
});
