/*
 * ship.c: turn allocations into parcels: pack, buy the label, print it,
 * take the stock out, and follow the parcel.
 *
 * One shipment is what one location sends for one order in one go: every
 * allocation of the order still active there.  Its request id is made
 * from those allocations, so asking again for the same shipment (a run
 * that died after the carrier sold the label) asks with the same id and
 * the carrier answers with the same label.  A parcel abroad declares its
 * goods (customs.c); a label reply's documents are the carrier's own
 * labels and papers (carrierdoc.c), written as they came, and only a
 * reply without them gets labels drawn here.  The carrier is called with
 * no transaction open; then the labels are written, and one short
 * transaction checks the allocations are still active, records the
 * shipment, and moves the stock through the ledger: a release of the
 * reservation and an adjustment of on hand (reason "shipped").
 */
#include <sys/stat.h>

#include <ctype.h>
#include <math.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bounds.h"
#include "oms.h"
#include "order.h"
#include "route.h"
#include "ship.h"
#include "stock.h"
#include "label.h"
#include "tracking.h"

#define MAXPKG 20

struct box {
	char *name;
	int64_t dims[3], max_g, tare_g;	/* dims sorted, largest first */
};

struct oms_shipper {
	oms_db *db;
	const char *carrier, *dir, *service, *slips;
	int dpi;
	int zpl, pdf;		/* the labels drawn here: ZPL, PDF, or both */
	struct box *boxes;
	int nboxes;
	double fill;
	cJSON *boxdoc;
	char now[OMS_TIME_LEN];
	char instance[40];	/* this database's name, for request ids */
	struct oms_rules *rules;	/* a rule may name the service */
	long shipped, refused;
	/*
	 * Batches (oms_ship_orders): whether the adapter answers the verb
	 * batch, as its verb capabilities declares (-1 not asked yet, 0 no,
	 * 1 yes), for which of rate and label, and the most requests and
	 * bytes of request one batch may hold.
	 */
	int batch, batch_rate, batch_label, batch_max;
	size_t batch_bytes;
};

struct item {
	int64_t alloc, qty, grams, dims[3];
	int line_no;
	char *sku;
};

static void
sort3(int64_t d[3])
{
	for (int i = 0; i < 2; i++)
		for (int j = i + 1; j < 3; j++)
			if (d[j] > d[i]) {
				int64_t t = d[i];

				d[i] = d[j];
				d[j] = t;
			}
}

/*
 * A whole number of a box, lo to hi: one that is not, or is missing where
 * needed, is an error naming the file and the box.
 */
static int
box_int(const cJSON *b, const char *key, int need, int64_t lo, int64_t hi,
    int64_t *out, const char *path, int n, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, key);

	if (v == NULL && !need)
		return OMS_OK;
	if (v == NULL)
		return oms_seterr("%s: box %d (%s): no %s", path, n, name, key);
	if (!cJSON_IsNumber(v) || oms_json_int(b, key, out) != OMS_OK ||
	    *out < lo || *out > hi)
		return oms_seterr("%s: box %d (%s): %s must be a whole number "
		    "from %lld to %lld", path, n, name, key, (long long)lo,
		    (long long)hi);
	return OMS_OK;
}

/* boxes.json on the search path: the box types, smallest first. */
static int
load_boxes(struct oms_shipper *sp)
{
	static const char *const dim_keys[] = {
		"length_mm", "width_mm", "height_mm",
	};
	const cJSON *list, *b, *fill;
	char *text, *path = NULL;
	int rc = oms_search_read("boxes.json", &text, &path);

	if (rc == OMS_ERR)
		return rc;
	if (rc == OMS_OK) {
		sp->boxdoc = cJSON_Parse(text);
		free(text);
		if (sp->boxdoc == NULL) {
			rc = oms_seterr("%s: not JSON", path);
			goto out;
		}
	}
	rc = OMS_OK;
	sp->fill = 0.8;
	list = cJSON_GetObjectItemCaseSensitive(sp->boxdoc, "boxes");
	if ((fill = cJSON_GetObjectItemCaseSensitive(sp->boxdoc, "fill")) !=
	    NULL) {
		if (!cJSON_IsNumber(fill) || !(fill->valuedouble > 0 &&
		    fill->valuedouble <= 1)) {
			rc = oms_seterr("%s: fill must be a number over 0, at "
			    "most 1", path);
			goto out;
		}
		sp->fill = fill->valuedouble;
	}
	sp->boxes = ecalloc((size_t)cJSON_GetArraySize(list) + 1,
	    sizeof *sp->boxes);
	cJSON_ArrayForEach(b, list) {
		struct box *x = &sp->boxes[sp->nboxes];
		const char *name = oms_json_str(b, "name");
		int n = sp->nboxes + 1;

		if (name == NULL) {
			rc = oms_seterr("%s: box %d has no name", path, n);
			goto out;
		}
		for (int k = 0; k < 3; k++)
			if ((rc = box_int(b, dim_keys[k], 1, 1, OMS_DIM_MAX,
			    &x->dims[k], path, n, name)) != OMS_OK)
				goto out;
		if ((rc = box_int(b, "max_weight_g", 0, 0, OMS_WEIGHT_MAX,
		    &x->max_g, path, n, name)) != OMS_OK ||
		    (rc = box_int(b, "tare_g", 0, 0, OMS_WEIGHT_MAX, &x->tare_g,
		    path, n, name)) != OMS_OK)
			goto out;
		x->name = estrdup(name);
		sort3(x->dims);
		sp->nboxes++;
	}
	/* Smallest volume first. */
	for (int i = 1; i < sp->nboxes; i++)
		for (int j = i; j > 0; j--) {
			struct box *a = &sp->boxes[j], *p = &sp->boxes[j - 1];

			if (a->dims[0] * a->dims[1] * a->dims[2] >=
			    p->dims[0] * p->dims[1] * p->dims[2])
				break;
			struct box t = *a;

			*a = *p;
			*p = t;
		}
out:
	free(path);
	return rc;
}

int
oms_shipper_open(oms_db *db, const char *carrier, const char *dir,
    const char *service, int dpi, struct oms_shipper **out)
{
	struct oms_shipper *sp = ecalloc(1, sizeof *sp);
	int rc;

	sp->db = db;
	sp->carrier = carrier;
	sp->dir = dir;
	sp->service = service;
	sp->dpi = dpi;
	sp->zpl = sp->pdf = 1;
	sp->batch = -1;
	oms_time_now(sp->now);
	{
		static const char sql[] =
		    "SELECT value FROM settings WHERE key = 'instance'";
		oms_stmt *st = oms_db_stmt(db, sql);

		if (st == NULL) {
			oms_shipper_close(sp);
			return OMS_ERR;
		}
		if ((rc = oms_step(st)) == OMS_ROW)
			snprintf(sp->instance, sizeof sp->instance, "%s",
			    oms_col_text(st, 0));
		oms_reset(st);
		if (rc != OMS_ROW && rc != OMS_DONE) {
			rc = oms_db_fail(db, rc, "cannot read the settings");
			oms_shipper_close(sp);
			return rc;
		}
	}
	if ((rc = oms_rules_current(db, &sp->rules)) != OMS_OK) {
		oms_shipper_close(sp);
		return rc;
	}
	if ((rc = load_boxes(sp)) != OMS_OK) {
		oms_shipper_close(sp);
		return rc;
	}
	if (dir != NULL && mkdir(dir, 0755) != 0 && errno != EEXIST) {
		rc = oms_seterr("cannot make the label directory '%s': %s", dir,
		    strerror(errno));
		oms_shipper_close(sp);
		return rc;
	}
	if (dir != NULL && (rc = oms_dir_check(dir)) != OMS_OK) {
		oms_shipper_close(sp);
		return rc;
	}
	*out = sp;
	return OMS_OK;
}

void
oms_shipper_close(struct oms_shipper *sp)
{
	if (sp == NULL)
		return;
	for (int i = 0; i < sp->nboxes; i++)
		free(sp->boxes[i].name);
	free(sp->boxes);
	cJSON_Delete(sp->boxdoc);
	oms_rules_free(sp->rules);
	free(sp);
}

/*
 * The labels oms-ship draws, for a carrier that sends none: "zpl",
 * "pdf" or "both" (the default).  A carrier's own labels are written as
 * they came, whatever this says.
 */
int
oms_shipper_format(struct oms_shipper *sp, const char *format)
{
	if (strcmp(format, "zpl") != 0 && strcmp(format, "pdf") != 0 &&
	    strcmp(format, "both") != 0)
		return oms_fail(OMS_E_USAGE, "label format '%s': say zpl, pdf "
		    "or both", format);
	sp->zpl = strcmp(format, "pdf") != 0;
	sp->pdf = strcmp(format, "zpl") != 0;
	return OMS_OK;
}

/* Write a packing slip for each shipment into dir, as s_N.pdf. */
int
oms_shipper_slips(struct oms_shipper *sp, const char *dir)
{
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return oms_seterr("cannot make the slip directory '%s': %s", dir,
		    strerror(errno));
	if (oms_dir_check(dir) != OMS_OK)
		return OMS_ERR;
	sp->slips = dir;
	return OMS_OK;
}

void
oms_shipper_counts(const struct oms_shipper *sp, long *shipped, long *refused)
{
	*shipped = sp->shipped;
	*refused = sp->refused;
}


/* ---- packing ------------------------------------------------------------- */

struct pkg {
	const struct box *box;
	int64_t grams;
};

/* An item said as a person finds it: SKU, size and weight. */
static void
item_text(struct oms_buf *b, const struct item *it)
{
	oms_buf_printf(b, "SKU %s", it->sku);
	if (it->dims[0] > 0)
		oms_buf_printf(b, " (%lldx%lldx%lld mm, %lld g)",
		    (long long)it->dims[0], (long long)it->dims[1],
		    (long long)it->dims[2], (long long)it->grams);
	else
		oms_buf_printf(b, " (no size, %lld g)", (long long)it->grams);
}

/* Item it, which box x (the largest) cannot hold, named. */
static int
too_large(const struct item *it, const struct box *x)
{
	struct oms_buf b = { 0 };
	int rc;

	item_text(&b, it);
	rc = oms_reject("%s is larger than the largest box, %s (%lldx%lldx%lld "
	    "mm): add a box that holds it to boxes.json on OMS_PATH", b.s,
	    x->name, (long long)x->dims[0], (long long)x->dims[1],
	    (long long)x->dims[2]);
	oms_buf_free(&b);
	return rc;
}

/*
 * The smallest box that holds everything (the largest item fits its
 * sides, the volume fits at the fill factor, the weight its limit); when
 * none does, as many of the largest box as the weight and volume need,
 * the weight shared between them.  *bad is the item too large for it,
 * or -1.
 */
static int
pack(const struct oms_shipper *sp, const struct item *it, int n,
    struct pkg *pk, int *npk, int *bad)
{
	int64_t grams = 0, big[3] = { 0, 0, 0 };
	double vol = 0;		/* mm3: as a double, it cannot overflow */
	int m;

	*bad = -1;
	for (int i = 0; i < n; i++) {
		grams = oms_sat_add(grams, oms_sat_mul(it[i].qty,
		    it[i].grams));
		vol += (double)it[i].qty * it[i].dims[0] * it[i].dims[1] *
		    it[i].dims[2];
		for (int k = 0; k < 3; k++)
			if (it[i].dims[k] > big[k])
				big[k] = it[i].dims[k];
	}
	for (int b = 0; b < sp->nboxes; b++) {
		const struct box *x = &sp->boxes[b];
		double cap = (double)x->dims[0] * x->dims[1] * x->dims[2];

		if (big[0] <= x->dims[0] && big[1] <= x->dims[1] &&
		    big[2] <= x->dims[2] && vol <= cap * sp->fill &&
		    (x->max_g == 0 || oms_sat_add(grams, x->tare_g) <=
		    x->max_g)) {
			pk[0].box = x;
			pk[0].grams = oms_sat_add(grams, x->tare_g);
			*npk = 1;
			return OMS_OK;
		}
	}
	if (sp->nboxes == 0) {
		pk[0].box = NULL;
		pk[0].grams = grams;
		*npk = 1;
		return OMS_OK;
	}
	{
		const struct box *x = &sp->boxes[sp->nboxes - 1];
		double cap = (double)x->dims[0] * x->dims[1] * x->dims[2] *
		    sp->fill;
		/* max_weight_g 0: no limit by weight. */
		int64_t room = x->max_g == 0 ? INT64_MAX : x->max_g > x->tare_g ?
		    x->max_g - x->tare_g : 1;
		double need;

		for (int i = 0; i < n; i++)
			if (it[i].dims[0] > x->dims[0] ||
			    it[i].dims[1] > x->dims[1] ||
			    it[i].dims[2] > x->dims[2]) {
				*bad = i;
				return too_large(&it[i], x);
			}
		need = room == INT64_MAX ? 1 : ceil((double)grams / room);
		if (cap > 0 && ceil(vol / cap) > need)
			need = ceil(vol / cap);
		if (need > MAXPKG)
			return oms_reject("it needs %.0f boxes of size %s, "
			    "more than %d in one shipment: route its lines to "
			    "more places, or add a larger box to boxes.json "
			    "on OMS_PATH", need, x->name, MAXPKG);
		m = (int)need;
		if (m < 1)
			m = 1;
		for (int i = 0; i < m; i++) {
			pk[i].box = x;
			pk[i].grams = oms_sat_add(grams / m + (i < grams % m),
			    x->tare_g);
		}
		*npk = m;
	}
	return OMS_OK;
}

/* Packages, weight and where to, for a message. */
static const char *
parcel_text(const cJSON *pkgs, const cJSON *to, char *buf, size_t n)
{
	const cJSON *p;
	int64_t g, grams = 0;
	int k = cJSON_GetArraySize(pkgs);

	cJSON_ArrayForEach(p, pkgs)
		if (oms_json_int(p, "weight_g", &g) == OMS_OK && g > 0)
			grams = oms_sat_add(grams, g);
	snprintf(buf, n, "%d package%s, %lld g, to %s %s", k, k == 1 ? "" :
	    "s", (long long)grams, oms_json_str(to, "country") ?
	    oms_json_str(to, "country") : "(no country)",
	    oms_json_str(to, "postal_code") ? oms_json_str(to, "postal_code") :
	    "(no postal code)");
	return buf;
}

/* ---- one shipment ---------------------------------------------------------- */

struct shipment {
	int64_t order_id;
	char *location;
	struct item *items;	/* every allocation at the location: grows */
	int nitems, cap;
	cJSON *order, *loc;	/* the stored records */
	char *channel, *account, *external_id, *deliver_by, *level;
	char *rule;		/* the routing rule that allocated it */
	char request_id[40];
};

static void
shipment_free(struct shipment *s)
{
	free(s->location);
	for (int i = 0; i < s->nitems; i++)
		free(s->items[i].sku);
	free(s->items);
	cJSON_Delete(s->order);
	cJSON_Delete(s->loc);
	free(s->channel);
	free(s->account);
	free(s->external_id);
	free(s->deliver_by);
	free(s->level);
	free(s->rule);
}

/*
 * A refusal of a shipment names its order (as oms_order_may does) and
 * place, and with items its goods, so that a person can find them.
 */
static int
refused(const struct shipment *s, int rc, int items)
{
	struct oms_buf b = { 0 };
	char m[1024];

	if (rc != OMS_REJECT)
		return rc;
	snprintf(m, sizeof m, "%s", oms_error());
	oms_buf_printf(&b, "order o_%lld (%s%s%s %s) at %s",
	    (long long)s->order_id, s->channel, *s->account ? "/" : "",
	    s->account, s->external_id, s->location);
	for (int i = 0; items && i < s->nitems && i < 3; i++) {
		oms_buf_printf(&b, "%s%lld x ", i ? "; " : ", ",
		    (long long)s->items[i].qty);
		item_text(&b, &s->items[i]);
	}
	if (items && s->nitems > 3)
		oms_buf_printf(&b, " and %d more", s->nitems - 3);
	rc = oms_reject("%s: %s", b.s, m);
	oms_buf_free(&b);
	return rc;
}

static int
refused_at(const struct shipment *s, int rc)
{
	return refused(s, rc, 0);
}

/*
 * A shipment on its way, kept from one carrier request to the next so
 * that several shipments' requests can go to the carrier together: made
 * as far as its rate request (job_begin), then its label request
 * (job_rated), its label bought (job_labelled), then written and
 * committed (job_finish).
 */
enum { STEP_RATE, STEP_LABEL, STEP_BOUGHT, STEP_DONE };
static const char *const step_verb[] = { "rate", "label" };

struct job {
	int64_t order_id;
	size_t order;		/* its order's place in a batch */
	char *loc;
	int step;		/* STEP_*: the request it waits on, or after */
	int rc;			/* done: how it ended, its message in err */
	struct oms_errsave *err;
	struct shipment s;
	struct pkg pk[MAXPKG];
	int npk;
	int64_t grams;
	cJSON *from, *to, *pkgs, *customs;
	const char *named;	/* the one service asked for, or NULL */
	int standard;		/* quotes asked again at the standard level */
	cJSON *req;		/* the request it waits on */
	cJSON *reply;		/* the label bought */
	char service[128], sname[128];
	int64_t transit;
	cJSON *price;
	int checked;		/* its numbers checked */
	char *kept;		/* its numbers, kept in stray_labels */
	cJSON *rec;		/* its shipment, committed */
};

/*
 * The shipment order_id makes at loc: every allocation active there, or
 * those of only (n of them) when only is not NULL.
 */
static int
load_shipment(struct oms_shipper *sp, int64_t order_id, const char *loc,
    const int64_t *only, int n, struct shipment *s)
{
	static const char sql_order[] =
	    "SELECT channel, external_id, record, deliver_by, service, account "
	    "FROM orders WHERE id = ?";
	static const char sql_loc[] =
	    "SELECT record FROM locations WHERE id = ?";
	static const char sql_items[] =
	    "SELECT a.id, a.line_no, a.sku, a.qty, a.rule, coalesce(p.weight_g, 0), "
	    "coalesce(p.length_mm, 0), coalesce(p.width_mm, 0), "
	    "coalesce(p.height_mm, 0) FROM allocations a "
	    "LEFT JOIN products p ON p.sku = a.sku "
	    "WHERE a.order_id = ? AND a.location = ? AND a.state = 'active' "
	    "ORDER BY a.id";
	oms_stmt *st;
	uint64_t h = OMS_HASH_INIT;
	char buf[64];
	int rc;

	memset(s, 0, sizeof *s);
	s->order_id = order_id;
	s->location = estrdup(loc);
	if ((st = oms_db_stmt(sp->db, sql_order)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, order_id);
	if ((rc = oms_step(st)) == OMS_ROW) {
		s->channel = estrdup(oms_col_text(st, 0));
		s->account = estrdup(oms_col_text(st, 5));
		s->external_id = estrdup(oms_col_text(st, 1));
		s->order = cJSON_Parse(oms_col_text(st, 2));
		s->deliver_by = oms_col_text(st, 3) ? estrdup(oms_col_text(st, 3)) : NULL;
		s->level = estrdup(oms_col_text(st, 4) && *oms_col_text(st, 4) ?
		    oms_col_text(st, 4) : "standard");
	}
	oms_reset(st);
	if (rc != OMS_ROW)
		return rc == OMS_DONE ? oms_reject("no order o_%lld",
		    (long long)order_id) : oms_db_fail(sp->db, rc,
		    "cannot read an order");
	if ((st = oms_db_stmt(sp->db, sql_loc)) == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, loc);
	if ((rc = oms_step(st)) == OMS_ROW)
		s->loc = cJSON_Parse(oms_col_text(st, 0));
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(sp->db, rc, "cannot read a location");
	if ((st = oms_db_stmt(sp->db, sql_items)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, order_id);
	oms_bind_text(st, 2, loc);
	while ((rc = oms_step(st)) == OMS_ROW) {
		struct item *it;
		int k = 0;

		while (only != NULL && k < n && only[k] != oms_col_int64(st, 0))
			k++;
		if (only != NULL && k == n)
			continue;
		if (s->nitems == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 16;
			s->items = erealloc(s->items, (size_t)s->cap *
			    sizeof *s->items);
		}
		it = &s->items[s->nitems++];
		it->alloc = oms_col_int64(st, 0);
		it->line_no = oms_col_int(st, 1);
		it->sku = estrdup(oms_col_text(st, 2));
		it->qty = oms_col_int64(st, 3);
		if (s->rule == NULL)
			s->rule = estrdup(oms_col_text(st, 4));
		it->grams = oms_col_int64(st, 5);
		it->dims[0] = oms_col_int64(st, 6);
		it->dims[1] = oms_col_int64(st, 7);
		it->dims[2] = oms_col_int64(st, 8);
		sort3(it->dims);
		snprintf(buf, sizeof buf, "a%lld;", (long long)it->alloc);
		h = oms_hash64(buf, strlen(buf), h);
	}
	oms_reset(st);
	if (rc != OMS_DONE && rc != OMS_ROW)
		return oms_db_fail(sp->db, rc, "cannot read the allocations");
	/* After a voided label, a new one is a new purchase. */
	{
		static const char sql_voided[] =
		    "SELECT count(*) FROM shipments WHERE order_id = ? "
		    "AND location = ? AND status = 'voided'";

		if ((st = oms_db_stmt(sp->db, sql_voided)) == NULL)
			return OMS_ERR;
		oms_bind_int64(st, 1, order_id);
		oms_bind_text(st, 2, loc);
		rc = oms_step(st);
		snprintf(buf, sizeof buf, "v%lld;", (long long)
		    oms_col_int64(st, 0));
		oms_reset(st);
		if (rc != OMS_ROW)
			return oms_db_fail(sp->db, rc, "cannot read the shipments");
		h = oms_hash64(buf, strlen(buf), h);
	}
	snprintf(buf, sizeof buf, "o%lld@%s;", (long long)order_id, loc);
	h = oms_hash64(buf, strlen(buf), h);
	h = oms_hash64(sp->instance, strlen(sp->instance), h);
	snprintf(s->request_id, sizeof s->request_id, "oms-%016llx",
	    (unsigned long long)h);
	return OMS_OK;
}

static cJSON *
address_of(const cJSON *o, const char *key)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, key);

	return a ? cJSON_Duplicate(a, 1) : cJSON_CreateObject();
}

/* A location's address as a label's ship-from: its name and address. */
static cJSON *
from_address(const struct shipment *s)
{
	cJSON *a = address_of(s->loc, "address");
	const char *name = oms_json_str(s->loc, "name");

	if (cJSON_GetObjectItemCaseSensitive(a, "name") == NULL)
		cJSON_AddStringToObject(a, "name", name ? name :
		    oms_json_str(s->loc, "id"));
	return a;
}

/* A tracking number names files: letters and digits only. */
static int
safe_id(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isalnum((unsigned char)s[n]))
			return 0;
	return n >= 6 && n <= 40;
}

/*
 * b written as DIR/NAME, its path into *path; flushed to disk unless
 * !sync (the files of a shipment are flushed together, oms_sync_files).
 */
static int
write_file(const char *dir, const char *name, const struct oms_buf *b,
    int sync, char **path)
{
	struct oms_buf p = { 0 };
	int rc;

	oms_buf_printf(&p, "%s/%s", dir, name);
	if ((rc = sync ? oms_write_file(p.s, b->s, b->len) :
	    oms_write_file_nosync(p.s, b->s, b->len)) == OMS_OK)
		*path = p.s;
	else
		oms_buf_free(&p);
	return rc;
}

/*
 * A tracking number another shipment has already is an adapter's error:
 * as the first package's (by the index), and, unless !scan (the caller
 * looks at a batch's numbers at once), as another package's, which
 * reads every shipment of several packages.
 */
static int
tracking_taken(struct oms_shipper *sp, const char *number,
    const char *request_id, int scan)
{
	static const char sql_first[] =
	    "SELECT 1 FROM shipments WHERE request_id <> ?2 AND tracking = ?1 "
	    "LIMIT 1";
	static const char sql[] =
	    "SELECT 1 FROM shipments WHERE request_id <> ?2 AND tracking = ?1 "
	    "UNION ALL "
	    "SELECT 1 FROM shipments WHERE request_id <> ?2 AND packages > 1 "
	    "AND EXISTS (SELECT 1 FROM json_each(record, '$.packages') AS p "
	    "WHERE p.value ->> '$.tracking' = ?1) LIMIT 1";
	oms_stmt *st = oms_db_stmt(sp->db, scan ? sql : sql_first);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, number);
	oms_bind_text(st, 2, request_id);
	rc = oms_step(st);
	oms_reset(st);
	if (rc == OMS_ROW)
		return oms_fail(OMS_E_CARRIER, "carrier %s answered label "
		    "with tracking number %s, which another shipment has",
		    sp->carrier, number);
	if (rc != OMS_DONE)
		return oms_db_fail(sp->db, rc, "cannot read the shipments");
	return OMS_OK;
}

/*
 * The rate request of job j, into j->req: the quotes for its parcel,
 * of the service named (--service, else the one the routing rule names)
 * alone, else of the order's service level.
 */
static int
rate_request(struct oms_shipper *sp, struct job *j)
{
	const struct shipment *s = &j->s;
	cJSON *req;
	int rc;

	/* --service, else the service the routing rule names, else shop. */
	j->named = sp->service;
	for (int i = 0; j->named == NULL && s->rule != NULL &&
	    i < sp->rules->n; i++)
		if (strcmp(sp->rules->r[i].name, s->rule) == 0)
			j->named = sp->rules->r[i].service;
	req = cJSON_CreateObject();
	/* How far: the zone of a rate table goes by the distance. */
	{
		struct oms_point a, b;
		const cJSON *la = cJSON_GetObjectItemCaseSensitive(s->loc, "lat");
		const cJSON *lo = cJSON_GetObjectItemCaseSensitive(s->loc, "lon");

		if (cJSON_IsNumber(la) && cJSON_IsNumber(lo)) {
			a.lat = la->valuedouble;
			a.lon = lo->valuedouble;
			a.how = "location";
		} else if ((rc = oms_geo_point(sp->db, oms_json_str(j->from,
		    "country"), oms_json_str(j->from, "region"),
		    oms_json_str(j->from, "postal_code"), &a)) != OMS_OK) {
			cJSON_Delete(req);
			return rc;
		}
		if ((rc = oms_geo_point(sp->db, oms_json_str(j->to, "country"),
		    oms_json_str(j->to, "region"), oms_json_str(j->to,
		    "postal_code"), &b)) != OMS_OK) {
			cJSON_Delete(req);
			return rc;
		}
		if (a.how != NULL && b.how != NULL) {
			char km[32];

			snprintf(km, sizeof km, "%.1f", oms_geo_km(a.lat, a.lon,
			    b.lat, b.lon));
			cJSON_AddItemToObject(req, "distance_km",
			    cJSON_CreateRaw(km));
		}
	}
	/* A named service is asked for alone: for its name and its days. */
	if (j->named != NULL)
		cJSON_AddStringToObject(req, "service", j->named);
	cJSON_AddStringToObject(req, "request_id", s->request_id);
	cJSON_AddStringToObject(req, "level", s->level);
	cJSON_AddItemToObject(req, "from", cJSON_Duplicate(j->from, 1));
	cJSON_AddItemToObject(req, "to", cJSON_Duplicate(j->to, 1));
	cJSON_AddItemToObject(req, "packages", cJSON_Duplicate(j->pkgs, 1));
	if (j->customs != NULL)
		cJSON_AddItemToObject(req, "customs", cJSON_Duplicate(
		    j->customs, 1));
	cJSON_Delete(j->req);
	j->req = req;
	return OMS_OK;
}

/*
 * Job j's quotes came: the service to buy, named, else the cheapest that
 * keeps the promise.  A level no service knows by that name is asked
 * again as the standard one, as routing does: *again then says so, and
 * j->req is that request.
 */
static int
pick_service(struct oms_shipper *sp, struct job *j, const cJSON *reply,
    int *again)
{
	const struct shipment *s = &j->s;
	const cJSON *r, *pick = NULL;
	char parcel[160];

	*again = 0;
	j->transit = -1;
	j->sname[0] = '\0';
	if (j->named == NULL && !j->standard && strcmp(s->level,
	    "standard") != 0 && cJSON_GetArraySize(
	    cJSON_GetObjectItemCaseSensitive(reply, "rates")) == 0) {
		cJSON_ReplaceItemInObjectCaseSensitive(j->req, "level",
		    cJSON_CreateString("standard"));
		j->standard = 1;
		*again = 1;
		return OMS_OK;
	}
	/* Cheapest first: the first that arrives in time, else the first. */
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(reply, "rates")) {
		int64_t days, by, now;

		if (oms_json_str(r, "service") == NULL)
			continue;
		if (pick == NULL)
			pick = r;
		if (s->deliver_by == NULL)
			break;
		if (oms_json_int(r, "transit_days", &days) == OMS_OK &&
		    days >= 0 && days <= 365 &&
		    oms_time_to_epoch(s->deliver_by, &by) == OMS_OK &&
		    oms_time_to_epoch(sp->now, &now) == OMS_OK &&
		    now + days * 86400 <= by) {
			pick = r;
			break;
		}
	}
	if (pick == NULL) {
		if (j->named != NULL)
			return oms_reject("carrier %s cannot send this shipment "
			    "by %s (%s): name another service with --service "
			    "or in the routing rule", sp->carrier, j->named,
			    parcel_text(j->pkgs, j->to, parcel, sizeof parcel));
		return oms_reject("carrier %s has no service for this shipment "
		    "(%s): ship it with another --carrier", sp->carrier,
		    parcel_text(j->pkgs, j->to, parcel, sizeof parcel));
	}
	snprintf(j->service, sizeof j->service, "%s", oms_json_str(pick,
	    "service"));
	if (oms_json_int(pick, "transit_days", &j->transit) != OMS_OK ||
	    j->transit < 0 || j->transit > 365)
		j->transit = -1;
	if (oms_json_str(pick, "name") != NULL)
		snprintf(j->sname, sizeof j->sname, "%s", oms_json_str(pick,
		    "name"));
	cJSON_Delete(j->price);
	j->price = NULL;
	if (oms_json_str(pick, "price") != NULL &&
	    oms_json_str(pick, "currency") != NULL) {
		j->price = cJSON_CreateObject();
		cJSON_AddStringToObject(j->price, "cost", oms_json_str(pick,
		    "price"));
		cJSON_AddStringToObject(j->price, "cost_currency",
		    oms_json_str(pick, "currency"));
	}
	return OMS_OK;
}

static int
move(oms_db *db, const char *kind, const struct item *it, const char *loc,
    const char *ref, int64_t sid, const char *keyfmt)
{
	cJSON *m = cJSON_CreateObject();
	char key[64];
	int rc;

	/* "adjust" takes a parcel's stock out, "adjust+" puts it back. */
	int back = strcmp(kind, "adjust+") == 0;

	/* A parcel's movements are keyed by it: a reship is another's. */
	snprintf(key, sizeof key, keyfmt, (long long)sid, (long long)it->alloc);
	cJSON_AddStringToObject(m, "type", "movement");
	cJSON_AddStringToObject(m, "kind", back ? "adjust" : kind);
	cJSON_AddStringToObject(m, "sku", it->sku);
	cJSON_AddStringToObject(m, "location", loc);
	cJSON_AddNumberToObject(m, "qty", strcmp(kind, "adjust") == 0 ?
	    (double)-it->qty : (double)it->qty);
	if (strcmp(kind, "adjust") == 0)
		cJSON_AddStringToObject(m, "reason", "shipped");
	else if (back)
		cJSON_AddStringToObject(m, "reason", "label voided");
	cJSON_AddStringToObject(m, "ref", ref);
	cJSON_AddStringToObject(m, "key", key);
	rc = oms_stock_move(db, m, NULL);
	cJSON_Delete(m);
	return rc;
}

/*
 * Each line of an order: the units shipped, from its allocations that
 * have (whole kits, for a kit line).
 */
static const char sql_shipped[] =
    "UPDATE order_lines SET shipped = coalesce(("
    "  SELECT CASE WHEN EXISTS (SELECT 1 FROM kit_components k "
    "    WHERE k.kit_sku = order_lines.sku) THEN ("
    "    SELECT min(CAST(coalesce(s.n, 0) AS BIGINT) / k.qty) "
    "    FROM kit_components k "
    "    LEFT JOIN (SELECT sku, sum(qty) AS n FROM allocations "
    "      WHERE order_id = ?1 AND line_no = order_lines.line_no "
    "      AND state = 'shipped' GROUP BY sku) AS s ON s.sku = k.sku "
    "    WHERE k.kit_sku = order_lines.sku) "
    "  ELSE (SELECT sum(qty) FROM allocations WHERE order_id = ?1 "
    "    AND line_no = order_lines.line_no AND state = 'shipped') END"
    "), 0) WHERE order_id = ?1";

/*
 * Inside the shipping transaction: each allocation still belongs to a
 * line of the order, of its sku or of a kit with that component, and no
 * line has more allocated than it still wants.  An order changed since it
 * was routed is refused, not shipped with the wrong goods.
 */
static int
allocations_match(oms_db *db, const struct shipment *s)
{
	static const char sql[] =
	    "SELECT a.id, a.line_no, a.sku, l.sku, l.qty - l.cancelled, "
	    "l.allocated FROM allocations a LEFT JOIN order_lines l "
	    "ON l.order_id = a.order_id AND l.line_no = a.line_no "
	    "WHERE a.id = ?1 AND (l.line_no IS NULL OR l.allocated > "
	    "l.qty - l.cancelled - CASE WHEN l.fulfilled > l.shipped THEN "
	    "l.fulfilled - l.shipped ELSE 0 END OR (a.sku <> l.sku AND NOT EXISTS ("
	    "SELECT 1 FROM kit_components k WHERE k.kit_sku = l.sku "
	    "AND k.sku = a.sku)))";
	int rc;

	for (int i = 0; i < s->nitems; i++) {
		oms_stmt *st = oms_db_stmt(db, sql);

		if (st == NULL)
			return OMS_ERR;
		oms_bind_int64(st, 1, s->items[i].alloc);
		rc = oms_step(st);
		if (rc == OMS_ROW) {
			char msg[512];

			if (oms_col_null(st, 3) &&
			    oms_col_null(st, 4))
				snprintf(msg, sizeof msg, "changed since it "
				    "was routed: line %d (SKU %s) is gone",
				    oms_col_int(st, 1), oms_col_text(st, 2));
			else
				snprintf(msg, sizeof msg, "changed since it "
				    "was routed: line %d is SKU %s x %lld, "
				    "allocated SKU %s",
				    oms_col_int(st, 1), oms_col_text(st, 3) ?
				    oms_col_text(st, 3) : "(no sku)",
				    (long long)oms_col_int64(st, 4),
				    oms_col_text(st, 2));
			oms_reset(st);
			return refused_at(s, oms_reject("%s: route it again "
			    "(oms-route)", msg));
		}
		oms_reset(st);
		if (rc != OMS_DONE)
			return oms_db_fail(db, rc, "cannot read the allocations");
	}
	return OMS_OK;
}

/*
 * The rows a shipment changes, locked in the order every writer that
 * locks by row takes them (route.c too): the order, its allocations, then
 * the levels by sku and location.  Two warehouses shipping other orders
 * run beside one another; two runs shipping one order, one after the
 * other, the second finding it shipped.
 */
static const struct oms_lock lock_order =
    OMS_LOCK("SELECT id FROM orders WHERE id = ?");
static const struct oms_lock lock_allocations =
    OMS_LOCK("SELECT id FROM allocations WHERE order_id = ? ORDER BY id");
static const struct oms_lock lock_levels =
    OMS_LOCK("SELECT sku FROM levels WHERE location = ? AND sku IN "
    "(SELECT sku FROM allocations WHERE order_id = ? AND location = ? "
    "AND state = 'active') ORDER BY sku, location");

/*
 * Record the shipment and take its stock out, in one transaction; kept,
 * when not NULL, its tracking numbers as keep_labels kept them, no
 * longer a stray label once the shipment has them.
 */
static int
commit_shipment(struct oms_shipper *sp, struct shipment *s, cJSON *rec,
    const char *kept, int64_t *sid)
{
	static const char sql_active[] =
	    "SELECT state FROM allocations WHERE id = ?";
	static const char sql_taken[] =
	    "SELECT 1 FROM shipments WHERE request_id = ?";
	static const char sql_put[] =
	    "INSERT INTO shipments (order_id, location, request_id, carrier, "
	    "carrier_code, service, service_name, status, tracking, packages, "
	    "weight_g, test, shipped_at, cost, currency, record) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, 'shipped', ?, ?, ?, ?, ?, ?, ?, '{}')";
	static const char sql_line[] =
	    "INSERT INTO shipment_lines (shipment_id, allocation_id, line_no, "
	    "sku, qty) VALUES (?, ?, ?, ?, ?)";
	static const char sql_alloc[] =
	    "UPDATE allocations SET state = 'shipped', ended_at = ? WHERE id = ?";
	static const char sql_record[] =
	    "UPDATE shipments SET record = ? WHERE id = ?";
	static const char sql_kept[] =
	    "DELETE FROM stray_labels WHERE request_id = ? AND tracking = ?";
	oms_stmt *st;
	char ref[32], *text;
	int rc, nested;

	if ((rc = oms_db_write_rows(sp->db, &nested)) != OMS_OK)
		return rc;
	if ((rc = oms_db_lock(sp->db, &lock_order, OMS_LOCK_WAIT, "I",
	    s->order_id)) != OMS_OK || (rc = oms_db_lock(sp->db,
	    &lock_allocations, OMS_LOCK_WAIT, "I", s->order_id)) != OMS_OK ||
	    (rc = oms_db_lock(sp->db, &lock_levels, OMS_LOCK_WAIT, "tIt",
	    s->location, s->order_id, s->location)) != OMS_OK)
		goto fail_rc;
	/* What the order is now, not what the routed file said. */
	if ((rc = oms_order_may(sp->db, s->order_id, OMS_ACT_SHIP)) != OMS_OK ||
	    (rc = allocations_match(sp->db, s)) != OMS_OK)
		goto fail_rc;
	for (int i = 0; i < s->nitems; i++) {
		if ((st = oms_db_stmt(sp->db, sql_active)) == NULL)
			goto fail;
		oms_bind_int64(st, 1, s->items[i].alloc);
		rc = oms_step(st);
		if (rc == OMS_ROW && strcmp(oms_col_text(st, 0), "active") != 0) {
			oms_reset(st);
			rc = refused_at(s, oms_reject("shipped or released by "
			    "another run meanwhile: nothing to do"));
			goto fail_rc;
		}
		oms_reset(st);
	}
	/*
	 * Another run stored this purchase meanwhile, and a void since made
	 * its allocations active again: that void ended this purchase too.
	 * The next run asks again under a new request id.
	 */
	if ((st = oms_db_query(sp->db, sql_taken, "t", s->request_id)) == NULL)
		goto fail;
	rc = oms_step(st);
	oms_reset(st);
	if (rc == OMS_ROW) {
		rc = refused_at(s, oms_reject("shipped or released by another "
		    "run meanwhile: nothing to do"));
		goto fail_rc;
	}
	if (rc != OMS_DONE) {
		rc = oms_db_fail(sp->db, rc, "cannot read the shipments");
		goto fail_rc;
	}
	if ((st = oms_db_stmt(sp->db, sql_put)) == NULL)
		goto fail;
	oms_bind_int64(st, 1, s->order_id);
	oms_bind_text(st, 2, s->location);
	oms_bind_text(st, 3, s->request_id);
	oms_bind_text(st, 4, sp->carrier);
	oms_bind_text(st, 5, oms_json_str(rec, "carrier_code"));
	oms_bind_text(st, 6, oms_json_str(rec, "service"));
	oms_bind_text(st, 7, oms_json_str(rec, "service_name"));
	oms_bind_text(st, 8, oms_json_str(rec, "tracking"));
	oms_bind_int(st, 9, cJSON_GetArraySize(
	    cJSON_GetObjectItemCaseSensitive(rec, "packages")));
	oms_bind_int64(st, 10, (int64_t)cJSON_GetObjectItemCaseSensitive(rec,
	    "weight_g")->valuedouble);
	oms_bind_int(st, 11, cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(rec, "test")));
	/* When it left: now, or when the one who shipped it says. */
	oms_bind_text(st, 12, oms_json_str(rec, "shipped_at") ?
	    oms_json_str(rec, "shipped_at") : sp->now);
	{
		const char *cost = oms_json_str(rec, "cost");
		const char *cur = oms_json_str(rec, "cost_currency");
		int64_t v;

		if (cost != NULL && cur != NULL && oms_money_parse(cost,
		    oms_currency_exponent(cur), &v) == OMS_OK) {
			oms_bind_int64(st, 13, v);
			oms_bind_text(st, 14, cur);
		} else {
			oms_bind_null(st, 13);
			oms_bind_null(st, 14);
		}
	}
	if ((rc = oms_db_step_done(sp->db, st, "cannot store a shipment")) !=
	    OMS_OK)
		goto fail_rc;
	*sid = oms_db_last_id(sp->db);
	snprintf(ref, sizeof ref, "s_%lld", (long long)*sid);
	for (int i = 0; i < s->nitems; i++) {
		const struct item *it = &s->items[i];

		if ((st = oms_db_stmt(sp->db, sql_line)) == NULL)
			goto fail;
		oms_bind_int64(st, 1, *sid);
		oms_bind_int64(st, 2, it->alloc);
		oms_bind_int(st, 3, it->line_no);
		oms_bind_text(st, 4, it->sku);
		oms_bind_int64(st, 5, it->qty);
		if ((rc = oms_db_step_done(sp->db, st, "cannot store a shipment "
		    "line")) != OMS_OK)
			goto fail_rc;
		if ((rc = move(sp->db, "release", it, s->location, ref,
		    *sid, "ship:release:s%lld:a%lld")) != OMS_OK ||
		    (rc = move(sp->db, "adjust", it, s->location, ref,
		    *sid, "ship:s%lld:a%lld")) != OMS_OK)
			goto fail_rc;
		if ((st = oms_db_stmt(sp->db, sql_alloc)) == NULL)
			goto fail;
		oms_bind_text(st, 1, sp->now);
		oms_bind_int64(st, 2, it->alloc);
		if ((rc = oms_db_step_done(sp->db, st, "cannot update an "
		    "allocation")) != OMS_OK)
			goto fail_rc;
	}
	if ((st = oms_db_stmt(sp->db, sql_shipped)) == NULL)
		goto fail;
	oms_bind_int64(st, 1, s->order_id);
	if ((rc = oms_db_step_done(sp->db, st, "cannot update an order")) !=
	    OMS_OK)
		goto fail_rc;
	cJSON_ReplaceItemInObjectCaseSensitive(rec, "id", cJSON_CreateString(ref));
	cJSON_AddStringToObject(rec, "status", "shipped");
	text = oms_json_print(rec);
	if ((st = oms_db_stmt(sp->db, sql_record)) == NULL) {
		free(text);
		goto fail;
	}
	oms_bind_text(st, 1, text);
	oms_bind_int64(st, 2, *sid);
	free(text);
	if ((rc = oms_db_step_done(sp->db, st, "cannot store a shipment")) !=
	    OMS_OK)
		goto fail_rc;
	if (kept != NULL && (rc = oms_db_run(sp->db, sql_kept, "cannot "
	    "update a stray label", "tt", s->request_id, kept)) != OMS_OK)
		goto fail_rc;
	{
		/* The status the parcel leaves the order in, with its event. */
		cJSON *x = cJSON_CreateObject();
		char was[32], now[32];

		cJSON_AddStringToObject(x, "shipment", ref);
		cJSON_AddItemToObject(x, "location", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(rec, "location"), 1));
		cJSON_AddItemToObject(x, "tracking", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(rec, "tracking"), 1));
		rc = oms_order_expected(sp->db, s->order_id, was, now, NULL);
		if (rc == OMS_OK)
			rc = oms_order_status(sp->db, s->order_id, "shipped", now,
			    NULL, x);
		cJSON_Delete(x);
		if (rc != OMS_OK)
			goto fail_rc;
	}
	return oms_db_write_end(sp->db, nested, OMS_OK);
fail:
	rc = OMS_ERR;
fail_rc:
	return oms_db_write_end(sp->db, nested, rc);
}

static void
addr_lines(struct oms_doc *d, const cJSON *a)
{
	static const char *const keys[] = { "name", "company", "address1",
	    "address2", NULL };
	struct oms_buf t = { 0 };

	for (int i = 0; keys[i]; i++)
		if (oms_json_str(a, keys[i]) && *oms_json_str(a, keys[i]))
			oms_doc_line(d, 11, 0, oms_json_str(a, keys[i]));
	oms_buf_printf(&t, "%s%s%s %s", oms_json_str(a, "city") ?
	    oms_json_str(a, "city") : "", oms_json_str(a, "region") ? ", " : "",
	    oms_json_str(a, "region") ? oms_json_str(a, "region") : "",
	    oms_json_str(a, "postal_code") ? oms_json_str(a, "postal_code") :
	    "");
	oms_doc_line(d, 11, 0, t.s);
	if (oms_json_str(a, "country"))
		oms_doc_line(d, 11, 0, oms_json_str(a, "country"));
	oms_buf_free(&t);
}

/*
 * The whole kits of a kit line this parcel completes: the least, over the
 * kit's components, of what has shipped of each (with this parcel) over
 * its quantity a kit, less the kits the line had shipped before.  A kit
 * whose components leave from two places is confirmed once, with the
 * parcel that completes it.
 */
static int
kit_units(struct oms_shipper *sp, const struct shipment *s, int line_no,
    const char *kit, int64_t *units)
{
	static const char sql[] =
	    "SELECT k.sku, k.qty, coalesce((SELECT sum(a.qty) FROM allocations a "
	    "  WHERE a.order_id = ?1 AND a.line_no = ?2 AND a.sku = k.sku "
	    "  AND a.state = 'shipped'), 0), "
	    "(SELECT shipped FROM order_lines WHERE order_id = ?1 "
	    "  AND line_no = ?2) "
	    "FROM kit_components k WHERE k.kit_sku = ?3";
	oms_stmt *st = oms_db_stmt(sp->db, sql);
	int64_t least = -1, before = 0;
	int rc;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, s->order_id);
	oms_bind_int(st, 2, line_no);
	oms_bind_text(st, 3, kit);
	while ((rc = oms_step(st)) == OMS_ROW) {
		const char *c = oms_col_text(st, 0);
		int64_t per = oms_col_int64(st, 1);
		int64_t have = oms_col_int64(st, 2), k;

		for (int i = 0; i < s->nitems; i++)
			if (s->items[i].line_no == line_no &&
			    strcmp(s->items[i].sku, c) == 0)
				have += s->items[i].qty;
		k = per > 0 ? have / per : 0;
		if (least < 0 || k < least)
			least = k;
		before = oms_col_int64(st, 3);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(sp->db, rc, "cannot read a kit");
	*units = least > before ? least - before : 0;
	return OMS_OK;
}

/*
 * The order lines a shipment carries, as the channel knows them: a kit
 * line counts the whole kits this parcel completes, with the components
 * it holds beside; channels confirm order lines, not components.
 */
static int
shipment_lines(struct oms_shipper *sp, const struct shipment *s, cJSON *r)
{
	cJSON *lines = cJSON_AddArrayToObject(r, "lines");

	for (int i = 0; i < s->nitems; i++) {
		const struct item *it = &s->items[i];
		const cJSON *ol = cJSON_GetArrayItem(
		    cJSON_GetObjectItemCaseSensitive(s->order, "lines"),
		    it->line_no - 1);
		const char *sku = oms_json_str(ol, "sku");
		int kit = sku != NULL && strcmp(sku, it->sku) != 0;
		cJSON *l = NULL, *x;

		cJSON_ArrayForEach(x, lines)
			if ((int)cJSON_GetObjectItemCaseSensitive(x,
			    "line_no")->valuedouble == it->line_no)
				l = x;
		if (l == NULL) {
			int64_t units = it->qty;
			int rc;

			if (kit && (rc = kit_units(sp, s, it->line_no, sku,
			    &units)) != OMS_OK)
				return rc;
			l = cJSON_CreateObject();
			cJSON_AddNumberToObject(l, "line_no", it->line_no);
			if (oms_json_str(ol, "line_id") != NULL)
				cJSON_AddStringToObject(l, "line_id",
				    oms_json_str(ol, "line_id"));
			cJSON_AddStringToObject(l, "sku", sku ? sku : it->sku);
			cJSON_AddNumberToObject(l, "qty", (double)units);
			cJSON_AddItemToArray(lines, l);
		} else if (!kit) {
			cJSON *q = cJSON_GetObjectItemCaseSensitive(l, "qty");

			cJSON_SetNumberValue(q, q->valuedouble + (double)it->qty);
		}
		if (kit) {
			cJSON *c = cJSON_GetObjectItemCaseSensitive(l,
			    "components"), *y;

			if (c == NULL)
				c = cJSON_AddArrayToObject(l, "components");
			y = cJSON_CreateObject();
			cJSON_AddStringToObject(y, "sku", it->sku);
			cJSON_AddNumberToObject(y, "qty", (double)it->qty);
			cJSON_AddItemToArray(c, y);
		}
	}
	return OMS_OK;
}

/* The packing slip: what is in the parcel, for the customer. */
static int
write_slip(struct oms_shipper *sp, const struct shipment *s, const cJSON *r,
    int64_t sid)
{
	static const int x[4] = { 0, 40, 160, 440 };
	const char *hdr[4] = { "LINE", "SKU", "ITEM", "QTY" };
	struct oms_doc *d = oms_doc_new();
	struct oms_buf pdf = { 0 }, t = { 0 }, name = { 0 };
	const cJSON *l, *p;
	char *path = NULL;
	int rc;

	oms_buf_printf(&t, "Packing slip - order %s", s->external_id);
	oms_doc_line(d, 18, 1, t.s);
	oms_buf_reset(&t);
	oms_buf_printf(&t, "Shipment s_%lld from %s, %.10s", (long long)sid,
	    s->location, oms_json_str(r, "shipped_at"));
	oms_doc_line(d, 10, 0, t.s);
	oms_doc_rule(d);
	oms_doc_line(d, 10, 1, "SHIP TO");
	addr_lines(d, cJSON_GetObjectItemCaseSensitive(s->order, "ship_to"));
	oms_doc_rule(d);
	oms_doc_row(d, 10, 1, 4, hdr, x);
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(r, "lines")) {
		int64_t no = 0, q = 0;
		const cJSON *ol;
		char a[16], b[32];
		const char *cells[4];

		oms_json_int(l, "line_no", &no);
		oms_json_int(l, "qty", &q);
		ol = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(s->order,
		    "lines"), (int)no - 1);
		snprintf(a, sizeof a, "%lld", (long long)no);
		snprintf(b, sizeof b, "%lld", (long long)q);
		cells[0] = a;
		cells[1] = oms_json_str(l, "sku");
		cells[2] = oms_json_str(ol, "title") ? oms_json_str(ol, "title") :
		    "";
		cells[3] = b;
		oms_doc_row(d, 10, 0, 4, cells, x);
	}
	oms_doc_rule(d);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(r, "packages")) {
		oms_buf_reset(&t);
		oms_buf_printf(&t, "Box %s, tracking %s", oms_json_str(p, "box") ?
		    oms_json_str(p, "box") : "-", oms_json_str(p, "tracking"));
		oms_doc_line(d, 10, 0, t.s);
	}
	oms_doc_pdf(d, &pdf);
	oms_buf_printf(&name, "s_%lld.pdf", (long long)sid);
	rc = write_file(sp->slips, name.s, &pdf, 1, &path);
	free(path);
	oms_doc_free(d);
	oms_buf_free(&pdf);
	oms_buf_free(&t);
	oms_buf_free(&name);
	return rc;
}

/* The label files named in a list of paths, gone. */
static void
unlink_files(const cJSON *files)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, files)
		if (cJSON_IsString(f))
			unlink(f->valuestring);
}

/* Ask carrier to void the numbers bought under request_id. */
static int
void_numbers(const char *carrier, const char *request_id, const cJSON *nums)
{
	cJSON *req = cJSON_CreateObject(), *reply = NULL;
	char vid[80];
	int rc;

	snprintf(vid, sizeof vid, "void-%s", request_id);
	cJSON_AddStringToObject(req, "request_id", vid);
	cJSON_AddItemToObject(req, "tracking_numbers", cJSON_Duplicate(nums, 1));
	rc = oms_carrier_call(carrier, "void", req, &reply);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return rc;
}

static const char sql_stray[] =
    "INSERT INTO stray_labels (request_id, order_id, carrier, tracking, "
    "files, at, note) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) "
    "DO UPDATE SET files = excluded.files, note = excluded.note";

/*
 * A label bought for a shipment that was then refused (the order was
 * cancelled or changed while the carrier answered), its numbers nums and
 * its files: unless another run recorded the same purchase, it is
 * voided, so no one pays for it, and its files go.  A void that fails is
 * kept as a stray label, for the next shipping run to void and oms
 * status to show.  A label keep_labels kept is no longer kept once
 * voided or another's shipment.
 */
static void
unbuy(struct oms_shipper *sp, const struct shipment *s, const cJSON *nums,
    const cJSON *rec)
{
	static const char sql[] =
	    "SELECT 1 FROM shipments WHERE request_id = ?";
	static const char sql_gone[] =
	    "DELETE FROM stray_labels WHERE request_id = ? AND tracking = ?";
	oms_stmt *st = oms_db_stmt(sp->db, sql);
	cJSON *files = cJSON_CreateArray();
	char *t = oms_json_print(nums);
	const cJSON *p;
	struct oms_errsave e;
	int rc, nested;

	oms_err_save(&e);
	{
		cJSON *all = oms_shipment_files(rec);

		cJSON_ArrayForEach(p, all)
			cJSON_AddItemToArray(files, cJSON_CreateString(
			    oms_json_str(p, "file")));
		cJSON_Delete(all);
	}
	if (st == NULL)
		goto out;
	oms_bind_text(st, 1, s->request_id);
	rc = oms_step(st);
	oms_reset(st);
	if (rc == OMS_ROW || (rc == OMS_DONE && void_numbers(sp->carrier,
	    s->request_id, nums) == OMS_OK)) {
		if (rc == OMS_DONE)
			unlink_files(files);
		if (oms_db_write(sp->db, &nested) == OMS_OK)
			oms_db_write_end(sp->db, nested, oms_db_run(sp->db,
			    sql_gone, "cannot update a stray label", "tt",
			    s->request_id, t));
	} else if (rc == OMS_DONE) {
		char now[OMS_TIME_LEN], *f = oms_json_print(files);

		oms_time_now(now);
		oms_warnx("o_%lld: the label bought could not be voided "
		    "(kept as a stray label, voided by the next run): %s",
		    (long long)s->order_id, oms_error());
		if ((st = oms_db_stmt(sp->db, sql_stray)) != NULL &&
		    oms_db_write(sp->db, &nested) == OMS_OK) {
			oms_bind_text(st, 1, s->request_id);
			oms_bind_int64(st, 2, s->order_id);
			oms_bind_text(st, 3, sp->carrier);
			oms_bind_text(st, 4, t);
			oms_bind_text(st, 5, f);
			oms_bind_text(st, 6, now);
			oms_bind_text(st, 7, oms_error());
			oms_db_write_end(sp->db, nested, oms_db_step_done(
			    sp->db, st, "cannot keep a stray label"));
		}
		free(f);
	}
out:
	free(t);
	cJSON_Delete(files);
	oms_err_restore(&e);
}

/*
 * Whether request_id names a shipment order_id still has to make: the
 * request id of one of the places it has allocations active at, as
 * load_shipment makes it now.  Asking again for that shipment gets that
 * label back, so it must not be voided.
 */
static int
request_live(struct oms_shipper *sp, int64_t order_id, const char *rid,
    int *live)
{
	static const char sql[] =
	    "SELECT DISTINCT location FROM allocations WHERE order_id = ? "
	    "AND state = 'active' ORDER BY 1";
	oms_stmt *st = oms_db_query(sp->db, sql, "I", order_id);
	char **locs = NULL;
	size_t n = 0;
	int rc;

	*live = 0;
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		locs = erealloc(locs, (n + 1) * sizeof *locs);
		locs[n++] = estrdup(oms_col_text(st, 0));
	}
	oms_reset(st);
	rc = rc == OMS_DONE ? OMS_OK : oms_db_fail(sp->db, rc,
	    "cannot read the allocations");
	for (size_t i = 0; i < n; i++) {
		struct shipment s;

		if (rc == OMS_OK && !*live) {
			rc = load_shipment(sp, order_id, locs[i], NULL, 0, &s);
			if (rc == OMS_REJECT)
				rc = OMS_OK;
			else if (rc == OMS_OK && strcmp(s.request_id, rid) == 0)
				*live = 1;
			shipment_free(&s);
		}
		free(locs[i]);
	}
	free(locs);
	return rc;
}

/*
 * Void the stray labels of earlier runs (see unbuy, keep_labels), but
 * those a shipment still to be made will get back (request_live): they
 * stay until it commits, or is gone.  *failed counts those whose
 * carrier still fails, kept for the next run.
 */
int
oms_ship_strays(struct oms_shipper *sp, long *voided, long *failed)
{
	static const char sql[] =
	    "SELECT request_id, carrier, tracking, files, order_id "
	    "FROM stray_labels ORDER BY at, request_id";
	static const char sql_gone[] =
	    "DELETE FROM stray_labels WHERE request_id = ?";
	static const char sql_note[] =
	    "UPDATE stray_labels SET note = ? WHERE request_id = ?";
	struct stray {
		char *rid, *carrier;
		cJSON *nums, *files;
		int64_t order_id;
	} *ss = NULL;
	oms_db *db = sp->db;
	oms_stmt *st = oms_db_stmt(db, sql);
	size_t n = 0;
	int rc;

	*voided = *failed = 0;
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		ss = erealloc(ss, (n + 1) * sizeof *ss);
		ss[n].rid = estrdup(oms_col_text(st, 0));
		ss[n].carrier = estrdup(oms_col_text(st, 1));
		ss[n].nums = cJSON_Parse(oms_col_text(st, 2));
		ss[n].files = cJSON_Parse(oms_col_text(st, 3));
		ss[n].order_id = oms_col_int64(st, 4);
		n++;
	}
	oms_reset(st);
	rc = rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read the stray labels");
	for (size_t i = 0; i < n; i++) {
		int live = 0;

		if (rc == OMS_OK)
			rc = request_live(sp, ss[i].order_id, ss[i].rid, &live);
		if (rc == OMS_OK && !live) {
			int v = void_numbers(ss[i].carrier, ss[i].rid, ss[i].nums);
			int nested;

			if (v == OMS_OK) {
				unlink_files(ss[i].files);
				(*voided)++;
			} else
				(*failed)++;
			if ((st = oms_db_stmt(db, v == OMS_OK ? sql_gone :
			    sql_note)) == NULL)
				rc = OMS_ERR;
			else if ((rc = oms_db_write(db, &nested)) == OMS_OK) {
				int k = 1;

				if (v != OMS_OK)
					oms_bind_text(st, k++, oms_error());
				oms_bind_text(st, k, ss[i].rid);
				rc = oms_db_write_end(db, nested, oms_db_step_done(db,
				    st, "cannot update a stray label"));
			}
		}
		free(ss[i].rid);
		free(ss[i].carrier);
		cJSON_Delete(ss[i].nums);
		cJSON_Delete(ss[i].files);
	}
	free(ss);
	return rc;
}

/*
 * Bytes written as DIR/NAME; its path added to written, into *path.  Not
 * flushed: job_finish flushes a shipment's files together before it
 * commits.
 */
static int
put_file(struct oms_shipper *sp, const char *name, const char *data,
    size_t len, cJSON *written, char **path)
{
	struct oms_buf b = { (char *)data, len, 0 };
	int rc;

	*path = NULL;
	if ((rc = write_file(sp->dir, name, &b, 0, path)) == OMS_OK)
		cJSON_AddItemToArray(written, cJSON_CreateString(*path));
	return rc;
}

/*
 * A document of the carrier's, written as it came into the label
 * directory, under the name of its package's tracking number and its
 * type; recorded in the shipment's documents (made in r when first
 * needed, *dl), and for a label in its package p as label_FORMAT.
 */
static int
put_doc(struct oms_shipper *sp, const struct oms_cdoc *d, const char *tracking,
    int nth, cJSON *p, cJSON *written, cJSON **dl, cJSON *r)
{
	struct oms_buf name = { 0 };
	char *path = NULL, key[16];
	cJSON *e;
	int rc = OMS_OK;

	if (*dl == NULL)
		*dl = cJSON_AddArrayToObject(r, "documents");
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "type", d->type);
	if (d->package > 0)
		cJSON_AddNumberToObject(e, "package", d->package);
	cJSON_AddStringToObject(e, "format", d->format);
	cJSON_AddNumberToObject(e, "bytes", (double)d->data.len);
	if (sp->dir != NULL) {
		oms_cdoc_name(d, tracking, nth, &name);
		rc = put_file(sp, name.s, d->data.s, d->data.len, written,
		    &path);
	}
	if (path != NULL) {
		cJSON_AddStringToObject(e, "file", path);
		if (p != NULL) {
			snprintf(key, sizeof key, "label_%s", d->format);
			cJSON_AddStringToObject(p, key, path);
		}
	}
	cJSON_AddItemToArray(*dl, e);
	free(path);
	oms_buf_free(&name);
	return rc;
}

/*
 * The label of package k of n, drawn here for a carrier that sends none
 * (the offline one): ZPL and PDF, or the one of them --format asks for,
 * named by its tracking number and recorded in its package p.  A ZPL
 * label alone is text: the PDF's drawing libraries are never loaded.
 */
static int
draw_label(struct oms_shipper *sp, const struct shipment *s, const cJSON *r,
    const cJSON *from, const cJSON *to, const char *service,
    const char *oref, int64_t grams, int k, int n, const char *tracking,
    int test, cJSON *p, cJSON *written)
{
	struct oms_label lb;
	struct oms_buf zpl = { 0 }, pdf = { 0 }, name = { 0 };
	char *zpath = NULL, *ppath = NULL, date[11];
	int rc;

	memset(&lb, 0, sizeof lb);
	oms_label_addr(from, &lb.from);
	oms_label_addr(to, &lb.to);
	lb.carrier = oms_json_str(r, "carrier_code");
	lb.service = oms_json_str(r, "service_name") ?
	    oms_json_str(r, "service_name") : service;
	lb.tracking = tracking;
	lb.reference = oref;
	lb.weight_g = (long)grams;
	lb.package = k;
	lb.packages = n;
	snprintf(date, sizeof date, "%.10s", sp->now);
	lb.ship_date = date;
	lb.test = test;
	lb.imperial = lb.from.country != NULL &&
	    strcmp(lb.from.country, "US") == 0;
	rc = sp->zpl ? oms_label_zpl(&lb, sp->dpi, &zpl) : OMS_OK;
	if (rc == OMS_OK && sp->pdf)
		rc = oms_label_pdf(&lb, &pdf);
	/* This parcel's label cannot be made; the next may. */
	if (rc != OMS_OK)
		rc = refused_at(s, oms_reject("%s", oms_error()));
	if (rc == OMS_OK && sp->zpl) {
		oms_buf_printf(&name, "%s.zpl", tracking);
		rc = put_file(sp, name.s, zpl.s, zpl.len, written, &zpath);
	}
	if (rc == OMS_OK && sp->pdf) {
		oms_buf_reset(&name);
		oms_buf_printf(&name, "%s.pdf", tracking);
		rc = put_file(sp, name.s, pdf.s, pdf.len, written, &ppath);
	}
	if (zpath)
		cJSON_AddStringToObject(p, "label_zpl", zpath);
	if (ppath)
		cJSON_AddStringToObject(p, "label_pdf", ppath);
	free(zpath);
	free(ppath);
	oms_buf_free(&zpl);
	oms_buf_free(&pdf);
	oms_buf_free(&name);
	return rc;
}

/* ---- a shipment, step by step -------------------------------------------- */

static void
job_free(struct job *j)
{
	free(j->loc);
	free(j->err);
	cJSON_Delete(j->from);
	cJSON_Delete(j->to);
	cJSON_Delete(j->pkgs);
	cJSON_Delete(j->customs);
	cJSON_Delete(j->req);
	cJSON_Delete(j->reply);
	cJSON_Delete(j->price);
	cJSON_Delete(j->rec);
	free(j->kept);
	shipment_free(&j->s);
}

/* Job j ends with rc: a failure's message kept for its order's turn. */
static void
job_end(struct oms_shipper *sp, struct job *j, int rc)
{
	j->step = STEP_DONE;
	j->rc = rc;
	if (rc == OMS_OK)
		return;
	if (j->err == NULL)
		j->err = emalloc(sizeof *j->err);
	oms_err_save(j->err);
	if (rc == OMS_REJECT)
		sp->refused++;
}

/*
 * The shipment order_id makes at loc, made as far as its first carrier
 * request: the allocations still there and still the order's, packed,
 * declared at a border, its rate request in j->req.
 */
static void
job_begin(struct oms_shipper *sp, struct job *j)
{
	struct shipment *s = &j->s;
	int rc, bad;

	oms_time_now(sp->now);	/* each shipment when it is made */
	j->step = STEP_RATE;
	if ((rc = load_shipment(sp, j->order_id, j->loc, NULL, 0, s)) !=
	    OMS_OK)
		goto out;
	if (s->nitems == 0) {
		rc = refused_at(s, oms_reject("nothing allocated to ship "
		    "here: route it again (oms-route)"));
		goto out;
	}
	/* Cancelled, held or changed since it was routed: no label. */
	if ((rc = oms_order_may(sp->db, j->order_id, OMS_ACT_SHIP)) !=
	    OMS_OK || (rc = allocations_match(sp->db, s)) != OMS_OK)
		goto out;
	/* One item too large names itself; else say all the goods. */
	rc = pack(sp, s->items, s->nitems, j->pk, &j->npk, &bad);
	if ((rc = refused(s, rc, bad < 0)) != OMS_OK)
		goto out;
	j->from = from_address(s);
	j->to = address_of(s->order, "ship_to");
	j->pkgs = cJSON_CreateArray();
	for (int i = 0; i < j->npk; i++) {
		const struct pkg *pk = &j->pk[i];
		cJSON *p = cJSON_CreateObject();

		if (pk->box != NULL) {
			cJSON_AddStringToObject(p, "box", pk->box->name);
			cJSON_AddNumberToObject(p, "length_mm",
			    (double)pk->box->dims[0]);
			cJSON_AddNumberToObject(p, "width_mm",
			    (double)pk->box->dims[1]);
			cJSON_AddNumberToObject(p, "height_mm",
			    (double)pk->box->dims[2]);
			/* What carriers bill by: cm3 over 5000 a kg. */
			cJSON_AddNumberToObject(p, "dim_weight_g", (double)
			    ((pk->box->dims[0] * pk->box->dims[1] *
			    pk->box->dims[2] / 1000 + 4) / 5));
		}
		cJSON_AddNumberToObject(p, "weight_g", (double)pk->grams);
		j->grams = oms_sat_add(j->grams, pk->grams);
		cJSON_AddItemToArray(j->pkgs, p);
	}
	/* Across a border: the goods declared, or refused before asking. */
	if (oms_customs_needed(j->from, j->to)) {
		struct oms_customs_goods *g = ecalloc((size_t)s->nitems,
		    sizeof *g);

		for (int i = 0; i < s->nitems; i++) {
			g[i].line_no = s->items[i].line_no;
			g[i].sku = s->items[i].sku;
			g[i].qty = s->items[i].qty;
		}
		rc = oms_customs_block(sp->db, j->order_id, oms_json_str(j->to,
		    "country"), g, s->nitems, &j->customs);
		free(g);
		if ((rc = refused_at(s, rc)) != OMS_OK)
			goto out;
	}
	rc = refused(s, rate_request(sp, j), 1);
out:
	if (rc != OMS_OK)
		job_end(sp, j, rc);
}

/*
 * Job j's quotes, or the failure to get them (rc): its label request in
 * j->req, or its rate request again at the standard level.
 */
static void
job_rated(struct oms_shipper *sp, struct job *j, int rc, cJSON *reply)
{
	char oref[32];
	cJSON *req;
	int again = 0;

	if (rc == OMS_OK)
		rc = pick_service(sp, j, reply, &again);
	cJSON_Delete(reply);
	if ((rc = refused(&j->s, rc, 1)) != OMS_OK) {
		job_end(sp, j, rc);
		return;
	}
	if (again)
		return;
	snprintf(oref, sizeof oref, "o_%lld", (long long)j->order_id);
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "request_id", j->s.request_id);
	cJSON_AddStringToObject(req, "service", j->service);
	cJSON_AddItemToObject(req, "from", cJSON_Duplicate(j->from, 1));
	cJSON_AddItemToObject(req, "to", cJSON_Duplicate(j->to, 1));
	cJSON_AddItemToObject(req, "packages", cJSON_Duplicate(j->pkgs, 1));
	if (j->customs != NULL)
		cJSON_AddItemToObject(req, "customs", cJSON_Duplicate(
		    j->customs, 1));
	cJSON_AddStringToObject(req, "reference", oref);
	cJSON_Delete(j->req);
	j->req = req;
	j->step = STEP_LABEL;
}

/*
 * The tracking numbers of job j's label reply, checked: one a package,
 * each 6-40 letters and digits, none twice nor another shipment's (scan:
 * see tracking_taken), a UPS, USPS or FedEx number with its check digit.
 */
static int
check_numbers(struct oms_shipper *sp, struct job *j, int scan)
{
	const cJSON *nums = cJSON_GetObjectItemCaseSensitive(j->reply,
	    "tracking_numbers"), *x;
	int rc;

	if (!cJSON_IsArray(nums) || cJSON_GetArraySize(nums) != j->npk)
		return oms_fail(OMS_E_CARRIER, "carrier %s answered label "
		    "without one tracking number for each of the %d packages",
		    sp->carrier, j->npk);
	cJSON_ArrayForEach(x, nums) {
		const char *shape = NULL;

		if (!cJSON_IsString(x) || !safe_id(x->valuestring))
			return oms_fail(OMS_E_CARRIER, "carrier %s answered "
			    "label with a tracking number that is not 6-40 "
			    "letters and digits", sp->carrier);
		/* One number a package, and none another parcel has. */
		for (const cJSON *y = nums->child; y != x; y = y->next)
			if (strcmp(y->valuestring, x->valuestring) == 0)
				return oms_fail(OMS_E_CARRIER, "carrier %s "
				    "answered label with tracking number %s "
				    "twice", sp->carrier, x->valuestring);
		if ((rc = tracking_taken(sp, x->valuestring,
		    j->s.request_id, scan)) != OMS_OK)
			return rc;
		/* A UPS, USPS or FedEx number must carry its check digit. */
		if (!oms_tracking_valid(x->valuestring, &shape) && shape != NULL)
			return oms_fail(OMS_E_CARRIER, "carrier %s answered "
			    "label with %s tracking number %s, whose check "
			    "digit is wrong", sp->carrier, shape,
			    x->valuestring);
	}
	return OMS_OK;
}

/* Job j's label bought (reply), or the failure to buy it (rc). */
static void
job_labelled(struct oms_shipper *sp, struct job *j, int rc, cJSON *reply)
{
	if (rc != OMS_OK) {
		cJSON_Delete(reply);
		job_end(sp, j, rc);
		return;
	}
	j->reply = reply;
	j->step = STEP_BOUGHT;
}

/*
 * Job j, its label bought: the numbers checked (unless they were), the
 * labels written, the shipment committed, its record in j->rec.  A
 * shipment refused at its commit gives its label back (unbuy).
 */
static void
job_finish(struct oms_shipper *sp, struct job *j)
{
	struct shipment *s = &j->s;
	const cJSON *reply = j->reply, *nums, *x;
	cJSON *r = NULL, *rp, *written = NULL, *dl = NULL;
	struct oms_cdocs docs = { 0 };
	char oref[32];
	int64_t sid = 0;
	int rc, i;

	oms_time_now(sp->now);
	if (!j->checked && (rc = check_numbers(sp, j, 1)) != OMS_OK)
		goto out;
	nums = cJSON_GetObjectItemCaseSensitive(reply, "tracking_numbers");
	/* The carrier's documents, checked whole before any is written. */
	if ((rc = oms_cdocs_read(sp->carrier, "label", reply, j->npk,
	    &docs)) != OMS_OK)
		goto out;
	snprintf(oref, sizeof oref, "o_%lld", (long long)j->order_id);
	/* The record, the labels. */
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "type", "shipment");
	cJSON_AddNullToObject(r, "id");		/* known once stored */
	cJSON_AddStringToObject(r, "order", oref);
	cJSON_AddStringToObject(r, "channel", s->channel);
	if (s->account[0] != '\0')
		cJSON_AddStringToObject(r, "account", s->account);
	cJSON_AddStringToObject(r, "external_id", s->external_id);
	cJSON_AddStringToObject(r, "location", j->loc);
	cJSON_AddStringToObject(r, "carrier", sp->carrier);
	cJSON_AddStringToObject(r, "carrier_code", oms_json_str(reply, "carrier")
	    ? oms_json_str(reply, "carrier") : sp->carrier);
	cJSON_AddStringToObject(r, "service", j->service);
	if (oms_json_str(reply, "name") != NULL)
		cJSON_AddStringToObject(r, "service_name", oms_json_str(reply,
		    "name"));
	else if (j->sname[0] != '\0')
		cJSON_AddStringToObject(r, "service_name", j->sname);
	if (j->transit >= 0)
		cJSON_AddNumberToObject(r, "transit_days", (double)j->transit);
	if (j->price != NULL) {
		cJSON_AddStringToObject(r, "cost", oms_json_str(j->price,
		    "cost"));
		cJSON_AddStringToObject(r, "cost_currency", oms_json_str(
		    j->price, "cost_currency"));
	}
	cJSON_AddStringToObject(r, "tracking", cJSON_GetArrayItem(nums,
	    0)->valuestring);
	cJSON_AddNumberToObject(r, "weight_g", (double)j->grams);
	cJSON_AddBoolToObject(r, "test", cJSON_IsTrue(
	    cJSON_GetObjectItemCaseSensitive(reply, "test")));
	cJSON_AddStringToObject(r, "shipped_at", sp->now);
	cJSON_AddStringToObject(r, "request_id", s->request_id);
	rp = cJSON_AddArrayToObject(r, "packages");
	written = cJSON_CreateArray();
	i = 0;
	cJSON_ArrayForEach(x, nums) {
		cJSON *p = cJSON_Duplicate(cJSON_GetArrayItem(j->pkgs, i), 1);

		cJSON_AddStringToObject(p, "tracking", x->valuestring);
		cJSON_AddItemToArray(rp, p);
		/* The carrier's label as it sent it; else one drawn here. */
		if (docs.present)
			rc = put_doc(sp, oms_cdocs_label(&docs, i + 1),
			    x->valuestring, 1, p, written, &dl, r);
		else if (sp->dir != NULL)
			rc = draw_label(sp, s, r, j->from, j->to, j->service,
			    oref, j->pk[i].grams, i + 1, j->npk,
			    x->valuestring, cJSON_IsTrue(
			    cJSON_GetObjectItemCaseSensitive(reply, "test")), p,
			    written);
		i++;
		if (rc != OMS_OK)
			goto unwrite;
	}
	/* What goes with the parcel, each named by its package's number. */
	for (int k = 0; k < docs.n; k++) {
		const struct oms_cdoc *d = &docs.d[k];
		const char *t = cJSON_GetArrayItem(nums, d->package > 0 ?
		    d->package - 1 : 0)->valuestring;
		int nth = 1;

		if (strcmp(d->type, "label") == 0)
			continue;
		/* The n-th of its type under the same number. */
		for (int m = 0; m < k; m++)
			nth += strcmp(docs.d[m].type, d->type) == 0 &&
			    (docs.d[m].package > 0 ? docs.d[m].package : 1) ==
			    (d->package > 0 ? d->package : 1);
		if ((rc = put_doc(sp, d, t, nth, NULL, written, &dl, r)) !=
		    OMS_OK)
			goto unwrite;
	}
	/*
	 * Its files on disk, and their names, before the shipment that
	 * names them commits: a crash never leaves a shipment without its
	 * labels.
	 */
	if (sp->dir != NULL && cJSON_GetArraySize(written) > 0 &&
	    (rc = oms_sync_files(sp->dir, written)) != OMS_OK)
		goto unwrite;
	if ((rc = shipment_lines(sp, s, r)) != OMS_OK)
		goto unwrite;
	/* Kept by keep_labels, or by a run that died: kept no longer. */
	if (j->kept == NULL)
		j->kept = oms_json_print(nums);
	if ((rc = commit_shipment(sp, s, r, j->kept, &sid)) != OMS_OK) {
		if (rc == OMS_REJECT)
			unbuy(sp, s, nums, r);
		goto out;
	}
	/* The shipment stands: a slip that cannot be written is a warning. */
	if (sp->slips != NULL && write_slip(sp, s, r, sid) != OMS_OK)
		oms_warnx("s_%lld: no packing slip: %s", (long long)sid,
		    oms_error());
	j->rec = r;
	r = NULL;
	sp->shipped++;
	goto out;
unwrite:
	/* The files of a shipment are written all, or none stays. */
	cJSON_ArrayForEach(x, written)
		unlink(x->valuestring);
out:
	oms_cdocs_free(&docs);
	cJSON_Delete(written);
	cJSON_Delete(r);
	job_end(sp, j, rc);
}

/* Ask the carrier job j's request alone, and take its answer. */
static void
job_ask(struct oms_shipper *sp, struct job *j)
{
	cJSON *reply = NULL;
	int rc = oms_carrier_call(sp->carrier, step_verb[j->step], j->req,
	    &reply);

	if (j->step == STEP_RATE)
		job_rated(sp, j, rc, reply);
	else
		job_labelled(sp, j, rc, reply);
}

/*
 * Ship job j on its own, as far as it goes: its quotes, its label, its
 * shipment committed.
 */
static void
job_alone(struct oms_shipper *sp, struct job *j)
{
	job_begin(sp, j);
	while (j->step == STEP_RATE || j->step == STEP_LABEL)
		job_ask(sp, j);
	if (j->step == STEP_BOUGHT)
		job_finish(sp, j);
}

/*
 * Record a shipment someone else made, a 3pl's shipping advice: the
 * allocations g->allocs of the order at g->location, each active and
 * shipped whole, as one shipment, stored as oms-ship stores its own
 * (commit_shipment): the stock out through the ledger, the allocations
 * shipped, the order's status moved on and the record kept for the
 * channel's confirmation.  In the caller's transaction, when it has
 * one.  *out is the shipment record.
 */
int
oms_ship_given(oms_db *db, const struct oms_ship_given *g, cJSON **out)
{
	struct oms_shipper sp;
	struct shipment s;
	cJSON *r = NULL, *rp;
	int64_t sid = 0, grams = 0;
	char oref[32];
	int rc;

	*out = NULL;
	memset(&sp, 0, sizeof sp);
	memset(&s, 0, sizeof s);
	sp.db = db;
	sp.carrier = g->carrier;
	oms_time_now(sp.now);
	if ((rc = load_shipment(&sp, g->order_id, g->location, g->allocs,
	    g->nallocs, &s)) != OMS_OK)
		goto out;
	if (s.nitems != g->nallocs) {
		rc = refused_at(&s, oms_reject("%d of the %d allocations it "
		    "carried are not active here", g->nallocs - s.nitems,
		    g->nallocs));
		goto out;
	}
	snprintf(s.request_id, sizeof s.request_id, "%s", g->request_id);
	/* In the order's own order, however its allocations were split. */
	for (int i = 1; i < s.nitems; i++)
		for (int j = i; j > 0 && (s.items[j].line_no <
		    s.items[j - 1].line_no || (s.items[j].line_no ==
		    s.items[j - 1].line_no && s.items[j].alloc <
		    s.items[j - 1].alloc)); j--) {
			struct item t = s.items[j];

			s.items[j] = s.items[j - 1];
			s.items[j - 1] = t;
		}
	for (int i = 0; i < g->npackages; i++) {
		const char *t = g->tracking[i], *shape = NULL;

		if (!safe_id(t)) {
			rc = refused_at(&s, oms_reject("tracking number '%.60s' "
			    "is not 6-40 letters and digits", t));
			goto out;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(g->tracking[j], t) == 0) {
				rc = refused_at(&s, oms_reject("tracking number "
				    "%s twice", t));
				goto out;
			}
		if (!oms_tracking_valid(t, &shape) && shape != NULL) {
			rc = refused_at(&s, oms_reject("tracking number %s "
			    "has a wrong check digit (a %s number)", t, shape));
			goto out;
		}
		if ((rc = tracking_taken(&sp, t, s.request_id, 1)) != OMS_OK) {
			if (rc == OMS_ERR && oms_errkind() == OMS_E_CARRIER)
				rc = refused_at(&s, oms_reject("tracking number "
				    "%s is another shipment's", t));
			goto out;
		}
	}
	if (g->weight_g >= 0)
		grams = g->weight_g;
	else
		for (int i = 0; i < s.nitems; i++)
			grams = oms_sat_add(grams, oms_sat_mul(s.items[i].qty,
			    s.items[i].grams));
	snprintf(oref, sizeof oref, "o_%lld", (long long)g->order_id);
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "type", "shipment");
	cJSON_AddNullToObject(r, "id");
	cJSON_AddStringToObject(r, "order", oref);
	cJSON_AddStringToObject(r, "channel", s.channel);
	if (s.account[0] != '\0')
		cJSON_AddStringToObject(r, "account", s.account);
	cJSON_AddStringToObject(r, "external_id", s.external_id);
	cJSON_AddStringToObject(r, "location", g->location);
	cJSON_AddStringToObject(r, "carrier", g->carrier);
	cJSON_AddStringToObject(r, "carrier_code", g->carrier_code);
	cJSON_AddStringToObject(r, "service", g->service);
	if (g->service_name != NULL)
		cJSON_AddStringToObject(r, "service_name", g->service_name);
	cJSON_AddStringToObject(r, "tracking", g->npackages > 0 ?
	    g->tracking[0] : "");
	cJSON_AddNumberToObject(r, "weight_g", (double)grams);
	cJSON_AddBoolToObject(r, "test", 0);
	cJSON_AddStringToObject(r, "shipped_at", g->shipped_at);
	cJSON_AddStringToObject(r, "request_id", s.request_id);
	rp = cJSON_AddArrayToObject(r, "packages");
	for (int i = 0; i < g->npackages; i++) {
		cJSON *p = cJSON_CreateObject();

		cJSON_AddStringToObject(p, "tracking", g->tracking[i]);
		cJSON_AddItemToArray(rp, p);
	}
	if (g->extra != NULL) {
		const cJSON *x;

		cJSON_ArrayForEach(x, g->extra)
			cJSON_AddItemToObject(r, x->string,
			    cJSON_Duplicate(x, 1));
	}
	if ((rc = shipment_lines(&sp, &s, r)) != OMS_OK ||
	    (rc = commit_shipment(&sp, &s, r, NULL, &sid)) != OMS_OK)
		goto out;
	/* Handed to the carrier already: no label of ours to void. */
	if (g->handed) {
		static const char sql_handed[] =
		    "UPDATE shipments SET status = 'in_transit', "
		    "record = json_set(record, '$.status', 'in_transit') "
		    "WHERE id = ?";

		if ((rc = oms_db_run(db, sql_handed, "cannot update a "
		    "shipment", "I", sid)) != OMS_OK)
			goto out;
		cJSON_ReplaceItemInObjectCaseSensitive(r, "status",
		    cJSON_CreateString("in_transit"));
	}
	*out = r;
	r = NULL;
out:
	cJSON_Delete(r);
	shipment_free(&s);
	return rc;
}

/* "o_N (channel external_id)", as oms_order_may names an order. */
int
oms_order_name(oms_db *db, int64_t id, char *buf, size_t n)
{
	static const char sql[] =
	    "SELECT channel, account, external_id FROM orders WHERE id = ?";
	oms_stmt *st = oms_db_query(db, sql, "I", id);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	snprintf(buf, n, "o_%lld", (long long)id);
	if ((rc = oms_step(st)) == OMS_ROW) {
		const char *acct = oms_col_text(st, 1);

		snprintf(buf, n, "o_%lld (%s%s%s %s)", (long long)id,
		    oms_col_text(st, 0), acct && *acct ? "/" : "",
		    acct ? acct : "", oms_col_text(st, 2));
	}
	oms_reset(st);
	return rc == OMS_ROW || rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read an order");
}

/*
 * Whether order id has shipped all that was allocated to it: shipped
 * (or partly, the rest not allocated), with nothing allocated still and
 * no cancellation under way.  *note then says so and names its
 * shipments; a rerun of shipping on the same routed file meets these.
 */
int
oms_ship_done(oms_db *db, int64_t id, int *done, char *note, size_t n)
{
	static const char sql[] =
	    "SELECT 1 FROM orders o WHERE o.id = ?1 "
	    "AND o.status IN ('shipped', 'delivered', 'partly_shipped') "
	    "AND NOT EXISTS (SELECT 1 FROM allocations a WHERE "
	    "a.order_id = o.id AND a.state = 'active') "
	    "AND NOT EXISTS (SELECT 1 FROM cancel_requests c WHERE "
	    "c.order_id = o.id AND c.state = 'pending')";
	static const char sql_ships[] =
	    "SELECT id FROM shipments WHERE order_id = ? "
	    "AND status <> 'voided' ORDER BY id";
	struct oms_buf b = { 0 };
	oms_stmt *st;
	int rc, k = 0;

	*done = 0;
	if ((st = oms_db_query(db, sql, "I", id)) == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	oms_reset(st);
	if (rc == OMS_DONE)
		return OMS_OK;
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read an order");
	if ((rc = oms_order_name(db, id, note, n)) != OMS_OK)
		return rc;
	oms_buf_printf(&b, "order %s already shipped as", note);
	if ((st = oms_db_query(db, sql_ships, "I", id)) == NULL) {
		oms_buf_free(&b);
		return OMS_ERR;
	}
	while ((rc = oms_step(st)) == OMS_ROW)
		oms_buf_printf(&b, "%s s_%lld", k++ ? "," : "",
		    (long long)oms_col_int64(st, 0));
	oms_reset(st);
	if (rc == OMS_DONE && k > 0) {
		snprintf(note, n, "%s", b.s);
		*done = 1;
	}
	oms_buf_free(&b);
	return rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read the shipments");
}

/* ---- orders, one at a time or in batches ------------------------------------ */

/*
 * The locations order_id ships from now, into *locs (n of them): each
 * where it has allocations active, but a 3pl's.  None is a refusal that
 * says why (cancelled, held, nothing allocated, a 3pl's to ship).
 */
static int
order_locations(struct oms_shipper *sp, int64_t order_id, char ***locs,
    size_t *n)
{
	/* A 3pl location ships what it is sent by EDI (oms-edi), not here. */
	static const char sql[] =
	    "SELECT DISTINCT a.location, CASE WHEN l.kind = '3pl' THEN 1 ELSE "
	    "0 END "
	    "FROM allocations a LEFT JOIN locations l ON l.id = a.location "
	    "WHERE a.order_id = ? AND a.state = 'active' ORDER BY 1";
	oms_stmt *st;
	char third[128] = "", name[200];
	int rc;

	*locs = NULL;
	*n = 0;
	/* Cancelled, held, changed: said as such, not "nothing to ship". */
	if ((rc = oms_order_may(sp->db, order_id, OMS_ACT_SHIP)) != OMS_OK)
		return rc;
	if ((st = oms_db_stmt(sp->db, sql)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, order_id);
	while ((rc = oms_step(st)) == OMS_ROW) {
		if (oms_col_int(st, 1)) {
			snprintf(third, sizeof third, "%s", oms_col_text(st, 0));
			continue;
		}
		*locs = erealloc(*locs, (*n + 1) * sizeof **locs);
		(*locs)[(*n)++] = estrdup(oms_col_text(st, 0));
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(sp->db, rc, "cannot read the allocations");
	if (*n > 0)
		return OMS_OK;
	if ((rc = oms_order_name(sp->db, order_id, name, sizeof name)) !=
	    OMS_OK)
		return rc;
	if (*third != '\0')
		return oms_reject("order %s is allocated at %s, a 3pl "
		    "location: the 3pl ships it, sent by EDI (oms-edi "
		    "send --location %s)", name, third, third);
	return oms_reject("order %s has nothing allocated to ship: route it "
	    "first (oms-route)", name);
}

/*
 * Ship every location where order_id has active allocations, one after
 * the other, each asking the carrier alone; the first that fails ends
 * the order.  fn gets each shipment record once committed.
 */
static int
ship_order(struct oms_shipper *sp, int64_t order_id, oms_rec_fn fn,
    void *arg)
{
	char **locs;
	size_t n;
	int r = order_locations(sp, order_id, &locs, &n);

	for (size_t i = 0; i < n; i++) {
		struct job j;

		if (r != OMS_OK) {
			free(locs[i]);
			continue;
		}
		memset(&j, 0, sizeof j);
		j.order_id = order_id;
		j.loc = locs[i];
		job_alone(sp, &j);
		if ((r = j.rc) != OMS_OK)
			oms_err_restore(j.err);
		else if (fn != NULL)
			r = fn(arg, j.rec);
		job_free(&j);
	}
	free(locs);
	return r;
}

#define BATCH_MAX 50		/* requests of a batch at most */
#define BATCH_BYTES (256 << 10)	/* bytes of a batch's requests at most */

/*
 * What the adapter declares it can do, asked once a run (the verb
 * capabilities, oms-carrier(7)): whether it answers batches of rate and
 * of label requests, and how many and how big.  An adapter that does not
 * know the verb, or fails on it, is asked a request at a time.
 */
static void
capabilities(struct oms_shipper *sp)
{
	cJSON *req = cJSON_CreateObject(), *reply = NULL;
	const cJSON *b, *v;
	struct oms_errsave e;
	int64_t k;

	sp->batch = 0;
	sp->batch_max = BATCH_MAX;
	sp->batch_bytes = BATCH_BYTES;
	oms_err_save(&e);
	cJSON_AddStringToObject(req, "request_id", "capabilities");
	if (oms_carrier_call(sp->carrier, "capabilities", req, &reply) ==
	    OMS_OK) {
		b = cJSON_GetObjectItemCaseSensitive(reply, "batch");
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(b,
		    "verbs")) {
			if (!cJSON_IsString(v))
				continue;
			if (strcmp(v->valuestring, "rate") == 0)
				sp->batch_rate = 1;
			else if (strcmp(v->valuestring, "label") == 0)
				sp->batch_label = 1;
		}
		/* Fewer, or smaller, when it says so: half its bytes. */
		if (oms_json_int(b, "max_requests", &k) == OMS_OK && k >= 0 &&
		    k < sp->batch_max)
			sp->batch_max = (int)k;
		if (oms_json_int(b, "max_bytes", &k) == OMS_OK && k >= 0 &&
		    (uint64_t)k / 2 < sp->batch_bytes)
			sp->batch_bytes = (size_t)k / 2;
		sp->batch = (sp->batch_rate || sp->batch_label) &&
		    sp->batch_max >= 2;
	}
	cJSON_Delete(req);
	cJSON_Delete(reply);
	oms_err_restore(&e);
}

/* The answer to job j's request, or the failure to get one (rc). */
static void
job_answer(struct oms_shipper *sp, struct job *j, int rc, cJSON *reply)
{
	if (j->step == STEP_RATE)
		job_rated(sp, j, rc, reply);
	else
		job_labelled(sp, j, rc, reply);
}

/*
 * The requests of the k jobs js, all of one verb, asked of the carrier in
 * one run of its verb batch.  The batch's id is made from its verb and
 * every request in it, so that the same batch asked again has the same
 * id and no other batch has it.  Each reply is its request's by its
 * request_id, never by its place: a reply to no request, one of two to
 * the same request, or the reply of another batch answers nothing, and
 * the request it should have answered fails as an adapter's error.
 * OMS_OK when the batch was answered (each job has its answer); else
 * the batch failed whole (it hung, crashed, was refused or not
 * understood) and no job was answered.
 */
static int
batch_call(struct oms_shipper *sp, struct job **js, int k)
{
	const char *verb = step_verb[js[0]->step];
	cJSON *req = cJSON_CreateObject(), *list, *reply = NULL;
	const cJSON **got = ecalloc((size_t)k, sizeof *got), *one, *replies;
	char *dup = ecalloc((size_t)k, 1), id[64];
	uint64_t h = OMS_HASH_INIT;
	int rc, bad = OMS_OK;

	h = oms_hash64(sp->instance, strlen(sp->instance), h);
	h = oms_hash64(verb, strlen(verb) + 1, h);
	list = cJSON_AddArrayToObject(req, "requests");
	for (int m = 0; m < k; m++) {
		char *text = oms_json_print(js[m]->req);

		h = oms_hash64(text, strlen(text) + 1, h);
		free(text);
		cJSON_AddItemToArray(list, cJSON_Duplicate(js[m]->req, 1));
	}
	snprintf(id, sizeof id, "batch-%s-%016llx", verb,
	    (unsigned long long)h);
	cJSON_AddStringToObject(req, "request_id", id);
	cJSON_AddStringToObject(req, "verb", verb);
	if ((rc = oms_call("carrier", sp->carrier, "batch", req, &reply,
	    NULL)) != OMS_OK)
		goto out;
	replies = cJSON_GetObjectItemCaseSensitive(reply, "replies");
	if (oms_json_str(reply, "request_id") == NULL ||
	    strcmp(oms_json_str(reply, "request_id"), id) != 0)
		bad = oms_fail(OMS_E_CARRIER, "carrier %s answered batch %s "
		    "with the replies of batch '%.64s'", sp->carrier, id,
		    oms_json_str(reply, "request_id") ? oms_json_str(reply,
		    "request_id") : "");
	else if (!cJSON_IsArray(replies))
		bad = oms_fail(OMS_E_CARRIER, "carrier %s answered batch %s "
		    "without its replies", sp->carrier, id);
	if (bad != OMS_OK)
		replies = NULL;
	cJSON_ArrayForEach(one, replies) {
		const char *rid = oms_json_str(one, "request_id");

		for (int m = 0; rid != NULL && m < k; m++)
			if (strcmp(js[m]->s.request_id, rid) == 0) {
				if (got[m] != NULL)
					dup[m] = 1;
				got[m] = one;
			}
	}
	for (int m = 0; m < k; m++) {
		struct job *j = js[m];
		cJSON *answer = NULL;

		if (bad != OMS_OK)
			rc = bad;
		else if (dup[m])
			rc = oms_fail(OMS_E_CARRIER, "carrier %s answered %s "
			    "request %s twice in batch %s", sp->carrier, verb,
			    j->s.request_id, id);
		else if (got[m] == NULL)
			rc = oms_fail(OMS_E_CARRIER, "carrier %s answered "
			    "batch %s without a reply to %s request %s",
			    sp->carrier, id, verb, j->s.request_id);
		else
			rc = oms_call_one("carrier", sp->carrier, verb, j->req,
			    got[m], &answer);
		job_answer(sp, j, rc, answer);
	}
	rc = OMS_OK;
out:
	free(got);
	free(dup);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	return rc;
}

/*
 * The n jobs js, all waiting on one verb, asked: in batches when the
 * adapter answers them for that verb, each as many requests as its
 * bounds allow (BATCH_MAX and BATCH_BYTES, or fewer as the adapter
 * says); else, and for a request too big to share a batch, alone.  A
 * batch that fails whole is asked again a request at a time, and no
 * other batch is asked this run.
 */
static void
ask_all(struct oms_shipper *sp, struct job **js, int n)
{
	int step = js[0]->step;

	for (int first = 0; first < n; ) {
		size_t bytes = 0;
		int k = 0;

		if (sp->batch == 1 && n - first > 1 && (step == STEP_RATE ?
		    sp->batch_rate : sp->batch_label))
			for (; first + k < n && k < sp->batch_max; k++) {
				char *text = oms_json_print(js[first + k]->req);
				size_t len = strlen(text) + 1;

				free(text);
				if (k > 0 && bytes + len > sp->batch_bytes)
					break;
				bytes += len;
			}
		if (k < 2 || batch_call(sp, js + first, k) != OMS_OK) {
			if (k >= 2)
				sp->batch = 0;
			k = k < 1 ? 1 : k;
			for (int m = 0; m < k; m++)
				job_ask(sp, js[first + m]);
		}
		first += k;
	}
}

/* A number of list a that list b has too, or NULL. */
static const cJSON *
shared_number(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	cJSON_ArrayForEach(x, a)
		cJSON_ArrayForEach(y, b)
			if (strcmp(x->valuestring, y->valuestring) == 0)
				return x;
	return NULL;
}

/*
 * The numbers of the labels the jobs js bought that another shipment of
 * several packages has, as another than its first (tracking_taken's
 * scan, once for the whole batch): the job that has one ends there.
 */
static int
taken_in_batch(struct oms_shipper *sp, struct job **js, int n)
{
	static const char sql[] =
	    "SELECT s.request_id, p.value ->> '$.tracking' FROM shipments s, "
	    "json_each(s.record, '$.packages') AS p WHERE s.packages > 1 AND "
	    "p.value ->> '$.tracking' IN (SELECT value FROM json_each(?1))";
	cJSON *all = cJSON_CreateArray();
	const cJSON *x;
	oms_stmt *st;
	char *text;
	int rc;

	for (int i = 0; i < n; i++)
		if (js[i]->step == STEP_BOUGHT)
			cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(
			    js[i]->reply, "tracking_numbers"))
				cJSON_AddItemToArray(all, cJSON_Duplicate(x, 0));
	text = oms_json_print(all);
	cJSON_Delete(all);
	st = oms_db_query(sp->db, sql, "s", text);
	free(text);
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		const char *rid = oms_col_text(st, 0), *t = oms_col_text(st, 1);

		for (int i = 0; i < n; i++) {
			struct job *j = js[i];

			if (j->step != STEP_BOUGHT || strcmp(rid,
			    j->s.request_id) == 0)
				continue;
			cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(
			    j->reply, "tracking_numbers"))
				if (strcmp(x->valuestring, t) == 0) {
					job_end(sp, j, oms_fail(OMS_E_CARRIER,
					    "carrier %s answered label with "
					    "tracking number %s, which another "
					    "shipment has", sp->carrier, t));
					break;
				}
		}
	}
	oms_reset(st);
	return rc == OMS_DONE ? OMS_OK : oms_db_fail(sp->db, rc,
	    "cannot read the shipments");
}

/*
 * The labels the jobs js bought together, each checked (a job whose
 * numbers fail, or are another's of the batch, ends there), kept in
 * stray_labels in one short transaction before any is used: should the
 * run die before a shipment commits, which removes its own, the next
 * run ships it with the same label, or voids it when its shipment is
 * gone (oms_ship_strays).
 */
static int
keep_labels(struct oms_shipper *sp, struct job **js, int n)
{
	static const char sql[] =
	    "INSERT INTO stray_labels (request_id, order_id, carrier, "
	    "tracking, files, at, note) VALUES (?, ?, ?, ?, '[]', ?, NULL) "
	    "ON CONFLICT (request_id) DO NOTHING";
	oms_stmt *st;
	int rc = OMS_OK, nested, any = 0;

	for (int i = 0; i < n; i++) {
		struct job *j = js[i];
		const cJSON *nums, *x;

		if ((rc = check_numbers(sp, j, 0)) != OMS_OK) {
			if (rc != OMS_ERR || oms_errkind() != OMS_E_CARRIER)
				return rc;
			job_end(sp, j, rc);
			continue;
		}
		nums = cJSON_GetObjectItemCaseSensitive(j->reply,
		    "tracking_numbers");
		/* Not yet another's, but another's of this batch. */
		for (int m = 0; m < i && j->step == STEP_BOUGHT; m++)
			if (js[m]->step == STEP_BOUGHT && (x = shared_number(nums,
			    cJSON_GetObjectItemCaseSensitive(js[m]->reply,
			    "tracking_numbers"))) != NULL)
				job_end(sp, j, oms_fail(OMS_E_CARRIER, "carrier %s "
				    "answered label with tracking number %s, which "
				    "another shipment has", sp->carrier,
				    x->valuestring));
		if (j->step != STEP_BOUGHT)
			continue;
		j->checked = 1;
		j->kept = oms_json_print(nums);
		any = 1;
	}
	if (!any)
		return OMS_OK;
	if ((rc = taken_in_batch(sp, js, n)) != OMS_OK)
		return rc;
	if ((rc = oms_db_write(sp->db, &nested)) != OMS_OK)
		return rc;
	for (int i = 0; i < n && rc == OMS_OK; i++) {
		struct job *j = js[i];

		if (j->step != STEP_BOUGHT)
			continue;
		if ((st = oms_db_stmt(sp->db, sql)) == NULL) {
			rc = OMS_ERR;
			break;
		}
		oms_bind_text(st, 1, j->s.request_id);
		oms_bind_int64(st, 2, j->order_id);
		oms_bind_text(st, 3, sp->carrier);
		oms_bind_text(st, 4, j->kept);
		oms_bind_text(st, 5, sp->now);
		rc = oms_db_step_done(sp->db, st, "cannot keep a label bought");
	}
	return oms_db_write_end(sp->db, nested, rc);
}

/* The place of each order in a batch, and how it went. */
struct batch_order {
	int rc;			/* a refusal before any shipment was made */
	struct oms_errsave *err;
};

/*
 * Jobs after one of their order that failed are not asked further, as
 * one at a time they would not be: ended, with nothing to say.
 */
static void
drop_after_failure(struct job *js, size_t nj)
{
	for (size_t i = 1; i < nj; i++)
		for (size_t k = i; k-- > 0 && js[k].order == js[i].order; )
			if (js[k].step == STEP_DONE && js[k].rc != OMS_OK &&
			    js[i].step != STEP_DONE) {
				js[i].step = STEP_DONE;
				break;
			}
}

/*
 * The n orders ids shipped together: every shipment made as far as its
 * rate request, the rate requests asked (in batches), then the label
 * requests; the labels bought kept (keep_labels), then each shipment
 * written and committed in the order of ids.  fn gets each shipment
 * record once committed, end each order's outcome in turn.
 */
static int
ship_batch(struct oms_shipper *sp, const int64_t *ids, size_t n,
    oms_rec_fn fn, oms_ship_end_fn end, void *arg)
{
	struct batch_order *os = ecalloc(n, sizeof *os);
	struct job *js = NULL, **ask = NULL;
	size_t nj = 0;
	int rc = OMS_OK;

	for (size_t i = 0; i < n; i++) {
		char **locs;
		size_t nl;

		os[i].rc = order_locations(sp, ids[i], &locs, &nl);
		if (os[i].rc != OMS_OK) {
			os[i].err = emalloc(sizeof *os[i].err);
			oms_err_save(os[i].err);
		}
		js = erealloc(js, (nj + nl) * sizeof *js);
		for (size_t k = 0; k < nl; k++) {
			struct job *j = &js[nj++];

			memset(j, 0, sizeof *j);
			j->order_id = ids[i];
			j->order = i;
			j->loc = locs[k];
			j->step = STEP_RATE;
		}
		free(locs);
	}
	ask = ecalloc(nj + 1, sizeof *ask);
	/* Each made up to its quotes, one after another as alone. */
	for (size_t i = 0; i < nj; i++) {
		drop_after_failure(js, i + 1);
		if (js[i].step == STEP_RATE)
			job_begin(sp, &js[i]);
	}
	/* The quotes, then the labels: each verb asked apart. */
	for (int step = STEP_RATE; step <= STEP_LABEL; ) {
		int k = 0;

		drop_after_failure(js, nj);
		for (size_t i = 0; i < nj; i++)
			if (js[i].step == step)
				ask[k++] = &js[i];
		if (k == 0) {
			step++;
			continue;
		}
		ask_all(sp, ask, k);
		if (step == STEP_LABEL)
			break;
	}
	/* Several labels bought at once: kept before any is used. */
	{
		int k = 0;

		for (size_t i = 0; i < nj; i++)
			if (js[i].step == STEP_BOUGHT)
				ask[k++] = &js[i];
		if (k > 1 && (rc = keep_labels(sp, ask, k)) != OMS_OK)
			goto out;
	}
	/* Each order in turn: its shipments committed, then its outcome. */
	for (size_t i = 0, x = 0; i < n; i++) {
		int r = os[i].rc;

		for (; x < nj && js[x].order == i; x++) {
			struct job *j = &js[x];

			if (j->step == STEP_BOUGHT)
				job_finish(sp, j);
			if (r == OMS_OK && j->rc != OMS_OK) {
				r = j->rc;
				if (os[i].err == NULL)
					os[i].err = emalloc(sizeof *os[i].err);
				*os[i].err = *j->err;
			} else if (j->rc == OMS_OK && j->rec != NULL &&
			    fn != NULL && (rc = fn(arg, j->rec)) != OMS_OK)
				goto out;
		}
		if (r != OMS_OK)
			oms_err_restore(os[i].err);
		if ((rc = end(arg, i, r)) != OMS_OK)
			goto out;
	}
out:
	for (size_t i = 0; i < nj; i++)
		job_free(&js[i]);
	for (size_t i = 0; i < n; i++)
		free(os[i].err);
	free(js);
	free(ask);
	free(os);
	return rc;
}

/*
 * Ship the n orders ids, each at every location where it has active
 * allocations; fn gets each shipment record once committed, and end
 * (arg, i, rc) the outcome of ids[i], in the order of ids, with its
 * failure's message as oms_error().  Several orders are shipped together
 * when the adapter declares it answers batches, their requests asked in
 * a run of the adapter each verb; else one after another, each request
 * in a run of its own.  ids names each order once.  What end returns
 * other than OMS_OK stops the rest, and is returned; so is a failure of
 * the database.
 */
int
oms_ship_orders(struct oms_shipper *sp, const int64_t *ids, size_t n,
    oms_rec_fn fn, oms_ship_end_fn end, void *arg)
{
	int rc;

	if (n > 1 && sp->batch < 0)
		capabilities(sp);
	if (n > 1 && sp->batch == 1)
		return ship_batch(sp, ids, n, fn, end, arg);
	for (size_t i = 0; i < n; i++)
		if ((rc = end(arg, i, ship_order(sp, ids[i], fn, arg))) !=
		    OMS_OK)
			return rc;
	return OMS_OK;
}

/*
 * Every order with stock allocated that may ship now, whatever routing
 * run allocated it, by priority then age: what `oms-ship --pending`
 * takes.
 */
int
oms_ship_pending(oms_db *db, int64_t **ids, size_t *n)
{
	static const char sql[] =
	    "SELECT o.id FROM orders o WHERE o.status IN ('allocated', "
	    "'partial', 'partly_shipped') AND EXISTS (SELECT 1 FROM "
	    "allocations a WHERE a.order_id = o.id AND a.state = 'active' "
	    "AND NOT EXISTS (SELECT 1 FROM locations l WHERE "
	    "l.id = a.location AND l.kind = '3pl')) "
	    "ORDER BY o.priority DESC, o.placed_at NULLS FIRST, o.id";
	oms_stmt *st = oms_db_stmt(db, sql);
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			*ids = erealloc(*ids, cap * sizeof **ids);
		}
		(*ids)[(*n)++] = oms_col_int64(st, 0);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the orders");
	return OMS_OK;
}

/* ---- tracking -------------------------------------------------------------- */

static const struct {
	const char *from, *to;
} statuses[] = {
	{ "pre_transit", "pre_transit" }, { "label_created", "pre_transit" },
	{ "pending", "pre_transit" }, { "in_transit", "in_transit" },
	{ "transit", "in_transit" }, { "picked_up", "in_transit" },
	{ "accepted", "in_transit" }, { "out_for_delivery", "out_for_delivery" },
	{ "available_for_pickup", "out_for_delivery" },
	{ "ready_for_pickup", "out_for_delivery" }, { "delivered", "delivered" },
	{ "failure", "failure" }, { "delivery_failed", "failure" },
	{ "exception", "failure" }, { "returned", "returned" },
	{ "return_to_sender", "returned" }, { "lost", "lost" },
	{ "missing", "lost" },
};

/* A carrier's status in the normalised vocabulary, or NULL. */
const char *
oms_ship_status(const char *s)
{
	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (strcasecmp(statuses[i].from, s) == 0)
			return statuses[i].to;
	return NULL;
}

struct tracked {
	int64_t id, order_id, transit;
	char *carrier, *shipped_at, *status;
	cJSON *numbers;		/* every package's tracking number */
};

/*
 * How far a parcel has got: a shipment is as far as its slowest parcel,
 * and a parcel lost or sent back is behind every other.
 */
static int
status_rank(const char *s)
{
	static const char *const order[] = { "lost", "returned", "pre_transit",
	    "in_transit", "failure", "out_for_delivery", "delivered", NULL };

	for (int i = 0; order[i]; i++)
		if (strcmp(order[i], s) == 0)
			return i;
	return 2;	/* as pre_transit */
}

/*
 * What carrier says of the parcel number that left at shipped_at, asked
 * with request_id (oms-carrier(7) track); the reply checked whole: every
 * event has a time and a status oms_ship_status knows.  Shared by
 * oms-ship track and the returns' inbound tracking (retlabel.c).
 */
int
oms_carrier_track(const char *carrier, const char *request_id,
    const char *number, const char *shipped_at, int64_t transit_days,
    cJSON **reply)
{
	cJSON *req = cJSON_CreateObject();
	const cJSON *e;
	int rc;

	cJSON_AddStringToObject(req, "request_id", request_id);
	cJSON_AddStringToObject(req, "tracking_number", number);
	cJSON_AddStringToObject(req, "shipped_at", shipped_at);
	cJSON_AddNumberToObject(req, "transit_days", (double)transit_days);
	rc = oms_carrier_call(carrier, "track", req, reply);
	cJSON_Delete(req);
	if (rc != OMS_OK)
		return rc;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(*reply, "events")) {
		char at[OMS_TIME_LEN];

		if (oms_ship_status(oms_json_str(e, "status")) == NULL ||
		    oms_json_str(e, "at") == NULL ||
		    oms_time_parse(oms_json_str(e, "at"), 0, "UTC", at) !=
		    OMS_OK) {
			rc = oms_fail(OMS_E_CARRIER, "carrier %s answered "
			    "track for %s with an event that has no time or "
			    "an unknown status '%s'", carrier, number,
			    oms_json_str(e,
			    "status")
			    ? oms_json_str(e, "status") : "");
			cJSON_Delete(*reply);
			*reply = NULL;
			return rc;
		}
	}
	return OMS_OK;
}

/* What the carrier says of one package of a shipment. */
static int
ask_track(const struct tracked *t, const char *number, cJSON **reply)
{
	char rid[96], now[OMS_TIME_LEN];

	oms_time_now(now);
	snprintf(rid, sizeof rid, "track-s%lld-%s-%s", (long long)t->id,
	    number, now);
	return oms_carrier_track(t->carrier, rid, number, t->shipped_at,
	    t->transit, reply);
}

/*
 * What a parcel's news does to its order, inside the tracking
 * transaction: delivered, when every parcel of it is; on hold with the
 * carrier's words, when one is sent back or lost.
 */
static int
parcel_moved(oms_db *db, const struct tracked *t, const char *status,
    const cJSON *events)
{
	char was[32], to[32], why[512];
	const cJSON *e, *last = NULL;
	cJSON *x, *r;
	int rc;

	if (strcmp(status, "delivered") == 0) {
		if ((rc = oms_order_expected(db, t->order_id, was, to, NULL)) !=
		    OMS_OK)
			return rc;
		if (strcmp(to, "delivered") != 0 || strcmp(was, to) == 0)
			return OMS_OK;
		x = cJSON_CreateObject();
		snprintf(why, sizeof why, "s_%lld", (long long)t->id);
		cJSON_AddStringToObject(x, "shipment", why);
		rc = oms_order_status(db, t->order_id, "delivered", to, NULL, x);
		cJSON_Delete(x);
		return rc;
	}
	if (strcmp(status, "returned") != 0 && strcmp(status, "lost") != 0)
		return OMS_OK;
	if ((rc = oms_order_expected(db, t->order_id, was, to, NULL)) != OMS_OK)
		return rc;
	if (!oms_state_move_ok("held", was, "hold") || strcmp(was, "hold") == 0)
		return OMS_OK;
	cJSON_ArrayForEach(e, events)
		last = e;
	snprintf(why, sizeof why, "s_%lld %s: %s%s%s", (long long)t->id,
	    strcmp(status, "lost") == 0 ? "is lost" : "was sent back",
	    t->carrier, last && oms_json_str(last, "description") ? " says " :
	    "", last && oms_json_str(last, "description") ?
	    oms_json_str(last, "description") : "");
	r = cJSON_CreateArray();
	cJSON_AddItemToArray(r, cJSON_CreateString(why));
	rc = oms_order_hold(db, t->order_id, "carrier", r, NULL);
	cJSON_Delete(r);
	return rc;
}

/*
 * Follow every package of a shipment, then record what is new in one
 * transaction: the events, and the shipment's status, which is its
 * slowest package's.
 */
static int
track_one(oms_db *db, const struct tracked *t, oms_rec_fn fn, void *arg)
{
	static const char sql_event[] =
	    "INSERT INTO tracking_events (shipment_id, tracking, at, status, "
	    "description) VALUES (?, ?, ?, ?, ?) "
	    "ON CONFLICT (shipment_id, tracking, at, status) DO NOTHING";
	static const char sql_status[] =
	    "UPDATE shipments SET status = ?2, delivered_at = CASE WHEN ?2 = "
	    "'delivered' THEN ?3 ELSE delivered_at END, "
	    "record = json_set(record, '$.status', ?2) WHERE id = ?1";
	int n = cJSON_GetArraySize(t->numbers), rc = OMS_OK, nested, fresh = 0;
	cJSON **replies = ecalloc((size_t)(n ? n : 1), sizeof *replies);
	cJSON *out = NULL, *events = NULL;
	const char *slowest = NULL, *slowest_at = NULL;
	int i = 0;
	const cJSON *num;

	cJSON_ArrayForEach(num, t->numbers) {
		if ((rc = ask_track(t, num->valuestring, &replies[i])) != OMS_OK)
			goto done;
		i++;
	}
	events = cJSON_CreateArray();
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		goto done;
	i = 0;
	cJSON_ArrayForEach(num, t->numbers) {
		const char *latest = NULL, *latest_at = NULL;
		const cJSON *e;

		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(
		    replies[i], "events")) {
			oms_stmt *st = oms_db_stmt(db, sql_event);
			const char *status = oms_ship_status(oms_json_str(e,
			    "status"));
			char at[OMS_TIME_LEN];

			oms_time_parse(oms_json_str(e, "at"), 0, "UTC", at);
			if (st == NULL) {
				rc = OMS_ERR;
				break;
			}
			oms_bind_int64(st, 1, t->id);
			oms_bind_text(st, 2, num->valuestring);
			oms_bind_text(st, 3, at);
			oms_bind_static(st, 4, status);
			if (oms_json_str(e, "description") != NULL)
				oms_bind_text(st, 5, oms_json_str(e,
				    "description"));
			else
				oms_bind_null(st, 5);
			if ((rc = oms_db_step_done(db, st, "cannot store a "
			    "tracking event")) != OMS_OK)
				break;
			if (oms_db_changes(db) > 0) {
				cJSON *x = cJSON_CreateObject();

				cJSON_AddStringToObject(x, "at", at);
				cJSON_AddStringToObject(x, "status", status);
				if (oms_json_str(e, "description") != NULL)
					cJSON_AddStringToObject(x, "description",
					    oms_json_str(e, "description"));
				if (n > 1)
					cJSON_AddStringToObject(x, "tracking",
					    num->valuestring);
				cJSON_AddItemToArray(events, x);
				fresh++;
			}
			latest = status;
			latest_at = oms_json_str(e, "at");
		}
		if (rc != OMS_OK)
			break;
		/* A package with no events yet has not left. */
		if (latest == NULL)
			latest = "pre_transit";
		if (slowest == NULL || status_rank(latest) <
		    status_rank(slowest)) {
			slowest = latest;
			slowest_at = latest_at;
		}
		i++;
	}
	if (rc == OMS_OK && slowest != NULL && strcmp(slowest, t->status) != 0 &&
	    (slowest_at != NULL || strcmp(slowest, "pre_transit") != 0)) {
		oms_stmt *st = oms_db_stmt(db, sql_status);
		char at[OMS_TIME_LEN] = "";

		if (slowest_at != NULL)
			oms_time_parse(slowest_at, 0, "UTC", at);
		if (st == NULL)
			rc = OMS_ERR;
		else {
			oms_bind_int64(st, 1, t->id);
			oms_bind_static(st, 2, slowest);
			oms_bind_text(st, 3, at);
			rc = oms_db_step_done(db, st, "cannot update a shipment");
		}
		if (rc == OMS_OK)
			rc = parcel_moved(db, t, slowest, events);
	}
	if ((rc = oms_db_write_end(db, nested, rc)) != OMS_OK || fresh == 0)
		goto done;
	{
		char ref[32];

		out = cJSON_CreateObject();
		cJSON_AddStringToObject(out, "type", "tracking");
		snprintf(ref, sizeof ref, "s_%lld", (long long)t->id);
		cJSON_AddStringToObject(out, "shipment", ref);
		snprintf(ref, sizeof ref, "o_%lld", (long long)t->order_id);
		cJSON_AddStringToObject(out, "order", ref);
		cJSON_AddStringToObject(out, "carrier", t->carrier);
		cJSON_AddStringToObject(out, "tracking",
		    cJSON_GetArrayItem(t->numbers, 0)->valuestring);
		cJSON_AddStringToObject(out, "status", slowest ? slowest :
		    t->status);
		cJSON_AddItemToObject(out, "events", events);
		events = NULL;
		rc = fn(arg, out);
	}
done:
	for (int k = 0; k < n; k++)
		cJSON_Delete(replies[k]);
	free(replies);
	cJSON_Delete(events);
	cJSON_Delete(out);
	return rc;
}

/*
 * Ask the carrier of every shipment still on its way (of one carrier, when
 * named) what became of it; fn gets a tracking record for each shipment
 * with news.  A shipment whose carrier fails is named and the rest go on.
 */
int
oms_ship_track(oms_db *db, const char *carrier, oms_rec_fn fn, void *arg,
    long *failed)
{
	static const char sql[] =
	    "SELECT id, order_id, carrier, coalesce((SELECT json_group_array("
	    "p.value ->> '$.tracking') FROM json_each(record, '$.packages') AS p), "
	    "json_array(tracking)), shipped_at, status, "
	    "coalesce(record ->> '$.transit_days', '3') FROM shipments "
	    "WHERE status NOT IN ('delivered', 'returned', 'voided') "
	    "AND record ->> '$.reshipped' IS NULL "
	    "AND (CAST(?1 AS TEXT) IS NULL OR carrier = ?1) ORDER BY id";
	oms_stmt *st = oms_db_stmt(db, sql);
	struct tracked *ts = NULL;
	size_t n = 0;
	int rc, r = OMS_OK;

	*failed = 0;
	if (st == NULL)
		return OMS_ERR;
	if (carrier != NULL)
		oms_bind_text(st, 1, carrier);
	while ((rc = oms_step(st)) == OMS_ROW) {
		struct tracked *t;

		ts = erealloc(ts, (n + 1) * sizeof *ts);
		t = &ts[n++];
		t->id = oms_col_int64(st, 0);
		t->order_id = oms_col_int64(st, 1);
		t->carrier = estrdup(oms_col_text(st, 2));
		t->numbers = cJSON_Parse(oms_col_text(st, 3));
		if (cJSON_GetArraySize(t->numbers) == 0) {
			cJSON_Delete(t->numbers);
			t->numbers = cJSON_CreateArray();
		}
		t->shipped_at = estrdup(oms_col_text(st, 4));
		t->status = estrdup(oms_col_text(st, 5));
		t->transit = oms_col_int64(st, 6);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		r = oms_db_fail(db, rc, "cannot read the shipments");
	for (size_t i = 0; i < n; i++) {
		if (r == OMS_OK) {
			int t = track_one(db, &ts[i], fn, arg);

			if (t == OMS_ERR || t == OMS_REJECT) {
				/* One carrier's trouble does not stop the rest. */
				if (oms_exit_status(t) == OMS_EXIT_FATAL &&
				    oms_errkind() != OMS_E_CARRIER)
					r = t;
				else {
					oms_warnx("s_%lld: %s", (long long)ts[i].id,
					    oms_error());
					(*failed)++;
				}
			} else if (t != OMS_OK)
				r = t;
		}
		free(ts[i].carrier);
		cJSON_Delete(ts[i].numbers);
		free(ts[i].shipped_at);
		free(ts[i].status);
	}
	free(ts);
	return r;
}

/* The day's shipments of a carrier (date YYYY-MM-DD, UTC), in order. */
int
oms_ship_manifest(oms_db *db, const char *carrier, const char *date,
    oms_rec_fn fn, void *arg)
{
	static const char sql[] =
	    "SELECT record FROM shipments WHERE carrier = ? "
	    "AND substr(shipped_at, 1, 10) = ? AND status <> 'voided' "
	    "ORDER BY id";
	oms_stmt *st = oms_db_stmt(db, sql);
	int rc, r = OMS_OK;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, carrier);
	oms_bind_text(st, 2, date);
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *rec = cJSON_Parse(oms_col_text(st, 0));

		r = fn(arg, rec);
		cJSON_Delete(rec);
		if (r != OMS_OK)
			break;
	}
	oms_reset(st);
	if (r == OMS_OK && rc != OMS_DONE)
		r = oms_db_fail(db, rc, "cannot read the shipments");
	return r;
}

/* ---- voiding a label ------------------------------------------------------- */

static int
trim_lines(oms_db *db, int64_t order_id)
{
	static const char sql[] =
	    "SELECT line_no FROM order_lines WHERE order_id = ? "
	    "AND allocated - shipped > qty - cancelled - CASE WHEN fulfilled > shipped THEN fulfilled ELSE shipped END "
	    "AND allocated > shipped ORDER BY line_no";
	oms_stmt *st = oms_db_stmt(db, sql);
	int *ls = NULL, n = 0, rc;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, order_id);
	while ((rc = oms_step(st)) == OMS_ROW) {
		ls = erealloc(ls, (size_t)(n + 1) * sizeof *ls);
		ls[n++] = oms_col_int(st, 0);
	}
	oms_reset(st);
	rc = rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read an order's lines");
	for (int i = 0; i < n && rc == OMS_OK; i++)
		rc = oms_alloc_trim(db, order_id, ls[i], "order changed");
	free(ls);
	return rc;
}

/*
 * Void shipment ref (s_N) before the carrier has it: the carrier cancels
 * its labels, and in one transaction the parcel's stock goes back on the
 * shelf and is reserved for the order again (ledger: adjust + reserve),
 * its allocations are active again, and the order takes the status that
 * leaves it (allocated, partial or partly shipped).  A parcel the carrier
 * has scanned is refused: a return brings it back.  One already confirmed
 * to its channel is voided all the same; `confirm` then writes the
 * channel a correction, or names it for the operator.  fn gets the
 * voided record.
 */
int
oms_ship_void(oms_db *db, const char *ref, oms_rec_fn fn, void *arg)
{
	static const char sql[] =
	    "SELECT order_id, carrier, status, request_id, record, "
	    "(SELECT channel FROM confirmations c WHERE c.shipment_id = s.id "
	    "LIMIT 1) FROM shipments s WHERE id = ?";
	static const char sql_lines[] =
	    "SELECT l.allocation_id, l.sku, l.qty, s.location, l.line_no FROM "
	    "shipment_lines l JOIN shipments s ON s.id = l.shipment_id "
	    "WHERE l.shipment_id = ? ORDER BY l.allocation_id";
	static const char sql_gone[] =
	    "UPDATE allocations SET state = 'released', ended_at = ?2 "
	    "WHERE id = ?1";
	static const char sql_status[] =
	    "SELECT status FROM shipments WHERE id = ?";
	static const char sql_ship[] =
	    "UPDATE shipments SET status = 'voided', voided_at = ?2, "
	    "record = json_set(record, '$.status', 'voided') WHERE id = ?1";
	static const char sql_alloc[] =
	    "UPDATE allocations SET state = 'active', ended_at = NULL "
	    "WHERE id = ?";
	oms_stmt *st;
	cJSON *rec = NULL, *req = NULL, *reply = NULL, *nums;
	const cJSON *p;
	char *carrier = NULL, *status = NULL, *rid = NULL, *confirmed = NULL;
	char now[OMS_TIME_LEN];
	int64_t id, order_id = 0;
	int rc;

	if (strncmp(ref, "s_", 2) != 0 || !oms_all_digits(ref + 2))
		return oms_reject("'%s' is not a shipment (s_N)", ref);
	id = strtoll(ref + 2, NULL, 10);
	if ((st = oms_db_stmt(db, sql)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	if ((rc = oms_step(st)) == OMS_ROW) {
		order_id = oms_col_int64(st, 0);
		carrier = estrdup(oms_col_text(st, 1));
		status = estrdup(oms_col_text(st, 2));
		rid = estrdup(oms_col_text(st, 3));
		rec = cJSON_Parse(oms_col_text(st, 4));
		if (oms_col_text(st, 5) != NULL)
			confirmed = estrdup(oms_col_text(st, 5));
	}
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("no shipment %s", ref);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read a shipment");
	if (strcmp(status, "shipped") != 0 && strcmp(status, "pre_transit") != 0) {
		rc = strcmp(status, "voided") == 0 ? oms_reject("%s is voided "
		    "already", ref) : oms_reject("%s is %s: the carrier has it; a "
		    "return brings it back", ref, status);
		goto out;
	}
	/* The carrier first, with no transaction open. */
	req = cJSON_CreateObject();
	{
		char vid[64];

		snprintf(vid, sizeof vid, "void-%s", rid);
		cJSON_AddStringToObject(req, "request_id", vid);
	}
	nums = cJSON_AddArrayToObject(req, "tracking_numbers");
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(rec, "packages"))
		cJSON_AddItemToArray(nums, cJSON_CreateString(oms_json_str(p,
		    "tracking")));
	if ((rc = oms_carrier_call(carrier, "void", req, &reply)) != OMS_OK)
		goto out;
	oms_time_now(now);
	if ((rc = oms_db_begin(db)) != OMS_OK)
		goto out;
	/* Another run may have voided it, or tracked it, meanwhile. */
	if ((st = oms_db_stmt(db, sql_status)) == NULL)
		goto fail;
	oms_bind_int64(st, 1, id);
	rc = oms_step(st);
	if (rc == OMS_ROW && strcmp(oms_col_text(st, 0), status) != 0) {
		char now_is[32];

		snprintf(now_is, sizeof now_is, "%s", oms_col_text(st, 0));
		oms_reset(st);
		rc = strcmp(now_is, "voided") == 0 ? oms_reject("%s is voided "
		    "already", ref) : oms_reject("%s is %s: the carrier has it; "
		    "a return brings it back", ref, now_is);
		goto fail_rc;
	}
	oms_reset(st);
	if (rc != OMS_ROW) {
		rc = oms_db_fail(db, rc, "cannot read a shipment");
		goto fail_rc;
	}
	if ((st = oms_db_stmt(db, sql_lines)) == NULL)
		goto fail;
	oms_bind_int64(st, 1, id);
	{
		struct item *it = NULL;
		char *loc = NULL;
		size_t n = 0;

		while ((rc = oms_step(st)) == OMS_ROW) {
			it = erealloc(it, (n + 1) * sizeof *it);
			memset(&it[n], 0, sizeof it[n]);
			it[n].alloc = oms_col_int64(st, 0);
			it[n].sku = estrdup(oms_col_text(st, 1));
			it[n].qty = oms_col_int64(st, 2);
			it[n].line_no = oms_col_int(st, 4);
			if (loc == NULL)
				loc = estrdup(oms_col_text(st, 3));
			n++;
		}
		oms_reset(st);
		rc = rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
		    "cannot read a shipment");
		for (size_t i = 0; i < n && rc == OMS_OK; i++) {
			/*
			 * Back on the shelf; reserved again for its line, or
			 * for none when the order no longer has the line.
			 */
			int gone = it[i].line_no <= 0;

			rc = move(db, "adjust+", &it[i], loc, ref, id,
			    "void:s%lld:a%lld");
			if (rc == OMS_OK && !gone)
				rc = move(db, "reserve", &it[i], loc, ref,
				    id, "void:reserve:s%lld:a%lld");
			if (rc == OMS_OK && (st = oms_db_stmt(db, gone ?
			    sql_gone : sql_alloc)) == NULL)
				rc = OMS_ERR;
			if (rc == OMS_OK) {
				oms_bind_int64(st, 1, it[i].alloc);
				if (gone)
					oms_bind_text(st, 2, now);
				rc = oms_db_step_done(db, st, "cannot update an "
				    "allocation");
			}
		}
		for (size_t i = 0; i < n; i++)
			free(it[i].sku);
		free(it);
		free(loc);
		if (rc != OMS_OK)
			goto fail_rc;
	}
	if ((st = oms_db_stmt(db, sql_ship)) == NULL)
		goto fail;
	oms_bind_int64(st, 1, id);
	oms_bind_text(st, 2, now);
	if ((rc = oms_db_step_done(db, st, "cannot update a shipment")) != OMS_OK)
		goto fail_rc;
	if ((st = oms_db_stmt(db, sql_shipped)) == NULL)
		goto fail;
	oms_bind_int64(st, 1, order_id);
	if ((rc = oms_db_step_done(db, st, "cannot update an order")) != OMS_OK)
		goto fail_rc;
	/* A line that now wants fewer than the parcel held gives the rest back. */
	if ((rc = trim_lines(db, order_id)) != OMS_OK)
		goto fail_rc;
	{
		cJSON *x = cJSON_CreateObject();
		char was[32], to[32];

		cJSON_AddStringToObject(x, "shipment", ref);
		if (confirmed != NULL)
			cJSON_AddStringToObject(x, "confirmed_to", confirmed);
		rc = oms_order_expected(db, order_id, was, to, NULL);
		if (rc == OMS_OK)
			rc = oms_order_status(db, order_id, "voided", to, NULL, x);
		cJSON_Delete(x);
		if (rc != OMS_OK)
			goto fail_rc;
	}
	if ((rc = oms_db_commit(db)) != OMS_OK)
		goto out;
	cJSON_ReplaceItemInObjectCaseSensitive(rec, "status",
	    cJSON_CreateString("voided"));
	rc = fn(arg, rec);
	goto out;
fail:
	rc = OMS_ERR;
fail_rc:
	oms_db_rollback(db);
out:
	cJSON_Delete(rec);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	free(carrier);
	free(status);
	free(rid);
	free(confirmed);
	return rc;
}
