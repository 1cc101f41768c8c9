/*
 * schema.c: the numbered migrations.  Migration N takes a database from
 * user_version N-1 to N; all pending ones run in one transaction at open.
 * SQL stays in the subset SQLite and PostgreSQL share.
 */
#include "oms.h"
#include "db_int.h"

const char *const oms_migrations[] = {
	/* 1: orders, their lines, and the history of every change. */
	"CREATE TABLE orders (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  channel TEXT NOT NULL,\n"
	"  external_id TEXT NOT NULL,\n"
	"  status TEXT NOT NULL,\n"
	"  hold_reasons TEXT,\n"
	"  channel_status TEXT,\n"
	"  payment_status TEXT,\n"
	"  placed_at TEXT,\n"
	"  imported_at TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL,\n"
	"  currency TEXT NOT NULL,\n"
	"  customer_email TEXT,\n"
	"  segment TEXT,\n"
	"  ship_postal_code TEXT,\n"
	"  ship_region TEXT,\n"
	"  ship_country TEXT,\n"
	"  service TEXT,\n"
	"  ship_by TEXT,\n"
	"  deliver_by TEXT,\n"
	"  priority INTEGER NOT NULL DEFAULT 0,\n"
	"  subtotal INTEGER,\n"
	"  shipping INTEGER,\n"
	"  discount INTEGER,\n"
	"  tax INTEGER,\n"
	"  total INTEGER,\n"
	"  refunded INTEGER,\n"
	"  digest TEXT NOT NULL,\n"
	"  record TEXT NOT NULL,\n"
	"  sources INTEGER NOT NULL DEFAULT 0,\n"
	"  UNIQUE (channel, external_id)\n"
	");\n"
	"CREATE INDEX orders_status ON orders (status, priority, placed_at);\n"
	"CREATE TABLE order_lines (\n"
	"  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,\n"
	"  line_no INTEGER NOT NULL,\n"
	"  line_id TEXT,\n"
	"  sku TEXT,\n"
	"  channel_sku TEXT,\n"
	"  title TEXT,\n"
	"  qty INTEGER NOT NULL,\n"
	"  unit_price INTEGER,\n"
	"  discount INTEGER,\n"
	"  tax INTEGER,\n"
	"  PRIMARY KEY (order_id, line_no)\n"
	");\n"
	"CREATE INDEX order_lines_sku ON order_lines (sku);\n"
	"CREATE TABLE order_sources (\n"
	"  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,\n"
	"  source TEXT NOT NULL,\n"
	"  record TEXT NOT NULL,\n"
	"  digest TEXT NOT NULL,\n"
	"  PRIMARY KEY (order_id, source)\n"
	");\n"
	"CREATE TABLE events (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  at TEXT NOT NULL,\n"
	"  program TEXT NOT NULL,\n"
	"  order_id INTEGER REFERENCES orders (id) ON DELETE CASCADE,\n"
	"  action TEXT NOT NULL,\n"
	"  before TEXT,\n"
	"  after TEXT\n"
	");\n"
	"CREATE INDEX events_order ON events (order_id, id);\n",
	/*
	 * 2: the catalog, the places stock is kept, and the stock ledger.
	 * movements is append-only and is the truth; levels is kept in the
	 * same transaction as each movement so that reads are one row, and
	 * ledger_levels recomputes it from the ledger for oms check.
	 */
	"CREATE TABLE locations (\n"
	"  id TEXT PRIMARY KEY,\n"
	"  name TEXT,\n"
	"  kind TEXT,\n"
	"  address1 TEXT,\n"
	"  address2 TEXT,\n"
	"  city TEXT,\n"
	"  region TEXT,\n"
	"  postal_code TEXT,\n"
	"  country TEXT,\n"
	"  lat REAL,\n"
	"  lon REAL,\n"
	"  sellable INTEGER NOT NULL DEFAULT 1 CHECK (sellable IN (0, 1)),\n"
	"  ships INTEGER NOT NULL DEFAULT 1 CHECK (ships IN (0, 1)),\n"
	"  pickup INTEGER NOT NULL DEFAULT 0 CHECK (pickup IN (0, 1)),\n"
	"  priority INTEGER NOT NULL DEFAULT 0,\n"
	"  capacity_per_day INTEGER,\n"
	"  cutoff TEXT,\n"
	"  tz TEXT,\n"
	"  record TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE products (\n"
	"  sku TEXT PRIMARY KEY,\n"
	"  title TEXT,\n"
	"  barcode TEXT,\n"
	"  weight_g INTEGER,\n"
	"  length_mm INTEGER,\n"
	"  width_mm INTEGER,\n"
	"  height_mm INTEGER,\n"
	"  cost INTEGER,\n"
	"  currency TEXT,\n"
	"  record TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE product_bins (\n"
	"  sku TEXT NOT NULL REFERENCES products (sku) ON DELETE CASCADE,\n"
	"  location TEXT NOT NULL,\n"
	"  bin TEXT NOT NULL,\n"
	"  PRIMARY KEY (sku, location)\n"
	");\n"
	"CREATE TABLE listings (\n"
	"  channel TEXT NOT NULL,\n"
	"  channel_sku TEXT NOT NULL,\n"
	"  sku TEXT NOT NULL REFERENCES products (sku),\n"
	"  price INTEGER,\n"
	"  currency TEXT,\n"
	"  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),\n"
	"  safety_stock INTEGER NOT NULL DEFAULT 0,\n"
	"  percent INTEGER NOT NULL DEFAULT 100,\n"
	"  max_qty INTEGER,\n"
	"  end_when INTEGER NOT NULL DEFAULT 0,\n"
	"  record TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL,\n"
	"  PRIMARY KEY (channel, channel_sku)\n"
	");\n"
	"CREATE INDEX listings_sku ON listings (sku);\n"
	"CREATE TABLE kits (\n"
	"  sku TEXT PRIMARY KEY REFERENCES products (sku),\n"
	"  record TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE kit_components (\n"
	"  kit_sku TEXT NOT NULL REFERENCES kits (sku) ON DELETE CASCADE,\n"
	"  sku TEXT NOT NULL REFERENCES products (sku),\n"
	"  qty INTEGER NOT NULL CHECK (qty > 0),\n"
	"  PRIMARY KEY (kit_sku, sku)\n"
	");\n"
	"CREATE TABLE movements (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  at TEXT NOT NULL,\n"
	"  program TEXT NOT NULL,\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('receive', 'adjust', 'count',\n"
	"    'transfer_out', 'transfer_in', 'damage', 'reserve', 'release')),\n"
	"  sku TEXT NOT NULL,\n"
	"  location TEXT NOT NULL,\n"
	"  peer TEXT,\n"
	"  qty INTEGER NOT NULL,\n"
	"  reason TEXT,\n"
	"  ref TEXT,\n"
	"  key TEXT NOT NULL UNIQUE,\n"
	"  on_hand_after INTEGER NOT NULL,\n"
	"  reserved_after INTEGER NOT NULL,\n"
	"  in_transit_after INTEGER NOT NULL,\n"
	"  record TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX movements_sku ON movements (sku, id);\n"
	"CREATE INDEX movements_at ON movements (at);\n"
	"CREATE TABLE levels (\n"
	"  sku TEXT NOT NULL,\n"
	"  location TEXT NOT NULL,\n"
	"  on_hand INTEGER NOT NULL DEFAULT 0,\n"
	"  reserved INTEGER NOT NULL DEFAULT 0,\n"
	"  in_transit INTEGER NOT NULL DEFAULT 0,\n"
	"  PRIMARY KEY (sku, location),\n"
	"  CHECK (on_hand >= 0),\n"
	"  CHECK (reserved >= 0),\n"
	"  CHECK (in_transit >= 0),\n"
	"  CHECK (reserved <= on_hand)\n"
	");\n"
	/*
	 * What the ledger says each level is.  qty is the change to on hand,
	 * or to reserved for reserve and release; a transfer_out puts its
	 * units in transit at the peer, and the transfer_in there takes them
	 * out again.
	 */
	"CREATE VIEW ledger_levels AS\n"
	"SELECT sku, location, sum(on_hand) AS on_hand,\n"
	"  sum(reserved) AS reserved, sum(in_transit) AS in_transit FROM (\n"
	"  SELECT sku, location,\n"
	"    CASE WHEN kind IN ('reserve', 'release') THEN 0 ELSE qty END\n"
	"      AS on_hand,\n"
	"    CASE WHEN kind IN ('reserve', 'release') THEN qty ELSE 0 END\n"
	"      AS reserved,\n"
	"    CASE WHEN kind = 'transfer_in' THEN -qty ELSE 0 END AS in_transit\n"
	"  FROM movements\n"
	"  UNION ALL\n"
	"  SELECT sku, peer, 0, 0, -qty FROM movements\n"
	"  WHERE kind = 'transfer_out'\n"
	") AS m GROUP BY sku, location;\n"
	/* Every figure where levels and the ledger disagree. */
	"CREATE VIEW level_differences AS\n"
	"SELECT sku, location, figure, level, ledger FROM (\n"
	"  SELECT l.sku, l.location, 'on_hand' AS figure, l.on_hand AS level,\n"
	"    coalesce(g.on_hand, 0) AS ledger\n"
	"  FROM levels l LEFT JOIN ledger_levels g\n"
	"    ON g.sku = l.sku AND g.location = l.location\n"
	"  UNION ALL\n"
	"  SELECT l.sku, l.location, 'reserved', l.reserved,\n"
	"    coalesce(g.reserved, 0)\n"
	"  FROM levels l LEFT JOIN ledger_levels g\n"
	"    ON g.sku = l.sku AND g.location = l.location\n"
	"  UNION ALL\n"
	"  SELECT l.sku, l.location, 'in_transit', l.in_transit,\n"
	"    coalesce(g.in_transit, 0)\n"
	"  FROM levels l LEFT JOIN ledger_levels g\n"
	"    ON g.sku = l.sku AND g.location = l.location\n"
	"  UNION ALL\n"
	"  SELECT g.sku, g.location, 'on_hand', 0, g.on_hand FROM ledger_levels g\n"
	"  WHERE NOT EXISTS (SELECT 1 FROM levels l\n"
	"    WHERE l.sku = g.sku AND l.location = g.location)\n"
	"  UNION ALL\n"
	"  SELECT g.sku, g.location, 'reserved', 0, g.reserved FROM ledger_levels g\n"
	"  WHERE NOT EXISTS (SELECT 1 FROM levels l\n"
	"    WHERE l.sku = g.sku AND l.location = g.location)\n"
	"  UNION ALL\n"
	"  SELECT g.sku, g.location, 'in_transit', 0, g.in_transit\n"
	"  FROM ledger_levels g\n"
	"  WHERE NOT EXISTS (SELECT 1 FROM levels l\n"
	"    WHERE l.sku = g.sku AND l.location = g.location)\n"
	") AS d WHERE level <> ledger;\n",
	/*
	 * 3: which locations serve which channel (a channel with no rows is
	 * served by every sellable location), and what each channel's feed
	 * last sent, so the next feed writes only what changed.
	 */
	"CREATE TABLE channel_locations (\n"
	"  channel TEXT NOT NULL,\n"
	"  location TEXT NOT NULL REFERENCES locations (id),\n"
	"  PRIMARY KEY (channel, location)\n"
	");\n"
	"CREATE TABLE feed_cursors (\n"
	"  channel TEXT PRIMARY KEY,\n"
	"  last_run TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE feed_state (\n"
	"  channel TEXT NOT NULL,\n"
	"  channel_sku TEXT NOT NULL,\n"
	"  quantity INTEGER NOT NULL,\n"
	"  price INTEGER,\n"
	"  PRIMARY KEY (channel, channel_sku)\n"
	");\n"
	"CREATE INDEX kit_components_sku ON kit_components (sku);\n",
	/*
	 * 4: listings whose stock the channel holds and ships (Amazon FBA,
	 * Walmart WFS): their feeds leave the quantity empty.
	 */
	"ALTER TABLE listings ADD COLUMN fulfilled_by TEXT NOT NULL\n"
	"  DEFAULT 'merchant' CHECK (fulfilled_by IN ('merchant', 'channel'));\n",
	/*
	 * 5: routing.  An allocation is units of an order line (of a kit's
	 * component, for a kit line) at a location, reserved by a ledger
	 * movement; order_lines.allocated counts the line's units (kits)
	 * allocated.  routes keeps each order's last allocation record,
	 * rules each version of the rule set, geo_postal postal centroids.
	 */
	"ALTER TABLE order_lines ADD COLUMN allocated INTEGER NOT NULL\n"
	"  DEFAULT 0;\n"
	"CREATE TABLE allocations (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  order_id INTEGER NOT NULL REFERENCES orders (id),\n"
	"  line_no INTEGER NOT NULL,\n"
	"  sku TEXT NOT NULL,\n"
	"  location TEXT NOT NULL,\n"
	"  qty INTEGER NOT NULL CHECK (qty > 0),\n"
	"  state TEXT NOT NULL DEFAULT 'active'\n"
	"    CHECK (state IN ('active', 'released', 'shipped')),\n"
	"  rule TEXT NOT NULL,\n"
	"  rules_version INTEGER NOT NULL,\n"
	"  created_at TEXT NOT NULL,\n"
	"  ended_at TEXT\n"
	");\n"
	"CREATE INDEX allocations_order ON allocations (order_id, state);\n"
	"CREATE INDEX allocations_location ON allocations (location, created_at);\n"
	"CREATE TABLE routes (\n"
	"  order_id INTEGER PRIMARY KEY REFERENCES orders (id),\n"
	"  at TEXT NOT NULL,\n"
	"  rules_version INTEGER NOT NULL,\n"
	"  record TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE rules (\n"
	"  version INTEGER PRIMARY KEY,\n"
	"  loaded_at TEXT NOT NULL,\n"
	"  source TEXT,\n"
	"  digest TEXT NOT NULL,\n"
	"  rules TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE geo_postal (\n"
	"  country TEXT NOT NULL,\n"
	"  postal_code TEXT NOT NULL,\n"
	"  lat REAL NOT NULL,\n"
	"  lon REAL NOT NULL,\n"
	"  PRIMARY KEY (country, postal_code)\n"
	");\n",
	/*
	 * 6: shipping.  A shipment is what leaves one location for one order
	 * in one go: its packages, carrier, service, tracking numbers and
	 * label files; shipment_lines says which allocations it carried;
	 * tracking_events what the carrier said of it; confirmations which
	 * channel has been told.  request_id makes a label purchase safe to
	 * retry: it is made from the allocations shipped, so the same
	 * shipment asks with the same id.
	 */
	"ALTER TABLE order_lines ADD COLUMN shipped INTEGER NOT NULL\n"
	"  DEFAULT 0;\n"
	"CREATE TABLE shipments (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  order_id INTEGER NOT NULL REFERENCES orders (id),\n"
	"  location TEXT NOT NULL,\n"
	"  request_id TEXT NOT NULL UNIQUE,\n"
	"  carrier TEXT NOT NULL,\n"
	"  carrier_code TEXT NOT NULL,\n"
	"  service TEXT NOT NULL,\n"
	"  service_name TEXT,\n"
	"  status TEXT NOT NULL,\n"
	"  tracking TEXT NOT NULL,\n"
	"  packages INTEGER NOT NULL,\n"
	"  weight_g INTEGER NOT NULL,\n"
	"  cost INTEGER,\n"
	"  currency TEXT,\n"
	"  test INTEGER NOT NULL DEFAULT 0,\n"
	"  shipped_at TEXT NOT NULL,\n"
	"  delivered_at TEXT,\n"
	"  record TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX shipments_order ON shipments (order_id);\n"
	"CREATE INDEX shipments_day ON shipments (carrier, shipped_at);\n"
	"CREATE INDEX shipments_tracking ON shipments (tracking);\n"
	"CREATE TABLE shipment_lines (\n"
	"  shipment_id INTEGER NOT NULL REFERENCES shipments (id),\n"
	"  allocation_id INTEGER NOT NULL REFERENCES allocations (id),\n"
	"  line_no INTEGER NOT NULL,\n"
	"  sku TEXT NOT NULL,\n"
	"  qty INTEGER NOT NULL,\n"
	"  PRIMARY KEY (shipment_id, allocation_id)\n"
	");\n"
	"CREATE TABLE tracking_events (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  shipment_id INTEGER NOT NULL REFERENCES shipments (id),\n"
	"  tracking TEXT NOT NULL,\n"
	"  at TEXT NOT NULL,\n"
	"  status TEXT NOT NULL,\n"
	"  description TEXT,\n"
	"  UNIQUE (shipment_id, tracking, at, status)\n"
	");\n"
	"CREATE TABLE confirmations (\n"
	"  shipment_id INTEGER NOT NULL REFERENCES shipments (id),\n"
	"  channel TEXT NOT NULL,\n"
	"  at TEXT NOT NULL,\n"
	"  PRIMARY KEY (shipment_id, channel)\n"
	");\n"
	"CREATE TABLE notifications (\n"
	"  shipment_id INTEGER NOT NULL REFERENCES shipments (id),\n"
	"  event TEXT NOT NULL,\n"
	"  at TEXT NOT NULL,\n"
	"  PRIMARY KEY (shipment_id, event)\n"
	");\n"
	"CREATE TABLE waves (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  location TEXT NOT NULL,\n"
	"  service TEXT,\n"
	"  priority INTEGER NOT NULL,\n"
	"  at TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE picks (\n"
	"  allocation_id INTEGER PRIMARY KEY REFERENCES allocations (id),\n"
	"  wave_id INTEGER NOT NULL REFERENCES waves (id)\n"
	");\n"
	/*
	 * The units open orders still want, by sku: what is neither
	 * allocated nor shipped, a kit line wanting its components.  It is
	 * what available to sell takes off the pool.
	 */
	"CREATE VIEW open_demand AS\n"
	"SELECT o.id AS order_id, ol.sku AS sku, ol.qty - ol.allocated AS qty\n"
	"FROM order_lines ol JOIN orders o ON o.id = ol.order_id\n"
	"WHERE o.status IN ('open', 'hold', 'partial', 'backordered')\n"
	"  AND ol.sku IS NOT NULL\n"
	"UNION ALL\n"
	"SELECT o.id, kc.sku, (ol.qty - ol.allocated) * kc.qty\n"
	"FROM order_lines ol JOIN orders o ON o.id = ol.order_id\n"
	"JOIN kit_components kc ON kc.kit_sku = ol.sku\n"
	"WHERE o.status IN ('open', 'hold', 'partial', 'backordered');\n"
	/* This database's own name, so its request ids are its own. */
	"CREATE TABLE settings (\n"
	"  key TEXT PRIMARY KEY,\n"
	"  value TEXT NOT NULL\n"
	");\n"
	"INSERT INTO settings (key, value)\n"
	"  VALUES ('instance', lower(hex(randomblob(8))));\n",
	/*
	 * 7: an order's whole life.  The account (the store or seller id of
	 * a channel) joins the key, so two stores' #1001 are two orders: the
	 * table is rebuilt, with foreign keys off (db.c), since a UNIQUE
	 * constraint cannot be altered.  version_at is the channel's time of
	 * the version stored, so an older export changes nothing; status_at
	 * when the status last changed; refusal what a program last refused
	 * the order for; hold_kind who made a hold (the import lifts only
	 * its own, "problems").  order_lines count the units cancelled and say
	 * whether a line ships at all.  order_versions keeps each older
	 * version seen once; cancel_requests each cancellation asked for;
	 * order_progress and order_state say what status an order's lines,
	 * allocations and shipments give it (state.c, oms check).
	 */
	"DROP VIEW open_demand;\n"
	"CREATE TABLE orders_new (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  channel TEXT NOT NULL,\n"
	"  account TEXT NOT NULL DEFAULT '',\n"
	"  external_id TEXT NOT NULL,\n"
	"  alias TEXT,\n"
	"  status TEXT NOT NULL,\n"
	"  hold_reasons TEXT,\n"
	"  hold_kind TEXT,\n"
	"  channel_status TEXT,\n"
	"  payment_status TEXT,\n"
	"  placed_at TEXT,\n"
	"  imported_at TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL,\n"
	"  version_at TEXT,\n"
	"  status_at TEXT,\n"
	"  refusal TEXT,\n"
	"  currency TEXT NOT NULL,\n"
	"  customer_email TEXT,\n"
	"  segment TEXT,\n"
	"  ship_postal_code TEXT,\n"
	"  ship_region TEXT,\n"
	"  ship_country TEXT,\n"
	"  service TEXT,\n"
	"  ship_by TEXT,\n"
	"  deliver_by TEXT,\n"
	"  priority INTEGER NOT NULL DEFAULT 0,\n"
	"  subtotal INTEGER,\n"
	"  shipping INTEGER,\n"
	"  discount INTEGER,\n"
	"  tax INTEGER,\n"
	"  total INTEGER,\n"
	"  refunded INTEGER,\n"
	"  digest TEXT NOT NULL,\n"
	"  record TEXT NOT NULL,\n"
	"  sources INTEGER NOT NULL DEFAULT 0,\n"
	"  UNIQUE (channel, account, external_id)\n"
	");\n"
	"INSERT INTO orders_new (id, channel, account, external_id, status,\n"
	"  hold_reasons, hold_kind, channel_status, payment_status, placed_at,\n"
	"  imported_at,\n"
	"  updated_at, version_at, status_at, currency, customer_email, segment,\n"
	"  ship_postal_code, ship_region, ship_country, service, ship_by,\n"
	"  deliver_by, priority, subtotal, shipping, discount, tax, total,\n"
	"  refunded, digest, record, sources)\n"
	"SELECT id, channel, '', external_id, status, hold_reasons,\n"
	"  CASE WHEN status <> 'hold' THEN NULL WHEN hold_reasons =\n"
	"  '[\"not enough stock to ship it whole\"]' THEN 'policy'\n"
	"  ELSE 'problems' END,\n"
	"  channel_status, payment_status, placed_at, imported_at, updated_at,\n"
	"  NULL, updated_at, currency, customer_email, segment,\n"
	"  ship_postal_code, ship_region, ship_country, service, ship_by,\n"
	"  deliver_by, priority, subtotal, shipping, discount, tax, total,\n"
	"  refunded, digest, record, sources FROM orders;\n"
	"DROP TABLE orders;\n"
	"ALTER TABLE orders_new RENAME TO orders;\n"
	"CREATE INDEX orders_status ON orders (status, priority, placed_at);\n"
	/* CHANNEL:EXTERNAL_ID, and another account's order of a number. */
	"CREATE INDEX orders_number ON orders (channel, external_id);\n"
	/* The key an order had before its channel numbered it (eBay). */
	"CREATE INDEX orders_alias ON orders (channel, account, alias)\n"
	"  WHERE alias IS NOT NULL;\n"
	"ALTER TABLE order_lines ADD COLUMN cancelled INTEGER NOT NULL\n"
	"  DEFAULT 0;\n"
	"ALTER TABLE order_lines ADD COLUMN ships INTEGER NOT NULL DEFAULT 1;\n"
	"ALTER TABLE order_lines ADD COLUMN fulfilled INTEGER NOT NULL\n"
	"  DEFAULT 0;\n"
	"UPDATE order_lines SET ships = 0 WHERE EXISTS (SELECT 1 FROM orders o\n"
	"  WHERE o.id = order_lines.order_id AND json_extract(o.record,\n"
	"  '$.lines[' || (order_lines.line_no - 1) || '].requires_shipping')\n"
	"  = 0);\n"
	/* Orders of gift cards alone ship nothing: they are fulfilled. */
	"UPDATE orders SET status = 'fulfilled', status_at = updated_at\n"
	"  WHERE status = 'open' AND EXISTS (SELECT 1 FROM order_lines l\n"
	"  WHERE l.order_id = orders.id) AND NOT EXISTS (SELECT 1 FROM\n"
	"  order_lines l WHERE l.order_id = orders.id AND l.ships = 1);\n"
	"ALTER TABLE shipments ADD COLUMN voided_at TEXT;\n"
	"ALTER TABLE confirmations ADD COLUMN corrected_at TEXT;\n"
	"CREATE TABLE order_versions (\n"
	"  order_id INTEGER NOT NULL REFERENCES orders (id) ON DELETE CASCADE,\n"
	"  source TEXT NOT NULL,\n"
	"  digest TEXT NOT NULL,\n"
	"  version_at TEXT,\n"
	"  seen_at TEXT NOT NULL,\n"
	"  PRIMARY KEY (order_id, source, digest)\n"
	");\n"
	"CREATE TABLE cancel_requests (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  order_id INTEGER NOT NULL REFERENCES orders (id),\n"
	"  at TEXT NOT NULL,\n"
	"  program TEXT NOT NULL,\n"
	"  source TEXT NOT NULL CHECK (source IN ('channel', 'operator')),\n"
	"  reason TEXT,\n"
	"  lines TEXT,\n"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'refused')),\n"
	"  note TEXT,\n"
	"  ended_at TEXT\n"
	");\n"
	"CREATE INDEX cancel_requests_order ON cancel_requests (order_id, state);\n"
	/*
	 * Labels bought for a shipment that was then refused (its order
	 * cancelled or changed while the carrier answered), whose void
	 * failed: voided by a later shipping run, listed by oms status.
	 */
	"CREATE TABLE stray_labels (\n"
	"  request_id TEXT PRIMARY KEY,\n"
	"  order_id INTEGER NOT NULL REFERENCES orders (id),\n"
	"  carrier TEXT NOT NULL,\n"
	"  tracking TEXT NOT NULL,\n"
	"  files TEXT NOT NULL,\n"
	"  at TEXT NOT NULL,\n"
	"  note TEXT\n"
	");\n"
	/*
	 * Units still wanted: ordered, less cancelled, less allocated (which
	 * counts what has shipped), less what the channel fulfilled itself
	 * beyond what we shipped, of the lines that ship.
	 */
	"CREATE VIEW open_demand AS\n"
	"SELECT o.id AS order_id, ol.sku AS sku,\n"
	"  ol.qty - ol.cancelled - ol.allocated - CASE WHEN ol.fulfilled >\n"
	"  ol.shipped THEN ol.fulfilled - ol.shipped ELSE 0 END AS qty\n"
	"FROM order_lines ol JOIN orders o ON o.id = ol.order_id\n"
	"WHERE o.status IN ('open', 'hold', 'partial', 'backordered',\n"
	"  'partly_shipped') AND ol.sku IS NOT NULL AND ol.ships = 1\n"
	"UNION ALL\n"
	"SELECT o.id, kc.sku, (ol.qty - ol.cancelled - ol.allocated -\n"
	"  CASE WHEN ol.fulfilled > ol.shipped THEN ol.fulfilled - ol.shipped\n"
	"  ELSE 0 END) * kc.qty\n"
	"FROM order_lines ol JOIN orders o ON o.id = ol.order_id\n"
	"JOIN kit_components kc ON kc.kit_sku = ol.sku\n"
	"WHERE o.status IN ('open', 'hold', 'partial', 'backordered',\n"
	"  'partly_shipped') AND ol.ships = 1;\n"
	/*
	 * What an order's lines, allocations and shipments come to: units
	 * wanted (ordered less cancelled, of lines that ship), gone (shipped
	 * by us, or fulfilled by the channel itself: the greater of the
	 * two, for the channel also counts what we told it we shipped),
	 * allocated and not yet shipped, cancelled; its lines; parcels not
	 * voided, and those not yet delivered.
	 */
	"CREATE VIEW order_progress AS\n"
	"SELECT o.id AS order_id, o.status AS status,\n"
	"  (SELECT coalesce(sum(l.qty - l.cancelled), 0) FROM order_lines l\n"
	"    WHERE l.order_id = o.id AND l.ships = 1) AS wanted,\n"
	"  (SELECT coalesce(sum(CASE WHEN (CASE WHEN l.fulfilled > l.shipped\n"
	"    THEN l.fulfilled ELSE l.shipped END) < l.qty - l.cancelled\n"
	"    THEN (CASE WHEN l.fulfilled > l.shipped THEN l.fulfilled\n"
	"    ELSE l.shipped END) ELSE l.qty - l.cancelled END), 0)\n"
	"    FROM order_lines l WHERE l.order_id = o.id AND l.ships = 1)\n"
	"    AS shipped,\n"
	"  (SELECT coalesce(sum(CASE WHEN l.allocated > l.shipped\n"
	"    THEN l.allocated - l.shipped ELSE 0 END), 0)\n"
	"    FROM order_lines l WHERE l.order_id = o.id AND l.ships = 1)\n"
	"    AS allocated,\n"
	"  (SELECT coalesce(sum(l.cancelled), 0) FROM order_lines l\n"
	"    WHERE l.order_id = o.id) AS cancelled,\n"
	"  (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id)\n"
	"    AS lines,\n"
	"  (SELECT count(*) FROM shipments s WHERE s.order_id = o.id\n"
	"    AND s.status <> 'voided') AS parcels,\n"
	"  (SELECT count(*) FROM shipments s WHERE s.order_id = o.id\n"
	"    AND s.status NOT IN ('voided', 'delivered')) AS undelivered\n"
	"FROM orders o;\n"
	/*
	 * The status those facts give (oms(7) has the table): progress is
	 * what they say, expected what the order should show.  Hold,
	 * cancelled and fulfilled are decisions the facts do not overrule
	 * (a release takes the progress); open and backordered differ only
	 * by whether routing has tried; an order with no lines at all is
	 * what it says (oms check names it apart).
	 */
	"CREATE VIEW order_state AS\n"
	"SELECT order_id, status, CASE WHEN status IN ('hold', 'cancelled',\n"
	"  'fulfilled') THEN status ELSE progress END AS expected, progress\n"
	"FROM (SELECT order_id, status, CASE\n"
	"  WHEN lines = 0 THEN status\n"
	"  WHEN wanted = 0 AND shipped = 0 THEN\n"
	"    CASE WHEN cancelled > 0 THEN 'cancelled' ELSE 'fulfilled' END\n"
	"  WHEN shipped >= wanted THEN\n"
	"    CASE WHEN parcels = 0 THEN 'fulfilled'\n"
	"    WHEN undelivered = 0 THEN 'delivered' ELSE 'shipped' END\n"
	"  WHEN shipped > 0 THEN 'partly_shipped'\n"
	"  WHEN allocated >= wanted THEN 'allocated'\n"
	"  WHEN allocated > 0 THEN 'partial'\n"
	"  WHEN status = 'backordered' THEN 'backordered'\n"
	"  ELSE 'open' END AS progress\n"
	"FROM order_progress) AS p;\n",
	/*
	 * 8: what was printed can be printed again, and what is reserved is
	 * what is allocated.  waves.record is a wave's pick list as printed
	 * when it was made (NULL for waves made before); import_batches
	 * numbers each run of oms-import that stored orders, and
	 * import_batch_orders which orders it printed, in order.
	 * reservation_differences is every level whose reserved figure is
	 * not the sum of the active allocations there (oms-stock verify,
	 * oms check, oms-stock reconcile).
	 */
	"ALTER TABLE waves ADD COLUMN record TEXT;\n"
	"CREATE TABLE import_batches (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  at TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE import_batch_orders (\n"
	"  batch_id INTEGER NOT NULL REFERENCES import_batches (id),\n"
	"  seq INTEGER NOT NULL,\n"
	"  order_id INTEGER NOT NULL,\n"
	"  PRIMARY KEY (batch_id, seq)\n"
	");\n"
	"CREATE VIEW reservation_differences AS\n"
	"SELECT sku, location, reserved, allocated FROM (\n"
	"  SELECT l.sku AS sku, l.location AS location,\n"
	"    l.reserved AS reserved, coalesce(a.n, 0) AS allocated\n"
	"  FROM levels l LEFT JOIN (SELECT sku, location, sum(qty) AS n\n"
	"    FROM allocations WHERE state = 'active'\n"
	"    GROUP BY sku, location) AS a\n"
	"    ON a.sku = l.sku AND a.location = l.location\n"
	"  UNION ALL\n"
	"  SELECT a.sku, a.location, 0, a.n FROM (SELECT sku, location,\n"
	"    sum(qty) AS n FROM allocations WHERE state = 'active'\n"
	"    GROUP BY sku, location) AS a\n"
	"  WHERE NOT EXISTS (SELECT 1 FROM levels l\n"
	"    WHERE l.sku = a.sku AND l.location = a.location)\n"
	") AS d WHERE reserved <> allocated;\n",
	/*
	 * 9: returns.  A return (r_N) is units of an order's lines coming
	 * back, with the policy that applied kept on it; return_lines its
	 * lines, return_receipts each receipt (key: a parcel or a line is
	 * received once), return_units what inspection decided for each
	 * unit.  Received units wait in quarantine, a location of their own
	 * (quarantine_of names the place they stand in) that is neither
	 * sellable nor ships, so only a restock puts them back in the pool.
	 * refunds and refund_lines are money owed back, each unit refunded
	 * once.  An order made by oms for a return (an exchange) or a lost
	 * parcel (a reship) names its parent.  order_lines.returned counts
	 * the units that came back (or were kept and refunded), and the
	 * order's status follows: partly_returned, returned.
	 */
	"ALTER TABLE locations ADD COLUMN quarantine_of TEXT;\n"
	"ALTER TABLE orders ADD COLUMN parent_id INTEGER;\n"
	"ALTER TABLE orders ADD COLUMN origin TEXT;\n"
	"ALTER TABLE orders ADD COLUMN return_id INTEGER;\n"
	"CREATE INDEX orders_parent ON orders (parent_id)\n"
	"  WHERE parent_id IS NOT NULL;\n"
	"ALTER TABLE order_lines ADD COLUMN returned INTEGER NOT NULL\n"
	"  DEFAULT 0;\n"
	"CREATE TABLE returns (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  order_id INTEGER NOT NULL REFERENCES orders (id),\n"
	"  key TEXT NOT NULL UNIQUE,\n"
	"  channel_rma TEXT,\n"
	"  split_from INTEGER REFERENCES returns (id),\n"
	"  state TEXT NOT NULL CHECK (state IN ('requested', 'authorized',\n"
	"    'in_transit', 'received', 'inspected', 'closed', 'declined',\n"
	"    'cancelled', 'expired')),\n"
	"  kind TEXT NOT NULL DEFAULT 'return'\n"
	"    CHECK (kind IN ('return', 'keep')),\n"
	"  policy TEXT NOT NULL,\n"
	"  forced TEXT,\n"
	"  location TEXT,\n"
	"  carrier TEXT,\n"
	"  tracking TEXT,\n"
	"  label TEXT,\n"
	"  requested_at TEXT NOT NULL,\n"
	"  window_ends TEXT,\n"
	"  updated_at TEXT NOT NULL,\n"
	"  ended_at TEXT,\n"
	"  note TEXT,\n"
	"  record TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX returns_order ON returns (order_id);\n"
	"CREATE INDEX returns_state ON returns (state);\n"
	"CREATE INDEX returns_tracking ON returns (tracking)\n"
	"  WHERE tracking IS NOT NULL;\n"
	"CREATE TABLE return_lines (\n"
	"  return_id INTEGER NOT NULL REFERENCES returns (id),\n"
	"  line_no INTEGER NOT NULL,\n"
	"  order_line INTEGER NOT NULL,\n"
	"  sku TEXT,\n"
	"  qty INTEGER NOT NULL CHECK (qty > 0),\n"
	"  reason TEXT NOT NULL,\n"
	"  note TEXT,\n"
	"  resolution TEXT NOT NULL DEFAULT 'refund' CHECK (resolution IN\n"
	"    ('refund', 'exchange', 'store_credit', 'none')),\n"
	"  received INTEGER NOT NULL DEFAULT 0,\n"
	"  inspected INTEGER NOT NULL DEFAULT 0,\n"
	"  PRIMARY KEY (return_id, line_no),\n"
	"  CHECK (received >= 0 AND received <= qty),\n"
	"  CHECK (inspected >= 0 AND inspected <= received)\n"
	");\n"
	"CREATE TABLE return_receipts (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  return_id INTEGER NOT NULL REFERENCES returns (id),\n"
	"  line_no INTEGER NOT NULL,\n"
	"  qty INTEGER NOT NULL CHECK (qty > 0),\n"
	"  location TEXT NOT NULL,\n"
	"  tracking TEXT,\n"
	"  key TEXT NOT NULL UNIQUE,\n"
	"  at TEXT NOT NULL,\n"
	"  program TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX return_receipts_return ON return_receipts (return_id);\n"
	"CREATE TABLE return_units (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  return_id INTEGER NOT NULL REFERENCES returns (id),\n"
	"  line_no INTEGER NOT NULL,\n"
	"  sku TEXT NOT NULL,\n"
	"  qty INTEGER NOT NULL CHECK (qty > 0),\n"
	"  location TEXT NOT NULL,\n"
	"  disposition TEXT NOT NULL CHECK (disposition IN ('restock',\n"
	"    'regrade', 'refurbish', 'vendor', 'dispose', 'missing',\n"
	"    'wrong_item')),\n"
	"  to_sku TEXT,\n"
	"  to_location TEXT,\n"
	"  note TEXT,\n"
	"  key TEXT NOT NULL UNIQUE,\n"
	"  at TEXT NOT NULL,\n"
	"  program TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX return_units_return ON return_units (return_id);\n"
	"CREATE TABLE refunds (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  order_id INTEGER NOT NULL REFERENCES orders (id),\n"
	"  return_id INTEGER REFERENCES returns (id),\n"
	"  key TEXT NOT NULL UNIQUE,\n"
	"  currency TEXT NOT NULL,\n"
	"  items INTEGER NOT NULL,\n"
	"  tax INTEGER NOT NULL,\n"
	"  shipping INTEGER NOT NULL,\n"
	"  fee INTEGER NOT NULL,\n"
	"  total INTEGER NOT NULL CHECK (total >= 0),\n"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'sent')),\n"
	"  source TEXT NOT NULL,\n"
	"  at TEXT NOT NULL,\n"
	"  sent_at TEXT,\n"
	"  record TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX refunds_order ON refunds (order_id);\n"
	"CREATE INDEX refunds_state ON refunds (state);\n"
	"CREATE TABLE refund_lines (\n"
	"  refund_id INTEGER NOT NULL REFERENCES refunds (id),\n"
	"  order_line INTEGER NOT NULL,\n"
	"  qty INTEGER NOT NULL CHECK (qty >= 0),\n"
	"  amount INTEGER NOT NULL,\n"
	"  tax INTEGER NOT NULL,\n"
	"  PRIMARY KEY (refund_id, order_line)\n"
	");\n"
	/*
	 * The status of an order now counts units returned as well; a
	 * parcel that arrived damaged (and was reshipped) waits for nothing.
	 */
	"DROP VIEW order_state;\n"
	"DROP VIEW order_progress;\n"
	"CREATE VIEW order_progress AS\n"
	"SELECT o.id AS order_id, o.status AS status,\n"
	"  (SELECT coalesce(sum(l.qty - l.cancelled), 0) FROM order_lines l\n"
	"    WHERE l.order_id = o.id AND l.ships = 1) AS wanted,\n"
	"  (SELECT coalesce(sum(CASE WHEN (CASE WHEN l.fulfilled > l.shipped\n"
	"    THEN l.fulfilled ELSE l.shipped END) < l.qty - l.cancelled\n"
	"    THEN (CASE WHEN l.fulfilled > l.shipped THEN l.fulfilled\n"
	"    ELSE l.shipped END) ELSE l.qty - l.cancelled END), 0)\n"
	"    FROM order_lines l WHERE l.order_id = o.id AND l.ships = 1)\n"
	"    AS shipped,\n"
	"  (SELECT coalesce(sum(CASE WHEN l.allocated > l.shipped\n"
	"    THEN l.allocated - l.shipped ELSE 0 END), 0)\n"
	"    FROM order_lines l WHERE l.order_id = o.id AND l.ships = 1)\n"
	"    AS allocated,\n"
	"  (SELECT coalesce(sum(l.cancelled), 0) FROM order_lines l\n"
	"    WHERE l.order_id = o.id) AS cancelled,\n"
	"  (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id)\n"
	"    AS lines,\n"
	"  (SELECT count(*) FROM shipments s WHERE s.order_id = o.id\n"
	"    AND s.status <> 'voided') AS parcels,\n"
	"  (SELECT count(*) FROM shipments s WHERE s.order_id = o.id\n"
	"    AND s.status NOT IN ('voided', 'delivered', 'damaged'))\n"
	"    AS undelivered,\n"
	"  (SELECT coalesce(sum(l.returned), 0) FROM order_lines l\n"
	"    WHERE l.order_id = o.id AND l.ships = 1) AS returned\n"
	"FROM orders o;\n"
	"CREATE VIEW order_state AS\n"
	"SELECT order_id, status, CASE WHEN status IN ('hold', 'cancelled')\n"
	"  OR (status = 'fulfilled' AND progress NOT IN ('returned',\n"
	"  'partly_returned')) THEN status ELSE progress END AS expected,\n"
	"  progress\n"
	"FROM (SELECT order_id, status, CASE\n"
	"  WHEN lines = 0 THEN status\n"
	"  WHEN wanted = 0 AND shipped = 0 THEN\n"
	"    CASE WHEN cancelled > 0 THEN 'cancelled' ELSE 'fulfilled' END\n"
	"  WHEN shipped >= wanted THEN\n"
	"    CASE WHEN returned > 0 AND returned >= shipped THEN 'returned'\n"
	"    WHEN returned > 0 THEN 'partly_returned'\n"
	"    WHEN parcels = 0 THEN 'fulfilled'\n"
	"    WHEN undelivered = 0 THEN 'delivered' ELSE 'shipped' END\n"
	"  WHEN shipped > 0 THEN 'partly_shipped'\n"
	"  WHEN allocated >= wanted THEN 'allocated'\n"
	"  WHEN allocated > 0 THEN 'partial'\n"
	"  WHEN status = 'backordered' THEN 'backordered'\n"
	"  ELSE 'open' END AS progress\n"
	"FROM order_progress) AS p;\n",
	/*
	 * 10: the event stream.  outbox is every change in the order it
	 * was made, one row per event of an order (events) and per
	 * movement of the ledger, written in the transaction of the change;
	 * it names the row rather than copying it, so what purge-customer
	 * erases there is erased from the stream too.  seq never goes back
	 * nor is used twice (AUTOINCREMENT), even once old events are
	 * pruned.  consumers keeps, for each reader by name, the last seq
	 * it acknowledged, and the last of the batch it was handed and has
	 * not acknowledged yet (pending), so that a batch tried again is the
	 * same batch.  A consumer forgotten and made again is another
	 * consumer (AUTOINCREMENT): what the first still holds is not the
	 * second's.  The changes made before this migration are
	 * the stream's beginning, in the order they were made.
	 */
	"CREATE TABLE outbox (\n"
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  at TEXT NOT NULL,\n"
	"  event_id INTEGER,\n"
	"  movement_id INTEGER,\n"
	"  CHECK ((event_id IS NULL) <> (movement_id IS NULL))\n"
	");\n"
	"CREATE TABLE consumers (\n"
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  name TEXT NOT NULL UNIQUE,\n"
	"  acked INTEGER NOT NULL DEFAULT 0 CHECK (acked >= 0),\n"
	"  pending INTEGER,\n"
	"  created_at TEXT NOT NULL,\n"
	"  acked_at TEXT\n"
	");\n"
	"INSERT INTO outbox (at, event_id, movement_id)\n"
	"SELECT at, e, m FROM (\n"
	"  SELECT at, id AS e, NULL AS m, 0 AS k, id FROM events\n"
	"  UNION ALL SELECT at, NULL, id, 1, id FROM movements) AS x\n"
	"ORDER BY at, k, id;\n",
	/*
	 * 11: EDI with 3pl locations (oms-edi).  edi_control keeps the last
	 * control number used, by our sender id, for interchanges, groups
	 * and transaction sets: each only goes up, so none is used twice.
	 * edi_interchanges is every file written or read (a file read is
	 * known by its sender and control number, and its digest, so the
	 * same file read again changes nothing); edi_sets each transaction
	 * set in them and where it stands.  edi_orders is each warehouse
	 * shipping order (940) sent to a location, its depositor order
	 * number the name the 3pl answers with; edi_lines the allocations
	 * it asked for, and how many units of each the 3pl is done with
	 * (shipped, or said it will not ship).  edi_shipments the 3pl's
	 * shipment ids (W06-04), each taken once for each depositor order
	 * (a load or a bill of lading that several orders share is a
	 * shipment of each).
	 */
	"CREATE TABLE edi_control (\n"
	"  sender TEXT NOT NULL,\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('interchange', 'group', 'set')),\n"
	"  last INTEGER NOT NULL CHECK (last >= 0),\n"
	"  PRIMARY KEY (sender, kind)\n"
	");\n"
	"CREATE TABLE edi_interchanges (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  location TEXT NOT NULL,\n"
	"  direction TEXT NOT NULL CHECK (direction IN ('out', 'in')),\n"
	"  sender TEXT NOT NULL,\n"
	"  receiver TEXT NOT NULL,\n"
	"  control INTEGER NOT NULL,\n"
	"  dir TEXT,\n"
	"  file TEXT NOT NULL,\n"
	"  digest TEXT NOT NULL,\n"
	"  at TEXT NOT NULL,\n"
	"  UNIQUE (direction, sender, receiver, control)\n"
	");\n"
	"CREATE INDEX edi_interchanges_location ON edi_interchanges\n"
	"  (location, direction, id);\n"
	"CREATE TABLE edi_sets (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  interchange_id INTEGER NOT NULL REFERENCES edi_interchanges (id),\n"
	"  group_control INTEGER NOT NULL,\n"
	"  set_id TEXT NOT NULL,\n"
	"  control TEXT NOT NULL,\n"
	"  state TEXT NOT NULL CHECK (state IN ('sent', 'accepted',\n"
	"    'rejected', 'pending', 'applied', 'refused')),\n"
	"  note TEXT,\n"
	"  at TEXT NOT NULL,\n"
	"  UNIQUE (interchange_id, group_control, control)\n"
	");\n"
	"CREATE INDEX edi_sets_group ON edi_sets (group_control, control);\n"
	"CREATE TABLE edi_orders (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  set_row INTEGER NOT NULL REFERENCES edi_sets (id),\n"
	"  location TEXT NOT NULL,\n"
	"  order_id INTEGER NOT NULL REFERENCES orders (id),\n"
	"  depositor_order TEXT NOT NULL,\n"
	"  purpose TEXT NOT NULL CHECK (purpose IN ('ship', 'cancel')),\n"
	"  state TEXT NOT NULL CHECK (state IN ('sent', 'accepted',\n"
	"    'rejected', 'done', 'cancelled')),\n"
	"  at TEXT NOT NULL\n"
	");\n"
	"CREATE INDEX edi_orders_location ON edi_orders (location,\n"
	"  depositor_order);\n"
	"CREATE INDEX edi_orders_order ON edi_orders (order_id);\n"
	"CREATE TABLE edi_lines (\n"
	"  edi_order INTEGER NOT NULL REFERENCES edi_orders (id),\n"
	"  allocation_id INTEGER NOT NULL REFERENCES allocations (id),\n"
	"  lx INTEGER NOT NULL,\n"
	"  line_no INTEGER NOT NULL,\n"
	"  sku TEXT NOT NULL,\n"
	"  qty INTEGER NOT NULL CHECK (qty > 0),\n"
	"  done INTEGER NOT NULL DEFAULT 0,\n"
	"  PRIMARY KEY (edi_order, allocation_id),\n"
	"  CHECK (done >= 0 AND done <= qty)\n"
	");\n"
	"CREATE INDEX edi_lines_allocation ON edi_lines (allocation_id);\n"
	"CREATE TABLE edi_shipments (\n"
	"  location TEXT NOT NULL,\n"
	"  depositor_order TEXT NOT NULL,\n"
	"  shipment TEXT NOT NULL,\n"
	"  shipment_id INTEGER REFERENCES shipments (id),\n"
	"  set_row INTEGER NOT NULL REFERENCES edi_sets (id),\n"
	"  PRIMARY KEY (location, depositor_order, shipment)\n"
	");\n",
	/*
	 * 12: payments, for the channels whose money a payment adapter
	 * takes (adapters.json; pay.c).  payments keeps per order what was
	 * authorised (the order's total), captured and refunded, in minor
	 * units, and the reference the adapter knows the payment by.
	 * payment_ops is each capture and refund asked of the adapter, made
	 * pending under its idempotency key before the adapter is called
	 * and settled with its answer afterwards, so a run killed between
	 * the two asks again with the same key.  A capture names the last
	 * shipment it covers and the units of each order line it takes
	 * (lines); a refund names its refund.
	 */
	"CREATE TABLE payments (\n"
	"  order_id INTEGER PRIMARY KEY REFERENCES orders (id),\n"
	"  adapter TEXT NOT NULL,\n"
	"  reference TEXT NOT NULL,\n"
	"  currency TEXT NOT NULL,\n"
	"  authorised INTEGER NOT NULL DEFAULT 0 CHECK (authorised >= 0),\n"
	"  captured INTEGER NOT NULL DEFAULT 0 CHECK (captured >= 0),\n"
	"  refunded INTEGER NOT NULL DEFAULT 0 CHECK (refunded >= 0),\n"
	"  updated_at TEXT NOT NULL\n"
	");\n"
	"CREATE TABLE payment_ops (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  order_id INTEGER NOT NULL REFERENCES payments (order_id),\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('capture', 'refund')),\n"
	"  amount INTEGER NOT NULL CHECK (amount >= 0),\n"
	"  final INTEGER NOT NULL DEFAULT 0,\n"
	"  shipment_id INTEGER REFERENCES shipments (id),\n"
	"  refund_id INTEGER REFERENCES refunds (id),\n"
	"  lines TEXT,\n"
	"  key TEXT NOT NULL UNIQUE,\n"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'refused',\n"
	"    'failed')),\n"
	"  note TEXT,\n"
	"  reply TEXT,\n"
	"  at TEXT NOT NULL,\n"
	"  done_at TEXT\n"
	");\n"
	"CREATE INDEX payment_ops_order ON payment_ops (order_id, kind);\n"
	"CREATE INDEX payment_ops_state ON payment_ops (state);\n",
};
const int oms_nmigrations = sizeof oms_migrations / sizeof oms_migrations[0];

/*
 * Every table, each after those its foreign keys point at: the order oms
 * migrate copies them in.  t/0150 checks it names each table once.
 */
const char *const oms_tables[] = {
	"orders", "order_lines", "order_sources", "events", "locations",
	"products", "product_bins", "listings", "kits", "kit_components",
	"movements", "levels", "channel_locations", "feed_cursors",
	"feed_state", "allocations", "routes", "rules", "geo_postal",
	"shipments", "shipment_lines", "tracking_events", "confirmations",
	"notifications", "waves", "picks", "settings", "order_versions",
	"cancel_requests", "stray_labels", "import_batches",
	"import_batch_orders", "returns", "return_lines", "return_receipts",
	"return_units", "refunds", "refund_lines", "outbox", "consumers",
	"edi_control", "edi_interchanges", "edi_sets", "edi_orders",
	"edi_lines", "edi_shipments", "payments", "payment_ops",
};
const int oms_ntables = sizeof oms_tables / sizeof oms_tables[0];

/*
 * The consistency checks of `oms check`: each query returns one row of
 * text per problem it finds.  Later issues add theirs.
 */
const struct oms_check oms_checks[] = {
	/* PostgreSQL keeps its foreign keys itself: SQLite's check only. */
	{ "foreign-keys",
	  "/* sqlite */ SELECT 'row ' || rowid || ' of ' || \"table\" || "
	  "' points at a missing row of ' || parent FROM pragma_foreign_key_check" },
	{ "order-lines",
	  "SELECT 'order o_' || id || ' (' || channel || ' ' || external_id || "
	  "') has no lines' FROM orders o WHERE status NOT IN ('hold', 'cancelled', "
	  "'fulfilled') AND NOT EXISTS "
	  "(SELECT 1 FROM order_lines l WHERE l.order_id = o.id)" },
	{ "line-quantity",
	  "SELECT 'order o_' || order_id || ' line ' || line_no || "
	  "' has quantity ' || qty FROM order_lines WHERE qty <= 0" },
	{ "hold-reasons",
	  "SELECT 'order o_' || id || ' is on hold with no reason' FROM orders "
	  "WHERE status = 'hold' AND (hold_reasons IS NULL OR hold_reasons = '[]')" },
	{ "order-currency",
	  "SELECT 'order o_' || id || ' has currency ''' || currency || '''' "
	  "FROM orders WHERE length(currency) <> 3 OR upper(currency) <> currency" },
	{ "ledger",
	  "SELECT sku || ' at ' || location || ': ' || figure || ' is ' || "
	  "level || ' in levels, ' || ledger || ' in the ledger' "
	  "FROM level_differences ORDER BY sku, location, figure" },
	{ "levels",
	  "SELECT sku || ' at ' || location || ': ' || CASE "
	  "WHEN on_hand < 0 THEN 'on_hand is ' || on_hand "
	  "WHEN reserved < 0 THEN 'reserved is ' || reserved "
	  "WHEN in_transit < 0 THEN 'in_transit is ' || in_transit "
	  "ELSE 'reserved ' || reserved || ' is more than on_hand ' || on_hand "
	  "END FROM levels WHERE on_hand < 0 OR reserved < 0 OR in_transit < 0 "
	  "OR reserved > on_hand ORDER BY sku, location" },
	{ "allocations",
	  "SELECT 'order o_' || order_id || ' line ' || line_no || "
	  "': ' || allocated || ' allocated of ' || qty || CASE WHEN cancelled "
	  "> 0 THEN ' less ' || cancelled || ' cancelled' ELSE '' END "
	  "FROM order_lines WHERE allocated < 0 OR shipped > allocated "
	  "OR cancelled < 0 OR cancelled > qty OR fulfilled < 0 "
	  "OR fulfilled > qty OR allocated - shipped > "
	  "CASE WHEN qty - cancelled > CASE WHEN fulfilled > shipped THEN fulfilled ELSE shipped END "
	  "THEN qty - cancelled - CASE WHEN fulfilled > shipped THEN fulfilled ELSE shipped END ELSE 0 END "
	  "ORDER BY order_id, line_no" },
	{ "allocation-lines",
	  "SELECT 'order o_' || a.order_id || ': allocation a' || a.id || "
	  "' (' || a.qty || ' ' || a.sku || ' at ' || a.location || ', ' || "
	  "a.state || ') matches no line of the order' FROM allocations a "
	  "LEFT JOIN order_lines l ON l.order_id = a.order_id "
	  "AND l.line_no = a.line_no WHERE a.state <> 'released' "
	  "AND a.line_no > 0 AND (l.line_no IS NULL OR (a.sku IS DISTINCT FROM "
	  "l.sku AND NOT EXISTS ("
	  "SELECT 1 FROM kit_components k WHERE k.kit_sku = l.sku "
	  "AND k.sku = a.sku))) ORDER BY a.order_id, a.id" },
	{ "order-state",
	  "SELECT 'order o_' || order_id || ' is ' || status || ' but its "
	  "lines, allocations and shipments make it ' || expected "
	  "FROM order_state WHERE status <> expected ORDER BY order_id" },
	{ "reserved-for-nothing",
	  "SELECT 'order o_' || o.id || ' is ' || o.status || ' but holds ' || "
	  "sum(a.qty) || ' units reserved' FROM orders o JOIN allocations a "
	  "ON a.order_id = o.id AND a.state = 'active' WHERE o.status IN "
	  "('cancelled', 'fulfilled', 'shipped', 'delivered') "
	  "GROUP BY o.id ORDER BY o.id" },
	{ "channel-cancelled",
	  "SELECT 'order o_' || id || ' is cancelled on ' || channel || "
	  "' but ' || status || ' here, with no cancel request' FROM orders o "
	  "WHERE channel_status = 'cancelled' AND status <> 'cancelled' "
	  "AND NOT EXISTS (SELECT 1 FROM cancel_requests r "
	  "WHERE r.order_id = o.id AND r.source = 'channel') ORDER BY id" },
	{ "order-status",
	  "SELECT 'order o_' || id || ' has status ''' || status || '''' "
	  "FROM orders WHERE status NOT IN ('open', 'hold', 'backordered', "
	  "'partial', 'allocated', 'partly_shipped', 'shipped', 'delivered', "
	  "'cancelled', 'fulfilled', 'partly_returned', 'returned') "
	  "ORDER BY id" },
	/*
	 * What waits in each returns quarantine is what came back there
	 * and was not yet inspected (a kit as its parts).
	 */
	{ "return-quarantine",
	  "SELECT 'quarantine ' || e.loc || '/returns holds ' || "
	  "coalesce(l.on_hand, 0) || ' of ' || e.sku || ', its returns say ' "
	  "|| e.n FROM (SELECT loc, sku, sum(n) AS n FROM ("
	  "SELECT rc.location AS loc, coalesce(kc.sku, rl.sku) AS sku, "
	  "rc.qty * coalesce(kc.qty, 1) AS n FROM return_receipts rc "
	  "JOIN return_lines rl ON rl.return_id = rc.return_id AND "
	  "rl.line_no = rc.line_no LEFT JOIN kit_components kc ON "
	  "kc.kit_sku = rl.sku WHERE rl.sku IS NOT NULL "
	  "UNION ALL SELECT location, sku, -qty FROM return_units) AS x "
	  "GROUP BY loc, sku) AS e LEFT JOIN levels l ON l.location = "
	  "e.loc || '/returns' AND l.sku = e.sku "
	  "WHERE coalesce(l.on_hand, 0) <> e.n "
	  /* Stock in a quarantine that no return brought there. */
	  "UNION ALL SELECT 'quarantine ' || l.location || ' holds ' || "
	  "l.on_hand || ' of ' || l.sku || ', which no return brought' "
	  "FROM levels l JOIN locations q ON q.id = l.location "
	  "WHERE q.quarantine_of IS NOT NULL AND l.on_hand <> 0 AND NOT "
	  "EXISTS (SELECT 1 FROM return_receipts rc JOIN return_lines rl ON "
	  "rl.return_id = rc.return_id AND rl.line_no = rc.line_no LEFT JOIN "
	  "kit_components kc ON kc.kit_sku = rl.sku WHERE rc.location || "
	  "'/returns' = l.location AND coalesce(kc.sku, rl.sku) = l.sku)" },
	/* A returns quarantine is counted, never sold nor shipped from. */
	{ "quarantine-sellable",
	  "SELECT 'location ' || id || ', the returns quarantine of ' || "
	  "quarantine_of || ', is ' || CASE WHEN sellable = 1 THEN "
	  "'sellable' ELSE 'shipping' END FROM locations WHERE quarantine_of "
	  "IS NOT NULL AND (sellable = 1 OR ships = 1) ORDER BY id" },
	/* The units an order line counts returned are its returns'. */
	{ "returned-units",
	  "SELECT 'order o_' || l.order_id || ' line ' || l.line_no || "
	  "' counts ' || l.returned || ' returned, its returns ' || "
	  "coalesce(x.n, 0) FROM order_lines l LEFT JOIN (SELECT r.order_id "
	  "AS order_id, rl.order_line AS order_line, sum(CASE WHEN r.kind = "
	  "'keep' THEN (CASE WHEN r.state = 'closed' THEN rl.qty ELSE 0 END) "
	  "ELSE rl.received END) AS n FROM return_lines rl JOIN returns r ON "
	  "r.id = rl.return_id GROUP BY r.order_id, rl.order_line) AS x ON "
	  "x.order_id = l.order_id AND x.order_line = l.line_no "
	  "WHERE l.returned <> coalesce(x.n, 0) ORDER BY l.order_id, "
	  "l.line_no" },
	/* No order is refunded more than it came to. */
	{ "refunds",
	  "SELECT 'order o_' || r.order_id || ' is refunded ' || sum(r.total) "
	  "|| ' (minor units) of a total of ' || coalesce(o.total, 0) "
	  "FROM refunds r JOIN orders o ON o.id = r.order_id "
	  "GROUP BY r.order_id, o.total HAVING sum(r.total) > "
	  "coalesce(o.total, 0) ORDER BY r.order_id" },
	/*
	 * What is reserved at each level is what the active allocations
	 * there hold, no more (a reservation leaked, or made by hand) and
	 * no less (oms-stock reconcile repairs either).
	 */
	/* A consumer has acknowledged no event that was never written. */
	{ "event-consumers",
	  "SELECT 'consumer ' || name || ' acknowledged ' || acked || "
	  "', beyond the newest event, ' || (SELECT coalesce(max(seq), 0) "
	  "FROM outbox) FROM consumers WHERE acked > (SELECT "
	  "coalesce(max(seq), 0) FROM outbox) ORDER BY name" },
	/* A 940 the 3pl is done with holds no allocation still active. */
	{ "edi-orders",
	  "SELECT '940 ' || o.depositor_order || ' to ' || o.location || "
	  "' (order o_' || o.order_id || ') is done but allocation a' || "
	  "a.id || ' it asked for is still active' FROM edi_orders o "
	  "JOIN edi_lines l ON l.edi_order = o.id JOIN allocations a "
	  "ON a.id = l.allocation_id WHERE o.state = 'done' "
	  "AND a.state = 'active' ORDER BY o.id, a.id" },
	/*
	 * An order whose payment an adapter takes: every parcel shipped is
	 * covered by a capture done, and what the payment counts captured
	 * is what its captures done came to.
	 */
	{ "payment-capture",
	  "SELECT 'order o_' || p.order_id || ' shipped s_' || s.id || "
	  "' but no capture of it is done (' || coalesce((SELECT 'capture ' "
	  "|| x.key || ' ' || x.state FROM payment_ops x WHERE x.order_id = "
	  "p.order_id AND x.kind = 'capture' AND x.shipment_id >= s.id ORDER "
	  "BY x.id LIMIT 1), 'none asked') || ')' FROM payments p JOIN "
	  "shipments s ON s.order_id = p.order_id AND s.status <> 'voided' "
	  "WHERE NOT EXISTS (SELECT 1 FROM payment_ops x WHERE x.order_id = "
	  "p.order_id AND x.kind = 'capture' AND x.state = 'done' AND "
	  "x.shipment_id >= s.id) "
	  "UNION ALL SELECT 'order o_' || p.order_id || ' counts ' || "
	  "p.captured || ' captured (minor units), its captures done ' || "
	  "coalesce(sum(x.amount), 0) FROM payments p LEFT JOIN payment_ops x "
	  "ON x.order_id = p.order_id AND x.kind = 'capture' AND x.state = "
	  "'done' GROUP BY p.order_id, p.captured HAVING p.captured <> "
	  "coalesce(sum(x.amount), 0)" },
	/* No payment is refunded more than was captured of it. */
	{ "payment-refunds",
	  "SELECT 'order o_' || order_id || ' is refunded ' || refunded || "
	  "' (minor units) of ' || captured || ' captured' FROM payments "
	  "WHERE refunded > captured ORDER BY order_id" },
	{ "reservations",
	  "SELECT sku || ' at ' || location || ': reserved ' || reserved || "
	  "', allocated ' || allocated || ' (oms-stock reconcile repairs it)' "
	  "FROM reservation_differences ORDER BY sku, location" },
};

const int oms_nchecks = sizeof oms_checks / sizeof oms_checks[0];
