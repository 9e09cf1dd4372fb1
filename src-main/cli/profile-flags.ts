import { accessSync, constants } from 'node:fs';
import { resolve } from 'node:path';
import { OperatorError, invalidInput as invalid } from '../core/services/index';
import { profileSchema, type Profile } from '../shared/profile';

export type ProfileFlags = Record<string, string | boolean | undefined>;

const GROUPS = {
  secret: ['secretEnv', 'secretFile', 'secretExpires'],
  certificate: ['certificate', 'privateKey', 'passphraseEnv'],
  delegated: ['delegated', 'loginHint', 'deviceCodeFlow'],
} as const;

const FLAG_NAMES: Record<string, string> = {
  secretEnv: '--secret-env',
  secretFile: '--secret-file',
  secretExpires: '--secret-expires',
  certificate: '--certificate',
  privateKey: '--private-key',
  passphraseEnv: '--passphrase-env',
  delegated: '--delegated',
  loginHint: '--login-hint',
  deviceCodeFlow: '--device-code-flow',
  loginUrl: '--login-url',
  graphUrl: '--graph-url',
  caBundle: '--ca-bundle',
};

function bad(message: string, hint: string): OperatorError {
  return new OperatorError('bad-input', message, { hint });
}

const str = (v: string | boolean | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * Turn `profile add` flags into a validated profile. Contradictory flags are refused
 * in terms of the flags the operator typed, and named files must exist.
 */
export function profileFromFlags(f: ProfileFlags): Profile {
  const used = (Object.keys(GROUPS) as (keyof typeof GROUPS)[]).filter((g) => GROUPS[g].some((k) => f[k] !== undefined && f[k] !== false));
  if (used.length > 1) {
    const flags = used.flatMap((g) => GROUPS[g].filter((k) => f[k] !== undefined && f[k] !== false).map((k) => FLAG_NAMES[k]));
    throw bad(`These flags belong to different ways of signing in and cannot be combined: ${flags.join(', ')}.`, 'Pick one: a client secret (--secret-env or --secret-file), a certificate (--certificate with --private-key), or --delegated.');
  }
  const kind = used[0] ?? 'secret';
  if (kind === 'secret' && !f['secretEnv'] && !f['secretFile']) {
    throw bad('No credential given.', 'Add --secret-env VAR or --secret-file PATH, or --certificate PEM --private-key PEM, or --delegated. Secrets are never taken from the command line.');
  }
  if (kind === 'secret' && f['secretEnv'] && f['secretFile']) throw bad('Give either --secret-env or --secret-file, not both.', 'Keep the one that holds the secret.');
  if (kind === 'certificate' && (!f['certificate'] || !f['privateKey'])) {
    throw bad('--certificate and --private-key go together.', 'Name the public certificate PEM and its private key PEM, or create one with "cert create --profile <name>" after adding the profile with a secret.');
  }
  const custom = f['cloud'] === 'custom';
  if (!custom && (f['loginUrl'] || f['graphUrl'])) {
    throw bad('--login-url and --graph-url are only used with --cloud custom.', 'Drop them to use the national cloud\'s own hosts, or add --cloud custom.');
  }
  if (custom && (!f['loginUrl'] || !f['graphUrl'])) throw bad('--cloud custom needs both --login-url and --graph-url.', 'Give the https base URLs of the sign-in service and Microsoft Graph.');
  for (const k of ['secretFile', 'certificate', 'privateKey', 'caBundle'] as const) {
    const p = str(f[k]);
    const problem = p ? unreadable(resolve(p)) : undefined;
    if (problem) throw bad(`${FLAG_NAMES[k]} ${p}: ${problem}.`, problem === 'no such file' ? 'Check the path; relative paths are resolved from the current folder.' : 'Make the file readable by this user, or copy it somewhere it is.');
  }
  const path = (k: string) => {
    const v = str(f[k]);
    return v ? resolve(v) : undefined;
  };
  const candidate = {
    name: f['name'],
    tenantId: f['tenant'],
    clientId: f['clientId'],
    cloud: f['cloud'],
    ...(custom ? { customEndpoints: { loginUrl: f['loginUrl'], graphUrl: f['graphUrl'] } } : {}),
    credential:
      kind === 'delegated'
        ? { kind: 'delegated', flow: f['deviceCodeFlow'] ? 'device-code' : 'interactive', ...(f['loginHint'] ? { loginHint: f['loginHint'] } : {}) }
        : kind === 'certificate'
          ? { kind: 'certificate', certificatePath: path('certificate'), privateKeyPath: path('privateKey'), ...(f['passphraseEnv'] ? { passphraseEnv: f['passphraseEnv'] } : {}) }
          : {
              kind: 'secret',
              ...(f['secretEnv'] ? { secretEnv: f['secretEnv'] } : {}),
              ...(f['secretFile'] ? { secretFile: path('secretFile') } : {}),
              ...(f['secretExpires'] ? { expiresOn: f['secretExpires'] } : {}),
            },
    ...(f['caBundle'] ? { caBundlePath: path('caBundle') } : {}),
  };
  const parsed = profileSchema.safeParse(candidate);
  if (!parsed.success) throw invalid('profile', parsed.error);
  return parsed.data;
}

/** Why a file cannot be read, in words, or undefined when it can: "no such file" only when there is none. */
function unreadable(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'no such file';
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied (the file, or a folder on its path, is not readable by this user)';
    if (code === 'ENOTDIR') return 'a part of the path is not a folder';
    return `cannot be read (${code ?? 'error'})`;
  }
}
