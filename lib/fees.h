/*
 * fees.h: channel fees as dated data (share/oms/fees/CHANNEL.json), and
 * the walk over orders that the profit report and the journal share.
 * fees.c says, rule by rule, how a fee is worked out.
 */
#ifndef OMS_FEES_H
#define OMS_FEES_H

#include "oms.h"
#include "db.h"

struct oms_fees;

/* One line of an order as the fees and the reports see it. */
struct oms_fee_line {
	int line_no;
	const char *sku;	/* NULL: a line with no sku */
	const char *category;	/* the product's "category", or NULL */
	int64_t qty, cancelled, shipped, refunded;	/* units */
	int64_t gross;		/* qty x unit_price */
	int64_t discount;	/* its discount and its share of the order's */
	int64_t items;		/* what its units not cancelled came to */
	int64_t tax;		/* their tax */
	int64_t tax_all;	/* the tax of the whole line */
	int64_t returns;	/* value of units refunded or cancelled */
	int64_t shipping;	/* its share of the order's shipping */
	int64_t shiptax;	/* its share of the shipping's tax */
	int64_t fees;		/* its fees, less the fees given back */
	int64_t ofees;		/* its share of the order's own fees */
	int64_t unit_cost;	/* a unit's cost (a kit: its parts') */
	const char *cost_currency;	/* NULL: no cost known */
	int64_t restocked;	/* cost of its units put back in stock */
	int64_t spread;		/* scratch: a share of an order's amount */
	int restock_odd;	/* units put back whose cost is not known */
	const char *rules[8];	/* the per-unit rules that applied */
	int nrules;
};

/* An order, its lines and what it costs besides its goods. */
struct oms_fee_order {
	int64_t id;
	const char *channel, *currency;
	char day[11];		/* the day placed, in the merchant's zone */
	int64_t shipping;	/* shipping charged, when anything sold */
	int64_t tax;		/* the tax of what sold, lines and shipping */
	int64_t ship_cost;	/* its parcels not voided, in its currency */
	int ship_cost_odd;	/* parcels whose cost is in another currency */
	int64_t ship_refunded;	/* shipping refunded */
	int64_t label_cost;	/* return labels the merchant paid */
	int label_odd;		/* return labels in another currency */
	int nlines;
	struct oms_fee_line *lines;
	char **rules;		/* every rule that applied */
	int nrules;
	char **orules;		/* the per-order rules that applied */
	int norules;
};

int oms_fees_new(struct oms_fees **out);
void oms_fees_free(struct oms_fees *f);

/*
 * Works out the fees of order o (fees, ofees of each line, and rules)
 * from the shares and figures of its lines.  A channel with no fee file
 * has no fees: note then says so, else it is NULL.
 */
int oms_fees_order(struct oms_fees *f, struct oms_fee_order *o,
    const char **note);

/*
 * The orders placed in [from, to) ("" for no bound), of one channel or
 * all, each given to fn with its lines' figures and fees worked out.
 * Reads one statement of lines and one of per-order figures, in step:
 * with OMS_WALK_COSTS, the order's parcels, shipping refunded and return
 * labels (ship_cost, ship_refunded, label_cost and their _odd counts);
 * without, those are 0 and only its day is read.
 */
#define OMS_WALK_COSTS	0x1
typedef int (*oms_order_fn)(void *arg, struct oms_fee_order *o,
    const char *note);
int oms_fees_walk(oms_db *db, struct oms_fees *f, const char *from,
    const char *to, const char *channel, int flags, oms_order_fn fn,
    void *arg);

/*
 * Adds to the field at offset oofs of each line its share of amount, pro
 * rata by items (fees.c, rule 2).
 */
void oms_fee_spread(struct oms_fee_order *o, int64_t amount, size_t oofs);

/* Fees of one rule on one line, for `oms-report fees`. */
typedef int (*oms_fee_each_fn)(void *arg, const struct oms_fee_order *o,
    int line, const char *rule, int64_t base, int64_t fee, int64_t back);
void oms_fees_each(struct oms_fees *f, oms_fee_each_fn fn, void *arg);

#endif
