-- bench/report/inventory.sql: oms-report inventory (now), from the
-- definition in lib/rstock.c: per sku and location with units on hand or
-- reserved or sold in the 30 days, the levels, the units sold in the 7
-- and 30 days of 24 hours before now (parcels out less returns
-- restocked), the days of cover, the sell-through, the units on hand by
-- age (the newest receipts first, days from the receipt's local day to
-- today's), and the stock's value at cost and at the dearest active
-- listing.  Now is bench/report.sh's OMS_NOW, written in.
.mode tabs
WITH k AS (
  SELECT '2026-12-01T00:00:00Z' AS now,
    strftime('%Y-%m-%dT%H:%M:%SZ', '2026-12-01T00:00:00Z', '-7 days') AS s7,
    strftime('%Y-%m-%dT%H:%M:%SZ', '2026-12-01T00:00:00Z', '-30 days')
      AS s30,
    date('2026-12-01T00:00:00Z', 'localtime') AS today
),
out AS (
  SELECT sl.sku, s.location, s.shipped_at AS at, sl.qty
  FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id, k
  WHERE s.status <> 'voided' AND s.shipped_at >= k.s30
    AND s.shipped_at < k.now
  UNION ALL
  SELECT sku, coalesce(to_location, location), at, -qty FROM return_units, k
  WHERE disposition = 'restock' AND at >= k.s30 AND at < k.now
),
sold AS (
  SELECT sku, location,
    max(sum(CASE WHEN at >= (SELECT s7 FROM k) THEN qty ELSE 0 END), 0) AS q7,
    max(sum(qty), 0) AS q30
  FROM out GROUP BY 1, 2
),
-- Receipts newest first, each taking what on hand has left to cover.
rc AS (
  SELECT m.sku, m.location, v.on_hand, m.qty, m.at,
    sum(m.qty) OVER (PARTITION BY m.sku, m.location ORDER BY m.at DESC,
      m.id DESC ROWS UNBOUNDED PRECEDING) - m.qty AS before
  FROM levels v JOIN movements m ON m.sku = v.sku AND m.location = v.location
  WHERE v.on_hand > 0 AND m.qty > 0 AND m.at < (SELECT now FROM k)
    AND m.kind IN ('receive', 'transfer_in', 'adjust', 'count')
),
aged AS (
  SELECT sku, location,
    CAST(julianday((SELECT today FROM k)) - julianday(date(at, 'localtime'))
      AS INTEGER) AS age, min(qty, on_hand - before) AS units
  FROM rc WHERE before < on_hand
),
ages AS (
  SELECT sku, location,
    sum(units) FILTER (WHERE age <= 30) AS a0,
    sum(units) FILTER (WHERE age BETWEEN 31 AND 60) AS a1,
    sum(units) FILTER (WHERE age BETWEEN 61 AND 90) AS a2,
    sum(units) FILTER (WHERE age BETWEEN 91 AND 120) AS a3,
    sum(units) FILTER (WHERE age BETWEEN 121 AND 180) AS a4,
    sum(units) FILTER (WHERE age > 180) AS a5
  FROM aged GROUP BY 1, 2
),
r AS (
  SELECT v.sku, v.location, v.on_hand, v.reserved,
    coalesce(s.q7, 0) AS q7, coalesce(s.q30, 0) AS q30, a.*, p.cost,
    coalesce(p.currency, (SELECT li.currency FROM listings li
      WHERE li.sku = v.sku AND li.active = 1 AND li.price IS NOT NULL
      ORDER BY li.price DESC, li.currency LIMIT 1)) AS currency
  FROM levels v
  LEFT JOIN sold s ON s.sku = v.sku AND s.location = v.location
  LEFT JOIN ages a ON a.sku = v.sku AND a.location = v.location
  LEFT JOIN products p ON p.sku = v.sku
)
SELECT sku, location, on_hand, reserved, on_hand - reserved, q7, q30,
  CASE WHEN q7 > 0 THEN round(1.0 * (on_hand - reserved) * 7 / q7 * 10) / 10
    END,
  CASE WHEN q30 > 0
    THEN round(1.0 * (on_hand - reserved) * 30 / q30 * 10) / 10 END,
  CASE WHEN q30 + on_hand > 0
    THEN round(1.0 * q30 / (q30 + on_hand) * 10000) / 10000 END,
  coalesce(a0, 0), coalesce(a1, 0), coalesce(a2, 0), coalesce(a3, 0),
  coalesce(a4, 0), coalesce(a5, 0), currency,
  CASE WHEN currency IS NOT NULL THEN cost * on_hand END,
  CASE WHEN currency IS NOT NULL THEN (SELECT max(li.price) FROM listings li
    WHERE li.sku = r.sku AND li.active = 1 AND li.currency = r.currency)
    * on_hand END
FROM r WHERE on_hand <> 0 OR reserved <> 0 OR q30 <> 0
ORDER BY sku, location;
