/*
 * oms.h: the core every part of the oms toolkit shares: errors, buffers,
 * the database (db.h), records, money and time.  Each area has its own
 * header (import.h, order.h, route.h, ship.h, stock.h, cli.h).
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
#include <cjson/cJSON.h>

#include "db.h"

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
	OMS_BUSY = -2,		/* busy past the timeout */
	OMS_EOF = -3,		/* end of input */
	OMS_REJECT = -4,	/* the record was refused; see oms_error() */
	OMS_SLOW = -5,		/* a jq program outran the patience asked */
	OMS_WAIT = -6		/* a row is held: commit, then wait (db.h) */
};

/*
 * The kind of the last failure: what callers decide on (never the words
 * of the message).  oms_fail returns the status that goes with the kind:
 * OMS_BUSY for busy, OMS_REJECT for a record, OMS_ERR for the rest.
 */
enum {
	OMS_E_OTHER = 0,	/* I/O, memory, anything else */
	OMS_E_DB,		/* the database failed */
	OMS_E_BUSY,		/* the database was busy past the timeout */
	OMS_E_INPUT,		/* a line of input that cannot be read */
	OMS_E_RECORD,		/* a record refused */
	OMS_E_ADAPTER,		/* a channel adapter or feed is broken */
	OMS_E_CARRIER,		/* an adapter (carrier, tax, payment) failed */
	OMS_E_USAGE		/* the command line */
};

/* util.c */
extern const char *oms_progname;
void oms_setprogname(const char *argv0);
const char *oms_error(void);
int oms_errkind(void);
const char *oms_errfile(void);
long oms_errline(void);
const char *oms_errreason(void);
int oms_fail(int kind, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int oms_fail_at(int kind, const char *file, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int oms_seterr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct oms_errsave {
	int kind;
	long line;
	size_t reason;
	char file[4096];	/* PATH_MAX */
	char msg[1024];
};
void oms_err_save(struct oms_errsave *e);
int oms_err_restore(const struct oms_errsave *e);
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
void oms_std_fds(void);
const char *oms_sharedir(void);
int oms_valid_name(const char *s);
int oms_valid_account(const char *s);
int oms_env_number(const char *name, long lo, long hi, const char *unit,
    long *out);
int oms_write_file(const char *path, const void *data, size_t len);
int oms_write_file_nosync(const char *path, const void *data, size_t len);
int oms_sync_files(const char *dir, const cJSON *paths);
int oms_append_open(const char *path, FILE **out);
int oms_dir_check(const char *dir);
void efshut(void);
int oms_all_digits(const char *s);
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
int oms_slurp(FILE *fp, struct oms_buf *b);
int oms_read_file(const char *path, const char *what, struct oms_buf *b);

/* utf8.c */
int oms_utf8_valid(const char *s, size_t n);
/* Re-encode Windows-1252 text as UTF-8 into b (appending). */
void oms_cp1252_to_utf8(struct oms_buf *b, const char *s, size_t n);
void oms_utf8_repair(struct oms_buf *b, const char *s, size_t n);
uint64_t oms_hash64(const void *p, size_t n, uint64_t h);
#define OMS_HASH_INIT 1469598103934665603ULL

/* batch.c: many records in one short transaction, echoed after commit */
struct oms_batch {
	oms_db *db;
	size_t max;		/* records per transaction at most */
	long ms;		/* and milliseconds */
	int in_tx;
	int rows;		/* its writes lock their rows (db.h) */
	struct timespec start;
	/* echoes waiting for the commit: a record, or its line printed */
	struct oms_echo { cJSON *rec; char *text; } *pend;
	size_t n, cap;
};
void oms_batch_init(struct oms_batch *b, oms_db *db, size_t max, long ms);
int oms_batch_open(struct oms_batch *b);
void oms_batch_add(struct oms_batch *b, cJSON *echo);
void oms_batch_add_text(struct oms_batch *b, char *line);
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
void oms_rec_init(struct oms_rec_reader *r, FILE *fp, const char *name);
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
int oms_rec_write_text(FILE *fp, const char *text);
int oms_rec_wide(const cJSON *rec);
int oms_rec_print_buf(struct oms_buf *b, const cJSON *rec);
void oms_buf_json_string(struct oms_buf *b, const char *s);
void oms_buf_json_int(struct oms_buf *b, int64_t v);
void oms_buf_json_number(struct oms_buf *b, double d);
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
int oms_money_json(const cJSON *v, int exponent, int64_t *out);
void oms_money_json_add(cJSON *obj, const char *key, int64_t v, int exponent);
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
int oms_duration_parse(const char *s, int64_t *out);

/* utf8.c */
void oms_html_decode(struct oms_buf *b, const char *s);

/* jqx.c: jq programs over records, bounded in time and memory */
struct oms_jq;
int oms_jq_limits(void);
int oms_jq_compile(const char *prog, struct oms_jq **out);
int oms_jq_run(struct oms_jq *q, const cJSON *in, long patience,
    cJSON **out);
int oms_jq_first(struct oms_jq **qs, int n, const char *in, size_t len,
    long patience, int *truth, int *ran);
void oms_jq_free(struct oms_jq *q);
#define OMS_JQ_PATIENCE 50	/* ms a program may run under the lock */

/* jsonnum.c: integers wider than a double, kept as their digits */
size_t oms_json_widen(const char *s, size_t n, struct oms_buf *out);
cJSON *oms_json_parse(const char *s, size_t n, const char **stop,
    const char **err);
int oms_json_id(const cJSON *v, char *buf, size_t n, const char **text);
/* jsonprint.c: cJSON_PrintUnformatted's text, byte for byte, faster */
char *oms_json_print(const cJSON *v);
int oms_json_print_buf(struct oms_buf *b, const cJSON *v);

/* JSON paths, and the search path of data files (adapter.c) */
const cJSON *oms_json_path(const cJSON *node, const char *path);
const char *oms_json_text(const cJSON *v, char *buf, size_t n);
int oms_search_path(char ***dirs);
void oms_search_path_free(char **dirs, int n);
int oms_search_read(const char *rel, char **text, char **path);

#endif
