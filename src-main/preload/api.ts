import type { RemoteApi, SubscribeFn } from '../shared/contract';
import type { Result } from '../shared/errors';

/**
 * The typed surface the preload exposes to the renderer as `window.reconciler`: one
 * method per contract operation (named as in the contract table, e.g.
 * `reconciler['sync.start']({profile})`), each resolving to `{ok, value}` or
 * `{ok: false, error}`, plus `subscribe(event, listener)`, which returns the function
 * that removes exactly that listener. Derived from the contract; nothing is restated.
 */
export type ReconcilerApi = RemoteApi & { readonly subscribe: SubscribeFn; readonly desktop?: DesktopApi };

/**
 * What only the desktop app offers, beside the contract; absent in browser mode.
 * `chooseFolder` opens the native folder picker and resolves to the chosen folder, or
 * null when the operator cancels.
 */
export interface DesktopApi {
  chooseFolder(purpose: 'exports'): Promise<Result<{ path: string } | null>>;
}

/** Kept for existing imports. */
export type RendererApi = ReconcilerApi;

/** The global the preload defines in the renderer. */
export const API_GLOBAL = 'reconciler';
