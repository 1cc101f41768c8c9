/*
 * rates.c: offline rate tables, what a parcel costs and how long it takes.
 *
 * A rate table is data: rates/NAME.json on the search path of the channel
 * adapters, one carrier service each (oms-rules(5) documents the keys).
 * The zone of a parcel is the first distance band its great-circle
 * distance falls in; its billable weight is the larger of the actual
 * weight and the dimensional weight (volume over the table's divisor);
 * its price is the zone's price for the first weight band that holds it.
 * A table serves the service levels it names, between the countries it
 * names.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounds.h"
#include "oms.h"
#include "route.h"

#define MAXZ 16
#define MAXW 32

struct rate_table {
	char *name;		/* the file's name without .json */
	cJSON *doc;
	const char *label, *carrier, *service, *currency;
	const cJSON *levels, *countries;
	int nzones, nweights;
	double zone_km[MAXZ];	/* upper bounds; the last zone is open */
	int transit[MAXZ + 1];
	int64_t weight_g[MAXW];
	int64_t price[MAXZ + 1][MAXW];
	int64_t dim_divisor;	/* cm3 per kg */
};

/*
 * Which tables serve the last level, table and countries asked for: a
 * router asks again and again for the same, and the lists are compared
 * ignoring case, one by one.  NULL parts kept as such.  Kept in the
 * rates, so a set of rates is used by one thread at a time.
 */
struct serves {
	int have;
	char level[64], only[64], from[16], to[16];
	int null[4];
	unsigned char *ok;	/* per table */
};

struct oms_rates {
	struct rate_table *t;
	int n;
	struct serves *last;
};

static int
bad(const char *path, const char *what)
{
	return oms_seterr("rate table '%s': %s", path, what);
}

static int
load_one(const char *path, const char *name, struct rate_table *t)
{
	static const char *const known[] = { "description", "carrier",
	    "service", "name", "levels", "countries", "currency",
	    "dim_divisor", "zones_km", "transit_days", "weights_g", "prices",
	    NULL };
	struct oms_buf b = { 0 };
	const cJSON *x, *z, *w, *p;
	int exp, i, j;

	memset(t, 0, sizeof *t);
	if (oms_read_file(path, "rate table", &b) != OMS_OK) {
		oms_buf_free(&b);
		return OMS_ERR;
	}
	t->doc = cJSON_Parse(b.s ? b.s : "");
	oms_buf_free(&b);
	t->name = estrdup(name);
	if (!cJSON_IsObject(t->doc))
		return bad(path, "not a JSON object");
	for (x = t->doc->child; x != NULL; x = x->next) {
		for (i = 0; known[i]; i++)
			if (strcmp(known[i], x->string) == 0)
				break;
		if (known[i] == NULL)
			return oms_seterr("rate table '%s': unknown key '%s'",
			    path, x->string);
	}
	t->carrier = oms_json_str(t->doc, "carrier");
	t->service = oms_json_str(t->doc, "service");
	t->label = oms_json_str(t->doc, "name");
	t->currency = oms_json_str(t->doc, "currency");
	if (t->carrier == NULL || t->service == NULL || t->currency == NULL)
		return bad(path, "needs carrier, service and currency");
	if (t->label == NULL)
		t->label = t->name;
	if ((exp = oms_currency_exponent(t->currency)) < 0)
		return bad(path, "unknown currency");
	t->levels = cJSON_GetObjectItemCaseSensitive(t->doc, "levels");
	t->countries = cJSON_GetObjectItemCaseSensitive(t->doc, "countries");
	if (!cJSON_IsArray(t->levels) || cJSON_GetArraySize(t->levels) == 0)
		return bad(path, "levels must be a list of service levels");
	if (t->countries != NULL && !cJSON_IsArray(t->countries))
		return bad(path, "countries must be a list of country codes");
	x = cJSON_GetObjectItemCaseSensitive(t->doc, "dim_divisor");
	/* Range first: the cast of a double out of range is undefined. */
	if (x != NULL && (!cJSON_IsNumber(x) || !(x->valuedouble >= 1 &&
	    x->valuedouble <= 1000000)))
		return bad(path, "dim_divisor must be from 1 to 1000000");
	t->dim_divisor = x != NULL ? (int64_t)x->valuedouble : 5000;
	z = cJSON_GetObjectItemCaseSensitive(t->doc, "zones_km");
	if (!cJSON_IsArray(z) || cJSON_GetArraySize(z) >= MAXZ)
		return bad(path, "zones_km must be a list of at most 15 bounds");
	t->nzones = cJSON_GetArraySize(z) + 1;
	i = 0;
	cJSON_ArrayForEach(x, z) {
		if (!cJSON_IsNumber(x) || (i > 0 &&
		    x->valuedouble <= t->zone_km[i - 1]))
			return bad(path, "zones_km must rise");
		t->zone_km[i++] = x->valuedouble;
	}
	x = cJSON_GetObjectItemCaseSensitive(t->doc, "transit_days");
	if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) != t->nzones)
		return bad(path, "transit_days needs one figure a zone");
	i = 0;
	cJSON_ArrayForEach(p, x) {
		if (!cJSON_IsNumber(p) || !(p->valuedouble >= 0 &&
		    p->valuedouble <= 365))
			return bad(path, "transit_days must be days");
		t->transit[i++] = (int)p->valuedouble;
	}
	w = cJSON_GetObjectItemCaseSensitive(t->doc, "weights_g");
	if (!cJSON_IsArray(w) || cJSON_GetArraySize(w) == 0 ||
	    cJSON_GetArraySize(w) > MAXW)
		return bad(path, "weights_g must be a list of band limits");
	t->nweights = cJSON_GetArraySize(w);
	i = 0;
	cJSON_ArrayForEach(x, w) {
		if (!cJSON_IsNumber(x) || !(x->valuedouble >= 0 &&
		    x->valuedouble <= OMS_WEIGHT_MAX))
			return bad(path, "weights_g must be grams from 0 to "
			    "10000000");
		if (i > 0 && (int64_t)x->valuedouble <= t->weight_g[i - 1])
			return bad(path, "weights_g must rise");
		t->weight_g[i++] = (int64_t)x->valuedouble;
	}
	p = cJSON_GetObjectItemCaseSensitive(t->doc, "prices");
	if (!cJSON_IsArray(p) || cJSON_GetArraySize(p) != t->nzones)
		return bad(path, "prices needs one row a zone");
	i = 0;
	cJSON_ArrayForEach(x, p) {
		const cJSON *v;

		if (!cJSON_IsArray(x) || cJSON_GetArraySize(x) != t->nweights)
			return bad(path, "each row of prices needs a price a "
			    "weight band");
		j = 0;
		cJSON_ArrayForEach(v, x) {
			if (!cJSON_IsString(v) || oms_money_parse(v->valuestring,
			    exp, &t->price[i][j]) != OMS_OK)
				return bad(path, "prices must be decimal strings");
			j++;
		}
		i++;
	}
	return OMS_OK;
}

static void
free_table(struct rate_table *t)
{
	free(t->name);
	cJSON_Delete(t->doc);
}

static int
cmp_table(const void *a, const void *b)
{
	return strcmp(((const struct rate_table *)a)->name,
	    ((const struct rate_table *)b)->name);
}

/* Every rate table on the search path; a name shadows later ones. */
int
oms_rates_load(oms_rates **out)
{
	char **dirs;
	int nd = oms_search_path(&dirs), rc = OMS_OK, cap = 0;
	oms_rates *r = ecalloc(1, sizeof *r);

	for (int i = 0; i < nd && rc == OMS_OK; i++) {
		struct oms_buf dir = { 0 };
		struct dirent *e;
		DIR *d;

		oms_buf_printf(&dir, "%s/rates", dirs[i]);
		if ((d = opendir(dir.s)) == NULL) {
			oms_buf_free(&dir);
			continue;
		}
		while (rc == OMS_OK && (e = readdir(d)) != NULL) {
			size_t n = strlen(e->d_name);
			struct oms_buf path = { 0 };
			char *name;
			int seen = 0;

			if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0 ||
			    e->d_name[0] == '.')
				continue;
			name = estrndup(e->d_name, n - 5);
			for (int k = 0; k < r->n; k++)
				if (strcmp(r->t[k].name, name) == 0)
					seen = 1;
			if (!seen) {
				if (r->n == cap) {
					cap = cap ? cap * 2 : 8;
					r->t = erealloc(r->t, (size_t)cap *
					    sizeof *r->t);
				}
				oms_buf_printf(&path, "%s/%s", dir.s, e->d_name);
				rc = load_one(path.s, name, &r->t[r->n]);
				r->n++;
				oms_buf_free(&path);
			}
			free(name);
		}
		closedir(d);
		oms_buf_free(&dir);
	}
	oms_search_path_free(dirs, nd);
	if (rc != OMS_OK) {
		oms_rates_free(r);
		return rc;
	}
	qsort(r->t, (size_t)r->n, sizeof *r->t, cmp_table);
	r->last = ecalloc(1, sizeof *r->last);
	r->last->ok = ecalloc((size_t)r->n + 1, 1);
	*out = r;
	return OMS_OK;
}

void
oms_rates_free(oms_rates *r)
{
	if (r == NULL)
		return;
	for (int i = 0; i < r->n; i++)
		free_table(&r->t[i]);
	free(r->t);
	if (r->last != NULL)
		free(r->last->ok);
	free(r->last);
	free(r);
}

int
oms_rates_has(const oms_rates *r, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (strcmp(r->t[i].name, name) == 0)
			return 1;
	return 0;
}

static int
listed(const cJSON *list, const char *s)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, list)
		if (cJSON_IsString(x) && strcasecmp(x->valuestring, s) == 0)
			return 1;
	return 0;
}

/*
 * The quotes of every table that serves a parcel, cheapest first (then by
 * name): of the service level asked for (any table when only names one),
 * from one country to another, km apart, weighing grams with volume_cm3.
 */
/* Whether table t serves level (or is only) between the two countries. */
static int
serves(const struct rate_table *t, const char *level, const char *only,
    const char *from, const char *to)
{
	if (only != NULL ? strcmp(only, t->name) != 0 : !listed(t->levels,
	    level))
		return 0;
	return t->countries == NULL || (from != NULL && to != NULL &&
	    listed(t->countries, from) && listed(t->countries, to));
}

/* s in buf, or NULL's mark; 0 when it does not fit. */
static int
keep(char *buf, size_t n, int *null, const char *s)
{
	*null = s == NULL;
	if (s == NULL)
		return 1;
	if (strlen(s) >= n)
		return 0;
	strcpy(buf, s);
	return 1;
}

static int
same(const char *buf, int null, const char *s)
{
	return null ? s == NULL : s != NULL && strcmp(buf, s) == 0;
}

/* Which tables serve this: from the last answer when it was the same. */
static const unsigned char *
serving(const oms_rates *r, const char *level, const char *only,
    const char *from, const char *to)
{
	struct serves *m = r->last;

	if (m == NULL)
		return NULL;
	if (m->have && same(m->level, m->null[0], level) &&
	    same(m->only, m->null[1], only) &&
	    same(m->from, m->null[2], from) && same(m->to, m->null[3], to))
		return m->ok;
	m->have = keep(m->level, sizeof m->level, &m->null[0], level) &&
	    keep(m->only, sizeof m->only, &m->null[1], only) &&
	    keep(m->from, sizeof m->from, &m->null[2], from) &&
	    keep(m->to, sizeof m->to, &m->null[3], to);
	if (!m->have)
		return NULL;
	for (int i = 0; i < r->n; i++)
		m->ok[i] = (unsigned char)serves(&r->t[i], level, only, from,
		    to);
	return m->ok;
}

int
oms_rates_quote(const oms_rates *r, const char *level, const char *only,
    const char *from, const char *to, double km, int64_t grams,
    int64_t volume_cm3, struct oms_quote *q, int max)
{
	const unsigned char *ok = serving(r, level, only, from, to);
	int n = 0;

	for (int i = 0; i < r->n && n < max; i++) {
		const struct rate_table *t = &r->t[i];
		int64_t dim, bill;
		int z, w;

		if (ok != NULL ? !ok[i] : !serves(t, level, only, from, to))
			continue;
		for (z = 0; z < t->nzones - 1 && km > t->zone_km[z]; z++)
			;
		/* Dimensional weight in grams, rounded up. */
		dim = oms_sat_mul(volume_cm3, 1000);
		dim = dim / t->dim_divisor + (dim % t->dim_divisor != 0);
		bill = grams > dim ? grams : dim;
		for (w = 0; w < t->nweights && bill > t->weight_g[w]; w++)
			;
		if (w == t->nweights)
			continue;	/* too heavy for this service */
		q[n].service = t->name;
		q[n].label = t->label;
		q[n].carrier = t->carrier;
		q[n].currency = t->currency;
		q[n].zone = z + 1;
		q[n].transit_days = t->transit[z];
		q[n].billable_g = bill;
		q[n].price = t->price[z][w];
		n++;
	}
	/* Cheapest first; the tables are in name order already. */
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && q[j].price < q[j - 1].price; j--) {
			struct oms_quote tmp = q[j];

			q[j] = q[j - 1];
			q[j - 1] = tmp;
		}
	return n;
}
