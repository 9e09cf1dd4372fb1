import { OperatorError } from '../errors/operator-error';
import type {
  ActivationsUserDetailRow,
  ActiveUserDetailRow,
  GroupRow,
  M365AppUserDetailRow,
  MailboxUsageDetailRow,
  SignInActivityRow,
  SkuRow,
  UserLicenseRow,
  UserRow,
} from '../store/types';
import type {
  GraphGroup,
  GraphSubscribedSku,
  GraphUser,
  GraphUserSignIn,
  activationsUserDetailRowSchema,
  activeUserDetailRowSchema,
  m365AppUserDetailRowSchema,
  mailboxUsageDetailRowSchema,
} from './graph-schemas';
import type { z } from 'zod';

/** Pure mapping from validated Graph objects to store rows. */

export function skuRow(s: GraphSubscribedSku): SkuRow {
  return {
    skuId: s.skuId,
    skuPartNumber: s.skuPartNumber,
    capabilityStatus: s.capabilityStatus ?? null,
    appliesTo: s.appliesTo ?? null,
    consumedUnits: s.consumedUnits ?? 0,
    enabled: s.prepaidUnits?.enabled ?? 0,
    warning: s.prepaidUnits?.warning ?? 0,
    suspended: s.prepaidUnits?.suspended ?? 0,
    lockedOut: s.prepaidUnits?.lockedOut ?? 0,
    subscriptionIds: s.subscriptionIds ?? [],
    servicePlans: (s.servicePlans ?? []).map((p) => ({
      servicePlanId: p.servicePlanId,
      servicePlanName: p.servicePlanName ?? null,
      provisioningStatus: p.provisioningStatus ?? null,
      appliesTo: p.appliesTo ?? null,
    })),
  };
}

/**
 * One licence row per licenseAssignmentStates entry (direct and each group that
 * assigns the SKU are separate entries). When the states are absent, fall back to
 * assignedLicenses as direct assignments with unknown state.
 */
export function userLicenses(u: GraphUser): UserLicenseRow[] {
  const states = u.licenseAssignmentStates;
  const assigned = u.assignedLicenses ?? [];
  if (states && (states.length > 0 || assigned.length === 0)) {
    return states.map((s) => {
      const groupId = s.assignedByGroup ? s.assignedByGroup : null;
      return {
        skuId: s.skuId,
        source: groupId ? 'group' : 'direct',
        groupId,
        state: s.state ?? null,
        error: s.error ?? null,
        disabledPlans: s.disabledPlans ?? [],
        lastUpdated: s.lastUpdatedDateTime ?? null,
      };
    });
  }
  return assigned.map((a) => ({
    skuId: a.skuId,
    source: 'direct',
    groupId: null,
    state: null,
    error: null,
    disabledPlans: a.disabledPlans ?? [],
    lastUpdated: null,
  }));
}

export function userRow(u: GraphUser): UserRow {
  return {
    id: u.id,
    upn: u.userPrincipalName ?? null,
    displayName: u.displayName ?? null,
    mail: u.mail ?? null,
    accountEnabled: u.accountEnabled ?? null,
    userType: u.userType ?? null,
    createdAt: u.createdDateTime ?? null,
    department: u.department ?? null,
    jobTitle: u.jobTitle ?? null,
    usageLocation: u.usageLocation ?? null,
    licenses: userLicenses(u),
  };
}

export function groupRow(g: GraphGroup): GroupRow {
  return {
    id: g.id,
    displayName: g.displayName ?? null,
    licenses: (g.assignedLicenses ?? []).map((l) => ({ skuId: l.skuId, disabledPlans: l.disabledPlans ?? [] })),
  };
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

/* Report cells: empty means "no value". */

function reportCellError(column: string, what: string): OperatorError {
  return new OperatorError('graph-error', `A usage report row has an invalid "${column}" value (expected ${what}).`, {
    hint: 'The report format may have changed. Try again later; if it persists, report it with the log file.',
    remedy: { action: 'retry-later' },
  });
}

export function textCell(v: string | undefined): string | null {
  const t = v?.trim();
  return t ? t : null;
}

function cellText(row: Readonly<Record<string, unknown>>, column: string): string | undefined {
  const v = row[column];
  return typeof v === 'string' ? v.trim() : undefined;
}

export function boolCell(row: Readonly<Record<string, unknown>>, column: string): boolean | null {
  const t = cellText(row, column)?.toLowerCase();
  if (!t) return null;
  // Microsoft's CSVs use True/False or Yes/No; some columns (e.g. "Activated On Shared
  // Computer") are also seen as 0/1.
  if (t === 'true' || t === 'yes' || t === '1') return true;
  if (t === 'false' || t === 'no' || t === '0') return false;
  throw reportCellError(column, 'True/False, Yes/No or 1/0');
}

export function intCell(row: Readonly<Record<string, unknown>>, column: string): number | null {
  const t = cellText(row, column);
  if (!t) return null;
  if (!/^-?\d+$/.test(t)) throw reportCellError(column, 'a whole number');
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw reportCellError(column, 'a whole number within range');
  return n;
}

function raw(row: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(row)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function activeUserDetailRow(r: z.infer<typeof activeUserDetailRowSchema>): ActiveUserDetailRow {
  return {
    upn: r['User Principal Name'],
    displayName: textCell(r['Display Name']),
    isDeleted: boolCell(r, 'Is Deleted'),
    hasExchangeLicense: boolCell(r, 'Has Exchange License'),
    hasOneDriveLicense: boolCell(r, 'Has OneDrive License'),
    hasSharePointLicense: boolCell(r, 'Has SharePoint License'),
    hasTeamsLicense: boolCell(r, 'Has Teams License'),
    hasYammerLicense: boolCell(r, 'Has Yammer License'),
    hasSkypeLicense: boolCell(r, 'Has Skype For Business License'),
    exchangeLastActivity: textCell(r['Exchange Last Activity Date']),
    oneDriveLastActivity: textCell(r['OneDrive Last Activity Date']),
    sharePointLastActivity: textCell(r['SharePoint Last Activity Date']),
    teamsLastActivity: textCell(r['Teams Last Activity Date']),
    yammerLastActivity: textCell(r['Yammer Last Activity Date']),
    skypeLastActivity: textCell(r['Skype For Business Last Activity Date']),
    assignedProducts: textCell(r['Assigned Products']),
    reportRefreshDate: textCell(r['Report Refresh Date']),
    raw: raw(r),
  };
}

export function m365AppUserDetailRow(r: z.infer<typeof m365AppUserDetailRowSchema>): M365AppUserDetailRow {
  return {
    upn: r['User Principal Name'],
    lastActivationDate: textCell(r['Last Activation Date']),
    lastActivityDate: textCell(r['Last Activity Date']),
    windows: boolCell(r, 'Windows'),
    mac: boolCell(r, 'Mac'),
    mobile: boolCell(r, 'Mobile'),
    web: boolCell(r, 'Web'),
    reportRefreshDate: textCell(r['Report Refresh Date']),
    raw: raw(r),
  };
}

export function activationsUserDetailRow(r: z.infer<typeof activationsUserDetailRowSchema>): ActivationsUserDetailRow {
  return {
    upn: r['User Principal Name'],
    displayName: textCell(r['Display Name']),
    productType: textCell(r['Product Type']),
    lastActivatedDate: textCell(r['Last Activated Date']),
    windows: intCell(r, 'Windows'),
    mac: intCell(r, 'Mac'),
    windows10Mobile: intCell(r, 'Windows 10 Mobile'),
    ios: intCell(r, 'iOS'),
    android: intCell(r, 'Android'),
    sharedComputer: boolCell(r, 'Activated On Shared Computer'),
    reportRefreshDate: textCell(r['Report Refresh Date']),
    raw: raw(r),
  };
}

export function mailboxUsageDetailRow(r: z.infer<typeof mailboxUsageDetailRowSchema>): MailboxUsageDetailRow {
  return {
    upn: r['User Principal Name'],
    displayName: textCell(r['Display Name']),
    isDeleted: boolCell(r, 'Is Deleted'),
    createdDate: textCell(r['Created Date']),
    lastActivityDate: textCell(r['Last Activity Date']),
    itemCount: intCell(r, 'Item Count'),
    storageUsedBytes: intCell(r, 'Storage Used (Byte)'),
    prohibitSendReceiveBytes: intCell(r, 'Prohibit Send/Receive Quota (Byte)'),
    hasArchive: boolCell(r, 'Has Archive'),
    recipientType: textCell(r['Recipient Type']),
    reportRefreshDate: textCell(r['Report Refresh Date']),
    raw: raw(r),
  };
}
