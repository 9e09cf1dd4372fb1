import type { CommandDeps } from '../command-deps';
import { demoSetup, type DemoFlags } from '../demo-options';
import { DEMO_PROFILE_NAME, withDemoTenant, type DemoContext } from '../../core/demo/session';
import type { Profile } from '../../core/profile/schema';

/**
 * Run `fn` with the named profile, or, for the reserved profile "demo", with the
 * in-process demo tenant started for the duration of the call.
 */
export async function withProfile<T>(
  deps: CommandDeps,
  name: string,
  flags: DemoFlags,
  fn: (profile: Profile, demo: DemoContext | undefined) => Promise<T>,
): Promise<T> {
  if (name === DEMO_PROFILE_NAME) {
    return withDemoTenant(demoSetup(flags), (demo) => fn(demo.profile, demo));
  }
  return fn(await deps.context().profiles.get(name), undefined);
}
