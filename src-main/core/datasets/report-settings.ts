import { z } from 'zod';
import { defineDataset, table } from './types';

/**
 * The tenant's report privacy setting: whether usage reports conceal user names.
 * learn.microsoft.com/graph/api/adminreportsettings-get
 */

export const reportSettingsSchema = z.looseObject({
  displayConcealedNames: z.boolean(),
});

export interface ReportSettingsRow {
  displayConcealedNames: boolean;
}

export const CONCEALED_NAMES_WARNING =
  'Usage reports conceal user names (Microsoft 365 admin center > Settings > Org settings > Reports); activity cannot be matched to users until an admin turns that off.';

export const reportSettings = defineDataset({
  id: 'reportSettings',
  label: 'Report privacy setting',
  tier: 'enrichment',
  permission: {
    application: 'ReportSettings.Read.All',
    accepted: ['ReportSettings.Read.All', 'ReportSettings.ReadWrite.All'],
    delegated: 'ReportSettings.Read.All',
    delegatedAccepted: ['ReportSettings.Read.All', 'ReportSettings.ReadWrite.All'],
    delegatedRoles: ['Reports Reader', 'Global Reader', 'Global Administrator'],
  },
  fetch: 'object',
  request: () => ({ path: '/admin/reportSettings' }),
  probe: '/admin/reportSettings',
  item: { schema: reportSettingsSchema, name: 'adminReportSettings' },
  toRow: (s): ReportSettingsRow => ({ displayConcealedNames: s.displayConcealedNames }),
  tables: [table<ReportSettingsRow>('report_settings', { display_concealed_names: (r) => (r.displayConcealedNames ? 1 : 0) }, { onConflict: 'replace' })],
  warning: (r) => (r.displayConcealedNames ? CONCEALED_NAMES_WARNING : undefined),
});
