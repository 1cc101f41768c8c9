-- bench/report/reorder.sql: oms-report reorder (--days 30 --cover 30,
-- the defaults), from the definition in lib/rstock.c: each sku and
-- location whose available stock is less than 30 days of what it sold
-- in the 30 days of 24 hours before now (parcels out less returns
-- restocked, never below 0), and what to order: ceil(daily x 30 -
-- available - in transit), or 0.
.mode tabs
WITH k AS (
  SELECT '2026-12-01T00:00:00Z' AS now,
    strftime('%Y-%m-%dT%H:%M:%SZ', '2026-12-01T00:00:00Z', '-30 days')
      AS s30
),
out AS (
  SELECT sl.sku, s.location, sl.qty
  FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id, k
  WHERE s.status <> 'voided' AND s.shipped_at >= k.s30
    AND s.shipped_at < k.now
  UNION ALL
  SELECT sku, coalesce(to_location, location), -qty FROM return_units, k
  WHERE disposition = 'restock' AND at >= k.s30 AND at < k.now
),
sold AS (
  SELECT sku, location, max(sum(qty), 0) AS q FROM out GROUP BY 1, 2
),
r AS (
  SELECT v.sku, v.location, v.on_hand - v.reserved AS avail, v.in_transit,
    coalesce(s.q, 0) AS q
  FROM levels v LEFT JOIN sold s ON s.sku = v.sku AND s.location = v.location
)
SELECT sku, location, avail, in_transit, round(q / 30.0 * 100) / 100, 30,
  CASE WHEN q * 30 - (avail + in_transit) * 30 <= 0 THEN 0
    ELSE (q * 30 - (avail + in_transit) * 30 + 29) / 30 END
FROM r WHERE avail * 30 < q * 30
ORDER BY sku, location;
