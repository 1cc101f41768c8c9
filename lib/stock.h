/*
 * stock.h: the catalog, the ledger, what each channel may sell, feeds.
 */
#ifndef OMS_STOCK_H
#define OMS_STOCK_H

#include "oms.h"

/*
 * stock.c: the catalog (locations, products, listings, kits) and the
 * stock ledger.  Each function that writes runs in its own BEGIN
 * IMMEDIATE transaction, or in a savepoint when the caller holds one
 * (a dry run).  OMS_REJECT means the record was refused and nothing was
 * written; the message says why.
 */
struct oms_level {
	const char *sku;
	const char *location;
	int64_t on_hand, reserved, in_transit;
};
typedef int (*oms_level_fn)(void *arg, const struct oms_level *l);
typedef int (*oms_diff_fn)(void *arg, const char *msg);
int oms_stock_apply(oms_db *db, cJSON *rec, cJSON **echo);
int oms_merchant_tz(oms_db *db, char *buf, size_t n);
int oms_stock_location(oms_db *db, cJSON *rec, cJSON **echo);
int oms_stock_product(oms_db *db, cJSON *rec, cJSON **echo);
int oms_stock_listing(oms_db *db, cJSON *rec, cJSON **echo);
int oms_stock_kit(oms_db *db, cJSON *rec, cJSON **echo);
/* echo NULL: the movement is written and not read back. */
int oms_stock_move(oms_db *db, const cJSON *movement, cJSON **echo);
/* A program's reservation of a level it read (stock.c says how). */
struct oms_reserve {
	const char *sku, *location, *ref, *key;
	int64_t qty;
	int64_t level[3];	/* on hand, reserved, in transit: as read, then after */
	int64_t id;		/* the movement's id, to write it later; 0: now */
	char at[OMS_TIME_LEN];	/* when it was made, for the later write */
};
int oms_stock_reserve(oms_db *db, struct oms_reserve *r);
int oms_stock_reserve_write(oms_db *db, const struct oms_reserve *r, int n);
int oms_stock_levels(oms_db *db, const char *as_of, const char *sku,
    const char *location, oms_level_fn fn, void *arg);
cJSON *oms_stock_level_record(const struct oms_level *l);
cJSON *oms_stock_move_record(oms_stmt *st, int c);
int oms_stock_history(oms_db *db, const char *sku, oms_rec_fn fn, void *arg);
int oms_stock_verify(oms_db *db, oms_diff_fn fn, void *arg, long *differences);
int oms_stock_verify_reserved(oms_db *db, oms_diff_fn fn, void *arg,
    long *differences);
int oms_stock_reconcile(oms_db *db, int dry_run, oms_rec_fn fn,
    oms_diff_fn refused, void *arg, long *fixed, long *failed);

/*
 * ats.c: available to sell, per channel and listing.  The pool of a sku
 * for a channel is on hand less reserved at the sellable locations that
 * serve the channel, less the demand of open and held orders of every
 * channel (not yet allocated); a kit's pool is the least number of kits
 * its components' pools allow.  Each listing's rules then apply in turn.
 */
struct oms_ats {
	const char *channel, *channel_sku, *sku, *currency;
	oms_stmt *row;	/* the records: oms_ats_listing, oms_ats_product */
	int64_t price;			/* minor units, when has_price */
	int has_price, active, kit;
	int by_channel;		/* the channel holds the stock: no quantity */
	int64_t safety_stock, percent, max_qty, end_when;
	int has_max;
	int64_t pool, available;
	int has_sent;			/* feed_state has a row */
	int64_t sent_quantity, sent_price;
	int has_sent_price;
};
typedef int (*oms_ats_fn)(void *arg, const struct oms_ats *a);
int oms_ats_channel(oms_db *db, cJSON *rec, cJSON **echo);
/*
 * What oms_ats_each's callback reads beyond the figures: the records
 * (oms_ats_listing, oms_ats_product), and what was last sent (has_sent
 * and the sent_ fields).  Not asked for, they are left empty when a
 * whole channel is read.
 */
#define OMS_ATS_RECORDS 1
#define OMS_ATS_SENT 2
int oms_ats_each(oms_db *db, const char *channel, const char *sku, int need,
    oms_ats_fn fn, void *arg);
int64_t oms_ats_apply_rules(const struct oms_ats *a, int64_t pool,
    cJSON *steps);
void oms_ats_json(const struct oms_ats *a, struct oms_buf *b);
const char *oms_ats_listing(const struct oms_ats *a);
const char *oms_ats_product(const struct oms_ats *a);
int oms_ats_explain(oms_db *db, const char *channel, const char *sku,
    oms_rec_fn fn, void *arg);

/*
 * feed.c: channel availability feeds.  A feed format is a data file,
 * feeds/NAME.json on the search path of the channel adapters, that says
 * which columns the upload file has and what fills each (oms-stock(1)).
 */
typedef struct oms_feed oms_feed;
int oms_feed_load(const char *path, oms_feed **out);
int oms_feed_find(const char *format, const char *channel, oms_feed **out);
void oms_feed_free(oms_feed *f);
const char *oms_feed_name(const oms_feed *f);
const char *oms_feed_path(const oms_feed *f);
#define OMS_FEED_FULL 1		/* every active listing, not what changed */
#define OMS_FEED_DRY_RUN 2	/* write the file, leave the cursor */
struct oms_feed_run {
	long listings, written;
	char since[OMS_TIME_LEN];	/* the cursor before, or "" */
	/*
	 * Rows left out for lacking a column the channel requires; the
	 * first such column, its value and what the channel needs (these
	 * point into the feed format: good until it is freed).
	 */
	long left_out;
	const char *left_col, *left_value, *left_what;
};
int oms_feed_write(oms_db *db, oms_feed *f, const char *channel, int flags,
    FILE *fp, struct oms_feed_run *run);

/*
 * catalog.c: the catalog as CSV (import-catalog, export-catalog) and a
 * Shopify inventory export read as stock counts.  Rows become the records
 * oms_stock_apply takes; what happens to each is told through the hooks,
 * since the library does not print.
 */
struct oms_catalog_hooks {
	/* A record stored (or found already there), once committed. */
	int (*echo)(void *arg, const cJSON *rec);
	/* A row refused: file, line, reason, the row as read. */
	void (*reject)(void *arg, const char *file, long line,
	    const char *reason, const char *raw);
	/* Something the user should know of a row that went in anyway. */
	void (*warn)(void *arg, const char *file, long line, const char *msg);
	/* A row skipped on purpose (shown under -v). */
	void (*note)(void *arg, const char *file, long line, const char *msg);
	void *arg;
};
struct oms_catalog_stats {
	long applied, duplicates, rejected, skipped, warnings;
};
int oms_catalog_import(oms_db *db, FILE *fp, const char *name,
    const struct oms_catalog_hooks *h, struct oms_catalog_stats *st);
int oms_catalog_export(oms_db *db, const char *type, FILE *out);
int oms_stock_foreign(const char *file, const char *line, char *hint,
    size_t n);
int oms_shopify_inventory(oms_db *db, FILE *fp, const char *name,
    const char *location, const char *shopify_location,
    const struct oms_catalog_hooks *h, struct oms_catalog_stats *st);

#endif
