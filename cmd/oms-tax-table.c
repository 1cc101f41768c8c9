/*
 * oms-tax-table: the bundled offline tax adapter.  It prices tax from a
 * table of rates kept as dated data, calls nobody, and answers in the
 * shape of TaxJar's POST /v2/taxes (oms-adapters(7)), as oms-import(1)
 * asks it for the orders of a channel that sends no tax.
 *
 *   oms-tax-table taxes < request.json
 *
 * The rates are tax/rates.json on the search path (share/oms/tax/), or
 * the file the account (tax/table.json) names as "rates":
 *
 *   {"rates": [{"country": "US", "region": "NY", "postal_prefix": "100",
 *     "rate": "0.08875", "shipping_taxable": true, "from": "2025-01-01",
 *     "to": "2027-01-01", "name": "New York City"}, ...]}
 *
 * The rate of an order is that of the most specific entry of its
 * destination (the longest postal prefix, then a region, then the
 * country alone) in force on its day (from <= day < to; the request's
 * placed_at, else today).  No entry is no nexus: no tax, has_nexus
 * false, as TaxJar answers where the seller does not collect.  Each line
 * bears rate x (quantity x unit_price - discount), shipping the same
 * when the entry taxes it, each rounded to the minor unit half up; with
 * prices_include_tax, the tax is the part of that amount that is tax,
 * amount x rate / (1 + rate).  An exemption_type other than non_exempt
 * makes the order exempt: no tax, tax_source "exempt".
 *
 * A request it cannot price (no to_country, a US order without to_zip or
 * to_state, a line without quantity or price) is refused with
 * {"ok":false,"error":...} and exit 0; a request that is not one JSON
 * object, or another verb, exits 2; a rate table it cannot read or
 * trust exits 3.
 */
#include <ctype.h>
#include <stdint.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "oms.h"
#include "call.h"
#include "cli.h"

#define REQUEST_MAX (1 << 20)	/* bytes of request at most */
#define PPM 1000000		/* a rate in millionths */

static cJSON *
refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static cJSON *
refuse(const char *fmt, ...)
{
	cJSON *r = cJSON_CreateObject();
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	cJSON_AddFalseToObject(r, "ok");
	cJSON_AddStringToObject(r, "error", buf);
	return r;
}

/* A rate "0.08875" in millionths; -1 when it is not one from 0 to 1. */
static long
parse_rate(const char *s)
{
	long v = 0, scale = PPM;
	const char *p = s;

	if (s == NULL || !isdigit((unsigned char)*p))
		return -1;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p++ - '0');
		if (v > 1)
			return -1;
	}
	v *= PPM;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p)) {
			scale /= 10;
			if (scale == 0)
				return -1;	/* past a millionth */
			v += (*p++ - '0') * scale;
		}
	}
	return *p == '\0' && v <= PPM ? v : -1;
}

/* Whether d is a day YYYY-MM-DD of the calendar. */
static int
day_ok(const char *d)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, m, dd;

	if (d == NULL || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)d[i]))
			return 0;
	y = atoi(d);
	m = atoi(d + 5);
	dd = atoi(d + 8);
	if (m < 1 || m > 12 || dd < 1 || dd > mdays[m - 1])
		return 0;
	return !(m == 2 && dd == 29 && (y % 4 != 0 || (y % 100 == 0 &&
	    y % 400 != 0)));
}

/* Whether key of e is absent, or a string that is not empty. */
static int
opt_text(const cJSON *e, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);

	return v == NULL || (cJSON_IsString(v) && *v->valuestring != '\0');
}

/* The table, checked whole: a broken table prices nothing (exit 3). */
static cJSON *
load_rates(const cJSON *acct)
{
	const char *named = oms_json_str(acct, "rates");
	const cJSON *e, *rates;
	char *text = NULL, *path = NULL;
	cJSON *doc;
	int n = 0;

	if (named != NULL) {
		struct oms_buf b = { 0 };
		FILE *fp = fopen(named, "r");

		if (fp == NULL || oms_slurp(fp, &b) != OMS_OK)
			oms_die(OMS_EXIT_FATAL, "cannot read the rate table "
			    "'%s': %s", named, strerror(errno));
		fclose(fp);
		oms_buf_add(&b, "", 0);
		text = b.s;
		path = estrdup(named);
	} else if (oms_search_read("tax/rates.json", &text, &path) !=
	    OMS_OK)
		oms_die(OMS_EXIT_FATAL, "no rate table tax/rates.json on the "
		    "search path");
	doc = cJSON_Parse(text);
	free(text);
	rates = cJSON_GetObjectItemCaseSensitive(doc, "rates");
	if (!cJSON_IsArray(rates))
		oms_die(OMS_EXIT_FATAL, "%s: no \"rates\" list", path);
	cJSON_ArrayForEach(e, rates) {
		const char *c = oms_json_str(e, "country");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(e,
		    "shipping_taxable");

		n++;
		if (c == NULL || strlen(c) != 2 || !isupper((unsigned char)c[0])
		    || !isupper((unsigned char)c[1]))
			oms_die(OMS_EXIT_FATAL, "%s: rate %d: \"country\" is "
			    "not a two-letter code", path, n);
		if (parse_rate(oms_json_str(e, "rate")) < 0)
			oms_die(OMS_EXIT_FATAL, "%s: rate %d: \"rate\" is not "
			    "a decimal from 0 to 1 in millionths at most, as "
			    "a string", path, n);
		if (!opt_text(e, "region") || !opt_text(e, "postal_prefix") ||
		    !opt_text(e, "name"))
			oms_die(OMS_EXIT_FATAL, "%s: rate %d: \"region\", "
			    "\"postal_prefix\" and \"name\" are strings that "
			    "are not empty, when given", path, n);
		if (st != NULL && !cJSON_IsBool(st))
			oms_die(OMS_EXIT_FATAL, "%s: rate %d: "
			    "\"shipping_taxable\" is not true or false", path,
			    n);
		for (int k = 0; k < 2; k++) {
			const char *d = oms_json_str(e, k ? "to" : "from");

			if (cJSON_HasObjectItem(e, k ? "to" : "from") &&
			    !day_ok(d))
				oms_die(OMS_EXIT_FATAL, "%s: rate %d: \"%s\" is "
				    "not a day YYYY-MM-DD", path, n,
				    k ? "to" : "from");
		}
	}
	free(path);
	return doc;
}

/* The entry for the destination on day, the most specific; NULL none. */
static const cJSON *
find_rate(const cJSON *doc, const char *country, const char *region,
    const char *zip, const char *day)
{
	const cJSON *e, *best = NULL;
	long best_score = -1;
	const char *best_from = "";

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "rates")) {
		const char *r = oms_json_str(e, "region");
		const char *pp = oms_json_str(e, "postal_prefix");
		const char *from = oms_json_str(e, "from");
		const char *to = oms_json_str(e, "to");
		long score;

		if (strcasecmp(oms_json_str(e, "country"), country) != 0)
			continue;
		if (r != NULL && (region == NULL || strcasecmp(r, region) != 0))
			continue;
		if (pp != NULL && (zip == NULL || strncmp(zip, pp,
		    strlen(pp)) != 0))
			continue;
		if ((from != NULL && strcmp(day, from) < 0) ||
		    (to != NULL && strcmp(day, to) >= 0))
			continue;
		score = (pp != NULL ? 10 * (long)strlen(pp) + 10 : 0) +
		    (r != NULL ? 5 : 0);
		if (from == NULL)
			from = "";
		if (score > best_score || (score == best_score &&
		    strcmp(from, best_from) > 0)) {
			best = e;
			best_score = score;
			best_from = from;
		}
	}
	return best;
}

/* An amount of the request, a number or a string; none is 0. */
static int
amount(const cJSON *v, int exp, int64_t *out)
{
	*out = 0;
	return v == NULL ? OMS_OK : oms_money_json(v, exp, out);
}

/* The tax on amount at rate (millionths), half up; the part that is tax. */
static int64_t
tax_on(int64_t amt, long rate, int inclusive)
{
	__int128 num = (__int128)amt * rate, den = inclusive ?
	    (__int128)PPM + rate : PPM;

	if (amt <= 0 || rate == 0)
		return 0;
	return (int64_t)((2 * num + den) / (2 * den));
}

static cJSON *
taxes(const cJSON *req)
{
	const char *country = oms_json_str(req, "to_country");
	const char *region = oms_json_str(req, "to_state");
	const char *zip = oms_json_str(req, "to_zip");
	const char *cur = oms_json_str(req, "currency");
	const char *ex = oms_json_str(req, "exemption_type");
	const char *placed = oms_json_str(req, "placed_at");
	const cJSON *items = cJSON_GetObjectItemCaseSensitive(req,
	    "line_items"), *it, *e;
	int inclusive = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req,
	    "prices_include_tax"));
	int exempt = ex != NULL && strcmp(ex, "non_exempt") != 0;
	cJSON *doc, *reply, *tax, *bd, *lines, *sh, *j;
	int64_t ship, taxable = 0, collect = 0, st = 0, total_amt = 0;
	long rate = 0;
	int exp, shipping_taxable = 0;
	char day[11];

	if (country == NULL || strlen(country) != 2)
		return refuse("to_country is required: a two-letter code");
	if (strcasecmp(country, "US") == 0 && (zip == NULL || *zip == '\0'))
		return refuse("to_zip is required for an order to the US");
	if ((strcasecmp(country, "US") == 0 || strcasecmp(country, "CA") ==
	    0) &&
	    (region == NULL || *region == '\0'))
		return refuse("to_state is required for an order to %s",
		    country);
	if (cur == NULL || !oms_currency_valid(cur))
		return refuse("currency is required: an ISO 4217 code");
	if (ex != NULL && strcmp(ex, "non_exempt") != 0 &&
	    strcmp(ex, "wholesale") != 0 && strcmp(ex, "government") != 0 &&
	    strcmp(ex, "marketplace") != 0 && strcmp(ex, "other") != 0)
		return refuse("exemption_type '%.40s' is not wholesale, "
		    "government, marketplace, other or non_exempt", ex);
	exp = oms_currency_exponent(cur);
	if (amount(cJSON_GetObjectItemCaseSensitive(req, "shipping"), exp,
	    &ship) != OMS_OK || ship < 0)
		return refuse("shipping is not an amount");
	if (!cJSON_IsArray(items))
		return refuse("line_items is required: a list");
	if (placed != NULL && strlen(placed) >= 10)
		snprintf(day, sizeof day, "%.10s", placed);
	else {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(day, sizeof day, "%Y-%m-%d", &tm);
	}
	doc = load_rates(cJSON_GetObjectItemCaseSensitive(req, "account"));
	e = exempt ? NULL : find_rate(doc, country, region, zip, day);
	if (e != NULL) {
		rate = parse_rate(oms_json_str(e, "rate"));
		shipping_taxable = cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(e, "shipping_taxable"));
	}
	reply = cJSON_CreateObject();
	cJSON_AddTrueToObject(reply, "ok");
	tax = cJSON_AddObjectToObject(reply, "tax");
	bd = cJSON_CreateObject();
	lines = cJSON_AddArrayToObject(bd, "line_items");
	cJSON_ArrayForEach(it, items) {
		const char *id = oms_json_str(it, "id");
		int64_t q = 0, u, d, gross, t;
		cJSON *li;

		/*
		 * Tax is never more than what it is on, so the order's
		 * amount, checked here, bounds every sum below.
		 */
		if (id == NULL || oms_json_int(it, "quantity", &q) != OMS_OK ||
		    !cJSON_HasObjectItem(it, "unit_price") ||
		    q < 0 || amount(cJSON_GetObjectItemCaseSensitive(it,
		    "unit_price"), exp, &u) != OMS_OK || amount(
		    cJSON_GetObjectItemCaseSensitive(it, "discount"), exp,
		    &d) != OMS_OK || __builtin_mul_overflow(u, q, &gross) ||
		    __builtin_sub_overflow(gross, d, &gross) ||
		    __builtin_add_overflow(total_amt, gross > 0 ? gross : 0,
		    &total_amt) || total_amt > INT64_MAX - ship) {
			cJSON_Delete(reply);
			cJSON_Delete(bd);
			cJSON_Delete(doc);
			return refuse("line item %d: id, quantity and "
			    "unit_price are required, and amounts in range",
			    cJSON_GetArraySize(lines) + 1);
		}
		t = tax_on(gross, rate, inclusive);
		li = cJSON_CreateObject();
		cJSON_AddStringToObject(li, "id", id);
		oms_money_json_add(li, "taxable_amount", rate > 0 && gross > 0 ?
		    gross : 0, exp);
		oms_money_json_add(li, "tax_collectable", t, exp);
		cJSON_AddNumberToObject(li, "combined_tax_rate",
		    (double)rate / PPM);
		cJSON_AddItemToArray(lines, li);
		if (rate > 0 && gross > 0)
			taxable += gross;
		collect += t;
	}
	if (shipping_taxable) {
		st = tax_on(ship, rate, inclusive);
		if (rate > 0)
			taxable += ship;
	}
	collect += st;
	oms_money_json_add(tax, "order_total_amount", total_amt + ship, exp);
	oms_money_json_add(tax, "shipping", ship, exp);
	oms_money_json_add(tax, "taxable_amount", taxable, exp);
	oms_money_json_add(tax, "amount_to_collect", collect, exp);
	cJSON_AddNumberToObject(tax, "rate", (double)rate / PPM);
	cJSON_AddBoolToObject(tax, "has_nexus", e != NULL);
	cJSON_AddBoolToObject(tax, "freight_taxable", shipping_taxable);
	cJSON_AddStringToObject(tax, "tax_source", exempt ? "exempt" :
	    "destination");
	cJSON_AddBoolToObject(tax, "prices_include_tax", inclusive);
	if (ex != NULL)
		cJSON_AddStringToObject(tax, "exemption_type", ex);
	j = cJSON_AddObjectToObject(tax, "jurisdictions");
	cJSON_AddStringToObject(j, "country", country);
	if (e != NULL && oms_json_str(e, "region") != NULL)
		cJSON_AddStringToObject(j, "state", oms_json_str(e, "region"));
	if (e != NULL && oms_json_str(e, "name") != NULL)
		cJSON_AddStringToObject(j, "name", oms_json_str(e, "name"));
	oms_money_json_add(bd, "taxable_amount", taxable, exp);
	oms_money_json_add(bd, "tax_collectable", collect, exp);
	cJSON_AddNumberToObject(bd, "combined_tax_rate", (double)rate / PPM);
	sh = cJSON_AddObjectToObject(bd, "shipping");
	oms_money_json_add(sh, "taxable_amount", shipping_taxable && rate > 0 ? ship :
	    0, exp);
	oms_money_json_add(sh, "tax_collectable", st, exp);
	cJSON_AddNumberToObject(sh, "combined_tax_rate", shipping_taxable ?
	    (double)rate / PPM : 0);
	cJSON_AddItemToObject(tax, "breakdown", bd);
	cJSON_Delete(doc);
	return reply;
}

static cJSON *
do_taxes(const cJSON *req, const char *rid)
{
	return taxes(req);
}

static int
run_taxes(struct oms_cli *cli)
{
	return oms_call_serve(cli, REQUEST_MAX, NULL, NULL, do_taxes,
	    OMS_EXIT_OK);
}

static const struct oms_opt no_opts[] = { OMS_OPT_END };

static const struct oms_verb verbs[] = {
	{ "taxes", run_taxes, "< request.json", "the tax of an order, in "
	    "the shape of TaxJar's /v2/taxes", no_opts },
	{ NULL, NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	return oms_cli_main(verbs, argc, argv);
}
