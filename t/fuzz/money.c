/*
 * money.c: oms_money_parse, oms_money_parse_loose and oms_money_format.
 *
 * The first byte picks the exponent (0, 2, 3 or 4, the ISO 4217 ones)
 * and the loose parser's decimal mark; the rest is the amount's text.
 * Properties: an amount either parser reads formats to text that both
 * read back as the same amount; any 64-bit amount but the one with no
 * positive twin formats and reads back the same; formatting into a short
 * buffer gives a NUL-terminated prefix of the whole.
 */
#include "fuzz.h"

static const int exps[] = { 0, 2, 3, 4 };

static void
round_trip(int64_t v, int exp)
{
	char buf[OMS_MONEY_BUFSZ], small[8], cur[8];
	int64_t w = 0;
	size_t len;

	oms_money_format(v, exp, buf, sizeof buf);
	len = strlen(buf);
	FUZZ_CHECK(len > 0 && len < sizeof buf, "'%s'", buf);
	if (v == INT64_MIN)
		return;		/* -9223372036854775808 has no positive twin */
	FUZZ_CHECK(oms_money_parse(buf, exp, &w) == OMS_OK && w == v,
	    "%lld exp %d formats as '%s', parsed %lld: %s", (long long)v, exp,
	    buf, (long long)w, oms_error());
	w = 0;
	FUZZ_CHECK(oms_money_parse_loose(buf, exp, 0, &w, cur) == OMS_OK &&
	    w == v && cur[0] == '\0', "%lld exp %d formats as '%s', loose "
	    "%lld", (long long)v, exp, buf, (long long)w);
	w = 0;
	FUZZ_CHECK(oms_money_parse_loose(buf, exp, OMS_MONEY_DECIMAL_POINT, &w,
	    NULL) == OMS_OK && w == v, "'%s' with a decimal point", buf);
	for (size_t n = 1; n <= sizeof small; n++) {
		memset(small, 'x', sizeof small);
		oms_money_format(v, exp, small, n);
		FUZZ_CHECK(small[n - 1] == '\0' || strlen(small) < n,
		    "format into %zu bytes is not terminated", n);
		FUZZ_CHECK(strncmp(small, buf, strlen(small)) == 0 &&
		    strlen(small) == (len < n - 1 ? len : n - 1),
		    "format into %zu bytes: '%s' of '%s'", n, small, buf);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int exp, flags;
	int64_t v;
	char *s, cur[8];

	if (size < 1)
		return 0;
	exp = exps[data[0] & 3];
	flags = (data[0] >> 2) % 3;	/* none, comma, point */
	s = fuzz_str(data + 1, size - 1);
	if (oms_money_parse(s, exp, &v) == OMS_OK)
		round_trip(v, exp);
	if (oms_money_parse_loose(s, exp, flags, &v, cur) == OMS_OK) {
		FUZZ_CHECK(strlen(cur) < sizeof cur, "currency overflows");
		round_trip(v, exp);
	}
	/* The raw bytes as an amount, when there are eight of them. */
	if (size >= 9) {
		memcpy(&v, data + 1, sizeof v);
		round_trip(v, exp);
	}
	free(s);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_env();
	return 0;
}
