/*
 * money.c: amounts are integers in the currency's minor unit (ISO 4217
 * exponent: JPY 0, USD 2, KWD 3) and decimal strings at the edges.  No
 * amount ever passes through a double.
 *
 * Rounding: digits beyond the exponent are rounded half away from zero
 * ("0.125" USD is 13 cents, "-0.125" is -13), the rule shops and tax
 * authorities use for a single amount.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "oms.h"

/* Currencies whose minor unit is not 1/100; every other code has 2. */
static const struct {
	char code[4];
	int exp;
} exps[] = {
	{ "BHD", 3 }, { "BIF", 0 }, { "CLF", 4 }, { "CLP", 0 }, { "DJF", 0 },
	{ "GNF", 0 }, { "IQD", 3 }, { "ISK", 0 }, { "JOD", 3 }, { "JPY", 0 },
	{ "KMF", 0 }, { "KRW", 0 }, { "KWD", 3 }, { "LYD", 3 }, { "OMR", 3 },
	{ "PYG", 0 }, { "RWF", 0 }, { "TND", 3 }, { "UGX", 0 }, { "UYI", 0 },
	{ "UYW", 4 }, { "VND", 0 }, { "VUV", 0 }, { "XAF", 0 }, { "XOF", 0 },
	{ "XPF", 0 },
};

int
oms_currency_valid(const char *code)
{
	return code != NULL && strlen(code) == 3 && isupper((unsigned char)code[0]) &&
	    isupper((unsigned char)code[1]) && isupper((unsigned char)code[2]);
}

int
oms_currency_exponent(const char *code)
{
	if (code == NULL)
		return 2;
	for (size_t i = 0; i < sizeof exps / sizeof exps[0]; i++)
		if (strcmp(exps[i].code, code) == 0)
			return exps[i].exp;
	return 2;
}

int
oms_money_parse(const char *s, int exponent, int64_t *out)
{
	const char *p = s;
	int neg = 0, frac = 0, round = 0;
	uint64_t v = 0;
	const uint64_t lim = (uint64_t)INT64_MAX;

	if (s == NULL || *s == '\0')
		return oms_seterr("empty amount");
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (!isdigit((unsigned char)*p))
		return oms_seterr("'%s' is not an amount", s);
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (lim - (uint64_t)(*p - '0')) / 10)
			return oms_seterr("amount '%s' is too large", s);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return oms_seterr("'%s' is not an amount", s);
		for (; isdigit((unsigned char)*p); p++) {
			if (frac < exponent) {
				if (v > (lim - (uint64_t)(*p - '0')) / 10)
					return oms_seterr("amount '%s' is too "
					    "large", s);
				v = v * 10 + (uint64_t)(*p - '0');
				frac++;
			} else if (frac == exponent) {
				round = *p >= '5';
				frac++;
			}
		}
	}
	if (*p != '\0')
		return oms_seterr("'%s' is not an amount", s);
	for (int i = frac < exponent ? frac : exponent; i < exponent; i++) {
		if (v > lim / 10)
			return oms_seterr("amount '%s' is too large", s);
		v *= 10;
	}
	v += (uint64_t)round;
	if (v > lim)
		return oms_seterr("amount '%s' is too large", s);
	*out = neg ? -(int64_t)v : (int64_t)v;
	return OMS_OK;
}

static const struct {
	const char *sym;
	const char *code;
} syms[] = {
	{ "US $", "USD" }, { "US$", "USD" }, { "AU $", "AUD" }, { "AU$", "AUD" },
	{ "A $", "AUD" }, { "C $", "CAD" }, { "CA $", "CAD" }, { "CA$", "CAD" },
	{ "NZ $", "NZD" }, { "HK $", "HKD" }, { "S $", "SGD" },
	{ "\xe2\x82\xac", "EUR" }, { "\xc2\xa3", "GBP" }, { "\xc2\xa5", "JPY" },
	{ "\xef\xbf\xa5", "JPY" }, { "\xe2\x82\xb9", "INR" }, { "Fr.", "CHF" },
	{ "$", "" },
};

/* Name the currency a prefix or suffix spells, or "" when it says none. */
static int
currency_text(const char *t, size_t n, char cur[8])
{
	char w[16];
	size_t i, k = 0;

	while (n > 0 && isspace((unsigned char)t[n - 1]))
		n--;
	while (n > 0 && isspace((unsigned char)*t))
		t++, n--;
	cur[0] = '\0';
	if (n == 0)
		return OMS_OK;
	if (n >= sizeof w)
		return OMS_ERR;
	memcpy(w, t, n);
	w[n] = '\0';
	for (i = 0; i < sizeof syms / sizeof syms[0]; i++)
		if (strcmp(w, syms[i].sym) == 0) {
			strcpy(cur, syms[i].code);
			return OMS_OK;
		}
	for (i = 0; i < n; i++)
		if (isupper((unsigned char)w[i]))
			k++;
	if (k == 3 && n == 3) {
		strcpy(cur, w);
		return OMS_OK;
	}
	/* "EUR $" and the like: a code followed by a symbol. */
	if (n > 4 && k == 3 && w[3] == ' ') {
		memcpy(cur, w, 3);
		cur[3] = '\0';
		return OMS_OK;
	}
	return OMS_ERR;
}

/*
 * What channels write: "$1,149.00 ", "($33.62)", "-$0.93", "AU $3,000.00",
 * "EUR 90,00", "1.234,56 €".  The decimal mark is the flag's when one is
 * given; otherwise the last of '.' and ',' when both occur, and a lone
 * mark is a thousands separator only when three digits follow it and the
 * currency has no three-digit minor unit.
 */
int
oms_money_parse_loose(const char *s, int exponent, int flags, int64_t *out,
    char cur[8])
{
	char num[64], dec = 0, curbuf[8];
	const char *p, *first = NULL, *last = NULL;
	size_t n = 0, len;
	int neg = 0, ndot = 0, ncomma = 0, seen = 0, i;
	struct oms_buf pre = { 0 };

	if (cur == NULL)
		cur = curbuf;
	cur[0] = '\0';
	if (s == NULL)
		return oms_seterr("empty amount");
	len = strlen(s);
	while (len > 0 && (isspace((unsigned char)s[len - 1]) ||
	    (len >= 2 && (unsigned char)s[len - 2] == 0xc2 &&
	    (unsigned char)s[len - 1] == 0xa0)))
		len -= isspace((unsigned char)s[len - 1]) ? 1 : 2;
	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	if (len == 0)
		return oms_seterr("empty amount");
	if (s[0] == '(' && s[len - 1] == ')') {
		neg = 1;
		s++;
		len -= 2;
	}
	for (p = s; p < s + len; p++)
		if (isdigit((unsigned char)*p)) {
			if (first == NULL)
				first = p;
			last = p;
		}
	if (first == NULL)
		return oms_seterr("'%.*s' is not an amount", (int)len, s);
	/* Sign and currency around the number. */
	for (p = s; p < first; p++) {
		if (*p == '-') {
			neg = !neg;
			continue;
		}
		oms_buf_addc(&pre, *p);
	}
	for (p = last + 1; p < s + len; p++) {
		if (*p == '-' && p == last + 1) {
			neg = !neg;
			continue;
		}
		oms_buf_addc(&pre, *p);
	}
	i = currency_text(pre.s ? pre.s : "", pre.len, cur);
	oms_buf_free(&pre);
	if (i != OMS_OK)
		return oms_seterr("'%.*s' is not an amount", (int)len, s);
	for (p = first; p <= last; p++) {
		if (*p == '.')
			ndot++;
		else if (*p == ',')
			ncomma++;
		else if (!isdigit((unsigned char)*p) && *p != '\'' && *p != ' ')
			return oms_seterr("'%.*s' is not an amount", (int)len, s);
	}
	if (flags & OMS_MONEY_DECIMAL_COMMA)
		dec = ',';
	else if (flags & OMS_MONEY_DECIMAL_POINT)
		dec = '.';
	else if (ndot && ncomma) {
		for (p = last; p >= first; p--)
			if (*p == '.' || *p == ',') {
				dec = *p;
				break;
			}
	} else if (ndot + ncomma == 1) {
		char m = ndot ? '.' : ',';
		const char *at = memchr(first, m, (size_t)(last - first + 1));
		int after = (int)(last - at);

		dec = (after == 3 && exponent != 3) ? 0 : m;
	}
	for (p = first; p <= last; p++) {
		if (isdigit((unsigned char)*p))
			num[n++] = *p;
		else if (dec != 0 && *p == dec) {
			if (seen++)
				return oms_seterr("'%.*s' is not an amount",
				    (int)len, s);
			num[n++] = '.';
		} else if (seen)
			return oms_seterr("'%.*s' is not an amount", (int)len, s);
		else {
			/* A thousands separator stands before three digits. */
			const char *q = p + 1;

			while (q <= last && isdigit((unsigned char)*q))
				q++;
			if (q - p - 1 != 3)
				return oms_seterr("'%.*s' is not an amount",
				    (int)len, s);
		}
		if (n >= sizeof num - 1)
			return oms_seterr("amount '%.*s' is too large", (int)len,
			    s);
	}
	num[n] = '\0';
	if (oms_money_parse(num, exponent, out) != OMS_OK)
		return oms_seterr("'%.*s' is not an amount", (int)len, s);
	if (neg)
		*out = -*out;
	return OMS_OK;
}

char *
oms_money_format(int64_t v, int exponent, char *buf, size_t n)
{
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	char tmp[48], *p = tmp + sizeof tmp;
	int i = 0;

	/* Digits from the right: the fraction, the mark, the whole part. */
	*--p = '\0';
	do {
		if (exponent > 0 && i == exponent)
			*--p = '.';
		*--p = (char)('0' + u % 10);
		u /= 10;
		i++;
	} while (u > 0 || i <= exponent);
	if (v < 0)
		*--p = '-';
	if (n > 0) {
		size_t len = (size_t)(tmp + sizeof tmp - p);

		if (len > n)
			len = n;
		memcpy(buf, p, len);
		buf[len - 1] = '\0';
	}
	return buf;
}

/*
 * An amount in JSON, a string or a number, in minor units: a number (as
 * TaxJar and the like write amounts) is read as the 15 digits a double
 * holds for sure; OMS_ERR when it is neither, or past 10^13.
 */
int
oms_money_json(const cJSON *v, int exponent, int64_t *out)
{
	char buf[64];

	*out = 0;
	if (cJSON_IsString(v))
		return oms_money_parse(v->valuestring, exponent, out);
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    fabs(v->valuedouble) >= 1e13)
		return OMS_ERR;
	snprintf(buf, sizeof buf, "%.15g", v->valuedouble);
	if (strchr(buf, 'e') != NULL)
		return strcmp(buf, "0") == 0 ? OMS_OK : OMS_ERR;
	return oms_money_parse(buf, exponent, out);
}

/* Add key to obj: the amount v as a JSON number of its exact text. */
void
oms_money_json_add(cJSON *obj, const char *key, int64_t v, int exponent)
{
	char buf[OMS_MONEY_BUFSZ];

	oms_money_format(v, exponent, buf, sizeof buf);
	cJSON_AddItemToObject(obj, key, cJSON_CreateRaw(buf));
}
