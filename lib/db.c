/*
 * db.c: open the one SQLite file, migrate it, and keep writes short.
 *
 * Statements are prepared once and cached by the address of their SQL
 * text, so callers keep their SQL in static strings in lib/ and bind
 * every value.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oms.h"
#include "db_int.h"

#define NSTMT 128

struct oms_db {
	sqlite3 *h;
	char *path;
	int timeout_ms;
	int nstmt;
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} stmt[NSTMT];
};

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

sqlite3 *
oms_db_handle(oms_db *db)
{
	return db->h;
}

const char *
oms_db_file(oms_db *db)
{
	return db->path;
}

static int
is_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* Turn a failed SQLite call into a status and a message. */
int
oms_db_fail(oms_db *db, int rc, const char *what)
{
	if (is_busy(rc)) {
		oms_seterr("database '%s' is busy: another program held it "
		    "past the %d ms timeout; try again later",
		    db->path, db->timeout_ms);
		return OMS_BUSY;
	}
	oms_seterr("database '%s': %s: %s", db->path, what,
	    sqlite3_errmsg(db->h));
	return OMS_ERR;
}

int
oms_db_exec(oms_db *db, const char *sql)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return oms_db_fail(db, rc, "cannot run statement");
	return OMS_OK;
}

sqlite3_stmt *
oms_db_stmt(oms_db *db, const char *sql)
{
	sqlite3_stmt *st;
	int i;

	for (i = 0; i < db->nstmt; i++)
		if (db->stmt[i].sql == sql) {
			st = db->stmt[i].st;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return st;
		}
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st, NULL) != SQLITE_OK) {
		oms_db_fail(db, sqlite3_errcode(db->h), "cannot prepare");
		return NULL;
	}
	if (db->nstmt < NSTMT) {
		db->stmt[db->nstmt].sql = sql;
		db->stmt[db->nstmt].st = st;
		db->nstmt++;
	} else
		oms_die(OMS_EXIT_FATAL, "statement cache full");
	return st;
}

/* Run a statement that returns no rows, and make it ready again. */
int
oms_db_step_done(oms_db *db, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return oms_db_fail(db, rc, what);
	return OMS_OK;
}

int
oms_db_begin(oms_db *db)
{
	int rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return oms_db_fail(db, rc, "cannot begin a transaction");
	return OMS_OK;
}

int
oms_db_commit(oms_db *db)
{
	int rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);

	if (rc != SQLITE_OK) {
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
int
oms_db_write(oms_db *db, int *nested)
{
	*nested = !sqlite3_get_autocommit(db->h);
	if (*nested)
		return oms_db_exec(db, "SAVEPOINT oms_write");
	return oms_db_begin(db);
}

int
oms_db_write_end(oms_db *db, int nested, int rc)
{
	if (rc != OMS_OK) {
		if (nested)
			sqlite3_exec(db->h, "ROLLBACK TO oms_write; "
			    "RELEASE oms_write", NULL, NULL, NULL);
		else
			oms_db_rollback(db);
		return rc;
	}
	if (nested)
		return oms_db_exec(db, "RELEASE oms_write");
	return oms_db_commit(db);
}

void
oms_db_rollback(oms_db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

int
oms_db_set_cache_mb(oms_db *db, int mb)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", mb * 1024);
	return oms_db_exec(db, sql);
}

int
oms_db_user_version(oms_db *db, int *out)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &st, NULL);
	if (rc != SQLITE_OK)
		return oms_db_fail(db, rc, "cannot read the schema version");
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return oms_db_fail(db, rc, "cannot read the schema version");
	}
	*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return OMS_OK;
}

static int
too_new(oms_db *db, int v)
{
	return oms_seterr("database '%s' has schema version %d, newer than "
	    "this oms %s knows (%d): upgrade oms", db->path, v, OMS_VERSION,
	    oms_nmigrations);
}

/* After a migration: no row may point at one that is not there. */
static int
foreign_keys_hold(oms_db *db)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db->h, "PRAGMA foreign_key_check", -1, &st,
	    NULL);
	if (rc != SQLITE_OK)
		return oms_db_fail(db, rc, "cannot check foreign keys");
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		oms_seterr("database '%s': a migration left row %lld of %s "
		    "pointing at a missing row of %s", db->path,
		    (long long)sqlite3_column_int64(st, 1),
		    (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 2));
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return OMS_ERR;
	if (rc != SQLITE_DONE)
		return oms_db_fail(db, rc, "cannot check foreign keys");
	return OMS_OK;
}

static int
migrate(oms_db *db)
{
	char sql[64];
	int v, rc, i;

	if ((rc = oms_db_user_version(db, &v)) != OMS_OK)
		return rc;
	if (v > oms_nmigrations)
		return too_new(db, v);
	if (v == oms_nmigrations)
		return OMS_OK;
	/*
	 * A migration may rebuild a table others point at, which SQLite
	 * does with foreign keys off (and the pragma is a no-op inside a
	 * transaction); they are checked whole before the commit instead.
	 */
	if ((rc = oms_db_exec(db, "PRAGMA foreign_keys = OFF")) != OMS_OK)
		return rc;
	if ((rc = oms_db_begin(db)) != OMS_OK)
		goto keys;
	/* Another process may have migrated while we waited for the lock. */
	if ((rc = oms_db_user_version(db, &v)) != OMS_OK)
		goto fail;
	if (v > oms_nmigrations) {
		rc = too_new(db, v);
		goto fail;
	}
	for (i = v; i < oms_nmigrations; i++) {
		int r = sqlite3_exec(db->h, oms_migrations[i], NULL, NULL, NULL);

		if (r != SQLITE_OK) {
			oms_seterr("database '%s': migration %d failed: %s",
			    db->path, i + 1, sqlite3_errmsg(db->h));
			rc = is_busy(r) ? oms_db_fail(db, r, "") : OMS_ERR;
			goto fail;
		}
	}
	if ((rc = foreign_keys_hold(db)) != OMS_OK)
		goto fail;
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", oms_nmigrations);
	if ((rc = oms_db_exec(db, sql)) != OMS_OK)
		goto fail;
	rc = oms_db_commit(db);
	goto keys;
fail:
	oms_db_rollback(db);
keys:
	if (oms_db_exec(db, "PRAGMA foreign_keys = ON") != OMS_OK && rc == OMS_OK)
		rc = OMS_ERR;
	return rc;
}

/* Create the file ourselves so that it is born mode 0600. */
static int
create_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0) {
		if (errno == EEXIST)
			return OMS_OK;
		return oms_seterr("cannot create database '%s': %s", path,
		    strerror(errno));
	}
	close(fd);
	return OMS_OK;
}

int
oms_db_open(const char *path, int flags, oms_db **out)
{
	struct stat sb;
	oms_db *db;
	const char *t;
	int rc;

	*out = NULL;
	if (stat(path, &sb) < 0) {
		if (errno != ENOENT || !(flags & OMS_DB_CREATE))
			return oms_seterr("cannot open database '%s': %s%s",
			    path, strerror(errno), errno == ENOENT ?
			    " (oms init creates it)" : "");
		if ((rc = create_file(path)) != OMS_OK)
			return rc;
	} else if (S_ISDIR(sb.st_mode))
		return oms_seterr("cannot open database '%s': is a directory",
		    path);

	db = ecalloc(1, sizeof *db);
	db->path = estrdup(path);
	db->timeout_ms = 10000;
	if ((t = getenv("OMS_BUSY_TIMEOUT")) != NULL && *t != '\0')
		db->timeout_ms = atoi(t);
	rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		oms_seterr("cannot open database '%s': %s", path,
		    db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(db->h, 0);
	sqlite3_busy_timeout(db->h, db->timeout_ms);
	if ((rc = oms_db_exec(db, "PRAGMA foreign_keys = ON")) != OMS_OK)
		goto fail;
	/* Changing the journal mode needs the lock; asking does not. */
	if ((rc = oms_db_exec(db, "PRAGMA journal_mode = WAL")) != OMS_OK) {
		if (sqlite3_errcode(db->h) == SQLITE_NOTADB)
			oms_seterr("cannot open database '%s': not an oms "
			    "database (not SQLite)", path);
		goto fail;
	}
	if ((rc = oms_db_exec(db, "PRAGMA synchronous = NORMAL")) != OMS_OK)
		goto fail;
	if (!(flags & OMS_DB_NOMIGRATE) && (rc = migrate(db)) != OMS_OK)
		goto fail;
	*out = db;
	return OMS_OK;
fail:
	oms_db_close(db);
	return rc == OMS_OK ? OMS_ERR : rc;
}

void
oms_db_close(oms_db *db)
{
	if (db == NULL)
		return;
	for (int i = 0; i < db->nstmt; i++)
		sqlite3_finalize(db->stmt[i].st);
	sqlite3_close(db->h);
	free(db->path);
	free(db);
}

int
oms_db_event(oms_db *db, int64_t order_id, const char *action,
    const char *before, const char *after)
{
	static const char sql[] =
	    "INSERT INTO events (at, program, order_id, action, before, after) "
	    "VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st = oms_db_stmt(db, sql);
	char now[OMS_TIME_LEN];
	int rc;

	if (st == NULL)
		return OMS_ERR;
	oms_time_now(now);
	sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, oms_progname, -1, SQLITE_STATIC);
	if (order_id > 0)
		sqlite3_bind_int64(st, 3, order_id);
	sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, before, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, after, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return oms_db_fail(db, rc, "cannot record an event");
	return OMS_OK;
}

/* Run one query that yields a sentence per problem. */
static int
run_check(oms_db *db, const char *name, const char *sql, oms_check_fn fn,
    void *arg, int *problems)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return oms_db_fail(db, rc, name);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *msg = (const char *)sqlite3_column_text(st, 0);

		if (strcmp(name, "integrity") == 0 && msg != NULL &&
		    strcmp(msg, "ok") == 0)
			continue;
		(*problems)++;
		fn(arg, name, msg ? msg : "(null)");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return oms_db_fail(db, rc, name);
	return OMS_OK;
}

int
oms_db_check(oms_db *db, oms_check_fn fn, void *arg, int *problems)
{
	int rc;

	*problems = 0;
	rc = run_check(db, "integrity", "PRAGMA integrity_check", fn, arg,
	    problems);
	if (rc != OMS_OK)
		return rc;
	for (int i = 0; i < oms_nchecks; i++) {
		rc = run_check(db, oms_checks[i].name, oms_checks[i].sql, fn,
		    arg, problems);
		if (rc != OMS_OK)
			return rc;
	}
	return OMS_OK;
}
