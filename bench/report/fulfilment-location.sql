-- bench/report/fulfilment-location.sql: oms-report fulfilment --by
-- location, from the definition in lib/rfulfil.c: an order belongs to
-- every location that was ever allocated any of it (or to none); the
-- times, on-time figures and tracking are that location's parcels, the
-- split, backorder, fill and cancel figures the order's.  Percentiles
-- interpolate at rank (n - 1) p from 0; hours to two places; rates to
-- four.
.mode tabs
WITH o AS (
  SELECT id, status, ship_by, deliver_by,
    strftime('%s', coalesce(placed_at, imported_at)) AS placed_s
  FROM orders
),
member AS (
  SELECT DISTINCT order_id, location FROM allocations
  UNION ALL
  SELECT id, NULL FROM orders o
  WHERE NOT EXISTS (SELECT 1 FROM allocations a WHERE a.order_id = o.id)
),
parcel AS (
  SELECT s.order_id, s.location, s.packages, s.shipped_at, s.delivered_at,
    s.tracking <> '' AND EXISTS (SELECT 1 FROM tracking_events t
      WHERE t.shipment_id = s.id AND t.status <> 'pre_transit') AS scanned
  FROM shipments s WHERE s.status <> 'voided'
),
at_loc AS (
  SELECT order_id, location, count(*) AS n, max(shipped_at) AS last_ship,
    max(delivered_at) AS last_dlv, count(*) - count(delivered_at) AS undlv,
    sum(scanned) AS scanned
  FROM parcel GROUP BY 1, 2
),
whole AS (
  SELECT order_id, count(*) AS n, count(DISTINCT location) AS nloc,
    sum(packages) AS pk, max(shipped_at) AS last_ship,
    max(delivered_at) AS last_dlv, count(*) - count(delivered_at) AS undlv,
    sum(scanned) AS scanned
  FROM parcel GROUP BY 1
),
lines AS (
  SELECT order_id, count(*) AS n, sum(shipped >= qty) AS filled,
    sum(max(qty - cancelled - shipped, 0)) AS waiting
  FROM order_lines WHERE ships = 1 GROUP BY 1
),
r AS MATERIALIZED (
  SELECT m.location, o.ship_by, o.deliver_by, o.placed_s,
    o.status = 'cancelled' AND coalesce(w.n, 0) = 0 AS cancelled,
    o.status IN ('backordered', 'partial') OR EXISTS (SELECT 1 FROM events e
      WHERE e.order_id = o.id AND e.action IN ('backordered', 'partial'))
      AS bo,
    coalesce(w.n, 0) > 0 AS sent,
    coalesce(w.nloc > 1 OR w.pk > 1, 0) AS split,
    coalesce(ln.n, 0) AS lines, coalesce(ln.filled, 0) AS filled,
    CASE WHEN m.location IS NULL THEN coalesce(w.n, 0)
      ELSE coalesce(a.n, 0) END AS parcels,
    CASE WHEN m.location IS NULL THEN coalesce(w.scanned, 0)
      ELSE coalesce(a.scanned, 0) END AS scanned,
    CASE WHEN m.location IS NULL THEN w.last_ship ELSE a.last_ship END
      AS last_ship,
    CASE WHEN m.location IS NULL THEN w.last_dlv ELSE a.last_dlv END
      AS last_dlv,
    CASE WHEN m.location IS NULL THEN w.undlv ELSE a.undlv END AS undlv,
    CASE WHEN m.location IS NULL THEN coalesce(ln.waiting, 0) = 0
      ELSE NOT EXISTS (SELECT 1 FROM allocations x WHERE x.order_id = o.id
        AND x.location = m.location AND x.state = 'active') END AS clear
  FROM member m JOIN o ON o.id = m.order_id
  LEFT JOIN whole w ON w.order_id = o.id
  LEFT JOIN at_loc a ON a.order_id = o.id AND a.location IS m.location
  LEFT JOIN lines ln ON ln.order_id = o.id
),
f AS MATERIALIZED (
  SELECT *, parcels > 0 AND clear AS done,
    parcels > 0 AND clear AND undlv = 0 AS delivered,
    CASE WHEN parcels > 0 AND clear THEN strftime('%s', last_ship) - placed_s
      END AS ship_s,
    CASE WHEN parcels > 0 AND clear AND undlv = 0
      THEN strftime('%s', last_dlv) - placed_s END AS dlv_s
  FROM r
),
-- Percentiles: the two values around rank (n - 1) p.
sv AS (
  SELECT location, ship_s AS v,
    row_number() OVER (PARTITION BY location ORDER BY ship_s) - 1 AS k,
    count(*) OVER (PARTITION BY location) AS n
  FROM f WHERE ship_s IS NOT NULL
),
dv AS (
  SELECT location, dlv_s AS v,
    row_number() OVER (PARTITION BY location ORDER BY dlv_s) - 1 AS k,
    count(*) OVER (PARTITION BY location) AS n
  FROM f WHERE dlv_s IS NOT NULL
),
sp AS (
  SELECT a.location,
    round((a.v + (coalesce(b.v, a.v) - a.v) * ((a.n - 1) % 2) / 2.0) / 36)
      / 100 AS median
  FROM sv a LEFT JOIN sv b ON b.location IS a.location AND b.k = a.k + 1
  WHERE a.k = (a.n - 1) / 2
),
sp9 AS (
  SELECT a.location,
    round((a.v + (coalesce(b.v, a.v) - a.v) * ((a.n - 1) * 9 % 10) / 10.0)
      / 36) / 100 AS p90
  FROM sv a LEFT JOIN sv b ON b.location IS a.location AND b.k = a.k + 1
  WHERE a.k = (a.n - 1) * 9 / 10
),
dp AS (
  SELECT a.location,
    round((a.v + (coalesce(b.v, a.v) - a.v) * ((a.n - 1) % 2) / 2.0) / 36)
      / 100 AS median
  FROM dv a LEFT JOIN dv b ON b.location IS a.location AND b.k = a.k + 1
  WHERE a.k = (a.n - 1) / 2
),
dp9 AS (
  SELECT a.location,
    round((a.v + (coalesce(b.v, a.v) - a.v) * ((a.n - 1) * 9 % 10) / 10.0)
      / 36) / 100 AS p90
  FROM dv a LEFT JOIN dv b ON b.location IS a.location AND b.k = a.k + 1
  WHERE a.k = (a.n - 1) * 9 / 10
),
g AS (
  SELECT location, count(*) AS orders, sum(done) AS done,
    sum(done AND ship_by IS NOT NULL) AS with_sb,
    sum(done AND ship_by IS NOT NULL AND last_ship <= ship_by) AS sb_ok,
    sum(done AND ship_by IS NOT NULL AND last_ship > ship_by) AS late,
    sum(delivered AND deliver_by IS NOT NULL) AS with_db,
    sum(delivered AND deliver_by IS NOT NULL AND last_dlv <= deliver_by)
      AS db_ok,
    sum(split) AS split, sum(sent) AS sent, sum(bo) AS bo,
    sum(lines) AS lines, sum(filled) AS filled,
    sum(lines > 0 AND filled = lines) AS complete,
    sum(cancelled) AS cancelled, sum(parcels) AS parcels,
    sum(scanned) AS scanned
  FROM f GROUP BY location
)
SELECT g.location, g.orders, g.done, sp.median, sp9.p90, dp.median, dp9.p90,
  CASE WHEN with_sb > 0 THEN round(1.0 * sb_ok / with_sb * 10000) / 10000 END,
  CASE WHEN with_db > 0 THEN round(1.0 * db_ok / with_db * 10000) / 10000 END,
  CASE WHEN sent > 0 THEN round(1.0 * split / sent * 10000) / 10000 END,
  CASE WHEN orders > 0 THEN round(1.0 * bo / orders * 10000) / 10000 END,
  CASE WHEN lines > 0 THEN round(1.0 * filled / lines * 10000) / 10000 END,
  CASE WHEN orders > 0 THEN round(1.0 * complete / orders * 10000) / 10000
    END,
  CASE WHEN done > 0 THEN round(1.0 * late / done * 10000) / 10000 END,
  CASE WHEN orders > 0 THEN round(1.0 * cancelled / orders * 10000) / 10000
    END,
  CASE WHEN parcels > 0 THEN round(1.0 * scanned / parcels * 10000) / 10000
    END
FROM g
LEFT JOIN sp ON sp.location IS g.location
LEFT JOIN sp9 ON sp9.location IS g.location
LEFT JOIN dp ON dp.location IS g.location
LEFT JOIN dp9 ON dp9.location IS g.location
ORDER BY g.location IS NULL, g.location;
