/*
 * rreturns.c: oms-report returns (report.h).
 *
 * One row per channel, sku or reason (--by, default channel) and
 * currency, in that order.  The orders are those a channel sent (orders
 * oms made for an exchange or a reship, orders.origin set, are left out,
 * and so are their returns); --channel and --location narrow them as in
 * the sales report (--location: orders with an allocation there that was
 * not released).  --from and --to select orders by placed_at and returns
 * by requested_at, in the merchant's zone; what happened to a return
 * (receipt, inspection, refund) goes with it, whenever it happened.
 *
 *   units_sold      sum(Q - C) of the lines of the orders placed: units
 *                   ordered less units cancelled, a kit line's units
 *                   being kits.  By reason: every unit sold in the
 *                   currency (with --sku, of that sku), the same for
 *                   each reason.
 *   units_returned  units of the return lines that came back: received
 *                   (return_lines.received), or for a return the customer
 *                   keeps, its units once it is closed; the same count as
 *                   order_lines.returned.  Units asked for and not yet
 *                   back are not returned.
 *   return_rate     units_returned / units_sold, to four places; null
 *                   when nothing was sold.  Returns counted are those
 *                   requested in the range, sales those placed in it, so
 *                   a return of an older sale raises the rate of its
 *                   own period.
 *   restock ... wrong_item
 *                   units inspected by disposition (return_units.qty),
 *                   a kit as its components.
 *   refunds         the refunds of those returns, pending or sent, in
 *                   the currency of their order: by channel each
 *                   refund's total (items, tax, shipping, less fees); by
 *                   sku or reason the amounts of its lines (items and
 *                   tax less fees: a refund's shipping is no sku's), a
 *                   line's reason being the first of the reasons its
 *                   units were returned for in that return.
 *   refund_days_median
 *                   the median, over the refunds sent, of the days from
 *                   the return's request (requested_at) to the refund's
 *                   sending (sent_at), to two places (the mean of the
 *                   middle two of an even number); null when none was
 *                   sent.  A refund counts once per channel, sku or
 *                   reason it touches.
 *
 * --sku keeps that sku's lines only (a kit's by the kit's sku).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

/*
 * ?1 channel, ?2 location, ?3 sku, ?4 from, ?5 to, ?6 by.  k is the
 * row's key: the channel, the sku or the reason.  o is not
 * materialized: its uses then start from the lines and the returns and
 * find their order by its key, not the other way round.
 */
static const char sql_returns[] =
    "WITH o AS NOT MATERIALIZED (SELECT id, channel, currency, "
    "placed_at FROM orders "
    "WHERE origin IS NULL AND (CAST(?1 AS TEXT) IS NULL OR channel = ?1) "
    "AND (CAST(?2 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM allocations a "
    "WHERE a.order_id = orders.id AND a.location = ?2 "
    "AND a.state <> 'released'))), "
    "s AS (SELECT CASE ?6 WHEN 'channel' THEN o.channel "
    "WHEN 'sku' THEN l.sku END AS k, o.currency AS cur, "
    "sum(l.qty - l.cancelled) AS sold FROM order_lines l "
    "JOIN o ON o.id = l.order_id WHERE (CAST(?3 AS TEXT) IS NULL OR l.sku = "
    "?3) "
    "AND (CAST(?4 AS TEXT) IS NULL OR o.placed_at >= ?4) "
    "AND (CAST(?5 AS TEXT) IS NULL OR o.placed_at < ?5) GROUP BY k, cur), "
    "r AS (SELECT r.id, r.requested_at, o.channel, o.currency AS cur, "
    "r.kind, r.state FROM returns r JOIN o ON o.id = r.order_id "
    "WHERE (CAST(?4 AS TEXT) IS NULL OR r.requested_at >= ?4) "
    "AND (CAST(?5 AS TEXT) IS NULL OR r.requested_at < ?5)), "
    "rl AS (SELECT r.id AS rid, r.cur, l.line_no, l.order_line, "
    "CASE ?6 WHEN 'channel' THEN r.channel WHEN 'sku' THEN l.sku "
    "ELSE l.reason END AS k, CASE WHEN r.kind = 'keep' THEN "
    "(CASE WHEN r.state = 'closed' THEN l.qty ELSE 0 END) "
    "ELSE l.received END AS n FROM return_lines l "
    "JOIN r ON r.id = l.return_id WHERE (CAST(?3 AS TEXT) IS NULL OR l.sku = "
    "?3)), "
    "ra AS (SELECT k, cur, sum(n) AS n FROM rl GROUP BY k, cur), "
    "ua AS (SELECT rl.k, rl.cur, "
    "sum(CASE u.disposition WHEN 'restock' THEN u.qty ELSE 0 END) AS a, "
    "sum(CASE u.disposition WHEN 'regrade' THEN u.qty ELSE 0 END) AS b, "
    "sum(CASE u.disposition WHEN 'refurbish' THEN u.qty ELSE 0 END) AS c, "
    "sum(CASE u.disposition WHEN 'vendor' THEN u.qty ELSE 0 END) AS d, "
    "sum(CASE u.disposition WHEN 'dispose' THEN u.qty ELSE 0 END) AS e, "
    "sum(CASE u.disposition WHEN 'missing' THEN u.qty ELSE 0 END) AS f, "
    "sum(CASE u.disposition WHEN 'wrong_item' THEN u.qty ELSE 0 END) "
    "AS g FROM return_units u JOIN rl ON rl.rid = u.return_id "
    "AND rl.line_no = u.line_no GROUP BY rl.k, rl.cur), "
    /* each refund, once per key it touches, with what it gave back */
    "fx AS (SELECT f.id, r.channel AS k, f.currency AS cur, f.total AS amt, "
    "f.sent_at, r.requested_at FROM refunds f JOIN r ON r.id = f.return_id "
    "WHERE ?6 = 'channel' AND CAST(?3 AS TEXT) IS NULL "
    "UNION ALL "
    "SELECT f.id, x.k, f.currency, sum(fl.amount), f.sent_at, "
    "r.requested_at FROM refunds f JOIN r ON r.id = f.return_id "
    "JOIN refund_lines fl ON fl.refund_id = f.id "
    "JOIN (SELECT rid, order_line, min(k) AS k FROM rl "
    "GROUP BY rid, order_line) AS x ON x.rid = f.return_id "
    "AND x.order_line = fl.order_line "
    "WHERE ?6 <> 'channel' OR CAST(?3 AS TEXT) IS NOT NULL "
    "GROUP BY f.id, x.k, r.requested_at), "
    "fa AS (SELECT k, cur, sum(amt) AS amt FROM fx GROUP BY k, cur), "
    "dd AS (SELECT k, cur, julianday(sent_at) - julianday(requested_at) "
    "AS days FROM fx WHERE sent_at IS NOT NULL), "
    "dn AS (SELECT k, cur, days, row_number() OVER (PARTITION BY k, cur "
    "ORDER BY days) AS i, count(*) OVER (PARTITION BY k, cur) AS m "
    "FROM dd), "
    "md AS (SELECT k, cur, avg(days) AS days FROM dn "
    "WHERE i IN ((m + 1) / 2, (m + 2) / 2) GROUP BY k, cur), "
    "keys AS (SELECT k, cur FROM s WHERE ?6 <> 'reason' "
    "UNION SELECT k, cur FROM ra UNION SELECT k, cur FROM fa) "
    "SELECT keys.k, keys.cur, coalesce(s.sold, 0), coalesce(ra.n, 0), "
    "coalesce(ua.a, 0), coalesce(ua.b, 0), coalesce(ua.c, 0), "
    "coalesce(ua.d, 0), coalesce(ua.e, 0), coalesce(ua.f, 0), "
    "coalesce(ua.g, 0), coalesce(fa.amt, 0), md.days FROM keys "
    "LEFT JOIN s ON s.cur = keys.cur "
    "AND s.k IS NOT DISTINCT FROM (CASE WHEN ?6 <> 'reason' THEN keys.k END) "
    "LEFT JOIN ra ON ra.cur = keys.cur AND ra.k IS NOT DISTINCT FROM keys.k "
    "LEFT JOIN ua ON ua.cur = keys.cur AND ua.k IS NOT DISTINCT FROM keys.k "
    "LEFT JOIN fa ON fa.cur = keys.cur AND fa.k IS NOT DISTINCT FROM keys.k "
    "LEFT JOIN md ON md.cur = keys.cur AND md.k IS NOT DISTINCT FROM keys.k "
    "ORDER BY keys.k NULLS FIRST, keys.cur";

static const char *const dispositions[] = {
	"restock", "regrade", "refurbish", "vendor", "dispose", "missing",
	"wrong_item"
};

static cJSON *
returns_row(oms_stmt *st, const char *by)
{
	cJSON *row = cJSON_CreateObject();
	const char *cur = oms_col_str(st, 1);
	int64_t sold = oms_col_int64(st, 2), back = oms_col_int64(st, 3);

	cJSON_AddStringToObject(row, "type", "returns");
	if (oms_col_null(st, 0))
		cJSON_AddNullToObject(row, by);
	else
		cJSON_AddStringToObject(row, by, oms_col_text(st, 0));
	cJSON_AddNumberToObject(row, "units_sold", (double)sold);
	cJSON_AddNumberToObject(row, "units_returned", (double)back);
	oms_row_rate(row, "return_rate", (double)back, (double)sold);
	for (int i = 0; i < 7; i++)
		cJSON_AddNumberToObject(row, dispositions[i],
		    (double)oms_col_int64(st, 4 + i));
	cJSON_AddStringToObject(row, "currency", cur);
	oms_row_money(row, "refunds", oms_col_int64(st, 11), cur);
	if (oms_col_null(st, 12))
		cJSON_AddNullToObject(row, "refund_days_median");
	else
		cJSON_AddNumberToObject(row, "refund_days_median",
		    round(oms_col_double(st, 12) * 100) / 100);
	return row;
}

int
oms_report_returns(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg)
{
	const char *by = q->by ? q->by : "channel";
	oms_stmt *st;
	int rc, frc = OMS_OK;

	if (strcmp(by, "channel") != 0 && strcmp(by, "sku") != 0 &&
	    strcmp(by, "reason") != 0)
		return oms_fail(OMS_E_USAGE, "--by %s: returns are by channel, "
		    "sku or reason", by);
	st = oms_db_query(db, sql_returns, "tttttt", q->channel, q->location,
	    q->sku, *q->from ? q->from : NULL, *q->to ? q->to : NULL, by);
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *row = returns_row(st, by);

		frc = fn(arg, row);
		cJSON_Delete(row);
		if (frc != OMS_OK)
			break;
	}
	oms_reset(st);
	if (frc != OMS_OK)
		return frc;
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the returns");
	return OMS_OK;
}
