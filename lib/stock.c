/*
 * stock.c: the catalog and the stock ledger.
 *
 * Catalog records (location, product, listing, kit) are upserted whole:
 * a record replaces what was stored under its key, and the record itself
 * is kept so that fields oms does not know pass through.
 *
 * Every change to stock is a row of movements, written in the same short
 * transaction as the change to its levels row.  The change is a
 * conditional UPDATE that refuses to take on hand below zero or below
 * what is reserved, so two programs racing for the last unit cannot both
 * have it: one of them sees no row changed and its movement is refused.
 *
 * Transfers are two movements.  "transfer" (stored as transfer_out)
 * takes the units off on hand at the source and puts them in transit at
 * the destination; "transfer_in", at the destination with "from", takes
 * them out of transit into on hand when they arrive.  Each has its own
 * key, since the two happen days apart and are reported by different
 * people.
 *
 * Every movement needs an idempotency key: the ledger cannot tell two
 * identical receipts of the same purchase order from one receipt sent
 * twice, so it does not guess.  A key already in the ledger is not applied
 * again; the stored movement is given back marked duplicate.  A key used
 * again for a different movement is refused.
 */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bounds.h"
#include "oms.h"
#include "ship.h"
#include "stock.h"


/* Whether a row with key s exists, by a one-parameter query. */
static int
exists(oms_db *db, const char *sql, const char *s, int *found)
{
	oms_stmt *st = oms_db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_static(st, 1, s);	/* reset before the caller goes on */
	rc = oms_step(st);
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the catalog");
	*found = rc == OMS_ROW;
	return OMS_OK;
}

static const char sql_product_exists[] =
    "SELECT 1 FROM products WHERE sku = ?";
static const char sql_kit_exists[] = "SELECT 1 FROM kits WHERE sku = ?";
static const char sql_location_exists[] =
    "SELECT 1 FROM locations WHERE id = ?";

/* Field checks.  Each refuses with a sentence naming the field. */

static int
req_str(const cJSON *rec, const char *key, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);

	if (v == NULL || cJSON_IsNull(v))
		return oms_reject("no %s", key);
	if (!cJSON_IsString(v))
		return oms_reject("%s must be a string", key);
	if (v->valuestring[0] == '\0')
		return oms_reject("%s is empty", key);
	*out = v->valuestring;
	return OMS_OK;
}

static int
opt_str(const cJSON *rec, const char *key, const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);

	*out = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return OMS_OK;
	if (!cJSON_IsString(v))
		return oms_reject("%s must be a string", key);
	*out = v->valuestring;
	return OMS_OK;
}

static int
opt_bool(const cJSON *rec, const char *key, int def, int *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);

	*out = def;
	if (v == NULL || cJSON_IsNull(v))
		return OMS_OK;
	if (!cJSON_IsBool(v))
		return oms_reject("%s must be true or false", key);
	*out = cJSON_IsTrue(v);
	return OMS_OK;
}

static int
opt_int(const cJSON *rec, const char *key, int64_t min, int64_t max,
    int64_t *out, int *present)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);

	*present = 0;
	if (v == NULL || cJSON_IsNull(v))
		return OMS_OK;
	if (!cJSON_IsNumber(v) || oms_json_int(rec, key, out) != OMS_OK)
		return oms_reject("%s must be a whole number", key);
	if (*out < min || *out > max)
		return oms_reject("%s %lld is out of range (%lld to %lld)", key,
		    (long long)*out, (long long)min, (long long)max);
	*present = 1;
	return OMS_OK;
}

static int
opt_real(const cJSON *rec, const char *key, double min, double max,
    double *out, int *present)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);

	*present = 0;
	if (v == NULL || cJSON_IsNull(v))
		return OMS_OK;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < min || v->valuedouble > max)
		return oms_reject("%s must be a number from %g to %g", key, min,
		    max);
	*out = v->valuedouble;
	*present = 1;
	return OMS_OK;
}

/* The currency of a record that carries money, when it has any. */
static int
opt_currency(const cJSON *rec, const char **out)
{
	if (opt_str(rec, "currency", out) != OMS_OK)
		return OMS_REJECT;
	if (*out != NULL && !oms_currency_valid(*out))
		return oms_reject("currency '%s' is not an ISO 4217 code", *out);
	return OMS_OK;
}

/* An amount in the record's currency, re-written in canonical form. */
static int
opt_money(cJSON *rec, const char *key, const char *currency, int64_t *out,
    int *present)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);
	char buf[OMS_MONEY_BUFSZ], msg[256];
	int exp;

	*present = 0;
	if (v == NULL || cJSON_IsNull(v))
		return OMS_OK;
	if (!cJSON_IsString(v))
		return oms_reject("%s must be a decimal string, such as \"4.10\"",
		    key);
	if (currency == NULL)
		return oms_reject("%s needs a currency", key);
	exp = oms_currency_exponent(currency);
	if (oms_money_parse(v->valuestring, exp, out) != OMS_OK) {
		snprintf(msg, sizeof msg, "%s", oms_error());
		return oms_reject("%s: %s", key, msg);
	}
	oms_money_format(*out, exp, buf, sizeof buf);
	cJSON_SetValuestring(v, buf);
	*present = 1;
	return OMS_OK;
}

static char *
print_record(const cJSON *rec)
{
	char *s = oms_json_print(rec);

	if (s == NULL)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	return s;
}

/* Write one catalog record: begin, the caller's statements, commit. */
static int
finish(oms_db *db, int nested, int rc, cJSON *rec, cJSON **echo)
{
	if (rc != OMS_OK) {
		(void)oms_db_write_end(db, nested, OMS_ERR);
		return rc;
	}
	if ((rc = oms_db_write_end(db, nested, OMS_OK)) != OMS_OK)
		return rc;
	if (echo != NULL)
		*echo = cJSON_Duplicate(rec, 1);
	return OMS_OK;
}

static const char sql_merchant_tz[] =
    "SELECT tz FROM locations WHERE tz IS NOT NULL AND ships = 1 "
    "ORDER BY priority, id LIMIT 1";

/*
 * The merchant's time zone: that of the location it ships from first,
 * into buf; "" when no location has one.
 */
int
oms_merchant_tz(oms_db *db, char *buf, size_t n)
{
	oms_stmt *st = oms_db_stmt(db, sql_merchant_tz);
	int rc;

	buf[0] = '\0';
	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW && oms_tz_valid(oms_col_text(st, 0)))
		snprintf(buf, n, "%s", oms_col_text(st, 0));
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the locations");
	return OMS_OK;
}

int
oms_stock_location(oms_db *db, cJSON *rec, cJSON **echo)
{
	static const char sql[] =
	    "INSERT INTO locations (id, name, kind, address1, address2, city, "
	    "region, postal_code, country, lat, lon, sellable, ships, pickup, "
	    "priority, capacity_per_day, cutoff, tz, record, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15, ?16, ?17, ?18, ?19, ?20) "
	    "ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
	    "kind = excluded.kind, address1 = excluded.address1, "
	    "address2 = excluded.address2, city = excluded.city, "
	    "region = excluded.region, postal_code = excluded.postal_code, "
	    "country = excluded.country, lat = excluded.lat, "
	    "lon = excluded.lon, "
	    /* A returns quarantine never sells nor ships (rma.c). */
	    "sellable = CASE WHEN locations.quarantine_of IS NULL THEN "
	    "excluded.sellable ELSE 0 END, "
	    "ships = CASE WHEN locations.quarantine_of IS NULL THEN "
	    "excluded.ships ELSE 0 END, pickup = excluded.pickup, "
	    "priority = excluded.priority, "
	    "capacity_per_day = excluded.capacity_per_day, "
	    "cutoff = excluded.cutoff, tz = excluded.tz, "
	    "record = excluded.record, updated_at = excluded.updated_at";
	static const char *const addr_keys[] = {
		"address1", "address2", "city", "region", "postal_code",
		"country",
	};
	const char *id, *name, *kind, *cutoff, *tz, *addr[6] = { NULL };
	const cJSON *address;
	double lat = 0, lon = 0;
	int64_t priority = 0, capacity = 0;
	int sellable, ships, pickup, has_lat, has_lon, has_pri, has_cap;
	int nested, rc;
	char now[OMS_TIME_LEN], *text;

	if (req_str(rec, "id", &id) != OMS_OK ||
	    opt_str(rec, "name", &name) != OMS_OK ||
	    opt_str(rec, "kind", &kind) != OMS_OK ||
	    opt_real(rec, "lat", -90, 90, &lat, &has_lat) != OMS_OK ||
	    opt_real(rec, "lon", -180, 180, &lon, &has_lon) != OMS_OK ||
	    opt_bool(rec, "sellable", 1, &sellable) != OMS_OK ||
	    opt_bool(rec, "ships", 1, &ships) != OMS_OK ||
	    opt_bool(rec, "pickup", 0, &pickup) != OMS_OK ||
	    opt_int(rec, "priority", -1000000, 1000000, &priority,
	    &has_pri) != OMS_OK ||
	    opt_int(rec, "capacity_per_day", 0, OMS_QTY_MAX, &capacity,
	    &has_cap) != OMS_OK ||
	    opt_str(rec, "cutoff", &cutoff) != OMS_OK ||
	    opt_str(rec, "tz", &tz) != OMS_OK)
		return OMS_REJECT;
	if (kind != NULL && strcmp(kind, "warehouse") != 0 &&
	    strcmp(kind, "store") != 0 && strcmp(kind, "3pl") != 0)
		return oms_reject("kind '%s' is not warehouse, store or 3pl", kind);
	if (cutoff != NULL && (strlen(cutoff) != 5 || cutoff[2] != ':' ||
	    strspn(cutoff, "0123456789:") != 5 || atoi(cutoff) > 23 ||
	    atoi(cutoff + 3) > 59))
		return oms_reject("cutoff '%s' is not a time of day such as "
		    "\"16:00\"", cutoff);
	if (tz != NULL && !oms_tz_valid(tz))
		return oms_reject("tz '%s' is not a time zone", tz);
	address = cJSON_GetObjectItemCaseSensitive(rec, "address");
	if (address != NULL && !cJSON_IsNull(address)) {
		if (!cJSON_IsObject(address))
			return oms_reject("address must be an object");
		for (int i = 0; i < 6; i++)
			if (opt_str(address, addr_keys[i], &addr[i]) != OMS_OK)
				return oms_reject("address.%s must be a string",
				    addr_keys[i]);
	}
	if (has_lat != has_lon)
		return oms_reject("lat and lon go together");

	oms_time_now(now);
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	text = print_record(rec);
	rc = oms_db_run(db, sql, "cannot store a location", "sssssssssffiiiIpssss",
	    id, name, kind, addr[0], addr[1], addr[2], addr[3], addr[4], addr[5],
	    has_lat ? &lat : NULL, has_lat ? &lon : NULL, sellable, ships,
	    pickup, priority, has_cap ? &capacity : NULL, cutoff, tz, text,
	    now);
	free(text);
	return finish(db, nested, rc, rec, echo);
}

int
oms_stock_product(oms_db *db, cJSON *rec, cJSON **echo)
{
	static const char sql[] =
	    "INSERT INTO products (sku, title, barcode, weight_g, length_mm, "
	    "width_mm, height_mm, cost, currency, record, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) "
	    "ON CONFLICT (sku) DO UPDATE SET title = excluded.title, "
	    "barcode = excluded.barcode, weight_g = excluded.weight_g, "
	    "length_mm = excluded.length_mm, width_mm = excluded.width_mm, "
	    "height_mm = excluded.height_mm, cost = excluded.cost, "
	    "currency = excluded.currency, record = excluded.record, "
	    "updated_at = excluded.updated_at";
	static const char sql_nobins[] =
	    "DELETE FROM product_bins WHERE sku = ?";
	static const char sql_bin[] =
	    "INSERT INTO product_bins (sku, location, bin) VALUES (?, ?, ?)";
	const char *sku, *title, *barcode, *currency, *hs, *origin;
	static const char *const dim_names[] = {
		"dims_mm[0] (length_mm)", "dims_mm[1] (width_mm)",
		"dims_mm[2] (height_mm)",
	};
	const cJSON *dims, *bins, *attrs, *b;
	int64_t weight = 0, cost = 0, dim[3] = { 0 };
	int has_weight, has_cost, has_dims = 0, nested, rc, i = 0;
	char now[OMS_TIME_LEN], *text;

	if (req_str(rec, "sku", &sku) != OMS_OK ||
	    opt_str(rec, "title", &title) != OMS_OK ||
	    opt_str(rec, "barcode", &barcode) != OMS_OK ||
	    opt_int(rec, "weight_g", 0, OMS_WEIGHT_MAX, &weight,
	    &has_weight) != OMS_OK || opt_currency(rec, &currency) != OMS_OK ||
	    opt_money(rec, "cost", currency, &cost, &has_cost) != OMS_OK)
		return OMS_REJECT;
	attrs = cJSON_GetObjectItemCaseSensitive(rec, "attributes");
	if (attrs != NULL && !cJSON_IsNull(attrs) && !cJSON_IsObject(attrs))
		return oms_reject("attributes must be an object");
	/* What customs declare (customs.c); a number would lose a 0. */
	if (opt_str(rec, "hs_code", &hs) != OMS_OK)
		return oms_reject("hs_code must be a string of 6 to 10 digits, "
		    "such as \"610910\"");
	if (hs != NULL && !oms_hs_code_valid(hs))
		return oms_reject("hs_code '%.40s' is not 6 to 10 digits, such as "
		    "\"610910\" (no dots or spaces)", hs);
	if (opt_str(rec, "origin_country", &origin) != OMS_OK)
		return OMS_REJECT;
	if (origin != NULL && !oms_country_valid(origin))
		return oms_reject("origin_country '%.40s' is not an ISO 3166 "
		    "country code, such as \"PT\"", origin);
	dims = cJSON_GetObjectItemCaseSensitive(rec, "dims_mm");
	if (dims != NULL && !cJSON_IsNull(dims)) {
		const cJSON *d;

		if (!cJSON_IsArray(dims) || cJSON_GetArraySize(dims) != 3)
			return oms_reject("dims_mm must be an array of three whole "
			    "numbers");
		cJSON_ArrayForEach(d, dims) {
			double x = cJSON_IsNumber(d) ? d->valuedouble : -1;

			if (!(x >= 0) || x != floor(x))
				return oms_reject("dims_mm must be an array of three "
				    "whole numbers");
			if (x > OMS_DIM_MAX)
				return oms_reject("%s %.0f is out of range "
				    "(0 to %d)", dim_names[i], x, OMS_DIM_MAX);
			dim[i++] = (int64_t)x;
		}
		has_dims = 1;
	}
	bins = cJSON_GetObjectItemCaseSensitive(rec, "bins");
	if (bins != NULL && !cJSON_IsNull(bins)) {
		if (!cJSON_IsObject(bins))
			return oms_reject("bins must be an object of location ids "
			    "to bins");
		cJSON_ArrayForEach(b, bins)
			if (!cJSON_IsString(b) || b->string[0] == '\0')
				return oms_reject("bins.%s must be a string",
				    b->string);
	}

	oms_time_now(now);
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	text = print_record(rec);
	rc = oms_db_run(db, sql, "cannot store a product", "sssppppps" "ss",
	    sku, title, barcode, has_weight ? &weight : NULL,
	    has_dims ? &dim[0] : NULL, has_dims ? &dim[1] : NULL,
	    has_dims ? &dim[2] : NULL, has_cost ? &cost : NULL, currency, text,
	    now);
	free(text);
	if (rc != OMS_OK)
		return finish(db, nested, rc, rec, echo);
	/* The record says where the product is kept now, all of it. */
	if ((rc = oms_db_run(db, sql_nobins, "cannot store a product", "s",
	    sku)) != OMS_OK)
		return finish(db, nested, rc, rec, echo);
	cJSON_ArrayForEach(b, bins)
		if ((rc = oms_db_run(db, sql_bin, "cannot store a bin", "sss",
		    sku, b->string, b->valuestring)) != OMS_OK)
			return finish(db, nested, rc, rec, echo);
	return finish(db, nested, OMS_OK, rec, echo);
}

int
oms_stock_listing(oms_db *db, cJSON *rec, cJSON **echo)
{
	static const char sql[] =
	    "INSERT INTO listings (channel, channel_sku, sku, price, currency, "
	    "active, safety_stock, percent, max_qty, end_when, record, "
	    "updated_at, fulfilled_by) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
	    "ON CONFLICT (channel, channel_sku) DO UPDATE SET "
	    "sku = excluded.sku, price = excluded.price, "
	    "currency = excluded.currency, active = excluded.active, "
	    "safety_stock = excluded.safety_stock, "
	    "percent = excluded.percent, max_qty = excluded.max_qty, "
	    "end_when = excluded.end_when, record = excluded.record, "
	    "updated_at = excluded.updated_at, "
	    "fulfilled_by = excluded.fulfilled_by";
	const char *channel, *channel_sku, *sku, *currency, *by;
	int64_t price = 0, safety = 0, percent = 100, max_qty = 0, end_when = 0;
	int has_price, active, has_safety, has_percent, has_max, has_end;
	int nested, rc, found;
	char now[OMS_TIME_LEN], *text;

	if (req_str(rec, "channel", &channel) != OMS_OK ||
	    req_str(rec, "channel_sku", &channel_sku) != OMS_OK ||
	    req_str(rec, "sku", &sku) != OMS_OK ||
	    opt_currency(rec, &currency) != OMS_OK ||
	    opt_money(rec, "price", currency, &price, &has_price) != OMS_OK ||
	    opt_bool(rec, "active", 1, &active) != OMS_OK ||
	    opt_int(rec, "safety_stock", 0, OMS_QTY_MAX, &safety,
	    &has_safety) != OMS_OK ||
	    opt_int(rec, "percent", 0, 100, &percent, &has_percent) != OMS_OK ||
	    opt_int(rec, "max_qty", 0, OMS_QTY_MAX, &max_qty, &has_max) !=
	    OMS_OK ||
	    opt_int(rec, "end_when", 0, OMS_QTY_MAX, &end_when, &has_end) !=
	    OMS_OK)
		return OMS_REJECT;
	if (price < 0)
		return oms_reject("price %s is negative",
		    oms_json_str(rec, "price"));
	if (!has_percent)
		percent = 100;
	by = oms_json_str(rec, "fulfilled_by");
	if (cJSON_GetObjectItemCaseSensitive(rec, "fulfilled_by") != NULL &&
	    (by == NULL || (strcmp(by, "merchant") != 0 &&
	    strcmp(by, "channel") != 0)))
		return oms_reject("fulfilled_by must be \"merchant\" or "
		    "\"channel\"");
	if (by == NULL)
		by = "merchant";

	oms_time_now(now);
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	if ((rc = exists(db, sql_product_exists, sku, &found)) != OMS_OK)
		return finish(db, nested, rc, rec, echo);
	if (!found)
		return finish(db, nested, oms_reject("unknown sku '%s' (a product "
		    "record adds it)", sku), rec, echo);
	text = print_record(rec);
	rc = oms_db_run(db, sql, "cannot store a listing", "ssspsiIIpIsst",
	    channel, channel_sku, sku, has_price ? &price : NULL, currency,
	    active, safety, percent, has_max ? &max_qty : NULL, end_when, text,
	    now, by);
	free(text);
	return finish(db, nested, rc, rec, echo);
}

int
oms_stock_kit(oms_db *db, cJSON *rec, cJSON **echo)
{
	static const char sql[] =
	    "INSERT INTO kits (sku, record, updated_at) VALUES (?, ?, ?) "
	    "ON CONFLICT (sku) DO UPDATE SET record = excluded.record, "
	    "updated_at = excluded.updated_at";
	static const char sql_none[] =
	    "DELETE FROM kit_components WHERE kit_sku = ?";
	static const char sql_comp[] =
	    "INSERT INTO kit_components (kit_sku, sku, qty) VALUES (?, ?, ?)";
	const char *sku, *csku;
	const cJSON *comps, *c, *d;
	int64_t qty;
	int nested, rc, found, has, n = 0;
	char now[OMS_TIME_LEN], *text;

	if (req_str(rec, "sku", &sku) != OMS_OK)
		return OMS_REJECT;
	comps = cJSON_GetObjectItemCaseSensitive(rec, "components");
	if (!cJSON_IsArray(comps) || cJSON_GetArraySize(comps) == 0)
		return oms_reject("components must be a non-empty array");
	/* Routing sends a kit's components, each of them. */
	if (cJSON_GetArraySize(comps) > OMS_KIT_MAX)
		return oms_reject("components: %d, more than the %d a kit may "
		    "have", cJSON_GetArraySize(comps), OMS_KIT_MAX);
	cJSON_ArrayForEach(c, comps) {
		n++;
		if (!cJSON_IsObject(c))
			return oms_reject("component %d is not an object", n);
		if (req_str(c, "sku", &csku) != OMS_OK ||
		    opt_int(c, "qty", 1, OMS_QTY_MAX, &qty, &has) != OMS_OK) {
			char m[512];

			snprintf(m, sizeof m, "%s", oms_error());
			return oms_reject("component %d: %s", n, m);
		}
		if (!has)
			return oms_reject("component %d: no qty", n);
		if (strcmp(csku, sku) == 0)
			return oms_reject("component %d: a kit cannot contain "
			    "itself", n);
		for (d = comps->child; d != c; d = d->next)
			if (strcmp(oms_json_str(d, "sku"), csku) == 0)
				return oms_reject("component %d: %s is listed "
				    "twice", n, csku);
	}

	oms_time_now(now);
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	/* A kit is a product whose stock is its components'. */
	if ((rc = exists(db, sql_product_exists, sku, &found)) != OMS_OK)
		return finish(db, nested, rc, rec, echo);
	if (!found)
		return finish(db, nested, oms_reject("unknown sku '%s' (a product "
		    "record adds it)", sku), rec, echo);
	n = 0;
	cJSON_ArrayForEach(c, comps) {
		csku = oms_json_str(c, "sku");
		n++;
		if ((rc = exists(db, sql_product_exists, csku, &found)) !=
		    OMS_OK)
			return finish(db, nested, rc, rec, echo);
		if (!found)
			return finish(db, nested, oms_reject("component %d: unknown "
			    "sku '%s'", n, csku), rec, echo);
		if ((rc = exists(db, sql_kit_exists, csku, &found)) != OMS_OK)
			return finish(db, nested, rc, rec, echo);
		if (found)
			return finish(db, nested, oms_reject("component %d: %s is "
			    "a kit itself", n, csku), rec, echo);
	}
	text = print_record(rec);
	rc = oms_db_run(db, sql, "cannot store a kit", "sss", sku, text, now);
	free(text);
	if (rc != OMS_OK || (rc = oms_db_run(db, sql_none, "cannot store a kit",
	    "s", sku)) != OMS_OK)
		return finish(db, nested, rc, rec, echo);
	cJSON_ArrayForEach(c, comps) {
		oms_json_int(c, "qty", &qty);
		if ((rc = oms_db_run(db, sql_comp, "cannot store a kit", "ssI",
		    sku, oms_json_str(c, "sku"), qty)) != OMS_OK)
			return finish(db, nested, rc, rec, echo);
	}
	return finish(db, nested, OMS_OK, rec, echo);
}

/* The ledger. */

enum kind { RECEIVE, ADJUST, COUNT, TRANSFER_OUT, TRANSFER_IN, DAMAGE,
	RESERVE, RELEASE };

static const char *const kinds[] = {
	"receive", "adjust", "count", "transfer_out", "transfer_in", "damage",
	"reserve", "release",
};

/* Fields a movement record is made of; any other passes through. */
static const char *const movement_fields[] = {
	"type", "id", "at", "program", "kind", "sku", "location", "to", "from",
	"qty", "change", "reason", "ref", "key", "on_hand", "reserved",
	"in_transit", "available", "duplicate",
};

struct move {
	enum kind kind;
	const char *sku, *location, *peer, *reason, *ref, *key;
	int64_t qty;		/* as given: the counted figure for a count */
};

static int
kind_of(const char *s, enum kind *k)
{
	if (strcmp(s, "transfer") == 0) {
		*k = TRANSFER_OUT;
		return OMS_OK;
	}
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(s, kinds[i]) == 0) {
			*k = (enum kind)i;
			return OMS_OK;
		}
	return OMS_ERR;
}

/*
 * A movement a program makes (a reservation, a parcel's stock out) may
 * carry a line's units times a kit's: the bound of its quantity is that
 * product, where a record read from outside has OMS_QTY_MAX.
 */
#define MOVE_MAX ((int64_t)OMS_QTY_MAX * OMS_QTY_MAX)

static int
parse_move(const cJSON *rec, struct move *m, int64_t max)
{
	const char *kind, *to, *from;
	int has;

	memset(m, 0, sizeof *m);
	if (req_str(rec, "kind", &kind) != OMS_OK)
		return OMS_REJECT;
	if (kind_of(kind, &m->kind) != OMS_OK)
		return oms_reject("kind '%s' is not receive, adjust, count, "
		    "transfer, transfer_in, damage, reserve or release", kind);
	if (req_str(rec, "sku", &m->sku) != OMS_OK ||
	    req_str(rec, "location", &m->location) != OMS_OK ||
	    req_str(rec, "key", &m->key) != OMS_OK ||
	    opt_str(rec, "reason", &m->reason) != OMS_OK ||
	    opt_str(rec, "ref", &m->ref) != OMS_OK ||
	    opt_str(rec, "to", &to) != OMS_OK ||
	    opt_str(rec, "from", &from) != OMS_OK ||
	    opt_int(rec, "qty", -max, max, &m->qty, &has) != OMS_OK)
		return OMS_REJECT;
	if (!has)
		return oms_reject("no qty");
	switch (m->kind) {
	case ADJUST:
		if (m->qty == 0)
			return oms_reject("an adjust of 0 changes nothing");
		break;
	case COUNT:
		if (m->qty < 0)
			return oms_reject("a count of %lld: counted figures are 0 "
			    "or more", (long long)m->qty);
		break;
	default:
		if (m->qty <= 0)
			return oms_reject("a %s of %lld: qty must be more than 0",
			    kind, (long long)m->qty);
	}
	if ((m->kind == ADJUST || m->kind == DAMAGE) &&
	    (m->reason == NULL || m->reason[0] == '\0'))
		return oms_reject("a%s %s needs a reason", m->kind == ADJUST ?
		    "n" : "", kind);
	if (m->kind == TRANSFER_OUT) {
		if (to == NULL || to[0] == '\0')
			return oms_reject("a transfer needs \"to\", the location it "
			    "goes to");
		m->peer = to;
	} else if (to != NULL)
		return oms_reject("\"to\" belongs to a transfer only");
	if (m->kind == TRANSFER_IN) {
		if (from == NULL || from[0] == '\0')
			return oms_reject("a transfer_in needs \"from\", the location "
			    "it came from");
		m->peer = from;
	} else if (from != NULL)
		return oms_reject("\"from\" belongs to a transfer_in only");
	if (m->peer != NULL && strcmp(m->peer, m->location) == 0)
		return oms_reject("a transfer from %s to itself", m->location);
	return OMS_OK;
}

static const char sql_level_row[] =
    "INSERT INTO levels (sku, location) VALUES (?, ?) "
    "ON CONFLICT (sku, location) DO NOTHING";
static const char sql_level_get[] =
    "SELECT on_hand, reserved, in_transit FROM levels "
    "WHERE sku = ? AND location = ?";
/*
 * The one place stock changes.  The WHERE clause is the rule: no figure
 * below zero and nothing reserved that is not on hand.  A change that
 * would break it updates no row, so it cannot happen by a race.
 */
static const char sql_level_change[] =
    "UPDATE levels SET on_hand = on_hand + ?3, reserved = reserved + ?4, "
    "in_transit = in_transit + ?5 "
    "WHERE sku = ?1 AND location = ?2 AND on_hand + ?3 >= 0 "
    "AND reserved + ?4 >= 0 AND in_transit + ?5 >= 0 "
    "AND on_hand + ?3 >= reserved + ?4 "
    "RETURNING on_hand, reserved, in_transit";

static int
level_get(oms_db *db, const char *sku, const char *loc, int64_t v[3])
{
	oms_stmt *st = oms_db_stmt(db, sql_level_get);
	int rc;

	v[0] = v[1] = v[2] = 0;
	if (st == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, sku);
	oms_bind_text(st, 2, loc);
	rc = oms_step(st);
	if (rc == OMS_ROW)
		for (int i = 0; i < 3; i++)
			v[i] = oms_col_int64(st, i);
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read a level");
	return OMS_OK;
}

/* Change a level by d (on hand, reserved, in transit); after gets the result. */
static int
level_change(oms_db *db, const char *sku, const char *loc,
    const int64_t d[3], int64_t after[3])
{
	oms_stmt *st;
	int64_t v[3], n[3];
	int rc;

	if ((st = oms_db_stmt(db, sql_level_row)) == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, sku);
	oms_bind_text(st, 2, loc);
	if ((rc = oms_db_step_done(db, st, "cannot store a level")) != OMS_OK)
		return rc;
	if ((st = oms_db_stmt(db, sql_level_change)) == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, sku);
	oms_bind_text(st, 2, loc);
	for (int i = 0; i < 3; i++)
		oms_bind_int64(st, 3 + i, d[i]);
	rc = oms_step(st);
	if (rc == OMS_ROW) {
		for (int i = 0; i < 3; i++)
			after[i] = oms_col_int64(st, i);
		rc = oms_step(st);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot change a level");
	if (oms_db_changes(db) == 1)
		return OMS_OK;
	/* Refused: say which rule the change would have broken. */
	if ((rc = level_get(db, sku, loc, v)) != OMS_OK)
		return rc;
	for (int i = 0; i < 3; i++)
		n[i] = v[i] + d[i];
	if (n[0] < 0)
		return oms_reject("%s at %s: on hand would be %lld (it is %lld)",
		    sku, loc, (long long)n[0], (long long)v[0]);
	if (n[1] < 0)
		return oms_reject("%s at %s: reserved would be %lld (it is %lld)",
		    sku, loc, (long long)n[1], (long long)v[1]);
	if (n[2] < 0)
		return oms_reject("%s at %s: in transit would be %lld (it is %lld)",
		    sku, loc, (long long)n[2], (long long)v[2]);
	return oms_reject("%s at %s: on hand would be %lld, below the %lld "
	    "reserved", sku, loc, (long long)n[0], (long long)n[1]);
}

static const char sql_move_by_key[] =
    "SELECT id, at, program, kind, sku, location, peer, qty, reason, ref, "
    "key, on_hand_after, reserved_after, in_transit_after, record "
    "FROM movements WHERE key = ?";
static const char sql_move_by_sku[] =
    "SELECT id, at, program, kind, sku, location, peer, qty, reason, ref, "
    "key, on_hand_after, reserved_after, in_transit_after, record "
    "FROM movements WHERE sku = ? ORDER BY id";

/* The qty a movement was given as, from its signed change. */
static int64_t
given_qty(enum kind k, int64_t change, int64_t on_hand_after)
{
	switch (k) {
	case COUNT:
		return on_hand_after;
	case TRANSFER_OUT:
	case DAMAGE:
	case RELEASE:
		return -change;
	default:
		return change;
	}
}

static void
add_col_str(cJSON *o, const char *key, oms_stmt *st, int col)
{
	const char *s = oms_col_text(st, col);

	if (s != NULL)
		cJSON_AddStringToObject(o, key, s);
}

/*
 * A movement record from a row of the ledger, its columns from c on as
 * sql_move_by_key's: id, at, program, kind, sku, location, peer, qty,
 * reason, ref, key, on_hand_after, reserved_after, in_transit_after,
 * record.
 */
cJSON *
oms_stock_move_record(oms_stmt *st, int c)
{
	cJSON *o = cJSON_CreateObject(), *stored, *f;
	enum kind k = RECEIVE;
	int64_t change = oms_col_int64(st, c + 7), after[3];
	const char *kind = oms_col_text(st, c + 3);

	kind_of(kind, &k);
	for (int i = 0; i < 3; i++)
		after[i] = oms_col_int64(st, c + 11 + i);
	cJSON_AddStringToObject(o, "type", "movement");
	cJSON_AddNumberToObject(o, "id", (double)oms_col_int64(st, c));
	add_col_str(o, "at", st, c + 1);
	add_col_str(o, "program", st, c + 2);
	cJSON_AddStringToObject(o, "kind", kind);
	add_col_str(o, "sku", st, c + 4);
	add_col_str(o, "location", st, c + 5);
	add_col_str(o, k == TRANSFER_IN ? "from" : "to", st, c + 6);
	cJSON_AddNumberToObject(o, "qty", (double)given_qty(k, change,
	    after[0]));
	cJSON_AddNumberToObject(o, "change", (double)change);
	add_col_str(o, "reason", st, c + 8);
	add_col_str(o, "ref", st, c + 9);
	add_col_str(o, "key", st, c + 10);
	stored = cJSON_Parse(oms_col_text(st, c + 14));
	cJSON_ArrayForEach(f, stored) {
		size_t i, n = sizeof movement_fields / sizeof movement_fields[0];

		for (i = 0; i < n; i++)
			if (strcmp(f->string, movement_fields[i]) == 0)
				break;
		if (i == n)
			cJSON_AddItemToObject(o, f->string,
			    cJSON_Duplicate(f, 1));
	}
	cJSON_Delete(stored);
	cJSON_AddNumberToObject(o, "on_hand", (double)after[0]);
	cJSON_AddNumberToObject(o, "reserved", (double)after[1]);
	cJSON_AddNumberToObject(o, "in_transit", (double)after[2]);
	cJSON_AddNumberToObject(o, "available", (double)(after[0] - after[1]));
	return o;
}

/* The movement stored under m's key, if any; refuse a different one. */
static int
find_key(oms_db *db, const struct move *m, cJSON **out)
{
	oms_stmt *st = oms_db_stmt(db, sql_move_by_key);
	const char *peer, *kind;
	enum kind k = RECEIVE;
	int rc, same;
	int64_t id;

	*out = NULL;
	if (st == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, m->key);
	rc = oms_step(st);
	if (rc == OMS_DONE) {
		oms_reset(st);
		return OMS_OK;
	}
	if (rc != OMS_ROW) {
		oms_reset(st);
		return oms_db_fail(db, rc, "cannot read the ledger");
	}
	id = oms_col_int64(st, 0);
	kind = oms_col_text(st, 3);
	peer = oms_col_text(st, 6);
	kind_of(kind, &k);
	same = k == m->kind &&
	    strcmp(oms_col_text(st, 4), m->sku) == 0 &&
	    strcmp(oms_col_text(st, 5), m->location) == 0 &&
	    ((peer == NULL && m->peer == NULL) || (peer != NULL &&
	    m->peer != NULL && strcmp(peer, m->peer) == 0)) &&
	    given_qty(k, oms_col_int64(st, 7),
	    oms_col_int64(st, 11)) == m->qty;
	if (same)
		*out = oms_stock_move_record(st, 0);
	oms_reset(st);
	if (!same)
		return oms_reject("key '%s' is already movement %lld, a different "
		    "one (oms-stock history %s shows it)", m->key,
		    (long long)id, m->sku);
	cJSON_AddBoolToObject(*out, "duplicate", 1);
	return OMS_OK;
}

static const char sql_move_insert[] =
    "INSERT INTO movements (at, program, kind, sku, location, peer, "
    "qty, reason, ref, key, on_hand_after, reserved_after, "
    "in_transit_after, record) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

static int
write_move(oms_db *db, const cJSON *rec, const struct move *m, cJSON **echo)
{
	static const char sql_get[] =
	    "SELECT id, at, program, kind, sku, location, peer, qty, reason, "
	    "ref, key, on_hand_after, reserved_after, in_transit_after, record "
	    "FROM movements WHERE id = ?";
	int64_t d[3] = { 0, 0, 0 }, after[3], cur[3], change, id;
	char now[OMS_TIME_LEN], *text;
	oms_stmt *st;
	int rc, found;

	if ((rc = exists(db, sql_product_exists, m->sku, &found)) != OMS_OK)
		return rc;
	if (!found)
		return oms_reject("unknown sku '%s' (a product record adds it)",
		    m->sku);
	if ((rc = exists(db, sql_kit_exists, m->sku, &found)) != OMS_OK)
		return rc;
	if (found)
		return oms_reject("%s is a kit: its stock is its components'",
		    m->sku);
	if ((rc = exists(db, sql_location_exists, m->location, &found)) !=
	    OMS_OK)
		return rc;
	if (!found)
		return oms_reject("unknown location '%s' (a location record adds "
		    "it)", m->location);
	if (m->peer != NULL) {
		if ((rc = exists(db, sql_location_exists, m->peer, &found)) !=
		    OMS_OK)
			return rc;
		if (!found)
			return oms_reject("unknown location '%s' (a location "
			    "record adds it)", m->peer);
	}

	switch (m->kind) {
	case RECEIVE:
	case ADJUST:
		d[0] = m->qty;
		break;
	case COUNT:
		/*
		 * Under the writers' lock, whole (a count is never a write
		 * that locks by row), nothing moves between read and write.
		 */
		if ((rc = level_get(db, m->sku, m->location, cur)) != OMS_OK)
			return rc;
		d[0] = m->qty - cur[0];
		break;
	case TRANSFER_OUT:
	case DAMAGE:
		d[0] = -m->qty;
		break;
	case TRANSFER_IN:
		d[0] = m->qty;
		d[2] = -m->qty;
		break;
	case RESERVE:
		d[1] = m->qty;
		break;
	case RELEASE:
		d[1] = -m->qty;
		break;
	}
	change = m->kind == RESERVE || m->kind == RELEASE ? d[1] : d[0];
	if ((rc = level_change(db, m->sku, m->location, d, after)) != OMS_OK)
		return rc;
	if (m->kind == TRANSFER_OUT) {
		int64_t t[3] = { 0, 0, m->qty }, tafter[3];

		if ((rc = level_change(db, m->sku, m->peer, t, tafter)) !=
		    OMS_OK)
			return rc;
	}

	oms_time_now(now);
	if ((st = oms_db_stmt(db, sql_move_insert)) == NULL)
		return OMS_ERR;
	text = print_record(rec);
	oms_bind_text(st, 1, now);
	oms_bind_text(st, 2, oms_progname);
	oms_bind_static(st, 3, kinds[m->kind]);
	oms_bind_text(st, 4, m->sku);
	oms_bind_text(st, 5, m->location);
	oms_bind_text(st, 6, m->peer);
	oms_bind_int64(st, 7, change);
	oms_bind_text(st, 8, m->reason);
	oms_bind_text(st, 9, m->ref);
	oms_bind_text(st, 10, m->key);
	for (int i = 0; i < 3; i++)
		oms_bind_int64(st, 11 + i, after[i]);
	oms_bind_text(st, 14, text);
	free(text);
	if ((rc = oms_db_step_done(db, st, "cannot write the ledger")) != OMS_OK)
		return rc;
	id = oms_db_last_id(db);
	/* The event stream has it in the same transaction. */
	if ((rc = oms_db_outbox(db, now, 0, id)) != OMS_OK)
		return rc;
	if (echo == NULL)	/* a program's own movement: nobody reads it */
		return OMS_OK;
	if ((st = oms_db_stmt(db, sql_get)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	rc = oms_step(st);
	if (rc == OMS_ROW)
		*echo = oms_stock_move_record(st, 0);
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read the ledger");
	return OMS_OK;
}

static int
move(oms_db *db, const cJSON *rec, int64_t max, cJSON **echo)
{
	struct move m;
	cJSON *out = NULL;
	int nested, rc;

	if (echo != NULL)
		*echo = NULL;
	if ((rc = parse_move(rec, &m, max)) != OMS_OK)
		return rc;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	rc = find_key(db, &m, &out);
	if (rc == OMS_OK && out == NULL)
		rc = write_move(db, rec, &m, echo != NULL ? &out : NULL);
	if (rc != OMS_OK) {
		(void)oms_db_write_end(db, nested, OMS_ERR);
		cJSON_Delete(out);
		return rc;
	}
	if ((rc = oms_db_write_end(db, nested, OMS_OK)) != OMS_OK) {
		cJSON_Delete(out);
		return rc;
	}
	if (echo != NULL)
		*echo = out;
	else
		cJSON_Delete(out);
	return OMS_OK;
}

/* The text of a reservation's record, as oms_stock_move stores it. */
static void
reserve_text(struct oms_buf *b, const struct oms_reserve *r)
{
	oms_buf_adds(b, "{\"type\":\"movement\",\"kind\":\"reserve\",\"sku\":");
	oms_buf_json_string(b, r->sku);
	oms_buf_adds(b, ",\"location\":");
	oms_buf_json_string(b, r->location);
	oms_buf_adds(b, ",\"qty\":");
	oms_buf_json_int(b, r->qty);
	oms_buf_adds(b, ",\"ref\":");
	oms_buf_json_string(b, r->ref);
	oms_buf_adds(b, ",\"key\":");
	oms_buf_json_string(b, r->key);
	oms_buf_addc(b, '}');
}

/* Bind reservation r's movement from parameter p on: its 14 columns. */
static void
bind_reserve(oms_stmt *st, int p, const struct oms_reserve *r,
    const char *at, struct oms_buf *text)
{
	/* Not copied but for the record's text, whose buffer is reused:
	 * the rest outlives the statement's step. */
	oms_buf_reset(text);
	reserve_text(text, r);
	oms_bind_static(st, p, at);
	oms_bind_static(st, p + 1, oms_progname);
	oms_bind_static(st, p + 2, kinds[RESERVE]);
	oms_bind_static(st, p + 3, r->sku);
	oms_bind_static(st, p + 4, r->location);
	oms_bind_null(st, p + 5);
	oms_bind_int64(st, p + 6, r->qty);
	oms_bind_null(st, p + 7);
	oms_bind_static(st, p + 8, r->ref);
	oms_bind_static(st, p + 9, r->key);
	for (int i = 0; i < 3; i++)
		oms_bind_int64(st, p + 10 + i, r->level[i]);
	oms_bind_text(st, p + 13, text->s);
}

/*
 * A reservation a program makes inside the write it holds, of a level
 * it has read in that write: r->level has the figures as read, and after
 * OMS_OK those after.  The caller knows the sku is a product and no kit
 * and the location is one (it read a level of them).  The level's
 * update is checked against what was read, so the figures after are
 * known without reading them back; then the movement as oms_stock_move
 * writes it (its record the same text) and its outbox row.  No
 * savepoint is taken: the one update that may find the level changed
 * comes first, and a failure after it fails the caller's transaction,
 * which the caller must undo.  A key in the ledger already, or a level
 * not as read, takes oms_stock_move's way, which decides the same as
 * ever, and the figures are read again.
 *
 * With r->id, where oms_db_ids_by_max says a writer may give ids, the
 * movement's row is left for oms_stock_reserve_write, in this
 * transaction and before anything reads the ledger: the level and the
 * outbox row (naming r->id) are written now, in their order, and r->at
 * says when.  Rows written later in one statement cost a fraction of
 * one each.  Then a key in the ledger or a level not as read is
 * OMS_REJECT with nothing written, for the caller to write what it has
 * left and ask again without r->id.
 */
int
oms_stock_reserve(oms_db *db, struct oms_reserve *r)
{
	static const char sql_key[] = "SELECT 1 FROM movements WHERE key = ?";
	static const char sql_take[] =
	    "UPDATE levels SET reserved = reserved + ?3 "
	    "WHERE sku = ?1 AND location = ?2 AND on_hand = ?4 "
	    "AND reserved = ?5 AND in_transit = ?6 "
	    "AND on_hand >= reserved + ?3";
	struct oms_buf text = { 0 };
	char now[OMS_TIME_LEN];
	oms_stmt *st;
	int rc, found;

	if (r->id > 0 && !oms_db_ids_by_max(db))
		return oms_seterr("reserving %s at %s: this database gives its "
		    "own ids", r->sku, r->location);
	if (r->qty <= 0 || r->qty > MOVE_MAX)
		goto general;
	if ((rc = exists(db, sql_key, r->key, &found)) != OMS_OK)
		return rc;
	if (found)
		goto general;
	if ((st = oms_db_stmt(db, sql_take)) == NULL)
		return OMS_ERR;
	oms_bind_static(st, 1, r->sku);
	oms_bind_static(st, 2, r->location);
	oms_bind_int64(st, 3, r->qty);
	for (int i = 0; i < 3; i++)
		oms_bind_int64(st, 4 + i, r->level[i]);
	if ((rc = oms_db_step_done(db, st, "cannot change a level")) != OMS_OK)
		return rc;
	if (oms_db_changes(db) != 1)
		goto general;
	r->level[1] += r->qty;
	oms_time_now(now);
	if (r->id > 0) {
		memcpy(r->at, now, sizeof r->at);
		return oms_db_outbox(db, now, 0, r->id);
	}
	if ((st = oms_db_stmt(db, sql_move_insert)) == NULL)
		return OMS_ERR;
	bind_reserve(st, 1, r, now, &text);
	rc = oms_db_step_done(db, st, "cannot write the ledger");
	oms_buf_free(&text);
	if (rc != OMS_OK)
		return rc;
	return oms_db_outbox(db, now, 0, oms_db_last_id(db));

general:
	if (r->id > 0)
		return OMS_REJECT;	/* nothing written: not this way */
	{
		cJSON *m = cJSON_CreateObject();

		cJSON_AddStringToObject(m, "type", "movement");
		cJSON_AddStringToObject(m, "kind", "reserve");
		cJSON_AddStringToObject(m, "sku", r->sku);
		cJSON_AddStringToObject(m, "location", r->location);
		cJSON_AddNumberToObject(m, "qty", (double)r->qty);
		cJSON_AddStringToObject(m, "ref", r->ref);
		cJSON_AddStringToObject(m, "key", r->key);
		rc = move(db, m, MOVE_MAX, NULL);
		cJSON_Delete(m);
	}
	if (rc == OMS_OK)
		rc = level_get(db, r->sku, r->location, r->level);
	return rc;
}

/*
 * The movements of n reservations, in rows of one statement: on SQLite
 * only, where a writer gives the ids (oms_db_ids_by_max).  OR FAIL, since
 * a failure fails the transaction anyway: a statement of many rows that
 * may abort keeps a journal to undo itself, a copy of each page it
 * changes (12k instructions an order).
 */
#define MOVE_ROW "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define MOVE_ROW4 MOVE_ROW ", " MOVE_ROW ", " MOVE_ROW ", " MOVE_ROW
#define MOVE_ROW16 MOVE_ROW4 ", " MOVE_ROW4 ", " MOVE_ROW4 ", " MOVE_ROW4
#define MOVE_INSERT_ID \
    "/* sqlite */ INSERT OR FAIL INTO movements (id, at, program, kind, " \
    "sku, location, peer, " \
    "qty, reason, ref, key, on_hand_after, reserved_after, " \
    "in_transit_after, record) VALUES "
static const char sql_moves32[] = MOVE_INSERT_ID MOVE_ROW16 ", " MOVE_ROW16;
static const char sql_moves8[] = MOVE_INSERT_ID MOVE_ROW4 ", " MOVE_ROW4;
static const char sql_moves1[] = MOVE_INSERT_ID MOVE_ROW;

/*
 * Write the movements of reservations oms_stock_reserve made with an id,
 * r[0] to r[n - 1], in the same transaction: the rows it would have
 * written, with those ids.  A failure fails the transaction.
 */
int
oms_stock_reserve_write(oms_db *db, const struct oms_reserve *r, int n)
{
	struct oms_buf text = { 0 };
	int rc = OMS_OK;

	if (n > 0 && !oms_db_ids_by_max(db))
		return oms_seterr("writing reservations: this database gives "
		    "its own ids");
	while (rc == OMS_OK && n > 0) {
		int k = n >= 32 ? 32 : n >= 8 ? 8 : 1;
		oms_stmt *st = oms_db_stmt(db, k == 32 ? sql_moves32 : k == 8 ?
		    sql_moves8 : sql_moves1);

		if (st == NULL) {
			rc = OMS_ERR;
			break;
		}
		for (int i = 0; i < k; i++) {
			oms_bind_int64(st, 15 * i + 1, r[i].id);
			bind_reserve(st, 15 * i + 2, &r[i], r[i].at, &text);
		}
		rc = oms_db_step_done(db, st, "cannot write the ledger");
		r += k;
		n -= k;
	}
	oms_buf_free(&text);
	return rc;
}

/*
 * A SKU sent as a number is the text of its digits, as in an order
 * (wide ones came as strings already, see oms_json_parse); one with a
 * fraction or past 2^53 has lost them.
 */
static int
number_skus(cJSON *o, const char *where)
{
	static const char *const keys[] = { "sku", "channel_sku" };
	cJSON *v, *c;
	char buf[64], m[400];
	const char *t;

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
		if (!cJSON_IsNumber(v))
			continue;
		if (oms_json_id(v, buf, sizeof buf, &t) != OMS_OK) {
			snprintf(m, sizeof m, "%s", oms_error());
			return oms_reject("%s%s: %s", where, keys[i], m);
		}
		cJSON_ReplaceItemInObjectCaseSensitive(o, keys[i],
		    cJSON_CreateString(t));
	}
	if (*where != '\0')
		return OMS_OK;
	c = cJSON_GetObjectItemCaseSensitive(o, "components");
	if (cJSON_IsArray(c)) {
		int n = 0;

		cJSON_ArrayForEach(v, c) {
			n++;
			snprintf(buf, sizeof buf, "component %d: ", n);
			if (cJSON_IsObject(v) && number_skus(v, buf) != OMS_OK)
				return OMS_REJECT;
		}
	}
	return OMS_OK;
}

int
oms_stock_move(oms_db *db, const cJSON *rec, cJSON **echo)
{
	return move(db, rec, MOVE_MAX, echo);
}

/* A record read from outside: oms-stock, a catalog. */
int
oms_stock_apply(oms_db *db, cJSON *rec, cJSON **echo)
{
	const char *type = oms_rec_type(rec);

	*echo = NULL;
	if (type == NULL)
		return oms_reject("no type");
	if (number_skus(rec, "") != OMS_OK)
		return OMS_REJECT;
	if (strcmp(type, "movement") == 0) {
		const char *kind = oms_json_str(rec, "kind");

		/*
		 * Reservations belong to allocations: made and ended by the
		 * programs that allocate, ship and cancel, which reach the
		 * ledger through oms_stock_move, never from this input.
		 */
		if (kind != NULL && strcmp(kind, "reserve") == 0)
			return oms_reject("a reserve is made by oms-route "
			    "for an order's allocation, not by hand: route "
			    "the order (oms-route); `oms-stock reconcile` "
			    "sets reserved to what is allocated");
		if (kind != NULL && strcmp(kind, "release") == 0)
			return oms_reject("a release is made by oms-route, "
			    "oms-ship and cancels as an allocation ends, not "
			    "by hand: free an order's units with `oms-import "
			    "cancel ORDER` or `oms-route --reroute ORDER`; "
			    "`oms-stock reconcile` sets reserved to what is "
			    "allocated");
		return move(db, rec, OMS_QTY_MAX, echo);
	}
	if (strcmp(type, "location") == 0)
		return oms_stock_location(db, rec, echo);
	if (strcmp(type, "product") == 0)
		return oms_stock_product(db, rec, echo);
	if (strcmp(type, "listing") == 0)
		return oms_stock_listing(db, rec, echo);
	if (strcmp(type, "kit") == 0)
		return oms_stock_kit(db, rec, echo);
	return oms_reject("a record of type '%s' is not for oms-stock (it reads "
	    "location, product, listing, kit and movement)", type);
}

cJSON *
oms_stock_level_record(const struct oms_level *l)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", "level");
	cJSON_AddStringToObject(o, "sku", l->sku);
	cJSON_AddStringToObject(o, "location", l->location);
	cJSON_AddNumberToObject(o, "on_hand", (double)l->on_hand);
	cJSON_AddNumberToObject(o, "reserved", (double)l->reserved);
	cJSON_AddNumberToObject(o, "in_transit", (double)l->in_transit);
	cJSON_AddNumberToObject(o, "available",
	    (double)(l->on_hand - l->reserved));
	return o;
}

int
oms_stock_levels(oms_db *db, const char *as_of, const char *sku,
    const char *location, oms_level_fn fn, void *arg)
{
	static const char sql_now[] =
	    "SELECT sku, location, on_hand, reserved, in_transit FROM levels "
	    "WHERE (CAST(?1 AS TEXT) IS NULL OR sku = ?1) AND (CAST(?2 AS "
	    "TEXT) IS NULL OR location = ?2) "
	    "ORDER BY sku, location";
	/* ledger_levels, as the ledger stood at ?3. */
	static const char sql_then[] =
	    "SELECT sku, location, sum(on_hand), sum(reserved), "
	    "sum(in_transit) FROM ("
	    "  SELECT sku, location,"
	    "    CASE WHEN kind IN ('reserve', 'release') THEN 0 ELSE qty END"
	    "      AS on_hand,"
	    "    CASE WHEN kind IN ('reserve', 'release') THEN qty ELSE 0 END"
	    "      AS reserved,"
	    "    CASE WHEN kind = 'transfer_in' THEN -qty ELSE 0 END"
	    "      AS in_transit"
	    "  FROM movements WHERE at <= ?3"
	    "  UNION ALL"
	    "  SELECT sku, peer, 0, 0, -qty FROM movements"
	    "  WHERE kind = 'transfer_out' AND at <= ?3"
	    ") AS m WHERE (CAST(?1 AS TEXT) IS NULL OR sku = ?1) "
	    "AND (CAST(?2 AS TEXT) IS NULL OR location = ?2) "
	    "GROUP BY sku, location ORDER BY sku, location";
	oms_stmt *st = oms_db_stmt(db, as_of ? sql_then : sql_now);
	struct oms_level l;
	int rc, r = OMS_OK;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, sku);
	oms_bind_text(st, 2, location);
	if (as_of != NULL)
		oms_bind_text(st, 3, as_of);
	while ((rc = oms_step(st)) == OMS_ROW) {
		l.sku = oms_col_text(st, 0);
		l.location = oms_col_text(st, 1);
		l.on_hand = oms_col_int64(st, 2);
		l.reserved = oms_col_int64(st, 3);
		l.in_transit = oms_col_int64(st, 4);
		if ((r = fn(arg, &l)) != OMS_OK)
			break;
	}
	oms_reset(st);
	if (r != OMS_OK)
		return r;
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the levels");
	return OMS_OK;
}

int
oms_stock_history(oms_db *db, const char *sku, oms_rec_fn fn, void *arg)
{
	oms_stmt *st = oms_db_stmt(db, sql_move_by_sku);
	int rc, r = OMS_OK, n = 0, found;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, sku);
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *o = oms_stock_move_record(st, 0);

		n++;
		r = fn(arg, o);
		cJSON_Delete(o);
		if (r != OMS_OK)
			break;
	}
	oms_reset(st);
	if (r != OMS_OK)
		return r;
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the ledger");
	/* No story is a fine answer for a product, not for a typo. */
	if (n == 0) {
		if ((rc = exists(db, sql_product_exists, sku, &found)) != OMS_OK)
			return rc;
		if (!found)
			return oms_reject("unknown sku '%s'", sku);
	}
	return OMS_OK;
}

static const char sql_reservation_diffs[] =
    "SELECT sku, location, reserved, allocated FROM reservation_differences "
    "ORDER BY sku, location";

/*
 * Each level whose reserved figure is not what the active allocations
 * there hold: a reservation leaked or made by hand, or one lost.
 */
int
oms_stock_verify_reserved(oms_db *db, oms_diff_fn fn, void *arg,
    long *differences)
{
	oms_stmt *st = oms_db_stmt(db, sql_reservation_diffs);
	char msg[512];
	int rc, r = OMS_OK;

	*differences = 0;
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		(*differences)++;
		snprintf(msg, sizeof msg, "%s at %s: reserved is %lld in "
		    "levels, %lld allocated to orders", oms_col_text(st, 0),
		    oms_col_text(st, 1), (long long)oms_col_int64(st, 2),
		    (long long)oms_col_int64(st, 3));
		if ((r = fn(arg, msg)) != OMS_OK)
			break;
	}
	oms_reset(st);
	if (r != OMS_OK)
		return r;
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the allocations");
	return OMS_OK;
}

struct fix {
	char *sku, *location;
	int64_t reserved, allocated;
};

/*
 * Set each reserved figure to what the active allocations hold, by a
 * reserve or release movement in the ledger with the reason, all in one
 * transaction (rolled back for a dry run).  Each movement written goes
 * to fn once committed; a level that cannot be set (more allocated than
 * is on hand) is told to refused, and the rest still go in.
 */
int
oms_stock_reconcile(oms_db *db, int dry_run, oms_rec_fn fn,
    oms_diff_fn refused, void *arg, long *fixed, long *failed)
{
	static const char sql_last[] =
	    "SELECT coalesce(max(id), 0) FROM movements";
	struct fix *f = NULL;
	cJSON **echoes = NULL;
	size_t n = 0, ne = 0;
	oms_stmt *st;
	int rc, r = OMS_OK;

	*fixed = *failed = 0;
	if ((rc = oms_db_begin(db)) != OMS_OK)
		return rc;
	if ((st = oms_db_stmt(db, sql_reservation_diffs)) == NULL) {
		oms_db_rollback(db);
		return OMS_ERR;
	}
	while ((rc = oms_step(st)) == OMS_ROW) {
		f = erealloc(f, (n + 1) * sizeof *f);
		f[n].sku = estrdup(oms_col_text(st, 0));
		f[n].location = estrdup(oms_col_text(st, 1));
		f[n].reserved = oms_col_int64(st, 2);
		f[n].allocated = oms_col_int64(st, 3);
		n++;
	}
	oms_reset(st);
	rc = rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read the allocations");
	echoes = ecalloc(n ? n : 1, sizeof *echoes);
	for (size_t i = 0; i < n && rc == OMS_OK; i++) {
		cJSON *m = cJSON_CreateObject(), *echo = NULL;
		int64_t d = f[i].allocated - f[i].reserved, last = 0;
		char reason[128], key[512], msg[1024];

		if ((st = oms_db_stmt(db, sql_last)) == NULL) {
			rc = OMS_ERR;
			cJSON_Delete(m);
			break;
		}
		if ((rc = oms_step(st)) == OMS_ROW)
			last = oms_col_int64(st, 0);
		oms_reset(st);
		if (rc != OMS_ROW) {
			rc = oms_db_fail(db, rc, "cannot read the ledger");
			cJSON_Delete(m);
			break;
		}
		/* The ledger as it stands makes the key: one repair of it. */
		snprintf(key, sizeof key, "reconcile:%s@%s:m%lld", f[i].sku,
		    f[i].location, (long long)last);
		snprintf(reason, sizeof reason, "reconcile: reserved %lld, "
		    "allocated %lld", (long long)f[i].reserved,
		    (long long)f[i].allocated);
		cJSON_AddStringToObject(m, "type", "movement");
		cJSON_AddStringToObject(m, "kind", d > 0 ? "reserve" :
		    "release");
		cJSON_AddStringToObject(m, "sku", f[i].sku);
		cJSON_AddStringToObject(m, "location", f[i].location);
		cJSON_AddNumberToObject(m, "qty", (double)(d > 0 ? d : -d));
		cJSON_AddStringToObject(m, "reason", reason);
		cJSON_AddStringToObject(m, "ref", "reconcile");
		cJSON_AddStringToObject(m, "key", key);
		rc = oms_stock_move(db, m, &echo);
		cJSON_Delete(m);
		if (rc == OMS_REJECT) {
			snprintf(msg, sizeof msg, "%s at %s: reserved %lld, "
			    "allocated %lld, not repaired: %s", f[i].sku,
			    f[i].location, (long long)f[i].reserved,
			    (long long)f[i].allocated, oms_error());
			(*failed)++;
			rc = OMS_OK;
			if (refused != NULL &&
			    (r = refused(arg, msg)) != OMS_OK)
				break;
			continue;
		}
		if (rc == OMS_OK)
			echoes[ne++] = echo;
	}
	if (rc != OMS_OK || r != OMS_OK || dry_run)
		oms_db_rollback(db);
	else
		rc = oms_db_commit(db);
	if (rc == OMS_OK && r == OMS_OK) {
		*fixed = (long)ne;
		for (size_t i = 0; i < ne && r == OMS_OK; i++)
			r = fn(arg, echoes[i]);
	}
	for (size_t i = 0; i < ne; i++)
		cJSON_Delete(echoes[i]);
	free(echoes);
	for (size_t i = 0; i < n; i++) {
		free(f[i].sku);
		free(f[i].location);
	}
	free(f);
	return rc != OMS_OK ? rc : r;
}

int
oms_stock_verify(oms_db *db, oms_diff_fn fn, void *arg, long *differences)
{
	static const char sql[] =
	    "SELECT sku || ' at ' || location || ': ' || figure || ' is ' || "
	    "level || ' in levels, ' || ledger || ' in the ledger' "
	    "FROM level_differences ORDER BY sku, location, figure";
	oms_stmt *st = oms_db_stmt(db, sql);
	int rc, r = OMS_OK;

	*differences = 0;
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		(*differences)++;
		if ((r = fn(arg, oms_col_text(st, 0))) !=
		    OMS_OK)
			break;
	}
	oms_reset(st);
	if (r != OMS_OK)
		return r;
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the ledger");
	return OMS_OK;
}
