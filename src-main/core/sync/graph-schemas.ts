import { z } from 'zod';
import { OperatorError } from '../errors/operator-error';

/**
 * zod schemas of the Microsoft Graph v1.0 objects the sync reads. Only the fields we
 * use are declared; unknown extra fields pass through (loose objects), so a new Graph
 * property never breaks a sync, while a wrong type in a field we rely on fails the
 * dataset with an error naming that field.
 *
 * References: learn.microsoft.com/graph/api/resources/subscribedsku,
 * .../resources/user, .../resources/licenseassignmentstate, .../resources/signinactivity,
 * .../resources/group, .../resources/adminreportsettings, and the report pages
 * (reportroot-getoffice365activeuserdetail, -getm365appuserdetail,
 * -getoffice365activationsuserdetail, -getmailboxusagedetail).
 */

const str = z.string();
const optStr = z.string().nullish();
const guid = z.string().min(1);

export const servicePlanInfoSchema = z.looseObject({
  servicePlanId: guid,
  servicePlanName: optStr,
  provisioningStatus: optStr,
  appliesTo: optStr,
});

export const licenseUnitsDetailSchema = z.looseObject({
  enabled: z.number().int().nullish(),
  suspended: z.number().int().nullish(),
  warning: z.number().int().nullish(),
  lockedOut: z.number().int().nullish(),
});

export const subscribedSkuSchema = z.looseObject({
  skuId: guid,
  skuPartNumber: str,
  capabilityStatus: optStr,
  appliesTo: optStr,
  consumedUnits: z.number().int().nullish(),
  prepaidUnits: licenseUnitsDetailSchema.nullish(),
  subscriptionIds: z.array(str).nullish(),
  servicePlans: z.array(servicePlanInfoSchema).nullish(),
});
export type GraphSubscribedSku = z.infer<typeof subscribedSkuSchema>;

export const assignedLicenseSchema = z.looseObject({
  skuId: guid,
  disabledPlans: z.array(str).nullish(),
});

export const licenseAssignmentStateSchema = z.looseObject({
  skuId: guid,
  assignedByGroup: optStr,
  disabledPlans: z.array(str).nullish(),
  error: optStr,
  lastUpdatedDateTime: optStr,
  state: optStr,
});

export const userSchema = z.looseObject({
  id: guid,
  userPrincipalName: optStr,
  displayName: optStr,
  mail: optStr,
  accountEnabled: z.boolean().nullish(),
  userType: optStr,
  createdDateTime: optStr,
  department: optStr,
  jobTitle: optStr,
  usageLocation: optStr,
  assignedLicenses: z.array(assignedLicenseSchema).nullish(),
  licenseAssignmentStates: z.array(licenseAssignmentStateSchema).nullish(),
});
export type GraphUser = z.infer<typeof userSchema>;

export const signInActivitySchema = z.looseObject({
  lastSignInDateTime: optStr,
  lastNonInteractiveSignInDateTime: optStr,
  lastSuccessfulSignInDateTime: optStr,
});

export const userSignInSchema = z.looseObject({
  id: guid,
  signInActivity: signInActivitySchema.nullish(),
});
export type GraphUserSignIn = z.infer<typeof userSignInSchema>;

export const groupSchema = z.looseObject({
  id: guid,
  displayName: optStr,
  assignedLicenses: z.array(assignedLicenseSchema).nullish(),
});
export type GraphGroup = z.infer<typeof groupSchema>;

export const reportSettingsSchema = z.looseObject({
  displayConcealedNames: z.boolean(),
});

/** Report CSV rows are keyed by Microsoft's column headers; every cell is text. */
const cell = z.string().optional();
const upnCell = z.string().min(1);

export const activeUserDetailRowSchema = z.looseObject({
  'Report Refresh Date': cell,
  'User Principal Name': upnCell,
  'Display Name': cell,
  'Is Deleted': cell,
  'Has Exchange License': cell,
  'Has OneDrive License': cell,
  'Has SharePoint License': cell,
  'Has Skype For Business License': cell,
  'Has Yammer License': cell,
  'Has Teams License': cell,
  'Exchange Last Activity Date': cell,
  'OneDrive Last Activity Date': cell,
  'SharePoint Last Activity Date': cell,
  'Skype For Business Last Activity Date': cell,
  'Yammer Last Activity Date': cell,
  'Teams Last Activity Date': cell,
  'Assigned Products': cell,
});

export const m365AppUserDetailRowSchema = z.looseObject({
  'Report Refresh Date': cell,
  'User Principal Name': upnCell,
  'Last Activation Date': cell,
  'Last Activity Date': cell,
  Windows: cell,
  Mac: cell,
  Mobile: cell,
  Web: cell,
});

export const activationsUserDetailRowSchema = z.looseObject({
  'Report Refresh Date': cell,
  'User Principal Name': upnCell,
  'Display Name': cell,
  'Product Type': cell,
  'Last Activated Date': cell,
  Windows: cell,
  Mac: cell,
  'Windows 10 Mobile': cell,
  iOS: cell,
  Android: cell,
  'Activated On Shared Computer': cell,
});

export const mailboxUsageDetailRowSchema = z.looseObject({
  'Report Refresh Date': cell,
  'User Principal Name': upnCell,
  'Display Name': cell,
  'Is Deleted': cell,
  'Created Date': cell,
  'Last Activity Date': cell,
  'Item Count': cell,
  'Storage Used (Byte)': cell,
  'Prohibit Send/Receive Quota (Byte)': cell,
  'Has Archive': cell,
  'Recipient Type': cell,
});

/**
 * Parse one Graph item; on failure throw OperatorError('graph-error') naming the
 * dataset, the item position and the offending field. Field values are not echoed
 * (they may be personal data). `position` may be a function, so the text is only built on failure.
 */
export function parseItem<S extends z.ZodType>(schema: S, value: unknown, what: string, position: string | (() => string)): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const where = typeof position === 'function' ? position() : position;
  const issue = r.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : '(item)';
  throw new OperatorError('graph-error', `Microsoft Graph returned an invalid ${what} (${where}): field "${field}": ${issue?.message ?? 'invalid'}.`, {
    hint: 'The service answered with data this version does not understand. Try again later; if it persists, report it with the log file.',
    remedy: { action: 'retry-later' },
  });
}
