/*
 * rprofit.c: oms-report profit and oms-report fees.
 *
 * profit: what the orders placed in the period made, over their whole
 * life so far, per channel and currency (--by channel, the default) or
 * per channel, currency and sku (--by sku).  fees.c defines each line's
 * figures; a row sums them:
 *
 *	units		units sold: ordered less cancelled
 *	gross		quantity x unit price
 *	discounts	line discounts and the order's discount spread
 *	returns		item amounts refunded, and cancelled units not
 *			refunded
 *	net_sales	gross - discounts - returns
 *	shipping_income	the shipping charged on orders that sold anything
 *	cogs		cost of goods: units shipped x a unit's cost, less
 *			the cost of units put back in stock; null (and a
 *			note says why) when a cost is missing or in another
 *			currency than the sale's
 *	fees		channel fees (fees.c, share/oms/fees/), less the
 *			fees given back on refunds
 *	shipping_cost	parcels not voided, in the sale's currency
 *	refunds		shipping refunded
 *	return_costs	return labels the merchant paid
 *	profit		net_sales + shipping_income - cogs - fees
 *			- shipping_cost - refunds - return_costs
 *	margin		profit / net_sales, null when net sales are 0
 *	fee_rules	the fee rules that applied, in the order met
 *	notes		what was left out, and why (sorted)
 *
 * By sku, what belongs to an order (its shipping, parcels, refunded
 * shipping, return labels and per-order fees) is spread over its lines
 * pro rata by their items, as fees.c spreads an order's discount.  Money is never summed across currencies: the currency is part
 * of every row's key.
 *
 * fees: one row per fee charged, order by order, with the rule that
 * applied, the price it was charged on, the fee and what was given back.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "fees.h"

#define NOTES 8

/* acc + v and acc - v, or group g is too big to add up. */
#define ADD(g, acc, v) ((g)->big |= __builtin_add_overflow((acc), (v), &(acc)))
#define SUB(g, acc, v) ((g)->big |= __builtin_sub_overflow((acc), (v), &(acc)))

struct grp {
	char *key, *channel, *currency, *sku;
	int64_t units, gross, disc, ret, shipinc, cogs, fees, shipcost;
	int64_t refunds, retcost;
	int64_t net, profit;	/* worked out at the end */
	int cogs_bad;
	int big;		/* a sum left int64 */
	const char **rules;
	int nrules;
	char *notes[NOTES];
	int nnotes;
};

struct profit {
	const struct oms_rq *q;
	int by_sku;
	struct grp **tab;	/* open addressing */
	size_t cap, n;
};

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void
grow(struct profit *p)
{
	struct grp **old = p->tab;
	size_t ocap = p->cap;

	p->cap = p->cap ? p->cap * 2 : 64;
	p->tab = ecalloc(p->cap, sizeof *p->tab);
	for (size_t i = 0; i < ocap; i++)
		if (old[i] != NULL) {
			size_t j = hash(old[i]->key) & (p->cap - 1);

			while (p->tab[j] != NULL)
				j = (j + 1) & (p->cap - 1);
			p->tab[j] = old[i];
		}
	free(old);
}

static struct grp *
group(struct profit *p, const char *channel, const char *currency,
    const char *sku)
{
	struct oms_buf k = { 0 };
	struct grp *g;
	size_t j;

	if (p->n * 2 >= p->cap)
		grow(p);
	oms_buf_printf(&k, "%s\t%s\t%s", channel, currency, sku ? sku : "");
	for (j = hash(k.s) & (p->cap - 1); p->tab[j] != NULL;
	    j = (j + 1) & (p->cap - 1))
		if (strcmp(p->tab[j]->key, k.s) == 0) {
			oms_buf_free(&k);
			return p->tab[j];
		}
	g = ecalloc(1, sizeof *g);
	g->key = k.s;
	g->channel = estrdup(channel);
	g->currency = estrdup(currency);
	g->sku = sku ? estrdup(sku) : NULL;
	p->tab[j] = g;
	p->n++;
	return g;
}

static void
note(struct grp *g, const char *fmt, const char *a, const char *b)
{
	struct oms_buf s = { 0 };

	oms_buf_printf(&s, fmt, a, b);
	for (int i = 0; i < g->nnotes; i++)
		if (strcmp(g->notes[i], s.s) == 0) {
			oms_buf_free(&s);
			return;
		}
	if (g->nnotes < NOTES)
		g->notes[g->nnotes++] = s.s;
	else
		oms_buf_free(&s);
}

static void
rules_add(struct grp *g, const char *const *v, int n)
{
	for (int i = 0; i < n; i++) {
		int seen = 0;

		for (int j = 0; j < g->nrules && !seen; j++)
			seen = g->rules[j] == v[i];
		if (seen)
			continue;
		g->rules = erealloc(g->rules, (size_t)(g->nrules + 1) *
		    sizeof *g->rules);
		g->rules[g->nrules++] = v[i];
	}
}

static void
cogs_add(struct grp *g, const struct oms_fee_line *l,
    const struct oms_fee_order *o)
{
	const char *sku = l->sku ? l->sku : "(none)";

	if (l->shipped == 0 && l->restocked == 0 && l->restock_odd == 0)
		return;
	if (l->cost_currency == NULL) {
		g->cogs_bad = 1;
		note(g, "cogs: sku %s%s has no cost", sku, "");
	} else if (strcmp(l->cost_currency, o->currency) != 0) {
		g->cogs_bad = 1;
		note(g, "cogs: sku %s costs in %s", sku, l->cost_currency);
	} else if (l->restock_odd > 0) {
		g->cogs_bad = 1;
		note(g, "cogs: units of sku %s put back in stock have no "
		    "cost in %s", sku, o->currency);
	} else {
		int64_t c;

		g->big |= __builtin_mul_overflow(l->shipped, l->unit_cost, &c);
		ADD(g, g->cogs, c);
		SUB(g, g->cogs, l->restocked);
	}
}

/* Each line's share of an order's amount, pro rata by items (rule 2). */
static void
shares(struct oms_fee_order *o, int64_t amount, struct grp **gl,
    size_t gofs)
{
	for (int i = 0; i < o->nlines; i++)
		o->lines[i].spread = 0;
	oms_fee_spread(o, amount, offsetof(struct oms_fee_line, spread));
	for (int i = 0; i < o->nlines; i++)
		if (gl[i] != NULL)
			ADD(gl[i], *(int64_t *)((char *)gl[i] + gofs),
			    o->lines[i].spread);
}

static void
costs_notes(struct grp *g, const struct oms_fee_order *o)
{
	if (o->ship_cost_odd > 0)
		note(g, "shipping_cost: parcels paid in another currency "
		    "than %s%s are left out", o->currency, "");
	if (o->label_odd > 0)
		note(g, "return_costs: return labels paid in another "
		    "currency than %s%s are left out", o->currency, "");
}

/* What belongs to the order, whole or spread over its lines. */
static void
order_costs(struct profit *p, struct oms_fee_order *o, struct grp **gl,
    struct grp *g)
{
	if (p->by_sku || p->q->sku != NULL) {
		shares(o, o->shipping, gl, offsetof(struct grp, shipinc));
		shares(o, o->ship_cost, gl, offsetof(struct grp, shipcost));
		shares(o, o->ship_refunded, gl, offsetof(struct grp, refunds));
		shares(o, o->label_cost, gl, offsetof(struct grp, retcost));
		for (int i = 0; i < o->nlines; i++)
			if (gl[i] != NULL) {
				ADD(gl[i], gl[i]->fees, o->lines[i].ofees);
				costs_notes(gl[i], o);
			}
		return;
	}
	ADD(g, g->shipinc, o->shipping);
	ADD(g, g->shipcost, o->ship_cost);
	ADD(g, g->refunds, o->ship_refunded);
	ADD(g, g->retcost, o->label_cost);
	for (int i = 0; i < o->nlines; i++)
		ADD(g, g->fees, o->lines[i].ofees);
	costs_notes(g, o);
}

static int
profit_order(void *arg, struct oms_fee_order *o, const char *fnote)
{
	struct profit *p = arg;
	struct grp *g = NULL, **gl = ecalloc((size_t)o->nlines, sizeof *gl);

	for (int i = 0; i < o->nlines; i++) {
		const struct oms_fee_line *l = &o->lines[i];

		if (p->q->sku != NULL && (l->sku == NULL || strcmp(l->sku,
		    p->q->sku) != 0))
			continue;
		if (p->by_sku || g == NULL)
			g = group(p, o->channel, o->currency, p->by_sku ?
			    (l->sku ? l->sku : "") : NULL);
		gl[i] = g;
		g->units += l->qty - l->cancelled;
		ADD(g, g->gross, l->gross);
		ADD(g, g->disc, l->discount);
		ADD(g, g->ret, l->returns);
		ADD(g, g->fees, l->fees);
		cogs_add(g, l, o);
		rules_add(g, l->rules, l->nrules);
		rules_add(g, (const char *const *)o->orules, o->norules);
		if (fnote != NULL)
			note(g, "fees: %s%s", fnote, "");
	}
	if (g != NULL)
		order_costs(p, o, gl, g);
	free(gl);
	return OMS_OK;
}

static int
cmp_grp(const void *a, const void *b)
{
	const struct grp *x = *(struct grp *const *)a;
	const struct grp *y = *(struct grp *const *)b;

	return strcmp(x->key, y->key);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static cJSON *
profit_row(const struct profit *p, struct grp *g)
{
	cJSON *row = cJSON_CreateObject(), *a;
	int64_t net = g->net, pr = g->profit;
	const char *c = g->currency;

	cJSON_AddStringToObject(row, "type", "profit");
	cJSON_AddStringToObject(row, "channel", g->channel);
	if (p->by_sku)
		cJSON_AddStringToObject(row, "sku", g->sku);
	cJSON_AddStringToObject(row, "currency", c);
	cJSON_AddNumberToObject(row, "units", (double)g->units);
	oms_row_money(row, "gross", g->gross, c);
	oms_row_money(row, "discounts", g->disc, c);
	oms_row_money(row, "returns", g->ret, c);
	oms_row_money(row, "net_sales", net, c);
	oms_row_money(row, "shipping_income", g->shipinc, c);
	if (g->cogs_bad)
		cJSON_AddNullToObject(row, "cogs");
	else
		oms_row_money(row, "cogs", g->cogs, c);
	oms_row_money(row, "fees", g->fees, c);
	oms_row_money(row, "shipping_cost", g->shipcost, c);
	oms_row_money(row, "refunds", g->refunds, c);
	oms_row_money(row, "return_costs", g->retcost, c);
	if (g->cogs_bad) {
		cJSON_AddNullToObject(row, "profit");
		cJSON_AddNullToObject(row, "margin");
	} else {
		oms_row_money(row, "profit", pr, c);
		oms_row_rate(row, "margin", (double)pr, (double)net);
	}
	a = cJSON_AddArrayToObject(row, "fee_rules");
	for (int i = 0; i < g->nrules; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(g->rules[i]));
	a = cJSON_AddArrayToObject(row, "notes");
	qsort(g->notes, (size_t)g->nnotes, sizeof *g->notes, cmp_str);
	for (int i = 0; i < g->nnotes; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(g->notes[i]));
	return row;
}

static void
grp_free(struct grp *g)
{
	free(g->key);
	free(g->channel);
	free(g->currency);
	free(g->sku);
	free(g->rules);
	for (int i = 0; i < g->nnotes; i++)
		free(g->notes[i]);
	free(g);
}

static int
profit_emit(struct profit *p, oms_rec_fn fn, void *arg)
{
	struct grp **v = ecalloc(p->n + 1, sizeof *v);
	size_t n = 0;
	int rc = OMS_OK;

	for (size_t i = 0; i < p->cap; i++)
		if (p->tab[i] != NULL)
			v[n++] = p->tab[i];
	qsort(v, n, sizeof *v, cmp_grp);
	for (size_t i = 0; i < n && rc == OMS_OK; i++) {
		struct grp *g = v[i];

		g->net = g->gross;
		SUB(g, g->net, g->disc);
		SUB(g, g->net, g->ret);
		g->profit = g->net;
		ADD(g, g->profit, g->shipinc);
		SUB(g, g->profit, g->cogs);
		SUB(g, g->profit, g->fees);
		SUB(g, g->profit, g->shipcost);
		SUB(g, g->profit, g->refunds);
		SUB(g, g->profit, g->retcost);
		if (g->big)
			rc = oms_fail(OMS_E_OTHER, "profit: the amounts of %s "
			    "in %s are too large to add up", g->channel,
			    g->currency);
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *row = rc == OMS_OK ? profit_row(p, v[i]) : NULL;

		if (rc == OMS_OK)
			rc = fn(arg, row);
		cJSON_Delete(row);
		grp_free(v[i]);
	}
	free(v);
	free(p->tab);
	return rc;
}

static int
no_location(const struct oms_rq *q, const char *verb)
{
	if (q->location != NULL)
		return oms_fail(OMS_E_USAGE, "%s takes no --location: fees and "
		    "profit are the channel's", verb);
	return OMS_OK;
}

int
oms_report_profit(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg)
{
	struct profit p = { .q = q };
	struct oms_fees *f;
	int rc;

	if (q->by != NULL && strcmp(q->by, "channel") != 0 &&
	    strcmp(q->by, "sku") != 0)
		return oms_fail(OMS_E_USAGE, "--by must be channel or sku, "
		    "not '%s'", q->by);
	if (no_location(q, "profit") != OMS_OK)
		return OMS_ERR;
	p.by_sku = q->by != NULL && strcmp(q->by, "sku") == 0;
	oms_fees_new(&f);
	rc = oms_fees_walk(db, f, q->from, q->to, q->channel,
	    OMS_WALK_COSTS, profit_order, &p);
	if (rc == OMS_OK)
		rc = profit_emit(&p, fn, arg);
	else {
		for (size_t i = 0; i < p.cap; i++)
			if (p.tab[i] != NULL)
				grp_free(p.tab[i]);
		free(p.tab);
	}
	oms_fees_free(f);
	return rc;
}

struct each {
	const struct oms_rq *q;
	oms_rec_fn fn;
	void *arg;
	int rc;
};

static int
fee_row(void *arg, const struct oms_fee_order *o, int line,
    const char *rule, int64_t base, int64_t fee, int64_t back)
{
	struct each *e = arg;
	const struct oms_fee_line *l = line >= 0 ? &o->lines[line] : NULL;
	cJSON *row;
	char id[32];

	if (e->rc != OMS_OK || (e->q->sku != NULL && (l == NULL ||
	    l->sku == NULL || strcmp(l->sku, e->q->sku) != 0)))
		return OMS_OK;
	row = cJSON_CreateObject();
	snprintf(id, sizeof id, "o_%lld", (long long)o->id);
	cJSON_AddStringToObject(row, "type", "fee");
	cJSON_AddStringToObject(row, "order", id);
	cJSON_AddStringToObject(row, "channel", o->channel);
	cJSON_AddStringToObject(row, "day", o->day);
	cJSON_AddStringToObject(row, "currency", o->currency);
	if (l != NULL) {
		cJSON_AddNumberToObject(row, "line", l->line_no);
		cJSON_AddStringToObject(row, "sku", l->sku ? l->sku : "");
		cJSON_AddNumberToObject(row, "units", (double)(l->qty -
		    l->cancelled));
	} else {
		cJSON_AddNullToObject(row, "line");
		cJSON_AddNullToObject(row, "sku");
		cJSON_AddNullToObject(row, "units");
	}
	cJSON_AddStringToObject(row, "rule", rule);
	oms_row_money(row, "base", base, o->currency);
	oms_row_money(row, "fee", fee, o->currency);
	oms_row_money(row, "back", back, o->currency);
	e->rc = e->fn(e->arg, row);
	cJSON_Delete(row);
	return e->rc;
}

static int
fees_order(void *arg, struct oms_fee_order *o, const char *note)
{
	struct each *e = arg;

	(void)o;
	(void)note;
	return e->rc;
}

int
oms_report_fees(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg)
{
	struct each e = { .q = q, .fn = fn, .arg = arg, .rc = OMS_OK };
	struct oms_fees *f;
	int rc;

	if (no_location(q, "fees") != OMS_OK)
		return OMS_ERR;
	oms_fees_new(&f);
	oms_fees_each(f, fee_row, &e);
	rc = oms_fees_walk(db, f, q->from, q->to, q->channel, 0, fees_order,
	    &e);
	oms_fees_free(f);
	return rc;
}
