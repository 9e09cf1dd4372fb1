/**
 * The typed surface the preload exposes to the renderer. The desktop-app issue
 * grows this into the full IPC contract; today it only reports the app version.
 */
export interface RendererApi {
  readonly appVersion: string;
}
