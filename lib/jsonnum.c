/*
 * jsonnum.c: numbers in JSON text that a double cannot hold.
 *
 * cJSON (and jq 1.6) keep every number as a double, whose 53 bits hold
 * 15 decimal digits for sure and no integer past 2^53 exactly; the text
 * of the number is lost in the parse.  Channels send ids as numbers of
 * 16 to 20 digits (Shopify, WooCommerce, carriers' tracking numbers):
 * parsed as doubles, two ids that differ past the 15th digit become one.
 *
 * So before the parse, every integer literal of more than 15 digits
 * (written without a fraction or an exponent) is turned into a string
 * of the same text: "id": 5823749823749823749 reads as
 * "id": "5823749823749823749".  The scan knows strings and their
 * escapes, so nothing inside a string and nothing else changes.  Where
 * a field holds an id, a string of digits and a number are the same to
 * oms; where it holds a count or an amount, a string of too many digits
 * is refused as a number of too many digits was (oms_json_int, money).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oms.h"

/* Digits a double holds for any integer of that many digits. */
#define WIDE 15

/* Where each literal quoted began and ended in the text as read. */
struct spans {
	size_t *at;		/* begin, end, begin, end, ... */
	size_t n, cap;		/* literals */
};

static int
isdig(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Is there a run of more than WIDE digits anywhere?  Most text has not.
 * Such a run covers one of every WIDE + 1 places: look only there.
 */
static int
any_wide(const char *s, size_t n)
{
	for (size_t i = WIDE; i < n; i += WIDE + 1) {
		size_t l = i, r = i + 1;

		if (!isdig(s[i]))
			continue;
		while (l > 0 && isdig(s[l - 1]))
			l--;
		while (r < n && isdig(s[r]))
			r++;
		if (r - l > WIDE)
			return 1;
	}
	return 0;
}

struct widening {
	const char *s;
	struct oms_buf *out;
	struct spans *sp;
	size_t done;		/* s is in out up to here */
	size_t k;		/* literals quoted */
};

/* Quote the wide integers in s[i..e), text outside any string. */
static void
numbers(struct widening *w, size_t i, size_t e)
{
	const char *s = w->s;

	while (i < e) {
		size_t j, d;
		char c = s[i];

		if (c != '-' && !isdig(c)) {
			i++;
			continue;
		}
		j = i + (c == '-');
		for (d = j; d < e && isdig(s[d]); d++)
			;
		if (d < e && (s[d] == '.' || s[d] == 'e' || s[d] == 'E')) {
			/* A fraction or an exponent: a double, as written. */
			while (d < e && (isdig(s[d]) || s[d] == '.' ||
			    s[d] == 'e' || s[d] == 'E' || s[d] == '+' ||
			    s[d] == '-'))
				d++;
			i = d;
			continue;
		}
		if (d - j > WIDE) {
			struct spans *sp = w->sp;

			if (w->k == 0)
				oms_buf_reset(w->out);
			oms_buf_add(w->out, s + w->done, i - w->done);
			oms_buf_addc(w->out, '"');
			oms_buf_add(w->out, s + i, d - i);
			oms_buf_addc(w->out, '"');
			w->done = d;
			if (sp != NULL) {
				if (sp->n == sp->cap) {
					sp->cap = sp->cap ? sp->cap * 2 : 8;
					sp->at = erealloc(sp->at, 2 * sp->cap *
					    sizeof *sp->at);
				}
				sp->at[2 * sp->n] = i;
				sp->at[2 * sp->n++ + 1] = d;
			}
			w->k++;
		}
		i = d > i ? d : i + 1;
	}
}

/*
 * Quote the wide integer literals of s into out, noting where each one
 * was in sp when sp is not NULL.  Returns how many; when none, out is
 * left as it was.  Strings are skipped whole, to the first quote that
 * an even number of backslashes (none, most often) comes before.
 */
static size_t
widen(const char *s, size_t n, struct oms_buf *out, struct spans *sp)
{
	struct widening w = { s, out, sp, 0, 0 };
	size_t i = 0;

	if (!any_wide(s, n))
		return 0;
	while (i < n) {
		const char *q = memchr(s + i, '"', n - i);
		size_t e = q ? (size_t)(q - s) : n, start;

		numbers(&w, i, e);
		if (q == NULL)
			break;
		start = i = e + 1;
		while ((q = memchr(s + i, '"', n - i)) != NULL) {
			size_t b = 0;

			while ((size_t)(q - s) - b > start && q[-1 - (long)b] ==
			    '\\')
				b++;
			i = (size_t)(q - s) + 1;
			if (b % 2 == 0)
				break;
		}
		if (q == NULL)
			break;
	}
	if (w.k > 0)
		oms_buf_add(out, s + w.done, n - w.done);
	return w.k;
}

size_t
oms_json_widen(const char *s, size_t n, struct oms_buf *out)
{
	return widen(s, n, out, NULL);
}

/* Where offset off of the widened text was in the text as read. */
static size_t
back(const struct spans *sp, size_t off)
{
	for (size_t i = 0; i < sp->n; i++) {
		size_t a = sp->at[2 * i], e = sp->at[2 * i + 1];
		size_t open = a + 2 * i, past = e + 2 * i + 2;

		if (off <= open)
			return off - 2 * i;
		/* Within the quoted literal: its digit, or its end. */
		if (off < past)
			return off - open - 1 < e - a ? a + (off - open - 1) : e;
	}
	return off - 2 * sp->n;
}

/*
 * cJSON_ParseWithLengthOpts over s with its wide integers as strings.
 * *stop (when stop is not NULL) is where the value ended in s; on
 * failure NULL is returned and *err (when err is not NULL) says where
 * in s the parse stopped.
 */
cJSON *
oms_json_parse(const char *s, size_t n, const char **stop, const char **err)
{
	struct oms_buf b = { 0 };
	struct spans sp = { 0 };
	const char *end = NULL, *at;
	cJSON *v;

	if (err != NULL)
		*err = NULL;
	if (widen(s, n, &b, &sp) == 0) {
		v = cJSON_ParseWithLengthOpts(s, n, &end, 0);
		if (stop != NULL)
			*stop = end;
		if (v == NULL && err != NULL) {
			at = cJSON_GetErrorPtr();
			*err = at >= s && at <= s + n ? at : s;
		}
		return v;
	}
	v = cJSON_ParseWithLengthOpts(b.s, b.len, &end, 0);
	if (stop != NULL)
		*stop = end ? s + back(&sp, (size_t)(end - b.s)) : NULL;
	if (v == NULL && err != NULL) {
		at = cJSON_GetErrorPtr();
		*err = at >= b.s && at <= b.s + b.len ?
		    s + back(&sp, (size_t)(at - b.s)) : s;
	}
	oms_buf_free(&b);
	free(sp.at);
	return v;
}

/*
 * The text of an id, which a channel may send as a string or as a
 * number: a number must be a whole one that a double holds exactly
 * (wider ones come as strings of digits, see above).  1e20 or 12.5 is
 * no id: OMS_ERR, with the message set.  *text is NULL for none (null,
 * absent); objects, lists and truth values are no id either.
 */
int
oms_json_id(const cJSON *v, char *buf, size_t n, const char **text)
{
	*text = NULL;
	if (v == NULL || cJSON_IsNull(v))
		return OMS_OK;
	if (cJSON_IsString(v)) {
		*text = v->valuestring;
		return OMS_OK;
	}
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d >= -9007199254740992.0 && d <= 9007199254740992.0 &&
		    d == (double)(int64_t)d) {
			snprintf(buf, n, "%lld", (long long)d);
			*text = buf;
			return OMS_OK;
		}
		snprintf(buf, n, "%.15g", d);
		if (strtod(buf, NULL) != d)
			snprintf(buf, n, "%.17g", d);
		/*
		 * Whole numbers in plain digits were exact or came as
		 * strings: this one had a fraction or an exponent.
		 */
		return oms_seterr("the number %s is not a whole number up to "
		    "2^53, so no id: send an id as a string, or as a whole "
		    "number in plain digits", buf);
	}
	return oms_seterr("%s is no id", cJSON_IsBool(v) ? "a truth value" :
	    cJSON_IsArray(v) ? "a list" : "an object");
}
