/*
 * catalog.c: the catalog as CSV, and a Shopify inventory export as counts.
 *
 * A catalog file is a header and rows.  A first column "type" says what
 * each row is (location, product, listing, kit); a file with a "sku"
 * column and no "type" column is all products, as a PIM writes them.
 * Columns are found by header name.  Each row is made into the JSON
 * record oms-stock reads and handed to oms_stock_apply, which does all
 * the checking: a cell that is not the number or true/false a column
 * wants is passed as text, and the apply function refuses it by name.
 * An empty cell is a field not given.  A column no record type knows is
 * kept in the record as text, and exported again under its name.
 *
 * Export writes the stored records back in the same columns, so a file
 * exported, imported into another database and exported again is the
 * same file byte for byte.
 *
 * A Shopify inventory export is read by header name in both layouts (17
 * and 19 columns).  Each row with a SKU becomes a count at one location,
 * keyed by the file's digest and the SKU, so the same file read twice
 * changes nothing; a product missing from the catalog is added first, in
 * the same transaction.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "oms.h"
#include "stock.h"
#include "csvr.h"

enum conv { TEXT, NUM, BOOL };

struct col {
	const char *name;
	enum conv conv;
};

static const struct col location_cols[] = {
	{ "id", TEXT }, { "name", TEXT }, { "kind", TEXT },
	{ "address1", TEXT }, { "address2", TEXT }, { "city", TEXT },
	{ "region", TEXT }, { "postal_code", TEXT }, { "country", TEXT },
	{ "lat", NUM }, { "lon", NUM }, { "sellable", BOOL }, { "ships", BOOL },
	{ "pickup", BOOL }, { "priority", NUM }, { "capacity_per_day", NUM },
	{ "cutoff", TEXT }, { "tz", TEXT }, { NULL, TEXT },
};
static const struct col product_cols[] = {
	{ "sku", TEXT }, { "title", TEXT }, { "barcode", TEXT },
	{ "weight_g", NUM }, { "length_mm", NUM }, { "width_mm", NUM },
	{ "height_mm", NUM }, { "cost", TEXT }, { "currency", TEXT },
	{ NULL, TEXT },
};
static const struct col kit_cols[] = {
	{ "sku", TEXT }, { "components", TEXT }, { NULL, TEXT },
};
static const struct col listing_cols[] = {
	{ "channel", TEXT }, { "channel_sku", TEXT }, { "sku", TEXT },
	{ "price", TEXT }, { "currency", TEXT }, { "active", BOOL },
	{ "safety_stock", NUM }, { "percent", NUM }, { "max_qty", NUM },
	{ "end_when", NUM }, { NULL, TEXT },
};

/* In the order an import needs them: places and products before kits and
 * listings, which name products. */
static const struct ctype {
	const char *type;
	const struct col *cols;
	const char *table_sql;
	/* keys of the stored record that columns stand for */
	const char *const *nested;
} ctypes[] = {
	{ "location", location_cols,
	  "SELECT record FROM locations ORDER BY id",
	  (const char *const[]){ "type", "address", NULL } },
	{ "product", product_cols,
	  "SELECT record FROM products ORDER BY sku",
	  (const char *const[]){ "type", "dims_mm", "bins", "attributes",
	  NULL } },
	{ "kit", kit_cols,
	  "SELECT record FROM kits ORDER BY sku",
	  (const char *const[]){ "type", NULL } },
	{ "listing", listing_cols,
	  "SELECT record FROM listings ORDER BY channel, channel_sku",
	  (const char *const[]){ "type", NULL } },
};
#define NTYPES (int)(sizeof ctypes / sizeof ctypes[0])

static const char *const addr_keys[] = {
	"address1", "address2", "city", "region", "postal_code", "country",
	NULL,
};
static const char *const dim_keys[] = {
	"length_mm", "width_mm", "height_mm", NULL,
};

static const struct ctype *
ctype_of(const char *type)
{
	for (int i = 0; i < NTYPES; i++)
		if (strcmp(ctypes[i].type, type) == 0)
			return &ctypes[i];
	return NULL;
}

static const struct col *
col_of(const struct ctype *t, const char *name)
{
	for (const struct col *c = t->cols; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

static int
in_list(const char *const *l, const char *s)
{
	for (; *l != NULL; l++)
		if (strcmp(*l, s) == 0)
			return 1;
	return 0;
}

static void
trim(char *s)
{
	char *p = s, *e;

	while (*p == ' ' || *p == '\t')
		p++;
	memmove(s, p, strlen(p) + 1);
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
}

/* A number when the text is one, else the text for the check to refuse. */
static cJSON *
num_or_text(const char *s)
{
	char *end;
	double d;

	if (*s == '\0' || strspn(s, "0123456789+-.eE") != strlen(s))
		return cJSON_CreateString(s);
	errno = 0;
	d = strtod(s, &end);
	if (*end != '\0' || errno != 0 || !isfinite(d))
		return cJSON_CreateString(s);
	return cJSON_CreateNumber(d);
}

static cJSON *
bool_or_text(const char *s)
{
	if (strcasecmp(s, "true") == 0 || strcasecmp(s, "yes") == 0 ||
	    strcmp(s, "1") == 0)
		return cJSON_CreateTrue();
	if (strcasecmp(s, "false") == 0 || strcasecmp(s, "no") == 0 ||
	    strcmp(s, "0") == 0)
		return cJSON_CreateFalse();
	return cJSON_CreateString(s);
}

/* "SKU*QTY;SKU*QTY" as the components array of a kit record. */
static cJSON *
components(const char *s)
{
	cJSON *a = cJSON_CreateArray();
	char *copy = estrdup(s), *p = copy, *seg;

	while ((seg = strsep(&p, ";")) != NULL) {
		cJSON *c;
		char *star;

		trim(seg);
		if (*seg == '\0')
			continue;
		c = cJSON_CreateObject();
		if ((star = strrchr(seg, '*')) != NULL) {
			*star++ = '\0';
			trim(seg);
			trim(star);
			cJSON_AddItemToObject(c, "qty", num_or_text(star));
		}
		cJSON_AddStringToObject(c, "sku", seg);
		cJSON_AddItemToArray(a, c);
	}
	free(copy);
	return a;
}

static cJSON *
child(cJSON *o, const char *key, int array)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL) {
		v = array ? cJSON_CreateArray() : cJSON_CreateObject();
		cJSON_AddItemToObject(o, key, v);
	}
	return v;
}

/* The record a row stands for. */
static cJSON *
row_record(const struct ctype *t, char **hdr, int nh, char **f, int nf)
{
	cJSON *rec = cJSON_CreateObject(), *dims = NULL, *v;
	int is_product = strcmp(t->type, "product") == 0;

	cJSON_AddStringToObject(rec, "type", t->type);
	for (int i = 0; i < nh; i++) {
		const char *name = hdr[i], *s = i < nf ? f[i] : "";
		const struct col *c;
		char *val;
		int d;

		if (*s == '\0' || strcmp(name, "type") == 0)
			continue;
		if (is_product && strncmp(name, "bin:", 4) == 0) {
			cJSON_AddStringToObject(child(rec, "bins", 0), name + 4, s);
			continue;
		}
		if (is_product && strncmp(name, "attr:", 5) == 0) {
			cJSON_AddStringToObject(child(rec, "attributes", 0),
			    name + 5, s);
			continue;
		}
		if ((c = col_of(t, name)) == NULL) {
			cJSON_AddStringToObject(rec, name, s);
			continue;
		}
		val = estrdup(s);
		if (c->conv != TEXT)
			trim(val);
		if (c->conv == NUM)
			v = num_or_text(val);
		else if (c->conv == BOOL)
			v = bool_or_text(val);
		else if (strcmp(name, "components") == 0)
			v = components(val);
		else
			v = cJSON_CreateString(val);
		free(val);
		d = -1;
		if (is_product) {
			for (int k = 0; dim_keys[k] != NULL; k++)
				if (strcmp(dim_keys[k], name) == 0)
					d = k;
			if (d >= 0) {
				if (dims == NULL) {
					dims = child(rec, "dims_mm", 1);
					for (int k = 0; k < 3; k++)
						cJSON_AddItemToArray(dims,
						    cJSON_CreateNull());
				}
				cJSON_ReplaceItemInArray(dims, d, v);
				continue;
			}
		}
		if (strcmp(t->type, "location") == 0 && in_list(addr_keys, name))
			cJSON_AddItemToObject(child(rec, "address", 0), name, v);
		else
			cJSON_AddItemToObject(rec, name, v);
	}
	return rec;
}

static int
all_empty(const struct oms_csv_rowv *v)
{
	for (int i = 0; i < v->nf; i++)
		if (v->f[i][0] != '\0')
			return 0;
	return 1;
}

static void
reject(const struct oms_catalog_hooks *h, struct oms_catalog_stats *st,
    const char *file, long line, const char *reason, const char *raw)
{
	st->rejected++;
	h->reject(h->arg, file, line, reason, raw);
}

/* Apply one record in the caller's transaction and count it. */
static int
apply(oms_db *db, cJSON *rec, const struct oms_catalog_hooks *h,
    struct oms_catalog_stats *st, cJSON **echo, const char *file,
    const struct oms_csv_rowv *v)
{
	int rc = oms_stock_apply(db, rec, echo);

	if (rc == OMS_REJECT) {
		reject(h, st, file, v->line, oms_error(), v->raw);
		return rc;
	}
	return rc;
}

static void
counted(const cJSON *echo, struct oms_catalog_stats *st)
{
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(echo, "duplicate")))
		st->duplicates++;
	else
		st->applied++;
}

/* Header names, trimmed; a name twice is refused. */
static int
read_header(struct oms_csv_rowv *v, const char *file, char ***hdr, int *nh)
{
	*hdr = ecalloc((size_t)v->nf + 1, sizeof **hdr);
	*nh = v->nf;
	for (int i = 0; i < v->nf; i++) {
		(*hdr)[i] = estrdup(v->f[i]);
		trim((*hdr)[i]);
		for (int j = 0; j < i; j++)
			if (strcmp((*hdr)[i], (*hdr)[j]) == 0 &&
			    (*hdr)[i][0] != '\0')
				return oms_reject("%s:%ld: column '%s' appears "
				    "twice in the header", file, v->line,
				    (*hdr)[i]);
	}
	return OMS_OK;
}

static void
free_header(char **hdr, int nh)
{
	if (hdr == NULL)
		return;
	for (int i = 0; i < nh; i++)
		free(hdr[i]);
	free(hdr);
}

static int
find_col(char **hdr, int nh, const char *name)
{
	for (int i = 0; i < nh; i++)
		if (strcmp(hdr[i], name) == 0)
			return i;
	return -1;
}

int
oms_catalog_import(oms_db *db, FILE *fp, const char *name,
    const struct oms_catalog_hooks *h, struct oms_catalog_stats *st)
{
	struct oms_csv *c;
	struct oms_csv_rowv v;
	char **hdr = NULL;
	int nh = 0, typecol = -1, rc;

	if ((rc = oms_csv_open(&c, fp, name, ',', '"', 0)) != OMS_OK)
		return rc;
	while ((rc = oms_csv_next(c, &v)) == OMS_OK) {
		const struct ctype *t;
		const char *type;
		cJSON *rec, *echo = NULL;

		if (hdr == NULL) {
			if (all_empty(&v))
				continue;
			if ((rc = read_header(&v, name, &hdr, &nh)) != OMS_OK)
				break;
			typecol = find_col(hdr, nh, "type");
			if (typecol < 0 && find_col(hdr, nh, "sku") < 0) {
				rc = oms_reject("%s:%ld: the header has no column "
				    "'type' or 'sku'", name, v.line);
				break;
			}
			continue;
		}
		if (all_empty(&v))
			continue;
		if (v.truncated) {
			reject(h, st, name, v.line, "the file ends inside a "
			    "quoted field", v.raw);
			continue;
		}
		type = typecol < 0 ? "product" : typecol < v.nf ?
		    v.f[typecol] : "";
		if ((t = ctype_of(type)) == NULL) {
			char m[256];

			snprintf(m, sizeof m, *type ? "type '%.100s' is not "
			    "location, product, listing or kit" : "no type%s",
			    type);
			reject(h, st, name, v.line, m, v.raw);
			continue;
		}
		rec = row_record(t, hdr, nh, v.f, v.nf);
		rc = apply(db, rec, h, st, &echo, name, &v);
		cJSON_Delete(rec);
		if (rc == OMS_REJECT)
			continue;
		if (rc != OMS_OK)
			break;
		counted(echo, st);
		rc = h->echo(h->arg, echo);
		cJSON_Delete(echo);
		if (rc != OMS_OK)
			break;
	}
	if (rc == OMS_EOF) {
		rc = OMS_OK;
		if (hdr == NULL)
			rc = oms_reject("%s: no header", name);
	}
	free_header(hdr, nh);
	oms_csv_close(c);
	return rc;
}

/* Export. */

struct colset {
	char **names;
	int n, cap;
};

static void
colset_add(struct colset *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->names = erealloc(s->names, (size_t)s->cap * sizeof *s->names);
	}
	s->names[s->n++] = estrdup(name);
}

static int
cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
colset_free(struct colset *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
}

/* A value as a cell: numbers as short as they read back exactly. */
static void
cell_text(const cJSON *v, struct oms_buf *b)
{
	char *s;

	oms_buf_reset(b);
	if (v == NULL || cJSON_IsNull(v))
		return;
	if (cJSON_IsString(v))
		oms_buf_adds(b, v->valuestring);
	else if (cJSON_IsBool(v))
		oms_buf_adds(b, cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNumber(v)) {
		double d = v->valuedouble;

		if (d == floor(d) && fabs(d) < 9007199254740992.0)
			oms_buf_printf(b, "%.0f", d);
		else {
			char t[64];

			snprintf(t, sizeof t, "%.15g", d);
			if (strtod(t, NULL) != d)
				snprintf(t, sizeof t, "%.17g", d);
			oms_buf_adds(b, t);
		}
	} else {
		s = oms_json_print(v);
		oms_buf_adds(b, s ? s : "");
		free(s);
	}
}

/* The text of column name for a record of type t. */
static void
cell(const struct ctype *t, const cJSON *rec, const char *name,
    struct oms_buf *b)
{
	const cJSON *o;
	int is_product = strcmp(t->type, "product") == 0;

	oms_buf_reset(b);
	if (strcmp(name, "type") == 0) {
		oms_buf_adds(b, t->type);
		return;
	}
	if (is_product && strncmp(name, "bin:", 4) == 0) {
		o = cJSON_GetObjectItemCaseSensitive(rec, "bins");
		cell_text(cJSON_GetObjectItemCaseSensitive(o, name + 4), b);
		return;
	}
	if (is_product && strncmp(name, "attr:", 5) == 0) {
		o = cJSON_GetObjectItemCaseSensitive(rec, "attributes");
		cell_text(cJSON_GetObjectItemCaseSensitive(o, name + 5), b);
		return;
	}
	if (is_product && col_of(t, name) != NULL && in_list(dim_keys, name)) {
		int d = strcmp(name, "length_mm") == 0 ? 0 :
		    strcmp(name, "width_mm") == 0 ? 1 : 2;

		o = cJSON_GetObjectItemCaseSensitive(rec, "dims_mm");
		cell_text(cJSON_IsArray(o) ? cJSON_GetArrayItem(o, d) : NULL, b);
		return;
	}
	if (strcmp(t->type, "location") == 0 && in_list(addr_keys, name)) {
		o = cJSON_GetObjectItemCaseSensitive(rec, "address");
		cell_text(cJSON_GetObjectItemCaseSensitive(o, name), b);
		return;
	}
	if (strcmp(t->type, "kit") == 0 && strcmp(name, "components") == 0) {
		const cJSON *c;
		int first = 1;

		o = cJSON_GetObjectItemCaseSensitive(rec, "components");
		cJSON_ArrayForEach(c, o) {
			struct oms_buf q = { 0 };

			if (!first)
				oms_buf_addc(b, ';');
			first = 0;
			oms_buf_adds(b, oms_json_str(c, "sku"));
			cell_text(cJSON_GetObjectItemCaseSensitive(c, "qty"), &q);
			if (q.len > 0) {
				oms_buf_addc(b, '*');
				oms_buf_adds(b, q.s);
			}
			oms_buf_free(&q);
		}
		return;
	}
	if (col_of(t, name) == NULL && (in_list(t->nested, name) ||
	    (is_product && in_list(dim_keys, name)) ||
	    (strcmp(t->type, "location") == 0 && in_list(addr_keys, name))))
		return;
	cell_text(cJSON_GetObjectItemCaseSensitive(rec, name), b);
}

static int
put_cell(FILE *out, const char *s, int first)
{
	struct oms_buf b = { 0 };
	int rc;

	if (!first)
		oms_buf_addc(&b, ',');
	oms_csv_field(&b, s, ',', '"');
	rc = fwrite(b.s, 1, b.len, out) == b.len ? 0 : -1;
	oms_buf_free(&b);
	return rc;
}

int
oms_catalog_export(oms_db *db, const char *type, FILE *out)
{
	cJSON *recs[NTYPES] = { NULL };
	struct colset cols = { 0 }, extra = { 0 };
	struct oms_buf b = { 0 };
	const struct ctype *only = NULL;
	int rc = OMS_OK, with_type;

	if (type != NULL && (only = ctype_of(type)) == NULL)
		return oms_reject("--type '%s' is not location, product, listing "
		    "or kit", type);
	/* A product-only file reads back without a type column; the others
	 * need it, since a listing has a sku column too. */
	with_type = only == NULL || strcmp(only->type, "product") != 0;
	if (with_type)
		colset_add(&cols, "type");
	for (int i = 0; i < NTYPES; i++) {
		const struct ctype *t = &ctypes[i];
		oms_stmt *st;
		int s;

		if (only != NULL && only != t)
			continue;
		for (const struct col *c = t->cols; c->name != NULL; c++)
			colset_add(&cols, c->name);
		recs[i] = cJSON_CreateArray();
		if ((st = oms_db_stmt(db, t->table_sql)) == NULL) {
			rc = OMS_ERR;
			goto out;
		}
		while ((s = oms_step(st)) == OMS_ROW) {
			cJSON *r = cJSON_Parse(oms_col_text(st, 0)), *k;

			if (!cJSON_IsObject(r)) {
				cJSON_Delete(r);
				continue;
			}
			cJSON_AddItemToArray(recs[i], r);
			cJSON_ArrayForEach(k, r) {
				if (strcmp(t->type, "product") == 0 &&
				    (strcmp(k->string, "bins") == 0 ||
				    strcmp(k->string, "attributes") == 0) &&
				    cJSON_IsObject(k)) {
					const cJSON *e;
					const char *p = k->string[0] == 'b' ?
					    "bin:" : "attr:";

					cJSON_ArrayForEach(e, k) {
						oms_buf_reset(&b);
						oms_buf_printf(&b, "%s%s", p,
						    e->string);
						colset_add(&extra, b.s);
					}
					continue;
				}
				if (col_of(t, k->string) == NULL &&
				    !in_list(t->nested, k->string))
					colset_add(&extra, k->string);
			}
		}
		oms_reset(st);
		if (s != OMS_DONE) {
			rc = oms_db_fail(db, s, "cannot read the catalog");
			goto out;
		}
	}
	/* Bins and attributes, then what passes through, each by name. */
	if (extra.n > 1)	/* qsort's array may not be NULL, even empty */
		qsort(extra.names, (size_t)extra.n, sizeof *extra.names,
		    cmpstr);
	for (int i = 0; i < extra.n; i++)
		colset_add(&cols, extra.names[i]);

	for (int i = 0; i < cols.n; i++)
		if (put_cell(out, cols.names[i], i == 0) < 0)
			goto werr;
	if (fputs("\r\n", out) == EOF)
		goto werr;
	for (int i = 0; i < NTYPES; i++) {
		const cJSON *r;

		cJSON_ArrayForEach(r, recs[i]) {
			for (int j = 0; j < cols.n; j++) {
				const struct ctype *t = &ctypes[i];
				const char *name = cols.names[j];

				/* Another type's columns are empty here. */
				cell(t, r, name, &b);
				if (put_cell(out, b.s ? b.s : "", j == 0) < 0)
					goto werr;
			}
			if (fputs("\r\n", out) == EOF)
				goto werr;
		}
	}
	goto out;
werr:
	rc = oms_seterr("write error: %s", strerror(errno));
out:
	for (int i = 0; i < NTYPES; i++)
		cJSON_Delete(recs[i]);
	colset_free(&cols);
	colset_free(&extra);
	oms_buf_free(&b);
	return rc;
}

/* A Shopify inventory export. */

enum { S_TITLE, S_O1N, S_O1V, S_O2N, S_O2V, S_O3N, S_O3V, S_SKU, S_LOC,
	S_ONHAND, S_CURRENT, S_NEW, S_NCOLS };

static const char *const shopify_cols[S_NCOLS] = {
	"Title", "Option1 Name", "Option1 Value", "Option2 Name",
	"Option2 Value", "Option3 Name", "Option3 Value", "SKU", "Location",
	"On hand", "On hand (current)", "On hand (new)",
};

static const char *
sfield(const struct oms_csv_rowv *v, const int *col, int k)
{
	return col[k] >= 0 && col[k] < v->nf ? v->f[col[k]] : "";
}

/* Title and the option values, as Shopify names a variant. */
static cJSON *
shopify_product(const struct oms_csv_rowv *v, const int *col,
    const char *sku)
{
	cJSON *rec = cJSON_CreateObject(), *attrs = NULL;
	struct oms_buf t = { 0 };
	int n = 0;

	cJSON_AddStringToObject(rec, "type", "product");
	cJSON_AddStringToObject(rec, "sku", sku);
	oms_buf_adds(&t, sfield(v, col, S_TITLE));
	for (int k = S_O1N; k <= S_O3N; k += 2) {
		const char *name = sfield(v, col, k), *val = sfield(v, col, k + 1);

		if (*val == '\0' || (strcmp(name, "Title") == 0 &&
		    strcmp(val, "Default Title") == 0))
			continue;
		oms_buf_adds(&t, n++ == 0 ? " - " : " / ");
		oms_buf_adds(&t, val);
		if (*name != '\0') {
			if (attrs == NULL)
				attrs = child(rec, "attributes", 0);
			cJSON_AddStringToObject(attrs, name, val);
		}
	}
	cJSON_AddStringToObject(rec, "title", t.s ? t.s : "");
	oms_buf_free(&t);
	return rec;
}

static int
product_exists(oms_db *db, const char *sku, int *found)
{
	oms_stmt *st = oms_db_stmt(db, "SELECT 1 FROM products WHERE sku = ?");
	int rc;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, sku);
	rc = oms_step(st);
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the catalog");
	*found = rc == OMS_ROW;
	return OMS_OK;
}

struct seen {
	char *sku;
	long line;
};

/* One row: the product if missing and the count, in one transaction. */
static int
shopify_row(oms_db *db, const struct oms_csv_rowv *v, const int *col,
    const char *name, const char *location, const char *digest,
    const struct oms_catalog_hooks *h, struct oms_catalog_stats *st)
{
	const char *fig;
	char sku[512], ref[64], msg[700], *end;
	struct oms_buf key = { 0 };
	cJSON *prod = NULL, *pecho = NULL, *mv, *mecho = NULL;
	long long qty;
	int nested, rc, found = 0;

	if (strlen(sfield(v, col, S_SKU)) >= sizeof sku) {
		reject(h, st, name, v->line, "the SKU is longer than 511 "
		    "characters", v->raw);
		return OMS_OK;
	}
	snprintf(sku, sizeof sku, "%s", sfield(v, col, S_SKU));
	trim(sku);
	fig = sfield(v, col, S_NEW);
	if (*fig == '\0')
		fig = sfield(v, col, S_CURRENT);
	if (*fig == '\0')
		fig = sfield(v, col, S_ONHAND);
	if (strcasecmp(fig, "Not stocked") == 0) {
		st->skipped++;
		snprintf(msg, sizeof msg, "%s is not stocked at this location: "
		    "skipped", sku);
		h->note(h->arg, name, v->line, msg);
		return OMS_OK;
	}
	errno = 0;
	qty = strtoll(fig, &end, 10);
	if (*fig == '\0' || *end != '\0' || errno != 0) {
		snprintf(msg, sizeof msg, "On hand '%.100s' is not a whole number "
		    "or \"Not stocked\"", fig);
		reject(h, st, name, v->line, msg, v->raw);
		return OMS_OK;
	}
	if (qty < 0) {
		st->warnings++;
		snprintf(msg, sizeof msg, "%s: on hand %lld counted as 0 (the "
		    "ledger cannot go below 0)", sku, qty);
		h->warn(h->arg, name, v->line, msg);
		qty = 0;
	}
	/* The location is in the key: the rows of each Shopify location
	 * of one file may go to a location of their own. */
	oms_buf_printf(&key, "shopify-inventory:%s:%s:%s", digest, location,
	    sku);
	snprintf(ref, sizeof ref, "shopify-inventory:%s", digest);
	mv = cJSON_CreateObject();
	cJSON_AddStringToObject(mv, "type", "movement");
	cJSON_AddStringToObject(mv, "kind", "count");
	cJSON_AddStringToObject(mv, "sku", sku);
	cJSON_AddStringToObject(mv, "location", location);
	cJSON_AddNumberToObject(mv, "qty", (double)qty);
	cJSON_AddStringToObject(mv, "ref", ref);
	cJSON_AddStringToObject(mv, "key", key.s);
	oms_buf_free(&key);

	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		goto out;
	rc = product_exists(db, sku, &found);
	if (rc == OMS_OK && !found) {
		prod = shopify_product(v, col, sku);
		rc = oms_stock_apply(db, prod, &pecho);
	}
	if (rc == OMS_OK)
		rc = oms_stock_apply(db, mv, &mecho);
	if (rc != OMS_OK) {
		(void)oms_db_write_end(db, nested, OMS_ERR);
		if (rc == OMS_REJECT) {
			reject(h, st, name, v->line, oms_error(), v->raw);
			rc = OMS_OK;
		}
		goto out;
	}
	if ((rc = oms_db_write_end(db, nested, OMS_OK)) != OMS_OK)
		goto out;
	if (pecho != NULL && (rc = h->echo(h->arg, pecho)) != OMS_OK)
		goto out;
	counted(mecho, st);
	rc = h->echo(h->arg, mecho);
out:
	cJSON_Delete(prod);
	cJSON_Delete(pecho);
	cJSON_Delete(mv);
	cJSON_Delete(mecho);
	return rc;
}

int
oms_shopify_inventory(oms_db *db, FILE *fp, const char *name,
    const char *location, const char *shopify_location,
    const struct oms_catalog_hooks *h, struct oms_catalog_stats *st)
{
	struct oms_buf data = { 0 }, locs = { 0 };
	struct oms_csv *c = NULL;
	struct oms_csv_rowv v;
	struct seen *seen = NULL;
	char digest[17], msg[1200];
	char **hdr = NULL;
	int col[S_NCOLS], nh = 0, nseen = 0, rc, pass, nlocs = 0, matched = 0;
	long blank = 0;
	FILE *mem = NULL;

	if (oms_slurp(fp, &data) != OMS_OK) {
		rc = oms_seterr("%s: read error: %s", name, strerror(errno));
		goto out;
	}
	snprintf(digest, sizeof digest, "%016llx", (unsigned long long)
	    oms_hash64(data.s ? data.s : "", data.len, OMS_HASH_INIT));
	/* Two passes: the first finds the header and the locations, so that
	 * a file of several locations is refused before anything is
	 * written. */
	for (pass = 0; pass < 2; pass++) {
		free_header(hdr, nh);
		hdr = NULL;
		if ((mem = fmemopen(data.s ? data.s : "", data.len ? data.len : 1,
		    "r")) == NULL) {
			rc = oms_seterr("%s: %s", name, strerror(errno));
			goto out;
		}
		if (data.len == 0)
			fgetc(mem);
		if ((rc = oms_csv_open(&c, mem, name, ',', '"', 0)) != OMS_OK)
			goto out;
		while ((rc = oms_csv_next(c, &v)) == OMS_OK) {
			const char *loc, *sku;

			if (hdr == NULL) {
				if (all_empty(&v))
					continue;
				if ((rc = read_header(&v, name, &hdr, &nh)) !=
				    OMS_OK)
					goto out;
				for (int k = 0; k < S_NCOLS; k++)
					col[k] = find_col(hdr, nh, shopify_cols[k]);
				if (col[S_SKU] < 0 || col[S_LOC] < 0 ||
				    col[S_TITLE] < 0 || (col[S_ONHAND] < 0 &&
				    col[S_CURRENT] < 0)) {
					rc = oms_reject("%s:%ld: not a Shopify "
					    "inventory export (it needs Title, SKU, "
					    "Location and On hand or On hand "
					    "(current) columns)", name, v.line);
					goto out;
				}
				continue;
			}
			if (all_empty(&v))
				continue;
			loc = sfield(&v, col, S_LOC);
			if (pass == 0) {
				if (shopify_location != NULL) {
					matched += strcmp(loc, shopify_location) == 0;
					continue;
				}
				if (nlocs == 0 || strcmp(locs.s, loc) != 0) {
					if (nlocs++ > 0)
						oms_buf_adds(&locs, "', '");
					oms_buf_adds(&locs, loc);
				}
				if (nlocs > 1) {
					rc = oms_reject("%s:%ld: rows for more than "
					    "one Shopify location ('%s'): choose one "
					    "with --shopify-location", name, v.line,
					    locs.s);
					goto out;
				}
				continue;
			}
			if (shopify_location != NULL &&
			    strcmp(loc, shopify_location) != 0)
				continue;
			if (v.truncated) {
				reject(h, st, name, v.line, "the file ends inside "
				    "a quoted field", v.raw);
				continue;
			}
			snprintf(msg, sizeof msg, "%s", sfield(&v, col, S_SKU));
			trim(msg);
			sku = msg;
			if (*sku == '\0') {
				blank++;
				st->skipped++;
				continue;
			}
			/* A SKU twice is two variants under one SKU: which
			 * figure is the count cannot be told. */
			for (int k = 0; k < nseen; k++)
				if (strcmp(seen[k].sku, sku) == 0) {
					char m[700];

					snprintf(m, sizeof m, "SKU '%.500s' is on "
					    "line %ld too: one count per SKU", sku,
					    seen[k].line);
					reject(h, st, name, v.line, m, v.raw);
					sku = NULL;
					break;
				}
			if (sku == NULL)
				continue;
			seen = erealloc(seen, (size_t)(nseen + 1) * sizeof *seen);
			seen[nseen].sku = estrdup(sku);
			seen[nseen++].line = v.line;
			if ((rc = shopify_row(db, &v, col, name, location, digest,
			    h, st)) != OMS_OK)
				goto out;
		}
		if (rc != OMS_EOF)
			goto out;
		rc = OMS_OK;
		if (hdr == NULL) {
			rc = oms_reject("%s: no header", name);
			goto out;
		}
		if (pass == 0 && shopify_location != NULL && matched == 0) {
			rc = oms_reject("%s: no rows for Shopify location '%s'",
			    name, shopify_location);
			goto out;
		}
		oms_csv_close(c);
		c = NULL;
		fclose(mem);
		mem = NULL;
	}
	if (blank > 0) {
		snprintf(msg, sizeof msg, "%ld row%s without a SKU skipped",
		    blank, blank == 1 ? "" : "s");
		h->note(h->arg, name, 0, msg);
	}
out:
	if (c != NULL)
		oms_csv_close(c);
	if (mem != NULL)
		fclose(mem);
	free_header(hdr, nh);
	for (int k = 0; k < nseen; k++)
		free(seen[k].sku);
	free(seen);
	oms_buf_free(&data);
	oms_buf_free(&locs);
	return rc;
}

/* ---- a file given to oms-stock that is not JSON lines ------------------- */

/* Whether the header line has a field named name (any case, quotes off). */
static int
has_field(const char *line, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = line; *p != '\0'; ) {
		const char *e;

		while (*p == ' ' || *p == '"')
			p++;
		e = p + strcspn(p, ",\t;");
		if (strncasecmp(p, name, n) == 0) {
			const char *q = p + n;

			while (q < e && (*q == '"' || *q == ' ' || *q == '\r'))
				q++;
			if (q == e)
				return 1;
		}
		p = *e ? e + 1 : e;
	}
	return 0;
}

/*
 * Whether line, the first of file with no record read yet, shows a file
 * that is not JSON lines at all, rather than one bad record: a JSON-lines
 * record starts with '{' and goes on on that line.  When it does, hint
 * says what the file looks like and what reads it.
 */
int
oms_stock_foreign(const char *file, const char *line, char *hint, size_t n)
{
	const char *p = line;

	if (strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '{' && p[1 + strspn(p + 1, " \t\r")] != '\0')
		return 0;
	if (*p == '[' || *p == '{')
		snprintf(hint, n, "this looks like JSON that is not one record "
		    "a line: make it JSON lines first, e.g. jq -c '.[]' %s",
		    file);
	else if (has_field(p, "Handle") && has_field(p, "SKU") &&
	    has_field(p, "Location"))
		snprintf(hint, n, "this looks like Shopify's inventory export: "
		    "use `oms-stock import-shopify-inventory --location LOC "
		    "%s`", file);
	else if (has_field(p, "Lineitem quantity") ||
	    has_field(p, "order-id") || has_field(p, "Order ID"))
		snprintf(hint, n, "this looks like an orders export: use "
		    "`oms-import %s`", file);
	else if (has_field(p, "type") || has_field(p, "sku"))
		snprintf(hint, n, "this looks like a catalog CSV: use "
		    "`oms-stock import-catalog %s`", file);
	else if (strpbrk(p, ",\t;") != NULL)
		snprintf(hint, n, "this looks like a CSV file: use `oms-stock "
		    "import-catalog` for a catalog, `oms-stock "
		    "import-shopify-inventory` for Shopify's inventory export");
	else
		snprintf(hint, n, "oms-stock reads one JSON record a line "
		    "(oms-records(5))");
	return 1;
}
