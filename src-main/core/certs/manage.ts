/**
 * Certificate credentials of a profile: create, import, show, export the key, roll back.
 * The public certificate is written as files (for upload to the app registration);
 * the private key goes into the secret store and nowhere else, unless the operator
 * explicitly asks for a key file.
 *
 * Renewal without downtime: `--replace` makes the new certificate active at once but
 * keeps the one it replaced (its key under SECRET_KEYS.previousCertificateKey, its
 * PEM as the credential's previousCertificatePath). Until the new certificate is
 * uploaded, `cert rollback` restores the previous one (and keeps the new one as the
 * previous, so a rollback can itself be undone). Only one previous certificate is
 * kept; replacing again while one is kept needs `--discard-previous`, so a second
 * replacement before the upload cannot silently drop the last working key.
 */
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { assertKeyMatches, parseCertificate, parsePrivateKey } from '../auth/credentials';
import { OperatorError, remedyFor } from '../errors/operator-error';
import { writeFileAtomic } from '../fs/atomic-write';
import { redactor } from '../log/redact';
import type { Profile } from '../profile/schema';
import type { ProfileStore } from '../profile/store';
import { SECRET_KEYS, type SecretStore } from '../secrets/secret-store';
import { SECRETS_PASSPHRASE_ENV } from '../secrets/cli-store';
import { CERT_KEY_TYPES, generateCertificate, type CertKeyType } from './generate';
import { importPem, importPfx, type ImportedCertificate } from './import';
import { certificateInfo, type CertificateInfo } from './info';
import { credentialExpiry, type CredentialExpiry } from './expiry';

export interface CertDeps {
  profiles: Pick<ProfileStore, 'upsert'>;
  secrets: SecretStore;
  /** The data folder; certificates go to `<dataDir>/certificates/<profile>` unless an output folder is given. */
  dataDir: string;
  env: NodeJS.ProcessEnv;
  now?: () => Date;
}

export interface WrittenCertificate {
  info: CertificateInfo;
  /** The `.pem` the profile now names. */
  pemPath: string;
  /** DER `.cer` for the Entra admin center's upload dialog. */
  cerPath: string;
  /** Where the key lives now. */
  keyLocation: string;
  /** A key file written on request (--export-key). */
  exportedKeyPath?: string;
  /** True when a key already in the store for this profile was replaced. */
  replacedKey: boolean;
  /** The replaced certificate, kept (with its key in the store) for `cert rollback`. */
  previousCertificatePath?: string;
  profile: Profile;
}

export function certificateCommonName(profile: Pick<Profile, 'name'>): string {
  return `M365 Licence Reconciler (${profile.name})`;
}

export function defaultCertificateDir(dataDir: string, profileName: string): string {
  return join(dataDir, 'certificates', profileName);
}

export interface CreateOptions {
  keyType?: CertKeyType;
  days?: number;
  outDir?: string;
  /** Also write the private key (PKCS#8 PEM, mode 0600) here. */
  exportKeyPath?: string;
  /** Allow replacing a key already in the store for this profile (the replaced one is kept for rollback). */
  replace?: boolean;
  /** Allow dropping the certificate kept from an earlier replacement. */
  discardPrevious?: boolean;
  /**
   * Keep the key in a secret store that forgets it when the process ends (browser mode, which
   * tells the operator so); otherwise such a store is refused unless the key is also written out.
   */
  keyMayBeLostAtExit?: boolean;
}

/** Generates a certificate for app sign-in and switches the profile to it. */
export async function createProfileCertificate(profile: Profile, opts: CreateOptions, deps: CertDeps): Promise<WrittenCertificate> {
  assertAppAuthKeyType(opts.keyType ?? 'rsa2048');
  await preflight(profile, opts, deps);
  const generated = await generateCertificate({
    commonName: certificateCommonName(profile),
    keyType: opts.keyType ?? 'rsa2048',
    ...(opts.days !== undefined ? { days: opts.days } : {}),
    ...(deps.now ? { now: deps.now() } : {}),
  });
  return install(profile, { certificatePem: generated.certificatePem, privateKeyPem: generated.privateKeyPem, info: generated.info }, opts, deps);
}

/**
 * Key types `cert create` offers: RSA only. P-256 stays in CERT_KEY_TYPES for library
 * callers, but MSAL Node signs the client assertion with PS256/RS256 (RSA).
 */
export const APP_CERT_KEY_TYPES = CERT_KEY_TYPES.filter((k): k is Exclude<CertKeyType, 'p256'> => k !== 'p256');

/**
 * P-256 can be generated (generateCertificate) but never becomes an app credential:
 * MSAL Node signs the client assertion with PS256/RS256, which need an RSA key.
 */
export function assertAppAuthKeyType(keyType: CertKeyType): void {
  if (keyType !== 'p256') return;
  throw new OperatorError('bad-input', 'A P-256 (ECDSA) certificate cannot sign in an app.', {
    hint: 'MSAL Node signs the client assertion with PS256/RS256, which need an RSA key (the algorithms Microsoft Entra ID documents for certificate credentials). Use an RSA key: rsa2048 (the default), rsa3072 or rsa4096.',
  });
}

/** Writes the public certificate as `<dir>/<profile>-<sha1 prefix>.pem` and `.cer` (DER). */
export async function writePublicFiles(dir: string, profileName: string, certificatePem: string): Promise<{ pemPath: string; cerPath: string }> {
  const x = new X509Certificate(certificatePem);
  await mkdir(dir, { recursive: true });
  const base = join(dir, `${profileName}-${x.fingerprint.replace(/:/g, '').slice(0, 8).toLowerCase()}`);
  const pemPath = `${base}.pem`;
  const cerPath = `${base}.cer`;
  await writeFileAtomic(pemPath, x.toString(), { mode: 0o644 });
  await writeFileAtomic(cerPath, x.raw, { mode: 0o644 });
  return { pemPath, cerPath };
}

export type ImportSource =
  | { kind: 'pem'; certificatePath: string; keyPath: string; keyPassphraseEnv?: string }
  | { kind: 'pfx'; pfxPath: string; passwordEnv: string };

/** Imports an existing certificate and key, and switches the profile to it. */
export async function importProfileCertificate(
  profile: Profile,
  source: ImportSource,
  opts: Pick<CreateOptions, 'outDir' | 'replace' | 'discardPrevious' | 'keyMayBeLostAtExit'>,
  deps: CertDeps,
): Promise<WrittenCertificate> {
  await preflight(profile, opts, deps);
  let imported: ImportedCertificate;
  if (source.kind === 'pem') {
    const passphrase = source.keyPassphraseEnv ? envValue(deps.env, source.keyPassphraseEnv, 'key passphrase') : undefined;
    imported = importPem({
      certificatePem: await readText(source.certificatePath, 'certificate file'),
      keyPem: await readText(source.keyPath, 'private key file'),
      ...(passphrase !== undefined ? { passphrase } : {}),
      ...(source.keyPassphraseEnv ? { passphraseSource: source.keyPassphraseEnv } : {}),
      certificateLabel: `the certificate file ${source.certificatePath}`,
      keyLabel: `the private key file ${source.keyPath}`,
    });
  } else {
    const password = envValue(deps.env, source.passwordEnv, 'PFX password');
    let pfx: Buffer;
    try {
      pfx = await readFile(source.pfxPath);
    } catch (cause) {
      throw unreadable(source.pfxPath, 'PFX file', cause);
    }
    imported = importPfx({ pfx, password, passwordSource: source.passwordEnv, label: `the PFX file ${source.pfxPath}` });
  }
  return install(profile, imported, opts, deps);
}

async function preflight(profile: Profile, opts: Pick<CreateOptions, 'exportKeyPath' | 'replace' | 'discardPrevious' | 'keyMayBeLostAtExit'>, deps: CertDeps): Promise<void> {
  if (!deps.secrets.persistent && !opts.exportKeyPath && !opts.keyMayBeLostAtExit) {
    throw new OperatorError('bad-input', `The secret store is ${deps.secrets.description}: the private key would be lost when this command exits.`, {
      hint: `Set ${SECRETS_PASSPHRASE_ENV} (a passphrase of 12+ characters) to keep the key in the encrypted secret store, or have the key written to a file you protect yourself.`,
    });
  }
  const existing = await deps.secrets.get(SECRET_KEYS.certificateKey(profile.name));
  if (existing && !opts.replace) {
    throw new OperatorError('bad-input', `Profile "${profile.name}" already has a certificate key in ${deps.secrets.description}.`, {
      hint: 'Replace the certificate to switch to a new one: the current one is kept, and rolling back restores it until the new one is uploaded to the app registration.',
      remedy: remedyFor('renew-certificate', profile.name),
    });
  }
  const previous = await keptPrevious(profile, deps.secrets);
  if (existing && previous && !opts.discardPrevious) {
    throw new OperatorError('bad-input', `Profile "${profile.name}" still keeps the certificate it used before its last replacement (${previous}); replacing again would delete it.`, {
      hint: 'If the current certificate is uploaded and sync works with it, replace it again and discard the kept previous one. Otherwise roll back to the previous one first.',
      remedy: remedyFor('rollback-certificate', profile.name),
    });
  }
}

/** The previous certificate's path when both it and its key are kept, else undefined. */
async function keptPrevious(profile: Profile, secrets: SecretStore): Promise<string | undefined> {
  const c = profile.credential;
  if (c.kind !== 'certificate' || !c.privateKeyInStore || !c.previousCertificatePath) return undefined;
  return (await secrets.get(SECRET_KEYS.previousCertificateKey(profile.name))) ? c.previousCertificatePath : undefined;
}

async function install(profile: Profile, cert: ImportedCertificate, opts: CreateOptions, deps: CertDeps): Promise<WrittenCertificate> {
  redactor.add(cert.privateKeyPem);
  const { pemPath, cerPath } = await writePublicFiles(resolve(opts.outDir ?? defaultCertificateDir(deps.dataDir, profile.name)), profile.name, cert.certificatePem);

  let exportedKeyPath: string | undefined;
  if (opts.exportKeyPath) exportedKeyPath = await writeKeyFile(opts.exportKeyPath, cert.privateKeyPem);

  const storeKey = SECRET_KEYS.certificateKey(profile.name);
  const current = await deps.secrets.get(storeKey);
  const replacedKey = current !== undefined;
  let credential: Profile['credential'];
  let keyLocation: string;
  let previousCertificatePath: string | undefined;
  // The key goes into the store when it keeps it (or, for this session only, when the operator was told so).
  if (deps.secrets.persistent || (opts.keyMayBeLostAtExit && !exportedKeyPath)) {
    const c = profile.credential;
    if (current && c.kind === 'certificate' && c.privateKeyInStore && resolve(c.certificatePath) !== pemPath) {
      // Keep what works now before anything is replaced: first its key, then the profile names its certificate.
      await deps.secrets.set(SECRET_KEYS.previousCertificateKey(profile.name), current);
      previousCertificatePath = c.certificatePath;
      await deps.profiles.upsert({ ...profile, credential: { ...c, previousCertificatePath } });
    } else if (opts.discardPrevious) {
      await deps.secrets.delete(SECRET_KEYS.previousCertificateKey(profile.name));
    }
    await deps.secrets.set(storeKey, Buffer.from(cert.privateKeyPem, 'utf8'));
    credential = { kind: 'certificate', certificatePath: pemPath, privateKeyInStore: true, ...(previousCertificatePath ? { previousCertificatePath } : {}) };
    keyLocation = deps.secrets.description;
  } else {
    // Memory store and an explicit key file: the profile names that file.
    credential = { kind: 'certificate', certificatePath: pemPath, privateKeyPath: exportedKeyPath! };
    keyLocation = `the key file ${exportedKeyPath!}`;
  }
  const updated: Profile = { ...profile, credential };
  await deps.profiles.upsert(updated);
  return {
    info: cert.info,
    pemPath,
    cerPath,
    keyLocation,
    ...(exportedKeyPath ? { exportedKeyPath } : {}),
    replacedKey,
    ...(previousCertificatePath ? { previousCertificatePath } : {}),
    profile: updated,
  };
}

export interface RolledBack {
  /** The certificate the profile uses again. */
  info: CertificateInfo;
  certificatePath: string;
  /** The certificate it replaced, now kept as the previous one (a second rollback returns to it). */
  previousCertificatePath: string | undefined;
  profile: Profile;
}

/**
 * `cert rollback`: the profile uses the certificate its last `--replace` replaced. The kept
 * pair is checked (key matches certificate) before anything changes; the certificate being
 * rolled back from becomes the previous one, so the rollback can be undone the same way.
 */
export async function rollbackProfileCertificate(profile: Profile, deps: Pick<CertDeps, 'profiles' | 'secrets'>): Promise<RolledBack> {
  const c = profile.credential;
  if (c.kind !== 'certificate' || !c.privateKeyInStore || !c.previousCertificatePath) {
    throw new OperatorError('bad-input', `Profile "${profile.name}" keeps no previous certificate to roll back to.`, {
      hint: 'A previous certificate is kept only when a created or imported certificate replaced a key held in the secret store.',
    });
  }
  const previousKey = await deps.secrets.get(SECRET_KEYS.previousCertificateKey(profile.name));
  if (!previousKey) {
    throw new OperatorError('secret-missing', `The previous private key of profile "${profile.name}" is not in this secret store (${deps.secrets.description}).`, {
      hint: `Set ${SECRETS_PASSPHRASE_ENV} to the passphrase of the store that holds it (same data folder).`,
    });
  }
  const pem = await readText(c.previousCertificatePath, 'previous certificate file');
  const keyPem = previousKey.toString('utf8');
  redactor.add(keyPem);
  assertKeyMatches(
    parseCertificate(pem, `the previous certificate file ${c.previousCertificatePath}`),
    parsePrivateKey(keyPem, `the previous private key in ${deps.secrets.description}`, undefined, undefined),
    `the previous certificate file ${c.previousCertificatePath}`,
    `the previous private key in ${deps.secrets.description}`,
  );
  const storeKey = SECRET_KEYS.certificateKey(profile.name);
  const current = await deps.secrets.get(storeKey);
  // The restored key goes in first: if this stops half-way, the key known to work is in both slots.
  await deps.secrets.set(storeKey, previousKey);
  if (current) await deps.secrets.set(SECRET_KEYS.previousCertificateKey(profile.name), current);
  else await deps.secrets.delete(SECRET_KEYS.previousCertificateKey(profile.name));
  const { previousCertificatePath: _dropped, ...rest } = c;
  const credential: Profile['credential'] = {
    ...rest,
    certificatePath: c.previousCertificatePath,
    ...(current ? { previousCertificatePath: c.certificatePath } : {}),
  };
  const updated: Profile = { ...profile, credential };
  await deps.profiles.upsert(updated);
  return { info: certificateInfo(pem), certificatePath: c.previousCertificatePath, previousCertificatePath: current ? c.certificatePath : undefined, profile: updated };
}

export interface CertificateReport {
  info: CertificateInfo;
  expiry: CredentialExpiry;
  certificatePath: string;
  /** "in <store>", "missing from <store>", or "file <path>". */
  key: { where: 'store' | 'file'; present: boolean; description: string };
  /** The certificate kept for `cert rollback`, when there is one. */
  previous?: { certificatePath: string; keyPresent: boolean };
}

/** What `cert show` prints: the certificate a profile names, its expiry and where its key is. */
export async function describeProfileCertificate(profile: Profile, deps: Pick<CertDeps, 'secrets' | 'now'>): Promise<CertificateReport> {
  const c = profile.credential;
  if (c.kind !== 'certificate') {
    throw new OperatorError('bad-input', `Profile "${profile.name}" signs in with ${c.kind === 'secret' ? 'a client secret' : 'a user account (delegated)'}, not a certificate.`, {
      hint: 'Create a certificate for this profile, or import one.',
      remedy: remedyFor('create-certificate', profile.name),
    });
  }
  const pem = await readText(c.certificatePath, 'certificate file');
  let info: CertificateInfo;
  try {
    info = certificateInfo(pem);
  } catch (cause) {
    throw new OperatorError('bad-input', `The certificate file ${c.certificatePath} cannot be parsed.`, { hint: 'Point the profile at a PEM certificate.', cause });
  }
  const expiry = credentialExpiry(profile, { now: deps.now?.() ?? new Date(), certificatePem: pem });
  let key: CertificateReport['key'];
  if (c.privateKeyInStore) {
    const present = (await deps.secrets.get(SECRET_KEYS.certificateKey(profile.name))) !== undefined;
    key = { where: 'store', present, description: `${present ? 'in' : 'NOT in'} ${deps.secrets.description}` };
  } else {
    key = { where: 'file', present: true, description: `file ${c.privateKeyPath ?? '?'}` };
  }
  const previous = c.previousCertificatePath
    ? { certificatePath: c.previousCertificatePath, keyPresent: (await deps.secrets.get(SECRET_KEYS.previousCertificateKey(profile.name))) !== undefined }
    : undefined;
  return { info, expiry, certificatePath: c.certificatePath, key, ...(previous ? { previous } : {}) };
}

/** Writes the stored private key as PKCS#8 PEM (mode 0600, never over an existing file). */
export async function exportProfileKey(profile: Profile, outPath: string, deps: Pick<CertDeps, 'secrets'>): Promise<string> {
  const c = profile.credential;
  if (c.kind !== 'certificate' || !c.privateKeyInStore) {
    throw new OperatorError('bad-input', `Profile "${profile.name}" keeps no certificate key in the secret store.`, {
      hint: c.kind === 'certificate' ? `Its key is the file ${c.privateKeyPath ?? '?'} already.` : 'Create a certificate for this profile first.',
      ...(c.kind === 'certificate' ? {} : { remedy: remedyFor('create-certificate', profile.name) }),
    });
  }
  const stored = await deps.secrets.get(SECRET_KEYS.certificateKey(profile.name));
  if (!stored) {
    throw new OperatorError('secret-missing', `The private key of profile "${profile.name}" is not in this secret store (${deps.secrets.description}).`, {
      hint: `Set ${SECRETS_PASSPHRASE_ENV} to the passphrase of the store that holds it (same data folder).`,
    });
  }
  const pem = stored.toString('utf8');
  redactor.add(pem);
  return writeKeyFile(outPath, pem);
}

/** Writes a private key PEM to a new file with mode 0600; never overwrites. */
export async function writeKeyFile(path: string, pem: string): Promise<string> {
  const full = resolve(path);
  try {
    await writeFileAtomic(full, pem, { mode: 0o600, noOverwrite: true });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw new OperatorError('bad-input', `${full} already exists; a key file is never overwritten.`, { hint: 'Name a new file, or move the old one away first.', cause });
    }
    throw new OperatorError('bad-input', `The key file ${full} cannot be written (${code ?? 'error'}).`, { hint: 'Check that the folder exists and is writable.', cause });
  }
  return full;
}

function envValue(env: NodeJS.ProcessEnv, name: string, what: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    throw new OperatorError('bad-input', `"${name}" is not an environment variable name.`, { hint: `Name the variable that holds the ${what}, not the value itself.` });
  }
  const v = env[name];
  if (v === undefined || v === '') {
    throw new OperatorError('secret-missing', `The ${what} variable ${name} is ${v === undefined ? 'not set' : 'empty'}.`, {
      hint: `Set ${name} to the ${what} before running.`,
    });
  }
  redactor.add(v);
  return v;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (cause) {
    throw unreadable(path, what, cause);
  }
}

function unreadable(path: string, what: string, cause: unknown): OperatorError {
  const code = (cause as NodeJS.ErrnoException).code ?? 'unreadable';
  return new OperatorError('bad-input', `The ${what} ${path} cannot be read (${code}).`, { hint: `Check that ${path} exists and is readable.`, cause });
}
