/*
 * rma.h: returns, exchanges, reships and refunds (oms-return).
 *
 * A return is r_N: units of an order's shipped lines coming back, with
 * the channel's return policy (share/oms/returns/) that applied stored
 * on it.  Its states: requested -> authorized -> in_transit -> received
 * -> inspected -> closed, and the exits declined, cancelled, expired.
 * Received units wait in the quarantine of the location that received
 * them (a location of its own, "LOC/returns", neither sellable nor
 * shipping); inspection decides each unit, and only a restock moves it
 * back into the pool, through the ledger.  Every function that writes
 * runs in its own short transaction, or in the caller's (oms_db_write).
 */
#ifndef OMS_RMA_H
#define OMS_RMA_H

#include "oms.h"

/* rma.c: the return and its states */
#define OMS_RETURN_PREFIX "r_"
int oms_return_find(oms_db *db, const char *ref, int64_t *id);
int oms_return_state_known(const char *state);
cJSON *oms_return_record(oms_db *db, int64_t id);
/* Move return id to state to along the table (an event names why). */
int oms_return_move(oms_db *db, int64_t id, const char *to, const char *why);
/* A request record (oms-records(5) "return" on input) stored, or found. */
int oms_return_request(oms_db *db, cJSON *req, cJSON **out);

struct oms_receipt {
	int64_t return_id;
	int line_no;		/* the return's line; 0: every line */
	int64_t qty;		/* 0: every unit not yet received */
	const char *location;	/* NULL: the return's own */
	const char *tracking;	/* the parcel, when known */
	const char *key;	/* NULL: made from the parcel or the line */
};
int oms_return_receive(oms_db *db, const struct oms_receipt *r, cJSON **out);
/* Several lines of one return in one receipt (one parcel): r[0] names
 * the return, the place and the parcel for them all. */
int oms_return_receive_lines(oms_db *db, const struct oms_receipt *r, int n,
    cJSON **out);

struct oms_inspection {
	int64_t return_id;
	int line_no;
	const char *sku;	/* NULL: the line's (a kit: each component) */
	int64_t qty;		/* 0: every received unit not yet inspected */
	const char *disposition;	/* restock regrade refurbish vendor
					   dispose missing wrong_item */
	const char *to_sku;	/* regrade: the SKU it becomes */
	const char *to_location;	/* restock, regrade: NULL: where it is */
	const char *note;
	const char *key;	/* NULL: one made from the rest */
};
int oms_return_inspect(oms_db *db, const struct oms_inspection *in,
    cJSON **out);

/*
 * A return, receipt or inspection record (oms-records(5)) applied; a
 * channel's record that cancels, keeps or refunded gives an array of the
 * records it made (returns, then the refund).
 */
int oms_return_apply(oms_db *db, cJSON *rec, cJSON **out);
/* A person's move: authorized, declined, cancelled, closed. */
int oms_return_decide(oms_db *db, int64_t id, const char *to,
    const char *why, cJSON **out);
/* Returns whose window ended with nothing back: expired. */
int oms_return_expire(oms_db *db, const char *now, oms_rec_fn fn, void *arg,
    long *n);
int oms_return_list(oms_db *db, const char *state, int64_t order_id,
    oms_rec_fn fn, void *arg);

/*
 * rmarefund.c: the refund a return has come to at a stage ("scan",
 * "receipt", "inspection", "keep"), stored when the policy refunds then;
 * and what a return's receipt or lapse settles (advance exchanges).  In
 * the caller's transaction.
 */
int oms_return_refund_in_tx(oms_db *db, int64_t id, const char *stage);
int oms_cancel_refund(oms_db *db, int64_t order_id, cJSON **out);
int oms_return_received_hook(oms_db *db, int64_t id, cJSON **money);
int oms_return_lapsed_hook(oms_db *db, int64_t id, cJSON **money);
/* An exchange made and its refund stored, in one transaction. */
int oms_exchange_make(oms_db *db, int64_t id, const cJSON *spec,
    cJSON **out);

/* The quarantine location of location loc, made when missing. */
int oms_quarantine(oms_db *db, const char *loc, char *out, size_t n);

/*
 * retlabel.c: return labels and inbound tracking.  oms_return_label buys
 * the label of an authorized return from carrier adapter account
 * (oms-carrier(7), "return":true; NULL: the return's own carrier on a
 * reprint), draws it into dir as format "zpl", "pdf" or "both" (NULL),
 * and keeps it on the return; a labelled return again only with reprint,
 * the same label redrawn.  *out: a "return_label" record.
 * oms_return_track asks the carriers (account's alone, unless NULL) of
 * the labelled returns on their way, and moves them: in_transit at the
 * first scan, received when delivered; fn gets each return that moved.
 */
int oms_return_label(oms_db *db, int64_t return_id, const char *account,
    const char *format, const char *dir, int reprint, cJSON **out);
int oms_return_track(oms_db *db, const char *account, oms_rec_fn fn,
    void *arg, long *moved);

/* policy.c: the return policy of a channel, as data. */
int oms_return_policy(const char *channel, cJSON **out);
int oms_return_reason(const char *reason, int *needs_note);

/*
 * refund.c: what to refund for units of an order's lines, in minor
 * units, computed from the order record alone (nothing stored).
 * units: [{"order_line":N,"qty":Q,"reason":"defective"}]; policy: the
 * policy stored on the return (restocking_fee, refund_shipping); done:
 * the refunds the order had already (records as oms_refund_list prints
 * them), or NULL.  out: a refund record without id and state.
 */
int oms_refund_compute(const cJSON *order, const cJSON *units,
    const cJSON *policy, const cJSON *done, cJSON **out);
/* The refund stored under key, or *out NULL: look before computing. */
int oms_refund_by_key(oms_db *db, const char *key, cJSON **out);
/* A refund named f_N or N. */
int oms_refund_find(oms_db *db, const char *ref, int64_t *id);
/* Mark a refund sent (pending -> sent; again: the record, duplicate). */
int oms_refund_sent(oms_db *db, int64_t id, cJSON **out);
/* Store a computed refund once under key (a second time: found). */
int oms_refund_store(oms_db *db, int64_t order_id, int64_t return_id,
    const char *key, const char *source, const cJSON *refund, cJSON **out);
int oms_refund_list(oms_db *db, int64_t order_id, const char *state,
    oms_rec_fn fn, void *arg);

/*
 * exchange.c: orders made by oms for a return or a lost parcel.  Each
 * runs in its own short transaction, or in the caller's; *out gets an
 * array of the records to print: the order made (or found again by its
 * key, with "duplicate":true), then the money records it gives rise to
 * (a refund, a charge, or the hold of an advance exchange).
 */
int oms_exchange_create(oms_db *db, int64_t return_id, const cJSON *spec,
    cJSON **out);
/* An advance exchange: the return in (lapsed 0), or its window gone. */
int oms_exchange_settle(oms_db *db, int64_t return_id, int lapsed,
    cJSON **out);
int oms_reship_create(oms_db *db, int64_t order_id, const cJSON *spec,
    cJSON **out);

/* retfile.c: channels' return files read as return records */
typedef void (*oms_retfile_reject)(void *arg, const char *file, long line,
    const char *reason, const char *raw);
int oms_return_file_read(const char *format, FILE *fp, const char *name,
    oms_rec_fn fn, oms_retfile_reject reject, void *arg);

#endif
