/*
 * time.c: the date forms channels write, read into RFC 3339 UTC.
 *
 *   2025-05-11T09:55:16-04:00   2025-05-11 09:55:16 -0400   2026-07-18
 *   12/31/21  12/27/2018 3:45 PM   31.12.2021   Sep-18-26   Sep-30-26 23:45:00
 *   26-May-26   10-Dez-25   Jan 15, 2025   15 janv. 2025 14:00 CET
 *
 * A form that carries no zone is read in the zone the caller names (an
 * IANA name such as America/New_York), else in UTC.  Numeric dates are
 * month first unless OMS_TIME_DMY says day first; a dotted date (31.12.21)
 * is always day first.  Two-digit years 69-99 are 19xx, 00-68 are 20xx.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "oms.h"

enum { TNUM, TWORD, TSEP };

struct tok {
	int type;
	int ndig;	/* TNUM: number of digits */
	long num;
	char sep;	/* TSEP */
	char word[24];	/* TWORD, lower case, trailing '.' dropped */
};

#define MAXTOK 24

static const struct {
	const char *w;
	int m;
} months[] = {
	{ "jan", 1 }, { "january", 1 }, { "januar", 1 }, { "janvier", 1 },
	{ "janv", 1 }, { "ene", 1 }, { "enero", 1 }, { "gen", 1 },
	{ "gennaio", 1 }, { "jän", 1 }, { "jänner", 1 },
	{ "feb", 2 }, { "february", 2 }, { "februar", 2 }, { "février", 2 },
	{ "févr", 2 }, { "fevr", 2 }, { "fév", 2 }, { "febrero", 2 },
	{ "febbraio", 2 },
	{ "mar", 3 }, { "march", 3 }, { "märz", 3 }, { "mär", 3 }, { "mrz", 3 },
	{ "mars", 3 }, { "marzo", 3 },
	{ "apr", 4 }, { "april", 4 }, { "avril", 4 }, { "avr", 4 },
	{ "abr", 4 }, { "abril", 4 }, { "aprile", 4 },
	{ "may", 5 }, { "mai", 5 }, { "mayo", 5 }, { "mag", 5 }, { "maggio", 5 },
	{ "jun", 6 }, { "june", 6 }, { "juni", 6 }, { "juin", 6 }, { "junio", 6 },
	{ "giu", 6 }, { "giugno", 6 },
	{ "jul", 7 }, { "july", 7 }, { "juli", 7 }, { "juillet", 7 },
	{ "juil", 7 }, { "julio", 7 }, { "lug", 7 }, { "luglio", 7 },
	{ "aug", 8 }, { "august", 8 }, { "août", 8 }, { "aout", 8 },
	{ "ago", 8 }, { "agosto", 8 },
	{ "sep", 9 }, { "sept", 9 }, { "september", 9 }, { "septembre", 9 },
	{ "septiembre", 9 }, { "set", 9 }, { "settembre", 9 },
	{ "oct", 10 }, { "october", 10 }, { "okt", 10 }, { "oktober", 10 },
	{ "octobre", 10 }, { "octubre", 10 }, { "ott", 10 }, { "ottobre", 10 },
	{ "nov", 11 }, { "november", 11 }, { "novembre", 11 },
	{ "noviembre", 11 },
	{ "dec", 12 }, { "december", 12 }, { "dez", 12 }, { "dezember", 12 },
	{ "déc", 12 }, { "décembre", 12 }, { "dic", 12 }, { "diciembre", 12 },
	{ "dicembre", 12 },
};

static const char *const weekdays[] = {
	"mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu",
	"thur", "thurs", "thursday", "fri", "friday", "sat", "saturday", "sun",
	"sunday",
};

/* Zone abbreviations North American and European exports print. */
static const struct {
	const char *w;
	int off;	/* minutes east of UTC */
} abbrevs[] = {
	{ "utc", 0 }, { "gmt", 0 }, { "z", 0 }, { "est", -300 }, { "edt", -240 },
	{ "cst", -360 }, { "cdt", -300 }, { "mst", -420 }, { "mdt", -360 },
	{ "pst", -480 }, { "pdt", -420 }, { "akst", -540 }, { "akdt", -480 },
	{ "hst", -600 }, { "bst", 60 }, { "cet", 60 }, { "cest", 120 },
	{ "met", 60 }, { "mez", 60 }, { "mesz", 120 }, { "eet", 120 },
	{ "eest", 180 }, { "aest", 600 }, { "aedt", 660 }, { "jst", 540 },
};

/* Rails zone names (Square writes them) to IANA names. */
static const struct {
	const char *rails;
	const char *iana;
} rails[] = {
	{ "Eastern Time (US & Canada)", "America/New_York" },
	{ "Central Time (US & Canada)", "America/Chicago" },
	{ "Mountain Time (US & Canada)", "America/Denver" },
	{ "Pacific Time (US & Canada)", "America/Los_Angeles" },
	{ "Arizona", "America/Phoenix" },
	{ "Alaska", "America/Juneau" },
	{ "Hawaii", "Pacific/Honolulu" },
	{ "Atlantic Time (Canada)", "America/Halifax" },
	{ "Newfoundland", "America/St_Johns" },
	{ "Indiana (East)", "America/Indiana/Indianapolis" },
	{ "Puerto Rico", "America/Puerto_Rico" },
	{ "London", "Europe/London" }, { "Edinburgh", "Europe/London" },
	{ "Dublin", "Europe/Dublin" }, { "Lisbon", "Europe/Lisbon" },
	{ "Paris", "Europe/Paris" }, { "Madrid", "Europe/Madrid" },
	{ "Berlin", "Europe/Berlin" }, { "Amsterdam", "Europe/Amsterdam" },
	{ "Brussels", "Europe/Brussels" }, { "Rome", "Europe/Rome" },
	{ "Vienna", "Europe/Vienna" }, { "Stockholm", "Europe/Stockholm" },
	{ "Copenhagen", "Europe/Copenhagen" }, { "Warsaw", "Europe/Warsaw" },
	{ "Zurich", "Europe/Zurich" }, { "Bern", "Europe/Zurich" },
	{ "Athens", "Europe/Athens" }, { "Helsinki", "Europe/Helsinki" },
	{ "Tokyo", "Asia/Tokyo" }, { "Sydney", "Australia/Sydney" },
	{ "Melbourne", "Australia/Melbourne" }, { "Brisbane", "Australia/Brisbane" },
	{ "Perth", "Australia/Perth" }, { "Auckland", "Pacific/Auckland" },
	{ "UTC", "UTC" },
};

const char *
oms_tz_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof rails / sizeof rails[0]; i++)
		if (strcmp(rails[i].rails, name) == 0)
			return rails[i].iana;
	return NULL;
}

int
oms_tz_valid(const char *tz)
{
	char path[512];
	struct stat sb;

	if (tz == NULL || *tz == '\0' || tz[0] == '/' || strstr(tz, "..") ||
	    strlen(tz) > 200)
		return 0;
	if (strcmp(tz, "UTC") == 0)
		return 1;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int
lex(const char *s, struct tok *t, int *nt)
{
	const unsigned char *p = (const unsigned char *)s;
	int n = 0;

	while (*p) {
		if (n == MAXTOK)
			return -1;
		memset(&t[n], 0, sizeof t[n]);
		if (isdigit(*p)) {
			t[n].type = TNUM;
			while (isdigit(*p)) {
				if (t[n].ndig++ > 9)
					return -1;
				t[n].num = t[n].num * 10 + (*p++ - '0');
			}
		} else if (isalpha(*p) || *p >= 0x80) {
			size_t k = 0;

			/* A lone T between date and time separates them. */
			if ((*p == 'T' || *p == 't') && n > 0 &&
			    t[n - 1].type == TNUM && isdigit(p[1])) {
				t[n].type = TSEP;
				t[n].sep = 'T';
				p++;
				n++;
				continue;
			}
			t[n].type = TWORD;
			while (isalpha(*p) || *p >= 0x80) {
				if (k + 1 >= sizeof t[n].word)
					return -1;
				t[n].word[k++] = (char)tolower(*p++);
			}
			if (*p == '.')
				p++;
		} else if (isspace(*p)) {
			p++;
			continue;
		} else {
			t[n].type = TSEP;
			t[n].sep = (char)*p++;
			if (strchr("-/.:,+()", t[n].sep) == NULL)
				return -1;
		}
		n++;
	}
	*nt = n;
	return 0;
}

static int
month_of(const char *w)
{
	for (size_t i = 0; i < sizeof months / sizeof months[0]; i++)
		if (strcmp(months[i].w, w) == 0)
			return months[i].m;
	return 0;
}

static int
is_weekday(const char *w)
{
	for (size_t i = 0; i < sizeof weekdays / sizeof weekdays[0]; i++)
		if (strcmp(weekdays[i], w) == 0)
			return 1;
	return 0;
}

static int
leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
mdays(long y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int64_t)era * 146097 + doe - 719468;
}

/* Two decimal digits of 0 <= n < 100. */
static void
put2(char *p, long n)
{
	p[0] = (char)('0' + n / 10);
	p[1] = (char)('0' + n % 10);
}

void
oms_time_format(int64_t epoch, char out[OMS_TIME_LEN])
{
	int64_t z = epoch / 86400, rem = epoch % 86400;
	long era, doe, yoe, y, doy, mp, d, m;

	if (rem < 0) {
		rem += 86400;
		z--;
	}
	z += 719468;
	era = (long)((z >= 0 ? z : z - 146096) / 146097);
	doe = (long)(z - (int64_t)era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;
	/* Digit by digit: snprintf was a twentieth of an import. */
	put2(out, y / 100);
	put2(out + 2, y % 100);
	out[4] = '-';
	put2(out + 5, m);
	out[7] = '-';
	put2(out + 8, d);
	out[10] = 'T';
	put2(out + 11, rem / 3600);
	out[13] = ':';
	put2(out + 14, rem / 60 % 60);
	out[16] = ':';
	put2(out + 17, rem % 60);
	out[19] = 'Z';
	out[20] = '\0';
}

void
oms_time_now(char out[OMS_TIME_LEN])
{
	/*
	 * The last second given and its text, and the last OMS_NOW read and
	 * its second, per thread: a run asks many times a second.
	 */
	static _Thread_local int64_t last, pinned_e;
	static _Thread_local int have;
	static _Thread_local char text[OMS_TIME_LEN], pinned[64];
	const char *fixed = getenv("OMS_NOW");
	int64_t e;

	/* OMS_NOW pins the clock, so tests and replays are reproducible. */
	if (fixed != NULL && pinned[0] != '\0' && strcmp(fixed, pinned) == 0)
		e = pinned_e;
	else if (fixed != NULL && oms_time_to_epoch(fixed, &e) == OMS_OK) {
		if (strlen(fixed) < sizeof pinned) {
			strcpy(pinned, fixed);
			pinned_e = e;
		}
	} else
		e = (int64_t)time(NULL);
	if (!have || e != last) {
		oms_time_format(e, text);
		last = e;
		have = 1;
	}
	memcpy(out, text, OMS_TIME_LEN);
}

int
oms_time_to_epoch(const char *s, int64_t *out)
{
	char buf[OMS_TIME_LEN];

	if (oms_time_parse(s, 0, "UTC", buf) != OMS_OK)
		return OMS_ERR;
	*out = days_from_civil(atol(buf), atoi(buf + 5), atoi(buf + 8)) *
	    86400 + atoi(buf + 11) * 3600 + atoi(buf + 14) * 60 +
	    atoi(buf + 17);
	return OMS_OK;
}

/* Make tz the zone of localtime and mktime (cached: tzset is dear). */
static int
use_zone(const char *tz)
{
	static char cur[256];

	if (!oms_tz_valid(tz))
		return oms_seterr("unknown time zone '%s'", tz);
	if (strcmp(cur, tz) != 0) {
		snprintf(cur, sizeof cur, "%s", tz);
		setenv("TZ", tz, 1);
		tzset();
	}
	return OMS_OK;
}

/* The local time in zone tz (UTC when none) at epoch. */
int
oms_time_local(int64_t epoch, const char *tz, struct tm *out)
{
	time_t t = (time_t)epoch;

	if (tz == NULL || *tz == '\0' || strcmp(tz, "UTC") == 0) {
		gmtime_r(&t, out);
		return OMS_OK;
	}
	if (use_zone(tz) != OMS_OK)
		return OMS_ERR;
	localtime_r(&t, out);
	return OMS_OK;
}

/* Seconds east of UTC that zone tz has at local time y-m-d h:mi:s. */
static int
zone_offset(const char *tz, long y, int m, int d, int h, int mi, int s,
    long *off)
{
	struct tm tm;
	time_t t;

	if (tz == NULL || *tz == '\0' || strcmp(tz, "UTC") == 0) {
		*off = 0;
		return OMS_OK;
	}
	if (use_zone(tz) != OMS_OK)
		return OMS_ERR;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	t = mktime(&tm);
	if (t == (time_t)-1)
		return oms_seterr("cannot place the time in zone '%s'", tz);
	*off = tm.tm_gmtoff;
	/* mktime moved a time in a spring-forward gap: keep the wall time. */
	if (tm.tm_hour != h || tm.tm_mday != d)
		*off = (long)(days_from_civil(y, m, d) * 86400 + h * 3600 +
		    mi * 60 + s - (int64_t)t);
	return OMS_OK;
}

static long
year_of(const struct tok *t)
{
	if (t->ndig == 4)
		return t->num;
	if (t->ndig == 2 || t->ndig == 1)
		return t->num >= 69 ? 1900 + t->num : 2000 + t->num;
	return -1;
}

int
oms_time_parse(const char *s, int flags, const char *tz, char out[OMS_TIME_LEN])
{
	return oms_time_parse_day(s, flags, tz, tz, out);
}

/*
 * As oms_time_parse, but a date with no time of day and no zone is the
 * day in daytz (the seller's day, where the channel gives no hour).
 */
int
oms_time_parse_day(const char *s, int flags, const char *tz,
    const char *daytz, char out[OMS_TIME_LEN])
{
	struct tok t[MAXTOK];
	int nt, i = 0, m = 0, d = 0, h = 0, mi = 0, sec = 0, havezone = 0;
	int clock = 0;
	long y = -1, off = 0;
	int64_t e;
	const struct tok *a, *b, *c;
	char sep1 = 0;

	if (s == NULL || lex(s, t, &nt) < 0 || nt == 0)
		goto bad;
	if (t[0].type == TWORD && is_weekday(t[0].word)) {
		i = 1;
		if (i < nt && t[i].type == TSEP && t[i].sep == ',')
			i++;
	}
	/* The date: three parts with separators between them. */
	if (i >= nt)
		goto bad;
	a = &t[i++];
	if (i < nt && t[i].type == TSEP)
		sep1 = t[i++].sep;
	if (i >= nt)
		goto bad;
	b = &t[i++];
	if (i < nt && t[i].type == TSEP && t[i].sep != ':')
		i++;
	if (i >= nt)
		goto bad;
	c = &t[i++];
	if (a->type == TNUM && a->ndig == 4 && b->type == TNUM && c->type == TNUM &&
	    b->ndig <= 2 && c->ndig <= 2) {
		y = a->num;
		m = (int)b->num;
		d = (int)c->num;
	} else if (a->type == TNUM && b->type == TNUM && c->type == TNUM &&
	    a->ndig <= 2 && b->ndig <= 2) {
		if (sep1 == '.' || (flags & OMS_TIME_DMY)) {
			d = (int)a->num;
			m = (int)b->num;
		} else {
			m = (int)a->num;
			d = (int)b->num;
		}
		y = year_of(c);
	} else if (a->type == TWORD && b->type == TNUM && c->type == TNUM &&
	    b->ndig <= 2) {
		m = month_of(a->word);
		d = (int)b->num;
		y = year_of(c);
	} else if (a->type == TNUM && b->type == TWORD && c->type == TNUM &&
	    a->ndig <= 2) {
		d = (int)a->num;
		m = month_of(b->word);
		y = year_of(c);
	} else
		goto bad;
	if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1 ||
	    d > mdays(y, m))
		goto bad;
	if (i < nt && t[i].type == TSEP && (t[i].sep == 'T' || t[i].sep == ','))
		i++;
	/* The time of day, if any. */
	if (i < nt && t[i].type == TNUM) {
		if (t[i].ndig > 2 || i + 2 >= nt || t[i + 1].type != TSEP ||
		    t[i + 1].sep != ':' || t[i + 2].type != TNUM ||
		    t[i + 2].ndig != 2)
			goto bad;
		h = (int)t[i].num;
		mi = (int)t[i + 2].num;
		i += 3;
		clock = 1;
		if (i + 1 < nt && t[i].type == TSEP && t[i].sep == ':' &&
		    t[i + 1].type == TNUM && t[i + 1].ndig == 2) {
			sec = (int)t[i + 1].num;
			i += 2;
		}
		if (i + 1 < nt && t[i].type == TSEP && t[i].sep == '.' &&
		    t[i + 1].type == TNUM)
			i += 2;	/* fractions of a second are dropped */
		if (i < nt && t[i].type == TWORD &&
		    (strcmp(t[i].word, "am") == 0 || strcmp(t[i].word, "pm") == 0)) {
			if (h < 1 || h > 12)
				goto bad;
			if (t[i].word[0] == 'a')
				h = h == 12 ? 0 : h;
			else
				h = h == 12 ? 12 : h + 12;
			i++;
		}
		if (h > 23 || mi > 59 || sec > 59)
			goto bad;
	}
	/* The zone: Z, an offset, or an abbreviation. */
	if (i < nt && t[i].type == TWORD) {
		size_t k;

		for (k = 0; k < sizeof abbrevs / sizeof abbrevs[0]; k++)
			if (strcmp(abbrevs[k].w, t[i].word) == 0)
				break;
		if (k == sizeof abbrevs / sizeof abbrevs[0])
			goto bad;
		off = abbrevs[k].off * 60L;
		havezone = 1;
		i++;
	}
	if (i < nt && t[i].type == TSEP && (t[i].sep == '+' || t[i].sep == '-')) {
		int sign = t[i].sep == '-' ? -1 : 1;
		long oh, om = 0;

		if (i + 1 >= nt || t[i + 1].type != TNUM)
			goto bad;
		if (t[i + 1].ndig == 4) {
			oh = t[i + 1].num / 100;
			om = t[i + 1].num % 100;
			i += 2;
		} else if (t[i + 1].ndig <= 2) {
			oh = t[i + 1].num;
			i += 2;
			if (i + 1 < nt && t[i].type == TSEP && t[i].sep == ':' &&
			    t[i + 1].type == TNUM && t[i + 1].ndig == 2) {
				om = t[i + 1].num;
				i += 2;
			}
		} else
			goto bad;
		if (oh > 14 || om > 59)
			goto bad;
		off += sign * (oh * 3600 + om * 60);
		havezone = 1;
	}
	if (i != nt)
		goto bad;
	if (!havezone && zone_offset(clock ? tz : daytz, y, m, d, h, mi, sec,
	    &off) != OMS_OK)
		return OMS_ERR;
	/*
	 * An offset can move the time out of the years 1900 to 9999: it
	 * could not be written, nor read back, so it is no date.
	 */
	e = days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	if (e < days_from_civil(1900, 1, 1) * 86400 ||
	    e >= days_from_civil(10000, 1, 1) * 86400)
		goto bad;
	oms_time_format(e, out);
	return OMS_OK;
bad:
	return oms_seterr("'%s' is not a date", s ? s : "");
}

/*
 * A length of time as the user writes it: a whole number of seconds,
 * or of s, m, h or d (90m, 24h, 7d), at most 100000000 of its unit.
 */
int
oms_duration_parse(const char *s, int64_t *out)
{
	char *end;
	long long v;

	v = strtoll(s, &end, 10);
	if (end == s || v < 0 || v > 100000000 ||
	    (*end != '\0' && end[1] != '\0'))
		goto bad;
	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		v *= 60;
		break;
	case 'h':
		v *= 3600;
		break;
	case 'd':
		v *= 86400;
		break;
	default:
		goto bad;
	}
	*out = v;
	return OMS_OK;
bad:
	return oms_fail(OMS_E_USAGE, "'%s' is not a time such as 90m, 24h "
	    "or 7d", s);
}
