import type { Remedy, RemedyAction } from '../shared/errors';

/** The CLI's name, as the operator types it. */
export const CLI_NAME = 'm365-reconciler';

/** A profile name as it may appear on a command line; anything else is shown as the placeholder. */
const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function profileArg(r: Remedy): string {
  return r.profile !== undefined && PROFILE_NAME.test(r.profile) ? r.profile : '<name>';
}

/**
 * How the CLI offers each remedy: the command line that performs (or, for actions done in
 * the Entra admin center, shows how to perform) it; `undefined` when no command helps and
 * the hint alone says what to do. The table is total over the actions, so a new action
 * does not compile until the CLI knows how to offer it.
 */
const COMMANDS: { readonly [A in RemedyAction]: (r: Remedy) => string | undefined } = {
  'sign-in': (r) => `login --profile ${profileArg(r)}`,
  'grant-consent': (r) => `consent url --profile ${profileArg(r)}`,
  // Permissions and roles are changed in the tenant; verify names every missing one and who can grant it.
  'add-permission': (r) => `verify --profile ${profileArg(r)}`,
  'assign-role': (r) => (r.profile === undefined ? undefined : `verify --profile ${profileArg(r)}`),
  'upload-certificate': (r) => `cert show --profile ${profileArg(r)}`,
  'create-certificate': (r) => `cert create --profile ${profileArg(r)}`,
  'renew-certificate': (r) => `cert create --profile ${profileArg(r)} --replace`,
  'import-certificate': (r) => `cert import --profile ${profileArg(r)}`,
  'rollback-certificate': (r) => `cert rollback --profile ${profileArg(r)}`,
  'set-secret': (r) => `profile add --name ${profileArg(r)} --tenant <tenant> --client-id <client id> --secret-env <variable>`,
  'edit-profile': (r) => `profile show ${profileArg(r)}`,
  'add-profile': (r) => `profile add --name ${profileArg(r)} --tenant <tenant> --client-id <client id> ...`,
  'run-sync': (r) => `sync --profile ${profileArg(r)}`,
  'list-snapshots': (r) => `snapshots --profile ${profileArg(r)}`,
  verify: (r) => `verify --profile ${profileArg(r)}`,
  'check-network': () => undefined,
  'retry-later': () => undefined,
  'check-storage': () => undefined,
  'fix-input': () => undefined,
  'report-bug': () => undefined,
};

/** The command line that offers a remedy (`m365-reconciler login --profile contoso`), if one does. */
export function remedyCommand(r: Remedy): string | undefined {
  const args = COMMANDS[r.action](r);
  return args === undefined ? undefined : `${CLI_NAME} ${args}`;
}

/**
 * The remedy as the lines the CLI prints under "what to do": the command to run, the link
 * to open, or, for a bug, how to collect the log.
 */
export function remedyLines(r: Remedy | undefined): string[] {
  if (!r) return [];
  const lines: string[] = [];
  const command = remedyCommand(r);
  if (command) lines.push(`run: ${command}`);
  if (r.url) lines.push(`open: ${r.url}`);
  if (r.action === 'report-bug') lines.push('report: run the command again with --verbose and send the log file');
  return lines;
}
