import { OperatorError, isOperatorError, type OperatorErrorCode } from '../errors/operator-error';
import type { Remedy } from '../../shared/errors';
import type { GraphSession, TokenInfo } from '../graph/session';
import { DATASETS, probePaths as registryProbePaths, type Dataset, type DatasetId } from '../datasets';
import { missingApplicationPermission, missingDelegatedScope } from '../permissions/matrix';
import { detectExcess, type ExcessPermission } from '../permissions/excess';
import type { Profile } from '../profile/schema';
import { credentialExpiry } from '../certs/expiry';

/**
 * The permission self-check: decode what the token grants (`roles` for app-only,
 * `scp` for delegated), probe every dataset with one cheap GET, and report per
 * feature what is enabled, what is missing (the exact permission, directory role or
 * licence to add), any excess privilege, and the credential's expiry.
 */
export const P1_LICENCE = 'Microsoft Entra ID P1';

export interface VerifyRow {
  dataset: DatasetId;
  label: string;
  status: 'enabled' | 'missing';
  missing?: { permission?: string; role?: string; licence?: typeof P1_LICENCE };
  probe: { ok: boolean; httpStatus?: number; note?: string };
}

export type CredentialStatus = 'ok' | 'expiring' | 'expired' | 'unknown' | 'not-applicable';

export interface CredentialExpiryInput {
  /** PEM of the certificate the profile signs in with (its notAfter is the expiry). */
  certificatePem?: string;
  /** Precomputed status and message (e.g. from certs/expiry.ts); used as-is when both are given. */
  expiresOn?: Date;
  status?: Exclude<CredentialStatus, 'not-applicable'>;
  message?: string;
}

export interface VerifyReport {
  profileName: string;
  kind: 'application' | 'delegated';
  tenantId?: string;
  /** Whether a token could be acquired; when not, error says why and who can fix it. */
  signIn: { ok: true } | { ok: false; error: { code: OperatorErrorCode; message: string; hint: string; remedy?: Remedy; who?: string; aadsts?: number } };
  /** What the token grants (roles for app-only, scopes for delegated). */
  granted: string[];
  rows: VerifyRow[];
  excess: ExcessPermission[];
  credential: { expiresOn?: string; status: CredentialStatus; message: string };
  /** true when signed in and every dataset is enabled. */
  allEnabled: boolean;
}

export interface VerifyOptions {
  session: GraphSession;
  profile: Profile;
  /** Already decoded token; acquired through the session when absent. */
  tokenInfo?: TokenInfo;
  credentialExpiry?: CredentialExpiryInput;
  signal?: AbortSignal;
  /** Clock for the expiry status (tests). */
  now?: () => Date;
}

/** One cheap GET per dataset (each dataset's own probe); reports use the 7-day period and stop at the 302. */
export function probePaths(): Record<DatasetId, string> {
  return registryProbePaths();
}

async function probe(session: GraphSession, dataset: Dataset, signal: AbortSignal | undefined): Promise<{ status: number }> {
  const o = signal ? { signal } : {};
  const path = dataset.probe;
  if (dataset.fetch !== 'reportRows') {
    await session.getJson(path, o);
    return { status: 200 };
  }
  if (session.probeReport) return session.probeReport(path, o);
  // A session without probeReport: read the first row only, then stop the download.
  for await (const row of session.reportRows(path, o)) {
    void row;
    break;
  }
  return { status: 200 };
}

function shortNote(e: OperatorError): string {
  const m = e.message.replace(/^[^:]*: /, '');
  return m.length > 140 ? `${m.slice(0, 137)}...` : m;
}

/** The credential line: certs/expiry.ts judges certificates and secrets (warning 30 days ahead and after expiry). */
export function credentialStatus(profile: Profile, input: CredentialExpiryInput | undefined, now: Date): VerifyReport['credential'] {
  if (input?.status && input.message) {
    return { ...(input.expiresOn ? { expiresOn: input.expiresOn.toISOString() } : {}), status: input.status, message: input.message };
  }
  if (profile.credential.kind === 'delegated') {
    return { status: 'not-applicable', message: 'Delegated sign-in: no app credential to expire; tokens refresh silently.' };
  }
  const c = credentialExpiry(profile, { now, ...(input?.certificatePem !== undefined ? { certificatePem: input.certificatePem } : {}) });
  return { ...(c.expiresOn ? { expiresOn: c.expiresOn.toISOString() } : {}), status: c.status, message: c.message };
}

export async function verifyProfile(opts: VerifyOptions): Promise<VerifyReport> {
  const { session, profile, signal } = opts;
  const now = (opts.now ?? (() => new Date()))();
  const kind: VerifyReport['kind'] = profile.credential.kind === 'delegated' ? 'delegated' : 'application';
  const credential = credentialStatus(profile, opts.credentialExpiry, now);

  let token = opts.tokenInfo;
  if (!token) {
    try {
      token = await session.tokenInfo(signal ? { signal } : {});
    } catch (e) {
      if (signal?.aborted) throw e;
      const err = isOperatorError(e)
        ? e
        : new OperatorError('auth-failed', 'Token acquisition failed.', { hint: 'Check the profile\'s tenant, client ID and credential.', cause: e });
      return {
        profileName: profile.name,
        kind,
        signIn: {
          ok: false,
          error: { code: err.code, message: err.message, hint: err.hint, ...(err.remedy ? { remedy: err.remedy } : {}), ...(err.who ? { who: err.who } : {}), ...(err.aadsts !== undefined ? { aadsts: err.aadsts } : {}) },
        },
        granted: [],
        rows: DATASETS.map(({ id: d, permission: p }) => {
          return {
            dataset: d,
            label: p.label,
            status: 'missing' as const,
            missing: { permission: kind === 'delegated' ? p.delegated : p.application },
            probe: { ok: false, note: `not probed: no access token${err.aadsts !== undefined ? ` (AADSTS${err.aadsts})` : ''}` },
          };
        }),
        excess: [],
        credential,
        allEnabled: false,
      };
    }
  }

  const delegated = kind === 'delegated' || (token.roles.length === 0 && token.scopes.length > 0);
  const granted = delegated ? [...token.scopes] : [...token.roles];
  const rows: VerifyRow[] = [];
  // Sequential: one small request per dataset, and a stable order in the demo tenant's request log.
  for (const ds of DATASETS) {
    const { id: d, permission: p } = ds;
    const missingPermission = delegated ? missingDelegatedScope(d, token.scopes) : missingApplicationPermission(d, token.roles);
    const hasPermission = missingPermission === undefined;
    const leastPermission = missingPermission ?? (delegated ? p.delegated : p.application);
    try {
      const r = await probe(session, ds, signal);
      rows.push({ dataset: d, label: p.label, status: 'enabled', probe: { ok: true, httpStatus: r.status } });
    } catch (e) {
      if (signal?.aborted) throw e;
      if (!isOperatorError(e)) throw e;
      const probeResult = { ok: false, ...(e.status !== undefined ? { httpStatus: e.status } : {}), note: shortNote(e) };
      let missing: VerifyRow['missing'];
      if (e.code === 'license-required') missing = { licence: P1_LICENCE };
      else if (!hasPermission) missing = { permission: leastPermission };
      else if (e.code === 'permission-denied' && delegated && p.delegatedRoles.length > 0) missing = { role: p.delegatedRoles[0] };
      else if (e.code === 'permission-denied') missing = { permission: leastPermission };
      else missing = {};
      rows.push({ dataset: d, label: p.label, status: 'missing', missing, probe: probeResult });
    }
  }
  const excess = detectExcess({ roles: token.roles, scopes: token.scopes });
  return {
    profileName: profile.name,
    kind: delegated ? 'delegated' : 'application',
    tenantId: token.tenantId,
    signIn: { ok: true },
    granted,
    rows,
    excess,
    credential,
    allEnabled: rows.every((r) => r.status === 'enabled'),
  };
}

/** "What to add" in words, for tables and the desktop app. */
export function describeMissing(row: VerifyRow, kind: VerifyReport['kind']): string {
  if (row.status === 'enabled') return '';
  const m = row.missing ?? {};
  const parts: string[] = [];
  if (m.permission) parts.push(`add ${kind === 'delegated' ? 'delegated' : 'application'} permission ${m.permission} + admin consent`);
  if (m.role) parts.push(`assign the signed-in user the ${m.role} role`);
  if (m.licence) parts.push(`tenant needs ${m.licence}`);
  return parts.length > 0 ? parts.join('; ') : 'probe failed (see note)';
}
