/*
 * rerp.c: sales orders and item fulfilments for an ERP, as NetSuite's
 * CSV import takes them: a row per line, the order's own fields (its
 * External ID first) on every row, so that one file adds the orders an
 * ERP has not seen and updates those it has ("add or update" on the
 * External ID).
 *
 * sales-orders: each order placed, or changed (any event of it), in the
 * range; orders oms made for an exchange or a reship are not sales and
 * are left out.  An order is given as it stands: for line i with Q
 * units, C of them cancelled, unit price P, the line's discount D and
 * tax T,
 *
 *   quantity  Q - C
 *   rate      P
 *   discount  floor(D x (Q - C) / Q), the kept units' share of D
 *   amount    (Q - C) x P - discount
 *   tax       floor(T x (Q - C) / Q)
 *
 * The customer is the order's email, else its customer's or its
 * recipient's name.  For the order: shipping SHIP (0 once cancelled whole), and
 * order_discount, the order's own discount OD = DISC - sum(D) (0 when
 * not positive) less the cancelled units' share, floor(OD x (V - VC) /
 * V) with V = sum(Q x P - D) and VC = sum(C x P - (D - floor(D x (Q - C)
 * / Q))), the cancelled units' part of it, as oms-report sales has it
 * (rsales.c); and order_tax, the order's tax beyond its lines' (on
 * shipping), TAX - sum(T) when positive, 0 once cancelled whole.
 *
 * item-fulfilments: each parcel shipped in the range (and not voided by
 * its end), a row per line of the order it carries: created_from is the
 * sales order's External ID, the fulfilment's own is that and the
 * shipment; a kit's line is the kits its parts make, as the order has
 * it, and the parcels of orders oms made (exchanges, reships), whose
 * sales orders are not given, are left out.  A parcel voided in the
 * range that shipped before it is in the range's rows too, status
 * voided and quantity 0, so the ERP that had it takes it back.
 *
 * Days are the merchant's (--tz).  The External ID of an order is
 * CHANNEL:EXTERNAL_ID, or CHANNEL/ACCOUNT:EXTERNAL_ID when the channel
 * has accounts, as every oms program names an order.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

/* ?1 from, ?2 to, ?3 channel; the sku is a line's, chosen in C. */
static const char sql_sales_orders[] =
    "WITH o AS (SELECT id, channel, account, external_id, status, currency,\n"
    "  coalesce(placed_at, imported_at) AS placed_at,\n"
    "  coalesce(customer_email, record ->> '$.customer.name',\n"
    "    record ->> '$.ship_to.name', '') AS customer,\n"
    "  coalesce(shipping, 0) AS ship,\n"
    "  coalesce(discount, 0) AS disc, coalesce(tax, 0) AS tax\n"
    "  FROM orders o WHERE origin IS NULL\n"
    "  AND (CAST(?3 AS TEXT) IS NULL OR channel = ?3)\n"
    "  AND ((CAST(?1 AS TEXT) IS NULL OR placed_at >= ?1) AND (CAST(?2 AS "
    "TEXT) IS NULL OR placed_at < ?2)\n"
    "    OR EXISTS (SELECT 1 FROM events e WHERE e.order_id = o.id\n"
    "      AND (CAST(?1 AS TEXT) IS NULL OR e.at >= ?1) AND (CAST(?2 AS TEXT) "
    "IS NULL OR e.at < ?2)))),\n"
    "l AS (SELECT order_id, line_no, sku, qty AS q, cancelled AS c,\n"
    "  coalesce(unit_price, 0) AS p, coalesce(discount, 0) AS d,\n"
    "  coalesce(tax, 0) AS t FROM order_lines\n"
    "  WHERE order_id IN (SELECT id FROM o))\n"
    "SELECT o.id, o.channel, o.account, o.external_id, o.status,\n"
    "  o.currency, date(o.placed_at, 'localtime'), o.customer,\n"
    "  o.ship, o.disc, l.line_no, l.sku, l.q, l.c, l.p, l.d, l.t,\n"
    "  sum(l.d) OVER w,\n"
    "  sum(l.q * l.p - l.d) OVER w,\n"
    "  sum(CASE WHEN l.q > 0 THEN l.c * l.p - (l.d - l.d * (l.q - l.c) / l.q)\n"
    "    ELSE 0 END) OVER w,\n"
    "  sum(l.q - l.c) OVER w, o.tax, sum(l.t) OVER w\n"
    "FROM o JOIN l ON l.order_id = o.id\n"
    "WINDOW w AS (PARTITION BY o.id)\n"
    "ORDER BY o.id, l.line_no";

/* An order's External ID: CHANNEL[/ACCOUNT]:EXTERNAL_ID. */
static void
ext_id(oms_stmt *st, int col, struct oms_buf *b)
{
	const char *acct = oms_col_str(st, col + 1);

	oms_buf_reset(b);
	oms_buf_adds(b, oms_col_str(st, col));
	if (*acct != '\0') {
		oms_buf_addc(b, '/');
		oms_buf_adds(b, acct);
	}
	oms_buf_addc(b, ':');
	oms_buf_adds(b, oms_col_str(st, col + 2));
}

/* floor(a x n / d) for a >= 0, 0 <= n <= d, d > 0, without overflow. */
static int64_t
share(int64_t a, int64_t n, int64_t d)
{
	if (d <= 0 || n <= 0)
		return 0;
	if (n >= d)
		return a;
	return (int64_t)((__int128)a * n / d);
}

int
oms_report_sales_orders(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg)
{
	struct oms_buf id = { 0 }, memo = { 0 };
	char buf[32];
	oms_stmt *st;
	int rc, frc = OMS_OK;

	if (q->location != NULL)
		return oms_fail(OMS_E_USAGE, "sales-orders: --location does "
		    "not apply: an order is placed, not kept, somewhere "
		    "(item-fulfilments are by location)");
	st = oms_db_query(db, sql_sales_orders, "sss", *q->from ? q->from :
	    NULL, *q->to ? q->to : NULL, q->channel);
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		const char *cur = oms_col_str(st, 5), *sku = oms_col_text(st, 11);
		int64_t qn = oms_col_int64(st, 12), c = oms_col_int64(st, 13);
		int64_t p = oms_col_int64(st, 14), d = oms_col_int64(st, 15);
		int64_t t = oms_col_int64(st, 16), sd = oms_col_int64(st, 17);
		int64_t v = oms_col_int64(st, 18), vc = oms_col_int64(st, 19);
		int64_t kept = oms_col_int64(st, 20), k = qn - c, disc, od, ot;
		cJSON *row;

		if (q->sku != NULL && (sku == NULL || strcmp(sku, q->sku) != 0))
			continue;
		ext_id(st, 1, &id);
		oms_buf_reset(&memo);
		oms_buf_printf(&memo, "%s %s", oms_col_str(st, 1),
		    oms_col_str(st, 3));
		od = oms_col_int64(st, 9) - sd;
		od = od > 0 ? share(od, v - vc, v) : 0;
		disc = share(d, k, qn);
		row = cJSON_CreateObject();
		cJSON_AddStringToObject(row, "type", "sales_order");
		cJSON_AddStringToObject(row, "external_id", id.s);
		snprintf(buf, sizeof buf, "o_%lld",
		    (long long)oms_col_int64(st, 0));
		cJSON_AddStringToObject(row, "order", buf);
		cJSON_AddStringToObject(row, "date", oms_col_str(st, 6));
		cJSON_AddStringToObject(row, "customer", oms_col_str(st, 7));
		cJSON_AddStringToObject(row, "memo", memo.s);
		cJSON_AddStringToObject(row, "status", oms_col_str(st, 4));
		cJSON_AddStringToObject(row, "currency", cur);
		oms_row_money(row, "shipping", kept > 0 ? oms_col_int64(st, 8) :
		    0, cur);
		oms_row_money(row, "order_discount", od, cur);
		ot = oms_col_int64(st, 21) - oms_col_int64(st, 22);
		oms_row_money(row, "order_tax", kept > 0 && ot > 0 ? ot : 0, cur);
		cJSON_AddNumberToObject(row, "line", (double)oms_col_int64(st,
		    10));
		cJSON_AddStringToObject(row, "item", sku ? sku : "");
		cJSON_AddNumberToObject(row, "quantity", (double)k);
		oms_row_money(row, "rate", p, cur);
		oms_row_money(row, "discount", disc, cur);
		oms_row_money(row, "amount", k * p - disc, cur);
		oms_row_money(row, "tax", share(t, k, qn), cur);
		frc = fn(arg, row);
		cJSON_Delete(row);
		if (frc != OMS_OK)
			break;
	}
	oms_reset(st);
	oms_buf_free(&id);
	oms_buf_free(&memo);
	if (frc != OMS_OK)
		return frc;
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the orders");
	return OMS_OK;
}

/*
 * ?1 from, ?2 to, ?3 channel, ?4 sku, ?5 location.  A parcel shipped in
 * the range and live at its end, or voided in it having shipped before
 * it (the ERP has it: it is told, quantity 0).
 */
static const char sql_fulfilments[] =
    "WITH sl AS (SELECT shipment_id, line_no, sku, sum(qty) AS qty\n"
    "  FROM shipment_lines GROUP BY shipment_id, line_no, sku)\n"
    "SELECT s.id, date(s.shipped_at, 'localtime'), s.location, s.carrier,\n"
    "  s.service, s.tracking, o.channel, o.account, o.external_id,\n"
    "  sl.line_no, coalesce(ol.sku, min(sl.sku)),\n"
    /* A kit's line: the kits its parts make, as the order has it. */
    "  CASE WHEN ol.sku IS NULL OR (count(*) = 1 AND min(sl.sku) = ol.sku)\n"
    "    THEN sum(sl.qty)\n"
    "    ELSE min(CAST(sl.qty AS BIGINT) / coalesce(kc.qty, 1)) END,\n"
    "  NULL, s.status = 'voided' AND (CAST(?2 AS TEXT) IS NULL OR s.voided_at "
    "< ?2)\n"
    "FROM shipments s JOIN orders o ON o.id = s.order_id\n"
    "JOIN sl ON sl.shipment_id = s.id\n"
    "LEFT JOIN order_lines ol ON ol.order_id = s.order_id\n"
    "  AND ol.line_no = sl.line_no\n"
    "LEFT JOIN kit_components kc ON kc.kit_sku = ol.sku AND kc.sku = sl.sku\n"
    "WHERE ((CAST(?1 AS TEXT) IS NULL OR s.shipped_at >= ?1)\n"
    "    AND (CAST(?2 AS TEXT) IS NULL OR s.shipped_at < ?2)\n"
    "    AND (s.status <> 'voided' OR (CAST(?2 AS TEXT) IS NOT NULL AND "
    "s.voided_at >= ?2))\n"
    "  OR s.status = 'voided' AND CAST(?1 AS TEXT) IS NOT NULL AND "
    "s.shipped_at < ?1\n"
    "    AND s.voided_at >= ?1 AND (CAST(?2 AS TEXT) IS NULL OR s.voided_at < "
    "?2))\n"
    "  AND o.origin IS NULL\n"
    "  AND (CAST(?3 AS TEXT) IS NULL OR o.channel = ?3)\n"
    "  AND (CAST(?4 AS TEXT) IS NULL OR coalesce(ol.sku, sl.sku) = ?4)\n"
    "  AND (CAST(?5 AS TEXT) IS NULL OR s.location = ?5)\n"
    "GROUP BY s.id, sl.line_no, o.channel, o.account, o.external_id, ol.sku\n"
    "ORDER BY s.id, sl.line_no";

int
oms_report_item_fulfilments(oms_db *db, const struct oms_rq *q,
    oms_rec_fn fn, void *arg)
{
	struct oms_buf so = { 0 }, id = { 0 };
	char buf[32];
	oms_stmt *st;
	int rc, frc = OMS_OK;

	st = oms_db_query(db, sql_fulfilments, "sssss", *q->from ? q->from :
	    NULL, *q->to ? q->to : NULL, q->channel, q->sku, q->location);
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *row = cJSON_CreateObject();
		int voided = oms_col_int(st, 13);

		ext_id(st, 6, &so);
		snprintf(buf, sizeof buf, "s_%lld",
		    (long long)oms_col_int64(st, 0));
		oms_buf_reset(&id);
		oms_buf_printf(&id, "%s/%s", so.s, buf);
		cJSON_AddStringToObject(row, "type", "item_fulfilment");
		cJSON_AddStringToObject(row, "external_id", id.s);
		cJSON_AddStringToObject(row, "created_from", so.s);
		cJSON_AddStringToObject(row, "shipment", buf);
		/* As NetSuite has a fulfilment: shipped, or taken back. */
		cJSON_AddStringToObject(row, "status", voided ? "voided" :
		    "shipped");
		cJSON_AddStringToObject(row, "date", oms_col_str(st, 1));
		cJSON_AddStringToObject(row, "location", oms_col_str(st, 2));
		cJSON_AddStringToObject(row, "carrier", oms_col_str(st, 3));
		cJSON_AddStringToObject(row, "service", oms_col_str(st, 4));
		cJSON_AddStringToObject(row, "tracking", oms_col_str(st, 5));
		cJSON_AddNumberToObject(row, "line", (double)oms_col_int64(st,
		    9));
		cJSON_AddStringToObject(row, "item", oms_col_str(st, 10));
		cJSON_AddNumberToObject(row, "quantity", voided ? 0 :
		    (double)oms_col_int64(st, 11));
		frc = fn(arg, row);
		cJSON_Delete(row);
		if (frc != OMS_OK)
			break;
	}
	oms_reset(st);
	oms_buf_free(&so);
	oms_buf_free(&id);
	if (frc != OMS_OK)
		return frc;
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the shipments");
	return OMS_OK;
}
