/*
 * events.c: the event stream.
 *
 * Every event of an order (the events table: created, held, allocated,
 * shipped, cancelled, refund, ...) and every movement of the stock
 * ledger has a row in outbox, written in the transaction that made the
 * change (oms_db_event, the ledger's write_move), so the stream has
 * exactly the changes that were committed, in the order they were.  A
 * reader names itself (a consumer) and the database keeps the last seq
 * it acknowledged; it reads from there, so across a crash it repeats
 * only what it had not acknowledged and misses nothing.  SQLite has one
 * writer at a time, so a seq is visible only once every smaller one is.
 *
 * An event is printed from the rows it names, as they are when read:
 * what purge-customer erased from an order's events is not in the
 * stream either.
 */
#include <sys/inotify.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oms.h"
#include "stock.h"
#include "events.h"

#define CHUNK 256	/* events read per statement */

static const char sql_read[] =
    "SELECT x.seq, x.at, e.id, e.program, e.order_id, e.action, e.before, "
    "e.after, o.channel, o.account, o.external_id, m.id, m.at, m.program, "
    "m.kind, m.sku, m.location, m.peer, m.qty, m.reason, m.ref, m.key, "
    "m.on_hand_after, m.reserved_after, m.in_transit_after, m.record "
    "FROM outbox x LEFT JOIN events e ON e.id = x.event_id "
    "LEFT JOIN orders o ON o.id = e.order_id "
    "LEFT JOIN movements m ON m.id = x.movement_id "
    "WHERE x.seq > ?1 AND (?3 = 0 OR x.seq <= ?3) ORDER BY x.seq LIMIT ?2";
#define C_MOVE 11	/* the movement's columns start here */

static const char sql_head[] = "SELECT coalesce(max(seq), 0) FROM outbox";

/* A before or after as it was stored: JSON when it is, text when not. */
static void
add_text(cJSON *o, const char *key, const char *s)
{
	cJSON *j;

	if (s == NULL)
		return;
	if ((j = cJSON_Parse(s)) == NULL)
		j = cJSON_CreateString(s);
	cJSON_AddItemToObject(o, key, j);
}

static void
add_str(cJSON *o, const char *key, oms_stmt *st, int col)
{
	const char *s = oms_col_text(st, col);

	if (s != NULL)
		cJSON_AddStringToObject(o, key, s);
}

/* The event of a row of sql_read, or NULL when its row is gone. */
static cJSON *
event_record(oms_stmt *st)
{
	cJSON *o, *m, *f;
	char buf[64];

	if (!oms_col_null(st, 2)) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "seq", (double)oms_col_int64(st, 0));
		snprintf(buf, sizeof buf, "order.%s", oms_col_str(st, 5));
		cJSON_AddStringToObject(o, "type", buf);
		add_str(o, "at", st, 1);
		add_str(o, "program", st, 3);
		if (!oms_col_null(st, 4)) {
			snprintf(buf, sizeof buf, "o_%lld",
			    (long long)oms_col_int64(st, 4));
			cJSON_AddStringToObject(o, "order", buf);
		}
		add_str(o, "channel", st, 8);
		if (*oms_col_str(st, 9) != '\0')
			add_str(o, "account", st, 9);
		add_str(o, "external_id", st, 10);
		add_text(o, "before", oms_col_text(st, 6));
		add_text(o, "after", oms_col_text(st, 7));
		return o;
	}
	if (oms_col_null(st, C_MOVE))
		return NULL;
	/* A movement as oms-stock history prints it, under its seq. */
	m = oms_stock_move_record(st, C_MOVE);
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "seq", (double)oms_col_int64(st, 0));
	cJSON_AddStringToObject(o, "type", "stock.changed");
	add_str(o, "at", st, 1);
	while ((f = m->child) != NULL) {
		cJSON_DetachItemViaPointer(m, f);
		if (strcmp(f->string, "type") == 0 ||
		    strcmp(f->string, "at") == 0) {
			cJSON_Delete(f);
			continue;
		}
		if (strcmp(f->string, "id") == 0) {
			cJSON_AddNumberToObject(o, "movement", f->valuedouble);
			cJSON_Delete(f);
			continue;
		}
		cJSON_AddItemToObject(o, f->string, f);
	}
	cJSON_Delete(m);
	return o;
}

static int
wanted(const struct oms_events_sel *sel, const cJSON *rec)
{
	const char *type;

	if (sel->ntypes == 0)
		return 1;
	type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(rec,
	    "type"));
	for (int i = 0; i < sel->ntypes; i++)
		if (fnmatch(sel->types[i], type, 0) == 0)
			return 1;
	return 0;
}

int
oms_events_read(oms_db *db, const struct oms_events_sel *sel,
    oms_rec_fn fn, void *arg, int64_t *last, long *n)
{
	int64_t after = sel->after;
	int rc, rows;

	*last = after;
	*n = 0;
	for (;;) {
		oms_stmt *st = oms_db_query(db, sql_read, "IiI", after, CHUNK,
		    sel->through);

		if (st == NULL)
			return OMS_ERR;
		rows = 0;
		while ((rc = oms_step(st)) == OMS_ROW) {
			cJSON *rec;
			int r = OMS_OK;

			rows++;
			after = oms_col_int64(st, 0);
			rec = event_record(st);
			if (rec != NULL && wanted(sel, rec)) {
				r = fn(arg, rec);
				(*n)++;
			}
			cJSON_Delete(rec);
			if (r != OMS_OK) {
				oms_reset(st);
				return r;
			}
			*last = after;
			if (sel->limit > 0 && *n >= sel->limit) {
				oms_reset(st);
				return OMS_OK;
			}
		}
		oms_reset(st);
		if (rc != OMS_DONE)
			return oms_db_fail(db, rc, "cannot read the events");
		if (rows < CHUNK)
			return OMS_OK;
	}
}

int
oms_events_head(oms_db *db, int64_t *out)
{
	oms_stmt *st = oms_db_stmt(db, sql_head);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	*out = rc == OMS_ROW ? oms_col_int64(st, 0) : 0;
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read the events");
	return OMS_OK;
}

/*
 * Whether a --type pattern can match a type at all: stock.changed, or
 * order.ACTION, or a pattern that starts as a glob does.  'ORDER.*' or
 * 'orders.*' would pass every event over, and a consumer with them.
 */
int
oms_events_type_valid(const char *pattern)
{
	if (*pattern == '*' || *pattern == '?' || *pattern == '[')
		return 1;
	if (fnmatch(pattern, "stock.changed", 0) == 0)
		return 1;
	return strncmp(pattern, "order.", 6) == 0 && pattern[6] != '\0';
}

/* A consumer's name: what a program's name may be, 64 bytes at most. */
int
oms_events_valid_consumer(const char *name)
{
	return oms_valid_name(name) && strlen(name) <= 64;
}

static const char sql_consumer[] =
    "SELECT id, acked, coalesce(pending, 0) FROM consumers WHERE name = ?";

static int
find_consumer(oms_db *db, const char *name, struct oms_consumer *c)
{
	oms_stmt *st = oms_db_query(db, sql_consumer, "s", name);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	if (rc == OMS_ROW) {
		c->id = oms_col_int64(st, 0);
		c->acked = oms_col_int64(st, 1);
		c->pending = oms_col_int64(st, 2);
		snprintf(c->name, sizeof c->name, "%s", name);
	}
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("no consumer '%s' (see 'oms events "
		    "consumers')", name);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read the consumers");
	return OMS_OK;
}

int
oms_events_consumer(oms_db *db, const char *name, int create,
    struct oms_consumer *c)
{
	static const char sql_add[] =
	    "INSERT INTO consumers (name, acked, created_at) VALUES (?, 0, ?) "
	    "ON CONFLICT (name) DO NOTHING";
	char now[OMS_TIME_LEN];
	int rc, nested;

	memset(c, 0, sizeof *c);
	if (!oms_events_valid_consumer(name))
		return oms_fail(OMS_E_USAGE, "'%s' is not a consumer name "
		    "(a-z, 0-9, '-' and '_', 64 at most)", name);
	rc = find_consumer(db, name, c);
	if (rc != OMS_REJECT || !create)
		return rc;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	oms_time_now(now);
	rc = oms_db_run(db, sql_add, "cannot add a consumer", "st", name, now);
	if (rc == OMS_OK)
		rc = find_consumer(db, name, c);
	return oms_db_write_end(db, nested, rc);
}

/* Where consumer c stands now, by its id: gone when it was forgotten. */
static int
reread(oms_db *db, struct oms_consumer *c)
{
	static const char sql[] =
	    "SELECT acked, coalesce(pending, 0) FROM consumers WHERE id = ?";
	oms_stmt *st = oms_db_query(db, sql, "I", c->id);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	if (rc == OMS_ROW) {
		c->acked = oms_col_int64(st, 0);
		c->pending = oms_col_int64(st, 1);
	}
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_reject("consumer %s was forgotten while it read",
		    c->name);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read the consumers");
	return OMS_OK;
}

int
oms_events_reread(oms_db *db, struct oms_consumer *c)
{
	return reread(db, c);
}

int
oms_events_ack(oms_db *db, struct oms_consumer *c, int64_t seq, int *moved)
{
	static const char sql_ack[] =
	    "UPDATE consumers SET acked = ?1, acked_at = ?2, pending = CASE "
	    "WHEN pending <= ?1 THEN NULL ELSE pending END "
	    "WHERE id = ?3 AND acked < ?1";
	char now[OMS_TIME_LEN];
	int64_t head;
	int rc, nested;

	*moved = 0;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	if ((rc = oms_events_head(db, &head)) == OMS_OK && seq > head)
		rc = oms_reject("there is no event %lld yet (the newest is "
		    "%lld)", (long long)seq, (long long)head);
	if (rc == OMS_OK) {
		oms_time_now(now);
		rc = oms_db_run(db, sql_ack, "cannot acknowledge events",
		    "ItI", seq, now, c->id);
		*moved = rc == OMS_OK && oms_db_changes(db) > 0;
	}
	if (rc == OMS_OK)
		rc = reread(db, c);
	return oms_db_write_end(db, nested, rc);
}

int
oms_events_pending(oms_db *db, struct oms_consumer *c, int64_t seq)
{
	static const char sql[] =
	    "UPDATE consumers SET pending = ?1 WHERE id = ?2 AND acked < ?1";
	int rc, nested;

	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	rc = oms_db_run(db, sql, "cannot note a batch", "II", seq, c->id);
	if (rc == OMS_OK)
		rc = reread(db, c);
	return oms_db_write_end(db, nested, rc);
}

int
oms_events_consumers(oms_db *db, oms_rec_fn fn, void *arg)
{
	static const char sql[] =
	    "SELECT c.name, c.acked, (SELECT count(*) FROM outbox x "
	    "WHERE x.seq > c.acked), c.created_at, c.acked_at, c.pending "
	    "FROM consumers c ORDER BY c.name";
	oms_stmt *st = oms_db_stmt(db, sql);
	int rc, r = OMS_OK;

	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "type", "consumer");
		add_str(o, "name", st, 0);
		cJSON_AddNumberToObject(o, "acked", (double)oms_col_int64(st,
		    1));
		cJSON_AddNumberToObject(o, "behind", (double)oms_col_int64(st,
		    2));
		if (!oms_col_null(st, 5))
			cJSON_AddNumberToObject(o, "pending",
			    (double)oms_col_int64(st, 5));
		add_str(o, "created_at", st, 3);
		add_str(o, "acked_at", st, 4);
		r = fn(arg, o);
		cJSON_Delete(o);
		if (r != OMS_OK)
			break;
	}
	oms_reset(st);
	if (r != OMS_OK)
		return r;
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the consumers");
	return OMS_OK;
}

int
oms_events_forget(oms_db *db, const char *name)
{
	static const char sql[] = "DELETE FROM consumers WHERE name = ?";
	int rc, nested;

	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	rc = oms_db_run(db, sql, "cannot forget a consumer", "s", name);
	if (rc == OMS_OK && oms_db_changes(db) == 0)
		rc = oms_reject("no consumer '%s' (see 'oms events "
		    "consumers')", name);
	return oms_db_write_end(db, nested, rc);
}

/*
 * What may go: acknowledged by every consumer (so nothing, with none),
 * older than ?2 when given, and never the newest, whose seq is the
 * stream's head.
 */
#define PRUNABLE \
	"FROM outbox WHERE seq <= (SELECT min(acked) FROM consumers) " \
	"AND seq < (SELECT max(seq) FROM outbox) " \
	"AND (CAST(?1 AS TEXT) IS NULL OR at < ?1)"

int
oms_events_prune(oms_db *db, const char *before, int64_t *n,
    int64_t *through)
{
	static const char sql_last[] = "SELECT count(*), coalesce(max(seq), 0) "
	    PRUNABLE;
	static const char sql_del[] = "DELETE " PRUNABLE;
	oms_stmt *st;
	int rc, nested;

	*n = *through = 0;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		return rc;
	if ((st = oms_db_query(db, sql_last, "s", before)) == NULL)
		return oms_db_write_end(db, nested, OMS_ERR);
	if ((rc = oms_step(st)) == OMS_ROW) {
		*n = oms_col_int64(st, 0);
		*through = oms_col_int64(st, 1);
	}
	oms_reset(st);
	rc = rc == OMS_ROW ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read the events");
	if (rc == OMS_OK && *n > 0)
		rc = oms_db_run(db, sql_del, "cannot prune the events", "s",
		    before);
	return oms_db_write_end(db, nested, rc);
}

/*
 * The database's own path, links resolved, as SQLite finds its journal:
 * two names of one database lock and watch one place.
 */
static void
db_path(oms_db *db, char out[PATH_MAX])
{
	if (realpath(oms_db_file(db), out) == NULL)
		snprintf(out, PATH_MAX, "%s", oms_db_file(db));
}

int
oms_events_lock(oms_db *db, int64_t consumer_id)
{
	int rc = oms_db_hold(db, "events", consumer_id);

	if (rc == OMS_E_BUSY)
		return oms_fail(OMS_E_BUSY, "another process is reading the "
		    "events as this consumer");
	return rc;
}

struct oms_events_watch {
	oms_db *db;		/* PostgreSQL's notifications, or NULL */
	int fd;
	char base[NAME_MAX + 1];
};

int
oms_events_watch(oms_db *db, struct oms_events_watch **out)
{
	char path[PATH_MAX], dir[PATH_MAX];
	const char *slash;
	struct oms_events_watch *w;

	*out = NULL;
	w = ecalloc(1, sizeof *w);
	/* A server tells its listeners of each commit to the outbox. */
	if ((w->fd = oms_db_listen(db)) >= 0) {
		w->db = db;
		*out = w;
		return OMS_OK;
	}
	db_path(db, path);
	slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	snprintf(w->base, sizeof w->base, "%.*s", (int)(sizeof w->base - 1),
	    slash ? slash + 1 : path);
	if ((w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
	    inotify_add_watch(w->fd, dir, IN_MODIFY | IN_CLOSE_WRITE |
	    IN_CREATE | IN_MOVED_TO) < 0) {
		int e = errno;

		if (w->fd >= 0)
			close(w->fd);
		free(w);
		return oms_fail(OMS_E_OTHER, "cannot watch '%s' for changes: "
		    "%s", dir, strerror(e));
	}
	*out = w;
	return OMS_OK;
}

/* Whether a name in the directory is the database or its journal. */
static int
ours(const struct oms_events_watch *w, const char *name)
{
	size_t n = strlen(w->base);

	if (strncmp(name, w->base, n) != 0)
		return 0;
	return name[n] == '\0' || strcmp(name + n, "-wal") == 0 ||
	    strcmp(name + n, "-journal") == 0;
}

int
oms_events_wait(struct oms_events_watch *w, int timeout_ms,
    const sigset_t *mask)
{
	struct timespec start;
	char buf[4096] __attribute__((aligned(__alignof__(struct
	    inotify_event))));

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { w->fd, POLLIN, 0 };
		long left = timeout_ms - oms_ms_since(&start);
		struct timespec ts;
		int hit = 0;
		ssize_t r;

		if (left <= 0)
			return 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000L;
		/* The signals blocked but here come while it waits, not before. */
		if (ppoll(&p, 1, &ts, mask) < 0) {
			if (errno == EINTR)
				return -1;
			return 0;
		}
		if (w->db != NULL) {
			if (oms_db_notified(w->db))
				return 1;
			continue;
		}
		while ((r = read(w->fd, buf, sizeof buf)) > 0) {
			for (char *q = buf; q < buf + r; ) {
				struct inotify_event *ev = (void *)q;

				if (ev->len > 0 && ours(w, ev->name))
					hit = 1;
				q += sizeof *ev + ev->len;
			}
		}
		if (hit)
			return 1;
	}
}

void
oms_events_unwatch(struct oms_events_watch *w)
{
	if (w == NULL)
		return;
	if (w->db == NULL)
		close(w->fd);
	free(w);
}
