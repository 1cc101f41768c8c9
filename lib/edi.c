/*
 * edi.c: what a 3pl location is sent and sends back, as X12 (oms-edi(1)).
 *
 * Out: a warehouse shipping order (940) for each order with stock
 * allocated at the location and not yet sent, and a 940 that cancels
 * (W05-01 "F") one sent whose allocations have changed since (the order
 * cancelled, a line taken off, the order routed again): each 940 its own
 * transaction set, all in one interchange, one file a run.  In: the
 * 3pl's shipping advice (945), recorded as a shipment as oms-ship
 * records its own; its inventory advice (846), counts through the
 * ledger; its functional acknowledgement (997) of our 940s.  Each 945
 * and 846 read is acknowledged with a 997 of ours.
 *
 * Control numbers come from edi_control, by our sender id, and only go
 * up.  A file is written where it cannot be half seen: into the
 * directory as ".NAME.part", created exclusively, mode 0600, never
 * through a symbolic link, flushed; the run commits; then the part is
 * linked to NAME, which fails rather than replace anything there.  A
 * run that dies between its commit and the link leaves the part, which
 * the next run links (what the database says was sent is what the
 * directory gets); a part no commit stands behind is deleted.
 *
 * A file read is known by its sender and its interchange control
 * number: read again, what was applied stays as it is and what was
 * refused is tried again.  Each transaction set is applied in a
 * transaction of its own, whole or not at all.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bounds.h"
#include "oms.h"
#include "order.h"
#include "ship.h"
#include "stock.h"
#include "x12.h"

#define CONTROL_MAX 999999999LL

/* The carriers' SCACs oms knows, as the carrier codes of shipments. */
static const struct {
	const char *scac, *code;
} scacs[] = {
	{ "UPSN", "ups" }, { "UPSS", "ups" }, { "UPGF", "ups" },
	{ "FDEG", "fedex" }, { "FDXG", "fedex" }, { "FDXE", "fedex" },
	{ "FDE", "fedex" }, { "FXFE", "fedex" }, { "FEDX", "fedex" },
	{ "USPS", "usps" }, { "DHLC", "dhl" }, { "DHL", "dhl" },
	{ "DHLG", "dhl" }, { "ONTR", "ontrac" }, { "LSOB", "lso" },
};

/* A time HHMM (or HHMMSS): 4 digits or more. */
static int
digits_ok(const char *s)
{
	return strlen(s) >= 4 && strspn(s, "0123456789") == strlen(s);
}

/* ---- the account: edi/LOC.json ---------------------------------------- */

struct party {
	const char *q, *id, *app;
	char key[40];		/* "ZZ:ID", as edi_control and the files know */
};

struct account {
	cJSON *doc;
	char *path;
	const char *loc;
	struct party us, them;
	int test;
	const char *dir;	/* where files go, unless --dir says */
	const char *carrier;	/* shipments' carrier: "edi" */
	const cJSON *services, *carriers;
};

/* A location id that may name a file: letters, digits, '-', '_'. */
int
oms_edi_location_ok(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n <= 64 && id[0] != '-' && strspn(id,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
	    == n;
}

static void
account_free(struct account *a)
{
	cJSON_Delete(a->doc);
	free(a->path);
	memset(a, 0, sizeof *a);
}

static int
bad_account(const struct account *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
bad_account(const struct account *a, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return oms_fail(OMS_E_ADAPTER, "EDI account '%s': %s", a->path, msg);
}

/* An id X12 can carry in the ISA or GS: 1 to max of [A-Z0-9 .-_]. */
static int
id_ok(const char *s, size_t lo, size_t max)
{
	size_t n = strlen(s);

	return n >= lo && n <= max && s[0] != ' ' && strspn(s,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .-_")
	    == n;
}

static int
party(struct account *a, const char *key, struct party *p)
{
	const cJSON *o = cJSON_GetObjectItemCaseSensitive(a->doc, key);

	if (!cJSON_IsObject(o))
		return bad_account(a, "no \"%s\" object (its qualifier and id)",
		    key);
	p->q = oms_json_str(o, "qualifier");
	p->id = oms_json_str(o, "id");
	p->app = oms_json_str(o, "application");
	if (p->q == NULL || strlen(p->q) != 2 || !isalnum((unsigned char)
	    p->q[0]) || !isalnum((unsigned char)p->q[1]))
		return bad_account(a, "%s.qualifier must be 2 letters or digits "
		    "(ZZ, 01, 12 ...)", key);
	if (p->id == NULL || !id_ok(p->id, 1, 15))
		return bad_account(a, "%s.id must be 1 to 15 letters, digits, "
		    "spaces, '.', '-' or '_'", key);
	if (p->app == NULL)
		p->app = p->id;
	else if (!id_ok(p->app, 2, 15))
		return bad_account(a, "%s.application must be 2 to 15 letters, "
		    "digits, spaces, '.', '-' or '_'", key);
	snprintf(p->key, sizeof p->key, "%s:%s", p->q, p->id);
	return OMS_OK;
}

/* edi/LOC.json on the search path: OMS_EOF when there is none. */
static int
account_load(const char *loc, struct account *a)
{
	struct oms_buf rel = { 0 };
	const cJSON *v;
	char *text;
	int rc;

	memset(a, 0, sizeof *a);
	oms_buf_printf(&rel, "edi/%s.json", loc);
	rc = oms_search_read(rel.s, &text, &a->path);
	oms_buf_free(&rel);
	if (rc != OMS_OK)
		return rc;
	a->loc = loc;
	a->doc = cJSON_Parse(text);
	free(text);
	if (!cJSON_IsObject(a->doc))
		return bad_account(a, "not a JSON object");
	if ((rc = party(a, "us", &a->us)) != OMS_OK ||
	    (rc = party(a, "3pl", &a->them)) != OMS_OK)
		return rc;
	v = cJSON_GetObjectItemCaseSensitive(a->doc, "test");
	if (v != NULL && !cJSON_IsBool(v))
		return bad_account(a, "test must be true or false");
	a->test = cJSON_IsTrue(v);
	v = cJSON_GetObjectItemCaseSensitive(a->doc, "dir");
	if (v != NULL && (!cJSON_IsString(v) || *v->valuestring == '\0'))
		return bad_account(a, "dir must be a directory's path");
	a->dir = v ? v->valuestring : NULL;
	a->carrier = oms_json_str(a->doc, "carrier");
	if (a->carrier == NULL)
		a->carrier = "edi";
	else if (!oms_valid_name(a->carrier))
		return bad_account(a, "carrier must be a carrier adapter's "
		    "name (a-z, 0-9, '-', '_')");
	a->services = cJSON_GetObjectItemCaseSensitive(a->doc, "services");
	a->carriers = cJSON_GetObjectItemCaseSensitive(a->doc, "carriers");
	if ((a->services && !cJSON_IsObject(a->services)) ||
	    (a->carriers && !cJSON_IsObject(a->carriers)))
		return bad_account(a, "services and carriers must be objects");
	return OMS_OK;
}

/* The location: there, and a 3pl; then its account. */
static int
account_for(oms_db *db, const char *loc, struct account *a)
{
	static const char sql[] = "SELECT kind FROM locations WHERE id = ?";
	oms_stmt *st;
	char kind[32] = "";
	int rc;

	memset(a, 0, sizeof *a);
	if (!oms_edi_location_ok(loc))
		return oms_fail(OMS_E_USAGE, "location '%.80s': a 3pl location's "
		    "id is 1 to 64 letters, digits, '-' and '_', which name its "
		    "files", loc);
	if ((st = oms_db_query(db, sql, "s", loc)) == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW)
		snprintf(kind, sizeof kind, "%s", oms_col_str(st, 0));
	oms_reset(st);
	if (rc == OMS_DONE)
		return oms_fail(OMS_E_USAGE, "no location %s (a location record "
		    "adds it: oms-stock)", loc);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read the locations");
	if (strcmp(kind, "3pl") != 0)
		return oms_fail(OMS_E_USAGE, "location %s is %s%s, not a 3pl: "
		    "only a 3pl is sent its orders by EDI", loc,
		    *kind ? "a " : "of no kind", kind);
	rc = account_load(loc, a);
	if (rc == OMS_EOF)
		return oms_fail(OMS_E_ADAPTER, "no EDI account for location %s "
		    "(edi/%s.json on the search path: its ids and ours)", loc,
		    loc);
	return rc;
}

/* ---- control numbers, files ------------------------------------------- */

/* The next control number of kind for sender, never one used before. */
static int
control_next(oms_db *db, const char *sender, const char *kind, int64_t *out)
{
	static const char sql[] =
	    "INSERT INTO edi_control (sender, kind, last) VALUES (?1, ?2, 1) "
	    "ON CONFLICT (sender, kind) DO UPDATE SET last = edi_control.last "
	    "+ 1 "
	    "RETURNING last";
	oms_stmt *st = oms_db_query(db, sql, "ss", sender, kind);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW)
		*out = oms_col_int64(st, 0);
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot take a control number");
	if (*out > CONTROL_MAX)
		return oms_seterr("the %s control numbers of %s are used up "
		    "(%lld): X12 has 9 digits for them", kind, sender,
		    CONTROL_MAX);
	return OMS_OK;
}

struct outdir {
	const char *path;
	int fd;
};

static int
outdir_open(const char *dir, struct outdir *d)
{
	struct stat sb;

	d->path = dir;
	d->fd = -1;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return oms_seterr("cannot make the directory '%s': %s", dir,
		    strerror(errno));
	if (oms_dir_check(dir) != OMS_OK)
		return OMS_ERR;
	if ((d->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return oms_seterr("cannot open the directory '%s': %s", dir,
		    strerror(errno));
	if (fstat(d->fd, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		close(d->fd);
		d->fd = -1;
		return oms_seterr("'%s' is not a directory", dir);
	}
	return OMS_OK;
}

static void
outdir_close(struct outdir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/*
 * Whether name may be written in d: nothing is there by that name,
 * not a file, not a symbolic link.
 */
static int
name_free(const struct outdir *d, const char *name)
{
	struct stat sb;

	if (fstatat(d->fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		return oms_seterr("cannot write '%s/%s': %s is there already; "
		    "nothing is written over it, nor through it", d->path, name,
		    S_ISLNK(sb.st_mode) ? "a symbolic link" : S_ISREG(sb.st_mode)
		    ? "a file" : "not a file");
	if (errno != ENOENT)
		return oms_seterr("cannot write '%s/%s': %s", d->path, name,
		    strerror(errno));
	return OMS_OK;
}

/* The part that becomes name: created exclusively, mode 0600, flushed. */
static int
part_write(const struct outdir *d, const char *name, const struct oms_buf *b)
{
	char part[160];
	size_t off = 0;
	int fd;

	snprintf(part, sizeof part, ".%.140s.part", name);
	fd = openat(d->fd, part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd < 0)
		return oms_seterr("cannot write '%s/%s': %s", d->path, part,
		    strerror(errno));
	while (off < b->len) {
		ssize_t w = write(fd, b->s + off, b->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	if (off < b->len || fsync(fd) != 0) {
		int e = errno ? errno : EIO;

		close(fd);
		unlinkat(d->fd, part, 0);
		return oms_seterr("cannot write '%s/%s': %s", d->path, part,
		    strerror(e));
	}
	if (close(fd) != 0) {
		unlinkat(d->fd, part, 0);
		return oms_seterr("cannot write '%s/%s': %s", d->path, part,
		    strerror(errno));
	}
	return OMS_OK;
}

static void
part_drop(const struct outdir *d, const char *name)
{
	char part[160];

	snprintf(part, sizeof part, ".%.140s.part", name);
	unlinkat(d->fd, part, 0);
}

/*
 * The part, committed, gets its name: a link, which fails rather than
 * replace what is there.  What another run linked already is the same
 * file.
 */
static int
part_publish(const struct outdir *d, const char *name)
{
	char part[160];
	struct stat a, b;

	snprintf(part, sizeof part, ".%.140s.part", name);
	if (linkat(d->fd, part, d->fd, name, 0) != 0) {
		int e = errno;

		if (!(e == EEXIST && fstatat(d->fd, part, &a,
		    AT_SYMLINK_NOFOLLOW) == 0 && fstatat(d->fd, name, &b,
		    AT_SYMLINK_NOFOLLOW) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev))
			return oms_seterr("cannot name '%s/%s' (%s): it is "
			    "kept as '%s/%s'; the next run names it", d->path,
			    name, strerror(e), d->path, part);
	}
	unlinkat(d->fd, part, 0);
	if (fsync(d->fd) != 0 && errno != EINVAL && errno != EROFS)
		return oms_seterr("cannot write '%s/%s': %s", d->path, name,
		    strerror(errno));
	return OMS_OK;
}

/*
 * Parts an earlier run left in d for location loc: linked when their
 * interchange was committed, deleted when not.  Under the write lock,
 * so no other run is between its write and its commit.
 */
static int
parts_recover(oms_db *db, const struct outdir *d, const struct account *a)
{
	static const char sql[] =
	    "SELECT 1 FROM edi_interchanges WHERE direction = 'out' "
	    "AND sender = ? AND receiver = ? AND control = ? AND location = ?";
	int fd = dup(d->fd);
	DIR *dp;
	struct dirent *e;
	int rc = OMS_OK;

	if (fd < 0 || (dp = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return oms_seterr("cannot read the directory '%s': %s",
		    d->path, strerror(errno));
	}
	while (rc == OMS_OK && (e = readdir(dp)) != NULL) {
		/* ".940-LOC-000000012.x12.part", LOC ours, 940 or 997. */
		const char *n = e->d_name;
		size_t len = strlen(n), ll = strlen(a->loc);
		char name[160];
		long long ctl;
		oms_stmt *st;

		if (len != 1 + 4 + ll + 1 + 9 + 9 || n[0] != '.' ||
		    (strncmp(n + 1, "940-", 4) != 0 &&
		    strncmp(n + 1, "997-", 4) != 0) ||
		    strncmp(n + 5, a->loc, ll) != 0 || n[5 + ll] != '-' ||
		    strspn(n + 6 + ll, "0123456789") != 9 ||
		    strcmp(n + 15 + ll, ".x12.part") != 0)
			continue;
		ctl = strtoll(n + 6 + ll, NULL, 10);
		snprintf(name, sizeof name, "%.*s", (int)len - 6, n + 1);
		if ((st = oms_db_query(db, sql, "ssIs", a->us.key, a->them.key,
		    (int64_t)ctl, a->loc)) == NULL) {
			rc = OMS_ERR;
			break;
		}
		rc = oms_step(st);
		oms_reset(st);
		if (rc == OMS_ROW)
			rc = part_publish(d, name);
		else if (rc == OMS_DONE) {
			part_drop(d, name);
			rc = OMS_OK;
		} else
			rc = oms_db_fail(db, rc, "cannot read the interchanges");
	}
	closedir(dp);
	return rc;
}

static void
digest_hex(const char *s, size_t n, char out[17])
{
	snprintf(out, 17, "%016" PRIx64, oms_hash64(s, n, OMS_HASH_INIT));
}

/* An interchange written or read: its row. */
static int
interchange_put(oms_db *db, const char *loc, const char *dir,
    const char *sender, const char *receiver, int64_t control,
    const char *file, const char *digest, int64_t *id)
{
	static const char sql[] =
	    "INSERT INTO edi_interchanges (location, direction, sender, "
	    "receiver, control, dir, file, digest, at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
	char now[OMS_TIME_LEN];
	int rc;

	oms_time_now(now);
	rc = oms_db_run(db, sql, "cannot record an interchange", "ssssIssss",
	    loc, dir != NULL ? "out" : "in", sender, receiver, control, dir,
	    file, digest, now);
	/* dir is NULL for what was read: bound as NULL, the direction in. */
	*id = oms_db_last_id(db);
	return rc;
}

static int
set_put(oms_db *db, int64_t ichg, int64_t group, const char *set_id,
    const char *control, const char *state, const char *note, int64_t *id)
{
	static const char sql[] =
	    "INSERT INTO edi_sets (interchange_id, group_control, set_id, "
	    "control, state, note, at) VALUES (?, ?, ?, ?, ?, ?, ?)";
	char now[OMS_TIME_LEN];
	int rc;

	oms_time_now(now);
	rc = oms_db_run(db, sql, "cannot record a transaction set", "IIsssss",
	    ichg, group, set_id, control, state, note, now);
	*id = oms_db_last_id(db);
	return rc;
}

static int
set_state(oms_db *db, int64_t id, const char *state, const char *note)
{
	static const char sql[] =
	    "UPDATE edi_sets SET state = ?, note = ? WHERE id = ?";

	return oms_db_run(db, sql, "cannot record a transaction set", "ssI",
	    state, note, id);
}

/* ---- sending ------------------------------------------------------------ */

struct line {
	int64_t alloc, qty, grams;
	int line_no, lx;
	char *sku, *barcode, *title;
};

struct sendo {
	int64_t order_id, cancels;	/* cancels: the 940 a cancel ends */
	char dep[32];
	struct line *lines;
	int n;
	cJSON *order;		/* the stored order */
	char *external_id, *service, *placed_at, *ship_by, *deliver_by;
	int64_t set_row, edi_row;
	char control[16];
};

static void
sendo_free(struct sendo *s)
{
	for (int i = 0; i < s->n; i++) {
		free(s->lines[i].sku);
		free(s->lines[i].barcode);
		free(s->lines[i].title);
	}
	free(s->lines);
	cJSON_Delete(s->order);
	free(s->external_id);
	free(s->service);
	free(s->placed_at);
	free(s->ship_by);
	free(s->deliver_by);
	memset(s, 0, sizeof *s);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? estrdup(s) : NULL;
}

static int
load_order(oms_db *db, struct sendo *s)
{
	static const char sql[] =
	    "SELECT record, external_id, service, placed_at, ship_by, "
	    "deliver_by FROM orders WHERE id = ?";
	oms_stmt *st = oms_db_query(db, sql, "I", s->order_id);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		s->order = cJSON_Parse(oms_col_str(st, 0));
		s->external_id = estrdup(oms_col_str(st, 1));
		s->service = dup_or_null(oms_col_text(st, 2));
		s->placed_at = dup_or_null(oms_col_text(st, 3));
		s->ship_by = dup_or_null(oms_col_text(st, 4));
		s->deliver_by = dup_or_null(oms_col_text(st, 5));
	}
	oms_reset(st);
	if (rc != OMS_ROW)
		return rc == OMS_DONE ? oms_seterr("no order o_%lld",
		    (long long)s->order_id) : oms_db_fail(db, rc,
		    "cannot read an order");
	return OMS_OK;
}

static void
add_line(struct sendo *s, int64_t alloc, int line_no, const char *sku,
    int64_t qty, const char *barcode, const char *title, int64_t grams,
    int lx)
{
	struct line *l;

	s->lines = erealloc(s->lines, (size_t)(s->n + 1) * sizeof *s->lines);
	l = &s->lines[s->n++];
	memset(l, 0, sizeof *l);
	l->alloc = alloc;
	l->line_no = line_no;
	l->sku = estrdup(sku);
	l->qty = qty;
	l->barcode = dup_or_null(barcode);
	l->title = dup_or_null(title);
	l->grams = grams;
	l->lx = lx;
}

/* Allocation a at loc, active, that no open 940 has asked for. */
#define UNSENT \
	"a.location = ?2 AND a.state = 'active' AND NOT EXISTS (SELECT 1 " \
	"FROM edi_lines l JOIN edi_orders e ON e.id = l.edi_order " \
	"WHERE l.allocation_id = a.id AND e.purpose = 'ship' " \
	"AND e.state IN ('sent', 'accepted'))"

/* What order s is still to be sent at loc: a line per line and sku. */
static int
load_unsent(oms_db *db, const char *loc, struct sendo *s)
{
	static const char sql[] =
	    "SELECT a.id, a.line_no, a.sku, a.qty, p.barcode, "
	    "coalesce(p.title, ol.title), coalesce(p.weight_g, 0) "
	    "FROM allocations a LEFT JOIN products p ON p.sku = a.sku "
	    "LEFT JOIN order_lines ol ON ol.order_id = a.order_id "
	    "AND ol.line_no = a.line_no WHERE a.order_id = ?1 AND " UNSENT
	    " ORDER BY a.line_no, a.sku, a.id";
	oms_stmt *st = oms_db_query(db, sql, "Is", s->order_id, loc);
	int rc, lx = 0, prev_line = -1;
	char prev_sku[256] = "";

	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		int line_no = oms_col_int(st, 1);
		const char *sku = oms_col_str(st, 2);

		if (line_no != prev_line || strcmp(sku, prev_sku) != 0)
			lx++;
		prev_line = line_no;
		snprintf(prev_sku, sizeof prev_sku, "%s", sku);
		add_line(s, oms_col_int64(st, 0), line_no, sku,
		    oms_col_int64(st, 3), oms_col_text(st, 4),
		    oms_col_text(st, 5), oms_col_int64(st, 6), lx);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the allocations");
	return OMS_OK;
}

/* The lines a 940 sent asked for, as it asked: for its cancel. */
static int
load_sent(oms_db *db, int64_t edi_row, struct sendo *s)
{
	static const char sql[] =
	    "SELECT l.allocation_id, l.line_no, l.sku, l.qty, p.barcode, "
	    "coalesce(p.title, ol.title), coalesce(p.weight_g, 0), l.lx "
	    "FROM edi_lines l JOIN edi_orders e ON e.id = l.edi_order "
	    "LEFT JOIN products p ON p.sku = l.sku "
	    "LEFT JOIN order_lines ol ON ol.order_id = e.order_id "
	    "AND ol.line_no = l.line_no WHERE l.edi_order = ? "
	    "ORDER BY l.lx, l.allocation_id";
	oms_stmt *st = oms_db_query(db, sql, "I", edi_row);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW)
		add_line(s, oms_col_int64(st, 0), oms_col_int(st, 1),
		    oms_col_str(st, 2), oms_col_int64(st, 3),
		    oms_col_text(st, 4), oms_col_text(st, 5),
		    oms_col_int64(st, 6), oms_col_int(st, 7));
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read a 940 sent");
	return OMS_OK;
}

/* "20261126" of an RFC 3339 time. */
static const char *
ymd(const char *t, char out[9])
{
	if (t == NULL || strlen(t) < 10) {
		out[0] = '\0';
		return out;
	}
	snprintf(out, 9, "%.4s%.2s%.2s", t, t + 5, t + 8);
	return out;
}

static const char *
fit(char *buf, size_t n, const char *s, size_t max)
{
	return oms_x12_text(buf, n, s, max);
}

/* A barcode as W01 carries it: a 12-digit UPC in W01-03, else EAN, GTIN. */
static void
barcode_els(const char *b, const char **upc, const char **q, const char **id)
{
	size_t n = b ? strlen(b) : 0;

	*upc = *q = *id = "";
	if (n == 0 || strspn(b, "0123456789") != n)
		return;
	if (n == 12)
		*upc = b;
	else if (n == 13) {
		*q = "EN";
		*id = b;
	} else if (n == 14) {
		*q = "UK";
		*id = b;
	}
}

/* How the order goes: the account's map of service levels, else a name. */
static void
ship_method(const struct account *a, const char *service, char method[3],
    char *routing, size_t nr, char scac[5])
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(a->services,
	    service ? service : "standard");
	const char *v;

	snprintf(method, 3, "U");
	snprintf(routing, nr, "%s", service ? service : "standard");
	for (char *p = routing; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	scac[0] = '\0';
	if (!cJSON_IsObject(m))
		return;
	if ((v = oms_json_str(m, "method")) != NULL && strlen(v) <= 2)
		snprintf(method, 3, "%s", v);
	if ((v = oms_json_str(m, "routing")) != NULL)
		fit(routing, nr, v, 35);
	if ((v = oms_json_str(m, "scac")) != NULL && strlen(v) >= 2 &&
	    strlen(v) <= 4)
		snprintf(scac, 5, "%s", v);
}

/* One 940: for order s, or cancelling the 940 it names (W05-01 F). */
static void
write_940(struct oms_x12w *w, const struct account *a, struct sendo *s,
    int cancel, const char *now)
{
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(s->order, "ship_to");
	const char *name = oms_json_str(to, "name");
	const char *company = oms_json_str(to, "company");
	char b1[64], b2[64], b3[64], b4[64], d[9], method[3], routing[40];
	char scac[5], qty[32], lx[16], weight[32];
	int64_t units = 0, grams = 0;
	int weighed = 1;

	oms_x12w_seg(w, "W05", cancel ? "F" : "N", s->dep,
	    strlen(s->external_id) <= 22 ? s->external_id : "", NULL);
	if (name == NULL || *name == '\0')
		name = company ? company : "";
	oms_x12w_seg(w, "N1", "ST", fit(b1, sizeof b1, name, 60), NULL);
	if (company != NULL && *company && strcmp(company, name) != 0)
		oms_x12w_seg(w, "N2", fit(b1, sizeof b1, company, 60), NULL);
	oms_x12w_seg(w, "N3", fit(b1, sizeof b1, oms_json_str(to, "address1"),
	    55), fit(b2, sizeof b2, oms_json_str(to, "address2"), 55), NULL);
	oms_x12w_seg(w, "N4", fit(b1, sizeof b1, oms_json_str(to, "city"), 30),
	    fit(b2, sizeof b2, oms_json_str(to, "region"), 2),
	    fit(b3, sizeof b3, oms_json_str(to, "postal_code"), 15),
	    fit(b4, sizeof b4, oms_json_str(to, "country"), 3), NULL);
	if (oms_json_str(to, "phone") != NULL && *oms_json_str(to, "phone"))
		oms_x12w_seg(w, "PER", "IC", fit(b1, sizeof b1, name, 60), "TE",
		    fit(b2, sizeof b2, oms_json_str(to, "phone"), 25), NULL);
	if (strlen(s->external_id) > 22)
		oms_x12w_seg(w, "N9", "PO", fit(b1, sizeof b1, s->external_id,
		    30), NULL);
	oms_x12w_seg(w, "G62", "04", ymd(s->placed_at ? s->placed_at : now, d),
	    NULL);
	if (s->ship_by != NULL)
		oms_x12w_seg(w, "G62", "10", ymd(s->ship_by, d), NULL);
	if (s->deliver_by != NULL)
		oms_x12w_seg(w, "G62", "02", ymd(s->deliver_by, d), NULL);
	ship_method(a, s->service, method, routing, sizeof routing, scac);
	oms_x12w_seg(w, "W66", "PP", method, "", "", routing, "", "", "", "",
	    scac, NULL);
	for (int i = 0; i < s->n; i++) {
		const struct line *l = &s->lines[i];
		int64_t q = 0;
		const char *upc, *bq, *bid;

		if (i > 0 && s->lines[i - 1].lx == l->lx)
			continue;
		for (int j = i; j < s->n && s->lines[j].lx == l->lx; j++) {
			q += s->lines[j].qty;
			if (s->lines[j].grams <= 0)
				weighed = 0;
			grams = oms_sat_add(grams, oms_sat_mul(s->lines[j].qty,
			    s->lines[j].grams));
		}
		units += q;
		snprintf(qty, sizeof qty, "%lld", (long long)q);
		snprintf(lx, sizeof lx, "%d", l->lx);
		barcode_els(l->barcode, &upc, &bq, &bid);
		oms_x12w_seg(w, "LX", lx, NULL);
		oms_x12w_seg(w, "W01", qty, "EA", upc, "SK", l->sku, bq, bid,
		    NULL);
		if (l->title != NULL)
			oms_x12w_seg(w, "G69", fit(b1, sizeof b1, l->title, 45),
			    NULL);
		oms_x12w_seg(w, "N9", "LI", lx, NULL);
	}
	snprintf(qty, sizeof qty, "%lld", (long long)units);
	/* Pounds, as US warehouses weigh: grams / 453.59237. */
	snprintf(weight, sizeof weight, "%.2f", (double)grams / 453.59237);
	if (weighed && grams > 0)
		oms_x12w_seg(w, "W76", qty, weight, "LB", NULL);
	else
		oms_x12w_seg(w, "W76", qty, NULL);
}

/*
 * The 940s open at loc whose allocations are not what they asked for any
 * more: an allocation released (the order or the line cancelled, the
 * order routed again) or made smaller, beyond what the 3pl is done with.
 */
static int
changed_940s(oms_db *db, const char *loc, int64_t **ids, int **orders,
    char ***deps, int *n)
{
	static const char sql[] =
	    "SELECT DISTINCT e.id, e.order_id, e.depositor_order "
	    "FROM edi_orders e JOIN edi_lines l ON l.edi_order = e.id "
	    "JOIN allocations a ON a.id = l.allocation_id "
	    "WHERE e.location = ? AND e.purpose = 'ship' "
	    "AND e.state IN ('sent', 'accepted') AND ((a.state = 'active' "
	    "AND a.qty <> l.qty - l.done) OR (a.state <> 'active' "
	    "AND l.qty > l.done)) ORDER BY e.id";
	oms_stmt *st = oms_db_query(db, sql, "s", loc);
	int rc;

	*n = 0;
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		*ids = erealloc(*ids, (size_t)(*n + 1) * sizeof **ids);
		*orders = erealloc(*orders, (size_t)(*n + 1) * sizeof **orders);
		*deps = erealloc(*deps, (size_t)(*n + 1) * sizeof **deps);
		(*ids)[*n] = oms_col_int64(st, 0);
		(*orders)[*n] = (int)oms_col_int64(st, 1);
		(*deps)[*n] = estrdup(oms_col_str(st, 2));
		(*n)++;
	}
	oms_reset(st);
	return rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read the 940s sent");
}

static int
unsent_orders(oms_db *db, const char *loc, int64_t **ids, int *n)
{
	static const char sql[] =
	    "SELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM "
	    "allocations a WHERE a.order_id = o.id AND " UNSENT ") "
	    "AND ?1 = ?1 ORDER BY o.priority DESC, o.placed_at NULLS FIRST, "
	    "o.id";
	oms_stmt *st = oms_db_query(db, sql, "Is", (int64_t)0, loc);
	int rc;

	*n = 0;
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		*ids = erealloc(*ids, (size_t)(*n + 1) * sizeof **ids);
		(*ids)[(*n)++] = oms_col_int64(st, 0);
	}
	oms_reset(st);
	return rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read the allocations");
}

/* The depositor order number of the next 940 of order id at loc. */
static int
next_dep(oms_db *db, const char *loc, int64_t id, char dep[32])
{
	static const char sql[] =
	    "SELECT count(*) FROM edi_orders WHERE location = ? "
	    "AND order_id = ? AND purpose = 'ship'";
	oms_stmt *st = oms_db_query(db, sql, "sI", loc, id);
	int rc;
	int64_t k = 0;

	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW)
		k = oms_col_int64(st, 0);
	oms_reset(st);
	if (rc != OMS_ROW)
		return oms_db_fail(db, rc, "cannot read the 940s sent");
	if (k == 0)
		snprintf(dep, 32, "o_%lld", (long long)id);
	else
		snprintf(dep, 32, "o_%lld-%lld", (long long)id,
		    (long long)k + 1);
	return OMS_OK;
}

static int
record_940(oms_db *db, const char *loc, struct sendo *s, int cancel,
    const char *now)
{
	static const char sql_order[] =
	    "INSERT INTO edi_orders (set_row, location, order_id, "
	    "depositor_order, purpose, state, at) "
	    "VALUES (?, ?, ?, ?, ?, 'sent', ?)";
	static const char sql_line[] =
	    "INSERT INTO edi_lines (edi_order, allocation_id, lx, line_no, "
	    "sku, qty) VALUES (?, ?, ?, ?, ?, ?)";
	static const char sql_cancelled[] =
	    "UPDATE edi_orders SET state = 'cancelled' WHERE id = ?";
	int rc;

	if ((rc = oms_db_run(db, sql_order, "cannot record a 940", "IsIsss",
	    s->set_row, loc, s->order_id, s->dep, cancel ? "cancel" : "ship",
	    now)) != OMS_OK)
		return rc;
	s->edi_row = oms_db_last_id(db);
	if (cancel)
		return oms_db_run(db, sql_cancelled, "cannot record a 940", "I",
		    s->cancels);
	for (int i = 0; i < s->n; i++)
		if ((rc = oms_db_run(db, sql_line, "cannot record a 940",
		    "IIiisI", s->edi_row, s->lines[i].alloc, s->lines[i].lx,
		    s->lines[i].line_no, s->lines[i].sku, s->lines[i].qty)) !=
		    OMS_OK)
			return rc;
	return OMS_OK;
}

static cJSON *
record_of_940(const struct account *a, const struct sendo *s, int cancel,
    int64_t ichg, int64_t group, const char *file, const char *state)
{
	cJSON *r = cJSON_CreateObject(), *ls;
	char oref[32];

	snprintf(oref, sizeof oref, "o_%lld", (long long)s->order_id);
	cJSON_AddStringToObject(r, "type", "edi");
	cJSON_AddStringToObject(r, "document", "940");
	cJSON_AddStringToObject(r, "purpose", cancel ? "cancel" : "ship");
	cJSON_AddStringToObject(r, "location", a->loc);
	cJSON_AddStringToObject(r, "order", oref);
	cJSON_AddStringToObject(r, "depositor_order", s->dep);
	cJSON_AddNumberToObject(r, "interchange", (double)ichg);
	cJSON_AddNumberToObject(r, "group", (double)group);
	cJSON_AddStringToObject(r, "set", s->control);
	if (file != NULL)
		cJSON_AddStringToObject(r, "file", file);
	cJSON_AddStringToObject(r, "state", state);
	ls = cJSON_AddArrayToObject(r, "lines");
	for (int i = 0; i < s->n; i++) {
		cJSON *l;

		if (i > 0 && s->lines[i - 1].lx == s->lines[i].lx) {
			l = cJSON_GetArrayItem(ls, cJSON_GetArraySize(ls) - 1);
			cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(l,
			    "qty"), cJSON_GetObjectItemCaseSensitive(l,
			    "qty")->valuedouble + (double)s->lines[i].qty);
			continue;
		}
		l = cJSON_CreateObject();
		cJSON_AddNumberToObject(l, "lx", s->lines[i].lx);
		cJSON_AddNumberToObject(l, "line_no", s->lines[i].line_no);
		cJSON_AddStringToObject(l, "sku", s->lines[i].sku);
		cJSON_AddNumberToObject(l, "qty", (double)s->lines[i].qty);
		cJSON_AddItemToArray(ls, l);
	}
	return r;
}

static void
note(const struct oms_edi_opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
note(const struct oms_edi_opts *o, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (o->note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	o->note(o->arg, msg);
}

static const char *
dir_of(const struct oms_edi_opts *o, const struct account *a)
{
	return o->dir != NULL ? o->dir : a->dir;
}

int
oms_edi_send(oms_db *db, const struct oms_edi_opts *o,
    struct oms_edi_counts *cnt)
{
	struct account a;
	struct outdir d = { NULL, -1 };
	struct oms_x12w w;
	struct oms_x12_env env;
	struct sendo *work = NULL;
	int64_t *changed = NULL, *news = NULL, ichg, group, ichg_row;
	int *corders = NULL, nchanged = 0, nnews = 0, nwork = 0, ncancel = 0;
	char **deps = NULL, now[OMS_TIME_LEN], name[128], path[4200];
	char digest[17];
	int rc, nested, in_tx = 0, wrote = 0;
	const char *dir;

	memset(&w, 0, sizeof w);
	if ((rc = account_for(db, o->location, &a)) != OMS_OK)
		goto out;
	if ((dir = dir_of(o, &a)) == NULL) {
		rc = oms_fail(OMS_E_USAGE, "no directory for the 940s of %s: "
		    "--dir DIR, or \"dir\" in %s", a.loc, a.path);
		goto out;
	}
	if (!o->dry_run && (rc = outdir_open(dir, &d)) != OMS_OK)
		goto out;
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		goto out;
	in_tx = 1;
	oms_time_now(now);
	if (!o->dry_run && (rc = parts_recover(db, &d, &a)) != OMS_OK)
		goto out;
	if ((rc = changed_940s(db, a.loc, &changed, &corders, &deps,
	    &nchanged)) != OMS_OK)
		goto out;
	/* A 940 cancelled: what it held and is still allocated goes anew. */
	for (int i = 0; i < nchanged; i++) {
		struct sendo *s;

		work = erealloc(work, (size_t)(nwork + 1) * sizeof *work);
		s = &work[nwork++];
		memset(s, 0, sizeof *s);
		s->order_id = corders[i];
		s->cancels = changed[i];
		snprintf(s->dep, sizeof s->dep, "%s", deps[i]);
		if ((rc = load_order(db, s)) != OMS_OK ||
		    (rc = load_sent(db, changed[i], s)) != OMS_OK)
			goto out;
		if ((rc = oms_db_run(db, "UPDATE edi_orders SET state = "
		    "'cancelled' WHERE id = ?", "cannot record a 940", "I",
		    changed[i])) != OMS_OK)
			goto out;
		ncancel++;
	}
	if ((rc = unsent_orders(db, a.loc, &news, &nnews)) != OMS_OK)
		goto out;
	for (int i = 0; i < nnews; i++) {
		struct sendo *s;
		int may = oms_order_may(db, news[i], OMS_ACT_SHIP);

		if (may == OMS_REJECT) {
			note(o, "not sent to %s: %s", a.loc, oms_error());
			continue;
		}
		if (may != OMS_OK) {
			rc = may;
			goto out;
		}
		work = erealloc(work, (size_t)(nwork + 1) * sizeof *work);
		s = &work[nwork++];
		memset(s, 0, sizeof *s);
		s->order_id = news[i];
		if ((rc = load_order(db, s)) != OMS_OK ||
		    (rc = load_unsent(db, a.loc, s)) != OMS_OK ||
		    (rc = next_dep(db, a.loc, s->order_id, s->dep)) != OMS_OK)
			goto out;
	}
	if (nwork == 0) {
		note(o, "nothing to send to %s", a.loc);
		goto out;
	}
	if ((rc = control_next(db, a.us.key, "interchange", &ichg)) != OMS_OK ||
	    (rc = control_next(db, a.us.key, "group", &group)) != OMS_OK)
		goto out;
	snprintf(name, sizeof name, "940-%s-%09lld.x12", a.loc,
	    (long long)ichg);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!o->dry_run && (rc = name_free(&d, name)) != OMS_OK)
		goto out;
	if ((rc = interchange_put(db, a.loc, dir, a.us.key, a.them.key, ichg,
	    path, "", &ichg_row)) != OMS_OK)
		goto out;
	env.sender_q = a.us.q;
	env.sender = a.us.id;
	env.receiver_q = a.them.q;
	env.receiver = a.them.id;
	env.when = now;
	env.control = ichg;
	env.test = a.test;
	oms_x12w_begin(&w, &env);
	oms_x12w_group(&w, "OW", a.us.app, a.them.app, group);
	for (int i = 0; i < nwork; i++) {
		struct sendo *s = &work[i];
		int64_t ctl;

		if ((rc = control_next(db, a.us.key, "set", &ctl)) != OMS_OK)
			goto out;
		oms_x12w_set(&w, "940", ctl);
		snprintf(s->control, sizeof s->control, "%s", w.set);
		write_940(&w, &a, s, i < ncancel, now);
		oms_x12w_set_end(&w);
		if ((rc = set_put(db, ichg_row, group, "940", s->control, "sent",
		    NULL, &s->set_row)) != OMS_OK ||
		    (rc = record_940(db, a.loc, s, i < ncancel, now)) != OMS_OK)
			goto out;
	}
	oms_x12w_group_end(&w);
	oms_x12w_end(&w);
	digest_hex(w.b.s, w.b.len, digest);
	if ((rc = oms_db_run(db, "UPDATE edi_interchanges SET digest = ? "
	    "WHERE id = ?", "cannot record an interchange", "sI", digest,
	    ichg_row)) != OMS_OK)
		goto out;
	if (!o->dry_run) {
		if ((rc = part_write(&d, name, &w.b)) != OMS_OK)
			goto out;
		wrote = 1;
	}
	in_tx = 0;
	if ((rc = oms_db_write_end(db, nested, OMS_OK)) != OMS_OK)
		goto out;
	if (wrote && (rc = part_publish(&d, name)) != OMS_OK)
		goto out;
	wrote = 0;
	cnt->files++;
	for (int i = 0; i < nwork; i++) {
		cJSON *r = record_of_940(&a, &work[i], i < ncancel, ichg, group,
		    o->dry_run ? NULL : path, "sent");

		if (i < ncancel)
			cnt->cancels++;
		else
			cnt->sent++;
		rc = o->echo ? o->echo(o->arg, r) : OMS_OK;
		cJSON_Delete(r);
		if (rc != OMS_OK)
			goto out;
	}
out:
	if (in_tx) {
		if (wrote)
			part_drop(&d, name);
		if (rc == OMS_OK)
			rc = oms_db_write_end(db, nested, OMS_OK);
		else
			oms_db_write_end(db, nested, rc);
	}
	for (int i = 0; i < nwork; i++)
		sendo_free(&work[i]);
	free(work);
	for (int i = 0; i < nchanged; i++)
		free(deps[i]);
	free(deps);
	free(changed);
	free(corders);
	free(news);
	oms_x12w_free(&w);
	outdir_close(&d);
	account_free(&a);
	return rc;
}

/* ---- receiving ------------------------------------------------------------ */

/* Where a set's reading stopped, for the 997 and for the message. */
struct fault {
	int ak5;		/* 0: none; else the 997's AK5 code */
	long seg;		/* the segment, its number in the file */
	int pos;		/* its position in the set, ST 1 */
	char id[4];
	int ak3;		/* AK3-04 */
	int el, ak4;		/* AK4-01, AK4-03; 0: none */
	char bad[40];		/* AK4-04 */
	char why[400];
};

struct rx {
	oms_db *db;
	const struct oms_edi_opts *o;
	struct oms_edi_counts *cnt;
	struct account a;
	struct oms_x12 *x;
	const char *path;
	int64_t ichg_row;
};

/* A set's reading failed on segment i: its syntax, for the 997. */
static int
syntax(struct rx *r, const struct oms_x12_set *s, size_t i, int ak3, int el,
    int ak4, struct fault *f, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

static int
syntax(struct rx *r, const struct oms_x12_set *s, size_t i, int ak3, int el,
    int ak4, struct fault *f, const char *fmt, ...)
{
	va_list ap;

	if (i >= r->x->nsegs)
		i = s->last;
	f->ak5 = 5;
	f->seg = r->x->segs[i].no;
	f->pos = (int)(i - s->first) + 1;
	snprintf(f->id, sizeof f->id, "%s", r->x->segs[i].el[0]);
	f->ak3 = ak3;
	f->el = el;
	f->ak4 = ak4;
	snprintf(f->bad, sizeof f->bad, "%s", el > 0 ?
	    oms_x12_el(&r->x->segs[i], el) : "");
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof f->why, fmt, ap);
	va_end(ap);
	return OMS_REJECT;
}

/*
 * A whole number X12 writes: digits, a sign, a point and zeros after
 * it.  -1 when it is no number (*frac set when it has a fraction).
 */
static int
whole(const char *s, int64_t *v, int *frac)
{
	const char *p = s;
	int64_t n = 0;
	int neg = 0, any = 0;

	*frac = 0;
	if (*p == '-')
		neg = 1, p++;
	for (; isdigit((unsigned char)*p); p++) {
		any = 1;
		if (n > INT64_MAX / 10 - 10)
			n = INT64_MAX / 10 - 10;	/* absurd: kept absurd */
		else
			n = n * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++)
			if (*p != '0')
				*frac = 1;
	}
	if (!any || *p != '\0')
		return -1;
	*v = neg ? -n : n;
	return 0;
}

/* A quantity, a whole number of units: syntax, then sense. */
static int
qty_el(struct rx *r, const struct oms_x12_set *s, size_t i, int el,
    int need, int64_t *v, struct fault *f)
{
	const char *t = oms_x12_el(&r->x->segs[i], el);
	int frac;

	*v = 0;
	if (*t == '\0')
		return need ? syntax(r, s, i, 8, el, 1, f, "%s%02d: no "
		    "quantity", r->x->segs[i].el[0], el) : OMS_OK;
	if (whole(t, v, &frac) != 0)
		return syntax(r, s, i, 8, el, 6, f, "%s%02d '%.30s' is not a "
		    "number", r->x->segs[i].el[0], el, t);
	if (frac)
		return syntax(r, s, i, 8, el, 6, f, "%s%02d '%.30s' is not a "
		    "whole number of units", r->x->segs[i].el[0], el, t);
	return OMS_OK;
}

/* Which segment of the set is i, by id. */
static int
seg_is(const struct rx *r, size_t i, const char *id)
{
	return strcmp(r->x->segs[i].el[0], id) == 0;
}

/* ---- 945 ---- */

struct w12 {
	size_t i;		/* the segment */
	const char *status;
	int64_t shipped;
	const char *upc, *pq, *pid, *li;
};

struct w945 {
	size_t w06;
	const char *dep, *date, *shipment, *po;
	const char *method, *scac, *routing;
	char time[5];
	const char **tracking;
	int ntracking;
	const char *bol, *pro;
	struct w12 *lines;
	int n;
	int64_t units;
	size_t w03;
	double weight;
	const char *wunit;
	int has_weight;
};

static void
w945_free(struct w945 *w)
{
	free(w->tracking);
	free(w->lines);
	memset(w, 0, sizeof *w);
}

static void
add_tracking(struct w945 *w, const char *t)
{
	if (*t == '\0')
		return;
	for (int i = 0; i < w->ntracking; i++)
		if (strcmp(w->tracking[i], t) == 0)
			return;
	w->tracking = erealloc(w->tracking, (size_t)(w->ntracking + 1) *
	    sizeof *w->tracking);
	w->tracking[w->ntracking++] = t;
}

/* A MAN segment's numbers: CP (carrier's package id) and CN are tracking. */
static void
man(struct w945 *w, const struct oms_x12_seg *g)
{
	for (int k = 1; k + 1 < g->n; k += 3)
		if (strcmp(oms_x12_el(g, k), "CP") == 0 ||
		    strcmp(oms_x12_el(g, k), "CN") == 0)
			add_tracking(w, oms_x12_el(g, k + 1));
}

static int
date_ok(const char *d)
{
	int y, m, dd;

	if (strlen(d) != 8 || strspn(d, "0123456789") != 8)
		return 0;
	y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 +
	    (d[3] - '0');
	m = (d[4] - '0') * 10 + (d[5] - '0');
	dd = (d[6] - '0') * 10 + (d[7] - '0');
	return y >= 2000 && y <= 2999 && m >= 1 && m <= 12 && dd >= 1 &&
	    dd <= 31;
}

static int
parse_945(struct rx *r, const struct oms_x12_set *s, struct w945 *w,
    struct fault *f)
{
	size_t i = s->first + 1;
	int rc, in_lx = 0;
	struct w12 *cur = NULL;

	memset(w, 0, sizeof *w);
	if (i >= s->last || !seg_is(r, i, "W06"))
		return syntax(r, s, i, 3, 0, 0, f, "a 945 begins with W06, "
		    "this one with %s", r->x->segs[i].el[0]);
	w->w06 = i;
	w->dep = oms_x12_el(&r->x->segs[i], 2);
	w->date = oms_x12_el(&r->x->segs[i], 3);
	w->shipment = oms_x12_el(&r->x->segs[i], 4);
	w->po = oms_x12_el(&r->x->segs[i], 6);
	if (*w->dep == '\0')
		return syntax(r, s, i, 8, 2, 1, f, "W06 has no depositor "
		    "order number (W06-02)");
	if (!date_ok(w->date))
		return syntax(r, s, i, 8, 3, 8, f, "W06-03 '%.20s' is not a "
		    "date CCYYMMDD", w->date);
	for (i++; i < s->last; i++) {
		const struct oms_x12_seg *g = &r->x->segs[i];

		if (seg_is(r, i, "LX")) {
			in_lx = 1;
			cur = NULL;
		} else if (seg_is(r, i, "W12")) {
			if (!in_lx)
				return syntax(r, s, i, 7, 0, 0, f, "W12 before "
				    "any LX");
			w->lines = erealloc(w->lines, (size_t)(w->n + 1) *
			    sizeof *w->lines);
			cur = &w->lines[w->n++];
			memset(cur, 0, sizeof *cur);
			cur->i = i;
			cur->status = oms_x12_el(g, 1);
			if ((rc = qty_el(r, s, i, 3, 1, &cur->shipped, f)) !=
			    OMS_OK)
				return rc;
			{
				int64_t ordered;

				if ((rc = qty_el(r, s, i, 2, 0, &ordered, f)) !=
				    OMS_OK)
					return rc;
			}
			cur->upc = oms_x12_el(g, 6);
			cur->pq = oms_x12_el(g, 7);
			cur->pid = oms_x12_el(g, 8);
			if (*cur->upc == '\0' && *cur->pid == '\0')
				return syntax(r, s, i, 8, 8, 2, f, "W12 names "
				    "no product (W12-06 UPC, or W12-07/08)");
			if (*oms_x12_el(g, 5) != '\0' &&
			    strcmp(oms_x12_el(g, 5), "EA") != 0)
				return syntax(r, s, i, 8, 5, 7, f, "W12-05 "
				    "'%.10s': only eaches (EA) are shipped here",
				    oms_x12_el(g, 5));
		} else if (seg_is(r, i, "N9")) {
			const char *q = oms_x12_el(g, 1), *v = oms_x12_el(g, 2);

			if (cur != NULL && strcmp(q, "LI") == 0)
				cur->li = v;
			else if (strcmp(q, "2I") == 0)
				add_tracking(w, v);
			else if (strcmp(q, "BM") == 0)
				w->bol = v;
			else if (strcmp(q, "CN") == 0)
				w->pro = v;
		} else if (seg_is(r, i, "MAN"))
			man(w, g);
		else if (seg_is(r, i, "W27")) {
			w->method = oms_x12_el(g, 1);
			w->scac = oms_x12_el(g, 2);
			w->routing = oms_x12_el(g, 3);
		} else if (seg_is(r, i, "G62")) {
			/* G62-04 the time; some put it in G62-03. */
			const char *t = *oms_x12_el(g, 4) ? oms_x12_el(g, 4) :
			    oms_x12_el(g, 3);

			if (strcmp(oms_x12_el(g, 1), "11") == 0 &&
			    digits_ok(t) && strlen(t) <= 8 &&
			    (t[0] - '0') * 10 + t[1] - '0' < 24 &&
			    (t[2] - '0') * 10 + t[3] - '0' < 60)
				snprintf(w->time, sizeof w->time, "%.4s", t);
		} else if (seg_is(r, i, "W03")) {
			w->w03 = i;
			if ((rc = qty_el(r, s, i, 1, 1, &w->units, f)) != OMS_OK)
				return rc;
			if (*oms_x12_el(g, 2) != '\0') {
				char *end;

				w->weight = strtod(oms_x12_el(g, 2), &end);
				if (*end != '\0' || w->weight < 0 ||
				    w->weight > 1e7)
					return syntax(r, s, i, 8, 2, 6, f, "W03-02 "
					    "'%.20s' is not a weight",
					    oms_x12_el(g, 2));
				w->wunit = oms_x12_el(g, 3);
				w->has_weight = 1;
			}
		}
	}
	if (w->w03 == 0)
		return syntax(r, s, s->last, 3, 0, 0, f, "a 945 ends with W03, "
		    "its totals: this one has none");
	if (w->n == 0)
		return syntax(r, s, s->last, 3, 0, 0, f, "a 945 has an LX loop "
		    "with a W12 for each line: this one has none");
	return OMS_OK;
}

/* ---- 846 ---- */

struct lin {
	size_t i, qi;
	const char *pq[3], *pid[3];
	int np;
	int64_t qty;
	int has_qty, q17;
};

static int
parse_846(struct rx *r, const struct oms_x12_set *s, struct lin **out,
    int *n, struct fault *f)
{
	size_t i = s->first + 1;
	struct lin *cur = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if (i >= s->last || !seg_is(r, i, "BIA"))
		return syntax(r, s, i, 3, 0, 0, f, "an 846 begins with BIA, "
		    "this one with %s", r->x->segs[i].el[0]);
	for (i++; i < s->last; i++) {
		const struct oms_x12_seg *g = &r->x->segs[i];

		if (seg_is(r, i, "LIN")) {
			*out = erealloc(*out, (size_t)(*n + 1) * sizeof **out);
			cur = &(*out)[(*n)++];
			memset(cur, 0, sizeof *cur);
			cur->i = i;
			for (int k = 2; k + 1 < g->n && cur->np < 3; k += 2) {
				cur->pq[cur->np] = oms_x12_el(g, k);
				cur->pid[cur->np++] = oms_x12_el(g, k + 1);
			}
			if (cur->np == 0)
				return syntax(r, s, i, 8, 3, 1, f, "LIN names no "
				    "product");
		} else if (seg_is(r, i, "QTY")) {
			const char *q = oms_x12_el(g, 1);
			char unit[8];
			int64_t v;

			if (cur == NULL)
				return syntax(r, s, i, 7, 0, 0, f, "QTY before "
				    "any LIN");
			if (strcmp(q, "17") != 0 && strcmp(q, "33") != 0)
				continue;
			if ((rc = qty_el(r, s, i, 2, 1, &v, f)) != OMS_OK)
				return rc;
			oms_x12_sub(r->x, g, 3, 1, unit, sizeof unit);
			if (*unit != '\0' && strcmp(unit, "EA") != 0)
				return syntax(r, s, i, 8, 3, 7, f, "QTY-03 '%s': "
				    "only eaches (EA) are counted here", unit);
			/* On hand (17) is the count; available (33) else. */
			if (!cur->has_qty || (!cur->q17 && q[0] == '1')) {
				cur->qty = v;
				cur->qi = i;
				cur->has_qty = 1;
				cur->q17 = q[0] == '1';
			}
		}
	}
	for (int k = 0; k < *n; k++)
		if (!(*out)[k].has_qty)
			return syntax(r, s, (*out)[k].i, 3, 0, 0, f, "LIN %d has "
			    "no QTY 17 (on hand) or 33 (available)", k + 1);
	return OMS_OK;
}

/* The sku a product id names: ours by SKU, or by barcode. */
static int
sku_of(oms_db *db, const char *q, const char *id, char *out, size_t n)
{
	static const char sql_sku[] = "SELECT sku FROM products WHERE sku = ?";
	static const char sql_bar[] =
	    "SELECT sku FROM products WHERE barcode = ? ORDER BY sku LIMIT 1";
	int by_bar = strcmp(q, "UP") == 0 || strcmp(q, "EN") == 0 ||
	    strcmp(q, "UK") == 0 || strcmp(q, "UPC") == 0;
	oms_stmt *st;
	int rc;

	out[0] = '\0';
	if (*id == '\0')
		return OMS_OK;
	if (!by_bar && strcmp(q, "SK") != 0 && strcmp(q, "VN") != 0 &&
	    strcmp(q, "BP") != 0 && strcmp(q, "IN") != 0 &&
	    strcmp(q, "VP") != 0 && strcmp(q, "MG") != 0 &&
	    strcmp(q, "PI") != 0)
		return OMS_OK;
	if ((st = oms_db_query(db, by_bar ? sql_bar : sql_sku, "s", id)) ==
	    NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW)
		snprintf(out, n, "%s", oms_col_str(st, 0));
	oms_reset(st);
	return rc == OMS_ROW || rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read the products");
}

/* ---- the 997 we write, the 997 we read ---- */

struct seen {
	const struct oms_x12_group *g;
	const struct oms_x12_set *s;
	struct fault f;
	int64_t row;
	char state[16];		/* as recorded before, or "" when new */
	int dup;		/* its control number an earlier set's */
};

static void
ak_set(struct oms_x12w *w, const struct seen *e)
{
	char pos[16], code[16], el[16], c4[16];

	oms_x12w_seg(w, "AK2", e->s->id, e->s->control, NULL);
	if (e->f.ak5 == 5) {
		snprintf(pos, sizeof pos, "%d", e->f.pos);
		snprintf(code, sizeof code, "%d", e->f.ak3);
		oms_x12w_seg(w, "AK3", e->f.id, pos, "", code, NULL);
		if (e->f.el > 0) {
			snprintf(el, sizeof el, "%d", e->f.el);
			snprintf(c4, sizeof c4, "%d", e->f.ak4);
			oms_x12w_seg(w, "AK4", el, "", c4, e->f.bad, NULL);
		}
	}
	if (e->f.ak5 == 0)
		oms_x12w_seg(w, "AK5", "A", NULL);
	else {
		snprintf(code, sizeof code, "%d", e->f.ak5);
		oms_x12w_seg(w, "AK5", "R", code, NULL);
	}
}

/* Whether a set of this id is one oms reads. */
static int
known(const char *id)
{
	return strcmp(id, "945") == 0 || strcmp(id, "846") == 0 ||
	    strcmp(id, "997") == 0;
}

/*
 * The 997 of what was read: a set for each functional group but the
 * acknowledgements themselves (a 997 is not acknowledged).  0 sets when
 * there is nothing to acknowledge.
 */
static int
write_997(struct rx *r, struct seen *e, int ne, const char *now,
    struct oms_x12w *w, int *nsets, int64_t *ichg, int64_t *accepted)
{
	struct oms_x12_env env;
	int64_t group, ctl;
	int rc;

	*nsets = 0;
	*accepted = 0;
	for (int g = 0; g < r->x->ngroups; g++)
		if (strcmp(r->x->groups[g].fid, "FA") != 0)
			(*nsets)++;
	if (*nsets == 0)
		return OMS_OK;
	if ((rc = control_next(r->db, r->a.us.key, "interchange", ichg)) !=
	    OMS_OK || (rc = control_next(r->db, r->a.us.key, "group",
	    &group)) != OMS_OK)
		return rc;
	env.sender_q = r->a.us.q;
	env.sender = r->a.us.id;
	env.receiver_q = r->a.them.q;
	env.receiver = r->a.them.id;
	env.when = now;
	env.control = *ichg;
	env.test = r->a.test;
	oms_x12w_begin(w, &env);
	oms_x12w_group(w, "FA", r->a.us.app, r->a.them.app, group);
	for (int g = 0; g < r->x->ngroups; g++) {
		const struct oms_x12_group *gr = &r->x->groups[g];
		int n = 0, ok = 0;
		char a[16], b[16], c[16];

		if (strcmp(gr->fid, "FA") == 0)
			continue;
		if ((rc = control_next(r->db, r->a.us.key, "set", &ctl)) !=
		    OMS_OK)
			return rc;
		oms_x12w_set(w, "997", ctl);
		oms_x12w_seg(w, "AK1", gr->fid, gr->control, NULL);
		for (int k = 0; k < ne; k++)
			if (e[k].g == gr) {
				ak_set(w, &e[k]);
				n++;
				ok += e[k].f.ak5 == 0;
			}
		snprintf(a, sizeof a, "%d", n);
		snprintf(b, sizeof b, "%d", n);
		snprintf(c, sizeof c, "%d", ok);
		oms_x12w_seg(w, "AK9", ok == n ? "A" : ok == 0 ? "R" : "P", a,
		    b, c, NULL);
		oms_x12w_set_end(w);
		*accepted += ok;
	}
	oms_x12w_group_end(w);
	oms_x12w_end(w);
	return OMS_OK;
}

/* ---- applying ---- */

static int
refuse(struct rx *r, const struct seen *e, long seg, const char *segid,
    const char *what, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/*
 * A set refused: the message, with file, segment and what it was about,
 * kept in a buffer for the caller (the set's transaction is rolled back
 * first).
 */
static char refusal[1400];

static int
refuse(struct rx *r, const struct seen *e, long seg, const char *segid,
    const char *what, const char *fmt, ...)
{
	char msg[1000];
	va_list ap;

	(void)e;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(refusal, sizeof refusal, "%s: segment %ld (%s): %s%s%s",
	    r->path, seg, segid, what ? what : "", what ? ": " : "", msg);
	return OMS_REJECT;
}

struct tgt {
	int lx;
	int64_t want;		/* units of the 940 line still to come */
	int64_t ship;		/* shipped now */
	int close;		/* the 3pl will ship no more of it */
	char sku[256];
	size_t w12;		/* the W12 that named it, for messages */
};

struct al {
	int64_t id, qty;	/* active, and its units */
	int lx;
	char sku[256];
	int64_t take;
};

/* The W12's status: the 3pl will ship no more of the line. */
static int
closing(const char *status)
{
	static const char *const codes[] = {
		"CC", "CL", "CP", "IC", "CU", "DE", "CK", "CM", "CS",
	};

	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		if (strcmp(status, codes[i]) == 0)
			return 1;
	return 0;
}

/* Part of allocation id, n units, made an allocation of its own. */
static int
split_alloc(oms_db *db, int64_t id, int64_t n, int64_t *out)
{
	static const char sql_less[] =
	    "UPDATE allocations SET qty = qty - ?1 WHERE id = ?2 AND qty > ?1";
	static const char sql_new[] =
	    "INSERT INTO allocations (order_id, line_no, sku, location, qty, "
	    "state, rule, rules_version, created_at) SELECT order_id, line_no, "
	    "sku, location, ?1, 'active', rule, rules_version, created_at "
	    "FROM allocations WHERE id = ?2";
	int rc;

	if ((rc = oms_db_run(db, sql_less, "cannot split an allocation", "II",
	    n, id)) != OMS_OK)
		return rc;
	if (oms_db_changes(db) != 1)
		return oms_seterr("allocation a%lld could not give %lld units",
		    (long long)id, (long long)n);
	if ((rc = oms_db_run(db, sql_new, "cannot split an allocation", "II",
	    n, id)) != OMS_OK)
		return rc;
	*out = oms_db_last_id(db);
	return OMS_OK;
}

/* What the 3pl will not ship of allocation id: released, n units. */
static int
release_rest(oms_db *db, int64_t order_id, const struct al *a, int64_t n,
    const char *loc, const char *why)
{
	static const char sql_end[] =
	    "UPDATE allocations SET state = 'released', ended_at = ? "
	    "WHERE id = ?";
	static const char sql_less[] =
	    "UPDATE allocations SET qty = qty - ? WHERE id = ?";
	static const char sql_count[] =
	    "UPDATE order_lines SET allocated = allocated - ? "
	    "WHERE order_id = ? AND line_no = (SELECT line_no FROM "
	    "allocations WHERE id = ?)";
	cJSON *m = cJSON_CreateObject();
	char key[96], ref[32], now[OMS_TIME_LEN];
	int rc;

	oms_time_now(now);
	snprintf(key, sizeof key, "edi:release:a%lld:%lld", (long long)a->id,
	    (long long)(a->qty - a->take - n));
	snprintf(ref, sizeof ref, "o_%lld", (long long)order_id);
	cJSON_AddStringToObject(m, "type", "movement");
	cJSON_AddStringToObject(m, "kind", "release");
	cJSON_AddStringToObject(m, "sku", a->sku);
	cJSON_AddStringToObject(m, "location", loc);
	cJSON_AddNumberToObject(m, "qty", (double)n);
	cJSON_AddStringToObject(m, "reason", why);
	cJSON_AddStringToObject(m, "ref", ref);
	cJSON_AddStringToObject(m, "key", key);
	rc = oms_stock_move(db, m, NULL);
	cJSON_Delete(m);
	if (rc != OMS_OK)
		return rc;
	/* What the shipment took was split off already: the rest is a's. */
	if (n == a->qty - a->take)
		rc = oms_db_run(db, sql_end, "cannot update an allocation", "sI",
		    now, a->id);
	else
		rc = oms_db_run(db, sql_less, "cannot update an allocation",
		    "II", n, a->id);
	if (rc != OMS_OK)
		return rc;
	return oms_db_run(db, sql_count, "cannot update an order line", "III",
	    n, order_id, a->id);
}

static const char *
carrier_code(const struct account *a, const char *scac, char *buf, size_t n)
{
	const char *m;
	size_t len = scac ? strlen(scac) : 0;

	/* A SCAC is 2 to 4 letters: anything else names no carrier. */
	if (len < 2 || len > 4 || strspn(scac, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789") != len)
		return "other";
	m = oms_json_str(a->carriers, scac);

	if (m != NULL)
		return m;
	for (size_t i = 0; scac && i < sizeof scacs / sizeof scacs[0]; i++)
		if (strcmp(scacs[i].scac, scac) == 0)
			return scacs[i].code;
	if (scac == NULL || *scac == '\0')
		return "other";
	snprintf(buf, n, "%s", scac);
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return buf;
}

/* When it shipped: the 945's date and time, where the 3pl is. */
static int
shipped_at(oms_db *db, const char *loc, const struct w945 *w,
    char out[OMS_TIME_LEN])
{
	static const char sql[] = "SELECT tz FROM locations WHERE id = ?";
	oms_stmt *st = oms_db_query(db, sql, "s", loc);
	char local[32], tz[64] = "UTC";
	int rc;

	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW && oms_col_text(st, 0) != NULL &&
	    oms_tz_valid(oms_col_text(st, 0)))
		snprintf(tz, sizeof tz, "%s", oms_col_text(st, 0));
	oms_reset(st);
	snprintf(local, sizeof local, "%.4s-%.2s-%.2s %.2s:%.2s:00", w->date,
	    w->date + 4, w->date + 6, *w->time ? w->time : "12",
	    *w->time ? w->time + 2 : "00");
	if (oms_time_parse(local, 0, tz, out) != OMS_OK)
		return oms_seterr("W06-03 '%s' is not a date", w->date);
	return OMS_OK;
}

/* The 940 a 945 answers. */
struct sent {
	int64_t row, order_id, set_row;
	char state[16], purpose[8];
	char dep[64];		/* its depositor order number, as sent */
};

static int
find_940(oms_db *db, const char *loc, const char *dep, struct sent *x)
{
	static const char sql[] =
	    "SELECT id, order_id, state, set_row, depositor_order FROM "
	    "edi_orders WHERE location = ? AND upper(depositor_order) = "
	    "upper(?) AND purpose = 'ship' ORDER BY id DESC LIMIT 1";
	oms_stmt *st = oms_db_query(db, sql, "ss", loc, dep);
	int rc;

	memset(x, 0, sizeof *x);
	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		x->row = oms_col_int64(st, 0);
		x->order_id = oms_col_int64(st, 1);
		snprintf(x->state, sizeof x->state, "%s", oms_col_str(st, 2));
		x->set_row = oms_col_int64(st, 3);
		snprintf(x->dep, sizeof x->dep, "%s", oms_col_str(st, 4));
	}
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the 940s sent");
	return OMS_OK;
}

static int
apply_945(struct rx *r, struct seen *e, cJSON **recs)
{
	static const char sql_dup[] =
	    "SELECT shipment_id FROM edi_shipments WHERE location = ? "
	    "AND depositor_order = ? AND shipment = ?";
	static const char sql_lines[] =
	    "SELECT l.allocation_id, l.lx, l.sku, l.qty - l.done, a.state, "
	    "a.qty FROM edi_lines l JOIN allocations a ON a.id = "
	    "l.allocation_id WHERE l.edi_order = ? ORDER BY l.lx, "
	    "l.allocation_id";
	static const char sql_done[] =
	    "UPDATE edi_lines SET done = done + ? WHERE edi_order = ? "
	    "AND allocation_id = ?";
	static const char sql_ship_row[] =
	    "INSERT INTO edi_shipments (location, depositor_order, shipment, "
	    "shipment_id, set_row) VALUES (?, ?, ?, ?, ?)";
	static const char sql_left[] =
	    "SELECT count(*) FROM edi_lines l JOIN allocations a ON a.id = "
	    "l.allocation_id WHERE l.edi_order = ? AND a.state = 'active' "
	    "AND l.qty > l.done";
	struct w945 w;
	struct fault f;
	struct sent x;
	struct tgt *t = NULL;
	struct al *as = NULL;
	int nt = 0, nas = 0, rc, released = 0;
	int64_t *ship = NULL, shipped_units = 0, sid = 0;
	int nship = 0;
	char what[160], oname[200], when[OMS_TIME_LEN], sku[256];
	const struct oms_x12_seg *w06;
	oms_stmt *st;
	cJSON *rec = NULL;

	memset(&f, 0, sizeof f);
	if ((rc = parse_945(r, e->s, &w, &f)) != OMS_OK) {
		rc = refuse(r, e, f.seg, f.id, NULL, "%s", f.why);
		goto out;
	}
	w06 = &r->x->segs[w.w06];
	snprintf(what, sizeof what, "945 for %.40s", w.dep);
	if ((rc = find_940(r->db, r->a.loc, w.dep, &x)) != OMS_OK)
		goto out;
	if (x.row == 0) {
		rc = refuse(r, e, w06->no, "W06", what, "no 940 of that number "
		    "was sent to %s", r->a.loc);
		goto out;
	}
	if ((rc = oms_order_name(r->db, x.order_id, oname, sizeof oname)) !=
	    OMS_OK)
		goto out;
	{
		char plain[32];

		snprintf(plain, sizeof plain, "o_%lld", (long long)x.order_id);
		if (strcasecmp(plain, w.dep) == 0)
			snprintf(what, sizeof what, "945 for order %.60s",
			    oname);
		else
			snprintf(what, sizeof what, "945 for %.40s, order "
			    "%.60s", w.dep, oname);
	}
	/*
	 * The same shipment of the same order again: it is there already.
	 * Of another order it is a shipment of its own: a 3pl's W06-04 is
	 * often a load or bill of lading that several orders share.
	 */
	if (*w.shipment != '\0') {
		if ((st = oms_db_query(r->db, sql_dup, "sss", r->a.loc, x.dep,
		    w.shipment)) == NULL) {
			rc = OMS_ERR;
			goto out;
		}
		rc = oms_step(st);
		if (rc == OMS_ROW)
			sid = oms_col_int64(st, 0);
		oms_reset(st);
		if (rc == OMS_ROW) {
			note(r->o, "%s: segment %ld (W06): %s: shipment %s is "
			    "recorded already%s%lld; nothing changed", r->path,
			    w06->no, what, w.shipment, sid ? " as s_" : "",
			    sid ? (long long)sid : 0LL);
			r->cnt->already++;
			rc = OMS_OK;
			goto out;
		}
		if (rc != OMS_DONE) {
			rc = oms_db_fail(r->db, rc, "cannot read the shipments");
			goto out;
		}
	}
	if (strcmp(x.state, "cancelled") == 0) {
		rc = refuse(r, e, w06->no, "W06", what, "its 940 was cancelled "
		    "(a 940 with W05-01 F went to %s): the 3pl shipped what "
		    "it was told not to; nothing is recorded: settle it with "
		    "the 3pl (a return brings the goods back)", r->a.loc);
		goto out;
	}
	if (strcmp(x.state, "done") == 0) {
		rc = refuse(r, e, w06->no, "W06", what, "its 940 is done: all "
		    "it asked for has shipped or been given up already");
		goto out;
	}
	if (strcmp(x.state, "rejected") == 0) {
		rc = refuse(r, e, w06->no, "W06", what, "its 940 was rejected "
		    "by the 3pl's 997, so it was to be sent again");
		goto out;
	}
	if ((rc = oms_order_may(r->db, x.order_id, OMS_ACT_SHIP)) != OMS_OK) {
		if (rc == OMS_REJECT)
			rc = refuse(r, e, w06->no, "W06", what, "%s: nothing "
			    "is recorded; settle it with the 3pl",
			    oms_error());
		goto out;
	}
	/* What the 940 still waits for, a target per LX. */
	if ((st = oms_db_query(r->db, sql_lines, "I", x.row)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	while ((rc = oms_step(st)) == OMS_ROW) {
		int lx = oms_col_int(st, 1);

		if (nt == 0 || t[nt - 1].lx != lx) {
			t = erealloc(t, (size_t)(nt + 1) * sizeof *t);
			memset(&t[nt], 0, sizeof *t);
			t[nt].lx = lx;
			snprintf(t[nt].sku, sizeof t[nt].sku, "%s",
			    oms_col_str(st, 2));
			nt++;
		}
		if (strcmp(oms_col_str(st, 4), "active") == 0 &&
		    oms_col_int64(st, 3) > 0) {
			as = erealloc(as, (size_t)(nas + 1) * sizeof *as);
			memset(&as[nas], 0, sizeof *as);
			as[nas].id = oms_col_int64(st, 0);
			as[nas].qty = oms_col_int64(st, 5);
			as[nas].lx = lx;
			snprintf(as[nas].sku, sizeof as[nas].sku, "%s",
			    oms_col_str(st, 2));
			t[nt - 1].want += as[nas].qty;
			nas++;
		}
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		rc = oms_db_fail(r->db, rc, "cannot read a 940 sent");
		goto out;
	}
	/* Each W12 to its line: by N9 LI, else by the product. */
	for (int i = 0; i < w.n; i++) {
		const struct w12 *l = &w.lines[i];
		const struct oms_x12_seg *g = &r->x->segs[l->i];
		struct tgt *to = NULL;
		int64_t left;

		if (l->shipped < 0 || l->shipped > OMS_QTY_MAX) {
			rc = refuse(r, e, g->no, "W12", what, "%lld units "
			    "shipped: a quantity is 0 to %d",
			    (long long)l->shipped, OMS_QTY_MAX);
			goto out;
		}
		sku[0] = '\0';
		if ((rc = sku_of(r->db, l->pq, l->pid, sku, sizeof sku)) !=
		    OMS_OK)
			goto out;
		if (*sku == '\0' && *l->upc != '\0' && (rc = sku_of(r->db, "UP",
		    l->upc, sku, sizeof sku)) != OMS_OK)
			goto out;
		if (*sku == '\0') {
			rc = refuse(r, e, g->no, "W12", what, "%s%s%s%s%s names "
			    "no product of ours", *l->pid ? l->pq : "",
			    *l->pid ? " " : "", l->pid, *l->pid && *l->upc ?
			    ", UPC " : *l->upc ? "UPC " : "", l->upc);
			goto out;
		}
		if (l->li != NULL)
			for (int k = 0; k < nt; k++)
				if (atoi(l->li) == t[k].lx &&
				    strcmp(t[k].sku, sku) == 0)
					to = &t[k];
		/* By product: the first of its lines with room, else its last. */
		for (int k = 0; to == NULL && k < nt; k++)
			if (strcmp(t[k].sku, sku) == 0 && (t[k].ship <
			    t[k].want || t[k].want == 0))
				to = &t[k];
		for (int k = nt - 1; to == NULL && k >= 0; k--)
			if (strcmp(t[k].sku, sku) == 0)
				to = &t[k];
		if (to == NULL) {
			rc = refuse(r, e, g->no, "W12", what, "SKU %s is not a "
			    "line of its 940", sku);
			goto out;
		}
		left = to->want - to->ship;
		if (l->shipped > left) {
			rc = refuse(r, e, g->no, "W12", what, "%lld of SKU %s "
			    "shipped, more than the %lld allocated at %s and "
			    "still to ship", (long long)l->shipped, sku,
			    (long long)left, r->a.loc);
			goto out;
		}
		to->ship += l->shipped;
		to->w12 = l->i;
		shipped_units += l->shipped;
		if (closing(l->status))
			to->close = 1;
	}
	if (w.units != shipped_units) {
		rc = refuse(r, e, r->x->segs[w.w03].no, "W03", what, "W03 says "
		    "%lld units shipped, its W12 segments %lld",
		    (long long)w.units, (long long)shipped_units);
		goto out;
	}
	/* The units to each allocation, in turn; a part split off. */
	for (int k = 0; k < nt; k++) {
		int64_t n = t[k].ship;

		for (int j = 0; j < nas && n > 0; j++) {
			int64_t id;

			if (as[j].lx != t[k].lx)
				continue;
			as[j].take = n < as[j].qty ? n : as[j].qty;
			n -= as[j].take;
			id = as[j].id;
			if (as[j].take < as[j].qty && (rc = split_alloc(r->db,
			    as[j].id, as[j].take, &id)) != OMS_OK)
				goto out;
			if ((rc = oms_db_run(r->db, sql_done, "cannot record a "
			    "945", "III", as[j].take, x.row, as[j].id)) !=
			    OMS_OK)
				goto out;
			ship = erealloc(ship, (size_t)(nship + 1) * sizeof *ship);
			ship[nship++] = id;
		}
	}
	if (nship > 0) {
		struct oms_ship_given g;
		cJSON *extra = cJSON_CreateObject(), *ed;
		char code[16], rid[40];
		char svc[64];
		uint64_t h = OMS_HASH_INIT;
		const char *tr[64];
		int ntr = 0;

		for (int k = 0; k < w.ntracking && ntr < 64; k++)
			tr[ntr++] = w.tracking[k];
		if (ntr == 0 && w.pro != NULL && *w.pro)
			tr[ntr++] = w.pro;
		if (ntr == 0)
			note(r->o, "%s: segment %ld (W06): %s: no tracking "
			    "number (MAN CP, N9 2I or CN): the shipment is "
			    "recorded without one", r->path, w06->no, what);
		if ((rc = shipped_at(r->db, r->a.loc, &w, when)) != OMS_OK)
			goto out_extra;
		h = oms_hash64(r->a.them.key, strlen(r->a.them.key), h);
		h = oms_hash64(r->x->control, strlen(r->x->control), h);
		h = oms_hash64(e->g->control, strlen(e->g->control), h);
		h = oms_hash64(e->s->control, strlen(e->s->control), h);
		h = oms_hash64(r->a.loc, strlen(r->a.loc), h);
		snprintf(rid, sizeof rid, "edi-%016llx", (unsigned long long)h);
		ed = cJSON_AddObjectToObject(extra, "edi");
		cJSON_AddStringToObject(ed, "depositor_order", w.dep);
		if (*w.shipment)
			cJSON_AddStringToObject(ed, "shipment", w.shipment);
		if (w.bol != NULL && *w.bol)
			cJSON_AddStringToObject(ed, "bill_of_lading", w.bol);
		if (w.scac != NULL && *w.scac)
			cJSON_AddStringToObject(ed, "scac", w.scac);
		cJSON_AddStringToObject(ed, "interchange", r->x->control);
		cJSON_AddStringToObject(ed, "set", e->s->control);
		memset(&g, 0, sizeof g);
		g.order_id = x.order_id;
		g.location = r->a.loc;
		g.allocs = ship;
		g.nallocs = nship;
		g.carrier = r->a.carrier;
		g.carrier_code = carrier_code(&r->a, w.scac, code, sizeof code);
		oms_x12_text(svc, sizeof svc, w.routing && *w.routing ?
		    w.routing : "3pl", 35);
		g.service = svc;
		g.service_name = w.routing && *w.routing ? svc : NULL;
		g.tracking = tr;
		g.npackages = ntr;
		g.weight_g = -1;
		if (w.has_weight)
			g.weight_g = (int64_t)(w.weight * (strcmp(w.wunit, "K") ==
			    0 || strcmp(w.wunit, "KG") == 0 ? 1000.0 :
			    453.59237) + 0.5);
		g.shipped_at = when;
		g.request_id = rid;
		g.handed = 1;
		g.extra = extra;
		rc = oms_ship_given(r->db, &g, &rec);
out_extra:
		cJSON_Delete(extra);
		if (rc == OMS_REJECT) {
			rc = refuse(r, e, w06->no, "W06", what, "%s", oms_error());
			goto out;
		}
		if (rc != OMS_OK)
			goto out;
		sid = 0;
		{
			const char *id = oms_json_str(rec, "id");

			if (id != NULL && strncmp(id, "s_", 2) == 0)
				sid = strtoll(id + 2, NULL, 10);
		}
		cJSON_AddItemToArray(*recs, rec);
	}
	/* What the 3pl said it will not ship goes back to routing. */
	for (int k = 0; k < nt; k++) {
		int64_t n = t[k].want - t[k].ship;

		if (!t[k].close || n <= 0)
			continue;
		for (int j = 0; j < nas && n > 0; j++) {
			int64_t rest = as[j].qty - as[j].take;
			char why[128];

			if (as[j].lx != t[k].lx || rest <= 0)
				continue;
			snprintf(why, sizeof why, "not filled by %s (945 %s)",
			    r->a.loc, e->s->control);
			if ((rc = release_rest(r->db, x.order_id, &as[j], rest,
			    r->a.loc, why)) != OMS_OK ||
			    (rc = oms_db_run(r->db, sql_done, "cannot record a "
			    "945", "III", rest, x.row, as[j].id)) != OMS_OK) {
				if (rc == OMS_REJECT)
					rc = refuse(r, e, r->x->segs[t[k].w12].no,
					    "W12", what, "%s", oms_error());
				goto out;
			}
			n -= rest;
			released++;
		}
	}
	if (released > 0) {
		cJSON *xx = cJSON_CreateObject();

		cJSON_AddStringToObject(xx, "location", r->a.loc);
		cJSON_AddStringToObject(xx, "depositor_order", w.dep);
		rc = oms_order_settle(r->db, x.order_id, "unfilled", xx, NULL);
		cJSON_Delete(xx);
		if (rc != OMS_OK)
			goto out;
	}
	if (*w.shipment != '\0' && (rc = oms_db_run(r->db, sql_ship_row,
	    "cannot record a 945", "sssrI", r->a.loc, x.dep, w.shipment,
	    sid, e->row)) != OMS_OK)
		goto out;
	/* Nothing left that it waits for: the 940 is done. */
	if ((st = oms_db_query(r->db, sql_left, "I", x.row)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	rc = oms_step(st);
	{
		int64_t left = rc == OMS_ROW ? oms_col_int64(st, 0) : -1;

		oms_reset(st);
		if (rc != OMS_ROW) {
			rc = oms_db_fail(r->db, rc, "cannot read a 940 sent");
			goto out;
		}
		if (left == 0 && (rc = oms_db_run(r->db, "UPDATE edi_orders SET "
		    "state = 'done' WHERE id = ?", "cannot record a 945", "I",
		    x.row)) != OMS_OK)
			goto out;
	}
	rc = OMS_OK;
	if (nship == 0 && released == 0)
		note(r->o, "%s: segment %ld (W06): %s: nothing shipped, and "
		    "the rest still to come", r->path, w06->no, what);
out:
	w945_free(&w);
	free(t);
	free(as);
	free(ship);
	return rc;
}

static int
apply_846(struct rx *r, struct seen *e, cJSON **recs)
{
	struct lin *l = NULL;
	struct fault f;
	int n = 0, rc;
	char **skus = NULL;

	memset(&f, 0, sizeof f);
	if ((rc = parse_846(r, e->s, &l, &n, &f)) != OMS_OK) {
		rc = refuse(r, e, f.seg, f.id, NULL, "%s", f.why);
		goto out;
	}
	skus = ecalloc((size_t)n + 1, sizeof *skus);
	for (int i = 0; i < n; i++) {
		const struct oms_x12_seg *g = &r->x->segs[l[i].i];
		char sku[256] = "", key[512], ref[64];
		cJSON *m, *echo = NULL;

		for (int k = 0; k < l[i].np && *sku == '\0'; k++)
			if ((rc = sku_of(r->db, l[i].pq[k], l[i].pid[k], sku,
			    sizeof sku)) != OMS_OK)
				goto out;
		if (*sku == '\0') {
			rc = refuse(r, e, g->no, "LIN", "846", "%s %s names no "
			    "product of ours: add it to the catalog, or ask "
			    "the 3pl to leave it out", l[i].pq[0], l[i].pid[0]);
			goto out;
		}
		for (int k = 0; k < i; k++)
			if (strcmp(skus[k], sku) == 0) {
				rc = refuse(r, e, g->no, "LIN", "846", "SKU %s "
				    "counted twice", sku);
				goto out;
			}
		skus[i] = estrdup(sku);
		if (l[i].qty < 0 || l[i].qty > OMS_QTY_MAX) {
			rc = refuse(r, e, r->x->segs[l[i].qi].no, "QTY", "846",
			    "%lld of SKU %s: a count is 0 to %d",
			    (long long)l[i].qty, sku, OMS_QTY_MAX);
			goto out;
		}
		snprintf(key, sizeof key, "edi:846:%s:%s:%s:%s:%s",
		    r->a.them.key, r->x->control, e->g->control,
		    e->s->control, sku);
		snprintf(ref, sizeof ref, "846 %s/%s", r->x->control,
		    e->s->control);
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "type", "movement");
		cJSON_AddStringToObject(m, "kind", "count");
		cJSON_AddStringToObject(m, "sku", sku);
		cJSON_AddStringToObject(m, "location", r->a.loc);
		cJSON_AddNumberToObject(m, "qty", (double)l[i].qty);
		cJSON_AddStringToObject(m, "ref", ref);
		cJSON_AddStringToObject(m, "key", key);
		rc = oms_stock_move(r->db, m, &echo);
		cJSON_Delete(m);
		if (rc == OMS_REJECT) {
			rc = refuse(r, e, g->no, "LIN", "846", "SKU %s counted "
			    "%lld: %s%s", sku, (long long)l[i].qty, oms_error(),
			    strstr(oms_error(), "reserved") ? ": the 3pl's "
			    "count is below what waits for it to ship; read "
			    "its 945s first" : "");
			goto out;
		}
		if (rc != OMS_OK)
			goto out;
		cJSON_AddItemToArray(*recs, echo);
	}
out:
	for (int i = 0; skus && i < n; i++)
		free(skus[i]);
	free(skus);
	free(l);
	return rc;
}

/* Their 997 of our 940s: each set accepted or rejected. */
static int
apply_997(struct rx *r, struct seen *e, cJSON **recs)
{
	static const char sql_sets[] =
	    "SELECT s.id, s.control, s.state FROM edi_sets s JOIN "
	    "edi_interchanges i ON i.id = s.interchange_id "
	    "WHERE i.direction = 'out' AND i.sender = ? AND i.receiver = ? "
	    "AND i.location = ? AND s.group_control = ? AND s.set_id = '940'";
	static const char sql_orders[] =
	    "SELECT order_id, depositor_order, purpose FROM edi_orders "
	    "WHERE set_row = ?";
	static const char sql_order_state[] =
	    "UPDATE edi_orders SET state = ? WHERE set_row = ? "
	    "AND state IN ('sent', 'accepted', 'rejected')";
	const struct oms_x12_set *s = e->s;
	struct { int64_t row; char control[16], state[16], to[16]; } *ss = NULL;
	int nss = 0, rc, any_ak2 = 0;
	const char *fid = NULL, *group = NULL;
	size_t ak1 = 0, ak9 = 0;
	oms_stmt *st;

	for (size_t i = s->first + 1; i < s->last; i++)
		if (seg_is(r, i, "AK1")) {
			ak1 = i;
			fid = oms_x12_el(&r->x->segs[i], 1);
			group = oms_x12_el(&r->x->segs[i], 2);
		} else if (seg_is(r, i, "AK9"))
			ak9 = i;
	if (ak1 == 0 || ak9 == 0) {
		e->f.ak5 = 5;
		return refuse(r, e, r->x->segs[ak1 ? s->last : s->first + 1].no,
		    ak1 ? "SE" : r->x->segs[s->first + 1].el[0], "997",
		    "a 997 has an AK1 and an AK9");
	}
	if (strcmp(fid, "OW") != 0)
		return refuse(r, e, r->x->segs[ak1].no, "AK1", "997",
		    "it acknowledges a group of %.10s: oms sends only 940s (OW)",
		    fid);
	if (!oms_all_digits(group) || strlen(group) > 9)
		return refuse(r, e, r->x->segs[ak1].no, "AK1", "997",
		    "AK1-02 '%.20s' is not a group control number", group);
	if ((st = oms_db_query(r->db, sql_sets, "sssI", r->a.us.key,
	    r->a.them.key, r->a.loc, (int64_t)strtoll(group, NULL, 10))) ==
	    NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		ss = erealloc(ss, (size_t)(nss + 1) * sizeof *ss);
		ss[nss].row = oms_col_int64(st, 0);
		snprintf(ss[nss].control, sizeof ss[nss].control, "%s",
		    oms_col_str(st, 1));
		snprintf(ss[nss].state, sizeof ss[nss].state, "%s",
		    oms_col_str(st, 2));
		ss[nss].to[0] = '\0';
		nss++;
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		free(ss);
		return oms_db_fail(r->db, rc, "cannot read the 940s sent");
	}
	if (nss == 0) {
		free(ss);
		return refuse(r, e, r->x->segs[ak1].no, "AK1", "997",
		    "it acknowledges group %s, which oms never sent to %s",
		    group, r->a.loc);
	}
	for (size_t i = s->first + 1; i < s->last; i++) {
		const char *ctl, *code;
		int k;

		if (!seg_is(r, i, "AK2"))
			continue;
		any_ak2 = 1;
		ctl = oms_x12_el(&r->x->segs[i], 2);
		for (k = 0; k < nss && strcmp(ss[k].control, ctl) != 0; k++)
			;
		if (k == nss) {
			free(ss);
			return refuse(r, e, r->x->segs[i].no, "AK2", "997",
			    "it acknowledges set 940 %.20s, not of group %s",
			    ctl, group);
		}
		code = "";
		for (size_t j = i + 1; j < s->last && !seg_is(r, j, "AK2");
		    j++)
			if (seg_is(r, j, "AK5")) {
				code = oms_x12_el(&r->x->segs[j], 1);
				break;
			}
		snprintf(ss[k].to, sizeof ss[k].to, "%s", *code == 'A' ||
		    *code == 'E' ? "accepted" : *code == '\0' ? "" :
		    "rejected");
	}
	if (!any_ak2) {
		const char *c = oms_x12_el(&r->x->segs[ak9], 1);

		for (int k = 0; k < nss; k++)
			snprintf(ss[k].to, sizeof ss[k].to, "%s", *c == 'A' ||
			    *c == 'E' ? "accepted" : *c == 'R' ? "rejected" :
			    "");
		if (*c == 'P')
			note(r->o, "%s: segment %ld (AK9): group %s partly "
			    "accepted, with no AK2 to say which: left as sent",
			    r->path, r->x->segs[ak9].no, group);
	}
	rc = OMS_OK;
	for (int k = 0; k < nss && rc == OMS_OK; k++) {
		if (ss[k].to[0] == '\0' || strcmp(ss[k].to, ss[k].state) == 0)
			continue;
		if ((rc = set_state(r->db, ss[k].row, ss[k].to, NULL)) !=
		    OMS_OK ||
		    (rc = oms_db_run(r->db, sql_order_state, "cannot record a "
		    "997", "sI", ss[k].to, ss[k].row)) != OMS_OK)
			break;
		if ((st = oms_db_query(r->db, sql_orders, "I", ss[k].row)) ==
		    NULL) {
			rc = OMS_ERR;
			break;
		}
		while ((rc = oms_step(st)) == OMS_ROW) {
			cJSON *o = cJSON_CreateObject();
			char oref[32];

			snprintf(oref, sizeof oref, "o_%lld", (long long)
			    oms_col_int64(st, 0));
			cJSON_AddStringToObject(o, "type", "edi");
			cJSON_AddStringToObject(o, "document", "940");
			cJSON_AddStringToObject(o, "purpose", oms_col_str(st,
			    2));
			cJSON_AddStringToObject(o, "location", r->a.loc);
			cJSON_AddStringToObject(o, "order", oref);
			cJSON_AddStringToObject(o, "depositor_order",
			    oms_col_str(st, 1));
			cJSON_AddNumberToObject(o, "group", (double)strtoll(group,
			    NULL, 10));
			cJSON_AddStringToObject(o, "set", ss[k].control);
			cJSON_AddStringToObject(o, "state", ss[k].to);
			cJSON_AddItemToArray(*recs, o);
		}
		oms_reset(st);
		rc = rc == OMS_DONE ? OMS_OK : oms_db_fail(r->db, rc,
		    "cannot read the 940s sent");
	}
	free(ss);
	return rc;
}

/* The accounts of every 3pl location: the one whose ids these are. */
static int
account_of(struct rx *r)
{
	static const char sql[] =
	    "SELECT id FROM locations WHERE kind = '3pl' ORDER BY id";
	struct oms_errsave broken;
	oms_stmt *st;
	char **locs = NULL;
	int n = 0, rc;

	broken.kind = -1;
	if (r->o->location != NULL) {
		if ((rc = account_for(r->db, r->o->location, &r->a)) != OMS_OK)
			return rc;
		if (strcmp(r->a.them.q, r->x->sender_q) == 0 &&
		    strcmp(r->a.them.id, r->x->sender) == 0 &&
		    strcmp(r->a.us.q, r->x->receiver_q) == 0 &&
		    strcmp(r->a.us.id, r->x->receiver) == 0)
			return OMS_OK;
		return oms_reject("segment 1 (ISA): the interchange is from "
		    "%s:%s to %s:%s, not from %s (%s) to us (%s)",
		    r->x->sender_q, r->x->sender, r->x->receiver_q,
		    r->x->receiver, r->a.loc, r->a.them.key, r->a.us.key);
	}
	if ((st = oms_db_stmt(r->db, sql)) == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		locs = erealloc(locs, (size_t)(n + 1) * sizeof *locs);
		locs[n++] = estrdup(oms_col_str(st, 0));
	}
	oms_reset(st);
	rc = rc == OMS_DONE ? OMS_OK : oms_db_fail(r->db, rc,
	    "cannot read the locations");
	for (int i = 0; i < n && rc == OMS_OK; i++) {
		struct account a;
		int k;

		if (!oms_edi_location_ok(locs[i]))
			continue;
		if ((k = account_load(locs[i], &a)) == OMS_EOF)
			continue;
		/* Another's broken account is said only if none is this one. */
		if (k != OMS_OK) {
			if (broken.kind < 0)
				oms_err_save(&broken);
			account_free(&a);
			continue;
		}
		if (strcmp(a.them.q, r->x->sender_q) == 0 &&
		    strcmp(a.them.id, r->x->sender) == 0 &&
		    strcmp(a.us.q, r->x->receiver_q) == 0 &&
		    strcmp(a.us.id, r->x->receiver) == 0 && r->a.doc == NULL) {
			r->a = a;
			/* The location's name outlives this list. */
			r->a.loc = estrdup(locs[i]);
			continue;
		}
		account_free(&a);
	}
	for (int i = 0; i < n; i++)
		free(locs[i]);
	free(locs);
	if (rc == OMS_OK && r->a.doc == NULL && broken.kind >= 0)
		rc = oms_err_restore(&broken);
	else if (rc == OMS_OK && r->a.doc == NULL)
		rc = oms_reject("segment 1 (ISA): the interchange is from "
		    "%s:%s to %s:%s: no 3pl location's EDI account "
		    "(edi/LOC.json) has these ids", r->x->sender_q,
		    r->x->sender, r->x->receiver_q, r->x->receiver);
	return rc;
}

/* A set's syntax, for the 997, before anything is applied. */
static void
check_set(struct rx *r, struct seen *e)
{
	struct w945 w;
	struct lin *l = NULL;
	int n;

	memset(&e->f, 0, sizeof e->f);
	if (e->s->error != 0) {
		e->f.ak5 = e->s->error;
		e->f.seg = r->x->segs[e->s->first].no;
		snprintf(e->f.id, sizeof e->f.id, "ST");
		snprintf(e->f.why, sizeof e->f.why, "%s", e->s->why);
		return;
	}
	if (!known(e->s->id)) {
		e->f.ak5 = 1;
		e->f.seg = r->x->segs[e->s->first].no;
		snprintf(e->f.id, sizeof e->f.id, "ST");
		snprintf(e->f.why, sizeof e->f.why, "transaction set %.10s is "
		    "not one oms reads (945, 846, 997)", e->s->id);
		return;
	}
	if (strcmp(e->s->id, "945") == 0) {
		parse_945(r, e->s, &w, &e->f);
		w945_free(&w);
	} else if (strcmp(e->s->id, "846") == 0) {
		parse_846(r, e->s, &l, &n, &e->f);
		free(l);
	}
}

static int
seen_state(oms_db *db, int64_t ichg, const struct seen *e, int64_t *row,
    char state[16])
{
	static const char sql[] =
	    "SELECT id, state FROM edi_sets WHERE interchange_id = ? "
	    "AND group_control = ? AND control = ?";
	oms_stmt *st = oms_db_query(db, sql, "IIs", ichg,
	    (int64_t)strtoll(e->g->control, NULL, 10), e->s->control);
	int rc;

	state[0] = '\0';
	*row = 0;
	if (st == NULL)
		return OMS_ERR;
	if ((rc = oms_step(st)) == OMS_ROW) {
		*row = oms_col_int64(st, 0);
		snprintf(state, 16, "%s", oms_col_str(st, 1));
	}
	oms_reset(st);
	return rc == OMS_ROW || rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot read the transaction sets");
}

static int
echo_all(const struct oms_edi_opts *o, cJSON *recs)
{
	const cJSON *x;
	int rc = OMS_OK;

	cJSON_ArrayForEach(x, recs)
		if (rc == OMS_OK && o->echo != NULL)
			rc = o->echo(o->arg, x);
	return rc;
}

/* The directory the 997s go to: --dir, the account's, the last send's. */
static int
ack_dir(struct rx *r, char *out, size_t n)
{
	static const char sql[] =
	    "SELECT dir FROM edi_interchanges WHERE location = ? "
	    "AND direction = 'out' AND dir IS NOT NULL ORDER BY id DESC "
	    "LIMIT 1";
	const char *d = dir_of(r->o, &r->a);
	oms_stmt *st;
	int rc;

	if (d != NULL) {
		snprintf(out, n, "%s", d);
		return OMS_OK;
	}
	if ((st = oms_db_query(r->db, sql, "s", r->a.loc)) == NULL)
		return OMS_ERR;
	out[0] = '\0';
	if ((rc = oms_step(st)) == OMS_ROW)
		snprintf(out, n, "%s", oms_col_str(st, 0));
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(r->db, rc, "cannot read the interchanges");
	if (*out == '\0')
		return oms_fail(OMS_E_USAGE, "no directory for the 997s to %s: "
		    "--dir DIR, \"dir\" in %s, or a send to it first", r->a.loc,
		    r->a.path);
	return OMS_OK;
}

int
oms_edi_receive(oms_db *db, const struct oms_edi_opts *o, const char *path,
    const char *text, size_t len, struct oms_edi_counts *cnt)
{
	static const char sql_known[] =
	    "SELECT id, digest, file FROM edi_interchanges WHERE direction = "
	    "'in' AND sender = ? AND receiver = ? AND control = ?";
	struct rx r;
	struct seen *e = NULL;
	struct outdir d = { NULL, -1 };
	struct oms_x12w w;
	char digest[17], now[OMS_TIME_LEN], dir[4096], name[128];
	char before[4200] = "";
	int ne = 0, rc, nested, in_tx = 0, wrote = 0, first = 1, nacks = 0;
	int64_t ack_ichg = 0, accepted = 0;
	oms_stmt *st;

	memset(&r, 0, sizeof r);
	memset(&w, 0, sizeof w);
	r.db = db;
	r.o = o;
	r.cnt = cnt;
	r.path = path;
	if ((rc = oms_x12_read(text, len, &r.x)) != OMS_OK) {
		if (rc == OMS_REJECT) {
			snprintf(refusal, sizeof refusal, "%s: %s", path,
			    oms_error());
			rc = oms_reject("%s", refusal);
		}
		goto out;
	}
	if ((rc = account_of(&r)) != OMS_OK) {
		if (rc == OMS_REJECT)
			rc = oms_reject("%s: %s", path, oms_error());
		goto out;
	}
	digest_hex(text, len, digest);
	for (int g = 0; g < r.x->ngroups; g++)
		for (int k = 0; k < r.x->groups[g].nsets; k++) {
			e = erealloc(e, (size_t)(ne + 1) * sizeof *e);
			memset(&e[ne], 0, sizeof *e);
			e[ne].g = &r.x->groups[g];
			e[ne].s = &r.x->groups[g].sets[k];
			check_set(&r, &e[ne]);
			ne++;
		}
	/*
	 * A control number used twice in a group (or in two groups of one
	 * number) names one set in edi_sets: the later is rejected in the
	 * 997 and never recorded, so the earlier still goes in.
	 */
	for (int k = 0; k < ne; k++)
		for (int j = 0; j < k && !e[k].dup; j++) {
			if (strtoll(e[j].g->control, NULL, 10) !=
			    strtoll(e[k].g->control, NULL, 10) ||
			    strcmp(e[j].s->control, e[k].s->control) != 0)
				continue;
			e[k].dup = 1;
			if (e[k].f.ak5 != 0)
				continue;
			e[k].f.ak5 = 23;
			e[k].f.seg = r.x->segs[e[k].s->first].no;
			snprintf(e[k].f.id, sizeof e[k].f.id, "ST");
			snprintf(e[k].f.why, sizeof e[k].f.why, "control "
			    "number %s is used twice in the group",
			    e[k].s->control);
		}
	/* Whether it was read before, and what follows, under the lock. */
	if ((rc = oms_db_write(db, &nested)) != OMS_OK)
		goto out;
	in_tx = 1;
	if ((st = oms_db_query(db, sql_known, "ssI", r.a.them.key, r.a.us.key,
	    (int64_t)strtoll(r.x->control, NULL, 10))) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	if ((rc = oms_step(st)) == OMS_ROW) {
		r.ichg_row = oms_col_int64(st, 0);
		first = 0;
		if (strcmp(oms_col_str(st, 1), digest) != 0)
			snprintf(before, sizeof before, "%s", oms_col_str(st, 2));
	}
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE) {
		rc = oms_db_fail(db, rc, "cannot read the interchanges");
		goto out;
	}
	if (*before != '\0') {
		rc = oms_reject("%s: segment 1 (ISA): interchange %s from %s "
		    "was read before, from '%s', with other content: a control "
		    "number is never used twice; nothing read", path,
		    r.x->control, r.a.them.key, before);
		goto out;
	}
	if (!first) {
		in_tx = 0;
		if ((rc = oms_db_write_end(db, nested, OMS_OK)) != OMS_OK)
			goto out;
	}
	oms_time_now(now);
	if (first) {
		/* Recorded, and acknowledged, before anything is applied. */
		if ((rc = ack_dir(&r, dir, sizeof dir)) != OMS_OK)
			goto out;
		if (!o->dry_run && (rc = outdir_open(dir, &d)) != OMS_OK)
			goto out;
		if (!o->dry_run && (rc = parts_recover(db, &d, &r.a)) != OMS_OK)
			goto out;
		if ((rc = interchange_put(db, r.a.loc, NULL, r.a.them.key,
		    r.a.us.key, (int64_t)strtoll(r.x->control, NULL, 10), path,
		    digest, &r.ichg_row)) != OMS_OK)
			goto out;
		for (int k = 0; k < ne; k++) {
			const char *state = e[k].f.ak5 ? "rejected" : "pending";

			snprintf(e[k].state, sizeof e[k].state, "%s", state);
			if (e[k].dup)
				continue;
			if ((rc = set_put(db, r.ichg_row, strtoll(e[k].g->control,
			    NULL, 10), e[k].s->id, e[k].s->control, state,
			    e[k].f.ak5 ? e[k].f.why : NULL, &e[k].row)) !=
			    OMS_OK)
				goto out;
		}
		if ((rc = write_997(&r, e, ne, now, &w, &nacks, &ack_ichg,
		    &accepted)) != OMS_OK)
			goto out;
		if (nacks > 0) {
			snprintf(name, sizeof name, "997-%s-%09lld.x12", r.a.loc,
			    (long long)ack_ichg);
			if (!o->dry_run && (rc = name_free(&d, name)) != OMS_OK)
				goto out;
			{
				char full[4300], dg[17];
				int64_t row;

				snprintf(full, sizeof full, "%s/%s", dir, name);
				digest_hex(w.b.s, w.b.len, dg);
				if ((rc = interchange_put(db, r.a.loc, dir,
				    r.a.us.key, r.a.them.key, ack_ichg, full, dg,
				    &row)) != OMS_OK)
					goto out;
			}
			if (!o->dry_run) {
				if ((rc = part_write(&d, name, &w.b)) != OMS_OK)
					goto out;
				wrote = 1;
			}
		}
		in_tx = 0;
		if ((rc = oms_db_write_end(db, nested, OMS_OK)) != OMS_OK)
			goto out;
		if (wrote && (rc = part_publish(&d, name)) != OMS_OK)
			goto out;
		wrote = 0;
		if (nacks > 0) {
			cJSON *a = cJSON_CreateObject();

			cJSON_AddStringToObject(a, "type", "edi");
			cJSON_AddStringToObject(a, "document", "997");
			cJSON_AddStringToObject(a, "location", r.a.loc);
			cJSON_AddNumberToObject(a, "interchange",
			    (double)ack_ichg);
			if (!o->dry_run) {
				char full[4300];

				snprintf(full, sizeof full, "%s/%s", dir, name);
				cJSON_AddStringToObject(a, "file", full);
			}
			cJSON_AddStringToObject(a, "acknowledges", r.x->control);
			cJSON_AddNumberToObject(a, "sets", ne);
			cJSON_AddNumberToObject(a, "accepted", (double)accepted);
			cnt->files++;
			rc = o->echo ? o->echo(o->arg, a) : OMS_OK;
			cJSON_Delete(a);
			if (rc != OMS_OK)
				goto out;
		}
	} else {
		for (int k = 0; k < ne; k++)
			if (e[k].dup)
				snprintf(e[k].state, sizeof e[k].state,
				    "rejected");
			else if ((rc = seen_state(db, r.ichg_row, &e[k],
			    &e[k].row, e[k].state)) != OMS_OK)
				goto out;
	}
	/* Each set, in a transaction of its own. */
	rc = OMS_OK;
	{
		int tried = 0;

		for (int k = 0; k < ne; k++) {
			cJSON *recs;
			int r1;

			if (strcmp(e[k].state, "rejected") == 0) {
				if (first) {
					snprintf(refusal, sizeof refusal, "%s: "
					    "segment %ld (%s): %s %s: %s; rejected "
					    "in the 997", path, e[k].f.seg,
					    e[k].f.id, e[k].s->id,
					    e[k].s->control, e[k].f.why);
					if (o->refused)
						o->refused(o->arg, refusal);
					cnt->refused++;
				}
				continue;
			}
			if (strcmp(e[k].state, "pending") != 0 &&
			    strcmp(e[k].state, "refused") != 0)
				continue;
			tried++;
			recs = cJSON_CreateArray();
			refusal[0] = '\0';
			if ((r1 = oms_db_write(db, &nested)) != OMS_OK) {
				cJSON_Delete(recs);
				rc = r1;
				goto out;
			}
			/* Another run may have taken it meanwhile. */
			if ((r1 = seen_state(db, r.ichg_row, &e[k], &e[k].row,
			    e[k].state)) != OMS_OK) {
				oms_db_write_end(db, nested, r1);
				cJSON_Delete(recs);
				rc = r1;
				goto out;
			}
			if (strcmp(e[k].state, "pending") != 0 &&
			    strcmp(e[k].state, "refused") != 0) {
				oms_db_write_end(db, nested, OMS_OK);
				cJSON_Delete(recs);
				tried--;
				continue;
			}
			if (strcmp(e[k].s->id, "945") == 0)
				r1 = apply_945(&r, &e[k], &recs);
			else if (strcmp(e[k].s->id, "846") == 0)
				r1 = apply_846(&r, &e[k], &recs);
			else
				r1 = apply_997(&r, &e[k], &recs);
			if (r1 == OMS_OK)
				r1 = set_state(db, e[k].row, "applied", NULL);
			if (r1 == OMS_OK)
				r1 = oms_db_write_end(db, nested, OMS_OK);
			else
				oms_db_write_end(db, nested, r1);
			if (r1 == OMS_REJECT && refusal[0] == '\0')
				snprintf(refusal, sizeof refusal, "%s: %s %s: %s",
				    path, e[k].s->id, e[k].s->control,
				    oms_error());
			if (r1 == OMS_REJECT) {
				int n2;

				/* Kept refused, to be tried again. */
				if ((n2 = oms_db_write(db, &nested)) == OMS_OK)
					n2 = oms_db_write_end(db, nested,
					    set_state(db, e[k].row, "refused",
					    refusal));
				if (n2 != OMS_OK) {
					cJSON_Delete(recs);
					rc = n2;
					goto out;
				}
				if (o->refused)
					o->refused(o->arg, refusal);
				cnt->refused++;
			} else if (r1 != OMS_OK) {
				cJSON_Delete(recs);
				rc = r1;
				goto out;
			} else {
				cnt->applied++;
				r1 = echo_all(o, recs);
			}
			cJSON_Delete(recs);
			if (r1 != OMS_OK && r1 != OMS_REJECT) {
				rc = r1;
				goto out;
			}
		}
		if (!first && tried == 0) {
			note(o, "%s: interchange %s from %s was read before: "
			    "nothing changed", path, r.x->control,
			    r.a.them.key);
			cnt->already++;
		}
	}
out:
	if (in_tx) {
		if (wrote)
			part_drop(&d, name);
		oms_db_write_end(db, nested, rc == OMS_OK ? OMS_ERR : rc);
	}
	free(e);
	oms_x12w_free(&w);
	outdir_close(&d);
	if (r.a.doc != NULL && r.o->location == NULL)
		free((char *)r.a.loc);
	account_free(&r.a);
	oms_x12_free(r.x);
	return rc;
}
