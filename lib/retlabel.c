/*
 * retlabel.c: return labels, and the inbound parcels they carry.
 *
 * A return label is bought from a carrier adapter as an outbound one is
 * (oms-carrier(7)), with "return":true in the request: from the
 * customer (the order's ship_to) to the place the goods go back to (the
 * return's location), its reference the return, r_N.  Its request id is
 * made from the return and this database's instance, so a run that died
 * after the carrier sold the label asks again with the same id and gets
 * the same label, and a reprint is the same label drawn again, never a
 * second purchase.  As in ship.c, the carrier is called with no
 * transaction open: read, call, write the files, then one short
 * transaction that checks the return is still where it was and records
 * the label on it.
 *
 * Tracking asks the carrier of each labelled return still on its way,
 * keeps the last status on the return's record (tracking_status) with an
 * event for each new one, and moves the return: in_transit at the first
 * scan, received when delivered.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"
#include "label.h"
#include "rma.h"
#include "ship.h"
#include "tracking.h"

#define UNKNOWN_UNIT_G 500	/* a returned unit of no known weight */

/* ---- the core (rma.c) --------------------------------------------------- */

static int
core_return_move(oms_db *db, int64_t id, const char *to, const char *why)
{
	return oms_return_move(db, id, to, why);
}

/* Delivered: the units counted into the quarantine at loc, once. */
static int
core_return_receive(oms_db *db, int64_t id, const char *loc,
    const char *tracking, cJSON **rec)
{
	struct oms_receipt r = { .return_id = id, .location = loc,
		.tracking = tracking };

	return oms_return_receive(db, &r, rec);
}

static cJSON *
core_return_record(oms_db *db, int64_t id)
{
	return oms_return_record(db, id);
}

/* ---- the label ----------------------------------------------------------- */

struct ret {
	int64_t id, order_id;
	char state[16];
	char *location, *carrier, *tracking, *label;
	char *place;		/* where it comes back to: a location */
	cJSON *policy, *record, *order, *loc;
	char *channel, *external_id;
};

static void
ret_free(struct ret *r)
{
	free(r->location);
	free(r->place);
	free(r->carrier);
	free(r->tracking);
	free(r->label);
	free(r->channel);
	free(r->external_id);
	cJSON_Delete(r->policy);
	cJSON_Delete(r->record);
	cJSON_Delete(r->order);
	cJSON_Delete(r->loc);
}

static char *
col_dup(oms_stmt *st, int i)
{
	return oms_col_null(st, i) ? NULL : estrdup(oms_col_text(st, i));
}

static int
load_return(oms_db *db, int64_t id, struct ret *r)
{
	static const char sql[] =
	    "SELECT r.order_id, r.state, r.location, r.carrier, r.tracking, "
	    "r.label, r.policy, r.record, o.record, o.channel, o.external_id "
	    "FROM returns r JOIN orders o ON o.id = r.order_id WHERE r.id = ?";
	oms_stmt *st;
	int rc;

	memset(r, 0, sizeof *r);
	r->id = id;
	if ((st = oms_db_query(db, sql, "I", id)) == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		r->order_id = oms_col_int64(st, 0);
		snprintf(r->state, sizeof r->state, "%s", oms_col_text(st, 1));
		r->location = col_dup(st, 2);
		r->carrier = col_dup(st, 3);
		r->tracking = col_dup(st, 4);
		r->label = col_dup(st, 5);
		r->policy = cJSON_Parse(oms_col_str(st, 6));
		r->record = cJSON_Parse(oms_col_str(st, 7));
		r->order = cJSON_Parse(oms_col_str(st, 8));
		r->channel = estrdup(oms_col_str(st, 9));
		r->external_id = estrdup(oms_col_str(st, 10));
	}
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("no return r_%lld", (long long)id);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read a return");
	return OMS_OK;
}

/*
 * Where the goods go back to: the return's location (the place a
 * quarantine stands in, when it names one), else the place that shipped
 * the order last.  Its record in r->loc.
 */
static int
load_place(oms_db *db, struct ret *r)
{
	static const char sql_shipped[] =
	    "SELECT location FROM shipments WHERE order_id = ? "
	    "AND status <> 'voided' ORDER BY id DESC LIMIT 1";
	static const char sql_loc[] =
	    "SELECT coalesce(q.record, l.record), coalesce(q.id, l.id) "
	    "FROM locations l LEFT JOIN locations q ON q.id = l.quarantine_of "
	    "WHERE l.id = ?";
	oms_stmt *st;
	int rc;

	if (r->location == NULL) {
		if ((st = oms_db_query(db, sql_shipped, "I", r->order_id)) ==
		    NULL)
			return OMS_ERR;
		if ((rc = oms_step(st)) == OMS_ROW)
			r->location = estrdup(oms_col_text(st, 0));
		oms_reset(st);
		if (rc == OMS_DONE)
			return oms_reject("return r_%lld has no location to "
			    "come back to, and order o_%lld never shipped",
			    (long long)r->id, (long long)r->order_id);
		if (rc != OMS_ROW)
			return oms_db_fail(db, rc, "cannot read the shipments");
	}
	if ((st = oms_db_query(db, sql_loc, "s", r->location)) == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		r->loc = cJSON_Parse(oms_col_text(st, 0));
		r->place = estrdup(oms_col_text(st, 1));
	}
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("return r_%lld: no location '%s'",
		    (long long)r->id, r->location);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read a location");
	return OMS_OK;
}

/* A location's address, named after it when it has no name of its own. */
static cJSON *
place_address(const cJSON *loc)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(loc, "address");
	cJSON *x = cJSON_IsObject(a) ? cJSON_Duplicate(a, 1) :
	    cJSON_CreateObject();
	const char *name = oms_json_str(loc, "name");

	if (cJSON_GetObjectItemCaseSensitive(x, "name") == NULL)
		cJSON_AddStringToObject(x, "name", name ? name :
		    oms_json_str(loc, "id") ? oms_json_str(loc, "id") : "");
	return x;
}

/* The weight of the units coming back; a unit of no known weight 500 g. */
static int
return_weight(oms_db *db, int64_t id, int64_t *grams)
{
	static const char sql[] =
	    "SELECT coalesce(sum(rl.qty * CASE WHEN p.weight_g > 0 "
	    "THEN p.weight_g ELSE ?2 END), 0) FROM return_lines rl "
	    "LEFT JOIN returns r ON r.id = rl.return_id "
	    "LEFT JOIN order_lines ol ON ol.order_id = r.order_id "
	    "AND ol.line_no = rl.order_line "
	    "LEFT JOIN products p ON p.sku = coalesce(rl.sku, ol.sku) "
	    "WHERE rl.return_id = ?1";
	oms_stmt *st = oms_db_query(db, sql, "II", id,
	    (int64_t)UNKNOWN_UNIT_G);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	*grams = oms_col_int64(st, 0);
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read the return's lines");
	if (*grams <= 0)
		*grams = UNKNOWN_UNIT_G;
	return OMS_OK;
}

/* The request id: the return and this database, as ship.c makes its. */
static int
request_id(oms_db *db, int64_t id, char *out, size_t n)
{
	static const char sql[] =
	    "SELECT value FROM settings WHERE key = 'instance'";
	oms_stmt *st = oms_db_stmt(db, sql);
	uint64_t h = OMS_HASH_INIT;
	char buf[32];
	int rc;

	if (st == NULL)
		return OMS_ERR;
	snprintf(buf, sizeof buf, "r%lld;", (long long)id);
	h = oms_hash64(buf, strlen(buf), h);
	if ((rc = oms_step(st)) == OMS_ROW)
		h = oms_hash64(oms_col_text(st, 0), strlen(oms_col_text(st, 0)),
		    h);
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the settings");
	snprintf(out, n, "oms-ret-%016llx", (unsigned long long)h);
	return OMS_OK;
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

/* A number another return or a shipment has is the adapter's error. */
static int
tracking_taken(oms_db *db, const char *carrier, int64_t id, const char *num)
{
	static const char sql[] =
	    "SELECT 1 FROM returns WHERE tracking = ?1 AND id <> ?2 "
	    "UNION ALL SELECT 1 FROM shipments WHERE tracking = ?1 LIMIT 1";
	oms_stmt *st = oms_db_query(db, sql, "sI", num, id);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	oms_reset(st);
	if (rc == OMS_ROW)
		return oms_fail(OMS_E_CARRIER, "carrier %s answered label "
		    "with tracking number %s, which another parcel has",
		    carrier, num);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the returns");
	return OMS_OK;
}

/*
 * The service for the return, and its quote: the policy's label_service
 * quoted alone, else the first (cheapest) quote for the policy's
 * label_level ("standard" when it names none).  *quote is that quote.
 */
static int
choose(const char *carrier, const cJSON *base, const cJSON *policy,
    int64_t rid, cJSON **quote)
{
	const char *svc = oms_json_str(policy, "label_service");
	const char *level = oms_json_str(policy, "label_level");
	cJSON *req = cJSON_Duplicate(base, 1), *reply = NULL;
	const cJSON *q;
	int rc;

	*quote = NULL;
	if (svc != NULL)
		cJSON_AddStringToObject(req, "service", svc);
	else
		cJSON_AddStringToObject(req, "level", level ? level :
		    "standard");
	rc = oms_carrier_call(carrier, "rate", req, &reply);
	cJSON_Delete(req);
	if (rc != OMS_OK)
		return rc;
	cJSON_ArrayForEach(q, cJSON_GetObjectItemCaseSensitive(reply,
	    "rates"))
		if (oms_json_str(q, "service") != NULL)
			break;
	if (q == NULL)
		rc = oms_reject("return r_%lld: carrier %s has no service %s%s "
		    "for it", (long long)rid, carrier, svc ? svc : "at level ",
		    svc ? "" : level ? level : "standard");
	else
		*quote = cJSON_Duplicate(q, 1);
	cJSON_Delete(reply);
	return rc;
}

static int
write_label(const char *dir, int64_t id, const char *num, const char *ext,
    const struct oms_buf *b, cJSON *files)
{
	struct oms_buf p = { 0 };
	int rc;

	oms_buf_printf(&p, "%s/r_%lld-%s.%s", dir, (long long)id, num, ext);
	if ((rc = oms_write_file(p.s, b->s, b->len)) == OMS_OK)
		cJSON_AddItemToArray(files, cJSON_CreateString(p.s));
	oms_buf_free(&p);
	return rc;
}

/*
 * The carrier's documents of return id, each under the name oms-ship
 * gives it (carrierdoc.c) after "r_ID-": all of them, or none, what was
 * written removed again when one cannot be.
 */
static int
write_docs(const char *dir, int64_t id, const char *num,
    const struct oms_cdocs *ds, cJSON *files)
{
	struct oms_buf name = { 0 }, p = { 0 };
	int rc = OMS_OK;

	for (int i = 0; i < ds->n && rc == OMS_OK; i++) {
		const struct oms_cdoc *d = &ds->d[i];
		int nth = 0;

		for (int j = 0; j <= i; j++)
			nth += strcmp(ds->d[j].type, d->type) == 0;
		oms_cdoc_name(d, num, nth, &name);
		oms_buf_reset(&p);
		oms_buf_printf(&p, "%s/r_%lld-%s", dir, (long long)id, name.s);
		if ((rc = oms_write_file(p.s, d->data.s, d->data.len)) ==
		    OMS_OK)
			cJSON_AddItemToArray(files, cJSON_CreateString(p.s));
	}
	if (rc != OMS_OK) {
		const cJSON *f;

		cJSON_ArrayForEach(f, files)
			unlink(f->valuestring);
	}
	oms_buf_free(&name);
	oms_buf_free(&p);
	return rc;
}

/* In the caller's transaction: the return still as it was read. */
static int
still(oms_db *db, const struct ret *r)
{
	static const char sql[] =
	    "SELECT state, tracking FROM returns WHERE id = ?";
	oms_stmt *st = oms_db_query(db, sql, "I", r->id);
	char state[16] = "", *tracking = NULL;
	int rc;

	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		snprintf(state, sizeof state, "%s", oms_col_text(st, 0));
		tracking = col_dup(st, 1);
	}
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read a return");
	if (strcmp(state, r->state) != 0 || (tracking == NULL) !=
	    (r->tracking == NULL) || (tracking != NULL &&
	    strcmp(tracking, r->tracking) != 0))
		rc = oms_reject("return r_%lld changed while its label was "
		    "bought: it is %s%s%s now; ask again", (long long)r->id,
		    state, tracking ? " with label " : "",
		    tracking ? tracking : "");
	else
		rc = OMS_OK;
	free(tracking);
	return rc;
}

/*
 * Whether return r may have a label now: an authorized one, or a
 * labelled one again when reprint asks.
 */
static int
may_label(const struct ret *r, const char *account, int reprint)
{
	if (strcmp(r->state, "authorized") != 0 &&
	    strcmp(r->state, "in_transit") != 0)
		return oms_reject("return r_%lld is %s, not authorized: no "
		    "label", (long long)r->id, r->state);
	if (r->tracking == NULL && strcmp(r->state, "in_transit") == 0)
		return oms_reject("return r_%lld is in transit without a label "
		    "of ours: no label", (long long)r->id);
	/* A parcel under the channel's label (a prepaid one) is not ours. */
	if (r->tracking != NULL && !cJSON_IsObject(
	    cJSON_GetObjectItemCaseSensitive(r->record, "return_label")))
		return oms_reject("return r_%lld comes back under a label of "
		    "its own, %s%s%s: no label of ours", (long long)r->id,
		    r->carrier ? r->carrier : "", r->carrier ? " " : "",
		    r->tracking);
	if (r->tracking != NULL && !reprint)
		return oms_reject("return r_%lld has a label already, %s %s: "
		    "ask for a reprint", (long long)r->id, r->carrier ?
		    r->carrier : "", r->tracking);
	if (r->tracking == NULL && reprint)
		return oms_reject("return r_%lld has no label to reprint",
		    (long long)r->id);
	if (reprint && r->carrier != NULL && account != NULL &&
	    strcmp(account, r->carrier) != 0)
		return oms_reject("return r_%lld: its label is from carrier "
		    "%s, not %s", (long long)r->id, r->carrier, account);
	return OMS_OK;
}

/*
 * The label reply checked whole: a return label, one tracking number of
 * a form that can name files, with its check digit, the one bought
 * before for a reprint, and no other parcel's.  *num points into reply.
 */
static int
check_reply(oms_db *db, const char *carrier, const struct ret *r,
    int reprint, const cJSON *reply, const char **num)
{
	const cJSON *nums;
	const char *n, *shape = NULL;

	nums = cJSON_GetObjectItemCaseSensitive(reply, "tracking_numbers");
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "return")))
		return oms_fail(OMS_E_CARRIER, "carrier %s answered a return "
		    "label without \"return\":true: it cannot make return "
		    "labels", carrier);
	if (!cJSON_IsArray(nums) || cJSON_GetArraySize(nums) != 1 ||
	    !cJSON_IsString(nums->child))
		return oms_fail(OMS_E_CARRIER, "carrier %s answered label "
		    "without one tracking number for the return's parcel",
		    carrier);
	n = nums->child->valuestring;
	if (!safe_id(n))
		return oms_fail(OMS_E_CARRIER, "carrier %s answered label with "
		    "a tracking number that is not 6-40 letters and digits",
		    carrier);
	if (!oms_tracking_valid(n, &shape) && shape != NULL)
		return oms_fail(OMS_E_CARRIER, "carrier %s answered label with "
		    "%s tracking number %s, whose check digit is wrong",
		    carrier, shape, n);
	if (reprint && strcmp(n, r->tracking) != 0)
		return oms_fail(OMS_E_CARRIER, "carrier %s answered the "
		    "reprint of return r_%lld with tracking number %s, not "
		    "%s: it sold a second label for one request id", carrier,
		    (long long)r->id, n, r->tracking);
	*num = n;
	return tracking_taken(db, carrier, r->id, n);
}

int
oms_return_label(oms_db *db, int64_t return_id, const char *account,
    const char *format, const char *dir, int reprint, cJSON **out)
{
	static const char sql_store[] =
	    "UPDATE returns SET carrier = ?2, tracking = ?3, label = ?4, "
	    "updated_at = ?5, record = json_set(record, '$.return_label', "
	    "json(?6)) WHERE id = ?1";
	struct ret r;
	cJSON *from = NULL, *to = NULL, *base = NULL, *quote = NULL;
	cJSON *reply = NULL, *req = NULL, *info = NULL, *files = NULL;
	cJSON *rec = NULL;
	const cJSON *prev;
	const char *carrier, *num = NULL, *paid_by, *svc, *sname;
	char rid[40], ref[64], date[11], now[OMS_TIME_LEN];
	struct oms_buf zpl = { 0 }, pdf = { 0 };
	struct oms_cdocs ds = { 0 };
	struct oms_label lb;
	int64_t grams;
	int rc, zp = 1, pd = 1, nested;
	char *text = NULL, *ftext = NULL;

	*out = NULL;
	memset(&r, 0, sizeof r);
	if (format != NULL && strcmp(format, "zpl") == 0)
		pd = 0;
	else if (format != NULL && strcmp(format, "pdf") == 0)
		zp = 0;
	else if (format != NULL && strcmp(format, "both") != 0)
		return oms_fail(OMS_E_USAGE, "label format '%s': say zpl, pdf "
		    "or both", format);
	if (account != NULL && !oms_valid_name(account))
		return oms_fail(OMS_E_USAGE, "'%s' is not a carrier name",
		    account);
	if (dir == NULL || *dir == '\0')
		return oms_fail(OMS_E_USAGE, "return labels need a directory "
		    "to be written in");
	if ((rc = load_return(db, return_id, &r)) != OMS_OK)
		goto out;
	if ((rc = may_label(&r, account, reprint)) != OMS_OK)
		goto out;
	carrier = account != NULL ? account : r.carrier;
	if (carrier == NULL) {
		rc = oms_fail(OMS_E_USAGE, "return labels need a carrier");
		goto out;
	}
	if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(r.order,
	    "ship_to"))) {
		rc = oms_reject("return r_%lld: order o_%lld has no ship_to "
		    "address to collect it from", (long long)r.id,
		    (long long)r.order_id);
		goto out;
	}
	if ((rc = load_place(db, &r)) != OMS_OK ||
	    (rc = return_weight(db, r.id, &grams)) != OMS_OK ||
	    (rc = request_id(db, r.id, rid, sizeof rid)) != OMS_OK)
		goto out;
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		rc = oms_seterr("cannot make the label directory '%s': %s",
		    dir, strerror(errno));
		goto out;
	}
	if ((rc = oms_dir_check(dir)) != OMS_OK)
		goto out;

	/* The carrier, with no transaction open. */
	from = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(r.order,
	    "ship_to"), 1);
	to = place_address(r.loc);
	base = cJSON_CreateObject();
	cJSON_AddStringToObject(base, "request_id", rid);
	cJSON_AddBoolToObject(base, "return", 1);
	cJSON_AddItemToObject(base, "from", cJSON_Duplicate(from, 1));
	cJSON_AddItemToObject(base, "to", cJSON_Duplicate(to, 1));
	{
		cJSON *pk = cJSON_AddArrayToObject(base, "packages");
		cJSON *p = cJSON_CreateObject();

		cJSON_AddNumberToObject(p, "weight_g", (double)grams);
		cJSON_AddItemToArray(pk, p);
	}
	/* A reprint asks for the service bought, with no new quote. */
	prev = cJSON_GetObjectItemCaseSensitive(r.record, "return_label");
	if (reprint && oms_json_str(prev, "service") != NULL) {
		quote = cJSON_CreateObject();
		cJSON_AddStringToObject(quote, "service", oms_json_str(prev,
		    "service"));
		if (oms_json_str(prev, "service_name") != NULL)
			cJSON_AddStringToObject(quote, "name",
			    oms_json_str(prev, "service_name"));
	} else if ((rc = choose(carrier, base, r.policy, r.id, &quote)) !=
	    OMS_OK)
		goto out;
	svc = oms_json_str(quote, "service");
	snprintf(ref, sizeof ref, "r_%lld", (long long)r.id);
	req = cJSON_Duplicate(base, 1);
	cJSON_AddStringToObject(req, "service", svc);
	cJSON_AddStringToObject(req, "reference", ref);
	if ((rc = oms_carrier_call(carrier, "label", req, &reply)) != OMS_OK)
		goto out;
	if ((rc = check_reply(db, carrier, &r, reprint, reply, &num)) !=
	    OMS_OK)
		goto out;

	/* The label, drawn as it was the first time. */
	oms_time_now(now);
	snprintf(date, sizeof date, "%.10s", reprint && oms_json_str(prev,
	    "at") ? oms_json_str(prev, "at") : now);
	sname = oms_json_str(reply, "name") ? oms_json_str(reply, "name") :
	    oms_json_str(quote, "name") ? oms_json_str(quote, "name") : svc;
	snprintf(ref, sizeof ref, "r_%lld / o_%lld", (long long)r.id,
	    (long long)r.order_id);
	memset(&lb, 0, sizeof lb);
	oms_label_addr(from, &lb.from);
	oms_label_addr(to, &lb.to);
	lb.carrier = oms_json_str(reply, "carrier") ? oms_json_str(reply,
	    "carrier") : carrier;
	lb.service = sname;
	lb.tracking = num;
	lb.reference = ref;
	lb.weight_g = (long)grams;
	lb.package = lb.packages = 1;
	lb.ship_date = date;
	lb.test = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply,
	    "test"));
	lb.imperial = lb.from.country != NULL &&
	    strcmp(lb.from.country, "US") == 0;
	lb.is_return = 1;
	files = cJSON_CreateArray();
	/*
	 * The carrier's own documents, when it sent any, written as sent
	 * (carrierdoc.c); else the label drawn here.
	 */
	if ((rc = oms_cdocs_read(carrier, "label", reply, 1, &ds)) != OMS_OK)
		goto out;
	if (ds.present) {
		if ((rc = write_docs(dir, r.id, num, &ds, files)) != OMS_OK)
			goto out;
	} else if ((zp && (rc = oms_label_zpl(&lb, 203, &zpl)) != OMS_OK) ||
	    (pd && (rc = oms_label_pdf(&lb, &pdf)) != OMS_OK)) {
		rc = oms_reject("return r_%lld: %s", (long long)r.id,
		    oms_error());
		goto out;
	}
	if (!ds.present && ((zp && (rc = write_label(dir, r.id, num, "zpl",
	    &zpl, files)) != OMS_OK) || (pd && (rc = write_label(dir, r.id,
	    num, "pdf", &pdf, files)) != OMS_OK)))
		goto out;

	/* What was bought, kept on the return. */
	paid_by = oms_json_str(r.policy, "label_paid_by");
	if (paid_by == NULL || strcmp(paid_by, "customer") != 0)
		paid_by = "merchant";
	info = cJSON_CreateObject();
	cJSON_AddStringToObject(info, "carrier", carrier);
	cJSON_AddStringToObject(info, "location", r.place);
	cJSON_AddStringToObject(info, "carrier_code", lb.carrier);
	cJSON_AddStringToObject(info, "service", svc);
	cJSON_AddStringToObject(info, "service_name", sname);
	cJSON_AddStringToObject(info, "tracking", num);
	cJSON_AddStringToObject(info, "request_id", rid);
	cJSON_AddStringToObject(info, "at", reprint && oms_json_str(prev,
	    "at") ? oms_json_str(prev, "at") : now);
	cJSON_AddNumberToObject(info, "weight_g", (double)grams);
	{
		int64_t td;

		if (oms_json_int(quote, "transit_days", &td) == OMS_OK &&
		    td >= 0 && td <= 60)
			cJSON_AddNumberToObject(info, "transit_days",
			    (double)td);
	}
	if (oms_json_str(quote, "price") != NULL &&
	    oms_json_str(quote, "currency") != NULL) {
		cJSON_AddStringToObject(info, "cost", oms_json_str(quote,
		    "price"));
		cJSON_AddStringToObject(info, "cost_currency",
		    oms_json_str(quote, "currency"));
	}
	cJSON_AddStringToObject(info, "paid_by", paid_by);
	cJSON_AddBoolToObject(info, "test", lb.test);
	/* A reprint keeps what was bought, as it was. */
	if (reprint && cJSON_IsObject(prev)) {
		cJSON_Delete(info);
		info = cJSON_Duplicate(prev, 1);
	}
	text = oms_json_print(info);
	ftext = oms_json_print(files);

	/* One short transaction, the return checked again. */
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		goto out;
	rc = still(db, &r);
	if (rc == OMS_OK)
		rc = oms_db_run(db, sql_store, "cannot record a return label",
		    "Isssss", r.id, carrier, num, ftext, now, text);
	if (rc == OMS_OK) {
		cJSON *ev = cJSON_CreateObject();
		char *evt;

		snprintf(ref, sizeof ref, "r_%lld", (long long)r.id);
		cJSON_AddStringToObject(ev, "return", ref);
		cJSON_AddStringToObject(ev, "carrier", carrier);
		cJSON_AddStringToObject(ev, "tracking", num);
		cJSON_AddItemToObject(ev, "files", cJSON_Duplicate(files, 1));
		if (reprint)
			cJSON_AddTrueToObject(ev, "reprint");
		evt = oms_json_print(ev);
		rc = oms_db_event(db, r.order_id, "return_label", r.label, evt);
		free(evt);
		cJSON_Delete(ev);
	}
	if ((rc = oms_db_write_end(db, nested, rc)) != OMS_OK)
		goto out;

	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "type", "return_label");
	snprintf(ref, sizeof ref, "r_%lld", (long long)r.id);
	cJSON_AddStringToObject(rec, "return", ref);
	snprintf(ref, sizeof ref, "o_%lld", (long long)r.order_id);
	cJSON_AddStringToObject(rec, "order", ref);
	cJSON_AddStringToObject(rec, "channel", r.channel);
	cJSON_AddStringToObject(rec, "external_id", r.external_id);
	for (cJSON *x = info->child; x != NULL; x = x->next)
		cJSON_AddItemToObject(rec, x->string, cJSON_Duplicate(x, 1));
	{
		const cJSON *f;

		cJSON_ArrayForEach(f, files) {
			size_t n = strlen(f->valuestring);

			const char *e = n > 4 ? f->valuestring + n - 4 : "";

			if (ds.present)
				break;	/* below */
			cJSON_AddStringToObject(rec, strcmp(e, ".zpl") == 0 ?
			    "label_zpl" : "label_pdf", f->valuestring);
		}
	}
	if (ds.present) {
		cJSON *docs = cJSON_AddArrayToObject(rec, "documents");
		const cJSON *f = files->child;

		for (int i = 0; i < ds.n && f != NULL; i++, f = f->next) {
			cJSON *d = cJSON_CreateObject();
			char key[16];

			/* The carrier's label, in the format it sent. */
			snprintf(key, sizeof key, "label_%s", ds.d[i].format);
			if (strcmp(ds.d[i].type, "label") == 0 &&
			    !cJSON_HasObjectItem(rec, key))
				cJSON_AddStringToObject(rec, key,
				    f->valuestring);

			cJSON_AddStringToObject(d, "type", ds.d[i].type);
			cJSON_AddStringToObject(d, "format", ds.d[i].format);
			cJSON_AddNumberToObject(d, "bytes",
			    (double)ds.d[i].data.len);
			cJSON_AddStringToObject(d, "file", f->valuestring);
			cJSON_AddItemToArray(docs, d);
		}
	}
	cJSON_AddBoolToObject(rec, "reprint", reprint != 0);
	*out = rec;
	rc = OMS_OK;
out:
	oms_cdocs_free(&ds);
	free(text);
	free(ftext);
	oms_buf_free(&zpl);
	oms_buf_free(&pdf);
	cJSON_Delete(from);
	cJSON_Delete(to);
	cJSON_Delete(base);
	cJSON_Delete(quote);
	cJSON_Delete(req);
	cJSON_Delete(reply);
	cJSON_Delete(info);
	cJSON_Delete(files);
	ret_free(&r);
	return rc;
}

/* ---- inbound tracking ---------------------------------------------------- */

struct inbound {
	int64_t id, order_id, transit;
	char *carrier, *tracking, *since, *last_at, *last_status, *place;
};

/* A status that says the carrier has the parcel. */
static int
scanned(const char *s)
{
	return strcmp(s, "in_transit") == 0 ||
	    strcmp(s, "out_for_delivery") == 0 ||
	    strcmp(s, "delivered") == 0 || strcmp(s, "failure") == 0;
}

/*
 * Ask about one return's parcel, then in one transaction: an event for
 * each new status, the last one kept on the return, and the moves it
 * makes.  *moved is set when the return changed state.
 */
static int
track_return(oms_db *db, const struct inbound *t, int *moved)
{
	static const char sql_state[] =
	    "SELECT state FROM returns WHERE id = ? AND tracking = ?";
	static const char sql_status[] =
	    "UPDATE returns SET updated_at = ?2, record = json_set(record, "
	    "'$.tracking_status', json(?3)) WHERE id = ?1";
	cJSON *reply = NULL, *last = NULL, *rec = NULL;
	const cJSON *e;
	char rid[128], now[OMS_TIME_LEN], state[16] = "", ref[32];
	int rc, nested, any_scan = 0, delivered = 0, fresh = 0;
	oms_stmt *st;

	*moved = 0;
	oms_time_now(now);
	snprintf(rid, sizeof rid, "track-r%lld-%s-%s", (long long)t->id,
	    t->tracking, now);
	if ((rc = oms_carrier_track(t->carrier, rid, t->tracking, t->since,
	    t->transit, &reply)) != OMS_OK)
		return rc;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		goto out;
	if ((st = oms_db_query(db, sql_state, "Is", t->id, t->tracking)) ==
	    NULL) {
		rc = oms_db_write_end(db, nested, OMS_ERR);
		goto out;
	}
	if ((rc = oms_step(st)) == OMS_ROW)
		snprintf(state, sizeof state, "%s", oms_col_text(st, 0));
	oms_reset(st);
	/* Gone from under us (cancelled, labelled again): nothing to do. */
	if (rc != OMS_ROW || (strcmp(state, "authorized") != 0 &&
	    strcmp(state, "in_transit") != 0)) {
		rc = oms_db_write_end(db, nested, rc == OMS_ROW ||
		    rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
		    "cannot read a return"));
		goto out;
	}
	rc = OMS_OK;
	snprintf(ref, sizeof ref, "r_%lld", (long long)t->id);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(reply,
	    "events")) {
		const char *status = oms_ship_status(oms_json_str(e, "status"));
		const char *desc = oms_json_str(e, "description");
		char at[OMS_TIME_LEN];
		cJSON *ev;
		char *text;

		oms_time_parse(oms_json_str(e, "at"), 0, "UTC", at);
		if (scanned(status))
			any_scan = 1;
		delivered = strcmp(status, "delivered") == 0;
		cJSON_Delete(last);
		last = cJSON_CreateObject();
		cJSON_AddStringToObject(last, "status", status);
		cJSON_AddStringToObject(last, "at", at);
		if (desc != NULL)
			cJSON_AddStringToObject(last, "description", desc);
		/* Oldest first: those after the last one kept are new. */
		if (t->last_at != NULL && (strcmp(at, t->last_at) < 0 ||
		    (strcmp(at, t->last_at) == 0 && t->last_status != NULL &&
		    strcmp(status, t->last_status) == 0)))
			continue;
		fresh++;
		ev = cJSON_Duplicate(last, 1);
		cJSON_AddStringToObject(ev, "return", ref);
		cJSON_AddStringToObject(ev, "tracking", t->tracking);
		text = oms_json_print(ev);
		cJSON_Delete(ev);
		rc = oms_db_event(db, t->order_id, "return_tracking",
		    t->last_status, text);
		free(text);
		if (rc != OMS_OK)
			break;
	}
	if (rc == OMS_OK && fresh > 0) {
		char *text = oms_json_print(last);

		rc = oms_db_run(db, sql_status, "cannot keep a return's "
		    "tracking", "Iss", t->id, now, text);
		free(text);
	}
	if (rc == OMS_OK && any_scan && strcmp(state, "authorized") == 0) {
		rc = core_return_move(db, t->id, "in_transit", NULL);
		*moved = rc == OMS_OK;
	}
	if (rc == OMS_OK && delivered) {
		rc = core_return_receive(db, t->id, t->place, t->tracking,
		    &rec);
		*moved = rc == OMS_OK;
	}
	rc = oms_db_write_end(db, nested, rc);
	if (rc != OMS_OK)
		*moved = 0;
out:
	cJSON_Delete(rec);
	cJSON_Delete(last);
	cJSON_Delete(reply);
	return rc;
}

int
oms_return_track(oms_db *db, const char *account, oms_rec_fn fn, void *arg,
    long *moved)
{
	static const char sql[] =
	    "SELECT id, order_id, carrier, tracking, coalesce(record ->> "
	    "'$.return_label.at', updated_at), coalesce(record ->> "
	    "'$.return_label.transit_days', '3'), record ->> "
	    "'$.tracking_status.at', record ->> '$.tracking_status.status', "
	    "coalesce(record ->> '$.return_label.location', location), "
	    "json_type(record, '$.return_label') IS NOT NULL "
	    "FROM returns WHERE state IN ('authorized', 'in_transit') "
	    "AND tracking IS NOT NULL AND carrier IS NOT NULL "
	    "AND (CAST(?1 AS TEXT) IS NULL OR carrier = ?1) ORDER BY id";
	struct inbound *ts = NULL;
	size_t n = 0;
	long failed = 0;
	oms_stmt *st;
	int rc, r = OMS_OK;

	*moved = 0;
	if (account != NULL && !oms_valid_name(account))
		return oms_fail(OMS_E_USAGE, "'%s' is not a carrier name",
		    account);
	if ((st = oms_db_query(db, sql, "s", account)) == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		struct inbound *t;
		char prog[PATH_MAX], where[PATH_MAX];

		/*
		 * A parcel under the channel's label is followed when its
		 * carrier has an adapter here; one of ours always is.
		 */
		if (!oms_col_int(st, 9) && (!oms_valid_name(oms_col_text(st,
		    2)) || (size_t)snprintf(prog, sizeof prog, "oms-carrier-%s",
		    oms_col_text(st, 2)) >= sizeof prog ||
		    oms_find_program(prog, where, sizeof where) != 0))
			continue;
		ts = erealloc(ts, (n + 1) * sizeof *ts);
		t = &ts[n++];
		t->id = oms_col_int64(st, 0);
		t->order_id = oms_col_int64(st, 1);
		t->carrier = estrdup(oms_col_text(st, 2));
		t->tracking = estrdup(oms_col_text(st, 3));
		t->since = estrdup(oms_col_text(st, 4));
		t->transit = oms_col_int64(st, 5);
		t->last_at = col_dup(st, 6);
		t->last_status = col_dup(st, 7);
		t->place = col_dup(st, 8);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		r = oms_db_fail(db, rc, "cannot read the returns");
	for (size_t i = 0; i < n; i++) {
		struct inbound *t = &ts[i];
		int m = 0;

		if (r == OMS_OK) {
			rc = track_return(db, t, &m);
			/* One carrier's trouble does not stop the rest. */
			if (rc != OMS_OK && (rc == OMS_BUSY ||
			    (oms_errkind() != OMS_E_CARRIER &&
			    rc != OMS_REJECT)))
				r = rc;
			else if (rc != OMS_OK) {
				oms_warnx("r_%lld: %s", (long long)t->id,
				    oms_error());
				failed++;
			} else if (m) {
				cJSON *rec = core_return_record(db, t->id);

				(*moved)++;
				if (rec != NULL && fn != NULL)
					r = fn(arg, rec);
				cJSON_Delete(rec);
			}
		}
		free(t->carrier);
		free(t->tracking);
		free(t->since);
		free(t->last_at);
		free(t->last_status);
		free(t->place);
	}
	free(ts);
	if (r == OMS_OK && failed > 0)
		r = oms_reject("%ld return%s could not be tracked", failed,
		    failed == 1 ? "" : "s");
	return r;
}
