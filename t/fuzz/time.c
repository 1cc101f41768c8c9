/*
 * time.c: oms_time_parse, oms_time_parse_day, oms_time_to_epoch and
 * oms_time_format.
 *
 * The first byte picks the zone a date without one is read in and
 * whether numeric dates are day first; the rest is the date's text.
 * Properties: what is read is RFC 3339 UTC that reads back as itself and
 * whose epoch formats as itself.  The same bytes also make a time of
 * their own (year, month, day, hour, minute, second, offset), written in
 * the forms channels use: each must read as that time's epoch.
 */
#include <ctype.h>

#include "fuzz.h"

static const char *const zones[] = {
	"UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo",
	"Australia/Lord_Howe", "Pacific/Kiritimati", "America/St_Johns",
	"Europe/London",
};

/* Days since 1970-01-01 (H. Hinnant), written again to check time.c's. */
static int64_t
days(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

static int
leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* What was read is canonical: it reads back as itself. */
static void
canonical(const char *in, const char *out)
{
	char again[OMS_TIME_LEN], fmt[OMS_TIME_LEN];
	int64_t e;

	FUZZ_CHECK(strlen(out) == OMS_TIME_LEN - 1 && out[4] == '-' &&
	    out[7] == '-' && out[10] == 'T' && out[13] == ':' &&
	    out[16] == ':' && out[19] == 'Z', "'%s' read as '%s'", in, out);
	FUZZ_CHECK(oms_time_parse(out, 0, "UTC", again) == OMS_OK &&
	    strcmp(again, out) == 0, "'%s' read as '%s', which reads as '%s'",
	    in, out, again);
	FUZZ_CHECK(oms_time_to_epoch(out, &e) == OMS_OK, "'%s'", out);
	oms_time_format(e, fmt);
	FUZZ_CHECK(strcmp(fmt, out) == 0, "'%s' is %lld, formatted '%s'", out,
	    (long long)e, fmt);
}

static void
expect(const char *text, int flags, int64_t want)
{
	char out[OMS_TIME_LEN], w[OMS_TIME_LEN];

	oms_time_format(want, w);
	FUZZ_CHECK(oms_time_parse(text, flags, "UTC", out) == OMS_OK,
	    "'%s' is not read (want %s): %s", text, w, oms_error());
	FUZZ_CHECK(strcmp(out, w) == 0, "'%s' read as %s, want %s", text, out,
	    w);
	canonical(text, out);
}

/* A time made of the bytes, in the forms channels write. */
static void
made(const uint8_t *b)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	static const int md[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
	    31 };
	long y = 1900 + (b[0] | b[1] << 8) % 8100;
	int m = 1 + b[2] % 12, d, h = b[4] % 24, mi = b[5] % 60, s = b[6] % 60;
	int offm = (b[7] % 57) * 30 - 14 * 60;	/* -14:00 to +14:00 */
	int64_t local, want;
	char t[96];

	d = 1 + b[3] % (md[m - 1] + (m == 2 && leap(y)));
	local = days(y, m, d) * 86400 + h * 3600 + mi * 60 + s;
	want = local - offm * 60;
	snprintf(t, sizeof t, "%04ld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y,
	    m, d, h, mi, s, offm < 0 ? '-' : '+', abs(offm) / 60,
	    abs(offm) % 60);
	/* Past 9999 or before 1900 in UTC: refused, never misread. */
	if (want >= days(10000, 1, 1) * 86400 ||
	    want < days(1900, 1, 1) * 86400) {
		char out[OMS_TIME_LEN];

		FUZZ_CHECK(oms_time_parse(t, 0, "UTC", out) != OMS_OK,
		    "'%s' is out of range but read as %s", t, out);
		return;
	}
	expect(t, 0, want);
	snprintf(t, sizeof t, "%04ld-%02d-%02d %02d:%02d:%02d %c%02d%02d", y,
	    m, d, h, mi, s, offm < 0 ? '-' : '+', abs(offm) / 60,
	    abs(offm) % 60);
	expect(t, 0, want);
	snprintf(t, sizeof t, "%d/%d/%04ld %d:%02d:%02d %s", m, d, y,
	    h % 12 ? h % 12 : 12, mi, s, h < 12 ? "AM" : "PM");
	expect(t, 0, local);
	snprintf(t, sizeof t, "%02d.%02d.%04ld %02d:%02d", d, m, y, h, mi);
	expect(t, OMS_TIME_DMY, local - s);
	snprintf(t, sizeof t, "%s %d, %04ld %02d:%02d:%02d UTC", mon[m - 1], d,
	    y, h, mi, s);
	expect(t, 0, local);
	snprintf(t, sizeof t, "%d-%s-%04ld", d, mon[m - 1], y);
	expect(t, 0, days(y, m, d) * 86400);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[OMS_TIME_LEN], *s;
	const char *tz;
	int flags;

	if (size < 1)
		return 0;
	tz = zones[data[0] & 7];
	flags = data[0] & 8 ? OMS_TIME_DMY : 0;
	s = fuzz_str(data + 1, size - 1);
	if (oms_time_parse(s, flags, tz, out) == OMS_OK)
		canonical(s, out);
	if (oms_time_parse_day(s, flags, "UTC", tz, out) == OMS_OK)
		canonical(s, out);
	if (size >= 9)
		made(data + 1);
	free(s);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_env();
	return 0;
}
