import { z } from 'zod';
import { defineDataset, table } from './types';

/**
 * Each user's last sign-in dates (Microsoft Entra ID P1; 120 users per page).
 * learn.microsoft.com/graph/api/resources/signinactivity
 */

const optStr = z.string().nullish();

export const signInActivitySchema = z.looseObject({
  lastSignInDateTime: optStr,
  lastNonInteractiveSignInDateTime: optStr,
  lastSuccessfulSignInDateTime: optStr,
});

export const userSignInSchema = z.looseObject({
  id: z.string().min(1),
  signInActivity: signInActivitySchema.nullish(),
});
export type GraphUserSignIn = z.infer<typeof userSignInSchema>;

export interface SignInActivityRow {
  userId: string;
  lastSignIn: string | null;
  lastNonInteractive: string | null;
  lastSuccessful: string | null;
}

export function signInRow(u: GraphUserSignIn): SignInActivityRow {
  const a = u.signInActivity;
  return {
    userId: u.id,
    lastSignIn: a?.lastSignInDateTime ?? null,
    lastNonInteractive: a?.lastNonInteractiveSignInDateTime ?? null,
    lastSuccessful: a?.lastSuccessfulSignInDateTime ?? null,
  };
}

export const signInActivity = defineDataset({
  id: 'signInActivity',
  label: 'Sign-in activity',
  tier: 'enrichment',
  permission: {
    application: 'AuditLog.Read.All',
    accepted: ['AuditLog.Read.All'],
    delegated: 'AuditLog.Read.All',
    delegatedAccepted: ['AuditLog.Read.All'],
    delegatedRoles: ['Reports Reader', 'Security Reader', 'Global Reader', 'Security Administrator', 'Global Administrator'],
    requiresP1: true,
    alsoRequires: ['users'],
  },
  fetch: 'collection',
  request: () => ({ path: '/users?$select=id,signInActivity&$top=120' }),
  probe: '/users?$top=1&$select=id,signInActivity',
  matchQuery: 'signinactivity',
  item: { schema: userSignInSchema, name: 'user signInActivity' },
  toRow: signInRow,
  tables: [
    table<SignInActivityRow>(
      'sign_in_activity',
      {
        user_id: (r) => r.userId,
        last_sign_in: (r) => r.lastSignIn,
        last_non_interactive: (r) => r.lastNonInteractive,
        last_successful: (r) => r.lastSuccessful,
      },
      { onConflict: 'replace' },
    ),
  ],
});
