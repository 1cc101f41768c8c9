/*
 * json: time JSON-lines record I/O with libjq's jv against cJSON.
 *
 * Generates N order records shaped like the canonical record (lib/order.c),
 * about 2 KB of JSON text each, and times, per record: jq 1.6
 * jv_parse_sized and jv_dump_string, cJSON_ParseWithLength and
 * cJSON_PrintUnformatted, the cost of freeing each tree, and the
 * conversions cJSON -> jv and back that a program pays where it runs a jq
 * program on a record.  Records go through one at a time, as in a filter;
 * the best of several rounds is reported.  The same seed gives the same
 * records on every run.
 *
 * Before timing, every record is checked: both parsers accept it, the
 * converted jv equals jq's own parse, the round trip back to cJSON equals
 * cJSON's parse, and the two printers' output is compared byte for byte.
 *
 * usage: json [-p] [records [rounds]]
 *
 * -p prints the generated records, one a line, instead of timing them.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jv.h>
#include <cjson/cJSON.h>

struct buf {
	char *s;
	size_t len, cap;
};

struct rec {
	char *text;
	int len;
};

/* Best (lowest) total nanoseconds of each phase over the rounds. */
enum {
	T_JQ_PARSE, T_JQ_PRINT, T_JQ_FREE,
	T_CJ_PARSE, T_CJ_PRINT, T_CJ_FREE,
	T_TO_JV, T_TO_CJ, T_VIA_JV,
	T_NPHASE
};

static const char *progname = "json";
static uint64_t rng = 0x9e3779b97f4a7c15ULL;
static unsigned long sink;

static void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static void usage(void) __attribute__((noreturn));

static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *
emalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		die("out of memory");
	return p;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*: a fixed sequence, so every run sees the same records. */
static unsigned
rnd(unsigned n)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (unsigned)((rng * 2685821657736338717ULL) >> 33) % n;
}

#define PICK(a) ((a)[rnd(sizeof(a) / sizeof((a)[0]))])

/* Generating records */

static void
buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (b->s == NULL)
			die("out of memory");
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void
buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
buf_printf(struct buf *b, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		die("generated field too long");
	buf_add(b, tmp, (size_t)n);
}

/* A comma unless the value opens its container. */
static void
sep(struct buf *b)
{
	if (b->len > 0 && b->s[b->len - 1] != '{' && b->s[b->len - 1] != '[')
		buf_add(b, ",", 1);
}

static void
put_str(struct buf *b, const char *s)
{
	buf_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			buf_add(b, "\\", 1);
			buf_add(b, s, 1);
		} else if ((unsigned char)*s < 0x20) {
			buf_printf(b, "\\u%04x", (unsigned)*s);
		} else {
			buf_add(b, s, 1);
		}
	}
	buf_add(b, "\"", 1);
}

static void
key(struct buf *b, const char *k)
{
	sep(b);
	put_str(b, k);
	buf_add(b, ":", 1);
}

static void
field_s(struct buf *b, const char *k, const char *v)
{
	key(b, k);
	put_str(b, v);
}

static void
field_i(struct buf *b, const char *k, long v)
{
	key(b, k);
	buf_printf(b, "%ld", v);
}

/* Money as a decimal string of minor units, never a double. */
static void
field_m(struct buf *b, const char *k, long cents)
{
	key(b, k);
	buf_printf(b, "\"%ld.%02ld\"", cents / 100, cents % 100);
}

static void
open_obj(struct buf *b, const char *k)
{
	if (k != NULL)
		key(b, k);
	else
		sep(b);
	buf_add(b, "{", 1);
}

static void
close_c(struct buf *b, const char *c)
{
	buf_add(b, c, 1);
}

static const char *first[] = {
	"Anna", "Lukas", "Zoë", "Mateo", "Sophie", "Jonas", "Chloé", "Oliver",
	"Amélie", "Noah", "Ingrid", "Tomás", "Émilie", "Liam", "Małgorzata",
	"Jörg", "Aiyana", "Sean", "Priya", "Björn"
};
static const char *last[] = {
	"Müller", "Schmidt", "O'Brien", "García", "Kowalski", "Dubois", "Rossi",
	"Johansson", "Nakamura", "van der Berg", "Smith", "Fernández",
	"Nowak", "Lefèvre", "Andersson", "Papadopoulos"
};
static const char *emailnames[] = {
	"anna", "lukas", "zoe", "mateo", "sophie", "jonas", "chloe", "oliver",
	"mueller", "schmidt", "obrien", "garcia", "kowalski", "dubois"
};
static const char *domains[] = {
	"example.com", "mail.example.de", "example.co.uk", "post.example.se",
	"marketplace.amazon.example.com"
};
static const char *companies[] = {
	"", "", "", "Acme GmbH", "Nordic Outdoor AB", "Müller & Söhne KG",
	"Blue Harbour Ltd", "Atelier \"Lumière\" SARL", "Kowalski Sp. z o.o."
};
static const char *streets[] = {
	"Hauptstraße", "Rue de la République", "Kungsgatan", "High Street",
	"Calle Mayor", "Via Roma", "ul. Piotrkowska", "Baker Street",
	"Avenida da Liberdade", "Prinsengracht"
};
static const char *units[] = {
	"", "", "Apt 4B", "2nd floor", "c/o Reception", "Unit 12",
	"Building C, Door 3", "Hinterhaus, 3. OG"
};
static const struct {
	const char *city, *region, *country, *postcode, *phone;
} places[] = {
	{ "Berlin", "BE", "DE", "10%03u", "+49 30 %07u" },
	{ "München", "BY", "DE", "80%03u", "+49 89 %07u" },
	{ "Paris", "IDF", "FR", "750%02u", "+33 1 %08u" },
	{ "Stockholm", "AB", "SE", "11%03u", "+46 8 %07u" },
	{ "London", "LND", "GB", "EC1A %uBB", "+44 20 %08u" },
	{ "Madrid", "MD", "ES", "280%02u", "+34 91 %07u" },
	{ "Łódź", "LD", "PL", "90-%03u", "+48 42 %07u" },
	{ "Lisboa", "11", "PT", "1100-%03u", "+351 21 %07u" },
	{ "Amsterdam", "NH", "NL", "10%02u AB", "+31 20 %07u" },
	{ "Portland", "OR", "US", "972%02u", "+1 503 %07u" }
};
static const char *channels[] = {
	"shopify", "amazon", "ebay", "woocommerce", "etsy"
};
static const char *statuses[] = {
	"pending", "paid", "paid", "paid", "fulfilled", "partially_fulfilled",
	"cancelled", "refunded"
};
static const char *currencies[] = { "EUR", "EUR", "USD", "GBP", "SEK" };
static const char *segments[] = { "retail", "retail", "wholesale", "vip" };
static const char *services[] = {
	"standard", "standard", "express", "economy", "next_day", "pickup"
};
static const char *notes[] = {
	"", "", "", "Please leave the parcel with the neighbour at no. 12",
	"Gift – no invoice in the box, please", "Ring twice\tgate code 4711",
	"Deliver after 17:00 on weekdays"
};
static const char *tagpool[] = {
	"gift", "vip", "first-order", "b2b", "fragile", "preorder",
	"marketplace", "priority", "eco-packaging", "address-verified"
};
static const char *methods[] = { "card", "card", "paypal", "klarna", "invoice" };
static const char *brands[] = { "visa", "mastercard", "amex", "" };
static const char *providers[] = { "stripe", "adyen", "paypal", "klarna" };
static const char *products[] = {
	"Merino Wool Crew Neck Sweater, Men's Regular Fit - Charcoal Grey / M",
	"Stainless Steel Insulated Water Bottle 750 ml, Leak-Proof Lid, Sage",
	"Organic Cotton T-Shirt – Slim Fit, Crew Neck, GOTS Certified, Navy / L",
	"Waterproof Hiking Boots, Women's, Brown Leather, Vibram Sole - EU 39",
	"Ceramic Pour-Over Coffee Dripper (Size 02) with 100 Paper Filters",
	"Bamboo Cutting Board Set of 3 with Juice Groove and Handles",
	"Wireless Noise-Cancelling Over-Ear Headphones, 30 h Battery, Black",
	"Linen Duvet Cover 200×220 cm with 2 Pillowcases 80×80 cm, Sage",
	"Kids' Rain Jacket \"Puddle\" – Taped Seams, Reflective, Yellow 110/116",
	"Cast Iron Skillet 26 cm, Pre-Seasoned, Oven Safe to 260 °C",
	"Yoga Mat 6 mm, Non-Slip, Recycled TPE, 183 × 61 cm, Ocean Blue",
	"LED Desk Lamp with USB-C Charging Port, Dimmable, 3 Colour Modes"
};

static void
gen_address(struct buf *b, const char *k, const char *name)
{
	char tmp[64];
	unsigned p = rnd(sizeof(places) / sizeof(places[0]));

	open_obj(b, k);
	field_s(b, "name", name);
	field_s(b, "company", PICK(companies));
	snprintf(tmp, sizeof(tmp), "%s %u", PICK(streets), 1 + rnd(180));
	field_s(b, "address1", tmp);
	field_s(b, "address2", PICK(units));
	field_s(b, "city", places[p].city);
	field_s(b, "region", places[p].region);
	snprintf(tmp, sizeof(tmp), places[p].postcode, rnd(100));
	field_s(b, "postal_code", tmp);
	field_s(b, "country", places[p].country);
	snprintf(tmp, sizeof(tmp), places[p].phone, rnd(10000000));
	field_s(b, "phone", tmp);
	close_c(b, "}");
}

static void
gen_order(struct buf *b, long id)
{
	char name[96], email[128], tmp[96], when[32];
	const char *channel = PICK(channels);
	long subtotal = 0, discount = 0, tax = 0, shipping, total;
	unsigned i, nlines = 3 + rnd(3), ntags = rnd(4);
	unsigned day = 1 + rnd(28), hh = rnd(24), mm = rnd(60), ss = rnd(60);
	const char *fn = PICK(first), *ln = PICK(last);

	b->len = 0;
	snprintf(name, sizeof(name), "%s %s", fn, ln);
	snprintf(email, sizeof(email), "%s.%s.%ld@%s", PICK(emailnames),
	    PICK(emailnames), id, PICK(domains));
	snprintf(when, sizeof(when), "2026-11-%02uT%02u:%02u:%02uZ", day, hh,
	    mm, ss);

	buf_add(b, "{", 1);
	field_s(b, "type", "order");
	field_i(b, "id", id);
	field_s(b, "channel", channel);
	if (strcmp(channel, "amazon") == 0)
		snprintf(tmp, sizeof(tmp), "%03u-%07u-%07u", rnd(1000),
		    rnd(10000000), rnd(10000000));
	else
		snprintf(tmp, sizeof(tmp), "#%ld-%u", 1000 + id, rnd(100));
	field_s(b, "external_id", tmp);
	field_s(b, "status", PICK(statuses));
	field_s(b, "placed_at", when);
	snprintf(tmp, sizeof(tmp), "2026-11-%02uT%02u:%02u:%02uZ",
	    day < 28 ? day + 1 : day, rnd(24), rnd(60), rnd(60));
	field_s(b, "updated_at", tmp);
	field_s(b, "currency", PICK(currencies));

	open_obj(b, "customer");
	field_s(b, "email", email);
	field_s(b, "name", name);
	field_s(b, "segment", PICK(segments));
	close_c(b, "}");
	gen_address(b, "ship_to", name);
	gen_address(b, "bill_to", rnd(4) == 0 ? PICK(first) : name);

	/* Lines first into their own buffer: payment needs the total. */
	struct buf lb = { 0 };
	buf_add(&lb, "[", 1);
	for (i = 1; i <= nlines; i++) {
		unsigned qty = 1 + rnd(4);
		long unit = 499 + rnd(15000);
		long disc = rnd(3) == 0 ? unit * qty / 10 : 0;
		long ltax = (unit * qty - disc) * 19 / 100;

		open_obj(&lb, NULL);
		field_i(&lb, "line_id", i);
		snprintf(tmp, sizeof(tmp), "SKU-%05u-%s", rnd(100000),
		    PICK(((const char *[]){ "S", "M", "L", "XL", "OS" })));
		field_s(&lb, "sku", tmp);
		snprintf(tmp, sizeof(tmp), "B0%08X", rnd(0x7fffffff));
		field_s(&lb, "channel_sku", tmp);
		field_s(&lb, "title", PICK(products));
		field_i(&lb, "qty", qty);
		field_m(&lb, "unit_price", unit);
		field_m(&lb, "discount", disc);
		field_s(&lb, "tax_rate", "0.19");
		field_m(&lb, "tax", ltax);
		close_c(&lb, "}");
		subtotal += unit * qty;
		discount += disc;
		tax += ltax;
	}
	close_c(&lb, "]");
	shipping = rnd(3) == 0 ? 0 : 395 + rnd(1000);
	tax += shipping * 19 / 100;
	total = subtotal - discount + shipping + tax;

	open_obj(b, "payment");
	field_s(b, "method", PICK(methods));
	field_s(b, "provider", PICK(providers));
	snprintf(tmp, sizeof(tmp), "pi_%08X%08X", rnd(0x7fffffff),
	    rnd(0x7fffffff));
	field_s(b, "reference", tmp);
	snprintf(tmp, sizeof(tmp), "txn_%08x%08x%08x", rnd(0x7fffffff),
	    rnd(0x7fffffff), rnd(0x7fffffff));
	field_s(b, "transaction_id", tmp);
	field_s(b, "card_brand", PICK(brands));
	snprintf(tmp, sizeof(tmp), "%04u", rnd(10000));
	field_s(b, "card_last4", tmp);
	field_s(b, "status", "captured");
	field_m(b, "amount", total);
	field_s(b, "captured_at", when);
	close_c(b, "}");
	field_s(b, "service", PICK(services));
	field_s(b, "note", PICK(notes));

	key(b, "tags");
	buf_add(b, "[", 1);
	for (i = 0; i < ntags; i++) {
		sep(b);
		put_str(b, PICK(tagpool));
	}
	close_c(b, "]");

	key(b, "lines");
	buf_add(b, lb.s, lb.len);
	free(lb.s);

	open_obj(b, "totals");
	field_m(b, "subtotal", subtotal);
	field_m(b, "shipping", shipping);
	field_m(b, "discount", discount);
	field_m(b, "tax", tax);
	field_m(b, "total", total);
	close_c(b, "}");
	close_c(b, "}");
}

/* The boundary: cJSON <-> jv */

/*
 * Build a jv from a cJSON tree, which stays the caller's.  Returns an
 * invalid value with a message for a node jq cannot hold.
 */
static jv
cjson_to_jv(const cJSON *c)
{
	const cJSON *ch;
	jv r, v;
	size_t n;

	switch (c->type & 0xff) {
	case cJSON_False:
		return jv_false();
	case cJSON_True:
		return jv_true();
	case cJSON_NULL:
		return jv_null();
	case cJSON_Number:
		return jv_number(c->valuedouble);
	case cJSON_String:
		n = strlen(c->valuestring);
		if (n > INT32_MAX)
			return jv_invalid_with_msg(jv_string("string too long"));
		return jv_string_sized(c->valuestring, (int)n);
	case cJSON_Raw:
		return jv_parse(c->valuestring);
	case cJSON_Array:
		r = jv_array();
		for (ch = c->child; ch != NULL; ch = ch->next) {
			v = cjson_to_jv(ch);
			if (!jv_is_valid(v)) {
				jv_free(r);
				return v;
			}
			r = jv_array_append(r, v);
		}
		return r;
	case cJSON_Object:
		r = jv_object();
		for (ch = c->child; ch != NULL; ch = ch->next) {
			v = cjson_to_jv(ch);
			if (!jv_is_valid(v)) {
				jv_free(r);
				return v;
			}
			r = jv_object_set(r, jv_string(ch->string), v);
		}
		return r;
	}
	return jv_invalid_with_msg(jv_string("unknown cJSON node type"));
}

/*
 * Build a cJSON tree from a jv, which this consumes.  NULL for what cJSON
 * cannot hold: an invalid value, or a string with a NUL byte in it.
 */
static cJSON *
jv_to_cjson(jv v)
{
	cJSON *r = NULL, *c;
	const char *s;
	int n;

	switch (jv_get_kind(v)) {
	case JV_KIND_INVALID:
		break;
	case JV_KIND_NULL:
		r = cJSON_CreateNull();
		break;
	case JV_KIND_FALSE:
		r = cJSON_CreateFalse();
		break;
	case JV_KIND_TRUE:
		r = cJSON_CreateTrue();
		break;
	case JV_KIND_NUMBER:
		r = cJSON_CreateNumber(jv_number_value(v));
		break;
	case JV_KIND_STRING:
		s = jv_string_value(v);
		n = jv_string_length_bytes(jv_copy(v));
		if (memchr(s, '\0', (size_t)n) == NULL)
			r = cJSON_CreateString(s);
		break;
	case JV_KIND_ARRAY:
		if ((r = cJSON_CreateArray()) == NULL)
			break;
		jv_array_foreach(v, i, x) {
			if ((c = jv_to_cjson(x)) == NULL) {
				cJSON_Delete(r);
				r = NULL;
				break;
			}
			cJSON_AddItemToArray(r, c);
		}
		break;
	case JV_KIND_OBJECT:
		if ((r = cJSON_CreateObject()) == NULL)
			break;
		jv_object_foreach(v, k, x) {
			c = jv_to_cjson(x);
			if (c == NULL) {
				jv_free(k);
				cJSON_Delete(r);
				r = NULL;
				break;
			}
			cJSON_AddItemToObject(r, jv_string_value(k), c);
			jv_free(k);
		}
		break;
	}
	jv_free(v);
	return r;
}

/* Checking */

/* Returns the number of records the two printers write differently. */
static long
verify(const struct rec *recs, long n)
{
	long i, differ = 0;

	for (i = 0; i < n; i++) {
		jv v, w, out;
		cJSON *c, *c2;
		char *p;

		v = jv_parse_sized(recs[i].text, recs[i].len);
		if (!jv_is_valid(v)) {
			jv msg = jv_invalid_get_msg(v);

			die("record %ld: jq: %s", i + 1,
			    jv_get_kind(msg) == JV_KIND_STRING ?
			    jv_string_value(msg) : "parse error");
		}
		c = cJSON_ParseWithLength(recs[i].text, (size_t)recs[i].len);
		if (c == NULL)
			die("record %ld: cJSON cannot parse it", i + 1);
		w = cjson_to_jv(c);
		if (!jv_is_valid(w))
			die("record %ld: cannot convert to jv", i + 1);
		if (!jv_equal(jv_copy(v), jv_copy(w)))
			die("record %ld: cJSON->jv differs from jq's parse", i + 1);
		c2 = jv_to_cjson(w);
		if (c2 == NULL || !cJSON_Compare(c, c2, 1))
			die("record %ld: jv->cJSON differs from cJSON's parse",
			    i + 1);

		out = jv_dump_string(v, 0);
		p = cJSON_PrintUnformatted(c);
		if (p == NULL)
			die("record %ld: cJSON cannot print it", i + 1);
		if (strcmp(jv_string_value(out), p) != 0)
			differ++;
		jv_free(out);
		cJSON_free(p);
		cJSON_Delete(c2);
		cJSON_Delete(c);
	}
	return differ;
}

/* Timing */

static uint64_t clock_cost;	/* ns one clock_gettime adds to an interval */

static void
calibrate(void)
{
	uint64_t t0, t1;
	int i, n = 1000000;

	t0 = now_ns();
	for (i = 0; i < n; i++)
		t1 = now_ns();
	t1 = now_ns();
	clock_cost = (t1 - t0) / (uint64_t)n;
}

static void
add(uint64_t *acc, int phase, uint64_t from, uint64_t to)
{
	uint64_t d = to - from;

	acc[phase] += d > clock_cost ? d - clock_cost : 0;
}

/*
 * One round.  Records go through one at a time, as in a filter: parse,
 * print, free, each step timed on its own.  Each library gets its own
 * pass so neither warms the caches for the other.  The best round of
 * each phase goes into t.
 */
static void
round_(const struct rec *recs, long n, uint64_t *t)
{
	uint64_t acc[T_NPHASE] = { 0 }, t0, t1, t2, t3;
	long i;

	for (i = 0; i < n; i++) {
		jv v, s;

		t0 = now_ns();
		v = jv_parse_sized(recs[i].text, recs[i].len);
		t1 = now_ns();
		s = jv_dump_string(jv_copy(v), 0);
		sink += (unsigned char)jv_string_value(s)[0];
		jv_free(s);
		t2 = now_ns();
		jv_free(v);
		t3 = now_ns();
		add(acc, T_JQ_PARSE, t0, t1);
		add(acc, T_JQ_PRINT, t1, t2);
		add(acc, T_JQ_FREE, t2, t3);
	}

	for (i = 0; i < n; i++) {
		cJSON *c;
		char *p;

		t0 = now_ns();
		c = cJSON_ParseWithLength(recs[i].text, (size_t)recs[i].len);
		t1 = now_ns();
		p = cJSON_PrintUnformatted(c);
		sink += (unsigned char)p[0];
		cJSON_free(p);
		t2 = now_ns();
		cJSON_Delete(c);
		t3 = now_ns();
		add(acc, T_CJ_PARSE, t0, t1);
		add(acc, T_CJ_PRINT, t1, t2);
		add(acc, T_CJ_FREE, t2, t3);
	}

	/*
	 * The boundary: where a jq program runs on a record read with
	 * cJSON, the record goes to jv and the program's output comes back
	 * to cJSON.  The jv is freed untimed here; that costs what the jq
	 * free above does.
	 */
	for (i = 0; i < n; i++) {
		cJSON *c, *back;
		jv v;

		c = cJSON_ParseWithLength(recs[i].text, (size_t)recs[i].len);
		t0 = now_ns();
		v = cjson_to_jv(c);
		t1 = now_ns();
		back = jv_to_cjson(jv_copy(v));
		t2 = now_ns();
		add(acc, T_TO_JV, t0, t1);
		add(acc, T_TO_CJ, t1, t2);
		jv_free(v);
		sink += (unsigned long)cJSON_GetArraySize(back);
		cJSON_Delete(back);
		cJSON_Delete(c);
	}

	/* The whole trip with a (null) jq program in the middle. */
	for (i = 0; i < n; i++) {
		cJSON *c, *back;
		char *p;

		t0 = now_ns();
		c = cJSON_ParseWithLength(recs[i].text, (size_t)recs[i].len);
		back = jv_to_cjson(cjson_to_jv(c));
		cJSON_Delete(c);
		p = cJSON_PrintUnformatted(back);
		sink += (unsigned char)p[0];
		cJSON_free(p);
		cJSON_Delete(back);
		t1 = now_ns();
		add(acc, T_VIA_JV, t0, t1);
	}

	for (i = 0; i < T_NPHASE; i++)
		if (t[i] == 0 || acc[i] < t[i])
			t[i] = acc[i];
}

static void
row(const char *what, uint64_t ns, long n)
{
	printf("%-46s %8.2f\n", what, (double)ns / 1e3 / (double)n);
}

static long
number(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 10000000)
		die("bad %s '%s': want 1 to 10000000", what, s);
	return v;
}

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-p] [records [rounds]]\n", progname);
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct buf b = { 0 };
	struct rec *recs;
	uint64_t t[T_NPHASE] = { 0 }, rt_jq, rt_cj;
	long n = 20000, rounds = 3, i, differ;
	size_t bytes = 0;
	int c, pflag = 0;

	while ((c = getopt(argc, argv, "p")) != -1) {
		switch (c) {
		case 'p':
			pflag = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 2)
		usage();
	if (argc > 0)
		n = number(argv[0], "record count");
	if (argc > 1)
		rounds = number(argv[1], "round count");

	recs = emalloc((size_t)n * sizeof(*recs));
	for (i = 0; i < n; i++) {
		gen_order(&b, i + 1);
		recs[i].text = emalloc(b.len + 1);
		memcpy(recs[i].text, b.s, b.len + 1);
		recs[i].len = (int)b.len;
		bytes += b.len;
	}
	free(b.s);

	if (pflag) {
		for (i = 0; i < n; i++) {
			fwrite(recs[i].text, 1, (size_t)recs[i].len, stdout);
			putchar('\n');
		}
		goto out;
	}

	differ = verify(recs, n);
	calibrate();
	for (i = 0; i < rounds; i++)
		round_(recs, n, t);

	rt_jq = t[T_JQ_PARSE] + t[T_JQ_PRINT] + t[T_JQ_FREE];
	rt_cj = t[T_CJ_PARSE] + t[T_CJ_PRINT] + t[T_CJ_FREE];

	printf("records: %ld, %.0f bytes each on average (%.1f MB)\n", n,
	    (double)bytes / (double)n, (double)bytes / 1e6);
	printf("libjq 1.6, cJSON %s; best of %ld rounds; clock cost "
	    "%llu ns per interval subtracted\n", cJSON_Version(), rounds,
	    (unsigned long long)clock_cost);
	printf("checked: cJSON->jv equals jv_parse_sized, and jv->cJSON "
	    "equals cJSON_Parse: %ld/%ld\n", n, n);
	printf("the two printers agree byte for byte: %ld/%ld\n",
	    n - differ, n);
	printf("\n%-46s %9s\n", "per record", "µs");
	row("(a) jq    jv_parse_sized", t[T_JQ_PARSE], n);
	row("(b) jq    jv_dump_string(v, 0)", t[T_JQ_PRINT], n);
	row("    jq    jv_free", t[T_JQ_FREE], n);
	row("(c) cJSON cJSON_ParseWithLength", t[T_CJ_PARSE], n);
	row("(d) cJSON cJSON_PrintUnformatted", t[T_CJ_PRINT], n);
	row("    cJSON cJSON_Delete", t[T_CJ_FREE], n);
	row("(e) cJSON tree -> jv", t[T_TO_JV], n);
	row("    jv -> cJSON tree", t[T_TO_CJ], n);
	row("round trip jq    (parse, print, free)", rt_jq, n);
	row("round trip cJSON (parse, print, free)", rt_cj, n);
	row("round trip cJSON -> jv -> cJSON (all of it)", t[T_VIA_JV], n);
	printf("\njq/cJSON: parse %.1fx, print %.1fx, round trip %.1fx\n",
	    (double)t[T_JQ_PARSE] / (double)t[T_CJ_PARSE],
	    (double)t[T_JQ_PRINT] / (double)t[T_CJ_PRINT],
	    (double)rt_jq / (double)rt_cj);
	printf("round trip jq / round trip cJSON -> jv -> cJSON: %.1fx\n",
	    (double)rt_jq / (double)t[T_VIA_JV]);

out:
	for (i = 0; i < n; i++)
		free(recs[i].text);
	free(recs);
	if (sink == 0)
		fputs("\n", stderr);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
}
