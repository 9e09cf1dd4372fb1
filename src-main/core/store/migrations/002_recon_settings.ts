/**
 * The operator's reconciliation settings per profile (thresholds, exclusions, seat
 * buffers), as JSON validated by shared/recon.ts's reconSettingsSchema on the way in and out.
 */
export const version = 2;
export const name = 'recon_settings';
export const up = `
CREATE TABLE recon_settings (
  profile_name  TEXT NOT NULL PRIMARY KEY,
  settings      TEXT NOT NULL CHECK (json_valid(settings)),
  updated_at    TEXT NOT NULL
);
`;
