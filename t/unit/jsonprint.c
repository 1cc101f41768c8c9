/*
 * Unit tests for lib/jsonprint.c: oms_json_print writes what
 * cJSON_PrintUnformatted writes, byte for byte, on crafted values at the
 * edges (numbers at int's bounds and past them, fractions needing 17
 * digits, NaN, every control character) and on generated trees.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "oms.h"
#include "unit.h"

static int
same(const cJSON *v, const char *what)
{
	char *a = cJSON_PrintUnformatted(v), *b = oms_json_print(v);
	int ok = (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);

	if (!ok)
		printf("# %s: cJSON '%s', ours '%s'\n", what, a ? a : "(null)",
		    b ? b : "(null)");
	free(a);
	free(b);
	return ok;
}

static uint64_t seed = 88172645463325252ull;

static uint64_t
rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

static double
any_number(void)
{
	static const double edge[] = { 0.0, -0.0, 1, -1, 0.1, 0.5, 1e15,
	    1e16, 1e300, -1e-300, 2147483647.0, 2147483648.0, -2147483648.0,
	    -2147483649.0, 4294967296.0, 9007199254740993.0, 123.456,
	    1.0 / 3.0, 2.0 / 3.0, 5e-324, 1.7976931348623157e308, 19.99,
	    0.07 };
	double d;

	switch (rnd() % 5) {
	case 0:
		return edge[rnd() % (sizeof edge / sizeof edge[0])];
	case 1:
		return (double)(int64_t)(rnd() % 2000000) - 1000000;
	case 2:
		return (double)(int64_t)rnd();
	case 3:
		return (double)(rnd() % 100000) / 100.0;
	default:
		memcpy(&d, &(uint64_t){ rnd() }, sizeof d);
		return d;	/* any bits: NaN and infinities too */
	}
}

static char *
any_string(char *s, size_t n)
{
	size_t len = rnd() % (n - 1);

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)(rnd() % 256);

		s[i] = (char)(c == 0 ? 'x' : c);
	}
	s[len] = '\0';
	return s;
}

static cJSON *
any_tree(int depth)
{
	char s[40];
	cJSON *v;
	int n;

	switch (depth > 4 ? rnd() % 5 : rnd() % 7) {
	case 0:
		return cJSON_CreateNull();
	case 1:
		return cJSON_CreateBool(rnd() % 2);
	case 2:
	case 3:
		return cJSON_CreateNumber(any_number());
	case 4:
		return cJSON_CreateString(any_string(s, sizeof s));
	case 5:
		v = cJSON_CreateArray();
		n = (int)(rnd() % 5);
		while (n-- > 0)
			cJSON_AddItemToArray(v, any_tree(depth + 1));
		return v;
	default:
		v = cJSON_CreateObject();
		n = (int)(rnd() % 5);
		while (n-- > 0)
			cJSON_AddItemToObject(v, any_string(s, 12),
			    any_tree(depth + 1));
		return v;
	}
}

int
main(void)
{
	char ctl[40];
	cJSON *v, *o;
	int bad;

	for (int i = 0; i < 31; i++)
		ctl[i] = (char)(i + 1);
	memcpy(ctl + 31, "\"\\/\x7f\xc3\xa9", 7);
	ctl[38] = '\0';
	v = cJSON_CreateString(ctl);
	OK(same(v, "controls"), "every control character, quote, backslash, "
	    "slash, DEL and UTF-8 as cJSON writes them");
	cJSON_Delete(v);

	bad = 0;
	{
		static const double n[] = { 0.0, -0.0, 2147483647.0,
		    2147483648.0, -2147483648.0, -2147483649.0, 1e15, 1e16,
		    1e21, 0.1, 1.0 / 3.0, 5e-324, 1.7976931348623157e308,
		    -1.5, 19.99, 100.0, NAN, INFINITY, -INFINITY };

		for (size_t i = 0; i < sizeof n / sizeof n[0]; i++) {
			v = cJSON_CreateNumber(n[i]);
			bad += !same(v, "number");
			cJSON_Delete(v);
		}
	}
	OK(bad == 0, "numbers at int's bounds and past, fractions, NaN and "
	    "infinities");

	v = cJSON_CreateNumber(7);
	v->valuedouble = 7.25;	/* valueint left behind: cJSON trusts it */
	OK(same(v, "stale valueint"), "a number whose valueint disagrees");
	cJSON_Delete(v);

	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "empty", cJSON_CreateObject());
	cJSON_AddItemToObject(o, "none", cJSON_CreateArray());
	cJSON_AddItemToObject(o, "raw", cJSON_CreateRaw("{\"a\": 1}"));
	cJSON_AddItemToObject(o, "", cJSON_CreateString(""));
	OK(same(o, "containers"), "empty containers, a raw item, empty key "
	    "and string");
	cJSON_Delete(o);

	v = cJSON_CreateRaw("x");
	free(v->valuestring);
	v->valuestring = NULL;
	OK(same(v, "raw without text") && oms_json_print(v) == NULL,
	    "a raw item without text prints nothing, as in cJSON");
	cJSON_Delete(v);

	bad = 0;
	for (int i = 0; i < 20000; i++) {
		v = any_tree(0);
		bad += !same(v, "generated");
		cJSON_Delete(v);
	}
	OK(bad == 0, "20000 generated trees print the same");

	{
		struct oms_buf b = { 0 };

		oms_buf_adds(&b, "x");
		v = cJSON_CreateRaw(NULL);
		OK(oms_json_print_buf(&b, v) == OMS_ERR && b.len == 1 &&
		    strcmp(b.s, "x") == 0, "a failed print leaves the buffer "
		    "as it was");
		cJSON_Delete(v);
		v = cJSON_Parse("[1,\"a\"]");
		OK(oms_json_print_buf(&b, v) == OMS_OK &&
		    strcmp(b.s, "x[1,\"a\"]") == 0, "print_buf appends");
		cJSON_Delete(v);
		oms_buf_free(&b);
	}
	return UNIT_DONE();
}
