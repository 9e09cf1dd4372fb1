import { expect } from 'vitest';
import { OperatorError } from '../../src-main/core/errors/operator-error';

/** The OperatorError `p` rejects with; fails the test when `p` resolves or rejects with anything else. */
export async function failure(p: Promise<unknown>): Promise<OperatorError> {
  const outcome = await p.then(
    () => ({ settled: 'resolved' as const }),
    (error: unknown) => ({ settled: 'rejected' as const, error }),
  );
  if (outcome.settled === 'resolved') throw new Error('expected an OperatorError, but the promise resolved');
  expect(outcome.error).toBeInstanceOf(OperatorError);
  return outcome.error as OperatorError;
}

/** The OperatorError `f` throws; fails the test when it returns or throws anything else. */
export function failureSync(f: () => unknown): OperatorError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(OperatorError);
    return e as OperatorError;
  }
  throw new Error('expected an OperatorError');
}
