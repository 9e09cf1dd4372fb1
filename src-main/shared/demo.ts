import { z } from 'zod';

/** The demo tenant's app registrations, public clients and sign-in users, by name. */
export const DEMO_APP_NAMES = [
  'reader', // least privilege: every read permission the product needs
  'no-auditlog', // reader without AuditLog.Read.All
  'over-granted', // reader plus Directory.ReadWrite.All
  'minimal', // only User.Read.All
  'no-consent', // registered, no admin consent: token requests fail with AADSTS65001
  'expired-secret', // its only secret has expired: AADSTS7000222
] as const;
export const demoAppNameSchema = z.enum(DEMO_APP_NAMES);
export type DemoAppName = z.infer<typeof demoAppNameSchema>;

/** Public client registrations for delegated sign-in (no secret; redirect URI http://localhost). */
export const DEMO_PUBLIC_APP_NAMES = [
  'delegated', // every delegated read scope of the permission matrix, admin-consented
  'delegated-no-auditlog', // the same without AuditLog.Read.All
  'delegated-no-consent', // registered, nothing consented: AADSTS65001
  'delegated-over-granted', // every delegated read scope plus Directory.AccessAsUser.All (excess privilege)
] as const;
export const demoPublicAppNameSchema = z.enum(DEMO_PUBLIC_APP_NAMES);
export type DemoPublicAppName = z.infer<typeof demoPublicAppNameSchema>;

/** Accounts the demo sign-in page knows. */
export const DEMO_USER_NAMES = [
  'reports-reader', // Reports Reader
  'global-reader', // Global Reader
  'no-role', // no directory role
  'mfa-reader', // Reports Reader, MFA required (the page shows the code to type)
  'global-admin', // Global Administrator
  'privileged-role-admin', // Privileged Role Administrator (may grant admin consent)
  'app-admin', // Application Administrator (may register apps, may not grant Microsoft Graph app roles)
  'blocked', // sign-in blocked by Conditional Access: AADSTS53003
  'outsider', // account of another tenant: AADSTS50020
] as const;
export const demoUserNameSchema = z.enum(DEMO_USER_NAMES);
export type DemoUserName = z.infer<typeof demoUserNameSchema>;

export const DEMO_CREDENTIAL_KINDS = ['secret', 'certificate', 'delegated'] as const;
export const demoCredentialKindSchema = z.enum(DEMO_CREDENTIAL_KINDS);

/** How to start the built-in demo tenant; every field has the CLI's default. */
export const demoStartSchema = z.object({
  users: z.number().int().min(1).max(2_000_000).default(500),
  seed: z.string().min(1).max(64).default('demo'),
  app: demoAppNameSchema.default('reader'),
  credential: demoCredentialKindSchema.default('certificate'),
  /** With credential 'delegated': the public client the user signs in to. */
  publicApp: demoPublicAppNameSchema.default('delegated'),
  /** With credential 'delegated': the demo user the app signs in as on the demo page (demo automation). */
  demoUser: demoUserNameSchema.optional(),
  p1: z.boolean().default(true),
  concealNames: z.boolean().default(false),
});
export type DemoStartOptions = z.input<typeof demoStartSchema>;

export const demoStatusSchema = z.object({
  running: z.boolean(),
  /** The reserved profile name the demo tenant answers to while it runs. */
  profile: z.string(),
  domain: z.string().optional(),
  tenantId: z.string().optional(),
  userCount: z.number().int().optional(),
  /** Who signs in: "app reader with a certificate", "user reports-reader (delegated)". */
  signIn: z.string().optional(),
});
export type DemoStatusDto = z.infer<typeof demoStatusSchema>;

/** The reserved profile name that always means "the built-in demo tenant, in this process". */
export const DEMO_PROFILE_NAME = 'demo';
