/*
 * customs.c: what an international parcel declares (oms-carrier(7)).
 *
 * A parcel whose destination country is not its location's carries a
 * customs block in its rate and label requests: for each order line it
 * holds, the goods as the catalog knows them (the product's hs_code,
 * origin_country, title and weight) and their value, the line's unit
 * price times the units in the parcel, in the order's currency.  A kit
 * line is declared as the set it is sold as, under the kit product's own
 * codes: customs classify a set put up for retail sale as one.  Carriers
 * refuse an international parcel whose goods lack an HS code or a country
 * of origin; so does oms, before the carrier is asked, naming each SKU
 * and what it lacks.
 *
 * The catalog's codes are checked when a product is stored (stock.c):
 * an hs_code is 6 to 10 digits, an origin_country a code ISO 3166-1
 * assigns.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "oms.h"
#include "ship.h"

/* The codes ISO 3166-1 alpha-2 assigns, in order. */
static const char countries[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ "
    "BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ "
    "CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ "
    "DE DJ DK DM DO DZ "
    "EC EE EG EH ER ES ET "
    "FI FJ FK FM FO FR "
    "GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY "
    "HK HM HN HR HT HU "
    "ID IE IL IM IN IO IQ IR IS IT "
    "JE JM JO JP "
    "KE KG KH KI KM KN KP KR KW KY KZ "
    "LA LB LC LI LK LR LS LT LU LV LY "
    "MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ "
    "NA NC NE NF NG NI NL NO NP NR NU NZ "
    "OM "
    "PA PE PF PG PH PK PL PM PN PR PS PT PW PY "
    "QA "
    "RE RO RS RU RW "
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ "
    "TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ "
    "UA UG UM US UY UZ "
    "VA VC VE VG VI VN VU "
    "WF WS "
    "YE YT "
    "ZA ZM ZW ";

/* Whether cc is a country code ISO 3166-1 assigns: "PT", not "pt". */
int
oms_country_valid(const char *cc)
{
	if (cc == NULL || strlen(cc) != 2 || cc[0] < 'A' || cc[0] > 'Z' ||
	    cc[1] < 'A' || cc[1] > 'Z')
		return 0;
	for (const char *p = countries; *p; p += 3)
		if (p[0] == cc[0] && p[1] == cc[1])
			return 1;
	return 0;
}

/* Whether s is an HS code as oms keeps it: 6 to 10 digits, nothing else. */
int
oms_hs_code_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n >= 6 && n <= 10 && strspn(s, "0123456789") == n;
}

/*
 * Whether a parcel from address from to address to crosses a border:
 * both countries known, and not the same.
 */
int
oms_customs_needed(const cJSON *from, const cJSON *to)
{
	const char *a = oms_json_str(from, "country");
	const char *b = oms_json_str(to, "country");

	return a != NULL && b != NULL && *a && *b && strcasecmp(a, b) != 0;
}

struct cline {
	int line_no;
	int64_t units, grams;
	int kit;
};

/* What a product lacks for customs, said once per SKU into b. */
static void
lacks(struct oms_buf *b, const char *sku, const char *hs, const char *cc,
    int known)
{
	int nohs = hs == NULL || *hs == '\0', nocc = cc == NULL || *cc == '\0';

	oms_buf_printf(b, "%sSKU %s ", b->len ? "; " : "", sku);
	if (!known)
		oms_buf_adds(b, "is not in the catalog");
	else if (nohs && nocc)
		oms_buf_adds(b, "has no hs_code and no origin_country");
	else if (nohs)
		oms_buf_adds(b, "has no hs_code");
	else if (nocc)
		oms_buf_adds(b, "has no origin_country");
	else if (!oms_hs_code_valid(hs))
		oms_buf_printf(b, "has hs_code '%.40s', not 6 to 10 digits", hs);
	else
		oms_buf_printf(b, "has origin_country '%.40s', not an ISO "
		    "3166 code", cc);
}

/*
 * The customs block of the goods g[0..n) of order order_id (each an
 * allocation: its line, its sku, a kit line's component, and units)
 * going to country dest.  OMS_REJECT, naming every SKU and what it
 * lacks, when one has no HS code or country of origin.
 */
int
oms_customs_block(oms_db *db, int64_t order_id, const char *dest,
    const struct oms_customs_goods *g, int n, cJSON **out)
{
	static const char sql_order[] =
	    "SELECT currency FROM orders WHERE id = ?";
	static const char sql_line[] =
	    "SELECT sku, title, coalesce(unit_price, 0) FROM order_lines "
	    "WHERE order_id = ? AND line_no = ?";
	static const char sql_product[] =
	    "SELECT title, coalesce(weight_g, 0), record ->> '$.hs_code', "
	    "record ->> '$.origin_country' FROM products WHERE sku = ?";
	static const char sql_per[] =
	    "SELECT qty FROM kit_components WHERE kit_sku = ? AND sku = ?";
	struct cline *ls = ecalloc((size_t)(n ? n : 1), sizeof *ls);
	struct oms_buf bad = { 0 };
	cJSON *block = NULL, *items;
	char cur[8] = "", buf[OMS_MONEY_BUFSZ];
	int nl = 0, rc = OMS_OK, exp;
	int64_t total = 0;
	oms_stmt *st;

	*out = NULL;
	if ((st = oms_db_query(db, sql_order, "I", order_id)) == NULL) {
		free(ls);
		return OMS_ERR;
	}
	if ((rc = oms_step(st)) == OMS_ROW)
		snprintf(cur, sizeof cur, "%s", oms_col_str(st, 0));
	oms_reset(st);
	if (rc != OMS_ROW) {
		free(ls);
		return oms_db_fail(db, rc, "cannot read an order");
	}
	exp = oms_currency_exponent(cur);
	/* The goods by line, in the order of the lines. */
	for (int i = 0; i < n; i++) {
		int k;

		for (k = 0; k < nl && ls[k].line_no != g[i].line_no; k++)
			;
		if (k == nl) {
			int j = nl++;

			while (j > 0 && ls[j - 1].line_no > g[i].line_no) {
				ls[j] = ls[j - 1];
				j--;
			}
			memset(&ls[j], 0, sizeof ls[j]);
			ls[j].line_no = g[i].line_no;
		}
	}
	block = cJSON_CreateObject();
	cJSON_AddStringToObject(block, "contents_type", "merchandise");
	cJSON_AddStringToObject(block, "currency", cur);
	cJSON_AddNullToObject(block, "value");	/* the sum, once known */
	items = cJSON_AddArrayToObject(block, "items");
	for (int k = 0; k < nl && rc != OMS_ERR; k++) {
		struct cline *l = &ls[k];
		char *lsku = NULL, *ltitle = NULL, *title = NULL;
		char *hs = NULL, *cc = NULL;
		int64_t price = 0, value = 0;
		int known = 0;
		cJSON *it;

		if ((st = oms_db_query(db, sql_line, "Ii", order_id,
		    l->line_no)) == NULL) {
			rc = OMS_ERR;
			break;
		}
		if ((rc = oms_step(st)) == OMS_ROW) {
			if (!oms_col_null(st, 0))
				lsku = estrdup(oms_col_text(st, 0));
			if (!oms_col_null(st, 1))
				ltitle = estrdup(oms_col_text(st, 1));
			price = oms_col_int64(st, 2);
		}
		oms_reset(st);
		if (rc != OMS_ROW && rc != OMS_DONE) {
			rc = oms_db_fail(db, rc, "cannot read an order line");
			break;
		}
		rc = OMS_OK;
		/* Units and weight of the goods; a kit line in kits. */
		for (int i = 0; i < n && rc == OMS_OK; i++) {
			int64_t w = 0, per = 1;

			if (g[i].line_no != l->line_no)
				continue;
			if ((st = oms_db_query(db, sql_product, "t",
			    g[i].sku)) == NULL) {
				rc = OMS_ERR;
				break;
			}
			if ((rc = oms_step(st)) == OMS_ROW)
				w = oms_col_int64(st, 1);
			oms_reset(st);
			if (rc != OMS_ROW && rc != OMS_DONE) {
				rc = oms_db_fail(db, rc, "cannot read a product");
				break;
			}
			rc = OMS_OK;
			l->grams = oms_sat_add(l->grams, oms_sat_mul(w,
			    g[i].qty));
			if (lsku == NULL || strcmp(lsku, g[i].sku) == 0) {
				l->units = oms_sat_add(l->units, g[i].qty);
				continue;
			}
			l->kit = 1;
			if ((st = oms_db_query(db, sql_per, "tt", lsku,
			    g[i].sku)) == NULL) {
				rc = OMS_ERR;
				break;
			}
			if ((rc = oms_step(st)) == OMS_ROW &&
			    oms_col_int64(st, 0) > 0)
				per = oms_col_int64(st, 0);
			oms_reset(st);
			if (rc != OMS_ROW && rc != OMS_DONE) {
				rc = oms_db_fail(db, rc, "cannot read a kit");
				break;
			}
			rc = OMS_OK;
			/* The kits these parts are of, a part kit whole. */
			if ((g[i].qty + per - 1) / per > l->units)
				l->units = (g[i].qty + per - 1) / per;
		}
		/* The line's product: a kit line's is the kit's. */
		if (rc == OMS_OK) {
			const char *psku = lsku ? lsku : "";

			if ((st = oms_db_query(db, sql_product, "t", psku)) ==
			    NULL)
				rc = OMS_ERR;
			else {
				if ((rc = oms_step(st)) == OMS_ROW) {
					known = 1;
					if (!oms_col_null(st, 0))
						title = estrdup(oms_col_text(st,
						    0));
					if (!oms_col_null(st, 2))
						hs = estrdup(oms_col_text(st, 2));
					if (!oms_col_null(st, 3))
						cc = estrdup(oms_col_text(st, 3));
				}
				oms_reset(st);
				rc = rc == OMS_ROW || rc == OMS_DONE ? OMS_OK :
				    oms_db_fail(db, rc, "cannot read a product");
			}
		}
		if (rc == OMS_OK && (!known || !oms_hs_code_valid(hs) ||
		    !oms_country_valid(cc)))
			lacks(&bad, lsku ? lsku : "(none)", hs, cc, known);
		else if (rc == OMS_OK) {
			if (__builtin_mul_overflow(price, l->units, &value) ||
			    __builtin_add_overflow(total, value, &total))
				rc = oms_reject("the goods' value is too large "
				    "to declare");
		}
		if (rc == OMS_OK && bad.len == 0) {
			it = cJSON_CreateObject();
			cJSON_AddNumberToObject(it, "line_no", l->line_no);
			cJSON_AddStringToObject(it, "sku", lsku);
			cJSON_AddStringToObject(it, "description", title && *title ?
			    title : ltitle && *ltitle ? ltitle : lsku);
			cJSON_AddStringToObject(it, "hs_code", hs);
			cJSON_AddStringToObject(it, "origin_country", cc);
			cJSON_AddNumberToObject(it, "qty", (double)l->units);
			cJSON_AddStringToObject(it, "unit_value", oms_money_format(
			    price, exp, buf, sizeof buf));
			cJSON_AddStringToObject(it, "value", oms_money_format(value,
			    exp, buf, sizeof buf));
			cJSON_AddStringToObject(it, "currency", cur);
			cJSON_AddNumberToObject(it, "weight_g", (double)l->grams);
			if (l->kit)
				cJSON_AddTrueToObject(it, "kit");
			cJSON_AddItemToArray(items, it);
		}
		free(lsku);
		free(ltitle);
		free(title);
		free(hs);
		free(cc);
		if (rc != OMS_OK)
			break;
	}
	free(ls);
	if (rc == OMS_OK && bad.len > 0)
		rc = oms_reject("customs for a parcel to %s: %s: carriers refuse "
		    "an international parcel without them; add them to the "
		    "product in the catalog (oms-stock) and ship again", dest,
		    bad.s);
	oms_buf_free(&bad);
	if (rc != OMS_OK) {
		cJSON_Delete(block);
		return rc;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(block, "value",
	    cJSON_CreateString(oms_money_format(total, exp, buf, sizeof buf)));
	*out = block;
	return OMS_OK;
}
