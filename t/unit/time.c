/* Unit tests for lib/time.c. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "oms.h"
#include "unit.h"

static void
parse(const char *in, int flags, const char *tz, const char *want)
{
	char out[OMS_TIME_LEN] = "";
	int rc = oms_time_parse(in, flags, tz, out);

	OK(rc == OMS_OK, "parse '%s' (%s)", in, rc == OMS_OK ? "" : oms_error());
	STR_EQ(out, want, "'%s' in %s", in, tz ? tz : "UTC");
}

/* oms_time_format against gmtime_r, second by second. */
static void
format_as_libc(int64_t epoch)
{
	char out[OMS_TIME_LEN], want[64];
	time_t t = (time_t)epoch;
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(want, sizeof want, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	oms_time_format(epoch, out);
	STR_EQ(out, want, "format %lld", (long long)epoch);
}

static void
garbage(const char *in)
{
	char out[OMS_TIME_LEN];

	OK(oms_time_parse(in, 0, "UTC", out) == OMS_ERR, "reject '%s'", in);
}

int
main(void)
{
	char out[OMS_TIME_LEN];
	int64_t e;

	parse("2025-05-11T09:55:16-04:00", 0, NULL, "2025-05-11T13:55:16Z");
	parse("2025-05-11T09:55:16Z", 0, NULL, "2025-05-11T09:55:16Z");
	parse("2025-05-11T09:55:16.123+05:30", 0, NULL, "2025-05-11T04:25:16Z");
	parse("2009-01-01T10:50:49-08:00", 0, NULL, "2009-01-01T18:50:49Z");
	parse("2017-06-17T08:04:21+00:00", 0, NULL, "2017-06-17T08:04:21Z");
	parse("2025-05-11 09:55:16 -0400", 0, NULL, "2025-05-11T13:55:16Z");
	parse("2025-12-31 23:30:00 -0100", 0, NULL, "2026-01-01T00:30:00Z");
	parse("2026-07-18", 0, NULL, "2026-07-18T00:00:00Z");
	parse("2026-07-18 12:59:30", 0, "America/New_York", "2026-07-18T16:59:30Z");
	parse("2026-01-18 12:59:30", 0, "America/New_York", "2026-01-18T17:59:30Z");
	parse("12/31/21", 0, NULL, "2021-12-31T00:00:00Z");
	parse("12/31/21", 0, "America/Los_Angeles", "2021-12-31T08:00:00Z");
	parse("01/02/21", OMS_TIME_DMY, NULL, "2021-02-01T00:00:00Z");
	parse("12/27/2018", 0, NULL, "2018-12-27T00:00:00Z");
	parse("12/27/2018 3:45 PM", 0, NULL, "2018-12-27T15:45:00Z");
	parse("12/27/2018 12:05 AM", 0, NULL, "2018-12-27T00:05:00Z");
	parse("31.12.2021", 0, NULL, "2021-12-31T00:00:00Z");
	parse("Sep-18-26", 0, NULL, "2026-09-18T00:00:00Z");
	parse("Sep-30-26 23:45:00", 0, NULL, "2026-09-30T23:45:00Z");
	parse("Sep-30-26 23:45:00", 0, "America/Los_Angeles", "2026-10-01T06:45:00Z");
	parse("Sep-30-26 23:45:00 PDT", 0, NULL, "2026-10-01T06:45:00Z");
	parse("26-May-26", 0, NULL, "2026-05-26T00:00:00Z");
	parse("10-Dez-25", 0, NULL, "2025-12-10T00:00:00Z");
	parse("10-Mär-25", 0, NULL, "2025-03-10T00:00:00Z");
	parse("15 janv. 2025 14:00", 0, "Europe/Paris", "2025-01-15T13:00:00Z");
	parse("Jan 15, 2025", 0, NULL, "2025-01-15T00:00:00Z");
	parse("Mon, 15 Jan 2025 10:00:00 +0000", 0, NULL, "2025-01-15T10:00:00Z");
	parse("2024-02-29", 0, NULL, "2024-02-29T00:00:00Z");
	parse("1970-01-01T00:00:00Z", 0, NULL, "1970-01-01T00:00:00Z");
	/* A wall time inside a spring-forward gap keeps its clock reading. */
	parse("2026-03-08 02:30:00", 0, "America/New_York", "2026-03-08T07:30:00Z");

	garbage("");
	garbage("hello");
	garbage("2025-13-01");
	garbage("2025-02-29");
	garbage("2025-04-31");
	garbage("2025-05-11T25:00:00Z");
	garbage("2025-05-11T10:61:00Z");
	garbage("2025-05-11T10:00:00+15:00");
	garbage("Foo-18-26");
	garbage("12/31");
	garbage("2025-05-11 banana");
	garbage("13/13/2021");
	garbage("0/12/2021");
	garbage("12/27/2018 13:45 PM");
	garbage("2025-05-11T09:55:16Q");
	garbage("99999-01-01");

	OK(oms_time_parse("2026-07-18 10:00", 0, "Mars/Olympus", out) == OMS_ERR,
	    "an unknown zone is an error");
	OK(oms_time_parse("2026-07-18 10:00", 0, "../../etc/passwd", out) == OMS_ERR,
	    "a zone name cannot leave the zone directory");
	STR_EQ(oms_tz_from_name("Eastern Time (US & Canada)"), "America/New_York",
	    "Square's Rails zone names map to IANA");
	OK(oms_tz_from_name("Nowhere") == NULL, "an unknown Rails zone is NULL");
	OK(oms_time_to_epoch("2026-11-26T13:05:00Z", &e) == OMS_OK &&
	    e == 1795698300, "epoch of 2026-11-26T13:05:00Z (%lld)", (long long)e);
	oms_time_format(951782400, out);
	STR_EQ(out, "2000-02-29T00:00:00Z", "format a leap day");
	/* Every hour boundary's neighbours, 1900 to 2100, and random seconds. */
	for (int64_t t = -2208988800LL; t < 4102444800LL; t += 86400 * 29 + 3599) {
		format_as_libc(t);
		format_as_libc(t + 1);
	}
	srand(18);
	for (int i = 0; i < 3000; i++)
		format_as_libc(-62135596800LL + (int64_t)rand() * 123457 %
		    (253402300799LL + 62135596800LL));
	format_as_libc(0);
	format_as_libc(-1);
	format_as_libc(253402300799LL);
	/* Outside years 0 to 9999 the year is clamped, the rest as ever. */
	oms_time_format(253402300800LL, out);
	STR_EQ(out, "9999-01-01T00:00:00Z", "past 9999 stays 9999");
	oms_time_format(-62167219201LL, out);
	STR_EQ(out, "0000-12-31T23:59:59Z", "before year 0 stays 0");
	setenv("OMS_NOW", "2026-11-26T13:05:00Z", 1);
	oms_time_now(out);
	STR_EQ(out, "2026-11-26T13:05:00Z", "OMS_NOW pins the clock");
	return UNIT_DONE();
}
