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
#include "import.h"
#include "order.h"
#include "pay.h"
#include "adapter.h"
#include "csvr.h"

#define BATCH 1000		/* orders per transaction at most */
#define BATCH_MS 200		/* and milliseconds per transaction */
#define HEAD_MAX 65536		/* bytes read to recognise a file */

struct pending {
	char *json;
	int action;
	int64_t id;
	long line;
	int cancel;		/* a cancel waits on labels to void */
	int64_t seq;		/* its place in the import batch, from 1 */
};

/* A set of 64-bit hashes: the order keys a file has finished. */
struct keyset {
	uint64_t *h;
	size_t n, cap;
};

struct run {
	struct oms_import *im;
	struct oms_map m;	/* the adapter and what running it needs */
	const char *file;
	struct pending *pend;
	int npend, cappend;
	int in_tx;
	struct timespec tx_start;
	char msg[512];
	struct keyset seen;
	size_t keys_in_memory;
	int seen_table;
	long orders_read;
	int cr_only;		/* CSV whose lines end in CR alone */
	struct timespec last_progress;
	int idle_rc;		/* a commit before waiting for input failed */
	char idle_msg[1024];	/* and why */
	char exported_at[OMS_TIME_LEN];	/* the file's, or "" */
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
    "CREATE TEMP TABLE IF NOT EXISTS import_seen (h BIGINT PRIMARY KEY)";
static const char sql_seen_add[] =
    "INSERT INTO import_seen (h) VALUES (?) ON CONFLICT DO NOTHING";
static const char sql_seen_clear[] = "DELETE FROM import_seen";

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
	oms_stmt *st;
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
	oms_bind_int64(st, 1, (int64_t)h);
	rc = oms_step(st);
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(r->im->db, rc, "cannot note an order key");
	return oms_db_changes(r->im->db) > 0;
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
	snprintf(why, sizeof why, "cancelled on %s", r->m.ad ?
	    r->m.ad->channel : "the channel");
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
		p->json = oms_json_print(rec);
		cJSON_Delete(rec);
	}
	return OMS_OK;
}

/*
 * Number the orders about to be committed in the run's import batch
 * (made with the first of them), in the same transaction: what is
 * committed can be printed again (oms-import show).  The batch keeps
 * which orders, not a second copy of them.
 */
static int
record_batch(struct run *r)
{
	static const char sql_batch[] =
	    "INSERT INTO import_batches (at) VALUES (?)";
	static const char sql_order[] =
	    "INSERT INTO import_batch_orders (batch_id, seq, order_id) "
	    "VALUES (?, ?, ?)";
	struct oms_import *im = r->im;
	char now[OMS_TIME_LEN];
	int rc;

	if (im->batch == 0) {
		oms_time_now(now);
		if ((rc = oms_db_run(im->db, sql_batch, "cannot record the "
		    "import batch", "t", now)) != OMS_OK)
			return rc;
		im->batch = oms_db_last_id(im->db);
		im->batch_new = 1;
		im->batch_seq = 0;
	}
	for (int i = 0; i < r->npend; i++) {
		r->pend[i].seq = im->batch_seq + 1 + i;
		if ((rc = oms_db_run(im->db, sql_order, "cannot record the "
		    "import batch", "III", im->batch, r->pend[i].seq,
		    r->pend[i].id)) != OMS_OK)
			return rc;
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
		else if (r->npend > 0 && (rc = record_batch(r)) != OMS_OK)
			oms_db_rollback(im->db);
		else
			rc = oms_db_commit(im->db);
		r->in_tx = 0;
		if (rc != OMS_OK && im->batch_new) {
			/* The batch went with the transaction. */
			im->batch = 0;
			im->batch_new = 0;
		} else if (rc == OMS_OK && !im->dry_run && r->npend > 0) {
			im->batch_new = 0;
			im->batch_seq += r->npend;
		}
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

static void
progress(struct run *r)
{
	r->orders_read++;
	/* Every 256th order: asking whether stderr is a terminal is a
	 * system call. */
	if ((r->orders_read & 255) != 0 || !oms_progress_wanted())
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
	p = oms_order_problems(o, 0);
	cJSON_ArrayForEach(e, p)
		finding(r, line, ext, "hold", "%s", e->valuestring);
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
	const char *taxer = NULL;
	int rc, flags = OMS_STORE_OUTPUT, total_given = 0;

	if (r->m.ad != NULL && r->m.ad->refine != NULL) {
		struct oms_jq *jq;
		cJSON *refined;

		if (oms_adapter_refiner(r->m.ad, &jq) != OMS_OK) {
			cJSON_Delete(o);
			return OMS_ERR;
		}
		/*
		 * Not waited for under the write lock: a refine that takes
		 * its time runs again once the batch has committed.
		 */
		rc = oms_jq_run(jq, o, r->in_tx ? OMS_JQ_PATIENCE : 0,
		    &refined);
		if (rc == OMS_SLOW) {
			if ((rc = flush(r)) != OMS_OK) {
				cJSON_Delete(o);
				return rc;
			}
			rc = oms_jq_run(jq, o, 0, &refined);
		}
		if (rc == OMS_REJECT) {
			char msg[512];

			snprintf(msg, sizeof msg, "%s", oms_error());
			oms_reject("adapter '%s': refine: %s",
			    r->m.ad->name, msg);
			reject_order(r, line, prefix, o, raw);
			cJSON_Delete(o);
			return OMS_OK;
		}
		if (rc != OMS_OK) {
			cJSON_Delete(o);
			return rc;
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
	if (r->m.ph.len > 0) {
		const char *ext = oms_json_str(o, "external_id");

		finding(r, line, ext, "placeholder", "'%s' taken as no value in "
		    "%s", r->m.ph_value, r->m.ph.s);
		if (r->im->on_note != NULL)
			note(r, "%s:%ld: order %s: '%s' taken as no value in %s",
			    r->file, line, ext ? ext : "?", r->m.ph_value,
			    r->m.ph.s);
		r->placeholders++;
		oms_buf_reset(&r->m.ph);
	}
	/*
	 * An order with no tax, of a channel that names a tax adapter, is
	 * priced by it once normalised (tax.c).
	 */
	if (!merge && !im->check &&
	    oms_tax_wanted(o, &taxer, &total_given) != OMS_OK) {
		cJSON_Delete(o);
		return OMS_ERR;
	}
	if (same_lines(r, o, line) != OMS_OK || oms_order_normalize(o,
	    (merge ? OMS_NORM_PARTIAL : 0) | (r->m.ad != NULL &&
	    r->m.ad->format == F_OMS ? OMS_NORM_CANONICAL : 0)) != OMS_OK) {
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
	if (taxer != NULL) {
		/*
		 * Never an adapter's wait under the write lock; a dry run,
		 * which writes nothing, keeps what it holds to the end.
		 */
		if (!im->dry_run && (rc = flush(r)) != OMS_OK) {
			cJSON_Delete(o);
			return rc;
		}
		if (oms_tax_order(im->db, o, taxer, total_given) != OMS_OK) {
			/* Refused or failed: the order waits for a run that can. */
			reject_order(r, line, prefix, o, raw);
			cJSON_Delete(o);
			return OMS_OK;
		}
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
	in.source = r->m.ad ? r->m.ad->name : "oms";
	in.flags = flags;
	in.identity = r->m.ad ? r->m.ad->identity : NULL;
	in.alias = r->m.ad ? r->m.ad->alias : NULL;
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
	/*
	 * Its payment, when an adapter takes the channel's money: in the
	 * order's transaction, so neither is stored without the other.
	 */
	if ((res.action == OMS_ORDER_CREATED ||
	    res.action == OMS_ORDER_UPDATED) &&
	    (rc = oms_pay_authorise(im->db, res.id)) != OMS_OK) {
		cJSON_Delete(res.record);
		cJSON_Delete(res.reasons);
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
		json = oms_json_print(res.record);
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
		r->pend[r->npend].seq = 0;
		r->npend++;
	}
	if (r->npend >= BATCH || oms_ms_since(&r->tx_start) >= BATCH_MS)
		return flush(r);
	return OMS_OK;
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

static int
finish_group(struct run *r, struct group *g)
{
	cJSON *o;
	char why[700];
	int rc, merge = r->m.ad->merge;

	if (g->n == 0)
		return OMS_OK;
	/* A group of rows that only add to an order (refunds) merges. */
	if (!merge && r->m.ad->merge_when.on) {
		merge = 1;
		for (int i = 0; i < g->n && merge; i++)
			merge = oms_filter_row(&r->m.ad->merge_when,
			    &g->rows[i], &r->m.tmp3);
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
		group_raw(g, &r->m.tmp2);
		reject(r, g->errline, g->err, r->m.tmp2.s);
		group_reset(g);
		return OMS_OK;
	}
	r->m.errline = 0;
	if (oms_adapter_map_csv(&r->m, g, &o) != OMS_OK) {
		if (r->m.errline != 0)
			snprintf(why, sizeof why, "%s", oms_error());
		else
			snprintf(why, sizeof why, "order %s: %s", g->key,
			    oms_error());
		group_raw(g, &r->m.tmp2);
		reject(r, r->m.errline ? r->m.errline : g->line, why,
		    r->m.tmp2.s);
		group_reset(g);
		return OMS_OK;
	}
	group_raw(g, &r->m.tmp2);
	rc = take(r, o, g->line, r->m.tmp2.s, "", merge);
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
	oms_adapter *a = r->m.ad;

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
	oms_adapter *a = r->m.ad;
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
	oms_adapter *a = r->m.ad;
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
		if (a->stop_unless.on && !oms_filter_row(&a->stop_unless,
		    &(struct grow){ .f = v.f, .nf = v.nf }, &r->m.tmp3))
			break;
		if (a->stop_when.on && oms_filter_row(&a->stop_when,
		    &(struct grow){ .f = v.f, .nf = v.nf }, &r->m.tmp3))
			break;
		if (a->skip_when.on && oms_filter_row(&a->skip_when,
		    &(struct grow){ .f = v.f, .nf = v.nf }, &r->m.tmp3))
			continue;
		blank_count(r, &v);
		key = a->keycol < v.nf ? oms_trimmed(v.f[a->keycol], &keybuf) :
		    "";
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
	oms_adapter *a = r->m.ad;
	const cJSON *items = NULL;
	cJSON *order;
	char why[700], nb[64], prefix[32];
	char *raw = oms_json_print(o);
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
	} else if (oms_adapter_map_json(&r->m, o, items, &order) != OMS_OK) {
		const char *ext = NULL;
		char m[600];

		snprintf(m, sizeof m, "%s", oms_error());
		for (int s = 0; s < a->nospec; s++)
			if (strcmp(a->ospec[s].target, "external_id") == 0)
				if (oms_adapter_raw(&a->ospec[s], o, &r->m.tmp3,
				    &ext) != OMS_OK)
					ext = NULL;
		snprintf(why, sizeof why, "record %d: order %s: %s", k,
		    ext ? ext : "?", m);
		reject(r, line, why, raw);
	} else
		rc = take(r, order, line, raw, prefix, r->m.ad->merge);
	free(raw);
	return rc;
}

static int
read_json(struct run *r, const char *buf, size_t len)
{
	oms_adapter *a = r->m.ad;
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
		if ((recs = oms_adapter_records(a, docs[i], &path)) == NULL)
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
			raw = oms_json_print(e);
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
		if ((d = oms_json_parse(s, n, NULL, NULL)) == NULL) {
			struct oms_buf raw = { 0 };

			oms_buf_add(&raw, s, n);
			reject(r, ln, "invalid JSON", raw.s);
			oms_buf_free(&raw);
			continue;
		}
		if ((recs = oms_adapter_records(r->m.ad, d, &path)) != NULL) {
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
		return oms_seterr("not a %s file: no orders at %s",
		    r->m.ad->name, r->m.ad->nrecords > 0 ?
		    r->m.ad->records[0] : "the top level");
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
		const cJSON *ch;

		if (rc != OMS_OK && ferror(rd.fp))
			break;		/* a read error: the file, not a line */
		if (rc != OMS_OK) {
			reject(r, rd.line, oms_errreason(), rd.buf);
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
		/* No channel is ours; one that is not a name is an error. */
		ch = cJSON_GetObjectItemCaseSensitive(v, "channel");
		if (ch != NULL && !cJSON_IsNull(ch) && !cJSON_IsString(ch)) {
			oms_seterr("channel must be a string, such as "
			    "\"shopify\"");
			reject_order(r, rd.line, "", v, rd.buf);
			cJSON_Delete(v);
			continue;
		}
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
		sc = oms_adapter_score(a, head, n);
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
	oms_adapter *a = r->m.ad;
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
	struct oms_buf all = { 0 }, wide = { 0 };
	struct chain ch;
	FILE *body = NULL;
	int rc, lined;

	memset(&r, 0, sizeof r);
	r.im = im;
	r.m.tz = im->tz;
	r.m.day_tz = im->day_tz;
	r.m.currency = im->currency;
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
	if (is_json(all.s, all.len) && !lined &&
	    oms_slurp(fp, &all) != OMS_OK) {
		oms_buf_free(&all);
		return oms_fail_at(OMS_E_OTHER, name, 0, "read error: %s",
		    strerror(errno));
	}
	r.m.ad = recognise(im, all.s, all.len);
	if (r.m.ad == NULL) {
		int same = im->nadapters > 0;

		for (int i = 1; i < im->nadapters; i++)
			if (strcmp(im->adapters[i]->channel,
			    im->adapters[0]->channel) != 0)
				same = 0;
		if (im->nadapters == 1 && im->adapters[0]->format == F_CSV)
			/* read_csv says what is missing */
			r.m.ad = im->adapters[0];
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
	if ((r.m.ad->format == F_JSON) != (is_json(all.s, all.len) &&
	    !looks_jsonl(all.s, all.len)) && r.m.ad->format != F_OMS) {
		im->refused = 1;
		rc = oms_seterr("not a %s file: %s", r.m.ad->name,
		    r.m.ad->format == F_JSON ? "not JSON" : "JSON, not CSV");
		oms_buf_free(&all);
		return rc;
	}
	if (r.m.ad->format == F_OMS && !looks_jsonl(all.s, all.len) &&
	    !is_json(all.s, all.len)) {
		oms_buf_free(&all);
		im->refused = 1;
		return oms_seterr("not a %s file: not JSON lines",
		    r.m.ad->name);
	}
	note(&r, "%s: read as %s (channel %s)", name, r.m.ad->name,
	    r.m.ad->channel);
	if (r.m.ad->format == F_CSV || r.m.ad->format == F_OMS) {
		/* Replay the head, then stream the rest: memory stays flat. */
		r.cr_only = memchr(all.s, '\n', all.len) == NULL &&
		    memchr(all.s, '\r', all.len) != NULL;
		body = chain_open(&ch, &r, all.s, all.len, fp);
		if (body == NULL)
			rc = oms_fail_at(OMS_E_OTHER, name, 0, "%s",
			    strerror(errno));
		else if (r.m.ad->format == F_CSV)
			rc = read_csv(&r, body);
		else
			rc = read_oms(&r, body);
	} else if (lined && r.m.ad->items_records == NULL) {
		body = chain_open(&ch, &r, all.s, all.len, fp);
		rc = body ? read_json_lines(&r, body) : oms_fail_at(OMS_E_OTHER,
		    name, 0, "%s", strerror(errno));
	} else {
		if (lined && oms_slurp(fp, &all) != OMS_OK)
			rc = oms_fail_at(OMS_E_OTHER, name, 0,
			    "read error: %s", strerror(errno));
		else {
			if (!oms_utf8_valid(all.s, all.len)) {
				struct oms_buf u = { 0 };

				oms_utf8_repair(&u, all.s, all.len);
				oms_buf_free(&all);
				all = u;
				note(&r, "%s: read as Windows-1252", name);
			}
			/*
			 * Ids of more than 15 digits as the strings of their
			 * digits, before cJSON makes doubles of them; every
			 * line stays where it was.
			 */
			if (oms_json_widen(all.s, all.len, &wide) > 0) {
				oms_buf_free(&all);
				all = wide;
			}
			rc = read_json(&r, all.s, all.len);
		}
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
		struct oms_errsave e;

		oms_err_save(&e);
		/*
		 * What was taken before the failure still stands: a database
		 * failure has already rolled its batch back (in_tx is 0).
		 */
		if (r.in_tx) {
			if (flush(&r) != OMS_OK) {
				oms_err_save(&e);
				keep = OMS_ERR;
			}
		} else {
			/* With --check there is no database to roll back. */
			if (im->db != NULL)
				oms_db_rollback(im->db);
			r.in_tx = 0;
			for (int i = 0; i < r.npend; i++)
				free(r.pend[i].json);
			r.npend = 0;
		}
		oms_err_restore(&e);
		rc = keep;
	}
	if (oms_progress_wanted() && r.orders_read >= 256)
		fprintf(stderr, "\r%s: %s: %ld orders\n", oms_progname, name,
		    r.orders_read);
	if (rc == OMS_OK)
		file_findings(&r);
	free(r.bn_col);
	free(r.bn_zero);
	oms_buf_free(&r.m.ph);
	free(r.pend);
	free(r.seen.h);
	oms_buf_free(&r.m.tmp);
	oms_buf_free(&r.m.tmp2);
	oms_buf_free(&r.m.tmp3);
	oms_buf_free(&all);
	return rc;
}

/*
 * The orders import batch `batch` stored, in the order it printed them,
 * each as it stands now (as oms-import printed it, unless something has
 * changed it since), as fn gets it; batch 0 is the last one.  A batch not
 * there is refused.
 */
int
oms_import_batch_show(oms_db *db, int64_t batch,
    int (*fn)(void *arg, const char *text), void *arg, int64_t *shown)
{
	static const char sql_last[] =
	    "SELECT coalesce(max(id), 0) FROM import_batches";
	static const char sql_has[] =
	    "SELECT 1 FROM import_batches WHERE id = ?";
	static const char sql[] =
	    "SELECT order_id FROM import_batch_orders WHERE batch_id = ? "
	    "ORDER BY seq";
	oms_stmt *st;
	int rc, r = OMS_OK;

	*shown = batch;
	if (batch == 0) {
		if ((st = oms_db_stmt(db, sql_last)) == NULL)
			return OMS_ERR;
		if ((rc = oms_step(st)) == OMS_ROW)
			batch = oms_col_int64(st, 0);
		oms_reset(st);
		if (rc != OMS_ROW)
			return oms_db_fail(db, rc, "cannot read the import "
			    "batches");
		if (batch == 0)
			return oms_reject("no import batch yet");
		*shown = batch;
	}
	if ((st = oms_db_query(db, sql_has, "I", batch)) == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	oms_reset(st);
	if (rc != OMS_ROW && rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the import batches");
	if (rc == OMS_DONE)
		return oms_reject("no import batch %lld", (long long)batch);
	if ((st = oms_db_query(db, sql, "I", batch)) == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *rec = oms_order_record(db, oms_col_int64(st, 0));
		char *text;

		if (rec == NULL) {
			r = OMS_ERR;
			break;
		}
		text = oms_json_print(rec);
		cJSON_Delete(rec);
		r = fn(arg, text);
		free(text);
		if (r != OMS_OK)
			break;
	}
	oms_reset(st);
	if (r != OMS_OK)
		return r;
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the import batches");
	return OMS_OK;
}
