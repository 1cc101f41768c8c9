-- bench/report/sales.sql: oms-report sales --by day (--by month with
-- `.parameter set @by month` before it), from the definition in
-- lib/rsales.c.  Each figure counts on the local day of its event: a
-- sale on the order's placed_at, a cancellation when its last cancel
-- request was done (else the order's status time, never before the
-- sale), a refund of a return on its own time.  Money in minor units.
.mode tabs
WITH o AS (
  SELECT id, channel, currency, placed_at,
    status = 'cancelled' AS is_cancelled,
    coalesce((SELECT max(coalesce(r.ended_at, r.at)) FROM cancel_requests r
      WHERE r.order_id = orders.id AND r.state = 'done'),
      CASE WHEN status = 'cancelled' THEN record ->> '$.cancelled_at' END,
      status_at, updated_at) AS cancel_at,
    coalesce(discount, 0) AS disc, tax AS tax, coalesce(shipping, 0) AS ship
  FROM orders WHERE origin IS NULL AND placed_at IS NOT NULL
),
-- Per order: its lines' units, gross, discounts and tax, and what the
-- cancelled units carry of them (a share of A for C of Q units being
-- A - floor(A (Q - C) / Q)).
l AS (
  SELECT order_id, sum(qty) AS units, sum(cancelled) AS c,
    sum(qty * coalesce(unit_price, 0)) AS gross,
    sum(coalesce(discount, 0)) AS d, sum(coalesce(tax, 0)) AS t,
    sum(CASE WHEN cancelled = 0 THEN 0 ELSE
      qty * coalesce(unit_price, 0) - qty * coalesce(unit_price, 0) *
        (qty - cancelled) / qty
      - (coalesce(discount, 0) - coalesce(discount, 0) * (qty - cancelled)
        / qty) END) AS cv,
    sum(CASE WHEN cancelled = 0 THEN 0 ELSE
      coalesce(tax, 0) - coalesce(tax, 0) * (qty - cancelled) / qty END)
      AS ct
  FROM order_lines WHERE qty > 0 GROUP BY order_id
),
x AS (
  SELECT o.*, l.units, l.c, l.gross, l.d, l.cv, l.ct,
    max(o.disc - l.d, 0) AS od, coalesce(o.tax, l.t) AS tx,
    o.is_cancelled AND l.c = l.units AS whole
  FROM o JOIN l ON l.order_id = o.id
),
ev (ts, channel, currency, n, units, gross, disc, ret, tax, ship) AS (
  SELECT placed_at, channel, currency, 1, units, gross, d + od, 0, tx, ship
  FROM x
  UNION ALL
  SELECT max(cancel_at, placed_at), channel, currency, 0, 0, 0, 0,
    CASE WHEN whole THEN gross - d - od
      WHEN gross - d > 0 THEN cv - (od - od * (gross - d - cv) / (gross - d))
      ELSE cv END,
    CASE WHEN whole THEN -tx ELSE -ct END,
    CASE WHEN whole THEN -ship ELSE 0 END
  FROM x WHERE c > 0
  UNION ALL
  SELECT f.at, o.channel, o.currency, 0, 0, 0, 0, f.items - f.fee, -f.tax,
    -f.shipping
  FROM refunds f JOIN o ON o.id = f.order_id WHERE f.return_id IS NOT NULL
),
g AS (
  SELECT CASE @by WHEN 'month' THEN date(ts, 'localtime', 'start of month')
      ELSE date(ts, 'localtime') END AS period,
    channel, currency, sum(n) AS n, sum(units) AS units, sum(gross) AS gross,
    sum(disc) AS disc, sum(ret) AS ret, sum(tax) AS tax, sum(ship) AS ship
  FROM ev GROUP BY 1, 2, 3
)
SELECT period, channel, currency, n, units, gross, disc, ret,
  gross - disc - ret, tax, ship, gross - disc - ret + tax + ship,
  CASE WHEN n = 0 THEN NULL WHEN gross - disc >= 0
    THEN (gross - disc + n / 2) / n ELSE -((disc - gross + n / 2) / n) END
FROM g ORDER BY 1, 2, 3;
