import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { redactor, type Redactor } from './redact';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** JSON-lines log file; created with its folder. */
  file?: string;
  /** Also write human lines here (e.g. process.stderr when --verbose). */
  echo?: { write(s: string): unknown };
  redactor?: Redactor;
  clock?: () => Date;
}

/** A small JSON-lines logger; every line passes through the redactor first. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const r = opts.redactor ?? redactor;
  const clock = opts.clock ?? (() => new Date());
  if (opts.file) mkdirSync(dirname(opts.file), { recursive: true });
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const line = r.redact(JSON.stringify({ t: clock().toISOString(), level, msg, ...fields }));
    if (opts.file) appendFileSync(opts.file, line + '\n', { mode: 0o600 });
    if (opts.echo) opts.echo.write(r.redact(`[${level}] ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}`) + '\n');
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

export const nullLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
