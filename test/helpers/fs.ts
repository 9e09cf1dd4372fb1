import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDir(prefix = 'm365lr-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Every file below `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Files below `dir` whose bytes contain `needle` (checked as UTF-8 and UTF-16LE). */
export function filesContaining(dir: string, needle: string): string[] {
  const a = Buffer.from(needle, 'utf8');
  const b = Buffer.from(needle, 'utf16le');
  return filesUnder(dir).filter((f) => {
    const buf = readFileSync(f);
    return buf.includes(a) || buf.includes(b);
  });
}

/** Permission bits of a file or folder. */
export const modeOf = (p: string): number => statSync(p).mode & 0o777;

/**
 * Sets the process umask for the current test; returns the function that restores the one the
 * test started with (call it from afterEach).
 */
export function umaskScope(): { set(mask: number): void; restore(): void } {
  let saved: number | undefined;
  return {
    set(mask) {
      saved ??= process.umask(mask);
      process.umask(mask);
    },
    restore() {
      if (saved !== undefined) process.umask(saved);
      saved = undefined;
    },
  };
}
