/*
 * db.h: the database, and the only way lib/ and cmd/ reach it.
 *
 * A statement is prepared once and cached by the address of its SQL text,
 * so callers keep their SQL in static strings and bind every value.  The
 * SQL is one text for SQLite and PostgreSQL wherever the two agree:
 * positional parameters (? or ?N), standard types; on PostgreSQL the few
 * SQLite functions lib/ uses come with the schema (schema_pg.c).  Nothing
 * outside the drivers (db_sqlite.c, db_pg.c) names the engine: a
 * statement is an oms_stmt, a row is read with the oms_col_* getters, and
 * oms_step says OMS_ROW, OMS_DONE, or fails with a status for
 * oms_db_fail.
 */
#ifndef OMS_DB_H
#define OMS_DB_H

#include <stdint.h>

#define OMS_DB_CREATE 1		/* create the file when missing */
#define OMS_DB_NOMIGRATE 2	/* open only; leave the schema alone */
#define OMS_DB_READONLY 4	/* read only: no migration, no writes */

/* What oms_step returns besides a failure (the engine's own codes). */
#define OMS_ROW 100
#define OMS_DONE 101

typedef struct oms_db oms_db;
typedef struct oms_stmt oms_stmt;

const char *oms_db_path(const char *opt);
int oms_db_open(const char *path, int flags, oms_db **out);
int oms_db_exists(const char *name);	/* a server's database: always */
void oms_db_close(oms_db *db);
const char *oms_db_file(oms_db *db);
int oms_db_writable(oms_db *db, const char *what);
const char *oms_db_engine(void);

/*
 * The engine's dialect, for the rare statement whose text cannot be the
 * same on both: keep the two texts as static strings and pick one.
 */
#define OMS_DIALECT_SQLITE 0
#define OMS_DIALECT_PG 1
int oms_db_dialect(oms_db *db);
int oms_db_schema_version(void);
int oms_db_user_version(oms_db *db, int *out);

/*
 * Statements.  oms_db_stmt gives the cached statement for sql, reset and
 * with no values bound.  oms_db_query also binds the values that fmt
 * lists, one character each:
 *
 *	i int		I int64_t	d double
 *	s const char *, copied (NULL binds NULL)
 *	t const char *, not copied: it must live until the statement is reset
 *	r int64_t, a row id: NULL when 0 or less
 *	p const int64_t *, f const double *: NULL binds NULL (a value that
 *	  may be absent)
 *	n NULL, and takes no argument
 *
 * oms_db_run binds, runs a statement that returns no rows, resets it and
 * returns a status; "what" names the work for the message.
 */
oms_stmt *oms_db_stmt(oms_db *db, const char *sql);
oms_stmt *oms_db_query(oms_db *db, const char *sql, const char *fmt, ...);
int oms_db_run(oms_db *db, const char *sql, const char *what,
    const char *fmt, ...);
int oms_db_step_done(oms_db *db, oms_stmt *st, const char *what);
/* A statement of text made at run time: oms_finalize it after use. */
int oms_db_prepare(oms_db *db, const char *sql, oms_stmt **out);

int oms_step(oms_stmt *st);
void oms_reset(oms_stmt *st);
void oms_finalize(oms_stmt *st);
int oms_bind_count(oms_stmt *st);
void oms_bind_int(oms_stmt *st, int i, int v);
void oms_bind_int64(oms_stmt *st, int i, int64_t v);
void oms_bind_double(oms_stmt *st, int i, double v);
void oms_bind_null(oms_stmt *st, int i);
void oms_bind_text(oms_stmt *st, int i, const char *s);	/* NULL: NULL */
void oms_bind_textn(oms_stmt *st, int i, const char *s, int n);
void oms_bind_static(oms_stmt *st, int i, const char *s);
int oms_col_null(oms_stmt *st, int i);
int oms_col_int(oms_stmt *st, int i);
int64_t oms_col_int64(oms_stmt *st, int i);
double oms_col_double(oms_stmt *st, int i);
const char *oms_col_text(oms_stmt *st, int i);
const char *oms_col_str(oms_stmt *st, int i);	/* "" for NULL */
/* The columns of a row: after the first oms_step. */
int oms_col_count(oms_stmt *st);
const char *oms_col_name(oms_stmt *st, int i);

/* The row id the last INSERT made, and the rows the last change touched. */
int64_t oms_db_last_id(oms_db *db);
int oms_db_changes(oms_db *db);

/* Transactions: short, and one writer at a time. */
int oms_db_begin(oms_db *db);
int oms_db_begin_read(oms_db *db);	/* one snapshot, until the commit */
int oms_db_commit(oms_db *db);
int oms_db_in_tx(oms_db *db);
int oms_db_write(oms_db *db, int *nested);
int oms_db_write_end(oms_db *db, int nested, int rc);
/*
 * Writes that lock their rows (db.c): a lock is a SELECT of the rows, as
 * OMS_LOCK("SELECT ... ORDER BY ...") makes it, taken in the order every
 * writer takes them.
 */
enum { OMS_LOCK_WAIT, OMS_LOCK_NOWAIT, OMS_LOCK_SKIP };
struct oms_lock {
	const char *sql[3];	/* by mode */
};
#define OMS_LOCK(sel) { { "/* pg */ " sel " FOR NO KEY UPDATE", \
	"/* pg */ " sel " FOR NO KEY UPDATE NOWAIT", \
	"/* pg */ " sel " FOR NO KEY UPDATE SKIP LOCKED" } }
int oms_db_begin_rows(oms_db *db);
int oms_db_write_rows(oms_db *db, int *nested);
int oms_db_lock(oms_db *db, const struct oms_lock *lock, int mode,
    const char *fmt, ...);
int oms_db_outbox(oms_db *db, const char *at, int64_t event_id,
    int64_t movement_id);
/*
 * Outbox rows kept until the commit, and written then many to a
 * statement, in their order (on an engine that locks by row they wait
 * in the driver's queue anyway).  Only for a program whose writes are
 * undone whole or not at all: a savepoint of oms_db_write writes what
 * waits first and its own rows at once, but one the caller takes does
 * not take back rows kept, so the caller turns this off around it (off
 * writes what waits).
 */
int oms_db_outbox_defer(oms_db *db, int on);
void oms_db_rollback(oms_db *db);
void oms_db_undo(oms_db *db);	/* rollback, the failure kept */
int oms_db_fail(oms_db *db, int rc, const char *what);
int oms_db_exec(oms_db *db, const char *sql);
int oms_db_set_cache_mb(oms_db *db, int mb);
/*
 * Temporary storage in memory: a statement's undo (SQLite's statement
 * journal, which a statement that writes many rows inside a transaction
 * keeps, and spills to a file past 64 KiB, a write a page), sorts and
 * temporary tables.  For a program whose statements each write a bounded
 * number of rows, not one that builds big temporary tables.
 */
int oms_db_temp_in_memory(oms_db *db);
/*
 * For a cache of what seldom changes (the catalog, for a run): a number
 * that moves when another connection has committed since it was last
 * read (SQLite's data_version; inside a transaction, as of its start).
 * An engine that cannot say gives a new number every call, so a cache
 * checked this way lasts one use there.
 */
int oms_db_data_version(oms_db *db, int64_t *out);
/*
 * Whether the open transaction locks by row (oms_db_begin_rows on an
 * engine that does): there, a statement that fails, a lock not granted
 * at once included, spoils the transaction unless a savepoint undoes it.
 */
int oms_db_locks_rows(oms_db *db);
/*
 * Whether a writer may give new rows their ids itself, the largest id of
 * the table plus one and on: on SQLite, where a row inserted without an
 * id gets just that and no other writer inserts until the commit; not
 * where ids come from sequences others draw on (PostgreSQL).
 */
int oms_db_ids_by_max(oms_db *db);
/* A long run of write transactions follows (an import): OMS_OK, or a
 * status with the message set; the writes work the same either way. */
int oms_db_bulk(oms_db *db);
int oms_db_event(oms_db *db, int64_t order_id, const char *action,
    const char *before, const char *after);

/*
 * A lock on (name, key), held until the process ends, so a kill -9 frees
 * it: SQLite locks byte key of the file DB-name beside the database,
 * PostgreSQL takes a session advisory lock.  OMS_E_BUSY when another
 * process holds it (the caller says what that means).
 */
int oms_db_hold(oms_db *db, const char *name, int64_t key);
/*
 * On PostgreSQL, the socket that becomes readable when a commit writes
 * to the event outbox, and whether that happened since the last call;
 * -1 on SQLite, which watches its files instead.
 */
int oms_db_listen(oms_db *db);
int oms_db_notified(oms_db *db);

/*
 * oms migrate: every row of from into to, a new database at the same
 * schema, in one transaction; fn hears each table's count.
 */
typedef void (*oms_copy_fn)(void *arg, const char *table, int64_t rows);
int oms_db_copy(oms_db *from, oms_db *to, oms_copy_fn fn, void *arg);

/*
 * Erasing personal data: oms_db_erasing before, so the space it frees is
 * zeroed (SQLite's secure_delete), and oms_db_scrub after, so no old copy
 * stays in the write-ahead log (SQLite) or in dead rows (PostgreSQL's
 * VACUUM); *done is 0 when readers kept the log from being emptied.
 */
int oms_db_erasing(oms_db *db);
int oms_db_scrub(oms_db *db, int *done);

/* A problem `oms check` found: kind and a sentence. */
typedef void (*oms_check_fn)(void *arg, const char *check, const char *msg);
int oms_db_check(oms_db *db, oms_check_fn fn, void *arg, int *problems);

#endif
