/*
 * rmarefund.c: what a return owes, and when.
 *
 * The policy stored on a return says when its refund is due: at the
 * carrier's first scan ("scan"), at receipt ("receipt") or after
 * inspection ("inspection", the default); a return kept by the customer
 * is refunded when it is made.  At the stage the policy names, the units
 * of the return's lines whose resolution is a refund (or store credit)
 * that have not been refunded yet are priced by oms_refund_compute
 * (refund.c) and stored once, under a key made of the return and the
 * units it covers, so a replay stores nothing new.  Only units that came
 * back count at receipt; after inspection, units found missing or not
 * ours (wrong_item) are not refunded.  A later stage refunds what an
 * earlier one could not (received units, once inspected).
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "order.h"
#include "rma.h"

static int
collect(void *arg, const cJSON *rec)
{
	cJSON_AddItemToArray(arg, cJSON_Duplicate(rec, 1));
	return OMS_OK;
}

static const int rank_scan = 1, rank_receipt = 2, rank_inspection = 3;

static int
rank(const char *stage)
{
	if (strcmp(stage, "scan") == 0)
		return rank_scan;
	if (strcmp(stage, "receipt") == 0)
		return rank_receipt;
	return rank_inspection;
}

int
oms_return_refund_in_tx(oms_db *db, int64_t id, const char *stage)
{
	/*
	 * Per order line: the units the stage makes due (all of them for a
	 * kept return or at the scan; received ones at receipt; inspected
	 * ones not missing nor wrong after inspection), and those refunded
	 * for this return already.
	 */
	static const char sql[] =
	    "SELECT rl.order_line, sum(CASE WHEN ?2 = 'keep' OR ?2 = 'scan' "
	    "THEN rl.qty WHEN ?2 = 'receipt' THEN rl.received ELSE "
	    "rl.inspected - coalesce((SELECT sum(u.qty) FROM return_units u "
	    "WHERE u.return_id = rl.return_id AND u.line_no = rl.line_no AND "
	    "u.disposition IN ('missing', 'wrong_item') AND u.sku = rl.sku), "
	    "0) END), (SELECT coalesce(sum(f.qty), 0) FROM refund_lines f "
	    "JOIN refunds r ON r.id = f.refund_id WHERE r.return_id = ?1 AND "
	    "f.order_line = rl.order_line), min(rl.reason) "
	    "FROM return_lines rl WHERE rl.return_id = ?1 AND rl.resolution "
	    "IN ('refund', 'store_credit') GROUP BY rl.order_line "
	    "ORDER BY rl.order_line";
	static const char sql_ret[] =
	    "SELECT order_id, policy, coalesce(record ->> "
	    "'$.refunded_at_channel', '0') FROM returns WHERE id = ?";
	cJSON *policy = NULL, *units = NULL, *order = NULL, *done = NULL;
	cJSON *refund = NULL, *out = NULL;
	const char *at;
	char key[128];
	int64_t oid = 0, total = 0;
	oms_stmt *st;
	int rc, paid = 0;

	if ((st = oms_db_query(db, sql_ret, "I", id)) == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		oid = oms_col_int64(st, 0);
		policy = cJSON_Parse(oms_col_text(st, 1));
		paid = oms_col_int(st, 2);
	}
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read returns");
	/* The channel paid it back itself: nothing is owed here. */
	if (paid) {
		cJSON_Delete(policy);
		return OMS_OK;
	}
	at = oms_json_str(policy, "refund_at");
	if (at == NULL)
		at = "inspection";
	if (strcmp(stage, "keep") != 0 && rank(stage) < rank(at)) {
		cJSON_Delete(policy);
		return OMS_OK;
	}
	units = cJSON_CreateArray();
	if ((st = oms_db_query(db, sql, "It", id, stage)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	while ((rc = oms_step(st)) == OMS_ROW) {
		int64_t due = oms_col_int64(st, 1) - oms_col_int64(st, 2);
		cJSON *u;

		if (due <= 0)
			continue;
		u = cJSON_CreateObject();
		cJSON_AddNumberToObject(u, "order_line", oms_col_int(st, 0));
		cJSON_AddNumberToObject(u, "qty", (double)due);
		cJSON_AddStringToObject(u, "reason", oms_col_text(st, 3));
		cJSON_AddItemToArray(units, u);
		total += due;
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		rc = oms_db_fail(db, rc, "cannot read return lines");
		goto out;
	}
	rc = OMS_OK;
	if (total == 0)
		goto out;
	if ((order = oms_order_record(db, oid)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	done = cJSON_CreateArray();
	if ((rc = oms_refund_list(db, oid, NULL, collect, done)) != OMS_OK)
		goto out;
	if ((rc = oms_refund_compute(order, units, policy, done, &refund)) !=
	    OMS_OK)
		goto out;
	{
		/* The units refunded so far, this refund's included. */
		int64_t before = 0;
		const cJSON *d;

		cJSON_ArrayForEach(d, done) {
			const cJSON *l;
			const char *r = oms_json_str(d, "return");
			char me[32];

			snprintf(me, sizeof me, "r_%lld", (long long)id);
			if (r == NULL || strcmp(r, me) != 0)
				continue;
			cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(
			    d, "lines")) {
				int64_t q;

				if (oms_json_int(l, "qty", &q) == OMS_OK)
					before += q;
			}
		}
		snprintf(key, sizeof key, "r_%lld:refund:%lld", (long long)id,
		    (long long)(before + total));
	}
	rc = oms_refund_store(db, oid, id, key, "return", refund, &out);
out:
	cJSON_Delete(policy);
	cJSON_Delete(units);
	cJSON_Delete(order);
	cJSON_Delete(done);
	cJSON_Delete(refund);
	cJSON_Delete(out);
	return rc;
}

/*
 * The refunds among an exchange's money records stored (the difference
 * owed back on the original order, once under the record's key), each
 * replaced by the refund as stored; charges and holds stay as they are,
 * for the payment adapter.
 */
static int
store_money(oms_db *db, cJSON *arr)
{
	cJSON *m;
	int i = 0, rc;

	cJSON_ArrayForEach(m, arr) {
		const char *type = oms_json_str(m, "type");
		const char *cur = oms_json_str(m, "currency");
		const char *total = oms_json_str(m, "total");
		int64_t oid = 0, rid = 0, amount;
		cJSON *r, *f = NULL;

		i++;
		if (type == NULL || strcmp(type, "refund") != 0 ||
		    cJSON_HasObjectItem(m, "id") || cur == NULL || total == NULL)
			continue;
		if (oms_order_find(db, oms_json_str(m, "order"), &oid) != OMS_OK)
			return OMS_REJECT;
		if (oms_json_str(m, "return") != NULL &&
		    oms_return_find(db, oms_json_str(m, "return"), &rid) !=
		    OMS_OK)
			return OMS_REJECT;
		if (oms_money_parse(total, oms_currency_exponent(cur),
		    &amount) != OMS_OK)
			return oms_reject("refund amount '%s'", total);
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "currency", cur);
		cJSON_AddArrayToObject(r, "lines");
		cJSON_AddStringToObject(r, "items", total);
		cJSON_AddStringToObject(r, "tax", "0");
		cJSON_AddStringToObject(r, "shipping", "0");
		cJSON_AddStringToObject(r, "fee", "0");
		cJSON_AddStringToObject(r, "total", total);
		if (oms_json_str(m, "reason") != NULL)
			cJSON_AddItemToObject(r, "notes", cJSON_CreateStringArray(
			    (const char *[]){ oms_json_str(m, "reason") }, 1));
		rc = oms_refund_store(db, oid, rid, oms_json_str(m, "key"),
		    "exchange", r, &f);
		cJSON_Delete(r);
		if (rc != OMS_OK)
			return rc;
		cJSON_ReplaceItemInArray(arr, i - 1, f);
	}
	return OMS_OK;
}

/*
 * An exchange for return id, and the refund of its difference stored, in
 * one transaction: *out is the exchange's records (exchange.c).
 */
int
oms_exchange_make(oms_db *db, int64_t id, const cJSON *spec, cJSON **out)
{
	int nested, rc;

	*out = NULL;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	if ((rc = oms_exchange_create(db, id, spec, out)) == OMS_OK)
		rc = store_money(db, *out);
	rc = oms_db_write_end(db, nested, rc);
	if (rc != OMS_OK) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

/* The exchange orders of return id that wait on it, settled. */
static int
settle(oms_db *db, int64_t id, int lapsed, cJSON **money)
{
	static const char sql[] =
	    "SELECT 1 FROM orders WHERE return_id = ? AND origin = 'exchange'";
	oms_stmt *st = oms_db_query(db, sql, "I", id);
	cJSON *out = NULL, *m;
	int rc;

	*money = NULL;
	if (st == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	oms_reset(st);
	if (rc == OMS_DONE)
		return OMS_OK;
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read orders");
	if ((rc = oms_exchange_settle(db, id, lapsed, &out)) != OMS_OK ||
	    (rc = store_money(db, out)) != OMS_OK) {
		cJSON_Delete(out);
		return rc;
	}
	/* The money alone: refunds stored, charges to make. */
	*money = cJSON_CreateArray();
	while (cJSON_IsArray(out) && (m = cJSON_DetachItemFromArray(out, 0)) !=
	    NULL) {
		const char *t = oms_json_str(m, "type");

		if (t != NULL && (strcmp(t, "refund") == 0 ||
		    strcmp(t, "charge") == 0))
			cJSON_AddItemToArray(*money, m);
		else
			cJSON_Delete(m);
	}
	cJSON_Delete(out);
	if (cJSON_GetArraySize(*money) == 0) {
		cJSON_Delete(*money);
		*money = NULL;
	}
	return OMS_OK;
}

int
oms_return_received_hook(oms_db *db, int64_t id, cJSON **money)
{
	return settle(db, id, 0, money);
}

int
oms_return_lapsed_hook(oms_db *db, int64_t id, cJSON **money)
{
	return settle(db, id, 1, money);
}

/*
 * The refund owed for the cancelled units of order oid that were paid
 * for and not refunded yet (shipping too when nothing of the order is
 * left to ship), stored once under a key of the units it covers.  An
 * order with nothing owed gets the computed record, with no id.
 */
int
oms_cancel_refund(oms_db *db, int64_t oid, cJSON **out)
{
	static const char sql[] =
	    "SELECT l.line_no, l.cancelled - (SELECT coalesce(sum(f.qty), 0) "
	    "FROM refund_lines f JOIN refunds r ON r.id = f.refund_id WHERE "
	    "r.order_id = l.order_id AND r.source = 'cancel' AND f.order_line "
	    "= l.line_no) FROM order_lines l WHERE l.order_id = ? AND "
	    "l.cancelled > 0 ORDER BY l.line_no";
	static const char sql_all[] =
	    "SELECT status FROM orders WHERE id = ?";
	cJSON *units = cJSON_CreateArray(), *order = NULL, *done = NULL;
	cJSON *policy = cJSON_CreateObject(), *refund = NULL;
	struct oms_buf key = { 0 };
	oms_stmt *st;
	int rc, nested, all = 0;
	int64_t n = 0;

	*out = NULL;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		goto free;
	oms_buf_printf(&key, "o_%lld:cancel", (long long)oid);
	if ((st = oms_db_query(db, sql, "I", oid)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	while ((rc = oms_step(st)) == OMS_ROW) {
		int64_t due = oms_col_int64(st, 1);
		cJSON *u;

		if (due <= 0)
			continue;
		u = cJSON_CreateObject();
		cJSON_AddNumberToObject(u, "order_line", oms_col_int(st, 0));
		cJSON_AddNumberToObject(u, "qty", (double)due);
		cJSON_AddStringToObject(u, "reason", "cancel");
		cJSON_AddItemToArray(units, u);
		oms_buf_printf(&key, ":%d-%lld", oms_col_int(st, 0),
		    (long long)due);
		n += due;
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		rc = oms_db_fail(db, rc, "cannot read order lines");
		goto out;
	}
	if (n == 0) {
		rc = oms_reject("o_%lld has no cancelled unit left to refund",
		    (long long)oid);
		goto out;
	}
	if ((st = oms_db_query(db, sql_all, "I", oid)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	if (oms_step(st) == OMS_ROW)
		all = strcmp(oms_col_text(st, 0), "cancelled") == 0;
	oms_reset(st);
	cJSON_AddBoolToObject(policy, "refund_shipping", all);
	cJSON_AddBoolToObject(policy, "shipping_rest", all);
	if ((order = oms_order_record(db, oid)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	done = cJSON_CreateArray();
	if ((rc = oms_refund_list(db, oid, NULL, collect, done)) != OMS_OK)
		goto out;
	if ((rc = oms_refund_compute(order, units, policy, done, &refund)) !=
	    OMS_OK)
		goto out;
	rc = oms_refund_store(db, oid, 0, key.s, "cancel", refund, out);
out:
	rc = oms_db_write_end(db, nested, rc);
free:
	oms_buf_free(&key);
	cJSON_Delete(units);
	cJSON_Delete(order);
	cJSON_Delete(done);
	cJSON_Delete(policy);
	cJSON_Delete(refund);
	return rc;
}
