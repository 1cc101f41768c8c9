-- bench/report/profit-channel.sql: oms-report profit --by channel, all
-- but the channel fees (fees.c reads share/oms/fees, which SQL cannot),
-- and so neither profit nor margin: from the definitions in lib/fees.c.
-- Per channel and currency, of the orders placed: units sold, gross,
-- discounts, returns (items refunded, less their tax, and cancelled
-- units not refunded), net sales, shipping income (orders that sold),
-- cost of goods (units shipped at cost less units restocked; null when
-- a cost is missing or in another currency than the order's), shipping
-- cost (parcels in the order's currency), shipping refunded and return
-- labels (none here: no return record has one).  The order's own
-- discount is taken whole per order, not spread by largest remainder
-- over its lines: the sums are the same by channel, but the value of
-- cancelled units would not be when an order has both (this data has
-- no order discount beyond its lines').
.mode tabs
WITH kit AS (
  SELECT k.kit_sku AS sku, sum(k.qty * c.cost) AS cost,
    CASE WHEN count(c.cost) = count(*) AND count(DISTINCT c.currency) = 1
      AND count(c.currency) = count(*) THEN min(c.currency) END AS currency
  FROM kit_components k LEFT JOIN products c ON c.sku = k.sku
  GROUP BY k.kit_sku
),
refunded AS (
  SELECT f.order_id, fl.order_line, sum(fl.qty) AS qty,
    sum(fl.amount - fl.tax) AS items
  FROM refunds f JOIN refund_lines fl ON fl.refund_id = f.id GROUP BY 1, 2
),
restocked AS (
  SELECT r.order_id, rl.order_line,
    sum(CASE WHEN p.currency = o.currency THEN u.qty * p.cost END) AS cost,
    sum(p.cost IS NULL OR p.currency IS NOT o.currency) AS odd
  FROM return_units u JOIN returns r ON r.id = u.return_id
  JOIN return_lines rl ON rl.return_id = u.return_id
    AND rl.line_no = u.line_no
  JOIN orders o ON o.id = r.order_id
  LEFT JOIN products p ON p.sku = u.sku
  WHERE u.disposition = 'restock' GROUP BY 1, 2
),
l AS (
  SELECT l.order_id AS id, o.channel, o.currency,
    coalesce(o.discount, 0) AS odisc, coalesce(o.shipping, 0) AS oship,
    l.qty, l.cancelled, l.shipped,
    l.qty * coalesce(l.unit_price, 0) AS gross,
    coalesce(l.unit_price, 0) AS price, coalesce(l.discount, 0) AS d,
    coalesce(b.qty, 0) AS rq, coalesce(b.items, 0) AS ritems,
    CASE WHEN k.sku IS NULL THEN p.cost ELSE k.cost END AS cost,
    CASE WHEN k.sku IS NULL THEN p.currency ELSE k.currency END AS cost_cur,
    coalesce(rs.cost, 0) AS rs_cost, coalesce(rs.odd, 0) AS rs_odd
  FROM order_lines l JOIN orders o ON o.id = l.order_id
  LEFT JOIN products p ON p.sku = l.sku
  LEFT JOIN kit k ON k.sku = l.sku
  LEFT JOIN refunded b ON b.order_id = l.order_id
    AND b.order_line = l.line_no
  LEFT JOIN restocked rs ON rs.order_id = l.order_id
    AND rs.order_line = l.line_no
),
ord AS (
  SELECT id, max(channel) AS channel, max(currency) AS currency,
    sum(qty - cancelled) AS units, sum(gross) AS gross, sum(d) AS d,
    max(max(odisc) - sum(d), 0) AS od,
    sum(ritems + CASE WHEN cancelled - rq > 0
      THEN (cancelled - rq) * price - d * (cancelled - rq) / max(qty, 1)
      ELSE 0 END) AS ret,
    CASE WHEN max(qty > cancelled) THEN max(oship) ELSE 0 END AS ship_in,
    sum(CASE WHEN shipped = 0 AND rs_cost = 0 AND rs_odd = 0 THEN 0
      ELSE shipped * cost - rs_cost END) AS cogs,
    sum((shipped > 0 OR rs_cost <> 0 OR rs_odd > 0) AND (cost IS NULL
      OR cost_cur IS NOT currency OR rs_odd > 0)) AS cogs_bad
  FROM l GROUP BY id
),
ch AS (
  SELECT channel, currency, sum(units) AS units, sum(gross) AS gross,
    sum(d + od) AS disc, sum(ret) AS ret, sum(ship_in) AS ship_in,
    CASE WHEN sum(cogs_bad) = 0 THEN sum(cogs) END AS cogs
  FROM ord GROUP BY 1, 2
),
-- Parcels in the order's currency, and shipping refunded.
sc AS (
  SELECT o.channel, o.currency, sum(s.cost) AS cost
  FROM shipments s JOIN orders o ON o.id = s.order_id
  WHERE s.status <> 'voided' AND s.currency = o.currency GROUP BY 1, 2
),
sr AS (
  SELECT o.channel, o.currency, sum(f.shipping) AS shipping
  FROM refunds f JOIN orders o ON o.id = f.order_id GROUP BY 1, 2
)
SELECT ch.channel, ch.currency, units, gross, disc, ret,
  gross - disc - ret, ship_in, cogs, coalesce(sc.cost, 0),
  coalesce(sr.shipping, 0), 0
FROM ch LEFT JOIN sc ON sc.channel = ch.channel AND sc.currency = ch.currency
LEFT JOIN sr ON sr.channel = ch.channel AND sr.currency = ch.currency
ORDER BY 1, 2;
