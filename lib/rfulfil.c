/*
 * rfulfil.c: oms-report fulfilment, how well orders leave and arrive.
 *
 * The orders counted are those placed in the range (placed_at, else the
 * time they were imported), of the channel and with a line of the sku
 * asked for (a kit line counts for its parts).  An order belongs to every
 * location routing ever allocated any of its units to, even if that
 * allocation was released later; --location keeps the orders that belong
 * to it.  Without --by there is one row for all the orders; --by channel
 * gives a row a channel; --by location a row a location, where an order
 * split between two locations counts once at each (the times, on-time
 * figures and tracking are then that location's parcels only) and an
 * order never allocated anywhere counts in a row whose location is null.
 * A range with no orders gives no row.
 *
 * A parcel is a shipment that was not voided.  The figures:
 *
 *   orders               the orders counted.
 *   shipped_orders       orders shipped complete: at least one parcel and
 *                        no unit left to ship (every line that ships has
 *                        its units shipped or cancelled); by location:
 *                        a parcel from there and no allocation there
 *                        still waiting to ship.
 *   ship_hours_median,   hours from the order being placed to its last
 *   ship_hours_p90       parcel leaving (the last parcel is what the
 *                        customer waits for), over the orders shipped
 *                        complete.  Percentiles interpolate between
 *                        neighbours: the value at rank (n - 1) * p of
 *                        the n values sorted from rank 0 (the median of
 *                        10 and 20 is 15).  Two decimals.
 *   deliver_hours_median, from placed to the last parcel delivered, over
 *   deliver_hours_p90    the orders shipped complete whose every parcel
 *                        the carrier says is delivered.
 *   on_time_ship         last parcel out at or before ship_by ÷ orders
 *                        shipped complete that have a ship_by.
 *   on_time_delivery     last parcel delivered at or before deliver_by ÷
 *                        delivered orders that have a deliver_by.
 *   split_rate           orders sent in more than one package or from
 *                        more than one location ÷ orders with a parcel.
 *   backorder_rate       orders routing ever left waiting for stock (an
 *                        order event "backordered" or "partial"), or that
 *                        wait so now ÷ orders.
 *   fill_rate_lines      lines filled whole (units shipped at least the
 *                        units ordered; a cancelled unit is not filled) ÷
 *                        lines, of the lines that ship.
 *   fill_rate_orders     orders every line of which is filled whole ÷
 *                        orders with a line that ships (an order of gift
 *                        cards alone has nothing to fill).
 *   late_shipment_rate   orders shipped complete whose last parcel left
 *                        after ship_by ÷ orders shipped complete
 *                        (Amazon's target: under 4%).
 *   cancel_rate          orders cancelled before any parcel left ÷ orders
 *                        (Amazon's pre-fulfilment cancel rate: under 2.5%).
 *   valid_tracking_rate  parcels with a tracking number the carrier has
 *                        scanned at least once (an event other than
 *                        pre_transit, the label being made) ÷ parcels
 *                        (Amazon's target: 95% or more).
 *
 * A rate with nothing to divide by is null.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/*
 * One statement: x is one row per order (or order at a location), the
 * rows are its sums by group, and the percentiles come from x ranked
 * by window functions, as the two values around each rank.
 */
static const char sql_fulfil[] =
    "WITH o AS (\n"
    "  SELECT o.id, o.channel, o.status, o.ship_by, o.deliver_by,\n"
    "    coalesce(o.placed_at, o.imported_at) AS placed\n"
    "  FROM orders o\n"
    "  WHERE (CAST(?1 AS TEXT) IS NULL OR coalesce(o.placed_at, o.imported_at) "
    ">= ?1)\n"
    "    AND (CAST(?2 AS TEXT) IS NULL OR coalesce(o.placed_at, o.imported_at) "
    "< ?2)\n"
    "    AND (CAST(?3 AS TEXT) IS NULL OR o.channel = ?3)\n"
    "    AND (CAST(?5 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM order_lines l\n"
    "      WHERE l.order_id = o.id AND (l.sku = ?5 OR EXISTS (SELECT 1\n"
    "      FROM kit_components k WHERE k.kit_sku = l.sku AND k.sku = ?5))))\n"
    "), ol AS (\n"
    "  SELECT DISTINCT a.order_id, a.location\n"
    "  FROM o JOIN allocations a ON a.order_id = o.id\n"
    "), u AS (\n"
    "  SELECT o.*, CASE WHEN ?6 = 2 THEN o.channel END AS grp,\n"
    "    NULL AS loc FROM o\n"
    "  WHERE ?6 <> 1 AND (CAST(?4 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM "
    "ol\n"
    "    WHERE ol.order_id = o.id AND ol.location = ?4))\n"
    "  UNION ALL\n"
    "  SELECT o.*, ol.location, ol.location FROM o\n"
    "  JOIN ol ON ol.order_id = o.id\n"
    "  WHERE ?6 = 1 AND (CAST(?4 AS TEXT) IS NULL OR ol.location = ?4)\n"
    "  UNION ALL\n"
    "  SELECT o.*, NULL, NULL FROM o\n"
    "  WHERE ?6 = 1 AND CAST(?4 AS TEXT) IS NULL\n"
    "    AND NOT EXISTS (SELECT 1 FROM ol WHERE ol.order_id = o.id)\n"
    "), sl AS (\n"
    "  SELECT s.order_id, s.location, count(*) AS n, sum(s.packages) AS pk,\n"
    "    max(s.shipped_at) AS last_ship, max(s.delivered_at) AS last_dlv,\n"
    "    sum(s.delivered_at IS NULL) AS undlv,\n"
    "    sum(s.tracking <> '' AND EXISTS (SELECT 1 FROM tracking_events t\n"
    "      WHERE t.shipment_id = s.id AND t.status <> 'pre_transit'))\n"
    "      AS scanned\n"
    "  FROM o JOIN shipments s ON s.order_id = o.id\n"
    "  WHERE s.status <> 'voided'\n"
    "  GROUP BY s.order_id, s.location\n"
    "), so AS (\n"
    "  SELECT order_id, count(*) AS nloc, sum(n) AS n, sum(pk) AS pk,\n"
    "    max(last_ship) AS last_ship, max(last_dlv) AS last_dlv,\n"
    "    sum(undlv) AS undlv, sum(scanned) AS scanned\n"
    "  FROM sl GROUP BY order_id\n"
    "), lo AS (\n"
    "  SELECT l.order_id, count(*) AS lines,\n"
    "    sum(l.shipped >= l.qty) AS filled,\n"
    "    sum(CASE WHEN l.qty - l.cancelled > l.shipped\n"
    "      THEN l.qty - l.cancelled - l.shipped ELSE 0 END) AS waiting\n"
    "  FROM o JOIN order_lines l ON l.order_id = o.id\n"
    "  WHERE l.ships = 1 GROUP BY l.order_id\n"
    "), p AS (\n"
    "  SELECT u.grp, u.placed, u.ship_by, u.deliver_by, u.status,\n"
    "    EXISTS (SELECT 1 FROM events e WHERE e.order_id = u.id\n"
    "      AND e.action IN ('backordered', 'partial'))\n"
    "      OR u.status IN ('backordered', 'partial') AS bo,\n"
    "    coalesce(so.n, 0) AS order_parcels,\n"
    "    CASE WHEN so.nloc > 1 OR so.pk > 1 THEN 1 ELSE 0 END AS split,\n"
    "    coalesce(lo.lines, 0) AS lines, coalesce(lo.filled, 0) AS filled,\n"
    "    CASE WHEN u.loc IS NULL THEN coalesce(so.n, 0)\n"
    "      ELSE coalesce(sl.n, 0) END AS parcels,\n"
    "    CASE WHEN u.loc IS NULL THEN coalesce(so.scanned, 0)\n"
    "      ELSE coalesce(sl.scanned, 0) END AS scanned,\n"
    "    CASE WHEN u.loc IS NULL THEN so.last_ship ELSE sl.last_ship END\n"
    "      AS last_ship,\n"
    "    CASE WHEN u.loc IS NULL THEN so.last_dlv ELSE sl.last_dlv END\n"
    "      AS last_dlv,\n"
    "    CASE WHEN u.loc IS NULL THEN so.undlv ELSE sl.undlv END AS undlv,\n"
    "    CASE WHEN u.loc IS NULL THEN coalesce(lo.waiting, 0) = 0\n"
    "      ELSE NOT EXISTS (SELECT 1 FROM allocations a\n"
    "      WHERE a.order_id = u.id AND a.location = u.loc\n"
    "      AND a.state = 'active') END AS nothing_left\n"
    "  FROM u LEFT JOIN so ON so.order_id = u.id\n"
    "  LEFT JOIN sl ON sl.order_id = u.id AND sl.location = u.loc\n"
    "  LEFT JOIN lo ON lo.order_id = u.id\n"
    "), x AS MATERIALIZED (\n"
    "  SELECT grp, bo, split, order_parcels, lines, filled, parcels, scanned,\n"
    "    ship_by, deliver_by, last_ship, last_dlv,\n"
    "    status = 'cancelled' AND order_parcels = 0 AS cancelled,\n"
    "    parcels > 0 AND nothing_left AS done,\n"
    "    parcels > 0 AND nothing_left AND undlv = 0 AS delivered,\n"
    "    CASE WHEN parcels > 0 AND nothing_left THEN\n"
    "      CAST(strftime('%s', last_ship) AS INTEGER)\n"
    "      - CAST(strftime('%s', placed) AS INTEGER) END AS ship_s,\n"
    "    CASE WHEN parcels > 0 AND nothing_left AND undlv = 0 THEN\n"
    "      CAST(strftime('%s', last_dlv) AS INTEGER)\n"
    "      - CAST(strftime('%s', placed) AS INTEGER) END AS dlv_s\n"
    "  FROM p\n"
    "), agg AS (\n"
    "  SELECT grp, count(*) AS orders, sum(done) AS done,\n"
    "    sum(done AND ship_by IS NOT NULL) AS with_ship_by,\n"
    "    sum(done AND ship_by IS NOT NULL AND last_ship <= ship_by)\n"
    "      AS ship_ok,\n"
    "    sum(done AND ship_by IS NOT NULL AND last_ship > ship_by) AS late,\n"
    "    sum(delivered AND deliver_by IS NOT NULL) AS with_deliver_by,\n"
    "    sum(delivered AND deliver_by IS NOT NULL\n"
    "      AND last_dlv <= deliver_by) AS dlv_ok,\n"
    "    sum(split) AS split, sum(order_parcels > 0) AS sent,\n"
    "    sum(bo) AS bo, sum(lines) AS lines, sum(filled) AS filled,\n"
    "    sum(lines > 0 AND filled = lines) AS complete,\n"
    "    sum(lines > 0) AS shipping,\n"
    "    sum(cancelled) AS cancelled, sum(parcels) AS parcels,\n"
    "    sum(scanned) AS scanned\n"
    "  FROM x GROUP BY grp\n"
    "), rs AS (\n"
    "  SELECT grp, ship_s AS v, count(*) OVER w AS n,\n"
    "    row_number() OVER (w ORDER BY ship_s) - 1 AS r\n"
    "  FROM x WHERE ship_s IS NOT NULL WINDOW w AS (PARTITION BY grp)\n"
    "), rd AS (\n"
    "  SELECT grp, dlv_s AS v, count(*) OVER w AS n,\n"
    "    row_number() OVER (w ORDER BY dlv_s) - 1 AS r\n"
    "  FROM x WHERE dlv_s IS NOT NULL WINDOW w AS (PARTITION BY grp)\n"
    "), ps AS (\n"
    "  SELECT grp, max(n) AS n,\n"
    "    max(CASE WHEN r = (n - 1) / 2 THEN v END) AS m0,\n"
    "    max(CASE WHEN r = (n - 1) / 2 + 1 THEN v END) AS m1,\n"
    "    max(CASE WHEN r = (n - 1) * 9 / 10 THEN v END) AS p0,\n"
    "    max(CASE WHEN r = (n - 1) * 9 / 10 + 1 THEN v END) AS p1\n"
    "  FROM rs WHERE r IN ((n - 1) / 2, (n - 1) / 2 + 1, (n - 1) * 9 / 10,\n"
    "    (n - 1) * 9 / 10 + 1) GROUP BY grp\n"
    "), pd AS (\n"
    "  SELECT grp, max(n) AS n,\n"
    "    max(CASE WHEN r = (n - 1) / 2 THEN v END) AS m0,\n"
    "    max(CASE WHEN r = (n - 1) / 2 + 1 THEN v END) AS m1,\n"
    "    max(CASE WHEN r = (n - 1) * 9 / 10 THEN v END) AS p0,\n"
    "    max(CASE WHEN r = (n - 1) * 9 / 10 + 1 THEN v END) AS p1\n"
    "  FROM rd WHERE r IN ((n - 1) / 2, (n - 1) / 2 + 1, (n - 1) * 9 / 10,\n"
    "    (n - 1) * 9 / 10 + 1) GROUP BY grp\n"
    ")\n"
    "SELECT a.grp, a.orders, a.done, a.with_ship_by, a.ship_ok, a.late,\n"
    "  a.with_deliver_by, a.dlv_ok, a.split, a.sent, a.bo, a.lines,\n"
    "  a.filled, a.complete, a.cancelled, a.parcels, a.scanned, a.shipping,\n"
    "  ps.n, ps.m0, ps.m1, ps.p0, ps.p1, pd.n, pd.m0, pd.m1, pd.p0, pd.p1\n"
    "FROM agg a LEFT JOIN ps ON ps.grp IS NOT DISTINCT FROM a.grp\n"
    "LEFT JOIN pd ON pd.grp IS NOT DISTINCT FROM a.grp\n"
    "ORDER BY a.grp IS NULL, a.grp";

/* Columns of sql_fulfil. */
enum {
	C_GRP, C_ORDERS, C_DONE, C_WITH_SHIP_BY, C_SHIP_OK, C_LATE,
	C_WITH_DELIVER_BY, C_DLV_OK, C_SPLIT, C_SENT, C_BO, C_LINES,
	C_FILLED, C_COMPLETE, C_CANCELLED, C_PARCELS, C_SCANNED, C_SHIPPING,
	C_SHIP_PCT, C_DLV_PCT = C_SHIP_PCT + 5
};

/*
 * Hours at a percentile from the two values around rank (n - 1) * p,
 * p being num/den, the values in seconds; to two decimals.
 */
static void
row_hours(cJSON *row, const char *key, oms_stmt *st, int col, int lo,
    int num, int den)
{
	int64_t n, h;
	double v0, v1, v;

	if (oms_col_null(st, col) || oms_col_null(st, lo)) {
		cJSON_AddNullToObject(row, key);
		return;
	}
	n = oms_col_int64(st, col);
	h = (n - 1) * num;
	v0 = oms_col_double(st, lo);
	v1 = oms_col_null(st, lo + 1) ? v0 : oms_col_double(st, lo + 1);
	v = v0 + (v1 - v0) * (double)(h % den) / den;
	cJSON_AddNumberToObject(row, key, round(v / 36) / 100);
}

static double
dbl(oms_stmt *st, int col)
{
	return oms_col_double(st, col);
}

static cJSON *
fulfil_row(oms_stmt *st, const char *by)
{
	cJSON *row = cJSON_CreateObject();

	cJSON_AddStringToObject(row, "type", "fulfilment");
	if (by != NULL) {
		if (oms_col_null(st, C_GRP))
			cJSON_AddNullToObject(row, by);
		else
			cJSON_AddStringToObject(row, by, oms_col_text(st,
			    C_GRP));
	}
	cJSON_AddNumberToObject(row, "orders", dbl(st, C_ORDERS));
	cJSON_AddNumberToObject(row, "shipped_orders", dbl(st, C_DONE));
	row_hours(row, "ship_hours_median", st, C_SHIP_PCT, C_SHIP_PCT + 1,
	    1, 2);
	row_hours(row, "ship_hours_p90", st, C_SHIP_PCT, C_SHIP_PCT + 3, 9,
	    10);
	row_hours(row, "deliver_hours_median", st, C_DLV_PCT, C_DLV_PCT + 1,
	    1, 2);
	row_hours(row, "deliver_hours_p90", st, C_DLV_PCT, C_DLV_PCT + 3, 9,
	    10);
	oms_row_rate(row, "on_time_ship", dbl(st, C_SHIP_OK),
	    dbl(st, C_WITH_SHIP_BY));
	oms_row_rate(row, "on_time_delivery", dbl(st, C_DLV_OK),
	    dbl(st, C_WITH_DELIVER_BY));
	oms_row_rate(row, "split_rate", dbl(st, C_SPLIT), dbl(st, C_SENT));
	oms_row_rate(row, "backorder_rate", dbl(st, C_BO), dbl(st, C_ORDERS));
	oms_row_rate(row, "fill_rate_lines", dbl(st, C_FILLED),
	    dbl(st, C_LINES));
	oms_row_rate(row, "fill_rate_orders", dbl(st, C_COMPLETE),
	    dbl(st, C_SHIPPING));
	oms_row_rate(row, "late_shipment_rate", dbl(st, C_LATE),
	    dbl(st, C_DONE));
	oms_row_rate(row, "cancel_rate", dbl(st, C_CANCELLED),
	    dbl(st, C_ORDERS));
	oms_row_rate(row, "valid_tracking_rate", dbl(st, C_SCANNED),
	    dbl(st, C_PARCELS));
	return row;
}

int
oms_report_fulfilment(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg)
{
	oms_stmt *st;
	int mode = 0, rc;

	if (q->by != NULL && strcmp(q->by, "location") == 0)
		mode = 1;
	else if (q->by != NULL && strcmp(q->by, "channel") == 0)
		mode = 2;
	else if (q->by != NULL)
		return oms_fail(OMS_E_USAGE, "fulfilment: --by %s: say "
		    "location or channel", q->by);
	st = oms_db_query(db, sql_fulfil, "sssssi", *q->from ? q->from : NULL,
	    *q->to ? q->to : NULL, q->channel, q->location, q->sku, mode);
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *row = fulfil_row(st, q->by);
		int frc = fn(arg, row);

		cJSON_Delete(row);
		if (frc != OMS_OK) {
			oms_reset(st);
			return frc;
		}
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the fulfilment figures");
	return OMS_OK;
}
