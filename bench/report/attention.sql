-- bench/report/attention.sql: oms-report attention (--older-than 24h,
-- the default), from the definitions in lib/status.c: every kind of
-- record in one statement, each kind oldest first, at bench/report.sh's
-- OMS_NOW.  Compared: kind, order, channel, status, since, hours and
-- the reason (a hold's reasons joined by "; "); not "by".  A kit is
-- no sku a backorder waits for: its components are.
.mode tabs
WITH k AS (
  SELECT '2026-12-01T00:00:00Z' AS now,
    strftime('%Y-%m-%dT%H:%M:%SZ', '2026-12-01T00:00:00Z', '-1 day') AS cut,
    strftime('%Y-%m-%dT%H:%M:%SZ', '2026-12-01T00:00:00Z', '-7 days')
      AS back
),
-- (kind number, kind, order id, since, reason, channel when no order)
a (n, kind, id, since, reason, ch) AS (
  SELECT 1, 'held', id, status_at,
    (SELECT group_concat(value, '; ') FROM json_each(hold_reasons)), NULL
  FROM orders WHERE status = 'hold'
  UNION ALL
  SELECT 2, 'refused', id, refusal ->> '$.at', refusal ->> '$.reason', NULL
  FROM orders WHERE refusal IS NOT NULL
    AND status NOT IN ('hold', 'cancelled', 'fulfilled', 'delivered')
  UNION ALL
  SELECT 3, 'waiting', o.id, o.status_at, NULL, NULL FROM orders o, k
  WHERE o.status IN ('allocated', 'partial', 'partly_shipped')
    AND o.refusal IS NULL AND o.status_at < k.cut
    AND EXISTS (SELECT 1 FROM allocations x WHERE x.order_id = o.id
      AND x.state = 'active')
  UNION ALL
  SELECT 4, 'unshippable', o.id, o.status_at,
    (SELECT group_concat('line ' || l.line_no || coalesce(' (' || l.title
      || ')', '') || ': no sku', '; ') FROM order_lines l
      WHERE l.order_id = o.id AND l.ships = 1 AND l.sku IS NULL
      AND l.qty - l.cancelled > max(l.fulfilled, l.shipped)), NULL
  FROM orders o WHERE o.status IN ('open', 'backordered', 'partial',
    'allocated', 'partly_shipped') AND EXISTS (SELECT 1 FROM order_lines l
    WHERE l.order_id = o.id AND l.ships = 1 AND l.sku IS NULL
    AND l.qty - l.cancelled > max(l.fulfilled, l.shipped))
  UNION ALL
  SELECT 5, 'cancel_pending', r.order_id, r.at,
    coalesce(r.note, 'labels to void'), NULL
  FROM cancel_requests r WHERE r.state = 'pending'
  UNION ALL
  SELECT 6, 'cancel_refused', r.order_id, r.at, r.note, NULL
  FROM cancel_requests r, k WHERE r.state = 'refused' AND r.at >= k.back
  UNION ALL
  SELECT 7, 'stray_label', s.order_id, s.at, 'a label bought for nothing, '
    || 'tracking ' || (SELECT group_concat(value, ' ') FROM
    json_each(s.tracking)) || ', could not be voided: ' ||
    coalesce(s.note, '?'), NULL
  FROM stray_labels s
  UNION ALL
  SELECT 8, 'void_uncorrected', s.order_id, s.voided_at, 's_' || s.id ||
    ' (tracking ' || s.tracking || ') was voided after ' || c.channel ||
    ' was told it shipped', NULL
  FROM shipments s JOIN confirmations c ON c.shipment_id = s.id
  WHERE s.status = 'voided' AND c.corrected_at IS NULL
  UNION ALL
  SELECT 9, 'late', id, ship_by, 'to ship by ' || ship_by, NULL
  FROM orders, k WHERE ship_by < k.now AND status IN ('open', 'hold',
    'backordered', 'partial', 'allocated', 'partly_shipped')
  UNION ALL
  SELECT 10, 'backorder', o.id, o.status_at,
    'no stock on hand or in transit for ' || (SELECT group_concat(sku, ', ')
      FROM (SELECT DISTINCT d.sku FROM open_demand d
        WHERE d.order_id = o.id AND d.qty > 0 AND d.sku IS NOT NULL
        AND d.sku NOT IN (SELECT sku FROM kits)
        AND NOT EXISTS (SELECT 1 FROM levels v JOIN locations c
          ON c.id = v.location WHERE v.sku = d.sku AND c.sellable = 1
          AND v.on_hand - v.reserved + v.in_transit > 0) ORDER BY d.sku)),
    NULL
  FROM orders o WHERE o.status IN ('backordered', 'partial')
    AND EXISTS (SELECT 1 FROM open_demand d WHERE d.order_id = o.id
      AND d.qty > 0 AND d.sku IS NOT NULL
      AND d.sku NOT IN (SELECT sku FROM kits) AND NOT EXISTS (SELECT 1
      FROM levels v JOIN locations c ON c.id = v.location
      WHERE v.sku = d.sku AND c.sellable = 1
      AND v.on_hand - v.reserved + v.in_transit > 0))
  UNION ALL
  SELECT 11, 'tracking_exception', s.order_id, e.at, 's_' || s.id ||
    ' (tracking ' || e.tracking || ') ' || CASE e.status WHEN 'failure'
    THEN 'failed' WHEN 'returned' THEN 'is being sent back' ELSE 'is lost'
    END || coalesce(': ' || e.description, ''), NULL
  FROM tracking_events e JOIN shipments s ON s.id = e.shipment_id
  JOIN orders o ON o.id = s.order_id
  WHERE e.id = (SELECT x.id FROM tracking_events x
      WHERE x.shipment_id = e.shipment_id AND x.tracking = e.tracking
      ORDER BY x.at DESC, x.id DESC LIMIT 1)
    AND (e.status = 'failure' OR (e.status IN ('returned', 'lost')
      AND NOT EXISTS (SELECT 1 FROM events v WHERE v.order_id = s.order_id
        AND v.program = 'oms-ship' AND v.action = 'held' AND v.at >= e.at)))
    AND s.status <> 'voided' AND s.record ->> '$.reshipped' IS NULL
    AND o.status <> 'cancelled'
  UNION ALL
  SELECT 12, 'awaiting_inspection', r.order_id, min(c.at), 'r_' || r.id ||
    ': ' || (SELECT sum(received - inspected) || CASE WHEN
    sum(received - inspected) = 1 THEN ' unit' ELSE ' units' END
    FROM return_lines WHERE return_id = r.id) || ' received' ||
    coalesce(' at ' || r.location, '') || ', not inspected',
    NULL
  FROM returns r JOIN return_receipts c ON c.return_id = r.id
  WHERE EXISTS (SELECT 1 FROM return_lines l WHERE l.return_id = r.id
    AND l.received > l.inspected)
  GROUP BY r.id HAVING min(c.at) < (SELECT cut FROM k)
  UNION ALL
  SELECT 13, 'feed_not_sent', NULL, f.last_run, CASE WHEN f.last_run IS NULL
    THEN 'no stock feed sent yet' ELSE 'no stock feed sent today' END,
    c.channel
  FROM (SELECT DISTINCT channel FROM listings WHERE active = 1) c
  LEFT JOIN feed_cursors f ON f.channel = c.channel
  WHERE f.last_run IS NULL OR date(f.last_run, 'localtime') <>
    date((SELECT now FROM k), 'localtime')
)
SELECT a.kind, CASE WHEN a.id IS NOT NULL THEN 'o_' || a.id END,
  coalesce(a.ch, o.channel), o.status, a.since,
  (unixepoch((SELECT now FROM k)) - unixepoch(a.since)) / 3600, a.reason
FROM a LEFT JOIN orders o ON o.id = a.id
ORDER BY a.n, a.since, a.id;
