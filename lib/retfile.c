/*
 * retfile.c: a channel's return or refund file read as return records.
 *
 * A format is data: share/oms/returns/formats/NAME.json on the search
 * path names the columns (TSV) or paths (JSON) of each field, the
 * channel's reason codes mapped onto the taxonomy of
 * share/oms/returns/reasons.json, its dispositions mapped onto ours, and
 * the key that makes a replayed file a no-op.  This file interprets it;
 * no channel has C of its own.  Each record goes to fn, each bad row or
 * refund to reject with the file, its line, why and its raw text.
 *
 * The record, one per row of a report or per refund of a JSON file:
 *
 *	{"type":"return",
 *	 "order":"amazon:111-...",	(oms_order_find: CHANNEL:EXTERNAL_ID,
 *					 or CHANNEL:FIELD=ID for the
 *					 channel's own id of the order)
 *	 "key":"amazon-fba:LPN...",	(the same every time the file is read)
 *	 "channel_rma":"...",		(the channel's own return number)
 *	 "requested_at":"RFC 3339",
 *	 "lines":[{"sku":"..." and/or "line_id":"...","qty":N,
 *		   "reason":"defective","note":"...",
 *		   "cancel":true		(units that never shipped)
 *		   "keep":true}],	(refund only: nothing comes back)
 *	 "authorized":true,		(the channel authorised it)
 *	 "carrier":"...","tracking":"...",
 *	 "channel_status":"...","resolution":"...",	(the channel's words)
 *	 "received":{"at":"RFC 3339","location":"...",
 *		     "channel_location":"..."},
 *	 "inspection":[{"sku" and/or "line_id","qty":N,
 *			"disposition":"restock|dispose","note":"..."}],
 *	 "keep":true,			(every line is kept)
 *	 "refunded_by_channel":{"currency":"USD","total":"209.00",
 *		"lines":[{"line_id":"...","subtotal":"199.00",
 *			  "total_tax":"3.98"}]},
 *	 "source":"FORMAT","source_line":N}
 *
 * Money stays a decimal string, never a double.  A reason code the map
 * does not know is "other", the code in the note.  FORMAT may carry
 * options after commas: "amazon-fba-returns,location=WH1" receives at
 * WH1 whatever the file says; "woocommerce-refund,order_id=727" names
 * the order of a refund list that does not.
 *
 * A format file: "format" tsv (a header row; "required" columns, or the
 * file is refused at its header; "quote" when fields are quoted) or json
 * ("records": the wrapper keys of a list or of one refund, "detect": a
 * key every refund has, "unlike": keys only an order has).  "order" and
 * "key" (a list: the first whose names all have values) are templates,
 * text with {name} in it, a name being a column or a JSON path (a.b.0,
 * list[k=v].value; ^path is in the refund from inside its line); {#line}
 * is the row's line, {#n} at the end which row of the file with that key
 * it is.  A field is a name, a list of names (the first with a value),
 * or {"from": ..., "map": {...}, "default": ...}: "reason" (mapped onto
 * reasons.json), "inspection" (TSV: the disposition, restock or dispose;
 * "*" for the rest), "requested_at" (a date; "zone" when it has none),
 * "sku", "qty", "note", "channel_rma", "carrier", "tracking",
 * "channel_status", "resolution", "received": {"at", "location"},
 * "authorized": true, "refund" (amount, currency).  JSON adds
 * "lines" (from, line_id, sku, qty, kind: return|cancel|keep,
 * channel_location, subtotal, tax), "received_on_return" (a returned
 * line is received and restocked) and "refund" (transactions, amount,
 * currency, and the kind and status a transaction must have to count).
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "csvr.h"
#include "rma.h"

#define FMT_DIR "returns/formats/"
#define REASONS "returns/reasons.json"
#define JSON_MAX (64 << 20)	/* the most a JSON refund file may hold */

struct fmt {
	char *name;		/* the format's name, options cut off */
	char *path;
	cJSON *doc;
	cJSON *reasons;		/* reasons.json's "reasons": [{"code"...}] */
	int json;
	const char *location;	/* option location= */
	const char *order_id;	/* option order_id= */
	char *opts;
};

/* Where a field's value comes from: a TSV row, or a JSON refund. */
struct src {
	const struct fmt *fm;
	char **hdr, **f;
	int nh, nf;
	long line;
	const cJSON *el;	/* the refund */
	const cJSON *top;	/* the wrapper around it, or NULL */
	const cJSON *sub;	/* the refund's line being read, or NULL */
	char num[64];
	cJSON *seen;		/* keys made with {#n}: how often each */
};

/* ---- the format file ------------------------------------------------- */

static int
load_json(const char *rel, const char *what, cJSON **doc, char **path)
{
	char *text = NULL;
	int rc;

	rc = oms_search_read(rel, &text, path);
	if (rc == OMS_EOF)
		return oms_fail(OMS_E_USAGE, "no %s (%s on the search path)",
		    what, rel);
	if (rc != OMS_OK)
		return oms_fail(OMS_E_ADAPTER, "%s", oms_error());
	*doc = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(*doc)) {
		cJSON_Delete(*doc);
		*doc = NULL;
		return oms_fail(OMS_E_ADAPTER, "%s: not a JSON object",
		    path && *path ? *path : rel);
	}
	return OMS_OK;
}

/* cJSON_HasObjectItem, but minding case. */
static int
has(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k) != NULL;
}

static const char *
getstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * Whether code is a reason of reasons.json ({"reasons": [{"code",
 * "label", "note": true when it needs one}]}), and whether it needs a
 * note.
 */
static int
reason_known(const struct fmt *fm, const char *code, int *needs_note)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, fm->reasons) {
		const char *c = getstr(e, "code");

		if (c != NULL && strcmp(c, code) == 0) {
			if (needs_note != NULL)
				*needs_note = cJSON_IsTrue(
				    cJSON_GetObjectItemCaseSensitive(e,
				    "note"));
			return 1;
		}
	}
	return 0;
}

/* Every reason a map names must be one of the taxonomy. */
static int
check_reasons(const struct fmt *fm, const cJSON *spec)
{
	const cJSON *map = cJSON_GetObjectItemCaseSensitive(spec, "map"), *e;
	const char *d = getstr(spec, "default");

	if (d != NULL && !reason_known(fm, d, NULL))
		return oms_fail(OMS_E_ADAPTER, "%s: reason default '%s' is not "
		    "in %s", fm->path, d, REASONS);
	cJSON_ArrayForEach(e, map) {
		if (!cJSON_IsString(e) || !reason_known(fm, e->valuestring,
		    NULL))
			return oms_fail(OMS_E_ADAPTER, "%s: reason '%s' maps "
			    "to '%s', which is not in %s", fm->path, e->string,
			    cJSON_IsString(e) ? e->valuestring : "?", REASONS);
	}
	return OMS_OK;
}

static int
check_dispositions(const struct fmt *fm, const cJSON *spec)
{
	const cJSON *map = cJSON_GetObjectItemCaseSensitive(spec, "map"), *e;

	cJSON_ArrayForEach(e, map) {
		if (!cJSON_IsString(e) || (strcmp(e->valuestring, "restock") !=
		    0 && strcmp(e->valuestring, "dispose") != 0))
			return oms_fail(OMS_E_ADAPTER, "%s: disposition '%s' "
			    "must map to restock or dispose", fm->path,
			    e->string);
	}
	return OMS_OK;
}

static void
fmt_free(struct fmt *fm)
{
	free(fm->name);
	free(fm->path);
	free(fm->opts);
	cJSON_Delete(fm->doc);
	cJSON_Delete(fm->reasons);
}

static int
fmt_load(const char *spec, struct fmt *fm)
{
	struct oms_buf rel = { 0 };
	cJSON *rdoc = NULL, *r;
	const char *f, *comma = strchr(spec, ',');
	char *save = NULL, *o, what[128];
	int rc;

	memset(fm, 0, sizeof *fm);
	fm->name = estrndup(spec, comma ? (size_t)(comma - spec) :
	    strlen(spec));
	if (!oms_valid_name(fm->name))
		return oms_fail(OMS_E_USAGE, "'%s' is no return format name",
		    fm->name);
	if (comma != NULL) {
		fm->opts = estrdup(comma + 1);
		for (o = strtok_r(fm->opts, ",", &save); o != NULL;
		    o = strtok_r(NULL, ",", &save)) {
			if (strncmp(o, "location=", 9) == 0 && o[9] != '\0')
				fm->location = o + 9;
			else if (strncmp(o, "order_id=", 9) == 0 &&
			    oms_all_digits(o + 9))
				fm->order_id = o + 9;
			else if (strncmp(o, "order_id=", 9) == 0)
				return oms_fail(OMS_E_USAGE, "return format "
				    "'%s': order_id '%s' is not a number",
				    fm->name, o + 9);
			else
				return oms_fail(OMS_E_USAGE, "return format "
				    "'%s': '%s' is no option (location=LOC, "
				    "order_id=N)", fm->name, o);
		}
	}
	oms_buf_printf(&rel, "%s%s.json", FMT_DIR, fm->name);
	snprintf(what, sizeof what, "return format '%s'", fm->name);
	rc = load_json(rel.s, what, &fm->doc, &fm->path);
	oms_buf_free(&rel);
	if (rc != OMS_OK)
		return rc;
	if ((rc = load_json(REASONS, "reason list", &rdoc, NULL)) != OMS_OK)
		return rc;
	r = cJSON_DetachItemFromObjectCaseSensitive(rdoc, "reasons");
	cJSON_Delete(rdoc);
	if (!cJSON_IsArray(r)) {
		cJSON_Delete(r);
		return oms_fail(OMS_E_ADAPTER, "%s: no \"reasons\" list",
		    REASONS);
	}
	fm->reasons = r;
	f = getstr(fm->doc, "format");
	if (f == NULL || (strcmp(f, "tsv") != 0 && strcmp(f, "json") != 0))
		return oms_fail(OMS_E_ADAPTER, "%s: format must be tsv or json",
		    fm->path);
	fm->json = strcmp(f, "json") == 0;
	if (getstr(fm->doc, "order") == NULL ||
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(fm->doc, "key")))
		return oms_fail(OMS_E_ADAPTER, "%s: an order template and a "
		    "list of key templates are required", fm->path);
	if (fm->json && !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(
	    fm->doc, "lines")))
		return oms_fail(OMS_E_ADAPTER, "%s: a JSON format needs "
		    "\"lines\"", fm->path);
	if ((rc = check_reasons(fm, cJSON_GetObjectItemCaseSensitive(fm->doc,
	    "reason"))) != OMS_OK)
		return rc;
	return check_dispositions(fm, cJSON_GetObjectItemCaseSensitive(fm->doc,
	    "inspection"));
}

/* ---- values ---------------------------------------------------------- */

/*
 * A JSON path: keys and indices between dots, and NAME[K=V] for the
 * element of the list NAME whose K is V (WooCommerce's meta_data).
 */
static const cJSON *
jpath(const cJSON *node, const char *path)
{
	char seg[128], buf[64];

	while (node != NULL && *path != '\0') {
		size_t n = strcspn(path, ".");
		char *br, *eq;

		if (n >= sizeof seg)
			return NULL;
		memcpy(seg, path, n);
		seg[n] = '\0';
		path += n + (path[n] == '.');
		br = strchr(seg, '[');
		if (br == NULL) {
			node = oms_json_path(node, seg);
			continue;
		}
		*br++ = '\0';
		if ((eq = strchr(br, '=')) == NULL || br[strlen(br) - 1] != ']')
			return NULL;
		*eq++ = '\0';
		eq[strlen(eq) - 1] = '\0';
		node = cJSON_GetObjectItemCaseSensitive(node, seg);
		if (!cJSON_IsArray(node))
			return NULL;
		{
			const cJSON *e, *hit = NULL;

			cJSON_ArrayForEach(e, node) {
				const char *t = oms_json_text(
				    cJSON_GetObjectItemCaseSensitive(e, br),
				    buf, sizeof buf);

				if (t != NULL && strcmp(t, eq) == 0) {
					hit = e;
					break;
				}
			}
			node = hit;
		}
	}
	return node;
}

static const char *
trim(char *s)
{
	char *e;

	while (*s == ' ')
		s++;
	e = s + strlen(s);
	while (e > s && e[-1] == ' ')
		*--e = '\0';
	return s;
}

static const char *
jtext(struct src *s, const cJSON *v)
{
	const char *t;

	if (cJSON_IsString(v))
		return v->valuestring[0] ? v->valuestring : NULL;
	t = oms_json_text(v, s->num, sizeof s->num);
	return t;
}

/*
 * The value of one name, or NULL when absent or empty.  "#line" is the
 * source line.  In a JSON refund a name is a path in the line being read,
 * else in the refund, else in its wrapper, else an option; "^path" is in
 * the refund itself.
 */
static const char *
value(struct src *s, const char *name)
{
	const char *t;

	if (name == NULL)
		return NULL;
	if (strcmp(name, "#line") == 0) {
		snprintf(s->num, sizeof s->num, "%ld", s->line);
		return s->num;
	}
	if (!s->fm->json) {
		for (int i = 0; i < s->nh; i++)
			if (strcmp(s->hdr[i], name) == 0) {
				if (i >= s->nf)
					return NULL;
				t = trim(s->f[i]);
				return *t ? t : NULL;
			}
		return NULL;
	}
	if (name[0] == '^')
		return jtext(s, jpath(s->el, name + 1));
	if (s->sub != NULL)
		return jtext(s, jpath(s->sub, name));
	if ((t = jtext(s, jpath(s->el, name))) != NULL)
		return t;
	if (s->top != NULL && (t = jtext(s, jpath(s->top, name))) != NULL)
		return t;
	if (strcmp(name, "order_id") == 0)
		return s->fm->order_id;
	return NULL;
}

/* The "from" of a spec: a name, a list of names, or {"from": ...}. */
static const cJSON *
spec_from(const cJSON *spec)
{
	if (cJSON_IsObject(spec))
		return cJSON_GetObjectItemCaseSensitive(spec, "from");
	return spec;
}

/* The first non-empty value a spec names; *which: the name it came from. */
static const char *
field(struct src *s, const cJSON *spec, const char **which)
{
	const cJSON *from = spec_from(spec), *e;
	const char *v;

	if (which != NULL)
		*which = NULL;
	if (cJSON_IsString(from)) {
		if (which != NULL)
			*which = from->valuestring;
		return value(s, from->valuestring);
	}
	cJSON_ArrayForEach(e, from) {
		if (!cJSON_IsString(e))
			continue;
		if (which != NULL && *which == NULL)
			*which = e->valuestring;
		if ((v = value(s, e->valuestring)) != NULL) {
			if (which != NULL)
				*which = e->valuestring;
			return v;
		}
	}
	return NULL;
}

/* A value's own copy (s->num is reused by the next). */
static char *
fieldcpy(struct src *s, const cJSON *spec, const char **which)
{
	const char *v = field(s, spec, which);

	return v ? estrdup(v) : NULL;
}

/*
 * A template: text with {name} in it.  0 when a name in it has no value,
 * so that the next template of a list is tried.
 */
static int
expand(struct src *s, const char *t, struct oms_buf *out)
{
	oms_buf_reset(out);
	oms_buf_add(out, "", 0);
	while (*t != '\0') {
		const char *open = strchr(t, '{'), *close, *v;
		char name[128];

		if (open == NULL || (close = strchr(open, '}')) == NULL ||
		    (size_t)(close - open) > sizeof name) {
			oms_buf_adds(out, t);
			break;
		}
		oms_buf_add(out, t, (size_t)(open - t));
		memcpy(name, open + 1, (size_t)(close - open - 1));
		name[close - open - 1] = '\0';
		if ((v = value(s, name)) == NULL)
			return 0;
		oms_buf_adds(out, v);
		t = close + 1;
	}
	return 1;
}

/* The names a template needs, for a message: "{a}, {b}". */
static void
template_names(const cJSON *list, struct oms_buf *out)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, list) {
		if (!cJSON_IsString(e))
			continue;
		if (out->len > 0)
			oms_buf_adds(out, " or ");
		oms_buf_printf(out, "'%s'", e->valuestring);
	}
}

/* ---- one record ------------------------------------------------------ */

struct rec {
	struct src *s;
	struct oms_buf why;
	struct oms_buf tmp;
};

static int
bad(struct rec *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
bad(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	oms_buf_reset(&r->why);
	oms_buf_adds(&r->why, msg);
	return OMS_REJECT;
}

static int
add_date(struct rec *r, cJSON *o, const char *key, const cJSON *spec)
{
	const char *which, *v = field(r->s, spec, &which), *zone = NULL;
	char out[OMS_TIME_LEN];

	if (v == NULL)
		return OMS_OK;
	if (cJSON_IsObject(spec))
		zone = getstr(spec, "zone");
	if (oms_time_parse(v, 0, zone, out) != OMS_OK)
		return bad(r, "%s '%s' is not a date", which, v);
	cJSON_AddStringToObject(o, key, out);
	return OMS_OK;
}

static int
add_str(struct src *s, cJSON *o, const char *key, const cJSON *spec)
{
	const char *v;

	if (spec != NULL && (v = field(s, spec, NULL)) != NULL)
		cJSON_AddStringToObject(o, key, v);
	return OMS_OK;
}

/* A whole number of units above 0; a refund's may be negative. */
static int
qty_of(struct rec *r, const cJSON *spec, int64_t *q)
{
	const char *which, *v = field(r->s, spec, &which), *p;
	char *end;

	if (v == NULL)
		return bad(r, "no %s", which ? which : "quantity");
	p = v;
	if (r->s->fm->json && *p == '-')
		p++;
	errno = 0;
	*q = isdigit((unsigned char)*p) ? strtoll(p, &end, 10) : 0;
	if (!isdigit((unsigned char)*p) || *end != '\0' || errno != 0 ||
	    *q <= 0 || *q > 1000000)
		return bad(r, "%s '%s' is not a whole number of units from 1 "
		    "to 1000000", which, v);
	return OMS_OK;
}

/*
 * The reason a spec gives: the channel's code through the map, "other"
 * with the code in the note when the map does not know it, the default
 * when there is none.  A reason that needs a note (reasons.json) has the
 * code in it.
 */
static void
reason_of(struct rec *r, cJSON *line, const char *note)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(r->s->fm->doc,
	    "reason"), *map = cJSON_GetObjectItemCaseSensitive(spec, "map"),
	    *hit;
	const char *code = cJSON_GetObjectItemCaseSensitive(spec, "from") ?
	    field(r->s, spec, NULL) : NULL, *d = getstr(spec, "default");
	const char *reason;
	struct oms_buf n = { 0 };
	int needs = 0;

	if (code == NULL)
		reason = d ? d : "unknown";
	else if (cJSON_IsString(hit = cJSON_GetObjectItemCaseSensitive(map,
	    code)))
		reason = hit->valuestring;
	else
		reason = "other";
	cJSON_AddStringToObject(line, "reason", reason);
	if (code != NULL && (strcmp(reason, "other") == 0 ||
	    (reason_known(r->s->fm, reason, &needs) && needs)))
		oms_buf_printf(&n, "%s reason: %s", getstr(r->s->fm->doc,
		    "channel") ? getstr(r->s->fm->doc, "channel") : "channel",
		    code);
	if (note != NULL)
		oms_buf_printf(&n, "%s%s", n.len ? "; " : "", note);
	if (n.len > 0)
		cJSON_AddStringToObject(line, "note", n.s);
	oms_buf_free(&n);
}

/*
 * A key template, expanded into r->tmp.  "{#n}" at its end is the
 * number of rows of the file so far with the same rest of the key: a
 * report downloaded again over other dates gives a row the same key,
 * which its line would not.
 */
static int
key(struct rec *r, const char *t)
{
	size_t n = strlen(t);
	cJSON *c;
	char *head;
	int ok;

	if (n < 4 || strcmp(t + n - 4, "{#n}") != 0)
		return expand(r->s, t, &r->tmp);
	head = estrndup(t, n - 4);
	ok = expand(r->s, head, &r->tmp);
	free(head);
	if (!ok)
		return 0;
	if ((c = cJSON_GetObjectItemCaseSensitive(r->s->seen, r->tmp.s)) ==
	    NULL)
		c = cJSON_AddNumberToObject(r->s->seen, r->tmp.s, 0);
	cJSON_SetNumberValue(c, c->valuedouble + 1);
	oms_buf_printf(&r->tmp, "%d", (int)c->valuedouble);
	return 1;
}

/* The head of every record: order, key, dates, rma, carrier. */
static int
head(struct rec *r, cJSON *o)
{
	const cJSON *doc = r->s->fm->doc;
	const cJSON *keys = cJSON_GetObjectItemCaseSensitive(doc, "key"), *k;
	struct oms_buf names = { 0 };
	int rc;

	cJSON_AddStringToObject(o, "type", "return");
	if (r->s->seen == NULL)
		r->s->seen = cJSON_CreateObject();
	if (!expand(r->s, getstr(doc, "order"), &r->tmp)) {
		oms_buf_printf(&names, "'%s'", getstr(doc, "order"));
		rc = bad(r, "no order: %s needs a value for each name in "
		    "braces", names.s);
		oms_buf_free(&names);
		return rc;
	}
	cJSON_AddStringToObject(o, "order", r->tmp.s);
	cJSON_ArrayForEach(k, keys)
		if (cJSON_IsString(k) && key(r, k->valuestring))
			break;
	if (k == NULL) {
		template_names(keys, &names);
		rc = bad(r, "no key: %s needs a value for each name in braces",
		    names.s);
		oms_buf_free(&names);
		return rc;
	}
	cJSON_AddStringToObject(o, "key", r->tmp.s);
	add_str(r->s, o, "channel_rma", cJSON_GetObjectItemCaseSensitive(doc,
	    "channel_rma"));
	if ((rc = add_date(r, o, "requested_at",
	    cJSON_GetObjectItemCaseSensitive(doc, "requested_at"))) != OMS_OK)
		return rc;
	return OMS_OK;
}

/* carrier, tracking, authorized: after the lines, as documented. */
static void
tail(struct rec *r, cJSON *o)
{
	const cJSON *doc = r->s->fm->doc;

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "authorized")))
		cJSON_AddTrueToObject(o, "authorized");
	add_str(r->s, o, "carrier", cJSON_GetObjectItemCaseSensitive(doc,
	    "carrier"));
	add_str(r->s, o, "tracking", cJSON_GetObjectItemCaseSensitive(doc,
	    "tracking"));
	add_str(r->s, o, "channel_status",
	    cJSON_GetObjectItemCaseSensitive(doc, "channel_status"));
	add_str(r->s, o, "resolution", cJSON_GetObjectItemCaseSensitive(doc,
	    "resolution"));
}

static int refunded(struct rec *, const cJSON *, cJSON *);

/* A TSV row: one line, received and inspected when the format says. */
static int
tsv_record(struct rec *r, cJSON **out)
{
	const cJSON *doc = r->s->fm->doc, *rs, *is, *at;
	cJSON *o = cJSON_CreateObject(), *lines, *line;
	const char *which, *sku, *v;
	char *note = NULL;
	int64_t q;
	int rc;

	*out = NULL;
	if ((rc = head(r, o)) != OMS_OK)
		goto out;
	sku = field(r->s, cJSON_GetObjectItemCaseSensitive(doc, "sku"), &which);
	if (sku == NULL) {
		rc = bad(r, "no %s", which ? which : "sku");
		goto out;
	}
	if ((rc = qty_of(r, cJSON_GetObjectItemCaseSensitive(doc, "qty"), &q))
	    != OMS_OK)
		goto out;
	lines = cJSON_AddArrayToObject(o, "lines");
	line = cJSON_CreateObject();
	cJSON_AddItemToArray(lines, line);
	cJSON_AddStringToObject(line, "sku", sku);
	cJSON_AddNumberToObject(line, "qty", (double)q);
	note = fieldcpy(r->s, cJSON_GetObjectItemCaseSensitive(doc, "note"),
	    NULL);
	reason_of(r, line, note);
	tail(r, o);
	rs = cJSON_GetObjectItemCaseSensitive(doc, "received");
	at = cJSON_GetObjectItemCaseSensitive(rs, "at");
	if (at != NULL && field(r->s, at, NULL) != NULL) {
		cJSON *rec = cJSON_CreateObject();

		cJSON_AddItemToObject(o, "received", rec);
		if ((rc = add_date(r, rec, "at", at)) != OMS_OK)
			goto out;
		if (r->s->fm->location != NULL)
			cJSON_AddStringToObject(rec, "location",
			    r->s->fm->location);
		else
			add_str(r->s, rec, "location",
			    cJSON_GetObjectItemCaseSensitive(rs, "location"));
	}
	is = cJSON_GetObjectItemCaseSensitive(doc, "inspection");
	if (is != NULL && has(o, "received")) {
		const cJSON *map = cJSON_GetObjectItemCaseSensitive(is, "map"),
		    *hit;
		cJSON *list, *u;

		if ((v = field(r->s, is, &which)) == NULL) {
			rc = bad(r, "received but no %s", which);
			goto out;
		}
		hit = cJSON_GetObjectItemCaseSensitive(map, v);
		if (hit == NULL)
			hit = cJSON_GetObjectItemCaseSensitive(map, "*");
		if (!cJSON_IsString(hit)) {
			rc = bad(r, "%s '%s' is not one the format knows",
			    which, v);
			goto out;
		}
		list = cJSON_AddArrayToObject(o, "inspection");
		u = cJSON_CreateObject();
		cJSON_AddItemToArray(list, u);
		cJSON_AddStringToObject(u, "sku", sku);
		cJSON_AddNumberToObject(u, "qty", (double)q);
		cJSON_AddStringToObject(u, "disposition", hit->valuestring);
		oms_buf_reset(&r->tmp);
		oms_buf_printf(&r->tmp, "%s %s", which, v);
		cJSON_AddStringToObject(u, "note", r->tmp.s);
	}
	rc = refunded(r, NULL, o);
out:
	free(note);
	if (rc != OMS_OK)
		cJSON_Delete(o);
	else
		*out = o;
	return rc;
}

/* ---- money ----------------------------------------------------------- */

static int
frac_digits(const char *s)
{
	const char *d = strchr(s, '.');

	return d ? (int)strlen(d + 1) : 0;
}

/* A decimal amount, its sign dropped (refund files write either). */
static int
amount(struct rec *r, const char *which, const char *v, int exp,
    int64_t *out)
{
	if (oms_money_parse(v, exp, out) != OMS_OK)
		return bad(r, "%s '%s' is not an amount", which, v);
	if (frac_digits(v) > exp)
		return bad(r, "%s '%s' has more decimals than the currency",
		    which, v);
	if (*out < 0)
		*out = -*out;
	return OMS_OK;
}

static void
add_money(cJSON *o, const char *key, int64_t v, int exp)
{
	char buf[OMS_MONEY_BUFSZ];

	cJSON_AddStringToObject(o, key, oms_money_format(v, exp, buf,
	    sizeof buf));
}

/*
 * What the channel refunded: the successful refund transactions summed,
 * or the refund's amount; each line's subtotal and tax (lines: the
 * refund's own lines in the file).  Amounts are read
 * in the currency's minor unit, or, with no currency, in as many decimals
 * as the file writes.
 */
static int
refunded(struct rec *r, const cJSON *lines, cJSON *o)
{
	const cJSON *doc = r->s->fm->doc, *lsp, *rf, *txs, *t, *e;
	const char *tpath, *cur = NULL, *v;
	cJSON *out, *ol;
	int exp = 0, any = 0, rc, j = 0;
	int64_t total = 0, x;
	char curbuf[8] = "";

	if ((rf = cJSON_GetObjectItemCaseSensitive(doc, "refund")) == NULL)
		return OMS_OK;
	lsp = cJSON_GetObjectItemCaseSensitive(doc, "lines");
	tpath = getstr(rf, "transactions");
	txs = tpath ? jpath(r->s->el, tpath) : NULL;
	/* First the currency and the decimals. */
	cJSON_ArrayForEach(t, txs) {
		r->s->sub = t;
		if (cur == NULL && (v = value(r->s, getstr(rf, "currency") ?
		    getstr(rf, "currency") : "currency")) != NULL &&
		    oms_currency_valid(v))
			cur = strcpy(curbuf, v);
		r->s->sub = NULL;
	}
	if (cur == NULL && getstr(rf, "currency") != NULL &&
	    (v = value(r->s, getstr(rf, "currency"))) != NULL &&
	    oms_currency_valid(v))
		cur = strcpy(curbuf, v);
	if (cur != NULL)
		exp = oms_currency_exponent(cur);
	else {
		cJSON_ArrayForEach(t, txs) {
			r->s->sub = t;
			if ((v = value(r->s, getstr(rf, "amount"))) != NULL &&
			    frac_digits(v) > exp)
				exp = frac_digits(v);
			r->s->sub = NULL;
		}
		if (txs == NULL && (v = value(r->s, getstr(rf, "amount"))) !=
		    NULL && frac_digits(v) > exp)
			exp = frac_digits(v);
		cJSON_ArrayForEach(e, lines) {
			r->s->sub = e;
			if ((v = value(r->s, getstr(lsp, "subtotal"))) &&
			    frac_digits(v) > exp)
				exp = frac_digits(v);
			if ((v = value(r->s, getstr(lsp, "tax"))) &&
			    frac_digits(v) > exp)
				exp = frac_digits(v);
			r->s->sub = NULL;
		}
		if (exp > 4)
			exp = 4;
	}
	if (txs != NULL) {
		const cJSON *kinds = cJSON_GetObjectItemCaseSensitive(rf,
		    "kind"), *st = cJSON_GetObjectItemCaseSensitive(rf,
		    "status"), *k;
		int i = 0;

		cJSON_ArrayForEach(t, txs) {
			int ok_kind = kinds == NULL, ok_st = st == NULL;
			const char *tk = getstr(t, "kind"), *ts = getstr(t,
			    "status");

			i++;
			cJSON_ArrayForEach(k, kinds)
				ok_kind |= cJSON_IsString(k) && tk != NULL &&
				    strcmp(k->valuestring, tk) == 0;
			cJSON_ArrayForEach(k, st)
				ok_st |= cJSON_IsString(k) && ts != NULL &&
				    strcmp(k->valuestring, ts) == 0;
			if (!ok_kind || !ok_st)
				continue;
			r->s->sub = t;
			v = value(r->s, getstr(rf, "amount"));
			if (v != NULL) {
				char w[64];

				snprintf(w, sizeof w, "transaction %d amount",
				    i);
				rc = amount(r, w, v, exp, &x);
				r->s->sub = NULL;
				if (rc != OMS_OK)
					return rc;
				/* Each fits in 64 bits; their sum need not. */
				if (x > INT64_MAX - total)
					return bad(r, "%s '%s': the total is "
					    "too large", w, v);
				total += x;
				any = 1;
			}
			r->s->sub = NULL;
		}
	} else if ((v = value(r->s, getstr(rf, "amount"))) != NULL) {
		if ((rc = amount(r, getstr(rf, "amount"), v, exp, &total)) !=
		    OMS_OK)
			return rc;
		any = 1;
	}
	out = cJSON_CreateObject();
	if (cur != NULL)
		cJSON_AddStringToObject(out, "currency", cur);
	if (any)
		add_money(out, "total", total, exp);
	ol = cJSON_CreateArray();
	cJSON_ArrayForEach(e, lines) {
		const char *sub, *tax, *lid;
		cJSON *l;
		char lidbuf[64];

		r->s->sub = e;
		lid = field(r->s, cJSON_GetObjectItemCaseSensitive(lsp,
		    "line_id"), NULL);
		snprintf(lidbuf, sizeof lidbuf, "%s", lid ? lid : "");
		l = cJSON_CreateObject();
		if (lidbuf[0])
			cJSON_AddStringToObject(l, "line_id", lidbuf);
		rc = OMS_OK;
		if ((sub = value(r->s, getstr(lsp, "subtotal"))) != NULL &&
		    (rc = amount(r, getstr(lsp, "subtotal"), sub, exp, &x)) ==
		    OMS_OK)
			add_money(l, "subtotal", x, exp);
		if (rc == OMS_OK && (tax = value(r->s, getstr(lsp, "tax"))) !=
		    NULL && (rc = amount(r, getstr(lsp, "tax"), tax, exp,
		    &x)) == OMS_OK)
			add_money(l, "total_tax", x, exp);
		r->s->sub = NULL;
		j++;
		if (rc != OMS_OK) {
			char w[512];

			snprintf(w, sizeof w, "%s %d: %s", getstr(lsp, "from"),
			    j, r->why.s);
			bad(r, "%s", w);
			cJSON_Delete(l);
			cJSON_Delete(ol);
			cJSON_Delete(out);
			return rc;
		}
		if (has(l, "subtotal") ||
		    has(l, "total_tax"))
			cJSON_AddItemToArray(ol, l);
		else
			cJSON_Delete(l);
	}
	if (cJSON_GetArraySize(ol) > 0)
		cJSON_AddItemToObject(out, "lines", ol);
	else
		cJSON_Delete(ol);
	/* Nothing refunded (a report's 0.00 before the refund) is none. */
	if ((any && total != 0) || has(out, "lines"))
		cJSON_AddItemToObject(o, "refunded_by_channel", out);
	else
		cJSON_Delete(out);
	return OMS_OK;
}

/* ---- a JSON refund --------------------------------------------------- */

static int
json_record(struct rec *r, cJSON **out)
{
	const cJSON *doc = r->s->fm->doc;
	const cJSON *lsp = cJSON_GetObjectItemCaseSensitive(doc, "lines");
	const cJSON *src, *e, *kind = cJSON_GetObjectItemCaseSensitive(lsp,
	    "kind");
	cJSON *o = cJSON_CreateObject(), *lines, *insp = NULL;
	char *note = NULL;
	int rc, i = 0, nkeep = 0, nret = 0;

	*out = NULL;
	if ((rc = head(r, o)) != OMS_OK)
		goto out;
	src = jpath(r->s->el, getstr(lsp, "from") ? getstr(lsp, "from") : "");
	if (src != NULL && !cJSON_IsArray(src) && !cJSON_IsNull(src)) {
		rc = bad(r, "%s is not a list", getstr(lsp, "from"));
		goto out;
	}
	note = fieldcpy(r->s, cJSON_GetObjectItemCaseSensitive(doc, "note"),
	    NULL);
	lines = cJSON_AddArrayToObject(o, "lines");
	insp = cJSON_CreateArray();
	cJSON_ArrayForEach(e, src) {
		cJSON *l = cJSON_CreateObject();
		const char *k = "return", *which, *v;
		int64_t q;

		i++;
		cJSON_AddItemToArray(lines, l);
		if (!cJSON_IsObject(e)) {
			rc = bad(r, "%s %d is not an object", getstr(lsp,
			    "from"), i);
			goto out;
		}
		r->s->sub = e;
		add_str(r->s, l, "line_id",
		    cJSON_GetObjectItemCaseSensitive(lsp, "line_id"));
		add_str(r->s, l, "sku", cJSON_GetObjectItemCaseSensitive(lsp,
		    "sku"));
		if (!has(l, "line_id") &&
		    !has(l, "sku")) {
			r->s->sub = NULL;
			rc = bad(r, "%s %d: no %s and no %s", getstr(lsp,
			    "from"), i, getstr(lsp, "line_id"), getstr(lsp,
			    "sku"));
			goto out;
		}
		if ((rc = qty_of(r, cJSON_GetObjectItemCaseSensitive(lsp,
		    "qty"), &q)) != OMS_OK) {
			char w[512];

			r->s->sub = NULL;
			snprintf(w, sizeof w, "%s %d: %s", getstr(lsp, "from"),
			    i, r->why.s);
			bad(r, "%s", w);
			goto out;
		}
		cJSON_AddNumberToObject(l, "qty", (double)q);
		/* The line's own kind, else "^" the refund's. */
		if (kind != NULL && (v = field(r->s, kind, &which)) != NULL) {
			const cJSON *hit = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(kind, "map"), v);

			if (!cJSON_IsString(hit)) {
				r->s->sub = NULL;
				rc = bad(r, "%s %d: %s '%s' is not one the "
				    "format knows", getstr(lsp, "from"), i,
				    which[0] == '^' ? which + 1 : which, v);
				goto out;
			}
			k = hit->valuestring;
		}
		add_str(r->s, l, "channel_location",
		    cJSON_GetObjectItemCaseSensitive(lsp, "channel_location"));
		r->s->sub = NULL;
		reason_of(r, l, note);
		if (strcmp(k, "cancel") == 0)
			cJSON_AddTrueToObject(l, "cancel");
		else if (strcmp(k, "keep") == 0) {
			cJSON_AddTrueToObject(l, "keep");
			nkeep++;
		} else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc,
		    "received_on_return"))) {
			cJSON *u = cJSON_CreateObject();
			const cJSON *x;

			if ((x = cJSON_GetObjectItemCaseSensitive(l,
			    "line_id")) != NULL)
				cJSON_AddStringToObject(u, "line_id",
				    x->valuestring);
			if ((x = cJSON_GetObjectItemCaseSensitive(l,
			    "sku")) != NULL)
				cJSON_AddStringToObject(u, "sku",
				    x->valuestring);
			cJSON_AddNumberToObject(u, "qty", (double)q);
			cJSON_AddStringToObject(u, "disposition", "restock");
			cJSON_AddItemToArray(insp, u);
			nret++;
		}
	}
	r->s->sub = NULL;
	tail(r, o);
	if (nret > 0) {
		cJSON *rec = cJSON_CreateObject();
		const cJSON *at = cJSON_GetObjectItemCaseSensitive(o,
		    "requested_at"), *x;

		cJSON_AddItemToObject(o, "received", rec);
		if (at != NULL)
			cJSON_AddStringToObject(rec, "at", at->valuestring);
		if (r->s->fm->location != NULL)
			cJSON_AddStringToObject(rec, "location",
			    r->s->fm->location);
		/* Where the channel restocked them, when one place. */
		cJSON_ArrayForEach(x, lines) {
			const char *cl = oms_json_str(x, "channel_location");

			if (cl != NULL && !has(rec,
			    "channel_location"))
				cJSON_AddStringToObject(rec,
				    "channel_location", cl);
		}
		cJSON_AddItemToObject(o, "inspection", insp);
		insp = NULL;
	}
	if (i > 0 && nkeep == i)
		cJSON_AddTrueToObject(o, "keep");
	/* A refund of money alone keeps its note on the record. */
	if (i == 0 && note != NULL)
		cJSON_AddStringToObject(o, "note", note);
	if ((rc = refunded(r, src, o)) == OMS_OK && i == 0 &&
	    !has(o, "refunded_by_channel"))
		rc = bad(r, "no lines and no amount: nothing returned or "
		    "refunded");
out:
	r->s->sub = NULL;
	cJSON_Delete(insp);
	free(note);
	if (rc != OMS_OK)
		cJSON_Delete(o);
	else
		*out = o;
	return rc;
}

/* ---- reading a file -------------------------------------------------- */

static int
emit(const struct fmt *fm, cJSON *o, long line, oms_rec_fn fn, void *arg)
{
	int rc;

	cJSON_AddStringToObject(o, "source", fm->name);
	cJSON_AddNumberToObject(o, "source_line", (double)line);
	rc = fn(arg, o);
	cJSON_Delete(o);
	return rc;
}

static int
all_empty(const struct oms_csv_rowv *row)
{
	for (int i = 0; i < row->nf; i++) {
		for (const char *p = row->f[i]; *p; p++)
			if (*p != ' ')
				return 0;
	}
	return 1;
}

static int
read_tsv(struct fmt *fm, FILE *fp, const char *name, oms_rec_fn fn,
    oms_retfile_reject reject, void *arg)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(fm->doc,
	    "required"), *e;
	struct oms_csv *c = NULL;
	struct oms_csv_rowv row;
	struct src s = { 0 };
	struct rec r = { 0 };
	const char *q;
	int rc;

	/* Tab-separated reports have no quoting unless the format says. */
	q = getstr(fm->doc, "quote");
	if ((rc = oms_csv_open(&c, fp, name, '\t', q && strlen(q) == 1 ?
	    q[0] : '\0', 0)) != OMS_OK)
		return rc;
	rc = oms_csv_next(c, &row);
	if (rc == OMS_EOF) {
		rc = oms_fail_at(OMS_E_INPUT, name, 0, "empty file: no header "
		    "of %s", fm->name);
		goto out;
	}
	if (rc != OMS_OK)
		goto out;
	s.fm = fm;
	s.nh = row.nf;
	s.hdr = ecalloc((size_t)row.nf + 1, sizeof *s.hdr);
	for (int i = 0; i < row.nf; i++)
		s.hdr[i] = estrdup(trim(row.f[i]));
	cJSON_ArrayForEach(e, req) {
		int i;

		for (i = 0; i < s.nh; i++)
			if (cJSON_IsString(e) && strcmp(s.hdr[i],
			    e->valuestring) == 0)
				break;
		if (i == s.nh) {
			rc = oms_fail_at(OMS_E_INPUT, name, row.line, "no "
			    "column '%s' in the header: not %s (%s)",
			    e->valuestring, fm->name, getstr(fm->doc,
			    "description"));
			goto out;
		}
	}
	r.s = &s;
	while ((rc = oms_csv_next(c, &row)) == OMS_OK) {
		cJSON *o = NULL;
		struct oms_buf raw = { 0 };

		if (all_empty(&row))
			continue;
		s.f = row.f;
		s.nf = row.nf;
		s.line = row.line;
		if (row.truncated)
			rc = bad(&r, "the file ends inside a quoted field");
		else if (row.nul)
			rc = bad(&r, "a NUL byte in the row");
		else if (row.nf != s.nh)
			rc = bad(&r, "%d fields where the header has %d",
			    row.nf, s.nh);
		else
			rc = tsv_record(&r, &o);
		if (rc == OMS_REJECT) {
			oms_buf_add(&raw, row.raw, row.rawlen);
			while (raw.len > 0 && (raw.s[raw.len - 1] == '\n' ||
			    raw.s[raw.len - 1] == '\r'))
				raw.s[--raw.len] = '\0';
			reject(arg, name, row.line, r.why.s, raw.s ? raw.s :
			    "");
			oms_buf_free(&raw);
			continue;
		}
		if (rc != OMS_OK)
			goto out;
		if ((rc = emit(fm, o, row.line, fn, arg)) != OMS_OK)
			goto out;
	}
	if (rc == OMS_EOF)
		rc = OMS_OK;
out:
	for (int i = 0; i < s.nh; i++)
		free(s.hdr[i]);
	free(s.hdr);
	cJSON_Delete(s.seen);
	oms_buf_free(&r.why);
	oms_buf_free(&r.tmp);
	oms_csv_close(c);
	return rc;
}

static long
line_at(const char *text, const char *p)
{
	long n = 1;

	for (const char *q = text; q < p; q++)
		n += *q == '\n';
	return n;
}

/* p past white space: cJSON takes any byte from 1 to ' ' for it. */
static const char *
skip_ws(const char *p)
{
	while (*p != '\0' && (unsigned char)*p <= ' ')
		p++;
	return p;
}

/* p at a '"': the closing quote of the string, or the end of the text. */
static const char *
str_end(const char *p)
{
	for (p++; *p != '\0' && *p != '"'; p++)
		if (*p == '\\' && p[1] != '\0')
			p++;
	return p;
}

/* p at the start of a JSON value: its last character. */
static const char *
value_end(const char *p)
{
	int depth = 0;

	for (; *p != '\0'; p++) {
		if (*p == '"' && *(p = str_end(p)) == '\0')
			break;
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		if (depth == 0 && (*p == '"' || *p == '}' || *p == ']' ||
		    (unsigned char)p[1] <= ' ' || strchr(",]}", p[1]) != NULL))
			break;
	}
	return p;
}

/*
 * The line each element of a list starts on: the list is the document
 * (key NULL) or the value of the top object's member key.  A scan of
 * text that parsed already, minding strings and nesting.
 */
static void
element_lines(const char *t, const char *key, long *lines, int max)
{
	const char *p = skip_ws(t), *list = NULL, *at = t;
	size_t kl = key ? strlen(key) : 0;
	long line = 1;
	int n = 0;

	if (key == NULL)
		list = *p == '[' ? p : NULL;
	else if (*p == '{') {
		for (p++; *p != '\0' && list == NULL; p++) {
			const char *k, *e;

			while (*(p = skip_ws(p)) == ',')
				p++;
			if (*p != '"')
				break;
			k = p + 1;
			if (*(e = str_end(p)) == '\0')
				break;
			p = skip_ws(e + 1);
			if (*p++ != ':')
				break;
			p = skip_ws(p);
			if ((size_t)(e - k) == kl && memcmp(k, key, kl) == 0 &&
			    *p == '[')
				list = p;
			else
				p = value_end(p);
		}
	}
	if (list == NULL)
		return;
	for (p = list + 1; n < max; p++) {
		while (*(p = skip_ws(p)) == ',')
			p++;
		if (*p == '\0' || *p == ']')
			break;
		for (; at < p; at++)
			line += *at == '\n';
		lines[n++] = line;
		if (*(p = value_end(p)) == '\0')
			break;
	}
}

/* The first of the format's "unlike" keys (an order's) that e has. */
static const char *
unlike(const struct fmt *fm, const cJSON *e)
{
	const cJSON *k;

	cJSON_ArrayForEach(k, cJSON_GetObjectItemCaseSensitive(fm->doc,
	    "unlike"))
		if (cJSON_IsString(k) && has(e, k->valuestring))
			return k->valuestring;
	return NULL;
}

static int
read_json(struct fmt *fm, FILE *fp, const char *name, oms_rec_fn fn,
    oms_retfile_reject reject, void *arg)
{
	struct oms_buf b = { 0 };
	const cJSON *recs = cJSON_GetObjectItemCaseSensitive(fm->doc,
	    "records"), *e, *list = NULL, *top = NULL;
	const char *detect = getstr(fm->doc, "detect"), *err = NULL, *text,
	    *lkey = NULL, *end = NULL;
	cJSON *doc = NULL;
	struct src s = { 0 };
	struct rec r = { 0 };
	long *lines = NULL, first;
	int rc = OMS_OK, n, i = 0;

	/* Read at most JSON_MAX bytes: a larger file is refused unread. */
	for (;;) {
		char chunk[65536];
		size_t k = fread(chunk, 1, sizeof chunk, fp);

		oms_buf_add(&b, chunk, k);
		if (b.len > JSON_MAX) {
			rc = oms_fail_at(OMS_E_INPUT, name, 0, "larger than %d "
			    "MiB, the most a refund file may hold",
			    JSON_MAX >> 20);
			goto out;
		}
		if (k < sizeof chunk)
			break;
	}
	if (ferror(fp)) {
		rc = oms_fail_at(OMS_E_OTHER, name, 0, "read error: %s",
		    strerror(errno));
		goto out;
	}
	oms_buf_add(&b, "", 0);
	text = b.s;
	if (b.len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		text += 3;
	if (strlen(text) < b.len - (size_t)(text - b.s)) {
		rc = oms_fail_at(OMS_E_INPUT, name, line_at(text, text +
		    strlen(text)), "a NUL byte: not JSON text");
		goto out;
	}
	if (!oms_utf8_valid(text, strlen(text))) {
		rc = oms_fail_at(OMS_E_INPUT, name, 0, "not UTF-8 text");
		goto out;
	}
	if (*skip_ws(text) == '\0') {
		rc = oms_fail_at(OMS_E_INPUT, name, 0, "empty file: no "
		    "refunds");
		goto out;
	}
	if ((doc = oms_json_parse(text, strlen(text), &end, &err)) == NULL) {
		rc = oms_fail_at(OMS_E_INPUT, name, err ? line_at(text, err) :
		    0, "not JSON");
		goto out;
	}
	/* Refunds after the first value would be dropped unread. */
	if (end != NULL && *skip_ws(end) != '\0') {
		rc = oms_fail_at(OMS_E_INPUT, name, line_at(text,
		    skip_ws(end)), "text after the end of the JSON: a "
		    "refund file is one list or one object");
		goto out;
	}
	if (cJSON_IsArray(doc))
		list = doc;
	else if (cJSON_IsObject(doc)) {
		cJSON_ArrayForEach(e, recs) {
			const cJSON *v;

			if (!cJSON_IsString(e))
				continue;
			v = cJSON_GetObjectItemCaseSensitive(doc,
			    e->valuestring);
			if (cJSON_IsArray(v) || cJSON_IsObject(v)) {
				list = v;
				top = doc;
				lkey = e->valuestring;
				break;
			}
		}
		if (list == NULL && detect != NULL &&
		    has(doc, detect))
			list = doc;
	}
	if (list == NULL) {
		struct oms_buf names = { 0 };

		template_names(recs, &names);
		rc = oms_fail_at(OMS_E_INPUT, name, 1, "not %s: neither a list "
		    "nor an object with %s%s%s%s", fm->name, names.s ? names.s :
		    "", detect ? " or '" : "", detect ? detect : "",
		    detect ? "'" : "");
		oms_buf_free(&names);
		goto out;
	}
	n = cJSON_IsArray(list) ? cJSON_GetArraySize(list) : 1;
	lines = ecalloc((size_t)n + 1, sizeof *lines);
	first = line_at(text, skip_ws(text));
	if (cJSON_IsArray(list))
		element_lines(text, lkey, lines, n);
	s.fm = fm;
	s.top = top;
	r.s = &s;
	for (e = cJSON_IsArray(list) ? list->child : list; e != NULL;
	    e = cJSON_IsArray(list) ? e->next : NULL, i++) {
		cJSON *o = NULL;
		const char *u;

		s.el = e;
		s.line = lines[i] > 0 ? lines[i] : first;
		if (!cJSON_IsObject(e))
			rc = bad(&r, "refund %d is not an object", i + 1);
		else if ((u = unlike(fm, e)) != NULL)
			rc = bad(&r, "refund %d has '%s': an order, not a "
			    "refund", i + 1, u);
		else if (detect != NULL && !has(e, detect))
			rc = bad(&r, "refund %d has no '%s'", i + 1, detect);
		else
			rc = json_record(&r, &o);
		if (rc == OMS_REJECT) {
			char *raw = oms_json_print(e);

			reject(arg, name, s.line, r.why.s, raw ? raw : "");
			free(raw);
			rc = OMS_OK;
			continue;
		}
		if (rc != OMS_OK)
			goto out;
		if ((rc = emit(fm, o, s.line, fn, arg)) != OMS_OK)
			goto out;
	}
out:
	free(lines);
	cJSON_Delete(s.seen);
	cJSON_Delete(doc);
	oms_buf_free(&b);
	oms_buf_free(&r.why);
	oms_buf_free(&r.tmp);
	return rc;
}

/*
 * Read fp (named name in messages) in format: each record to fn, each
 * bad row or refund to reject.  OMS_OK when the file was read through
 * (some rows may have been rejected); a file that is not of the format
 * (a required column missing, not JSON) fails whole, with the line; a
 * status other than OMS_OK from fn stops the reading and is returned.
 */
int
oms_return_file_read(const char *format, FILE *fp, const char *name,
    oms_rec_fn fn, oms_retfile_reject reject, void *arg)
{
	struct fmt fm;
	int rc;

	if ((rc = fmt_load(format, &fm)) == OMS_OK)
		rc = fm.json ? read_json(&fm, fp, name, fn, reject, arg) :
		    read_tsv(&fm, fp, name, fn, reject, arg);
	fmt_free(&fm);
	return rc;
}
