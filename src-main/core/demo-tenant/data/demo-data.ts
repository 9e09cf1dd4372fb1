/**
 * Synthetic directory data for the demo tenant.
 *
 * Every user is computed on its own from (seed, index): nothing per user is ever
 * stored, so a 1,000,000-user tenant costs the same memory as a 500-user one.
 * Creation makes one streaming pass over the licence decisions only (numbers, no
 * objects) to get each SKU's consumedUnits.
 *
 * All dates are relative to REPORT_DATE (2026-11-01T00:00:00Z), a fixed anchor so
 * the data is reproducible: "inactive 90+ days" means the last sign-in is more
 * than 90 days before the anchor.
 *
 * Reconciliation cases present at every size (rates are per user):
 * - disabled accounts that still hold licences (~6% of users are disabled)
 * - never signed in (~7%, more among disabled), inactive 90+ days (~12%)
 * - overlapping SKUs: Office 365 E3 + Microsoft 365 E3 (~4%), Office 365 E5 +
 *   Exchange Online (Plan 1) with EXCHANGE_S_STANDARD disabled (~2%), Office 365 E1 +
 *   Exchange Online (Plan 1) (~1%)
 * - licensed guests, group-based assignments (some users hold a SKU both directly
 *   and through a group), disabledPlans on assignments
 * - CountViolation (Project group, subscription full) and
 *   MutuallyExclusiveViolation (Exchange Plan 1 group on users with Exchange Plan 2)
 * - an over-assigned SKU (Visio Plan 2: consumed > enabled after a shrink)
 * - a subscription in warning (Entra ID P1) and one suspended (Teams Rooms Pro)
 * - free/viral SKUs with huge prepaid counts.
 * A tenant without Entra ID P1 (p1: false) holds no product carrying AAD_PREMIUM.
 *
 * Microsoft's real data shapes, planted on purpose (each with its ground truth in
 * userRecord(i).truth, and per finding in plantedCases() of planted.ts):
 * - users whose latest sign-in ATTEMPTS failed: lastSignInDateTime recent, while
 *   lastSuccessfulSignInDateTime is months old (a password-spray victim);
 * - users whose lastSuccessfulSignInDateTime is null (not backfilled before December 2023)
 *   while the attempt dates are set;
 * - the never-signed-in sentinel 0001-01-01T00:00:00Z next to plain nulls;
 * - licenseAssignmentStates.error null on success in some tenants and "None" in others;
 * - service accounts (svc-...) and shared mailboxes (Exchange Online Plan 1) holding
 *   licences: blocked ones named shared...., and enabled ones under a plain name that only the
 *   mailbox report's Recipient Type identifies;
 * - every licenseAssignmentStates error kind, each through a licensing group;
 * - plan statuses PendingProvisioning, PendingActivation and PendingInput.
 *
 * Subscribed SKUs carry their full service-plan lists from the built-in catalogue
 * (Microsoft's licensing service plan reference), with appliesTo and provisioningStatus
 * as subscribedSkus reports them (see servicePlanShape below).
 */
import { builtinCatalog } from '../../catalog/builtin';
import type { CatalogSku } from '../../catalog/microsoft-csv';
import { SERVICE_PLANS } from '../../catalog/skus';
import { guidFrom, hashString, mix, Rng } from './prng';
import { isoSeconds } from './time';
import { DEPARTMENTS, FIRST_NAMES, GUEST_DOMAINS, LAST_NAMES, LOCATIONS } from './words';

/** Fixed anchor every synthetic date is relative to. */
export const REPORT_DATE = Date.UTC(2026, 10, 1);
const DAY = 86_400_000;
/** The inactivity threshold the ground truth assumes (the reconciliation's default). */
export const INACTIVE_DAYS = 90;
/** What Graph sends for "never" in signInActivity. */
export const NEVER_SENTINEL = '0001-01-01T00:00:00Z';
const SALT_USAGE = 0x05a9e;

export type LicenseAssignmentState = 'Active' | 'ActiveWithError' | 'Disabled' | 'Error';
export type LicenseAssignmentError =
  | 'None'
  | 'CountViolation'
  | 'MutuallyExclusiveViolation'
  | 'DependencyViolation'
  | 'ProhibitedInUsageLocationViolation'
  | 'UniquenessViolation'
  | 'Other';

export interface AssignedLicense {
  skuId: string;
  disabledPlans: string[];
}

export interface LicenseAssignmentStateRecord {
  skuId: string;
  assignedByGroup: string | null;
  state: LicenseAssignmentState;
  /** null on success in some tenants, "None" in others (both mean success). */
  error: LicenseAssignmentError | null;
  disabledPlans: string[];
  lastUpdatedDateTime: string;
}

export interface SignInActivity {
  lastSignInDateTime: string | null;
  lastSignInRequestId: string | null;
  lastNonInteractiveSignInDateTime: string | null;
  lastNonInteractiveSignInRequestId: string | null;
  lastSuccessfulSignInDateTime: string | null;
  lastSuccessfulSignInRequestId: string | null;
}

/** A user in Microsoft Graph v1.0 shape (the properties the product selects). */
export interface DemoUser {
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  createdDateTime: string;
  department: string | null;
  jobTitle: string | null;
  usageLocation: string | null;
  businessPhones: string[];
  mobilePhone: string | null;
  officeLocation: string | null;
  preferredLanguage: string | null;
  assignedLicenses: AssignedLicense[];
  licenseAssignmentStates: LicenseAssignmentStateRecord[];
  signInActivity: SignInActivity;
}

export type DirectoryRoleName = 'Global Administrator' | 'Global Reader' | 'Reports Reader';

/** What kind of account the generator made. */
export type PlantedAccountKind = 'person' | 'guest' | 'room' | 'service' | 'shared';

/**
 * The ground truth the generator planted for one user, in its own terms (never derived
 * from the served data), relative to REPORT_DATE and the default 90-day threshold.
 */
export interface PlantedTruth {
  kind: PlantedAccountKind;
  /**
   * By the last SUCCESSFUL sign-in: 'never' (no sign-in at all), 'inactive' (more than 90
   * days before REPORT_DATE), 'active'.
   */
  signIn: 'active' | 'inactive' | 'never';
  /** Recent sign-in attempts that failed (lastSignInDateTime recent, last success old). */
  failedAttempts: boolean;
  /** lastSuccessfulSignInDateTime left null (not backfilled); the attempt dates are real. */
  successMissing: boolean;
  /** Never-signed-in user sent with the 0001-01-01 sentinel instead of nulls. */
  sentinel: boolean;
  /** Created less than 90 days before REPORT_DATE. */
  recentlyCreated: boolean;
  /** Epoch ms of the last real activity (the last successful sign-in), or null. */
  activityMs: number | null;
  /** Usage pattern in the reports: 'none' signs in but uses nothing, 'mailboxOnly' uses only Exchange. */
  usage: 'normal' | 'none' | 'mailboxOnly';
}

/** A user plus data kept internally (never served in /users). */
export interface DemoUserRecord {
  index: number;
  user: DemoUser;
  /** Directory roles held (by display name). */
  roles: DirectoryRoleName[];
  truth: PlantedTruth;
}

export interface DemoGroup {
  id: string;
  displayName: string;
  description: string | null;
  mail: string | null;
  mailEnabled: boolean;
  mailNickname: string;
  securityEnabled: boolean;
  groupTypes: string[];
  createdDateTime: string;
  assignedLicenses: AssignedLicense[];
}

export interface SubscribedSku {
  id: string;
  accountId: string;
  accountName: string;
  appliesTo: string;
  capabilityStatus: 'Enabled' | 'Warning' | 'Suspended' | 'Deleted' | 'LockedOut';
  consumedUnits: number;
  prepaidUnits: { enabled: number; suspended: number; warning: number; lockedOut: number };
  servicePlans: { servicePlanId: string; servicePlanName: string; provisioningStatus: string; appliesTo: string }[];
  skuId: string;
  skuPartNumber: string;
  subscriptionIds: string[];
}

export interface DemoDataOptions {
  seed: string;
  users: number;
  tenantId: string;
  domain: string;
  /**
   * Tenant holds Entra ID P1 (default true). Without it, products that carry the
   * AAD_PREMIUM plan are neither subscribed nor assigned: Microsoft 365 E3 becomes
   * Office 365 E3, Microsoft 365 F3 becomes Exchange Online (Plan 1), Entra ID P1
   * and Teams Rooms Pro are absent.
   */
  p1?: boolean;
  /**
   * licenseAssignmentStates.error on success: null or "None" (Microsoft sends either; by
   * default the seed picks one).
   */
  successError?: 'null' | 'None';
}

export interface DemoData {
  readonly seed: string;
  readonly tenantId: string;
  readonly domain: string;
  readonly userCount: number;
  readonly reportDate: number;
  readonly skus: readonly SubscribedSku[];
  readonly groups: readonly DemoGroup[];
  /** The Graph user at index i (0 <= i < userCount). */
  user(i: number): DemoUser;
  /** The user with internal data (roles). */
  userRecord(i: number): DemoUserRecord;
  /** Stable per-tenant hash key (for concealed names, request ids). */
  readonly key: number;
  /** How this tenant reports a successful assignment's error (null or "None"). */
  readonly successError: 'null' | 'None';
  /** Usage reports write Yes/No instead of True/False for their boolean columns. */
  readonly yesNoReports: boolean;
}

// ---------------------------------------------------------------------------
// SKU and group tables

/**
 * The products the demo tenant subscribes to, by part number. A SKU's index here is its
 * bit in the licence masks below (at most 31). New products go at the end so existing
 * seeds keep their assignments.
 */
const DEMO_SKU_PARTS = [
  'ENTERPRISEPACK',
  'ENTERPRISEPREMIUM',
  'SPE_E3',
  'SPE_F1',
  'EXCHANGESTANDARD',
  'VISIOCLIENT',
  'PROJECTPROFESSIONAL',
  'POWER_BI_PRO',
  'Microsoft_Teams_Rooms_Pro',
  'AAD_PREMIUM',
  'POWER_BI_STANDARD',
  'FLOW_FREE',
  'TEAMS_EXPLORATORY',
  'SPE_E5',
  'STANDARDPACK',
] as const;

/** The demo tenant's SKUs with their full plan lists, from the built-in catalogue. */
export const DEMO_SKUS: readonly CatalogSku[] = DEMO_SKU_PARTS.map((part) => {
  const s = builtinCatalog().skuByPartNumber(part);
  if (!s) throw new Error(`the built-in catalogue lacks ${part}`);
  return s;
});

function skuIndex(part: (typeof DEMO_SKU_PARTS)[number]): number {
  return DEMO_SKU_PARTS.indexOf(part);
}

const S = {
  O365_E3: skuIndex('ENTERPRISEPACK'),
  O365_E5: skuIndex('ENTERPRISEPREMIUM'),
  M365_E3: skuIndex('SPE_E3'),
  F3: skuIndex('SPE_F1'),
  EXO_P1: skuIndex('EXCHANGESTANDARD'),
  VISIO: skuIndex('VISIOCLIENT'),
  PROJECT: skuIndex('PROJECTPROFESSIONAL'),
  PBI_PRO: skuIndex('POWER_BI_PRO'),
  ROOMS_PRO: skuIndex('Microsoft_Teams_Rooms_Pro'),
  ENTRA_P1: skuIndex('AAD_PREMIUM'),
  PBI_FREE: skuIndex('POWER_BI_STANDARD'),
  FLOW_FREE: skuIndex('FLOW_FREE'),
  TEAMS_EXPLORATORY: skuIndex('TEAMS_EXPLORATORY'),
  M365_E5: skuIndex('SPE_E5'),
  O365_E1: skuIndex('STANDARDPACK'),
} as const;

/**
 * How subscribedSkus reports a plan (learn.microsoft.com/graph/api/resources/serviceplaninfo):
 * appliesTo is "User" (assignable to individual users) or "Company" (applies to the whole
 * tenant); provisioningStatus PendingActivation is "provisioned but requires explicit
 * activation by an administrator (for example, Intune_O365 service plan)". EXCHANGE_S_FOUNDATION
 * (the Exchange plumbing bundled into many non-Exchange products) and INTUNE_O365 (mobile
 * device management for Office 365, set up tenant-wide) apply to the company.
 */
const COMPANY_PLANS: ReadonlySet<string> = new Set([SERVICE_PLANS.EXCHANGE_S_FOUNDATION.servicePlanId, SERVICE_PLANS.INTUNE_O365.servicePlanId]);

function servicePlanShape(
  planId: string,
  planName: string,
  skuPart: string,
  skuStatus: SubscribedSku['capabilityStatus'],
): { provisioningStatus: string; appliesTo: 'User' | 'Company' } {
  const appliesTo = COMPANY_PLANS.has(planId) ? 'Company' : 'User';
  if (skuStatus === 'Suspended') return { provisioningStatus: 'Disabled', appliesTo };
  if (planId === SERVICE_PLANS.INTUNE_O365.servicePlanId) return { provisioningStatus: 'PendingActivation', appliesTo };
  // PendingInput: "waiting for the administrator's input" (Teams Phone needs a calling plan
  // set up); PendingProvisioning: "being provisioned" (a recently bought add-on).
  if (skuPart === 'SPE_E5' && planName === 'MCOEV') return { provisioningStatus: 'PendingInput', appliesTo };
  if (skuPart === 'PROJECTPROFESSIONAL' && planName === 'PROJECT_CLIENT_SUBSCRIPTION') return { provisioningStatus: 'PendingProvisioning', appliesTo };
  return { provisioningStatus: 'Success', appliesTo };
}

const bit = (i: number): number => 1 << i;

interface GroupDef {
  key: string;
  displayName: string;
  description: string | null;
  /** Catalog index of the SKU the group assigns, or -1 for an unlicensed group. */
  sku: number;
  disabledPlans: readonly string[];
  unified: boolean;
}

const GROUP_DEFS: readonly GroupDef[] = [
  { key: 'lic-o365e3', displayName: 'SG-LIC-Office365-E3', description: 'Office 365 E3 for knowledge workers', sku: S.O365_E3, disabledPlans: [], unified: false },
  { key: 'lic-m365e3', displayName: 'SG-LIC-Microsoft365-E3', description: 'Microsoft 365 E3 (Yammer disabled)', sku: S.M365_E3, disabledPlans: [SERVICE_PLANS.YAMMER_ENTERPRISE.servicePlanId], unified: false },
  { key: 'lic-f3', displayName: 'SG-LIC-Frontline-F3', description: 'Microsoft 365 F3 for frontline staff', sku: S.F3, disabledPlans: [], unified: false },
  { key: 'lic-exo', displayName: 'SG-LIC-Exchange-Online-P1', description: 'Mailbox only', sku: S.EXO_P1, disabledPlans: [], unified: false },
  { key: 'lic-pbi', displayName: 'SG-LIC-PowerBI-Pro', description: 'Power BI Pro for report authors', sku: S.PBI_PRO, disabledPlans: [], unified: false },
  { key: 'lic-project', displayName: 'SG-LIC-Project-Plan3', description: 'Project Plan 3 for PMO', sku: S.PROJECT, disabledPlans: [], unified: false },
  { key: 'all-company', displayName: 'All Company', description: 'Everyone in the organisation', sku: -1, disabledPlans: [], unified: true },
  { key: 'finance', displayName: 'Finance Team', description: null, sku: -1, disabledPlans: [], unified: true },
  { key: 'it-ops', displayName: 'IT Operations', description: 'Service desk and infrastructure', sku: -1, disabledPlans: [], unified: false },
  { key: 'partners', displayName: 'Guests - Partners', description: 'External collaborators', sku: -1, disabledPlans: [], unified: false },
];

/** Group index (into GROUP_DEFS) that assigns each SKU, or -1. */
const GROUP_FOR_SKU: number[] = DEMO_SKUS.map((_, si) => GROUP_DEFS.findIndex((g) => g.sku === si));

const DISABLED_O365_DIRECT = [SERVICE_PLANS.SWAY.servicePlanId, SERVICE_PLANS.YAMMER_ENTERPRISE.servicePlanId];
const DISABLED_EXO_WITH_E5 = [SERVICE_PLANS.EXCHANGE_S_STANDARD.servicePlanId];

// ---------------------------------------------------------------------------
// Licence decisions: numbers only, shared by the creation pass and user(i)

const ERR_NONE = 0;
const ERR_COUNT = 1;
const ERR_MUTEX = 2;
const ERR_DEPENDENCY = 3;
const ERR_LOCATION = 4;
const ERR_UNIQUENESS = 5;
const ERR_OTHER = 6;

/** licenseAssignmentStates.error of each planted error kind. */
const ERROR_NAMES: Record<number, LicenseAssignmentError> = {
  [ERR_COUNT]: 'CountViolation',
  [ERR_MUTEX]: 'MutuallyExclusiveViolation',
  [ERR_DEPENDENCY]: 'DependencyViolation',
  [ERR_LOCATION]: 'ProhibitedInUsageLocationViolation',
  [ERR_UNIQUENESS]: 'UniquenessViolation',
  [ERR_OTHER]: 'Other',
};

interface LicenceScratch {
  guest: boolean;
  enabled: boolean;
  room: boolean;
  /** Service account (svc-...) holding a licence; signs in non-interactively only, or never. */
  service: boolean;
  /** Shared mailbox: a disabled account holding Exchange Online (Plan 1). */
  shared: boolean;
  /** SKUs assigned directly (successfully). */
  direct: number;
  /** SKUs inherited from a group (successfully). */
  viaGroup: number;
  /** Direct Office 365 E3 assignment has SWAY/Yammer disabled. */
  o365Disabled: boolean;
  /** Exchange Plan 1 held next to E5, with its Exchange plan disabled. */
  exoWithE5: boolean;
  errorSku: number;
  errorKind: number;
}

function newScratch(): LicenceScratch {
  return { guest: false, enabled: true, room: false, service: false, shared: false, direct: 0, viaGroup: 0, o365Disabled: false, exoWithE5: false, errorSku: -1, errorKind: ERR_NONE };
}

const SALT_LIC = 0x51a7e1c3;
const SALT_ID = 0x1de17171;
const SALT_USER_ID = 0x0b1ec7;
const SALT_REQ = 0x7e9e57;
const SALT_KIND = 0x5e41ce;
const SALT_SIGN = 0x51921;
const SALT_SHAPE = 0x5a4e;

/** A uniform [0, 1) number from a hash (decisions that must not disturb the main streams). */
function unit(h: number): number {
  return h / 4_294_967_296;
}

/** SKUs that carry the AAD_PREMIUM plan (absent from a tenant without P1). */
const P1_SKUS = DEMO_SKUS.reduce(
  (m, sk, si) => (sk.servicePlans.some((p) => p.servicePlanId === SERVICE_PLANS.AAD_PREMIUM.servicePlanId) ? m | bit(si) : m),
  0,
);

/** Moves P1-bearing assignments to their non-P1 counterparts. */
function withoutP1(mask: number): number {
  let m = mask;
  if (m & bit(S.M365_E3)) m = (m & ~bit(S.M365_E3)) | bit(S.O365_E3);
  if (m & bit(S.M365_E5)) m = (m & ~bit(S.M365_E5)) | bit(S.O365_E5);
  if (m & bit(S.F3)) m = (m & ~bit(S.F3)) | bit(S.EXO_P1);
  return m & ~P1_SKUS;
}

function decideLicences(rng: Rng, s: LicenceScratch, p1: boolean, kindRoll: number): void {
  s.service = false;
  s.shared = false;
  s.direct = 0;
  s.viaGroup = 0;
  s.o365Disabled = false;
  s.exoWithE5 = false;
  s.errorSku = -1;
  s.errorKind = ERR_NONE;
  s.guest = rng.next() < 0.04;
  s.enabled = rng.next() >= 0.06;
  s.room = !s.guest && rng.next() < 0.006;
  if (s.room) {
    s.direct = p1 ? bit(S.ROOMS_PRO) : 0;
    return;
  }
  if (!s.guest && kindRoll < 0.012) {
    if (kindRoll < 0.006) {
      s.service = true;
      s.enabled = true;
      s.direct = kindRoll < 0.003 ? bit(S.O365_E3) : bit(S.EXO_P1);
    } else {
      s.shared = true;
      // Half are blocked from sign-in under a shared.* name; the other half keep sign-in enabled
      // under a plain name (sales.inbox12@...) that no UPN pattern catches: only the mailbox
      // report's Recipient Type tells them apart from people.
      s.enabled = kindRoll >= 0.009;
      s.direct = bit(S.EXO_P1);
    }
    return;
  }
  if (s.guest) {
    const r = rng.next();
    if (r < 0.25) s.direct = bit(S.PBI_PRO);
    else if (r < 0.35) s.direct = bit(S.O365_E3);
    else if (r < 0.45) s.direct = bit(S.FLOW_FREE);
    return;
  }
  const base = rng.next();
  const groupRoll = rng.next();
  const dupRoll = rng.next();
  let primary = -1;
  let secondary = -1;
  if (base < 0.28) primary = S.O365_E3;
  else if (base < 0.46) primary = S.M365_E3;
  else if (base < 0.5) { primary = S.M365_E3; secondary = S.O365_E3; }
  else if (base < 0.57) primary = S.O365_E5;
  else if (base < 0.59) { primary = S.O365_E5; secondary = S.EXO_P1; s.exoWithE5 = true; }
  else if (base < 0.71) primary = S.F3;
  else if (base < 0.79) primary = S.EXO_P1;
  else if (base < 0.83) primary = S.M365_E5;
  else if (base < 0.87) primary = S.O365_E1;
  else if (base < 0.88) { primary = S.O365_E1; secondary = S.EXO_P1; }
  if (primary >= 0) {
    if ((GROUP_FOR_SKU[primary] ?? -1) >= 0 && groupRoll < 0.5) {
      s.viaGroup |= bit(primary);
      if (dupRoll < 0.08) s.direct |= bit(primary);
    } else {
      s.direct |= bit(primary);
    }
  }
  if (secondary >= 0) s.direct |= bit(secondary);
  // Add-ons.
  if (rng.next() < 0.04) s.direct |= bit(S.VISIO);
  if (rng.next() < 0.03) {
    if (rng.next() < 0.7) s.viaGroup |= bit(S.PROJECT);
    else s.direct |= bit(S.PROJECT);
  }
  if (rng.next() < 0.1) {
    const r = rng.next();
    if (r < 0.6) s.viaGroup |= bit(S.PBI_PRO);
    else s.direct |= bit(S.PBI_PRO);
    if (r < 0.05) s.direct |= bit(S.PBI_PRO);
  }
  if (rng.next() < 0.04) s.direct |= bit(S.ENTRA_P1);
  if (rng.next() < 0.25) s.direct |= bit(S.FLOW_FREE);
  if (rng.next() < 0.2) s.direct |= bit(S.PBI_FREE);
  if (rng.next() < 0.03) s.direct |= bit(S.TEAMS_EXPLORATORY);
  if (!p1) {
    s.direct = withoutP1(s.direct);
    s.viaGroup = withoutP1(s.viaGroup);
  }
  // Failed group assignments (kept only in licenseAssignmentStates).
  const assigned = s.direct | s.viaGroup;
  const e = rng.next();
  const hasExo2 = (assigned & (bit(S.O365_E3) | bit(S.O365_E5) | bit(S.M365_E3) | bit(S.M365_E5))) !== 0;
  if (e < 0.015 && (assigned & bit(S.PROJECT)) === 0) {
    s.errorSku = S.PROJECT;
    s.errorKind = ERR_COUNT;
  } else if (e >= 0.015 && e < 0.045 && hasExo2 && (assigned & bit(S.EXO_P1)) === 0) {
    s.errorSku = S.EXO_P1;
    s.errorKind = ERR_MUTEX;
  } else if (e >= 0.045 && e < 0.05 && (assigned & bit(S.PBI_PRO)) === 0) {
    // Power BI Pro's group on a user whose prerequisite plan was removed.
    s.errorSku = S.PBI_PRO;
    s.errorKind = ERR_DEPENDENCY;
  } else if (e >= 0.05 && e < 0.056 && (assigned & bit(S.F3)) === 0 && (GROUP_FOR_SKU[S.F3] ?? -1) >= 0 && p1) {
    s.errorSku = S.F3;
    s.errorKind = ERR_LOCATION;
  } else if (e >= 0.056 && e < 0.07 && !hasExo2 && (assigned & bit(S.EXO_P1)) === 0) {
    // Another object already holds the user's proxy address.
    s.errorSku = S.EXO_P1;
    s.errorKind = ERR_UNIQUENESS;
  } else if (e >= 0.07 && e < 0.076 && (assigned & bit(S.O365_E3)) === 0) {
    s.errorSku = S.O365_E3;
    s.errorKind = ERR_OTHER;
  }
  s.o365Disabled = (s.direct & bit(S.O365_E3)) !== 0 && rng.next() < 0.15;
}

// ---------------------------------------------------------------------------


interface PrepaidRule {
  status: SubscribedSku['capabilityStatus'];
  prepaid: (consumed: number) => SubscribedSku['prepaidUnits'];
}

const units = (enabled: number, suspended = 0, warning = 0): SubscribedSku['prepaidUnits'] => ({ enabled, suspended, warning, lockedOut: 0 });

/** How each subscription is sized against its consumption (drives the reconciliation cases). */
function prepaidRule(si: number): PrepaidRule {
  switch (si) {
    case S.VISIO: // over-assigned: the subscription shrank below what is assigned
      return { status: 'Enabled', prepaid: (c) => units(Math.max(0, Math.floor(c * 0.8) - 1)) };
    case S.PROJECT: // exactly full, hence CountViolation for further group members
      return { status: 'Enabled', prepaid: (c) => units(c) };
    case S.ENTRA_P1: // expired, in its grace period
      return { status: 'Warning', prepaid: (c) => units(0, 0, c + 5) };
    case S.ROOMS_PRO: // suspended for non-payment, assignments still present
      return { status: 'Suspended', prepaid: (c) => units(0, c + 2, 0) };
    case S.PBI_FREE:
      return { status: 'Enabled', prepaid: () => units(1_000_000) };
    case S.FLOW_FREE:
    case S.TEAMS_EXPLORATORY:
      return { status: 'Enabled', prepaid: () => units(10_000) };
    default:
      return { status: 'Enabled', prepaid: (c) => units(Math.ceil(c * 1.08) + 5) };
  }
}

export function createDemoData(opts: DemoDataOptions): DemoData {
  const userCount = Math.max(0, Math.floor(opts.users));
  const key = hashString(`demo-tenant:${opts.seed}`);
  const domain = opts.domain.toLowerCase();
  const p1 = opts.p1 ?? true;
  const successError: 'null' | 'None' = opts.successError ?? (unit(mix(key ^ SALT_SHAPE, 1)) < 0.5 ? 'null' : 'None');
  const yesNoReports = unit(mix(key ^ SALT_SHAPE, 2)) < 0.5;
  const kindRoll = (i: number): number => unit(mix(key ^ SALT_KIND, i));
  const rng = new Rng(0);

  // One streaming pass: per-SKU consumption, no per-user objects.
  const consumed = new Array<number>(DEMO_SKUS.length).fill(0);
  const scratch = newScratch();
  for (let i = 0; i < userCount; i++) {
    decideLicences(rng.reset(mix(key ^ SALT_LIC, i)), scratch, p1, kindRoll(i));
    let m = scratch.direct | scratch.viaGroup;
    while (m !== 0) {
      const low = m & -m;
      const si = 31 - Math.clz32(low);
      consumed[si] = (consumed[si] ?? 0) + 1;
      m ^= low;
    }
  }

  const groups: DemoGroup[] = GROUP_DEFS.map((g, gi) => {
    const nick = g.displayName.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    const skuInfo = g.sku >= 0 && (p1 || (P1_SKUS & bit(g.sku)) === 0) ? DEMO_SKUS[g.sku] : undefined;
    return {
      id: guidFrom(key, gi, 0x96017),
      displayName: g.displayName,
      description: g.description,
      mail: g.unified ? `${nick}@${domain}` : null,
      mailEnabled: g.unified,
      mailNickname: nick,
      securityEnabled: !g.unified,
      groupTypes: g.unified ? ['Unified'] : [],
      createdDateTime: isoSeconds(REPORT_DATE - (400 + gi * 37) * DAY - gi * 3_600_000),
      assignedLicenses: skuInfo ? [{ skuId: skuInfo.skuId, disabledPlans: [...g.disabledPlans] }] : [],
    };
  });

  const skus: SubscribedSku[] = DEMO_SKUS.flatMap((s: CatalogSku, si): SubscribedSku[] => {
    if (!p1 && (P1_SKUS & bit(si)) !== 0) return [];
    const c = consumed[si] ?? 0;
    const rule = prepaidRule(si);
    return [{
      id: `${opts.tenantId}_${s.skuId}`,
      accountId: opts.tenantId,
      accountName: domain.split('.')[0] ?? domain,
      appliesTo: 'User',
      capabilityStatus: rule.status,
      consumedUnits: c,
      prepaidUnits: rule.prepaid(c),
      servicePlans: s.servicePlans.map((p) => ({
        servicePlanId: p.servicePlanId,
        servicePlanName: p.servicePlanName,
        ...servicePlanShape(p.servicePlanId, p.servicePlanName, s.skuPartNumber, rule.status),
      })),
      skuId: s.skuId,
      skuPartNumber: s.skuPartNumber,
      subscriptionIds: [guidFrom(key, si, 0x5b5c)],
    }];
  });

  const groupIds = groups.map((g) => g.id);
  const idRng = new Rng(0);
  const licRng = new Rng(0);
  const lic = newScratch();

  function requestId(i: number, n: number): string {
    return guidFrom(key ^ SALT_REQ, i, n);
  }

  function userRecord(i: number): DemoUserRecord {
    if (!Number.isInteger(i) || i < 0 || i >= userCount) throw new RangeError(`user index ${i} out of range`);
    decideLicences(licRng.reset(mix(key ^ SALT_LIC, i)), lic, p1, kindRoll(i));
    const r = idRng.reset(mix(key ^ SALT_ID, i));
    const first = r.pick(FIRST_NAMES);
    const last = r.pick(LAST_NAMES);
    const dept = r.pick(DEPARTMENTS);
    const title = r.pick(dept.titles);
    const loc = r.pick(LOCATIONS);
    const contractor = r.next() < 0.03;
    const phoneRoll = r.next();

    // Sign-in pattern: disabled accounts skew to stale or never used.
    const signRoll = r.next();
    const neverP = lic.enabled ? 0.06 : 0.2;
    const inactiveP = lic.enabled ? 0.1 : 0.65;
    // Service accounts and shared mailboxes never sign in interactively: without their
    // exclusions they would read as never-signed-in or disabled users.
    const never = lic.service || lic.shared || signRoll < neverP;
    const inactive = !never && signRoll < neverP + inactiveP;
    const lastDaysAgo = never ? 0 : inactive ? r.int(91, 540) : r.int(0, 60);
    const createdDaysAgo = never ? r.int(1, 900) : lastDaysAgo + r.int(5, 1500);
    const secs = r.int(0, 86_399) * 1000;
    const createdMs = REPORT_DATE - createdDaysAgo * DAY - secs;
    const lastSignMs = REPORT_DATE - lastDaysAgo * DAY - r.int(0, 86_399) * 1000;
    const nonInteractiveMs = inactive
      ? lastSignMs - r.int(0, 3) * DAY
      : REPORT_DATE - r.int(0, Math.max(0, lastDaysAgo)) * DAY - r.int(0, 86_399) * 1000;
    const successMs0 = r.next() < 0.05 ? lastSignMs - r.int(1, 10) * DAY : lastSignMs;
    const updatedMs = createdMs + Math.floor(r.next() * (REPORT_DATE - createdMs));
    const roleRoll = r.next();
    // Planted sign-in shapes, from their own hash so the draws above stay as they were.
    const signRoll2 = unit(mix(key ^ SALT_SIGN, i));
    const sentinel = never && signRoll2 < 0.5;
    // A password-spray victim: inactive, yet its latest attempts are days old (they failed).
    const failedAttempts = inactive && lic.enabled && signRoll2 < 0.4;
    // lastSuccessfulSignInDateTime not backfilled: only the attempt dates are set.
    const successMissing = !never && !failedAttempts && signRoll2 > 0.96;
    const successMs = Math.max(createdMs, successMs0);
    const attemptMs = failedAttempts ? REPORT_DATE - r.int(0, 5) * DAY - r.int(0, 86_399) * 1000 : lastSignMs;
    const nonInteractiveOut = failedAttempts ? Math.max(createdMs, lastSignMs - DAY) : Math.max(createdMs, nonInteractiveMs);
    // The last successful sign-in the reconciliation must find (what the rule reads).
    const effectiveMs = never ? null : successMissing ? Math.max(attemptMs, nonInteractiveOut) : successMs;
    const cutoff = REPORT_DATE - INACTIVE_DAYS * DAY;
    const truthSignIn: PlantedTruth['signIn'] = effectiveMs === null ? 'never' : effectiveMs < cutoff ? 'inactive' : 'active';

    const id = guidFrom(key ^ SALT_USER_ID, i, 0);
    let upn: string;
    let displayName: string;
    let mail: string | null;
    let givenName: string | null = first.name;
    let surname: string | null = last.name;
    if (lic.room) {
      const city = loc.city.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();
      upn = `room.${city}${i}@${domain}`;
      displayName = `Conference Room ${loc.city} ${i}`;
      mail = upn;
      givenName = null;
      surname = null;
    } else if (lic.service) {
      upn = `svc-${dept.name.toLowerCase().replace(/[^a-z]/g, '')}${i}@${domain}`;
      displayName = `${dept.name} service account ${i}`;
      mail = upn;
      givenName = null;
      surname = null;
    } else if (lic.shared) {
      const box = dept.name.toLowerCase().replace(/[^a-z]/g, '');
      upn = lic.enabled ? `${box}.inbox${i}@${domain}` : `shared.${box}${i}@${domain}`;
      displayName = `${dept.name} Inbox ${i}`;
      mail = upn;
      givenName = null;
      surname = null;
    } else if (lic.guest) {
      const gd = GUEST_DOMAINS[i % GUEST_DOMAINS.length] ?? 'fabrikam.com';
      mail = `${first.ascii}.${last.ascii}${i}@${gd}`;
      upn = `${first.ascii}.${last.ascii}${i}_${gd}#EXT#@${domain}`;
      displayName = `${first.name} ${last.name} (${gd})`;
    } else {
      upn = `${first.ascii}.${last.ascii}${i}@${domain}`;
      mail = upn;
      displayName = contractor ? `${last.name}, ${first.name} (Contractor)` : `${first.name} ${last.name}`;
    }

    const updated = isoSeconds(updatedMs);
    const okError: LicenseAssignmentError | null = successError === 'null' ? null : 'None';
    const assigned = lic.direct | lic.viaGroup;
    const assignedLicenses: AssignedLicense[] = [];
    const states: LicenseAssignmentStateRecord[] = [];
    for (let si = 0; si < DEMO_SKUS.length; si++) {
      const b = bit(si);
      const skuId = DEMO_SKUS[si]?.skuId ?? '';
      const gi = GROUP_FOR_SKU[si] ?? -1;
      const groupDisabled = gi >= 0 ? (GROUP_DEFS[gi]?.disabledPlans ?? []) : [];
      const directDisabled =
        si === S.O365_E3 && lic.o365Disabled ? DISABLED_O365_DIRECT : si === S.EXO_P1 && lic.exoWithE5 ? DISABLED_EXO_WITH_E5 : [];
      if (assigned & b) {
        let effective: readonly string[];
        if ((lic.direct & b) !== 0 && (lic.viaGroup & b) !== 0) effective = directDisabled.filter((p) => groupDisabled.includes(p));
        else if (lic.direct & b) effective = directDisabled;
        else effective = groupDisabled;
        assignedLicenses.push({ skuId, disabledPlans: [...effective] });
      }
      if (lic.direct & b) {
        states.push({ skuId, assignedByGroup: null, state: 'Active', error: okError, disabledPlans: [...directDisabled], lastUpdatedDateTime: updated });
      }
      if (lic.viaGroup & b) {
        states.push({ skuId, assignedByGroup: groupIds[gi] ?? null, state: 'Active', error: okError, disabledPlans: [...groupDisabled], lastUpdatedDateTime: updated });
      }
      if (lic.errorSku === si) {
        states.push({
          skuId,
          assignedByGroup: groupIds[gi] ?? null,
          state: 'Error',
          error: ERROR_NAMES[lic.errorKind] ?? 'Other',
          disabledPlans: [...groupDisabled],
          lastUpdatedDateTime: updated,
        });
      }
    }

    const neverDate = sentinel ? NEVER_SENTINEL : null;
    const signInActivity: SignInActivity = never
      ? {
          lastSignInDateTime: neverDate,
          lastSignInRequestId: null,
          lastNonInteractiveSignInDateTime: neverDate,
          lastNonInteractiveSignInRequestId: null,
          lastSuccessfulSignInDateTime: neverDate,
          lastSuccessfulSignInRequestId: null,
        }
      : {
          lastSignInDateTime: isoSeconds(attemptMs),
          lastSignInRequestId: requestId(i, 1),
          lastNonInteractiveSignInDateTime: isoSeconds(nonInteractiveOut),
          lastNonInteractiveSignInRequestId: requestId(i, 2),
          lastSuccessfulSignInDateTime: successMissing ? null : isoSeconds(successMs),
          lastSuccessfulSignInRequestId: successMissing ? null : successMs === attemptMs ? requestId(i, 1) : requestId(i, 3),
        };

    const roles: DirectoryRoleName[] = [];
    if (i === 0) roles.push('Global Administrator');
    else if (!lic.guest && !lic.room && !lic.service && !lic.shared && lic.enabled) {
      if (roleRoll < 0.004) roles.push('Global Administrator');
      else if (roleRoll < 0.01) roles.push('Global Reader');
      else if (roleRoll < 0.016) roles.push('Reports Reader');
    }

    const user: DemoUser = {
      id,
      userPrincipalName: upn,
      displayName,
      givenName,
      surname,
      mail,
      accountEnabled: lic.enabled,
      userType: lic.guest ? 'Guest' : 'Member',
      createdDateTime: isoSeconds(createdMs),
      department: lic.guest ? null : lic.room ? 'Facilities' : dept.name,
      jobTitle: lic.guest ? null : lic.room ? null : title,
      usageLocation: loc.usageLocation,
      businessPhones: lic.guest || phoneRoll < 0.5 ? [] : [`+1 425 555 ${String(1000 + (i % 9000)).padStart(4, '0')}`],
      mobilePhone: !lic.guest && phoneRoll > 0.85 ? `+1 206 555 ${String(1000 + (i % 9000)).padStart(4, '0')}` : null,
      officeLocation: lic.guest ? null : loc.office,
      preferredLanguage: lic.guest ? null : loc.language,
      assignedLicenses,
      licenseAssignmentStates: states,
      signInActivity,
    };
    const usageRoll = unit(mix(key ^ SALT_USAGE, i));
    const truth: PlantedTruth = {
      kind: lic.room ? 'room' : lic.guest ? 'guest' : lic.service ? 'service' : lic.shared ? 'shared' : 'person',
      signIn: truthSignIn,
      failedAttempts,
      successMissing,
      sentinel,
      recentlyCreated: createdMs > cutoff,
      activityMs: lic.service ? null : effectiveMs,
      usage: lic.guest || lic.room || lic.service || lic.shared ? 'normal' : usageRoll < 0.03 ? 'none' : usageRoll < 0.09 ? 'mailboxOnly' : 'normal',
    };
    return { index: i, user, roles, truth };
  }

  return {
    seed: opts.seed,
    tenantId: opts.tenantId,
    domain,
    userCount,
    reportDate: REPORT_DATE,
    skus,
    groups,
    key,
    successError,
    yesNoReports,
    user: (i) => userRecord(i).user,
    userRecord,
  };
}
