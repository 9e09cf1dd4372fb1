import type { z } from 'zod';
import { OperatorError } from '../errors/operator-error';

/**
 * Parse one Graph item; on failure throw OperatorError('graph-error') naming the
 * dataset, the item position and the offending field. Field values are not echoed
 * (they may be personal data). `position` may be a function, so the text is only built on failure.
 */
export function parseItem<S extends z.ZodType>(schema: S, value: unknown, what: string, position: string | (() => string)): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const where = typeof position === 'function' ? position() : position;
  const issue = r.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(item)';
  throw new OperatorError('graph-error', `Microsoft Graph returned an invalid ${what} (${where}): field "${field}": ${issue?.message ?? 'invalid'}.`, {
    hint: 'The service answered with data this version does not understand. Try again later; if it persists, report it with the log file.',
    remedy: { action: 'retry-later' },
  });
}
