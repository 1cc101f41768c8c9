/*
 * Unit tests for lib/exchange.c: exchanges (even, up and down in price,
 * advance, lapsed), their refusals, on a real temporary database.
 *
 * The returns are written as rows here: lib/rma.c (oms_return_request,
 * oms_return_receive) is written at the same time as this.
 *
 * With OMS_UNIT_DB set, the database is made there and kept, for
 * t/5100-exchange.bats to run `oms check` on.  With arguments it drives
 * the functions on a database oms programs made:
 *
 *	exchange DB exchange RETURN SPEC
 *	exchange DB settle RETURN received|lapsed
 *	exchange DB reship ORDER SPEC
 *
 * printing the records as JSON lines; exit 1 with the message when
 * refused, 3 when anything else failed.
 */
#include <stdlib.h>
#include <unistd.h>

#include "oms.h"
#include "order.h"
#include "rma.h"
#include "stock.h"
#include "unit.h"

static oms_db *db;

static int
apply(const char *json)
{
	cJSON *r = cJSON_Parse(json), *echo = NULL;
	int rc = oms_stock_apply(db, r, &echo);

	cJSON_Delete(r);
	cJSON_Delete(echo);
	return rc;
}

/* Order EXT of channel shop: 2 A at 25.00 less 5.00 with 3.60 tax, 1 C. */
static int64_t
mkorder(const char *ext, const char *cur)
{
	static const char tmpl[] =
	    "{\"type\":\"order\",\"channel\":\"shop\",\"external_id\":\"%s\","
	    "\"currency\":\"%s\",\"customer\":{\"email\":\"zoe@example.com\"},"
	    "\"ship_to\":{\"name\":\"Zoe\",\"address1\":\"1 Main St\","
	    "\"city\":\"New York\",\"region\":\"NY\",\"postal_code\":\"10001\","
	    "\"country\":\"US\"},\"service\":\"standard\",\"lines\":["
	    "{\"line_id\":\"L1\",\"sku\":\"A\",\"qty\":2,\"unit_price\":\"%s\","
	    "\"discount\":\"%s\",\"tax\":\"%s\"},{\"line_id\":\"L2\","
	    "\"sku\":\"C\",\"qty\":1,\"unit_price\":\"%s\"}]}";
	char buf[1024];
	int jpy = strcmp(cur, "JPY") == 0;
	struct oms_store_in in = { 0 };
	struct oms_store res;
	cJSON *o;
	int rc;

	snprintf(buf, sizeof buf, tmpl, ext, cur, jpy ? "2500" : "25.00",
	    jpy ? "500" : "5.00", jpy ? "360" : "3.60", jpy ? "1000" : "10.00");
	o = cJSON_Parse(buf);
	in.source = "oms";
	if (oms_order_normalize(o, OMS_NORM_CANONICAL) != OMS_OK) {
		cJSON_Delete(o);
		return 0;
	}
	oms_db_begin(db);
	rc = oms_order_store(db, o, &in, &res);
	oms_db_commit(db);
	cJSON_Delete(o);
	cJSON_Delete(res.record);
	cJSON_Delete(res.reasons);
	return rc == OMS_OK ? res.id : 0;
}

/* As a receipt counts them: the units of line 1 of order id back. */
static int
receive(int64_t id, int n)
{
	static const char sql[] =
	    "UPDATE order_lines SET returned = returned + ? "
	    "WHERE order_id = ? AND line_no = 1";

	return oms_db_run(db, sql, "receive", "iI", n, id);
}

/* A return of 1 unit of line 1 of order id, received or not. */
static int64_t
mkreturn(int64_t id, const char *state, int received, const char *res)
{
	static const char sql_r[] =
	    "INSERT INTO returns (order_id, key, state, policy, requested_at, "
	    "updated_at, record) VALUES (?, ?, ?, '{}', "
	    "'2026-11-26T15:00:00Z', '2026-11-26T15:00:00Z', '{}')";
	static const char sql_l[] =
	    "INSERT INTO return_lines (return_id, line_no, order_line, sku, "
	    "qty, reason, resolution, received) VALUES (?, 1, 1, 'A', 1, "
	    "'size_too_small', ?, ?)";
	static int n;
	char key[32];
	int64_t r;

	snprintf(key, sizeof key, "unit-%d", ++n);
	if (oms_db_run(db, sql_r, "return", "Iss", id, key, state) != OMS_OK)
		return 0;
	r = oms_db_last_id(db);
	if (oms_db_run(db, sql_l, "return line", "Isi", r, res, received) !=
	    OMS_OK || receive(id, received) != OMS_OK)
		return 0;
	return r;
}

static int
exchange(int64_t r, const char *spec, cJSON **out)
{
	cJSON *s = cJSON_Parse(spec);
	int rc = oms_exchange_create(db, r, s, out);

	cJSON_Delete(s);
	return rc;
}

/* Item i of out, printed. */
static char *
item(const cJSON *out, int i)
{
	static char buf[4096];
	char *t = cJSON_PrintUnformatted(cJSON_GetArrayItem(out, i));

	snprintf(buf, sizeof buf, "%s", t ? t : "(none)");
	free(t);
	return buf;
}

static const char *
xfield(const cJSON *out, const char *key)
{
	static char buf[512];
	const cJSON *o = cJSON_GetArrayItem(out, 0);
	char *t = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(o,
	    key));

	snprintf(buf, sizeof buf, "%s", t ? t : "(none)");
	free(t);
	return buf;
}

static int
drive(int argc, char **argv)
{
	cJSON *spec = NULL, *out = NULL, *r;
	int64_t id;
	int rc;

	if (argc != 5)
		return 2;
	if (oms_db_open(argv[1], 0, &db) != OMS_OK) {
		fprintf(stderr, "exchange: %s\n", oms_error());
		return 3;
	}
	id = strtoll(argv[3] + (argv[3][1] == '_' ? 2 : 0), NULL, 10);
	if (strcmp(argv[2], "settle") == 0)
		rc = oms_exchange_settle(db, id, strcmp(argv[4], "lapsed") == 0,
		    &out);
	else {
		if ((spec = cJSON_Parse(argv[4])) == NULL)
			return 2;
		if (strcmp(argv[2], "exchange") == 0)
			rc = oms_exchange_create(db, id, spec, &out);
		else
			rc = oms_reship_create(db, id, spec, &out);
	}
	if (rc != OMS_OK)
		fprintf(stderr, "exchange: %s\n", oms_error());
	cJSON_ArrayForEach(r, out)
		oms_rec_write(stdout, r);
	cJSON_Delete(spec);
	cJSON_Delete(out);
	oms_db_close(db);
	return rc == OMS_OK ? 0 : rc == OMS_REJECT ? 1 : 3;
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/oms-unit-exchange-XXXXXX", path[4096];
	const char *keep = getenv("OMS_UNIT_DB");
	cJSON *out = NULL;
	int64_t o, r, r2;
	int rc;

	oms_setprogname("exchange");
	setenv("OMS_NOW", "2026-11-26T15:00:00Z", 1);
	if (argc > 1)
		return drive(argc, argv);
	if (keep != NULL)
		snprintf(path, sizeof path, "%s", keep);
	else {
		if (mkdtemp(dir) == NULL)
			return 1;
		snprintf(path, sizeof path, "%s/u.db", dir);
	}
	OK(oms_db_open(path, OMS_DB_CREATE, &db) == OMS_OK, "open a new "
	    "database");
	OK(apply("{\"type\":\"location\",\"id\":\"EWR1\"}") == OMS_OK &&
	    apply("{\"type\":\"product\",\"sku\":\"A\"}") == OMS_OK &&
	    apply("{\"type\":\"product\",\"sku\":\"B\"}") == OMS_OK &&
	    apply("{\"type\":\"product\",\"sku\":\"C\"}") == OMS_OK &&
	    apply("{\"type\":\"product\",\"sku\":\"D\"}") == OMS_OK &&
	    apply("{\"type\":\"listing\",\"channel\":\"shop\",\"channel_sku\":"
	    "\"A\",\"sku\":\"A\",\"price\":\"25.00\",\"currency\":\"USD\"}") ==
	    OMS_OK &&
	    apply("{\"type\":\"listing\",\"channel\":\"shop\",\"channel_sku\":"
	    "\"B\",\"sku\":\"B\",\"price\":\"30.00\",\"currency\":\"USD\"}") ==
	    OMS_OK &&
	    apply("{\"type\":\"listing\",\"channel\":\"shop\",\"channel_sku\":"
	    "\"C\",\"sku\":\"C\",\"price\":\"10.00\",\"currency\":\"USD\"}") ==
	    OMS_OK &&
	    apply("{\"type\":\"listing\",\"channel\":\"shop\",\"channel_sku\":"
	    "\"D\",\"sku\":\"D\"}") == OMS_OK, "a catalog");

	/*
	 * One unit of line 1 comes back: 25.00 less half the 5.00 discount,
	 * plus half the 3.60 tax: 24.30.  The line's rate: 3.60 / 45.00, 8%.
	 */
	o = mkorder("1001", "USD");
	r = mkreturn(o, "received", 1, "exchange");
	OK(o > 0 && r > 0, "an order and its return");
	rc = exchange(r, "{\"lines\":[{\"sku\":\"B\",\"qty\":1,"
	    "\"unit_price\":\"22.50\"}]}", &out);
	OK(rc == OMS_OK && cJSON_GetArraySize(out) == 1, "an even exchange: "
	    "the order, no money");
	STR_EQ(item(out, 0), "{\"type\":\"order\",\"id\":\"o_2\",\"channel\":"
	    "\"oms\",\"account\":\"shop\",\"external_id\":\"1001-X1\","
	    "\"status\":\"open\",\"placed_at\":\"2026-11-26T15:00:00Z\","
	    "\"currency\":\"USD\",\"customer\":{\"email\":\"zoe@example.com\"},"
	    "\"ship_to\":{\"name\":\"Zoe\",\"address1\":\"1 Main St\","
	    "\"city\":\"New York\",\"region\":\"NY\",\"postal_code\":\"10001\","
	    "\"country\":\"US\"},\"service\":\"standard\",\"lines\":[{"
	    "\"line_id\":\"X1\",\"sku\":\"B\",\"qty\":1,\"unit_price\":"
	    "\"22.50\",\"tax\":\"1.80\"}],\"totals\":{\"subtotal\":\"22.50\","
	    "\"shipping\":\"0.00\",\"discount\":\"0.00\",\"tax\":\"1.80\","
	    "\"total\":\"24.30\"},\"original\":{\"order\":\"o_1\",\"channel\":"
	    "\"shop\",\"external_id\":\"1001\"},\"origin\":\"exchange\","
	    "\"exchange\":{\"return\":\"r_1\",\"original\":\"o_1\",\"key\":"
	    "\"r_1:exchange\",\"value\":\"24.30\",\"credit\":\"24.30\","
	    "\"difference\":\"0.00\",\"currency\":\"USD\",\"advance\":false,"
	    "\"replaces\":[1],\"state\":\"settled\"}}",
	    "the whole exchange order: channel oms, the original's account "
	    "and number, taxed at 8%%");
	{
		oms_stmt *st = oms_db_query(db, "SELECT parent_id, origin, "
		    "return_id, status FROM orders WHERE id = 2", "");

		OK(st != NULL && oms_step(st) == OMS_ROW &&
		    oms_col_int64(st, 0) == o && strcmp(oms_col_text(st, 1),
		    "exchange") == 0 && oms_col_int64(st, 2) == r &&
		    strcmp(oms_col_text(st, 3), "open") == 0,
		    "linked: parent, origin, return; open to be routed");
		oms_reset(st);
		st = oms_db_query(db, "SELECT group_concat(order_id || ' ' || "
		    "action, ', ') FROM (SELECT order_id, action FROM events "
		    "WHERE order_id IN (1, 2) ORDER BY id)", "");
		OK(st != NULL && oms_step(st) == OMS_ROW, "the events");
		STR_EQ(oms_col_text(st, 0), "1 created, 2 created, 1 exchanged, "
		    "2 exchange", "an event on each order");
		oms_reset(st);
	}
	cJSON_Delete(out);

	/* The same key again: the same order, nothing new. */
	rc = exchange(r, "{\"lines\":[{\"sku\":\"B\",\"qty\":1,"
	    "\"unit_price\":\"99.00\"}]}", &out);
	OK(rc == OMS_OK && strcmp(xfield(out, "id"), "\"o_2\"") == 0 &&
	    strcmp(xfield(out, "duplicate"), "true") == 0,
	    "the same key twice gives the first exchange back, said so");
	cJSON_Delete(out);
	rc = exchange(r, "{\"key\":\"other\",\"lines\":[{\"sku\":\"B\","
	    "\"qty\":1}]}", &out);
	OK(rc == OMS_REJECT && out == NULL, "a second exchange of a return "
	    "under another key is refused");
	STR_EQ(oms_error(), "return r_1 has an exchange already: o_2 (key "
	    "'r_1:exchange')", "saying which");

	/* Up: B at its listing's 30.00, tax 2.40: 32.40 - 24.30. */
	o = mkorder("1002", "USD");
	r = mkreturn(o, "inspected", 1, "exchange");
	rc = exchange(r, "{\"lines\":[{\"sku\":\"B\",\"qty\":1}]}", &out);
	OK(rc == OMS_OK && cJSON_GetArraySize(out) == 2, "an exchange up in "
	    "price: the order and a charge");
	STR_EQ(xfield(out, "exchange"), "{\"return\":\"r_2\",\"original\":"
	    "\"o_3\",\"key\":\"r_2:exchange\",\"value\":\"32.40\",\"credit\":"
	    "\"24.30\",\"difference\":\"8.10\",\"currency\":\"USD\","
	    "\"advance\":false,\"replaces\":[1],\"state\":\"settled\"}",
	    "the price of the listing of the order's channel");
	STR_EQ(item(out, 1), "{\"type\":\"charge\",\"order\":\"o_4\","
	    "\"exchange\":\"o_4\",\"return\":\"r_2\",\"key\":"
	    "\"exchange:o_4:charge\",\"currency\":\"USD\",\"amount\":\"8.10\","
	    "\"reason\":\"exchange o_4 is worth 8.10 more than the units it "
	    "replaces\"}", "the charge of the difference");
	cJSON_Delete(out);

	/* Down: 20.00 and 1.60 tax: 21.60 - 24.30. */
	o = mkorder("1003", "USD");
	r = mkreturn(o, "closed", 1, "refund");
	rc = exchange(r, "{\"lines\":[{\"sku\":\"B\",\"qty\":1,"
	    "\"unit_price\":\"20.00\",\"for_line\":1}]}", &out);
	OK(rc == OMS_OK && cJSON_GetArraySize(out) == 2, "an exchange down "
	    "in price, for a line named: the order and a refund");
	STR_EQ(item(out, 1), "{\"type\":\"refund\",\"order\":\"o_5\","
	    "\"exchange\":\"o_6\",\"return\":\"r_3\",\"key\":"
	    "\"exchange:o_6:refund\",\"source\":\"exchange\",\"currency\":"
	    "\"USD\",\"total\":\"2.70\",\"reason\":\"exchange o_6 is worth 2.70 "
	    "less than the units it replaces\"}", "the refund of the difference, "
	    "on the original order");
	cJSON_Delete(out);

	/* JPY: no minor unit.  2500 - 250 + 180 = 2430; 3000 + 240. */
	o = mkorder("1004", "JPY");
	r = mkreturn(o, "received", 1, "exchange");
	rc = exchange(r, "{\"lines\":[{\"sku\":\"B\",\"qty\":1,"
	    "\"unit_price\":\"3000\"}]}", &out);
	STR_EQ(rc == OMS_OK ? xfield(out, "exchange") : oms_error(),
	    "{\"return\":\"r_4\",\"original\":\"o_7\",\"key\":\"r_4:exchange\","
	    "\"value\":\"3240\",\"credit\":\"2430\",\"difference\":\"810\","
	    "\"currency\":\"JPY\",\"advance\":false,\"replaces\":[1],"
	    "\"state\":\"settled\"}", "in yen");
	cJSON_Delete(out);
	r = mkreturn(o, "received", 1, "exchange");
	rc = exchange(r, "{\"lines\":[{\"sku\":\"B\",\"qty\":1}]}", &out);
	OK(rc == OMS_REJECT, "a listing priced in another currency");
	STR_EQ(oms_error(), "exchange line 1: the listing of B on shop is "
	    "priced in USD, the order in JPY: give unit_price", "is refused, "
	    "saying so");

	/* Advance: the whole 32.40 held, then the return comes in. */
	o = mkorder("1005", "USD");
	r = mkreturn(o, "authorized", 0, "exchange");
	rc = exchange(r, "{\"lines\":[{\"sku\":\"B\",\"qty\":1}]}", &out);
	OK(rc == OMS_REJECT, "an exchange before the return is in, not "
	    "advance");
	STR_EQ(oms_error(), "return r_6 line 1: 0 of 1 units received; an "
	    "exchange that ships before the return is in is an advance "
	    "exchange (\"advance\":true)", "is refused, saying what to do");
	rc = exchange(r, "{\"advance\":true,\"lines\":[{\"sku\":\"B\","
	    "\"qty\":1}]}", &out);
	OK(rc == OMS_OK && cJSON_GetArraySize(out) == 2, "an advance "
	    "exchange: the order and a hold");
	STR_EQ(xfield(out, "exchange"), "{\"return\":\"r_6\",\"original\":"
	    "\"o_9\",\"key\":\"r_6:exchange\",\"value\":\"32.40\",\"credit\":"
	    "\"24.30\",\"difference\":\"8.10\",\"currency\":\"USD\","
	    "\"advance\":true,\"replaces\":[1],\"held\":\"32.40\",\"state\":"
	    "\"held\"}", "its whole value held");
	STR_EQ(item(out, 1), "{\"type\":\"hold\",\"order\":\"o_10\","
	    "\"exchange\":\"o_10\",\"return\":\"r_6\",\"key\":"
	    "\"exchange:o_10:hold\",\"currency\":\"USD\",\"amount\":\"32.40\","
	    "\"reason\":\"advance exchange o_10 ships before the return r_6 "
	    "arrives\"}", "the hold record");
	cJSON_Delete(out);
	rc = oms_exchange_settle(db, r, 0, &out);
	OK(rc == OMS_OK, "settled as received before it is (a receipt of "
	    "another line of it)");
	STR_EQ(item(out, 0), "{\"type\":\"exchange\",\"order\":\"o_10\","
	    "\"return\":\"r_6\",\"state\":\"held\",\"waiting\":\"line 1: "
	    "0 of 1 units received\"}", "stays held, saying what it waits for");
	OK(cJSON_GetArraySize(out) == 1, "  and no money moves");
	cJSON_Delete(out);
	oms_db_run(db, "UPDATE return_lines SET received = 1 WHERE "
	    "return_id = ?", "receive", "I", r);
	receive(o, 1);
	rc = oms_exchange_settle(db, r, 1, &out);
	OK(rc == OMS_REJECT, "a return in cannot lapse");
	rc = oms_exchange_settle(db, r, 0, &out);
	OK(rc == OMS_OK && cJSON_GetArraySize(out) == 2, "the return in: "
	    "settled");
	STR_EQ(item(out, 0), "{\"type\":\"exchange\",\"order\":\"o_10\","
	    "\"return\":\"r_6\",\"original\":\"o_9\",\"difference\":\"8.10\","
	    "\"currency\":\"USD\",\"state\":\"settled\"}", "with the "
	    "difference");
	STR_EQ(item(out, 1), "{\"type\":\"charge\",\"order\":\"o_10\","
	    "\"exchange\":\"o_10\",\"return\":\"r_6\",\"key\":"
	    "\"exchange:o_10:charge\",\"currency\":\"USD\",\"amount\":\"8.10\","
	    "\"reason\":\"exchange o_10 is worth 8.10 more than the units it "
	    "replaces\"}", "charged");
	cJSON_Delete(out);
	rc = oms_exchange_settle(db, r, 0, &out);
	OK(rc == OMS_OK && cJSON_GetArraySize(out) == 1, "settled twice");
	STR_EQ(item(out, 0), "{\"type\":\"exchange\",\"order\":\"o_10\","
	    "\"return\":\"r_6\",\"state\":\"settled\",\"duplicate\":true}",
	    "the second time does nothing, and says so");
	cJSON_Delete(out);
	{
		cJSON *x = oms_order_record(db, 10);

		STR_EQ(oms_json_str(cJSON_GetObjectItemCaseSensitive(x,
		    "exchange"), "state"), "settled", "the state stored on the "
		    "exchange order");
		cJSON_Delete(x);
	}

	/* Advance, and the window lapses: the whole value charged. */
	o = mkorder("1006", "USD");
	r = mkreturn(o, "authorized", 0, "exchange");
	rc = exchange(r, "{\"advance\":true,\"key\":\"adv-6\",\"lines\":[{"
	    "\"sku\":\"B\",\"qty\":1}]}", &out);
	OK(rc == OMS_OK, "another advance exchange");
	cJSON_Delete(out);
	rc = oms_exchange_settle(db, r, 1, &out);
	OK(rc == OMS_OK && cJSON_GetArraySize(out) == 2, "its window lapsed");
	STR_EQ(item(out, 1), "{\"type\":\"charge\",\"order\":\"o_12\","
	    "\"exchange\":\"o_12\",\"return\":\"r_7\",\"key\":"
	    "\"exchange:o_12:charge\",\"currency\":\"USD\",\"amount\":\"32.40\","
	    "\"reason\":\"advance exchange o_12: the return r_7 did not arrive "
	    "in its window\"}", "the whole held value charged");
	cJSON_Delete(out);
	rc = oms_exchange_settle(db, r, 0, &out);
	OK(rc == OMS_OK && strcmp(item(out, 0), "{\"type\":\"exchange\","
	    "\"order\":\"o_12\",\"return\":\"r_7\",\"state\":\"charged\","
	    "\"duplicate\":true}") == 0, "then nothing more, either way");
	cJSON_Delete(out);
	rc = exchange(r, "{\"key\":\"adv-6\",\"lines\":[{\"sku\":\"B\","
	    "\"qty\":1}]}", &out);
	OK(rc == OMS_OK && cJSON_GetArraySize(out) == 2 &&
	    strstr(item(out, 1), "\"amount\":\"32.40\"") != NULL,
	    "the key replayed after: the charge it came to");
	cJSON_Delete(out);

	/* The refusals, each with its reason. */
	o = mkorder("1007", "USD");
	r = mkreturn(o, "received", 1, "refund");
	r2 = mkreturn(o, "declined", 0, "exchange");
	{
		static const struct {
			int r;
			const char *spec, *msg;
		} bad[] = {
			{ 99, "{\"lines\":[{\"sku\":\"B\",\"qty\":1}]}",
			  "no return r_99" },
			{ 0, "{\"lines\":[]}", "an exchange needs lines: "
			  "[{\"sku\":...,\"qty\":...}]" },
			{ 0, "{\"lines\":[{\"sku\":\"B\",\"qty\":0}]}",
			  "exchange line 1: qty must be a whole number from 1 "
			  "to 1000000" },
			{ 0, "{\"lines\":[{\"sku\":\"B\",\"qty\":1,"
			  "\"unit_price\":12}]}", "exchange line 1: unit_price "
			  "must be an amount of 0 or more, as a string" },
			{ 0, "{\"advance\":\"yes\",\"lines\":[]}",
			  "advance must be true or false" },
			{ 0, "{\"lines\":[{\"sku\":\"B\",\"qty\":1}]}",
			  "return r_8 has no line to be exchanged: name the "
			  "line each exchange line replaces with for_line" },
			{ 0, "{\"lines\":[{\"sku\":\"B\",\"qty\":1,"
			  "\"for_line\":2}]}", "exchange line 1: return r_8 has "
			  "no line 2" },
			{ 0, "{\"lines\":[{\"sku\":\"D\",\"qty\":1,"
			  "\"for_line\":1}]}", "exchange line 1: no unit_price, "
			  "and shop has no listing of D with a price: give "
			  "unit_price" },
			{ 0, "{\"lines\":[{\"sku\":\"Z\",\"qty\":1,"
			  "\"for_line\":1}]}", "exchange line 1: no product Z "
			  "in the catalog" },
			{ 0, "{\"key\":\"r_1:exchange\",\"lines\":[{\"sku\":"
			  "\"B\",\"qty\":1,\"for_line\":1}]}", "key "
			  "'r_1:exchange' is the exchange o_2 of return r_1, "
			  "not of r_8" },
			{ -1, "{\"lines\":[{\"sku\":\"B\",\"qty\":1}]}",
			  "return r_9 is declined: nothing to exchange" },
		};

		for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			out = NULL;
			rc = exchange(bad[i].r == 0 ? r : bad[i].r < 0 ? r2 :
			    bad[i].r, bad[i].spec, &out);
			OK(rc == OMS_REJECT && out == NULL, "refused: %s",
			    bad[i].spec);
			STR_EQ(oms_error(), bad[i].msg, "  saying why");
		}
	}
	{
		oms_stmt *st = oms_db_query(db, "SELECT count(*) FROM orders "
		    "WHERE origin = 'exchange'", "");

		OK(st != NULL && oms_step(st) == OMS_ROW &&
		    oms_col_int(st, 0) == 6, "a refusal stores nothing");
		oms_reset(st);
	}
	rc = oms_exchange_settle(db, r, 0, &out);
	OK(rc == OMS_REJECT, "settling a return with no exchange");
	STR_EQ(oms_error(), "return r_8 has no exchange", "is refused");

	/* VAT in the prices: 24.00 a unit back; B at 30.00 holds 5.00. */
	{
		static const char vat[] = "{\"type\":\"order\",\"channel\":"
		    "\"shop\",\"external_id\":\"2001\",\"currency\":\"EUR\","
		    "\"ship_to\":{\"address1\":\"Hauptstr. 1\",\"city\":"
		    "\"Berlin\",\"postal_code\":\"10115\",\"country\":\"DE\"},"
		    "\"lines\":[{\"sku\":\"A\",\"qty\":2,\"unit_price\":"
		    "\"24.00\",\"tax\":\"8.00\"}],\"totals\":{"
		    "\"tax_included\":true}}";
		struct oms_store_in in = { 0 };
		struct oms_store res;
		cJSON *v = cJSON_Parse(vat);

		in.source = "oms";
		oms_order_normalize(v, OMS_NORM_CANONICAL);
		oms_db_begin(db);
		rc = oms_order_store(db, v, &in, &res);
		oms_db_commit(db);
		cJSON_Delete(v);
		cJSON_Delete(res.record);
		cJSON_Delete(res.reasons);
		o = res.id;
	}
	r = mkreturn(o, "received", 1, "exchange");
	rc = exchange(r, "{\"lines\":[{\"sku\":\"B\",\"qty\":1,"
	    "\"unit_price\":\"30.00\"}]}", &out);
	OK(rc == OMS_OK, "an exchange of an order whose prices hold the tax");
	STR_EQ(xfield(out, "lines"), "[{\"line_id\":\"X1\",\"sku\":\"B\","
	    "\"qty\":1,\"unit_price\":\"30.00\",\"tax\":\"5.00\"}]",
	    "the tax inside its price, at the line's rate");
	STR_EQ(xfield(out, "totals"), "{\"subtotal\":\"30.00\",\"shipping\":"
	    "\"0.00\",\"discount\":\"0.00\",\"tax\":\"5.00\","
	    "\"tax_included\":true,\"total\":\"30.00\"}", "not added to "
	    "the total");
	STR_EQ(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(out, 0), "exchange"), "difference")->valuestring,
	    "6.00", "30.00 against the 24.00 a unit came to");
	cJSON_Delete(out);

	oms_db_close(db);
	if (keep == NULL) {
		unlink(path);
		rmdir(dir);
	}
	return UNIT_DONE();
}
