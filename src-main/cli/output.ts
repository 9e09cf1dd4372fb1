import type { SyncProgress } from '../shared/sync';
import { isOperatorError, redact } from '../core/services/index';
import { remedyLines } from './remedy';

export interface Out {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/**
 * Progress for long steps: one rewritten line per dataset on a TTY, a line per
 * finished dataset otherwise (logs and CI stay readable).
 */
export function progressPrinter(stream: Out): { onProgress: (p: SyncProgress) => void; done: () => void } {
  const tty = Boolean(stream.isTTY);
  const live = new Map<string, string>();
  let lastLine = '';
  const render = () => {
    const line = [...live.entries()].map(([d, s]) => `${d} ${s}`).join(' | ');
    if (line === lastLine) return;
    lastLine = line;
    stream.write(`\r\x1b[K${line.slice(0, (stream.columns ?? 120) - 1)}`);
  };
  const clear = () => {
    if (tty && lastLine) stream.write('\r\x1b[K');
    lastLine = '';
  };
  return {
    onProgress(p) {
      const count = p.expected ? `${p.items}/${p.expected}` : `${p.items}`;
      switch (p.type) {
        case 'dataset-start':
        case 'dataset-progress':
          live.set(p.dataset, count);
          if (tty) render();
          break;
        case 'dataset-done':
          live.delete(p.dataset);
          clear();
          stream.write(`  ✓ ${p.dataset}: ${p.items} ${p.items === 1 ? 'item' : 'items'}\n`);
          if (tty) render();
          break;
        case 'dataset-skipped':
          live.delete(p.dataset);
          clear();
          stream.write(`  - ${p.dataset}: skipped (${p.reason ?? 'no reason given'})\n`);
          if (tty) render();
          break;
        case 'dataset-failed':
          live.delete(p.dataset);
          clear();
          stream.write(`  ✗ ${p.dataset}: failed, the snapshot is saved without it (${p.reason ?? 'no reason given'})\n`);
          if (tty) render();
          break;
      }
    },
    done: clear,
  };
}

export function formatTable(headers: string[], rows: (string | number)[][], rightAlign: Set<number> = new Set()): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const fmt = (r: string[]) =>
    r.map((c, i) => (rightAlign.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  return [fmt(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(fmt)].join('\n') + '\n';
}

/** Print an error the operator can act on: what happened, what to do (and the command for it), who can do it. */
export function formatError(e: unknown): string {
  if (isOperatorError(e)) {
    const lines = [`error: ${e.message}`, `  what to do: ${e.hint}`, ...remedyLines(e.remedy).map((l) => `  ${l}`)];
    if (e.who) lines.push(`  who can do it: ${e.who}`);
    if (e.requestId) lines.push(`  request id: ${e.requestId}`);
    return redact(lines.join('\n')) + '\n';
  }
  const msg = e instanceof Error ? e.message : String(e);
  return redact(`error: unexpected failure: ${msg}\n  what to do: run again with --verbose and report the log file if it persists.`) + '\n';
}
