/*
 * Unit tests for what the fuzzers in t/fuzz found (issue 13): each input
 * a harness stopped on, with what it must give now.  The inputs are also
 * in the seed corpora, so `make fuzz` tries them every run.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "oms.h"
#include "rma.h"
#include "route.h"
#include "unit.h"

static void
date_refused(const char *in)
{
	char out[OMS_TIME_LEN] = "";

	OK(oms_time_parse(in, 0, "UTC", out) == OMS_ERR,
	    "'%s' is refused (got '%s')", in, out);
}

static void
date_read(const char *in, const char *want)
{
	char out[OMS_TIME_LEN] = "";

	OK(oms_time_parse(in, 0, "UTC", out) == OMS_OK, "'%s' is read", in);
	STR_EQ(out, want, "'%s'", in);
}

static void
rules_refused(const char *text, const char *msg)
{
	struct oms_rules *rs = NULL;

	OK(oms_rules_parse(text, NULL, NULL, &rs) == OMS_REJECT && rs == NULL,
	    "refused: %s", text);
	STR_EQ(oms_error(), msg, "the message for %s", text);
}

static int
retfile_rec(void *arg, const cJSON *rec)
{
	struct oms_buf *b = arg;
	const cJSON *rf = cJSON_GetObjectItemCaseSensitive(rec,
	    "refunded_by_channel");

	oms_buf_printf(b, "total %s\n", oms_json_str(rf, "total") ?
	    oms_json_str(rf, "total") : "(none)");
	return OMS_OK;
}

static void
retfile_reject(void *arg, const char *file, long line, const char *reason,
    const char *raw)
{
	oms_buf_printf(arg, "%s:%ld: %s\n", file, line, reason);
}

/*
 * The records' totals and the rejects of the n bytes of text read in
 * format; retfile() for a literal, which may hold a NUL.
 */
#define retfile(format, text, want, what) \
	retfile_n(format, text, sizeof(text) - 1, want, what)

static void
retfile_n(const char *format, const char *text, size_t n, const char *want,
    const char *what)
{
	struct oms_buf b = { 0 };
	char share[PATH_MAX];
	FILE *fp = fmemopen((void *)text, n, "r");

	if (realpath("share/oms", share) != NULL)
		setenv("OMS_PATH", share, 1);
	oms_buf_add(&b, "", 0);
	if (oms_return_file_read(format, fp, "f", retfile_rec,
	    retfile_reject, &b) != OMS_OK)
		oms_buf_printf(&b, "ERR %s\n", oms_error());
	fclose(fp);
	STR_EQ(b.s, want, "%s: %s", format, what);
	oms_buf_free(&b);
}

/* A record read, written and read again is what it was read as. */
static void
rec_round_trip(const char *text, const char *want)
{
	char buf[512];
	struct oms_rec_reader r;
	cJSON *a = NULL, *b = NULL;
	FILE *fp = fmemopen((void *)text, strlen(text), "r"), *out;

	oms_rec_init(&r, fp, "in");
	OK(oms_rec_next(&r, &a) == OMS_OK, "'%s' is read", text);
	oms_rec_close(&r);
	out = fmemopen(buf, sizeof buf, "w");
	OK(oms_rec_write(out, a) == OMS_OK, "'%s' is written", text);
	fclose(out);
	STR_EQ(buf, want, "'%s' as written", text);
	fp = fmemopen(buf, strlen(buf), "r");
	oms_rec_init(&r, fp, "again");
	OK(oms_rec_next(&r, &b) == OMS_OK, "'%s' reads back", buf);
	oms_rec_close(&r);
	OK(cJSON_Compare(a, b, 1), "'%s' reads back as it was read", text);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

int
main(void)
{
	/*
	 * An offset that moves a time past 9999 was formatted as the
	 * start of 9999; one before 1900 gave 1899, which did not read back.
	 */
	date_refused("9999-12-31T23:00:00-14:00");
	date_refused("9999-12-31T23:59:59-00:01");
	date_refused("1900-01-01T00:00:00+01:00");
	OK(oms_time_parse("1900-01-01 00:30", 0, "Asia/Tokyo", (char[
	    OMS_TIME_LEN]){ 0 }) == OMS_ERR, "1900-01-01 00:30 in Tokyo is "
	    "before 1900 in UTC: refused");
	date_read("9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z");
	date_read("9999-12-31T23:00:00+14:00", "9999-12-31T09:00:00Z");
	date_read("1900-01-01T00:00:00Z", "1900-01-01T00:00:00Z");
	date_read("1900-01-01T10:00:00+10:00", "1900-01-01T00:00:00Z");

	/* Two jq conditions in one rule leaked the first program. */
	rules_refused("{\"rules\":[{\"name\":\"a\",\"when\":{\"jq\":\"true\","
	    "\"jq\":\"false\"}}]}", "rule 'a': when: 'jq' twice");
	/* Casting a double out of range is undefined (UBSan stopped here). */
	rules_refused("{\"rules\":[{\"name\":\"a\",\"when\":{\"priority_min\":"
	    "1e300}}]}", "rule 'a': priority_min must be an integer");
	rules_refused("{\"rules\":[{\"name\":\"a\",\"when\":{\"priority_max\":"
	    "-9.3e18}}]}", "rule 'a': priority_max must be an integer");
	rules_refused("{\"rules\":[{\"name\":\"a\",\"backorder\":\"cancel\","
	    "\"cancel_after_days\":1e300}]}", "rule 'a': cancel_after_days "
	    "must be a whole number of days");
	rules_refused("{\"rules\":[{\"name\":\"a\",\"backorder\":\"cancel\","
	    "\"cancel_after_days\":2147483648}]}", "rule 'a': "
	    "cancel_after_days must be a whole number of days");
	{
		struct oms_rules *rs = NULL;

		OK(oms_rules_parse("{\"rules\":[{\"name\":\"a\",\"when\":"
		    "{\"priority_min\":-5,\"priority_max\":9.2e18},"
		    "\"backorder\":\"cancel\",\"cancel_after_days\":"
		    "2147483647}]}", NULL, NULL, &rs) == OMS_OK && rs != NULL &&
		    rs->r[0].cancel_after_days == 2147483647,
		    "priorities up to 9.2e18 and cancel_after_days up to "
		    "2147483647 are taken");
		oms_rules_free(rs);
	}

	/*
	 * Refund transactions were summed with no bound: two of 9e17
	 * dollars overflowed (UBSan stopped here).  The sum of a refund
	 * that cannot be held is a bad refund; the most that can is taken.
	 */
	retfile("shopify-refund", "{\"refund\":{\"id\":1,\"order_id\":2,"
	    "\"refund_line_items\":[],\"transactions\":["
	    "{\"kind\":\"refund\",\"status\":\"success\",\"amount\":"
	    "\"90000000000000000.00\",\"currency\":\"USD\"},"
	    "{\"kind\":\"refund\",\"status\":\"success\",\"amount\":"
	    "\"90000000000000000.00\"}]}}",
	    "f:1: transaction 2 amount '90000000000000000.00': the total is "
	    "too large\n", "transactions whose sum overflows are refused");
	retfile("shopify-refund", "{\"refund\":{\"id\":1,\"order_id\":2,"
	    "\"refund_line_items\":[],\"transactions\":["
	    "{\"kind\":\"refund\",\"status\":\"success\",\"amount\":"
	    "\"92233720368547758.00\",\"currency\":\"USD\"},"
	    "{\"kind\":\"refund\",\"status\":\"success\",\"amount\":"
	    "\"0.07\"}]}}",
	    "total 92233720368547758.07\n", "the largest sum is taken");
	/*
	 * Found reading lib/retfile.c for the harness.  cJSON takes any
	 * control byte for white space, the scan for each refund's line
	 * took only four: the refunds after one were given the wrong lines.
	 */
	retfile("shopify-refund", "[\n{\"id\":1}\x01\n,\n{\"id\":2}\n,\n"
	    "{\"id\":3}]\n", "f:2: refund 1 has no 'refund_line_items'\n"
	    "f:4: refund 2 has no 'refund_line_items'\n"
	    "f:6: refund 3 has no 'refund_line_items'\n",
	    "a control byte between refunds moves no line");
	/* A second refund after the first, or after a NUL, was dropped. */
	retfile("shopify-refund", "{\"refund\":{\"id\":1,\"order_id\":2,"
	    "\"refund_line_items\":[],\"transactions\":[{\"amount\":"
	    "\"1.00\"}]}}\n{\"refund\":{\"id\":3}}\n", "ERR f:2: text "
	    "after the end of the JSON: a refund file is one list or one "
	    "object\n", "a second JSON value after the first is refused");
	retfile("shopify-refund", "[{\"id\":1,\"order_id\":2,"
	    "\"refund_line_items\":[],\"transactions\":[{\"amount\":"
	    "\"1.00\"}]}\n\0,{\"id\":3}]\n", "ERR f:2: a NUL byte: not "
	    "JSON text\n", "a NUL byte is refused");
	/*
	 * A number of 16 or more integer digits with a fraction is read as
	 * a double; written as digits alone it read back as a string (an
	 * id).  It is written with an exponent now.
	 */
	rec_round_trip("{\"by\":-7777777777777777.7777777}\n",
	    "{\"by\":-7.7777777777777780e+15}\n");
	rec_round_trip("{\"a\":[1e15,{\"b\":123456789012345.5}],\"id\":"
	    "12345678901234567}\n", "{\"a\":[1.0000000000000000e+15,{\"b\":"
	    "123456789012345.5}],\"id\":\"12345678901234567\"}\n");
	return UNIT_DONE();
}
