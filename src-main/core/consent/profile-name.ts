import { DEMO_PROFILE_NAME } from '../demo/session';

/** Stands in for a profile name the operator picks (the demo profile's name is reserved). */
export const PROFILE_NAME_PLACEHOLDER = '<profile name>';

/**
 * The name to suggest in a `profile add --name` command: the profile's own, except for the
 * built-in demo profile, whose reserved name `profile add` refuses.
 */
export function profileNameToAdd(name: string): string {
  return name === DEMO_PROFILE_NAME ? PROFILE_NAME_PLACEHOLDER : name;
}
