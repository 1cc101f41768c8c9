/*
 * fees.c: channel fees as dated data, and the orders they are worked out
 * on (fees.h).  The definitions, so that an accountant can check them.
 * Every amount is a whole number of the currency's minor unit (cents;
 * yen); a rate is kept in millionths, and nothing passes through a
 * floating-point number.
 *
 * The figures of an order line (what the profit report and the journal
 * both use).  For a line: Q its quantity, C the units cancelled, P the
 * unit price, D its own discount, T its tax, R the units refunded.  The
 * orders counted are those placed in the period asked, less the orders
 * oms made itself for an exchange or a reship (origin set: their value
 * is the original order's, as in the sales report); an order's day is
 * the day it was placed in the merchant's zone (the day it was imported
 * when the channel gave no time).
 *
 *  1. gross = Q x P.
 *  2. The order's own discount, OD = orders.discount - (sum of the
 *     lines' D) when that is positive, is spread over the lines pro rata
 *     by Q x P - D: each takes the floor of its share, and the minor
 *     units left over go one each to the lines with the largest
 *     remainders, the lower line first among equals (as refund.c does).
 *     X = D + its share is the line's discount.
 *  3. Sold units S = Q - C.  items = S x P - floor(X x S / Q): what the
 *     units not cancelled came to, after their discount; their tax is
 *     floor(T x S / Q).  The cancelled units take the rest, as the last
 *     units of the line (as the sales report counts them).
 *  4. returns = the item amount refunded on the line (the sum of its
 *     refund lines' amount less their tax: a restocking fee kept is not
 *     given back, so it stays in the sales) + the value of the cancelled
 *     units not refunded, U = max(0, C - R): U x P - (X - floor(X x
 *     (Q - U) / Q)).
 *  5. The order's shipping (orders.shipping) and the tax on it
 *     (orders.tax less the lines' T, when positive) count only when
 *     some unit sold; each is spread over the lines pro rata by items,
 *     as in 2.
 *  6. A unit's cost is products.cost, or for a kit the sum of its
 *     components' cost x their quantity (known only when every component
 *     has a cost, all in one currency).  The cost of goods of a line is
 *     its units shipped x that cost, less the cost of the units of it
 *     that came back and were put back in stock (return_units with
 *     disposition restock, at their own sku's cost), and is known only
 *     when the cost's currency is the order's.
 *  7. Shipping cost: the cost of the order's shipments not voided, in
 *     the order's currency (a parcel paid in another currency is
 *     counted apart and said).  Return costs: the cost of the return
 *     labels the merchant paid for (paid_by "merchant"), in the order's
 *     currency.  Refunds: the shipping refunded (the item amounts are
 *     in returns, the tax was never the merchant's).
 *
 * Fees.  A channel's fees are fees/CHANNEL.json on the data search path
 * (share/oms/fees/): an object with "source" (where the rates come from)
 * and "rules", an array of rules.  A rule:
 *
 *	"fee"		its name: "referral", "final_value", "per_order", ...
 *	"from"		the day (YYYY-MM-DD) it starts, in the merchant's zone
 *	"category"	the product category it is for; absent: any
 *	"per"		"unit" (each unit of a line) or "order"
 *	"on"		what it is charged on: an array of "items",
 *			"shipping" and "tax"
 *	"percent"	"15" (per cent, at most 100), or tiers: [{"upto":
 *			"10.00", "percent": "8"}, {"percent": "15"}]
 *	"tiers"		"portion" (default): each rate applies to the part of
 *			the price within its band, as Amazon's electronics
 *			accessories (15% up to $100, 8% above); "whole": the
 *			rate of the band the price falls in applies to all of
 *			it, as Amazon's beauty (8% at $10 or less, else 15%)
 *	"min"		the least the percentage comes to, per unit or order
 *	"fixed"		an amount added, per unit or order: "0.20", or tiers
 *			by price: [{"upto": "10.00", "amount": "0.30"},
 *			{"amount": "0.40"}]
 *	"currency"	the currency of the amounts (upto, min, fixed; each
 *			at most 10^12 minor units); a rule with amounts
 *			applies to orders in it alone
 *	"refund"	what is given back when units are refunded (per unit
 *			rules): {"kept_percent": "20", "kept_max": "5.00"};
 *			absent: nothing
 *	"note"		text for the reader
 *
 *  8. Which rule.  For each fee name, in the order the file first names
 *     it: of the rules of that name whose "from" is on or before the day
 *     the order was placed and whose currency is the order's (or none),
 *     the one of the line's category with the latest "from", else the
 *     one with no category with the latest "from" (a later row of the
 *     same "from" wins).  A fee change is a new row with a later "from";
 *     a category keeps its own rows until a later row of it says
 *     otherwise.  A rule is named CHANNEL/FROM/FEE[:CATEGORY], such as
 *     amazon/2026-01-15/referral:beauty.
 *  9. The price.  Per unit: the line is charged as its S units together:
 *     its price B is the sum of what "on" names of the line (items; its
 *     shipping share; its tax and shipping tax shares), and the tier
 *     bounds, minimum and fixed amounts are per unit, so they count S
 *     times.  Per order: B is the sum over the order (items, shipping,
 *     tax of what sold), counted once.  Nothing is charged when nothing
 *     sold.
 * 10. The fee.  percent: "portion" adds rate_i x the part of B between
 *     S x lower bound and S x upper bound of each band; "whole" takes
 *     rate x B for the first band whose S x upto is at least B.  The
 *     sum, in millionths of a minor unit, is rounded half up to a minor
 *     unit; then at least S x min; then S x the fixed amount of the first
 *     band whose S x upto is at least B.
 * 11. Fees given back.  For a per-unit rule with "refund", when R' =
 *     min(R - C, S) units sold are refunded (refunds take the cancelled
 *     units first, which paid no fee): back = floor(fee x R' / S), less
 *     what the channel keeps, kept_percent of back rounded half up, at
 *     most R' x kept_max (Amazon keeps 20% of the referral fee, at most
 *     $5.00 a unit).  A line's fees are its fees less those given back.
 * 12. A per-order fee is spread over the lines pro rata by items, as in
 *     2, for the figures by sku.
 */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "fees.h"

#define NTIER 8
#define PPM 1000000
/* The most an amount of a rule may be, in minor units: times the units
 * of a line (OMS_QTY_MAX) it still fits in int64. */
#define AMOUNT_MAX 1000000000000LL
#define ON_ITEMS 1
#define ON_SHIPPING 2
#define ON_TAX 4

struct tier {
	int64_t upto;		/* minor units; -1: no bound */
	int64_t v;		/* millionths, or an amount */
};

struct rule {
	char *name, *fee, *category;
	char from[11], currency[4];
	int per_unit, whole, npct, nfix, refund;
	unsigned on;
	struct tier pct[NTIER], fix[NTIER];
	int64_t min, kept_ppm, kept_max;
};

struct chan {
	char *channel, *path;
	struct rule *r;
	int n;
};

struct oms_fees {
	struct chan *c;
	int n;
	oms_fee_each_fn each;
	void *each_arg;
	char note[160];
};

static const char *const rule_keys[] = {
	"fee", "from", "category", "per", "on", "percent", "tiers", "min",
	"fixed", "currency", "refund", "note", NULL,
};

static int
bad(const char *path, int i, const char *fmt, const char *what)
{
	if (i < 0)
		return oms_fail(OMS_E_ADAPTER, "%s: %s%s", path, fmt, what);
	return oms_fail(OMS_E_ADAPTER, "%s: rules[%d]: %s%s", path, i, fmt,
	    what);
}

static int
is_day(const char *s)
{
	static const char pat[] = "dddd-dd-dd";

	if (s == NULL || strlen(s) != 10)
		return 0;
	for (int i = 0; i < 10; i++)
		if (pat[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != '-')
			return 0;
	return 1;
}

/* An amount of the rule's currency, or a percentage (exponent 4). */
static int
amount(const cJSON *v, int exp, int64_t *out)
{
	if (!cJSON_IsString(v) || oms_money_parse(v->valuestring, exp,
	    out) != OMS_OK || *out < 0 || *out > AMOUNT_MAX)
		return -1;
	return 0;
}

/*
 * "key": "x", or an array of bands [{"upto": A, vkey: x}, ..., {vkey:
 * x}] with rising bounds and the last one unbounded.
 */
static int
tiers(const cJSON *r, const char *key, const char *vkey, int vexp, int exp,
    struct tier *t, int *n, const char *path, int i)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, key), *b;
	char what[96];

	*n = 0;
	snprintf(what, sizeof what, "\"%s\" must be an amount or an array of "
	    "bands {\"upto\", \"%s\"}, the last with no upto", key, vkey);
	if (v == NULL)
		return OMS_OK;
	if (cJSON_IsString(v)) {
		t[0].upto = -1;
		*n = 1;
		return amount(v, vexp, &t[0].v) == 0 && (strcmp(vkey,
		    "percent") != 0 || t[0].v <= PPM) ? OMS_OK :
		    bad(path, i, what, "");
	}
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) < 1 ||
	    cJSON_GetArraySize(v) > NTIER)
		return bad(path, i, what, "");
	cJSON_ArrayForEach(b, v) {
		const cJSON *u = cJSON_GetObjectItemCaseSensitive(b, "upto");
		int last = b->next == NULL;

		if (!cJSON_IsObject(b) || amount(cJSON_GetObjectItemCaseSensitive(
		    b, vkey), vexp, &t[*n].v) != 0 || (u == NULL) != last ||
		    (strcmp(vkey, "percent") == 0 && t[*n].v > PPM))
			return bad(path, i, what, "");
		t[*n].upto = -1;
		if (u != NULL && (exp < 0 || amount(u, exp, &t[*n].upto) != 0 ||
		    (*n > 0 && t[*n].upto <= t[*n - 1].upto)))
			return bad(path, i, what, " (bounds rising, in the "
			    "rule's currency)");
		(*n)++;
	}
	return OMS_OK;
}

static int
rule_on(const cJSON *r, struct rule *x, const char *path, int i)
{
	const cJSON *on = cJSON_GetObjectItemCaseSensitive(r, "on"), *v;
	static const char msg[] = "\"on\" must be an array of \"items\", "
	    "\"shipping\" and \"tax\"";

	if (!cJSON_IsArray(on) || cJSON_GetArraySize(on) == 0)
		return bad(path, i, msg, "");
	cJSON_ArrayForEach(v, on) {
		const char *s = cJSON_IsString(v) ? v->valuestring : "";

		if (strcmp(s, "items") == 0)
			x->on |= ON_ITEMS;
		else if (strcmp(s, "shipping") == 0)
			x->on |= ON_SHIPPING;
		else if (strcmp(s, "tax") == 0)
			x->on |= ON_TAX;
		else
			return bad(path, i, msg, "");
	}
	return OMS_OK;
}

static int
rule_refund(const cJSON *r, struct rule *x, int exp, const char *path,
    int i)
{
	const cJSON *rf = cJSON_GetObjectItemCaseSensitive(r, "refund"), *m;
	static const char msg[] = "\"refund\" must be {\"kept_percent\": "
	    "\"20\", \"kept_max\": \"5.00\"} (kept_max in the rule's "
	    "currency), on a per-unit rule";

	x->kept_max = -1;
	if (rf == NULL)
		return OMS_OK;
	if (!cJSON_IsObject(rf) || !x->per_unit || amount(
	    cJSON_GetObjectItemCaseSensitive(rf, "kept_percent"), 4,
	    &x->kept_ppm) != 0 || x->kept_ppm > PPM)
		return bad(path, i, msg, "");
	m = cJSON_GetObjectItemCaseSensitive(rf, "kept_max");
	if (m != NULL && (exp < 0 || amount(m, exp, &x->kept_max) != 0))
		return bad(path, i, msg, "");
	x->refund = 1;
	return OMS_OK;
}

static int
rule_words(const cJSON *r, struct rule *x, const char *path, int i)
{
	const char *fee = oms_json_str(r, "fee"), *from = oms_json_str(r,
	    "from"), *cat = oms_json_str(r, "category"), *per, *t;
	const char *cur = oms_json_str(r, "currency");
	const cJSON *k;
	char day[OMS_TIME_LEN];

	cJSON_ArrayForEach(k, r) {
		int known = 0;

		for (int j = 0; rule_keys[j] != NULL; j++)
			known |= strcmp(k->string, rule_keys[j]) == 0;
		if (!known)
			return bad(path, i, "unknown key ", k->string);
	}
	if (fee == NULL || !oms_valid_name(fee))
		return bad(path, i, "\"fee\" must be a name (a-z, 0-9, '-', "
		    "'_')", "");
	if (!is_day(from) || oms_time_parse_day(from, 0, "UTC", "UTC",
	    day) != OMS_OK)
		return bad(path, i, "\"from\" must be a day (YYYY-MM-DD)", "");
	if (cJSON_HasObjectItem(r, "category") && (cat == NULL || *cat ==
	    '\0'))
		return bad(path, i, "\"category\" must be a text", "");
	if (cur != NULL && !oms_currency_valid(cur))
		return bad(path, i, "\"currency\" is not a currency: ", cur);
	per = oms_json_str(r, "per");
	if (per == NULL || (strcmp(per, "unit") != 0 && strcmp(per,
	    "order") != 0))
		return bad(path, i, "\"per\" must be \"unit\" or \"order\"",
		    "");
	x->per_unit = strcmp(per, "unit") == 0;
	if (!x->per_unit && cat != NULL)
		return bad(path, i, "a per-order rule has no category", "");
	t = oms_json_str(r, "tiers");
	if (cJSON_HasObjectItem(r, "tiers") && (t == NULL || (strcmp(t,
	    "portion") != 0 && strcmp(t, "whole") != 0)))
		return bad(path, i, "\"tiers\" must be \"portion\" or "
		    "\"whole\"", "");
	x->whole = t != NULL && strcmp(t, "whole") == 0;
	x->fee = estrdup(fee);
	x->category = cat ? estrdup(cat) : NULL;
	memcpy(x->from, from, 11);
	snprintf(x->currency, sizeof x->currency, "%s", cur ? cur : "");
	return OMS_OK;
}

static int
rule_read(const cJSON *r, struct rule *x, const char *channel,
    const char *path, int i)
{
	const cJSON *m;
	int exp;
	struct oms_buf b = { 0 };

	if (!cJSON_IsObject(r))
		return bad(path, i, "a rule must be an object", "");
	if (rule_words(r, x, path, i) != OMS_OK)
		return OMS_ERR;
	exp = *x->currency ? oms_currency_exponent(x->currency) : -1;
	if (rule_on(r, x, path, i) != OMS_OK ||
	    tiers(r, "percent", "percent", 4, exp, x->pct, &x->npct, path,
	    i) != OMS_OK ||
	    tiers(r, "fixed", "amount", exp < 0 ? 0 : exp, exp, x->fix,
	    &x->nfix, path, i) != OMS_OK ||
	    rule_refund(r, x, exp, path, i) != OMS_OK)
		return OMS_ERR;
	if (x->nfix > 0 && exp < 0)
		return bad(path, i, "\"fixed\" needs the rule's \"currency\"",
		    "");
	if (x->npct == 0 && x->nfix == 0)
		return bad(path, i, "a rule needs \"percent\" or \"fixed\"", "");
	if ((m = cJSON_GetObjectItemCaseSensitive(r, "min")) != NULL &&
	    (exp < 0 || amount(m, exp, &x->min) != 0))
		return bad(path, i, "\"min\" must be an amount in the rule's "
		    "\"currency\"", "");
	oms_buf_printf(&b, "%s/%s/%s%s%s", channel, x->from, x->fee,
	    x->category ? ":" : "", x->category ? x->category : "");
	x->name = b.s;
	return OMS_OK;
}

static void
chan_free(struct chan *c)
{
	for (int i = 0; i < c->n; i++) {
		free(c->r[i].name);
		free(c->r[i].fee);
		free(c->r[i].category);
	}
	free(c->r);
	free(c->channel);
	free(c->path);
}

/* A fee of one name is charged per unit or per order, not both. */
static int
chan_check(const struct chan *c)
{
	for (int i = 0; i < c->n; i++)
		for (int j = 0; j < i; j++)
			if (strcmp(c->r[i].fee, c->r[j].fee) == 0 &&
			    c->r[i].per_unit != c->r[j].per_unit)
				return bad(c->path, i, "fee ", "is per unit in "
				    "one rule and per order in another");
	return OMS_OK;
}

static int
chan_parse(struct chan *c, const char *text)
{
	cJSON *doc = oms_json_parse(text, strlen(text), NULL, NULL);
	const cJSON *rules, *r, *k;
	int rc = OMS_OK;

	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		return bad(c->path, -1, "not a JSON object of fee rules", "");
	}
	cJSON_ArrayForEach(k, doc)
		if (strcmp(k->string, "rules") != 0 && strcmp(k->string,
		    "source") != 0 && strcmp(k->string, "note") != 0) {
			rc = bad(c->path, -1, "unknown key ", k->string);
			goto out;
		}
	rules = cJSON_GetObjectItemCaseSensitive(doc, "rules");
	if (!cJSON_IsArray(rules)) {
		rc = bad(c->path, -1, "\"rules\" must be an array", "");
		goto out;
	}
	c->r = ecalloc((size_t)cJSON_GetArraySize(rules) + 1, sizeof *c->r);
	cJSON_ArrayForEach(r, rules) {
		rc = rule_read(r, &c->r[c->n], c->channel, c->path, c->n);
		c->n++;
		if (rc != OMS_OK)
			goto out;
	}
	rc = chan_check(c);
out:
	cJSON_Delete(doc);
	return rc;
}

int
oms_fees_new(struct oms_fees **out)
{
	*out = ecalloc(1, sizeof **out);
	return OMS_OK;
}

void
oms_fees_free(struct oms_fees *f)
{
	if (f == NULL)
		return;
	for (int i = 0; i < f->n; i++)
		chan_free(&f->c[i]);
	free(f->c);
	free(f);
}

void
oms_fees_each(struct oms_fees *f, oms_fee_each_fn fn, void *arg)
{
	f->each = fn;
	f->each_arg = arg;
}

/* The fees of channel, read once; path NULL: it has no fee file. */
static int
chan_of(struct oms_fees *f, const char *channel, struct chan **out)
{
	struct oms_buf rel = { 0 };
	struct chan *c;
	char *text = NULL;
	int rc = OMS_EOF;

	for (int i = 0; i < f->n; i++)
		if (strcmp(f->c[i].channel, channel) == 0) {
			*out = &f->c[i];
			return OMS_OK;
		}
	f->c = erealloc(f->c, (size_t)(f->n + 1) * sizeof *f->c);
	c = &f->c[f->n++];
	memset(c, 0, sizeof *c);
	c->channel = estrdup(channel);
	*out = c;
	/* A name too long for a file name has no fee file. */
	if (oms_valid_name(channel) && strlen(channel) + 5 <= NAME_MAX) {
		oms_buf_printf(&rel, "fees/%s.json", channel);
		rc = oms_search_read(rel.s, &text, &c->path);
		oms_buf_free(&rel);
	}
	if (rc == OMS_EOF)
		return OMS_OK;
	if (rc != OMS_OK)
		return oms_fail(OMS_E_ADAPTER, "%s", oms_error());
	rc = chan_parse(c, text);
	free(text);
	return rc;
}

static const struct rule *
choose(const struct chan *c, const char *fee, const char *cat,
    const struct oms_fee_order *o)
{
	const struct rule *spec = NULL, *any = NULL;

	for (int i = 0; i < c->n; i++) {
		const struct rule *r = &c->r[i];

		if (strcmp(r->fee, fee) != 0 || strcmp(r->from, o->day) > 0 ||
		    (*r->currency && strcmp(r->currency, o->currency) != 0))
			continue;
		if (r->category == NULL) {
			if (any == NULL || strcmp(r->from, any->from) >= 0)
				any = r;
		} else if (cat != NULL && strcmp(r->category, cat) == 0) {
			if (spec == NULL || strcmp(r->from, spec->from) >= 0)
				spec = r;
		}
	}
	return spec ? spec : any;
}

/* The band of b among t for s units: the first whose s x upto holds b. */
static const struct tier *
band(const struct tier *t, int n, int64_t b, int64_t s)
{
	for (int i = 0; i < n; i++)
		if (t[i].upto < 0 || b <= s * t[i].upto)
			return &t[i];
	return &t[n - 1];
}

/* Rule 10: the fee of rule r on price b of s units (or one order). */
static int64_t
fee_of(const struct rule *r, int64_t b, int64_t s)
{
	__int128 raw = 0;
	int64_t fee, lo = 0;

	if (b < 0)
		b = 0;
	if (r->npct > 0 && r->whole)
		raw = (__int128)b * band(r->pct, r->npct, b, s)->v;
	else
		for (int i = 0; i < r->npct; i++) {
			int64_t top = r->pct[i].upto < 0 ? b : s * r->pct[i].upto;
			int64_t part = (top < b ? top : b) - s * lo;

			if (part > 0)
				raw += (__int128)part * r->pct[i].v;
			lo = r->pct[i].upto;
		}
	fee = (int64_t)((raw + PPM / 2) / PPM);
	if (r->npct > 0 && fee < s * r->min)
		fee = s * r->min;
	if (r->nfix > 0)
		fee = oms_sat_add(fee, s * band(r->fix, r->nfix, b, s)->v);
	return fee;
}

/* Rule 11: what a per-unit fee gives back for the units refunded. */
static int64_t
fee_back(const struct rule *r, int64_t fee, const struct oms_fee_line *l)
{
	int64_t sold = l->qty - l->cancelled, n, back, kept;

	if (!r->refund || sold <= 0)
		return 0;
	/* Refunds take the cancelled units first (rule 4): no fee there. */
	n = l->refunded - l->cancelled;
	if (n <= 0)
		return 0;
	n = n < sold ? n : sold;
	back = (int64_t)((__int128)fee * n / sold);
	kept = (int64_t)(((__int128)back * r->kept_ppm + PPM / 2) / PPM);
	if (r->kept_max >= 0 && kept > n * r->kept_max)
		kept = n * r->kept_max;
	return back - kept;
}

static void
add_name(char ***v, int *n, char *name)
{
	for (int i = 0; i < *n; i++)
		if ((*v)[i] == name)
			return;
	*v = erealloc(*v, (size_t)(*n + 1) * sizeof **v);
	(*v)[(*n)++] = name;
}

static void
add_rule(struct oms_fee_order *o, struct oms_fee_line *l,
    const struct rule *r)
{
	add_name(&o->rules, &o->nrules, r->name);
	if (l == NULL)
		add_name(&o->orules, &o->norules, r->name);
	else if (l->nrules < (int)(sizeof l->rules / sizeof l->rules[0]))
		l->rules[l->nrules++] = r->name;
}

static int64_t
line_base(const struct rule *r, const struct oms_fee_line *l)
{
	return ((r->on & ON_ITEMS) ? l->items : 0) +
	    ((r->on & ON_SHIPPING) ? l->shipping : 0) +
	    ((r->on & ON_TAX) ? l->tax + l->shiptax : 0);
}

/*
 * Spread amount over the lines pro rata by the field at wofs, adding each
 * share to the field at oofs (rule 2): floors first, then the minor units
 * left over one each to the largest remainders, the lower line first
 * among equals, as refund.c spreads an order's discount.
 */
static void
spread(struct oms_fee_order *o, int64_t amount, size_t wofs, size_t oofs)
{
	int64_t sum = 0, left = amount, *rem;

	for (int i = 0; i < o->nlines; i++) {
		int64_t w = *(int64_t *)((char *)&o->lines[i] + wofs);

		sum += w > 0 ? w : 0;
	}
	if (sum == 0 || amount == 0)
		return;
	rem = ecalloc((size_t)o->nlines, sizeof *rem);
	for (int i = 0; i < o->nlines; i++) {
		int64_t w = *(int64_t *)((char *)&o->lines[i] + wofs), s;
		__int128 p = (__int128)amount * (w > 0 ? w : 0);

		s = (int64_t)(p / sum);
		rem[i] = w > 0 ? (int64_t)(p % sum) : -1;
		left -= s;
		*(int64_t *)((char *)&o->lines[i] + oofs) += s;
	}
	for (; left > 0; left--) {
		int best = -1;

		for (int i = 0; i < o->nlines; i++)
			if (rem[i] >= 0 && (best < 0 || rem[i] > rem[best]))
				best = i;
		if (best < 0)
			break;
		rem[best] = -1;
		*(int64_t *)((char *)&o->lines[best] + oofs) += 1;
	}
	free(rem);
}

void
oms_fee_spread(struct oms_fee_order *o, int64_t amount, size_t oofs)
{
	spread(o, amount, offsetof(struct oms_fee_line, items), oofs);
}

static void
fees_unit(struct oms_fees *f, const struct chan *c, const char *fee,
    struct oms_fee_order *o)
{
	for (int i = 0; i < o->nlines; i++) {
		struct oms_fee_line *l = &o->lines[i];
		int64_t sold = l->qty - l->cancelled, b, x, back;
		const struct rule *r;

		if (sold <= 0 || (r = choose(c, fee, l->category, o)) == NULL)
			continue;
		b = line_base(r, l);
		x = fee_of(r, b, sold);
		back = fee_back(r, x, l);
		l->fees += x - back;
		add_rule(o, l, r);
		if (f->each != NULL)
			f->each(f->each_arg, o, i, r->name, b, x, back);
	}
}

static void
fees_order(struct oms_fees *f, const struct chan *c, const char *fee,
    struct oms_fee_order *o)
{
	const struct rule *r = choose(c, fee, NULL, o);
	struct oms_fee_line sum = { 0 };
	int64_t x;

	if (r == NULL)
		return;
	for (int i = 0; i < o->nlines; i++) {
		sum.qty += o->lines[i].qty - o->lines[i].cancelled;
		sum.items += o->lines[i].items;
	}
	sum.tax = o->tax;
	sum.shipping = o->shipping;
	if (sum.qty <= 0)
		return;
	x = fee_of(r, line_base(r, &sum), 1);
	spread(o, x, offsetof(struct oms_fee_line, items),
	    offsetof(struct oms_fee_line, ofees));
	add_rule(o, NULL, r);
	if (f->each != NULL)
		f->each(f->each_arg, o, -1, r->name, line_base(r, &sum), x, 0);
}

int
oms_fees_order(struct oms_fees *f, struct oms_fee_order *o,
    const char **note)
{
	struct chan *c;
	int rc, sold = 0;

	*note = NULL;
	if ((rc = chan_of(f, o->channel, &c)) != OMS_OK)
		return rc;
	if (c->path == NULL) {
		snprintf(f->note, sizeof f->note, "no fees/%s.json: no fees "
		    "counted", c->channel);
		*note = f->note;
		return OMS_OK;
	}
	for (int i = 0; i < c->n; i++) {
		int first = 1;

		for (int j = 0; j < i && first; j++)
			first = strcmp(c->r[i].fee, c->r[j].fee) != 0;
		if (!first)
			continue;
		if (c->r[i].per_unit)
			fees_unit(f, c, c->r[i].fee, o);
		else
			fees_order(f, c, c->r[i].fee, o);
	}
	/* A cancelled order owes no fee: nothing to say of it. */
	for (int i = 0; i < o->nlines && !sold; i++)
		sold = o->lines[i].qty > o->lines[i].cancelled;
	if (o->nrules == 0 && c->n > 0 && sold) {
		snprintf(f->note, sizeof f->note, "no rule of fees/%s.json "
		    "applies to its orders in %s: no fees counted", c->channel,
		    o->currency);
		*note = f->note;
	}
	return OMS_OK;
}

/*
 * A walk's orders: placed in [?1, ?2), of channel ?3, and none made by
 * an exchange or a reship (the order they came from is the sale).
 */
#define WALK_ORDERS \
    "WHERE (CAST(?1 AS TEXT) IS NULL OR coalesce(o.placed_at, o.imported_at) " \
    ">= ?1)\n" \
    "  AND (CAST(?2 AS TEXT) IS NULL OR coalesce(o.placed_at, o.imported_at) " \
    "< ?2)\n" \
    "  AND (CAST(?3 AS TEXT) IS NULL OR o.channel = ?3) AND o.origin IS NULL\n"

/*
 * The walk.  Lines, with what was refunded and put back of each, the
 * product's category and a unit's cost; then each order's costs, in the
 * same order of ids.
 */
static const char sql_lines[] =
    "WITH kit AS (SELECT k.kit_sku AS sku, sum(k.qty * c.cost) AS cost,\n"
    "  min(c.currency) AS currency, count(*) = count(c.cost) AND\n"
    "  count(*) = count(c.currency) AND count(DISTINCT c.currency) = 1\n"
    "  AS ok FROM kit_components k LEFT JOIN products c ON c.sku = k.sku\n"
    "  GROUP BY k.kit_sku),\n"
    /* Once per product, not per line. */
    "prod AS MATERIALIZED (SELECT p.sku AS sku,\n"
    "  json_extract(p.record, '$.category') AS category,\n"
    "  CASE WHEN k.sku IS NULL THEN p.cost WHEN k.ok THEN k.cost END\n"
    "  AS cost, CASE WHEN k.sku IS NULL THEN p.currency\n"
    "  ELSE k.currency END AS currency\n"
    "  FROM products p LEFT JOIN kit k ON k.sku = p.sku),\n"
    "back AS (SELECT r.order_id AS order_id, rl.order_line AS line,\n"
    "  sum(rl.qty) AS qty, sum(rl.amount - rl.tax) AS items\n"
    "  FROM refunds r JOIN refund_lines rl ON rl.refund_id = r.id\n"
    "  GROUP BY r.order_id, rl.order_line),\n"
    "restock AS (SELECT r.order_id AS order_id, rl.order_line AS line,\n"
    "  sum(CASE WHEN p.cost IS NOT NULL AND p.currency = o.currency\n"
    "  THEN ru.qty * p.cost ELSE 0 END) AS cost,\n"
    "  sum(CASE WHEN p.cost IS NULL OR p.currency IS DISTINCT FROM o.currency\n"
    "  THEN ru.qty ELSE 0 END) AS odd\n"
    "  FROM return_units ru JOIN returns r ON r.id = ru.return_id\n"
    "  JOIN return_lines rl ON rl.return_id = ru.return_id\n"
    "  AND rl.line_no = ru.line_no JOIN orders o ON o.id = r.order_id\n"
    "  LEFT JOIN products p ON p.sku = ru.sku\n"
    "  WHERE ru.disposition = 'restock' GROUP BY r.order_id,\n"
    "  rl.order_line)\n"
    "SELECT o.id, o.channel, o.currency, NULL,\n"
    "  coalesce(o.shipping, 0), coalesce(o.discount, 0),\n"
    "  coalesce(o.tax, 0), l.line_no, l.sku, l.qty, l.cancelled,\n"
    "  l.shipped, coalesce(l.unit_price, 0), coalesce(l.discount, 0),\n"
    "  coalesce(l.tax, 0), coalesce(b.qty, 0), coalesce(b.items, 0),\n"
    "  p.category, p.cost, p.currency,\n"
    "  coalesce(rs.cost, 0), coalesce(rs.odd, 0)\n"
    "FROM orders o JOIN order_lines l ON l.order_id = o.id\n"
    "LEFT JOIN prod p ON p.sku = l.sku\n"
    "LEFT JOIN back b ON b.order_id = o.id AND b.line = l.line_no\n"
    "LEFT JOIN restock rs ON rs.order_id = o.id AND rs.line = l.line_no\n"
    WALK_ORDERS
    "ORDER BY o.id, l.line_no";

static const char sql_costs[] =
    "SELECT o.id,\n"
    "  (SELECT coalesce(sum(s.cost), 0) FROM shipments s\n"
    "    WHERE s.order_id = o.id AND s.status <> 'voided'\n"
    "    AND s.currency = o.currency),\n"
    "  (SELECT count(*) FROM shipments s WHERE s.order_id = o.id\n"
    "    AND s.status <> 'voided' AND s.cost IS NOT NULL\n"
    "    AND s.currency IS DISTINCT FROM o.currency),\n"
    "  (SELECT coalesce(sum(r.shipping), 0) FROM refunds r\n"
    "    WHERE r.order_id = o.id),\n"
    "  (SELECT count(*) FROM returns r WHERE r.order_id = o.id),\n"
    "  date(coalesce(o.placed_at, o.imported_at), 'localtime')\n"
    "FROM orders o\n"
    WALK_ORDERS
    "ORDER BY o.id";

/* The same rows without the costs, for a walk that needs only the day. */
static const char sql_days[] =
    "SELECT o.id, 0, 0, 0, 0,\n"
    "  date(coalesce(o.placed_at, o.imported_at), 'localtime')\n"
    "FROM orders o\n"
    WALK_ORDERS
    "ORDER BY o.id";

static const char sql_labels[] =
    "SELECT json_extract(record, '$.return_label.cost'),\n"
    "  json_extract(record, '$.return_label.cost_currency'),\n"
    "  json_extract(record, '$.return_label.paid_by')\n"
    "FROM returns WHERE order_id = ?1 ORDER BY id";

struct walk {
	oms_db *db;
	struct oms_fees *fees;
	oms_order_fn fn;
	void *arg;
	oms_stmt *costs;
	int crc;		/* the costs statement's last step */
	struct oms_fee_order o;
	int cap;
	int64_t odisc, otax;
	char *channel;		/* of any length: cut, two would be one */
	char currency[8];
};

static void
order_clear(struct walk *w)
{
	for (int i = 0; i < w->o.nlines; i++) {
		free((char *)w->o.lines[i].sku);
		free((char *)w->o.lines[i].category);
		free((char *)w->o.lines[i].cost_currency);
	}
	free(w->o.rules);
	free(w->o.orules);
	w->o.rules = w->o.orules = NULL;
	w->o.nrules = w->o.norules = 0;
	w->o.nlines = 0;
}

static char *
col_dup(oms_stmt *st, int i)
{
	return oms_col_null(st, i) ? NULL : estrdup(oms_col_text(st, i));
}

static void
line_read(struct walk *w, oms_stmt *st)
{
	struct oms_fee_line *l;

	if (w->o.nlines == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->o.lines = erealloc(w->o.lines, (size_t)w->cap *
		    sizeof *w->o.lines);
	}
	l = &w->o.lines[w->o.nlines++];
	memset(l, 0, sizeof *l);
	l->line_no = oms_col_int(st, 7);
	l->sku = col_dup(st, 8);
	l->qty = oms_col_int64(st, 9);
	l->cancelled = oms_col_int64(st, 10);
	l->shipped = oms_col_int64(st, 11);
	l->gross = l->qty * oms_col_int64(st, 12);
	l->discount = oms_col_int64(st, 13);
	l->tax = l->tax_all = oms_col_int64(st, 14);
	l->refunded = oms_col_int64(st, 15);
	l->returns = oms_col_int64(st, 16);
	l->category = col_dup(st, 17);
	l->unit_cost = oms_col_int64(st, 18);
	l->cost_currency = oms_col_null(st, 18) ? NULL : col_dup(st, 19);
	l->restocked = oms_col_int64(st, 20);
	l->restock_odd = oms_col_int(st, 21);
}

/* Rules 2 to 5, over the lines read; gross holds Q x P. */
static void
order_figures(struct walk *w)
{
	struct oms_fee_order *o = &w->o;
	int64_t dsum = 0, tsum = 0, od, st;
	int sold = 0;

	for (int i = 0; i < o->nlines; i++) {
		struct oms_fee_line *l = &o->lines[i];

		dsum += l->discount;
		tsum += l->tax;
		l->items = l->gross - l->discount;	/* weight for rule 2 */
	}
	od = w->odisc - dsum;
	if (od > 0)
		spread(o, od, offsetof(struct oms_fee_line, items),
		    offsetof(struct oms_fee_line, discount));
	for (int i = 0; i < o->nlines; i++) {
		struct oms_fee_line *l = &o->lines[i];
		int64_t q = l->qty > 0 ? l->qty : 1, p = l->gross / q;
		int64_t u = l->cancelled - l->refunded;

		/*
		 * The cancelled units' shares are the last units' (as the
		 * sales report counts them); a share of an amount by units
		 * is worked out wider than int64, which it may pass.
		 */
		l->items = (l->qty - l->cancelled) * p - (int64_t)((__int128)
		    l->discount * (l->qty - l->cancelled) / q);
		l->tax = (int64_t)((__int128)l->tax * (l->qty - l->cancelled) /
		    q);
		if (u > 0)
			l->returns += u * p - (l->discount - (int64_t)((__int128)
			    l->discount * (l->qty - u) / q));
		sold |= l->qty > l->cancelled;
	}
	st = w->otax - tsum;
	o->shipping = sold ? o->shipping : 0;
	st = sold && st > 0 ? st : 0;
	spread(o, o->shipping, offsetof(struct oms_fee_line, items),
	    offsetof(struct oms_fee_line, shipping));
	spread(o, st, offsetof(struct oms_fee_line, items),
	    offsetof(struct oms_fee_line, shiptax));
	o->tax = st;
	for (int i = 0; i < o->nlines; i++)
		o->tax += o->lines[i].tax;
}

static int
labels(struct walk *w)
{
	oms_stmt *st = oms_db_query(w->db, sql_labels, "I", w->o.id);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		const char *cost = oms_col_text(st, 0), *cur = oms_col_text(st,
		    1), *by = oms_col_text(st, 2);
		int64_t v;

		if (cost == NULL || (by != NULL && strcmp(by, "merchant") != 0))
			continue;
		if (cur == NULL || strcmp(cur, w->o.currency) != 0 ||
		    oms_money_parse(cost, oms_currency_exponent(cur), &v) !=
		    OMS_OK)
			w->o.label_odd++;
		else
			w->o.label_cost += v;
	}
	oms_reset(st);
	return rc == OMS_DONE ? OMS_OK : oms_db_fail(w->db, rc,
	    "cannot read the return labels");
}

/* The costs row of the order in hand, the statement moved up to it. */
static int
costs(struct walk *w)
{
	oms_stmt *st = w->costs;
	int nret = 0;

	while (w->crc == OMS_ROW && oms_col_int64(st, 0) < w->o.id)
		w->crc = oms_step(st);
	if (w->crc != OMS_ROW && w->crc != OMS_DONE)
		return oms_db_fail(w->db, w->crc, "cannot read orders' costs");
	w->o.ship_cost = w->o.ship_refunded = w->o.label_cost = 0;
	w->o.ship_cost_odd = w->o.label_odd = 0;
	w->o.day[0] = '\0';
	if (w->crc == OMS_ROW && oms_col_int64(st, 0) == w->o.id) {
		w->o.ship_cost = oms_col_int64(st, 1);
		w->o.ship_cost_odd = oms_col_int(st, 2);
		w->o.ship_refunded = oms_col_int64(st, 3);
		nret = oms_col_int(st, 4);
		snprintf(w->o.day, sizeof w->o.day, "%s", oms_col_str(st, 5));
	}
	return nret > 0 ? labels(w) : OMS_OK;
}

static int
order_end(struct walk *w)
{
	const char *note;
	int rc;

	if (w->o.nlines == 0)
		return OMS_OK;
	order_figures(w);
	if ((rc = costs(w)) != OMS_OK ||
	    (rc = oms_fees_order(w->fees, &w->o, &note)) != OMS_OK)
		return rc;
	rc = w->fn(w->arg, &w->o, note);
	order_clear(w);
	return rc;
}

static void
order_start(struct walk *w, oms_stmt *st)
{
	w->o.id = oms_col_int64(st, 0);
	free(w->channel);
	w->channel = estrdup(oms_col_str(st, 1));
	snprintf(w->currency, sizeof w->currency, "%s", oms_col_str(st, 2));
	w->o.channel = w->channel;
	w->o.currency = w->currency;
	w->o.shipping = oms_col_int64(st, 4);
	w->odisc = oms_col_int64(st, 5);
	w->otax = oms_col_int64(st, 6);
}

int
oms_fees_walk(oms_db *db, struct oms_fees *f, const char *from,
    const char *to, const char *channel, int flags, oms_order_fn fn,
    void *arg)
{
	struct walk w = { .db = db, .fees = f, .fn = fn, .arg = arg };
	oms_stmt *st = NULL;
	int rc;

	from = from && *from ? from : NULL;
	to = to && *to ? to : NULL;
	if ((st = oms_db_query(db, sql_lines, "sss", from, to, channel)) ==
	    NULL || (w.costs = oms_db_query(db, flags & OMS_WALK_COSTS ?
	    sql_costs : sql_days, "sss", from, to, channel)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	w.crc = oms_step(w.costs);
	rc = OMS_OK;
	while (rc == OMS_OK) {
		int s = oms_step(st);

		if (s == OMS_DONE) {
			rc = order_end(&w);
			break;
		}
		if (s != OMS_ROW) {
			rc = oms_db_fail(db, s, "cannot read the order lines");
			break;
		}
		if (w.o.nlines > 0 && oms_col_int64(st, 0) != w.o.id)
			rc = order_end(&w);
		if (rc == OMS_OK && w.o.nlines == 0)
			order_start(&w, st);
		if (rc == OMS_OK)
			line_read(&w, st);
	}
out:
	if (st != NULL)
		oms_reset(st);
	if (w.costs != NULL)
		oms_reset(w.costs);
	order_clear(&w);
	free(w.o.lines);
	free(w.channel);
	return rc;
}
