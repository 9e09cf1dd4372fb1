import { z } from 'zod';
import { remedySchema } from './errors';

export const SCRIPT_SHELLS = ['powershell', 'azcli'] as const;
export const scriptShellSchema = z.enum(SCRIPT_SHELLS);

export const walkthroughStepSchema = z.object({
  id: z.enum(['review', 'certificate', 'register', 'consent', 'profile', 'verify']),
  title: z.string(),
  text: z.array(z.string()),
  /** The remedy-style action a front end offers for the step (a command, a button). */
  action: z.string().optional(),
  /** A command line that performs or prepares the step (the CLI's rendering of the action). */
  command: z.string().optional(),
  url: z.string().optional(),
  who: z.string().optional(),
});

export const roleGuidanceSchema = z.object({
  canGrantApplication: z.array(z.string()),
  canGrantDelegated: z.array(z.string()),
  cannotGrantApplication: z.array(z.string()),
  text: z.array(z.string()),
});

export const walkthroughSchema = z.object({
  profileName: z.string(),
  kind: z.enum(['application', 'delegated']),
  permissions: z.array(z.string()),
  steps: z.array(walkthroughStepSchema),
  guidance: roleGuidanceSchema,
});
export type WalkthroughDto = z.infer<typeof walkthroughSchema>;

export const consentScriptSchema = z.object({
  shell: scriptShellSchema,
  /** Suggested file name (register-<profile>.ps1 / .sh). */
  fileName: z.string(),
  content: z.string(),
  /** Where it was saved, when a path was given. */
  savedTo: z.string().optional(),
});

export const consentUrlSchema = z.object({
  url: z.string(),
  kind: z.enum(['application', 'delegated']),
  /** Who may open it and grant consent. */
  who: z.string(),
});

export const verifyRowSchema = z.object({
  dataset: z.string(),
  label: z.string(),
  status: z.enum(['enabled', 'missing']),
  missing: z.object({ permission: z.string().optional(), role: z.string().optional(), licence: z.string().optional() }).optional(),
  /** "add X and grant consent", worded for the profile's sign-in kind. */
  whatToAdd: z.string(),
  probe: z.object({ ok: z.boolean(), httpStatus: z.number().int().optional(), note: z.string().optional() }),
});

export const excessPermissionSchema = z.object({ permission: z.string(), risk: z.enum(['write', 'broad-read']), advice: z.string() });

export const verifyReportSchema = z.object({
  profileName: z.string(),
  kind: z.enum(['application', 'delegated']),
  tenantId: z.string().optional(),
  signIn: z.union([
    z.object({ ok: z.literal(true) }),
    z.object({ ok: z.literal(false), error: z.object({ code: z.string(), message: z.string(), hint: z.string(), remedy: remedySchema.optional(), who: z.string().optional(), aadsts: z.number().optional() }) }),
  ]),
  granted: z.array(z.string()),
  rows: z.array(verifyRowSchema),
  excess: z.array(excessPermissionSchema),
  credential: z.object({ expiresOn: z.string().optional(), status: z.enum(['ok', 'expiring', 'expired', 'unknown', 'not-applicable']), message: z.string() }),
  allEnabled: z.boolean(),
});
export type VerifyReportDto = z.infer<typeof verifyReportSchema>;
