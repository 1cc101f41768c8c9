/*
 * state.c: the order state machine (oms(7) has it as a table).
 *
 * Every status an order has is written here, by oms_order_status, and
 * only along a move of the table below: a program that asks for a move
 * the table has not got fails, so no program decides alone.  What an
 * order's lines, allocations and shipments make of it (allocated, partly
 * shipped, shipped, delivered, ...) is one SQL view, order_state
 * (schema.c), read by oms_order_settle here and by `oms check`, so the
 * two can never disagree.  oms_order_may says whether an action (route,
 * ship, cancel, hold, an address or a line changed) may touch an order in
 * its present state, and why not.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "order.h"
#include "stock.h"

static const char *const states[] = {
	"open", "hold", "backordered", "partial", "allocated",
	"partly_shipped", "shipped", "delivered", "cancelled", "fulfilled",
	"partly_returned", "returned",
};

/*
 * The moves: an event, the states it may leave from ("" for a new
 * order) and the states it may lead to.  A move to the state an order is
 * in already is always allowed (an event that changes something else).
 */
static const struct move {
	const char *action, *from, *to;
} move_table[] = {
	{ "created", "", "open hold cancelled fulfilled partly_shipped" },
	{ "updated", "open hold backordered cancelled partly_shipped",
	  "open hold cancelled fulfilled partly_shipped" },
	{ "released", "hold", "open backordered partial allocated "
	  "partly_shipped shipped delivered cancelled fulfilled "
	  "partly_returned returned" },
	{ "held", "open backordered partial allocated partly_shipped shipped",
	  "hold" },
	{ "allocated", "open backordered partial partly_shipped",
	  "allocated partly_shipped" },
	{ "partial", "open backordered partial partly_shipped",
	  "partial partly_shipped" },
	{ "backordered", "open backordered partial", "backordered" },
	{ "shipped", "allocated partial partly_shipped",
	  "partly_shipped shipped partly_returned returned" },
	{ "delivered", "shipped", "delivered" },
	{ "voided", "partly_shipped shipped", "allocated partial partly_shipped" },
	{ "cancelled", "open hold backordered partial allocated "
	  "partly_shipped shipped", "cancelled shipped partly_shipped "
	  "allocated partial open backordered" },
	{ "fulfilled", "open hold backordered partial allocated partly_shipped",
	  "fulfilled" },
	{ "lines_changed", "open hold backordered partial allocated "
	  "partly_shipped shipped delivered", "open hold backordered partial "
	  "allocated partly_shipped shipped delivered cancelled fulfilled" },
	{ "address_changed", "partial allocated", "open partial" },
	{ "rerouted", "allocated partial backordered open", "open" },
	/* A 3pl could not fill what it was sent: routing decides again. */
	{ "unfilled", "allocated partial partly_shipped",
	  "open partial partly_shipped" },
	{ "returned", "shipped delivered fulfilled partly_returned returned",
	  "partly_returned returned" },
	{ "return_undone", "partly_returned returned", "shipped delivered "
	  "fulfilled partly_returned" },
	/* A parcel lost and sent again: the rest of the order decides. */
	{ "reshipped", "partly_shipped shipped delivered",
	  "partly_shipped shipped delivered" },
};

int
oms_state_known(const char *s)
{
	for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
		if (strcmp(states[i], s) == 0)
			return 1;
	return 0;
}

/* Whether word w is one of the space-separated words of list. */
static int
listed(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = list; (p = strstr(p, w)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

int
oms_state_move_ok(const char *action, const char *from, const char *to)
{
	if (from != NULL && strcmp(from, to) == 0)
		return 1;
	for (size_t i = 0; i < sizeof move_table / sizeof move_table[0]; i++)
		if (strcmp(move_table[i].action, action) == 0 &&
		    (from == NULL ? move_table[i].from[0] == '\0' :
		    listed(move_table[i].from, from)) && listed(move_table[i].to, to))
			return 1;
	return 0;
}

/*
 * What each action may do in each state: 0 not at all, 1 yes, and for
 * shipping and cancelling 2, "it depends on the parcels" (see cancel.c).
 */
static const struct {
	const char *act, *yes;
} acts[] = {
	[OMS_ACT_ROUTE] = { "route", "open backordered partial partly_shipped" },
	[OMS_ACT_SHIP] = { "ship", "allocated partial partly_shipped" },
	[OMS_ACT_CANCEL] = { "cancel", "open hold backordered partial allocated "
	    "partly_shipped shipped" },
	[OMS_ACT_HOLD] = { "hold", "open backordered partial allocated "
	    "partly_shipped shipped hold" },
	[OMS_ACT_ADDRESS] = { "change the address of", "open hold backordered "
	    "partial allocated" },
	[OMS_ACT_LINES] = { "change the lines of", "open hold backordered "
	    "partial allocated partly_shipped" },
};

int
oms_state_may(const char *status, int act)
{
	return listed(acts[act].yes, status);
}

static const char sql_status[] =
    "SELECT status, hold_reasons, channel, external_id, account "
    "FROM orders WHERE id = ?";

static const char sql_pending_cancel[] =
    "SELECT reason FROM cancel_requests WHERE order_id = ? "
    "AND state = 'pending' ORDER BY id LIMIT 1";

/*
 * Whether act may touch order id as it is now: OMS_OK, or OMS_REJECT
 * with a message that names the order and says why not.  A cancellation
 * under way (a label still to void) stops everything but the cancel.
 */
int
oms_order_may(oms_db *db, int64_t id, int act)
{
	oms_stmt *st = oms_db_stmt(db, sql_status);
	char status[32] = "", name[160] = "", reasons[256] = "";
	int rc;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	if ((rc = oms_step(st)) == OMS_ROW) {
		const char *acct = oms_col_text(st, 4);

		snprintf(status, sizeof status, "%s",
		    oms_col_text(st, 0));
		if (!oms_col_null(st, 1))
			snprintf(reasons, sizeof reasons, "%s",
			    oms_col_text(st, 1));
		snprintf(name, sizeof name, "%s%s%s %s",
		    oms_col_text(st, 2),
		    acct && *acct ? "/" : "", acct ? acct : "",
		    oms_col_text(st, 3));
	}
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("no order o_%lld", (long long)id);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read an order");
	if (act != OMS_ACT_CANCEL) {
		if ((st = oms_db_stmt(db, sql_pending_cancel)) == NULL)
			return OMS_ERR;
		oms_bind_int64(st, 1, id);
		rc = oms_step(st);
		oms_reset(st);
		if (rc == OMS_ROW)
			return oms_reject("order o_%lld (%s) is being cancelled: "
			    "cannot %s it", (long long)id, name, acts[act].act);
		if (rc != OMS_DONE)
			return oms_db_fail(db, rc, "cannot read an order");
	}
	if (oms_state_may(status, act))
		return OMS_OK;
	if (strcmp(status, "hold") == 0)
		return oms_reject("order o_%lld (%s) is on hold %s: release it "
		    "first (oms-import release)", (long long)id, name, reasons);
	if (act == OMS_ACT_CANCEL && strcmp(status, "cancelled") == 0)
		return oms_reject("order o_%lld (%s) is cancelled already",
		    (long long)id, name);
	if (act == OMS_ACT_SHIP) {
		if (strcmp(status, "shipped") == 0 ||
		    strcmp(status, "delivered") == 0)
			return oms_reject("order o_%lld (%s) has shipped "
			    "already", (long long)id, name);
		if (strcmp(status, "cancelled") == 0 ||
		    strcmp(status, "fulfilled") == 0)
			return oms_reject("order o_%lld (%s) is %s%s: it does "
			    "not ship", (long long)id, name, status,
			    status[0] == 'f' ? " elsewhere" : "");
		return oms_reject("order o_%lld (%s) is %s: route it first",
		    (long long)id, name, status);
	}
	if (act == OMS_ACT_CANCEL || ((act == OMS_ACT_ADDRESS ||
	    act == OMS_ACT_LINES) && (strcmp(status, "shipped") == 0 ||
	    strcmp(status, "delivered") == 0 ||
	    strcmp(status, "partly_shipped") == 0)))
		return oms_reject("order o_%lld (%s) is %s: cannot %s it; a "
		    "return is the way", (long long)id, name, status,
		    acts[act].act);
	return oms_reject("order o_%lld (%s) is %s: cannot %s it",
	    (long long)id, name, status, acts[act].act);
}

/* A move within hold, with no new reasons, keeps the reasons it had. */
static const char sql_set[] =
    "UPDATE orders SET status = ?2, updated_at = ?4, "
    "hold_reasons = CASE WHEN ?2 = 'hold' AND status = 'hold' AND CAST(?3 AS "
    "TEXT) IS NULL "
    "THEN hold_reasons ELSE ?3 END, "
    "hold_kind = CASE WHEN ?2 = 'hold' THEN hold_kind END, "
    "status_at = CASE WHEN status = ?2 THEN status_at ELSE ?4 END, "
    "refusal = CASE WHEN status = ?2 THEN refusal ELSE NULL END "
    "WHERE id = ?1";

/* ",key:value" into b, as a member added to an object prints. */
static int
put_member(struct oms_buf *b, const char *key, const cJSON *v)
{
	if (key == NULL)
		return 1;	/* cJSON adds no member without a key */
	oms_buf_addc(b, ',');
	oms_buf_json_string(b, key);
	oms_buf_addc(b, ':');
	return oms_json_print_buf(b, v) == OMS_OK;
}

/*
 * An order event's before and after, as oms_order_status's trees print
 * (oms_json_print), written without building them; 0 when a member
 * cannot be printed, for the trees to say what comes of it.
 */
static int
event_texts(const char *from, const char *to, const char *reasons_was,
    const cJSON *reasons, const cJSON *extra, char **b, char **a)
{
	struct oms_buf bb = { 0 }, ab = { 0 };
	const cJSON *x, *y;
	int ok = 1;

	oms_buf_adds(&bb, "{\"status\":");
	oms_buf_json_string(&bb, from);
	if (strcmp(from, "hold") == 0 && strcmp(to, "hold") != 0 &&
	    reasons_was != NULL) {
		cJSON *r = cJSON_Parse(reasons_was);

		if (r != NULL)
			ok &= put_member(&bb, "hold_reasons", r);
		cJSON_Delete(r);
	}
	oms_buf_adds(&ab, "{\"status\":");
	oms_buf_json_string(&ab, to);
	if (strcmp(to, "hold") == 0 && reasons != NULL)
		ok &= put_member(&ab, "hold_reasons", reasons);
	cJSON_ArrayForEach(x, extra) {
		if (strcmp(x->string, "before") == 0 && cJSON_IsObject(x))
			cJSON_ArrayForEach(y, x)
				ok &= put_member(&bb, y->string, y);
		else if (strcmp(x->string, "status") != 0)
			ok &= put_member(&ab, x->string, x);
	}
	oms_buf_addc(&bb, '}');
	oms_buf_addc(&ab, '}');
	if (!ok) {
		oms_buf_free(&bb);
		oms_buf_free(&ab);
		return 0;
	}
	*b = bb.s;
	*a = ab.s;
	return 1;
}

/*
 * Move order id to status `to` for `action`, inside the caller's
 * transaction, and write its event: before {"status"} (and the hold
 * reasons, leaving a hold) with the members of extra's "before", after
 * {"status"} with reasons (for a hold) and the other members of extra.
 * A move the table has not got is an error, not a decision.
 */
int
oms_order_status(oms_db *db, int64_t id, const char *action, const char *to,
    const cJSON *reasons, const cJSON *extra)
{
	oms_stmt *st = oms_db_stmt(db, sql_status);
	cJSON *before, *after;
	const cJSON *x;
	char from[32] = "", now[OMS_TIME_LEN], *b, *a, *rs = NULL;
	char *reasons_was = NULL;
	int rc;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	if ((rc = oms_step(st)) == OMS_ROW) {
		snprintf(from, sizeof from, "%s",
		    oms_col_text(st, 0));
		if (!oms_col_null(st, 1))
			reasons_was = estrdup(oms_col_text(st,
			    1));
	}
	oms_reset(st);
	if (rc != OMS_ROW)
		return rc == OMS_DONE ? oms_seterr("no order o_%lld",
		    (long long)id) : oms_db_fail(db, rc, "cannot read an order");
	if (!oms_state_move_ok(action, from, to)) {
		free(reasons_was);
		return oms_seterr("order o_%lld: no move from %s to %s by %s in "
		    "the state table", (long long)id, from, to, action);
	}
	if (strcmp(to, "hold") == 0 && reasons != NULL)
		rs = oms_json_print(reasons);
	if ((st = oms_db_stmt(db, sql_set)) == NULL) {
		free(rs);
		free(reasons_was);
		return OMS_ERR;
	}
	oms_time_now(now);
	oms_bind_int64(st, 1, id);
	oms_bind_text(st, 2, to);
	if (rs != NULL)
		oms_bind_text(st, 3, rs);
	oms_bind_text(st, 4, now);
	free(rs);
	if ((rc = oms_db_step_done(db, st, "cannot update an order")) != OMS_OK) {
		free(reasons_was);
		return rc;
	}
	/* The event's texts straight, or as the trees print them. */
	if (event_texts(from, to, reasons_was, reasons, extra, &b, &a)) {
		free(reasons_was);
		rc = oms_db_event(db, id, action, b, a);
		free(b);
		free(a);
		return rc;
	}
	before = cJSON_CreateObject();
	cJSON_AddStringToObject(before, "status", from);
	if (strcmp(from, "hold") == 0 && strcmp(to, "hold") != 0 &&
	    reasons_was != NULL) {
		cJSON *r = cJSON_Parse(reasons_was);

		if (r != NULL)
			cJSON_AddItemToObject(before, "hold_reasons", r);
	}
	free(reasons_was);
	after = cJSON_CreateObject();
	cJSON_AddStringToObject(after, "status", to);
	if (strcmp(to, "hold") == 0 && reasons != NULL)
		cJSON_AddItemToObject(after, "hold_reasons",
		    cJSON_Duplicate(reasons, 1));
	cJSON_ArrayForEach(x, extra) {
		const cJSON *y;

		if (strcmp(x->string, "before") == 0 && cJSON_IsObject(x))
			cJSON_ArrayForEach(y, x)
				cJSON_AddItemToObject(before, y->string,
				    cJSON_Duplicate(y, 1));
		else if (strcmp(x->string, "status") != 0)
			cJSON_AddItemToObject(after, x->string,
			    cJSON_Duplicate(x, 1));
	}
	b = oms_json_print(before);
	a = oms_json_print(after);
	rc = oms_db_event(db, id, action, b, a);
	free(b);
	free(a);
	cJSON_Delete(before);
	cJSON_Delete(after);
	return rc;
}

static const char sql_hold_kind[] =
    "UPDATE orders SET hold_kind = ? WHERE id = ?";

/*
 * Put order id on hold for reasons, inside the caller's transaction.
 * kind says who made the hold: "problems" (the import's checks, which the
 * import lifts when they pass), "operator", "policy" (routing), "carrier"
 * (a parcel lost or sent back), "change" (the order changed under a
 * label); only a release lifts the others.
 */
int
oms_order_hold(oms_db *db, int64_t id, const char *kind, const cJSON *reasons,
    const cJSON *extra)
{
	oms_stmt *st;
	int rc;

	if ((rc = oms_order_status(db, id, "held", "hold", reasons, extra)) !=
	    OMS_OK)
		return rc;
	if ((st = oms_db_stmt(db, sql_hold_kind)) == NULL)
		return OMS_ERR;
	oms_bind_text(st, 1, kind);
	oms_bind_int64(st, 2, id);
	return oms_db_step_done(db, st, "cannot update an order");
}

static const char sql_expected[] =
    "SELECT status, expected, progress FROM order_state WHERE order_id = ?";

/*
 * The status order id has, the one it should have, and (when progress is
 * not NULL) what its facts alone make of it, hold or not.
 */
int
oms_order_expected(oms_db *db, int64_t id, char status[32], char expected[32],
    char progress[32])
{
	oms_stmt *st = oms_db_stmt(db, sql_expected);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	if ((rc = oms_step(st)) == OMS_ROW) {
		snprintf(status, 32, "%s", oms_col_text(st,
		    0));
		snprintf(expected, 32, "%s", oms_col_text(st,
		    1));
		if (progress != NULL)
			snprintf(progress, 32, "%s",
			    oms_col_text(st, 2));
	}
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_seterr("no order o_%lld", (long long)id);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read an order's state");
	return OMS_OK;
}

/*
 * Give order id the status its facts say, after action changed them,
 * inside the caller's transaction; an event when it moves.  out, when
 * not NULL, gets the status it ends in.
 */
int
oms_order_settle(oms_db *db, int64_t id, const char *action,
    const cJSON *extra, char out[32])
{
	char status[32], expected[32];
	int rc;

	if ((rc = oms_order_expected(db, id, status, expected, NULL)) != OMS_OK)
		return rc;
	if (strcmp(status, expected) != 0 && (rc = oms_order_status(db, id,
	    action, expected, NULL, extra)) != OMS_OK)
		return rc;
	if (out != NULL)
		snprintf(out, 32, "%s", expected);
	return OMS_OK;
}

/* The same refusal again keeps the time it was first made. */
static const char sql_refusal[] =
    "UPDATE orders SET refusal = CASE WHEN refusal ->> '$.reason' = ?3 "
    "AND refusal ->> '$.program' = ?4 THEN refusal ELSE ?1 END WHERE id = ?2";

/*
 * Keep what a program refused order id for, so it stays visible (oms
 * status) until the order moves on; its own short transaction.
 */
int
oms_order_refused(oms_db *db, int64_t id, const char *why)
{
	oms_stmt *st;
	cJSON *r = cJSON_CreateObject();
	char now[OMS_TIME_LEN], *text;
	int rc, nested;

	oms_time_now(now);
	cJSON_AddStringToObject(r, "program", oms_progname);
	cJSON_AddStringToObject(r, "at", now);
	cJSON_AddStringToObject(r, "reason", why);
	text = oms_json_print(r);
	cJSON_Delete(r);
	if ((rc = oms_db_write(db, &nested)) != OMS_OK) {
		free(text);
		return rc;
	}
	if ((st = oms_db_stmt(db, sql_refusal)) == NULL)
		rc = OMS_ERR;
	else {
		oms_bind_text(st, 1, text);
		oms_bind_int64(st, 2, id);
		oms_bind_text(st, 3, why);
		oms_bind_static(st, 4, oms_progname);
		rc = oms_db_step_done(db, st, "cannot record a refusal");
	}
	free(text);
	return oms_db_write_end(db, nested, rc);
}

/*
 * Release the active allocations of order id (of one line, when line_no
 * is not 0) through the ledger, inside the caller's transaction: a release
 * movement each, the allocation ended, the line's allocated count taken
 * down by the units released.  why is the movements' reason.  *units,
 * when not NULL, gets the number of allocation rows released.
 */
int
oms_alloc_release(oms_db *db, int64_t id, int line_no, const char *why,
    long *released)
{
	static const char sql_list[] =
	    "SELECT a.id, a.sku, a.location, a.qty, a.line_no FROM allocations a "
	    "WHERE a.order_id = ?1 AND a.state = 'active' "
	    "AND (?2 = 0 OR a.line_no = ?2) ORDER BY a.id";
	static const char sql_end[] =
	    "UPDATE allocations SET state = 'released', ended_at = ?3 "
	    "WHERE order_id = ?1 AND state = 'active' "
	    "AND (?2 = 0 OR line_no = ?2)";
	/* What is left allocated to a line: what it has shipped. */
	static const char sql_lines[] =
	    "UPDATE order_lines SET allocated = shipped "
	    "WHERE order_id = ?1 AND (?2 = 0 OR line_no = ?2)";
	oms_stmt *st = oms_db_stmt(db, sql_list);
	cJSON *moves = cJSON_CreateArray(), *m;
	char ref[32], now[OMS_TIME_LEN];
	long n = 0;
	int rc;

	if (released != NULL)
		*released = 0;
	if (st == NULL) {
		cJSON_Delete(moves);
		return OMS_ERR;
	}
	oms_time_now(now);
	snprintf(ref, sizeof ref, "o_%lld", (long long)id);
	oms_bind_int64(st, 1, id);
	oms_bind_int(st, 2, line_no);
	while ((rc = oms_step(st)) == OMS_ROW) {
		char key[64];

		snprintf(key, sizeof key, "route:release:a%lld",
		    (long long)oms_col_int64(st, 0));
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "type", "movement");
		cJSON_AddStringToObject(m, "kind", "release");
		cJSON_AddStringToObject(m, "sku",
		    oms_col_text(st, 1));
		cJSON_AddStringToObject(m, "location",
		    oms_col_text(st, 2));
		cJSON_AddNumberToObject(m, "qty", (double)oms_col_int64(st,
		    3));
		cJSON_AddStringToObject(m, "reason", why);
		cJSON_AddStringToObject(m, "ref", ref);
		cJSON_AddStringToObject(m, "key", key);
		cJSON_AddItemToArray(moves, m);
		n++;
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		cJSON_Delete(moves);
		return oms_db_fail(db, rc, "cannot read the allocations");
	}
	rc = OMS_OK;
	cJSON_ArrayForEach(m, moves)
		if ((rc = oms_stock_move(db, m, NULL)) != OMS_OK)
			break;
	cJSON_Delete(moves);
	if (rc != OMS_OK)
		return rc;
	if (n == 0)
		return OMS_OK;
	if ((st = oms_db_stmt(db, sql_end)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	oms_bind_int(st, 2, line_no);
	oms_bind_text(st, 3, now);
	if ((rc = oms_db_step_done(db, st, "cannot release allocations")) !=
	    OMS_OK)
		return rc;
	if ((st = oms_db_stmt(db, sql_lines)) == NULL)
		return OMS_ERR;
	oms_bind_int64(st, 1, id);
	oms_bind_int(st, 2, line_no);
	if ((rc = oms_db_step_done(db, st, "cannot update an order's lines")) !=
	    OMS_OK)
		return rc;
	if (released != NULL)
		*released = n;
	return OMS_OK;
}
