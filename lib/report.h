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

#endif
