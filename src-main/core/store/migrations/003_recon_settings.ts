/**
 * The operator's reconciliation settings per profile (thresholds, exclusions, seat
 * buffers), as JSON validated by shared/recon.ts's reconSettingsSchema on the way in and out.
 *
 * Covering indexes for the reconciliation's one pass: a user's activity dates come from
 * the index alone (the report rows themselves are wide, with their raw JSON), so joining
 * the usage reports by UPN costs one index lookup per user.
 */
export const version = 3;
export const name = 'recon_settings';
export const up = `
CREATE TABLE recon_settings (
  profile_name  TEXT NOT NULL PRIMARY KEY,
  settings      TEXT NOT NULL CHECK (json_valid(settings)),
  updated_at    TEXT NOT NULL
);
CREATE INDEX report_active_user_detail_activity ON report_active_user_detail
  (snapshot_id, upn COLLATE NOCASE, exchange_last_activity, onedrive_last_activity, sharepoint_last_activity, teams_last_activity);
CREATE INDEX report_m365_app_user_detail_activity ON report_m365_app_user_detail (snapshot_id, upn COLLATE NOCASE, last_activity_date);
CREATE INDEX report_activations_user_detail_activity ON report_activations_user_detail (snapshot_id, upn COLLATE NOCASE, last_activated_date);
`;
