/*
 * rmaapply.c: return, receipt and inspection records (oms-records(5)), as
 * oms-return reads them from files and as a channel's return file becomes
 * them (retfile.c).  A return record may carry what already happened to
 * it at the channel: authorised, received (Amazon's warehouse), judged
 * (an FBA disposition), refunded (a Shopify refund); each is applied in
 * turn in one transaction, under keys made from the record's own, so the
 * same file read twice changes nothing the second time.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "bounds.h"
#include "order.h"
#include "rma.h"

static int
line_by(oms_db *db, int64_t rid, const cJSON *o, int *line_no)
{
	static const char sql_sku[] =
	    "SELECT line_no FROM return_lines WHERE return_id = ? AND sku = ? "
	    "ORDER BY line_no";
	static const char sql_lid[] =
	    "SELECT rl.line_no FROM return_lines rl JOIN returns r ON r.id = "
	    "rl.return_id JOIN order_lines ol ON ol.order_id = r.order_id AND "
	    "ol.line_no = rl.order_line WHERE rl.return_id = ? AND "
	    "ol.line_id = ? ORDER BY rl.line_no";
	const char *sku = oms_json_str(o, "sku");
	const char *lid = oms_json_str(o, "line_id");
	int64_t n;
	oms_stmt *st;
	int rc;

	*line_no = 0;
	if (oms_json_int(o, "line_no", &n) == OMS_OK) {
		if (n < 1 || n > 100000)
			return oms_reject("line_no %lld is not a line",
			    (long long)n);
		*line_no = (int)n;
		return OMS_OK;
	}
	if (sku == NULL && lid == NULL)
		return OMS_OK;
	st = oms_db_query(db, sku ? sql_sku : sql_lid, "It", rid,
	    sku ? sku : lid);
	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW)
		*line_no = oms_col_int(st, 0);
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("return r_%lld has no line of %s '%s'",
		    (long long)rid, sku ? "SKU" : "line_id", sku ? sku : lid);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read return lines");
	return OMS_OK;
}

static int
qty_of(const cJSON *o, int64_t *q)
{
	*q = 0;
	if (!cJSON_HasObjectItem(o, "qty"))
		return OMS_OK;
	if (oms_json_int(o, "qty", q) != OMS_OK || *q < 1 || *q > OMS_QTY_MAX)
		return oms_reject("qty must be a whole number from 1 to %d",
		    OMS_QTY_MAX);
	return OMS_OK;
}

static int
return_of(oms_db *db, const cJSON *rec, int64_t *rid)
{
	const char *ref = oms_json_str(rec, "return");

	if (ref == NULL)
		return oms_reject("no return (name it r_N, by its tracking "
		    "number or the channel's return number)");
	return oms_return_find(db, ref, rid);
}

static int
receipt(oms_db *db, const cJSON *rec, int64_t rid, const char *key,
    cJSON **out)
{
	struct oms_receipt r = { .return_id = rid }, *rs;
	const cJSON *lines = cJSON_GetObjectItemCaseSensitive(rec, "lines"), *l;
	char (*k)[600];
	int rc = OMS_OK, i = 0, n;

	r.location = oms_json_str(rec, "location");
	r.tracking = oms_json_str(rec, "tracking");
	if (!cJSON_IsArray(lines) || cJSON_GetArraySize(lines) == 0) {
		r.key = key;
		return oms_return_receive(db, &r, out);
	}
	if ((n = cJSON_GetArraySize(lines)) > 1000)
		return oms_reject("%d lines: a receipt has at most 1000", n);
	rs = ecalloc(n, sizeof *rs);
	k = ecalloc(n, sizeof *k);
	cJSON_ArrayForEach(l, lines) {
		rs[i] = r;
		if ((rc = line_by(db, rid, l, &rs[i].line_no)) != OMS_OK ||
		    (rc = qty_of(l, &rs[i].qty)) != OMS_OK)
			break;
		if (rs[i].line_no == 0) {
			rc = oms_reject("lines[%d] names no line_no, sku or "
			    "line_id", i);
			break;
		}
		if (key != NULL) {
			snprintf(k[i], sizeof k[i], "%.500s:%d", key, i);
			rs[i].key = k[i];
		}
		i++;
	}
	if (rc == OMS_OK)
		rc = oms_return_receive_lines(db, rs, n, out);
	free(rs);
	free(k);
	return rc;
}

static int
inspection(oms_db *db, const cJSON *rec, int64_t rid, const char *key,
    cJSON **out)
{
	struct oms_inspection in = { .return_id = rid };
	int rc;

	if ((rc = line_by(db, rid, rec, &in.line_no)) != OMS_OK ||
	    (rc = qty_of(rec, &in.qty)) != OMS_OK)
		return rc;
	if (in.line_no == 0)
		return oms_reject("no line_no, sku or line_id: say which line "
		    "was inspected");
	in.disposition = oms_json_str(rec, "disposition");
	if (in.disposition == NULL)
		return oms_reject("no disposition");
	in.sku = oms_json_str(rec, "component");
	in.to_sku = oms_json_str(rec, "to_sku");
	in.to_location = oms_json_str(rec, "to_location");
	in.note = oms_json_str(rec, "note");
	in.key = key;
	return oms_return_inspect(db, &in, out);
}

/* What a channel's file says happened to a return it made. */
static int
history(oms_db *db, cJSON *rec, cJSON **out)
{
	const char *key = oms_json_str(rec, "key");
	const cJSON *recv = cJSON_GetObjectItemCaseSensitive(rec, "received");
	const cJSON *insp = cJSON_GetObjectItemCaseSensitive(rec,
	    "inspection"), *x;
	const cJSON *paid = cJSON_GetObjectItemCaseSensitive(rec,
	    "refunded_by_channel");
	char k[600];
	int64_t rid;
	int rc, i = 0;

	if (oms_return_find(db, oms_json_str(*out, "id"), &rid) != OMS_OK)
		return OMS_ERR;
	if (cJSON_IsObject(recv) || cJSON_IsTrue(recv)) {
		cJSON *r = cJSON_IsObject(recv) ? cJSON_Duplicate(recv, 1) :
		    cJSON_CreateObject();

		snprintf(k, sizeof k, "%.500s:received", key ? key : "");
		cJSON_Delete(*out);
		*out = NULL;
		rc = receipt(db, r, rid, key ? k : NULL, out);
		cJSON_Delete(r);
		if (rc != OMS_OK)
			return rc;
	}
	cJSON_ArrayForEach(x, insp) {
		snprintf(k, sizeof k, "%.500s:inspected:%d", key ? key : "",
		    i++);
		cJSON_Delete(*out);
		*out = NULL;
		if ((rc = inspection(db, x, rid, key ? k : NULL, out)) !=
		    OMS_OK)
			return rc;
	}
	if (cJSON_IsObject(paid)) {
		cJSON *f = NULL, *rf = cJSON_Duplicate(paid, 1);
		int64_t oid;

		snprintf(k, sizeof k, "%.500s:refund", key ? key : "");
		if ((rc = oms_order_find(db, oms_json_str(*out, "order"),
		    &oid)) == OMS_OK)
			rc = oms_refund_store(db, oid, rid, k, "channel", rf,
			    &f);
		cJSON_Delete(rf);
		cJSON_Delete(f);
		if (rc != OMS_OK)
			return rc;
	}
	if (recv != NULL || insp != NULL) {
		cJSON_Delete(*out);
		if ((*out = oms_return_record(db, rid)) == NULL)
			return OMS_ERR;
	}
	return OMS_OK;
}

/* The order line a channel's line names, by line_id else sku. */
static int
order_line_of(oms_db *db, int64_t oid, const cJSON *l, int *line_no,
    int64_t *unsent)
{
	static const char sql[] =
	    "SELECT line_no, qty - cancelled - max(shipped, fulfilled) FROM "
	    "order_lines WHERE order_id = ?1 AND ((CAST(?2 AS TEXT) IS NOT "
	    "NULL AND line_id "
	    "= ?2) OR (CAST(?2 AS TEXT) IS NULL AND sku = ?3)) ORDER BY "
	    "line_no";
	const char *lid = oms_json_str(l, "line_id");
	const char *sku = oms_json_str(l, "sku");
	oms_stmt *st;
	int rc;

	*line_no = 0;
	*unsent = 0;
	if (lid == NULL && sku == NULL)
		return oms_reject("a line names no line_id or sku");
	if ((st = oms_db_query(db, sql, "Iss", oid, lid, sku)) == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		*line_no = oms_col_int(st, 0);
		*unsent = oms_col_int64(st, 1);
	}
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("order o_%lld has no line %s '%s'",
		    (long long)oid, lid ? "with line_id" : "of SKU",
		    lid ? lid : sku);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read order lines");
	return OMS_OK;
}

static int
exponent_of(oms_db *db, int64_t oid, char cur[8])
{
	static const char sql[] = "SELECT currency FROM orders WHERE id = ?";
	oms_stmt *st = oms_db_query(db, sql, "I", oid);
	int e = 2;

	*cur = '\0';
	if (st == NULL)
		return e;
	if (oms_step(st) == OMS_ROW) {
		snprintf(cur, 8, "%s", oms_col_text(st, 0));
		if ((e = oms_currency_exponent(cur)) < 0)
			e = 2;
	}
	oms_reset(st);
	return e;
}

static int64_t
money(const cJSON *o, const char *key, int e)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char buf[64];
	int64_t x = 0;

	if (cJSON_IsString(v))
		(void)oms_money_parse(v->valuestring, e, &x);
	else if (cJSON_IsNumber(v)) {
		snprintf(buf, sizeof buf, "%.*f", e, v->valuedouble);
		(void)oms_money_parse(buf, e, &x);
	}
	return x;
}

static void
put_money(cJSON *o, const char *key, int64_t v, int e)
{
	char buf[OMS_MONEY_BUFSZ];

	cJSON_AddStringToObject(o, key, oms_money_format(v, e, buf,
	    sizeof buf));
}

/*
 * What the channel says it paid back (refunded_by_channel), as a refund
 * record of our lines: each line's subtotal and tax, and the rest of the
 * total as shipping.  lines: the record's lines, for the units.
 */
static int
channel_refund(oms_db *db, int64_t oid, const cJSON *paid,
    const cJSON *lines, cJSON **out)
{
	const cJSON *pl, *l;
	cJSON *r = cJSON_CreateObject(), *rl;
	char cur[8];
	int e = exponent_of(db, oid, cur), rc, line_no;
	int64_t items = 0, tax = 0, total, unsent;
	const char *pc = oms_json_str(paid, "currency");

	*out = NULL;
	if (pc != NULL && strcmp(pc, cur) != 0) {
		cJSON_Delete(r);
		return oms_reject("the channel refunded in %s, the order is in "
		    "%s", pc, cur);
	}
	cJSON_AddStringToObject(r, "currency", cur);
	rl = cJSON_AddArrayToObject(r, "lines");
	cJSON_ArrayForEach(pl, cJSON_GetObjectItemCaseSensitive(paid,
	    "lines")) {
		cJSON *x = cJSON_CreateObject();
		int64_t it = money(pl, "subtotal", e), tx = money(pl,
		    "total_tax", e), q = 0;

		if ((rc = order_line_of(db, oid, pl, &line_no, &unsent)) !=
		    OMS_OK) {
			cJSON_Delete(x);
			cJSON_Delete(r);
			return rc;
		}
		cJSON_ArrayForEach(l, lines) {
			const char *a = oms_json_str(l, "line_id");
			const char *b = oms_json_str(pl, "line_id");
			int64_t n;

			if (a != NULL && b != NULL && strcmp(a, b) == 0 &&
			    oms_json_int(l, "qty", &n) == OMS_OK)
				q += n;
		}
		if (oms_json_int(pl, "qty", &unsent) == OMS_OK && q == 0)
			q = unsent;
		cJSON_AddNumberToObject(x, "order_line", line_no);
		cJSON_AddNumberToObject(x, "qty", (double)q);
		put_money(x, "item", it, e);
		put_money(x, "tax", tx, e);
		put_money(x, "fee", 0, e);
		put_money(x, "amount", it + tx, e);
		cJSON_AddItemToArray(rl, x);
		items += it;
		tax += tx;
	}
	total = cJSON_HasObjectItem(paid, "total") ? money(paid, "total", e) :
	    items + tax;
	if (cJSON_GetArraySize(rl) == 0 && cJSON_GetArraySize(lines) > 0) {
		/*
		 * The channel gave the money alone: the lines are what our
		 * rules make of the units, and the difference is shipping
		 * (paid back beyond them) or a fee (kept back).
		 */
		cJSON *units = cJSON_CreateArray(), *order, *pol, *c = NULL;

		cJSON_ArrayForEach(l, lines) {
			cJSON *u = cJSON_CreateObject();
			int64_t q = 0;

			if (order_line_of(db, oid, l, &line_no, &unsent) !=
			    OMS_OK) {
				cJSON_Delete(u);
				continue;
			}
			(void)oms_json_int(l, "qty", &q);
			cJSON_AddNumberToObject(u, "order_line", line_no);
			cJSON_AddNumberToObject(u, "qty", (double)q);
			cJSON_AddStringToObject(u, "reason", "unknown");
			cJSON_AddItemToArray(units, u);
		}
		order = oms_order_record(db, oid);
		pol = cJSON_CreateObject();
		if (order != NULL && oms_refund_compute(order, units, pol, NULL,
		    &c) == OMS_OK) {
			cJSON_ReplaceItemInObject(r, "lines", cJSON_Duplicate(
			    cJSON_GetObjectItem(c, "lines"), 1));
			items = money(c, "items", e);
			tax = money(c, "tax", e);
		}
		cJSON_Delete(c);
		cJSON_Delete(pol);
		cJSON_Delete(order);
		cJSON_Delete(units);
	}
	total = cJSON_HasObjectItem(paid, "total") ? money(paid, "total", e) :
	    items + tax;
	put_money(r, "items", items, e);
	put_money(r, "tax", tax, e);
	put_money(r, "shipping", total > items + tax ? total - items - tax : 0,
	    e);
	put_money(r, "shipping_tax", 0, e);
	put_money(r, "fee", total < items + tax ? items + tax - total : 0, e);
	put_money(r, "total", total, e);
	if (total != items + tax) {
		char b1[OMS_MONEY_BUFSZ], b2[OMS_MONEY_BUFSZ], n[200];

		snprintf(n, sizeof n, "the channel paid back %s; the lines come "
		    "to %s", oms_money_format(total, e, b1, sizeof b1),
		    oms_money_format(items + tax, e, b2, sizeof b2));
		cJSON_AddItemToObject(r, "notes", cJSON_CreateStringArray(
		    (const char *[]){ n }, 1));
	}
	*out = r;
	return OMS_OK;
}

/* The return stored under key, printed again, when there is one. */
static int
again(oms_db *db, const char *key, cJSON *arr, int *seen)
{
	static const char sql[] = "SELECT id FROM returns WHERE key = ?";
	oms_stmt *st = oms_db_query(db, sql, "t", key);
	int64_t id = 0;
	cJSON *r;
	int rc;

	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW)
		id = oms_col_int64(st, 0);
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read returns");
	if (id == 0)
		return OMS_OK;
	if ((r = oms_return_record(db, id)) == NULL)
		return OMS_ERR;
	cJSON_AddTrueToObject(r, "duplicate");
	cJSON_AddItemToArray(arr, r);
	*seen = 1;
	return OMS_OK;
}

/* Whether the record under key was applied before; arr gets its records. */
static int
applied(oms_db *db, int64_t oid, const char *key, const char *why,
    cJSON *arr, int *seen)
{
	static const char sql[] =
	    "SELECT 1 FROM cancel_requests WHERE order_id = ? AND reason = ?";
	char k[600];
	cJSON *f = NULL;
	oms_stmt *st;
	int rc;

	*seen = 0;
	if ((rc = again(db, key, arr, seen)) != OMS_OK)
		return rc;
	snprintf(k, sizeof k, "%.500s:keep", key);
	if ((rc = again(db, k, arr, seen)) != OMS_OK)
		return rc;
	snprintf(k, sizeof k, "%.500s:refund", key);
	if ((rc = oms_refund_by_key(db, k, &f)) != OMS_OK)
		return rc;
	if (f != NULL) {
		cJSON_AddTrueToObject(f, "duplicate");
		cJSON_AddItemToArray(arr, f);
		*seen = 1;
	}
	if ((st = oms_db_query(db, sql, "It", oid, why)) == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW)
		*seen = 1;
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read cancels");
	return OMS_OK;
}

/*
 * A channel's record may mix units that never shipped (cancelled at the
 * channel), units the customer keeps, and units coming back: the first
 * are cancelled here, the second are a kept return of their own (key
 * KEY:keep), the rest the return the record asks for; the money the
 * channel paid back is stored once as a refund already sent.
 */
static int
channel_return(oms_db *db, cJSON *rec, cJSON **out)
{
	const char *key = oms_json_str(rec, "key"), *ref;
	const cJSON *lines = cJSON_GetObjectItemCaseSensitive(rec, "lines"), *l;
	const cJSON *paid = cJSON_GetObjectItemCaseSensitive(rec,
	    "refunded_by_channel");
	struct oms_cancel_line cl[100];
	cJSON *keep = NULL, *ret = NULL, *rf = NULL, *f = NULL, *arr;
	int64_t oid, rid = 0, unsent;
	int rc, ncl = 0, line_no, seen;
	char k[600], why[500];

	*out = NULL;
	if ((ref = oms_json_str(rec, "order")) == NULL)
		return oms_reject("no order (a return names its order)");
	if ((rc = oms_order_find(db, ref, &oid)) != OMS_OK)
		return rc;
	if (key == NULL)
		return oms_reject("a channel's return needs its key");
	snprintf(why, sizeof why, "refunded at the channel: %.400s", key);
	arr = cJSON_CreateArray();
	if ((rc = applied(db, oid, key, why, arr, &seen)) != OMS_OK ||
	    seen) {
		if (rc != OMS_OK)
			cJSON_Delete(arr);
		else
			*out = arr;
		return rc;
	}
	cJSON_ArrayForEach(l, lines) {
		int64_t q;

		if ((rc = order_line_of(db, oid, l, &line_no, &unsent)) !=
		    OMS_OK)
			goto out;
		if (oms_json_int(l, "qty", &q) != OMS_OK || q < 1 ||
		    q > OMS_QTY_MAX) {
			rc = oms_reject("line %d: qty must be a whole number "
			    "from 1 to %d", line_no, OMS_QTY_MAX);
			goto out;
		}
		/* Units refunded that never left: cancelled at the channel. */
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(l, "cancel"))
		    || (paid != NULL && unsent >= q && !cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(l, "keep")))) {
			if (ncl == 100) {
				rc = oms_reject("more than 100 lines cancelled");
				goto out;
			}
			cl[ncl].line_no = line_no;
			cl[ncl++].qty = q;
			continue;
		}
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(l, "keep")) &&
		    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec,
		    "keep"))) {
			if (keep == NULL) {
				keep = cJSON_Duplicate(rec, 1);
				cJSON_DeleteItemFromObject(keep, "received");
				cJSON_DeleteItemFromObject(keep, "inspection");
				cJSON_DeleteItemFromObject(keep,
				    "refunded_by_channel");
				cJSON_ReplaceItemInObject(keep, "lines",
				    cJSON_CreateArray());
				snprintf(k, sizeof k, "%.500s:keep", key);
				cJSON_ReplaceItemInObject(keep, "key",
				    cJSON_CreateString(k));
				cJSON_AddTrueToObject(keep, "keep");
				if (paid != NULL)
					cJSON_AddTrueToObject(keep,
					    "refunded_at_channel");
			}
			cJSON_AddItemToArray(cJSON_GetObjectItem(keep, "lines"),
			    cJSON_Duplicate(l, 1));
			continue;
		}
		if (ret == NULL) {
			ret = cJSON_Duplicate(rec, 1);
			cJSON_DeleteItemFromObject(ret, "refunded_by_channel");
			if (paid != NULL)
				cJSON_AddTrueToObject(ret,
				    "refunded_at_channel");
			cJSON_ReplaceItemInObject(ret, "lines",
			    cJSON_CreateArray());
		}
		cJSON_AddItemToArray(cJSON_GetObjectItem(ret, "lines"),
		    cJSON_Duplicate(l, 1));
	}
	if (ncl > 0) {
		struct oms_cancel c = { why, "channel", cl, ncl };
		struct oms_cancel_result cr = { 0 };

		if ((rc = oms_cancel_in_tx(db, oid, &c, &cr)) != OMS_OK)
			goto out;
		if (cr.pending) {
			rc = oms_reject("o_%lld: labels of the cancelled units "
			    "must be voided first (oms-import cancel o_%lld)",
			    (long long)oid, (long long)oid);
			goto out;
		}
	}
	if (keep != NULL) {
		cJSON *o = NULL;

		if ((rc = oms_return_request(db, keep, &o)) != OMS_OK)
			goto out;
		cJSON_AddItemToArray(arr, o);
	}
	if (ret != NULL) {
		cJSON *o = NULL;

		if ((rc = oms_return_request(db, ret, &o)) != OMS_OK)
			goto out;
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o,
		    "duplicate")) && (rc = history(db, ret, &o)) != OMS_OK) {
			cJSON_Delete(o);
			goto out;
		}
		(void)oms_return_find(db, oms_json_str(o, "id"), &rid);
		cJSON_AddItemToArray(arr, o);
	}
	if (paid != NULL) {
		snprintf(k, sizeof k, "%.500s:refund", key);
		if ((rc = oms_refund_by_key(db, k, &f)) != OMS_OK)
			goto out;
		if (f == NULL) {
			if ((rc = channel_refund(db, oid, paid, lines, &rf)) !=
			    OMS_OK)
				goto out;
			rc = oms_refund_store(db, oid, rid, k, "channel", rf,
			    &f);
			if (rc != OMS_OK)
				goto out;
		} else
			cJSON_AddTrueToObject(f, "duplicate");
		cJSON_AddItemToArray(arr, f);
		f = NULL;
	}
	rc = OMS_OK;
out:
	cJSON_Delete(keep);
	cJSON_Delete(ret);
	cJSON_Delete(rf);
	cJSON_Delete(f);
	if (rc != OMS_OK)
		cJSON_Delete(arr);
	else
		*out = arr;
	return rc;
}

/* Whether rec is a channel's, with lines of more than one kind or money. */
static int
from_channel(const cJSON *rec)
{
	const cJSON *l;

	if (cJSON_HasObjectItem(rec, "refunded_by_channel"))
		return 1;
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(rec, "lines"))
		if (cJSON_HasObjectItem(l, "cancel") ||
		    cJSON_HasObjectItem(l, "keep"))
			return 1;
	return 0;
}

int
oms_return_apply(oms_db *db, cJSON *rec, cJSON **out)
{
	const char *type = oms_rec_type(rec);
	int64_t rid;
	int nested, rc;

	*out = NULL;
	if (type == NULL)
		return oms_reject("no type");
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	if (strcmp(type, "return") == 0 && from_channel(rec))
		rc = channel_return(db, rec, out);
	else if (strcmp(type, "return") == 0) {
		rc = oms_return_request(db, rec, out);
		if (rc == OMS_OK && !cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(*out, "duplicate")))
			rc = history(db, rec, out);
	} else if (strcmp(type, "receipt") == 0) {
		if ((rc = return_of(db, rec, &rid)) == OMS_OK)
			rc = receipt(db, rec, rid, oms_json_str(rec, "key"),
			    out);
	} else if (strcmp(type, "inspection") == 0) {
		if ((rc = return_of(db, rec, &rid)) == OMS_OK)
			rc = inspection(db, rec, rid, oms_json_str(rec, "key"),
			    out);
	} else
		rc = oms_reject("a record of type '%s' is not for oms-return "
		    "(it reads return, receipt and inspection)", type);
	rc = oms_db_write_end(db, nested, rc);
	if (rc != OMS_OK) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}
