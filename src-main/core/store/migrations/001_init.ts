/**
 * First schema. Every data table is keyed by `snapshot_id` (cascade-deleted with its
 * snapshot) so snapshots can be compared, diffed and pruned later without rewrites.
 * Dates are ISO-8601 UTC text (sortable); booleans are 0/1 integers; lists are JSON text.
 *
 * A snapshot row is inserted with status 'running' inside the writer's transaction and
 * set to 'complete' just before COMMIT, so a committed database only ever holds
 * 'complete' snapshots and a crash or rollback leaves no trace.
 */
export const version = 1;
export const name = 'init';
export const up = `
CREATE TABLE snapshots (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  profile_name    TEXT NOT NULL,
  tenant_id       TEXT NOT NULL,
  graph_base_url  TEXT,
  started_at      TEXT NOT NULL,
  finished_at     TEXT,
  status          TEXT NOT NULL CHECK (status IN ('running', 'complete')),
  token_roles     TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(token_roles)),
  warnings        TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(warnings)),
  user_count      INTEGER,
  -- reserved for the hash-chained snapshot history
  content_hash    TEXT,
  prev_hash       TEXT
);
CREATE INDEX snapshots_by_profile ON snapshots (profile_name, status, id);

CREATE TABLE dataset_runs (
  snapshot_id         INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  dataset             TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN ('ok', 'skipped', 'failed')),
  reason              TEXT,
  missing_permission  TEXT,
  items               INTEGER NOT NULL DEFAULT 0,
  expected            INTEGER,
  started_at          TEXT,
  finished_at         TEXT,
  PRIMARY KEY (snapshot_id, dataset)
);

CREATE TABLE skus (
  snapshot_id        INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  sku_id             TEXT NOT NULL,
  sku_part_number    TEXT NOT NULL,
  capability_status  TEXT,
  applies_to         TEXT,
  consumed_units     INTEGER NOT NULL DEFAULT 0,
  enabled            INTEGER NOT NULL DEFAULT 0,
  warning            INTEGER NOT NULL DEFAULT 0,
  suspended          INTEGER NOT NULL DEFAULT 0,
  locked_out         INTEGER NOT NULL DEFAULT 0,
  subscription_ids   TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(subscription_ids)),
  PRIMARY KEY (snapshot_id, sku_id)
);

CREATE TABLE sku_service_plans (
  snapshot_id          INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  sku_id               TEXT NOT NULL,
  service_plan_id      TEXT NOT NULL,
  service_plan_name    TEXT,
  provisioning_status  TEXT,
  applies_to           TEXT,
  PRIMARY KEY (snapshot_id, sku_id, service_plan_id)
);
-- overlapping service plans: which SKUs carry the same plan
CREATE INDEX sku_service_plans_by_plan ON sku_service_plans (snapshot_id, service_plan_id);

CREATE TABLE users (
  snapshot_id      INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  id               TEXT NOT NULL,
  upn              TEXT,
  display_name     TEXT,
  mail             TEXT,
  account_enabled  INTEGER,
  user_type        TEXT,
  created_at       TEXT,
  department       TEXT,
  job_title        TEXT,
  usage_location   TEXT,
  PRIMARY KEY (snapshot_id, id)
);
-- exports sort by UPN; usage reports join on UPN case-insensitively
CREATE INDEX users_by_upn ON users (snapshot_id, upn COLLATE NOCASE);
-- disabled accounts and guests findings
CREATE INDEX users_by_enabled_type ON users (snapshot_id, account_enabled, user_type);

CREATE TABLE user_licenses (
  snapshot_id     INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  user_id         TEXT NOT NULL,
  sku_id          TEXT NOT NULL,
  source          TEXT NOT NULL CHECK (source IN ('direct', 'group')),
  group_id        TEXT,
  state           TEXT,
  error           TEXT,
  disabled_plans  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(disabled_plans)),
  last_updated    TEXT,
  CHECK ((source = 'group') = (group_id IS NOT NULL))
);
CREATE INDEX user_licenses_by_user ON user_licenses (snapshot_id, user_id);
CREATE INDEX user_licenses_by_sku ON user_licenses (snapshot_id, sku_id, source);
CREATE INDEX user_licenses_errors ON user_licenses (snapshot_id, error) WHERE error IS NOT NULL AND error <> 'None';

CREATE VIEW license_errors AS
  SELECT snapshot_id, user_id, sku_id, source, group_id, state, error, last_updated
  FROM user_licenses
  WHERE error IS NOT NULL AND error <> 'None';

CREATE TABLE groups (
  snapshot_id   INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  id            TEXT NOT NULL,
  display_name  TEXT,
  PRIMARY KEY (snapshot_id, id)
);

CREATE TABLE group_licenses (
  snapshot_id     INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  group_id        TEXT NOT NULL,
  sku_id          TEXT NOT NULL,
  disabled_plans  TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(disabled_plans)),
  PRIMARY KEY (snapshot_id, group_id, sku_id)
);
CREATE INDEX group_licenses_by_sku ON group_licenses (snapshot_id, sku_id);

CREATE TABLE sign_in_activity (
  snapshot_id           INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  user_id               TEXT NOT NULL,
  last_sign_in          TEXT,
  last_non_interactive  TEXT,
  last_successful       TEXT,
  PRIMARY KEY (snapshot_id, user_id)
);

-- Usage reports (Microsoft column headers in comments). Rows are keyed by UPN, which
-- is concealed (hashed) when the tenant's report privacy setting is on.
CREATE TABLE report_active_user_detail (
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
  raw                        TEXT NOT NULL CHECK (json_valid(raw))
);
CREATE INDEX report_active_user_detail_by_upn ON report_active_user_detail (snapshot_id, upn COLLATE NOCASE);

CREATE TABLE report_m365_app_user_detail (
  snapshot_id           INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  upn                   TEXT NOT NULL,   -- User Principal Name
  last_activation_date  TEXT,            -- Last Activation Date
  last_activity_date    TEXT,            -- Last Activity Date
  windows               INTEGER,         -- Windows
  mac                   INTEGER,         -- Mac
  mobile                INTEGER,         -- Mobile
  web                   INTEGER,         -- Web
  report_refresh_date   TEXT,
  raw                   TEXT NOT NULL CHECK (json_valid(raw))
);
CREATE INDEX report_m365_app_user_detail_by_upn ON report_m365_app_user_detail (snapshot_id, upn COLLATE NOCASE);

CREATE TABLE report_activations_user_detail (
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
  raw                   TEXT NOT NULL CHECK (json_valid(raw))
);
CREATE INDEX report_activations_user_detail_by_upn ON report_activations_user_detail (snapshot_id, upn COLLATE NOCASE);

CREATE TABLE report_mailbox_usage_detail (
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
  raw                         TEXT NOT NULL CHECK (json_valid(raw))
);
CREATE INDEX report_mailbox_usage_detail_by_upn ON report_mailbox_usage_detail (snapshot_id, upn COLLATE NOCASE);

CREATE TABLE report_settings (
  snapshot_id              INTEGER NOT NULL PRIMARY KEY REFERENCES snapshots (id) ON DELETE CASCADE,
  display_concealed_names  INTEGER NOT NULL
);
`;
