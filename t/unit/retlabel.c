/*
 * Unit tests for lib/retlabel.c: return labels bought from the real
 * offline adapter (build/bin/oms-carrier-offline, put first on PATH, as
 * t/4200-ship.bats finds it) into a real temporary database, and the
 * inbound tracking that moves the return.
 *
 * With arguments it makes one return label instead, for
 * t/5200-return-label.bats to read, render and scan:
 *
 *	retlabel label DIR [FORMAT]
 *
 * writes the label files into DIR and the return_label record on stdout.
 * t/run runs it with none.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"
#include "order.h"
#include "rma.h"
#include "stock.h"
#include "tracking.h"
#include "unit.h"

#define T0 "2026-11-26T15:00:00Z"

static char tmp[] = "/tmp/oms-unit-retlabel-XXXXXX";
static char dbpath[PATH_MAX];

/* The programs beside this one's build, and the tree's data files. */
static void
environment(const char *argv0)
{
	char self[PATH_MAX], dir[PATH_MAX], path[3 * PATH_MAX];
	const char *old = getenv("PATH");

	if (realpath(argv0, self) == NULL)
		snprintf(self, sizeof self, "%s", argv0);
	snprintf(dir, sizeof dir, "%s", dirname(self));
	snprintf(path, sizeof path, "%s/../bin:%s:%s", dir, tmp,
	    old ? old : "/usr/bin:/bin");
	setenv("PATH", path, 1);
	snprintf(path, sizeof path, "%s/../../share/oms", dir);
	setenv("OMS_PATH", path, 1);
	setenv("OMS_NOW", T0, 1);
	setenv("TZ", "UTC", 1);
	unsetenv("OMS_OFFLINE_FAULT");
	unsetenv("OMS_OFFLINE_TRACK");
}

static int
apply(oms_db *db, const char *json)
{
	cJSON *rec = cJSON_Parse(json), *echo = NULL;
	int rc = oms_stock_apply(db, rec, &echo);

	cJSON_Delete(rec);
	cJSON_Delete(echo);
	return rc;
}

static int64_t
store_order(oms_db *db, const char *json)
{
	struct oms_store_in in = { .source = "oms" };
	struct oms_store res;
	cJSON *o = cJSON_Parse(json);
	int rc;

	if (o == NULL || oms_order_normalize(o, OMS_NORM_CANONICAL) != OMS_OK)
		return -1;
	if (oms_db_begin(db) != OMS_OK)
		return -1;
	rc = oms_order_store(db, o, &in, &res);
	cJSON_Delete(o);
	cJSON_Delete(res.reasons);
	cJSON_Delete(res.record);
	if (rc != OMS_OK) {
		oms_db_rollback(db);
		return -1;
	}
	return oms_db_commit(db) == OMS_OK ? res.id : -1;
}

/* A return row as the core writes it, and its one line. */
static int64_t
store_return(oms_db *db, int64_t order, const char *state,
    const char *policy, const char *tracking)
{
	static const char sql[] =
	    "INSERT INTO returns (order_id, key, state, policy, location, "
	    "carrier, tracking, requested_at, updated_at, record) "
	    "VALUES (?1, 'k' || ?1 || '-' || (SELECT count(*) FROM returns), "
	    "?2, ?3, 'EWR1', CASE WHEN ?4 IS NULL THEN NULL ELSE 'offline' "
	    "END, ?4, ?5, ?5, '{}')";
	static const char sql_line[] =
	    "INSERT INTO return_lines (return_id, line_no, order_line, sku, "
	    "qty, reason) VALUES (?, 1, 1, 'A', 2, 'size_too_small')";
	int64_t id;

	if (oms_db_run(db, sql, "return", "Issss", order, state, policy,
	    tracking, T0) != OMS_OK)
		return -1;
	id = oms_db_last_id(db);
	if (oms_db_run(db, sql_line, "line", "I", id) != OMS_OK)
		return -1;
	return id;
}

static oms_db *
setup(int64_t *order)
{
	oms_db *db;

	snprintf(dbpath, sizeof dbpath, "%s/u.db", tmp);
	unlink(dbpath);
	if (oms_db_open(dbpath, OMS_DB_CREATE, &db) != OMS_OK) {
		printf("# %s\n", oms_error());
		return NULL;
	}
	if (apply(db, "{\"type\":\"location\",\"id\":\"EWR1\",\"name\":"
	    "\"Newark DC\",\"kind\":\"warehouse\",\"address\":{\"company\":"
	    "\"Example Goods\",\"address1\":\"10 Dock Rd\",\"city\":"
	    "\"Newark\",\"region\":\"NJ\",\"postal_code\":\"07114\","
	    "\"country\":\"US\"}}") != OMS_OK ||
	    apply(db, "{\"type\":\"product\",\"sku\":\"A\",\"title\":\"Tee\","
	    "\"weight_g\":400}") != OMS_OK) {
		printf("# %s\n", oms_error());
		return NULL;
	}
	*order = store_order(db, "{\"type\":\"order\",\"channel\":\"oms\","
	    "\"external_id\":\"1001\",\"currency\":\"USD\",\"customer\":"
	    "{\"email\":\"zoe@example.com\"},\"ship_to\":{\"name\":"
	    "\"Zo\xc3\xab M\xc3\xbcller\",\"address1\":\"2 Elm St\",\"city\":"
	    "\"Philadelphia\",\"region\":\"PA\",\"postal_code\":\"19103\","
	    "\"country\":\"US\"},\"lines\":[{\"line_id\":\"1\",\"sku\":\"A\","
	    "\"qty\":2,\"unit_price\":\"10.00\"}]}");
	if (*order <= 0)
		printf("# %s\n", oms_error());
	return *order > 0 ? db : NULL;
}

static char *
query_text(oms_db *db, const char *sql, int64_t id)
{
	oms_stmt *st = oms_db_query(db, sql, "I", id);
	char *s = NULL;

	if (st != NULL && oms_step(st) == OMS_ROW && !oms_col_null(st, 0))
		s = estrdup(oms_col_text(st, 0));
	if (st != NULL)
		oms_reset(st);
	return s;
}

static int64_t
query_int(oms_db *db, const char *sql, int64_t id)
{
	oms_stmt *st = oms_db_query(db, sql, "I", id);
	int64_t v = -1;

	if (st != NULL && oms_step(st) == OMS_ROW)
		v = oms_col_int64(st, 0);
	if (st != NULL)
		oms_reset(st);
	return v;
}

static char *
slurp(const char *path)
{
	struct oms_buf b = { 0 };

	if (oms_read_file(path, "file", &b) != OMS_OK)
		return NULL;
	return b.s;
}

/* An adapter script in the temporary directory, on PATH. */
static void
adapter(const char *name, const char *body)
{
	char path[PATH_MAX];
	FILE *fp;

	snprintf(path, sizeof path, "%s/oms-carrier-%s", tmp, name);
	fp = fopen(path, "w");
	fprintf(fp, "#!/bin/sh\n%s\n", body);
	fclose(fp);
	chmod(path, 0755);
}

static const char sql_state[] = "SELECT state FROM returns WHERE id = ?";
static const char sql_tracking[] =
    "SELECT tracking FROM returns WHERE id = ?";
static const char sql_events[] =
    "SELECT count(*) FROM events WHERE order_id = ?";

static int
count_rec(void *arg, const cJSON *rec)
{
	cJSON **seen = arg;

	cJSON_AddItemToArray(*seen, cJSON_Duplicate(rec, 1));
	return OMS_OK;
}

static void
labels(void)
{
	oms_db *db;
	int64_t order, r1, r2, r3, r4, r5;
	cJSON *out = NULL;
	char dir[256], zname[PATH_MAX], pname[PATH_MAX];
	char *zpl = NULL, *pdf = NULL, *zpl2 = NULL, *pdf2 = NULL, *s;
	char num[64] = "", cost[32] = "";
	struct stat sb;
	int rc;

	OK((db = setup(&order)) != NULL, "a database with an order, a "
	    "location and a product");
	if (db == NULL)
		return;
	snprintf(dir, sizeof dir, "%s/labels", tmp);
	r1 = store_return(db, order, "authorized", "{}", NULL);
	r2 = store_return(db, order, "requested", "{}", NULL);
	r3 = store_return(db, order, "in_transit", "{}", NULL);
	r4 = store_return(db, order, "authorized",
	    "{\"label_paid_by\":\"customer\"}", NULL);
	r5 = store_return(db, order, "authorized", "{}", NULL);

	rc = oms_return_label(db, r1, "offline", NULL, dir, 0, &out);
	OK(rc == OMS_OK, "an authorized return gets a label (%s)",
	    rc ? oms_error() : "ok");
	STR_EQ(oms_json_str(out, "type"), "return_label", "a return_label "
	    "record");
	STR_EQ(oms_json_str(out, "return"), "r_1", "of r_1");
	STR_EQ(oms_json_str(out, "order"), "o_1", "and its order");
	STR_EQ(oms_json_str(out, "location"), "EWR1", "coming back to EWR1");
	STR_EQ(oms_json_str(out, "carrier"), "offline", "from the carrier");
	snprintf(num, sizeof num, "%s", oms_json_str(out, "tracking") ?
	    oms_json_str(out, "tracking") : "");
	OK(oms_tracking_valid(num, NULL), "a tracking number with its check "
	    "digit (%s)", num);
	STR_EQ(oms_json_str(out, "paid_by"), "merchant", "the merchant pays "
	    "when the policy does not say");
	STR_EQ(oms_json_str(out, "cost_currency"), "USD", "the label's cost "
	    "in USD");
	OK(oms_json_str(out, "cost") != NULL, "and its amount");
	snprintf(cost, sizeof cost, "%s", oms_json_str(out, "cost") ?
	    oms_json_str(out, "cost") : "");
	OK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(out, "test")),
	    "a test label");
	OK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(out, "reprint")),
	    "not a reprint");
	snprintf(zname, sizeof zname, "%s/r_1-%s.zpl", dir, num);
	snprintf(pname, sizeof pname, "%s/r_1-%s.pdf", dir, num);
	STR_EQ(oms_json_str(out, "label_zpl"), zname, "the ZPL named by the "
	    "return and the number");
	STR_EQ(oms_json_str(out, "label_pdf"), pname, "the PDF too");
	OK(stat(zname, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	    "the ZPL is private (0600)");
	OK(stat(pname, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	    "the PDF is private (0600)");
	zpl = slurp(zname);
	pdf = slurp(pname);
	OK(zpl != NULL && strstr(zpl, "^FR^FH^FDRETURN^FS") != NULL,
	    "the ZPL says RETURN, white on black");
	OK(zpl != NULL && strstr(zpl, "^FH^FDRMA r_5F1 / o_5F1^FS") != NULL,
	    "the ZPL carries the RMA number");
	OK(zpl != NULL && strstr(zpl, "^FH^FDNewark DC^FS") != NULL &&
	    strstr(zpl, "^FO30,30^A0N,22,22^FH^FDZo\xc3\xab M\xc3\xbcller^FS")
	    != NULL, "ship-to the warehouse, ship-from the customer");
	s = query_text(db, sql_tracking, r1);
	STR_EQ(s, num, "the tracking number is kept on the return");
	free(s);
	s = query_text(db, "SELECT carrier || ' ' || label FROM returns "
	    "WHERE id = ?", r1);
	{
		char want[3 * PATH_MAX];

		snprintf(want, sizeof want, "offline [\"%s\",\"%s\"]", zname,
		    pname);
		STR_EQ(s, want, "with its carrier and the files");
	}
	free(s);
	s = query_text(db, "SELECT record ->> '$.return_label.paid_by' || ' ' "
	    "|| (record ->> '$.return_label.request_id' LIKE 'oms-ret-%') "
	    "FROM returns WHERE id = ?", r1);
	STR_EQ(s, "merchant 1", "the purchase is kept on the record");
	free(s);
	OK(query_int(db, "SELECT count(*) FROM events WHERE order_id = ? AND "
	    "action = 'return_label'", order) == 1, "an event on the order");
	cJSON_Delete(out);
	out = NULL;

	rc = oms_return_label(db, r1, "offline", NULL, dir, 0, &out);
	OK(rc == OMS_REJECT && out == NULL, "a second label is refused");
	{
		char want[256];

		snprintf(want, sizeof want, "return r_1 has a label already, "
		    "offline %s: ask for a reprint", num);
		STR_EQ(oms_error(), want, "saying which");
	}

	/*
	 * A reprint: the same label, days later, the same bytes, with no
	 * new quote (no rate tables now: the adapter quotes nothing).
	 */
	setenv("OMS_NOW", "2026-11-29T09:00:00Z", 1);
	s = estrdup(getenv("OMS_PATH"));
	setenv("OMS_PATH", tmp, 1);
	setenv("HOME", tmp, 1);
	unlink(zname);
	rc = oms_return_label(db, r1, NULL, NULL, dir, 1, &out);
	setenv("OMS_PATH", s, 1);
	free(s);
	OK(rc == OMS_OK, "a reprint, with no new quote (%s)",
	    rc ? oms_error() : "ok");
	STR_EQ(oms_json_str(out, "cost"), cost, "keeps the cost bought");
	STR_EQ(oms_json_str(out, "tracking"), num, "has the same number: no "
	    "second purchase");
	OK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(out, "reprint")),
	    "says it is a reprint");
	zpl2 = slurp(zname);
	pdf2 = slurp(pname);
	STR_EQ(zpl2, zpl, "the ZPL again, byte for byte");
	OK(pdf != NULL && pdf2 != NULL && strcmp(pdf, pdf2) == 0,
	    "the PDF again, byte for byte");
	s = query_text(db, "SELECT record ->> '$.return_label.at' FROM returns "
	    "WHERE id = ?", r1);
	STR_EQ(s, T0, "the label keeps the time it was bought");
	free(s);
	cJSON_Delete(out);
	out = NULL;
	rc = oms_return_label(db, r1, "other", NULL, dir, 1, &out);
	OK(rc == OMS_REJECT, "a reprint from another carrier is refused");
	STR_EQ(oms_error(), "return r_1: its label is from carrier offline, "
	    "not other", "saying which");
	setenv("OMS_NOW", T0, 1);

	rc = oms_return_label(db, r5, "offline", NULL, dir, 1, &out);
	OK(rc == OMS_REJECT, "a reprint of no label is refused");
	STR_EQ(oms_error(), "return r_5 has no label to reprint", "saying so");
	rc = oms_return_label(db, r2, "offline", NULL, dir, 0, &out);
	OK(rc == OMS_REJECT, "a return not authorized gets no label");
	STR_EQ(oms_error(), "return r_2 is requested, not authorized: no label",
	    "saying why");
	rc = oms_return_label(db, r3, "offline", NULL, dir, 0, &out);
	OK(rc == OMS_REJECT, "a return in transit without a label gets none");
	STR_EQ(oms_error(), "return r_3 is in transit without a label of "
	    "ours: no label", "saying why");
	rc = oms_return_label(db, 99, "offline", NULL, dir, 0, &out);
	OK(rc == OMS_REJECT, "no such return");
	STR_EQ(oms_error(), "no return r_99", "saying so");
	rc = oms_return_label(db, r5, "offline", "png", dir, 0, &out);
	OK(rc == OMS_ERR && oms_errkind() == OMS_E_USAGE, "a format other "
	    "than zpl, pdf, both is a usage error");
	STR_EQ(oms_error(), "label format 'png': say zpl, pdf or both",
	    "saying which");
	rc = oms_return_label(db, r5, "../x", NULL, dir, 0, &out);
	OK(rc == OMS_ERR && oms_errkind() == OMS_E_USAGE, "a carrier name "
	    "that is not one is a usage error");
	OK(query_int(db, "SELECT count(*) FROM returns WHERE tracking IS NOT "
	    "NULL AND id <> ?", r1) == 0, "none of those stored a label");

	rc = oms_return_label(db, r4, "offline", "pdf", dir, 0, &out);
	OK(rc == OMS_OK, "a label the customer pays for (%s)",
	    rc ? oms_error() : "ok");
	STR_EQ(oms_json_str(out, "paid_by"), "customer", "says the customer "
	    "pays, as the policy does");
	OK(oms_json_str(out, "label_pdf") != NULL &&
	    oms_json_str(out, "label_zpl") == NULL, "format pdf: a PDF alone");
	OK(strcmp(oms_json_str(out, "tracking") ? oms_json_str(out,
	    "tracking") : "", num) != 0, "another return, another "
	    "number");
	cJSON_Delete(out);
	out = NULL;

	/* Where it comes back to: a quarantine's place, or none at all. */
	OK(oms_db_run(db, "INSERT INTO locations (id, name, kind, sellable, "
	    "ships, record, updated_at, quarantine_of) VALUES ('EWR1/returns', "
	    "'Newark DC returns', 'quarantine', 0, 0, '{\"id\":"
	    "\"EWR1/returns\"}', ?, 'EWR1')", "loc", "s", T0) == OMS_OK &&
	    oms_db_run(db, "UPDATE returns SET location = 'EWR1/returns' "
	    "WHERE id = ?", "loc", "I", r5) == OMS_OK, "r_5 to come back to "
	    "EWR1's quarantine");
	rc = oms_return_label(db, r5, "offline", "zpl", dir, 0, &out);
	OK(rc == OMS_OK, "is labelled (%s)", rc ? oms_error() : "ok");
	STR_EQ(oms_json_str(out, "location"), "EWR1", "to the place the "
	    "quarantine stands in");
	s = oms_json_str(out, "label_zpl") ? slurp(oms_json_str(out,
	    "label_zpl")) : NULL;
	OK(s != NULL && strstr(s, "^FH^FD10 Dock Rd^FS") != NULL, "at its "
	    "address");
	free(s);
	cJSON_Delete(out);
	out = NULL;
	OK(oms_db_run(db, "UPDATE returns SET location = NULL, "
	    "tracking = NULL, carrier = NULL WHERE id = ?", "loc", "I", r5) ==
	    OMS_OK,
	    "r_5 with no location");
	rc = oms_return_label(db, r5, "offline", NULL, dir, 0, &out);
	OK(rc == OMS_REJECT, "and an order never shipped: no label");
	STR_EQ(oms_error(), "return r_5 has no location to come back to, and "
	    "order o_1 never shipped", "saying so");
	oms_db_run(db, "UPDATE returns SET location = 'EWR1' WHERE id = ?",
	    "loc", "I", r5);

	/* An adapter that does not know "return" sells an outbound label. */
	adapter("plain", "oms-carrier-offline \"$1\" | "
	    "sed 's/\"return\":true,//'");
	rc = oms_return_label(db, r5, "plain", NULL, dir, 0, &out);
	OK(rc == OMS_ERR && oms_errkind() == OMS_E_CARRIER, "an adapter that "
	    "cannot make return labels fails");
	STR_EQ(oms_error(), "carrier plain answered a return label without "
	    "\"return\":true: it cannot make return labels", "saying so");
	OK(query_int(db, sql_tracking, r5) == -1 || query_text(db,
	    sql_tracking, r5) == NULL, "and nothing is stored");

	/* Replies that fail the checks: nothing is kept of them. */
	adapter("twice", "oms-carrier-offline \"$1\" | sed 's/\"tracking_"
	    "numbers\":\\[\"\\([^\"]*\\)\"\\]/\"tracking_numbers\":"
	    "[\"\\1\",\"\\1\"]/'");
	rc = oms_return_label(db, r5, "twice", NULL, dir, 0, &out);
	OK(rc == OMS_ERR && oms_errkind() == OMS_E_CARRIER, "two numbers for "
	    "one parcel fail");
	STR_EQ(oms_error(), "carrier twice answered label without one "
	    "tracking number for the return's parcel", "saying so");
	adapter("digit", "oms-carrier-offline \"$1\" | jq -c 'if "
	    ".tracking_numbers then .tracking_numbers = "
	    "[\"1Z5R89390357567128\"] else . end'");
	rc = oms_return_label(db, r5, "digit", NULL, dir, 0, &out);
	OK(rc == OMS_ERR && oms_errkind() == OMS_E_CARRIER, "a wrong check "
	    "digit fails");
	STR_EQ(oms_error(), "carrier digit answered label with ups tracking "
	    "number 1Z5R89390357567128, whose check digit is wrong",
	    "saying so");
	{
		char body[256], want[256];

		snprintf(body, sizeof body, "oms-carrier-offline \"$1\" | "
		    "jq -c 'if .tracking_numbers then .tracking_numbers = "
		    "[\"%s\"] else . end'", num);
		adapter("dup", body);
		rc = oms_return_label(db, r5, "dup", NULL, dir, 0, &out);
		OK(rc == OMS_ERR && oms_errkind() == OMS_E_CARRIER, "another "
		    "return's number fails");
		snprintf(want, sizeof want, "carrier dup answered label with "
		    "tracking number %s, which another parcel has", num);
		STR_EQ(oms_error(), want, "saying so");
	}
	/* An adapter that forgets its request ids sells a second label. */
	adapter("forget", "[ \"$1\" = label ] && { sed 's/\"request_id\":"
	    "\"/\"request_id\":\"x/' | oms-carrier-offline label; exit; }\n"
	    "exec oms-carrier-offline \"$1\"");
	OK(oms_db_run(db, "UPDATE returns SET carrier = 'forget' WHERE id = ?",
	    "carrier", "I", r1) == OMS_OK, "r_1's label said to be forget's");
	rc = oms_return_label(db, r1, NULL, NULL, dir, 1, &out);
	OK(rc == OMS_ERR && oms_errkind() == OMS_E_CARRIER, "a reprint "
	    "answered with another number fails");
	OK(strstr(oms_error(), ": it sold a second label for one request id")
	    != NULL, "saying so (%s)", oms_error());
	s = query_text(db, sql_tracking, r1);
	STR_EQ(s, num, "and r_1 keeps its label");
	free(s);
	OK(query_int(db, "SELECT count(*) FROM returns WHERE tracking IS NOT "
	    "NULL AND id > ?", 0) == 2, "no other return has one");

	/*
	 * The return cancelled while the carrier sells the label: the
	 * adapter changes the database meanwhile, which it could not if
	 * the write lock were held across the call.
	 */
	{
		char body[2 * PATH_MAX];

		snprintf(body, sizeof body, "[ \"$1\" = label ] && { sqlite3 "
		    "'%s' \"UPDATE returns SET state = 'cancelled' WHERE id = "
		    "%lld\" || exit 3; }\nexec oms-carrier-offline \"$1\"",
		    dbpath, (long long)r5);
		adapter("meddle", body);
	}
	rc = oms_return_label(db, r5, "meddle", NULL, dir, 0, &out);
	OK(rc == OMS_REJECT, "a return that changed during the purchase is "
	    "not labelled");
	STR_EQ(oms_error(), "return r_5 changed while its label was bought: it "
	    "is cancelled now; ask again", "saying so");
	s = query_text(db, sql_tracking, r5);
	STR_EQ(s, NULL, "nothing stored on it");
	free(s);
	oms_db_close(db);
	free(zpl);
	free(pdf);
	free(zpl2);
	free(pdf2);
}

static void
tracking(void)
{
	oms_db *db;
	int64_t order, r1, r2;
	cJSON *out = NULL, *seen = cJSON_CreateArray();
	char dir[256], *s;
	long moved = -1;
	int rc;

	OK((db = setup(&order)) != NULL, "a new database");
	if (db == NULL)
		return;
	snprintf(dir, sizeof dir, "%s/labels2", tmp);
	r1 = store_return(db, order, "authorized", "{}", NULL);
	r2 = store_return(db, order, "authorized", "{}", NULL);
	OK(oms_return_label(db, r1, "offline", NULL, dir, 0, &out) == OMS_OK,
	    "r_1 labelled at %s", T0);
	cJSON_Delete(out);
	out = NULL;
	rc = oms_return_track(db, NULL, count_rec, &seen, &moved);
	OK(rc == OMS_OK && moved == 0 && cJSON_GetArraySize(seen) == 0,
	    "tracked at once: the label is made, nothing moves (%s)",
	    rc ? oms_error() : "ok");
	s = query_text(db, "SELECT record ->> '$.tracking_status.status' || "
	    "' ' || (record ->> '$.tracking_status.at') FROM returns "
	    "WHERE id = ?", r1);
	STR_EQ(s, "pre_transit " T0, "the carrier's status is kept");
	free(s);
	OK(query_int(db, "SELECT count(*) FROM events WHERE order_id = ? AND "
	    "action = 'return_tracking'", order) == 1, "an event for it");

	/* 18 hours later the carrier has it. */
	setenv("OMS_NOW", "2026-11-27T10:00:00Z", 1);
	rc = oms_return_track(db, NULL, count_rec, &seen, &moved);
	OK(rc == OMS_OK && moved == 1, "the first scan moves it (%s)",
	    rc ? oms_error() : "ok");
	s = query_text(db, sql_state, r1);
	STR_EQ(s, "in_transit", "to in_transit");
	free(s);
	STR_EQ(oms_json_str(cJSON_GetArrayItem(seen, 0), "state"),
	    "in_transit", "and fn gets the return as it is now");
	STR_EQ(oms_json_str(cJSON_GetArrayItem(seen, 0), "id"), "r_1",
	    "named r_1");
	OK(query_int(db, "SELECT count(*) FROM events WHERE order_id = ? AND "
	    "action = 'return_tracking'", order) == 2, "one event more, for "
	    "the one new status");
	rc = oms_return_track(db, NULL, count_rec, &seen, &moved);
	OK(rc == OMS_OK && moved == 0 && query_int(db, "SELECT count(*) FROM "
	    "events WHERE order_id = ? AND action = 'return_tracking'", order)
	    == 2, "asked again: no news, no event, no move");

	/* The carrier cannot answer: named, and the return stays. */
	setenv("OMS_NOW", "2026-12-05T10:00:00Z", 1);
	setenv("OMS_OFFLINE_FAULT", "fail", 1);
	rc = oms_return_track(db, "offline", count_rec, &seen, &moved);
	OK(rc == OMS_REJECT && moved == 0, "a failing carrier fails the run");
	STR_EQ(oms_error(), "1 return could not be tracked", "saying how many");
	s = query_text(db, sql_state, r1);
	STR_EQ(s, "in_transit", "and the return stays where it was");
	free(s);
	unsetenv("OMS_OFFLINE_FAULT");

	/* Delivered: received; r_2, labelled late, not scanned yet. */
	setenv("OMS_NOW", "2026-12-05T09:00:00Z", 1);
	OK(oms_return_label(db, r2, "offline", NULL, dir, 0, &out) == OMS_OK,
	    "r_2 labelled later");
	cJSON_Delete(out);
	out = NULL;
	setenv("OMS_NOW", "2026-12-05T10:00:00Z", 1);
	rc = oms_return_track(db, "ups", count_rec, &seen, &moved);
	OK(rc == OMS_OK && moved == 0, "another carrier's returns alone: none");
	rc = oms_return_track(db, "offline", count_rec, &seen, &moved);
	OK(rc == OMS_OK && moved == 1, "delivered moves r_1 (%s)",
	    rc ? oms_error() : "ok");
	s = query_text(db, sql_state, r1);
	STR_EQ(s, "received", "to received");
	free(s);
	s = query_text(db, sql_state, r2);
	STR_EQ(s, "authorized", "r_2 not scanned stays authorized");
	free(s);
	STR_EQ(oms_json_str(cJSON_GetArrayItem(seen, 1), "state"), "received",
	    "fn gets r_1 received");
	s = query_text(db, "SELECT record ->> '$.tracking_status.status' "
	    "FROM returns WHERE id = ?", r1);
	STR_EQ(s, "delivered", "its last status delivered");
	free(s);
	/* Straight to delivered, from authorized. */
	setenv("OMS_NOW", "2026-12-12T10:00:00Z", 1);
	rc = oms_return_track(db, NULL, count_rec, &seen, &moved);
	OK(rc == OMS_OK && moved == 1, "r_2 found delivered at once");
	s = query_text(db, sql_state, r2);
	STR_EQ(s, "received", "goes through in_transit to received");
	free(s);
	OK(query_int(db, "SELECT count(*) FROM events WHERE order_id = ? AND "
	    "action IN ('return_in_transit', 'return_received')", order) == 4,
	    "every move an event");
	s = query_text(db, "SELECT group_concat(action || ' ' || before || ' ' "
	    "|| after, '; ') FROM (SELECT * FROM events WHERE order_id = ? "
	    "AND action LIKE 'return\\_%' ESCAPE '\\' AND action NOT IN "
	    "('return_label', 'return_tracking') AND after LIKE '%r\\_2%' "
	    "ESCAPE '\\' ORDER BY id)", order);
	STR_EQ(s, "return_in_transit {\"return\":\"r_2\",\"state\":"
	    "\"authorized\"} {\"return\":\"r_2\",\"state\":\"in_transit\"}; "
	    "return_received {\"return\":\"r_2\",\"state\":\"in_transit\"} "
	    "{\"return\":\"r_2\",\"state\":\"received\"}", "as the core "
	    "writes them");
	free(s);
	rc = oms_return_track(db, NULL, count_rec, &seen, &moved);
	OK(rc == OMS_OK && moved == 0, "received returns are not tracked");
	OK(query_int(db, sql_events, order) > 0, "events stay on the order");
	cJSON_Delete(seen);
	oms_db_close(db);
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	return remove(path);
}

static void
cleanup(void)
{
	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Parcels under a channel's label (Amazon's prepaid ones). */
static void
channel_labels(void)
{
	oms_db *db;
	int64_t order, r1, r2;
	cJSON *out = NULL, *seen = cJSON_CreateArray();
	char *s;
	long moved = -1;
	int rc;

	setenv("OMS_NOW", T0, 1);
	OK((db = setup(&order)) != NULL, "a new database");
	if (db == NULL)
		return;
	r1 = store_return(db, order, "authorized", "{}", "1Z999AA10123456784");
	r2 = store_return(db, order, "authorized", "{}", "1Z5R89390357567127");
	OK(oms_db_run(db, "UPDATE returns SET carrier = 'UPS' WHERE id = ?",
	    "carrier", "I", r2) == OMS_OK, "r_1 under a label of a carrier "
	    "with an adapter, r_2 of one without");
	rc = oms_return_label(db, r2, "offline", NULL, tmp, 0, &out);
	OK(rc == OMS_REJECT, "a return under the channel's label gets none "
	    "of ours");
	STR_EQ(oms_error(), "return r_2 comes back under a label of its own, "
	    "UPS 1Z5R89390357567127: no label of ours", "saying so");
	rc = oms_return_label(db, r1, "offline", NULL, tmp, 1, &out);
	OK(rc == OMS_REJECT, "nor a reprint");
	setenv("OMS_NOW", "2026-11-27T10:00:00Z", 1);
	rc = oms_return_track(db, NULL, count_rec, &seen, &moved);
	OK(rc == OMS_OK && moved == 1, "tracking follows the one whose "
	    "carrier has an adapter, and passes over the other (%s)",
	    rc ? oms_error() : "ok");
	s = query_text(db, sql_state, r1);
	STR_EQ(s, "in_transit", "r_1 moves");
	free(s);
	s = query_text(db, sql_state, r2);
	STR_EQ(s, "authorized", "r_2 waits for a person");
	free(s);
	setenv("OMS_NOW", T0, 1);
	cJSON_Delete(seen);
	oms_db_close(db);
}

/* retlabel label DIR [FORMAT]: one label, for the bats tests. */
static int
one_label(const char *dir, const char *format)
{
	oms_db *db;
	int64_t order, r;
	cJSON *out = NULL;
	int rc;

	if ((db = setup(&order)) == NULL)
		oms_die(3, "cannot make the database: %s", oms_error());
	r = store_return(db, order, "authorized", "{}", NULL);
	if ((rc = oms_return_label(db, r, "offline", format, dir, 0, &out)) !=
	    OMS_OK)
		oms_die(oms_exit_status(rc), "%s", oms_error());
	oms_rec_write(stdout, out);
	cJSON_Delete(out);
	oms_db_close(db);
	efshut();
	return 0;
}

int
main(int argc, char **argv)
{
	int rc;

	oms_setprogname("retlabel");
	if (mkdtemp(tmp) == NULL)
		return 3;
	atexit(cleanup);
	environment(argv[0]);
	if (argc >= 3 && strcmp(argv[1], "label") == 0)
		rc = one_label(argv[2], argc > 3 ? argv[3] : NULL);
	else {
		labels();
		tracking();
		channel_labels();
		rc = UNIT_DONE();
	}
	return rc;
}
