/**
 * What the operator imports per profile for cost and renewal-aware right-sizing: purchase
 * records (entitlements), a price list, and exchange rates for mixed currencies. An import
 * replaces the profile's previous rows of that kind in one transaction.
 */
export const version = 4;
export const name = 'entitlements';
export const up = `
CREATE TABLE entitlements (
  profile_name     TEXT NOT NULL,
  row_number       INTEGER NOT NULL,   -- row in the imported file (header = 1)
  sku_ref          TEXT NOT NULL,      -- as written in the file: part number or product name
  sku_id           TEXT,               -- resolved through the catalogue, NULL when unknown
  sku_part_number  TEXT NOT NULL,
  quantity         INTEGER NOT NULL CHECK (quantity >= 0),
  unit_price       REAL,
  currency         TEXT,
  billing_period   TEXT,               -- monthly, annual or triennial (price per seat per period)
  term_end         TEXT,               -- YYYY-MM-DD
  source_file      TEXT NOT NULL,
  imported_at      TEXT NOT NULL,
  PRIMARY KEY (profile_name, row_number)
);

CREATE TABLE price_list (
  profile_name     TEXT NOT NULL,
  row_number       INTEGER NOT NULL,
  sku_ref          TEXT NOT NULL,
  sku_id           TEXT,
  sku_part_number  TEXT NOT NULL,
  unit_price       REAL NOT NULL CHECK (unit_price >= 0),
  currency         TEXT NOT NULL,
  billing_period   TEXT NOT NULL,
  source_file      TEXT NOT NULL,
  imported_at      TEXT NOT NULL,
  PRIMARY KEY (profile_name, row_number)
);

-- 1 unit of currency = rate units of the profile's reporting currency
CREATE TABLE exchange_rates (
  profile_name  TEXT NOT NULL,
  base          TEXT NOT NULL,
  currency      TEXT NOT NULL,
  rate          REAL NOT NULL CHECK (rate > 0),
  updated_at    TEXT NOT NULL,
  PRIMARY KEY (profile_name, currency)
);
`;
