/*
 * order.h: an order's life: its record, its states, cancels and what needs a person.
 */
#ifndef OMS_ORDER_H
#define OMS_ORDER_H

#include "oms.h"

/* The fields of an order in their canonical order (adapter.c). */
void oms_order_reorder(cJSON *o);

/* tax.c: tax for the orders that come without it (oms-adapters(7)) */
int oms_tax_wanted(const cJSON *o, const char **adapter, int *total_given);
int oms_tax_order(oms_db *db, cJSON *o, const char *name, int total_given);

/*
 * state.c: the order state machine (oms(7)).  Every status is written by
 * oms_order_status along a move of its table; oms_order_settle gives an
 * order the status its lines, allocations and shipments make (the
 * order_state view); oms_order_may says whether an action may touch it.
 */
enum { OMS_ACT_ROUTE, OMS_ACT_SHIP, OMS_ACT_CANCEL, OMS_ACT_HOLD,
	OMS_ACT_ADDRESS, OMS_ACT_LINES };
int oms_state_known(const char *status);
int oms_state_may(const char *status, int act);
int oms_state_move_ok(const char *action, const char *from, const char *to);
int oms_order_may(oms_db *db, int64_t id, int act);
int oms_order_status(oms_db *db, int64_t id, const char *action,
    const char *to, const cJSON *reasons, const cJSON *extra);
int oms_order_hold(oms_db *db, int64_t id, const char *kind,
    const cJSON *reasons, const cJSON *extra);
int oms_order_expected(oms_db *db, int64_t id, char status[32],
    char expected[32], char progress[32]);
int oms_order_settle(oms_db *db, int64_t id, const char *action,
    const cJSON *extra, char out[32]);
int oms_order_refused(oms_db *db, int64_t id, const char *why);
int oms_alloc_release(oms_db *db, int64_t id, int line_no, const char *why,
    long *released);
int oms_alloc_trim(oms_db *db, int64_t id, int line_no, const char *why);

/* status.c: what needs a person now (oms status) */
int oms_status(oms_db *db, int64_t waiting, int64_t recent, oms_rec_fn fn,
    void *arg, long *n);

/* cancel.c: cancelling orders and lines, from the channel or a person */
struct oms_cancel_line {
	int line_no;
	int64_t qty;		/* 0: every unit of the line not yet gone */
};
struct oms_cancel {
	const char *reason;	/* said in the event and kept on the request */
	const char *source;	/* "channel" or "operator" */
	const struct oms_cancel_line *lines;	/* none: the whole order */
	int nlines;
};
struct oms_cancel_result {
	int64_t request;	/* in: 0, or the pending request to carry on;
				   out: the request carried */
	int pending;		/* labels to void first, or still */
	int kept;		/* refused, and the request kept for a return */
	char status[32];	/* the order's status after */
	char note[1024];	/* why a label could not be voided */
};
int oms_order_cancel_rest(oms_db *db, int64_t id, const char *action,
    const cJSON *extra, char out[32]);
int oms_cancel_in_tx(oms_db *db, int64_t id, const struct oms_cancel *c,
    struct oms_cancel_result *r);
int oms_cancel(oms_db *db, int64_t id, const struct oms_cancel *c,
    struct oms_cancel_result *r);
int oms_cancel_pending(oms_db *db, void (*warn)(const char *msg),
    long *done, long *failed);

/* order.c: canonical orders, their checks and their storage */
struct oms_store_in {
	const char *source;	/* the adapter's name; "oms": canonical records */
	int flags;		/* OMS_STORE_* */
	const char *identity;	/* the field holding the channel's own id of
				   an order (oms-channels(5)), or NULL */
	const char *exported_at;	/* when the file was made, or NULL */
	const char *alias;	/* the field holding the key an order had
				   before its channel numbered it, or NULL */
};
struct oms_store {
	int64_t id;
	int action;		/* OMS_ORDER_CREATED, _UPDATED, _UNCHANGED,
				   _STALE */
	char status[32];	/* the stored status */
	cJSON *record;		/* with OMS_STORE_OUTPUT, when unchanged: the
				   order as printed */
	cJSON *reasons;		/* when held: why (the caller frees it) */
	int cancel_pending;	/* labels to void: oms_cancel after the commit */
	int refused;		/* what a canonical record asked was refused */
	char note[1024];	/* what the user should hear of, or "" */
};
enum { OMS_ORDER_CREATED = 1, OMS_ORDER_UPDATED, OMS_ORDER_UNCHANGED,
	OMS_ORDER_STALE };
#define OMS_STORE_MERGE 1	/* add order-level fields, keep the lines */
#define OMS_STORE_OUTPUT 2	/* fill res->record for an unchanged order */
#define OMS_NORM_PARTIAL 1	/* a merge record: fill in nothing */
#define OMS_NORM_CANONICAL 2	/* any status: a request (oms_order_store) */
int oms_order_normalize(cJSON *o, int flags);
cJSON *oms_order_problems(const cJSON *o, int totals);
cJSON *oms_order_totals_check(const cJSON *o);
int oms_order_check(oms_db *db, cJSON *o, cJSON **problems, int *changed);
int oms_order_store(oms_db *db, cJSON *o, const struct oms_store_in *in,
    struct oms_store *res);
char *oms_order_print(cJSON *o, const struct oms_store *res);
cJSON *oms_order_record(oms_db *db, int64_t id);
int oms_order_find(oms_db *db, const char *ref, int64_t *id);
int oms_order_ref(oms_db *db, const char *line, int64_t *id);
enum { OMS_LINES_ASK, OMS_LINES_CANCEL, OMS_LINES_KEEP };
int oms_order_release(oms_db *db, int64_t id, int force, int lines,
    cJSON **problems);
int64_t oms_money_field(const cJSON *obj, const char *key, int exponent);
void oms_money_set(cJSON *obj, const char *key, int64_t v, int exponent);

#endif
