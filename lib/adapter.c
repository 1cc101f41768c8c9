/*
 * adapter.c: channel adapters are data.  An adapter file (JSON, see
 * oms-channels(5)) names, for each canonical field, the column or JSON
 * path it comes from and the conversions it needs from a fixed
 * vocabulary; this file loads it, finds it on the search path, binds it to
 * a file's header, and turns source values into canonical ones.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "adapter.h"

/* Where canonical fields go in a record, so every order prints alike. */
static const char *const order_keys[] = {
	"type", "id", "channel", "account", "external_id", "status",
	"hold_reasons", "placed_at", "updated_at", "cancelled_at",
	"fulfilled_at", "currency", "customer", "ship_to", "bill_to",
	"payment", "service", "ship_by", "deliver_by", "priority", "tags",
	"note", "lines", "totals", NULL
};
static const char *const address_keys[] = {
	"name", "company", "address1", "address2", "city", "region",
	"postal_code", "country", "phone", "email", NULL
};
static const char *const customer_keys[] = {
	"email", "name", "phone", "segment", "account", NULL
};
static const char *const payment_keys[] = {
	"status", "method", "reference", "paid_at", "on_delivery", "terms",
	NULL
};
static const char *const line_keys[] = {
	"line_id", "sku", "channel_sku", "title", "qty", "fulfilled",
	"unit_price", "discount", "tax", "total", "requires_shipping", NULL
};
static const char *const totals_keys[] = {
	"subtotal", "shipping", "discount", "tax", "tax_included", "total",
	"refunded", NULL
};

/* Move the known keys of obj to the front, in the order given. */
static void
reorder(cJSON *obj, const char *const *keys)
{
	cJSON *head = NULL, *tail = NULL, *v;

	if (!cJSON_IsObject(obj))
		return;
	for (int i = 0; keys[i]; i++) {
		v = cJSON_DetachItemFromObjectCaseSensitive(obj, keys[i]);
		if (v == NULL)
			continue;
		if (head == NULL)
			head = tail = v;
		else {
			tail->next = v;
			v->prev = tail;
			tail = v;
		}
	}
	if (head == NULL)
		return;
	/* The rest keep their order after the known keys. */
	tail->next = obj->child;
	if (obj->child != NULL) {
		head->prev = obj->child->prev;
		obj->child->prev = tail;
	} else
		head->prev = tail;
	obj->child = head;
}

void
oms_order_reorder(cJSON *o)
{
	cJSON *l;

	reorder(o, order_keys);
	reorder(cJSON_GetObjectItemCaseSensitive(o, "customer"), customer_keys);
	reorder(cJSON_GetObjectItemCaseSensitive(o, "ship_to"), address_keys);
	reorder(cJSON_GetObjectItemCaseSensitive(o, "bill_to"), address_keys);
	reorder(cJSON_GetObjectItemCaseSensitive(o, "payment"), payment_keys);
	reorder(cJSON_GetObjectItemCaseSensitive(o, "totals"), totals_keys);
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(o, "lines"))
		reorder(l, line_keys);
}

static char **
strlist(const cJSON *v, int *n, const char *what, const char *path, int *bad)
{
	char **out;
	const cJSON *e;
	int i = 0;

	*n = 0;
	if (v == NULL)
		return NULL;
	if (cJSON_IsString(v)) {
		out = ecalloc(1, sizeof *out);
		out[0] = estrdup(v->valuestring);
		*n = 1;
		return out;
	}
	if (!cJSON_IsArray(v)) {
		oms_seterr("%s: %s must be a string or a list of strings",
		    path, what);
		*bad = 1;
		return NULL;
	}
	out = ecalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *out);
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e)) {
			oms_seterr("%s: %s must be a list of strings", path, what);
			*bad = 1;
			break;
		}
		out[i++] = estrdup(e->valuestring);
	}
	*n = i;
	return out;
}

static void
freelist(char **l, int n)
{
	for (int i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static const struct {
	const char *name;
	int as;
} types[] = {
	{ "string", AS_STRING }, { "money", AS_MONEY }, { "date", AS_DATE },
	{ "int", AS_INT }, { "qty", AS_QTY }, { "bool", AS_BOOL },
	{ "list", AS_LIST }, { "currency", AS_CURRENCY },
};

static int
load_filter(const cJSON *v, struct filter *f, const char *path,
    const char *what)
{
	int bad = 0;
	const cJSON *is;

	memset(f, 0, sizeof *f);
	if (v == NULL)
		return OMS_OK;
	if (!cJSON_IsObject(v))
		return oms_seterr("%s: %s must be an object", path, what);
	f->on = 1;
	f->from = strlist(cJSON_GetObjectItemCaseSensitive(v, "from"),
	    &f->nfrom, "from", path, &bad);
	if (bad)
		return OMS_ERR;
	if (f->nfrom == 0)
		return oms_seterr("%s: %s needs \"from\"", path, what);
	f->col = ecalloc((size_t)f->nfrom, sizeof *f->col);
	is = cJSON_GetObjectItemCaseSensitive(v, "is");
	f->is = strlist(is, &f->nis, "is", path, &bad);
	if (bad)
		return OMS_ERR;
	f->not_empty = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v,
	    "not_empty"));
	f->empty = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "empty"));
	f->digits = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "digits"));
	if ((is = cJSON_GetObjectItemCaseSensitive(v, "contains")) != NULL) {
		if (!cJSON_IsString(is))
			return oms_seterr("%s: %s: contains must be a string",
			    path, what);
		f->contains = estrdup(is->valuestring);
	}
	return OMS_OK;
}

static int
load_spec(const cJSON *v, struct spec *s, const char *path)
{
	const cJSON *x;
	int bad = 0;

	memset(s, 0, sizeof *s);
	s->target = estrdup(v->string);
	s->zone_col = -1;
	if (cJSON_IsString(v) || cJSON_IsArray(v)) {
		s->from = strlist(v, &s->nfrom, "a field", path, &bad);
		goto done;
	}
	if (!cJSON_IsObject(v))
		return oms_seterr("%s: field '%s' must be a name, a list of "
		    "names or an object", path, v->string);
	for (x = v->child; x != NULL; x = x->next) {
		static const char *const known[] = { "from", "join", "as",
		    "strip", "html", "upper", "map", "default", "value", "split",
		    "sum", "negate", "where", "zone_from", "zone", NULL };
		int k;

		for (k = 0; known[k]; k++)
			if (strcmp(known[k], x->string) == 0)
				break;
		if (known[k] == NULL)
			return oms_seterr("%s: field '%s': unknown key '%s'",
			    path, v->string, x->string);
	}
	s->from = strlist(cJSON_GetObjectItemCaseSensitive(v, "from"),
	    &s->nfrom, "from", path, &bad);
	if (bad)
		return OMS_ERR;
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "join")) != NULL)
		s->join = estrdup(cJSON_IsString(x) ? x->valuestring : " ");
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "as")) != NULL) {
		size_t i;

		for (i = 0; i < sizeof types / sizeof types[0]; i++)
			if (cJSON_IsString(x) &&
			    strcmp(types[i].name, x->valuestring) == 0)
				break;
		if (i == sizeof types / sizeof types[0])
			return oms_seterr("%s: field '%s': unknown type '%s'",
			    path, v->string, cJSON_IsString(x) ?
			    x->valuestring : "?");
		s->as = types[i].as;
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "strip")) && cJSON_IsString(x))
		s->strip = estrdup(x->valuestring);
	s->html = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "html"));
	s->upper = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "upper"));
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "map")) != NULL) {
		if (!cJSON_IsObject(x))
			return oms_seterr("%s: field '%s': map must be an "
			    "object", path, v->string);
		s->map = x;
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "default")) && cJSON_IsString(x))
		s->dflt = estrdup(x->valuestring);
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "value")) != NULL) {
		if (!cJSON_IsString(x))
			return oms_seterr("%s: field '%s': value must be a "
			    "string", path, v->string);
		s->value = estrdup(x->valuestring);
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "split")) != NULL) {
		if (!cJSON_IsString(x) || x->valuestring[0] == '\0')
			return oms_seterr("%s: field '%s': split must be a "
			    "separator", path, v->string);
		s->split = estrdup(x->valuestring);
	}
	s->sum = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "sum"));
	s->negate = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "negate"));
	if (load_filter(cJSON_GetObjectItemCaseSensitive(v, "where"), &s->where,
	    path, "where") != OMS_OK)
		return OMS_ERR;
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "zone_from")) &&
	    cJSON_IsString(x))
		s->zone_from = estrdup(x->valuestring);
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "zone")) != NULL) {
		if (!cJSON_IsString(x) || !oms_tz_valid(x->valuestring))
			return oms_seterr("%s: field '%s': unknown time zone",
			    path, v->string);
		s->zone = estrdup(x->valuestring);
	}
done:
	if (bad)
		return OMS_ERR;
	if (s->nfrom == 0 && s->value == NULL && s->dflt == NULL)
		return oms_seterr("%s: field '%s' says neither where it comes "
		    "from nor a value", path, v->string);
	if (s->split != NULL && s->as == AS_STRING)
		s->as = AS_LIST;
	s->col = ecalloc((size_t)s->nfrom + 1, sizeof *s->col);
	return OMS_OK;
}

/*
 * Each target once, none inside another, none the importer sets itself:
 * mapping then adds fields without looking for an earlier one.
 */
static int
check_targets(const struct spec *s, int n, const char *path, const char *what)
{
	static const char *const own[] = { "type", "id", "channel",
	    "hold_reasons", "lines", NULL };

	for (int i = 0; i < n; i++) {
		for (int k = 0; own[k] && strcmp(what, "order") == 0; k++)
			if (strcmp(s[i].target, own[k]) == 0)
				return oms_seterr("%s: \"%s\" cannot be a target: "
				    "the importer sets it", path, own[k]);
		for (int j = 0; j < i; j++) {
			size_t a = strlen(s[j].target), b = strlen(s[i].target);
			const char *lo = a < b ? s[j].target : s[i].target;
			const char *hi = a < b ? s[i].target : s[j].target;
			size_t m = a < b ? a : b;

			if (strcmp(s[i].target, s[j].target) == 0)
				return oms_seterr("%s: %s field '%s' is given "
				    "twice", path, what, s[i].target);
			if (strncmp(lo, hi, m) == 0 && hi[m] == '.')
				return oms_seterr("%s: %s field '%s' is inside "
				    "'%s'", path, what, hi, lo);
		}
	}
	return OMS_OK;
}

static int
load_specs(const cJSON *obj, struct spec **out, int *n, const char *path,
    const char *what)
{
	const cJSON *v;
	int i = 0;

	*out = NULL;
	*n = 0;
	if (obj == NULL)
		return OMS_OK;
	if (!cJSON_IsObject(obj))
		return oms_seterr("%s: \"%s\" must be an object", path, what);
	*out = ecalloc((size_t)cJSON_GetArraySize(obj) + 1, sizeof **out);
	cJSON_ArrayForEach(v, obj) {
		if (load_spec(v, &(*out)[i], path) != OMS_OK) {
			*n = i + 1;
			return OMS_ERR;
		}
		i++;
	}
	*n = i;
	return check_targets(*out, i, path, what);
}

static const char *
getstr(const cJSON *doc, const char *key)
{
	return oms_json_str(doc, key);
}

int
oms_adapter_load(const char *path, oms_adapter **out)
{
	oms_adapter *a;
	FILE *fp;
	struct oms_buf b = { 0 };
	char chunk[8192];
	size_t n;
	const cJSON *v;
	const char *fmt, *slash, *s;
	int bad = 0;

	*out = NULL;
	if ((fp = fopen(path, "r")) == NULL)
		return oms_seterr("cannot open adapter '%s': %s", path,
		    strerror(errno));
	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		oms_buf_add(&b, chunk, n);
	fclose(fp);
	a = ecalloc(1, sizeof *a);
	a->path = estrdup(path);
	slash = strrchr(path, '/');
	a->name = estrdup(slash ? slash + 1 : path);
	if (strlen(a->name) > 5 && strcmp(a->name + strlen(a->name) - 5,
	    ".json") == 0)
		a->name[strlen(a->name) - 5] = '\0';
	a->doc = cJSON_ParseWithLength(b.s ? b.s : "", b.len);
	oms_buf_free(&b);
	if (a->doc == NULL || !cJSON_IsObject(a->doc)) {
		oms_seterr("adapter '%s': not a JSON object", path);
		goto fail;
	}
	if ((s = getstr(a->doc, "channel")) == NULL || *s == '\0') {
		oms_seterr("adapter '%s': no \"channel\"", path);
		goto fail;
	}
	a->channel = s;
	a->description = getstr(a->doc, "description");
	fmt = getstr(a->doc, "format");
	if (fmt == NULL || strcmp(fmt, "csv") == 0) {
		a->format = F_CSV;
		a->delim = ',';
		a->quote = '"';
	} else if (strcmp(fmt, "tsv") == 0) {
		/* Tab-separated reports have no quoting: a '"' is text. */
		a->format = F_CSV;
		a->delim = '\t';
		a->quote = '\0';
	} else if (strcmp(fmt, "json") == 0)
		a->format = F_JSON;
	else if (strcmp(fmt, "oms") == 0)
		a->format = F_OMS;
	else {
		oms_seterr("adapter '%s': unknown format '%s'", path, fmt);
		goto fail;
	}
	if ((s = getstr(a->doc, "delimiter")) != NULL && strlen(s) == 1)
		a->delim = s[0];
	if ((v = cJSON_GetObjectItemCaseSensitive(a->doc, "quote")) != NULL)
		a->quote = cJSON_IsString(v) && strlen(v->valuestring) == 1 ?
		    v->valuestring[0] : '\0';
	a->detect = strlist(cJSON_GetObjectItemCaseSensitive(a->doc, "detect"),
	    &a->ndetect, "detect", path, &bad);
	if (bad)
		goto fail;
	a->ragged = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a->doc,
	    "ragged"));
	a->key = getstr(a->doc, "key");
	a->identity = getstr(a->doc, "identity");
	a->alias = getstr(a->doc, "alias");
	a->lines_from = getstr(a->doc, "lines_from");
	a->blank_if_none = strlist(cJSON_GetObjectItemCaseSensitive(a->doc,
	    "blank_if_none"), &a->nblank_if_none, "blank_if_none", path, &bad);
	if (bad)
		goto fail;
	a->records = strlist(cJSON_GetObjectItemCaseSensitive(a->doc,
	    "records"), &a->nrecords, "records", path, &bad);
	if (bad)
		goto fail;
	a->lines = getstr(a->doc, "lines");
	if ((v = cJSON_GetObjectItemCaseSensitive(a->doc, "items")) != NULL) {
		a->items_records = getstr(v, "records");
		a->items_key = getstr(v, "key");
		a->items_join = getstr(v, "join");
		if (!a->items_records || !a->items_key || !a->items_join) {
			oms_seterr("adapter '%s': \"items\" needs records, key "
			    "and join", path);
			goto fail;
		}
	}
	if (load_filter(cJSON_GetObjectItemCaseSensitive(a->doc, "line_when"),
	    &a->line_when, path, "line_when") != OMS_OK ||
	    load_filter(cJSON_GetObjectItemCaseSensitive(a->doc, "stop_unless"),
	    &a->stop_unless, path, "stop_unless") != OMS_OK ||
	    load_filter(cJSON_GetObjectItemCaseSensitive(a->doc, "stop_when"),
	    &a->stop_when, path, "stop_when") != OMS_OK ||
	    load_filter(cJSON_GetObjectItemCaseSensitive(a->doc, "skip_when"),
	    &a->skip_when, path, "skip_when") != OMS_OK ||
	    load_filter(cJSON_GetObjectItemCaseSensitive(a->doc, "merge_when"),
	    &a->merge_when, path, "merge_when") != OMS_OK)
		goto fail;
	a->currency = getstr(a->doc, "currency");
	if ((s = getstr(a->doc, "decimal")) != NULL)
		a->money_flags = strcmp(s, ",") == 0 ? OMS_MONEY_DECIMAL_COMMA :
		    OMS_MONEY_DECIMAL_POINT;
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a->doc, "day_first")))
		a->time_flags = OMS_TIME_DMY;
	a->tz = getstr(a->doc, "timezone");
	if (a->tz != NULL && !oms_tz_valid(a->tz)) {
		oms_seterr("adapter '%s': unknown time zone '%s'", path, a->tz);
		goto fail;
	}
	a->merge = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a->doc,
	    "merge"));
	if (load_specs(cJSON_GetObjectItemCaseSensitive(a->doc, "order"),
	    &a->ospec, &a->nospec, path, "order") != OMS_OK ||
	    load_specs(cJSON_GetObjectItemCaseSensitive(a->doc, "line"),
	    &a->lspec, &a->nlspec, path, "line") != OMS_OK)
		goto fail;
	if (a->format == F_CSV && a->key == NULL) {
		oms_seterr("adapter '%s': a CSV adapter needs \"key\"", path);
		goto fail;
	}
	if (a->format != F_OMS && a->nospec == 0) {
		oms_seterr("adapter '%s': no \"order\" fields", path);
		goto fail;
	}
	/* Compiled when first used: most runs use one adapter of many. */
	if ((v = cJSON_GetObjectItemCaseSensitive(a->doc, "refine")) != NULL) {
		if (!cJSON_IsString(v)) {
			oms_seterr("adapter '%s': refine must be a jq program",
			    path);
			goto fail;
		}
		a->refine = v->valuestring;
	}
	*out = a;
	return OMS_OK;
fail:
	oms_adapter_free(a);
	return OMS_ERR;
}

static void
free_filter(struct filter *f)
{
	freelist(f->from, f->nfrom);
	freelist(f->is, f->nis);
	free(f->col);
	free(f->contains);
}

static void
free_specs(struct spec *s, int n)
{
	for (int i = 0; i < n; i++) {
		free(s[i].target);
		freelist(s[i].from, s[i].nfrom);
		free(s[i].col);
		free(s[i].join);
		free(s[i].strip);
		free(s[i].dflt);
		free(s[i].value);
		free(s[i].split);
		free(s[i].zone_from);
		free(s[i].zone);
		free_filter(&s[i].where);
	}
	free(s);
}

void
oms_adapter_free(oms_adapter *a)
{
	if (a == NULL)
		return;
	free(a->path);
	free(a->name);
	freelist(a->detect, a->ndetect);
	freelist(a->blank_if_none, a->nblank_if_none);
	freelist(a->records, a->nrecords);
	free_filter(&a->line_when);
	free_filter(&a->stop_unless);
	free_filter(&a->stop_when);
	free_filter(&a->skip_when);
	free_filter(&a->merge_when);
	free_specs(a->ospec, a->nospec);
	free_specs(a->lspec, a->nlspec);
	oms_jq_free(a->jq);
	cJSON_Delete(a->doc);
	free(a);
}

/*
 * The directories searched for channels/ and feeds/, first match wins:
 * each of $OMS_PATH, then $XDG_CONFIG_HOME/oms (or ~/.config/oms), then
 * the installed share directory.
 */
int
oms_search_path(char ***out)
{
	const char *env = getenv("OMS_PATH"), *home, *xdg;
	char **d = ecalloc(64, sizeof *d);
	int n = 0;

	if (env != NULL && *env != '\0') {
		char *copy = estrdup(env), *save = NULL, *p;

		for (p = strtok_r(copy, ":", &save); p && n < 60;
		    p = strtok_r(NULL, ":", &save))
			d[n++] = estrdup(p);
		free(copy);
	}
	xdg = getenv("XDG_CONFIG_HOME");
	home = getenv("HOME");
	if (xdg != NULL && *xdg == '/') {
		struct oms_buf b = { 0 };

		oms_buf_printf(&b, "%s/oms", xdg);
		d[n++] = b.s;
	} else if (home != NULL && *home != '\0') {
		struct oms_buf b = { 0 };

		oms_buf_printf(&b, "%s/.config/oms", home);
		d[n++] = b.s;
	}
	d[n++] = estrdup(OMS_SHAREDIR);
	*out = d;
	return n;
}

void
oms_search_path_free(char **dirs, int n)
{
	for (int i = 0; i < n; i++)
		free(dirs[i]);
	free(dirs);
}

/*
 * The text of rel (such as "boxes.json") in the first directory of the
 * search path that has it, and that file's path; OMS_EOF when none has
 * it, OMS_ERR when it cannot be read.
 */
int
oms_search_read(const char *rel, char **text, char **path)
{
	char **dirs;
	int nd = oms_search_path(&dirs), rc = OMS_EOF;

	*text = NULL;
	if (path != NULL)
		*path = NULL;
	for (int i = 0; i < nd && rc == OMS_EOF; i++) {
		struct oms_buf p = { 0 }, t = { 0 };
		char chunk[8192];
		size_t k;
		FILE *fp;

		oms_buf_printf(&p, "%s/%s", dirs[i], rel);
		if ((fp = fopen(p.s, "r")) == NULL) {
			if (errno != ENOENT)
				rc = oms_seterr("cannot open '%s': %s", p.s,
				    strerror(errno));
			oms_buf_free(&p);
			continue;
		}
		while ((k = fread(chunk, 1, sizeof chunk, fp)) > 0)
			oms_buf_add(&t, chunk, k);
		if (ferror(fp)) {
			rc = oms_seterr("cannot read '%s': %s", p.s,
			    strerror(errno));
			oms_buf_free(&t);
		} else {
			oms_buf_add(&t, "", 0);
			*text = t.s;
			rc = OMS_OK;
		}
		fclose(fp);
		if (rc == OMS_OK && path != NULL)
			*path = p.s;
		else
			oms_buf_free(&p);
	}
	oms_search_path_free(dirs, nd);
	return rc;
}

static int
cmp_adapter(const void *x, const void *y)
{
	const oms_adapter *const *a = x, *const *b = y;

	return strcmp((*a)->name, (*b)->name);
}

/*
 * Every adapter on the search path, sorted by name; a file shadows one of
 * the same name further along the path.  A broken adapter file is an
 * error: silently skipping it would hide a channel.
 */
int
oms_adapters_load(oms_adapter ***out, int *nout)
{
	char **dirs;
	int nd = oms_search_path(&dirs), n = 0, cap = 16, rc = OMS_OK;
	oms_adapter **list = ecalloc((size_t)cap, sizeof *list);

	for (int i = 0; i < nd && rc == OMS_OK; i++) {
		struct oms_buf dir = { 0 };
		struct dirent **ents;
		int ne;

		oms_buf_printf(&dir, "%s/channels", dirs[i]);
		ne = scandir(dir.s, &ents, NULL, alphasort);
		for (int j = 0; j < ne; j++) {
			const char *nm = ents[j]->d_name;
			size_t len = strlen(nm);
			struct oms_buf p = { 0 };
			oms_adapter *a;
			int k;

			if (rc != OMS_OK || len <= 5 || nm[0] == '.' ||
			    strcmp(nm + len - 5, ".json") != 0) {
				free(ents[j]);
				continue;
			}
			for (k = 0; k < n; k++)
				if (strncmp(list[k]->name, nm, len - 5) == 0 &&
				    list[k]->name[len - 5] == '\0')
					break;
			if (k < n) {
				free(ents[j]);
				continue;
			}
			oms_buf_printf(&p, "%s/%s", dir.s, nm);
			if ((rc = oms_adapter_load(p.s, &a)) == OMS_OK) {
				if (n == cap) {
					cap *= 2;
					list = erealloc(list, (size_t)cap *
					    sizeof *list);
				}
				list[n++] = a;
			}
			oms_buf_free(&p);
			free(ents[j]);
		}
		if (ne >= 0)
			free(ents);
		oms_buf_free(&dir);
	}
	oms_search_path_free(dirs, nd);
	if (rc != OMS_OK) {
		for (int i = 0; i < n; i++)
			oms_adapter_free(list[i]);
		free(list);
		return rc;
	}
	qsort(list, (size_t)n, sizeof *list, cmp_adapter);
	*out = list;
	*nout = n;
	return OMS_OK;
}

void
oms_adapters_free(oms_adapter **list, int n)
{
	for (int i = 0; i < n; i++)
		oms_adapter_free(list[i]);
	free(list);
}

/* The adapter's refine program, compiled on first use; NULL if none. */
int
oms_adapter_refiner(oms_adapter *a, struct oms_jq **out)
{
	*out = NULL;
	if (a->refine == NULL)
		return OMS_OK;
	if (a->jq == NULL && oms_jq_compile(a->refine, &a->jq) != OMS_OK) {
		char msg[512];

		snprintf(msg, sizeof msg, "%s", oms_error());
		return oms_seterr("adapter '%s': refine: %s", a->path, msg);
	}
	*out = a->jq;
	return OMS_OK;
}

const char *
oms_adapter_name(const oms_adapter *a)
{
	return a->name;
}

const char *
oms_adapter_channel(const oms_adapter *a)
{
	return a->channel;
}

const char *
oms_adapter_description(const oms_adapter *a)
{
	return a->description ? a->description : "";
}

const char *
oms_adapter_path(const oms_adapter *a)
{
	return a->path;
}

/* Bind column names to positions in a header row. */
static void
bind_cols(char *const *names, int n, int *col, char **hdr, int nh)
{
	for (int i = 0; i < n; i++) {
		col[i] = -1;
		for (int j = 0; j < nh; j++)
			if (strcmp(names[i], hdr[j]) == 0) {
				col[i] = j;
				break;
			}
	}
}

static void
bind_filter(struct filter *f, char **hdr, int nh)
{
	if (f->on)
		bind_cols(f->from, f->nfrom, f->col, hdr, nh);
}

void
oms_adapter_bind(oms_adapter *a, char **hdr, int nh)
{
	struct spec *sets[2] = { a->ospec, a->lspec };
	int ns[2] = { a->nospec, a->nlspec };

	a->ncols = nh;
	for (int k = 0; k < 2; k++)
		for (int i = 0; i < ns[k]; i++) {
			struct spec *s = &sets[k][i];

			bind_cols(s->from, s->nfrom, s->col, hdr, nh);
			bind_filter(&s->where, hdr, nh);
			s->zone_col = -1;
			if (s->zone_from != NULL)
				bind_cols(&s->zone_from, 1, &s->zone_col, hdr,
				    nh);
		}
	bind_filter(&a->line_when, hdr, nh);
	bind_filter(&a->stop_unless, hdr, nh);
	bind_filter(&a->stop_when, hdr, nh);
	bind_filter(&a->skip_when, hdr, nh);
	bind_filter(&a->merge_when, hdr, nh);
	a->keycol = -1;
	for (int j = 0; a->key != NULL && j < nh; j++)
		if (strcmp(a->key, hdr[j]) == 0) {
			a->keycol = j;
			break;
		}
}

/* How many of the adapter's detect names a header row has. */
int
oms_adapter_header_score(const oms_adapter *a, char **hdr, int nh)
{
	int hits = 0;

	for (int i = 0; i < a->ndetect; i++)
		for (int j = 0; j < nh; j++)
			if (strcmp(a->detect[i], hdr[j]) == 0) {
				hits++;
				break;
			}
	return hits;
}

/* Follow a dotted path ("billing.address_1", "tax_lines.0.price"). */
const cJSON *
oms_json_path(const cJSON *node, const char *path)
{
	const char *p = path;

	while (node != NULL && *p != '\0') {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char key[128];

		if (n >= sizeof key)
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		if (cJSON_IsArray(node) && isdigit((unsigned char)key[0]))
			node = cJSON_GetArrayItem(node, atoi(key));
		else if (cJSON_IsObject(node))
			node = cJSON_GetObjectItemCaseSensitive(node, key);
		else
			return NULL;
		p += n;
		if (*p == '.')
			p++;
	}
	return node;
}

/* Text of a scalar JSON value; NULL for null, absent, objects, arrays. */
const char *
oms_json_text(const cJSON *v, char *buf, size_t n)
{
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d < 9e15 && d > -9e15 && d == (double)(long long)d)
			snprintf(buf, n, "%lld", (long long)d);
		else
			snprintf(buf, n, "%.15g", d);
		return buf;
	}
	if (cJSON_IsTrue(v))
		return "true";
	if (cJSON_IsFalse(v))
		return "false";
	return NULL;
}
