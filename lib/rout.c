/*
 * rout.c: what every report shares (report.h): the request's periods,
 * days and instants in the merchant's zone, and the writing of rows as
 * JSON lines, an aligned table or CSV.
 *
 * JSON lines stream, a row as it comes.  A table and CSV need every
 * column before the first row, so their rows are kept until the end;
 * the columns are every key the rows have, in the order first seen.
 * Text bound for a terminal has its control characters shown as '?'
 * (a customer's name is not allowed to move the cursor), and a CSV cell
 * that a spreadsheet would take for a formula (=, +, -, @ at the start
 * of text that is not a number) is led by a quote mark.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

const char *
oms_rq_arg(const struct oms_rq *q, const char *name)
{
	return q->args ? oms_json_str(q->args, name) : NULL;
}

int
oms_rq_period_valid(const char *by)
{
	return by != NULL && (strcmp(by, "day") == 0 ||
	    strcmp(by, "week") == 0 || strcmp(by, "month") == 0 ||
	    strcmp(by, "all") == 0);
}

void
oms_rq_period_mods(const char *by, const char **m1, const char **m2)
{
	*m1 = *m2 = "+0 days";
	if (by == NULL)
		return;
	if (strcmp(by, "week") == 0) {
		/* the Sunday that ends the week, then its Monday */
		*m1 = "weekday 0";
		*m2 = "-6 days";
	} else if (strcmp(by, "month") == 0)
		*m1 = "start of month";
}

/*
 * SQLite's 'localtime' is the zone of the process: set it once, before
 * the first statement that needs it.
 */
int
oms_rq_zone(const char *tz)
{
	if (!oms_tz_valid(tz))
		return oms_fail(OMS_E_USAGE, "unknown time zone '%s'", tz);
	if (setenv("TZ", tz, 1) != 0)
		return oms_fail(OMS_E_OTHER, "cannot set the time zone");
	tzset();
	return OMS_OK;
}

int
oms_rq_instant(const char *s, const char *tz, int end,
    char out[OMS_TIME_LEN])
{
	size_t n = strlen(s);
	int64_t e;

	if (oms_time_parse_day(s, 0, tz, tz, out) != OMS_OK)
		return oms_fail(OMS_E_USAGE, "'%s' is not a day or a time "
		    "(2026-11-30 or 2026-11-30T14:00:00Z)", s);
	if (end && n == 10) {
		/* the next midnight, which a change of offset may move */
		char next[48];
		struct tm tm;

		if (oms_time_to_epoch(out, &e) != OMS_OK ||
		    oms_time_local(e + 36 * 3600, tz, &tm) != OMS_OK)
			return OMS_ERR;
		if (tm.tm_year + 1900 > 9999)
			return oms_fail(OMS_E_USAGE, "'%s' is the last day "
			    "there is: leave it out", s);
		snprintf(next, sizeof next, "%04d-%02d-%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday);
		if (oms_time_parse_day(next, 0, tz, tz, out) != OMS_OK)
			return OMS_ERR;
	}
	return OMS_OK;
}

void
oms_row_money(cJSON *row, const char *key, int64_t v, const char *currency)
{
	char buf[OMS_MONEY_BUFSZ];

	cJSON_AddStringToObject(row, key, oms_money_format(v,
	    oms_currency_exponent(currency), buf, sizeof buf));
}

/* num / den to four places, or null when there is nothing to divide. */
void
oms_row_rate(cJSON *row, const char *key, double num, double den)
{
	if (den <= 0) {
		cJSON_AddNullToObject(row, key);
		return;
	}
	cJSON_AddNumberToObject(row, key, round(num / den * 10000) / 10000);
}

struct oms_rout {
	FILE *fp;
	enum oms_rfmt fmt;
	long n;
	cJSON *rows;		/* table and CSV: every row */
	char **cols;
	size_t ncols, capcols;
};

struct oms_rout *
oms_rout_open(FILE *fp, enum oms_rfmt fmt)
{
	struct oms_rout *o = ecalloc(1, sizeof *o);

	o->fp = fp;
	o->fmt = fmt;
	if (fmt != OMS_RFMT_JSON)
		o->rows = cJSON_CreateArray();
	return o;
}

long
oms_rout_count(const struct oms_rout *o)
{
	return o->n;
}

static void
add_col(struct oms_rout *o, const char *name)
{
	for (size_t i = 0; i < o->ncols; i++)
		if (strcmp(o->cols[i], name) == 0)
			return;
	if (o->ncols == o->capcols) {
		o->capcols = o->capcols ? o->capcols * 2 : 16;
		o->cols = erealloc(o->cols, o->capcols * sizeof *o->cols);
	}
	o->cols[o->ncols++] = estrdup(name);
}

int
oms_rout_rec(void *arg, const cJSON *rec)
{
	struct oms_rout *o = arg;
	const cJSON *f;

	o->n++;
	if (o->fmt == OMS_RFMT_JSON)
		return oms_rec_write(o->fp, rec);
	cJSON_ArrayForEach(f, rec)
		add_col(o, f->string);
	cJSON_AddItemToArray(o->rows, cJSON_Duplicate(rec, 1));
	return OMS_OK;
}

/* A cell's text, as JSON would give it without quotes. */
static void
cell(const cJSON *v, struct oms_buf *b)
{
	char *s;

	oms_buf_reset(b);
	if (v == NULL || cJSON_IsNull(v))
		return;
	if (cJSON_IsString(v)) {
		oms_buf_adds(b, v->valuestring);
		return;
	}
	if (cJSON_IsTrue(v) || cJSON_IsFalse(v)) {
		oms_buf_adds(b, cJSON_IsTrue(v) ? "true" : "false");
		return;
	}
	if ((s = oms_json_print(v)) == NULL)
		oms_die(OMS_EXIT_FATAL, "out of memory");
	oms_buf_adds(b, s);
	free(s);
}

/*
 * The columns a code point takes at a terminal: two for the wide East
 * Asian scripts (Unicode's East Asian Width W and F, by block), none for
 * combining marks, one for the rest.
 */
static int
cp_width(unsigned long c)
{
	if ((c >= 0x0300 && c <= 0x036f) || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0xfe00 && c <= 0xfe0f))
		return 0;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0x303e) ||
	    (c >= 0x3041 && c <= 0x33ff) || (c >= 0x3400 && c <= 0x4dbf) ||
	    (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xa000 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

/*
 * Text as a terminal should get it, and the columns it takes: control
 * characters (C0, DEL, C1) as '?', so a record cannot move the cursor.
 */
static size_t
term_text(const char *s, struct oms_buf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;

	oms_buf_reset(out);
	while (*p) {
		unsigned long c = *p;
		int n = 1;

		if (c >= 0xf0 && (p[1] & 0xc0) == 0x80 &&
		    (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80) {
			c = (c & 0x07) << 18 | (p[1] & 0x3ful) << 12 |
			    (p[2] & 0x3ful) << 6 | (p[3] & 0x3f);
			n = 4;
		} else if (c >= 0xe0 && (p[1] & 0xc0) == 0x80 &&
		    (p[2] & 0xc0) == 0x80) {
			c = (c & 0x0f) << 12 | (p[1] & 0x3ful) << 6 |
			    (p[2] & 0x3f);
			n = 3;
		} else if (c >= 0xc0 && (p[1] & 0xc0) == 0x80) {
			c = (c & 0x1f) << 6 | (p[1] & 0x3f);
			n = 2;
		}
		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
			oms_buf_addc(out, '?');
			w++;
		} else {
			oms_buf_add(out, (const char *)p, (size_t)n);
			w += (size_t)cp_width(c);
		}
		p += n;
	}
	return w;
}

static int
numeric(const cJSON *v)
{
	const char *s;

	if (cJSON_IsNumber(v))
		return 1;
	if (!cJSON_IsString(v))
		return 0;
	s = v->valuestring;
	if (*s == '-')
		s++;
	if (!isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && *s != '.')
			return 0;
	return 1;
}

static void
pad(struct oms_buf *line, size_t n)
{
	while (n-- > 0)
		oms_buf_addc(line, ' ');
}

/* One line of the table, without the spaces that would end it. */
static void
put_line(FILE *fp, struct oms_buf *line)
{
	while (line->len > 0 && line->s[line->len - 1] == ' ')
		line->len--;
	fwrite(line->s ? line->s : "", 1, line->len, fp);
	putc('\n', fp);
	oms_buf_reset(line);
}

/* The cell of column i in row r, padded to width w: numbers right. */
static void
put_cell(struct oms_buf *line, const cJSON *v, size_t w, struct oms_buf *b,
    struct oms_buf *t)
{
	size_t n;

	cell(v, b);
	n = term_text(b->len ? b->s : "", t);
	if (numeric(v))
		pad(line, w - n);
	oms_buf_add(line, t->s ? t->s : "", t->len);
	if (!numeric(v))
		pad(line, w - n);
	oms_buf_adds(line, "  ");
}

static int
write_table(struct oms_rout *o)
{
	size_t *w = ecalloc(o->ncols ? o->ncols : 1, sizeof *w);
	struct oms_buf b = { 0 }, t = { 0 }, line = { 0 };
	const cJSON *r;

	for (size_t i = 0; i < o->ncols; i++)
		w[i] = term_text(o->cols[i], &t);
	cJSON_ArrayForEach(r, o->rows)
		for (size_t i = 0; i < o->ncols; i++) {
			size_t n;

			cell(cJSON_GetObjectItemCaseSensitive(r, o->cols[i]),
			    &b);
			n = term_text(b.len ? b.s : "", &t);
			if (n > w[i])
				w[i] = n;
		}
	if (o->ncols) {
		for (size_t i = 0; i < o->ncols; i++) {
			size_t n = term_text(o->cols[i], &t);

			oms_buf_add(&line, t.s ? t.s : "", t.len);
			pad(&line, w[i] - n + 2);
		}
		put_line(o->fp, &line);
	}
	cJSON_ArrayForEach(r, o->rows) {
		for (size_t i = 0; i < o->ncols; i++)
			put_cell(&line, cJSON_GetObjectItemCaseSensitive(r,
			    o->cols[i]), w[i], &b, &t);
		put_line(o->fp, &line);
	}
	oms_buf_free(&b);
	oms_buf_free(&t);
	oms_buf_free(&line);
	free(w);
	return OMS_OK;
}

static void
csv_cell(FILE *fp, const cJSON *v, const char *s)
{
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	int formula = cJSON_IsString(v) && !numeric(v) &&
	    strchr("=+-@\t\r", *s) != NULL && *s != '\0';

	if (!quote && !formula) {
		fputs(s, fp);
		return;
	}
	putc('"', fp);
	if (formula)
		putc('\'', fp);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', fp);
		putc(*s, fp);
	}
	putc('"', fp);
}

static int
write_csv(struct oms_rout *o)
{
	struct oms_buf b = { 0 };
	const cJSON *r;

	for (size_t i = 0; i < o->ncols; i++) {
		if (i)
			putc(',', o->fp);
		csv_cell(o->fp, NULL, o->cols[i]);
	}
	if (o->ncols)
		fputs("\r\n", o->fp);
	cJSON_ArrayForEach(r, o->rows) {
		for (size_t i = 0; i < o->ncols; i++) {
			const cJSON *v =
			    cJSON_GetObjectItemCaseSensitive(r, o->cols[i]);

			if (i)
				putc(',', o->fp);
			cell(v, &b);
			csv_cell(o->fp, v, b.len ? b.s : "");
		}
		fputs("\r\n", o->fp);
	}
	oms_buf_free(&b);
	return OMS_OK;
}

/* Writes what was kept; the stream is left open for the caller. */
int
oms_rout_close(struct oms_rout *o)
{
	int rc = OMS_OK;

	if (o == NULL)
		return OMS_OK;
	if (o->fmt == OMS_RFMT_TABLE)
		rc = write_table(o);
	else if (o->fmt == OMS_RFMT_CSV)
		rc = write_csv(o);
	for (size_t i = 0; i < o->ncols; i++)
		free(o->cols[i]);
	free(o->cols);
	cJSON_Delete(o->rows);
	free(o);
	if (rc == OMS_OK)
		rc = oms_rec_flush(stdout);
	return rc;
}
