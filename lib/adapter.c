/*
 * adapter.c: channel adapters are data.  An adapter file (JSON, see
 * oms-channels(5)) names, for each canonical field, the column or JSON
 * path it comes from and the conversions it needs from a fixed
 * vocabulary; this file loads it, finds it on the search path, binds it to
 * a file's header, tells how well it fits a file, and runs it: source
 * values into canonical ones, a CSV order's rows or a JSON order into a
 * canonical order.  import.c reads the files and stores the orders.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"
#include "import.h"
#include "order.h"
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
		oms_fail(OMS_E_ADAPTER, "%s: %s must be a string or a list of "
		    "strings", path, what);
		*bad = 1;
		return NULL;
	}
	out = ecalloc((size_t)cJSON_GetArraySize(v) + 1, sizeof *out);
	cJSON_ArrayForEach(e, v) {
		if (!cJSON_IsString(e)) {
			oms_fail(OMS_E_ADAPTER, "%s: %s must be a list of "
			    "strings", path, what);
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
		return oms_fail(OMS_E_ADAPTER, "%s: %s must be an object", path,
		    what);
	f->on = 1;
	f->from = strlist(cJSON_GetObjectItemCaseSensitive(v, "from"),
	    &f->nfrom, "from", path, &bad);
	if (bad)
		return OMS_ERR;
	if (f->nfrom == 0)
		return oms_fail(OMS_E_ADAPTER, "%s: %s needs \"from\"", path,
		    what);
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
			return oms_fail(OMS_E_ADAPTER, "%s: %s: contains must "
			    "be a string", path, what);
		f->contains = estrdup(is->valuestring);
	}
	return OMS_OK;
}

/*
 * The map called name: maps/NAME.json on the search path, an object of
 * value -> value, read once for each adapter that names it.
 */
static const cJSON *
shared_map(cJSON *maps, const char *name, const char *path,
    const char *field)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(maps, name), *e;
	struct oms_buf rel = { 0 };
	char *text = NULL, *file = NULL;
	cJSON *doc = NULL;
	int rc;

	if (m != NULL)
		return m;
	if (*name == '\0' || strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "0123456789_-") != strlen(name)) {
		oms_fail(OMS_E_ADAPTER, "%s: field '%s': '%s' is no map name "
		    "(a-z, 0-9, _ and -)", path, field, name);
		return NULL;
	}
	oms_buf_printf(&rel, "maps/%s.json", name);
	rc = oms_search_read(rel.s, &text, &file);
	if (rc == OMS_EOF)
		oms_fail(OMS_E_ADAPTER, "%s: field '%s': no map '%s' (%s) on "
		    "the search path", path, field, name, rel.s);
	else if (rc == OMS_OK && !cJSON_IsObject(doc = cJSON_Parse(text)))
		oms_fail(OMS_E_ADAPTER, "map '%s': not a JSON object", file);
	else if (rc == OMS_OK) {
		cJSON_ArrayForEach(e, doc)
			if (!cJSON_IsString(e) && !cJSON_IsNull(e))
				break;
		if (e != NULL)
			oms_fail(OMS_E_ADAPTER, "map '%s': '%s' must map to a "
			    "string or null", file, e->string);
		else {
			cJSON_AddItemToObject(maps, name, doc);
			m = doc;
			doc = NULL;
		}
	}
	cJSON_Delete(doc);
	oms_buf_free(&rel);
	free(text);
	free(file);
	return m;
}

/*
 * A sum's "minus" sources come after its own in from[], taken off; "over":
 * "lines" reads them on each line of the order.
 */
static int
load_sum(const cJSON *v, struct spec *s, const char *path)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(v, "over");
	char **minus;
	int n, bad = 0;

	s->nplus = s->nfrom;
	if (x != NULL && !(s->sum && cJSON_IsString(x) &&
	    strcmp(x->valuestring, "lines") == 0))
		return oms_fail(OMS_E_ADAPTER, "%s: field '%s': over must be "
		    "\"lines\", in a sum", path, v->string);
	s->over_lines = x != NULL;
	x = cJSON_GetObjectItemCaseSensitive(v, "minus");
	minus = strlist(x, &n, "minus", path, &bad);
	if (bad || (n > 0 && !s->sum)) {
		freelist(minus, n);
		return bad ? OMS_ERR : oms_fail(OMS_E_ADAPTER, "%s: field "
		    "'%s': minus is for a sum", path, v->string);
	}
	s->from = erealloc(s->from, (size_t)(s->nfrom + n + 1) *
	    sizeof *s->from);
	for (int i = 0; i < n; i++)
		s->from[s->nfrom++] = minus[i];
	free(minus);
	return OMS_OK;
}

static int
load_spec(const cJSON *v, struct spec *s, const char *path, cJSON *maps)
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
		return oms_fail(OMS_E_ADAPTER, "%s: field '%s' must be a "
		    "name, a list of names or an object", path, v->string);
	for (x = v->child; x != NULL; x = x->next) {
		static const char *const known[] = { "from", "join", "as",
		    "strip", "html", "upper", "map", "default", "value", "split",
		    "sum", "negate", "where", "zone_from", "zone", "minus",
		    "over", NULL };
		int k;

		for (k = 0; known[k]; k++)
			if (strcmp(known[k], x->string) == 0)
				break;
		if (known[k] == NULL)
			return oms_fail(OMS_E_ADAPTER, "%s: field '%s': "
			    "unknown key '%s'", path, v->string, x->string);
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
			return oms_fail(OMS_E_ADAPTER, "%s: field '%s': "
			    "unknown type '%s'", path, v->string,
			    cJSON_IsString(x) ? x->valuestring : "?");
		s->as = types[i].as;
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "strip")) && cJSON_IsString(x))
		s->strip = estrdup(x->valuestring);
	s->html = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "html"));
	s->upper = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "upper"));
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "map")) != NULL) {
		if (cJSON_IsString(x))
			x = shared_map(maps, x->valuestring, path, v->string);
		else if (!cJSON_IsObject(x))
			return oms_fail(OMS_E_ADAPTER, "%s: field '%s': map "
			    "must be an object or the name of one", path,
			    v->string);
		if (x == NULL)
			return OMS_ERR;
		s->map = x;
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "default")) && cJSON_IsString(x))
		s->dflt = estrdup(x->valuestring);
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "value")) != NULL) {
		if (!cJSON_IsString(x))
			return oms_fail(OMS_E_ADAPTER, "%s: field '%s': value "
			    "must be a string", path, v->string);
		s->value = estrdup(x->valuestring);
	}
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "split")) != NULL) {
		if (!cJSON_IsString(x) || x->valuestring[0] == '\0')
			return oms_fail(OMS_E_ADAPTER, "%s: field '%s': split "
			    "must be a separator", path, v->string);
		s->split = estrdup(x->valuestring);
	}
	s->sum = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "sum"));
	if (load_sum(v, s, path) != OMS_OK)
		return OMS_ERR;
	s->negate = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "negate"));
	if (load_filter(cJSON_GetObjectItemCaseSensitive(v, "where"), &s->where,
	    path, "where") != OMS_OK)
		return OMS_ERR;
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "zone_from")) &&
	    cJSON_IsString(x))
		s->zone_from = estrdup(x->valuestring);
	if ((x = cJSON_GetObjectItemCaseSensitive(v, "zone")) != NULL) {
		if (!cJSON_IsString(x) || !oms_tz_valid(x->valuestring))
			return oms_fail(OMS_E_ADAPTER, "%s: field '%s': "
			    "unknown time zone", path, v->string);
		s->zone = estrdup(x->valuestring);
	}
done:
	if (bad)
		return OMS_ERR;
	if (!s->sum)
		s->nplus = s->nfrom;
	if (s->nfrom == 0 && s->value == NULL && s->dflt == NULL)
		return oms_fail(OMS_E_ADAPTER, "%s: field '%s' says neither "
		    "where it comes from nor a value", path, v->string);
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
				return oms_fail(OMS_E_ADAPTER, "%s: \"%s\" "
				    "cannot be a target: the importer sets it",
				    path, own[k]);
		for (int j = 0; j < i; j++) {
			size_t a = strlen(s[j].target), b = strlen(s[i].target);
			const char *lo = a < b ? s[j].target : s[i].target;
			const char *hi = a < b ? s[i].target : s[j].target;
			size_t m = a < b ? a : b;

			if (strcmp(s[i].target, s[j].target) == 0)
				return oms_fail(OMS_E_ADAPTER, "%s: %s field "
				    "'%s' is given twice", path, what,
				    s[i].target);
			if (strncmp(lo, hi, m) == 0 && hi[m] == '.')
				return oms_fail(OMS_E_ADAPTER, "%s: %s field "
				    "'%s' is inside '%s'", path, what, hi, lo);
		}
	}
	return OMS_OK;
}

static int
load_specs(const cJSON *obj, struct spec **out, int *n, const char *path,
    const char *what, cJSON *maps)
{
	const cJSON *v;
	int i = 0;

	*out = NULL;
	*n = 0;
	if (obj == NULL)
		return OMS_OK;
	if (!cJSON_IsObject(obj))
		return oms_fail(OMS_E_ADAPTER, "%s: \"%s\" must be an object",
		    path, what);
	*out = ecalloc((size_t)cJSON_GetArraySize(obj) + 1, sizeof **out);
	cJSON_ArrayForEach(v, obj) {
		if (load_spec(v, &(*out)[i], path, maps) != OMS_OK) {
			*n = i + 1;
			return OMS_ERR;
		}
		i++;
	}
	*n = i;
	return check_targets(*out, i, path, what);
}

static int
check_filter_paths(const struct filter *f)
{
	for (int i = 0; i < f->nfrom; i++)
		if (oms_json_path_check(f->from[i]) != OMS_OK)
			return OMS_ERR;
	return OMS_OK;
}

/* A path that names one value, where a list cannot be walked. */
static int
check_plain(const char *path)
{
	if (path != NULL && strstr(path, "[]") != NULL)
		return oms_fail(OMS_E_ADAPTER, "path '%s': only a field or a "
		    "filter walks a list", path);
	return OMS_OK;
}

/* The paths of a JSON adapter walk lists only where a field reads. */
static int
check_paths(oms_adapter *a)
{
	struct spec *sets[2] = { a->ospec, a->lspec };
	int ns[2] = { a->nospec, a->nlspec };
	char msg[400];

	for (int k = 0; k < 2; k++)
		for (int i = 0; i < ns[k]; i++) {
			const struct spec *s = &sets[k][i];

			for (int j = 0; j < s->nfrom; j++)
				if (oms_json_path_check(s->from[j]) != OMS_OK)
					goto bad;
			if (check_filter_paths(&s->where) != OMS_OK)
				goto bad;
			if (check_plain(s->zone_from) != OMS_OK)
				goto bad;
		}
	for (int i = 0; i < a->nrecords; i++)
		if (check_plain(a->records[i]) != OMS_OK)
			goto bad;
	if (check_plain(a->lines) != OMS_OK ||
	    check_plain(a->items_records) != OMS_OK ||
	    check_plain(a->items_key) != OMS_OK ||
	    check_plain(a->items_join) != OMS_OK)
		goto bad;
	if (check_filter_paths(&a->line_when) == OMS_OK &&
	    check_filter_paths(&a->stop_unless) == OMS_OK &&
	    check_filter_paths(&a->stop_when) == OMS_OK &&
	    check_filter_paths(&a->skip_when) == OMS_OK &&
	    check_filter_paths(&a->merge_when) == OMS_OK)
		return OMS_OK;
bad:
	snprintf(msg, sizeof msg, "%s", oms_error());
	return oms_fail(OMS_E_ADAPTER, "adapter '%s': %s", a->path, msg);
}

static const char *
getstr(const cJSON *doc, const char *key)
{
	return oms_json_str(doc, key);
}

/*
 * One adapter; with want, only one named or for the channel want, and
 * none (*out NULL) when it is another: the rest of it is not compiled.
 */
static int
load(const char *path, const char *want, oms_adapter **out)
{
	oms_adapter *a;
	struct oms_buf b = { 0 };
	const cJSON *v;
	const char *fmt, *slash, *s;
	int bad = 0;

	*out = NULL;
	if (oms_read_file(path, "adapter", &b) != OMS_OK) {
		oms_buf_free(&b);
		return oms_fail(OMS_E_ADAPTER, "%s", oms_error());
	}
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
		oms_fail(OMS_E_ADAPTER, "adapter '%s': not a JSON object",
		    path);
		goto fail;
	}
	if ((s = getstr(a->doc, "channel")) == NULL || *s == '\0') {
		oms_fail(OMS_E_ADAPTER, "adapter '%s': no \"channel\"", path);
		goto fail;
	}
	a->channel = s;
	if (want != NULL && strcmp(a->name, want) != 0 &&
	    strcmp(a->channel, want) != 0) {
		oms_adapter_free(a);
		return OMS_OK;
	}
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
		oms_fail(OMS_E_ADAPTER, "adapter '%s': unknown format '%s'",
		    path, fmt);
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
			oms_fail(OMS_E_ADAPTER, "adapter '%s': \"items\" "
			    "needs records, key and join", path);
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
		oms_fail(OMS_E_ADAPTER, "adapter '%s': unknown time zone '%s'",
		    path, a->tz);
		goto fail;
	}
	a->merge = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a->doc,
	    "merge"));
	a->maps = cJSON_CreateObject();
	if (load_specs(cJSON_GetObjectItemCaseSensitive(a->doc, "order"),
	    &a->ospec, &a->nospec, path, "order", a->maps) != OMS_OK ||
	    load_specs(cJSON_GetObjectItemCaseSensitive(a->doc, "line"),
	    &a->lspec, &a->nlspec, path, "line", a->maps) != OMS_OK)
		goto fail;
	if (a->format == F_JSON && check_paths(a) != OMS_OK)
		goto fail;
	for (int i = 0; i < a->nospec + a->nlspec; i++)
		if ((i < a->nospec ? a->ospec[i] : a->lspec[i - a->nospec])
		    .over_lines && (a->format != F_JSON || i >= a->nospec)) {
			oms_fail(OMS_E_ADAPTER, "adapter '%s': \"over\": "
			    "\"lines\" is for the order fields of a JSON "
			    "adapter", path);
			goto fail;
		}
	if (a->format == F_CSV && a->key == NULL) {
		oms_fail(OMS_E_ADAPTER, "adapter '%s': a CSV adapter needs "
		    "\"key\"", path);
		goto fail;
	}
	if (a->format != F_OMS && a->nospec == 0) {
		oms_fail(OMS_E_ADAPTER, "adapter '%s': no \"order\" fields",
		    path);
		goto fail;
	}
	/* Compiled when first used: most runs use one adapter of many. */
	if ((v = cJSON_GetObjectItemCaseSensitive(a->doc, "refine")) != NULL) {
		if (!cJSON_IsString(v)) {
			oms_fail(OMS_E_ADAPTER, "adapter '%s': refine must be "
			    "a jq program", path);
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
	cJSON_Delete(a->maps);
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
	size_t cap = 3;
	char **d;
	int n = 0;

	/* Room for every directory named: none is left out. */
	for (const char *p = env; p != NULL && *p != '\0'; p++)
		cap += *p == ':';
	d = ecalloc(cap + 1, sizeof *d);
	if (env != NULL && *env != '\0') {
		char *copy = estrdup(env), *save = NULL, *p;

		for (p = strtok_r(copy, ":", &save); p != NULL;
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
	d[n++] = estrdup(oms_sharedir());
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
#define DATA_MAX (64 << 20)	/* bytes of a data file at most */

/*
 * A data file of the search path, opened to read: a regular file of
 * DATA_MAX bytes at most, so that a FIFO or a device planted there
 * neither hangs the run nor fills the memory.  NULL with *rc untouched
 * when there is none, else with *rc set to the error.
 */
static FILE *
open_data(const char *path, int *rc)
{
	struct stat sb;
	FILE *fp;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		if (errno != ENOENT && errno != ENOTDIR)
			*rc = oms_seterr("cannot open '%s': %s", path,
			    strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > DATA_MAX) {
		*rc = oms_seterr("'%s' is not a regular file of %d MiB at "
		    "most", path, DATA_MAX >> 20);
		close(fd);
		return NULL;
	}
	fcntl(fd, F_SETFL, 0);
	if ((fp = fdopen(fd, "r")) == NULL) {
		*rc = oms_seterr("cannot open '%s': %s", path,
		    strerror(errno));
		close(fd);
	}
	return fp;
}

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
		FILE *fp;

		oms_buf_printf(&p, "%s/%s", dirs[i], rel);
		if ((fp = open_data(p.s, &rc)) == NULL) {
			oms_buf_free(&p);
			continue;
		}
		if (oms_slurp(fp, &t) != OMS_OK) {
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
oms_adapter_load(const char *path, oms_adapter **out)
{
	return load(path, NULL, out);
}

/*
 * The adapters on the search path, the first of each name; with want,
 * only those named or for the channel want (a run for one channel does
 * not compile every other's).
 */
int
oms_adapters_load(const char *want, oms_adapter ***out, int *nout)
{
	char **dirs, **seen = NULL;
	int nd = oms_search_path(&dirs), n = 0, cap = 16, nseen = 0;
	int rc = OMS_OK;
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
			/* The first of a name hides the rest, left out or not. */
			for (k = 0; k < nseen; k++)
				if (strncmp(seen[k], nm, len - 5) == 0 &&
				    seen[k][len - 5] == '\0')
					break;
			if (k < nseen) {
				free(ents[j]);
				continue;
			}
			seen = erealloc(seen, (size_t)(nseen + 1) *
			    sizeof *seen);
			seen[nseen++] = estrndup(nm, len - 5);
			oms_buf_printf(&p, "%s/%s", dir.s, nm);
			if ((rc = load(p.s, want, &a)) == OMS_OK && a != NULL) {
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
	for (int i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
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
		return oms_fail(OMS_E_ADAPTER, "adapter '%s': refine: %s",
		    a->path, msg);
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

/* The member of node named by the n bytes at key, or its element. */
static const cJSON *
step(const cJSON *node, const char *key, size_t n)
{
	const cJSON *c;

	if (cJSON_IsArray(node) && n > 0 && isdigit((unsigned char)key[0]))
		return cJSON_GetArrayItem(node, atoi(key));
	if (!cJSON_IsObject(node))
		return NULL;
	/* No copy of the key: a name of any length is looked up whole. */
	for (c = node->child; c != NULL; c = c->next)
		if (c->string != NULL && strncmp(c->string, key, n) == 0 &&
		    c->string[n] == '\0')
			return c;
	return NULL;
}

/* Follow a dotted path ("billing.address_1", "tax_lines.0.price"). */
const cJSON *
oms_json_path(const cJSON *node, const char *path)
{
	const char *p = path;

	while (node != NULL && *p != '\0') {
		size_t n = strcspn(p, ".");

		node = step(node, p, n);
		p += n;
		if (*p == '.')
			p++;
	}
	return node;
}

/*
 * A path is keys and indices between dots; "[]" after a key walks every
 * element of the list there.  Anything else with a '[' is a mistake.
 */
int
oms_json_path_check(const char *path)
{
	for (const char *p = path; (p = strchr(p, '[')) != NULL; p += 2) {
		if (p == path || p[-1] == '.' || p[1] != ']' ||
		    (p[2] != '\0' && p[2] != '.' && p[2] != '['))
			return oms_seterr("path '%s': '[' must close at once, "
			    "after a name, as in refunds[].total", path);
	}
	return OMS_OK;
}

struct walk {
	const char *path;	/* the whole path, for messages */
	oms_json_visit fn;
	void *arg;
};

static int
walk(const cJSON *node, const char *p, struct walk *w,
    const struct oms_json_at *at)
{
	while (node != NULL && *p != '\0') {
		size_t n = strcspn(p, ".[");
		struct oms_json_at in = { w->path, 0, 0 };
		const cJSON *e;
		int rc;

		/* In a list, an element with nothing inside is no guess. */
		if (at->idx > 0 && !cJSON_IsObject(node) &&
		    !cJSON_IsArray(node) && !cJSON_IsNull(node))
			return oms_seterr("%s: element %d of %.*s is not an "
			    "object", w->path, at->idx, at->nlist, at->list);
		if (n > 0)
			node = step(node, p, n);
		p += n;
		if (*p == '.') {
			p++;
			continue;
		}
		if (*p != '[')
			continue;
		in.nlist = (int)(p - w->path);
		p += 2;
		if (*p == '.')
			p++;
		/* No list, or null, is a list of none. */
		if (node == NULL || cJSON_IsNull(node))
			return OMS_OK;
		if (!cJSON_IsArray(node))
			return oms_seterr("%s: %.*s is not a list", w->path,
			    in.nlist, w->path);
		cJSON_ArrayForEach(e, node) {
			in.idx++;
			if ((rc = walk(e, p, w, &in)) != OMS_OK)
				return rc;
		}
		return OMS_OK;
	}
	return w->fn(node, at, w->arg);
}

/*
 * Call fn on what a path reaches: once for a plain path (node NULL when
 * nothing is there), once for each element of each list a "[]" walks,
 * telling fn which element of which list.  A "[]" that meets something
 * other than a list is an error, not nothing.
 */
int
oms_json_walk(const cJSON *node, const char *path, oms_json_visit fn,
    void *arg)
{
	struct walk w = { path, fn, arg };
	struct oms_json_at at = { path, 0, 0 };

	return walk(node, path, &w, &at);
}

/* Text of a scalar JSON value; NULL for null, absent, objects, arrays. */
const char *
oms_json_text(const cJSON *v, char *buf, size_t n)
{
	if (cJSON_IsString(v))
		return v->valuestring;
	if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		/* Every whole number a double holds exactly, as digits. */
		if (d <= 9007199254740992.0 && d >= -9007199254740992.0 &&
		    d == (double)(long long)d)
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

/* ---- running an adapter: values, sums, orders, recognising ----------- */

/*
 * A value that stands for none: dashes alone ("--" is how eBay masks the
 * personal data of old orders, "-" a shop's empty postal code) or "n/a".
 */
static int
is_placeholder(const char *v)
{
	const char *p = v;

	while (*p == ' ')
		p++;
	if (*p == '-') {
		while (*p == '-' || *p == ' ')
			p++;
		return *p == '\0';
	}
	return strcasecmp(p, "n/a") == 0;
}

static void
placeholder(struct oms_map *mc, const struct spec *s, const char *v)
{
	const char *t = s->target;
	size_t n = strlen(t);

	/* Each field once: "ship_to.name, ship_to.address1". */
	for (const char *p = mc->ph.s; p != NULL && (p = strstr(p, t)) != NULL;
	    p += n)
		if ((p == mc->ph.s || p[-1] == ' ') && (p[n] == ',' ||
		    p[n] == '\0'))
			return;
	if (mc->ph.len == 0)
		snprintf(mc->ph_value, sizeof mc->ph_value, "%s", v);
	oms_buf_printf(&mc->ph, "%s%s", mc->ph.len ? ", " : "", t);
}

/* Append s without its surrounding white space; its length appended. */
static size_t
add_trimmed(struct oms_buf *b, const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	oms_buf_add(b, s, n);
	return n;
}

/* s without its surrounding white space, in b. */
const char *
oms_trimmed(const char *s, struct oms_buf *b)
{
	oms_buf_reset(b);
	add_trimmed(b, s);
	return b->s ? b->s : "";
}

static int
filter_value(const struct filter *f, const char *v)
{
	if (f->not_empty && *v == '\0')
		return 0;
	if (f->empty && *v != '\0')
		return 0;
	if (f->digits) {
		if (*v == '\0')
			return 0;
		for (const char *p = v; *p; p++)
			if (!isdigit((unsigned char)*p))
				return 0;
	}
	if (f->contains != NULL && strstr(v, f->contains) == NULL)
		return 0;
	if (f->nis > 0) {
		int i;

		for (i = 0; i < f->nis; i++)
			if (strcmp(f->is[i], v) == 0)
				break;
		if (i == f->nis)
			return 0;
	}
	return 1;
}

/* A CSV row passes a filter when one of its columns does. */
int
oms_filter_row(const struct filter *f, const struct grow *g,
    struct oms_buf *tmp)
{
	if (!f->on)
		return 1;
	for (int i = 0; i < f->nfrom; i++) {
		const char *v = f->col[i] >= 0 && f->col[i] < g->nf ?
		    oms_trimmed(g->f[f->col[i]], tmp) : "";

		if (filter_value(f, v))
			return 1;
	}
	return 0;
}

static int
filter_visit(const cJSON *v, const struct oms_json_at *at, void *arg)
{
	const struct filter *f = arg;
	char nb[64];
	const char *t = oms_json_text(v, nb, sizeof nb);

	(void)at;
	/* Passed: the walk stops early, as for an error. */
	return filter_value(f, t ? t : "") ? OMS_EOF : OMS_OK;
}

/* A JSON node passes a filter when one of the values it names does. */
static int
filter_json(const struct filter *f, const cJSON *node)
{
	if (!f->on)
		return 1;
	for (int i = 0; i < f->nfrom; i++)
		if (oms_json_walk(node, f->from[i], filter_visit,
		    (void *)f) == OMS_EOF)
			return 1;
	return 0;
}

/*
 * Add source text v to the raw text of s in b: every non-empty source
 * joined, or the first alone.  1 when s wants no more.
 */
static int
raw_add(const struct spec *s, struct oms_buf *b, const char *v)
{
	size_t mark = b->len;

	if (v == NULL)
		return 0;
	if (s->join != NULL && b->len > 0)
		oms_buf_adds(b, s->join);
	if (add_trimmed(b, v) == 0) {
		/* Empty: take back the separator too. */
		b->len = mark;
		if (b->s != NULL)
			b->s[mark] = '\0';
		return 0;
	}
	return s->join == NULL;
}

/*
 * The raw text of a spec in a CSV row: its first non-empty source, or
 * all of them joined; NULL when empty.
 */
static const char *
raw_csv(const struct spec *s, const struct grow *g, struct oms_buf *b)
{
	if (s->value != NULL)
		return s->value;
	oms_buf_reset(b);
	for (int i = 0; i < s->nfrom; i++) {
		const char *v = s->col[i] >= 0 && s->col[i] < g->nf ?
		    g->f[s->col[i]] : NULL;

		if (raw_add(s, b, v))
			break;
	}
	return b->len > 0 ? b->s : NULL;
}

struct rawj {
	const struct spec *s;
	struct oms_buf *b;
	const char *from;
};

/*
 * Does a target hold an id (an order's, a line's, a product's, a
 * parcel's), which must keep every digit it came with?
 */
static int
id_target(const char *t)
{
	const char *dot = strrchr(t, '.'), *e;
	size_t n;

	t = dot ? dot + 1 : t;
	n = strlen(t);
	e = t + n;
	return strcmp(t, "id") == 0 || strcmp(t, "sku") == 0 ||
	    strcmp(t, "channel_sku") == 0 ||
	    (n > 3 && strcmp(e - 3, "_id") == 0) ||
	    (n > 7 && strcmp(e - 7, "_number") == 0);
}

static int
raw_visit(const cJSON *v, const struct oms_json_at *at, void *arg)
{
	struct rawj *w = arg;
	char nb[64];
	const char *t;

	(void)at;
	if (w->s->as == AS_STRING && id_target(w->s->target) &&
	    cJSON_IsNumber(v)) {
		/* A number past 2^53 or with a fraction: no digits to keep. */
		if (oms_json_id(v, nb, sizeof nb, &t) != OMS_OK) {
			char m[300];

			snprintf(m, sizeof m, "%s", oms_error());
			return oms_seterr("%s: %s", w->from, m);
		}
	} else
		t = oms_json_text(v, nb, sizeof nb);
	/* Enough: the walk stops early, as for an error. */
	return raw_add(w->s, w->b, t) ? OMS_EOF : OMS_OK;
}

/*
 * The same in a JSON node, where a source that walks a list gives a
 * value for each element.  A walk that fails is an error (OMS_ERR).
 */
int
oms_adapter_raw(const struct spec *s, const cJSON *node, struct oms_buf *b,
    const char **out)
{
	struct rawj w = { s, b, NULL };
	int rc = OMS_OK;

	*out = s->value;
	if (s->value != NULL)
		return OMS_OK;
	oms_buf_reset(b);
	for (int i = 0; i < s->nfrom && rc == OMS_OK; i++) {
		w.from = s->from[i];
		rc = oms_json_walk(node, s->from[i], raw_visit, &w);
	}
	if (rc == OMS_ERR)
		return OMS_ERR;
	*out = b->len > 0 ? b->s : NULL;
	return OMS_OK;
}

static const char *
src_name(const struct spec *s)
{
	return s->nfrom > 0 ? s->from[0] : s->target;
}

/* Put item at a dotted path inside obj, making the objects on the way. */
static void
set_path(cJSON *obj, const char *path, cJSON *item)
{
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		size_t n = (size_t)(dot - path);
		char buf[128], *key = buf;
		cJSON *next;

		/* A name of any length, not cut to the buffer's. */
		if (n >= sizeof buf)
			key = emalloc(n + 1);
		memcpy(key, path, n);
		key[n] = '\0';
		next = cJSON_GetObjectItemCaseSensitive(obj, key);
		if (!cJSON_IsObject(next)) {
			cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
			next = cJSON_AddObjectToObject(obj, key);
		}
		if (key != buf)
			free(key);
		obj = next;
		path = dot + 1;
	}
	/* Targets are unique (adapter.c checks): no search for an old one. */
	cJSON_AddItemToObject(obj, path, item);
}

/* The zone a date of spec s is read in, or NULL when nothing says. */
static const char *
zone_for(struct oms_map *mc, const struct spec *s, const char *zone)
{
	const char *z;

	if (s->zone != NULL)
		return s->zone;
	if (zone != NULL && *zone != '\0') {
		if ((z = oms_tz_from_name(zone)) != NULL)
			return z;
		if (oms_tz_valid(zone))
			return zone;
	}
	if (mc->tz != NULL)
		return mc->tz;
	if (mc->ad != NULL && mc->ad->tz != NULL)
		return mc->ad->tz;
	return NULL;
}

/*
 * Turn raw source text into the canonical value of spec s.  *item is NULL
 * when the value is empty; a value that cannot be read is an error.
 */
static int
convert(struct oms_map *mc, const struct spec *s, const char *raw,
    const char *zone, cJSON **item)
{
	const char *v = raw;
	char out[OMS_TIME_LEN], mb[OMS_MONEY_BUFSZ], cur[8];
	int64_t x;

	*item = NULL;
	if (v != NULL && *v != '\0' && is_placeholder(v)) {
		placeholder(mc, s, v);
		v = NULL;
	}
	if (v == NULL || *v == '\0')
		v = s->dflt;
	if (v == NULL)
		return OMS_OK;
	if (s->strip != NULL)
		while (*v != '\0' && strchr(s->strip, *v) != NULL)
			v++;
	if (s->html) {
		oms_buf_reset(&mc->tmp2);
		oms_html_decode(&mc->tmp2, v);
		v = mc->tmp2.s ? mc->tmp2.s : "";
	}
	if (s->upper) {
		if (v != mc->tmp2.s) {
			oms_buf_reset(&mc->tmp2);
			oms_buf_adds(&mc->tmp2, v);
			v = mc->tmp2.s;
		}
		for (char *p = mc->tmp2.s; p && *p; p++)
			*p = (char)toupper((unsigned char)*p);
	}
	if (s->map != NULL) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(s->map, v);

		if (m == NULL)
			m = cJSON_GetObjectItem(s->map, v);
		if (m == NULL)
			m = cJSON_GetObjectItemCaseSensitive(s->map, "*");
		if (cJSON_IsNull(m))
			return OMS_OK;
		if (cJSON_IsString(m))
			v = m->valuestring;
	}
	if (*v == '\0')
		return OMS_OK;
	switch (s->as) {
	case AS_MONEY:
		if (oms_money_parse_loose(v, mc->exp, mc->ad ?
		    mc->ad->money_flags : 0, &x, cur) != OMS_OK)
			return oms_seterr("%s: '%s' is not an amount",
			    src_name(s), v);
		if (s->negate)
			x = -x;
		*item = cJSON_CreateString(oms_money_format(x, mc->exp, mb,
		    sizeof mb));
		return OMS_OK;
	case AS_DATE: {
		const char *z = zone_for(mc, s, zone);

		/* A date with no hour is the seller's day, not UTC's. */
		if (oms_time_parse_day(v, mc->ad ? mc->ad->time_flags : 0,
		    z ? z : "UTC", z ? z : mc->day_tz ? mc->day_tz : "UTC",
		    out) != OMS_OK)
			return oms_seterr("%s: '%s' is not a date", src_name(s),
			    v);
		*item = cJSON_CreateString(out);
		return OMS_OK;
	}
	case AS_INT:
	case AS_QTY: {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(v, &end, 10);
		/* Square writes quantities as "1.0". */
		if (s->as == AS_QTY && *end == '.') {
			const char *p = end + 1;

			while (*p == '0')
				p++;
			if (*p == '\0')
				end = (char *)p;
		}
		if (errno != 0 || end == v || *end != '\0')
			return oms_seterr("%s: '%s' is not a whole number",
			    src_name(s), v);
		/* Past 2^53 a double rounds it: no count is that large. */
		if (n > 9007199254740992LL || n < -9007199254740992LL)
			return oms_seterr("%s: %s is out of range",
			    src_name(s), v);
		*item = cJSON_CreateNumber((double)(s->negate ? -n : n));
		return OMS_OK;
	}
	case AS_BOOL:
		if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
		    strcasecmp(v, "y") == 0 || strcmp(v, "1") == 0)
			*item = cJSON_CreateTrue();
		else if (strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0 ||
		    strcasecmp(v, "n") == 0 || strcmp(v, "0") == 0)
			*item = cJSON_CreateFalse();
		else
			return oms_seterr("%s: '%s' is not yes or no",
			    src_name(s), v);
		return OMS_OK;
	case AS_LIST: {
		const char *sep = s->split ? s->split : ",";
		cJSON *a = cJSON_CreateArray();
		const char *p = v;

		while (*p != '\0') {
			const char *e = strstr(p, sep);
			size_t n = e ? (size_t)(e - p) : strlen(p);
			struct oms_buf t = { 0 }, u = { 0 };

			oms_buf_add(&t, p, n);
			oms_trimmed(t.s, &u);
			if (u.len > 0)
				cJSON_AddItemToArray(a, cJSON_CreateString(u.s));
			oms_buf_free(&t);
			oms_buf_free(&u);
			p += n;
			if (e != NULL)
				p += strlen(sep);
		}
		*item = a;
		return OMS_OK;
	}
	case AS_CURRENCY:
		if (oms_currency_valid(v)) {
			*item = cJSON_CreateString(v);
			return OMS_OK;
		}
		if (oms_money_parse_loose(v, 2, 0, &x, cur) == OMS_OK &&
		    cur[0] != '\0')
			*item = cJSON_CreateString(cur);
		else if (s->dflt != NULL && oms_currency_valid(s->dflt))
			*item = cJSON_CreateString(s->dflt);
		return OMS_OK;
	default:
		*item = cJSON_CreateString(v);
		return OMS_OK;
	}
}

static void
set_currency(struct oms_map *mc, const char *code)
{
	if (code == NULL || !oms_currency_valid(code))
		code = mc->currency;
	if (code == NULL && mc->ad != NULL)
		code = mc->ad->currency;
	if (code != NULL && oms_currency_valid(code)) {
		snprintf(mc->curbuf, sizeof mc->curbuf, "%s", code);
		mc->cur = mc->curbuf;
	} else
		mc->cur = NULL;
	mc->exp = oms_currency_exponent(mc->cur);
}

static cJSON *
new_order(struct oms_map *mc)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", "order");
	cJSON_AddStringToObject(o, "channel", mc->ad->channel);
	return o;
}

/*
 * Add the text of the k-th source of sum s to *total, in minor units; a
 * "minus" source is taken off whatever its sign (channels write a
 * discount either way).  where says which element, for messages.
 */
static int
sum_add(struct oms_map *mc, const struct spec *s, int k, const char *where,
    const char *v, int64_t *total, int *any)
{
	int64_t x;

	if (oms_money_parse_loose(v, mc->exp, mc->ad->money_flags, &x, NULL) !=
	    OMS_OK)
		return oms_seterr("%s: %s'%s' is not an amount", s->from[k],
		    where, v);
	/* Nothing taken off is no amount of the field's own. */
	if (k < s->nplus || x != 0)
		*any = 1;
	if (k >= s->nplus && x > 0)
		x = -x;
	if (__builtin_add_overflow(*total, x, total))
		return oms_seterr("%s: the sum is out of range", s->from[k]);
	return OMS_OK;
}

/* The value of a sum: none when no source had an amount. */
static int
sum_item(struct oms_map *mc, const struct spec *s, int64_t total, int any,
    cJSON **item)
{
	char mb[OMS_MONEY_BUFSZ];

	if (s->negate && total == INT64_MIN)
		return oms_seterr("%s: the sum is out of range", src_name(s));
	if (any)
		*item = cJSON_CreateString(oms_money_format(s->negate ?
		    -total : total, mc->exp, mb, sizeof mb));
	return OMS_OK;
}

/* Every column named added, on every row counted. */
static int
sum_csv(struct oms_map *mc, const struct spec *s, const struct group *g,
    cJSON **item)
{
	int64_t total = 0;
	int any = 0;

	for (int i = 0; i < g->n; i++) {
		const struct grow *w = &g->rows[i];

		if (!oms_filter_row(&s->where, w, &mc->tmp3))
			continue;
		for (int k = 0; k < s->nfrom; k++) {
			const char *v;

			if (s->col[k] < 0 || s->col[k] >= w->nf)
				continue;
			v = oms_trimmed(w->f[s->col[k]], &mc->tmp);
			if (*v == '\0')
				continue;
			if (sum_add(mc, s, k, "", v, &total, &any) != OMS_OK)
				return OMS_ERR;
		}
	}
	return sum_item(mc, s, total, any, item);
}

/* Evaluate an order-level spec over the rows of a group. */
static int
order_value_csv(struct oms_map *mc, const struct spec *s, const struct group *g,
    cJSON **item)
{
	struct oms_buf zb = { 0 };
	int rc = OMS_OK;

	*item = NULL;
	if (s->sum)
		return sum_csv(mc, s, g, item);
	for (int i = 0; i < g->n; i++) {
		const struct grow *w = &g->rows[i];
		const char *v, *zone = NULL;

		if (!oms_filter_row(&s->where, w, &mc->tmp3))
			continue;
		if ((v = raw_csv(s, w, &mc->tmp)) == NULL)
			continue;
		if (s->zone_col >= 0 && s->zone_col < w->nf)
			zone = oms_trimmed(w->f[s->zone_col], &zb);
		rc = convert(mc, s, v, zone, item);
		oms_buf_free(&zb);
		return rc;
	}
	oms_buf_free(&zb);
	return convert(mc, s, NULL, NULL, item);
}

/* An order-level value from a group of CSV rows or a JSON order. */
typedef int (*value_fn)(struct oms_map *mc, const struct spec *s,
    const void *src, cJSON **item);

static int order_value_json(struct oms_map *mc, const struct spec *s,
    const cJSON *node, cJSON **item);

static int
csv_value(struct oms_map *mc, const struct spec *s, const void *src,
    cJSON **item)
{
	return order_value_csv(mc, s, src, item);
}

static int
json_value(struct oms_map *mc, const struct spec *s, const void *src,
    cJSON **item)
{
	return order_value_json(mc, s, src, item);
}

/*
 * The order-level fields: the currency first, since every amount needs
 * its exponent, then the rest in the adapter's order.
 */
static int
order_fields(struct oms_map *mc, cJSON *o, value_fn value, const void *src)
{
	oms_adapter *a = mc->ad;
	cJSON *item;
	int i;

	set_currency(mc, NULL);
	for (i = 0; i < a->nospec; i++)
		if (strcmp(a->ospec[i].target, "currency") == 0) {
			if (value(mc, &a->ospec[i], src, &item) != OMS_OK)
				return OMS_ERR;
			set_currency(mc, cJSON_IsString(item) ?
			    item->valuestring : NULL);
			cJSON_Delete(item);
		}
	if (mc->cur != NULL)
		cJSON_AddStringToObject(o, "currency", mc->cur);
	for (i = 0; i < a->nospec; i++) {
		if (strcmp(a->ospec[i].target, "currency") == 0)
			continue;
		if (value(mc, &a->ospec[i], src, &item) != OMS_OK)
			return OMS_ERR;
		if (item != NULL)
			set_path(o, a->ospec[i].target, item);
	}
	return OMS_OK;
}

int
oms_adapter_map_csv(struct oms_map *mc, const struct group *g, cJSON **out)
{
	oms_adapter *a = mc->ad;
	cJSON *o = new_order(mc), *lines, *item;
	int i, k;

	*out = NULL;
	oms_buf_reset(&mc->ph);
	if (order_fields(mc, o, csv_value, g) != OMS_OK)
		goto fail;
	if (a->nlspec == 0) {
		*out = o;
		return OMS_OK;
	}
	lines = cJSON_AddArrayToObject(o, "lines");
	for (k = 0; k < g->n; k++) {
		const struct grow *w = &g->rows[k];
		cJSON *l;

		if (!oms_filter_row(&a->line_when, w, &mc->tmp3))
			continue;
		l = cJSON_CreateObject();
		for (i = 0; i < a->nlspec; i++) {
			const struct spec *s = &a->lspec[i];
			const char *v = raw_csv(s, w, &mc->tmp);
			struct oms_buf zb = { 0 };
			const char *zone = s->zone_col >= 0 && s->zone_col < w->nf ?
			    oms_trimmed(w->f[s->zone_col], &zb) : NULL;
			int rc = convert(mc, s, v, zone, &item);

			oms_buf_free(&zb);
			if (rc != OMS_OK) {
				char m[400];

				snprintf(m, sizeof m, "%s", oms_error());
				oms_seterr("line item %d of order %s: %s",
				    cJSON_GetArraySize(lines) + 1, g->key, m);
				mc->errline = w->line;
				cJSON_Delete(l);
				goto fail;
			}
			if (item != NULL)
				set_path(l, s->target, item);
		}
		cJSON_AddItemToArray(lines, l);
	}
	*out = o;
	return OMS_OK;
fail:
	cJSON_Delete(o);
	return OMS_ERR;
}

struct sum {
	struct oms_map *mc;
	const struct spec *s;
	int k;			/* the source walked */
	int64_t total;
	int any;
};

/* Add one value a sum's path reaches. */
static int
sum_visit(const cJSON *v, const struct oms_json_at *at, void *arg)
{
	struct sum *m = arg;
	char nb[64], where[160] = "";
	const char *t;

	if (at->idx > 0)
		snprintf(where, sizeof where, "element %d of %.*s: ", at->idx,
		    at->nlist, at->list);
	if (v == NULL || cJSON_IsNull(v))
		return OMS_OK;
	if ((t = oms_json_text(v, nb, sizeof nb)) == NULL || cJSON_IsBool(v))
		return oms_seterr("%s: %s%s is not an amount", m->s->from[m->k],
		    where, cJSON_IsBool(v) ? "a truth value" :
		    cJSON_IsArray(v) ? "a list" : "an object");
	t = oms_trimmed(t, &m->mc->tmp);
	if (*t == '\0')
		return OMS_OK;
	return sum_add(m->mc, m->s, m->k, where, t, &m->total, &m->any);
}

static int
sum_node(struct sum *m, const cJSON *node)
{
	for (m->k = 0; m->k < m->s->nfrom; m->k++)
		if (oms_json_walk(node, m->s->from[m->k], sum_visit, m) !=
		    OMS_OK)
			return OMS_ERR;
	return OMS_OK;
}

/*
 * Every value of every source added, exactly, in the order or on each
 * of its lines: none is no value.
 */
static int
sum_json(struct oms_map *mc, const struct spec *s, const cJSON *node,
    cJSON **item)
{
	struct sum m = { mc, s, 0, 0, 0 };
	const cJSON *ln, *lines = s->over_lines ? mc->items : NULL;
	int n = 0;

	if (!s->over_lines && sum_node(&m, node) != OMS_OK)
		return OMS_ERR;
	cJSON_ArrayForEach(ln, lines) {
		n++;
		if (!filter_json(&mc->ad->line_when, ln))
			continue;
		if (sum_node(&m, ln) != OMS_OK) {
			char msg[400];

			snprintf(msg, sizeof msg, "%s", oms_error());
			return oms_seterr("line %d: %s", n, msg);
		}
	}
	return sum_item(mc, s, m.total, m.any, item);
}

static int
order_value_json(struct oms_map *mc, const struct spec *s, const cJSON *node,
    cJSON **item)
{
	const char *v, *zone = NULL;
	char nb[64];

	*item = NULL;
	if (s->sum)
		return sum_json(mc, s, node, item);
	if (oms_adapter_raw(s, node, &mc->tmp, &v) != OMS_OK)
		return OMS_ERR;
	if (s->zone_from != NULL)
		zone = oms_json_text(oms_json_path(node, s->zone_from), nb,
		    sizeof nb);
	return convert(mc, s, v, zone, item);
}

static int
map_json_line(struct oms_map *mc, const cJSON *ln, cJSON *lines)
{
	cJSON *l = cJSON_CreateObject(), *item;

	for (int i = 0; i < mc->ad->nlspec; i++) {
		if (order_value_json(mc, &mc->ad->lspec[i], ln, &item) !=
		    OMS_OK) {
			char m[400];

			snprintf(m, sizeof m, "%s", oms_error());
			oms_seterr("line %d: %s", cJSON_GetArraySize(lines) + 1,
			    m);
			cJSON_Delete(l);
			return OMS_ERR;
		}
		if (item != NULL)
			set_path(l, mc->ad->lspec[i].target, item);
	}
	cJSON_AddItemToArray(lines, l);
	return OMS_OK;
}

int
oms_adapter_map_json(struct oms_map *mc, const cJSON *node,
    const cJSON *items, cJSON **out)
{
	oms_adapter *a = mc->ad;
	cJSON *o = new_order(mc), *lines;
	const cJSON *ln;

	*out = NULL;
	oms_buf_reset(&mc->ph);
	if (items == NULL && a->lines != NULL)
		items = oms_json_path(node, a->lines);
	mc->items = items;
	if (order_fields(mc, o, json_value, node) != OMS_OK)
		goto fail;
	lines = cJSON_AddArrayToObject(o, "lines");
	cJSON_ArrayForEach(ln, items) {
		if (!filter_json(&a->line_when, ln))
			continue;
		if (map_json_line(mc, ln, lines) != OMS_OK)
			goto fail;
	}
	*out = o;
	return OMS_OK;
fail:
	cJSON_Delete(o);
	return OMS_ERR;
}

/* The orders of one document: an array, or an object, at a path. */
const cJSON *
oms_adapter_records(const oms_adapter *a, const cJSON *doc,
    const char **path)
{
	*path = "";
	for (int i = 0; i < a->nrecords; i++) {
		const cJSON *v = oms_json_path(doc, a->records[i]);

		if (v != NULL && (cJSON_IsArray(v) || cJSON_IsObject(v))) {
			*path = a->records[i];
			return v;
		}
	}
	if (a->nrecords == 0)
		return doc;
	return NULL;
}

static const cJSON *
records_of(const oms_adapter *a, const cJSON *doc)
{
	const char *path;

	return oms_adapter_records(a, doc, &path);
}

/* Split one header line on delim, minding quotes. */
static int
split_line(const char *s, size_t n, char delim, char ***out)
{
	char **f = NULL;
	int nf = 0, cap = 0;
	size_t i = 0;

	while (i <= n) {
		struct oms_buf b = { 0 };
		int q = 0;

		if (i < n && s[i] == '"') {
			q = 1;
			i++;
		}
		while (i < n) {
			if (q && s[i] == '"') {
				if (i + 1 < n && s[i + 1] == '"') {
					oms_buf_addc(&b, '"');
					i += 2;
					continue;
				}
				q = 0;
				i++;
				continue;
			}
			if (!q && (s[i] == delim || s[i] == '\n' || s[i] == '\r'))
				break;
			oms_buf_addc(&b, s[i++]);
		}
		if (nf == cap) {
			cap = cap ? cap * 2 : 32;
			f = erealloc(f, (size_t)cap * sizeof *f);
		}
		{
			struct oms_buf t = { 0 };

			oms_trimmed(b.s ? b.s : "", &t);
			f[nf++] = t.s ? t.s : estrdup("");
		}
		oms_buf_free(&b);
		if (i >= n || s[i] != delim)
			break;
		i++;
	}
	*out = f;
	return nf;
}

static int
score_csv(const oms_adapter *a, const char *head, size_t n)
{
	const char *p = head, *end = head + n;
	int best = 0;

	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (int row = 0; row < HEADER_ROWS && p < end; row++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char **f;
		int nf = split_line(p, len, a->delim, &f), sc;

		sc = oms_adapter_header_score(a, f, nf);
		for (int i = 0; i < nf; i++)
			free(f[i]);
		free(f);
		if (sc == a->ndetect && sc > best)
			best = sc;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return best;
}

static int
score_json(const oms_adapter *a, const char *head, size_t n)
{
	const char *stop = NULL, *p = head;
	cJSON *d;
	const cJSON *recs, *first;
	int sc = 0;

	while (p < head + n && isspace((unsigned char)*p))
		p++;
	d = cJSON_ParseWithLengthOpts(p, n - (size_t)(p - head), &stop, 0);
	if (d == NULL)
		return 0;
	if (a->format == F_OMS) {
		sc = oms_rec_type(d) && strcmp(oms_rec_type(d), "order") == 0 ?
		    1 : 0;
		cJSON_Delete(d);
		return sc;
	}
	if (a->items_records != NULL &&
	    cJSON_IsArray(oms_json_path(d, a->items_records))) {
		cJSON_Delete(d);
		return a->ndetect > 0 ? a->ndetect : 1;
	}
	recs = records_of(a, d);
	first = cJSON_IsArray(recs) ? recs->child : recs;
	if (first != NULL && cJSON_IsObject(first)) {
		for (int i = 0; i < a->ndetect; i++)
			if (oms_json_path(first, a->detect[i]) != NULL)
				sc++;
		if (sc != a->ndetect)
			sc = 0;
		else if (sc == 0)
			sc = 1;
	}
	cJSON_Delete(d);
	return sc;
}

/* How well an adapter fits the head of a file; 0 when it does not. */
int
oms_adapter_score(const oms_adapter *a, const char *head, size_t n)
{
	return a->format == F_CSV ? score_csv(a, head, n) :
	    score_json(a, head, n);
}
