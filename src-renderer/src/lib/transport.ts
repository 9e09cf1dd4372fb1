import type { EventName, OpName } from '../../../src-main/shared/contract';
import type { Result } from '../../../src-main/shared/errors';

/** What the page knows about the process behind it. */
export interface Platform {
  kind: 'desktop' | 'browser';
  /** False in browser mode: secrets live in the server process's memory only. */
  secretsPersistent: boolean;
  secretStore: string;
  /** Where exports.write puts files (browser mode serves them back as downloads). */
  exportsDir?: string;
}

/**
 * The one seam between the renderer and the process holding the services. Two
 * implementations: the Electron preload (IPC) and browser mode (HTTP + Server-Sent Events).
 * Only lib/api.ts uses it.
 */
export interface Transport {
  call(op: OpName, args: unknown): Promise<Result<unknown>>;
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
  platform(): Promise<Platform>;
  /** The bytes of a file an export wrote (browser mode), for a download. */
  readExport(path: string): Promise<Blob>;
  /** The desktop app's native folder picker: the chosen folder, or null when cancelled. Absent in browser mode. */
  chooseFolder?: () => Promise<Result<{ path: string } | null>>;
}
