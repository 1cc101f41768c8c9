/*
 * db.c: open the one SQLite file, migrate it, and keep writes short.
 *
 * Statements are prepared once and cached by the address of their SQL
 * text, so callers keep their SQL in static strings in lib/ and bind
 * every value.
 *
 * An oms database says so in its header: application_id is OMS_APP_ID.
 * A file that says otherwise, or has tables and no oms schema, is
 * refused before anything is written into it.  A database the program
 * cannot write (the file, or the directory its journal goes in) is
 * opened read-only: reads work, a write fails saying why.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "oms.h"
#include "db_int.h"

/* "oms1": PRAGMA application_id of every oms database (oms(7)). */
#define OMS_APP_ID 0x6f6d7331

_Static_assert(OMS_ROW == SQLITE_ROW && OMS_DONE == SQLITE_DONE,
    "oms_step passes SQLite's codes through");

/* The statement cache: open addressing on the SQL text's address. */
struct slot {
	const char *sql;
	sqlite3_stmt *st;
};

struct oms_db {
	sqlite3 *h;
	char *path;
	int timeout_ms;
	const char *ro;		/* why it is read-only, or NULL */
	size_t nstmt, cap;	/* cap is 0 or a power of two */
	struct slot *stmt;
};

/* An oms_stmt is the engine's statement under another name. */
#define S(st) ((sqlite3_stmt *)(st))

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
	return sqlite3_libversion();
}

const char *
oms_db_file(oms_db *db)
{
	return db->path;
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
	if (is_busy(rc))
		return oms_fail(OMS_E_BUSY, "database '%s' is busy: another "
		    "program held it past the %d ms timeout; try again later",
		    db->path, db->timeout_ms);
	if ((rc & 0xff) == SQLITE_READONLY)
		return oms_fail(OMS_E_DB, "database '%s' is read-only: %s (%s)",
		    db->path, what, db->ro != NULL ? db->ro :
		    sqlite3_errmsg(db->h));
	return oms_fail(OMS_E_DB, "database '%s': %s: %s", db->path, what,
	    sqlite3_errmsg(db->h));
}

int
oms_db_exec(oms_db *db, const char *sql)
{
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return oms_db_fail(db, rc, "cannot run statement");
	return OMS_OK;
}

static size_t
slot_of(const struct slot *t, size_t cap, const char *sql)
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
	struct slot *t = ecalloc(cap, sizeof *t);

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
	sqlite3_stmt *st;
	size_t i;

	if (db->cap != 0) {
		i = slot_of(db->stmt, db->cap, sql);
		if (db->stmt[i].sql != NULL) {
			st = db->stmt[i].st;
			sqlite3_reset(st);
			sqlite3_clear_bindings(st);
			return (oms_stmt *)st;
		}
	}
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &st, NULL) != SQLITE_OK) {
		oms_db_fail(db, sqlite3_errcode(db->h), "cannot prepare");
		return NULL;
	}
	if (2 * (db->nstmt + 1) > db->cap)
		cache_grow(db);
	i = slot_of(db->stmt, db->cap, sql);
	db->stmt[i].sql = sql;
	db->stmt[i].st = st;
	db->nstmt++;
	return (oms_stmt *)st;
}

/* A format that does not fit its statement is a bug: said at once. */
static void
bind_count(oms_stmt *st, const char *sql, const char *fmt)
{
	int n = sqlite3_bind_parameter_count(S(st));

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
	int rc = sqlite3_step(S(st));

	sqlite3_reset(S(st));
	if (rc != SQLITE_DONE)
		return oms_db_fail(db, rc, what);
	return OMS_OK;
}

int
oms_db_prepare(oms_db *db, const char *sql, oms_stmt **out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);

	*out = NULL;
	if (rc != SQLITE_OK)
		return oms_db_fail(db, rc, "cannot prepare");
	*out = (oms_stmt *)st;
	return OMS_OK;
}

int
oms_step(oms_stmt *st)
{
	return sqlite3_step(S(st));
}

void
oms_reset(oms_stmt *st)
{
	sqlite3_reset(S(st));
}

void
oms_finalize(oms_stmt *st)
{
	sqlite3_finalize(S(st));
}

int
oms_bind_count(oms_stmt *st)
{
	return sqlite3_bind_parameter_count(S(st));
}

void
oms_bind_int(oms_stmt *st, int i, int v)
{
	sqlite3_bind_int(S(st), i, v);
}

void
oms_bind_int64(oms_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(S(st), i, v);
}

void
oms_bind_double(oms_stmt *st, int i, double v)
{
	sqlite3_bind_double(S(st), i, v);
}

void
oms_bind_null(oms_stmt *st, int i)
{
	sqlite3_bind_null(S(st), i);
}

void
oms_bind_text(oms_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(S(st), i, s, -1, SQLITE_TRANSIENT);
}

void
oms_bind_textn(oms_stmt *st, int i, const char *s, int n)
{
	sqlite3_bind_text(S(st), i, s, n, SQLITE_TRANSIENT);
}

void
oms_bind_static(oms_stmt *st, int i, const char *s)
{
	sqlite3_bind_text(S(st), i, s, -1, SQLITE_STATIC);
}

int
oms_col_null(oms_stmt *st, int i)
{
	return sqlite3_column_type(S(st), i) == SQLITE_NULL;
}

int
oms_col_int(oms_stmt *st, int i)
{
	return sqlite3_column_int(S(st), i);
}

int64_t
oms_col_int64(oms_stmt *st, int i)
{
	return sqlite3_column_int64(S(st), i);
}

double
oms_col_double(oms_stmt *st, int i)
{
	return sqlite3_column_double(S(st), i);
}

const char *
oms_col_text(oms_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(S(st), i);
}

const char *
oms_col_str(oms_stmt *st, int i)
{
	const char *s = oms_col_text(st, i);

	return s != NULL ? s : "";
}

int64_t
oms_db_last_id(oms_db *db)
{
	return sqlite3_last_insert_rowid(db->h);
}

int
oms_db_changes(oms_db *db)
{
	return sqlite3_changes(db->h);
}

int
oms_db_in_tx(oms_db *db)
{
	return !sqlite3_get_autocommit(db->h);
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
	*nested = oms_db_in_tx(db);
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
	return oms_fail(OMS_E_DB, "database '%s' has schema version %d, newer "
	    "than this oms %s knows (%d): upgrade oms", db->path, v,
	    OMS_VERSION, oms_nmigrations);
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
		oms_fail(OMS_E_DB, "database '%s': a migration left row %lld "
		    "of %s pointing at a missing row of %s", db->path,
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
set_app_id(oms_db *db)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA application_id = %d", OMS_APP_ID);
	return oms_db_exec(db, sql);
}

/* Bring the schema up to date, and mark the file as oms's. */
static int
migrate(oms_db *db, int app)
{
	char sql[64];
	int v, rc, i;

	if ((rc = oms_db_user_version(db, &v)) != OMS_OK)
		return rc;
	if (v > oms_nmigrations)
		return too_new(db, v);
	if (v == oms_nmigrations)
		return app == OMS_APP_ID ? OMS_OK : set_app_id(db);
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
			oms_fail(OMS_E_DB, "database '%s': migration %d "
			    "failed: %s", db->path, i + 1,
			    sqlite3_errmsg(db->h));
			rc = is_busy(r) ? oms_db_fail(db, r, "") : OMS_ERR;
			goto fail;
		}
	}
	if ((rc = foreign_keys_hold(db)) != OMS_OK)
		goto fail;
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", oms_nmigrations);
	if ((rc = oms_db_exec(db, sql)) != OMS_OK)
		goto fail;
	if ((rc = set_app_id(db)) != OMS_OK)
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

/*
 * Create the file ourselves so that it is born mode 0600, and never
 * through a symbolic link: one that names nothing (stat found nothing)
 * would have SQLite create the database wherever it points.
 */
static int
create_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	struct stat sb;

	if (fd < 0) {
		int e = errno;

		if (e == EEXIST && lstat(path, &sb) == 0 &&
		    S_ISLNK(sb.st_mode))
			return oms_fail(OMS_E_DB, "cannot create database "
			    "'%s': it is a symbolic link to nothing; not "
			    "followed", path);
		errno = e;
		if (errno == EEXIST)
			return OMS_OK;
		return oms_fail(OMS_E_DB, "cannot create database '%s': %s",
		    path, strerror(errno));
	}
	close(fd);
	return OMS_OK;
}

/*
 * Why this process cannot write the database, or NULL.  SQLite writes
 * its journal (the -wal and -shm files) beside the file, so the
 * directory counts too.
 */
static const char *
unwritable(const char *path)
{
	char *d = estrdup(path);
	const char *why = NULL;

	if (access(dirname(d), W_OK) < 0)
		why = "its directory is not writable";
	else if (access(path, W_OK) < 0)
		why = "the file is not writable";
	free(d);
	return why;
}

/* A write-ahead log with something in it beside the file. */
static int
has_wal(const char *path)
{
	struct stat sb;
	char *wal;
	int r;

	if (asprintf(&wal, "%s-wal", path) < 0)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	r = stat(wal, &sb) == 0 && sb.st_size > 0;
	free(wal);
	return r;
}

/* file:PATH?immutable=1, with the bytes a URI reserves escaped. */
static char *
immutable_uri(const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *s;
	char *u, *p;

	u = emalloc(3 * strlen(path) + sizeof "file:?immutable=1");
	p = stpcpy(u, "file:");
	for (s = (const unsigned char *)path; *s != '\0'; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("/-._~", *s) != NULL)
			*p++ = (char)*s;
		else {
			*p++ = '%';
			*p++ = hex[*s >> 4];
			*p++ = hex[*s & 15];
		}
	strcpy(p, "?immutable=1");
	return u;
}

static int
connect(oms_db *db, int immutable)
{
	char *uri = NULL;
	int rc, fl = SQLITE_OPEN_NOMUTEX;

	fl |= db->ro != NULL ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (immutable) {
		uri = immutable_uri(db->path);
		fl |= SQLITE_OPEN_URI;
	}
	sqlite3_close(db->h);
	rc = sqlite3_open_v2(uri != NULL ? uri : db->path, &db->h, fl, NULL);
	free(uri);
	if (rc != SQLITE_OK)
		return oms_fail(OMS_E_DB, "cannot open database '%s': %s",
		    db->path, db->h ? sqlite3_errmsg(db->h) :
		    sqlite3_errstr(rc));
	sqlite3_extended_result_codes(db->h, 0);
	sqlite3_busy_timeout(db->h, db->timeout_ms);
	return oms_db_exec(db, "PRAGMA foreign_keys = ON");
}

/* One integer a query gives; the engine's code. */
static int
query_int(oms_db *db, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* What the header and the catalog say the file is. */
struct ident {
	int app, version, objects;
};

static int
read_ident(oms_db *db, struct ident *id)
{
	int rc;

	if ((rc = query_int(db, "PRAGMA application_id", &id->app)) != 0 ||
	    (rc = query_int(db, "PRAGMA user_version", &id->version)) != 0)
		return rc;
	return query_int(db, "SELECT count(*) FROM sqlite_master",
	    &id->objects);
}

/*
 * Read the header without writing.  A read-only database in a directory
 * we cannot write has no -shm file for WAL mode and SQLite cannot make
 * one; with no log to read either, the file alone is the database and
 * is opened immutable.
 */
static int
identify(oms_db *db, struct ident *id)
{
	int rc = read_ident(db, id);

	if (rc == SQLITE_CANTOPEN && db->ro != NULL) {
		if (has_wal(db->path))
			return oms_fail(OMS_E_DB, "database '%s' is read-only "
			    "(%s) and its write-ahead log cannot be read "
			    "without writing: open it once where it can be "
			    "written", db->path, db->ro);
		if ((rc = connect(db, 1)) != OMS_OK)
			return rc;
		rc = read_ident(db, id);
	}
	if (rc == SQLITE_NOTADB)
		return oms_fail(OMS_E_DB, "database '%s' is not an oms "
		    "database: not a SQLite file", db->path);
	if (rc != SQLITE_OK)
		return oms_db_fail(db, rc, "cannot read the header");
	return OMS_OK;
}

/* Refuse what is not ours before anything is written into it. */
static int
check_ident(oms_db *db, int flags, const struct ident *id)
{
	if (id->app != 0 && id->app != OMS_APP_ID)
		return oms_fail(OMS_E_DB, "database '%s' is not an oms "
		    "database: its application_id is 0x%08x, not 0x%08x "
		    "(\"oms1\"); give --db an oms database", db->path,
		    (unsigned)id->app, (unsigned)OMS_APP_ID);
	if (id->app == 0 && id->version == 0 && id->objects > 0)
		return oms_fail(OMS_E_DB, "database '%s' is not an oms "
		    "database: it has tables and no oms schema; give --db an "
		    "oms database, or oms init a new file", db->path);
	if (id->version == 0 && id->objects == 0 &&
	    !(flags & (OMS_DB_CREATE | OMS_DB_NOMIGRATE)))
		return oms_fail(OMS_E_DB, "database '%s' is empty: oms init "
		    "creates its schema", db->path);
	return OMS_OK;
}

static int
open_readonly(oms_db *db, int flags, const struct ident *id)
{
	if (flags & OMS_DB_NOMIGRATE)
		return OMS_OK;
	if (id->version > oms_nmigrations)
		return too_new(db, id->version);
	if (id->version < oms_nmigrations)
		return oms_fail(OMS_E_DB, "database '%s' is read-only (%s) "
		    "and at schema %d, older than this oms needs (%d): run "
		    "oms init where it can be written", db->path, db->ro,
		    id->version, oms_nmigrations);
	if ((flags & OMS_DB_CREATE) && id->app != OMS_APP_ID)
		return oms_fail(OMS_E_DB, "database '%s' is read-only (%s): "
		    "oms init cannot mark it as oms's", db->path, db->ro);
	return OMS_OK;
}

static int
open_readwrite(oms_db *db, int flags, const struct ident *id)
{
	int rc;

	/* Changing the journal mode needs the lock; asking does not. */
	if ((rc = oms_db_exec(db, "PRAGMA journal_mode = WAL")) != OMS_OK)
		return rc;
	if ((rc = oms_db_exec(db, "PRAGMA synchronous = NORMAL")) != OMS_OK)
		return rc;
	if (flags & OMS_DB_NOMIGRATE)
		return OMS_OK;
	return migrate(db, id->app);
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

int
oms_db_open(const char *path, int flags, oms_db **out)
{
	struct ident id;
	struct stat sb;
	oms_db *db;
	int rc, timeout;

	*out = NULL;
	if ((rc = busy_timeout(&timeout)) != OMS_OK)
		return rc;
	if (stat(path, &sb) < 0) {
		if (errno != ENOENT || !(flags & OMS_DB_CREATE))
			return oms_fail(OMS_E_DB, "cannot open database '%s': "
			    "%s%s", path, strerror(errno), errno == ENOENT ?
			    " (oms init creates it)" : "");
		if ((rc = create_file(path)) != OMS_OK)
			return rc;
	} else if (S_ISDIR(sb.st_mode))
		return oms_fail(OMS_E_DB, "cannot open database '%s': is a "
		    "directory", path);

	db = ecalloc(1, sizeof *db);
	db->path = estrdup(path);
	db->timeout_ms = timeout;
	db->ro = unwritable(path);
	if (db->ro == NULL && (flags & OMS_DB_READONLY))
		db->ro = "opened for reading only";
	if ((rc = connect(db, 0)) != OMS_OK ||
	    (rc = identify(db, &id)) != OMS_OK ||
	    (rc = check_ident(db, flags, &id)) != OMS_OK)
		goto fail;
	if (db->ro != NULL)
		rc = open_readonly(db, flags, &id);
	else
		rc = open_readwrite(db, flags, &id);
	if (rc != OMS_OK)
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
	for (size_t i = 0; i < db->cap; i++)
		if (db->stmt[i].sql != NULL)
			sqlite3_finalize(db->stmt[i].st);
	free(db->stmt);
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
	static const char sql_out[] =
	    "INSERT INTO outbox (at, event_id) VALUES (?, ?)";
	char now[OMS_TIME_LEN];
	int rc;

	oms_time_now(now);
	rc = oms_db_run(db, sql, "cannot record an event", "ttrttt", now,
	    oms_progname, order_id, action, before, after);
	if (rc != OMS_OK)
		return rc;
	/* The event stream has it in the same transaction. */
	return oms_db_run(db, sql_out, "cannot record an event", "tI", now,
	    (int64_t)oms_db_last_id(db));
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
