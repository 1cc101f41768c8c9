/*
 * rma.c: a return (r_N) and its life.
 *
 * A request names an order, its lines and why; the channel's policy
 * (policy.c) decides whether it may be made (the window), whether it waits
 * for a person (authorize) and whether the units come back at all (keep
 * it), and is stored on the return as it was.  Units received go into the
 * quarantine of the location that received them: a location of its own,
 * "LOC/returns", neither sellable nor shipping, so they are counted but not
 * sold.  Inspection decides each unit: a restock moves it back into the
 * pool, out of quarantine, by a transfer in the ledger; every other
 * disposition takes it out of quarantine by a movement naming why.  A kit
 * comes back as its components.  The moves a return may make are the table
 * below; each is an event on its order.  Every function runs in one short
 * write transaction (a savepoint in the caller's), so two processes
 * receiving or inspecting one return cannot both count a unit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "bounds.h"
#include "order.h"
#include "stock.h"
#include "rma.h"

static const struct {
	const char *from, *to;
} moves[] = {
	{ "requested", "authorized declined cancelled expired closed" },
	{ "authorized", "in_transit received cancelled expired closed" },
	{ "in_transit", "received cancelled closed" },
	{ "received", "inspected closed" },
	{ "inspected", "closed" },
};

static int
listed(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; (p = strstr(p, w)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

/* Whether s is a state a return can be in. */
int
oms_return_state_known(const char *s)
{
	static const char all[] = "requested authorized in_transit received "
	    "inspected closed declined cancelled expired";

	return *s != '\0' && strchr(s, ' ') == NULL && listed(all, s);
}

static int
move_ok(const char *from, const char *to)
{
	for (size_t i = 0; i < sizeof moves / sizeof moves[0]; i++)
		if (strcmp(moves[i].from, from) == 0)
			return listed(moves[i].to, to);
	return 0;
}

int
oms_return_find(oms_db *db, const char *ref, int64_t *id)
{
	static const char sql_id[] = "SELECT 1 FROM returns WHERE id = ?";
	static const char sql_track[] =
	    "SELECT id FROM returns WHERE tracking = ? ORDER BY id DESC";
	static const char sql_rma[] =
	    "SELECT id FROM returns WHERE channel_rma = ? ORDER BY id DESC";
	const char *p = ref;
	oms_stmt *st;
	char *end;
	int rc;

	if (p[0] == 'r' && p[1] == '_')
		p += 2;
	if (*p >= '0' && *p <= '9') {
		errno = 0;
		*id = strtoll(p, &end, 10);
		if (errno == 0 && *end == '\0' && p != ref) {
			if ((st = oms_db_query(db, sql_id, "I", *id)) == NULL)
				return OMS_ERR;
			rc = oms_step(st);
			oms_reset(st);
			if (rc == OMS_ROW)
				return OMS_OK;
			if (rc != OMS_DONE)
				return oms_db_fail(db, rc, "cannot read returns");
			return oms_reject("no return %s", ref);
		}
	}
	/* A tracking number, or the channel's own number of the return. */
	for (int i = 0; i < 2; i++) {
		if ((st = oms_db_query(db, i ? sql_rma : sql_track, "t",
		    ref)) == NULL)
			return OMS_ERR;
		rc = oms_step(st);
		if (rc == OMS_ROW)
			*id = oms_col_int64(st, 0);
		oms_reset(st);
		if (rc == OMS_ROW)
			return OMS_OK;
		if (rc != OMS_DONE)
			return oms_db_fail(db, rc, "cannot read returns");
	}
	return oms_reject("no return '%s' (name it r_N, by its tracking number "
	    "or by the channel's return number)", ref);
}

static void
add_id(cJSON *o, const char *key, const char *prefix, int64_t id)
{
	char b[32];

	snprintf(b, sizeof b, "%s%lld", prefix, (long long)id);
	cJSON_AddStringToObject(o, key, b);
}

static void
add_text(cJSON *o, const char *key, oms_stmt *st, int col)
{
	if (!oms_col_null(st, col))
		cJSON_AddStringToObject(o, key, oms_col_text(st, col));
}

static void
add_json(cJSON *o, const char *key, oms_stmt *st, int col)
{
	cJSON *v;

	if (oms_col_null(st, col))
		return;
	if ((v = cJSON_Parse(oms_col_text(st, col))) != NULL)
		cJSON_AddItemToObject(o, key, v);
}

/* The record of return id, from the tables. */
cJSON *
oms_return_record(oms_db *db, int64_t id)
{
	static const char sql[] =
	    "SELECT r.order_id, o.channel, o.external_id, r.state, r.kind, "
	    "r.key, r.channel_rma, r.split_from, r.policy, r.forced, "
	    "r.location, r.carrier, r.tracking, r.label, r.requested_at, "
	    "r.window_ends, r.updated_at, r.ended_at, r.note, o.account, "
	    "r.record ->> '$.tracking_status' "
	    "FROM returns r JOIN orders o ON o.id = r.order_id WHERE r.id = ?";
	static const char sql_lines[] =
	    "SELECT line_no, order_line, sku, qty, reason, note, resolution, "
	    "received, inspected FROM return_lines WHERE return_id = ? "
	    "ORDER BY line_no";
	static const char sql_units[] =
	    "SELECT line_no, sku, qty, location, disposition, to_sku, "
	    "to_location, note, at FROM return_units WHERE return_id = ? "
	    "ORDER BY id";
	static const char sql_orders[] =
	    "SELECT id, origin FROM orders WHERE return_id = ? ORDER BY id";
	oms_stmt *st;
	cJSON *r, *lines, *a;
	int rc;

	if ((st = oms_db_query(db, sql, "I", id)) == NULL)
		return NULL;
	if ((rc = oms_step(st)) != OMS_ROW) {
		oms_reset(st);
		if (rc == OMS_DONE)
			oms_seterr("no return r_%lld", (long long)id);
		else
			oms_db_fail(db, rc, "cannot read returns");
		return NULL;
	}
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "type", "return");
	add_id(r, "id", "r_", id);
	add_id(r, "order", "o_", oms_col_int64(st, 0));
	cJSON_AddStringToObject(r, "channel", oms_col_text(st, 1));
	if (*oms_col_str(st, 19) != '\0')
		cJSON_AddStringToObject(r, "account", oms_col_text(st, 19));
	cJSON_AddStringToObject(r, "external_id", oms_col_text(st, 2));
	cJSON_AddStringToObject(r, "state", oms_col_text(st, 3));
	if (strcmp(oms_col_text(st, 4), "keep") == 0)
		cJSON_AddBoolToObject(r, "keep", 1);
	cJSON_AddStringToObject(r, "key", oms_col_text(st, 5));
	add_text(r, "channel_rma", st, 6);
	if (!oms_col_null(st, 7))
		add_id(r, "split_from", "r_", oms_col_int64(st, 7));
	{
		cJSON *p = cJSON_Parse(oms_col_text(st, 8));

		cJSON_AddStringToObject(r, "policy", oms_json_str(p, "name") ?
		    oms_json_str(p, "name") : "");
		cJSON_Delete(p);
	}
	add_text(r, "forced", st, 9);
	add_text(r, "location", st, 10);
	add_text(r, "carrier", st, 11);
	add_text(r, "tracking", st, 12);
	add_json(r, "label", st, 13);
	add_json(r, "tracking_status", st, 20);
	add_text(r, "requested_at", st, 14);
	add_text(r, "window_ends", st, 15);
	add_text(r, "updated_at", st, 16);
	add_text(r, "ended_at", st, 17);
	add_text(r, "note", st, 18);
	oms_reset(st);

	lines = cJSON_AddArrayToObject(r, "lines");
	if ((st = oms_db_query(db, sql_lines, "I", id)) == NULL)
		goto fail;
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *l = cJSON_CreateObject();

		cJSON_AddNumberToObject(l, "line_no", oms_col_int(st, 0));
		cJSON_AddNumberToObject(l, "order_line", oms_col_int(st, 1));
		add_text(l, "sku", st, 2);
		cJSON_AddNumberToObject(l, "qty", (double)oms_col_int64(st, 3));
		cJSON_AddStringToObject(l, "reason", oms_col_text(st, 4));
		add_text(l, "note", st, 5);
		cJSON_AddStringToObject(l, "resolution", oms_col_text(st, 6));
		cJSON_AddNumberToObject(l, "received",
		    (double)oms_col_int64(st, 7));
		cJSON_AddNumberToObject(l, "inspected",
		    (double)oms_col_int64(st, 8));
		cJSON_AddItemToArray(lines, l);
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		oms_db_fail(db, rc, "cannot read return lines");
		goto fail;
	}
	if ((st = oms_db_query(db, sql_units, "I", id)) == NULL)
		goto fail;
	a = NULL;
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *u = cJSON_CreateObject();

		if (a == NULL)
			a = cJSON_AddArrayToObject(r, "units");
		cJSON_AddNumberToObject(u, "line_no", oms_col_int(st, 0));
		cJSON_AddStringToObject(u, "sku", oms_col_text(st, 1));
		cJSON_AddNumberToObject(u, "qty", (double)oms_col_int64(st, 2));
		cJSON_AddStringToObject(u, "location", oms_col_text(st, 3));
		cJSON_AddStringToObject(u, "disposition", oms_col_text(st, 4));
		add_text(u, "to_sku", st, 5);
		add_text(u, "to_location", st, 6);
		add_text(u, "note", st, 7);
		cJSON_AddStringToObject(u, "at", oms_col_text(st, 8));
		cJSON_AddItemToArray(a, u);
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		oms_db_fail(db, rc, "cannot read inspected units");
		goto fail;
	}
	if ((st = oms_db_query(db, sql_orders, "I", id)) == NULL)
		goto fail;
	while ((rc = oms_step(st)) == OMS_ROW) {
		const char *k = strcmp(oms_col_text(st, 1), "exchange") == 0 ?
		    "exchange" : "reship";

		add_id(r, k, "o_", oms_col_int64(st, 0));
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		oms_db_fail(db, rc, "cannot read orders");
		goto fail;
	}
	return r;
fail:
	cJSON_Delete(r);
	return NULL;
}

/* The state of return id and its order. */
static int
state_of(oms_db *db, int64_t id, char state[16], int64_t *order_id)
{
	static const char sql[] =
	    "SELECT state, order_id FROM returns WHERE id = ?";
	oms_stmt *st = oms_db_query(db, sql, "I", id);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	if (rc == OMS_ROW) {
		snprintf(state, 16, "%s", oms_col_text(st, 0));
		if (order_id != NULL)
			*order_id = oms_col_int64(st, 1);
	}
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("no return r_%lld", (long long)id);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read returns");
	return OMS_OK;
}

static char *
event_text(int64_t id, const char *state, const char *why)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	add_id(o, "return", "r_", id);
	cJSON_AddStringToObject(o, "state", state);
	if (why != NULL && *why != '\0')
		cJSON_AddStringToObject(o, "why", why);
	s = oms_json_print(o);
	cJSON_Delete(o);
	return s;
}

/* The move itself, in the caller's transaction. */
static int
move_in_tx(oms_db *db, int64_t id, const char *to, const char *why)
{
	static const char sql[] =
	    "UPDATE returns SET state = ?1, updated_at = ?2, ended_at = CASE "
	    "WHEN ?1 IN ('closed', 'declined', 'cancelled', 'expired') "
	    "THEN ?2 ELSE ended_at END WHERE id = ?3 AND state = ?4";
	char from[16], now[OMS_TIME_LEN], action[40], *b, *a;
	int64_t order_id;
	int rc;

	if ((rc = state_of(db, id, from, &order_id)) != OMS_OK)
		return rc;
	if (strcmp(from, to) == 0)
		return OMS_OK;
	if (!move_ok(from, to))
		return oms_reject("return r_%lld is %s: it cannot become %s",
		    (long long)id, from, to);
	oms_time_now(now);
	if ((rc = oms_db_run(db, sql, "cannot change a return", "ttIt", to,
	    now, id, from)) != OMS_OK)
		return rc;
	if (oms_db_changes(db) != 1)
		return oms_reject("return r_%lld changed while it was read",
		    (long long)id);
	snprintf(action, sizeof action, "return_%s", to);
	b = event_text(id, from, NULL);
	a = event_text(id, to, why);
	rc = oms_db_event(db, order_id, action, b, a);
	free(b);
	free(a);
	return rc;
}

int
oms_return_move(oms_db *db, int64_t id, const char *to, const char *why)
{
	int nested, rc;

	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	rc = move_in_tx(db, id, to, why);
	/* The carrier's first scan: a policy may refund then. */
	if (rc == OMS_OK && strcmp(to, "in_transit") == 0)
		rc = oms_return_refund_in_tx(db, id, "scan");
	return oms_db_write_end(db, nested, rc);
}

/*
 * The quarantine of location loc: "loc/returns", made the first time,
 * neither sellable nor shipping.  loc must be a location, and not a
 * quarantine itself.
 */
int
oms_quarantine(oms_db *db, const char *loc, char *out, size_t n)
{
	static const char sql_loc[] =
	    "SELECT kind, quarantine_of FROM locations WHERE id = ?";
	static const char sql_q[] =
	    "UPDATE locations SET quarantine_of = ? WHERE id = ?";
	oms_stmt *st;
	cJSON *rec, *echo = NULL;
	char kind[32] = "", of[128] = "";
	int rc, found;

	if ((st = oms_db_query(db, sql_loc, "t", loc)) == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	found = rc == OMS_ROW;
	if (found) {
		snprintf(kind, sizeof kind, "%s", oms_col_str(st, 0));
		snprintf(of, sizeof of, "%s", oms_col_str(st, 1));
	}
	oms_reset(st);
	if (*of != '\0')
		return oms_reject("%s is the returns quarantine of %s, not a "
		    "place to receive at", loc, of);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read locations");
	if (!found)
		return oms_reject("unknown location '%s'", loc);
	if ((size_t)snprintf(out, n, "%s/returns", loc) >= n)
		return oms_reject("location id '%s' is too long", loc);
	if ((st = oms_db_query(db, sql_loc, "t", out)) == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	found = rc == OMS_ROW;
	if (found)
		snprintf(of, sizeof of, "%s", oms_col_str(st, 1));
	oms_reset(st);
	/* A place of that name that is no quarantine is not taken for one. */
	if (found && strcmp(of, loc) != 0)
		return oms_reject("location '%s' is not the returns quarantine "
		    "of %s (it is a place of its own): rename it", out, loc);
	if (found)
		return OMS_OK;
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read locations");
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "type", "location");
	cJSON_AddStringToObject(rec, "id", out);
	cJSON_AddStringToObject(rec, "name", "returns waiting for inspection");
	if (*kind != '\0')
		cJSON_AddStringToObject(rec, "kind", kind);
	cJSON_AddBoolToObject(rec, "sellable", 0);
	cJSON_AddBoolToObject(rec, "ships", 0);
	rc = oms_stock_location(db, rec, &echo);
	cJSON_Delete(rec);
	cJSON_Delete(echo);
	if (rc != OMS_OK)
		return rc;
	return oms_db_run(db, sql_q, "cannot mark a quarantine", "tt", loc,
	    out);
}

/* A ledger movement, in the caller's transaction. */
static int
movement(oms_db *db, const char *kind, const char *sku, const char *loc,
    const char *peer, int64_t qty, const char *reason, int64_t rid,
    const char *key)
{
	cJSON *m = cJSON_CreateObject();
	char ref[32];
	int rc;

	snprintf(ref, sizeof ref, "r_%lld", (long long)rid);
	cJSON_AddStringToObject(m, "type", "movement");
	cJSON_AddStringToObject(m, "kind", kind);
	cJSON_AddStringToObject(m, "sku", sku);
	cJSON_AddStringToObject(m, "location", loc);
	if (peer != NULL)
		cJSON_AddStringToObject(m, strcmp(kind, "transfer_in") == 0 ?
		    "from" : "to", peer);
	cJSON_AddNumberToObject(m, "qty", (double)qty);
	cJSON_AddStringToObject(m, "reason", reason);
	cJSON_AddStringToObject(m, "ref", ref);
	cJSON_AddStringToObject(m, "key", key);
	rc = oms_stock_move(db, m, NULL);
	cJSON_Delete(m);
	return rc;
}

/* The components of sku when it is a kit (n = 0 when it is not). */
struct comp {
	char sku[128];
	int64_t qty;
};
static int
components(oms_db *db, const char *sku, struct comp *c, int max, int *n)
{
	static const char sql[] =
	    "SELECT sku, qty FROM kit_components WHERE kit_sku = ? "
	    "ORDER BY sku";
	oms_stmt *st = oms_db_query(db, sql, "t", sku);
	int rc;

	*n = 0;
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW && *n < max) {
		snprintf(c[*n].sku, sizeof c[*n].sku, "%s",
		    oms_col_text(st, 0));
		c[*n].qty = oms_col_int64(st, 1);
		(*n)++;
	}
	oms_reset(st);
	if (rc != OMS_DONE && rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read kits");
	return OMS_OK;
}

#define MAX_COMP 16

/* ---- requests ---- */

struct oline {
	int line_no;
	char sku[128], line_id[128];
	int64_t qty, gone, claimed, unit_price;
};

/*
 * The lines of order oid: what went out of each (shipped by us or
 * fulfilled by the channel) and what returns claim of it already: every
 * unit of an open return, the units that came back of a closed one.
 */
static int
order_lines(oms_db *db, int64_t oid, struct oline **out, int *n)
{
	static const char sql[] =
	    "SELECT l.line_no, coalesce(l.sku, ''), coalesce(l.line_id, ''), "
	    "l.qty, min(l.qty - l.cancelled, max(l.shipped, l.fulfilled)), "
	    "(SELECT coalesce(sum(CASE WHEN r.state IN ('declined', "
	    "'cancelled', 'expired') THEN 0 WHEN r.state = 'closed' AND "
	    "r.kind = 'return' THEN rl.received ELSE rl.qty END), 0) "
	    "FROM return_lines rl JOIN returns r ON r.id = rl.return_id "
	    "WHERE r.order_id = l.order_id AND rl.order_line = l.line_no), "
	    "coalesce(l.unit_price, 0) "
	    "FROM order_lines l WHERE l.order_id = ? ORDER BY l.line_no";
	oms_stmt *st = oms_db_query(db, sql, "I", oid);
	int rc, cap = 0;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		struct oline *l;

		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*out = erealloc(*out, cap * sizeof **out);
		}
		l = &(*out)[(*n)++];
		l->line_no = oms_col_int(st, 0);
		snprintf(l->sku, sizeof l->sku, "%s", oms_col_text(st, 1));
		snprintf(l->line_id, sizeof l->line_id, "%s",
		    oms_col_text(st, 2));
		l->qty = oms_col_int64(st, 3);
		l->gone = oms_col_int64(st, 4);
		l->claimed = oms_col_int64(st, 5);
		l->unit_price = oms_col_int64(st, 6);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read order lines");
	return OMS_OK;
}

/*
 * When the return window of order oid starts: its last delivery, else its
 * last shipment, else when it was placed (as the policy's window_from
 * allows: "order" skips the parcels, "shipment" the deliveries).
 */
static int
window_start(oms_db *db, int64_t oid, const char *from, char *out,
    const char **what)
{
	static const char sql[] =
	    "SELECT (SELECT max(delivered_at) FROM shipments WHERE order_id = "
	    "?1 AND status <> 'voided'), (SELECT max(shipped_at) FROM "
	    "shipments WHERE order_id = ?1 AND status <> 'voided'), "
	    "coalesce(placed_at, imported_at) FROM orders WHERE id = ?1";
	oms_stmt *st = oms_db_query(db, sql, "I", oid);
	int rc, first;

	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) != OMS_ROW) {
		oms_reset(st);
		return oms_db_fail(db, rc, "cannot read the order");
	}
	first = strcmp(from, "order") == 0 ? 2 : strcmp(from, "shipment") ==
	    0 ? 1 : 0;
	for (int i = first; i < 3; i++)
		if (!oms_col_null(st, i)) {
			snprintf(out, OMS_TIME_LEN, "%s", oms_col_text(st, i));
			*what = i == 0 ? "delivery" : i == 1 ? "shipment" :
			    "the order";
			break;
		}
	oms_reset(st);
	return OMS_OK;
}

static const char *const resolutions[] = { "refund", "exchange",
	"store_credit", "none", NULL };

struct rline {
	int order_line;
	char sku[128];
	int64_t qty;
	const char *reason, *note, *resolution;
};

/* Read one line of a request against the order's lines. */
static int
request_line(const cJSON *l, int i, struct oline *ol, int nol,
    struct rline *out, int64_t *want)
{
	const char *sku = oms_json_str(l, "sku");
	const char *lid = oms_json_str(l, "line_id");
	const cJSON *no = cJSON_GetObjectItemCaseSensitive(l, "order_line");
	int64_t q;
	int needs;
	struct oline *hit = NULL;

	if (!cJSON_IsObject(l))
		return oms_reject("lines[%d] is not an object", i);
	if (no == NULL)
		no = cJSON_GetObjectItemCaseSensitive(l, "line_no");
	if (oms_json_int(l, "qty", &q) != OMS_OK || q < 1 || q > OMS_QTY_MAX)
		return oms_reject("lines[%d]: qty must be a whole number from 1 "
		    "to %d", i, OMS_QTY_MAX);
	if (no != NULL) {
		if (!cJSON_IsNumber(no) || no->valuedouble < 1 ||
		    no->valuedouble > nol || no->valuedouble !=
		    (int)no->valuedouble)
			return cJSON_IsNumber(no) ? oms_reject("lines[%d]: the "
			    "order has no line %g", i, no->valuedouble) :
			    oms_reject("lines[%d]: order_line must be a line "
			    "number", i);
		hit = &ol[(int)no->valuedouble - 1];
	} else if (lid != NULL) {
		for (int k = 0; k < nol && hit == NULL; k++)
			if (strcmp(ol[k].line_id, lid) == 0)
				hit = &ol[k];
		if (hit == NULL)
			return oms_reject("lines[%d]: the order has no line with "
			    "line_id '%s'", i, lid);
	} else if (sku != NULL) {
		/* The first line of the SKU with units left to return. */
		for (int k = 0; k < nol; k++)
			if (strcmp(ol[k].sku, sku) == 0 && (hit == NULL ||
			    want[hit - ol] + (hit->claimed) >= hit->gone))
				hit = &ol[k];
		if (hit == NULL)
			return oms_reject("lines[%d]: the order has no line of "
			    "SKU '%s'", i, sku);
	} else
		return oms_reject("lines[%d] names no order_line, line_id or "
		    "sku", i);
	out->order_line = hit->line_no;
	snprintf(out->sku, sizeof out->sku, "%s", hit->sku);
	out->qty = q;
	out->reason = oms_json_str(l, "reason");
	out->note = oms_json_str(l, "note");
	out->resolution = oms_json_str(l, "resolution");
	if (out->reason == NULL || *out->reason == '\0')
		return oms_reject("line %d: no reason (a return says why)",
		    hit->line_no);
	if (oms_return_reason(out->reason, &needs) != OMS_OK)
		return OMS_REJECT;
	if (needs && (out->note == NULL || *out->note == '\0'))
		return oms_reject("line %d: reason '%s' needs a note",
		    hit->line_no, out->reason);
	if (out->resolution != NULL) {
		int k;

		for (k = 0; resolutions[k] != NULL; k++)
			if (strcmp(resolutions[k], out->resolution) == 0)
				break;
		if (resolutions[k] == NULL)
			return oms_reject("line %d: resolution '%s' is not "
			    "refund, exchange, store_credit or none",
			    hit->line_no, out->resolution);
	}
	want[hit - ol] += q;
	if (want[hit - ol] + hit->claimed > hit->gone)
		return oms_reject("line %d (%s): %lld unit%s asked, %lld left "
		    "to return (%lld gone out, %lld on returns already)",
		    hit->line_no, *hit->sku ? hit->sku : "no SKU",
		    (long long)want[hit - ol], want[hit - ol] == 1 ? "" : "s",
		    (long long)(hit->gone - hit->claimed > 0 ?
		    hit->gone - hit->claimed : 0), (long long)hit->gone,
		    (long long)hit->claimed);
	return OMS_OK;
}

static int
find_key(oms_db *db, const char *key, int64_t *id)
{
	static const char sql[] = "SELECT id FROM returns WHERE key = ?";
	oms_stmt *st = oms_db_query(db, sql, "t", key);
	int rc;

	*id = 0;
	if (st == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	if (rc == OMS_ROW)
		*id = oms_col_int64(st, 0);
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read returns");
	return OMS_OK;
}

/* The location an order's line went out from (its last parcel's). */
static int
shipped_from(oms_db *db, int64_t oid, char *out, size_t n)
{
	static const char sql[] =
	    "SELECT location FROM shipments WHERE order_id = ? AND status <> "
	    "'voided' ORDER BY id DESC";
	oms_stmt *st = oms_db_query(db, sql, "I", oid);
	int rc;

	*out = '\0';
	if (st == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	if (rc == OMS_ROW)
		snprintf(out, n, "%s", oms_col_text(st, 0));
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read shipments");
	return OMS_OK;
}

/* A key made of what the request asks, so a replayed file asks once. */
static void
made_key(int64_t oid, const cJSON *req, char *out, size_t n)
{
	const cJSON *lines = cJSON_GetObjectItemCaseSensitive(req, "lines");
	const char *at = oms_json_str(req, "requested_at");
	char *t = oms_json_print(lines), now[OMS_TIME_LEN];
	uint64_t h = oms_hash64(t, strlen(t), 0);

	/* Asked again another day is another return: the day is in it. */
	if (at == NULL) {
		oms_time_now(now);
		now[10] = '\0';
		at = now;
	}
	h = oms_hash64(at, strlen(at), h);
	free(t);
	snprintf(out, n, "o_%lld:%016llx", (long long)oid,
	    (unsigned long long)h);
}

/* The minor units of order oid's currency (2 when unknown). */
static int
exponent_of(oms_db *db, int64_t oid)
{
	static const char sql[] = "SELECT currency FROM orders WHERE id = ?";
	oms_stmt *st = oms_db_query(db, sql, "I", oid);
	int e = 2;

	if (st == NULL)
		return e;
	if (oms_step(st) == OMS_ROW) {
		e = oms_currency_exponent(oms_col_text(st, 0));
		if (e < 0)
			e = 2;
	}
	oms_reset(st);
	return e;
}

static int
store_request(oms_db *db, int64_t oid, const cJSON *req, cJSON *policy,
    const char *key, struct rline *rl, int nrl, int64_t *rid)
{
	static const char sql_ret[] =
	    "INSERT INTO returns (order_id, key, channel_rma, state, kind, "
	    "policy, forced, location, carrier, tracking, requested_at, "
	    "window_ends, updated_at, note, record) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	static const char sql_line[] =
	    "INSERT INTO return_lines (return_id, line_no, order_line, sku, "
	    "qty, reason, note, resolution) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	const char *pfrom = oms_json_str(policy, "window_from");
	const char *force = oms_json_str(req, "force");
	const char *at_in = oms_json_str(req, "requested_at");
	const char *loc = oms_json_str(req, "location");
	const cJSON *wd = cJSON_GetObjectItemCaseSensitive(policy,
	    "window_days");
	char now[OMS_TIME_LEN], at[OMS_TIME_LEN], start[OMS_TIME_LEN] = "";
	char ends[OMS_TIME_LEN] = "", from_loc[128], *ptext, *rtext;
	const char *what = "the order", *state, *kind = "return";
	int64_t t0, value = 0;
	int rc, auth;

	oms_time_now(now);
	if (at_in != NULL) {
		static const char sql_placed[] =
		    "SELECT coalesce(placed_at, imported_at) FROM orders "
		    "WHERE id = ?";
		oms_stmt *st;
		char placed[OMS_TIME_LEN] = "";

		if (oms_time_parse(at_in, 0, "UTC", at) != OMS_OK)
			return oms_reject("requested_at '%s' is not a time",
			    at_in);
		if (strcmp(at, now) > 0)
			return oms_reject("requested_at %s is later than now "
			    "(%s)", at, now);
		if ((st = oms_db_query(db, sql_placed, "I", oid)) == NULL)
			return OMS_ERR;
		if (oms_step(st) == OMS_ROW)
			snprintf(placed, sizeof placed, "%s",
			    oms_col_str(st, 0));
		oms_reset(st);
		if (*placed != '\0' && strcmp(at, placed) < 0)
			return oms_reject("requested_at %s is before the order "
			    "was placed (%s)", at, placed);
	} else
		snprintf(at, sizeof at, "%s", now);
	if ((rc = window_start(db, oid, pfrom ? pfrom : "delivery", start,
	    &what)) != OMS_OK)
		return rc;
	if (*start != '\0' && oms_time_to_epoch(start, &t0) == OMS_OK) {
		int64_t tr;

		oms_time_format(t0 + (int64_t)wd->valuedouble * 86400, ends);
		if (oms_time_to_epoch(at, &tr) == OMS_OK && tr > t0 +
		    (int64_t)wd->valuedouble * 86400 && (force == NULL ||
		    *force == '\0'))
			return oms_reject("outside the return window: policy "
			    "'%s' allows %d days from %s (%s), so until %s; "
			    "asked %s (force it with a reason to take it)",
			    oms_json_str(policy, "name"),
			    (int)wd->valuedouble, what, start, ends, at);
	}
	/* Keep it: the units are worth less than sending them back. */
	for (int i = 0; i < nrl; i++) {
		static const char sql_price[] =
		    "SELECT coalesce(unit_price, 0) FROM order_lines WHERE "
		    "order_id = ? AND line_no = ?";
		oms_stmt *st = oms_db_query(db, sql_price, "Ii", oid,
		    rl[i].order_line);

		if (st == NULL)
			return OMS_ERR;
		if (oms_step(st) == OMS_ROW)
			value = oms_sat_add(value, oms_sat_mul(
			    oms_col_int64(st, 0), rl[i].qty));
		oms_reset(st);
	}
	{
		const char *kb = oms_json_str(policy, "keep_below");
		int64_t below;

		/* The policy's amounts are in the order's currency. */
		if (kb != NULL && oms_money_parse(kb, exponent_of(db, oid),
		    &below) == OMS_OK && value < below)
			kind = "keep";
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "keep")))
			kind = "keep";
	}
	auth = oms_json_str(policy, "authorize") == NULL ||
	    strcmp(oms_json_str(policy, "authorize"), "auto") == 0 ||
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "authorized"));
	state = auth ? "authorized" : "requested";
	if (loc == NULL)
		loc = oms_json_str(policy, "location");
	if (loc == NULL) {
		if ((rc = shipped_from(db, oid, from_loc, sizeof from_loc)) !=
		    OMS_OK)
			return rc;
		loc = *from_loc ? from_loc : NULL;
	} else {
		static const char sql_l[] =
		    "SELECT 1 FROM locations WHERE id = ? AND quarantine_of IS "
		    "NULL";
		oms_stmt *st = oms_db_query(db, sql_l, "t", loc);

		if (st == NULL)
			return OMS_ERR;
		rc = oms_step(st);
		oms_reset(st);
		if (rc == OMS_DONE)
			return oms_reject("unknown location '%s'", loc);
		if (rc != OMS_ROW)
			return oms_db_fail(db, rc, "cannot read locations");
	}
	ptext = oms_json_print(policy);
	rtext = oms_json_print(req);
	rc = oms_db_run(db, sql_ret, "cannot store a return", "Itsttttssssssst",
	    oid, key, oms_json_str(req, "channel_rma"), state, kind, ptext,
	    force && *force ? force : NULL, loc, oms_json_str(req, "carrier"),
	    oms_json_str(req, "tracking"), at, *ends ? ends : NULL, now,
	    oms_json_str(req, "note"), rtext);
	free(ptext);
	free(rtext);
	if (rc != OMS_OK)
		return rc;
	*rid = oms_db_last_id(db);
	for (int i = 0; i < nrl && rc == OMS_OK; i++)
		rc = oms_db_run(db, sql_line, "cannot store a return line",
		    "IiisIsss", *rid, i + 1, rl[i].order_line,
		    *rl[i].sku ? rl[i].sku : NULL, rl[i].qty, rl[i].reason,
		    rl[i].note, rl[i].resolution ? rl[i].resolution :
		    strcmp(kind, "keep") == 0 ? "refund" :
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(policy,
		    "exchange_first")) ? "exchange" : "refund");
	if (rc == OMS_OK) {
		char *a = event_text(*rid, state, force);

		rc = oms_db_event(db, oid, "return_requested", NULL, a);
		free(a);
	}
	return rc;
}

/* A keep-it return: the units count as returned and the return closes. */
static int
keep_close(oms_db *db, int64_t rid, int64_t oid)
{
	static const char sql[] =
	    "UPDATE order_lines SET returned = returned + (SELECT "
	    "coalesce(sum(rl.qty), 0) FROM return_lines rl WHERE "
	    "rl.return_id = ?1 AND rl.order_line = order_lines.line_no) "
	    "WHERE order_id = ?2";
	int rc;

	if ((rc = oms_db_run(db, sql, "cannot count returned units", "II",
	    rid, oid)) != OMS_OK)
		return rc;
	if ((rc = oms_order_settle(db, oid, "returned", NULL, NULL)) != OMS_OK)
		return rc;
	if ((rc = oms_return_refund_in_tx(db, rid, "keep")) != OMS_OK)
		return rc;
	return move_in_tx(db, rid, "closed", "kept: refunded without the "
	    "units coming back");
}

int
oms_return_request(oms_db *db, cJSON *req, cJSON **out)
{
	static const char sql_order[] =
	    "SELECT channel, status FROM orders WHERE id = ?";
	const char *ref = oms_json_str(req, "order"), *key;
	const cJSON *lines = cJSON_GetObjectItemCaseSensitive(req, "lines"), *l;
	struct oline *ol = NULL;
	struct rline *rl = NULL;
	int64_t oid, rid = 0, *want = NULL;
	cJSON *policy = NULL;
	char keybuf[128], channel[64], status[32];
	oms_stmt *st;
	int nol, nrl = 0, rc, nested, i = 0;

	*out = NULL;
	if (ref == NULL)
		return oms_reject("no order (a return names its order)");
	if (!cJSON_IsArray(lines) || cJSON_GetArraySize(lines) == 0)
		return oms_reject("no lines (a return names what comes back)");
	if (cJSON_GetArraySize(lines) > 1000)
		return oms_reject("%d lines: a return has at most 1000",
		    cJSON_GetArraySize(lines));
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	if ((rc = oms_order_find(db, ref, &oid)) != OMS_OK)
		goto out;
	if ((key = oms_json_str(req, "key")) == NULL) {
		made_key(oid, req, keybuf, sizeof keybuf);
		key = keybuf;
	}
	if ((rc = find_key(db, key, &rid)) != OMS_OK)
		goto out;
	/*
	 * A key made for a request found on a return that ended with
	 * nothing back (cancelled, declined, expired): asked again, it is a
	 * new return, under the next free key.
	 */
	for (int k = 2; rid != 0 && key == keybuf && k < 1000; k++) {
		char st8[16], base[128];

		if ((rc = state_of(db, rid, st8, NULL)) != OMS_OK)
			goto out;
		if (strcmp(st8, "cancelled") != 0 && strcmp(st8, "declined") !=
		    0 && strcmp(st8, "expired") != 0)
			break;
		snprintf(base, sizeof base, "%s", keybuf);
		if (k > 2)
			*strrchr(base, '#') = '\0';
		snprintf(keybuf, sizeof keybuf, "%.100s#%d", base, k);
		if ((rc = find_key(db, keybuf, &rid)) != OMS_OK)
			goto out;
	}
	if (rid != 0) {
		*out = oms_return_record(db, rid);
		rc = *out == NULL ? OMS_ERR : OMS_OK;
		if (*out != NULL)
			cJSON_AddBoolToObject(*out, "duplicate", 1);
		goto out;
	}
	if ((st = oms_db_query(db, sql_order, "I", oid)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	if ((rc = oms_step(st)) == OMS_ROW) {
		snprintf(channel, sizeof channel, "%s", oms_col_text(st, 0));
		snprintf(status, sizeof status, "%s", oms_col_text(st, 1));
	}
	oms_reset(st);
	if (rc != OMS_ROW) {
		rc = oms_db_fail(db, rc, "cannot read the order");
		goto out;
	}
	if ((rc = oms_return_policy(channel, &policy)) != OMS_OK)
		goto out;
	if ((rc = order_lines(db, oid, &ol, &nol)) != OMS_OK)
		goto out;
	want = ecalloc(nol ? nol : 1, sizeof *want);
	rl = ecalloc(cJSON_GetArraySize(lines), sizeof *rl);
	cJSON_ArrayForEach(l, lines) {
		if ((rc = request_line(l, i++, ol, nol, &rl[nrl], want)) !=
		    OMS_OK) {
			if (strcmp(status, "cancelled") == 0 && rc == OMS_REJECT)
				rc = oms_reject("order o_%lld was cancelled: "
				    "%s", (long long)oid, oms_error());
			goto out;
		}
		nrl++;
	}
	if ((rc = store_request(db, oid, req, policy, key, rl, nrl, &rid)) !=
	    OMS_OK)
		goto out;
	{
		char state[16];

		if ((rc = state_of(db, rid, state, NULL)) != OMS_OK)
			goto out;
		st = oms_db_query(db, "SELECT kind FROM returns WHERE id = ?",
		    "I", rid);
		if (st == NULL) {
			rc = OMS_ERR;
			goto out;
		}
		if (oms_step(st) == OMS_ROW &&
		    strcmp(oms_col_text(st, 0), "keep") == 0) {
			oms_reset(st);
			if ((rc = keep_close(db, rid, oid)) != OMS_OK)
				goto out;
		} else
			oms_reset(st);
	}
	if ((*out = oms_return_record(db, rid)) == NULL)
		rc = OMS_ERR;
out:
	free(ol);
	free(rl);
	free(want);
	cJSON_Delete(policy);
	rc = oms_db_write_end(db, nested, rc);
	if (rc != OMS_OK) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- receiving ---- */

struct retline {
	int line_no, order_line;
	char sku[128];
	int64_t qty, received, inspected;
};

static int
return_lines(oms_db *db, int64_t rid, struct retline **out, int *n)
{
	static const char sql[] =
	    "SELECT line_no, order_line, coalesce(sku, ''), qty, received, "
	    "inspected FROM return_lines WHERE return_id = ? ORDER BY line_no";
	oms_stmt *st = oms_db_query(db, sql, "I", rid);
	int rc, cap = 0;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		struct retline *l;

		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*out = erealloc(*out, cap * sizeof **out);
		}
		l = &(*out)[(*n)++];
		l->line_no = oms_col_int(st, 0);
		l->order_line = oms_col_int(st, 1);
		snprintf(l->sku, sizeof l->sku, "%s", oms_col_text(st, 2));
		l->qty = oms_col_int64(st, 3);
		l->received = oms_col_int64(st, 4);
		l->inspected = oms_col_int64(st, 5);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read return lines");
	return OMS_OK;
}

/* Put qty units of a return line into quarantine q (a kit: its parts). */
static int
into_quarantine(oms_db *db, int64_t rid, const struct retline *l,
    int64_t qty, const char *q, int64_t receipt)
{
	struct comp c[MAX_COMP];
	char reason[512], key[1024];
	int n, rc;

	if (*l->sku == '\0')
		return OMS_OK;	/* a line of no product: nothing to count */
	if ((rc = components(db, l->sku, c, MAX_COMP, &n)) != OMS_OK)
		return rc;
	snprintf(reason, sizeof reason, "returned: r_%lld line %d",
	    (long long)rid, l->line_no);
	if (n == 0) {
		snprintf(key, sizeof key, "return:%lld:receipt:%lld:%s",
		    (long long)rid, (long long)receipt, l->sku);
		return movement(db, "receive", l->sku, q, NULL, qty, reason,
		    rid, key);
	}
	for (int i = 0; i < n; i++) {
		snprintf(key, sizeof key, "return:%lld:receipt:%lld:%.127s",
		    (long long)rid, (long long)receipt, c[i].sku);
		if ((rc = movement(db, "receive", c[i].sku, q, NULL,
		    oms_sat_mul(qty, c[i].qty), reason, rid, key)) != OMS_OK)
			return rc;
	}
	return OMS_OK;
}

/*
 * Split the units of return rid not yet received off into a return of
 * their own, in the state rid is in, so rid can go on with what came.
 */
static int
split(oms_db *db, int64_t rid, struct retline *rl, int n, int64_t *nid)
{
	static const char sql_copy[] =
	    "INSERT INTO returns (order_id, key, channel_rma, split_from, "
	    "state, kind, policy, forced, location, carrier, tracking, label, "
	    "requested_at, window_ends, updated_at, note, record) "
	    "SELECT order_id, key || ':split:' || ?2, channel_rma, id, state, "
	    "kind, policy, forced, location, NULL, NULL, NULL, requested_at, "
	    "window_ends, ?3, note, record FROM returns WHERE id = ?1";
	static const char sql_line[] =
	    "INSERT INTO return_lines (return_id, line_no, order_line, sku, "
	    "qty, reason, note, resolution) SELECT ?1, ?2, order_line, sku, "
	    "?3, reason, note, resolution FROM return_lines WHERE return_id = "
	    "?4 AND line_no = ?5";
	static const char sql_cut[] =
	    "UPDATE return_lines SET qty = received WHERE return_id = ? AND "
	    "line_no = ?";
	static const char sql_drop[] =
	    "DELETE FROM return_lines WHERE return_id = ? AND line_no = ?";
	static const char sql_n[] =
	    "SELECT count(*) FROM returns WHERE split_from = ?";
	char now[OMS_TIME_LEN];
	oms_stmt *st;
	int rc, k = 0;
	int64_t nsplit = 0;

	if ((st = oms_db_query(db, sql_n, "I", rid)) == NULL)
		return OMS_ERR;
	if (oms_step(st) == OMS_ROW)
		nsplit = oms_col_int64(st, 0);
	oms_reset(st);
	oms_time_now(now);
	if ((rc = oms_db_run(db, sql_copy, "cannot split a return", "IIt", rid,
	    nsplit + 1, now)) != OMS_OK)
		return rc;
	*nid = oms_db_last_id(db);
	for (int i = 0; i < n && rc == OMS_OK; i++) {
		if (rl[i].received >= rl[i].qty)
			continue;
		rc = oms_db_run(db, sql_line, "cannot split a return line",
		    "IiIIi", *nid, ++k, rl[i].qty - rl[i].received, rid,
		    rl[i].line_no);
		if (rc == OMS_OK)
			rc = oms_db_run(db, rl[i].received > 0 ? sql_cut :
			    sql_drop, "cannot split a return line", "Ii", rid,
			    rl[i].line_no);
	}
	if (rc == OMS_OK) {
		char *a = event_text(*nid, "split", NULL);
		int64_t oid;
		char s[16];

		if ((rc = state_of(db, rid, s, &oid)) == OMS_OK)
			rc = oms_db_event(db, oid, "return_split", NULL, a);
		free(a);
	}
	return rc;
}


static int
receipt_key_seen(oms_db *db, const char *key, int64_t rid, int line_no,
    int *seen)
{
	static const char sql[] =
	    "SELECT return_id, line_no FROM return_receipts WHERE key = ?";
	oms_stmt *st = oms_db_query(db, sql, "t", key);
	int64_t other = 0;
	int rc, oline = 0;

	if (st == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	if (rc == OMS_ROW) {
		other = oms_col_int64(st, 0);
		oline = oms_col_int(st, 1);
	}
	oms_reset(st);
	*seen = rc == OMS_ROW;
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read receipts");
	if (*seen && (other != rid || oline != line_no))
		return oms_reject("key '%.60s' is the receipt of r_%lld line %d, "
		    "not of r_%lld line %d", key, (long long)other, oline,
		    (long long)rid, line_no);
	return OMS_OK;
}

/*
 * One receipt of return r[0].return_id: each r[i] a line (0: every line)
 * and its units (0: all still expected), one parcel.  The units go into
 * quarantine; what did not come is split off into a return of its own.
 */
static int
receive_in_tx(oms_db *db, const struct oms_receipt *r, int nr, cJSON **out)
{
	static const char sql_ret[] =
	    "SELECT location, order_id, state, kind, tracking FROM returns "
	    "WHERE id = ?";
	static const char sql_receipt[] =
	    "INSERT INTO return_receipts (return_id, line_no, qty, location, "
	    "tracking, key, at, program) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
	static const char sql_line[] =
	    "UPDATE return_lines SET received = received + ? WHERE "
	    "return_id = ? AND line_no = ?";
	static const char sql_ol[] =
	    "UPDATE order_lines SET returned = returned + ? WHERE "
	    "order_id = ? AND line_no = ?";
	struct retline *rl = NULL;
	char loc[128], q[160] = "", state[16], kind[16], now[OMS_TIME_LEN];
	char tracking[128] = "", key[1024];
	int64_t rid = r[0].return_id, oid = 0, nid = 0, got = 0;
	cJSON *money = NULL;
	oms_stmt *st;
	int n, rc, seen, all = 1;

	*out = NULL;
	if ((st = oms_db_query(db, sql_ret, "I", rid)) == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		snprintf(loc, sizeof loc, "%s", oms_col_str(st, 0));
		oid = oms_col_int64(st, 1);
		snprintf(state, sizeof state, "%s", oms_col_text(st, 2));
		snprintf(kind, sizeof kind, "%s", oms_col_text(st, 3));
		snprintf(tracking, sizeof tracking, "%s", oms_col_str(st, 4));
	}
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("no return r_%lld", (long long)rid);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read returns");
	if (r[0].location != NULL)
		snprintf(loc, sizeof loc, "%s", r[0].location);
	if (r[0].tracking != NULL)
		snprintf(tracking, sizeof tracking, "%s", r[0].tracking);
	if (strcmp(kind, "keep") == 0)
		return oms_reject("return r_%lld was kept by the customer: "
		    "nothing comes back", (long long)rid);
	if ((rc = return_lines(db, rid, &rl, &n)) != OMS_OK)
		return rc;
	oms_time_now(now);
	for (int k = 0; k < nr; k++) {
		int found = r[k].line_no == 0;

		for (int i = 0; i < n; i++) {
			struct retline *l = &rl[i];
			int64_t qty, left = l->qty - l->received;

			if (r[k].line_no != 0 && l->line_no != r[k].line_no)
				continue;
			found = 1;
			if (r[k].key != NULL) {
				if ((size_t)snprintf(key, sizeof key, "%s:%d",
				    r[k].key, l->line_no) >= sizeof key) {
					rc = oms_reject("key '%.40s...' is too "
					    "long", r[k].key);
					goto out;
				}
			} else if (*tracking != '\0')
				snprintf(key, sizeof key, "r_%lld:parcel:%s:%d",
				    (long long)rid, tracking, l->line_no);
			else
				snprintf(key, sizeof key, "r_%lld:line:%d:%lld",
				    (long long)rid, l->line_no,
				    (long long)(l->received + (r[k].qty ?
				    r[k].qty : left)));
			if ((rc = receipt_key_seen(db, key, rid, l->line_no,
			    &seen)) != OMS_OK)
				goto out;
			/* The same parcel or units again: received once. */
			if (seen || left == 0)
				continue;
			if (strcmp(state, "declined") == 0 ||
			    strcmp(state, "cancelled") == 0 ||
			    strcmp(state, "expired") == 0 ||
			    strcmp(state, "closed") == 0) {
				rc = oms_reject("return r_%lld is %s: it takes "
				    "no more units", (long long)rid, state);
				goto out;
			}
			qty = r[k].qty ? r[k].qty : left;
			if (qty > left) {
				rc = oms_reject("r_%lld line %d: %lld unit%s "
				    "received, %lld still expected (%lld of "
				    "%lld came already)", (long long)rid,
				    l->line_no, (long long)qty, qty == 1 ? "" :
				    "s", (long long)left,
				    (long long)l->received, (long long)l->qty);
				goto out;
			}
			if (*loc == '\0') {
				rc = oms_reject("return r_%lld has no location: "
				    "say where it was received",
				    (long long)rid);
				goto out;
			}
			if (*q == '\0' && (rc = oms_quarantine(db, loc, q,
			    sizeof q)) != OMS_OK)
				goto out;
			if ((rc = oms_db_run(db, sql_receipt, "cannot store a "
			    "receipt", "IiItstts", rid, l->line_no, qty, loc,
			    *tracking ? tracking : NULL, key, now,
			    oms_progname)) != OMS_OK)
				goto out;
			if ((rc = into_quarantine(db, rid, l, qty, q,
			    oms_db_last_id(db))) != OMS_OK)
				goto out;
			if ((rc = oms_db_run(db, sql_line, "cannot count a "
			    "receipt", "IIi", qty, rid, l->line_no)) !=
			    OMS_OK || (rc = oms_db_run(db, sql_ol, "cannot "
			    "count a receipt", "IIi", qty, oid,
			    l->order_line)) != OMS_OK)
				goto out;
			l->received += qty;
			got += qty;
		}
		if (!found) {
			rc = oms_reject("return r_%lld has no line %d",
			    (long long)rid, r[k].line_no);
			goto out;
		}
	}
	if (got == 0) {
		/* Received already: the same parcel or line again. */
		*out = oms_return_record(db, rid);
		if (*out != NULL)
			cJSON_AddBoolToObject(*out, "duplicate", 1);
		rc = *out == NULL ? OMS_ERR : OMS_OK;
		goto out;
	}
	for (int i = 0; i < n; i++)
		all &= rl[i].received >= rl[i].qty;
	if (!all && (rc = split(db, rid, rl, n, &nid)) != OMS_OK)
		goto out;
	if ((rc = move_in_tx(db, rid, "received", NULL)) != OMS_OK)
		goto out;
	if ((rc = oms_order_settle(db, oid, "returned", NULL, NULL)) != OMS_OK)
		goto out;
	if ((rc = oms_return_refund_in_tx(db, rid, "receipt")) != OMS_OK)
		goto out;
	if ((rc = oms_return_received_hook(db, rid, &money)) != OMS_OK)
		goto out;
	if ((*out = oms_return_record(db, rid)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	if (money != NULL) {
		cJSON_AddItemToObject(*out, "exchange_settled", money);
		money = NULL;
	}
	if (nid != 0) {
		cJSON *s2 = oms_return_record(db, nid);

		if (s2 == NULL) {
			rc = OMS_ERR;
			goto out;
		}
		cJSON_AddItemToObject(*out, "rest", s2);
	}
out:
	cJSON_Delete(money);
	free(rl);
	return rc;
}

/* Receipts r[0..n-1] of one return, one parcel, in one transaction. */
int
oms_return_receive_lines(oms_db *db, const struct oms_receipt *r, int n,
    cJSON **out)
{
	int nested, rc;

	*out = NULL;
	if (n < 1)
		return oms_reject("a receipt of no line");
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	rc = receive_in_tx(db, r, n, out);
	rc = oms_db_write_end(db, nested, rc);
	if (rc != OMS_OK) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

int
oms_return_receive(oms_db *db, const struct oms_receipt *r, cJSON **out)
{
	return oms_return_receive_lines(db, r, 1, out);
}

/* ---- inspection ---- */

static const char *const dispositions[] = { "restock", "regrade",
	"refurbish", "vendor", "dispose", "missing", "wrong_item", NULL };

/*
 * Units of sku of line line_no of return rid received at each location and
 * not yet inspected: the first location with some, and how many.
 */
static int
waiting(oms_db *db, int64_t rid, int line_no, const char *sku, int64_t per,
    char *loc, size_t n, int64_t *left)
{
	static const char sql[] =
	    "SELECT rc.location, sum(rc.qty) * ?4 - coalesce((SELECT sum(u.qty) "
	    "FROM return_units u WHERE u.return_id = ?1 AND u.line_no = ?2 AND "
	    "u.sku = ?3 AND u.location = rc.location), 0) FROM "
	    "return_receipts rc WHERE rc.return_id = ?1 AND rc.line_no = ?2 "
	    "GROUP BY rc.location ORDER BY rc.location";
	oms_stmt *st = oms_db_query(db, sql, "IitI", rid, line_no, sku, per);
	int rc;

	*left = 0;
	*loc = '\0';
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW)
		if (oms_col_int64(st, 1) > 0) {
			snprintf(loc, n, "%s", oms_col_text(st, 0));
			*left = oms_col_int64(st, 1);
			break;
		}
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read receipts");
	return OMS_OK;
}

/* The movements of a disposition out of quarantine q at loc. */
static int
dispose(oms_db *db, int64_t rid, const struct oms_inspection *in,
    const char *sku, int64_t qty, const char *loc, const char *q,
    const char *key)
{
	const char *d = in->disposition;
	const char *to = in->to_location ? in->to_location : loc;
	char reason[512], k2[1100];
	int rc;

	snprintf(k2, sizeof k2, "%s:in", key);
	if (strcmp(d, "restock") == 0) {
		snprintf(reason, sizeof reason, "restocked: r_%lld line %d",
		    (long long)rid, in->line_no);
		if ((rc = movement(db, "transfer_out", sku, q, to, qty, reason,
		    rid, key)) != OMS_OK)
			return rc;
		return movement(db, "transfer_in", sku, to, q, qty, reason,
		    rid, k2);
	}
	if (strcmp(d, "regrade") == 0) {
		snprintf(reason, sizeof reason, "regraded as %s: r_%lld line %d",
		    in->to_sku, (long long)rid, in->line_no);
		if ((rc = movement(db, "adjust", sku, q, NULL, -qty, reason,
		    rid, key)) != OMS_OK)
			return rc;
		snprintf(reason, sizeof reason, "regraded from %.127s: r_%lld line "
		    "%d", sku, (long long)rid, in->line_no);
		return movement(db, "receive", in->to_sku, to, NULL, qty,
		    reason, rid, k2);
	}
	snprintf(reason, sizeof reason, "%s: r_%lld line %d",
	    strcmp(d, "refurbish") == 0 ? "sent to refurbish" :
	    strcmp(d, "vendor") == 0 ? "returned to vendor" :
	    strcmp(d, "dispose") == 0 ? "disposed" :
	    strcmp(d, "missing") == 0 ? "missing from the return" :
	    "wrong item received", (long long)rid, in->line_no);
	if (strcmp(d, "dispose") == 0)
		return movement(db, "damage", sku, q, NULL, qty, reason, rid,
		    key);
	return movement(db, "adjust", sku, q, NULL, -qty, reason, rid, key);
}

/* Whole units of a line inspected: a kit counts when all its parts are. */
static int
line_inspected(oms_db *db, int64_t rid, const struct retline *l,
    int64_t *out)
{
	static const char sql[] =
	    "SELECT coalesce(sum(qty), 0) FROM return_units WHERE return_id = ? "
	    "AND line_no = ? AND sku = ?";
	struct comp c[MAX_COMP];
	int n, rc;

	if ((rc = components(db, l->sku, c, MAX_COMP, &n)) != OMS_OK)
		return rc;
	if (n == 0) {
		snprintf(c[0].sku, sizeof c[0].sku, "%s", l->sku);
		c[0].qty = 1;
		n = 1;
	}
	*out = l->received;
	for (int i = 0; i < n; i++) {
		oms_stmt *st = oms_db_query(db, sql, "Iit", rid, l->line_no,
		    c[i].sku);
		int64_t done = 0;

		if (st == NULL)
			return OMS_ERR;
		if ((rc = oms_step(st)) == OMS_ROW)
			done = oms_col_int64(st, 0) / c[i].qty;
		oms_reset(st);
		if (rc != OMS_ROW)
			return oms_db_fail(db, rc, "cannot read inspections");
		if (done < *out)
			*out = done;
	}
	return OMS_OK;
}

static int
inspect_in_tx(oms_db *db, const struct oms_inspection *in, cJSON **out)
{
	static const char sql_unit[] =
	    "INSERT INTO return_units (return_id, line_no, sku, qty, location, "
	    "disposition, to_sku, to_location, note, key, at, program) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	static const char sql_seen[] =
	    "SELECT return_id, line_no FROM return_units WHERE key = ?";
	static const char sql_to[] =
	    "SELECT quarantine_of FROM locations WHERE id = ?";
	static const char sql_line[] =
	    "UPDATE return_lines SET inspected = ? WHERE return_id = ? AND "
	    "line_no = ?";
	static const char sql_prod[] = "SELECT 1 FROM products WHERE sku = ?";
	struct retline *rl = NULL, *l = NULL;
	struct comp c[MAX_COMP];
	char state[16], loc[128], q[160], now[OMS_TIME_LEN], key[1024];
	int n, nc, rc, k, all = 1;
	int64_t oid, done = 0;
	oms_stmt *st;

	*out = NULL;
	for (k = 0; dispositions[k] != NULL; k++)
		if (strcmp(dispositions[k], in->disposition) == 0)
			break;
	if (dispositions[k] == NULL)
		return oms_reject("disposition '%s' is not restock, regrade, "
		    "refurbish, vendor, dispose, missing or wrong_item",
		    in->disposition);
	if (strcmp(in->disposition, "regrade") == 0) {
		if (in->to_sku == NULL)
			return oms_reject("a regrade names the SKU the units "
			    "become (to_sku)");
		if ((st = oms_db_query(db, sql_prod, "t", in->to_sku)) == NULL)
			return OMS_ERR;
		rc = oms_step(st);
		oms_reset(st);
		if (rc != OMS_ROW)
			return oms_reject("unknown sku '%s' to regrade as",
			    in->to_sku);
	} else if (in->to_sku != NULL)
		return oms_reject("to_sku belongs to a regrade");
	if (in->to_location != NULL && strcmp(in->disposition, "restock") !=
	    0 && strcmp(in->disposition, "regrade") != 0)
		return oms_reject("to_location belongs to a restock or a "
		    "regrade");
	if (in->to_location != NULL) {
		if ((st = oms_db_query(db, sql_to, "t", in->to_location)) ==
		    NULL)
			return OMS_ERR;
		char of[128] = "";

		rc = oms_step(st);
		if (rc == OMS_ROW)
			snprintf(of, sizeof of, "%s", oms_col_str(st, 0));
		oms_reset(st);
		if (rc == OMS_DONE)
			return oms_reject("unknown location '%s' (a location "
			    "record adds it)", in->to_location);
		if (rc != OMS_ROW)
			return oms_db_fail(db, rc, "cannot read locations");
		if (*of != '\0')
			return oms_reject("%s is the returns quarantine of %s, "
			    "not a place to restock at", in->to_location, of);
	}
	if ((rc = state_of(db, in->return_id, state, &oid)) != OMS_OK)
		return rc;
	if (in->key != NULL) {
		int64_t other = 0;
		int oline = 0;

		if ((st = oms_db_query(db, sql_seen, "t", in->key)) == NULL)
			return OMS_ERR;
		rc = oms_step(st);
		if (rc == OMS_ROW) {
			other = oms_col_int64(st, 0);
			oline = oms_col_int(st, 1);
		}
		oms_reset(st);
		if (rc == OMS_ROW && (other != in->return_id ||
		    oline != in->line_no))
			return oms_reject("key '%.60s' is the inspection of "
			    "r_%lld line %d, not of r_%lld line %d", in->key,
			    (long long)other, oline, (long long)in->return_id,
			    in->line_no);
		if (rc == OMS_ROW) {
			*out = oms_return_record(db, in->return_id);
			if (*out != NULL)
				cJSON_AddBoolToObject(*out, "duplicate", 1);
			return *out ? OMS_OK : OMS_ERR;
		}
	}
	if (strcmp(state, "received") != 0 && strcmp(state, "inspected") !=
	    0 && strcmp(state, "closed") != 0)
		return oms_reject("return r_%lld is %s: only received units are "
		    "inspected", (long long)in->return_id, state);
	if ((rc = return_lines(db, in->return_id, &rl, &n)) != OMS_OK)
		return rc;
	for (int i = 0; i < n; i++)
		if (rl[i].line_no == in->line_no)
			l = &rl[i];
	if (l == NULL) {
		rc = oms_reject("return r_%lld has no line %d",
		    (long long)in->return_id, in->line_no);
		goto out;
	}
	if ((rc = components(db, l->sku, c, MAX_COMP, &nc)) != OMS_OK)
		goto out;
	if (nc == 0) {
		snprintf(c[0].sku, sizeof c[0].sku, "%s", l->sku);
		c[0].qty = 1;
		nc = 1;
	}
	oms_time_now(now);
	for (int i = 0; i < nc; i++) {
		int64_t left, qty;

		if (in->sku != NULL && strcmp(in->sku, c[i].sku) != 0)
			continue;
		if ((rc = waiting(db, in->return_id, l->line_no, c[i].sku,
		    c[i].qty, loc, sizeof loc, &left)) != OMS_OK)
			goto out;
		if (left == 0)
			continue;
		/* LINE:QTY of a kit is QTY kits: each part QTY times its own. */
		qty = in->qty == 0 ? left : in->sku == NULL ?
		    oms_sat_mul(in->qty, c[i].qty) : in->qty;
		if (qty > left) {
			rc = oms_reject("r_%lld line %d: %lld unit%s of %s to "
			    "inspect, %lld wait%s", (long long)in->return_id,
			    l->line_no, (long long)qty, qty == 1 ? "" : "s",
			    c[i].sku, (long long)left, left == 1 ? "s" : "");
			goto out;
		}
		if (in->key != NULL) {
			if ((size_t)snprintf(key, sizeof key, "%s%s%s", in->key,
			    nc > 1 ? ":" : "", nc > 1 ? c[i].sku : "") >=
			    sizeof key) {
				rc = oms_reject("key '%.40s...' is too long",
				    in->key);
				goto out;
			}
		} else
			snprintf(key, sizeof key, "r_%lld:%d:%.127s:%.127s:%lld",
			    (long long)in->return_id, l->line_no, c[i].sku,
			    loc, (long long)left);
		if ((rc = oms_quarantine(db, loc, q, sizeof q)) != OMS_OK)
			goto out;
		if ((rc = oms_db_run(db, sql_unit, "cannot store an "
		    "inspection", "IitItsssstts", in->return_id, l->line_no,
		    c[i].sku, qty, loc, in->disposition, in->to_sku,
		    in->to_location, in->note, key, now, oms_progname)) !=
		    OMS_OK)
			goto out;
		{
			char mkey[320];

			snprintf(mkey, sizeof mkey, "return:%lld:unit:%lld",
			    (long long)in->return_id,
			    (long long)oms_db_last_id(db));
			if ((rc = dispose(db, in->return_id, in, c[i].sku, qty,
			    loc, q, mkey)) != OMS_OK)
				goto out;
		}
		done += qty;
	}
	if (done == 0) {
		if (in->sku != NULL) {
			int found = 0;

			for (int i = 0; i < nc; i++)
				found |= strcmp(c[i].sku, in->sku) == 0;
			if (!found) {
				rc = oms_reject("r_%lld line %d is %s: %s is "
				    "not%s", (long long)in->return_id,
				    l->line_no, l->sku, in->sku, nc > 1 ?
				    " one of its parts" : " it");
				goto out;
			}
		}
		/* Every unit came and was judged: the inspection again. */
		if (in->qty != 0 && l->inspected < l->qty) {
			rc = oms_reject("r_%lld line %d: no received unit "
			    "waits for inspection", (long long)in->return_id,
			    l->line_no);
			goto out;
		}
		*out = oms_return_record(db, in->return_id);
		if (*out != NULL)
			cJSON_AddBoolToObject(*out, "duplicate", 1);
		rc = *out ? OMS_OK : OMS_ERR;
		goto out;
	}
	for (int i = 0; i < n; i++) {
		int64_t w;

		if ((rc = line_inspected(db, in->return_id, &rl[i], &w)) !=
		    OMS_OK)
			goto out;
		if (w != rl[i].inspected && (rc = oms_db_run(db, sql_line,
		    "cannot count inspected units", "IIi", w, in->return_id,
		    rl[i].line_no)) != OMS_OK)
			goto out;
		all &= w >= rl[i].qty;
	}
	if (all) {
		if ((rc = move_in_tx(db, in->return_id, "inspected", NULL)) !=
		    OMS_OK)
			goto out;
		if ((rc = oms_return_refund_in_tx(db, in->return_id,
		    "inspection")) != OMS_OK)
			goto out;
		if ((rc = move_in_tx(db, in->return_id, "closed", NULL)) !=
		    OMS_OK)
			goto out;
	}
	if ((*out = oms_return_record(db, in->return_id)) == NULL)
		rc = OMS_ERR;
out:
	free(rl);
	return rc;
}

int
oms_return_inspect(oms_db *db, const struct oms_inspection *in, cJSON **out)
{
	int nested, rc;

	*out = NULL;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	rc = inspect_in_tx(db, in, out);
	rc = oms_db_write_end(db, nested, rc);
	if (rc != OMS_OK) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- the other moves ---- */

/*
 * A person's move of return id to "to": authorized, declined, cancelled,
 * closed.  Closing refuses while received units wait for inspection.
 */
int
oms_return_decide(oms_db *db, int64_t id, const char *to, const char *why,
    cJSON **out)
{
	static const char sql_wait[] =
	    "SELECT coalesce(sum(received - inspected), 0), "
	    "coalesce(sum(received), 0) FROM return_lines WHERE return_id = ?";
	char state[16];
	int64_t oid;
	int nested, rc;

	*out = NULL;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	if ((rc = state_of(db, id, state, &oid)) != OMS_OK)
		goto out;
	if (strcmp(state, to) == 0) {
		if ((*out = oms_return_record(db, id)) != NULL)
			cJSON_AddBoolToObject(*out, "duplicate", 1);
		rc = *out ? OMS_OK : OMS_ERR;
		goto out;
	}
	if (strcmp(to, "closed") == 0) {
		oms_stmt *st = oms_db_query(db, sql_wait, "I", id);
		int64_t w = 0, got = 0;

		if (st == NULL) {
			rc = OMS_ERR;
			goto out;
		}
		if (oms_step(st) == OMS_ROW) {
			w = oms_col_int64(st, 0);
			got = oms_col_int64(st, 1);
		}
		oms_reset(st);
		if (w > 0) {
			rc = oms_reject("return r_%lld: %lld received unit%s "
			    "wait%s for inspection", (long long)id,
			    (long long)w, w == 1 ? "" : "s", w == 1 ? "s" : "");
			goto out;
		}
		if (got == 0 && (strcmp(state, "authorized") == 0 ||
		    strcmp(state, "requested") == 0 ||
		    strcmp(state, "in_transit") == 0)) {
			rc = oms_reject("return r_%lld is %s and nothing came "
			    "back: cancel it instead", (long long)id, state);
			goto out;
		}
		if (strcmp(state, "received") == 0 &&
		    (rc = oms_return_refund_in_tx(db, id, "inspection")) !=
		    OMS_OK)
			goto out;
	}
	if (strcmp(to, "cancelled") == 0 || strcmp(to, "declined") == 0) {
		oms_stmt *st = oms_db_query(db, sql_wait, "I", id);
		int64_t got = 0;

		if (st == NULL) {
			rc = OMS_ERR;
			goto out;
		}
		if (oms_step(st) == OMS_ROW)
			got = oms_col_int64(st, 1);
		oms_reset(st);
		if (got > 0) {
			rc = oms_reject("return r_%lld: %lld unit%s came back "
			    "already: inspect and close it", (long long)id,
			    (long long)got, got == 1 ? "" : "s");
			goto out;
		}
	}
	if ((rc = move_in_tx(db, id, to, why)) != OMS_OK)
		goto out;
	if ((*out = oms_return_record(db, id)) == NULL)
		rc = OMS_ERR;
out:
	rc = oms_db_write_end(db, nested, rc);
	if (rc != OMS_OK) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

/*
 * Returns requested or authorized with nothing received whose window
 * (and the policy's expire_after_days past it) ended before now: expired,
 * each in its own transaction; fn gets each record.
 */
int
oms_return_expire(oms_db *db, const char *now, oms_rec_fn fn, void *arg,
    long *n)
{
	static const char sql[] =
	    "SELECT r.id, r.window_ends, r.policy ->> '$.expire_after_days' "
	    "FROM returns r WHERE r.state IN ('requested', 'authorized') AND "
	    "r.window_ends IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
	    "return_lines l WHERE l.return_id = r.id AND l.received > 0) "
	    "ORDER BY r.id";
	int64_t *ids = NULL, tnow, tend;
	size_t nids = 0, cap = 0;
	oms_stmt *st = oms_db_stmt(db, sql);
	int rc, r = OMS_OK;

	*n = 0;
	if (st == NULL)
		return OMS_ERR;
	if (oms_time_to_epoch(now, &tnow) != OMS_OK)
		return oms_fail(OMS_E_USAGE, "'%s' is not a time", now);
	while ((rc = oms_step(st)) == OMS_ROW) {
		double grace = oms_col_null(st, 2) ? 0 : oms_col_double(st, 2);

		if (oms_time_to_epoch(oms_col_text(st, 1), &tend) != OMS_OK ||
		    tnow <= tend + (int64_t)(grace * 86400))
			continue;
		if (nids == cap) {
			cap = cap ? cap * 2 : 16;
			ids = erealloc(ids, cap * sizeof *ids);
		}
		ids[nids++] = oms_col_int64(st, 0);
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		free(ids);
		return oms_db_fail(db, rc, "cannot read returns");
	}
	rc = OMS_OK;
	for (size_t i = 0; i < nids && r == OMS_OK; i++) {
		cJSON *rec;
		int nested;

		if ((rc = oms_db_write(db, &nested)) != OMS_OK)
			break;
		cJSON *money = NULL, *m;

		rc = move_in_tx(db, ids[i], "expired", "the return window "
		    "ended and nothing came back");
		if (rc == OMS_OK)
			rc = oms_return_lapsed_hook(db, ids[i], &money);
		if ((rc = oms_db_write_end(db, nested, rc)) == OMS_REJECT) {
			cJSON_Delete(money);
			rc = OMS_OK;	/* moved meanwhile */
			continue;
		}
		if (rc != OMS_OK) {
			cJSON_Delete(money);
			break;
		}
		(*n)++;
		if ((rec = oms_return_record(db, ids[i])) == NULL) {
			cJSON_Delete(money);
			rc = OMS_ERR;
			break;
		}
		r = fn(arg, rec);
		cJSON_Delete(rec);
		/* What the lapse charges, for the payment adapter. */
		cJSON_ArrayForEach(m, money)
			if (r == OMS_OK)
				r = fn(arg, m);
		cJSON_Delete(money);
	}
	free(ids);
	return rc != OMS_OK ? rc : r;
}

int
oms_return_list(oms_db *db, const char *state, int64_t order_id,
    oms_rec_fn fn, void *arg)
{
	static const char sql[] =
	    "SELECT id FROM returns WHERE (CAST(?1 AS TEXT) IS NULL OR state = "
	    "?1) AND "
	    "(CAST(?2 AS BIGINT) IS NULL OR order_id = ?2) ORDER BY id";
	oms_stmt *st = oms_db_query(db, sql, "sr", state, order_id);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc, r = OMS_OK;

	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			ids = erealloc(ids, cap * sizeof *ids);
		}
		ids[n++] = oms_col_int64(st, 0);
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		free(ids);
		return oms_db_fail(db, rc, "cannot read returns");
	}
	for (size_t i = 0; i < n && r == OMS_OK; i++) {
		cJSON *rec = oms_return_record(db, ids[i]);

		if (rec == NULL) {
			free(ids);
			return OMS_ERR;
		}
		r = fn(arg, rec);
		cJSON_Delete(rec);
	}
	free(ids);
	return r;
}
