/*
 * status.c: what needs a person now (`oms status`).  Nothing gets stuck
 * without a word: each order that waits on someone is one record, with
 * what it waits for and since when.
 *
 *   held               on hold: its reasons, who held it, how long
 *   refused            a program refused it and it has not moved since
 *   waiting            allocated (or partly) and not shipped for longer
 *                      than the threshold
 *   unshippable        open or partly routed, with units left that no
 *                      product will fill (a line with no sku)
 *   cancel_pending     a cancel that waits on a label to be voided
 *   cancel_refused     cancelled after a parcel left: a return is the way
 *                      (listed for the recent window)
 *   stray_label        a label bought for a shipment then refused, whose
 *                      void failed: the next shipping run tries again;
 *                      or one of several bought together (a batch) whose
 *                      shipment is not committed yet: the next shipping
 *                      run ships it with that label, or voids it
 *   void_uncorrected   a parcel voided after its channel was told, whose
 *                      correction `oms-ship confirm` has not yet given
 *   late               not shipped (open, on hold, backordered, partly
 *                      allocated, allocated or partly shipped) and its
 *                      ship_by has passed; since is the ship_by
 *   backorder          backordered or partly allocated, and at least one
 *                      sku it still waits for has nothing free on hand
 *                      (on hand less reserved) and nothing in transit at
 *                      any sellable location: no stock is coming unless
 *                      someone orders it; the reason names those skus (a
 *                      kit's: its components); since: its last status
 *   tracking_exception a parcel whose carrier's last word is a failure
 *                      (delivery failed, an exception), or that it is
 *                      sent back or lost when that did not hold the
 *                      order (a held order is listed as held, with the
 *                      carrier's words, until a person releases it); not
 *                      voided, nor reshipped, of an order not cancelled;
 *                      one record a parcel, since that last word, by the
 *                      carrier
 *   awaiting_inspection a return with units received and not yet
 *                      inspected, whose first receipt is older than the
 *                      threshold (the same as waiting's, --older-than)
 *   payment_not_done   a capture or refund a payment adapter failed or
 *                      refused, or that has waited pending (its run
 *                      killed before the answer) longer than the
 *                      threshold; by the adapter (oms-ship settle asks
 *                      again for the failed and pending)
 *   feed_not_sent      a channel with active listings whose stock feed
 *                      has not been sent today (the merchant's day: the
 *                      zone of the process, which oms and oms-report set
 *                      from $OMS_TZ), or never; no order, but a channel
 *
 * The records of one kind come oldest first; a kind that is not about an
 * order (feed_not_sent) has no "order" nor "status" key.
 */
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "order.h"

struct kind {
	const char *name;
	const char *sql;	/* ?1 the time of arg; order id, status,
				   since, reason, by (and the channel, when
				   no order) */
	int channel;		/* not about an order: column 5 the channel */
	int arg;		/* ?1: 1 now, 2 the waiting cutoff, 3 the
				   recent cutoff, 0 none (PostgreSQL types
				   only the values a statement uses) */
};

/* The skus an order still waits for with no stock here nor coming. */
#define NO_STOCK(o) \
	"FROM open_demand d WHERE d.order_id = " o " AND d.qty > 0 " \
	"AND d.sku IS NOT NULL AND NOT EXISTS (SELECT 1 FROM kits k " \
	"WHERE k.sku = d.sku) AND NOT EXISTS (SELECT 1 FROM levels l " \
	"JOIN locations c ON c.id = l.location WHERE l.sku = d.sku " \
	"AND c.sellable = 1 AND l.on_hand - l.reserved + l.in_transit > 0)"

/* A parcel's last word from its carrier. */
#define LAST_WORD \
	"e.id = (SELECT x.id FROM tracking_events x WHERE x.shipment_id = " \
	"e.shipment_id AND x.tracking = e.tracking ORDER BY x.at DESC, " \
	"x.id DESC LIMIT 1)"

static const struct kind kinds[] = {
	{ "held",
	  "SELECT id, status, status_at, hold_reasons, hold_kind FROM orders "
	  "WHERE status = 'hold' ORDER BY status_at NULLS FIRST, id", 0, 0 },
	{ "refused",
	  "SELECT id, status, refusal ->> '$.at', refusal ->> '$.reason', "
	  "refusal ->> '$.program' FROM orders WHERE refusal IS NOT NULL "
	  "AND status NOT IN ('hold', 'cancelled', 'fulfilled', 'delivered') "
	  "ORDER BY refusal ->> '$.at', id", 0, 0 },
	{ "waiting",
	  "SELECT o.id, o.status, o.status_at, NULL, NULL FROM orders o "
	  "WHERE o.status IN ('allocated', 'partial', 'partly_shipped') "
	  "AND o.refusal IS NULL AND o.status_at < ?1 AND EXISTS (SELECT 1 "
	  "FROM allocations a WHERE a.order_id = o.id AND a.state = 'active') "
	  "ORDER BY o.status_at NULLS FIRST, o.id", 0, 2 },
	{ "unshippable",
	  "SELECT o.id, o.status, o.status_at, (SELECT group_concat('line ' || "
	  "l.line_no || coalesce(' (' || l.title || ')', '') || ': no sku', "
	  "'; ') FROM order_lines l WHERE l.order_id = o.id AND l.ships = 1 "
	  "AND l.sku IS NULL AND l.qty - l.cancelled > CASE WHEN l.fulfilled > "
	  "l.shipped THEN l.fulfilled ELSE l.shipped END), NULL "
	  "FROM orders o WHERE o.status IN ('open', 'backordered', 'partial', "
	  "'allocated', 'partly_shipped') AND EXISTS (SELECT 1 FROM order_lines "
	  "l WHERE l.order_id = o.id AND l.ships = 1 AND l.sku IS NULL "
	  "AND l.qty - l.cancelled > CASE WHEN l.fulfilled > l.shipped THEN "
	  "l.fulfilled ELSE l.shipped END) "
	  "ORDER BY o.status_at NULLS FIRST, o.id",
	  0, 0 },
	{ "cancel_pending",
	  "SELECT r.order_id, o.status, r.at, coalesce(r.note, "
	  "'labels to void'), r.source FROM cancel_requests r JOIN orders o "
	  "ON o.id = r.order_id WHERE r.state = 'pending' ORDER BY r.at, r.id",
	  0, 0 },
	{ "cancel_refused",
	  "SELECT r.order_id, o.status, r.at, r.note, r.source FROM "
	  "cancel_requests r JOIN orders o ON o.id = r.order_id "
	  "WHERE r.state = 'refused' AND r.at >= ?1 ORDER BY r.at, r.id",
	  0, 3 },
	{ "stray_label",
	  "SELECT s.order_id, o.status, s.at, CASE WHEN s.note IS NULL THEN "
	  "'a label bought in a batch and not yet shipped nor voided, "
	  "tracking ' || (SELECT group_concat(value, ' ') FROM json_each("
	  "s.tracking)) || ': the next shipping run ships it with that "
	  "label, or voids it' ELSE 'a label bought for nothing, "
	  "tracking ' || (SELECT group_concat(value, ' ') FROM json_each("
	  "s.tracking)) || ', could not be voided: ' || s.note END, "
	  "s.carrier FROM stray_labels s JOIN orders o ON o.id = s.order_id "
	  "ORDER BY s.at, s.request_id", 0, 0 },
	{ "void_uncorrected",
	  "SELECT s.order_id, o.status, s.voided_at, 's_' || s.id || "
	  "' (tracking ' || s.tracking || ') was voided after ' || c.channel || "
	  "' was told it shipped', c.channel FROM shipments s "
	  "JOIN confirmations c ON c.shipment_id = s.id "
	  "JOIN orders o ON o.id = s.order_id WHERE s.status = 'voided' "
	  "AND c.corrected_at IS NULL ORDER BY s.voided_at, s.id", 0, 0 },
	{ "late",
	  "SELECT id, status, ship_by, 'to ship by ' || ship_by, NULL "
	  "FROM orders WHERE ship_by IS NOT NULL AND ship_by < ?1 "
	  "AND status IN ('open', 'hold', 'backordered', 'partial', "
	  "'allocated', 'partly_shipped') ORDER BY ship_by, id", 0, 1 },
	{ "backorder",
	  "SELECT o.id, o.status, o.status_at, 'nothing free on hand nor "
	  "in transit for ' || (SELECT group_concat(sku, ', ') FROM (SELECT "
	  "DISTINCT d.sku AS sku " NO_STOCK("o.id") " ORDER BY d.sku) AS n), "
	  "NULL FROM orders o WHERE o.status IN ('backordered', 'partial') "
	  "AND EXISTS (SELECT 1 " NO_STOCK("o.id") ") "
	  "ORDER BY o.status_at NULLS FIRST, o.id", 0, 0 },
	{ "tracking_exception",
	  "SELECT s.order_id, o.status, e.at, 's_' || s.id || ' (tracking ' || "
	  "e.tracking || ') ' || CASE e.status WHEN 'failure' THEN "
	  "'failed' WHEN 'returned' THEN 'is being sent back' ELSE 'is lost' "
	  "END || coalesce(': ' || e.description, ''), s.carrier "
	  "FROM tracking_events e JOIN shipments s ON s.id = e.shipment_id "
	  "JOIN orders o ON o.id = s.order_id WHERE " LAST_WORD " "
	  "AND (e.status = 'failure' OR (e.status IN ('returned', 'lost') "
	  "AND NOT EXISTS (SELECT 1 FROM events v WHERE v.order_id = "
	  "s.order_id AND v.program = 'oms-ship' AND v.action = 'held' "
	  "AND v.at >= e.at))) "
	  "AND s.status <> 'voided' AND s.record ->> '$.reshipped' IS NULL "
	  "AND o.status <> 'cancelled' ORDER BY e.at, s.id, e.tracking", 0, 0 },
	{ "awaiting_inspection",
	  "SELECT r.order_id, o.status, min(c.at), 'r_' || r.id || ': ' || "
	  "(SELECT sum(received - inspected) || CASE WHEN sum(received - "
	  "inspected) = 1 THEN ' unit' ELSE ' units' END FROM return_lines "
	  "WHERE return_id = r.id) || ' received' || coalesce(' at ' || "
	  "r.location, '') || ', not inspected', NULL FROM returns r "
	  "JOIN orders o ON o.id = r.order_id JOIN return_receipts c "
	  "ON c.return_id = r.id WHERE EXISTS (SELECT 1 "
	  "FROM return_lines l WHERE l.return_id = r.id AND l.received > "
	  "l.inspected) GROUP BY r.id, r.order_id, o.status, r.location "
	  "HAVING min(c.at) < ?1 ORDER BY min(c.at), r.id", 0, 2 },
	{ "payment_not_done",
	  "SELECT x.order_id, o.status, x.at, x.kind || ' ' || x.key || "
	  "' of ' || x.amount || ' (minor units) ' || x.state || "
	  "coalesce(': ' || x.note, ''), 'payment ' || p.adapter FROM "
	  "payment_ops x JOIN payments p ON p.order_id = x.order_id JOIN "
	  "orders o ON o.id = x.order_id WHERE x.state IN ('failed', "
	  "'refused') OR (x.state = 'pending' AND x.at < ?1) "
	  "ORDER BY x.at, x.id", 0, 2 },
	{ "feed_not_sent",
	  "SELECT NULL, NULL, f.last_run, CASE WHEN f.last_run IS NULL THEN "
	  "'no stock feed sent yet' ELSE 'no stock feed sent today' END, "
	  "NULL, c.channel FROM (SELECT DISTINCT channel FROM listings "
	  "WHERE active = 1) AS c LEFT JOIN feed_cursors f ON f.channel = "
	  "c.channel WHERE f.last_run IS NULL OR date(f.last_run, "
	  "'localtime') <> date(?1, 'localtime') ORDER BY c.channel", 1, 1 },
};

static const char sql_order[] =
    "SELECT channel, account, external_id FROM orders WHERE id = ?";

/* The order's ref, channel, account and number, into r. */
static int
order_keys(oms_db *db, int64_t id, cJSON *r)
{
	oms_stmt *q;
	char ref[32];

	snprintf(ref, sizeof ref, "o_%lld", (long long)id);
	cJSON_AddStringToObject(r, "order", ref);
	/* A second statement while the first one steps. */
	if ((q = oms_db_stmt(db, sql_order)) == NULL)
		return OMS_ERR;
	oms_bind_int64(q, 1, id);
	if (oms_step(q) == OMS_ROW) {
		const char *acct = oms_col_text(q, 1);

		cJSON_AddStringToObject(r, "channel",
		    oms_col_text(q, 0));
		if (acct != NULL && *acct != '\0')
			cJSON_AddStringToObject(r, "account", acct);
		cJSON_AddStringToObject(r, "external_id",
		    oms_col_text(q, 2));
	}
	oms_reset(q);
	return OMS_OK;
}

/* One attention record from a row of a kind's query. */
static int
item(oms_db *db, oms_stmt *st, const struct kind *k, int64_t now,
    oms_rec_fn fn, void *arg)
{
	const char *kind = k->name;
	const char *since = oms_col_text(st, 2);
	const char *why = oms_col_text(st, 3);
	const char *who = oms_col_text(st, 4);
	cJSON *r = cJSON_CreateObject();
	int64_t t;
	int rc;

	cJSON_AddStringToObject(r, "type", "attention");
	cJSON_AddStringToObject(r, "kind", kind);
	if (k->channel)
		cJSON_AddStringToObject(r, "channel", oms_col_text(st, 5));
	else {
		if (order_keys(db, oms_col_int64(st, 0), r) != OMS_OK) {
			cJSON_Delete(r);
			return OMS_ERR;
		}
		cJSON_AddStringToObject(r, "status", oms_col_text(st, 1));
	}
	if (since != NULL) {
		cJSON_AddStringToObject(r, "since", since);
		if (oms_time_to_epoch(since, &t) == OMS_OK)
			cJSON_AddNumberToObject(r, "hours", (double)((now - t) /
			    3600));
	}
	if (strcmp(kind, "held") == 0) {
		cJSON *rs = why ? cJSON_Parse(why) : NULL;

		cJSON_AddItemToObject(r, "reasons", rs ? rs : cJSON_CreateArray());
	} else if (why != NULL)
		cJSON_AddStringToObject(r, "reason", why);
	if (who != NULL)
		cJSON_AddStringToObject(r, "by", who);
	rc = fn(arg, r);
	cJSON_Delete(r);
	return rc;
}

/*
 * Each record that needs a person, oldest first within its kind; *n
 * counts them.  now is the clock; waiting is how many seconds an order
 * may sit allocated before it is listed, recent how far back refused
 * cancellations are listed.
 */
int
oms_status(oms_db *db, int64_t waiting, int64_t recent, oms_rec_fn fn,
    void *arg, long *n)
{
	char now[OMS_TIME_LEN], cut[OMS_TIME_LEN], back[OMS_TIME_LEN];
	int64_t e;
	int rc = OMS_OK, step;

	*n = 0;
	oms_time_now(now);
	oms_time_to_epoch(now, &e);
	oms_time_format(e - waiting, cut);
	oms_time_format(e - recent, back);
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0] && rc == OMS_OK;
	    k++) {
		oms_stmt *st = oms_db_stmt(db, kinds[k].sql);

		if (st == NULL)
			return OMS_ERR;
		if (kinds[k].arg > 0)
			oms_bind_text(st, 1, kinds[k].arg == 1 ? now :
			    kinds[k].arg == 2 ? cut : back);
		while ((step = oms_step(st)) == OMS_ROW) {
			if ((rc = item(db, st, &kinds[k], e, fn, arg)) !=
			    OMS_OK)
				break;
			(*n)++;
		}
		oms_reset(st);
		if (rc == OMS_OK && step != OMS_DONE)
			rc = oms_db_fail(db, step, "cannot read the orders");
	}
	return rc;
}
