/* Unit tests for lib/money.c. */
#include <stdint.h>
#include "oms.h"
#include "unit.h"

static void
round_trip(const char *in, const char *cur, int64_t want, const char *out)
{
	int exp = oms_currency_exponent(cur);
	char buf[OMS_MONEY_BUFSZ];
	int64_t v = 0;
	int rc = oms_money_parse(in, exp, &v);

	OK(rc == OMS_OK && v == want, "parse %s %s = %lld (got %lld)", cur, in,
	    (long long)want, (long long)v);
	STR_EQ(oms_money_format(v, exp, buf, sizeof buf), out,
	    "format %lld %s", (long long)want, cur);
}

static void
reject(const char *in, int exp)
{
	int64_t v = 0;

	OK(oms_money_parse(in, exp, &v) == OMS_ERR, "reject '%s'", in);
}

static void
loose(const char *in, const char *cur, int flags, int64_t want,
    const char *wantcur)
{
	char c[8];
	int64_t v = 0;
	int rc = oms_money_parse_loose(in, oms_currency_exponent(cur), flags,
	    &v, c);

	OK(rc == OMS_OK && v == want, "loose '%s' = %lld (got %lld, rc %d)",
	    in, (long long)want, (long long)v, rc);
	STR_EQ(c, wantcur, "currency of '%s'", in);
}

static void
loose_reject(const char *in)
{
	int64_t v;

	OK(oms_money_parse_loose(in, 2, 0, &v, NULL) == OMS_ERR,
	    "loose reject '%s'", in);
}

int
main(void)
{
	OK(oms_currency_exponent("JPY") == 0, "JPY has 0 decimals");
	OK(oms_currency_exponent("USD") == 2, "USD has 2 decimals");
	OK(oms_currency_exponent("KWD") == 3, "KWD has 3 decimals");
	OK(oms_currency_exponent("EUR") == 2, "EUR has 2 decimals");
	OK(oms_currency_valid("USD") && !oms_currency_valid("usd") &&
	    !oms_currency_valid("US") && !oms_currency_valid(NULL),
	    "currency codes are three capitals");

	round_trip("19.99", "USD", 1999, "19.99");
	round_trip("0", "USD", 0, "0.00");
	round_trip("0.5", "USD", 50, "0.50");
	round_trip("-10.00", "USD", -1000, "-10.00");
	round_trip("-0.05", "USD", -5, "-0.05");
	round_trip("5980", "JPY", 5980, "5980");
	round_trip("12.345", "KWD", 12345, "12.345");
	round_trip("12.3", "KWD", 12300, "12.300");
	round_trip("7", "KWD", 7000, "7.000");
	round_trip("92233720368547758.07", "USD", INT64_MAX,
	    "92233720368547758.07");
	/* Digits past the exponent round half away from zero. */
	round_trip("0.125", "USD", 13, "0.13");
	round_trip("0.124", "USD", 12, "0.12");
	round_trip("-0.125", "USD", -13, "-0.13");
	round_trip("5980.5", "JPY", 5981, "5981");
	round_trip("1.0005", "KWD", 1001, "1.001");

	reject("1.2.3", 2);
	reject("1e5", 2);
	reject("NaN", 2);
	reject("nan", 2);
	reject("inf", 2);
	reject("", 2);
	reject("-", 2);
	reject("1.", 2);
	reject(".5", 2);
	reject(" 1.00", 2);
	reject("1,000.00", 2);
	reject("$1.00", 2);
	reject("0x10", 2);
	reject("92233720368547758.08", 2);
	reject("99999999999999999999", 0);
	reject("9223372036854775808", 0);

	loose("$43.00", "USD", 0, 4300, "");
	loose("AU $3,000.00", "AUD", 0, 300000, "AUD");
	loose("EUR 90,00", "EUR", 0, 9000, "EUR");
	loose("$1,149.00 ", "USD", 0, 114900, "");
	loose("($33.62)", "USD", 0, -3362, "");
	loose("-$0.93", "USD", 0, -93, "");
	loose("\xc2\xa3" "12.50", "GBP", 0, 1250, "GBP");
	loose("1.234,56 \xe2\x82\xac", "EUR", 0, 123456, "EUR");
	loose("12,50", "EUR", OMS_MONEY_DECIMAL_COMMA, 1250, "");
	loose("1.250", "EUR", OMS_MONEY_DECIMAL_COMMA, 125000, "");
	loose("1,250", "USD", 0, 125000, "");
	loose("1,250", "KWD", 0, 1250, "");
	loose("8.00", "USD", 0, 800, "");
	loose("1.0", "USD", 0, 100, "");
	loose("US $5.00", "USD", 0, 500, "USD");
	loose("10.00 USD", "USD", 0, 1000, "USD");
	loose_reject("abc");
	loose_reject("$");
	loose_reject("1.2.3");
	loose_reject("12,34.56,7");
	loose_reject("1e5");
	loose_reject("");
	loose_reject("5 apples");
	return UNIT_DONE();
}
