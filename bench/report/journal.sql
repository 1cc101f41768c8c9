-- bench/report/journal.sql: oms-report journal --format json, all but
-- the fees and channel clearing accounts (the fees come from
-- share/oms/fees, which SQL cannot read, and clearing balances them):
-- from the definitions in lib/journal.c and lib/fees.c.  Per channel,
-- currency and local day: an order's sales, discounts, tax and shipping
-- income on the day it was placed, and its cancelled units not refunded
-- back out of refunds and tax; refunds on their day; cost of goods on
-- the day a parcel left, and back on the day units were restocked, in
-- the cost's currency.  Each account netted to a debit or a credit.  The
-- order's own discount is taken whole per order (see profit-channel.sql).
.mode tabs
WITH rq AS (
  SELECT f.order_id, fl.order_line, sum(fl.qty) AS qty
  FROM refunds f JOIN refund_lines fl ON fl.refund_id = f.id GROUP BY 1, 2
),
-- Per order: its lines' gross, discounts and tax, whether any unit sold,
-- and the value and tax of the cancelled units not refunded (u of Q).
lines AS (
  SELECT l.order_id, sum(l.qty * coalesce(l.unit_price, 0)) AS gross,
    sum(coalesce(l.discount, 0)) AS d, sum(coalesce(l.tax, 0)) AS t,
    max(l.qty > l.cancelled) AS sold,
    sum(CASE WHEN l.cancelled - coalesce(rq.qty, 0) > 0 THEN
      (l.cancelled - coalesce(rq.qty, 0)) * coalesce(l.unit_price, 0)
      - coalesce(l.discount, 0) * (l.cancelled - coalesce(rq.qty, 0))
        / max(l.qty, 1) ELSE 0 END) AS back,
    sum(CASE WHEN l.cancelled - coalesce(rq.qty, 0) > 0 THEN
      coalesce(l.tax, 0) * (l.cancelled - coalesce(rq.qty, 0))
        / max(l.qty, 1) ELSE 0 END) AS backtax
  FROM order_lines l
  LEFT JOIN rq ON rq.order_id = l.order_id AND rq.order_line = l.line_no
  GROUP BY l.order_id
),
-- Each day's figures per account (+ debit, - credit), then netted.
d (day, channel, currency, sales, discounts, tax_payable, shipping_income,
    refunds, cogs, inventory) AS (
  SELECT date(o.placed_at, 'localtime'), o.channel, o.currency,
    -sum(x.gross), sum(x.d + max(coalesce(o.discount, 0) - x.d, 0)),
    sum(x.backtax - x.t - CASE WHEN x.sold AND coalesce(o.tax, 0) > x.t
      THEN coalesce(o.tax, 0) - x.t ELSE 0 END),
    -sum(CASE WHEN x.sold THEN coalesce(o.shipping, 0) ELSE 0 END),
    sum(x.back), 0, 0
  FROM lines x JOIN orders o ON o.id = x.order_id GROUP BY 1, 2, 3
  UNION ALL
  SELECT date(f.at, 'localtime'), o.channel, f.currency, 0, 0,
    sum(min(f.tax, f.total)), 0, sum(f.total - min(f.tax, f.total)), 0, 0
  FROM refunds f JOIN orders o ON o.id = f.order_id GROUP BY 1, 2, 3
  UNION ALL
  SELECT date(s.shipped_at, 'localtime'), o.channel, p.currency, 0, 0, 0,
    0, 0, sum(sl.qty * p.cost), -sum(sl.qty * p.cost)
  FROM shipment_lines sl JOIN shipments s ON s.id = sl.shipment_id
  JOIN orders o ON o.id = s.order_id JOIN products p ON p.sku = sl.sku
  WHERE s.status <> 'voided' AND p.currency IS NOT NULL
    AND p.cost IS NOT NULL
  GROUP BY 1, 2, 3
  UNION ALL
  SELECT date(u.at, 'localtime'), o.channel, p.currency, 0, 0, 0, 0, 0,
    -sum(u.qty * p.cost), sum(u.qty * p.cost)
  FROM return_units u JOIN returns r ON r.id = u.return_id
  JOIN orders o ON o.id = r.order_id JOIN products p ON p.sku = u.sku
  WHERE u.disposition = 'restock' AND p.currency IS NOT NULL
    AND p.cost IS NOT NULL
  GROUP BY 1, 2, 3
),
n AS (
  SELECT channel || '-' || currency || '-' || day AS j, sum(sales) AS sales,
    sum(discounts) AS discounts, sum(tax_payable) AS tax_payable,
    sum(shipping_income) AS shipping_income, sum(refunds) AS refunds,
    sum(cogs) AS cogs, sum(inventory) AS inventory
  FROM d GROUP BY 1
),
v (j, account, v) AS (
  SELECT j, 'sales', sales FROM n
  UNION ALL SELECT j, 'discounts', discounts FROM n
  UNION ALL SELECT j, 'tax_payable', tax_payable FROM n
  UNION ALL SELECT j, 'shipping_income', shipping_income FROM n
  UNION ALL SELECT j, 'refunds', refunds FROM n
  UNION ALL SELECT j, 'cogs', cogs FROM n
  UNION ALL SELECT j, 'inventory', inventory FROM n
)
SELECT j, account, CASE WHEN v > 0 THEN v ELSE 0 END,
  CASE WHEN v < 0 THEN -v ELSE 0 END
FROM v WHERE v <> 0 ORDER BY 1, 2;
