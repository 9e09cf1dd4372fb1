import { decodeJwt } from 'jose';
import { z } from 'zod';
import { OperatorError } from '../errors/operator-error';
import type { TokenInfo } from './token-provider';

/**
 * Reads what an access token grants. The signature is not verified: Graph does
 * that; the client only reports the claims (tenant, application roles, scopes).
 */
const claimsSchema = z
  .object({
    tid: z.string().min(1),
    roles: z.array(z.string()).optional(),
    scp: z.string().optional(),
    exp: z.number().int().positive(),
  })
  .loose();

export function tokenInfoFromJwt(accessToken: string): TokenInfo {
  let raw: unknown;
  try {
    raw = decodeJwt(accessToken);
  } catch (cause) {
    throw new OperatorError('auth-failed', 'The access token could not be decoded.', {
      hint: 'The sign-in endpoint returned a token that is not a JWT; check the profile\'s cloud endpoints.',
      cause,
    });
  }
  const parsed = claimsSchema.safeParse(raw);
  if (!parsed.success) {
    throw new OperatorError('auth-failed', 'The access token lacks the expected claims (tid, exp).', {
      hint: 'Check that the profile\'s login and Graph endpoints belong to the same cloud.',
    });
  }
  const c = parsed.data;
  return {
    tenantId: c.tid,
    roles: [...(c.roles ?? [])].sort(),
    scopes: (c.scp ?? '').split(' ').filter((s) => s !== ''),
    expiresOn: new Date(c.exp * 1000),
  };
}
