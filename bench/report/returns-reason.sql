-- bench/report/returns-reason.sql: oms-report returns --by reason, from
-- the definition in lib/rreturns.c: per reason and currency, the units
-- sold (all of the currency's, the same for every reason), returned
-- (received, or a closed keep's), inspected by disposition, refunded
-- (the refund lines' amounts, a line's reason the first of its return's)
-- and the median days from request to a refund sent.
.mode tabs
WITH o AS (
  SELECT id, currency FROM orders WHERE origin IS NULL
),
sold AS (
  SELECT o.currency, sum(l.qty - l.cancelled) AS units
  FROM order_lines l JOIN o ON o.id = l.order_id GROUP BY o.currency
),
rl AS (
  SELECT r.id AS rid, r.requested_at, o.currency, l.line_no, l.order_line,
    l.reason, CASE WHEN r.kind = 'keep' THEN
      CASE WHEN r.state = 'closed' THEN l.qty ELSE 0 END
      ELSE l.received END AS back
  FROM returns r JOIN o ON o.id = r.order_id
  JOIN return_lines l ON l.return_id = r.id
),
back AS (
  SELECT reason, currency, sum(back) AS units FROM rl GROUP BY 1, 2
),
disp AS (
  SELECT rl.reason, rl.currency,
    sum(u.qty) FILTER (WHERE u.disposition = 'restock') AS restock,
    sum(u.qty) FILTER (WHERE u.disposition = 'regrade') AS regrade,
    sum(u.qty) FILTER (WHERE u.disposition = 'refurbish') AS refurbish,
    sum(u.qty) FILTER (WHERE u.disposition = 'vendor') AS vendor,
    sum(u.qty) FILTER (WHERE u.disposition = 'dispose') AS dispose,
    sum(u.qty) FILTER (WHERE u.disposition = 'missing') AS missing,
    sum(u.qty) FILTER (WHERE u.disposition = 'wrong_item') AS wrong_item
  FROM return_units u JOIN rl ON rl.rid = u.return_id
    AND rl.line_no = u.line_no
  GROUP BY 1, 2
),
-- Each refund once per reason it touches, with its lines' amounts.
fr AS (
  SELECT f.id, lr.reason, f.currency, sum(fl.amount) AS amount,
    julianday(f.sent_at) - julianday(lr.requested_at) AS days
  FROM refunds f JOIN refund_lines fl ON fl.refund_id = f.id
  JOIN (SELECT rid, order_line, min(reason) AS reason,
      min(requested_at) AS requested_at FROM rl GROUP BY rid, order_line)
    AS lr ON lr.rid = f.return_id AND lr.order_line = fl.order_line
  GROUP BY f.id, lr.reason
),
money AS (
  SELECT reason, currency, sum(amount) AS amount FROM fr GROUP BY 1, 2
),
ranked AS (
  SELECT reason, currency, days,
    row_number() OVER (PARTITION BY reason, currency ORDER BY days) AS k,
    count(*) OVER (PARTITION BY reason, currency) AS n
  FROM fr WHERE days IS NOT NULL
),
median AS (
  SELECT reason, currency, avg(days) AS days FROM ranked
  WHERE k IN ((n + 1) / 2, n / 2 + 1) GROUP BY 1, 2
),
keys AS (
  SELECT reason, currency FROM back UNION SELECT reason, currency FROM money
)
SELECT k.reason, k.currency, coalesce(s.units, 0), coalesce(b.units, 0),
  CASE WHEN coalesce(s.units, 0) > 0
    THEN round(1.0 * coalesce(b.units, 0) / s.units * 10000) / 10000 END,
  coalesce(d.restock, 0), coalesce(d.regrade, 0), coalesce(d.refurbish, 0),
  coalesce(d.vendor, 0), coalesce(d.dispose, 0), coalesce(d.missing, 0),
  coalesce(d.wrong_item, 0), coalesce(m.amount, 0),
  round(md.days * 100) / 100
FROM keys k
LEFT JOIN sold s ON s.currency = k.currency
LEFT JOIN back b ON b.reason IS k.reason AND b.currency = k.currency
LEFT JOIN disp d ON d.reason IS k.reason AND d.currency = k.currency
LEFT JOIN money m ON m.reason IS k.reason AND m.currency = k.currency
LEFT JOIN median md ON md.reason IS k.reason AND md.currency = k.currency
ORDER BY 1, 2;
