/*
 * rhtml.c: the page of the main reports (report.h): oms-report --html.
 *
 * One self-contained HTML file: its style inline, its charts inline SVG
 * (svg.c), no script, no font, no image, no link to anything, and a
 * Content-Security-Policy that forbids loading any, so the page shows
 * the same offline, in a mail or on a share.  Each section is a report
 * run with the page's filters, drawn as a chart and listed in a table
 * of the same rows underneath; the sections are a table here, so a new
 * one is a line.  Text from the database is escaped where it is written.
 *
 * Sales go by day when the range the page covers is PERIOD_DAYS days or
 * fewer, by week (from Monday) when it is longer: the range is --from
 * and --to where given, else the first and last order placed.
 */
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define PERIOD_DAYS 31
#define BY_PERIOD "period"	/* a section's by: the page's day or week */

typedef int (*report_fn)(oms_db *, const struct oms_rq *, oms_rec_fn,
    void *);

struct value {
	const char *key;	/* a number in the row */
	const char *name;	/* its series, when values are the series */
};

/*
 * A section: a report, its grouping (BY_PERIOD: by day or week), whether
 * it is stock at a moment (as of the range's last day when --to is
 * given, else now) rather than over the range, the chart, the key that
 * labels a category (and a second one joined to it), the key whose
 * values are the series (NULL: each value key is a series), the key
 * that splits the rows into a chart each (money is never summed across
 * currencies), the values drawn, the unit of the value axis, the number
 * of rows kept (the lowest by the first value; 0: all), and the table's
 * columns.
 */
static const struct section {
	const char *id, *title;
	report_fn fn;
	const char *by;
	int as_of;
	enum oms_chart_kind kind;
	const char *cat, *cat2, *series, *split;
	struct value values[2];
	const char *unit;
	int lowest;
	const char *cols[12];
} sections[] = {
	{ "sales", "Sales by channel over time", oms_report_sales, BY_PERIOD, 0,
	    OMS_CHART_LINE, "period", NULL, "channel", "currency",
	    { { "net", NULL } }, "net sales", 0,
	    { "period", "channel", "currency", "orders", "units", "gross",
	    "discounts", "returns", "net", "total", "aov" } },
	{ "fulfilment", "Fulfilment times", oms_report_fulfilment, "location",
	    0, OMS_CHART_BAR, "location", NULL, NULL, NULL,
	    { { "ship_hours_median", "median hours to ship" },
	    { "ship_hours_p90", "p90 hours to ship" } }, "hours", 0,
	    { "location", "orders", "shipped_orders", "ship_hours_median",
	    "ship_hours_p90", "deliver_hours_median", "deliver_hours_p90",
	    "on_time_ship", "fill_rate_orders", "cancel_rate" } },
	{ "stock", "Stock cover (the 20 lowest)", oms_report_inventory, NULL, 1,
	    OMS_CHART_BAR, "sku", "location", NULL, NULL,
	    { { "cover_days_30", "days of cover at 30 days' sales" } },
	    "days", 20,
	    { "sku", "location", "on_hand", "reserved", "available",
	    "sold_7", "sold_30", "cover_days_7", "cover_days_30",
	    "sell_through" } },
	{ "profit", "Profit by channel", oms_report_profit, "channel", 0,
	    OMS_CHART_BAR, "channel", NULL, NULL, "currency",
	    { { "net_sales", "net sales" }, { "profit", "profit" } }, NULL, 0,
	    { "channel", "currency", "units", "net_sales", "cogs", "fees",
	    "shipping_cost", "refunds", "return_costs", "profit",
	    "margin" } },
	{ "returns", "Returns by reason", oms_report_returns, "reason", 0,
	    OMS_CHART_BAR, "reason", NULL, NULL, "currency",
	    { { "units_returned", "units returned" } }, "units", 0,
	    { "reason", "units_sold", "units_returned", "return_rate",
	    "currency", "refunds" } },
};

static const char style[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;"
	"background:#fff}\n"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;"
	"border-bottom:1px solid #ddd}h3{font-size:15px;margin:16px 0 0}\n"
	"p.range{color:#555;margin:0 0 12px}p.none{color:#777}\n"
	".wrap{overflow-x:auto}\n"
	"svg.chart{display:block;margin:8px 0;font-size:12px}\n"
	"svg .grid{stroke:#e6e6e6}svg .axis{stroke:#555}\n"
	"svg .line{fill:none;stroke-width:2}svg .tick,svg .cat{fill:#444}\n"
	"svg .val{font-size:10px;fill:#333}svg .unit{fill:#666}\n"
	"table{border-collapse:collapse;font-size:12px;margin:4px 0 16px}\n"
	"th,td{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}\n"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	"th{background:#f4f4f4}\n";

/* What the page covers: local days, and how sales are grouped. */
struct span {
	char first[16], last[16];
	const char *period;
};

static int
collect(void *arg, const cJSON *rec)
{
	cJSON_AddItemToArray(arg, cJSON_Duplicate(rec, 1));
	return OMS_OK;
}

/* The row's text at key: "" for none. */
static const char *
text_at(const cJSON *row, const char *key, char *buf, size_t n)
{
	const char *s;

	if (key == NULL)
		return "";
	s = oms_json_text(cJSON_GetObjectItemCaseSensitive(row, key), buf, n);
	return s ? s : "";
}

/* A category's label: the row's text at cat (and cat2), "(none)" for none. */
static void
category(const struct section *s, const cJSON *row, struct oms_buf *b)
{
	char buf[64];
	const char *t = text_at(row, s->cat, buf, sizeof buf);

	oms_buf_reset(b);
	oms_buf_adds(b, *t ? t : "(none)");
	if (s->cat2 != NULL) {
		t = text_at(row, s->cat2, buf, sizeof buf);
		oms_buf_adds(b, " \xc2\xb7 ");	/* a middle dot */
		oms_buf_adds(b, *t ? t : "(none)");
	}
}

struct ranked {
	const cJSON *row;
	double v;
	size_t i;
};

static int
cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* The n rows with the lowest values at key; rows with none are left out. */
static cJSON *
lowest(cJSON *rows, const char *key, int n)
{
	int len = cJSON_GetArraySize(rows), m = 0;
	struct ranked *r = ecalloc(len ? (size_t)len : 1, sizeof *r);
	cJSON *out = cJSON_CreateArray(), *row;

	cJSON_ArrayForEach(row, rows)
		if (oms_chart_number(cJSON_GetObjectItemCaseSensitive(row, key),
		    &r[m].v)) {
			r[m].row = row;
			r[m].i = (size_t)m;
			m++;
		}
	qsort(r, (size_t)m, sizeof *r, cmp_ranked);
	for (int i = 0; i < m && i < n; i++)
		cJSON_AddItemToArray(out, cJSON_Duplicate(r[i].row, 1));
	free(r);
	cJSON_Delete(rows);
	return out;
}

static int
in_split(const struct section *s, const cJSON *row, const char *part)
{
	char buf[64];

	return s->split == NULL || strcmp(text_at(row, s->split, buf,
	    sizeof buf), part) == 0;
}

/*
 * The chart's id (chart-ID, or chart-ID-PART made safe for an id),
 * title and unit: a chart of one part (a currency) says which.
 */
static void
names(const struct section *s, const char *part, struct oms_buf *id,
    struct oms_buf *title, struct oms_buf *unit)
{
	oms_buf_printf(id, "chart-%s", s->id);
	oms_buf_adds(title, s->title);
	oms_buf_adds(unit, s->unit ? s->unit : part);
	if (*part == '\0')
		return;
	oms_buf_addc(id, '-');
	for (const char *p = part; *p; p++)
		oms_buf_addc(id, strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-", *p) ? *p : '_');
	oms_buf_printf(title, ", %s", part);
	if (s->unit != NULL)
		oms_buf_printf(unit, ", %s", part);
}

/* A value for each value key of each row of the part that has a number. */
static void
fill(struct oms_chart *c, const struct section *s, const cJSON *rows,
    const char *part)
{
	struct oms_buf cat = { 0 };
	const cJSON *row;

	cJSON_ArrayForEach(row, rows) {
		if (!in_split(s, row, part))
			continue;
		category(s, row, &cat);
		oms_chart_category(c, cat.s);
		for (size_t i = 0; i < 2 && s->values[i].key; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(row,
			    s->values[i].key);
			char sbuf[64], vbuf[64];
			const char *ser = s->values[i].name;
			double d;

			if (!oms_chart_number(v, &d))
				continue;
			if (s->series != NULL)
				ser = text_at(row, s->series, sbuf,
				    sizeof sbuf);
			oms_chart_add(c, cat.s, *ser ? ser : "(none)", d,
			    oms_json_text(v, vbuf, sizeof vbuf));
		}
	}
	oms_buf_free(&cat);
}

static void
draw(const struct section *s, const cJSON *rows, const char *part,
    struct oms_buf *out)
{
	struct oms_buf id = { 0 }, title = { 0 }, unit = { 0 };
	struct oms_chart *c;

	names(s, part, &id, &title, &unit);
	if (*part) {
		oms_buf_adds(out, "<h3>");
		oms_xml_text(out, part);
		oms_buf_adds(out, "</h3>\n");
	}
	c = oms_chart_new(s->kind, id.s, title.s, unit.s);
	if (s->kind == OMS_CHART_LINE)
		oms_chart_sort(c);
	fill(c, s, rows, part);
	oms_buf_adds(out, "<div class=\"wrap\">\n");
	oms_chart_svg(c, out);
	oms_buf_adds(out, "</div>\n");
	oms_chart_free(c);
	oms_buf_free(&id);
	oms_buf_free(&title);
	oms_buf_free(&unit);
}

static int
numeric(const cJSON *v)
{
	double d;

	return oms_chart_number(v, &d);
}

static void
table(const struct section *s, const cJSON *rows, const char *part,
    struct oms_buf *out)
{
	const cJSON *row;
	char buf[64];

	oms_buf_adds(out, "<table>\n<tr>");
	for (size_t i = 0; i < 12 && s->cols[i]; i++) {
		oms_buf_adds(out, "<th>");
		oms_xml_text(out, s->cols[i]);
		oms_buf_adds(out, "</th>");
	}
	oms_buf_adds(out, "</tr>\n");
	cJSON_ArrayForEach(row, rows) {
		if (!in_split(s, row, part))
			continue;
		oms_buf_adds(out, "<tr>");
		for (size_t i = 0; i < 12 && s->cols[i]; i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(row,
			    s->cols[i]);
			const char *t = oms_json_text(v, buf, sizeof buf);

			oms_buf_adds(out, numeric(v) ? "<td class=\"n\">" :
			    "<td>");
			oms_xml_text(out, t ? t : "\xe2\x80\x93");
			oms_buf_adds(out, "</td>");
		}
		oms_buf_adds(out, "</tr>\n");
	}
	oms_buf_adds(out, "</table>\n");
}

/* The values of the split key, in the order the rows give them. */
static cJSON *
parts(const struct section *s, const cJSON *rows)
{
	cJSON *ps = cJSON_CreateArray(), *p;
	const cJSON *row;
	char buf[64];

	cJSON_ArrayForEach(row, rows) {
		const char *t = text_at(row, s->split, buf, sizeof buf);
		int seen = 0;

		cJSON_ArrayForEach(p, ps)
			seen |= strcmp(p->valuestring, t) == 0;
		if (!seen)
			cJSON_AddItemToArray(ps, cJSON_CreateString(t));
	}
	return ps;
}

/* Runs the section's report with the page's filters; its rows. */
static int
run(oms_db *db, const struct oms_rq *q, const struct section *s,
    const struct span *sp, cJSON *rows)
{
	struct oms_rq rq = *q;
	int rc;

	rq.by = s->by != NULL && strcmp(s->by, BY_PERIOD) == 0 ? sp->period :
	    s->by;
	if (s->as_of) {
		rq.args = cJSON_CreateObject();
		if (*q->to)
			cJSON_AddStringToObject(rq.args, "as-of", sp->last);
		*rq.from = *rq.to = '\0';
	}
	rc = s->fn(db, &rq, collect, rows);
	if (s->as_of)
		cJSON_Delete(rq.args);
	return rc;
}

static void
heading(const struct oms_rq *q, const struct section *s,
    const struct span *sp, struct oms_buf *out)
{
	oms_buf_printf(out, "<section id=\"%s\">\n<h2>", s->id);
	oms_xml_text(out, s->title);
	if (s->by != NULL && strcmp(s->by, BY_PERIOD) == 0)
		oms_buf_printf(out, ", by %s", sp->period);
	if (s->as_of)
		oms_buf_printf(out, ", as of %s", *q->to ? sp->last : q->now);
	oms_buf_adds(out, "</h2>\n");
}

/*
 * A section.  A report that refuses one of the page's filters (profit
 * is the channel's, not a location's) says so in its place, and the
 * page goes on.
 */
static int
section(oms_db *db, const struct oms_rq *q, const struct section *s,
    const struct span *sp, struct oms_buf *out)
{
	cJSON *rows = cJSON_CreateArray(), *ps, *p;
	int rc;

	if ((rc = run(db, q, s, sp, rows)) != OMS_OK &&
	    oms_errkind() != OMS_E_USAGE) {
		cJSON_Delete(rows);
		return rc;
	}
	heading(q, s, sp, out);
	if (rc != OMS_OK) {
		oms_buf_adds(out, "<p class=\"none\">");
		oms_xml_text(out, oms_error());
		oms_buf_adds(out, ".</p>\n</section>\n");
		cJSON_Delete(rows);
		return OMS_OK;
	}
	if (s->lowest > 0)
		rows = lowest(rows, s->values[0].key, s->lowest);
	if (cJSON_GetArraySize(rows) == 0)
		oms_buf_adds(out, "<p class=\"none\">Nothing in this range."
		    "</p>\n");
	ps = parts(s, rows);
	cJSON_ArrayForEach(p, ps) {
		draw(s, rows, p->valuestring, out);
		table(s, rows, p->valuestring, out);
	}
	oms_buf_adds(out, "</section>\n");
	cJSON_Delete(ps);
	cJSON_Delete(rows);
	return OMS_OK;
}

/*
 * The local days the page covers: --from and --to where given, else the
 * first and last order placed in between; and the days between them.
 */
static const char range_sql[] =
	"SELECT date(coalesce(nullif(?1, ''), min(t)), 'localtime'),"
	" date(coalesce(nullif(?2, ''), max(t)), '-1 seconds', 'localtime'),"
	" julianday(coalesce(nullif(?2, ''), max(t)))"
	" - julianday(coalesce(nullif(?1, ''), min(t)))"
	" FROM (SELECT coalesce(placed_at, imported_at) AS t FROM orders"
	" WHERE (?1 = '' OR coalesce(placed_at, imported_at) >= ?1)"
	" AND (?2 = '' OR coalesce(placed_at, imported_at) < ?2)) AS o";

static int
range(oms_db *db, const struct oms_rq *q, struct span *sp)
{
	oms_stmt *st = oms_db_query(db, range_sql, "tt", q->from, q->to);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) != OMS_ROW) {
		oms_reset(st);
		return oms_db_fail(db, rc, "reading the range of orders");
	}
	snprintf(sp->first, sizeof sp->first, "%s", oms_col_str(st, 0));
	snprintf(sp->last, sizeof sp->last, "%s", oms_col_str(st, 1));
	sp->period = oms_col_double(st, 2) > PERIOD_DAYS ? "week" : "day";
	oms_reset(st);
	return OMS_OK;
}

static void
filter(struct oms_buf *b, const char *what, const char *v)
{
	if (v == NULL)
		return;
	oms_buf_printf(b, " Only %s ", what);
	oms_xml_text(b, v);
	oms_buf_adds(b, ".");
}

static void
head(const struct oms_rq *q, const struct span *sp, struct oms_buf *b)
{
	oms_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\""
	    "default-src 'none'; style-src 'unsafe-inline'\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width\">\n"
	    "<title>oms report</title>\n<style>\n");
	oms_buf_adds(b, style);
	oms_buf_adds(b, "</style>\n</head>\n<body>\n<h1>");
	if (*sp->first)
		oms_buf_printf(b, "oms report: %s to %s", sp->first, sp->last);
	else
		oms_buf_adds(b, "oms report: no orders");
	oms_buf_adds(b, "</h1>\n<p class=\"range\">Days in the time zone ");
	oms_xml_text(b, q->tz);
	oms_buf_printf(b, "; made at %s.", q->now);
	filter(b, "channel", q->channel);
	filter(b, "location", q->location);
	filter(b, "sku", q->sku);
	oms_buf_printf(b, " Sales go by %s: by day when the range is %d days "
	    "or fewer, by week (from Monday) when it is longer.</p>\n",
	    sp->period, PERIOD_DAYS);
}

int
oms_report_html(oms_db *db, const struct oms_rq *q, const char *path)
{
	struct oms_buf b = { 0 };
	struct span sp = { 0 };
	int rc;

	if ((rc = range(db, q, &sp)) != OMS_OK)
		return rc;
	head(q, &sp, &b);
	for (size_t i = 0; i < sizeof sections / sizeof sections[0]; i++)
		if ((rc = section(db, q, &sections[i], &sp, &b)) != OMS_OK)
			goto out;
	oms_buf_adds(&b, "</body>\n</html>\n");
	rc = oms_write_file(path, b.s, b.len);
out:
	oms_buf_free(&b);
	return rc;
}
