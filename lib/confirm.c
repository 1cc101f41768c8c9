/*
 * confirm.c: tell each channel what has shipped.
 *
 * A confirmation format is data: confirmations/NAME.json on the search
 * path of the channel adapters.  "tsv" and "csv" formats write a row per
 * shipment line from their columns (split shipments so carry their own
 * quantities); "json" formats write a JSON line per shipment from their
 * template, in which a string "$name" is replaced by the shipment's value
 * of that name and an array holding one object is repeated for each line
 * of the shipment; "records" writes the shipment records.  The values:
 * order, shipment, external_id, channel, location, carrier, carrier_code
 * (the format's "carriers" map of the carrier's code), carrier_other (the
 * carrier's code when the map has none), service, service_name, tracking,
 * ship_date (YYYY-MM-DD), shipped_at, and for lines line_no, line_id,
 * sku, qty.  Shipments already confirmed to the channel are left out, and
 * so are voided ones; what a file carried is recorded once it has been
 * written and flushed.  A shipment voided after its channel was told
 * needs a correction: "records" writes the voided record, a "json" format
 * with a "void_template" fills that; any other is handed back to the
 * caller to name to the operator.  Either way it is said once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oms.h"
#include "ship.h"
#include "csvr.h"

struct conf {
	cJSON *doc;
	char *path;		/* the format's file, for messages */
	const char *format;
	const cJSON *columns, *preamble, *carriers, *tmpl, *void_tmpl;
	const cJSON *requires;
	cJSON *order;		/* the stored order of the shipment */
	char delim;
};

static int
load_format(const char *name, struct conf *c)
{
	struct oms_buf rel = { 0 };
	char *text, *path;
	int rc;

	memset(c, 0, sizeof *c);
	if (!oms_valid_name(name))
		return oms_reject("'%s' is not a confirmation format name", name);
	oms_buf_printf(&rel, "confirmations/%s.json", name);
	rc = oms_search_read(rel.s, &text, &path);
	oms_buf_free(&rel);
	if (rc == OMS_EOF)
		return oms_reject("no confirmation format '%s' (confirmations/"
		    "%s.json on the search path)", name, name);
	if (rc != OMS_OK)
		return rc;
	c->doc = cJSON_Parse(text);
	free(text);
	c->path = path;
	if (!cJSON_IsObject(c->doc))
		return oms_seterr("confirmation format '%s': not a JSON object",
		    path);
	c->format = oms_json_str(c->doc, "format");
	c->columns = cJSON_GetObjectItemCaseSensitive(c->doc, "columns");
	c->preamble = cJSON_GetObjectItemCaseSensitive(c->doc, "preamble");
	c->carriers = cJSON_GetObjectItemCaseSensitive(c->doc, "carriers");
	c->tmpl = cJSON_GetObjectItemCaseSensitive(c->doc, "template");
	c->void_tmpl = cJSON_GetObjectItemCaseSensitive(c->doc, "void_template");
	c->requires = cJSON_GetObjectItemCaseSensitive(c->doc, "requires");
	if (c->requires != NULL && !cJSON_IsArray(c->requires))
		return oms_seterr("confirmation format '%s': requires must be "
		    "an array", name);
	if (c->void_tmpl != NULL && !cJSON_IsObject(c->void_tmpl))
		return oms_seterr("confirmation format '%s': void_template must "
		    "be an object", name);
	if (c->format == NULL)
		return oms_seterr("confirmation format '%s' has no format", name);
	if (strcmp(c->format, "tsv") == 0 || strcmp(c->format, "csv") == 0) {
		c->delim = c->format[0] == 't' ? '\t' : ',';
		if (!cJSON_IsArray(c->columns))
			return oms_seterr("confirmation format '%s' has no "
			    "columns", name);
	} else if (strcmp(c->format, "json") == 0) {
		if (!cJSON_IsObject(c->tmpl))
			return oms_seterr("confirmation format '%s' has no "
			    "template", name);
	} else if (strcmp(c->format, "records") != 0)
		return oms_seterr("confirmation format '%s': format must be "
		    "tsv, csv, json or records", name);
	return OMS_OK;
}

/* A kit line whose kits this parcel does not complete: none to confirm. */
static int
unconfirmed(const cJSON *line)
{
	const cJSON *q = cJSON_GetObjectItemCaseSensitive(line, "qty");

	return cJSON_IsNumber(q) && q->valuedouble <= 0;
}

/* The value of name for a shipment (and one of its lines, when given). */
static cJSON *
value(const struct conf *c, const cJSON *s, const cJSON *line,
    const char *name)
{
	const char *code = oms_json_str(s, "carrier_code");
	const char *mapped = oms_json_str(c->carriers, code ? code : "");
	char date[11];

	if (strcmp(name, "order") == 0 || strcmp(name, "external_id") == 0 ||
	    strcmp(name, "channel") == 0 || strcmp(name, "location") == 0 ||
	    strcmp(name, "carrier") == 0 || strcmp(name, "service") == 0 ||
	    strcmp(name, "service_name") == 0 ||
	    strcmp(name, "tracking") == 0 || strcmp(name, "shipped_at") == 0) {
		const char *v = oms_json_str(s, name);

		return v ? cJSON_CreateString(v) : cJSON_CreateNull();
	}
	if (strcmp(name, "shipment") == 0)
		return cJSON_CreateString(oms_json_str(s, "id"));
	/* order.FIELD: a field of the order as it was imported. */
	if (strncmp(name, "order.", 6) == 0) {
		const cJSON *v = oms_json_path(c->order, name + 6);

		return cJSON_IsString(v) || cJSON_IsNumber(v) ?
		    cJSON_Duplicate(v, 1) : cJSON_CreateNull();
	}
	if (strcmp(name, "carrier_code") == 0)
		return cJSON_CreateString(mapped ? mapped : "Other");
	if (strcmp(name, "carrier_other") == 0)
		return cJSON_CreateString(mapped ? "" : code ? code : "");
	if (strcmp(name, "ship_date") == 0) {
		snprintf(date, sizeof date, "%.10s", oms_json_str(s, "shipped_at"));
		return cJSON_CreateString(date);
	}
	if (line != NULL && (strcmp(name, "line_id") == 0 ||
	    strcmp(name, "sku") == 0)) {
		const char *v = oms_json_str(line, name);

		return v ? cJSON_CreateString(v) : cJSON_CreateString("");
	}
	if (line != NULL && (strcmp(name, "qty") == 0 ||
	    strcmp(name, "line_no") == 0))
		return cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(line,
		    name), 1);
	return NULL;
}

/* The template filled for s; line is the line being repeated, if any. */
static cJSON *
fill(const struct conf *c, const cJSON *t, const cJSON *s, const cJSON *line)
{
	cJSON *out, *x;
	const cJSON *e;

	if (cJSON_IsString(t) && t->valuestring[0] == '$') {
		x = value(c, s, line, t->valuestring + 1);
		return x ? x : cJSON_CreateNull();
	}
	if (cJSON_IsArray(t) && cJSON_GetArraySize(t) == 1 &&
	    cJSON_IsObject(t->child)) {
		out = cJSON_CreateArray();
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(s, "lines"))
			if (!unconfirmed(e))
				cJSON_AddItemToArray(out, fill(c, t->child, s, e));
		return out;
	}
	if (cJSON_IsObject(t) || cJSON_IsArray(t)) {
		out = cJSON_IsObject(t) ? cJSON_CreateObject() : cJSON_CreateArray();
		cJSON_ArrayForEach(e, t) {
			x = fill(c, e, s, line);
			if (cJSON_IsObject(out))
				cJSON_AddItemToObject(out, e->string, x);
			else
				cJSON_AddItemToArray(out, x);
		}
		return out;
	}
	return cJSON_Duplicate(t, 1);
}

static void
write_rows(const struct conf *c, const cJSON *s, struct oms_buf *b)
{
	const cJSON *line, *col;

	cJSON_ArrayForEach(line, cJSON_GetObjectItemCaseSensitive(s, "lines")) {
		int first = 1;

		if (unconfirmed(line))
			continue;

		cJSON_ArrayForEach(col, c->columns) {
			const char *v = oms_json_str(col, "value");
			cJSON *x = v ? value(c, s, line, v) : NULL;
			char tmp[64];
			const char *text = "";

			if (cJSON_IsString(x))
				text = x->valuestring;
			else if (cJSON_IsNumber(x))
				text = oms_json_text(x, tmp, sizeof tmp);
			if (!first)
				oms_buf_addc(b, c->delim);
			first = 0;
			oms_csv_field(b, text, c->delim, c->delim == '\t' ? 0 : '"');
			cJSON_Delete(x);
		}
		oms_buf_addc(b, '\n');
	}
}

/* Whether value name of s (of each line, for a line's value) is empty. */
static int
lacks(const struct conf *c, const cJSON *s, const char *name)
{
	static const char *const per_line[] = { "line_id", "sku", "qty",
	    "line_no", NULL };
	const cJSON *line;
	int lines = 0, empty = 0;

	for (int i = 0; per_line[i] != NULL; i++)
		if (strcmp(name, per_line[i]) == 0)
			lines = 1;
	if (!lines) {
		cJSON *x = value(c, s, NULL, name);

		empty = x == NULL || cJSON_IsNull(x) || (cJSON_IsString(x) &&
		    x->valuestring[0] == '\0');
		cJSON_Delete(x);
		return empty;
	}
	cJSON_ArrayForEach(line, cJSON_GetObjectItemCaseSensitive(s, "lines")) {
		cJSON *x;

		if (unconfirmed(line))
			continue;
		x = value(c, s, line, name);
		if (x == NULL || cJSON_IsNull(x) || (cJSON_IsString(x) &&
		    x->valuestring[0] == '\0'))
			empty = 1;
		cJSON_Delete(x);
	}
	return empty;
}

/*
 * Whether s lacks values the channel requires, each counted in gaps
 * ({"format", "value", "what", "shipments"} each).
 */
static int
missing(const struct conf *c, const cJSON *s, cJSON *gaps)
{
	const cJSON *r, *g;
	int any = 0;

	cJSON_ArrayForEach(r, c->requires) {
		const char *v = oms_json_str(r, "value");
		cJSON *n;

		if (v == NULL || !lacks(c, s, v))
			continue;
		cJSON_ArrayForEach(g, gaps)
			if (strcmp(oms_json_str(g, "value"), v) == 0)
				break;
		if (g == NULL) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "format", c->path);
			cJSON_AddStringToObject(o, "value", v);
			cJSON_AddStringToObject(o, "what", oms_json_str(r,
			    "what") ? oms_json_str(r, "what") : v);
			cJSON_AddNumberToObject(o, "shipments", 0);
			cJSON_AddItemToArray(gaps, o);
			g = o;
		}
		n = cJSON_GetObjectItemCaseSensitive(g, "shipments");
		cJSON_SetNumberValue(n, n->valuedouble + 1);
		any = 1;
	}
	return any;
}

static int
record(oms_db *db, const char *channel, const int64_t *ids, size_t n,
    const int64_t *voids, size_t nv)
{
	static const char sql[] =
	    "INSERT INTO confirmations (shipment_id, channel, at) VALUES (?, ?, ?) "
	    "ON CONFLICT (shipment_id, channel) DO NOTHING";
	static const char sql_void[] =
	    "UPDATE confirmations SET corrected_at = ?3 "
	    "WHERE shipment_id = ?1 AND channel = ?2";
	char now[OMS_TIME_LEN];
	int rc;

	oms_time_now(now);
	if ((rc = oms_db_begin(db)) != OMS_OK)
		return rc;
	for (size_t i = 0; i < n + nv; i++) {
		oms_stmt *st = oms_db_stmt(db, i < n ? sql : sql_void);

		if (st == NULL) {
			oms_db_rollback(db);
			return OMS_ERR;
		}
		oms_bind_int64(st, 1, i < n ? ids[i] : voids[i - n]);
		oms_bind_text(st, 2, channel);
		oms_bind_text(st, 3, now);
		if ((rc = oms_db_step_done(db, st, "cannot record a confirmation"))
		    != OMS_OK) {
			oms_db_rollback(db);
			return rc;
		}
	}
	return oms_db_commit(db);
}

/*
 * Write channel's confirmation file to fp, in format (the channel's name
 * when NULL), for its shipments not yet confirmed, of one account when
 * account is not NULL; *n is how many.  Shipments voided after their
 * channel was told get a correction where the format has one; those it
 * has none for are added to *uncorrected (their records), for the caller
 * to name.  A shipment that lacks a value the format "requires" (what the
 * channel refuses an upload without) is left out, neither written nor
 * recorded, and counted in *gaps for the caller to say once.
 */
int
oms_confirm_write(oms_db *db, const char *channel, const char *account,
    const char *format, int dry_run, FILE *fp, long *n, cJSON **uncorrected,
    cJSON **gaps)
{
	static const char sql[] =
	    "SELECT s.id, s.record, s.status = 'voided', o.record "
	    "FROM shipments s "
	    "JOIN orders o ON o.id = s.order_id WHERE o.channel = ?1 "
	    "AND (CAST(?2 AS TEXT) IS NULL OR o.account = ?2) AND ((s.status "
	    "<> 'voided' "
	    "AND NOT EXISTS (SELECT 1 FROM confirmations c "
	    "WHERE c.shipment_id = s.id AND c.channel = o.channel)) OR "
	    "(s.status = 'voided' AND EXISTS (SELECT 1 FROM confirmations c "
	    "WHERE c.shipment_id = s.id AND c.channel = o.channel "
	    "AND c.corrected_at IS NULL))) ORDER BY s.id";
	static const char sql_accounts[] =
	    "SELECT group_concat(DISTINCT CASE WHEN account = '' THEN '(none)' "
	    "ELSE account END), count(DISTINCT account) FROM orders "
	    "WHERE channel = ?";
	struct conf c;
	struct oms_buf b = { 0 };
	oms_stmt *st;
	int64_t *ids = NULL, *voids = NULL;
	size_t nids = 0, nvoids = 0;
	int rc;
	const cJSON *x;

	*n = 0;
	*uncorrected = cJSON_CreateArray();
	*gaps = cJSON_CreateArray();
	/* One store's file: a channel of several needs --account. */
	if (account == NULL) {
		if ((st = oms_db_stmt(db, sql_accounts)) == NULL)
			return OMS_ERR;
		oms_bind_text(st, 1, channel);
		if ((rc = oms_step(st)) == OMS_ROW &&
		    oms_col_int(st, 1) > 1) {
			char names[512];

			snprintf(names, sizeof names, "%s",
			    oms_col_text(st, 0));
			oms_reset(st);
			return oms_reject("channel '%s' has orders of %s: name "
			    "one with --account", channel, names);
		}
		oms_reset(st);
		if (rc != OMS_ROW)
			return oms_db_fail(db, rc, "cannot read the orders");
	}
	if ((rc = load_format(format ? format : channel, &c)) != OMS_OK) {
		cJSON_Delete(c.doc);
		free(c.path);
		if (rc == OMS_REJECT && format == NULL)
			return oms_reject("no confirmation format for channel "
			    "'%s': name one with --format (jsonl writes the "
			    "shipment records)", channel);
		return rc;
	}
	cJSON_ArrayForEach(x, c.preamble)
		if (cJSON_IsString(x)) {
			oms_buf_adds(&b, x->valuestring);
			oms_buf_addc(&b, '\n');
		}
	if (c.delim != 0) {
		int first = 1;

		cJSON_ArrayForEach(x, c.columns) {
			if (!first)
				oms_buf_addc(&b, c.delim);
			first = 0;
			oms_csv_field(&b, oms_json_str(x, "name") ?
			    oms_json_str(x, "name") : "", c.delim,
			    c.delim == '\t' ? 0 : '"');
		}
		oms_buf_addc(&b, '\n');
	}
	if ((st = oms_db_stmt(db, sql)) == NULL) {
		rc = OMS_ERR;
		goto out;
	}
	oms_bind_text(st, 1, channel);
	if (account != NULL)
		oms_bind_text(st, 2, account);
	while ((rc = oms_step(st)) == OMS_ROW) {
		cJSON *s = cJSON_Parse(oms_col_text(st, 1));
		char *text;

		c.order = cJSON_Parse(oms_col_text(st, 3));
		if (oms_col_int(st, 2)) {
			/* Voided after the channel was told. */
			voids = erealloc(voids, (nvoids + 1) * sizeof *voids);
			voids[nvoids++] = oms_col_int64(st, 0);
			if (strcmp(c.format, "records") == 0 || c.void_tmpl) {
				cJSON *o = c.void_tmpl ? fill(&c, c.void_tmpl, s,
				    NULL) : cJSON_Duplicate(s, 1);

				text = oms_json_print(o);
				oms_buf_adds(&b, text);
				oms_buf_addc(&b, '\n');
				free(text);
				cJSON_Delete(o);
				cJSON_Delete(s);
			} else
				cJSON_AddItemToArray(*uncorrected, s);
			cJSON_Delete(c.order);
			continue;
		}
		if (missing(&c, s, *gaps)) {
			cJSON_Delete(s);
			cJSON_Delete(c.order);
			continue;
		}
		ids = erealloc(ids, (nids + 1) * sizeof *ids);
		ids[nids++] = oms_col_int64(st, 0);
		if (c.delim != 0)
			write_rows(&c, s, &b);
		else {
			cJSON *o = strcmp(c.format, "records") == 0 ?
			    cJSON_Duplicate(s, 1) : fill(&c, c.tmpl, s, NULL);

			text = oms_json_print(o);
			oms_buf_adds(&b, text);
			oms_buf_addc(&b, '\n');
			free(text);
			cJSON_Delete(o);
		}
		cJSON_Delete(s);
		cJSON_Delete(c.order);
	}
	oms_reset(st);
	if (rc != OMS_DONE) {
		rc = oms_db_fail(db, rc, "cannot read the shipments");
		goto out;
	}
	errno = 0;
	if ((b.len > 0 && fwrite(b.s, 1, b.len, fp) != b.len) ||
	    fflush(fp) == EOF || ferror(fp)) {
		rc = oms_seterr("write error: %s", strerror(errno ? errno : EIO));
		goto out;
	}
	*n = (long)nids;
	rc = dry_run ? OMS_OK : record(db, channel, ids, nids, voids, nvoids);
out:
	free(ids);
	free(voids);
	oms_buf_free(&b);
	cJSON_Delete(c.doc);
	free(c.path);
	return rc;
}
