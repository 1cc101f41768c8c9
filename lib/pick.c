/*
 * pick.c: waves and pick lists.
 *
 * The active allocations not yet on a pick list are grouped into waves by
 * location, the location's carrier cutoff, the service routing chose and
 * the order's priority (highest first), oldest orders first, at most
 * wave_size orders a wave.  A wave's list has a line for each bin and
 * sku, in walk order: bins are read as zone-aisle-bay-level ("A-01-02-3";
 * '-', '.' or ' ' between parts, numbers compared as numbers), and the
 * bays of every other aisle of a zone are walked backwards (serpentine),
 * so the picker never walks an aisle twice; lines with no bin come last.
 * The waves and what they hold are recorded in one transaction, so no
 * allocation is on two lists.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"
#include "ship.h"

struct palloc {
	int64_t id, order_id, qty, priority;
	char *location, *sku, *service, *cutoff, *bin, *title;
};

struct pline {
	char *bin, *sku, *title;
	char part[4][32];
	int nparts, aisle_rank;
	int64_t qty;
	cJSON *orders;
};

static void
split_bin(struct pline *l)
{
	const char *p = l->bin;

	l->nparts = 0;
	while (*p != '\0' && l->nparts < 4) {
		size_t n = strcspn(p, "-. ");

		snprintf(l->part[l->nparts++], sizeof l->part[0], "%.*s",
		    (int)(n < 31 ? n : 31), p);
		p += n;
		if (*p != '\0')
			p++;
	}
}


static int
cmp_part(const char *a, const char *b)
{
	if (oms_all_digits(a) && oms_all_digits(b)) {
		long long x = atoll(a), y = atoll(b);

		return x < y ? -1 : x > y;
	}
	return strcmp(a, b);
}

static int
cmp_walk(const void *x, const void *y)
{
	const struct pline *a = x, *b = y;
	int c;

	if ((a->bin[0] == '\0') != (b->bin[0] == '\0'))
		return a->bin[0] == '\0' ? 1 : -1;
	for (int i = 0; i < 2; i++)	/* zone, aisle */
		if ((c = cmp_part(i < a->nparts ? a->part[i] : "",
		    i < b->nparts ? b->part[i] : "")) != 0)
			return c;
	/* Bays up an aisle, down the next. */
	c = cmp_part(a->nparts > 2 ? a->part[2] : "", b->nparts > 2 ?
	    b->part[2] : "");
	if (c != 0)
		return a->aisle_rank % 2 ? -c : c;
	if ((c = cmp_part(a->nparts > 3 ? a->part[3] : "", b->nparts > 3 ?
	    b->part[3] : "")) != 0)
		return c;
	if ((c = strcmp(a->bin, b->bin)) != 0)
		return c;
	return strcmp(a->sku, b->sku);
}

/* Sort a wave's lines along the walk. */
static void
walk(struct pline *l, int n)
{
	int rank = -1;

	for (int i = 0; i < n; i++) {
		split_bin(&l[i]);
		l[i].aisle_rank = 0;
	}
	/* Rank the aisles of each zone in order, to know the odd ones. */
	qsort(l, (size_t)n, sizeof *l, cmp_walk);
	for (int i = 0; i < n; i++) {
		if (i == 0 || strcmp(l[i].part[0], l[i - 1].part[0]) != 0)
			rank = 0;
		else if (cmp_part(l[i].part[1], l[i - 1].part[1]) != 0)
			rank++;
		l[i].aisle_rank = rank;
	}
	qsort(l, (size_t)n, sizeof *l, cmp_walk);
}

static int
same_key(const struct palloc *a, const struct palloc *b)
{
	return strcmp(a->location, b->location) == 0 &&
	    strcmp(a->cutoff, b->cutoff) == 0 &&
	    strcmp(a->service, b->service) == 0 && a->priority == b->priority;
}

/* Record the wave; its id into *wave. */
static int
store_wave(oms_db *db, const struct palloc *a, int n, int64_t *wave)
{
	static const char sql_wave[] =
	    "INSERT INTO waves (location, service, priority, at) "
	    "VALUES (?, ?, ?, ?)";
	static const char sql_pick[] =
	    "INSERT INTO picks (allocation_id, wave_id) VALUES (?, ?)";
	oms_stmt *st = oms_db_stmt(db, sql_wave);
	char now[OMS_TIME_LEN];
	int rc;

	if (st == NULL)
		return OMS_ERR;
	oms_time_now(now);
	oms_bind_text(st, 1, a[0].location);
	oms_bind_text(st, 2, a[0].service);
	oms_bind_int64(st, 3, a[0].priority);
	oms_bind_text(st, 4, now);
	if ((rc = oms_db_step_done(db, st, "cannot store a wave")) != OMS_OK)
		return rc;
	*wave = oms_db_last_id(db);
	for (int i = 0; i < n; i++) {
		if ((st = oms_db_stmt(db, sql_pick)) == NULL)
			return OMS_ERR;
		oms_bind_int64(st, 1, a[i].id);
		oms_bind_int64(st, 2, *wave);
		if ((rc = oms_db_step_done(db, st, "cannot store a pick")) !=
		    OMS_OK)
			return rc;
	}
	return OMS_OK;
}

/* The wave's record, and its page in doc. */
static cJSON *
wave_record(const struct palloc *a, int n, int64_t wave, struct oms_doc *doc)
{
	cJSON *r = cJSON_CreateObject(), *orders, *lines;
	struct pline *pl = ecalloc((size_t)n, sizeof *pl);
	int npl = 0;
	char id[32], ref[32];

	snprintf(id, sizeof id, "W%lld", (long long)wave);
	cJSON_AddStringToObject(r, "type", "pick_list");
	cJSON_AddStringToObject(r, "wave", id);
	cJSON_AddStringToObject(r, "location", a[0].location);
	if (a[0].service[0] != '\0')
		cJSON_AddStringToObject(r, "service", a[0].service);
	if (a[0].cutoff[0] != '\0')
		cJSON_AddStringToObject(r, "cutoff", a[0].cutoff);
	cJSON_AddNumberToObject(r, "priority", (double)a[0].priority);
	orders = cJSON_AddArrayToObject(r, "orders");
	for (int i = 0; i < n; i++) {
		int k;

		snprintf(ref, sizeof ref, "o_%lld", (long long)a[i].order_id);
		if (i == 0 || a[i].order_id != a[i - 1].order_id)
			cJSON_AddItemToArray(orders, cJSON_CreateString(ref));
		for (k = 0; k < npl; k++)
			if (strcmp(pl[k].bin, a[i].bin) == 0 &&
			    strcmp(pl[k].sku, a[i].sku) == 0)
				break;
		if (k == npl) {
			pl[k].bin = a[i].bin;
			pl[k].sku = a[i].sku;
			pl[k].title = a[i].title;
			pl[k].orders = cJSON_CreateArray();
			npl++;
		}
		pl[k].qty += a[i].qty;
		{
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "order", ref);
			cJSON_AddNumberToObject(o, "qty", (double)a[i].qty);
			cJSON_AddItemToArray(pl[k].orders, o);
		}
	}
	walk(pl, npl);
	lines = cJSON_AddArrayToObject(r, "lines");
	if (doc != NULL) {
		char head[256], when[64];
		static const int x[4] = { 0, 110, 230, 460 };
		const char *hdr[4] = { "BIN", "SKU", "ITEM", "QTY" };

		oms_doc_page(doc);
		snprintf(when, sizeof when, "%s%s", a[0].cutoff[0] ?
		    ", cutoff " : "", a[0].cutoff);
		snprintf(head, sizeof head, "Pick list %s - %s%s", id,
		    a[0].location, when);
		oms_doc_line(doc, 16, 1, head);
		snprintf(head, sizeof head, "Service %s, priority %lld, %d "
		    "order%s", a[0].service[0] ? a[0].service : "any",
		    (long long)a[0].priority, cJSON_GetArraySize(orders),
		    cJSON_GetArraySize(orders) == 1 ? "" : "s");
		oms_doc_line(doc, 10, 0, head);
		oms_doc_rule(doc);
		oms_doc_row(doc, 10, 1, 4, hdr, x);
	}
	for (int k = 0; k < npl; k++) {
		cJSON *l = cJSON_CreateObject();

		if (pl[k].bin[0] != '\0')
			cJSON_AddStringToObject(l, "bin", pl[k].bin);
		cJSON_AddStringToObject(l, "sku", pl[k].sku);
		cJSON_AddNumberToObject(l, "qty", (double)pl[k].qty);
		cJSON_AddItemToObject(l, "orders", pl[k].orders);
		cJSON_AddItemToArray(lines, l);
		if (doc != NULL) {
			static const int x[4] = { 0, 110, 230, 460 };
			char q[32];
			const char *cells[4];

			snprintf(q, sizeof q, "%lld", (long long)pl[k].qty);
			cells[0] = pl[k].bin[0] ? pl[k].bin : "-";
			cells[1] = pl[k].sku;
			cells[2] = pl[k].title;
			cells[3] = q;
			oms_doc_row(doc, 10, 0, 4, cells, x);
		}
	}
	free(pl);
	return r;
}

/* The list as printed, kept with its wave so that it prints again. */
static int
keep_record(oms_db *db, int64_t wave, const cJSON *rec)
{
	static const char sql[] = "UPDATE waves SET record = ? WHERE id = ?";
	char *text = oms_json_print(rec);
	int rc;

	if (text == NULL)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	rc = oms_db_run(db, sql, "cannot store a wave", "sI", text, wave);
	free(text);
	return rc;
}

static void
free_allocs(struct palloc *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a[i].location);
		free(a[i].sku);
		free(a[i].service);
		free(a[i].cutoff);
		free(a[i].bin);
		free(a[i].title);
	}
	free(a);
}

/*
 * Put every active allocation not yet picked (at location, when given)
 * on a wave; fn gets each wave's pick list after the commit, and doc, when
 * given, a page for each.
 */
/* The pick lists as PDF into path, whole or not at all. */
static int
write_pdf(const struct oms_doc *doc, const char *path)
{
	struct oms_buf b = { 0 };
	int rc;

	oms_doc_pdf(doc, &b);
	rc = oms_write_file(path, b.s, b.len);
	oms_buf_free(&b);
	return rc;
}

int
oms_pick(oms_db *db, const char *location, int wave_size, const char *pdf,
    oms_rec_fn fn, void *arg, long *waves)
{
	struct oms_doc *doc = pdf ? oms_doc_new() : NULL;
	static const char sql[] =
	    "SELECT a.id, a.order_id, a.location, a.sku, a.qty, o.priority, "
	    "coalesce((SELECT j.value ->> '$.service' FROM routes r, "
	    "  json_each(r.record, '$.shipments') AS j "
	    "  WHERE r.order_id = a.order_id "
	    "  AND j.value ->> '$.location' = a.location LIMIT 1), '') AS svc, "
	    "coalesce(l.cutoff, '') AS cut, coalesce(b.bin, ''), "
	    "coalesce(p.title, '') "
	    "FROM allocations a JOIN orders o ON o.id = a.order_id "
	    "JOIN locations l ON l.id = a.location "
	    "LEFT JOIN products p ON p.sku = a.sku "
	    "LEFT JOIN product_bins b ON b.sku = a.sku AND b.location = a.location "
	    "WHERE a.state = 'active' AND (CAST(?1 AS TEXT) IS NULL OR "
	    "a.location = ?1) "
	    "AND o.status IN ('allocated', 'partial', 'partly_shipped') "
	    "AND NOT EXISTS (SELECT 1 FROM cancel_requests c "
	    "  WHERE c.order_id = a.order_id AND c.state = 'pending') "
	    "AND NOT EXISTS (SELECT 1 FROM picks k WHERE k.allocation_id = a.id) "
	    "ORDER BY a.location, cut, svc, o.priority DESC, "
	    "o.placed_at NULLS FIRST, a.order_id, a.id";
	struct palloc *a = NULL;
	cJSON **recs = NULL;
	size_t n = 0, nrecs = 0;
	oms_stmt *st;
	int rc;

	*waves = 0;
	if ((rc = oms_db_begin(db)) != OMS_OK) {
		oms_doc_free(doc);
		return rc;
	}
	if ((st = oms_db_stmt(db, sql)) == NULL) {
		oms_db_rollback(db);
		oms_doc_free(doc);
		return OMS_ERR;
	}
	if (location != NULL)
		oms_bind_text(st, 1, location);
	while ((rc = oms_step(st)) == OMS_ROW) {
		struct palloc *x;

		a = erealloc(a, (n + 1) * sizeof *a);
		x = &a[n++];
		x->id = oms_col_int64(st, 0);
		x->order_id = oms_col_int64(st, 1);
		x->location = estrdup(oms_col_str(st, 2));
		x->sku = estrdup(oms_col_str(st, 3));
		x->qty = oms_col_int64(st, 4);
		x->priority = oms_col_int64(st, 5);
		x->service = estrdup(oms_col_str(st, 6));
		x->cutoff = estrdup(oms_col_str(st, 7));
		x->bin = estrdup(oms_col_str(st, 8));
		x->title = estrdup(oms_col_str(st, 9));
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		rc = oms_db_fail(db, rc, "cannot read the allocations");
		goto fail;
	}
	rc = OMS_OK;
	for (size_t i = 0; i < n; ) {
		size_t j = i;
		int orders = 0;
		int64_t wave;

		/* A wave: the same key, at most wave_size orders. */
		while (j < n && same_key(&a[i], &a[j])) {
			if (j == i || a[j].order_id != a[j - 1].order_id) {
				if (orders == wave_size)
					break;
				orders++;
			}
			j++;
		}
		if ((rc = store_wave(db, &a[i], (int)(j - i), &wave)) != OMS_OK)
			goto fail;
		recs = erealloc(recs, (nrecs + 1) * sizeof *recs);
		recs[nrecs++] = wave_record(&a[i], (int)(j - i), wave, doc);
		if ((rc = keep_record(db, wave, recs[nrecs - 1])) != OMS_OK)
			goto fail;
		i = j;
	}
	/* The lists on paper before they count as made. */
	if (doc != NULL) {
		if (nrecs == 0)
			oms_doc_line(doc, 12, 0, "Nothing to pick.");
		if ((rc = write_pdf(doc, pdf)) != OMS_OK)
			goto fail;
	}
	if ((rc = oms_db_commit(db)) != OMS_OK)
		goto done;
	*waves = (long)nrecs;
	for (size_t i = 0; i < nrecs && rc == OMS_OK; i++)
		rc = fn(arg, recs[i]);
	goto done;
fail:
	oms_db_rollback(db);
done:
	oms_doc_free(doc);
	for (size_t i = 0; i < nrecs; i++)
		cJSON_Delete(recs[i]);
	free(recs);
	free_allocs(a, n);
	return rc;
}

/*
 * The pick lists of waves first to last, as they were printed when made:
 * fn gets each one's text.  A wave not there, or made before the lists
 * were kept, is refused before anything is given to fn.
 */
int
oms_pick_reprint(oms_db *db, int64_t first, int64_t last,
    int (*fn)(void *arg, const char *text), void *arg)
{
	static const char sql[] =
	    "SELECT id, record FROM waves WHERE id BETWEEN ? AND ? ORDER BY id";
	oms_stmt *st;
	int64_t want = first;
	int rc, r = OMS_OK;

	/* Read twice: first that each is there, then print them. */
	for (int pass = 0; pass < 2; pass++) {
		want = first;
		if ((st = oms_db_query(db, sql, "II", first, last)) == NULL)
			return OMS_ERR;
		while ((rc = oms_step(st)) == OMS_ROW) {
			int64_t id = oms_col_int64(st, 0);

			if (id != want)
				break;
			if (oms_col_null(st, 1)) {
				oms_reset(st);
				return oms_reject("wave W%lld was made "
				    "before pick lists were kept: it cannot be "
				    "printed again", (long long)id);
			}
			if (pass == 1 && (r = fn(arg, oms_col_text(st, 1))) !=
			    OMS_OK)
				break;
			want++;
		}
		oms_reset(st);
		if (r != OMS_OK)
			return r;
		if (rc != OMS_ROW && rc != OMS_DONE)
			return oms_db_fail(db, rc, "cannot read the waves");
		if (want <= last)
			return oms_reject("no wave W%lld", (long long)want);
	}
	return OMS_OK;
}
