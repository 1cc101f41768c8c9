/*
 * refund.c: what to refund for units of an order, and the refunds kept.
 *
 * The rules, so that an accountant can check them.  Every amount is a
 * whole number of the currency's minor unit (cents; yen) and no amount
 * passes through a floating-point number.
 *
 *  1. A line's figures.  For order line i: Q its quantity, G its value
 *     (the line's "total" where the channel gave one, else Q x
 *     unit_price), D its discount and T its tax, both for the whole line
 *     as the channel gave them.
 *
 *  2. The order's own discount.  totals.discount counts the line
 *     discounts as well (order.c fills it in as their sum when the
 *     channel says nothing), so the discount of the order itself is
 *     OD = totals.discount - (D_1 + ... + D_n), or 0 when that is not
 *     positive.  It is spread over the lines pro rata by their value
 *     after line discounts, V_i = G_i - D_i: line i takes
 *     floor(OD x V_i / (V_1 + ... + V_n)), and the minor units left
 *     over go one each to the lines with the largest remainders, the
 *     lower line number first among equals.  S_i is line i's share; the
 *     shares add up to OD exactly.  X_i = D_i + S_i is all the discount
 *     line i carries, and N_i = G_i - X_i its item value.
 *
 *     A channel that gives the order's tax alone, no line giving its
 *     own: totals.tax is spread the same way over the lines, weighed by
 *     N_i, and the shipping, weighed by totals.shipping (last among
 *     equals).  Line i's share is its T, the shipping's its tax ST.
 *
 *  3. Units.  The units of a line are numbered 1 to Q and refunded in
 *     that order: when the refunds already made took k units of the
 *     line, a refund of q more takes units k+1 to k+q.  An amount A of
 *     the line comes to floor(A x m / Q) for its first m units, so units
 *     k+1 to k+q carry floor(A x (k+q) / Q) - floor(A x k / Q).  The
 *     minor units a division leaves over fall on the last units, and all
 *     the units of a line, refunded at once or in any number of refunds,
 *     carry exactly A.
 *
 *  4. For q units of line i: item = their share of G less their share
 *     of X (rule 3 applied to G and to X); tax = their share of T.
 *     When totals.tax_included is true the tax is inside the item
 *     amount: it is reported, not added.
 *
 *  5. Restocking fee, by the reason given for the units:
 *     policy.restocking_fee[reason], else policy.restocking_fee.default,
 *     else none.  {"percent": P} charges P% of the item amount of the
 *     units (after discounts; P to four decimals), rounded half up to
 *     a minor unit;
 *     {"fixed": "5.00"} charges that much for each unit.  A reason that
 *     policy.refund_shipping lists (the merchant's fault) never carries
 *     a fee, and a fee never exceeds the item amount it is charged on.
 *
 *  6. A line's amount = item + tax (unless included) - fee.  Units of
 *     one order line asked for under several reasons are worked out in
 *     the order asked, then shown as one line.
 *
 *  7. Shipping is refunded when policy.refund_shipping is true, or
 *     lists the reason of some of the units refunded.  SH is
 *     totals.shipping; its tax ST = totals.tax - (T_1 + ... + T_n) when
 *     that is positive (or its share, rule 2, when no line gives its
 *     tax), and 0 when tax is included in prices.
 *     W = N_1 + ... + N_n is the item value of the whole order, w0 that
 *     of the units refunded before (rules 3 and 4), w1 that of this
 *     refund's units.  This refund takes floor(SH x (w0 + w1) / W) -
 *     floor(SH x w0 / W) of the shipping, and the same of ST: refunds
 *     that together take every unit take exactly SH and ST, the last of
 *     them the minor units left over.  When nothing of the order
 *     shipped (a cancel of the whole of it: policy.shipping_rest), the
 *     refund of its last units takes all the shipping and its tax not
 *     refunded yet, SH and ST less the shipping of the refunds before
 *     (a cancel of some lines carried none).  (When the items are worth
 *     nothing, units are counted instead of their value.)
 *
 *  8. total = items + tax (unless included) + shipping + shipping tax -
 *     fee.  Never more than was paid: the channel's totals.refunded and
 *     the refunds already sent are two views of the same money (the
 *     channel counts what we sent it), so what was refunded is the
 *     larger of the two plus the refunds not sent yet; when this refund
 *     would take the refunds past totals.total it is cut to what is
 *     left, the cut shown as "withheld" and in a note.
 *
 *  9. An order not paid (payment.status "pending", or no totals.total)
 *     refunds 0, with a note.
 *
 * A refund is stored once under its key (f_N), pending until the
 * payment adapter or the channel has it (sent); a refund the channel
 * made itself is stored as sent.
 */
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "oms.h"
#include "rma.h"

#define REFUND_PREFIX "f_"

/* An order line as the refund sees it (rules 1 and 2). */
struct rline {
	int64_t q;		/* quantity */
	int64_t g;		/* value */
	int64_t d;		/* line discount */
	int64_t t;		/* tax */
	int64_t x;		/* all its discount: line and order share */
	int64_t k;		/* units refunded before */
	int64_t ask;		/* units asked for now */
	int64_t at;		/* units taken so far by this refund */
	const char *sku;
	/* this refund's figures for the line */
	int64_t qty, item, tax, fee, amount;
};

/* floor(a x m / q), for 0 <= a, 0 <= m <= q and q > 0. */
static int64_t
cum(int64_t a, int64_t m, int64_t q)
{
	return (int64_t)((__int128)a * m / q);
}

/* What units k+1 to k+m of a line of q units carry of amount a. */
static int64_t
part(int64_t a, int64_t k, int64_t m, int64_t q)
{
	return cum(a, k + m, q) - cum(a, k, q);
}

static int64_t
item_of(const struct rline *l, int64_t k, int64_t m)
{
	return part(l->g, k, m, l->q) - part(l->x, k, m, l->q);
}

static void
add_money(cJSON *o, const char *key, int64_t v, int exp)
{
	char buf[OMS_MONEY_BUFSZ];

	cJSON_AddStringToObject(o, key, oms_money_format(v, exp, buf,
	    sizeof buf));
}

static const char *
fmt(int64_t v, int exp, char buf[OMS_MONEY_BUFSZ])
{
	return oms_money_format(v, exp, buf, OMS_MONEY_BUFSZ);
}

/* A money field that must be absent or an amount of at least 0. */
static int
money_in(const cJSON *obj, const char *key, int exp, const char *where,
    int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	*out = 0;
	if (v == NULL || cJSON_IsNull(v))
		return OMS_OK;
	if (!cJSON_IsString(v) || oms_money_parse(v->valuestring, exp, out) !=
	    OMS_OK)
		return oms_reject("%s%s is not an amount", where, key);
	if (*out < 0)
		return oms_reject("%s%s %s is less than 0", where, key,
		    v->valuestring);
	return OMS_OK;
}

static int
has_reason(const cJSON *list, const char *reason)
{
	const cJSON *x;

	if (reason == NULL || !cJSON_IsArray(list))
		return 0;
	cJSON_ArrayForEach(x, list)
		if (cJSON_IsString(x) && strcmp(x->valuestring, reason) == 0)
			return 1;
	return 0;
}

/* The policy's shape, checked once: refund_shipping and restocking_fee. */
static int
policy_check(const cJSON *policy, int exp)
{
	const cJSON *rs, *fees, *f, *x;
	int64_t v;

	if (policy == NULL || cJSON_IsNull(policy))
		return OMS_OK;
	if (!cJSON_IsObject(policy))
		return oms_reject("the policy is not an object");
	rs = cJSON_GetObjectItemCaseSensitive(policy, "refund_shipping");
	if (rs != NULL && !cJSON_IsBool(rs) && !cJSON_IsNull(rs)) {
		if (!cJSON_IsArray(rs))
			return oms_reject("policy.refund_shipping must be "
			    "true, false or a list of reasons");
		cJSON_ArrayForEach(x, rs)
			if (!cJSON_IsString(x))
				return oms_reject("policy.refund_shipping must "
				    "list reasons as strings");
	}
	fees = cJSON_GetObjectItemCaseSensitive(policy, "restocking_fee");
	if (fees == NULL || cJSON_IsNull(fees))
		return OMS_OK;
	if (!cJSON_IsObject(fees))
		return oms_reject("policy.restocking_fee must be an object of "
		    "reasons");
	cJSON_ArrayForEach(f, fees) {
		const cJSON *pc, *fx;

		if (cJSON_IsNull(f))
			continue;
		pc = cJSON_GetObjectItemCaseSensitive(f, "percent");
		fx = cJSON_GetObjectItemCaseSensitive(f, "fixed");
		if (!cJSON_IsObject(f) || (pc == NULL) == (fx == NULL))
			return oms_reject("policy.restocking_fee.%s must be "
			    "{\"percent\": N} or {\"fixed\": \"AMOUNT\"}",
			    f->string);
		if (pc != NULL && !(cJSON_IsNumber(pc) &&
		    pc->valuedouble >= 0 && pc->valuedouble <= 100) &&
		    !(cJSON_IsString(pc) &&
		    oms_money_parse(pc->valuestring, 4, &v) == OMS_OK &&
		    v >= 0 && v <= 1000000))
			return oms_reject("policy.restocking_fee.%s.percent "
			    "must be a number from 0 to 100", f->string);
		if (fx != NULL && money_in(f, "fixed", exp,
		    "policy.restocking_fee.", &v) != OMS_OK)
			return OMS_REJECT;
	}
	return OMS_OK;
}

/*
 * The fee for m units of item value item, given for reason (rule 5).
 * A percent is kept in ten-thousandths of a percent: 12.5 is 125000.
 */
static int64_t
fee_for(const cJSON *policy, const char *reason, int64_t item, int64_t m,
    int exp)
{
	const cJSON *fees, *rule = NULL, *pc;
	int64_t pct = 0, fee = 0;
	char buf[64];

	if (policy == NULL || has_reason(cJSON_GetObjectItemCaseSensitive(
	    policy, "refund_shipping"), reason))
		return 0;
	fees = cJSON_GetObjectItemCaseSensitive(policy, "restocking_fee");
	if (!cJSON_IsObject(fees))
		return 0;
	if (reason != NULL)
		rule = cJSON_GetObjectItemCaseSensitive(fees, reason);
	if (rule == NULL)
		rule = cJSON_GetObjectItemCaseSensitive(fees, "default");
	if (!cJSON_IsObject(rule))
		return 0;
	if ((pc = cJSON_GetObjectItemCaseSensitive(rule, "percent")) != NULL) {
		/* A JSON number reaches us as a double: read it as text. */
		if (cJSON_IsNumber(pc)) {
			snprintf(buf, sizeof buf, "%.4f", pc->valuedouble);
			oms_money_parse(buf, 4, &pct);
		} else
			oms_money_parse(pc->valuestring, 4, &pct);
		if (item > 0)
			fee = (int64_t)(((__int128)item * pct * 2 + 1000000) /
			    2000000);
	} else {
		oms_money_parse(oms_json_str(rule, "fixed"), exp, &fee);
		fee = oms_sat_mul(fee, m);
	}
	if (fee > item)
		fee = item > 0 ? item : 0;
	return fee;
}

/*
 * Spread amount over n parts pro rata by weight: each floor(amount x
 * weight / sum), the minor units left over one each to the largest
 * remainders, the lower index first among equals (rules 2 and 1).
 */
static void
spread(int64_t amount, const int64_t *weight, int n, int64_t *share)
{
	int64_t *rem = ecalloc((size_t)n, sizeof *rem), left = amount, sum = 0;

	for (int i = 0; i < n; i++)
		sum = oms_sat_add(sum, weight[i]);
	for (int i = 0; i < n; i++) {
		__int128 p = (__int128)amount * weight[i];

		share[i] = sum > 0 ? (int64_t)(p / sum) : 0;
		rem[i] = sum > 0 ? (int64_t)(p % sum) : 0;
		left -= share[i];
	}
	/* Nothing to weigh by: the first part takes it all. */
	if (sum <= 0 && n > 0) {
		share[0] += left;
		left = 0;
	}
	while (left > 0) {
		int best = 0;

		for (int i = 1; i < n; i++)
			if (rem[i] > rem[best])
				best = i;
		share[best]++;
		rem[best] = -1;
		left--;
	}
	free(rem);
}

/* The units and money of the refunds made before (done). */
static int
count_done(const cJSON *done, struct rline *rl, int n, int exp,
    int64_t *sent, int64_t *pending, int64_t *shdone, int64_t *stdone)
{
	const cJSON *r, *l;
	int64_t v, ol, q;
	int i = 0;

	*sent = *pending = *shdone = *stdone = 0;
	if (done == NULL || cJSON_IsNull(done))
		return OMS_OK;
	if (!cJSON_IsArray(done))
		return oms_reject("the refunds done must be a list");
	cJSON_ArrayForEach(r, done) {
		const char *state = oms_json_str(r, "state");

		i++;
		if (money_in(r, "total", exp, "a refund done: ", &v) != OMS_OK)
			return OMS_REJECT;
		if (state != NULL && strcmp(state, "sent") == 0)
			*sent = oms_sat_add(*sent, v);
		else
			*pending = oms_sat_add(*pending, v);
		if (cJSON_HasObjectItem(r, "shipping")) {
			if (money_in(r, "shipping", exp, "a refund done: ",
			    &v) != OMS_OK)
				return OMS_REJECT;
			*shdone = oms_sat_add(*shdone, v);
		}
		if (cJSON_HasObjectItem(r, "shipping_tax")) {
			if (money_in(r, "shipping_tax", exp, "a refund done: ",
			    &v) != OMS_OK)
				return OMS_REJECT;
			*stdone = oms_sat_add(*stdone, v);
		}
		cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(r,
		    "lines")) {
			if (oms_json_int(l, "order_line", &ol) != OMS_OK ||
			    ol < 1 || ol > n || oms_json_int(l, "qty", &q) !=
			    OMS_OK || q < 0 || q > OMS_QTY_MAX)
				return oms_reject("refund done %d: a line with "
				    "no order line or quantity of the order",
				    i);
			rl[ol - 1].k += q;
		}
	}
	return OMS_OK;
}

/* The units asked for: each a line of the order, whole, and not refunded. */
static int
count_asked(const cJSON *units, struct rline *rl, int n)
{
	const cJSON *u, *r;
	int64_t ol, q;
	int i = 0;

	if (!cJSON_IsArray(units) || cJSON_GetArraySize(units) == 0)
		return oms_reject("no units to refund");
	cJSON_ArrayForEach(u, units) {
		i++;
		if (!cJSON_IsObject(u))
			return oms_reject("unit %d: not an object", i);
		if (oms_json_int(u, "order_line", &ol) != OMS_OK || ol < 1 ||
		    ol > n)
			return oms_reject("unit %d: order_line must be a line "
			    "of the order, 1 to %d", i, n);
		if (oms_json_int(u, "qty", &q) != OMS_OK || q < 1 ||
		    q > OMS_QTY_MAX)
			return oms_reject("unit %d: qty must be a whole number "
			    "from 1 to %d", i, OMS_QTY_MAX);
		r = cJSON_GetObjectItemCaseSensitive(u, "reason");
		if (r != NULL && !cJSON_IsNull(r) && (!cJSON_IsString(r) ||
		    r->valuestring[0] == '\0'))
			return oms_reject("unit %d: reason must be a reason "
			    "code", i);
		rl[ol - 1].ask += q;
	}
	for (i = 0; i < n; i++) {
		int64_t left = rl[i].q - rl[i].k;

		if (left < 0)
			left = 0;
		if (rl[i].ask > left)
			return oms_reject("line %d: %lld units asked, %lld "
			    "left to refund (%lld refunded already)", i + 1,
			    (long long)rl[i].ask, (long long)left,
			    (long long)rl[i].k);
	}
	return OMS_OK;
}

/* Rules 1 and 2: the lines of the order as the refund needs them. */
static int
read_lines(const cJSON *lines, struct rline *rl, int n, int exp,
    int64_t *taxsum, int64_t *vsum, int64_t *dsum, int *linetax)
{
	const cJSON *l;
	char where[32];
	int i = 0;

	*taxsum = *vsum = *dsum = 0;
	*linetax = 0;
	cJSON_ArrayForEach(l, lines) {
		struct rline *r = &rl[i++];
		int64_t p;

		snprintf(where, sizeof where, "line %d: ", i);
		if (oms_json_int(l, "qty", &r->q) != OMS_OK || r->q < 0 ||
		    r->q > OMS_QTY_MAX)
			return oms_reject("line %d: no quantity", i);
		if (money_in(l, "unit_price", exp, where, &p) != OMS_OK ||
		    money_in(l, "discount", exp, where, &r->d) != OMS_OK ||
		    money_in(l, "tax", exp, where, &r->t) != OMS_OK ||
		    money_in(l, "total", exp, where, &r->g) != OMS_OK)
			return OMS_REJECT;
		if (!cJSON_HasObjectItem(l, "total") &&
		    __builtin_mul_overflow(p, r->q, &r->g))
			return oms_reject("line %d: amounts are out of range",
			    i);
		if (r->d > r->g)
			return oms_reject("line %d: its discount is more than "
			    "its value", i);
		r->sku = oms_json_str(l, "sku");
		if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(l, "tax")))
			*linetax = 1;
		if (__builtin_add_overflow(*taxsum, r->t, taxsum) ||
		    __builtin_add_overflow(*vsum, r->g - r->d, vsum) ||
		    __builtin_add_overflow(*dsum, r->d, dsum))
			return oms_reject("the order's amounts are out of "
			    "range");
	}
	return OMS_OK;
}

static cJSON *
out_line(const struct rline *r, int no, int exp)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "order_line", no);
	if (r->sku != NULL)
		cJSON_AddStringToObject(o, "sku", r->sku);
	cJSON_AddNumberToObject(o, "qty", (double)r->qty);
	add_money(o, "item", r->item, exp);
	add_money(o, "tax", r->tax, exp);
	add_money(o, "fee", r->fee, exp);
	add_money(o, "amount", r->amount, exp);
	return o;
}

int
oms_refund_compute(const cJSON *order, const cJSON *units,
    const cJSON *policy, const cJSON *done, cJSON **out)
{
	const cJSON *lines, *totals, *u, *rs;
	const char *cur, *ps;
	struct rline *rl = NULL;
	cJSON *rec, *arr, *notes = NULL;
	int n, exp, incl, ship = 0, rc, linetax;
	int64_t *w8 = NULL, *share = NULL;
	int64_t taxsum, vsum, dsum, od, sh, st, paid, refunded, sent, pending;
	int64_t items = 0, tax = 0, fee = 0, shipping = 0, shiptax = 0;
	int64_t total, left, withheld = 0, w = 0, w0 = 0, w1 = 0;
	int64_t shdone = 0, stdone = 0;
	char b1[OMS_MONEY_BUFSZ], b2[OMS_MONEY_BUFSZ];
	char note[256] = "";

	*out = NULL;
	cur = oms_json_str(order, "currency");
	if (!oms_currency_valid(cur) || strcmp(cur, "XXX") == 0)
		return oms_reject("the order has no currency");
	exp = oms_currency_exponent(cur);
	lines = cJSON_GetObjectItemCaseSensitive(order, "lines");
	if ((n = cJSON_GetArraySize(lines)) == 0 || !cJSON_IsArray(lines))
		return oms_reject("the order has no lines");
	totals = cJSON_GetObjectItemCaseSensitive(order, "totals");
	incl = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(totals,
	    "tax_included"));
	if ((rc = policy_check(policy, exp)) != OMS_OK)
		return rc;
	rl = ecalloc((size_t)n, sizeof *rl);
	notes = cJSON_CreateArray();
	if ((rc = read_lines(lines, rl, n, exp, &taxsum, &vsum, &dsum,
	    &linetax)) != OMS_OK ||
	    (rc = money_in(totals, "discount", exp, "totals.", &od)) !=
	    OMS_OK ||
	    (rc = money_in(totals, "shipping", exp, "totals.", &sh)) !=
	    OMS_OK ||
	    (rc = money_in(totals, "tax", exp, "totals.", &st)) != OMS_OK ||
	    (rc = money_in(totals, "total", exp, "totals.", &paid)) !=
	    OMS_OK ||
	    (rc = money_in(totals, "refunded", exp, "totals.", &refunded)) !=
	    OMS_OK)
		goto out;
	od = od > dsum ? od - dsum : 0;
	if (od > vsum) {
		rc = oms_reject("the order's discount %s is more than its "
		    "lines are worth (%s)", fmt(od, exp, b1), fmt(vsum, exp,
		    b2));
		goto out;
	}
	w8 = ecalloc((size_t)n + 1, sizeof *w8);
	share = ecalloc((size_t)n + 1, sizeof *share);
	for (int i = 0; i < n; i++)
		w8[i] = rl[i].g - rl[i].d;
	spread(od, w8, n, share);
	for (int i = 0; i < n; i++)
		rl[i].x = rl[i].d + share[i];
	if (!linetax && st > 0) {
		/* Rule 1: the order's tax, the lines giving none. */
		for (int i = 0; i < n; i++)
			w8[i] = rl[i].g - rl[i].x;
		w8[n] = sh;
		spread(st, w8, n + 1, share);
		for (int i = 0; i < n; i++)
			rl[i].t = share[i];
		st = incl ? 0 : share[n];
	} else
		st = !incl && st > taxsum ? st - taxsum : 0;
	if ((rc = count_done(done, rl, n, exp, &sent, &pending, &shdone,
	    &stdone)) != OMS_OK ||
	    (rc = count_asked(units, rl, n)) != OMS_OK)
		goto out;

	/* Rules 3 to 6, each entry of units in its turn. */
	rs = policy != NULL ? cJSON_GetObjectItemCaseSensitive(policy,
	    "refund_shipping") : NULL;
	ship = cJSON_IsTrue(rs);
	cJSON_ArrayForEach(u, units) {
		const char *reason = oms_json_str(u, "reason");
		int64_t ol = 0, m = 0, it, tx, f;
		struct rline *r;

		oms_json_int(u, "order_line", &ol);
		oms_json_int(u, "qty", &m);
		r = &rl[ol - 1];
		it = item_of(r, r->k + r->at, m);
		tx = part(r->t, r->k + r->at, m, r->q);
		f = fee_for(policy, reason, it, m, exp);
		r->at += m;
		r->qty += m;
		r->item += it;
		r->tax += tx;
		r->fee += f;
		r->amount += it + (incl ? 0 : tx) - f;
		if (has_reason(rs, reason))
			ship = 1;
	}
	for (int i = 0; i < n; i++) {
		w = oms_sat_add(w, rl[i].g - rl[i].x);
		w0 = oms_sat_add(w0, item_of(&rl[i], 0, rl[i].k));
		w1 = oms_sat_add(w1, rl[i].item);
		items += rl[i].item;
		tax += rl[i].tax;
		fee += rl[i].fee;
	}
	/* Rule 7: worth nothing, the items are counted by units. */
	if (w <= 0) {
		w = w0 = w1 = 0;
		for (int i = 0; i < n; i++) {
			w += rl[i].q;
			w0 += rl[i].k;
			w1 += rl[i].ask;
		}
	}
	if (ship && w > 0 && w0 + w1 == w && cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(policy, "shipping_rest"))) {
		/* Nothing of it shipped: all the shipping not refunded yet. */
		shipping = sh > shdone ? sh - shdone : 0;
		shiptax = st > stdone ? st - stdone : 0;
	} else if (ship && w > 0 && w0 + w1 <= w) {
		shipping = part(sh, w0, w1, w);
		shiptax = part(st, w0, w1, w);
	}

	/* Rules 8 and 9. */
	ps = oms_json_str(cJSON_GetObjectItemCaseSensitive(order, "payment"),
	    "status");
	if ((ps != NULL && strcmp(ps, "pending") == 0) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(totals,
	    "total"))) {
		cJSON_AddItemToArray(notes, cJSON_CreateString(ps != NULL &&
		    strcmp(ps, "pending") == 0 ? "the order is not paid "
		    "(payment status pending): nothing to refund" :
		    "the order has no total: nothing to refund"));
		items = tax = fee = shipping = shiptax = 0;
		for (int i = 0; i < n; i++)
			rl[i].item = rl[i].tax = rl[i].fee = rl[i].amount = 0;
	}
	total = oms_sat_add(oms_sat_add(items, incl ? 0 : tax),
	    oms_sat_add(shipping, shiptax)) - fee;
	left = paid - (refunded > sent ? refunded : sent) - pending;
	if (left < 0)
		left = 0;
	if (total > left) {
		withheld = total - left;
		snprintf(note, sizeof note, "%s withheld: ", fmt(withheld, exp,
		    b1));
		snprintf(note + strlen(note), sizeof note - strlen(note),
		    "%s paid, %s refunded already, ", fmt(paid, exp, b1),
		    fmt(paid - left, exp, b2));
		snprintf(note + strlen(note), sizeof note - strlen(note),
		    "%s left to refund", fmt(left, exp, b1));
		cJSON_AddItemToArray(notes, cJSON_CreateString(note));
		total = left;
	}

	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "type", "refund");
	cJSON_AddStringToObject(rec, "currency", cur);
	arr = cJSON_AddArrayToObject(rec, "lines");
	for (int i = 0; i < n; i++)
		if (rl[i].ask > 0)
			cJSON_AddItemToArray(arr, out_line(&rl[i], i + 1, exp));
	add_money(rec, "items", items, exp);
	add_money(rec, "tax", tax, exp);
	if (incl)
		cJSON_AddTrueToObject(rec, "tax_included");
	add_money(rec, "shipping", shipping, exp);
	add_money(rec, "shipping_tax", shiptax, exp);
	add_money(rec, "fee", fee, exp);
	if (withheld > 0)
		add_money(rec, "withheld", withheld, exp);
	add_money(rec, "total", total, exp);
	if (cJSON_GetArraySize(notes) > 0) {
		cJSON_AddItemToObject(rec, "notes", notes);
		notes = NULL;
	}
	*out = rec;
	rc = OMS_OK;
out:
	cJSON_Delete(notes);
	free(w8);
	free(share);
	free(rl);
	return rc;
}

/* Fields of a stored refund that are not the money (make_record). */
static const char *const meta[] = {
	"type", "id", "order", "return", "key", "source", "state", "at",
	"sent_at", "duplicate",
};

/* The money of a refund record: all but its meta fields. */
static cJSON *
content_of(const cJSON *refund)
{
	cJSON *c = cJSON_Duplicate(refund, 1);

	for (size_t i = 0; i < sizeof meta / sizeof meta[0]; i++)
		cJSON_DeleteItemFromObjectCaseSensitive(c, meta[i]);
	return c;
}

struct refund_row {
	int64_t id, order_id, return_id;
	const char *key, *source, *state, *at, *sent_at;
};

/* A stored refund as printed: its meta fields, then its money. */
static cJSON *
make_record(const struct refund_row *w, const cJSON *content)
{
	cJSON *r = cJSON_CreateObject();
	const cJSON *x;
	char buf[32];

	cJSON_AddStringToObject(r, "type", "refund");
	snprintf(buf, sizeof buf, REFUND_PREFIX "%lld", (long long)w->id);
	cJSON_AddStringToObject(r, "id", buf);
	snprintf(buf, sizeof buf, "o_%lld", (long long)w->order_id);
	cJSON_AddStringToObject(r, "order", buf);
	if (w->return_id > 0) {
		snprintf(buf, sizeof buf, OMS_RETURN_PREFIX "%lld",
		    (long long)w->return_id);
		cJSON_AddStringToObject(r, "return", buf);
	}
	cJSON_AddStringToObject(r, "key", w->key);
	cJSON_AddStringToObject(r, "source", w->source);
	cJSON_AddStringToObject(r, "state", w->state);
	cJSON_AddStringToObject(r, "at", w->at);
	if (w->sent_at != NULL)
		cJSON_AddStringToObject(r, "sent_at", w->sent_at);
	cJSON_ArrayForEach(x, content)
		cJSON_AddItemToObject(r, x->string, cJSON_Duplicate(x, 1));
	return r;
}

#define ROW_COLS "id, order_id, return_id, key, source, state, at, " \
	"sent_at, record"

/* The record of the refund st points at (columns ROW_COLS). */
static cJSON *
row_record(oms_stmt *st)
{
	struct refund_row w;
	cJSON *stored, *c, *r;

	w.id = oms_col_int64(st, 0);
	w.order_id = oms_col_int64(st, 1);
	w.return_id = oms_col_null(st, 2) ? 0 : oms_col_int64(st, 2);
	w.key = oms_col_str(st, 3);
	w.source = oms_col_str(st, 4);
	w.state = oms_col_str(st, 5);
	w.at = oms_col_str(st, 6);
	w.sent_at = oms_col_text(st, 7);
	stored = cJSON_Parse(oms_col_str(st, 8));
	c = content_of(stored);
	r = make_record(&w, c);
	cJSON_Delete(c);
	cJSON_Delete(stored);
	return r;
}

/* The refund stored under key, or *out NULL when none is. */
int
oms_refund_by_key(oms_db *db, const char *key, cJSON **out)
{
	static const char sql[] =
	    "SELECT " ROW_COLS " FROM refunds WHERE key = ?";
	oms_stmt *st;
	int rc;

	*out = NULL;
	if ((st = oms_db_query(db, sql, "s", key)) == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW)
		*out = row_record(st);
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the refunds");
	return OMS_OK;
}

/* A refund named f_12 or 12. */
int
oms_refund_find(oms_db *db, const char *ref, int64_t *id)
{
	static const char sql[] = "SELECT 1 FROM refunds WHERE id = ?";
	const char *p = ref;
	oms_stmt *st;
	int rc;

	if (strncmp(p, REFUND_PREFIX, strlen(REFUND_PREFIX)) == 0)
		p += strlen(REFUND_PREFIX);
	if (!oms_all_digits(p) || strlen(p) > 18)
		return oms_reject("no refund '%s' (name it " REFUND_PREFIX "N)",
		    ref);
	*id = strtoll(p, NULL, 10);
	if ((st = oms_db_query(db, sql, "I", *id)) == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	oms_reset(st);
	if (rc == OMS_ROW)
		return OMS_OK;
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the refunds");
	return oms_reject("no refund '%s'", ref);
}

/* The money of a refund to store, read and checked. */
struct refund_in {
	int exp;
	int64_t items, tax, shipping, shiptax, fee, total;
	int n;
	int64_t *line, *qty, *amount, *ltax;
};

static void
refund_in_free(struct refund_in *in)
{
	free(in->line);
	free(in->qty);
	free(in->amount);
	free(in->ltax);
}

static int
refund_read(const cJSON *refund, struct refund_in *in)
{
	const cJSON *lines, *l;
	const char *cur = oms_json_str(refund, "currency");
	const char *type = oms_json_str(refund, "type");
	int i = 0;
	char where[48];

	memset(in, 0, sizeof *in);
	if (!cJSON_IsObject(refund))
		return oms_reject("a refund must be an object");
	if (type != NULL && strcmp(type, "refund") != 0)
		return oms_reject("a %s record is not a refund", type);
	if (!oms_currency_valid(cur))
		return oms_reject("the refund has no currency");
	in->exp = oms_currency_exponent(cur);
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(refund, "total")))
		return oms_reject("the refund has no total");
	if (money_in(refund, "items", in->exp, "refund ", &in->items) !=
	    OMS_OK ||
	    money_in(refund, "tax", in->exp, "refund ", &in->tax) != OMS_OK ||
	    money_in(refund, "shipping", in->exp, "refund ", &in->shipping) !=
	    OMS_OK || money_in(refund, "shipping_tax", in->exp, "refund ",
	    &in->shiptax) != OMS_OK ||
	    money_in(refund, "fee", in->exp, "refund ", &in->fee) != OMS_OK ||
	    money_in(refund, "total", in->exp, "refund ", &in->total) != OMS_OK)
		return OMS_REJECT;
	lines = cJSON_GetObjectItemCaseSensitive(refund, "lines");
	if (lines != NULL && !cJSON_IsArray(lines))
		return oms_reject("the refund's lines must be a list");
	in->n = cJSON_GetArraySize(lines);
	in->line = ecalloc((size_t)in->n + 1, sizeof *in->line);
	in->qty = ecalloc((size_t)in->n + 1, sizeof *in->qty);
	in->amount = ecalloc((size_t)in->n + 1, sizeof *in->amount);
	in->ltax = ecalloc((size_t)in->n + 1, sizeof *in->ltax);
	cJSON_ArrayForEach(l, lines) {
		snprintf(where, sizeof where, "refund line %d: ", i + 1);
		if (!cJSON_IsObject(l) ||
		    oms_json_int(l, "order_line", &in->line[i]) != OMS_OK ||
		    in->line[i] < 1 || in->line[i] > INT32_MAX)
			return oms_reject("%sno order_line", where);
		if (oms_json_int(l, "qty", &in->qty[i]) != OMS_OK ||
		    in->qty[i] < 0 || in->qty[i] > OMS_QTY_MAX)
			return oms_reject("%sqty must be a whole number from 0 "
			    "to %d", where, OMS_QTY_MAX);
		if (money_in(l, "amount", in->exp, where, &in->amount[i]) !=
		    OMS_OK || money_in(l, "tax", in->exp, where, &in->ltax[i])
		    != OMS_OK)
			return OMS_REJECT;
		for (int j = 0; j < i; j++)
			if (in->line[j] == in->line[i])
				return oms_reject("%sorder line %lld twice",
				    where, (long long)in->line[i]);
		i++;
	}
	return OMS_OK;
}

/* A key stored already: the same refund again, or a different one. */
static int
refund_again(const cJSON *stored, int64_t order_id, int64_t return_id,
    const char *source, const cJSON *refund, cJSON **out)
{
	cJSON *a = content_of(stored), *b = content_of(refund);
	const char *key = oms_json_str(stored, "key");
	char o[32], r[32];
	int same;

	snprintf(o, sizeof o, "o_%lld", (long long)order_id);
	snprintf(r, sizeof r, OMS_RETURN_PREFIX "%lld", (long long)return_id);
	same = cJSON_Compare(a, b, 1) &&
	    strcmp(oms_json_str(stored, "order"), o) == 0 &&
	    strcmp(oms_json_str(stored, "source"), source) == 0 &&
	    (return_id > 0 ? oms_json_str(stored, "return") != NULL &&
	    strcmp(oms_json_str(stored, "return"), r) == 0 :
	    oms_json_str(stored, "return") == NULL);
	cJSON_Delete(a);
	cJSON_Delete(b);
	if (!same)
		return oms_reject("key '%s' is refund %s of order %s, which is "
		    "not this one", key, oms_json_str(stored, "id"),
		    oms_json_str(stored, "order"));
	*out = cJSON_Duplicate(stored, 1);
	cJSON_AddTrueToObject(*out, "duplicate");
	return OMS_OK;
}

/* The order's lines as refunds stand: none may give back more units. */
static int
check_units(oms_db *db, int64_t order_id, const struct refund_in *in)
{
	static const char sql_line[] =
	    "SELECT qty FROM order_lines WHERE order_id = ? AND line_no = ?";
	static const char sql_done[] =
	    "SELECT coalesce(sum(l.qty), 0) FROM refund_lines l "
	    "JOIN refunds r ON r.id = l.refund_id "
	    "WHERE r.order_id = ? AND l.order_line = ?";
	oms_stmt *st;
	int64_t q, k, left;
	int rc;

	for (int i = 0; i < in->n; i++) {
		if ((st = oms_db_query(db, sql_line, "II", order_id,
		    in->line[i])) == NULL)
			return OMS_ERR;
		rc = oms_step(st);
		q = rc == OMS_ROW ? oms_col_int64(st, 0) : 0;
		oms_reset(st);
		if (rc == OMS_DONE)
			return oms_reject("line %lld: the order has no such "
			    "line", (long long)in->line[i]);
		if (rc != OMS_ROW)
			return oms_db_fail(db, rc, "cannot read an order line");
		if ((st = oms_db_query(db, sql_done, "II", order_id,
		    in->line[i])) == NULL)
			return OMS_ERR;
		rc = oms_step(st);
		k = rc == OMS_ROW ? oms_col_int64(st, 0) : 0;
		oms_reset(st);
		if (rc != OMS_ROW)
			return oms_db_fail(db, rc, "cannot read the refunds");
		left = q > k ? q - k : 0;
		if (in->qty[i] > left)
			return oms_reject("line %lld: %lld units asked, %lld "
			    "left to refund (%lld refunded already)",
			    (long long)in->line[i], (long long)in->qty[i],
			    (long long)left, (long long)k);
	}
	return OMS_OK;
}

/*
 * The order's money as refunds stand (rule 8): the refunds sent and the
 * channel's own count are the same money, the larger of them counts.
 */
static int
check_money(oms_db *db, int64_t order_id, const struct refund_in *in,
    int sent)
{
	static const char sql_order[] =
	    "SELECT total, refunded FROM orders WHERE id = ?";
	static const char sql_sums[] =
	    "SELECT coalesce(sum(CASE WHEN state = 'sent' THEN total "
	    "ELSE 0 END), 0), coalesce(sum(CASE WHEN state = 'sent' THEN 0 "
	    "ELSE total END), 0) FROM refunds WHERE order_id = ?";
	oms_stmt *st;
	int64_t paid, refunded, s, p, have;
	char b1[OMS_MONEY_BUFSZ], b2[OMS_MONEY_BUFSZ], b3[OMS_MONEY_BUFSZ];
	int rc;

	if (in->total == 0)
		return OMS_OK;
	if ((st = oms_db_query(db, sql_order, "I", order_id)) == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	paid = rc == OMS_ROW ? oms_col_int64(st, 0) : 0;
	refunded = rc == OMS_ROW ? oms_col_int64(st, 1) : 0;
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read an order");
	if ((st = oms_db_query(db, sql_sums, "I", order_id)) == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	s = rc == OMS_ROW ? oms_col_int64(st, 0) : 0;
	p = rc == OMS_ROW ? oms_col_int64(st, 1) : 0;
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read the refunds");
	if (sent)
		s = oms_sat_add(s, in->total);
	else
		p = oms_sat_add(p, in->total);
	have = oms_sat_add(s > refunded ? s : refunded, p);
	if (have > paid)
		return oms_reject("a refund of %s would take the order's "
		    "refunds to %s, more than the %s paid",
		    fmt(in->total, in->exp, b1),
		    fmt(have, in->exp, b2), fmt(paid, in->exp, b3));
	return OMS_OK;
}

static int
valid_key(const char *key)
{
	if (key == NULL || *key == '\0' || strlen(key) > 512)
		return 0;
	for (; *key; key++)
		if ((unsigned char)*key < 0x20 || *key == 0x7f)
			return 0;
	return 1;
}

int
oms_refund_store(oms_db *db, int64_t order_id, int64_t return_id,
    const char *key, const char *source, const cJSON *refund, cJSON **out)
{
	static const char sql_order[] =
	    "SELECT currency FROM orders WHERE id = ?";
	static const char sql_return[] =
	    "SELECT order_id FROM returns WHERE id = ?";
	static const char sql_ins[] =
	    "INSERT INTO refunds (order_id, return_id, key, currency, items, "
	    "tax, shipping, fee, total, state, source, at, sent_at, record) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')";
	static const char sql_record[] =
	    "UPDATE refunds SET record = ? WHERE id = ?";
	static const char sql_line[] =
	    "INSERT INTO refund_lines (refund_id, order_line, qty, amount, "
	    "tax) VALUES (?, ?, ?, ?, ?)";
	struct refund_in in;
	struct refund_row w;
	oms_stmt *st;
	cJSON *stored = NULL, *rec = NULL, *c = NULL, *ev;
	char now[OMS_TIME_LEN], cur[8] = "", *text = NULL;
	int rc, nested, sent;
	int64_t of;

	*out = NULL;
	if (!valid_key(key))
		return oms_reject("a refund needs a key of 1 to 512 characters "
		    "with no control character");
	if (source == NULL || !oms_valid_name(source))
		return oms_reject("a refund's source must be a name (a-z, 0-9, "
		    "'-', '_')");
	if ((rc = refund_read(refund, &in)) != OMS_OK) {
		refund_in_free(&in);
		return rc;
	}
	sent = strcmp(source, "channel") == 0;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK) {
		refund_in_free(&in);
		return rc;
	}
	if ((rc = oms_refund_by_key(db, key, &stored)) != OMS_OK)
		goto out;
	if (stored != NULL) {
		rc = refund_again(stored, order_id, return_id, source, refund,
		    &rec);
		goto out;
	}
	if ((st = oms_db_query(db, sql_order, "I", order_id)) == NULL)
		goto fail;
	if ((rc = oms_step(st)) == OMS_ROW)
		snprintf(cur, sizeof cur, "%s", oms_col_str(st, 0));
	oms_reset(st);
	if (rc == OMS_DONE) {
		rc = oms_reject("no order o_%lld", (long long)order_id);
		goto out;
	}
	if (rc != OMS_ROW) {
		rc = oms_db_fail(db, rc, "cannot read an order");
		goto out;
	}
	if (strcmp(cur, oms_json_str(refund, "currency")) != 0) {
		rc = oms_reject("the refund is in %s, the order in %s",
		    oms_json_str(refund, "currency"), cur);
		goto out;
	}
	if (return_id > 0) {
		if ((st = oms_db_query(db, sql_return, "I", return_id)) == NULL)
			goto fail;
		rc = oms_step(st);
		of = rc == OMS_ROW ? oms_col_int64(st, 0) : 0;
		oms_reset(st);
		if (rc == OMS_DONE)
			rc = oms_reject("no return " OMS_RETURN_PREFIX "%lld",
			    (long long)return_id);
		else if (rc != OMS_ROW)
			rc = oms_db_fail(db, rc, "cannot read a return");
		else if (of != order_id)
			rc = oms_reject("return " OMS_RETURN_PREFIX "%lld is "
			    "of order o_%lld, not o_%lld", (long long)return_id,
			    (long long)of, (long long)order_id);
		else
			rc = OMS_OK;
		if (rc != OMS_OK)
			goto out;
	}
	if ((rc = check_units(db, order_id, &in)) != OMS_OK ||
	    (rc = check_money(db, order_id, &in, sent)) != OMS_OK)
		goto out;

	oms_time_now(now);
	if ((rc = oms_db_run(db, sql_ins, "cannot store a refund",
	    "IrssIIIIIssss", order_id, return_id, key, cur, in.items,
	    oms_sat_add(in.tax, in.shiptax), in.shipping, in.fee, in.total,
	    sent ? "sent" : "pending", source, now, sent ? now : NULL)) !=
	    OMS_OK)
		goto out;
	w.id = oms_db_last_id(db);
	w.order_id = order_id;
	w.return_id = return_id;
	w.key = key;
	w.source = source;
	w.state = sent ? "sent" : "pending";
	w.at = now;
	w.sent_at = sent ? now : NULL;
	c = content_of(refund);
	rec = make_record(&w, c);
	text = oms_json_print(rec);
	if ((rc = oms_db_run(db, sql_record, "cannot store a refund", "sI",
	    text, w.id)) != OMS_OK)
		goto out;
	for (int i = 0; i < in.n; i++)
		if ((rc = oms_db_run(db, sql_line, "cannot store a refund line",
		    "IIIII", w.id, in.line[i], in.qty[i], in.amount[i],
		    in.ltax[i])) != OMS_OK)
			goto out;
	ev = cJSON_CreateObject();
	cJSON_AddItemToObject(ev, "refund", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(rec, "id"), 1));
	cJSON_AddItemToObject(ev, "total", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(rec, "total"), 1));
	cJSON_AddStringToObject(ev, "currency", cur);
	cJSON_AddStringToObject(ev, "state", w.state);
	free(text);
	text = oms_json_print(ev);
	cJSON_Delete(ev);
	rc = oms_db_event(db, order_id, "refund", NULL, text);
	goto out;
fail:
	rc = OMS_ERR;
out:
	free(text);
	cJSON_Delete(c);
	cJSON_Delete(stored);
	refund_in_free(&in);
	if (rc != OMS_OK) {
		cJSON_Delete(rec);
		(void)oms_db_write_end(db, nested, rc);
		return rc;
	}
	if ((rc = oms_db_write_end(db, nested, OMS_OK)) != OMS_OK) {
		cJSON_Delete(rec);
		return rc;
	}
	*out = rec;
	return OMS_OK;
}

/* Mark refund id sent: the payment adapter or the channel has it. */
int
oms_refund_sent(oms_db *db, int64_t id, cJSON **out)
{
	static const char sql_get[] =
	    "SELECT " ROW_COLS " FROM refunds WHERE id = ?";
	static const char sql_set[] =
	    "UPDATE refunds SET state = 'sent', sent_at = ?, record = ? "
	    "WHERE id = ? AND state = 'pending'";
	oms_stmt *st;
	cJSON *rec = NULL, *ev;
	char now[OMS_TIME_LEN], *text = NULL;
	int rc, nested;
	int64_t order_id = 0;

	*out = NULL;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	if ((st = oms_db_query(db, sql_get, "I", id)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	if ((rc = oms_step(st)) == OMS_ROW) {
		rec = row_record(st);
		order_id = oms_col_int64(st, 1);
	}
	oms_reset(st);
	if (rc == OMS_DONE) {
		rc = oms_reject("no refund " REFUND_PREFIX "%lld",
		    (long long)id);
		goto out;
	}
	if (rc != OMS_ROW) {
		rc = oms_db_fail(db, rc, "cannot read the refunds");
		goto out;
	}
	rc = OMS_OK;
	if (strcmp(oms_json_str(rec, "state"), "sent") == 0) {
		cJSON_AddTrueToObject(rec, "duplicate");
		goto out;
	}
	oms_time_now(now);
	{
		/* sent_at goes after at, as make_record puts it. */
		cJSON *c = content_of(rec);
		struct refund_row w = {
			.id = id, .order_id = order_id,
			.key = oms_json_str(rec, "key"),
			.source = oms_json_str(rec, "source"),
			.state = "sent", .at = oms_json_str(rec, "at"),
			.sent_at = now,
		};
		cJSON *nrec;

		if (oms_json_str(rec, "return") != NULL)
			w.return_id = strtoll(oms_json_str(rec, "return") +
			    strlen(OMS_RETURN_PREFIX), NULL, 10);
		nrec = make_record(&w, c);
		cJSON_Delete(c);
		cJSON_Delete(rec);
		rec = nrec;
	}
	text = oms_json_print(rec);
	if ((rc = oms_db_run(db, sql_set, "cannot mark a refund sent", "ssI",
	    now, text, id)) != OMS_OK)
		goto out;
	ev = cJSON_CreateObject();
	cJSON_AddItemToObject(ev, "refund", cJSON_Duplicate(
	    cJSON_GetObjectItemCaseSensitive(rec, "id"), 1));
	cJSON_AddStringToObject(ev, "state", "sent");
	free(text);
	text = oms_json_print(ev);
	cJSON_Delete(ev);
	rc = oms_db_event(db, order_id, "refund_sent", NULL, text);
out:
	free(text);
	if (rc != OMS_OK) {
		cJSON_Delete(rec);
		(void)oms_db_write_end(db, nested, rc);
		return rc;
	}
	if ((rc = oms_db_write_end(db, nested, OMS_OK)) != OMS_OK) {
		cJSON_Delete(rec);
		return rc;
	}
	*out = rec;
	return OMS_OK;
}

/*
 * Each refund, of order order_id (0: of every order) and in state state
 * (NULL: either), in id order.  The rows are read a page at a time and
 * fn is called with no statement open, so it may use the database.
 */
int
oms_refund_list(oms_db *db, int64_t order_id, const char *state,
    oms_rec_fn fn, void *arg)
{
	static const char sql[] =
	    "SELECT " ROW_COLS " FROM refunds WHERE id > ?1 "
	    "AND (?2 <= 0 OR order_id = ?2) AND (CAST(?3 AS TEXT) IS NULL OR "
	    "state = ?3) "
	    "ORDER BY id LIMIT 64";
	cJSON *page[64];
	oms_stmt *st;
	int64_t last = 0;
	int rc = OMS_DONE, n, r = OMS_OK;

	if (state != NULL && strcmp(state, "pending") != 0 &&
	    strcmp(state, "sent") != 0)
		return oms_reject("refund state '%s' is not pending or sent",
		    state);
	do {
		st = oms_db_query(db, sql, "IIs", last, order_id, state);
		if (st == NULL)
			return OMS_ERR;
		n = 0;
		while (n < 64 && (rc = oms_step(st)) == OMS_ROW) {
			last = oms_col_int64(st, 0);
			page[n++] = row_record(st);
		}
		if (n < 64 && rc != OMS_DONE) {
			oms_reset(st);
			for (int i = 0; i < n; i++)
				cJSON_Delete(page[i]);
			return oms_db_fail(db, rc, "cannot read the refunds");
		}
		oms_reset(st);
		for (int i = 0; i < n; i++) {
			if (r == OMS_OK)
				r = fn(arg, page[i]);
			cJSON_Delete(page[i]);
		}
	} while (n == 64 && r == OMS_OK);
	return r;
}
