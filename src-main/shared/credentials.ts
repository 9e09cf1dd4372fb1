import { z } from 'zod';

/**
 * What a front end may learn about a profile's credential: whether it is set, where it
 * lives and when it expires. A secret or key value never comes back out.
 */
export const credentialStatusSchema = z.object({
  profile: z.string(),
  kind: z.enum(['secret', 'certificate', 'delegated']),
  /** The secret, key or sign-in is present where the profile says it lives. */
  set: z.boolean(),
  /** Where it lives, in words ("environment variable M365LR_SECRET", "the encrypted secret store"). */
  source: z.string(),
  expiresOn: z.string().optional(),
  expiry: z.enum(['ok', 'expiring', 'expired', 'unknown', 'not-applicable']),
  message: z.string(),
});
export type CredentialStatusDto = z.infer<typeof credentialStatusSchema>;

export const certificateInfoSchema = z.object({
  subject: z.string(),
  issuer: z.string(),
  serialNumber: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  thumbprintSha1: z.string(),
  thumbprintSha256: z.string(),
  keyDescription: z.string(),
});

const expirySchema = z.object({ status: z.enum(['ok', 'expiring', 'expired', 'unknown']), expiresOn: z.string().optional(), message: z.string() });

/** What a profile signs in with; for a certificate, its details and where its key is. */
export const certificateReportSchema = z.object({
  profile: z.string(),
  credentialKind: z.enum(['secret', 'certificate', 'delegated']),
  expiry: expirySchema,
  certificate: z
    .object({
      info: certificateInfoSchema,
      certificatePath: z.string(),
      key: z.object({ where: z.enum(['store', 'file']), present: z.boolean(), description: z.string() }),
      /** The certificate kept by the last replacement, for a rollback. */
      previous: z.object({ certificatePath: z.string(), keyPresent: z.boolean() }).optional(),
    })
    .optional(),
});
export type CertificateReportDto = z.infer<typeof certificateReportSchema>;

export const rolledBackSchema = z.object({
  profile: z.string(),
  info: certificateInfoSchema,
  certificatePath: z.string(),
  /** The certificate rolled back from, now kept as the previous one. */
  previousCertificatePath: z.string().optional(),
});

export const CERT_KEY_TYPES = ['rsa2048', 'rsa3072', 'rsa4096'] as const;
/** Longest validity a created certificate may have, in days. */
export const MAX_CERT_DAYS = 730;

export const certificateImportSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('pem'), certificatePath: z.string().min(1), keyPath: z.string().min(1), keyPassphraseEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional() }),
  z.object({ kind: z.literal('pfx'), pfxPath: z.string().min(1), passwordEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/) }),
]);

/** A certificate the app created or imported: public files to upload, and where the key went. */
export const writtenCertificateSchema = z.object({
  profile: z.string(),
  info: certificateInfoSchema,
  cerPath: z.string(),
  pemPath: z.string(),
  /** The DER certificate, base64: what a screen offers to save for upload. */
  cerBase64: z.string(),
  keyLocation: z.string(),
  previousCertificatePath: z.string().optional(),
  replacedKey: z.boolean(),
  exportedKeyPath: z.string().optional(),
  /** For the demo tenant: it accepted the certificate, and what its token carried. */
  demoProof: z.object({ tenantDomain: z.string(), app: z.string(), clientId: z.string(), roles: z.array(z.string()) }).optional(),
});
export type WrittenCertificateDto = z.infer<typeof writtenCertificateSchema>;

export const signInResultSchema = z.object({
  profile: z.string(),
  username: z.string(),
  tenantId: z.string(),
  scopes: z.array(z.string()),
  expiresOn: z.string(),
  /** Where the sign-in is kept, in words; says when it lasts only as long as the process. */
  store: z.string(),
  persistent: z.boolean(),
});
export type SignInResultDto = z.infer<typeof signInResultSchema>;

export const deviceCodeEventSchema = z.object({
  profile: z.string(),
  message: z.string(),
  userCode: z.string(),
  verificationUri: z.string(),
  expiresInSeconds: z.number(),
});

export const signInStateEventSchema = z.object({
  profile: z.string(),
  state: z.enum(['browser-opened', 'waiting', 'signed-in', 'signed-out', 'failed']),
  /** With browser-opened: the sign-in address, for an operator whose browser did not open. */
  url: z.string().optional(),
  /** With signed-in: who signed in, and where the sign-in is kept. */
  result: signInResultSchema.optional(),
});

export const signOutResultSchema = z.object({ profile: z.string(), username: z.string().optional(), store: z.string() });
