/**
 * The organisation's commercial subscriptions (the 'subscriptions' dataset): renewal dates,
 * trials, status and seat totals per subscription. Dates are ISO-8601 UTC text, booleans 0/1.
 */
export const version = 2;
export const name = 'subscriptions';
export const up = `
CREATE TABLE subscriptions (
  snapshot_id               INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
  id                        TEXT NOT NULL,
  commerce_subscription_id  TEXT,
  sku_id                    TEXT,
  sku_part_number           TEXT,
  status                    TEXT,      -- Enabled, Deleted, Suspended, Warning, LockedOut
  is_trial                  INTEGER,
  total_licenses            INTEGER,
  created_at                TEXT,
  next_lifecycle_at         TEXT,      -- nextLifecycleDateTime: renewal, expiry or the next state change
  PRIMARY KEY (snapshot_id, id)
);
-- renewal-aware right-sizing joins subscriptions to SKUs
CREATE INDEX subscriptions_by_sku ON subscriptions (snapshot_id, sku_id);
`;
