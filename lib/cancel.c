/*
 * cancel.c: cancelling an order, or some of its lines, from whichever
 * side asks: the channel (an export that says cancelled) or a person
 * (oms-import cancel).  What happens depends on where the order is:
 *
 *   not yet shipped        its reservations are released through the
 *                          ledger, its lines cancelled and its status
 *                          moved, in one transaction;
 *   labels not yet scanned each is voided through its carrier adapter
 *                          (oms_ship_void: the stock back, reserved
 *                          again), then as above;
 *   a parcel has left      refused: a return brings it back.  The
 *                          request is kept (cancel_requests, "refused")
 *                          so that the return can pick it up.
 *
 * While labels wait to be voided the request is "pending", and no
 * program routes or ships the order (oms_order_may).
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "order.h"
#include "ship.h"
#include "stock.h"

struct parcel {
	int64_t id;
	char status[32];
	int gone;		/* the carrier has it: it cannot be voided */
};

static const char sql_parcels[] =
    "SELECT id, status FROM shipments WHERE order_id = ? "
    "AND status <> 'voided' ORDER BY id";

/*
 * The parcels that carry a line, and the line's units in each: a kit
 * line's parcels carry components, so its units are the kits whole.
 */
static const char sql_line_parcels[] =
    "SELECT s.id, s.status, CASE WHEN min(CASE WHEN l.sku = ol.sku THEN 1 WHEN "
    "l.sku <> ol.sku THEN 0 END) = 1 "
    "THEN sum(l.qty) ELSE -1 END FROM shipments s "
    "JOIN shipment_lines l ON l.shipment_id = s.id "
    "JOIN order_lines ol ON ol.order_id = s.order_id AND ol.line_no = l.line_no "
    "WHERE s.order_id = ?1 AND l.line_no = ?2 AND s.status <> 'voided' "
    "GROUP BY s.id ORDER BY s.id";

/* A parcel the carrier has scanned, or has delivered, cannot be voided. */
static int
gone(const char *status)
{
	return strcmp(status, "shipped") != 0 && strcmp(status, "pre_transit") != 0;
}

static int
parcels_of(oms_db *db, int64_t id, struct parcel **out, size_t *n)
{
	oms_stmt *st = oms_db_stmt(db, sql_parcels);
	int rc;

	*out = NULL;
	*n = 0;
	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	while ((rc = oms_step(st)) == OMS_ROW) {
		struct parcel *p;

		*out = erealloc(*out, (*n + 1) * sizeof **out);
		p = &(*out)[(*n)++];
		p->id = oms_col_int64(st, 0);
		snprintf(p->status, sizeof p->status, "%s",
		    oms_col_text(st, 1));
		p->gone = gone(p->status);
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		free(*out);
		*out = NULL;
		return oms_db_fail(db, rc, "cannot read the shipments");
	}
	return OMS_OK;
}

/* "CHANNEL EXTERNAL_ID", or with the account, for messages. */
static void
order_name(oms_db *db, int64_t id, char *buf, size_t n)
{
	static const char sql[] =
	    "SELECT channel, account, external_id FROM orders WHERE id = ?";
	oms_stmt *st = oms_db_stmt(db, sql);

	snprintf(buf, n, "?");
	if (st == NULL)
		return;
	oms_bind_int64(st, 1, id);
	if (oms_step(st) == OMS_ROW) {
		const char *a = oms_col_text(st, 1);

		snprintf(buf, n, "%s%s%s %s",
		    oms_col_text(st, 0), *a ? "/" : "", a,
		    oms_col_text(st, 2));
	}
	oms_reset(st);
}

static const char sql_request[] =
    "INSERT INTO cancel_requests (order_id, at, program, source, reason, "
    "lines, state, note, ended_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
    "CASE WHEN ?7 = 'pending' THEN NULL ELSE ?2 END)";

static const char sql_request_pending[] =
    "SELECT id FROM cancel_requests WHERE order_id = ?1 AND state = 'pending' "
    "AND lines IS NOT DISTINCT FROM ?2 ORDER BY id LIMIT 1";

static const char sql_request_end[] =
    "UPDATE cancel_requests SET state = ?2, note = ?3, ended_at = ?4 "
    "WHERE id = ?1";

static const char sql_request_note[] =
    "UPDATE cancel_requests SET note = ? WHERE id = ?";

static cJSON *
lines_json(const struct oms_cancel *c)
{
	cJSON *a;

	if (c->nlines == 0)
		return NULL;
	a = cJSON_CreateArray();
	for (int i = 0; i < c->nlines; i++) {
		cJSON *x = cJSON_CreateObject();

		cJSON_AddNumberToObject(x, "line_no", c->lines[i].line_no);
		if (c->lines[i].qty > 0)
			cJSON_AddNumberToObject(x, "qty", (double)c->lines[i].qty);
		cJSON_AddItemToArray(a, x);
	}
	return a;
}

/* Keep a request: pending, done or refused; *rid its id. */
static int
request(oms_db *db, int64_t id, const struct oms_cancel *c, const char *state,
    const char *note, int64_t *rid)
{
	oms_stmt *st = oms_db_stmt(db, sql_request);
	cJSON *l = lines_json(c);
	char now[OMS_TIME_LEN], *lt = l ? oms_json_print(l) : NULL;
	int rc;

	cJSON_Delete(l);
	if (st == NULL) {
		free(lt);
		return OMS_ERR;
	}
	oms_time_now(now);
	oms_bind_int64(st, 1, id);
	oms_bind_text(st, 2, now);
	oms_bind_static(st, 3, oms_progname);
	oms_bind_static(st, 4, c->source);
	if (c->reason != NULL)
		oms_bind_text(st, 5, c->reason);
	if (lt != NULL)
		oms_bind_text(st, 6, lt);
	oms_bind_static(st, 7, state);
	if (note != NULL)
		oms_bind_text(st, 8, note);
	rc = oms_db_step_done(db, st, "cannot record a cancel request");
	free(lt);
	if (rc == OMS_OK && rid != NULL)
		*rid = oms_db_last_id(db);
	return rc;
}

static int
request_end(oms_db *db, int64_t rid, const char *state, const char *note)
{
	oms_stmt *st = oms_db_stmt(db, sql_request_end);
	char now[OMS_TIME_LEN];

	if (st == NULL)
		return OMS_ERR;
	oms_time_now(now);
	oms_bind_int64(st, 1, rid);
	oms_bind_static(st, 2, state);
	if (note != NULL)
		oms_bind_text(st, 3, note);
	oms_bind_text(st, 4, now);
	return oms_db_step_done(db, st, "cannot update a cancel request");
}

/*
 * The pending request of order id that asks what c asks (the same lines,
 * or the whole order), which c then carries on rather than asking again;
 * 0 when there is none.
 */
static int
pending_request(oms_db *db, int64_t id, const struct oms_cancel *c,
    int64_t *rid)
{
	oms_stmt *st = oms_db_stmt(db, sql_request_pending);
	cJSON *l = lines_json(c);
	char *lt = l ? oms_json_print(l) : NULL;
	int rc;

	cJSON_Delete(l);
	*rid = 0;
	if (st == NULL) {
		free(lt);
		return OMS_ERR;
	}
	oms_bind_int64(st, 1, id);
	if (lt != NULL)
		oms_bind_text(st, 2, lt);
	if ((rc = oms_step(st)) == OMS_ROW)
		*rid = oms_col_int64(st, 0);
	oms_reset(st);
	free(lt);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the cancel requests");
	return OMS_OK;
}

static const char sql_request_state[] =
    "SELECT state FROM cancel_requests WHERE id = ?";

/* Whether request rid is still pending: no other run has ended it. */
static int
still_pending(oms_db *db, int64_t rid, int *yes)
{
	oms_stmt *st = oms_db_stmt(db, sql_request_state);
	int rc;

	*yes = 0;
	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, rid);
	if ((rc = oms_step(st)) == OMS_ROW)
		*yes = strcmp(oms_col_text(st, 0),
		    "pending") == 0;
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the cancel requests");
	return OMS_OK;
}

/* An event that moves nothing: what was asked and what became of it. */
static int
note_event(oms_db *db, int64_t id, const char *action,
    const struct oms_cancel *c, const char *note)
{
	char status[32], expected[32];
	cJSON *x = cJSON_CreateObject();
	int rc;

	if ((rc = oms_order_expected(db, id, status, expected, NULL)) != OMS_OK) {
		cJSON_Delete(x);
		return rc;
	}
	if (c->reason != NULL)
		cJSON_AddStringToObject(x, "reason", c->reason);
	cJSON_AddStringToObject(x, "by", c->source);
	if (c->nlines > 0)
		cJSON_AddItemToObject(x, "lines", lines_json(c));
	if (note != NULL)
		cJSON_AddStringToObject(x, "note", note);
	rc = oms_order_status(db, id, action, status, NULL, x);
	cJSON_Delete(x);
	return rc;
}

/*
 * A cancel that came after a parcel left: kept as a refused request, for
 * the return to pick up, with an event; once, however often it is asked.
 */
static int
keep_refusal(oms_db *db, int64_t id, const struct oms_cancel *c,
    const char *msg, int64_t rid)
{
	static const char sql[] =
	    "SELECT 1 FROM cancel_requests WHERE order_id = ? AND source = ? "
	    "AND state = 'refused'";
	oms_stmt *st = oms_db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	/* The request carried on ends refused, with its event. */
	if (rid != 0) {
		if ((rc = request_end(db, rid, "refused", msg)) != OMS_OK)
			return rc;
		return note_event(db, id, "cancel_refused", c, msg);
	}
	oms_bind_int64(st, 1, id);
	oms_bind_static(st, 2, c->source);
	rc = oms_step(st);
	oms_reset(st);
	if (rc == OMS_ROW)
		return OMS_OK;
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the cancel requests");
	if ((rc = request(db, id, c, "refused", msg, NULL)) != OMS_OK)
		return rc;
	return note_event(db, id, "cancel_refused", c, msg);
}

/*
 * Whether order id has anything a cancel can still stop: units not yet
 * in a parcel, or a parcel not yet scanned.
 */
static int
rest_to_cancel(oms_db *db, int64_t id, const struct parcel *ps, size_t np,
    int *rest)
{
	static const char sql[] =
	    "SELECT wanted > shipped FROM order_progress WHERE order_id = ?";
	oms_stmt *st = oms_db_stmt(db, sql);
	int rc;

	*rest = 0;
	for (size_t k = 0; k < np; k++)
		if (!ps[k].gone)
			*rest = 1;
	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	if ((rc = oms_step(st)) == OMS_ROW && oms_col_int(st, 0))
		*rest = 1;
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read an order");
	return OMS_OK;
}

/*
 * Cancel every unit of order id that has not shipped, inside the caller's
 * transaction: its reservations released, each line's unshipped units
 * cancelled, and its status moved by action: cancelled when nothing had
 * shipped, else what the shipped part makes it.  out gets the status.
 */
int
oms_order_cancel_rest(oms_db *db, int64_t id, const char *action,
    const cJSON *extra, char out[32])
{
	static const char sql_lines[] =
	    "UPDATE order_lines SET cancelled = qty - CASE WHEN fulfilled > shipped THEN fulfilled ELSE shipped END "
	    "WHERE order_id = ? AND qty > CASE WHEN fulfilled > shipped THEN fulfilled ELSE shipped END";
	static const char sql_shipped[] =
	    "SELECT coalesce(sum(shipped), 0) FROM order_lines WHERE order_id = ?";
	oms_stmt *st;
	char status[32], expected[32];
	int64_t shipped = 0;
	int rc;

	if ((rc = oms_alloc_release(db, id, 0, "cancelled", NULL)) != OMS_OK)
		return rc;
	if ((st = oms_db_stmt(db, sql_lines)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	if ((rc = oms_db_step_done(db, st, "cannot cancel an order's lines")) !=
	    OMS_OK)
		return rc;
	if ((st = oms_db_stmt(db, sql_shipped)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	if ((rc = oms_step(st)) == OMS_ROW)
		shipped = oms_col_int64(st, 0);
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read an order's lines");
	if ((rc = oms_order_expected(db, id, status, expected, NULL)) != OMS_OK)
		return rc;
	if (shipped == 0) {
		if ((rc = oms_order_status(db, id, action, "cancelled", NULL,
		    extra)) != OMS_OK)
			return rc;
		snprintf(status, sizeof status, "cancelled");
	} else if (strcmp(status, "hold") != 0 && (rc = oms_order_settle(db,
	    id, action, extra, status)) != OMS_OK)
		return rc;
	if (out != NULL)
		snprintf(out, 32, "%s", status);
	return OMS_OK;
}

/*
 * Take back units of a line beyond what it still wants, newest allocation
 * first: whole allocations while they fit, then part of one, inside the
 * caller's transaction.  A kit line's allocations are its components',
 * so its are released whole and routing allocates what it still wants.
 */
int
oms_alloc_trim(oms_db *db, int64_t id, int line_no, const char *why)
{
	static const char sql_line[] =
	    "SELECT sku, qty - cancelled - CASE WHEN fulfilled > shipped THEN fulfilled ELSE shipped END, "
	    "allocated - shipped, "
	    "EXISTS (SELECT 1 FROM allocations a WHERE a.order_id = ?1 "
	    "AND a.line_no = ?2 AND a.state = 'active' AND a.sku <> "
	    "order_lines.sku) FROM order_lines WHERE order_id = ?1 "
	    "AND line_no = ?2";
	static const char sql_allocs[] =
	    "SELECT id, sku, location, qty FROM allocations WHERE order_id = ? "
	    "AND line_no = ? AND state = 'active' ORDER BY id DESC";
	static const char sql_end[] =
	    "UPDATE allocations SET state = 'released', ended_at = ? WHERE id = ?";
	static const char sql_less[] =
	    "UPDATE allocations SET qty = qty - ? WHERE id = ?";
	static const char sql_count[] =
	    "UPDATE order_lines SET allocated = allocated - ? "
	    "WHERE order_id = ? AND line_no = ?";
	struct al { int64_t id, qty; char *sku, *loc; } *as = NULL;
	oms_stmt *st = oms_db_stmt(db, sql_line);
	int64_t want = 0, active = 0, excess;
	size_t n = 0;
	int rc, kit = 0;
	char ref[32], now[OMS_TIME_LEN];

	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	oms_bind_int(st, 2, line_no);
	if ((rc = oms_step(st)) == OMS_ROW) {
		want = oms_col_int64(st, 1);
		active = oms_col_int64(st, 2);
		kit = oms_col_int(st, 3);
	}
	oms_reset(st);
	if (rc != OMS_ROW)
		return rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
		    "cannot read an order line");
	if (want < 0)
		want = 0;
	if (active <= want)
		return OMS_OK;
	if (kit)
		return oms_alloc_release(db, id, line_no, why, NULL);
	excess = active - want;
	if ((st = oms_db_stmt(db, sql_allocs)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	oms_bind_int(st, 2, line_no);
	while ((rc = oms_step(st)) == OMS_ROW) {
		as = erealloc(as, (n + 1) * sizeof *as);
		as[n].id = oms_col_int64(st, 0);
		as[n].sku = estrdup(oms_col_text(st, 1));
		as[n].loc = estrdup(oms_col_text(st, 2));
		as[n].qty = oms_col_int64(st, 3);
		n++;
	}
	oms_reset(st);
	rc = rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read the allocations");
	oms_time_now(now);
	snprintf(ref, sizeof ref, "o_%lld", (long long)id);
	for (size_t i = 0; i < n && rc == OMS_OK && excess > 0; i++) {
		int64_t take = as[i].qty <= excess ? as[i].qty : excess;
		cJSON *m = cJSON_CreateObject();
		char key[80];

		/* The allocation's new size makes the key: it only shrinks. */
		snprintf(key, sizeof key, "cancel:release:a%lld:%lld",
		    (long long)as[i].id, (long long)(as[i].qty - take));
		cJSON_AddStringToObject(m, "type", "movement");
		cJSON_AddStringToObject(m, "kind", "release");
		cJSON_AddStringToObject(m, "sku", as[i].sku);
		cJSON_AddStringToObject(m, "location", as[i].loc);
		cJSON_AddNumberToObject(m, "qty", (double)take);
		cJSON_AddStringToObject(m, "reason", why);
		cJSON_AddStringToObject(m, "ref", ref);
		cJSON_AddStringToObject(m, "key", key);
		rc = oms_stock_move(db, m, NULL);
		cJSON_Delete(m);
		if (rc != OMS_OK)
			break;
		if ((st = oms_db_stmt(db, take == as[i].qty ? sql_end :
		    sql_less)) == NULL) {
			rc = OMS_ERR;
			break;
		}
		if (take == as[i].qty)
			oms_bind_text(st, 1, now);
		else
			oms_bind_int64(st, 1, take);
		oms_bind_int64(st, 2, as[i].id);
		if ((rc = oms_db_step_done(db, st, "cannot update an allocation")) !=
		    OMS_OK)
			break;
		if ((st = oms_db_stmt(db, sql_count)) == NULL) {
			rc = OMS_ERR;
			break;
		}
		oms_bind_int64(st, 1, take);
		oms_bind_int64(st, 2, id);
		oms_bind_int(st, 3, line_no);
		if ((rc = oms_db_step_done(db, st, "cannot update an order line")) !=
		    OMS_OK)
			break;
		excess -= take;
	}
	for (size_t i = 0; i < n; i++) {
		free(as[i].sku);
		free(as[i].loc);
	}
	free(as);
	return rc;
}

struct line_plan {
	int line_no;
	int64_t qty, cancelled, shipped;	/* as stored */
	int64_t take;				/* units to cancel */
	int64_t voidable;			/* units in parcels not scanned */
	int64_t left;				/* units in parcels gone */
	int exists;
};

static const char sql_line[] =
    "SELECT qty, cancelled, CASE WHEN fulfilled > shipped THEN fulfilled ELSE shipped END FROM order_lines "
    "WHERE order_id = ? AND line_no = ?";

/*
 * What cancelling c's lines means for order id: for each, the units to
 * cancel, and which parcels would have to be voided (*need[k] set for
 * parcel k).  OMS_REJECT, with the message, when a line is not there or
 * has fewer units left to cancel than asked; *left is set when that is
 * because they have left with the carrier.
 */
static int
plan_lines(oms_db *db, int64_t id, const struct oms_cancel *c,
    const struct parcel *ps, size_t np, int *need, struct line_plan *lp,
    int *left)
{
	int kit;

	int rc;

	for (int i = 0; i < c->nlines; i++) {
		struct line_plan *l = &lp[i];
		oms_stmt *st = oms_db_stmt(db, sql_line);
		int64_t unshipped;

		memset(l, 0, sizeof *l);
		l->line_no = c->lines[i].line_no;
		if (st == NULL)
			return OMS_ERR;
		oms_bind_int64(st, 1, id);
		oms_bind_int(st, 2, l->line_no);
		if ((rc = oms_step(st)) == OMS_ROW) {
			l->exists = 1;
			l->qty = oms_col_int64(st, 0);
			l->cancelled = oms_col_int64(st, 1);
			l->shipped = oms_col_int64(st, 2);
		}
		oms_reset(st);
		if (rc != OMS_ROW && rc != OMS_DONE)
			return oms_db_fail(db, rc, "cannot read an order line");
		if (!l->exists)
			return oms_reject("order o_%lld has no line %d",
			    (long long)id, l->line_no);
		for (int j = 0; j < i; j++)
			if (lp[j].line_no == l->line_no)
				return oms_reject("order o_%lld: line %d is "
				    "named twice", (long long)id, l->line_no);
		if ((st = oms_db_stmt(db, sql_line_parcels)) == NULL)
			return OMS_ERR;
		oms_bind_int64(st, 1, id);
		oms_bind_int(st, 2, l->line_no);
		kit = 0;
		while ((rc = oms_step(st)) == OMS_ROW) {
			int64_t q = oms_col_int64(st, 2);
			int g = gone(oms_col_text(st, 1));

			if (q < 0)
				kit |= g ? 2 : 1;
			else if (g)
				l->left += q;
			else
				l->voidable += q;
		}
		oms_reset(st);
		if (rc != OMS_DONE)
			return oms_db_fail(db, rc, "cannot read the shipments");
		/* A kit in parcels: voidable whole only if none has left. */
		if (kit & 2) {
			l->left = l->shipped;
			l->voidable = 0;
		} else if (kit & 1)
			l->voidable = l->shipped;
		unshipped = l->qty - l->cancelled - l->shipped;
		if (unshipped < 0)
			unshipped = 0;
		l->take = c->lines[i].qty > 0 ? c->lines[i].qty :
		    unshipped + l->voidable;
		if (l->take == 0 && l->left > 0) {
			*left = 1;
			return oms_reject("order o_%lld line %d: its %lld "
			    "unit%s left with the carrier: a return is the way",
			    (long long)id, l->line_no, (long long)l->left,
			    l->left == 1 ? " has" : "s have");
		}
		if (l->take == 0)
			return oms_reject("order o_%lld line %d: nothing left to "
			    "cancel: %lld cancelled, %lld shipped",
			    (long long)id, l->line_no, (long long)l->cancelled,
			    (long long)l->shipped);
		if (l->take > unshipped + l->voidable && l->left == 0)
			return oms_reject("order o_%lld line %d: only %lld of the "
			    "%lld units asked can be cancelled", (long long)id,
			    l->line_no, (long long)(unshipped + l->voidable),
			    (long long)l->take);
		if (l->take > unshipped + l->voidable) {
			*left = 1;
			return oms_reject("order o_%lld line %d: only %lld of the "
			    "%lld units asked can be cancelled; %lld %s left with "
			    "the carrier: a return is the way", (long long)id,
			    l->line_no, (long long)(unshipped + l->voidable),
			    (long long)l->take, (long long)l->left,
			    l->left == 1 ? "has" : "have");
		}
		if (l->take > unshipped) {
			/* Void every parcel not yet scanned that has the line. */
			if ((st = oms_db_stmt(db, sql_line_parcels)) == NULL)
				return OMS_ERR;
			oms_bind_int64(st, 1, id);
			oms_bind_int(st, 2, l->line_no);
			while ((rc = oms_step(st)) == OMS_ROW)
				for (size_t k = 0; k < np; k++)
					if (ps[k].id == oms_col_int64(st,
					    0) && !ps[k].gone)
						need[k] = 1;
			oms_reset(st);
			if (rc != OMS_DONE)
				return oms_db_fail(db, rc, "cannot read the "
				    "shipments");
		}
	}
	return OMS_OK;
}

static const char sql_cancel_units[] =
    "UPDATE order_lines SET cancelled = cancelled + ? "
    "WHERE order_id = ? AND line_no = ?";

/*
 * The cancellation itself, inside the caller's transaction, once no
 * parcel it touches is waiting to be voided.
 */
static int
carry_out(oms_db *db, int64_t id, const struct oms_cancel *c,
    const struct line_plan *lp, char out[32])
{
	cJSON *x = cJSON_CreateObject();
	char status[32];
	int rc = OMS_OK;

	if (c->reason != NULL)
		cJSON_AddStringToObject(x, "reason", c->reason);
	cJSON_AddStringToObject(x, "by", c->source);
	if (c->nlines == 0) {
		rc = oms_order_cancel_rest(db, id, "cancelled", x, status);
		goto out;
	}
	cJSON_AddItemToObject(x, "lines", lines_json(c));
	for (int i = 0; i < c->nlines && rc == OMS_OK; i++) {
		oms_stmt *st = oms_db_stmt(db, sql_cancel_units);

		if (st == NULL) {
			rc = OMS_ERR;
			break;
		}
		oms_bind_int64(st, 1, lp[i].take);
		oms_bind_int64(st, 2, id);
		oms_bind_int(st, 3, lp[i].line_no);
		if ((rc = oms_db_step_done(db, st, "cannot cancel a line")) !=
		    OMS_OK)
			break;
		rc = oms_alloc_trim(db, id, lp[i].line_no, "cancelled");
	}
	if (rc == OMS_OK) {
		char before[32], expected[32];

		if ((rc = oms_order_expected(db, id, before, expected, NULL)) ==
		    OMS_OK) {
			snprintf(status, sizeof status, "%s", expected);
			rc = oms_order_status(db, id, "cancelled", expected,
			    NULL, x);
		}
	}
out:
	cJSON_Delete(x);
	if (rc == OMS_OK && out != NULL)
		snprintf(out, 32, "%s", status);
	return rc;
}

/*
 * Inside the caller's transaction: cancel what can be cancelled now.
 * r->request is the request this cancel carries on: 0 at first, when a
 * pending one that asks the same is taken up, or a new one is kept;
 * a request another run has ended meanwhile is left alone, and nothing
 * is done twice.  r->pending is set when labels must be voided first (the
 * request is kept as pending; oms_cancel carries it on).  OMS_REJECT when
 * the order cannot be cancelled; r->kept says the refusal was recorded (a
 * parcel has left: the request is kept for a return, with an event), so
 * the caller commits it all the same.
 */
int
oms_cancel_in_tx(oms_db *db, int64_t id, const struct oms_cancel *c,
    struct oms_cancel_result *r)
{
	struct parcel *ps = NULL;
	struct line_plan *lp = NULL;
	int *need = NULL, rc, nvoid = 0, left = 0, open = 0;
	size_t np = 0;
	int64_t rid = r->request;
	char msg[512];

	memset(r, 0, sizeof *r);
	r->request = rid;
	if (rid == 0 && (rc = pending_request(db, id, c, &rid)) != OMS_OK)
		return rc;
	if (rid != 0) {
		if ((rc = still_pending(db, rid, &open)) != OMS_OK)
			return rc;
		if (!open && r->request != 0) {
			/* Another run carried it out: its status says how. */
			char st[32], ex[32];

			if ((rc = oms_order_expected(db, id, st, ex, NULL)) ==
			    OMS_OK)
				snprintf(r->status, sizeof r->status, "%s", st);
			return rc;
		}
		if (!open)
			rid = 0;
	}
	r->request = rid;
	if ((rc = oms_order_may(db, id, OMS_ACT_CANCEL)) != OMS_OK) {
		char status[32], expected[32];

		/* Delivered or fulfilled: keep the request for a return. */
		if (rc == OMS_REJECT && oms_order_expected(db, id, status,
		    expected, NULL) == OMS_OK && (strcmp(status, "delivered") ==
		    0 || strcmp(status, "fulfilled") == 0)) {
			snprintf(msg, sizeof msg, "%s", oms_error());
			if (keep_refusal(db, id, c, msg, rid) != OMS_OK)
				return OMS_ERR;
			r->kept = 1;
			return oms_reject("%s", msg);
		}
		return rc;
	}
	if ((rc = parcels_of(db, id, &ps, &np)) != OMS_OK)
		return rc;
	need = ecalloc(np ? np : 1, sizeof *need);
	if (c->nlines == 0) {
		int gone_k = -1;

		for (size_t k = 0; k < np; k++) {
			if (ps[k].gone && gone_k < 0)
				gone_k = (int)k;
			need[k] = !ps[k].gone;
		}
		/*
		 * A parcel has left: a return brings it back, and the request
		 * is kept for it; what has not left is cancelled all the same.
		 */
		if (gone_k >= 0) {
			char name[200];
			int rest;

			order_name(db, id, name, sizeof name);
			snprintf(msg, sizeof msg, "order o_%lld (%s) has left: "
			    "s_%lld is %s; a return is the way", (long long)id,
			    name, (long long)ps[gone_k].id, ps[gone_k].status);
			if ((rc = rest_to_cancel(db, id, ps, np, &rest)) != OMS_OK)
				goto out;
			/* Nothing else to do: the request ends refused. */
			if ((rc = keep_refusal(db, id, c, msg, rest ? 0 : rid)) !=
			    OMS_OK)
				goto out;
			r->kept = 1;
			snprintf(r->note, sizeof r->note, "%s", msg);
			if (!rest) {
				r->request = 0;
				rc = oms_reject("%s", msg);
				goto out;
			}
		}
	} else {
		lp = ecalloc((size_t)c->nlines, sizeof *lp);
		if ((rc = plan_lines(db, id, c, ps, np, need, lp, &left)) !=
		    OMS_OK) {
			if (rc == OMS_REJECT && left) {
				snprintf(msg, sizeof msg, "%s", oms_error());
				if ((rc = keep_refusal(db, id, c, msg, rid)) ==
				    OMS_OK) {
					r->kept = 1;
					r->request = 0;
					rc = oms_reject("%s", msg);
				}
			}
			goto out;
		}
	}
	for (size_t k = 0; k < np; k++)
		nvoid += need[k];
	if (nvoid > 0) {
		r->pending = 1;
		if (rid == 0 && (rc = request(db, id, c, "pending", NULL,
		    &rid)) != OMS_OK)
			goto out;
		r->request = rid;
		goto out;
	}
	if ((rc = carry_out(db, id, c, lp, r->status)) != OMS_OK)
		goto out;
	if (rid != 0)
		rc = request_end(db, rid, "done", NULL);
	else
		rc = request(db, id, c, "done", NULL, NULL);
out:
	free(ps);
	free(lp);
	free(need);
	return rc;
}

static int
ignore_rec(void *arg, const cJSON *rec)
{
	(void)arg;
	(void)rec;
	return OMS_OK;
}

/* Whether parcel sid carries one of c's lines (every parcel, for all). */
static int
parcel_has_lines(oms_db *db, int64_t id, int64_t sid,
    const struct oms_cancel *c)
{
	int has = c->nlines == 0;

	for (int i = 0; i < c->nlines && !has; i++) {
		oms_stmt *st = oms_db_stmt(db, sql_line_parcels);

		if (st == NULL)
			break;
		oms_bind_int64(st, 1, id);
		oms_bind_int(st, 2, c->lines[i].line_no);
		while (oms_step(st) == OMS_ROW)
			if (oms_col_int64(st, 0) == sid)
				has = 1;
		oms_reset(st);
	}
	return has;
}

/*
 * Cancel order id, or c's lines of it, whole: in a transaction of its own
 * when nothing has to be voided, else the request is kept as pending, each
 * label not yet scanned is voided through its carrier (each in its own
 * transaction, as oms-ship void does), and the rest is done in one more.
 * res->request, 0 or a pending request to carry on, is the request.
 * A carrier that fails leaves the request pending (res->pending, with the
 * carrier's message in res->note and on the request) and nothing else
 * changed: running the cancel again carries on.  A parcel that the
 * carrier took meanwhile is found at the next round.  res->status is the
 * status the order ends in.
 */
int
oms_cancel(oms_db *db, int64_t id, const struct oms_cancel *c,
    struct oms_cancel_result *res)
{
	struct parcel *ps = NULL;
	size_t np = 0;
	int rc, round;

	for (round = 0; round < 4; round++) {
		if ((rc = oms_db_begin(db)) != OMS_OK)
			return rc;
		rc = oms_cancel_in_tx(db, id, c, res);
		if (rc == OMS_REJECT && res->kept) {
			/* The refusal is kept: commit it, then say it. */
			char msg[512];

			snprintf(msg, sizeof msg, "%s", oms_error());
			if ((rc = oms_db_commit(db)) != OMS_OK)
				return rc;
			return oms_reject("%s", msg);
		}
		if (rc != OMS_OK) {
			oms_db_undo(db);
			return rc;
		}
		if ((rc = oms_db_commit(db)) != OMS_OK)
			return rc;
		if (!res->pending)
			return OMS_OK;
		/* The carrier, with no transaction open. */
		if ((rc = parcels_of(db, id, &ps, &np)) != OMS_OK)
			return rc;
		for (size_t k = 0; k < np && rc == OMS_OK; k++) {
			char ref[32];

			if (ps[k].gone || !parcel_has_lines(db, id, ps[k].id, c))
				continue;
			snprintf(ref, sizeof ref, "s_%lld", (long long)ps[k].id);
			rc = oms_ship_void(db, ref, ignore_rec, NULL);
			/* Voided by another run, or scanned: the next round sees. */
			if (rc == OMS_REJECT)
				rc = OMS_OK;
		}
		free(ps);
		ps = NULL;
		if (rc == OMS_BUSY)
			return rc;
		if (rc != OMS_OK) {
			char msg[1024];

			snprintf(msg, sizeof msg, "%s", oms_error());
			snprintf(res->note, sizeof res->note, "%s", msg);
			/* Keep why on the request, for oms status. */
			if (res->request != 0 && oms_db_begin(db) == OMS_OK) {
				oms_stmt *st = oms_db_stmt(db,
				    sql_request_note);

				if (st != NULL) {
					oms_bind_text(st, 1, msg);
					oms_bind_int64(st, 2, res->request);
					oms_db_step_done(db, st, "");
				}
				oms_db_commit(db);
			}
			/* Pending, and said why: running it again carries on. */
			return OMS_OK;
		}
		/* Round again: nothing to void now, so it is carried out. */
	}
	return oms_seterr("order o_%lld: its labels could not all be voided",
	    (long long)id);
}

/*
 * Carry on every cancellation still pending (labels that could not be
 * voided last time); *done and *failed count them.  A failure is said
 * through warn and the rest go on.
 */
int
oms_cancel_pending(oms_db *db, void (*warn)(const char *msg), long *done,
    long *failed)
{
	static const char sql[] =
	    "SELECT r.order_id, r.source, r.reason, r.lines, r.id FROM "
	    "cancel_requests r WHERE r.state = 'pending' ORDER BY r.id";
	struct req {
		int64_t id, rid;
		char *source, *reason;
		cJSON *lines;
	} *rs = NULL;
	oms_stmt *st = oms_db_stmt(db, sql);
	size_t n = 0;
	int rc;

	*done = *failed = 0;
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		const char *r = oms_col_text(st, 2);
		const char *l = oms_col_text(st, 3);

		rs = erealloc(rs, (n + 1) * sizeof *rs);
		rs[n].id = oms_col_int64(st, 0);
		rs[n].source = estrdup(oms_col_text(st, 1));
		rs[n].reason = r ? estrdup(r) : NULL;
		rs[n].lines = l ? cJSON_Parse(l) : NULL;
		rs[n].rid = oms_col_int64(st, 4);
		n++;
	}
	oms_reset(st);
	rc = rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read the cancel requests");
	for (size_t i = 0; i < n; i++) {
		struct oms_cancel c = { 0 };
		struct oms_cancel_line *ls = NULL;
		struct oms_cancel_result res;
		const cJSON *x;
		int r;

		if (rc != OMS_OK)
			goto next;
		c.source = strcmp(rs[i].source, "channel") == 0 ? "channel" :
		    "operator";
		c.reason = rs[i].reason;
		cJSON_ArrayForEach(x, rs[i].lines) {
			int64_t ln = 0, q = 0;

			ls = erealloc(ls, (size_t)(c.nlines + 1) * sizeof *ls);
			oms_json_int(x, "line_no", &ln);
			oms_json_int(x, "qty", &q);
			ls[c.nlines].line_no = (int)ln;
			ls[c.nlines].qty = q;
			c.nlines++;
		}
		c.lines = ls;
		memset(&res, 0, sizeof res);
		res.request = rs[i].rid;
		r = oms_cancel(db, rs[i].id, &c, &res);
		if (r == OMS_OK && res.pending) {
			char msg[1100];

			snprintf(msg, sizeof msg, "o_%lld: cancel still pending: "
			    "%s", (long long)rs[i].id, res.note);
			if (warn != NULL)
				warn(msg);
			(*failed)++;
		} else if (r == OMS_OK)
			(*done)++;
		else if (r == OMS_BUSY)
			rc = r;
		else {
			/* Refused now (a parcel left meanwhile), or it failed. */
			char msg[1100];

			snprintf(msg, sizeof msg, "o_%lld: %s%s", (long long)rs[i].id,
			    r == OMS_REJECT && res.kept ? "" : "cancel still "
			    "pending: ", oms_error());
			if (warn != NULL)
				warn(msg);
			(*failed)++;
		}
		free(ls);
next:
		free(rs[i].source);
		free(rs[i].reason);
		cJSON_Delete(rs[i].lines);
	}
	free(rs);
	return rc;
}
