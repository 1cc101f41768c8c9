/*
 * order.c: the canonical order record, the checks that put an order on
 * hold, and its storage: one row in orders, one per line in order_lines,
 * and an events row for every change.
 *
 * The record is stored as it was imported (without id, status and hold
 * reasons, which are columns), and a digest of it makes re-importing an
 * unchanged order one indexed read and no write.
 *
 * Once a channel has listings in the catalog, the SKU of each line is
 * the master SKU its listing names and channel_sku keeps the channel's;
 * a channel SKU with no listing holds the order.  The digest is taken of
 * what the channel sent, before that mapping, so a listing added later
 * does not make an unchanged order changed: `oms-import release` maps
 * the lines again with the listings of the day.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "oms.h"
#include "order.h"
#include "purge.h"

static const char *const money_totals[] = {
	"subtotal", "shipping", "discount", "tax", "total", "refunded",
};
static const char *const money_line[] = {
	"unit_price", "discount", "tax", "total",
};
static const char *const date_fields[] = {
	"placed_at", "cancelled_at", "ship_by", "deliver_by", "updated_at",
	"fulfilled_at",
};

/* Countries whose addresses carry no postal code. */
static const char no_postcode[] =
    " AE AG AO AW BF BI BJ BO BS BW BZ CD CF CG CI CK CM DJ DM ER FJ GA GD"
    " GH GM GQ GY HK IE JM KI KM KN KP LC ML MO MR MW NR NU QA RW SB SC SL"
    " SR ST SY TD TF TG TK TL TO TT TV UG VU YE ZW ";

/* Amount in minor units of a decimal-string field; 0 when absent. */
int64_t
oms_money_field(const cJSON *obj, const char *key, int exponent)
{
	const char *s = oms_json_str(obj, key);
	int64_t v = 0;

	if (s != NULL)
		oms_money_parse(s, exponent, &v);
	return v;
}

/* Set key of obj to the amount v, as a record writes money. */
void
oms_money_set(cJSON *obj, const char *key, int64_t v, int exponent)
{
	char buf[OMS_MONEY_BUFSZ];

	oms_money_format(v, exponent, buf, sizeof buf);
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddStringToObject(obj, key, buf);
}

static int
set_money(cJSON *obj, const char *key, int64_t v, int exponent)
{
	oms_money_set(obj, key, v, exponent);
	return OMS_OK;
}

/* Re-write a money field in canonical form; reject what is not money. */
static int
norm_money(cJSON *obj, const char *key, int exponent, const char *where)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char buf[OMS_MONEY_BUFSZ];
	int64_t x;

	if (v == NULL || cJSON_IsNull(v)) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
		return OMS_OK;
	}
	if (!cJSON_IsString(v))
		return oms_seterr("%s%s must be a decimal string", where, key);
	if (oms_money_parse(v->valuestring, exponent, &x) != OMS_OK) {
		char m[256];

		/* oms_error() is the buffer oms_seterr writes: copy it first. */
		snprintf(m, sizeof m, "%s", oms_error());
		return oms_seterr("%s%s: %s", where, key, m);
	}
	oms_money_format(x, exponent, buf, sizeof buf);
	cJSON_SetValuestring(v, buf);
	return OMS_OK;
}

static int
norm_date(cJSON *obj, const char *key)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char out[OMS_TIME_LEN];

	if (v == NULL || cJSON_IsNull(v)) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
		return OMS_OK;
	}
	if (!cJSON_IsString(v) || oms_time_parse(v->valuestring, 0, "UTC",
	    out) != OMS_OK)
		return oms_seterr("%s: '%s' is not a date", key,
		    cJSON_IsString(v) ? v->valuestring : "(not a string)");
	cJSON_SetValuestring(v, out);
	return OMS_OK;
}

/* A field that must be a string: numbers become their decimal text. */
static int
norm_string(cJSON *obj, const char *key, int required, const char *where)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	char buf[64];

	if (v == NULL || cJSON_IsNull(v) ||
	    (cJSON_IsString(v) && v->valuestring[0] == '\0')) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
		return required ? oms_seterr("%sno %s", where, key) : OMS_OK;
	}
	if (cJSON_IsString(v))
		return OMS_OK;
	if (cJSON_IsNumber(v)) {
		const char *t;
		char m[300];

		/* Wide ones came as strings of digits (oms_json_parse). */
		if (oms_json_id(v, buf, sizeof buf, &t) == OMS_OK) {
			cJSON_ReplaceItemInObjectCaseSensitive(obj, key,
			    cJSON_CreateString(t));
			return OMS_OK;
		}
		snprintf(m, sizeof m, "%s", oms_error());
		return oms_seterr("%s%s: %s", where, key, m);
	}
	return oms_seterr("%s%s must be a string", where, key);
}

static int
norm_qty(cJSON *line, const char *where)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(line, "qty");
	int64_t q;
	int rc;

	if (v == NULL)
		return oms_seterr("%sno qty", where);
	if (oms_json_int(line, "qty", &q) != OMS_OK) {
		/* Name what was given: 2.5, "two", true, [1]. */
		char *t = cJSON_IsString(v) ? NULL : oms_json_print(v);
		const char *given = t != NULL ? t : cJSON_IsString(v) ?
		    v->valuestring : "?";

		rc = oms_seterr("%squantity '%.60s%s' is not a whole number",
		    where, given, strlen(given) > 60 ? "..." : "");
		free(t);
		return rc;
	}
	if (q <= 0 || q > OMS_QTY_MAX)
		return oms_seterr("%squantity %lld is out of range (1 to %d)",
		    where, (long long)q, OMS_QTY_MAX);
	cJSON_ReplaceItemInObjectCaseSensitive(line, "qty",
	    cJSON_CreateNumber((double)q));
	return OMS_OK;
}

/*
 * Units of a line the channel fulfilled itself (or the marketplace did):
 * "fulfilled" true for all of them, or a count; or "fulfillable", the
 * units still to fulfil.  Kept as a count, 0 to qty; none is no field.
 */
static int
norm_fulfilled(cJSON *line, const char *where)
{
	cJSON *f = cJSON_GetObjectItemCaseSensitive(line, "fulfilled");
	cJSON *open = cJSON_GetObjectItemCaseSensitive(line, "fulfillable");
	int64_t q = 0, n = -1;

	oms_json_int(line, "qty", &q);
	if (cJSON_IsTrue(f))
		n = q;
	else if (f != NULL && !cJSON_IsFalse(f) && !cJSON_IsNull(f) &&
	    oms_json_int(line, "fulfilled", &n) != OMS_OK)
		return oms_seterr("%sfulfilled must be true, false or a whole "
		    "number", where);
	if (n < 0 && open != NULL && !cJSON_IsNull(open)) {
		int64_t left;

		if (oms_json_int(line, "fulfillable", &left) != OMS_OK ||
		    left < 0 || left > q)
			return oms_seterr("%sfulfillable must be a whole number "
			    "from 0 to the quantity", where);
		n = q - left;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(line, "fulfilled");
	if (n < 0 || n == 0)
		return OMS_OK;
	if (n > q)
		return oms_seterr("%sfulfilled %lld is more than the quantity "
		    "%lld", where, (long long)n, (long long)q);
	cJSON_AddNumberToObject(line, "fulfilled", (double)n);
	return OMS_OK;
}

/* qty x unit price, or the line total; OMS_ERR when it leaves int64. */
static int
line_amount(const cJSON *l, int exponent, int64_t *out)
{
	int64_t q = 0;

	if (cJSON_GetObjectItemCaseSensitive(l, "total") != NULL) {
		*out = oms_money_field(l, "total", exponent);
		return OMS_OK;
	}
	oms_json_int(l, "qty", &q);
	if (__builtin_mul_overflow(oms_money_field(l, "unit_price", exponent),
	    q, out))
		return oms_seterr("qty x unit_price is out of range");
	return OMS_OK;
}

#define ADD(acc, x) __builtin_add_overflow((acc), (x), &(acc))

/*
 * Bring an order to canonical form: strings where strings belong, money
 * re-written with the currency's exponent, dates in UTC, quantities whole,
 * the missing totals computed from the lines.  An order that cannot be
 * understood fails with a message; one that is merely doubtful is left
 * for oms_order_problems().
 */
int
oms_order_normalize(cJSON *o, int flags)
{
	cJSON *lines, *l, *totals;
	const char *cur, *status;
	int exp, n = 0;
	int64_t sub = 0, disc = 0, tax = 0, sh, ldisc = 0, amt, tot;
	char where[64];

	if (norm_string(o, "channel", 1, "") != OMS_OK ||
	    norm_string(o, "external_id", 1, "") != OMS_OK)
		return OMS_ERR;
	cur = oms_json_str(o, "currency");
	if (cur == NULL || cur[0] == '\0') {
		cJSON_DeleteItemFromObjectCaseSensitive(o, "currency");
		if (!(flags & OMS_NORM_PARTIAL))
			cJSON_AddStringToObject(o, "currency", "XXX");
	} else if (!oms_currency_valid(cur))
		return oms_seterr("currency '%s' is not an ISO 4217 code", cur);
	exp = oms_currency_exponent(oms_json_str(o, "currency"));
	for (size_t i = 0; i < sizeof date_fields / sizeof date_fields[0]; i++)
		if (norm_date(o, date_fields[i]) != OMS_OK)
			return OMS_ERR;
	status = oms_json_str(o, "status");
	if ((flags & OMS_NORM_PARTIAL) && status == NULL &&
	    !cJSON_HasObjectItem(o, "cancelled_at"))
		;	/* a partial record says nothing of the status */
	else if (status == NULL || cJSON_HasObjectItem(o, "cancelled_at")) {
		cJSON_DeleteItemFromObjectCaseSensitive(o, "status");
		cJSON_AddStringToObject(o, "status",
		    cJSON_HasObjectItem(o, "cancelled_at") ? "cancelled" : "open");
	} else if (flags & OMS_NORM_CANONICAL) {
		if (!oms_state_known(status))
			return oms_seterr("status '%s' is not an order status "
			    "(oms(7))", status);
	} else if (strcmp(status, "open") != 0 && strcmp(status, "cancelled") != 0 &&
	    strcmp(status, "fulfilled") != 0 && strcmp(status, "hold") != 0)
		return oms_seterr("status '%s' is not open, cancelled or "
		    "fulfilled", status);
	else if (strcmp(status, "hold") == 0)
		cJSON_SetValuestring(cJSON_GetObjectItemCaseSensitive(o,
		    "status"), "open");
	if (norm_string(o, "account", 0, "") != OMS_OK)
		return OMS_ERR;
	if ((status = oms_json_str(o, "account")) != NULL &&
	    !oms_valid_account(status))
		return oms_seterr("account '%s' is not 1-100 characters with no "
		    "':', '/' or control character", status);
	if ((l = cJSON_GetObjectItemCaseSensitive(o, "payment")) != NULL &&
	    (l = cJSON_GetObjectItemCaseSensitive(l, "on_delivery")) != NULL &&
	    !cJSON_IsBool(l))
		return oms_seterr("payment.on_delivery must be true or false");
	lines = cJSON_GetObjectItemCaseSensitive(o, "lines");
	if (lines != NULL && !cJSON_IsArray(lines))
		return oms_seterr("lines must be an array");
	cJSON_ArrayForEach(l, lines) {
		n++;
		snprintf(where, sizeof where, "line %d: ", n);
		if (!cJSON_IsObject(l))
			return oms_seterr("line %d is not an object", n);
		if (norm_qty(l, where) != OMS_OK ||
		    norm_string(l, "sku", 0, where) != OMS_OK ||
		    norm_string(l, "channel_sku", 0, where) != OMS_OK ||
		    norm_string(l, "line_id", 0, where) != OMS_OK ||
		    norm_string(l, "title", 0, where) != OMS_OK ||
		    norm_fulfilled(l, where) != OMS_OK)
			return OMS_ERR;
		for (size_t i = 0; i < sizeof money_line / sizeof money_line[0]; i++)
			if (norm_money(l, money_line[i], exp, where) != OMS_OK)
				return OMS_ERR;
		/* A channel that gives the line total (Amazon) implies the unit price. */
		if (!cJSON_HasObjectItem(l, "unit_price") &&
		    cJSON_HasObjectItem(l, "total")) {
			int64_t q = 0, t = oms_money_field(l, "total", exp);

			oms_json_int(l, "qty", &q);
			/* t / q rounded half away from zero, without t + q/2. */
			set_money(l, "unit_price", t / q + (t % q >= (q + 1) / 2) -
			    (t % q <= -(q + 1) / 2), exp);
		}
		if (line_amount(l, exp, &amt) != OMS_OK || ADD(sub, amt) ||
		    ADD(ldisc, oms_money_field(l, "discount", exp)) ||
		    ADD(tax, oms_money_field(l, "tax", exp)))
			return oms_seterr("%samounts are out of range", where);
	}
	totals = cJSON_GetObjectItemCaseSensitive(o, "totals");
	if (totals == NULL)
		totals = cJSON_AddObjectToObject(o, "totals");
	else if (!cJSON_IsObject(totals))
		return oms_seterr("totals must be an object");
	for (size_t i = 0; i < sizeof money_totals / sizeof money_totals[0]; i++)
		if (norm_money(totals, money_totals[i], exp, "totals.") != OMS_OK)
			return OMS_ERR;
	/* Prices with the tax in them (VAT, GST): the total adds none. */
	if ((l = cJSON_GetObjectItemCaseSensitive(totals, "tax_included")) !=
	    NULL && !cJSON_IsBool(l))
		return oms_seterr("totals.tax_included must be true or false");
	if (flags & OMS_NORM_PARTIAL) {
		/* Only what the record says: the stored order has the rest. */
		if (totals->child == NULL)
			cJSON_DeleteItemFromObjectCaseSensitive(o, "totals");
		if (cJSON_GetArraySize(lines) == 0)
			cJSON_DeleteItemFromObjectCaseSensitive(o, "lines");
		oms_order_reorder(o);
		return OMS_OK;
	}
	/* Fill in what the channel did not say, from the lines. */
	disc = ldisc;
	if (!cJSON_HasObjectItem(totals, "subtotal"))
		set_money(totals, "subtotal", sub, exp);
	if (!cJSON_HasObjectItem(totals, "shipping"))
		set_money(totals, "shipping", 0, exp);
	if (!cJSON_HasObjectItem(totals, "discount"))
		set_money(totals, "discount", disc, exp);
	if (!cJSON_HasObjectItem(totals, "tax"))
		set_money(totals, "tax", tax, exp);
	if (!cJSON_HasObjectItem(totals, "total")) {
		sub = oms_money_field(totals, "subtotal", exp);
		disc = oms_money_field(totals, "discount", exp);
		sh = oms_money_field(totals, "shipping", exp);
		tax = oms_money_field(totals, "tax", exp);
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(totals,
		    "tax_included")))
			tax = 0;
		if (__builtin_sub_overflow(sub, disc, &tot) || ADD(tot, sh) ||
		    ADD(tot, tax))
			return oms_seterr("totals are out of range");
		set_money(totals, "total", tot, exp);
	}
	oms_order_reorder(o);
	return OMS_OK;
}

static void
reason(cJSON *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
reason(cJSON *a, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cJSON_AddItemToArray(a, cJSON_CreateString(buf));
}

static int
ships_line(const cJSON *l)
{
	return !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(l,
	    "requires_shipping"));
}

static int
empty_field(const cJSON *obj, const char *key)
{
	const char *s = oms_json_str(obj, key);

	return s == NULL || *s == '\0';
}

/*
 * Whether the totals add up, one of the ways channels count them: the
 * subtotal before or after discounts, the total with tax added or
 * included.  An order with no lines has its total checked alone when
 * alone is set (a file that only adds totals to orders), else not at all.
 */
static void
totals_reasons(cJSON *a, const cJSON *o, int alone)
{
	const cJSON *lines = cJSON_GetObjectItemCaseSensitive(o, "lines");
	const cJSON *totals = cJSON_GetObjectItemCaseSensitive(o, "totals");
	const cJSON *l;
	int exp = oms_currency_exponent(oms_json_str(o, "currency")), n = 0;
	int64_t sum = 0, ldisc = 0, s, d, sh, t, tot, amt, x1, x2, x3, x4, y;
	int ovf = 0;
	char b1[OMS_MONEY_BUFSZ], b2[OMS_MONEY_BUFSZ];

	cJSON_ArrayForEach(l, lines) {
		n++;
		if (line_amount(l, exp, &amt) != OMS_OK || ADD(sum, amt) ||
		    ADD(ldisc, oms_money_field(l, "discount", exp)))
			ovf = 1;
	}
	if (ovf)
		reason(a, "amounts are out of range");
	else if (totals != NULL && (n > 0 || alone)) {
		s = oms_money_field(totals, "subtotal", exp);
		d = oms_money_field(totals, "discount", exp);
		sh = oms_money_field(totals, "shipping", exp);
		t = oms_money_field(totals, "tax", exp);
		tot = oms_money_field(totals, "total", exp);
		/* x1..x4: the four ways channels count the total. */
		if (__builtin_add_overflow(s, sh, &x4) ||
		    __builtin_add_overflow(x4, t, &x1) ||
		    __builtin_sub_overflow(x4, d, &x2) ||
		    __builtin_add_overflow(x2, t, &x3))
			reason(a, "totals are out of range");
		else if (n > 0 && s != sum && (__builtin_sub_overflow(sum, ldisc, &y) ||
		    s != y) && (__builtin_sub_overflow(sum, d, &y) || s != y))
			reason(a, "totals do not add up: the lines come to %s "
			    "but the subtotal is %s",
			    oms_money_format(sum, exp, b1, sizeof b1),
			    oms_money_format(s, exp, b2, sizeof b2));
		else if (tot != x1 && tot != x3 && tot != x4 && tot != x2)
			reason(a, "totals do not add up: subtotal, discount, "
			    "shipping and tax come to %s but the total is %s",
			    oms_money_format(x3, exp, b1, sizeof b1),
			    oms_money_format(tot, exp, b2, sizeof b2));
	}
}

/* The totals of an order that do not add up, whatever its status. */
cJSON *
oms_order_totals_check(const cJSON *o)
{
	cJSON *a = cJSON_CreateArray();

	totals_reasons(a, o, 1);
	return a;
}

/*
 * Why an open order cannot go ahead as it is: an empty array when it can.
 * Totals must add up one of the ways channels count them: the subtotal
 * before or after discounts, the total with tax added or included.
 * unknown, when not NULL, has one item per line: the reason that line's
 * channel SKU has no listing, or null (see resolve()).  done, when not
 * NULL, has one item per line, true for a line whose units are all
 * cancelled: its sku is nobody's problem.
 */
static cJSON *
problems_of(const cJSON *o, const cJSON *unknown, const cJSON *done,
    int totals)
{
	cJSON *a = cJSON_CreateArray();
	const cJSON *lines = cJSON_GetObjectItemCaseSensitive(o, "lines");
	const cJSON *ship = cJSON_GetObjectItemCaseSensitive(o, "ship_to");
	const cJSON *pay = cJSON_GetObjectItemCaseSensitive(o, "payment");
	const cJSON *l;
	const char *status = oms_json_str(o, "status"), *ps;
	const char *cur = oms_json_str(o, "currency");
	int n = 0;
	int open_lines = 0, unpaid = 0;

	if (status != NULL && strcmp(status, "open") != 0)
		return a;
	if (cJSON_GetArraySize(lines) == 0)
		reason(a, "no lines");
	cJSON_ArrayForEach(l, lines) {
		int gone = cJSON_IsTrue(cJSON_GetArrayItem(done, n));
		int64_t q = 0, f = 0;

		/* All of it fulfilled by the channel: nothing of ours to ship. */
		oms_json_int(l, "qty", &q);
		oms_json_int(l, "fulfilled", &f);
		if (f >= q)
			gone = 1;
		else if (!gone && ships_line(l))
			open_lines = 1;
		n++;
		if (!gone && empty_field(l, "sku") && !cJSON_IsFalse(
		    cJSON_GetObjectItemCaseSensitive(l, "requires_shipping"))) {
			const char *title = oms_json_str(l, "title");

			if (title != NULL)
				reason(a, "line %d (%s): no sku", n, title);
			else
				reason(a, "line %d: no sku", n);
		}
		if (!gone && cJSON_IsString(cJSON_GetArrayItem(unknown, n - 1)))
			cJSON_AddItemToArray(a, cJSON_CreateString(
			    cJSON_GetArrayItem(unknown, n - 1)->valuestring));
	}
	if (cur == NULL || strcmp(cur, "XXX") == 0)
		reason(a, "no currency");
	/*
	 * Not paid yet, nor paid at the door, nor on payment terms: it waits,
	 * and its address (a channel may give none before payment) with it.
	 */
	if (open_lines && pay != NULL && (ps = oms_json_str(pay, "status")) !=
	    NULL && strcmp(ps, "pending") == 0 && !cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(pay, "on_delivery")) &&
	    empty_field(pay, "terms")) {
		reason(a, "awaiting payment (payment status pending)");
		unpaid = 1;
	}
	if (n > 0 && open_lines && !unpaid) {
		static const char *const need[] = { "address1", "city", "country" };
		struct oms_buf miss = { 0 };
		const char *country = ship ? oms_json_str(ship, "country") : NULL;

		for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
			if (ship == NULL || empty_field(ship, need[i]))
				oms_buf_printf(&miss, "%s%s", miss.len ? ", " : "",
				    need[i]);
		if (ship == NULL || empty_field(ship, "postal_code")) {
			char cc[5];

			snprintf(cc, sizeof cc, " %.2s ", country ? country : "");
			if (country == NULL || strlen(country) != 2 ||
			    strstr(no_postcode, cc) == NULL)
				oms_buf_printf(&miss, "%spostal_code",
				    miss.len ? ", " : "");
		}
		if (miss.len > 0)
			reason(a, "incomplete ship_to address: no %s", miss.s);
		oms_buf_free(&miss);
	}
	if (totals)
		totals_reasons(a, o, 0);
	return a;
}

static const char sql_reasons[] =
    "SELECT hold_reasons FROM orders WHERE id = ?";

static int
stored_reasons(oms_db *db, int64_t id, cJSON **out)
{
	oms_stmt *st = oms_db_stmt(db, sql_reasons);
	int rc;

	*out = NULL;
	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	if ((rc = oms_step(st)) == OMS_ROW &&
	    !oms_col_null(st, 0))
		*out = cJSON_Parse(oms_col_text(st, 0));
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read an order");
	return OMS_OK;
}


static const char sql_progress[] =
    "SELECT progress FROM order_state WHERE order_id = ?";

/*
 * What the channel's own fulfilment makes of an order that nothing of
 * ours has touched: "partly_shipped" or "fulfilled" in out, else "".
 * A stored order (id) is read from its lines, which know what is
 * cancelled; a new one from its record.
 */
static int
channel_progress(oms_db *db, int64_t id, const cJSON *o, char out[32])
{
	const cJSON *l;
	int64_t want = 0, gone = 0;

	out[0] = '\0';
	if (id != 0) {
		oms_stmt *st = oms_db_stmt(db, sql_progress);
		int rc;

		if (st == NULL)
			return OMS_ERR;
		oms_bind_int64(st, 1, id);
		if ((rc = oms_step(st)) == OMS_ROW) {
			const char *p = oms_col_text(st, 0);

			if (strcmp(p, "partly_shipped") == 0 ||
			    strcmp(p, "fulfilled") == 0)
				snprintf(out, 32, "%s", p);
		}
		oms_reset(st);
		if (rc != OMS_ROW)
			return oms_db_fail(db, rc, "cannot read an order's state");
		return OMS_OK;
	}
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(o, "lines")) {
		int64_t q = 0, f = 0;

		if (!ships_line(l))
			continue;
		oms_json_int(l, "qty", &q);
		oms_json_int(l, "fulfilled", &f);
		want += q;
		gone += f;
	}
	if (gone > 0)
		snprintf(out, 32, "%s", gone >= want ? "fulfilled" :
		    "partly_shipped");
	return OMS_OK;
}

static const char sql_lines_done[] =
    "SELECT cancelled >= qty FROM order_lines WHERE order_id = ? "
    "ORDER BY line_no";

/* One item a line of order id: true when all its units are cancelled. */
static int
lines_done(oms_db *db, int64_t id, cJSON **out)
{
	oms_stmt *st = oms_db_stmt(db, sql_lines_done);
	int rc;

	*out = cJSON_CreateArray();
	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	while ((rc = oms_step(st)) == OMS_ROW)
		cJSON_AddItemToArray(*out, cJSON_CreateBool(
		    oms_col_int(st, 0)));
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read an order's lines");
	return OMS_OK;
}

/*
 * The checks that need no database (no SKU mapping); with totals 0, all
 * but whether the totals add up (oms_order_totals_check says that).
 */
cJSON *
oms_order_problems(const cJSON *o, int totals)
{
	return problems_of(o, NULL, NULL, totals);
}

static const char sql_channel_listed[] =
    "SELECT 1 FROM listings WHERE channel = ? LIMIT 1";

static const char sql_listing_sku[] =
    "SELECT sku FROM listings WHERE channel = ? AND channel_sku = ?";

/* Whether the catalog has any listing for the channel. */
static int
channel_listed(oms_db *db, const char *channel, int *listed)
{
	oms_stmt *st = oms_db_stmt(db, sql_channel_listed);
	int rc;

	*listed = 0;
	if (st == NULL)
		return OMS_ERR;
	oms_bind_static(st, 1, channel);
	rc = oms_step(st);
	oms_reset(st);
	if (rc == OMS_ROW)
		*listed = 1;
	else if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the listings");
	return OMS_OK;
}

/*
 * Map the lines of o to master SKUs through the listings of its channel,
 * inside the caller's transaction.  A line's channel SKU is its
 * channel_sku, else its sku; a listing (channel, channel SKU) sets sku to
 * its master SKU, whether the listing is active or not (an order for an
 * ended listing was still sold), and channel_sku keeps what the channel
 * said.  A channel with no listing at all has not set up its catalog:
 * its SKUs are taken as they are.  *unknown gets one item per line, the
 * hold reason of a line that ships and whose channel SKU has no listing
 * (its sku stays as the channel gave it), else null; NULL when the
 * channel has no listings.  *changed says whether a line was rewritten
 * (its sku mapped, or its channel_sku filled in).
 */
static int
resolve(oms_db *db, cJSON *o, cJSON **unknown, int *changed)
{
	cJSON *lines = cJSON_GetObjectItemCaseSensitive(o, "lines"), *l;
	const char *channel = oms_json_str(o, "channel");
	oms_stmt *st;
	int listed, rc, n = 0;

	*unknown = NULL;
	*changed = 0;
	if (channel == NULL || cJSON_GetArraySize(lines) == 0)
		return OMS_OK;
	if ((rc = channel_listed(db, channel, &listed)) != OMS_OK || !listed)
		return rc;
	*unknown = cJSON_CreateArray();
	cJSON_ArrayForEach(l, lines) {
		const char *csku = oms_json_str(l, "channel_sku");
		const char *sku = oms_json_str(l, "sku");
		const char *title;

		n++;
		if (csku == NULL || *csku == '\0')
			csku = sku;
		if (csku == NULL || *csku == '\0') {
			/* No SKU at all: oms_order_problems() says so. */
			cJSON_AddItemToArray(*unknown, cJSON_CreateNull());
			continue;
		}
		if ((st = oms_db_stmt(db, sql_listing_sku)) == NULL)
			goto fail;
		oms_bind_static(st, 1, channel);
		oms_bind_text(st, 2, csku);
		rc = oms_step(st);
		if (rc == OMS_ROW) {
			const char *master = oms_col_text(st,
			    0);

			if (!cJSON_HasObjectItem(l, "channel_sku")) {
				/* Before sku changes: csku may be its text. */
				cJSON_AddStringToObject(l, "channel_sku", csku);
				*changed = 1;
			}
			if (sku == NULL || strcmp(sku, master) != 0) {
				*changed = 1;
				if (sku == NULL)
					cJSON_AddStringToObject(l, "sku", master);
				else
					cJSON_SetValuestring(
					    cJSON_GetObjectItemCaseSensitive(l,
					    "sku"), master);
			}
			oms_reset(st);
			cJSON_AddItemToArray(*unknown, cJSON_CreateNull());
			continue;
		}
		oms_reset(st);
		if (rc != OMS_DONE) {
			oms_db_fail(db, rc, "cannot read the listings");
			goto fail;
		}
		/* A gift card or a tip ships nothing and needs no listing. */
		if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(l,
		    "requires_shipping"))) {
			cJSON_AddItemToArray(*unknown, cJSON_CreateNull());
			continue;
		}
		title = oms_json_str(l, "title");
		if (title != NULL)
			reason(*unknown, "line %d (%s): unknown sku '%s' on %s", n,
			    title, csku, channel);
		else
			reason(*unknown, "line %d: unknown sku '%s' on %s", n,
			    csku, channel);
	}
	if (*changed)
		oms_order_reorder(o);
	return OMS_OK;
fail:
	cJSON_Delete(*unknown);
	*unknown = NULL;
	return OMS_ERR;
}

/*
 * Map the lines of o through the catalog (see resolve()) and say why it
 * cannot go ahead: store and release both judge an order this way.
 * *changed, when not NULL, says whether a line was rewritten.
 */
int
oms_order_check(oms_db *db, cJSON *o, cJSON **problems, int *changed)
{
	cJSON *unknown;
	int ch, rc;

	*problems = NULL;
	if ((rc = resolve(db, o, &unknown, &ch)) != OMS_OK)
		return rc;
	*problems = problems_of(o, unknown, NULL, 1);
	cJSON_Delete(unknown);
	if (changed != NULL)
		*changed = ch;
	return OMS_OK;
}

/* Copy a string field of the record into a bound parameter. */
static void
bind_str(oms_stmt *st, int i, const cJSON *obj, const char *key)
{
	const char *s = obj ? oms_json_str(obj, key) : NULL;

	if (s != NULL && *s != '\0')
		oms_bind_text(st, i, s);
	else
		oms_bind_null(st, i);
}

static void
bind_money(oms_stmt *st, int i, const cJSON *obj, const char *key, int exp)
{
	if (obj != NULL && oms_json_str(obj, key) != NULL)
		oms_bind_int64(st, i, oms_money_field(obj, key, exp));
	else
		oms_bind_null(st, i);
}

#define FIND_COLUMNS "SELECT id, digest, status, record, hold_reasons, " \
    "sources, version_at, channel_status, hold_kind, external_id FROM orders "

static const char sql_find[] = FIND_COLUMNS
    "WHERE channel = ?1 AND account = ?2 AND external_id = ?3";

static void identity_text(const cJSON *, const char *, char *, size_t);

/* The order stored under the key it had before its channel numbered it. */
static const char sql_find_unnumbered[] = FIND_COLUMNS
    "WHERE channel = ?1 AND account = ?2 AND external_id = ?3 AND "
    "(alias = ?3 OR CAST(json_extract(record, '$.' || ?4) AS TEXT) = ?3)";

/* The order numbered since, of a version from before. */
static const char sql_find_numbered[] = FIND_COLUMNS
    "WHERE channel = ?1 AND account = ?2 AND alias = ?3 ORDER BY id LIMIT 1";

/*
 * The order o is a version of, if stored: by its key, or, for a channel
 * that numbers an order only once it is paid (eBay: the record number
 * before, the order number after), by the key it had before.  *st is
 * left on the row found, or NULL.  o's key becomes the stored one for a
 * version from before the number, so it does not undo it.
 */
static int
find_order(oms_db *db, cJSON *o, const struct oms_store_in *in,
    const char *account, oms_stmt **out)
{
	const char *key = oms_json_str(o, "external_id");
	char alias[64];
	oms_stmt *st;
	int rc, pass;

	*out = NULL;
	identity_text(o, in->alias, alias, sizeof alias);
	for (pass = 0; pass < 3; pass++) {
		if (pass > 0 && (alias[0] == '\0' || (in->flags &
		    OMS_STORE_MERGE) || (pass == 1) != (key == NULL ||
		    strcmp(alias, key) != 0)))
			continue;
		if ((st = oms_db_stmt(db, pass == 0 ? sql_find : pass == 1 ?
		    sql_find_unnumbered : sql_find_numbered)) == NULL)
			return OMS_ERR;
		bind_str(st, 1, o, "channel");
		oms_bind_text(st, 2, account);
		if (pass == 0)
			bind_str(st, 3, o, "external_id");
		else
			oms_bind_text(st, 3, alias);
		if (pass == 1)
			oms_bind_text(st, 4, in->alias);
		if ((rc = oms_step(st)) == OMS_ROW) {
			if (pass == 2)
				cJSON_ReplaceItemInObjectCaseSensitive(o,
				    "external_id", cJSON_CreateString(oms_col_text(st, 9)));
			*out = st;
			return OMS_OK;
		}
		oms_reset(st);
		if (rc != OMS_DONE)
			return oms_db_fail(db, rc, "cannot look up an order");
	}
	return OMS_OK;
}

static const char sql_sources[] =
    "SELECT record FROM order_sources WHERE order_id = ? ORDER BY source";

static const char sql_put_source[] =
    "INSERT INTO order_sources (order_id, source, record, digest) "
    "VALUES (?, ?, ?, ?) ON CONFLICT (order_id, source) DO UPDATE SET "
    "record = excluded.record, digest = excluded.digest";

static const char sql_count_sources[] =
    "UPDATE orders SET sources = (SELECT count(*) FROM order_sources "
    "WHERE order_id = ?1) WHERE id = ?1";

/*
 * Lay the order-level fields of src over dst: lines stay, objects are
 * laid key by key, everything else is replaced.
 */
static void
overlay(cJSON *dst, const cJSON *src)
{
	const cJSON *v, *w;

	cJSON_ArrayForEach(v, src) {
		cJSON *d = cJSON_GetObjectItemCaseSensitive(dst, v->string);

		if (strcmp(v->string, "lines") == 0)
			continue;
		if (cJSON_IsObject(v) && cJSON_IsObject(d)) {
			cJSON_ArrayForEach(w, v) {
				cJSON_DeleteItemFromObjectCaseSensitive(d,
				    w->string);
				cJSON_AddItemToObject(d, w->string,
				    cJSON_Duplicate(w, 1));
			}
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(dst, v->string);
		cJSON_AddItemToObject(dst, v->string, cJSON_Duplicate(v, 1));
	}
}

static void
replace_contents(cJSON *dst, const cJSON *src)
{
	const cJSON *v;

	while (dst->child != NULL)
		cJSON_Delete(cJSON_DetachItemViaPointer(dst, dst->child));
	cJSON_ArrayForEach(v, src)
		cJSON_AddItemToObject(dst, v->string, cJSON_Duplicate(v, 1));
}

/* What merge sources said of this order, laid over a new version of it. */
static int
lay_sources(oms_db *db, int64_t id, cJSON *o)
{
	oms_stmt *st = oms_db_stmt(db, sql_sources);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *src = cJSON_Parse(oms_col_text(st,
		    0));

		if (src != NULL)
			overlay(o, src);
		cJSON_Delete(src);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read an order's sources");
	oms_order_reorder(o);
	return OMS_OK;
}

static void
hexdigest(const char *text, char out[17])
{
	uint64_t h = oms_hash64(text, strlen(text), OMS_HASH_INIT);

	for (int i = 15; i >= 0; i--, h >>= 4)
		out[i] = "0123456789abcdef"[h & 15];
	out[16] = '\0';
}

static const char sql_source_digest[] =
    "SELECT digest FROM order_sources WHERE order_id = ? AND source = ?";

/* The digest of what a source said of an order last; "" if nothing. */
static int
source_digest(oms_db *db, int64_t id, const char *source, char out[17])
{
	oms_stmt *st = oms_db_stmt(db, sql_source_digest);
	int rc;

	out[0] = '\0';
	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	oms_bind_static(st, 2, source);
	rc = oms_step(st);
	if (rc == OMS_ROW)
		snprintf(out, 17, "%s", oms_col_text(st, 0));
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read an order's sources");
	return OMS_OK;
}

static int
put_source(oms_db *db, int64_t id, const char *source, const cJSON *rec,
    const char *digest)
{
	oms_stmt *st = oms_db_stmt(db, sql_put_source);
	char *text;
	int rc;

	if (st == NULL)
		return OMS_ERR;
	text = oms_json_print(rec);
	oms_bind_int64(st, 1, id);
	oms_bind_static(st, 2, source);
	oms_bind_text(st, 3, text);
	oms_bind_static(st, 4, digest);
	rc = oms_step(st);
	oms_reset(st);
	free(text);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot store an order's source");
	if ((st = oms_db_stmt(db, sql_count_sources)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	rc = oms_step(st);
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot store an order's source");
	return OMS_OK;
}

static const char sql_insert[] =
    "INSERT INTO orders (channel, account, external_id, status, hold_reasons, "
    "channel_status, payment_status, placed_at, imported_at, updated_at, "
    "currency, customer_email, segment, ship_postal_code, ship_region, "
    "ship_country, service, ship_by, deliver_by, priority, subtotal, "
    "shipping, discount, tax, total, refunded, digest, record, version_at, "
    "status_at, hold_kind, alias) VALUES "
    "(?1, ?27, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
    "?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?28, ?8, "
    "?30, ?29) "
    "RETURNING id";

/* The hold_kind of a hold the import's checks made: the import lifts it. */
#define HOLD_PROBLEMS "problems"

/*
 * The INSERT and the UPDATE share their values: the INSERT takes ?1 to
 * ?30, the UPDATE all 32.  PostgreSQL types a value only where the
 * statement uses it, hence no gap below the last one, and the channel
 * and account the order was found by named again in the UPDATE.
 */
static const char sql_update[] =
    "UPDATE orders SET status = ?3, external_id = ?2, "
    "alias = coalesce(?29, alias), "
    "hold_reasons = CASE WHEN ?31 <> 0 THEN ?4 ELSE hold_reasons END, "
    "hold_kind = CASE WHEN ?31 <> 0 THEN ?30 ELSE hold_kind END, "
    "channel_status = ?5, "
    "payment_status = ?6, placed_at = ?7, updated_at = ?8, currency = ?9, "
    "customer_email = ?10, segment = ?11, ship_postal_code = ?12, "
    "ship_region = ?13, ship_country = ?14, service = ?15, ship_by = ?16, "
    "deliver_by = ?17, priority = ?18, subtotal = ?19, shipping = ?20, "
    "discount = ?21, tax = ?22, total = ?23, refunded = ?24, digest = ?25, "
    "record = ?26, "
    "version_at = CASE WHEN CAST(?28 AS TEXT) IS NOT NULL AND (version_at IS "
    "NULL OR "
    "?28 > version_at) THEN ?28 ELSE version_at END, "
    "status_at = CASE WHEN status = ?3 THEN status_at ELSE ?8 END "
    "WHERE id = ?32 AND channel = ?1 AND account = ?27 RETURNING id";

static const char sql_old_lines[] =
    "SELECT line_no, line_id, sku, qty, allocated, shipped, cancelled, ships, "
    "returned FROM order_lines WHERE order_id = ? ORDER BY line_no";

static const char sql_del_lines[] =
    "DELETE FROM order_lines WHERE order_id = ?";

static const char sql_ins_line[] =
    "INSERT INTO order_lines (order_id, line_no, line_id, sku, channel_sku, "
    "title, qty, unit_price, discount, tax, allocated, shipped, cancelled, "
    "ships, fulfilled, returned) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

/* Line numbers moved through a range no line uses, then into place. */
#define RENUMBER (-1000000)

static const char sql_renumber_allocs[] =
    "UPDATE allocations SET line_no = ?3 WHERE order_id = ?1 AND line_no = ?2";

static const char sql_renumber_shipped[] =
    "UPDATE shipment_lines SET line_no = ?3 WHERE line_no = ?2 AND "
    "shipment_id IN (SELECT id FROM shipments WHERE order_id = ?1)";

/* Returns and refunds name an order's lines by number too. */
static const char sql_renumber_returns[] =
    "UPDATE return_lines SET order_line = ?3 WHERE order_line = ?2 AND "
    "return_id IN (SELECT id FROM returns WHERE order_id = ?1)";

static const char sql_renumber_refunds[] =
    "UPDATE refund_lines SET order_line = ?3 WHERE order_line = ?2 AND "
    "refund_id IN (SELECT id FROM refunds WHERE order_id = ?1)";

static const char sql_renumber_done_r[] =
    "UPDATE return_lines SET order_line = ?2 - order_line WHERE order_line "
    "<= ?2 AND return_id IN (SELECT id FROM returns WHERE order_id = ?1)";

static const char sql_renumber_done_f[] =
    "UPDATE refund_lines SET order_line = ?2 - order_line WHERE order_line "
    "<= ?2 AND refund_id IN (SELECT id FROM refunds WHERE order_id = ?1)";

static const char sql_renumber_done_a[] =
    "UPDATE allocations SET line_no = ?2 - line_no "
    "WHERE order_id = ?1 AND line_no <= ?2";

static const char sql_renumber_done_s[] =
    "UPDATE shipment_lines SET line_no = ?2 - line_no WHERE line_no <= ?2 "
    "AND shipment_id IN (SELECT id FROM shipments WHERE order_id = ?1)";

struct oline {
	int line_no, ships, matched, release;
	char *line_id, *sku;
	int64_t qty, allocated, shipped, cancelled, returned;
};

/* What a new version's lines did to an order's own. */
struct line_changes {
	int changed;		/* a line came, went, or changed sku, quantity
				   or whether it ships */
	long released;		/* allocations released for it */
	cJSON *conflicts;	/* units shipped that the order no longer has */
};


static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
renumber(oms_db *db, int64_t id, int from, int to)
{
	oms_stmt *st;
	int rc;

	if ((st = oms_db_stmt(db, sql_renumber_allocs)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	oms_bind_int(st, 2, from);
	oms_bind_int(st, 3, to);
	if ((rc = oms_db_step_done(db, st, "cannot renumber allocations")) !=
	    OMS_OK)
		return rc;
	if ((st = oms_db_stmt(db, sql_renumber_shipped)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	oms_bind_int(st, 2, from);
	oms_bind_int(st, 3, to);
	if ((rc = oms_db_step_done(db, st, "cannot renumber shipment lines")) !=
	    OMS_OK)
		return rc;
	if ((rc = oms_db_run(db, sql_renumber_returns, "cannot renumber "
	    "return lines", "Iii", id, from, to)) != OMS_OK)
		return rc;
	return oms_db_run(db, sql_renumber_refunds, "cannot renumber refund "
	    "lines", "Iii", id, from, to);
}

/*
 * Store the lines of o as order id's, inside the caller's transaction,
 * keeping what each line has been through.  A new line is the old line
 * with the same line id, else the next old line with the same sku: it
 * keeps the old one's allocated, shipped and cancelled units, and its
 * allocations and shipment lines follow it to its new number.  An old
 * line that no longer matches, or now wants fewer units than it has
 * allocated, has its allocations released (routing takes it again); units
 * shipped that the order no longer wants are conflicts, said in
 * ch->conflicts, and their allocations keep the old line's number,
 * negated, so that `oms check` can show them.
 */
static int
match_lines(oms_db *db, int64_t id, const cJSON *o, int exp,
    struct line_changes *ch)
{
	const cJSON *lines = cJSON_GetObjectItemCaseSensitive(o, "lines"), *l;
	struct oline *old = NULL;
	int nold = 0, nnew = cJSON_GetArraySize(lines), *map = NULL, rc, j;
	oms_stmt *st;

	memset(ch, 0, sizeof *ch);
	ch->conflicts = cJSON_CreateArray();
	if ((st = oms_db_stmt(db, sql_old_lines)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	while ((rc = oms_step(st)) == OMS_ROW) {
		struct oline *x;

		old = erealloc(old, (size_t)(nold + 1) * sizeof *old);
		x = &old[nold++];
		memset(x, 0, sizeof *x);
		x->line_no = oms_col_int(st, 0);
		if (!oms_col_null(st, 1))
			x->line_id = estrdup(oms_col_text(st,
			    1));
		if (!oms_col_null(st, 2))
			x->sku = estrdup(oms_col_text(st, 2));
		x->qty = oms_col_int64(st, 3);
		x->allocated = oms_col_int64(st, 4);
		x->shipped = oms_col_int64(st, 5);
		x->cancelled = oms_col_int64(st, 6);
		x->ships = oms_col_int(st, 7);
		x->returned = oms_col_int64(st, 8);
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		rc = oms_db_fail(db, rc, "cannot read an order's lines");
		goto out;
	}
	map = emalloc((size_t)(nnew ? nnew : 1) * sizeof *map);
	/* By line id, then by sku in order, then lines with no sku in order. */
	for (int pass = 0; pass < 3; pass++) {
		j = 0;
		cJSON_ArrayForEach(l, lines) {
			const char *lid = oms_json_str(l, "line_id");
			const char *sku = oms_json_str(l, "sku");

			if (pass == 0)
				map[j] = -1;
			for (int i = 0; map[j] < 0 && i < nold; i++) {
				if (old[i].matched)
					continue;
				if ((pass == 0 && lid != NULL && old[i].line_id &&
				    strcmp(lid, old[i].line_id) == 0) ||
				    (pass == 1 && sku != NULL && old[i].sku &&
				    strcmp(sku, old[i].sku) == 0 &&
				    (lid == NULL || old[i].line_id == NULL)) ||
				    (pass == 2 && sku == NULL && old[i].sku == NULL &&
				    (lid == NULL || old[i].line_id == NULL))) {
					map[j] = i;
					old[i].matched = 1;
				}
			}
			j++;
		}
	}
	/* What each match keeps, and what it no longer may. */
	j = 0;
	cJSON_ArrayForEach(l, lines) {
		struct oline *x = map[j] >= 0 ? &old[map[j]] : NULL;
		const char *sku = oms_json_str(l, "sku");
		const char *title = oms_json_str(l, "title");
		int64_t q = 0, want, ful = 0, gone;
		char what[160];

		oms_json_int(l, "qty", &q);
		oms_json_int(l, "fulfilled", &ful);
		j++;
		if (x == NULL) {
			ch->changed = 1;
			continue;
		}
		/* What has left: ours, or the channel's own, the greater. */
		gone = ful > x->shipped ? ful : x->shipped;
		snprintf(what, sizeof what, "line %d (%s)", j, sku ? sku : title ?
		    title : "no sku");
		if (q != x->qty || !same_str(sku, x->sku) ||
		    ships_line(l) != x->ships)
			ch->changed = 1;
		/* The channel taking units off absorbs units cancelled here. */
		if (q < x->qty) {
			x->cancelled -= x->qty - q;
			if (x->cancelled < 0)
				x->cancelled = 0;
		}
		if (x->cancelled > q - gone)
			x->cancelled = q - gone > 0 ? q - gone : 0;
		want = q - x->cancelled;
		if (!same_str(sku, x->sku) && x->shipped > 0)
			reason(ch->conflicts, "%s: was %s when %lld shipped",
			    what, x->sku ? x->sku : "no sku",
			    (long long)x->shipped);
		else if (x->shipped > want)
			reason(ch->conflicts, "%s: the order now wants %lld but "
			    "%lld shipped", what, (long long)want,
			    (long long)x->shipped);
		/* Allocated beyond what the channel left to us: released. */
		if (x->allocated > x->shipped && (!same_str(sku, x->sku) ||
		    x->allocated > want - (gone - x->shipped) || !ships_line(l)))
			x->release = 1;
	}
	for (int i = 0; i < nold; i++) {
		if (old[i].matched)
			continue;
		ch->changed = 1;
		if (old[i].allocated > old[i].shipped)
			old[i].release = 1;
		if (old[i].shipped > 0)
			reason(ch->conflicts, "line %d (%s): %lld shipped, but the "
			    "order no longer has it", old[i].line_no,
			    old[i].sku ? old[i].sku : "no sku",
			    (long long)old[i].shipped);
	}
	if (nold == 0)
		goto insert;
	/* Releases go by the old numbers, before anything moves. */
	for (int i = 0; i < nold; i++) {
		long n = 0;

		if (!old[i].release)
			continue;
		if ((rc = oms_alloc_release(db, id, old[i].line_no,
		    "order changed", &n)) != OMS_OK)
			goto out;
		ch->released += n;
		old[i].allocated = old[i].shipped;
	}
	/* Then allocations and shipment lines follow their lines. */
	for (j = 0; j < nnew; j++)
		if (map[j] >= 0 && old[map[j]].line_no != j + 1 &&
		    (rc = renumber(db, id, old[map[j]].line_no,
		    RENUMBER - (j + 1))) != OMS_OK)
			goto out;
	for (int i = 0; i < nold; i++)
		if (!old[i].matched && (rc = renumber(db, id, old[i].line_no,
		    -old[i].line_no)) != OMS_OK)
			goto out;
	if ((st = oms_db_stmt(db, sql_renumber_done_a)) == NULL)
		goto fail;
	oms_bind_int64(st, 1, id);
	oms_bind_int(st, 2, RENUMBER);
	if ((rc = oms_db_step_done(db, st, "cannot renumber allocations")) !=
	    OMS_OK)
		goto out;
	if ((st = oms_db_stmt(db, sql_renumber_done_s)) == NULL)
		goto fail;
	oms_bind_int64(st, 1, id);
	oms_bind_int(st, 2, RENUMBER);
	if ((rc = oms_db_step_done(db, st, "cannot renumber shipment lines")) !=
	    OMS_OK)
		goto out;
	if ((rc = oms_db_run(db, sql_renumber_done_r, "cannot renumber return "
	    "lines", "Ii", id, RENUMBER)) != OMS_OK ||
	    (rc = oms_db_run(db, sql_renumber_done_f, "cannot renumber refund "
	    "lines", "Ii", id, RENUMBER)) != OMS_OK)
		goto out;
	if ((st = oms_db_stmt(db, sql_del_lines)) == NULL)
		goto fail;
	oms_bind_int64(st, 1, id);
	if ((rc = oms_db_step_done(db, st, "cannot replace order lines")) !=
	    OMS_OK)
		goto out;
insert:
	j = 0;
	cJSON_ArrayForEach(l, lines) {
		const struct oline *x = map[j] >= 0 ? &old[map[j]] : NULL;
		int64_t q = 0, ful = 0;

		if ((st = oms_db_stmt(db, sql_ins_line)) == NULL)
			goto fail;
		oms_json_int(l, "qty", &q);
		oms_json_int(l, "fulfilled", &ful);
		oms_bind_int64(st, 1, id);
		oms_bind_int(st, 2, ++j);
		bind_str(st, 3, l, "line_id");
		bind_str(st, 4, l, "sku");
		bind_str(st, 5, l, "channel_sku");
		bind_str(st, 6, l, "title");
		oms_bind_int64(st, 7, q);
		bind_money(st, 8, l, "unit_price", exp);
		bind_money(st, 9, l, "discount", exp);
		bind_money(st, 10, l, "tax", exp);
		oms_bind_int64(st, 11, x ? x->allocated : 0);
		oms_bind_int64(st, 12, x ? x->shipped : 0);
		oms_bind_int64(st, 13, x ? x->cancelled : 0);
		oms_bind_int(st, 14, ships_line(l));
		oms_bind_int64(st, 15, ful);
		oms_bind_int64(st, 16, x ? x->returned : 0);
		if ((rc = oms_db_step_done(db, st, "cannot store an order line")) !=
		    OMS_OK)
			goto out;
	}
	rc = OMS_OK;
	goto out;
fail:
	rc = OMS_ERR;
out:
	for (int i = 0; i < nold; i++) {
		free(old[i].line_id);
		free(old[i].sku);
	}
	free(old);
	free(map);
	return rc;
}

/* The before and after of every top-level field that differs. */
static void
diff(const cJSON *old, const cJSON *new, cJSON **before, cJSON **after)
{
	const cJSON *v;

	*before = cJSON_CreateObject();
	*after = cJSON_CreateObject();
	cJSON_ArrayForEach(v, old) {
		const cJSON *w = cJSON_GetObjectItemCaseSensitive(new, v->string);

		if (w == NULL || !cJSON_Compare(v, w, 1)) {
			cJSON_AddItemToObject(*before, v->string,
			    cJSON_Duplicate(v, 1));
			cJSON_AddItemToObject(*after, v->string,
			    w ? cJSON_Duplicate(w, 1) : cJSON_CreateNull());
		}
	}
	cJSON_ArrayForEach(v, new)
		if (!cJSON_HasObjectItem(old, v->string)) {
			cJSON_AddItemToObject(*before, v->string,
			    cJSON_CreateNull());
			cJSON_AddItemToObject(*after, v->string,
			    cJSON_Duplicate(v, 1));
		}
}

static int
event_json(oms_db *db, int64_t id, const char *action, cJSON *before,
    cJSON *after)
{
	char *b = before ? oms_json_print(before) : NULL;
	char *a = after ? oms_json_print(after) : NULL;
	int rc = oms_db_event(db, id, action, b, a);

	free(b);
	free(a);
	cJSON_Delete(before);
	cJSON_Delete(after);
	return rc;
}

static int
word_in(const char *w, const char *list)
{
	size_t n = strlen(w);

	for (const char *p = list; (p = strstr(p, w)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/*
 * The status an import gives an order that nothing has been allocated to
 * or shipped from (old NULL: a new one): the channel's cancelled or
 * fulfilled, else open, or hold when it has problems, or fulfilled when
 * nothing in it ships.  A cancelled order comes back only when the
 * channel had cancelled it and no longer says so; routing's backordered
 * stays until a problem holds it.
 */
static const char *
import_status(const char *old, const char *ch, const char *oldch,
    int problems, int ships)
{
	int fresh;

	if (old != NULL && (strcmp(old, "cancelled") == 0 ||
	    strcmp(old, "fulfilled") == 0)) {
		if (strcmp(ch, "cancelled") == 0 || strcmp(ch, "fulfilled") == 0)
			return ch;
		if (strcmp(old, "cancelled") != 0 || oldch == NULL ||
		    strcmp(oldch, "cancelled") != 0)
			return old;
		/* The channel cancelled it, and takes that back. */
	} else if (strcmp(ch, "cancelled") == 0 || strcmp(ch, "fulfilled") == 0)
		return ch;
	fresh = old == NULL || !word_in(old, "backordered");
	if (problems)
		return "hold";
	if (!ships)
		return "fulfilled";
	return fresh ? "open" : old;
}

/* A version's time: the newest the record or its file says it has. */
static void
version_of(const cJSON *o, const char *exported, char out[OMS_TIME_LEN])
{
	static const char *const keys[] = { "updated_at", "placed_at",
	    "cancelled_at", "fulfilled_at" };
	const char *t;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if ((t = oms_json_str(o, keys[i])) != NULL &&
		    strlen(t) < OMS_TIME_LEN && strcmp(t, out) > 0)
			snprintf(out, OMS_TIME_LEN, "%s", t);
	t = oms_json_str(cJSON_GetObjectItemCaseSensitive(o, "payment"),
	    "paid_at");
	if (t != NULL && strlen(t) < OMS_TIME_LEN && strcmp(t, out) > 0)
		snprintf(out, OMS_TIME_LEN, "%s", t);
	if (exported != NULL && strcmp(exported, out) > 0)
		snprintf(out, OMS_TIME_LEN, "%s", exported);
}

static const char sql_bump_version[] =
    "UPDATE orders SET version_at = ? WHERE id = ?";

static int
bump_version(oms_db *db, int64_t id, const char *version)
{
	oms_stmt *st = oms_db_stmt(db, sql_bump_version);

	if (st == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, version);
	oms_bind_int64(st, 2, id);
	return oms_db_step_done(db, st, "cannot update an order");
}

static const char sql_seen_version[] =
    "INSERT INTO order_versions (order_id, source, digest, version_at, "
    "seen_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";

/*
 * An older version of an order than the one stored: kept as seen, with
 * one event the first time, and nothing else changed.
 */
static int
stale(oms_db *db, int64_t id, const char *source, const char *digest,
    const char *version, const char *stored, int *first)
{
	oms_stmt *st = oms_db_stmt(db, sql_seen_version);
	char now[OMS_TIME_LEN], b[64], a[OMS_TIME_LEN + 128];
	int rc;

	if (st == NULL)
		return OMS_ERR;
	oms_time_now(now);
	oms_bind_int64(st, 1, id);
	oms_bind_static(st, 2, source);
	oms_bind_static(st, 3, digest);
	oms_bind_static(st, 4, version);
	oms_bind_static(st, 5, now);
	*first = 0;
	if ((rc = oms_db_step_done(db, st, "cannot note an order version")) !=
	    OMS_OK)
		return rc;
	if (oms_db_changes(db) == 0)
		return OMS_OK;
	*first = 1;
	snprintf(b, sizeof b, "{\"version_at\":\"%s\"}", stored);
	snprintf(a, sizeof a, "{\"version_at\":\"%s\",\"source\":\"%s\","
	    "\"digest\":\"%s\"}", version, source, digest);
	return oms_db_event(db, id, "stale", b, a);
}

/*
 * The channel's own id of an order, as text, or "" (see identity); ""
 * too when it is longer than buf, so that two ids are never told equal
 * by a part of them.
 */
static void
identity_text(const cJSON *o, const char *field, char *buf, size_t n)
{
	const cJSON *v = field ? cJSON_GetObjectItemCaseSensitive(o, field) :
	    NULL;

	buf[0] = '\0';
	if (cJSON_IsString(v) && strlen(v->valuestring) < n)
		snprintf(buf, n, "%s", v->valuestring);
	else if (cJSON_IsNumber(v))
		oms_json_text(v, buf, n);
}

static const char sql_other_account[] =
    "SELECT id, account FROM orders WHERE channel = ?1 AND external_id = ?2 "
    "AND account <> ?3 AND CAST(json_extract(record, '$.' || ?4) AS TEXT) "
    "= ?5 ORDER BY id LIMIT 1";

/*
 * The order o names with its channel's own id is stored already under
 * another account (a cron job that forgot --account, or a store that
 * took one later): refused, or it would be a second order to ship.
 */
static int
other_account(oms_db *db, const cJSON *o, const char *identity,
    const char *account)
{
	oms_stmt *st;
	char idt[64];
	int rc;

	identity_text(o, identity, idt, sizeof idt);
	if (idt[0] == '\0')
		return OMS_OK;
	if ((st = oms_db_stmt(db, sql_other_account)) == NULL)
		return OMS_ERR;
	bind_str(st, 1, o, "channel");
	bind_str(st, 2, o, "external_id");
	oms_bind_text(st, 3, account);
	oms_bind_text(st, 4, identity);
	oms_bind_text(st, 5, idt);
	if ((rc = oms_step(st)) == OMS_ROW) {
		const char *a = oms_col_text(st, 1);
		int64_t id = oms_col_int64(st, 0);
		char acct[128];

		snprintf(acct, sizeof acct, "%s", a);
		oms_reset(st);
		if (acct[0] == '\0')
			return oms_reject("%s %s is the order stored as o_%lld "
			    "with no account: import it without --account",
			    identity, idt, (long long)id);
		return oms_reject("%s %s is the order stored as o_%lld under "
		    "account '%s': import it with --account %s", identity, idt,
		    (long long)id, acct, acct);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot look up an order");
	return OMS_OK;
}

static const char sql_facts[] =
    "SELECT (SELECT coalesce(sum(CASE WHEN allocated > shipped "
    "THEN allocated - shipped ELSE 0 END), 0) FROM order_lines "
    "WHERE order_id = ?1), "
    "(SELECT count(*) FROM shipments WHERE order_id = ?1 "
    "AND status <> 'voided'), "
    "(SELECT min(id) FROM shipments WHERE order_id = ?1 "
    "AND status <> 'voided'), "
    "(SELECT count(*) FROM cancel_requests WHERE order_id = ?1 "
    "AND source = 'channel' AND state IN ('pending', 'refused')), "
    "(SELECT count(*) FROM cancel_requests WHERE order_id = ?1 "
    "AND source = 'operator' AND state = 'done')";

struct ofacts {
	int64_t active, parcels, first_parcel, channel_requests;
	int64_t operator_cancels;	/* cancels a person carried out */
};

static int
facts(oms_db *db, int64_t id, struct ofacts *f)
{
	oms_stmt *st = oms_db_stmt(db, sql_facts);
	int rc;

	memset(f, 0, sizeof *f);
	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	if ((rc = oms_step(st)) == OMS_ROW) {
		f->active = oms_col_int64(st, 0);
		f->parcels = oms_col_int64(st, 1);
		f->first_parcel = oms_col_int64(st, 2);
		f->channel_requests = oms_col_int64(st, 3);
		f->operator_cancels = oms_col_int64(st, 4);
	}
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read an order");
	return OMS_OK;
}

/* Whether routing would see another place: country, region, postal code. */
static int
moved(const cJSON *old, const cJSON *new)
{
	static const char *const keys[] = { "country", "region", "postal_code" };
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(old, "ship_to");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(new, "ship_to");

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		const char *x = oms_json_str(a, keys[i]);
		const char *y = oms_json_str(b, keys[i]);

		if ((x == NULL) != (y == NULL) || (x && strcasecmp(x, y) != 0))
			return 1;
	}
	return 0;
}

static int
address_changed(const cJSON *old, const cJSON *new)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(old, "ship_to");
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(new, "ship_to");

	if (a == NULL || b == NULL)
		return a != b;
	return !cJSON_Compare(a, b, 1);
}

static const char sql_cancel_all[] =
    "UPDATE order_lines SET cancelled = CASE WHEN ?2 THEN qty - "
    "CASE WHEN fulfilled > shipped THEN fulfilled ELSE shipped END ELSE 0 END WHERE order_id = ?1";

static int
hold_for(oms_db *db, int64_t id, const char *status, cJSON *reasons,
    struct oms_store *res)
{
	int rc;

	/* A delivered order is past holding: the person hears of it. */
	if (!oms_state_move_ok("held", status, "hold")) {
		snprintf(res->note, sizeof res->note, "%s",
		    cJSON_GetArrayItem(reasons, 0)->valuestring);
		return OMS_OK;
	}
	rc = oms_order_hold(db, id, "change", reasons, NULL);
	if (rc == OMS_OK) {
		cJSON_Delete(res->reasons);
		res->reasons = cJSON_Duplicate(reasons, 1);
	}
	return rc;
}

/*
 * What a new version of an order that routing or shipping has taken on
 * does to it, inside the caller's transaction: a cancel from the channel
 * or from a person, fulfilled elsewhere, a hold asked for, lines or an
 * address that changed.  requested is what a canonical record asked for,
 * or NULL.
 */
static int
carry_on(oms_db *db, int64_t id, const char *oldstatus, const cJSON *old,
    const cJSON *o, const char *chstatus, const char *requested,
    const struct ofacts *f, struct line_changes *lc, struct oms_store *res)
{
	char status[32], expected[32];
	int rc;

	snprintf(status, sizeof status, "%s", oldstatus);
	if ((strcmp(chstatus, "cancelled") == 0 && f->channel_requests == 0 &&
	    strcmp(status, "cancelled") != 0) ||
	    (requested != NULL && strcmp(requested, "cancelled") == 0)) {
		struct oms_cancel c = { 0 };
		struct oms_cancel_result cr;
		char why[160];

		if (requested != NULL && strcmp(requested, "cancelled") == 0) {
			c.source = "operator";
			c.reason = oms_json_str(o, "cancel_reason");
		} else {
			c.source = "channel";
			snprintf(why, sizeof why, "cancelled on %s",
			    oms_json_str(o, "channel"));
			c.reason = why;
		}
		memset(&cr, 0, sizeof cr);
		rc = oms_cancel_in_tx(db, id, &c, &cr);
		if (rc == OMS_REJECT) {
			snprintf(res->note, sizeof res->note, "%s", oms_error());
			res->refused = !strcmp(c.source, "operator");
			return cr.kept || res->refused ? OMS_OK : rc;
		}
		if (rc != OMS_OK)
			return rc;
		res->cancel_pending = cr.pending;
		if (cr.kept)
			snprintf(res->note, sizeof res->note, "%s", cr.note);
		return OMS_OK;
	}
	if ((strcmp(chstatus, "fulfilled") == 0 && !same_str(oms_json_str(old,
	    "status"), chstatus)) || (requested != NULL &&
	    strcmp(requested, "fulfilled") == 0)) {
		if (f->parcels > 0 || !oms_state_move_ok("fulfilled", status,
		    "fulfilled"))
			return OMS_OK;	/* we shipped it: the channel says so */
		if ((rc = oms_alloc_release(db, id, 0, "fulfilled elsewhere",
		    NULL)) != OMS_OK)
			return rc;
		return oms_order_status(db, id, "fulfilled", "fulfilled", NULL,
		    NULL);
	}
	if (requested != NULL && strcmp(requested, "hold") == 0 &&
	    strcmp(status, "hold") != 0) {
		cJSON *r = cJSON_CreateArray();

		reason(r, "held by %s", oms_progname);
		if (!oms_state_move_ok("held", status, "hold")) {
			cJSON_Delete(r);
			snprintf(res->note, sizeof res->note, "order o_%lld is %s: "
			    "it cannot be held", (long long)id, status);
			res->refused = 1;
			return OMS_OK;
		}
		rc = oms_order_hold(db, id, "operator", r, NULL);
		cJSON_Delete(r);
		return rc;
	}
	if (cJSON_GetArraySize(lc->conflicts) > 0)
		return hold_for(db, id, status, lc->conflicts, res);
	/*
	 * Released or not, changed lines may change what the order wants: a
	 * unit more of a shipped order is partly shipped, and routed again.
	 */
	if ((lc->released > 0 || lc->changed) && strcmp(status, "hold") != 0 &&
	    (rc = oms_order_settle(db, id, "lines_changed", NULL, status)) !=
	    OMS_OK)
		return rc;
	if (address_changed(old, o)) {
		if (f->parcels > 0) {
			cJSON *r = cJSON_CreateArray();

			reason(r, "the address changed after the label of "
			    "s_%lld was bought: void it and ship again, or "
			    "release the order", (long long)f->first_parcel);
			rc = hold_for(db, id, status, r, res);
			cJSON_Delete(r);
			return rc;
		}
		if (moved(old, o) && f->active > 0 && (strcmp(status, "allocated")
		    == 0 || strcmp(status, "partial") == 0)) {
			/* Routing decides again, for the new place. */
			if ((rc = oms_alloc_release(db, id, 0, "address changed",
			    NULL)) != OMS_OK)
				return rc;
			if ((rc = oms_order_expected(db, id, status, expected,
			    NULL)) != OMS_OK)
				return rc;
			return oms_order_status(db, id, "address_changed",
			    expected, NULL, NULL);
		}
	}
	return OMS_OK;
}

/*
 * Store a normalised order inside the caller's transaction (in a
 * savepoint of its own, so that a refusal undoes this order alone).
 * With merge, the record only adds order-level fields to the one stored
 * (its lines stay).  res says what happened; an unchanged or older
 * version costs no write but its note.
 */
int
oms_order_store(oms_db *db, cJSON *o, const struct oms_store_in *in,
    struct oms_store *res)
{
	oms_stmt *st;
	cJSON *old = NULL, *problems = NULL, *ship, *cust, *totals, *pay;
	cJSON *incoming = NULL, *unknown = NULL, *done = NULL;
	const char *source = in->source;
	int flags = in->flags, nested = 0, began = 0;
	int nsources = 0, canonical = strcmp(source, "oms") == 0, mapped = 0;
	char *text = NULL, *reasons = NULL, *intext = NULL, *oldtext = NULL;
	char *requested = NULL, *oldch = NULL, *oldversion = NULL;
	char now[OMS_TIME_LEN], digest[17] = "", indigest[17];
	char version[OMS_TIME_LEN];
	const char *chstatus, *status, *oldstatus = NULL, *account;
	struct line_changes lc = { 0 };
	struct ofacts f = { 0 };
	int64_t id = 0, prio = 0;
	int rc, exp, exists = 0, owned = 1, sticky = 0;
	char statbuf[32];

	memset(res, 0, sizeof *res);
	account = oms_json_str(o, "account");
	if (account == NULL)
		account = "";
	if ((rc = find_order(db, o, in, account, &st)) != OMS_OK)
		return rc;
	if (st != NULL) {
		exists = 1;
		id = oms_col_int64(st, 0);
		snprintf(digest, sizeof digest, "%s",
		    oms_col_text(st, 1));
		snprintf(statbuf, sizeof statbuf, "%s",
		    oms_col_text(st, 2));
		oldstatus = statbuf;
		oldtext = estrdup(oms_col_text(st, 3));
		nsources = oms_col_int(st, 5);
		if (!oms_col_null(st, 6))
			oldversion = estrdup(oms_col_text(st,
			    6));
		if (!oms_col_null(st, 7))
			oldch = estrdup(oms_col_text(st, 7));
		/* A hold a person, routing or a carrier made is theirs to lift. */
		sticky = strcmp(oldstatus, "hold") == 0 &&
		    !oms_col_null(st, 8) &&
		    strcmp(oms_col_text(st, 8),
		    HOLD_PROBLEMS) != 0;
		oms_reset(st);
	}

	/*
	 * A canonical record's status is a request: cancelled, hold or
	 * fulfilled move the order there; the status it was printed with
	 * asks nothing.  What is stored is the channel's status, as before.
	 */
	if (canonical && !(flags & OMS_STORE_MERGE)) {
		const char *s = oms_json_str(o, "status");

		requested = estrdup(s ? s : "open");
		if (!exists && !word_in(requested, "open hold cancelled "
		    "fulfilled")) {
			rc = oms_reject("a new order cannot be %s: only open, "
			    "hold, cancelled or fulfilled", requested);
			goto out;
		}
		if (exists) {
			cJSON *was = cJSON_Parse(oldtext);
			const char *ws = oms_json_str(was, "status");

			cJSON_ReplaceItemInObjectCaseSensitive(o, "status",
			    cJSON_CreateString(ws ? ws : "open"));
			cJSON_Delete(was);
			if (strcmp(requested, oldstatus) == 0 ||
			    !word_in(requested, "cancelled hold fulfilled open") ||
			    (strcmp(requested, "open") == 0 &&
			    strcmp(oldstatus, "hold") != 0)) {
				free(requested);
				requested = NULL;
			} else if (strcmp(requested, "open") == 0) {
				/* A held order fed back: its checks decide. */
				free(requested);
				requested = NULL;
			}
		} else if (strcmp(requested, "hold") == 0)
			cJSON_ReplaceItemInObjectCaseSensitive(o, "status",
			    cJSON_CreateString("open"));
	}

	/*
	 * Unchanged is judged against what this same source said last: the
	 * channel's own version for its main adapter, the source's for one
	 * that adds to orders, the stored record for canonical input.  So a
	 * fix made in oms lasts until the channel's version really changes.
	 * A channel's version is judged before its SKUs are mapped, so a
	 * listing added since does not make it changed; canonical input is
	 * compared with the stored record, so it is mapped first.
	 */
	if (canonical && !(flags & OMS_STORE_MERGE) &&
	    (rc = resolve(db, o, &unknown, &mapped)) != OMS_OK)
		goto out;
	if (flags & OMS_STORE_MERGE) {
		incoming = cJSON_Duplicate(o, 1);
		cJSON_DeleteItemFromObjectCaseSensitive(incoming, "lines");
		intext = oms_json_print(incoming);
	} else
		intext = oms_json_print(o);
	if (intext == NULL) {
		rc = oms_seterr("out of memory");
		goto out;
	}
	hexdigest(intext, indigest);
	version_of(o, in->exported_at, version);
	/*
	 * A version from the future would outrank every real one after it
	 * (a cancel among them): a wrong clock or date is refused, with a
	 * day's grace for zones.
	 */
	if (version[0] && !canonical) {
		char nowt[OMS_TIME_LEN];
		int64_t v, n;

		oms_time_now(nowt);
		if (oms_time_to_epoch(version, &v) == OMS_OK &&
		    oms_time_to_epoch(nowt, &n) == OMS_OK && v > n + 86400) {
			rc = oms_reject("its time %s is later than now (%s): a "
			    "date or a clock is wrong", version, nowt);
			goto out;
		}
	}
	if (exists) {
		int same;

		if (flags & OMS_STORE_MERGE) {
			char sd[17] = "";

			if ((rc = source_digest(db, id, source, sd)) != OMS_OK)
				goto out;
			same = strcmp(sd, indigest) == 0;
		} else if (canonical) {
			char od[17];

			hexdigest(oldtext, od);
			same = strcmp(od, indigest) == 0;
		} else
			same = strcmp(digest, indigest) == 0;
		if (same && requested == NULL) {
			/* The same, said later: later versions must beat this. */
			if (!canonical && !(flags & OMS_STORE_MERGE) && version[0] &&
			    (oldversion == NULL || strcmp(version, oldversion) > 0) &&
			    (rc = bump_version(db, id, version)) != OMS_OK)
				goto out;
			res->id = id;
			res->action = OMS_ORDER_UNCHANGED;
			snprintf(res->status, sizeof res->status, "%s", oldstatus);
			if (flags & OMS_STORE_OUTPUT)
				res->record = oms_order_record(db, id);
			rc = OMS_OK;
			goto out;
		}
		/* An older version than the one stored changes nothing. */
		if (!canonical && !(flags & OMS_STORE_MERGE) && version[0] &&
		    oldversion != NULL && strcmp(version, oldversion) < 0) {
			int first;

			if ((rc = stale(db, id, source, indigest, version,
			    oldversion, &first)) != OMS_OK)
				goto out;
			/* A cancel in an older version is worth a word, once. */
			if (first && strcmp(oms_json_str(o, "status") ? oms_json_str(o,
			    "status") : "", "cancelled") == 0 &&
			    strcmp(oldstatus, "cancelled") != 0)
				snprintf(res->note, sizeof res->note, "order o_%lld: "
				    "this version (%s) says cancelled, but the one "
				    "stored (%s) is newer and does not", (long long)id,
				    version, oldversion);
			res->id = id;
			res->action = OMS_ORDER_STALE;
			snprintf(res->status, sizeof res->status, "%s", oldstatus);
			if (flags & OMS_STORE_OUTPUT)
				res->record = oms_order_record(db, id);
			goto out;
		}
		old = cJSON_Parse(oldtext);
		if (old == NULL) {
			rc = oms_seterr("order o_%lld: the stored record is not "
			    "JSON", (long long)id);
			goto out;
		}
		/* The same number, another order: another store's? */
		if (in->identity != NULL && !(flags & OMS_STORE_MERGE)) {
			char a[64], b[64];

			identity_text(old, in->identity, a, sizeof a);
			identity_text(o, in->identity, b, sizeof b);
			if (a[0] && b[0] && strcmp(a, b) != 0) {
				rc = oms_reject("%s %s is not the order stored as "
				    "o_%lld (%s %s): another store's order with "
				    "the same number? import each store with its "
				    "own --account", in->identity, b,
				    (long long)id, in->identity, a);
				goto out;
			}
		}
		if ((rc = facts(db, id, &f)) != OMS_OK)
			goto out;
		owned = word_in(oldstatus, "open hold backordered cancelled "
		    "fulfilled partly_shipped") && f.active == 0 &&
		    f.parcels == 0;
		/* A person may not move a parcel's address: void it first. */
		if (canonical && !(flags & OMS_STORE_MERGE) && f.parcels > 0 &&
		    address_changed(old, o)) {
			rc = oms_reject("order o_%lld: the address cannot change "
			    "once a label is bought (s_%lld): void it first "
			    "(oms-ship void)", (long long)id,
			    (long long)f.first_parcel);
			goto out;
		}
	}
	/* A new key, but an order this channel knows under another account. */
	if (!exists && in->identity != NULL && !(flags & OMS_STORE_MERGE) &&
	    (rc = other_account(db, o, in->identity, account)) != OMS_OK)
		goto out;
	/*
	 * What a new version does to an order routing or shipping has taken
	 * on may be refused after it is written (carry_on): a savepoint of
	 * its own undoes it alone.  Any other order is refused before a
	 * write, and goes without: a savepoint an order costs a sub-journal.
	 */
	if (exists && !owned) {
		if ((rc = oms_db_write(db, &nested)) != OMS_OK)
			goto out;
		began = 1;
	}
	/* The record to store: what this source says, with what others said. */
	if (flags & OMS_STORE_MERGE) {
		if (old != NULL) {
			cJSON *m = cJSON_Duplicate(old, 1);

			overlay(m, o);
			oms_order_reorder(m);
			replace_contents(o, m);
			cJSON_Delete(m);
		} else if ((cJSON_HasObjectItem(o, "lines") ||
		    cJSON_AddArrayToObject(o, "lines") != NULL) &&
		    oms_order_normalize(o, 0) != OMS_OK) {
			rc = OMS_ERR;
			goto out;
		}
		if (!exists)
			digest[0] = '\0';
	} else if (canonical) {
		if (!exists)
			digest[0] = '\0';
	} else {
		if (nsources > 0 && (rc = lay_sources(db, id, o)) != OMS_OK)
			goto out;
		memcpy(digest, indigest, sizeof digest);
	}
	if (!canonical || (flags & OMS_STORE_MERGE)) {
		if ((rc = resolve(db, o, &unknown, &mapped)) != OMS_OK)
			goto out;
	} else
		mapped = 0;	/* intext was printed after the mapping */
	/* A customer erased (oms purge-customer) stays erased. */
	if (exists) {
		int purged;
		long n;

		if ((rc = oms_purge_done(db, id, &purged)) != OMS_OK)
			goto out;
		if (purged && (n = oms_purge_record(o) + oms_purge_record(
		    incoming)) > 0) {
			mapped = 1;	/* print o again, erased */
			if (res->note[0] == '\0')
				snprintf(res->note, sizeof res->note, "order "
				    "o_%lld: its customer's data was erased (oms "
				    "purge-customer) and this version's %ld "
				    "personal field%s are erased too, not stored",
				    (long long)id, n, n == 1 ? "" : "s");
		}
	}
	chstatus = oms_json_str(o, "status");
	if (chstatus == NULL)
		chstatus = "open";
	if (!(flags & OMS_STORE_MERGE) && nsources == 0 && !mapped) {
		/* What came in is what is stored: print it once. */
		text = intext;
		intext = NULL;
	} else
		text = oms_json_print(o);
	if (text == NULL) {
		rc = oms_seterr("out of memory");
		goto out;
	}
	exp = oms_currency_exponent(oms_json_str(o, "currency"));
	if (exists) {
		/* The lines first: what is cancelled of them counts. */
		if ((rc = match_lines(db, id, o, exp, &lc)) != OMS_OK)
			goto out;
		if ((rc = lines_done(db, id, &done)) != OMS_OK)
			goto out;
	}
	problems = problems_of(o, unknown, done, 1);
	{
		const cJSON *l;
		int ships = 0;

		cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(o,
		    "lines"))
			ships |= ships_line(l);
		if (owned && sticky && !word_in(chstatus, "cancelled fulfilled") &&
		    (requested == NULL || !word_in(requested, "cancelled "
		    "fulfilled")))
			status = oldstatus;
		else if (owned)
			status = import_status(oldstatus, requested != NULL &&
			    word_in(requested, "cancelled fulfilled") ? requested :
			    chstatus, oldch, cJSON_GetArraySize(problems) > 0,
			    ships || cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
			    o, "lines")) == 0);
		else
			status = oldstatus;
		/* A person's cancel is not the channel's to take back. */
		if (owned && exists && strcmp(oldstatus, "cancelled") == 0 &&
		    strcmp(status, "cancelled") != 0 && f.operator_cancels > 0) {
			status = oldstatus;
			snprintf(res->note, sizeof res->note, "order o_%lld: the "
			    "channel no longer says cancelled, but a person "
			    "cancelled units of it here: it stays cancelled",
			    (long long)id);
		}
	}
	/*
	 * Lines the channel fulfilled itself: an order of ours to route is
	 * partly shipped, or fulfilled when nothing is left to us.
	 */
	if (owned && (strcmp(status, "open") == 0 ||
	    strcmp(status, "backordered") == 0)) {
		char gone[32];

		if ((rc = channel_progress(db, exists ? id : 0, o, gone)) !=
		    OMS_OK)
			goto out;
		if (gone[0] != '\0')
			status = strcmp(gone, "fulfilled") == 0 ? "fulfilled" :
			    "partly_shipped";
	}
	if (owned && requested != NULL && strcmp(requested, "hold") == 0 &&
	    strcmp(status, "open") == 0) {
		cJSON_Delete(problems);
		problems = cJSON_CreateArray();
		reason(problems, "held by %s", oms_progname);
		status = "hold";
	}
	if (incoming != NULL && !exists && (strcmp(status, "open") == 0 ||
	    strcmp(status, "hold") == 0) &&
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "lines")) == 0) {
		/* Made by a source that adds to orders: wait for the lines. */
		cJSON_Delete(problems);
		problems = cJSON_CreateArray();
		cJSON_AddItemToArray(problems, cJSON_CreateString("no lines"));
		status = "hold";
	}
	if (owned && exists && !oms_state_move_ok("updated", oldstatus, status)) {
		rc = oms_seterr("order o_%lld: no move from %s to %s by an "
		    "import in the state table", (long long)id, oldstatus, status);
		goto out;
	}
	if (strcmp(status, "hold") == 0 && owned && !sticky)
		reasons = oms_json_print(problems);
	ship = cJSON_GetObjectItemCaseSensitive(o, "ship_to");
	cust = cJSON_GetObjectItemCaseSensitive(o, "customer");
	totals = cJSON_GetObjectItemCaseSensitive(o, "totals");
	pay = cJSON_GetObjectItemCaseSensitive(o, "payment");
	oms_json_int(o, "priority", &prio);
	oms_time_now(now);

	if ((st = oms_db_stmt(db, exists ? sql_update : sql_insert)) == NULL)
		goto fail;
	bind_str(st, 1, o, "channel");
	bind_str(st, 2, o, "external_id");
	oms_bind_text(st, 3, status);
	if (reasons)
		oms_bind_static(st, 4, reasons);
	oms_bind_static(st, 5, chstatus);
	bind_str(st, 6, pay, "status");
	bind_str(st, 7, o, "placed_at");
	oms_bind_static(st, 8, now);
	bind_str(st, 9, o, "currency");
	bind_str(st, 10, cust, "email");
	/* An erased customer has no email to write to (oms purge-customer). */
	if (cust != NULL && oms_json_str(cust, "email") != NULL &&
	    strcmp(oms_json_str(cust, "email"), OMS_PURGE_MARK) == 0)
		oms_bind_null(st, 10);
	bind_str(st, 11, cust, "segment");
	bind_str(st, 12, ship, "postal_code");
	bind_str(st, 13, ship, "region");
	bind_str(st, 14, ship, "country");
	bind_str(st, 15, o, "service");
	bind_str(st, 16, o, "ship_by");
	bind_str(st, 17, o, "deliver_by");
	oms_bind_int64(st, 18, prio);
	bind_money(st, 19, totals, "subtotal", exp);
	bind_money(st, 20, totals, "shipping", exp);
	bind_money(st, 21, totals, "discount", exp);
	bind_money(st, 22, totals, "tax", exp);
	bind_money(st, 23, totals, "total", exp);
	bind_money(st, 24, totals, "refunded", exp);
	oms_bind_static(st, 25, digest);
	oms_bind_static(st, 26, text);
	oms_bind_text(st, 27, account);
	if (version[0] && !canonical && !(flags & OMS_STORE_MERGE))
		oms_bind_text(st, 28, version);
	/* Not the import's to say: a hold stays as it was. */
	oms_bind_int(st, 31, owned && !sticky);
	if (reasons)
		oms_bind_static(st, 30, HOLD_PROBLEMS);
	if (in->alias != NULL && !(flags & OMS_STORE_MERGE)) {
		char al[64];

		identity_text(o, in->alias, al, sizeof al);
		if (al[0] != '\0')
			oms_bind_text(st, 29, al);
	}
	if (exists)
		oms_bind_int64(st, 32, id);
	rc = oms_step(st);
	if (rc == OMS_ROW)
		id = oms_col_int64(st, 0);
	oms_reset(st);
	if (rc != OMS_ROW) {
		rc = oms_db_fail(db, rc, "cannot store an order");
		goto out;
	}
	if (!exists && (rc = match_lines(db, id, o, exp, &lc)) != OMS_OK)
		goto out;
	if (owned && (strcmp(status, "cancelled") == 0 ||
	    (oldstatus != NULL && strcmp(oldstatus, "cancelled") == 0))) {
		/* A cancelled order's units are cancelled; back, they are not. */
		if ((st = oms_db_stmt(db, sql_cancel_all)) == NULL)
			goto fail;
		oms_bind_int64(st, 1, id);
		oms_bind_int(st, 2, strcmp(status, "cancelled") == 0);
		if ((rc = oms_db_step_done(db, st, "cannot cancel an order's "
		    "lines")) != OMS_OK)
			goto out;
	}
	if (incoming != NULL && (rc = put_source(db, id, source, incoming,
	    indigest)) != OMS_OK)
		goto out;
	if (exists) {
		cJSON *before, *after;

		diff(old, o, &before, &after);
		if (owned && strcmp(oldstatus, status) != 0) {
			cJSON_DeleteItemFromObjectCaseSensitive(before, "status");
			cJSON_DeleteItemFromObjectCaseSensitive(after, "status");
			cJSON_AddStringToObject(before, "status", oldstatus);
			cJSON_AddStringToObject(after, "status", status);
		}
		if (owned && !sticky && strcmp(status, "hold") == 0)
			cJSON_AddItemToObject(after, "hold_reasons",
			    cJSON_Duplicate(problems, 1));
		if (!owned || sticky || strcmp(oldstatus, status) == 0) {
			/* The record's status is the channel's: say so. */
			cJSON *x;

			if ((x = cJSON_DetachItemFromObjectCaseSensitive(before,
			    "status")) != NULL)
				cJSON_AddItemToObject(before, "channel_status", x);
			if ((x = cJSON_DetachItemFromObjectCaseSensitive(after,
			    "status")) != NULL)
				cJSON_AddItemToObject(after, "channel_status", x);
		}
		if ((rc = event_json(db, id, "updated", before, after)) != OMS_OK)
			goto out;
		res->action = OMS_ORDER_UPDATED;
		if (!owned && (rc = carry_on(db, id, oldstatus, old, o, chstatus,
		    requested, &f, &lc, res)) != OMS_OK)
			goto out;
	} else {
		cJSON *after = cJSON_CreateObject();

		cJSON_AddStringToObject(after, "status", status);
		if (strcmp(status, "hold") == 0)
			cJSON_AddItemToObject(after, "hold_reasons",
			    cJSON_Duplicate(problems, 1));
		if ((rc = event_json(db, id, "created", NULL, after)) != OMS_OK)
			goto out;
		res->action = OMS_ORDER_CREATED;
	}
	res->id = id;
	if (!owned) {
		/* What carry_on left it in. */
		char s[32], e[32];

		if ((rc = oms_order_expected(db, id, s, e, NULL)) != OMS_OK)
			goto out;
		snprintf(res->status, sizeof res->status, "%s", s);
	} else
		snprintf(res->status, sizeof res->status, "%s", status);
	/* A held order prints its reasons, whoever held it. */
	if (strcmp(res->status, "hold") == 0 && res->reasons == NULL &&
	    (rc = stored_reasons(db, id, &res->reasons)) != OMS_OK)
		goto out;
	rc = OMS_OK;
	goto out;
fail:
	rc = OMS_ERR;
out:
	if (began)
		rc = oms_db_write_end(db, nested, rc);
	cJSON_Delete(old);
	cJSON_Delete(incoming);
	cJSON_Delete(problems);
	cJSON_Delete(unknown);
	cJSON_Delete(lc.conflicts);
	cJSON_Delete(done);
	free(intext);
	free(oldtext);
	free(text);
	free(reasons);
	free(requested);
	free(oldch);
	free(oldversion);
	return rc;
}

static int
skip_key(const char *k)
{
	return strcmp(k, "type") == 0 || strcmp(k, "id") == 0 ||
	    strcmp(k, "channel") == 0 || strcmp(k, "external_id") == 0 ||
	    strcmp(k, "status") == 0 || strcmp(k, "hold_reasons") == 0 ||
	    strcmp(k, "account") == 0;
}

/*
 * The printed form of an order just stored: id, status and hold reasons
 * put in front.  The record's fields are moved, not copied, so o is left
 * empty; the caller frees both.
 */
char *
oms_order_print(cJSON *o, const struct oms_store *res)
{
	cJSON *out = cJSON_CreateObject(), *v;
	char idbuf[32], *text;

	snprintf(idbuf, sizeof idbuf, "o_%lld", (long long)res->id);
	cJSON_AddStringToObject(out, "type", "order");
	cJSON_AddStringToObject(out, "id", idbuf);
	if ((v = cJSON_DetachItemFromObjectCaseSensitive(o, "channel")) != NULL)
		cJSON_AddItemToObject(out, "channel", v);
	if ((v = cJSON_DetachItemFromObjectCaseSensitive(o, "account")) != NULL) {
		if (cJSON_IsString(v) && v->valuestring[0] != '\0')
			cJSON_AddItemToObject(out, "account", v);
		else
			cJSON_Delete(v);
	}
	if ((v = cJSON_DetachItemFromObjectCaseSensitive(o, "external_id")))
		cJSON_AddItemToObject(out, "external_id", v);
	cJSON_AddStringToObject(out, "status", res->status);
	if (res->reasons != NULL)
		cJSON_AddItemReferenceToObject(out, "hold_reasons", res->reasons);
	while ((v = o->child) != NULL) {
		cJSON_DetachItemViaPointer(o, v);
		if (skip_key(v->string)) {
			cJSON_Delete(v);
			continue;
		}
		/* Keep the key string: it moves with the item. */
		cJSON_AddItemToObject(out, v->string, v);
	}
	text = oms_json_print(out);
	cJSON_Delete(out);
	return text;
}

static const char sql_get[] =
    "SELECT id, channel, external_id, status, hold_reasons, record, account "
    "FROM orders WHERE id = ?";

/*
 * The order as programs print it: the stored record with its id, status
 * and hold reasons put in front.
 */
cJSON *
oms_order_record(oms_db *db, int64_t id)
{
	oms_stmt *st = oms_db_stmt(db, sql_get);
	cJSON *rec = NULL, *stored, *v;
	char idbuf[32];

	if (st == NULL)
		return NULL;
	oms_bind_int64(st, 1, id);
	if (oms_step(st) != OMS_ROW) {
		oms_reset(st);
		oms_seterr("no order o_%lld", (long long)id);
		return NULL;
	}
	stored = cJSON_Parse(oms_col_text(st, 5));
	rec = cJSON_CreateObject();
	snprintf(idbuf, sizeof idbuf, "o_%lld", (long long)id);
	cJSON_AddStringToObject(rec, "type", "order");
	cJSON_AddStringToObject(rec, "id", idbuf);
	cJSON_AddStringToObject(rec, "channel",
	    oms_col_text(st, 1));
	if (*oms_col_text(st, 6) != '\0')
		cJSON_AddStringToObject(rec, "account",
		    oms_col_text(st, 6));
	cJSON_AddStringToObject(rec, "external_id",
	    oms_col_text(st, 2));
	cJSON_AddStringToObject(rec, "status",
	    oms_col_text(st, 3));
	if (!oms_col_null(st, 4))
		cJSON_AddItemToObject(rec, "hold_reasons", cJSON_Parse(
		    oms_col_text(st, 4)));
	oms_reset(st);
	if (stored != NULL) {
		cJSON_ArrayForEach(v, stored) {
			if (skip_key(v->string))
				continue;
			cJSON_AddItemToObject(rec, v->string,
			    cJSON_Duplicate(v, 1));
		}
		cJSON_Delete(stored);
	}
	return rec;
}

static const char sql_by_key[] =
    "SELECT id, account FROM orders WHERE channel = ?1 AND external_id = ?3 "
    "AND (CAST(?2 AS TEXT) IS NULL OR account = ?2) ORDER BY account LIMIT 3";

/* By the key it had before its channel numbered it (oms-channels(5)). */
static const char sql_by_alias[] =
    "SELECT id, account FROM orders WHERE channel = ?1 AND alias = ?3 "
    "AND (CAST(?2 AS TEXT) IS NULL OR account = ?2) ORDER BY account LIMIT 3";

/* By the channel's own id of it (an adapter's identity, oms-channels(5)). */
static const char sql_by_identity[] =
    "SELECT id, account FROM orders WHERE channel = ?1 AND "
    "(CAST(?2 AS TEXT) IS NULL OR account = ?2) AND "
    "CAST(json_extract(record, '$.' || ?4) AS TEXT) = ?3 "
    "ORDER BY account LIMIT 3";

/*
 * The FIELD=ID of CHANNEL:FIELD=ID: FIELD a name such as shopify_id,
 * where the channel's own id of an order is kept (a refund names its
 * order by that id, not by the name the order was imported under).
 */
static size_t
identity_field(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");

	if (n < 4 || n > 64 || s[n] != '=' || s[n + 1] == '\0' ||
	    strncmp(s + n - 3, "_id", 3) != 0)
		return 0;
	return n;
}

/*
 * An order named as o_12, 12, CHANNEL:EXTERNAL_ID, or, where a channel
 * has several accounts, CHANNEL/ACCOUNT:EXTERNAL_ID; CHANNEL:FIELD=ID
 * names it by the channel's own id kept in FIELD (shopify:shopify_id=
 * 450789469), when no order has that text as its key.  A name that fits
 * the orders of more than one account is refused, saying which.
 */
int
oms_order_find(oms_db *db, const char *ref, int64_t *id)
{
	const char *p = ref, *colon, *slash;
	oms_stmt *st;
	char accts[256] = "";
	char *end;
	int rc, n = 0;

	if (p[0] == 'o' && p[1] == '_')
		p += 2;
	if (isdigit((unsigned char)*p)) {
		errno = 0;
		*id = strtoll(p, &end, 10);
		if (errno == 0 && *end == '\0') {
			static const char sql_id[] =
			    "SELECT 1 FROM orders WHERE id = ?";

			if ((st = oms_db_stmt(db, sql_id)) == NULL)
				return OMS_ERR;
			oms_bind_int64(st, 1, *id);
			rc = oms_step(st);
			oms_reset(st);
			if (rc == OMS_ROW)
				return OMS_OK;
			if (rc != OMS_DONE)
				return oms_db_fail(db, rc, "cannot look up an order");
			return oms_reject("no order '%s'", ref);
		}
	}
	if ((colon = strchr(ref, ':')) == NULL || colon == ref)
		return oms_reject("no order '%s' (name it o_N or "
		    "CHANNEL:EXTERNAL_ID)", ref);
	slash = memchr(ref, '/', (size_t)(colon - ref));
	for (int pass = 0; pass < 3 && n == 0; pass++) {
		size_t fl = pass == 2 ? identity_field(colon + 1) : 0;

		if (pass == 2 && fl == 0)
			break;
		if ((st = oms_db_stmt(db, pass == 2 ? sql_by_identity :
		    pass ? sql_by_alias : sql_by_key)) == NULL)
			return OMS_ERR;
		oms_bind_textn(st, 1, ref, (int)((slash ? slash : colon) -
		    ref));
		if (slash != NULL)
			oms_bind_textn(st, 2, slash + 1, (int)(colon - slash -
			    1));
		oms_bind_text(st, 3, colon + 1 + (fl ? fl + 1 : 0));
		if (fl > 0)
			oms_bind_textn(st, 4, colon + 1, (int)fl);
		while ((rc = oms_step(st)) == OMS_ROW) {
			const char *a = oms_col_text(st, 1);

			if (n++ == 0)
				*id = oms_col_int64(st, 0);
			snprintf(accts + strlen(accts), sizeof accts -
			    strlen(accts), "%s%s", n > 1 ? ", " : "", *a ? a :
			    "(none)");
		}
		oms_reset(st);
		if (rc != OMS_DONE)
			return oms_db_fail(db, rc, "cannot look up an order");
	}
	if (n == 0)
		return oms_reject("no order '%s'", ref);
	if (n > 1)
		return oms_reject("'%s' names orders of several accounts (%s): "
		    "name one as CHANNEL/ACCOUNT:EXTERNAL_ID", ref, accts);
	return OMS_OK;
}

static const char sql_get_record[] =
    "SELECT record, currency FROM orders WHERE id = ?";

static const char sql_set_record[] =
    "UPDATE orders SET record = ? WHERE id = ?";

/*
 * Store the lines of rec, mapped again, as the order's lines: in its
 * record and in order_lines, so that stock and routing join on the
 * master SKU.  The digest stays: it is of what the channel sent.
 */
static int
put_lines(oms_db *db, int64_t id, const cJSON *rec)
{
	oms_stmt *st = oms_db_stmt(db, sql_get_record);
	cJSON *stored = NULL;
	char *text = NULL;
	int rc, exp = 0;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	rc = oms_step(st);
	if (rc == OMS_ROW) {
		stored = cJSON_Parse(oms_col_text(st, 0));
		exp = oms_currency_exponent(oms_col_text(st,
		    1));
	}
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read an order");
	if (stored == NULL)
		return oms_seterr("order o_%lld: the stored record is not JSON",
		    (long long)id);
	cJSON_ReplaceItemInObjectCaseSensitive(stored, "lines", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(rec, "lines"), 1));
	if ((text = oms_json_print(stored)) == NULL) {
		rc = oms_seterr("out of memory");
		goto out;
	}
	if ((st = oms_db_stmt(db, sql_set_record)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	oms_bind_static(st, 1, text);
	oms_bind_int64(st, 2, id);
	rc = oms_step(st);
	oms_reset(st);
	if (rc != OMS_DONE) {
		rc = oms_db_fail(db, rc, "cannot store an order");
		goto out;
	}
	{
		struct line_changes lc;

		rc = match_lines(db, id, stored, exp, &lc);
		cJSON_Delete(lc.conflicts);
	}
out:
	cJSON_Delete(stored);
	free(text);
	return rc;
}

/* A line that cannot ship as it is: it ships, and has no known sku. */
static int
line_unshippable(const cJSON *l, const cJSON *why)
{
	if (!ships_line(l))
		return 0;
	return empty_field(l, "sku") || cJSON_IsString(why);
}

static const char sql_cancel_line[] =
    "UPDATE order_lines SET cancelled = qty - CASE WHEN fulfilled > shipped THEN fulfilled ELSE shipped END "
    "WHERE order_id = ? AND line_no = ?";

/*
 * Release a held order, inside the caller's transaction.  The lines are
 * mapped through the listings again, so a listing added since the import
 * counts; unless forced, the order's checks run again and a problem that
 * remains keeps it held (*problems says which; the caller frees it).  A
 * forced release of an order with lines that cannot ship (no sku, or one
 * the catalog does not know) needs a choice for them: OMS_LINES_CANCEL
 * cancels them, OMS_LINES_KEEP leaves them open, so the order is never
 * shipped while they are not.  The order then takes the status its lines,
 * allocations and shipments give it.  A release that maps a line anew
 * stores the line with its master SKU, in the record and in order_lines,
 * and its event shows the lines before and after.
 */
int
oms_order_release(oms_db *db, int64_t id, int force, int lines,
    cJSON **problems)
{
	cJSON *rec = oms_order_record(db, id), *p = NULL, *unknown = NULL;
	cJSON *oldlines = NULL, *extra = NULL, *cut = NULL, *done = NULL;
	const cJSON *l;
	char st[32], expected[32], progress[32];
	const char *status;
	int rc, mapped = 0, n = 0;

	*problems = NULL;
	if (rec == NULL)
		return OMS_ERR;
	status = oms_json_str(rec, "status");
	if (strcmp(status, "hold") != 0) {
		rc = oms_reject("order o_%lld is not on hold (it is %s)",
		    (long long)id, status);
		goto out;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(rec, "status",
	    cJSON_CreateString("open"));
	oldlines = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(rec,
	    "lines"), 1);
	if ((rc = resolve(db, rec, &unknown, &mapped)) != OMS_OK)
		goto out;
	if ((rc = lines_done(db, id, &done)) != OMS_OK)
		goto out;
	p = problems_of(rec, unknown, done, 1);
	if (cJSON_GetArraySize(p) > 0 && !force) {
		*problems = p;
		p = NULL;
		rc = oms_seterr("order o_%lld still has problems", (long long)id);
		goto out;
	}
	/* Forced: the lines that cannot ship need a choice. */
	cut = cJSON_CreateArray();
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(rec, "lines")) {
		n++;
		if (!line_unshippable(l, cJSON_GetArrayItem(unknown, n - 1)) ||
		    cJSON_IsTrue(cJSON_GetArrayItem(done, n - 1)))
			continue;
		if (lines == OMS_LINES_ASK) {
			const char *title = oms_json_str(l, "title");

			rc = oms_reject("order o_%lld line %d%s%s%s cannot ship "
			    "as it is (%s): say --lines cancel or --lines keep",
			    (long long)id, n, title ? " (" : "", title ? title :
			    "", title ? ")" : "", empty_field(l, "sku") ?
			    "no sku" : "unknown sku");
			goto out;
		}
		cJSON_AddItemToArray(cut, cJSON_CreateNumber(n));
	}
	if (mapped && (rc = put_lines(db, id, rec)) != OMS_OK)
		goto out;
	if (lines == OMS_LINES_CANCEL)
		cJSON_ArrayForEach(l, cut) {
			oms_stmt *q = oms_db_stmt(db, sql_cancel_line);

			if (q == NULL) {
				rc = OMS_ERR;
				goto out;
			}
			oms_bind_int64(q, 1, id);
			oms_bind_int(q, 2, (int)l->valuedouble);
			if ((rc = oms_db_step_done(db, q, "cannot cancel a line")) !=
			    OMS_OK)
				goto out;
		}
	extra = cJSON_CreateObject();
	if (force)
		cJSON_AddTrueToObject(extra, "forced");
	if (cJSON_GetArraySize(cut) > 0)
		cJSON_AddItemToObject(extra, lines == OMS_LINES_CANCEL ?
		    "cancelled_lines" : "kept_lines", cJSON_Duplicate(cut, 1));
	if (mapped) {
		cJSON *b = cJSON_AddObjectToObject(extra, "before");

		cJSON_AddItemToObject(b, "lines", oldlines);
		oldlines = NULL;
		cJSON_AddItemToObject(extra, "lines", cJSON_DetachItemFromObject(
		    rec, "lines"));
	}
	if ((rc = oms_order_expected(db, id, st, expected, progress)) != OMS_OK)
		goto out;
	rc = oms_order_status(db, id, "released", progress, NULL, extra);
out:
	cJSON_Delete(rec);
	cJSON_Delete(oldlines);
	cJSON_Delete(p);
	cJSON_Delete(unknown);
	cJSON_Delete(extra);
	cJSON_Delete(cut);
	cJSON_Delete(done);
	return rc;
}

/*
 * An order named by a line of input: an id (o_12, 12, CHANNEL:EXTERNAL_ID)
 * or a record naming one by "id", "order", or "channel" and "external_id".
 */
int
oms_order_ref(oms_db *db, const char *line, int64_t *id)
{
	const char *p = line;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '{') {
		cJSON *o = oms_json_parse(p, strlen(p), NULL, NULL);
		const char *s;
		int rc;

		if (o == NULL)
			return oms_reject("not JSON");
		if ((s = oms_json_str(o, "id")) != NULL)
			rc = oms_order_find(db, s, id);
		else if ((s = oms_json_str(o, "order")) != NULL)
			rc = oms_order_find(db, s, id);
		else if (oms_json_str(o, "channel") != NULL &&
		    oms_json_str(o, "external_id") != NULL) {
			struct oms_buf b = { 0 };
			const char *acct = oms_json_str(o, "account");

			oms_buf_printf(&b, "%s%s%s:%s", oms_json_str(o,
			    "channel"), acct ? "/" : "", acct ? acct : "",
			    oms_json_str(o, "external_id"));
			rc = oms_order_find(db, b.s, id);
			oms_buf_free(&b);
		} else
			rc = oms_reject("a record with no \"id\", \"order\", or "
			    "\"channel\" and \"external_id\"");
		cJSON_Delete(o);
		return rc;
	}
	return oms_order_find(db, p, id);
}
