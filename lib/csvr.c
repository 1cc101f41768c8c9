/*
 * csvr.c: rows of a CSV or TSV file with the line each starts on.
 *
 * libcsv does the quoting; we feed it one physical line at a time so that
 * every row knows its first line and its raw text (for --rejects).  A line
 * that is not UTF-8 is read as Windows-1252, a leading BOM is dropped, CRLF
 * and LF both end a line, and unquoted fields keep their spaces (the
 * mapping trims).  A quote left open at the end of the file marks the last
 * row as truncated instead of inventing its end.
 *
 * A field may hold at most OMS_CSV_FIELD_MAX bytes, a line or a row
 * OMS_CSV_ROW_MAX (oms-import(1)): past either the file is refused,
 * named by line and column, before it is all in memory.  The text is
 * handed to libcsv in blocks, so that a field too long is seen while it
 * is read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <csv.h>

#include "oms.h"

#define BLOCK 65536		/* bytes handed to libcsv at a time */

struct oms_csv_row;

struct oms_csv {
	FILE *fp;
	const char *name;
	struct csv_parser p;
	long line;		/* physical lines read */
	long start;		/* first line of the row being parsed */
	int open;		/* a row is under way */
	int cp1252;		/* some line was read as Windows-1252 */
	int eol;		/* '\n', or '\r' for a file of old Mac lines */
	int nul;		/* the row under way had a NUL byte */
	int longcol;		/* a finished field too long: its column */
	long longline;		/* and its row's first line */
	char *lbuf;
	size_t lcap;
	struct oms_buf conv;	/* a line re-encoded to UTF-8 */
	struct oms_buf raw;	/* raw text of the row under way */
	/* the row being built */
	struct oms_buf data;
	size_t *off;
	int nf, capf;
	/* finished rows, oldest first */
	struct oms_csv_row *q;
	int qn, qhead, qcap;
	/* the row handed out last */
	char **f;
	int fcap;
	int eof;
};

struct oms_csv_row {
	struct oms_buf data;
	struct oms_buf raw;
	size_t *off;
	int nf, capoff;
	long line;
	int truncated;
	int nul;
};

#include "csvr.h"

static int
no_space(unsigned char c)
{
	(void)c;
	return 0;
}

/*
 * Only the line end ends a row: libcsv's default also ends one at a bare
 * CR, which splits a row whose unquoted text holds a stray CR in two.
 */
static int
is_lf(unsigned char c)
{
	return c == '\n';
}

static int
is_cr(unsigned char c)
{
	return c == '\r';
}

static void
field_cb(void *s, size_t n, void *arg)
{
	struct oms_csv *c = arg;

	if (c->nf == c->capf) {
		c->capf = c->capf ? c->capf * 2 : 64;
		c->off = erealloc(c->off, (size_t)c->capf * sizeof *c->off);
	}
	c->off[c->nf++] = c->data.len;
	if (n > OMS_CSV_FIELD_MAX && c->longcol == 0) {
		c->longcol = c->nf;
		c->longline = c->start;
		n = 0;		/* refused anyway: keep no copy */
	}
	oms_buf_add(&c->data, s ? s : "", s ? n : 0);
	oms_buf_addc(&c->data, '\0');
}

static void
row_cb(int term, void *arg)
{
	struct oms_csv *c = arg;
	struct oms_csv_row *r;
	int slot;

	(void)term;
	if (c->qn == c->qcap) {
		/* Grow the queue, keeping its order. */
		struct oms_csv_row *nq;
		int ncap = c->qcap ? c->qcap * 2 : 4;

		nq = ecalloc((size_t)ncap, sizeof *nq);
		for (int i = 0; i < c->qcap; i++)
			nq[i] = c->q[(c->qhead + i) % c->qcap];
		free(c->q);
		c->q = nq;
		c->qcap = ncap;
		c->qhead = 0;
	}
	slot = (c->qhead + c->qn) % c->qcap;
	r = &c->q[slot];
	oms_buf_reset(&r->data);
	oms_buf_add(&r->data, c->data.s ? c->data.s : "", c->data.len);
	oms_buf_reset(&c->data);
	if (c->nf > r->capoff) {
		r->capoff = c->nf;
		r->off = erealloc(r->off, (size_t)r->capoff * sizeof *r->off);
	}
	if (c->nf > 0)
		memcpy(r->off, c->off, (size_t)c->nf * sizeof *r->off);
	r->nf = c->nf;
	c->nf = 0;
	oms_buf_reset(&r->raw);
	oms_buf_add(&r->raw, c->raw.s ? c->raw.s : "", c->raw.len);
	oms_buf_reset(&c->raw);
	r->line = c->start;
	r->truncated = 0;
	r->nul = c->nul;
	c->nul = 0;
	c->qn++;
	c->open = 0;
}

int
oms_csv_open(struct oms_csv **out, FILE *fp, const char *name, char delim,
    char quote, int cr_only)
{
	struct oms_csv *c = ecalloc(1, sizeof *c);

	if (csv_init(&c->p, 0) != 0) {
		free(c);
		return oms_seterr("cannot start the CSV parser");
	}
	csv_set_delim(&c->p, (unsigned char)delim);
	csv_set_quote(&c->p, (unsigned char)quote);
	csv_set_space_func(&c->p, no_space);
	c->eol = cr_only ? '\r' : '\n';
	csv_set_term_func(&c->p, cr_only ? is_cr : is_lf);
	c->fp = fp;
	c->name = name;
	*out = c;
	return OMS_OK;
}

static int
blank_line(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/*
 * getdelim, but no line past OMS_CSV_ROW_MAX bytes is kept: *over is set
 * and the rest of it left unread.
 */
static ssize_t
read_line(struct oms_csv *c, int *over)
{
	size_t n = 0;
	int ch = EOF;

	*over = 0;
	while ((ch = getc_unlocked(c->fp)) != EOF) {
		if (n + 2 > c->lcap) {
			c->lcap = c->lcap ? c->lcap * 2 : 256;
			c->lbuf = erealloc(c->lbuf, c->lcap);
		}
		c->lbuf[n++] = (char)ch;
		if (ch == c->eol)
			break;
		if (n > OMS_CSV_ROW_MAX) {
			*over = 1;
			break;
		}
	}
	if (n == 0)
		return -1;
	c->lbuf[n] = '\0';
	return (ssize_t)n;
}

static int
too_long(struct oms_csv *c, long line, int col)
{
	return oms_fail_at(OMS_E_INPUT, c->name, line, "column %d: a field "
	    "longer than %d bytes (1 MiB, the most a CSV field may hold); "
	    "nothing more is read from the file", col, OMS_CSV_FIELD_MAX);
}

/* Feed physical lines until a row is finished or the file ends. */
static int
fill(struct oms_csv *c)
{
	while (c->qn == 0 && !c->eof) {
		ssize_t len;
		char *s;
		size_t n;
		int over;

		errno = 0;
		len = read_line(c, &over);
		if (over)
			return oms_fail_at(OMS_E_INPUT, c->name, c->line + 1,
			    "a line longer than %d bytes (16 MiB, the most a "
			    "CSV line or row may hold); nothing more is read "
			    "from the file", OMS_CSV_ROW_MAX);
		if (len < 0) {
			if (ferror(c->fp))
				return oms_fail_at(OMS_E_OTHER, c->name, 0,
				    "read error: %s", strerror(errno));
			c->eof = 1;
			/* A row may be under way though a CR ended another. */
			if (c->open || c->p.pstate != 0) {
				long start = c->start;
				/* libcsv's FIELD_BEGUN inside quotes. */
				int cut = c->p.pstate == 2 && c->p.quoted;

				csv_fini(&c->p, field_cb, row_cb, c);
				if (c->longcol != 0)
					return too_long(c, c->longline,
					    c->longcol);
				if (c->qn > 0)
					c->q[(c->qhead + c->qn - 1) % c->qcap]
					    .truncated = cut;
				else
					return oms_fail_at(OMS_E_INPUT,
					    c->name, start, "the file ends "
					    "inside a quoted field");
			}
			break;
		}
		c->line++;
		s = c->lbuf;
		n = (size_t)len;
		if (c->line == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;
			n -= 3;
		}
		if (!oms_utf8_valid(s, n)) {
			oms_buf_reset(&c->conv);
			oms_utf8_repair(&c->conv, s, n);
			s = c->conv.s;
			n = c->conv.len;
			c->cp1252 = 1;
		}
		/* CRLF is one line end; the row ends at the LF. */
		if (c->eol == '\n' && n >= 2 && s[n - 2] == '\r' &&
		    s[n - 1] == '\n') {
			s[n - 2] = '\n';
			n--;
		}
		/*
		 * A NUL would cut the field short, and with no quote
		 * character (TSV) libcsv takes it for a quote and reads the
		 * rest of the file as one field: mark the row and go on.
		 */
		for (char *z = memchr(s, '\0', n); z != NULL;
		    z = memchr(z, '\0', n - (size_t)(z - s))) {
			*z = '?';
			c->nul = 1;
		}
		if (!c->open) {
			if (blank_line(s, n))
				continue;
			c->start = c->line;
		}
		if (c->raw.len + n > OMS_CSV_ROW_MAX)
			return oms_fail_at(OMS_E_INPUT, c->name, c->start,
			    "a row longer than %d bytes (16 MiB, the most a "
			    "CSV line or row may hold); nothing more is read "
			    "from the file", OMS_CSV_ROW_MAX);
		oms_buf_add(&c->raw, s, n);
		c->open = 1;
		for (size_t off = 0; off < n; ) {
			size_t k = n - off < BLOCK ? n - off : BLOCK;

			if (csv_parse(&c->p, s + off, k, field_cb, row_cb,
			    c) != k)
				return oms_fail_at(OMS_E_INPUT, c->name,
				    c->line, "%s",
				    csv_strerror(csv_error(&c->p)));
			off += k;
			if (c->longcol != 0)
				return too_long(c, c->longline, c->longcol);
			/* The field under way: its column is the next. */
			if (c->p.entry_pos > OMS_CSV_FIELD_MAX)
				return too_long(c, c->start, c->nf + 1);
		}
		/* A line ending inside quotes leaves the row open. */
	}
	return OMS_OK;
}

int
oms_csv_next(struct oms_csv *c, struct oms_csv_rowv *out)
{
	struct oms_csv_row *r;
	int rc;

	if ((rc = fill(c)) != OMS_OK)
		return rc;
	if (c->qn == 0)
		return OMS_EOF;
	r = &c->q[c->qhead];
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qn--;
	if (r->nf > c->fcap) {
		c->fcap = r->nf * 2;
		c->f = erealloc(c->f, (size_t)c->fcap * sizeof *c->f);
	}
	for (int i = 0; i < r->nf; i++)
		c->f[i] = r->data.s + r->off[i];
	out->f = c->f;
	out->nf = r->nf;
	out->line = r->line;
	out->raw = r->raw.s ? r->raw.s : "";
	out->rawlen = r->raw.len;
	out->truncated = r->truncated;
	out->nul = r->nul;
	return OMS_OK;
}

int
oms_csv_was_cp1252(const struct oms_csv *c)
{
	return c->cp1252;
}

long
oms_csv_line(const struct oms_csv *c)
{
	return c->line;
}

void
oms_csv_close(struct oms_csv *c)
{
	if (c == NULL)
		return;
	csv_free(&c->p);
	free(c->lbuf);
	oms_buf_free(&c->conv);
	oms_buf_free(&c->raw);
	oms_buf_free(&c->data);
	free(c->off);
	for (int i = 0; i < c->qcap; i++) {
		oms_buf_free(&c->q[i].data);
		oms_buf_free(&c->q[i].raw);
		free(c->q[i].off);
	}
	free(c->q);
	free(c->f);
	free(c);
}

/*
 * Append one field of a delimited file: quoted (RFC 4180) when it holds
 * the delimiter, the quote, a line end, or space at either end; with no
 * quote character (TSV), a delimiter or line end becomes a space, since
 * nothing could protect it.
 */
void
oms_csv_field(struct oms_buf *out, const char *s, char delim, char quote)
{
	size_t n = strlen(s);

	if (quote == '\0') {
		for (; *s; s++)
			oms_buf_addc(out, *s == delim || *s == '\r' ||
			    *s == '\n' ? ' ' : *s);
		return;
	}
	if (strchr(s, delim) == NULL && strchr(s, quote) == NULL &&
	    strpbrk(s, "\r\n") == NULL && (n == 0 || (s[0] != ' ' &&
	    s[n - 1] != ' '))) {
		oms_buf_add(out, s, n);
		return;
	}
	oms_buf_addc(out, quote);
	for (; *s; s++) {
		if (*s == quote)
			oms_buf_addc(out, quote);
		oms_buf_addc(out, *s);
	}
	oms_buf_addc(out, quote);
}
