/*
 * rlookup.c: the lookups of oms-report (report.h): what an operator asks
 * first.
 *
 * orders: one row an order, oldest placed first (then by id):
 *   order           o_N
 *   channel, account (when the order has one), external_id, status
 *   placed_at       when the customer placed it (UTC)
 *   age_hours       whole hours from placed_at to now (OMS_NOW pins now)
 *   customer_email  as the channel gave it
 *   customer_name   the customer's name, else the ship-to name
 *   currency, total the order's total, a decimal string in its currency
 *   lines           its lines
 *   units           units ordered, less those cancelled
 *   hold_reasons    when it is on hold: why
 * Filters, all of which must hold: --status S[,S...] (its status is one
 * of them); --channel; --email E (the customer's email, whole, ASCII
 * letters in either case); --name TEXT (in the customer's, the ship-to
 * or the bill-to name, ASCII letters in either case); --sku (a line of
 * it, or a line of a kit that holds it); --location (units allocated
 * there, or shipped from there in a parcel not voided); --from/--to
 * (placed in that range); --older-than TIME (placed longer ago than 90m,
 * 24h, 7d...); --hold TEXT (on hold, TEXT in one of its reasons, ASCII
 * letters in either case); --limit N (the first N).  An order with no
 * placed_at is left out by --from, --to and --older-than.
 *
 * order ID...: the whole story of each order named (o_N, N, or
 * CHANNEL:EXTERNAL_ID, CHANNEL/ACCOUNT:EXTERNAL_ID), as rows in this
 * order:
 *   order       the order as stored (oms-import prints it), with its
 *               id and status; its lines come as rows of their own
 *   line        each line: line_no, line_id, sku, title, qty (ordered),
 *               cancelled, allocated, shipped, returned (units of each),
 *               price (a unit's, in the order's currency), discount and
 *               tax (the line's) when the channel gave them; "ships":
 *               false for a line that ships nothing (a gift card)
 *   allocation  each allocation, in the order made: id (aN), line_no,
 *               sku (a kit line's component), location, qty, state
 *               (active, released, shipped), rule, created_at, ended_at
 *   shipment    each parcel: id (s_N), location, carrier, service,
 *               status, tracking (the first package's number), packages,
 *               weight_g, cost (in its currency), shipped_at,
 *               delivered_at, voided_at, documents (the files
 *               written: type, package, format, file; drawn when oms
 *               drew it) when there are any, lines (line_no, sku, qty
 *               carried) and events (what the carrier said: at, status,
 *               description, and tracking when it has several packages)
 *   return      each return, as oms-return prints it
 *   refund      each refund, as oms-return prints it
 *   event       the timeline: every event of the order, in the order
 *               they happened: at, program, action, and what it changed
 *               (before, after) when it says
 * An unknown order is named on stderr, the others are told, and the
 * exit status is 1.
 *
 * attention: what needs a person now: the records of `oms status`
 * (status.c defines each kind), narrowed to --channel; --older-than is
 * how long an order may wait allocated, or a return received, before it
 * is listed (24h by default).  Exit status 1 when anything is listed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "order.h"
#include "report.h"
#include "rma.h"
#include "ship.h"

/* ---- orders ---------------------------------------------------------- */

/*
 * One statement for each way --status may come: without it every
 * order is a candidate; with it the statuses come as a JSON array and
 * the orders_status index finds only theirs (a LIKE over a comma list
 * read every order of the table to return the first hundred).
 */
#define SQL_ORDERS(STATUS) \
    "SELECT o.id, o.channel, o.account, o.external_id, o.status, " \
    "o.placed_at, o.customer_email, coalesce(o.record ->> " \
    "'$.customer.name', o.record ->> '$.ship_to.name'), o.currency, " \
    "o.total, (SELECT count(*) FROM order_lines l WHERE l.order_id = " \
    "o.id), (SELECT coalesce(sum(l.qty - l.cancelled), 0) FROM " \
    "order_lines l WHERE l.order_id = o.id), o.hold_reasons " \
    "FROM orders o WHERE " STATUS " " \
    "AND (CAST(?2 AS TEXT) IS NULL OR o.channel = ?2) " \
    "AND (CAST(?3 AS TEXT) IS NULL OR lower(o.customer_email) = lower(?3)) " \
    "AND (CAST(?4 AS TEXT) IS NULL OR instr(lower(coalesce(o.record ->> " \
    "'$.customer.name', '')), lower(?4)) > 0 OR instr(lower(coalesce(" \
    "o.record ->> '$.ship_to.name', '')), lower(?4)) > 0 OR instr(lower(" \
    "coalesce(o.record ->> '$.bill_to.name', '')), lower(?4)) > 0) " \
    "AND (CAST(?5 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM order_lines l " \
    "WHERE " \
    "l.order_id = o.id AND (l.sku = ?5 OR EXISTS (SELECT 1 FROM " \
    "kit_components k WHERE k.kit_sku = l.sku AND k.sku = ?5)))) " \
    "AND (CAST(?6 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM allocations a " \
    "WHERE " \
    "a.order_id = o.id AND a.location = ?6 AND a.state <> 'released') " \
    "OR EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id AND " \
    "s.location = ?6 AND s.status <> 'voided')) " \
    "AND (CAST(?7 AS TEXT) IS NULL OR o.placed_at >= ?7) " \
    "AND (CAST(?8 AS TEXT) IS NULL OR o.placed_at < ?8) " \
    "AND (CAST(?9 AS TEXT) IS NULL OR o.placed_at < ?9) " \
    "AND (CAST(?10 AS TEXT) IS NULL OR (o.status = 'hold' AND EXISTS (SELECT " \
    "1 FROM " \
    "json_each(o.hold_reasons) AS j WHERE instr(lower(j.value), " \
    "lower(?10)) > 0))) " \
    "ORDER BY o.placed_at NULLS FIRST, o.id LIMIT ?11"

static const char sql_orders[] = SQL_ORDERS("CAST(?1 AS TEXT) IS NULL");
static const char sql_orders_status[] =
    SQL_ORDERS("o.status IN (SELECT value FROM json_each(?1))");

static void
add_ref(cJSON *r, const char *key, const char *prefix, int64_t id)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%s%lld", prefix, (long long)id);
	cJSON_AddStringToObject(r, key, buf);
}

/* Text column i, or null. */
static void
add_text(cJSON *r, const char *key, oms_stmt *st, int i)
{
	if (oms_col_null(st, i))
		cJSON_AddNullToObject(r, key);
	else
		cJSON_AddStringToObject(r, key, oms_col_text(st, i));
}

/* Money column i in currency cur, or null. */
static void
add_money(cJSON *r, const char *key, oms_stmt *st, int i, const char *cur)
{
	if (oms_col_null(st, i))
		cJSON_AddNullToObject(r, key);
	else
		oms_row_money(r, key, oms_col_int64(st, i), cur);
}

/* JSON text column i as JSON (as text when it is not), or nothing. */
static void
add_json(cJSON *r, const char *key, oms_stmt *st, int i)
{
	cJSON *v;

	if (oms_col_null(st, i))
		return;
	if ((v = cJSON_Parse(oms_col_text(st, i))) == NULL)
		v = cJSON_CreateString(oms_col_text(st, i));
	cJSON_AddItemToObject(r, key, v);
}

static cJSON *
order_row(oms_stmt *st, int64_t now)
{
	cJSON *r = cJSON_CreateObject();
	const char *cur = oms_col_text(st, 8);
	int64_t t;

	cJSON_AddStringToObject(r, "type", "order");
	add_ref(r, "order", "o_", oms_col_int64(st, 0));
	cJSON_AddStringToObject(r, "channel", oms_col_text(st, 1));
	if (*oms_col_str(st, 2) != '\0')
		cJSON_AddStringToObject(r, "account", oms_col_text(st, 2));
	cJSON_AddStringToObject(r, "external_id", oms_col_text(st, 3));
	cJSON_AddStringToObject(r, "status", oms_col_text(st, 4));
	add_text(r, "placed_at", st, 5);
	if (!oms_col_null(st, 5) && oms_time_to_epoch(oms_col_text(st, 5),
	    &t) == OMS_OK)
		cJSON_AddNumberToObject(r, "age_hours", (double)((now - t) /
		    3600));
	else
		cJSON_AddNullToObject(r, "age_hours");
	add_text(r, "customer_email", st, 6);
	add_text(r, "customer_name", st, 7);
	cJSON_AddStringToObject(r, "currency", cur);
	add_money(r, "total", st, 9, cur);
	cJSON_AddNumberToObject(r, "lines", (double)oms_col_int64(st, 10));
	cJSON_AddNumberToObject(r, "units", (double)oms_col_int64(st, 11));
	if (strcmp(oms_col_text(st, 4), "hold") == 0)
		add_json(r, "hold_reasons", st, 12);
	return r;
}

/*
 * --status: a comma list of statuses the state machine knows, made
 * into the JSON array ["a","b"] (the names are the state machine's
 * own words, so they need no escaping).
 */
static int
status_list(const char *arg, struct oms_buf *out)
{
	const char *p = arg;

	oms_buf_reset(out);
	while (*p != '\0') {
		size_t n = strcspn(p, ",");
		char *w = estrndup(p, n);
		char *s = w, *e;
		int ok;

		while (*s == ' ')
			s++;
		for (e = s + strlen(s); e > s && e[-1] == ' '; e--)
			e[-1] = '\0';
		ok = *s != '\0' && oms_state_known(s);
		if (ok)
			oms_buf_printf(out, "%s\"%s\"", out->len ? "," : "[",
			    s);
		else
			oms_fail(OMS_E_USAGE, "--status: unknown status '%s' "
			    "(open, hold, backordered, partial, allocated, "
			    "partly_shipped, shipped, delivered, cancelled, "
			    "fulfilled, partly_returned, returned)", s);
		free(w);
		if (!ok)
			return OMS_ERR;
		p += n;
		if (*p == ',')
			p++;
	}
	if (out->len == 0)
		return oms_fail(OMS_E_USAGE, "--status: name a status");
	oms_buf_printf(out, "]");
	return OMS_OK;
}

static int
limit_of(const char *arg, int64_t *out)
{
	/* No limit: the largest, as LIMIT -1 is to SQLite only. */
	*out = INT64_MAX;
	if (arg == NULL)
		return OMS_OK;
	if (!oms_all_digits(arg) || strlen(arg) > 9 || atol(arg) == 0)
		return oms_fail(OMS_E_USAGE, "--limit '%s' is not a whole "
		    "number of orders from 1 to 999999999", arg);
	*out = atol(arg);
	return OMS_OK;
}

/* The instant before which an order is older than --older-than. */
static int
cutoff_of(const struct oms_rq *q, const char *arg, char out[OMS_TIME_LEN])
{
	int64_t d, now;

	if (oms_duration_parse(arg, &d) != OMS_OK)
		return oms_fail(OMS_E_USAGE, "--older-than %s", oms_error());
	if (oms_time_to_epoch(q->now, &now) != OMS_OK)
		return oms_fail(OMS_E_OTHER, "cannot read the clock");
	oms_time_format(now - d, out);
	return OMS_OK;
}

static void
bind_opt(oms_stmt *st, int i, const char *s)
{
	oms_bind_text(st, i, s != NULL && *s != '\0' ? s : NULL);
}

int
oms_report_orders(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg)
{
	const char *status = oms_rq_arg(q, "status");
	const char *older = oms_rq_arg(q, "older-than");
	struct oms_buf list = { 0 };
	char cut[OMS_TIME_LEN] = "";
	int64_t limit, now;
	oms_stmt *st;
	int rc = OMS_OK, step;

	if ((status != NULL && status_list(status, &list) != OMS_OK) ||
	    limit_of(oms_rq_arg(q, "limit"), &limit) != OMS_OK ||
	    (older != NULL && cutoff_of(q, older, cut) != OMS_OK)) {
		oms_buf_free(&list);
		return OMS_ERR;
	}
	oms_time_to_epoch(q->now, &now);
	if ((st = oms_db_stmt(db, list.s != NULL ? sql_orders_status :
	    sql_orders)) == NULL) {
		oms_buf_free(&list);
		return OMS_ERR;
	}
	bind_opt(st, 1, list.s);
	bind_opt(st, 2, q->channel);
	bind_opt(st, 3, oms_rq_arg(q, "email"));
	bind_opt(st, 4, oms_rq_arg(q, "name"));
	bind_opt(st, 5, q->sku);
	bind_opt(st, 6, q->location);
	bind_opt(st, 7, q->from);
	bind_opt(st, 8, q->to);
	bind_opt(st, 9, cut);
	bind_opt(st, 10, oms_rq_arg(q, "hold"));
	oms_bind_int64(st, 11, limit);
	while (rc == OMS_OK && (step = oms_step(st)) == OMS_ROW) {
		cJSON *r = order_row(st, now);

		rc = fn(arg, r);
		cJSON_Delete(r);
	}
	oms_reset(st);
	oms_buf_free(&list);
	if (rc == OMS_OK && step != OMS_DONE)
		return oms_db_fail(db, step, "cannot read the orders");
	return rc;
}

/* ---- order ID -------------------------------------------------------- */

/* Rows of one order's story, kept until it is whole. */
static int
collect(void *arg, const cJSON *rec)
{
	cJSON_AddItemToArray((cJSON *)arg, cJSON_Duplicate(rec, 1));
	return OMS_OK;
}

static int
story_order(oms_db *db, int64_t id, cJSON *rows, char cur[8])
{
	cJSON *rec = oms_order_record(db, id);
	const char *c;

	if (rec == NULL)
		return OMS_ERR;
	cJSON_DeleteItemFromObjectCaseSensitive(rec, "lines");
	c = oms_json_str(rec, "currency");
	snprintf(cur, 8, "%s", c ? c : "");
	cJSON_AddItemToArray(rows, rec);
	return OMS_OK;
}

static int
story_lines(oms_db *db, int64_t id, const char *cur, cJSON *rows)
{
	static const char sql[] =
	    "SELECT line_no, line_id, sku, title, qty, cancelled, allocated, "
	    "shipped, returned, unit_price, discount, tax, ships "
	    "FROM order_lines WHERE order_id = ? ORDER BY line_no";
	oms_stmt *st = oms_db_query(db, sql, "I", id);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *r = cJSON_CreateObject();
		static const char *const units[] = { "qty", "cancelled",
		    "allocated", "shipped", "returned" };

		cJSON_AddStringToObject(r, "type", "line");
		add_ref(r, "order", "o_", id);
		cJSON_AddNumberToObject(r, "line_no", oms_col_int(st, 0));
		add_text(r, "line_id", st, 1);
		add_text(r, "sku", st, 2);
		add_text(r, "title", st, 3);
		for (int i = 0; i < 5; i++)
			cJSON_AddNumberToObject(r, units[i],
			    (double)oms_col_int64(st, 4 + i));
		add_money(r, "price", st, 9, cur);
		if (!oms_col_null(st, 10))
			add_money(r, "discount", st, 10, cur);
		if (!oms_col_null(st, 11))
			add_money(r, "tax", st, 11, cur);
		if (oms_col_int(st, 12) == 0)
			cJSON_AddFalseToObject(r, "ships");
		cJSON_AddItemToArray(rows, r);
	}
	oms_reset(st);
	return rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read the order's lines");
}

static int
story_allocations(oms_db *db, int64_t id, cJSON *rows)
{
	static const char sql[] =
	    "SELECT id, line_no, sku, location, qty, state, rule, created_at, "
	    "ended_at FROM allocations WHERE order_id = ? ORDER BY id";
	oms_stmt *st = oms_db_query(db, sql, "I", id);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "type", "allocation");
		add_ref(r, "id", "a", oms_col_int64(st, 0));
		add_ref(r, "order", "o_", id);
		cJSON_AddNumberToObject(r, "line_no", oms_col_int(st, 1));
		cJSON_AddStringToObject(r, "sku", oms_col_text(st, 2));
		cJSON_AddStringToObject(r, "location", oms_col_text(st, 3));
		cJSON_AddNumberToObject(r, "qty", (double)oms_col_int64(st, 4));
		cJSON_AddStringToObject(r, "state", oms_col_text(st, 5));
		cJSON_AddStringToObject(r, "rule", oms_col_text(st, 6));
		cJSON_AddStringToObject(r, "created_at", oms_col_text(st, 7));
		if (!oms_col_null(st, 8))
			cJSON_AddStringToObject(r, "ended_at",
			    oms_col_text(st, 8));
		cJSON_AddItemToArray(rows, r);
	}
	oms_reset(st);
	return rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read the order's allocations");
}

/* What a parcel carried, and what its carrier said of it. */
static int
parcel_detail(oms_db *db, int64_t sid, int packages, cJSON *r)
{
	static const char sql_lines[] =
	    "SELECT line_no, sku, sum(qty) FROM shipment_lines WHERE "
	    "shipment_id = ? GROUP BY line_no, sku ORDER BY line_no, sku";
	static const char sql_events[] =
	    "SELECT at, status, description, tracking FROM tracking_events "
	    "WHERE shipment_id = ? ORDER BY at, id";
	cJSON *a = cJSON_AddArrayToObject(r, "lines");
	oms_stmt *st;
	int rc;

	if ((st = oms_db_query(db, sql_lines, "I", sid)) == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *l = cJSON_CreateObject();

		cJSON_AddNumberToObject(l, "line_no", oms_col_int(st, 0));
		cJSON_AddStringToObject(l, "sku", oms_col_text(st, 1));
		cJSON_AddNumberToObject(l, "qty", (double)oms_col_int64(st, 2));
		cJSON_AddItemToArray(a, l);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read a shipment's lines");
	a = cJSON_AddArrayToObject(r, "events");
	if ((st = oms_db_query(db, sql_events, "I", sid)) == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "at", oms_col_text(st, 0));
		cJSON_AddStringToObject(e, "status", oms_col_text(st, 1));
		if (!oms_col_null(st, 2))
			cJSON_AddStringToObject(e, "description",
			    oms_col_text(st, 2));
		if (packages > 1)
			cJSON_AddStringToObject(e, "tracking",
			    oms_col_text(st, 3));
		cJSON_AddItemToArray(a, e);
	}
	oms_reset(st);
	return rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read a shipment's tracking");
}

static int
story_shipments(oms_db *db, int64_t id, cJSON *rows)
{
	static const char sql[] =
	    "SELECT id, location, carrier, service, status, tracking, "
	    "packages, weight_g, cost, currency, shipped_at, delivered_at, "
	    "voided_at, record FROM shipments WHERE order_id = ? ORDER BY id";
	oms_stmt *st = oms_db_query(db, sql, "I", id);
	cJSON *r;
	int rc;

	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "type", "shipment");
		add_ref(r, "id", "s_", oms_col_int64(st, 0));
		add_ref(r, "order", "o_", id);
		cJSON_AddStringToObject(r, "location", oms_col_text(st, 1));
		cJSON_AddStringToObject(r, "carrier", oms_col_text(st, 2));
		cJSON_AddStringToObject(r, "service", oms_col_text(st, 3));
		cJSON_AddStringToObject(r, "status", oms_col_text(st, 4));
		cJSON_AddStringToObject(r, "tracking", oms_col_text(st, 5));
		cJSON_AddNumberToObject(r, "packages", oms_col_int(st, 6));
		cJSON_AddNumberToObject(r, "weight_g",
		    (double)oms_col_int64(st, 7));
		add_money(r, "cost", st, 8, oms_col_str(st, 9));
		cJSON_AddStringToObject(r, "shipped_at", oms_col_text(st, 10));
		add_text(r, "delivered_at", st, 11);
		add_text(r, "voided_at", st, 12);
		{
			/* The label and document files written for it. */
			cJSON *j = cJSON_Parse(oms_col_str(st, 13));
			cJSON *f = oms_shipment_files(j);

			if (f != NULL)
				cJSON_AddItemToObject(r, "documents", f);
			cJSON_Delete(j);
		}
		cJSON_AddItemToArray(rows, r);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the order's shipments");
	/* Each parcel's detail, with no statement of the list open. */
	cJSON_ArrayForEach(r, rows) {
		const char *ref = oms_json_str(r, "id");
		int64_t n;

		if (ref == NULL || strcmp(oms_rec_type(r), "shipment") != 0)
			continue;
		oms_json_int(r, "packages", &n);
		if ((rc = parcel_detail(db, strtoll(ref + 2, NULL, 10),
		    (int)n, r)) != OMS_OK)
			return rc;
	}
	return OMS_OK;
}

static int
story_events(oms_db *db, int64_t id, cJSON *rows)
{
	static const char sql[] =
	    "SELECT at, program, action, before, after FROM events "
	    "WHERE order_id = ? ORDER BY id";
	oms_stmt *st = oms_db_query(db, sql, "I", id);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "type", "event");
		add_ref(r, "order", "o_", id);
		cJSON_AddStringToObject(r, "at", oms_col_text(st, 0));
		cJSON_AddStringToObject(r, "program", oms_col_text(st, 1));
		cJSON_AddStringToObject(r, "action", oms_col_text(st, 2));
		add_json(r, "before", st, 3);
		add_json(r, "after", st, 4);
		cJSON_AddItemToArray(rows, r);
	}
	oms_reset(st);
	return rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read the order's events");
}

/* One order's story, whole, then its rows to fn. */
static int
story(oms_db *db, int64_t id, oms_rec_fn fn, void *arg)
{
	cJSON *rows = cJSON_CreateArray();
	const cJSON *r;
	char cur[8];
	int rc;

	if ((rc = story_order(db, id, rows, cur)) != OMS_OK ||
	    (rc = story_lines(db, id, cur, rows)) != OMS_OK ||
	    (rc = story_allocations(db, id, rows)) != OMS_OK ||
	    (rc = story_shipments(db, id, rows)) != OMS_OK ||
	    (rc = oms_return_list(db, NULL, id, collect, rows)) != OMS_OK ||
	    (rc = oms_refund_list(db, id, NULL, collect, rows)) != OMS_OK ||
	    (rc = story_events(db, id, rows)) != OMS_OK)
		goto out;
	cJSON_ArrayForEach(r, rows)
		if ((rc = fn(arg, r)) != OMS_OK)
			break;
out:
	cJSON_Delete(rows);
	return rc;
}

int
oms_report_order(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg)
{
	struct oms_buf unknown = { 0 };
	int64_t id;
	int rc = OMS_OK;

	for (int i = 0; i < q->argc && rc == OMS_OK; i++) {
		rc = oms_order_find(db, q->argv[i], &id);
		if (rc == OMS_REJECT) {
			/* Named at the end; the others are told. */
			oms_buf_printf(&unknown, "%s%s", unknown.len ?
			    "; " : "", oms_error());
			rc = OMS_OK;
			continue;
		}
		if (rc == OMS_OK)
			rc = story(db, id, fn, arg);
	}
	if (rc == OMS_OK && unknown.len > 0)
		rc = oms_reject("%s", unknown.s);
	oms_buf_free(&unknown);
	return rc;
}

/* ---- attention ------------------------------------------------------- */

struct narrow {
	const struct oms_rq *q;
	oms_rec_fn fn;
	void *arg;
};

/* A record of --channel's, or of every channel without it. */
static int
narrowed(void *arg, const cJSON *rec)
{
	struct narrow *n = arg;
	const char *ch = oms_json_str(rec, "channel");

	if (n->q->channel != NULL && (ch == NULL || strcmp(ch,
	    n->q->channel) != 0))
		return OMS_OK;
	return n->fn(n->arg, rec);
}

int
oms_report_attention(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg)
{
	const char *older = oms_rq_arg(q, "older-than");
	struct narrow n = { q, fn, arg };
	int64_t waiting = 86400;
	long count;

	if (older != NULL && oms_duration_parse(older, &waiting) != OMS_OK)
		return oms_fail(OMS_E_USAGE, "--older-than %s", oms_error());
	return oms_status(db, waiting, 7 * 86400, narrowed, &n, &count);
}
