/*
 * Unit tests for lib/facts.c: whatever oms_record_facts takes, cJSON
 * parses, and its lookups (a key's first occurrence, a string value
 * alone) find what oms_record_facts found; on crafted records at the
 * edges (duplicate keys, escapes, values of every kind, text after the
 * record, surrogates, depth) and on generated ones.
 */
#include <stdint.h>
#include <stdlib.h>
#include "oms.h"
#include "route.h"
#include "unit.h"

static char *
span(const struct oms_span *s)
{
	char *t;

	if (s->p == NULL)
		return NULL;
	t = malloc(s->n + 1);
	memcpy(t, s->p, s->n);
	t[s->n] = '\0';
	return t;
}

static int
same_str(const char *what, const char *text, const struct oms_span *s,
    const char *want)
{
	char *got = span(s);
	int ok = (got == NULL && want == NULL) ||
	    (got != NULL && want != NULL && strcmp(got, want) == 0);

	if (!ok)
		printf("# %s of %s: ours '%s', cJSON's '%s'\n", what, text,
		    got ? got : "(null)", want ? want : "(null)");
	free(got);
	return ok;
}

/* 1 when oms_record_facts declines or agrees with cJSON; *took says which. */
static int
agrees(const char *text, int *took)
{
	struct oms_record_facts f;
	cJSON *j, *to, *tags;
	char *a, *b;
	int ok = 1;

	*took = oms_record_facts(text, &f);
	if (!*took)
		return 1;
	if ((j = cJSON_Parse(text)) == NULL) {
		printf("# took what cJSON refuses: %s\n", text);
		return 0;
	}
	to = cJSON_GetObjectItemCaseSensitive(j, "ship_to");
	ok &= same_str("segment", text, &f.segment, oms_json_str(
	    cJSON_GetObjectItemCaseSensitive(j, "customer"), "segment"));
	ok &= same_str("country", text, &f.country, oms_json_str(to,
	    "country"));
	ok &= same_str("region", text, &f.region, oms_json_str(to, "region"));
	ok &= same_str("postal", text, &f.postal, oms_json_str(to,
	    "postal_code"));
	ok &= same_str("pickup", text, &f.pickup, oms_json_str(j,
	    "pickup_location"));
	ok &= same_str("order_type", text, &f.order_type, oms_json_str(j,
	    "order_type"));
	tags = cJSON_GetObjectItemCaseSensitive(j, "tags");
	if ((tags != NULL) != (f.tags.set != 0)) {
		printf("# tags of %s: there for one and not the other\n", text);
		ok = 0;
	} else if (tags != NULL) {
		cJSON *t = cJSON_ParseWithLength(f.tags.p, f.tags.n);

		a = cJSON_PrintUnformatted(tags);
		b = t ? cJSON_PrintUnformatted(t) : NULL;
		if (b == NULL || strcmp(a, b) != 0) {
			printf("# tags of %s: '%s' against '%s'\n", text, a,
			    b ? b : "(null)");
			ok = 0;
		}
		free(a);
		free(b);
		cJSON_Delete(t);
	}
	cJSON_Delete(j);
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

/* A random value, often with the keys the scan looks for; an object
 * at depth 0. */
static void
gen(struct oms_buf *b, int depth)
{
	static const char *const keys[] = { "customer", "ship_to", "segment",
	    "country", "region", "postal_code", "pickup_location",
	    "order_type", "tags", "lines", "x", "seg\\u006dent", "" };
	static const char *const strs[] = { "\"US\"", "\"\"", "\"W1\"",
	    "\"a\\\"b\"", "\"\\u00e9\"", "\"Z\\u00fcrich\"", "\"\\n\"",
	    "\"caf\xc3\xa9\"", "\"vip\"" };
	static const char *const atoms[] = { "0", "-1", "12.5", "1e10",
	    "-0.0e-3", "true", "false", "null" };
	int n;

	switch (depth == 0 ? 4 : depth > 3 ? rnd() % 3 : rnd() % 5) {
	case 0:
		oms_buf_adds(b, strs[rnd() % (sizeof strs / sizeof *strs)]);
		return;
	case 1:
	case 2:
		oms_buf_adds(b, atoms[rnd() % (sizeof atoms / sizeof *atoms)]);
		return;
	case 3:
		oms_buf_addc(b, '[');
		n = (int)(rnd() % 4);
		for (int i = 0; i < n; i++) {
			if (i > 0)
				oms_buf_addc(b, ',');
			gen(b, depth + 1);
		}
		oms_buf_addc(b, ']');
		return;
	default:
		oms_buf_addc(b, '{');
		n = (int)(rnd() % 6);
		for (int i = 0; i < n; i++) {
			if (i > 0)
				oms_buf_addc(b, ',');
			oms_buf_addc(b, '"');
			oms_buf_adds(b, keys[rnd() % (sizeof keys /
			    sizeof *keys)]);
			oms_buf_adds(b, "\":");
			gen(b, depth + 1);
		}
		oms_buf_addc(b, '}');
	}
}

int
main(void)
{
	static const char *const crafted[] = {
		"{\"type\":\"order\",\"customer\":{\"name\":\"A\",\"segment\":"
		    "\"wholesale\"},\"ship_to\":{\"country\":\"US\",\"region\":"
		    "\"NY\",\"postal_code\":\"10001\"},\"tags\":[\"vip\",1]}",
		"{\"ship_to\":{\"country\":\"US\"},\"ship_to\":{\"country\":"
		    "\"CA\"}}",
		"{\"ship_to\":\"US\",\"ship_to\":{\"country\":\"CA\"}}",
		"{\"ship_to\":{\"country\":1,\"country\":\"US\"}}",
		"{\"ship_to\":[{\"country\":\"US\"}]}",
		"{\"customer\":{\"segment\":null},\"pickup_location\":7}",
		"{\"order_type\":\"pickup\",\"pickup_location\":\"ST1\"}",
		"{\"tags\":\"vip\"}",
		"{\"tags\":{\"a\":[1,2]}}",
		"{\"customer\":{\"seg\\u006dent\":\"x\"}}",
		"{\"ship_to\":{\"region\":\"Z\\u00fcrich\"}}",
		"{\"a\":\"\\ud83d\\ude00\",\"ship_to\":{\"country\":\"US\"}}",
		"{\"a\":\"\\ud83d\"}",
		"{\"a\":\"\\x\"}",
		"{\"a\":01}",
		"{\"a\":1.}",
		"{\"a\":-}",
		"{\"a\":+1}",
		"{\"a\":.5}",
		"{\"a\":1e}",
		"{\"a\":tru}",
		"{\"a\":1} trailing",
		"{\"a\":1}{\"b\":2}",
		" {\"a\":1}",
		"{ \"a\":1}",
		"{\"a\" :1}",
		"{\"a\":\"tab\there\"}",
		"{\"a\":\"new\nline\"}",
		"{\"a\":[1,2,]}",
		"{\"a\":1,}",
		"{,\"a\":1}",
		"{\"a\"}",
		"{\"a\":}",
		"{\"a\":1",
		"{\"a\":\"unterminated",
		"[]",
		"[{\"ship_to\":{\"country\":\"US\"}}]",
		"\"just a string\"",
		"42",
		"null",
		"",
		"{}",
		"{\"ship_to\":{}}",
		"{\"\":{\"country\":\"US\"}}",
		"\xef\xbb\xbf{\"a\":1}",
	};
	int took = 0, took_any;
	struct oms_buf b = { 0 };

	for (size_t i = 0; i < sizeof crafted / sizeof *crafted; i++) {
		OK(agrees(crafted[i], &took_any), "crafted %zu agrees with "
		    "cJSON (%s)", i, took_any ? "taken" : "left to cJSON");
		took += took_any;
	}
	OK(took >= 15, "most crafted records are taken (%d)", took);
	/* Deep nesting: left to cJSON, whose limit is 1000. */
	oms_buf_reset(&b);
	for (int i = 0; i < 300; i++)
		oms_buf_addc(&b, '[');
	for (int i = 0; i < 300; i++)
		oms_buf_addc(&b, ']');
	OK(agrees(b.s, &took_any) && !took_any, "300 deep is left to cJSON");
	{
		int bad = 0, n = 0;

		took = 0;
		for (int i = 0; i < 20000; i++) {
			oms_buf_reset(&b);
			gen(&b, 0);
			n++;
			if (!agrees(b.s, &took_any))
				bad++;
			took += took_any;
		}
		OK(bad == 0, "%d generated records: %d disagree, %d taken", n,
		    bad, took);
		OK(took > n / 4, "a good share of generated records is taken");
	}
	oms_buf_free(&b);
	return UNIT_DONE();
}
