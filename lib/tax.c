/*
 * tax.c: tax for the orders that come without it (oms-adapters(7)).
 *
 * A channel that sends no tax (a wholesale portal, some tills and web
 * shops) names a tax adapter in adapters.json; each of its orders that
 * carries no tax on its totals nor on any line is priced by that adapter
 * as it is imported, before it is stored.  The request and the reply
 * have the shape of TaxJar's POST /v2/taxes, so that an adapter to a
 * real service is a thin translation: to_* and from_* addresses, amount
 * (the lines after discounts, without shipping), shipping, line_items
 * [{id, quantity, unit_price, discount, product_tax_code}], and
 * exemption_type; two fields are oms's own: currency, and
 * prices_include_tax (EU VAT: the prices hold the tax, which is then the
 * part of them that is tax).  The reply's tax.breakdown.line_items give
 * each line's tax_collectable and tax.breakdown.shipping that of
 * shipping; the tax of a line is kept on the line, so that a return
 * gives it back line by line (refund.c), and what shipping bears is the
 * order's tax beyond its lines.  Amounts go as decimal numbers, as
 * TaxJar takes them, written from the minor units exactly.
 *
 * The request_id is a hash of the request: the same order asked again
 * is the same request, which an adapter answers the same way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "order.h"
#include "call.h"

/* Whether what the channel gave has any tax in it, on totals or lines. */
static int
has_tax(const cJSON *o)
{
	const cJSON *l, *t;

	t = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "totals"), "tax");
	if (t != NULL && !cJSON_IsNull(t) && !(cJSON_IsString(t) &&
	    *t->valuestring == '\0'))
		return 1;
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(o, "lines")) {
		t = cJSON_GetObjectItemCaseSensitive(l, "tax");
		if (t != NULL && !cJSON_IsNull(t) && !(cJSON_IsString(t) &&
		    *t->valuestring == '\0'))
			return 1;
	}
	return 0;
}

/*
 * Before the order o, as mapped, is normalised: the tax adapter that is
 * to price it (*adapter NULL when none is), and whether it gave its
 * total.  OMS_ERR when adapters.json is broken.
 */
int
oms_tax_wanted(const cJSON *o, const char **adapter, int *total_given)
{
	const char *ch = oms_json_str(o, "channel");
	const cJSON *t;

	*adapter = NULL;
	*total_given = 0;
	if (ch == NULL || has_tax(o))
		return OMS_OK;
	if (oms_channel_adapter(ch, "tax", adapter) != OMS_OK)
		return OMS_ERR;
	t = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "totals"), "total");
	*total_given = t != NULL && !cJSON_IsNull(t) &&
	    !(cJSON_IsString(t) && *t->valuestring == '\0');
	return OMS_OK;
}

static void
add_str(cJSON *obj, const char *key, const char *v)
{
	if (v != NULL && *v != '\0')
		cJSON_AddStringToObject(obj, key, v);
}

/*
 * The exemption of the order, from its channel's settings: its
 * customer's account or email, or its segment, named under tax_exempt,
 * else the channel's exemption_type, else non_exempt.
 */
static const char *
exemption(const cJSON *set, const cJSON *o)
{
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(set, "tax_exempt");
	const cJSON *cust = cJSON_GetObjectItemCaseSensitive(o, "customer");
	const char *keys[] = {
		oms_json_str(cust, "account"), oms_json_str(cust, "email"),
		oms_json_str(o, "customer_email"),
	};
	const char *v, *seg = oms_json_str(cust, "segment");

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (keys[i] != NULL && (v = oms_json_str(
		    cJSON_GetObjectItemCaseSensitive(ex, "customers"),
		    keys[i])) != NULL)
			return v;
	if (seg == NULL)
		seg = oms_json_str(o, "segment");
	if (seg != NULL && (v = oms_json_str(
	    cJSON_GetObjectItemCaseSensitive(ex, "segments"), seg)) != NULL)
		return v;
	if ((v = oms_json_str(set, "exemption_type")) != NULL)
		return v;
	return "non_exempt";
}

/* FNV-1a, 64 bits: the request's id is its hash. */
static uint64_t
fnv(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/*
 * The discount of each line: its own, and its share of the order's
 * beyond the lines', in proportion to the lines' amounts, the cents left
 * over to the largest remainders first (then the first lines).
 */
static int
line_discounts(const cJSON *o, int exp, int n, int64_t *amt, int64_t *disc,
    int64_t *amount)
{
	const cJSON *lines = cJSON_GetObjectItemCaseSensitive(o, "lines");
	const cJSON *l;
	int64_t own = 0, total = 0, extra, given = 0;
	__int128 *rem;
	int i = 0;

	cJSON_ArrayForEach(l, lines) {
		int64_t q = 0, u = oms_money_field(l, "unit_price", exp);

		oms_json_int(l, "qty", &q);
		disc[i] = oms_money_field(l, "discount", exp);
		if (__builtin_mul_overflow(u, q, &amt[i]) ||
		    __builtin_add_overflow(own, disc[i], &own) ||
		    __builtin_add_overflow(total, amt[i], &total))
			return OMS_ERR;
		i++;
	}
	if (__builtin_sub_overflow(oms_money_field(
	    cJSON_GetObjectItemCaseSensitive(o, "totals"), "discount", exp),
	    own, &extra) || __builtin_sub_overflow(total, own, amount))
		return OMS_ERR;
	if (extra <= 0 || total <= 0)
		return OMS_OK;
	if (extra > total)
		extra = total;
	rem = ecalloc((size_t)n, sizeof *rem);
	for (i = 0; i < n; i++) {
		__int128 p = (__int128)extra * amt[i];
		int64_t s = (int64_t)(p / total);

		rem[i] = p % total;
		disc[i] += s;
		given += s;
	}
	*amount -= extra;	/* no overflow: extra <= total */
	while (given < extra) {
		int best = 0;

		for (i = 1; i < n; i++)
			if (rem[i] > rem[best])
				best = i;
		disc[best]++;
		rem[best] = -1;
		given++;
	}
	free(rem);
	return OMS_OK;
}

/* The request for the normalised order o, its lines n. */
static cJSON *
request(const cJSON *o, const cJSON *set, int exp, int n, int64_t amount,
    const int64_t *disc, int incl)
{
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(o, "ship_to");
	const cJSON *from = cJSON_GetObjectItemCaseSensitive(set, "from");
	const cJSON *totals = cJSON_GetObjectItemCaseSensitive(o, "totals");
	const cJSON *l;
	cJSON *req = cJSON_CreateObject(), *items;
	char id[32], key[256], *text;
	int i = 0;

	add_str(req, "from_country", oms_json_str(from, "country"));
	add_str(req, "from_zip", oms_json_str(from, "postal_code"));
	add_str(req, "from_state", oms_json_str(from, "region"));
	add_str(req, "from_city", oms_json_str(from, "city"));
	add_str(req, "from_street", oms_json_str(from, "address1"));
	add_str(req, "to_country", oms_json_str(to, "country"));
	add_str(req, "to_zip", oms_json_str(to, "postal_code"));
	add_str(req, "to_state", oms_json_str(to, "region"));
	add_str(req, "to_city", oms_json_str(to, "city"));
	add_str(req, "to_street", oms_json_str(to, "address1"));
	oms_money_json_add(req, "amount", amount, exp);
	oms_money_json_add(req, "shipping", oms_money_field(totals, "shipping", exp),
	    exp);
	cJSON_AddStringToObject(req, "currency", oms_json_str(o, "currency"));
	cJSON_AddBoolToObject(req, "prices_include_tax", incl);
	cJSON_AddStringToObject(req, "exemption_type", exemption(set, o));
	add_str(req, "placed_at", oms_json_str(o, "placed_at"));
	snprintf(key, sizeof key, "%s:%s", oms_json_str(o, "channel"),
	    oms_json_str(o, "external_id"));
	cJSON_AddStringToObject(req, "transaction_id", key);
	items = cJSON_AddArrayToObject(req, "line_items");
	i = 0;
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(o, "lines")) {
		cJSON *it = cJSON_CreateObject();
		int64_t q = 0;

		oms_json_int(l, "qty", &q);
		snprintf(id, sizeof id, "%d", i + 1);
		cJSON_AddStringToObject(it, "id", id);
		cJSON_AddNumberToObject(it, "quantity", (double)q);
		add_str(it, "sku", oms_json_str(l, "sku"));
		add_str(it, "product_tax_code", oms_json_str(l, "tax_code"));
		oms_money_json_add(it, "unit_price", oms_money_field(l, "unit_price",
		    exp), exp);
		oms_money_json_add(it, "discount", disc[i], exp);
		cJSON_AddItemToArray(items, it);
		i++;
	}
	text = oms_json_print(req);
	snprintf(id, sizeof id, "tax-%016llx", (unsigned long long)fnv(text));
	free(text);
	cJSON_AddStringToObject(req, "request_id", id);
	return req;
}

/*
 * What the reply says each line bears (tax[0..n-1]) and shipping
 * (*ship), checked: every line once, nothing negative, no line taxed
 * beyond its amount, and the parts adding up to amount_to_collect.
 */
static int
read_reply(const cJSON *reply, const char *name, int exp, int n,
    const int64_t *amt, const int64_t *disc, int64_t *tax, int64_t *ship)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(reply, "tax");
	const cJSON *bd = cJSON_GetObjectItemCaseSensitive(t, "breakdown");
	const cJSON *li, *it, *s;
	int64_t total, sum = 0;
	char *seen = ecalloc((size_t)n + 1, 1);
	int rc = OMS_ERR;

	*ship = 0;
	if (!cJSON_IsObject(t) || oms_money_json(
	    cJSON_GetObjectItemCaseSensitive(t, "amount_to_collect"), exp,
	    &total) != OMS_OK) {
		oms_fail(OMS_E_CARRIER, "tax %s answered taxes without "
		    "tax.amount_to_collect", name);
		goto out;
	}
	li = cJSON_GetObjectItemCaseSensitive(bd, "line_items");
	if (n > 0 && !cJSON_IsArray(li)) {
		oms_fail(OMS_E_CARRIER, "tax %s answered taxes without "
		    "tax.breakdown.line_items", name);
		goto out;
	}
	cJSON_ArrayForEach(it, li) {
		const char *id = oms_json_str(it, "id");
		char *end;
		long k = id != NULL ? strtol(id, &end, 10) : 0;
		int64_t v;

		if (id == NULL || *end != '\0' || k < 1 || k > n ||
		    seen[k]) {
			oms_fail(OMS_E_CARRIER, "tax %s answered taxes for a "
			    "line it was not asked about (id '%.20s')", name,
			    id != NULL ? id : "");
			goto out;
		}
		seen[k] = 1;
		if (oms_money_json(cJSON_GetObjectItemCaseSensitive(it,
		    "tax_collectable"), exp, &v) != OMS_OK || v < 0 ||
		    v > (amt[k - 1] > disc[k - 1] ? amt[k - 1] - disc[k - 1] :
		    0)) {
			oms_fail(OMS_E_CARRIER, "tax %s answered taxes with "
			    "line %ld's tax_collectable not an amount from 0 "
			    "to the line's", name, k);
			goto out;
		}
		tax[k - 1] = v;
		sum += v;
	}
	for (int k = 1; k <= n; k++)
		if (!seen[k]) {
			oms_fail(OMS_E_CARRIER, "tax %s answered taxes with "
			    "nothing for line %d", name, k);
			goto out;
		}
	s = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(bd, "shipping"),
	    "tax_collectable");
	if (s != NULL && (oms_money_json(s, exp, ship) != OMS_OK || *ship < 0)) {
		oms_fail(OMS_E_CARRIER, "tax %s answered taxes with a "
		    "shipping tax_collectable that is not an amount", name);
		goto out;
	}
	if (__builtin_add_overflow(sum, *ship, &sum) || sum != total) {
		char b1[OMS_MONEY_BUFSZ], b2[OMS_MONEY_BUFSZ];

		oms_fail(OMS_E_CARRIER, "tax %s answered taxes with an "
		    "amount_to_collect of %s, its parts coming to %s", name,
		    oms_money_format(total, exp, b1, sizeof b1),
		    oms_money_format(sum, exp, b2, sizeof b2));
		goto out;
	}
	rc = OMS_OK;
out:
	free(seen);
	return rc;
}

/*
 * The tax the stored version of o was given for the request rid, when
 * it was asked the same (its tax_request): each line's into tax[], the
 * shipping's into *ship.  So an update the request does not see (a
 * status, a cancel, a note) neither asks the adapter again nor waits on
 * it when it is down.  1 when found, 0 when not, OMS_ERR on failure.
 */
static int
stored_tax(oms_db *db, const cJSON *o, const char *rid, int exp, int n,
    int64_t *tax, int64_t *ship)
{
	static const char sql[] =
	    "SELECT record FROM orders WHERE channel = ? AND external_id = ?";
	oms_stmt *st = oms_db_query(db, sql, "ss", oms_json_str(o, "channel"),
	    oms_json_str(o, "external_id"));
	const cJSON *l;
	cJSON *rec = NULL;
	int64_t sum = 0;
	int rc, i = 0, found = 0;

	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW)
		rec = cJSON_Parse(oms_col_text(st, 0));
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read an order's tax");
	if (rec == NULL || oms_json_str(rec, "tax_request") == NULL ||
	    strcmp(oms_json_str(rec, "tax_request"), rid) != 0 ||
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rec,
	    "lines")) != n)
		goto out;
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(rec, "lines")) {
		tax[i] = oms_money_field(l, "tax", exp);
		sum += tax[i++];
	}
	*ship = oms_money_field(cJSON_GetObjectItemCaseSensitive(rec,
	    "totals"), "tax", exp) - sum;
	found = 1;
out:
	cJSON_Delete(rec);
	return found;
}

/*
 * Price the tax of the normalised order o with adapter name, setting
 * the tax of each line and of the order (and its total, when the channel
 * gave none); OMS_REJECT when the adapter refused, OMS_ERR when it
 * failed, the message saying which.
 */
int
oms_tax_order(oms_db *db, cJSON *o, const char *name, int total_given)
{
	const char *cur = oms_json_str(o, "currency");
	const cJSON *set, *l, *incl;
	cJSON *lines = cJSON_GetObjectItemCaseSensitive(o, "lines");
	cJSON *totals = cJSON_GetObjectItemCaseSensitive(o, "totals");
	cJSON *req = NULL, *reply = NULL;
	const char *rid;
	int exp = oms_currency_exponent(cur), n = cJSON_GetArraySize(lines);
	int64_t *amt, *disc, *tax, ship = 0, sum = 0, total = 0, amount;
	int rc = OMS_ERR, inclusive, i;

	if (oms_channel_settings(oms_json_str(o, "channel"), &set) != OMS_OK)
		return OMS_ERR;
	amt = ecalloc((size_t)n + 1, sizeof *amt);
	disc = ecalloc((size_t)n + 1, sizeof *disc);
	tax = ecalloc((size_t)n + 1, sizeof *tax);
	if (line_discounts(o, exp, n, amt, disc, &amount) != OMS_OK) {
		rc = oms_reject("amounts are out of range");
		goto out;
	}
	incl = cJSON_GetObjectItemCaseSensitive(totals, "tax_included");
	inclusive = incl != NULL ? cJSON_IsTrue(incl) : cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(set, "tax_included"));
	req = request(o, set, exp, n, amount, disc, inclusive);
	rid = oms_json_str(req, "request_id");
	if ((rc = stored_tax(db, o, rid, exp, n, tax, &ship)) < 0)
		goto out;
	if (rc == 0 && ((rc = oms_call("tax", name, "taxes", req, &reply,
	    NULL)) != OMS_OK || (rc = read_reply(reply, name, exp, n, amt,
	    disc, tax, &ship)) != OMS_OK))
		goto out;
	i = 0;
	cJSON_ArrayForEach(l, lines) {
		oms_money_set((cJSON *)l, "tax", tax[i], exp);
		sum += tax[i++];
	}
	if (!inclusive && !total_given && __builtin_add_overflow(
	    oms_money_field(totals, "total", exp), sum + ship, &total)) {
		rc = oms_reject("totals are out of range with the tax");
		goto out;
	}
	oms_money_set(totals, "tax", sum + ship, exp);
	if (inclusive) {
		cJSON_DeleteItemFromObjectCaseSensitive(totals, "tax_included");
		cJSON_AddTrueToObject(totals, "tax_included");
	} else if (!total_given)
		oms_money_set(totals, "total", total, exp);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "tax_request");
	cJSON_AddStringToObject(o, "tax_request", rid);
	oms_order_reorder(o);
	rc = OMS_OK;
out:
	free(amt);
	free(disc);
	free(tax);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return rc;
}
