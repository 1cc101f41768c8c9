/*
 * ats.c: available to sell, per channel and listing.
 *
 * The pool of a sku for a channel is what is on hand less what is
 * reserved at the sellable locations that serve the channel, less the
 * demand of the open, held, partly allocated and backordered orders of
 * every channel: their units that nothing has been allocated to yet
 * (what routing allocates is reserved, so it is in the levels already): an order on eBay takes its unit from the one
 * pool whichever channel shows it.  A channel with no channel_locations
 * rows is served by every sellable location.  An order line for a kit is
 * demand for its components, so a kit order and a component order cannot
 * both have the last unit.
 *
 * A kit has no stock of its own: its pool is the least number of kits
 * that the pools of its components allow.
 *
 * Each listing then applies its rules in a fixed order: take off the
 * safety stock, show a percentage of what is left (rounded down), cap it
 * at max_qty, show 0 when it is below end_when, and never below 0.  An
 * inactive listing shows 0.  The figure and its explanation come from the
 * same code, so --explain cannot disagree with what a feed sends.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "oms.h"
#include "stock.h"


/* Rounded towards minus infinity, as "at most this many" needs. */
static int64_t
floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if (a % b != 0 && (a < 0) != (b < 0))
		q--;
	return q;
}

/*
 * {"type":"channel","channel":"amazon","locations":["EWR1"]}: the
 * locations that serve a channel, all of them; none (or no "locations")
 * means every sellable location.
 */
int
oms_ats_channel(oms_db *db, cJSON *rec, cJSON **echo)
{
	static const char sql_none[] =
	    "DELETE FROM channel_locations WHERE channel = ?";
	static const char sql_add[] =
	    "INSERT INTO channel_locations (channel, location) VALUES (?, ?) "
	    "ON CONFLICT (channel, location) DO NOTHING";
	static const char sql_loc[] = "SELECT 1 FROM locations WHERE id = ?";
	const cJSON *ch = cJSON_GetObjectItemCaseSensitive(rec, "channel");
	const cJSON *locs = cJSON_GetObjectItemCaseSensitive(rec, "locations");
	const cJSON *l;
	oms_stmt *st;
	int nested, rc, n = 0;

	*echo = NULL;
	if (!cJSON_IsString(ch) || ch->valuestring[0] == '\0')
		return oms_reject("no channel");
	if (locs != NULL && !cJSON_IsNull(locs) && !cJSON_IsArray(locs))
		return oms_reject("locations must be a list of location ids");
	cJSON_ArrayForEach(l, locs) {
		n++;
		if (!cJSON_IsString(l) || l->valuestring[0] == '\0')
			return oms_reject("location %d is not a location id", n);
	}
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	if ((st = oms_db_stmt(db, sql_none)) == NULL)
		return oms_db_write_end(db, nested, OMS_ERR);
	oms_bind_text(st, 1, ch->valuestring);
	if ((rc = oms_db_step_done(db, st, "cannot store a channel")) != OMS_OK)
		return oms_db_write_end(db, nested, rc);
	cJSON_ArrayForEach(l, locs) {
		if ((st = oms_db_stmt(db, sql_loc)) == NULL)
			return oms_db_write_end(db, nested, OMS_ERR);
		oms_bind_text(st, 1, l->valuestring);
		rc = oms_step(st);
		oms_reset(st);
		if (rc == OMS_DONE)
			return oms_db_write_end(db, nested, oms_reject("unknown location '%s' "
			    "(a location record adds it)", l->valuestring));
		if (rc != OMS_ROW)
			return oms_db_write_end(db, nested, oms_db_fail(db, rc,
			    "cannot read the locations"));
		if ((st = oms_db_stmt(db, sql_add)) == NULL)
			return oms_db_write_end(db, nested, OMS_ERR);
		oms_bind_text(st, 1, ch->valuestring);
		oms_bind_text(st, 2, l->valuestring);
		if ((rc = oms_db_step_done(db, st, "cannot store a channel")) != OMS_OK)
			return oms_db_write_end(db, nested, rc);
	}
	if ((rc = oms_db_write_end(db, nested, OMS_OK)) != OMS_OK)
		return rc;
	*echo = cJSON_Duplicate(rec, 1);
	return OMS_OK;
}

/*
 * Every level row of a sku, with whether it counts for the channel: the
 * location is sellable, and serves the channel (it is listed for it, or
 * the channel lists none).
 */
static const char sql_levels[] =
    "SELECT v.location, v.on_hand, v.reserved, l.sellable, "
    "  NOT EXISTS (SELECT 1 FROM channel_locations c WHERE c.channel = ?2) "
    "  OR EXISTS (SELECT 1 FROM channel_locations c WHERE c.channel = ?2 "
    "    AND c.location = v.location) "
    "FROM levels v JOIN locations l ON l.id = v.location "
    "WHERE v.sku = ?1 ORDER BY v.location";
/*
 * Units of a sku that open orders still want (the open_demand view);
 * the count of orders only for an explanation (it costs).
 */
static const char sql_demand[] =
    "SELECT coalesce(sum(qty), 0), 0 FROM open_demand WHERE sku = ?1";
static const char sql_demand_explain[] =
    "SELECT coalesce(sum(qty), 0), count(DISTINCT order_id) "
    "FROM open_demand WHERE sku = ?1";
static const char sql_components[] =
    "SELECT sku, qty FROM kit_components WHERE kit_sku = ? ORDER BY sku";

/*
 * The same pool in one statement, for when no explanation is wanted: the
 * per-location rows and the order count cost more than the figure.
 */
static const char sql_pool[] =
    "SELECT (SELECT coalesce(sum(v.on_hand - v.reserved), 0) "
    "  FROM levels v JOIN locations l ON l.id = v.location "
    "  WHERE v.sku = ?1 AND l.sellable = 1 AND "
    "  (NOT EXISTS (SELECT 1 FROM channel_locations c WHERE c.channel = ?2) "
    "  OR EXISTS (SELECT 1 FROM channel_locations c WHERE c.channel = ?2 "
    "    AND c.location = v.location))) "
    "- (SELECT coalesce(sum(qty), 0) FROM open_demand WHERE sku = ?1)";

/* The pool of a sku that is not a kit; into ex, how it was reached. */
static int
sku_pool(oms_db *db, const char *channel, const char *sku, cJSON *ex,
    int64_t *pool)
{
	oms_stmt *st;

	if (ex == NULL) {
		int rc;

		if ((st = oms_db_stmt(db, sql_pool)) == NULL)
			return OMS_ERR;
		oms_bind_text(st, 1, sku);
		oms_bind_text(st, 2, channel);
		rc = oms_step(st);
		*pool = oms_col_int64(st, 0);
		oms_reset(st);
		if (rc != OMS_ROW)
			return oms_db_fail(db, rc, "cannot read the pool");
		return OMS_OK;
	}
	st = oms_db_stmt(db, sql_levels);
	cJSON *locs = NULL;
	int64_t on_hand = 0, reserved = 0, demand, orders;
	int rc;

	if (st == NULL)
		return OMS_ERR;
	if (ex != NULL)
		locs = cJSON_AddArrayToObject(ex, "locations");
	oms_bind_text(st, 1, sku);
	oms_bind_text(st, 2, channel);
	while ((rc = oms_step(st)) == OMS_ROW) {
		int64_t oh = oms_col_int64(st, 1);
		int64_t rs = oms_col_int64(st, 2);
		int sellable = oms_col_int(st, 3);
		int serves = oms_col_int(st, 4);

		if (sellable && serves) {
			on_hand = oms_sat_add(on_hand, oh);
			reserved = oms_sat_add(reserved, rs);
		}
		if (locs != NULL) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "location",
			    oms_col_text(st, 0));
			cJSON_AddNumberToObject(o, "on_hand", (double)oh);
			cJSON_AddNumberToObject(o, "reserved", (double)rs);
			cJSON_AddBoolToObject(o, "counted", sellable && serves);
			if (!sellable)
				cJSON_AddStringToObject(o, "why", "not sellable");
			else if (!serves)
				cJSON_AddStringToObject(o, "why",
				    "does not serve the channel");
			cJSON_AddItemToArray(locs, o);
		}
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the levels");

	if ((st = oms_db_stmt(db, ex != NULL ? sql_demand_explain :
	    sql_demand)) == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, sku);
	rc = oms_step(st);
	demand = oms_col_int64(st, 0);
	orders = oms_col_int64(st, 1);
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read the open orders");
	*pool = on_hand - reserved - demand;
	if (ex != NULL) {
		cJSON_AddNumberToObject(ex, "on_hand", (double)on_hand);
		cJSON_AddNumberToObject(ex, "reserved", (double)reserved);
		cJSON_AddNumberToObject(ex, "demand", (double)demand);
		cJSON_AddNumberToObject(ex, "open_orders", (double)orders);
		cJSON_AddNumberToObject(ex, "pool", (double)*pool);
	}
	return OMS_OK;
}

/* The pool of a kit: the least number of kits its components allow. */
static int
kit_pool(oms_db *db, const char *channel, const char *sku, cJSON *ex,
    int64_t *pool)
{
	oms_stmt *st = oms_db_stmt(db, sql_components);
	cJSON *comps = NULL;
	int64_t least = 0, p;
	int rc, n = 0, r = OMS_OK;

	if (st == NULL)
		return OMS_ERR;
	if (ex != NULL)
		comps = cJSON_AddArrayToObject(ex, "components");
	oms_bind_text(st, 1, sku);
	while ((rc = oms_step(st)) == OMS_ROW) {
		const char *c = oms_col_text(st, 0);
		int64_t qty = oms_col_int64(st, 1), allows;
		cJSON *o = NULL;

		if (comps != NULL) {
			o = cJSON_CreateObject();
			cJSON_AddStringToObject(o, "sku", c);
			cJSON_AddNumberToObject(o, "qty", (double)qty);
			cJSON_AddItemToArray(comps, o);
		}
		if ((r = sku_pool(db, channel, c, o, &p)) != OMS_OK)
			break;
		allows = floordiv(p, qty);
		if (o != NULL)
			cJSON_AddNumberToObject(o, "allows", (double)allows);
		if (n++ == 0 || allows < least)
			least = allows;
	}
	oms_reset(st);
	if (r != OMS_OK)
		return r;
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read a kit");
	*pool = least;
	if (ex != NULL)
		cJSON_AddNumberToObject(ex, "pool", (double)least);
	return OMS_OK;
}

static void
add_step(cJSON *steps, const char *rule, int has_value, int64_t value,
    int64_t from, int64_t to)
{
	cJSON *o;

	if (steps == NULL)
		return;
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "rule", rule);
	if (has_value)
		cJSON_AddNumberToObject(o, "value", (double)value);
	else
		cJSON_AddNullToObject(o, "value");
	cJSON_AddNumberToObject(o, "from", (double)from);
	cJSON_AddNumberToObject(o, "to", (double)to);
	cJSON_AddItemToArray(steps, o);
}

/* The listing's rules over pool, in order; each step into steps if given. */
int64_t
oms_ats_apply_rules(const struct oms_ats *a, int64_t pool, cJSON *steps)
{
	int64_t v = pool, w;

	w = v - a->safety_stock;
	add_step(steps, "safety_stock", 1, a->safety_stock, v, w);
	v = w;
	w = floordiv(oms_sat_mul(v, a->percent), 100);
	add_step(steps, "percent", 1, a->percent, v, w);
	v = w;
	w = a->has_max && v > a->max_qty ? a->max_qty : v;
	add_step(steps, "max_qty", a->has_max, a->max_qty, v, w);
	v = w;
	w = v < a->end_when ? 0 : v;
	add_step(steps, "end_when", 1, a->end_when, v, w);
	v = w;
	w = v < 0 ? 0 : v;
	add_step(steps, "floor", 1, 0, v, w);
	v = w;
	if (!a->active) {
		add_step(steps, "inactive", 0, 0, v, 0);
		v = 0;
	}
	return v;
}

static const char sql_listings[] =
    "SELECT li.channel, li.channel_sku, li.sku, li.price, li.currency, "
    "li.active, li.safety_stock, li.percent, li.max_qty, li.end_when, "
    "li.record, p.record, EXISTS (SELECT 1 FROM kits k WHERE k.sku = li.sku), "
    "fs.channel IS NOT NULL, fs.quantity, fs.price, li.fulfilled_by "
    "FROM listings li JOIN products p ON p.sku = li.sku "
    "LEFT JOIN feed_state fs ON fs.channel = li.channel "
    "  AND fs.channel_sku = li.channel_sku "
    "WHERE (CAST(?1 AS TEXT) IS NULL OR li.channel = ?1) AND (CAST(?2 AS TEXT) "
    "IS NULL OR li.sku = ?2) "
    "ORDER BY li.channel, li.channel_sku";

/*
 * Every listing of one channel with its pool, in one set-based query: the
 * figures of sku_pool and kit_pool for the whole channel at once, which
 * costs a third of asking for each listing (bench/README.md).  The
 * listing's rules are still applied in C, by oms_ats_apply_rules.
 *
 * The columns are sql_listings' with the pool last.  What a caller does
 * not ask for is not read: the listing and product records (the widest
 * columns, and a product looked up for each listing; a listing always has
 * its product, by its foreign key) unless OMS_ATS_RECORDS, and what was
 * last sent (feed_state) unless OMS_ATS_SENT.  Each costs a b-tree
 * lookup a listing, which at 100k listings is a fifth of the query.
 */
#define ATS_POOLS \
    "WITH counted (location) AS (" \
    "  SELECT l.id FROM locations l WHERE l.sellable = 1 AND (" \
    "  NOT EXISTS (SELECT 1 FROM channel_locations c WHERE c.channel = ?1) " \
    "  OR l.id IN (SELECT c.location FROM channel_locations c " \
    "    WHERE c.channel = ?1))), " \
    "stock (sku, net) AS (" \
    "  SELECT v.sku, sum(v.on_hand - v.reserved) FROM levels v " \
    "  WHERE v.location IN (SELECT location FROM counted) GROUP BY v.sku), " \
    "demand (sku, qty) AS (" \
    "  SELECT sku, sum(qty) FROM open_demand GROUP BY sku), " \
    "pool (sku, pool) AS (" \
    "  SELECT p.sku, CAST(coalesce(s.net, 0) - coalesce(d.qty, 0) AS BIGINT) " \
    "  FROM products p " \
    "  LEFT JOIN stock s ON s.sku = p.sku " \
    "  LEFT JOIN demand d ON d.sku = p.sku), " \
    "kit_pool (sku, pool) AS (" \
    "  SELECT kc.kit_sku, min(CASE WHEN p.pool < 0 AND p.pool % kc.qty <> 0 " \
    "    THEN p.pool / kc.qty - 1 ELSE p.pool / kc.qty END) " \
    "  FROM kit_components kc JOIN pool p ON p.sku = kc.sku " \
    "  GROUP BY kc.kit_sku) " \
    "SELECT li.channel, li.channel_sku, li.sku, li.price, li.currency, " \
    "li.active, li.safety_stock, li.percent, li.max_qty, li.end_when, "
#define ATS_LISTINGS \
    "FROM listings li LEFT JOIN kits k ON k.sku = li.sku "
#define ATS_POOL_JOINS \
    "LEFT JOIN kit_pool kp ON kp.sku = li.sku " \
    "LEFT JOIN pool po ON po.sku = li.sku " \
    "WHERE li.channel = ?1 ORDER BY li.channel_sku"
#define ATS_SENT_JOIN \
    "LEFT JOIN feed_state fs ON fs.channel = li.channel " \
    "  AND fs.channel_sku = li.channel_sku "
static const char sql_channel[] =
    ATS_POOLS
    "NULL, NULL, k.sku IS NOT NULL, 0, NULL, NULL, li.fulfilled_by, "
    "coalesce(kp.pool, po.pool, 0) "
    ATS_LISTINGS ATS_POOL_JOINS;
static const char sql_channel_sent[] =
    ATS_POOLS
    "NULL, NULL, k.sku IS NOT NULL, fs.channel IS NOT NULL, fs.quantity, "
    "fs.price, li.fulfilled_by, coalesce(kp.pool, po.pool, 0) "
    ATS_LISTINGS ATS_SENT_JOIN ATS_POOL_JOINS;
static const char sql_channel_records[] =
    ATS_POOLS
    "li.record, pr.record, k.sku IS NOT NULL, 0, NULL, NULL, "
    "li.fulfilled_by, coalesce(kp.pool, po.pool, 0) "
    ATS_LISTINGS "JOIN products pr ON pr.sku = li.sku " ATS_POOL_JOINS;
static const char sql_channel_all[] =
    ATS_POOLS
    "li.record, pr.record, k.sku IS NOT NULL, fs.channel IS NOT NULL, "
    "fs.quantity, fs.price, li.fulfilled_by, coalesce(kp.pool, po.pool, 0) "
    ATS_LISTINGS "JOIN products pr ON pr.sku = li.sku " ATS_SENT_JOIN
    ATS_POOL_JOINS;
static const char sql_channels[] =
    "SELECT DISTINCT channel FROM listings "
    "WHERE CAST(?1 AS TEXT) IS NULL OR channel = ?1 ORDER BY channel";

static void
bind_opt(oms_stmt *st, int i, const char *s)
{
	if (s != NULL)
		oms_bind_text(st, i, s);
	else
		oms_bind_null(st, i);
}

/* A listing row of sql_listings. */
static void
listing_row(oms_stmt *st, struct oms_ats *a)
{
	memset(a, 0, sizeof *a);
	a->channel = oms_col_text(st, 0);
	a->channel_sku = oms_col_text(st, 1);
	a->sku = oms_col_text(st, 2);
	a->has_price = !oms_col_null(st, 3);
	a->price = oms_col_int64(st, 3);
	a->currency = oms_col_text(st, 4);
	a->active = oms_col_int(st, 5);
	a->safety_stock = oms_col_int64(st, 6);
	a->percent = oms_col_int64(st, 7);
	a->has_max = !oms_col_null(st, 8);
	a->max_qty = oms_col_int64(st, 8);
	a->end_when = oms_col_int64(st, 9);
	a->row = st;
	a->kit = oms_col_int(st, 12);
	a->has_sent = oms_col_int(st, 13);
	a->sent_quantity = oms_col_int64(st, 14);
	a->has_sent_price = !oms_col_null(st, 15);
	a->sent_price = oms_col_int64(st, 15);
	a->by_channel = strcmp(oms_col_text(st, 16),
	    "channel") == 0;
}

/* Every listing of one channel by sql_channel or a sibling. */
static int
each_of_channel(oms_db *db, const char *channel, int need, oms_ats_fn fn,
    void *arg)
{
	static const char *const sql[] = {
		sql_channel, sql_channel_records, sql_channel_sent,
		sql_channel_all
	};
	oms_stmt *st = oms_db_stmt(db, sql[need & (OMS_ATS_RECORDS |
	    OMS_ATS_SENT)]);
	struct oms_ats a;
	int rc, r = OMS_OK;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, channel);
	while ((rc = oms_step(st)) == OMS_ROW) {
		listing_row(st, &a);
		/* A kit without components allows none. */
		a.pool = oms_col_int64(st, 17);
		a.available = oms_ats_apply_rules(&a, a.pool, NULL);
		if ((r = fn(arg, &a)) != OMS_OK)
			break;
	}
	oms_reset(st);
	if (r == OMS_OK && rc != OMS_DONE && rc != OMS_ROW)
		r = oms_db_fail(db, rc, "cannot read the listings");
	return r;
}

/* Every listing of every channel (or of one), channel by channel. */
static int
each_set(oms_db *db, const char *channel, int need, oms_ats_fn fn, void *arg)
{
	oms_stmt *st = oms_db_stmt(db, sql_channels);
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc, r = OMS_OK;

	if (st == NULL)
		return OMS_ERR;
	bind_opt(st, 1, channel);
	while ((rc = oms_step(st)) == OMS_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8;
			names = erealloc(names, cap * sizeof *names);
		}
		names[n++] = estrdup(oms_col_text(st, 0));
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		r = oms_db_fail(db, rc, "cannot read the listings");
	for (size_t i = 0; i < n; i++) {
		if (r == OMS_OK)
			r = each_of_channel(db, names[i], need, fn, arg);
		free(names[i]);
	}
	free(names);
	return r;
}

/*
 * Call fn for each listing (of channel and of sku, when given), in
 * channel and channel sku order, with its pool and available figure.  One
 * read transaction gives every figure from the same moment.  Whole
 * channels go by one query each; one sku, or an explanation, listing by
 * listing, since that needs the rows.
 */
static int
each(oms_db *db, const char *channel, const char *sku, int explain, int need,
    oms_ats_fn fn, oms_rec_fn efn, void *arg)
{
	oms_stmt *st;
	struct oms_ats a;
	int rc, r = OMS_OK, own;

	own = !oms_db_in_tx(db);
	if (own && (rc = oms_db_begin_read(db)) != OMS_OK)
		return rc;
	if (!explain && sku == NULL) {
		r = each_set(db, channel, need, fn, arg);
		goto out;
	}
	if ((st = oms_db_stmt(db, sql_listings)) == NULL) {
		r = OMS_ERR;
		goto out;
	}
	bind_opt(st, 1, channel);
	bind_opt(st, 2, sku);
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *ex = NULL, *steps = NULL;

		listing_row(st, &a);
		if (explain) {
			ex = cJSON_CreateObject();
			cJSON_AddStringToObject(ex, "type", "explanation");
			cJSON_AddStringToObject(ex, "channel", a.channel);
			cJSON_AddStringToObject(ex, "channel_sku", a.channel_sku);
			cJSON_AddStringToObject(ex, "sku", a.sku);
			cJSON_AddBoolToObject(ex, "kit", a.kit);
		}
		if (a.kit)
			r = kit_pool(db, a.channel, a.sku, ex, &a.pool);
		else
			r = sku_pool(db, a.channel, a.sku, ex, &a.pool);
		if (r == OMS_OK) {
			if (ex != NULL)
				steps = cJSON_AddArrayToObject(ex, "rules");
			a.available = oms_ats_apply_rules(&a, a.pool, steps);
			if (ex != NULL && a.by_channel) {
				cJSON_AddNullToObject(ex, "available");
				cJSON_AddStringToObject(ex, "fulfilled_by",
				    "channel");
				r = efn(arg, ex);
			} else if (ex != NULL) {
				cJSON_AddNumberToObject(ex, "available",
				    (double)a.available);
				r = efn(arg, ex);
			} else
				r = fn(arg, &a);
		}
		cJSON_Delete(ex);
		if (r != OMS_OK)
			break;
	}
	oms_reset(st);
	if (r == OMS_OK && rc != OMS_DONE)
		r = oms_db_fail(db, rc, "cannot read the listings");
out:
	if (own) {
		if (r == OMS_OK)
			r = oms_db_commit(db);
		else
			oms_db_rollback(db);
	}
	return r;
}

int
oms_ats_each(oms_db *db, const char *channel, const char *sku, int need,
    oms_ats_fn fn, void *arg)
{
	return each(db, channel, sku, 0, need, fn, NULL, arg);
}

int
oms_ats_explain(oms_db *db, const char *channel, const char *sku,
    oms_rec_fn fn, void *arg)
{
	static const char sql[] = "SELECT 1 FROM products WHERE sku = ?";
	oms_stmt *st = oms_db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, sku);
	rc = oms_step(st);
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("unknown sku '%s'", sku);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read the catalog");
	return each(db, channel, sku, 1, OMS_ATS_RECORDS | OMS_ATS_SENT, NULL,
	    fn, arg);
}

/*
 * The stored listing and product records, as JSON text, read only when a
 * feed asks (they are the widest columns), while the callback runs.
 */
const char *
oms_ats_listing(const struct oms_ats *a)
{
	return oms_col_text(a->row, 10);
}

const char *
oms_ats_product(const struct oms_ats *a)
{
	return oms_col_text(a->row, 11);
}

/*
 * The availability record of a listing, as one line of JSON (without its
 * newline) appended to b: written directly rather than through a cJSON
 * tree, since a channel's every listing goes through here, and the same
 * text oms_rec_write would give.
 */
void
oms_ats_json(const struct oms_ats *a, struct oms_buf *b)
{
	oms_buf_adds(b, "{\"type\":\"availability\",\"channel\":");
	oms_buf_json_string(b, a->channel);
	oms_buf_adds(b, ",\"channel_sku\":");
	oms_buf_json_string(b, a->channel_sku);
	oms_buf_adds(b, ",\"sku\":");
	oms_buf_json_string(b, a->sku);
	oms_buf_adds(b, ",\"available\":");
	if (a->by_channel)
		oms_buf_adds(b, "null");
	else
		oms_buf_json_int(b, a->available);
	oms_buf_adds(b, ",\"pool\":");
	oms_buf_json_int(b, a->pool);
	if (a->has_price && a->currency != NULL) {
		char buf[OMS_MONEY_BUFSZ];

		oms_money_format(a->price, oms_currency_exponent(a->currency),
		    buf, sizeof buf);
		oms_buf_adds(b, ",\"price\":");
		oms_buf_json_string(b, buf);
	}
	if (a->currency != NULL) {
		oms_buf_adds(b, ",\"currency\":");
		oms_buf_json_string(b, a->currency);
	}
	oms_buf_adds(b, a->active ? ",\"active\":true" : ",\"active\":false");
	if (a->by_channel)
		oms_buf_adds(b, ",\"fulfilled_by\":\"channel\"");
	oms_buf_addc(b, '}');
}
