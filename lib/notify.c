/*
 * notify.c: tell customers their parcels have shipped, and arrived.
 *
 * A message goes once for each shipment when it ships and once when it is
 * delivered, to the order's customer email.  Without a mail directory it
 * is a JSON line for a webhook sender; with one, an RFC 5322 message in a
 * file of its own (DIR/s_N-shipped.eml, mode 0600: it holds an email),
 * UTF-8 text in 8 bits and the subject in RFC 2047 when it is not ASCII,
 * lines ending in LF as `sendmail -t < FILE` expects, none past 998
 * octets.  File names come from shipment ids alone.
 * What went is recorded after it has been written.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "oms.h"
#include "ship.h"

static void subject_word(struct oms_buf *b, const unsigned char *p,
    size_t n);

/*
 * No line of a message may pass 998 octets (RFC 5322 2.1.1), and should
 * not pass 78.  A header is folded at its spaces; a header that cannot
 * be folded so, a subject with a word too long, is sent in RFC 2047
 * encoded words, which can be split anywhere; a body with a line too long
 * goes quoted-printable.  Nothing is cut.
 */
#define LINE_SOFT 78
#define WORD_MAX 900

/* The longest run of bytes without a space in s. */
static size_t
longest_word(const char *s)
{
	size_t n = 0, best = 0;

	for (; *s != '\0'; s++)
		if (*s == ' ') {
			n = 0;
		} else if (++n > best)
			best = n;
	return best;
}

/* "Name: value", folded at the spaces of value past LINE_SOFT. */
static void
header(struct oms_buf *b, const char *name, const char *value)
{
	size_t col = strlen(name) + 2;
	const char *w = value;

	oms_buf_printf(b, "%s: ", name);
	while (*w != '\0') {
		const char *e = strchr(w, ' ');
		size_t n = e ? (size_t)(e - w) : strlen(w);

		if (w != value) {
			if (n > 0 && col + 1 + n > LINE_SOFT) {
				oms_buf_adds(b, "\n");
				col = 0;
			}
			oms_buf_addc(b, ' ');
			col++;
		}
		oms_buf_add(b, w, n);
		col += n;
		w += n;
		if (*w == ' ')
			w++;
	}
	oms_buf_addc(b, '\n');
}

/*
 * The subject: folded ASCII when it can be, else in RFC 2047 encoded
 * words (not ASCII, a control character, a word too long to fold).
 */
static void
subject(struct oms_buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i;
	int ascii = 1;

	for (i = 0; i < n; i++)
		if (p[i] >= 0x80 || p[i] < 0x20)
			ascii = 0;
	if (ascii && longest_word(s) <= WORD_MAX) {
		header(b, "Subject", s);
		return;
	}
	oms_buf_adds(b, "Subject: ");
	/*
	 * Encoded words of at most 75 characters (RFC 2047): 42 bytes each,
	 * 56 in base64, 68 with the rest, so that even the first line keeps
	 * to 78; never splitting a UTF-8 sequence.
	 */
	while (n > 42) {
		size_t k = 42;

		while (k > 0 && (p[k] & 0xc0) == 0x80)
			k--;
		if (k == 0)	/* not UTF-8 at all: cut anywhere */
			k = 42;
		subject_word(b, p, k);
		oms_buf_adds(b, "\n ");
		p += k;
		n -= k;
	}
	subject_word(b, p, n);
	oms_buf_addc(b, '\n');
}

static void
subject_word(struct oms_buf *b, const unsigned char *p, size_t n)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	oms_buf_adds(b, "=?UTF-8?B?");
	for (i = 0; i + 2 < n; i += 3) {
		oms_buf_addc(b, b64[p[i] >> 2]);
		oms_buf_addc(b, b64[(p[i] & 3) << 4 | p[i + 1] >> 4]);
		oms_buf_addc(b, b64[(p[i + 1] & 15) << 2 | p[i + 2] >> 6]);
		oms_buf_addc(b, b64[p[i + 2] & 63]);
	}
	if (i < n) {
		oms_buf_addc(b, b64[p[i] >> 2]);
		if (i + 1 < n) {
			oms_buf_addc(b, b64[(p[i] & 3) << 4 | p[i + 1] >> 4]);
			oms_buf_addc(b, b64[(p[i + 1] & 15) << 2]);
		} else {
			oms_buf_addc(b, b64[(p[i] & 3) << 4]);
			oms_buf_addc(b, '=');
		}
		oms_buf_addc(b, '=');
	}
	oms_buf_adds(b, "?=");
}

/* A header value of record text: no line breaks can get in. */
static char *
header_text(const char *s)
{
	char *t = estrdup(s);

	for (char *p = t; *p != '\0'; p++)
		if (*p == '\r' || *p == '\n' || *p == '\t')
			*p = ' ';
	return t;
}

/* A line of the body longer than a message may carry. */
static int
long_line(const char *s)
{
	const char *e;

	for (; (e = strchr(s, '\n')) != NULL; s = e + 1)
		if ((size_t)(e - s) > 998)
			return 1;
	return strlen(s) > 998;
}

/*
 * The body quoted-printable (RFC 2045 6.7): lines of at most 76
 * characters, soft breaks "=" at the end, never splitting an "=XX".
 */
static void
quoted_printable(struct oms_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char enc[4];
		size_t n;

		if (*p == '\n') {
			oms_buf_addc(b, '\n');
			col = 0;
			continue;
		}
		if ((*p >= 33 && *p <= 126 && *p != '=') ||
		    (*p == ' ' && p[1] != '\n' && p[1] != '\0')) {
			enc[0] = (char)*p;
			n = 1;
		} else {
			enc[0] = '=';
			enc[1] = hex[*p >> 4];
			enc[2] = hex[*p & 15];
			n = 3;
		}
		if (col + n > 75) {
			oms_buf_adds(b, "=\n");
			col = 0;
		}
		oms_buf_add(b, enc, n);
		col += n;
	}
}

/* An address fit for To: nothing but the address, or NULL. */
static int
plain_address(const char *s)
{
	const char *at = strchr(s, '@');

	/* RFC 5321 4.5.3.1: a path of 256 octets, <> and all. */
	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@') ||
	    strlen(s) > 254)
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= ' ' || strchr("<>()[],;:\"\\", *s))
			return 0;
	return 1;
}

static void
body(struct oms_buf *b, const cJSON *ship, const char *event,
    const char *ext)
{
	const cJSON *l, *p;

	if (strcmp(event, "shipped") == 0)
		oms_buf_printf(b, "Your order %s is on its way.\n\n", ext);
	else
		oms_buf_printf(b, "Your order %s has been delivered.\n\n", ext);
	oms_buf_printf(b, "Carrier: %s\n", oms_json_str(ship, "service_name") ?
	    oms_json_str(ship, "service_name") : oms_json_str(ship, "service"));
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(ship, "packages"))
		oms_buf_printf(b, "Tracking number: %s\n", oms_json_str(p,
		    "tracking"));
	oms_buf_adds(b, "\nIn this parcel:\n");
	cJSON_ArrayForEach(l, cJSON_GetObjectItemCaseSensitive(ship, "lines")) {
		int64_t q = 0;

		oms_json_int(l, "qty", &q);
		oms_buf_printf(b, "  %lld x %s\n", (long long)q,
		    oms_json_str(l, "sku"));
	}
}

static int
write_mail(const char *dir, const char *name, const char *from,
    const char *to, const char *subj, const char *text, const char *msgid)
{
	struct oms_buf m = { 0 }, path = { 0 };
	char date[64], *f;
	int64_t e;
	int qp;
	time_t t;
	struct tm tm;
	int rc;
	char now[OMS_TIME_LEN];

	oms_time_now(now);
	oms_time_to_epoch(now, &e);
	t = (time_t)e;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	f = header_text(from);
	header(&m, "From", f);
	free(f);
	header(&m, "To", to);
	subject(&m, subj);
	qp = long_line(text);
	oms_buf_printf(&m, "Date: %s\nMessage-ID: <%s>\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=UTF-8\n"
	    "Content-Transfer-Encoding: %s\n\n", date, msgid,
	    qp ? "quoted-printable" : "8bit");
	if (qp)
		quoted_printable(&m, text);
	else
		oms_buf_adds(&m, text);
	oms_buf_printf(&path, "%s/%s", dir, name);
	rc = oms_write_file(path.s, m.s, m.len);
	oms_buf_free(&m);
	oms_buf_free(&path);
	return rc;
}

static int
record(oms_db *db, int64_t id, const char *event)
{
	static const char sql[] =
	    "INSERT INTO notifications (shipment_id, event, at) VALUES (?, ?, ?) "
	    "ON CONFLICT (shipment_id, event) DO NOTHING";
	oms_stmt *st = oms_db_stmt(db, sql);
	char now[OMS_TIME_LEN];
	int rc;

	if (st == NULL)
		return OMS_ERR;
	oms_time_now(now);
	oms_bind_int64(st, 1, id);
	oms_bind_static(st, 2, event);
	oms_bind_text(st, 3, now);
	if ((rc = oms_db_begin(db)) != OMS_OK)
		return rc;
	if ((rc = oms_db_step_done(db, st, "cannot record a message")) != OMS_OK) {
		oms_db_rollback(db);
		return rc;
	}
	return oms_db_commit(db);
}

/*
 * Each message due; with maildir an .eml file each, else fn gets a
 * notification record.  *no_email counts those whose order has no
 * address (they stay due).
 */
int
oms_notify(oms_db *db, const char *maildir, const char *from, oms_rec_fn fn,
    void *arg, long *sent, long *no_email)
{
	static const char sql[] =
	    "SELECT s.id, e.event, o.customer_email, o.external_id, s.record "
	    "FROM shipments s JOIN orders o ON o.id = s.order_id "
	    "CROSS JOIN (SELECT 'shipped' AS event UNION ALL SELECT "
	    "'delivered') "
	    "AS e "
	    "WHERE (e.event = 'shipped' OR s.status = 'delivered') "
	    "AND s.status <> 'voided' "
	    "AND NOT EXISTS (SELECT 1 FROM notifications n "
	    "  WHERE n.shipment_id = s.id AND n.event = e.event) "
	    "ORDER BY s.id, e.event DESC";
	struct due { int64_t id; char *event, *to, *ext, *rec; } *d = NULL;
	oms_stmt *st = oms_db_stmt(db, sql);
	size_t n = 0;
	int rc, r = OMS_OK;

	*sent = *no_email = 0;
	if (maildir != NULL && longest_word(from) > WORD_MAX)
		return oms_fail(OMS_E_USAGE, "--from: more than %d bytes "
		    "without a space cannot go in a mail header", WORD_MAX);
	if (st == NULL)
		return OMS_ERR;
	while ((rc = oms_step(st)) == OMS_ROW) {
		d = erealloc(d, (n + 1) * sizeof *d);
		d[n].id = oms_col_int64(st, 0);
		d[n].event = estrdup(oms_col_text(st, 1));
		d[n].to = oms_col_text(st, 2) ? estrdup(oms_col_text(st, 2)) : NULL;
		d[n].ext = estrdup(oms_col_text(st, 3));
		d[n].rec = estrdup(oms_col_text(st, 4));
		n++;
	}
	oms_reset(st);
	if (rc != OMS_DONE)
		r = oms_db_fail(db, rc, "cannot read the shipments");
	for (size_t i = 0; i < n; i++) {
		struct oms_buf subj = { 0 }, text = { 0 }, name = { 0 };
		cJSON *ship = cJSON_Parse(d[i].rec);
		char ref[32], msgid[96];

		snprintf(ref, sizeof ref, "s_%lld", (long long)d[i].id);
		if (r != OMS_OK)
			goto next;
		if (d[i].to == NULL || !plain_address(d[i].to)) {
			(*no_email)++;
			goto next;
		}
		oms_buf_printf(&subj, "Your order %s %s", d[i].ext,
		    strcmp(d[i].event, "shipped") == 0 ? "has shipped" :
		    "has been delivered");
		body(&text, ship, d[i].event, d[i].ext);
		if (maildir != NULL) {
			oms_buf_printf(&name, "%s-%s.eml", ref, d[i].event);
			snprintf(msgid, sizeof msgid, "%s-%s.%s@oms", ref,
			    d[i].event, oms_json_str(ship, "request_id") ?
			    oms_json_str(ship, "request_id") : "0");
			r = write_mail(maildir, name.s, from, d[i].to, subj.s,
			    text.s, msgid);
		} else {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "type", "notification");
			cJSON_AddStringToObject(o, "event", d[i].event);
			cJSON_AddStringToObject(o, "shipment", ref);
			cJSON_AddStringToObject(o, "order", oms_json_str(ship,
			    "order"));
			cJSON_AddStringToObject(o, "to", d[i].to);
			cJSON_AddStringToObject(o, "subject", subj.s);
			cJSON_AddStringToObject(o, "text", text.s);
			r = fn(arg, o);
			cJSON_Delete(o);
		}
		if (r == OMS_OK)
			r = record(db, d[i].id, d[i].event);
		if (r == OMS_OK)
			(*sent)++;
next:
		oms_buf_free(&subj);
		oms_buf_free(&text);
		oms_buf_free(&name);
		cJSON_Delete(ship);
		free(d[i].event);
		free(d[i].to);
		free(d[i].ext);
		free(d[i].rec);
	}
	free(d);
	return r;
}
