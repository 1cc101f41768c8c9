/*
 * csv.c: the CSV row reader, lib/csvr.c.
 *
 * The first byte picks the dialect (comma, semicolon, pipe or tab, with
 * or without a quote; lines ended by LF or by CR alone); the rest is the
 * file.  Properties: rows come in order of their first line, never past
 * the lines read; every field is UTF-8 (a line that is not is read as
 * Windows-1252); and a row written back with oms_csv_field reads back as
 * the same fields.
 */
#include "fuzz.h"
#include "csvr.h"

static const struct {
	char delim, quote;
} dialects[] = {
	{ ',', '"' }, { ';', '"' }, { '|', '"' }, { '\t', '\0' },
	{ '\t', '"' }, { ',', '\'' }, { ',', '"' }, { ';', '"' },
};

/* A row the writer cannot give back as it was read: skip the check. */
static int
unwritable(const struct oms_csv_rowv *r, int cr_only)
{
	if (r->nul || r->truncated)
		return 1;
	/* One empty field is a blank line, which the reader skips. */
	if (r->nf == 1 && r->f[0][0] == '\0')
		return 1;
	/* A BOM at the start of the file is dropped when read again. */
	if (r->nf > 0 && strncmp(r->f[0], "\xef\xbb\xbf", 3) == 0)
		return 1;
	/* CR LF in a quoted field is read as LF: the reader's rule. */
	for (int i = 0; i < r->nf && !cr_only; i++)
		if (strstr(r->f[i], "\r\n") != NULL)
			return 1;
	return 0;
}

static void
write_back(const struct oms_csv_rowv *r, char delim, char quote, int cr_only)
{
	struct oms_buf b = { 0 };
	struct oms_csv_rowv again;
	struct oms_csv *c;
	FILE *fp;
	int rc;

	for (int i = 0; i < r->nf; i++) {
		if (i > 0)
			oms_buf_addc(&b, delim);
		oms_csv_field(&b, r->f[i], delim, quote);
	}
	oms_buf_addc(&b, cr_only ? '\r' : '\n');
	fp = fmemopen(b.s, b.len, "r");
	FUZZ_CHECK(fp != NULL, "fmemopen");
	FUZZ_CHECK(oms_csv_open(&c, fp, "again", delim, quote, cr_only) ==
	    OMS_OK, "open");
	rc = oms_csv_next(c, &again);
	FUZZ_CHECK(rc == OMS_OK, "row of line %ld written as '%s' is not read "
	    "back: %s", r->line, b.s, oms_error());
	FUZZ_CHECK(again.nf == r->nf, "row of line %ld: %d fields, %d when "
	    "written as '%s'", r->line, r->nf, again.nf, b.s);
	for (int i = 0; i < r->nf; i++)
		FUZZ_CHECK(strcmp(again.f[i], r->f[i]) == 0, "row of line %ld, "
		    "field %d: '%s', then '%s' when written as '%s'", r->line,
		    i + 1, r->f[i], again.f[i], b.s);
	FUZZ_CHECK(oms_csv_next(c, &again) == OMS_EOF, "'%s' is two rows",
	    b.s);
	oms_csv_close(c);
	fclose(fp);
	oms_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oms_csv_rowv r;
	struct oms_csv *c;
	char delim, quote;
	int cr_only, rc, n = 0;
	long last = 0;
	FILE *fp;

	if (size < 2)
		return 0;
	delim = dialects[data[0] & 7].delim;
	quote = dialects[data[0] & 7].quote;
	cr_only = (data[0] & 8) != 0;
	if ((fp = fuzz_file(data + 1, size - 1)) == NULL)
		return 0;
	FUZZ_CHECK(oms_csv_open(&c, fp, "fuzz", delim, quote, cr_only) ==
	    OMS_OK, "open");
	while ((rc = oms_csv_next(c, &r)) == OMS_OK) {
		FUZZ_CHECK(r.line > last && r.line <= oms_csv_line(c),
		    "row %d on line %ld after line %ld, of %ld read", n,
		    r.line, last, oms_csv_line(c));
		FUZZ_CHECK(r.raw != NULL, "row %d has no raw text", n);
		last = r.line;
		for (int i = 0; i < r.nf; i++)
			FUZZ_CHECK(oms_utf8_valid(r.f[i], strlen(r.f[i])),
			    "line %ld field %d is not UTF-8", r.line, i + 1);
		if (quote != '\0' && !unwritable(&r, cr_only))
			write_back(&r, delim, quote, cr_only);
		n++;
	}
	FUZZ_CHECK(rc == OMS_EOF || rc == OMS_ERR, "rc %d", rc);
	FUZZ_CHECK(rc != OMS_ERR || oms_error()[0] != '\0', "no message");
	oms_csv_close(c);
	fclose(fp);
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_env();
	return 0;
}
