/*
 * exchange.c: orders oms makes itself, for a return (an exchange) or for
 * a parcel lost or damaged on its way (a reship).
 *
 * Either is an order like any other, stored through oms_order_store as a
 * canonical record and routed and shipped as one, linked to the order it
 * comes from (orders.parent_id, origin, return_id).  Its channel is
 * "oms": confirmations go by channel (confirm.c), and no marketplace may
 * be told of a shipment of an order it never sent.  It stays the original
 * channel's all the same: its account is that channel's name (and
 * account), its external_id the original's with -X<n> or -R<n>, and the
 * record names the original order, channel and number.
 *
 * Money is worked in minor units.  The value of returned units is what a
 * refund of them would be: their price, less their share of the line's
 * discount, plus their share of its tax (added only when prices do not
 * hold it); each share rounded half away from zero.  An exchange line is
 * taxed at the effective rate of the lines it replaces (their tax over
 * their price less discount), rounded half away from zero per line.
 *
 * A reship writes the lost units off through the ledger.  Shipping took
 * them off on hand already (adjust, "shipped"), so they are counted
 * nowhere; the write-off moves them from shipped to lost without
 * changing a level: an adjust of +qty ("s_N lost: written off") and a
 * damage of qty ("lost in transit" or "damaged in transit") at the
 * location that shipped them, keyed by the parcel so that it happens
 * once.  `oms-stock history` so tells a sale from a loss.
 *
 * Each function runs in its own short transaction, or in the caller's,
 * and gives *out an array of the records to print: the order made (or
 * found again by its key, with "duplicate":true), then the money records
 * it comes to: a refund (on the original order, source "exchange"), a
 * charge (on the exchange), or the hold of an advance exchange.
 * oms_exchange_settle settles an advance exchange once the units it
 * replaces are all in (lapsed 0: the difference) or its return's window
 * ended without them (lapsed 1: the whole value held is charged); until
 * then, and after, it changes nothing and says so.
 */
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "oms.h"
#include "order.h"
#include "rma.h"
#include "stock.h"

#define MAXLINES 100

/* A line of the return. */
struct rline {
	int line_no, order_line, exchange, replaced;
	int64_t qty, received;
};

/* What an order line was sold for, in minor units. */
struct oline {
	int64_t qty, price, disc, tax;
};

/* a * b / c rounded half away from zero; c > 0. */
static int64_t
share(int64_t a, int64_t b, int64_t c)
{
	__int128 p = (__int128)a * b, q = p / c, r = p % c;

	if (r < 0)
		r = -r;
	if (2 * r >= c)
		q += p < 0 ? -1 : 1;
	return (int64_t)q;
}

static char *
fmt(int64_t v, int exp, char *buf)
{
	return oms_money_format(v, exp, buf, OMS_MONEY_BUFSZ);
}

static int
order_line(oms_db *db, int64_t order_id, int line_no, struct oline *ol)
{
	static const char sql[] =
	    "SELECT qty, coalesce(unit_price, 0), coalesce(discount, 0), "
	    "coalesce(tax, 0) FROM order_lines WHERE order_id = ? "
	    "AND line_no = ?";
	oms_stmt *st = oms_db_query(db, sql, "Ii", order_id, line_no);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		ol->qty = oms_col_int64(st, 0);
		ol->price = oms_col_int64(st, 1);
		ol->disc = oms_col_int64(st, 2);
		ol->tax = oms_col_int64(st, 3);
	}
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("order o_%lld has no line %d",
		    (long long)order_id, line_no);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read an order's lines");
	if (ol->qty <= 0)
		return oms_reject("order o_%lld line %d has quantity %lld",
		    (long long)order_id, line_no, (long long)ol->qty);
	return OMS_OK;
}

/* What q units of line ol would refund. */
static int64_t
units_value(const struct oline *ol, int64_t q, int tax_included)
{
	int64_t v = oms_sat_mul(ol->price, q) - share(ol->disc, q, ol->qty);

	if (!tax_included)
		v += share(ol->tax, q, ol->qty);
	return v;
}

/*
 * The channel an order made by oms counts for: the original's channel,
 * with its account; an order made from one oms made keeps its account.
 */
static int
account_of(const cJSON *orig, char *buf, size_t n)
{
	const char *ch = oms_json_str(orig, "channel");
	const char *acct = oms_json_str(orig, "account");

	if (ch == NULL)
		ch = "oms";
	if (strcmp(ch, "oms") == 0 && acct != NULL)
		snprintf(buf, n, "%s", acct);
	else if (acct != NULL)
		snprintf(buf, n, "%s.%s", ch, acct);
	else
		snprintf(buf, n, "%s", ch);
	if (!oms_valid_account(buf))
		return oms_reject("'%s' does not make an account for an order "
		    "of oms (1 to 100 characters)", buf);
	return OMS_OK;
}

/* The first free external_id EXT-<tag><n> of channel oms, account acct. */
static int
free_number(oms_db *db, const char *acct, const char *ext, char tag,
    char *buf, size_t n)
{
	static const char sql[] =
	    "SELECT 1 FROM orders WHERE channel = 'oms' AND account = ? "
	    "AND external_id = ?";
	oms_stmt *st;
	int rc;

	for (int i = 1; i < 10000; i++) {
		snprintf(buf, n, "%s-%c%d", ext, tag, i);
		if ((st = oms_db_query(db, sql, "ss", acct, buf)) == NULL)
			return OMS_ERR;
		rc = oms_step(st);
		oms_reset(st);
		if (rc == OMS_DONE)
			return OMS_OK;
		if (rc != OMS_ROW)
			return oms_db_fail(db, rc, "cannot read the orders");
	}
	return oms_reject("order %s has 9999 orders of oms made from it "
	    "already", ext);
}

/*
 * The start of the record of an order made from orig: who it goes to and
 * what it came from.  channel oms, its account, a free number.
 */
static int
linked_order(oms_db *db, const cJSON *orig, int64_t orig_id, char tag,
    cJSON **out)
{
	static const char *const copied[] = { "currency", "customer",
	    "ship_to", "bill_to", "service" };
	char acct[128], ext[256], now[OMS_TIME_LEN], ref[32];
	const char *oext = oms_json_str(orig, "external_id");
	cJSON *o, *from;
	int rc;

	*out = NULL;
	if ((rc = account_of(orig, acct, sizeof acct)) != OMS_OK)
		return rc;
	if ((rc = free_number(db, acct, oext ? oext : "", tag, ext,
	    sizeof ext)) != OMS_OK)
		return rc;
	oms_time_now(now);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "order");
	cJSON_AddStringToObject(o, "channel", "oms");
	cJSON_AddStringToObject(o, "account", acct);
	cJSON_AddStringToObject(o, "external_id", ext);
	cJSON_AddStringToObject(o, "status", "open");
	cJSON_AddStringToObject(o, "placed_at", now);
	for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(orig,
		    copied[i]);

		if (v != NULL)
			cJSON_AddItemToObject(o, copied[i],
			    cJSON_Duplicate(v, 1));
	}
	from = cJSON_AddObjectToObject(o, "original");
	snprintf(ref, sizeof ref, "o_%lld", (long long)orig_id);
	cJSON_AddStringToObject(from, "order", ref);
	cJSON_AddStringToObject(from, "channel", oms_json_str(orig, "channel") ?
	    oms_json_str(orig, "channel") : "");
	if (oms_json_str(orig, "account") != NULL)
		cJSON_AddStringToObject(from, "account", oms_json_str(orig,
		    "account"));
	cJSON_AddStringToObject(from, "external_id", oext ? oext : "");
	*out = o;
	return OMS_OK;
}

/*
 * Store o through oms_order_store (a canonical record, source "oms"),
 * then link it: parent, origin, return.  *id gets its id.
 */
static int
store_linked(oms_db *db, cJSON *o, int64_t parent, const char *origin,
    int64_t return_id, int64_t *id)
{
	static const char sql[] =
	    "UPDATE orders SET parent_id = ?, origin = ?, return_id = ? "
	    "WHERE id = ?";
	struct oms_store_in in = { 0 };
	struct oms_store res;
	int rc;

	if (oms_order_normalize(o, OMS_NORM_CANONICAL) != OMS_OK)
		return oms_reject("the %s order: %s", origin, oms_error());
	in.source = "oms";
	rc = oms_order_store(db, o, &in, &res);
	cJSON_Delete(res.record);
	cJSON_Delete(res.reasons);
	if (rc != OMS_OK)
		return rc;
	if (res.action != OMS_ORDER_CREATED)
		return oms_seterr("the %s order %s was there already",
		    origin, oms_json_str(o, "external_id"));
	*id = res.id;
	return oms_db_run(db, sql, "cannot link an order", "IsrI", parent,
	    origin, return_id, res.id);
}

/* An event on order id whose after is the object after. */
static int
event(oms_db *db, int64_t id, const char *action, const cJSON *before,
    const cJSON *after)
{
	char *b = before ? oms_json_print(before) : NULL;
	char *a = after ? oms_json_print(after) : NULL;
	int rc = oms_db_event(db, id, action, b, a);

	free(b);
	free(a);
	return rc;
}

static cJSON *
ref_string(const char *prefix, int64_t id)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%s%lld", prefix, (long long)id);
	return cJSON_CreateString(buf);
}

/* ---- exchanges ----------------------------------------------------------- */

/* An exchange line as asked. */
struct xline {
	const char *sku;
	int64_t qty, price, amount, tax;
	int for_line, has_tax;
};

static int
read_return(oms_db *db, int64_t return_id, int64_t *order_id, char state[32])
{
	static const char sql[] =
	    "SELECT order_id, state FROM returns WHERE id = ?";
	oms_stmt *st = oms_db_query(db, sql, "I", return_id);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		*order_id = oms_col_int64(st, 0);
		snprintf(state, 32, "%s", oms_col_text(st, 1));
	}
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("no return r_%lld", (long long)return_id);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read a return");
	return OMS_OK;
}

static int
read_rlines(oms_db *db, int64_t return_id, struct rline **out, int *n)
{
	static const char sql[] =
	    "SELECT line_no, order_line, qty, received, resolution = 'exchange' "
	    "FROM return_lines WHERE return_id = ? ORDER BY line_no";
	oms_stmt *st = oms_db_query(db, sql, "I", return_id);
	struct rline *r = NULL;
	int rc, k = 0;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		r = erealloc(r, (size_t)(k + 1) * sizeof *r);
		memset(&r[k], 0, sizeof r[k]);
		r[k].line_no = oms_col_int(st, 0);
		r[k].order_line = oms_col_int(st, 1);
		r[k].qty = oms_col_int64(st, 2);
		r[k].received = oms_col_int64(st, 3);
		r[k].exchange = oms_col_int(st, 4);
		k++;
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		free(r);
		return oms_db_fail(db, rc, "cannot read a return's lines");
	}
	*out = r;
	*n = k;
	return OMS_OK;
}

/* The price of sku on channel's listing, in currency cur. */
static int
listing_price(oms_db *db, const char *channel, const char *sku,
    const char *cur, int n, int64_t *price)
{
	static const char sql[] =
	    "SELECT price, coalesce(currency, '') FROM listings "
	    "WHERE channel = ? AND sku = ? AND price IS NOT NULL "
	    "ORDER BY active DESC, channel_sku LIMIT 1";
	oms_stmt *st = oms_db_query(db, sql, "ss", channel, sku);
	char lcur[8] = "";
	int rc;

	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		*price = oms_col_int64(st, 0);
		snprintf(lcur, sizeof lcur, "%s", oms_col_text(st, 1));
	}
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("exchange line %d: no unit_price, and %s has "
		    "no listing of %s with a price: give unit_price", n,
		    channel, sku);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read the listings");
	if (lcur[0] != '\0' && strcmp(lcur, cur) != 0)
		return oms_reject("exchange line %d: the listing of %s on %s is "
		    "priced in %s, the order in %s: give unit_price", n, sku,
		    channel, lcur, cur);
	return OMS_OK;
}

static int
product_known(oms_db *db, const char *sku, int n)
{
	static const char sql[] = "SELECT 1 FROM products WHERE sku = ?";
	oms_stmt *st = oms_db_query(db, sql, "s", sku);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("exchange line %d: no product %s in the "
		    "catalog", n, sku);
	return rc == OMS_ROW ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read the catalog");
}

/* The lines of spec, checked. */
static int
parse_xlines(const cJSON *spec, int exp, struct xline **out, int *n)
{
	const cJSON *lines = cJSON_GetObjectItemCaseSensitive(spec, "lines");
	const cJSON *l;
	struct xline *x;
	int k = 0;

	*out = NULL;
	*n = 0;
	if (!cJSON_IsArray(lines) || cJSON_GetArraySize(lines) == 0)
		return oms_reject("an exchange needs lines: [{\"sku\":...,"
		    "\"qty\":...}]");
	if (cJSON_GetArraySize(lines) > MAXLINES)
		return oms_reject("an exchange of more than %d lines",
		    MAXLINES);
	x = ecalloc((size_t)cJSON_GetArraySize(lines), sizeof *x);
	cJSON_ArrayForEach(l, lines) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(l, "unit_price");
		const cJSON *f = cJSON_GetObjectItemCaseSensitive(l, "for_line");
		int64_t v;

		k++;
		x[k - 1].price = -1;
		if (!cJSON_IsObject(l)) {
			free(x);
			return oms_reject("exchange line %d is not an object", k);
		}
		x[k - 1].sku = oms_json_str(l, "sku");
		if (x[k - 1].sku == NULL || x[k - 1].sku[0] == '\0') {
			free(x);
			return oms_reject("exchange line %d has no sku", k);
		}
		if (oms_json_int(l, "qty", &v) != OMS_OK || v < 1 ||
		    v > OMS_QTY_MAX) {
			free(x);
			return oms_reject("exchange line %d: qty must be a whole "
			    "number from 1 to %d", k, OMS_QTY_MAX);
		}
		x[k - 1].qty = v;
		if (p != NULL && (!cJSON_IsString(p) || oms_money_parse(
		    p->valuestring, exp, &v) != OMS_OK || v < 0)) {
			free(x);
			return oms_reject("exchange line %d: unit_price must be an "
			    "amount of 0 or more, as a string", k);
		}
		if (p != NULL)
			x[k - 1].price = v;
		if (f != NULL && (oms_json_int(l, "for_line", &v) != OMS_OK ||
		    v < 1 || v > 100000)) {
			free(x);
			return oms_reject("exchange line %d: for_line must be the "
			    "number of a line of the return", k);
		}
		if (f != NULL)
			x[k - 1].for_line = (int)v;
	}
	*out = x;
	*n = k;
	return OMS_OK;
}

/* The key a spec gives, or the default made from what it is for. */
static int
spec_key(const cJSON *spec, const char *def, const char **key)
{
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(spec, "key");

	*key = def;
	if (k == NULL)
		return OMS_OK;
	if (!cJSON_IsString(k) || k->valuestring[0] == '\0' ||
	    strlen(k->valuestring) > 200)
		return oms_reject("key must be a string of 1 to 200 characters");
	*key = k->valuestring;
	return OMS_OK;
}

/*
 * The order of origin origin stored under key, if any: *id, else 0.
 * Only orders with a parent are read (their index, orders_parent).
 */
static int
by_key(oms_db *db, const char *origin, const char *key, int64_t *id,
    char *what, size_t n)
{
	static const char sql[] =
	    "SELECT id, coalesce(record ->> ('$.' || origin || '.return'), "
	    "record ->> ('$.' || origin || '.shipment'), '') FROM orders "
	    "WHERE parent_id > 0 AND origin = ?1 "
	    "AND record ->> ('$.' || ?1 || '.key') = ?2 ORDER BY id LIMIT 1";
	oms_stmt *st = oms_db_query(db, sql, "ss", origin, key);
	int rc;

	*id = 0;
	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		*id = oms_col_int64(st, 0);
		snprintf(what, n, "%s", oms_col_text(st, 1));
	}
	oms_reset(st);
	return rc == OMS_ROW || rc == OMS_DONE ? OMS_OK :
	    oms_db_fail(db, rc, "cannot read the orders");
}

/* A money record for the payment adapter or the channel. */
static cJSON *
money_record(const char *type, int64_t order, int64_t exchange,
    int64_t return_id, const char *key, const char *cur, int exp,
    int64_t amount, const char *reason)
{
	cJSON *r = cJSON_CreateObject();
	char b[OMS_MONEY_BUFSZ];

	cJSON_AddStringToObject(r, "type", type);
	cJSON_AddItemToObject(r, "order", ref_string("o_", order));
	cJSON_AddItemToObject(r, "exchange", ref_string("o_", exchange));
	cJSON_AddItemToObject(r, "return", ref_string("r_", return_id));
	cJSON_AddStringToObject(r, "key", key);
	if (strcmp(type, "refund") == 0)
		cJSON_AddStringToObject(r, "source", "exchange");
	cJSON_AddStringToObject(r, "currency", cur);
	cJSON_AddStringToObject(r, strcmp(type, "refund") == 0 ? "total" :
	    "amount", fmt(amount, exp, b));
	cJSON_AddStringToObject(r, "reason", reason);
	return r;
}

/*
 * The money an exchange settles with, as records added to out: a
 * refund on the original order when the exchange is worth less than the
 * units it replaces, a charge on the exchange when more (all of its
 * value, when lapsed), nothing when even.
 */
static void
settlement(cJSON *out, const cJSON *x, int64_t xid, int lapsed)
{
	const char *cur = oms_json_str(x, "currency");
	int exp = oms_currency_exponent(cur);
	int64_t orig = 0, ret = 0, diff = 0, value = 0;
	char key[64], why[200], b[OMS_MONEY_BUFSZ];
	const char *s;

	if ((s = oms_json_str(x, "original")) != NULL)
		orig = strtoll(s + 2, NULL, 10);
	if ((s = oms_json_str(x, "return")) != NULL)
		ret = strtoll(s + 2, NULL, 10);
	oms_money_parse(oms_json_str(x, "difference"), exp, &diff);
	oms_money_parse(oms_json_str(x, "value"), exp, &value);
	if (lapsed) {
		snprintf(key, sizeof key, "exchange:o_%lld:charge",
		    (long long)xid);
		snprintf(why, sizeof why, "advance exchange o_%lld: the return "
		    "r_%lld did not arrive in its window", (long long)xid,
		    (long long)ret);
		if (value > 0)
			cJSON_AddItemToArray(out, money_record("charge", xid, xid,
			    ret, key, cur, exp, value, why));
	} else if (diff > 0) {
		snprintf(key, sizeof key, "exchange:o_%lld:charge",
		    (long long)xid);
		snprintf(why, sizeof why, "exchange o_%lld is worth %s more "
		    "than the units it replaces", (long long)xid,
		    fmt(diff, exp, b));
		cJSON_AddItemToArray(out, money_record("charge", xid, xid, ret,
		    key, cur, exp, diff, why));
	} else if (diff < 0) {
		snprintf(key, sizeof key, "exchange:o_%lld:refund",
		    (long long)xid);
		snprintf(why, sizeof why, "exchange o_%lld is worth %s less "
		    "than the units it replaces", (long long)xid,
		    fmt(-diff, exp, b));
		cJSON_AddItemToArray(out, money_record("refund", orig, xid, ret,
		    key, cur, exp, -diff, why));
	}
}

/* The hold an advance exchange puts on its whole value. */
static cJSON *
hold_record(const cJSON *x, int64_t xid)
{
	const char *cur = oms_json_str(x, "currency");
	int exp = oms_currency_exponent(cur);
	int64_t value = 0, ret = 0;
	char key[64], why[200];

	oms_money_parse(oms_json_str(x, "held"), exp, &value);
	if (oms_json_str(x, "return") != NULL)
		ret = strtoll(oms_json_str(x, "return") + 2, NULL, 10);
	snprintf(key, sizeof key, "exchange:o_%lld:hold", (long long)xid);
	snprintf(why, sizeof why, "advance exchange o_%lld ships before the "
	    "return r_%lld arrives", (long long)xid, (long long)ret);
	return money_record("hold", xid, xid, ret, key, cur, exp, value, why);
}

/* What oms_exchange_create hands back for the stored exchange xid. */
static int
exchange_out(oms_db *db, int64_t xid, int duplicate, cJSON **out)
{
	cJSON *o = oms_order_record(db, xid);
	const cJSON *x;

	if (o == NULL)
		return OMS_ERR;
	if (duplicate)
		cJSON_AddBoolToObject(o, "duplicate", 1);
	*out = cJSON_CreateArray();
	cJSON_AddItemToArray(*out, o);
	x = cJSON_GetObjectItemCaseSensitive(o, "exchange");
	if (strcmp(oms_json_str(x, "state") ? oms_json_str(x, "state") : "",
	    "held") == 0)
		cJSON_AddItemToArray(*out, hold_record(x, xid));
	else
		settlement(*out, x, xid, strcmp(oms_json_str(x, "state") ?
		    oms_json_str(x, "state") : "", "charged") == 0);
	return OMS_OK;
}

static int
make_exchange(oms_db *db, int64_t return_id, const cJSON *spec,
    int64_t *xid, int *duplicate)
{
	static const char sql_other[] =
	    "SELECT id, record ->> '$.exchange.key' FROM orders "
	    "WHERE return_id = ? AND origin = 'exchange' ORDER BY id LIMIT 1";
	struct rline *rl = NULL;
	struct xline *xl = NULL;
	cJSON *orig = NULL, *o = NULL, *lines, *x, *after, *rep;
	const cJSON *adv = cJSON_GetObjectItemCaseSensitive(spec, "advance");
	const char *cur, *channel, *key;
	char state[32], defkey[64], what[64], b[OMS_MONEY_BUFSZ];
	int64_t order_id, found, value = 0, credit = 0;
	int nr, nx, rc, exp, incl, advance, spread = 0;
	oms_stmt *st;

	*xid = 0;
	*duplicate = 0;
	if (adv != NULL && !cJSON_IsBool(adv))
		return oms_reject("advance must be true or false");
	advance = cJSON_IsTrue(adv);
	snprintf(defkey, sizeof defkey, "r_%lld:exchange",
	    (long long)return_id);
	if ((rc = spec_key(spec, defkey, &key)) != OMS_OK)
		return rc;
	if ((rc = read_return(db, return_id, &order_id, state)) != OMS_OK)
		return rc;
	if ((rc = by_key(db, "exchange", key, &found, what, sizeof what)) !=
	    OMS_OK)
		return rc;
	if (found) {
		char want[32];

		snprintf(want, sizeof want, "r_%lld", (long long)return_id);
		if (strcmp(what, want) != 0)
			return oms_reject("key '%s' is the exchange o_%lld of "
			    "return %s, not of %s", key, (long long)found, what,
			    want);
		*xid = found;
		*duplicate = 1;
		return OMS_OK;
	}
	if (strcmp(state, "declined") == 0 || strcmp(state, "cancelled") == 0 ||
	    strcmp(state, "expired") == 0)
		return oms_reject("return r_%lld is %s: nothing to exchange",
		    (long long)return_id, state);
	if ((st = oms_db_query(db, sql_other, "I", return_id)) == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		found = oms_col_int64(st, 0);
		snprintf(what, sizeof what, "%s", oms_col_str(st, 1));
	}
	oms_reset(st);
	if (rc == OMS_ROW)
		return oms_reject("return r_%lld has an exchange already: o_%lld "
		    "(key '%s')", (long long)return_id, (long long)found, what);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the orders");
	if ((orig = oms_order_record(db, order_id)) == NULL)
		return OMS_ERR;
	cur = oms_json_str(orig, "currency");
	channel = oms_json_str(orig, "channel");
	exp = oms_currency_exponent(cur);
	incl = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(orig, "totals"), "tax_included"));
	if ((rc = parse_xlines(spec, exp, &xl, &nx)) != OMS_OK ||
	    (rc = read_rlines(db, return_id, &rl, &nr)) != OMS_OK)
		goto out;

	/* Which of the return's units the exchange replaces. */
	for (int i = 0; i < nx; i++) {
		int hit = 0;

		if (xl[i].for_line == 0) {
			spread = 1;
			continue;
		}
		for (int j = 0; j < nr; j++)
			if (rl[j].line_no == xl[i].for_line)
				rl[j].replaced = hit = 1;
		if (!hit) {
			rc = oms_reject("exchange line %d: return r_%lld has no "
			    "line %d", i + 1, (long long)return_id,
			    xl[i].for_line);
			goto out;
		}
	}
	if (spread) {
		int any = 0;

		for (int j = 0; j < nr; j++)
			if (rl[j].exchange)
				rl[j].replaced = any = 1;
		if (!any) {
			rc = oms_reject("return r_%lld has no line to be "
			    "exchanged: name the line each exchange line "
			    "replaces with for_line", (long long)return_id);
			goto out;
		}
	}
	for (int j = 0; j < nr; j++) {
		struct oline ol;

		if (!rl[j].replaced)
			continue;
		if (!advance && rl[j].received < rl[j].qty) {
			rc = oms_reject("return r_%lld line %d: %lld of %lld "
			    "units received; an exchange that ships before "
			    "the return is in is an advance exchange "
			    "(\"advance\":true)", (long long)return_id,
			    rl[j].line_no, (long long)rl[j].received,
			    (long long)rl[j].qty);
			goto out;
		}
		if ((rc = order_line(db, order_id, rl[j].order_line, &ol)) !=
		    OMS_OK)
			goto out;
		credit += units_value(&ol, rl[j].qty, incl);
	}

	/* The new lines: their price, and the tax of what they replace. */
	for (int i = 0; i < nx; i++) {
		int64_t t = 0, base = 0;

		if ((rc = product_known(db, xl[i].sku, i + 1)) != OMS_OK)
			goto out;
		if (xl[i].price < 0 && (rc = listing_price(db, channel,
		    xl[i].sku, cur, i + 1, &xl[i].price)) != OMS_OK)
			goto out;
		xl[i].amount = oms_sat_mul(xl[i].price, xl[i].qty);
		for (int j = 0; j < nr; j++) {
			struct oline ol;

			if (xl[i].for_line ? rl[j].line_no != xl[i].for_line :
			    !rl[j].exchange)
				continue;
			if ((rc = order_line(db, order_id, rl[j].order_line,
			    &ol)) != OMS_OK)
				goto out;
			t += ol.tax;
			base += oms_sat_mul(ol.price, ol.qty) - ol.disc;
		}
		if (t > 0 && base > 0) {
			xl[i].tax = share(xl[i].amount, t, base);
			xl[i].has_tax = 1;
		}
		value += xl[i].amount + (incl ? 0 : xl[i].tax);
	}

	if ((rc = linked_order(db, orig, order_id, 'X', &o)) != OMS_OK)
		goto out;
	lines = cJSON_AddArrayToObject(o, "lines");
	for (int i = 0; i < nx; i++) {
		cJSON *l = cJSON_CreateObject();
		char id[16];

		snprintf(id, sizeof id, "X%d", i + 1);
		cJSON_AddStringToObject(l, "line_id", id);
		cJSON_AddStringToObject(l, "sku", xl[i].sku);
		cJSON_AddNumberToObject(l, "qty", (double)xl[i].qty);
		cJSON_AddStringToObject(l, "unit_price", fmt(xl[i].price, exp,
		    b));
		if (xl[i].has_tax)
			cJSON_AddStringToObject(l, "tax", fmt(xl[i].tax, exp, b));
		cJSON_AddItemToArray(lines, l);
	}
	if (incl)
		cJSON_AddBoolToObject(cJSON_AddObjectToObject(o, "totals"),
		    "tax_included", 1);
	cJSON_AddStringToObject(o, "origin", "exchange");
	x = cJSON_AddObjectToObject(o, "exchange");
	cJSON_AddItemToObject(x, "return", ref_string("r_", return_id));
	cJSON_AddItemToObject(x, "original", ref_string("o_", order_id));
	cJSON_AddStringToObject(x, "key", key);
	cJSON_AddStringToObject(x, "value", fmt(value, exp, b));
	cJSON_AddStringToObject(x, "credit", fmt(credit, exp, b));
	cJSON_AddStringToObject(x, "difference", fmt(value - credit, exp, b));
	cJSON_AddStringToObject(x, "currency", cur);
	cJSON_AddBoolToObject(x, "advance", advance);
	rep = cJSON_AddArrayToObject(x, "replaces");
	for (int j = 0; j < nr; j++)
		if (rl[j].replaced)
			cJSON_AddItemToArray(rep, cJSON_CreateNumber(
			    rl[j].line_no));
	if (advance) {
		cJSON_AddStringToObject(x, "held", fmt(value, exp, b));
		cJSON_AddStringToObject(x, "state", "held");
	} else
		cJSON_AddStringToObject(x, "state", "settled");
	if ((rc = store_linked(db, o, order_id, "exchange", return_id, xid)) !=
	    OMS_OK)
		goto out;
	after = cJSON_CreateObject();
	cJSON_AddItemToObject(after, "exchange", ref_string("o_", *xid));
	cJSON_AddItemToObject(after, "return", ref_string("r_", return_id));
	cJSON_AddItemToObject(after, "difference", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(x, "difference"), 1));
	rc = event(db, order_id, "exchanged", NULL, after);
	cJSON_Delete(after);
	if (rc == OMS_OK)
		rc = event(db, *xid, "exchange", NULL, x);
out:
	free(rl);
	free(xl);
	cJSON_Delete(orig);
	cJSON_Delete(o);
	return rc;
}

int
oms_exchange_create(oms_db *db, int64_t return_id, const cJSON *spec,
    cJSON **out)
{
	int64_t xid;
	int rc, nested, dup;

	*out = NULL;
	if (!cJSON_IsObject(spec))
		return oms_reject("an exchange is a JSON object");
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	rc = make_exchange(db, return_id, spec, &xid, &dup);
	if (rc == OMS_OK)
		rc = exchange_out(db, xid, dup, out);
	if ((rc = oms_db_write_end(db, nested, rc)) != OMS_OK) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

/* Whether every line of the return exchange x replaces has come in. */
static int
replaced_in(oms_db *db, int64_t return_id, const cJSON *x, int *in,
    char *why, size_t n)
{
	const cJSON *want = cJSON_GetObjectItemCaseSensitive(x, "replaces");
	struct rline *rl;
	int nr, rc;

	*in = 1;
	if ((rc = read_rlines(db, return_id, &rl, &nr)) != OMS_OK)
		return rc;
	for (int j = 0; j < nr && *in; j++) {
		const cJSON *w;
		int named = 0;

		cJSON_ArrayForEach(w, want)
			if (cJSON_IsNumber(w) && w->valueint == rl[j].line_no)
				named = 1;
		if (named && rl[j].received < rl[j].qty) {
			*in = 0;
			snprintf(why, n, "line %d: %lld of %lld units received",
			    rl[j].line_no, (long long)rl[j].received,
			    (long long)rl[j].qty);
		}
	}
	free(rl);
	return OMS_OK;
}

int
oms_exchange_settle(oms_db *db, int64_t return_id, int lapsed, cJSON **out)
{
	static const char sql_find[] =
	    "SELECT id FROM orders WHERE return_id = ? AND origin = 'exchange' "
	    "ORDER BY id LIMIT 1";
	static const char sql_set[] =
	    "UPDATE orders SET record = json_set(record, '$.exchange', "
	    "json(?2)) WHERE id = ?1";
	cJSON *o = NULL, *x, *before = NULL, *rec;
	int64_t xid = 0, order_id;
	char state[32], why[128] = "", *text;
	const char *s;
	int rc, nested, in;
	oms_stmt *st;

	*out = NULL;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	if ((rc = read_return(db, return_id, &order_id, state)) != OMS_OK)
		goto out;
	if ((st = oms_db_query(db, sql_find, "I", return_id)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	if ((rc = oms_step(st)) == OMS_ROW)
		xid = oms_col_int64(st, 0);
	oms_reset(st);
	if (rc == OMS_DONE) {
		rc = oms_reject("return r_%lld has no exchange",
		    (long long)return_id);
		goto out;
	}
	if (rc != OMS_ROW) {
		rc = oms_db_fail(db, rc, "cannot read the orders");
		goto out;
	}
	if ((o = oms_order_record(db, xid)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	x = cJSON_GetObjectItemCaseSensitive(o, "exchange");
	s = oms_json_str(x, "state");
	*out = cJSON_CreateArray();
	if (s == NULL || strcmp(s, "held") != 0) {
		/* Settled already, or never held: nothing more to do. */
		rec = cJSON_CreateObject();
		cJSON_AddStringToObject(rec, "type", "exchange");
		cJSON_AddItemToObject(rec, "order", ref_string("o_", xid));
		cJSON_AddItemToObject(rec, "return", ref_string("r_",
		    return_id));
		cJSON_AddStringToObject(rec, "state", s ? s : "");
		cJSON_AddBoolToObject(rec, "duplicate", 1);
		cJSON_AddItemToArray(*out, rec);
		rc = OMS_OK;
		goto out;
	}
	if ((rc = replaced_in(db, return_id, x, &in, why, sizeof why)) !=
	    OMS_OK)
		goto out;
	if (!lapsed && !in) {
		/* A receipt of part of it: the hold waits for the rest. */
		rec = cJSON_CreateObject();
		cJSON_AddStringToObject(rec, "type", "exchange");
		cJSON_AddItemToObject(rec, "order", ref_string("o_", xid));
		cJSON_AddItemToObject(rec, "return", ref_string("r_",
		    return_id));
		cJSON_AddStringToObject(rec, "state", "held");
		cJSON_AddStringToObject(rec, "waiting", why);
		cJSON_AddItemToArray(*out, rec);
		rc = OMS_OK;
		goto out;
	}
	if (lapsed && in) {
		rc = oms_reject("return r_%lld has come in: settle its exchange "
		    "o_%lld as received, not lapsed", (long long)return_id,
		    (long long)xid);
		goto out;
	}
	before = cJSON_CreateObject();
	cJSON_AddItemToObject(before, "exchange", cJSON_Duplicate(x, 1));
	cJSON_ReplaceItemInObjectCaseSensitive(x, "state", cJSON_CreateString(
	    lapsed ? "charged" : "settled"));
	if ((text = oms_json_print(x)) == NULL) {
		rc = oms_seterr("out of memory");
		goto out;
	}
	rc = oms_db_run(db, sql_set, "cannot store an exchange", "Is", xid,
	    text);
	free(text);
	if (rc == OMS_OK) {
		cJSON *after = cJSON_CreateObject();

		cJSON_AddItemToObject(after, "exchange", cJSON_Duplicate(x, 1));
		rc = event(db, xid, lapsed ? "exchange_charged" :
		    "exchange_settled", before, after);
		cJSON_Delete(after);
	}
	if (rc == OMS_OK) {
		rec = cJSON_CreateObject();
		cJSON_AddStringToObject(rec, "type", "exchange");
		cJSON_AddItemToObject(rec, "order", ref_string("o_", xid));
		cJSON_AddItemToObject(rec, "return", ref_string("r_",
		    return_id));
		cJSON_AddItemToObject(rec, "original", ref_string("o_",
		    order_id));
		cJSON_AddStringToObject(rec, "difference", oms_json_str(x,
		    "difference"));
		cJSON_AddStringToObject(rec, "currency", oms_json_str(x,
		    "currency"));
		cJSON_AddStringToObject(rec, "state", lapsed ? "charged" :
		    "settled");
		cJSON_AddItemToArray(*out, rec);
		settlement(*out, x, xid, lapsed);
	}
out:
	cJSON_Delete(o);
	cJSON_Delete(before);
	if ((rc = oms_db_write_end(db, nested, rc)) != OMS_OK) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- reships ------------------------------------------------------------- */

struct parcel {
	int64_t id, order_id;
	char status[32], location[128], tracking[128];
};

/* A line of the order the parcel carried, and how much of it goes again. */
struct pline {
	int line_no;
	char *sku, *title;
	int64_t carried, qty;
};

static int
find_parcel(oms_db *db, int64_t order_id, const cJSON *spec,
    struct parcel *p)
{
	static const char sql_id[] =
	    "SELECT id, order_id, status, location, tracking FROM shipments "
	    "WHERE id = ?";
	static const char sql_tracking[] =
	    "SELECT id, order_id, status, location, tracking FROM shipments "
	    "WHERE tracking = ?1 OR EXISTS (SELECT 1 FROM json_each(record, "
	    "'$.packages') AS k WHERE k.value ->> '$.tracking' = ?1) "
	    "ORDER BY order_id = ?2 DESC, status = 'voided', id LIMIT 1";
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(spec, "shipment");
	const char *t = oms_json_str(spec, "tracking");
	char name[160];
	oms_stmt *st;
	int64_t id = 0;
	int rc;

	memset(p, 0, sizeof *p);
	if ((s == NULL) == (t == NULL))
		return oms_reject("a reship names the parcel: \"shipment\" "
		    "(s_N) or \"tracking\", one of them");
	if (s != NULL) {
		const char *v = cJSON_IsString(s) ? s->valuestring : "";
		char *end;

		if (v[0] == 's' && v[1] == '_')
			v += 2;
		id = *v >= '0' && *v <= '9' ? strtoll(v, &end, 10) : 0;
		if (id <= 0 || *end != '\0')
			return oms_reject("shipment must be a shipment id, s_N");
		snprintf(name, sizeof name, "s_%lld", (long long)id);
		st = oms_db_query(db, sql_id, "I", id);
	} else {
		if (t[0] == '\0' || strlen(t) > 100)
			return oms_reject("tracking must be a tracking number");
		snprintf(name, sizeof name, "tracking %s", t);
		st = oms_db_query(db, sql_tracking, "sI", t, order_id);
	}
	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		p->id = oms_col_int64(st, 0);
		p->order_id = oms_col_int64(st, 1);
		snprintf(p->status, sizeof p->status, "%s", oms_col_text(st, 2));
		snprintf(p->location, sizeof p->location, "%s",
		    oms_col_text(st, 3));
		snprintf(p->tracking, sizeof p->tracking, "%s",
		    oms_col_text(st, 4));
	}
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("no shipment with %s", name);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read the shipments");
	if (p->order_id != order_id)
		return oms_reject("s_%lld is a shipment of order o_%lld, not of "
		    "o_%lld", (long long)p->id, (long long)p->order_id,
		    (long long)order_id);
	if (strcmp(p->status, "voided") == 0)
		return oms_reject("s_%lld was voided: it never left, there is "
		    "nothing to reship", (long long)p->id);
	/* Its units are on their way back, not lost: no write-off. */
	if (strcmp(p->status, "returned") == 0)
		return oms_reject("s_%lld was sent back to the sender: receive "
		    "its units (oms-stock) and route the order again",
		    (long long)p->id);
	return OMS_OK;
}

static void
free_plines(struct pline *pl, int n)
{
	for (int i = 0; i < n; i++) {
		free(pl[i].sku);
		free(pl[i].title);
	}
	free(pl);
}

/* The order's lines parcel p carried, in whole units (whole kits). */
static int
carried(oms_db *db, const struct parcel *p, struct pline **out, int *n)
{
	static const char sql[] =
	    "SELECT l.line_no, l.sku, l.title, CASE WHEN EXISTS (SELECT 1 "
	    "FROM kit_components k WHERE k.kit_sku = l.sku) THEN (SELECT "
	    "min(CAST(coalesce(s.n, 0) AS BIGINT) / k.qty) "
	    "FROM kit_components k LEFT JOIN "
	    "(SELECT sku, sum(qty) AS n FROM shipment_lines WHERE "
	    "shipment_id = ?1 AND line_no = l.line_no GROUP BY sku) AS s "
	    "ON s.sku = k.sku WHERE k.kit_sku = l.sku) ELSE (SELECT sum(qty) "
	    "FROM shipment_lines WHERE shipment_id = ?1 AND line_no = "
	    "l.line_no) END FROM order_lines l WHERE l.order_id = ?2 AND "
	    "l.sku IS NOT NULL AND l.line_no IN (SELECT line_no FROM "
	    "shipment_lines WHERE shipment_id = ?1) ORDER BY l.line_no";
	oms_stmt *st = oms_db_query(db, sql, "II", p->id, p->order_id);
	struct pline *pl = NULL;
	int rc, k = 0;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		if (oms_col_int64(st, 3) <= 0)
			continue;	/* a kit it carried only part of */
		pl = erealloc(pl, (size_t)(k + 1) * sizeof *pl);
		pl[k].line_no = oms_col_int(st, 0);
		pl[k].sku = estrdup(oms_col_text(st, 1));
		pl[k].title = oms_col_null(st, 2) ? NULL :
		    estrdup(oms_col_text(st, 2));
		pl[k].carried = oms_col_int64(st, 3);
		pl[k].qty = 0;
		k++;
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		free_plines(pl, k);
		return oms_db_fail(db, rc, "cannot read a shipment's lines");
	}
	*out = pl;
	*n = k;
	return OMS_OK;
}

/* How much of each line goes again: spec's lines, or all it carried. */
static int
reship_qty(const cJSON *spec, const struct parcel *p, struct pline *pl,
    int n)
{
	const cJSON *lines = cJSON_GetObjectItemCaseSensitive(spec, "lines");
	const cJSON *l;
	int k = 0;

	if (lines == NULL) {
		for (int i = 0; i < n; i++)
			pl[i].qty = pl[i].carried;
		return n > 0 ? OMS_OK : oms_reject("s_%lld carried no whole "
		    "line of the order", (long long)p->id);
	}
	if (!cJSON_IsArray(lines) || cJSON_GetArraySize(lines) == 0)
		return oms_reject("lines must be a list of {\"order_line\":N,"
		    "\"qty\":Q}");
	cJSON_ArrayForEach(l, lines) {
		int64_t ln, q;
		int i;

		k++;
		if (oms_json_int(l, "order_line", &ln) != OMS_OK ||
		    oms_json_int(l, "qty", &q) != OMS_OK || q < 1)
			return oms_reject("reship line %d: order_line and qty "
			    "must be whole numbers, qty 1 or more", k);
		for (i = 0; i < n && pl[i].line_no != ln; i++)
			;
		if (i == n)
			return oms_reject("reship line %d: s_%lld carried nothing "
			    "of order line %lld", k, (long long)p->id,
			    (long long)ln);
		if (pl[i].qty > 0)
			return oms_reject("reship line %d: order line %lld is "
			    "named twice", k, (long long)ln);
		if (q > pl[i].carried)
			return oms_reject("reship line %d: s_%lld carried %lld of "
			    "order line %lld, not %lld", k, (long long)p->id,
			    (long long)pl[i].carried, (long long)ln,
			    (long long)q);
		pl[i].qty = q;
	}
	return OMS_OK;
}

static int
ledger(oms_db *db, const char *kind, const char *sku, const char *loc,
    int64_t qty, const char *reason, const char *ref, const char *key)
{
	cJSON *m = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(m, "type", "movement");
	cJSON_AddStringToObject(m, "kind", kind);
	cJSON_AddStringToObject(m, "sku", sku);
	cJSON_AddStringToObject(m, "location", loc);
	cJSON_AddNumberToObject(m, "qty", (double)qty);
	cJSON_AddStringToObject(m, "reason", reason);
	cJSON_AddStringToObject(m, "ref", ref);
	cJSON_AddStringToObject(m, "key", key);
	rc = oms_stock_move(db, m, NULL);
	cJSON_Delete(m);
	return rc;
}

/*
 * Write off the units of line pl that went with parcel p: each SKU the
 * parcel carried of it (a kit's components), in proportion to the units
 * reshipped, from shipped to lost.  Levels do not move (see the top).
 */
static int
write_off(oms_db *db, const struct parcel *p, const struct pline *pl,
    const char *reason)
{
	static const char sql[] =
	    "SELECT sku, sum(qty) FROM shipment_lines WHERE shipment_id = ? "
	    "AND line_no = ? GROUP BY sku ORDER BY sku";
	oms_stmt *st = oms_db_query(db, sql, "Ii", p->id, pl->line_no);
	cJSON *units = cJSON_CreateObject(), *u;
	char ref[32], why[160], back[160], key[320];
	int rc;

	if (st == NULL) {
		cJSON_Delete(units);
		return OMS_ERR;
	}
	while ((rc = oms_step(st)) == OMS_ROW)
		cJSON_AddNumberToObject(units, oms_col_text(st, 0),
		    (double)(oms_col_int64(st, 1) * pl->qty / pl->carried));
	oms_reset(st);
	if (rc != OMS_DONE) {
		cJSON_Delete(units);
		return oms_db_fail(db, rc, "cannot read a shipment's lines");
	}
	snprintf(ref, sizeof ref, "s_%lld", (long long)p->id);
	snprintf(back, sizeof back, "%s %s: written off", ref, reason);
	snprintf(why, sizeof why, "%s in transit (%s)", reason, ref);
	rc = OMS_OK;
	cJSON_ArrayForEach(u, units) {
		int64_t q = (int64_t)u->valuedouble;

		if (q <= 0)
			continue;
		snprintf(key, sizeof key, "reship:s%lld:l%d:%s:back",
		    (long long)p->id, pl->line_no, u->string);
		if ((rc = ledger(db, "adjust", u->string, p->location, q, back,
		    ref, key)) != OMS_OK)
			break;
		snprintf(key, sizeof key, "reship:s%lld:l%d:%s:off",
		    (long long)p->id, pl->line_no, u->string);
		if ((rc = ledger(db, "damage", u->string, p->location, q, why,
		    ref, key)) != OMS_OK)
			break;
	}
	cJSON_Delete(units);
	return rc;
}

/*
 * The original order after its parcel is lost: the status its facts now
 * make.  A hold the carrier made for the parcel is lifted: the reship is
 * the answer to it.
 */
static int
settle_original(oms_db *db, int64_t id, const cJSON *extra)
{
	static const char sql_kind[] =
	    "SELECT coalesce(hold_kind, '') FROM orders WHERE id = ?";
	char status[32], expected[32], progress[32], kind[32] = "";
	oms_stmt *st;
	int rc;

	if ((rc = oms_order_expected(db, id, status, expected, progress)) !=
	    OMS_OK)
		return rc;
	if ((st = oms_db_query(db, sql_kind, "I", id)) == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW)
		snprintf(kind, sizeof kind, "%s", oms_col_text(st, 0));
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read an order");
	if (strcmp(status, "hold") == 0 && strcmp(kind, "carrier") == 0)
		return oms_order_status(db, id, "released", progress, NULL,
		    extra);
	if (strcmp(status, expected) != 0)
		return oms_order_status(db, id, "reshipped", expected, NULL,
		    extra);
	return OMS_OK;
}

static int
make_reship(oms_db *db, int64_t order_id, const cJSON *spec, int64_t *rid,
    int *duplicate)
{
	static const char sql_again[] =
	    "SELECT id, record ->> '$.reship.key' FROM orders "
	    "WHERE parent_id = ? AND origin = 'reship' "
	    "AND record ->> '$.reship.shipment' = ? ORDER BY id LIMIT 1";
	static const char sql_mark[] =
	    "UPDATE shipments SET status = ?2, record = json_set(record, "
	    "'$.status', ?2, '$.reshipped', json(?3)) WHERE id = ?1";
	struct parcel p;
	struct pline *pl = NULL;
	cJSON *orig = NULL, *o = NULL, *lines, *r, *rl, *x = NULL;
	const char *reason = oms_json_str(spec, "reason"), *key;
	char sref[32], defkey[64], what[64], b[OMS_MONEY_BUFSZ], *text;
	int64_t found = 0;
	int n = 0, rc, exp;
	oms_stmt *st;

	*rid = 0;
	*duplicate = 0;
	if (reason == NULL || (strcmp(reason, "lost") != 0 &&
	    strcmp(reason, "damaged") != 0))
		return oms_reject("reason must be \"lost\" or \"damaged\"");
	if ((rc = find_parcel(db, order_id, spec, &p)) != OMS_OK)
		return rc;
	snprintf(sref, sizeof sref, "s_%lld", (long long)p.id);
	snprintf(defkey, sizeof defkey, "%s:reship", sref);
	if ((rc = spec_key(spec, defkey, &key)) != OMS_OK)
		return rc;
	if ((rc = by_key(db, "reship", key, &found, what, sizeof what)) !=
	    OMS_OK)
		return rc;
	if (found) {
		if (strcmp(what, sref) != 0)
			return oms_reject("key '%s' is the reship o_%lld of %s, "
			    "not of %s", key, (long long)found, what, sref);
		*rid = found;
		*duplicate = 1;
		return OMS_OK;
	}
	if ((st = oms_db_query(db, sql_again, "Is", order_id, sref)) == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		found = oms_col_int64(st, 0);
		snprintf(what, sizeof what, "%s", oms_col_str(st, 1));
	}
	oms_reset(st);
	if (rc == OMS_ROW)
		return oms_reject("%s was reshipped already: o_%lld (key '%s')",
		    sref, (long long)found, what);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the orders");
	if ((rc = carried(db, &p, &pl, &n)) != OMS_OK)
		return rc;
	if ((rc = reship_qty(spec, &p, pl, n)) != OMS_OK)
		goto out;
	if ((orig = oms_order_record(db, order_id)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	exp = oms_currency_exponent(oms_json_str(orig, "currency"));
	if ((rc = linked_order(db, orig, order_id, 'R', &o)) != OMS_OK)
		goto out;
	lines = cJSON_AddArrayToObject(o, "lines");
	r = cJSON_CreateObject();
	rl = cJSON_CreateArray();
	for (int i = 0, k = 0; i < n; i++) {
		cJSON *l;
		char id[16];

		if (pl[i].qty == 0)
			continue;
		l = cJSON_CreateObject();
		snprintf(id, sizeof id, "R%d", ++k);
		cJSON_AddStringToObject(l, "line_id", id);
		cJSON_AddStringToObject(l, "sku", pl[i].sku);
		if (pl[i].title != NULL)
			cJSON_AddStringToObject(l, "title", pl[i].title);
		cJSON_AddNumberToObject(l, "qty", (double)pl[i].qty);
		cJSON_AddStringToObject(l, "unit_price", fmt(0, exp, b));
		cJSON_AddItemToArray(lines, l);
		l = cJSON_CreateObject();
		cJSON_AddNumberToObject(l, "order_line", pl[i].line_no);
		cJSON_AddNumberToObject(l, "qty", (double)pl[i].qty);
		cJSON_AddItemToArray(rl, l);
	}
	cJSON_AddStringToObject(o, "origin", "reship");
	cJSON_AddStringToObject(r, "shipment", sref);
	cJSON_AddStringToObject(r, "tracking", p.tracking);
	cJSON_AddStringToObject(r, "reason", reason);
	cJSON_AddStringToObject(r, "key", key);
	cJSON_AddItemToObject(r, "lines", rl);
	cJSON_AddItemToObject(o, "reship", r);
	if ((rc = store_linked(db, o, order_id, "reship", 0, rid)) != OMS_OK)
		goto out;

	/* The lost units written off, the parcel marked, the order settled. */
	for (int i = 0; i < n && rc == OMS_OK; i++)
		if (pl[i].qty > 0)
			rc = write_off(db, &p, &pl[i], reason);
	if (rc != OMS_OK)
		goto out;
	x = cJSON_CreateObject();
	cJSON_AddItemToObject(x, "order", ref_string("o_", *rid));
	cJSON_AddStringToObject(x, "reason", reason);
	cJSON_AddStringToObject(x, "was", p.status);
	if ((text = oms_json_print(x)) == NULL) {
		rc = oms_seterr("out of memory");
		goto out;
	}
	rc = oms_db_run(db, sql_mark, "cannot mark a shipment", "Iss", p.id,
	    reason, text);
	free(text);
	if (rc != OMS_OK)
		goto out;
	cJSON_Delete(x);
	x = cJSON_CreateObject();
	cJSON_AddStringToObject(x, "shipment", sref);
	cJSON_AddStringToObject(x, "reason", reason);
	cJSON_AddItemToObject(x, "reship", ref_string("o_", *rid));
	if ((rc = event(db, order_id, "reship", NULL, x)) != OMS_OK)
		goto out;
	rc = settle_original(db, order_id, x);
out:
	free_plines(pl, n);
	cJSON_Delete(orig);
	cJSON_Delete(o);
	cJSON_Delete(x);
	return rc;
}

int
oms_reship_create(oms_db *db, int64_t order_id, const cJSON *spec,
    cJSON **out)
{
	int64_t rid;
	int rc, nested, dup;
	cJSON *o;

	*out = NULL;
	if (!cJSON_IsObject(spec))
		return oms_reject("a reship is a JSON object");
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	rc = make_reship(db, order_id, spec, &rid, &dup);
	if (rc == OMS_OK) {
		if ((o = oms_order_record(db, rid)) == NULL)
			rc = OMS_ERR;
		else {
			if (dup)
				cJSON_AddBoolToObject(o, "duplicate", 1);
			*out = cJSON_CreateArray();
			cJSON_AddItemToArray(*out, o);
		}
	}
	if ((rc = oms_db_write_end(db, nested, rc)) != OMS_OK) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}
