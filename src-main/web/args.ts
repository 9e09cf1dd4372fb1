import { resolve } from 'node:path';

/** The options of `npm run web`. */
export interface WebArgs {
  port: number;
  open: boolean;
  dataDir: string | undefined;
}

export function parseWebArgs(argv: readonly string[]): WebArgs {
  const out: WebArgs = { port: 0, open: true, dataDir: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-open') out.open = false;
    else if (a === '--port') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error('--port needs a port number (0-65535).');
      out.port = n;
    } else if (a === '--data-dir') {
      const d = argv[++i];
      if (!d) throw new Error('--data-dir needs a folder.');
      out.dataDir = resolve(d);
    } else throw new Error(`Unknown option ${a}; use --port N, --no-open or --data-dir D.`);
  }
  return out;
}
