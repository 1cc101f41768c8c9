/*
 * feed.c: channel availability feeds.
 *
 * A feed format is data, like a channel adapter: a JSON file,
 * feeds/NAME.json on the same search path ($OMS_PATH, the user's config
 * directory, the installed share directory), that names the upload
 * file's preamble lines, its delimiter and quoting, and for each column
 * its header and what fills it, from a fixed vocabulary that this file
 * interprets (the listing's channel sku, the available figure, the price
 * with its decimal mark, a constant, a field of the stored listing or
 * product record, ...).  JSON uploads (WooCommerce's batch endpoint) are
 * objects built from the same column list, and "jsonl" writes
 * availability records.
 *
 * A feed writes, by default, only the listings whose available figure or
 * price differs from what that channel was last sent (feed_state).  What
 * was sent is recorded, and the channel's cursor moved, in one short
 * transaction after the whole file has been written and flushed: a feed
 * that could not be written leaves them alone, so the next run sends the
 * same rows again.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"
#include "stock.h"
#include "csvr.h"

enum src {
	S_NONE, S_CONSTANT, S_CHANNEL, S_CHANNEL_SKU, S_SKU, S_QUANTITY,
	S_POOL, S_PRICE, S_CURRENCY, S_ACTIVE, S_LISTING, S_PRODUCT
};

static const struct {
	const char *name;
	enum src src;
} sources[] = {
	{ "channel", S_CHANNEL }, { "channel_sku", S_CHANNEL_SKU },
	{ "sku", S_SKU }, { "quantity", S_QUANTITY }, { "pool", S_POOL },
	{ "price", S_PRICE }, { "currency", S_CURRENCY },
	{ "active", S_ACTIVE },
};

enum as { AS_AUTO, AS_STRING, AS_NUMBER, AS_BOOL };

struct col {
	const char *name;
	enum src src;
	const char *path;	/* after "listing." or "product." */
	const cJSON *constant;
	const char *dflt, *t, *f;
	char decimal;
	enum as as;
	int omit_empty;
	const char *value;	/* as the format names it, for messages */
	const char *required;	/* what the channel needs, if it must */
};

enum format { F_DELIMITED, F_JSON, F_JSONL };

struct oms_feed {
	char *path, *name;
	cJSON *doc;		/* every const char * below points into it */
	const char *channel, *eol, *wrap;
	enum format format;
	char delim, quote;
	int header, batch, npreamble, ncols;
	const char **preamble;
	struct col *cols;
};

static const char *
getstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int
load_col(const cJSON *v, struct col *c, const char *path, int i)
{
	static const char *const known[] = { "name", "value", "constant",
	    "default", "true", "false", "decimal", "as", "omit_empty",
	    "required", NULL };
	const cJSON *x;
	const char *s;

	memset(c, 0, sizeof *c);
	c->decimal = '.';
	if (!cJSON_IsObject(v))
		return oms_seterr("feed '%s': column %d must be an object",
		    path, i);
	for (x = v->child; x != NULL; x = x->next) {
		int k;

		for (k = 0; known[k]; k++)
			if (strcmp(known[k], x->string) == 0)
				break;
		if (known[k] == NULL)
			return oms_seterr("feed '%s': column %d: unknown key "
			    "'%s'", path, i, x->string);
	}
	if ((c->name = getstr(v, "name")) == NULL)
		return oms_seterr("feed '%s': column %d needs a \"name\"", path,
		    i);
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "constant")) != NULL) {
		if (!cJSON_IsString(x) && !cJSON_IsNumber(x) &&
		    !cJSON_IsBool(x))
			return oms_seterr("feed '%s': column '%s': constant "
			    "must be a string, a number or a boolean", path,
			    c->name);
		c->src = S_CONSTANT;
		c->constant = x;
	}
	if ((s = getstr(v, "value")) != NULL) {
		size_t k, n = sizeof sources / sizeof sources[0];

		if (c->src == S_CONSTANT)
			return oms_seterr("feed '%s': column '%s': value and "
			    "constant do not go together", path, c->name);
		for (k = 0; k < n; k++)
			if (strcmp(sources[k].name, s) == 0)
				break;
		if (k < n)
			c->src = sources[k].src;
		else if (strncmp(s, "listing.", 8) == 0 && s[8] != '\0') {
			c->src = S_LISTING;
			c->path = s + 8;
		} else if (strncmp(s, "product.", 8) == 0 && s[8] != '\0') {
			c->src = S_PRODUCT;
			c->path = s + 8;
		} else
			return oms_seterr("feed '%s': column '%s': unknown "
			    "value '%s'", path, c->name, s);
	} else if (cJSON_GetObjectItemCaseSensitive(v, "value") != NULL)
		return oms_seterr("feed '%s': column '%s': value must be a "
		    "string", path, c->name);
	c->dflt = getstr(v, "default");
	c->t = getstr(v, "true");
	c->f = getstr(v, "false");
	if ((s = getstr(v, "decimal")) != NULL) {
		if (strcmp(s, ".") != 0 && strcmp(s, ",") != 0)
			return oms_seterr("feed '%s': column '%s': decimal is "
			    "\".\" or \",\"", path, c->name);
		c->decimal = s[0];
	}
	if ((s = getstr(v, "as")) != NULL) {
		if (strcmp(s, "string") == 0)
			c->as = AS_STRING;
		else if (strcmp(s, "number") == 0)
			c->as = AS_NUMBER;
		else if (strcmp(s, "boolean") == 0)
			c->as = AS_BOOL;
		else
			return oms_seterr("feed '%s': column '%s': as is string, "
			    "number or boolean", path, c->name);
	}
	c->omit_empty = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v,
	    "omit_empty"));
	c->value = getstr(v, "value");
	x = cJSON_GetObjectItemCaseSensitive(v, "required");
	if (x != NULL && (!cJSON_IsString(x) || x->valuestring[0] == '\0'))
		return oms_seterr("feed '%s': column '%s': required must say "
		    "what the channel needs", path, c->name);
	c->required = x ? x->valuestring : NULL;
	return OMS_OK;
}

int
oms_feed_load(const char *path, oms_feed **out)
{
	oms_feed *f = ecalloc(1, sizeof *f);
	struct oms_buf text = { 0 };
	const cJSON *v, *e;
	const char *s, *base;
	size_t n;
	int i;

	*out = NULL;
	f->path = estrdup(path);
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	n = strlen(base);
	f->name = estrndup(base, n > 5 && strcmp(base + n - 5, ".json") == 0 ?
	    n - 5 : n);
	if (oms_read_file(path, "feed", &text) != OMS_OK) {
		oms_buf_free(&text);
		goto fail;
	}
	f->doc = cJSON_Parse(text.s ? text.s : "");
	oms_buf_free(&text);
	if (!cJSON_IsObject(f->doc)) {
		oms_seterr("feed '%s': not a JSON object", path);
		goto fail;
	}
	f->channel = getstr(f->doc, "channel");
	s = getstr(f->doc, "format");
	f->delim = ',';
	f->quote = '"';
	if (s == NULL || strcmp(s, "csv") == 0)
		f->format = F_DELIMITED;
	else if (strcmp(s, "tsv") == 0) {
		/* Amazon's flat files have no quoting: a '"' is text. */
		f->format = F_DELIMITED;
		f->delim = '\t';
		f->quote = '\0';
	} else if (strcmp(s, "json") == 0)
		f->format = F_JSON;
	else if (strcmp(s, "jsonl") == 0)
		f->format = F_JSONL;
	else {
		oms_seterr("feed '%s': unknown format '%s'", path, s);
		goto fail;
	}
	if ((s = getstr(f->doc, "delimiter")) != NULL && strlen(s) == 1)
		f->delim = s[0];
	if ((v = cJSON_GetObjectItemCaseSensitive(f->doc, "quote")) != NULL)
		f->quote = cJSON_IsString(v) && strlen(v->valuestring) == 1 ?
		    v->valuestring[0] : '\0';
	f->eol = getstr(f->doc, "line_end");
	if (f->eol == NULL)
		f->eol = "\n";
	else if (strcmp(f->eol, "\n") != 0 && strcmp(f->eol, "\r\n") != 0) {
		oms_seterr("feed '%s': line_end is \"\\n\" or \"\\r\\n\"", path);
		goto fail;
	}
	v = cJSON_GetObjectItemCaseSensitive(f->doc, "header");
	f->header = v == NULL || cJSON_IsTrue(v);
	v = cJSON_GetObjectItemCaseSensitive(f->doc, "preamble");
	if (v != NULL) {
		if (!cJSON_IsArray(v)) {
			oms_seterr("feed '%s': preamble must be a list of lines",
			    path);
			goto fail;
		}
		f->preamble = ecalloc((size_t)cJSON_GetArraySize(v) + 1,
		    sizeof *f->preamble);
		cJSON_ArrayForEach(e, v) {
			if (!cJSON_IsString(e)) {
				oms_seterr("feed '%s': preamble must be a list "
				    "of lines", path);
				goto fail;
			}
			f->preamble[f->npreamble++] = e->valuestring;
		}
	}
	f->wrap = getstr(f->doc, "wrap");
	if ((v = cJSON_GetObjectItemCaseSensitive(f->doc, "batch")) != NULL) {
		if (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
		    v->valuedouble > 1e6) {
			oms_seterr("feed '%s': batch must be a number from 1",
			    path);
			goto fail;
		}
		f->batch = (int)v->valuedouble;
	}
	v = cJSON_GetObjectItemCaseSensitive(f->doc, "columns");
	if (f->format != F_JSONL) {
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0) {
			oms_seterr("feed '%s': no \"columns\"", path);
			goto fail;
		}
		f->cols = ecalloc((size_t)cJSON_GetArraySize(v), sizeof *f->cols);
		i = 0;
		cJSON_ArrayForEach(e, v) {
			if (load_col(e, &f->cols[i], path, i + 1) != OMS_OK)
				goto fail;
			i++;
		}
		f->ncols = i;
	}
	*out = f;
	return OMS_OK;
fail:
	oms_feed_free(f);
	return OMS_ERR;
}

void
oms_feed_free(oms_feed *f)
{
	if (f == NULL)
		return;
	free(f->path);
	free(f->name);
	free(f->preamble);
	free(f->cols);
	cJSON_Delete(f->doc);
	free(f);
}

const char *
oms_feed_path(const oms_feed *f)
{
	return f->path;
}

const char *
oms_feed_name(const oms_feed *f)
{
	return f->name;
}


static int
valid_name(const char *s)
{
	if (*s == '\0' || *s == '.')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' &&
		    *s != '.')
			return 0;
	return 1;
}

/* The first feeds/NAME.json on the path; OMS_EOF when there is none. */
static int
find_named(char **dirs, int nd, const char *name, oms_feed **out)
{
	for (int i = 0; i < nd; i++) {
		struct oms_buf p = { 0 };
		int rc;

		oms_buf_printf(&p, "%s/feeds/%s.json", dirs[i], name);
		if (access(p.s, F_OK) == 0) {
			rc = oms_feed_load(p.s, out);
			oms_buf_free(&p);
			return rc;
		}
		oms_buf_free(&p);
	}
	return OMS_EOF;
}

/*
 * The feed to write: --format names it; else a feed named like the
 * channel; else the one feed whose "channel" is the channel.  Two feeds
 * claiming one channel is an error, not a guess.
 */
int
oms_feed_find(const char *format, const char *channel, oms_feed **out)
{
	char **dirs, **seen;
	int nd = oms_search_path(&dirs), nseen = 0, rc;
	struct oms_buf found = { 0 };
	oms_feed *pick = NULL;
	int npick = 0;

	*out = NULL;
	if (format != NULL) {
		if (!valid_name(format))
			rc = oms_seterr("'%s' is not a feed name", format);
		else if ((rc = find_named(dirs, nd, format, out)) == OMS_EOF)
			rc = oms_seterr("no feed format '%s' (feeds/%s.json on "
			    "OMS_PATH, ~/.config/oms or %s)", format, format,
			    oms_sharedir());
		oms_search_path_free(dirs, nd);
		return rc;
	}
	if (valid_name(channel) &&
	    (rc = find_named(dirs, nd, channel, out)) != OMS_EOF) {
		oms_search_path_free(dirs, nd);
		return rc;
	}
	seen = ecalloc(1, sizeof *seen);
	rc = OMS_OK;
	for (int i = 0; i < nd && rc == OMS_OK; i++) {
		struct oms_buf dir = { 0 };
		struct dirent **ents;
		int ne;

		oms_buf_printf(&dir, "%s/feeds", dirs[i]);
		ne = scandir(dir.s, &ents, NULL, alphasort);
		for (int j = 0; j < ne; j++) {
			const char *nm = ents[j]->d_name;
			size_t len = strlen(nm);
			struct oms_buf p = { 0 };
			oms_feed *f;
			int k;

			if (rc != OMS_OK || len <= 5 || nm[0] == '.' ||
			    strcmp(nm + len - 5, ".json") != 0) {
				free(ents[j]);
				continue;
			}
			/* A file shadows one of its name further along. */
			for (k = 0; k < nseen; k++)
				if (strncmp(seen[k], nm, len - 5) == 0 &&
				    seen[k][len - 5] == '\0')
					break;
			if (k < nseen) {
				free(ents[j]);
				continue;
			}
			seen = erealloc(seen, (size_t)(nseen + 1) * sizeof *seen);
			seen[nseen++] = estrndup(nm, len - 5);
			oms_buf_printf(&p, "%s/%s", dir.s, nm);
			if ((rc = oms_feed_load(p.s, &f)) == OMS_OK) {
				if (f->channel != NULL &&
				    strcmp(f->channel, channel) == 0) {
					oms_buf_printf(&found, "%s%s",
					    npick ? ", " : "", f->name);
					npick++;
					oms_feed_free(pick);
					pick = f;
				} else
					oms_feed_free(f);
			}
			oms_buf_free(&p);
			free(ents[j]);
		}
		if (ne >= 0)
			free(ents);
		oms_buf_free(&dir);
	}
	oms_search_path_free(seen, nseen);
	oms_search_path_free(dirs, nd);
	if (rc == OMS_OK && npick == 0)
		rc = oms_seterr("no feed for channel '%s' (--format names one)",
		    channel);
	else if (rc == OMS_OK && npick > 1)
		rc = oms_seterr("feeds %s are all for channel '%s' (--format "
		    "chooses one)", found.s, channel);
	oms_buf_free(&found);
	if (rc != OMS_OK) {
		oms_feed_free(pick);
		return rc;
	}
	*out = pick;
	return OMS_OK;
}

/* Writing. */

struct sent {
	char *channel_sku;
	int64_t quantity, price;
	int has_price;
};

struct writer {
	oms_feed *f;
	FILE *fp;
	int full;
	struct sent *sent;
	long nsent, cap, listings, written;
	struct oms_feed_run *run;	/* its left_out counts rows left out */
	cJSON *items;		/* JSON: the batch being filled */
	int nitems;
};

/* A column's value as text into b; *kind says what JSON type it is. */
static void
column_value(const struct col *c, const struct oms_ats *a, cJSON **listing,
    cJSON **product, struct oms_buf *b, enum as *kind, int *empty)
{
	char tmp[64];
	const char *s = NULL;
	const cJSON *v;

	*kind = AS_STRING;
	switch (c->src) {
	case S_NONE:
		break;
	case S_CONSTANT:
		if (cJSON_IsBool(c->constant)) {
			*kind = AS_BOOL;
			s = cJSON_IsTrue(c->constant) ?
			    (c->t ? c->t : "true") : (c->f ? c->f : "false");
		} else {
			if (cJSON_IsNumber(c->constant))
				*kind = AS_NUMBER;
			s = oms_json_text(c->constant, tmp, sizeof tmp);
		}
		break;
	case S_CHANNEL:
		s = a->channel;
		break;
	case S_CHANNEL_SKU:
		s = a->channel_sku;
		break;
	case S_SKU:
		s = a->sku;
		break;
	case S_CURRENCY:
		s = a->currency;
		break;
	case S_QUANTITY:
		if (a->by_channel)
			break;	/* the channel counts its own stock */
		/* FALLTHROUGH */
	case S_POOL:
		snprintf(tmp, sizeof tmp, "%lld", (long long)(c->src ==
		    S_QUANTITY ? a->available : a->pool));
		s = tmp;
		*kind = AS_NUMBER;
		break;
	case S_PRICE:
		if (a->has_price && a->currency != NULL) {
			char *p;

			oms_money_format(a->price,
			    oms_currency_exponent(a->currency), tmp, sizeof tmp);
			if (c->decimal != '.' && (p = strchr(tmp, '.')) != NULL)
				*p = c->decimal;
			s = tmp;
		}
		break;
	case S_ACTIVE:
		*kind = AS_BOOL;
		s = a->active ? (c->t ? c->t : "true") :
		    (c->f ? c->f : "false");
		break;
	case S_LISTING:
	case S_PRODUCT:
		if (c->src == S_LISTING && *listing == NULL)
			*listing = cJSON_Parse(oms_ats_listing(a));
		if (c->src == S_PRODUCT && *product == NULL)
			*product = cJSON_Parse(oms_ats_product(a));
		v = oms_json_path(c->src == S_LISTING ? *listing : *product,
		    c->path);
		if (cJSON_IsBool(v)) {
			*kind = AS_BOOL;
			s = cJSON_IsTrue(v) ? (c->t ? c->t : "true") :
			    (c->f ? c->f : "false");
		} else {
			if (cJSON_IsNumber(v))
				*kind = AS_NUMBER;
			s = oms_json_text(v, tmp, sizeof tmp);
		}
		break;
	}
	if (s == NULL || *s == '\0') {
		s = c->dflt;
		*kind = AS_STRING;
	}
	*empty = s == NULL || *s == '\0';
	if (s != NULL)
		oms_buf_adds(b, s);
	if (c->as != AS_AUTO)
		*kind = c->as;
}

static void
flush_batch(struct writer *w)
{
	cJSON *doc;
	char *s;

	if (w->nitems == 0)
		return;
	if (w->f->wrap != NULL) {
		doc = cJSON_CreateObject();
		cJSON_AddItemToObject(doc, w->f->wrap, w->items);
	} else
		doc = w->items;
	if ((s = oms_json_print(doc)) == NULL)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	fputs(s, w->fp);
	fputs(w->f->eol, w->fp);
	free(s);
	cJSON_Delete(doc);
	w->items = NULL;
	w->nitems = 0;
}

/* Whether s is a JSON number, so that it can go in as one. */
static int
is_number(const char *s)
{
	char *end;

	if (*s == '\0' || *s == '+' || isspace((unsigned char)*s))
		return 0;
	strtod(s, &end);
	return *end == '\0' && strspn(s, "-0123456789.eE+") == strlen(s);
}

static void
write_row(struct writer *w, const struct oms_ats *a)
{
	oms_feed *f = w->f;
	cJSON *listing = NULL, *product = NULL, *item;
	struct oms_buf line = { 0 }, v = { 0 };
	enum as kind;
	int empty;

	switch (f->format) {
	case F_JSONL:
		oms_ats_json(a, &line);
		oms_buf_addc(&line, '\n');
		fwrite(line.s, 1, line.len, w->fp);
		break;
	case F_DELIMITED:
		for (int i = 0; i < f->ncols; i++) {
			oms_buf_reset(&v);
			column_value(&f->cols[i], a, &listing, &product, &v, &kind,
			    &empty);
			if (i > 0)
				oms_buf_addc(&line, f->delim);
			oms_csv_field(&line, v.s ? v.s : "", f->delim, f->quote);
		}
		oms_buf_adds(&line, f->eol);
		fwrite(line.s, 1, line.len, w->fp);
		break;
	case F_JSON:
		item = cJSON_CreateObject();
		for (int i = 0; i < f->ncols; i++) {
			const char *s;

			oms_buf_reset(&v);
			column_value(&f->cols[i], a, &listing, &product, &v, &kind,
			    &empty);
			s = v.s ? v.s : "";
			if (empty && f->cols[i].omit_empty)
				continue;
			if (kind == AS_NUMBER && !empty && is_number(s))
				cJSON_AddItemToObject(item, f->cols[i].name,
				    cJSON_CreateRaw(s));
			else if (kind == AS_BOOL)
				cJSON_AddBoolToObject(item, f->cols[i].name,
				    strcmp(s, "true") == 0 ||
				    (f->cols[i].t && strcmp(s, f->cols[i].t) == 0));
			else
				cJSON_AddStringToObject(item, f->cols[i].name, s);
		}
		if (w->items == NULL)
			w->items = cJSON_CreateArray();
		cJSON_AddItemToArray(w->items, item);
		if (++w->nitems == (f->batch ? f->batch : 100000000))
			flush_batch(w);
		break;
	}
	cJSON_Delete(listing);
	cJSON_Delete(product);
	oms_buf_free(&line);
	oms_buf_free(&v);
}

/*
 * The first column the channel requires that is empty for a, counted in
 * the run, or NULL: such a row is left out, not written for the channel
 * to refuse, and not recorded as sent.
 */
static const struct col *
lacks(struct writer *w, const struct oms_ats *a)
{
	cJSON *listing = NULL, *product = NULL;
	struct oms_buf v = { 0 };
	const struct col *gap = NULL;
	enum as kind;
	int empty;

	for (int i = 0; i < w->f->ncols && gap == NULL; i++) {
		if (w->f->cols[i].required == NULL)
			continue;
		oms_buf_reset(&v);
		column_value(&w->f->cols[i], a, &listing, &product, &v, &kind,
		    &empty);
		if (empty)
			gap = &w->f->cols[i];
	}
	cJSON_Delete(listing);
	cJSON_Delete(product);
	oms_buf_free(&v);
	if (gap != NULL && w->run->left_out++ == 0) {
		w->run->left_col = gap->name;
		w->run->left_value = gap->value ? gap->value : gap->name;
		w->run->left_what = gap->required;
	}
	return gap;
}

static int
on_listing(void *arg, const struct oms_ats *a)
{
	struct writer *w = arg;
	/* What a channel-fulfilled listing is sent: no quantity. */
	int64_t qty = a->by_channel ? -1 : a->available;
	int changed, same;

	if (a->active)
		w->listings++;
	/* As feed_state has it already: nothing to record for it. */
	same = a->has_sent && qty == a->sent_quantity &&
	    a->has_price == a->has_sent_price &&
	    (!a->has_price || a->price == a->sent_price);
	changed = w->full || !a->has_sent ? a->active : !same;
	if (!changed || (w->f->format != F_JSONL && lacks(w, a) != NULL))
		return OMS_OK;
	write_row(w, a);
	w->written++;
	if (same)
		return OMS_OK;
	if (w->nsent == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->sent = erealloc(w->sent, (size_t)w->cap * sizeof *w->sent);
	}
	w->sent[w->nsent].channel_sku = estrdup(a->channel_sku);
	w->sent[w->nsent].quantity = qty;
	w->sent[w->nsent].price = a->price;
	w->sent[w->nsent].has_price = a->has_price;
	w->nsent++;
	return OMS_OK;
}

static void
write_head(struct writer *w)
{
	oms_feed *f = w->f;
	struct oms_buf line = { 0 };

	if (f->format != F_DELIMITED)
		return;
	for (int i = 0; i < f->npreamble; i++) {
		oms_buf_adds(&line, f->preamble[i]);
		oms_buf_adds(&line, f->eol);
	}
	if (f->header) {
		for (int i = 0; i < f->ncols; i++) {
			if (i > 0)
				oms_buf_addc(&line, f->delim);
			oms_csv_field(&line, f->cols[i].name, f->delim, f->quote);
		}
		oms_buf_adds(&line, f->eol);
	}
	if (line.len > 0)
		fwrite(line.s, 1, line.len, w->fp);
	oms_buf_free(&line);
}

/* Record what was sent and move the cursor, in one transaction. */
static int
record_sent(oms_db *db, const char *channel, const struct writer *w)
{
	/*
	 * A row already as sent is left alone, not written again: a full
	 * feed sent again with little changed writes little.
	 */
	static const char sql_state[] =
	    "INSERT INTO feed_state (channel, channel_sku, quantity, price) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (channel, channel_sku) "
	    "DO UPDATE SET quantity = excluded.quantity, "
	    "price = excluded.price "
	    "WHERE feed_state.quantity <> excluded.quantity "
	    "OR feed_state.price IS DISTINCT FROM excluded.price";
	static const char sql_cursor[] =
	    "INSERT INTO feed_cursors (channel, last_run) VALUES (?1, ?2) "
	    "ON CONFLICT (channel) DO UPDATE SET last_run = excluded.last_run";
	char now[OMS_TIME_LEN];
	oms_stmt *st;
	int rc;

	oms_time_now(now);
	if ((rc = oms_db_begin(db)) != OMS_OK)
		return rc;
	for (long i = 0; i < w->nsent; i++) {
		if ((st = oms_db_stmt(db, sql_state)) == NULL)
			goto fail;
		oms_bind_text(st, 1, channel);
		oms_bind_text(st, 2, w->sent[i].channel_sku);
		oms_bind_int64(st, 3, w->sent[i].quantity);
		if (w->sent[i].has_price)
			oms_bind_int64(st, 4, w->sent[i].price);
		else
			oms_bind_null(st, 4);
		rc = oms_step(st);
		oms_reset(st);
		if (rc != OMS_DONE) {
			rc = oms_db_fail(db, rc, "cannot record the feed");
			oms_db_rollback(db);
			return rc;
		}
	}
	if ((st = oms_db_stmt(db, sql_cursor)) == NULL)
		goto fail;
	oms_bind_text(st, 1, channel);
	oms_bind_text(st, 2, now);
	rc = oms_step(st);
	oms_reset(st);
	if (rc != OMS_DONE) {
		rc = oms_db_fail(db, rc, "cannot record the feed");
		oms_db_rollback(db);
		return rc;
	}
	return oms_db_commit(db);
fail:
	oms_db_rollback(db);
	return OMS_ERR;
}

static int
read_cursor(oms_db *db, const char *channel, char since[OMS_TIME_LEN])
{
	static const char sql[] =
	    "SELECT last_run FROM feed_cursors WHERE channel = ?";
	oms_stmt *st = oms_db_stmt(db, sql);
	int rc;

	since[0] = '\0';
	if (st == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, channel);
	rc = oms_step(st);
	if (rc == OMS_ROW)
		snprintf(since, OMS_TIME_LEN, "%s",
		    oms_col_text(st, 0));
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the feed cursor");
	return OMS_OK;
}

/*
 * Write channel's feed to fp: the listings that changed since its last
 * feed, or with OMS_FEED_FULL every active one.  Only once the file is
 * flushed without error is what was sent recorded (not with
 * OMS_FEED_DRY_RUN).
 */
int
oms_feed_write(oms_db *db, oms_feed *f, const char *channel, int flags,
    FILE *fp, struct oms_feed_run *run)
{
	struct writer w;
	int rc, need;

	memset(&w, 0, sizeof w);
	memset(run, 0, sizeof *run);
	w.run = run;
	w.f = f;
	w.fp = fp;
	w.full = flags & OMS_FEED_FULL;
	if ((rc = read_cursor(db, channel, run->since)) != OMS_OK)
		return rc;
	/*
	 * A full feed sends every active listing whatever was sent before,
	 * and records only what differs from it; the records are read only
	 * for a format whose columns come from them.
	 */
	need = OMS_ATS_SENT;
	for (int i = 0; i < f->ncols; i++)
		if (f->cols[i].src == S_LISTING || f->cols[i].src == S_PRODUCT)
			need |= OMS_ATS_RECORDS;
	write_head(&w);
	rc = oms_ats_each(db, channel, NULL, need, on_listing, &w);
	if (rc == OMS_OK && f->format == F_JSON)
		flush_batch(&w);
	cJSON_Delete(w.items);
	errno = 0;
	if (rc == OMS_OK && (fflush(fp) == EOF || ferror(fp)))
		rc = oms_seterr("write error: %s", strerror(errno ? errno :
		    EIO));
	if (rc == OMS_OK && !(flags & OMS_FEED_DRY_RUN))
		rc = record_sent(db, channel, &w);
	run->listings = w.listings;
	run->written = w.written;
	for (long i = 0; i < w.nsent; i++)
		free(w.sent[i].channel_sku);
	free(w.sent);
	return rc;
}
