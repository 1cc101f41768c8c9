/*
 * Unit tests for what the fuzzers in t/fuzz found (issue 13): each input
 * a harness stopped on, with what it must give now.  The inputs are also
 * in the seed corpora, so `make fuzz` tries them every run.
 */
#include <stdint.h>
#include "oms.h"
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
	return UNIT_DONE();
}
