/*
 * route.c: send each order to the best places to fulfil it, reserve the
 * stock there, and say why.
 *
 * For one order: the first rule whose conditions match (rules.c) names
 * the locations that may serve it, its strategies, and its split and
 * backorder policies.  The candidates are those locations that are
 * sellable and ship (a pickup order: its store alone), not excluded and
 * not at their day's capacity.  Splitting is solved, not greedy: the
 * fewest locations that together hold every unit the order still needs
 * (one, then pairs, ... up to the rule's limit, each shipment worth at
 * least its min_value), and among the sets of that size the best by the
 * strategies in the rule's order, then by location ids.  Within a set,
 * units are taken from the location the strategies like best first.
 * When no set covers the order, a partial rule takes the set that covers
 * the most units (then the strategies), and the rest is backordered; the
 * backorder policy may hold the order instead, or cancel it once it has
 * waited its days.
 *
 * Each allocation is a row of allocations and a reserve movement in the
 * ledger, written with the order's new status, its route record and an
 * event inside the caller's transaction: stock is read and reserved under
 * the same write lock, so two runs can neither allocate an order twice
 * nor reserve a unit twice.  Everything is computed in a fixed order from
 * the database and the clock, so the same state gives the same output.
 *
 * What the catalog says of a sku (kit components, weight, size) and where
 * an address is are read once a run and kept, until the database says
 * another connection has written since (cache_check, once an order); an
 * order's levels are read afresh in its own transaction, and a
 * reservation is made only if the level is still as read.  An order is
 * refused, if at all, before anything of it is written.
 */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bounds.h"
#include "oms.h"
#include "order.h"
#include "route.h"
#include "stock.h"

#define MAXLOC 64		/* candidate locations an order considers */
#define MAXQ 16			/* rate quotes per shipment */
#define UNKNOWN_M 40000000	/* a distance unknown: farther than any */
#define UNKNOWN_COST 1000000000000LL

struct rloc {
	char *id, *cutoff, *tz, *country;
	int sellable, ships, pickup, has_cap;
	char *region, *postal;	/* while the point is found */
	int64_t priority, cap, used;
	long utc_off;		/* seconds east of UTC, at the run's clock */
	int ship_day;		/* when an order routed now leaves */
	struct oms_point pt;
};

struct part {			/* a sku a line needs, per unit of the line */
	int sku;		/* index into the order's skus */
	int64_t per;
};

struct rline {
	int line_no, kit, nparts;
	char *sku;
	int64_t qty, cancelled, elsewhere, allocated, remaining, unit_price;
	struct part parts[OMS_KIT_MAX];
};

struct rsku {
	char *sku;
	int64_t need, weight_g, volume_cm3;
};

/* A shipment of a set: what one location sends, and what it costs. */
struct ship {
	int loc;		/* candidate index */
	int64_t value, grams, volume_cm3, dist_m;
	int has_quote, late, zone, transit_days;
	struct oms_quote q;
	int ships_on, arrives_on;	/* days since 1970-01-01 */
};

struct eval {
	int set[OMS_MAX_SHIPMENTS], k;	/* candidate indices, by preference */
	int64_t units;			/* units covered */
	int covers, valid;
	int64_t terms[OMS_NSTRATEGIES];
	struct ship ships[OMS_MAX_SHIPMENTS];
	int nships;
	/* take[line][part][slot]: units of the part from set[slot] */
	int64_t (*take)[OMS_KIT_MAX][OMS_MAX_SHIPMENTS];
	int64_t *line_units;		/* whole line units allocated */
	char why[160];
};

/*
 * A table of what a run has read, by a byte key: open addressing, the
 * capacity a power of two, grown at three quarters full.
 */
struct memo {
	struct memo_slot {
		char *key;
		size_t n;
		uint64_t h;
		void *v;
	} *slot;
	size_t used, cap;
};

/*
 * A sku as the catalog has it: whether it is a product and a kit (a kits
 * row: such stock is not reserved), its weight and size, and a kit's
 * components, by sku.  Each half is read the first time it is asked.
 */
struct cat {
	int have_product, have_kit;	/* read yet */
	int product, kit_row;
	int64_t weight_g, volume_cm3;
	int ncomp;
	struct comp {
		char *sku;
		int64_t per;
	} *comp;
};

/*
 * The quotes of the order being routed, by candidate, weight and volume:
 * the sets tried ask for the same shipment many times.  A slot is the
 * order's when its gen is the router's.
 */
#define QMEMO 512
struct qslot {
	uint64_t gen;
	int c;
	int64_t grams, volume_cm3;
	struct ship s;
};

/*
 * Allocations and their reservations' movements waiting to be written,
 * many rows to a statement, where oms_db_ids_by_max lets the router give
 * their ids (route_flush says when they are written).
 */
struct pend_alloc {
	int64_t id, order_id, qty;
	int line_no;
	const char *sku, *location;	/* its movement's, a router's location */
	const char *rule;
};

struct pend {
	int known;			/* next ids read in this transaction */
	int64_t next_alloc, next_move;
	struct pend_alloc *a;
	struct oms_reserve *m;		/* sku and ref (key after it) its own */
	int na, nm, capa, capm;
	struct pend_route {		/* route records, to store */
		int64_t order_id;
		char *text;
	} *r;
	int nr, capr;
	int64_t *orders;		/* the orders they are of */
	int norders, caporders;
};

struct oms_router {
	oms_db *db;
	oms_rates *rates;
	struct oms_rules *rules;
	struct rloc *locs;
	int nlocs;
	int explain, dry, own_rules;
	struct oms_rules *fallback;	/* the built-in default, parsed once */
	const char **exclude;
	int nexclude;
	int64_t now;
	char nowtxt[OMS_TIME_LEN];
	/* A dry run's reservations: sku and location to units. */
	struct overlay { char *sku; int loc; int64_t qty; } *ov;
	size_t nov, capov;
	/*
	 * What the jq conditions said of one order's record as it was read:
	 * per rule -1 not asked, 0 false, 1 true; failed, the rule whose
	 * condition failed (-1: none) and why.  Kept from oms_route_decide,
	 * outside the write lock, for the routing under it.
	 */
	struct known {
		int64_t id;
		uint64_t digest;
		signed char *truth;
		int failed;
		char msg[512];
	} known;
	long allocated, partial, backordered, held, cancelled, unchanged;
	/*
	 * The catalog and the destinations' positions, read once a run and
	 * dropped when another connection may have changed them: whenever
	 * data_version moves (cache_check).
	 */
	struct memo cat, geo;
	/*
	 * And each sku's levels as read in the run's transactions, then as
	 * its own reservations left them: no other connection can have
	 * written them while data_version stands, and a reservation is made
	 * only if the level is still as this says (oms_stock_reserve).  Its
	 * other writes to levels (releases, the ledger's own way) drop it.
	 */
	struct memo lv;
	int64_t data_version;
	int have_version;
	struct qslot *qmemo;	/* QMEMO slots, for quote_ship */
	uint64_t qgen;
	struct pend pend;
};

/* ---- what a run remembers -------------------------------------------------- */

static struct memo_slot *
memo_slot(struct memo *m, const char *key, size_t n, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	while (m->slot[i].key != NULL && (m->slot[i].h != h ||
	    m->slot[i].n != n || memcmp(m->slot[i].key, key, n) != 0))
		i = (i + 1) & (m->cap - 1);
	return &m->slot[i];
}

/* The value of key in m; *fresh says it was not there (now NULL). */
static void **
memo_get(struct memo *m, const char *key, size_t n, int *fresh)
{
	uint64_t h = oms_hash64(key, n, OMS_HASH_INIT);
	struct memo_slot *sl;

	if ((m->used + 1) * 4 > m->cap * 3) {
		struct memo old = *m;

		m->cap = m->cap ? m->cap * 2 : 256;
		m->slot = ecalloc(m->cap, sizeof *m->slot);
		for (size_t i = 0; i < old.cap; i++)
			if (old.slot[i].key != NULL)
				*memo_slot(m, old.slot[i].key, old.slot[i].n,
				    old.slot[i].h) = old.slot[i];
		free(old.slot);
	}
	sl = memo_slot(m, key, n, h);
	*fresh = sl->key == NULL;
	if (*fresh) {
		sl->key = emalloc(n + 1);
		memcpy(sl->key, key, n);
		sl->key[n] = '\0';
		sl->n = n;
		sl->h = h;
		sl->v = NULL;
		m->used++;
	}
	return &sl->v;
}

static void
cat_free(void *v)
{
	struct cat *k = v;

	if (k == NULL)
		return;
	for (int i = 0; i < k->ncomp; i++)
		free(k->comp[i].sku);
	free(k->comp);
	free(k);
}

/* A sku's levels at the run's locations (index into rt->locs). */
struct lvls {
	int n;
	struct lvl {
		int loc;
		int64_t fig[3];		/* on hand, reserved, in transit */
	} *v;
};

static void
lvls_free(void *v)
{
	struct lvls *l = v;

	if (l != NULL)
		free(l->v);
	free(l);
}

static void
memo_clear(struct memo *m, void (*free_v)(void *))
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slot[i].key != NULL) {
			free(m->slot[i].key);
			free_v(m->slot[i].v);
		}
	free(m->slot);
	memset(m, 0, sizeof *m);
}

/*
 * Drop what the run remembers of the catalog if another connection may
 * have changed it since the last look: once an order, inside its
 * transaction (or the statement of a read outside one).
 */
static int
cache_check(struct oms_router *rt)
{
	int64_t v;
	int rc;

	if ((rc = oms_db_data_version(rt->db, &v)) != OMS_OK)
		return rc;
	if (rt->have_version && v == rt->data_version)
		return OMS_OK;
	memo_clear(&rt->cat, cat_free);
	memo_clear(&rt->geo, free);
	memo_clear(&rt->lv, lvls_free);
	rt->data_version = v;
	rt->have_version = 1;
	return OMS_OK;
}

static struct cat *
cat_entry(struct oms_router *rt, const char *sku)
{
	int fresh;
	void **v = memo_get(&rt->cat, sku, strlen(sku), &fresh);

	if (fresh)
		*v = ecalloc(1, sizeof(struct cat));
	return *v;
}

/* A kit's components, by sku: none for a sku that is not a kit. */
static int
cat_kit(struct oms_router *rt, const char *sku, struct cat **out)
{
	static const char sql[] =
	    "SELECT sku, qty FROM kit_components WHERE kit_sku = ? ORDER BY sku";
	struct cat *k = *out = cat_entry(rt, sku);
	oms_stmt *st;
	int rc;

	if (k->have_kit)
		return OMS_OK;
	if ((st = oms_db_stmt(rt->db, sql)) == NULL)
		return OMS_ERR;
	oms_bind_static(st, 1, sku);
	while ((rc = oms_step(st)) == OMS_ROW && k->ncomp < OMS_KIT_MAX) {
		if (k->comp == NULL)
			k->comp = ecalloc(OMS_KIT_MAX, sizeof *k->comp);
		k->comp[k->ncomp].sku = estrdup(oms_col_text(st, 0));
		k->comp[k->ncomp++].per = oms_col_int64(st, 1);
	}
	oms_reset(st);
	if (rc != OMS_DONE && rc != OMS_ROW)
		return oms_db_fail(rt->db, rc, "cannot read a kit");
	k->have_kit = 1;
	return OMS_OK;
}

/* Whether sku is a product and a kit, its weight and its volume. */
static int
cat_product(struct oms_router *rt, const char *sku, struct cat **out)
{
	static const char sql[] =
	    "SELECT p.weight_g, p.length_mm, p.width_mm, p.height_mm, "
	    "CASE WHEN EXISTS (SELECT 1 FROM kits k WHERE k.sku = p.sku) "
	    "THEN 1 ELSE 0 END FROM products p WHERE p.sku = ?";
	struct cat *k = *out = cat_entry(rt, sku);
	oms_stmt *st;
	int rc;

	if (k->have_product)
		return OMS_OK;
	if ((st = oms_db_stmt(rt->db, sql)) == NULL)
		return OMS_ERR;
	oms_bind_static(st, 1, sku);
	if ((rc = oms_step(st)) == OMS_ROW) {
		int64_t mm3 = oms_sat_mul(oms_sat_mul(oms_col_int64(st, 1),
		    oms_col_int64(st, 2)), oms_col_int64(st, 3));

		k->product = 1;
		k->weight_g = oms_col_int64(st, 0);
		/* mm3 to cm3, rounded up */
		k->volume_cm3 = mm3 / 1000 + (mm3 % 1000 != 0);
		k->kit_row = oms_col_int(st, 4) != 0;
	}
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(rt->db, rc, "cannot read a product");
	k->have_product = 1;
	return OMS_OK;
}

/* Where an address is, remembered for the run by its three parts. */
static int
geo_point(struct oms_router *rt, const char *country, const char *region,
    const char *postal, struct oms_point *pt)
{
	const char *part[3] = { country, region, postal };
	struct oms_buf key = { 0 };
	void **v;
	int fresh, rc;

	for (int i = 0; i < 3; i++) {
		/* A part's presence first, so NULL and "" differ. */
		oms_buf_addc(&key, part[i] != NULL ? '+' : '-');
		if (part[i] != NULL)
			oms_buf_add(&key, part[i], strlen(part[i]) + 1);
	}
	v = memo_get(&rt->geo, key.s, key.len, &fresh);
	oms_buf_free(&key);
	if (*v != NULL) {
		*pt = *(struct oms_point *)*v;
		return OMS_OK;
	}
	if ((rc = oms_geo_point(rt->db, country, region, postal, pt)) !=
	    OMS_OK)
		return rc;
	*v = emalloc(sizeof *pt);
	memcpy(*v, pt, sizeof *pt);
	return OMS_OK;
}

/* ---- the run ----------------------------------------------------------- */

static int
days_of(const struct tm *tm)
{
	struct tm t = *tm;

	t.tm_hour = 12;
	t.tm_min = t.tm_sec = 0;
	t.tm_isdst = 0;
	return (int)(timegm(&t) / 86400);
}

static void
day_text(int day, char out[11])
{
	time_t t = (time_t)day * 86400;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

static int
weekday(int day)
{
	return (day + 4) % 7;	/* 0 is Sunday; 1970-01-01 was a Thursday */
}

static int
business_day(int day)
{
	while (weekday(day) == 0 || weekday(day) == 6)
		day++;
	return day;
}

static char *
dup_or_null(const char *s)
{
	return s ? estrdup(s) : NULL;
}

static int cutoff_passed(const struct tm *tm, const char *cutoff);
static int pend_has(const struct pend *p, int64_t order_id);
static void pend_order(struct pend *p, int64_t id);
static void pend_clear(struct pend *p);

/* The locations, with where they are and how many orders they took today. */
static int
load_locations(struct oms_router *rt)
{
	static const char sql[] =
	    "SELECT id, sellable, ships, pickup, priority, capacity_per_day, "
	    "cutoff, tz, country, region, postal_code, lat, lon FROM locations "
	    "ORDER BY id";
	static const char sql_used[] =
	    "SELECT count(DISTINCT order_id) FROM allocations "
	    "WHERE location = ? AND created_at >= ? AND state <> 'released'";
	oms_stmt *st = oms_db_stmt(rt->db, sql);
	int rc, cap = 0;

	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		struct rloc *l;

		if (rt->nlocs == cap) {
			cap = cap ? cap * 2 : 16;
			rt->locs = erealloc(rt->locs, (size_t)cap *
			    sizeof *rt->locs);
		}
		l = &rt->locs[rt->nlocs++];
		memset(l, 0, sizeof *l);
		l->id = estrdup(oms_col_text(st, 0));
		l->sellable = oms_col_int(st, 1);
		l->ships = oms_col_int(st, 2);
		l->pickup = oms_col_int(st, 3);
		l->priority = oms_col_int64(st, 4);
		l->has_cap = !oms_col_null(st, 5);
		l->cap = oms_col_int64(st, 5);
		l->cutoff = dup_or_null(oms_col_text(st, 6));
		l->tz = dup_or_null(oms_col_text(st, 7));
		l->country = dup_or_null(oms_col_text(st, 8));
		l->region = dup_or_null(oms_col_text(st, 9));
		l->postal = dup_or_null(oms_col_text(st, 10));
		if (!oms_col_null(st, 11) &&
		    !oms_col_null(st, 12)) {
			l->pt.lat = oms_col_double(st, 11);
			l->pt.lon = oms_col_double(st, 12);
			l->pt.how = "location";
		}
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(rt->db, rc, "cannot read the locations");
	/* Where each is, when its record has no lat/lon; its day's orders. */
	for (int i = 0; i < rt->nlocs; i++) {
		struct rloc *l = &rt->locs[i];
		char start[OMS_TIME_LEN];
		struct tm tm;

		if (l->pt.how == NULL && (rc = oms_geo_point(rt->db, l->country,
		    l->region, l->postal, &l->pt)) != OMS_OK)
			return rc;
		free(l->region);
		free(l->postal);
		l->region = l->postal = NULL;
		/* Its clock, once a run: zones are dear to switch between. */
		if (oms_time_local(rt->now, l->tz, &tm) != OMS_OK)
			return oms_seterr("location %s: %s", l->id, oms_error());
		l->utc_off = tm.tm_gmtoff;
		l->ship_day = days_of(&tm);
		if (cutoff_passed(&tm, l->cutoff))
			l->ship_day++;
		l->ship_day = business_day(l->ship_day);
		if (!l->has_cap)
			continue;
		oms_time_format(rt->now - (tm.tm_hour * 3600 + tm.tm_min * 60 +
		    tm.tm_sec), start);
		if ((st = oms_db_stmt(rt->db, sql_used)) == NULL)
			return OMS_ERR;
		oms_bind_text(st, 1, l->id);
		oms_bind_text(st, 2, start);
		rc = oms_step(st);
		l->used = oms_col_int64(st, 0);
		oms_reset(st);
		if (rc != OMS_ROW)
			return oms_db_fail(rt->db, rc, "cannot read the allocations");
	}
	return OMS_OK;
}

int
oms_router_open(oms_db *db, struct oms_rules *rules, int flags,
    struct oms_router **out)
{
	struct oms_router *rt = ecalloc(1, sizeof *rt);
	int rc;

	rt->db = db;
	rt->explain = (flags & OMS_ROUTE_EXPLAIN) != 0;
	rt->dry = (flags & OMS_ROUTE_DRY) != 0;
	oms_time_now(rt->nowtxt);
	oms_time_to_epoch(rt->nowtxt, &rt->now);
	if ((rc = oms_rates_load(&rt->rates)) != OMS_OK)
		goto fail;
	if (rules != NULL)
		rt->rules = rules;
	else if ((rc = oms_rules_current(db, &rt->rules)) != OMS_OK)
		goto fail;
	else
		rt->own_rules = 1;
	if ((rc = oms_rules_parse(oms_rules_default(), NULL, NULL,
	    &rt->fallback)) != OMS_OK)
		goto fail;
	if ((rc = load_locations(rt)) != OMS_OK)
		goto fail;
	*out = rt;
	return OMS_OK;
fail:
	oms_router_close(rt);
	return rc;
}

void
oms_router_close(struct oms_router *rt)
{
	if (rt == NULL)
		return;
	for (int i = 0; i < rt->nlocs; i++) {
		free(rt->locs[i].id);
		free(rt->locs[i].cutoff);
		free(rt->locs[i].tz);
		free(rt->locs[i].country);
		free(rt->locs[i].region);
		free(rt->locs[i].postal);
	}
	free(rt->locs);
	for (size_t i = 0; i < rt->nov; i++)
		free(rt->ov[i].sku);
	free(rt->ov);
	oms_rates_free(rt->rates);
	free(rt->known.truth);
	memo_clear(&rt->cat, cat_free);
	memo_clear(&rt->geo, free);
	memo_clear(&rt->lv, lvls_free);
	free(rt->qmemo);
	pend_clear(&rt->pend);
	free(rt->pend.a);
	free(rt->pend.m);
	free(rt->pend.r);
	free(rt->pend.orders);
	if (rt->own_rules)
		oms_rules_free(rt->rules);
	oms_rules_free(rt->fallback);
	free(rt);
}

void
oms_router_exclude(struct oms_router *rt, const char **ids, int n)
{
	rt->exclude = ids;
	rt->nexclude = n;
}

int
oms_router_version(const struct oms_router *rt)
{
	return rt->rules->version;
}

void
oms_router_counts(const struct oms_router *rt, long out[6])
{
	out[0] = rt->allocated;
	out[1] = rt->partial;
	out[2] = rt->backordered;
	out[3] = rt->held;
	out[4] = rt->cancelled;
	out[5] = rt->unchanged;
}

static int64_t
overlay(const struct oms_router *rt, const char *sku, int loc)
{
	for (size_t i = 0; i < rt->nov; i++)
		if (rt->ov[i].loc == loc && strcmp(rt->ov[i].sku, sku) == 0)
			return rt->ov[i].qty;
	return 0;
}

static void
overlay_add(struct oms_router *rt, const char *sku, int loc, int64_t qty)
{
	for (size_t i = 0; i < rt->nov; i++)
		if (rt->ov[i].loc == loc && strcmp(rt->ov[i].sku, sku) == 0) {
			rt->ov[i].qty += qty;
			return;
		}
	if (rt->nov == rt->capov) {
		rt->capov = rt->capov ? rt->capov * 2 : 64;
		rt->ov = erealloc(rt->ov, rt->capov * sizeof *rt->ov);
	}
	rt->ov[rt->nov].sku = estrdup(sku);
	rt->ov[rt->nov].loc = loc;
	rt->ov[rt->nov].qty = qty;
	rt->nov++;
}

/* ---- one order ----------------------------------------------------------- */

/* An active allocation the order had before this run routes it. */
struct prior {
	int line_no;
	char *sku, *location;
	int64_t qty;
};

struct order {
	int64_t id, shipped;		/* units shipped already */
	char *status, *channel, *external_id, *currency, *service, *account;
	char *ship_by, *deliver_by, *placed_at;
	int has_ship_by, has_deliver_by;	/* read once, for every set */
	int64_t ship_by_e, deliver_by_e;
	struct oms_order_facts f;
	cJSON *record;			/* the record's tree, when built */
	cJSON *tags;			/* its tags alone, when not */
	char *facts;			/* the strings oms_record_facts found */
	char *rectext;			/* the record as stored */
	const char *pickup;
	int exponent;
	struct rline *lines;
	int nlines;
	struct rsku *skus;		/* distinct skus: grows */
	int nskus, capskus;
	struct oms_point dest;
	struct prior *prior;		/* its active allocations, as read */
	int nprior;
	int had[MAXLOC];		/* per candidate: already allocated there */
	int nhad;			/* locations already allocated, any */
	int64_t *free_;			/* [MAXLOC][nskus]: see FREE */
	int64_t (*level)[3];		/* [MAXLOC][nskus]: see LEVEL */
	int64_t *avail;			/* [OMS_MAX_SHIPMENTS][nskus] */
	/*
	 * From here on, per candidate and filled for those there are, so
	 * not cleared for each order (load_order clears what is above).
	 */
	int cand[MAXLOC], ncand;	/* index into rt->locs */
	int64_t single[MAXLOC][OMS_NSTRATEGIES];	/* one-location terms */
	int64_t dist[MAXLOC];		/* metres to the destination */
	struct ship alone[MAXLOC];	/* the whole order from it */
	char verdict[64][128];		/* per rt->locs index, for explain */
};

static void
order_free(struct order *o)
{
	free(o->status);
	free(o->account);
	free(o->channel);
	free(o->external_id);
	free(o->currency);
	free(o->service);
	free(o->ship_by);
	free(o->deliver_by);
	free(o->placed_at);
	free(o->rectext);
	for (int i = 0; i < o->nlines; i++)
		free(o->lines[i].sku);
	free(o->lines);
	for (int i = 0; i < o->nskus; i++)
		free(o->skus[i].sku);
	free(o->skus);
	free(o->free_);
	free(o->level);
	free(o->avail);
	for (int i = 0; i < o->nprior; i++) {
		free(o->prior[i].sku);
		free(o->prior[i].location);
	}
	free(o->prior);
	cJSON_Delete(o->record);
	cJSON_Delete(o->tags);
	free(o->facts);
}

/* Candidate c's free stock of sku s; room k's stock of s in assign. */
#define FREE(o, c, s)	((o)->free_[(size_t)(c) * (size_t)(o)->nskus + \
			    (size_t)(s)])
#define AVAIL(o, k, s)	((o)->avail[(size_t)(k) * (size_t)(o)->nskus + \
			    (size_t)(s)])
/* Candidate c's level of sku s as read: on hand, reserved, in transit. */
#define LEVEL(o, c, s)	((o)->level[(size_t)(c) * (size_t)(o)->nskus + \
			    (size_t)(s)])

/*
 * What t units of part p of line l are worth: the line's unit price
 * shared between its parts.  The product is taken in 128 bits, since t
 * counts parts (units x per) and only units x price is known to fit.
 */
static int64_t
part_value(const struct rline *l, int p, int64_t t)
{
	int64_t num, den;
	__int128 v;

	/* In 64 bits when it fits: the same quotient, a fraction of the
	 * time (the solver asks for each part of each set it tries). */
	if (!__builtin_mul_overflow(l->unit_price, t, &num) &&
	    !__builtin_mul_overflow(l->parts[p].per, (int64_t)l->nparts,
	    &den) && den > 0)
		return num / den;
	v = (__int128)l->unit_price * t /
	    ((__int128)l->parts[p].per * l->nparts);
	return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN :
	    (int64_t)v;
}

static int
sku_index(struct order *o, const char *sku)
{
	for (int i = 0; i < o->nskus; i++)
		if (strcmp(o->skus[i].sku, sku) == 0)
			return i;
	if (o->nskus == o->capskus) {
		o->capskus = o->capskus ? o->capskus * 2 : 16;
		o->skus = erealloc(o->skus, (size_t)o->capskus *
		    sizeof *o->skus);
	}
	memset(&o->skus[o->nskus], 0, sizeof o->skus[0]);
	o->skus[o->nskus].sku = estrdup(sku);
	return o->nskus++;
}

/*
 * The rule facts of o's stored record: from the text when
 * oms_record_facts takes it, else from cJSON's tree, as they always were.
 */
static int
record_facts_of(struct order *o)
{
	struct oms_record_facts f;
	struct oms_span *sp[6];
	const char **dst[6];
	size_t len = 0;
	char *p;

	if (!oms_record_facts(o->rectext, &f)) {
		if ((o->record = cJSON_Parse(o->rectext)) == NULL)
			return oms_seterr("order o_%lld: its stored record is "
			    "not JSON", (long long)o->id);
		o->f.segment = oms_json_str(cJSON_GetObjectItemCaseSensitive(
		    o->record, "customer"), "segment");
		{
			const cJSON *to = cJSON_GetObjectItemCaseSensitive(
			    o->record, "ship_to");

			o->f.country = oms_json_str(to, "country");
			o->f.region = oms_json_str(to, "region");
			o->f.postal = oms_json_str(to, "postal_code");
		}
		o->f.tags = cJSON_GetObjectItemCaseSensitive(o->record, "tags");
		o->pickup = oms_json_str(o->record, "pickup_location");
		o->f.order_type = oms_json_str(o->record, "order_type");
		return OMS_OK;
	}
	sp[0] = &f.segment;
	sp[1] = &f.country;
	sp[2] = &f.region;
	sp[3] = &f.postal;
	sp[4] = &f.pickup;
	sp[5] = &f.order_type;
	dst[0] = &o->f.segment;
	dst[1] = &o->f.country;
	dst[2] = &o->f.region;
	dst[3] = &o->f.postal;
	dst[4] = &o->pickup;
	dst[5] = &o->f.order_type;
	for (int i = 0; i < 6; i++)
		if (sp[i]->p != NULL)
			len += sp[i]->n + 1;
	p = o->facts = emalloc(len + 1);
	for (int i = 0; i < 6; i++) {
		*dst[i] = NULL;
		if (sp[i]->p == NULL)
			continue;
		memcpy(p, sp[i]->p, sp[i]->n);
		p[sp[i]->n] = '\0';
		*dst[i] = p;
		p += sp[i]->n + 1;
	}
	/* The tags, for a rule's condition: that value's own tree. */
	if (f.tags.set && (o->tags = cJSON_ParseWithLength(f.tags.p,
	    f.tags.n)) == NULL)
		return oms_seterr("order o_%lld: its stored record's tags are "
		    "not JSON", (long long)o->id);
	o->f.tags = o->tags;
	return OMS_OK;
}

static int
load_order(struct oms_router *rt, int64_t id, struct order *o)
{
	static const char sql[] =
	    "SELECT status, channel, external_id, currency, segment, "
	    "ship_postal_code, ship_region, ship_country, service, ship_by, "
	    "deliver_by, priority, total, placed_at, record, account "
	    "FROM orders WHERE id = ?";
	static const char sql_lines[] =
	    "SELECT line_no, sku, qty, allocated, unit_price, cancelled, shipped, "
	    "CASE WHEN fulfilled > shipped THEN fulfilled - shipped ELSE 0 END "
	    "FROM order_lines WHERE order_id = ? AND ships = 1 ORDER BY line_no";
	oms_stmt *st;
	int rc, cap = 0, ncand;

	/* The per-candidate tables at the end are filled as they are used. */
	memset(o, 0, offsetof(struct order, cand));
	o->id = id;
	if ((rc = cache_check(rt)) != OMS_OK)
		return rc;
	if ((st = oms_db_stmt(rt->db, sql)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	rc = oms_step(st);
	if (rc == OMS_DONE) {
		oms_reset(st);
		return oms_reject("no order o_%lld", (long long)id);
	}
	if (rc != OMS_ROW) {
		oms_reset(st);
		return oms_db_fail(rt->db, rc, "cannot read an order");
	}
	o->status = estrdup(oms_col_text(st, 0));
	o->channel = estrdup(oms_col_text(st, 1));
	o->external_id = estrdup(oms_col_text(st, 2));
	o->currency = estrdup(oms_col_text(st, 3));
	o->f.segment = NULL;
	o->service = dup_or_null(oms_col_text(st, 8));
	o->ship_by = dup_or_null(oms_col_text(st, 9));
	o->deliver_by = dup_or_null(oms_col_text(st, 10));
	o->f.priority = oms_col_int64(st, 11);
	o->f.value = oms_col_int64(st, 12);
	o->placed_at = dup_or_null(oms_col_text(st, 13));
	o->has_ship_by = o->ship_by != NULL &&
	    oms_time_to_epoch(o->ship_by, &o->ship_by_e) == OMS_OK;
	o->has_deliver_by = o->deliver_by != NULL &&
	    oms_time_to_epoch(o->deliver_by, &o->deliver_by_e) == OMS_OK;
	o->rectext = estrdup(oms_col_text(st, 14) ? oms_col_text(st, 14) : "");
	o->account = estrdup(oms_col_text(st, 15));
	oms_reset(st);
	o->exponent = oms_currency_exponent(o->currency);
	o->f.channel = o->channel;
	if ((rc = record_facts_of(o)) != OMS_OK)
		return rc;
	o->f.service = o->service;
	o->f.record = o->record;
	o->f.exponent = o->exponent;
	if (o->f.order_type == NULL)
		o->f.order_type = o->pickup ? "pickup" : "ship";

	if ((st = oms_db_stmt(rt->db, sql_lines)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	while ((rc = oms_step(st)) == OMS_ROW) {
		struct rline *l;

		/* Gone: shipped by us, or fulfilled by the channel itself. */
		o->shipped += oms_col_int64(st, 6) +
		    oms_col_int64(st, 7);
		if (oms_col_null(st, 1))
			continue;	/* no product: nothing to allocate */
		if (o->nlines == cap) {
			cap = cap ? cap * 2 : 8;
			o->lines = erealloc(o->lines, (size_t)cap *
			    sizeof *o->lines);
		}
		l = &o->lines[o->nlines++];
		memset(l, 0, sizeof *l);
		l->line_no = oms_col_int(st, 0);
		l->sku = estrdup(oms_col_text(st, 1));
		l->qty = oms_col_int64(st, 2);
		l->allocated = oms_col_int64(st, 3);
		l->cancelled = oms_col_int64(st, 5);
		/* What the channel fulfilled itself is not ours to send. */
		l->elsewhere = oms_col_int64(st, 7);
		l->remaining = l->qty - l->cancelled - l->elsewhere -
		    l->allocated;
		if (l->remaining < 0)
			l->remaining = 0;
		l->unit_price = oms_col_int64(st, 4);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(rt->db, rc, "cannot read an order's lines");
	/* A kit line needs its components; every line its sku's facts. */
	for (int i = 0; i < o->nlines; i++) {
		struct rline *l = &o->lines[i];
		struct cat *kit;

		if ((rc = cat_kit(rt, l->sku, &kit)) != OMS_OK)
			return rc;
		for (int c = 0; c < kit->ncomp; c++) {
			l->parts[l->nparts].sku = sku_index(o, kit->comp[c].sku);
			l->parts[l->nparts++].per = kit->comp[c].per;
		}
		l->kit = l->nparts > 0;
		if (!l->kit) {
			int k = sku_index(o, l->sku);

			l->parts[0].sku = k;
			l->parts[0].per = 1;
			l->nparts = 1;
		}
		for (int p = 0; p < l->nparts; p++) {
			int64_t *need = &o->skus[l->parts[p].sku].need;

			*need = oms_sat_add(*need, oms_sat_mul(l->remaining,
			    l->parts[p].per));
		}
	}
	for (int s = 0; s < o->nskus; s++) {
		struct cat *k;

		if ((rc = cat_product(rt, o->skus[s].sku, &k)) != OMS_OK)
			return rc;
		o->skus[s].weight_g = k->weight_g;
		o->skus[s].volume_cm3 = k->volume_cm3;
	}
	/* Stock per candidate and sku (there are no more candidates than
	 * locations), and room to assign it. */
	ncand = rt->nlocs < MAXLOC ? rt->nlocs : MAXLOC;
	o->free_ = ecalloc((size_t)(ncand + 1) * (size_t)(o->nskus + 1),
	    sizeof *o->free_);
	o->level = ecalloc((size_t)(ncand + 1) * (size_t)(o->nskus + 1),
	    sizeof *o->level);
	o->avail = ecalloc((size_t)OMS_MAX_SHIPMENTS * (size_t)(o->nskus + 1),
	    sizeof *o->avail);
	return geo_point(rt, o->f.country, o->f.region, o->f.postal, &o->dest);
}

/* ---- candidates ---------------------------------------------------------- */

static int
listed(const cJSON *list, const char *id)
{
	const cJSON *x;

	cJSON_ArrayForEach(x, list)
		if (strcmp(x->valuestring, id) == 0)
			return 1;
	return 0;
}

/* sku's levels: as the run knows them, else read (NULL on failure). */
static struct lvls *
levels_of(struct oms_router *rt, const char *sku)
{
	static const char sql[] =
	    "SELECT location, on_hand, reserved, in_transit FROM levels "
	    "WHERE sku = ?";
	struct lvls *e;
	oms_stmt *st;
	void **slot;
	int rc, fresh, cap = 0;

	slot = memo_get(&rt->lv, sku, strlen(sku), &fresh);
	if (*slot != NULL)
		return *slot;
	if ((st = oms_db_stmt(rt->db, sql)) == NULL)
		return NULL;
	e = ecalloc(1, sizeof *e);
	oms_bind_static(st, 1, sku);
	while ((rc = oms_step(st)) == OMS_ROW) {
		const char *loc = oms_col_text(st, 0);
		int l;

		for (l = 0; l < rt->nlocs && strcmp(rt->locs[l].id, loc) != 0;
		    l++)
			;
		if (l == rt->nlocs)
			continue;	/* no candidate of any order */
		if (e->n == cap) {
			cap = cap ? cap * 2 : 8;
			e->v = erealloc(e->v, (size_t)cap * sizeof *e->v);
		}
		e->v[e->n].loc = l;
		for (int i = 0; i < 3; i++)
			e->v[e->n].fig[i] = oms_col_int64(st, 1 + i);
		e->n++;
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		lvls_free(e);
		oms_db_fail(rt->db, rc, "cannot read the levels");
		return NULL;
	}
	*slot = e;
	return e;
}

/* What a reservation left of sku's level at location l. */
static void
levels_set(struct oms_router *rt, const char *sku, int l,
    const int64_t fig[3])
{
	int fresh;
	struct lvls *e = *memo_get(&rt->lv, sku, strlen(sku), &fresh);

	for (int j = 0; e != NULL && j < e->n; j++)
		if (e->v[j].loc == l)
			memcpy(e->v[j].fig, fig, sizeof e->v[j].fig);
}

static int
load_stock(struct oms_router *rt, struct order *o)
{
	for (int s = 0; s < o->nskus; s++) {
		struct lvls *e = levels_of(rt, o->skus[s].sku);

		if (e == NULL)
			return OMS_ERR;
		for (int j = 0; j < e->n; j++)
			for (int c = 0; c < o->ncand; c++) {
				int64_t *v = LEVEL(o, c, s);

				if (o->cand[c] != e->v[j].loc)
					continue;
				memcpy(v, e->v[j].fig, sizeof e->v[j].fig);
				FREE(o, c, s) = v[0] - v[1] - overlay(rt,
				    o->skus[s].sku, o->cand[c]);
			}
	}
	return OMS_OK;
}

static void
candidates(struct oms_router *rt, const struct oms_rule *r, struct order *o)
{
	o->ncand = 0;
	for (int i = 0; i < rt->nlocs && i < 64; i++) {
		const struct rloc *l = &rt->locs[i];
		char *v = o->verdict[i];
		int ex = 0;

		for (int k = 0; k < rt->nexclude; k++)
			if (strcmp(rt->exclude[k], l->id) == 0)
				ex = 1;
		v[0] = '\0';
		if (o->pickup != NULL && strcmp(o->pickup, l->id) != 0)
			snprintf(v, 128, "excluded: the order is collected at %s",
			    o->pickup);
		else if (o->pickup != NULL && !l->pickup)
			snprintf(v, 128, "excluded: no pickup here");
		else if (!l->sellable)
			snprintf(v, 128, "excluded: not sellable");
		else if (o->pickup == NULL && !l->ships)
			snprintf(v, 128, "excluded: does not ship");
		else if (ex)
			snprintf(v, 128, "excluded: --exclude");
		else if (r->locations != NULL && !listed(r->locations, l->id))
			snprintf(v, 128, "excluded: not a location of rule %s",
			    r->name);
		else if (l->has_cap && l->used >= l->cap)
			snprintf(v, 128, "excluded: at capacity (%lld orders "
			    "today)", (long long)l->cap);
		else if (o->ncand < MAXLOC)
			o->cand[o->ncand++] = i;
	}
}

/*
 * The order's active allocations, and the locations an earlier run
 * allocated it to: a later set is judged with them, so a split limit
 * holds for the order, not each run.  The allocations are kept for the
 * record, which lists them with those this run adds (lines_record).
 */
static int
load_had(struct oms_router *rt, struct order *o)
{
	static const char sql[] =
	    "SELECT line_no, sku, location, qty FROM allocations "
	    "WHERE order_id = ? AND state = 'active'";
	oms_stmt *st;
	int rc, cap = 0;

	/* Routed already in this transaction: what waits is written first. */
	if (pend_has(&rt->pend, o->id) && (rc = oms_route_flush(rt)) != OMS_OK)
		return rc;
	if ((st = oms_db_stmt(rt->db, sql)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, o->id);
	while ((rc = oms_step(st)) == OMS_ROW) {
		struct prior *a;
		const char *loc = oms_col_text(st, 2);
		int seen = 0;

		for (int i = 0; i < o->nprior && !seen; i++)
			seen = strcmp(o->prior[i].location, loc) == 0;
		if (!seen) {
			o->nhad++;
			for (int c = 0; c < o->ncand; c++)
				if (strcmp(rt->locs[o->cand[c]].id, loc) == 0)
					o->had[c] = 1;
		}
		if (o->nprior == cap) {
			cap = cap ? cap * 2 : 8;
			o->prior = erealloc(o->prior, (size_t)cap *
			    sizeof *o->prior);
		}
		a = &o->prior[o->nprior++];
		a->line_no = oms_col_int(st, 0);
		a->sku = estrdup(oms_col_text(st, 1));
		a->location = estrdup(loc);
		a->qty = oms_col_int64(st, 3);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(rt->db, rc, "cannot read the allocations");
	return OMS_OK;
}

/* ---- shipments, scores ----------------------------------------------------- */

static int64_t
dist_m(const struct oms_point *a, const struct oms_point *b)
{
	if (a->how == NULL || b->how == NULL)
		return UNKNOWN_M;
	return llround(oms_geo_km(a->lat, a->lon, b->lat, b->lon) * 1000);
}

static int
cutoff_passed(const struct tm *tm, const char *cutoff)
{
	int h, m;

	if (cutoff == NULL || sscanf(cutoff, "%d:%d", &h, &m) != 2)
		return 0;
	return tm->tm_hour * 60 + tm->tm_min >= h * 60 + m;
}

/* The day of a time, seconds east of UTC given (at the run's clock). */
static int
day_at(int64_t e, long off)
{
	e += off;
	return (int)(e >= 0 ? e / 86400 : (e - 86399) / 86400);
}

static void quote_one(struct oms_router *rt, const struct oms_rule *r,
    const struct order *o, struct ship *s);

/*
 * Cost, service and promise of a shipment from candidate s->loc, of
 * s->grams and s->volume_cm3: once an order for each, since everything
 * else it depends on is the order's and its rule's.
 */
static void
quote_ship(struct oms_router *rt, const struct oms_rule *r,
    const struct order *o, struct ship *s)
{
	uint64_t h = ((uint64_t)s->loc * 0x9e3779b97f4a7c15ULL) ^
	    ((uint64_t)s->grams * 0xc2b2ae3d27d4eb4fULL) ^
	    ((uint64_t)s->volume_cm3 * 0x165667b19e3779f9ULL);
	size_t i = (size_t)(h ^ (h >> 29)) & (QMEMO - 1);

	for (int probe = 0; probe < 8; probe++, i = (i + 1) & (QMEMO - 1)) {
		struct qslot *q = &rt->qmemo[i];

		if (q->gen != rt->qgen) {
			quote_one(rt, r, o, s);
			q->gen = rt->qgen;
			q->c = s->loc;
			q->grams = s->grams;
			q->volume_cm3 = s->volume_cm3;
			q->s = *s;
			return;
		}
		if (q->c == s->loc && q->grams == s->grams &&
		    q->volume_cm3 == s->volume_cm3) {
			int64_t value = s->value;

			*s = q->s;
			s->value = value;
			return;
		}
	}
	quote_one(rt, r, o, s);
}

static void
quote_one(struct oms_router *rt, const struct oms_rule *r,
    const struct order *o, struct ship *s)
{
	const struct rloc *l = &rt->locs[o->cand[s->loc]];
	struct oms_quote q[MAXQ];
	int n, best = -1, ship_day = l->ship_day, by;
	const char *level = o->service && *o->service ? o->service : "standard";

	s->dist_m = o->dist[s->loc];
	s->ships_on = ship_day;
	n = oms_rates_quote(rt->rates, level, r->service, l->country,
	    o->f.country, s->dist_m == UNKNOWN_M ? 1e9 : s->dist_m / 1000.0,
	    s->grams, s->volume_cm3, q, MAXQ);
	if (n == 0 && r->service == NULL && strcmp(level, "standard") != 0)
		n = oms_rates_quote(rt->rates, "standard", NULL, l->country,
		    o->f.country, s->dist_m == UNKNOWN_M ? 1e9 :
		    s->dist_m / 1000.0, s->grams, s->volume_cm3, q, MAXQ);
	s->late = 0;
	if (o->has_ship_by && ship_day > day_at(o->ship_by_e, l->utc_off))
		s->late = 1;
	/* The cheapest that arrives in time; else the cheapest. */
	for (int i = 0; i < n; i++) {
		int arrive = ship_day, d;

		for (d = 0; d < q[i].transit_days; d++)
			arrive = business_day(arrive + 1);
		if (!o->has_deliver_by || arrive <= (by = day_at(
		    o->deliver_by_e, 0))) {
			best = i;
			break;
		}
	}
	if (best < 0 && n > 0) {
		best = 0;
		if (o->has_deliver_by)
			s->late = 1;
	}
	if (best < 0) {
		s->has_quote = 0;
		if (o->has_deliver_by)
			s->late = 1;
		return;
	}
	s->has_quote = 1;
	s->q = q[best];
	s->zone = q[best].zone;
	s->transit_days = q[best].transit_days;
	s->arrives_on = ship_day;
	for (int d = 0; d < s->transit_days; d++)
		s->arrives_on = business_day(s->arrives_on + 1);
}

static int64_t
stock_of(const struct order *o, int c)
{
	int64_t n = 0;

	for (int s = 0; s < o->nskus; s++)
		if (FREE(o, c, s) > 0)
			n = oms_sat_add(n, FREE(o, c, s));
	return n;
}

static int64_t
cap_left(const struct oms_router *rt, const struct order *o, int c)
{
	const struct rloc *l = &rt->locs[o->cand[c]];

	return l->has_cap ? l->cap - l->used : INT32_MAX;
}

/* Each candidate alone: its terms, by which units are taken in a set. */
static void
single_terms(struct oms_router *rt, const struct oms_rule *r, struct order *o)
{
	/* Each candidate's distance, once: every quote from it needs it. */
	for (int c = 0; c < o->ncand; c++)
		o->dist[c] = dist_m(&rt->locs[o->cand[c]].pt, &o->dest);
	for (int c = 0; c < o->ncand; c++) {
		struct ship *s = &o->alone[c];

		memset(s, 0, sizeof *s);
		s->loc = c;
		for (int k = 0; k < o->nskus; k++) {
			s->grams = oms_sat_add(s->grams, oms_sat_mul(
			    o->skus[k].need, o->skus[k].weight_g));
			s->volume_cm3 = oms_sat_add(s->volume_cm3, oms_sat_mul(
			    o->skus[k].need, o->skus[k].volume_cm3));
		}
		quote_ship(rt, r, o, s);
		o->single[c][OMS_S_FEWEST] = 1;
		o->single[c][OMS_S_PRIORITY] = -rt->locs[o->cand[c]].priority;
		o->single[c][OMS_S_CLOSEST] = s->dist_m;
		o->single[c][OMS_S_COST] = s->has_quote ? s->q.price :
		    UNKNOWN_COST;
		o->single[c][OMS_S_PROMISE] = s->late;
		o->single[c][OMS_S_STOCK] = -stock_of(o, c);
		o->single[c][OMS_S_CAPACITY] = -cap_left(rt, o, c);
	}
}

static int
prefer(const struct oms_router *rt, const struct oms_rule *r,
    const struct order *o, int a, int b)
{
	for (int i = 0; i < r->nstrategies; i++) {
		int s = r->strategies[i];

		if (o->single[a][s] != o->single[b][s])
			return o->single[a][s] < o->single[b][s] ? -1 : 1;
	}
	return strcmp(rt->locs[o->cand[a]].id, rt->locs[o->cand[b]].id);
}

/*
 * Fill ev->take for the set: line by line, as many whole units as the
 * set still has (at most what the line needs), each part from the
 * locations in preference order.
 */
static void
assign(const struct order *o, struct eval *ev)
{
	for (int k = 0; k < ev->k; k++)
		for (int s = 0; s < o->nskus; s++)
			AVAIL(o, k, s) = FREE(o, ev->set[k], s) > 0 ?
			    FREE(o, ev->set[k], s) : 0;
	ev->units = 0;
	ev->covers = 1;
	for (int i = 0; i < o->nlines; i++) {
		const struct rline *l = &o->lines[i];
		int64_t units = l->remaining;

		for (int p = 0; p < l->nparts; p++) {
			int64_t have = 0;

			for (int k = 0; k < ev->k; k++)
				have = oms_sat_add(have, AVAIL(o, k,
				    l->parts[p].sku));
			if (have / l->parts[p].per < units)
				units = have / l->parts[p].per;
		}
		if (units < l->remaining)
			ev->covers = 0;
		ev->line_units[i] = units;
		ev->units += units;
		for (int p = 0; p < l->nparts; p++)
			for (int k = 0; k < ev->k; k++)
				ev->take[i][p][k] = 0;
		/*
		 * Whole kits from one place first, in order of preference, so
		 * that a kit leaves in one parcel when a location has it all.
		 */
		if (l->kit)
			for (int k = 0; k < ev->k && units > 0; k++) {
				int64_t whole = units;

				for (int p = 0; p < l->nparts; p++) {
					int64_t w = AVAIL(o, k,
					    l->parts[p].sku) / l->parts[p].per;

					if (w < whole)
						whole = w;
				}
				for (int p = 0; p < l->nparts && whole > 0; p++) {
					int64_t t = whole * l->parts[p].per;

					ev->take[i][p][k] += t;
					AVAIL(o, k, l->parts[p].sku) -= t;
				}
				units -= whole;
			}
		for (int p = 0; p < l->nparts; p++) {
			int64_t want = units * l->parts[p].per;

			for (int k = 0; k < ev->k; k++) {
				int64_t *a = &AVAIL(o, k, l->parts[p].sku);
				int64_t t = *a < want ? *a : want;

				ev->take[i][p][k] += t;
				*a -= t;
				want -= t;
			}
		}
	}
}

static void
score(struct oms_router *rt, const struct oms_rule *r, const struct order *o,
    struct eval *ev)
{
	int64_t minv = 0;
	int nship = 0;

	if (r->min_value != NULL)
		oms_money_parse(r->min_value, o->exponent, &minv);
	memset(ev->terms, 0, sizeof ev->terms);
	ev->valid = 1;
	for (int k = 0; k < ev->k; k++) {
		struct ship *s = &ev->ships[nship];

		memset(s, 0, sizeof *s);
		s->loc = ev->set[k];
		for (int i = 0; i < o->nlines; i++) {
			const struct rline *l = &o->lines[i];

			for (int p = 0; p < l->nparts; p++) {
				int64_t t = ev->take[i][p][k];
				const struct rsku *sk = &o->skus[l->parts[p].sku];

				if (t == 0)
					continue;	/* adds nothing */
				s->grams = oms_sat_add(s->grams, oms_sat_mul(t,
				    sk->weight_g));
				s->volume_cm3 = oms_sat_add(s->volume_cm3,
				    oms_sat_mul(t, sk->volume_cm3));
				s->value = oms_sat_add(s->value, part_value(l,
				    p, t));
				if (t > 0)
					s->zone = -1;	/* used */
			}
		}
		if (s->zone != -1)
			continue;	/* this location sends nothing */
		s->zone = 0;
		quote_ship(rt, r, o, s);
		if (ev->k > 1 && s->value < minv && ev->valid) {
			char v[OMS_MONEY_BUFSZ];

			oms_money_format(s->value, o->exponent, v, sizeof v);
			snprintf(ev->why, sizeof ev->why, "the shipment from %s "
			    "is worth %s, under the split minimum %s",
			    rt->locs[o->cand[s->loc]].id, v, r->min_value);
			ev->valid = 0;
		}
		ev->terms[OMS_S_PRIORITY] -= rt->locs[o->cand[s->loc]].priority;
		ev->terms[OMS_S_CLOSEST] += s->dist_m;
		ev->terms[OMS_S_COST] += s->has_quote ? s->q.price :
		    UNKNOWN_COST;
		ev->terms[OMS_S_PROMISE] += s->late;
		ev->terms[OMS_S_STOCK] -= stock_of(o, s->loc);
		if (nship == 0 || -cap_left(rt, o, s->loc) >
		    ev->terms[OMS_S_CAPACITY])
			ev->terms[OMS_S_CAPACITY] = -cap_left(rt, o, s->loc);
		nship++;
	}
	ev->nships = nship;
	/* With the locations earlier runs allocated the order to. */
	{
		int total = o->nhad;

		for (int k = 0; k < nship; k++)
			if (!o->had[ev->ships[k].loc])
				total++;
		ev->terms[OMS_S_FEWEST] = total;
		if (total > r->max_shipments && ev->valid) {
			snprintf(ev->why, sizeof ev->why, "would make %d "
			    "shipments with the %d already allocated, more than "
			    "%d", total, o->nhad, r->max_shipments);
			ev->valid = 0;
		}
	}
}

/* <0 when a is better: more units, then the strategies, then the ids. */
static int
compare(const struct oms_router *rt, const struct oms_rule *r,
    const struct order *o, const struct eval *a, const struct eval *b)
{
	if (a->units != b->units)
		return a->units > b->units ? -1 : 1;
	for (int i = 0; i < r->nstrategies; i++) {
		int s = r->strategies[i];

		if (a->terms[s] != b->terms[s])
			return a->terms[s] < b->terms[s] ? -1 : 1;
	}
	for (int k = 0; k < a->k && k < b->k; k++) {
		int c = strcmp(rt->locs[o->cand[a->set[k]]].id,
		    rt->locs[o->cand[b->set[k]]].id);

		if (c != 0)
			return c;
	}
	return a->k - b->k;
}

static void
eval_init(struct eval *ev, const struct order *o)
{
	memset(ev, 0, sizeof *ev);
	ev->take = ecalloc((size_t)(o->nlines ? o->nlines : 1),
	    sizeof *ev->take);
	ev->line_units = ecalloc((size_t)(o->nlines ? o->nlines : 1),
	    sizeof *ev->line_units);
}

static void
eval_free(struct eval *ev)
{
	free(ev->take);
	free(ev->line_units);
}

static void
eval_copy(struct eval *dst, const struct eval *src, const struct order *o)
{
	void *take = dst->take, *units = dst->line_units;

	*dst = *src;
	dst->take = take;
	dst->line_units = units;
	memcpy(dst->take, src->take, (size_t)(o->nlines ? o->nlines : 1) *
	    sizeof *src->take);
	memcpy(dst->line_units, src->line_units, (size_t)(o->nlines ?
	    o->nlines : 1) * sizeof *src->line_units);
}

/* What the explanation keeps of each set looked at. */
struct seen {
	int set[OMS_MAX_SHIPMENTS], k, covers, valid;
	int64_t units, terms[OMS_NSTRATEGIES];
	char why[160];
};

struct solve {
	struct eval best;
	int found;
	struct seen *seen;
	int nseen, capseen;
};

static void
remember(struct solve *sv, const struct eval *ev)
{
	struct seen *s;

	/* The partial pass meets the full pass's sets again. */
	for (int i = 0; i < sv->nseen; i++)
		if (sv->seen[i].k == ev->k && memcmp(sv->seen[i].set, ev->set,
		    sizeof(int) * (size_t)ev->k) == 0)
			return;
	if (sv->nseen == sv->capseen) {
		sv->capseen = sv->capseen ? sv->capseen * 2 : 32;
		sv->seen = erealloc(sv->seen, (size_t)sv->capseen *
		    sizeof *sv->seen);
	}
	s = &sv->seen[sv->nseen++];
	memcpy(s->set, ev->set, sizeof s->set);
	s->k = ev->k;
	s->covers = ev->covers;
	s->valid = ev->valid;
	s->units = ev->units;
	memcpy(s->terms, ev->terms, sizeof s->terms);
	memcpy(s->why, ev->why, sizeof s->why);
}

/*
 * Every set of k candidates in index order (the candidates are in id
 * order), each ordered by preference for assign; full says only sets that
 * cover the order count.
 */
static void
try_sets(struct oms_router *rt, const struct oms_rule *r,
    const struct order *o, int k, int full, struct solve *sv, struct eval *ev,
    struct solve *part)
{
	int idx[OMS_MAX_SHIPMENTS];

	for (int i = 0; i < k; i++)
		idx[i] = i;
	for (;;) {
		/* The set, by preference. */
		for (int i = 0; i < k; i++)
			ev->set[i] = idx[i];
		ev->k = k;
		for (int i = 1; i < k; i++)
			for (int j = i; j > 0 && prefer(rt, r, o, ev->set[j],
			    ev->set[j - 1]) < 0; j--) {
				int t = ev->set[j];

				ev->set[j] = ev->set[j - 1];
				ev->set[j - 1] = t;
			}
		ev->why[0] = '\0';
		assign(o, ev);
		score(rt, r, o, ev);
		/* A set with a location that sends nothing is a smaller one. */
		if (ev->nships == k && ev->units > 0 && (!full || ev->covers)) {
			if (rt->explain)
				remember(sv, ev);
			if (ev->valid && (!sv->found ||
			    compare(rt, r, o, ev, &sv->best) < 0)) {
				eval_copy(&sv->best, ev, o);
				sv->found = 1;
			}
		}
		/* What the partial pass would choose, found on the way. */
		if (part != NULL && ev->nships == k && ev->units > 0 &&
		    ev->valid && (!part->found ||
		    compare(rt, r, o, ev, &part->best) < 0)) {
			eval_copy(&part->best, ev, o);
			part->found = 1;
		}
		/* The next combination. */
		int i = k - 1;

		while (i >= 0 && idx[i] == o->ncand - k + i)
			i--;
		if (i < 0)
			break;
		idx[i]++;
		for (int j = i + 1; j < k; j++)
			idx[j] = idx[j - 1] + 1;
	}
}

static int
solve(struct oms_router *rt, const struct oms_rule *r, const struct order *o,
    struct solve *sv)
{
	struct eval ev;
	struct solve part;
	int maxk = r->max_shipments < o->ncand ? r->max_shipments : o->ncand;
	/*
	 * The partial pass tries the sets the full pass tried, in the same
	 * order, so its choice is kept on the way; not when the sets seen
	 * are explained, in the order the two passes see them.
	 */
	int track = r->partial && !rt->explain;

	memset(sv, 0, sizeof *sv);
	memset(&part, 0, sizeof part);
	eval_init(&sv->best, o);
	eval_init(&ev, o);
	if (track)
		eval_init(&part.best, o);
	for (int k = 1; k <= maxk && !sv->found; k++)
		try_sets(rt, r, o, k, 1, sv, &ev, track ? &part : NULL);
	if (!sv->found && track && part.found) {
		eval_copy(&sv->best, &part.best, o);
		sv->found = 1;
	} else if (!sv->found && r->partial && !track)
		for (int k = 1; k <= maxk; k++)
			try_sets(rt, r, o, k, 0, sv, &ev, NULL);
	if (track)
		eval_free(&part.best);
	eval_free(&ev);
	return sv->found;
}

/* ---- writing ------------------------------------------------------------- */

static void
pend_clear(struct pend *p)
{
	for (int i = 0; i < p->nm; i++) {
		free((char *)p->m[i].sku);
		free((char *)p->m[i].ref);
	}
	for (int i = 0; i < p->nr; i++)
		free(p->r[i].text);
	p->na = p->nm = p->nr = p->norders = 0;
	p->known = 0;
}

/* Order id has rows waiting. */
static void
pend_order(struct pend *p, int64_t id)
{
	if (p->norders > 0 && p->orders[p->norders - 1] == id)
		return;
	if (p->norders == p->caporders) {
		p->caporders = p->caporders ? p->caporders * 2 : 256;
		p->orders = erealloc(p->orders, (size_t)p->caporders *
		    sizeof *p->orders);
	}
	p->orders[p->norders++] = id;
}

static int
pend_has(const struct pend *p, int64_t order_id)
{
	for (int i = p->norders - 1; i >= 0; i--)
		if (p->orders[i] == order_id)
			return 1;
	return 0;
}

#define ALLOC_ROW "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define ALLOC_ROW4 ALLOC_ROW ", " ALLOC_ROW ", " ALLOC_ROW ", " ALLOC_ROW
#define ALLOC_ROW16 ALLOC_ROW4 ", " ALLOC_ROW4 ", " ALLOC_ROW4 ", " ALLOC_ROW4
#define ALLOC_INSERT_ID \
    "INSERT INTO allocations (id, order_id, line_no, sku, location, qty, " \
    "rule, rules_version, created_at) VALUES "
static const char sql_allocs32[] = ALLOC_INSERT_ID ALLOC_ROW16 ", "
    ALLOC_ROW16;
static const char sql_allocs8[] = ALLOC_INSERT_ID ALLOC_ROW4 ", " ALLOC_ROW4;
static const char sql_allocs1[] = ALLOC_INSERT_ID ALLOC_ROW;
#define ROUTE_ROW "(?, ?, ?, ?)"
#define ROUTE_ROW4 ROUTE_ROW ", " ROUTE_ROW ", " ROUTE_ROW ", " ROUTE_ROW
#define ROUTE_ROW16 ROUTE_ROW4 ", " ROUTE_ROW4 ", " ROUTE_ROW4 ", " ROUTE_ROW4
#define ROUTE_INSERT \
    "INSERT INTO routes (order_id, at, rules_version, record) VALUES "
#define ROUTE_UPSERT " ON CONFLICT (order_id) DO UPDATE SET " \
    "at = excluded.at, rules_version = excluded.rules_version, " \
    "record = excluded.record"
static const char sql_routes32[] = ROUTE_INSERT ROUTE_ROW16 ", " ROUTE_ROW16
    ROUTE_UPSERT;
static const char sql_routes8[] = ROUTE_INSERT ROUTE_ROW4 ", " ROUTE_ROW4
    ROUTE_UPSERT;
static const char sql_routes1[] = ROUTE_INSERT ROUTE_ROW ROUTE_UPSERT;

/*
 * Write the allocations and movements waiting, as they would have been
 * written one by one: before the commit, and before anything in the
 * transaction reads the allocations or the ledger, or inserts into
 * either on its own.  The ids are read again after.
 */
int
oms_route_flush(struct oms_router *rt)
{
	struct pend *p = &rt->pend;
	struct pend_alloc *a = p->a;
	int rc = OMS_OK, n = p->na;

	while (rc == OMS_OK && n > 0) {
		int k = n >= 32 ? 32 : n >= 8 ? 8 : 1;
		oms_stmt *st = oms_db_stmt(rt->db, k == 32 ? sql_allocs32 :
		    k == 8 ? sql_allocs8 : sql_allocs1);

		if (st == NULL) {
			rc = OMS_ERR;
			break;
		}
		for (int i = 0; i < k; i++) {
			int b = 9 * i;

			/* The pend's strings outlive the step. */
			oms_bind_int64(st, b + 1, a[i].id);
			oms_bind_int64(st, b + 2, a[i].order_id);
			oms_bind_int(st, b + 3, a[i].line_no);
			oms_bind_static(st, b + 4, a[i].sku);
			oms_bind_static(st, b + 5, a[i].location);
			oms_bind_int64(st, b + 6, a[i].qty);
			oms_bind_static(st, b + 7, a[i].rule);
			oms_bind_int(st, b + 8, rt->rules->version);
			oms_bind_static(st, b + 9, rt->nowtxt);
		}
		rc = oms_db_step_done(rt->db, st, "cannot store an allocation");
		a += k;
		n -= k;
	}
	if (rc == OMS_OK)
		rc = oms_stock_reserve_write(rt->db, p->m, p->nm);
	for (int i = 0; rc == OMS_OK && i < p->nr; ) {
		int k = p->nr - i >= 32 ? 32 : p->nr - i >= 8 ? 8 : 1;
		oms_stmt *st = oms_db_stmt(rt->db, k == 32 ? sql_routes32 :
		    k == 8 ? sql_routes8 : sql_routes1);

		if (st == NULL) {
			rc = OMS_ERR;
			break;
		}
		for (int j = 0; j < k; j++, i++) {
			oms_bind_int64(st, 4 * j + 1, p->r[i].order_id);
			oms_bind_static(st, 4 * j + 2, rt->nowtxt);
			oms_bind_int(st, 4 * j + 3, rt->rules->version);
			oms_bind_static(st, 4 * j + 4, p->r[i].text);
		}
		rc = oms_db_step_done(rt->db, st, "cannot store a route");
	}
	pend_clear(p);
	return rc;
}

/* prefix and v's digits at p; the end of what was written (its NUL). */
static char *
put_id(char *p, const char *prefix, int64_t v)
{
	char d[24];
	int n = 0;
	uint64_t u = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;

	while (*prefix != '\0')
		*p++ = *prefix++;
	if (v < 0)
		*p++ = '-';
	do
		d[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	while (n > 0)
		*p++ = d[--n];
	*p = '\0';
	return p;
}

/* The ids the next allocation and movement get: the largest and on. */
static int
pend_ids(struct oms_router *rt)
{
	static const char sql_a[] = "SELECT max(id) FROM allocations";
	static const char sql_m[] = "SELECT max(id) FROM movements";
	struct pend *p = &rt->pend;
	const char *sql[2] = { sql_a, sql_m };
	int64_t *next[2] = { &p->next_alloc, &p->next_move };

	for (int i = 0; i < 2; i++) {
		oms_stmt *st = oms_db_stmt(rt->db, sql[i]);
		int rc;

		if (st == NULL)
			return OMS_ERR;
		rc = oms_step(st);
		*next[i] = rc == OMS_ROW ? oms_col_int64(st, 0) + 1 : 0;
		oms_reset(st);
		if (rc != OMS_ROW)
			return oms_db_fail(rt->db, rc, "cannot read the ids");
	}
	/* The last id taken: SQLite would choose at random. */
	if (p->next_alloc <= 0 || p->next_move <= 0 ||
	    p->next_alloc > INT64_MAX / 2 || p->next_move > INT64_MAX / 2)
		return OMS_REJECT;
	p->known = 1;
	return OMS_OK;
}

/*
 * An allocation and its reservation, waiting (OMS_OK); OMS_REJECT when
 * they are to be written now instead, nothing done.
 */
static int
write_later(struct oms_router *rt, struct order *o, const struct oms_rule *r,
    int s, int line_no, int c, int64_t qty)
{
	struct pend *p = &rt->pend;
	struct oms_reserve res;
	const char *loc = rt->locs[o->cand[c]].id, *sku = o->skus[s].sku;
	char buf[64], *key;
	int rc;

	/* Its allocation comes first, as when written at once: a database
	 * that cannot be written refuses that. */
	if ((rc = oms_db_writable(rt->db, "cannot store an allocation")) !=
	    OMS_OK)
		return rc;
	if (!p->known && (rc = pend_ids(rt)) != OMS_OK)
		return rc;
	/* "o_ID" and "route:aN", one after the other. */
	key = put_id(buf, "o_", o->id) + 1;
	put_id(key, "route:a", p->next_alloc);
	memset(&res, 0, sizeof res);
	res.sku = sku;
	res.location = loc;
	res.ref = buf;
	res.key = key;
	res.qty = qty;
	res.id = p->next_move;
	memcpy(res.level, LEVEL(o, c, s), sizeof res.level);
	if ((rc = oms_stock_reserve(rt->db, &res)) != OMS_OK)
		return rc;
	memcpy(LEVEL(o, c, s), res.level, sizeof res.level);
	levels_set(rt, sku, o->cand[c], res.level);
	if (p->na == p->capa) {
		p->capa = p->capa ? p->capa * 2 : 256;
		p->a = erealloc(p->a, (size_t)p->capa * sizeof *p->a);
	}
	if (p->nm == p->capm) {
		p->capm = p->capm ? p->capm * 2 : 256;
		p->m = erealloc(p->m, (size_t)p->capm * sizeof *p->m);
	}
	res.sku = estrdup(sku);
	res.ref = emalloc((size_t)(strchr(key, '\0') + 1 - buf));
	memcpy((char *)res.ref, buf, (size_t)(strchr(key, '\0') + 1 - buf));
	res.key = res.ref + (key - buf);
	p->a[p->na].id = p->next_alloc++;
	p->a[p->na].order_id = o->id;
	p->a[p->na].line_no = line_no;
	p->a[p->na].sku = res.sku;
	p->a[p->na].location = loc;	/* the router's, for the run */
	p->a[p->na].qty = qty;
	p->a[p->na++].rule = r->name;
	p->m[p->nm++] = res;
	p->next_move++;
	pend_order(p, o->id);
	return OMS_OK;
}

/*
 * Allocate qty units of the order's sku s at candidate c to a line, and
 * reserve them through the ledger, from the level read under this
 * write.
 */
static int
write_alloc(struct oms_router *rt, struct order *o,
    const struct oms_rule *r, int s, int line_no, int c, int64_t qty)
{
	static const char sql[] =
	    "INSERT INTO allocations (order_id, line_no, sku, location, qty, "
	    "rule, rules_version, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	oms_stmt *st;
	const char *loc = rt->locs[o->cand[c]].id, *sku = o->skus[s].sku;
	struct cat *k;
	cJSON *m;
	char key[64], ref[32];
	int rc;

	if (rt->dry) {
		overlay_add(rt, sku, o->cand[c], qty);
		return OMS_OK;
	}
	if ((rc = cat_product(rt, sku, &k)) != OMS_OK)
		return rc;
	/* Many rows to a statement where the router may give the ids. */
	if (k->product && !k->kit_row && oms_db_ids_by_max(rt->db) &&
	    (rc = write_later(rt, o, r, s, line_no, c, qty)) != OMS_REJECT)
		return rc;
	/* Else one by one, after what waits. */
	if ((rc = oms_route_flush(rt)) != OMS_OK)
		return rc;
	if ((st = oms_db_stmt(rt->db, sql)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, o->id);
	oms_bind_int(st, 2, line_no);
	oms_bind_text(st, 3, sku);
	oms_bind_text(st, 4, loc);
	oms_bind_int64(st, 5, qty);
	oms_bind_text(st, 6, r->name);
	oms_bind_int(st, 7, rt->rules->version);
	oms_bind_text(st, 8, rt->nowtxt);
	if ((rc = oms_db_step_done(rt->db, st, "cannot store an allocation")) !=
	    OMS_OK)
		return rc;
	snprintf(key, sizeof key, "route:a%lld", (long long)
	    oms_db_last_id(rt->db));
	snprintf(ref, sizeof ref, "o_%lld", (long long)o->id);
	if (k->product && !k->kit_row) {
		struct oms_reserve res;

		memset(&res, 0, sizeof res);
		res.sku = sku;
		res.location = loc;
		res.ref = ref;
		res.key = key;
		res.qty = qty;
		memcpy(res.level, LEVEL(o, c, s), sizeof res.level);
		rc = oms_stock_reserve(rt->db, &res);
		memcpy(LEVEL(o, c, s), res.level, sizeof res.level);
		if (rc == OMS_OK)
			levels_set(rt, sku, o->cand[c], res.level);
		else
			memo_clear(&rt->lv, lvls_free);
		goto reserved;
	}
	/* What the ledger refuses, it refuses in its own words. */
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "type", "movement");
	cJSON_AddStringToObject(m, "kind", "reserve");
	cJSON_AddStringToObject(m, "sku", sku);
	cJSON_AddStringToObject(m, "location", loc);
	cJSON_AddNumberToObject(m, "qty", (double)qty);
	cJSON_AddStringToObject(m, "ref", ref);
	cJSON_AddStringToObject(m, "key", key);
	rc = oms_stock_move(rt->db, m, NULL);
	cJSON_Delete(m);
	memo_clear(&rt->lv, lvls_free);	/* the ledger's own way */
reserved:
	if (rc == OMS_REJECT)	/* cannot be: the stock was read in this tx */
		return oms_seterr("order o_%lld: reserving %s at %s: %s",
		    (long long)o->id, sku, loc, oms_error());
	return rc;
}

static int
set_status(struct oms_router *rt, const struct order *o, const char *status,
    const char *action, cJSON *reasons, cJSON *after)
{
	if (rt->dry)
		return OMS_OK;
	if (strcmp(status, "hold") == 0)
		return oms_order_hold(rt->db, o->id, "policy", reasons, after);
	return oms_order_status(rt->db, o->id, action, status, reasons, after);
}

static int
add_allocated(struct oms_router *rt, int64_t id, int line_no, int64_t units)
{
	static const char sql[] =
	    "UPDATE order_lines SET allocated = allocated + ? "
	    "WHERE order_id = ? AND line_no = ?";
	oms_stmt *st;

	if (rt->dry || units == 0)
		return OMS_OK;
	if ((st = oms_db_stmt(rt->db, sql)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, units);
	oms_bind_int64(st, 2, id);
	oms_bind_int(st, 3, line_no);
	return oms_db_step_done(rt->db, st, "cannot update an order line");
}

/* Release every active allocation of an order, through the ledger. */
int
oms_route_release(struct oms_router *rt, int64_t id, const char *why)
{
	int rc;

	if ((rc = oms_route_flush(rt)) != OMS_OK)
		return rc;
	memo_clear(&rt->lv, lvls_free);
	return oms_alloc_release(rt->db, id, 0, why, NULL);
}

/* ---- the record ----------------------------------------------------------- */

static cJSON *
raw_km(int64_t m)
{
	char buf[32];

	if (m >= UNKNOWN_M)
		return cJSON_CreateNull();
	snprintf(buf, sizeof buf, "%.1f", (double)m / 1000);
	return cJSON_CreateRaw(buf);
}

static cJSON *
money(int64_t v, const char *currency)
{
	char buf[OMS_MONEY_BUFSZ];

	oms_money_format(v, oms_currency_exponent(currency), buf, sizeof buf);
	return cJSON_CreateString(buf);
}

/*
 * The record is written as text, as oms_json_print writes the tree it
 * stands for: a few a millisecond are too many to build as trees first.
 * In echo form a number past 10^15 is written as oms_rec_write writes it
 * (an exponent), which the stored form does not; wide says one was.
 */
struct wr {
	struct oms_buf *b;
	int echo, wide;
};

static void
put_key(struct wr *w, const char *key)
{
	oms_buf_add(w->b, key, strlen(key));
}

static void
put_int(struct wr *w, int64_t v)
{
	if (v > -1000000000000000LL && v < 1000000000000000LL) {
		oms_buf_json_int(w->b, v);
		return;
	}
	w->wide = 1;
	if (w->echo)
		oms_buf_json_int(w->b, v);
	else
		oms_buf_json_number(w->b, (double)v);
}

/* ,"key":"s" -- or nothing where cJSON adds nothing (s NULL). */
static void
put_kstr(struct wr *w, const char *key, const char *s)
{
	if (s == NULL)
		return;
	put_key(w, key);
	oms_buf_json_string(w->b, s);
}

static void
put_money(struct wr *w, int64_t v, const char *currency)
{
	char buf[OMS_MONEY_BUFSZ];

	oms_money_format(v, oms_currency_exponent(currency), buf, sizeof buf);
	oms_buf_json_string(w->b, buf);
}

static void
ship_text(struct wr *w, const struct oms_router *rt, const struct order *o,
    const struct eval *ev, const struct ship *s)
{
	char day[11], km[32];
	int k, first = 1;

	for (k = 0; k < ev->k && ev->set[k] != s->loc; k++)
		;
	put_kstr(w, "{\"location\":", rt->locs[o->cand[s->loc]].id);
	put_key(w, ",\"lines\":[");
	for (int i = 0; i < o->nlines; i++) {
		int used = 0;

		for (int p = 0; p < o->lines[i].nparts; p++)
			if (ev->take[i][p][k] > 0)
				used = 1;
		if (!used)
			continue;
		if (!first)
			oms_buf_addc(w->b, ',');
		first = 0;
		put_int(w, o->lines[i].line_no);
	}
	put_key(w, "],\"value\":");
	put_money(w, s->value, o->currency);
	put_key(w, ",\"weight_g\":");
	put_int(w, s->grams);
	put_key(w, ",\"distance_km\":");
	if (s->dist_m >= UNKNOWN_M)
		put_key(w, "null");
	else {
		snprintf(km, sizeof km, "%.1f", (double)s->dist_m / 1000);
		put_key(w, km);
	}
	if (s->has_quote) {
		put_kstr(w, ",\"service\":", s->q.service);
		put_key(w, ",\"cost\":");
		put_money(w, s->q.price, s->q.currency);
		put_kstr(w, ",\"cost_currency\":", s->q.currency);
		put_key(w, ",\"zone\":");
		put_int(w, s->zone);
		put_key(w, ",\"transit_days\":");
		put_int(w, s->transit_days);
	}
	day_text(s->ships_on, day);
	put_kstr(w, ",\"ships_on\":", day);
	if (s->has_quote) {
		day_text(s->arrives_on, day);
		put_kstr(w, ",\"arrives_on\":", day);
	}
	put_key(w, s->late ? ",\"late\":true}" : ",\"late\":false}");
}

/* A line's units at one place, for the record. */
struct held {
	const char *sku, *location;
	int64_t qty;
};

static int
held_cmp(const void *a, const void *b)
{
	const struct held *x = a, *y = b;
	int c = strcmp(x->sku, y->sku);

	return c != 0 ? c : strcmp(x->location, y->location);
}

static void
held_add(struct held *h, int *n, const char *sku, const char *location,
    int64_t qty)
{
	for (int i = 0; i < *n; i++)
		if (strcmp(h[i].sku, sku) == 0 &&
		    strcmp(h[i].location, location) == 0) {
			h[i].qty += qty;
			return;
		}
	h[*n].sku = sku;
	h[*n].location = location;
	h[(*n)++].qty = qty;
}

/* The units of the order's lines still to come: backordered. */
static int64_t
backordered(const struct order *o, const struct eval *ev)
{
	int64_t n = 0;

	for (int i = 0; i < o->nlines; i++) {
		const struct rline *l = &o->lines[i];
		int64_t left = l->qty - l->cancelled - l->elsewhere -
		    l->allocated - (ev ? ev->line_units[i] : 0);

		if (left > 0)
			n += left;
	}
	return n;
}

/*
 * The order's lines as they now stand: every active allocation, those
 * it had (none when released, cancelled) and those ev made, per line by
 * sku and location in byte order (the database's, on either engine).  A
 * dry run stores nothing: this decision's takes alone.
 */
static void
lines_text(struct wr *w, struct oms_router *rt, const struct order *o,
    const struct eval *ev, int released)
{
	struct held *h = emalloc(((size_t)o->nprior + OMS_KIT_MAX *
	    OMS_MAX_SHIPMENTS) * sizeof *h);

	put_key(w, "[");
	for (int i = 0; i < o->nlines; i++) {
		const struct rline *l = &o->lines[i];
		int64_t units = l->allocated + (ev ? ev->line_units[i] : 0);
		int64_t left = l->qty - l->cancelled - l->elsewhere - units;
		int n = 0;

		put_key(w, i > 0 ? ",{\"line_no\":" : "{\"line_no\":");
		put_int(w, l->line_no);
		put_kstr(w, ",\"sku\":", l->sku);
		put_key(w, ",\"qty\":");
		put_int(w, l->qty);
		if (l->cancelled > 0) {
			put_key(w, ",\"cancelled\":");
			put_int(w, l->cancelled);
		}
		if (l->elsewhere > 0) {
			put_key(w, ",\"fulfilled_elsewhere\":");
			put_int(w, l->elsewhere);
		}
		put_key(w, ",\"allocated\":");
		put_int(w, units);
		if (left > 0) {
			put_key(w, ",\"backordered\":");
			put_int(w, left);
		}
		if (rt->dry) {
			for (int p = 0; ev && p < l->nparts; p++)
				for (int k = 0; k < ev->k; k++)
					if (ev->take[i][p][k] > 0)
						h[n++] = (struct held){
						    o->skus[l->parts[p].sku].sku,
						    rt->locs[o->cand[ev->set[k]]].id,
						    ev->take[i][p][k] };
		} else {
			for (int a = 0; !released && a < o->nprior; a++)
				if (o->prior[a].line_no == l->line_no)
					held_add(h, &n, o->prior[a].sku,
					    o->prior[a].location,
					    o->prior[a].qty);
			for (int p = 0; ev && p < l->nparts; p++)
				for (int k = 0; k < ev->k; k++)
					if (ev->take[i][p][k] > 0)
						held_add(h, &n,
						    o->skus[l->parts[p].sku].sku,
						    rt->locs[o->cand[ev->set[k]]].id,
						    ev->take[i][p][k]);
			qsort(h, (size_t)n, sizeof *h, held_cmp);
		}
		put_key(w, ",\"locations\":[");
		for (int j = 0; j < n; j++) {
			oms_buf_addc(w->b, j > 0 ? ',' : '{');
			if (j > 0)
				oms_buf_addc(w->b, '{');
			if (l->kit) {
				put_kstr(w, "\"sku\":", h[j].sku);
				oms_buf_addc(w->b, ',');
			}
			put_kstr(w, "\"location\":", h[j].location);
			put_key(w, ",\"qty\":");
			put_int(w, h[j].qty);
			oms_buf_addc(w->b, '}');
		}
		put_key(w, "]}");
	}
	put_key(w, "]");
	free(h);
}

/* What an order's record is made of, besides the router. */
struct rec_parts {
	const struct order *o;
	const struct oms_rule *r;
	const struct solve *sv;
	int released;		/* its earlier allocations released */
	const char *status;
	const cJSON *old;	/* the shipments earlier runs sent, or NULL */
	const cJSON *reasons, *explain;	/* or NULL */
};

/* Append a tree's text, stored or echoed, to w. */
static void
put_tree(struct wr *w, const cJSON *x)
{
	if (oms_rec_wide(x))
		w->wide = 1;
	if (w->echo)
		oms_rec_print_buf(w->b, x);
	else
		oms_json_print_buf(w->b, x);
}

/*
 * The allocation record's text, to free(): as stored (echo 0: without
 * the explanation, *wide saying whether a number past 10^15 makes the
 * echo differ), or as echoed (echo 1).
 */
static char *
record_text(struct oms_router *rt, const struct rec_parts *p, int echo,
    int *wide)
{
	const struct order *o = p->o;
	const struct eval *ev = p->sv->found ? &p->sv->best : NULL;
	struct oms_buf b = { 0 };
	struct wr w = { &b, echo, 0 };
	const cJSON *x;
	char ref[32];
	int n = 0;

	put_key(&w, "{\"type\":\"allocation\"");
	snprintf(ref, sizeof ref, "o_%lld", (long long)o->id);
	put_kstr(&w, ",\"order\":", ref);
	put_kstr(&w, ",\"channel\":", o->channel);
	if (o->account[0] != '\0')
		put_kstr(&w, ",\"account\":", o->account);
	put_kstr(&w, ",\"external_id\":", o->external_id);
	put_kstr(&w, ",\"status\":", p->status);
	put_kstr(&w, ",\"rule\":", p->r->name);
	put_key(&w, ",\"rules_version\":");
	put_int(&w, rt->rules->version);
	put_key(&w, ",\"lines\":");
	lines_text(&w, rt, o, ev, p->released);
	put_key(&w, ",\"shipments\":[");
	for (x = p->old != NULL ? p->old->child : NULL; x != NULL; x = x->next) {
		if (n++ > 0)
			oms_buf_addc(&b, ',');
		put_tree(&w, x);
	}
	for (int k = 0; ev != NULL && k < ev->nships; k++) {
		if (n++ > 0)
			oms_buf_addc(&b, ',');
		ship_text(&w, rt, o, ev, &ev->ships[k]);
	}
	oms_buf_addc(&b, ']');
	if (p->reasons != NULL) {
		put_key(&w, ",\"hold_reasons\":");
		put_tree(&w, p->reasons);
	}
	if (echo && p->explain != NULL) {
		put_key(&w, ",\"explain\":");
		put_tree(&w, p->explain);
	}
	oms_buf_addc(&b, '}');
	if (wide != NULL)
		*wide = w.wide;
	return b.s;
}

static cJSON *
term_value(const struct order *o, const struct oms_router *rt, int s, int64_t v)
{
	(void)rt;
	switch (s) {
	case OMS_S_PRIORITY:
	case OMS_S_STOCK:
	case OMS_S_CAPACITY:
		return v == -INT32_MAX ? cJSON_CreateNull() :
		    cJSON_CreateNumber((double)-v);
	case OMS_S_CLOSEST:
		return raw_km(v);
	case OMS_S_COST:
		return v >= UNKNOWN_COST ? cJSON_CreateNull() :
		    money(v, o->alone[0].has_quote ? o->alone[0].q.currency :
		    o->currency);
	default:
		return cJSON_CreateNumber((double)v);
	}
}

static cJSON *
terms_record(const struct order *o, const struct oms_router *rt,
    const struct oms_rule *r, const int64_t *terms)
{
	cJSON *x = cJSON_CreateObject();

	for (int i = 0; i < r->nstrategies; i++)
		cJSON_AddItemToObject(x, oms_strategy_name(r->strategies[i]),
		    term_value(o, rt, r->strategies[i],
		    terms[r->strategies[i]]));
	return x;
}

static int
in_set(const int *set, int k, int c)
{
	for (int i = 0; i < k; i++)
		if (set[i] == c)
			return 1;
	return 0;
}

/* Where a losing set first differs from the winner, in words. */
static void
lost_on(const struct order *o, const struct oms_router *rt,
    const struct oms_rule *r, const struct seen *s, const struct eval *w,
    char *out, size_t n)
{
	if (s->units != w->units) {
		snprintf(out, n, "covers %lld units against %lld",
		    (long long)s->units, (long long)w->units);
		return;
	}
	for (int i = 0; i < r->nstrategies; i++) {
		int t = r->strategies[i];
		cJSON *a, *b;
		char *as, *bs;

		if (s->terms[t] == w->terms[t])
			continue;
		a = term_value(o, rt, t, s->terms[t]);
		b = term_value(o, rt, t, w->terms[t]);
		as = oms_json_print(a);
		bs = oms_json_print(b);
		snprintf(out, n, "lost on %s: %s against %s",
		    oms_strategy_name(t), as, bs);
		free(as);
		free(bs);
		cJSON_Delete(a);
		cJSON_Delete(b);
		return;
	}
	snprintf(out, n, "lost on the location ids");
}

/* The record's explanation, its rules list taken. */
static cJSON *
explain_record(const struct oms_router *rt, const struct oms_rule *r,
    const struct order *o, const struct solve *sv, cJSON *rules)
{
	cJSON *ex = cJSON_CreateObject(), *cands, *sets;
	char why[200];

	cJSON_AddItemToObject(ex, "rules", rules);
	cJSON_AddStringToObject(ex, "destination", o->dest.how ? o->dest.how :
	    "unknown");
	cands = cJSON_AddArrayToObject(ex, "candidates");
	for (int i = 0; i < rt->nlocs && i < 64; i++) {
		cJSON *x = cJSON_CreateObject();
		int c;

		cJSON_AddStringToObject(x, "location", rt->locs[i].id);
		for (c = 0; c < o->ncand && o->cand[c] != i; c++)
			;
		if (c == o->ncand) {
			cJSON_AddStringToObject(x, "verdict", o->verdict[i]);
			cJSON_AddItemToArray(cands, x);
			continue;
		}
		cJSON_AddItemToObject(x, "terms", terms_record(o, rt, r,
		    o->single[c]));
		if (sv->found && in_set(sv->best.set, sv->best.k, c) &&
		    sv->best.nships > 0) {
			int used = 0;

			for (int k = 0; k < sv->best.nships; k++)
				if (sv->best.ships[k].loc == c)
					used = 1;
			cJSON_AddStringToObject(x, "verdict", used ? "chosen" :
			    "in the chosen set, sends nothing");
		} else if (stock_of(o, c) == 0)
			cJSON_AddStringToObject(x, "verdict",
			    "no stock of the order's products");
		else {
			const struct seen *best = NULL;

			for (int k = 0; k < sv->nseen; k++)
				if (in_set(sv->seen[k].set, sv->seen[k].k, c) &&
				    sv->seen[k].valid && (best == NULL ||
				    sv->seen[k].k < best->k))
					best = &sv->seen[k];
			if (best == NULL || !sv->found)
				snprintf(why, sizeof why, "cannot cover the "
				    "order within %d shipment%s with the others",
				    r->max_shipments, r->max_shipments == 1 ?
				    "" : "s");
			else
				lost_on(o, rt, r, best, &sv->best, why,
				    sizeof why);
			cJSON_AddStringToObject(x, "verdict", why);
		}
		cJSON_AddItemToArray(cands, x);
	}
	sets = cJSON_AddArrayToObject(ex, "sets");
	for (int k = 0; k < sv->nseen && k < 20; k++) {
		const struct seen *s = &sv->seen[k];
		cJSON *x = cJSON_CreateObject(), *ids = cJSON_CreateArray();
		int chosen = sv->found && s->k == sv->best.k &&
		    memcmp(s->set, sv->best.set, sizeof(int) * (size_t)s->k) == 0;

		for (int i = 0; i < s->k; i++)
			cJSON_AddItemToArray(ids, cJSON_CreateString(
			    rt->locs[o->cand[s->set[i]]].id));
		cJSON_AddItemToObject(x, "locations", ids);
		cJSON_AddNumberToObject(x, "units", (double)s->units);
		cJSON_AddItemToObject(x, "terms", terms_record(o, rt, r,
		    s->terms));
		if (chosen)
			cJSON_AddStringToObject(x, "verdict", "chosen");
		else if (!s->valid)
			cJSON_AddStringToObject(x, "verdict", s->why);
		else {
			lost_on(o, rt, r, s, &sv->best, why, sizeof why);
			cJSON_AddStringToObject(x, "verdict", why);
		}
		cJSON_AddItemToArray(sets, x);
	}
	return ex;
}

/* ---- routing an order ------------------------------------------------------ */

/*
 * Run the jq conditions that decide o's rule: those of the rules whose
 * other conditions hold, in turn, in one round trip, until one is true or
 * a rule without one matches.  Answers are kept in rt->known for the
 * order's record as read, so that asking again costs nothing.  A failed
 * condition is kept as such (OMS_OK: the caller refuses the order);
 * past patience ms, OMS_SLOW.
 */
static int
ask_jq(struct oms_router *rt, const struct order *o, const int *holds,
    long patience)
{
	struct known *k = &rt->known;
	struct oms_jq **qs;
	int *idx, *truth, n = 0, ran = 0, rc, any = 0;
	uint64_t digest;

	/* No rule with a jq condition: nothing to ask. */
	for (int i = 0; i < rt->rules->n && !any; i++)
		any = rt->rules->r[i].jq != NULL;
	if (!any)
		return OMS_OK;
	digest = oms_hash64(o->rectext, strlen(o->rectext), OMS_HASH_INIT);
	if (k->truth == NULL || k->id != o->id || k->digest != digest) {
		k->truth = erealloc(k->truth, (size_t)rt->rules->n);
		memset(k->truth, -1, (size_t)rt->rules->n);
		k->id = o->id;
		k->digest = digest;
		k->failed = -1;
	}
	if (k->failed >= 0)
		return OMS_OK;
	qs = ecalloc((size_t)rt->rules->n, sizeof *qs);
	idx = ecalloc((size_t)rt->rules->n, sizeof *idx);
	truth = ecalloc((size_t)rt->rules->n, sizeof *truth);
	for (int i = 0; i < rt->rules->n; i++) {
		const struct oms_rule *r = &rt->rules->r[i];

		if (!holds[i] || k->truth[i] == 0)
			continue;
		if (r->jq == NULL || k->truth[i] == 1)
			break;
		qs[n] = r->jq;
		idx[n++] = i;
	}
	rc = oms_jq_first(qs, n, o->rectext, strlen(o->rectext), patience,
	    truth, &ran);
	for (int j = 0; j < ran; j++)
		k->truth[idx[j]] = (signed char)truth[j];
	if (rc == OMS_REJECT && ran < n) {
		k->failed = idx[ran];
		snprintf(k->msg, sizeof k->msg, "%s", oms_error());
		rc = OMS_OK;
	}
	free(qs);
	free(idx);
	free(truth);
	return rc;
}

/*
 * The rule for o: the first whose conditions hold, else fallback.  A jq
 * condition that fails, or runs past its time or memory, refuses the
 * order (OMS_REJECT): it is not routed, and no later rule takes it.
 */
static int
pick_rule(struct oms_router *rt, const struct order *o, cJSON *why,
    struct oms_rule *fallback, long patience, struct oms_rule **out)
{
	char (*because)[256];
	int *holds, n = rt->rules->n, rc;

	*out = fallback;
	holds = ecalloc((size_t)n, sizeof *holds);
	because = ecalloc((size_t)n, sizeof *because);
	for (int i = 0; i < n; i++)
		holds[i] = oms_rule_matches(&rt->rules->r[i], &o->f, because[i],
		    sizeof because[i]);
	if ((rc = ask_jq(rt, o, holds, patience)) != OMS_OK)
		goto out;
	for (int i = 0; i < n; i++) {
		struct oms_rule *r = &rt->rules->r[i];
		int ok = holds[i];

		if (ok && r->jq != NULL && rt->known.failed == i) {
			char v[48] = "";

			if (rt->rules->version > 0)
				snprintf(v, sizeof v, " of rules version %d",
				    rt->rules->version);
			rc = oms_reject("order o_%lld (%s %s): rule '%s' "
			    "(rule %d%s): %s; the order is not routed",
			    (long long)o->id, o->channel, o->external_id,
			    r->name, i + 1, v, rt->known.msg);
			goto out;
		}
		if (ok && r->jq != NULL && rt->known.truth[i] != 1) {
			ok = 0;
			snprintf(because[i], sizeof because[i],
			    "jq %s is false", r->jq_text);
		}
		if (why != NULL) {
			cJSON *x = cJSON_CreateObject();

			cJSON_AddStringToObject(x, "rule", r->name);
			cJSON_AddBoolToObject(x, "matched", ok);
			if (!ok)
				cJSON_AddStringToObject(x, "why", because[i]);
			cJSON_AddItemToArray(why, x);
		}
		if (ok) {
			*out = r;
			break;
		}
	}
out:
	free(holds);
	free(because);
	return rc;
}

/*
 * Run the jq conditions that decide order id's rule, with no transaction
 * open: however long they take (up to OMS_JQ_TIMEOUT), no lock is held.
 * What they say is kept for oms_route_order, which runs them again only
 * if the order's record changed meanwhile.
 */
int
oms_route_decide(struct oms_router *rt, int64_t id)
{
	struct oms_rule *r, fallback = rt->fallback->r[0];
	struct order o;
	int rc;

	if ((rc = load_order(rt, id, &o)) == OMS_OK)
		rc = pick_rule(rt, &o, NULL, &fallback, 0, &r);
	order_free(&o);
	return rc == OMS_REJECT ? OMS_OK : rc;
}

static int
stored_record(struct oms_router *rt, int64_t id, cJSON **out)
{
	static const char sql[] = "SELECT record FROM routes WHERE order_id = ?";
	oms_stmt *st;
	int rc;

	*out = NULL;
	/* Routed already in this transaction: what waits is written first. */
	if (pend_has(&rt->pend, id) && (rc = oms_route_flush(rt)) != OMS_OK)
		return rc;
	if ((st = oms_db_stmt(rt->db, sql)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	rc = oms_step(st);
	if (rc == OMS_ROW)
		*out = cJSON_Parse(oms_col_text(st, 0));
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(rt->db, rc, "cannot read a route");
	return OMS_OK;
}

/*
 * Store the record's text (record_text's stored form): with the
 * allocations that wait, where they wait (oms_route_flush).
 */
static int
store_record(struct oms_router *rt, int64_t id, const char *text)
{
	static const char sql[] =
	    "INSERT INTO routes (order_id, at, rules_version, record) "
	    "VALUES (?, ?, ?, ?) ON CONFLICT (order_id) DO UPDATE SET "
	    "at = excluded.at, rules_version = excluded.rules_version, "
	    "record = excluded.record";
	struct pend *p = &rt->pend;
	oms_stmt *st;

	if (rt->dry)
		return OMS_OK;
	if (oms_db_ids_by_max(rt->db)) {
		if (p->nr == p->capr) {
			p->capr = p->capr ? p->capr * 2 : 256;
			p->r = erealloc(p->r, (size_t)p->capr * sizeof *p->r);
		}
		p->r[p->nr].order_id = id;
		p->r[p->nr++].text = estrdup(text);
		pend_order(p, id);
		return OMS_OK;
	}
	if ((st = oms_db_stmt(rt->db, sql)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	oms_bind_text(st, 2, rt->nowtxt);
	oms_bind_int(st, 3, rt->rules->version);
	oms_bind_static(st, 4, text);
	return oms_db_step_done(rt->db, st, "cannot store a route");
}

/*
 * Lock the rows routing order id may change, in the order every writer
 * that locks by row takes them (ship.c too): the order, then the levels
 * of every sku its lines and their kits need, everywhere, by sku and
 * location, and those its active allocations hold.  Without
 * OMS_ROUTE_WAIT a row another writer holds is OMS_WAIT (db.h); with
 * OMS_ROUTE_SKIP_HELD an order another writer holds (a router, or a
 * shipper of what it had allocated) is passed over, *elsewhere set: the
 * next run takes it up.
 */
int
oms_route_lock(struct oms_router *rt, int64_t id, int flags, int *elsewhere)
{
	static const struct oms_lock lock_order =
	    OMS_LOCK("SELECT id FROM orders WHERE id = ?");
	static const struct oms_lock lock_levels =
	    OMS_LOCK("SELECT sku FROM levels WHERE sku IN "
	    "(SELECT sku FROM order_lines WHERE order_id = ?1 "
	    "UNION SELECT k.sku FROM kit_components k JOIN order_lines l "
	    "ON k.kit_sku = l.sku WHERE l.order_id = ?1 "
	    /* A kit changed since may hold other skus: released too. */
	    "UNION SELECT sku FROM allocations WHERE order_id = ?1 "
	    "AND state = 'active') "
	    "ORDER BY sku, location");
	int mode = flags & OMS_ROUTE_WAIT ? OMS_LOCK_WAIT : OMS_LOCK_NOWAIT;
	int rc;

	*elsewhere = 0;
	rc = oms_db_lock(rt->db, &lock_order, flags & OMS_ROUTE_SKIP_HELD ?
	    OMS_LOCK_SKIP : mode, "I", id);
	if (rc == OMS_WAIT && (flags & OMS_ROUTE_SKIP_HELD)) {
		*elsewhere = 1;
		return OMS_OK;
	}
	if (rc != OMS_OK)
		return rc;
	return oms_db_lock(rt->db, &lock_levels, mode, "I", id);
}

/*
 * Route order id inside the caller's transaction.  The allocation record
 * is *text, its line as oms_rec_write would write it, when text is not
 * NULL, and otherwise the tree *out; an order allocated already, named,
 * gives its stored record in *out.  Neither is set when nothing changed
 * and quiet_unchanged is (a backordered order that still cannot be
 * served, in a --pending run).
 * Every refusal comes before the first write, but for a cancellation's,
 * which has a savepoint of its own; a failure after a write (the
 * database's, a ledger that refuses a reservation of stock read in this
 * transaction) leaves the transaction to be rolled back whole.
 */

int
oms_route_order(struct oms_router *rt, int64_t id, int flags, cJSON **out,
    char **text)
{
	struct order o;
	struct solve sv;
	struct oms_rule *r, fallback;
	struct rec_parts rt_rec;
	cJSON *why = NULL, *after, *reasons = NULL, *locs, *old = NULL;
	cJSON *ex = NULL;
	const char *status, *action;
	int64_t back, before_units = 0, new_units = 0;
	long *counter;
	int rc, cancel = 0, undo = 0, nested = 0;
	char *echo = NULL;

	*out = NULL;
	if (text != NULL)
		*text = NULL;
	memset(&sv, 0, sizeof sv);
	if ((rc = load_order(rt, id, &o)) != OMS_OK)
		goto done;
	if (strcmp(o.status, "allocated") == 0) {
		/* Named: its record again.  Pending: another run took it. */
		rc = flags & OMS_ROUTE_QUIET_UNCHANGED ? OMS_OK :
		    stored_record(rt, id, out);
		rt->unchanged++;
		goto done;
	}
	if (!oms_state_may(o.status, OMS_ACT_ROUTE)) {
		rc = oms_reject("order o_%lld (%s %s) is %s, not open", (long long)id,
		    o.channel, o.external_id, o.status);
		goto done;
	}
	/* A cancellation under way (a label to void) stops routing too. */
	if (!rt->dry && (rc = oms_order_may(rt->db, id, OMS_ACT_ROUTE)) !=
	    OMS_OK)
		goto done;
	if (o.nlines == 0 && (flags & OMS_ROUTE_QUIET_UNCHANGED)) {
		rt->unchanged++;	/* nothing to do, every run: say nothing */
		rc = OMS_OK;
		goto done;
	}
	if (o.nlines == 0) {
		rc = oms_reject("order o_%lld (%s %s) has no line with a product "
		    "to allocate", (long long)id, o.channel, o.external_id);
		goto done;
	}
	if (rt->explain)
		why = cJSON_CreateArray();
	/* No rule matches: the built-in default, said so. */
	fallback = rt->fallback->r[0];
	if (rt->rules->version > 0)
		fallback.name = "default (no rule matched)";
	if ((rc = pick_rule(rt, &o, why, &fallback, flags & OMS_ROUTE_LOCKED ?
	    OMS_JQ_PATIENCE : 0, &r)) != OMS_OK)
		goto done;
	candidates(rt, r, &o);
	if ((rc = load_stock(rt, &o)) != OMS_OK ||
	    (!rt->dry && (rc = load_had(rt, &o)) != OMS_OK))
		goto done;
	/* A new order: no quote of the last one holds. */
	if (rt->qmemo == NULL)
		rt->qmemo = ecalloc(QMEMO, sizeof *rt->qmemo);
	rt->qgen++;
	single_terms(rt, r, &o);
	for (int i = 0; i < o.nlines; i++)
		before_units += o.lines[i].allocated;
	solve(rt, r, &o, &sv);

	/* What the policy makes of it. */
	if (sv.found && !sv.best.covers && r->backorder == OMS_BO_HOLD) {
		sv.found = 0;
		sv.best.units = 0;
	}
	if (sv.found && !sv.best.covers && !r->partial)
		sv.found = 0;
	if (!sv.found || !sv.best.covers) {
		int64_t placed;

		if (r->backorder == OMS_BO_CANCEL && o.placed_at != NULL &&
		    oms_time_to_epoch(o.placed_at, &placed) == OMS_OK &&
		    rt->now - placed >= (int64_t)r->cancel_after_days * 86400)
			cancel = 1;
	}
	if (cancel) {
		sv.found = 0;
		/*
		 * Its releases may be refused when some are written: undone
		 * here, since the caller keeps no savepoint an order.
		 */
		if (!rt->dry && (rc = oms_db_write(rt->db, &nested)) != OMS_OK)
			goto done;
		undo = !rt->dry;
		if (!rt->dry && (rc = oms_route_release(rt, id,
		    "backordered too long")) != OMS_OK)
			goto done;
		for (int i = 0; i < o.nlines; i++)
			o.lines[i].allocated = 0;
	}
	/* Write the allocations. */
	if (sv.found)
		for (int i = 0; i < o.nlines; i++) {
			const struct rline *l = &o.lines[i];

			for (int p = 0; p < l->nparts; p++)
				for (int k = 0; k < sv.best.k; k++)
					if (sv.best.take[i][p][k] > 0 &&
					    (rc = write_alloc(rt, &o, r,
					    l->parts[p].sku, l->line_no,
					    sv.best.set[k],
					    sv.best.take[i][p][k])) != OMS_OK)
						goto done;
			if ((rc = add_allocated(rt, id, l->line_no,
			    sv.best.line_units[i])) != OMS_OK)
				goto done;
			new_units += sv.best.line_units[i];
		}
	back = backordered(&o, sv.found ? &sv.best : NULL);
	if (cancel) {
		status = "cancelled";
		action = "cancelled";
		counter = &rt->cancelled;
	} else if (back == 0) {
		status = "allocated";
		action = "allocated";
		counter = &rt->allocated;
	} else if (r->backorder == OMS_BO_HOLD) {
		status = "hold";
		action = "held";
		reasons = cJSON_CreateArray();
		cJSON_AddItemToArray(reasons, cJSON_CreateString(
		    "not enough stock to ship it whole"));
		counter = &rt->held;
	} else if (before_units + new_units > 0) {
		status = "partial";
		action = "partial";
		counter = &rt->partial;
	} else {
		status = "backordered";
		action = "backordered";
		counter = &rt->backordered;
	}
	(*counter)++;
	/* Some of it has left already: the order is partly shipped. */
	if (o.shipped > 0 && !cancel && strcmp(status, "hold") != 0)
		status = "partly_shipped";
	/* What earlier runs sent stays in the record, first. */
	if (before_units > 0 && !cancel && !rt->dry &&
	    (rc = stored_record(rt, id, &old)) != OMS_OK)
		goto done;
	if (rt->explain) {
		ex = explain_record(rt, r, &o, &sv, why);
		why = NULL;
	}
	rt_rec.o = &o;
	rt_rec.r = r;
	rt_rec.sv = &sv;
	rt_rec.released = cancel;
	rt_rec.status = status;
	rt_rec.old = old != NULL ? cJSON_GetObjectItemCaseSensitive(old,
	    "shipments") : NULL;
	rt_rec.reasons = reasons;
	rt_rec.explain = ex;
	/* Nothing new for an order that waits: say nothing, change nothing. */
	if (new_units == 0 && !cancel && strcmp(status, o.status) == 0) {
		rt->unchanged++;
		(*counter)--;
		if (!(flags & OMS_ROUTE_QUIET_UNCHANGED))
			echo = record_text(rt, &rt_rec, 1, NULL);
		rc = OMS_OK;
		goto out;
	}
	after = cJSON_CreateObject();
	cJSON_AddStringToObject(after, "status", status);
	cJSON_AddStringToObject(after, "rule", r->name);
	cJSON_AddNumberToObject(after, "rules_version", rt->rules->version);
	locs = cJSON_AddArrayToObject(after, "locations");
	for (int k = 0; sv.found && k < sv.best.nships; k++)
		cJSON_AddItemToArray(locs, cJSON_CreateString(
		    rt->locs[o.cand[sv.best.ships[k].loc]].id));
	if (cancel && !rt->dry)
		rc = oms_order_cancel_rest(rt->db, id, "cancelled", after, NULL);
	else
		rc = set_status(rt, &o, status, action, reasons, after);
	/* A cancellation released stock, or may be undone: read it again. */
	if (cancel)
		memo_clear(&rt->lv, lvls_free);
	cJSON_Delete(after);
	if (rc == OMS_OK) {
		int wide;
		char *stored = record_text(rt, &rt_rec, 0, &wide);

		rc = store_record(rt, id, stored);
		/* The line printed is the text stored, unless it differs. */
		if (wide || ex != NULL) {
			free(stored);
			echo = record_text(rt, &rt_rec, 1, NULL);
		} else
			echo = stored;
	}
	/* Capacity: each location this order newly uses takes one. */
	for (int k = 0; rc == OMS_OK && sv.found && k < sv.best.nships; k++)
		rt->locs[o.cand[sv.best.ships[k].loc]].used++;
out:
done:
	if (undo)
		rc = oms_db_write_end(rt->db, nested, rc);
	/* The record: as text, or as a tree to a caller that wants one. */
	if (rc == OMS_OK && echo != NULL && text != NULL) {
		*text = echo;
		echo = NULL;
	} else if (rc == OMS_OK && echo != NULL &&
	    (*out = cJSON_Parse(echo)) == NULL)
		rc = oms_seterr("order o_%lld: out of memory", (long long)id);
	free(echo);
	cJSON_Delete(old);
	cJSON_Delete(ex);
	cJSON_Delete(why);
	cJSON_Delete(reasons);
	if (sv.best.take != NULL)
		eval_free(&sv.best);
	free(sv.seen);
	order_free(&o);
	return rc;
}

/* The ids of the orders a --pending run takes, by priority then age. */
int
oms_route_pending(oms_db *db, int64_t **ids, size_t *n)
{
	static const char sql[] =
	    "SELECT id FROM orders o WHERE status IN ('open', 'partial', "
	    "'backordered') OR (status = 'partly_shipped' AND EXISTS ("
	    "SELECT 1 FROM order_lines l WHERE l.order_id = o.id AND l.ships = 1 "
	    "AND l.sku IS NOT NULL AND l.qty - l.cancelled - CASE WHEN "
	    "l.fulfilled > l.shipped THEN l.fulfilled - l.shipped ELSE 0 END "
	    "> l.allocated)) "
	    "ORDER BY priority DESC, placed_at NULLS FIRST, id";
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

/*
 * Release an order's allocations and put it back to open (or partly
 * shipped, when some of it has left), for a reroute.
 */
int
oms_route_reopen(struct oms_router *rt, int64_t id)
{
	static const char sql[] =
	    "SELECT status FROM orders WHERE id = ?";
	oms_stmt *st = oms_db_stmt(rt->db, sql);
	char status[32] = "", now[32];
	cJSON *after;
	int rc;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	rc = oms_step(st);
	if (rc == OMS_ROW)
		snprintf(status, sizeof status, "%s", oms_col_text(st, 0));
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("no order o_%lld", (long long)id);
	if (rc != OMS_ROW)
		return oms_db_fail(rt->db, rc, "cannot read an order");
	if (strcmp(status, "allocated") != 0 && strcmp(status, "partial") != 0 &&
	    strcmp(status, "backordered") != 0 && strcmp(status, "open") != 0 &&
	    strcmp(status, "partly_shipped") != 0)
		return oms_reject("order o_%lld is %s: only an open or allocated "
		    "order can be rerouted", (long long)id, status);
	if ((rc = oms_order_may(rt->db, id, OMS_ACT_ROUTE)) != OMS_OK &&
	    strcmp(status, "allocated") != 0)
		return rc;
	if ((rc = oms_route_release(rt, id, "rerouted")) != OMS_OK)
		return rc;
	if ((rc = oms_order_settle(rt->db, id, "rerouted", NULL, now)) != OMS_OK)
		return rc;
	if (strcmp(now, status) != 0)
		return OMS_OK;
	/* Its status stays: the event says what was done all the same. */
	after = cJSON_CreateObject();
	rc = oms_order_status(rt->db, id, "rerouted", status, NULL, after);
	cJSON_Delete(after);
	return rc;
}
