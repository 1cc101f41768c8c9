/*
 * rstock.c: oms-report inventory, movements and reorder: the stock.
 *
 * inventory gives a row per sku and location that has units on hand or
 * reserved or sold some in the 30 days (a kit has no stock of its own:
 * its parts are counted), now, or with --as-of DAY at the end of that
 * day in the merchant's zone.
 *
 *   on_hand, reserved  now: the levels; as of a day: the ledger summed
 *                      up to the end of that day (reserve and release
 *                      movements change reserved, the others on hand).
 *   available          on_hand - reserved.
 *   sold_7, sold_30    units sold at the location over the 7 and 30
 *                      days before: the units of its parcels (shipments
 *                      not voided) that left in the window, less the
 *                      units returns restocked there in the window
 *                      (returns netted); never below 0.  As of a day the
 *                      window is that day and the 6 (29) before it, in
 *                      the merchant's zone; now it is the 7 (30) times
 *                      24 hours before now.
 *   cover_days_7,      days the available stock lasts at the rate sold:
 *   cover_days_30      available ÷ (sold_N ÷ N), one decimal; null when
 *                      nothing sold.
 *   sell_through       sold_30 ÷ (sold_30 + on_hand): the share of the
 *                      stock there was over the 30 days that sold; null
 *                      when both are 0.
 *   age_0_30 ...       the units on hand by age, first in first out:
 *   age_180_plus       the units on hand are taken to be the ones that
 *                      arrived last, so receipts are walked newest first
 *                      until on_hand is covered; a unit's age is the
 *                      number of days from the day of its receipt to the
 *                      as-of day (today when now), in the merchant's
 *                      zone: 0-30, 31-60, 61-90, 91-120, 121-180 and
 *                      over 180 days.  A receipt is any movement that
 *                      added units at the location: receive,
 *                      transfer_in (a restocked return is one), or an
 *                      adjust or count upwards (a voided label's units
 *                      put back are one).
 *   currency           the product's cost currency; for a product with
 *                      no cost, the currency of its dearest listing.
 *   value_cost         products.cost × on_hand (today's cost, as of any
 *                      day); null with no cost.
 *   value_retail       the highest price among the sku's active listings
 *                      in that currency (of the channel asked for with
 *                      --channel) × on_hand; null with no such listing.
 *
 * --channel keeps the skus listed on that channel; --location and --sku
 * narrow the rows.  The range (--from, --to) does not apply: a stock is
 * as of one day.
 *
 * movements sums the ledger over the range by location, kind and reason
 * (a reason is taken up to its first colon: "restocked: r_4 line 1" is
 * "restocked"): units is the signed sum of the movements' quantities,
 * the change they made to on hand (to reserved for reserve and release),
 * movements how many there were.
 *
 * reorder lists each sku and location, as the levels stand now, whose
 * available stock is less than what the cover wanted needs:
 * daily_units = units sold there over the --days N (default 30) times 24
 * hours before now ÷ N (sold as in inventory; shown to two decimals,
 * used exactly); a row when available < daily_units × cover_days
 * (--cover, default 30); in_transit the units on their way there by
 * transfer; reorder_qty = ceil(daily_units × cover_days - available -
 * in_transit), or 0 when what is on its way covers it (Veeqo's purchase
 * suggestion).  --channel keeps the skus listed on that channel.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"

/* What a row of stock is read against. */
struct when {
	const char *asof;		/* the end of the as-of day, or NULL */
	char end[OMS_TIME_LEN];		/* the end of the windows */
	char day[16];			/* the as-of day, local */
};

/* The local day k days before day (YYYY-MM-DD), into out. */
static int
day_before(const char *day, int k, char *out, size_t n)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof tm);
	if (sscanf(day, "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday) != 3)
		return OMS_ERR;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_mday -= k;
	tm.tm_hour = 12;
	t = timegm(&tm);
	gmtime_r(&t, &tm);
	return strftime(out, n, "%Y-%m-%d", &tm) == 10 ? OMS_OK : OMS_ERR;
}

/* The start of a window of n days ending at w->end. */
static int
window_start(const struct oms_rq *q, const struct when *w, int n,
    char out[OMS_TIME_LEN])
{
	char day[16];
	int64_t e;

	if (w->asof == NULL) {
		if (oms_time_to_epoch(w->end, &e) != OMS_OK)
			return oms_fail(OMS_E_OTHER, "cannot read the clock");
		oms_time_format(e - (int64_t)n * 86400, out);
		return OMS_OK;
	}
	if (day_before(w->day, n - 1, day, sizeof day) != OMS_OK)
		return OMS_ERR;
	return oms_rq_instant(day, q->tz, 0, out);
}

/* Reads --as-of, or takes now; refuses the range. */
static int
when_of(const struct oms_rq *q, const char *report, char asof[OMS_TIME_LEN],
    struct when *w)
{
	const char *a = oms_rq_arg(q, "as-of");
	char to_day[16];
	struct tm tm;
	int64_t e;

	memset(w, 0, sizeof *w);
	if (strcmp(report, "inventory") != 0 && (*q->from || *q->to))
		return oms_fail(OMS_E_USAGE, "%s: --from and --to do not apply: "
		    "it is as of now", report);
	if (*q->from)
		return oms_fail(OMS_E_USAGE, "%s: --from does not apply: stock "
		    "is as of the end of a day (--to DAY or --as-of DAY)",
		    report);
	if (*q->to && a != NULL)
		return oms_fail(OMS_E_USAGE, "%s: give --to or --as-of, not "
		    "both", report);
	if (*q->to) {
		/* the local day that ends at --to */
		if (oms_time_to_epoch(q->to, &e) != OMS_OK ||
		    oms_time_local(e - 1, q->tz, &tm) != OMS_OK)
			return oms_fail(OMS_E_OTHER, "cannot read --to");
		strftime(to_day, sizeof to_day, "%Y-%m-%d", &tm);
		a = to_day;
	}
	if (a != NULL) {
		if (strlen(a) != 10 || oms_rq_instant(a, q->tz, 1, asof) !=
		    OMS_OK)
			return oms_fail(OMS_E_USAGE, "%s: --as-of '%s' is not "
			    "a day (2026-11-30)", report, a);
		w->asof = asof;
		snprintf(w->end, sizeof w->end, "%s", asof);
		snprintf(w->day, sizeof w->day, "%s", a);
		return OMS_OK;
	}
	snprintf(w->end, sizeof w->end, "%s", q->now);
	if (oms_time_to_epoch(q->now, &e) != OMS_OK ||
	    oms_time_local(e, q->tz, &tm) != OMS_OK)
		return oms_fail(OMS_E_OTHER, "cannot read the clock");
	strftime(w->day, sizeof w->day, "%Y-%m-%d", &tm);
	return OMS_OK;
}

/* Gives each row of st, made by mk, to fn; mk gives NULL when it failed. */
static int
each_row(oms_db *db, oms_stmt *st, cJSON *(*mk)(oms_stmt *, const void *),
    const void *ctx, oms_rec_fn fn, void *arg, const char *what)
{
	int rc;

	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *row = mk(st, ctx);
		int frc;

		if (row == NULL) {
			oms_reset(st);
			return OMS_ERR;
		}
		frc = fn(arg, row);
		cJSON_Delete(row);
		if (frc != OMS_OK) {
			oms_reset(st);
			return frc;
		}
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, what);
	return OMS_OK;
}

/*
 * The ledger is read in one pass, not in the order of its sku index
 * (+at, +sku): a walk of the index visits the table at random.
 *
 * Units sold per sku and location in [?3, ?2) and [?4, ?2): parcels out
 * less restocked returns.  Shared by inventory and reorder as text.
 */
#define SQL_SOLD \
    "sold AS (\n" \
    "  SELECT sku, location, sum(q7) AS q7, sum(q30) AS q30 FROM (\n" \
    "    SELECT sl.sku AS sku, s.location AS location,\n" \
    "      sum(CASE WHEN s.shipped_at >= ?3 THEN sl.qty ELSE 0 END) AS q7,\n" \
    "      sum(sl.qty) AS q30\n" \
    "    FROM shipments s JOIN shipment_lines sl ON sl.shipment_id = s.id\n" \
    "    WHERE s.status <> 'voided' AND s.shipped_at >= ?4\n" \
    "      AND s.shipped_at < ?2 AND (CAST(?5 AS TEXT) IS NULL OR s.location " \
    "= ?5)\n" \
    "      AND (CAST(?6 AS TEXT) IS NULL OR sl.sku = ?6)\n" \
    "    GROUP BY sl.sku, s.location\n" \
    "    UNION ALL\n" \
    "    SELECT sku, coalesce(to_location, location),\n" \
    "      -sum(CASE WHEN at >= ?3 THEN qty ELSE 0 END), -sum(qty)\n" \
    "    FROM return_units WHERE disposition = 'restock' AND at >= ?4\n" \
    "      AND at < ?2 AND (CAST(?5 AS TEXT) IS NULL OR " \
    "coalesce(to_location,\n" \
    "      location) = ?5) AND (CAST(?6 AS TEXT) IS NULL OR sku = ?6)\n" \
    "    GROUP BY sku, coalesce(to_location, location)\n" \
    "  ) AS t GROUP BY sku, location\n" \
    ")\n"

/*
 * PostgreSQL has no unary + on text, and keeps to a plan of its own: the
 * index is kept out on SQLite only.
 */
#define SQL_INVENTORY(P) \
    "WITH lv0 AS (\n" \
    "  SELECT sku, location, on_hand, reserved FROM levels\n" \
    "  WHERE CAST(?1 AS TEXT) IS NULL AND (CAST(?5 AS TEXT) IS NULL OR " \
    "location = ?5)\n" \
    "    AND (CAST(?6 AS TEXT) IS NULL OR sku = ?6)\n" \
    "  UNION ALL\n" \
    "  SELECT sku, location,\n" \
    "    sum(CASE WHEN kind IN ('reserve', 'release') THEN 0 ELSE qty END),\n" \
    "    sum(CASE WHEN kind IN ('reserve', 'release') THEN qty ELSE 0 END)\n" \
    "  FROM movements WHERE CAST(?1 AS TEXT) IS NOT NULL AND " P "at < ?1\n" \
    "    AND (CAST(?5 AS TEXT) IS NULL OR location = ?5) AND (CAST(?6 AS " \
    "TEXT) IS NULL OR sku = ?6)\n" \
    "  GROUP BY " P "sku, location\n" \
    "), lv AS MATERIALIZED (\n" \
    "  SELECT * FROM lv0 WHERE CAST(?7 AS TEXT) IS NULL OR EXISTS (SELECT 1\n" \
    "    FROM listings li WHERE li.sku = lv0.sku AND li.channel = ?7)\n" \
    "), " SQL_SOLD \
    ", m AS MATERIALIZED (\n" \
    "  SELECT id, sku, location, qty, at FROM movements\n" \
    "  WHERE qty > 0 AND " P "at < ?2\n" \
    "    AND kind IN ('receive', 'transfer_in', 'adjust', 'count')\n" \
    "    AND (CAST(?5 AS TEXT) IS NULL OR location = ?5) AND (CAST(?6 AS " \
    "TEXT) IS NULL OR sku = ?6)\n" \
    "), rc AS (\n" \
    "  SELECT m.sku, m.location, m.qty, m.at, lv.on_hand,\n" \
    "    sum(m.qty) OVER (PARTITION BY m.sku, m.location\n" \
    "      ORDER BY m.at DESC, m.id DESC ROWS UNBOUNDED PRECEDING) AS cum\n" \
    "  FROM m JOIN lv ON lv.sku = m.sku AND lv.location = m.location\n" \
    "  WHERE lv.on_hand > 0\n" \
    "), ag AS (\n" \
    "  SELECT sku, location, CASE WHEN on_hand - (cum - qty) < qty\n" \
    "    THEN on_hand - (cum - qty) ELSE qty END AS units,\n" \
    "    CAST(julianday(?8) - julianday(date(at, 'localtime')) AS INTEGER)\n" \
    "      AS age\n" \
    "  FROM rc WHERE cum - qty < on_hand\n" \
    "), ab AS (\n" \
    "  SELECT sku, location,\n" \
    "    sum(CASE WHEN age <= 30 THEN units ELSE 0 END) AS a0,\n" \
    "    sum(CASE WHEN age > 30 AND age <= 60 THEN units ELSE 0 END) AS a1,\n" \
    "    sum(CASE WHEN age > 60 AND age <= 90 THEN units ELSE 0 END) AS a2,\n" \
    "    sum(CASE WHEN age > 90 AND age <= 120 THEN units ELSE 0 END) AS " \
    "a3,\n" \
    "    sum(CASE WHEN age > 120 AND age <= 180 THEN units ELSE 0 END)\n" \
    "      AS a4,\n" \
    "    sum(CASE WHEN age > 180 THEN units ELSE 0 END) AS a5\n" \
    "  FROM ag GROUP BY sku, location\n" \
    "), r AS (\n" \
    "  SELECT lv.sku, lv.location, lv.on_hand, lv.reserved,\n" \
    "    CASE WHEN sold.q7 > 0 THEN sold.q7 ELSE 0 END AS q7,\n" \
    "    CASE WHEN sold.q30 > 0 THEN sold.q30 ELSE 0 END AS q30,\n" \
    "    coalesce(ab.a0, 0) AS a0, coalesce(ab.a1, 0) AS a1,\n" \
    "    coalesce(ab.a2, 0) AS a2, coalesce(ab.a3, 0) AS a3,\n" \
    "    coalesce(ab.a4, 0) AS a4, coalesce(ab.a5, 0) AS a5, p.cost,\n" \
    "    coalesce(p.currency, (SELECT li.currency FROM listings li\n" \
    "      WHERE li.sku = lv.sku AND li.active = 1\n" \
    "      AND li.price IS NOT NULL AND (CAST(?7 AS TEXT) IS NULL OR " \
    "li.channel = ?7)\n" \
    "      ORDER BY li.price DESC, li.currency LIMIT 1)) AS currency\n" \
    "  FROM lv LEFT JOIN sold ON sold.sku = lv.sku\n" \
    "    AND sold.location = lv.location\n" \
    "  LEFT JOIN ab ON ab.sku = lv.sku AND ab.location = lv.location\n" \
    "  LEFT JOIN products p ON p.sku = lv.sku\n" \
    ")\n" \
    "SELECT r.*, (SELECT max(li.price) FROM listings li\n" \
    "  WHERE li.sku = r.sku AND li.active = 1 AND li.currency = r.currency\n" \
    "  AND (CAST(?7 AS TEXT) IS NULL OR li.channel = ?7)) AS price\n" \
    "FROM r WHERE r.on_hand <> 0 OR r.reserved <> 0 OR r.q30 <> 0\n" \
    "ORDER BY r.sku, r.location"

static const char sql_inventory[] = "/* sqlite */ " SQL_INVENTORY("+");
static const char sql_inventory_pg[] = "/* pg */ " SQL_INVENTORY("");

enum {
	I_SKU, I_LOCATION, I_ON_HAND, I_RESERVED, I_Q7, I_Q30, I_AGE,
	I_COST = I_AGE + 6, I_CURRENCY, I_PRICE
};

static const char *const age_keys[] = {
	"age_0_30", "age_31_60", "age_61_90", "age_91_120", "age_121_180",
	"age_180_plus"
};

/* available ÷ (sold ÷ days), one decimal, or null. */
static void
row_cover(cJSON *row, const char *key, int64_t avail, int64_t sold,
    int days)
{
	if (sold <= 0) {
		cJSON_AddNullToObject(row, key);
		return;
	}
	cJSON_AddNumberToObject(row, key,
	    round((double)avail * days / (double)sold * 10) / 10);
}

/* v × qty in currency, or null when either is missing. */
static int
row_value(cJSON *row, const char *key, oms_stmt *st, int col,
    const char *currency, int64_t qty)
{
	int64_t v;

	if (oms_col_null(st, col) || currency == NULL)
		cJSON_AddNullToObject(row, key);
	else if (__builtin_mul_overflow(oms_col_int64(st, col), qty, &v))
		return oms_fail(OMS_E_OTHER, "inventory: the %s of sku %s at "
		    "%s is too large", key, oms_col_text(st, I_SKU),
		    oms_col_text(st, I_LOCATION));
	else
		oms_row_money(row, key, v, currency);
	return OMS_OK;
}

static cJSON *
stock_row(oms_stmt *st, const void *ctx)
{
	cJSON *row = cJSON_CreateObject();
	int64_t on_hand = oms_col_int64(st, I_ON_HAND);
	int64_t reserved = oms_col_int64(st, I_RESERVED);
	int64_t q7 = oms_col_int64(st, I_Q7), q30 = oms_col_int64(st, I_Q30);
	const char *cur = oms_col_text(st, I_CURRENCY);

	(void)ctx;
	cJSON_AddStringToObject(row, "type", "stock");
	cJSON_AddStringToObject(row, "sku", oms_col_text(st, I_SKU));
	cJSON_AddStringToObject(row, "location", oms_col_text(st, I_LOCATION));
	cJSON_AddNumberToObject(row, "on_hand", (double)on_hand);
	cJSON_AddNumberToObject(row, "reserved", (double)reserved);
	cJSON_AddNumberToObject(row, "available", (double)(on_hand - reserved));
	cJSON_AddNumberToObject(row, "sold_7", (double)q7);
	cJSON_AddNumberToObject(row, "sold_30", (double)q30);
	row_cover(row, "cover_days_7", on_hand - reserved, q7, 7);
	row_cover(row, "cover_days_30", on_hand - reserved, q30, 30);
	oms_row_rate(row, "sell_through", (double)q30, (double)(q30 + on_hand));
	for (int i = 0; i < 6; i++)
		cJSON_AddNumberToObject(row, age_keys[i],
		    oms_col_double(st, I_AGE + i));
	if (cur != NULL)
		cJSON_AddStringToObject(row, "currency", cur);
	else
		cJSON_AddNullToObject(row, "currency");
	if (row_value(row, "value_cost", st, I_COST, cur, on_hand) != OMS_OK ||
	    row_value(row, "value_retail", st, I_PRICE, cur, on_hand) !=
	    OMS_OK) {
		cJSON_Delete(row);
		return NULL;
	}
	return row;
}

int
oms_report_inventory(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg)
{
	char asof[OMS_TIME_LEN], s7[OMS_TIME_LEN], s30[OMS_TIME_LEN];
	struct when w;
	oms_stmt *st;
	int rc;

	if ((rc = when_of(q, "inventory", asof, &w)) != OMS_OK ||
	    (rc = window_start(q, &w, 7, s7)) != OMS_OK ||
	    (rc = window_start(q, &w, 30, s30)) != OMS_OK)
		return rc;
	st = oms_db_query(db, oms_db_dialect(db) == OMS_DIALECT_PG ?
	    sql_inventory_pg : sql_inventory, "ssssssss", w.asof, w.end, s7,
	    s30, q->location, q->sku, q->channel, w.day);
	if (st == NULL)
		return OMS_ERR;
	return each_row(db, st, stock_row, NULL, fn, arg,
	    "cannot read the stock");
}

static const char sql_movements[] =
    "SELECT location, kind, CASE WHEN instr(reason, ':') > 0\n"
    "  THEN substr(reason, 1, instr(reason, ':') - 1) ELSE reason END\n"
    "  AS why, sum(qty), count(*)\n"
    "FROM movements\n"
    "WHERE (CAST(?1 AS TEXT) IS NULL OR at >= ?1) AND (CAST(?2 AS TEXT) IS "
    "NULL OR at < ?2)\n"
    "  AND (CAST(?3 AS TEXT) IS NULL OR location = ?3) AND (CAST(?4 AS TEXT) "
    "IS NULL OR sku = ?4)\n"
    "GROUP BY location, kind, why\n"
    "ORDER BY location, kind, why NULLS FIRST";

static cJSON *
movement_row(oms_stmt *st, const void *ctx)
{
	cJSON *row = cJSON_CreateObject();

	(void)ctx;
	cJSON_AddStringToObject(row, "type", "movements");
	cJSON_AddStringToObject(row, "location", oms_col_text(st, 0));
	cJSON_AddStringToObject(row, "kind", oms_col_text(st, 1));
	if (oms_col_null(st, 2))
		cJSON_AddNullToObject(row, "reason");
	else
		cJSON_AddStringToObject(row, "reason", oms_col_text(st, 2));
	cJSON_AddNumberToObject(row, "units", oms_col_double(st, 3));
	cJSON_AddNumberToObject(row, "movements", oms_col_double(st, 4));
	return row;
}

int
oms_report_movements(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg)
{
	oms_stmt *st;

	if (q->channel != NULL)
		return oms_fail(OMS_E_USAGE, "movements: --channel does not "
		    "apply: the ledger is by location");
	st = oms_db_query(db, sql_movements, "ssss", *q->from ? q->from : NULL,
	    *q->to ? q->to : NULL, q->location, q->sku);
	if (st == NULL)
		return OMS_ERR;
	return each_row(db, st, movement_row, NULL, fn, arg,
	    "cannot read the ledger");
}

static const char sql_reorder[] =
    "WITH " SQL_SOLD
    "SELECT l.sku, l.location, l.on_hand - l.reserved, l.in_transit,\n"
    "  CASE WHEN sold.q30 > 0 THEN sold.q30 ELSE 0 END\n"
    "FROM levels l LEFT JOIN sold ON sold.sku = l.sku\n"
    "  AND sold.location = l.location\n"
    "WHERE (CAST(?1 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM listings li\n"
    "    WHERE li.sku = l.sku AND li.channel = ?1))\n"
    "  AND (CAST(?5 AS TEXT) IS NULL OR l.location = ?5) AND (CAST(?6 AS TEXT) "
    "IS NULL OR l.sku = ?6)\n"
    "  AND (l.on_hand - l.reserved) * ?7 < sold.q30 * ?8\n"
    "ORDER BY l.sku, l.location";

struct plan {
	int64_t days, cover;
};

static cJSON *
reorder_row(oms_stmt *st, const void *ctx)
{
	const struct plan *p = ctx;
	cJSON *row = cJSON_CreateObject();
	int64_t avail = oms_col_int64(st, 2), transit = oms_col_int64(st, 3);
	int64_t sold = oms_col_int64(st, 4), need, qty;

	cJSON_AddStringToObject(row, "type", "reorder");
	cJSON_AddStringToObject(row, "sku", oms_col_text(st, 0));
	cJSON_AddStringToObject(row, "location", oms_col_text(st, 1));
	cJSON_AddNumberToObject(row, "available", (double)avail);
	cJSON_AddNumberToObject(row, "in_transit", (double)transit);
	cJSON_AddNumberToObject(row, "daily_units",
	    round((double)sold / (double)p->days * 100) / 100);
	cJSON_AddNumberToObject(row, "cover_days", (double)p->cover);
	/* ceil(sold × cover ÷ days - available - in transit), exactly */
	need = sold * p->cover - (avail + transit) * p->days;
	qty = need <= 0 ? 0 : (need + p->days - 1) / p->days;
	cJSON_AddNumberToObject(row, "reorder_qty", (double)qty);
	return row;
}

/* A whole number of days from 1 to 3650, from option name. */
static int
days_arg(const struct oms_rq *q, const char *name, int64_t *out)
{
	const char *s = oms_rq_arg(q, name);
	char *end;
	long v;

	*out = 30;
	if (s == NULL)
		return OMS_OK;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || v < 1 || v > 3650)
		return oms_fail(OMS_E_USAGE, "reorder: --%s '%s' is not a "
		    "number of days from 1 to 3650", name, s);
	*out = v;
	return OMS_OK;
}

int
oms_report_reorder(oms_db *db, const struct oms_rq *q, oms_rec_fn fn,
    void *arg)
{
	char start[OMS_TIME_LEN], asof[OMS_TIME_LEN];
	struct plan p;
	struct when w;
	oms_stmt *st;
	int rc;

	if ((rc = days_arg(q, "days", &p.days)) != OMS_OK ||
	    (rc = days_arg(q, "cover", &p.cover)) != OMS_OK ||
	    (rc = when_of(q, "reorder", asof, &w)) != OMS_OK ||
	    (rc = window_start(q, &w, (int)p.days, start)) != OMS_OK)
		return rc;
	/* ?3 is unused here: the 7-day figure is inventory's */
	st = oms_db_query(db, sql_reorder, "ssssssII", q->channel, w.end,
	    start, start, q->location, q->sku, p.days, p.cover);
	if (st == NULL)
		return OMS_ERR;
	return each_row(db, st, reorder_row, &p, fn, arg,
	    "cannot read the stock");
}
