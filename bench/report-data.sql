-- bench/report-data.sql: a year of trading for bench/report.sh, written
-- straight into a database that `oms init` made, in one transaction.
--
--   { echo 'CREATE TEMP TABLE knobs AS SELECT 1000000 AS n_lines;'
--     cat bench/report-data.sql; } | sqlite3 report.db
--
-- n_lines order lines over orders of 1 to 4 lines (about n_lines / 2.5
-- orders), placed over the 365 days before 2026-12-01 on shopify,
-- amazon, ebay, etsy and wholesale, in USD, EUR and JPY; 3 locations
-- (W1, W2 ship USD orders, W3 EUR ones) and their returns quarantines;
-- 5,000 products and 50 kits of 2-3 of them, listed on every channel.
-- Of the orders 4% are cancelled, 1.5% backordered, 1% open, 0.5%
-- allocated (reserved, not shipped), 0.3% on hold, the rest (93%)
-- shipped from one location or, one in ten of several lines, two:
-- allocations, shipments with a cost, shipment lines, tracking events
-- and confirmations, most delivered.  One line in 50 of the last line
-- of a shipped order is cancelled.  About 3% of the delivered orders
-- have a return: requested, in transit, received, or closed with each
-- unit inspected (restock, dispose, vendor) and a refund sent; one in
-- twenty is a keep (refunded, nothing comes back).
--
-- The stock ledger is what the programs would have written: receipts
-- of every product at every location at four dates, a reserve for each
-- allocation, a release and an adjust (reason shipped) for each one
-- shipped, and the returns' receipts into quarantine and the
-- dispositions out of it; each movement's *_after figures run in time
-- order, and levels are the ledger's, so `oms check` is clean.
--
-- SQLite's random() takes no seed: every choice is one of sixteen
-- hashes of a row number n (table hx: y = (n * 2654435761 + salt *
-- 1299709) mod p, then y * y mod p, p = 2^31 - 1; the square keeps the
-- sixteen apart), so the same n_lines gives the same database.  Times are stored as epochs in the
-- temporary tables and written as oms writes them.
.bail on
-- Written once, in a rollback journal (a fresh file has nothing to roll
-- back, so it costs nothing), rather than through the WAL and a
-- checkpoint; the database is WAL again at the end, as oms keeps it.
PRAGMA journal_mode = DELETE;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -262144;
BEGIN;

CREATE TEMP TABLE k AS SELECT n_lines AS n,
  unixepoch('2026-12-01T00:00:00Z') AS t_end,
  unixepoch('2026-12-01T00:00:00Z') - 365 * 86400 AS t0
FROM knobs;

CREATE TEMP TABLE hx (n INTEGER PRIMARY KEY, c1, c2, c3, c4, c5, c6, c7, c8,
  c9, c10, c11, c12, c13, c14, c15, c16);
INSERT INTO hx
SELECT value,
  y1 * y1 % 2147483647,
  y2 * y2 % 2147483647,
  y3 * y3 % 2147483647,
  y4 * y4 % 2147483647,
  y5 * y5 % 2147483647,
  y6 * y6 % 2147483647,
  y7 * y7 % 2147483647,
  y8 * y8 % 2147483647,
  y9 * y9 % 2147483647,
  y10 * y10 % 2147483647,
  y11 * y11 % 2147483647,
  y12 * y12 % 2147483647,
  y13 * y13 % 2147483647,
  y14 * y14 % 2147483647,
  y15 * y15 % 2147483647,
  y16 * y16 % 2147483647
FROM (SELECT value,
    (value * 2654435761 + 1 * 1299709) % 2147483647 AS y1,
    (value * 2654435761 + 2 * 1299709) % 2147483647 AS y2,
    (value * 2654435761 + 3 * 1299709) % 2147483647 AS y3,
    (value * 2654435761 + 4 * 1299709) % 2147483647 AS y4,
    (value * 2654435761 + 5 * 1299709) % 2147483647 AS y5,
    (value * 2654435761 + 6 * 1299709) % 2147483647 AS y6,
    (value * 2654435761 + 7 * 1299709) % 2147483647 AS y7,
    (value * 2654435761 + 8 * 1299709) % 2147483647 AS y8,
    (value * 2654435761 + 9 * 1299709) % 2147483647 AS y9,
    (value * 2654435761 + 10 * 1299709) % 2147483647 AS y10,
    (value * 2654435761 + 11 * 1299709) % 2147483647 AS y11,
    (value * 2654435761 + 12 * 1299709) % 2147483647 AS y12,
    (value * 2654435761 + 13 * 1299709) % 2147483647 AS y13,
    (value * 2654435761 + 14 * 1299709) % 2147483647 AS y14,
    (value * 2654435761 + 15 * 1299709) % 2147483647 AS y15,
    (value * 2654435761 + 16 * 1299709) % 2147483647 AS y16
  FROM generate_series(1, max((SELECT n FROM k) + 100, 20000)));

-- ---- the catalog -------------------------------------------------------
CREATE TEMP TABLE gp AS
SELECT sku, price, price * (30 + h2 % 35) / 100 AS cost,
  100 + h3 % 3000 AS weight_g
FROM (SELECT 'P' || printf('%05d', n) AS sku,
  (499 + c14 % 19500) / 100 * 100 + 99 AS price, c15 AS h2, c16 AS h3
FROM hx WHERE n <= 5000);

CREATE TEMP TABLE gkc AS
SELECT DISTINCT 'K' || printf('%03d', k.value) AS kit_sku,
  'P' || printf('%05d', 1 + h.c1 % 5000) AS sku, 1 + h.c2 % 2 AS qty
FROM generate_series(1, 50) k JOIN generate_series(1, 3) c
  ON c.value <= 2 + k.value % 2
JOIN hx h ON h.n = k.value * 7 + c.value;

INSERT INTO gp
SELECT c.kit_sku, sum(p.price * c.qty) * 9 / 10 / 100 * 100 + 99,
  sum(p.cost * c.qty), sum(p.weight_g * c.qty)
FROM gkc c JOIN gp p ON p.sku = c.sku GROUP BY c.kit_sku;

INSERT INTO locations (id, name, kind, city, region, postal_code, country,
  sellable, ships, priority, tz, quarantine_of, record, updated_at)
VALUES
 ('W1', 'Newark', 'warehouse', 'Newark', 'NJ', '07102', 'US', 1, 1, 3,
  'America/New_York', NULL, '{"type":"location","id":"W1"}', '2025-11-01T00:00:00Z'),
 ('W2', 'Reno', 'warehouse', 'Reno', 'NV', '89502', 'US', 1, 1, 2,
  'America/Los_Angeles', NULL, '{"type":"location","id":"W2"}', '2025-11-01T00:00:00Z'),
 ('W3', 'Venlo', 'warehouse', 'Venlo', NULL, '5928', 'NL', 1, 1, 1,
  'Europe/Amsterdam', NULL, '{"type":"location","id":"W3"}', '2025-11-01T00:00:00Z'),
 ('W1/returns', 'returns waiting for inspection', 'warehouse', NULL, NULL,
  NULL, NULL, 0, 0, 0, NULL, 'W1', '{"type":"location","id":"W1/returns"}',
  '2025-11-01T00:00:00Z'),
 ('W2/returns', 'returns waiting for inspection', 'warehouse', NULL, NULL,
  NULL, NULL, 0, 0, 0, NULL, 'W2', '{"type":"location","id":"W2/returns"}',
  '2025-11-01T00:00:00Z'),
 ('W3/returns', 'returns waiting for inspection', 'warehouse', NULL, NULL,
  NULL, NULL, 0, 0, 0, NULL, 'W3', '{"type":"location","id":"W3/returns"}',
  '2025-11-01T00:00:00Z');

INSERT INTO products (sku, title, weight_g, cost, currency, record,
  updated_at)
SELECT sku, 'Product ' || sku, weight_g, cost, 'USD',
  json_object('type', 'product', 'sku', sku, 'cost', cost, 'currency', 'USD'),
  '2025-11-01T00:00:00Z'
FROM gp ORDER BY sku;

INSERT INTO kits (sku, record, updated_at)
SELECT DISTINCT kit_sku, json_object('type', 'kit', 'sku', kit_sku),
  '2025-11-01T00:00:00Z' FROM gkc ORDER BY kit_sku;
INSERT INTO kit_components (kit_sku, sku, qty)
SELECT kit_sku, sku, qty FROM gkc ORDER BY kit_sku, sku;

CREATE TEMP TABLE gch (channel TEXT PRIMARY KEY, pct INTEGER, prefix TEXT);
INSERT INTO gch VALUES ('shopify', 100, ''), ('amazon', 105, 'AMZ-'),
  ('ebay', 98, 'EB-'), ('etsy', 110, 'ET-'), ('wholesale', 60, 'WH-');

INSERT INTO listings (channel, channel_sku, sku, price, currency, record,
  updated_at)
SELECT c.channel, c.prefix || p.sku, p.sku, p.price * c.pct / 100, 'USD',
  json_object('type', 'listing', 'channel', c.channel, 'channel_sku',
    c.prefix || p.sku, 'sku', p.sku), '2025-11-01T00:00:00Z'
FROM gch c, gp p ORDER BY c.channel, p.sku;

-- ---- orders and their lines --------------------------------------------
CREATE TEMP TABLE go AS
WITH s AS (
  SELECT n AS id, c1 AS h1, c2 AS h2, c3 AS h3, c4 AS h4, c5 AS h5,
    c6 AS h6, c7 AS h7, c8 AS h8, c14 AS h14
  FROM hx WHERE n <= (SELECT n FROM k) / 2 + 100
), c AS (
  SELECT *, 1 + h1 % 4 AS nl0,
    sum(1 + h1 % 4) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING)
      - (1 + h1 % 4) AS first_line
  FROM s
), b AS (
  SELECT id, h4, h5, h6, h7, h8, h14,
    min(nl0, (SELECT n FROM k) - first_line) AS nl, first_line,
    CASE WHEN h2 % 100 < 40 THEN 'shopify' WHEN h2 % 100 < 65 THEN 'amazon'
      WHEN h2 % 100 < 80 THEN 'ebay' WHEN h2 % 100 < 92 THEN 'etsy'
      ELSE 'wholesale' END AS channel,
    h3 % 100 AS cur
  FROM c WHERE first_line < (SELECT n FROM k)
), t AS (
  -- Orders are numbered as they come: placed_at grows with the id.
  SELECT *, (SELECT t0 FROM k) + (id - 1) * (365 * 86400 - 3600) /
      (SELECT count(*) FROM b) + h5 % 1800 AS placed,
    3 * 3600 + h14 % (70 * 3600) AS ship_after
  FROM b
), d AS (
  SELECT *,
    CASE channel
      WHEN 'amazon' THEN CASE WHEN cur < 70 THEN 'USD' WHEN cur < 92
        THEN 'EUR' ELSE 'JPY' END
      WHEN 'ebay' THEN CASE WHEN cur < 80 THEN 'USD' ELSE 'EUR' END
      WHEN 'etsy' THEN CASE WHEN cur < 75 THEN 'USD' ELSE 'EUR' END
      ELSE 'USD' END AS currency,
    -- Backordered, open and held orders are of the last 30 days; an
    -- order whose parcels would leave after the end is allocated.
    CASE WHEN h4 % 1000 < 40 THEN 'cancelled'
      WHEN placed > (SELECT t_end FROM k) - 30 * 86400 AND h4 % 1000 < 55
        THEN 'backordered'
      WHEN placed > (SELECT t_end FROM k) - 30 * 86400 AND h4 % 1000 < 65
        THEN 'open'
      WHEN placed > (SELECT t_end FROM k) - 30 * 86400 AND h4 % 1000 < 70
        THEN 'hold'
      WHEN placed + ship_after + 86400 >= (SELECT t_end FROM k)
        THEN 'allocated'
      ELSE 'shipped' END AS band
  FROM t
)
SELECT id, nl, first_line, channel, currency, band, placed, ship_after, h5,
  h6, h7, h8,
  CASE WHEN currency = 'EUR' THEN 'W3' WHEN h6 % 100 < 60 THEN 'W1'
    ELSE 'W2' END AS loc,
  CASE WHEN currency = 'EUR' THEN 'W1' WHEN h6 % 100 < 60 THEN 'W2'
    ELSE 'W1' END AS loc2,
  nl >= 2 AND h6 / 100 % 10 = 7 AS split,
  CASE WHEN h7 % 10 < 8 THEN 'standard' ELSE 'expedited' END AS service
FROM d;
CREATE UNIQUE INDEX go_id ON go (id);

-- A line's price is its listing's, in the order's currency (EUR at
-- 0.92, JPY at 150 yen the dollar); a line in ten has 10% off; tax is
-- 8% in USD, 10% in JPY, none in EUR (prices with VAT).
CREATE TEMP TABLE gl AS
WITH l AS (
  SELECT o.id AS order_id, g.value AS line_no, o.nl, o.channel, o.currency,
    o.band, o.split, o.loc, o.loc2,
    h.c9 AS k1, h.c10 AS k2, h.c11 AS k3
  FROM go o JOIN generate_series(1, 4) g ON g.value <= o.nl
  JOIN hx h ON h.n = o.first_line + g.value
), s AS MATERIALIZED (
  SELECT *,
    CASE WHEN k1 % 1000 < 8 THEN 'K' || printf('%03d', 1 + k1 / 1000 % 50)
      ELSE 'P' || printf('%05d', 1 + (k1 / 1000 % 70711) *
        (k1 / 1000 % 70711) / 1000001) END AS sku,
    (CASE WHEN k2 % 10 < 6 THEN 1 WHEN k2 % 10 < 9 THEN 2
      ELSE 3 + k2 / 10 % 3 END) *
      (CASE WHEN channel = 'wholesale' THEN 12 ELSE 1 END) AS qty
  FROM l
), p AS (
  SELECT s.*, CASE s.currency WHEN 'EUR' THEN li.price * 92 / 100
    WHEN 'JPY' THEN li.price * 3 / 2 ELSE li.price END AS unit_price,
    c.prefix || s.sku AS channel_sku
  FROM s JOIN gch c ON c.channel = s.channel
  JOIN listings li ON li.channel = s.channel AND li.channel_sku =
    c.prefix || s.sku
), q AS (
  SELECT *, CASE WHEN k3 % 10 = 3 THEN unit_price * qty / 10 ELSE 0 END
    AS discount
  FROM p
)
SELECT order_id, line_no, sku, channel_sku, qty, unit_price, discount,
  (unit_price * qty - discount) * CASE currency WHEN 'USD' THEN 8
    WHEN 'JPY' THEN 10 ELSE 0 END / 100 AS tax,
  CASE WHEN band = 'cancelled' THEN qty
    WHEN band = 'shipped' AND line_no = nl AND nl >= 2 AND k3 / 10 % 50 = 0
    THEN qty ELSE 0 END AS cancelled,
  CASE WHEN split AND line_no % 2 = 0 THEN loc2 ELSE loc END AS loc,
  band
FROM q;
CREATE INDEX gl_order ON gl (order_id, line_no);

-- ---- allocations and shipments -----------------------------------------
CREATE TEMP TABLE ga AS
SELECT row_number() OVER (ORDER BY l.order_id, l.line_no,
    coalesce(c.sku, l.sku)) AS id,
  l.order_id, l.line_no, coalesce(c.sku, l.sku) AS sku, l.loc,
  l.qty * coalesce(c.qty, 1) AS qty, l.band
FROM gl l LEFT JOIN gkc c ON c.kit_sku = l.sku
WHERE l.band IN ('shipped', 'allocated') AND l.cancelled = 0;

CREATE TEMP TABLE gs AS
WITH s AS (
  SELECT row_number() OVER (ORDER BY l.order_id, l.loc) AS id,
    l.order_id, l.loc, sum(l.qty) AS units,
    row_number() OVER (PARTITION BY l.order_id ORDER BY l.loc) AS k
  FROM gl l WHERE l.band = 'shipped' AND l.cancelled = 0
  GROUP BY l.order_id, l.loc
), t AS (
  SELECT s.*, o.placed + o.ship_after + (s.k - 1) * 86400 AS shipped,
    h, o.service, o.currency
  FROM (SELECT s.*, h.c12 AS h FROM s JOIN hx h ON h.n = s.id) s
  JOIN go o ON o.id = s.order_id
)
SELECT id, order_id, loc, units, k, shipped, h, service,
  CASE WHEN shipped + (1 + h / 100 % 5 + (service = 'standard') * 2) * 86400
      + h / 1000 % 36000 < (SELECT t_end FROM k)
    THEN shipped + (1 + h / 100 % 5 + (service = 'standard') * 2) * 86400
      + h / 1000 % 36000 END AS delivered,
  CASE loc WHEN 'W3' THEN 'dhl' ELSE
    CASE h % 3 WHEN 0 THEN 'ups' WHEN 1 THEN 'usps' ELSE 'fedex' END END
    AS carrier,
  CASE loc WHEN 'W3' THEN 'EUR' ELSE 'USD' END AS cost_currency,
  450 + h / 10 % 1500 + (service = 'expedited') * 1200 AS cost
FROM t;
CREATE INDEX gs_order ON gs (order_id, loc);

-- ---- returns ----------------------------------------------------------
-- Of the orders whose every parcel was delivered, 3%, requested 1 to
-- 15 days after the last delivery and at least 8 days before the end.
CREATE TEMP TABLE grc AS
SELECT o.id AS order_id, o.loc, o.h8,
  max(s.delivered) + 86400 + o.h8 / 100 % (14 * 86400) AS requested
FROM go o JOIN gs s ON s.order_id = o.id
WHERE o.band = 'shipped' AND o.h8 % 100 < 3
GROUP BY o.id HAVING count(s.delivered) = count(*) AND
  max(s.delivered) + 86400 + o.h8 / 100 % (14 * 86400) <
    (SELECT t_end FROM k) - 8 * 86400;

-- The first line, or two, of products (no kits) not cancelled.
CREATE TEMP TABLE grl0 AS
SELECT c.order_id, l.line_no, l.sku, l.qty AS line_qty, l.unit_price,
  l.discount, l.tax,
  CASE WHEN l.qty > 1 AND c.h8 / 7 % 2 = 1 THEN 1 ELSE l.qty END AS qty,
  CASE (c.h8 / 11 + l.line_no) % 7 WHEN 0 THEN 'damaged'
    WHEN 1 THEN 'defective' WHEN 2 THEN 'wrong_item'
    WHEN 3 THEN 'not_as_described' WHEN 4 THEN 'changed_mind'
    WHEN 5 THEN 'too_small' ELSE 'too_large' END AS reason
FROM grc c JOIN gl l ON l.order_id = c.order_id
WHERE l.line_no <= 1 + c.h8 / 3 % 2 AND l.cancelled = 0
  AND l.sku LIKE 'P%';

CREATE TEMP TABLE gr AS
SELECT row_number() OVER (ORDER BY c.order_id) AS id, c.order_id, c.loc,
  c.requested,
  CASE c.hr % 20 WHEN 0 THEN 'requested' WHEN 1 THEN 'in_transit'
    WHEN 2 THEN 'received' ELSE 'closed' END AS state,
  CASE WHEN c.hr % 20 = 19 THEN 'keep' ELSE 'return' END AS kind,
  c.requested + 4 * 86400 + c.hr / 20 % 36000 AS received,
  c.requested + 5 * 86400 + c.hr / 20 % 36000 AS inspected
FROM (SELECT grc.*, h.c13 AS hr FROM grc JOIN hx h ON h.n = grc.order_id) c WHERE c.order_id IN (SELECT order_id FROM grl0);

CREATE TEMP TABLE grl AS
SELECT r.id AS return_id, r.state, r.kind, r.loc, r.received, r.inspected,
  r.order_id, l.line_no, l.sku, l.qty, l.line_qty, l.unit_price, l.discount,
  l.tax, l.reason,
  CASE WHEN r.kind = 'return' AND r.state IN ('received', 'closed')
    THEN l.qty ELSE 0 END AS n_received,
  CASE WHEN r.kind = 'return' AND r.state = 'closed' THEN l.qty ELSE 0 END
    AS n_inspected,
  CASE WHEN r.kind = 'keep' THEN l.qty WHEN r.state IN ('received',
    'closed') THEN l.qty ELSE 0 END AS n_returned,
  CASE WHEN l.reason IN ('damaged', 'defective') THEN
    CASE WHEN (r.id + l.line_no) % 2 = 0 THEN 'dispose' ELSE 'vendor' END
    ELSE 'restock' END AS disposition,
  l.unit_price * l.qty - l.discount * l.qty / l.line_qty AS amount,
  l.tax * l.qty / l.line_qty AS refund_tax
FROM gr r JOIN grl0 l ON l.order_id = r.order_id;

CREATE TEMP TABLE gf AS
SELECT row_number() OVER (ORDER BY return_id) AS id, return_id, order_id,
  CASE WHEN kind = 'keep' THEN min(received) - 4 * 86400 + 3600
    ELSE min(inspected) END AS at,
  sum(amount) AS items, sum(refund_tax) AS tax
FROM grl WHERE state = 'closed' GROUP BY return_id, order_id, kind;

-- ---- the real tables -------------------------------------------------------
CREATE TEMP TABLE gsum AS
SELECT l.order_id, sum(l.unit_price * l.qty) AS subtotal,
  sum(l.discount) AS discount, sum(l.tax) AS tax,
  sum(l.qty - l.cancelled) AS wanted,
  (SELECT count(*) FROM gs s WHERE s.order_id = l.order_id
    AND s.delivered IS NULL) AS undelivered,
  (SELECT max(s.delivered) FROM gs s WHERE s.order_id = l.order_id)
    AS last_delivered,
  (SELECT max(s.shipped) FROM gs s WHERE s.order_id = l.order_id)
    AS last_shipped
FROM gl l GROUP BY l.order_id;

CREATE TEMP TABLE gret AS
SELECT order_id, sum(n_returned) AS returned FROM grl GROUP BY order_id;
CREATE TEMP TABLE gref AS
SELECT order_id, sum(items + tax) AS refunded, max(at) AS at FROM gf
GROUP BY order_id;

INSERT INTO orders (id, channel, account, external_id, status, hold_reasons,
  hold_kind, channel_status, payment_status, placed_at, imported_at,
  updated_at, version_at, status_at, currency, customer_email, segment,
  ship_postal_code, ship_region, ship_country, service, ship_by,
  deliver_by, priority, subtotal, shipping, discount, tax, total, refunded,
  digest, record, sources)
SELECT o.id, o.channel, '', x.external_id, x.status,
  CASE WHEN x.status = 'hold' THEN '["address could not be verified"]' END,
  CASE WHEN x.status = 'hold' THEN 'problems' END,
  CASE WHEN x.status = 'cancelled' THEN 'cancelled' ELSE 'open' END,
  CASE WHEN x.status = 'cancelled' THEN 'voided' ELSE 'paid' END,
  strftime('%Y-%m-%dT%H:%M:%SZ', o.placed, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%SZ', o.placed + 300, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%SZ', x.changed, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%SZ', o.placed, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%SZ', x.changed, 'unixepoch'),
  o.currency, 'c' || (o.h6 / 1000 % 150000) || '@example.com',
  CASE WHEN o.channel = 'wholesale' THEN 'b2b' ELSE 'retail' END,
  CASE o.currency WHEN 'EUR' THEN printf('%05d', o.h7 / 10 % 90000 + 10000)
    WHEN 'JPY' THEN printf('%03d-%04d', o.h7 / 10 % 900 + 100,
      o.h7 / 10000 % 10000)
    ELSE printf('%05d', o.h7 / 10 % 99000 + 1000) END,
  CASE o.currency WHEN 'USD' THEN CASE o.h7 / 100 % 5 WHEN 0 THEN 'NY'
    WHEN 1 THEN 'CA' WHEN 2 THEN 'TX' WHEN 3 THEN 'IL' ELSE 'FL' END END,
  CASE o.currency WHEN 'EUR' THEN CASE o.h7 / 100 % 3 WHEN 0 THEN 'DE'
    WHEN 1 THEN 'FR' ELSE 'NL' END WHEN 'JPY' THEN 'JP' ELSE 'US' END,
  o.service,
  strftime('%Y-%m-%dT%H:%M:%SZ', o.placed + 2 * 86400, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%SZ', o.placed + 7 * 86400, 'unixepoch'),
  o.service = 'expedited',
  g.subtotal, x.shipping, g.discount, g.tax,
  g.subtotal - g.discount + g.tax + x.shipping, f.refunded,
  printf('%08x%08x', o.h5, o.h6),
  json_object('type', 'order', 'id', 'o_' || o.id, 'channel', o.channel,
    'external_id', x.external_id, 'placed_at',
    strftime('%Y-%m-%dT%H:%M:%SZ', o.placed, 'unixepoch'),
    'currency', o.currency),
  1
FROM go o JOIN gsum g ON g.order_id = o.id
LEFT JOIN gret r ON r.order_id = o.id
LEFT JOIN gref f ON f.order_id = o.id
JOIN (SELECT o.id,
  CASE o.channel WHEN 'shopify' THEN '#' || (1000 + o.id)
    WHEN 'amazon' THEN printf('1%02d-%07d-%07d', o.h5 % 100,
      o.h5 / 100 % 10000000, o.id)
    WHEN 'ebay' THEN printf('%02d-%05d-%05d', o.h6 % 100, o.h6 / 100 % 100000,
      o.id % 100000)
    WHEN 'etsy' THEN printf('%010d', 3000000000 + o.id)
    ELSE 'PO-' || printf('%07d', o.id) END AS external_id,
  CASE WHEN o.band <> 'shipped' THEN o.band
    WHEN coalesce(r.returned, 0) > 0 AND r.returned >= g.wanted
      THEN 'returned'
    WHEN coalesce(r.returned, 0) > 0 THEN 'partly_returned'
    WHEN g.undelivered > 0 THEN 'shipped' ELSE 'delivered' END AS status,
  CASE WHEN f.at IS NOT NULL THEN f.at
    WHEN o.band = 'cancelled' THEN o.placed + 900
    WHEN o.band <> 'shipped' THEN o.placed + 300
    WHEN g.undelivered > 0 THEN g.last_shipped ELSE g.last_delivered END
    AS changed,
  CASE WHEN o.h5 / 7 % 3 = 0 THEN 0 ELSE CASE o.currency WHEN 'JPY'
    THEN 750 WHEN 'EUR' THEN 460 ELSE 499 END END AS shipping
  FROM go o JOIN gsum g ON g.order_id = o.id
  LEFT JOIN gret r ON r.order_id = o.id
  LEFT JOIN gref f ON f.order_id = o.id) x ON x.id = o.id
ORDER BY o.id;

INSERT INTO order_lines (order_id, line_no, line_id, sku, channel_sku, title,
  qty, unit_price, discount, tax, allocated, shipped, cancelled, ships,
  fulfilled, returned)
SELECT l.order_id, l.line_no, 'l' || l.order_id || '.' || l.line_no, l.sku,
  l.channel_sku, 'Product ' || l.sku, l.qty, l.unit_price, l.discount, l.tax,
  CASE WHEN l.band IN ('shipped', 'allocated') AND l.cancelled = 0
    THEN l.qty ELSE 0 END,
  CASE WHEN l.band = 'shipped' AND l.cancelled = 0 THEN l.qty ELSE 0 END,
  l.cancelled, 1, 0, coalesce(r.n_returned, 0)
FROM gl l LEFT JOIN grl r ON r.order_id = l.order_id
  AND r.line_no = l.line_no
ORDER BY l.order_id, l.line_no;

INSERT INTO events (at, program, order_id, action, before, after)
SELECT imported_at, 'oms-import', id, 'created', NULL,
  json_object('status', status) FROM orders ORDER BY id;

-- Each cancellation was asked for by the channel and carried out at once.
INSERT INTO cancel_requests (order_id, at, program, source, reason, lines,
  state, ended_at)
SELECT o.id, strftime('%Y-%m-%dT%H:%M:%SZ', o.placed + 900, 'unixepoch'),
  'oms-import', 'channel', 'customer request',
  CASE WHEN o.band <> 'cancelled' THEN json_array(json_object('line_no',
    max(l.line_no), 'qty', max(l.cancelled))) END,
  'done', strftime('%Y-%m-%dT%H:%M:%SZ', o.placed + 900, 'unixepoch')
FROM go o JOIN gl l ON l.order_id = o.id WHERE l.cancelled > 0
GROUP BY o.id ORDER BY o.id;

INSERT INTO allocations (id, order_id, line_no, sku, location, qty, state,
  rule, rules_version, created_at, ended_at)
SELECT a.id, a.order_id, a.line_no, a.sku, a.loc, a.qty,
  CASE WHEN a.band = 'shipped' THEN 'shipped' ELSE 'active' END,
  'default', 0,
  strftime('%Y-%m-%dT%H:%M:%SZ', o.placed + 600, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%SZ', s.shipped, 'unixepoch')
FROM ga a JOIN go o ON o.id = a.order_id
LEFT JOIN gs s ON s.order_id = a.order_id AND s.loc = a.loc
ORDER BY a.id;

INSERT INTO shipments (id, order_id, location, request_id, carrier,
  carrier_code, service, service_name, status, tracking, packages, weight_g,
  cost, currency, test, shipped_at, delivered_at, record)
SELECT s.id, s.order_id, s.loc, 'bench:' || s.id, s.carrier, s.carrier,
  s.service, s.carrier || ' ' || s.service,
  CASE WHEN s.delivered IS NULL THEN 'in_transit' ELSE 'delivered' END,
  upper(s.carrier) || printf('%012d', s.id), 1 + (s.units > 6),
  200 + s.units * 400, s.cost, s.cost_currency, 0,
  strftime('%Y-%m-%dT%H:%M:%SZ', s.shipped, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%SZ', s.delivered, 'unixepoch'),
  json_object('type', 'shipment', 'id', 's_' || s.id, 'order',
    'o_' || s.order_id, 'location', s.loc)
FROM gs s ORDER BY s.id;

INSERT INTO shipment_lines (shipment_id, allocation_id, line_no, sku, qty)
SELECT s.id, a.id, a.line_no, a.sku, a.qty
FROM ga a JOIN gs s ON s.order_id = a.order_id AND s.loc = a.loc
ORDER BY s.id, a.id;

-- A label made, a scan (but for one parcel in 200), the delivery.
INSERT INTO tracking_events (shipment_id, tracking, at, status, description)
SELECT id, upper(carrier) || printf('%012d', id),
  strftime('%Y-%m-%dT%H:%M:%SZ', shipped, 'unixepoch'),
  'pre_transit', 'label created' FROM gs
UNION ALL
SELECT id, upper(carrier) || printf('%012d', id),
  strftime('%Y-%m-%dT%H:%M:%SZ', shipped + 4 * 3600, 'unixepoch'),
  'in_transit', 'picked up' FROM gs WHERE h / 11 % 200 <> 0
UNION ALL
SELECT id, upper(carrier) || printf('%012d', id),
  strftime('%Y-%m-%dT%H:%M:%SZ', delivered, 'unixepoch'), 'delivered',
  'delivered' FROM gs WHERE delivered IS NOT NULL
ORDER BY 1, 3;

-- One shipment in 500 was never confirmed to its channel.
INSERT INTO confirmations (shipment_id, channel, at)
SELECT s.id, o.channel,
  strftime('%Y-%m-%dT%H:%M:%SZ', s.shipped + 600, 'unixepoch')
FROM gs s JOIN go o ON o.id = s.order_id WHERE s.h / 7 % 500 <> 0
ORDER BY s.id;

INSERT INTO returns (id, order_id, key, state, kind, policy, location,
  carrier, tracking, requested_at, window_ends, updated_at, ended_at, record)
SELECT r.id, r.order_id, 'bench:r' || r.id, r.state, r.kind, 'default',
  CASE WHEN r.kind = 'return' THEN r.loc END,
  CASE WHEN r.kind = 'return' THEN 'ups' END,
  CASE WHEN r.kind = 'return' THEN '1ZR' || printf('%012d', r.id) END,
  strftime('%Y-%m-%dT%H:%M:%SZ', r.requested, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%SZ', r.requested + 30 * 86400, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%SZ', CASE r.state WHEN 'received' THEN r.received
    WHEN 'closed' THEN coalesce(f.at, r.inspected) ELSE r.requested END,
    'unixepoch'),
  CASE WHEN r.state = 'closed' THEN strftime('%Y-%m-%dT%H:%M:%SZ', f.at,
    'unixepoch') END,
  json_object('type', 'return', 'id', 'r_' || r.id, 'order', 'o_' ||
    r.order_id)
FROM gr r LEFT JOIN gf f ON f.return_id = r.id ORDER BY r.id;

INSERT INTO return_lines (return_id, line_no, order_line, sku, qty, reason,
  resolution, received, inspected)
SELECT return_id, row_number() OVER (PARTITION BY return_id
    ORDER BY line_no), line_no, sku, qty, reason, 'refund', n_received,
  n_inspected
FROM grl ORDER BY return_id, line_no;

INSERT INTO return_receipts (return_id, line_no, qty, location, tracking,
  key, at, program)
SELECT l.return_id, rl.line_no, l.n_received, l.loc,
  '1ZR' || printf('%012d', l.return_id),
  'bench:r' || l.return_id || ':' || rl.line_no,
  strftime('%Y-%m-%dT%H:%M:%SZ', l.received, 'unixepoch'), 'oms-return'
FROM grl l JOIN return_lines rl ON rl.return_id = l.return_id
  AND rl.order_line = l.line_no
WHERE l.n_received > 0 ORDER BY l.received, l.return_id, rl.line_no;

INSERT INTO return_units (return_id, line_no, sku, qty, location,
  disposition, key, at, program)
SELECT l.return_id, rl.line_no, l.sku, l.n_inspected, l.loc, l.disposition,
  'bench:r' || l.return_id || ':' || rl.line_no || ':unit',
  strftime('%Y-%m-%dT%H:%M:%SZ', l.inspected, 'unixepoch'), 'oms-return'
FROM grl l JOIN return_lines rl ON rl.return_id = l.return_id
  AND rl.order_line = l.line_no
WHERE l.n_inspected > 0 ORDER BY l.inspected, l.return_id, rl.line_no;

INSERT INTO refunds (id, order_id, return_id, key, currency, items, tax,
  shipping, fee, total, state, source, at, sent_at, record)
SELECT f.id, f.order_id, f.return_id, 'bench:f' || f.id, o.currency,
  f.items, f.tax, 0, 0, f.items + f.tax, 'sent', 'return',
  strftime('%Y-%m-%dT%H:%M:%SZ', f.at, 'unixepoch'),
  strftime('%Y-%m-%dT%H:%M:%SZ', f.at + 600, 'unixepoch'),
  json_object('type', 'refund', 'id', 'f_' || f.id)
FROM gf f JOIN go o ON o.id = f.order_id ORDER BY f.id;

-- A refund line's amount is its items and their tax (refund.c).
INSERT INTO refund_lines (refund_id, order_line, qty, amount, tax)
SELECT f.id, l.line_no, l.qty, l.amount + l.refund_tax, l.refund_tax
FROM gf f JOIN grl l ON l.return_id = f.return_id
ORDER BY f.id, l.line_no;

-- ---- the ledger --------------------------------------------------------
-- Every product at every location is received four times: enough at
-- the start and at each quarter for about 30% of the year's units
-- reserved there, the last bringing the total above them.
CREATE TEMP TABLE gd AS
SELECT p.sku, w.value AS loc, coalesce(a.s, 0) AS s,
  h.c13 AS h
FROM gp p JOIN (SELECT 'W1' AS value, 1 AS i UNION ALL SELECT 'W2', 2
  UNION ALL SELECT 'W3', 3) w
JOIN hx h ON h.n = p.rowid * 3 + w.i
LEFT JOIN (SELECT sku, loc, sum(qty) AS s FROM ga GROUP BY sku, loc) a
  ON a.sku = p.sku AND a.loc = w.value
WHERE p.sku LIKE 'P%';

CREATE TEMP TABLE gm (at INTEGER, seq INTEGER, kind TEXT, sku TEXT,
  location TEXT, peer TEXT, qty INTEGER, reason TEXT, ref TEXT, key TEXT);

INSERT INTO gm
SELECT (SELECT t0 FROM k) - 86400 + 9 * 3600 + q.value * 91 * 86400, 0,
  'receive', d.sku, d.loc, NULL,
  CASE q.value WHEN 0 THEN d.s * 3 / 10 + 5 + d.h % 20
    WHEN 3 THEN d.s - 3 * (d.s * 3 / 10) + d.s * (d.h / 20 % 40) / 100
    ELSE d.s * 3 / 10 END,
  'purchase order', 'PO-' || d.loc || '-' || q.value,
  'bench:receive:' || d.sku || ':' || d.loc || ':' || q.value
FROM gd d JOIN generate_series(0, 3) q;
DELETE FROM gm WHERE qty = 0;

INSERT INTO gm
SELECT o.placed + 600, a.id, 'reserve', a.sku, a.loc, NULL, a.qty, NULL,
  'o_' || a.order_id, 'route:a' || a.id
FROM ga a JOIN go o ON o.id = a.order_id;

INSERT INTO gm
SELECT s.shipped, a.id * 2, 'release', a.sku, a.loc, NULL, -a.qty, NULL,
  's_' || s.id, 'ship:release:s' || s.id || ':a' || a.id
FROM ga a JOIN gs s ON s.order_id = a.order_id AND s.loc = a.loc;
INSERT INTO gm
SELECT s.shipped, a.id * 2 + 1, 'adjust', a.sku, a.loc, NULL, -a.qty,
  'shipped', 's_' || s.id, 'ship:s' || s.id || ':a' || a.id
FROM ga a JOIN gs s ON s.order_id = a.order_id AND s.loc = a.loc;

INSERT INTO gm
SELECT l.received, l.return_id * 10 + l.line_no, 'receive', l.sku,
  l.loc || '/returns', NULL, l.n_received,
  'returned: r_' || l.return_id || ' line ' || rl.line_no,
  'r_' || l.return_id, 'return:' || l.return_id || ':receipt:' ||
  rc.id || ':' || l.sku
FROM grl l JOIN return_lines rl ON rl.return_id = l.return_id
  AND rl.order_line = l.line_no
JOIN return_receipts rc ON rc.return_id = l.return_id
  AND rc.line_no = rl.line_no
WHERE l.n_received > 0;

INSERT INTO gm
SELECT l.inspected, (l.return_id * 10 + l.line_no) * 2 + x.value,
  CASE WHEN l.disposition = 'restock' THEN
    CASE x.value WHEN 0 THEN 'transfer_out' ELSE 'transfer_in' END
    WHEN l.disposition = 'dispose' THEN 'damage' ELSE 'adjust' END,
  l.sku,
  CASE WHEN x.value = 1 THEN l.loc ELSE l.loc || '/returns' END,
  CASE WHEN l.disposition <> 'restock' THEN NULL WHEN x.value = 0
    THEN l.loc ELSE l.loc || '/returns' END,
  CASE WHEN x.value = 1 THEN l.n_inspected ELSE -l.n_inspected END,
  CASE l.disposition WHEN 'restock' THEN 'restocked'
    WHEN 'dispose' THEN 'disposed' ELSE 'returned to vendor' END ||
    ': r_' || l.return_id || ' line ' || rl.line_no,
  'r_' || l.return_id,
  'return:' || l.return_id || ':unit:' || ru.id ||
    CASE WHEN x.value = 1 THEN ':in' ELSE '' END
FROM grl l JOIN return_lines rl ON rl.return_id = l.return_id
  AND rl.order_line = l.line_no
JOIN return_units ru ON ru.return_id = l.return_id AND ru.line_no = rl.line_no
JOIN generate_series(0, 1) x
  ON x.value = 0 OR l.disposition = 'restock'
WHERE l.n_inspected > 0;

INSERT INTO movements (at, program, kind, sku, location, peer, qty, reason,
  ref, key, on_hand_after, reserved_after, in_transit_after, record)
SELECT strftime('%Y-%m-%dT%H:%M:%SZ', at, 'unixepoch'),
  CASE WHEN kind = 'reserve' THEN 'oms-route' WHEN ref LIKE 's_%'
    THEN 'oms-ship' WHEN ref LIKE 'r_%' THEN 'oms-return'
    ELSE 'oms-stock' END,
  kind, sku, location, peer, qty, reason, ref, key,
  sum(CASE WHEN kind IN ('reserve', 'release') THEN 0 ELSE qty END)
    OVER w,
  sum(CASE WHEN kind IN ('reserve', 'release') THEN qty ELSE 0 END)
    OVER w,
  0,
  json_object('type', 'movement', 'kind', kind, 'sku', sku, 'location',
    location, 'qty', qty, 'ref', ref, 'key', key)
FROM gm
WINDOW w AS (PARTITION BY sku, location ORDER BY at, seq, kind
  ROWS UNBOUNDED PRECEDING)
ORDER BY at, seq, kind;

INSERT INTO levels (sku, location, on_hand, reserved, in_transit)
SELECT sku, location, on_hand, reserved, in_transit FROM ledger_levels
ORDER BY sku, location;

COMMIT;
PRAGMA journal_mode = WAL;
