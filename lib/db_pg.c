/*
 * db_pg.c: the PostgreSQL driver, for a database several hosts share.
 *
 * Statements keep SQLite's text: the only rewriting is of its parameters,
 * ? and ?NNN, to PostgreSQL's $N, and an INSERT into a table with an
 * identity column gains RETURNING, so oms_db_last_id says what SQLite's
 * last_insert_rowid would.  Values are sent as text of unknown type, so
 * the server types each from where it stands, as SQLite's affinity does;
 * the SQLite functions lib/ uses come with the schema (schema_pg.c).
 * Cached statements are prepared on the server once per connection.
 *
 * The schema version and the application id live in oms_meta.  Writers
 * take one transaction-scoped advisory lock as they begin, so writes are
 * one at a time as on SQLite, and lock_timeout is the busy timeout.  The
 * writes that lock the rows they change (routing and shipping: db.h's
 * oms_db_begin_rows) take the lock shared, and run beside one another:
 * their outbox rows wait in a temporary table until the commit, which
 * adds them under a second lock, so the stream's seq order is the order
 * in which its rows became visible, as a follower reading past its last
 * seq needs.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dlfcn.h>
#include <libpq-fe.h>

#include "oms.h"
#include "db_int.h"

/*
 * libpq is loaded when a PostgreSQL database is first opened (or its
 * version asked for), not linked: it brings twenty-odd libraries of its
 * own (Kerberos, LDAP, GnuTLS, ...) whose loading and relocation cost
 * every start of every program several milliseconds, though most runs
 * never speak to PostgreSQL (bench/startup.sh).  Each function used is
 * looked up by name into a pointer of the type the header declares
 * (p_ and its name), and the names below stand for those pointers.  The soname is libpq's ABI,
 * which has been 5 since PostgreSQL 8.2.
 */
#define PQ_SONAME "libpq.so.5"
#define PQ_FUNCS(X) \
	X(PQclear) \
	X(PQcmdStatus) \
	X(PQcmdTuples) \
	X(PQconnectdb) \
	X(PQconsumeInput) \
	X(PQerrorMessage) \
	X(PQexec) \
	X(PQexecParams) \
	X(PQexecPrepared) \
	X(PQfinish) \
	X(PQfname) \
	X(PQfreemem) \
	X(PQgetisnull) \
	X(PQgetvalue) \
	X(PQlibVersion) \
	X(PQnfields) \
	X(PQnotifies) \
	X(PQntuples) \
	X(PQprepare) \
	X(PQresultErrorField) \
	X(PQresultErrorMessage) \
	X(PQresultStatus) \
	X(PQsetNoticeProcessor) \
	X(PQsocket) \
	X(PQstatus) \
	X(PQtransactionStatus)

static struct {
#define PQ_MEMBER(f) __typeof__(f) *p_##f;
	PQ_FUNCS(PQ_MEMBER)
#undef PQ_MEMBER
} pq;

#define PQclear pq.p_PQclear
#define PQcmdStatus pq.p_PQcmdStatus
#define PQcmdTuples pq.p_PQcmdTuples
#define PQconnectdb pq.p_PQconnectdb
#define PQconsumeInput pq.p_PQconsumeInput
#define PQerrorMessage pq.p_PQerrorMessage
#define PQexec pq.p_PQexec
#define PQexecParams pq.p_PQexecParams
#define PQexecPrepared pq.p_PQexecPrepared
#define PQfinish pq.p_PQfinish
#define PQfname pq.p_PQfname
#define PQfreemem pq.p_PQfreemem
#define PQgetisnull pq.p_PQgetisnull
#define PQgetvalue pq.p_PQgetvalue
#define PQlibVersion pq.p_PQlibVersion
#define PQnfields pq.p_PQnfields
#define PQnotifies pq.p_PQnotifies
#define PQntuples pq.p_PQntuples
#define PQprepare pq.p_PQprepare
#define PQresultErrorField pq.p_PQresultErrorField
#define PQresultErrorMessage pq.p_PQresultErrorMessage
#define PQresultStatus pq.p_PQresultStatus
#define PQsetNoticeProcessor pq.p_PQsetNoticeProcessor
#define PQsocket pq.p_PQsocket
#define PQstatus pq.p_PQstatus
#define PQtransactionStatus pq.p_PQtransactionStatus

static char pq_err[256];

/* OMS_OK once libpq is loaded; else OMS_ERR, with pq_err saying why. */
static int
pq_load(void)
{
	static int state;	/* 1 loaded, -1 failed */
	void *h;

	if (state != 0)
		return state > 0 ? OMS_OK : OMS_ERR;
	state = -1;
	if ((h = dlopen(PQ_SONAME, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(pq_err, sizeof pq_err, "cannot load %s: %s",
		    PQ_SONAME, dlerror());
		return OMS_ERR;
	}
#define PQ_SYM(f) \
	if ((*(void **)&pq.p_##f = dlsym(h, #f)) == NULL) { \
		snprintf(pq_err, sizeof pq_err, "%s has no %s", PQ_SONAME, \
		    #f); \
		return OMS_ERR; \
	}
	PQ_FUNCS(PQ_SYM)
#undef PQ_SYM
	state = 1;
	return OMS_OK;
}

/*
 * The key of the writers' advisory lock: the application id.  The
 * outbox's lock, taken by a commit that adds rows to it, is the next.
 */
#define LOCK_SQL "SELECT pg_advisory_xact_lock(1869443889)"
#define LOCK_SHARED_SQL "SELECT pg_advisory_xact_lock_shared(1869443889)"
#define OUTBOX_LOCK_SQL "SELECT pg_advisory_xact_lock(1869443890)"

_Static_assert(OMS_APP_ID == 1869443889, "the lock key is the app id");

struct ident_col {
	char *table;
	char *col;		/* "" when the table has none */
};

struct pg {
	PGconn *conn;
	char err[512];
	int changes;
	int64_t last_id;
	unsigned nprepared;
	struct ident_col *ids;
	size_t nids;
	int queue_made;		/* the session's outbox queue exists */
};

struct pg_stmt {
	struct oms_stmt base;
	char *sql;		/* with $N for SQLite's parameters */
	char name[16];		/* prepared on the server, or "" */
	int np;
	char **val;		/* NULL: SQL NULL */
	unsigned char *keep;	/* val[i] is the caller's, not ours */
	int returning;		/* RETURNING added: the row is the new id */
	PGresult *res;
	int row, nrows, run;
};

#define PG(db) ((struct pg *)(db)->h)
#define PS(s) ((struct pg_stmt *)(s))

static void
quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

static const char *
pg_version(void)
{
	static char v[32];

	if (pq_load() != OMS_OK)
		return "libpq not loaded";
	snprintf(v, sizeof v, "libpq %d", PQlibVersion());
	return v;
}

static const char *
pg_errmsg(oms_db *db)
{
	return PG(db)->err;
}

/* Keep the first line of a message, as SQLite's are one line. */
static void
set_err(struct pg *pg, const char *msg)
{
	size_t n = strcspn(msg, "\n");

	if (n >= sizeof pg->err)
		n = sizeof pg->err - 1;
	memcpy(pg->err, msg, n);
	pg->err[n] = '\0';
}

/* The driver's code for a failed result, its message kept. */
static int
fail_code(struct pg *pg, const PGresult *res)
{
	const char *state, *msg;

	if (res == NULL) {
		set_err(pg, PQerrorMessage(pg->conn));
		return OMS_DBE_ERROR;
	}
	msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	set_err(pg, msg != NULL ? msg : PQresultErrorMessage(res));
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (state == NULL)
		return OMS_DBE_ERROR;
	if (strcmp(state, "55P03") == 0 || strcmp(state, "40001") == 0 ||
	    strcmp(state, "40P01") == 0)
		return OMS_DBE_BUSY;
	if (strcmp(state, "25006") == 0 || strcmp(state, "42501") == 0)
		return OMS_DBE_READONLY;
	if (strncmp(state, "23", 2) == 0)
		return OMS_DBE_CONSTRAINT;
	return OMS_DBE_ERROR;
}

static int
result_ok(const PGresult *res)
{
	ExecStatusType s = res != NULL ? PQresultStatus(res) :
	    PGRES_FATAL_ERROR;

	return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

static int
pg_exec(oms_db *db, const char *sql)
{
	PGresult *res = PQexec(PG(db)->conn, sql);
	int rc = OMS_DBE_OK;

	if (!result_ok(res))
		rc = fail_code(PG(db), res);
	PQclear(res);
	return rc;
}

/* One value a query with no parameters gives, or NULL: freed by caller. */
static char *
query_text(oms_db *db, const char *sql, int np, const char *const *val,
    int *rc)
{
	PGresult *res = PQexecParams(PG(db)->conn, sql, np, NULL, val, NULL,
	    NULL, 0);
	char *s = NULL;

	*rc = OMS_DBE_OK;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		*rc = fail_code(PG(db), res);
	else if (PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		s = estrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return s;
}

/*
 * SQLite's parameters as PostgreSQL's: ?NNN is $NNN and a bare ? is one
 * more than the largest number so far, as SQLite numbers them.  Quoted
 * text, quoted names and comments are left alone.
 */
static char *
translate(const char *sql, int *np)
{
	size_t n = strlen(sql);
	char *out = emalloc(3 * n + 1), *o = out;
	const char *s = sql;
	int max = 0;

	while (*s != '\0') {
		if (*s == '\'' || *s == '"') {
			char q = *s;

			*o++ = *s++;
			while (*s != '\0') {
				if (*s == q && s[1] == q) {
					*o++ = *s++;
					*o++ = *s++;
					continue;
				}
				if (*s == q)
					break;
				*o++ = *s++;
			}
			if (*s != '\0')
				*o++ = *s++;
		} else if (s[0] == '-' && s[1] == '-') {
			while (*s != '\0' && *s != '\n')
				*o++ = *s++;
		} else if (s[0] == '/' && s[1] == '*') {
			const char *e = strstr(s + 2, "*/");

			e = e != NULL ? e + 2 : s + strlen(s);
			memcpy(o, s, (size_t)(e - s));
			o += e - s;
			s = e;
		} else if (*s == '?') {
			int v;

			s++;
			if (isdigit((unsigned char)*s)) {
				v = 0;
				while (isdigit((unsigned char)*s) && v < 100000)
					v = v * 10 + (*s++ - '0');
			} else
				v = max + 1;
			if (v > max)
				max = v;
			o += sprintf(o, "$%d", v);
		} else
			*o++ = *s++;
	}
	*o = '\0';
	*np = max;
	return out;
}

/* The word after skipping blanks: its start, its length in *len. */
static const char *
word(const char *s, size_t *len)
{
	while (isspace((unsigned char)*s))
		s++;
	if (*s == '"') {
		const char *e = strchr(s + 1, '"');

		*len = e != NULL ? (size_t)(e - s - 1) : 0;
		return s + 1;
	}
	*len = 0;
	while (isalnum((unsigned char)s[*len]) || s[*len] == '_')
		(*len)++;
	return s;
}

static int
word_is(const char *s, size_t n, const char *w)
{
	return n == strlen(w) && strncasecmp(s, w, n) == 0;
}

/* The identity column of table, "" for none; looked up once. */
static const char *
identity_of(oms_db *db, const char *table, size_t n)
{
	static const char sql[] =
	    "SELECT a.attname FROM pg_catalog.pg_attribute a "
	    "WHERE a.attrelid = to_regclass($1) AND a.attidentity <> '' "
	    "AND NOT a.attisdropped";
	struct pg *pg = PG(db);
	const char *val[1];
	char *t, *col;
	int rc;

	for (size_t i = 0; i < pg->nids; i++)
		if (strlen(pg->ids[i].table) == n &&
		    strncmp(pg->ids[i].table, table, n) == 0)
			return pg->ids[i].col;
	t = estrndup(table, n);
	val[0] = t;
	col = query_text(db, sql, 1, val, &rc);
	if (rc != OMS_DBE_OK) {
		free(t);
		return "";
	}
	pg->ids = erealloc(pg->ids, (pg->nids + 1) * sizeof *pg->ids);
	pg->ids[pg->nids].table = t;
	pg->ids[pg->nids].col = col != NULL ? col : estrdup("");
	return pg->ids[pg->nids++].col;
}

/*
 * An INSERT with no RETURNING of its own, into a table with an identity
 * column: the text with RETURNING that column, or NULL.
 */
static char *
with_returning(oms_db *db, const char *sql)
{
	const char *w, *col;
	char *out;
	size_t n;

	w = word(sql, &n);
	if (!word_is(w, n, "INSERT"))
		return NULL;
	w = word(w + n, &n);
	if (!word_is(w, n, "INTO"))
		return NULL;
	w = word(w + n, &n);
	if (n == 0 || strcasestr(sql, "RETURNING") != NULL)
		return NULL;
	col = identity_of(db, w, n);
	if (*col == '\0')
		return NULL;
	n = strlen(sql);
	while (n > 0 && (isspace((unsigned char)sql[n - 1]) ||
	    sql[n - 1] == ';'))
		n--;
	if (asprintf(&out, "%.*s RETURNING \"%s\"", (int)n, sql, col) < 0)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	return out;
}

static int
pg_prepare(oms_db *db, const char *sql, int cached, struct oms_stmt **out)
{
	struct pg *pg = PG(db);
	struct pg_stmt *ps;
	PGresult *res;
	char *t, *r;
	int np;

	*out = NULL;
	t = translate(sql, &np);
	if ((r = with_returning(db, t)) != NULL) {
		free(t);
		t = r;
	}
	ps = ecalloc(1, sizeof *ps);
	ps->base.db = db;
	ps->sql = t;
	ps->returning = r != NULL;
	ps->np = np;
	ps->val = ecalloc((size_t)np + 1, sizeof *ps->val);
	ps->keep = ecalloc((size_t)np + 1, 1);
	if (cached) {
		snprintf(ps->name, sizeof ps->name, "oms%u", ++pg->nprepared);
		res = PQprepare(pg->conn, ps->name, t, np, NULL);
		if (!result_ok(res)) {
			int rc = fail_code(pg, res);

			PQclear(res);
			free(ps->keep);
			free(ps->val);
			free(ps->sql);
			free(ps);
			return rc;
		}
		PQclear(res);
	}
	*out = &ps->base;
	return OMS_DBE_OK;
}

static void
unbind(struct pg_stmt *ps, int i)
{
	if (!ps->keep[i])
		free(ps->val[i]);
	ps->val[i] = NULL;
	ps->keep[i] = 0;
}

static void
pg_clear(struct oms_stmt *st)
{
	struct pg_stmt *ps = PS(st);

	for (int i = 0; i < ps->np; i++)
		unbind(ps, i);
}

static void
pg_reset(struct oms_stmt *st)
{
	struct pg_stmt *ps = PS(st);

	PQclear(ps->res);
	ps->res = NULL;
	ps->run = 0;
	ps->row = ps->nrows = 0;
}

static void
pg_finalize(struct oms_stmt *st)
{
	struct pg_stmt *ps = PS(st);
	oms_db *db = st->db;

	pg_reset(st);
	pg_clear(st);
	if (ps->name[0] != '\0' && PG(db)->conn != NULL &&
	    PQstatus(PG(db)->conn) == CONNECTION_OK &&
	    PQtransactionStatus(PG(db)->conn) == PQTRANS_IDLE) {
		char sql[32];

		snprintf(sql, sizeof sql, "DEALLOCATE %s", ps->name);
		PQclear(PQexec(PG(db)->conn, sql));
	}
	free(ps->keep);
	free(ps->val);
	free(ps->sql);
	free(ps);
}

static int
pg_nparams(struct oms_stmt *st)
{
	return PS(st)->np;
}

static void
bind(struct oms_stmt *st, int i, char *v, int keep)
{
	struct pg_stmt *ps = PS(st);

	if (i < 1 || i > ps->np) {
		if (!keep)
			free(v);
		return;
	}
	unbind(ps, i - 1);
	ps->val[i - 1] = v;
	ps->keep[i - 1] = (unsigned char)keep;
}

static void
pg_bind_int64(struct oms_stmt *st, int i, int64_t v)
{
	char *s;

	if (asprintf(&s, "%lld", (long long)v) < 0)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	bind(st, i, s, 0);
}

static void
pg_bind_double(struct oms_stmt *st, int i, double v)
{
	char *s;

	if (asprintf(&s, "%.17g", v) < 0)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	bind(st, i, s, 0);
}

static void
pg_bind_null(struct oms_stmt *st, int i)
{
	bind(st, i, NULL, 0);
}

static void
pg_bind_text(struct oms_stmt *st, int i, const char *s, int n, int keep)
{
	if (s == NULL)
		bind(st, i, NULL, 0);
	else if (n < 0 && keep)
		bind(st, i, (char *)s, 1);
	else
		bind(st, i, n < 0 ? estrdup(s) : estrndup(s, (size_t)n), 0);
}

/* Whether a command changed rows, as SQLite counts changes. */
static int
is_change(const char *status)
{
	return strncmp(status, "INSERT", 6) == 0 ||
	    strncmp(status, "UPDATE", 6) == 0 ||
	    strncmp(status, "DELETE", 6) == 0;
}

static int
run(struct pg_stmt *ps)
{
	oms_db *db = ps->base.db;
	struct pg *pg = PG(db);
	PGresult *res;

	if (ps->name[0] != '\0')
		res = PQexecPrepared(pg->conn, ps->name, ps->np,
		    (const char *const *)ps->val, NULL, NULL, 0);
	else
		res = PQexecParams(pg->conn, ps->sql, ps->np, NULL,
		    (const char *const *)ps->val, NULL, NULL, 0);
	ps->run = 1;
	ps->row = -1;
	if (!result_ok(res)) {
		int rc = fail_code(pg, res);

		PQclear(res);
		return rc;
	}
	if (is_change(PQcmdStatus(res)))
		pg->changes = atoi(PQcmdTuples(res));
	ps->res = res;
	ps->nrows = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) :
	    0;
	if (ps->returning) {
		if (ps->nrows > 0)
			pg->last_id = strtoll(PQgetvalue(res, ps->nrows - 1, 0),
			    NULL, 10);
		ps->nrows = 0;
	}
	return OMS_DBE_OK;
}

static int
pg_step(struct oms_stmt *st)
{
	struct pg_stmt *ps = PS(st);
	int rc;

	if (!ps->run && (rc = run(ps)) != OMS_DBE_OK)
		return rc;
	if (ps->row + 1 < ps->nrows) {
		ps->row++;
		return OMS_ROW;
	}
	ps->row = ps->nrows;
	return OMS_DONE;
}

static int
here(struct pg_stmt *ps, int i)
{
	return ps->res != NULL && ps->row >= 0 && ps->row < ps->nrows &&
	    i >= 0 && i < PQnfields(ps->res);
}

static int
pg_col_null(struct oms_stmt *st, int i)
{
	struct pg_stmt *ps = PS(st);

	return !here(ps, i) || PQgetisnull(ps->res, ps->row, i);
}

static const char *
pg_col_text(struct oms_stmt *st, int i)
{
	struct pg_stmt *ps = PS(st);

	if (pg_col_null(st, i))
		return NULL;
	return PQgetvalue(ps->res, ps->row, i);
}

/* A boolean reads as SQLite's 1 and 0; numbers as their value. */
static int64_t
pg_col_int64(struct oms_stmt *st, int i)
{
	const char *s = pg_col_text(st, i);

	if (s == NULL)
		return 0;
	if (strcmp(s, "t") == 0)
		return 1;
	if (strchr(s, '.') != NULL || strchr(s, 'e') != NULL)
		return (int64_t)strtod(s, NULL);
	return strtoll(s, NULL, 10);
}

static double
pg_col_double(struct oms_stmt *st, int i)
{
	const char *s = pg_col_text(st, i);

	if (s == NULL)
		return 0;
	if (strcmp(s, "t") == 0)
		return 1;
	return strtod(s, NULL);
}

static int
pg_ncols(struct oms_stmt *st)
{
	struct pg_stmt *ps = PS(st);

	return ps->res != NULL ? PQnfields(ps->res) : 0;
}

static const char *
pg_col_name(struct oms_stmt *st, int i)
{
	struct pg_stmt *ps = PS(st);

	return ps->res != NULL ? PQfname(ps->res, i) : NULL;
}

/* The identity's sequence set past the largest id the table holds. */
static int
pg_sync_ids(oms_db *db, const char *table)
{
	const char *col = identity_of(db, table, strlen(table));
	const char *val[2] = { table, col };
	char *sql, *s;
	int rc;

	if (*col == '\0')
		return OMS_OK;
	if (asprintf(&sql, "SELECT setval(pg_get_serial_sequence($1, $2), "
	    "coalesce(max(\"%s\"), 0) + 1, false) FROM %s", col, table) < 0)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	s = query_text(db, sql, 2, val, &rc);
	free(sql);
	free(s);
	if (rc != OMS_DBE_OK)
		return oms_db_fail(db, rc, "cannot set the next id");
	return OMS_OK;
}

static int64_t
pg_last_id(oms_db *db)
{
	return PG(db)->last_id;
}

static int
pg_changes(oms_db *db)
{
	return PG(db)->changes;
}

static int
pg_in_tx(oms_db *db)
{
	return PQtransactionStatus(PG(db)->conn) != PQTRANS_IDLE;
}

/* BEGIN, then the writers' lock as lock takes it. */
static int
begin_with(oms_db *db, const char *lock)
{
	int rc;

	/*
	 * Read committed whatever the role's default: each statement sees
	 * what committed before it, and a row locked is read as it now is.
	 */
	if ((rc = pg_exec(db, "BEGIN ISOLATION LEVEL READ COMMITTED")) !=
	    OMS_DBE_OK)
		return rc;
	if ((rc = pg_exec(db, lock)) != OMS_DBE_OK) {
		struct pg *pg = PG(db);
		char keep[sizeof pg->err];

		memcpy(keep, pg->err, sizeof keep);
		pg_exec(db, "ROLLBACK");
		memcpy(pg->err, keep, sizeof keep);
	}
	return rc;
}

/* One writer at a time, as on SQLite, and none that locks by row. */
static int
pg_begin(oms_db *db)
{
	return begin_with(db, LOCK_SQL);
}

/*
 * The outbox rows of a transaction that locks by row, in the order they
 * came: gone at the commit (which has copied them) or the rollback, and
 * a rollback to a savepoint takes back those since.  The table is named
 * with its schema, pg_temp, which no identity column of the database's
 * is under: the INSERT gains no RETURNING and leaves the last id alone.
 */
static const char outbox_queue[] =
    "INSERT INTO pg_temp.oms_outbox_q (at, event_id, movement_id) "
    "VALUES (?, ?, ?)";

/* Beside the other writers that lock by row; alone with the rest. */
static int
pg_begin_rows(oms_db *db)
{
	struct pg *pg = PG(db);
	int rc;

	if (!pg->queue_made) {
		rc = pg_exec(db, "CREATE TEMPORARY TABLE IF NOT EXISTS "
		    "oms_outbox_q (n BIGINT GENERATED ALWAYS AS IDENTITY, "
		    "at TEXT NOT NULL, event_id BIGINT, movement_id BIGINT) "
		    "ON COMMIT DELETE ROWS");
		if (rc != OMS_DBE_OK)
			return rc;
		pg->queue_made = 1;
	}
	return begin_with(db, LOCK_SHARED_SQL);
}

/*
 * A transaction that queued outbox rows adds them now, in one round trip
 * with the commit: under the outbox's lock, so a commit that took lower
 * seqs is visible before any higher one is.
 */
static int
pg_commit(oms_db *db)
{
	if (!db->queued)
		return pg_exec(db, "COMMIT");
	return pg_exec(db, OUTBOX_LOCK_SQL "; "
	    "INSERT INTO outbox (at, event_id, movement_id) "
	    "SELECT at, event_id, movement_id FROM pg_temp.oms_outbox_q "
	    "ORDER BY n; COMMIT");
}

static int
pg_set_cache_mb(oms_db *db, int mb)
{
	(void)db;
	(void)mb;
	return OMS_OK;	/* the server's cache is the server's */
}

static int
meta_value(oms_db *db, const char *name, int *out)
{
	static const char sql[] =
	    "SELECT value FROM oms_meta WHERE name = $1";
	const char *val[1] = { name };
	char *s;
	int rc;

	*out = 0;
	s = query_text(db, sql, 1, val, &rc);
	if (rc != OMS_DBE_OK)
		return rc;
	if (s != NULL)
		*out = (int)strtoll(s, NULL, 10);
	free(s);
	return OMS_DBE_OK;
}

static int
has_meta(oms_db *db, int *out)
{
	char *s;
	int rc;

	s = query_text(db, "SELECT to_regclass('oms_meta') IS NOT NULL", 0,
	    NULL, &rc);
	*out = s != NULL && strcmp(s, "t") == 0;
	free(s);
	return rc;
}

static int
pg_user_version(oms_db *db, int *out)
{
	int rc, meta;

	*out = 0;
	if ((rc = has_meta(db, &meta)) != OMS_DBE_OK ||
	    (meta && (rc = meta_value(db, "user_version", out)) != OMS_DBE_OK))
		return oms_db_fail(db, rc, "cannot read the schema version");
	return OMS_OK;
}

/* What the database says it is. */
struct ident {
	int meta, app, version, objects;
};

static int
identify(oms_db *db, struct ident *id)
{
	static const char objects[] =
	    "SELECT count(*) FROM pg_catalog.pg_class c "
	    "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
	    "WHERE n.nspname = current_schema() AND c.relkind IN "
	    "('r', 'v', 'p', 'm', 'f')";
	char *s;
	int rc;

	memset(id, 0, sizeof *id);
	if ((rc = has_meta(db, &id->meta)) != OMS_DBE_OK)
		return oms_db_fail(db, rc, "cannot read the header");
	if (id->meta) {
		if ((rc = meta_value(db, "application_id", &id->app)) !=
		    OMS_DBE_OK ||
		    (rc = meta_value(db, "user_version", &id->version)) !=
		    OMS_DBE_OK)
			return oms_db_fail(db, rc, "cannot read the header");
	}
	s = query_text(db, objects, 0, NULL, &rc);
	if (rc != OMS_DBE_OK)
		return oms_db_fail(db, rc, "cannot read the catalog");
	id->objects = s != NULL ? atoi(s) : 0;
	free(s);
	return OMS_OK;
}

static int
check_ident(oms_db *db, int flags, const struct ident *id)
{
	if (id->meta && id->app != OMS_APP_ID)
		return oms_fail(OMS_E_DB, "database '%s' is not an oms "
		    "database: its application_id is 0x%08x, not 0x%08x "
		    "(\"oms1\"); give --db an oms database", db->path,
		    (unsigned)id->app, (unsigned)OMS_APP_ID);
	if (!id->meta && id->objects > 0)
		return oms_fail(OMS_E_DB, "database '%s' is not an oms "
		    "database: it has tables and no oms schema; give --db an "
		    "oms database, or oms init a new one", db->path);
	if (!id->meta && !(flags & (OMS_DB_CREATE | OMS_DB_NOMIGRATE)))
		return oms_fail(OMS_E_DB, "database '%s' is empty: oms init "
		    "creates its schema", db->path);
	return OMS_OK;
}

static int
migration_failed(oms_db *db, int rc, const char *what)
{
	oms_fail(OMS_E_DB, "database '%s': %s failed: %s", db->path, what,
	    PG(db)->err);
	return rc == OMS_DBE_BUSY ? oms_db_fail(db, rc, "") : OMS_ERR;
}

/*
 * Bring the schema up to date in one transaction, holding the writers'
 * lock: a new database is made at oms_pg_base whole, then the later
 * migrations run in turn.
 */
static int
migrate(oms_db *db)
{
	static const char meta[] =
	    "CREATE TABLE oms_meta (name TEXT PRIMARY KEY, "
	    "value BIGINT NOT NULL)";
	static const char set[] =
	    "INSERT INTO oms_meta (name, value) VALUES ($1, $2) "
	    "ON CONFLICT (name) DO UPDATE SET value = excluded.value";
	char ver[16], app[16], what[48];
	const char *val[2];
	PGresult *res;
	int rc, v, m;

	if ((rc = pg_begin(db)) != OMS_DBE_OK)
		return oms_db_fail(db, rc, "cannot begin a transaction");
	if ((rc = has_meta(db, &m)) != OMS_DBE_OK ||
	    (m && (rc = meta_value(db, "user_version", &v)) != OMS_DBE_OK)) {
		rc = oms_db_fail(db, rc, "cannot read the schema version");
		goto fail;
	}
	if (!m)
		v = 0;
	if (v > oms_nmigrations) {
		rc = oms_db_too_new(db, v);
		goto fail;
	}
	if (v > 0 && v < oms_pg_base) {
		rc = oms_fail(OMS_E_DB, "database '%s' is at schema %d, which "
		    "oms never made on PostgreSQL", db->path, v);
		goto fail;
	}
	if (v == 0) {
		if ((rc = pg_exec(db, meta)) != OMS_DBE_OK) {
			rc = migration_failed(db, rc, "creating oms_meta");
			goto fail;
		}
		if ((rc = pg_exec(db, oms_pg_schema)) != OMS_DBE_OK) {
			snprintf(what, sizeof what, "schema %d", oms_pg_base);
			rc = migration_failed(db, rc, what);
			goto fail;
		}
		v = oms_pg_base;
	}
	for (; v < oms_nmigrations; v++)
		if ((rc = pg_exec(db, oms_pg_migrations[v - oms_pg_base])) !=
		    OMS_DBE_OK) {
			snprintf(what, sizeof what, "migration %d", v + 1);
			rc = migration_failed(db, rc, what);
			goto fail;
		}
	snprintf(ver, sizeof ver, "%d", v);
	snprintf(app, sizeof app, "%d", OMS_APP_ID);
	val[0] = "user_version";
	val[1] = ver;
	for (int i = 0; i < 2; i++) {
		res = PQexecParams(PG(db)->conn, set, 2, NULL, val, NULL, NULL,
		    0);
		if (!result_ok(res)) {
			rc = oms_db_fail(db, fail_code(PG(db), res),
			    "cannot set the schema version");
			PQclear(res);
			goto fail;
		}
		PQclear(res);
		val[0] = "application_id";
		val[1] = app;
	}
	if ((rc = pg_exec(db, "COMMIT")) != OMS_DBE_OK) {
		rc = oms_db_fail(db, rc, "cannot commit");
		goto fail;
	}
	return OMS_OK;
fail:
	pg_exec(db, "ROLLBACK");
	return rc == OMS_OK ? OMS_ERR : rc;
}

/*
 * The zone this process lives in, by name: TZ, else what /etc/localtime
 * links to (.../zoneinfo/Europe/Berlin), else NULL.
 */
static const char *
local_zone(char *buf, size_t n)
{
	const char *tz = getenv("TZ"), *z;
	ssize_t r;

	if (tz != NULL && *tz != '\0')
		return *tz == ':' ? tz + 1 : tz;
	if ((r = readlink("/etc/localtime", buf, n - 1)) <= 0)
		return NULL;
	buf[r] = '\0';
	if ((z = strstr(buf, "zoneinfo/")) == NULL)
		return NULL;
	return z + 9;
}

/* Settings of the session: the busy timeout, the client's time zone. */
static int
session(oms_db *db)
{
	char sql[64], zbuf[256];
	const char *tz = local_zone(zbuf, sizeof zbuf);
	int rc;

	snprintf(sql, sizeof sql, "SET lock_timeout = %d",
	    db->timeout_ms > 0 ? db->timeout_ms : 1);
	if ((rc = pg_exec(db, sql)) != OMS_DBE_OK ||
	    (rc = pg_exec(db, "SET client_encoding = 'UTF8'")) != OMS_DBE_OK)
		return oms_db_fail(db, rc, "cannot set up the session");
	/* strftime's 'localtime' is the zone this process lives in. */
	if (tz != NULL) {
		const char *val[1] = { tz };
		PGresult *res = PQexecParams(PG(db)->conn,
		    "SELECT set_config('TimeZone', $1, false)", 1, NULL, val,
		    NULL, NULL, 0);

		PQclear(res);	/* a zone PostgreSQL does not know: its own */
	}
	return OMS_OK;
}

static int
pg_open(oms_db *db, const char *target, int flags)
{
	struct ident id;
	struct pg *pg;
	int rc;

	pg = ecalloc(1, sizeof *pg);
	db->h = pg;
	if (pq_load() != OMS_OK)
		return oms_fail(OMS_E_DB, "cannot open database '%s': %s",
		    db->path, pq_err);
	pg->conn = PQconnectdb(target);
	if (pg->conn == NULL)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	if (PQstatus(pg->conn) != CONNECTION_OK) {
		set_err(pg, PQerrorMessage(pg->conn));
		return oms_fail(OMS_E_DB, "cannot open database '%s': %s",
		    db->path, pg->err);
	}
	PQsetNoticeProcessor(pg->conn, quiet, NULL);
	if ((rc = session(db)) != OMS_OK)
		return rc;
	if (flags & OMS_DB_READONLY) {
		db->ro = "opened for reading only";
		if ((rc = pg_exec(db, "SET default_transaction_read_only = on"))
		    != OMS_DBE_OK)
			return oms_db_fail(db, rc, "cannot set up the session");
	}
	if ((rc = identify(db, &id)) != OMS_OK ||
	    (rc = check_ident(db, flags, &id)) != OMS_OK)
		return rc;
	if (flags & OMS_DB_NOMIGRATE)
		return OMS_OK;
	if (id.version > oms_nmigrations)
		return oms_db_too_new(db, id.version);
	if (id.meta && id.version == oms_nmigrations)
		return OMS_OK;
	if (db->ro != NULL)
		return oms_fail(OMS_E_DB, "database '%s' is read-only (%s) "
		    "and at schema %d, older than this oms needs (%d): run "
		    "oms init where it can be written", db->path, db->ro,
		    id.version, oms_nmigrations);
	return migrate(db);
}

static void
pg_close(oms_db *db)
{
	struct pg *pg = PG(db);

	if (pg->conn != NULL)
		PQfinish(pg->conn);
	for (size_t i = 0; i < pg->nids; i++) {
		free(pg->ids[i].table);
		free(pg->ids[i].col);
	}
	free(pg->ids);
	free(pg);
	db->h = NULL;
}

/*
 * A session advisory lock, freed when the connection ends: the name's
 * hash in the high half of the key, key in the low.
 */
static int
pg_hold(oms_db *db, const char *name, int64_t key)
{
	char k[24], *s;
	const char *val[1] = { k };
	uint32_t h = 2166136261u;
	int rc;

	for (const char *p = name; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(k, sizeof k, "%lld", (long long)(((uint64_t)(h &
	    0x7fffffff) << 32) | ((uint64_t)key & 0xffffffffu)));
	s = query_text(db, "SELECT pg_try_advisory_lock(CAST($1 AS BIGINT))",
	    1, val, &rc);
	if (rc != OMS_DBE_OK) {
		free(s);
		return oms_db_fail(db, rc, "cannot take a lock");
	}
	rc = s != NULL && strcmp(s, "t") == 0 ? OMS_OK : OMS_E_BUSY;
	free(s);
	return rc;
}

/* LISTEN, and the connection's socket to wait on. */
static int
pg_listen(oms_db *db, const char *channel)
{
	char sql[96];

	snprintf(sql, sizeof sql, "LISTEN %s", channel);
	if (pg_exec(db, sql) != OMS_DBE_OK)
		return -1;
	return PQsocket(PG(db)->conn);
}

static int
pg_notified(oms_db *db)
{
	PGnotify *n;
	int hit = 0;

	PQconsumeInput(PG(db)->conn);
	while ((n = PQnotifies(PG(db)->conn)) != NULL) {
		hit = 1;
		PQfreemem(n);
	}
	return hit;
}

/* The server's pages are its own: nothing to set before erasing. */
static int
pg_erasing(oms_db *db)
{
	(void)db;
	return OMS_OK;
}

/* VACUUM, outside any transaction: the erased rows' versions go. */
static int
pg_scrub(oms_db *db, int *done)
{
	int rc;

	*done = 0;
	if ((rc = pg_exec(db, "VACUUM")) != OMS_DBE_OK)
		return oms_db_fail(db, rc, "cannot vacuum the database");
	*done = 1;
	return OMS_OK;
}

/* PostgreSQL checks its own pages; it has no integrity pragma to ask. */
static int
pg_check(oms_db *db, void (*fn)(void *, const char *, const char *),
    void *arg, int *problems)
{
	(void)db;
	(void)fn;
	(void)arg;
	(void)problems;
	return OMS_OK;
}

/* Foreign keys are enforced always: no row can point at nothing. */
static int
pg_check_applies(const char *name)
{
	return strcmp(name, "foreign-keys") != 0;
}

const struct oms_driver oms_pg_driver = {
	.name = "postgresql",
	.dialect = OMS_DIALECT_PG,
	.version = pg_version,
	.open = pg_open,
	.close = pg_close,
	.prepare = pg_prepare,
	.step = pg_step,
	.reset = pg_reset,
	.clear = pg_clear,
	.finalize = pg_finalize,
	.nparams = pg_nparams,
	.bind_int64 = pg_bind_int64,
	.bind_double = pg_bind_double,
	.bind_null = pg_bind_null,
	.bind_text = pg_bind_text,
	.col_null = pg_col_null,
	.col_int64 = pg_col_int64,
	.col_double = pg_col_double,
	.col_text = pg_col_text,
	.ncols = pg_ncols,
	.col_name = pg_col_name,
	.last_id = pg_last_id,
	.changes = pg_changes,
	.in_tx = pg_in_tx,
	.exec = pg_exec,
	.begin = pg_begin,
	.begin_rows = pg_begin_rows,
	.begin_read = "BEGIN ISOLATION LEVEL REPEATABLE READ",
	.outbox_queue = outbox_queue,
	.commit = pg_commit,
	.errmsg = pg_errmsg,
	.user_version = pg_user_version,
	.check = pg_check,
	.check_applies = pg_check_applies,
	.set_cache_mb = pg_set_cache_mb,
	.hold = pg_hold,
	.listen = pg_listen,
	.notified = pg_notified,
	.sync_ids = pg_sync_ids,
	.erasing = pg_erasing,
	.scrub = pg_scrub,
};
