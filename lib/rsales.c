/*
 * rsales.c: oms-report sales, Shopify's convention (report.h).
 *
 * One row per period, channel and currency, the periods days, weeks
 * (Monday to Sunday) or months in the merchant's zone (--by, default
 * day; all: one period, and the row has no "period").  Every amount is
 * a whole number of the currency's minor unit, added up in SQL, and is
 * never added to an amount of another currency.  Each figure counts on
 * the day of the event that makes it, in the merchant's zone, and
 * --from and --to select events by that day:
 *
 *   the sale          the order's placed_at;
 *   a cancellation    when the order's last cancel request was carried
 *                     out (cancel_requests.ended_at, state done); else,
 *                     for an order the channel sent cancelled, the
 *                     channel's cancelled_at; else (lines cancelled by
 *                     the channel's own version, a release) when its
 *                     status last changed (status_at, else updated_at);
 *                     never before the sale.  All the units cancelled
 *                     of an order count on that one day;
 *   a return          when its refund was made (refunds.at, the day the
 *                     refund is processed, whether or not it has been
 *                     sent yet).
 *
 * The orders: every order a channel sent, whatever its status now;
 * orders oms made itself for an exchange or a reship (orders.origin set)
 * are not sales, their value being the original order's.
 *
 * For order line i: Q its quantity, C the units of it cancelled, P its
 * unit price, D and T the discount and tax the channel gave for the
 * whole line.  For the order: DISC its discount (totals.discount, which
 * counts the line discounts), TAX its tax (with the shipping's), SHIP
 * its shipping; OD = DISC - sum(D), or 0 when that is not positive, is
 * the discount of the order itself.
 *
 *   orders     orders placed (a cancelled order is a sale: it counts)
 *   units      sum(Q) of the orders placed, a kit line's units being
 *              kits, not their components
 *   gross      sum(Q x P) of the orders placed
 *   discounts  sum(D) + OD of the orders placed
 *   returns    the value given back, net of discounts, on the day it is
 *              given back:
 *              - an order cancelled whole (status cancelled, every unit
 *                cancelled): its gross less its discounts;
 *              - cancelled units of an order that goes on: for each line,
 *                the C units' share of Q x P less their share of D, a
 *                share of an amount A being A - floor(A x (Q - C) / Q)
 *                (the last units of the line, so that a line cancelled
 *                whole carries all of A); less their share of OD,
 *                OD - floor(OD x (V - VC) / V), V = sum(Q x P - D) of the
 *                order and VC the cancelled units' part of it;
 *              - a refund of a return (refunds.return_id set): its items
 *                less its restocking fee (refund.c: the units' price
 *                less their share of all the discounts), so a fee kept
 *                is a sale not given back.
 *   net        gross - discounts - returns
 *   tax        TAX of the orders placed (sum(T) when the order gives
 *              none), less the tax given back: all of TAX for an order
 *              cancelled whole, the cancelled units' share of T
 *              otherwise, and a return's refunded tax (with its
 *              shipping's)
 *   shipping   SHIP of the orders placed, less SHIP of an order
 *              cancelled whole and the shipping a return's refund gave
 *              back (a cancel of some lines gives none back)
 *   total      net + tax + shipping
 *   aov        average order value: (gross - discounts) / orders,
 *              rounded half away from zero to the minor unit; null when
 *              no order was placed in the period
 *
 * A cancellation with a refund is counted once: the cancelled units are
 * the return, and refunds not tied to a return (source "cancel", or a
 * channel's refund of units that never left) are the money of that
 * cancellation, not counted again.  An exchange is no return and its
 * new order no sale: the units stay sold; the difference it settles (the
 * charge or refund record oms-return exchange prints for the payment
 * side, not kept in the refunds table) is not in these figures.  Prices
 * are taken as exclusive of tax (totals.tax_included is not looked at),
 * and an order with no placed_at is no sale.
 *
 * --channel: the orders of that channel.  --location: the orders with
 * an allocation there that was not released (reserved or shipped from
 * it), each counted whole; an order split across locations counts in
 * each, and one cancelled before it was allocated counts at none.
 * --sku: only that sku's lines (a kit by the kit's sku): units, gross,
 * the line's own discount D and tax T, the cancelled units' shares of
 * them and the refunded lines' items less fee and tax; the order's own
 * discount OD, its tax beyond the lines' and its shipping belong to no
 * sku and are left out; orders counts the orders with such a line.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

static const char sql_sales[] =
    "WITH o AS (SELECT id, channel, currency, placed_at, status, "
    "coalesce(CASE WHEN status = 'cancelled' THEN record ->> "
    "'$.cancelled_at' END, status_at, updated_at) AS cat, "
    "coalesce(discount, 0) AS disc, tax, coalesce(shipping, 0) AS ship "
    "FROM orders WHERE origin IS NULL AND placed_at IS NOT NULL "
    "AND (CAST(?1 AS TEXT) IS NULL OR channel = ?1) "
    "AND (CAST(?2 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM allocations a "
    "WHERE a.order_id = orders.id AND a.location = ?2 "
    "AND a.state <> 'released'))), "
    /* when each order's last cancel request was carried out */
    "cr AS (SELECT order_id, max(coalesce(ended_at, at)) AS at "
    "FROM cancel_requests WHERE state = 'done' GROUP BY order_id), "
    /* per order, its lines (that sku's alone with --sku) */
    "l AS (SELECT order_id, sum(qty) AS units, sum(g) AS g, sum(d) AS d, "
    "sum(t) AS t, sum(c) AS c, "
    "sum(CASE WHEN c > 0 THEN g - g * (qty - c) / qty "
    "- (d - d * (qty - c) / qty) ELSE 0 END) AS cv, "
    "sum(CASE WHEN c > 0 THEN t - t * (qty - c) / qty ELSE 0 END) AS ct "
    "FROM (SELECT order_id, qty, cancelled AS c, "
    "qty * coalesce(unit_price, 0) AS g, coalesce(discount, 0) AS d, "
    "coalesce(tax, 0) AS t FROM order_lines "
    "WHERE qty > 0 AND (CAST(?3 AS TEXT) IS NULL OR sku = ?3)) AS x GROUP BY "
    "order_id), "
    /* the order's whole figures, and its own discount */
    "w AS (SELECT o.*, l.*, CASE WHEN CAST(?3 AS TEXT) IS NULL AND o.disc > "
    "l.d "
    "THEN o.disc - l.d ELSE 0 END AS od, "
    "CASE WHEN CAST(?3 AS TEXT) IS NULL THEN coalesce(o.tax, l.t) ELSE l.t END "
    "AS tx, "
    "CASE WHEN CAST(?3 AS TEXT) IS NULL THEN o.ship ELSE 0 END AS sh, "
    "o.status = 'cancelled' AND l.c = l.units AS whole "
    "FROM o JOIN l ON l.order_id = o.id), "
    "f AS (SELECT placed_at AS ts, channel, currency, 1 AS n, units, "
    "g AS gross, d + od AS disc, 0 AS ret, tx AS tax, sh AS ship FROM w "
    "UNION ALL "
    "SELECT CASE WHEN cx < placed_at THEN placed_at ELSE cx END, "
    "channel, currency, 0, 0, 0, 0, "
    "CASE WHEN whole THEN g - d - od WHEN g - d > 0 THEN cv - (od - "
    "CAST(od * (g - d - cv) AS BIGINT) / CAST(g - d AS BIGINT)) "
    "ELSE cv END, "
    "-(CASE WHEN whole THEN tx ELSE ct END), "
    "-(CASE WHEN whole THEN sh ELSE 0 END) FROM (SELECT w.*, "
    "coalesce(cr.at, w.cat) AS cx FROM w LEFT JOIN cr "
    "ON cr.order_id = w.id WHERE w.c > 0) AS w "
    "UNION ALL "
    "SELECT r.at, o.channel, o.currency, 0, 0, 0, 0, r.items - r.fee, "
    "-r.tax, -r.shipping FROM refunds r JOIN o ON o.id = r.order_id "
    "WHERE CAST(?3 AS TEXT) IS NULL AND r.return_id IS NOT NULL "
    "UNION ALL "
    "SELECT r.at, o.channel, o.currency, 0, 0, 0, 0, rl.amount - rl.tax, "
    "-rl.tax, 0 FROM refunds r JOIN o ON o.id = r.order_id "
    "JOIN refund_lines rl ON rl.refund_id = r.id "
    "JOIN order_lines ol ON ol.order_id = r.order_id "
    "AND ol.line_no = rl.order_line "
    "WHERE CAST(?3 AS TEXT) IS NOT NULL AND ol.sku = ?3 AND r.return_id IS NOT "
    "NULL) "
    "SELECT CASE WHEN ?8 = 1 THEN NULL "
    "ELSE date(ts, 'localtime', ?6, ?7) END AS p, channel, currency, "
    "sum(n), sum(units), sum(gross), sum(disc), sum(ret), sum(tax), "
    "sum(ship) FROM f WHERE (CAST(?4 AS TEXT) IS NULL OR ts >= ?4) "
    "AND (CAST(?5 AS TEXT) IS NULL OR ts < ?5) "
    "GROUP BY p, channel, currency ORDER BY p, channel, currency";

/* a / n rounded half away from zero; n > 0. */
static int64_t
div_round(int64_t a, int64_t n)
{
	if (a < 0)
		return -((-a + n / 2) / n);
	return (a + n / 2) / n;
}

static cJSON *
sales_row(oms_stmt *st)
{
	cJSON *row = cJSON_CreateObject();
	const char *cur = oms_col_str(st, 2);
	int64_t n = oms_col_int64(st, 3), gross = oms_col_int64(st, 5);
	int64_t disc = oms_col_int64(st, 6), ret = oms_col_int64(st, 7);
	int64_t tax = oms_col_int64(st, 8), ship = oms_col_int64(st, 9);
	int64_t net = gross - disc - ret;

	cJSON_AddStringToObject(row, "type", "sales");
	if (!oms_col_null(st, 0))
		cJSON_AddStringToObject(row, "period", oms_col_text(st, 0));
	cJSON_AddStringToObject(row, "channel", oms_col_str(st, 1));
	cJSON_AddStringToObject(row, "currency", cur);
	cJSON_AddNumberToObject(row, "orders", (double)n);
	cJSON_AddNumberToObject(row, "units", (double)oms_col_int64(st, 4));
	oms_row_money(row, "gross", gross, cur);
	oms_row_money(row, "discounts", disc, cur);
	oms_row_money(row, "returns", ret, cur);
	oms_row_money(row, "net", net, cur);
	oms_row_money(row, "tax", tax, cur);
	oms_row_money(row, "shipping", ship, cur);
	oms_row_money(row, "total", net + tax + ship, cur);
	if (n > 0)
		oms_row_money(row, "aov", div_round(gross - disc, n), cur);
	else
		cJSON_AddNullToObject(row, "aov");
	return row;
}

int
oms_report_sales(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg)
{
	const char *by = q->by ? q->by : "day", *m1, *m2;
	oms_stmt *st;
	int rc, frc = OMS_OK;

	if (!oms_rq_period_valid(by))
		return oms_fail(OMS_E_USAGE, "--by %s: sales are by day, week, "
		    "month or all", by);
	oms_rq_period_mods(by, &m1, &m2);
	st = oms_db_query(db, sql_sales, "ttttttti", q->channel, q->location,
	    q->sku, *q->from ? q->from : NULL, *q->to ? q->to : NULL, m1, m2,
	    strcmp(by, "all") == 0);
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *row = sales_row(st);

		frc = fn(arg, row);
		cJSON_Delete(row);
		if (frc != OMS_OK)
			break;
	}
	oms_reset(st);
	if (frc != OMS_OK)
		return frc;
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the sales");
	return OMS_OK;
}
