/*
 * jsonprint.c: a cJSON tree to text, as cJSON_PrintUnformatted writes
 * it, byte for byte, at a fraction of its cost.
 *
 * cJSON prints every number through sprintf("%1.15g"), reads it back
 * with sscanf to see whether 15 digits were enough, and grows its
 * buffer by reallocation, for the integers that most of a record's
 * numbers are too.  Here a whole number that "%1.15g" would write as
 * its digits is written digit by digit, and every other takes cJSON's
 * own way, so the text is the same: t/unit/jsonprint.c compares the two
 * on crafted and generated trees.  Routing and import print a record
 * or two an order.
 */
#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oms.h"

/* cJSON's compare_double. */
static int
same_double(double a, double b)
{
	double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);

	return fabs(a - b) <= max * DBL_EPSILON;
}

/* A number as cJSON prints one of that value (and put_value does). */
void
oms_buf_json_number(struct oms_buf *b, double d)
{
	double back;
	char s[32], dp;
	int n;

	if (isnan(d) || isinf(d)) {
		oms_buf_add(b, "null", 4);
		return;
	}
	/*
	 * A whole number under 10^15 is its digits in "%1.15g", and reads
	 * back the same; -0 keeps its sign there.
	 */
	if (d > -1e15 && d < 1e15 && d == (double)(int64_t)d &&
	    !(d == 0 && signbit(d))) {
		oms_buf_json_int(b, (int64_t)d);
		return;
	}
	n = snprintf(s, sizeof s, "%1.15g", d);
	if (sscanf(s, "%lg", &back) != 1 || !same_double(back, d))
		n = snprintf(s, sizeof s, "%1.17g", d);
	if (n < 0 || (size_t)n >= sizeof s)
		n = 0;
	/* cJSON writes '.' whatever the locale's decimal point. */
	dp = localeconv()->decimal_point[0];
	for (int i = 0; dp != '.' && i < n; i++)
		if (s[i] == dp)
			s[i] = '.';
	oms_buf_add(b, s, (size_t)n);
}

/* A key or string: cJSON writes "" for one it has no text of. */
static void
put_string(struct oms_buf *b, const char *s)
{
	if (s == NULL)
		oms_buf_add(b, "\"\"", 2);
	else
		oms_buf_json_string(b, s);
}

static int
put_value(struct oms_buf *b, const cJSON *item)
{
	const cJSON *c;

	switch (item->type & 0xff) {
	case cJSON_NULL:
		oms_buf_add(b, "null", 4);
		return OMS_OK;
	case cJSON_False:
		oms_buf_add(b, "false", 5);
		return OMS_OK;
	case cJSON_True:
		oms_buf_add(b, "true", 4);
		return OMS_OK;
	case cJSON_Number:
		oms_buf_json_number(b, item->valuedouble);
		return OMS_OK;
	case cJSON_Raw:
		if (item->valuestring == NULL)
			return OMS_ERR;
		oms_buf_adds(b, item->valuestring);
		return OMS_OK;
	case cJSON_String:
		put_string(b, item->valuestring);
		return OMS_OK;
	case cJSON_Array:
		oms_buf_addc(b, '[');
		for (c = item->child; c != NULL; c = c->next) {
			if (put_value(b, c) != OMS_OK)
				return OMS_ERR;
			if (c->next != NULL)
				oms_buf_addc(b, ',');
		}
		oms_buf_addc(b, ']');
		return OMS_OK;
	case cJSON_Object:
		oms_buf_addc(b, '{');
		for (c = item->child; c != NULL; c = c->next) {
			put_string(b, c->string);
			oms_buf_addc(b, ':');
			if (put_value(b, c) != OMS_OK)
				return OMS_ERR;
			if (c->next != NULL)
				oms_buf_addc(b, ',');
		}
		oms_buf_addc(b, '}');
		return OMS_OK;
	default:
		return OMS_ERR;
	}
}

/*
 * Append the text of v to b; OMS_ERR, with b as it was, where cJSON
 * would print nothing (a raw item without text, an unknown type).
 */
int
oms_json_print_buf(struct oms_buf *b, const cJSON *v)
{
	size_t len = b->len;

	if (v == NULL || put_value(b, v) != OMS_OK) {
		b->len = len;
		if (b->s != NULL)
			b->s[len] = '\0';
		return OMS_ERR;
	}
	return OMS_OK;
}

/* The text of v, to free(); NULL where cJSON_PrintUnformatted's is. */
char *
oms_json_print(const cJSON *v)
{
	struct oms_buf b = { 0 };

	oms_buf_add(&b, "", 0);
	if (oms_json_print_buf(&b, v) != OMS_OK) {
		oms_buf_free(&b);
		return NULL;
	}
	return b.s;
}
