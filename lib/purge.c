/*
 * purge.c: erase a customer's personal data (oms purge-customer).
 *
 * Two passes over every text an order has in the database: its record,
 * what each merge source said of it, the before and after of its
 * events, its shipments, routes, cancel requests, stray labels, carrier
 * tracking notes and ledger notes.  The first pass gathers the personal
 * values (names, companies, streets, phones, emails, account ids, notes)
 * wherever a record holds them under customer, ship_to or bill_to; the
 * second erases those fields by key and every other occurrence of those
 * values, case aside, in any text of the order, JSON or not.  Fields
 * that name things (ids, SKUs, tracking numbers, locations, statuses,
 * dates) are never touched, nor is anything that is not text: amounts,
 * quantities and the ledger stay as they were.
 *
 * Files come after the commit: labels named in the shipments' records,
 * those a stray label kept, and slips and mail by their names in the
 * directories given.  A file is deleted only when it is a regular file
 * in the directory it was written to, looked at without following a
 * symbolic link.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oms.h"
#include "purge.h"
#include "ship.h"

/* The fields holding a person: erased wherever they stand. */
static const char *const containers[] = { "customer", "ship_to", "bill_to",
    NULL };

/* What stays of a person's address: it is what taxes and reports need. */
static const char *const kept[] = { "region", "postal_code", "country",
    "segment", NULL };

/* Personal anywhere, not only under a person. */
static const char *const personal[] = { "note", "notes", "note_attributes",
    "gift_message", "gift_note", "delivery_instructions", "customer_email",
    "customer_id", "email", "phone", "buyer", "buyer_name", "buyer_email",
    "buyer_username", "square_customer_id", NULL };

/* Names of things, never scanned for a person's values. */
static const char *const names[] = { "id", "order", "channel", "account",
    "external_id", "alias", "status", "sku", "channel_sku", "location",
    "tracking", "request_id", "carrier", "carrier_code", "service",
    "currency", "line_id", "digest", "source", "label_zpl", "label_pdf",
    "label_png", "file", "format", "box", "rule", "shipment", "type",
    NULL };

static int
in(const char *k, const char *const *list)
{
	if (k == NULL)
		return 0;
	for (; *list != NULL; list++)
		if (strcmp(k, *list) == 0)
			return 1;
	return 0;
}

static int
is_name_key(const char *k)
{
	size_t n;

	if (k == NULL)
		return 0;
	n = strlen(k);
	return in(k, names) || (n > 3 && strcmp(k + n - 3, "_at") == 0);
}

/* The values to find, longest first so a name goes before its part. */
struct vals {
	char **v;
	size_t n, cap;
};

static void
vals_add(struct vals *vs, const char *s)
{
	size_t a = 0, b = strlen(s);

	while (a < b && (s[a] == ' ' || s[a] == '\t' || s[a] == '\r' ||
	    s[a] == '\n'))
		a++;
	while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' ||
	    s[b - 1] == '\r' || s[b - 1] == '\n'))
		b--;
	/* Too short to tell a person from a word. */
	if (b - a < 3 || (b - a == strlen(OMS_PURGE_MARK) &&
	    strncasecmp(s + a, OMS_PURGE_MARK, b - a) == 0))
		return;
	for (size_t i = 0; i < vs->n; i++)
		if (strlen(vs->v[i]) == b - a &&
		    strncasecmp(vs->v[i], s + a, b - a) == 0)
			return;
	if (vs->n == vs->cap) {
		vs->cap = vs->cap ? vs->cap * 2 : 16;
		vs->v = erealloc(vs->v, vs->cap * sizeof *vs->v);
	}
	vs->v[vs->n++] = estrndup(s + a, b - a);
}

static int
longer(const void *a, const void *b)
{
	size_t x = strlen(*(char *const *)a), y = strlen(*(char *const *)b);

	return x < y ? 1 : x > y ? -1 : 0;
}

static void
vals_free(struct vals *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		free(vs->v[i]);
	free(vs->v);
}

/* The personal values of a JSON node; under is 1 inside a person. */
static void
gather(const cJSON *node, int under, struct vals *vs)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, node) {
		const char *k = cJSON_IsObject(node) ? c->string : NULL;

		if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			gather(c, under || in(k, containers) || in(k, personal),
			    vs);
			continue;
		}
		if (!cJSON_IsString(c))
			continue;
		/* A city is many people's: erased, but not looked for. */
		if (under && !in(k, kept) && (k == NULL || strcmp(k, "city")))
			vals_add(vs, c->valuestring);
		else if (!under && in(k, personal))
			vals_add(vs, c->valuestring);
	}
}

/*
 * s with every value of vs in it, case aside for ASCII letters, made the
 * mark; NULL when there is none.
 */
static char *
replace_vals(const char *s, const struct vals *vs)
{
	struct oms_buf b = { 0 };
	const char *p = s;
	int hit = 0;

	if (s == NULL)
		return NULL;
	while (*p != '\0') {
		size_t i, n = 0;

		for (i = 0; i < vs->n; i++) {
			n = strlen(vs->v[i]);
			if (strncasecmp(p, vs->v[i], n) == 0)
				break;
		}
		if (i < vs->n) {
			oms_buf_adds(&b, OMS_PURGE_MARK);
			p += n;
			hit = 1;
		} else
			oms_buf_addc(&b, *p++);
	}
	if (!hit) {
		oms_buf_free(&b);
		return NULL;
	}
	if (b.s == NULL)
		oms_buf_adds(&b, "");
	return b.s;
}

/* Erase node's personal fields; vs NULL erases by key alone. */
static long
erase(cJSON *node, int under, const struct vals *vs)
{
	cJSON *c, *next;
	long n = 0;

	for (c = node->child; c != NULL; c = next) {
		const char *k = cJSON_IsObject(node) ? c->string : NULL;
		cJSON *r = NULL;
		char *t;

		next = c->next;
		if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
			n += erase(c, under || in(k, containers) ||
			    in(k, personal), vs);
			continue;
		}
		if (under && !in(k, kept)) {
			if (cJSON_IsString(c) && strcmp(c->valuestring,
			    OMS_PURGE_MARK) != 0)
				r = cJSON_CreateString(OMS_PURGE_MARK);
			else if (cJSON_IsNumber(c))
				r = cJSON_CreateNull();
		} else if (!under && in(k, personal) && cJSON_IsString(c)) {
			if (strcmp(c->valuestring, OMS_PURGE_MARK) != 0)
				r = cJSON_CreateString(OMS_PURGE_MARK);
		} else if (cJSON_IsString(c) && vs != NULL && !is_name_key(k) &&
		    (t = replace_vals(c->valuestring, vs)) != NULL) {
			r = cJSON_CreateString(t);
			free(t);
		}
		if (r != NULL) {
			/* The replacement keeps the key; cJSON does not. */
			if (k != NULL)
				r->string = estrdup(k);
			cJSON_ReplaceItemViaPointer(node, c, r);
			n++;
		}
	}
	return n;
}

long
oms_purge_record(cJSON *rec)
{
	return rec != NULL ? erase(rec, 0, NULL) : 0;
}

/* A text erased: a new text, or NULL when nothing in it was personal. */
static char *
scrub(const char *s, const struct vals *vs)
{
	cJSON *j;
	char *t = NULL;

	if (s == NULL)
		return NULL;
	j = cJSON_Parse(s);
	if (j != NULL && (cJSON_IsObject(j) || cJSON_IsArray(j))) {
		if (erase(j, 0, vs) > 0)
			t = oms_json_print(j);
		cJSON_Delete(j);
		return t;
	}
	cJSON_Delete(j);
	return replace_vals(s, vs);
}

/*
 * Every text of an order: the select gives a key and the texts, the
 * update takes the texts (?1..?n), the key and the order's id.
 */
static const struct place {
	const char *table;
	int ntext;
	int textkey;		/* the key is text, not a number */
	const char *select;
	const char *update;
} places[] = {
	{ "orders", 4, 0,
	  "SELECT id, record, refusal, hold_reasons, customer_email "
	  "FROM orders WHERE id = ?1",
	  "UPDATE orders SET record = ?1, refusal = ?2, hold_reasons = ?3, "
	  "customer_email = ?4 WHERE id = ?5 AND id = ?6" },
	{ "order_lines", 1, 0,
	  "SELECT line_no, title FROM order_lines WHERE order_id = ?1",
	  "UPDATE order_lines SET title = ?1 WHERE line_no = ?2 "
	  "AND order_id = ?3" },
	{ "order_sources", 1, 1,
	  "SELECT source, record FROM order_sources WHERE order_id = ?1",
	  "UPDATE order_sources SET record = ?1 WHERE source = ?2 "
	  "AND order_id = ?3" },
	{ "events", 2, 0,
	  "SELECT id, before, after FROM events WHERE order_id = ?1",
	  "UPDATE events SET before = ?1, after = ?2 WHERE id = ?3 "
	  "AND order_id = ?4" },
	{ "shipments", 1, 0,
	  "SELECT id, record FROM shipments WHERE order_id = ?1",
	  "UPDATE shipments SET record = ?1 WHERE id = ?2 AND order_id = ?3" },
	{ "tracking_events", 1, 0,
	  "SELECT t.id, t.description FROM tracking_events t JOIN shipments s "
	  "ON s.id = t.shipment_id WHERE s.order_id = ?1",
	  "UPDATE tracking_events SET description = ?1 WHERE id = ?2 AND "
	  "shipment_id IN (SELECT id FROM shipments WHERE order_id = ?3)" },
	{ "routes", 1, 0,
	  "SELECT order_id, record FROM routes WHERE order_id = ?1",
	  "UPDATE routes SET record = ?1 WHERE order_id = ?2 "
	  "AND order_id = ?3" },
	{ "cancel_requests", 3, 0,
	  "SELECT id, reason, note, lines FROM cancel_requests "
	  "WHERE order_id = ?1",
	  "UPDATE cancel_requests SET reason = ?1, note = ?2, lines = ?3 "
	  "WHERE id = ?4 AND order_id = ?5" },
	{ "stray_labels", 1, 1,
	  "SELECT request_id, note FROM stray_labels WHERE order_id = ?1",
	  "UPDATE stray_labels SET note = ?1 WHERE request_id = ?2 "
	  "AND order_id = ?3" },
	{ "movements", 2, 0,
	  "SELECT id, reason, record FROM movements WHERE ref = 'o_' || "
	  "CAST(?1 AS BIGINT) "
	  "OR ref IN (SELECT 's_' || id FROM shipments WHERE order_id = ?1)",
	  "UPDATE movements SET reason = ?1, record = ?2 WHERE id = ?3 "
	  "AND (ref = 'o_' || CAST(?4 AS BIGINT) OR ref IN (SELECT 's_' || id "
	  "FROM "
	  "shipments WHERE order_id = ?4))" },
};
#define NPLACES (sizeof places / sizeof places[0])
#define MAXTEXT 4

struct row {
	const struct place *pl;
	char *key;
	char *text[MAXTEXT];
	int null[MAXTEXT];
};

struct rows {
	struct row *r;
	size_t n, cap;
};

static void
rows_free(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->r[i].key);
		for (int j = 0; j < rs->r[i].pl->ntext; j++)
			free(rs->r[i].text[j]);
	}
	free(rs->r);
	memset(rs, 0, sizeof *rs);
}

static int
read_rows(oms_db *db, int64_t id, struct rows *rs)
{
	for (size_t p = 0; p < NPLACES; p++) {
		oms_stmt *st = oms_db_query(db, places[p].select, "I", id);
		int rc;

		if (st == NULL)
			return OMS_ERR;
		while ((rc = oms_step(st)) == OMS_ROW) {
			struct row *r;

			if (rs->n == rs->cap) {
				rs->cap = rs->cap ? rs->cap * 2 : 32;
				rs->r = erealloc(rs->r, rs->cap *
				    sizeof *rs->r);
			}
			r = &rs->r[rs->n++];
			memset(r, 0, sizeof *r);
			r->pl = &places[p];
			r->key = estrdup(oms_col_str(st, 0));
			for (int j = 0; j < places[p].ntext; j++) {
				r->null[j] = oms_col_null(st, j + 1);
				r->text[j] = r->null[j] ? NULL :
				    estrdup(oms_col_str(st, j + 1));
			}
		}
		oms_reset(st);
		if (rc != OMS_DONE)
			return oms_db_fail(db, rc,
			    "cannot read an order's rows");
	}
	return OMS_OK;
}

/* Write row r with its erased texts t (NULL: as it was). */
static int
write_row(oms_db *db, int64_t id, const struct row *r, char *const *t)
{
	oms_stmt *st = oms_db_stmt(db, r->pl->update);
	int n = r->pl->ntext;

	if (st == NULL)
		return OMS_ERR;
	for (int j = 0; j < n; j++) {
		const char *v = t[j] != NULL ? t[j] : r->text[j];

		/* An order's email column is the customer: gone, not marked. */
		if (r->pl == &places[0] && j == 3)
			v = NULL;
		oms_bind_text(st, j + 1, v);
	}
	if (r->pl->textkey)
		oms_bind_text(st, n + 1, r->key);
	else
		oms_bind_int64(st, n + 1, strtoll(r->key, NULL, 10));
	oms_bind_int64(st, n + 2, id);
	return oms_db_step_done(db, st, "cannot erase an order's data");
}

/* The files of an order, as they were written. */
struct files {
	char **path;
	int *known;	/* the database names it; else a guess by name */
	size_t n, cap;
};

static void
files_add(struct files *fs, const char *path, int known)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strcmp(fs->path[i], path) == 0) {
			fs->known[i] |= known;
			return;
		}
	if (fs->n == fs->cap) {
		fs->cap = fs->cap ? fs->cap * 2 : 8;
		fs->path = erealloc(fs->path, fs->cap * sizeof *fs->path);
		fs->known = erealloc(fs->known, fs->cap * sizeof *fs->known);
	}
	fs->path[fs->n] = estrdup(path);
	fs->known[fs->n++] = known;
}

static void
files_free(struct files *fs)
{
	for (size_t i = 0; i < fs->n; i++)
		free(fs->path[i]);
	free(fs->path);
	free(fs->known);
}

static void
files_in(struct files *fs, const char *dir, const char *name)
{
	struct oms_buf b = { 0 };

	if (dir == NULL)
		return;
	oms_buf_printf(&b, "%s/%s", dir, name);
	files_add(fs, b.s, 0);
	oms_buf_free(&b);
}

/* The files the order's rows name, and those the directories may hold. */
static void
gather_files(const struct rows *rs, const struct oms_purge_opts *o,
    struct files *fs)
{
	for (size_t i = 0; i < rs->n; i++) {
		const struct row *r = &rs->r[i];
		const cJSON *p;
		cJSON *j;

		if (strcmp(r->pl->table, "shipments") == 0 &&
		    r->text[0] != NULL) {
			struct oms_buf b = { 0 };

			j = cJSON_Parse(r->text[0]);
			{
				/* Every label and document it names. */
				cJSON *all = oms_shipment_files(j);

				cJSON_ArrayForEach(p, all)
					files_add(fs, oms_json_str(p, "file"), 1);
				cJSON_Delete(all);
			}
			cJSON_ArrayForEach(p,
			    cJSON_GetObjectItemCaseSensitive(j, "packages")) {
				const char *t = oms_json_str(p, "tracking");

				if (t != NULL && strchr(t, '/') == NULL) {
					oms_buf_reset(&b);
					oms_buf_printf(&b, "%s.zpl", t);
					files_in(fs, o->labels, b.s);
					oms_buf_reset(&b);
					oms_buf_printf(&b, "%s.pdf", t);
					files_in(fs, o->labels, b.s);
					oms_buf_reset(&b);
					oms_buf_printf(&b, "%s.png", t);
					files_in(fs, o->labels, b.s);
				}
			}
			oms_buf_reset(&b);
			oms_buf_printf(&b, "s_%s.pdf", r->key);
			files_in(fs, o->slips, b.s);
			oms_buf_reset(&b);
			oms_buf_printf(&b, "s_%s-shipped.eml", r->key);
			files_in(fs, o->mail, b.s);
			oms_buf_reset(&b);
			oms_buf_printf(&b, "s_%s-delivered.eml", r->key);
			files_in(fs, o->mail, b.s);
			oms_buf_free(&b);
			cJSON_Delete(j);
		}
	}
}

static const char sql_stray_files[] =
    "SELECT files FROM stray_labels WHERE order_id = ?";

static int
stray_files(oms_db *db, int64_t id, struct files *fs)
{
	oms_stmt *st = oms_db_query(db, sql_stray_files, "I", id);
	int rc;

	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *j = cJSON_Parse(oms_col_str(st, 0));
		const cJSON *f;

		cJSON_ArrayForEach(f, j)
			if (cJSON_IsString(f))
				files_add(fs, f->valuestring, 1);
		cJSON_Delete(j);
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read the stray labels");
	return OMS_OK;
}

/*
 * Whether name is one oms-ship writes: TRACKING.zpl, .pdf or .png
 * (letters and digits), a carrier's document TRACKING-TYPE.EXT or
 * TRACKING-TYPE-N.EXT (carrierdoc.c), s_N.pdf, s_N-shipped.eml or
 * s_N-delivered.eml.  A path in a
 * database changed by hand deletes nothing else.
 */
static int
our_name(const char *name)
{
	const char *dot = strrchr(name, '.'), *p = name;

	if (dot == NULL || dot == name)
		return 0;
	if (strncmp(name, "s_", 2) == 0) {
		for (p = name + 2; *p >= '0' && *p <= '9'; p++)
			;
		if (p == name + 2)
			return 0;
		return strcmp(p, ".pdf") == 0 || strcmp(p, "-shipped.eml") ==
		    0 || strcmp(p, "-delivered.eml") == 0;
	}
	return oms_cdoc_name_ours(name);
}

/*
 * Delete path if it is a regular file, looked at in its own directory
 * without following a link; what became of it goes into list.  Returns
 * 1 when it was there and could not be deleted.
 */
static int
remove_file(const char *path, int known, int dry, cJSON *list, int *deleted)
{
	const char *slash = strrchr(path, '/'), *base, *what = NULL;
	char *dir;
	struct stat sb;
	struct oms_buf why = { 0 };
	int dfd, bad = 0;
	cJSON *f;

	base = slash ? slash + 1 : path;
	dir = slash ? estrndup(path, (size_t)(slash - path)) : estrdup(".");
	if (slash == path) {
		free(dir);
		dir = estrdup("/");
	}
	if (!our_name(base)) {
		what = "refused: not a name oms-ship writes";
		bad = 1;
		goto out;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fstatat(dfd, base, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			what = known ? "absent" : NULL;
		} else {
			oms_buf_printf(&why, "failed: %s", strerror(errno));
			what = why.s;
			bad = 1;
		}
		if (dfd >= 0)
			close(dfd);
		goto out;
	}
	if (S_ISLNK(sb.st_mode)) {
		what = "refused: a symbolic link, not followed";
		bad = 1;
	} else if (!S_ISREG(sb.st_mode)) {
		what = "refused: not a regular file";
		bad = 1;
	} else if (dry) {
		what = "would delete";
	} else if (unlinkat(dfd, base, 0) < 0) {
		oms_buf_printf(&why, "failed: %s", strerror(errno));
		what = why.s;
		bad = 1;
	} else {
		what = "deleted";
		(*deleted)++;
	}
	close(dfd);
out:
	if (what != NULL) {
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "path", path);
		cJSON_AddStringToObject(f, "result", what);
		cJSON_AddItemToArray(list, f);
	}
	free(dir);
	oms_buf_free(&why);
	return bad;
}

static const char sql_find[] =
    "SELECT id, customer_email, record FROM orders "
    "WHERE lower(customer_email) = ?1 OR lower(record) LIKE ?2 ESCAPE '!' "
    "ORDER BY id";

/* Whether any string of node is email, trimmed, case aside. */
static int
holds(const cJSON *node, const char *email)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, node) {
		if (cJSON_IsString(c)) {
			const char *s = c->valuestring;
			size_t n;

			while (*s == ' ' || *s == '\t')
				s++;
			n = strlen(s);
			while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
				n--;
			if (n == strlen(email) && strncasecmp(s, email, n) == 0)
				return 1;
		} else if (holds(c, email))
			return 1;
	}
	return 0;
}

int
oms_purge_find(oms_db *db, const char *email, int64_t **ids, size_t *n)
{
	struct oms_buf low = { 0 }, like = { 0 };
	size_t cap = 0;
	oms_stmt *st;
	int rc;

	*ids = NULL;
	*n = 0;
	for (const char *p = email; *p; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? (char)(*p - 'A' + 'a') : *p;

		oms_buf_addc(&low, c);
		if (c == '%' || c == '_' || c == '!')
			oms_buf_addc(&like, '!');
		oms_buf_addc(&like, c);
	}
	{
		struct oms_buf t = { 0 };

		oms_buf_printf(&t, "%%%s%%", like.s);
		oms_buf_free(&like);
		like = t;
	}
	st = oms_db_query(db, sql_find, "ss", low.s, like.s);
	if (st == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	while ((rc = oms_step(st)) == OMS_ROW) {
		const char *ce = oms_col_text(st, 1);
		int hit = 0;

		if (ce != NULL) {
			cJSON *s = cJSON_CreateString(ce);
			cJSON *a = cJSON_CreateArray();

			cJSON_AddItemToArray(a, s);
			hit = holds(a, email);
			cJSON_Delete(a);
		}
		if (!hit) {
			cJSON *j = cJSON_Parse(oms_col_str(st, 2));

			hit = holds(j, email);
			cJSON_Delete(j);
		}
		if (!hit)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			*ids = erealloc(*ids, cap * sizeof **ids);
		}
		(*ids)[(*n)++] = oms_col_int64(st, 0);
	}
	oms_reset(st);
	rc = rc == OMS_DONE ? OMS_OK : oms_db_fail(db, rc,
	    "cannot look for the customer's orders");
out:
	oms_buf_free(&low);
	oms_buf_free(&like);
	if (rc != OMS_OK) {
		free(*ids);
		*ids = NULL;
		*n = 0;
	}
	return rc;
}

static const char sql_done[] =
    "SELECT 1 FROM events WHERE order_id = ? AND action = 'purged'";

int
oms_purge_done(oms_db *db, int64_t id, int *done)
{
	oms_stmt *st = oms_db_query(db, sql_done, "I", id);
	int rc;

	*done = 0;
	if (st == NULL)
		return OMS_ERR;
	rc = oms_step(st);
	oms_reset(st);
	if (rc == OMS_ROW)
		*done = 1;
	else if (rc != OMS_DONE)
		return oms_db_fail(db, rc, "cannot read an order's events");
	return OMS_OK;
}

static const char sql_name[] =
    "SELECT channel, account, external_id FROM orders WHERE id = ?";

int
oms_purge_order(oms_db *db, int64_t id, const char *email,
    const struct oms_purge_opts *o, cJSON **out, int *unreached)
{
	struct rows rs = { 0 };
	struct vals vs = { 0 };
	struct files fs = { 0 };
	long count[NPLACES] = { 0 };
	cJSON *rec = NULL, *tables, *list, *ev;
	char ref[32], *evtext = NULL;
	int rc, began = 0, deleted = 0;
	oms_stmt *st;

	*out = NULL;
	*unreached = 0;
	if ((rc = oms_db_begin(db)) != OMS_OK)
		return rc;
	began = 1;
	rec = cJSON_CreateObject();
	cJSON_AddStringToObject(rec, "type", "purge");
	snprintf(ref, sizeof ref, "o_%lld", (long long)id);
	cJSON_AddStringToObject(rec, "order", ref);
	if ((st = oms_db_query(db, sql_name, "I", id)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	if ((rc = oms_step(st)) == OMS_ROW) {
		cJSON_AddStringToObject(rec, "channel", oms_col_str(st, 0));
		if (*oms_col_str(st, 1) != '\0')
			cJSON_AddStringToObject(rec, "account",
			    oms_col_str(st, 1));
		cJSON_AddStringToObject(rec, "external_id", oms_col_str(st, 2));
	}
	oms_reset(st);
	if (rc != OMS_ROW) {
		rc = rc == OMS_DONE ? oms_reject("no order %s", ref) :
		    oms_db_fail(db, rc, "cannot read an order");
		goto out;
	}
	if ((rc = read_rows(db, id, &rs)) != OMS_OK)
		goto out;
	/* What is personal, from every version of the order kept. */
	if (email != NULL)
		vals_add(&vs, email);
	for (size_t i = 0; i < rs.n; i++) {
		if (rs.r[i].pl == &places[0] && rs.r[i].text[3] != NULL)
			vals_add(&vs, rs.r[i].text[3]);
		for (int j = 0; j < rs.r[i].pl->ntext; j++) {
			const char *t = rs.r[i].text[j];
			cJSON *js = t != NULL ? cJSON_Parse(t) : NULL;

			if (js != NULL)
				gather(js, 0, &vs);
			cJSON_Delete(js);
		}
	}
	if (vs.n > 1)
		qsort(vs.v, vs.n, sizeof *vs.v, longer);
	for (size_t i = 0; i < rs.n; i++) {
		struct row *r = &rs.r[i];
		char *t[MAXTEXT] = { NULL };
		int changed = 0;

		for (int j = 0; j < r->pl->ntext; j++) {
			t[j] = scrub(r->text[j], &vs);
			changed |= t[j] != NULL;
		}
		if (r->pl == &places[0] && !r->null[3])
			changed = 1;
		if (changed)
			rc = write_row(db, id, r, t);
		for (int j = 0; j < r->pl->ntext; j++)
			free(t[j]);
		if (rc != OMS_OK)
			goto out;
		if (changed)
			count[r->pl - places]++;
	}
	gather_files(&rs, o, &fs);
	if ((rc = stray_files(db, id, &fs)) != OMS_OK)
		goto out;
	tables = cJSON_AddObjectToObject(rec, "tables");
	for (size_t p = 0; p < NPLACES; p++)
		cJSON_AddNumberToObject(tables, places[p].table,
		    (double)count[p]);
	/* The event says what went, and nothing of what it was. */
	ev = cJSON_CreateObject();
	cJSON_AddItemToObject(ev, "tables", cJSON_Duplicate(tables, 1));
	evtext = oms_json_print(ev);
	cJSON_Delete(ev);
	if ((rc = oms_db_event(db, id, "purged", NULL, evtext)) != OMS_OK)
		goto out;
	if (o->dry_run) {
		oms_db_rollback(db);
		cJSON_AddTrueToObject(rec, "dry_run");
	} else if ((rc = oms_db_commit(db)) != OMS_OK) {
		began = 0;
		goto out;
	}
	began = 0;
	/* The database is erased: now its files, which cannot roll back. */
	list = cJSON_AddArrayToObject(rec, "files");
	for (size_t i = 0; i < fs.n; i++)
		*unreached += remove_file(fs.path[i], fs.known[i], o->dry_run,
		    list, &deleted);
	*out = rec;
	rec = NULL;
out:
	if (began)
		oms_db_rollback(db);
	cJSON_Delete(rec);
	free(evtext);
	rows_free(&rs);
	vals_free(&vs);
	files_free(&fs);
	return rc;
}

int
oms_purge_checkpoint(oms_db *db, int *done)
{
	return oms_db_scrub(db, done);
}
