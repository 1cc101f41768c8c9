-- bench/report/orders.sql: oms-report orders --status
-- open,backordered,hold --limit 100, from the definition in
-- lib/rlookup.c: the first 100 such orders, oldest placed first, with
-- their age in whole hours at bench/report.sh's OMS_NOW, total, lines,
-- units (ordered less cancelled) and hold reasons.  customer_name is
-- left out: the bench's order records carry no customer.
.mode tabs
SELECT 'o_' || o.id, o.channel, o.external_id, o.status, o.placed_at,
  (unixepoch('2026-12-01T00:00:00Z') - unixepoch(o.placed_at)) / 3600,
  o.customer_email, o.currency, o.total,
  (SELECT count(*) FROM order_lines l WHERE l.order_id = o.id),
  (SELECT coalesce(sum(l.qty - l.cancelled), 0) FROM order_lines l
    WHERE l.order_id = o.id),
  o.hold_reasons
FROM orders o WHERE o.status IN ('open', 'backordered', 'hold')
ORDER BY o.placed_at, o.id LIMIT 100;
