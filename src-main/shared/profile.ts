import { z } from 'zod';
import { CLOUD_IDS, customEndpointsSchema } from './clouds';

/**
 * A profile names a tenant, an app registration, a cloud and how the app
 * proves itself. It never holds a secret: only where to find one.
 */
const guidOrDomain = z
  .string()
  .trim()
  .min(1)
  .regex(/^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9.-]+\.[a-z]{2,})$/i, {
    message: 'must be a tenant GUID or a verified domain such as contoso.onmicrosoft.com',
  });

const guid = z
  .string()
  .trim()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: 'must be a GUID (the Application (client) ID)' });

export const secretCredentialSchema = z
  .object({
    kind: z.literal('secret'),
    /** Name of the environment variable that holds the client secret. */
    secretEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
    /** Path to a file whose only content is the client secret. */
    secretFile: z.string().min(1).optional(),
    /** The client secret is kept in the secret store (entered in the app; never written in clear text). */
    secretInStore: z.literal(true).optional(),
    /** Expiry the operator entered for the secret (ISO date), for warnings. */
    expiresOn: z.iso.date().optional(),
  })
  .refine((c) => [c.secretEnv, c.secretFile, c.secretInStore].filter(Boolean).length === 1, {
    message: 'name exactly one of secretEnv, secretFile or secretInStore',
  });

export const certificateCredentialSchema = z
  .object({
    kind: z.literal('certificate'),
    /** PEM file with the public certificate (used for the thumbprint). */
    certificatePath: z.string().min(1),
    /** PEM file with the private key (PKCS#8 or PKCS#1). Absent when the key lives in the secret store. */
    privateKeyPath: z.string().min(1).optional(),
    /** The private key is kept encrypted in the secret store (certificates the app generated or imported). */
    privateKeyInStore: z.literal(true).optional(),
    /** Environment variable holding the key's passphrase, if the PEM is encrypted. */
    passphraseEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
    /**
     * The certificate this one replaced (`cert create|import --replace`), kept with its key
     * in the secret store so `cert rollback` can restore it. Only with privateKeyInStore.
     */
    previousCertificatePath: z.string().min(1).optional(),
  })
  .refine((c) => Boolean(c.privateKeyPath) !== Boolean(c.privateKeyInStore), {
    message: 'name exactly one of privateKeyPath or privateKeyInStore',
  });

/**
 * Delegated sign-in (auth code + PKCE in the system browser, or device code) for a
 * user who holds only a reader role. clientId is then a public client app.
 */
export const delegatedCredentialSchema = z.object({
  kind: z.literal('delegated'),
  flow: z.enum(['interactive', 'device-code']).default('interactive'),
  /** Pre-fills the account on the sign-in page. */
  loginHint: z.string().min(3).max(256).optional(),
});

export const credentialSchema = z.discriminatedUnion('kind', [secretCredentialSchema, certificateCredentialSchema, delegatedCredentialSchema]);

/** Field separators a CSV export may use. */
export const CSV_DELIMITERS = [',', ';'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

export const profileNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'use 1-64 letters, digits, dot, dash or underscore' });

export const profileSchema = z
  .object({
    name: profileNameSchema,
    tenantId: guidOrDomain,
    clientId: guid,
    cloud: z.enum(CLOUD_IDS),
    customEndpoints: customEndpointsSchema.optional(),
    credential: credentialSchema,
    /** Extra CA bundle (PEM) trusted for this profile, e.g. a TLS-inspecting proxy. */
    caBundlePath: z.string().min(1).optional(),
    /** Field separator of this profile's CSV exports: `,` (the default) or `;` for spreadsheets whose list separator is `;`. */
    csvDelimiter: z.enum(CSV_DELIMITERS).optional(),
  })
  .refine((p) => p.cloud !== 'custom' || p.customEndpoints !== undefined, {
    message: 'cloud "custom" needs customEndpoints.loginUrl and customEndpoints.graphUrl',
    path: ['customEndpoints'],
  });

export type Profile = z.infer<typeof profileSchema>;
export type Credential = z.infer<typeof credentialSchema>;
