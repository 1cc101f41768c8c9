/*
 * db.c: the database API over its drivers: SQLite (db_sqlite.c), the
 * embedded default, and PostgreSQL (db_pg.c) for a database several
 * hosts share.
 *
 * Statements are prepared once and cached by the address of their SQL
 * text, so callers keep their SQL in static strings in lib/ and bind
 * every value.  The driver is chosen by the name given: a postgresql://
 * or postgres:// URL or a PostgreSQL conninfo ("service=oms", "host=...
 * dbname=...") is PostgreSQL; anything else, or "sqlite:PATH", a file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "oms.h"
#include "db_int.h"

#define DRV(db) ((db)->drv)
#define SDRV(st) ((st)->db->drv)

const char *
oms_db_path(const char *opt)
{
	const char *env;

	if (opt != NULL && *opt != '\0')
		return opt;
	env = getenv("OMS_DB");
	if (env != NULL && *env != '\0')
		return env;
	return "oms.db";
}

int
oms_db_schema_version(void)
{
	return oms_nmigrations;
}

const char *
oms_db_engine(void)
{
	return oms_sqlite_driver.version();
}

const char *
oms_db_file(oms_db *db)
{
	return db->path;
}

int
oms_db_dialect(oms_db *db)
{
	return DRV(db)->dialect;
}

/*
 * Whether the database can be written: a program about to do what the
 * database must then record (buy or void a label, send a message) asks
 * first, so a read-only file refuses it before anything is done.
 */
int
oms_db_writable(oms_db *db, const char *what)
{
	if (db->ro == NULL)
		return OMS_OK;
	return oms_fail(OMS_E_DB, "database '%s' is read-only: %s (%s)",
	    db->path, what, db->ro);
}

/* Turn a failed driver call into a status and a message. */
int
oms_db_fail(oms_db *db, int rc, const char *what)
{
	rc &= 0xff;
	if (rc == OMS_DBE_BUSY || rc == 6 /* SQLite's LOCKED */)
		return oms_fail(OMS_E_BUSY, "database '%s' is busy: another "
		    "program held it past the %d ms timeout; try again later",
		    db->path, db->timeout_ms);
	if (rc == OMS_DBE_READONLY)
		return oms_fail(OMS_E_DB, "database '%s' is read-only: %s (%s)",
		    db->path, what, db->ro != NULL ? db->ro :
		    DRV(db)->errmsg(db));
	return oms_fail(OMS_E_DB, "database '%s': %s: %s", db->path, what,
	    DRV(db)->errmsg(db));
}

int
oms_db_exec(oms_db *db, const char *sql)
{
	int rc = DRV(db)->exec(db, sql);

	if (rc != OMS_DBE_OK)
		return oms_db_fail(db, rc, "cannot run statement");
	return OMS_OK;
}

static size_t
slot_of(const struct oms_slot *t, size_t cap, const char *sql)
{
	size_t i = (size_t)(oms_hash64(&sql, sizeof sql, OMS_HASH_INIT) &
	    (cap - 1));

	while (t[i].sql != NULL && t[i].sql != sql)
		i = (i + 1) & (cap - 1);
	return i;
}

/* Keep the table at most half full: it grows, it never refuses. */
static void
cache_grow(oms_db *db)
{
	size_t cap = db->cap ? db->cap * 2 : 64;
	struct oms_slot *t = ecalloc(cap, sizeof *t);

	for (size_t i = 0; i < db->cap; i++)
		if (db->stmt[i].sql != NULL)
			t[slot_of(t, cap, db->stmt[i].sql)] = db->stmt[i];
	free(db->stmt);
	db->stmt = t;
	db->cap = cap;
}

oms_stmt *
oms_db_stmt(oms_db *db, const char *sql)
{
	oms_stmt *st;
	size_t i;
	int rc;

	if (db->cap != 0) {
		i = slot_of(db->stmt, db->cap, sql);
		if (db->stmt[i].sql != NULL) {
			st = db->stmt[i].st;
			DRV(db)->reset(st);
			DRV(db)->clear(st);
			return st;
		}
	}
	if ((rc = DRV(db)->prepare(db, sql, 1, &st)) != OMS_DBE_OK) {
		oms_db_fail(db, rc, "cannot prepare");
		return NULL;
	}
	if (2 * (db->nstmt + 1) > db->cap)
		cache_grow(db);
	i = slot_of(db->stmt, db->cap, sql);
	db->stmt[i].sql = sql;
	db->stmt[i].st = st;
	db->nstmt++;
	return st;
}

/* A format that does not fit its statement is a bug: said at once. */
static void
bind_count(oms_stmt *st, const char *sql, const char *fmt)
{
	int n = oms_bind_count(st);

	if ((int)strlen(fmt) != n)
		oms_die(OMS_EXIT_FATAL, "internal error: %zu values for the %d "
		    "parameters of \"%.60s\"", strlen(fmt), n, sql);
}

/* Bind the values fmt lists (db.h), once they are known to fit. */
static void
bind_all(oms_stmt *st, const char *sql, const char *fmt, va_list ap)
{
	const int64_t *pi;
	const double *pd;
	int64_t id;

	bind_count(st, sql, fmt);
	for (int i = 1; *fmt != '\0'; fmt++, i++)
		switch (*fmt) {
		case 'i':
			oms_bind_int(st, i, va_arg(ap, int));
			break;
		case 'I':
			oms_bind_int64(st, i, va_arg(ap, int64_t));
			break;
		case 'd':
			oms_bind_double(st, i, va_arg(ap, double));
			break;
		case 's':
			oms_bind_text(st, i, va_arg(ap, const char *));
			break;
		case 't':
			oms_bind_static(st, i, va_arg(ap, const char *));
			break;
		case 'r':
			if ((id = va_arg(ap, int64_t)) > 0)
				oms_bind_int64(st, i, id);
			break;
		case 'p':
			if ((pi = va_arg(ap, const int64_t *)) != NULL)
				oms_bind_int64(st, i, *pi);
			break;
		case 'f':
			if ((pd = va_arg(ap, const double *)) != NULL)
				oms_bind_double(st, i, *pd);
			break;
		case 'n':
			break;
		default:
			oms_die(OMS_EXIT_FATAL, "oms_db_query: bad format "
			    "character '%c'", *fmt);
		}
}

oms_stmt *
oms_db_query(oms_db *db, const char *sql, const char *fmt, ...)
{
	oms_stmt *st = oms_db_stmt(db, sql);
	va_list ap;

	if (st != NULL) {
		va_start(ap, fmt);
		bind_all(st, sql, fmt, ap);
		va_end(ap);
	}
	return st;
}

int
oms_db_run(oms_db *db, const char *sql, const char *what, const char *fmt,
    ...)
{
	oms_stmt *st = oms_db_stmt(db, sql);
	va_list ap;

	if (st == NULL)
		return OMS_ERR;
	va_start(ap, fmt);
	bind_all(st, sql, fmt, ap);
	va_end(ap);
	return oms_db_step_done(db, st, what);
}

/* Run a statement that returns no rows, and make it ready again. */
int
oms_db_step_done(oms_db *db, oms_stmt *st, const char *what)
{
	int rc = oms_step(st);

	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, what);
	return OMS_OK;
}

int
oms_db_prepare(oms_db *db, const char *sql, oms_stmt **out)
{
	int rc = DRV(db)->prepare(db, sql, 0, out);

	if (rc != OMS_DBE_OK)
		return oms_db_fail(db, rc, "cannot prepare");
	return OMS_OK;
}

int
oms_step(oms_stmt *st)
{
	return SDRV(st)->step(st);
}

void
oms_reset(oms_stmt *st)
{
	SDRV(st)->reset(st);
}

void
oms_finalize(oms_stmt *st)
{
	SDRV(st)->finalize(st);
}

int
oms_bind_count(oms_stmt *st)
{
	return SDRV(st)->nparams(st);
}

void
oms_bind_int(oms_stmt *st, int i, int v)
{
	SDRV(st)->bind_int64(st, i, v);
}

void
oms_bind_int64(oms_stmt *st, int i, int64_t v)
{
	SDRV(st)->bind_int64(st, i, v);
}

void
oms_bind_double(oms_stmt *st, int i, double v)
{
	SDRV(st)->bind_double(st, i, v);
}

void
oms_bind_null(oms_stmt *st, int i)
{
	SDRV(st)->bind_null(st, i);
}

void
oms_bind_text(oms_stmt *st, int i, const char *s)
{
	SDRV(st)->bind_text(st, i, s, -1, 0);
}

void
oms_bind_textn(oms_stmt *st, int i, const char *s, int n)
{
	SDRV(st)->bind_text(st, i, s, n, 0);
}

void
oms_bind_static(oms_stmt *st, int i, const char *s)
{
	SDRV(st)->bind_text(st, i, s, -1, 1);
}

int
oms_col_null(oms_stmt *st, int i)
{
	return SDRV(st)->col_null(st, i);
}

int
oms_col_int(oms_stmt *st, int i)
{
	return (int)SDRV(st)->col_int64(st, i);
}

int64_t
oms_col_int64(oms_stmt *st, int i)
{
	return SDRV(st)->col_int64(st, i);
}

double
oms_col_double(oms_stmt *st, int i)
{
	return SDRV(st)->col_double(st, i);
}

const char *
oms_col_text(oms_stmt *st, int i)
{
	return SDRV(st)->col_text(st, i);
}

const char *
oms_col_str(oms_stmt *st, int i)
{
	const char *s = oms_col_text(st, i);

	return s != NULL ? s : "";
}

int
oms_col_count(oms_stmt *st)
{
	return SDRV(st)->ncols(st);
}

const char *
oms_col_name(oms_stmt *st, int i)
{
	return SDRV(st)->col_name(st, i);
}

int64_t
oms_db_last_id(oms_db *db)
{
	return DRV(db)->last_id(db);
}

int
oms_db_changes(oms_db *db)
{
	return DRV(db)->changes(db);
}

int
oms_db_in_tx(oms_db *db)
{
	return DRV(db)->in_tx(db);
}

static void outq_drop(oms_db *db);

int
oms_db_begin(oms_db *db)
{
	int rc = DRV(db)->begin(db);

	db->rows = db->queued = 0;
	outq_drop(db);
	db->nested = 0;
	if (rc != OMS_DBE_OK)
		return oms_db_fail(db, rc, "cannot begin a transaction");
	return OMS_OK;
}

/*
 * Begin a write that locks the rows it reads to decide (oms_db_lock), so
 * that on an engine that locks by row it runs beside the others that do;
 * on SQLite it is oms_db_begin.
 */
int
oms_db_begin_rows(oms_db *db)
{
	int rc = DRV(db)->begin_rows != NULL ? DRV(db)->begin_rows(db) :
	    DRV(db)->begin(db);

	db->rows = DRV(db)->begin_rows != NULL && rc == OMS_DBE_OK;
	db->queued = 0;
	outq_drop(db);
	db->nested = 0;
	if (rc != OMS_DBE_OK)
		return oms_db_fail(db, rc, "cannot begin a transaction");
	return OMS_OK;
}

/*
 * Begin reading: every statement until the commit sees the database as it
 * was at the first, so that figures read apart agree with one another.
 */
int
oms_db_begin_read(oms_db *db)
{
	db->rows = db->queued = 0;
	return oms_db_exec(db, DRV(db)->begin_read);
}

/* Whether the open transaction is one of oms_db_begin_rows that locks. */
static int
row_mode(oms_db *db)
{
	return db->rows && DRV(db)->in_tx(db);
}

/*
 * Lock the rows lock's SELECT names, with the values fmt lists, until the
 * transaction ends: in a transaction of oms_db_begin_rows on an engine
 * that locks by row, and otherwise nothing (the writer holds the whole
 * database).  OMS_LOCK_WAIT waits for a row another writer holds, up to
 * the busy timeout.  OMS_LOCK_NOWAIT does not: OMS_WAIT says to end the
 * transaction (back to a savepoint, then commit what it holds) and lock
 * again waiting.  OMS_LOCK_SKIP passes over the rows another holds, and
 * OMS_WAIT says it locked none.  A writer waits only while it holds no
 * row of an earlier write: with every writer taking its rows in one
 * order, none waits on another that waits on it.
 */
int
oms_db_lock(oms_db *db, const struct oms_lock *lock, int mode,
    const char *fmt, ...)
{
	const char *sql = lock->sql[mode];
	oms_stmt *st;
	va_list ap;
	int rc, n = 0;

	if (!row_mode(db))
		return OMS_OK;
	if ((st = oms_db_stmt(db, sql)) == NULL)
		return OMS_ERR;
	va_start(ap, fmt);
	bind_all(st, sql, fmt, ap);
	va_end(ap);
	while ((rc = oms_step(st)) == OMS_ROW)
		n++;
	oms_reset(st);
	if (rc == OMS_DONE && (mode != OMS_LOCK_SKIP || n > 0))
		return OMS_OK;
	if ((mode == OMS_LOCK_NOWAIT && rc == OMS_DBE_BUSY) || rc == OMS_DONE) {
		oms_fail(OMS_E_BUSY, "a row is held by another writer");
		return OMS_WAIT;
	}
	return oms_db_fail(db, rc, "cannot lock the rows to change");
}

/*
 * The event stream's row for an event or a movement (the other 0), in
 * the transaction that made it; one that locks by row queues it for the
 * commit, so that the stream's order is the order of the commits.
 */
int
oms_db_outbox(oms_db *db, const char *at, int64_t event_id,
    int64_t movement_id)
{
	static const char sql[] =
	    "INSERT INTO outbox (at, event_id, movement_id) VALUES (?, ?, ?)";
	const char *q = sql;
	struct outq *r;

	if (row_mode(db)) {
		q = DRV(db)->outbox_queue;
		db->queued = 1;
	} else if (db->defer && db->nested == 0 && DRV(db)->in_tx(db)) {
		if (db->noutq == db->capoutq) {
			db->capoutq = db->capoutq ? db->capoutq * 2 : 256;
			db->outq = erealloc(db->outq, db->capoutq *
			    sizeof *db->outq);
		}
		r = &db->outq[db->noutq++];
		r->at = estrdup(at);
		r->event_id = event_id;
		r->movement_id = movement_id;
		return OMS_OK;
	}
	return oms_db_run(db, q, "cannot write the event stream", "trr", at,
	    event_id, movement_id);
}

static void
outq_drop(oms_db *db)
{
	for (size_t i = 0; i < db->noutq; i++)
		free(db->outq[i].at);
	db->noutq = 0;
}

#define OUTBOX_ROW "(?, ?, ?)"
#define OUTBOX_ROW4 OUTBOX_ROW ", " OUTBOX_ROW ", " OUTBOX_ROW ", " OUTBOX_ROW
#define OUTBOX_ROW16 OUTBOX_ROW4 ", " OUTBOX_ROW4 ", " OUTBOX_ROW4 ", " \
	OUTBOX_ROW4
#define OUTBOX_INSERT "INSERT INTO outbox (at, event_id, movement_id) VALUES "
static const char sql_outbox32[] = OUTBOX_INSERT OUTBOX_ROW16 ", "
    OUTBOX_ROW16;
static const char sql_outbox8[] = OUTBOX_INSERT OUTBOX_ROW4 ", " OUTBOX_ROW4;
static const char sql_outbox1[] = OUTBOX_INSERT OUTBOX_ROW;

/* Write the outbox rows kept, in their order. */
static int
outq_write(oms_db *db)
{
	struct outq *r = db->outq;
	size_t n = db->noutq;
	int rc = OMS_OK;

	while (rc == OMS_OK && n > 0) {
		int k = n >= 32 ? 32 : n >= 8 ? 8 : 1;
		oms_stmt *st = oms_db_stmt(db, k == 32 ? sql_outbox32 : k == 8 ?
		    sql_outbox8 : sql_outbox1);

		if (st == NULL) {
			rc = OMS_ERR;
			break;
		}
		for (int i = 0; i < k; i++) {
			oms_bind_static(st, 3 * i + 1, r[i].at);
			if (r[i].event_id > 0)
				oms_bind_int64(st, 3 * i + 2, r[i].event_id);
			else
				oms_bind_null(st, 3 * i + 2);
			if (r[i].movement_id > 0)
				oms_bind_int64(st, 3 * i + 3, r[i].movement_id);
			else
				oms_bind_null(st, 3 * i + 3);
		}
		rc = oms_db_step_done(db, st, "cannot write the event stream");
		r += k;
		n -= k;
	}
	outq_drop(db);
	return rc;
}

int
oms_db_outbox_defer(oms_db *db, int on)
{
	int rc = db->noutq > 0 ? outq_write(db) : OMS_OK;

	db->defer = on;
	return rc;
}

int
oms_db_commit(oms_db *db)
{
	int rc;

	if (db->noutq > 0 && (rc = outq_write(db)) != OMS_OK) {
		oms_db_undo(db);
		return rc;
	}
	rc = DRV(db)->commit != NULL ? DRV(db)->commit(db) :
	    DRV(db)->exec(db, "COMMIT");
	db->rows = db->queued = 0;

	if (rc != OMS_DBE_OK) {
		int st = oms_db_fail(db, rc, "cannot commit");

		oms_db_rollback(db);
		return st;
	}
	return OMS_OK;
}

/*
 * Begin one record's write: a BEGIN IMMEDIATE of its own, or, inside a
 * transaction the caller holds (a dry run keeps one open and rolls it
 * back at the end), a savepoint, so that a failure undoes that record
 * alone.  oms_db_write_end commits or releases when rc is OMS_OK, and
 * otherwise undoes; it returns rc, or the commit's failure.
 */
/*
 * A write nested in another runs in a savepoint.  Prepared once, not
 * parsed on each of the several a routed or shipped order makes.
 */
static const char sql_savepoint[] = "SAVEPOINT oms_write";
static const char sql_release[] = "RELEASE oms_write";

static int
write_with(oms_db *db, int *nested, int (*begin)(oms_db *))
{
	int rc;

	*nested = oms_db_in_tx(db);
	if (!*nested)
		return begin(db);
	/* Outbox rows kept go first; those of the savepoint at once. */
	if (db->noutq > 0 && (rc = outq_write(db)) != OMS_OK)
		return rc;
	if ((rc = oms_db_run(db, sql_savepoint, "cannot begin a write",
	    "")) == OMS_OK)
		db->nested++;
	return rc;
}

int
oms_db_write(oms_db *db, int *nested)
{
	return write_with(db, nested, oms_db_begin);
}

/* The same for a write that locks its rows (oms_db_begin_rows). */
int
oms_db_write_rows(oms_db *db, int *nested)
{
	return write_with(db, nested, oms_db_begin_rows);
}

int
oms_db_write_end(oms_db *db, int nested, int rc)
{
	if (nested && db->nested > 0)
		db->nested--;
	if (rc != OMS_OK) {
		if (nested)
			DRV(db)->exec(db, "ROLLBACK TO oms_write; "
			    "RELEASE oms_write");
		else
			oms_db_rollback(db);
		return rc;
	}
	if (nested)
		return oms_db_run(db, sql_release, "cannot end a write", "");
	return oms_db_commit(db);
}

/* Roll back after a failure, keeping its message and kind. */
void
oms_db_undo(oms_db *db)
{
	struct oms_errsave e;

	oms_err_save(&e);
	oms_db_rollback(db);
	oms_err_restore(&e);
}

void
oms_db_rollback(oms_db *db)
{
	outq_drop(db);
	db->nested = 0;
	db->rows = db->queued = 0;
	if (DRV(db)->in_tx(db))
		DRV(db)->exec(db, "ROLLBACK");
}

int
oms_db_set_cache_mb(oms_db *db, int mb)
{
	return DRV(db)->set_cache_mb(db, mb);
}

int
oms_db_temp_in_memory(oms_db *db)
{
	return DRV(db)->temp_in_memory != NULL ? DRV(db)->temp_in_memory(db) :
	    OMS_OK;
}

int
oms_db_data_version(oms_db *db, int64_t *out)
{
	if (DRV(db)->data_version == NULL) {
		*out = ++db->uses;
		return OMS_OK;
	}
	return DRV(db)->data_version(db, out);
}

int
oms_db_locks_rows(oms_db *db)
{
	return row_mode(db);
}

int
oms_db_ids_by_max(oms_db *db)
{
	return DRV(db)->ids_by_max;
}

int
oms_db_bulk(oms_db *db)
{
	if (DRV(db)->bulk == NULL || db->ro != NULL)
		return OMS_OK;
	return DRV(db)->bulk(db);
}

int
oms_db_user_version(oms_db *db, int *out)
{
	return DRV(db)->user_version(db, out);
}

int
oms_db_too_new(oms_db *db, int v)
{
	return oms_fail(OMS_E_DB, "database '%s' has schema version %d, newer "
	    "than this oms %s knows (%d): upgrade oms", db->path, v,
	    OMS_VERSION, oms_nmigrations);
}

/*
 * How long to wait for another writer: OMS_BUSY_TIMEOUT milliseconds,
 * else 10 s.  A value that is no number of milliseconds is said, not read
 * as 0 (which made every wait fail at once).
 */
static int
busy_timeout(int *ms)
{
	long v = 10000;
	int rc = oms_env_number("OMS_BUSY_TIMEOUT", 0, 86400000,
	    "milliseconds", &v);

	*ms = (int)v;
	return rc;
}

/* A PostgreSQL connection keyword, as a conninfo string begins. */
static int
is_conninfo(const char *s)
{
	static const char *const kw[] = { "service=", "host=", "hostaddr=",
	    "dbname=", "user=", "port=", "passfile=", NULL };

	for (int i = 0; kw[i] != NULL; i++)
		if (strncmp(s, kw[i], strlen(kw[i])) == 0)
			return 1;
	return 0;
}

/* Which driver a name means, and what to give it. */
static const struct oms_driver *
driver_for(const char *name, const char **target)
{
	*target = name;
	if (strncmp(name, "sqlite:", 7) == 0) {
		*target = name + 7;
		return &oms_sqlite_driver;
	}
	if (strncmp(name, "postgresql://", 13) == 0 ||
	    strncmp(name, "postgres://", 11) == 0 || is_conninfo(name))
		return &oms_pg_driver;
	return &oms_sqlite_driver;
}

/*
 * The name said in messages: the file, or the URL or conninfo with any
 * password left out.
 */
static char *
shown_name(const struct oms_driver *drv, const char *target)
{
	const char *p, *at, *colon, *end;
	char *s;

	if (drv != &oms_pg_driver)
		return estrdup(target);
	if ((p = strstr(target, "://")) != NULL) {
		p += 3;
		at = strchr(p, '@');
		end = p + strcspn(p, "/?");
		colon = memchr(p, ':', at != NULL && at < end ?
		    (size_t)(at - p) : 0);
		if (colon == NULL)
			return estrdup(target);
		if (asprintf(&s, "%.*s%s", (int)(colon - target), target,
		    at) < 0)
			oms_die(OMS_EXIT_FATAL, "out of memory");
		return s;
	}
	s = estrdup(target);
	if ((p = strstr(s, "password=")) != NULL) {
		char *q = (char *)p + 9;
		size_t n = strcspn(q, " \t");

		memmove(q, q + n, strlen(q + n) + 1);
	}
	return s;
}

int
oms_db_exists(const char *name)
{
	const char *target;

	if (driver_for(name, &target) != &oms_sqlite_driver)
		return 1;
	return access(target, F_OK) == 0;
}

int
oms_db_open(const char *name, int flags, oms_db **out)
{
	const struct oms_driver *drv;
	const char *target;
	oms_db *db;
	int rc, timeout;

	*out = NULL;
	if ((rc = busy_timeout(&timeout)) != OMS_OK)
		return rc;
	drv = driver_for(name, &target);
	db = ecalloc(1, sizeof *db);
	db->drv = drv;
	db->path = shown_name(drv, target);
	db->timeout_ms = timeout;
	if ((rc = drv->open(db, target, flags)) != OMS_OK) {
		oms_db_close(db);
		return rc == OMS_OK ? OMS_ERR : rc;
	}
	*out = db;
	return OMS_OK;
}

void
oms_db_close(oms_db *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->cap; i++)
		if (db->stmt[i].sql != NULL)
			DRV(db)->finalize(db->stmt[i].st);
	free(db->stmt);
	outq_drop(db);
	free(db->outq);
	if (db->h != NULL)
		DRV(db)->close(db);
	free(db->path);
	free(db);
}

int
oms_db_erasing(oms_db *db)
{
	return DRV(db)->erasing(db);
}

int
oms_db_scrub(oms_db *db, int *done)
{
	return DRV(db)->scrub(db, done);
}

int
oms_db_hold(oms_db *db, const char *name, int64_t key)
{
	return DRV(db)->hold(db, name, key);
}

int
oms_db_listen(oms_db *db)
{
	return DRV(db)->listen(db, "oms_outbox");
}

int
oms_db_notified(oms_db *db)
{
	return DRV(db)->notified(db);
}

int
oms_db_event(oms_db *db, int64_t order_id, const char *action,
    const char *before, const char *after)
{
	static const char sql[] =
	    "INSERT INTO events (at, program, order_id, action, before, after) "
	    "VALUES (?, ?, ?, ?, ?, ?)";
	char now[OMS_TIME_LEN];
	int rc;

	oms_time_now(now);
	rc = oms_db_run(db, sql, "cannot record an event", "ttrttt", now,
	    oms_progname, order_id, action, before, after);
	if (rc != OMS_OK)
		return rc;
	/* The event stream has it in the same transaction. */
	return oms_db_outbox(db, now, oms_db_last_id(db), 0);
}

/* Run one query that yields a sentence per problem. */
static int
run_check(oms_db *db, const char *name, const char *sql, oms_check_fn fn,
    void *arg, int *problems)
{
	oms_stmt *st;
	int rc;

	if ((rc = DRV(db)->prepare(db, sql, 0, &st)) != OMS_DBE_OK)
		return oms_db_fail(db, rc, name);
	while ((rc = oms_step(st)) == OMS_ROW) {
		const char *msg = oms_col_text(st, 0);

		(*problems)++;
		fn(arg, name, msg ? msg : "(null)");
	}
	oms_finalize(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, name);
	return OMS_OK;
}

int
oms_db_check(oms_db *db, oms_check_fn fn, void *arg, int *problems)
{
	int rc;

	*problems = 0;
	if ((rc = DRV(db)->check(db, fn, arg, problems)) != OMS_OK)
		return rc;
	for (int i = 0; i < oms_nchecks; i++) {
		if (!DRV(db)->check_applies(oms_checks[i].name))
			continue;
		rc = run_check(db, oms_checks[i].name, oms_checks[i].sql, fn,
		    arg, problems);
		if (rc != OMS_OK)
			return rc;
	}
	return OMS_OK;
}
