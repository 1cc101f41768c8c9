/*
 * db_sqlite.c: the SQLite driver, the embedded default.  One file, one
 * writer at a time (BEGIN IMMEDIATE), the write-ahead log beside it.
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
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "oms.h"
#include "db_int.h"

_Static_assert(OMS_ROW == SQLITE_ROW && OMS_DONE == SQLITE_DONE,
    "oms_step passes SQLite's codes through");
_Static_assert(OMS_DBE_BUSY == SQLITE_BUSY && OMS_DBE_READONLY ==
    SQLITE_READONLY && OMS_DBE_CONSTRAINT == SQLITE_CONSTRAINT,
    "the driver codes are SQLite's");

struct lite_stmt {
	struct oms_stmt base;
	sqlite3_stmt *st;
};

#define H(db) ((sqlite3 *)(db)->h)
#define S(s) (((struct lite_stmt *)(s))->st)

static void bg_stop(oms_db *);

static const char *
lite_version(void)
{
	return sqlite3_libversion();
}

static const char *
lite_errmsg(oms_db *db)
{
	return sqlite3_errmsg(H(db));
}

static int
lite_exec(oms_db *db, const char *sql)
{
	return sqlite3_exec(H(db), sql, NULL, NULL, NULL);
}

static int
lite_prepare(oms_db *db, const char *sql, int cached, struct oms_stmt **out)
{
	struct lite_stmt *ls;
	sqlite3_stmt *st;
	int rc;

	*out = NULL;
	if (cached)
		rc = sqlite3_prepare_v3(H(db), sql, -1,
		    SQLITE_PREPARE_PERSISTENT, &st, NULL);
	else
		rc = sqlite3_prepare_v2(H(db), sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	ls = emalloc(sizeof *ls);
	ls->base.db = db;
	ls->st = st;
	*out = &ls->base;
	return SQLITE_OK;
}

static int
lite_step(struct oms_stmt *st)
{
	return sqlite3_step(S(st));
}

static void
lite_reset(struct oms_stmt *st)
{
	sqlite3_reset(S(st));
}

static void
lite_clear(struct oms_stmt *st)
{
	sqlite3_clear_bindings(S(st));
}

static void
lite_finalize(struct oms_stmt *st)
{
	sqlite3_finalize(S(st));
	free(st);
}

static int
lite_nparams(struct oms_stmt *st)
{
	return sqlite3_bind_parameter_count(S(st));
}

static void
lite_bind_int64(struct oms_stmt *st, int i, int64_t v)
{
	sqlite3_bind_int64(S(st), i, v);
}

static void
lite_bind_double(struct oms_stmt *st, int i, double v)
{
	sqlite3_bind_double(S(st), i, v);
}

static void
lite_bind_null(struct oms_stmt *st, int i)
{
	sqlite3_bind_null(S(st), i);
}

static void
lite_bind_text(struct oms_stmt *st, int i, const char *s, int n, int keep)
{
	sqlite3_bind_text(S(st), i, s, n, keep ? SQLITE_STATIC :
	    SQLITE_TRANSIENT);
}

static int
lite_col_null(struct oms_stmt *st, int i)
{
	return sqlite3_column_type(S(st), i) == SQLITE_NULL;
}

static int64_t
lite_col_int64(struct oms_stmt *st, int i)
{
	return sqlite3_column_int64(S(st), i);
}

static double
lite_col_double(struct oms_stmt *st, int i)
{
	return sqlite3_column_double(S(st), i);
}

static const char *
lite_col_text(struct oms_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(S(st), i);
}

static int
lite_ncols(struct oms_stmt *st)
{
	return sqlite3_column_count(S(st));
}

static const char *
lite_col_name(struct oms_stmt *st, int i)
{
	return sqlite3_column_name(S(st), i);
}

/* A row id given is taken as given; AUTOINCREMENT's counter follows. */
static int
lite_sync_ids(oms_db *db, const char *table)
{
	(void)db;
	(void)table;
	return OMS_OK;
}

static int64_t
lite_last_id(oms_db *db)
{
	return sqlite3_last_insert_rowid(H(db));
}

static int
lite_changes(oms_db *db)
{
	return sqlite3_changes(H(db));
}

static int
lite_in_tx(oms_db *db)
{
	return !sqlite3_get_autocommit(H(db));
}

static int
lite_begin(oms_db *db)
{
	return sqlite3_exec(H(db), "BEGIN IMMEDIATE", NULL, NULL, NULL);
}

static int
lite_set_cache_mb(oms_db *db, int mb)
{
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA cache_size = -%d", mb * 1024);
	return oms_db_exec(db, sql);
}

static int
lite_data_version(oms_db *db, int64_t *out)
{
	static const char sql[] = "PRAGMA data_version";
	oms_stmt *st = oms_db_stmt(db, sql);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	*out = rc == OMS_ROW ? oms_col_int64(st, 0) : 0;
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read the data version");
	return OMS_OK;
}

static int
lite_temp_in_memory(oms_db *db)
{
	return oms_db_exec(db, "PRAGMA temp_store = MEMORY");
}

static int
is_busy(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

/* One integer a query gives; the engine's code. */
static int
query_int(oms_db *db, const char *sql, int *out)
{
	sqlite3_stmt *st;
	int rc;

	if ((rc = sqlite3_prepare_v2(H(db), sql, -1, &st, NULL)) != SQLITE_OK)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

static int
lite_user_version(oms_db *db, int *out)
{
	int rc = query_int(db, "PRAGMA user_version", out);

	if (rc != SQLITE_OK)
		return oms_db_fail(db, rc, "cannot read the schema version");
	return OMS_OK;
}

/* After a migration: no row may point at one that is not there. */
static int
foreign_keys_hold(oms_db *db)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(H(db), "PRAGMA foreign_key_check", -1, &st,
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

	if ((rc = lite_user_version(db, &v)) != OMS_OK)
		return rc;
	if (v > oms_nmigrations)
		return oms_db_too_new(db, v);
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
	if ((rc = lite_user_version(db, &v)) != OMS_OK)
		goto fail;
	if (v > oms_nmigrations) {
		rc = oms_db_too_new(db, v);
		goto fail;
	}
	for (i = v; i < oms_nmigrations; i++) {
		int r = sqlite3_exec(H(db), oms_migrations[i], NULL, NULL, NULL);

		if (r != SQLITE_OK) {
			oms_fail(OMS_E_DB, "database '%s': migration %d "
			    "failed: %s", db->path, i + 1,
			    sqlite3_errmsg(H(db)));
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

/*
 * Process-wide settings, which sqlite3_config takes only before the
 * library is initialised, so before the first open.
 *
 * Not here, and why: SQLITE_CONFIG_STMTJRNL_SPILL, to keep statement
 * journals in memory past 64 KiB, made SQLite allocate them in chunks of
 * the spill size, once a transaction: 8 MiB a transaction made eight
 * oms-stock writers at once more than twice as slow under ASan, and
 * never spilling holds a big purge's journal in memory whole.  Routing,
 * which spilled them (a savepoint an order, then statements of many
 * rows), takes no savepoint an order and asks for its connection alone
 * (oms_db_temp_in_memory), whose journals are chunks of a kilobyte.
 */
static void
configure(void)
{
	static int done;

	if (!done) {
		done = 1;
		/*
		 * Nothing reads SQLite's memory statistics, and keeping them
		 * takes a mutex on every allocation (4% of routing).
		 */
		(void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	}
}

static int
connect(oms_db *db, int immutable)
{
	sqlite3 *h = NULL;
	char *uri = NULL;
	int rc, fl = SQLITE_OPEN_NOMUTEX;

	fl |= db->ro != NULL ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (immutable) {
		uri = immutable_uri(db->path);
		fl |= SQLITE_OPEN_URI;
	}
	bg_stop(db);
	sqlite3_close(H(db));
	db->h = NULL;
	configure();
	rc = sqlite3_open_v2(uri != NULL ? uri : db->path, &h, fl, NULL);
	db->h = h;
	free(uri);
	if (rc != SQLITE_OK)
		return oms_fail(OMS_E_DB, "cannot open database '%s': %s",
		    db->path, H(db) ? sqlite3_errmsg(H(db)) :
		    sqlite3_errstr(rc));
	sqlite3_extended_result_codes(H(db), 0);
	sqlite3_busy_timeout(H(db), db->timeout_ms);
	return oms_db_exec(db, "PRAGMA foreign_keys = ON");
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
		return oms_db_too_new(db, id->version);
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

static int
lite_open(oms_db *db, const char *path, int flags)
{
	struct ident id;
	struct stat sb;
	int rc;

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

	db->ro = unwritable(path);
	if (db->ro == NULL && (flags & OMS_DB_READONLY))
		db->ro = "opened for reading only";
	if ((rc = connect(db, 0)) != OMS_OK ||
	    (rc = identify(db, &id)) != OMS_OK ||
	    (rc = check_ident(db, flags, &id)) != OMS_OK)
		return rc;
	if (db->ro != NULL)
		return open_readonly(db, flags, &id);
	return open_readwrite(db, flags, &id);
}

/*
 * The database's own path, links resolved, as SQLite finds its journal:
 * two names of one database lock one place.
 */
static void
real_path(oms_db *db, char out[PATH_MAX])
{
	if (realpath(db->path, out) == NULL)
		snprintf(out, PATH_MAX, "%s", db->path);
}

/* Byte key of the file DB-name, locked until the process ends. */
static int
lite_hold(oms_db *db, const char *name, int64_t key)
{
	char path[PATH_MAX + 64], real[PATH_MAX];
	struct flock fl;
	struct stat sb;
	int fd;

	real_path(db, real);
	snprintf(path, sizeof path, "%s-%s", real, name);
	/* Not through a link: only a file of our own is locked. */
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return oms_fail(OMS_E_DB, "cannot open '%s': %s", path,
		    strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		return oms_fail(OMS_E_DB, "'%s' is not a regular file", path);
	}
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	fl.l_start = (off_t)key;
	fl.l_len = 1;
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		int e = errno;

		close(fd);
		if (e == EACCES || e == EAGAIN)
			return OMS_E_BUSY;
		return oms_fail(OMS_E_DB, "cannot lock '%s': %s", path,
		    strerror(e));
	}
	/* Held, on purpose, until the process ends. */
	return OMS_OK;
}

/* SQLite has no notifications: its files are watched instead. */
static int
lite_listen(oms_db *db, const char *channel)
{
	(void)db;
	(void)channel;
	return -1;
}

static int
lite_notified(oms_db *db)
{
	(void)db;
	return 0;
}

static int
lite_erasing(oms_db *db)
{
	return oms_db_exec(db, "PRAGMA secure_delete = ON");
}

/* Old copies of the pages in the write-ahead log go too. */
static int
lite_scrub(oms_db *db, int *done)
{
	int busy = 1, rc;

	rc = query_int(db, "PRAGMA wal_checkpoint(TRUNCATE)", &busy);
	*done = rc == SQLITE_OK && busy == 0;
	if (rc != SQLITE_OK && rc != SQLITE_DONE)
		return oms_db_fail(db, rc, "cannot checkpoint the database");
	return OMS_OK;
}

/*
 * A long run of writes (oms-import): the write-ahead log is copied into
 * the database by a thread of its own, on a connection of its own, so
 * the writer neither copies pages nor waits for fdatasync; that runs on
 * the second core while the writer reads and maps the next orders.  The
 * copy is PASSIVE, as SQLite's own after a commit: it never waits for
 * the writer or a reader, and what it could not copy the next one does.
 * Should it fall behind by BG_CAP frames, the writer copies as it would
 * without the thread, so the log cannot grow without bound.
 */
#define BG_FRAMES 1000	/* SQLite's wal_autocheckpoint */
#define BG_CAP 16000	/* 64 MB of 4 KB pages */

struct lite_bg {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *path;
	int timeout_ms;
	int want, stop, failed;
};

/*
 * The thread's connection, opened when there is first something to copy
 * (its first statement reads the schema: a run that writes little pays
 * nothing for it); it waits out a busy database as writers do.
 */
static sqlite3 *
bg_open(struct lite_bg *bg)
{
	sqlite3 *h = NULL;

	if (sqlite3_open_v2(bg->path, &h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) == SQLITE_OK) {
		sqlite3_busy_timeout(h, bg->timeout_ms);
		if (sqlite3_exec(h, "PRAGMA synchronous = NORMAL", NULL, NULL,
		    NULL) == SQLITE_OK)
			return h;
	}
	sqlite3_close(h);
	return NULL;
}

static void *
bg_main(void *arg)
{
	struct lite_bg *bg = arg;
	sqlite3 *h = NULL;

	pthread_mutex_lock(&bg->mu);
	for (;;) {
		while (!bg->want && !bg->stop)
			pthread_cond_wait(&bg->cv, &bg->mu);
		if (bg->stop)
			break;
		bg->want = 0;
		pthread_mutex_unlock(&bg->mu);
		if (h == NULL && (h = bg_open(bg)) == NULL) {
			/* The writer copies as it would without us. */
			pthread_mutex_lock(&bg->mu);
			bg->failed = 1;
			while (!bg->stop)
				pthread_cond_wait(&bg->cv, &bg->mu);
			break;
		}
		/* Busy or failed: the next commit asks again. */
		sqlite3_wal_checkpoint_v2(h, NULL, SQLITE_CHECKPOINT_PASSIVE,
		    NULL, NULL);
		pthread_mutex_lock(&bg->mu);
	}
	pthread_mutex_unlock(&bg->mu);
	/* Closed first: the writer's close, the last, ends the log. */
	sqlite3_close(h);
	return NULL;
}

/* After each commit, with the frames now in the log. */
static int
bg_hook(void *arg, sqlite3 *h, const char *name, int frames)
{
	struct lite_bg *bg = arg;
	int self = frames >= BG_CAP;

	if (!self && frames >= BG_FRAMES) {
		pthread_mutex_lock(&bg->mu);
		self = bg->failed;
		bg->want = 1;
		pthread_cond_signal(&bg->cv);
		pthread_mutex_unlock(&bg->mu);
	}
	if (self)
		sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE,
		    NULL, NULL);
	return SQLITE_OK;
}

static void
bg_stop(oms_db *db)
{
	struct lite_bg *bg = db->aux;

	if (bg == NULL)
		return;
	/* SQLite's own checkpoints again, before the thread goes. */
	sqlite3_wal_autocheckpoint(H(db), BG_FRAMES);
	pthread_mutex_lock(&bg->mu);
	bg->stop = 1;
	pthread_cond_signal(&bg->cv);
	pthread_mutex_unlock(&bg->mu);
	pthread_join(bg->thread, NULL);
	pthread_cond_destroy(&bg->cv);
	pthread_mutex_destroy(&bg->mu);
	free(bg->path);
	free(bg);
	db->aux = NULL;
}

static int
lite_bulk(oms_db *db)
{
	struct lite_bg *bg;
	int rc;

	if (db->aux != NULL)
		return OMS_OK;
	bg = ecalloc(1, sizeof *bg);
	bg->path = estrdup(db->path);
	bg->timeout_ms = db->timeout_ms;
	pthread_mutex_init(&bg->mu, NULL);
	pthread_cond_init(&bg->cv, NULL);
	if ((rc = pthread_create(&bg->thread, NULL, bg_main, bg)) != 0) {
		pthread_cond_destroy(&bg->cv);
		pthread_mutex_destroy(&bg->mu);
		free(bg->path);
		free(bg);
		return oms_fail(OMS_E_DB, "cannot start a thread: %s",
		    strerror(rc));
	}
	db->aux = bg;
	sqlite3_wal_hook(H(db), bg_hook, bg);
	return OMS_OK;
}

static void
lite_close(oms_db *db)
{
	bg_stop(db);
	sqlite3_close(H(db));
}

static void
report(void (*fn)(void *, const char *, const char *), void *arg,
    int *problems, const char *msg)
{
	(*problems)++;
	fn(arg, "integrity", msg);
}

/* SQLite's own check of its pages and indexes. */
static int
lite_check(oms_db *db, void (*fn)(void *, const char *, const char *),
    void *arg, int *problems)
{
	sqlite3_stmt *st;
	int rc;

	rc = sqlite3_prepare_v2(H(db), "PRAGMA integrity_check", -1, &st,
	    NULL);
	if (rc != SQLITE_OK)
		return oms_db_fail(db, rc, "integrity");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *msg = (const char *)sqlite3_column_text(st, 0);

		if (msg != NULL && strcmp(msg, "ok") == 0)
			continue;
		report(fn, arg, problems, msg ? msg : "(null)");
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return oms_db_fail(db, rc, "integrity");
	return OMS_OK;
}

static int
lite_check_applies(const char *name)
{
	(void)name;
	return 1;
}

const struct oms_driver oms_sqlite_driver = {
	.name = "sqlite",
	.dialect = OMS_DIALECT_SQLITE,
	.version = lite_version,
	.open = lite_open,
	.close = lite_close,
	.prepare = lite_prepare,
	.step = lite_step,
	.reset = lite_reset,
	.clear = lite_clear,
	.finalize = lite_finalize,
	.nparams = lite_nparams,
	.bind_int64 = lite_bind_int64,
	.bind_double = lite_bind_double,
	.bind_null = lite_bind_null,
	.bind_text = lite_bind_text,
	.col_null = lite_col_null,
	.col_int64 = lite_col_int64,
	.col_double = lite_col_double,
	.col_text = lite_col_text,
	.ncols = lite_ncols,
	.col_name = lite_col_name,
	.last_id = lite_last_id,
	.changes = lite_changes,
	.in_tx = lite_in_tx,
	.exec = lite_exec,
	.begin = lite_begin,
	.begin_read = "BEGIN",
	.errmsg = lite_errmsg,
	.user_version = lite_user_version,
	.check = lite_check,
	.check_applies = lite_check_applies,
	.set_cache_mb = lite_set_cache_mb,
	.temp_in_memory = lite_temp_in_memory,
	.bulk = lite_bulk,
	.hold = lite_hold,
	.listen = lite_listen,
	.notified = lite_notified,
	.sync_ids = lite_sync_ids,
	.erasing = lite_erasing,
	.scrub = lite_scrub,
	.data_version = lite_data_version,
	.ids_by_max = 1,
};
