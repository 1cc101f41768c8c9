/*
 * pay.c: the money of the channels that do not handle it themselves
 * (wholesale, an own web shop), taken through the payment adapter that
 * adapters.json names for the channel (oms-adapters(7)); a channel with
 * none handles its money itself and nothing here touches its orders.
 *
 * An order of such a channel is authorised for its total when it is
 * imported (payments, in the import's transaction).  What shipped is
 * captured after the shipment commits: the units of each line shipped
 * and not yet captured, priced as refund.c prices units (rules 1 to 4:
 * their value less their share of the discounts, plus their tax), and
 * the shipping and its tax with the first capture; the capture is final
 * when nothing is left to ship, and the last one takes the lines that
 * never ship as well.  A parcel that brings nothing to capture (a label
 * bought again after a void) is covered by a capture of nothing, done
 * without asking.  A refund stored (refunds, pending) is paid back
 * through the adapter, never beyond what was captured and not refunded
 * yet (one that would be waits, unasked, for a capture), and marked
 * sent once it is.
 *
 * Every operation is first written pending, under its idempotency key
 * (capture:o_N:s_M, the last shipment it covers; refund:f_N), in a
 * short transaction of its own; then the adapter is called, outside any
 * transaction; then its answer is recorded.  A run killed between the
 * two leaves the operation pending, and the next run (oms-ship settle)
 * asks again with the same key, which the adapter answers as it did the
 * first time.  An adapter that fails never undoes what happened to the
 * order: the operation stays pending or failed, and is tried again.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "call.h"
#include "order.h"
#include "pay.h"
#include "rma.h"

/* The payment adapter of the channel of order oid, *name NULL for none. */
static int
adapter_of(oms_db *db, int64_t oid, const char **name)
{
	static const char sql[] = "SELECT channel FROM orders WHERE id = ?";
	oms_stmt *st;
	char *channel = NULL;
	int rc;

	*name = NULL;
	if ((st = oms_db_query(db, sql, "I", oid)) == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW)
		channel = estrdup(oms_col_str(st, 0));
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read an order");
	rc = oms_channel_adapter(channel, "payment", name);
	free(channel);
	return rc;
}

int
oms_pay_authorise(oms_db *db, int64_t oid)
{
	static const char sql_order[] =
	    "SELECT channel, external_id, currency, coalesce(total, 0), "
	    "record ->> '$.payment.reference' FROM orders WHERE id = ?";
	/*
	 * A changed order is authorised for its new total; never for less
	 * than was captured of it already (a cancel keeps what was taken).
	 */
	static const char sql_put[] =
	    "INSERT INTO payments (order_id, adapter, reference, currency, "
	    "authorised, captured, refunded, updated_at) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, 0, 0, ?6) ON CONFLICT (order_id) DO UPDATE "
	    "SET authorised = CASE WHEN excluded.authorised < "
	    "payments.captured THEN payments.captured ELSE "
	    "excluded.authorised END, updated_at = excluded.updated_at "
	    "WHERE payments.authorised <> excluded.authorised";
	struct oms_buf ref = { 0 };
	char now[OMS_TIME_LEN], cur[8] = "";
	const char *name;
	oms_stmt *st;
	int64_t total = 0;
	int rc;

	if ((rc = adapter_of(db, oid, &name)) != OMS_OK || name == NULL)
		return rc;
	if ((st = oms_db_query(db, sql_order, "I", oid)) == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		const char *r = oms_col_text(st, 4);

		if (r != NULL && *r != '\0')
			oms_buf_adds(&ref, r);
		else
			oms_buf_printf(&ref, "%s:%s", oms_col_str(st, 0),
			    oms_col_str(st, 1));
		snprintf(cur, sizeof cur, "%s", oms_col_str(st, 2));
		total = oms_col_int64(st, 3);
	}
	oms_reset(st);
	if (rc != OMS_ROW) {
		oms_buf_free(&ref);
		return oms_db_fail(db, rc, "cannot read an order");
	}
	oms_time_now(now);
	rc = oms_db_run(db, sql_put, "cannot store a payment", "Ittt" "It",
	    oid, name, ref.s, cur, total < 0 ? (int64_t)0 : total, now);
	oms_buf_free(&ref);
	return rc;
}

/* ---- operations ------------------------------------------------------ */

struct op {
	int64_t id, oid, amount, shipment, refund;
	int final;
	char kind[16], state[16], key[128];
	char adapter[72], currency[8], reason[32];
	char *reference;
	int64_t authorised, captured, refunded;
};

static void
op_read(oms_stmt *st, struct op *o)
{
	memset(o, 0, sizeof *o);
	o->id = oms_col_int64(st, 0);
	o->oid = oms_col_int64(st, 1);
	snprintf(o->kind, sizeof o->kind, "%s", oms_col_str(st, 2));
	o->amount = oms_col_int64(st, 3);
	o->final = oms_col_int(st, 4);
	o->shipment = oms_col_int64(st, 5);
	o->refund = oms_col_int64(st, 6);
	snprintf(o->key, sizeof o->key, "%s", oms_col_str(st, 7));
	snprintf(o->state, sizeof o->state, "%s", oms_col_str(st, 8));
	snprintf(o->adapter, sizeof o->adapter, "%s", oms_col_str(st, 9));
	o->reference = estrdup(oms_col_str(st, 10));
	snprintf(o->currency, sizeof o->currency, "%s", oms_col_str(st, 11));
	o->authorised = oms_col_int64(st, 12);
	o->captured = oms_col_int64(st, 13);
	o->refunded = oms_col_int64(st, 14);
	snprintf(o->reason, sizeof o->reason, "%s", oms_col_str(st, 15));
}

static int
op_get(oms_db *db, int64_t id, struct op *o)
{
	static const char sql[] = "SELECT x.id, x.order_id, x.kind, x.amount, "
	    "x.final, coalesce(x.shipment_id, 0), coalesce(x.refund_id, 0), "
	    "x.key, x.state, p.adapter, p.reference, p.currency, "
	    "p.authorised, p.captured, p.refunded, (SELECT f.source FROM "
	    "refunds f WHERE f.id = x.refund_id) FROM payment_ops x JOIN "
	    "payments p ON p.order_id = x.order_id WHERE x.id = ?";
	oms_stmt *st;
	int rc;

	if ((st = oms_db_query(db, sql, "I", id)) == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW)
		op_read(st, o);
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_fail(OMS_E_DB, "no payment operation %lld",
		    (long long)id);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read a payment operation");
	return OMS_OK;
}

/* The operation as printed: a record of type "payment". */
static cJSON *
op_record(const struct op *o, const char *note)
{
	cJSON *r = cJSON_CreateObject();
	char b[OMS_MONEY_BUFSZ], id[32];
	int exp = oms_currency_exponent(o->currency);

	cJSON_AddStringToObject(r, "type", "payment");
	snprintf(id, sizeof id, "o_%lld", (long long)o->oid);
	cJSON_AddStringToObject(r, "order", id);
	cJSON_AddStringToObject(r, "kind", o->kind);
	cJSON_AddStringToObject(r, "key", o->key);
	cJSON_AddStringToObject(r, "adapter", o->adapter);
	cJSON_AddStringToObject(r, "reference", o->reference);
	cJSON_AddStringToObject(r, "currency", o->currency);
	cJSON_AddStringToObject(r, "amount", oms_money_format(o->amount,
	    exp < 0 ? 2 : exp, b, sizeof b));
	if (strcmp(o->kind, "capture") == 0) {
		cJSON_AddBoolToObject(r, "final", o->final);
		snprintf(id, sizeof id, "s_%lld", (long long)o->shipment);
		cJSON_AddStringToObject(r, "shipment", id);
	} else {
		snprintf(id, sizeof id, "f_%lld", (long long)o->refund);
		cJSON_AddStringToObject(r, "refund", id);
	}
	cJSON_AddStringToObject(r, "state", o->state);
	if (note != NULL)
		cJSON_AddStringToObject(r, "note", note);
	return r;
}

static void
say(struct oms_pay_run *run, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
say(struct oms_pay_run *run, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (run->warn != NULL)
		run->warn(run->arg, line);
}

/*
 * Record what came of operation o: done (the payment counts it, and a
 * refund is marked sent), refused or failed, with the note.  Done once:
 * an operation settled already is left as it is.
 */
static int
op_settle(oms_db *db, struct op *o, const char *state, const char *note,
    const cJSON *reply)
{
	static const char sql_op[] =
	    "UPDATE payment_ops SET state = ?, note = ?, reply = ?, "
	    "done_at = CASE WHEN ?1 = 'done' THEN ? ELSE done_at END "
	    "WHERE id = ? AND state <> 'done'";
	static const char sql_cap[] =
	    "UPDATE payments SET captured = captured + ?, updated_at = ? "
	    "WHERE order_id = ?";
	static const char sql_ref[] =
	    "UPDATE payments SET refunded = refunded + ?, updated_at = ? "
	    "WHERE order_id = ?";
	char now[OMS_TIME_LEN], *text = NULL, *ev = NULL;
	cJSON *out = NULL, *e;
	int rc, nested;

	oms_time_now(now);
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	if (reply != NULL)
		text = oms_json_print(reply);
	if ((rc = oms_db_run(db, sql_op, "cannot record a payment", "ssssI",
	    state, note, text, now, o->id)) != OMS_OK)
		goto out;
	if (oms_db_changes(db) == 0 || strcmp(state, "done") != 0)
		goto out;
	if (strcmp(o->kind, "capture") == 0) {
		rc = oms_db_run(db, sql_cap, "cannot record a capture", "ItI",
		    o->amount, now, o->oid);
		o->captured += o->amount;
	} else {
		rc = oms_db_run(db, sql_ref, "cannot record a refund", "ItI",
		    o->amount, now, o->oid);
		o->refunded += o->amount;
		if (rc == OMS_OK)
			rc = oms_refund_sent(db, o->refund, &out);
	}
	if (rc != OMS_OK)
		goto out;
	snprintf(o->state, sizeof o->state, "%s", state);
	e = op_record(o, NULL);
	ev = oms_json_print(e);
	cJSON_Delete(e);
	rc = oms_db_event(db, o->oid, strcmp(o->kind, "capture") == 0 ?
	    "payment_captured" : "payment_refunded", NULL, ev);
out:
	rc = oms_db_write_end(db, nested, rc);
	if (rc == OMS_OK)
		snprintf(o->state, sizeof o->state, "%s", state);
	cJSON_Delete(out);
	free(text);
	free(ev);
	return rc;
}

/*
 * Ask the adapter for operation id, outside any transaction, and record
 * its answer.  A failure of the adapter is said (naming the order) and
 * counted, not returned: only the database's failures are.
 */
static int
op_send(oms_db *db, int64_t id, struct oms_pay_run *run)
{
	struct op o;
	cJSON *req, *reply = NULL;
	char oname[200], f[32], msg[1024];
	int rc, outcome;
	const char *state;

	/* A caller's transaction would be held for as long as it answers. */
	if (oms_db_in_tx(db))
		return oms_fail(OMS_E_OTHER, "a payment adapter is never asked "
		    "inside a transaction");
	if ((rc = op_get(db, id, &o)) != OMS_OK)
		return rc;
	if (strcmp(o.state, "done") == 0 || strcmp(o.state, "refused") == 0) {
		free(o.reference);
		return OMS_OK;
	}
	snprintf(oname, sizeof oname, "o_%lld", (long long)o.oid);
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "request_id", o.key);
	cJSON_AddStringToObject(req, "idempotency_key", o.key);
	cJSON_AddStringToObject(req, "reference", o.reference);
	cJSON_AddStringToObject(req, "order", oname);
	cJSON_AddStringToObject(req, "currency", o.currency);
	cJSON_AddNumberToObject(req, "amount", (double)o.amount);
	if (strcmp(o.kind, "capture") == 0) {
		cJSON_AddNumberToObject(req, "amount_authorized",
		    (double)o.authorised);
		cJSON_AddBoolToObject(req, "final_capture", o.final);
	} else {
		snprintf(f, sizeof f, "f_%lld", (long long)o.refund);
		cJSON_AddStringToObject(req, "refund", f);
		cJSON_AddStringToObject(req, "reason", o.reason);
	}
	rc = oms_call("payment", o.adapter, o.kind, req, &reply, &outcome);
	cJSON_Delete(req);
	if (rc == OMS_OK) {
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(reply,
		    "amount");

		/* An answer for another amount is not an answer to this. */
		if (a != NULL && (!cJSON_IsNumber(a) ||
		    a->valuedouble != (double)o.amount)) {
			snprintf(msg, sizeof msg, "payment %s answered %s %s "
			    "with another amount", o.adapter, o.kind, o.key);
			oms_seterr("%s", msg);
			rc = OMS_ERR;
			outcome = OMS_CALL_FAILED;
		}
	}
	if (rc == OMS_OK) {
		rc = op_settle(db, &o, "done", NULL, reply);
		if (rc == OMS_OK) {
			run->done++;
			if (run->fn != NULL) {
				cJSON *r = op_record(&o, NULL);

				rc = run->fn(run->arg, r);
				cJSON_Delete(r);
			}
		}
		cJSON_Delete(reply);
		free(o.reference);
		return rc;
	}
	cJSON_Delete(reply);
	if (rc != OMS_REJECT && oms_errkind() != OMS_E_CARRIER) {
		free(o.reference);
		return rc;
	}
	snprintf(msg, sizeof msg, "%s", oms_error());
	/*
	 * A refusal stands: asked again the answer is the same.  Anything
	 * else (no answer, a crash, garbage, later) is asked again.
	 */
	state = outcome == OMS_CALL_REFUSED ? "refused" : "failed";
	if ((rc = op_settle(db, &o, state, msg, NULL)) != OMS_OK) {
		free(o.reference);
		return rc;
	}
	run->failed++;
	say(run, "order %s: %s %s of %lld (minor units) not done: %s%s",
	    oname, o.kind, o.key, (long long)o.amount, msg,
	    *state == 'r' ? "" : " (oms-ship settle asks again)");
	if (run->fn != NULL) {
		cJSON *r = op_record(&o, msg);

		rc = run->fn(run->arg, r);
		cJSON_Delete(r);
	}
	free(o.reference);
	return rc;
}

/* ---- captures -------------------------------------------------------- */

static int
money_of(const cJSON *o, const char *key, int exp, int64_t *out)
{
	*out = 0;
	if (oms_json_str(o, key) == NULL)
		return OMS_OK;
	return oms_money_parse(oms_json_str(o, key), exp, out);
}

/*
 * The capture owed for order oid, written pending in its own
 * transaction; *id the operation to send (a new one, or one that waits
 * already for the same shipments), 0 when nothing is owed.
 */
static int
capture_plan(oms_db *db, int64_t oid, int64_t *id)
{
	static const char sql_pay[] =
	    "SELECT authorised FROM payments WHERE order_id = ?";
	static const char sql_last[] =
	    "SELECT coalesce(max(id), 0) FROM shipments WHERE order_id = ? "
	    "AND status <> 'voided'";
	static const char sql_has[] =
	    "SELECT id FROM payment_ops WHERE order_id = ? AND kind = "
	    "'capture' AND shipment_id >= ? ORDER BY id DESC LIMIT 1";
	/* The captures that took units, or will: all but the refused. */
	static const char sql_ops[] =
	    "SELECT amount, lines FROM payment_ops WHERE order_id = ? AND "
	    "kind = 'capture' AND state <> 'refused' ORDER BY id";
	static const char sql_lines[] =
	    "SELECT line_no, qty, cancelled, shipped, ships FROM order_lines "
	    "WHERE order_id = ? ORDER BY line_no";
	static const char sql_put[] =
	    "INSERT INTO payment_ops (order_id, kind, amount, final, "
	    "shipment_id, lines, key, state, at) VALUES (?, 'capture', ?, ?, "
	    "?, ?, ?, 'pending', ?)";
	/*
	 * Parcels that bring nothing to capture (a label bought again after
	 * a void, an order not paid, units worth nothing) are covered by a
	 * capture of nothing, done without asking the adapter.
	 */
	static const char sql_none[] =
	    "INSERT INTO payment_ops (order_id, kind, amount, final, "
	    "shipment_id, lines, key, state, note, at, done_at) VALUES (?1, "
	    "'capture', 0, ?2, ?3, ?4, ?5, 'done', ?6, ?7, ?7)";
	cJSON *order = NULL, *done = NULL, *units = NULL, *cap = NULL;
	cJSON *all = NULL, *allcap = NULL, *lines = NULL;
	int64_t authorised = 0, last = 0, taken = 0, amount = 0, v;
	int64_t *got = NULL;
	char now[OMS_TIME_LEN], key[128], *ltext = NULL;
	const char *cur;
	oms_stmt *st;
	int rc, nested, first = 1, left = 0, exp, nl = 0;

	*id = 0;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	if ((st = oms_db_query(db, sql_pay, "I", oid)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	if ((rc = oms_step(st)) == OMS_ROW)
		authorised = oms_col_int64(st, 0);
	oms_reset(st);
	if (rc == OMS_DONE) {
		rc = OMS_OK;		/* no payment: the channel's money */
		goto out;
	}
	if (rc != OMS_ROW) {
		rc = oms_db_fail(db, rc, "cannot read a payment");
		goto out;
	}
	if ((st = oms_db_query(db, sql_last, "I", oid)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	if ((rc = oms_step(st)) == OMS_ROW)
		last = oms_col_int64(st, 0);
	oms_reset(st);
	if (rc != OMS_ROW) {
		rc = oms_db_fail(db, rc, "cannot read shipments");
		goto out;
	}
	rc = OMS_OK;
	if (last == 0)
		goto out;
	if ((st = oms_db_query(db, sql_has, "II", oid, last)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	if ((rc = oms_step(st)) == OMS_ROW)
		*id = oms_col_int64(st, 0);
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE) {
		rc = oms_db_fail(db, rc, "cannot read payment operations");
		goto out;
	}
	rc = OMS_OK;
	if (*id != 0)
		goto out;		/* asked already: op_send settles it */

	if ((order = oms_order_record(db, oid)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	cur = oms_json_str(order, "currency");
	exp = oms_currency_exponent(cur);
	nl = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(order,
	    "lines"));
	got = ecalloc((size_t)nl + 1, sizeof *got);
	/* What the captures before took, and of which units. */
	done = cJSON_CreateArray();
	if ((st = oms_db_query(db, sql_ops, "I", oid)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *d = cJSON_CreateObject(), *l;
		char b[OMS_MONEY_BUFSZ];
		const cJSON *x;

		first = 0;
		taken += oms_col_int64(st, 0);
		cJSON_AddStringToObject(d, "state", "sent");
		cJSON_AddStringToObject(d, "total", oms_money_format(
		    oms_col_int64(st, 0), exp, b, sizeof b));
		l = cJSON_Parse(oms_col_str(st, 1));
		if (!cJSON_IsArray(l)) {
			cJSON_Delete(l);
			l = cJSON_CreateArray();
		}
		cJSON_ArrayForEach(x, l) {
			int64_t ol = 0, q = 0;

			if (oms_json_int(x, "order_line", &ol) == OMS_OK &&
			    oms_json_int(x, "qty", &q) == OMS_OK && ol >= 1 &&
			    ol <= nl)
				got[ol] += q;
		}
		cJSON_AddItemToObject(d, "lines", l);
		cJSON_AddItemToArray(done, d);
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		rc = oms_db_fail(db, rc, "cannot read payment operations");
		goto out;
	}
	/*
	 * The units to take: shipped and not taken; with the last parcel,
	 * the lines that never ship too.
	 */
	units = cJSON_CreateArray();
	lines = cJSON_CreateArray();
	if ((st = oms_db_query(db, sql_lines, "I", oid)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	while ((rc = oms_step(st)) == OMS_ROW) {
		int64_t want = oms_col_int64(st, 1) - oms_col_int64(st, 2);

		if (oms_col_int(st, 4) && want > oms_col_int64(st, 3))
			left += (int)(want - oms_col_int64(st, 3));
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		rc = oms_db_fail(db, rc, "cannot read order lines");
		goto out;
	}
	if ((st = oms_db_query(db, sql_lines, "I", oid)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	while ((rc = oms_step(st)) == OMS_ROW) {
		int ln = oms_col_int(st, 0);
		int64_t want = oms_col_int64(st, 1) - oms_col_int64(st, 2);
		int64_t has = oms_col_int(st, 4) ? oms_col_int64(st, 3) :
		    left == 0 ? want : 0, q;
		cJSON *u;

		if (has > want)
			has = want;
		if (ln < 1 || ln > nl || (q = has - got[ln]) <= 0)
			continue;
		u = cJSON_CreateObject();
		cJSON_AddNumberToObject(u, "order_line", ln);
		cJSON_AddNumberToObject(u, "qty", (double)q);
		cJSON_AddItemToArray(units, cJSON_Duplicate(u, 1));
		cJSON_AddItemToArray(lines, u);
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		rc = oms_db_fail(db, rc, "cannot read order lines");
		goto out;
	}
	rc = OMS_OK;
	oms_time_now(now);
	snprintf(key, sizeof key, "capture:o_%lld:s_%lld", (long long)oid,
	    (long long)last);
	ltext = oms_json_print(lines);
	if (cJSON_GetArraySize(units) == 0) {
		rc = oms_db_run(db, sql_none, "cannot record a capture",
		    "IiItsts", oid, left == 0, last, ltext, key,
		    "nothing shipped that was not captured before", now);
		goto out;
	}
	/* What the channel refunded is not this payment's. */
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    order, "totals"), "refunded");
	if ((rc = oms_refund_compute(order, units, NULL, done, &cap)) !=
	    OMS_OK)
		goto out;
	if ((rc = money_of(cap, "total", exp, &amount)) != OMS_OK)
		goto out;
	if (first) {
		/* The shipping and its tax, as a refund of it all counts them. */
		cJSON *pol = cJSON_CreateObject(), *every = cJSON_CreateArray();
		const cJSON *l;
		int i = 0;

		cJSON_AddTrueToObject(pol, "refund_shipping");
		cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(order,
		    "lines")) {
			int64_t q = 0;
			cJSON *u;

			i++;
			if (oms_json_int(l, "qty", &q) != OMS_OK || q <= 0)
				continue;
			u = cJSON_CreateObject();
			cJSON_AddNumberToObject(u, "order_line", i);
			cJSON_AddNumberToObject(u, "qty", (double)q);
			cJSON_AddItemToArray(every, u);
		}
		all = every;
		rc = oms_refund_compute(order, all, pol, NULL, &allcap);
		cJSON_Delete(pol);
		if (rc != OMS_OK)
			goto out;
		if ((rc = money_of(allcap, "shipping", exp, &v)) != OMS_OK)
			goto out;
		amount += v;
		if ((rc = money_of(allcap, "shipping_tax", exp, &v)) != OMS_OK)
			goto out;
		amount += v;
	}
	/* Never beyond what was authorised. */
	if (amount > authorised - taken)
		amount = authorised - taken > 0 ? authorised - taken : 0;
	if (amount == 0) {
		rc = oms_db_run(db, sql_none, "cannot record a capture",
		    "IiItsts", oid, left == 0, last, ltext, key,
		    "nothing to capture: the order is not paid, its units are "
		    "worth nothing, or its authorisation is taken", now);
		goto out;
	}
	if ((rc = oms_db_run(db, sql_put, "cannot record a capture",
	    "IIiIttt", oid, amount, left == 0, last, ltext, key, now)) !=
	    OMS_OK)
		goto out;
	*id = oms_db_last_id(db);
out:
	rc = oms_db_write_end(db, nested, rc);
	if (rc != OMS_OK)
		*id = 0;
	free(ltext);
	free(got);
	cJSON_Delete(order);
	cJSON_Delete(done);
	cJSON_Delete(units);
	cJSON_Delete(lines);
	cJSON_Delete(cap);
	cJSON_Delete(all);
	cJSON_Delete(allcap);
	return rc;
}

/* The ids the query st gives, its first column, into *ids and *n. */
static int
collect(oms_db *db, oms_stmt *st, int64_t **ids, size_t *n,
    const char *what)
{
	size_t cap = 0;
	int rc;

	while ((rc = oms_step(st)) == OMS_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*ids = erealloc(*ids, cap * sizeof **ids);
		}
		(*ids)[(*n)++] = oms_col_int64(st, 0);
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return oms_db_fail(db, rc, what);
	}
	return OMS_OK;
}

/* The operations of order oid (0: all) that wait: pending or failed. */
static int
waiting(oms_db *db, int64_t oid, const char *kind, int64_t **ids,
    size_t *n)
{
	static const char sql[] =
	    "SELECT id FROM payment_ops WHERE (?1 = 0 OR order_id = ?1) AND "
	    "kind = ?2 AND state IN ('pending', 'failed') ORDER BY id";
	oms_stmt *st;

	*ids = NULL;
	*n = 0;
	if ((st = oms_db_query(db, sql, "It", oid, kind)) == NULL)
		return OMS_ERR;
	return collect(db, st, ids, n, "cannot read payment operations");
}

static int
send_all(oms_db *db, int64_t *ids, size_t n, struct oms_pay_run *run)
{
	int rc = OMS_OK;

	for (size_t i = 0; i < n && rc == OMS_OK; i++)
		rc = op_send(db, ids[i], run);
	free(ids);
	return rc;
}

int
oms_pay_order(oms_db *db, int64_t oid, struct oms_pay_run *run)
{
	static const char sql_has[] =
	    "SELECT 1 FROM payments WHERE order_id = ?";
	int64_t *ids, id;
	size_t n;
	oms_stmt *st;
	int rc;

	/* The channel's own money, most orders: no write, no lock. */
	if ((st = oms_db_query(db, sql_has, "I", oid)) == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	oms_reset(st);
	if (rc == OMS_DONE)
		return OMS_OK;
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read a payment");
	/* Captures asked before and not answered go first, in order. */
	if ((rc = waiting(db, oid, "capture", &ids, &n)) != OMS_OK ||
	    (rc = send_all(db, ids, n, run)) != OMS_OK)
		return rc;
	rc = capture_plan(db, oid, &id);
	if (rc == OMS_REJECT) {
		/* An order whose figures cannot be priced: said, not fatal. */
		run->failed++;
		say(run, "order o_%lld: cannot work out what to capture: %s",
		    (long long)oid, oms_error());
		return OMS_OK;
	}
	if (rc != OMS_OK || id == 0)
		return rc;
	return op_send(db, id, run);
}

/* ---- refunds --------------------------------------------------------- */

/*
 * The refund operation of refund rid, written pending when the refund
 * is pending and its order's payment an adapter's; *id 0 when there is
 * nothing to send.  A refund beyond what is captured and not refunded
 * is not asked: it waits, said, for a capture.
 */
static int
refund_plan(oms_db *db, int64_t rid, int64_t *id, struct oms_pay_run *run)
{
	static const char sql_ref[] =
	    "SELECT r.order_id, r.total, r.state, p.captured - p.refunded - "
	    "coalesce((SELECT sum(x.amount) FROM payment_ops x WHERE "
	    "x.order_id = r.order_id AND x.kind = 'refund' AND x.state IN "
	    "('pending', 'failed') AND x.refund_id <> r.id), 0), p.currency, "
	    "(SELECT x.id FROM payment_ops x WHERE x.refund_id = r.id AND "
	    "x.kind = 'refund'), r.currency FROM refunds r JOIN payments p "
	    "ON p.order_id = r.order_id WHERE r.id = ?";
	static const char sql_put[] =
	    "INSERT INTO payment_ops (order_id, kind, amount, final, "
	    "refund_id, key, state, at) VALUES (?, 'refund', ?, 0, ?, ?, "
	    "'pending', ?)";
	char now[OMS_TIME_LEN], key[64], state[16] = "", cur[8] = "";
	char rcur[8] = "";
	int64_t oid = 0, total = 0, left = 0, have = 0;
	oms_stmt *st;
	int rc, nested;
	cJSON *out = NULL;

	*id = 0;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	if ((st = oms_db_query(db, sql_ref, "I", rid)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	if ((rc = oms_step(st)) == OMS_ROW) {
		oid = oms_col_int64(st, 0);
		total = oms_col_int64(st, 1);
		snprintf(state, sizeof state, "%s", oms_col_str(st, 2));
		left = oms_col_int64(st, 3);
		snprintf(cur, sizeof cur, "%s", oms_col_str(st, 4));
		have = oms_col_int64(st, 5);
		snprintf(rcur, sizeof rcur, "%s", oms_col_str(st, 6));
	}
	oms_reset(st);
	if (rc == OMS_DONE) {
		rc = OMS_OK;		/* the channel pays it back itself */
		goto out;
	}
	if (rc != OMS_ROW) {
		rc = oms_db_fail(db, rc, "cannot read a refund");
		goto out;
	}
	rc = OMS_OK;
	if (have != 0) {
		*id = have;
		goto out;
	}
	if (strcmp(state, "pending") != 0)
		goto out;
	if (strcmp(cur, rcur) != 0) {
		run->failed++;
		say(run, "order o_%lld: refund f_%lld is in %s, its payment in "
		    "%s: not sent", (long long)oid, (long long)rid, rcur, cur);
		goto out;
	}
	/* Nothing to pay back: it is paid. */
	if (total == 0) {
		rc = oms_refund_sent(db, rid, &out);
		cJSON_Delete(out);
		goto out;
	}
	if (total > left) {
		run->failed++;
		say(run, "order o_%lld: refund f_%lld of %lld (minor units) is "
		    "more than is captured and not refunded (%lld): not sent; "
		    "it waits for a capture", (long long)oid, (long long)rid,
		    (long long)total, (long long)(left > 0 ? left : 0));
		goto out;
	}
	oms_time_now(now);
	snprintf(key, sizeof key, "refund:f_%lld", (long long)rid);
	if ((rc = oms_db_run(db, sql_put, "cannot record a refund", "IIItt",
	    oid, total, rid, key, now)) != OMS_OK)
		goto out;
	*id = oms_db_last_id(db);
out:
	rc = oms_db_write_end(db, nested, rc);
	if (rc != OMS_OK)
		*id = 0;
	return rc;
}

int
oms_pay_refund(oms_db *db, int64_t rid, struct oms_pay_run *run)
{
	int64_t id;
	int rc;

	if ((rc = refund_plan(db, rid, &id, run)) != OMS_OK || id == 0)
		return rc;
	return op_send(db, id, run);
}

/* ---- everything outstanding ------------------------------------------ */

/* The ids sql gives, its one parameter (if any) bound to arg. */
static int
ids_of(oms_db *db, const char *sql, int64_t arg, int64_t **ids, size_t *n)
{
	oms_stmt *st = oms_db_stmt(db, sql);

	*ids = NULL;
	*n = 0;
	if (st == NULL)
		return OMS_ERR;
	if (oms_bind_count(st) > 0)
		oms_bind_int64(st, 1, arg);
	return collect(db, st, ids, n, "cannot read payments");
}

/* Refunds pending of order oid (0: of all) an adapter pays back. */
int
oms_pay_refunds(oms_db *db, int64_t oid, struct oms_pay_run *run)
{
	static const char sql[] =
	    "SELECT r.id FROM refunds r JOIN payments p ON p.order_id = "
	    "r.order_id WHERE r.state = 'pending' AND (?1 = 0 OR r.order_id "
	    "= ?1) ORDER BY r.id";
	int64_t *ids;
	size_t n;
	int rc;

	if ((rc = ids_of(db, sql, oid, &ids, &n)) != OMS_OK)
		return rc;
	for (size_t i = 0; i < n && rc == OMS_OK; i++)
		rc = oms_pay_refund(db, ids[i], run);
	free(ids);
	return rc;
}

int
oms_pay_settle(oms_db *db, struct oms_pay_run *run)
{
	/* Orders with a parcel no capture covers, or a capture waiting. */
	static const char sql_orders[] =
	    "SELECT p.order_id FROM payments p WHERE EXISTS (SELECT 1 FROM "
	    "shipments s WHERE s.order_id = p.order_id AND s.status <> "
	    "'voided' AND NOT EXISTS (SELECT 1 FROM payment_ops x WHERE "
	    "x.order_id = p.order_id AND x.kind = 'capture' AND "
	    "x.shipment_id >= s.id)) OR EXISTS (SELECT 1 FROM payment_ops x "
	    "WHERE x.order_id = p.order_id AND x.kind = 'capture' AND "
	    "x.state IN ('pending', 'failed')) ORDER BY p.order_id";
	int64_t *ids;
	size_t n;
	int rc;

	if ((rc = ids_of(db, sql_orders, 0, &ids, &n)) != OMS_OK)
		return rc;
	for (size_t i = 0; i < n && rc == OMS_OK; i++)
		rc = oms_pay_order(db, ids[i], run);
	free(ids);
	if (rc != OMS_OK)
		return rc;
	/* Captures first: a refund waits for what they take. */
	return oms_pay_refunds(db, 0, run);
}
