import { X509Certificate, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { OperatorError, remedyFor } from '../errors/operator-error';
import type { Profile } from '../profile/schema';
import { SECRET_KEYS, type SecretStore } from '../secrets/secret-store';

/**
 * Loads the app credential a profile names. A profile never holds a secret,
 * only where to find it (an environment variable or a file); command-line
 * arguments are never a source. Error messages name the variable or path and
 * never the value.
 */
export type AppCredential =
  | { kind: 'secret'; secret: string }
  | {
      kind: 'certificate';
      /** PKCS#8 PEM, decrypted. */
      privateKeyPem: string;
      certificatePem: string;
      /** Hex SHA-256 thumbprint of the certificate (what MSAL sends as x5t#S256). */
      thumbprintSha256: string;
      notAfter: Date;
    };

export interface CredentialDeps {
  env: NodeJS.ProcessEnv;
  readFile(path: string): Promise<string>;
  /** Where keys of certificates the app generated or imported live (profiles with privateKeyInStore). */
  secretStore?: SecretStore;
}

/** Where the token provider gets its credential from. */
export interface CredentialSource {
  load(profile: Profile): Promise<AppCredential>;
}

/** The CLI/Electron source: environment variables and files named in the profile. */
export function envFileCredentialSource(deps: CredentialDeps): CredentialSource {
  return { load: (profile) => loadAppCredential(profile, deps) };
}

/** An already-loaded credential (demo command, tests, Electron safeStorage). */
export function memoryCredentialSource(credential: AppCredential): CredentialSource {
  return { load: () => Promise.resolve(credential) };
}

/** Shape-checks a credential handed over in memory (e.g. from the demo tenant) and computes its thumbprint. */
export function certificateCredential(certificatePem: string, privateKeyPem: string, passphrase?: string): AppCredential {
  const cert = parseCertificate(certificatePem, 'the certificate');
  const key = parsePrivateKey(privateKeyPem, 'the private key', passphrase, undefined);
  assertKeyMatches(cert, key, 'the certificate', 'the private key');
  return certificateFrom(cert, key);
}

export async function loadAppCredential(profile: Profile, deps: CredentialDeps): Promise<AppCredential> {
  const c = profile.credential;
  if (c.kind === 'secret') {
    if (c.secretEnv) {
      const v = deps.env[c.secretEnv];
      if (v === undefined || v.trim() === '') {
        throw new OperatorError('secret-missing', `The client secret variable ${c.secretEnv} is ${v === undefined ? 'not set' : 'empty'}.`, {
          hint: `Set the environment variable ${c.secretEnv} to the client secret VALUE before running, or change the profile's secret source.`,
          remedy: remedyFor('set-secret', profile.name),
        });
      }
      return { kind: 'secret', secret: v.trim() };
    }
    if (c.secretFile) {
      const text = await readNamed(deps, c.secretFile, 'client secret file');
      const secret = text.trim();
      if (secret === '') {
        throw new OperatorError('secret-missing', `The client secret file ${c.secretFile} is empty.`, {
          hint: `Write the client secret VALUE (only) into ${c.secretFile}, or change the profile's secret source.`,
          remedy: remedyFor('set-secret', profile.name),
        });
      }
      if (/\r?\n/.test(secret)) {
        throw new OperatorError('bad-input', `The client secret file ${c.secretFile} holds more than one line.`, {
          hint: 'The file must contain only the client secret value.',
          remedy: remedyFor('set-secret', profile.name),
        });
      }
      return { kind: 'secret', secret };
    }
    if (c.secretInStore) {
      const stored = await deps.secretStore?.get(SECRET_KEYS.clientSecret(profile.name));
      const secret = stored?.toString('utf8').trim() ?? '';
      if (secret === '') {
        throw new OperatorError('secret-missing', `The client secret of profile "${profile.name}" is not in ${deps.secretStore ? `this secret store (${deps.secretStore.description})` : 'a secret store this process can open'}.`, {
          hint: 'Enter the client secret for the profile again.',
        });
      }
      return { kind: 'secret', secret };
    }
    throw new OperatorError('secret-missing', 'The profile names no client secret source.', {
      hint: 'Give the profile a client secret source: an environment variable name or a file path.',
      remedy: remedyFor('set-secret', profile.name),
    });
  }

  if (c.kind === 'delegated') {
    throw new OperatorError('bad-input', `Profile "${profile.name}" signs in as a user (delegated), not with app credentials.`, {
      hint: 'Sign in as a user for this profile instead.',
      remedy: remedyFor('sign-in', profile.name),
    });
  }
  if (!c.privateKeyPath) {
    if (!deps.secretStore) {
      throw new OperatorError('secret-missing', `The private key of profile "${profile.name}" is kept in the secret store, which this command cannot open.`, {
        hint: 'Try again with access to the secret store that holds the key.',
      });
    }
    const store = deps.secretStore;
    const stored = await store.get(SECRET_KEYS.certificateKey(profile.name));
    if (!stored) {
      throw new OperatorError('secret-missing', `The private key of profile "${profile.name}" is not in this secret store (${store.description}).`, {
        hint: store.persistent
          ? 'Check that this is the data folder and passphrase the certificate was created with, or import the certificate with its key again, or replace it with a new certificate.'
          : 'Set M365LR_SECRETS_PASSPHRASE to the passphrase of the encrypted store that holds the key (same data folder), or import the certificate with its key again.',
        remedy: remedyFor('import-certificate', profile.name),
      });
    }
    const storedCert = parseCertificate(await readNamed(deps, c.certificatePath, 'certificate file'), `the certificate file ${c.certificatePath}`);
    const storedKey = parsePrivateKey(stored.toString('utf8'), `the private key in ${store.description}`, undefined, undefined);
    assertKeyMatches(storedCert, storedKey, `the certificate file ${c.certificatePath}`, `the private key in ${store.description}`);
    return certificateFrom(storedCert, storedKey);
  }
  const certText = await readNamed(deps, c.certificatePath, 'certificate file');
  const keyText = await readNamed(deps, c.privateKeyPath, 'private key file');
  let passphrase: string | undefined;
  if (c.passphraseEnv) {
    const v = deps.env[c.passphraseEnv];
    if (v === undefined || v === '') {
      throw new OperatorError('secret-missing', `The private key passphrase variable ${c.passphraseEnv} is ${v === undefined ? 'not set' : 'empty'}.`, {
        hint: `Set the environment variable ${c.passphraseEnv} to the key's passphrase before running.`,
      });
    }
    passphrase = v;
  }
  const cert = parseCertificate(certText, `the certificate file ${c.certificatePath}`);
  const key = parsePrivateKey(keyText, `the private key file ${c.privateKeyPath}`, passphrase, c.passphraseEnv);
  assertKeyMatches(cert, key, `the certificate file ${c.certificatePath}`, `the private key file ${c.privateKeyPath}`);
  return certificateFrom(cert, key);
}

/**
 * Checks, when a profile is saved, that the files it names for a certificate credential
 * hold a certificate and the private key that belongs to it: a mismatch is refused when the
 * profile is added, not at its first sync. An encrypted key whose passphrase variable is not
 * set yet is checked at sign-in instead.
 */
export async function checkCredentialFiles(profile: Profile, deps: CredentialDeps): Promise<void> {
  const c = profile.credential;
  if (c.kind !== 'certificate' || c.privateKeyInStore || !c.privateKeyPath) return;
  try {
    await loadAppCredential(profile, deps);
  } catch (e) {
    const passphraseNotSetYet = c.passphraseEnv !== undefined && !deps.env[c.passphraseEnv];
    if (e instanceof OperatorError && e.code === 'secret-missing' && passphraseNotSetYet) return;
    throw e;
  }
}

async function readNamed(deps: CredentialDeps, path: string, what: string): Promise<string> {
  try {
    return await deps.readFile(path);
  } catch (cause) {
    const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : 'unreadable';
    throw new OperatorError('secret-missing', `The ${what} ${path} cannot be read (${code}).`, {
      hint: `Check that ${path} exists and is readable by this user, or change the profile.`,
      cause,
    });
  }
}

/** Parses the first PEM certificate in `pem`; `label` names its origin in messages. */
export function parseCertificate(pem: string, label: string): X509Certificate {
  const block = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (!block) {
    throw new OperatorError('bad-input', `${capital(label)} holds no PEM certificate.`, {
      hint: 'Point certificatePath at the public certificate in PEM form ("-----BEGIN CERTIFICATE-----").',
    });
  }
  try {
    return new X509Certificate(block);
  } catch (cause) {
    throw new OperatorError('bad-input', `${capital(label)} cannot be parsed as an X.509 certificate.`, {
      hint: 'Re-export the certificate as Base-64 encoded X.509 (PEM).',
      cause,
    });
  }
}

/** Parses a PEM private key (PKCS#8, PKCS#1, SEC1; encrypted when a passphrase is given). */
export function parsePrivateKey(pem: string, label: string, passphrase: string | undefined, passphraseEnv: string | undefined): KeyObject {
  if (!/-----BEGIN (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----/.test(pem)) {
    throw new OperatorError('bad-input', `${capital(label)} holds no PEM private key.`, {
      hint: 'Point privateKeyPath at the private key in PEM form (PKCS#8 "BEGIN PRIVATE KEY" or PKCS#1 "BEGIN RSA PRIVATE KEY").',
    });
  }
  try {
    return createPrivateKey(passphrase === undefined ? { key: pem, format: 'pem' } : { key: pem, format: 'pem', passphrase });
  } catch (cause) {
    const code = typeof cause === 'object' && cause !== null && 'code' in cause ? String((cause as { code: unknown }).code) : '';
    const encrypted = /ENCRYPTED|Proc-Type: 4,ENCRYPTED/.test(pem);
    if (encrypted && passphrase === undefined) {
      throw new OperatorError('secret-missing', `${capital(label)} is encrypted and the profile names no passphrase.`, {
        hint: 'Set passphraseEnv in the profile to an environment variable holding the key\'s passphrase.',
        cause,
      });
    }
    if (encrypted) {
      throw new OperatorError('bad-input', `${capital(label)} could not be decrypted with the passphrase from ${passphraseEnv ?? 'the profile'}.`, {
        hint: 'Check the passphrase.',
        cause,
      });
    }
    throw new OperatorError('bad-input', `${capital(label)} cannot be parsed${code ? ` (${code})` : ''}.`, {
      hint: 'Export the key as PEM (PKCS#8 or PKCS#1).',
      cause,
    });
  }
}

/**
 * Refuses a private key whose public half is not the certificate's. The labels are whole
 * noun phrases naming where each came from, as for parseCertificate/parsePrivateKey
 * (e.g. "the certificate file /a.pem", "the private key in <store>").
 */
export function assertKeyMatches(cert: X509Certificate, key: KeyObject, certLabel: string, keyLabel: string): void {
  const fromKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const fromCert = cert.publicKey.export({ type: 'spki', format: 'der' });
  if (!fromKey.equals(fromCert)) {
    throw new OperatorError('bad-input', `${capital(keyLabel)} does not belong to ${certLabel}.`, {
      hint: 'Point the profile at the key pair whose public certificate is uploaded to the app registration.',
    });
  }
}

/**
 * MSAL Node 7 signs the client assertion with jsonwebtoken as PS256 (SHA-256 thumbprint,
 * x5t#S256) or RS256 (SHA-1 x5t): both need an RSA key, and jsonwebtoken refuses an EC
 * key for them. Microsoft Entra ID documents PS256/RS256 for certificate credentials.
 * An EC (e.g. P-256) key is therefore refused here with a message, not at sign-in.
 */
export function assertUsableForAppAuth(key: KeyObject, label: string): void {
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < 2048) {
      throw new OperatorError('bad-input', `${capital(label)} is an RSA ${bits}-bit key; app sign-in needs RSA 2048 or larger.`, {
        hint: 'Create a new certificate (RSA 2048 by default) and upload it to the app registration.',
      });
    }
    return;
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  throw new OperatorError('bad-input', `${capital(label)} is an ${(key.asymmetricKeyType ?? 'unknown').toUpperCase()}${curve ? ` (${curve})` : ''} key, which cannot sign in an app.`, {
    hint: 'MSAL Node signs the client assertion with PS256/RS256, which need an RSA key (the algorithms Microsoft Entra ID documents for certificate credentials). Use an RSA certificate: create one with an RSA 2048 key (the default).',
  });
}

function certificateFrom(cert: X509Certificate, key: KeyObject): AppCredential {
  assertUsableForAppAuth(key, 'the private key');
  return {
    kind: 'certificate',
    privateKeyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificatePem: cert.toString(),
    thumbprintSha256: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
    notAfter: new Date(cert.validTo),
  };
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
