/*
 * oms.h: the shared library of the oms toolkit.
 *
 * Every exported name starts with oms_.  Library functions return a status
 * and write through out-parameters; they do not print or exit, except the
 * e* wrappers whose names say they die.  The message for the last failure
 * is kept in one buffer, read with oms_error().
 */
#ifndef OMS_H
#define OMS_H

#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stddef.h>
#include <sqlite3.h>
#include <cjson/cJSON.h>

#define OMS_VERSION "0.1.0"

/* Exit status, one table for the whole suite (oms(7)). */
enum {
	OMS_EXIT_OK = 0,	/* all done */
	OMS_EXIT_REJECT = 1,	/* some records rejected, the rest committed */
	OMS_EXIT_USAGE = 2,	/* usage error */
	OMS_EXIT_FATAL = 3,	/* database, I/O, an adapter that failed */
	OMS_EXIT_BUSY = 4	/* database busy past the timeout: retry later */
};

/* Status codes returned by library functions. */
enum {
	OMS_OK = 0,
	OMS_ERR = -1,		/* see oms_error() */
	OMS_BUSY = -2,		/* SQLITE_BUSY past the timeout */
	OMS_EOF = -3,		/* end of input */
	OMS_REJECT = -4		/* the record was refused; see oms_error() */
};

/* util.c */
extern const char *oms_progname;
void oms_setprogname(const char *argv0);
const char *oms_error(void);
int oms_seterr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int oms_reject(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void oms_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void oms_die(int status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
int oms_exit_status(int rc);
void *emalloc(size_t n);
void *ecalloc(size_t n, size_t m);
void *erealloc(void *p, size_t n);
char *estrdup(const char *s);
char *estrndup(const char *s, size_t n);
int oms_progress_wanted(void);
long oms_ms_since(const struct timespec *t);
int oms_input_stream(FILE *fp);
int oms_input_idle(FILE *fp);
int oms_find_program(const char *prog, char *out, size_t n);
int oms_valid_name(const char *s);
int oms_valid_account(const char *s);
int oms_write_file(const char *path, const void *data, size_t len);
void efshut(void);
void oms_help_scan(int argc, char **argv);
void oms_help_set(void);
FILE *oms_usage_out(void);
void oms_usage_exit(void) __attribute__((noreturn));

/* A growable byte string, always NUL-terminated. */
struct oms_buf {
	char *s;
	size_t len, cap;
};
void oms_buf_add(struct oms_buf *b, const char *s, size_t n);
void oms_buf_adds(struct oms_buf *b, const char *s);
void oms_buf_addc(struct oms_buf *b, char c);
void oms_buf_printf(struct oms_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void oms_buf_reset(struct oms_buf *b);
void oms_buf_free(struct oms_buf *b);

/* utf8.c */
int oms_utf8_valid(const char *s, size_t n);
/* Re-encode Windows-1252 text as UTF-8 into b (appending). */
void oms_cp1252_to_utf8(struct oms_buf *b, const char *s, size_t n);
void oms_utf8_repair(struct oms_buf *b, const char *s, size_t n);
uint64_t oms_hash64(const void *p, size_t n, uint64_t h);
#define OMS_HASH_INIT 1469598103934665603ULL

/* db.c */
#define OMS_DB_CREATE 1		/* create the file when missing */
#define OMS_DB_NOMIGRATE 2	/* open only; leave the schema alone */

typedef struct oms_db oms_db;
const char *oms_db_path(const char *opt);
int oms_db_open(const char *path, int flags, oms_db **out);
void oms_db_close(oms_db *db);
sqlite3 *oms_db_handle(oms_db *db);
const char *oms_db_file(oms_db *db);
int oms_db_schema_version(void);
int oms_db_user_version(oms_db *db, int *out);
sqlite3_stmt *oms_db_stmt(oms_db *db, const char *sql);
int oms_db_step_done(oms_db *db, sqlite3_stmt *st, const char *what);
int oms_db_begin(oms_db *db);
int oms_db_commit(oms_db *db);
int oms_db_write(oms_db *db, int *nested);
int oms_db_write_end(oms_db *db, int nested, int rc);
void oms_db_rollback(oms_db *db);
int oms_db_fail(oms_db *db, int rc, const char *what);
int oms_db_exec(oms_db *db, const char *sql);
int oms_db_set_cache_mb(oms_db *db, int mb);
int oms_db_event(oms_db *db, int64_t order_id, const char *action,
    const char *before, const char *after);

/* A problem `oms check` found: kind and a sentence. */
typedef void (*oms_check_fn)(void *arg, const char *check, const char *msg);
int oms_db_check(oms_db *db, oms_check_fn fn, void *arg, int *problems);

/* batch.c: many records in one short transaction, echoed after commit */
struct oms_batch {
	oms_db *db;
	size_t max;		/* records per transaction at most */
	long ms;		/* and milliseconds */
	int in_tx;
	struct timespec start;
	cJSON **pend;		/* echoes waiting for the commit */
	size_t n, cap;
};
void oms_batch_init(struct oms_batch *b, oms_db *db, size_t max, long ms);
int oms_batch_open(struct oms_batch *b);
void oms_batch_add(struct oms_batch *b, cJSON *echo);
int oms_batch_due(const struct oms_batch *b, FILE *in);
int oms_batch_commit(struct oms_batch *b, FILE *out);
void oms_batch_free(struct oms_batch *b);

/* rec.c: JSON lines in and out */
struct oms_rec_reader {
	FILE *fp;
	const char *name;	/* file name for messages; "-" is stdin */
	long line;		/* number of the line last read */
	char *buf;
	size_t cap;
	ssize_t len;
};
int oms_rec_open(struct oms_rec_reader *r, const char *path);
void oms_rec_close(struct oms_rec_reader *r);
/*
 * Read the next record.  OMS_OK with *out set, OMS_EOF at the end,
 * OMS_ERR for a line that is not a JSON object (the message names the
 * line; the raw line stays in r->buf until the next call).  Blank lines
 * are skipped.
 */
int oms_rec_next(struct oms_rec_reader *r, cJSON **out);
int oms_rec_write(FILE *fp, const cJSON *rec);
int oms_rec_flush(FILE *fp);
cJSON *oms_rec_error(const char *program, const char *file, long line,
    const char *reason, const char *raw);
const char *oms_rec_type(const cJSON *rec);
typedef int (*oms_rec_fn)(void *arg, const cJSON *rec);
const char *oms_json_str(const cJSON *obj, const char *key);
int oms_json_int(const cJSON *obj, const char *key, int64_t *out);

/* money.c: decimal strings <-> integer minor units, never a double */
int oms_currency_exponent(const char *code);
int oms_currency_valid(const char *code);
int oms_money_parse(const char *s, int exponent, int64_t *out);
#define OMS_MONEY_DECIMAL_COMMA 1	/* ',' is the decimal mark */
#define OMS_MONEY_DECIMAL_POINT 2	/* '.' is the decimal mark */
int oms_money_parse_loose(const char *s, int exponent, int flags,
    int64_t *out, char cur[8]);
char *oms_money_format(int64_t v, int exponent, char *buf, size_t n);
#define OMS_MONEY_BUFSZ 32

/* time.c: channel date forms -> RFC 3339 UTC */
#define OMS_TIME_DMY 1		/* numeric dates are day first */
#define OMS_TIME_LEN 21		/* "2026-11-26T13:05:00Z" and NUL */
int oms_time_parse(const char *s, int flags, const char *tz, char out[OMS_TIME_LEN]);
int oms_time_parse_day(const char *s, int flags, const char *tz,
    const char *daytz, char out[OMS_TIME_LEN]);
int oms_time_to_epoch(const char *rfc3339, int64_t *out);
void oms_time_format(int64_t epoch, char out[OMS_TIME_LEN]);
void oms_time_now(char out[OMS_TIME_LEN]);
int oms_time_local(int64_t epoch, const char *tz, struct tm *out);
const char *oms_tz_from_name(const char *name);
int oms_tz_valid(const char *tz);

/* utf8.c */
void oms_html_decode(struct oms_buf *b, const char *s);

/* jqx.c: jq programs over records */
struct oms_jq;
int oms_jq_compile(const char *prog, struct oms_jq **out);
int oms_jq_run(struct oms_jq *q, const cJSON *in, cJSON **out);
int oms_jq_test(struct oms_jq *q, const cJSON *in, int *truth);
void oms_jq_free(struct oms_jq *q);

/* adapter.c: channel adapters (oms-channels(5)) */
typedef struct oms_adapter oms_adapter;
int oms_adapter_load(const char *path, oms_adapter **out);
void oms_adapter_free(oms_adapter *a);
int oms_adapters_load(oms_adapter ***out, int *n);
void oms_adapters_free(oms_adapter **list, int n);
const char *oms_adapter_name(const oms_adapter *a);
const char *oms_adapter_channel(const oms_adapter *a);
const char *oms_adapter_description(const oms_adapter *a);
const char *oms_adapter_path(const oms_adapter *a);
const cJSON *oms_json_path(const cJSON *node, const char *path);
const char *oms_json_text(const cJSON *v, char *buf, size_t n);
int oms_search_path(char ***dirs);
void oms_search_path_free(char **dirs, int n);
int oms_search_read(const char *rel, char **text, char **path);
void oms_order_reorder(cJSON *o);

/* geo.c: where an address is (oms-route(1)) */
struct oms_point {
	double lat, lon;
	const char *how;	/* "postal", "region", "country"; NULL: unknown */
};
int oms_geo_point(oms_db *db, const char *country, const char *region,
    const char *postal, struct oms_point *pt);
double oms_geo_km(double lat1, double lon1, double lat2, double lon2);
int oms_geo_load(oms_db *db, FILE *fp, const char *name, long *rows);

/* rates.c: offline rate tables, rates/NAME.json */
typedef struct oms_rates oms_rates;
struct oms_quote {
	const char *service, *label, *carrier, *currency;
	int zone, transit_days;
	int64_t billable_g, price;
};
int oms_rates_load(oms_rates **out);
void oms_rates_free(oms_rates *r);
int oms_rates_has(const oms_rates *r, const char *name);
int oms_rates_quote(const oms_rates *r, const char *level, const char *only,
    const char *from, const char *to, double km, int64_t grams,
    int64_t volume_cm3, struct oms_quote *q, int max);

/* rules.c: routing rules (oms-rules(5)) */
enum { OMS_S_FEWEST, OMS_S_PRIORITY, OMS_S_CLOSEST, OMS_S_COST,
	OMS_S_PROMISE, OMS_S_STOCK, OMS_S_CAPACITY, OMS_NSTRATEGIES };
enum { OMS_BO_BACKORDER, OMS_BO_HOLD, OMS_BO_CANCEL };
#define OMS_MAX_SHIPMENTS 5
struct oms_jq;
struct oms_rule {
	const char *name;
	const cJSON *when, *locations;	/* into the rule set's document */
	struct oms_jq *jq;
	int strategies[OMS_NSTRATEGIES], nstrategies;
	int max_shipments, backorder, cancel_after_days, partial;
	const char *min_value, *service;
};
struct oms_rules {
	int version;
	cJSON *doc;
	struct oms_rule *r;
	int n;
};
/* What a rule's conditions look at. */
struct oms_order_facts {
	const char *channel, *segment, *order_type, *country, *region;
	const char *postal, *service;
	const cJSON *tags, *record;
	int64_t priority, value;
	int exponent;
};
const char *oms_strategy_name(int s);
int oms_rules_parse(const char *text, oms_db *db, const oms_rates *rates,
    struct oms_rules **out);
void oms_rules_free(struct oms_rules *rs);
int oms_rules_current(oms_db *db, struct oms_rules **out);
int oms_rules_store(oms_db *db, const char *text, const char *source,
    int *version, int *created);
int oms_rules_history(oms_db *db, int version, oms_rec_fn fn, void *arg);
const char *oms_rules_default(void);
int oms_rule_matches(struct oms_rule *r, const struct oms_order_facts *o,
    char *why, size_t n);

/* route.c: allocation of orders to locations (oms-route(1)) */
#define OMS_ROUTE_EXPLAIN 1	/* router flags */
#define OMS_ROUTE_DRY 2
#define OMS_ROUTE_QUIET_UNCHANGED 1	/* oms_route_order flags */
struct oms_router;
int oms_router_open(oms_db *db, struct oms_rules *rules, int flags,
    struct oms_router **out);
void oms_router_close(struct oms_router *rt);
void oms_router_exclude(struct oms_router *rt, const char **ids, int n);
int oms_router_version(const struct oms_router *rt);
void oms_router_counts(const struct oms_router *rt, long out[6]);
int oms_route_order(struct oms_router *rt, int64_t id, int flags,
    cJSON **out);
int oms_route_release(struct oms_router *rt, int64_t id, const char *why);
int oms_route_reopen(struct oms_router *rt, int64_t id);
int oms_route_pending(oms_db *db, int64_t **ids, size_t *n);

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

/* carrier.c: carrier adapters, oms-carrier-NAME (oms-carrier(7)) */
int oms_carrier_call(const char *name, const char *verb, const cJSON *req,
    cJSON **reply);

/* confirm.c: shipment confirmations for channels */
int oms_confirm_write(oms_db *db, const char *channel, const char *account,
    const char *format, int dry_run, FILE *fp, long *n, cJSON **uncorrected);

/* ship.c: shipments from allocations (oms-ship(1)) */
struct oms_shipper;
int oms_shipper_open(oms_db *db, const char *carrier, const char *dir,
    const char *service, int dpi, struct oms_shipper **out);
void oms_shipper_close(struct oms_shipper *sp);
int oms_shipper_slips(struct oms_shipper *sp, const char *dir);
void oms_shipper_counts(const struct oms_shipper *sp, long *shipped,
    long *refused);
int oms_ship_order(struct oms_shipper *sp, int64_t order_id, oms_rec_fn fn,
    void *arg);
int oms_ship_pending(oms_db *db, int64_t **ids, size_t *n);
int oms_ship_strays(oms_db *db, long *voided, long *failed);
int oms_ship_track(oms_db *db, const char *carrier, oms_rec_fn fn,
    void *arg, long *failed);
const char *oms_ship_status(const char *s);
int oms_ship_void(oms_db *db, const char *ref, oms_rec_fn fn, void *arg);
int oms_ship_manifest(oms_db *db, const char *carrier, const char *date,
    oms_rec_fn fn, void *arg);

/* doc.c: printable documents as PDF */
struct oms_doc;
struct oms_doc *oms_doc_new(void);
void oms_doc_free(struct oms_doc *d);
void oms_doc_page(struct oms_doc *d);
void oms_doc_row(struct oms_doc *d, int size, int bold, int n,
    const char *const *cells, const int *x);
void oms_doc_line(struct oms_doc *d, int size, int bold, const char *text);
void oms_doc_rule(struct oms_doc *d);
void oms_doc_space(struct oms_doc *d, int pt);
void oms_doc_pdf(const struct oms_doc *d, struct oms_buf *out);

/* pick.c: waves and pick lists */
int oms_pick(oms_db *db, const char *location, int wave_size,
    const char *pdf, oms_rec_fn fn, void *arg, long *waves);

/* notify.c: messages to customers */
int oms_notify(oms_db *db, const char *maildir, const char *from,
    oms_rec_fn fn, void *arg, long *sent, long *no_email);

/* import.c: channel files to stored orders */
struct oms_import {
	oms_db *db;
	oms_adapter **adapters;	/* the candidates: --channel, or all */
	int nadapters;
	const char *tz;		/* --tz */
	const char *day_tz;	/* the merchant's: where a date has no hour */
	const char *currency;	/* --currency */
	const char *account;	/* --account: the store the files are of */
	const char *exported_at;	/* --exported-at: a time, or "mtime" */
	int dry_run, all, verbose;
	int check;		/* --check: vet the files, store nothing, no
				   database (db is NULL) */
	/* Called after each commit, for each order the batch stored. */
	int (*on_order)(void *arg, const char *json, int action);
	/* Called for each record that could not be taken. */
	void (*on_reject)(void *arg, const char *file, long line,
	    const char *reason, const char *raw);
	void (*on_note)(void *arg, const char *msg);
	/* Called for an order taken with something the user must hear of. */
	void (*on_warn)(void *arg, const char *file, long line, const char *msg);
	/* Called after the orders of a batch have gone to on_order. */
	void (*on_batch)(void *arg);
	/*
	 * Called with --check for each thing worth a look (oms-import(1)):
	 * order is the channel's number, or NULL for the file, line 0 when
	 * the file as a whole; kind is "totals", "placeholder",
	 * "repeated_line", "resaved_column", "hold" or "needs_file".
	 */
	void (*on_finding)(void *arg, const char *file, long line,
	    const char *order, const char *kind, const char *msg);
	void *arg;
	long created, updated, unchanged, stale, held, rejected;
	long checked, findings;	/* --check: orders read, findings made */
	long cancels_failed;	/* cancels left pending on their carrier */
	int refused;		/* the last failure: a file not of the channel */
};
int oms_import_stream(struct oms_import *im, FILE *fp, const char *name);

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
cJSON *oms_order_problems(const cJSON *o);
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
int oms_stock_move(oms_db *db, const cJSON *movement, cJSON **echo);
int oms_stock_levels(oms_db *db, const char *as_of, const char *sku,
    const char *location, oms_level_fn fn, void *arg);
cJSON *oms_stock_level_record(const struct oms_level *l);
int oms_stock_history(oms_db *db, const char *sku, oms_rec_fn fn, void *arg);
int oms_stock_verify(oms_db *db, oms_diff_fn fn, void *arg, long *differences);


/*
 * ats.c: available to sell, per channel and listing.  The pool of a sku
 * for a channel is on hand less reserved at the sellable locations that
 * serve the channel, less the demand of open and held orders of every
 * channel (not yet allocated); a kit's pool is the least number of kits
 * its components' pools allow.  Each listing's rules then apply in turn.
 */
struct oms_ats {
	const char *channel, *channel_sku, *sku, *currency;
	sqlite3_stmt *row;	/* the records: oms_ats_listing, oms_ats_product */
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
int oms_ats_each(oms_db *db, const char *channel, const char *sku,
    oms_ats_fn fn, void *arg);
int64_t oms_ats_apply_rules(const struct oms_ats *a, int64_t pool,
    cJSON *steps);
cJSON *oms_ats_record(const struct oms_ats *a);
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
#define OMS_FEED_FULL 1		/* every active listing, not what changed */
#define OMS_FEED_DRY_RUN 2	/* write the file, leave the cursor */
struct oms_feed_run {
	long listings, written;
	char since[OMS_TIME_LEN];	/* the cursor before, or "" */
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
int oms_shopify_inventory(oms_db *db, FILE *fp, const char *name,
    const char *location, const char *shopify_location,
    const struct oms_catalog_hooks *h, struct oms_catalog_stats *st);

#endif
