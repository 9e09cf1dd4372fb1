/**
 * Storage growth. A usage report row no longer carries the `raw` JSON copy of its CSV
 * cells: every cell the findings read has its typed column, and the copy was the larger
 * part of a snapshot. The column stays, nullable, so that snapshots sealed before this
 * schema keep their rows (and so their content hashes) unchanged; new rows store NULL.
 * SQLite cannot relax a NOT NULL constraint in place, so the four tables are rebuilt with
 * the same columns in the same order (the hash chain reads columns in table order).
 *
 * The `*_by_upn` indexes of the active-user, app and activation reports are dropped: the
 * covering `*_activity` indexes of schema 3 start with the same (snapshot_id, upn NOCASE)
 * key and serve every lookup by UPN. The mailbox report keeps its index. Nothing filters
 * users by enabled state and type in SQL (the findings read every user in one pass), so
 * `users_by_enabled_type` goes too. `sign_in_activity` becomes a WITHOUT ROWID table: its
 * rows are small and always found by their primary key, which was stored twice before.
 *
 * Pruned snapshots: retention deletes a snapshot's row and data but keeps its place in the
 * profile's hash chain here, so the chain still verifies link by link (history.ts).
 */
export const version = 5;
export const name = 'storage_growth';
export const up = `
CREATE TABLE report_active_user_detail_v5 (
  snapshot_id                INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  upn                        TEXT NOT NULL,   -- User Principal Name
  display_name               TEXT,            -- Display Name
  is_deleted                 INTEGER,         -- Is Deleted
  has_exchange_license       INTEGER,         -- Has Exchange License
  has_onedrive_license       INTEGER,         -- Has OneDrive License
  has_sharepoint_license     INTEGER,         -- Has SharePoint License
  has_teams_license          INTEGER,         -- Has Teams License
  has_yammer_license         INTEGER,         -- Has Yammer License
  has_skype_license          INTEGER,         -- Has Skype For Business License
  exchange_last_activity     TEXT,            -- Exchange Last Activity Date
  onedrive_last_activity     TEXT,            -- OneDrive Last Activity Date
  sharepoint_last_activity   TEXT,            -- SharePoint Last Activity Date
  teams_last_activity        TEXT,            -- Teams Last Activity Date
  yammer_last_activity       TEXT,            -- Yammer Last Activity Date
  skype_last_activity        TEXT,            -- Skype For Business Last Activity Date
  assigned_products          TEXT,            -- Assigned Products ("+"-separated)
  report_refresh_date        TEXT,            -- Report Refresh Date
  raw                        TEXT CHECK (raw IS NULL OR json_valid(raw))  -- NULL from schema 5 on
);
INSERT INTO report_active_user_detail_v5 SELECT * FROM report_active_user_detail;
DROP TABLE report_active_user_detail;
ALTER TABLE report_active_user_detail_v5 RENAME TO report_active_user_detail;

CREATE TABLE report_m365_app_user_detail_v5 (
  snapshot_id           INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  upn                   TEXT NOT NULL,   -- User Principal Name
  last_activation_date  TEXT,            -- Last Activation Date
  last_activity_date    TEXT,            -- Last Activity Date
  windows               INTEGER,         -- Windows
  mac                   INTEGER,         -- Mac
  mobile                INTEGER,         -- Mobile
  web                   INTEGER,         -- Web
  report_refresh_date   TEXT,
  raw                   TEXT CHECK (raw IS NULL OR json_valid(raw))  -- NULL from schema 5 on
);
INSERT INTO report_m365_app_user_detail_v5 SELECT * FROM report_m365_app_user_detail;
DROP TABLE report_m365_app_user_detail;
ALTER TABLE report_m365_app_user_detail_v5 RENAME TO report_m365_app_user_detail;

CREATE TABLE report_activations_user_detail_v5 (
  snapshot_id           INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  upn                   TEXT NOT NULL,   -- User Principal Name
  display_name          TEXT,            -- Display Name
  product_type          TEXT,            -- Product Type
  last_activated_date   TEXT,            -- Last Activated Date
  windows               INTEGER,         -- Windows (activation count)
  mac                   INTEGER,         -- Mac
  windows10_mobile      INTEGER,         -- Windows 10 Mobile
  ios                   INTEGER,         -- iOS
  android               INTEGER,         -- Android
  shared_computer       INTEGER,         -- Activated On Shared Computer
  report_refresh_date   TEXT,
  raw                   TEXT CHECK (raw IS NULL OR json_valid(raw))  -- NULL from schema 5 on
);
INSERT INTO report_activations_user_detail_v5 SELECT * FROM report_activations_user_detail;
DROP TABLE report_activations_user_detail;
ALTER TABLE report_activations_user_detail_v5 RENAME TO report_activations_user_detail;

CREATE TABLE report_mailbox_usage_detail_v5 (
  snapshot_id                 INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  upn                         TEXT NOT NULL,   -- User Principal Name
  display_name                TEXT,            -- Display Name
  is_deleted                  INTEGER,         -- Is Deleted
  created_date                TEXT,            -- Created Date
  last_activity_date          TEXT,            -- Last Activity Date
  item_count                  INTEGER,         -- Item Count
  storage_used_bytes          INTEGER,         -- Storage Used (Byte)
  prohibit_send_receive_bytes INTEGER,         -- Prohibit Send/Receive Quota (Byte)
  has_archive                 INTEGER,         -- Has Archive
  recipient_type              TEXT,            -- Recipient Type
  report_refresh_date         TEXT,
  raw                         TEXT CHECK (raw IS NULL OR json_valid(raw))  -- NULL from schema 5 on
);
INSERT INTO report_mailbox_usage_detail_v5 SELECT * FROM report_mailbox_usage_detail;
DROP TABLE report_mailbox_usage_detail;
ALTER TABLE report_mailbox_usage_detail_v5 RENAME TO report_mailbox_usage_detail;
DROP INDEX users_by_enabled_type;

CREATE TABLE sign_in_activity_v5 (
  snapshot_id           INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  user_id               TEXT NOT NULL,
  last_sign_in          TEXT,
  last_non_interactive  TEXT,
  last_successful       TEXT,
  PRIMARY KEY (snapshot_id, user_id)
) WITHOUT ROWID;
INSERT INTO sign_in_activity_v5 SELECT * FROM sign_in_activity;
DROP TABLE sign_in_activity;
ALTER TABLE sign_in_activity_v5 RENAME TO sign_in_activity;

CREATE INDEX report_active_user_detail_activity ON report_active_user_detail
  (snapshot_id, upn COLLATE NOCASE, exchange_last_activity, onedrive_last_activity, sharepoint_last_activity, teams_last_activity);
CREATE INDEX report_m365_app_user_detail_activity ON report_m365_app_user_detail (snapshot_id, upn COLLATE NOCASE, last_activity_date);
CREATE INDEX report_activations_user_detail_activity ON report_activations_user_detail (snapshot_id, upn COLLATE NOCASE, last_activated_date);
CREATE INDEX report_mailbox_usage_detail_by_upn ON report_mailbox_usage_detail (snapshot_id, upn COLLATE NOCASE);

-- One row per snapshot removed by retention: its id, time and hashes, nothing of its data.
CREATE TABLE pruned_snapshots (
  id            INTEGER NOT NULL PRIMARY KEY,
  profile_name  TEXT NOT NULL,
  finished_at   TEXT NOT NULL,
  content_hash  TEXT NOT NULL,
  prev_hash     TEXT,
  pruned_at     TEXT NOT NULL
);
CREATE INDEX pruned_snapshots_by_profile ON pruned_snapshots (profile_name, id);
`;
