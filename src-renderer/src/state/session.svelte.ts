import { platform, type Platform } from '../lib/api';

/** What the page knows about the process behind it (browser mode or desktop). */
class SessionState {
  platform = $state<Platform | undefined>(undefined);
  error = $state<string | undefined>(undefined);

  async load(): Promise<void> {
    try {
      this.platform = await platform();
      this.error = undefined;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }
}

export const session = new SessionState();
