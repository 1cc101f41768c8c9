/*
 * pay.h: payments taken through a payment adapter, oms-payment-NAME
 * (oms-adapters(7)), for the channels that do not handle money
 * themselves (adapters.json names the adapter of each).
 */
#ifndef OMS_PAY_H
#define OMS_PAY_H

#include "oms.h"

/*
 * What a run of payments came to: operations done (captures and
 * refunds answered), and those that failed or were refused, each said
 * through warn with the order it belongs to.
 */
struct oms_pay_run {
	void (*warn)(void *arg, const char *msg);
	oms_rec_fn fn;		/* each operation settled, or NULL */
	void *arg;
	long done, failed;
};

/* In the caller's transaction: the payment of an order stored. */
int oms_pay_authorise(oms_db *db, int64_t order_id);
/* After the commit, outside any transaction: capture what shipped. */
int oms_pay_order(oms_db *db, int64_t order_id, struct oms_pay_run *run);
/* After the commit: send refund refund_id when an adapter pays it. */
int oms_pay_refund(oms_db *db, int64_t refund_id, struct oms_pay_run *run);
/* After the commit: the refunds pending of order_id (0: all) to pay. */
int oms_pay_refunds(oms_db *db, int64_t order_id, struct oms_pay_run *run);
/* Everything outstanding: captures not done, refunds pending. */
int oms_pay_settle(oms_db *db, struct oms_pay_run *run);

#endif
