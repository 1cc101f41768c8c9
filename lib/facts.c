/*
 * facts.c: what routing reads of an order's stored record (the facts a
 * rule looks at, the pickup location), found without building the
 * record's tree: the record is oms_json_print's text, whose canonical
 * form the scan takes and nothing else (no space outside a string, no
 * escape in a key or a value it keeps, JSON's own numbers, nesting
 * within reason).
 * Whatever it does not take goes to cJSON_Parse, which decides as ever;
 * what it takes, cJSON would parse, and its lookups find what it finds:
 * a key's first occurrence, a value only when it is a string.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "route.h"

struct scan {
	const char *p, *end;
	int depth;
};

#define SCAN_DEPTH 200

/* A string at s->p: its body and whether it has an escape. */
static int
scan_string(struct scan *s, const char **body, size_t *n, int *escaped)
{
	const char *p = s->p;

	if (p >= s->end || *p != '"')
		return 0;
	*body = ++p;
	*escaped = 0;
	for (; p < s->end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '"') {
			*n = (size_t)(p - *body);
			s->p = p + 1;
			return 1;
		}
		if (c < 0x20)
			return 0;
		if (c != '\\')
			continue;
		*escaped = 1;
		if (++p >= s->end)
			return 0;
		if (*p == 'u') {
			unsigned v = 0;

			for (int i = 0; i < 4; i++) {
				int h = ++p < s->end ? *p : -1;

				v <<= 4;
				if (h >= '0' && h <= '9')
					v |= (unsigned)(h - '0');
				else if (h >= 'a' && h <= 'f')
					v |= (unsigned)(h - 'a' + 10);
				else if (h >= 'A' && h <= 'F')
					v |= (unsigned)(h - 'A' + 10);
				else
					return 0;
			}
			/* Surrogates: cJSON's own judgement. */
			if (v >= 0xd800 && v <= 0xdfff)
				return 0;
		} else if (strchr("\"\\/bfnrt", *p) == NULL || *p == '\0')
			return 0;
	}
	return 0;
}

static int
digits(struct scan *s)
{
	const char *p = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > p;
}

static int
scan_number(struct scan *s)
{
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (!digits(s))
		return 0;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!digits(s))
			return 0;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!digits(s))
			return 0;
	}
	return 1;
}

static int scan_value(struct scan *s);

/*
 * An object or an array at s->p.  In an object, for each key of keys[]
 * met first, want[] gets its value when a string, and the value's text
 * in any case goes to raw[] when raw[] is given.
 */
static int
scan_members(struct scan *s, const char *const *keys, struct oms_span *want,
    struct oms_span *raw, int nkeys)
{
	char open = *s->p, close = open == '{' ? '}' : ']';
	int first = 1;

	if (++s->depth > SCAN_DEPTH)
		return 0;
	s->p++;
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return 1;
	}
	for (;;) {
		int k = -1;

		if (!first && (s->p >= s->end || *s->p++ != ','))
			return 0;
		first = 0;
		if (open == '{') {
			const char *key;
			size_t n;
			int esc;

			if (!scan_string(s, &key, &n, &esc))
				return 0;
			/* An escaped key might be one wanted: cJSON says. */
			if (esc && nkeys > 0)
				return 0;
			for (int i = 0; i < nkeys; i++)
				if (strlen(keys[i]) == n &&
				    memcmp(keys[i], key, n) == 0)
					k = i;
			if (s->p >= s->end || *s->p++ != ':')
				return 0;
		}
		if (k >= 0 && !want[k].set) {
			const char *v0 = s->p;

			want[k].set = 1;
			if (s->p < s->end && *s->p == '"') {
				int esc;

				if (!scan_string(s, &want[k].p, &want[k].n,
				    &esc) || esc)
					return 0;
			} else {
				want[k].p = NULL;
				if (!scan_value(s))
					return 0;
			}
			if (raw != NULL) {
				raw[k].p = v0;
				raw[k].n = (size_t)(s->p - v0);
				raw[k].set = 1;
			}
		} else if (!scan_value(s))
			return 0;
		if (s->p < s->end && *s->p == close) {
			s->p++;
			s->depth--;
			return 1;
		}
	}
}

static int
scan_value(struct scan *s)
{
	const char *body;
	size_t n;
	int esc;

	if (s->p >= s->end)
		return 0;
	switch (*s->p) {
	case '{':
	case '[':
		return scan_members(s, NULL, NULL, NULL, 0);
	case '"':
		return scan_string(s, &body, &n, &esc);
	case 't':
	case 'f':
	case 'n': {
		const char *w = *s->p == 't' ? "true" : *s->p == 'f' ?
		    "false" : "null";
		size_t l = strlen(w);

		if ((size_t)(s->end - s->p) < l || memcmp(s->p, w, l) != 0)
			return 0;
		s->p += l;
		return 1;
	}
	default:
		return scan_number(s);
	}
}

/* The facts of record text t, or 0 for cJSON_Parse to find them. */
int
oms_record_facts(const char *t, struct oms_record_facts *f)
{
	static const char *const top[] = { "customer", "ship_to",
	    "pickup_location", "order_type", "tags" };
	static const char *const cust[] = { "segment" };
	static const char *const to[] = { "country", "region", "postal_code" };
	struct scan s = { t, t + strlen(t), 0 };
	struct oms_span want[5], raw[5], w1[1], w3[3];

	memset(f, 0, sizeof *f);
	memset(want, 0, sizeof want);
	memset(raw, 0, sizeof raw);
	if (s.p >= s.end || (*s.p != '{' && !scan_value(&s)))
		return 0;
	if (*t == '{' && !scan_members(&s, top, want, raw, 5))
		return 0;
	if (s.p != s.end)
		return 0;	/* something after the record: cJSON's call */
	f->pickup = want[2];
	f->order_type = want[3];
	f->tags = raw[4];
	/* Within customer and ship_to, when they are objects. */
	for (int i = 0; i < 2; i++) {
		struct scan in = { raw[i].p, raw[i].p + raw[i].n, 1 };

		if (!raw[i].set || *raw[i].p != '{')
			continue;
		memset(w1, 0, sizeof w1);
		memset(w3, 0, sizeof w3);
		if (!scan_members(&in, i == 0 ? cust : to, i == 0 ? w1 : w3,
		    NULL, i == 0 ? 1 : 3))
			return 0;
		if (i == 0)
			f->segment = w1[0];
		else {
			f->country = w3[0];
			f->region = w3[1];
			f->postal = w3[2];
		}
	}
	return 1;
}

