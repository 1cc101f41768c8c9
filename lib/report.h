/*
 * report.h: oms-report's reports and lookups.
 *
 * A report is a function that reads the database (opened read-only, so
 * it runs beside imports and never blocks them) and gives its rows, one
 * cJSON object each, to an oms_rec_fn: the rows are the same whether
 * they end as JSON lines, an aligned table, CSV or a chart in the HTML
 * page.  Money is a decimal string in the row's currency, never summed
 * across currencies; a rate is a number from 0 to 1.
 *
 * struct oms_rq is what every report may be narrowed to: the merchant's
 * time zone (days, weeks and months are the merchant's, not UTC's), a
 * range of instants, a channel, a location and a sku.  What only one
 * report takes (--as-of, --days, --format, ...) is in args, by the
 * option's long name.
 */
#ifndef OMS_REPORT_H
#define OMS_REPORT_H

#include "oms.h"

struct oms_rq {
	const char *tz;			/* the merchant's zone; "UTC" */
	char from[OMS_TIME_LEN];	/* UTC, inclusive; "" for no bound */
	char to[OMS_TIME_LEN];		/* UTC, exclusive; "" for no bound */
	char now[OMS_TIME_LEN];		/* the clock (OMS_NOW, else now) */
	const char *channel;		/* NULL: every channel */
	const char *location;		/* NULL: every location */
	const char *sku;		/* NULL: every sku */
	const char *by;			/* the report's grouping, or NULL */
	cJSON *args;			/* the report's own options, by name */
	int argc;			/* the operands */
	char **argv;
};

/* The report's own option called name, or NULL. */
const char *oms_rq_arg(const struct oms_rq *q, const char *name);

/*
 * Periods.  by is "day", "week" (weeks start on Monday), "month" or
 * "all"; oms_rq_period_mods gives the two date() modifiers that take a
 * local day to the first day of its period, for SQL of the form
 * date(ts, 'localtime', ?, ?), the zone being set by oms_rq_zone.
 */
int oms_rq_period_valid(const char *by);
void oms_rq_period_mods(const char *by, const char **m1, const char **m2);
int oms_rq_zone(const char *tz);

/*
 * A day or instant given by the user (2026-11-30, or RFC 3339) as the UTC
 * instant that starts it in zone tz; end: the instant that ends it (a
 * bare day ends at the next midnight).
 */
int oms_rq_instant(const char *s, const char *tz, int end,
    char out[OMS_TIME_LEN]);

/*
 * Fulfilment and stock (rfulfil.c, rstock.c: each file's first comment
 * defines every figure).
 *
 * fulfilment: times from order to ship and to delivery (median, p90), on
 * time against ship_by and deliver_by, split, backorder and fill rates,
 * Amazon's late shipment, pre-fulfilment cancel and valid tracking rates;
 * one row, or a row a location or channel (q->by).
 */
int oms_report_fulfilment(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg);
/*
 * inventory: per sku and location, now or at the end of the day "as-of":
 * on hand, reserved, available, sold over 7 and 30 days (returns netted),
 * days of cover, sell-through, FIFO aging, value at cost and at retail.
 */
int oms_report_inventory(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg);
/* movements: the ledger over the range by location, kind and reason. */
int oms_report_movements(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg);
/* reorder: what falls short of "cover" days of the last "days" days' sales. */
int oms_report_reorder(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg);

/*
 * The sales and returns reports (rsales.c, rreturns.c, where every
 * figure is defined).  sales: by period (--by day, week, month or all),
 * channel and currency, Shopify's convention (net = gross - discounts -
 * returns; total = net + tax + shipping; a cancellation a sale and a
 * return).  returns: by channel, sku or reason (--by) and currency, the
 * return rate, units by disposition, refunds and the days to refund.
 */
int oms_report_sales(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg);
int oms_report_returns(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg);

/*
 * Profit (rprofit.c): net sales less cost of goods, channel fees,
 * shipping cost, refunds and return costs, per channel and currency, or
 * per sku with --by sku; fees: each fee charged with the rule that
 * applied (share/oms/fees/CHANNEL.json, fees.c).  Journal (journal.c):
 * a daily journal per channel and currency, balanced, as JSON rows or
 * written to stdout as QuickBooks Online or Xero CSV (--format).
 */
int oms_report_profit(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg);
int oms_report_fees(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg);
int oms_report_journal(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg);

/*
 * rerp.c: for an ERP, as NetSuite's CSV import takes them: sales-orders,
 * a row per line of each order placed or changed in the range, as it
 * stands; item-fulfilments, a row per line of each parcel shipped.
 */
int oms_report_sales_orders(oms_db *db, const struct oms_rq *q,
    oms_rec_fn fn, void *arg);
int oms_report_item_fulfilments(oms_db *db, const struct oms_rq *q,
    oms_rec_fn fn, void *arg);

/*
 * rlookup.c: the lookups.  orders lists the orders the filters let
 * through (--status, --email, --name, --older-than, --hold, --limit and
 * the common ones), one row each; order tells the whole story of each
 * order named in q->argv (rows order, line, allocation, shipment,
 * return, refund, event), and OMS_REJECT names those it does not know
 * once the rest are told; attention gives the records of oms_status
 * (status.c), narrowed to q->channel, --older-than its threshold.
 */
int oms_report_orders(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg);
int oms_report_order(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg);
int oms_report_attention(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg);

/* Rows. */
void oms_row_money(cJSON *row, const char *key, int64_t v,
    const char *currency);
void oms_row_rate(cJSON *row, const char *key, double num, double den);

/* How rows are written. */
enum oms_rfmt { OMS_RFMT_JSON, OMS_RFMT_TABLE, OMS_RFMT_CSV };
struct oms_rout;
struct oms_rout *oms_rout_open(FILE *fp, enum oms_rfmt fmt);
int oms_rout_rec(void *arg, const cJSON *rec);	/* an oms_rec_fn */
long oms_rout_count(const struct oms_rout *o);
int oms_rout_close(struct oms_rout *o);

/*
 * svg.c: charts as inline SVG.  Values go in by category (the x axis)
 * and series (a colour); bars are <rect class="bar">, points
 * <circle class="point">.  Text is escaped as it is written.
 */
enum oms_chart_kind { OMS_CHART_BAR, OMS_CHART_LINE };
struct oms_chart;
struct oms_chart *oms_chart_new(enum oms_chart_kind kind, const char *id,
    const char *title, const char *unit);
void oms_chart_sort(struct oms_chart *c);
void oms_chart_category(struct oms_chart *c, const char *cat);
void oms_chart_add(struct oms_chart *c, const char *cat, const char *ser,
    double v, const char *label);
size_t oms_chart_count(const struct oms_chart *c);
void oms_chart_svg(const struct oms_chart *c, struct oms_buf *out);
void oms_chart_free(struct oms_chart *c);
int oms_chart_number(const cJSON *v, double *out);
void oms_xml_text(struct oms_buf *b, const char *s);

/* rhtml.c: the page of the main reports, written to path whole. */
int oms_report_html(oms_db *db, const struct oms_rq *q, const char *path);

#endif
