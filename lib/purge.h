/*
 * purge.h: a customer's personal data erased, for an erasure request
 * (GDPR art. 17, CCPA): names, streets, phone numbers, emails and notes
 * go from every row of their orders and from the files oms wrote for
 * them; amounts, quantities, SKUs, dates, states and ids stay, so the
 * ledger and the reports still add up.  oms(1) says what is kept.
 */
#ifndef OMS_PURGE_H
#define OMS_PURGE_H

#include "oms.h"

/* What an erased field holds instead (a string; a number becomes null). */
#define OMS_PURGE_MARK "[erased]"

struct oms_purge_opts {
	const char *labels;	/* look for TRACKING.zpl and .pdf here too */
	const char *slips;	/* s_N.pdf, as oms-ship --slips wrote them */
	const char *mail;	/* s_N-EVENT.eml, as oms-ship notify wrote */
	int dry_run;		/* roll back, and leave the files */
};

/*
 * The orders whose customer is email (compared trimmed, ASCII letters
 * in any case) in its email column or anywhere in its record, by id.
 * *ids is the caller's to free.
 */
int oms_purge_find(oms_db *db, const char *email, int64_t **ids, size_t *n);

/*
 * Erase order id's personal data in one write transaction of its own,
 * with a "purged" event, then delete its files.  *out gets the record
 * of what was done (type "purge"); *unreached counts the files that
 * could not be deleted.  email, when not NULL, is erased wherever it
 * stands in the order's text as well.
 */
int oms_purge_order(oms_db *db, int64_t id, const char *email,
    const struct oms_purge_opts *o, cJSON **out, int *unreached);

/* Whether order id was purged: a later version of it is erased too. */
int oms_purge_done(oms_db *db, int64_t id, int *done);

/*
 * Erase the personal fields of a record in place: under customer,
 * ship_to and bill_to every value but region, postal_code, country and
 * segment, and notes anywhere.  Returns how many values it changed.
 */
long oms_purge_record(cJSON *rec);

/*
 * After the purges: the write-ahead log folded into the database and
 * emptied, so old copies of the pages are gone.  *done is 0 when a
 * reader kept it from finishing.
 */
int oms_purge_checkpoint(oms_db *db, int *done);

#endif
