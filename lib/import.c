/*
 * import.c: channel files in, canonical orders stored.
 *
 * A file is recognised (or checked against --channel), read as CSV rows
 * grouped into orders, as JSON documents, or as canonical JSON lines; each
 * order is mapped by its adapter, refined by the adapter's jq program if it
 * has one, normalised, and stored.  Orders are written in short
 * BEGIN IMMEDIATE transactions of up to BATCH orders, each order whole, and
 * echoed only after their transaction commits.  An order that cannot be
 * understood is rejected with its file, line and raw text; the rest go in.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oms.h"
#include "adapter.h"
#include "csvr.h"

#define BATCH 1000		/* orders per transaction at most */
#define BATCH_MS 200		/* and milliseconds per transaction */
#define HEAD_MAX 65536		/* bytes read to recognise a file */
#define HEADER_ROWS 20		/* rows searched for a header */

struct pending {
	char *json;
	int action;
	int64_t id;
	long line;
	int cancel;		/* a cancel waits on labels to void */
};

struct grow {
	struct oms_buf data;
	struct oms_buf raw;
	size_t *off;
	char **f;
	int nf, cap;
	long line;
};

struct group {
	struct grow *rows;
	int n, cap;
	char *key;
	long line;
	char *err;
	long errline;
};

/* A set of 64-bit hashes: the order keys a file has finished. */
struct keyset {
	uint64_t *h;
	size_t n, cap;
};

struct run {
	struct oms_import *im;
	oms_adapter *ad;
	const char *file;
	struct pending *pend;
	int npend, cappend;
	int in_tx;
	struct timespec tx_start;
	struct oms_buf tmp, tmp2, tmp3;
	int exp;
	const char *cur;
	char curbuf[8];
	char msg[512];
	struct keyset seen;
	size_t keys_in_memory;
	int seen_table;
	long orders_read;
	long errline;		/* the row a mapping error is on */
	int cr_only;		/* CSV whose lines end in CR alone */
	struct timespec last_progress;
	int idle_rc;		/* a commit before waiting for input failed */
	char idle_msg[1024];	/* and why */
	char exported_at[OMS_TIME_LEN];	/* the file's, or "" */
	struct oms_buf ph;	/* the fields of this order that held a
				   placeholder, such as "--" */
	char ph_value[16];	/* the first of them */
	long placeholders;	/* orders of the file with any */
	long repeated;		/* lines of the file taken once */
	long nolines;		/* orders a merge left without lines */
	int *bn_col;		/* blank_if_none: bound columns */
	long bn_rows, *bn_zero;	/* rows, and rows with 0 in each */
};

static int
keyset_add(struct keyset *k, uint64_t h)
{
	size_t i;

	if (h == 0)
		h = 1;
	if ((k->n + 1) * 2 > k->cap) {
		struct keyset nk = { 0 };

		nk.cap = k->cap ? k->cap * 2 : 1024;
		nk.h = ecalloc(nk.cap, sizeof *nk.h);
		for (i = 0; i < k->cap; i++)
			if (k->h[i] != 0)
				keyset_add(&nk, k->h[i]);
		free(k->h);
		*k = nk;
	}
	for (i = h & (k->cap - 1); k->h[i] != 0; i = (i + 1) & (k->cap - 1))
		if (k->h[i] == h)
			return 0;
	k->h[i] = h;
	k->n++;
	return 1;
}

static int
keyset_has(const struct keyset *k, uint64_t h)
{
	if (h == 0)
		h = 1;
	if (k->cap == 0)
		return 0;
	for (size_t i = h & (k->cap - 1); k->h[i] != 0;
	    i = (i + 1) & (k->cap - 1))
		if (k->h[i] == h)
			return 1;
	return 0;
}

#define KEYS_IN_MEMORY (1 << 19)	/* then a temporary table: memory stays flat */

static const char sql_seen_table[] =
    "CREATE TEMP TABLE IF NOT EXISTS import_seen (h INTEGER PRIMARY KEY)";
static const char sql_seen_add[] =
    "INSERT INTO temp.import_seen (h) VALUES (?) ON CONFLICT DO NOTHING";
static const char sql_seen_clear[] = "DELETE FROM temp.import_seen";

/*
 * Note an order key as finished in this file: 1, or 0 if it was already,
 * or a failure status (below zero).  The
 * first half a million keys are kept in memory, the rest in a temporary
 * table on disk, so a file of any size runs in the same memory.
 */
static int
seen_add(struct run *r, const char *key)
{
	uint64_t h = oms_hash64(key, strlen(key), OMS_HASH_INIT);
	sqlite3_stmt *st;
	int rc;

	if (r->keys_in_memory == 0) {
		const char *e = getenv("OMS_IMPORT_KEYS");

		r->keys_in_memory = e && atol(e) > 0 ? (size_t)atol(e) :
		    KEYS_IN_MEMORY;
	}
	if (r->seen.n < r->keys_in_memory || r->im->db == NULL)
		return keyset_add(&r->seen, h);
	if (keyset_has(&r->seen, h))
		return 0;
	if (!r->seen_table) {
		if ((rc = oms_db_exec(r->im->db, sql_seen_table)) != OMS_OK ||
		    (rc = oms_db_exec(r->im->db, sql_seen_clear)) != OMS_OK)
			return rc;
		r->seen_table = 1;
	}
	if ((st = oms_db_stmt(r->im->db, sql_seen_add)) == NULL)
		return OMS_ERR;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)h);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return oms_db_fail(r->im->db, rc, "cannot note an order key");
	return sqlite3_changes(oms_db_handle(r->im->db)) > 0;
}

/* ---- storing, in batches ------------------------------------------- */

/* Carry on the cancel p's order waits for; p gets its record as it ends. */
static int
carry_cancel(struct run *r, struct pending *p)
{
	struct oms_cancel c = { 0 };
	struct oms_cancel_result res;
	char why[160];
	cJSON *rec;
	int rc;

	memset(&res, 0, sizeof res);
	snprintf(why, sizeof why, "cancelled on %s", r->ad ? r->ad->channel :
	    "the channel");
	c.source = "channel";
	c.reason = why;
	rc = oms_cancel(r->im->db, p->id, &c, &res);
	if (rc == OMS_BUSY || (rc != OMS_OK && rc != OMS_REJECT))
		return rc;
	if (rc == OMS_REJECT || res.pending || res.kept) {
		char msg[1200];

		snprintf(msg, sizeof msg, "o_%lld: %s%s", (long long)p->id,
		    res.pending ? "the cancel is pending: " : "",
		    rc == OMS_REJECT ? oms_error() : res.note);
		r->im->cancels_failed += res.pending || rc == OMS_REJECT;
		if (r->im->on_warn != NULL)
			r->im->on_warn(r->im->arg, r->file, p->line, msg);
	}
	if ((rec = oms_order_record(r->im->db, p->id)) != NULL) {
		free(p->json);
		p->json = cJSON_PrintUnformatted(rec);
		cJSON_Delete(rec);
	}
	return OMS_OK;
}

static int
flush(struct run *r)
{
	struct oms_import *im = r->im;
	int rc = OMS_OK;

	if (r->in_tx) {
		if (im->dry_run)
			oms_db_rollback(im->db);
		else
			rc = oms_db_commit(im->db);
		r->in_tx = 0;
	}
	/*
	 * Cancels that wait on labels: voided now, with the batch committed
	 * and no transaction open, and their orders printed as they end.
	 */
	for (int i = 0; i < r->npend && rc == OMS_OK && !im->dry_run; i++)
		if (r->pend[i].cancel)
			rc = carry_cancel(r, &r->pend[i]);
	for (int i = 0; i < r->npend; i++) {
		if (rc == OMS_OK && im->on_order != NULL &&
		    im->on_order(im->arg, r->pend[i].json, r->pend[i].action) !=
		    OMS_OK)
			rc = OMS_ERR;
		free(r->pend[i].json);
	}
	if (r->npend > 0 && rc == OMS_OK && im->on_batch != NULL)
		im->on_batch(im->arg);
	r->npend = 0;
	return rc;
}

static void
reject(struct run *r, long line, const char *reason, const char *raw)
{
	r->im->rejected++;
	if (r->im->on_reject != NULL)
		r->im->on_reject(r->im->arg, r->file, line, reason, raw);
}

static void
note(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
note(struct run *r, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (r->im->on_note == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	r->im->on_note(r->im->arg, buf);
}

static void
finding(struct run *r, long line, const char *order, const char *kind,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Something worth a look in a file: told with --check, else counted. */
static void
finding(struct run *r, long line, const char *order, const char *kind,
    const char *fmt, ...)
{
	char buf[600];
	va_list ap;

	if (!r->im->check || r->im->on_finding == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	r->im->findings++;
	r->im->on_finding(r->im->arg, r->file, line, order, kind, buf);
}

/*
 * A value that stands for none: dashes alone ("--" is how eBay masks the
 * personal data of old orders, "-" a shop's empty postal code) or "n/a".
 */
static int
is_placeholder(const char *v)
{
	const char *p = v;

	while (*p == ' ')
		p++;
	if (*p == '-') {
		while (*p == '-' || *p == ' ')
			p++;
		return *p == '\0';
	}
	return strcasecmp(p, "n/a") == 0;
}

static void
placeholder(struct run *r, const struct spec *s, const char *v)
{
	const char *t = s->target;
	size_t n = strlen(t);

	/* Each field once: "ship_to.name, ship_to.address1". */
	for (const char *p = r->ph.s; p != NULL && (p = strstr(p, t)) != NULL;
	    p += n)
		if ((p == r->ph.s || p[-1] == ' ') && (p[n] == ',' ||
		    p[n] == '\0'))
			return;
	if (r->ph.len == 0)
		snprintf(r->ph_value, sizeof r->ph_value, "%s", v);
	oms_buf_printf(&r->ph, "%s%s", r->ph.len ? ", " : "", t);
}

static void
progress(struct run *r)
{
	r->orders_read++;
	if (!oms_progress_wanted() || (r->orders_read & 255) != 0)
		return;
	if (oms_ms_since(&r->last_progress) < 500)
		return;
	clock_gettime(CLOCK_MONOTONIC, &r->last_progress);
	fprintf(stderr, "\r%s: %s: %ld orders", oms_progname, r->file,
	    r->orders_read);
}

/*
 * Normalise and store one mapped order; o is consumed.  A fatal error
 * (the database) is returned; a bad order is rejected and OMS_OK returned.
 */
static void
reject_order(struct run *r, long line, const char *prefix, const cJSON *o,
    const char *raw)
{
	char why[700], msg[512];
	const char *ext = oms_json_str(o, "external_id");

	snprintf(msg, sizeof msg, "%s", oms_error());
	if (ext != NULL)
		snprintf(why, sizeof why, "%sorder %s: %s", prefix, ext, msg);
	else
		snprintf(why, sizeof why, "%s%s", prefix, msg);
	reject(r, line, why, raw);
}

/*
 * A line whose channel line id an earlier line of the order has is that
 * line, written twice (eBay repeats a row): taken once.  The same id with
 * other goods or amounts is refused: which of the two to ship is not ours
 * to guess.
 */
static int
same_lines(struct run *r, cJSON *o, long line)
{
	cJSON *lines = cJSON_GetObjectItemCaseSensitive(o, "lines"), *l, *next;
	const char *ext = oms_json_str(o, "external_id");
	int n = cJSON_GetArraySize(lines), rc = OMS_OK, pos = 0, kept = 0;
	struct keyset ids = { 0 };
	int *at;		/* each line kept: its place in the order */

	if (n < 2)
		return OMS_OK;
	at = ecalloc((size_t)n, sizeof *at);
	for (l = lines->child; l != NULL; l = next) {
		char ib[64], kb[64];
		const char *id, *t;
		cJSON *k;
		int j = 0, dup = 0;

		next = l->next;
		pos++;
		id = oms_json_text(cJSON_GetObjectItemCaseSensitive(l, "line_id"),
		    ib, sizeof ib);
		/* Beyond a few lines, a set of the ids seen spares n * n. */
		if (id == NULL || *id == '\0' || (n > 16 && keyset_add(&ids,
		    oms_hash64(id, strlen(id), OMS_HASH_INIT)))) {
			at[kept++] = pos;
			continue;
		}
		for (k = lines->child; k != l; k = k->next, j++) {
			t = oms_json_text(cJSON_GetObjectItemCaseSensitive(k,
			    "line_id"), kb, sizeof kb);
			if (t == NULL || strcmp(id, t) != 0)
				continue;
			if (!cJSON_Compare(k, l, 1)) {
				rc = oms_seterr("line %d has the line id %s of "
				    "line %d, with other values: which is the "
				    "order's?", pos, id, at[j]);
				goto out;
			}
			finding(r, line, ext, "repeated_line", "line %d repeats "
			    "line %d (line id %s): taken once", pos, at[j], id);
			if (r->im->on_note != NULL)
				note(r, "%s:%ld: order %s: line %d repeats line "
				    "%d (line id %s): taken once", r->file, line,
				    ext ? ext : "?", pos, at[j], id);
			r->repeated++;
			cJSON_Delete(cJSON_DetachItemViaPointer(lines, l));
			dup = 1;
			break;
		}
		if (!dup)
			at[kept++] = pos;
	}
out:
	free(at);
	free(ids.h);
	return rc;
}

/* What --check says of an order that would be stored. */
static void
check_order(struct run *r, const cJSON *o, long line, int merge)
{
	const char *ext = oms_json_str(o, "external_id");
	cJSON *p = oms_order_totals_check(o), *e;

	/* Every order's totals, shipped or not. */
	cJSON_ArrayForEach(e, p)
		finding(r, line, ext, "totals", "%s", e->valuestring);
	cJSON_Delete(p);
	/* An order a file only adds to has its lines, and holds, elsewhere. */
	if (merge)
		return;
	p = oms_order_problems(o);
	cJSON_ArrayForEach(e, p) {
		const char *m = e->valuestring;

		if (strncmp(m, "totals ", 7) != 0 &&
		    strncmp(m, "amounts ", 8) != 0)
			finding(r, line, ext, "hold", "%s", m);
	}
	cJSON_Delete(p);
}

/*
 * Refine, normalise and store one mapped order; o is consumed.  prefix
 * names the record in messages ("record 3: ").  merge says the record only
 * adds to the order stored.
 */
static int
take(struct run *r, cJSON *o, long line, const char *raw, const char *prefix,
    int merge)
{
	struct oms_import *im = r->im;
	struct oms_store res;
	struct oms_store_in in;
	char *json = NULL;
	int rc, flags = OMS_STORE_OUTPUT;

	if (r->ad != NULL && r->ad->refine != NULL) {
		struct oms_jq *jq;
		cJSON *refined;

		if (oms_adapter_refiner(r->ad, &jq) != OMS_OK) {
			cJSON_Delete(o);
			return OMS_ERR;
		}
		if (oms_jq_run(jq, o, &refined) != OMS_OK) {
			reject_order(r, line, prefix, o, raw);
			cJSON_Delete(o);
			return OMS_OK;
		}
		cJSON_Delete(o);
		o = refined;
	}
	if (im->account != NULL) {
		const char *a = oms_json_str(o, "account");

		/* A file that names its store is that store's alone. */
		if (a != NULL && *a != '\0' && strcmp(a, im->account) != 0) {
			im->refused = 1;
			oms_seterr("the file is of account '%s', not '%s'", a,
			    im->account);
			cJSON_Delete(o);
			return OMS_ERR;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(o, "account");
		cJSON_AddStringToObject(o, "account", im->account);
	}
	if (r->ph.len > 0) {
		const char *ext = oms_json_str(o, "external_id");

		finding(r, line, ext, "placeholder", "'%s' taken as no value in "
		    "%s", r->ph_value, r->ph.s);
		if (r->im->on_note != NULL)
			note(r, "%s:%ld: order %s: '%s' taken as no value in %s",
			    r->file, line, ext ? ext : "?", r->ph_value, r->ph.s);
		r->placeholders++;
		oms_buf_reset(&r->ph);
	}
	if (same_lines(r, o, line) != OMS_OK || oms_order_normalize(o,
	    (merge ? OMS_NORM_PARTIAL : 0) | (r->ad != NULL &&
	    r->ad->format == F_OMS ? OMS_NORM_CANONICAL : 0)) != OMS_OK) {
		reject_order(r, line, prefix, o, raw);
		cJSON_Delete(o);
		return OMS_OK;
	}
	progress(r);
	if (im->check) {
		/*
		 * Vetting: what the import would hold, and why; nothing kept.
		 * A record that adds to an order is checked as the order it
		 * makes when there is none yet.
		 */
		im->checked++;
		if (merge && oms_order_normalize(o, 0) != OMS_OK)
			reject_order(r, line, prefix, o, raw);
		else
			check_order(r, o, line, merge);
		cJSON_Delete(o);
		return OMS_OK;
	}
	if (!r->in_tx) {
		if ((rc = oms_db_begin(im->db)) != OMS_OK) {
			cJSON_Delete(o);
			return rc;
		}
		r->in_tx = 1;
		clock_gettime(CLOCK_MONOTONIC, &r->tx_start);
	}
	if (merge)
		flags |= OMS_STORE_MERGE;
	if (!im->all)
		flags &= ~OMS_STORE_OUTPUT;
	in.source = r->ad ? r->ad->name : "oms";
	in.flags = flags;
	in.identity = r->ad ? r->ad->identity : NULL;
	in.alias = r->ad ? r->ad->alias : NULL;
	in.exported_at = r->exported_at[0] ? r->exported_at : NULL;
	rc = oms_order_store(im->db, o, &in, &res);
	if (rc == OMS_REJECT) {
		/* Refused whole, nothing of it written: the rest go on. */
		reject_order(r, line, prefix, o, raw);
		cJSON_Delete(o);
		return OMS_OK;
	}
	if (rc != OMS_OK) {
		cJSON_Delete(o);
		oms_db_rollback(im->db);
		r->in_tx = 0;
		return rc;
	}
	/* An order a file only adds to, made by it: its lines are to come. */
	if (res.action == OMS_ORDER_CREATED && merge)
		r->nolines++;
	if (res.action == OMS_ORDER_CREATED)
		im->created++;
	else if (res.action == OMS_ORDER_UPDATED)
		im->updated++;
	else if (res.action == OMS_ORDER_STALE)
		im->stale++;
	else
		im->unchanged++;
	if (res.action != OMS_ORDER_UNCHANGED &&
	    res.action != OMS_ORDER_STALE && strcmp(res.status, "hold") == 0)
		im->held++;
	if (res.note[0] != '\0') {
		/* Taken, but something in it could not be done: say so. */
		if (res.refused)
			reject(r, line, res.note, raw);
		else if (im->on_warn != NULL)
			im->on_warn(im->arg, r->file, line, res.note);
	}

	if (res.action != OMS_ORDER_UNCHANGED && res.action != OMS_ORDER_STALE)
		json = oms_order_print(o, &res);
	else if (res.record != NULL)
		json = cJSON_PrintUnformatted(res.record);
	cJSON_Delete(res.record);
	cJSON_Delete(res.reasons);
	cJSON_Delete(o);
	if (json != NULL) {
		if (r->npend == r->cappend) {
			r->cappend = r->cappend ? r->cappend * 2 : 64;
			r->pend = erealloc(r->pend, (size_t)r->cappend *
			    sizeof *r->pend);
		}
		r->pend[r->npend].json = json;
		r->pend[r->npend].action = res.action;
		r->pend[r->npend].id = res.id;
		r->pend[r->npend].line = line;
		r->pend[r->npend].cancel = res.cancel_pending;
		r->npend++;
	}
	if (r->npend >= BATCH || oms_ms_since(&r->tx_start) >= BATCH_MS)
		return flush(r);
	return OMS_OK;
}

/* ---- values ----------------------------------------------------------- */

/* Append s without its surrounding white space; its length appended. */
static size_t
add_trimmed(struct oms_buf *b, const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
	    s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	oms_buf_add(b, s, n);
	return n;
}

/* s without its surrounding white space, in b. */
static const char *
trimmed(const char *s, struct oms_buf *b)
{
	oms_buf_reset(b);
	add_trimmed(b, s);
	return b->s ? b->s : "";
}

static int
filter_value(const struct filter *f, const char *v)
{
	if (f->not_empty && *v == '\0')
		return 0;
	if (f->empty && *v != '\0')
		return 0;
	if (f->digits) {
		if (*v == '\0')
			return 0;
		for (const char *p = v; *p; p++)
			if (!isdigit((unsigned char)*p))
				return 0;
	}
	if (f->contains != NULL && strstr(v, f->contains) == NULL)
		return 0;
	if (f->nis > 0) {
		int i;

		for (i = 0; i < f->nis; i++)
			if (strcmp(f->is[i], v) == 0)
				break;
		if (i == f->nis)
			return 0;
	}
	return 1;
}

/* A CSV row passes a filter when one of its columns does. */
static int
filter_row(const struct filter *f, const struct grow *g, struct oms_buf *tmp)
{
	if (!f->on)
		return 1;
	for (int i = 0; i < f->nfrom; i++) {
		const char *v = f->col[i] >= 0 && f->col[i] < g->nf ?
		    trimmed(g->f[f->col[i]], tmp) : "";

		if (filter_value(f, v))
			return 1;
	}
	return 0;
}

static int
filter_json(const struct filter *f, const cJSON *node)
{
	char nb[64];

	if (!f->on)
		return 1;
	for (int i = 0; i < f->nfrom; i++) {
		const char *v = oms_json_text(oms_json_path(node, f->from[i]),
		    nb, sizeof nb);

		if (filter_value(f, v ? v : ""))
			return 1;
	}
	return 0;
}

/* Where a spec's i-th source is in a CSV row or a JSON node. */
typedef const char *(*source_fn)(const struct spec *s, int i, const void *src,
    char nb[64]);

static const char *
csv_source(const struct spec *s, int i, const void *src, char nb[64])
{
	const struct grow *g = src;

	(void)nb;
	return s->col[i] >= 0 && s->col[i] < g->nf ? g->f[s->col[i]] : NULL;
}

static const char *
json_source(const struct spec *s, int i, const void *src, char nb[64])
{
	return oms_json_text(oms_json_path(src, s->from[i]), nb, 64);
}


/*
 * The raw text of a spec: its first non-empty source, or all of them
 * joined; NULL when empty.
 */
static const char *
raw_value(const struct spec *s, source_fn get, const void *src,
    struct oms_buf *b)
{
	char nb[64];

	if (s->value != NULL)
		return s->value;
	oms_buf_reset(b);
	for (int i = 0; i < s->nfrom; i++) {
		const char *v = get(s, i, src, nb);
		size_t mark = b->len;

		if (v == NULL)
			continue;
		if (s->join != NULL && b->len > 0)
			oms_buf_adds(b, s->join);
		if (add_trimmed(b, v) == 0) {
			/* Empty: take back the separator too. */
			b->len = mark;
			b->s[mark] = '\0';
			continue;
		}
		if (s->join == NULL)
			break;
	}
	return b->len > 0 ? b->s : NULL;
}

static const char *
raw_csv(const struct spec *s, const struct grow *g, struct oms_buf *b)
{
	return raw_value(s, csv_source, g, b);
}

static const char *
raw_json(const struct spec *s, const cJSON *node, struct oms_buf *b)
{
	return raw_value(s, json_source, node, b);
}

static const char *
src_name(const struct spec *s)
{
	return s->nfrom > 0 ? s->from[0] : s->target;
}

/* Put item at a dotted path inside obj, making the objects on the way. */
static void
set_path(cJSON *obj, const char *path, cJSON *item)
{
	const char *dot;

	while ((dot = strchr(path, '.')) != NULL) {
		char key[128];
		size_t n = (size_t)(dot - path);
		cJSON *next;

		if (n >= sizeof key)
			n = sizeof key - 1;
		memcpy(key, path, n);
		key[n] = '\0';
		next = cJSON_GetObjectItemCaseSensitive(obj, key);
		if (!cJSON_IsObject(next)) {
			cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
			next = cJSON_AddObjectToObject(obj, key);
		}
		obj = next;
		path = dot + 1;
	}
	/* Targets are unique (adapter.c checks): no search for an old one. */
	cJSON_AddItemToObject(obj, path, item);
}

/* The zone a date of spec s is read in, or NULL when nothing says. */
static const char *
zone_for(struct run *r, const struct spec *s, const char *zone)
{
	const char *z;

	if (s->zone != NULL)
		return s->zone;
	if (zone != NULL && *zone != '\0') {
		if ((z = oms_tz_from_name(zone)) != NULL)
			return z;
		if (oms_tz_valid(zone))
			return zone;
	}
	if (r->im->tz != NULL)
		return r->im->tz;
	if (r->ad != NULL && r->ad->tz != NULL)
		return r->ad->tz;
	return NULL;
}

/*
 * Turn raw source text into the canonical value of spec s.  *item is NULL
 * when the value is empty; a value that cannot be read is an error.
 */
static int
convert(struct run *r, const struct spec *s, const char *raw, const char *zone,
    cJSON **item)
{
	const char *v = raw;
	char out[OMS_TIME_LEN], mb[OMS_MONEY_BUFSZ], cur[8];
	int64_t x;

	*item = NULL;
	if (v != NULL && *v != '\0' && is_placeholder(v)) {
		placeholder(r, s, v);
		v = NULL;
	}
	if (v == NULL || *v == '\0')
		v = s->dflt;
	if (v == NULL)
		return OMS_OK;
	if (s->strip != NULL)
		while (*v != '\0' && strchr(s->strip, *v) != NULL)
			v++;
	if (s->html) {
		oms_buf_reset(&r->tmp2);
		oms_html_decode(&r->tmp2, v);
		v = r->tmp2.s ? r->tmp2.s : "";
	}
	if (s->upper) {
		if (v != r->tmp2.s) {
			oms_buf_reset(&r->tmp2);
			oms_buf_adds(&r->tmp2, v);
			v = r->tmp2.s;
		}
		for (char *p = r->tmp2.s; p && *p; p++)
			*p = (char)toupper((unsigned char)*p);
	}
	if (s->map != NULL) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(s->map, v);

		if (m == NULL)
			m = cJSON_GetObjectItem(s->map, v);
		if (m == NULL)
			m = cJSON_GetObjectItemCaseSensitive(s->map, "*");
		if (cJSON_IsNull(m))
			return OMS_OK;
		if (cJSON_IsString(m))
			v = m->valuestring;
	}
	if (*v == '\0')
		return OMS_OK;
	switch (s->as) {
	case AS_MONEY:
		if (oms_money_parse_loose(v, r->exp, r->ad ? r->ad->money_flags :
		    0, &x, cur) != OMS_OK)
			return oms_seterr("%s: '%s' is not an amount",
			    src_name(s), v);
		if (s->negate)
			x = -x;
		*item = cJSON_CreateString(oms_money_format(x, r->exp, mb,
		    sizeof mb));
		return OMS_OK;
	case AS_DATE: {
		const char *z = zone_for(r, s, zone);

		/* A date with no hour is the seller's day, not UTC's. */
		if (oms_time_parse_day(v, r->ad ? r->ad->time_flags : 0,
		    z ? z : "UTC", z ? z : r->im->day_tz ? r->im->day_tz : "UTC",
		    out) != OMS_OK)
			return oms_seterr("%s: '%s' is not a date", src_name(s),
			    v);
		*item = cJSON_CreateString(out);
		return OMS_OK;
	}
	case AS_INT:
	case AS_QTY: {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(v, &end, 10);
		/* Square writes quantities as "1.0". */
		if (s->as == AS_QTY && *end == '.') {
			const char *p = end + 1;

			while (*p == '0')
				p++;
			if (*p == '\0')
				end = (char *)p;
		}
		if (errno != 0 || end == v || *end != '\0')
			return oms_seterr("%s: '%s' is not a whole number",
			    src_name(s), v);
		*item = cJSON_CreateNumber((double)(s->negate ? -n : n));
		return OMS_OK;
	}
	case AS_BOOL:
		if (strcasecmp(v, "true") == 0 || strcasecmp(v, "yes") == 0 ||
		    strcasecmp(v, "y") == 0 || strcmp(v, "1") == 0)
			*item = cJSON_CreateTrue();
		else if (strcasecmp(v, "false") == 0 || strcasecmp(v, "no") == 0 ||
		    strcasecmp(v, "n") == 0 || strcmp(v, "0") == 0)
			*item = cJSON_CreateFalse();
		else
			return oms_seterr("%s: '%s' is not yes or no",
			    src_name(s), v);
		return OMS_OK;
	case AS_LIST: {
		const char *sep = s->split ? s->split : ",";
		cJSON *a = cJSON_CreateArray();
		const char *p = v;

		while (*p != '\0') {
			const char *e = strstr(p, sep);
			size_t n = e ? (size_t)(e - p) : strlen(p);
			struct oms_buf t = { 0 }, u = { 0 };

			oms_buf_add(&t, p, n);
			trimmed(t.s, &u);
			if (u.len > 0)
				cJSON_AddItemToArray(a, cJSON_CreateString(u.s));
			oms_buf_free(&t);
			oms_buf_free(&u);
			p += n;
			if (e != NULL)
				p += strlen(sep);
		}
		*item = a;
		return OMS_OK;
	}
	case AS_CURRENCY:
		if (oms_currency_valid(v)) {
			*item = cJSON_CreateString(v);
			return OMS_OK;
		}
		if (oms_money_parse_loose(v, 2, 0, &x, cur) == OMS_OK &&
		    cur[0] != '\0')
			*item = cJSON_CreateString(cur);
		else if (s->dflt != NULL && oms_currency_valid(s->dflt))
			*item = cJSON_CreateString(s->dflt);
		return OMS_OK;
	default:
		*item = cJSON_CreateString(v);
		return OMS_OK;
	}
}

static void
set_currency(struct run *r, const char *code)
{
	if (code == NULL || !oms_currency_valid(code))
		code = r->im->currency;
	if (code == NULL && r->ad != NULL)
		code = r->ad->currency;
	if (code != NULL && oms_currency_valid(code)) {
		snprintf(r->curbuf, sizeof r->curbuf, "%s", code);
		r->cur = r->curbuf;
	} else
		r->cur = NULL;
	r->exp = oms_currency_exponent(r->cur);
}

static cJSON *
new_order(struct run *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", "order");
	cJSON_AddStringToObject(o, "channel", r->ad->channel);
	return o;
}

/* ---- CSV ------------------------------------------------------------ */

static void
group_reset(struct group *g)
{
	g->n = 0;
	free(g->key);
	g->key = NULL;
	free(g->err);
	g->err = NULL;
	g->line = g->errline = 0;
}

static void
group_free(struct group *g)
{
	group_reset(g);
	for (int i = 0; i < g->cap; i++) {
		oms_buf_free(&g->rows[i].data);
		oms_buf_free(&g->rows[i].raw);
		free(g->rows[i].off);
		free(g->rows[i].f);
	}
	free(g->rows);
}

static struct grow *
group_add(struct group *g, const struct oms_csv_rowv *v)
{
	struct grow *w;

	if (g->n == g->cap) {
		int ncap = g->cap ? g->cap * 2 : 8;

		g->rows = erealloc(g->rows, (size_t)ncap * sizeof *g->rows);
		memset(g->rows + g->cap, 0, (size_t)(ncap - g->cap) *
		    sizeof *g->rows);
		g->cap = ncap;
	}
	w = &g->rows[g->n++];
	oms_buf_reset(&w->data);
	oms_buf_reset(&w->raw);
	oms_buf_add(&w->raw, v->raw, v->rawlen);
	if (v->nf > w->cap) {
		w->cap = v->nf;
		w->off = erealloc(w->off, (size_t)w->cap * sizeof *w->off);
		w->f = erealloc(w->f, (size_t)w->cap * sizeof *w->f);
	}
	for (int i = 0; i < v->nf; i++) {
		w->off[i] = w->data.len;
		oms_buf_adds(&w->data, v->f[i]);
		oms_buf_addc(&w->data, '\0');
	}
	w->nf = v->nf;
	for (int i = 0; i < v->nf; i++)
		w->f[i] = w->data.s + w->off[i];
	w->line = v->line;
	return w;
}

static void
group_raw(const struct group *g, struct oms_buf *b)
{
	oms_buf_reset(b);
	for (int i = 0; i < g->n; i++)
		oms_buf_add(b, g->rows[i].raw.s ? g->rows[i].raw.s : "",
		    g->rows[i].raw.len);
	while (b->len > 0 && (b->s[b->len - 1] == '\n' ||
	    b->s[b->len - 1] == '\r'))
		b->s[--b->len] = '\0';
}

/* Evaluate an order-level spec over the rows of a group. */
static int
order_value_csv(struct run *r, const struct spec *s, const struct group *g,
    cJSON **item)
{
	struct oms_buf zb = { 0 };
	int rc = OMS_OK;

	*item = NULL;
	if (s->sum) {
		int64_t total = 0, x;
		int any = 0;
		char mb[OMS_MONEY_BUFSZ];

		for (int i = 0; i < g->n; i++) {
			const char *v;

			if (!filter_row(&s->where, &g->rows[i], &r->tmp3))
				continue;
			/* Every column named is added, on every row counted. */
			for (int k = 0; k < s->nfrom; k++) {
				const struct grow *w = &g->rows[i];

				if (s->col[k] < 0 || s->col[k] >= w->nf)
					continue;
				v = trimmed(w->f[s->col[k]], &r->tmp);
				if (*v == '\0')
					continue;
				if (oms_money_parse_loose(v, r->exp,
				    r->ad->money_flags, &x, NULL) != OMS_OK)
					return oms_seterr("%s: '%s' is not an "
					    "amount", s->from[k], v);
				if (__builtin_add_overflow(total, x, &total))
					return oms_seterr("%s: the sum is out of "
					    "range", s->from[k]);
				any = 1;
			}
		}
		if (any)
			*item = cJSON_CreateString(oms_money_format(s->negate ?
			    -total : total, r->exp, mb, sizeof mb));
		return OMS_OK;
	}
	for (int i = 0; i < g->n; i++) {
		const struct grow *w = &g->rows[i];
		const char *v, *zone = NULL;

		if (!filter_row(&s->where, w, &r->tmp3))
			continue;
		if ((v = raw_csv(s, w, &r->tmp)) == NULL)
			continue;
		if (s->zone_col >= 0 && s->zone_col < w->nf)
			zone = trimmed(w->f[s->zone_col], &zb);
		rc = convert(r, s, v, zone, item);
		oms_buf_free(&zb);
		return rc;
	}
	oms_buf_free(&zb);
	return convert(r, s, NULL, NULL, item);
}

/* An order-level value from a group of CSV rows or a JSON order. */
typedef int (*value_fn)(struct run *r, const struct spec *s, const void *src,
    cJSON **item);

static int order_value_json(struct run *r, const struct spec *s,
    const cJSON *node, cJSON **item);

static int
csv_value(struct run *r, const struct spec *s, const void *src, cJSON **item)
{
	return order_value_csv(r, s, src, item);
}

static int
json_value(struct run *r, const struct spec *s, const void *src, cJSON **item)
{
	return order_value_json(r, s, src, item);
}

/*
 * The order-level fields: the currency first, since every amount needs
 * its exponent, then the rest in the adapter's order.
 */
static int
order_fields(struct run *r, cJSON *o, value_fn value, const void *src)
{
	oms_adapter *a = r->ad;
	cJSON *item;
	int i;

	set_currency(r, NULL);
	for (i = 0; i < a->nospec; i++)
		if (strcmp(a->ospec[i].target, "currency") == 0) {
			if (value(r, &a->ospec[i], src, &item) != OMS_OK)
				return OMS_ERR;
			set_currency(r, cJSON_IsString(item) ?
			    item->valuestring : NULL);
			cJSON_Delete(item);
		}
	if (r->cur != NULL)
		cJSON_AddStringToObject(o, "currency", r->cur);
	for (i = 0; i < a->nospec; i++) {
		if (strcmp(a->ospec[i].target, "currency") == 0)
			continue;
		if (value(r, &a->ospec[i], src, &item) != OMS_OK)
			return OMS_ERR;
		if (item != NULL)
			set_path(o, a->ospec[i].target, item);
	}
	return OMS_OK;
}

static int
map_csv(struct run *r, const struct group *g, cJSON **out)
{
	oms_adapter *a = r->ad;
	cJSON *o = new_order(r), *lines, *item;
	int i, k;

	*out = NULL;
	oms_buf_reset(&r->ph);
	if (order_fields(r, o, csv_value, g) != OMS_OK)
		goto fail;
	if (a->nlspec == 0) {
		*out = o;
		return OMS_OK;
	}
	lines = cJSON_AddArrayToObject(o, "lines");
	for (k = 0; k < g->n; k++) {
		const struct grow *w = &g->rows[k];
		cJSON *l;

		if (!filter_row(&a->line_when, w, &r->tmp3))
			continue;
		l = cJSON_CreateObject();
		for (i = 0; i < a->nlspec; i++) {
			const struct spec *s = &a->lspec[i];
			const char *v = raw_csv(s, w, &r->tmp);
			struct oms_buf zb = { 0 };
			const char *zone = s->zone_col >= 0 && s->zone_col < w->nf ?
			    trimmed(w->f[s->zone_col], &zb) : NULL;
			int rc = convert(r, s, v, zone, &item);

			oms_buf_free(&zb);
			if (rc != OMS_OK) {
				char m[400];

				snprintf(m, sizeof m, "%s", oms_error());
				oms_seterr("line item %d of order %s: %s",
				    cJSON_GetArraySize(lines) + 1, g->key, m);
				r->errline = w->line;
				cJSON_Delete(l);
				goto fail;
			}
			if (item != NULL)
				set_path(l, s->target, item);
		}
		cJSON_AddItemToArray(lines, l);
	}
	*out = o;
	return OMS_OK;
fail:
	cJSON_Delete(o);
	return OMS_ERR;
}

static int
finish_group(struct run *r, struct group *g)
{
	cJSON *o;
	char why[700];
	int rc, merge = r->ad->merge;

	if (g->n == 0)
		return OMS_OK;
	/* A group of rows that only add to an order (refunds) merges. */
	if (!merge && r->ad->merge_when.on) {
		merge = 1;
		for (int i = 0; i < g->n && merge; i++)
			merge = filter_row(&r->ad->merge_when, &g->rows[i],
			    &r->tmp3);
	}
	if (g->err == NULL && !merge && (rc = seen_add(r, g->key)) <= 0) {
		if (rc < 0)
			return rc;
		snprintf(why, sizeof why, "order %s: its rows are not together "
		    "(the order appeared earlier in the file)", g->key);
		g->err = estrdup(why);
		g->errline = g->line;
	}
	if (g->err != NULL) {
		group_raw(g, &r->tmp2);
		reject(r, g->errline, g->err, r->tmp2.s);
		group_reset(g);
		return OMS_OK;
	}
	r->errline = 0;
	if (map_csv(r, g, &o) != OMS_OK) {
		if (r->errline != 0)
			snprintf(why, sizeof why, "%s", oms_error());
		else
			snprintf(why, sizeof why, "order %s: %s", g->key,
			    oms_error());
		group_raw(g, &r->tmp2);
		reject(r, r->errline ? r->errline : g->line, why, r->tmp2.s);
		group_reset(g);
		return OMS_OK;
	}
	group_raw(g, &r->tmp2);
	rc = take(r, o, g->line, r->tmp2.s, "", merge);
	group_reset(g);
	return rc;
}

static void
group_error(struct group *g, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
group_error(struct group *g, long line, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (g->err != NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	g->err = estrdup(buf);
	g->errline = line;
}

static int
all_empty(const struct oms_csv_rowv *v)
{
	for (int i = 0; i < v->nf; i++)
		for (const char *p = v->f[i]; *p; p++)
			if (!isspace((unsigned char)*p))
				return 0;
	return 1;
}

/* The columns of blank_if_none in this file's header. */
static void
blank_bind(struct run *r, char **hdr, int nh)
{
	oms_adapter *a = r->ad;

	free(r->bn_col);
	free(r->bn_zero);
	r->bn_col = ecalloc((size_t)a->nblank_if_none + 1, sizeof *r->bn_col);
	r->bn_zero = ecalloc((size_t)a->nblank_if_none + 1,
	    sizeof *r->bn_zero);
	r->bn_rows = 0;
	for (int i = 0; i < a->nblank_if_none; i++) {
		r->bn_col[i] = -1;
		for (int j = 0; j < nh; j++)
			if (strcmp(hdr[j], a->blank_if_none[i]) == 0)
				r->bn_col[i] = j;
	}
}

/* A row's zeros where the channel writes nothing. */
static void
blank_count(struct run *r, const struct oms_csv_rowv *v)
{
	oms_adapter *a = r->ad;
	int64_t x;

	if (a->nblank_if_none == 0)
		return;
	r->bn_rows++;
	for (int i = 0; i < a->nblank_if_none; i++) {
		int c = r->bn_col[i];

		if (c >= 0 && c < v->nf && *v->f[c] != '\0' &&
		    oms_money_parse_loose(v->f[c], 2, a->money_flags, &x,
		    NULL) == OMS_OK && x == 0)
			r->bn_zero[i]++;
	}
}

static int
read_csv(struct run *r, FILE *fp)
{
	oms_adapter *a = r->ad;
	struct oms_csv *c;
	struct oms_csv_rowv v;
	struct group g = { 0 };
	struct oms_buf keybuf = { 0 };
	int rc, header = 0, rows = 0;

	if ((rc = oms_csv_open(&c, fp, r->file, a->delim, a->quote,
	    r->cr_only)) != OMS_OK)
		return rc;
	while ((rc = oms_csv_next(c, &v)) == OMS_OK) {
		const char *key;

		if (!header) {
			for (int i = 0; i < v.nf; i++) {
				char *f = v.f[i], *e;

				while (*f == ' ')
					f++;
				memmove(v.f[i], f, strlen(f) + 1);
				e = v.f[i] + strlen(v.f[i]);
				while (e > v.f[i] && e[-1] == ' ')
					*--e = '\0';
			}
			if (oms_adapter_header_score(a, v.f, v.nf) ==
			    a->ndetect && a->ndetect > 0) {
				oms_adapter_bind(a, v.f, v.nf);
				blank_bind(r, v.f, v.nf);
				header = 1;
				if (a->keycol < 0) {
					rc = oms_seterr("line %ld: no column '%s' "
					    "in the header", v.line, a->key);
					break;
				}
				continue;
			}
			if (++rows >= HEADER_ROWS)
				break;
			continue;
		}
		if (all_empty(&v))
			continue;
		if (a->stop_unless.on && !filter_row(&a->stop_unless,
		    &(struct grow){ .f = v.f, .nf = v.nf }, &r->tmp3))
			break;
		if (a->stop_when.on && filter_row(&a->stop_when,
		    &(struct grow){ .f = v.f, .nf = v.nf }, &r->tmp3))
			break;
		if (a->skip_when.on && filter_row(&a->skip_when,
		    &(struct grow){ .f = v.f, .nf = v.nf }, &r->tmp3))
			continue;
		blank_count(r, &v);
		key = a->keycol < v.nf ? trimmed(v.f[a->keycol], &keybuf) : "";
		/*
		 * A row cut off by the end of the file belongs to the order
		 * it names: the whole order is then rejected, not stored
		 * without its last lines.
		 */
		if (*key == '\0' || g.key == NULL || strcmp(key, g.key) != 0) {
			if ((rc = finish_group(r, &g)) != OMS_OK)
				break;
		}
		if (*key == '\0' && !v.truncated) {
			char why[256];
			struct oms_buf raw = { 0 };

			snprintf(why, sizeof why, "no %s", a->key);
			oms_buf_add(&raw, v.raw, v.rawlen);
			while (raw.len > 0 && (raw.s[raw.len - 1] == '\n' ||
			    raw.s[raw.len - 1] == '\r'))
				raw.s[--raw.len] = '\0';
			reject(r, v.line, why, raw.s ? raw.s : "");
			oms_buf_free(&raw);
			continue;
		}
		if (g.key == NULL) {
			g.key = estrdup(*key ? key : "?");
			g.line = v.line;
		}
		group_add(&g, &v);
		if (v.truncated)
			group_error(&g, v.line, "the file ends inside this row");
		else if (v.nul)
			group_error(&g, v.line, "a NUL byte in the row");
		else if (v.nf < a->ncols && !a->ragged)
			group_error(&g, v.line, "%d fields where the header has "
			    "%d", v.nf, a->ncols);
		else if (v.nf > a->ncols) {
			for (int i = a->ncols; i < v.nf; i++)
				if (*v.f[i] != '\0') {
					group_error(&g, v.line, "%d fields where "
					    "the header has %d", v.nf, a->ncols);
					break;
				}
		}
	}
	if (rc == OMS_EOF || rc == OMS_OK) {
		if (!header) {
			struct oms_buf names = { 0 };

			for (int i = 0; i < a->ndetect; i++)
				oms_buf_printf(&names, "%s%s", i ? ", " : "",
				    a->detect[i]);
			r->im->refused = 1;
			rc = oms_seterr("not a %s file: no header with %s in "
			    "its first %d rows", a->name, names.s ? names.s : "",
			    HEADER_ROWS);
			oms_buf_free(&names);
		} else
			rc = finish_group(r, &g);
	} else if (rc == OMS_ERR && header) {
		/* A read error: what was grouped so far is incomplete. */
		group_reset(&g);
	}
	if (header && oms_csv_was_cp1252(c))
		note(r, "%s: read as Windows-1252", r->file);
	group_free(&g);
	oms_buf_free(&keybuf);
	oms_csv_close(c);
	return rc;
}

/* ---- JSON ----------------------------------------------------------- */

static int
order_value_json(struct run *r, const struct spec *s, const cJSON *node,
    cJSON **item)
{
	const char *v = raw_json(s, node, &r->tmp), *zone = NULL;
	char nb[64];

	if (s->zone_from != NULL)
		zone = oms_json_text(oms_json_path(node, s->zone_from), nb,
		    sizeof nb);
	return convert(r, s, v, zone, item);
}

static int
map_json_line(struct run *r, const cJSON *ln, cJSON *lines)
{
	cJSON *l = cJSON_CreateObject(), *item;

	for (int i = 0; i < r->ad->nlspec; i++) {
		if (order_value_json(r, &r->ad->lspec[i], ln, &item) != OMS_OK) {
			char m[400];

			snprintf(m, sizeof m, "%s", oms_error());
			oms_seterr("line %d: %s", cJSON_GetArraySize(lines) + 1,
			    m);
			cJSON_Delete(l);
			return OMS_ERR;
		}
		if (item != NULL)
			set_path(l, r->ad->lspec[i].target, item);
	}
	cJSON_AddItemToArray(lines, l);
	return OMS_OK;
}

static int
map_json(struct run *r, const cJSON *node, const cJSON *items, cJSON **out)
{
	oms_adapter *a = r->ad;
	cJSON *o = new_order(r), *lines;
	const cJSON *ln;

	*out = NULL;
	oms_buf_reset(&r->ph);
	if (order_fields(r, o, json_value, node) != OMS_OK)
		goto fail;
	lines = cJSON_AddArrayToObject(o, "lines");
	if (items == NULL && a->lines != NULL)
		items = oms_json_path(node, a->lines);
	cJSON_ArrayForEach(ln, items) {
		if (!filter_json(&a->line_when, ln))
			continue;
		if (map_json_line(r, ln, lines) != OMS_OK)
			goto fail;
	}
	*out = o;
	return OMS_OK;
fail:
	cJSON_Delete(o);
	return OMS_ERR;
}

/* The orders of one document: an array, or an object, at a path. */
static const cJSON *
records_at(const oms_adapter *a, const cJSON *doc, const char **path)
{
	*path = "";
	for (int i = 0; i < a->nrecords; i++) {
		const cJSON *v = oms_json_path(doc, a->records[i]);

		if (v != NULL && (cJSON_IsArray(v) || cJSON_IsObject(v))) {
			*path = a->records[i];
			return v;
		}
	}
	if (a->nrecords == 0)
		return doc;
	return NULL;
}

static const cJSON *
records_of(const oms_adapter *a, const cJSON *doc)
{
	const char *path;

	return records_at(a, doc, &path);
}

/*
 * Where in the text each record starts, so a message names its line.
 * A small scanner walks the document (already known to be valid JSON) to
 * the records' path and notes where each element of the array begins.
 */
static const char *
skip_ws(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

static const char *
skip_string(const char *p, const char *end)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\')
			p++;
	return p < end ? p + 1 : end;
}

static const char *
skip_value(const char *p, const char *end)
{
	int depth = 0;

	p = skip_ws(p, end);
	if (p < end && *p == '"')
		return skip_string(p, end);
	if (p < end && *p != '{' && *p != '[') {
		while (p < end && !strchr(",]} \t\r\n", *p))
			p++;
		return p;
	}
	while (p < end) {
		if (*p == '"') {
			p = skip_string(p, end);
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if ((*p == '}' || *p == ']') && --depth == 0)
			return p + 1;
		p++;
	}
	return end;
}

static int
record_starts(const char *p, const char *end, const char *path,
    const char **out, int max)
{
	int n = 0;

	p = skip_ws(p, end);
	while (*path != '\0') {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		int found = 0;

		if (p >= end || *p != '{')
			return 0;
		p = skip_ws(p + 1, end);
		while (p < end && *p == '"') {
			const char *k = p + 1, *ke = skip_string(p, end) - 1;

			p = skip_ws(ke + 1, end);
			if (p < end && *p == ':')
				p = skip_ws(p + 1, end);
			if ((size_t)(ke - k) == len && strncmp(k, path, len) == 0) {
				found = 1;
				break;
			}
			p = skip_ws(skip_value(p, end), end);
			if (p < end && *p == ',')
				p = skip_ws(p + 1, end);
		}
		if (!found)
			return 0;
		path += len;
		if (*path == '.')
			path++;
	}
	if (p < end && *p == '{') {
		out[0] = p;
		return 1;
	}
	if (p >= end || *p != '[')
		return 0;
	p = skip_ws(p + 1, end);
	while (p < end && *p != ']' && n < max) {
		out[n++] = p;
		p = skip_ws(skip_value(p, end), end);
		if (p < end && *p == ',')
			p = skip_ws(p + 1, end);
	}
	return n;
}

static long
line_at(const char *buf, const char *p)
{
	long n = 1;

	for (const char *q = buf; q < p; q++)
		if (*q == '\n')
			n++;
	return n;
}

static void
slurp(FILE *fp, struct oms_buf *b)
{
	char chunk[65536];
	size_t n;

	while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0)
		oms_buf_add(b, chunk, n);
}

/* Parse every JSON document in buf; docs[i] starts on line lines[i]. */
static int
parse_docs(struct run *r, const char *buf, size_t len, cJSON ***docs,
    long **lines, const char ***starts, int *n)
{
	const char *p = buf, *end = buf + len, *counted = buf;
	long line = 1;
	int cap = 0;

	*docs = NULL;
	*lines = NULL;
	*starts = NULL;
	*n = 0;
	for (;;) {
		const char *stop = NULL;
		cJSON *d;

		while (p < end && isspace((unsigned char)*p))
			p++;
		if (p >= end)
			break;
		d = cJSON_ParseWithLengthOpts(p, (size_t)(end - p), &stop, 0);
		if (d == NULL) {
			const char *at = cJSON_GetErrorPtr();

			reject(r, line + line_at(counted, at && at >= p &&
			    at <= end ? at : p) - 1, "invalid JSON", NULL);
			/* Nothing after a broken document can be trusted. */
			break;
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*docs = erealloc(*docs, (size_t)cap * sizeof **docs);
			*lines = erealloc(*lines, (size_t)cap * sizeof **lines);
			*starts = erealloc(*starts, (size_t)cap *
			    sizeof **starts);
		}
		(*starts)[*n] = p;
		(*docs)[*n] = d;
		/* Count on from the last document, not from the top. */
		line += line_at(counted, p) - 1;
		counted = p;
		(*lines)[*n] = line;
		(*n)++;
		p = stop;
	}
	return OMS_OK;
}

/* Map and take the k-th record of a document that starts on line. */
static int
json_record(struct run *r, const cJSON *o, int k, long line,
    const cJSON *index, cJSON *joined)
{
	oms_adapter *a = r->ad;
	const cJSON *items = NULL;
	cJSON *order;
	char why[700], nb[64], prefix[32];
	char *raw = cJSON_PrintUnformatted(o);
	int rc = OMS_OK;

	snprintf(prefix, sizeof prefix, "record %d: ", k);
	if (index != NULL) {
		const char *key = oms_json_text(oms_json_path(o, a->items_join),
		    nb, sizeof nb);

		items = key ? cJSON_GetObjectItemCaseSensitive(index, key) :
		    NULL;
		if (items != NULL && !cJSON_HasObjectItem(joined, key))
			cJSON_AddTrueToObject(joined, key);
	}
	if (!cJSON_IsObject(o)) {
		snprintf(why, sizeof why, "record %d: not an object", k);
		reject(r, line, why, raw);
	} else if (map_json(r, o, items, &order) != OMS_OK) {
		const char *ext = NULL;
		char m[600];

		snprintf(m, sizeof m, "%s", oms_error());
		for (int s = 0; s < a->nospec; s++)
			if (strcmp(a->ospec[s].target, "external_id") == 0)
				ext = raw_json(&a->ospec[s], o, &r->tmp3);
		snprintf(why, sizeof why, "record %d: order %s: %s", k,
		    ext ? ext : "?", m);
		reject(r, line, why, raw);
	} else
		rc = take(r, order, line, raw, prefix, r->ad->merge);
	free(raw);
	return rc;
}

static int
read_json(struct run *r, const char *buf, size_t len)
{
	oms_adapter *a = r->ad;
	cJSON **docs, *index = NULL, *joined = cJSON_CreateObject();
	long *lines;
	const char **starts;
	int n, rc = OMS_OK, found = 0;

	parse_docs(r, buf, len, &docs, &lines, &starts, &n);
	/* Lines that come in documents of their own (Amazon's OrderItems). */
	if (a->items_records != NULL) {
		index = cJSON_CreateObject();
		for (int i = 0; i < n; i++) {
			const cJSON *it = oms_json_path(docs[i], a->items_records);
			const cJSON *k = oms_json_path(docs[i], a->items_key);
			char nb[64];
			const char *key = oms_json_text(k, nb, sizeof nb);
			cJSON *arr, *e;

			if (!cJSON_IsArray(it) || key == NULL)
				continue;
			found++;
			arr = cJSON_GetObjectItemCaseSensitive(index, key);
			if (arr == NULL)
				arr = cJSON_AddArrayToObject(index, key);
			cJSON_ArrayForEach(e, it)
				cJSON_AddItemToArray(arr, cJSON_Duplicate(e, 1));
		}
	}
	for (int i = 0; i < n && rc == OMS_OK; i++) {
		const cJSON *recs, *o;
		const char *path, *end = i + 1 < n ? starts[i + 1] : buf + len;
		const char **at;
		long line = lines[i];
		const char *counted = starts[i];
		int k = 0, nat;

		/* A document of items only is no order. */
		if (a->items_records != NULL &&
		    oms_json_path(docs[i], a->items_records) != NULL)
			continue;
		if ((recs = records_at(a, docs[i], &path)) == NULL)
			continue;
		nat = cJSON_IsArray(recs) ? cJSON_GetArraySize(recs) : 1;
		at = ecalloc((size_t)nat + 1, sizeof *at);
		if (record_starts(starts[i], end, path, at, nat) != nat)
			memset(at, 0, ((size_t)nat + 1) * sizeof *at);
		if (cJSON_IsObject(recs)) {
			found++;
			rc = json_record(r, recs, 1, lines[i], index, joined);
			free(at);
			continue;
		}
		cJSON_ArrayForEach(o, recs) {
			found++;
			if (at[k] != NULL) {
				for (; counted < at[k]; counted++)
					if (*counted == '\n')
						line++;
			}
			if ((rc = json_record(r, o, k + 1, line, index,
			    joined)) != OMS_OK)
				break;
			k++;
		}
		free(at);
	}
	/* Items no order took are input too: say so. */
	if (index != NULL && rc == OMS_OK) {
		const cJSON *e;

		cJSON_ArrayForEach(e, index) {
			char why[300];
			char *raw;

			if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
			    joined, e->string)))
				continue;
			snprintf(why, sizeof why, "items of order %s: no such "
			    "order in the input", e->string);
			raw = cJSON_PrintUnformatted(e);
			reject(r, 1, why, raw);
			free(raw);
		}
	}
	for (int i = 0; i < n; i++)
		cJSON_Delete(docs[i]);
	free(docs);
	free(lines);
	free(starts);
	cJSON_Delete(index);
	cJSON_Delete(joined);
	if (rc == OMS_OK && found == 0 && n > 0) {
		r->im->refused = 1;
		return oms_seterr("not a %s file: no orders at %s", a->name,
		    a->nrecords > 0 ? a->records[0] : "the top level");
	}
	return rc;
}

/*
 * Channel records one JSON document a line (webhook dumps, exports of
 * the REST APIs): read a line at a time, so memory stays flat.
 */
static int
read_json_lines(struct run *r, FILE *fp)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long ln = 0;
	int rc = OMS_OK, found = 0, docs = 0;
	struct oms_buf fix = { 0 };

	while (rc == OMS_OK && (len = getline(&line, &cap, fp)) >= 0) {
		const char *s = line;
		size_t n = (size_t)len;
		const cJSON *recs, *o;
		const char *path;
		cJSON *d;
		int k = 0;

		ln++;
		if (ln == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;
			n -= 3;
		}
		while (n > 0 && isspace((unsigned char)s[n - 1]))
			n--;
		if (n == 0)
			continue;
		if (!oms_utf8_valid(s, n)) {
			oms_buf_reset(&fix);
			oms_utf8_repair(&fix, s, n);
			s = fix.s;
			n = fix.len;
		}
		docs++;
		if ((d = cJSON_ParseWithLength(s, n)) == NULL) {
			struct oms_buf raw = { 0 };

			oms_buf_add(&raw, s, n);
			reject(r, ln, "invalid JSON", raw.s);
			oms_buf_free(&raw);
			continue;
		}
		if ((recs = records_at(r->ad, d, &path)) != NULL) {
			if (cJSON_IsObject(recs)) {
				found++;
				rc = json_record(r, recs, 1, ln, NULL, NULL);
			} else
				cJSON_ArrayForEach(o, recs) {
					found++;
					if ((rc = json_record(r, o, ++k, ln, NULL,
					    NULL)) != OMS_OK)
						break;
				}
		}
		cJSON_Delete(d);
	}
	if (rc == OMS_OK && ferror(fp))
		rc = oms_seterr("read error: %s", strerror(errno));
	free(line);
	oms_buf_free(&fix);
	if (rc == OMS_OK && found == 0 && docs > 0) {
		r->im->refused = 1;
		return oms_seterr("not a %s file: no orders at %s", r->ad->name,
		    r->ad->nrecords > 0 ? r->ad->records[0] : "the top level");
	}
	return rc;
}

/* ---- canonical JSON lines ------------------------------------------- */

static int
read_oms(struct run *r, FILE *fp)
{
	struct oms_rec_reader rd;
	cJSON *v;
	int rc;

	memset(&rd, 0, sizeof rd);
	rd.fp = fp;
	rd.name = r->file;
	while ((rc = oms_rec_next(&rd, &v)) != OMS_EOF) {
		const char *type;

		if (rc != OMS_OK && ferror(rd.fp))
			break;		/* a read error: the file, not a line */
		if (rc != OMS_OK) {
			const char *m = oms_error(), *colon;

			/* The reader's message names file and line already. */
			colon = strstr(m, ": ");
			reject(r, rd.line, colon ? colon + 2 : m, rd.buf);
			continue;
		}
		type = oms_rec_type(v);
		if (type == NULL || strcmp(type, "order") != 0) {
			char why[128];

			snprintf(why, sizeof why, "not an order record (type %s)",
			    type ? type : "missing");
			reject(r, rd.line, why, rd.buf);
			cJSON_Delete(v);
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(v, "id");
		cJSON_DeleteItemFromObjectCaseSensitive(v, "hold_reasons");
		if (oms_json_str(v, "channel") == NULL) {
			cJSON_DeleteItemFromObjectCaseSensitive(v, "channel");
			cJSON_AddStringToObject(v, "channel", "oms");
		}
		if ((rc = take(r, v, rd.line, rd.buf, "", 0)) != OMS_OK)
			break;
	}
	free(rd.buf);
	return rc == OMS_EOF ? OMS_OK : rc;
}

/* ---- recognising a file ---------------------------------------------- */

/* Split one header line on delim, minding quotes. */
static int
split_line(const char *s, size_t n, char delim, char ***out)
{
	char **f = NULL;
	int nf = 0, cap = 0;
	size_t i = 0;

	while (i <= n) {
		struct oms_buf b = { 0 };
		int q = 0;

		if (i < n && s[i] == '"') {
			q = 1;
			i++;
		}
		while (i < n) {
			if (q && s[i] == '"') {
				if (i + 1 < n && s[i + 1] == '"') {
					oms_buf_addc(&b, '"');
					i += 2;
					continue;
				}
				q = 0;
				i++;
				continue;
			}
			if (!q && (s[i] == delim || s[i] == '\n' || s[i] == '\r'))
				break;
			oms_buf_addc(&b, s[i++]);
		}
		if (nf == cap) {
			cap = cap ? cap * 2 : 32;
			f = erealloc(f, (size_t)cap * sizeof *f);
		}
		{
			struct oms_buf t = { 0 };

			trimmed(b.s ? b.s : "", &t);
			f[nf++] = t.s ? t.s : estrdup("");
		}
		oms_buf_free(&b);
		if (i >= n || s[i] != delim)
			break;
		i++;
	}
	*out = f;
	return nf;
}

static int
score_csv(const oms_adapter *a, const char *head, size_t n)
{
	const char *p = head, *end = head + n;
	int best = 0;

	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (int row = 0; row < HEADER_ROWS && p < end; row++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char **f;
		int nf = split_line(p, len, a->delim, &f), sc;

		sc = oms_adapter_header_score(a, f, nf);
		for (int i = 0; i < nf; i++)
			free(f[i]);
		free(f);
		if (sc == a->ndetect && sc > best)
			best = sc;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return best;
}

static int
score_json(const oms_adapter *a, const char *head, size_t n)
{
	const char *stop = NULL, *p = head;
	cJSON *d;
	const cJSON *recs, *first;
	int sc = 0;

	while (p < head + n && isspace((unsigned char)*p))
		p++;
	d = cJSON_ParseWithLengthOpts(p, n - (size_t)(p - head), &stop, 0);
	if (d == NULL)
		return 0;
	if (a->format == F_OMS) {
		sc = oms_rec_type(d) && strcmp(oms_rec_type(d), "order") == 0 ?
		    1 : 0;
		cJSON_Delete(d);
		return sc;
	}
	if (a->items_records != NULL &&
	    cJSON_IsArray(oms_json_path(d, a->items_records))) {
		cJSON_Delete(d);
		return a->ndetect > 0 ? a->ndetect : 1;
	}
	recs = records_of(a, d);
	first = cJSON_IsArray(recs) ? recs->child : recs;
	if (first != NULL && cJSON_IsObject(first)) {
		for (int i = 0; i < a->ndetect; i++)
			if (oms_json_path(first, a->detect[i]) != NULL)
				sc++;
		if (sc != a->ndetect)
			sc = 0;
		else if (sc == 0)
			sc = 1;
	}
	cJSON_Delete(d);
	return sc;
}

static int
is_json(const char *head, size_t n)
{
	size_t i = 0;

	if (n >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < n && isspace((unsigned char)head[i]))
		i++;
	return i < n && (head[i] == '{' || head[i] == '[');
}

/* Is the first line of the head a whole JSON document? */
static int
first_line_doc(const char *head, size_t n)
{
	const char *nl = memchr(head, '\n', n), *p = head;
	cJSON *d;

	if (nl == NULL)
		return 0;
	if (nl - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	d = cJSON_ParseWithLength(p, (size_t)(nl - p));
	cJSON_Delete(d);
	return d != NULL;
}

/* Canonical records one per line: streamed, not read whole. */
static int
looks_jsonl(const char *head, size_t n)
{
	const char *nl = memchr(head, '\n', n);
	cJSON *d;
	int yes;

	if (nl == NULL)
		return 0;
	d = cJSON_ParseWithLength(head, (size_t)(nl - head));
	yes = d != NULL && oms_rec_type(d) != NULL;
	cJSON_Delete(d);
	return yes;
}

/* Pick the adapter that fits the head of a file best. */
static oms_adapter *
recognise(struct oms_import *im, const char *head, size_t n)
{
	oms_adapter *best = NULL;
	int json = is_json(head, n), bs = 0;

	for (int i = 0; i < im->nadapters; i++) {
		oms_adapter *a = im->adapters[i];
		int sc;

		if ((a->format == F_CSV) == json)
			continue;
		sc = a->format == F_CSV ? score_csv(a, head, n) :
		    score_json(a, head, n);
		if (sc > bs) {
			bs = sc;
			best = a;
		}
	}
	return best;
}

/* ---- the whole file -------------------------------------------------- */

/* A stream that gives the head already read, then the rest of the file. */
struct chain {
	struct run *run;
	const char *head;
	size_t n, off;
	FILE *rest;
	int stream;		/* rest is a pipe: unbuffered, read as it comes */
};

/*
 * What the file as a whole showed: told with --check, else said once.
 * A column that looks re-saved and orders left without lines change what
 * the numbers mean, and are always said; placeholders and repeated lines
 * are said with -v.
 */
static void
file_findings(struct run *r)
{
	struct oms_import *im = r->im;
	oms_adapter *a = r->ad;
	struct oms_buf cols = { 0 };
	char msg[600];
	int ncols = 0;

	for (int i = 0; a != NULL && r->bn_col != NULL &&
	    i < a->nblank_if_none; i++)
		if (r->bn_col[i] >= 0 && r->bn_rows >= 2 &&
		    r->bn_zero[i] == r->bn_rows)
			oms_buf_printf(&cols, "%s'%s'", ncols++ ? ", " : "",
			    a->blank_if_none[i]);
	if (ncols > 0) {
		snprintf(msg, sizeof msg, "%s %s %s 0 on every row, where %s leaves "
		    "%s blank when there is nothing to say: the file looks "
		    "re-saved by a spreadsheet, and 0 there is taken as blank",
		    ncols == 1 ? "column" : "columns", cols.s, ncols == 1 ? "is" :
		    "are", a->channel, ncols == 1 ? "it" : "them");
		if (im->check)
			finding(r, 0, NULL, "resaved_column", "%s", msg);
		else if (im->on_warn != NULL)
			im->on_warn(im->arg, r->file, 0, msg);
	}
	oms_buf_free(&cols);
	if (a != NULL && a->merge && a->lines_from != NULL &&
	    (im->check || r->nolines > 0)) {
		if (im->check)
			snprintf(msg, sizeof msg, "this file (%s) adds to orders "
			    "whose lines come from the %s file: import that too",
			    a->name, a->lines_from);
		else
			snprintf(msg, sizeof msg, "%ld order%s no lines: this file "
			    "(%s) adds to orders whose lines come from the %s "
			    "file: import that too", r->nolines, r->nolines == 1 ?
			    " has" : "s have", a->name, a->lines_from);
		if (im->check)
			finding(r, 0, NULL, "needs_file", "%s", msg);
		else if (im->on_warn != NULL)
			im->on_warn(im->arg, r->file, 0, msg);
	}
	if (!im->check && r->placeholders > 0)
		note(r, "%s: %ld order%s had placeholder values, taken as none",
		    r->file, r->placeholders, r->placeholders == 1 ? "" : "s");
	if (!im->check && r->repeated > 0)
		note(r, "%s: %ld repeated line%s taken once", r->file,
		    r->repeated, r->repeated == 1 ? "" : "s");
}

static ssize_t
chain_read(void *cookie, char *buf, size_t size)
{
	struct chain *c = cookie;
	size_t k;

	if (c->off < c->n) {
		k = c->n - c->off < size ? c->n - c->off : size;
		memcpy(buf, c->head + c->off, k);
		c->off += k;
		return (ssize_t)k;
	}
	/*
	 * Before waiting on a slow producer, commit what the batch holds:
	 * the write lock is not kept, and the orders go out, while it thinks.
	 */
	if (c->stream) {
		ssize_t got;

		if (c->run->in_tx && oms_input_idle(c->rest) &&
		    (c->run->idle_rc = flush(c->run)) != OMS_OK) {
			snprintf(c->run->idle_msg, sizeof c->run->idle_msg,
			    "%s", oms_error());
			return -1;
		}
		/* What has come, not a full buffer: fread would wait. */
		while ((got = read(fileno(c->rest), buf, size)) < 0 &&
		    errno == EINTR)
			;
		return got;
	}
	k = fread(buf, 1, size, c->rest);
	if (k == 0 && ferror(c->rest))
		return -1;
	return (ssize_t)k;
}

static FILE *
chain_open(struct chain *c, struct run *r, const char *head, size_t n,
    FILE *rest)
{
	cookie_io_functions_t io = { .read = chain_read };

	c->run = r;
	c->stream = oms_input_stream(rest);
	c->head = head;
	c->n = n;
	c->off = 0;
	c->rest = rest;
	return fopencookie(c, "r", io);
}

int
oms_import_stream(struct oms_import *im, FILE *fp, const char *name)
{
	struct run r;
	struct oms_buf all = { 0 };
	struct chain ch;
	FILE *body = NULL;
	int rc, lined;

	memset(&r, 0, sizeof r);
	r.im = im;
	r.file = name;
	/* When the file was made: said, or its modification time. */
	if (im->exported_at != NULL && strcmp(im->exported_at, "mtime") == 0) {
		struct stat sb;

		if (fstat(fileno(fp), &sb) == 0 && S_ISREG(sb.st_mode))
			oms_time_format((int64_t)sb.st_mtime, r.exported_at);
	} else if (im->exported_at != NULL)
		snprintf(r.exported_at, sizeof r.exported_at, "%s",
		    im->exported_at);
	/*
	 * A pipe is read unbuffered, so that chain_read can take what has
	 * come straight from the descriptor.
	 */
	if (oms_input_stream(fp))
		setvbuf(fp, NULL, _IONBF, 0);
	/* JSON is read whole; CSV is streamed after a look at its head. */
	{
		char chunk[HEAD_MAX];
		size_t n = fread(chunk, 1, sizeof chunk, fp);

		oms_buf_add(&all, chunk, n);
		if (ferror(fp)) {
			oms_buf_free(&all);
			return oms_seterr("read error: %s", strerror(errno));
		}
	}
	if (all.len == 0) {
		oms_buf_free(&all);
		note(&r, "%s: empty", name);
		return OMS_OK;
	}
	/* One document a line can be streamed; anything else is read whole. */
	lined = is_json(all.s, all.len) && first_line_doc(all.s, all.len);
	if (is_json(all.s, all.len) && !lined)
		slurp(fp, &all);
	r.ad = recognise(im, all.s, all.len);
	if (r.ad == NULL) {
		int same = im->nadapters > 0;

		for (int i = 1; i < im->nadapters; i++)
			if (strcmp(im->adapters[i]->channel,
			    im->adapters[0]->channel) != 0)
				same = 0;
		if (im->nadapters == 1 && im->adapters[0]->format == F_CSV)
			r.ad = im->adapters[0];	/* read_csv says what is missing */
		else if (im->nadapters == 1) {
			im->refused = 1;
			oms_seterr("not a %s file: %s", im->adapters[0]->name,
			    is_json(all.s, all.len) ? "its records are not of "
			    "that shape" : "not JSON");
			oms_buf_free(&all);
			return OMS_ERR;
		} else if (same && im->nadapters < 8) {
			struct oms_buf names = { 0 };

			for (int i = 0; i < im->nadapters; i++)
				oms_buf_printf(&names, "%s%s", i ? ", " : "",
				    im->adapters[i]->name);
			im->refused = 1;
			oms_seterr("not a %s file: none of its adapters (%s) "
			    "recognises it", im->adapters[0]->channel, names.s);
			oms_buf_free(&names);
			oms_buf_free(&all);
			return OMS_ERR;
		}
		else {
			oms_buf_free(&all);
			im->refused = 1;
			return oms_seterr("not a file of any channel adapter "
			    "this oms has (oms-import channels lists them)");
		}
	}
	if ((r.ad->format == F_JSON) != (is_json(all.s, all.len) &&
	    !looks_jsonl(all.s, all.len)) && r.ad->format != F_OMS) {
		im->refused = 1;
		rc = oms_seterr("not a %s file: %s", r.ad->name,
		    r.ad->format == F_JSON ? "not JSON" : "JSON, not CSV");
		oms_buf_free(&all);
		return rc;
	}
	if (r.ad->format == F_OMS && !looks_jsonl(all.s, all.len) &&
	    !is_json(all.s, all.len)) {
		oms_buf_free(&all);
		im->refused = 1;
		return oms_seterr("not a %s file: not JSON lines", r.ad->name);
	}
	note(&r, "%s: read as %s (channel %s)", name, r.ad->name, r.ad->channel);
	if (r.ad->format == F_CSV || r.ad->format == F_OMS) {
		/* Replay the head, then stream the rest: memory stays flat. */
		r.cr_only = memchr(all.s, '\n', all.len) == NULL &&
		    memchr(all.s, '\r', all.len) != NULL;
		body = chain_open(&ch, &r, all.s, all.len, fp);
		if (body == NULL)
			rc = oms_seterr("%s: %s", name, strerror(errno));
		else if (r.ad->format == F_CSV)
			rc = read_csv(&r, body);
		else
			rc = read_oms(&r, body);
	} else if (lined && r.ad->items_records == NULL) {
		body = chain_open(&ch, &r, all.s, all.len, fp);
		rc = body ? read_json_lines(&r, body) : oms_seterr("%s: %s",
		    name, strerror(errno));
	} else {
		if (lined)
			slurp(fp, &all);
		if (!oms_utf8_valid(all.s, all.len)) {
			struct oms_buf u = { 0 };

			oms_utf8_repair(&u, all.s, all.len);
			oms_buf_free(&all);
			all = u;
			note(&r, "%s: read as Windows-1252", name);
		}
		rc = read_json(&r, all.s, all.len);
	}
	if (body != NULL)
		fclose(body);
	if (r.idle_rc != OMS_OK) {
		rc = r.idle_rc;
		oms_seterr("%s", r.idle_msg);
	}
	if (rc == OMS_OK || rc == OMS_EOF)
		rc = flush(&r);
	else {
		int keep = rc;
		char msg[1024];

		snprintf(msg, sizeof msg, "%s", oms_error());
		/*
		 * What was taken before the failure still stands: a database
		 * failure has already rolled its batch back (in_tx is 0).
		 */
		if (r.in_tx) {
			if (flush(&r) != OMS_OK) {
				snprintf(msg, sizeof msg, "%s", oms_error());
				keep = OMS_ERR;
			}
		} else {
			oms_db_rollback(im->db);
			r.in_tx = 0;
			for (int i = 0; i < r.npend; i++)
				free(r.pend[i].json);
			r.npend = 0;
		}
		oms_seterr("%s", msg);
		rc = keep;
	}
	if (oms_progress_wanted() && r.orders_read >= 256)
		fprintf(stderr, "\r%s: %s: %ld orders\n", oms_progname, name,
		    r.orders_read);
	if (rc == OMS_OK)
		file_findings(&r);
	free(r.bn_col);
	free(r.bn_zero);
	oms_buf_free(&r.ph);
	free(r.pend);
	free(r.seen.h);
	oms_buf_free(&r.tmp);
	oms_buf_free(&r.tmp2);
	oms_buf_free(&r.tmp3);
	oms_buf_free(&all);
	return rc;
}
