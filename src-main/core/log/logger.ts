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
  /**
   * Where warnings and errors go when the log file cannot be written (default process.stderr).
   * Logging never stops the product: the first failure prints one notice here.
   */
  fallback?: { write(s: string): unknown };
}

function errnoOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : e instanceof Error ? e.message : String(e);
}

/** The notice printed once when the log file cannot be written. */
export function logFallbackNotice(file: string, e: unknown): string {
  const code = errnoOf(e);
  const why =
    code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' ? 'permission denied (was it created by another user, or with sudo?)' : code === 'EROFS' ? 'the file system is read-only' : code;
  return (
    `notice: the log file ${file} cannot be written (${why}); warnings and errors go to stderr for this run. ` +
    'Check the log folder\'s owner, permissions and free disk space.\n'
  );
}

/** A small JSON-lines logger; every line passes through the redactor first. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const r = opts.redactor ?? redactor;
  const clock = opts.clock ?? (() => new Date());
  const fallback = opts.fallback ?? process.stderr;
  let file = opts.file;
  const fileFailed = (e: unknown): void => {
    if (!file) return;
    try {
      fallback.write(logFallbackNotice(file, e));
    } catch {
      // Nowhere left to say it; the product carries on.
    }
    file = undefined;
  };
  if (file) {
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (e) {
      fileFailed(e);
    }
  }
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (ORDER[level] < min) return;
    const human = (): string => r.redact(`[${level}] ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}`) + '\n';
    if (file) {
      try {
        appendFileSync(file, r.redact(JSON.stringify({ t: clock().toISOString(), level, msg, ...fields })) + '\n', { mode: 0o600 });
      } catch (e) {
        fileFailed(e);
      }
    }
    if (opts.echo) opts.echo.write(human());
    else if (opts.file && !file && ORDER[level] >= ORDER.warn) {
      try {
        fallback.write(human());
      } catch {
        // as above
      }
    }
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
  };
}

export const nullLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
